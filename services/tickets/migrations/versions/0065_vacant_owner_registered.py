"""tickets: the vacant register keeps which units the owner registered vacant (owner_registered,
业主办理空置手续) -- rows before it: none.

Revision ID: 0065
Revises: 0064
Create Date: 2026-11-27 06:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0065'
down_revision = '0064'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('vacant_months') as batch:
        batch.add_column(sa.Column('owner_registered', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('vacant_months') as batch:
        batch.drop_column('owner_registered')
