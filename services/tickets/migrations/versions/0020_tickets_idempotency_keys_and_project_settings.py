"""tickets: idempotency keys, per-project settings and their audit (SLA minutes move there)

Revision ID: 0020
Revises: 0002
Create Date: 2026-11-26 00:20:00.000000
"""
import datetime
import json
import uuid

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

    # tickets' SLA minutes move onto the kernel's settings: sla_settings(project, key, minutes)
    # becomes project_settings(project, 'sla.' + key, JSON value), undated (effective 1970-01-01),
    # with an audit row saying where it came from
    conn = op.get_bind()
    old = sa.table('sla_settings', sa.column('project_id', sa.String), sa.column('key', sa.String),
                   sa.column('group_id', sa.String), sa.column('minutes', sa.Integer),
                   sa.column('updated_at', kernel.db.UtcDateTime(timezone=True)),
                   sa.column('updated_by', sa.String))
    settings = sa.table('project_settings', sa.column('id', sa.String), sa.column('group_id', sa.String),
                        sa.column('project_id', sa.String), sa.column('key', sa.String),
                        sa.column('effective_from', sa.Date), sa.column('value', sa.Text),
                        sa.column('set_at', kernel.db.UtcDateTime(timezone=True)),
                        sa.column('set_by', sa.String))
    audit = sa.table('settings_audit', sa.column('id', sa.String), sa.column('group_id', sa.String),
                     sa.column('project_id', sa.String), sa.column('key', sa.String),
                     sa.column('effective_from', sa.Date), sa.column('old_value', sa.Text),
                     sa.column('new_value', sa.Text), sa.column('reason', sa.Text),
                     sa.column('changed_by', sa.String), sa.column('changed_by_name', sa.String),
                     sa.column('changed_at', kernel.db.UtcDateTime(timezone=True)))
    for row in conn.execute(sa.select(old)).mappings().all():
        key = 'sla.' + row['key']
        conn.execute(settings.insert().values(
            id=str(uuid.uuid4()), group_id=row['group_id'], project_id=row['project_id'], key=key,
            effective_from=datetime.date(1970, 1, 1), value=json.dumps(row['minutes']),
            set_at=row['updated_at'], set_by=row['updated_by']))
        conn.execute(audit.insert().values(
            id=str(uuid.uuid4()), group_id=row['group_id'], project_id=row['project_id'], key=key,
            effective_from=None, old_value=None, new_value=json.dumps(row['minutes']),
            reason='carried over from sla_settings (revision 0020)', changed_by=row['updated_by'],
            changed_by_name='', changed_at=row['updated_at']))
    op.drop_table('sla_settings')


def downgrade() -> None:
    op.create_table('sla_settings',
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('project_id', 'key')
    )
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT project_id, key, group_id, value, set_at, set_by FROM project_settings "
        "WHERE key LIKE 'sla.%'")).mappings().all()
    for row in rows:
        conn.execute(sa.text(
            "INSERT INTO sla_settings (project_id, key, group_id, minutes, updated_at, updated_by) "
            "VALUES (:p, :k, :g, :m, :u, :b)"),
            {"p": row['project_id'], "k": row['key'][4:], "g": row['group_id'],
             "m": json.loads(row['value']), "u": row['set_at'], "b": row['set_by']})
    with op.batch_alter_table('settings_audit', schema=None) as batch_op:
        batch_op.drop_index('ix_settings_audit_project')

    op.drop_table('settings_audit')
    op.drop_table('project_settings')
    op.drop_table('idempotency_keys')
