"""notify: idempotency keys, per-project settings and their audit

Revision ID: 0020
Revises: 0001
Create Date: 2026-11-26 00:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0020'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('idempotency_keys',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('caller_id', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=True),
    sa.Column('method', sa.String(length=100), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('result', sa.Text(), nullable=True),
    sa.Column('created_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('caller_id', 'key', name='uq_idempotency_caller_key')
    )
    op.create_table('project_settings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('set_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'key', 'effective_from', name='uq_project_setting')
    )
    op.create_table('settings_audit',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=True),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_by_name', sa.String(length=100), nullable=False),
    sa.Column('changed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('settings_audit', schema=None) as batch_op:
        batch_op.create_index('ix_settings_audit_project', ['project_id', 'changed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('settings_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_settings_audit_project')

    op.drop_table('settings_audit')
    op.drop_table('project_settings')
    op.drop_table('idempotency_keys')
