"""tickets: the key register keeps no whole ID number (trial 3, H1) -- each movement's number becomes
its masked form (kernel.privacy.mask_id_number) and a keyed hash (kernel.privacy.id_number_digest,
under WUYE_SECRET: what a late-return flag and a deposited key's owner are matched by), the
whole-number column dropped; the document type kept from now on; a late return's minutes
(key_movements.minutes_late); a stock-check's copies (key_stock_checks.copies_expected / copies_counted).

The hash needs the platform secret the services run with: ``WUYE_SECRET``, else the secret
``./wuye up`` keeps in ``var/secret``, else (outside production) the development value -- a
production migration without WUYE_SECRET stops (kernel.config.WeakSecret) rather than hash with
a key the services do not hold.

Revision ID: 0063
Revises: 0062
Create Date: 2026-11-27 06:40:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.config import local_secret, secret_from
from kernel.privacy import id_number_digest, mask_id_number


revision = '0063'
down_revision = '0062'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('key_movements') as batch:
        batch.add_column(sa.Column('party_id_type', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('party_id_masked', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('party_id_hash', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('minutes_late', sa.Integer(), nullable=True))
        batch.create_index(batch.f('ix_key_movements_party_id_hash'), ['party_id_hash'], unique=False)
    bind = op.get_bind()
    movements = sa.table('key_movements', sa.column('id', sa.String), sa.column('party_id_number', sa.String),
                         sa.column('party_id_masked', sa.String), sa.column('party_id_hash', sa.String))
    rows = bind.execute(sa.select(movements.c.id, movements.c.party_id_number)
                        .where(movements.c.party_id_number.is_not(None))).all()
    if rows:
        secret = local_secret() or secret_from({})
        for row_id, number in rows:
            number = number.upper()
            bind.execute(movements.update().where(movements.c.id == row_id).values(
                party_id_masked=mask_id_number(number), party_id_hash=id_number_digest(number, secret),
                party_id_number=None))
    with op.batch_alter_table('key_movements') as batch:
        batch.drop_index('ix_key_movements_party_id_number')
        batch.drop_column('party_id_number')
    with op.batch_alter_table('key_stock_checks') as batch:
        batch.add_column(sa.Column('copies_expected', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('copies_counted', sa.Integer(), nullable=True))


def downgrade() -> None:
    # the whole numbers are gone for good: the column comes back empty
    with op.batch_alter_table('key_stock_checks') as batch:
        batch.drop_column('copies_counted')
        batch.drop_column('copies_expected')
    with op.batch_alter_table('key_movements') as batch:
        batch.add_column(sa.Column('party_id_number', sa.String(length=30), nullable=True))
        batch.create_index('ix_key_movements_party_id_number', ['party_id_number'], unique=False)
        batch.drop_index(batch.f('ix_key_movements_party_id_hash'))
        batch.drop_column('minutes_late')
        batch.drop_column('party_id_hash')
        batch.drop_column('party_id_masked')
        batch.drop_column('party_id_type')
