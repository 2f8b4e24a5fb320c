"""notify: who caused each delivery, indexes for the per-recipient and per-user SMS limits

Revision ID: 0030
Revises: 0001
Create Date: 2026-11-26 00:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_by', sa.String(length=100), nullable=True))
        batch_op.create_index('ix_delivery_address', ['address', 'created_at'], unique=False)
        batch_op.create_index('ix_delivery_requested_by', ['requested_by', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_requested_by')
        batch_op.drop_index('ix_delivery_address')
        batch_op.drop_column('requested_by')
