"""billing: a fee item's counting unit, a meter reading's kind (regular, initial, replacement),
a bill run's committed chunks and cursor, and a project's accounts in id order (the run's keyset)

Revision ID: 0041
Revises: 0040
Create Date: 2026-11-26 09:38:43
"""
from alembic import op
import sqlalchemy as sa


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('bill_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chunks', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('cursor', sa.String(length=36), nullable=True))

    with op.batch_alter_table('fee_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=20), nullable=True))

    with op.batch_alter_table('meter_readings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), server_default='regular', nullable=False))

    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.create_index('ix_fee_accounts_project_keyset', ['project_id', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_fee_accounts_project_keyset')

    with op.batch_alter_table('meter_readings', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('fee_items', schema=None) as batch_op:
        batch_op.drop_column('unit')

    with op.batch_alter_table('bill_runs', schema=None) as batch_op:
        batch_op.drop_column('cursor')
        batch_op.drop_column('chunks')
