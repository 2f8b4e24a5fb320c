"""notify: a notification withdrawn by its broadcast's cancel (``notifications.withdrawn_at``), and the
staff inbox's read marks per user (``notification_reads``)

Revision ID: 0049
Revises: 0048
Create Date: 2026-11-29 10:00:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.db import UtcDateTime


revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdrawn_at', UtcDateTime(), nullable=True))
    op.create_table(
        'notification_reads',
        sa.Column('notification_id', sa.String(length=36), nullable=False),
        sa.Column('user_id', sa.String(length=100), nullable=False),
        sa.Column('read_at', UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], ),
        sa.PrimaryKeyConstraint('notification_id', 'user_id'),
    )
    op.create_index('ix_notification_reads_user', 'notification_reads', ['user_id', 'notification_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_notification_reads_user', table_name='notification_reads')
    op.drop_table('notification_reads')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('withdrawn_at')
