"""On SQLite the workers share one pooled connection; the outbox relay has its own, with a
green ``BEGIN IMMEDIATE``. So the relay publishes while every worker is busy (holding or
queueing for the workers' connection), and while a worker holds the write lock across a
green wait the process stays responsive and the relay publishes once the lock is free."""
from __future__ import annotations

import uuid

import eventlet
import pytest
from eventlet.event import Event as GreenEvent
from marshmallow import Schema, fields
from sqlalchemy import String, select, text
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from kernel.clock import SystemClock
from kernel.db import Database, make_engine, new_base
from kernel.entrypoints import rpc
from kernel.messaging import EventContract, kernel_tables
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, EventCapture, database_of, wait_for

Base = new_base()
Outbox, _ = kernel_tables(Base)


class Item(Base):
    __tablename__ = "items"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Made(Schema):
    item_id = fields.String(required=True)


CONTRACT = EventContract("shop", {"item.made": Made})
GATES: dict[str, GreenEvent] = {}
ENTERED: list[str] = []


def record(session, item_id: str) -> None:
    CONTRACT.record(session, Base, "item.made", {"item_id": item_id}, group_id="g", project_id="p",
                    clock=SystemClock(), secret=TEST_SECRET)


class Shop:
    name = "shop"
    db = Database(Base)

    @rpc
    def hold_read(self, key):
        """A busy worker: a transaction open on the workers' connection, waiting."""
        ENTERED.append(key)
        self.db.execute(text("SELECT 1"))
        GATES[key].wait()

    @rpc
    def hold_write(self, key):
        """A worker holding SQLite's write lock across a green wait."""
        self.db.add(Item(id=key))
        record(self.db, key)
        self.db.flush()
        ENTERED.append(key)
        GATES[key].wait()
        return key

    @rpc
    def ping(self):
        return "pong"


@pytest.fixture
def shop(container_factory, rabbit_config, tmp_path):
    url = f"sqlite:///{tmp_path}/shop.db"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    GATES.clear()
    ENTERED.clear()
    container = container_factory(Shop, {"AMQP_URI": rabbit_config["AMQP_URI"], "DB_URL": url,
                                         "WUYE_SECRET": TEST_SECRET, "OUTBOX_POLL_INTERVAL": 0.1,
                                         "max_workers": 10})
    container.start()
    yield container, url
    for gate in GATES.values():
        if not gate.ready():
            gate.send(None)


@pytest.fixture
def rpc(rabbit_config):
    from kernel.rpc import RpcPool
    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}, size=12, timeout=20)
    yield pool
    pool.close()


@pytest.fixture
def captured(rabbit_config):
    capture = EventCapture(rabbit_config["AMQP_URI"], "shop")
    yield capture
    capture.close()


def call_async(rpc_pool, method, *args):
    return eventlet.spawn(rpc_pool.call, Caller.system(name="test"), "shop", method, *args)


def test_the_relay_publishes_while_every_worker_is_busy(shop, captured, rpc):
    container, url = shop
    keys = [f"busy-{n}" for n in range(10)]
    for key in keys:
        GATES[key] = GreenEvent()
    calls = [call_async(rpc, "hold_read", key) for key in keys]
    wait_for(lambda: len(ENTERED) == 10, message="ten busy workers")   # one holds, nine queue
    # an event committed meanwhile by another connection (a CLI, a job): the relay takes it
    Session = sessionmaker(make_engine(url))
    with Session() as session, session.begin():
        record(session, "while-busy")
    Session.kw["bind"].dispose()
    (event,) = captured.wait_for("item.made")
    assert event["data"] == {"item_id": "while-busy"}
    assert not any(gate.ready() for gate in GATES.values())           # the workers never let go
    for gate in GATES.values():
        gate.send(None)
    for call in calls:
        call.wait()


def test_a_worker_holding_the_write_lock_does_not_freeze_the_process(shop, captured, rpc):
    container, url = shop
    GATES["writer"] = GreenEvent()
    writer = call_async(rpc, "hold_write", "writer")
    wait_for(lambda: "writer" in ENTERED, message="the writer holds the lock")
    database = database_of(container)
    # the relay's BEGIN IMMEDIATE finds the database locked, sleeps in the hub and tries again
    # (each count is one such green wait: the relay came back from the hub, still locked out)
    waits = database.relay_engine.sqlite_lock_waits
    wait_for(lambda: database.relay_engine.sqlite_lock_waits >= waits + 3,
             message="the relay met the write lock and waits in the hub")
    # the relay waits in the hub, not in SQLite's C busy handler: the process still answers
    assert rpc.call(Caller.system(name="test"), "shop", "ping") == "pong"
    waits = database.relay_engine.sqlite_lock_waits                 # and the relay still waits
    wait_for(lambda: database.relay_engine.sqlite_lock_waits > waits, message="the relay still waiting")
    # not committed yet: nothing to publish -- the relay has handed the broker nothing
    assert database.relay.outcomes["published"] == 0
    assert captured.of_type("item.made") == []
    GATES["writer"].send(None)
    assert writer.wait() == "writer"
    (event,) = captured.wait_for("item.made")
    assert event["data"] == {"item_id": "writer"}
    # the relay marks the row sent after the broker confirmed it: it gets there, once
    engine = make_engine(url)

    def statuses():
        with engine.connect() as conn:
            return conn.execute(select(Outbox.status)).scalars().all()
    wait_for(lambda: statuses() == ["sent"], message="the outbox row marked sent")
    engine.dispose()
