"""What the SLA sweep costs (tickets' ``domain/alerts.py``): one sweep over a PostgreSQL database
with 100,000 open deadlines of which a few hundred are due, finding the due ones through the
partial index ``ix_deadline_next_alert`` (``next_alert_at <= now ORDER BY next_alert_at LIMIT``),
against the baseline of loading every open deadline and filtering in Python (what a sweep
without the ``next_alert_at`` column and its index would do) -- measured in the same run,
interleaved, each run in a transaction that is rolled back (every run sees the same rows).

Both sides then tell the same alerts through the same code (``alerts.alert``: lock the tickets,
conditional row updates, the events, one ``ticket.changed`` per ticket), so two ratios are
printed: finding the due clocks alone, and the whole sweep; plus the usual sweep, with nothing
due. The plan of the indexed query (``EXPLAIN ANALYZE``) is printed too."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET
from kernel.work import Work

from .stats import summary

DEADLINES = 100_000
DUE = 300
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)

FILL_TICKETS = """
INSERT INTO tickets (id, group_id, project_id, number, kind, category, channel, status, location, content,
                     reporter_name, received_at, recorded_at, recorded_by, updated_at, version)
SELECT 't' || i, 'g1', 'p' || (i % 4), 'BX-' || lpad(i::text, 8, '0'), 'repair', 'public_area', 'portal',
       'dispatched', '1栋3楼楼道', '楼道灯不亮', '张伟', :now - interval '1 hour', :now - interval '1 hour',
       'r1', :now - interval '1 hour', 1
FROM generate_series(1, :tickets) AS i
"""
# two clocks per ticket (on_site, resolve), all running; the first ``due`` are due: the odd ones
# for their warning (due time still ahead), the even ones for their breach (warned already);
# the rest come due over the next month, a minute apart
FILL_DEADLINES = """
INSERT INTO ticket_deadlines (id, ticket_id, group_id, project_id, kind, due_at, started_at, responsible_role,
                              warn_at, warned_at, next_alert_at)
SELECT 'd' || i, 't' || ((i + 1) / 2), 'g1', 'p' || (((i + 1) / 2) % 4),
       CASE WHEN i % 2 = 1 THEN 'on_site' ELSE 'resolve' END,
       CASE WHEN i > :due THEN :now + (1 + i % 43000) * interval '1 minute' + interval '5 minutes'
            WHEN i % 2 = 1 THEN :now + interval '10 minutes'
            ELSE :now - i * interval '1 second' END,
       :now - interval '1 hour', 'engineering',
       CASE WHEN i > :due THEN :now + (1 + i % 43000) * interval '1 minute'
            WHEN i % 2 = 1 THEN :now - i * interval '1 second'
            ELSE :now - interval '30 minutes' END,
       CASE WHEN i <= :due AND i % 2 = 0 THEN :now - interval '30 minutes' END,
       CASE WHEN i > :due THEN :now + (1 + i % 43000) * interval '1 minute'
            ELSE :now - i * interval '1 second' END
FROM generate_series(1, :deadlines) AS i
"""


def fill(url: str, deadlines: int, due: int) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            params = {"now": NOW, "tickets": (deadlines + 1) // 2, "deadlines": deadlines, "due": due}
            conn.execute(text(FILL_TICKETS), params)
            conn.execute(text(FILL_DEADLINES), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE tickets"))
            conn.execute(text("VACUUM ANALYZE ticket_deadlines"))
    finally:
        engine.dispose()


def _work(session, now: datetime = NOW):
    from services.tickets.domain import sla
    from services.tickets.events import CONTRACT
    from services.tickets.models import Base

    return Work.build(session, ManualClock(now), Caller.system(None, "tickets"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=sla.SETTINGS)


def baseline_due(work, now: datetime):
    """Every open deadline loaded, filtered in Python by the alert rule (warning time or due
    time reached, not yet told)."""
    from services.tickets.domain.alerts import Due
    from services.tickets.models import TicketDeadline as D

    rows = work.session.execute(select(D.id, D.ticket_id, D.next_alert_at, D.due_at, D.warn_at, D.warned_at,
                                       D.breached_at).where(D.met_at.is_(None), D.cancelled_at.is_(None))).all()
    due = [r for r in rows if r.breached_at is None and (
        r.due_at <= now or (r.warned_at is None and r.warn_at is not None and r.warn_at <= now))]
    due.sort(key=lambda r: r.next_alert_at)
    return [Due(r.id, r.ticket_id, r.next_alert_at) for r in due], len(rows)


def _indexed_find(session):
    from services.tickets.domain import alerts

    work = _work(session)
    started = time.perf_counter()
    rows, found = [], None
    while found is None or len(found) == alerts.BATCH:
        found = alerts.due(work, NOW, alerts.BATCH, exclude={r.id for r in rows})
        rows += found
    return time.perf_counter() - started, len(rows)


def _baseline_find(session):
    started = time.perf_counter()
    rows, loaded = baseline_due(_work(session), NOW)
    return time.perf_counter() - started, len(rows), loaded


def _indexed_sweep(session, now: datetime = NOW):
    from services.tickets.domain import alerts

    started = time.perf_counter()
    result = alerts.sweep(_work(session, now))
    session.flush()
    return time.perf_counter() - started, result


def _baseline_sweep(session, now: datetime = NOW):
    from services.tickets.domain import alerts

    started = time.perf_counter()
    work = _work(session, now)
    rows, _ = baseline_due(work, now)
    result = alerts.alert(work, rows, now) if rows else alerts.SweepResult()
    session.flush()
    return time.perf_counter() - started, result


#: a sweep with nothing due (most of them: every 15 s, alerts come now and then)
IDLE = NOW - timedelta(days=1)


def _plan(session) -> list[str]:
    from services.tickets.domain import alerts

    query = alerts.due_query(NOW, alerts.BATCH, postgres=True).compile(
        session.get_bind(), compile_kwargs={"literal_binds": True})
    return list(session.execute(text(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {query}")).scalars())


def run(pg_url: str, deadlines: int = DEADLINES, due: int = DUE, repeats: int = 3) -> dict:
    """Fill ``pg_url`` (a fresh database) and measure; the figure's result dict."""
    upgrade(migrations_dir("tickets"), pg_url)
    t0 = time.perf_counter()
    fill(pg_url, deadlines, due)
    filled = time.perf_counter() - t0
    engine = make_engine(pg_url)
    Session = sessionmaker(engine, expire_on_commit=False)

    def once(fn):
        with Session() as session:
            try:
                return fn(session)
            finally:
                session.rollback()          # every run sees the same rows

    try:
        with Session() as session:
            plan = _plan(session)
            session.rollback()
        # warm both paths once (caches, the planner), then interleave A B, B A, ...
        once(_indexed_sweep), once(_baseline_sweep)
        find_idx, find_base, sweep_idx, sweep_base, idle_idx, idle_base = [], [], [], [], [], []
        told = loaded = None
        for n in range(repeats):
            order = (0, 1) if n % 2 == 0 else (1, 0)
            for side in order:
                if side == 0:
                    seconds, found = once(_indexed_find)
                    find_idx.append((seconds, found))
                    seconds, result = once(_indexed_sweep)
                    sweep_idx.append((seconds, result.alerts))
                    told = (result.warnings, result.breaches, result.tickets, result.batches)
                    seconds, result = once(lambda session: _indexed_sweep(session, IDLE))
                    idle_idx.append((seconds, result.alerts))
                else:
                    seconds, found, loaded = once(_baseline_find)
                    find_base.append((seconds, found))
                    seconds, result = once(_baseline_sweep)
                    sweep_base.append((seconds, result.alerts))
                    seconds, result = once(lambda session: _baseline_sweep(session, IDLE))
                    idle_base.append((seconds, result.alerts))
    finally:
        engine.dispose()
    counts = {c for _, c in find_idx + find_base + sweep_idx + sweep_base}
    fi, fb = summary(s for s, _ in find_idx), summary(s for s, _ in find_base)
    si, sb = summary(s for s, _ in sweep_idx), summary(s for s, _ in sweep_base)
    ii, ib = summary(s for s, _ in idle_idx), summary(s for s, _ in idle_base)
    assert {c for _, c in idle_idx + idle_base} == {0}
    find_ratio, sweep_ratio = fb["median"] / fi["median"], sb["median"] / si["median"]
    idle_ratio = ib["median"] / ii["median"]
    uses_index = any("ix_deadline_next_alert" in line for line in plan)

    def ms(x):
        return f"{x * 1000:9.1f} ms"

    def row(label, stats):
        return f"  {label:56} {ms(stats['min'])} {ms(stats['median'])}"

    lines = [
        f"{deadlines:,} open deadlines on PostgreSQL ({(deadlines + 1) // 2:,} tickets), {due} due now "
        f"(filled in {filled:.1f} s); {repeats} repeats, interleaved, each in a rolled-back transaction",
        f"  {'':56} {'min':>12} {'median':>12}",
        "  find the due clocks",
        row("  through ix_deadline_next_alert (LIMIT 200 per batch)", fi),
        row(f"  load all {loaded:,} open deadlines, filter in Python", fb),
        f"    ratio (median) {find_ratio:.1f}x faster through the index",
        f"  the whole sweep: find + tell {told[0]} warnings, {told[1]} breaches on {told[2]} tickets "
        f"({told[3]} batches; events, history, ticket.changed)",
        row("  indexed sweep (alerts.sweep)", si),
        row("  load-everything baseline + the same alerts", sb),
        f"    ratio (median) {sweep_ratio:.1f}x faster; every run found and told the same {sorted(counts)} clocks",
        "  a sweep with nothing due (the usual one, every 15 s)",
        row("  indexed sweep", ii),
        row("  load-everything baseline", ib),
        f"    ratio (median) {idle_ratio:.0f}x faster",
        f"  plan of the sweep's query (EXPLAIN ANALYZE): uses ix_deadline_next_alert: "
        f"{'yes' if uses_index else 'NO'}",
        *(f"    {line}" for line in plan),
    ]
    return {"name": "sla_sweep", "title": "SLA sweep over 100,000 open deadlines (PostgreSQL)", "lines": lines,
            "summary": f"finding {due} due of {deadlines:,} open deadlines: {ms(fi['median']).strip()} via "
                       f"ix_deadline_next_alert vs {ms(fb['median']).strip()} loading all ({find_ratio:.0f}x); "
                       f"whole sweep {ms(si['median']).strip()} vs {ms(sb['median']).strip()} ({sweep_ratio:.1f}x); "
                       f"a sweep with nothing due {ms(ii['median']).strip()} vs {ms(ib['median']).strip()} "
                       f"({idle_ratio:.0f}x)",
            "data": {"deadlines": deadlines, "due": due, "find_indexed": fi, "find_baseline": fb,
                     "sweep_indexed": si, "sweep_baseline": sb, "find_ratio": find_ratio,
                     "sweep_ratio": sweep_ratio, "idle_indexed": ii, "idle_baseline": ib, "idle_ratio": idle_ratio,
                     "told": told, "counts": sorted(counts),
                     "plan_uses_index": uses_index, "plan": plan}}
