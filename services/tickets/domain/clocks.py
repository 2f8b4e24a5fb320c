"""The SLA engine's clocks (时限): every deadline of every ticket kind is a ``TicketDeadline``
row, started, met, cancelled, moved and extended only here.

- :func:`due_after` turns a figure of the project's settings into a due time: minutes and
  hours run around the clock; ``working_days`` follow the project's calendar
  (:mod:`kernel.calendar`: weekends, China's holidays and make-up days, the project's own
  days); ``days`` are calendar days.
- :func:`start` opens a clock with the role answerable for it. Its warning falls at
  ``sla.warn_at_percent`` of the allowed time (80 % by default); ``next_alert_at`` is the
  warning's time, then the due time, then NULL -- the sweep (``domain/alerts.py``) reads
  only that column, through a partial index.
- A met or cancelled clock has ``next_alert_at`` NULL: it never alerts.
- :func:`extend` is the only way past a due time: an approval with who, when, why and the
  new due time (超时审批), kept in ``deadline_extensions``. Only the service-centre manager
  or the general manager approves (seed 000 §七); the new time is later than the current
  one and in the future; a met or cancelled clock has nothing to extend.

What the sweep (``domain/alerts.py``) tells, per clock: one warning (``ticket.sla_warning``)
when ``warn_at`` comes and the clock still runs, one breach (``ticket.sla_breached``) when the
due time passes unmet. After an extension:

- not breached yet: a clock already warned is not warned again (the next alert is the new due
  time); one not warned yet is warned at the share of its new allowed time
  (``started_at`` .. new due), unless that moment is already past -- then only a breach of the
  new due time can follow;
- breached already: the breach told stays told (``breached_at`` keeps it); missing the new due
  time too is told once more, as a breach naming the extension (its ``breached_at``).
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from marshmallow import fields
from marshmallow.validate import Range

from kernel.calendar import WorkingCalendar
from kernel.settings import Setting
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import CalendarClosed, DeadlineNotRunning, ExtensionNotLater, ExtensionReasonRequired
from ..models import DeadlineExtension, ProjectCopy, Ticket, TicketDeadline

WARN_AT_PERCENT = "sla.warn_at_percent"
#: the engine's own settings (in tickets' catalogue, ``sla.SETTINGS``)
SETTINGS = [
    Setting(WARN_AT_PERCENT, fields.Integer(strict=True, validate=Range(1, 99)), default=80, unit="percent",
            doc="warn the responsible role when this share of a clock's allowed time has passed"),
]
UNITS = ("minutes", "hours", "days", "working_days")
#: the longest an approved overrun may reach from the approval (a clock is not switched off by one)
MAX_EXTENSION = timedelta(days=90)
#: who may approve an overrun (seed 000 §七: the service-centre manager)
APPROVER_ROLES = (Role.CENTRE_MANAGER, Role.GENERAL_MANAGER)


def calendar(work: Work, project: ProjectCopy) -> WorkingCalendar:
    """The project's working-day calendar, from its settings."""
    return WorkingCalendar.from_settings(work.settings.values(project.id), project.timezone)


def due_after(work: Work, project: ProjectCopy, start: datetime, amount: int, unit: str) -> datetime:
    """``start`` + ``amount`` ``unit`` (one of :data:`UNITS`) for the project."""
    if unit == "minutes":
        return start + timedelta(minutes=amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "working_days":
        try:
            return calendar(work, project).add_working_days(start, amount)
        except ValueError:
            raise CalendarClosed("the project's calendar settings (calendar.*) leave no working day: "
                                 "a clock in working days cannot be timed; open a working day") from None
    raise ValueError(f"unknown unit {unit!r}; one of {UNITS}")


def warn_time(started_at: datetime, due_at: datetime, percent: int) -> datetime | None:
    """When the warning falls; None when the clock has no time to warn in (due at or before start)."""
    if due_at <= started_at:
        return None
    return started_at + (due_at - started_at) * percent / 100


def _arm(deadline: TicketDeadline, percent: int) -> None:
    """Set ``warn_at`` and ``next_alert_at`` from the clock's start and due time and what was sent."""
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        deadline.next_alert_at = None
        return
    if deadline.warned_at is None and deadline.breached_at is None:
        deadline.warn_at = warn_time(deadline.started_at or deadline.due_at, deadline.due_at, percent)
        deadline.next_alert_at = deadline.warn_at or deadline.due_at
    elif deadline.breached_at is None:
        deadline.next_alert_at = deadline.due_at
    else:
        deadline.next_alert_at = None


def start(work: Work, ticket: Ticket, kind: str, due_at: datetime, *, responsible_role: str,
          started_at: datetime | None = None, met_at: datetime | None = None) -> TicketDeadline:
    """Open the clock ``kind`` of ``ticket`` (one per kind: starting it again moves it)."""
    started_at = started_at or work.clock.now()
    percent = work.settings.values(ticket.project_id)[WARN_AT_PERCENT]
    deadline = find(ticket, kind)
    if deadline is not None and deadline.met_at is None and deadline.cancelled_at is None and met_at is None:
        # a running clock re-timed (a complaint's class changed): the alerts told stay told --
        # a breach already told is not told again for the new time (only an approved overrun's is)
        deadline.responsible_role = responsible_role
        move(work, deadline, due_at, started_at=started_at)
        return deadline
    if deadline is None:
        deadline = TicketDeadline(id=str(uuid.uuid4()), group_id=ticket.group_id, project_id=ticket.project_id,
                                  kind=kind)
        ticket.deadlines.append(deadline)
    deadline.due_at, deadline.started_at, deadline.met_at = due_at, started_at, met_at
    deadline.responsible_role, deadline.cancelled_at = responsible_role, None
    deadline.warned_at = deadline.breached_at = None
    _arm(deadline, percent)
    return deadline


def without_warning(deadline: TicketDeadline) -> None:
    """A clock that only breaches (a lent key's return: one alert at the end of the day, no warning
    before it): no warning time, the next alert is the due time."""
    if deadline.met_at is None and deadline.cancelled_at is None and deadline.breached_at is None:
        deadline.warn_at = None
        deadline.next_alert_at = deadline.due_at


def find(ticket: Ticket, kind: str) -> TicketDeadline | None:
    return next((d for d in ticket.deadlines if d.kind == kind), None)


def meet(ticket: Ticket, kind: str, at: datetime) -> TicketDeadline | None:
    """Stop the running clock ``kind`` at ``at`` (no-op if it is not running)."""
    deadline = find(ticket, kind)
    if deadline is None or deadline.met_at is not None or deadline.cancelled_at is not None:
        return None
    deadline.met_at, deadline.next_alert_at = at, None
    return deadline


def cancel_running(ticket: Ticket, at: datetime, kinds=None) -> list[TicketDeadline]:
    """Cancel the ticket's running clocks (all, or those of ``kinds``): they never alert."""
    out = []
    for deadline in ticket.deadlines:
        if deadline.met_at is None and deadline.cancelled_at is None and (kinds is None or deadline.kind in kinds):
            deadline.cancelled_at, deadline.next_alert_at = at, None
            out.append(deadline)
    return out


def resume(work: Work, deadline: TicketDeadline, due_at: datetime) -> None:
    """A cancelled clock runs again (its task reopened: a vacant unit put back on the month's
    register), due at ``due_at``; the alerts told before it was cancelled stay told -- a breach
    already told is never told again for the same clock."""
    if deadline.met_at is not None:
        return
    deadline.cancelled_at = None
    move(work, deadline, due_at)


def move(work: Work, deadline: TicketDeadline, due_at: datetime, *, started_at: datetime | None = None) -> None:
    """A rule moved a running clock (the on-site clock once engineering really has the order);
    alerts already sent stay sent."""
    deadline.due_at = due_at
    if started_at is not None:
        deadline.started_at = started_at
    _arm(deadline, work.settings.values(deadline.project_id)[WARN_AT_PERCENT])


def extend(work: Work, deadline: TicketDeadline, new_due_at: datetime, reason: str) -> DeadlineExtension:
    """Record an approved overrun (超时审批) by the caller: the clock is due at ``new_due_at``
    from now on (see the module doc for what is told afterwards).

    Refused: a caller who is not a service-centre manager or general manager (403
    ``role_required``), no reason (400), a met or cancelled clock (409
    ``deadline_not_running``), a time not later than the current due time or not in the
    future (422 ``extension_not_later``)."""
    caller, now = work.caller, work.clock.now()
    caller.require_role(*APPROVER_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise ExtensionReasonRequired("an approved overrun needs its reason")
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        raise DeadlineNotRunning(f"the {deadline.kind} clock was {'met' if deadline.met_at else 'cancelled'}; "
                                 "there is nothing to extend",
                                 details={"kind": deadline.kind, "met_at": _iso(deadline.met_at),
                                          "cancelled_at": _iso(deadline.cancelled_at)})
    if new_due_at.tzinfo is None:
        raise ExtensionNotLater("the new due time needs a time zone")
    if new_due_at <= deadline.due_at:
        raise ExtensionNotLater(f"the new due time must be later than the current one ({_iso(deadline.due_at)})",
                                details={"due_at": _iso(deadline.due_at)})
    if new_due_at <= now:
        raise ExtensionNotLater("the new due time must be in the future", details={"now": _iso(now)})
    if new_due_at > now + MAX_EXTENSION:
        raise ExtensionNotLater(f"an overrun is approved for at most {MAX_EXTENSION.days} days from now; "
                                "approve again when that runs out", code="extension_too_long",
                                zh=f"超时审批的新期限最多为自今起 {MAX_EXTENSION.days} 天，到期后请再次审批",
                                details={"latest": _iso(now + MAX_EXTENSION)})
    extension = DeadlineExtension(
        id=str(uuid.uuid4()), deadline_id=deadline.id, group_id=deadline.group_id,
        project_id=deadline.project_id, approved_by=caller.user_id, approved_by_name=caller.name or "",
        approved_at=now, reason=reason, old_due_at=deadline.due_at, new_due_at=new_due_at)
    deadline.extensions.append(extension)
    deadline.due_at = new_due_at
    if deadline.breached_at is not None:
        deadline.next_alert_at = new_due_at       # the breach told stays told; missing this one is told too
    else:
        percent = work.settings.values(deadline.project_id)[WARN_AT_PERCENT]
        deadline.warn_at = warn_time(deadline.started_at or extension.old_due_at, new_due_at, percent)
        if deadline.warned_at is None and deadline.warn_at is not None and deadline.warn_at > now:
            deadline.next_alert_at = deadline.warn_at
        else:
            deadline.next_alert_at = new_due_at
    return extension


def reassign(deadline: TicketDeadline, responsible_role: str) -> None:
    """Another role answers for a running clock from now on (a complaint sent on to another
    department); its times and the alerts already sent stay as they are."""
    deadline.responsible_role = responsible_role


def latest_extension(deadline: TicketDeadline) -> DeadlineExtension | None:
    return deadline.extensions[-1] if deadline.extensions else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
