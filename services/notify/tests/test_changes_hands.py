"""A unit that changes hands (过户, or a move-out then a move-in): the new household's inbox shows none
of the earlier household's messages (its dunning notice, its welcome) and counts none of them unread;
the household that left has its door notices still queued on the unit withdrawn, once, with a reason
-- never posted on the new household's door; a notice for the new household is queued as usual.
Staff still read the unit's whole history. Rules without a broker (TRIAL: 王强 → 赵敏 → 孙丽)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from kernel.errors import NotFound
from kernel.testing import domain_session, resident, staff
from services.notify import schemas
from services.notify.domain import bills, notifications, printing, welcome
from services.notify.models import Base, Delivery, Notification, OutboxMessage
from services.notify.tests.test_domain import G, clock, estate, work  # noqa: F401

WANG = {"person_id": "p-wang", "name": "王强", "role": "owner", "phone": "13800000101", "email": None,
        "locale": "zh-CN"}
ZHAO = {"person_id": "p-zhao", "name": "赵敏", "role": "owner", "phone": "13800000102", "email": None,
        "locale": "zh-CN"}
SUN = {"person_id": "p-sun", "name": "孙丽", "role": "owner", "phone": "13800000103", "email": None,
       "locale": "zh-CN"}
NOTICE = {"notice_id": "n1", "case_id": "c1", "account_id": "a1", "unit_id": "u2", "unit_label": "1栋-0102",
          "household_id": "h-wang", "group_id": G, "project_id": "p1", "stage": "first", "notice_on": "2026-11-20",
          "pay_by": "2026-11-27", "overdue": "345.00", "late_fee": "0.00", "oldest_due_on": "2026-10-15",
          "bills": 1, "door_notice": True}


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def household(person, hid, moved_in_on, *, status="active", moved_out_on=None, version=1):
    return schemas.HouseholdChangedIn().load({
        "household_id": hid, "group_id": G, "project_id": "p1", "unit_id": "u2", "status": status,
        "moved_in_on": moved_in_on, "moved_out_on": moved_out_on, "version": version, "people": [person]})


def arrive(session, clock, data):
    made = welcome.on_household_changed(work(session, clock), data,
                                        event_id=f"ev-{data['household_id']}-{data['version']}",
                                        occurred_at=clock.now())
    session.flush()
    return made


def dun(session, clock, data, event_id):
    made = bills.on_dunning_notice(work(session, clock), schemas.DunningNoticeIn().load(data), event_id=event_id,
                                   group_id=G, project_id="p1")
    session.flush()
    return made


def transfer(session, clock, old, old_hid, old_in, new, new_hid, new_in, *, new_first=False):
    """archive's two events of a transfer, in either order."""
    leaving = household(old, old_hid, old_in, status="moved_out", moved_out_on=new_in, version=2)
    coming = household(new, new_hid, new_in)
    for data in ((coming, leaving) if new_first else (leaving, coming)):
        arrive(session, clock, data)


def inbox_of(session, clock, caller):
    w = work(session, clock, caller)
    return ([(n.purpose, n.subject) for n in notifications.unit_inbox(w, "u2")["items"]],
            notifications.unread_for_unit(w, "u2")["unread"],
            [n.purpose for n in notifications.latest_for_unit(w, "u2")])


def prints(session, clock, status="queued"):
    desk = staff(G, ["p1"], roles=("front_desk",))
    return [(p["purpose"], p["unit_label"], p["status"]) for p in printing.list_prints(
        work(session, clock, desk), {"project_id": "p1", "status": status, "limit": 50, "offset": 0})]


def published(session):
    return [json.loads(body)["data"] for body in session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.event_type == "notification.changed"))]


@pytest.mark.parametrize("new_first", [False, True], ids=["moved_out_first", "new_household_first"])
def test_after_a_transfer_the_new_household_sees_none_of_the_old_one_s_messages(session, clock, estate, new_first):
    arrive(session, clock, household(WANG, "h-wang", "2026-11-01"))           # 王强's welcome
    dun(session, clock, NOTICE, "ev-dun-1")                                   # 王强's dunning notice, door notice
    me = resident(G, ["u2"], user_id="wang")
    assert inbox_of(session, clock, me)[1] == 2                               # 王强 sees both, unread

    transfer(session, clock, WANG, "h-wang", "2026-11-01", ZHAO, "h-zhao", "2026-11-24", new_first=new_first)
    zhao = resident(G, ["u2"], user_id="zhao")
    items, unread, latest = inbox_of(session, clock, zhao)
    assert items == [("move_in.welcome", "欢迎入住 绿湖花园")]               # 赵敏's own welcome only
    assert unread == 1 and latest == ["move_in.welcome"]
    assert all("王强" not in n.body and "345.00" not in n.body
               for n in notifications.unit_inbox(work(session, clock, zhao), "u2")["items"])
    # an old message by its id: exactly as one that does not exist
    old = session.scalars(select(Notification).where(Notification.purpose == "dunning_first",
                                                     Notification.recipient_kind == "unit")).one()
    assert old.household_id == "h-wang"
    with pytest.raises(NotFound):
        notifications.get_notification(work(session, clock, zhao), old.id)
    with pytest.raises(NotFound):
        notifications.mark_read(work(session, clock, zhao), old.id)
    # staff read the unit's whole history
    desk = staff(G, ["p1"], roles=("front_desk",))
    assert {p for p, _ in inbox_of(session, clock, desk)[0]} == {"move_in.welcome", "dunning_first"}
    assert len(inbox_of(session, clock, desk)[0]) == 3

    # a second transfer: 孙丽 sees neither 王强's nor 赵敏's messages (赵敏's welcome names 赵敏)
    transfer(session, clock, ZHAO, "h-zhao", "2026-11-24", SUN, "h-sun", "2026-11-26", new_first=new_first)
    sun = resident(G, ["u2"], user_id="sun")
    items, unread, _ = inbox_of(session, clock, sun)
    assert [s for _, s in items] == ["欢迎入住 绿湖花园"] and unread == 1
    [mine] = notifications.unit_inbox(work(session, clock, sun), "u2")["items"]
    assert mine.household_id == "h-sun" and "赵敏" not in mine.body and "孙丽" in mine.body


def test_the_old_household_s_queued_door_notice_is_withdrawn_once_when_it_moves_out(session, clock, estate):
    arrive(session, clock, household(WANG, "h-wang", "2026-11-01"))
    dun(session, clock, NOTICE, "ev-dun-1")
    assert prints(session, clock) == [("dunning_first", "1栋-0102", "queued")]
    before = len(published(session))

    transfer(session, clock, WANG, "h-wang", "2026-11-01", ZHAO, "h-zhao", "2026-11-24")
    assert prints(session, clock) == []                                       # never on 赵敏's door
    door = session.scalars(select(Delivery).where(Delivery.channel == "print")).one()
    assert (door.status, door.last_error) == ("cancelled", "household_moved_out")
    # the inbox's read model hears it: the door notice cancelled (republished once)
    changed = [e for e in published(session)[before:] if e["purpose"] == "dunning_first"]
    assert [[(d["channel"], d["status"]) for d in e["deliveries"]] for e in changed] == [
        [("inapp", "delivered"), ("print", "cancelled")]]
    # the old household's SMS is its own and goes on (its debt stays its own)
    sms = session.scalars(select(Delivery).join(Notification).where(
        Delivery.channel == "sms", Notification.purpose == "dunning_first")).one()
    assert sms.status == "pending"

    # once: archive's moved_out again (redelivered, or a newer version) withdraws nothing more
    arrive(session, clock, household(WANG, "h-wang", "2026-11-01", status="moved_out", moved_out_on="2026-11-24",
                                     version=3))
    assert [e for e in published(session)[before:] if e["purpose"] == "dunning_first"] == changed

    # a notice for the new household is queued on its door as usual
    dun(session, clock, dict(NOTICE, notice_id="n2", household_id="h-zhao", account_id="a2"), "ev-dun-2")
    assert prints(session, clock) == [("dunning_first", "1栋-0102", "queued")]
    fresh = session.scalars(select(Notification).where(Notification.ref_id == "n2",
                                                       Notification.recipient_kind == "unit")).one()
    assert fresh.household_id == "h-zhao"
    zhao = resident(G, ["u2"], user_id="zhao")
    assert sorted(p for p, _ in inbox_of(session, clock, zhao)[0]) == ["dunning_first", "move_in.welcome"]
    # and the old owner's next notice after leaving is theirs alone: no unit message, no door notice
    dun(session, clock, dict(NOTICE, notice_id="n3", stage="second"), "ev-dun-3")
    assert prints(session, clock) == [("dunning_first", "1栋-0102", "queued")]


def test_a_printed_door_notice_stays_printed_when_its_household_moves_out(session, clock, estate):
    arrive(session, clock, household(WANG, "h-wang", "2026-11-01"))
    dun(session, clock, NOTICE, "ev-dun-1")
    door = session.scalars(select(Delivery).where(Delivery.channel == "print")).one()
    printing.mark_printed(work(session, clock, staff(G, ["p1"], roles=("front_desk",))),
                          {"project_id": "p1", "delivery_ids": [door.id]})
    transfer(session, clock, WANG, "h-wang", "2026-11-01", ZHAO, "h-zhao", "2026-11-24")
    session.refresh(door)
    assert (door.status, door.last_error) == ("printed", None)


def test_a_message_to_a_unit_with_no_household_reaches_whoever_lives_there(session, clock, estate):
    """An unsold unit's message (no household then) is nobody's in particular: not hidden."""
    from services.notify.domain import vacancy
    vacancy.on_vacant_unit_checked(work(session, clock), schemas.VacantUnitCheckedIn().load({
        "check_id": "k1", "unit_id": "u2", "unit_label": "1栋-0102", "group_id": G, "project_id": "p1",
        "month": "2026-11", "check_date": "2026-11-20", "result": "ok", "defects": 0, "cracks": 0,
        "repair_ticket_numbers": []}),
        event_id="ev-k1", group_id=G, project_id="p1")
    session.flush()
    arrive(session, clock, household(ZHAO, "h-zhao", "2026-11-24"))
    items, unread, _ = inbox_of(session, clock, resident(G, ["u2"], user_id="zhao"))
    assert sorted(p for p, _ in items) == ["move_in.welcome", "vacancy.check_result"] and unread == 2
