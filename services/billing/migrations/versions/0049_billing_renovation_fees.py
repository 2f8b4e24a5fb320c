"""billing: a renovation's fees (tickets' renovation.fees_requested) -- the deposit to hold, the
garbage-removal fee's bill, the refund after the re-inspection.

Revision ID: 0049
Revises: 0048
Create Date: 2026-11-27 03:50:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db
import kernel.money


revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('renovation_fees',
    sa.Column('renovation_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('deposit_amount', kernel.money.MoneyType(), nullable=False),
    sa.Column('garbage_bill_id', sa.String(length=36), nullable=True),
    sa.Column('garbage_fee', kernel.money.MoneyType(), nullable=False),
    sa.Column('deposit_id', sa.String(length=36), nullable=True),
    sa.Column('requested_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('refund_amount', kernel.money.MoneyType(), nullable=True),
    sa.Column('withheld_amount', kernel.money.MoneyType(), nullable=True),
    sa.Column('violations', sa.Text(), nullable=True),
    sa.Column('refund_id', sa.String(length=36), nullable=True),
    sa.Column('refund_requested_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['fee_accounts.id'], ),
    sa.PrimaryKeyConstraint('renovation_id'),
    sa.UniqueConstraint('deposit_id')
    )
    op.create_index(op.f('ix_renovation_fees_account_id'), 'renovation_fees', ['account_id'], unique=False)
    op.create_index(op.f('ix_renovation_fees_project_id'), 'renovation_fees', ['project_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_renovation_fees_project_id'), table_name='renovation_fees')
    op.drop_index(op.f('ix_renovation_fees_account_id'), table_name='renovation_fees')
    op.drop_table('renovation_fees')
