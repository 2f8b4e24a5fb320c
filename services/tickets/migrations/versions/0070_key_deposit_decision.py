"""tickets: a late borrower's kept key deposit waits for the manager's decision (given back or forfeited to
income): the decision, who, when, why, and the task that asked for it, on the loan (``key_movements``).

Revision ID: 0070
Revises: 0069
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

import kernel.db


revision = '0070'
down_revision = '0069'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('key_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deposit_decision', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('deposit_decided_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('deposit_decided_by_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('deposit_decided_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deposit_decision_note', sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column('deposit_task_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('key_movements', schema=None) as batch_op:
        batch_op.drop_column('deposit_task_id')
        batch_op.drop_column('deposit_decision_note')
        batch_op.drop_column('deposit_decided_at')
        batch_op.drop_column('deposit_decided_by_name')
        batch_op.drop_column('deposit_decided_by')
        batch_op.drop_column('deposit_decision')
