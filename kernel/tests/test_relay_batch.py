"""The outbox relay publishes a claimed batch and awaits its confirms together:
every row is published before the first confirm is awaited, a return or a nack in the
middle of a batch keeps only that row pending, and a row is marked sent only after the
broker confirmed it -- on SQLite and PostgreSQL, over the real broker."""
from __future__ import annotations

import json
import socket
import uuid

import pytest
from kombu import Connection, Exchange, Queue
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from kernel.clock import SystemClock
from kernel.db import make_engine, new_base
from kernel.messaging import kernel_tables, record_event
from kernel.messaging.relay import OutboxRelay
from kernel.testing import TEST_SECRET

Base = new_base()
Outbox, _ = kernel_tables(Base)
SOURCE = "ledger"


@pytest.fixture
def Session(db_url):
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def broker(rabbit_config):
    conn = Connection(rabbit_config["AMQP_URI"])
    yield conn
    conn.release()


@pytest.fixture
def relay(Session, rabbit_config):
    relay = OutboxRelay(Session, Base, rabbit_config["AMQP_URI"],
                        config={"AMQP_URI": rabbit_config["AMQP_URI"]}, batch_size=100)
    yield relay
    relay.stop()


def bind(broker, routing_key: str, **arguments) -> Queue:
    queue = Queue(f"t-{uuid.uuid4().hex[:8]}", exchange=Exchange(f"{SOURCE}.events", type="topic", durable=True),
                  routing_key=routing_key, queue_arguments=arguments or None)
    queue(broker.default_channel).declare()
    return queue


def received(broker, queue) -> list[dict]:
    bound, out = queue(broker.default_channel), []
    while (message := bound.get(no_ack=True)) is not None:
        out.append(json.loads(message.body) if isinstance(message.body, (str, bytes)) else message.body)
    return out


def write(Session, *types: str, mandatory: bool = True) -> list[str]:
    ids, clock = [], SystemClock()
    for n, event_type in enumerate(types):
        with Session() as session, session.begin():
            ids.append(record_event(session, Base, source=SOURCE, event_type=event_type, data={"n": n},
                                    group_id="g1", project_id="p1", clock=clock, secret=TEST_SECRET,
                                    mandatory=mandatory).id)
    return ids


def outbox(Session) -> dict[str, dict]:
    with Session() as session:
        return {row.event_id: {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
                for row in session.scalars(select(Outbox).order_by(Outbox.seq))}


def test_a_batch_is_published_before_its_confirms_are_awaited(Session, broker, relay):
    queue = bind(broker, "note.#")
    ids = write(Session, *["note.written"] * 20)
    relay.relay_once()                              # dials; nothing else to learn from it
    ids += write(Session, *["note.written"] * 30)
    steps = []
    channel, connection = relay._channel, relay._connection
    publish, drain = channel.basic_publish, connection.drain_events
    channel.basic_publish = lambda *a, **kw: (steps.append("publish"), publish(*a, **kw))[1]
    connection.drain_events = lambda *a, **kw: (steps.append("wait"), drain(*a, **kw))[1]
    try:
        assert relay.relay_once() == 30
    finally:
        channel.basic_publish, connection.drain_events = publish, drain
    first_wait = steps.index("wait")
    assert steps[:first_wait] == ["publish"] * 30 and "publish" not in steps[first_wait:]
    assert all(row["status"] == "sent" and row["attempts"] == 1 for row in outbox(Session).values())
    assert [m["id"] for m in received(broker, queue)] == ids      # all of them, in order


def test_a_return_in_the_middle_of_a_batch_keeps_only_that_row_pending(Session, broker, relay):
    queue = bind(broker, "note.written")            # nobody is bound for note.lost
    first, lost, last = write(Session, "note.written", "note.lost", "note.written")
    assert relay.relay_once() == 2
    rows = outbox(Session)
    assert rows[first]["status"] == rows[last]["status"] == "sent"
    assert rows[lost]["status"] == "pending" and rows[lost]["attempts"] == 1
    assert "unroutable" in rows[lost]["last_error"] and "note.lost" in rows[lost]["last_error"]
    assert [m["id"] for m in received(broker, queue)] == [first, last]
    assert relay.outcomes == {"published": 3, "confirmed": 2, "returned": 1}
    assert relay.outcomes_by_type["note.lost"] == {"published": 1, "returned": 1}
    # the channel is still good for the next batch, and the returned row goes once bound
    bind(broker, "note.lost")
    with Session() as session, session.begin():
        session.get(Outbox, session.scalar(select(Outbox.seq).where(Outbox.event_id == lost))) \
            .next_attempt_at = SystemClock().now()
    (later,) = write(Session, "note.written")
    assert relay.relay_once() == 2
    assert {k: v["status"] for k, v in outbox(Session).items()} == \
        {first: "sent", lost: "sent", last: "sent", later: "sent"}
    assert relay.outcomes_by_type["note.lost"] == {"published": 2, "returned": 1, "confirmed": 1}


def test_an_optional_event_nobody_hears_is_sent_not_returned(Session, broker, relay):
    queue = bind(broker, "note.written")
    heard, unheard = write(Session, "note.written", "note.optional", mandatory=False)
    assert relay.relay_once() == 2
    assert {v["status"] for v in outbox(Session).values()} == {"sent"}
    assert [m["id"] for m in received(broker, queue)] == [heard]


def test_a_nacked_row_is_not_marked_sent(Session, broker, relay):
    """A queue that refuses what it cannot hold makes the broker nack: the rows it
    refused stay pending for the next pass; the row it took is sent."""
    queue = bind(broker, "note.written", **{"x-max-length": 1, "x-overflow": "reject-publish"})
    ids = write(Session, "note.written", "note.written", "note.written")
    assert relay.relay_once() == 1
    rows = outbox(Session)
    assert rows[ids[0]]["status"] == "sent"
    for event_id in ids[1:]:
        assert rows[event_id]["status"] == "pending" and "nack" in rows[event_id]["last_error"]
    assert [m["id"] for m in received(broker, queue)] == [ids[0]]
    assert relay.outcomes == {"published": 3, "confirmed": 1, "nacked": 2}


def test_a_copy_without_an_answer_is_counted_unconfirmed(Session, broker, relay):
    """The connection goes while the relay waits for the confirms: the copies it handed over
    may or may not have reached the broker -- counted as such, never as confirmed."""
    bind(broker, "note.written")
    write(Session, "note.written")
    relay.relay_once()                              # dials
    write(Session, "note.written", "note.written")
    connection = relay._connection
    inner = connection.connection               # py-amqp's own: basic_publish peeks at it (timeout=0) for
    drain, inner_drain = connection.drain_events, inner.drain_events    # connection.blocked, reading any
                                                # ack already in the socket -- nothing may arrive that way

    def broken(*args, **kwargs):
        raise ConnectionResetError("the broker went away")

    def peek_finds_nothing(timeout=None):
        if timeout == 0:
            raise socket.timeout()
        raise ConnectionResetError("the broker went away")
    connection.drain_events, inner.drain_events = broken, peek_finds_nothing
    try:
        assert relay.relay_once() == 0
    finally:
        connection.drain_events, inner.drain_events = drain, inner_drain
    assert relay.outcomes == {"published": 3, "confirmed": 1, "unconfirmed": 2}
    assert {v["status"] for v in outbox(Session).values()} == {"sent", "pending"}
