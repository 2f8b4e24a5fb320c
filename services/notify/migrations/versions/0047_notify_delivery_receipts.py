"""notify: the providers' delivery receipts (回执) -- what each delivery's provider reported, its code,
message and time, delivered_at; a WeChat message's template and fields (channel_data)

Revision ID: 0047
Revises: 0046
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.db import UtcDateTime


revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported_status', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('provider_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('provider_message', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('reported_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('receipt_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('channel_data', sa.Text(), nullable=True))
        batch_op.create_index('ix_delivery_provider_message', ['channel', 'provider_message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_provider_message')
        batch_op.drop_column('channel_data')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('receipt_at')
        batch_op.drop_column('reported_at')
        batch_op.drop_column('provider_message')
        batch_op.drop_column('provider_code')
        batch_op.drop_column('reported_status')
