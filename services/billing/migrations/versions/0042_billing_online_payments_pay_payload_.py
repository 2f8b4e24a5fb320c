"""billing: an online payment's pay payload (the provider's pay URL / QR code) and the index the
payment-query job reads pending payments by; who paid a refund out and when, and every step of
a refund in order

Revision ID: 0042
Revises: 0041
Create Date: 2026-11-26 09:36:39.117757
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pay_payload', sa.Text(), nullable=True))
        batch_op.create_index('ix_payments_status_created', ['status', 'created_at'], unique=False)

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paid_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('history', sa.Text(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_column('history')
        batch_op.drop_column('paid_by')
        batch_op.drop_column('paid_at')

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_status_created')
        batch_op.drop_column('pay_payload')
