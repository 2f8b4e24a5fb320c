"""notify: broadcasts (群发) and their chunks

Revision ID: 0046
Revises: 0045
Create Date: 2026-11-26 17:30:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.db import UtcDateTime


revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'broadcasts',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('purpose', sa.String(length=80), nullable=False),
        sa.Column('target', sa.String(length=10), nullable=False),
        sa.Column('building_id', sa.String(length=36), nullable=True),
        sa.Column('values', sa.Text(), nullable=False),
        sa.Column('channels', sa.String(length=60), nullable=False),
        sa.Column('send_at', UtcDateTime(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('total_units', sa.Integer(), nullable=False),
        sa.Column('chunk_size', sa.Integer(), nullable=False),
        sa.Column('chunks', sa.Integer(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('created_by', sa.String(length=100), nullable=False),
        sa.Column('cancelled_at', UtcDateTime(), nullable=True),
        sa.Column('cancelled_by', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_broadcast_project', 'broadcasts', ['project_id', 'created_at'], unique=False)
    op.create_table(
        'broadcast_chunks',
        sa.Column('broadcast_id', sa.String(length=36), nullable=False),
        sa.Column('n', sa.Integer(), nullable=False),
        sa.Column('unit_ids', sa.Text(), nullable=False),
        sa.Column('units', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('notifications', sa.Integer(), nullable=False),
        sa.Column('done_at', UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['broadcast_id'], ['broadcasts.id']),
        sa.PrimaryKeyConstraint('broadcast_id', 'n'),
    )


def downgrade() -> None:
    op.drop_table('broadcast_chunks')
    op.drop_index('ix_broadcast_project', table_name='broadcasts')
    op.drop_table('broadcasts')
