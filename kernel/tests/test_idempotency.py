"""kernel.idempotency: one key, one run -- in a real container on the real broker,
on SQLite and the real PostgreSQL, including two simultaneous requests with one key."""
from __future__ import annotations

import uuid

import eventlet
import pytest
from marshmallow import Schema, fields
from nameko.exceptions import RemoteError
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from kernel.clock import ManualClock
from kernel.db import ClockProvider, Database, make_engine, new_base
from kernel.dependencies import UnitOfWork
from kernel.entrypoints import rpc
from kernel.errors import IdempotencyKeyReused, RuleViolation, parse_remote_error
from kernel.idempotency import canonical_json, fingerprint, idempotency_table
from kernel.messaging import EventContract, kernel_tables
from kernel.testing import (TEST_SECRET, context, domain_session, staff, temporary_pg_database,
                            wait_for)
from kernel.work import Work

Base = new_base()
kernel_tables(Base)
Record = idempotency_table(Base)
CONTRACT = EventContract("orders", {})
G = "g1"
RUNNING: set[str] = set()      # keys whose command is running (the key row is claimed)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    item: Mapped[str] = mapped_column(String(100))


class OrderIn(Schema):
    item = fields.String(required=True)
    quantity = fields.Integer(load_default=1)


class Orders:
    name = "orders"
    db = Database(Base, relay=False)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT)

    @rpc
    def place(self, data, idempotency_key=None, dwell=0.0, fail=False):
        work, command = self.work(), OrderIn().load(data)

        def run():
            order = Order(id=str(uuid.uuid4()), item=command["item"])
            work.session.add(order)
            work.session.flush()
            RUNNING.add(idempotency_key)
            eventlet.sleep(dwell)           # a slow command: a second request arrives meanwhile
            if fail:
                raise RuleViolation("refused", code="refused")
            return {"id": order.id, "item": order.item}
        return work.idempotent(idempotency_key, "place", command, run)

    @rpc
    def count(self):
        return self.db.scalar(select(func.count()).select_from(Order))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def orders(request, tmp_path, container_factory, rabbit_config):
    def start(url):
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        container = container_factory(Orders, {"AMQP_URI": rabbit_config["AMQP_URI"], "DB_URL": url,
                                               "WUYE_SECRET": TEST_SECRET})
        container.start()
        return container
    if request.param == "sqlite":
        yield start(f"sqlite:///{tmp_path}/orders.db")
    else:
        with temporary_pg_database() as url:
            yield start(url)


def remote_code(exc: RemoteError) -> tuple[str, str]:
    kind, code, *_ = parse_remote_error(exc.exc_type, exc.value)
    return kind, code


ME = context(staff(G, ["p1"], user_id="u-1"))
SOMEONE_ELSE = context(staff(G, ["p1"], user_id="u-2"))


def test_same_key_and_body_run_once_and_answer_the_first_result(orders, rpc):
    first = rpc.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="k1")
    again = rpc.call(ME, "orders", "place", {"quantity": 1, "item": "灯泡"}, idempotency_key="k1")
    assert again == first
    assert rpc.call(ME, "orders", "count") == 1
    # another key, or no key at all, is another command
    assert rpc.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="k2") != first
    rpc.call(ME, "orders", "place", {"item": "灯泡"})
    rpc.call(ME, "orders", "place", {"item": "灯泡"})
    assert rpc.call(ME, "orders", "count") == 4
    # keys belong to their caller: another user's k1 is their own
    assert rpc.call(SOMEONE_ELSE, "orders", "place", {"item": "灯泡"}, idempotency_key="k1") != first
    assert rpc.call(ME, "orders", "count") == 5


def test_same_key_other_body_is_refused_as_reused(orders, rpc):
    rpc.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="k1")
    with pytest.raises(RemoteError) as err:
        rpc.call(ME, "orders", "place", {"item": "水管"}, idempotency_key="k1")
    assert remote_code(err.value) == ("RuleViolation", "idempotency_key_reused")
    assert rpc.call(ME, "orders", "count") == 1


def test_a_failed_command_stores_nothing_and_may_be_retried(orders, rpc):
    with pytest.raises(RemoteError):
        rpc.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="k1", fail=True)
    assert rpc.call(ME, "orders", "count") == 0
    assert rpc.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="k1")["item"] == "灯泡"
    assert rpc.call(ME, "orders", "count") == 1


def test_two_simultaneous_requests_with_one_key_run_once(orders, rabbit_config):
    from kernel.rpc import RpcPool

    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"]}, size=4, timeout=20)
    try:
        calls = [eventlet.spawn(pool.call, ME, "orders", "place", {"item": "灯泡"},
                                idempotency_key="same", dwell=0.5) for _ in range(2)]
        outcomes = []
        for call in calls:
            try:
                outcomes.append(call.wait())
            except RemoteError as exc:
                outcomes.append(remote_code(exc))
        # one ran; the other got its stored result (or was told the key is in use)
        answers = [o for o in outcomes if isinstance(o, dict)]
        assert answers and all(a == answers[0] for a in answers), outcomes
        assert all(o == ("Conflict", "idempotency_key_in_use") for o in outcomes if not isinstance(o, dict))
        assert pool.call(ME, "orders", "count") == 1
    finally:
        pool.close()


# -- the pieces, without a broker ---------------------------------------------------

def test_the_fingerprint_is_canonical_and_names_method_and_caller():
    command = {"b": 2, "a": {"y": [1, 2], "x": None}}
    assert canonical_json(command) == canonical_json({"a": {"x": None, "y": [1, 2]}, "b": 2})
    assert fingerprint("place", "u-1", command) == fingerprint("place", "u-1", dict(command))
    assert fingerprint("place", "u-1", command) != fingerprint("cancel", "u-1", command)
    assert fingerprint("place", "u-1", command) != fingerprint("place", "u-2", command)


def test_work_idempotent_in_a_domain_session():
    clock = ManualClock("2026-11-24T09:00:00+08:00")
    runs = []
    with domain_session(Base) as session:
        work = Work.build(session, clock, staff(G, ["p1"]), base=Base, contract=CONTRACT,
                          secret=TEST_SECRET)
        def run():
            runs.append(1)
            return {"n": len(runs), "at": clock.now().isoformat()}
        assert work.idempotent("k", "m", {"x": 1}, run) == {"n": 1, "at": "2026-11-24T01:00:00+00:00"}
        assert work.idempotent("k", "m", {"x": 1}, run) == {"n": 1, "at": "2026-11-24T01:00:00+00:00"}
        with pytest.raises(IdempotencyKeyReused):
            work.idempotent("k", "m", {"x": 2}, run)
        with pytest.raises(IdempotencyKeyReused):
            work.idempotent("k", "other", {"x": 1}, run)
        assert len(runs) == 1
        row = session.scalars(select(Record)).one()
        assert (row.caller_id, row.key, row.group_id, row.method) == ("staff-1", "k", G, "m")
        assert work.idempotent(None, "m", {"x": 1}, run)["n"] == 2     # no key: no memory


@pytest.mark.postgres
def test_a_key_held_too_long_answers_409_in_use(container_factory, rabbit_config, monkeypatch):
    """PostgreSQL: the second request waits for the first at most KEY_WAIT_SECONDS, then is
    told the key is in use; the first one completes and a later retry gets its reply."""
    from kernel import idempotency
    from kernel.rpc import RpcPool

    monkeypatch.setattr(idempotency, "KEY_WAIT_SECONDS", 0.2)
    with temporary_pg_database() as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        container_factory(Orders, {"AMQP_URI": rabbit_config["AMQP_URI"], "DB_URL": url,
                                   "WUYE_SECRET": TEST_SECRET}).start()
        pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"]}, size=4, timeout=20)
        try:
            slow = eventlet.spawn(pool.call, ME, "orders", "place", {"item": "灯泡"},
                                  idempotency_key="held", dwell=2.0)
            wait_for(lambda: "held" in RUNNING, message="the slow request holds the key")
            with pytest.raises(RemoteError) as err:
                pool.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="held")
            assert remote_code(err.value) == ("Conflict", "idempotency_key_in_use")
            first = slow.wait()
            assert pool.call(ME, "orders", "place", {"item": "灯泡"}, idempotency_key="held") == first
            assert pool.call(ME, "orders", "count") == 1
        finally:
            pool.close()


def test_an_earlier_reply_is_read_without_claiming_the_key(tmp_path):
    """``earlier_reply``: for a command that asks another service before it writes (the gateway
    telling tickets of a staff account) -- an unused key reads None and claims nothing; after a
    success the same command reads the stored reply, another command is refused as reused; another
    caller's key of the same text is theirs."""
    from sqlalchemy.orm import Session

    from kernel.idempotency import earlier_reply, run_once
    engine = make_engine(f"sqlite:///{tmp_path}/keys.db")
    Base.metadata.create_all(engine)
    me, someone = staff(G, ["p1"], user_id="u-1"), staff(G, ["p1"], user_id="u-2")
    clock = ManualClock("2026-11-27T09:00:00+08:00")
    command = {"user_id": "s1", "active": False}
    with Session(engine) as session:
        assert earlier_reply(session, Base, me, "k1", "set_staff_active", command) is None
        assert earlier_reply(session, Base, me, None, "set_staff_active", command) is None
        assert session.scalar(select(func.count()).select_from(Record)) == 0
        reply = run_once(session, Base, me, clock, "k1", "set_staff_active", command, lambda: {"active": False})
        session.commit()
        assert earlier_reply(session, Base, me, "k1", "set_staff_active", dict(command)) == reply
        with pytest.raises(IdempotencyKeyReused):
            earlier_reply(session, Base, me, "k1", "set_staff_active", dict(command, active=True))
        assert earlier_reply(session, Base, someone, "k1", "set_staff_active", command) is None
    engine.dispose()
