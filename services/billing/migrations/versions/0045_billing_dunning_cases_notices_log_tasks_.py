"""billing dunning: cases, notices, log, tasks, disputes, installment plans, legal proposals

Revision ID: 0045
Revises: 0044
Create Date: 2026-11-26 12:19:04.344262
"""
from alembic import op
import sqlalchemy as sa
import kernel.db
import kernel.money


revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dunning_cases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('stage_on', sa.Date(), nullable=True),
    sa.Column('anchor_due_on', sa.Date(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('closed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=20), nullable=True),
    sa.Column('overdue', kernel.money.MoneyType(), nullable=False),
    sa.Column('oldest_due_on', sa.Date(), nullable=True),
    sa.Column('arrears_class', sa.String(length=1), nullable=True),
    sa.Column('class_set_on', sa.Date(), nullable=True),
    sa.Column('class_set_by', sa.String(length=100), nullable=True),
    sa.Column('promised_on', sa.Date(), nullable=True),
    sa.Column('promised_amount', kernel.money.MoneyType(), nullable=True),
    sa.Column('paused', sa.String(length=10), nullable=True),
    sa.Column('pause_reason', sa.String(length=400), nullable=True),
    sa.Column('steward_id', sa.String(length=100), nullable=True),
    sa.Column('swept_on', sa.Date(), nullable=True),
    sa.Column('late_fee_accrued', kernel.money.FixedDecimal(scale=8, precision=24), nullable=False),
    sa.Column('late_fee_through', sa.Date(), nullable=True),
    sa.Column('late_fee_billed', kernel.money.MoneyType(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['fee_accounts.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dunning_cases', schema=None) as batch_op:
        batch_op.create_index('ix_dunning_cases_project', ['project_id', 'status'], unique=False)
        batch_op.create_index('uq_dunning_case_open', ['account_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('bill_disputes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('bill_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opened_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('resolved_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.Column('resolution', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('bill_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bill_disputes_account_id'), ['account_id'], unique=False)
        batch_op.create_index('uq_bill_dispute_open', ['bill_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('dunning_log',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=400), nullable=False),
    sa.Column('photo_ref', sa.String(length=200), nullable=True),
    sa.Column('promised_on', sa.Date(), nullable=True),
    sa.Column('promised_amount', kernel.money.MoneyType(), nullable=True),
    sa.Column('arrears_class', sa.String(length=1), nullable=True),
    sa.Column('ref_id', sa.String(length=64), nullable=True),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('dunning_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_log_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_dunning_log_project_day', ['project_id', 'done_on'], unique=False)

    op.create_table('dunning_notices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('stage', sa.String(length=10), nullable=False),
    sa.Column('notice_on', sa.Date(), nullable=False),
    sa.Column('pay_by', sa.Date(), nullable=False),
    sa.Column('overdue', kernel.money.MoneyType(), nullable=False),
    sa.Column('late_fee', kernel.money.MoneyType(), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'stage', name='uq_dunning_notice_stage')
    )
    # the dunning log is append-only in the database itself (kernel.db.append_only)
    for statement in kernel.db.append_only_statements('dunning_log', op.get_bind().dialect.name):
        op.execute(statement)
    with op.batch_alter_table('dunning_notices', schema=None) as batch_op:
        batch_op.create_index('ix_dunning_notices_project_day', ['project_id', 'notice_on'], unique=False)

    op.create_table('dunning_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('steward_id', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('done_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('log_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_cases.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'kind', 'due_on', name='uq_dunning_task_day')
    )
    with op.batch_alter_table('dunning_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_dunning_tasks_project_due', ['project_id', 'status', 'due_on'], unique=False)

    op.create_table('installment_plans',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('total', kernel.money.MoneyType(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('agreed_on', sa.Date(), nullable=False),
    sa.Column('agreed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('agreed_by', sa.String(length=100), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('ended_reason', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('installment_plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_installment_plans_account_id'), ['account_id'], unique=False)
        batch_op.create_index('uq_installment_plan_active', ['account_id'], unique=True, sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))

    op.create_table('legal_proposals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('account_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('amount', kernel.money.MoneyType(), nullable=False),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('proposed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('proposed_by', sa.String(length=100), nullable=False),
    sa.Column('reviewed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by', sa.String(length=100), nullable=True),
    sa.Column('approved_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('rejected_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('rejected_by', sa.String(length=100), nullable=True),
    sa.Column('decided_note', sa.String(length=400), nullable=True),
    sa.Column('done_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('document_ref', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['dunning_cases.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('legal_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_proposals_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_legal_proposals_project', ['project_id', 'status'], unique=False)

    op.create_table('installments',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', kernel.money.MoneyType(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['installment_plans.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_installments_plan_id'), ['plan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('installments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_installments_plan_id'))

    op.drop_table('installments')
    with op.batch_alter_table('legal_proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_legal_proposals_project')
        batch_op.drop_index(batch_op.f('ix_legal_proposals_account_id'))

    op.drop_table('legal_proposals')
    with op.batch_alter_table('installment_plans', schema=None) as batch_op:
        batch_op.drop_index('uq_installment_plan_active', sqlite_where=sa.text("status = 'active'"), postgresql_where=sa.text("status = 'active'"))
        batch_op.drop_index(batch_op.f('ix_installment_plans_account_id'))

    op.drop_table('installment_plans')
    with op.batch_alter_table('dunning_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_dunning_tasks_project_due')

    op.drop_table('dunning_tasks')
    with op.batch_alter_table('dunning_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_dunning_notices_project_day')

    op.drop_table('dunning_notices')
    with op.batch_alter_table('dunning_log', schema=None) as batch_op:
        batch_op.drop_index('ix_dunning_log_project_day')
        batch_op.drop_index(batch_op.f('ix_dunning_log_case_id'))

    op.drop_table('dunning_log')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS dunning_log_append_only()')
    with op.batch_alter_table('bill_disputes', schema=None) as batch_op:
        batch_op.drop_index('uq_bill_dispute_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index(batch_op.f('ix_bill_disputes_account_id'))

    op.drop_table('bill_disputes')
    with op.batch_alter_table('dunning_cases', schema=None) as batch_op:
        batch_op.drop_index('uq_dunning_case_open', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_dunning_cases_project')

    op.drop_table('dunning_cases')
