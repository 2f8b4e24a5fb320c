"""billing: the part of a renovation deposit withheld for violations is forfeited to income
(押金扣除): a deposit's ``forfeited`` amount; the renovation's forfeiture (its amount, its entry,
when) and who decided what is withheld (the re-inspection's ``reinspected_by``).

Revision ID: 0051
Revises: 0050
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

import kernel.db
import kernel.money


revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deposits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forfeited', kernel.money.MoneyType(), server_default='0.00', nullable=False))
    with op.batch_alter_table('renovation_fees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withheld_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('withheld_by_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('forfeited_amount', kernel.money.MoneyType(), nullable=True))
        batch_op.add_column(sa.Column('forfeit_entry_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('forfeited_at', kernel.db.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('renovation_fees', schema=None) as batch_op:
        batch_op.drop_column('forfeited_at')
        batch_op.drop_column('forfeit_entry_id')
        batch_op.drop_column('forfeited_amount')
        batch_op.drop_column('withheld_by_name')
        batch_op.drop_column('withheld_by')
    with op.batch_alter_table('deposits', schema=None) as batch_op:
        batch_op.drop_column('forfeited')
