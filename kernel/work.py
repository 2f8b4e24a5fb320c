"""The unit of work a domain handler receives (cosmicpython's UoW, pared down).

Domain modules import nothing from nameko: they take a :class:`Work` -- the
session, the clock, the verified caller and an event recorder bound to the same
session -- so the rules run the same under a nameko worker, a CLI or a unit test.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .clock import Clock
from .messaging.envelope import Event
from .messaging.outbox import EventContract
from .settings import EMPTY, ProjectSettings, SettingsCatalogue
from .tenancy import Caller


@dataclass
class EventRecorder:
    session: Session
    base: type
    contract: EventContract
    clock: Clock
    secret: str
    actor: Caller | None

    def record(self, event_type: str, obj, *, group_id: str | None, project_id: str | None,
               kept_on_failure: bool = False) -> Event:
        """One event in the outbox, in this unit of work's transaction. ``kept_on_failure``: the
        event is published even if the unit then fails (the alert a refusal raises -- archive's
        ``identity_match.locked`` reached by a refused match): its outbox row is kept as
        :meth:`Work.keep_on_failure` keeps a log row (the relay finds it on its next poll)."""
        event = self.contract.record(self.session, self.base, event_type, obj, group_id=group_id,
                                     project_id=project_id, clock=self.clock, secret=self.secret,
                                     actor=self.actor)
        if kept_on_failure:
            from .messaging.models import kernel_tables
            OutboxMessage, _ = kernel_tables(self.base)
            row = next(r for r in self.session.new if isinstance(r, OutboxMessage) and r.event_id == event.id)
            keep_on_failure(self.session, row)
        return event

    def record_many(self, event_type: str, items, *, validate_each: bool = True) -> list[Event]:
        """Many events of one type in one ``INSERT`` -- a bulk path's events (the bill run's
        ``account.balance_changed`` per account of a chunk). ``items``: an iterable of
        ``(obj, group_id, project_id)``; each ``obj`` is dumped and validated through the
        contract's schema exactly as :meth:`record` does (``validate_each=False``: the first one
        validated, the others only dumped -- payloads made by one function), and each row is what
        :meth:`record` would write, in the order given."""
        return self.contract.record_many(self.session, self.base, event_type, items, clock=self.clock,
                                         secret=self.secret, actor=self.actor, validate_each=validate_each)


@dataclass
class Work:
    session: Session
    clock: Clock
    caller: Caller
    events: EventRecorder
    settings: ProjectSettings | None = None     # this service's per-project settings (kernel.settings)
    #: the service's file store (:class:`kernel.storage.Storage`) when it declares a
    #: ``StorageProvider`` -- in its RPC workers (``UnitOfWork``) and its job handlers (``JobRunner``)
    #: alike; None for a service without one (and in a test that gives none)
    storage: object | None = None

    def idempotent(self, key: str | None, method: str, command, run):
        """Run ``run()`` (returning the dumped reply) once per caller and key
        (:mod:`kernel.idempotency`)."""
        from .idempotency import run_once
        return run_once(self.session, self.events.base, self.caller, self.clock, key, method, command,
                        run)

    @classmethod
    def build(cls, session: Session, clock: Clock, caller: Caller, *, base, contract: EventContract,
              secret: str, settings: SettingsCatalogue | None = None, storage=None) -> "Work":
        events = EventRecorder(session, base, contract, clock, secret, caller)
        return cls(session, clock, caller, events,
                   ProjectSettings(session, base, settings or EMPTY, clock, caller, events), storage)

    # -- writes that outlive a failure ---------------------------------------------
    def keep_on_failure(self, obj) -> None:
        """Add ``obj`` to this unit of work *and* keep it if the unit fails: the audit record of a
        refusal (archive's access log: a read refused with 403 is still logged). On success it is
        committed with the rest; on failure :func:`rollback_keeping` (which ``Database.finish``
        runs for every worker that raises) rolls the unit back and then commits a copy of each kept
        row in a transaction of its own. Only for rows nothing else refers to (log rows)."""
        self.session.add(obj)
        keep_on_failure(self.session, obj)

    # -- scheduled jobs (kernel.jobs) ---------------------------------------------
    @property
    def jobs(self):
        """``work.jobs.schedule(kind, key=, due_at=, payload=, group_id=, project_id=)`` and
        ``work.jobs.cancel(kind, key)``, in this unit of work's transaction."""
        from .jobs import JobScheduler   # kernel.jobs builds Work for its handlers
        return JobScheduler(self.session, self.events.base, self.clock)


# -- rows kept when a unit of work fails ---------------------------------------------------------

KEPT = "kept_on_failure"


def _forget_kept(session) -> None:
    session.info.pop(KEPT, None)


def keep_on_failure(session: Session, obj) -> None:
    """Remember ``obj`` (already added to ``session``) to be written even if the transaction is rolled
    back (:meth:`Work.keep_on_failure`). A commit forgets it: it is written then."""
    kept = session.info.setdefault(KEPT, [])
    if not kept and not event.contains(session, "after_commit", _forget_kept):
        event.listen(session, "after_commit", _forget_kept)
    mapper = inspect(obj).mapper
    values = {a.key: getattr(obj, a.key) for a in mapper.column_attrs}
    # None: not given (a column default applies at the copy's insert as at the original's)
    kept.append((mapper.class_, {k: v for k, v in values.items() if v is not None}))


def rollback_keeping(session: Session) -> int:
    """Roll ``session`` back, then commit the rows kept with :func:`keep_on_failure` (fresh copies,
    in a transaction of their own); how many were kept. What the failed unit wrote besides them is
    gone; a failure to write them is raised (the session rolled back again)."""
    kept = session.info.pop(KEPT, [])
    session.rollback()
    if not kept:
        return 0
    try:
        for cls, values in kept:
            session.add(cls(**values))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return len(kept)
