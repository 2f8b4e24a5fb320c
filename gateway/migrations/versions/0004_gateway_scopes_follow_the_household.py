"""a resident's scope follows the household it was granted for (issue 11, finding 1)

user_scopes gains household_id, granted_at, ended_at, ended_reason; uq_user_scope goes (the same
unit granted again -- a household back, a revocation undone -- is a new row; the ended ones stay).
Backfill from the read model (portal_units): every scope's granted_at is its user's created_at; a
resident scope binds to the unit's household if it is active, ENDS (household_moved_out) if the
unit's household has moved out, and stays unbound where the read model has no household for the
unit (gateway.scopes settles it when the gateway sees one). Users whose scope ended are stamped
(updated_at) so no cached caller keeps the unit.

Revision ID: 0004
Revises: 0003
"""
import json
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

import kernel.db

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_scopes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('granted_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_at', kernel.db.UtcDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('ended_reason', sa.String(length=40), nullable=True))
        batch_op.drop_constraint('uq_user_scope', type_='unique')
        batch_op.create_index('ix_user_scopes_household', ['household_id'], unique=False)
        batch_op.create_index('ix_user_scopes_unit', ['unit_id'], unique=False)
    _backfill(op.get_bind())


def _backfill(conn) -> None:
    scopes = sa.table('user_scopes', sa.column('id', sa.Integer), sa.column('user_id', sa.String),
                      sa.column('unit_id', sa.String), sa.column('household_id', sa.String),
                      sa.column('granted_at', kernel.db.UtcDateTime()),
                      sa.column('ended_at', kernel.db.UtcDateTime()), sa.column('ended_reason', sa.String))
    users = sa.table('users', sa.column('id', sa.String), sa.column('created_at', kernel.db.UtcDateTime()),
                     sa.column('updated_at', kernel.db.UtcDateTime()))
    units = sa.table('portal_units', sa.column('unit_id', sa.String), sa.column('household_id', sa.String),
                     sa.column('household', sa.Text))
    now = datetime.now(timezone.utc)
    created = dict(conn.execute(sa.select(users.c.id, users.c.created_at)).all())
    households = {row.unit_id: (row.household_id, row.household)
                  for row in conn.execute(sa.select(units.c.unit_id, units.c.household_id, units.c.household))}
    ended_users = set()
    for scope in conn.execute(sa.select(scopes.c.id, scopes.c.user_id, scopes.c.unit_id)).all():
        values = {"granted_at": created.get(scope.user_id) or now}
        household_id, household = households.get(scope.unit_id, (None, None)) if scope.unit_id else (None, None)
        if household_id and household:
            if json.loads(household).get("status") == "active":
                values["household_id"] = household_id
            else:
                values.update(ended_at=now, ended_reason="household_moved_out")
                ended_users.add(scope.user_id)
        conn.execute(sa.update(scopes).where(scopes.c.id == scope.id).values(**values))
    for user_id in ended_users:
        stamp = conn.execute(sa.select(users.c.updated_at).where(users.c.id == user_id)).scalar()
        later = max(now, (stamp or now) + timedelta(microseconds=1))
        conn.execute(sa.update(users).where(users.c.id == user_id).values(updated_at=later))


def downgrade() -> None:
    op.execute("DELETE FROM user_scopes WHERE ended_at IS NOT NULL")     # no longer anyone's
    with op.batch_alter_table('user_scopes', schema=None) as batch_op:
        batch_op.drop_index('ix_user_scopes_unit')
        batch_op.drop_index('ix_user_scopes_household')
        batch_op.create_unique_constraint('uq_user_scope', ['user_id', 'project_id', 'unit_id'])
        batch_op.drop_column('ended_reason')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('granted_at')
        batch_op.drop_column('household_id')
