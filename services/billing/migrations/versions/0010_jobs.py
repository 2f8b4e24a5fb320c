"""billing: scheduled jobs (kernel.jobs)

Revision ID: 0010
Revises: 0001
Create Date: 2026-11-26 00:15:00
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0010'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('project_id', sa.String(length=36), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('due_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('max_attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sa.String(length=100), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'key', name='uq_job_kind_key')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_jobs_project', ['project_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_project')
        batch_op.drop_index('ix_jobs_due')
    op.drop_table('jobs')
