"""notify: printed notices -- a print delivery's printed mark (when, by whom)

Revision ID: 0043
Revises: 0042
Create Date: 2026-11-26 16:50:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('printed_at', kernel.db.UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column('printed_by', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_column('printed_by')
        batch_op.drop_column('printed_at')
