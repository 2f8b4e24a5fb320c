"""archive: a move-out (迁出) or a transfer's old household (过户) keeps what billing said when it left.

Both ask billing's ``has_arrears`` for the unit and go on only when nothing is unpaid; the figures of
that answer are now kept on the move-out record -- ``fees_unpaid`` (what the check counted as unpaid:
the balance due or the overdue amount, whichever is larger, never below 0.00), ``fees_balance_due``
(billing's balance due: negative is prepaid credit left on the account) and ``fees_as_of`` (the day
billing stated them) -- and shown with the record in the household file. Records written before this
revision have none (NULL): billing's word was not kept then.

Revision ID: 0038
Revises: 0037
"""
import sqlalchemy as sa
from alembic import op

import kernel.money


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE ADD COLUMN (nullable, no batch copy)
    op.add_column('move_outs', sa.Column('fees_unpaid', kernel.money.MoneyType(), nullable=True))
    op.add_column('move_outs', sa.Column('fees_balance_due', kernel.money.MoneyType(), nullable=True))
    op.add_column('move_outs', sa.Column('fees_as_of', sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column('move_outs', 'fees_as_of')
    op.drop_column('move_outs', 'fees_balance_due')
    op.drop_column('move_outs', 'fees_unpaid')
