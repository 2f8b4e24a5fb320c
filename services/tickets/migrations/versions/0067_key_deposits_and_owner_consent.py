"""tickets: a key loan's deposit (钥匙押金 / 确保金: billing's deposit, its amount and receipt's number, who
took it and when, when it was given back) and an owner's consent to lend a deposited key (业主同意借用:
the person consented to, the number masked and keyed-hashed only; the loan lent under it).

Revision ID: 0067
Revises: 0066
Create Date: 2026-11-27 09:10:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db
import kernel.money


revision = '0067'
down_revision = '0066'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('key_movements') as batch:
        batch.add_column(sa.Column('deposit_id', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('deposit_amount', kernel.money.MoneyType(), nullable=True))
        batch.add_column(sa.Column('deposit_receipt', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('deposit_taken_by', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('deposit_taken_by_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('deposit_taken_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('deposit_released_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('consented_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('consented_id_type', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('consented_id_masked', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('consented_id_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('consent_id', sa.String(length=36), nullable=True))
        batch.create_index('ix_key_movements_deposit_id', ['deposit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('key_movements') as batch:
        batch.drop_index('ix_key_movements_deposit_id')
        for column in ('consent_id', 'consented_id_hash', 'consented_id_masked', 'consented_id_type',
                       'consented_name', 'deposit_released_at', 'deposit_taken_at', 'deposit_taken_by_name',
                       'deposit_taken_by', 'deposit_receipt', 'deposit_amount', 'deposit_id'):
            batch.drop_column(column)
