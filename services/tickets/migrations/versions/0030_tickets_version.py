"""tickets: a version per ticket (grows with every change; ticket.changed carries it)

Revision ID: 0030
Revises: 0020
Create Date: 2026-11-26 02:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('version')
