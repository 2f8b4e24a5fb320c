"""tickets: the SLA engine's alerts -- an approved overrun (deadline extension) records when the
breach of its new due time was told (the clock's own ``breached_at`` keeps the first breach).

Revision ID: 0051
Revises: 0050
Create Date: 2026-11-26 05:46:12.866437
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breached_at', kernel.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.drop_column('breached_at')
