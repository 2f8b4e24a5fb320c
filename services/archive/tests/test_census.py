"""The stewards' areas (管家片区) and the household census (住户普查), driven by a ManualClock on a real
database (SQLite and PostgreSQL) with archive's own job runner: a task falls due three months after
move-in, is listed overdue per steward, a confirmation schedules the next from its date, a
correction changes the file and says which fields; two replicas open each task once."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import eventlet
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound
from kernel.jobs import JobExecutor
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, outbox_events, resident, staff
from kernel.work import Work
from services.archive import schemas
from services.archive.domain import census, registry
from services.archive.domain.settings import SETTINGS
from services.archive.events import CONTRACT
from services.archive.exceptions import (CensusTransitionNotAllowed, NotAssignedToYou, NothingCorrected,
                                         PersonNotInHousehold, StewardAssignmentNotFound, UnitNotFound)
from services.archive.models import Base, CensusTask, FileAccessLog, Household, ScheduledJob
from services.archive.service import JOB_HANDLERS

G = "group-1"
SYSTEM = Caller.system(G, "test")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
STEWARD_A = staff(G, ["p1"], roles=["steward"], user_id="st-a")
STEWARD_B = staff(G, ["p1"], roles=["steward"], user_id="st-b")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")


@pytest.fixture
def Session(db_url):
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=SYSTEM) -> Work:
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=SETTINGS)


def runner(Session, clock) -> JobExecutor:
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, JOB_HANDLERS, service="archive",
                       settings=SETTINGS, every={census.SEED_JOB: census.SEED_EVERY})


def run(Session, clock, fn, caller=SYSTEM):
    with Session() as s, s.begin():
        return fn(work(s, clock, caller))


@pytest.fixture
def estate(Session, clock):
    """Project p1: building b1 (units u1, u2), building b2 (unit u3). h1 in u1 moved in today, with an
    owner and a family member; h3 in u3 moved in today. u2 is vacant."""
    def build(w):
        registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                      "kind": "residential", "timezone": "Asia/Shanghai"})
        for b in ("b1", "b2"):
            registry.register_building(w, {"id": b, "project_id": "p1", "name": b, "floors": 18})
        for u, b in (("u1", "b1"), ("u2", "b1"), ("u3", "b2")):
            registry.register_unit(w, {"id": u, "building_id": b, "number": u, "floor": 1,
                                       "building_area": Decimal("89.37")})
        for h, u, n in (("h1", "u1", 1), ("h3", "u3", 3)):
            registry.move_in(w, {"id": h, "unit_id": u, "moved_in_on": date(2026, 11, 24), "people": [
                {"id": f"{h}-owner", "name": "张伟", "role": "owner", "phone": f"1381234567{n}",
                 "id_number": "110101199001011237"},
                {"id": f"{h}-family", "name": "李娜", "role": "family", "phone": f"1398765432{n}"}]})
    run(Session, clock, build)


def assign(Session, clock, building, steward, unit=None, caller=CS):
    name = {"st-a": "王管家", "st-b": "赵管家"}[steward]
    return run(Session, clock, lambda w: census.assign_steward(w, "p1", schemas.StewardAssignIn().load({
        "building_id": building, "unit_id": unit, "steward_id": steward, "steward_name": name,
        "work_phone": "0571-88880001"})), caller)


def tasks(Session, status=None):
    with Session() as s:
        q = select(CensusTask).order_by(CensusTask.household_id, CensusTask.due_on)
        return list(s.scalars(q if status is None else q.where(CensusTask.status == status)))


def sweep_today(Session, clock):
    """What the daily job does, for the project, today."""
    return run(Session, clock, lambda w: census.sweep(w, w.session.get(census.Project, "p1")))


# -- stewards' areas ------------------------------------------------------------------------------------

def test_a_unit_has_its_buildings_steward_unless_it_has_its_own(Session, clock, estate):
    assign(Session, clock, "b1", "st-a")
    assign(Session, clock, "b1", "st-b", unit="u2")
    found = run(Session, clock, lambda w: census.steward_for_unit(w, "u1"), STEWARD_B)
    assert (found["steward_id"], found["steward_name"], found["work_phone"], found["source"]) == \
        ("st-a", "王管家", "0571-88880001", "building")
    own = run(Session, clock, lambda w: census.steward_for_unit(w, "u2"), resident(G, ["u2"]))
    assert (own["steward_id"], own["source"]) == ("st-b", "unit")        # a resident reads their own
    assert run(Session, clock, lambda w: census.steward_for_unit(w, "u3")) is None
    with pytest.raises(UnitNotFound):                                      # ... not a neighbour's
        run(Session, clock, lambda w: census.steward_for_unit(w, "u1"), resident(G, ["u2"]))

    removed = run(Session, clock, lambda w: census.remove_steward(w, "p1", {"building_id": "b1", "unit_id": "u2"}))
    assert removed["steward_id"] is None and removed["version"] == 2
    assert run(Session, clock, lambda w: census.steward_for_unit(w, "u2"))["steward_id"] == "st-a"
    with pytest.raises(StewardAssignmentNotFound):
        run(Session, clock, lambda w: census.remove_steward(w, "p1", {"building_id": "b1", "unit_id": "u2"}))

    with Session() as s:
        published = [e for e in outbox_events(s, Base) if e["type"] == "steward.assigned"]
    assert [(e["data"]["unit_id"], e["data"]["steward_id"], e["data"]["version"]) for e in published] == \
        [(None, "st-a", 1), ("u2", "st-b", 1), ("u2", None, 2)]
    # the same assignment again changes nothing and publishes nothing
    assert assign(Session, clock, "b1", "st-a")[1] is False


def test_only_the_managers_assign_and_only_in_their_project(Session, clock, estate):
    with pytest.raises(Forbidden):
        assign(Session, clock, "b1", "st-a", caller=STEWARD_A)
    with pytest.raises(NotFound):                           # another project's: as if there were none
        assign(Session, clock, "b1", "st-a", caller=staff(G, ["p2"], roles=["cs_manager"]))
    with pytest.raises(UnitNotFound):                       # u3 is in b2, not b1
        assign(Session, clock, "b1", "st-a", unit="u3")


# -- the census -------------------------------------------------------------------------------------------

def test_a_census_falls_due_three_months_after_move_in_and_is_listed_overdue_per_steward(Session, clock, estate):
    assign(Session, clock, "b1", "st-a")
    assert sweep_today(Session, clock) == (0, False) and tasks(Session) == []
    clock.set("2027-02-16T09:00:00+08:00")                  # 8 days before the due date: not yet
    assert sweep_today(Session, clock)[0] == 0
    clock.set("2027-02-17T09:00:00+08:00")                  # 7 days before (archive.census_lead_days)
    assert sweep_today(Session, clock)[0] == 2
    assert sweep_today(Session, clock)[0] == 0             # one open task per household
    h1, h3 = tasks(Session)
    assert (h1.household_id, h1.due_on, h1.steward_id, h1.steward_name) == ("h1", date(2027, 2, 24), "st-a", "王管家")
    assert (h3.household_id, h3.due_on, h3.steward_id) == ("h3", date(2027, 2, 24), None)   # b2 has no steward

    mine = run(Session, clock, lambda w: census.my_tasks(w, {"state": "due"}), STEWARD_A)
    assert [t["household_id"] for t in mine["items"]] == ["h1"] and mine["items"][0]["unit_label"] == "b1-u1"
    clock.set("2027-02-25T09:00:00+08:00")
    overdue = run(Session, clock, lambda w: census.my_tasks(w, {"state": "overdue"}), STEWARD_A)
    assert [(t["household_id"], t["overdue"]) for t in overdue["items"]] == [("h1", True)]
    per_steward = run(Session, clock, lambda w: census.overdue_by_steward(w, "p1"), CS)
    assert per_steward == [
        {"steward_id": None, "steward_name": "", "open": 1, "overdue": 1, "oldest_due_on": date(2027, 2, 24)},
        {"steward_id": "st-a", "steward_name": "王管家", "open": 1, "overdue": 1, "oldest_due_on": date(2027, 2, 24)}]
    listed = run(Session, clock, lambda w: census.list_tasks(w, "p1", {"state": "overdue", "steward_id": "unassigned"}),
                 CS)
    assert listed["total"] == 1 and listed["items"][0]["household_id"] == "h3"
    with pytest.raises(Forbidden):                           # the managers' view
        run(Session, clock, lambda w: census.overdue_by_steward(w, "p1"), STEWARD_A)
    with pytest.raises(Forbidden):
        run(Session, clock, lambda w: census.list_tasks(w, "p1", {}), DESK)

    # assigning b2 moves its open task to the new steward
    assign(Session, clock, "b2", "st-b")
    assert [t.steward_id for t in tasks(Session, "open")] == ["st-a", "st-b"]


def test_a_confirmation_schedules_the_next_census_from_its_date(Session, clock, estate):
    assign(Session, clock, "b1", "st-a")
    clock.set("2027-02-17T09:00:00+08:00")
    sweep_today(Session, clock)
    h1 = tasks(Session)[0]
    clock.set("2027-03-01T10:00:00+08:00")                   # five days late
    with pytest.raises(NotAssignedToYou):
        run(Session, clock, lambda w: census.confirm(w, h1.id, {}), STEWARD_B)
    done = run(Session, clock, lambda w: census.task_views(w, [census.confirm(w, h1.id, {"note": "无变化"})],
                                                           {"p1": date(2027, 3, 1)})[0], STEWARD_A)
    assert (done["status"], done["done_on"], done["next_due_on"], done["done_by"]["user_id"]) == \
        ("confirmed", date(2027, 3, 1), date(2027, 6, 1), "st-a")
    with pytest.raises(CensusTransitionNotAllowed):
        run(Session, clock, lambda w: census.confirm(w, h1.id, {}), STEWARD_A)

    clock.set("2027-05-24T09:00:00+08:00")                   # 8 days before 1 June
    sweep_today(Session, clock)
    assert [t.household_id for t in tasks(Session, "open")] == ["h3"]
    clock.set("2027-05-25T09:00:00+08:00")
    sweep_today(Session, clock)
    following = [t for t in tasks(Session, "open") if t.household_id == "h1"]
    assert [t.due_on for t in following] == [date(2027, 6, 1)]

    summary = run(Session, clock, lambda w: census.household_summary(w, "u1"), CS)
    assert summary["census"] == {"open_task": {"id": following[0].id, "due_on": date(2027, 6, 1), "overdue": False},
                                 "last_done_on": date(2027, 3, 1), "next_due_on": date(2027, 6, 1)}


def test_a_correction_changes_the_file_records_which_fields_and_publishes_the_household(Session, clock, estate):
    clock.set("2027-02-17T09:00:00+08:00")
    sweep_today(Session, clock)
    task = tasks(Session)[0]                                  # h1, unassigned: any steward
    with pytest.raises(PersonNotInHousehold):
        run(Session, clock, lambda w: census.correct(w, task.id, {"people": [{"person_id": "h3-owner", "phone": "13800000000"}]}),
            STEWARD_B)
    with pytest.raises(NothingCorrected):
        run(Session, clock, lambda w: census.correct(w, task.id, {"people": [{"person_id": "h1-owner", "phone": "13812345671"}]}),
            STEWARD_B)
    with Session() as s:
        before = len(outbox_events(s, Base))
    data = schemas.CensusCorrectIn().load({"people": [
        {"person_id": "h1-owner", "phone": "13900001111", "marketing_consent": True},
        {"person_id": "h1-family", "marketing_consent": False}], "note": "业主换号"})
    corrected = run(Session, clock, lambda w: census.task_views(w, [census.correct(w, task.id, data)],
                                                                {"p1": date(2027, 2, 17)})[0], STEWARD_B)
    assert corrected["status"] == "corrected" and corrected["changes"] == [
        {"person_id": "h1-owner", "changed": ["phone", "marketing_consent"]},
        {"person_id": "h1-family", "changed": ["marketing_consent"]}]
    assert "13900001111" not in json.dumps(corrected, default=str)      # names of fields, not values
    with Session() as s:
        published = outbox_events(s, Base)[before:]
        assert s.get(Household, "h1").version == 2
    assert [e["type"] for e in published] == ["household.changed"]
    assert published[0]["data"]["version"] == 2 and published[0]["data"]["people"][0]["phone"] == "13900001111"

    contacts = run(Session, clock, lambda w: census.contacts_for_notify(w, "u1", None))
    assert [(p["person_id"], p["phone"], p["consents"]["marketing"]) for p in contacts["people"]] == \
        [("h1-owner", "13900001111", True), ("h1-family", "13987654321", False)]
    never_asked = run(Session, clock, lambda w: census.contacts_for_notify(w, None, "h3"))
    assert {p["consents"]["marketing"] for p in never_asked["people"]} == {None}


def test_who_reads_contacts_and_summaries_and_what_they_see(Session, clock, estate):
    with pytest.raises(Exception) as refused:
        run(Session, clock, lambda w: census.contacts_for_notify(w, "u1", None), DESK)     # no purpose
    assert refused.value.code == "purpose_required"
    with pytest.raises(Forbidden):
        run(Session, clock, lambda w: census.contacts_for_notify(w, "u1", None, "x"),
            staff(G, ["p1"], roles=["engineering"]))
    desk = run(Session, clock, lambda w: census.contacts_for_notify(w, "u1", None, "回访前核对电话"), DESK)
    assert desk["people"][0]["phone"] == "13812345671"
    with Session() as s:
        logged = s.scalars(select(FileAccessLog)).all()
    # THE access check's log (access.require_read): what was read, why, allowed
    assert [(r.reader_id, r.what, r.purpose, r.outcome) for r in logged] == [
        ("desk-1", "contacts", "回访前核对电话", "allowed")]
    assert run(Session, clock, lambda w: census.contacts_for_notify(w, "u2", None))["people"] == []

    engineer = run(Session, clock, lambda w: census.household_summary(w, "u1"), staff(G, ["p1"], roles=["engineering"]))
    assert engineer["household"]["owners"] == ["张*"] and engineer["household"]["names_masked"] is True
    assert engineer["household"]["people_by_role"] == {"family": 1, "owner": 1}
    own = run(Session, clock, lambda w: census.household_summary(w, "u1"), resident(G, ["u1"]))
    assert own["household"]["owners"] == ["张伟"] and own["census"] is None
    with pytest.raises(UnitNotFound):
        run(Session, clock, lambda w: census.household_summary(w, "u3"), resident(G, ["u1"]))
    with pytest.raises(Forbidden):          # the auditor reads the access log, not households
        run(Session, clock, lambda w: census.household_summary(w, "u1"), staff(G, ["p1"], roles=["auditor"]))
    vacant = run(Session, clock, lambda w: census.household_summary(w, "u2"), CS)
    assert vacant["household"] is None and vacant["unit"]["label"] == "b1-u2"
    dumped = schemas.HouseholdSummaryOut().dump(engineer)
    assert "13812345671" not in json.dumps(dumped) and "110101" not in json.dumps(dumped)


def test_a_moved_out_households_open_task_is_cancelled(Session, clock, estate):
    clock.set("2027-02-17T09:00:00+08:00")
    sweep_today(Session, clock)
    with Session() as s, s.begin():
        s.get(Household, "h3").status = "moved_out"
    sweep_today(Session, clock)
    assert {t.household_id: t.status for t in tasks(Session)} == {"h1": "open", "h3": "cancelled"}


# -- the daily job, with two replicas --------------------------------------------------------------------

def test_two_replicas_run_the_daily_sweep_once_per_project_and_day(Session, clock, estate):
    assign(Session, clock, "b1", "st-a")
    a, b = runner(Session, clock), runner(Session, clock)
    clock.set("2027-02-17T00:10:00+08:00")                   # the hourly seed makes today's jobs
    for _ in range(3):
        first = [eventlet.spawn(a.run_once), eventlet.spawn(b.run_once)]
        [r.wait() for r in first]
    assert tasks(Session) == []                              # the sweep is due at 01:30
    clock.set("2027-02-17T01:31:00+08:00")
    for _ in range(3):
        runs = [eventlet.spawn(a.run_once), eventlet.spawn(b.run_once)]
        [r.wait() for r in runs]
        clock.advance(minutes=1)
    assert sorted(t.household_id for t in tasks(Session)) == ["h1", "h3"]
    with Session() as s:
        sweeps = s.execute(select(ScheduledJob.key, ScheduledJob.status, ScheduledJob.attempts)
                           .where(ScheduledJob.kind == census.SWEEP_JOB)).all()
    assert sweeps == [("p1:2027-02-17", "done", 1)]

    clock.set("2027-02-18T02:00:00+08:00")                   # the next day: its own run, nothing new
    for _ in range(2):
        a.run_once(), b.run_once()
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(ScheduledJob).where(
            ScheduledJob.kind == census.SWEEP_JOB, ScheduledJob.status == "done")) == 2
    assert len(tasks(Session)) == 2


def test_a_large_sweep_goes_on_in_a_chained_job(Session, clock, estate, monkeypatch):
    clock.set("2027-02-17T01:31:00+08:00")
    with Session() as s, s.begin():
        w = work(s, clock)
        w.jobs.schedule(census.SWEEP_JOB, key="p1:2027-02-17", due_at=clock.now(), group_id=G, project_id="p1")
    monkeypatch.setattr(census, "SWEEP_BATCH", 1)
    executor = runner(Session, clock)
    while executor.run_once():
        pass
    assert sorted(t.household_id for t in tasks(Session)) == ["h1", "h3"]
    with Session() as s:
        keys = sorted(s.scalars(select(ScheduledJob.key).where(ScheduledJob.kind == census.SWEEP_JOB)))
    assert keys == ["p1:2027-02-17", "p1:2027-02-17#2"]          # one household per run
