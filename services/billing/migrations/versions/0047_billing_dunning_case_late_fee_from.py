"""billing: a dunning case's late fee starts after the deadline of the final notice it sent

Revision ID: 0047
Revises: 0046
Create Date: 2026-11-26 16:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dunning_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_fee_from', sa.Date(), nullable=True))
    # the cases that sent their final notice: the day after its deadline (grace days were 0 by default)
    day_after = ("n.pay_by + 1" if op.get_bind().dialect.name == "postgresql"
                 else "date(n.pay_by, '+1 day')")
    op.execute(f"UPDATE dunning_cases SET late_fee_from = (SELECT {day_after} FROM dunning_notices n "
               f"WHERE n.case_id = dunning_cases.id AND n.stage = 'final')")


def downgrade() -> None:
    with op.batch_alter_table('dunning_cases', schema=None) as batch_op:
        batch_op.drop_column('late_fee_from')
