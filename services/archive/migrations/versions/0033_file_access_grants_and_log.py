"""archive: access to household files (查阅授权与查阅记录) -- the CS head's grants, and the access
log extended (unit, what was read, allowed or refused, the grant, why refused) and made append-only
in the database itself (a trigger refuses every UPDATE and DELETE, on SQLite and PostgreSQL).

Revision ID: 0033
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('file_access_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('what', sa.String(length=80), server_default='file', nullable=False))
        batch_op.add_column(sa.Column('outcome', sa.String(length=10), server_default='allowed', nullable=False))
        batch_op.add_column(sa.Column('grant_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('refusal', sa.String(length=40), nullable=True))
        batch_op.alter_column('household_id', existing_type=sa.String(length=36), nullable=True)
        batch_op.create_index(batch_op.f('ix_file_access_log_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_file_access_project_time', ['project_id', 'read_at'], unique=False)
    # the reads logged before: the unit of their household (the last change the log ever takes)
    op.execute("UPDATE file_access_log SET unit_id = (SELECT households.unit_id FROM households "
               "WHERE households.id = file_access_log.household_id) WHERE unit_id IS NULL")
    for statement in kernel.db.append_only_statements('file_access_log', op.get_bind().dialect.name):
        op.execute(statement)

    op.create_table('file_access_grants',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('grantee_id', sa.String(length=100), nullable=False),
    sa.Column('grantee_name', sa.String(length=100), nullable=False),
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('purpose', sa.String(length=400), nullable=False),
    sa.Column('valid_from', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('allows_read', sa.Boolean(), nullable=False),
    sa.Column('allows_export', sa.Boolean(), nullable=False),
    sa.Column('unmasked', sa.Boolean(), nullable=False),
    sa.Column('granted_by_id', sa.String(length=100), nullable=False),
    sa.Column('granted_by_name', sa.String(length=100), nullable=False),
    sa.Column('granted_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.String(length=100), nullable=True),
    sa.Column('revoked_by_name', sa.String(length=100), nullable=True),
    sa.Column('revoke_reason', sa.String(length=400), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('file_access_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_file_access_grants_grantee_id'), ['grantee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_access_grants_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_access_grants_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_file_access_grants_unit_id'), ['unit_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('file_access_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_file_access_grants_unit_id'))
        batch_op.drop_index(batch_op.f('ix_file_access_grants_project_id'))
        batch_op.drop_index(batch_op.f('ix_file_access_grants_household_id'))
        batch_op.drop_index(batch_op.f('ix_file_access_grants_grantee_id'))
    op.drop_table('file_access_grants')

    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS file_access_log_append_only ON file_access_log')
        op.execute('DROP FUNCTION IF EXISTS file_access_log_append_only()')
    else:
        op.execute('DROP TRIGGER IF EXISTS file_access_log_no_update')
        op.execute('DROP TRIGGER IF EXISTS file_access_log_no_delete')
    op.execute("DELETE FROM file_access_log WHERE household_id IS NULL")
    with op.batch_alter_table('file_access_log', schema=None) as batch_op:
        batch_op.drop_index('ix_file_access_project_time')
        batch_op.drop_index(batch_op.f('ix_file_access_log_unit_id'))
        batch_op.alter_column('household_id', existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_column('refusal')
        batch_op.drop_column('grant_id')
        batch_op.drop_column('outcome')
        batch_op.drop_column('what')
        batch_op.drop_column('unit_id')
