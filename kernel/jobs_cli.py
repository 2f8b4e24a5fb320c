"""``wuye-jobs`` (``./wuye jobs``): what the services' scheduled jobs are doing.

    wuye-jobs [list] [SERVICE] [--project P] [--status S]
        per service: counts by kind and status, the jobs due now (and how
        overdue), the failed ones with their errors, the periodic kinds (interval,
        next and last run, who ran it, failures in a row); with --status the jobs
        in that state
    wuye-jobs retry SERVICE --id ID
        put a failed job back to pending (attempts start again), due now

``{SERVICE}_DB_URL`` comes from the environment (default ``var/{service}.db``),
"now" from ``WUYE_CLOCK`` (default the system clock).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, update
from sqlalchemy.engine import make_url

from .clock import clock_from_setting
from .config import default_db_url
from .db import new_base
from .jobs import PERIODIC_KEY, STATUSES
from .messaging.models import job_table

SERVICES = ("tickets", "billing", "notify", "archive")
Job = job_table(new_base())
LIST_LIMIT = 50


def _engine(url: str):
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or not Path(parsed.database).exists():
            return None
    elif parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    return create_engine(url)


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def _ago(delta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h"


def report(service: str, url: str, now, *, project: str | None = None, status: str | None = None,
           out=None) -> None:
    out = out or sys.stdout
    print(f"== {service}", file=out)
    engine = _engine(url)
    if engine is None:
        print("   (no database yet)", file=out)
        return
    try:
        if not inspect(engine).has_table("jobs"):
            print("   (not migrated: no jobs table)", file=out)
            return
        scope = [Job.project_id == project] if project else []
        with engine.connect() as conn:
            counts = conn.execute(select(Job.kind, Job.status, func.count()).where(*scope)
                                  .group_by(Job.kind, Job.status)).all()
            if not counts:
                print("   no jobs", file=out)
                return
            table = defaultdict(dict)
            for kind, state, n in counts:
                table[kind][state] = n
            width = max(len(k) for k in table) + 2
            print("   " + "kind".ljust(width) + "".join(s.rjust(11) for s in STATUSES), file=out)
            for kind in sorted(table):
                print("   " + kind.ljust(width) + "".join(str(table[kind].get(s, 0)).rjust(11)
                                                       for s in STATUSES), file=out)
            if status:
                rows = conn.execute(select(Job).where(*scope, Job.status == status)
                                    .order_by(Job.next_attempt_at).limit(LIST_LIMIT)).all()
                print(f"   {status} ({len(rows)}{'+' if len(rows) == LIST_LIMIT else ''}):", file=out)
                for row in rows:
                    print(f"     {row.id}  {row.kind}  {row.key}  project={row.project_id or '-'}  "
                          f"due={_when(row.due_at)}  attempts={row.attempts}/{row.max_attempts}"
                          + (f"  error={row.last_error}" if row.last_error else ""), file=out)
                return
            due = conn.execute(select(Job).where(*scope, Job.status.in_(("pending", "running")),
                                                 Job.next_attempt_at <= now)
                               .order_by(Job.next_attempt_at).limit(LIST_LIMIT)).all()
            if due:
                print(f"   due now ({len(due)}{'+' if len(due) == LIST_LIMIT else ''}):", file=out)
                for row in due:
                    late = now - row.next_attempt_at
                    print(f"     {row.id}  {row.kind}  {row.key}  project={row.project_id or '-'}  "
                          f"{row.status}  due={_when(row.next_attempt_at)}  overdue {_ago(late)}"
                          + (f"  leased by {row.leased_by} until {_when(row.lease_until)}"
                             if row.lease_until and row.lease_until > now else ""), file=out)
            periodic = [] if project else conn.execute(
                select(Job).where(Job.key == PERIODIC_KEY).order_by(Job.kind)).all()
            if periodic:
                print("   periodic:", file=out)
                for row in periodic:
                    every = json.loads(row.payload or "{}").get("every")
                    print(f"     {row.kind}  every {every:g} s  {row.status}  next={_when(row.next_attempt_at)}  "
                          f"last={_when(row.finished_at)} by {row.leased_by or '-'}"
                          + (f"  FAILING: {row.attempts} in a row, {row.last_error}"
                             if row.attempts and row.last_error else ""), file=out)
            failed = conn.execute(select(Job).where(*scope, Job.status == "failed")
                                  .order_by(Job.finished_at.desc()).limit(LIST_LIMIT)).all()
            if failed:
                print(f"   failed ({len(failed)}{'+' if len(failed) == LIST_LIMIT else ''}):", file=out)
                for row in failed:
                    print(f"     {row.id}  {row.kind}  {row.key}  project={row.project_id or '-'}  "
                          f"attempts={row.attempts}  at={_when(row.finished_at)}  error={row.last_error}",
                          file=out)
    finally:
        engine.dispose()


def retry(url: str, job_id: str, now) -> bool:
    """Make a failed job pending again, due now; False if there is no failed job ``job_id``."""
    engine = _engine(url)
    if engine is None:
        return False
    try:
        with engine.begin() as conn:
            result = conn.execute(update(Job).where(Job.id == job_id, Job.status == "failed").values(
                status="pending", attempts=0, next_attempt_at=now, lease_until=None, leased_by=None,
                finished_at=None, updated_at=now))
            return result.rowcount == 1
    finally:
        engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wuye-jobs", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("words", nargs="*", metavar="[list|retry] [SERVICE]")
    parser.add_argument("--project", help="only this project's jobs")
    parser.add_argument("--status", choices=STATUSES, help="list the jobs in this state")
    parser.add_argument("--id", help="retry: the failed job's id")
    args = parser.parse_args(argv)

    words = list(args.words)
    command = words.pop(0) if words and words[0] in ("list", "retry") else "list"
    if len(words) > 1 or (words and words[0] not in SERVICES):
        parser.error(f"expected one service of {', '.join(SERVICES)}")
    service = words[0] if words else None
    now = clock_from_setting(os.environ.get("WUYE_CLOCK")).now()

    if command == "retry":
        if not service or not args.id:
            parser.error("retry needs SERVICE and --id ID")
        if not retry(default_db_url(service), args.id, now):
            print(f"wuye-jobs: {service} has no failed job {args.id}", file=sys.stderr)
            return 1
        print(f"job {args.id} is pending again")
        return 0
    for name in ([service] if service else SERVICES):
        report(name, default_db_url(name), now, project=args.project, status=args.status)
    return 0


if __name__ == "__main__":
    sys.exit(main())
