"""tickets: the care of vacant units (空置房保养, seed 000 §十.6-8) -- each unit's monthly cleaning,
summer airing and winter frost-protection check as a care task per period (domain/vacant_care.py);
its clock lives on a task ticket (kind ``task``, category ``vacant_care``: no schema change there).

Revision ID: 0068
Revises: 0067
Create Date: 2026-11-27 09:10:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0068'
down_revision = '0067'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vacant_care_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('unit_label', sa.String(length=100), nullable=False),
    sa.Column('care_kind', sa.String(length=20), nullable=False),
    sa.Column('department', sa.String(length=30), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('due_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('performed_by', sa.String(length=100), nullable=True),
    sa.Column('performed_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=True),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('key_loan_id', sa.String(length=36), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('dried', sa.Boolean(), nullable=False),
    sa.Column('anomaly', sa.Boolean(), nullable=False),
    sa.Column('anomaly_kind', sa.String(length=20), nullable=True),
    sa.Column('cancel_reason', sa.String(length=500), nullable=True),
    sa.Column('ticket_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'care_kind', 'period_start', name='uq_vacant_care_period')
    )
    with op.batch_alter_table('vacant_care_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vacant_care_tasks_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacant_care_tasks_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vacant_care_tasks_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('vacant_care_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vacant_care_tasks_status'))
        batch_op.drop_index(batch_op.f('ix_vacant_care_tasks_unit_id'))
        batch_op.drop_index(batch_op.f('ix_vacant_care_tasks_project_id'))
    op.drop_table('vacant_care_tasks')
