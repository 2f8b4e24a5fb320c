"""tickets: a renovation's garbage-removal fee as billing charged it (renovation.fees_charged), shown
before it is paid.

Revision ID: 0062
Revises: 0061
Create Date: 2026-11-27 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db
import kernel.money


revision = '0062'
down_revision = '0061'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('renovations') as batch:
        batch.add_column(sa.Column('garbage_fee_requested', kernel.money.MoneyType(), nullable=True))
        batch.add_column(sa.Column('fees_charged_at', kernel.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('renovations') as batch:
        batch.drop_column('fees_charged_at')
        batch.drop_column('garbage_fee_requested')
