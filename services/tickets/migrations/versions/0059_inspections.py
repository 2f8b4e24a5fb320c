"""tickets: daily inspections (巡检) and stewards' patrols (巡视) -- checklists per area type,
versioned per project; inspection areas; rounds (tickets of kind inspection) and their item results,
each failed item's repair ticket; archive's building stewards. New tables only.

Revision ID: 0059
Revises: 0058
Create Date: 2026-11-27 03:08:29.215548
"""
from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0059'
down_revision = '0058'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('building_steward_copies',
    sa.Column('building_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('steward_id', sa.String(length=100), nullable=True),
    sa.Column('steward_name', sa.String(length=100), nullable=True),
    sa.Column('assigned_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('building_id')
    )
    op.create_table('inspection_areas',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('area_type', sa.String(length=20), nullable=False),
    sa.Column('building_id', sa.String(length=36), nullable=True),
    sa.Column('steward_id', sa.String(length=100), nullable=True),
    sa.Column('steward_name', sa.String(length=100), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'name', name='uq_inspection_area_name')
    )
    with op.batch_alter_table('inspection_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_areas_project_id'), ['project_id'], unique=False)

    op.create_table('inspection_templates',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('area_type', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_by_name', sa.String(length=100), nullable=False),
    sa.Column('changed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'area_type', 'version', name='uq_inspection_template_version')
    )
    op.create_table('inspection_results',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('round_ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('item_code', sa.String(length=20), nullable=False),
    sa.Column('item_name', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('photo_ref', sa.String(length=128), nullable=True),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('repair_ticket_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['round_ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_ticket_id', 'item_code', name='uq_inspection_result_item')
    )
    with op.batch_alter_table('inspection_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_results_repair_ticket_id'), ['repair_ticket_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_results_round_ticket_id'), ['round_ticket_id'], unique=False)

    op.create_table('inspection_rounds',
    sa.Column('ticket_id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('area_id', sa.String(length=36), nullable=False),
    sa.Column('area_type', sa.String(length=20), nullable=False),
    sa.Column('template_version', sa.Integer(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('slot', sa.Integer(), nullable=True),
    sa.Column('window_start', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('due_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('started_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_at', kernel.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('done_by', sa.String(length=100), nullable=True),
    sa.Column('done_by_name', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['inspection_areas.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], ),
    sa.PrimaryKeyConstraint('ticket_id'),
    sa.UniqueConstraint('area_id', 'day', 'slot', name='uq_inspection_patrol_slot')
    )
    with op.batch_alter_table('inspection_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inspection_rounds_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inspection_rounds_project_id'), ['project_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('inspection_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_rounds_project_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_rounds_area_id'))

    op.drop_table('inspection_rounds')
    with op.batch_alter_table('inspection_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_results_round_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_inspection_results_repair_ticket_id'))

    op.drop_table('inspection_results')
    op.drop_table('inspection_templates')
    with op.batch_alter_table('inspection_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_areas_project_id'))

    op.drop_table('inspection_areas')
    op.drop_table('building_steward_copies')
