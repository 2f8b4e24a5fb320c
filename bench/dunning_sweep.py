"""What the dunning ladder's daily sweep costs (billing's ``domain/dunning.py``): one day of a project of
100,000 fee accounts on PostgreSQL, 10 % of them in arrears at various stages, swept set-based
(``dunning.sweep``: a grouped query for what is overdue, one for the open cases, bulk inserts, one
``UPDATE`` per 1,000 cases) against the row-by-row baseline (``dunning.sweep_rows``: per account its
overdue bills, its open case, the ORM's flush per case) -- the same day on the same rows, in one run,
interleaved A B, B A, ..., each run in a transaction that is rolled back (every run sees the same
rows). Both must give the same day: the same notices (count and stage per account), the same cases
(stage, overdue, late fee accrued per account), the same ``dunning.notice_due`` outbox rows.

The project (every account has a bill for January, February and March 2027, due the 15th, paid by
90 %), swept on **16 March 2027** -- the day the month's arrears open (the sweep's busiest day):

=====================  =====================================================  ===============================
share of the accounts  what is overdue / the case before the day              what the day does
=====================  =====================================================  ===============================
4 %                    March's bill, no case yet                              opens a case, 1st notice
1 %                    February's and March's, case ``late`` since 9 March   a day's late fee
1 %                    the same, case at ``second`` last swept 28 February     ``late``, final notice (outage)
1 %                    January's to March's, case ``late`` since 8 February   a day's late fee
1 %                    February's and March's, case paused at ``second``      nothing
                       (a disputed bill)
1 %                    a one-off charge due 1 March and March's bill, case    2nd notice (its ladder from
                       at ``none`` since 2 March (days without a sweep)       1 March, off the due day:
                                                                              1st the 2nd, 2nd the 10th)
1 %                    January's to March's and a late-fee bill, ``late``     a day's late fee (not on the
                                                                              late-fee bill: no compounding)
0.1 %                  nothing (paid yesterday, the hook missed)              the case closes
=====================  =====================================================  ===============================

Only what the sweep reads is filled (accounts, bills, cases): no journal. The day is not a month's
last day (no late-fee bills are issued) and no companion hook is timed apart."""
from __future__ import annotations

import time
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET
from kernel.work import Work

from .bill_run import FILL_ACCOUNTS, SITE, StatementCounter
from .stats import summary

ACCOUNTS = 100_000
DAY = date(2027, 3, 16)
GROUP, PROJECT = "g-bench", "p-bench-dunning"
TARGET_RATIO = 10

# every account: January..March 2027 (due the 15th); open (unpaid) per the account's share (the
# module's table: arrears are i % 10 = 3, their kind k = i / 10 % 10; the accounts to close i % 1000 = 4)
FILL_BILLS = """
INSERT INTO bills (id, group_id, project_id, account_id, household_id, number, kind, period, issued_on, due_on,
                   total, allocated, settled_at, source_type, source_id, created_at, created_by)
SELECT md5(:p || '-b-' || m || '-' || i)::uuid::text, :g, :p, md5(:p || '-a-' || i)::uuid::text,
       CASE WHEN i % 20 = 19 THEN NULL ELSE md5(:p || '-h-' || i)::uuid::text END,
       'ZD' || m || lpad(i::text, 7, '0'), 'monthly', '2027-0' || m, make_date(2027, m, 1), make_date(2027, m, 15),
       100 + (i % 97) * 1.37,
       CASE WHEN is_open THEN 0 ELSE 100 + (i % 97) * 1.37 END,
       CASE WHEN is_open THEN NULL ELSE make_timestamptz(2027, m, 10, 2, 0, 0, 'UTC') END,
       'month', '2027-0' || m, :now, 'bench'
FROM generate_series(1, :n) AS i, generate_series(1, 3) AS m,
     LATERAL (SELECT i % 10 = 3 AND (m = 3 OR (m = 2 AND (i / 10) % 10 IN (4, 5, 6, 7, 9))
                                          OR (m = 1 AND (i / 10) % 10 IN (6, 9))) AS is_open) AS o
"""
# the one-off charge due 1 March (k = 8) and the late-fee bill of February's fee (k = 9), both open
FILL_OTHER_BILLS = """
INSERT INTO bills (id, group_id, project_id, account_id, household_id, number, kind, period, issued_on, due_on,
                   total, allocated, settled_at, source_type, source_id, created_at, created_by)
SELECT md5(:p || '-x-' || i)::uuid::text, :g, :p, md5(:p || '-a-' || i)::uuid::text,
       CASE WHEN i % 20 = 19 THEN NULL ELSE md5(:p || '-h-' || i)::uuid::text END,
       'ZX' || lpad(i::text, 7, '0'),
       CASE WHEN (i / 10) % 10 = 8 THEN 'one_off' ELSE 'late_fee' END, NULL,
       CASE WHEN (i / 10) % 10 = 8 THEN DATE '2027-02-20' ELSE DATE '2027-02-28' END,
       CASE WHEN (i / 10) % 10 = 8 THEN DATE '2027-03-01' ELSE DATE '2027-03-15' END,
       CASE WHEN (i / 10) % 10 = 8 THEN 268.11 ELSE 1.05 END, 0, NULL,
       CASE WHEN (i / 10) % 10 = 8 THEN 'garbage' ELSE 'late_fee' END, 'bench-' || i, :now, 'bench'
FROM generate_series(1, :n) AS i WHERE i % 10 = 3 AND (i / 10) % 10 IN (8, 9)
"""
# the open cases before the day: (k, stage, stage_on, anchor, opened_on, swept_on, paused, fee accrued,
# fee through, fee billed); the accounts to close (i % 1000 = 4) have one at ``none`` (a charge due 1 March,
# paid yesterday)
FILL_CASES = """
INSERT INTO dunning_cases (id, group_id, project_id, account_id, household_id, status, stage, stage_on,
                           anchor_due_on, opened_on, opened_at, overdue, oldest_due_on, paused, pause_reason,
                           swept_on, late_fee_accrued, late_fee_through, late_fee_billed, version)
SELECT md5(:p || '-c-' || i)::uuid::text, :g, :p, md5(:p || '-a-' || i)::uuid::text,
       CASE WHEN i % 20 = 19 THEN NULL ELSE md5(:p || '-h-' || i)::uuid::text END, 'open',
       c.stage, c.stage_on, c.anchor, c.opened_on, :now, 100 + (i % 97) * 1.37, c.anchor,
       CASE WHEN c.k = 7 THEN 'dispute' END, CASE WHEN c.k = 7 THEN '业主对3月账单有异议' END,
       c.swept_on, c.accrued, c.through, c.billed, 3
FROM generate_series(1, :n) AS i
JOIN (VALUES
    (4, 'late',   DATE '2027-03-09', DATE '2027-02-15', DATE '2027-02-16', DATE '2027-03-15', 0.3500, DATE '2027-03-15', 0.00),
    (5, 'second', DATE '2027-02-24', DATE '2027-02-15', DATE '2027-02-16', DATE '2027-02-28', 0.0000, DATE '2027-02-28', 0.00),
    (6, 'late',   DATE '2027-02-08', DATE '2027-01-15', DATE '2027-01-16', DATE '2027-03-15', 1.9800, DATE '2027-03-15', 0.00),
    (7, 'second', DATE '2027-02-24', DATE '2027-02-15', DATE '2027-02-16', DATE '2027-02-25', 0.0000, DATE '2027-02-26', 0.00),
    (8, 'none',   DATE '2027-03-02', DATE '2027-03-01', DATE '2027-03-02', DATE '2027-03-15', 0.0000, DATE '2027-03-15', 0.00),
    (9, 'late',   DATE '2027-02-08', DATE '2027-01-15', DATE '2027-01-16', DATE '2027-03-15', 2.1100, DATE '2027-03-15', 1.05),
    (-1, 'none',  DATE '2027-03-02', DATE '2027-03-01', DATE '2027-03-02', DATE '2027-03-15', 0.0000, DATE '2027-03-15', 0.00)
) AS c (k, stage, stage_on, anchor, opened_on, swept_on, accrued, through, billed)
  ON c.k = CASE WHEN i % 10 = 3 THEN (i / 10) % 10 WHEN i % 1000 = 4 THEN -1 END
"""

#: what a day left, compared between the two sides (inside the run's transaction, before its rollback)
OUTCOME = {
    "notices": "SELECT stage, count(*) FROM dunning_notices WHERE notice_on = :day GROUP BY stage ORDER BY stage",
    "open_cases": "SELECT stage, count(*) FROM dunning_cases WHERE status = 'open' GROUP BY stage ORDER BY stage",
    "closed": "SELECT count(*) FROM dunning_cases WHERE closed_on = :day",
    "outbox": "SELECT count(*) FROM outbox WHERE event_type = 'dunning.notice_due'",
    "log": "SELECT kind, count(*) FROM dunning_log WHERE done_on = :day GROUP BY kind ORDER BY kind",
    # the steward's tasks of the day (the classes' hook) and the accounts' published dunning states
    "tasks": "SELECT kind, count(*) FROM dunning_tasks WHERE due_on = :day GROUP BY kind ORDER BY kind",
    "states": "SELECT count(*) FROM outbox WHERE event_type = 'account.balance_changed'",
    # per account: the case's stage and figures, the notice's stage and amounts
    "cases_digest": "SELECT md5(string_agg(concat_ws(':', account_id, status, stage, stage_on, overdue, oldest_due_on,"
                    " late_fee_accrued, late_fee_through, swept_on, paused, close_reason), ',' ORDER BY account_id,"
                    " opened_on)) FROM dunning_cases",
    "notices_digest": "SELECT md5(string_agg(concat_ws(':', account_id, stage, notice_on, pay_by, overdue, late_fee),"
                      " ',' ORDER BY account_id, stage)) FROM dunning_notices",
}


def _work(session, clock) -> Work:
    from services.billing.domain.settings import SETTINGS
    from services.billing.events import CONTRACT
    from services.billing.models import Base

    return Work.build(session, clock, Caller.system(GROUP, "billing"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=SETTINGS)


def fill(url: str, accounts: int) -> float:
    """The project, its accounts, bills and open cases; seconds taken."""
    from services.billing.models import Project

    started = time.perf_counter()
    clock = ManualClock(datetime(2027, 3, 1, 9, 0, tzinfo=SITE))
    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    try:
        with Session() as session, session.begin():
            session.add(Project(id=PROJECT, group_id=GROUP, code="BD", name="基准花园 BD", timezone="Asia/Shanghai",
                                version=1, updated_at=clock.now()))
        with engine.begin() as conn:
            params = {"p": PROJECT, "g": GROUP, "n": accounts, "now": clock.now()}
            for sql in (FILL_ACCOUNTS, FILL_BILLS, FILL_OTHER_BILLS, FILL_CASES):
                conn.execute(text(sql), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


def one_day(Session, counter: StatementCounter, set_based: bool, accounts: int) -> dict:
    """One side's day, timed, its outcome read, rolled back."""
    from services.billing.domain import dunning
    from services.billing.models import Project

    clock = ManualClock(datetime.combine(DAY, dunning.RUN_AT, tzinfo=SITE))
    with Session() as session:
        try:
            before = counter.count
            started = time.perf_counter()
            work = _work(session, clock)
            project = session.get(Project, PROJECT)
            result = (dunning.sweep if set_based else dunning.sweep_rows)(work, project, DAY)
            session.flush()
            seconds = time.perf_counter() - started
            statements = counter.count - before
            outcome = {key: [tuple(row) for row in session.execute(text(sql), {"day": DAY})]
                       for key, sql in OUTCOME.items()}
        finally:
            session.rollback()          # every run sees the same rows
    return {"seconds": seconds, "statements": statements, "notices": result.notices,
            "opened": len(result.opened), "closed": len(result.closed), "moved": len(result.moved),
            "rate": accounts / seconds, "outcome": outcome}


def run(pg_url: str, accounts: int = ACCOUNTS, repeats: int = 3) -> dict:
    """Fill ``pg_url`` (a fresh database) and measure; the figure's result dict."""
    upgrade(migrations_dir("billing"), pg_url)
    filled = fill(pg_url, accounts)
    engine = make_engine(pg_url, pool_size=2)
    Session = sessionmaker(engine, expire_on_commit=False)
    counter = StatementCounter(engine)
    fast, slow = [], []
    try:
        for n in range(repeats):
            for side in ((0, 1) if n % 2 == 0 else (1, 0)):
                (fast if side == 0 else slow).append(one_day(Session, counter, side == 0, accounts))
    finally:
        engine.dispose()
    outcomes = [r["outcome"] for r in fast + slow]
    same = all(o == outcomes[0] for o in outcomes)
    assert same, f"the two sweeps differ: {[{k: v for k, v in o.items() if 'digest' not in k} for o in outcomes]}"
    assert {r["notices"] for r in fast + slow} == {sum(n for _, n in outcomes[0]["notices"])}
    rate, base = summary(r["rate"] for r in fast), summary(r["rate"] for r in slow)
    secs, base_secs = summary(r["seconds"] for r in fast), summary(r["seconds"] for r in slow)
    ratio = rate["median"] / base["median"]
    first = fast[0]
    out = outcomes[0]
    arrears = sum(1 for i in range(1, accounts + 1) if i % 10 == 3)

    def stages(rows):
        return ", ".join(f"{stage} {count:,}" for stage, count in rows)

    lines = [
        f"{accounts:,} fee accounts on PostgreSQL, {arrears:,} in arrears at various stages (filled in {filled:.1f} s); "
        f"the day {DAY}; {repeats} repeats, interleaved, each in a rolled-back transaction",
        f"  set-based (dunning.sweep):      " + ", ".join(f"{r['seconds']:.2f} s" for r in fast)
        + f" -- {first['statements']:,} statements",
        f"  row by row (dunning.sweep_rows): " + ", ".join(f"{r['seconds']:.2f} s" for r in slow)
        + f" -- {slow[0]['statements']:,} statements",
        f"  set-based {rate['median']:,.0f} accounts/s (min {rate['min']:,.0f}; the day {secs['median']:.2f} s) vs "
        f"row by row {base['median']:,.0f} accounts/s ({base_secs['median']:.1f} s): {ratio:.1f}x (target >= "
        f"{TARGET_RATIO}x)",
        f"  the same day on both sides, every run: {first['opened']:,} cases opened, {first['closed']:,} closed, "
        f"{first['moved']:,} moved; notices {stages(out['notices'])}; dunning.notice_due outbox rows "
        f"{out['outbox'][0][0]:,}; open cases after: {stages(out['open_cases'])}; cases and notices equal per "
        f"account (digests)",
    ]
    return {"name": "dunning_sweep", "title": f"Dunning ladder's daily sweep over {accounts:,} accounts (PostgreSQL)",
            "lines": lines,
            "summary": f"{rate['median']:,.0f} accounts/s set-based ({accounts:,} accounts, {arrears:,} in arrears, "
                       f"in {secs['median']:.2f} s) vs {base['median']:,.0f} accounts/s row by row: {ratio:.1f}x "
                       f"(target >= {TARGET_RATIO}x); the same {first['notices']:,} notices",
            "data": {"accounts": accounts, "arrears": arrears, "set_based": fast, "baseline": slow, "rate": rate,
                     "baseline_rate": base, "ratio": ratio, "same": same, "outcome": out}}
