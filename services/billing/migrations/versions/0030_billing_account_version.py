"""billing: a version per fee account (grows with every published change) and when it was stated

Revision ID: 0030
Revises: 0020
Create Date: 2026-11-26 02:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('stated_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.drop_column('stated_at')
        batch_op.drop_column('version')
