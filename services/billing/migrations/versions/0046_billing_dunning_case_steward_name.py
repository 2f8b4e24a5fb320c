"""billing: a dunning case keeps its steward's display name (管家, assigned by the CS supervisor)

Revision ID: 0046
Revises: 0045
Create Date: 2026-11-26 12:29:20
"""
from alembic import op
import sqlalchemy as sa


revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dunning_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('steward_name', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dunning_cases', schema=None) as batch_op:
        batch_op.drop_column('steward_name')
