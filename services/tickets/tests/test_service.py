"""tickets in a real nameko container on the real broker."""
from datetime import datetime, timezone

import pytest
from nameko.exceptions import RemoteError

from kernel.testing import (database_of, migrated_sqlite, publish_event,
                            resident, service_config, staff, wait_for)
from services.tickets.models import UnitCopy
from services.tickets.service import TicketsService

G = "group-1"


@pytest.fixture
def tickets(container_factory, rabbit_config, tmp_path):
    container = container_factory(TicketsService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "tickets")))
    container.start()
    return container



@pytest.fixture
def capture(capture_events):
    return capture_events("tickets")


def archive_events(amqp_uri, household_first=False):
    project = ("project.changed", {"project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                   "kind": "residential", "timezone": "Asia/Shanghai", "version": 1})
    unit = ("unit.changed", {"unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1",
                             "building_name": "1栋", "number": "0101", "label": "1栋-0101", "floor": 1,
                             "building_area": "89.37", "usage": "residential", "version": 1})
    household = ("household.changed", {
        "household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
        "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 1,
        "people": [{"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                    "email": None, "locale": "zh-CN"}]})
    order = [project, household, unit] if household_first else [project, unit, household]
    for event_type, data in order:
        publish_event(amqp_uri, "archive", event_type, data, group_id=G, project_id="p1")


def household_of(container, unit_id):
    with database_of(container).Session() as session:
        unit = session.get(UnitCopy, unit_id)
        return unit and unit.household_id


def known_unit(rpc):
    try:
        return rpc.call(staff(G, ["p1"]), "tickets", "list_open_for_unit", "u1") == []
    except RemoteError:
        return False


def test_repair_request_flow(tickets, rpc, capture, rabbit_config):
    # the household arrives before its unit: the handler retries until the unit is there
    archive_events(rabbit_config["AMQP_URI"], household_first=True)
    wait_for(lambda: household_of(tickets, "u1") == "h1", message="household copy after retry")
    me = resident(G, ["u1"], user_id="r-zhang")
    ticket = rpc.call(me, "tickets", "open_repair", {
        "unit_id": "u1", "category": "public_area", "content": "楼道灯不亮"})
    assert ticket["number"].startswith("BX-") and ticket["status"] == "open"
    assert ticket["reporter"] == {"name": "r-zhang", "phone": "13812345678"}   # household copy applied
    assert ticket["household_id"] == "h1"
    assert {d["kind"]: d["state"] for d in ticket["deadlines"]} == {
        "record": "met", "notify_engineering": "pending", "on_site": "pending"}

    opened = capture.wait_for("ticket.opened")[0]
    assert opened["data"]["ticket_id"] == ticket["id"] and opened["group_id"] == G

    # notify tells us engineering has the order
    delivered_at = datetime.now(timezone.utc).isoformat()
    publish_event(rabbit_config["AMQP_URI"], "notify", "notification.delivered", {
        "notification_id": "n1", "delivery_id": "d1", "purpose": "ticket.dispatch_engineering",
        "ref_type": "ticket", "ref_id": ticket["id"], "channel": "inapp", "recipient_kind": "role",
        "recipient": "engineering", "delivered_at": delivered_at}, group_id=G, project_id="p1")
    dispatched = wait_for(lambda: (t := rpc.call(me, "tickets", "get_ticket", ticket["id"]))
                          ["status"] == "dispatched" and t)
    states = {d["kind"]: d["state"] for d in dispatched["deadlines"]}
    assert states["notify_engineering"] == "met"
    assert [h["action"] for h in dispatched["history"]] == ["opened", "engineering_notified"]


def test_errors_are_typed_and_scoped(tickets, rpc, rabbit_config):
    archive_events(rabbit_config["AMQP_URI"])
    wait_for(lambda: known_unit(rpc))
    with pytest.raises(RemoteError) as exc:
        rpc.call(resident(G, ["u1"]), "tickets", "open_repair", {"unit_id": "u1"})
    assert exc.value.exc_type == "InvalidInput"
    with pytest.raises(RemoteError) as exc:
        rpc.call(resident(G, ["u2"]), "tickets", "open_repair", {"unit_id": "u1", "content": "xx"})
    assert exc.value.exc_type == "UnitNotFound"     # as for a unit that does not exist
    with pytest.raises(RemoteError) as exc:
        rpc.call(resident(G, ["u1"]), "tickets", "get_ticket", "no-such-ticket")
    assert exc.value.exc_type == "TicketNotFound"
    # none of the refused calls wrote a ticket (the platform's own front-desk tasks -- the month's key
    # stock-check, opened when the project's copy arrives -- are not the callers')
    listed = rpc.call(staff(G, ["p1"]), "tickets", "list_tickets", {"project_id": "p1"})["items"]
    assert [t["number"] for t in listed if t["kind"] != "task"] == []


def test_repair_workflow_over_rpc(tickets, rpc, capture, rabbit_config):
    archive_events(rabbit_config["AMQP_URI"])
    wait_for(lambda: known_unit(rpc))
    me = resident(G, ["u1"], user_id="r-zhang")
    manager = staff(G, ["p1"], roles=["engineering_manager"], user_id="eng.mgr")
    tech = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
    ticket = rpc.call(me, "tickets", "open_repair", {"unit_id": "u1", "category": "public_area",
                                                      "content": "楼道灯不亮"})
    steps = [(manager, {"action": "dispatch", "assignee_id": "eng.lh", "assignee_name": "林工"}),
             (tech, {"action": "accept"}), (tech, {"action": "arrive"}),
             (tech, {"action": "complete", "work_done": "换灯管",
                     "materials": [{"name": "LED灯管", "quantity": 2, "unit": "根"}]}),
             (me, {"action": "rate", "rating": 5, "comment": "好"})]
    for n, (caller, data) in enumerate(steps):
        reply = rpc.call(caller, "tickets", "transition", ticket["id"], data, idempotency_key=f"k-{n}")
        # a retry with the same key answers the same reply and changes nothing
        assert rpc.call(caller, "tickets", "transition", ticket["id"], data,
                        idempotency_key=f"k-{n}") == reply
    assert (reply["status"], reply["rating"], reply["version"]) == ("closed", 5, 6)
    assert reply["assignee"] == {"user_id": "eng.lh", "name": "林工"}
    assert reply["materials"] == [{"name": "LED灯管", "quantity": 2.0, "unit": "根"}]
    assert {d["kind"]: d["state"] for d in reply["deadlines"]}["on_site"] == "met"
    with pytest.raises(RemoteError) as exc:
        rpc.call(me, "tickets", "transition", ticket["id"], {"action": "rate", "rating": 3})
    assert exc.value.exc_type == "AlreadyRated"
    with pytest.raises(RemoteError) as exc:
        rpc.call(me, "tickets", "transition", ticket["id"], {"action": "fly"})
    assert exc.value.exc_type == "InvalidInput"
    moves = capture.wait_for("ticket.status_changed", count=5)
    assert [m["data"]["to"] for m in sorted(moves, key=lambda m: m["data"]["version"])] == ["dispatched", "accepted", "on_site", "work_done", "closed"]


def test_the_front_desk_tasks_over_rpc(tickets, rpc, rabbit_config):
    """The project's front-desk tasks through the service (a trial found every call failing): the
    desk lists them with the lists' filters; a resident is answered as for another project."""
    archive_events(rabbit_config["AMQP_URI"])
    wait_for(lambda: known_unit(rpc))
    desk = staff(G, ["p1"], roles=["front_desk"])
    listed = rpc.call(desk, "tickets", "front_desk_tasks", "p1", {"limit": 5})
    assert set(listed) == {"items", "total"} and all(t["kind"] == "task" for t in listed["items"])
    opened = rpc.call(desk, "tickets", "front_desk_tasks", "p1", {"project_id": "p1", "open_only": True})
    assert all(t["kind"] == "task" and t["status"] == "open" for t in opened["items"])
    with pytest.raises(RemoteError) as exc:
        rpc.call(resident(G, ["u1"]), "tickets", "front_desk_tasks", "p1")
    assert exc.value.exc_type == "ProjectNotFound"
