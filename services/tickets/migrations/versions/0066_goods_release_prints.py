"""tickets: the goods release pass's print log (打印记录) -- who printed it first and when, and how many
times it was printed (a later print is marked 【补打】); releases before it: never printed (0).

Revision ID: 0066
Revises: 0065
Create Date: 2026-11-27 08:30:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0066'
down_revision = '0065'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('goods_releases') as batch:
        batch.add_column(sa.Column('printed_by', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('printed_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('printed_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('print_count', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('goods_releases') as batch:
        batch.drop_column('print_count')
        batch.drop_column('printed_at')
        batch.drop_column('printed_name')
        batch.drop_column('printed_by')
