"""The sending policy (issue 10): when an outbound message may go, and whether it goes at all.

- **Send-at**: a notification made with ``send_at`` (later than now) has its outbound deliveries
  (SMS, e-mail, WeChat) wait, ``pending``, with ``next_attempt_at`` = ``send_at``; the sender's
  claim takes only due ones (``kernel.lease.due``: ``next_attempt_at <= now``). In-app is stored at
  once (the inbox is ours); a print delivery is queued at once.
- **Quiet hours** per project (settings ``notify.quiet_from`` / ``notify.quiet_until``, 21:00 and
  08:00 by default, in the project's time zone; equal times switch them off): an SMS or WeChat
  message due within them waits for their end (``next_attempt_at``), whether it was made at night,
  scheduled into the night (send-at) or retried into it. E-mail and in-app are not held. A purpose
  marked ``emergency`` (``templates.Purpose.emergency``: ``outage.urgent``, an outage happening
  now; ``quality.notify_supervision``, the developer's office on tickets' 5-minute clock) is never
  held; nor is a ``reply`` (``Purpose.reply``: the repair acknowledgement answers the resident's own
  request of a moment ago -- they are awake and waiting for it).
- **Opt-outs** per person and channel (SMS, e-mail, WeChat), set by the resident: ``marketing``
  stops the marketing purposes (greetings, community events), ``all`` every purpose that is not
  legally required. A ``legal`` purpose (the dunning notices, outage notices) is sent whatever the
  opt-out. A delivery stopped by one is recorded ``suppressed`` with ``opted_out`` (never sent).
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel.settings import ProjectSettings
from kernel.work import Work

from ..exceptions import PersonNotFound, ResidentsOnly, UnitNotFound
from ..models import Base, Contact, HouseholdCopy, OptOut, ProjectCopy, UnitCopy
from . import templates
from .settings import QUIET_FROM, QUIET_UNTIL, SETTINGS

#: the channels quiet hours hold (a phone buzzing at night); e-mail and in-app are read when one looks
HELD_AT_NIGHT = ("sms", "wechat")
#: the channels a resident may opt out of
OPT_OUT_CHANNELS = ("sms", "email", "wechat")
#: what an opt-out stops: nothing (``none``, no row), the marketing purposes, or every purpose not legally required
NONE, MARKETING, ALL = "none", "marketing", "all"
SCOPES = (NONE, MARKETING, ALL)
OPTED_OUT = "opted_out"


# -- quiet hours ------------------------------------------------------------------------------

def quiet_end(at: datetime, zone: str, quiet_from: time, quiet_until: time) -> datetime | None:
    """The end of the quiet hours ``at`` falls in (UTC), or None when ``at`` is outside them.
    ``quiet_from`` after ``quiet_until`` spans midnight (21:00-08:00); equal: no quiet hours."""
    if quiet_from == quiet_until:
        return None
    tz = ZoneInfo(zone or "Asia/Shanghai")
    local = at.astimezone(tz)
    now_t = local.time().replace(tzinfo=None)
    if quiet_from < quiet_until:                    # e.g. 12:00-14:00 the same day
        if quiet_from <= now_t < quiet_until:
            return _at(local.date(), quiet_until, tz)
        return None
    if now_t >= quiet_from:                         # the evening: until tomorrow morning
        return _at(local.date() + timedelta(days=1), quiet_until, tz)
    if now_t < quiet_until:                         # after midnight: until this morning
        return _at(local.date(), quiet_until, tz)
    return None


def _at(day: date, t: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, t, tzinfo=tz).astimezone(ZoneInfo("UTC"))


def quiet_hours(work: Work, project: ProjectCopy) -> tuple[time, time]:
    """The project's quiet hours (its settings, else their defaults)."""
    values = work.settings.values(project.id)
    if QUIET_FROM not in values:
        # a unit of work built without notify's catalogue (a test's): notify's settings all the same
        values = ProjectSettings(work.session, Base, SETTINGS, work.clock, work.caller, work.events).values(project.id)
    return values[QUIET_FROM], values[QUIET_UNTIL]


def due_at(work: Work, project: ProjectCopy, channel: str, purpose: str, at: datetime) -> datetime:
    """When a message of ``purpose`` on ``channel`` wanting to go at ``at`` may go: ``at``, or
    the end of the project's quiet hours it falls in (SMS and WeChat, unless an emergency or a reply)."""
    spec = templates.purpose_of(purpose)
    if channel not in HELD_AT_NIGHT or spec.emergency or spec.reply:
        return at
    quiet_from, quiet_until = quiet_hours(work, project)
    return quiet_end(at, project.timezone, quiet_from, quiet_until) or at


# -- opt-outs ------------------------------------------------------------------------------------

def stops(scope: str | None, purpose: str) -> bool:
    """Whether an opt-out of ``scope`` stops a message of ``purpose`` (never a legal one)."""
    kind = templates.purpose_of(purpose)
    if scope is None or scope == NONE or kind.legal:
        return False
    return scope == ALL or (scope == MARKETING and kind.marketing)


def opt_out_scopes(work: Work, project_id: str, person_id: str) -> dict[str, str]:
    """The person's opt-outs in the project: channel → scope (channels without one left out)."""
    return dict(work.session.execute(select(OptOut.channel, OptOut.scope).where(
        OptOut.project_id == project_id, OptOut.person_id == person_id)).all())


def opted_out(work: Work, project_id: str, person_id: str | None, channel: str, purpose: str,
              scopes: dict[str, str] | None = None) -> bool:
    if not person_id or channel not in OPT_OUT_CHANNELS:
        return False
    if templates.purpose_of(purpose).legal:
        return False                      # no query: nothing stops a legally required notice
    scopes = opt_out_scopes(work, project_id, person_id) if scopes is None else scopes
    return stops(scopes.get(channel), purpose)


def _resident_person(work: Work, unit_id: str, person_id: str) -> tuple[UnitCopy, Contact]:
    """The unit (the caller's) and the person of its active household, or a 404 / 403."""
    caller = work.caller
    if not caller.is_resident:
        raise ResidentsOnly("a resident reads and changes their own household's preferences", zh="只有住户本人才能查看和更改本户的通知偏好")
    unit, missing = work.session.get(UnitCopy, unit_id), UnitNotFound(f"no unit {unit_id}")
    if unit is None:
        raise missing
    caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=missing)
    contact = work.session.scalars(
        select(Contact).join(HouseholdCopy, Contact.household_id == HouseholdCopy.id)
        .where(HouseholdCopy.unit_id == unit.id, HouseholdCopy.status == "active",
               Contact.person_id == person_id)).first()
    if contact is None:
        raise PersonNotFound(f"no person {person_id} in the household of unit {unit_id}")
    return unit, contact


def _view(unit: UnitCopy, person_id: str, scopes: dict[str, str]) -> dict:
    return {"unit_id": unit.id, "person_id": person_id,
            "channels": [{"channel": c, "opt_out": scopes.get(c, NONE)} for c in OPT_OUT_CHANNELS]}


def get_preferences(work: Work, unit_id: str, person_id: str) -> dict:
    """A person's opt-outs (every channel, ``none`` where they have none)."""
    unit, _ = _resident_person(work, unit_id, person_id)
    return _view(unit, person_id, opt_out_scopes(work, unit.project_id, person_id))


def set_preferences(work: Work, unit_id: str, person_id: str, changes: list[dict]) -> dict:
    """Set the person's opt-out of each channel named (``none`` removes it); the others unchanged."""
    unit, _ = _resident_person(work, unit_id, person_id)
    now = work.clock.now()
    rows = {o.channel: o for o in work.session.scalars(select(OptOut).where(
        OptOut.project_id == unit.project_id, OptOut.person_id == person_id))}
    for change in changes:
        channel, scope = change["channel"], change["opt_out"]
        row = rows.get(channel)
        if scope == NONE:
            if row is not None:
                work.session.delete(row)
                rows.pop(channel)
            continue
        if row is None:
            row = rows[channel] = OptOut(id=str(uuid.uuid4()), group_id=unit.group_id, project_id=unit.project_id,
                                         person_id=person_id, channel=channel)
            work.session.add(row)
        row.scope, row.updated_at, row.updated_by = scope, now, work.caller.user_id
    work.session.flush()
    return _view(unit, person_id, {c: r.scope for c, r in rows.items()})
