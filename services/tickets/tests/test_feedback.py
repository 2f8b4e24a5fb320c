"""Praise and suggestions (表扬与建议, domain/feedback.py): registration by a resident (own unit)
and by the desk (any channel, a unit or the project), the transition table with its parties, the
suggestion's reply clock (a per-project setting, 7 days by default) on the SLA engine, and the
events archive files -- on the injectable clock, nothing faked."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError

from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import alerts, copies, feedback, workflow
from services.tickets.exceptions import (BadDecision, NotYourStep, PraiseNotForwarded, TransitionNotAllowed,
                                         UnitRequired)
from services.tickets.models import Base, Feedback
from services.tickets.schemas import FeedbackIn, FeedbackStepIn
from services.tickets.tests.support import work

G = "group-1"
SH = ZoneInfo("Asia/Shanghai")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")
GM = staff(G, ["p1"], roles=["general_manager"], user_id="gm")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
OTHER_PROJECT = staff(G, ["p2"], roles=["front_desk"], user_id="desk.p2")
ME = resident(G, ["u1"], user_id="r-zhang")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    for pid, name in (("p1", "绿湖花园"), ("p2", "锦江苑")):
        copies.apply_project(w, {"project_id": pid, "group_id": G, "name": name,
                                 "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label,
                              "version": 1})
    session.flush()


def submit(session, clock, caller=ME, **data):
    body = FeedbackIn().load({"sub_kind": "suggestion", "unit_id": "u1",
                              "content": "建议在小区东门加装雨棚", **data})
    return feedback.register(work(session, clock, caller), body)


def step(session, clock, ticket, action, caller=DESK, **data):
    command = FeedbackStepIn().load({"action": action, **data})
    return feedback.transition(work(session, clock, caller), ticket.id, action, command)


def events_of(session, type_):
    return [e for e in outbox_events(session, Base) if e["type"] == type_]


def clock_of(ticket):
    return next(d for d in ticket.deadlines if d.kind == feedback.REPLY_CLOCK)


# -- the table ------------------------------------------------------------------------------

def test_the_transition_table_is_explicit_and_registered():
    assert workflow.TABLES["feedback"] is feedback.TABLE
    rows = {(s, a): (st.to, st.who) for (s, a), st in feedback.TABLE.items()}
    assert rows[("received", "acknowledge")] == ("acknowledged", frozenset({"desk"}))
    assert rows[("acknowledged", "forward")][0] == "forwarded"
    assert rows[("forwarded", "reply")][0] == "replied"
    assert rows[("replied", "close")][0] == "closed"
    assert rows[("received", "cancel")] == ("cancelled", frozenset({"desk", "resident"}))
    # a closed or withdrawn one takes no step; a replied one is closed, or (praise) passed on
    assert {a for (s, a) in feedback.TABLE if s in ("closed", "cancelled")} == set()
    assert {a for (s, a) in feedback.TABLE if s == "replied"} == {"close", "forward"}
    assert feedback.TABLE[("replied", "forward")].to == "replied"
    assert set(feedback.OPEN_STATES) <= set(workflow.all_open_states())


# -- registration ---------------------------------------------------------------------------

def test_a_resident_s_suggestion_from_the_portal_starts_its_7_day_reply_clock(session, clock, registry):
    ticket = submit(session, clock)                  # Tuesday 2026-11-24 09:00
    assert (ticket.kind, ticket.category, ticket.status, ticket.channel) == (
        "feedback", "suggestion", "received", "portal")
    assert ticket.number == "BJ-20261124-0001" and ticket.unit_label == "1栋-0101"
    reply = clock_of(ticket)
    assert (reply.due_at, reply.responsible_role) == (local(2026, 12, 1, 9, 0), "cs_manager")
    [received] = events_of(session, "feedback.received")
    assert received["data"]["sub_kind"] == "suggestion" and received["data"]["channel"] == "portal"
    assert "reporter_phone" not in received["data"]
    [changed] = events_of(session, "ticket.changed")
    assert changed["data"]["feedback"]["sub_kind"] == "suggestion" and changed["data"]["documents"] == []


def test_the_reply_deadline_is_a_project_setting(session, clock, registry):
    work(session, clock, CS).settings.change(G, "p1", feedback.SUGGESTION_REPLY_DAYS, 3)
    assert clock_of(submit(session, clock)).due_at == local(2026, 11, 27, 9, 0)


def test_praise_has_no_clock_and_names_staff(session, clock, registry):
    ticket = submit(session, clock, caller=DESK, sub_kind="praise", channel="letter",
                    content="感谢保安李师傅雨夜帮忙搬运行李", named_staff=[{"name": "李师傅"}], department="护卫部",
                    reporter_name="张先生")
    assert ticket.channel == "letter" and ticket.deadlines == []
    row = session.get(Feedback, ticket.id)
    assert row.named_staff == [{"name": "李师傅", "user_id": None}] and row.department == "护卫部"
    [received] = events_of(session, "feedback.received")
    assert received["data"]["named_staff"] == ["李师傅"]


def test_the_desk_records_feedback_about_the_project_with_no_unit(session, clock, registry):
    ticket = submit(session, clock, caller=DESK, unit_id=None, project_id="p1", channel="phone")
    assert ticket.unit_id is None and ticket.location == "绿湖花园" and ticket.channel == "phone"


def test_scope_a_resident_only_for_their_unit_staff_only_in_their_projects(session, clock, registry):
    with pytest.raises(NotFound):
        submit(session, clock, caller=NEIGHBOUR)                     # u1 is not theirs
    with pytest.raises(UnitRequired) as no_unit:
        submit(session, clock, caller=ME, unit_id=None, project_id="p1")
    assert no_unit.value.english.startswith("a resident's praise or suggestion is submitted for one of their units")
    with pytest.raises(Forbidden):
        submit(session, clock, caller=OTHER_PROJECT)                  # same group, another project
    with pytest.raises(Forbidden):
        submit(session, clock, caller=TECH)                           # not the desk
    ticket = submit(session, clock)
    with pytest.raises(NotFound):
        feedback.get_feedback(work(session, clock, NEIGHBOUR), ticket.id)
    with pytest.raises(NotFound):
        step(session, clock, ticket, "cancel", caller=NEIGHBOUR, reason="不需要了")
    mine, total = feedback.list_feedback(work(session, clock, ME))
    assert [t.id for t in mine] == [ticket.id] and total == 1
    assert feedback.list_feedback(work(session, clock, NEIGHBOUR)) == ([], 0)
    # a resident's filter by a project that is not theirs: an empty list, not their own (trial finding)
    assert feedback.list_feedback(work(session, clock, ME), project_id="p1")[1] == 1
    assert feedback.list_feedback(work(session, clock, ME), project_id="p2") == ([], 0)


def test_bad_input_is_refused_at_the_boundary():
    with pytest.raises(ValidationError):
        FeedbackIn().load({"sub_kind": "complaint", "unit_id": "u1", "content": "很好"})
    with pytest.raises(ValidationError):
        FeedbackIn().load({"sub_kind": "suggestion", "unit_id": "u1", "content": "x" * 2001})
    with pytest.raises(ValidationError):
        FeedbackIn().load({"sub_kind": "suggestion", "unit_id": "u1", "content": "建议\u202e反转"})
    with pytest.raises(ValidationError):
        FeedbackIn().load({"sub_kind": "suggestion", "unit_id": "u1", "content": "建议加雨棚",
                           "named_staff": [{"name": "李师傅"}]})
    with pytest.raises(ValidationError):
        FeedbackStepIn().load({"action": "reply", "body": "不采纳", "decision": "not_adopted"})   # no reason
    with pytest.raises(ValidationError):
        FeedbackStepIn().load({"action": "forward"})
    # trial findings: blank content, a named user id that is no id (a path)
    for content in ("   ", "\u3000\u3000\u3000"):
        with pytest.raises(ValidationError):
            FeedbackIn().load({"sub_kind": "suggestion", "unit_id": "u1", "content": content})
    for user_id in ("../../admin", "", "a/b", "x" * 65):
        with pytest.raises(ValidationError):
            FeedbackIn().load({"sub_kind": "praise", "unit_id": "u1", "content": "感谢李师傅",
                               "named_staff": [{"name": "李师傅", "user_id": user_id}]})
    named = FeedbackIn().load({"sub_kind": "praise", "unit_id": "u1", "content": "感谢李师傅",
                               "named_staff": [{"name": "李师傅", "user_id": "eng.lh"}]})
    assert named["named_staff"] == [{"name": "李师傅", "user_id": "eng.lh"}]


# -- the workflow ---------------------------------------------------------------------------

def test_a_suggestion_is_acknowledged_forwarded_and_answered_not_adopted_with_the_reason(session, clock, registry):
    ticket = submit(session, clock)
    assert step(session, clock, ticket, "acknowledge").status == "acknowledged"
    assert step(session, clock, ticket, "forward", forwarded_to="工程部").status == "forwarded"
    clock.advance(timedelta(days=2))
    with pytest.raises(BadDecision):
        step(session, clock, ticket, "reply", caller=CS, body="感谢建议")
    replied = step(session, clock, ticket, "reply", caller=CS, decision="not_adopted",
                   reason="东门为消防通道，不能加装固定构筑物", body="张先生：感谢您的建议……")
    assert replied.status == "replied"
    row = session.get(Feedback, ticket.id)
    assert (row.decision, row.decision_reason) == ("not_adopted", "东门为消防通道，不能加装固定构筑物")
    assert clock_of(replied).met_at == local(2026, 11, 26, 9, 0)
    [event] = events_of(session, "feedback.replied")
    assert event["data"]["decision"] == "not_adopted" and event["data"]["body"] == "张先生：感谢您的建议……"
    assert event["data"]["title"].startswith("建议未采纳")
    assert step(session, clock, ticket, "close").status == "closed" and ticket.closed_at is not None
    with pytest.raises(TransitionNotAllowed):
        step(session, clock, ticket, "reply", caller=CS, decision="adopted", body="again")
    assert [h.action for h in ticket.history] == ["received", "acknowledge", "forward", "reply", "close"]


def test_praise_naming_staff_is_forwarded_before_it_is_closed(session, clock, registry):
    ticket = submit(session, clock, caller=DESK, sub_kind="praise", channel="visit",
                    content="维修师傅认真负责", named_staff=[{"name": "刘师傅", "user_id": "eng.lh"}])
    with pytest.raises(BadDecision):
        step(session, clock, ticket, "reply", decision="adopted", body="谢谢")
    step(session, clock, ticket, "reply", caller=GM, body="感谢您对刘师傅的表扬，已转达并通报表扬。")
    with pytest.raises(PraiseNotForwarded):
        step(session, clock, ticket, "close")
    # thanked first, passed on after: the state stays replied, then it closes
    assert step(session, clock, ticket, "forward", forwarded_to="刘师傅").status == "replied"
    assert step(session, clock, ticket, "close").status == "closed"


def test_praise_forwarded_then_thanked_then_closed(session, clock, registry):
    ticket = submit(session, clock, sub_kind="praise", content="保洁阿姨很负责", department="保洁部")
    step(session, clock, ticket, "forward", forwarded_to="保洁部")
    step(session, clock, ticket, "reply", body="感谢您的表扬，已转达保洁部。")
    assert step(session, clock, ticket, "close").status == "closed"
    assert session.get(Feedback, ticket.id).forwarded_to == "保洁部"


def test_who_takes_which_step(session, clock, registry):
    ticket = submit(session, clock)
    with pytest.raises(NotYourStep):
        step(session, clock, ticket, "acknowledge", caller=ME)
    with pytest.raises(Forbidden):
        step(session, clock, ticket, "acknowledge", caller=TECH)
    with pytest.raises(Forbidden):
        step(session, clock, ticket, "acknowledge", caller=GM)        # the GM replies, the desk handles
    assert step(session, clock, ticket, "cancel", caller=ME, reason="已自行解决").status == "cancelled"
    assert clock_of(ticket).cancelled_at is not None


def test_the_resident_withdraws_only_before_the_desk_acknowledges(session, clock, registry):
    ticket = submit(session, clock)
    step(session, clock, ticket, "acknowledge")
    with pytest.raises(NotYourStep):
        step(session, clock, ticket, "cancel", caller=ME, reason="不要了")


def test_an_unanswered_suggestion_is_warned_and_breached_by_the_sla_sweep(session, clock, registry):
    ticket = submit(session, clock)
    session.commit()
    clock.advance(timedelta(days=7, minutes=1))
    alerts.sweep(work(session, clock, Caller.system(G, "tickets")))
    session.commit()
    [breach] = events_of(session, "ticket.sla_breached")
    assert breach["data"]["deadline_kind"] == "feedback_reply" and breach["data"]["kind"] == "feedback"
    assert breach["data"]["responsible_role"] == "cs_manager"
    assert ticket.status == "received"


def test_the_reply_is_a_document_on_the_ticket(session, clock, registry):
    from services.tickets.domain import repairs
    ticket = submit(session, clock)
    step(session, clock, ticket, "reply", caller=CS, decision="adopted", body="已采纳：东门雨棚将于下月施工。")
    view = repairs.ticket_view(ticket, clock.now(), ME)
    assert view["documents"][0]["kind"] == "feedback_reply"
    assert view["documents"][0]["body"] == "已采纳：东门雨棚将于下月施工。"
    assert view["feedback"]["decision"] == "adopted"
    assert issubclass(BadDecision, InvalidInput)          # a 400 on the wire, never a 5xx
