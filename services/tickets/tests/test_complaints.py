"""Complaints (投诉, domain/complaints.py): registration from every channel, the clocks with their
figures (same day, working days across weekends and the National Day week, class limits), the
transition table, reclassification, and the 30-day upgrade run by kernel.jobs -- on the
injectable clock, nothing faked."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import complaint_sla as csla, complaints, copies
from services.tickets.exceptions import UnitRequired
from services.tickets.models import Base, Complaint, ComplaintClassChange, ScheduledJob
from services.tickets.tests.support import work

G = "group-1"
SH = ZoneInfo("Asia/Shanghai")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
STEWARD = staff(G, ["p1"], roles=["steward"], user_id="steward")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre.mgr")
ENG_MGR = staff(G, ["p1"], roles=["engineering_manager"], user_id="eng.mgr")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
ME = resident(G, ["u1"], user_id="r-zhang")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label,
                              "version": 1})
    session.flush()


def register(session, clock, caller=DESK, **data):
    body = {"project_id": "p1", "unit_id": "u1", "channel": "phone", "form": "oral",
            "department": "cleaning", "content": "楼道垃圾三天没人清", "reporter_name": "张先生", **data}
    return complaints.register(work(session, clock, caller), body)


def due(ticket, kind):
    return next(d for d in ticket.deadlines if d.kind == kind).due_at


def events_of(session, type_):
    return [e for e in outbox_events(session, Base) if e["type"] == type_]


# -- registration ---------------------------------------------------------------------

def test_an_oral_phone_complaint_is_registered_with_its_clocks(session, clock, registry):
    ticket = register(session, clock)               # Tuesday 2026-11-24 09:00, a working day

    assert ticket.kind == "complaint" and ticket.status == "registered"
    assert ticket.number == "TS-20261124-0001"
    assert ticket.unit_label == "1栋-0101" and ticket.channel == "phone"
    row = session.get(Complaint, ticket.id)
    assert (row.complaint_class, row.department, row.form) == ("minor", "cleaning", "oral")
    clocks = {d.kind: (d.due_at, d.responsible_role) for d in ticket.deadlines}
    assert clocks == {
        "dispatch_department": (local(2026, 11, 24, 9, 10), "front_desk"),
        # oral, on a working day: the same day (24:00), earlier than 1 working day (Wed 09:00)
        "first_response": (local(2026, 11, 25, 0, 0), "cs_manager"),
        "resolve": (local(2026, 11, 27, 9, 0), "cs_manager"),          # minor: 3 days
    }
    [registered] = events_of(session, "complaint.registered")
    assert registered["data"]["number"] == ticket.number
    assert registered["data"]["household_id"] is None and registered["data"]["form"] == "oral"
    assert "phone" not in registered["data"]
    [changed] = events_of(session, "ticket.changed")
    assert changed["data"]["complaint"]["complaint_class"] == "minor"
    assert changed["data"]["complaint"]["class_changes"][0]["reason"] == "registered"
    assert changed["data"]["documents"] == []
    job = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "complaint-upgrade")).one()
    assert job.key == ticket.id and job.due_at == local(2026, 12, 24, 9, 0)


def test_the_number_series_is_its_own(session, clock, registry):
    first = register(session, clock)
    second = register(session, clock, unit_id="u2")
    assert (first.number, second.number) == ("TS-20261124-0001", "TS-20261124-0002")


def test_a_resident_complains_in_writing_from_the_portal(session, clock, registry):
    ticket = register(session, clock, ME, channel=None, form=None, reporter_name=None,
                      complaint_class="major", revisit_ticket_id="hf-9")
    row = session.get(Complaint, ticket.id)
    assert ticket.channel == "portal" and row.form == "written"
    # the resident says what and about whom; the service centre classifies
    assert (row.complaint_class, row.revisit_ticket_id) == ("minor", None)
    assert ticket.reporter_user_id == "r-zhang" and ticket.reporter_name == "r-zhang"
    # written: first response within 1 working day, the written reply by the end of the next one
    assert due(ticket, "first_response") == local(2026, 11, 25, 9, 0)
    assert due(ticket, "written_reply") == local(2026, 11, 26, 0, 0)


def test_a_resident_complains_only_about_their_own_unit(session, clock, registry):
    with pytest.raises(NotFound):
        register(session, clock, NEIGHBOUR)
    with pytest.raises(UnitRequired):
        register(session, clock, NEIGHBOUR, unit_id=None)


def test_a_public_matter_has_no_unit(session, clock, registry):
    ticket = register(session, clock, STEWARD, unit_id=None, channel="visit")
    assert ticket.unit_id is None and ticket.location == "绿湖花园"


def test_engineering_does_not_register_complaints(session, clock, registry):
    with pytest.raises(Forbidden):
        register(session, clock, TECH)


def test_the_platform_registers_for_a_dissatisfied_revisit(session, clock, registry):
    ticket = register(session, clock, Caller.system(G, "revisits"), channel="revisit", form="oral",
                      revisit_ticket_id="hf-1", reporter_name="张先生")
    assert session.get(Complaint, ticket.id).revisit_ticket_id == "hf-1"
    assert ticket.recorded_by == "system:revisits"
    assert events_of(session, "complaint.registered")[0]["data"]["revisit_ticket_id"] == "hf-1"


def test_no_caller_claims_a_complaint_came_from_a_revisit():
    """The channel ``revisit`` and the link to a revisit are the platform's: a dissatisfied
    revisit opens its complaint itself when it is recorded (the RPC input has neither)."""
    from marshmallow import ValidationError
    from services.tickets.schemas import ComplaintIn
    body = {"project_id": "p1", "unit_id": "u1", "department": "cleaning", "content": "楼道垃圾"}
    with pytest.raises(ValidationError) as refused:
        ComplaintIn().load({**body, "channel": "revisit"})
    assert "channel" in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        ComplaintIn().load({**body, "revisit_ticket_id": "hf-1"})
    assert "revisit_ticket_id" in refused.value.messages


def test_a_call_taken_earlier_runs_from_when_it_came_in(session, clock, registry):
    ticket = register(session, clock, received_at=local(2026, 11, 24, 8, 30))
    assert due(ticket, "dispatch_department") == local(2026, 11, 24, 8, 40)
    with pytest.raises(InvalidInput):
        register(session, clock, received_at=local(2026, 11, 24, 10, 0))       # in the future


@pytest.mark.parametrize("klass,expected", [
    ("major", {"to_manager": local(2026, 11, 25, 0, 0),          # the same day
               "resident_reply": local(2026, 11, 25, 9, 0),      # within 1 day
               "resolve": local(2026, 12, 4, 9, 0)}),            # 10 days
    ("key", {"to_manager": local(2026, 11, 24, 11, 0),           # 2 h
             "resolve": local(2026, 11, 29, 9, 0)}),             # 5 days
    ("minor", {"resolve": local(2026, 11, 27, 9, 0)}),           # 3 days
])
def test_class_limits(session, clock, registry, klass, expected):
    ticket = register(session, clock, complaint_class=klass)
    got = {d.kind: d.due_at for d in ticket.deadlines if d.kind in csla.CLASS_CLOCKS}
    assert got == expected
    assert {d.kind: d.responsible_role for d in ticket.deadlines}.get("to_manager") == (
        None if klass == "minor" else "cs_manager")


def test_class_limits_are_project_settings(session, clock, registry):
    w = work(session, clock, CENTRE)
    w.settings.change(G, "p1", csla.KEY_TO_MANAGER_HOURS, 1)
    w.settings.change(G, "p1", csla.KEY_RESOLVE_DAYS, 4)
    w.settings.change(G, "p1", csla.DISPATCH_WITHIN, 5)
    ticket = register(session, clock, complaint_class="key")
    assert due(ticket, "to_manager") == local(2026, 11, 24, 10, 0)
    assert due(ticket, "resolve") == local(2026, 11, 28, 9, 0)
    assert due(ticket, "dispatch_department") == local(2026, 11, 24, 9, 5)


# -- weekends and holidays ------------------------------------------------------------------

def test_a_friday_evening_written_complaint_is_replied_to_on_monday(session, registry):
    clock = ManualClock("2026-11-27T19:30:00+08:00")          # Friday evening
    ticket = register(session, clock, form="written", channel="letter")
    assert due(ticket, "first_response") == local(2026, 11, 30, 19, 30)        # Monday, same time
    assert due(ticket, "written_reply") == local(2026, 12, 1, 0, 0)             # by the end of Monday


def test_an_oral_complaint_on_a_saturday_is_answered_by_the_end_of_monday(session, registry):
    clock = ManualClock("2026-11-28T10:00:00+08:00")          # Saturday: no "same day" on a day off
    ticket = register(session, clock)
    assert due(ticket, "first_response") == local(2026, 12, 1, 0, 0)


def test_a_complaint_before_the_national_day_week_is_answered_after_it(session, registry):
    # kernel.calendar (holidays.China): 2026-10-01..07 are the National Day holiday, the 8th
    # (Thursday) is the first working day after it
    clock = ManualClock("2026-09-30T16:00:00+08:00")
    ticket = register(session, clock, form="written", channel="letter")
    assert due(ticket, "first_response") == local(2026, 10, 8, 16, 0)
    assert due(ticket, "written_reply") == local(2026, 10, 9, 0, 0)            # the end of the 8th
    oral = register(session, clock, form="oral")
    assert due(oral, "first_response") == local(2026, 10, 1, 0, 0)              # the same day still
    session.flush()
    with_days = [c.to_class for c in session.scalars(select(ComplaintClassChange))]
    assert with_days == ["minor", "minor"]


# -- the workflow ---------------------------------------------------------------------------------

BODY = {
    "dispatch": {}, "respond": {"note": "已电话回复业主，今天下午清理"},
    "write_reply": {"body": "张先生：您反映的楼道垃圾问题已安排保洁当日清理。"},
    "report_to_manager": {"note": "已报服务中心经理"}, "resolve": {"note": "已清理并加派巡查"},
    "close": {}, "reclassify": {"complaint_class": "key", "reason": "保洁主管失职"},
    "cancel": {"reason": "业主撤回"},
}
BY = {"dispatch": DESK, "respond": CS, "write_reply": CS, "report_to_manager": DESK, "resolve": CS,
      "close": DESK, "reclassify": CS, "cancel": DESK}
PATH = {"registered": [], "dispatched": ["dispatch"], "responded": ["dispatch", "respond"],
        "resolved": ["dispatch", "respond", "resolve"], "closed": ["dispatch", "respond", "resolve", "close"],
        "cancelled": ["cancel"]}


def act(session, clock, caller, ticket, action, **body):
    from services.tickets.schemas import ComplaintStepIn
    data = ComplaintStepIn().load({"action": action, **(body or BODY[action])})
    return complaints.transition(work(session, clock, caller), ticket.id, action, data)


def walk(session, clock, ticket, state):
    for action in PATH[state]:
        clock.advance(minutes=1)
        act(session, clock, BY[action], ticket, action)
    assert ticket.status == state
    return ticket


ALLOWED = [(s, a, st.to) for (s, a), st in complaints.TABLE.items() if a != "upgrade"]


@pytest.mark.parametrize("state,action,to", ALLOWED, ids=[f"{s}-{a}" for s, a, _ in ALLOWED])
def test_every_step_of_the_table(session, clock, registry, state, action, to):
    ticket = walk(session, clock, register(session, clock, form="oral"), state)   # oral: closes without a letter
    act(session, clock, BY[action], ticket, action)
    assert ticket.status == to


REFUSED = [(s, a) for s in complaints.STATES for a in complaints.ACTIONS
           if (s, a) not in complaints.TABLE]


@pytest.mark.parametrize("state,action", REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_every_other_step_is_refused(session, clock, registry, state, action):
    from services.tickets.exceptions import TransitionNotAllowed
    ticket = walk(session, clock, register(session, clock), state)
    with pytest.raises(TransitionNotAllowed):
        act(session, clock, BY[action], ticket, action)


def test_the_whole_way_of_a_written_complaint(session, clock, registry):
    ticket = register(session, clock, form="written", channel="letter", complaint_class="key")
    clock.advance(minutes=6)
    act(session, clock, DESK, ticket, "dispatch", department="security")
    clock.advance(minutes=30)
    act(session, clock, DESK, ticket, "report_to_manager", note="已报经理")
    clock.advance(hours=3)
    act(session, clock, staff(G, ["p1"], roles=["security"], user_id="sec.chief"), ticket, "respond",
        note="已当面致歉")
    clock.advance(hours=2)
    act(session, clock, CS, ticket, "write_reply", title="书面回复", body="关于夜间巡逻的答复……")
    clock.advance(days=1)
    act(session, clock, CS, ticket, "resolve", note="已调整巡逻路线")
    act(session, clock, DESK, ticket, "close")

    row = session.get(Complaint, ticket.id)
    assert ticket.status == "closed" and row.department == "security" and ticket.category == "security"
    state = {d.kind: (d.met_at is not None and d.met_at <= d.due_at, d.cancelled_at) for d in ticket.deadlines}
    assert state == {"dispatch_department": (True, None), "to_manager": (True, None),
                     "first_response": (True, None), "written_reply": (True, None), "resolve": (True, None)}
    roles = {d.kind: d.responsible_role for d in ticket.deadlines}
    assert roles["resolve"] == "security" and roles["first_response"] == "security"
    replies = [e["data"] for e in events_of(session, "complaint.replied")]
    assert [r["reply_kind"] for r in replies] == ["first_response", "written_reply", "resolution"]
    assert replies[1]["document_id"] and replies[1]["body"] == "关于夜间巡逻的答复……"
    assert len({r["reply_id"] for r in replies}) == 3
    last = events_of(session, "ticket.changed")[-1]["data"]
    assert [d["kind"] for d in last["documents"]] == ["written_reply"]
    assert last["complaint"]["first_response_at"] and last["complaint"]["resolved_at"]
    job = session.scalars(select(ScheduledJob).where(ScheduledJob.key == ticket.id)).one()
    assert job.status == "cancelled"              # resolved: never upgraded


def test_a_written_complaint_closes_only_with_its_written_reply(session, clock, registry):
    from services.tickets.exceptions import WrittenReplyMissing
    ticket = walk(session, clock, register(session, clock, form="written", channel="letter"), "resolved")
    with pytest.raises(WrittenReplyMissing):
        act(session, clock, DESK, ticket, "close")
    act(session, clock, CS, ticket, "write_reply")
    act(session, clock, DESK, ticket, "close")
    assert ticket.status == "closed"


def test_who_takes_which_step(session, clock, registry):
    from services.tickets.exceptions import NotYourStep
    ticket = register(session, clock, department="engineering")
    with pytest.raises(Forbidden):
        act(session, clock, TECH, ticket, "dispatch")             # engineering does not dispatch
    with pytest.raises(NotYourStep):
        act(session, clock, ME, ticket, "dispatch")
    act(session, clock, DESK, ticket, "dispatch")
    act(session, clock, ENG_MGR, ticket, "respond")              # the department answers
    with pytest.raises(Forbidden):
        act(session, clock, DESK, ticket, "reclassify")          # classes: CS / centre manager / GM
    with pytest.raises(Forbidden):
        act(session, clock, staff(G, ["p1"], roles=["security"]), ticket, "resolve")   # not their department
    with pytest.raises(NotFound):
        act(session, clock, NEIGHBOUR, ticket, "cancel")


def test_the_resident_withdraws_before_dispatch_only(session, clock, registry):
    from services.tickets.exceptions import NotYourStep
    ticket = register(session, clock, ME, channel=None, form=None)
    act(session, clock, ME, ticket, "cancel", reason="已经解决了")
    assert ticket.status == "cancelled" and ticket.cancel_reason == "已经解决了"
    assert all(d.cancelled_at or d.met_at for d in ticket.deadlines)
    other = walk(session, clock, register(session, clock, ME, channel=None, form=None), "dispatched")
    with pytest.raises(NotYourStep):
        act(session, clock, ME, other, "cancel")


# -- classes ---------------------------------------------------------------------------------

def test_reclassification_re_times_the_class_clocks_and_is_recorded(session, clock, registry):
    from services.tickets.exceptions import ClassUnchanged
    ticket = walk(session, clock, register(session, clock), "responded")       # minor, answered 09:02
    clock.set("2026-11-25T10:00:00+08:00")
    act(session, clock, CS, ticket, "reclassify", complaint_class="major", reason="多次投诉仍未处理")
    clocks = {d.kind: d for d in ticket.deadlines}
    assert clocks["to_manager"].due_at == local(2026, 11, 26, 0, 0)            # the day it became major
    assert clocks["to_manager"].started_at == local(2026, 11, 25, 10, 0)
    assert clocks["resolve"].due_at == local(2026, 12, 4, 9, 0)                # 10 days from receipt
    assert clocks["resident_reply"].met_at == local(2026, 11, 24, 9, 2)        # answered already
    clock.advance(hours=1)
    act(session, clock, CENTRE, ticket, "reclassify", complaint_class="minor", reason="核实后为设施问题")
    clocks = {d.kind: d for d in ticket.deadlines}
    assert clocks["to_manager"].cancelled_at == local(2026, 11, 25, 11, 0)
    assert clocks["resolve"].due_at == local(2026, 11, 27, 9, 0) and clocks["resolve"].cancelled_at is None
    changes = [(c.from_class, c.to_class, c.changed_by, c.reason) for c in
               session.scalars(select(ComplaintClassChange).order_by(ComplaintClassChange.changed_at))]
    assert changes == [(None, "minor", "desk", "registered"),
                       ("minor", "major", "cs.mgr", "多次投诉仍未处理"),
                       ("major", "minor", "centre.mgr", "核实后为设施问题")]
    [first, second] = [e["data"] for e in events_of(session, "complaint.reclassified")]
    assert (first["from_class"], first["to_class"], first["by"]["user_id"]) == ("minor", "major", "cs.mgr")
    assert ticket.status == "responded"
    with pytest.raises(ClassUnchanged):
        act(session, clock, CS, ticket, "reclassify", complaint_class="minor", reason="再确认")


# -- the 30-day upgrade (kernel.jobs) ---------------------------------------------------------------

@pytest.fixture
def db(tmp_path, clock):
    """A file database with the registry, and the job executor tickets' service runs."""
    from sqlalchemy.orm import sessionmaker

    from kernel.testing import domain_session
    from services.tickets.tests.support import job_executor

    with domain_session(Base, f"sqlite:///{tmp_path}/tickets.db") as session:
        w = work(session, clock, Caller.system(G, "tickets"))
        copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                                 "timezone": "Asia/Shanghai", "version": 1})
        copies.apply_unit(w, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                              "version": 1})
        session.commit()
        Session = sessionmaker(session.get_bind(), expire_on_commit=False)
        executor = job_executor(Session, clock)
        yield Session, executor


def upgraded_events(Session):
    with Session() as s:
        return [e["data"] for e in outbox_events(s, Base) if e["type"] == "complaint.upgraded"]


def class_of(Session, ticket_id):
    with Session() as s:
        return s.get(Complaint, ticket_id).complaint_class


def test_unresolved_for_30_days_it_becomes_major_once(db, clock):
    Session, executor = db
    with Session() as s, s.begin():
        ticket_id = register(s, clock, complaint_class="key").id
    registered = clock.now()

    clock.set(registered + timedelta(days=29, hours=23, minutes=59))
    assert executor.run_once() == 0
    assert class_of(Session, ticket_id) == "key" and upgraded_events(Session) == []

    clock.set(registered + timedelta(days=30))
    assert executor.run_once() == 1
    assert class_of(Session, ticket_id) == "major"
    [event] = upgraded_events(Session)
    assert (event["from_class"], event["to_class"], event["days"]) == ("key", "major", 30)
    with Session() as s:
        ticket = s.get(Complaint, ticket_id)
        assert ticket.upgraded_at == registered + timedelta(days=30)
        change = s.scalars(select(ComplaintClassChange).where(ComplaintClassChange.to_class == "major")).one()
        assert (change.changed_by, change.reason) == ("system:tickets", "unresolved 30 days after it came in")
        from services.tickets.models import Ticket
        t = s.get(Ticket, ticket_id)
        clocks = {d.kind: d for d in t.deadlines}
        # major now: the manager is told the same day (from the upgrade), resolution was due on day 10
        assert clocks["to_manager"].due_at == local(2026, 12, 25, 0, 0)
        assert clocks["resolve"].due_at == registered + timedelta(days=10)
        assert t.history[-1].action == "upgrade" and t.status == "registered"

    clock.set(registered + timedelta(days=31))
    assert executor.run_once() == 0                   # the job is done
    with Session() as s, s.begin():                   # the handler run again (a requeued job): nothing
        job = executor.claim() or None
        assert job is None
        from kernel.jobs import Job
        again = Job(id="x", kind="complaint-upgrade", key=ticket_id, group_id=G, project_id="p1",
                    payload={"ticket_id": ticket_id, "days": 30}, due_at=clock.now(), attempt=2,
                    max_attempts=5, claim="test")
        assert complaints.on_upgrade_job(work(s, clock, Caller.system(G, "tickets")), again) is None
    assert len(upgraded_events(Session)) == 1


def test_resolved_before_day_30_it_is_never_upgraded(db, clock):
    Session, executor = db
    with Session() as s, s.begin():
        ticket = register(s, clock)
        walk(s, clock, ticket, "resolved")
        ticket_id = ticket.id
    clock.advance(days=30)
    assert executor.run_once() == 0                   # the job was cancelled at resolution
    with Session() as s, s.begin():
        from kernel.jobs import Job
        job = Job(id="x", kind="complaint-upgrade", key=ticket_id, group_id=G, project_id="p1",
                  payload={"ticket_id": ticket_id, "days": 30}, due_at=clock.now(), attempt=1,
                  max_attempts=5, claim="test")
        assert complaints.on_upgrade_job(work(s, clock, Caller.system(G, "tickets")), job) is None
    assert class_of(Session, ticket_id) == "minor" and upgraded_events(Session) == []


def test_a_major_complaint_is_not_upgraded(db, clock):
    Session, executor = db
    with Session() as s, s.begin():
        ticket_id = register(s, clock, complaint_class="major").id
    clock.advance(days=30)
    assert executor.run_once() == 1                   # ran, changed nothing
    assert upgraded_events(Session) == []
    with Session() as s:
        assert len(s.scalars(select(ComplaintClassChange).where(
            ComplaintClassChange.ticket_id == ticket_id)).all()) == 1


def test_other_rules_hook_into_the_resolution(session, clock, registry):
    seen = []
    complaints.RESOLVED_HOOKS.append(lambda w, t: seen.append((t.number, t.status)))
    try:
        ticket = walk(session, clock, register(session, clock), "resolved")
    finally:
        complaints.RESOLVED_HOOKS.pop()
    assert seen == [(ticket.number, "resolved")]      # in the same transaction, once


@pytest.mark.parametrize("action, by, body", [
    ("dispatch", ENG_MGR, {"assignee_id": "eng.lh"}), ("cancel", DESK, {"reason": "x"}),
    ("rate", ME, {"rating": 5}), ("reopen", ME, {"reason": "x"}), ("confirm", ME, {})])
def test_a_repair_step_on_a_complaint_is_refused_and_changes_nothing(session, clock, registry, action, by, body):
    """The repair routes take repairs only: a complaint (or quality complaint) never walks the
    repair table (no technician closing a written complaint without its reply)."""
    from services.tickets.domain import repairs
    from services.tickets.exceptions import TransitionNotAllowed
    from services.tickets.schemas import TransitionIn
    ticket = register(session, clock, DESK, form="written")
    status, version = ticket.status, ticket.version
    with pytest.raises(TransitionNotAllowed) as refused:
        repairs.transition(work(session, clock, by), ticket.id, action, TransitionIn().load({"action": action, **body}))
    assert refused.value.code == "not_a_repair" and refused.value.details["kind"] == "complaint"
    assert (ticket.status, ticket.version, ticket.assignee_id) == (status, version, None)


def test_a_calendar_closing_every_day_refuses_with_a_clear_error(session, clock, registry):
    """Settings that leave no working day (possible through per-project settings) answer 422
    calendar_closed, not a server error, and write nothing."""
    from services.tickets.exceptions import CalendarClosed
    admin = staff(G, ["p1"], roles=["centre_manager"], user_id="centre")
    settings = work(session, clock, admin).settings
    settings.change(G, "p1", "calendar.holidays", "none")
    settings.change(G, "p1", "calendar.weekend", ["tue", "wed", "thu", "fri", "sat", "sun"])
    mondays = [(local(2026, 11, 30) + timedelta(weeks=n)).date() for n in range(60)]
    settings.change(G, "p1", "calendar.extra_holidays", mondays)
    with pytest.raises(CalendarClosed) as closed:
        register(session, clock, DESK)
    assert closed.value.code == "calendar_closed"
