"""The monthly report of a project's tickets (工单月报; seed 000 §七 "monthly statistics and
analysis by the 25th", §六 "monthly revisit report").

One report per project and month. The month is the project's *local* calendar month
(``ProjectCopy.timezone``): ``2026-11`` in Asia/Shanghai runs from 2026-11-01 00:00 +08:00
(2026-10-31 16:00 UTC) up to, not including, 2026-12-01 00:00 +08:00. A month not yet begun
is refused; the current month is reported as it stands (``complete`` false, every running
figure "as of" the report's time). Every figure is an SQL aggregate (GROUP BY, COUNT/SUM of
CASE, AVG) over indexed ranges -- no ticket is loaded -- and reads the same on SQLite and
PostgreSQL.

What each section counts (the definitions the CSV and the README repeat):

- **volumes** (受理量): tickets *received* in the month (``received_at``), by kind, by kind and
  category, by kind and channel.
- **sla** (时限达标): every clock (``TicketDeadline``) whose due time -- after any approved
  extension -- falls in the month, so each clock is counted in exactly one month. At the
  report's time it is ``on_time`` (met at or before due), ``late`` (met after due),
  ``breached`` (not met, not cancelled, due has passed), ``running`` (not met, due still
  ahead: only in the current month) or ``cancelled`` (stopped with its ticket; excluded from
  the rate) -- the states of ``kernel.deadlines.state``. ``rate_percent`` = on_time /
  (on_time + late + breached), one decimal, null when nothing counts. ``extended``: how many
  of them carry an approved overrun (超时审批); they are judged against the approved time.
- **repair_times** (处理时效): over repairs received in the month, minutes from receipt to
  dispatch (``dispatched_at``), from dispatch to arrival (``arrived_at``), from receipt to work
  done (``completed_at``): how many had the later time, mean and median (one decimal).
- **complaints** (投诉): complaints (kinds complaint and quality) *registered* (received) in the
  month, by their current class and by department: registered, resolved (``resolved_at``),
  resolved in their limit (the resolution clock ``RESOLVE_CLOCK`` met at or before its due
  time, approved extensions included), upgraded by the 30-day rule (``upgraded_at``),
  reclassified (a class change from one class to another by a person -- the platform's
  30-day upgrade is counted as upgraded, not here).
- **revisits** (回访): repairs *closed* in the month (``closed_at``; a reopened repair is not
  closed), how many of them have a revisit done (``Revisit.source_ticket_id``, ``done_at``
  set, whenever it was done) and how many have one at all; rate = revisited / closed, against
  the project's ``revisit.repair_target_percent``; and the revisits *done* in the month, by
  reason and satisfaction (the monthly revisit report).
- **satisfaction** (满意度): the ratings 1-5 of the repairs closed in the month and how many
  are unrated; the satisfaction of the revisits done in the month.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, extract, func, select
from sqlalchemy.orm import aliased

from kernel.tenancy import Role
from kernel.validators import parse_month
from kernel.work import Work

from ..events import CATEGORIES, CHANNELS
from ..exceptions import InvalidMonth, MonthInFuture, ProjectNotFound
from ..models import (Complaint, ComplaintClassChange, DeadlineExtension, ProjectCopy, Revisit, Ticket,
                      TicketDeadline)
from . import sla

#: who reads a project's monthly report: the managers (客服部经理, 服务中心经理, 总经理, 工程部经理)
#: and the group's administrator
REPORT_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER, Role.ENGINEERING_MANAGER,
                Role.GROUP_ADMIN)
#: the ticket kinds (报修, 投诉, 质量投诉, 回访), always listed, zero or not
KINDS = ("repair", "complaint", "quality", "revisit")
COMPLAINT_KINDS = ("complaint", "quality")
#: kinds that are no request received (the volumes leave them out)
NOT_RECEIVED = ("inspection",)
COMPLAINT_CLASSES = ("major", "key", "minor")
REVISIT_REASONS = ("complaint", "repair_dissatisfied", "repair_unrated", "repair_unsigned", "repair_sample",
                   "maintenance", "routine")
SATISFACTION = ("satisfied", "neutral", "dissatisfied")
RATINGS = (1, 2, 3, 4, 5)
#: the clock of a complaint that runs until it is resolved (major 10 days, key 5, minor 3):
#: "resolved in its limit" reads it
RESOLVE_CLOCK = "resolve"
#: the repair times, each (name, from column, to column)
MEASURES = (("to_dispatch", Ticket.received_at, Ticket.dispatched_at),
            ("to_arrive", Ticket.dispatched_at, Ticket.arrived_at),
            ("to_resolve", Ticket.received_at, Ticket.completed_at))


@dataclass(frozen=True)
class Period:
    """A project's local calendar month: ``start`` <= t < ``end`` (aware, local time)."""

    month: str
    start: datetime
    end: datetime

    @property
    def start_utc(self) -> datetime:
        return self.start.astimezone(timezone.utc)

    @property
    def end_utc(self) -> datetime:
        return self.end.astimezone(timezone.utc)

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(days=1)).date()

    def holds(self, column):
        """``column`` (a UtcDateTime) falls in the month."""
        return and_(column >= self.start_utc, column < self.end_utc)


def period(month: str, tz: str, now: datetime) -> Period:
    """The local month ``YYYY-MM`` in time zone ``tz``; one not begun at ``now`` is refused."""
    parsed = parse_month(month)
    if parsed is None:
        raise InvalidMonth(f"{month!r} is not a month written YYYY-MM")
    year, number = parsed
    zone = ZoneInfo(tz)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    if start > now.astimezone(zone):
        raise MonthInFuture(f"{month} has not begun in {tz}; report a finished or the current month")
    return Period(month, start, end)


def monthly_report(work: Work, project_id: str, month: str) -> dict:
    """The project's report for ``month`` (see the module's docstring for each figure)."""
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        raise ProjectNotFound(f"no project {project_id}")
    caller = work.caller
    caller.require_project(project.group_id, project.id,
                           not_found=ProjectNotFound(f"no project {project_id}"))
    caller.require_role(*REPORT_ROLES)
    now = work.clock.now()
    p = period(month, project.timezone, now)
    reporter = _Report(work, project, p, now)
    # the target in force at the month's end (or today, in the current month)
    target = work.settings.values(project.id, on=min(p.last_day, now.astimezone(p.start.tzinfo).date()))[
        sla.REVISIT_TARGET]
    closed = reporter.closed_repairs()
    done = reporter.revisits_done()
    return {
        "project_id": project.id, "project_name": project.name, "month": p.month,
        "timezone": project.timezone, "period_start": p.start, "period_end": p.end,
        "as_of": now.astimezone(p.start.tzinfo), "complete": now >= p.end,
        "volumes": reporter.volumes(),
        "sla": reporter.sla(),
        "repair_times": reporter.repair_times(),
        "complaints": reporter.complaints(),
        "revisits": {**_revisit_rate(closed, target), "done": done["done"], "by_reason": done["by_reason"]},
        "satisfaction": {**reporter.ratings(closed), "revisits": done["satisfaction"]},
    }


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else round(100.0 * part / whole, 1)


def _sum(condition):
    """SUM(CASE WHEN condition THEN 1 ELSE 0 END): how many rows of the group meet it."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _ordered(found: dict, known) -> list:
    """The known keys first, in their order (zero when absent), then any others, sorted."""
    return list(known) + sorted(k for k in found if k not in known)


def _revisit_rate(closed: dict, target: int) -> dict:
    rate = _percent(closed["revisited"], closed["closed"])
    return {"repairs_closed": closed["closed"], "repairs_revisited": closed["revisited"], "repairs_with_revisit": closed["with_revisit"],
            "rate_percent": rate, "target_percent": target,
            # a month without a closed repair has nothing to revisit: the target is not missed
            "target_met": True if rate is None else rate >= target}


class _Report:
    """The queries of one report: each a single aggregate statement."""

    def __init__(self, work: Work, project: ProjectCopy, p: Period, now: datetime):
        self.session, self.project, self.p, self.now = work.session, project, p, now
        self.postgres = work.session.get_bind().dialect.name == "postgresql"

    def _minutes(self, start, end):
        """Minutes from ``start`` to ``end`` (NULL when either is NULL), on either database; on
        SQLite through whole seconds, so a day number's rounding error never shows in a mean."""
        if self.postgres:
            return extract("epoch", end - start) / 60.0
        return func.round((func.julianday(end) - func.julianday(start)) * 86400.0) / 60.0

    def _received(self, *kinds):
        where = [Ticket.project_id == self.project.id, self.p.holds(Ticket.received_at)]
        if kinds:
            where.append(Ticket.kind.in_(kinds))
        else:
            # inspection rounds (巡检) are the centre's own rounds, not requests received: their
            # patrol clocks count in ``sla`` (their own row), the rounds not in the volumes
            where.append(Ticket.kind.not_in(NOT_RECEIVED))
        return where

    # -- volumes -------------------------------------------------------------------
    def volumes(self) -> dict:
        rows = self.session.execute(
            select(Ticket.kind, Ticket.category, Ticket.channel, func.count())
            .where(*self._received()).group_by(Ticket.kind, Ticket.category, Ticket.channel)).all()
        by_kind, by_category, by_channel = {}, {}, {}
        for kind, category, channel, n in rows:
            by_kind[kind] = by_kind.get(kind, 0) + n
            by_category[(kind, category)] = by_category.get((kind, category), 0) + n
            by_channel[(kind, channel)] = by_channel.get((kind, channel), 0) + n
        # a repair's every category and channel is listed, zero or not; other kinds' as they occur
        categories = [("repair", c) for c in CATEGORIES]
        channels = [("repair", c) for c in CHANNELS]
        return {
            "total": sum(by_kind.values()),
            "by_kind": [{"kind": k, "count": by_kind.get(k, 0)} for k in _ordered(by_kind, KINDS)],
            "by_category": [{"kind": k, "category": c, "count": by_category.get((k, c), 0)}
                            for k, c in _ordered(by_category, categories)],
            "by_channel": [{"kind": k, "channel": c, "count": by_channel.get((k, c), 0)}
                           for k, c in _ordered(by_channel, channels)],
        }

    # -- SLA -----------------------------------------------------------------------
    def sla(self) -> dict:
        d, now = TicketDeadline, self.now
        running = and_(d.met_at.is_(None), d.cancelled_at.is_(None))
        states = {
            "on_time": and_(d.met_at.is_not(None), d.met_at <= d.due_at),
            "late": d.met_at > d.due_at,
            "breached": and_(running, d.due_at < now),
            "running": and_(running, d.due_at >= now),
            "cancelled": and_(d.met_at.is_(None), d.cancelled_at.is_not(None)),
            "extended": exists(select(DeadlineExtension.id).where(DeadlineExtension.deadline_id == d.id)),
        }
        rows = self.session.execute(
            select(Ticket.kind, d.kind, func.count(), *(_sum(c) for c in states.values()))
            .join(Ticket, Ticket.id == d.ticket_id)
            .where(d.project_id == self.project.id, self.p.holds(d.due_at))
            .group_by(Ticket.kind, d.kind).order_by(Ticket.kind, d.kind)).all()
        clocks = [{"ticket_kind": kind, "clock": clock, "due": n, **dict(zip(states, map(int, sums)))}
                  for kind, clock, n, *sums in rows]
        total = {key: sum(c[key] for c in clocks) for key in ("due", *states)}
        for row in (*clocks, total):
            row["rate_percent"] = _percent(row["on_time"], row["on_time"] + row["late"] + row["breached"])
        return {"clocks": clocks, "total": total}

    # -- repair times --------------------------------------------------------------
    def repair_times(self) -> list[dict]:
        where = self._received("repair")
        spans = {name: self._minutes(start, end) for name, start, end in MEASURES}
        row = self.session.execute(select(*(x for span in spans.values()
                                             for x in (func.count(span), func.avg(span))))
                                   .where(*where)).one()
        out = []
        for i, (name, span) in enumerate(spans.items()):
            n, mean = row[2 * i], row[2 * i + 1]
            out.append({"measure": name, "count": n,
                        "mean_minutes": None if mean is None else round(float(mean), 1),
                        "median_minutes": self._median(span, where, n)})
        return out

    def _median(self, span, where, n: int) -> float | None:
        """The middle value (the mean of the two middle ones for an even count), read by
        ORDER BY .. OFFSET: one or two rows, the same SQL on both databases."""
        if not n:
            return None
        values = self.session.scalars(select(span).where(*where, span.is_not(None)).order_by(span)
                                      .offset((n - 1) // 2).limit(1 if n % 2 else 2)).all()
        return round(sum(float(v) for v in values) / len(values), 1)

    # -- complaints ----------------------------------------------------------------
    def complaints(self) -> dict:
        c, resolve, change = Complaint, aliased(TicketDeadline), ComplaintClassChange
        figures = {
            "resolved": c.resolved_at.is_not(None),
            "resolved_in_limit": and_(c.resolved_at.is_not(None), resolve.met_at.is_not(None),
                                      resolve.met_at <= resolve.due_at),
            "upgraded": c.upgraded_at.is_not(None),
            # by a person (the platform's user ids are "system:<name>": the 30-day upgrade)
            "reclassified": exists(select(change.id).where(
                change.ticket_id == c.ticket_id, change.from_class.is_not(None),
                change.from_class != change.to_class, ~change.changed_by.startswith("system"))),
        }
        rows = self.session.execute(
            select(c.complaint_class, c.department, func.count(), *(_sum(f) for f in figures.values()))
            .select_from(c).join(Ticket, Ticket.id == c.ticket_id)
            .outerjoin(resolve, and_(resolve.ticket_id == c.ticket_id, resolve.kind == RESOLVE_CLOCK))
            .where(c.project_id == self.project.id, *self._received(*COMPLAINT_KINDS))
            .group_by(c.complaint_class, c.department)).all()
        names = ("registered", *figures)
        by_class, by_department = {}, {}
        for klass, department, *counts in rows:
            for into, key in ((by_class, klass), (by_department, department)):
                into[key] = [a + int(b) for a, b in zip(into.get(key, [0] * len(names)), counts)]

        def row(counts):
            return dict(zip(names, counts or [0] * len(names)))
        return {
            "total": row([sum(x) for x in zip(*by_class.values())] if by_class else None),
            "by_class": [{"complaint_class": k, **row(by_class.get(k))}
                         for k in _ordered(by_class, COMPLAINT_CLASSES)],
            "by_department": [{"department": k, **row(by_department[k])} for k in sorted(by_department)],
        }

    # -- revisits --------------------------------------------------------------------
    def _closed_repairs(self):
        return [Ticket.project_id == self.project.id, Ticket.kind == "repair", self.p.holds(Ticket.closed_at)]

    def closed_repairs(self) -> dict:
        """Repairs closed in the month: how many, how many with a revisit done / at all."""
        r = Revisit

        def revisit(*where):
            return exists(select(r.ticket_id).where(r.source_ticket_id == Ticket.id, *where))
        n, revisited, with_revisit = self.session.execute(
            select(func.count(), _sum(revisit(r.done_at.is_not(None))), _sum(revisit()))
            .where(*self._closed_repairs())).one()
        return {"closed": n, "revisited": int(revisited), "with_revisit": int(with_revisit)}

    def revisits_done(self) -> dict:
        """Revisits done in the month by reason and satisfaction (the monthly revisit report)."""
        r = Revisit
        rows = self.session.execute(
            select(r.reason, r.satisfaction, func.count())
            .where(r.project_id == self.project.id, self.p.holds(r.done_at))
            .group_by(r.reason, r.satisfaction)).all()
        keys = ("satisfied", "neutral", "dissatisfied", "unrecorded")
        by_reason: dict[str, dict] = {}
        for reason, satisfaction, n in rows:
            counts = by_reason.setdefault(reason, dict.fromkeys(keys, 0))
            counts[satisfaction if satisfaction in SATISFACTION else "unrecorded"] += n
        blank = dict.fromkeys(keys, 0)
        reasons = [{"reason": k, "done": sum(by_reason.get(k, blank).values()), **by_reason.get(k, blank)}
                   for k in _ordered(by_reason, REVISIT_REASONS)]
        satisfaction = {key: sum(x[key] for x in reasons) for key in keys}
        return {"done": sum(x["done"] for x in reasons), "by_reason": reasons, "satisfaction": satisfaction}

    # -- satisfaction --------------------------------------------------------------
    def ratings(self, closed: dict) -> dict:
        rows = dict(self.session.execute(
            select(Ticket.rating, func.count()).where(*self._closed_repairs()).group_by(Ticket.rating)).all())
        unrated = rows.pop(None, 0)
        rated = sum(rows.values())
        return {
            "repairs_closed": closed["closed"], "rated": rated, "unrated": unrated,
            "ratings": [{"rating": k, "count": rows.get(k, 0)} for k in _ordered(rows, RATINGS)],
            "mean_rating": round(sum(k * n for k, n in rows.items()) / rated, 2) if rated else None,
        }
