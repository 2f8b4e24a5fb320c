"""tickets: the SLA engine's columns on every deadline (responsible role, warning time, alerts sent,
cancelled, next alert) with approved overruns; complaints, their class changes, documents, revisits.

Open clocks of earlier tickets get their responsible role and ``next_alert_at`` = the due time
(no warning for a clock started before the engine: only its breach is told).

Revision ID: 0050
Revises: 0040
Create Date: 2026-11-26 05:29:38.062956
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0050'
down_revision = '0040'
branch_labels = None
depends_on = None

#: the repair clocks' answerable roles (domain/sla.py RESPONSIBLE when this was written)
RESPONSIBLE = {'record': 'front_desk', 'notify_engineering': 'front_desk', 'on_site': 'engineering',
               'arrive_before': 'engineering', 'reply': 'engineering_manager'}


def upgrade() -> None:
    op.create_table('complaint_class_changes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('from_class', sa.String(length=10), nullable=True),
    sa.Column('to_class', sa.String(length=10), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_by_name', sa.String(length=100), nullable=False),
    sa.Column('changed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('complaint_class_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_class_changes_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('complaints',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('complaint_class', sa.String(length=10), nullable=False),
    sa.Column('department', sa.String(length=40), nullable=False),
    sa.Column('form', sa.String(length=10), nullable=False),
    sa.Column('dispatched_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('written_reply_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('upgraded_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revisit_ticket_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_project_id'), ['project_id'], unique=False)

    op.create_table('revisits',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('source_ticket_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('due_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('done_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('quality', sa.Integer(), nullable=True),
    sa.Column('effect', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.String(length=20), nullable=True),
    sa.Column('shortcomings', sa.Text(), nullable=True),
    sa.Column('suggestions', sa.Text(), nullable=True),
    sa.Column('complaint_ticket_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('revisits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_revisits_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisits_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_revisits_source_ticket_id'), ['source_ticket_id'], unique=False)

    op.create_table('ticket_documents',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('written_by', sa.String(length=100), nullable=False),
    sa.Column('written_by_name', sa.String(length=100), nullable=False),
    sa.Column('written_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_documents_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('deadline_extensions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('deadline_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=False),
    sa.Column('approved_by_name', sa.String(length=100), nullable=False),
    sa.Column('approved_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('old_due_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('new_due_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deadline_id'], ['ticket_deadlines.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_extensions_deadline_id'), ['deadline_id'], unique=False)

    with op.batch_alter_table('ticket_deadlines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('started_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('responsible_role', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('warn_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('warned_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('breached_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_alert_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_deadline_next_alert', ['next_alert_at'], unique=False, postgresql_where=sa.text('next_alert_at IS NOT NULL'), sqlite_where=sa.text('next_alert_at IS NOT NULL'))
    for kind, role in RESPONSIBLE.items():
        op.execute(sa.text("UPDATE ticket_deadlines SET responsible_role = :role WHERE kind = :kind")
                   .bindparams(role=role, kind=kind))
    op.execute("UPDATE ticket_deadlines SET started_at = (SELECT recorded_at FROM tickets "
               "WHERE tickets.id = ticket_deadlines.ticket_id)")
    op.execute("UPDATE ticket_deadlines SET next_alert_at = due_at WHERE met_at IS NULL")



def downgrade() -> None:
    with op.batch_alter_table('ticket_deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_next_alert', postgresql_where=sa.text('next_alert_at IS NOT NULL'), sqlite_where=sa.text('next_alert_at IS NOT NULL'))
        batch_op.drop_column('next_alert_at')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('breached_at')
        batch_op.drop_column('warned_at')
        batch_op.drop_column('warn_at')
        batch_op.drop_column('responsible_role')
        batch_op.drop_column('started_at')

    with op.batch_alter_table('deadline_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_extensions_deadline_id'))

    op.drop_table('deadline_extensions')
    with op.batch_alter_table('ticket_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_documents_ticket_id'))

    op.drop_table('ticket_documents')
    with op.batch_alter_table('revisits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_revisits_source_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_revisits_project_id'))
        batch_op.drop_index(batch_op.f('ix_revisits_household_id'))

    op.drop_table('revisits')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_project_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('complaint_class_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_class_changes_ticket_id'))

    op.drop_table('complaint_class_changes')
