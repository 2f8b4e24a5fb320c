"""notify: the sending policy -- a notification's send-at, residents' opt-outs per channel

Revision ID: 0045
Revises: 0044
Create Date: 2026-11-26 17:10:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.db import UtcDateTime


revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('send_at', UtcDateTime(), nullable=True))
    op.create_table(
        'opt_outs',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=False),
        sa.Column('project_id', sa.String(length=36), nullable=False),
        sa.Column('person_id', sa.String(length=36), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('scope', sa.String(length=12), nullable=False),
        sa.Column('updated_at', UtcDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('project_id', 'person_id', 'channel', name='uq_opt_out'),
    )


def downgrade() -> None:
    op.drop_table('opt_outs')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_column('send_at')
