"""Scheduled jobs: due work that runs exactly once across replicas.

A complaint's 30-day upgrade, a revisit planned for later, bill runs, dunning sweeps and
scheduled notifications are all "at this time, do this once". Domain code schedules a job
in its own transaction; whichever replica of the service claims it first runs it.

Scheduling (domain code, through :class:`~kernel.work.Work`)::

    work.jobs.schedule("complaint-upgrade", key=ticket.id, due_at=received_at + timedelta(days=30),
                       payload={"ticket_id": ticket.id}, group_id=g, project_id=p)
    work.jobs.cancel("complaint-upgrade", ticket.id)

``(kind, key)`` is unique: scheduling the same work twice leaves one row
(a cancelled one is revived). ``payload`` is plain JSON -- dump with
marshmallow first; Decimal, datetime and the like are refused.

Running (nameko wiring, in ``service.py``)::

    jobs = JobRunner(CONTRACT, {"complaint-upgrade": complaints.on_upgrade_job,
                                "sla-sweep": alerts.run_sweep},
                     every={"sla-sweep": 15.0}, settings=sla.SETTINGS)

    # domain/complaints.py
    def on_upgrade_job(work: Work, job: Job) -> None: ...  # work.caller is Caller.system(job.group_id)

A **periodic** kind (``every={kind: seconds}``, ``JOBS_EVERY_<KIND>``) is one row that goes
back to ``pending`` with the next period after each run: one replica runs each period (the
SLA sweep). ``settings`` gives the handlers ``work.settings``; a service that declares a
``kernel.storage.StorageProvider`` gives them its file store as ``work.storage`` (archive's
retention erasure deletes documents' bytes from a job).

How a job runs exactly once:

1. **claim** (:func:`kernel.lease.claim_due`): due rows of the kinds this
   process handles (and of its projects, ``JOBS_PROJECTS``) are leased --
   ``status=running``, ``leased_by`` = this claim, ``attempts + 1`` -- and the
   claim commits;
2. **run**, in one transaction per job: first the row is marked ``done`` on
   the condition that this claim still holds it (on PostgreSQL that also locks
   the row, so nobody re-claims it while it runs), then the handler runs on the
   same session, then one commit -- the job's writes and its completion commit
   together or not at all;
3. a handler **error** rolls that transaction back; the job goes back to
   ``pending`` with exponential backoff (``JOBS_RETRY_BASE`` doubling up to
   ``JOBS_RETRY_MAX``), or to ``failed`` with the error after ``max_attempts``;
4. a **crash** (process killed mid-job) rolls the transaction back by itself;
   the lease (``JOBS_LEASE_SECONDS``) runs out and another replica claims the
   job again. A job whose last attempt died that way is marked ``failed``.

**Periodic jobs** (a sweep every N seconds: the SLA engine's alerts)::

    jobs = JobRunner(CONTRACT, {"sla-sweep": alerts.run_sweep}, every={"sla-sweep": 15.0})

A kind named in ``every`` has exactly one row (key :data:`PERIODIC_KEY`), ensured
when the runner starts (insert-on-conflict-do-nothing, so replicas starting
together still make one; a ``done``/``failed``/``cancelled`` row is made
pending again, and a row due later than one interval from now is brought
forward -- a shortened interval applies at once). It is claimed like any job;
a successful run puts the *same row* back to ``pending`` with
``next_attempt_at = now + interval`` (and ``due_at`` = that time: the period's
name) in the handler's own transaction -- it is never ``done``. So one replica
runs each period, and a period's writes and the next period's schedule commit
together. A failure backs off like any job (``JOBS_RETRY_BASE`` doubling up to
``JOBS_RETRY_MAX``) and is never given up on (``attempts`` counts the failures
in a row, reset by a success). The interval is overridden per process by
``JOBS_EVERY_<KIND>`` (the kind upper-cased, other characters ``_``: ``JOBS_EVERY_SLA_SWEEP``).
A periodic row has no project (``JOBS_PROJECTS`` pools that list projects leave
it to the general pool).

**Chained work** does not wait for the next poll: a transaction that schedules a job due now (or
revives one with :meth:`JobScheduler.retry`) wakes the process's runner after its commit -- a job
handler's (the bill run's chunk scheduling the next chunk) and an RPC worker's alike -- so the
next job is claimed at once.

Everything is driven by the container's clock (``ManualClock`` in tests).
``./wuye jobs`` (:mod:`kernel.jobs_cli`) lists jobs and requeues failed ones.
"""
from __future__ import annotations

import json
import logging
import os
import re
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from nameko.extensions import DependencyProvider

from .clock import Clock, ensure_aware
from .config import secret_from
from .db import SharedClock, find_database
from .lease import Backoff, PollingLoop, claim_due
from .messaging.models import job_table
from .messaging.outbox import EventContract
from .tenancy import Caller
from .work import Work

log = logging.getLogger(__name__)

STATUSES = ("pending", "running", "done", "failed", "cancelled")
DEFAULT_MAX_ATTEMPTS = 5
#: the key of a periodic kind's one row
PERIODIC_KEY = "every"
#: a periodic job is never given up on (``attempts`` < this, always)
PERIODIC_MAX_ATTEMPTS = 2_147_483_647
#: ``session.info`` flag: this transaction scheduled (or revived) a job due now -- after its commit
#: the runner is woken (``JobExecutor.run_job`` for a job's own session, ``Database.finish`` for a
#: worker's), so work chained job after job (the bill run's chunks) never waits a poll interval
JOBS_DUE = "jobs_due_now"


class JobError(ValueError):
    """A job was scheduled with something that cannot be stored."""


@dataclass(frozen=True)
class Job:
    """What a handler receives besides its :class:`~kernel.work.Work`."""

    id: str
    kind: str
    key: str
    group_id: str | None
    project_id: str | None
    payload: dict
    due_at: datetime
    attempt: int           # 1 on the first run
    max_attempts: int
    claim: str             # who runs it (leased_by)
    every: float | None = None   # a periodic job: its interval in seconds (``due_at`` names the period)


# -- scheduling (domain code) -------------------------------------------------

def _dump_payload(payload) -> str:
    try:
        return json.dumps(payload if payload is not None else {}, ensure_ascii=False, allow_nan=False,
                          sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise JobError(f"job payload must be plain JSON (dump it with marshmallow first): {exc}") from None


def _insert_ignoring_duplicates(session: Session, table, values: dict) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - we run on the two above
        raise RuntimeError(f"jobs: unsupported database {dialect}")
    session.execute(insert(table).values(**values).on_conflict_do_nothing(index_elements=["kind", "key"]))


class JobScheduler:
    """``work.jobs``: schedule and cancel jobs in the unit of work's transaction."""

    def __init__(self, session: Session, base, clock: Clock):
        self.session = session
        self.model = job_table(base)
        self.clock = clock

    def schedule(self, kind: str, *, key: str, due_at: datetime, payload: Mapping | None = None,
                 group_id: str | None = None, project_id: str | None = None,
                 max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> str:
        """Schedule ``kind`` for ``key`` at ``due_at`` (aware); return the job's id.

        The same ``(kind, key)`` again returns the existing job unchanged, unless it
        was cancelled -- then it is pending again with the new time and payload."""
        if not kind or len(kind) > 80 or not key or len(key) > 200:
            raise JobError("a job needs a kind (<= 80 characters) and a key (<= 200)")
        if due_at.tzinfo is None:
            raise JobError("due_at must be timezone-aware")
        if max_attempts < 1:
            raise JobError("max_attempts must be at least 1")
        J, now, body = self.model, self.clock.now(), _dump_payload(payload)
        due_at = ensure_aware(due_at)
        _insert_ignoring_duplicates(self.session, J.__table__, dict(
            id=str(uuid.uuid4()), kind=kind, key=key, group_id=group_id, project_id=project_id,
            payload=body, due_at=due_at, next_attempt_at=due_at, status="pending", attempts=0,
            max_attempts=max_attempts, created_at=now, updated_at=now))
        self.session.execute(
            update(J).where(J.kind == kind, J.key == key, J.status == "cancelled")
            .values(status="pending", payload=body, due_at=due_at, next_attempt_at=due_at, attempts=0,
                    max_attempts=max_attempts, group_id=group_id, project_id=project_id,
                    last_error=None, finished_at=None, updated_at=now)
            .execution_options(synchronize_session=False))
        if due_at <= now:
            self.session.info[JOBS_DUE] = True
        return self.session.scalar(select(J.id).where(J.kind == kind, J.key == key))

    def retry(self, kind: str, key: str) -> bool:
        """Make a ``failed`` job pending again, due now, its attempts starting again (what
        ``./wuye jobs retry`` does by id) -- a domain's "try again" after the cause was fixed.
        False if that job is not failed (pending, running, done or unknown)."""
        J, now = self.model, self.clock.now()
        result = self.session.execute(
            update(J).where(J.kind == kind, J.key == key, J.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=now, lease_until=None, leased_by=None,
                    finished_at=None, updated_at=now)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            self.session.info[JOBS_DUE] = True
            return True
        return False

    def cancel(self, kind: str, key: str) -> bool:
        """Cancel a pending job; False if there is none (already running, done or unknown)."""
        J, now = self.model, self.clock.now()
        result = self.session.execute(
            update(J).where(J.kind == kind, J.key == key, J.status == "pending")
            .values(status="cancelled", finished_at=now, updated_at=now)
            .execution_options(synchronize_session=False))
        return result.rowcount == 1

    def get(self, kind: str, key: str):
        J = self.model
        return self.session.scalars(select(J).where(J.kind == kind, J.key == key)
                                    .execution_options(populate_existing=True)).first()


# -- which projects a process serves ------------------------------------------------

@dataclass(frozen=True)
class ProjectFilter:
    """``JOBS_PROJECTS``: empty = every project; ``p1,p2`` = only those (a large site's
    own worker pool); ``!p1,!p2`` = every project but those (the general pool then)."""

    only: frozenset = frozenset()
    excluded: frozenset = frozenset()

    @classmethod
    def parse(cls, setting: str | None) -> "ProjectFilter":
        items = [s.strip() for s in str(setting or "").split(",") if s.strip()]
        excluded = {s[1:].strip() for s in items if s.startswith("!")}
        only = {s for s in items if not s.startswith("!")}
        if only and excluded:
            raise ValueError("JOBS_PROJECTS: list the projects to serve, or the ones to leave out (!id), not both")
        return cls(frozenset(only), frozenset(excluded))

    def condition(self, model):
        if self.only:
            return model.project_id.in_(sorted(self.only))
        if self.excluded:
            return or_(model.project_id.is_(None), model.project_id.notin_(sorted(self.excluded)))
        return None

    def __str__(self):
        if self.only:
            return ",".join(sorted(self.only))
        return ",".join(f"!{p}" for p in sorted(self.excluded)) or "all"


# -- periodic kinds ------------------------------------------------------------------

def every_setting(kind: str) -> str:
    """The config / environment key overriding a periodic kind's interval:
    ``sla-sweep`` -> ``JOBS_EVERY_SLA_SWEEP``."""
    return "JOBS_EVERY_" + re.sub(r"[^A-Z0-9]+", "_", kind.upper()).strip("_")


def intervals(every: Mapping[str, float] | None, config: Mapping | None = None) -> dict[str, float]:
    """The periodic kinds' intervals in seconds: the code's, each overridden by
    :func:`every_setting` in ``config`` when set (an empty value keeps the code's)."""
    out = {}
    for kind, seconds in (every or {}).items():
        value = (config or {}).get(every_setting(kind))
        seconds = float(seconds if value in (None, "") else value)
        if not seconds > 0:
            raise ValueError(f"{every_setting(kind)}: a periodic job's interval must be > 0 seconds")
        out[kind] = seconds
    return out


# -- running ----------------------------------------------------------------------

Handler = Callable[[Any, Job], None]     # (Work, Job)


def _runner_name() -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class JobExecutor(PollingLoop):
    """Claims and runs due jobs of one service database (no nameko in here).

    ``Session`` is a sessionmaker on the service's database, ``base`` its
    declarative base (with the kernel tables), ``handlers`` ``{kind: fn(work, job)}``.
    ``after_commit(session)`` runs after a job committed (the runner wakes the
    outbox relay there)."""

    Session: Callable[[], Session]
    base: type
    contract: EventContract
    secret: str
    clock: Clock
    handlers: Mapping[str, Handler]
    service: str = "jobs"
    projects: ProjectFilter = field(default_factory=ProjectFilter)
    batch_size: int = 20
    lease_seconds: float = 60.0
    poll_interval: float = 1.0
    backoff: Backoff = field(default_factory=lambda: Backoff(base=30.0, cap=3600.0))
    after_commit: Callable[[Session], None] | None = None
    name: str = field(default_factory=_runner_name)
    #: periodic kinds: ``{kind: seconds}`` (each kind must have a handler)
    every: Mapping[str, float] = field(default_factory=dict)
    #: the service's settings catalogue (kernel.settings): ``work.settings`` in the handlers
    settings: Any = None
    #: the service's file store (kernel.storage): ``work.storage`` in the handlers
    storage: Any = None

    def __post_init__(self):
        self.model = job_table(self.base)
        self.loop_name = f"jobs ({self.name})"
        unknown = sorted(set(self.every) - set(self.handlers))
        if unknown:
            raise ValueError(f"periodic job kinds without a handler: {', '.join(unknown)}")
        self.every = intervals(self.every)
        self._ensured = False

    # -- periodic kinds ----------------------------------------------------------
    def ensure_periodic(self) -> None:
        """One pending row per periodic kind (see the module doc); safe to run from every
        replica at once."""
        if not self.every:
            return
        J, now = self.model, self.clock.now()
        with self.Session() as session, session.begin():
            for kind, seconds in sorted(self.every.items()):
                _insert_ignoring_duplicates(session, J.__table__, dict(
                    id=str(uuid.uuid4()), kind=kind, key=PERIODIC_KEY, group_id=None, project_id=None,
                    payload=_dump_payload({"every": seconds}), due_at=now, next_attempt_at=now,
                    status="pending", attempts=0, max_attempts=PERIODIC_MAX_ATTEMPTS, created_at=now,
                    updated_at=now))
                mine = (J.kind == kind, J.key == PERIODIC_KEY)
                # stopped for whatever reason (a cancel, an old failure): pending again, due now
                session.execute(
                    update(J).where(*mine, J.status.in_(("done", "failed", "cancelled")))
                    .values(status="pending", due_at=now, next_attempt_at=now, attempts=0,
                            lease_until=None, leased_by=None, finished_at=None, updated_at=now)
                    .execution_options(synchronize_session=False))
                # a shorter interval than the row was scheduled with applies at once
                soon = now + timedelta(seconds=seconds)
                session.execute(
                    update(J).where(*mine, J.status == "pending", J.next_attempt_at > soon)
                    .values(due_at=soon, next_attempt_at=soon, updated_at=now)
                    .execution_options(synchronize_session=False))
                session.execute(
                    update(J).where(*mine, J.max_attempts != PERIODIC_MAX_ATTEMPTS)
                    .values(max_attempts=PERIODIC_MAX_ATTEMPTS, payload=_dump_payload({"every": seconds}))
                    .execution_options(synchronize_session=False))
        self._ensured = True
        log.info("jobs: %s runs %s periodically", self.name,
                 ", ".join(f"{k} every {v:g} s" for k, v in sorted(self.every.items())))

    # -- loop (kernel.lease.PollingLoop) ---------------------------------------
    def one_pass(self) -> int:
        return self.run_once()

    def run(self) -> None:
        log.info("jobs: %s runs %s for projects %s", self.name, sorted(self.handlers) or "-", self.projects)
        super().run()

    # -- one pass ---------------------------------------------------------------
    def _mine(self):
        J = self.model
        conditions = [J.kind.in_(sorted(self.handlers))]
        projects = self.projects.condition(J)
        if projects is not None:
            conditions.append(projects)
        return conditions

    def claim(self) -> list[Job]:
        """Lease up to ``batch_size`` due jobs this process handles; the claim is committed."""
        if not self.handlers:
            return []
        if not self._ensured:
            self.ensure_periodic()
        J, now = self.model, self.clock.now()
        with self.Session() as session, session.begin():
            # a job whose last attempt died with its worker (lease ran out) is failed, not retried;
            # SKIP LOCKED: a row locked by a job still running (past its lease) is left alone
            dead = select(J.id).where(J.status == "running", J.lease_until < now,
                                      J.attempts >= J.max_attempts, *self._mine())
            if session.get_bind().dialect.name == "postgresql":
                dead = dead.with_for_update(skip_locked=True)
            dead_ids = session.scalars(dead).all()
            if dead_ids:
                session.execute(
                    update(J).where(J.id.in_(dead_ids), J.status == "running", J.lease_until < now)
                    .values(status="failed", lease_until=None, leased_by=None, finished_at=now,
                            updated_at=now,
                            last_error="the worker stopped while running the last attempt (lease expired)")
                    .execution_options(synchronize_session=False))
                log.error("jobs: %d job(s) failed: their worker stopped during the last attempt", len(dead_ids))
            rows = claim_due(
                session, J, key=J.id, now=now, lease=timedelta(seconds=self.lease_seconds),
                limit=self.batch_size,
                where=(J.status.in_(("pending", "running")), J.attempts < J.max_attempts, *self._mine()),
                values=dict(status="running", leased_by=self.name, attempts=J.attempts + 1, updated_at=now),
                returning=(J.kind, J.key, J.group_id, J.project_id, J.payload, J.due_at, J.attempts,
                           J.max_attempts))
        return [Job(id=row_id, kind=kind, key=key, group_id=group_id, project_id=project_id,
                    payload=json.loads(payload or "{}"), due_at=ensure_aware(due_at), attempt=attempts,
                    max_attempts=max_attempts, claim=self.name,
                    every=self.every.get(kind) if key == PERIODIC_KEY else None)
                for row_id, kind, key, group_id, project_id, payload, due_at, attempts, max_attempts in rows]

    def run_once(self) -> int:
        """Claim a batch and run it; return how many jobs completed."""
        return sum(1 for job in self.claim() if self.run_job(job) == "done")

    def _held(self, job: Job):
        J = self.model
        return and_(J.id == job.id, J.status == "running", J.leased_by == job.claim, J.attempts == job.attempt)

    def run_job(self, job: Job) -> str:
        """Run one claimed job: ``done``, ``retry``, ``failed`` or ``lost`` (another claim has it)."""
        J = self.model
        handler = self.handlers[job.kind]
        session = self.Session()
        try:
            try:
                with session.begin():
                    now = self.clock.now()
                    if job.every is not None:
                        # the same row, pending for the next period -- committed with the handler's
                        # writes (on PostgreSQL this UPDATE also holds the row while the handler runs)
                        following = now + timedelta(seconds=job.every)
                        done = dict(status="pending", due_at=following, next_attempt_at=following,
                                    attempts=0)      # leased_by stays: who ran the last period
                    else:
                        done = dict(status="done")
                    marked = session.execute(
                        update(J).where(self._held(job))
                        .values(finished_at=now, updated_at=now, lease_until=None, last_error=None, **done)
                        .execution_options(synchronize_session=False))
                    if marked.rowcount != 1:
                        log.warning("jobs: %s %s was taken over by another claim; not run here",
                                    job.kind, job.key)
                        return "lost"
                    work = Work.build(session, self.clock, Caller.system(job.group_id, self.service),
                                      base=self.base, contract=self.contract, secret=self.secret,
                                      settings=self.settings, storage=self.storage)
                    handler(work, job)
                    wrote_events = bool(session.info.pop("outbox_dirty", False))
                    more_due = bool(session.info.pop(JOBS_DUE, False))
            except Exception as exc:
                return self._failed(job, exc)
            if wrote_events and self.after_commit is not None:
                self.after_commit(session)
            if more_due:
                self.wake()          # the job chained due work: claim it now, not after a poll interval
            return "done"
        finally:
            session.close()

    def _failed(self, job: Job, exc: Exception) -> str:
        J, now = self.model, self.clock.now()
        error = f"{type(exc).__name__}: {exc}"[:2000]
        values = dict(last_error=error, lease_until=None, leased_by=None, updated_at=now)
        if self.backoff.gives_up(job.attempt, job.max_attempts):
            values.update(status="failed", finished_at=now)
            outcome = "failed"
            log.error("jobs: %s %s failed after %d attempt(s): %s", job.kind, job.key, job.attempt, error)
        else:
            values.update(status="pending", next_attempt_at=self.backoff.next_attempt(now, job.attempt))
            outcome = "retry"
            log.warning("jobs: %s %s attempt %d failed, retried at %s: %s", job.kind, job.key, job.attempt,
                        values["next_attempt_at"].isoformat(), error)
        with self.Session() as session, session.begin():
            session.execute(update(J).where(self._held(job)).values(**values)
                            .execution_options(synchronize_session=False))
        return outcome


# -- nameko wiring -------------------------------------------------------------------

class JobRunner(DependencyProvider):
    """Runs the service's scheduled jobs in a background thread of the container.

    ``JobRunner(CONTRACT, {"kind": handler}, every={"kind": seconds}, settings=CATALOGUE)``
    (``settings``: the handlers read the service's per-project settings through ``work.settings``,
    as its RPCs do; the container's ``StorageProvider``, if any, is their ``work.storage``); config: ``JOBS_ENABLED``
    (true), ``JOBS_PROJECTS`` (empty = all; ``p1,p2``; ``!p1``), ``JOBS_POLL_INTERVAL`` (1 s),
    ``JOBS_BATCH_SIZE`` (20), ``JOBS_LEASE_SECONDS`` (60), ``JOBS_RETRY_BASE`` (30 s),
    ``JOBS_RETRY_MAX`` (3600 s), ``JOBS_EVERY_<KIND>`` (a periodic kind's interval, s). Injected
    into a worker it is the :class:`JobExecutor` (``JOBS_ENABLED=false``: a process that
    schedules jobs but leaves running them to others)."""

    shared_clock = SharedClock()

    def __init__(self, contract: EventContract, handlers: Mapping[str, Handler],
                 every: Mapping[str, float] | None = None, settings=None):
        self.contract = contract
        self.handlers = dict(handlers)
        self.catalogue = settings
        self.every = dict(every or {})
        unknown = sorted(set(self.every) - set(self.handlers))
        if unknown:
            raise ValueError(f"periodic job kinds without a handler: {', '.join(unknown)}")
        self.executor: JobExecutor | None = None

    def setup(self):
        self.database = find_database(self.container)
        if self.database is None:
            raise RuntimeError(f"{self.container.service_name}: JobRunner needs a Database dependency")
        config = self.container.config

        def get(key, default):
            value = config.get(key)
            return default if value in (None, "") else value

        self.enabled = str(get("JOBS_ENABLED", "true")).strip().lower() not in ("0", "false", "no", "off")
        self.settings = dict(
            projects=ProjectFilter.parse(config.get("JOBS_PROJECTS")),
            poll_interval=float(get("JOBS_POLL_INTERVAL", 1.0)),
            batch_size=int(get("JOBS_BATCH_SIZE", 20)),
            lease_seconds=float(get("JOBS_LEASE_SECONDS", 60)),
            backoff=Backoff(base=float(get("JOBS_RETRY_BASE", 30)),
                            cap=float(get("JOBS_RETRY_MAX", 3600))),
            every=intervals(self.every, config),
            settings=self.catalogue,
        )
        self.secret = secret_from(config)
        from .storage import find_storage
        self.storage_provider = find_storage(self.container)

    def start(self):
        database = self.database

        def wake_relay(_session):
            if database.relay is not None:
                database.relay.wake()

        self.executor = JobExecutor(
            database.Session, database.base, self.contract, self.secret, self.shared_clock.clock,
            self.handlers, service=self.container.service_name, after_commit=wake_relay,
            storage=self.storage_provider.storage if self.storage_provider is not None else None, **self.settings)
        if self.enabled:
            # a worker's commit that scheduled a job due now wakes the runner at once
            database.wake_after_commit(JOBS_DUE, self.executor.wake)
            self.container.spawn_managed_thread(self.executor.run, identifier="job-runner")

    def stop(self):
        if self.executor is not None:
            self.executor.stop()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx) -> JobExecutor | None:
        return self.executor
