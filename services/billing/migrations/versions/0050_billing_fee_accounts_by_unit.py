"""billing: every account of a unit, open and closed, found by an index (the unit's accounts list,
a closed account's bills, statement and receipts by ``account_id``, ``has_arrears.previous``) --
the partial unique index of revision 0048 serves only the open one.

Revision ID: 0050
Revises: 0049
Create Date: 2026-11-27 09:00:00
"""
from alembic import op


revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_fee_accounts_unit', ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_accounts_unit')
