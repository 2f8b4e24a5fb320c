"""notify: the household a unit's message was addressed to (``notifications.household_id``), so a unit
that changes hands (过户, a move-out and a move-in) shows its new household none of the earlier one's
messages, and the earlier one's door notices can be withdrawn when it leaves

Existing unit messages get the household that lived in the unit on the day each was made (notify's
copy: moved in on or before it, not moved out before it; on a transfer day the newer one), a welcome
its own household; none: left empty (shown to whoever lives there, as before).

Revision ID: 0050
Revises: 0049
Create Date: 2026-11-27 04:00:00
"""
from alembic import op
import sqlalchemy as sa

from kernel.db import UtcDateTime


revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def _backfill() -> None:
    bind = op.get_bind()
    households = sa.table('households', sa.column('id', sa.String()), sa.column('unit_id', sa.String()),
                          sa.column('moved_in_on', sa.Date()), sa.column('moved_out_on', sa.Date()))
    notifications = sa.table('notifications', sa.column('id', sa.String()), sa.column('unit_id', sa.String()),
                             sa.column('recipient_kind', sa.String()), sa.column('ref_type', sa.String()),
                             sa.column('ref_id', sa.String()), sa.column('created_at', UtcDateTime()),
                             sa.column('household_id', sa.String()))
    by_unit: dict[str, list] = {}
    for row in bind.execute(sa.select(households.c.id, households.c.unit_id, households.c.moved_in_on,
                                      households.c.moved_out_on)):
        by_unit.setdefault(row.unit_id, []).append(row)
    for rows in by_unit.values():
        rows.sort(key=lambda r: (r.moved_in_on is not None, r.moved_in_on), reverse=True)   # newest first

    def household_on(unit_id, day):
        for h in by_unit.get(unit_id, ()):
            if (h.moved_in_on is None or h.moved_in_on <= day) and (h.moved_out_on is None or h.moved_out_on > day):
                return h.id
        return None

    updates = []
    for n in bind.execute(sa.select(notifications.c.id, notifications.c.unit_id, notifications.c.ref_type,
                                    notifications.c.ref_id, notifications.c.created_at)
                          .where(notifications.c.recipient_kind == 'unit', notifications.c.unit_id.is_not(None))):
        if n.ref_type == 'household':          # a move-in welcome: its own household
            household = n.ref_id
        else:
            household = household_on(n.unit_id, n.created_at.date()) if n.created_at is not None else None
        if household is not None:
            updates.append({'nid': n.id, 'hid': household})
    statement = sa.update(notifications).where(notifications.c.id == sa.bindparam('nid')).values(
        household_id=sa.bindparam('hid'))
    for start in range(0, len(updates), 1000):
        bind.execute(statement, updates[start:start + 1000])


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_id', sa.String(length=36), nullable=True))
        batch_op.create_index('ix_notification_unit_household', ['unit_id', 'household_id'], unique=False)
    _backfill()


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_unit_household')
        batch_op.drop_column('household_id')
