"""A broker that goes away must not kill a service: acks that fail are swallowed,
the consumer reconnects by itself, and the inbox turns the redelivery into a
no-op. Also: RPC requests expire with their caller's timeout, and bodies that
cannot be decoded are dead-lettered with the reason."""
from __future__ import annotations

import time
import uuid

import eventlet
import pytest
from kombu import Connection, Exchange, Producer
from nameko.exceptions import RpcTimeout
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Database, make_engine, new_base
from kernel.dlq import list_dead_letters
from kernel.entrypoints import DEADLINE_KEY, event_handler, rpc
from kernel.messaging import kernel_tables
from kernel.messaging.envelope import Event
from kernel.rpc import RpcPool
from kernel.testing import TEST_SECRET, TcpProxy, publish_event, wait_for

SinkBase = new_base()
SinkOutbox, SinkInbox = kernel_tables(SinkBase)


class Seen(SinkBase):
    __tablename__ = "seen"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


#: test hooks the services call from inside a worker
HOOKS: dict = {}


class Sink:
    name = "sink"
    db = Database(SinkBase)

    @event_handler("src", "thing.happened")
    def on_thing(self, event: Event):
        self.db.add(Seen(event_id=event.id, text=event.data["text"]))
        hook = HOOKS.pop(event.data["text"], None)
        if hook:
            hook()       # e.g. the broker goes away while this handler runs

    @rpc
    def seen(self):
        return sorted(self.db.scalars(select(Seen.text)).all())


def config(amqp_uri, url, **extra):
    return {"AMQP_URI": amqp_uri, "DB_URL": url, "WUYE_SECRET": TEST_SECRET,
            "EVENT_RETRY_DELAYS": [0.2, 0.4], **extra}


@pytest.fixture
def sink_db(tmp_path):
    url = f"sqlite:///{tmp_path}/sink.db"
    engine = make_engine(url)
    SinkBase.metadata.create_all(engine)
    engine.dispose()
    HOOKS.clear()
    yield url
    HOOKS.clear()


def rows(url, model):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(model.__table__)).mappings().all()
    finally:
        engine.dispose()


def test_container_survives_the_broker_going_away_before_the_ack(container_factory, rabbit_config,
                                                                   sink_db):
    """The handler commits, then the broker connection is reset before the ack:
    nameko's ack raises ConnectionResetError/BrokenPipeError and used to kill the
    container. Now the ack failure is logged, the consumer reconnects when the
    broker is back, the redelivered copy is a no-op, and new events and RPC are
    served again -- with no restart."""
    amqp = rabbit_config["AMQP_URI"]
    proxy = TcpProxy()
    container = container_factory(Sink, config(proxy.amqp_uri(rabbit_config["vhost"]), sink_db))
    container.start()
    pool = RpcPool({"AMQP_URI": amqp}, size=1, timeout=10)
    try:
        HOOKS["cut"] = lambda: proxy.down(reset=True)
        publish_event(amqp, "src", "thing.happened", {"text": "cut"}, group_id="g", project_id="p")
        wait_for(lambda: "cut" not in HOOKS and rows(sink_db, SinkInbox), message="handled, then cut")
        eventlet.sleep(0)                     # let the worker finish its ack attempt
        assert not container._died.ready(), "the container died of the failed ack"

        proxy.up()                            # the broker is back
        publish_event(amqp, "src", "thing.happened", {"text": "after"}, group_id="g", project_id="p")
        wait_for(lambda: len(rows(sink_db, Seen)) == 2, timeout=30, message="consuming again")
        assert pool.call({}, "sink", "seen") == ["after", "cut"]       # answering RPC again
        # the first event was redelivered (its ack was lost) and applied once
        assert len(rows(sink_db, SinkInbox)) == 2
        assert not container._died.ready()
    finally:
        pool.close()
        container.kill()
        proxy.close()


# -- RPC expiry ----------------------------------------------------------------
CALLS: list[str] = []


class Counter:
    name = "counter"

    @rpc
    def hit(self, label):
        CALLS.append(label)
        return list(CALLS)


def test_request_whose_caller_timed_out_is_never_executed(container_factory, rabbit_config):
    """The caller got RpcTimeout while the service was down; when the service
    comes back it does not run the abandoned request (a retry would run twice)."""
    CALLS.clear()
    cfg = {"AMQP_URI": rabbit_config["AMQP_URI"]}
    first = container_factory(Counter, cfg)
    first.start()                               # declares rpc-counter (durable)
    first.stop()
    quick = RpcPool(cfg, size=1, timeout=1)
    try:
        with pytest.raises(RpcTimeout):
            quick.call({}, "counter", "hit", "abandoned")
    finally:
        quick.close()
    second = container_factory(Counter, cfg)
    second.start()
    pool = RpcPool(cfg, size=1, timeout=10)
    try:
        # positive control: a later request is executed, and it is the only one
        assert pool.call({}, "counter", "hit", "later") == ["later"]
    finally:
        pool.close()
    assert CALLS == ["later"]


def test_service_drops_a_request_past_its_deadline(container_factory, rabbit_config, caplog):
    """The broker's expiry aside, the entrypoint itself checks ``wuye_deadline``:
    a request that reaches it too late is acked and dropped, with a WARNING."""
    CALLS.clear()
    cfg = {"AMQP_URI": rabbit_config["AMQP_URI"]}
    container = container_factory(Counter, dict(cfg, max_workers=1))
    container.start()
    with ClusterRpcProxy(cfg, context_data={DEADLINE_KEY: time.time() - 5}, timeout=10) as late:
        late.counter.hit.call_async("too late")
    with ClusterRpcProxy(cfg, context_data={DEADLINE_KEY: time.time() + 30}, timeout=10) as ok:
        assert ok.counter.hit("in time") == ["in time"]
    assert CALLS == ["in time"]
    assert any("caller gave up" in r.getMessage() and r.levelname == "WARNING" for r in caplog.records)


def test_pool_requests_carry_deadline_and_expiration(rabbit_config):
    """What the pool publishes: an AMQP expiration and a deadline equal to its timeout,
    beside (not inside) the caller's own context data."""
    from kombu import Queue
    from nameko.rpc import get_rpc_exchange

    cfg = {"AMQP_URI": rabbit_config["AMQP_URI"]}
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        queue = Queue("rpc-probe", exchange=get_rpc_exchange(cfg), routing_key="probe.*",
                      auto_delete=True)(conn.default_channel)
        queue.declare()
        pool = RpcPool(cfg, size=1, timeout=5)
        before = time.time()
        try:
            with pool.cluster({"other": "x"}) as cluster:
                cluster.probe.anything.call_async()
            message = wait_for(lambda: queue.get(no_ack=True), message="the request")
        finally:
            pool.close()
    assert message.properties["expiration"] == "5000"
    deadline = message.headers[f"nameko.{DEADLINE_KEY}"]
    assert before + 5 <= deadline <= time.time() + 5
    assert message.headers["nameko.other"] == "x"


# -- bodies that cannot be decoded ---------------------------------------------
def test_undecodable_bodies_are_dead_lettered_with_the_reason(container_factory, rabbit_config, sink_db):
    amqp = rabbit_config["AMQP_URI"]
    container = container_factory(Sink, config(amqp, sink_db))
    container.start()
    queue_name = "evt-src-thing.happened--sink.on_thing"
    with Connection(amqp) as conn:
        producer = Producer(conn.default_channel, exchange=Exchange(""))
        for body, content_type in ((b"\xff", "application/json"),
                                   (b"hello, not json", "text/plain"),
                                   (b"\x80\x04\x95\x05\x00", "application/x-python-serialize")):
            producer.publish(body, routing_key=queue_name, content_type=content_type,
                             content_encoding="binary", message_id=str(uuid.uuid4()))
    letters = wait_for(lambda: len(found := list_dead_letters(amqp, "sink")) == 3 and found,
                       message="three dead letters")
    errors = sorted(letter.error for letter in letters)
    assert all(letter.handler == "sink.on_thing" and letter.queue == queue_name for letter in letters)
    assert any("application/json" in e and "DecodeError" in e for e in errors), errors
    assert any("text/plain" in e and "ContentDisallowed" in e for e in errors), errors
    assert any("x-python-serialize" in e and "ContentDisallowed" in e for e in errors), errors
    # positive control: the handler keeps consuming good events after them
    publish_event(amqp, "src", "thing.happened", {"text": "good"}, group_id="g", project_id="p")
    wait_for(lambda: rows(sink_db, Seen), message="a good event after the bad ones")
    assert [r["text"] for r in rows(sink_db, Seen)] == ["good"]
    assert not container._died.ready()


# -- wuye-dlq inspects without declaring -----------------------------------------
def test_dlq_list_declares_nothing(rabbit_config, capsys):
    import requests
    from urllib.parse import quote

    from kernel import dlq

    amqp, vhost = rabbit_config["AMQP_URI"], quote(rabbit_config["vhost"], safe="")
    api = f"http://127.0.0.1:15672/api/queues/{vhost}"
    auth = ("guest", "guest")
    assert dlq.list_dead_letters(amqp, "tickets") == []
    assert dlq.replay_dead_letters(amqp, "tickets") == 0
    assert dlq.main(["list", "tickets", "--amqp-uri", amqp]) == 0
    assert "no dead-letter queue wuye.dlq.tickets" in capsys.readouterr().out
    assert requests.get(f"{api}/wuye.dlq.tickets", auth=auth, timeout=10).status_code == 404
    assert requests.get(api, auth=auth, timeout=10).json() == []     # nothing at all was declared
