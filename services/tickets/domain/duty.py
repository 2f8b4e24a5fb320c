"""The project's on-duty list (工程值班表) and auto-assignment by it (派工).

A maintenance team's roster is a weekly pattern of shifts, with a few dated exceptions (the
Spring Festival roster). So each entry says:

- ``category``: which repairs it takes -- ``public_area``, ``in_home_paid``, ``not_covered``,
  ``unclassified``, ``maintenance``, or ``*`` for all;
- the technician (``technician_id``, the user id, and ``technician_name``);
- ``weekdays`` the shift **starts** on (ISO: 1 = Monday ... 7 = Sunday) and its hours
  ``starts``-``ends`` in the project's local time. An ``ends`` at or before ``starts`` runs into
  the next morning: the night shift "Mon-Sun 17:30-08:00" covers Saturday 03:00 through
  Friday's entry. ``00:00-00:00`` is a 24-hour shift;
- optionally ``valid_from``/``valid_to`` (dates, inclusive, of the shift's start day): a
  holiday roster, or a technician's last day.

The engineering manager replaces the whole list at once (the roster is drawn up as one plan).

Auto-assignment (``choose``): of the technicians on duty for the repair's category right now,
the one with the fewest open orders (any project), then the earlier on the list. Dispatching
without naming a technician uses it (``409 no_one_on_duty`` when nobody is on duty); with the
project's setting ``repair.auto_assign_on_notice`` (default off) the engineering dispatch notice
assigns one too.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kernel.settings import Setting
from kernel.tenancy import Role
from kernel.validators import StrictBoolean
from kernel.work import Work

from ..exceptions import ProjectNotFound
from ..models import DutyRosterEntry, ProjectCopy, Ticket
from . import workflow

ANY = "*"
#: who draws up the on-duty list (工程部经理)
ROSTER_ROLES = (Role.ENGINEERING_MANAGER,)
AUTO_ASSIGN_ON_NOTICE = "repair.auto_assign_on_notice"

#: the on-duty list's settings (in tickets' catalogue, ``sla.SETTINGS``)
SETTINGS = [
    Setting(AUTO_ASSIGN_ON_NOTICE, StrictBoolean(), default=False, unit="",
            doc="when engineering receives a repair order (the dispatch notice is delivered), assign it "
                "at once to the on-duty technician for its category with the fewest open orders"),
]


def _project(work: Work, project_id: str) -> ProjectCopy:
    project = work.session.get(ProjectCopy, project_id)
    missing = ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise missing
    work.caller.require_project(project.group_id, project.id, not_found=missing)
    return project


def entry_fields(entry: DutyRosterEntry) -> dict:
    return {"category": entry.category, "technician_id": entry.technician_id,
            "technician_name": entry.technician_name, "weekdays": list(entry.weekdays),
            "starts": entry.starts, "ends": entry.ends, "valid_from": entry.valid_from,
            "valid_to": entry.valid_to}


def entries(work: Work, project_id: str) -> list[DutyRosterEntry]:
    return work.session.scalars(select(DutyRosterEntry).where(DutyRosterEntry.project_id == project_id)
                                .order_by(DutyRosterEntry.position)).all()


def roster(work: Work, project_id: str) -> dict:
    """The list (any staff of the project) and who is on duty now, per category."""
    project = _project(work, project_id)
    work.caller.require_staff()
    rows = entries(work, project.id)
    now = work.clock.now()
    on_now = [e for e in rows if covers(e, now, project.timezone)]
    return {"project_id": project.id, "entries": [entry_fields(e) for e in rows],
            "updated_at": max((e.updated_at for e in rows), default=None),
            "on_duty_now": [entry_fields(e) for e in on_now]}


def replace(work: Work, project_id: str, new_entries: list[dict]) -> dict:
    """Replace the project's whole on-duty list (the engineering manager)."""
    project = _project(work, project_id)
    work.caller.require_role(*ROSTER_ROLES)
    for old in entries(work, project.id):
        work.session.delete(old)
    work.session.flush()
    now, caller = work.clock.now(), work.caller
    for position, e in enumerate(new_entries):
        work.session.add(DutyRosterEntry(
            id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, position=position,
            category=e["category"], technician_id=e["technician_id"], technician_name=e["technician_name"],
            weekdays=sorted(set(e["weekdays"])), starts=e["starts"], ends=e["ends"],
            valid_from=e.get("valid_from"), valid_to=e.get("valid_to"), updated_by=caller.user_id,
            updated_at=now))
    work.session.flush()
    return roster(work, project.id)


# -- who is on duty ---------------------------------------------------------------------------

def _shift(entry: DutyRosterEntry, day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, entry.starts, tz)
    end_day = day if entry.ends > entry.starts else day + timedelta(days=1)
    return start, datetime.combine(end_day, entry.ends, tz)


def covers(entry: DutyRosterEntry, at: datetime, timezone: str) -> bool:
    """Whether ``entry``'s shift is running at ``at`` (a shift that started yesterday evening
    included)."""
    tz = ZoneInfo(timezone)
    local = at.astimezone(tz)
    for day in (local.date(), local.date() - timedelta(days=1)):
        if day.isoweekday() not in entry.weekdays:
            continue
        if (entry.valid_from and day < entry.valid_from) or (entry.valid_to and day > entry.valid_to):
            continue
        start, end = _shift(entry, day, tz)
        if start <= local < end:
            return True
    return False


def on_duty(work: Work, project: ProjectCopy, category: str, at: datetime) -> list[DutyRosterEntry]:
    """The entries on duty at ``at`` for ``category`` (its own and ``*``), in list order, one per
    technician."""
    found, seen = [], set()
    for entry in entries(work, project.id):
        if entry.category in (category, ANY) and entry.technician_id not in seen \
                and covers(entry, at, project.timezone):
            found.append(entry)
            seen.add(entry.technician_id)
    return found


def open_orders(work: Work, technician_ids: list[str]) -> dict[str, int]:
    """How many orders each technician has that are not finished yet."""
    if not technician_ids:
        return {}
    rows = work.session.execute(select(Ticket.assignee_id, func.count(Ticket.id)).where(
        Ticket.assignee_id.in_(technician_ids), Ticket.status.in_(workflow.OPEN_STATES))
        .group_by(Ticket.assignee_id)).all()
    return {assignee: count for assignee, count in rows}


def choose(work: Work, project: ProjectCopy, category: str, at: datetime) -> DutyRosterEntry | None:
    """The on-duty technician for ``category`` with the fewest open orders (then the earlier on
    the list); None when nobody is on duty."""
    candidates = on_duty(work, project, category, at)
    if not candidates:
        return None
    load = open_orders(work, [c.technician_id for c in candidates])
    return min(candidates, key=lambda c: (load.get(c.technician_id, 0), c.position))


def auto_assign_on_notice(work: Work, project_id: str) -> bool:
    return bool(work.settings.values(project_id)[AUTO_ASSIGN_ON_NOTICE])

