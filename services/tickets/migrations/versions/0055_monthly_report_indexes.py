"""tickets: indexes for the monthly report's ranges (domain/reports.py) -- a project's tickets
received in a month, closed in a month, and its clocks due in a month.

Revision ID: 0055
Revises: 0054
Create Date: 2026-11-26 05:48:17.785442
"""
from alembic import op


revision = '0055'
down_revision = '0054'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_deadline_project_due', 'ticket_deadlines', ['project_id', 'due_at'], unique=False)
    op.create_index('ix_tickets_project_closed', 'tickets', ['project_id', 'closed_at'], unique=False)
    op.create_index('ix_tickets_project_received', 'tickets', ['project_id', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_project_received', table_name='tickets')
    op.drop_index('ix_tickets_project_closed', table_name='tickets')
    op.drop_index('ix_deadline_project_due', table_name='ticket_deadlines')
