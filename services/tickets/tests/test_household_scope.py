"""A resident reads and acts only on their household's tickets (trial: after a transfer 过户 of
1栋-0102, the new owner 孙丽 read 赵敏's suggestion with her phone, cancelled it, and saw her
repair). The one rule -- ``Caller.sees_household`` through ``repairs.sees_record`` /
``resident_condition``: a ticket filed by an earlier household of the unit is answered like a
missing id (get, list, every step) for repairs, complaints, praise and suggestions; a ticket of no
household (filed while nobody lived there) stays the unit's. The resident's household is the one
their scope is bound to (signed by the gateway), else -- an unbound scope -- the unit's current
one as tickets knows it."""
import pytest

from kernel.tenancy import Caller
from kernel.testing import resident, staff
from services.tickets.domain import complaints, copies, feedback, repairs
from services.tickets.exceptions import TicketNotFound
from services.tickets.schemas import ComplaintStepIn, FeedbackIn, FeedbackStepIn
from services.tickets.tests.support import work

G = "group-1"
DESK = staff(G, ["p1"], roles=["front_desk", "engineering_manager"], user_id="desk")
#: 赵敏, of h1 (bound by the gateway)
ZHAO = resident(G, ["u1"], user_id="r-zhao", households={"u1": "h1"})
#: 孙丽, of h2 after the transfer: bound to h2, and the same account with an unbound scope
SUN = resident(G, ["u1"], user_id="r-sun", households={"u1": "h2"})
SUN_UNBOUND = resident(G, ["u1"], user_id="r-sun")


def household(hid, status="active", version=1, name="赵敏", phone="13900000001"):
    return {"household_id": hid, "unit_id": "u1", "status": status, "version": version,
            "people": [{"name": name, "role": "owner", "phone": phone}] if status == "active" else []}


@pytest.fixture
def transferred(session, clock):
    """u1: a public-area repair filed by the desk while nobody lived there (no household); 赵敏's
    household h1 moves in and files a repair, a complaint and a suggestion; the unit is then
    transferred to 孙丽's household h2, who files a repair of her own."""
    system = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(system, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                                  "timezone": "Asia/Shanghai", "version": 1})
    copies.apply_unit(system, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0102",
                               "version": 1})
    session.flush()
    made = {"public": repairs.open_repair(work(session, clock, DESK), {
        "unit_id": "u1", "category": "public_area", "content": "门口路灯不亮", "reporter_name": "总台"})}
    copies.apply_household(system, household("h1"))
    session.flush()
    made["repair"] = repairs.open_repair(work(session, clock, ZHAO), {
        "unit_id": "u1", "category": "unclassified", "content": "卫生间漏水"})
    made["complaint"] = complaints.register(work(session, clock, ZHAO), {
        "unit_id": "u1", "department": "cleaning", "content": "楼道垃圾三天没人清"})
    made["suggestion"] = feedback.register(work(session, clock, ZHAO), FeedbackIn().load(
        {"sub_kind": "suggestion", "unit_id": "u1", "content": "赵敏的私人建议：东门加装雨棚",
         "reporter_phone": "13900000001"}))
    copies.apply_household(system, household("h1", "moved_out", 2))
    copies.apply_household(system, household("h2", name="孙丽", phone="13900000002"))
    session.flush()
    made["mine"] = repairs.open_repair(work(session, clock, SUN), {
        "unit_id": "u1", "category": "unclassified", "content": "孙丽：阳台灯坏了"})
    session.flush()
    assert {k: t.household_id for k, t in made.items()} == {
        "public": None, "repair": "h1", "complaint": "h1", "suggestion": "h1", "mine": "h2"}
    return made


@pytest.mark.parametrize("newcomer", [SUN, SUN_UNBOUND], ids=["bound", "unbound"])
def test_the_new_household_does_not_read_the_old_household_s_tickets(session, clock, transferred, newcomer):
    w = work(session, clock, newcomer)
    for key in ("repair", "complaint", "suggestion"):
        with pytest.raises(TicketNotFound) as refused:
            repairs.get_ticket(w, transferred[key].id)
        assert refused.value.english == f"no ticket {transferred[key].id}"      # as for a missing id
    with pytest.raises(TicketNotFound):
        feedback.get_feedback(w, transferred["suggestion"].id)
    assert repairs.get_ticket(w, transferred["mine"].id).content == "孙丽：阳台灯坏了"
    assert repairs.get_ticket(w, transferred["public"].id).household_id is None     # the unit's: kept
    mine = {transferred["mine"].id, transferred["public"].id}
    for query in ({}, {"unit_id": "u1"}, {"open_only": True}):
        tickets, total = repairs.list_tickets(w, **query)
        assert {t.id for t in tickets} == mine and total == 2
    assert complaints.list_complaints(w)[0] == []
    assert feedback.list_feedback(w)[0] == []
    assert feedback.list_feedback(w, unit_id="u1")[1] == 0


@pytest.mark.parametrize("newcomer", [SUN, SUN_UNBOUND], ids=["bound", "unbound"])
def test_the_new_household_takes_no_step_on_the_old_household_s_tickets(session, clock, transferred, newcomer):
    with pytest.raises(TicketNotFound):
        repairs.transition(work(session, clock, newcomer), transferred["repair"].id, "cancel",
                           {"reason": "不是我的"})
    with pytest.raises(TicketNotFound):
        complaints.transition(work(session, clock, newcomer), transferred["complaint"].id, "cancel",
                              ComplaintStepIn().load({"action": "cancel", "reason": "不是我的"}))
    with pytest.raises(TicketNotFound):
        feedback.transition(work(session, clock, newcomer), transferred["suggestion"].id, "cancel",
                            FeedbackStepIn().load({"action": "cancel", "reason": "不需要了"}))
    assert [transferred[k].status for k in ("repair", "complaint", "suggestion")] == [
        "open", "registered", "received"]
    # her own repair is hers to cancel
    assert repairs.transition(work(session, clock, newcomer), transferred["mine"].id, "cancel",
                              {"reason": "自己修好了"}).status == "cancelled"


def test_a_scope_still_bound_to_the_old_household_does_not_read_the_new_one_s(session, clock, transferred):
    """Until the gateway ends it, 赵敏's scope bound to h1 reads h1's tickets, never h2's (her
    account loses the unit when the gateway applies the transfer: then every read is 404)."""
    w = work(session, clock, ZHAO)
    assert repairs.get_ticket(w, transferred["repair"].id).household_id == "h1"
    with pytest.raises(TicketNotFound):
        repairs.get_ticket(w, transferred["mine"].id)
    tickets, _ = repairs.list_tickets(w)
    assert transferred["mine"].id not in {t.id for t in tickets}
    gone = resident(G, [], user_id="r-zhao")          # after the gateway ended her scope
    with pytest.raises(TicketNotFound):
        repairs.get_ticket(work(session, clock, gone), transferred["repair"].id)


def test_staff_read_every_household_s_tickets_of_the_unit(session, clock, transferred):
    tickets, total = repairs.list_tickets(work(session, clock, DESK), unit_id="u1")
    assert total == 5 and {t.household_id for t in tickets} == {None, "h1", "h2"}
    view = repairs.ticket_view(transferred["suggestion"], clock.now(), SUN)
    assert view["reporter"]["phone"] != "13900000001"                 # not hers: masked even if shown
