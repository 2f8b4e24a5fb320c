"""tickets: paid in-home repairs (有偿维修) -- the per-project price list (effective-dated rows,
never rewritten), quotes and the charge put on the order; the per-project on-duty list (值班表)
that auto-assignment reads. New tables only.

Revision ID: 0052
Revises: 0051
Create Date: 2026-11-26 05:42:14.153273
"""
from alembic import op
import sqlalchemy as sa
import kernel.db
import kernel.money


revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duty_roster_entries',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('technician_id', sa.String(length=100), nullable=False),
    sa.Column('technician_name', sa.String(length=100), nullable=False),
    sa.Column('weekdays', sa.JSON(), nullable=False),
    sa.Column('starts', sa.Time(), nullable=False),
    sa.Column('ends', sa.Time(), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.Column('updated_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('duty_roster_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duty_roster_entries_project_id'), ['project_id'], unique=False)

    op.create_table('price_list_items',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('price', kernel.money.MoneyType(), nullable=True),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_by_name', sa.String(length=100), nullable=False),
    sa.Column('changed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'seq', name='uq_price_list_seq')
    )
    with op.batch_alter_table('price_list_items', schema=None) as batch_op:
        batch_op.create_index('ix_price_list_project_code', ['project_id', 'code', 'effective_from'], unique=False)

    op.create_table('repair_quotes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('total', kernel.money.MoneyType(), nullable=False),
    sa.Column('priced_on', sa.Date(), nullable=False),
    sa.Column('quoted_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('quoted_by', sa.String(length=100), nullable=False),
    sa.Column('quoted_by_name', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('decided_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=100), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'revision', name='uq_repair_quote_revision')
    )
    with op.batch_alter_table('repair_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_quotes_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('repair_charges',
    sa.Column('charge_id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('quote_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('total', kernel.money.MoneyType(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('posted_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('posted_by', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['quote_id'], ['repair_quotes.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('charge_id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('repair_charges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_repair_charges_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('repair_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_charges_project_id'))

    op.drop_table('repair_charges')
    with op.batch_alter_table('repair_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_repair_quotes_ticket_id'))

    op.drop_table('repair_quotes')
    with op.batch_alter_table('price_list_items', schema=None) as batch_op:
        batch_op.drop_index('ix_price_list_project_code')

    op.drop_table('price_list_items')
    with op.batch_alter_table('duty_roster_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duty_roster_entries_project_id'))

    op.drop_table('duty_roster_entries')
