"""Idempotent commands: the same key and body answer once, whatever the retries.

Every write RPC takes an ``idempotency_key`` (the gateway passes the client's
``Idempotency-Key`` header, or a fresh one). The kernel keeps, per service, one
row per (caller, key): the request's *fingerprint* -- SHA-256 of the method
name, the caller's user id and the canonical JSON of the *loaded* command -- and
the dumped reply of the first run, written in the same transaction as the work
itself. So:

- the same key and body return the stored reply, without running again;
- the same key with another body (or method) raise :class:`IdempotencyKeyReused`
  (a ``RuleViolation``: HTTP 422 ``idempotency_key_reused``), as payment
  providers do;
- two simultaneous requests with one key: the key row is inserted first with
  ``INSERT .. ON CONFLICT DO NOTHING`` under its unique constraint. On
  PostgreSQL the second insert waits until the first transaction ends, then
  reads the committed reply (or, if the first rolled back, runs itself) -- but
  at most ``KEY_WAIT_SECONDS``: a first request still running after that makes
  the second answer 409 ``idempotency_key_in_use`` (retry later) instead of
  holding a connection until the caller's timeout. On SQLite the process'
  single connection serialises writers, so the second reads the stored reply.
- a command that fails stores nothing (its transaction rolls back): retrying
  it runs it again. **A key is used up only by a success** (a 2xx reply): a
  refusal (4xx) or a failure (5xx) changed nothing, so the same key may carry
  the command again -- as it was (a unit's copy not arrived yet, 404; a fee
  unpaid, 409; billing down, 503) or corrected (a 422 fixed). Deliberately
  unlike Stripe, which keeps the 4xx answers of an endpoint that started
  executing: here the refusal is often a state of the moment, and keeping it
  would force a new key for what is, to the clerk, the same request; and the
  reply is stored in the work's own transaction, which a refusal rolls back
  (storing it would need a second, separate write). Nothing is lost: a refused
  command had no effect, so running it again cannot duplicate one.

Use it from ``service.py``::

    @rpc
    def open_repair(self, data, idempotency_key=None):
        work, command = self.work(), schemas.RepairRequestIn().load(data)
        return work.idempotent(idempotency_key, "open_repair", command,
                               lambda: self._out(repairs.open_repair(work, command)))

``run`` must return the *dumped* reply (plain JSON), which is what is stored.
Call it before anything else writes in the transaction.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from sqlalchemy import String, Text, UniqueConstraint, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from .db import UtcDateTime
from .errors import IdempotencyKeyInUse, IdempotencyKeyReused  # noqa: F401  (re-exported)

MAX_KEY_LENGTH = 64
#: how long a request waits for another one holding the same key (PostgreSQL) before 409;
#: below the gateway's RPC timeout, so the client hears 409 rather than 504
KEY_WAIT_SECONDS = 5.0
LOCK_NOT_AVAILABLE = "55P03"

_cache: dict = {}


def idempotency_table(Base):
    """The ``idempotency_keys`` table mapped on the service's ``Base`` (call it in ``models.py``)."""
    if Base in _cache:
        return _cache[Base]

    class IdempotencyRecord(Base):
        """One idempotent command a caller sent: its fingerprint and the reply it got. 幂等记录"""

        __tablename__ = "idempotency_keys"

        id: Mapped[str] = mapped_column(String(64), primary_key=True)      # sha256(caller, key)
        caller_id: Mapped[str] = mapped_column(String(100))
        key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
        group_id: Mapped[str | None] = mapped_column(String(36))
        method: Mapped[str] = mapped_column(String(100))
        fingerprint: Mapped[str] = mapped_column(String(64))
        result: Mapped[str | None] = mapped_column(Text)                    # the dumped reply, JSON
        created_at: Mapped[datetime] = mapped_column(UtcDateTime())

        __table_args__ = (UniqueConstraint("caller_id", "key", name="uq_idempotency_caller_key"),)

    _cache[Base] = IdempotencyRecord
    return IdempotencyRecord


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def canonical_json(obj) -> str:
    """One spelling of a loaded command: sorted keys, no spaces, dates ISO, decimals as text."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def fingerprint(method: str, caller_id: str, command) -> str:
    text = "\n".join((method, caller_id, canonical_json(command)))
    return hashlib.sha256(text.encode()).hexdigest()


def run_once(session, base, caller, clock, key: str | None, method: str, command,
             run: Callable[[], Any]):
    """Run ``run()`` once per (caller, key); see the module doc. Without a key, just run it."""
    if not key:
        return run()
    Record = idempotency_table(base)
    caller_id = caller.user_id
    record_id = hashlib.sha256(f"{caller_id}\n{key}".encode()).hexdigest()
    mine = fingerprint(method, caller_id, command)
    postgres = session.bind.dialect.name == "postgresql"
    claim = (pg_insert if postgres else sqlite_insert)(Record).values(
        id=record_id, caller_id=caller_id, key=key, group_id=caller.group_id, method=method,
        fingerprint=mine, result=None, created_at=clock.now(),
    ).on_conflict_do_nothing()
    if postgres:
        claimed = _claim_waiting_at_most(session, claim, KEY_WAIT_SECONDS)
    else:
        claimed = session.execute(claim).rowcount
    if claimed:
        result = run()
        session.execute(Record.__table__.update().where(Record.id == record_id)
                        .values(result=canonical_json(result)))
        return result
    earlier = session.execute(select(Record.fingerprint, Record.method, Record.result)
                              .where(Record.id == record_id)).first()
    if earlier is None or earlier.result is None:
        raise IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed; "
                                  "retry shortly")
    if earlier.fingerprint != mine:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request; use a new key")
    return json.loads(earlier.result)


def earlier_reply(session, base, caller, key: str | None, method: str, command):
    """The reply an earlier success with this (caller, key) stored -- the same command: its reply;
    another command: :class:`IdempotencyKeyReused` -- or None if the key is unused (or still being
    run). For a command that must ask another service before it writes (the gateway telling tickets
    of a staff account): a replay answers without asking again, a reused key is refused before
    anything is asked; the write itself then goes through :func:`run_once`. Reads only."""
    if not key:
        return None
    Record = idempotency_table(base)
    record_id = hashlib.sha256(f"{caller.user_id}\n{key}".encode()).hexdigest()
    earlier = session.execute(select(Record.fingerprint, Record.result).where(Record.id == record_id)).first()
    if earlier is None or earlier.result is None:
        return None
    if earlier.fingerprint != fingerprint(method, caller.user_id, command):
        raise IdempotencyKeyReused(
            "this Idempotency-Key was already used for a different request; use a new key")
    return json.loads(earlier.result)


def _claim_waiting_at_most(session, claim, seconds: float) -> int:
    """Insert the key row, waiting at most ``seconds`` for a transaction holding the same key."""
    # no savepoint around it: a lock timeout aborts the whole transaction, and the request
    # fails with it (409, its transaction rolled back) -- nothing after it would run anyway
    session.execute(text(f"SET LOCAL lock_timeout = {max(1, int(seconds * 1000))}"))
    try:
        claimed = session.execute(claim).rowcount
    except OperationalError as exc:
        if getattr(exc.orig, "pgcode", None) == LOCK_NOT_AVAILABLE:
            raise IdempotencyKeyInUse("a request with this Idempotency-Key is still being processed; "
                                      "retry shortly") from None
        raise
    session.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
    return claimed
