"""What the transactional outbox costs: N events published through the relay
(commit, relay pass, publisher confirm, mark sent) against the baseline of
publishing the same N events straight to the broker with confirms (what a
service would do with nameko's EventDispatcher, losing events on a crash)."""
from __future__ import annotations

import time
import uuid

from kombu import Connection, Exchange, Queue
from marshmallow import Schema, fields
from nameko.standalone.events import event_dispatcher
from sqlalchemy.orm import sessionmaker

from kernel.clock import SystemClock
from kernel.db import make_engine, new_base
from kernel.messaging import EventContract, kernel_tables
from kernel.messaging.relay import OutboxRelay

EVENTS = 500


class Payload(Schema):
    n = fields.Integer(required=True)
    text = fields.String(required=True)


def _bound_queue(amqp_uri: str, source: str):
    conn = Connection(amqp_uri)
    queue = Queue(f"bench-{uuid.uuid4().hex[:8]}", exchange=Exchange(f"{source}.events", type="topic",
                                                                       durable=True),
                  routing_key="#", auto_delete=True)
    queue(conn.default_channel).declare()
    return conn, queue


def _drain(conn, queue, expected: int, timeout: float = 60):
    bound = queue(conn.default_channel)
    got, deadline = 0, time.monotonic() + timeout
    while got < expected and time.monotonic() < deadline:
        message = bound.get(no_ack=True)
        if message is None:
            time.sleep(0.005)
            continue
        got += 1
    return got


def run(amqp_uri: str, db_url: str, label: str) -> dict:
    source = f"bench{uuid.uuid4().hex[:6]}"
    Base = new_base()
    kernel_tables(Base)
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine)
    contract = EventContract(source, {"bench.happened": Payload})
    clock = SystemClock()

    # baseline: straight to the broker
    conn, queue = _bound_queue(amqp_uri, source)
    dispatch = event_dispatcher({"AMQP_URI": amqp_uri})
    started = time.perf_counter()
    for n in range(EVENTS):
        dispatch(source, "bench.happened", {"n": n, "text": "x" * 100})
    assert _drain(conn, queue, EVENTS) == EVENTS
    direct = time.perf_counter() - started

    # measured: one transaction per event, relayed with confirms
    relay = OutboxRelay(Session, Base, amqp_uri, config={"AMQP_URI": amqp_uri}, clock=clock,
                        batch_size=100)
    started = time.perf_counter()
    for n in range(EVENTS):
        with Session() as session, session.begin():
            contract.record(session, Base, "bench.happened", {"n": n, "text": "x" * 100},
                            group_id="g", project_id="p", clock=clock, secret="bench")
    written = time.perf_counter() - started
    while relay.relay_once():
        pass
    assert _drain(conn, queue, EVENTS) == EVENTS
    outboxed = time.perf_counter() - started
    relay.stop()
    conn.release()
    Base.metadata.drop_all(engine)
    engine.dispose()
    return {
        "name": f"{EVENTS} events on {label}: commit + relay + confirm",
        "baseline": ("direct publish", direct),
        "measured": ("outbox", outboxed),
        "ratio": outboxed / direct,
        "reading": f"x the time of a direct publish (writing the rows alone: {written:.2f}s)",
    }
