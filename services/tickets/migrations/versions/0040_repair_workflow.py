"""tickets: the repair workflow (assignee, times of each step, materials, rating, cancel reason)

Revision ID: 0040
Revises: 0030
Create Date: 2026-11-26 04:30:00
"""
from alembic import op
import sqlalchemy as sa

import kernel.db


revision = '0040'
down_revision = '0030'
branch_labels = None
depends_on = None

TIMES = ('dispatched_at', 'accepted_at', 'arrived_at', 'completed_at', 'confirmed_at', 'closed_at')


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assignee_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('assignee_name', sa.String(length=100), nullable=True))
        for name in TIMES:
            batch_op.add_column(sa.Column(name, kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('work_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('materials', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tickets_assignee_id'), ['assignee_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_assignee_id'))
        for name in ('cancel_reason', 'comment', 'rating', 'materials', 'work_note') + TIMES[::-1]:
            batch_op.drop_column(name)
        batch_op.drop_column('assignee_name')
        batch_op.drop_column('assignee_id')
