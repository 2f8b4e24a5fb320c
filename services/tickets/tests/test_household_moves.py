"""A household moves out (过户 / 迁出, domain/moves.py): its open goods releases are voided by the
platform; its renovation before the works is cancelled (from ``fees_requested`` billing is told,
``renovation.cancelled``), from the fees paid on it is the unit's works, handed over to the next
household -- whichever of archive's two ``household.changed`` of a transfer tickets sees first, and
however often (redelivery) -- on the injectable clock."""
from decimal import Decimal

import pytest

from kernel.errors import NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets import schemas
from services.tickets.domain import copies, goods_release as gr, moves, renovation, repairs
from services.tickets.exceptions import RenovationOpen, TransitionNotAllowed
from services.tickets.models import Base, Renovation, RenovationPass
from services.tickets.tests.support import work

G = "group-1"
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="finance")
GUARD = staff(G, ["p1"], roles=["security"], user_id="guard")
SYSTEM = Caller.system(G, "tickets")
#: 赵敏 of h1 (the old owners), 孙丽 of h2 (the new owners of the transfer)
ZHAO = resident(G, ["u1"], user_id="r-zhao", households={"u1": "h1"})
SUN = resident(G, ["u1"], user_id="r-sun", households={"u1": "h2"})
DOCS = [{"doc_type": t, "document_id": f"doc-{t}"} for t in renovation.REQUIRED_DOCUMENTS]


def archive_file(unit_id, document_id):
    return {"id": document_id, "doc_type": document_id.removeprefix("doc-")}


def household(hid, status="active", version=1, name="赵敏", phone="13900000001"):
    return {"household_id": hid, "group_id": G, "unit_id": "u1", "status": status, "version": version,
            "people": [{"name": name, "role": "owner", "phone": phone}] if status == "active" else []}


H1_OUT = household("h1", "moved_out", 2)
H2_IN = household("h2", name="孙丽", phone="13900000002")


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, SYSTEM)
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    copies.apply_unit(w, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101", "version": 1})
    copies.apply_household(w, household("h1"))
    session.flush()


def changed(session, clock, data):
    assert moves.on_household_changed(work(session, clock, SYSTEM), data)
    session.flush()


def transfer(session, clock, order):
    """archive's two events of the transfer, in the order tickets sees them."""
    for data in ((H1_OUT, H2_IN) if order == "out_first" else (H2_IN, H1_OUT)):
        changed(session, clock, data)


def events_of(session, type_):
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == type_]


def do(session, clock, ticket, action, caller=DESK, **data):
    body = {"note": None, "violations": [], "waste_seen": False, **data}
    return renovation.step(work(session, clock, caller), ticket.id, action, body, archive_file)


def renovation_in(session, clock, state):
    """h1's renovation of u1 walked to ``state``."""
    ticket = renovation.apply(work(session, clock, ZHAO), {
        "unit_id": "u1", "content": "厨卫改造", "contractor": "某装饰公司", "documents": []}, archive_file)
    assert ticket.household_id == "h1"
    path = ["attach", "submit", "reject", "submit", "approve", "sign_agreement", "fees_paid", "issue_permit",
            "request_acceptance"]
    targets = {"applied": 0, "rework": 3, "under_review": 4, "approved": 5, "fees_requested": 6,
               "fees_paid": 7, "in_progress": 8}
    for action in path[:targets[state]]:
        if action == "attach":
            for doc in DOCS:
                do(session, clock, ticket, "attach_document", ZHAO, **doc)
        elif action == "submit":
            do(session, clock, ticket, "submit", ZHAO)
        elif action in ("approve", "reject"):
            do(session, clock, ticket, action, CS, note="图纸缺水电走向" if action == "reject" else None)
        elif action == "fees_paid":
            renovation.on_fees_paid(work(session, clock, SYSTEM), {
                "renovation_id": ticket.id, "deposit_id": "dep-1", "garbage_fee": Decimal("360.00"),
                "paid_at": clock.now()})
        else:
            do(session, clock, ticket, action)
    assert ticket.status == state
    return ticket


def issued_release(session, clock):
    ok = lambda unit_id: {"balance_due": "0.00", "overdue": "0.00", "as_of": "2026-11-24"}  # noqa: E731
    people = lambda unit_id: [{"name": "赵敏", "role": "owner"}]  # noqa: E731
    release = gr.request(work(session, clock, DESK), schemas.GoodsReleaseIn().load({
        "unit_id": "u1", "requester_name": "赵敏", "requester_role": "owner", "mover_name": "王师傅",
        "mover_id_type": "resident_id", "mover_id_number": "110105198511204566",
        "items": [{"name": "冰箱", "quantity": 1}], "move_at": "2026-11-25T10:00:00+08:00",
        "identity": {"method": "in_person", "person_name": "赵敏", "id_type": "resident_id",
                     "id_number": "110101199003071233", "matched_archive": True}}), people,
        lambda unit_id, name, number, id_type: {"matched": True, "role": "owner"})   # archive: 赵敏's number
    gr.step(work(session, clock, FINANCE), release.id, {"action": "approve"}, ok)
    return gr.step(work(session, clock, DESK), release.id, {"action": "issue"}, ok)


# -- goods releases ----------------------------------------------------------------------------------

@pytest.mark.parametrize("order", ["out_first", "in_first"])
def test_the_old_households_open_goods_releases_are_voided_by_the_platform(session, clock, registry, order):
    issued = issued_release(session, clock)
    ok = lambda unit_id: {"balance_due": "0.00", "overdue": "0.00", "as_of": "2026-11-24"}  # noqa: E731
    used = issued_release(session, clock)
    clock.set("2026-11-25T09:00:00+08:00")                 # the moving day: the gate lets the goods out
    gr.step(work(session, clock, GUARD), used.id, {"action": "use"}, ok)
    transfer(session, clock, order)
    assert (issued.status, used.status) == ("voided", "used")          # a used pass is history
    assert issued.void_reason == gr.MOVED_OUT_REASON and issued.voided_by == SYSTEM.user_id
    assert issued.history[-1].action == "void" and issued.history[-1].note == gr.MOVED_OUT_REASON
    voided = events_of(session, "goods_release.voided")
    assert [(e["release_id"], e["reason"], e["from"]) for e in voided] == [
        (issued.id, gr.MOVED_OUT_REASON, "issued")]
    step = events_of(session, "goods_release.changed")[-1]
    assert step["release_id"] == issued.id and step["status"] == "voided" and step["step"]["action"] == "void"
    # redelivered, both events: nothing more
    transfer(session, clock, order)
    assert len(events_of(session, "goods_release.voided")) == 1 and issued.version == 4
    # the new owner does not read the old household's pass
    with pytest.raises(NotFound):
        gr.get(work(session, clock, SUN), issued.id)


def test_the_platforms_void_is_a_row_of_the_table(session, clock, registry):
    assert all(gr.TABLE[(s, "void")].who == {"manager", "system"} for s in gr.OPEN_STATES)
    release = issued_release(session, clock)
    with pytest.raises(Exception) as refused:          # the desk is not the managers: still refused
        gr.step(work(session, clock, DESK), release.id, {"action": "void", "reason": "x"}, None)
    assert getattr(refused.value, "code", "") == "not_your_step"


# -- the renovation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["applied", "under_review", "rework", "approved"])
def test_before_the_agreement_the_renovation_is_cancelled_and_billing_is_not_told(session, clock, registry, state):
    ticket = renovation_in(session, clock, state)
    changed(session, clock, H1_OUT)
    assert ticket.status == "cancelled" and ticket.cancel_reason == renovation.MOVED_OUT_REASON
    assert ticket.history[-1].action == "cancel_moved_out" and ticket.history[-1].actor_id == SYSTEM.user_id
    assert all(d.cancelled_at or d.met_at for d in ticket.deadlines)     # the review clock stopped
    assert events_of(session, "renovation.cancelled") == []
    changed(session, clock, H2_IN)
    # the new owner applies: no longer refused by a renovation she cannot read
    mine = renovation.apply(work(session, clock, SUN), {"unit_id": "u1", "content": "刷墙", "documents": []},
                            archive_file)
    assert mine.household_id == "h2"


@pytest.mark.parametrize("order", ["out_first", "in_first"])
def test_fees_requested_is_cancelled_and_billing_told_once(session, clock, registry, order):
    ticket = renovation_in(session, clock, "fees_requested")
    transfer(session, clock, order)
    assert ticket.status == "cancelled"
    (told,) = events_of(session, "renovation.cancelled")
    assert told["renovation_id"] == ticket.id and told["household_id"] == "h1"
    assert told["deposit_amount"] == "2000.00" and told["reason"] == renovation.MOVED_OUT_REASON
    transfer(session, clock, order)                                   # redelivered
    assert len(events_of(session, "renovation.cancelled")) == 1
    # billing's late fees_paid for the cancelled renovation: nothing
    assert renovation.on_fees_paid(work(session, clock, SYSTEM), {"renovation_id": ticket.id}) is None


@pytest.mark.parametrize("order", ["out_first", "in_first"])
@pytest.mark.parametrize("state", ["fees_paid", "in_progress", "acceptance_requested"])
def test_the_units_works_are_handed_over_to_the_new_household(session, clock, registry, order, state):
    ticket = renovation_in(session, clock, state if state != "acceptance_requested" else "in_progress")
    if state == "in_progress":
        do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="李师傅")
    if state == "acceptance_requested":
        do(session, clock, ticket, "request_acceptance", acceptance_on=renovation.earliest_acceptance(
            work(session, clock, DESK), repairs._project(work(session, clock, DESK), "p1"), clock.today()))
    transfer(session, clock, order)
    assert ticket.status == state and ticket.household_id == "h2"
    assert ticket.history[-1].action == "hand_over" and ticket.history[-1].note == renovation.HANDED_OVER_NOTE
    assert ticket.reporter_phone == "13900000002"                    # the old owner's phone is not shown to her
    assert session.get(Renovation, ticket.id).left_by_household_id is None
    snapshot = [e for e in events_of(session, "ticket.changed") if e["ticket_id"] == ticket.id][-1]
    assert snapshot["household_id"] == "h2" and snapshot["version"] == ticket.version
    # redelivered: one hand-over only
    transfer(session, clock, order)
    assert [h.action for h in ticket.history].count("hand_over") == 1
    # the new owner reads it and takes its steps; the old owner does not read it
    assert renovation.get(work(session, clock, SUN), ticket.id)[0] is ticket
    with pytest.raises(NotFound):
        renovation.get(work(session, clock, ZHAO), ticket.id)
    # the permit, passes and patrols go on; the new owner's own application meets it (she reads it)
    if state == "in_progress":
        do(session, clock, ticket, "record_patrol", GUARD, note="ok")
        assert session.query(RenovationPass).filter_by(ticket_id=ticket.id).count() == 1
    with pytest.raises(RenovationOpen):
        renovation.apply(work(session, clock, SUN), {"unit_id": "u1", "content": "刷墙", "documents": []},
                         archive_file)


def test_a_plain_move_out_leaves_the_works_waiting_for_the_next_household(session, clock, registry):
    ticket = renovation_in(session, clock, "in_progress")
    changed(session, clock, H1_OUT)
    assert ticket.status == "in_progress" and ticket.household_id == "h1"
    assert session.get(Renovation, ticket.id).left_by_household_id == "h1"
    assert ticket.history[-1].action == "household_left"
    changed(session, clock, H1_OUT)                                   # redelivered: one entry
    assert [h.action for h in ticket.history].count("household_left") == 1
    # works go on meanwhile (the desk, security)
    do(session, clock, ticket, "record_patrol", GUARD, note="空置期间巡查")
    # a stale snapshot of the old household (redelivered) does not take it back
    changed(session, clock, household("h1"))
    assert ticket.household_id == "h1"
    # a new household moves in later: it takes the works over
    changed(session, clock, household("h3", name="钱多", phone="13900000003"))
    assert ticket.household_id == "h3" and ticket.history[-1].action == "hand_over"


@pytest.mark.parametrize("order", ["out_first", "in_first"])
@pytest.mark.parametrize("state", ["occupied", "refund_requested"])
def test_at_the_refund_stage_the_renovation_stays_with_the_household_that_paid_the_deposit(
        session, clock, registry, order, state):
    """L11: the works are done, the deposit is the old owners' to get back: not handed over."""
    ticket = renovation_in(session, clock, "in_progress")
    row = session.get(Renovation, ticket.id)
    row.accepted_at = clock.now()
    ticket.status = "occupied"
    row.occupied_on = clock.today()
    row.reinspection_due_at = clock.now()
    if state == "refund_requested":
        do(session, clock, ticket, "reinspect", CS)
    transfer(session, clock, order)
    assert ticket.status == state and ticket.household_id == "h1"
    assert "hand_over" not in [h.action for h in ticket.history]
    assert session.get(Renovation, ticket.id).left_by_household_id is None
    # the old owner still reads it; the new owner does not (the refund is not hers)
    assert renovation.get(work(session, clock, ZHAO), ticket.id)[0] is ticket
    with pytest.raises(NotFound):
        renovation.get(work(session, clock, SUN), ticket.id)
    if state == "occupied":
        do(session, clock, ticket, "reinspect", CS)
    (asked,) = events_of(session, "renovation.refund_requested")
    assert asked["deposit_id"] == "dep-1" and asked["refund_amount"] == "2000.00"   # the deposit billing holds
    assert asked["household_id"] == "h1"


def test_the_platforms_steps_are_rows_of_the_table_and_no_caller_takes_them(session, clock, registry):
    for state in renovation.BEFORE_WORKS:
        assert renovation.TABLE[(state, "cancel_moved_out")].who == {"system"}
    for state in renovation.UNIT_WORKS:
        assert renovation.TABLE[(state, "hand_over")].who == {"system"}
        assert renovation.TABLE[(state, "household_left")].who == {"system"}
    assert ("closed", "hand_over") not in renovation.TABLE
    ticket = renovation_in(session, clock, "in_progress")
    with pytest.raises(Exception) as refused:
        do(session, clock, ticket, "hand_over", DESK, household_id="h9")
    assert getattr(refused.value, "code", "") == "not_your_step"
    with pytest.raises(TransitionNotAllowed):
        renovation.step(work(session, clock, SYSTEM), ticket.id, "cancel_moved_out", {})
