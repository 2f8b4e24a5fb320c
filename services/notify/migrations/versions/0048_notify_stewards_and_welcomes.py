"""notify: copies of archive's stewards' areas (管家片区, ``steward.assigned``) and the households
welcomed (入住欢迎, ``move_in.welcome`` once per household)

Revision ID: 0048
Revises: 0047
Create Date: 2026-11-28 10:00:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.db import UtcDateTime


revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'steward_copies',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('building_id', sa.String(length=36), nullable=False),
        sa.Column('unit_id', sa.String(length=36), nullable=True),
        sa.Column('steward_id', sa.String(length=100), nullable=True),
        sa.Column('steward_name', sa.String(length=100), nullable=True),
        sa.Column('work_phone', sa.String(length=30), nullable=True),
        sa.Column('assigned_at', UtcDateTime(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_steward_copies_building', 'steward_copies', ['project_id', 'building_id'], unique=False)
    op.create_table(
        'household_welcomes',
        sa.Column('household_id', sa.String(length=36), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('unit_id', sa.String(length=36), nullable=False),
        sa.Column('source_event_id', sa.String(length=36), nullable=False),
        sa.Column('steward_id', sa.String(length=100), nullable=True),
        sa.Column('welcomed_at', UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('household_id'),
    )


def downgrade() -> None:
    op.drop_table('household_welcomes')
    op.drop_index('ix_steward_copies_building', table_name='steward_copies')
    op.drop_table('steward_copies')
