"""tickets: staff accounts the gateway deactivated, so the patrol plan assigns them nothing.

Revision ID: 0064
Revises: 0063
Create Date: 2026-11-27 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0064'
down_revision = '0063'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'inactive_staff',
        sa.Column('user_id', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=True),
        sa.Column('since', kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('user_id'),
    )


def downgrade() -> None:
    op.drop_table('inactive_staff')
