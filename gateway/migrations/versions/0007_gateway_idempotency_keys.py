"""gateway: idempotency keys of the gateway's own writes (a staff account deactivated or reactivated
by a manager, ``POST /api/v1/staff-accounts/{user_id}/deactivate|activate``)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import kernel.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'idempotency_keys',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('caller_id', sa.String(length=100), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('group_id', sa.String(length=36), nullable=True),
        sa.Column('method', sa.String(length=100), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('result', sa.Text(), nullable=True),
        sa.Column('created_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('caller_id', 'key', name='uq_idempotency_caller_key'),
    )


def downgrade() -> None:
    op.drop_table('idempotency_keys')
