"""The monthly bill run (月度计费) and the bill notices of the 5th (收费通知单).

**What a run makes.** For a project and a month ``M`` (``period`` YYYY-MM): one bill per occupied
unit (an account with a paying household; a vacant unit is skipped, and so is one with nothing to
charge), issued on the month's bill day (``billing.bill_day``), due on its due day
(``billing.due_day``), with the lines of the fee schedule (``domain/schedule.py``): the management
and fixed items of ``M`` and the metered consumption read at the end of ``M-1``, priced on ``M``'s
first day. Then the unit's prepaid credit is applied, oldest bill first -- exactly what
:func:`journal.issue_bill <services.billing.domain.journal.issue_bill>` does for one bill, row for
row (the same entries, postings, allocations, numbers and ``account.balance_changed``; a test bills
an estate both ways and compares). A bill is its account's once per month (``uq_bill_source`` on
(account, ``month``, period)): running a month twice creates nothing.

**Set-based, in chunks.** Accounts are taken in id order, ``CHUNK`` (1,000) at a time, each chunk
with a constant number of statements: one query for the chunk's unbilled accounts (``NOT EXISTS`` a
bill of the month; locked on PostgreSQL), one each for the schedule, the meter readings, the line
numbers, the prepaid credit and the open bills of the accounts that have credit; the lines computed
in Python by the schedule's pure functions; one block of bill numbers; one bulk ``INSERT`` each of
entries, bills, bill lines, postings, allocations and the outbox rows (``work.events.record_many``),
one ``UPDATE`` of the accounts' versions (and one of older bills the credit settled).

**Each chunk is a job** (``bill-run-chunk``, key ``{run id}:{n}``) in its own transaction: it bills
one chunk and, in the same commit, schedules the next one due now (the kernel wakes the runner at
once) or marks the run ``done``. The kernel's claim and lease make a run killed half-way safe: the
chunk that was running rolls back and runs again, chunks already committed are not billed twice
(the chunk's query skips billed accounts; the ``BillRun`` row holds the chunks done and the cursor).
A chunk that keeps failing leaves its job ``failed`` after its attempts (the run shows ``failed``
with the error); starting the run again retries it.

========  =========  ====================================================================
from      action     to
========  =========  ====================================================================
(none)    start      ``running``: the total counted, chunk 1 scheduled
running   chunk      ``running``: a chunk billed, the next one scheduled
running   finish     ``done``: the last chunk found fewer accounts than a chunk holds
failed    start      ``running``: the failed chunk's job retried
========  =========  ====================================================================

(``failed`` is what ``get_bill_run`` shows while the run's current chunk job has failed.)

Started by the cycle's step ``bill-run`` (the bill day, 00:00 local), by finance through the API
(``POST /api/v1/projects/{id}/bill-runs``) or ``./wuye billing run PROJECT MONTH``; never before the
month's bill day. A run that is done stays done (a unit occupied later is billed from next month).

**Notices on the 5th.** The step ``bill-notices`` (``billing.notice_day``) records ``bill.notice_due``
for every bill of the month not yet notified (``Bill.notified_at``), ``NOTICE_CHUNK`` per job with
``record_many``, once: ``pays_by`` ``bank_debit`` with ``collect_on`` (the next collection day) for an
account with an active debit mandate, else ``cash``. While the month's run is still running it waits
(looks again in 15 minutes); a run finishing after the notice day asks for the notices itself.
"""
from __future__ import annotations

import logging

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from kernel.db import update_many
from kernel.jobs import Job
from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from .. import events
from ..exceptions import BillRunNotFound, BillRunTooEarly, BillRunTooLate
from ..models import (Allocation, Bill, BillLine, BillRun, FeeAccount, Household, LedgerEntry, Posting, Project)
from . import cycle, journal, schedule, settings as billing_settings
from .accounts import snapshots
from .meters import meter_uses
from .schedule import install_defaults
from .settings import project_in_scope

BILL_RUN = cycle.register(cycle.Step("bill-run", billing_settings.BILL_DAY))
BILL_NOTICES = cycle.register(cycle.Step("bill-notices", billing_settings.NOTICE_DAY))
CHUNK_JOB = "bill-run-chunk"
#: accounts per chunk (a chunk is one transaction); ``start(..., chunk_size=)`` overrides it
CHUNK = 1000
MAX_CHUNK = 5000
NOTICE_CHUNK = 2000
#: a monthly bill's source: (``month``, ``YYYY-MM``)
MONTH = "month"
NOTICES_WAIT = timedelta(minutes=15)

#: who reads a run's progress; who starts one (财务)
READ_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
START_ROLES = (Role.FINANCE,)

RUNNING, DONE, FAILED = "running", "done", "failed"
TRANSITIONS = {(None, "start"): RUNNING, (RUNNING, "chunk"): RUNNING, (RUNNING, "finish"): DONE,
               (FAILED, "start"): RUNNING}

log = logging.getLogger(__name__)


def _step(state: str | None, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise AssertionError(f"a bill run does not go from {state} by {action}") from None


def description(period: str) -> str:
    return f"{period} 月度账单 monthly bill"


# -- one chunk, set-based --------------------------------------------------------------------------

@dataclass
class ChunkResult:
    seen: int = 0          # accounts looked at
    billed: int = 0
    skipped: int = 0       # vacant, or nothing to charge
    amount: Decimal = ZERO
    cursor: str | None = None


def _unbilled(period: str):
    """The account has no bill of ``period`` yet (served by ``uq_bill_source``)."""
    return ~exists().where(Bill.account_id == FeeAccount.id, Bill.source_type == MONTH, Bill.source_id == period)


ACCOUNT_COLUMNS = (FeeAccount.id, FeeAccount.group_id, FeeAccount.project_id, FeeAccount.unit_id,
                   FeeAccount.unit_label, FeeAccount.building_area, FeeAccount.usage, FeeAccount.household_id,
                   FeeAccount.payer_name, FeeAccount.version, FeeAccount.closed_on)


def next_accounts(session, project_id: str, period: str, *, after: str | None, limit: int, lock: bool = True):
    """The project's next ``limit`` open accounts (a closed one is a previous household's: no new
    charges) after id ``after``, in id order, each with ``billed``: it
    has a bill of ``period`` already. One query: the accounts are taken by the primary key first
    and only those ``limit`` are looked up in ``uq_bill_source`` (``NOT EXISTS`` over the whole
    project would make the planner's choice depend on fresh statistics of a bills table that has
    just grown by a month). ``lock``: the accounts are locked (PostgreSQL), as the journal does."""
    moved_in = select(Household.moved_in_on).where(Household.id == FeeAccount.household_id) \
        .scalar_subquery().label("moved_in_on")
    chunk = select(*ACCOUNT_COLUMNS, moved_in).where(FeeAccount.project_id == project_id,
                                                     FeeAccount.closed_on.is_(None)) \
        .order_by(FeeAccount.id).limit(limit)
    if after is not None:
        chunk = chunk.where(FeeAccount.id > after)
    if lock and session.get_bind().dialect.name == "postgresql":
        chunk = chunk.with_for_update()
    chunk = chunk.subquery("chunk")
    billed = exists().where(Bill.account_id == chunk.c.id, Bill.source_type == MONTH, Bill.source_id == period)
    return session.execute(select(chunk, billed.label("billed")).order_by(chunk.c.id)).all()


def _dates(work: Work, project: Project, period: str, run_id: str | None = None) -> tuple[date, date]:
    """The month's issue and due dates. A run started after the bill day (by hand, or late after
    an outage) issues its bills on the day it started, and gives the household the project's
    usual time to pay (due day - bill day) from then if the month's due day is closer: a bill is
    never overdue the moment it exists."""
    values = work.settings.values(project.id, on=billing_settings.month_start(period))
    issued_on, due_on = billing_settings.bill_date(values, period), billing_settings.due_on(values, period)
    run = work.session.get(BillRun, run_id) if run_id else None
    started = (run.started_at if run is not None else work.clock.now()).astimezone(ZoneInfo(project.timezone)).date()
    if started > issued_on:
        usual = max(due_on - issued_on, timedelta(days=1))
        issued_on, due_on = started, max(due_on, started + usual)
    return issued_on, due_on


def _occupied_in(row, period: str) -> bool:
    """Billed for ``period``: the unit has a paying household that had moved in by the month's end
    (on the unit's open account: a closed one is its old household's, no new charges)."""
    return row.household_id is not None and row.closed_on is None and (
        row.moved_in_on is None or row.moved_in_on <= billing_settings.month_end(period))


def bill_chunk(work: Work, project: Project, period: str, *, after: str | None = None, limit: int = CHUNK,
               run_id: str | None = None) -> ChunkResult:
    """Bill the next ``limit`` accounts of ``project`` after account id ``after`` that have no bill of
    the month yet (see the module doc): a constant number of statements whatever ``limit`` is."""
    session, now, by = work.session, work.clock.now(), work.caller.user_id
    issued_on, due_on = _dates(work, project, period, run_id)
    scanned = next_accounts(session, project.id, period, after=after, limit=limit)
    accounts = [a for a in scanned if not a.billed]
    result = ChunkResult(seen=len(scanned), cursor=scanned[-1].id if scanned else after)
    occupied = [a for a in accounts if _occupied_in(a, period)]
    fees = schedule.load(session, project.id)
    uses = meter_uses(session, project.id, billing_settings.add_months(period, -1), [a.id for a in occupied])
    to_bill = [(a, lines) for a in occupied
               if (lines := fees.monthly_lines(a.usage, a.building_area, period, uses.get(a.id)))]
    result.skipped = len(accounts) - len(to_bill)
    if not to_bill:
        return result
    ids = [a.id for a, _ in to_bill]
    first = journal.take_numbers(session, project.id, "bill", len(to_bill))
    last_line = dict(session.execute(select(LedgerEntry.account_id, func.max(LedgerEntry.line_no))
                                     .where(LedgerEntry.account_id.in_(ids)).group_by(LedgerEntry.account_id)).all())
    credit = {account_id: -money(total) for account_id, total in session.execute(
        select(Posting.account_id, func.sum(Posting.amount))
        .where(Posting.account_id.in_(ids), Posting.book == journal.PREPAID).group_by(Posting.account_id))
        if money(total) < ZERO}
    older: dict[str, list[dict]] = {}
    if credit:
        for row in session.execute(select(Bill.id, Bill.account_id, Bill.total, Bill.allocated, Bill.due_on,
                                          Bill.issued_on, Bill.number)
                                   .where(Bill.account_id.in_(sorted(credit)), Bill.settled_at.is_(None))).mappings():
            older.setdefault(row["account_id"], []).append(dict(row, settled_at=None))
    entries, bills, bill_lines, postings, allocations, changed_older, published = [], [], [], [], [], [], []
    text = description(period)
    for n, (account, lines) in enumerate(to_bill):
        total = sum((line["amount"] for line in lines), ZERO)
        line_no = last_line.get(account.id) or 0
        entry_id, bill_id = str(uuid.uuid4()), str(uuid.uuid4())
        common = dict(group_id=account.group_id, project_id=account.project_id, account_id=account.id)
        entries.append(dict(common, id=entry_id, line_no=line_no + 1, kind="charge", amount=total,
                            description=text[:400], occurred_on=issued_on, posted_at=now, posted_by=by,
                            ref_type=MONTH, ref_id=period, reason=None, reverses_id=None))
        credits: dict[str, Decimal] = {}
        for line in lines:
            book = journal.income(line["item_code"])
            credits[book] = credits.get(book, ZERO) - line["amount"]
        postings += [dict(common, entry_id=entry_id, book=book, amount=amount)
                     for book, amount in [(journal.RECEIVABLE, total), *credits.items()]]
        bill = dict(id=bill_id, group_id=account.group_id, project_id=account.project_id, account_id=account.id,
                    household_id=account.household_id, number=journal.bill_number(first + n), kind="monthly",
                    period=period, issued_on=issued_on, due_on=due_on, total=total, allocated=ZERO,
                    settled_at=None, source_type=MONTH, source_id=period, entry_id=entry_id, run_id=run_id,
                    created_at=now, created_by=by, notified_at=None)
        bills.append(bill)
        bill_lines += [dict(bill_id=bill_id, line_no=k, item_code=line["item_code"], item_name=line["item_name"],
                            quantity=line["quantity"], quantity_unit=line["quantity_unit"],
                            unit_price=line["unit_price"], amount=line["amount"], price_id=line["price_id"],
                            price_from=line["price_from"], detail=line["detail"])
                       for k, line in enumerate(lines, start=1)]
        last = ("charge", entry_id)
        if account.id in credit:
            # journal.apply_credit: the unit's credit on its open bills, oldest first
            open_bills = sorted([*older.get(account.id, []), bill],
                                key=lambda b: (b["due_on"], b["issued_on"], b["number"]))
            use = min(credit[account.id], sum((b["total"] - b["allocated"] for b in open_bills), ZERO))
            if use > ZERO:
                applied_id = str(uuid.uuid4())
                entries.append(dict(common, id=applied_id, line_no=line_no + 2, kind="prepaid_applied",
                                    amount=ZERO, description="预收冲抵 prepaid credit applied",
                                    occurred_on=issued_on, posted_at=now, posted_by=by, ref_type=None,
                                    ref_id=None, reason=None, reverses_id=None))
                postings += [dict(common, entry_id=applied_id, book=journal.PREPAID, amount=use),
                             dict(common, entry_id=applied_id, book=journal.RECEIVABLE, amount=-use)]
                left = use
                for b in open_bills:
                    take = min(left, b["total"] - b["allocated"])
                    if take <= ZERO:
                        continue
                    allocations.append(dict(entry_id=applied_id, bill_id=b["id"], account_id=account.id,
                                            amount=take, created_at=now))
                    b["allocated"] += take
                    b["settled_at"] = now if b["allocated"] == b["total"] else None
                    if b is not bill:
                        changed_older.append({"id": b["id"], "allocated": b["allocated"],
                                              "settled_at": b["settled_at"]})
                    left -= take
                    if left <= ZERO:
                        break
                last = ("prepaid_applied", applied_id)
        published.append((account, last))
        result.amount += total
    for table, rows in ((LedgerEntry, entries), (Bill, bills), (BillLine, bill_lines), (Posting, postings),
                        (Allocation, allocations)):
        if rows:
            session.execute(insert(table.__table__), rows)
    update_many(session, Bill, "id", changed_older)
    session.execute(update(FeeAccount).where(FeeAccount.id.in_(ids))
                    .values(version=func.coalesce(FeeAccount.version, 0) + 1, stated_at=now)
                    .execution_options(synchronize_session=False))
    # account.balance_changed per account, as journal.publish_balance states it (the new version)
    stated = [SimpleNamespace(**dict(account._asdict(), version=(account.version or 0) + 1)) for account, _ in published]
    snaps = snapshots(session, stated, now)
    # one function makes every snapshot: the first is validated, the rest only dumped
    work.events.record_many(events.BALANCE_CHANGED, [
        (dict(snaps[account.id], cause=cause, entry_id=entry_id), account.group_id, account.project_id)
        for account, (cause, entry_id) in published], validate_each=False)
    result.billed = len(to_bill)
    return result


def bill_row_by_row(work: Work, project: Project, period: str, *, after: str | None = None, limit: int = CHUNK,
                    run_id: str | None = None) -> ChunkResult:
    """The same bills one account at a time through ``journal.issue_bill`` (the ORM account, a flush
    per row, the journal's queries per account): the reference the set-based chunk is tested
    against, and the bench's baseline. The same accounts as :func:`bill_chunk` would take."""
    session = work.session
    issued_on, due_on = _dates(work, project, period, run_id)
    fees = schedule.load(session, project.id)
    scanned = next_accounts(session, project.id, period, after=after, limit=limit, lock=False)
    result = ChunkResult(seen=len(scanned), cursor=scanned[-1].id if scanned else after)
    previous = billing_settings.add_months(period, -1)
    for row in (row for row in scanned if not row.billed):
        account = session.get(FeeAccount, row.id)
        occupied = _occupied_in(row, period)
        uses = meter_uses(session, project.id, previous, [account.id]).get(account.id) if occupied else None
        lines = fees.monthly_lines(account.usage, account.building_area, period, uses) if occupied else []
        if not lines:
            result.skipped += 1
            continue
        bill = journal.issue_bill(work, account, kind="monthly", entry_kind="charge", lines=lines,
                                  issued_on=issued_on, due_on=due_on, source_type=MONTH, source_id=period,
                                  description=description(period), period=period, run_id=run_id)
        result.billed += 1
        result.amount += bill.total
    return result


# -- the run -----------------------------------------------------------------------------------------

def chunk_key(run: BillRun, n: int) -> str:
    return f"{run.id}:{n}"


def _schedule_chunk(work: Work, run: BillRun, n: int, chunk_size: int) -> None:
    work.jobs.schedule(CHUNK_JOB, key=chunk_key(run, n), due_at=work.clock.now(),
                       payload={"run_id": run.id, "chunk": n, "chunk_size": chunk_size},
                       group_id=run.group_id, project_id=run.project_id)


def _run(work: Work, project_id: str, period: str, *, lock: bool = False) -> BillRun | None:
    query = select(BillRun).where(BillRun.project_id == project_id, BillRun.period == period)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return work.session.scalars(query).first()


def start(work: Work, project_id: str, period: str, chunk_size: int | None = None) -> dict:
    """Start the month's run, or answer the one there is (running or done); a run whose current
    chunk failed is tried again. Idempotent: never a second run of a month."""
    project = project_in_scope(work, project_id)
    work.caller.require_role(*START_ROLES)
    values = work.settings.values(project.id, on=billing_settings.month_start(period))
    issued_on = billing_settings.bill_date(values, period)
    today = work.clock.today(project.timezone)
    if issued_on > today:
        raise BillRunTooEarly(f"the bills of {period} are computed from {issued_on} on (billing.bill_day); "
                              f"today is {today} at the site",
                              zh=f"{period} 的账单从 {issued_on} 起计算（出账日 billing.bill_day），项目当地今天是 {today}")
    if period < billing_settings.add_months(billing_settings.month_of(today), -1):
        raise BillRunTooLate(f"{period} is more than a month ago at the site (today is {today}): a month is "
                             "billed in its own month or the next; charge anything older as a one-off charge",
                             zh=f"{period} 已是一个多月前（项目当地今天是 {today}）：账单只能在当月或次月计算，更早的费用请按一次性收费录入")
    install_defaults(work, project)
    size = chunk_size or CHUNK
    session = work.session
    run = _run(work, project.id, period, lock=True)
    if run is not None and state(work, run) == FAILED:
        run.status, run.last_error = _step(FAILED, "start"), None
        work.jobs.retry(CHUNK_JOB, chunk_key(run, run.chunks + 1))
    elif run is not None and run.status == RUNNING and getattr(_current_job(work, run), "status", "cancelled") \
            == "cancelled":
        _schedule_chunk(work, run, run.chunks + 1, size)      # its next chunk was cancelled by hand
    elif run is None:
        run = BillRun(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, period=period,
                      status=_step(None, "start"), billed=0, skipped=0, amount=ZERO, chunks=0,
                      started_at=work.clock.now(), started_by=work.caller.user_id,
                      total=session.scalar(select(func.count(FeeAccount.id)).where(
                          FeeAccount.project_id == project.id, FeeAccount.closed_on.is_(None), _unbilled(period))))
        try:
            with session.begin_nested():
                session.add(run)
                session.flush()
        except IntegrityError:                       # started concurrently: that one is the run
            return run_view(work, _run(work, project.id, period))
        _schedule_chunk(work, run, 1, size)
        log.info("bill run %s %s started by %s: %d accounts", project.code, period, run.started_by, run.total)
    return run_view(work, run)


def on_chunk_job(work: Work, job: Job) -> None:
    """``bill-run-chunk``: bill one chunk, then schedule the next or finish -- one transaction."""
    run = work.session.scalars(select(BillRun).where(BillRun.id == job.payload["run_id"]).with_for_update()
                               .execution_options(populate_existing=True)).first()
    n = job.payload["chunk"]
    if run is None or run.status != RUNNING or n != run.chunks + 1:
        return                                       # done already, or a stale copy of a chunk
    size = min(int(job.payload.get("chunk_size") or CHUNK), MAX_CHUNK)
    project = work.session.get(Project, run.project_id)
    result = bill_chunk(work, project, run.period, after=run.cursor, limit=size, run_id=run.id)
    run.chunks, run.cursor = n, result.cursor
    run.billed += result.billed
    run.skipped += result.skipped
    run.amount = money(run.amount) + result.amount
    if result.seen < size:
        run.status, run.finished_at = _step(run.status, "finish"), work.clock.now()
        log.info("bill run %s %s done: %d bills, %s yuan, %d skipped, %d chunks (started by %s)", project.code,
                 run.period, run.billed, money(run.amount), run.skipped, run.chunks, run.started_by)
        _notices_after_run(work, project, run.period)
    else:
        run.status = _step(run.status, "chunk")
        _schedule_chunk(work, run, n + 1, size)


def on_cycle_job(work: Work, job: Job) -> None:
    """``bill-run``: the cycle's bill day -- start the month's run (as the platform)."""
    project_id, period = cycle.payload_of(job)
    start(work, project_id, period)


def _current_job(work: Work, run: BillRun):
    return work.jobs.get(CHUNK_JOB, chunk_key(run, run.chunks + 1)) if run.status == RUNNING else None


def state(work: Work, run: BillRun) -> str:
    """``running``, ``done``, or ``failed`` while the run's current chunk job has given up."""
    job = _current_job(work, run)
    return FAILED if job is not None and job.status == "failed" else run.status


def run_view(work: Work, run: BillRun) -> dict:
    job, status = _current_job(work, run), state(work, run)
    # a chunk failing (retried with backoff) or given up says why
    last_error = job.last_error if job is not None and job.last_error else run.last_error
    # the closed accounts (previous households', 原业主账户) it did not bill: never in ``total`` -- one count
    closed = work.session.scalar(select(func.count(FeeAccount.id)).where(
        FeeAccount.project_id == run.project_id, FeeAccount.closed_on.is_not(None), _unbilled(run.period)))
    return {"run_id": run.id, "project_id": run.project_id, "period": run.period, "status": status,
            "total": run.total, "billed": run.billed, "skipped": run.skipped, "done": run.billed + run.skipped,
            "closed_not_billed": closed, "amount": money(run.amount), "chunks": run.chunks, "started_at": run.started_at,
            "started_by": run.started_by, "finished_at": run.finished_at, "last_error": last_error}


def get(work: Work, project_id: str, period: str) -> dict:
    project = project_in_scope(work, project_id)
    work.caller.require_role(*READ_ROLES)
    run = _run(work, project.id, period)
    if run is None:
        raise BillRunNotFound(f"no bill run of {period} in project {project.code}",
                              zh=f"项目 {project.code} 没有 {period} 的账单计算")
    return run_view(work, run)


# -- notices on the 5th --------------------------------------------------------------------------------

def _notices_key(base: str, n: int) -> str:
    return f"{base}#{n}"


def _schedule_notices(work: Work, project: Project, period: str, base: str, n: int, due_at) -> None:
    work.jobs.schedule(BILL_NOTICES.kind, key=_notices_key(base, n), due_at=due_at,
                       payload={"project_id": project.id, "period": period, "base": base, "round": n},
                       group_id=project.group_id, project_id=project.id)


def _notices_after_run(work: Work, project: Project, period: str) -> None:
    """A run finishing on or after the notice day asks for the month's notices itself."""
    first_day = billing_settings.month_start(period)
    values = work.settings.values(project.id, on=first_day)
    notice_day = billing_settings.day_in_month(first_day.year, first_day.month, values[billing_settings.NOTICE_DAY])
    if work.clock.today(project.timezone) >= notice_day:
        _schedule_notices(work, project, period, f"{project.id}:{period}@run", 1, work.clock.now())


def send_notices(work: Work, project: Project, period: str, limit: int = NOTICE_CHUNK) -> int:
    """``bill.notice_due`` for up to ``limit`` bills of the month not yet notified (a bill already
    settled -- by prepaid credit -- is marked notified without a notice); how many were looked at."""
    session, now = work.session, work.clock.now()
    rows = session.execute(select(Bill, FeeAccount).join(FeeAccount, FeeAccount.id == Bill.account_id).where(
        Bill.project_id == project.id, Bill.period == period, Bill.source_type == MONTH,
        Bill.notified_at.is_(None)).order_by(Bill.id).limit(limit)).all()
    if not rows:
        return 0
    days = schedule.collection_days(work, project.id, [account.id for _, account in rows],
                                    work.clock.today(project.timezone))
    # a bill the unit's prepaid credit settled when it was issued asks nothing: no "0.00 to pay"
    to_tell = [(bill, account) for bill, account in rows if bill.settled_at is None]
    if to_tell:
        work.events.record_many(events.BILL_NOTICE_DUE, [
            (schedule.notice_of(bill, account, days.get(account.id)), bill.group_id, bill.project_id)
            for bill, account in to_tell], validate_each=False)
    session.execute(update(Bill).where(Bill.id.in_([bill.id for bill, _ in rows])).values(notified_at=now)
                    .execution_options(synchronize_session=False))
    return len(rows)


def on_notices_job(work: Work, job: Job) -> None:
    """``bill-notices``: a batch of the month's notices; the next batch scheduled while there are
    more; waits while the month's run is still running."""
    project_id, period = cycle.payload_of(job)
    project = work.session.get(Project, project_id)
    if project is None:
        return
    base, n = job.payload.get("base", job.key), int(job.payload.get("round", 1))
    run = _run(work, project.id, period)
    if run is not None and run.status == RUNNING:
        _schedule_notices(work, project, period, base, n + 1, work.clock.now() + NOTICES_WAIT)
        return
    if send_notices(work, project, period) == NOTICE_CHUNK:
        _schedule_notices(work, project, period, base, n + 1, work.clock.now())
