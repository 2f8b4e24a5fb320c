"""Test helpers and pytest fixtures shared by every service's tests.

Loaded as a pytest plugin by the root ``conftest.py``. Fixtures:

- ``sqlite_url``: a fresh SQLite file per test
- ``pg_url``: a fresh PostgreSQL database per test (dropped afterwards)
- ``db_url``: parametrised over both -- the kernel's own tests run on each
- ``secret``: the platform secret the tests' containers share

- ``smtp_sink``: a real local SMTP server (:class:`SmtpSink`, aiosmtpd) for the test

and :class:`HttpStub`, the one local HTTP server tests put in place of an outside system
(:class:`SmtpSink` is its SMTP counterpart).
"""
from __future__ import annotations

import json
import os
import time
import uuid
from contextlib import contextmanager

import eventlet
import eventlet.wsgi
import pytest

from .clock import Clock, ManualClock
from .db import ClockProvider, Database
from .tenancy import Caller, context_for

TEST_SECRET = "test-secret"
TEST_TOKEN_SECRET = "test-token-secret-not-for-production"     # the gateway's token key in tests (conftest sets it)
PG_ADMIN_URL = os.environ.get("WUYE_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Poll ``predicate`` (green-friendly) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
        eventlet.sleep(interval)


@contextmanager
def temporary_pg_database(admin_url: str = PG_ADMIN_URL):
    """Create a throw-away PostgreSQL database and yield its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"wuye_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def clock_of(container) -> Clock:
    """The clock a running container uses (a ManualClock when CONFIG CLOCK=manual:...)."""
    for dep in container.dependencies:
        if isinstance(dep, (ClockProvider,)):
            return dep.shared.clock
        if isinstance(dep, Database):
            return dep.clock
    raise LookupError("container has no clock")


def database_of(container) -> Database:
    for dep in container.dependencies:
        if isinstance(dep, Database):
            return dep
    raise LookupError("container has no Database")


def context(caller: Caller) -> Caller:
    """Kept for tests written before per-call signing: ``rpc.call(context(c), ...)`` still
    reads; the pool signs ``c`` for each call itself. New tests pass the Caller: ``rpc.call(c, ...)``."""
    return caller


def signed_context(caller: Caller, service: str, method: str, secret: str = TEST_SECRET, **claims) -> dict:
    """Context data signed for one ``service.method`` (``ttl``, ``now``, ``request_id`` as in
    :func:`kernel.tenancy.context_for`), to send as it is: ``rpc.call(ctx, service, method)``
    -- for tests of what a service refuses (replay, another target, tampering)."""
    return context_for(caller, secret, service, method, **claims)


def staff(group_id: str, project_ids=(), roles=("front_desk",), user_id: str = "staff-1",
          all_projects: bool = False) -> Caller:
    return Caller(user_id=user_id, kind="staff", group_id=group_id, roles=frozenset(roles),
                  project_ids=frozenset(project_ids), all_projects=all_projects, name=user_id)


def resident(group_id: str, unit_ids=(), user_id: str = "resident-1", households=None,
             former_households=()) -> Caller:
    """``households``: ``{unit_id: household_id}`` of the scopes bound to a household (gateway.scopes);
    a unit left out is an unbound scope. ``former_households``: ``(unit_id, household_id)`` pairs of
    scopes that ended because that household moved out."""
    return Caller(user_id=user_id, kind="resident", group_id=group_id,
                  roles=frozenset({"resident"}), unit_ids=frozenset(unit_ids), name=user_id,
                  households=frozenset((households or {}).items()),
                  former_households=frozenset(tuple(p) for p in former_households))


class TcpProxy:
    """A TCP forwarder we can cut: stands in for a broker that goes away and comes back.

    ``down()`` closes every open connection and refuses new ones; ``up()`` lets
    them through again. Used to prove the outbox survives a broker outage.
    ``freeze()`` stops forwarding without closing anything (a server that stops answering:
    whoever waits on it waits; a new connection is accepted and never answered) -- to hold a
    process at one point (its next query) until the test kills it. Any target will do: the
    broker (the default) or a database (``TcpProxy("127.0.0.1", 5432)``).
    """

    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5672):
        self.target = (target_host, target_port)
        self.listener = eventlet.listen(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepting = True
        self.frozen = False
        self._conns: list = []
        self._pipes: list = []
        self._server = eventlet.spawn(self._serve)

    def _pipe(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass

    def _serve(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.frozen:             # accepted, never answered
                self._conns.append(client)
                continue
            if not self.accepting:
                client.close()
                continue
            try:
                upstream = eventlet.connect(self.target)
            except OSError:
                client.close()
                continue
            self._conns.extend([client, upstream])
            self._pipes.append(eventlet.spawn(self._pipe, client, upstream))
            self._pipes.append(eventlet.spawn(self._pipe, upstream, client))

    def amqp_uri(self, vhost: str = "/", user: str = "guest", password: str = "guest") -> str:
        from urllib.parse import quote
        return f"amqp://{user}:{password}@127.0.0.1:{self.port}/{quote(vhost, safe='')}"

    def down(self, reset: bool = False):
        """Cut every connection; ``reset=True`` cuts them with a TCP RST (the peer's
        next send fails at once with ConnectionResetError/BrokenPipeError)."""
        import socket
        import struct

        self.accepting = False
        # stop the pipes before closing their sockets: closing a socket a
        # greenlet is blocked on makes eventlet throw into the hub
        for pipe in self._pipes:
            pipe.kill()
        self._pipes.clear()
        for sock in self._conns:
            try:
                if reset:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                sock.close()
            except OSError:
                pass
        self._conns.clear()

    def freeze(self):
        """Stop forwarding: every open connection stays open but carries nothing more, and a new
        one is accepted and left unanswered -- the peer blocks on its next read. ``down()`` then
        closes them all; ``up()`` forwards new connections again."""
        self.frozen = True
        for pipe in self._pipes:
            pipe.kill()
        self._pipes.clear()

    def refuse_new(self):
        """Keep open connections, refuse new ones (a broker that stopped accepting)."""
        self.accepting = False

    def up(self):
        self.accepting, self.frozen = True, False

    def close(self):
        self.down()
        self._server.kill()
        self.listener.close()


class HttpStub:
    """A real HTTP server standing in for an outside system in a test (an SMS gateway, a
    payment provider): an eventlet WSGI server on a free port of 127.0.0.1 that records every
    request in ``requests`` and answers through :meth:`respond`.

    Each request is recorded as ``{"method", "path", "query" (the raw query string), "headers"
    (lower-case names), "body"
    (bytes), "json" (parsed, or None), "authorization", "content_type", "idempotency_key"}``.
    ``answers`` -- ``(status, body, delay seconds)`` -- script the next answers; a subclass
    overrides :meth:`respond` for the system's own behaviour (deduplication, signatures) and
    takes a scripted answer with :meth:`scripted`. A body that is not ``bytes`` is sent as JSON.
    Use it as a context manager, or call :meth:`close`."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.requests: list[dict] = []
        self.sock = eventlet.listen(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.server = eventlet.spawn(eventlet.wsgi.server, self.sock, self._app, log_output=False)

    def respond(self, request: dict) -> tuple[int, object, dict]:
        """(status, body, extra headers) for ``request``: the next scripted answer, else 200 ``{}``."""
        return self.scripted() or (200, {}, {})

    def scripted(self) -> tuple[int, object, dict] | None:
        """The next scripted answer (after its delay), or None when the script is done."""
        if not self.answers:
            return None
        status, body, delay = self.answers.pop(0)
        if delay:
            eventlet.sleep(delay)
        return status, body, {}

    def _app(self, wsgi_env, start_response):
        length = int(wsgi_env.get("CONTENT_LENGTH") or 0)
        raw = wsgi_env["wsgi.input"].read(length) if length else b""
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        headers = {key[5:].replace("_", "-").lower(): value for key, value in wsgi_env.items()
                   if key.startswith("HTTP_")}
        if wsgi_env.get("CONTENT_TYPE"):
            headers["content-type"] = wsgi_env["CONTENT_TYPE"]
        request = {"method": wsgi_env["REQUEST_METHOD"], "path": wsgi_env["PATH_INFO"], "headers": headers,
                   "query": wsgi_env.get("QUERY_STRING", ""),
                   "body": raw, "json": parsed, "authorization": headers.get("authorization"),
                   "content_type": headers.get("content-type"),
                   "idempotency_key": headers.get("idempotency-key")}
        self.requests.append(request)
        status, body, extra = self.respond(request)
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        start_response(f"{status} STUB", [("Content-Type", "application/json"), *extra.items()])
        return [data]

    def close(self) -> None:
        self.server.kill()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SmtpSink:
    """A real SMTP server standing in for the mail relay in a test: aiosmtpd on a free port of
    127.0.0.1, in its own process (:mod:`kernel.smtpsink`; aiosmtpd's asyncio thread cannot run
    in an eventlet-patched process). Every accepted message is kept; :meth:`messages` parses them
    (``email.message.EmailMessage``, the default policy: headers decoded, ``get_content()`` the
    decoded text), :meth:`envelopes` gives ``{"mail_from", "rcpt_tos"}`` of each.
    :meth:`answer` scripts the replies to the next DATA commands (``"451 4.3.0 busy"``,
    ``"550 5.1.1 no such user"``): a scripted reply is given instead of accepting the message.
    ``auth=("user", "password")`` requires AUTH. Use it as a context manager, or call :meth:`close`."""

    def __init__(self, auth: tuple[str, str] | None = None):
        import subprocess
        import sys
        import tempfile
        from pathlib import Path

        self.directory = Path(tempfile.mkdtemp(prefix="smtpsink-"))
        args = [sys.executable, "-m", "kernel.smtpsink", str(self.directory)]
        if auth:
            args += ["--auth", f"{auth[0]}:{auth[1]}"]
        root = str(Path(__file__).resolve().parent.parent)
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, cwd=root, text=True,
                                        env=dict(os.environ, PYTHONPATH=root))
        line = self.process.stdout.readline()
        if not line.startswith("PORT "):
            self.process.kill()
            raise RuntimeError(f"the SMTP sink did not start: {line!r}")
        self.host, self.port = "127.0.0.1", int(line.split()[1])

    def answer(self, *replies: str) -> None:
        """Script the replies to the next DATA commands (appended to those not given yet)."""
        path = self.directory / "answers.json"
        try:
            pending = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pending = []
        tmp = self.directory / "answers.tmp"
        tmp.write_text(json.dumps(pending + list(replies)), encoding="utf-8")
        os.replace(tmp, path)

    def _numbers(self) -> list[int]:
        return sorted(int(p.stem) for p in self.directory.glob("*.eml"))

    def raw(self) -> list[bytes]:
        return [(self.directory / f"{n}.eml").read_bytes() for n in self._numbers()]

    def messages(self) -> list:
        from email import policy
        from email.parser import BytesParser

        return [BytesParser(policy=policy.default).parsebytes(raw) for raw in self.raw()]

    def envelopes(self) -> list[dict]:
        return [json.loads((self.directory / f"{n}.json").read_text(encoding="utf-8")) for n in self._numbers()]

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list:
        wait_for(lambda: len(self._numbers()) >= count, timeout, message=f"{count} mail(s) at the SMTP sink")
        return self.messages()

    def close(self) -> None:
        import shutil

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except Exception:
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# -- fixtures -----------------------------------------------------------------

@pytest.fixture
def secret():
    return TEST_SECRET


@pytest.fixture
def smtp_sink():
    """A real local SMTP server (:class:`SmtpSink`) for the test."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def pg_url():
    with temporary_pg_database() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        with temporary_pg_database() as url:
            yield url


@pytest.fixture
def rpc(rabbit_config):
    """A pool of RPC proxies onto the test's vhost: ``rpc.call(caller, svc, method, ...)`` signs
    ``caller`` for that call (a dict is sent as it is, ``None`` sends no caller)."""
    from .rpc import RpcPool

    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}, size=2, timeout=10)
    yield pool
    pool.close()


@pytest.fixture
def capture_events(rabbit_config):
    """``capture_events("tickets")`` -> an :class:`EventCapture` on the test's vhost."""
    captures = []

    def make(source: str, routing_key: str = "#") -> EventCapture:
        captures.append(EventCapture(rabbit_config["AMQP_URI"], source, routing_key))
        return captures[-1]

    yield make
    for capture in captures:
        capture.close()


@pytest.fixture
def manual_clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def daytime_clock(path, zone: str = "Asia/Shanghai", hour: int = 10) -> str:
    """A ``CLOCK`` setting for a container on a running clock that reads ``hour``:00 today in
    ``zone`` when this is called (a file clock with an offset): for tests that need real time to
    pass (retries, leases) yet must not depend on the time of day (notify's quiet hours)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from .clock import FileClock
    local = datetime.now(ZoneInfo(zone))
    FileClock(str(path)).write(offset_seconds=(local.replace(hour=hour, minute=0, second=0, microsecond=0)
                                               - local).total_seconds())
    return f"file:{path}"


@contextmanager
def domain_session(base, url: str = "sqlite://"):
    """A session on a fresh schema of ``base`` (in-memory SQLite by default),
    for unit tests of the rules without a broker."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from sqlalchemy import event

    engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False}) \
        if url == "sqlite://" else create_engine(url)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", lambda conn, _: conn.execute("PRAGMA foreign_keys=ON"))
    base.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


def outbox_events(session, base) -> list[dict]:
    """The events a unit of work recorded, oldest first, as (type, data) dicts."""
    import json

    from sqlalchemy import select

    from .messaging.models import kernel_tables

    OutboxMessage, _ = kernel_tables(base)
    session.flush()
    return [json.loads(body) for body in session.scalars(
        select(OutboxMessage.body).order_by(OutboxMessage.seq)).all()]


def publish_event(amqp_uri: str, source: str, event_type: str, data: dict, *, group_id: str | None,
                  project_id: str | None, secret: str = TEST_SECRET, event_id: str | None = None):
    """Publish a signed event as service ``source`` would (for tests of a consumer)."""
    from datetime import datetime, timezone

    from nameko.standalone.events import event_dispatcher

    from .messaging.envelope import Event

    event = Event(id=event_id or str(uuid.uuid4()), type=event_type, source=source,
                  occurred_at=datetime.now(timezone.utc), group_id=group_id, project_id=project_id,
                  data=data)
    event_dispatcher({"AMQP_URI": amqp_uri})(source, event_type, event.to_body(secret))
    return event


class EventCapture:
    """A test queue bound to ``{source}.events``: collects what a service publishes."""

    def __init__(self, amqp_uri: str, source: str, routing_key: str = "#"):
        from kombu import Connection, Exchange, Queue

        self.connection = Connection(amqp_uri)
        self.exchange = Exchange(f"{source}.events", type="topic", durable=True)
        self.queue = Queue(f"test-capture-{source}-{uuid.uuid4().hex[:8]}", exchange=self.exchange,
                           routing_key=routing_key, auto_delete=True)
        self.queue(self.connection.default_channel).declare()
        self.received: list[dict] = []

    def drain(self) -> list[dict]:
        queue = self.queue(self.connection.default_channel)
        while True:
            message = queue.get(no_ack=True, accept=["json"])
            if message is None:
                break
            self.received.append(message.payload)
        return self.received

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.drain() if e.get("type") == event_type]

    def wait_for(self, event_type: str, count: int = 1, timeout: float = 10.0) -> list[dict]:
        return wait_for(lambda: len(self.of_type(event_type)) >= count and self.of_type(event_type),
                        timeout=timeout, message=f"{count} x {event_type}")

    def close(self):
        self.connection.release()


def queue_depth(amqp_uri: str, name: str) -> int:
    """The messages ready in queue ``name`` now -- a passive declare on the broker (never
    creates the queue; a queue that does not exist holds none). Immediate, unlike the
    management API's figures (sampled every ~5 s). Deliveries a consumer holds unacked
    are not counted: pair it with the handler's own counts (``handler.settled``)."""
    return queue_depths(amqp_uri, [name])[name]


def queue_depths(amqp_uri: str, names) -> dict[str, int]:
    """:func:`queue_depth` of several queues over one connection."""
    from amqp.exceptions import NotFound
    from kombu import Connection

    depths = {}
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        for name in names:
            try:
                depths[name] = channel.queue_declare(queue=name, passive=True).message_count
            except NotFound:              # the broker closed the channel: take another
                depths[name] = 0
                channel = connection.channel()
    return depths


def event_handlers(container) -> list:
    """The container's reliable event handlers (``handler.outcomes``, ``handler.settled``)."""
    from .messaging.handler import ReliableEventHandler
    return [e for e in container.entrypoints if isinstance(e, ReliableEventHandler)]


def event_handler_of(container, method_name: str):
    """The container's reliable event handler running ``method_name``."""
    return next(h for h in event_handlers(container) if h.method_name == method_name)


def wait_settled(*containers, amqp_uri: str | None = None, timeout: float = 15.0) -> dict:
    """Wait until the containers are quiet: nothing more is on its way between them.

    The proof, instead of a sleep: no outbox row of theirs is pending (nothing more will be
    published), every copy their relays published of an event type was confirmed and has
    been settled by every handler of theirs bound to it (the sum of ``relay.outcomes_by_type
    [type]["confirmed"]`` equals the sum of ``handler.settled`` over the handler's queue), and
    the handlers' queues (and retry queues, once used) hold nothing. The counts are read
    twice around the database and broker checks and must not move in between -- so a
    handler that settled a copy and wrote an event of its own meanwhile is seen.

    Covers copies published by these containers' relays, into queues bound before they were
    published (containers started before the events); a copy a relay could not account for
    (``nacked``, ``unconfirmed``: a broker outage mid-publish) of a type one of these handlers
    listens to fails at once -- then only stopping the consumers and finding their queues
    empty proves anything. Returns the settled count per handler queue."""
    from sqlalchemy import func, select

    from .messaging.handler import retry_queue
    from .messaging.models import kernel_tables

    containers = list(containers)
    amqp_uri = amqp_uri or containers[0].config["AMQP_URI"]
    databases = [d for c in containers for d in c.dependencies if isinstance(d, Database)]
    relays: dict[str, list] = {}
    for database in databases:
        if database.relay is not None:
            relays.setdefault(database.container.service_name, []).append(database.relay)
    handlers: dict[str, list] = {}            # queue name -> the handlers consuming it
    for container in containers:
        for handler in event_handlers(container):
            if handler.source_service in relays:
                handlers.setdefault(handler.queue.name, []).append(handler)

    def counts() -> dict:                     # no yield in here: one consistent snapshot
        snapshot = {}
        for queue, group in handlers.items():
            source, event_type = group[0].source_service, group[0].event_type
            published = [relay.outcomes_by_type[event_type] for relay in relays[source]]
            uncertain = sum(p["nacked"] + p["unconfirmed"] for p in published)
            if uncertain:
                raise AssertionError(f"{source}'s relay could not account for {uncertain} copies of "
                                     f"{event_type}: settling cannot be proven by counting")
            snapshot[queue] = (sum(p["confirmed"] for p in published), sum(h.settled for h in group),
                               sum(h.outcomes["retried"] for h in group))
        snapshot["published"] = tuple(sorted((name, sum(r.outcomes["published"] for r in group))
                                             for name, group in relays.items()))
        return snapshot

    def pending() -> int:
        total = 0
        for database in databases:
            Outbox, _ = kernel_tables(database.base)
            with database.Session() as session:
                total += session.scalar(select(func.count()).select_from(Outbox)
                                        .where(Outbox.status == "pending"))
        return total

    def queued(snapshot) -> int:
        names = list(handlers)
        for queue, group in handlers.items():
            if snapshot[queue][2]:            # retried at least once: its retry queues too
                names += [retry_queue(queue, int(d * 1000)).name for d in group[0].retry_delays]
        return sum(queue_depths(amqp_uri, names).values())

    last: list = []

    def quiet():
        before = counts()
        last[:] = [before]
        if any(confirmed != settled for key, value in before.items() if key != "published"
               for confirmed, settled, _ in [value]):
            return False
        if pending() or queued(before):
            return False
        return counts() == before and before

    try:
        settled = wait_for(quiet, timeout=timeout, message="every published copy settled")
    except AssertionError as exc:
        if last and "timed out" in str(exc):
            unsettled = {q: v[:2] for q, v in last[0].items() if q != "published" and v[0] != v[1]}
            raise AssertionError(f"{exc}; (confirmed, settled) per queue not equal: {unsettled}") from None
        raise
    return {queue: value[1] for queue, value in settled.items() if queue != "published"}


_MIGRATED: dict[tuple, str] = {}


def migrated_sqlite(tmp_path, service: str) -> str:
    """A SQLite database for ``service`` with its Alembic migrations applied.

    The migrations run once per test process and service (into a template file); each test gets a
    copy of it -- a platform start would otherwise replay some 175 revisions. The template is keyed
    by the migration files' names and modification times, so a revision added or edited during a
    run is applied; ``tests/test_migrations.py`` replays the history itself on every run."""
    import atexit
    import shutil
    import tempfile

    from .config import migrations_dir
    from .db import upgrade

    folder = migrations_dir(service)
    key = (service, tuple(sorted((p.name, p.stat().st_mtime_ns) for p in folder.rglob("*.py"))))
    template = _MIGRATED.get(key)
    if template is None or not os.path.exists(template):
        folder_tmp = tempfile.mkdtemp(prefix="wuye-migrated-")
        atexit.register(shutil.rmtree, folder_tmp, True)
        template = os.path.join(folder_tmp, f"{service}.db")
        upgrade(folder, f"sqlite:///{template}")
        _MIGRATED[key] = template
    path = tmp_path / (service + ".db")
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def service_config(amqp_uri: str, db_url: str, **extra) -> dict:
    """Container config for a service under test: fast retries, fast relay."""
    return {"AMQP_URI": amqp_uri, "DB_URL": db_url, "WUYE_SECRET": TEST_SECRET,
            "OUTBOX_POLL_INTERVAL": 0.1, "OUTBOX_BACKOFF_MAX": 0.5,
            "EVENT_RETRY_DELAYS": [0.2, 0.5, 1.0], **extra}


class S3Server:
    """A real S3-compatible server on 127.0.0.1 for the tests of ``kernel.storage``'s S3 backend:
    moto's standalone server (Flask/werkzeug, in-memory) in a thread, spoken to over HTTP by boto3 --
    nothing of boto3 is mocked. ``bucket`` exists; ``config(prefix)`` is a service's storage config."""

    ACCESS_KEY, SECRET_KEY, REGION = "test-access-key", "test-secret-key", "us-east-1"

    def __init__(self, bucket: str | None = None):
        from moto.server import ThreadedMotoServer   # requirements-test.lock (moto[s3], flask)

        # moto keeps its in-memory S3 per process, whichever server started it: a bucket of its own
        self.bucket = bucket or f"wuye-test-{uuid.uuid4().hex[:12]}"
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)

    def __enter__(self) -> "S3Server":
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def __exit__(self, *exc):
        try:
            import requests
            requests.post(f"{self.endpoint}/moto-api/reset", timeout=5)    # forget every bucket
        finally:
            self._server.stop()

    def client(self):
        import boto3
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=self.REGION,
                            aws_access_key_id=self.ACCESS_KEY, aws_secret_access_key=self.SECRET_KEY)

    def config(self, prefix: str = "") -> dict:
        return {"STORAGE_URL": f"s3://{self.bucket}/{prefix}".rstrip("/"), "STORAGE_S3_ENDPOINT": self.endpoint,
                "STORAGE_S3_REGION": self.REGION, "STORAGE_S3_ACCESS_KEY": self.ACCESS_KEY,
                "STORAGE_S3_SECRET_KEY": self.SECRET_KEY}


@pytest.fixture
def s3_server():
    """:class:`S3Server`, started for the test and stopped after it."""
    with S3Server() as server:
        yield server


def keyed(headers: dict | None = None) -> dict:
    """``headers`` with an Idempotency-Key: every write of the gateway requires one (400
    ``idempotency_key_required`` without). A key the headers already carry stays (a test of a retry
    sends its own); else a fresh one -- a request the test sends once."""
    return {"Idempotency-Key": str(uuid.uuid4()), **(headers or {})}
