"""tickets: renovations (装修申请) -- the application's facts, its numbered worker and material
passes, its patrol records.

Revision ID: 0060
Revises: 0059
Create Date: 2026-11-27 03:30:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db
import kernel.money


revision = '0060'
down_revision = '0059'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('renovations',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('contractor', sa.String(length=200), nullable=False),
    sa.Column('planned_start', sa.Date(), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('deposit_amount', kernel.money.MoneyType(), nullable=False),
    sa.Column('documents', sa.JSON(), nullable=False),
    sa.Column('submitted_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('review_rounds', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('review_note', sa.Text(), nullable=True),
    sa.Column('agreement_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('fees_requested_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('fees_paid_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('garbage_fee', kernel.money.MoneyType(), nullable=True),
    sa.Column('deposit_id', sa.String(length=36), nullable=True),
    sa.Column('permit_number', sa.String(length=40), nullable=True),
    sa.Column('permit_issued_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('acceptance_on', sa.Date(), nullable=True),
    sa.Column('acceptance_requested_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('occupied_on', sa.Date(), nullable=True),
    sa.Column('reinspection_due_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('reinspected_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('violations', sa.JSON(), nullable=True),
    sa.Column('withheld_amount', kernel.money.MoneyType(), nullable=True),
    sa.Column('refund_amount', kernel.money.MoneyType(), nullable=True),
    sa.Column('refund_requested_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('refunded_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('archived_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    op.create_index(op.f('ix_renovations_project_id'), 'renovations', ['project_id'], unique=False)
    op.create_index(op.f('ix_renovations_unit_id'), 'renovations', ['unit_id'], unique=False)
    op.create_table('renovation_passes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('holder_name', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.String(length=400), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('issued_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('voided_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('void_reason', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'number', name='uq_renovation_pass_number')
    )
    op.create_index(op.f('ix_renovation_passes_ticket_id'), 'renovation_passes', ['ticket_id'], unique=False)
    op.create_table('renovation_patrols',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('by', sa.String(length=100), nullable=False),
    sa.Column('by_name', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('violations', sa.JSON(), nullable=False),
    sa.Column('waste_seen', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_renovation_patrols_ticket_id'), 'renovation_patrols', ['ticket_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_renovation_patrols_ticket_id'), table_name='renovation_patrols')
    op.drop_table('renovation_patrols')
    op.drop_index(op.f('ix_renovation_passes_ticket_id'), table_name='renovation_passes')
    op.drop_table('renovation_passes')
    op.drop_index(op.f('ix_renovations_unit_id'), table_name='renovations')
    op.drop_index(op.f('ix_renovations_project_id'), table_name='renovations')
    op.drop_table('renovations')
