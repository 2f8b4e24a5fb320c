"""What billing answers about a unit's and a project's money (查询) -- reads only, every one
from the journal (``domain/journal.py``) and its bills, scoped to the caller.

A unit's figures (余额, 欠费, 对账单, 账单, 收据): residents their own units, staff the units of
their projects -- a probe of another household reads exactly like a missing id. The project's
figures (应收 / 预收 / 押金, 试算平衡表) are finance's and the service centre's
(:data:`PROJECT_FIGURE_ROLES`).

**Arrears (欠费), the one definition** (the concierge's goods release asks :func:`has_arrears`):
a bill is *overdue* on a day when it is not settled and its due date is **before** that day at
the site (the project's time zone) -- a bill due today, or not yet due, is not arrears. The
unit's arrears are the outstanding amounts of its overdue bills less the prepaid credit the unit
holds and has not yet had applied (credit settles the oldest bills first, so it would settle
these); deposits held (押金) never count either way. ``has_arrears`` is true when that is above
0.00.

**Bill status** on the site's today: ``reversed`` (its charge was cancelled, 冲正), ``settled``
(结清), ``overdue`` (逾期: past its due date, something outstanding -- paid in part or not),
``partly_paid`` (部分缴纳, not yet due), ``open`` (未缴, not yet due).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import and_, case, func, select, type_coerce
from sqlalchemy.orm import Session

from kernel.money import CURRENCY, ZERO, MoneyType, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import AccountNotFound, BillNotFound, DepositNotFound, ReceiptNotFound
from ..models import (Allocation, Bill, BillLine, Deposit, FeeAccount, LedgerEntry, Payment, Posting, Project,
                      Receipt)
from . import journal, payments
from .accounts import get_account, require_reader, unit_accounts
from .deposits import as_household_reads, hidden_from, key_entry_ids, key_payment_ids
from .ledger import site_today
from .settings import project_in_scope

#: who reads a project's figures: finance (财务), the customer-service manager, the service-centre
#: manager, the general manager, the group's admin
PROJECT_FIGURE_ROLES = (Role.FINANCE, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER,
                        Role.GROUP_ADMIN)
#: the longest statement or trial balance: three years (one leap day included)
MAX_PERIOD_DAYS = 3 * 365 + 1
BILL_STATUSES = ("open", "partly_paid", "overdue", "settled", "reversed")
#: the list filter: ``open`` (not settled), ``settled`` (settled or reversed), ``all``
BILL_FILTERS = ("open", "settled", "all")


def money_sum(expression):
    """``SUM`` typed as money (fen integers on SQLite, NUMERIC on PostgreSQL -> Decimal)."""
    return type_coerce(func.coalesce(func.sum(expression), 0), MoneyType())


# -- a unit's balance and arrears ----------------------------------------------------------

def _overdue(session: Session, account_id: str, today: date, credit: Decimal) -> tuple[Decimal, int]:
    """(arrears, overdue bills): the outstanding of bills due before ``today``, less ``credit``."""
    past_due = [b for b in journal.open_bills(session, account_id) if b.due_on < today]
    outstanding = sum((journal.outstanding(b) for b in past_due), ZERO)
    return max(ZERO, outstanding - max(credit, ZERO)), len(past_due)


def balance(work: Work, unit_id: str) -> dict:
    """余额: the account's balances from the journal, its open bills, what is overdue on the
    site's today and the oldest open bill's due date."""
    account = get_account(work, unit_id, reading=True)
    return _balance(work, account)


def _balance(work: Work, account: FeeAccount) -> dict:
    session = work.session
    today = site_today(work, account.project_id)
    sums = journal.balances(session, account.id)
    count, oldest = session.execute(select(func.count(Bill.id), func.min(Bill.due_on)).where(
        Bill.account_id == account.id, Bill.settled_at.is_(None))).one()
    overdue, overdue_bills = _overdue(session, account.id, today, sums["credit"])
    sums = as_household_reads(work, account.id, sums)      # a key deposit is a borrower's (deposits.hidden_from)
    return {"account_id": account.id, "unit_id": account.unit_id, "unit_label": account.unit_label,
            "project_id": account.project_id, "currency": CURRENCY, **sums, "open_bills": count,
            "overdue": overdue, "overdue_bills": overdue_bills, "oldest_due_on": oldest, "as_of": today}


def has_arrears(work: Work, unit_id: str) -> dict:
    """"All fees settled?" -- the concierge's question before a goods release (放行, issue 12).
    Staff of the unit's project and the platform; see the module's definition of arrears."""
    work.caller.require_staff()
    account = get_account(work, unit_id)
    figures = _balance(work, account)
    return {"unit_id": account.unit_id, "has_arrears": figures["overdue"] > ZERO,
            **{k: figures[k] for k in ("overdue", "overdue_bills", "balance_due", "oldest_due_on", "as_of")},
            "previous": previous_arrears(work, account.unit_id, figures["as_of"])}


def previous_arrears(work: Work, unit_id: str, today: date) -> list[dict]:
    """The unit's closed accounts (previous households', 原业主账户, newest first) with something
    overdue: the concierge sees that an old owner still owes before letting their goods out."""
    out = []
    for closed in work.session.scalars(select(FeeAccount).where(
            FeeAccount.unit_id == unit_id, FeeAccount.closed_on.is_not(None))
            .order_by(FeeAccount.closed_on.desc(), FeeAccount.id)):
        credit = journal.balances(work.session, closed.id)["credit"]
        overdue, _ = _overdue(work.session, closed.id, today, credit)
        if overdue > ZERO:
            out.append({"account_id": closed.id, "household_id": closed.household_id,
                        "payer_name": closed.payer_name, "closed_on": closed.closed_on, "overdue": overdue})
    return out


# -- a unit's accounts (一户一账: the open one and previous households' closed ones) -------------

def list_accounts(work: Work, unit_id: str) -> dict:
    """The unit's fee accounts the caller may read, the open one first, then the closed ones newest
    first: whose (household, payer), opened and closed, who took over, and its figures on the site's
    today -- so staff find a previous household's ``account_id`` for its bills, statement and
    receipts, and an old owner his own. Staff of the unit's project: every account; a resident: the
    accounts of households he belongs or belonged to (:func:`accounts.require_reader`). None the
    caller may read: 404, as a unit without an account."""
    missing = AccountNotFound(f"no fee account for unit {unit_id}")
    found = unit_accounts(work.session, unit_id)
    if not found:
        raise missing
    if not work.caller.is_resident:
        work.caller.require_unit(found[0].group_id, found[0].project_id, unit_id, not_found=missing)
        readable = found
    else:
        readable = []
        for account in found:
            try:
                require_reader(work, account, missing)
            except AccountNotFound:
                continue
            readable.append(account)
        if not readable:
            raise missing
    items = []
    for account in readable:
        figures = _balance(work, account)
        items.append({**figures, "household_id": account.household_id, "payer_name": account.payer_name,
                      "status": "closed" if account.closed_on is not None else "open",
                      "opened_at": account.opened_at, "closed_on": account.closed_on,
                      "succeeded_by": account.succeeded_by})
    return {"unit_id": unit_id, "items": items}


# -- the statement (对账单) --------------------------------------------------------------------

def statement(work: Work, unit_id: str, date_from: date, date_to: date, account_id: str | None = None) -> dict:
    """对账单 of a period (days inclusive, by the entries' ``occurred_on``): the opening balance
    (every entry before ``date_from``), the period's entries in order with the running balance,
    the bills or receipt each concerns and its reversal marks, the closing balance --
    ``opening + sum(amounts) == closing`` always. The schema bounds the period
    (:data:`MAX_PERIOD_DAYS`). ``account_id``: one of the unit's accounts (a closed one: a previous
    household's, :func:`accounts.require_reader`), else the unit's open account."""
    account = get_account(work, unit_id, account_id, reading=True)
    session = work.session
    opening = money(session.scalar(select(money_sum(LedgerEntry.amount)).where(
        LedgerEntry.account_id == account.id, LedgerEntry.occurred_on < date_from)))
    entries = session.scalars(select(LedgerEntry).where(
        LedgerEntry.account_id == account.id, LedgerEntry.occurred_on >= date_from,
        LedgerEntry.occurred_on <= date_to).order_by(LedgerEntry.occurred_on, LedgerEntry.line_no)).all()
    if work.caller.is_resident:      # a key deposit's lines are a borrower's (none moves the balance due)
        hidden = key_entry_ids(session, account.id)
        entries = [entry for entry in entries if entry.id not in hidden]
    refs = _entry_refs(session, account.id, entries)
    running, lines = opening, []
    for entry in entries:
        running += money(entry.amount)
        lines.append({"entry_id": entry.id, "line_no": entry.line_no, "date": entry.occurred_on,
                      "kind": entry.kind, "description": entry.description, "amount": money(entry.amount),
                      "balance": running, "reason": entry.reason, "posted_at": entry.posted_at,
                      **refs[entry.id]})
    return {"account_id": account.id, "unit_id": account.unit_id, "unit_label": account.unit_label,
            "payer_name": account.payer_name, "currency": CURRENCY, "date_from": date_from,
            "date_to": date_to, "opening_balance": opening, "entries": lines, "closing_balance": running}


def _entry_refs(session: Session, account_id: str, entries) -> dict[str, dict]:
    """Per entry: the bill numbers it charged or settled, its receipt, its reversal marks."""
    ids = [e.id for e in entries]
    refs = {e.id: {"bills": [], "receipt_id": None, "receipt_number": None, "reversed_by": None,
                   "reverses": None} for e in entries}
    if not ids:
        return refs
    for entry_id, number in session.execute(select(Bill.entry_id, Bill.number).where(
            Bill.account_id == account_id, Bill.entry_id.in_(ids))):
        refs[entry_id]["bills"].append(number)
    for entry_id, number in session.execute(
            select(Allocation.entry_id, Bill.number).join(Bill, Bill.id == Allocation.bill_id)
            .where(Allocation.entry_id.in_(ids)).order_by(Allocation.id)):
        if number not in refs[entry_id]["bills"]:
            refs[entry_id]["bills"].append(number)
    payments = {e.ref_id: e.id for e in entries if e.ref_type == "payment"}
    if payments:
        for payment_id, receipt_id, number in session.execute(
                select(Payment.id, Receipt.id, Receipt.number).join(Receipt, Receipt.id == Payment.receipt_id)
                .where(Payment.id.in_(list(payments)))):
            refs[payments[payment_id]].update(receipt_id=receipt_id, receipt_number=number)
    for reverses_id, line_no in session.execute(select(LedgerEntry.reverses_id, LedgerEntry.line_no).where(
            LedgerEntry.reverses_id.in_(ids))):
        refs[reverses_id]["reversed_by"] = line_no
    originals = {e.reverses_id: e.id for e in entries if e.reverses_id}
    if originals:
        for original_id, line_no in session.execute(select(LedgerEntry.id, LedgerEntry.line_no).where(
                LedgerEntry.id.in_(list(originals)))):
            refs[originals[original_id]]["reverses"] = line_no
    return refs


# -- bills (账单) ------------------------------------------------------------------------------

def bill_status(bill: Bill, today: date, reversed_: bool) -> str:
    if reversed_:
        return "reversed"
    if bill.settled_at is not None:
        return "settled"
    if bill.due_on < today:
        return "overdue"
    return "partly_paid" if money(bill.allocated) > ZERO else "open"


def list_bills(work: Work, unit_id: str, status: str = "all", period: str | None = None,
               limit: int = 50, offset: int = 0, account_id: str | None = None) -> dict:
    """The unit's bills, newest first (due date, issue date, number), with their lines and what
    settled them; ``status`` ``open`` | ``settled`` (settled or reversed) | ``all``; ``period``
    YYYY-MM (monthly bills of that month); ``account_id`` as for :func:`statement`."""
    account = get_account(work, unit_id, account_id, reading=True)
    query = select(Bill).where(Bill.account_id == account.id)
    if status == "open":
        query = query.where(Bill.settled_at.is_(None))
    elif status == "settled":
        query = query.where(Bill.settled_at.is_not(None))
    if period:
        query = query.where(Bill.period == period)
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    bills = work.session.scalars(query.order_by(Bill.due_on.desc(), Bill.issued_on.desc(), Bill.number.desc())
                                 .limit(limit).offset(offset)).all()
    return {"items": _bill_views(work, account, bills), "total": total}


def _account_of(work: Work, row: Bill | Receipt | None, missing) -> FeeAccount:
    """The account a bill or receipt is on, if the caller may see it -- else ``missing``, the
    very error of an id that does not exist."""
    if row is None:
        raise missing
    account = work.session.get(FeeAccount, row.account_id)
    require_reader(work, account, missing)
    return account


def get_bill(work: Work, bill_id: str) -> dict:
    bill = work.session.get(Bill, bill_id)
    return _bill_views(work, _account_of(work, bill, BillNotFound(f"no bill {bill_id}")), [bill])[0]


def bill_view(work: Work, bill: Bill) -> dict:
    """One bill as ``schemas.BillOut`` (the caller has checked scope)."""
    return _bill_views(work, work.session.get(FeeAccount, bill.account_id), [bill])[0]


def _bill_views(work: Work, account: FeeAccount, bills) -> list[dict]:
    session = work.session
    ids = [b.id for b in bills]
    if not ids:
        return []
    today = site_today(work, account.project_id)
    lines, settlements = defaultdict(list), defaultdict(list)
    for line in session.scalars(select(BillLine).where(BillLine.bill_id.in_(ids))
                                .order_by(BillLine.bill_id, BillLine.line_no)):
        lines[line.bill_id].append(line)
    for row in session.execute(
            select(Allocation.bill_id, Allocation.entry_id, Allocation.amount, LedgerEntry.kind,
                   LedgerEntry.occurred_on, Receipt.id, Receipt.number, Receipt.voided_at)
            .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
            .outerjoin(Payment, and_(LedgerEntry.ref_type == "payment", Payment.id == LedgerEntry.ref_id))
            .outerjoin(Receipt, Receipt.id == Payment.receipt_id)
            .where(Allocation.bill_id.in_(ids)).order_by(Allocation.id)):
        settlements[row[0]].append({"entry_id": row[1], "amount": money(row[2]), "kind": row[3],
                                    "occurred_on": row[4], "receipt_id": row[5], "receipt_number": row[6],
                                    "receipt_voided": row[7] is not None})
    reversed_ = journal.reversed_ids(session, [b.entry_id for b in bills if b.entry_id])
    return [{"id": b.id, "number": b.number, "account_id": account.id, "unit_id": account.unit_id,
             "unit_label": account.unit_label, "kind": b.kind, "period": b.period, "issued_on": b.issued_on,
             "due_on": b.due_on, "total": money(b.total), "allocated": money(b.allocated),
             "outstanding": journal.outstanding(b), "settled_at": b.settled_at,
             "status": bill_status(b, today, b.entry_id in reversed_),
             "overdue": b.settled_at is None and b.due_on < today, "lines": lines[b.id],
             "settlements": settlements[b.id]} for b in bills]


# -- receipts (收据) ---------------------------------------------------------------------------

def list_receipts(work: Work, unit_id: str, limit: int = 50, offset: int = 0,
                  account_id: str | None = None) -> dict:
    """The unit's receipts, newest first (voided ones stay, marked); ``account_id`` as for
    :func:`statement`."""
    account = get_account(work, unit_id, account_id, reading=True)
    query = select(Receipt).where(Receipt.account_id == account.id)
    if work.caller.is_resident:      # a key deposit's receipt is the borrower's (deposits.hidden_from)
        hidden = key_payment_ids(work.session, account.id)
        if hidden:
            query = query.where(Receipt.payment_id.is_(None) | Receipt.payment_id.not_in(list(hidden)))
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    receipts = work.session.scalars(query.order_by(Receipt.issued_at.desc(), Receipt.seq.desc())
                                    .limit(limit).offset(offset)).all()
    return {"items": _receipt_views(work.session, account, receipts), "total": total}


def get_receipt(work: Work, receipt_id: str) -> dict:
    receipt = work.session.get(Receipt, receipt_id)
    missing = ReceiptNotFound(f"no receipt {receipt_id}")
    account = _account_of(work, receipt, missing)
    if receipt.payment_id and hidden_from(work, work.session.scalars(select(Deposit).where(
            Deposit.payment_id == receipt.payment_id)).first()):
        raise missing                # a key deposit's receipt: the borrower's, unknown to the household
    return _receipt_views(work.session, account, [receipt])[0]


def _receipt_views(session: Session, account: FeeAccount, receipts) -> list[dict]:
    payment_ids = [r.payment_id for r in receipts if r.payment_id]
    methods = dict(session.execute(select(Payment.id, Payment.method).where(Payment.id.in_(payment_ids)))
                   .all()) if payment_ids else {}
    return [payments.receipt_view(r, account, methods.get(r.payment_id)) for r in receipts]


# -- deposits (押金) ---------------------------------------------------------------------------------

def get_deposit(work: Work, deposit_id: str) -> dict:
    """One deposit with what it still holds and its history from the journal (held, refunded,
    forfeited -- 押金扣除 --, voided): its unit's residents and the staff of its project."""
    from .deposits import deposit_history, held, pledged_to
    deposit = work.session.get(Deposit, deposit_id)
    missing = DepositNotFound(f"no deposit {deposit_id}")
    account = _account_of(work, deposit, missing)
    if hidden_from(work, deposit):
        raise missing                # a key deposit: the borrower's, unknown to the household
    view = {column: getattr(deposit, column) for column in (
        "id", "account_id", "purpose", "amount", "refunded", "forfeited", "status", "payment_id", "held_at",
        "held_by")}
    view.update(holds=held(deposit), unit_id=account.unit_id, unit_label=account.unit_label,
                pledged_loan_id=pledged_to(deposit), history=deposit_history(work.session, deposit))
    return view


# -- the project's figures ---------------------------------------------------------------------

def _project(work: Work, project_id: str) -> Project:
    """The project in the caller's scope (404 like a missing one) -- and a reader of its figures."""
    project = project_in_scope(work, project_id)
    work.caller.require_role(*PROJECT_FIGURE_ROLES)
    return project


def project_ledger(work: Work, project_id: str) -> dict:
    """The project's receivables (应收), prepaid credit held (预收), deposits held (押金) and every
    book's balance, from its postings in one grouped query; what is overdue on the site's today
    (gross: before any unit's unapplied credit) and how many accounts it is on."""
    project = _project(work, project_id)
    session = work.session
    books = {book: money(total) for book, total in session.execute(
        select(Posting.book, money_sum(Posting.amount)).where(Posting.project_id == project.id)
        .group_by(Posting.book).order_by(Posting.book))}
    today = site_today(work, project.id)
    overdue, in_arrears = session.execute(
        select(money_sum(Bill.total - Bill.allocated), func.count(func.distinct(Bill.account_id)))
        .where(Bill.project_id == project.id, Bill.settled_at.is_(None), Bill.due_on < today)).one()
    open_bills = session.scalar(select(func.count(Bill.id)).where(
        Bill.project_id == project.id, Bill.settled_at.is_(None)))
    receivable, credit = books.get(journal.RECEIVABLE, ZERO), -books.get(journal.PREPAID, ZERO)
    return {"project_id": project.id, "currency": CURRENCY, "as_of": today, "receivable": receivable,
            "credit": credit, "deposits_held": -books.get(journal.DEPOSIT, ZERO),
            "balance_due": receivable - credit, "open_bills": open_bills, "overdue": money(overdue),
            "accounts_in_arrears": in_arrears,
            "accounts": session.scalar(select(func.count(FeeAccount.id)).where(FeeAccount.project_id == project.id)),
            "books": [{"book": book, "balance": amount} for book, amount in books.items()]}


def trial_balance(work: Work, project_id: str, date_from: date, date_to: date) -> dict:
    """试算平衡表 of a period (days inclusive, by the entries' ``occurred_on``): per book its
    opening balance, the period's debits (借) and credits (贷, as positive amounts) and its closing
    balance, in one grouped query; every column nets to zero over the books (``balanced``)."""
    project = _project(work, project_id)
    before = LedgerEntry.occurred_on < date_from
    during = LedgerEntry.occurred_on >= date_from
    rows = work.session.execute(
        select(Posting.book,
               money_sum(case((before, Posting.amount), else_=0)),
               money_sum(case((and_(during, Posting.amount > 0), Posting.amount), else_=0)),
               money_sum(case((and_(during, Posting.amount < 0), -Posting.amount), else_=0)))
        .join(LedgerEntry, LedgerEntry.id == Posting.entry_id)
        .where(Posting.project_id == project.id, LedgerEntry.occurred_on <= date_to)
        .group_by(Posting.book).order_by(Posting.book)).all()
    books = []
    for book, opening, debit, credit in rows:
        opening, debit, credit = money(opening), money(debit), money(credit)
        books.append({"book": book, "opening": opening, "debit": debit, "credit": credit,
                      "closing": opening + debit - credit})
    totals = {k: sum((b[k] for b in books), ZERO) for k in ("opening", "debit", "credit", "closing")}
    return {"project_id": project.id, "currency": CURRENCY, "date_from": date_from, "date_to": date_to,
            "books": books, "totals": totals,
            "balanced": totals["opening"] == ZERO and totals["closing"] == ZERO and totals["debit"] == totals["credit"]}
