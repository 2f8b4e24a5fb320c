"""Bank collection (银行托收): debit mandates, the collection rounds, the file for the bank and the
bank's result file.

**Debit mandates** (:class:`DebitMandate` 托收协议) are registered by finance, the front desk or the
centre manager for the unit's current household: the bank's name, the holder's name and the
account number (12-30 digits, spaces allowed on input; no check digit is asked for -- a bank *card*
number ends in a Luhn digit, but a mandate may name a passbook or settlement account, which has
none). One active mandate per account; a mandate speaks for the household that signed it, so once
that household moved out it no longer collects (and registering the next household's cancels it).
The account number is masked in every answer (``kernel.privacy.mask_bank_account``); it is whole
only in the collection file and in :func:`read_mandate_account`, finance's read, each one an INFO
line on the ``wuye.audit`` logger.

**Collection rounds** are ``cycle`` steps of kind ``bank-collect``: round 1 on
``billing.first_collection_day`` (the 10th), round 2 on ``billing.second_collection_day`` (the 21st,
"after the 20th"), at 00:00 local time; finance can also start a round by hand. A round makes the
project's :class:`BankBatch` for (period, round) -- once: a second call answers the same batch.
Its items: every account with an active mandate of its current household and something to collect
-- what is open on its bills issued by the collection day and due by the month's due date (the
month's bill, due on the 15th, is collected on the 10th; a charge not due before next month waits
for next month), less any prepaid credit. Round 2 computes the same on its day, so it collects what
round 1 did not (a failed item's bills are still open; a paid one's are settled). An account whose
item in an earlier batch is still unanswered (``sent``) is left out, so the bank is never asked
twice for the same money.

**Files** (CSV, ``kernel.csvfile``: UTF-8 with a byte-order mark, CRLF, a header row of the column
keys below, amounts as plain decimals with two places, a trailing control row
``TOTAL,<rows>,<sum of amounts>``):

- the collection file (finance downloads it for the bank): ``batch_number, line_no, item_id,
  unit_label, holder_name, bank_name, account_number, amount``;
- the result file (finance uploads the bank's answer): columns ``item_id`` (or ``batch_number`` and
  ``line_no``), ``status`` (``paid`` | ``failed``), ``amount`` (collected: the item's amount when
  paid, 0.00 or empty when failed), ``bank_reference`` and ``reason`` (optional), in any order,
  other columns ignored; the TOTAL row is optional and checked when present (rows, sum of amounts).

**Import** is all or nothing: every row is checked first (an unknown item, another batch's, an
amount that is not the item's, the same item twice, a bad status or amount, a wrong total) and any
error refuses the whole file with the errors per line, recording nothing. A file that passes is
taken (:class:`BankResultImport`, ``applying``) and its rows recorded in order -- the first
:data:`APPLY_NOW` in the upload's own request, the rest by ``bank-results`` jobs of
:data:`APPLY_PER_JOB` rows, each job one transaction naming the next (a large project's file does
not outlast the request's time, and a crash redoes one chunk); the import is ``done`` when the last
row is, and another file for the batch waits until then (409 ``import_in_progress``). Each row moves its
item through :data:`ITEM_TRANSITIONS`: ``paid`` records the money once through
``payments.record_received`` (method ``bank_debit``, journal entry, payment, receipt,
``receipt.issued``; the payment's reference is the item's ``<batch>-<line>``, unique, so an item is
never paid twice), ``failed`` keeps the bank's reason (the bills stay open for round 2). The same
file again (its SHA-256 with the byte-order mark and line-end style taken out) records nothing and
answers what the first import did (``repeated``); another file naming an item already answered the
same way counts it ``unchanged``.
"""
from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kernel import csvfile, privacy
from kernel.errors import Forbidden, InvalidInput
from kernel.jobs import Job
from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.validators import bank_account_digits
from kernel.work import Work

from ..exceptions import (BankBatchNotFound, BankFileRefused, ImportInProgress, MandateCancelled, MandateExists,
                          MandateNotFound, NoHousehold, PeriodNotOpen)
from ..models import (BankBatch, BankBatchItem, BankResultImport, Bill, DebitMandate, FeeAccount,
                      Posting, Project)
from . import accounts, cycle, journal, payments
from .ledger import site_today
from .settings import (FIRST_COLLECTION_DAY, SECOND_COLLECTION_DAY, add_months, day_in_month, due_on, month_of,
                       project_in_scope)

log = logging.getLogger(__name__)
#: who read whole bank account numbers, when, why (one INFO line per read)
audit_log = logging.getLogger("wuye.audit")

#: who registers and cancels mandates: the cashier, the front desk (where households sign), the centre manager
MANDATE_ROLES = (Role.FINANCE, Role.FRONT_DESK, Role.CENTRE_MANAGER)
#: who starts a round by hand, downloads the file and uploads the bank's answer
BATCH_ROLES = (Role.FINANCE,)
#: who reads batches and their items (account numbers masked)
BATCH_READERS = (Role.FINANCE, Role.CENTRE_MANAGER)

KIND = "bank-collect"
#: the job recording the next rows of a result file (key ``<import id>:<rows applied>``)
RESULTS_KIND = "bank-results"
#: rows of a result file recorded in the upload's own request, and by each ``bank-results`` job after it
#: (each paid row is a payment, a receipt and two events: about 10 ms on PostgreSQL)
APPLY_NOW, APPLY_PER_JOB = 100, 500
APPLYING, DONE = "applying", "done"
#: the monthly cycle's two collection rounds (job keys ``<project>:<period>#1`` / ``#2``)
ROUNDS = {1: cycle.register(cycle.Step(KIND, FIRST_COLLECTION_DAY, suffix="#1")),
          2: cycle.register(cycle.Step(KIND, SECOND_COLLECTION_DAY, suffix="#2"))}

SENT, PAID, FAILED = "sent", "paid", "failed"
OPEN, SETTLED = "open", "settled"
#: what the bank's answer does to an item: (status now, answer) -> status after. ``sent`` -> ``paid``
#: records the payment; ``failed`` -> ``paid`` too (a later file: collected after all); an item
#: already paid stays paid whatever a later file says (money recorded is corrected by a reversal,
#: by finance); the same answer again changes nothing (``unchanged``)
ITEM_TRANSITIONS = {
    (SENT, PAID): PAID, (SENT, FAILED): FAILED,
    (FAILED, PAID): PAID, (FAILED, FAILED): FAILED,
    (PAID, PAID): PAID, (PAID, FAILED): PAID,
}
#: a batch is ``open`` while an item awaits the bank's answer, then ``settled`` (an empty batch at once)
BATCH_TRANSITIONS = {(OPEN, "all_answered"): SETTLED}

EXPORT_COLUMNS = ("batch_number", "line_no", "item_id", "unit_label", "holder_name", "bank_name",
                  "account_number", "amount")
TOTAL = "TOTAL"
#: at most this many per-line errors are listed in a refusal
MAX_ERRORS = 100
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def batch_number(seq: int) -> str:
    return f"TS{seq:08d}"


def item_reference(batch: BankBatch, item: BankBatchItem) -> str:
    """The payment reference of a collected item: unique in the project (``uq_payment_project_reference``)."""
    return f"{batch.number}-{item.line_no:05d}"


def collection_day(values: dict, period: str, round_: int) -> date:
    """The day the bank collects round ``round_`` of ``period`` (YYYY-MM)."""
    return day_in_month(int(period[:4]), int(period[5:7]), values[ROUNDS[round_].day_setting])


def next_collection(work: Work, project_id: str, day: date) -> tuple[date, str]:
    """The first collection day on or after ``day`` and the period it collects (this month's two
    rounds, else next month's first) -- what a bill notice or reminder tells a mandate household."""
    this = month_of(day)
    for period in (this, add_months(this, 1)):
        values = work.settings.values(project_id, on=day_in_month(int(period[:4]), int(period[5:7]), 1))
        for round_ in sorted(ROUNDS):
            collect_on = collection_day(values, period, round_)
            if collect_on >= day:
                return collect_on, period
    raise AssertionError("next month's first round is always ahead")  # pragma: no cover


def round_of(job: Job) -> int:
    """The round of a ``bank-collect`` job, from its key's suffix."""
    return next(r for r, step in ROUNDS.items() if job.key.endswith(step.suffix))


# -- mandates ---------------------------------------------------------------------------------

def active_mandates(session: Session, account_ids) -> dict[str, DebitMandate]:
    """``{account_id: mandate}`` of the accounts whose current household has an active mandate --
    who pays by bank debit (the bill notices and reminders say so)."""
    ids = list(account_ids)
    if not ids:
        return {}
    return {m.account_id: m for m in session.scalars(
        select(DebitMandate).join(FeeAccount, and_(DebitMandate.account_id == FeeAccount.id,
                                                   DebitMandate.household_id == FeeAccount.household_id))
        .where(DebitMandate.account_id.in_(ids), DebitMandate.active))}


def mandate_view(mandate: DebitMandate, account: FeeAccount, *, whole_number: bool = False) -> dict:
    return {"id": mandate.id, "unit_id": account.unit_id, "account_id": account.id,
            "household_id": mandate.household_id, "bank_name": mandate.bank_name,
            "holder_name": mandate.holder_name,
            "bank_account": mandate.bank_account if whole_number else privacy.mask_bank_account(mandate.bank_account),
            "signed_on": mandate.signed_on, "active": mandate.active,
            "collects": mandate.active and mandate.household_id == account.household_id,
            "cancelled_on": mandate.cancelled_on, "cancelled_by": mandate.cancelled_by,
            "cancel_reason": mandate.cancel_reason, "created_at": mandate.created_at,
            "created_by": mandate.created_by}


def _end(work: Work, mandate: DebitMandate, on: date, reason: str) -> None:
    mandate.active, mandate.cancelled_on = False, on
    mandate.cancelled_by, mandate.cancel_reason = work.caller.user_id, reason[:400]


def register_mandate(work: Work, data: dict) -> dict:
    """A household signs a debit mandate for the unit (finance, front desk, centre manager)."""
    account = accounts.get_account(work, data["unit_id"])
    work.caller.require_role(*MANDATE_ROLES)
    session = work.session
    if account.household_id is None:
        raise NoHousehold(f"unit {account.unit_label} has no household to sign a debit mandate",
                          zh=f"{account.unit_label} 没有业户，无人签署银行托收协议")
    today = site_today(work, account.project_id)
    signed_on = data.get("signed_on") or today
    if signed_on > today:
        raise InvalidInput("a mandate is registered once it is signed", code="signed_on_in_future",
                           zh="银行托收协议签署后方可登记，签署日期不能晚于今天")
    account = journal.lock_account(session, account)       # one registration of an account at a time
    for held in session.scalars(select(DebitMandate).where(DebitMandate.account_id == account.id,
                                                           DebitMandate.active)):
        if held.household_id == account.household_id:
            raise MandateExists(f"unit {account.unit_label} has an active debit mandate; cancel it first",
                                details={"mandate_id": held.id},
                                zh=f"{account.unit_label} 已有生效的银行托收协议，请先取消原协议")
        _end(work, held, today, "业户已迁出 the household that signed it moved out")
    session.flush()
    mandate = DebitMandate(
        id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id, account_id=account.id,
        household_id=account.household_id, bank_name=data["bank_name"].strip(),
        holder_name=data["holder_name"].strip(), bank_account=bank_account_digits(data["bank_account"]),
        signed_on=signed_on, active=True, created_at=work.clock.now(), created_by=work.caller.user_id)
    session.add(mandate)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise MandateExists(f"unit {account.unit_label} has an active debit mandate; cancel it first",
                            zh=f"{account.unit_label} 已有生效的银行托收协议，请先取消原协议") from None
    return mandate_view(mandate, account)


def list_mandates(work: Work, unit_id: str) -> list[dict]:
    """The unit's mandates, newest first, numbers masked (mandate roles; the unit's residents)."""
    account = accounts.get_account(work, unit_id)
    if not work.caller.is_resident:
        work.caller.require_role(*MANDATE_ROLES)
    return [mandate_view(m, account) for m in work.session.scalars(
        select(DebitMandate).where(DebitMandate.account_id == account.id)
        .order_by(DebitMandate.created_at.desc(), DebitMandate.id))]


def _mandate(work: Work, unit_id: str, mandate_id: str) -> tuple[DebitMandate, FeeAccount]:
    account = accounts.get_account(work, unit_id)
    mandate = work.session.get(DebitMandate, mandate_id)
    if mandate is None or mandate.account_id != account.id:
        raise MandateNotFound(f"no debit mandate {mandate_id} for unit {unit_id}")
    return mandate, account


def cancel_mandate(work: Work, data: dict) -> dict:
    """End a mandate from a day (today by default; not before it was signed, not in the future),
    with the reason; batches already made keep their items."""
    mandate, account = _mandate(work, data["unit_id"], data["mandate_id"])
    work.caller.require_role(*MANDATE_ROLES)
    if not mandate.active:
        raise MandateCancelled(f"the debit mandate was cancelled on {mandate.cancelled_on}",
                               zh=f"该银行托收协议已于 {mandate.cancelled_on} 取消")
    today = site_today(work, account.project_id)
    on = data.get("cancelled_on") or today
    if on > today or on < mandate.signed_on:
        raise InvalidInput(f"a mandate is cancelled between its signing ({mandate.signed_on}) and today",
                           code="invalid_cancel_date", zh=f"托收协议的取消日期须在签署日（{mandate.signed_on}）与今天之间")
    _end(work, mandate, on, data["reason"])
    work.session.flush()
    return mandate_view(mandate, account)


def read_mandate_account(work: Work, unit_id: str, mandate_id: str, purpose: str) -> dict:
    """The mandate with the whole account number -- finance only, and logged (who, which, why)."""
    mandate, account = _mandate(work, unit_id, mandate_id)
    caller = work.caller
    if not privacy.sees_bank_accounts(caller):
        raise Forbidden("whole bank account numbers are read by finance only", code="role_required",
                        zh="完整银行账号仅限财务人员查看")
    audit_log.info("bank account read: user=%s roles=%s mandate=%s unit=%s project=%s purpose=%s",
                   caller.user_id, ",".join(sorted(caller.roles)), mandate.id, account.unit_id,
                   account.project_id, " ".join(purpose.split()))
    return mandate_view(mandate, account, whole_number=True)


# -- collection rounds ------------------------------------------------------------------------

def collectable(session: Session, project_id: str, *, collect_on: date, due_by: date) -> list[tuple]:
    """``(account, mandate, amount)`` of what a round collects (see the module doc), in unit order;
    a constant number of queries for the whole project."""
    mandated = session.execute(
        select(FeeAccount, DebitMandate).join(DebitMandate, and_(
            DebitMandate.account_id == FeeAccount.id, DebitMandate.active,
            DebitMandate.household_id == FeeAccount.household_id))
        .where(FeeAccount.project_id == project_id).order_by(FeeAccount.unit_label, FeeAccount.id)).all()
    owed = {aid: money(total) - money(allocated) for aid, total, allocated in session.execute(
        select(Bill.account_id, func.sum(Bill.total), func.sum(Bill.allocated))
        .where(Bill.project_id == project_id, Bill.settled_at.is_(None), Bill.issued_on <= collect_on,
               Bill.due_on <= due_by).group_by(Bill.account_id))}
    credit = {aid: -money(total) for aid, total in session.execute(
        select(Posting.account_id, func.sum(Posting.amount))
        .where(Posting.project_id == project_id, Posting.book == journal.PREPAID).group_by(Posting.account_id))}
    unanswered = set(session.scalars(
        select(BankBatchItem.account_id).join(BankBatch, BankBatch.id == BankBatchItem.batch_id)
        .where(BankBatch.project_id == project_id, BankBatchItem.status == SENT)))
    out = []
    for account, mandate in mandated:
        amount = owed.get(account.id, ZERO) - max(credit.get(account.id, ZERO), ZERO)
        if amount > ZERO and account.id not in unanswered:
            out.append((account, mandate, amount))
    if unanswered:
        log.warning("bank collection of project %s leaves out %d account(s) whose earlier item the bank "
                    "has not answered yet", project_id, len(unanswered & {a.id for a, _ in mandated}))
    return out


def _find_batch(session: Session, project_id: str, period: str, round_: int) -> BankBatch | None:
    return session.scalars(select(BankBatch).where(BankBatch.project_id == project_id, BankBatch.period == period,
                                                   BankBatch.round == round_)).first()


def make_batch(work: Work, project: Project, period: str, round_: int) -> tuple[BankBatch, bool]:
    """The project's batch of (period, round), made once; returns (batch, made now)."""
    session = work.session
    existing = _find_batch(session, project.id, period, round_)
    if existing is not None:
        return existing, False
    values = work.settings.values(project.id, on=day_in_month(int(period[:4]), int(period[5:7]), 1))
    collect_on = collection_day(values, period, round_)
    lines = collectable(session, project.id, collect_on=collect_on, due_by=due_on(values, period))
    now = work.clock.now()
    try:
        with session.begin_nested():
            batch = BankBatch(
                id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                number=batch_number(journal.take_numbers(session, project.id, "bank_batch")), period=period,
                round=round_, collect_on=collect_on, status=SETTLED if not lines else OPEN,
                item_count=len(lines), total=sum((amount for _, _, amount in lines), ZERO), created_at=now,
                created_by=work.caller.user_id)
            session.add(batch)
            session.flush()
            session.add_all([BankBatchItem(id=str(uuid.uuid4()), batch_id=batch.id, account_id=account.id,
                                           mandate_id=mandate.id, amount=amount, status=SENT, line_no=n)
                             for n, (account, mandate, amount) in enumerate(lines, start=1)])
            session.flush()
    except IntegrityError:
        # another replica (or finance by hand) made it meanwhile
        return _find_batch(session, project.id, period, round_), False
    log.info("bank batch %s of project %s (%s round %d): %d item(s), %s", batch.number, project.id, period,
             round_, batch.item_count, batch.total)
    return batch, True


def on_collect_job(work: Work, job: Job) -> None:
    """The cycle's ``bank-collect`` job: the round's batch (finance downloads its file)."""
    project_id, period = cycle.payload_of(job)
    project = work.session.get(Project, project_id)
    if project is not None:
        make_batch(work, project, period, round_of(job))


def create_round(work: Work, project_id: str, data: dict) -> dict:
    """Finance starts a round by hand (a month that has started; idempotent: the batch made once)."""
    project = project_in_scope(work, project_id)
    work.caller.require_role(*BATCH_ROLES)
    this_month = month_of(site_today(work, project.id))
    if data["period"] > this_month:
        raise PeriodNotOpen(f"{data['period']} has not started in {project.name}",
                            zh=f"{data['period']} 在{project.name}尚未开始，不能办理托收")
    if data["period"] < add_months(this_month, -1):
        raise PeriodNotOpen(f"{data['period']} is over: a round is made in its month or the next "
                            f"(today is in {this_month} at {project.name})",
                            zh=f"{data['period']} 已过：托收只能在当月或次月办理（{project.name}当前为 {this_month}）")
    batch, made = make_batch(work, project, data["period"], data["round"])
    return dict(batch_view(work.session, batch), created=made)


# -- reading batches --------------------------------------------------------------------------

def _counts(session: Session, batch_ids: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {bid: {SENT: 0, PAID: 0, FAILED: 0, "paid_total": ZERO} for bid in batch_ids}
    for bid, status, count, total in session.execute(
            select(BankBatchItem.batch_id, BankBatchItem.status, func.count(), func.sum(BankBatchItem.amount))
            .where(BankBatchItem.batch_id.in_(batch_ids)).group_by(BankBatchItem.batch_id, BankBatchItem.status)):
        out[bid][status] = count
        if status == PAID:
            out[bid]["paid_total"] = money(total)
    return out


def batch_view(session: Session, batch: BankBatch, counts: dict | None = None) -> dict:
    c = counts or _counts(session, [batch.id])[batch.id]
    return {"id": batch.id, "project_id": batch.project_id, "number": batch.number, "period": batch.period,
            "round": batch.round, "collect_on": batch.collect_on, "status": batch.status,
            "item_count": batch.item_count, "total": money(batch.total), "sent": c[SENT], "paid": c[PAID],
            "failed": c[FAILED], "paid_total": c["paid_total"], "created_at": batch.created_at,
            "created_by": batch.created_by}


def _batch(work: Work, batch_id: str, roles) -> BankBatch:
    batch, missing = work.session.get(BankBatch, batch_id), BankBatchNotFound(f"no bank batch {batch_id}")
    if batch is None:
        raise missing
    work.caller.require_project(batch.group_id, batch.project_id, not_found=missing)
    work.caller.require_role(*roles)
    return batch


def list_batches(work: Work, project_id: str, period: str | None = None, limit: int = 24) -> list[dict]:
    project = project_in_scope(work, project_id)
    work.caller.require_role(*BATCH_READERS)
    query = select(BankBatch).where(BankBatch.project_id == project.id)
    if period:
        query = query.where(BankBatch.period == period)
    batches = list(work.session.scalars(query.order_by(BankBatch.period.desc(), BankBatch.round.desc())
                                        .limit(limit)))
    counts = _counts(work.session, [b.id for b in batches])
    return [batch_view(work.session, b, counts[b.id]) for b in batches]


def _items(session: Session, batch: BankBatch) -> list[tuple[BankBatchItem, FeeAccount, DebitMandate]]:
    return list(session.execute(
        select(BankBatchItem, FeeAccount, DebitMandate)
        .join(FeeAccount, FeeAccount.id == BankBatchItem.account_id)
        .join(DebitMandate, DebitMandate.id == BankBatchItem.mandate_id)
        .where(BankBatchItem.batch_id == batch.id).order_by(BankBatchItem.line_no)).all())


def get_batch(work: Work, batch_id: str) -> dict:
    """A batch with its items (account numbers masked)."""
    batch = _batch(work, batch_id, BATCH_READERS)
    items = [{"id": item.id, "line_no": item.line_no, "account_id": account.id, "unit_id": account.unit_id,
              "unit_label": account.unit_label, "holder_name": mandate.holder_name,
              "bank_name": mandate.bank_name, "bank_account": privacy.mask_bank_account(mandate.bank_account),
              "amount": money(item.amount), "status": item.status, "reason": item.reason,
              "bank_reference": item.bank_reference, "payment_id": item.payment_id,
              "answered_at": item.answered_at}
             for item, account, mandate in _items(work.session, batch)]
    imports = [import_view(r, batch) for r in work.session.scalars(
        select(BankResultImport).where(BankResultImport.batch_id == batch.id).order_by(BankResultImport.imported_at))]
    return dict(batch_view(work.session, batch), items=items, imports=imports)


# -- the collection file ----------------------------------------------------------------------

def batch_file(work: Work, batch_id: str) -> dict:
    """The collection file for the bank (finance; whole account numbers: logged)."""
    batch = _batch(work, batch_id, BATCH_ROLES)
    items = _items(work.session, batch)
    rows: list[list] = [list(EXPORT_COLUMNS)]
    rows += [[batch.number, item.line_no, item.id, account.unit_label, mandate.holder_name, mandate.bank_name,
              mandate.bank_account, money(item.amount)] for item, account, mandate in items]
    rows.append([TOTAL, len(items), sum((money(item.amount) for item, _, _ in items), ZERO)])
    caller = work.caller
    audit_log.info("bank collection file read: user=%s roles=%s batch=%s project=%s rows=%d", caller.user_id,
                   ",".join(sorted(caller.roles)), batch.number, batch.project_id, len(items))
    return {"filename": f"bank-collection-{batch.number}.csv", "content": csvfile.text(rows)}


# -- the bank's result file ---------------------------------------------------------------------

def _amount(text: str) -> Decimal | None:
    return Decimal(text) if _AMOUNT.fullmatch(text) else None


def _parse(batch: BankBatch, by_id: dict[str, BankBatchItem], content: str) -> list[tuple[int, BankBatchItem, dict]]:
    """The rows of a result file checked against the batch: ``(line, item, answer)``; raises
    :class:`BankFileRefused` with every error (up to :data:`MAX_ERRORS`) when any row is wrong."""
    errors: list[dict] = []

    def error(line: int, code: str, message: str) -> None:
        errors.append({"line": line, "error": code, "message": message})

    try:
        table = csvfile.rows(content)
    except csvfile.CsvError as exc:
        raise BankFileRefused(f"not a CSV file: {exc}", details={"errors": [
            {"line": exc.line, "error": "not_csv", "message": str(exc)}]}, zh="不是可读取的 CSV 文件，未入账任何记录") from None
    if not table:
        raise BankFileRefused("the file is empty", details={"errors": [
            {"line": 1, "error": "empty_file", "message": "no header row"}]}, zh="回盘文件为空")
    header_line, header = table[0]
    columns = {name.lower(): i for i, name in reversed(list(enumerate(header)))}
    by_line = {item.line_no: item for item in by_id.values()}
    missing = [c for c in ("status", "amount") if c not in columns]
    if "item_id" not in columns and not {"batch_number", "line_no"} <= set(columns):
        missing.append("item_id (or batch_number and line_no)")
    if missing:
        raise BankFileRefused("the header row lacks columns", details={"errors": [
            {"line": header_line, "error": "missing_columns", "message": f"missing: {', '.join(missing)}"}]},
                              zh="回盘文件的表头缺少列")

    def get(cells: list[str], name: str) -> str:
        i = columns.get(name)
        return cells[i] if i is not None and i < len(cells) else ""

    parsed, seen, total = [], {}, None
    for line, cells in table[1:]:
        if cells[0].upper() == TOTAL:
            total = (line, cells)
            continue
        if total is not None:
            error(line, "row_after_total", "rows follow the TOTAL row")
            continue
        item_id, number, line_no = get(cells, "item_id"), get(cells, "batch_number"), get(cells, "line_no")
        if number and number != batch.number:
            error(line, "other_batch", f"batch {number} is not {batch.number}")
            continue
        by_number = line_no.isascii() and line_no.isdigit()
        item = by_id.get(item_id) if item_id else (by_line.get(int(line_no)) if by_number else None)
        if item is None:
            error(line, "unknown_item", f"no item {item_id or line_no} in batch {batch.number}")
            continue
        if item.id in seen:
            error(line, "duplicate_item", f"item {item.id} is already on line {seen[item.id]}")
            continue
        seen[item.id] = line
        status, text = get(cells, "status").lower(), get(cells, "amount")
        amount = _amount(text) if text else ZERO
        reference, reason = get(cells, "bank_reference"), get(cells, "reason")
        if status not in (PAID, FAILED):
            error(line, "bad_status", f"status {status!r} is neither paid nor failed")
        elif amount is None:
            error(line, "bad_amount", f"{text!r} is not an amount like 123.40")
        elif status == PAID and amount != money(item.amount):
            error(line, "amount_mismatch", f"collected {amount}, the item is {money(item.amount)}")
        elif status == FAILED and amount != ZERO:
            error(line, "amount_mismatch", f"a failed item collects nothing, not {amount}")
        elif len(reference) > 64 or len(reason) > 200:
            error(line, "too_long", "bank_reference is at most 64 characters, reason at most 200")
        else:
            parsed.append((line, item, {"status": status, "amount": amount, "reference": reference or None,
                                        "reason": reason or None}))
    if total is not None and not errors:
        line, cells = total
        rows, paid = (cells[1] if len(cells) > 1 else ""), _amount(cells[2] if len(cells) > 2 else "")
        expected = sum((a["amount"] for _, _, a in parsed), ZERO)
        if rows != str(len(parsed)) or paid != expected:
            said = cells[2] if len(cells) > 2 else ""
            error(line, "total_mismatch", f"the TOTAL row says {rows or '?'} rows and {said or '?'}; the file "
                                          f"has {len(parsed)} rows and {expected}")
    if errors:
        raise BankFileRefused(f"the result file has {len(errors)} error(s); nothing was recorded",
                              details={"errors": errors[:MAX_ERRORS]}, zh=f"回盘文件有 {len(errors)} 处错误，未入账任何记录")
    return parsed


def import_view(record: BankResultImport, batch: BankBatch, repeated: bool = False) -> dict:
    return {"id": record.id, "batch_id": batch.id, "batch_number": batch.number, "sha256": record.sha256,
            "imported_at": record.imported_at, "imported_by": record.imported_by, "status": record.status,
            "rows": record.rows, "applied": record.applied, "paid": record.paid, "failed": record.failed,
            "unchanged": record.unchanged, "finished_at": record.finished_at, "repeated": repeated,
            "batch_status": batch.status}


def _lock(session: Session, batch: BankBatch) -> BankBatch:
    """One import of a batch at a time (PostgreSQL row lock; SQLite has one writer)."""
    return session.scalars(select(BankBatch).where(BankBatch.id == batch.id).with_for_update()
                           .execution_options(populate_existing=True)).one()


def import_results(work: Work, batch_id: str, content: str) -> dict:
    """Take the bank's result file for a batch (finance): checked whole (refused with nothing
    recorded), once per file; its first :data:`APPLY_NOW` rows are recorded at once, the rest by
    ``bank-results`` jobs of :data:`APPLY_PER_JOB` rows each (``status`` ``applying`` until then)."""
    batch = _lock(work.session, _batch(work, batch_id, BATCH_ROLES))
    session = work.session
    sha256 = csvfile.fingerprint(content)
    imports = {r.sha256: r for r in session.scalars(select(BankResultImport).where(
        BankResultImport.batch_id == batch.id))}
    if sha256 in imports:
        return import_view(imports[sha256], batch, repeated=True)
    if any(r.status == APPLYING for r in imports.values()):
        raise ImportInProgress(f"the bank's last file for {batch.number} is still being recorded; "
                               "send this one when it is done", zh=f"批次 {batch.number} 上一份银行回盘文件仍在入账，请完成后再上传")
    items = {item.id: item for item in session.scalars(select(BankBatchItem).where(BankBatchItem.batch_id == batch.id))}
    answers = [[item.id, a["status"], a["reference"], a["reason"]] for _, item, a in _parse(batch, items, content)]
    record = BankResultImport(id=str(uuid.uuid4()), batch_id=batch.id, sha256=sha256, imported_at=work.clock.now(),
                              imported_by=work.caller.user_id, status=APPLYING, rows=len(answers), applied=0,
                              paid=0, failed=0, unchanged=0, answers=json.dumps(answers, ensure_ascii=False))
    session.add(record)
    session.flush()
    apply_results(work, batch, record, APPLY_NOW)
    return import_view(record, batch)


def on_results_job(work: Work, job: Job) -> None:
    """``bank-results``: the next rows of an import being applied."""
    record = work.session.get(BankResultImport, job.payload["import_id"])
    if record is not None and record.status == APPLYING:
        apply_results(work, _lock(work.session, work.session.get(BankBatch, record.batch_id)), record,
                      APPLY_PER_JOB)


def apply_results(work: Work, batch: BankBatch, record: BankResultImport, limit: int) -> None:
    """Record up to ``limit`` more of the import's rows (:data:`ITEM_TRANSITIONS`), then the next
    job, or -- the last row done -- the import ``done`` and the batch ``settled`` if nothing awaits
    an answer."""
    session, now = work.session, work.clock.now()
    # the day billing learns of it: an answer uploaded late never dates money into days already closed
    occurred_on = site_today(work, batch.project_id)
    answers = json.loads(record.answers or "[]")
    for item_id, status, reference, reason in answers[record.applied:record.applied + limit]:
        item = session.get(BankBatchItem, item_id)
        after = ITEM_TRANSITIONS[(item.status, status)]
        record.applied += 1
        if after == item.status:
            record.unchanged += 1
            if item.status == PAID and status == FAILED:
                log.warning("bank batch %s line %d: the bank now says failed (%s), but the item was paid; "
                            "finance reverses the payment if the bank took the money back", batch.number,
                            item.line_no, reason)
            continue
        if after == PAID:
            still_open = journal.balances(session, item.account_id)["balance_due"]
            if still_open < money(item.amount):
                log.warning("bank batch %s line %d: the bank collected %s while %s is owed now (paid otherwise "
                            "since the file was made): the difference becomes the unit's prepaid credit -- keep "
                            "it or refund it", batch.number, item.line_no, money(item.amount), max(still_open, ZERO))
            payment = payments.record_received(
                work, session.get(FeeAccount, item.account_id), method="bank_debit", amount=money(item.amount),
                occurred_on=occurred_on, reference=item_reference(batch, item),
                note=f"银行托收 {batch.number} 第{item.line_no}行" + (f" bank ref {reference}" if reference else ""))
            item.payment_id, item.reason = payment.id, None
            record.paid += 1
        else:
            item.reason = reason or "bank: failed"
            record.failed += 1
        item.status, item.bank_reference, item.answered_at, item.result_id = after, reference, now, record.id
    session.flush()
    if record.applied < record.rows:
        work.jobs.schedule(RESULTS_KIND, key=f"{record.id}:{record.applied}", due_at=now,
                           payload={"import_id": record.id}, group_id=batch.group_id, project_id=batch.project_id)
        return
    record.status, record.finished_at = DONE, now
    if batch.status == OPEN and not session.scalar(select(func.count()).select_from(BankBatchItem).where(
            BankBatchItem.batch_id == batch.id, BankBatchItem.status == SENT)):
        batch.status = BATCH_TRANSITIONS[(OPEN, "all_answered")]
    session.flush()
    log.info("bank result file for %s: %d row(s), %d paid, %d failed, %d unchanged", batch.number, record.rows,
             record.paid, record.failed, record.unchanged)
