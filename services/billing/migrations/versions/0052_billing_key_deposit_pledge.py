"""billing: a key deposit pledged to a key loan (钥匙押金质押): the loan it stands for, when it was pledged and
when the pledge was released -- no refund of a pledged deposit.

Revision ID: 0052
Revises: 0051
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

import kernel.db


revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deposits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pledged_loan_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('pledged_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('pledge_released_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_deposits_pledged_loan_id'), ['pledged_loan_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deposits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deposits_pledged_loan_id'))
        batch_op.drop_column('pledge_released_at')
        batch_op.drop_column('pledged_at')
        batch_op.drop_column('pledged_loan_id')
