"""Arrears classes A-E, the dunning log's actions and the stewards' tasks (domain/arrears_classes.py):
each class's next actions on their days (hand-checked dates), a broken promise, the quarter
follow-up, the log append-only in the database, assignment, scope, the account's dunning state on
``account.balance_changed``, and that nothing can suspend water or power."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound
from kernel.testing import outbox_events, resident, staff
from services.billing import events, schemas
from services.billing.domain import arrears_classes as classes, dunning, journal, settings as s
from services.billing.exceptions import (DunningCaseClosed, DunningCaseNotFound, PhotoRequired, PromiseAboveOverdue,
                                         PromiseInThePast, PromiseTooFar,
                                         PromiseNotExpected, PromisedOnRequired)
from services.billing.models import Base, DunningCase, DunningLogEntry, DunningTask, OutboxMessage, Project

from .support import DESK, G, PLATFORM, ZHANG, monthly_bill, service_as

STEWARD = staff(G, ["p1"], roles=["steward"], user_id="steward-1")
STEWARD2 = staff(G, ["p1"], roles=["steward"], user_id="steward-2")
CSM = staff(G, ["p1"], roles=["cs_manager"], user_id="csm-1")
FAR = staff(G, ["p2"], roles=["steward", "cs_manager"], user_id="far-1")
OTHER_GROUP = staff("group-2", ["p1"], roles=["cs_manager"], user_id="other-1")
DEFAULTS = {setting.key: setting.default for setting in s.SETTINGS}
JAN = lambda d: date(2026, 1, d)  # noqa: E731


def at(clock: ManualClock, day: date, hour: int = 8) -> None:
    clock.set(f"{day.isoformat()}T{hour:02d}:00:00+08:00")


def sweep(as_, clock, first: date, last: date | None = None) -> None:
    """The daily sweep at 08:00 of each day ``first``..``last``."""
    day = first
    while day <= (last or first):
        at(clock, day)
        w = as_(PLATFORM)
        dunning.sweep(w, w.session.get(Project, "p1"))
        w.session.commit()
        day += timedelta(days=1)


@pytest.fixture
def case(session, clock, estate, as_) -> DunningCase:
    """u1's January bill of 100.00 (due 15 January) unpaid: the case opens on 16 January."""
    at(clock, JAN(1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    sweep(as_, clock, JAN(16))
    return session.scalar(select(DunningCase))


def act(as_, clock, caller, fn, day: date, **data):
    """``fn`` (classify / log_action) as ``caller`` at 10:00 on ``day``, committed."""
    at(clock, day, 10)
    w = as_(caller)
    out = fn(w, data)
    w.session.commit()
    return out


def tasks(session, status=None) -> list[tuple]:
    q = select(DunningTask.kind, DunningTask.due_on, DunningTask.role, DunningTask.status)
    if status:
        q = q.where(DunningTask.status == status)
    return sorted((k, d, r, st) for k, d, r, st in session.execute(q))


def kinds_on(session, status="open") -> list[tuple]:
    return sorted((d, k) for k, d, _, _ in tasks(session, status))


# -- the table (pure) -------------------------------------------------------------------------------

def test_the_table_names_every_class_with_its_actions_cadence_and_role():
    assert set(classes.CLASSES) == {"A", "B", "C", "D", "E"}
    assert classes.CLASSES["B"].actions == ("call", "door_notice") and classes.CLASSES["B"].every == s.CLASS_B_EVERY_DAYS
    assert classes.CLASSES["C"].actions == ("visit", "door_notice", "find_contact")
    assert classes.CLASSES["D"].actions == ("call",) and classes.CLASSES["D"].every == s.CLASS_D_EVERY_DAYS
    assert classes.CLASSES["E"].once == (("escalate", "cs_manager"),)
    for rule in classes.CLASSES.values():
        assert set(rule.actions) <= set(classes.TASK_KINDS)


@pytest.mark.parametrize("oldest, first_day", [
    (JAN(15), date(2026, 4, 16)),                     # 15 Jan + 3 months = 15 Apr: more than that from 16 Apr
    (date(2025, 11, 30), date(2026, 3, 1)),           # 30 Nov + 3 months = 28 Feb (short month): from 1 Mar
    (date(2027, 11, 30), date(2028, 3, 1)),           # 29 Feb 2028 (leap year): from 1 Mar
])
def test_more_than_a_quarter_in_arrears_starts_the_day_after_three_calendar_months(oldest, first_day):
    assert classes.quarter_from(oldest) == first_day


# -- each class's next actions on their days --------------------------------------------------------

def test_before_a_class_the_steward_calls_on_the_day_the_case_opens(session, case):
    assert case.opened_on == JAN(16) and case.arrears_class is None
    assert tasks(session) == [("first_call", JAN(16), "steward", "open")]


def test_class_b_calls_and_posts_a_door_notice_every_day_from_the_day_it_is_set(session, clock, as_, case):
    sweep(as_, clock, JAN(17))                       # 08:00: nothing new (first call was yesterday's)
    _, entry, done = act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="B",
                         note="无人接听")
    assert entry.kind == "class" and entry.arrears_class == "B" and entry.recorded_by == "steward-1"
    assert len(done) == 1                            # the first call (16 Jan) is done by it
    sweep(as_, clock, JAN(18), JAN(19))
    assert kinds_on(session) == [(JAN(17), "call"), (JAN(17), "door_notice"), (JAN(18), "call"),
                                 (JAN(18), "door_notice"), (JAN(19), "call"), (JAN(19), "door_notice")]
    assert kinds_on(session, "done") == [(JAN(16), "first_call")]


def test_class_c_visits_posts_and_looks_for_a_contact_every_7_days(session, clock, as_, case):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="C", note="空号")
    sweep(as_, clock, JAN(18), JAN(31))
    assert kinds_on(session) == [(d, k) for d in (JAN(17), JAN(24), JAN(31))
                                 for k in ("door_notice", "find_contact", "visit")]


def test_class_d_is_called_every_day(session, clock, as_, case):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="D", note="在外地")
    sweep(as_, clock, JAN(18), JAN(19))
    assert kinds_on(session) == [(JAN(17), "call"), (JAN(18), "call"), (JAN(19), "call")]


def test_class_a_is_reminded_the_day_before_and_a_broken_promise_moves_it_to_b(session, clock, as_, case):
    with pytest.raises(PromisedOnRequired):
        act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="A")
    with pytest.raises(PromiseInThePast):
        act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="A", promised_on=JAN(16))
    session.rollback()
    # at most dunning.promise_longest_days (30) ahead: 16 February, not the 17th; at most the 100.00 overdue
    with pytest.raises(PromiseTooFar):
        act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="A",
            promised_on=date(2026, 2, 17))
    session.rollback()
    with pytest.raises(PromiseAboveOverdue):
        act(as_, clock, STEWARD, classes.log_action, JAN(17), case_id=case.id, kind="promise", outcome="",
            promised_on=date(2026, 2, 16), promised_amount=Decimal("100.01"))
    session.rollback()
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="A", promised_on=JAN(25),
        promised_amount=Decimal("100.00"), note="月底前交")
    sweep(as_, clock, JAN(18), JAN(25))
    assert kinds_on(session) == [(JAN(24), "reminder_call")]
    assert session.get(DunningCase, case.id).arrears_class == "A"      # 25 Jan: still the promised day
    session.query(OutboxMessage).delete()
    sweep(as_, clock, JAN(26))
    case = session.get(DunningCase, case.id)
    assert (case.arrears_class, case.class_set_on, case.promised_on) == ("B", JAN(26), None)
    broken = session.scalar(select(DunningLogEntry).where(DunningLogEntry.kind == "promise_broken"))
    assert broken.recorded_by == PLATFORM.user_id and broken.promised_on == JAN(25) and broken.done_on == JAN(26)
    # the reminder nobody did is class A's: cancelled with the promise, not left open
    assert kinds_on(session) == [(JAN(26), "call"), (JAN(26), "door_notice")]
    assert [(k, d) for k, d, _, _ in tasks(session, "cancelled")] == [("reminder_call", JAN(24))]
    snaps = _balance_events(session)
    assert [(p["cause"], p["arrears_class"]) for p in snaps] == [("dunning", "B")]


def test_class_e_is_escalated_to_the_cs_supervisor_then_followed_up_every_7_days(session, clock, as_, case):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="E", note="开发商遗留问题")
    sweep(as_, clock, JAN(18), JAN(31))
    assert [(k, d, r) for k, d, r, _ in tasks(session, "open")] == [
        ("escalate", JAN(17), "cs_manager"), ("follow_up", JAN(24), "steward"), ("follow_up", JAN(31), "steward")]
    # the steward's note does not do the supervisor's task; the supervisor's does
    _, _, done = act(as_, clock, STEWARD, classes.log_action, JAN(31), case_id=case.id, kind="note", outcome="已汇报")
    assert done == []
    _, _, done = act(as_, clock, CSM, classes.log_action, JAN(31), case_id=case.id, kind="note",
                     outcome="已与业主沟通, 按期跟进")
    assert [session.get(DunningTask, t).kind for t in done] == ["escalate"]


def test_over_a_quarter_in_arrears_is_followed_up_every_7_days_whatever_the_class(session, clock, as_, case):
    # class C on 17 January: its actions fall on 17 Jan + 7k (.. 11, 18, 25 April); the bill was due
    # on 15 January, so more than a quarter overdue from 16 April: follow-ups 16, 23, 30 April
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="C", note="空号")
    sweep(as_, clock, date(2026, 4, 10), date(2026, 4, 30))
    april = [(d, k) for d, k in kinds_on(session) if d.month == 4]
    assert [d for d, k in april if k == "follow_up"] == [date(2026, 4, 16), date(2026, 4, 23), date(2026, 4, 30)]
    assert sorted({d for d, k in april if k == "visit"}) == [date(2026, 4, 11), date(2026, 4, 18), date(2026, 4, 25)]


def test_a_task_is_made_once_per_case_kind_and_day(session, clock, as_, case):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="B", note="无人接听")
    for _ in range(2):
        w = as_(PLATFORM)
        classes.make_day_tasks(w, w.session.get(Project, "p1"), JAN(17), dunning.SweepResult(JAN(17)))
        session.commit()
    assert kinds_on(session) == [(JAN(17), "call"), (JAN(17), "door_notice")]


# -- the log --------------------------------------------------------------------------------------

def test_an_action_is_logged_with_who_and_when_and_completes_its_tasks(session, clock, as_, case):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="B", note="无人接听")
    with pytest.raises(PhotoRequired):
        act(as_, clock, STEWARD, classes.log_action, JAN(17), case_id=case.id, kind="door_notice", outcome="已张贴")
    with pytest.raises(PromiseNotExpected):
        act(as_, clock, STEWARD, classes.log_action, JAN(17), case_id=case.id, kind="call", outcome="x",
            promised_on=JAN(20))
    _, entry, done = act(as_, clock, STEWARD, classes.log_action, JAN(17), case_id=case.id, kind="door_notice",
                         outcome="已张贴催费通知单", photo_ref="photos/2026-01-17/1-u1.jpg")
    assert (entry.kind, entry.done_on, entry.recorded_by, entry.photo_ref) == (
        "door_notice", JAN(17), "steward-1", "photos/2026-01-17/1-u1.jpg")
    assert entry.recorded_at == clock.now()
    assert kinds_on(session, "done") == [(JAN(16), "first_call"), (JAN(17), "door_notice")]
    # a promise sets class A with its day; the call task of the day is done by it
    case, entry, done = act(as_, clock, STEWARD, classes.log_action, JAN(17), case_id=case.id, kind="promise",
                            outcome="答应20号交", promised_on=JAN(20))
    assert (case.arrears_class, case.promised_on, entry.kind) == ("A", JAN(20), "promise")
    assert kinds_on(session) == []                  # the reminder is the 19th's, made by its sweep
    assert (JAN(17), "call") in kinds_on(session, "done")


def test_the_outcome_is_one_line_of_bounded_length():
    load = schemas.DunningActionIn().load
    base = {"case_id": "c1", "kind": "call"}
    for bad in ("", "   ", "无人接听\n138 0013 8000", "x" * 401, "a\x00b"):
        with pytest.raises(ValidationError):
            load(dict(base, outcome=bad))
    assert load(dict(base, outcome="无人接听"))["outcome"] == "无人接听"
    with pytest.raises(ValidationError):
        load(dict(base, kind="cut_water", outcome="x"))


@pytest.fixture
def migrated(db_url):
    from sqlalchemy.orm import Session

    from kernel.config import migrations_dir
    from kernel.db import make_engine, upgrade
    upgrade(migrations_dir("billing"), db_url)
    engine = make_engine(db_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def test_the_database_refuses_to_change_or_delete_a_log_row(migrated):
    """On the migrated schema (SQLite and PostgreSQL): a logged call can be neither edited nor deleted."""
    from .support import add_project, add_unit, move_in, work
    session, clock = migrated, ManualClock("2026-01-01T08:00:00+08:00")
    w = work(session, clock, PLATFORM)
    add_project(w)
    account = add_unit(w, "u1")
    move_in(w, "u1")
    monthly_bill(w, account, "100.00", "2026-01")
    session.commit()
    at(clock, JAN(16))
    dunning.sweep(w, session.get(Project, "p1"))
    session.commit()
    case = session.scalar(select(DunningCase))
    act(lambda caller: work(session, clock, caller), clock, STEWARD, classes.log_action, JAN(16), case_id=case.id,
        kind="call", outcome="无人接听")
    for statement in ("UPDATE dunning_log SET outcome = '已缴' WHERE kind = 'call'",
                      "DELETE FROM dunning_log WHERE kind = 'call'"):
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.execute(text("SELECT outcome FROM dunning_log WHERE kind = 'call'")).scalar() == "无人接听"


# -- closing, pausing, stewards --------------------------------------------------------------------

def test_closing_or_pausing_a_case_cancels_its_open_tasks(session, clock, as_, case, estate):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="B", note="无人接听")
    at(clock, JAN(17), 11)
    w = as_(CSM)
    dunning.pause(w, w.session.get(DunningCase, case.id), "dispute", "业主对水费有异议")
    session.commit()
    assert kinds_on(session) == [] and len(kinds_on(session, "cancelled")) == 2
    sweep(as_, clock, JAN(18))
    assert kinds_on(session) == []                   # a paused case gets no task
    at(clock, JAN(18), 11)
    w = as_(CSM)
    dunning.resume(w, w.session.get(DunningCase, case.id), "异议已处理")
    session.commit()
    assert kinds_on(session) == [(JAN(18), "call"), (JAN(18), "door_notice")]
    at(clock, JAN(18), 15)
    w = as_(DESK)
    journal.receive(w, estate["u1"], amount=Decimal("100.00"), book="cash", occurred_on=JAN(18),
                    description="物业费", ref_type="payment", ref_id="pay-1")
    session.commit()
    assert session.get(DunningCase, case.id).status == "closed" and kinds_on(session) == []
    with pytest.raises(DunningCaseClosed):
        act(as_, clock, STEWARD, classes.log_action, JAN(19), case_id=case.id, kind="call", outcome="已缴")


def test_the_cs_supervisor_assigns_cases_to_a_steward_whose_worklist_they_are(session, clock, as_, case):
    act(as_, clock, STEWARD, classes.classify, JAN(17), case_id=case.id, arrears_class="B", note="无人接听")
    with pytest.raises(Forbidden):
        act(as_, clock, STEWARD, classes.assign, JAN(17), project_id="p1", case_ids=[case.id], steward_id="steward-2")
    with pytest.raises(DunningCaseNotFound):
        act(as_, clock, CSM, classes.assign, JAN(17), project_id="p1", case_ids=["nope"], steward_id="steward-2")
    act(as_, clock, CSM, classes.assign, JAN(17), project_id="p1", case_ids=[case.id], steward_id="steward-2",
        steward_name="李管家")
    assert session.get(DunningCase, case.id).steward_name == "李管家"
    assert {t.steward_id for t in session.scalars(select(DunningTask).where(DunningTask.status == "open"))} == {
        "steward-2"}
    assert session.scalar(select(DunningLogEntry).where(DunningLogEntry.kind == "assigned")).outcome == \
        "steward steward-2 李管家"
    sweep(as_, clock, JAN(18))
    query = {"project_id": "p1", "steward": None, "day": JAN(18), "limit": 200, "offset": 0}
    mine = classes.worklist(as_(STEWARD2), query)
    assert mine["steward"] == "steward-2"
    assert [(t["kind"], t["due_on"], t["unit_label"], t["overdue"], t["arrears_class"]) for t in mine["tasks"]] == [
        ("call", JAN(17), "1栋-u1", Decimal("100.00"), "B"), ("door_notice", JAN(17), "1栋-u1", Decimal("100.00"), "B"),
        ("call", JAN(18), "1栋-u1", Decimal("100.00"), "B"), ("door_notice", JAN(18), "1栋-u1", Decimal("100.00"), "B")]
    assert classes.worklist(as_(STEWARD), query)["tasks"] == []           # not steward-1's any more
    assert len(classes.worklist(as_(CSM), query)["tasks"]) == 4            # the supervisor sees all
    assert len(classes.worklist(as_(CSM), dict(query, day=JAN(17)))["tasks"]) == 2


def test_only_staff_of_the_project_see_or_touch_a_case(session, clock, as_, case):
    for caller in (FAR, OTHER_GROUP, ZHANG, resident(G, ["u2"])):
        with pytest.raises(DunningCaseNotFound):
            classes.get_case(as_(caller), case.id)
        with pytest.raises(DunningCaseNotFound):
            act(as_, clock, caller, classes.log_action, JAN(17), case_id=case.id, kind="call", outcome="x")
    query = {"project_id": "p1", "status": "open", "limit": 50, "offset": 0}
    with pytest.raises(NotFound):
        classes.list_cases(as_(ZHANG), query)
    with pytest.raises(Forbidden):
        classes.list_cases(as_(FAR), query)
    with pytest.raises(Forbidden):                   # the front desk reads but does not class
        act(as_, clock, DESK, classes.classify, JAN(17), case_id=case.id, arrears_class="B")
    page = classes.list_cases(as_(DESK), query)
    assert page["total"] == 1 and page["items"][0]["unit_label"] == "1栋-u1"


def test_the_cases_list_filters_and_sorts_most_overdue_first(session, clock, estate, as_):
    from .support import add_unit, move_in
    w = as_(PLATFORM)
    u3 = add_unit(w, "u3", label="2栋-0301")
    move_in(w, "u3")
    at(clock, JAN(1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    monthly_bill(as_(PLATFORM), u3, "250.00", "2026-01")
    session.commit()
    sweep(as_, clock, JAN(16))
    base = {"project_id": "p1", "status": "open", "limit": 50, "offset": 0}
    page = classes.list_cases(as_(CSM), base)
    assert [(c["unit_label"], c["overdue"]) for c in page["items"]] == [
        ("2栋-0301", Decimal("250.00")), ("1栋-u1", Decimal("100.00"))]
    u1 = page["items"][1]["id"]
    act(as_, clock, STEWARD, classes.classify, JAN(16), case_id=u1, arrears_class="D", note="在外地")
    assert [c["unit_label"] for c in classes.list_cases(as_(CSM), dict(base, arrears_class="D"))["items"]] == ["1栋-u1"]
    assert classes.list_cases(as_(CSM), dict(base, stage="first"))["total"] == 2
    assert classes.list_cases(as_(CSM), dict(base, paused=True))["total"] == 0
    assert classes.list_cases(as_(CSM), dict(base, status="closed"))["total"] == 0
    assert classes.list_cases(as_(CSM), dict(base, limit=1, offset=1))["items"][0]["id"] == u1
    view = classes.case_view(as_(STEWARD), classes.get_case(as_(STEWARD), u1))
    assert [n["stage"] for n in view["notices"]] == ["first"]
    assert [e["kind"] for e in view["log"]] == ["notice", "class"]
    assert [(t["kind"], t["status"]) for t in view["tasks"]] == [("call", "open"), ("first_call", "done")]
    assert view["plans"] == [] and view["legal"] == []


# -- the account's dunning state (snapshot, read model) ---------------------------------------------

def _balance_events(session) -> list[dict]:
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == events.BALANCE_CHANGED]


def test_the_account_s_dunning_state_is_published_when_it_changes(session, clock, estate, as_):
    at(clock, JAN(1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    session.query(OutboxMessage).delete()
    sweep(as_, clock, JAN(15))
    assert _balance_events(session) == []            # nothing overdue yet
    sweep(as_, clock, JAN(16))
    (opened,) = _balance_events(session)
    assert {k: opened[k] for k in ("cause", "dunning_stage", "arrears_class", "dunning_paused", "late_fee_accrued",
                                   "entry_id")} == {
        "cause": "dunning", "dunning_stage": "first", "arrears_class": None, "dunning_paused": False,
        "late_fee_accrued": "0.00", "entry_id": None}
    sweep(as_, clock, JAN(17), JAN(23))               # no move: nothing published
    assert len(_balance_events(session)) == 1
    case = session.scalar(select(DunningCase))
    act(as_, clock, STEWARD, classes.classify, JAN(23), case_id=case.id, arrears_class="B", note="无人接听")
    sweep(as_, clock, JAN(24))
    # 8..12 Feb: 5 days x 100.00 x 0.05% = 0.25 accrued, not billed
    sweep(as_, clock, JAN(25), date(2026, 2, 12))
    published = _balance_events(session)
    assert [(p["dunning_stage"], p["arrears_class"]) for p in published] == [
        ("first", None), ("first", "B"), ("second", "B"), ("final", "B"), ("late", "B")]
    versions = [p["version"] for p in published]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    from services.billing.domain import accounts
    snap = accounts.snapshot(session, estate["u1"], None)
    assert (snap["dunning_stage"], snap["late_fee_accrued"]) == ("late", Decimal("0.25"))
    at(clock, date(2026, 2, 12), 15)
    journal.receive(as_(DESK), estate["u1"], amount=Decimal("100.00"), book="cash", occurred_on=date(2026, 2, 12),
                    description="物业费", ref_type="payment", ref_id="pay-1")
    session.commit()
    last = _balance_events(session)[-1]
    assert (last["dunning_stage"], last["arrears_class"], last["late_fee_accrued"]) == (None, None, "0.00")


def test_the_account_route_s_reply_carries_the_dunning_state(session, clock, as_, case):
    svc = service_as(session, clock, STEWARD)
    at(clock, JAN(17), 10)
    reply = svc.set_arrears_class(case.id, {"arrears_class": "C", "note": "关机"}, idempotency_key="k1")
    session.commit()
    assert reply["account"]["arrears_class"] == "C" and reply["case"]["arrears_class"] == "C"
    assert reply["completed_tasks"] and reply["entry"]["kind"] == "class"
    again = svc.set_arrears_class(case.id, {"arrears_class": "C", "note": "关机"}, idempotency_key="k1")
    assert again == reply
    assert service_as(session, clock, ZHANG).get_account("u1")["arrears_class"] == "C"
    listed = service_as(session, clock, CSM).list_dunning_cases("p1", {"arrears_class": "C"})
    assert [c["id"] for c in listed["items"]] == [case.id]
    detail = service_as(session, clock, CSM).get_dunning_case(case.id)
    assert [t["kind"] for t in detail["tasks"] if t["status"] == "open"] == ["door_notice", "find_contact", "visit"]
    worklist = service_as(session, clock, STEWARD).dunning_tasks("p1", {"day": "2026-01-17"})
    assert worklist["steward"] == "steward-1" and len(worklist["tasks"]) == 3


# -- never water or power ---------------------------------------------------------------------------

SUPPLY_WORDS = ("water", "power", "electric", "supply", "suspend", "cut", "disconnect", "shut", "停水", "停电", "断")


def test_nothing_can_suspend_water_or_power():
    """No action a steward logs, no task, no setting and no event of billing can stop a supply."""
    from services.billing.events import CONTRACT
    names = [*classes.ACTION_KINDS, *classes.TASK_KINDS, *classes.LOG_KINDS,
             *(setting.key for setting in s.SETTINGS),
             *CONTRACT.schemas]
    assert [n for n in names if any(w in n.lower() for w in SUPPLY_WORDS)] == []
    assert set(schemas.DunningActionIn().fields["kind"].validate.choices) == set(classes.ACTION_KINDS)
