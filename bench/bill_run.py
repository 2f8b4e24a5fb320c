"""What the monthly bill run costs (billing's ``domain/billrun.py``): a project of 100,000 units on a
fresh PostgreSQL database, billed set-based -- chunk jobs of 1,000 accounts, each one transaction
with a constant number of statements -- against the naive ORM baseline measured in the same run:
``journal.issue_bill`` per account (``session.add``/flush per row, the journal's queries per
account), timed on a sample of 3,000 accounts of a second project of the same shape, committed per
1,000 like the chunks.

Both projects: 95 % of the units occupied (every twentieth vacant), residential (management fee by
area), villas (their own price) and parking spaces (a fixed monthly fee); 30 % with a water meter
read every month; 10 % with 500.00 of prepaid credit (an opening balance), applied by the run.
Each repeat bills the next month (both sides the same month), interleaved A B, B A, ...; the
set-based side is timed end to end: ``billrun.start`` and every chunk job run by the kernel's
``JobExecutor`` until the run is done. Afterwards the journal's rule is checked for both projects
(every entry sums to zero; the receivable book equals what the bills still ask for)."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.jobs import JobExecutor
from kernel.testing import TEST_SECRET
from kernel.tenancy import Caller
from kernel.work import Work

from .stats import summary

UNITS = 100_000
SAMPLE = 3_000
FIRST_MONTH = "2026-12"
SITE = ZoneInfo("Asia/Shanghai")
GROUP = "g-bench"
A, B = "p-bench-a", "p-bench-b"
TARGET_BILLS_PER_SECOND = 2000
TARGET_RATIO = 10

FILL_ACCOUNTS = """
INSERT INTO fee_accounts (id, group_id, project_id, unit_id, unit_label, usage, building_area, household_id,
                          payer_name, opened_at, unit_version, household_version, version, stated_at)
SELECT md5(:p || '-a-' || i)::uuid::text, :g, :p, md5(:p || '-u-' || i)::uuid::text,
       (i / 100 + 1) || '栋-' || lpad((i % 100)::text, 4, '0'),
       CASE WHEN i % 20 = 7 THEN 'villa' WHEN i % 20 = 13 THEN 'parking' ELSE 'residential' END,
       CASE WHEN i % 20 = 13 THEN 12.50 ELSE 60 + (i % 97) * 1.37 END,
       CASE WHEN i % 20 = 19 THEN NULL ELSE md5(:p || '-h-' || i)::uuid::text END,
       CASE WHEN i % 20 = 19 THEN NULL ELSE '业主' || i END,
       :now, 1, CASE WHEN i % 20 = 19 THEN NULL ELSE 1 END, 1, :now
FROM generate_series(1, :n) AS i
"""
FILL_HOUSEHOLDS = """
INSERT INTO households (id, group_id, project_id, unit_id, status, payer_name, moved_in_on, version, updated_at)
SELECT md5(:p || '-h-' || i)::uuid::text, :g, :p, md5(:p || '-u-' || i)::uuid::text, 'active', '业主' || i,
       DATE '2026-03-01', 1, :now
FROM generate_series(1, :n) AS i WHERE i % 20 <> 19
"""
# a water reading every month for 30 % of the units: ``k`` months before the first billed month
FILL_READINGS = """
INSERT INTO meter_readings (id, group_id, project_id, account_id, item_code, period, previous, reading,
                            quantity, read_on, kind, source, recorded_by, recorded_at)
SELECT md5(:p || '-r-' || :period || '-' || i)::uuid::text, :g, :p, md5(:p || '-a-' || i)::uuid::text, 'water',
       :period, 100 + :k * 20, 100 + :k * 20 + 10 + (i % 7) * 0.5, 10 + (i % 7) * 0.5, :read_on,
       CASE WHEN :k = 0 THEN 'initial' ELSE 'regular' END, 'bench', 'bench', :now
FROM generate_series(1, :n) AS i WHERE i % 10 < 3
"""
# 500.00 of prepaid credit (an opening balance) for 10 % of the units
FILL_CREDIT_ENTRIES = """
INSERT INTO ledger_entries (id, account_id, group_id, project_id, line_no, kind, amount, description, occurred_on,
                            posted_at, posted_by, ref_type, ref_id)
SELECT md5(:p || '-o-' || i)::uuid::text, md5(:p || '-a-' || i)::uuid::text, :g, :p, 1, 'opening_balance',
       -500.00, '期初余额 预存', DATE '2026-11-01', :now, 'bench', 'opening_balance',
       md5(:p || '-a-' || i)::uuid::text
FROM generate_series(1, :n) AS i WHERE i % 10 = 5
"""
FILL_CREDIT_POSTINGS = """
INSERT INTO postings (entry_id, group_id, project_id, account_id, book, amount)
SELECT md5(:p || '-o-' || i)::uuid::text, :g, :p, md5(:p || '-a-' || i)::uuid::text, book, amount
FROM generate_series(1, :n) AS i,
     (VALUES ('opening', 500.00), ('prepaid', -500.00)) AS lines (book, amount)
WHERE i % 10 = 5
"""


def months(first: str, count: int) -> list[str]:
    from services.billing.domain.settings import add_months
    return [add_months(first, n) for n in range(count)]


def bill_day(period: str) -> datetime:
    return datetime.fromisoformat(f"{period}-01T00:05:00").replace(tzinfo=SITE)


def _work(session, clock, caller=None) -> Work:
    from services.billing.domain.settings import SETTINGS
    from services.billing.events import CONTRACT
    from services.billing.models import Base

    return Work.build(session, clock, caller or Caller.system(GROUP, "billing"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=SETTINGS)


def fill(url: str, units: int, repeats: int) -> float:
    """Both projects, their schedules (water, parking, villas priced) and their estates; seconds taken."""
    from services.billing import schemas
    from services.billing.domain import schedule
    from services.billing.domain.settings import add_months
    from services.billing.models import Project

    started = time.perf_counter()
    clock = ManualClock(bill_day(FIRST_MONTH))
    engine = make_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    try:
        with Session() as session, session.begin():
            work = _work(session, clock)
            for pid, code in ((A, "BA"), (B, "BB")):
                session.add(Project(id=pid, group_id=GROUP, code=code, name=f"基准花园 {code}", timezone="Asia/Shanghai",
                                    version=1, updated_at=clock.now()))
                session.flush()
                schedule.install_defaults(work, session.get(Project, pid))
                for item, usage, price in (("water", "*", "3.45"), ("parking", "parking", "150"),
                                           ("management", "villa", "2.50")):
                    schedule.set_price(work, pid, item, schemas.FeePriceIn().load({"usage": usage, "unit_price": price}))
        with engine.begin() as conn:
            for pid in (A, B):
                params = {"p": pid, "g": GROUP, "n": units, "now": clock.now()}
                conn.execute(text(FILL_ACCOUNTS), params)
                conn.execute(text(FILL_HOUSEHOLDS), params)
                for k, period in enumerate(months(add_months(FIRST_MONTH, -1), repeats)):
                    read_on = bill_day(add_months(period, 1)).date() - timedelta(days=1)
                    conn.execute(text(FILL_READINGS), dict(params, period=period, k=k, read_on=read_on))
                conn.execute(text(FILL_CREDIT_ENTRIES), params)
                conn.execute(text(FILL_CREDIT_POSTINGS), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    finally:
        engine.dispose()
    return time.perf_counter() - started


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.count += 1


def set_based(Session, counter: StatementCounter, period: str, chunk: int) -> dict:
    """``billrun.start`` and every chunk job through the kernel's JobExecutor, until the run is done."""
    from services.billing.domain import billrun
    from services.billing.domain.settings import SETTINGS
    from services.billing.events import CONTRACT
    from services.billing.models import Base

    clock = ManualClock(bill_day(period))
    runner = JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, {billrun.CHUNK_JOB: billrun.on_chunk_job},
                         service="billing", settings=SETTINGS, batch_size=1)
    before = counter.count
    started = time.perf_counter()
    with Session() as session, session.begin():
        billrun.start(_work(session, clock), A, period, chunk_size=chunk)
    while runner.run_once():
        pass
    seconds = time.perf_counter() - started
    with Session() as session:
        view = billrun.get(_work(session, clock), A, period)
    assert view["status"] == "done", view
    return {"seconds": seconds, "bills": view["billed"], "skipped": view["skipped"], "chunks": view["chunks"],
            "amount": view["amount"], "statements": counter.count - before}


def row_by_row(Session, period: str, sample: int, chunk: int) -> dict:
    """``journal.issue_bill`` per account (``billrun.bill_row_by_row``), ``chunk`` accounts a transaction."""
    from services.billing.domain import billrun
    from services.billing.models import Project

    clock = ManualClock(bill_day(period))
    started, seen, bills, after = time.perf_counter(), 0, 0, None
    while seen < sample:
        limit = min(chunk, sample - seen)
        with Session() as session, session.begin():
            result = billrun.bill_row_by_row(_work(session, clock), session.get(Project, B), period, after=after,
                                             limit=limit)
        seen, bills, after = seen + result.seen, bills + result.billed, result.cursor
        if result.seen < limit:
            break
    return {"seconds": time.perf_counter() - started, "bills": bills, "accounts": seen}


def check(Session) -> dict:
    """The journal's rule over both projects: entries sum to zero, receivable == bills still open."""
    from services.billing.models import Bill, Posting

    with Session() as session:
        unbalanced = session.scalar(select(func.count()).select_from(
            select(Posting.entry_id).group_by(Posting.entry_id).having(func.sum(Posting.amount) != 0).subquery()))
        receivable = session.scalar(select(func.sum(Posting.amount)).where(Posting.book == "receivable"))
        open_amount = session.scalar(select(func.sum(Bill.total - Bill.allocated)))
        duplicates = session.scalar(select(func.count()).select_from(
            select(Bill.account_id).where(Bill.source_type == "month")
            .group_by(Bill.account_id, Bill.source_id).having(func.count() > 1).subquery()))
    return {"unbalanced_entries": unbalanced, "receivable": receivable, "open_on_bills": open_amount,
            "duplicate_bills": duplicates}


def run(pg_url: str, units: int = UNITS, sample: int = SAMPLE, repeats: int = 3, chunk: int | None = None) -> dict:
    from services.billing.domain import billrun

    chunk = chunk or billrun.CHUNK
    upgrade(migrations_dir("billing"), pg_url)
    filled = fill(pg_url, units, repeats)
    engine = make_engine(pg_url, pool_size=2)
    Session = sessionmaker(engine, expire_on_commit=False)
    counter = StatementCounter(engine)
    fast, slow = [], []
    try:
        for n, period in enumerate(months(FIRST_MONTH, repeats)):
            for side in ((0, 1) if n % 2 == 0 else (1, 0)):
                if side == 0:
                    fast.append(set_based(Session, counter, period, chunk))
                else:
                    slow.append(row_by_row(Session, period, sample, chunk))
        checked = check(Session)
    finally:
        engine.dispose()
    assert checked["unbalanced_entries"] == 0 and checked["duplicate_bills"] == 0, checked
    assert checked["receivable"] == checked["open_on_bills"], checked
    rate = summary(r["bills"] / r["seconds"] for r in fast)
    base = summary(r["bills"] / r["seconds"] for r in slow)
    secs = summary(r["seconds"] for r in fast)
    ratio = rate["median"] / base["median"]
    per_chunk = {round(r["statements"] / r["chunks"]) for r in fast}
    lines = [
        f"{units:,} units per project on PostgreSQL (filled in {filled:.1f} s): 95 % occupied, residential / "
        f"villa / parking, 30 % water-metered, 10 % with 500.00 prepaid credit; {repeats} repeats (months "
        f"{FIRST_MONTH}...), interleaved",
        f"  set-based run, chunks of {chunk:,} accounts, each a kernel job (one transaction), timed end to end:",
        *(f"    {m}: {r['bills']:,} bills ({r['skipped']:,} skipped) in {r['seconds']:.1f} s = "
          f"{r['bills'] / r['seconds']:,.0f} bills/s; {r['chunks']} chunks, {r['statements'] / r['chunks']:.0f} "
          f"statements per chunk, amount {r['amount']}" for m, r in zip(months(FIRST_MONTH, repeats), fast)),
        f"  naive ORM baseline (journal.issue_bill per account, a flush per row), a sample of {sample:,} accounts "
        f"of the second project, committed per {chunk:,}:",
        *(f"    {m}: {r['bills']:,} bills ({r['accounts']:,} accounts) in {r['seconds']:.1f} s = "
          f"{r['bills'] / r['seconds']:,.0f} bills/s"
          for m, r in zip(months(FIRST_MONTH, repeats), slow)),
        f"  set-based {rate['median']:,.0f} bills/s (min {rate['min']:,.0f}; the whole run {secs['median']:.1f} s) "
        f"vs baseline {base['median']:,.0f} bills/s: {ratio:.1f}x (targets >= {TARGET_BILLS_PER_SECOND:,} bills/s "
        f"and >= {TARGET_RATIO}x)",
        f"  statements per chunk (every repeat): {sorted(per_chunk)}; afterwards: every entry sums to zero, "
        f"receivable {checked['receivable']} == open on bills {checked['open_on_bills']}, no account billed twice",
    ]
    return {"name": "bill_run", "title": f"Monthly bill run over {units:,} units (PostgreSQL)", "lines": lines,
            "summary": f"{rate['median']:,.0f} bills/s set-based ({units:,} units in {secs['median']:.1f} s) vs "
                       f"{base['median']:,.0f} bills/s row by row: {ratio:.1f}x (targets >= "
                       f"{TARGET_BILLS_PER_SECOND:,} bills/s, >= {TARGET_RATIO}x)",
            "data": {"units": units, "sample": sample, "chunk": chunk, "set_based": fast, "baseline": slow,
                     "rate": rate, "baseline_rate": base, "ratio": ratio, "check": checked}}
