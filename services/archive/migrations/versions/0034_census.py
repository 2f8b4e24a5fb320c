"""archive: census and retention (issue 11, area "census") -- the stewards' areas (管家片区), census
tasks (住户普查), people's consents, retention purge records and the erased households' marks.

Revision ID: 0034
Revises: 0030
Create Date: 2026-11-26 23:17:29.466895
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('person_consents',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('topic', sa.String(length=30), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('allowed', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('person_id', 'topic')
    )
    with op.batch_alter_table('person_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_consents_household_id'), ['household_id'], unique=False)

    op.create_table('retention_purges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('keep_years', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('cutoff', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('refs', sa.Text(), nullable=False),
    sa.Column('oldest', sa.Date(), nullable=False),
    sa.Column('newest', sa.Date(), nullable=False),
    sa.Column('purged_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('job_key', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('retention_purges', schema=None) as batch_op:
        batch_op.create_index('ix_retention_purges_project', ['project_id', 'purged_at'], unique=False)

    op.create_table('steward_assignments',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('building_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('scope_key', sa.String(length=80), nullable=False),
    sa.Column('steward_id', sa.String(length=100), nullable=False),
    sa.Column('steward_name', sa.String(length=100), nullable=False),
    sa.Column('work_phone', sa.String(length=30), nullable=True),
    sa.Column('assigned_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('assigned_by', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], ),
    sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'scope_key', name='uq_steward_scope')
    )
    with op.batch_alter_table('steward_assignments', schema=None) as batch_op:
        batch_op.create_index('ix_steward_assignments_steward', ['project_id', 'steward_id'], unique=False)

    op.create_table('census_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('steward_id', sa.String(length=100), nullable=True),
    sa.Column('steward_name', sa.String(length=100), nullable=False),
    sa.Column('created_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('done_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_by_name', sa.String(length=100), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('changes', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_id', 'due_on', name='uq_census_household_due')
    )
    with op.batch_alter_table('census_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_census_tasks_household', ['household_id', 'status'], unique=False)
        batch_op.create_index('ix_census_tasks_project', ['project_id', 'status', 'due_on'], unique=False)
        batch_op.create_index('ix_census_tasks_steward', ['steward_id', 'status', 'due_on'], unique=False)

    op.create_table('household_erasures',
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('erased_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('purge_id', sa.String(length=36), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], ),
    sa.PrimaryKeyConstraint('household_id')
    )
    with op.batch_alter_table('household_erasures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_erasures_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('household_erasures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_household_erasures_project_id'))

    op.drop_table('household_erasures')
    with op.batch_alter_table('census_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_census_tasks_steward')
        batch_op.drop_index('ix_census_tasks_project')
        batch_op.drop_index('ix_census_tasks_household')

    op.drop_table('census_tasks')
    with op.batch_alter_table('steward_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_steward_assignments_steward')

    op.drop_table('steward_assignments')
    with op.batch_alter_table('retention_purges', schema=None) as batch_op:
        batch_op.drop_index('ix_retention_purges_project')

    op.drop_table('retention_purges')
    with op.batch_alter_table('person_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_consents_household_id'))

    op.drop_table('person_consents')
