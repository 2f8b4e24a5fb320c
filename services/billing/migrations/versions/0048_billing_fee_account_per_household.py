"""billing: an account is one paying household's -- closed when another household pays for the unit

Revision ID: 0048
Revises: 0047
Create Date: 2026-11-27 03:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None

#: the unnamed UNIQUE (unit_id) of revision 0001, named so SQLite's batch copy can drop it
NAMING = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _unique_name() -> str:
    return "fee_accounts_unit_id_key" if op.get_bind().dialect.name == "postgresql" else "uq_fee_accounts_unit_id"


def upgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('succeeded_by', sa.String(length=36), nullable=True))
        batch_op.drop_constraint(_unique_name(), type_='unique')
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.create_index('uq_fee_accounts_open_unit', ['unit_id'], unique=True,
                              sqlite_where=sa.text('closed_on IS NULL'),
                              postgresql_where=sa.text('closed_on IS NULL'))


def downgrade() -> None:
    with op.batch_alter_table('fee_accounts', schema=None) as batch_op:
        batch_op.drop_index('uq_fee_accounts_open_unit', sqlite_where=sa.text('closed_on IS NULL'),
                            postgresql_where=sa.text('closed_on IS NULL'))
    with op.batch_alter_table('fee_accounts', schema=None, naming_convention=NAMING) as batch_op:
        batch_op.drop_column('succeeded_by')
        batch_op.drop_column('closed_on')
        batch_op.create_unique_constraint(_unique_name(), ['unit_id'])
