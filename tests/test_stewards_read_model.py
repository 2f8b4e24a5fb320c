"""The stewards' and the desk's reads from the gateway's read model agree with tickets' own answers
(issue 12), without a broker: tickets' ``ticket.changed`` for inspection rounds (the ``inspection``
part) and front-desk tasks (the ``task`` part), as its outbox holds them, projected by the gateway;
``views.inspection_round`` / ``inspection_rounds`` / ``front_desk_tasks`` then answer what tickets'
``get_inspection_round`` / ``list_inspection_rounds`` / ``front_desk_tasks`` answer, field by field (a
time compared as the instant it is: tickets states a patrol's local window ``+08:00`` when it publishes)."""
from __future__ import annotations

from datetime import date, datetime

import orjson
import pytest
from sqlalchemy.orm import Session

from gateway.readmodel import projector, views
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.tenancy import Caller
from services.tickets.domain import inspections, keys, repairs
from services.tickets.events import CONTRACT, TICKET_CHANGED
from services.tickets.schemas import RoundOut, TicketOut
from services.tickets.tests import test_inspections as insp
from services.tickets.tests import test_keys_vacant as kv
from services.tickets.tests.support import work
from services.tickets.tests.test_inspections import CS, DESK, P, STEWARD, area, local, world  # noqa: F401
from services.tickets.tests.test_keys_vacant import world as keys_world  # noqa: F401


@pytest.fixture
def gateway(tmp_path):
    url = f"sqlite:///{tmp_path}/gateway.db"
    upgrade(migrations_dir("gateway"), url)
    engine = make_engine(url)
    with Session(engine) as session:
        yield session
    engine.dispose()


def feed(gateway, events) -> None:
    for event in events:
        if event["type"] == "ticket.changed":
            projector.apply_ticket(gateway, event["data"])
    gateway.commit()


def instants(value):
    """JSON with every ISO time as its UTC instant (the same instant compares equal)."""
    if isinstance(value, dict):
        return {k: instants(v) for k, v in value.items()}
    if isinstance(value, list):
        return [instants(v) for v in value]
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        return projector.utc_iso(value)
    return value


def json(value):
    return orjson.loads(orjson.dumps(value))


def test_a_round_and_the_project_s_rounds_read_as_tickets_answers(world, gateway):  # noqa: F811
    a1 = area(world, steward_id="steward.wu", steward_name="吴管家")
    a2 = area(world, "2栋电梯", "elevator", steward_id="steward.li", steward_name="李管家")
    world.run_jobs()                                              # today's patrols, two per area
    walked = world.do(STEWARD, inspections.start_round, a1)       # and one walked now
    world.step(STEWARD, walked, "record", results=[{"item_code": "ST06", "outcome": "failed", "note": "灭火器过期"}])
    feed(gateway, world.events())
    steward = insp.STEWARD
    now = world.clock.now()

    def tickets_round(round_id):
        return json(RoundOut().dump(world.do(CS, lambda w: inspections.round_view(w, inspections.get_round(w, round_id)))))

    def tickets_list(**query):
        def run(w):
            found, total = inspections.list_rounds(w, P, **query)
            return {"items": [RoundOut().dump(inspections.round_view(w, t)) for t in found], "total": total}
        return json(world.do(steward, run))

    got = views.inspection_round(gateway, steward, walked)
    assert got is not None and instants(got) == instants(tickets_round(walked))
    assert got["items"][5]["repair_number"].startswith("BX-") and got["status"] == "in_progress"
    part = orjson.loads(gateway.get(projector.PortalTicket, walked).document)["inspection"]
    assert (part["failed_items"], part["items_recorded"], part["area"]["name"]) == (["ST06"], 1, "1栋楼梯间")
    for query in ({}, {"assignee_id": "steward.wu"}, {"area_id": a2}, {"day": date(2026, 11, 24)},
                  {"status": "planned"}, {"due": "due"}, {"due": "missed"}, {"limit": 2, "offset": 1}):
        ours = views.inspection_rounds(gateway, steward, P, now, **query)
        assert ours is not None and instants(ours) == instants(tickets_list(**query)), query
    assert views.inspection_rounds(gateway, steward, P, now, assignee_id="steward.wu")["total"] == 3
    by_steward = lambda at, day=None: (views.patrols_by_steward(gateway, steward, P, at, day=day),   # noqa: E731
                                       json(world.do(steward, inspections.by_steward, P, day)))
    ours, theirs = by_steward(now)
    assert ours == theirs and [(r["steward"]["user_id"], r["due"]) for r in ours] == [("steward.wu", 2),
                                                                                       ("steward.li", 2)]
    # past the morning patrols' deadline (not marked yet): missed for both tickets and the read model
    world.clock.set(local(2026, 11, 24, 12, 30))
    later = world.clock.now()
    ours = views.inspection_rounds(gateway, steward, P, later, due="missed")
    # the two morning patrols, and the round walked on the spot this morning (its deadline
    # ``inspection.spot_round_hours``, 4, has passed too)
    assert instants(ours) == instants(tickets_list(due="missed")) and ours["total"] == 3
    ours, theirs = by_steward(later, date(2026, 11, 24))
    assert ours == theirs and [(r["due"], r["missed"]) for r in ours] == [(1, 1), (1, 1)]
    assert by_steward(later, date(2026, 11, 25)) == ([], [])

    # a step's reply (read-your-writes) onto the stored round, then its event of the same version: one answer
    world.clock.set(local(2026, 11, 24, 7, 30))
    reply = world.step(STEWARD, walked, "record", results=[{"item_code": "ST01", "outcome": "ok"}])
    answer = tickets_round(reply)
    assert projector.project_reply(gateway, "round", answer)
    gateway.commit()
    assert instants(views.inspection_round(gateway, steward, walked)) == instants(answer)
    feed(gateway, world.events()[-3:])
    assert instants(views.inspection_round(gateway, steward, walked)) == instants(answer)
    assert views.inspection_round(gateway, steward, walked, min_version=answer["version"] + 1) is None


def test_who_reads_rounds_and_tasks_from_the_read_model(world, gateway):  # noqa: F811
    from kernel.testing import resident, staff
    a1 = area(world)
    walked = world.do(STEWARD, inspections.start_round, a1)
    feed(gateway, world.events())
    assert views.inspection_round(gateway, insp.DESK, walked) is not None
    # tickets answers (and refuses) the others: a resident, another project's staff, a technician
    for caller in (resident(insp.G, ["u1"]), staff(insp.G, ["p2"], roles=["steward"]), insp.TECH):
        assert views.inspection_round(gateway, caller, walked) is None
        assert views.inspection_rounds(gateway, caller, P, world.clock.now()) is None
        assert views.front_desk_tasks(gateway, caller, P, world.clock.now()) is None
        assert views.patrols_by_steward(gateway, caller, P, world.clock.now()) is None
    # a round is never a ticket in anyone's ticket reads
    assert views.ticket(gateway, insp.CS, walked, world.clock.now()) is None


def test_the_desk_s_task_list_reads_as_tickets_answers(keys_world, gateway):  # noqa: F811
    w = keys_world
    key_id = kv.key_in_store(w)
    kv.move(w, kv.DESK, key_id, "request_loan", **kv.BORROWER)
    kv.move(w, kv.CS, key_id, "approve_loan")                      # a key_return task, due 18:00 today
    other = kv.key_in_store(w, label="信报箱钥匙")
    kv.move(w, kv.DESK, other, "request_loan", **kv.BORROWER)
    kv.move(w, kv.CS, other, "approve_loan")
    kv.move(w, kv.DESK, other, "return", receipt_ref="r-1")        # its task done
    feed(gateway, w.events("ticket.changed"))

    def tickets(**query):
        def run(wk):
            found, total = keys.front_desk_tasks(wk, kv.P, **query)
            return {"items": [TicketOut().dump(repairs.ticket_view(t, w.clock.now(), wk.caller)) for t in found],
                    "total": total}
        return json(w.do(kv.DESK, run))

    for query in ({"open_only": True}, {"open_only": False}, {"open_only": False, "category": "key_return"},
                  {"open_only": False, "sla_state": "met"}, {"open_only": True, "sla_state": "pending"},
                  {"open_only": False, "limit": 1, "offset": 1}):
        ours = views.front_desk_tasks(gateway, kv.DESK, kv.P, w.clock.now(), **query)
        theirs = tickets(**query)
        keep = set(TicketOut().fields)
        ours = {"items": [{k: v for k, v in t.items() if k in keep} for t in ours["items"]], "total": ours["total"]}
        assert instants(json(ours)) == instants(theirs), query
    [task] = views.front_desk_tasks(gateway, kv.DESK, kv.P, w.clock.now())["items"]
    assert task["category"] == "key_return" and task["task"]["label"] == "借出钥匙当日归还"
    # past 18:00, not back: breached for both
    w.clock.set(kv.local(2026, 11, 24, 18, 30))
    ours = views.front_desk_tasks(gateway, kv.DESK, kv.P, w.clock.now(), sla_state="breached")
    assert ours["total"] == 1 and tickets(sla_state="breached", open_only=True)["total"] == 1
    assert views.ticket(gateway, kv.CS, task["id"], w.clock.now()) is None      # never read as a ticket


def test_the_snapshot_s_parts_pass_the_event_contract(world):  # noqa: F811
    a1 = area(world)
    walked = world.do(STEWARD, inspections.start_round, a1)
    snap = world.do(CS, lambda w: repairs.snapshot(repairs.get_ticket(w, walked)))
    dumped = CONTRACT.dump(TICKET_CHANGED, snap)
    assert dumped["inspection"]["area"]["name"] == "1栋楼梯间" and dumped["task"] is None
    exported = world.read(lambda s: repairs.export_snapshots(work(s, world.clock, Caller.system(insp.G)), None, 50))
    assert any(t["kind"] == "inspection" and t["inspection"] for t in exported)    # a rebuild brings them
    assert isinstance(datetime.fromisoformat(dumped["recorded_at"]), datetime)
