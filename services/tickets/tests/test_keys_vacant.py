"""Keys (钥匙, domain/keys.py) and vacant units (空置房, domain/vacant.py) on the injectable clock:
a lent key not back by the end of the day is told once; no sub-lending; the papers each movement
needs; the borrower's late-return flag on the next loan; the stock-check's discrepancies and the
CS manager's spot-check on the 25th; the vacant-unit month on its dates (register by the 5th,
checks by the 10th, the owner told by the 12th), a defect's repair ticket and a crack's approval.
Nothing faked: kernel.jobs' JobExecutor and the SLA sweep on a file SQLite database."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import alerts, copies, keys, vacant
from services.tickets.exceptions import (DecisionReasonRequired, FindingNotFound, InvalidMonth, KeyNotFound,
                                         KeyPapersRequired, KeyStepNotAllowed, MonthInFuture, OwnerRegisteredNotListed,
                                         RoomRecordedTwice, UnitOccupied, UnknownKeys, VacantStepNotAllowed)
from services.tickets.models import Base, Ticket, VacantCheck, VacantMonth
from services.tickets.schemas import (AreaChangeIn, CrackDecisionIn, KeyMoveIn, KeyReceiveIn, RenovationStepIn,
                                      VacantCheckIn)
from services.tickets.tests.support import job_executor, work

G, P = "group-1", "p1"
SH = ZoneInfo("Asia/Shanghai")
SYSTEM = Caller.system(G, "tickets")
DESK = staff(G, [P], roles=["front_desk"], user_id="desk.wang")
STEWARD = staff(G, [P], roles=["steward"], user_id="steward.wu")
CS = staff(G, [P], roles=["cs_manager"], user_id="cs.sun")
OWNER = resident(G, ["u1"], user_id="r-u1")
BORROWER = {"name": "李师傅", "id_type": "resident_id", "id_number": "110101199003071233", "phone": "13800001111", "purpose": "检修水管"}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class World:
    def __init__(self, Session, clock: ManualClock):
        self.Session, self.clock = Session, clock
        self.runner = job_executor(Session, clock)

    def do(self, caller, fn, *args, **kwargs):
        with self.Session() as session, session.begin():
            result = fn(work(session, self.clock, caller), *args, **kwargs)
            return getattr(result, "id", result)

    def read(self, fn, *args):
        with self.Session() as session:
            return fn(session, *args)

    def run_jobs(self) -> None:
        while self.runner.run_once():
            pass

    def sweep(self) -> list[tuple[str, str, str]]:
        """One SLA sweep now: what it told, (event type, ticket number, clock) -- but the vacant units'
        care clocks (cleaning, airing, frost checks: ``vacant_care``, test_vacant_care.py's)."""
        with self.Session() as session, session.begin():
            result = alerts.sweep(work(session, self.clock, Caller.system(None, "tickets")))
            return [(what, number, kind) for what, number, kind in result.told if kind != "vacant_care"]

    def breaches(self) -> list[str]:
        """One SLA sweep now: the clocks it told breached (a monthly task is also warned before)."""
        return [kind for what, _, kind in self.sweep() if what == alerts.BREACH]

    def events(self, *types) -> list[dict]:
        return self.read(lambda s: [e for e in outbox_events(s, Base) if e["type"] in types])

    def at(self, when: datetime) -> None:
        self.clock.set(when)
        self.run_jobs()


@pytest.fixture
def world(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path}/tickets.db")
    Base.metadata.create_all(engine)
    w = World(sessionmaker(engine, expire_on_commit=False), ManualClock("2026-11-24T09:00:00+08:00"))

    def registry(wk):
        copies.apply_project(wk, {"project_id": P, "group_id": G, "name": "绿湖花园", "timezone": "Asia/Shanghai",
                                  "version": 1})
        for i in (1, 2, 3):
            copies.apply_unit(wk, {"unit_id": f"u{i}", "group_id": G, "project_id": P, "label": f"1栋-{i:04d}",
                                   "version": 1})
        wk.session.flush()
        copies.apply_household(wk, {"household_id": "h1", "unit_id": "u1", "status": "active",
                                    "people": [{"name": "业主一", "role": "owner", "phone": "13800000001"}],
                                    "version": 1})
    w.do(SYSTEM, registry)
    yield w
    engine.dispose()


#: archive's household file as ``match_identity`` answers it: unit -> name -> (role, ID number)
FILE = {"u1": {"业主一": ("owner", "110101199003071233"), "业主家属": ("family", "110101199003071217")}}
MATCHES = []


def identity_file(unit_id, name, number, id_type):
    MATCHES.append((unit_id, name, number, id_type))
    role, stored = FILE.get(unit_id, {}).get(name, (None, None))
    return {"matched": True, "role": role} if role is not None and number == stored else {"matched": False}


def move(w: World, caller, key_id: str, action: str, ask_identity=identity_file, **body):
    return w.do(caller, keys.move, key_id, action, KeyMoveIn().load({"action": action, **body}), ask_identity)


def key_in_store(w: World, unit="u1", label="入户门钥匙") -> str:
    key_id = w.do(DESK, keys.receive, KeyReceiveIn().load({"unit_id": unit, "label": label, "name": "开发商监理部"}))
    move(w, DESK, key_id, "store")
    return key_id


def key(w: World, key_id: str):
    with w.Session() as session:
        wk = work(session, w.clock, DESK)
        return keys.view(wk, keys.get_key(wk, key_id), with_history=True)


def key_tasks(w: World, category: str) -> list[Ticket]:
    return w.read(lambda s: list(s.scalars(select(Ticket).where(Ticket.kind == "task", Ticket.category == category)
                                           .order_by(Ticket.number))))


# ==============================================================================================
# keys
# ==============================================================================================

def test_a_lent_key_not_back_by_the_end_of_the_day_is_told_once(world):
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")
    loan = key(world, key_id)["loan"]
    assert key(world, key_id)["state"] == "lent" and key(world, key_id)["holder_name"] == "李师傅"
    assert loan["due_back_at"] == local(2026, 11, 24, 18, 0) and loan["deposit_required"] is False

    # no warning before the end of the day; at 18:00 one alert; never again
    for at in (local(2026, 11, 24, 12, 0), local(2026, 11, 24, 16, 24), local(2026, 11, 24, 17, 59, 59)):
        world.clock.set(at)
        assert world.sweep() == []
    world.clock.set(local(2026, 11, 24, 18, 0, 15))
    told = world.sweep()
    assert [(what, kind) for what, _, kind in told] == [(alerts.BREACH, "key_return")]
    for hours in (1, 6, 30):
        world.clock.set(local(2026, 11, 24, 18, 0, 15) + timedelta(hours=hours))
        assert world.sweep() == []
    [breach] = world.events("ticket.sla_breached")
    assert breach["data"]["deadline_kind"] == "key_return" and breach["data"]["responsible_role"] == "front_desk"
    assert breach["data"]["kind"] == "task" and breach["data"]["category"] == "key_return"
    assert world.events("ticket.sla_warning") == []

    # back the next morning: late -- the task is done, the borrower flagged on the next loan
    world.clock.set(local(2026, 11, 25, 9, 0))
    move(world, DESK, key_id, "return")
    after = key(world, key_id)
    assert after["state"] == "in_store" and after["loan"] is None and after["holder_name"] is None
    [task] = key_tasks(world, "key_return")
    assert task.status == "done"
    move(world, DESK, key_id, "request_loan", **BORROWER)
    loan = key(world, key_id)["loan"]
    assert loan["deposit_required"] is True and len(loan["earlier_late_returns"]) == 1
    assert loan["party_id_number"] != BORROWER["id_number"]           # masked for the front desk


def test_a_key_returned_in_time_is_never_told_and_a_late_approval_is_due_by_midnight(world):
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 19, 30))
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")
    assert key(world, key_id)["loan"]["due_back_at"] == local(2026, 11, 25, 0, 0)
    world.clock.set(local(2026, 11, 24, 23, 50))
    move(world, DESK, key_id, "return")
    world.clock.set(local(2026, 11, 26, 0, 0))
    assert world.sweep() == [] and world.events("ticket.sla_breached") == []
    assert key(world, key_id)["history"][-1]["action"] == "return"
    # in time: no flag on the next loan
    move(world, DESK, key_id, "request_loan", **BORROWER)
    assert key(world, key_id)["loan"]["deposit_required"] is False


def test_the_return_time_is_a_project_setting(world):
    world.do(Caller.system(G, "tickets"), lambda wk: wk.settings.change(G, P, "keys.return_by", "17:30"))
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")
    assert key(world, key_id)["loan"]["due_back_at"] == local(2026, 11, 24, 17, 30)


def test_no_sub_lending_and_the_manager_approves_every_loan(world):
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    with pytest.raises(KeyStepNotAllowed) as pending:
        move(world, DESK, key_id, "request_loan", **{**BORROWER, "name": "张三"})
    assert pending.value.code == "loan_pending"
    with pytest.raises(Forbidden):
        move(world, DESK, key_id, "approve_loan")                     # the CS manager's approval
    move(world, CS, key_id, "approve_loan")
    with pytest.raises(KeyStepNotAllowed) as sub:
        move(world, DESK, key_id, "request_loan", **{**BORROWER, "name": "张三", "id_type": "resident_id", "id_number": "110101199003071217"})
    assert sub.value.code == "no_sub_lending"
    move(world, DESK, key_id, "return")
    move(world, DESK, key_id, "request_loan", **{**BORROWER, "name": "张三", "id_type": "resident_id", "id_number": "110101199003071217"})
    move(world, CS, key_id, "refuse_loan", note="不需要了")
    assert key(world, key_id)["state"] == "in_store"


def test_a_contractor_needs_the_developer_s_proof_and_an_owner_the_three_papers(world):
    key_id = key_in_store(world)
    with pytest.raises(KeyPapersRequired) as proof:
        move(world, DESK, key_id, "request_loan", borrower_kind="contractor", **BORROWER)
    assert proof.value.details == {"missing": ["proof_ref"]}
    move(world, DESK, key_id, "request_loan", borrower_kind="contractor", proof_ref="监理部证明 2026-118", **BORROWER)
    assert key(world, key_id)["loan"]["party_kind"] == "contractor"
    move(world, CS, key_id, "refuse_loan")
    with pytest.raises(KeyPapersRequired) as papers:
        move(world, DESK, key_id, "collect", name="业主一", id_type="resident_id", id_number="110101199003071233")
    assert papers.value.details == {"missing": ["contract_ref", "receipt_ref"]}
    move(world, DESK, key_id, "collect", name="业主一", id_type="resident_id", id_number="110101199003071233", contract_ref="HT-0001",
         receipt_ref="SJ-0001")
    move(world, DESK, key_id, "deposit", name="业主一", id_type="resident_id", id_number="110101199003071233")
    assert key(world, key_id)["state"] == "deposited_by_owner"
    move(world, DESK, key_id, "collect", name="业主一", id_type="resident_id", id_number="110101199003071233")   # taking it back: ID only
    assert [m["action"] for m in key(world, key_id)["history"]] == [
        "receive", "store", "request_loan", "refuse_loan", "collect", "deposit", "collect"]


def test_the_owner_sees_their_unit_s_key_state_only(world):
    key_id = key_in_store(world)
    with world.Session() as session:
        wk = work(session, world.clock, OWNER)
        [seen] = [keys.view(wk, k) for k in keys.unit_keys(wk, "u1")]
        assert seen["state"] == "in_store" and "holder_name" not in seen and seen["history"] is None
        with pytest.raises(KeyNotFound):
            keys.move(wk, key_id, "return", {})
    other = resident(G, ["u2"], user_id="r-u2")
    with world.Session() as session, pytest.raises(KeyNotFound):
        keys.get_key(work(session, world.clock, other), key_id)


def test_the_stock_check_lists_discrepancies_and_the_spot_check_is_due_on_the_25th(world):
    in_store = key_in_store(world, "u1")
    lent = key_in_store(world, "u2")
    key_in_store(world, "u3")
    move(world, DESK, lent, "request_loan", **BORROWER)
    move(world, CS, lent, "approve_loan")
    # the project's copy arrives on 24 November: the spot-check job is this month's (the 25th is ahead)
    world.do(SYSTEM, keys.seed_monthly_jobs, P)
    world.run_jobs()
    [task] = key_tasks(world, "key_spot_check")
    assert [(d.kind, d.due_at, d.responsible_role) for d in task.deadlines] == [
        ("key_spot_check", local(2026, 11, 26, 0, 0), "cs_manager")]
    # the desk counts u1's key and (wrongly) u2's lent one, misses u3's
    check = world.do(DESK, keys.record_stock_check, P, {"kind": "monthly", "found": [in_store, lent]})
    view = world.read(lambda s: keys.stock_check_view(s.get(keys.KeyStockCheck, check)))
    assert (view["expected"], view["counted"]) == (2, 2)
    assert [(d["unit_label"], d["expected"], d["counted"], d["register_state"]) for d in view["discrepancies"]] == [
        ("1栋-0002", False, True, "lent"), ("1栋-0003", True, False, "in_store")]
    with pytest.raises(Forbidden):
        world.do(DESK, keys.record_stock_check, P, {"kind": "spot", "found": []})
    # 1,500 ids not in the register: ten named, the count given -- never a 58 KB answer (trial 3, L8)
    with pytest.raises(UnknownKeys) as unknown:
        world.do(DESK, keys.record_stock_check, P, {"kind": "monthly", "found": [f"k{i:04d}" for i in range(1500)]})
    assert unknown.value.details == {"key_ids": [f"k{i:04d}" for i in range(10)], "unknown_count": 1500}
    assert "... and 1490 more" in str(unknown.value) and len(str(unknown.value)) < 400
    world.clock.set(local(2026, 11, 25, 16, 0))
    assert world.breaches() == ["key_return"]                  # u2's key was not back by 18:00 yesterday
    world.do(CS, keys.record_stock_check, P, {"kind": "spot", "found": [in_store]})
    assert key_tasks(world, "key_spot_check")[0].status == "done"
    # December's task opens on the 1st; missed, it breaches once at the end of the 25th
    world.at(local(2026, 12, 1, 1, 0))
    december = key_tasks(world, "key_spot_check")[1]
    assert december.deadlines[0].due_at == local(2026, 12, 26, 0, 0)
    world.clock.set(local(2026, 12, 21, 0, 0, 15))
    assert world.breaches() == ["key_stock_check"]           # the desk's monthly count: by the end of the 20th
    world.clock.set(local(2026, 12, 26, 0, 0, 15))
    assert world.breaches() == ["key_spot_check"]
    world.clock.set(local(2026, 12, 27, 0, 0))
    assert world.breaches() == []


def test_every_key_movement_publishes_the_whole_key_with_the_party_masked(world):
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "refuse_loan", note="不需要了")
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")
    move(world, DESK, key_id, "return")
    move(world, DESK, key_id, "collect", name="业主一", id_type="resident_id", id_number="110101199003071233", contract_ref="HT-0001",
         receipt_ref="SJ-0001")
    move(world, DESK, key_id, "deposit", name="业主一", id_type="resident_id", id_number="110101199003071233")
    with pytest.raises(KeyStepNotAllowed):                       # refused: nothing published
        move(world, DESK, key_id, "return")
    changed = [e["data"] for e in world.events("key.changed")]
    assert [(c["movement"]["action"], c["movement"]["from"], c["movement"]["to"], c["state"], c["version"])
            for c in changed] == [
        ("receive", None, "received_from_developer", "received_from_developer", 1),
        ("store", "received_from_developer", "in_store", "in_store", 2),
        ("request_loan", "in_store", "loan_requested", "loan_requested", 3),
        ("refuse_loan", "loan_requested", "in_store", "in_store", 4),
        ("request_loan", "in_store", "loan_requested", "loan_requested", 5),
        ("approve_loan", "loan_requested", "lent", "lent", 6),
        ("return", "lent", "in_store", "in_store", 7),
        ("collect", "in_store", "collected_by_owner", "collected_by_owner", 8),
        ("deposit", "collected_by_owner", "deposited_by_owner", "deposited_by_owner", 9)]
    assert [c["movement"]["actor"]["user_id"] for c in changed][3:7] == ["cs.sun", "desk.wang", "cs.sun", "desk.wang"]
    lent = changed[5]
    assert lent["holder_name"] == "李师傅" and lent["loan"]["party_name"] == "李师傅"
    assert lent["loan"]["due_back_at"] == local(2026, 11, 24, 18, 0).isoformat() and lent["loan"]["task_id"]
    asked = changed[4]["movement"]
    assert asked["party_kind"] == "borrower" and asked["purpose"] == "检修水管"
    assert asked["party_id_number_masked"] == "1101**********1233" and asked["party_phone_masked"] != "13800001111"
    assert "13800001111" not in str(changed) and "110101199003071233" not in str(changed)
    assert changed[-1]["loan"] is None and changed[0]["unit_label"] == "1栋-0001"


def test_the_monthly_stock_check_is_due_the_20th_and_publishes_its_count(world):
    """DOMAIN.md 001 (monthly rhythm): the monthly key check falls in the 11th-20th -- by default due
    by the end of the 20th (keys.stock_check_day = 20)."""
    world.clock.set(local(2026, 11, 10, 9, 0))
    in_store = key_in_store(world, "u1")
    key_in_store(world, "u2")
    world.do(SYSTEM, keys.seed_monthly_jobs, P)
    world.run_jobs()
    [november] = key_tasks(world, "key_stock_check")
    assert [(d.kind, d.due_at, d.responsible_role) for d in november.deadlines] == [
        ("key_stock_check", local(2026, 11, 21, 0, 0), "front_desk")]
    # the CS manager's spot-check does not finish the desk's monthly count
    world.do(CS, keys.record_stock_check, P, {"kind": "spot", "found": [in_store]})
    assert key_tasks(world, "key_stock_check")[0].status == "open"
    world.clock.set(local(2026, 11, 17, 17, 0))
    check = world.do(DESK, keys.record_stock_check, P, {"kind": "monthly", "found": [in_store], "note": "月中盘点"})
    assert key_tasks(world, "key_stock_check")[0].status == "done"
    spot, monthly = [e["data"] for e in world.events("key_stock_check.recorded")]
    assert spot["kind"] == "spot" and spot["by"]["user_id"] == "cs.sun"
    assert (monthly["check_id"], monthly["kind"], monthly["month"], monthly["expected"], monthly["counted"]) == (
        check, "monthly", "2026-11", 2, 1)
    assert monthly["task_id"] == november.id and monthly["by"]["user_id"] == "desk.wang"
    assert [(d["unit_label"], d["expected"], d["counted"]) for d in monthly["discrepancies"]] == [
        ("1栋-0002", True, False)]
    # December's opens on the 1st, due the end of the 20th; missed, it breaches once
    world.at(local(2026, 12, 1, 1, 0))
    december = key_tasks(world, "key_stock_check")[1]
    assert december.deadlines[0].due_at == local(2026, 12, 21, 0, 0)
    world.clock.set(local(2026, 12, 20, 23, 59))
    assert "key_stock_check" not in world.breaches()
    world.clock.set(local(2026, 12, 21, 0, 0, 15))
    assert world.breaches() == ["key_stock_check"]
    world.clock.set(local(2026, 12, 22, 0, 0))
    assert "key_stock_check" not in world.breaches()


def test_the_stock_check_day_is_a_project_setting_0_the_last_day(world):
    with pytest.raises(InvalidInput):
        world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "keys.stock_check_day", 29))
    world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "keys.stock_check_day", 15))
    world.clock.set(local(2027, 2, 10, 9, 0))
    world.do(SYSTEM, keys.seed_monthly_jobs, P)
    world.run_jobs()
    [february] = key_tasks(world, "key_stock_check")
    assert february.deadlines[0].due_at == local(2027, 2, 16, 0, 0)
    world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "keys.stock_check_day", 0))
    world.at(local(2027, 3, 1, 1, 0))
    world.at(local(2027, 3, 1, 2, 0))
    assert [t.deadlines[0].due_at for t in key_tasks(world, "key_stock_check")] == [
        local(2027, 2, 16, 0, 0), local(2027, 4, 1, 0, 0)]


# ==============================================================================================
# vacant units
# ==============================================================================================

def test_the_vacant_unit_month_on_its_dates(world):
    world.do(SYSTEM, vacant.seed_monthly_jobs, P)
    world.at(local(2026, 12, 1, 1, 0))
    [register] = key_tasks(world, "vacant_register")
    assert [(d.kind, d.due_at, d.responsible_role) for d in register.deadlines] == [
        ("vacant_register", local(2026, 12, 6, 0, 0), "front_desk")]
    world.clock.set(local(2026, 12, 4, 10, 0))
    register_id = world.do(STEWARD, vacant.update_register, P, "2026-12", ["u2", "u3"])
    assert key_tasks(world, "vacant_register")[0].status == "done"
    view = world.read(lambda s: vacant.register_view(s.get(VacantMonth, register_id), P, "2026-12"))
    assert view["id"] == register_id and vacant.register_view(None, P, "2027-01")["id"] is None
    checks = world.read(lambda s: {c.unit_id: c for c in s.scalars(select(VacantCheck))})
    assert sorted(checks) == ["u2", "u3"]
    task = world.read(lambda s: s.get(Ticket, checks["u2"].ticket_id))
    assert sorted((d.kind, d.due_at, d.responsible_role) for d in task.deadlines) == [
        ("vacant_check", local(2026, 12, 11, 0, 0), "steward"),
        ("vacant_report", local(2026, 12, 13, 0, 0), "cs_manager")]

    # u2 checked on the 9th: both clocks met, the owner told (the event), no breach ever
    world.clock.set(local(2026, 12, 9, 15, 0))
    world.do(STEWARD, vacant.record_check, checks["u2"].id, VacantCheckIn().load(
        {"findings": [{"room": "客厅", "result": "ok"}, {"room": "卫生间", "result": "ok", "note": "已通风"}]})["findings"])
    [told] = world.events("vacant_unit.checked")
    assert told["data"]["unit_id"] == "u2" and told["data"]["result"] == "ok" and told["data"]["rooms"] == 2
    assert told["data"]["check_date"] == "2026-12-09" and "note" not in str(told["data"])
    # u3 never checked: the check breaches once at the end of the 10th, the report once at the end of the 12th
    world.clock.set(local(2026, 12, 11, 0, 0, 15))
    assert world.breaches() == ["vacant_check"]
    world.clock.set(local(2026, 12, 12, 12, 0))
    assert world.breaches() == []
    world.clock.set(local(2026, 12, 13, 0, 0, 15))
    assert world.breaches() == ["vacant_report"]
    world.clock.set(local(2026, 12, 20, 0, 0))
    assert world.sweep() == []
    breached = [e for e in world.events("ticket.sla_breached") if e["data"]["deadline_kind"] != "vacant_care"]
    assert [(e["data"]["deadline_kind"], e["data"]["unit_id"]) for e in breached] == [
        ("vacant_check", "u3"), ("vacant_report", "u3")]
    # January: the register carried over, its dates from the settings
    world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "vacant.register_by_day", 3))
    world.at(local(2027, 1, 1, 1, 0))
    january = [t for t in key_tasks(world, "vacant_register") if t.status == "open"]
    assert [d.due_at for d in january[0].deadlines] == [local(2027, 1, 4, 0, 0)]
    assert world.read(lambda s: sorted(c.unit_id for c in s.scalars(select(VacantCheck).where(
        VacantCheck.month == "2027-01")))) == ["u2", "u3"]


def test_a_unit_registered_late_gets_a_fair_deadline_and_does_not_start_breached(world):
    """After the 10th (or too near it) a unit added to the register is checked within
    vacant.late_check_working_days (3) working days of its registration, reported 2 days later."""
    world.do(SYSTEM, vacant.seed_monthly_jobs, P)
    world.at(local(2026, 12, 1, 1, 0))
    world.clock.set(local(2026, 12, 3, 10, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    world.clock.set(local(2026, 12, 15, 10, 0))                      # Tuesday, the 10th long past
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3"])

    def dues(unit_id):
        check = world.read(lambda s: s.scalars(select(VacantCheck).where(VacantCheck.unit_id == unit_id)).one())
        task = world.read(lambda s: s.get(Ticket, check.ticket_id))
        return sorted((d.kind, d.due_at) for d in task.deadlines)
    assert dues("u2") == [("vacant_check", local(2026, 12, 11, 0, 0)), ("vacant_report", local(2026, 12, 13, 0, 0))]
    # Wed 16, Thu 17, Fri 18: checked by the end of Friday, the owner told by the end of Sunday 20th
    assert dues("u3") == [("vacant_check", local(2026, 12, 19, 0, 0)), ("vacant_report", local(2026, 12, 21, 0, 0))]
    assert "vacant_check" in world.breaches()                       # u2's, registered in time and not checked
    assert world.breaches() == []
    world.clock.set(local(2026, 12, 18, 23, 0))
    assert world.breaches() == []                                   # u3 is not breached before its fair day
    world.clock.set(local(2026, 12, 19, 0, 0, 15))
    assert world.breaches() == ["vacant_check"]

    # the figure is the project's; a unit registered on the 9th: the 10th is too near
    world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "vacant.late_check_working_days", 2))
    with world.Session() as session:
        from services.tickets.models import ProjectCopy
        project = session.get(ProjectCopy, P)
        world.clock.set(local(2026, 12, 9, 16, 0))
        assert vacant.check_due(work(session, world.clock, SYSTEM), project, "2026-12") == (
            local(2026, 12, 12, 0, 0), local(2026, 12, 14, 0, 0))     # Thu 10, Fri 11 (2 working days)
        world.clock.set(local(2026, 12, 7, 16, 0))
        assert vacant.check_due(work(session, world.clock, SYSTEM), project, "2026-12") == (
            local(2026, 12, 11, 0, 0), local(2026, 12, 13, 0, 0))     # in time: the month's days


def test_a_defect_opens_a_repair_and_a_crack_waits_for_the_manager(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    # u1's household is in archive's file: occupied, unless its owner registered it vacant (空置手续)
    with pytest.raises(UnitOccupied) as occupied:
        world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u1"])
    assert "1栋-0001" in str(occupied.value) and occupied.value.code == "unit_occupied"
    assert occupied.value.details == {"units": [{"unit_id": "u1", "label": "1栋-0001"}]}
    assert world.read(lambda s: s.scalars(select(VacantCheck.id)).all()) == []
    assert world.events("vacant_register.updated") == []                 # refused: nothing published
    world.do(DESK, vacant.update_register, P, "2026-12", ["u1"], ["u1"])
    check_id = world.read(lambda s: s.scalars(select(VacantCheck.id)).one())
    world.do(STEWARD, vacant.record_check, check_id, VacantCheckIn().load({"findings": [
        {"room": "厨房", "result": "defect", "note": "水龙头滴水"},
        {"room": "主卧", "result": "crack", "note": "墙面裂缝约30cm"},
        {"room": "客厅", "result": "ok"}]})["findings"])
    with pytest.raises(VacantStepNotAllowed):
        world.do(STEWARD, vacant.record_check, check_id, [{"room": "客厅", "result": "ok"}])
    with world.Session() as session:
        check = session.get(VacantCheck, check_id)
        defect, crack, ok = check.findings
        assert (defect.repair_state, crack.repair_state, ok.repair_state) == (
            "repair_opened", "awaiting_approval", "none")
        repair = session.get(Ticket, defect.repair_ticket_id)
        assert repair.kind == "repair" and repair.unit_id == "u1" and "厨房" in repair.content
        assert crack.repair_ticket_id is None
        crack_id = crack.id
    [told] = world.events("vacant_unit.checked")
    assert told["data"]["result"] == "crack" and told["data"]["awaiting_approval"] == 1
    assert told["data"]["repair_ticket_numbers"] == [repair.number]
    with pytest.raises(Forbidden):
        world.do(STEWARD, vacant.decide_crack, crack_id, True)
    assert world.events("vacant_finding.decided") == []
    world.do(CS, vacant.decide_crack, crack_id, True, "请工程部修补")
    with world.Session() as session:
        crack = session.get(vacant.VacantFinding, crack_id)
        assert crack.repair_state == "repair_opened" and crack.decided_by == "cs.sun"
        assert session.get(Ticket, crack.repair_ticket_id).kind == "repair"
    with pytest.raises(VacantStepNotAllowed):
        world.do(CS, vacant.decide_crack, crack_id, False)
    [decided] = [e["data"] for e in world.events("vacant_finding.decided")]
    assert (decided["finding_id"], decided["check_id"], decided["unit_id"], decided["room"], decided["result"]) == (
        crack_id, check_id, "u1", "主卧", "crack")
    assert decided["repair_state"] == "repair_opened" and decided["repair_ticket_id"] == crack.repair_ticket_id
    assert decided["decision_note"] == "请工程部修补"
    assert (decided["step"]["action"], decided["step"]["from"], decided["step"]["to"],
            decided["step"]["actor"]["user_id"]) == ("approve", "awaiting_approval", "repair_opened", "cs.sun")
    # another group's manager: as if there were no such finding
    with pytest.raises(FindingNotFound):
        world.do(staff("group-2", ["p9"], roles=["cs_manager"], user_id="cs.other"), vacant.decide_crack, crack_id,
                 True)
    # the register is kept for this month and the next, never a closed one
    with pytest.raises(InvalidMonth) as past:
        world.do(DESK, vacant.update_register, P, "2026-11", ["u1"])
    assert past.value.code == "month_in_past" and past.value.message.startswith("以往月份的空置房登记已关闭")
    with pytest.raises(MonthInFuture):
        world.do(DESK, vacant.update_register, P, "2027-02", ["u1"])
    # the owner reads the result of their unit's check
    with world.Session() as session:
        wk = work(session, world.clock, OWNER)
        [seen] = [vacant.check_view(wk, c) for c in vacant.unit_checks(wk, "u1")]
        assert seen["summary"]["result"] == "crack" and seen["task_id"] is None


@pytest.mark.parametrize("schema, data", [
    (CrackDecisionIn, {"approve": "yes"}), (CrackDecisionIn, {"approve": 1}), (CrackDecisionIn, {"approve": "false"}),
    (AreaChangeIn, {"active": "no"}), (RenovationStepIn, {"action": "record_patrol", "waste_seen": "yes"}),
])
def test_booleans_are_json_booleans_only(schema, data):
    """{"approve": "yes"} is not read as true (kernel.validators.StrictBoolean)."""
    with pytest.raises(ValidationError):
        schema().load(data)
    assert CrackDecisionIn().load({"approve": False})["approve"] is False


def test_front_desk_tasks_are_the_project_staff_s_a_resident_gets_404(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    tickets, total = world.do(DESK, keys.front_desk_tasks, P, open_only=True)
    assert total == len(tickets) >= 1 and {t.kind for t in tickets} == {"task"}
    with pytest.raises(NotFound) as refused:                    # as the other staff-only project routes
        world.do(resident(G, ["u1"]), keys.front_desk_tasks, P)
    assert refused.value.code == "project_not_found"
    with pytest.raises(Forbidden):
        world.do(staff(G, [P], roles=["engineering"]), keys.front_desk_tasks, P)


def test_owner_registered_units_are_the_project_s_and_on_the_register(world):
    world.clock.set(local(2026, 12, 2, 9, 0))

    def elsewhere(wk):
        copies.apply_project(wk, {"project_id": "p2", "group_id": G, "name": "星河", "timezone": "Asia/Shanghai",
                                  "version": 1})
        copies.apply_unit(wk, {"unit_id": "u9", "group_id": G, "project_id": "p2", "label": "9栋-0001", "version": 1})
    world.do(SYSTEM, elsewhere)
    for registered in (["nope"], ["u9"]):                 # unknown, or another project's: as missing
        with pytest.raises(NotFound) as refused:
            world.do(DESK, vacant.update_register, P, "2026-12", ["u1", "u2"], ["u1", *registered])
        assert refused.value.code == "unit_not_found"
    with pytest.raises(OwnerRegisteredNotListed) as refused:   # registered vacant, not on the register
        world.do(DESK, vacant.update_register, P, "2026-12", ["u2"], ["u1"])
    assert refused.value.code == "owner_registered_not_listed"
    assert refused.value.details == {"units": [{"unit_id": "u1", "label": "1栋-0001"}]}
    assert world.events("vacant_register.updated") == []
    world.do(DESK, vacant.update_register, P, "2026-12", ["u1", "u2"], ["u1", "u1"])
    [told] = world.events("vacant_register.updated")
    assert told["data"]["owner_registered"] == ["u1"]


def test_another_project_s_staff_read_front_desk_ids_like_missing(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    key_id = key_in_store(world)
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    check_id = world.read(lambda s: s.scalars(select(VacantCheck.id)).one())
    far = staff(G, ["p2"], roles=["front_desk", "cs_manager"], user_id="desk.p2")
    for call in (lambda: world.do(far, keys.get_key, key_id),
                 lambda: move(world, far, key_id, "request_loan", **BORROWER),
                 lambda: world.do(far, keys.unit_keys, "u1"),
                 lambda: world.do(far, keys.project_keys, P),
                 lambda: world.do(far, keys.front_desk_tasks, P),
                 lambda: world.do(far, vacant.get_check, check_id),
                 lambda: world.do(far, vacant.unit_checks, "u2"),
                 lambda: world.do(far, vacant.month_view, P, "2026-12"),
                 lambda: world.do(far, vacant.update_register, P, "2026-12", ["u2"])):
        with pytest.raises(NotFound):
            call()


def test_every_register_update_publishes_the_month_s_units_and_what_changed(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3"])
    world.do(STEWARD, vacant.update_register, P, "2026-12", ["u3", "u1"], ["u1"])
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3", "u1"], ["u1"])      # u2 put back
    checks = world.read(lambda s: {c.unit_id: c.id for c in s.scalars(select(VacantCheck))})
    first, second, third = [e["data"] for e in world.events("vacant_register.updated")]
    assert (first["month"], first["unit_ids"], first["added"], first["cancelled_checks"]) == (
        "2026-12", ["u2", "u3"], ["u2", "u3"], [])
    assert first["updated_by"]["user_id"] == "desk.wang" and first["task_id"]
    assert first["register_id"] == second["register_id"] == third["register_id"]
    assert (second["unit_ids"], second["owner_registered"], second["added"], second["cancelled_checks"]) == (
        ["u3", "u1"], ["u1"], ["u1"], [checks["u2"]])
    assert second["updated_by"]["user_id"] == "steward.wu"
    assert (third["added"], third["cancelled_checks"]) == (["u2"], [])


# ==============================================================================================
# trial 3's findings (M2, M3, M7, L4, L7, L8, L13)
# ==============================================================================================

def test_the_vacant_days_must_keep_their_order_register_check_report(world):
    """register 5th < check 10th < report 12th: a report due before its check, or a register due
    after the checks it lists, is refused (422 settings_inconsistent), as the patrol windows are."""
    from kernel.errors import WuyeError
    for key, value in (("vacant.report_by_day", 3), ("vacant.report_by_day", 10), ("vacant.register_by_day", 28),
                       ("vacant.register_by_day", 10), ("vacant.check_by_day", 12), ("vacant.check_by_day", 4)):
        with pytest.raises(WuyeError) as refused:
            world.do(CS, lambda w: w.settings.change(G, P, key, value, reason="试"))
        assert refused.value.code == "settings_inconsistent", (key, value)
        assert "检查日" in refused.value.message and "report day" in refused.value.message
    world.do(CS, lambda w: w.settings.change(G, P, "vacant.report_by_day", 15, reason="试"))
    world.do(CS, lambda w: w.settings.change(G, P, "vacant.check_by_day", 14, reason="试"))
    with pytest.raises(WuyeError):
        world.do(CS, lambda w: w.settings.change(G, P, "vacant.report_by_day", 14, reason="试"))


def test_a_unit_registered_on_the_27th_alerts_nobody_and_put_back_reuses_its_check(world):
    """M3: registered after the 10th, a check gets a fair deadline -- no alert at once; taken off and
    put back, the same check and task are reopened: no second task, no second alert."""
    world.clock.set(local(2026, 11, 27, 10, 0))                      # Friday
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3", "u1"], ["u1"])
    assert world.sweep() == []                                       # nothing told at once
    world.clock.set(local(2026, 11, 27, 10, 0, 15))
    assert world.sweep() == []
    tasks_before = [t.id for t in key_tasks(world, "vacant_check")]
    assert len(tasks_before) == 3
    # Mon 30, Tue 1, Wed 2: checked by the end of Wednesday
    u3 = world.read(lambda s: s.scalars(select(VacantCheck).where(VacantCheck.unit_id == "u3")).one())
    task = world.read(lambda s: s.get(Ticket, u3.ticket_id))
    assert sorted((d.kind, d.due_at) for d in task.deadlines) == [
        ("vacant_check", local(2026, 12, 3, 0, 0)), ("vacant_report", local(2026, 12, 5, 0, 0))]
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u1"], ["u1"])          # u3 taken off
    assert world.read(lambda s: s.get(VacantCheck, u3.id)).status == "cancelled"
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3", "u1"], ["u1"])    # and put back
    again = world.read(lambda s: s.get(VacantCheck, u3.id))
    assert again.status == "scheduled" and again.ticket_id == u3.ticket_id
    assert [t.id for t in key_tasks(world, "vacant_check")] == tasks_before           # no second task
    assert world.read(lambda s: s.get(Ticket, u3.ticket_id)).status == "open"
    assert world.sweep() == []

    # a check that had breached, taken off and put back: its breach is not told again
    world.clock.set(local(2026, 12, 3, 0, 0, 15))
    assert world.breaches() == ["vacant_check"] * 3
    world.clock.set(local(2026, 12, 5, 0, 0, 15))
    assert world.breaches() == ["vacant_report"] * 3
    world.clock.set(local(2026, 12, 5, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    world.do(DESK, vacant.update_register, P, "2026-12", [])
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    world.clock.set(local(2026, 12, 11, 0, 0, 15))
    assert world.breaches() == ["vacant_check"]                      # December's u2: once
    world.do(DESK, vacant.update_register, P, "2026-12", [])
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    world.clock.set(local(2026, 12, 20, 0, 0))
    told = [kind for what, _, kind in world.sweep()]
    assert "vacant_check" not in told                                # the breach told stays told
    december = world.read(lambda s: s.scalars(select(VacantCheck).where(VacantCheck.month == "2026-12",
                                                                          VacantCheck.unit_id == "u2")).all())
    assert len(december) == 1 and december[0].status == "scheduled"     # one check per unit and month


def test_a_check_names_each_room_once_and_a_rejection_says_why(world):
    """M7: a blank room, the same room twice, a crack rejected with no reason -- each refused."""
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    check_id = world.read(lambda s: s.scalars(select(VacantCheck.id)).one())
    for room in ("   ", "\u3000", ""):
        with pytest.raises(ValidationError) as blank:
            VacantCheckIn().load({"findings": [{"room": room, "result": "ok"}]})
        assert "findings" in blank.value.messages
    assert "房间名称不能为空" in str(VacantCheckIn().validate({"findings": [{"room": "  ", "result": "ok"}]}))
    for twice in ([{"room": "客厅", "result": "crack", "note": "x"}, {"room": "客厅", "result": "defect"}],
                  [{"room": "客厅", "result": "ok"}, {"room": " 客厅 ", "result": "ok"}],
                  [{"room": "KTV室", "result": "ok"}, {"room": "ＫＴＶ室", "result": "ok"}]):
        with pytest.raises(RoomRecordedTwice) as refused:
            world.do(STEWARD, vacant.record_check, check_id, VacantCheckIn().load({"findings": twice})["findings"])
        assert refused.value.code == "room_recorded_twice" and "重复" in refused.value.message
    assert world.read(lambda s: s.get(VacantCheck, check_id)).status == "scheduled"       # nothing written
    assert world.events("vacant_unit.checked") == []
    world.do(STEWARD, vacant.record_check, check_id, VacantCheckIn().load({"findings": [
        {"room": "主卧", "result": "crack", "note": "墙面裂缝"}, {"room": "次卧", "result": "ok"}]})["findings"])
    crack_id = world.read(lambda s: s.get(VacantCheck, check_id).findings[0].id)
    for note in (None, "", "   "):
        with pytest.raises(DecisionReasonRequired) as refused:
            world.do(CS, vacant.decide_crack, crack_id, False, note)
        assert refused.value.code == "decision_reason_required" and "理由" in refused.value.message
    assert world.events("vacant_finding.decided") == []
    world.do(CS, vacant.decide_crack, crack_id, False, " 属正常收缩缝，无需维修 ")
    [decided] = [e["data"] for e in world.events("vacant_finding.decided")]
    assert decided["repair_state"] == "rejected" and decided["decision_note"] == "属正常收缩缝，无需维修"
    assert decided["repair_ticket_number"] is None


def test_every_time_of_a_register_reply_is_in_the_project_s_zone(world):
    """L4: one reply, checks made now and read back, all +08:00 (never +00:00 beside +08:00)."""
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])

    def reply(wk):
        row = vacant.update_register(wk, P, "2026-12", ["u2", "u3"])
        _, checks = vacant.month_view(wk, P, "2026-12")
        return vacant.register_view(row, P, "2026-12"), [vacant.check_view(wk, c) for c in checks]
    register, checks = world.do(DESK, reply)
    times = [register["updated_at"]] + [c[k] for c in checks for k in ("check_by", "report_by")]
    assert len(times) == 5 and {t.utcoffset() for t in times} == {timedelta(hours=8)}
    assert {c["check_by"] for c in checks} == {local(2026, 12, 11, 0, 0)}


def test_a_cancelled_task_is_neither_met_nor_breached(world):
    """L7: sla_state=met lists tasks met in time -- never a cancelled one, even past its due time."""
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3"])
    checks = world.read(lambda s: {c.unit_id: c for c in s.scalars(select(VacantCheck))})
    world.do(STEWARD, vacant.record_check, checks["u2"].id, [{"room": "客厅", "result": "ok"}])
    world.clock.set(local(2026, 12, 11, 0, 0, 15))
    assert world.breaches() == ["vacant_check"]
    world.clock.set(local(2026, 12, 12, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])        # u3 let: its check cancelled

    def listed(state):
        tickets, total = world.do(DESK, keys.front_desk_tasks, P, sla_state=state, open_only=False)
        assert total == len(tickets)
        return {t.id for t in tickets}
    u3_task = checks["u3"].ticket_id
    assert world.read(lambda s: s.get(Ticket, u3_task)).status == "cancelled"
    met = listed("met")
    assert checks["u2"].ticket_id in met and u3_task not in met
    assert u3_task not in listed("breached") and u3_task not in listed("pending") and u3_task not in listed("late")


def test_a_message_names_ten_unknown_ids_at_most(world):
    """L8: 1,500 unknown units make a short message ("... and 1490 more"), not 57 KB."""
    from kernel.errors import name_ids
    world.clock.set(local(2026, 12, 2, 9, 0))
    unknown = [f"00000000-0000-0000-0000-{i:012d}" for i in range(1500)]
    with pytest.raises(NotFound) as refused:
        world.do(DESK, vacant.update_register, P, "2026-12", ["u2"] + unknown)
    assert refused.value.code == "unit_not_found" and len(refused.value.message) < 1000
    assert unknown[9] in refused.value.message and unknown[10] not in refused.value.message
    assert "... and 1490 more" in refused.value.message
    assert name_ids(["a", "b"]) == "a, b"
    assert name_ids(list("abcdefghijkl")) == "a, b, c, d, e, f, g, h, i, j ... and 2 more"


def test_the_repair_of_a_vacant_check_is_reported_by_the_service_centre(world):
    """L13: a defect in an owner-registered unit: the repair's reporter is the service centre (no
    phone), not the household's contact, and ticket.opened asks no acknowledgement; an approved
    crack's decision carries the repair's number for the owner's message."""
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u1"], ["u1"])
    check_id = world.read(lambda s: s.scalars(select(VacantCheck.id)).one())
    world.do(STEWARD, vacant.record_check, check_id, [{"room": "厨房", "result": "defect", "note": "水龙头滴水"},
                                                      {"room": "主卧", "result": "crack", "note": "裂缝"}])
    [opened] = [e["data"] for e in world.events("ticket.opened")]
    assert opened["reporter"] == {"name": "服务中心", "phone": None, "user_id": None}
    assert opened["acknowledge"] is False and "13800000001" not in str(opened)
    repair = world.read(lambda s: s.get(Ticket, opened["ticket_id"]))
    assert (repair.reporter_name, repair.reporter_phone) == ("服务中心", None)
    crack_id = world.read(lambda s: s.get(VacantCheck, check_id).findings[1].id)
    world.do(CS, vacant.decide_crack, crack_id, True)
    [decided] = [e["data"] for e in world.events("vacant_finding.decided")]
    second = [e["data"] for e in world.events("ticket.opened")][1]
    assert decided["repair_ticket_number"] == second["number"] and second["acknowledge"] is False
