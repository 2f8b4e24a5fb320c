"""billing: a payment's reference is unique per project (bank batch numbers and POS slips run per
project: another project's TS00000002-00001 is its own)

Revision ID: 0044
Revises: 0043
Create Date: 2026-11-26 11:15:00
"""
from alembic import op


revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payment_reference', type_='unique')
        batch_op.create_unique_constraint('uq_payment_project_reference', ['project_id', 'method', 'reference'])


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint('uq_payment_project_reference', type_='unique')
        batch_op.create_unique_constraint('uq_payment_reference', ['method', 'reference'])
