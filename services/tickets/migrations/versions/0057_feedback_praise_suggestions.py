"""tickets: praise and suggestions (表扬与建议, domain/feedback.py): one row per ticket of kind
``feedback`` -- sub-kind, the staff or department praised, acknowledgement, forwarding, the reply
and a suggestion's decision.

Revision ID: 0057
Revises: 0056
Create Date: 2026-11-27 03:20:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0057'
down_revision = '0056'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('sub_kind', sa.String(length=12), nullable=False),
    sa.Column('named_staff', sa.JSON(), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=True),
    sa.Column('acknowledged_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('forwarded_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('forwarded_to', sa.String(length=500), nullable=True),
    sa.Column('replied_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decision', sa.String(length=12), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_project_id'), ['project_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_project_id'))

    op.drop_table('feedback')
