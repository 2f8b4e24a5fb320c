"""Daily inspections (巡检) and stewards' patrols (巡视), domain/inspections.py: checklists and their
versions, rounds through their table, a failed item's one repair, the day's patrol plan by the
kernel's job runner, a missed patrol marked once and breached once by the SLA sweep. Nothing faked:
the jobs run through kernel.jobs' JobExecutor on a file SQLite database, time through ManualClock."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import alerts, copies, inspections, repairs
from services.tickets.exceptions import (ArchiveUnavailable, BadChecklist, BuildingNotFound, PatrolMissed, ResultsIncomplete, RoundNotFound,
                                         TransitionNotAllowed, UnknownChecklistItem)
from services.tickets.models import Base, InspectionArea, InspectionResult, InspectionRound, Ticket
from services.tickets.schemas import ChecklistIn, RoundStepIn
from services.tickets.tests.support import job_executor, work

G, P = "group-1", "p1"
SH = ZoneInfo("Asia/Shanghai")
SYSTEM = Caller.system(G, "tickets")
DESK = replace(staff(G, [P], roles=["front_desk"], user_id="desk"), name="前台小王")
STEWARD = replace(staff(G, [P], roles=["steward"], user_id="steward.wu"), name="吴管家")
CS = staff(G, [P], roles=["cs_manager"], user_id="cs.sun")
TECH = staff(G, [P], roles=["engineering"], user_id="eng.lh")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class World:
    def __init__(self, Session, clock: ManualClock):
        self.Session, self.clock = Session, clock
        self.runner = job_executor(Session, clock, inspections.JOBS)

    def do(self, caller, fn, *args, **kwargs):
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

    def step(self, caller, round_id, action, **body):
        data = RoundStepIn().load({"action": action, **body})
        return self.do(caller, inspections.step, round_id, action, data)

    def view(self, round_id):
        return self.do(CS, lambda w: inspections.round_view(w, inspections.get_round(w, round_id)))

    def events(self, kind=None):
        found = self.read(lambda s: outbox_events(s, Base))
        return [e for e in found if kind is None or e["type"] == kind]


@pytest.fixture
def world(db_url):
    """On SQLite and on PostgreSQL (the round's row lock, the unique result per item)."""
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    w = World(sessionmaker(engine, expire_on_commit=False), ManualClock("2026-11-24T07:00:00+08:00"))
    w.do(SYSTEM, copies.apply_project, {"project_id": P, "group_id": G, "name": "绿湖花园",
                                        "timezone": "Asia/Shanghai", "version": 1})
    yield w
    engine.dispose()


#: archive's registry as ``get_building`` answers the CS manager: {building_id: project_id}
BUILDINGS = {"b1": P, "b2": P, "b-other": "p2"}


def registry(building_id):
    """archive's answer: the building, if it is in a project of the caller's group."""
    if building_id not in BUILDINGS:
        raise BuildingNotFound(f"no building {building_id}")
    return {"id": building_id, "project_id": BUILDINGS[building_id]}


def archive_down(building_id):
    raise ArchiveUnavailable("archive did not answer within 5 s")


def area(world, name="1栋楼梯间", area_type="stairwell", ask=registry, **extra) -> str:
    return world.do(CS, lambda w: inspections.create_area(
        w, P, {"name": name, "area_type": area_type, **extra}, ask).id)


def test_an_area_s_building_is_one_of_the_project_s(world):
    for building_id in ("b-other", "' OR 1=1 --", "b9"):
        with pytest.raises(BuildingNotFound) as refused:
            area(world, building_id=building_id)
        assert refused.value.code == "building_not_found"
    with pytest.raises(ArchiveUnavailable):
        area(world, building_id="b1", ask=archive_down)
    a1 = area(world, building_id="b1")
    with pytest.raises(BuildingNotFound):
        world.do(CS, inspections.update_area, a1, {"building_id": "b-other"}, registry)
    world.do(CS, inspections.update_area, a1, {"building_id": "b2"}, registry)
    world.do(CS, inspections.update_area, a1, {"building_id": None}, registry)   # no building: nothing asked
    assert world.read(lambda s: s.get(InspectionArea, a1).building_id) is None
    assert area(world, "屋面") is not None                                         # no building named


def test_another_project_s_staff_read_areas_and_rounds_like_missing(world):
    a1 = area(world, building_id="b1")
    round_id = world.do(STEWARD, inspections.start_round, a1)
    far = staff(G, ["p2"], roles=["cs_manager", "steward"], user_id="cs.p2")
    for call in (lambda: world.do(far, inspections.get_area, a1),
                 lambda: world.do(far, inspections.update_area, a1, {"name": "x"}, registry),
                 lambda: world.do(far, inspections.start_round, a1),
                 lambda: world.do(far, inspections.get_round, round_id),
                 lambda: world.step(far, round_id, "cancel", reason="x"),
                 lambda: world.do(far, inspections.list_areas, P),
                 lambda: world.do(far, inspections.list_rounds, P),
                 lambda: world.do(far, inspections.templates, P)):
        with pytest.raises(NotFound):
            call()


def ok_all(items, **failed) -> list[dict]:
    return [{"item_code": i["code"], "outcome": "failed" if i["code"] in failed else "ok",
             "note": failed.get(i["code"])} for i in items]


# -- checklists ---------------------------------------------------------------------------

def test_the_built_in_checklists_are_the_seed_s_and_every_type_has_one(world):
    got = world.do(STEWARD, inspections.templates, P)
    assert [t["area_type"] for t in got] == ["stairwell", "roof", "elevator", "lobby_corridor", "exterior"]
    assert all(t["version"] == 0 and t["is_default"] for t in got)
    roof = next(t for t in got if t["area_type"] == "roof")
    assert [i["name"] for i in roof["items"]] == ["天台门能随手打开（严禁上锁）", "无私搭乱建", "护栏完好", "卫生良好"]
    stairwell = got[0]["items"]
    assert {"code": "ST06", "name": "灭火器未过期、未失效"} in stairwell and len(stairwell) == 11


def test_a_template_override_is_a_new_version_and_an_old_round_keeps_its_items(world):
    area_id = area(world)
    old_round = world.do(STEWARD, inspections.start_round, area_id)
    items = world.do(CS, inspections.checklist, P, "stairwell")[1]
    # rename ST01, drop ST02, keep the rest, add one
    new_items = [{"code": "ST01", "name": "楼道灯正常"}] + [{"code": i["code"], "name": i["name"]}
                                                          for i in items[2:]] + [{"name": "无堆放杂物"}]
    view = world.do(CS, inspections.set_template, P, "stairwell", ChecklistIn().load({"items": new_items})["items"],
                    "项目自定义")
    assert view["version"] == 1 and not view["is_default"]
    assert view["items"][0] == {"code": "ST01", "name": "楼道灯正常"}
    assert view["items"][-1] == {"code": "ST12", "name": "无堆放杂物"}
    assert "ST02" not in [i["code"] for i in view["items"]]
    # a second change: a removed code is never given again
    again = world.do(CS, inspections.set_template, P, "stairwell",
                     [{"code": i["code"], "name": i["name"]} for i in view["items"]] + [{"name": "扶手牢固"}])
    assert again["version"] == 2 and again["items"][-1]["code"] == "ST13"
    history = world.do(CS, inspections.template_history, P, "stairwell")
    assert [h["version"] for h in history] == [2, 1, 0]

    # the old round still has the defaults (version 0) and takes ST02; a new round has version 2
    old = world.view(old_round)
    assert old["template_version"] == 0 and old["items"][1]["code"] == "ST02"
    world.step(STEWARD, old_round, "record", results=[{"item_code": "ST02", "outcome": "ok"}])
    world.step(CS, old_round, "cancel", reason="按新检查表重新巡检")     # one spot round open per area
    new_round = world.do(STEWARD, inspections.start_round, area_id)
    new = world.view(new_round)
    assert new["template_version"] == 2 and new["items"][0]["name"] == "楼道灯正常"
    with pytest.raises(UnknownChecklistItem):
        world.step(STEWARD, new_round, "record", results=[{"item_code": "ST02", "outcome": "ok"}])


def test_checklist_changes_are_the_managers_and_must_make_sense(world):
    items = [{"name": "门完好"}]
    with pytest.raises(Forbidden):
        world.do(STEWARD, inspections.set_template, P, "roof", items)
    with pytest.raises(BadChecklist):
        world.do(CS, inspections.set_template, P, "roof", [{"code": "ZZ01", "name": "x"}])
    with pytest.raises(BadChecklist):
        world.do(CS, inspections.set_template, P, "roof", [{"name": "门完好"}, {"name": "门完好"}])
    with pytest.raises(ValidationError):
        ChecklistIn().load({"items": []})
    with pytest.raises(ValidationError):
        ChecklistIn().load({"items": [{"name": "a\u202eb"}]})


# -- rounds and the failed item's repair -------------------------------------------------------

def test_a_failed_item_opens_exactly_one_repair_ticket_even_when_resubmitted(world):
    area_id = area(world)
    round_id = world.do(STEWARD, inspections.start_round, area_id)
    world.step(STEWARD, round_id, "record", results=[
        {"item_code": "ST06", "outcome": "failed", "note": "3楼灭火器过期", "photo_ref": "3f2a9c1e-0b7d-4c55-9a4e-1d2b3c4d5e6f"}])
    # resubmitted: the same failure with a new note, then the whole round
    world.step(STEWARD, round_id, "record", results=[
        {"item_code": "ST06", "outcome": "failed", "note": "3楼、5楼灭火器过期"}])
    items = world.view(round_id)["items"]
    world.clock.advance(minutes=20)
    done = world.step(DESK, round_id, "complete", results=ok_all(items, ST06="3楼、5楼灭火器过期"))
    view = world.view(done)
    assert view["status"] == "done" and view["done_by"]["user_id"] == "desk"
    failed = next(i for i in view["items"] if i["code"] == "ST06")
    assert failed["outcome"] == "failed" and failed["note"] == "3楼、5楼灭火器过期" and failed["photo_ref"] is None

    repairs_opened = world.read(lambda s: list(s.scalars(select(Ticket).where(Ticket.kind == "repair"))))
    assert len(repairs_opened) == 1
    repair = repairs_opened[0]
    assert failed["repair_ticket_id"] == repair.id and failed["repair_number"] == repair.number
    assert repair.category == "public_area" and repair.location == "1栋楼梯间" and repair.unit_id is None
    assert view["number"] in repair.content and "ST06" in repair.content      # the repair names its source
    source = {"kind": "inspection", "round_id": round_id, "round_number": view["number"], "item_code": "ST06",
              "item_name": "灭火器未过期、未失效"}
    assert world.do(CS, lambda w: repairs.snapshot(repairs.get_ticket(w, repair.id))["source"]) == source
    opened = [e["data"] for e in world.events("ticket.changed") if e["data"]["ticket_id"] == repair.id]
    assert opened[0]["source"] == source                                   # from its first snapshot on
    clocks = world.do(CS, lambda w: sorted(d.kind for d in repairs.get_ticket(w, repair.id).deadlines))
    assert clocks == ["notify_engineering", "on_site", "record"]              # the repair path's clocks

    failed_events = world.events("inspection.item_failed")
    assert len(failed_events) == 1
    assert failed_events[0]["data"]["repair_ticket_id"] == repair.id
    completed = world.events("inspection.round_completed")
    assert len(completed) == 1 and completed[0]["data"]["failed_items"] == ["ST06"]
    assert completed[0]["data"]["repair_ticket_ids"] == [repair.id]
    assert world.read(lambda s: len(s.scalars(select(InspectionResult)).all())) == 11


def test_a_round_follows_its_table(world):
    area_id = area(world, "小区外观", "exterior")
    round_id = world.do(STEWARD, inspections.start_round, area_id)
    with pytest.raises(ResultsIncomplete) as refused:
        world.step(STEWARD, round_id, "complete", results=[{"item_code": "EX01", "outcome": "ok"}])
    assert "EX02" in refused.value.details["missing"]
    with pytest.raises(Forbidden):                       # engineering records no round
        world.step(TECH, round_id, "record", results=[{"item_code": "EX01", "outcome": "ok"}])
    with pytest.raises(Forbidden):                       # cancelling is a manager's
        world.step(STEWARD, round_id, "cancel", reason="下雨")
    with pytest.raises(ValidationError):
        RoundStepIn().load({"action": "cancel"})
    with pytest.raises(ValidationError):
        RoundStepIn().load({"action": "record", "results": [{"item_code": "EX01", "outcome": "ok",
                                                             "photo_ref": "../etc/passwd"}]})
    with pytest.raises(ValidationError):
        RoundStepIn().load({"action": "miss"})           # the platform's step only
    world.step(CS, round_id, "cancel", reason="重复")
    with pytest.raises(TransitionNotAllowed):
        world.step(STEWARD, round_id, "record", results=[{"item_code": "EX01", "outcome": "ok"}])
    # residents see no round at all
    with pytest.raises(RoundNotFound):
        world.do(resident(G, ["u1"]), inspections.get_round, round_id)


# -- the patrol plan ---------------------------------------------------------------------------

def test_the_patrol_plan_for_a_day_two_windows_each_to_the_area_s_steward(world):
    a1 = area(world, steward_id="steward.wu", steward_name="吴管家")
    world.do(SYSTEM, inspections.apply_steward, {
        "building_id": "b2", "group_id": G, "project_id": P, "unit_id": None, "steward_id": "steward.li",
        "steward_name": "李管家", "assigned_at": local(2026, 11, 1, 9), "version": 1})
    a2 = area(world, "2栋电梯", "elevator", building_id="b2")      # its building's steward
    world.run_jobs()                                               # today's plan job: nothing twice
    rounds = world.read(lambda s: s.execute(select(InspectionRound, Ticket).join(
        Ticket, Ticket.id == InspectionRound.ticket_id).order_by(InspectionRound.area_id, InspectionRound.slot)).all())
    plan = {(r.area_id, r.slot): (r.day, r.window_start, r.due_at, t.assignee_id, t.status) for r, t in rounds}
    today = date(2026, 11, 24)
    assert plan == {
        (a1, 1): (today, local(2026, 11, 24, 8), local(2026, 11, 24, 12), "steward.wu", "planned"),
        (a1, 2): (today, local(2026, 11, 24, 14), local(2026, 11, 24, 18), "steward.wu", "planned"),
        (a2, 1): (today, local(2026, 11, 24, 8), local(2026, 11, 24, 12), "steward.li", "planned"),
        (a2, 2): (today, local(2026, 11, 24, 14), local(2026, 11, 24, 18), "steward.li", "planned"),
    }
    clock = world.read(lambda s: s.get(Ticket, rounds[0][1].id).deadlines[0])
    assert (clock.kind, clock.responsible_role, clock.due_at) == ("patrol", "steward", local(2026, 11, 24, 12))
    # one patrol a day from tomorrow: the next day's plan (its job, at local midnight) takes one window
    world.do(CS, lambda w: w.settings.change(G, P, "inspection.patrols_per_day", 1, reason="冬季"))
    world.clock.set(local(2026, 11, 25, 0, 1))
    world.run_jobs()
    tomorrow = world.read(lambda s: s.scalars(select(InspectionRound).where(
        InspectionRound.day == date(2026, 11, 25))).all())
    assert sorted((r.area_id, r.slot) for r in tomorrow) == sorted([(a1, 1), (a2, 1)])
    by = world.do(CS, inspections.by_steward, P, date(2026, 11, 24))      # past both deadlines, not marked yet
    assert [(r["steward"]["user_id"], r["due"], r["missed"]) for r in by] == [("steward.wu", 0, 2),
                                                                               ("steward.li", 0, 2)]
    assert [(r["steward"]["user_id"], r["due"]) for r in world.do(CS, inspections.by_steward, P,
                                                                  date(2026, 11, 25))] == [
        ("steward.wu", 1), ("steward.li", 1)]


def test_a_manager_gives_a_planned_patrol_to_another_steward(world):
    area(world, steward_id="steward.wu", steward_name="吴管家")
    morning = world.read(lambda s: s.scalars(select(InspectionRound.ticket_id).where(
        InspectionRound.slot == 1)).one())
    with pytest.raises(Forbidden):
        world.step(STEWARD, morning, "assign", assignee_id="steward.li", assignee_name="李管家")
    with pytest.raises(ValidationError):
        RoundStepIn().load({"action": "assign"})
    world.step(CS, morning, "assign", assignee_id="steward.li", assignee_name="李管家")
    assert world.view(morning)["assignee"] == {"user_id": "steward.li", "name": "李管家"}
    assert [t.id for t in world.do(CS, inspections.list_rounds, P, due="due", assignee_id="steward.li")[0]] == [morning]
    world.step(STEWARD, morning, "start")
    with pytest.raises(TransitionNotAllowed):          # started: it stays with who walks it
        world.step(CS, morning, "assign", assignee_id="steward.wu", assignee_name="吴管家")


def test_the_windows_setting_must_cover_the_patrols(world):
    from kernel.errors import WuyeError
    with pytest.raises(WuyeError) as refused:
        world.do(CS, lambda w: w.settings.change(G, P, "inspection.patrols_per_day", 3, reason="x"))
    assert refused.value.code == "settings_inconsistent"
    with pytest.raises(WuyeError):
        world.do(CS, lambda w: w.settings.change(G, P, "inspection.patrol_windows", ["12:00-08:00"], reason="x"))


def test_a_missed_patrol_is_marked_once_and_breached_once(world):
    area_id = area(world, steward_id="steward.wu", steward_name="吴管家")
    world.run_jobs()
    morning = world.read(lambda s: s.scalars(select(InspectionRound.ticket_id).where(
        InspectionRound.slot == 1)).one())
    afternoon = world.read(lambda s: s.scalars(select(InspectionRound.ticket_id).where(
        InspectionRound.slot == 2)).one())
    world.clock.set(local(2026, 11, 24, 9))
    world.step(STEWARD, morning, "start")
    # the afternoon patrol is done in time: no miss, no breach
    world.clock.set(local(2026, 11, 24, 15))
    items = world.view(afternoon)["items"]
    world.step(STEWARD, afternoon, "complete", results=ok_all(items))

    world.clock.set(local(2026, 11, 24, 12, 0, 30))
    with pytest.raises(PatrolMissed):                                      # past its deadline, not marked yet
        world.step(STEWARD, morning, "record", results=[{"item_code": "ST01", "outcome": "ok"}])
    world.run_jobs()                                                       # the miss job
    with pytest.raises(PatrolMissed):                                      # marked
        world.step(STEWARD, morning, "record", results=[{"item_code": "ST01", "outcome": "ok"}])
    for _ in range(3):                                                     # sweeps after the deadline
        world.do(SYSTEM, alerts.sweep)
        world.run_jobs()
        world.clock.advance(minutes=5)
    assert world.view(morning)["status"] == "missed"
    missed = world.events("patrol.missed")
    assert len(missed) == 1 and missed[0]["data"]["round_id"] == morning
    assert missed[0]["data"]["steward"] == {"user_id": "steward.wu", "name": "吴管家"}
    breaches = [e["data"] for e in world.events("ticket.sla_breached")]
    assert [(b["ticket_id"], b["deadline_kind"], b["responsible_role"]) for b in breaches] == [
        (morning, "patrol", "steward")]
    assert world.view(morning)["breached_at"] is not None
    assert world.view(afternoon)["status"] == "done"
    due = world.do(CS, inspections.list_rounds, P, due="missed")
    assert [t.id for t in due[0]] == [morning]
    assert world.do(CS, inspections.by_steward, P) == [
        {"steward": {"user_id": "steward.wu", "name": "吴管家"}, "due": 0, "done": 1, "missed": 1, "cancelled": 0}]


@pytest.mark.postgres
def test_two_submissions_at_once_open_one_repair_on_postgresql(pg_url):
    """A failed item sent twice at the same moment (two devices, two keys): the second waits for
    the round's row, then finds the first's repair -- one ticket."""
    import eventlet
    from sqlalchemy import text

    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    world = World(sessionmaker(engine, expire_on_commit=False), ManualClock("2026-11-24T07:00:00+08:00"))
    try:
        world.do(SYSTEM, copies.apply_project, {"project_id": P, "group_id": G, "name": "绿湖花园",
                                                "timezone": "Asia/Shanghai", "version": 1})
        round_id = world.do(STEWARD, inspections.start_round, area(world))
        failed = RoundStepIn().load({"action": "record", "results": [{"item_code": "ST06", "outcome": "failed"}]})
        first = world.Session()
        inspections.step(work(first, world.clock, STEWARD), round_id, "record", failed)     # holds the round
        second = eventlet.spawn(world.step, DESK, round_id, "record",
                                results=[{"item_code": "ST06", "outcome": "failed", "note": "另一台手机"}])

        def waiting() -> int:
            with engine.connect() as conn:
                return conn.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
        for _ in range(400):                    # until the second submission waits on the round's row
            if waiting():
                break
            eventlet.sleep(0.05)
        assert waiting() == 1
        first.commit()
        first.close()
        second.wait()
        repairs_opened = world.read(lambda s: s.scalars(select(Ticket.id).where(Ticket.kind == "repair")).all())
        assert len(repairs_opened) == 1
        item = next(i for i in world.view(round_id)["items"] if i["code"] == "ST06")
        assert item["repair_ticket_id"] == repairs_opened[0] and item["note"] == "另一台手机"
        assert len(world.events("inspection.item_failed")) == 1
    finally:
        engine.dispose()


def test_the_monthly_report_counts_patrol_clocks_but_not_rounds_as_requests(world):
    from services.tickets.domain import reports
    area_id = area(world, steward_id="steward.wu", steward_name="吴管家")
    round_id = world.do(STEWARD, inspections.start_round, area_id)
    world.step(STEWARD, round_id, "record", results=[{"item_code": "ST01", "outcome": "failed"}])
    world.clock.set(local(2026, 11, 24, 12, 30))
    world.run_jobs()
    world.do(SYSTEM, alerts.sweep)
    report = world.do(CS, reports.monthly_report, P, "2026-11")
    assert report["volumes"]["total"] == 1                                 # the failed item's repair only
    assert {c["ticket_kind"] for c in report["sla"]["clocks"]} == {"repair", "inspection"}
    patrol = next(c for c in report["sla"]["clocks"] if c["clock"] == "patrol")
    assert (patrol["due"], patrol["breached"]) == (2, 1)                   # the afternoon one still runs


# -- trial 3's findings (M1, M8, L1, L6, L12, L15, L17) ----------------------------------------

def _rounds_of(world, area_id):
    return world.read(lambda s: {r.slot: t for r, t in s.execute(select(InspectionRound, Ticket).join(
        Ticket, Ticket.id == InspectionRound.ticket_id).where(InspectionRound.area_id == area_id)).all()})


def test_a_deactivated_area_s_planned_patrols_are_cancelled_never_missed_nor_breached(world):
    """M1: deactivating an area cancels its planned, not-started patrols (clocks cancelled) and the
    plan gives it none; a round in progress stays the recorder's; activating it plans again."""
    a1 = area(world, steward_id="steward.wu", steward_name="吴管家")
    a2 = area(world, "2栋楼梯间", steward_id="steward.wu", steward_name="吴管家")
    world.run_jobs()
    world.clock.set(local(2026, 11, 24, 9))
    started = _rounds_of(world, a2)[1].id
    world.step(STEWARD, started, "start")
    for area_id in (a1, a2):
        world.do(CS, inspections.update_area, area_id, {"active": False})
    plan = _rounds_of(world, a1)
    assert {slot: t.status for slot, t in plan.items()} == {1: "cancelled", 2: "cancelled"}
    assert all(t.cancel_reason == "区域已停用" for t in plan.values())
    assert {slot: t.status for slot, t in _rounds_of(world, a2).items()} == {1: "in_progress", 2: "cancelled"}
    # past every deadline, a day later: nothing of a1 missed or breached, nothing planned for it
    world.clock.set(local(2026, 11, 25, 19))
    for _ in range(2):
        world.run_jobs()
        world.do(SYSTEM, alerts.sweep)
    assert {slot: t.status for slot, t in _rounds_of(world, a1).items()} == {1: "cancelled", 2: "cancelled"}
    assert [e["data"]["round_id"] for e in world.events("patrol.missed")] == [started]
    assert {e["data"]["ticket_id"] for e in world.events("ticket.sla_breached")} == {started}
    assert [e["data"]["subject"] for e in world.events("ticket.sla_breached")] == ["2栋楼梯间（楼梯间）巡视 2026-11-24 第1次"]
    clocks = world.read(lambda s: [d for t in _rounds_of(world, a1).values() for d in s.get(Ticket, t.id).deadlines])
    assert all(d.cancelled_at is not None and d.breached_at is None for d in clocks)
    # active again the next morning: that day's patrols are planned at once
    world.clock.set(local(2026, 11, 26, 7))
    world.do(CS, inspections.update_area, a1, {"active": True})
    assert world.read(lambda s: sorted(r.slot for r in s.scalars(select(InspectionRound).where(
        InspectionRound.area_id == a1, InspectionRound.day == date(2026, 11, 26))))) == [1, 2]


def test_the_plan_never_assigns_a_deactivated_steward(world):
    """M8: the building's steward deactivated (the gateway tells tickets): the area's patrols are
    planned unassigned, their clocks answerable by the CS manager; those planned already move there."""
    world.do(SYSTEM, inspections.apply_steward, {
        "building_id": "b2", "group_id": G, "project_id": P, "unit_id": None, "steward_id": "steward.li",
        "steward_name": "李管家", "assigned_at": local(2026, 11, 1, 9), "version": 1})
    lobby = area(world, "2栋大堂", "lobby_corridor", building_id="b2")
    assert {t.assignee_id for t in _rounds_of(world, lobby).values()} == {"steward.li"}
    with pytest.raises(Forbidden):                                  # the platform only (the gateway)
        world.do(CS, inspections.set_staff_active, "steward.li", False)
    assert world.do(SYSTEM, inspections.set_staff_active, "steward.li", False, "李管家") is True
    assert world.do(SYSTEM, inspections.set_staff_active, "steward.li", False, "李管家") is False   # once
    moved = _rounds_of(world, lobby)
    assert {t.assignee_id for t in moved.values()} == {None}
    for t in moved.values():
        ticket = world.read(lambda s: s.get(Ticket, t.id))
        assert [d.responsible_role for d in ticket.deadlines] == ["cs_manager"]
        assert ticket.history[-1].note.startswith("管家 李管家 已停用")
    # a new area of the building, and tomorrow's plan: nothing for him
    stairs = area(world, "2栋楼梯间", building_id="b2")
    world.clock.set(local(2026, 11, 25, 0, 1))
    world.run_jobs()
    planned = world.read(lambda s: s.scalars(select(Ticket.assignee_id).where(Ticket.kind == "inspection")).all())
    assert len(planned) == 8 and set(planned) == {None}           # 2 areas x 2 patrols x 2 days
    view = world.do(CS, lambda w: inspections.area_view(w, inspections.get_area(w, stairs)))
    assert (view["steward_id"], view["steward_source"], view["steward_active"]) == ("steward.li", "building", False)
    breaches_to = world.read(lambda s: {d.responsible_role for d in s.scalars(select(Ticket)).all()
                                        for d in d.deadlines})
    assert breaches_to == {"cs_manager"}
    # active again: planned for him from the next plan on
    world.do(SYSTEM, inspections.set_staff_active, "steward.li", True)
    world.clock.set(local(2026, 11, 26, 0, 1))
    world.run_jobs()
    assert world.read(lambda s: {t.assignee_id for t in s.scalars(select(Ticket).join(
        InspectionRound, InspectionRound.ticket_id == Ticket.id).where(
        InspectionRound.day == date(2026, 11, 26)))}) == {"steward.li"}


def test_a_step_refused_for_its_role_names_the_step_s_roles(world):
    """L1: engineering recording results is told the recorders' roles, a steward cancelling the
    managers' -- not the readers'."""
    round_id = world.do(STEWARD, inspections.start_round, area(world))
    with pytest.raises(Forbidden) as refused:
        world.step(TECH, round_id, "record", results=[{"item_code": "ST05", "outcome": "ok"}])
    assert refused.value.code == "role_required"
    assert refused.value.message.endswith("roles: front_desk, steward)")
    with pytest.raises(Forbidden) as refused:
        world.step(STEWARD, round_id, "cancel", reason="x")
    assert refused.value.message.endswith("roles: centre_manager, cs_manager)")


def test_area_names_are_normalised_before_the_uniqueness_check(world):
    """L6: "１栋楼梯间" (a full-width digit) is "1栋楼梯间": 409, on create and on rename."""
    from services.tickets.exceptions import AreaNameTaken
    first = area(world)
    for name in ("１栋楼梯间", " 1栋楼梯间 ", "１栋楼梯间\u3000"):
        with pytest.raises(AreaNameTaken) as refused:
            area(world, name)
        assert refused.value.details == {"area_id": first}
    other = area(world, "２栋楼梯间")
    assert world.read(lambda s: s.get(InspectionArea, other).name) == "2栋楼梯间"     # kept normalised
    with pytest.raises(AreaNameTaken):
        world.do(CS, inspections.update_area, other, {"name": "１栋楼梯间"}, registry)
    world.do(CS, inspections.update_area, other, {"name": "２栋楼梯间"}, registry)   # its own name again


def test_a_spot_round_has_a_deadline_is_one_at_a_time_and_listed_by_its_day(world):
    """L12: a round walked now is due inspection.spot_round_hours (4) later, one open per area (409),
    of today's local day; past its deadline it is missed and breached once."""
    from services.tickets.exceptions import SpotRoundOpen
    world.clock.set(local(2026, 11, 24, 21, 30))           # after the day's windows: no patrols planned
    a1 = area(world)
    first = world.do(STEWARD, inspections.start_round, a1)
    row = world.read(lambda s: s.get(InspectionRound, first))
    assert (row.day, row.slot, row.due_at) == (date(2026, 11, 24), None, local(2026, 11, 25, 1, 30))
    with pytest.raises(SpotRoundOpen) as refused:
        world.do(DESK, inspections.start_round, a1)
    assert refused.value.code == "spot_round_open" and refused.value.details["round_id"] == first
    other = world.do(DESK, inspections.start_round, area(world, "2栋楼梯间"))    # another area: fine
    assert [t.id for t in world.do(CS, inspections.list_rounds, P, day=date(2026, 11, 24))[0]] == [other, first]
    # a shorter deadline from now on
    world.do(CS, lambda w: w.settings.change(G, P, "inspection.spot_round_hours", 2, reason="夜间"))
    world.clock.set(local(2026, 11, 25, 1, 31))
    world.run_jobs()
    world.do(SYSTEM, alerts.sweep)
    assert world.view(first)["status"] == "missed" and world.view(first)["breached_at"] is not None
    breaches = [e["data"] for e in world.events("ticket.sla_breached")]
    assert sorted((b["ticket_id"], b["deadline_kind"], b["responsible_role"]) for b in breaches) == sorted([
        (first, "spot_round", "steward"), (other, "spot_round", "front_desk")])    # who opened it answers
    # L3: the alert names the area and the round in the platform's words
    assert {b["subject"] for b in breaches} == {"1栋楼梯间（楼梯间）现场巡检 2026-11-24", "2栋楼梯间（楼梯间）现场巡检 2026-11-24"}
    second = world.do(STEWARD, inspections.start_round, a1)                       # the missed one is closed
    assert world.read(lambda s: s.get(InspectionRound, second).due_at) == local(2026, 11, 25, 3, 31)
    with pytest.raises(PatrolMissed):
        world.step(STEWARD, first, "record", results=[{"item_code": "ST01", "outcome": "ok"}])


@pytest.mark.parametrize("ref", ["javascript:alert", "javascript:alert(1)", "https://evil.example/x.jpg",
                                 "data:image/png;base64,AAAA", "doc-7f3a", "a/../b", "/abs/x.jpg", "a//b",
                                 "tickets/g/p/" + "x" * 130, "a b/c", "../secret"])
def test_a_photo_reference_is_a_document_id_or_a_storage_key(ref):
    """L15: one validator (kernel.validators.PHOTO_REF) for the service and the gateway."""
    from gateway import schemas as gw
    body = {"action": "record", "results": [{"item_code": "EX06", "outcome": "ok", "photo_ref": ref}]}
    with pytest.raises(ValidationError):
        RoundStepIn().load(body)
    with pytest.raises(ValidationError):
        gw.RoundResultsIn().load({"results": body["results"]})


def test_photo_references_of_the_allowed_forms_load():
    for ref in ("3f2a9c1e-0b7d-4c55-9a4e-1d2b3c4d5e6f", "tickets/group-1/p1/photos/round-1_ST06.jpg",
                "documents/3f2a-photo.jpg"):
        loaded = RoundStepIn().load({"action": "record", "results": [
            {"item_code": "EX06", "outcome": "ok", "photo_ref": ref}]})
        assert loaded["results"][0]["photo_ref"] == ref


def test_an_area_shows_its_effective_steward_and_where_it_comes_from(world):
    """L17: an area relying on its building's steward shows that steward (source building)."""
    world.do(SYSTEM, inspections.apply_steward, {
        "building_id": "b2", "group_id": G, "project_id": P, "unit_id": None, "steward_id": "steward.li",
        "steward_name": "李管家", "assigned_at": local(2026, 11, 1, 9), "version": 1})
    views = {}
    for name, extra in (("own", {"steward_id": "steward.wu", "steward_name": "吴管家", "building_id": "b2"}),
                        ("building", {"building_id": "b2"}), ("nobody", {"building_id": "b1"})):
        area_id = area(world, name, **extra)
        views[name] = world.do(CS, lambda w: inspections.area_view(w, inspections.get_area(w, area_id)))
    pick = {n: (v["steward_id"], v["steward_name"], v["steward_source"], v["steward_active"]) for n, v in views.items()}
    assert pick == {"own": ("steward.wu", "吴管家", "area", True),
                    "building": ("steward.li", "李管家", "building", True),
                    "nobody": (None, None, None, None)}


def test_a_round_s_log_is_read_whole_by_the_desk_and_masked_for_the_gm_and_the_group_admin(world):
    area_id = area(world, "小区外观", "exterior")
    round_id = world.do(STEWARD, inspections.start_round, area_id)
    world.step(CS, round_id, "cancel", reason="重复，业主 13912345678 已报")

    def log(caller):
        return world.do(caller, lambda w: [h["note"] for h in inspections.round_view(
            w, inspections.get_round(w, round_id))["history"]])

    for desk in (STEWARD, DESK, CS):
        assert log(desk)[-1] == "重复，业主 13912345678 已报"
    for reader in (staff(G, [P], roles=["general_manager"], user_id="gm"), staff(G, [P], roles=["group_admin"],
                                                                                  user_id="admin")):
        assert log(reader)[-1] == "重复，业主 139****5678 已报"
