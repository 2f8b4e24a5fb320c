"""Revisits (回访, domain/revisits.py): what the system schedules and when -- a month of repairs
driven through the injectable clock with the kernel's job runner (the unsigned check, the month's
sample to the target rate), complaint and maintenance-works revisits, the routine 12-month plan --
and recording a revisit (its table, who may act, a dissatisfied one opening a complaint). Nothing
faked: the jobs run through kernel.jobs' JobExecutor on a file SQLite database."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.errors import Forbidden
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import copies, repairs, revisits
from services.tickets.exceptions import (NotARevisit, NotAssignedToYou, StaffOnlyCategory, TicketNotFound,
                                         TransitionNotAllowed)
from services.tickets.models import Base, Complaint, ProjectCopy, Revisit, ScheduledJob, Ticket, UnitCopy
from services.tickets.schemas import RevisitStepIn, TransitionIn
from services.tickets.tests.support import job_executor, work

G, P = "group-1", "p1"
SH = ZoneInfo("Asia/Shanghai")
SYSTEM = Caller.system(G, "tickets")
DESK = staff(G, [P], roles=["front_desk"], user_id="desk")
ENG_MGR = staff(G, [P], roles=["engineering_manager"], user_id="eng.mgr")
TECH = staff(G, [P], roles=["engineering"], user_id="eng.lh")
STEWARD = staff(G, [P], roles=["steward"], user_id="steward.wu")
OTHER_STEWARD = staff(G, [P], roles=["steward"], user_id="steward.li")
CS = staff(G, [P], roles=["cs_manager"], user_id="cs.sun")
CENTRE = staff(G, [P], roles=["centre_manager"], user_id="centre.li")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def occupant(uid: str):
    return resident(G, [uid], user_id=f"r-{uid}")


def unit_id(i: int) -> str:
    return f"u{i:02d}"


def build_registry(w, occupied: int, vacant: int = 0, seed_jobs: bool = True) -> None:
    """Project p1 with ``occupied`` units that have a household and ``vacant`` that have none."""
    copies.apply_project(w, {"project_id": P, "group_id": G, "name": "绿湖花园", "timezone": "Asia/Shanghai",
                             "version": 1})
    for i in range(1, occupied + vacant + 1):
        copies.apply_unit(w, {"unit_id": unit_id(i), "group_id": G, "project_id": P,
                              "label": f"1栋-{i:04d}", "version": 1})
        w.session.flush()
        if i <= occupied:
            copies.apply_household(w, {"household_id": f"h{i:02d}", "unit_id": unit_id(i), "status": "active",
                                       "people": [{"name": f"业主{i}", "role": "owner",
                                                   "phone": f"1380000{i:04d}"}], "version": 1})
    if seed_jobs:
        revisits.seed_monthly_jobs(w, P)
    w.session.flush()


BODY = {"dispatch": {"assignee_id": "eng.lh", "assignee_name": "林工"},
        "complete": {"work_done": "换了水龙头阀芯"}, "cancel": {"reason": "不需要了"}}
BY = {"dispatch": ENG_MGR, "accept": TECH, "arrive": TECH, "complete": TECH}


def repair_step(w, ticket_id: str, action: str, **body) -> Ticket:
    data = TransitionIn().load({"action": action, **BODY.get(action, {}), **body})
    return repairs.transition(w, ticket_id, action, data)


def revisit_step(w, ticket_id: str, action: str, **body) -> Ticket:
    return revisits.step(w, ticket_id, action, RevisitStepIn().load({"action": action, **body}))


# -- a file database, the kernel's job runner -------------------------------------------------------

class World:
    """Committed units of work on one database and the job runner tickets' service would run."""

    def __init__(self, Session, clock: ManualClock):
        self.Session, self.clock = Session, clock
        self.runner = job_executor(Session, clock, revisits.JOBS)

    def do(self, caller, fn, *args, **kwargs):
        """``fn(work, ...)`` as ``caller`` in a transaction of its own; a ticket comes back as its id."""
        with self.Session() as session, session.begin():
            result = fn(work(session, self.clock, caller), *args, **kwargs)
            return result.id if isinstance(result, Ticket) else result

    def read(self, fn, *args):
        with self.Session() as session:
            return fn(session, *args)

    def run_jobs(self) -> int:
        done = 0
        while (n := self.runner.run_once()):
            done += n
        return done

    def until(self, when: datetime, step: timedelta = timedelta(hours=6)) -> None:
        """Move the clock to ``when`` in steps, running the due jobs at each."""
        while self.clock.now() < when:
            self.clock.set(min(when, self.clock.now() + step))
            self.run_jobs()

    def repair(self, uid: str | None, *, category: str = "public_area", done: bool = True) -> str:
        """A repair reported by the unit's resident (or recorded by the desk), its work done."""
        if uid is None or category == "maintenance":
            data = {"project_id": P, "location": "1栋大堂", "category": category, "content": "大堂吊顶维修"}
            if uid:
                data["unit_id"] = uid
            ticket_id = self.do(DESK, repairs.open_repair, data)
        else:
            ticket_id = self.do(occupant(uid), repairs.open_repair,
                                {"unit_id": uid, "category": category, "content": "厨房水龙头漏水"})
        for action in ("dispatch", "accept", "arrive", "complete") if done else ():
            self.clock.advance(minutes=5)
            self.do(BY[action], repair_step, ticket_id, action)
        return ticket_id


def revisit_rows(session) -> list[dict]:
    rows = session.execute(select(Revisit, Ticket).join(Ticket, Ticket.id == Revisit.ticket_id)
                           .order_by(Ticket.number)).all()
    return [{"id": t.id, "number": t.number, "reason": r.reason, "source": r.source_ticket_id,
             "household": r.household_id, "unit": t.unit_id, "status": t.status, "due_at": r.due_at,
             "scheduled_at": t.recorded_at, "clock": [(d.kind, d.due_at, d.responsible_role) for d in t.deadlines]}
            for r, t in rows]


def job(session, kind: str, key: str):
    return session.scalars(select(ScheduledJob).where(ScheduledJob.kind == kind, ScheduledJob.key == key)).first()


@pytest.fixture
def world(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/tickets.db")
    Base.metadata.create_all(engine)
    yield World(sessionmaker(engine, expire_on_commit=False), ManualClock("2026-11-02T09:00:00+08:00"))
    engine.dispose()


# ==============================================================================================
# a month of repairs: compulsory revisits, then the sample up to the target
# ==============================================================================================

def test_a_month_of_repairs_reaches_the_target_rate(world):
    """November 2026: 20 repairs done -- 2 rated dissatisfied (1, 2), 1 signed without a rating,
    1 never signed (done on the 29th: its unsigned check falls on 2 December), 16 rated 3-5. The
    compulsory revisits are 4; 30 % of 20 is 6, so the sample on 5 December draws 2 satisfied
    ones. A maintenance work done in the month counts for neither side."""
    world.do(SYSTEM, build_registry, 20)
    ratings = {0: 1, 1: 2}
    repairs_by_unit = {}
    for i in range(20):
        uid = unit_id(i + 1)
        world.until(local(2026, 11, 2 + (27 if i == 19 else i), 9, 0))
        repairs_by_unit[uid] = ticket_id = world.repair(uid)
        world.clock.advance(hours=2)
        if i == 2:
            world.do(occupant(uid), repair_step, ticket_id, "confirm")                       # signed, not rated
        elif i == 19:
            pass                                                                              # never signed
        else:
            world.do(occupant(uid), repair_step, ticket_id, "rate", rating=ratings.get(i, 3 + i % 3))
    maintenance = world.repair(None, category="maintenance")
    unsigned_done_at = world.read(lambda s: s.get(Ticket, repairs_by_unit["u20"]).completed_at)
    assert unsigned_done_at.astimezone(SH).date().isoformat() == "2026-11-29"

    world.until(local(2026, 12, 5, 0, 59))
    rows = [r for r in world.read(revisit_rows) if r["reason"] != "routine"]      # December's plan aside
    by_source = {r["source"]: r["reason"] for r in rows}
    assert by_source == {repairs_by_unit["u01"]: "repair_dissatisfied", repairs_by_unit["u02"]: "repair_dissatisfied",
                         repairs_by_unit["u03"]: "repair_unrated", repairs_by_unit["u20"]: "repair_unsigned"}
    unsigned = next(r for r in rows if r["reason"] == "repair_unsigned")
    assert unsigned["scheduled_at"].astimezone(SH).date().isoformat() == "2026-12-02"      # 29th + 3 days
    assert unsigned["household"] == "h20" and unsigned["unit"] == "u20"
    figures = world.do(CS, revisits.figures, P, "2026-11")
    assert (figures["repairs_done"], figures["revisited"], figures["required"], figures["target_percent"]) == (
        20, 4, 6, 30)
    assert figures["rate_percent"] == 20.0

    world.until(local(2026, 12, 5, 1, 0))                 # the month's sample: the 5th, 01:00 local
    rows = [r for r in world.read(revisit_rows) if r["reason"] != "routine"]
    sampled = [r for r in rows if r["reason"] == "repair_sample"]
    assert len(sampled) == 2 and len({r["source"] for r in sampled}) == 2
    ratings_of = world.read(lambda s: {t.id: t.rating for t in s.scalars(select(Ticket))})
    assert all(ratings_of[r["source"]] >= 3 for r in sampled)                 # satisfied ones only
    assert all(r["source"] not in (repairs_by_unit["u01"], repairs_by_unit["u02"], repairs_by_unit["u03"])
               for r in sampled)
    for r in sampled:                                       # due 3 days after being scheduled, steward's
        assert r["due_at"] == local(2026, 12, 8, 1, 0)
        assert r["clock"] == [("revisit", local(2026, 12, 8, 1, 0), "steward")]
    figures = world.do(CS, revisits.figures, P, "2026-11")
    assert figures["revisited"] == 6 and figures["rate_percent"] == 30.0
    assert figures["by_reason"] == {"repair_dissatisfied": 2, "repair_unrated": 1, "repair_unsigned": 1,
                                    "repair_sample": 2}
    # the maintenance work was no repair of the rate; its own revisit waits for day 30
    assert maintenance not in {r["source"] for r in rows}
    # once reached, the month needs no more (a second run samples nothing); December's is scheduled
    assert world.do(SYSTEM, lambda w: revisits.sample_month(w, w.session.get(
        ProjectCopy, P), 2026, 11)) == []
    december = world.read(job, "revisit-sample", "p1:2026-12")
    assert december.status == "pending" and december.due_at == local(2027, 1, 5, 1, 0)
    assert world.read(job, "revisit-sample", "p1:2026-11").status == "done"


def test_the_sample_is_the_same_draw_for_the_same_project_and_month(tmp_path):
    """Seeded by project and month: the same repairs in two databases give the same sample."""
    drawn = []
    for n in range(2):
        engine = make_engine(f"sqlite:///{tmp_path}/draw{n}.db")
        Base.metadata.create_all(engine)
        w = World(sessionmaker(engine, expire_on_commit=False), ManualClock("2026-11-02T09:00:00+08:00"))
        w.do(SYSTEM, build_registry, 10, seed_jobs=False)
        for i in range(10):
            uid = unit_id(i + 1)
            ticket_id = w.repair(uid)
            w.do(occupant(uid), repair_step, ticket_id, "rate", rating=5)
        w.clock.set(local(2026, 12, 5, 1, 0))
        numbers = w.do(SYSTEM, lambda work_: [
            (t.number, work_.session.get(Ticket, work_.session.get(Revisit, t.id).source_ticket_id).number)
            for t in revisits.sample_month(work_, work_.session.get(ProjectCopy, P), 2026, 11)])
        drawn.append(numbers)
        engine.dispose()
    assert len(drawn[0]) == 3                              # 30 % of 10
    assert drawn[0] == drawn[1]


# ==============================================================================================
# the repair workflow's revisits
# ==============================================================================================

def test_unsigned_after_three_days_unless_signed_or_rated(world):
    world.do(SYSTEM, build_registry, 3, seed_jobs=False)
    unsigned, signed, rated = (world.repair(unit_id(i)) for i in (1, 2, 3))
    done_at = world.read(lambda s: s.get(Ticket, unsigned).completed_at)
    world.clock.advance(days=2)
    world.do(occupant("u02"), repair_step, signed, "confirm")          # signed in time: no unsigned check
    world.do(occupant("u03"), repair_step, rated, "rate", rating=4)

    world.until(done_at + timedelta(days=3) - timedelta(minutes=1), step=timedelta(minutes=30))
    assert [r["reason"] for r in world.read(revisit_rows)] == ["repair_unrated"]      # the signed one's

    world.until(done_at + timedelta(days=3, minutes=20), step=timedelta(minutes=1))
    rows = {r["source"]: r for r in world.read(revisit_rows)}
    assert set(rows) == {unsigned, signed}
    late = rows[unsigned]
    assert late["reason"] == "repair_unsigned" and late["number"].startswith("HF-")
    assert late["scheduled_at"] == done_at + timedelta(days=3)        # the minute its check fell due
    assert late["due_at"] == done_at + timedelta(days=6)
    assert late["clock"] == [("revisit", done_at + timedelta(days=6), "steward")]
    assert rows[signed]["reason"] == "repair_unrated"
    # the signature and the rating cancelled their checks
    keys = world.read(lambda s: {j.key.split(":")[0]: j.status for j in s.scalars(
        select(ScheduledJob).where(ScheduledJob.kind == "revisit-unsigned"))})
    assert keys == {unsigned: "done", signed: "cancelled", rated: "cancelled"}
    # rated satisfied afterwards: the unsigned revisit stays, nothing more
    world.do(occupant("u01"), repair_step, unsigned, "rate", rating=5)
    assert len(world.read(revisit_rows)) == 2


def test_a_dissatisfied_rating_is_revisited_and_the_threshold_is_a_setting(world):
    world.do(SYSTEM, build_registry, 4)
    first, second = world.repair("u01"), world.repair("u02")
    world.do(occupant("u01"), repair_step, first, "rate", rating=3)
    assert world.read(revisit_rows) == []                        # 3 > 2: satisfied by default
    world.do(CENTRE, repairs.set_setting, P, "revisit.repair_dissatisfied_rating", 3, reason="stricter")
    world.do(occupant("u02"), repair_step, second, "rate", rating=3)
    [row] = world.read(revisit_rows)
    assert (row["source"], row["reason"], row["household"]) == (second, "repair_dissatisfied", "h02")
    assert row["due_at"] == world.clock.now() + timedelta(days=3)
    # signed without a rating, then rated 1 later: both reasons, each once
    third = world.repair("u03")
    world.do(occupant("u03"), repair_step, third, "confirm")
    world.do(occupant("u03"), repair_step, third, "rate", rating=1)
    assert sorted(r["reason"] for r in world.read(revisit_rows) if r["source"] == third) == [
        "repair_dissatisfied", "repair_unrated"]
    # reopened and closed dissatisfied again: still one revisit of that reason
    world.do(occupant("u03"), repair_step, third, "reopen", reason="又漏了")
    for action in ("accept", "arrive", "complete"):
        world.do(BY[action], repair_step, third, action)
    world.do(occupant("u03"), repair_step, third, "rate", rating=1)
    assert sorted(r["reason"] for r in world.read(revisit_rows) if r["source"] == third) == [
        "repair_dissatisfied", "repair_unrated"]


def test_maintenance_works_are_revisited_on_day_thirty(world):
    world.do(SYSTEM, build_registry, 1, seed_jobs=False)
    with pytest.raises(StaffOnlyCategory):
        world.do(occupant("u01"), repairs.open_repair, {"unit_id": "u01", "category": "maintenance",
                                                       "content": "外墙维修"})
    works = world.repair(None, category="maintenance")
    done_at = world.read(lambda s: s.get(Ticket, works).completed_at)
    # no unsigned check for maintenance works: their own revisit job instead
    assert world.read(job, "revisit-unsigned", f"{works}:{int(done_at.timestamp())}") is None
    assert world.read(job, "revisit-maintenance", f"{works}:{int(done_at.timestamp())}").due_at == (
        done_at + timedelta(days=30))

    world.until(done_at + timedelta(days=30) - timedelta(minutes=1), step=timedelta(days=1))
    assert world.read(revisit_rows) == []
    world.until(done_at + timedelta(days=30))
    [row] = world.read(revisit_rows)
    assert (row["reason"], row["source"], row["unit"]) == ("maintenance", works, None)
    assert row["scheduled_at"] == done_at + timedelta(days=30)
    assert row["due_at"] == done_at + timedelta(days=60)              # within two months of the works
    assert row["clock"] == [("revisit", done_at + timedelta(days=60), "steward")]


# ==============================================================================================
# complaints: revisited within 3 days of their handling
# ==============================================================================================

def complaint_ticket(w, *, resolved_at: datetime, unit: str | None = "u01") -> Ticket:
    """A complaint as the complaints' rules leave it once resolved (built from the models)."""
    now = w.clock.now()
    project = w.session.get(ProjectCopy, P)
    copy = w.session.get(UnitCopy, unit) if unit else None
    ticket = Ticket(id=str(uuid.uuid4()), group_id=G, project_id=P, number=f"TS-{uuid.uuid4().hex[:8]}",
                    kind="complaint", category="cleaning", channel="phone", status="resolved",
                    unit_id=unit, unit_label=copy.label if copy else None,
                    household_id=copy.household_id if copy else None, location=copy.label if copy else project.name,
                    content="楼道垃圾三天没人清", reporter_name="张先生", reporter_phone="13800001111",
                    received_at=now, recorded_at=now, recorded_by="desk", updated_at=now, version=3)
    ticket.deadlines, ticket.history = [], []
    w.session.add(ticket)
    w.session.flush()
    w.session.add(Complaint(ticket_id=ticket.id, group_id=G, project_id=P, complaint_class="minor",
                            department="cleaning", form="oral", resolved_at=resolved_at))
    w.session.flush()
    return ticket


def test_every_complaint_is_revisited_within_three_days_of_its_resolution(session, clock):
    w = work(session, clock, SYSTEM)
    build_registry(w, 2, seed_jobs=False)
    resolved = clock.now() - timedelta(hours=5)
    complaint = complaint_ticket(w, resolved_at=resolved)
    revisit = revisits.schedule_for_complaint(w, complaint)
    row = session.get(Revisit, revisit.id)
    assert (revisit.kind, revisit.status, revisit.category, revisit.channel) == (
        "revisit", "scheduled", "complaint", "system")
    assert revisit.number == "HF-20261124-0001"
    assert (row.reason, row.source_ticket_id, row.household_id) == ("complaint", complaint.id, "h01")
    assert row.due_at == resolved + timedelta(days=3)
    [clock_row] = revisit.deadlines
    assert (clock_row.kind, clock_row.due_at, clock_row.responsible_role) == (
        "revisit", resolved + timedelta(days=3), "cs_manager")
    # who to call: the complainant
    assert (revisit.reporter_name, revisit.reporter_phone, revisit.unit_id) == ("张先生", "13800001111", "u01")
    # called again (a redelivery, a second resolution): the same revisit
    assert revisits.schedule_for_complaint(w, complaint).id == revisit.id
    assert session.scalar(select(Revisit.ticket_id).where(Revisit.source_ticket_id == complaint.id)) == revisit.id
    assert len(session.scalars(select(Revisit)).all()) == 1
    # the figure is the project's: 5 days from now on
    repairs.set_setting(work(session, clock, CENTRE), P, "revisit.complaint_within_days", 5)
    w = work(session, clock, SYSTEM)                      # a new unit of work reads the settings anew
    other = complaint_ticket(w, resolved_at=clock.now(), unit=None)
    assert session.get(Revisit, revisits.schedule_for_complaint(w, other).id).due_at == clock.now() + timedelta(days=5)
    # ticket.changed carries the revisit part
    changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "ticket.changed"]
    part = next(c for c in changed if c["ticket_id"] == revisit.id)["revisit"]
    assert part["reason"] == "complaint" and part["source_ticket_id"] == complaint.id and part["done_at"] is None


def test_a_complaint_resolved_through_its_workflow_is_revisited(session, clock):
    """The complaints' resolve step schedules the revisit (complaints.transition calls
    schedule_for_complaint): due 3 days after the resolution, the CS manager's."""
    from services.tickets.domain import complaints
    from services.tickets.schemas import ComplaintStepIn
    build_registry(work(session, clock, SYSTEM), 1, seed_jobs=False)
    complaint = complaints.register(work(session, clock, DESK), {
        "project_id": P, "unit_id": "u01", "channel": "phone", "form": "oral", "department": "cleaning",
        "content": "楼道垃圾三天没人清", "reporter_name": "张先生"})
    for action, caller, body in (("dispatch", DESK, {}), ("respond", CS, {"note": "已安排"}),
                                 ("resolve", CS, {"note": "已清理"})):
        clock.advance(hours=1)
        complaints.transition(work(session, clock, caller), complaint.id, action,
                              ComplaintStepIn().load({"action": action, **body}))
    [row] = session.scalars(select(Revisit)).all()
    assert (row.reason, row.source_ticket_id, row.household_id) == ("complaint", complaint.id, "h01")
    assert row.due_at == clock.now() + timedelta(days=3)
    assert [(d.kind, d.responsible_role) for d in session.get(Ticket, row.ticket_id).deadlines] == [
        ("revisit", "cs_manager")]


def test_one_revisit_per_source_and_reason_even_when_written_twice(session, clock):
    w = work(session, clock, SYSTEM)
    build_registry(w, 1, seed_jobs=False)
    complaint = complaint_ticket(w, resolved_at=clock.now())
    first = revisits.schedule_for_complaint(w, complaint)
    session.add(Ticket(id="dup", group_id=G, project_id=P, number="HF-dup", kind="revisit", category="complaint",
                       channel="system", status="scheduled", location="", content="", reporter_name="",
                       received_at=clock.now(), recorded_at=clock.now(), recorded_by="x", updated_at=clock.now()))
    session.flush()
    session.add(Revisit(ticket_id="dup", group_id=G, project_id=P, reason="complaint",
                        source_ticket_id=complaint.id, due_at=clock.now()))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()
    assert first.id


# ==============================================================================================
# the routine plan: every occupied household within 12 months
# ==============================================================================================

def test_the_routine_plan_visits_every_occupied_household_within_twelve_months(world):
    """30 occupied households and 3 vacant units; the plan runs on the 1st of each month from
    December (the project arrived in November). Each month's visits are recorded, except one
    household that cannot be reached (it is planned again). After 12 months every household was
    planned -- never a vacant unit -- and none has two open routine revisits."""
    world.do(SYSTEM, build_registry, 30, 3)
    households = {f"h{i:02d}" for i in range(1, 31)}
    planned_by_month: dict[str, list[str]] = {}
    year, month = 2026, 12
    for _ in range(12):
        world.until(local(year, month, 1, 1, 0), step=timedelta(days=1))
        key = f"{year:04d}-{month:02d}"
        rows = [r for r in world.read(revisit_rows) if r["reason"] == "routine"
                and r["scheduled_at"] == local(year, month, 1, 1, 0)]
        planned_by_month[key] = [r["household"] for r in rows]
        next_year, next_month = revisits.add_months(year, month, 1)
        for r in rows:
            assert r["due_at"] == local(next_year, next_month, 1) and r["unit"] is not None
            world.clock.advance(hours=1)
            if r["household"] == "h05" and key == "2026-12":
                world.do(STEWARD, revisit_step, r["id"], "unreachable", reason="电话无人接听")
            else:
                world.do(STEWARD, revisit_step, r["id"], "record", quality=5, effect=4, satisfaction="satisfied")
        year, month = next_year, next_month

    assert all(len(planned) == 3 for planned in planned_by_month.values())           # ceil(30 / 12)
    planned = [h for month_plan in planned_by_month.values() for h in month_plan]
    assert set(planned) == households                       # everyone within 12 months, no vacant unit
    assert planned.count("h05") == 2                        # unreachable: planned again
    assert planned_by_month["2026-12"] == ["h01", "h02", "h03"]
    assert planned_by_month["2027-01"][0] == "h04"          # never-visited first, in unit order
    # the chain goes on: next month's plan is scheduled
    assert world.read(job, "revisit-routine", "p1:2027-12").status == "pending"


def test_a_household_whose_twelve_months_run_out_is_never_left_out(session, clock):
    """24 households: 2 a month. One was visited on 15 October 2025: its 12 months run out in
    October 2026, so September's plan (due by its end) takes it, though never-visited households
    would fill the share."""
    w = work(session, clock, SYSTEM)
    build_registry(w, 24, seed_jobs=False)
    project = session.get(ProjectCopy, P)
    clock.set(local(2025, 10, 15, 10, 0))
    old = revisits._open(w, project, "routine", due_at=local(2025, 11, 1), unit=session.get(UnitCopy, "u24"),
                         content="例行回访")
    revisit_step(work(session, clock, STEWARD), old.id, "record", quality=4, effect=4, satisfaction="neutral")
    clock.set(local(2026, 5, 3, 10, 0))
    recent = revisits._open(w, project, "routine", due_at=local(2026, 6, 1), unit=session.get(UnitCopy, "u23"),
                            content="例行回访")
    revisit_step(work(session, clock, STEWARD), recent.id, "record", quality=4, effect=4, satisfaction="satisfied")

    clock.set(local(2026, 8, 1, 1, 0))
    august = revisits.plan_routine(w, project, 2026, 8)
    assert [t.household_id for t in august] == ["h01", "h02"]           # u24 can still wait a month
    clock.set(local(2026, 9, 1, 1, 0))
    september = revisits.plan_routine(w, project, 2026, 9)
    assert [t.household_id for t in september] == ["h03", "h24"]        # due, then the share
    assert session.get(Revisit, september[1].id).due_at == local(2026, 10, 1)   # before 15 October
    assert "h23" not in {t.household_id for t in august + september}    # visited in May
    # planned again the same month: households with an open routine revisit are not planned twice
    again = revisits.plan_routine(w, project, 2026, 9)
    assert {t.household_id for t in again}.isdisjoint({"h01", "h02", "h03", "h24"})


def test_a_project_s_monthly_jobs_are_seeded_once(session, clock):
    w = work(session, clock, SYSTEM)
    build_registry(w, 1)
    revisits.seed_monthly_jobs(w, P)                     # project.changed again
    jobs = session.scalars(select(ScheduledJob).where(ScheduledJob.kind.like("revisit-%"))).all()
    assert sorted((j.kind, j.key, j.due_at) for j in jobs) == [
        ("revisit-routine", "p1:2026-12", local(2026, 12, 1, 1, 0)),
        ("revisit-sample", "p1:2026-11", local(2026, 12, 5, 1, 0)),
    ]


# ==============================================================================================
# recording a revisit
# ==============================================================================================

@pytest.fixture
def dissatisfied(world):
    """A repair rated 1: its revisit, scheduled."""
    world.do(SYSTEM, build_registry, 2)
    repair = world.repair("u01")
    world.do(occupant("u01"), repair_step, repair, "rate", rating=1, comment="还在漏")
    [row] = world.read(revisit_rows)
    return repair, row["id"]


def test_the_steward_s_lists_of_revisits_due_and_overdue(world, dissatisfied):
    _, revisit = dissatisfied

    def listed(caller=STEWARD, **query):
        return world.do(caller, lambda w: [t.id for t in revisits.list_revisits(w, P, **query)[0]])

    assert listed(due="due") == [revisit] and listed(due="overdue") == []
    # the front desk does not read revisits (their roles do), not even through the general list
    assert world.do(DESK, lambda w: [t.id for t in repairs.list_tickets(w, project_id=P, kind="revisit")[0]]) == []
    assert world.do(CS, lambda w: [t.id for t in repairs.list_tickets(w, project_id=P, kind="revisit")[0]]) == [
        revisit]
    world.do(CS, revisit_step, revisit, "assign", assignee_id="steward.wu", assignee_name="吴管家")
    assert listed(assignee_id="steward.wu") == [revisit] and listed(assignee_id="steward.li") == []
    assert listed(reason="repair_dissatisfied") == [revisit] and listed(reason="routine") == []
    world.clock.advance(days=3, minutes=1)
    assert listed(due="due") == [] and listed(due="overdue") == [revisit]
    with pytest.raises(Forbidden):
        listed(TECH)                                      # engineering does not revisit


def test_recording_a_revisit_follows_its_table(world, dissatisfied):
    repair, revisit = dissatisfied
    record = dict(quality=4, effect=5, satisfaction="satisfied", shortcomings="师傅没穿鞋套", suggestions="无")
    with pytest.raises(ValidationError):
        revisit_step(None, revisit, "record", quality=4)                  # effect, satisfaction missing
    with pytest.raises(ValidationError):
        RevisitStepIn().load({"action": "record", "quality": 6, "effect": 1, "satisfaction": "satisfied"})
    with pytest.raises(NotARevisit):
        world.do(STEWARD, revisit_step, repair, "record", **record)
    with pytest.raises(Forbidden):
        world.do(ENG_MGR, repair_step, revisit, "dispatch")                # engineering does not read revisits
    with pytest.raises(TransitionNotAllowed):
        world.do(CS, repair_step, revisit, "dispatch")                     # and a revisit is no repair
    with pytest.raises(Forbidden):
        world.do(TECH, revisit_step, revisit, "record", **record)
    with pytest.raises(TicketNotFound):                                   # the household never sees it
        world.do(occupant("u01"), revisit_step, revisit, "record", **record)
    with pytest.raises(Forbidden):
        world.do(STEWARD, revisit_step, revisit, "cancel", reason="不用了")   # the manager's step
    world.do(CS, revisit_step, revisit, "assign", assignee_id="steward.wu", assignee_name="吴管家")
    with pytest.raises(NotAssignedToYou):
        world.do(OTHER_STEWARD, revisit_step, revisit, "record", **record)

    world.clock.advance(hours=4)
    world.do(STEWARD, revisit_step, revisit, "unreachable", reason="家中无人")
    world.clock.advance(hours=20)
    world.do(STEWARD, revisit_step, revisit, "record", **record)            # reached the next day
    with pytest.raises(TransitionNotAllowed):
        world.do(STEWARD, revisit_step, revisit, "record", **record)

    def state(session):
        ticket, row = session.get(Ticket, revisit), session.get(Revisit, revisit)
        return (ticket.status, [h.action for h in ticket.history], row.quality, row.effect, row.satisfaction,
                row.shortcomings, row.done_by, row.done_at, row.complaint_ticket_id,
                [(d.kind, d.cancelled_at is not None, d.met_at) for d in ticket.deadlines])
    assert world.read(state) == (
        "done", ["scheduled", "assign", "unreachable", "record"], 4, 5, "satisfied", "师傅没穿鞋套", "steward.wu",
        world.clock.now(), None, [("revisit", True, None)])
    moves = world.read(lambda s: [(e["data"]["from"], e["data"]["to"], e["data"]["action"])
                                  for e in outbox_events(s, Base) if e["type"] == "ticket.status_changed"
                                  and e["data"]["ticket_id"] == revisit])
    assert moves == [("scheduled", "scheduled", "assign"), ("scheduled", "unreachable", "unreachable"),
                     ("unreachable", "done", "record")]
    # the assignment says whom, by when and about which of the household's tickets (notify's revisit request)
    assigned = world.read(lambda s: next(e["data"] for e in outbox_events(s, Base)
                                         if e["type"] == "ticket.status_changed" and e["data"]["ticket_id"] == revisit))
    facts = world.read(lambda s: (s.get(Revisit, revisit).due_at, s.get(Ticket, repair).number))
    assert assigned["assignee"] == {"user_id": "steward.wu", "name": "吴管家"}
    assert datetime.fromisoformat(assigned["due_at"]) == facts[0]
    assert assigned["revisited"] == {"ticket_id": repair, "number": facts[1], "kind": "repair",
                                     "category": "public_area"}
    snapshot = world.read(lambda s: [e["data"] for e in outbox_events(s, Base) if e["type"] == "ticket.changed"
                                     and e["data"]["ticket_id"] == revisit][-1])
    assert snapshot["status"] == "done" and snapshot["revisit"]["quality"] == 4
    assert snapshot["revisit"]["satisfaction"] == "satisfied" and snapshot["assignee"]["user_id"] == "steward.wu"


def test_a_revisit_recorded_in_time_meets_its_clock_and_the_manager_may_cancel_another(world, dissatisfied):
    _, revisit = dissatisfied
    world.clock.advance(hours=3)
    world.do(STEWARD, revisit_step, revisit, "record", quality=5, effect=5, satisfaction="satisfied")
    assert world.read(lambda s: [(d.met_at, d.next_alert_at) for d in s.get(Ticket, revisit).deadlines]) == [
        (world.clock.now(), None)]
    other = world.repair("u02")
    world.do(occupant("u02"), repair_step, other, "confirm")
    unrated = next(r["id"] for r in world.read(revisit_rows) if r["source"] == other)
    world.do(CS, revisit_step, unrated, "cancel", reason="业主已搬走")
    assert world.read(lambda s: (s.get(Ticket, unrated).status, s.get(Ticket, unrated).cancel_reason)) == (
        "cancelled", "业主已搬走")


def test_a_dissatisfied_revisit_opens_a_complaint_linked_to_it(world, dissatisfied):
    repair, revisit = dissatisfied
    world.clock.advance(hours=2)
    world.do(STEWARD, revisit_step, revisit, "record", quality=2, effect=1, satisfaction="dissatisfied",
             shortcomings="修了还漏", suggestions="换整个龙头")

    def linked(session):
        row = session.get(Revisit, revisit)
        complaint = session.get(Ticket, row.complaint_ticket_id)
        facts = session.get(Complaint, complaint.id)
        return row, complaint, facts
    row, complaint, facts = world.read(linked)
    assert complaint.kind == "complaint" and complaint.number.startswith("TS-")
    reporter = world.read(lambda s: s.get(Ticket, repair).reporter_name)
    assert (complaint.channel, complaint.unit_id, complaint.reporter_name) == ("revisit", "u01", reporter)
    assert "修了还漏" in complaint.content and "换整个龙头" in complaint.content
    assert (facts.revisit_ticket_id, facts.form, facts.department) == (revisit, "oral", "engineering")
    events = world.read(lambda s: outbox_events(s, Base))
    registered = [e["data"] for e in events if e["type"] == "complaint.registered"]
    assert [r["revisit_ticket_id"] for r in registered] == [revisit]
    snapshot = [e["data"] for e in events if e["type"] == "ticket.changed" and e["data"]["ticket_id"] == revisit][-1]
    assert snapshot["revisit"]["complaint_ticket_id"] == complaint.id
    assert snapshot["history"][-1]["note"].endswith(f"complaint {complaint.number}")


def test_revisits_are_read_by_their_roles_only_not_through_the_general_ticket_routes(tmp_path):
    """Engineering, the front desk and finance get no revisit through ``list_tickets`` /
    ``get_ticket`` (a revisit records the household's satisfaction and words); the household
    never sees the centre's task about it; stewards and managers do."""
    from kernel.errors import Forbidden
    from services.tickets.models import Base, ProjectCopy, Ticket
    from kernel.testing import domain_session
    G_, P_ = "g-r", "p-r"
    clock = ManualClock("2026-11-24T09:00:00+08:00")
    with domain_session(Base) as session:
        session.add(ProjectCopy(id=P_, group_id=G_, name="绿湖花园", timezone="Asia/Shanghai", version=1))
        now = clock.now()
        for kind, number in (("revisit", "HF-1"), ("repair", "BX-1")):
            session.add(Ticket(id=number, group_id=G_, project_id=P_, number=number, kind=kind, category="x",
                               channel="system", status="scheduled", unit_id="u-r", location="", content="回访",
                               reporter_name="", received_at=now, recorded_at=now, recorded_by="system",
                               updated_at=now, version=1))
        session.flush()
        for role in ("engineering", "front_desk", "finance"):
            w = work(session, clock, staff(G_, [P_], roles=[role]))
            assert [t.number for t in repairs.list_tickets(w, project_id=P_)[0]] == ["BX-1"]
            assert repairs.list_tickets(w, project_id=P_, kind="revisit")[1] == 0
            with pytest.raises(Forbidden):
                repairs.get_ticket(w, "HF-1")
        home = work(session, clock, resident(G_, ["u-r"]))
        assert [t.number for t in repairs.list_tickets(home)[0]] == ["BX-1"]
        with pytest.raises(TicketNotFound):
            repairs.get_ticket(home, "HF-1")
        for role in ("steward", "cs_manager", "centre_manager"):
            w = work(session, clock, staff(G_, [P_], roles=[role]))
            assert sorted(t.number for t in repairs.list_tickets(w, project_id=P_)[0]) == ["BX-1", "HF-1"]
            assert repairs.get_ticket(w, "HF-1").number == "HF-1"
