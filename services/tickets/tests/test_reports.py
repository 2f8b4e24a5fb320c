"""The monthly report (domain/reports.py) over a November seeded by hand in Asia/Shanghai, on
SQLite and PostgreSQL: every figure asserted against a number worked out here, with how it comes
out.

The seed, in the project's local time (+08:00); the report is read on 3 December, so November is
complete. Repairs ``R[i]``, i = 0..29, all received in November:

- received day i+1 at 09:00, except R0 at 1 Nov 00:10 (31 Oct 16:10 UTC: a UTC October date in
  the local November), R4 at 5 Nov 23:30 and R26 at 27 Nov 22:30 (their work runs past midnight),
  R29 at 30 Nov 23:50;
- category: R0-R11 public_area (12), R12-R19 in_home_paid (8), R20-R25 not_covered (6), R26-R29
  unclassified (4); channel by i % 4: portal, phone, visit, staff (8, 8, 7, 7);
- dispatched i+1 minutes after receipt: R0-R17, R20-R22, R26, R27 (23 of them); arrived
  10 + 5*(i % 5) minutes after dispatch: R0-R15, R20-R22, R26 (20); work done 60*(i % 3 + 1) minutes
  after receipt: R0-R11, R20-R22 (15), and R26 240 minutes after (16);
- closed two hours after the work: R0-R8, R20-R22, R26 in November; R9 on 1 Dec 00:30 (December);
  R23 cancelled before dispatch, R27 cancelled after it;
- plus two outside the month: ``OCT`` received 31 Oct 23:50 (its on-site clock falls due at
  1 Nov 00:07, it is closed on 1 Nov 08:00, rated 2) and ``DEC`` received 1 Dec 00:05 (30 Nov
  16:05 UTC: a UTC November date in the local December).

Clocks as the SLA engine keeps them (``domain/clocks.py``): record (due 5 min after receipt, met
at 1 min; R7 at 8 min: late), notify_engineering (due 3 min after receipt, met at dispatch),
on_site for public_area (due 17 min, met at arrival; R3 extended to 30 min by an approval),
arrive_before for in_home_paid (due 115 min), reply for not_covered (due 17 min; met at 10, 20
and 15 min for R20, R21, R22); a cancelled ticket's running clocks are cancelled.

Complaints: 6 of each class (M1-M6, K1-K6, m1-m6) registered in November, each with its
``resolve`` clock (major 10 days, key 5, minor 3), and one registered on 31 Oct 23:50; revisits of
repairs, complaints and routine ones around the month's edges.
"""
from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kernel.clock import ManualClock
from kernel.errors import Forbidden
from kernel.testing import domain_session, resident, staff, temporary_pg_database
from services.tickets.domain import clocks, reports
from services.tickets.exceptions import InvalidMonth, MonthInFuture, ProjectNotFound
from services.tickets.models import (Base, Complaint, ComplaintClassChange, ProjectCopy, Revisit, Ticket)
from services.tickets.schemas import MonthlyReportOut

from .support import work as make_work

SH = ZoneInfo("Asia/Shanghai")
G, P = "g1", "p1"
MANAGER = staff(G, [P], roles=("cs_manager",), user_id="cs-1")


def at(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    """A local time of 2026 in Shanghai."""
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


class Seed:
    def __init__(self, session, clock):
        self.session, self.clock = session, clock
        self.work = make_work(session, clock, staff(G, [P], roles=("centre_manager",), user_id="centre-1"))
        self.numbers = itertools.count(1)
        session.add(ProjectCopy(id=P, group_id=G, name="绿湖花园", timezone="Asia/Shanghai", version=1))

    def ticket(self, kind: str, received: datetime, *, category: str, channel: str, status: str = "open",
               **fields) -> Ticket:
        t = Ticket(id=str(uuid.uuid4()), group_id=G, project_id=P, number=f"T-{next(self.numbers):04d}",
                   kind=kind, category=category, channel=channel, status=status, location="1栋",
                   content="seeded", reporter_name="张伟", received_at=received, recorded_at=received,
                   recorded_by="desk-1", updated_at=received, version=1, **fields)
        self.session.add(t)
        return t

    def start_clock(self, ticket: Ticket, kind: str, due: datetime, *, met: datetime | None = None,
               role: str = "front_desk"):
        deadline = clocks.start(self.work, ticket, kind, due, responsible_role=role, started_at=ticket.received_at)
        if met is not None:
            clocks.meet(ticket, kind, met)
        return deadline

    def extend(self, deadline, new_due: datetime, reason: str):
        """An approval given while the clock still ran (at its start): the engine refuses a new
        due time already past, and the seed is written after the month."""
        now = self.clock.now()
        self.clock.set(deadline.started_at)
        try:
            return clocks.extend(self.work, deadline, new_due, reason)
        finally:
            self.clock.set(now)

    def repair(self, received: datetime, category: str, channel: str, *, dispatch=None, arrive=None,
               complete=None, closed=None, rating=None, cancelled=None, record_met=1, reply_met=None,
               on_site_extended_to=None) -> Ticket:
        """Times in minutes: ``dispatch`` and ``complete`` after receipt, ``arrive`` after dispatch."""
        dispatched = received + minutes(dispatch) if dispatch is not None else None
        arrived = dispatched + minutes(arrive) if arrive is not None else None
        completed = received + minutes(complete) if complete is not None else None
        status = ("cancelled" if cancelled else "closed" if closed else "work_done" if completed
                  else "on_site" if arrived else "dispatched" if dispatched else "open")
        t = self.ticket("repair", received, category=category, channel=channel, status=status,
                        dispatched_at=dispatched, arrived_at=arrived, completed_at=completed,
                        closed_at=closed, rating=rating, cancel_reason="不需要了" if cancelled else None)
        self.start_clock(t, "record", received + minutes(5), met=received + minutes(record_met))
        self.start_clock(t, "notify_engineering", received + minutes(3), met=dispatched)
        if category == "public_area":
            on_site = self.start_clock(t, "on_site", received + minutes(17), role="engineering")
            if on_site_extended_to is not None:
                self.extend(on_site, received + minutes(on_site_extended_to), "材料在路上")
            if arrived:
                clocks.meet(t, "on_site", arrived)
        elif category == "in_home_paid":
            self.start_clock(t, "arrive_before", received + minutes(115), met=arrived, role="engineering")
        elif category == "not_covered":
            self.start_clock(t, "reply", received + minutes(17), role="engineering_manager",
                        met=received + minutes(reply_met) if reply_met is not None else None)
        if cancelled is not None:
            clocks.cancel_running(t, received + minutes(cancelled))
        return t

    def complaint(self, received: datetime, klass: str, department: str, *, kind: str = "complaint",
                  limit_days: int | None = None, resolved: datetime | None = None, extended_to=None,
                  cancelled: datetime | None = None, clock: bool = True, upgraded: datetime | None = None,
                  changes=()) -> Ticket:
        t = self.ticket(kind, received, category=kind, channel="visit" if kind == "quality" else "phone",
                        status="closed" if resolved else "open")
        self.session.flush()          # the ticket row before its detail row (no ORM relationship)
        self.session.add(Complaint(ticket_id=t.id, group_id=G, project_id=P, complaint_class=klass,
                                   department=department, form="oral", resolved_at=resolved,
                                   upgraded_at=upgraded))
        if clock:
            deadline = self.start_clock(t, reports.RESOLVE_CLOCK, received + timedelta(days=limit_days),
                                   role="cs_manager")
            if extended_to is not None:
                self.extend(deadline, extended_to, "业主出差")
            if resolved is not None:
                clocks.meet(t, reports.RESOLVE_CLOCK, resolved)
            if cancelled is not None:
                clocks.cancel_running(t, cancelled)
        for from_class, to_class, by, when in changes:
            self.session.add(ComplaintClassChange(
                id=str(uuid.uuid4()), ticket_id=t.id, group_id=G, project_id=P, from_class=from_class,
                to_class=to_class, changed_by=by, changed_at=when, reason="seeded"))
        return t

    def revisit(self, reason: str, created: datetime, *, source: Ticket | None = None, done=None,
                satisfaction=None) -> Ticket:
        t = self.ticket("revisit", created, category="revisit", channel="phone",
                        status="closed" if done else "open")
        self.session.flush()
        self.session.add(Revisit(ticket_id=t.id, group_id=G, project_id=P, reason=reason,
                                 source_ticket_id=source.id if source else None, due_at=created + timedelta(days=3),
                                 done_at=done, done_by="steward-1" if done else None, satisfaction=satisfaction,
                                 quality=4 if done else None, effect=4 if done else None))
        return t


CATEGORY = ["public_area"] * 12 + ["in_home_paid"] * 8 + ["not_covered"] * 6 + ["unclassified"] * 4
CHANNEL = ["portal", "phone", "visit", "staff"]
DISPATCHED = set(range(0, 18)) | {20, 21, 22, 26, 27}
ARRIVED = set(range(0, 16)) | {20, 21, 22, 26}
COMPLETED = set(range(0, 12)) | {20, 21, 22, 26}
CLOSED_IN_NOVEMBER = set(range(0, 9)) | {20, 21, 22, 26}
RATING = {0: 5, 1: 5, 2: 4, 3: 5, 4: 3, 6: 1, 7: 4, 9: 5, 20: 5, 22: 4, 26: 5}    # R5, R8, R21 unrated
RECEIVED = {0: at(1, 0, 10), 4: at(5, 23, 30), 26: at(27, 22, 30), 29: at(30, 23, 50)}
REPLY_MET = {20: 10, 21: 20, 22: 15}


def seed_november(session, clock) -> dict:
    s = Seed(session, clock)
    R = {}
    for i in range(30):
        received = RECEIVED.get(i, at(i + 1))
        complete = (240 if i == 26 else 60 * (i % 3 + 1)) if i in COMPLETED else None
        closed = None
        if i in CLOSED_IN_NOVEMBER:
            closed = received + minutes(complete) + timedelta(hours=2)
        elif i == 9:
            closed = at(1, 0, 30, month=12)
        R[i] = s.repair(received, CATEGORY[i], CHANNEL[i % 4],
                        dispatch=i + 1 if i in DISPATCHED else None,
                        arrive=10 + 5 * (i % 5) if i in ARRIVED else None,
                        complete=complete, closed=closed, rating=RATING.get(i),
                        cancelled={23: 30, 27: 60}.get(i), record_met=8 if i == 7 else 1,
                        reply_met=REPLY_MET.get(i), on_site_extended_to=30 if i == 3 else None)
    R["OCT"] = s.repair(at(31, 23, 50, month=10), "public_area", "phone", dispatch=3, arrive=10, complete=50,
                        closed=at(1, 8, 0), rating=2)
    R["DEC"] = s.repair(at(1, 0, 5, month=12), "public_area", "portal")

    person, platform = "cs-1", "system:tickets"
    C = {
        "M1": s.complaint(at(2, 10), "major", "engineering", limit_days=10, resolved=at(10, 10)),
        "M2": s.complaint(at(3, 10), "major", "engineering", kind="quality", limit_days=10, resolved=at(15, 10)),
        # a key complaint unresolved for 30 days: upgraded by the platform on 1 Dec
        "M3": s.complaint(at(1, 10), "major", "customer_service", limit_days=5, upgraded=at(1, 10, month=12),
                          changes=[(None, "key", "desk-1", at(1, 10)),
                                   ("key", "major", platform, at(1, 10, month=12))]),
        # reclassified by the CS manager from minor to major
        "M4": s.complaint(at(4, 10), "major", "security", limit_days=10, resolved=at(12, 10),
                          changes=[("minor", "major", person, at(4, 12))]),
        "M5": s.complaint(at(28, 10), "major", "security", limit_days=10),      # due 8 Dec: running
        "M6": s.complaint(at(5, 10), "major", "customer_service", limit_days=10, extended_to=at(20, 10),
                          resolved=at(18, 10)),                                   # late but for the approval
        "K1": s.complaint(at(6, 10), "key", "engineering", limit_days=5, resolved=at(9, 10)),
        "K2": s.complaint(at(7, 10), "key", "engineering", limit_days=5, resolved=at(12, 9)),
        "K3": s.complaint(at(8, 10), "key", "customer_service", limit_days=5, resolved=at(14, 10)),
        "K4": s.complaint(at(9, 10), "key", "customer_service", limit_days=5),
        "K5": s.complaint(at(10, 10), "key", "security", kind="quality", limit_days=5, resolved=at(13, 10),
                          changes=[(None, "minor", "desk-1", at(10, 10)), ("minor", "key", person, at(10, 15))]),
        "K6": s.complaint(at(11, 10), "key", "engineering", resolved=at(14, 10), clock=False),
        "m1": s.complaint(at(12, 10), "minor", "engineering", limit_days=3, resolved=at(14, 10)),
        "m2": s.complaint(at(13, 10), "minor", "customer_service", limit_days=3, resolved=at(16, 10)),
        "m3": s.complaint(at(14, 10), "minor", "customer_service", limit_days=3, resolved=at(15, 10)),
        "m4": s.complaint(at(15, 10), "minor", "security", limit_days=3, resolved=at(20, 10)),
        "m5": s.complaint(at(16, 10), "minor", "security", limit_days=3, cancelled=at(17, 10)),
        # a "change" that keeps the class is no reclassification
        "m6": s.complaint(at(17, 10), "minor", "engineering", kind="quality", limit_days=3,
                          changes=[("minor", "minor", person, at(18, 10))]),
        "OCT": s.complaint(at(31, 23, 50, month=10), "major", "engineering", limit_days=10, resolved=at(8, 10)),
    }

    # revisits: of repairs closed in November, of one closed in December, of complaints, routine
    s.revisit("repair_dissatisfied", at(19), source=R[6], done=at(20), satisfaction="dissatisfied")
    s.revisit("repair_unrated", at(17), source=R[5], done=at(18), satisfaction="satisfied")
    s.revisit("repair_sample", at(24), source=R[4], done=at(25), satisfaction="satisfied")
    s.revisit("repair_dissatisfied", at(2), source=R["OCT"], done=at(3), satisfaction="neutral")
    s.revisit("repair_unrated", at(28), source=R[8])                                     # not done yet
    s.revisit("repair_unrated", at(29), source=R[21], done=at(2, month=12), satisfaction="neutral")
    s.revisit("repair_sample", at(1, 10, month=12), source=R[9], done=at(2, month=12), satisfaction="satisfied")
    s.revisit("complaint", at(9), source=C["M1"], done=at(10), satisfaction="satisfied")
    s.revisit("complaint", at(14), source=C["K1"], done=at(15), satisfaction="satisfied")
    s.revisit("complaint", at(21), source=C["m2"], done=at(22), satisfaction="dissatisfied")
    s.revisit("routine", at(4), done=at(5), satisfaction="satisfied")
    s.revisit("routine", at(11), done=at(12))                                           # none recorded
    s.revisit("routine", at(30, 10), done=at(30, 23, 59), satisfaction="neutral")       # last minute
    s.revisit("routine", at(30, 10), done=at(1, 0, 1, month=12), satisfaction="satisfied")  # 30 Nov 16:01 UTC
    s.revisit("maintenance", at(29, month=10), done=at(30, month=10), satisfaction="satisfied")
    session.commit()
    return {"repairs": R, "complaints": C}


NOW = "2026-12-03T10:00:00+08:00"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def seeded_november(request, tmp_path_factory):
    """The seeded month, once per database for the module's read-only tests (a report writes
    nothing): seeding it per test cost ~3 s each."""
    def seeded(url):
        with domain_session(Base, url) as session:
            seed_november(session, ManualClock(NOW))
        return url
    if request.param == "sqlite":
        yield seeded(f"sqlite:///{tmp_path_factory.mktemp('november')}/tickets.db")
    else:
        with temporary_pg_database() as url:
            yield seeded(url)


@pytest.fixture
def november(seeded_november):
    """A session on the seeded month and a clock of its own (3 Dec, 10:00 in Shanghai)."""
    with domain_session(Base, seeded_november) as session:
        yield session, ManualClock(NOW)


@pytest.fixture
def fresh_november(db_url):
    """The month seeded for a test that changes something (a setting)."""
    clock = ManualClock(NOW)
    with domain_session(Base, db_url) as session:
        seed_november(session, clock)
        yield session, clock


def report(session, clock, caller=MANAGER, month="2026-11", project=P) -> dict:
    """What the RPC answers: the domain's document through the service's schema."""
    return MonthlyReportOut().dump(reports.monthly_report(make_work(session, clock, caller), project, month))


def test_the_month_is_the_projects_local_month(november):
    doc = report(*november)
    assert (doc["month"], doc["timezone"], doc["project_name"]) == ("2026-11", "Asia/Shanghai", "绿湖花园")
    assert (doc["period_start"], doc["period_end"]) == ("2026-11-01T00:00:00+08:00", "2026-12-01T00:00:00+08:00")
    assert doc["as_of"] == "2026-12-03T10:00:00+08:00" and doc["complete"] is True


def test_volumes_by_kind_category_and_channel(november):
    v = report(*november)["volumes"]
    # repairs R0-R29 (OCT and DEC fall outside the local month: 31 Oct 23:50 and 1 Dec 00:05);
    # complaints M1-M6, K1-K6, m1-m6 less the 3 warranty-quality ones (M2, K5, m6) = 15 (the
    # October one outside); revisit tickets created in November: 13 of the 15 (not the one of
    # 29 Oct, nor the one of 1 Dec 10:00); 30 + 15 + 3 + 13 = 61
    assert v["total"] == 61
    assert v["by_kind"] == [{"kind": "repair", "count": 30}, {"kind": "complaint", "count": 15},
                            {"kind": "quality", "count": 3}, {"kind": "revisit", "count": 13}]
    # R0-R11, R12-R19, R20-R25, R26-R29; then the other kinds, sorted
    assert v["by_category"] == [
        {"kind": "repair", "category": "public_area", "count": 12},
        {"kind": "repair", "category": "in_home_paid", "count": 8},
        {"kind": "repair", "category": "not_covered", "count": 6},
        {"kind": "repair", "category": "unclassified", "count": 4},
        {"kind": "repair", "category": "maintenance", "count": 0},      # every category, even at zero
        {"kind": "complaint", "category": "complaint", "count": 15},
        {"kind": "quality", "category": "quality", "count": 3},
        {"kind": "revisit", "category": "revisit", "count": 13}]
    # i % 4 over 0..29: 0 -> 8 (0, 4, .., 28), 1 -> 8 (.., 29), 2 -> 7 (.., 26), 3 -> 7 (.., 27)
    assert v["by_channel"] == [
        {"kind": "repair", "channel": "portal", "count": 8},
        {"kind": "repair", "channel": "phone", "count": 8},
        {"kind": "repair", "channel": "visit", "count": 7},
        {"kind": "repair", "channel": "staff", "count": 7},
        {"kind": "complaint", "channel": "phone", "count": 15},
        {"kind": "quality", "channel": "visit", "count": 3},
        {"kind": "revisit", "channel": "phone", "count": 13}]


def test_sla_compliance_per_clock(november):
    sla = report(*november)["sla"]

    def row(due, on_time, late, breached, cancelled, extended, rate):
        return {"due": due, "on_time": on_time, "late": late, "breached": breached, "running": 0,
                "cancelled": cancelled, "extended": extended, "rate_percent": rate}
    clocks_ = {(c.pop("ticket_kind"), c.pop("clock")): c for c in sla["clocks"]}
    assert [k for k in clocks_] == sorted(clocks_)
    assert clocks_ == {
        # resolve clocks due in November: M1-M4, M6, K1-K5, m1-m6 and the October one (due 10 Nov);
        # not M5 (due 8 Dec) nor K6 (none). Kind complaint: on time M1, M4, M6 (extended), K1, K2,
        # m1, m2 (met at its due minute), m3, OCT = 9; late K3, m4 = 2; breached M3, K4 = 2;
        # cancelled m5; rate 9 / 13 = 69.2
        ("complaint", "resolve"): row(14, 9, 2, 2, 1, 1, 69.2),
        # warranty quality: K5 on time, M2 late, m6 breached: 1 / 3
        ("quality", "resolve"): row(3, 1, 1, 1, 0, 0, 33.3),
        # R12-R15 arrived 33, 39, 45, 26 min after receipt (due 115); R16-R19 never arrived
        ("repair", "arrive_before"): row(8, 4, 0, 4, 0, 0, 50.0),
        # due 3 min after receipt, met at dispatch (i + 1 min): on time R0-R2; late the other 20
        # dispatched; breached R18, R19, R24, R25, R28, R29; cancelled R23; rate 3 / 29
        ("repair", "notify_engineering"): row(30, 3, 20, 6, 1, 0, 10.3),
        # due 17 min: arrival at (i + 1) + 10 + 5 (i % 5): R0 11, R1 17 (at the minute), R5 16, R3 29
        # against its approved 30, and OCT's clock (due 1 Nov 00:07, met 00:03) on time = 5; R2, R4,
        # R6-R11 late = 8; rate 5 / 13 = 38.5
        ("repair", "on_site"): row(13, 5, 8, 0, 0, 1, 38.5),
        # R0-R29 (OCT's and DEC's fall outside): met at 1 min, R7 at 8 (due 5)
        ("repair", "record"): row(30, 29, 1, 0, 0, 0, 96.7),
        # R20 met at 10, R22 at 15, R21 at 20 (due 17); R24, R25 never; R23 cancelled: 2 / 5
        ("repair", "reply"): row(6, 2, 1, 2, 1, 0, 40.0),
    }
    # 14+3+8+30+13+30+6 = 104; on time 9+1+4+3+5+29+2 = 53; late 2+1+0+20+8+1+1 = 33;
    # breached 2+1+4+6+0+0+2 = 15; cancelled 3; rate 53 / (53+33+15) = 52.5
    assert sla["total"] == row(104, 53, 33, 15, 3, 2, 52.5)


def test_mean_and_median_times_of_the_month_s_repairs(november):
    times = {t.pop("measure"): t for t in report(*november)["repair_times"]}
    assert times == {
        # i + 1 for R0-R17, R20-R22, R26, R27: 171 + 21+22+23+27+28 = 292 over 23 = 12.7; the
        # 12th of 1..18, 21, 22, 23, 27, 28 is 12
        "to_dispatch": {"count": 23, "mean_minutes": 12.7, "median_minutes": 12.0},
        # 10 + 5 (i % 5) over R0-R15, R20-R22, R26: five 10s, five 15s, four 20s, three 25s, three
        # 30s = 370 over 20 = 18.5; the 10th and 11th are 15 and 20
        "to_arrive": {"count": 20, "mean_minutes": 18.5, "median_minutes": 17.5},
        # 60 (i % 3 + 1) over R0-R11, R20-R22, and 240 for R26 (past midnight): five 60s, five 120s,
        # five 180s and 240 = 2040 over 16 = 127.5; the 8th and 9th are 120
        "to_resolve": {"count": 16, "mean_minutes": 127.5, "median_minutes": 120.0},
    }


def test_complaints_by_class_and_department(november):
    c = report(*november)["complaints"]

    def counts(registered, resolved, in_limit, upgraded, reclassified):
        return {"registered": registered, "resolved": resolved, "resolved_in_limit": in_limit,
                "upgraded": upgraded, "reclassified": reclassified}
    assert c["by_class"] == [
        # resolved M1, M2, M4, M6; in their limit M1, M4, M6 (approved); upgraded M3 (the platform's
        # change is no reclassification); reclassified M4
        {"complaint_class": "major", **counts(6, 4, 3, 1, 1)},
        # resolved K1, K2, K3, K5, K6 (no clock: not counted in limit); in limit K1, K2, K5;
        # reclassified K5 (its first classification from nothing is no change)
        {"complaint_class": "key", **counts(6, 5, 3, 0, 1)},
        # resolved m1-m4; in limit m1, m2, m3; m6's "change" kept the class
        {"complaint_class": "minor", **counts(6, 4, 3, 0, 0)},
    ]
    assert c["by_department"] == [
        # M3, M6, K3, K4, m2, m3: resolved M6, K3, m2, m3; in limit M6, m2, m3; upgraded M3
        {"department": "customer_service", **counts(6, 4, 3, 1, 0)},
        # M1, M2, K1, K2, K6, m1, m6: resolved all but m6; in limit M1, K1, K2, m1
        {"department": "engineering", **counts(7, 6, 4, 0, 0)},
        # M4, M5, K5, m4, m5: resolved M4, K5, m4; in limit M4, K5; reclassified M4, K5
        {"department": "security", **counts(5, 3, 2, 0, 2)},
    ]
    assert c["total"] == counts(18, 13, 9, 1, 2)


def test_revisit_rate_against_the_target(fresh_november):
    session, clock = fresh_november
    r = report(session, clock)["revisits"]
    # closed in November: OCT, R0-R8, R20-R22, R26 = 14 (R9 closed on 1 Dec 00:30); revisited
    # (done, whenever): R6, R5, R4, OCT, R21 (on 2 Dec) = 5; with a revisit at all: and R8 = 6;
    # 5 / 14 = 35.7 % >= 30 %
    assert {k: r[k] for k in ("repairs_closed", "repairs_revisited", "repairs_with_revisit", "rate_percent",
                              "target_percent", "target_met")} == {
        "repairs_closed": 14, "repairs_revisited": 5, "repairs_with_revisit": 6, "rate_percent": 35.7,
        "target_percent": 30, "target_met": True}
    # done in November: complaint 3 (M1, K1 satisfied; m2 dissatisfied); repair_dissatisfied R6
    # (dissatisfied) and OCT (neutral); repair_unrated R5; repair_sample R4; routine 5 Nov
    # (satisfied), 12 Nov (none recorded), 30 Nov 23:59 (neutral) -- not 1 Dec 00:01, not 30 Oct
    assert r["done"] == 10
    assert r["by_reason"] == [
        {"reason": "complaint", "done": 3, "satisfied": 2, "neutral": 0, "dissatisfied": 1, "unrecorded": 0},
        {"reason": "repair_dissatisfied", "done": 2, "satisfied": 0, "neutral": 1, "dissatisfied": 1,
         "unrecorded": 0},
        {"reason": "repair_unrated", "done": 1, "satisfied": 1, "neutral": 0, "dissatisfied": 0, "unrecorded": 0},
        {"reason": "repair_unsigned", "done": 0, "satisfied": 0, "neutral": 0, "dissatisfied": 0, "unrecorded": 0},
        {"reason": "repair_sample", "done": 1, "satisfied": 1, "neutral": 0, "dissatisfied": 0, "unrecorded": 0},
        {"reason": "maintenance", "done": 0, "satisfied": 0, "neutral": 0, "dissatisfied": 0, "unrecorded": 0},
        {"reason": "routine", "done": 3, "satisfied": 1, "neutral": 1, "dissatisfied": 0, "unrecorded": 1},
    ]
    # the project raises its target to 40 %: 35.7 % misses it
    centre = staff(G, [P], roles=("centre_manager",), user_id="centre-1")
    make_work(session, clock, centre).settings.change(G, P, "revisit.repair_target_percent", 40,
                                                      reason="集团要求")
    session.commit()
    r = report(session, clock)["revisits"]
    assert (r["target_percent"], r["target_met"]) == (40, False)


def test_satisfaction_distribution(november):
    s = report(*november)["satisfaction"]
    # of the 14 closed in November: 5 -> R0, R1, R3, R20, R26; 4 -> R2, R7, R22; 3 -> R4;
    # 2 -> OCT; 1 -> R6; unrated R5, R8, R21 (R9's 5 is December's); mean 43 / 11 = 3.91
    assert s == {
        "repairs_closed": 14, "rated": 11, "unrated": 3,
        "ratings": [{"rating": 1, "count": 1}, {"rating": 2, "count": 1}, {"rating": 3, "count": 1},
                    {"rating": 4, "count": 3}, {"rating": 5, "count": 5}],
        "mean_rating": 3.91,
        # the revisits done in November (above): 2+1+1+1 satisfied, 1+1 neutral, 1+1 dissatisfied
        "revisits": {"satisfied": 5, "neutral": 2, "dissatisfied": 2, "unrecorded": 1},
    }


def test_other_months_read_their_own_tickets(november):
    session, clock = november
    october = report(session, clock, month="2026-10")
    # OCT's repair and complaint, the maintenance revisit ticket of 29 Oct
    assert october["volumes"]["total"] == 3
    # OCT's record (23:55) and notify_engineering (23:53) clocks; its on-site one is November's
    assert october["sla"]["total"]["due"] == 2 and october["revisits"]["done"] == 1
    assert october["revisits"]["repairs_closed"] == 0 and october["revisits"]["target_met"] is True
    assert october["repair_times"][0] == {"measure": "to_dispatch", "count": 1, "mean_minutes": 3.0,
                                          "median_minutes": 3.0}
    december = report(session, clock, month="2026-12")
    assert december["complete"] is False
    # DEC and the revisit ticket of 1 Dec 10:00
    assert december["volumes"]["total"] == 2
    # DEC's three clocks (record met; notify_engineering and on_site overdue) and M5's resolve
    # (due 8 Dec, still running on 3 Dec)
    assert {k: december["sla"]["total"][k] for k in ("due", "on_time", "breached", "running")} == {
        "due": 4, "on_time": 1, "breached": 2, "running": 1}
    # R9 closed on 1 Dec 00:30 and rated 5, revisited on 2 Dec
    assert (december["revisits"]["repairs_closed"], december["revisits"]["repairs_revisited"]) == (1, 1)
    assert december["satisfaction"]["ratings"][4] == {"rating": 5, "count": 1}


def test_an_empty_month_reads_zeros(november):
    session, clock = november
    doc = report(session, clock, month="2025-01")
    assert doc["volumes"]["total"] == 0 and all(k["count"] == 0 for k in doc["volumes"]["by_kind"])
    assert doc["sla"] == {"clocks": [], "total": {"due": 0, "on_time": 0, "late": 0, "breached": 0, "running": 0,
                                                  "cancelled": 0, "extended": 0, "rate_percent": None}}
    assert doc["repair_times"][2] == {"measure": "to_resolve", "count": 0, "mean_minutes": None,
                                      "median_minutes": None}
    assert doc["complaints"]["total"]["registered"] == 0 and doc["complaints"]["by_department"] == []
    assert doc["revisits"]["rate_percent"] is None and doc["satisfaction"]["mean_rating"] is None


@pytest.mark.parametrize("role", reports.REPORT_ROLES)
def test_the_project_s_managers_read_it(november, role):
    session, clock = november
    assert report(session, clock, staff(G, [P], roles=(role,), user_id="m-1"))["volumes"]["total"] == 61


@pytest.mark.parametrize("caller,error,code", [
    (staff(G, [P], roles=("front_desk",)), Forbidden, "role_required"),
    (staff(G, [P], roles=("engineering", "steward", "security", "finance")), Forbidden, "role_required"),
    (staff(G, ["p2"], roles=("cs_manager",)), Forbidden, "project_out_of_scope"),
    (staff("g2", ["p1"], roles=("cs_manager",)), ProjectNotFound, "project_not_found"),
    (resident(G, ["u1"]), ProjectNotFound, "project_not_found"),
])
def test_others_are_refused(november, caller, error, code):
    with pytest.raises(error) as refused:
        report(*november, caller=caller)
    assert refused.value.code == code


@pytest.mark.parametrize("month,error,code", [
    ("2027-01", MonthInFuture, "month_in_future"),
    ("2026-12-01", InvalidMonth, "invalid_month"),
    ("2026-13", InvalidMonth, "invalid_month"),
    ("garbage", InvalidMonth, "invalid_month"),
])
def test_a_month_not_begun_or_not_a_month_is_refused(november, month, error, code):
    with pytest.raises(error) as refused:
        report(*november, month=month)
    assert refused.value.code == code


def test_an_unknown_project_is_not_found(november):
    with pytest.raises(ProjectNotFound):
        report(*november, project="nope")


def test_the_current_month_counts_running_clocks(session, clock):
    """On 24 Nov 09:00 (the fixture's clock) November is the current month: a clock not yet due
    is running, one past due breached; December has not begun."""
    s = Seed(session, clock)
    t = s.repair(at(24, 8, 50), "public_area", "portal", dispatch=5)
    # record met at 08:51 (due 08:55); notify met at 08:55 (due 08:53): late; on_site due 09:07
    assert [d.kind for d in t.deadlines] == ["record", "notify_engineering", "on_site"]
    s.start_clock(s.ticket("complaint", at(24, 8), category="complaint", channel="phone"), "resolve", at(24, 8, 30))
    session.commit()
    doc = report(session, clock)
    assert doc["complete"] is False and doc["as_of"] == "2026-11-24T09:00:00+08:00"
    assert {k: doc["sla"]["total"][k] for k in ("due", "on_time", "late", "breached", "running")} == {
        "due": 4, "on_time": 1, "late": 1, "breached": 1, "running": 1}
    clock.advance(minutes(8))                     # 09:08: the on-site clock has run out
    assert report(session, clock)["sla"]["total"]["breached"] == 2
    with pytest.raises(MonthInFuture):
        report(session, clock, month="2026-12")
