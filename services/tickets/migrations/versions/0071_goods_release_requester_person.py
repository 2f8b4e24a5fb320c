"""tickets: a resident's own goods release records the person of the household file he is
(``goods_releases.requester_person_id``, archive's answer about himself); the attested in-person check's
approval (主管复核) lives in the release's ``identity`` (JSON) and its state ``attested`` -- no column.

Revision ID: 0071
Revises: 0070
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0071'
down_revision = '0070'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('goods_releases') as batch_op:
        batch_op.add_column(sa.Column('requester_person_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('goods_releases') as batch_op:
        batch_op.drop_column('requester_person_id')
