"""Databases: engines, a session per worker, and per-service migrations.

:class:`Database` is the nameko dependency every service uses. Each worker gets
its own ``Session``; the kernel entrypoints (``kernel.entrypoints``) commit it
*before* the RPC reply is sent or the event is acked, and roll it back on
error -- so a caller never hears "done" for a write that did not commit.
Anything the worker wrote to the outbox is relayed after the commit.
"""
from __future__ import annotations

import logging
import time
import weakref
from pathlib import Path

from nameko.extensions import DependencyProvider, SharedExtension
from sqlalchemy import DateTime, bindparam, case, create_engine, event, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from .clock import UTC, Clock, clock_from_setting, ensure_aware
from .config import default_db_url

log = logging.getLogger(__name__)

_green_patched = False


def _make_psycopg_green() -> None:
    """psycopg2 blocks in C; under eventlet that would stall every worker of the
    process. psycogreen installs a wait callback that yields to the hub."""
    global _green_patched
    if _green_patched:
        return
    from eventlet import patcher
    if patcher.is_monkey_patched("socket"):
        from psycogreen.eventlet import patch_psycopg
        patch_psycopg()
        _green_patched = True


class UtcDateTime(TypeDecorator):
    """A timezone-aware instant, stored in UTC on every backend.

    SQLite keeps no offset and hands back naive values; this type always
    returns aware UTC datetimes and refuses naive ones on the way in."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        return None if value is None else ensure_aware(value)


class SharedClock(SharedExtension):
    """One clock per container, shared by every extension that needs the time."""

    _clock: Clock | None = None

    @property
    def clock(self) -> Clock:
        if self._clock is None:
            self._clock = clock_from_setting(self.container.config.get("CLOCK"))
        return self._clock


class ClockProvider(DependencyProvider):
    """Injects the container's :class:`~kernel.clock.Clock`."""

    shared = SharedClock()

    def get_dependency(self, worker_ctx) -> Clock:
        return self.shared.clock


#: how long a green BEGIN IMMEDIATE keeps retrying a locked SQLite database
SQLITE_LOCK_WAIT = 30.0


def _green_begin_immediate(dbapi_conn, wait: float = SQLITE_LOCK_WAIT, on_locked=None) -> None:
    """``BEGIN IMMEDIATE`` (the write lock at the start, so a transaction never fails
    half-way on a lock another connection took after it read), retried *greenly*: the
    connection has no busy timeout, so a locked database answers at once and this
    greenlet sleeps in the hub -- letting the greenlet that holds the lock finish --
    instead of SQLite's busy handler sleeping in C with the whole process frozen.
    ``on_locked()`` is called each time the database was found locked (before the sleep)."""
    import sqlite3

    import eventlet

    deadline, delay = time.monotonic() + wait, 0.001
    while True:
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if time.monotonic() >= deadline:
                raise
        if on_locked is not None:
            on_locked()
        eventlet.sleep(delay)
        delay = min(delay * 2, 0.05)


def make_engine(url: str, *, pool_size: int = 5, echo: bool = False,
                sqlite_immediate: bool = False) -> Engine:
    """An engine for ``url``: SQLite (default, under ``var/``) or PostgreSQL.

    ``sqlite_immediate``: every transaction on this SQLite engine starts with a green
    ``BEGIN IMMEDIATE`` (:func:`_green_begin_immediate`) -- the outbox relay's own
    connection, so it neither queues behind the workers' connection nor freezes the
    process while one of them holds the write lock. Such an engine counts in
    ``engine.sqlite_lock_waits`` how many times a BEGIN found the database locked and
    slept in the hub (what a test waits on to know the relay met the lock)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        # SQLAlchemy 2.1 would pick psycopg 3; we ship (and green) psycopg2
        parsed = parsed.set(drivername="postgresql+psycopg2")
        url = parsed.render_as_string(hide_password=False)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # One pooled connection per engine: SQLite's busy-wait sleeps in C, which under
        # eventlet would freeze the greenlet holding the lock. Waiting for the
        # pool instead is green, so writers queue politely.
        engine = create_engine(
            url, echo=echo, pool_size=1, max_overflow=0, pool_timeout=60,
            connect_args={"check_same_thread": False, "timeout": 0 if sqlite_immediate else 30},
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            if sqlite_immediate:
                dbapi_conn.isolation_level = None      # we issue BEGIN ourselves

        if sqlite_immediate:
            engine.sqlite_lock_waits = 0

            def _locked():
                engine.sqlite_lock_waits += 1

            @event.listens_for(engine, "begin")
            def _begin(conn):
                _green_begin_immediate(conn.connection.dbapi_connection, on_locked=_locked)

        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() in ("psycopg2", ""):
            _make_psycopg_green()
        return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size * 2,
                             pool_pre_ping=True, pool_recycle=1800)
    return create_engine(url, echo=echo, pool_pre_ping=True)


def update_many(session: Session, table, key: str, rows: list[dict]) -> int:
    """Set many rows of ``table`` (a model or a ``Table``) to values of their own in **one**
    ``UPDATE`` -- a bulk path's alternative to one statement per row::

        UPDATE bills SET allocated = CASE WHEN id = :k1 THEN :v1 WHEN id = :k2 THEN :v2 ... END,
                         settled_at = CASE ... END
        WHERE id IN (:k1, :k2, ...)

    ``rows``: dicts holding ``key`` and the same other columns; each value is bound with its
    column's type (``MoneyType``, ``UtcDateTime``: the same conversions as the ORM), so it runs
    alike on SQLite and PostgreSQL. Returns the number of rows matched. The ORM objects of
    those rows in ``session`` are not refreshed (bulk paths read with Core). Keep a statement to
    a few thousand rows (SQLite binds at most 32 766 parameters). On PostgreSQL the same
    ``UPDATE`` takes one array per column (``FROM unnest(...)``): its cost grows with the rows only
    in the database, not in building and compiling a ``CASE`` per row."""
    if not rows:
        return 0
    t = getattr(table, "__table__", table)
    k = t.c[key]
    columns = [name for name in rows[0] if name != key]
    dialect = session.get_bind().dialect
    if dialect.name == "postgresql":
        return _update_many_pg(session, t, key, columns, rows, dialect)
    values = {name: case(*[(k == row[key], bindparam(None, row[name], type_=t.c[name].type)) for row in rows],
                         else_=t.c[name]) for name in columns}
    result = session.execute(update(t).where(k.in_([row[key] for row in rows])).values(values)
                             .execution_options(synchronize_session=False))
    return result.rowcount


def _update_many_pg(session: Session, t, key: str, columns: list[str], rows: list[dict], dialect) -> int:
    """PostgreSQL: ``UPDATE t SET c = v.c ... FROM unnest(:key[], :c[], ...) AS v WHERE t.key = v.key`` --
    one array parameter per column, so neither the statement nor its compilation grows with the rows
    (a ``CASE`` of thousands of branches is costly to build, compile and evaluate)."""
    names = [key, *columns]
    params, arrays = {}, []
    for n, name in enumerate(names):
        column_type = t.c[name].type
        process = column_type.bind_processor(dialect)
        values = [row[name] for row in rows]
        params[f"a{n}"] = [process(v) for v in values] if process else values
        arrays.append(f"CAST(:a{n} AS {column_type.compile(dialect=dialect)}[])")
    quote = dialect.identifier_preparer.quote
    sql = (f"UPDATE {quote(t.name)} AS t SET {', '.join(f'{quote(c)} = v.{quote(c)}' for c in columns)} "
           f"FROM unnest({', '.join(arrays)}) AS v ({', '.join(quote(c) for c in names)}) "
           f"WHERE t.{quote(key)} = v.{quote(key)}")
    return session.execute(text(sql), params).rowcount


# -- append-only tables ----------------------------------------------------------

#: what an erasure writes over an append-only row's personal value (:class:`Erasure`)
ERASED = "[erased]"


class Erasure:
    """The one UPDATE an append-only table lets through: the retention erasure of a row's personal
    values (archive's contact-change history). The row's ``stamp`` column (``erased_at``) goes from
    NULL to a time; each ``blanked`` column stays or becomes :data:`ERASED`; each ``masked``
    column stays or becomes :func:`kernel.privacy.mask_name` of its old value (张伟 -> 张*); every
    ``kept`` column stays. A row once erased is never changed again (not un-erased, not re-erased);
    every other UPDATE and every DELETE is still refused. Name *every* other column in ``kept``
    (a migration freezes the lists; a column added later and not listed would be let through)."""

    def __init__(self, stamp: str, kept, blanked=(), masked=(), marker: str = ERASED):
        self.stamp, self.kept, self.blanked, self.masked = stamp, tuple(kept), tuple(blanked), tuple(masked)
        self.marker = marker

    def condition(self, dialect: str) -> str:
        """The SQL (over OLD and NEW) that holds for an erasure and only for one."""
        same = "IS" if dialect == "sqlite" else "IS NOT DISTINCT FROM"
        marker = "'" + self.marker.replace("'", "''") + "'"
        parts = [f"OLD.{self.stamp} IS NULL", f"NEW.{self.stamp} IS NOT NULL"]
        parts += [f"NEW.{c} {same} OLD.{c}" for c in self.kept]
        parts += [f"(NEW.{c} {same} OLD.{c} OR NEW.{c} = {marker})" for c in self.blanked]
        for c in self.masked:          # kernel.privacy.mask_name in SQL: first character, a star per one left
            if dialect == "sqlite":
                n = f"max(length(OLD.{c}) - 1, 1)"
                mask = f"substr(OLD.{c}, 1, 1) || substr(replace(hex(zeroblob({n})), '0', '*'), 1, {n})"
            else:
                mask = f"left(OLD.{c}, 1) || repeat('*', greatest(char_length(OLD.{c}) - 1, 1))"
            parts.append(f"(NEW.{c} {same} OLD.{c} OR NEW.{c} = {mask})")
        return " AND ".join(parts)


def append_only_statements(table: str, dialect: str, erasure: Erasure | None = None) -> list[str]:
    """The DDL that makes ``table`` append-only in the database itself (an UPDATE or DELETE
    raises), for SQLite and PostgreSQL; a migration runs these for its dialect. With ``erasure``
    the one UPDATE it describes is let through (see :class:`Erasure`)."""
    message = f"{table} is append-only" + (" (only the retention erasure may blank a row, once)" if erasure else "")
    if dialect == "sqlite":
        statements = []
        for op in ("UPDATE", "DELETE"):
            when = f" WHEN NOT ({erasure.condition(dialect)})" if erasure is not None and op == "UPDATE" else ""
            statements.append(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table}{when} "
                              f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        return statements
    if dialect == "postgresql":
        allow = (f"IF TG_OP = 'UPDATE' AND {erasure.condition(dialect)} THEN RETURN NEW; END IF; "
                 if erasure is not None else "")
        return [f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {allow}RAISE EXCEPTION '{message}'; END $$",
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"]
    return []


def drop_append_only_statements(table: str, dialect: str) -> list[str]:
    """The DDL that removes what :func:`append_only_statements` made (a migration replacing it)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP FUNCTION IF EXISTS {table}_append_only()"]
    return []


def append_only(table, erasure: Erasure | None = None) -> None:
    """Mark a model's table append-only wherever it is created from the models (tests'
    ``create_all``); the migration that creates it runs :func:`append_only_statements`."""
    from sqlalchemy import DDL, event

    for dialect in ("sqlite", "postgresql"):
        for statement in append_only_statements(table.name, dialect, erasure):
            event.listen(table, "after_create", DDL(statement.replace("%", "%%")).execute_if(dialect=dialect))


def new_base():
    """A fresh declarative base with its own MetaData, for one service."""

    class ServiceBase(DeclarativeBase):
        pass

    return ServiceBase


class Database(DependencyProvider):
    """Session-per-worker dependency for one service database.

    ``base`` is the service's declarative base (its ``MetaData`` must include the
    kernel's outbox and inbox tables -- see :func:`kernel.messaging.kernel_tables`).
    The URL comes from config key ``DB_URL`` or, failing that, from
    ``{SERVICE}_DB_URL`` / ``var/{service}.db``.
    """

    shared_clock = SharedClock()

    def __init__(self, base, relay: bool = True):
        self.base = base
        self.relay_enabled = relay
        self.sessions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.engine = None
        self.relay_engine = None
        self.Session = None
        self.relay = None
        #: ``{session.info flag: wake()}``: woken after a worker's commit that set the flag
        self.wakers: dict = {}

    # -- lifecycle ----------------------------------------------------------
    def setup(self):
        config = self.container.config
        url = config.get("DB_URL") or default_db_url(self.container.service_name)
        self.engine = make_engine(url, pool_size=int(config.get("DB_POOL_SIZE", 5)))
        # the container's clock travels with every session (``session.info["clock"]``), for
        # session events that stamp a time (the gateway's user stamp)
        self.Session = sessionmaker(self.engine, expire_on_commit=False, info={"clock": self.clock})
        if self.relay_enabled:
            from .messaging.relay import OutboxRelay
            relay_session = self.Session
            if self.engine.dialect.name == "sqlite":
                # SQLite: one pooled connection serves the workers; the relay gets its own
                # (green BEGIN IMMEDIATE), so it never waits behind the workers' queue
                self.relay_engine = make_engine(url, sqlite_immediate=True)
                relay_session = sessionmaker(self.relay_engine, expire_on_commit=False)
            self.relay = OutboxRelay.from_config(relay_session, self.base, config, clock=self.clock)

    def start(self):
        if self.relay is not None:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox-relay")

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
        for engine in (self.engine, self.relay_engine):
            if engine is not None:
                engine.dispose()

    def kill(self):
        self.stop()

    @property
    def clock(self) -> Clock:
        return self.shared_clock.clock

    def wake_after_commit(self, flag: str, wake) -> None:
        """Call ``wake()`` after each worker commit whose session set ``session.info[flag]`` (the job
        runner: a job scheduled due now). The outbox relay is woken the same way (``outbox_dirty``)."""
        self.wakers[flag] = wake

    # -- per worker ---------------------------------------------------------
    def get_dependency(self, worker_ctx) -> Session:
        session = self.Session()
        self.sessions[worker_ctx] = session
        return session

    def finish(self, worker_ctx, exc_info, before_commit=None) -> None:
        """Commit (no error) or roll back (error) the worker's session, once.

        ``before_commit(session)`` runs inside the transaction (the inbox uses it).
        Raises whatever the commit raises; the session is rolled back then.
        """
        session = self.sessions.pop(worker_ctx, None)
        if session is None:
            return
        if (exc_info is None and before_commit is None and not session.in_transaction()
                and not (session.new or session.dirty or session.deleted)):
            session.close()       # the worker never used its session: nothing to commit
            return
        try:
            if exc_info is None:
                if before_commit is not None:
                    before_commit(session)
                wrote_events = bool(session.info.pop("outbox_dirty", False))
                woken = [wake for flag, wake in self.wakers.items() if session.info.pop(flag, False)]
                session.commit()
                if wrote_events and self.relay is not None:
                    self.relay.wake()
                for wake in woken:
                    wake()
            else:
                # rows a domain kept for a failure (kernel.work.keep_on_failure: the log of a
                # refused read) are committed on their own after the rollback
                from .work import rollback_keeping
                rollback_keeping(session)
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        # Entry points without a result handler (timers) land here; the kernel
        # entrypoints have already finished the session by now.
        try:
            self.finish(worker_ctx, exc_info)
        except Exception:
            log.exception("commit failed after worker %s", worker_ctx)

    def worker_teardown(self, worker_ctx):
        session = self.sessions.pop(worker_ctx, None)
        if session is not None:
            session.rollback()
            session.close()

    # -- helpers for the kernel's own entrypoints ---------------------------
    def short_session(self) -> Session:
        return self.Session()


def find_database(container) -> Database | None:
    """The container's :class:`Database` (its dependencies are fixed once it exists:
    looked up once, then remembered on the container -- this runs for every worker)."""
    try:
        return container.__dict__["_wuye_database"]
    except KeyError:
        pass
    found = next((dep for dep in container.dependencies if isinstance(dep, Database)), None)
    container.__dict__["_wuye_database"] = found
    return found


# -- migrations ---------------------------------------------------------------

def alembic_config(migrations_dir: str | Path, url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(migrations_dir: str | Path, url: str, revision: str = "head") -> None:
    """Apply a service's Alembic migrations to ``url``."""
    from alembic import command

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, ":memory:"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(migrations_dir, url), revision)
