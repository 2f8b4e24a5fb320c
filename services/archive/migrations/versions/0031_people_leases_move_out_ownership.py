"""archive: people's identity documents and relations, contact-change history (person_changes),
leases (租户情况记录表), move-outs (迁出) and ownership history (产权记录, 过户); who ticked a
catalogue item. Current owners of active households are carried into ``ownerships``.

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-27 09:00:00.000000
"""
import json
import uuid
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa
import kernel.db


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_type', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('relation', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('lease_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_lease_id'), ['lease_id'], unique=False)
    with op.batch_alter_table('file_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('received_by', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('received_by_name', sa.String(length=100), nullable=True))

    op.create_table('person_changes',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('person_name', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=True),
    sa.Column('old_value', sa.String(length=400), nullable=True),
    sa.Column('new_value', sa.String(length=400), nullable=True),
    sa.Column('reason', sa.String(length=400), nullable=False),
    sa.Column('changed_by', sa.String(length=100), nullable=False),
    sa.Column('changed_by_name', sa.String(length=100), nullable=False),
    sa.Column('changed_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person_changes', schema=None) as batch_op:
        batch_op.create_index('ix_person_changes_household_time', ['household_id', 'changed_at'], unique=False)

    op.create_table('leases',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('landlord_person_id', sa.String(length=36), nullable=True),
    sa.Column('landlord_name', sa.String(length=100), nullable=False),
    sa.Column('start_on', sa.Date(), nullable=False),
    sa.Column('end_on', sa.Date(), nullable=True),
    sa.Column('tenant_count', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('tenant_names', sa.String(length=400), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_leases_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_leases_unit_id'), ['unit_id'], unique=False)

    op.create_table('move_outs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=False),
    sa.Column('moved_out_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=400), nullable=False),
    sa.Column('keys_returned', sa.Boolean(), nullable=False),
    sa.Column('fees_settled', sa.Boolean(), nullable=False),
    sa.Column('fees_confirmed_by', sa.String(length=100), nullable=False),
    sa.Column('meter_readings_recorded', sa.Boolean(), nullable=False),
    sa.Column('deposit_handling', sa.String(length=20), nullable=False),
    sa.Column('ownership_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_by_name', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('household_id')
    )
    with op.batch_alter_table('move_outs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_move_outs_unit_id'), ['unit_id'], unique=False)

    op.create_table('ownerships',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('group_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=False),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('owners', sa.Text(), nullable=False),
    sa.Column('from_on', sa.Date(), nullable=False),
    sa.Column('to_on', sa.Date(), nullable=True),
    sa.Column('acquired_by', sa.String(length=20), nullable=False),
    sa.Column('documents', sa.Text(), nullable=False),
    sa.Column('previous_id', sa.String(length=36), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', kernel.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ownerships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ownerships_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ownerships_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index('ix_ownerships_unit_from', ['unit_id', 'from_on'], unique=False)

    _carry_current_owners()


def _carry_current_owners() -> None:
    """Each active household with owners: its owners own the unit since the move-in (as a
    purchase -- how they came by it was not recorded before)."""
    bind = op.get_bind()
    households = bind.execute(sa.text(
        "SELECT id, group_id, project_id, unit_id, moved_in_on, created_at FROM households "
        "WHERE status = 'active'")).fetchall()
    ownerships = sa.table('ownerships', *(sa.column(c) for c in (
        'id', 'group_id', 'project_id', 'unit_id', 'household_id', 'owners', 'from_on', 'to_on',
        'acquired_by', 'documents', 'previous_id', 'recorded_by', 'recorded_at')))
    now = datetime.now(timezone.utc)
    rows = []
    for h in households:
        owners = bind.execute(sa.text(
            "SELECT id, name FROM people WHERE household_id = :h AND role = 'owner' ORDER BY created_at"),
            {"h": h.id}).fetchall()
        if not owners:
            continue
        from_on = h.moved_in_on
        if from_on is None:
            created = h.created_at
            from_on = created.date() if hasattr(created, "date") else datetime.fromisoformat(str(created)).date()
        rows.append({"id": str(uuid.uuid4()), "group_id": h.group_id, "project_id": h.project_id,
                     "unit_id": h.unit_id, "household_id": h.id,
                     "owners": json.dumps([{"person_id": o.id, "name": o.name} for o in owners],
                                          ensure_ascii=False),
                     "from_on": from_on, "to_on": None, "acquired_by": "purchase", "documents": "[]",
                     "previous_id": None, "recorded_by": "system:migration-0031", "recorded_at": now})
    if rows:
        op.bulk_insert(ownerships, rows)


def downgrade() -> None:
    with op.batch_alter_table('ownerships', schema=None) as batch_op:
        batch_op.drop_index('ix_ownerships_unit_from')
        batch_op.drop_index(batch_op.f('ix_ownerships_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ownerships_household_id'))
    op.drop_table('ownerships')
    with op.batch_alter_table('move_outs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_move_outs_unit_id'))
    op.drop_table('move_outs')
    with op.batch_alter_table('leases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_leases_unit_id'))
        batch_op.drop_index(batch_op.f('ix_leases_household_id'))
    op.drop_table('leases')
    with op.batch_alter_table('person_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_person_changes_household_time')
    op.drop_table('person_changes')
    with op.batch_alter_table('file_documents', schema=None) as batch_op:
        batch_op.drop_column('received_by_name')
        batch_op.drop_column('received_by')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_lease_id'))
        batch_op.drop_column('lease_id')
        batch_op.drop_column('relation')
        batch_op.drop_column('id_type')
