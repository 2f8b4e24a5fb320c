"""The repair workflow's table (domain/workflow.py), without a broker: every allowed step and a
representative set of refused ones, on the injectable clock."""
from datetime import timedelta

import pytest

from kernel.errors import Conflict, Forbidden, RuleViolation
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import copies, prices, repairs, workflow
from services.tickets.exceptions import (AlreadyRated, NotAssignedToYou, NotYourStep,
                                         ReopenWindowClosed, TicketNotFound, TransitionNotAllowed)
from services.tickets.tests.support import work
from services.tickets.models import Base
from services.tickets.schemas import TransitionIn

G = "group-1"
MANAGER = staff(G, ["p1"], roles=["engineering_manager"], user_id="eng.mgr")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
OTHER_TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.wq")
SECURITY = staff(G, ["p1"], roles=["security"], user_id="sec")
ME = resident(G, ["u1"], user_id="r-zhang")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")

#: what each action needs in its body
BODY = {
    "dispatch": {"assignee_id": "eng.lh", "assignee_name": "林工"},
    "complete": {"work_done": "换了水龙头阀芯", "materials": [{"name": "阀芯", "quantity": 1, "unit": "个"}]},
    "rate": {"rating": 5, "comment": "很快"},
    "cancel": {"reason": "自己修好了"},
    "reopen": {"reason": "又漏了"},
    "quote": {"lines": [{"code": "SD-01", "quantity": 1}]},
    "refuse": {"reason": "太贵了"},
    "reply": {"advice": "属于业主自用设施，建议联系厂家售后"},
}
#: who takes each step in the happy path
BY = {"dispatch": MANAGER, "accept": TECH, "arrive": TECH, "complete": TECH, "confirm": ME,
      "rate": ME, "cancel": DESK, "reopen": ME, "quote": TECH, "consent": ME, "refuse": ME,
      "reply": MANAGER}
#: the actions that bring a fresh ticket to each state
PATH = {
    "open": [], "dispatched": ["dispatch"], "accepted": ["dispatch", "accept"],
    "on_site": ["dispatch", "accept", "arrive"], "work_done": ["dispatch", "accept", "arrive", "complete"],
    "closed": ["dispatch", "accept", "arrive", "complete", "confirm"],
    "cancelled": ["cancel"],
    "quoted": ["dispatch", "accept", "arrive", "quote"],
    "consented": ["dispatch", "accept", "arrive", "quote", "consent"],
}
#: a paid in-home repair gets its work done only through a consented quote
PAID_PATH = dict(PATH, work_done=PATH["consented"] + ["complete"],
                 closed=PATH["consented"] + ["complete", "confirm"])


def category_for(state: str, action: str) -> str:
    """The kind of repair a row of the table is for (its guard; the paid states)."""
    step = workflow.TABLE.get((state, action))
    if state in (workflow.QUOTED, workflow.CONSENTED) or (step and step.guard == workflow.CHARGEABLE):
        return "in_home_paid"
    if step and step.guard == workflow.NOT_COVERED:
        return "not_covered"
    return "public_area"


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label,
                              "version": 1})
    prices.set_item(work(session, clock, MANAGER), "p1", {"code": "SD-01", "name": "更换水龙头阀芯",
                                                          "unit": "个", "price": "35.00"})
    session.flush()


def open_ticket(session, clock, category="public_area"):
    appointment = clock.now() + timedelta(days=1) if category == "in_home_paid" else None
    return repairs.open_repair(work(session, clock, ME), {"unit_id": "u1", "category": category,
                                                          "content": "厨房水龙头漏水",
                                                          "appointment_at": appointment})


def act(session, clock, caller, ticket, action, **body):
    body = dict(BODY.get(action, {}) if not body else body)
    if action in ("consent", "refuse"):                           # the quote the resident read
        body.setdefault("quote_id", ticket.quotes[-1].id if ticket.quotes else "no-quote-yet")
    data = TransitionIn().load({"action": action, **body})
    return repairs.transition(work(session, clock, caller), ticket.id, action, data)


def walk(session, clock, ticket, state):
    for action in (PAID_PATH if ticket.category == "in_home_paid" else PATH)[state]:
        clock.advance(minutes=1)
        act(session, clock, BY[action], ticket, action)
    assert ticket.status == state
    return ticket


ALLOWED = [(s, a, step.to) for (s, a), step in workflow.TABLE.items() if a != "engineering_notified"]


@pytest.mark.parametrize("state,action,to", ALLOWED, ids=[f"{s}-{a}" for s, a, _ in ALLOWED])
def test_every_step_of_the_table(session, clock, registry, state, action, to):
    ticket = walk(session, clock, open_ticket(session, clock, category_for(state, action)), state)
    if (state, action) == ("closed", "rate"):
        pass                                   # confirmed (signed) without a rating: rated later
    version, history = ticket.version, len(ticket.history)
    clock.advance(minutes=1)
    act(session, clock, BY[action], ticket, action)
    assert ticket.status == to
    assert ticket.version == version + 1
    assert len(ticket.history) == history + 1
    log = ticket.history[-1]
    assert (log.action, log.actor_id, log.at) == (action, BY[action].user_id, clock.now())
    events = outbox_events(session, Base)
    changed = [e for e in events if e["type"] == "ticket.status_changed"][-1]["data"]
    assert (changed["from"], changed["to"], changed["action"], changed["version"]) == (
        state, to, action, ticket.version)
    assert changed["actor"] == {"user_id": BY[action].user_id, "name": BY[action].name}
    snapshot = [e for e in events if e["type"] == "ticket.changed"][-1]["data"]
    assert snapshot["status"] == to and snapshot["version"] == ticket.version


REFUSED = [(s, a) for s in workflow.STATES for a in workflow.ACTIONS
           if (s, a) not in workflow.TABLE and not (s == "closed" and a == "rate")]


@pytest.mark.parametrize("state,action", REFUSED, ids=[f"{s}-{a}" for s, a in REFUSED])
def test_every_step_not_in_the_table_is_refused(session, clock, registry, state, action):
    ticket = walk(session, clock, open_ticket(session, clock, category_for(state, action)), state)
    version, before = ticket.version, len(outbox_events(session, Base))
    with pytest.raises(Conflict) as refused:
        act(session, clock, BY[action], ticket, action)
    assert refused.value.code == workflow.REFUSALS.get((state, action), "transition_not_allowed")
    assert (ticket.status, ticket.version) == (state, version)
    assert len(outbox_events(session, Base)) == before


class TestWhoMayAct:
    def test_closing_an_undispatched_repair_is_refused(self, session, clock, registry):
        ticket = open_ticket(session, clock)
        for action in ("confirm", "rate", "complete"):
            with pytest.raises(TransitionNotAllowed):
                act(session, clock, BY[action], ticket, action)

    def test_rating_twice_is_refused(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "work_done")
        act(session, clock, ME, ticket, "rate")
        assert (ticket.status, ticket.rating, ticket.closed_at) == ("closed", 5, clock.now())
        with pytest.raises(AlreadyRated) as again:
            act(session, clock, ME, ticket, "rate", rating=1)
        assert again.value.code == "already_rated" and ticket.rating == 5
        assert again.value.message == f"工单 {ticket.number} 已评价过，不能重复评价 (ticket {ticket.number} is rated already)"

    def test_a_signed_repair_may_be_rated_once_later(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "closed")
        closed_at = ticket.closed_at
        clock.advance(hours=1)
        act(session, clock, ME, ticket, "rate", rating=4)
        assert (ticket.status, ticket.rating, ticket.closed_at) == ("closed", 4, closed_at)
        with pytest.raises(AlreadyRated):
            act(session, clock, ME, ticket, "rate", rating=4)

    def test_a_technician_acts_only_on_their_own_order(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "dispatched")
        with pytest.raises(NotAssignedToYou) as refused:
            act(session, clock, OTHER_TECH, ticket, "accept")
        assert isinstance(refused.value, RuleViolation) and refused.value.code == "not_assigned_to_you"
        act(session, clock, TECH, ticket, "accept")
        with pytest.raises(NotAssignedToYou):
            act(session, clock, OTHER_TECH, ticket, "arrive")

    def test_another_households_ticket_is_answered_like_a_missing_one(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "work_done")
        with pytest.raises(TicketNotFound):
            act(session, clock, NEIGHBOUR, ticket, "rate")
        with pytest.raises(TicketNotFound):
            act(session, clock, NEIGHBOUR, open_ticket(session, clock), "cancel")

    def test_the_resident_signs_staff_do_not(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "work_done")
        with pytest.raises(NotYourStep):
            act(session, clock, MANAGER, ticket, "confirm")
        with pytest.raises(NotYourStep):
            act(session, clock, TECH, ticket, "rate")

    def test_the_desk_records_the_sign_off_of_a_request_tied_to_no_household(self, session, clock, registry):
        """A passer-by phoned about a public area (no unit, no portal user): nobody can sign in the
        portal, so the desk confirms for the paper order; they still do not rate."""
        ticket = repairs.open_repair(work(session, clock, DESK), {
            "project_id": "p1", "location": "东门岗亭", "category": "public_area", "content": "门禁坏了",
            "channel": "phone", "reporter_name": "王女士"})
        walk(session, clock, ticket, "work_done")
        with pytest.raises(NotYourStep):
            act(session, clock, TECH, ticket, "confirm")          # the technician does not sign his own work
        act(session, clock, DESK, ticket, "confirm")
        assert (ticket.status, ticket.history[-1].actor_id) == ("closed", DESK.user_id)
        with pytest.raises(NotYourStep):
            act(session, clock, DESK, ticket, "rate")

    def test_residents_cancel_only_before_dispatch_staff_until_work_is_done(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "dispatched")
        with pytest.raises(NotYourStep):
            act(session, clock, ME, ticket, "cancel")
        with pytest.raises(Forbidden):                 # security has no part in it
            act(session, clock, SECURITY, ticket, "cancel")
        act(session, clock, DESK, ticket, "cancel", reason="重复报修")
        assert (ticket.status, ticket.cancel_reason) == ("cancelled", "重复报修")
        mine = open_ticket(session, clock)
        act(session, clock, ME, mine, "cancel")
        assert mine.status == "cancelled"

    def test_only_dispatchers_dispatch(self, session, clock, registry):
        ticket = open_ticket(session, clock)
        with pytest.raises(NotYourStep):
            act(session, clock, ME, ticket, "dispatch")
        with pytest.raises(Forbidden):
            act(session, clock, SECURITY, ticket, "dispatch")
        with pytest.raises(Forbidden):
            act(session, clock, TECH, ticket, "dispatch")
        for dispatcher in (MANAGER, DESK, staff(G, ["p1"], roles=["cs_manager"]),
                           staff(G, ["p1"], roles=["centre_manager"])):
            act(session, clock, dispatcher, ticket, "dispatch", assignee_id="eng.wq", assignee_name="王工")
        assert (ticket.status, ticket.assignee_id) == ("dispatched", "eng.wq")


class TestWhatEachStepRecords:
    def test_a_repair_to_the_end(self, session, clock, registry):
        ticket = open_ticket(session, clock)
        act(session, clock, MANAGER, ticket, "dispatch")
        assert (ticket.assignee_id, ticket.assignee_name, ticket.dispatched_at) == ("eng.lh", "林工", clock.now())
        clock.advance(minutes=1)
        act(session, clock, TECH, ticket, "accept")
        clock.advance(minutes=5)
        act(session, clock, TECH, ticket, "arrive")
        on_site = next(d for d in ticket.deadlines if d.kind == "on_site")
        assert on_site.met_at == clock.now() == ticket.arrived_at
        view = repairs.ticket_view(ticket, clock.now(), MANAGER)
        assert next(d for d in view["deadlines"] if d["kind"] == "on_site")["state"] == "met"
        clock.advance(minutes=30)
        act(session, clock, TECH, ticket, "complete")
        assert ticket.materials == [{"name": "阀芯", "quantity": 1.0, "unit": "个"}]
        assert ticket.work_note == "换了水龙头阀芯"
        act(session, clock, ME, ticket, "rate", rating=5, comment="很快")
        assert [h.action for h in ticket.history] == [
            "opened", "dispatch", "accept", "arrive", "complete", "rate"]
        snap = repairs.snapshot(ticket)
        assert snap["assignee"] == {"user_id": "eng.lh", "name": "林工"}
        assert (snap["rating"], snap["comment"], snap["closed_at"]) == (5, "很快", clock.now())
        assert snap["version"] == 6

    def test_paid_in_home_arrival_meets_arrive_before(self, session, clock, registry):
        ticket = repairs.open_repair(work(session, clock, ME), {
            "unit_id": "u1", "category": "in_home_paid", "content": "换灯泡",
            "appointment_at": clock.now() + timedelta(hours=2)})
        walk(session, clock, ticket, "on_site")
        assert next(d for d in ticket.deadlines if d.kind == "arrive_before").met_at == clock.now()

    def test_the_duty_phone_notice_dispatches_only_a_recorded_repair(self, session, clock, registry):
        system = work(session, clock, Caller.system(G))
        noticed = open_ticket(session, clock)
        repairs.engineering_notified(system, noticed.id, clock.now(), "sms")
        assert (noticed.status, noticed.assignee_id, noticed.version) == ("dispatched", None, 2)
        # an engineer takes the unnamed order by accepting it
        act(session, clock, TECH, noticed, "accept")
        assert (noticed.status, noticed.assignee_id) == ("accepted", "eng.lh")
        # dispatched by hand first: the later notice is bookkeeping, no second dispatch
        manual = walk(session, clock, open_ticket(session, clock), "accepted")
        repairs.engineering_notified(system, manual.id, clock.now(), "sms")
        assert (manual.status, manual.assignee_id) == ("accepted", "eng.lh")
        assert manual.engineering_notified_at == clock.now()
        assert manual.history[-1].action == "engineering_notified"
        changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "ticket.status_changed"
                   and e["data"]["ticket_id"] == manual.id]
        assert [c["action"] for c in changed] == ["dispatch", "accept"]

    def test_reopen_within_the_setting_goes_back_to_the_same_technician(self, session, clock, registry):
        ticket = walk(session, clock, open_ticket(session, clock), "work_done")
        act(session, clock, ME, ticket, "rate", rating=2)
        clock.advance(days=7)
        act(session, clock, ME, ticket, "reopen")
        assert (ticket.status, ticket.assignee_id, ticket.rating, ticket.closed_at) == (
            "dispatched", "eng.lh", None, None)
        # round two: rated again (the new visit), then the window runs out
        for action in ("accept", "arrive", "complete", "rate"):
            act(session, clock, BY[action], ticket, action)
        clock.advance(days=7, seconds=1)
        with pytest.raises(ReopenWindowClosed):
            act(session, clock, ME, ticket, "reopen")

    def test_reopen_days_is_a_project_setting(self, session, clock, registry):
        centre = staff(G, ["p1"], roles=["centre_manager"])
        repairs.set_setting(work(session, clock, centre), "p1", "repair.reopen_days", 1)
        ticket = walk(session, clock, open_ticket(session, clock), "closed")
        clock.advance(days=2)
        with pytest.raises(ReopenWindowClosed):
            act(session, clock, MANAGER, ticket, "reopen")
        assert {s["key"]: s["value"] for s in repairs.get_settings(work(session, clock, centre), "p1")}[
            "repair.reopen_days"] == 1


# -- staff lists: every filter of the issue ------------------------------------------------------

def test_staff_lists_filter_by_kind_category_channel_technician_period_and_sla_state(session, clock, registry):
    """Three repairs a day apart: one closed in time by eng.lh, one dispatched to eng.wq whose
    on-site clock ran out, one paid in-home repair still inside its clocks."""
    platform = Caller.system(G, "notify")

    def notified(ticket):          # engineering got the order at once (notify's delivery)
        repairs.engineering_notified(work(session, clock, platform), ticket.id, clock.now(), via="sms")
        return ticket

    # rated, not just signed: a signature without a rating would schedule a revisit (a ticket too)
    done = walk(session, clock, notified(open_ticket(session, clock)), "work_done")
    act(session, clock, ME, done, "rate")
    clock.advance(days=1)
    overdue = notified(open_ticket(session, clock))
    act(session, clock, MANAGER, overdue, "dispatch", assignee_id="eng.wq", assignee_name="王工")
    clock.advance(days=1)
    paid = notified(repairs.open_repair(work(session, clock, ME), {
        "unit_id": "u1", "category": "in_home_paid", "content": "换灯",
        "appointment_at": clock.now() + timedelta(days=1)}))
    session.flush()
    w = work(session, clock, DESK)
    from services.tickets.schemas import TicketQuery

    def ids(**query):
        tickets, total = repairs.list_tickets(w, **TicketQuery().load({"project_id": "p1", **query}))
        assert total == len(tickets)
        return {t.id for t in tickets}

    assert ids() == {done.id, overdue.id, paid.id}
    assert ids(kind="repair") == {done.id, overdue.id, paid.id}
    assert ids(category="in_home_paid") == {paid.id}
    assert ids(channel="portal") == {done.id, overdue.id, paid.id} and ids(channel="phone") == set()
    assert ids(assignee_id="eng.lh") == {done.id} and ids(assignee_id="eng.wq") == {overdue.id}
    first_day = done.received_at
    assert ids(received_from=(first_day + timedelta(hours=12)).isoformat()) == {overdue.id, paid.id}
    assert ids(received_to=(first_day + timedelta(hours=12)).isoformat()) == {done.id}
    assert ids(sla_state="breached") == {overdue.id}       # on site within 15 min: a day ago
    assert ids(sla_state="pending") == {paid.id}           # the appointment is tomorrow
    assert ids(sla_state="met") == {done.id}
    assert ids(sla_state="late") == set()
    with pytest.raises(Exception):
        TicketQuery().load({"received_from": clock.now().isoformat(), "received_to": clock.now().isoformat()})
