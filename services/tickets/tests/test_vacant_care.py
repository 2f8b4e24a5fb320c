"""The care of vacant units (空置房保养, domain/vacant_care.py, seed 000 §十.3, 6-8) on the injectable clock:
the plan by season and period; the daily job making each unit's tasks once (two replicas too); a visit
recorded only through an approved key loan of the unit; an anomaly told to the CS manager (the event);
a task not done told overdue once by the SLA sweep; the manager's cancel; a unit leaving the register
(or a household moving in) withdrawing its tasks, and coming back reopening them. Nothing faked:
kernel.jobs' JobExecutor and the SLA sweep on a file SQLite database."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import eventlet
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.errors import Forbidden, InvalidInput
from kernel.messaging.models import job_table
from kernel.settings import SettingsInconsistent
from kernel.tenancy import Caller
from kernel.testing import staff
from services.tickets.domain import alerts, copies, front_desk_settings, keys, sla, vacant, vacant_care
from services.tickets.exceptions import (CareReasonRequired, KeyLoanNotValid, KeyLoanRequired,
                                         KeyLoanReturnedBeforeVisit, PerformedAtNotValid,
                                         VacantCareNotFound, VacantCareStepNotAllowed)
from services.tickets.models import Base, Ticket, VacantCareTask
from services.tickets.schemas import KeyMoveIn, KeyReceiveIn, VacantCareRecordIn
from services.tickets.tests.support import job_executor, work
from services.tickets.tests.test_keys_vacant import World as KeysWorld

G, P = "group-1", "p1"
SH = ZoneInfo("Asia/Shanghai")
SYSTEM = Caller.system(G, "tickets")
DESK = staff(G, [P], roles=["front_desk"], user_id="desk.wang")
STEWARD = staff(G, [P], roles=["steward"], user_id="steward.wu")
CS = staff(G, [P], roles=["cs_manager"], user_id="cs.sun")
OTHER = staff(G, ["p2"], roles=["cs_manager"], user_id="cs.other")
BORROWER = {"name": "赵保洁", "id_type": "resident_id", "id_number": "110101199003071233", "phone": "13800001111",
            "purpose": "空置房清扫"}
DEFAULTS = {s.key: s.default for s in sla.SETTINGS if s.key.startswith("vacant.")}


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class World(KeysWorld):
    """test_keys_vacant's world (the same ``do`` / ``read`` / jobs / events); its sweep here tells the care
    clocks too (the keys' tests leave them out)."""

    def sweep(self) -> list[tuple[str, str, str]]:
        with self.Session() as session, session.begin():
            result = alerts.sweep(work(session, self.clock, Caller.system(None, "tickets")))
            return [(what, number, kind) for what, number, kind in result.told]

    def tasks(self, **where) -> dict[tuple[str, str, date], VacantCareTask]:
        return self.read(lambda s: {(t.unit_id, t.care_kind, t.period_start): t for t in s.scalars(
            select(VacantCareTask).filter_by(**where))})

    def record(self, caller, task_id, **body):
        return self.do(caller, vacant_care.record, task_id, VacantCareRecordIn().load(body))


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
    w.do(SYSTEM, registry)
    yield w
    engine.dispose()


def move(w: World, caller, key_id: str, action: str, **body):
    return w.do(caller, keys.move, key_id, action, KeyMoveIn().load({"action": action, **body}), None)


def lent_key(w: World, unit: str) -> str:
    """A key of ``unit`` in the store, lent to the cleaner with the CS manager's approval: the loan's id."""
    key_id = w.do(DESK, keys.receive, KeyReceiveIn().load({"unit_id": unit, "label": "入户门钥匙", "name": "开发商"}))
    move(w, DESK, key_id, "store")
    move(w, DESK, key_id, "request_loan", **BORROWER)
    move(w, CS, key_id, "approve_loan")
    return w.read(lambda s: s.get(keys.Key, key_id).loan_id)


# ==============================================================================================
# the plan
# ==============================================================================================

def test_the_plan_follows_the_seasons_by_month_and_the_periods_start_on_the_season_s_first_day():
    values = dict(DEFAULTS)
    assert values["vacant.cleaning_day"] == 15 and values["vacant.airing_every_days"] == 7
    # summer (June-September): airing every 7 days from June 1st; the cleaning is the month's
    assert vacant_care.plan_for(values, date(2026, 7, 10)) == [
        ("cleaning", date(2026, 7, 1), date(2026, 7, 31)), ("airing", date(2026, 7, 6), date(2026, 7, 12))]
    # the season's last period is cut at its end (October is mild)
    assert vacant_care.plan_for(values, date(2026, 9, 29))[1] == ("airing", date(2026, 9, 28), date(2026, 9, 30))
    # winter (November-February) runs across the new year: frost checks every 7 days from November 1st
    assert vacant_care.plan_for(values, date(2026, 12, 3))[1] == ("frost_check", date(2026, 11, 29),
                                                                  date(2026, 12, 5))
    assert vacant_care.season_bounds(values, date(2027, 1, 15)) == (date(2026, 11, 1), date(2027, 3, 1))
    # mild months: airing every 14 days; 0 turns it off
    assert vacant_care.plan_for(values, date(2026, 4, 20))[1] == ("airing", date(2026, 4, 12), date(2026, 4, 25))
    assert [k for k, _, _ in vacant_care.plan_for({**values, "vacant.mild_airing_every_days": 0},
                                                  date(2026, 4, 20))] == ["cleaning"]


def test_a_month_cannot_be_both_summer_and_winter():
    ok = {"vacant.summer_months": [6, 7, 8], "vacant.winter_months": [12, 1]}
    assert front_desk_settings.check(ok) is None
    message = front_desk_settings.check({"vacant.summer_months": [6, 7, 8], "vacant.winter_months": [8, 12]})
    assert "8月" in message and "both summer and winter" in message


def test_a_project_s_summer_and_winter_do_not_share_a_month(world):
    with pytest.raises(SettingsInconsistent) as refused:
        world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "vacant.winter_months", [9, 12, 1]))
    assert "9月" in str(refused.value)
    with pytest.raises(InvalidInput):                            # a month listed twice: the field refuses it
        world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "vacant.summer_months", [6, 6, 7]))
    assert world.do(SYSTEM, lambda wk: wk.settings.values(P)["vacant.winter_months"]) == [11, 12, 1, 2]


def test_the_seasons_and_intervals_are_project_settings(world):
    world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "vacant.winter_months", [12, 1, 2]))
    world.do(SYSTEM, lambda wk: wk.settings.change(G, P, "vacant.mild_airing_every_days", 10))
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2"])
    kinds = {(k[1], k[2]) for k in world.tasks()}
    # November is mild now: the mild season began on October 1st, its periods of 10 days -- the 6th from Nov 20
    assert kinds == {("cleaning", date(2026, 11, 1)), ("airing", date(2026, 11, 20))}


# ==============================================================================================
# the tasks: made by the register and the daily job, told overdue once
# ==============================================================================================

def test_units_on_the_register_get_their_tasks_at_once_with_a_fair_deadline(world):
    """On Tuesday 24 November u2 and u3 go on the register: the month's cleaning (its day, the 15th, past:
    due by the end of the 3rd working day, Friday) and the week's frost check (Nov 22-28), assigned to the
    cleaning department (the CS manager answers) and to customer service (the steward)."""
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    tasks = world.tasks()
    assert sorted(tasks) == [("u2", "cleaning", date(2026, 11, 1)), ("u2", "frost_check", date(2026, 11, 22)),
                             ("u3", "cleaning", date(2026, 11, 1)), ("u3", "frost_check", date(2026, 11, 22))]
    cleaning, frost = tasks[("u2", "cleaning", date(2026, 11, 1))], tasks[("u2", "frost_check", date(2026, 11, 22))]
    assert (cleaning.department, cleaning.due_at, cleaning.status) == ("cleaning", local(2026, 11, 28), "scheduled")
    assert (frost.department, frost.due_at, frost.period_end) == ("customer_service", local(2026, 11, 29),
                                                                  date(2026, 11, 28))
    ticket = world.read(lambda s: s.get(Ticket, cleaning.ticket_id))
    assert (ticket.kind, ticket.category, ticket.unit_id) == ("task", "vacant_care", "u2")
    assert [(d.kind, d.due_at, d.responsible_role) for d in ticket.deadlines] == [
        ("vacant_care", local(2026, 11, 28), "cs_manager")]
    frost_ticket = world.read(lambda s: s.get(Ticket, frost.ticket_id))
    assert frost_ticket.deadlines[0].responsible_role == "steward"
    # the same register again makes nothing new
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    assert len(world.tasks()) == 4


def test_the_daily_job_makes_each_period_s_tasks_once_and_a_missed_one_is_told_once(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2"])
    world.do(SYSTEM, vacant.seed_monthly_jobs, P)         # the register's month (December's on the 1st)
    world.do(SYSTEM, vacant_care.seed_daily_job, P)
    world.run_jobs()                                      # today's job (02:00 passed): nothing new
    assert len(world.tasks()) == 2
    # the cleaning is done on Thursday; the frost check is missed
    loan = lent_key(world, "u2")
    world.clock.set(local(2026, 11, 26, 10, 0))
    cleaning = world.tasks(care_kind="cleaning")[("u2", "cleaning", date(2026, 11, 1))]
    world.record(DESK, cleaning.id, key_loan_id=loan, performed_by="赵保洁",
                 performed_at="2026-11-24T15:00:00+08:00", note="地面、窗台已清扫")
    # Sunday 29th 02:00: the next period's frost check; the missed one told once (to the steward)
    world.clock.set(local(2026, 11, 29, 2, 30))
    world.run_jobs()
    assert sorted(k for k in world.tasks() if k[1] == "frost_check") == [
        ("u2", "frost_check", date(2026, 11, 22)), ("u2", "frost_check", date(2026, 11, 29))]
    told = [(what, kind) for what, _, kind in world.sweep()]
    assert (alerts.BREACH, "vacant_care") in told
    breaches = [e["data"] for e in world.events("ticket.sla_breached") if e["data"]["deadline_kind"] == "vacant_care"]
    assert [(e["unit_id"], e["responsible_role"], e["due_at"]) for e in breaches] == [
        ("u2", "steward", "2026-11-28T16:00:00+00:00")]
    world.clock.set(local(2026, 11, 30, 9, 0))
    assert [w for w in world.sweep() if w[0] == alerts.BREACH and w[2] == "vacant_care"] == []     # once
    # December: the cleaning of the month, due the 15th (the register carried over on the 1st)
    world.clock.set(local(2026, 12, 1, 2, 30))
    world.run_jobs()
    december = world.tasks(care_kind="cleaning")[("u2", "cleaning", date(2026, 12, 1))]
    assert december.due_at == local(2026, 12, 16)
    job = job_table(Base)
    assert world.read(lambda s: s.scalar(select(func.count()).select_from(job).where(
        job.kind == "vacant-care", job.status == "pending"))) == 1


def test_two_replicas_make_each_unit_s_tasks_once(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    world.do(SYSTEM, vacant_care.seed_daily_job, P)
    a, b = job_executor(world.Session, world.clock), job_executor(world.Session, world.clock)
    for day in (29, 30):
        world.clock.set(local(2026, 11, day, 2, 1))
        for _ in range(3):
            runs = [eventlet.spawn(a.run_once), eventlet.spawn(b.run_once)]
            [r.wait() for r in runs]
            world.clock.advance(minutes=1)
    frost = sorted(k for k in world.tasks() if k[1] == "frost_check")
    assert frost == [("u2", "frost_check", date(2026, 11, 22)), ("u2", "frost_check", date(2026, 11, 29)),
                     ("u3", "frost_check", date(2026, 11, 22)), ("u3", "frost_check", date(2026, 11, 29))]
    job = job_table(Base)
    runs = world.read(lambda s: s.execute(select(job.key, job.status, job.attempts).where(
        job.kind == "vacant-care").order_by(job.key)).all())
    # the seeded day's job ran late (on the 29th: it made the 29th's tasks), then the 30th's; each once
    assert runs == [("p1:2026-11-24", "done", 1), ("p1:2026-11-30", "done", 1), ("p1:2026-12-01", "pending", 0)]
    assert world.read(lambda s: s.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.category == "vacant_care"))) == 6


# ==============================================================================================
# recording a visit: through the key loan
# ==============================================================================================

def test_entering_a_vacant_unit_goes_through_an_approved_key_loan(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    cleaning = world.tasks()[("u2", "cleaning", date(2026, 11, 1))]
    with pytest.raises(KeyLoanRequired) as missing:
        world.record(DESK, cleaning.id, performed_by="赵保洁")
    assert "客服主管以上" in str(missing.value)
    # the loan of a vacant unit's key needs the CS manager's approval, never the desk's own
    key_id = world.do(DESK, keys.receive, KeyReceiveIn().load({"unit_id": "u2", "label": "入户门钥匙", "name": "开发商"}))
    move(world, DESK, key_id, "store")
    move(world, DESK, key_id, "request_loan", **BORROWER)
    with pytest.raises(Forbidden):
        move(world, DESK, key_id, "approve_loan")
    with pytest.raises(Forbidden):
        move(world, STEWARD, key_id, "approve_loan")
    requested = world.read(lambda s: s.get(keys.Key, key_id).loan_id)
    with pytest.raises(KeyLoanNotValid) as pending:
        world.record(DESK, cleaning.id, key_loan_id=requested)
    assert pending.value.details == {"reason": "not_approved"}
    # refused: told so (not "not approved yet"); then registered again for the visit
    move(world, CS, key_id, "refuse_loan", note="用途不明")
    with pytest.raises(KeyLoanNotValid) as refused:
        world.record(DESK, cleaning.id, key_loan_id=requested)
    assert refused.value.details == {"reason": "refused"} and refused.value.zh.startswith("该借用已被拒绝")
    assert "尚未" not in refused.value.message
    move(world, DESK, key_id, "request_loan", **BORROWER)
    requested = world.read(lambda s: s.get(keys.Key, key_id).loan_id)
    other = lent_key(world, "u3")
    with pytest.raises(KeyLoanNotValid) as wrong:
        world.record(DESK, cleaning.id, key_loan_id=other)
    assert wrong.value.details == {"reason": "other_unit"}
    with pytest.raises(KeyLoanNotValid):
        world.record(DESK, cleaning.id, key_loan_id="no-such-loan")
    move(world, CS, key_id, "approve_loan")
    with pytest.raises(KeyLoanNotValid) as before:              # the visit before the loan's approval
        world.record(DESK, cleaning.id, key_loan_id=requested, performed_at="2026-11-24T08:00:00+08:00")
    assert before.value.details == {"reason": "outside_period"}
    with pytest.raises(PerformedAtNotValid):
        world.record(DESK, cleaning.id, key_loan_id=requested, performed_at="2026-11-25T08:00:00+08:00")
    assert world.tasks()[("u2", "cleaning", date(2026, 11, 1))].status == "scheduled"     # nothing written
    world.clock.set(local(2026, 11, 24, 11, 0))
    world.record(DESK, cleaning.id, key_loan_id=requested, performed_by="赵保洁", note="已清扫")
    done = world.tasks()[("u2", "cleaning", date(2026, 11, 1))]
    assert (done.status, done.performed_by, done.performed_at, done.recorded_by, done.key_loan_id) == (
        "done", "赵保洁", local(2026, 11, 24, 11, 0), "desk.wang", requested)
    ticket = world.read(lambda s: s.get(Ticket, done.ticket_id))
    assert ticket.status == "done" and ticket.deadlines[0].met_at == local(2026, 11, 24, 11, 0)
    [event] = world.events("vacant_care.recorded")
    assert event["data"]["anomaly"] is False and event["data"]["key_loan_approved_by"] == "cs.sun"
    assert event["data"]["late"] is False and event["data"]["care_kind"] == "cleaning"
    # once: done is done
    with pytest.raises(VacantCareStepNotAllowed) as again:
        world.record(DESK, cleaning.id, key_loan_id=requested)
    assert again.value.details == {"state": "done", "action": "record"}
    # its clock never breaches
    world.clock.set(local(2026, 11, 28, 0, 1))
    assert [t for t in world.sweep() if t[0] == alerts.BREACH and t[2] == "vacant_care"] == [
        (alerts.BREACH, n, "vacant_care") for n in [world.read(lambda s: s.get(
            Ticket, world.tasks()[("u3", "cleaning", date(2026, 11, 1))].ticket_id).number)]]


def test_the_visit_happened_while_the_key_was_out_not_after_its_return(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2"])
    cleaning = world.tasks()[("u2", "cleaning", date(2026, 11, 1))]
    loan = lent_key(world, "u2")                                  # lent at 09:00
    key_id = world.read(lambda s: s.get(keys.KeyMovement, loan).key_id)
    world.clock.set(local(2026, 11, 24, 11, 0))
    move(world, DESK, key_id, "return")                           # back at 11:00
    world.clock.set(local(2026, 11, 24, 15, 0))
    # recorded in the afternoon with the time left out (now): the key was already back -- 409, both languages
    with pytest.raises(KeyLoanReturnedBeforeVisit) as late:
        world.record(DESK, cleaning.id, key_loan_id=loan, performed_by="赵保洁")
    assert late.value.details == {"key_loan_id": loan, "lent_at": "2026-11-24T01:00:00+00:00",
                                  "returned_at": "2026-11-24T03:00:00+00:00",
                                  "performed_at": "2026-11-24T07:00:00+00:00"}
    message = str(late.value)
    assert "2026-11-24 09:00" in message and "2026-11-24 11:00" in message and "已归还" in message
    assert "returned at 2026-11-24 11:00" in message
    with pytest.raises(KeyLoanReturnedBeforeVisit):               # a stated time after the return: the same
        world.record(DESK, cleaning.id, key_loan_id=loan, performed_at="2026-11-24T11:01:00+08:00")
    with pytest.raises(KeyLoanNotValid) as before:                # nor before the key was lent
        world.record(DESK, cleaning.id, key_loan_id=loan, performed_at="2026-11-24T08:59:00+08:00")
    assert before.value.details == {"reason": "outside_period"}
    assert world.tasks()[("u2", "cleaning", date(2026, 11, 1))].status == "scheduled"     # nothing written
    # the time the cleaner was in, while the key was out: recorded
    world.record(DESK, cleaning.id, key_loan_id=loan, performed_at="2026-11-24T10:30:00+08:00")
    done = world.tasks()[("u2", "cleaning", date(2026, 11, 1))]
    assert (done.status, done.performed_at, done.key_loan_id) == ("done", local(2026, 11, 24, 10, 30), loan)


def test_an_anomaly_is_reported_with_its_kind_and_told_to_the_cs_manager(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2"])
    frost = world.tasks()[("u2", "frost_check", date(2026, 11, 22))]
    loan = lent_key(world, "u2")
    with pytest.raises(CareReasonRequired):
        world.record(STEWARD, frost.id, key_loan_id=loan, anomaly=True, note="窗户被撬")
    world.record(STEWARD, frost.id, key_loan_id=loan, anomaly=True, anomaly_kind="break_in", dried=True,
                 note="北卧窗户被撬，已报护卫部")
    [event] = world.events("vacant_care.recorded")
    data = event["data"]
    assert (data["anomaly"], data["anomaly_kind"], data["dried"], data["performed_by"]) == (
        True, "break_in", True, "steward.wu")
    assert data["unit_label"] == "1栋-0002" and data["department"] == "customer_service"


def test_who_records_and_who_cancels(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2"])
    frost = world.tasks()[("u2", "frost_check", date(2026, 11, 22))]
    loan = lent_key(world, "u2")
    with pytest.raises(VacantCareNotFound):                          # another project's staff
        world.record(OTHER, frost.id, key_loan_id=loan)
    with pytest.raises(Forbidden):
        world.do(STEWARD, vacant_care.cancel, frost.id, "业主自持钥匙")
    with pytest.raises(CareReasonRequired):
        world.do(CS, vacant_care.cancel, frost.id, "  ")
    world.do(CS, vacant_care.cancel, frost.id, "业主自持钥匙，库中无钥匙")
    cancelled = world.tasks()[("u2", "frost_check", date(2026, 11, 22))]
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "业主自持钥匙，库中无钥匙")
    with pytest.raises(VacantCareStepNotAllowed):
        world.record(STEWARD, frost.id, key_loan_id=loan)
    # the manager's cancel stays: the daily job does not bring it back; its clock never breaches
    world.do(SYSTEM, vacant_care.seed_daily_job, P)
    world.clock.set(local(2026, 11, 29, 0, 5))
    world.run_jobs()
    assert world.tasks()[("u2", "frost_check", date(2026, 11, 22))].status == "cancelled"
    assert not [t for t in world.sweep() if t[0] == alerts.BREACH and t[2] == "vacant_care"
                and t[1] == world.read(lambda s: s.get(Ticket, cancelled.ticket_id).number)]


def test_a_unit_leaving_the_register_withdraws_its_tasks_and_coming_back_reopens_them(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    first = world.tasks()
    world.do(DESK, vacant.update_register, P, "2026-11", ["u3"])
    assert {k: t.status for k, t in world.tasks(unit_id="u2").items()} == {
        ("u2", "cleaning", date(2026, 11, 1)): "cancelled", ("u2", "frost_check", date(2026, 11, 22)): "cancelled"}
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    back = world.tasks(unit_id="u2")
    assert {k: (t.id, t.status) for k, t in back.items()} == {
        k: (first[k].id, "scheduled") for k in first if k[0] == "u2"}
    ticket = world.read(lambda s: s.get(Ticket, back[("u2", "cleaning", date(2026, 11, 1))].ticket_id))
    assert ticket.status == "open"
    # a household moving in: its tasks cancelled, never told overdue
    world.do(SYSTEM, copies.apply_household, {"household_id": "h9", "unit_id": "u2", "status": "active",
                                              "people": [{"name": "新业主", "role": "owner", "phone": "13800000009"}],
                                              "version": 1})
    assert {t.status for t in world.tasks(unit_id="u2").values()} == {"cancelled"}
    assert {t.status for t in world.tasks(unit_id="u3").values()} == {"scheduled"}


def test_the_project_s_list_of_due_and_overdue_tasks(world):
    world.do(DESK, vacant.update_register, P, "2026-11", ["u2", "u3"])
    world.clock.set(local(2026, 11, 28, 9, 0))                      # the cleanings (due Friday night) overdue
    overdue, total = world.do(DESK, lambda wk: vacant_care.list_tasks(wk, P, state="overdue"))
    assert total == 2 and {t.care_kind for t in overdue} == {"cleaning"}
    due, _ = world.do(DESK, lambda wk: vacant_care.list_tasks(wk, P, state="due"))
    assert {(t.unit_id, t.care_kind) for t in due} == {("u2", "frost_check"), ("u3", "frost_check")}
    view = world.do(DESK, lambda wk: vacant_care.view(wk, vacant_care.get(wk, overdue[0].id)))
    assert view["overdue"] is True and view["responsible_role"] == "cs_manager"
    assert view["due_at"].utcoffset().total_seconds() == 8 * 3600
    with pytest.raises(Forbidden):
        world.do(staff(G, [P], roles=["engineering"], user_id="eng"), lambda wk: vacant_care.list_tasks(wk, P))
