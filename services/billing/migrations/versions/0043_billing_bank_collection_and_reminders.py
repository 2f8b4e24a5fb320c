"""billing (bank collection and reminders): a debit mandate names the household that signed it and
who cancelled it and why, one active mandate per account (a partial unique index); a bank batch's
items carry their line number in the file, the bank's reference and when the bank answered; a
result file's import keeps what it said of each item and how far it is applied; the bill
reminders recorded (once per bill and kind)

Revision ID: 0043
Revises: 0042
Create Date: 2026-11-26 10:00:17.794763
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bill_reminders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('bill_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('remind_on', sa.Date(), nullable=False),
    sa.Column('collect_on', sa.Date(), nullable=True),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bill_id', 'kind', name='uq_bill_reminder_kind')
    )
    with op.batch_alter_table('bill_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bill_reminders_project_id'), ['project_id'], unique=False)

    with op.batch_alter_table('bank_batch_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_no', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('answered_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_bank_batch_items_account', ['account_id', 'status'], unique=False)

    with op.batch_alter_table('bank_result_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=20), server_default='done', nullable=False))
        batch_op.add_column(sa.Column('answers', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('applied', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('finished_at', kernel.db.UtcDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('debit_mandates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=400), nullable=True))
        batch_op.create_index('uq_debit_mandate_active', ['account_id'], unique=True, sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))



def downgrade() -> None:
    with op.batch_alter_table('debit_mandates', schema=None) as batch_op:
        batch_op.drop_index('uq_debit_mandate_active', sqlite_where=sa.text('active'), postgresql_where=sa.text('active'))
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('household_id')

    with op.batch_alter_table('bank_result_imports', schema=None) as batch_op:
        batch_op.drop_column('finished_at')
        batch_op.drop_column('applied')
        batch_op.drop_column('answers')
        batch_op.drop_column('status')

    with op.batch_alter_table('bank_batch_items', schema=None) as batch_op:
        batch_op.drop_index('ix_bank_batch_items_account')
        batch_op.drop_column('answered_at')
        batch_op.drop_column('bank_reference')
        batch_op.drop_column('line_no')

    with op.batch_alter_table('bill_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bill_reminders_project_id'))

    op.drop_table('bill_reminders')
