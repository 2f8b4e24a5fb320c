"""The kernel's session, outbox, relay, inbox, retries and dead letters, on the
real broker -- each test twice: SQLite and the real PostgreSQL."""
from __future__ import annotations

import json
import uuid

import pytest
from marshmallow import Schema, fields
from nameko.exceptions import RemoteError
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import ClockProvider, Database, make_engine, new_base
from kernel.dependencies import CallerProvider
from kernel.dlq import list_dead_letters, replay_dead_letters
from kernel.entrypoints import event_handler, rpc
from kernel.errors import RetryableError, RuleViolation
from kernel.messaging import EventContract, kernel_tables
from kernel.messaging.envelope import Event
from kernel.messaging.relay import OutboxRelay
from kernel.clock import ManualClock
from kernel.tenancy import Caller
from kernel.testing import (TEST_SECRET, TcpProxy, queue_depth, signed_context, temporary_pg_database,
                            wait_for)
from kernel.work import Work

# -- a producing service ------------------------------------------------------
LedgerBase = new_base()
LedgerOutbox, LedgerInbox = kernel_tables(LedgerBase)


class Note(LedgerBase):
    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(200), unique=True)


class NoteWritten(Schema):
    note_id = fields.String(required=True)
    text = fields.String(required=True)


CONTRACT = EventContract("ledger", {"note.written": NoteWritten})


class Ledger:
    name = "ledger"
    db = Database(LedgerBase)
    clock = ClockProvider()
    auth = CallerProvider()

    @rpc
    def write(self, text, fail=False):
        work = Work.build(self.db, self.clock, self.auth.caller, base=LedgerBase,
                          contract=CONTRACT, secret=self.auth.secret)
        note = Note(id=str(uuid.uuid4()), text=text)
        work.session.add(note)
        work.events.record("note.written", {"note_id": note.id, "text": text},
                           group_id="g1", project_id="p1")
        if fail:
            raise RuleViolation("refused after writing", code="refused")
        return note.id

    @rpc
    def count(self):
        return self.db.scalar(select(func.count()).select_from(Note))


# -- a consuming service ------------------------------------------------------
AuditBase = new_base()
AuditOutbox, AuditInbox = kernel_tables(AuditBase)


class Seen(AuditBase):
    __tablename__ = "seen"
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    text: Mapped[str] = mapped_column(String(200))


FAILURES: dict[str, int] = {}   # text -> how many more times the handler should fail
CALLS: dict[str, int] = {}      # text -> how many times the handler ran (committed or not)


class Audit:
    name = "audit"
    db = Database(AuditBase)

    @event_handler("ledger", "note.written")
    def on_note(self, event: Event):
        CALLS[event.data["text"]] = CALLS.get(event.data["text"], 0) + 1
        self.db.add(Seen(event_id=event.id, text=event.data["text"]))
        left = FAILURES.get(event.data["text"], 0)
        if left:
            FAILURES[event.data["text"]] = left - 1
            raise RetryableError(f"not yet ({left} left)")


# -- fixtures -----------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_urls(request, tmp_path):
    if request.param == "sqlite":
        yield {"ledger": f"sqlite:///{tmp_path}/ledger.db", "audit": f"sqlite:///{tmp_path}/audit.db"}
    else:
        with temporary_pg_database() as a, temporary_pg_database() as b:
            yield {"ledger": a, "audit": b}


@pytest.fixture
def schema(db_urls):
    for name, base in (("ledger", LedgerBase), ("audit", AuditBase)):
        engine = make_engine(db_urls[name])
        base.metadata.create_all(engine)
        engine.dispose()
    FAILURES.clear()
    CALLS.clear()
    return db_urls


def config(rabbit_config, url, **extra):
    return {"AMQP_URI": rabbit_config["AMQP_URI"], "DB_URL": url, "WUYE_SECRET": TEST_SECRET,
            "OUTBOX_POLL_INTERVAL": 0.1, "EVENT_RETRY_DELAYS": [0.2, 0.4], **extra}


@pytest.fixture
def ledger(container_factory, rabbit_config, schema):
    container = container_factory(Ledger, config(rabbit_config, schema["ledger"]))
    container.start()
    return container


@pytest.fixture
def audit(container_factory, rabbit_config, schema):
    container = container_factory(Audit, config(rabbit_config, schema["audit"]))
    container.start()
    return container


@pytest.fixture
def rpc_pool(rpc):
    return rpc


CTX = Caller.system(name="test")


def rows(url, model):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(model.__table__)).mappings().all()
    finally:
        engine.dispose()


def test_commit_publishes_and_handler_applies_once(ledger, audit, rpc_pool, schema):
    note_id = rpc_pool.call(CTX, "ledger", "write", "hello")
    seen = wait_for(lambda: rows(schema["audit"], Seen), message="event handled")
    assert [s["text"] for s in seen] == ["hello"]
    # marked sent once the broker confirmed it (which may come after the consumer had it)
    outbox = wait_for(lambda: [r for r in rows(schema["ledger"], LedgerOutbox) if r["status"] == "sent"],
                      message="marked sent")
    assert len(rows(schema["ledger"], LedgerOutbox)) == 1 and outbox[0]["sent_at"]
    assert json.loads(outbox[0]["body"])["data"] == {"note_id": note_id, "text": "hello"}
    inbox = rows(schema["audit"], AuditInbox)
    assert [(i["handler"], i["event_id"]) for i in inbox] == [("audit.on_note", outbox[0]["event_id"])]


def test_error_rolls_back_the_state_and_the_event(ledger, audit, rpc_pool, schema):
    with pytest.raises(RemoteError) as exc:
        rpc_pool.call(CTX, "ledger", "write", "doomed", fail=True)
    assert exc.value.exc_type == "RuleViolation"
    assert rpc_pool.call(CTX, "ledger", "count") == 0
    assert rows(schema["ledger"], LedgerOutbox) == []


def test_commit_failure_reaches_the_caller_not_a_false_success(ledger, rpc_pool, schema):
    rpc_pool.call(CTX, "ledger", "write", "unique-text")
    # the duplicate only fails at COMMIT (unique index); the caller must hear it
    with pytest.raises(RemoteError) as exc:
        rpc_pool.call(CTX, "ledger", "write", "unique-text")
    assert exc.value.exc_type == "Conflict"
    assert rpc_pool.call(CTX, "ledger", "count") == 1
    assert len(rows(schema["ledger"], LedgerOutbox)) == 1


def test_unsigned_caller_is_refused(ledger, rpc_pool):
    forged = signed_context(Caller.system(name="x"), "ledger", "write", secret="not-the-platform-secret")
    with pytest.raises(RemoteError) as exc:
        rpc_pool.call(forged, "ledger", "write", "forged")
    assert exc.value.exc_type == "Unauthenticated"


def test_redelivered_event_is_applied_once(ledger, audit, rpc_pool, schema, rabbit_config):
    rpc_pool.call(CTX, "ledger", "write", "once")
    wait_for(lambda: rows(schema["audit"], Seen))
    handler = _handler(audit)
    # publish the very same envelope again, as a relay would after a lost confirm
    outbox = _republish_all(ledger, schema["ledger"])[0]
    wait_for(lambda: handler.outcomes["skipped"] == 1, message="the copy arrived and was skipped")
    assert rows(schema["ledger"], LedgerOutbox)[0]["attempts"] == 2
    assert handler.outcomes["applied"] == 1 and handler.outcomes["retried"] == 0
    assert [s["text"] for s in rows(schema["audit"], Seen)] == ["once"]
    assert len(rows(schema["audit"], AuditInbox)) == 1
    assert outbox["event_id"] == rows(schema["audit"], AuditInbox)[0]["event_id"]


def _republish_all(ledger, url):
    """Send every outbox row again, as a relay would after a lost confirm. Waits for the
    first sends to be confirmed (the consumer may have an event before its confirm is
    back: a row reset to pending then would be marked sent by that late confirm)."""
    from sqlalchemy import update
    sent = wait_for(lambda: (lambda found: found if found and all(r["status"] == "sent" for r in found)
                             else None)(rows(url, LedgerOutbox)), message="the first sends confirmed")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(LedgerOutbox).values(status="pending"))
    engine.dispose()
    next(d for d in ledger.dependencies if isinstance(d, Database)).relay.wake()
    return sent


def _handler(container):
    from kernel.messaging.handler import ReliableEventHandler
    return next(e for e in container.entrypoints if isinstance(e, ReliableEventHandler))


def test_a_redelivery_the_process_does_not_remember_is_rolled_back_on_the_inbox(
        ledger, audit, rpc_pool, schema, rabbit_config):
    """The in-process set of applied ids is only a shortcut: a copy that gets past it
    (another replica applied the event, or this process restarted) runs, fails to commit
    (its writes and the inbox row already exist), is rolled back and acked -- applied once,
    nothing dead-lettered."""
    rpc_pool.call(CTX, "ledger", "write", "twice-delivered")
    wait_for(lambda: rows(schema["audit"], Seen))
    handler = _handler(audit)
    event_id = rows(schema["audit"], AuditInbox)[0]["event_id"]
    assert event_id in handler.recent
    handler.recent.clear()                       # as if another process had applied it
    _republish_all(ledger, schema["ledger"])
    wait_for(lambda: CALLS.get("twice-delivered") == 2, message="the copy ran")
    wait_for(lambda: event_id in handler.recent, message="the copy was recognised as applied")
    assert [s["text"] for s in rows(schema["audit"], Seen)] == ["twice-delivered"]
    assert len(rows(schema["audit"], AuditInbox)) == 1
    assert list_dead_letters(rabbit_config["AMQP_URI"], "audit") == []
    # remembered now: the next copy is skipped without running the handler
    skipped = handler.outcomes["skipped"]
    _republish_all(ledger, schema["ledger"])
    wait_for(lambda: handler.outcomes["skipped"] == skipped + 1, message="the next copy skipped")
    assert CALLS["twice-delivered"] == 2
    assert handler.outcomes["dropped"] == 1 and handler.outcomes["retried"] == 0


def test_a_handler_that_refuses_a_duplicate_is_not_retried(container_factory, ledger, rpc_pool, schema,
                                                           rabbit_config):
    """A handler that raises on an event it already applied (a domain rule: "already
    recorded") does not send it to retries: the inbox says applied, the copy is dropped."""
    class Strict:
        name = "audit"
        db = Database(AuditBase)

        @event_handler("ledger", "note.written")
        def on_note(self, event):
            CALLS["strict"] = CALLS.get("strict", 0) + 1
            if self.db.get(Seen, event.id) is not None:
                raise RuleViolation("already recorded", code="duplicate")
            self.db.add(Seen(event_id=event.id, text=event.data["text"]))

    audit = container_factory(Strict, config(rabbit_config, schema["audit"]))
    audit.start()
    rpc_pool.call(CTX, "ledger", "write", "strict")
    wait_for(lambda: rows(schema["audit"], AuditInbox))
    _handler(audit).recent.clear()
    _republish_all(ledger, schema["ledger"])
    wait_for(lambda: CALLS.get("strict") == 2, message="the copy ran")
    wait_for(lambda: _handler(audit).outcomes["dropped"] == 1, message="dropped as applied")
    # the same pass that dropped it decided against a retry: none was scheduled
    assert _handler(audit).outcomes["retried"] == 0
    assert CALLS["strict"] == 2
    assert list_dead_letters(rabbit_config["AMQP_URI"], "audit") == []
    assert len(rows(schema["audit"], Seen)) == 1


def test_a_handled_event_costs_one_session(ledger, audit, rpc_pool, schema):
    """The worker's own session holds the handler's writes and the inbox row; no
    other session is opened per message (the inbox is not looked up on the way in)."""
    db = next(d for d in audit.dependencies if isinstance(d, Database))
    opened, make = [], db.Session
    db.Session = lambda *a, **kw: (opened.append(1), make(*a, **kw))[1]
    try:
        for n in range(5):
            rpc_pool.call(CTX, "ledger", "write", f"n{n}")
        wait_for(lambda: len(rows(schema["audit"], AuditInbox)) == 5, message="all applied")
    finally:
        db.Session = make
    assert len(opened) == 5


def test_failing_handler_is_retried_with_backoff_then_applied(ledger, audit, rpc_pool, schema):
    FAILURES["flaky"] = 2          # fails twice, the third attempt succeeds
    rpc_pool.call(CTX, "ledger", "write", "flaky")
    seen = wait_for(lambda: rows(schema["audit"], Seen), timeout=15, message="applied after retries")
    assert [s["text"] for s in seen] == ["flaky"]
    assert FAILURES["flaky"] == 0
    assert len(rows(schema["audit"], AuditInbox)) == 1


def test_exhausted_retries_dead_letter_then_replay(ledger, audit, rpc_pool, schema, rabbit_config):
    FAILURES["poison"] = 3         # more failures than the two retry delays allow
    rpc_pool.call(CTX, "ledger", "write", "poison")
    letters = wait_for(lambda: list_dead_letters(rabbit_config["AMQP_URI"], "audit"), timeout=15,
                       message="dead letter")
    assert len(letters) == 1
    letter = letters[0]
    assert letter.event_type == "note.written" and letter.handler == "audit.on_note"
    assert letter.attempts == 3 and "not yet" in letter.error
    assert rows(schema["audit"], Seen) == []            # every failed attempt rolled back
    # listing does not consume
    assert len(list_dead_letters(rabbit_config["AMQP_URI"], "audit")) == 1
    # the fault is fixed; replay it
    FAILURES["poison"] = 0
    assert replay_dead_letters(rabbit_config["AMQP_URI"], "audit") == 1
    seen = wait_for(lambda: rows(schema["audit"], Seen), message="replayed event applied")
    assert [s["text"] for s in seen] == ["poison"]
    assert list_dead_letters(rabbit_config["AMQP_URI"], "audit") == []


def test_forged_event_goes_straight_to_the_dead_letter_queue(audit, rabbit_config, schema):
    from nameko.standalone.events import event_dispatcher
    dispatch = event_dispatcher({"AMQP_URI": rabbit_config["AMQP_URI"]})
    fake = Event(id=str(uuid.uuid4()), type="note.written", source="ledger",
                 occurred_at=ManualClock().now(), group_id="g1", project_id="p1",
                 data={"note_id": "x", "text": "forged"}).to_body("attacker-secret")
    dispatch("ledger", "note.written", fake)
    letters = wait_for(lambda: list_dead_letters(rabbit_config["AMQP_URI"], "audit"))
    assert "signature" in letters[0].error
    assert rows(schema["audit"], Seen) == []


def test_signed_envelope_under_another_routing_key_is_dead_lettered(audit, rabbit_config, schema):
    """A genuinely signed envelope of another type, re-published where a handler listens, is
    not that handler's event: it is parked, never applied (nor left to the payload schema)."""
    from nameko.standalone.events import event_dispatcher
    dispatch = event_dispatcher({"AMQP_URI": rabbit_config["AMQP_URI"]})
    other = Event(id=str(uuid.uuid4()), type="note.erased", source="ledger",
                  occurred_at=ManualClock().now(), group_id="g1", project_id="p1",
                  data={"note_id": "x", "text": "misrouted"}).to_body(TEST_SECRET)
    dispatch("ledger", "note.written", other)
    letters = wait_for(lambda: list_dead_letters(rabbit_config["AMQP_URI"], "audit"))
    assert "MisroutedEvent" in letters[0].error and "note.erased" in letters[0].error
    assert rows(schema["audit"], Seen) == []


def test_broker_outage_at_write_time_event_delivered_exactly_once(
        audit, rabbit_config, schema):
    """The broker is unreachable when the note is written; the event waits in the
    outbox and is delivered exactly once when the broker comes back."""
    proxy = TcpProxy()
    proxy.down()
    vhost = rabbit_config["vhost"]
    Session = __import__("sqlalchemy.orm", fromlist=["sessionmaker"]).sessionmaker(
        make_engine(schema["ledger"]))
    relay = OutboxRelay(Session, LedgerBase, proxy.amqp_uri(vhost),
                        config={"AMQP_URI": proxy.amqp_uri(vhost)}, poll_interval=0.1, backoff_max=0.3)
    try:
        # the write commits while the broker is unreachable
        with Session() as session, session.begin():
            session.add(Note(id="n-outage", text="outage"))
            CONTRACT.record(session, LedgerBase, "note.written", {"note_id": "n-outage", "text": "outage"},
                            group_id="g1", project_id="p1", clock=relay.clock, secret=TEST_SECRET)
        assert relay.relay_once() == 0
        pending = rows(schema["ledger"], LedgerOutbox)[0]
        assert pending["status"] == "pending" and pending["attempts"] == 1 and pending["last_error"]
        import eventlet
        eventlet.sleep(0.6)
        assert relay.relay_once() == 0                   # still down: still pending, nothing lost
        assert rows(schema["ledger"], LedgerOutbox)[0]["attempts"] == 2
        assert relay.outcomes["published"] == 0          # no copy reached the broker: none can arrive
        assert rows(schema["audit"], Seen) == []
        proxy.up()                                       # the broker is back
        wait_for(lambda: (eventlet.sleep(0.35), relay.relay_once())[1] == 1, timeout=10,
                 message="relayed after recovery")
        seen = wait_for(lambda: rows(schema["audit"], Seen), message="delivered")
        assert [s["text"] for s in seen] == ["outage"]
        assert rows(schema["ledger"], LedgerOutbox)[0]["status"] == "sent"
        # a second relay pass finds nothing to send; the consumer saw it once
        assert relay.relay_once() == 0
        # the proof that no other copy is on its way: the attempts while the broker was
        # unreachable never handed it a copy, the one copy published was confirmed, and the
        # handler has settled exactly that many (as applied) with nothing left in its queue
        assert relay.outcomes == {"published": 1, "confirmed": 1}
        handler = _handler(audit)
        wait_for(lambda: handler.settled == 1, message="the one copy settled")
        assert handler.outcomes == {"applied": 1}
        assert queue_depth(rabbit_config["AMQP_URI"], handler.queue.name) == 0
        assert len(rows(schema["audit"], Seen)) == 1
        assert len(rows(schema["audit"], AuditInbox)) == 1
    finally:
        proxy.close()
        Session.kw["bind"].dispose()


def test_unroutable_event_waits_for_its_subscriber(container_factory, rabbit_config, schema, rpc_pool):
    """Publishing before any handler queue exists would drop the event; with
    ``mandatory`` the relay notices and retries until the subscriber is up."""
    ledger = container_factory(Ledger, config(rabbit_config, schema["ledger"], OUTBOX_BACKOFF_MAX=0.3))
    ledger.start()
    rpc_pool.call(CTX, "ledger", "write", "early")
    wait_for(lambda: rows(schema["ledger"], LedgerOutbox)[0]["attempts"] >= 1, message="first try")
    first = rows(schema["ledger"], LedgerOutbox)[0]
    assert first["status"] == "pending" and "unroutable" in first["last_error"]
    audit = container_factory(Audit, config(rabbit_config, schema["audit"]))
    audit.start()
    seen = wait_for(lambda: rows(schema["audit"], Seen), timeout=15, message="delivered late")
    assert [s["text"] for s in seen] == ["early"]
    # the relay marks the row sent after the broker confirmed it -- which may be after the consumer had it
    wait_for(lambda: rows(schema["ledger"], LedgerOutbox)[0]["status"] == "sent", message="marked sent")


def test_a_payload_that_does_not_validate_is_dead_lettered_at_once(container_factory, rabbit_config,
                                                                   schema):
    class Strict:
        name = "audit"
        db = Database(AuditBase)

        @event_handler("ledger", "note.written")
        def on_note(self, event):
            NoteWritten().load({"text": event.data["text"]})   # note_id missing: never valid

    container = container_factory(Strict, config(rabbit_config, schema["audit"],
                                                 EVENT_RETRY_DELAYS=[30, 60]))
    container.start()
    from kernel.testing import publish_event
    publish_event(rabbit_config["AMQP_URI"], "ledger", "note.written", {"text": "bad"},
                  group_id="g1", project_id="p1")
    letters = wait_for(lambda: list_dead_letters(rabbit_config["AMQP_URI"], "audit"), timeout=5,
                       message="dead-lettered without waiting out the 30 s retry")
    assert letters[0].attempts == 1 and "ValidationError" in letters[0].error


@pytest.mark.postgres
def test_postgres_driver_is_green_under_eventlet(pg_url):
    """A blocking psycopg2 call would stall every worker of the process."""
    import psycopg2.extensions

    engine = make_engine(pg_url)
    engine.dispose()
    assert psycopg2.extensions.get_wait_callback() is not None


def test_an_event_nobody_subscribes_to_is_parked_then_requeued(rabbit_config, schema):
    """After OUTBOX_UNROUTED_GIVE_UP the relay stops retrying an unroutable event
    and parks it as ``unrouted``; ``wuye-dlq outbox --requeue`` puts it back."""
    from sqlalchemy.orm import sessionmaker

    from kernel.dlq import outbox_rows

    Session = sessionmaker(make_engine(schema["ledger"]))
    relay = OutboxRelay(Session, LedgerBase, rabbit_config["AMQP_URI"],
                        config={"AMQP_URI": rabbit_config["AMQP_URI"]}, unrouted_give_up=0)
    try:
        with Session() as session, session.begin():
            CONTRACT.record(session, LedgerBase, "note.written", {"note_id": "n1", "text": "lonely"},
                            group_id="g1", project_id="p1", clock=relay.clock, secret=TEST_SECRET)
        assert relay.relay_once() == 0
        row = rows(schema["ledger"], LedgerOutbox)[0]
        assert row["status"] == "unrouted" and "unroutable" in row["last_error"]
        assert relay.relay_once() == 0 and rows(schema["ledger"], LedgerOutbox)[0]["attempts"] == 1
        listed = outbox_rows(schema["ledger"], requeue=True)
        assert [r["status"] for r in listed] == ["pending"]
    finally:
        relay.stop()
        Session.kw["bind"].dispose()


# -- a handler that wants only some events of its type (when=) ------------------------------
ASKED: list[str] = []           # texts the when= predicate was asked about


def wants_kept(event: Event) -> bool:
    ASKED.append(event.data["text"])
    if event.data["text"] == "broken-predicate":
        raise KeyError("the predicate itself fails")
    return event.data["text"].startswith("keep")


class Picky:
    name = "audit"
    db = Database(AuditBase)

    @event_handler("ledger", "note.written", when=wants_kept)
    def on_note(self, event: Event):
        CALLS[event.data["text"]] = CALLS.get(event.data["text"], 0) + 1
        self.db.add(Seen(event_id=event.id, text=event.data["text"]))


def test_an_event_the_handler_does_not_want_is_acked_without_a_worker_session_or_inbox_row(
        container_factory, ledger, rpc_pool, schema, rabbit_config):
    """``when=`` declines an event in the consumer: acked, no worker runs, no session is
    opened, no inbox row is written -- and nothing is retried or dead-lettered. An event the
    predicate wants (or one it fails on) is handled as any other."""
    ASKED.clear()
    audit = container_factory(Picky, config(rabbit_config, schema["audit"]))
    db = next(d for d in audit.dependencies if isinstance(d, Database))
    opened, make = [], None
    audit.start()
    make = db.Session
    db.Session = lambda *a, **kw: (opened.append(1), make(*a, **kw))[1]
    workers = []
    spawn = audit.spawn_worker
    audit.spawn_worker = lambda *a, **kw: (workers.append(a[1][0].data["text"]), spawn(*a, **kw))[1]
    try:
        for text in ("drop-1", "keep-1", "drop-2", "broken-predicate", "keep-2"):
            rpc_pool.call(CTX, "ledger", "write", text)
        wait_for(lambda: len(ASKED) == 5, message="every event reached the predicate")
        wait_for(lambda: len(rows(schema["audit"], AuditInbox)) == 3, message="the wanted ones applied")
    finally:
        db.Session = make
        audit.spawn_worker = spawn
    assert sorted(s["text"] for s in rows(schema["audit"], Seen)) == ["broken-predicate", "keep-1", "keep-2"]
    assert sorted(workers) == ["broken-predicate", "keep-1", "keep-2"]
    assert len(opened) == 3
    assert CALLS == {"keep-1": 1, "keep-2": 1, "broken-predicate": 1}
    assert list_dead_letters(rabbit_config["AMQP_URI"], "audit") == []
    # the declined ones are gone from the queue (acked), not waiting to be redelivered
    handler = _handler(audit)
    from kombu import Connection
    with Connection(rabbit_config["AMQP_URI"]) as conn:
        channel = conn.channel()
        _, ready, _ = channel.queue_declare(handler.queue.name, passive=True)
        channel.close()
    assert ready == 0
