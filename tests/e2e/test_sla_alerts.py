"""The SLA engine end to end (tickets' domain/alerts.py on the periodic kernel job, notify's staff
inbox, the overrun approval route):

1. two tickets containers side by side on one PostgreSQL database and the real broker, sharing
   one movable clock, each running the sweep job: every clock is told once -- one warning, one
   breach, none for a met or cancelled clock -- as seen on the broker;
2. the whole platform through the gateway: a warning reaches engineering's staff inbox, the
   service-centre manager approves an overrun (refusals answered 4xx), the extended clock's
   breach is told again and reaches the inbox too."""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from nameko.exceptions import RemoteError
from sqlalchemy import create_engine, text

from deploy import seed
from kernel.config import migrations_dir
from kernel.db import upgrade
from kernel.testing import (TEST_SECRET, keyed, publish_event, resident, service_config, staff,
                            temporary_pg_database, wait_for)
from services.tickets.service import TicketsService

from .test_repair_flow import token

pytestmark = pytest.mark.e2e
UTC = timezone.utc
G = "group-1"
T0 = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)          # 09:00 in Shanghai
ME = resident(G, ["u1"], user_id="r-zhang")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk.lh")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
ALERTS = ("ticket.sla_warning", "ticket.sla_breached")


@pytest.fixture
def tickets_db():
    with temporary_pg_database() as url:
        upgrade(migrations_dir("tickets"), url)
        yield url


RUNNERS: set = set()


def _last_sweep(engine):
    """When the last sweep ran (and who ran it, kept in ``RUNNERS``)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT finished_at, leased_by FROM jobs WHERE kind = 'sla-sweep'")).first()
    if row is None:
        return None
    RUNNERS.add(row[1])
    return row[0]


@pytest.mark.postgres
def test_two_replicas_tell_each_alert_once(container_factory, rabbit_config, rpc, capture_events, shared_clock,
                                           tickets_db):
    amqp = rabbit_config["AMQP_URI"]
    shared_clock.write(now=T0)                          # time stands still until the test moves it
    config = service_config(amqp, tickets_db, CLOCK=f"file:{shared_clock.path}", JOBS_POLL_INTERVAL=0.05,
                            JOBS_EVERY_SLA_SWEEP=1, JOBS_LEASE_SECONDS=30)
    capture = capture_events("tickets")
    RUNNERS.clear()
    replicas = [container_factory(TicketsService, dict(config)) for _ in range(2)]
    for replica in replicas:
        replica.start()
    engine = create_engine(tickets_db)
    try:
        publish_event(amqp, "archive", "project.changed", {
            "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
            "timezone": "Asia/Shanghai", "version": 1}, group_id=G, project_id="p1")
        publish_event(amqp, "archive", "unit.changed", {
            "unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1", "building_name": "1栋",
            "number": "0101", "label": "1栋-0101", "floor": 1, "building_area": "89.37",
            "usage": "residential", "version": 1}, group_id=G, project_id="p1")

        def open_repair(n):
            return rpc.call(ME, "tickets", "open_repair", {"unit_id": "u1", "category": "public_area",
                                                           "content": f"楼道灯不亮 #{n}"},
                            idempotency_key=f"sla-e2e-{n}")

        def unit_known():
            """The project's and the unit's copies arrived (both: a list of the unit's tickets answers
            before the project's copy does): the first repair goes through -- its key makes the later
            call the same repair."""
            try:
                return open_repair(0)
            except RemoteError as refused:
                if refused.exc_type in ("ProjectNotFound", "UnitNotFound"):
                    return None
                raise
        wait_for(unit_known, timeout=20, message="the project's and the unit's copies in tickets")

        def step(ticket, action, caller, **body):
            return rpc.call(caller, "tickets", "transition", ticket["id"], dict(body, action=action),
                            idempotency_key=str(uuid.uuid4()))

        def notice(ticket, at):
            """notify's engineering dispatch delivered: meets the 2-minute clock, rebases on-site."""
            publish_event(amqp, "notify", "notification.delivered", {
                "notification_id": str(uuid.uuid4()), "delivery_id": str(uuid.uuid4()),
                "purpose": "ticket.dispatch_engineering", "ref_type": "ticket", "ref_id": ticket["id"],
                "channel": "inapp", "recipient_kind": "role", "recipient": "engineering",
                "delivered_at": at.isoformat()}, group_id=G, project_id="p1")

        nobody = [open_repair(n) for n in range(10)]   # nobody acts: every clock warns and breaches
        cancelled, met, late = open_repair(10), open_repair(11), open_repair(12)
        # a minute later: engineering has the orders of ``met`` and ``late``; ``cancelled`` is
        # cancelled; ``met``'s technician is on site -- all before any warning is due
        shared_clock.write(now=T0 + timedelta(minutes=1))
        for t in (met, late):
            notice(t, T0 + timedelta(minutes=1))
        step(cancelled, "cancel", DESK, reason="住户自行修好")

        def version_of(ticket, at_least):
            return rpc.call(DESK, "tickets", "get_ticket", ticket["id"])["version"] >= at_least
        for t in (met, late):
            wait_for(lambda t=t: version_of(t, 2), timeout=15, message="engineering notified")
        step(met, "dispatch", DESK, assignee_id="eng.lh", assignee_name="林工")
        step(met, "accept", TECH)
        step(met, "arrive", TECH)

        # the clock moves in 15-second steps to minute 3 (the 2-minute clock warns at 1:36: the
        # 1:45 sweep tells it), then 30-second steps to minute 30; after each step both replicas
        # race to run the sweep job, and one of them sweeps at that time
        for seconds in [*range(75, 180, 15), *range(180, 30 * 60 + 1, 30)]:
            now = T0 + timedelta(seconds=seconds)
            shared_clock.write(now=now)
            wait_for(lambda now=now: (_last_sweep(engine) or T0).replace(tzinfo=UTC) >= now, timeout=15,
                     message=f"a sweep at {now}")

        expected = {(t["id"], kind, alert) for t in nobody for kind in ("notify_engineering", "on_site")
                    for alert in ALERTS}
        expected |= {(late["id"], "on_site", alert) for alert in ALERTS}

        def missing():
            return expected - {(e["data"]["ticket_id"], e["data"]["deadline_kind"], e["type"])
                               for e in capture.drain() if e["type"] in ALERTS}
        try:
            wait_for(lambda: not missing(), timeout=30, message="every alert on the broker")
        except AssertionError:
            raise AssertionError(f"not told: {sorted(missing())}")
        # a few more sweeps later, nothing new
        for extra in range(1, 4):
            now = T0 + timedelta(minutes=30, seconds=extra)
            shared_clock.write(now=now)
            wait_for(lambda now=now: (_last_sweep(engine) or T0).replace(tzinfo=UTC) >= now, timeout=15,
                     message="a later sweep")
        wait_for(lambda: capture.drain() and not _outbox_pending(engine), timeout=15, message="outbox empty")
        told = Counter((e["data"]["ticket_id"], e["data"]["deadline_kind"], e["type"])
                       for e in capture.drain() if e["type"] in ALERTS)
    finally:
        for replica in replicas:
            replica.stop()
        engine.dispose()
    duplicates = {k: n for k, n in told.items() if n != 1}
    assert not duplicates, f"told more than once: {duplicates}"
    assert set(told) == expected                         # nothing for the met or the cancelled clocks
    assert len(told) == 10 * 4 + 2
    # (which replica ran a period is a race; typically both took some -- not required)
    print(f"sweeps run by {len(RUNNERS - {None})} replica(s)")
    on_site = {e["data"]["at"] for e in capture.received
               if e["type"] == "ticket.sla_warning" and e["data"]["ticket_id"] == late["id"]}
    assert on_site == {(T0 + timedelta(minutes=13)).isoformat()}     # notice at 1 + 12 (80 % of 15)


def _outbox_pending(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar()


# -- the whole platform through the gateway ---------------------------------------------------

@pytest.fixture
def sla_platform(start_platform, rabbit_config):
    containers = start_platform(services={"tickets": {"JOBS_POLL_INTERVAL": 0.1, "JOBS_EVERY_SLA_SWEEP": 1}})
    seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=containers["gateway"].config["DB_URL"],
              wait=30)
    return containers


def test_overrun_approval_and_alerts_through_the_gateway(sla_platform, web_session, shared_clock):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident_h, engineer, centre, desk = (token(web_session, u) for u in ("zhangwei", "eng.lh", "centre.lh",
                                                                          "desk.lh"))
    created = web_session.post("/api/v1/repairs", headers=keyed(resident_h), json={
        "unit_id": unit_id, "category": "public_area", "content": "电梯按钮失灵", "location": "2栋电梯"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    wait_for(lambda: web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident_h)
             .json()["status"] == "dispatched", message="engineering notified")

    def sla_inbox():
        return [n for n in web_session.get("/api/v1/staff/inbox", headers=engineer).json()
                if n["purpose"].startswith("ticket.sla_")]

    shared_clock.write(offset_seconds=13 * 60)           # past minute 12 of the on-site clock
    [warning] = wait_for(sla_inbox, timeout=20, message="the warning in engineering's inbox")
    assert warning["purpose"] == "ticket.sla_warning" and ticket["number"] in warning["body"]
    assert "到场时限将于" in warning["body"] and "电梯按钮失灵" not in warning["body"]

    path = f"/api/v1/tickets/{ticket['id']}/deadlines/on_site/extensions"

    def extend(headers, body, kind_path=path):
        return web_session.post(kind_path, headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}),
                                json=body)

    current = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=centre).json()
    due = datetime.fromisoformat(next(d["due_at"] for d in current["deadlines"] if d["kind"] == "on_site"))
    later = (due + timedelta(minutes=30)).isoformat()
    refused = [
        (extend(desk, {"new_due_at": later, "reason": "等配件"}), 403, "role_required"),
        (extend(centre, {"new_due_at": later, "reason": "等配件"},
                f"/api/v1/tickets/{ticket['id']}/deadlines/no_such_clock/extensions"), 404, "deadline_not_found"),
        (extend(centre, {"new_due_at": (due - timedelta(minutes=1)).isoformat(), "reason": "等配件"}), 422,
         "extension_not_later"),
        (extend(centre, {"new_due_at": later, "reason": "等配件"},
                f"/api/v1/tickets/{ticket['id']}/deadlines/record/extensions"), 409, "deadline_not_running"),
        (extend(centre, {"new_due_at": later}), 400, None),
        (extend(centre, {"new_due_at": "tomorrow", "reason": "等配件"}), 400, None),
    ]
    for response, status, code in refused:
        assert response.status_code == status, response.text
        if code:
            assert response.json()["error"] == code, response.text

    approved = extend(centre, {"new_due_at": later, "reason": "电梯公司配件明天到"})
    assert approved.status_code == 201, approved.text
    on_site = next(d for d in approved.json()["deadlines"] if d["kind"] == "on_site")
    [ext] = on_site["extensions"]
    me = web_session.get("/api/v1/me", headers=centre).json()
    assert (ext["approved_by"], ext["reason"], ext["old_due_at"], ext["new_due_at"]) == (
        {"user_id": me["id"], "name": me["display_name"]}, "电梯公司配件明天到", due.isoformat(), later)
    read = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident_h).json()   # the read model
    assert next(d for d in read["deadlines"] if d["kind"] == "on_site")["extensions"][0]["id"] == ext["id"]

    # the old due time passes: nothing (extended before its breach); the new one passes: the breach
    shared_clock.write(offset_seconds=13 * 60 + 20 * 60)
    shared_clock.write(offset_seconds=13 * 60 + 31 * 60 + 60)
    alerts = wait_for(lambda: len(sla_inbox()) >= 2 and sla_inbox(), timeout=20, message="the breach")
    breach = next(n for n in alerts if n["purpose"] == "ticket.sla_breached")
    assert ticket["number"] in breach["body"] and "超时" in breach["body"]
    assert len(alerts) == 2
    final = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=centre,
                            params={"min_version": read["version"] + 1}).json()
    clock_now = next(d for d in final["deadlines"] if d["kind"] == "on_site")
    assert clock_now["state"] == "breached" and clock_now["breached_at"] and clock_now["warned_at"]
    assert "sla_breached" in [h["action"] for h in final["history"]]
