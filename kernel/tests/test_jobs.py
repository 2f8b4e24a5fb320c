"""Scheduled jobs (kernel.jobs): scheduling, claim and lease, backoff, failure, crash
recovery and per-project pools -- on SQLite and the real PostgreSQL, with a ManualClock."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import eventlet
import pytest
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from kernel.clock import ManualClock, SystemClock
from kernel.db import Database, make_engine, new_base
from kernel.dependencies import UnitOfWork
from kernel.jobs import JOBS_DUE, Job, JobError, JobExecutor, JobRunner, ProjectFilter
from kernel.lease import Backoff
from kernel.messaging import EventContract, job_table, kernel_tables
from kernel.entrypoints import rpc
from kernel.storage import LocalStorage, StorageProvider, make_key
from kernel.testing import TEST_SECRET, service_config, staff, wait_for
from kernel.tenancy import Caller
from kernel.work import Work

Base = new_base()
kernel_tables(Base)
ScheduledJob = job_table(Base)
CONTRACT = EventContract("clockwork", {})


class Effect(Base):
    """What a job handler writes: one row per run, unique per job key."""

    __tablename__ = "effects"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    runner: Mapped[str] = mapped_column(String(100))


class Crash(BaseException):
    """Stands in for the process dying mid-job (not an Exception: nothing handles it)."""


@pytest.fixture
def Session(db_url):
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


FAILURES: dict[str, list] = {}     # key -> exceptions the handler raises, in order


def write_effect(work: Work, job: Job) -> None:
    assert work.caller.kind == "system" and work.caller.group_id == job.group_id
    work.session.add(Effect(key=job.key, runner=job.claim))
    work.session.flush()              # the write is in the job's transaction ...
    if FAILURES.get(job.key):
        raise FAILURES[job.key].pop(0)    # ... and rolled back with it


@pytest.fixture(autouse=True)
def _failures():
    FAILURES.clear()
    yield
    FAILURES.clear()


def executor(Session, clock, **kw) -> JobExecutor:
    kw.setdefault("handlers", {"effect": write_effect})
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, service="clockwork",
                       backoff=kw.pop("backoff", Backoff(base=30, cap=3600)), **kw)


def schedule(Session, clock, key, *, kind="effect", due_in=timedelta(0), **kw):
    with Session() as session, session.begin():
        work = Work.build(session, clock, Caller.system("g1"), base=Base, contract=CONTRACT, secret=TEST_SECRET)
        kw.setdefault("group_id", "g1")
        kw.setdefault("project_id", "p1")
        return work.jobs.schedule(kind, key=key, due_at=clock.now() + due_in, **kw)


def job_row(Session, key, kind="effect"):
    with Session() as session:
        return session.scalars(select(ScheduledJob).where(ScheduledJob.kind == kind,
                                                          ScheduledJob.key == key)).one()


def effects(Session) -> list[str]:
    with Session() as session:
        return sorted(session.scalars(select(Effect.key)).all())


def test_the_same_work_scheduled_twice_is_one_job_and_cancel_stops_it(Session, clock):
    first = schedule(Session, clock, "sla-alert:t1:on_site", due_in=timedelta(minutes=15), payload={"n": 1})
    again = schedule(Session, clock, "sla-alert:t1:on_site", due_in=timedelta(minutes=20), payload={"n": 2})
    assert first == again
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduledJob)) == 1
    row = job_row(Session, "sla-alert:t1:on_site")
    assert (row.status, row.payload, row.due_at) == ("pending", '{"n": 1}', clock.now() + timedelta(minutes=15))

    with Session() as session, session.begin():
        work = Work.build(session, clock, Caller.system("g1"), base=Base, contract=CONTRACT, secret=TEST_SECRET)
        assert work.jobs.cancel("effect", "sla-alert:t1:on_site") is True
        assert work.jobs.cancel("effect", "sla-alert:t1:on_site") is False
    clock.advance(hours=1)
    assert executor(Session, clock).run_once() == 0
    assert job_row(Session, "sla-alert:t1:on_site").status == "cancelled" and effects(Session) == []

    # scheduling cancelled work again revives it with the new time and payload
    assert schedule(Session, clock, "sla-alert:t1:on_site", payload={"n": 3}) == first
    row = job_row(Session, "sla-alert:t1:on_site")
    assert (row.status, row.payload, row.attempts) == ("pending", '{"n": 3}', 0)


def test_a_payload_must_be_plain_json(Session, clock):
    with pytest.raises(JobError, match="marshmallow"):
        schedule(Session, clock, "k", payload={"amount": Decimal("1.00")})
    with Session() as session:
        jobs = Work.build(session, clock, Caller.system("g1"), base=Base, contract=CONTRACT,
                          secret=TEST_SECRET).jobs
        with pytest.raises(JobError, match="aware"):
            jobs.schedule("effect", key="k", due_at=clock.now().replace(tzinfo=None))
        with pytest.raises(JobError):
            jobs.schedule("effect", key="", due_at=clock.now())
    with Session() as session:
        assert session.scalar(select(func.count()).select_from(ScheduledJob)) == 0


def test_a_job_runs_when_due_once_with_its_writes_committed_together(Session, clock):
    schedule(Session, clock, "k1", due_in=timedelta(minutes=5), payload={"ticket_id": "t1"})
    runner = executor(Session, clock)
    assert runner.run_once() == 0                       # not due yet
    clock.advance(minutes=5)
    assert runner.run_once() == 1
    row = job_row(Session, "k1")
    assert (row.status, row.attempts, row.finished_at, row.lease_until, row.last_error) == (
        "done", 1, clock.now(), None, None)
    assert effects(Session) == ["k1"]
    clock.advance(hours=1)
    assert runner.run_once() == 0 and effects(Session) == ["k1"]


def test_an_error_rolls_back_the_jobs_writes_and_retries_with_backoff_then_fails(Session, clock):
    FAILURES["k1"] = [RuntimeError("provider down #1"), RuntimeError("provider down #2"),
                      RuntimeError("provider down #3")]
    schedule(Session, clock, "k1", max_attempts=3)
    runner = executor(Session, clock)
    start = clock.now()
    assert runner.run_once() == 0
    row = job_row(Session, "k1")
    assert (row.status, row.attempts, row.next_attempt_at, row.last_error, row.leased_by) == (
        "pending", 1, start + timedelta(seconds=30), "RuntimeError: provider down #1", None)
    assert effects(Session) == []                       # the handler's write was rolled back
    clock.advance(seconds=29)
    assert runner.run_once() == 0 and job_row(Session, "k1").attempts == 1   # not yet
    clock.advance(seconds=1)
    runner.run_once()
    row = job_row(Session, "k1")
    assert (row.attempts, row.next_attempt_at) == (2, clock.now() + timedelta(seconds=60))   # doubled
    clock.advance(seconds=60)
    runner.run_once()
    row = job_row(Session, "k1")
    assert (row.status, row.attempts, row.last_error, row.finished_at) == (
        "failed", 3, "RuntimeError: provider down #3", clock.now())
    clock.advance(days=1)
    assert runner.run_once() == 0 and effects(Session) == []


def test_a_claimed_job_is_not_taken_by_another_replica_until_its_lease_ends(Session, clock):
    schedule(Session, clock, "k1")
    a, b = executor(Session, clock, lease_seconds=60), executor(Session, clock, lease_seconds=60)
    [claimed] = a.claim()
    assert claimed.attempt == 1 and claimed.claim == a.name and claimed.payload == {}
    assert b.claim() == []
    clock.advance(seconds=59)
    assert b.claim() == []
    clock.advance(seconds=2)                             # a died without running it
    [again] = b.claim()
    assert (again.id, again.attempt, again.claim) == (claimed.id, 2, b.name)
    assert a.run_job(claimed) == "lost"                  # a wakes up: its claim is gone, nothing runs
    assert b.run_job(again) == "done"
    assert effects(Session) == ["k1"]
    with Session() as session:
        assert session.scalar(select(Effect.runner)) == b.name


@pytest.mark.postgres
def test_a_job_running_past_its_lease_is_not_taken_by_another_replica(pg_url, clock):
    """On PostgreSQL the running job holds its row: another replica skips it (SKIP LOCKED)
    even after the lease ran out, and it still runs once."""
    from eventlet.event import Event as GreenEvent

    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    started, release = GreenEvent(), GreenEvent()

    def slow(work, job):
        write_effect(work, job)
        started.send(True)
        release.wait()

    try:
        schedule(Session, clock, "k1")
        a = executor(Session, clock, lease_seconds=30, handlers={"effect": slow})
        b = executor(Session, clock, lease_seconds=30)
        running = eventlet.spawn(a.run_once)
        started.wait()
        clock.advance(seconds=31)                         # a's lease is over while it still runs
        assert b.run_once() == 0
        release.send(True)
        assert running.wait() == 1
        assert b.run_once() == 0 and effects(Session) == ["k1"]
        assert job_row(Session, "k1").status == "done"
    finally:
        engine.dispose()


def test_a_crash_mid_job_rolls_its_writes_back_and_another_replica_reruns_it(Session, clock):
    FAILURES["k1"] = [Crash()]
    schedule(Session, clock, "k1")
    a, b = executor(Session, clock, lease_seconds=30), executor(Session, clock, lease_seconds=30)
    with pytest.raises(Crash):
        a.run_once()
    row = job_row(Session, "k1")
    assert (row.status, row.leased_by) == ("running", a.name) and effects(Session) == []
    assert b.run_once() == 0                             # the lease still holds
    clock.advance(seconds=31)
    assert b.run_once() == 1
    assert effects(Session) == ["k1"] and job_row(Session, "k1").attempts == 2


def test_a_crash_on_the_last_attempt_leaves_the_job_failed(Session, clock):
    FAILURES["k1"] = [Crash()]
    schedule(Session, clock, "k1", max_attempts=1)
    runner = executor(Session, clock, lease_seconds=30)
    with pytest.raises(Crash):
        runner.run_once()
    clock.advance(seconds=31)
    assert runner.run_once() == 0
    row = job_row(Session, "k1")
    assert row.status == "failed" and "lease expired" in row.last_error and effects(Session) == []


def test_a_process_runs_only_its_kinds_and_projects(Session, clock):
    schedule(Session, clock, "big-1", project_id="big")
    schedule(Session, clock, "small-1", project_id="small")
    schedule(Session, clock, "group-1", project_id=None)
    schedule(Session, clock, "other-kind", kind="bill-run")
    big_pool = executor(Session, clock, projects=ProjectFilter.parse("big"))
    general = executor(Session, clock, projects=ProjectFilter.parse("!big"))
    assert general.run_once() == 2
    assert effects(Session) == ["group-1", "small-1"]
    assert big_pool.run_once() == 1
    assert effects(Session) == ["big-1", "group-1", "small-1"]
    assert job_row(Session, "other-kind", kind="bill-run").status == "pending"   # nobody handles it here
    assert str(ProjectFilter.parse(" p1, p2 ")) == "p1,p2" and str(ProjectFilter.parse("")) == "all"
    with pytest.raises(ValueError):
        ProjectFilter.parse("p1,!p2")


def test_a_batch_is_claimed_in_due_order_and_limited(Session, clock):
    for i in range(5):
        schedule(Session, clock, f"k{i}", due_in=timedelta(seconds=-i))
    runner = executor(Session, clock, batch_size=3)
    assert [j.key for j in runner.claim()] == ["k4", "k3", "k2"]
    assert [j.key for j in runner.claim()] == ["k1", "k0"]


def test_backoff_rule():
    backoff = Backoff(base=30, cap=3600, max_attempts=5)
    assert [backoff.delay(n).total_seconds() for n in (1, 2, 3, 8, 100)] == [30, 60, 120, 3600, 3600]
    assert not backoff.gives_up(4) and backoff.gives_up(5) and backoff.gives_up(2, max_attempts=2)
    assert not Backoff().gives_up(10 ** 6)


# -- two running containers of one service, one database ------------------------------

class Run(Base):
    """Every run of a job appends a row here -- no unique constraint, so a second
    run of the same job would show as a duplicate instead of failing."""

    __tablename__ = "runs"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(200))
    runner: Mapped[str] = mapped_column(String(100))


def append_run(work: Work, job: Job) -> None:
    work.session.add(Run(key=job.key, runner=job.claim))
    eventlet.sleep(0.002)            # a little work, so the replicas interleave


class Clockwork:
    name = "clockwork"
    db = Database(Base)
    work = UnitOfWork(CONTRACT)
    jobs = JobRunner(CONTRACT, {"tick": append_run})


@pytest.mark.postgres
def test_two_running_containers_run_each_of_200_due_jobs_exactly_once(container_factory, rabbit_config,
                                                                        pg_url):
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    config = {"AMQP_URI": rabbit_config["AMQP_URI"], "DB_URL": pg_url, "WUYE_SECRET": TEST_SECRET,
              "JOBS_POLL_INTERVAL": 0.05, "JOBS_BATCH_SIZE": 5, "JOBS_LEASE_SECONDS": 30}
    containers = [container_factory(Clockwork, config) for _ in range(2)]
    for container in containers:
        container.start()
    # both are polling before the work arrives: 200 jobs due now, in one transaction
    clock = ManualClock()
    with Session() as session, session.begin():
        jobs = Work.build(session, clock, Caller.system("g1"), base=Base, contract=CONTRACT,
                          secret=TEST_SECRET).jobs
        for i in range(200):
            jobs.schedule("tick", key=f"tick-{i:03d}", due_at=clock.now(), group_id="g1",
                          project_id=f"p{i % 3}")

    def finished():
        with Session() as session:
            return session.scalar(select(func.count()).select_from(ScheduledJob)
                                  .where(ScheduledJob.status == "done")) == 200

    try:
        wait_for(finished, timeout=60, message="200 jobs done")
        with Session() as session:
            runs = session.execute(select(Run.key, Run.runner)).all()
            statuses = dict(session.execute(select(ScheduledJob.status, func.count())
                                            .group_by(ScheduledJob.status)).all())
    finally:
        for container in containers:
            container.stop()
        engine.dispose()
    keys = [key for key, _ in runs]
    assert len(runs) == 200 and len(set(keys)) == 200          # each ran, none twice
    runners = {runner for _, runner in runs}
    assert len(runners) == 2                                    # both containers took part
    assert statuses == {"done": 200}


# -- periodic kinds: one row, one run per period, across replicas -------------------------

class Period(Base):
    """Every run of a periodic job appends its period (the row's due time when claimed) and
    who ran it -- no unique constraint, so a period run twice shows as a duplicate."""

    __tablename__ = "periods"
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(80))
    period: Mapped[str] = mapped_column(String(40))
    runner: Mapped[str] = mapped_column(String(100))


def record_period(work: Work, job: Job) -> None:
    assert job.every is not None and job.key == "every" and job.group_id is None
    work.session.add(Period(kind=job.kind, period=job.due_at.isoformat(), runner=job.claim))
    work.session.flush()
    if FAILURES.get(job.kind):
        raise FAILURES[job.kind].pop(0)


def periodic(Session, clock, every=15.0, **kw):
    return executor(Session, clock, handlers={"sweep": record_period}, every={"sweep": every}, **kw)


def periods(Session) -> list[tuple[str, str]]:
    with Session() as session:
        return [(p, r) for p, r in session.execute(select(Period.period, Period.runner).order_by(Period.seq))]


def sweep_rows(Session):
    with Session() as session:
        return session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "sweep")).all()


def test_a_periodic_kind_is_one_row_that_runs_once_per_interval(Session, clock):
    runner = periodic(Session, clock)
    start = clock.now()
    assert runner.run_once() == 1                         # ensured at the first claim, due at once
    [row] = sweep_rows(Session)
    assert (row.key, row.status, row.attempts, row.next_attempt_at, row.due_at, row.finished_at,
            row.leased_by, row.lease_until) == (
        "every", "pending", 0, start + timedelta(seconds=15), start + timedelta(seconds=15), start,
        runner.name, None)                                # who ran the last period
    assert runner.run_once() == 0                         # the next period is not due yet
    clock.advance(seconds=14)
    assert runner.run_once() == 0
    clock.advance(seconds=1)
    assert runner.run_once() == 1
    # a replica starting later finds the row: still one, its schedule kept
    other = periodic(Session, clock)
    assert other.run_once() == 0 and len(sweep_rows(Session)) == 1
    assert [p for p, _ in periods(Session)] == [start.isoformat(),
                                                (start + timedelta(seconds=15)).isoformat()]
    # a long pause runs one period, not the missed ones
    clock.advance(hours=1)
    assert runner.run_once() + other.run_once() == 1
    assert len(periods(Session)) == 3
    assert sweep_rows(Session)[0].next_attempt_at == clock.now() + timedelta(seconds=15)


def test_a_failing_periodic_job_backs_off_and_is_never_given_up(Session, clock):
    FAILURES["sweep"] = [RuntimeError(f"database away #{i}") for i in range(1, 8)]
    runner = periodic(Session, clock)
    for attempt in range(1, 8):                          # more failures than DEFAULT_MAX_ATTEMPTS
        assert runner.run_once() == 0
        [row] = sweep_rows(Session)
        delay = timedelta(seconds=min(3600, 30 * 2 ** (attempt - 1)))
        assert (row.status, row.attempts, row.next_attempt_at, row.last_error) == (
            "pending", attempt, clock.now() + delay, f"RuntimeError: database away #{attempt}")
        assert periods(Session) == []                    # the failed run's writes rolled back
        clock.advance(delay)
    assert runner.run_once() == 1                        # the cause is gone: runs, counts reset
    [row] = sweep_rows(Session)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (
        "pending", 0, None, clock.now() + timedelta(seconds=15))


def test_starting_a_runner_revives_a_stopped_periodic_row_and_applies_a_shorter_interval(Session, clock):
    slow = periodic(Session, clock, every=3600)
    assert slow.run_once() == 1
    assert sweep_rows(Session)[0].next_attempt_at == clock.now() + timedelta(hours=1)
    fast = periodic(Session, clock, every=10)            # the interval was lowered (JOBS_EVERY_SWEEP)
    assert fast.run_once() == 0
    assert sweep_rows(Session)[0].next_attempt_at == clock.now() + timedelta(seconds=10)
    with Session() as session, session.begin():
        session.execute(ScheduledJob.__table__.update().values(status="cancelled"))
    assert periodic(Session, clock, every=10).run_once() == 1    # a new process: pending again, due now
    assert len(sweep_rows(Session)) == 1


def test_two_replicas_never_run_the_same_period_twice(Session, clock):
    """Two executors on one database and one clock, claiming side by side (interleaved, and
    concurrently as green threads -- on PostgreSQL with real row locks): every period runs
    exactly once, and both replicas run some."""
    a, b = periodic(Session, clock, every=15), periodic(Session, clock, every=15)
    for n in range(24):
        first, second = (a, b) if n % 2 else (b, a)
        if n % 3 == 2:
            runs = [eventlet.spawn(first.run_once), eventlet.spawn(second.run_once)]
            done = sum(r.wait() for r in runs)
        else:
            done = first.run_once() + second.run_once()
        assert done == 1, f"period {n}: {done} runs"
        clock.advance(seconds=15)
    seen = periods(Session)
    assert len(seen) == 24 and len({p for p, _ in seen}) == 24
    assert {r for _, r in seen} == {a.name, b.name}
    assert len(sweep_rows(Session)) == 1


def test_a_periodic_interval_is_set_by_config_and_checked():
    from kernel.jobs import every_setting, intervals

    assert every_setting("sla-sweep") == "JOBS_EVERY_SLA_SWEEP"
    assert intervals({"sla-sweep": 15.0}, {}) == {"sla-sweep": 15.0}
    assert intervals({"sla-sweep": 15.0}, {"JOBS_EVERY_SLA_SWEEP": ""}) == {"sla-sweep": 15.0}
    assert intervals({"sla-sweep": 15.0}, {"JOBS_EVERY_SLA_SWEEP": "2.5"}) == {"sla-sweep": 2.5}
    with pytest.raises(ValueError, match="JOBS_EVERY_SLA_SWEEP"):
        intervals({"sla-sweep": 15.0}, {"JOBS_EVERY_SLA_SWEEP": "0"})
    with pytest.raises(ValueError, match="without a handler"):
        JobRunner(CONTRACT, {}, every={"sla-sweep": 15.0})


class Sweeper:
    name = "sweeper"
    db = Database(Base)
    work = UnitOfWork(CONTRACT)
    jobs = JobRunner(CONTRACT, {"sweep": record_period}, every={"sweep": 3600})


@pytest.mark.postgres
def test_two_running_containers_run_each_period_once(container_factory, rabbit_config, pg_url):
    """Two containers of one service on one PostgreSQL database and the system clock, the
    interval cut to 0.1 s by ``JOBS_EVERY_SWEEP``: many periods, none run twice."""
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    config = {"AMQP_URI": rabbit_config["AMQP_URI"], "DB_URL": pg_url, "WUYE_SECRET": TEST_SECRET,
              "JOBS_POLL_INTERVAL": 0.02, "JOBS_EVERY_SWEEP": "0.1", "JOBS_LEASE_SECONDS": 30}
    containers = [container_factory(Sweeper, config) for _ in range(2)]
    for container in containers:
        container.start()
    try:
        wait_for(lambda: len(periods(Session)) >= 20, timeout=30, message="20 periods run")
    finally:
        for container in containers:
            container.stop()
    seen = periods(Session)
    rows = sweep_rows(Session)
    engine.dispose()
    assert len(seen) == len({p for p, _ in seen}), "a period ran twice"
    assert len(rows) == 1 and rows[0].status == "pending"
    assert len({r for _, r in seen}) == 2               # both containers took periods


# -- chained work wakes the runner; a failed job tried again -----------------------------------------

def chain(work: Work, job: Job) -> None:
    """Writes its effect and schedules the next link, due now (the bill run's chunks do this)."""
    write_effect(work, job)
    n = int(job.key.split("-")[1])
    if n < 3:
        work.jobs.schedule("chain", key=f"link-{n + 1}", due_at=work.clock.now(), group_id="g1")


def test_a_job_scheduling_due_work_wakes_its_runner_instead_of_waiting_a_poll(Session, clock):
    runner = executor(Session, clock, handlers={"chain": chain}, poll_interval=3600.0)  # else an hour a link
    schedule(Session, clock, "link-1", kind="chain")
    thread = eventlet.spawn(runner.run)
    try:
        assert wait_for(lambda: effects(Session) == ["link-1", "link-2", "link-3"] and effects(Session),
                        timeout=10, message="three links run one after the other")
    finally:
        runner.stop()
        thread.wait()


def test_retry_makes_a_failed_job_pending_and_due_now(Session, clock):
    runner = executor(Session, clock)
    FAILURES["k"] = [RuntimeError("no")]
    schedule(Session, clock, "k", max_attempts=1)
    assert runner.run_once() == 0 and job_row(Session, "k").status == "failed"
    with Session() as session, session.begin():
        jobs = Work.build(session, clock, Caller.system("g1"), base=Base, contract=CONTRACT, secret=TEST_SECRET).jobs
        assert jobs.retry("effect", "k") is True and session.info[JOBS_DUE] is True
        assert jobs.retry("effect", "k") is False                    # pending now, not failed
    row = job_row(Session, "k")
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, clock.now())
    assert runner.run_once() == 1 and effects(Session) == ["k"]


class WorkerContext:
    """Stands in for nameko's worker context (a key of the database's sessions)."""


def test_a_workers_commit_that_scheduled_due_work_wakes_the_runner(Session, clock):
    """``Database.finish`` wakes what ``wake_after_commit`` registered (the JobRunner registers its
    executor) after a commit whose session set the flag -- not after one that did not, nor a rollback."""
    database = Database(Base)
    database.Session, woken = Session, []
    database.wake_after_commit(JOBS_DUE, lambda: woken.append(1))
    for key, flag, error in (("w1", False, None), ("w2", True, None),
                             ("w3", True, (RuntimeError, RuntimeError("x"), None))):
        ctx = WorkerContext()
        session = database.get_dependency(ctx)
        session.add(Effect(key=key, runner="worker"))
        if flag:
            session.info[JOBS_DUE] = True
        database.finish(ctx, error)
    assert woken == [1] and effects(Session) == ["w1", "w2"]



# -- the service's file store in job handlers (work.storage) ----------------------------------------

def store_file(work: Work, job: Job) -> None:
    """A handler that writes through the service's store (archive's deletes erased documents so)."""
    work.storage.put(make_key("filer", "g1", "p1", job.key), f"written by {job.kind}".encode(), "text/plain")


def test_a_job_handler_gets_the_executors_store_as_work_storage(Session, clock, tmp_path):
    store = LocalStorage(tmp_path / "files")
    schedule(Session, clock, "f1", kind="file")
    assert executor(Session, clock, handlers={"file": store_file}, storage=store).run_once() == 1
    assert store.get(make_key("filer", "g1", "p1", "f1")) == b"written by file"
    seen = []                                    # a runner given no store: None, as before
    schedule(Session, clock, "f2", kind="seen")
    executor(Session, clock, handlers={"seen": lambda work, job: seen.append(work.storage)}).run_once()
    assert seen == [None]


class Filer:
    """A service with a store: its job runner and its RPC workers both get it as ``work.storage``."""
    name = "filer"
    db = Database(Base)
    storage = StorageProvider("filer")
    work = UnitOfWork(CONTRACT)
    jobs = JobRunner(CONTRACT, {"file": store_file})

    @rpc
    def store_description(self):
        return self.work().storage.describe()


def test_a_running_container_gives_its_store_to_job_handlers_and_workers(container_factory, rabbit_config, rpc,
                                                                          tmp_path):
    url = f"sqlite:///{tmp_path / 'filer.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    files = tmp_path / "filer-files"
    container = container_factory(Filer, service_config(rabbit_config["AMQP_URI"], url, STORAGE_DIR=str(files),
                                                        JOBS_POLL_INTERVAL=0.05))
    container.start()
    try:
        assert rpc.call(staff("g1", ["p1"]), "filer", "store_description") == f"local directory {files.resolve()}"
        schedule(Session, SystemClock(), "from-the-container", kind="file")
        store = LocalStorage(files)
        wait_for(lambda: store.exists(make_key("filer", "g1", "p1", "from-the-container")), timeout=20,
                 message="the job wrote through the container's store")
        assert job_row(Session, "from-the-container", kind="file").status == "done"
    finally:
        container.stop()
        engine.dispose()
