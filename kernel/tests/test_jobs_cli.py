"""``./wuye jobs``: listing a service's jobs and requeueing a failed one, on a migrated database."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.jobs import JobExecutor
from kernel.jobs_cli import main
from kernel.lease import Backoff
from kernel.testing import TEST_SECRET, migrated_sqlite
from kernel.tenancy import Caller
from kernel.work import Work
from services.tickets.events import CONTRACT
from services.tickets.models import Base, ScheduledJob

NOW = "2026-11-24T09:00:00+00:00"


def boom(work, job):
    raise RuntimeError("the provider said no")


@pytest.fixture
def tickets_db(tmp_path, monkeypatch):
    url = migrated_sqlite(tmp_path, "tickets")
    monkeypatch.setenv("TICKETS_DB_URL", url)
    monkeypatch.setenv("NOTIFY_DB_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    monkeypatch.setenv("WUYE_CLOCK", f"manual:{NOW}")
    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    clock = ManualClock(NOW)
    with Session() as session, session.begin():
        jobs = Work.build(session, clock, Caller.system("g1"), base=Base, contract=CONTRACT,
                          secret=TEST_SECRET).jobs
        jobs.schedule("sla-alert", key="t1:on_site", due_at=clock.now() - timedelta(minutes=7),
                      group_id="g1", project_id="p1")
        jobs.schedule("sla-alert", key="t2:on_site", due_at=clock.now() + timedelta(hours=1),
                      group_id="g1", project_id="p2")
        jobs.schedule("bill-run", key="2026-11:p1", due_at=clock.now() - timedelta(minutes=1),
                      group_id="g1", project_id="p1", max_attempts=1)
    JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, {"bill-run": boom}, backoff=Backoff()).run_once()
    yield url, Session
    engine.dispose()


def test_list_shows_counts_due_and_failed_with_errors(tickets_db, capsys):
    assert main(["tickets"]) == 0
    out = capsys.readouterr().out
    assert "== tickets" in out
    lines = out.splitlines()
    [sla] = [line for line in lines if line.strip().startswith("sla-alert")]
    assert sla.split()[1:] == ["2", "0", "0", "0", "0"]
    [bill] = [line for line in lines if line.strip().startswith("bill-run")]
    assert bill.split()[1:] == ["0", "0", "0", "1", "0"]
    assert "due now (1):" in out and "t1:on_site" in out and "overdue 7m" in out
    assert "t2:on_site" not in out                              # not due yet
    assert "failed (1):" in out and "RuntimeError: the provider said no" in out

    assert main(["list", "tickets", "--project", "p2", "--status", "pending"]) == 0
    out = capsys.readouterr().out
    assert "t2:on_site" in out and "t1:on_site" not in out and "bill-run" not in out

    assert main([]) == 0                                        # every service
    out = capsys.readouterr().out
    assert "== notify\n   (no database yet)" in out and "== tickets" in out


def test_retry_requeues_a_failed_job(tickets_db, capsys):
    url, Session = tickets_db
    with Session() as session:
        failed = session.query(ScheduledJob).filter_by(status="failed").one()
    assert main(["retry", "tickets", "--id", "nope"]) == 1
    assert "no failed job nope" in capsys.readouterr().err
    assert main(["retry", "tickets", "--id", failed.id]) == 0
    with Session() as session:
        row = session.get(ScheduledJob, failed.id)
        assert (row.status, row.attempts, row.finished_at) == ("pending", 0, None)
        assert row.last_error == "RuntimeError: the provider said no"      # kept for the record
    assert main(["retry", "tickets", "--id", failed.id]) == 1                # only failed ones


def test_the_console_script_runs(tickets_db):
    env = dict(os.environ)
    result = subprocess.run([os.path.join(os.path.dirname(sys.executable), "wuye-jobs"), "tickets",
                             "--status", "failed"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "2026-11:p1" in result.stdout and "the provider said no" in result.stdout


def test_list_shows_the_periodic_kinds_and_a_failing_one(tickets_db, capsys):
    url, Session = tickets_db
    clock = ManualClock(NOW)
    sweeper = JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, {"sla-sweep": lambda work, job: None},
                          every={"sla-sweep": 15.0}, name="tickets-1")
    assert sweeper.run_once() == 1
    failing = JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, {"night-report": boom},
                          every={"night-report": 3600.0}, backoff=Backoff(base=30))
    assert failing.run_once() == 0
    assert main(["tickets"]) == 0
    out = capsys.readouterr().out
    [sweep] = [line for line in out.splitlines() if line.strip().startswith("sla-sweep  every")]
    assert "every 15 s  pending  next=2026-11-24 09:00:15  last=2026-11-24 09:00:00 by tickets-1" in sweep
    [report] = [line for line in out.splitlines() if line.strip().startswith("night-report  every")]
    assert "FAILING: 1 in a row, RuntimeError: the provider said no" in report
