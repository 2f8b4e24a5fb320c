"""tickets: one revisit per source ticket and reason (回访; domain/revisits.py checks first, the
unique constraint holds when two transactions race). Routine revisits have no source: NULLs never
collide.

Revision ID: 0054
Revises: 0053 (0050 on its own branch; re-chained when merged after wt/complaints)
Create Date: 2026-11-26 05:45:52.920045
"""
from alembic import op


revision = '0054'
down_revision = '0053'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('revisits', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_revisit_source_reason', ['source_ticket_id', 'reason'])


def downgrade() -> None:
    with op.batch_alter_table('revisits', schema=None) as batch_op:
        batch_op.drop_constraint('uq_revisit_source_reason', type_='unique')
