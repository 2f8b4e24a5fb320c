"""The monthly bill run and the notices of the 5th -- billing's rules without a broker: the set-based
chunk equals ``journal.issue_bill`` row by row, a run twice creates nothing, a run killed half-way
and restarted bills every account exactly once, prepaid credit is applied, notices go once."""
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.errors import Forbidden
from kernel.tenancy import Caller
from kernel.testing import domain_session, outbox_events, staff
from services.billing import schemas
from services.billing.domain import billrun, cycle, journal, ledger, meters, schedule
from services.billing.exceptions import BillRunNotFound, BillRunTooEarly, BillRunTooLate
from services.billing.models import (Allocation, Base, Bill, BillLine, DebitMandate, FeeAccount,
                                     LedgerEntry, OutboxMessage, Posting, Project, ScheduledJob)

from .support import G, add_project, add_unit, job_executor, move_in, work

PLATFORM = Caller.system(G, "billing")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")
D = Decimal


def build_estate(w, units=12):
    """Project p1: ``units`` units -- residential, villas, parking spaces, an office (u7: no price for
    offices, nothing to charge); u4, u9, u14, u19 vacant; water read for every third (November's
    readings after October's); prepaid credit for u1, u2, u5, u6; and u5 with credit *and* an older
    open bill (a repair charge whose credit application was reversed)."""
    add_project(w)
    fin = work(w.session, w.clock, Caller.system(G, "billing"))
    schedule.set_price(fin, "p1", "water", schemas.FeePriceIn().load({"usage": "*", "unit_price": "3.45"}))
    schedule.set_price(fin, "p1", "parking", schemas.FeePriceIn().load({"usage": "parking", "unit_price": "150"}))
    schedule.set_price(fin, "p1", "management", schemas.FeePriceIn().load({"usage": "villa", "unit_price": "2.5"}))
    for n in range(units):
        usage = "office" if n == 7 else ("residential", "residential", "villa", "parking")[n % 4]
        add_unit(w, f"u{n}", area=f"{60 + n * 7.13:.2f}", usage=usage, label=f"1栋-{n:04d}")
        if n % 5 != 4:
            move_in(w, f"u{n}", moved_in_on="2026-06-01")
    for n in range(0, units, 3):
        for period, value, read_on in (("2026-10", "100", "2026-10-31"), ("2026-11", f"{112 + n}.5", "2026-11-30")):
            meters.record_reading(fin, "p1", schemas.MeterReadingIn().load({
                "unit": f"u{n}", "item_code": "water", "period": period, "reading": value, "read_on": read_on}))
    for n in (1, 2, 5, 6):
        ledger.record_opening_balance(fin, schemas.OpeningBalanceIn().load(
            {"unit_id": f"u{n}", "amount": "-100.00" if n != 6 else "-500.00", "as_of": "2026-11-01"}))
    account = ledger.find_account(w.session, "u5")
    repair = journal.issue_bill(fin, account, kind="one_off", entry_kind="charge", description="有偿维修",
                                lines=[{"item_code": "repair", "item_name": "换水龙头", "quantity": D("1"),
                                        "quantity_unit": "个", "unit_price": D("30"), "amount": D("30.00")}],
                                issued_on=w.clock.today("Asia/Shanghai"), due_on=w.clock.today("Asia/Shanghai"),
                                source_type="repair_charge", source_id="c-1")
    applied = w.session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == account.id,
                                                          LedgerEntry.kind == "prepaid_applied")).one()
    journal.reverse(fin, applied.id, reason="冲正 test", occurred_on=w.clock.today("Asia/Shanghai"))
    assert w.session.get(Bill, repair.id).settled_at is None
    assert journal.balances(w.session, account.id)["credit"] == D("100.00")


@pytest.fixture
def clock():
    return ManualClock("2026-11-30T18:00:00+08:00")


@pytest.fixture
def session(clock, db_url):
    """The estate on SQLite and on the real PostgreSQL (the set-based path on both)."""
    with domain_session(Base, db_url) as s:
        build_estate(work(s, clock, PLATFORM))
        s.query(OutboxMessage).delete()
        s.commit()
        yield s


def at_bill_day(clock):
    clock.advance(timedelta(hours=6, minutes=5))           # 2026-11-30 18:00 -> 2026-12-01 00:05 local


# -- what a chunk writes: the same as journal.issue_bill, row for row ----------------------------

def state(session):
    """Everything a bill run writes, with generated ids replaced by what they stand for."""
    session.expire_all()
    entry_name = {e.id: (e.account_id, e.line_no) for e in session.scalars(select(LedgerEntry))}
    bill_name = {b.id: b.number for b in session.scalars(select(Bill))}
    return {
        "bills": sorted((b.account_id, b.number, b.kind, b.period, b.issued_on, b.due_on, b.total, b.allocated,
                         b.settled_at, b.source_type, b.source_id, b.household_id, b.run_id, b.created_by,
                         entry_name.get(b.entry_id)) for b in session.scalars(select(Bill))),
        "lines": sorted((bill_name[x.bill_id], x.line_no, x.item_code, x.item_name, x.quantity, x.quantity_unit,
                         x.unit_price, x.amount, x.price_id, x.price_from, x.detail)
                        for x in session.scalars(select(BillLine))),
        "entries": sorted((e.account_id, e.line_no, e.kind, e.amount, e.description, e.occurred_on, e.posted_at,
                           e.posted_by, e.ref_type, e.ref_id, e.reason) for e in session.scalars(select(LedgerEntry))),
        "postings": sorted((entry_name[p.entry_id], p.id_order, p.book, p.amount, p.account_id, p.project_id)
                           for p in _ordered(session, Posting)),
        "allocations": sorted((entry_name[a.entry_id], a.id_order, bill_name[a.bill_id], a.amount, a.created_at)
                              for a in _ordered(session, Allocation)),
        "accounts": sorted((a.id, a.version, a.stated_at) for a in session.scalars(select(FeeAccount))),
        "events": [(e["type"], {**e["data"], "entry_id": entry_name.get(e["data"].get("entry_id"))})
                   for e in outbox_events(session, Base)],
    }


def _ordered(session, model):
    """Rows with their order within their entry (ids differ between the two ways, the order must not)."""
    rows, seen = session.scalars(select(model).order_by(model.id)).all(), {}
    for row in rows:
        seen[row.entry_id] = seen.get(row.entry_id, -1) + 1
        row.id_order = seen[row.entry_id]
    return rows


def test_the_set_based_chunk_writes_exactly_what_issue_bill_writes_row_by_row(session, clock):
    at_bill_day(clock)
    w = work(session, clock, PLATFORM)
    project = session.get(Project, "p1")
    before = state(session)
    after, results = None, []
    while True:                                  # chunks of 5: three chunks for 12 accounts
        result = billrun.bill_chunk(w, project, "2026-12", after=after, limit=5, run_id="run-1")
        results.append(result)
        after = result.cursor
        if result.seen < 5:
            break
    bulk = state(session)
    session.rollback()
    assert state(session) == before
    row_by_row = billrun.bill_row_by_row(work(session, clock, PLATFORM), project, "2026-12", run_id="run-1")
    reference = state(session)
    session.rollback()
    assert bulk == reference
    # and it is a real month: 9 units billed, 2 vacant and an office skipped, credit applied
    assert (sum(r.billed for r in results), sum(r.skipped for r in results)) == (row_by_row.billed, 3) == (9, 3)
    assert sum((r.amount for r in results), D("0")) == row_by_row.amount
    kinds = [e[2] for e in bulk["entries"] if e[6] == clock.now()]
    assert kinds.count("charge") == 9 and kinds.count("prepaid_applied") == 4
    assert len([e for e in bulk["events"] if e[0] == "account.balance_changed"]) == 9


def test_prepaid_credit_settles_the_oldest_bills_first_and_the_journal_still_balances(session, clock):
    at_bill_day(clock)
    w = work(session, clock, PLATFORM)
    billrun.bill_chunk(w, session.get(Project, "p1"), "2026-12", limit=100)
    session.flush()
    for unit in ("u1", "u2", "u5", "u6"):
        account = ledger.find_account(session, unit)
        bills = session.scalars(select(Bill).where(Bill.account_id == account.id).order_by(Bill.due_on)).all()
        # the invariant: receivable == what the bills still ask for; every entry sums to zero
        balances = journal.balances(session, account.id)
        assert balances["receivable"] == sum((b.total - b.allocated for b in bills), D("0"))
        for entry_id, total in session.execute(select(Posting.entry_id, func.sum(Posting.amount))
                                               .where(Posting.account_id == account.id).group_by(Posting.entry_id)):
            assert total == 0
        if unit == "u5":
            repair, december = bills
            assert repair.settled_at is not None and repair.allocated == D("30.00")    # oldest first
            assert december.allocated == D("70.00") and balances["credit"] == D("0.00")
        if unit == "u6":                       # 500 credit covers the bill entirely
            [december] = bills
            assert december.settled_at == clock.now() and balances["credit"] == D("500.00") - december.total


# -- the run: twice creates nothing, killed half-way bills exactly once ------------------------------

@pytest.fixture
def Session(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'billing.db'}")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s:
        build_estate(work(s, clock, PLATFORM), units=23)
        s.query(OutboxMessage).delete()
        s.commit()
    yield factory
    engine.dispose()


def start(Session, clock, caller=FINANCE, chunk_size=4):
    with Session() as s, s.begin():
        return billrun.start(work(s, clock, caller), "p1", "2026-12", chunk_size=chunk_size)


def progress(Session, clock):
    with Session() as s:
        return billrun.get(work(s, clock, FINANCE), "p1", "2026-12")


def month_bills(Session):
    with Session() as s:
        return s.scalars(select(Bill.account_id).where(Bill.period == "2026-12")).all()


def test_a_run_goes_chunk_by_chunk_and_a_second_start_creates_nothing(Session, clock):
    with pytest.raises(BillRunTooEarly):
        start(Session, clock)                               # 30 November: December's bill day is tomorrow
    at_bill_day(clock)
    with pytest.raises(Forbidden):
        start(Session, clock, caller=staff(G, ["p1"], roles=["centre_manager"]))
    with pytest.raises(BillRunNotFound):
        progress(Session, clock)
    view = start(Session, clock)
    assert (view["status"], view["total"], view["done"], view["started_by"]) == ("running", 23, 0, "fin-1")
    with Session() as s, s.begin():                          # someone cancels its chunk by hand ...
        assert work(s, clock, PLATFORM).jobs.cancel(billrun.CHUNK_JOB, f"{view['run_id']}:1")
    assert start(Session, clock)["run_id"] == view["run_id"]  # ... starting it again puts the chunk back
    runner = job_executor(Session, clock)
    ran = 0
    while runner.run_once():                                # one chunk per pass: it schedules the next
        ran += 1
    done = progress(Session, clock)
    assert ran == 6 and done["chunks"] == 6                  # 23 accounts by 4: 6 chunks
    assert (done["status"], done["billed"], done["skipped"], done["total"]) == ("done", 18, 5, 23)
    bills = month_bills(Session)
    assert len(bills) == len(set(bills)) == 18
    with Session() as s:
        assert done["amount"] == s.scalar(select(func.sum(Bill.total)).where(Bill.period == "2026-12"))
        numbers = sorted(s.scalars(select(Bill.number).where(Bill.period == "2026-12")))
    assert start(Session, clock)["run_id"] == done["run_id"]  # again: the same run, done
    assert runner.run_once() == 0 and len(month_bills(Session)) == 18
    with Session() as s, s.begin():                          # and the bulk path finds nothing left
        result = billrun.bill_chunk(work(s, clock, PLATFORM), s.get(Project, "p1"), "2026-12", limit=100)
        assert (result.billed, result.skipped) == (0, 5)
    assert numbers[0] == "ZD00000002" and numbers[-1] == "ZD00000019"          # ZD00000001: u5's repair


def test_a_run_killed_half_way_and_restarted_bills_every_account_exactly_once(Session, clock):
    at_bill_day(clock)
    start(Session, clock)
    crash_on = {"chunk": 3}

    def crashing_chunk(work, job):
        billrun.on_chunk_job(work, job)
        if job.payload["chunk"] == crash_on.get("chunk"):
            crash_on.clear()
            raise RuntimeError("worker killed")                # the chunk's writes roll back with the job
    runner = job_executor(Session, clock, {**_handlers(), billrun.CHUNK_JOB: crashing_chunk})
    runner.run_once(), runner.run_once()                       # chunks 1 and 2 committed
    assert runner.run_once() == 0                              # chunk 3 dies
    half = progress(Session, clock)
    assert (half["chunks"], half["status"]) == (2, "running") and "worker killed" in half["last_error"]
    assert len(month_bills(Session)) == half["billed"] and half["billed"] + half["skipped"] == 8
    # a process dying mid-chunk: its claim is held, nothing committed; after the lease another runs it
    clock.advance(timedelta(minutes=5))
    job = runner.claim()
    assert [j.payload["chunk"] for j in job] == [3]
    clock.advance(timedelta(seconds=runner.lease_seconds + 1))
    other = job_executor(Session, clock)
    while other.run_once():
        pass
    assert runner.run_job(job[0]) == "lost"                    # the dead claim cannot finish it any more
    done = progress(Session, clock)
    assert (done["status"], done["billed"], done["skipped"], done["last_error"]) == ("done", 18, 5, None)
    bills = month_bills(Session)
    assert len(bills) == len(set(bills)) == 18


def _handlers():
    """The service's dated job kinds (not the periodic sweeps: these tests count the chunks)."""
    from services.billing.service import JOB_HANDLERS, PERIODIC
    return {kind: handler for kind, handler in JOB_HANDLERS.items() if kind not in PERIODIC}


def test_a_chunk_that_keeps_failing_shows_the_run_failed_and_starting_again_retries_it(Session, clock):
    at_bill_day(clock)
    start(Session, clock, chunk_size=10)

    def broken(work, job):
        raise RuntimeError("disk full")
    runner = job_executor(Session, clock, {billrun.CHUNK_JOB: broken})
    for _ in range(5):                                          # every attempt, backing off
        runner.run_once()
        clock.advance(timedelta(hours=2))
    failed = progress(Session, clock)
    assert (failed["status"], failed["done"]) == ("failed", 0) and "disk full" in failed["last_error"]
    assert start(Session, clock)["status"] == "running"         # the cause fixed: start again
    healthy = job_executor(Session, clock)
    while healthy.run_once():
        pass
    assert progress(Session, clock)["status"] == "done" and len(month_bills(Session)) == 18


def test_the_cycle_starts_the_run_on_the_bill_day_and_the_notices_on_the_5th_once(Session, clock):
    with Session() as s, s.begin():
        account = ledger.find_account(s, "u0")
        s.add(DebitMandate(id="m1", group_id=G, project_id="p1", account_id=account.id, bank_name="工商银行",
                           holder_name="张伟", bank_account="6222020000001234", signed_on=clock.today("Asia/Shanghai"),
                           household_id=account.household_id,        # the signing household's (bank)
                           active=True, created_at=clock.now(), created_by="fin-1"))
        w = work(s, clock, PLATFORM)
        cycle.schedule_project(w, s.get(Project, "p1"))
    runner = job_executor(Session, clock)
    at_bill_day(clock)
    while runner.run_once():
        pass
    assert progress(Session, clock)["status"] == "done" and progress(Session, clock)["started_by"] == "system:billing"
    clock.advance(timedelta(days=4))                             # 5 December, 00:05
    while runner.run_once():
        pass
    with Session() as s:
        notices = [json.loads(body)["data"] for body in s.scalars(
            select(OutboxMessage.body).where(OutboxMessage.event_type == "bill.notice_due"))]
        assert s.scalar(select(func.count(Bill.id)).where(Bill.period == "2026-12", Bill.notified_at.is_(None))) == 0
        u0 = ledger.find_account(s, "u0").id
    with Session() as s:                                          # bills the prepaid credit settled ask nothing
        still_open = s.scalar(select(func.count(Bill.id)).where(Bill.period == "2026-12", Bill.settled_at.is_(None)))
    assert 0 < still_open < 18
    assert len(notices) == still_open and len({n["bill_id"] for n in notices}) == still_open
    assert all(n["outstanding"] != "0.00" for n in notices)
    mine = [n for n in notices if n["account_id"] == u0][0]
    assert (mine["pays_by"], mine["collect_on"]) == ("bank_debit", "2026-12-10")
    assert {n["pays_by"] for n in notices if n["account_id"] != u0} == {"cash"}
    assert all(n["period"] == "2026-12" and n["due_on"] == "2026-12-15" for n in notices)
    with Session() as s, s.begin():                              # a second notice job: nothing new
        assert billrun.send_notices(work(s, clock, PLATFORM), s.get(Project, "p1"), "2026-12") == 0
    with Session() as s:
        assert s.scalar(select(func.count(ScheduledJob.id)).where(ScheduledJob.status == "failed")) == 0


def test_a_run_started_late_gives_the_usual_time_to_pay_and_bills_only_who_lived_there(Session, clock, caplog):
    """Started by hand on the 20th (after the due day): issued that day, due 14 days later (due day
    - bill day), never overdue at birth; a household that moves in after the month is not billed
    for it; a month two months back is refused."""
    with Session() as s, s.begin():
        w = work(s, clock, PLATFORM)
        add_unit(w, "u-late", area="80.00", label="9栋-0101")
        move_in(w, "u-late", moved_in_on="2027-01-03")          # registered ahead of the keys
    clock.set("2026-12-20T10:00:00+08:00")
    caplog.set_level("INFO", logger="services.billing.domain.billrun")
    start(Session, clock)
    runner = job_executor(Session, clock, _handlers())
    while runner.run_once():
        pass
    said = [r.getMessage() for r in caplog.records if r.name == "services.billing.domain.billrun"]
    assert any(m.startswith("bill run LH 2026-12 started by fin-1") for m in said)
    assert any(m.startswith("bill run LH 2026-12 done: 18 bills") for m in said), said
    with Session() as s:
        bills = s.scalars(select(Bill).where(Bill.period == "2026-12")).all()
        late = ledger.find_account(s, "u-late")
        assert bills and {(b.issued_on.isoformat(), b.due_on.isoformat()) for b in bills} == {
            ("2026-12-20", "2027-01-03")}
        assert late.id not in {b.account_id for b in bills}
    with Session() as s, s.begin():
        with pytest.raises(BillRunTooLate):
            billrun.start(work(s, clock, FINANCE), "p1", "2026-10")
