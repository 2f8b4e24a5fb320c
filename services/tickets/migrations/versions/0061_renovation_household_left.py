"""tickets: a renovation whose household moved out (过户 / 迁出) while its works went on waits
for the unit's next household (``renovations.left_by_household_id``).

Revision ID: 0061
Revises: 0060
Create Date: 2026-11-27 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0061'
down_revision = '0060'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('renovations', sa.Column('left_by_household_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column('renovations', 'left_by_household_id')
