"""Claiming due rows with a lease, and backing off after a failure -- one copy.

Three kernel mechanisms hand due rows to whichever replica gets them first:
the outbox relay (``outbox``), notify's SMS sender (``deliveries``) and the
scheduled jobs (``jobs``). Each table keeps its own columns and states, but
all three have ``next_attempt_at`` (due when <= now) and ``lease_until`` (a
claim that ends by itself when its holder dies), and claim the same way:

1. select the keys of due, unleased rows (oldest first, at most ``limit``);
   on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so concurrent claimers split the
   rows instead of queueing behind each other;
2. in the same transaction a *conditional* update sets the lease -- the due
   condition is repeated in its ``WHERE``, so on SQLite (no row locks) a row
   another process leased in between is simply not taken -- and returns what
   it leased (``RETURNING``; SQLite >= 3.35, PostgreSQL).

The claim commits before the work starts; the lease is the only "lock" held
while a provider or the broker is on the line. A holder that dies leaves the
lease to expire and the row is claimed again.

:class:`Backoff` is the one retry rule: ``base * 2**(attempts-1)`` seconds,
capped, with an optional ``max_attempts`` after which the caller gives up.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

import eventlet
from eventlet.event import Event as GreenEvent
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


def lease_free(model, now: datetime):
    """The row is not leased, or its lease has run out."""
    return or_(model.lease_until.is_(None), model.lease_until < now)


def due(model, now: datetime, *where):
    """Conditions of a claimable row: ``where`` + due + not leased."""
    return (*where, model.next_attempt_at <= now, lease_free(model, now))


def claim_due(session: Session, model, *, key, now: datetime, lease: timedelta, limit: int,
              where: Iterable = (), order_by=None, values: dict | None = None,
              returning: Iterable = ()) -> list:
    """Lease up to ``limit`` due rows of ``model`` in ``session``'s transaction.

    ``key`` is the primary-key column; ``where`` the table's own conditions
    (status, kinds, projects); ``values`` extra columns to set with the lease
    (status, holder, attempts); ``returning`` the columns to hand back as rows
    ``(key, *returning)`` (default: just the keys). Rows come back in ``order_by`` order (default: ``next_attempt_at``).
    The caller commits."""
    conditions = due(model, now, *where)
    order = order_by if order_by is not None else model.next_attempt_at
    query = select(key).where(*conditions).order_by(order).limit(limit)
    returning = tuple(returning)
    if session.get_bind().dialect.name == "postgresql":
        # one round trip: UPDATE .. WHERE key IN (SELECT .. FOR UPDATE SKIP LOCKED) RETURNING,
        # the order column returned too (RETURNING order is not guaranteed) and sorted here
        query = query.with_for_update(skip_locked=True)
        columns = (key, *returning)
        at = next((i for i, c in enumerate(columns) if c is order), None)
        # the locked keys as a CTE (materialised once: a subquery under IN may be rescanned)
        locked = query.cte("claimable")
        stmt = (update(model).where(key == locked.c[key.key], *conditions)
                .values(lease_until=now + lease, **(values or {}))
                .returning(*columns, *(() if at is not None else (order,)))
                .execution_options(synchronize_session=False))
        claimed = sorted(session.execute(stmt).all(), key=lambda row: row[-1 if at is None else at])
        if not returning:
            return [row[0] for row in claimed]
        return claimed if at is not None else [tuple(row[:-1]) for row in claimed]
    keys = session.scalars(query).all()
    if not keys:
        return []
    stmt = (update(model).where(key.in_(keys), *conditions)
            .values(lease_until=now + lease, **(values or {}))
            .returning(key, *returning)
            .execution_options(synchronize_session=False))
    leased = {row[0]: row for row in session.execute(stmt).all()}
    rows = [leased[k] for k in keys if k in leased]      # RETURNING order is not guaranteed
    return rows if returning else [row[0] for row in rows]


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff: ``base * 2**(attempts-1)`` seconds, at most ``cap``;
    ``max_attempts`` (None = never) is when the caller stops trying."""

    base: float = 1.0
    cap: float = 3600.0
    max_attempts: int | None = None

    def delay(self, attempts: int) -> timedelta:
        exponent = min(max(attempts - 1, 0), 32)
        return timedelta(seconds=min(self.cap, self.base * 2 ** exponent))

    def next_attempt(self, now: datetime, attempts: int) -> datetime:
        return now + self.delay(attempts)

    def gives_up(self, attempts: int, max_attempts: int | None = None) -> bool:
        limit = max_attempts if max_attempts is not None else self.max_attempts
        return limit is not None and attempts >= limit



class PollingLoop:
    """The loop of a claimer (the outbox relay, the jobs runner): ``run()`` calls
    ``one_pass()`` until ``stop()``; a full batch (``batch_size``) is followed at once,
    otherwise it waits ``poll_interval`` seconds or until ``wake()`` (a commit that wrote
    due rows). A pass that raises is logged and the loop goes on -- the rows wait in
    their table. Subclasses set ``poll_interval``, ``batch_size`` and ``loop_name``."""

    poll_interval: float = 1.0
    batch_size: int = 100
    loop_name: str = "polling loop"
    _running: bool = False
    _wakeup: GreenEvent | None = None

    def one_pass(self) -> int:
        """Claim and handle one batch; the number of rows handled."""
        raise NotImplementedError

    def run(self) -> None:
        self._running = True
        while self._running:
            try:
                handled = self.one_pass()
            except Exception:  # never let the loop die
                log.exception("%s: pass failed", self.loop_name)
                handled = 0
            if handled >= self.batch_size and self._running:
                eventlet.sleep(0)
                continue
            self._event().wait(timeout=self.poll_interval)
            self._wakeup = GreenEvent()

    def _event(self) -> GreenEvent:
        if self._wakeup is None:
            self._wakeup = GreenEvent()
        return self._wakeup

    def wake(self) -> None:
        event = self._event()
        if not event.ready():
            event.send(True)

    def stop(self) -> None:
        self._running = False
        self.wake()
