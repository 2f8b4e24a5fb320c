"""A resident's scope belongs to their HOUSEHOLD (业户), not to the unit (no nameko here).

A resident account reads a unit (its people, file, documents, bills, tickets, notifications:
every service trusts ``Caller.unit_ids``) only while the household it was granted for lives
there. The rules, in the one place every service benefits from:

- **Granting** (``./wuye user create|grant``, the demo seed): the scope is bound to the unit's
  active household as the gateway's read model knows it (``portal_units``), or to the household
  the caller states (the seed, from archive's move-in answer; ``--household``) if the read model
  knows it as the unit's current one (not known yet: unbound, below). A unit the read
  model knows to have no active household (vacant, or its household moved out) is refused (422
  ``unit_vacant``): an account for nobody's home. A unit the read model does not know at all yet
  gets an UNBOUND scope (``household_id`` null), settled below when the gateway sees the unit's
  household.
- **Ending**: when the gateway applies a ``household.changed`` of a household that has moved out
  (迁出, or the old owners of a transfer 过户), every scope bound to it ends (``ended_at``,
  ``ended_reason`` = ``household_moved_out``). Ending is by household id and idempotent; nothing
  ever reopens an ended scope, so a replay or a rebuild (``./wuye readmodel rebuild``) can neither
  resurrect nor wrongly end one. A household that comes back is a NEW household (archive's rule):
  the old account does not regain the unit; the desk grants it again (``./wuye user grant``).
- **Unbound scopes** are settled by the day they were granted (in the site's zone): a household
  whose stay covers that day (moved in on or before it, not moved out before it) is the one it was
  granted for -- active: the scope binds to it; moved out: the scope ends. A household that moved in
  AFTER that day was not the one it was granted for: the scope ends (``not_granted_household``).
  On the day of a transfer both households cover the day: the first the gateway sees decides (the
  desk grants again if it was the wrong one).
- An ended scope is not in ``Caller.unit_ids`` (``accounts.caller_for``, ``authcache``); every
  change of a scope stamps its user (``gateway.models``), so every gateway process drops the unit
  from its cached caller at the next request.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kernel.clock import DEFAULT_TZ, SystemClock
from kernel.errors import InvalidInput, RuleViolation

from .models import PortalHousehold, PortalUnit, User, UserScope

ACTIVE, MOVED_OUT = "active", "moved_out"
#: why a scope ended (``user_scopes.ended_reason``)
ENDED_MOVED_OUT = "household_moved_out"
ENDED_NOT_GRANTED = "not_granted_household"
ENDED_BY_DESK = "revoked"


def _now(session: Session) -> datetime:
    clock = session.info.get("clock")
    return (clock or SystemClock()).now()


def grant_day(at: datetime | None) -> date | None:
    """The day (in the site's zone) a scope was granted."""
    if at is None:
        return None
    if at.tzinfo is None:
        from datetime import timezone
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(ZoneInfo(DEFAULT_TZ)).date()


def _day(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# -- granting ------------------------------------------------------------------------------

def household_for_grant(session: Session, unit_id: str, stated: str | None = None
                        ) -> tuple[str | None, str | None]:
    """``(household_id, project_id)`` a new resident scope of ``unit_id`` is bound to (either may
    be None: the read model does not know the unit yet). Refuses a vacant unit and a stated
    household the read model knows is not the unit's current one."""
    row = session.execute(select(PortalUnit.project_id, PortalUnit.household_id, PortalUnit.household)
                          .where(PortalUnit.unit_id == unit_id)).first()
    held = orjson.loads(row.household) if row is not None and row.household else None
    if stated:
        known = session.get(PortalHousehold, stated)
        if known is None:               # not projected yet: unbound, settled when it is
            return None, row.project_id if row is not None else None
        if known.unit_id != unit_id:
            raise InvalidInput(f"household {stated} does not live in unit {unit_id}",
                               code="household_not_of_unit", zh=f"业户 {stated} 不住在房屋 {unit_id}")
        if row is None or row.household_id != stated or held is None or held.get("status") != ACTIVE:
            raise RuleViolation(f"household {stated} no longer lives in unit {unit_id}: grant the "
                                f"unit's current household", code="household_moved_out",
                                zh=f"业户 {stated} 已不住在房屋 {unit_id}，请关联该房屋的现业户")
        return stated, row.project_id
    if row is None:
        return None, None               # not projected yet: unbound, settled when it is
    if held is None or held.get("status") != ACTIVE:
        raise RuleViolation(
            f"unit {unit_id} has no household living in it: move the household in first "
            f"(POST /api/v1/units/{{id}}/move-in); if it has just moved in, try again in a moment "
            f"(or ./wuye readmodel rebuild)", code="unit_vacant",
            zh=f"房屋 {unit_id} 没有在住业户，请先办理入住；如刚办理入住，请稍后再试")
    return row.household_id, row.project_id


def resident_scope(session: Session, unit_id: str, *, project_id: str | None = None,
                   household_id: str | None = None, now: datetime) -> UserScope:
    """A new resident scope of ``unit_id``, bound by :func:`household_for_grant`."""
    bound, known_project = household_for_grant(session, unit_id, household_id)
    return UserScope(project_id=project_id or known_project or "", unit_id=unit_id,
                     household_id=bound, granted_at=now)


def grant(session: Session, user: User, unit_id: str, *, household_id: str | None = None,
          project_id: str | None = None, now: datetime) -> UserScope:
    """The desk grants a resident account a unit (again): a new household that moved back in,
    a second unit. A current scope of the same unit and household is answered as it is."""
    if user.kind != "resident":
        raise InvalidInput("units are granted to resident accounts", code="bad_scope", zh="只有住户账号才能关联房屋")
    scope = resident_scope(session, unit_id, project_id=project_id, household_id=household_id, now=now)
    for held in user.scopes:
        if held.unit_id == unit_id and held.ended_at is None and held.household_id == scope.household_id:
            return held
    user.scopes.append(scope)
    return scope


def revoke(session: Session, user: User, unit_id: str, now: datetime) -> int:
    """The desk ends a resident's current scopes of a unit (kept, with ``ended_at``)."""
    count = 0
    for held in user.scopes:
        if held.unit_id == unit_id and held.ended_at is None:
            held.ended_at, held.ended_reason = now, ENDED_BY_DESK
            count += 1
    return count


# -- ending --------------------------------------------------------------------------------

def end_for_household(session: Session, household_id: str, now: datetime | None = None,
                      reason: str = ENDED_MOVED_OUT) -> int:
    """The household moved out: the scopes bound to it end (idempotent). The ORM flush stamps
    each user (``gateway.models``), so cached callers lose the unit at their next request."""
    scopes = session.scalars(select(UserScope).where(UserScope.household_id == household_id,
                                                     UserScope.ended_at.is_(None))).all()
    now = now or _now(session)
    for scope in scopes:
        scope.ended_at, scope.ended_reason = now, reason
    if scopes:
        session.flush()
    return len(scopes)


def settle(session: Session, household: dict, now: datetime | None = None) -> int:
    """Apply what a household snapshot (``household.changed``, a rebuild page, a move-out's answer)
    says to the scopes: end those bound to it if it moved out; bind or end the unit's unbound
    ones by their grant day. Returns how many scopes changed."""
    household_id = household.get("household_id") or household.get("id")
    unit_id, status = household.get("unit_id"), household.get("status")
    if not household_id or not unit_id:
        return 0
    now = now or _now(session)
    conditions = [and_(UserScope.unit_id == unit_id, UserScope.household_id.is_(None))]
    if status == MOVED_OUT:
        conditions.append(UserScope.household_id == household_id)
    scopes = session.scalars(select(UserScope).where(or_(*conditions), UserScope.ended_at.is_(None))).all()
    if not scopes:
        return 0
    came, left = _day(household.get("moved_in_on")), _day(household.get("moved_out_on"))
    changed = 0
    for scope in scopes:
        if scope.household_id == household_id:               # bound to it, and it moved out
            scope.ended_at, scope.ended_reason = now, ENDED_MOVED_OUT
            changed += 1
            continue
        day = grant_day(scope.granted_at or (scope.user.created_at if scope.user else None))
        if day is None:
            continue
        if came is not None and came > day:                  # moved in after the grant: not its household
            scope.ended_at, scope.ended_reason = now, ENDED_NOT_GRANTED
        elif left is not None and left < day:                # left before the grant: not its household
            continue
        elif status == ACTIVE:                               # there on the day it was granted
            scope.household_id = household_id
        else:
            scope.ended_at, scope.ended_reason = now, ENDED_MOVED_OUT
        changed += 1
    session.flush()
    return changed
