"""The journal (日记账) in double-entry form -- the one way money moves in billing.

Every change to what a household owes or holds is one :class:`LedgerEntry` with two or more
:class:`Posting` lines that sum to zero (debit positive, credit negative). The books:

================  ===========================================================================
``receivable``    应收: the unit's bills not yet settled (debit-normal; per account)
``prepaid``       预收: the unit's credit -- prepayments, overpayments (credit-normal; per account)
``deposit``       押金/保证金 held for the unit (credit-normal; per account)
``income:<item>`` 收入 per fee item (``income:management``, ``income:repair``, ``income:late_fee``;
                  ``income:deposit_forfeit``: a deposit's part withheld for a renovation's
                  violations, 押金扣除 -- ``deposit_forfeited`` entries, ``domain/deposits.py``)
``cash`` ``card`` ``bank`` ``wechat`` ``alipay``   where the money is (现金, 刷卡, 银行, 微信, 支付宝)
``opening``       期初: the other side of balances carried over from before billing kept them
``discount``      减免 granted; ``write_off`` 核销 (bad debt); ``adjustment`` 调整
================  ===========================================================================

A unit's balance due (欠费 when positive, credit when negative) is the sum of its
``receivable`` and ``prepaid`` postings -- it is also each entry's ``amount`` -- and deposits
held are minus the sum of its ``deposit`` postings. The project's receivables and deposits
are the same sums over the project. Nothing here updates or deletes a posting: a mistake is a
:func:`reverse` (the exact negation, with who and why) and a new entry.

Every receivable is a :class:`Bill` (the month's bill, a one-off charge, the opening balance,
a late fee); credits settle bills through :class:`Allocation` rows **oldest bill first**
(earliest due date, then issue date, then number). So for every account, at all times::

    sum(receivable postings) == sum(bill.total - bill.allocated)

(the property test in ``tests/test_journal_properties.py`` drives random sequences of every
operation and checks this, the zero sum and the balances).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Sequence

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kernel.errors import Conflict, InvalidInput
from kernel.money import ZERO, money
from kernel.work import Work

from ..exceptions import DuplicatePosting
from ..models import ENTRY_KINDS, Allocation, Bill, BillLine, FeeAccount, LedgerEntry, NumberSequence, Posting

RECEIVABLE, PREPAID, DEPOSIT = "receivable", "prepaid", "deposit"
#: the books that make up what the household owes (their sum is the balance due)
BALANCE_BOOKS = (RECEIVABLE, PREPAID)
UNIT_BOOKS = (RECEIVABLE, PREPAID, DEPOSIT)
#: where money received is, by payment method
MONEY_BOOKS = {"cash": "cash", "card": "card", "transfer": "bank", "bank_debit": "bank",
               "wechat": "wechat", "alipay": "alipay"}
OTHER_BOOKS = ("opening", "discount", "write_off", "adjustment")
INCOME_PREFIX = "income:"
BOOKS = frozenset(UNIT_BOOKS + OTHER_BOOKS) | frozenset(MONEY_BOOKS.values())

#: entry kinds a plain :func:`reverse` may cancel (deposits and refunds go through their own flows)
REVERSIBLE = ("opening_balance", "charge", "payment", "prepaid_applied", "late_fee", "discount",
              "write_off", "adjustment")


class NotReversible(Conflict):
    default_code = "not_reversible"
    zh = "该账务记录不能在此冲回"


class AlreadyReversed(Conflict):
    default_code = "already_reversed"
    zh = "该账务记录已冲回"


class BillHasPayments(Conflict):
    """A charge whose bill has credits on it: reverse the credits first."""
    default_code = "bill_has_payments"
    zh = "该账单已有缴费，请先作废这些缴费的收据"


def income(item_code: str) -> str:
    return f"{INCOME_PREFIX}{item_code}"


def is_book(book: str) -> bool:
    return book in BOOKS or (book.startswith(INCOME_PREFIX) and len(book) > len(INCOME_PREFIX))


@dataclass(frozen=True)
class Line:
    """One line of an entry: ``amount`` signed, debit positive."""
    book: str
    amount: Decimal


def balanced(lines: Iterable[tuple[str, Decimal] | Line], *, allow_empty: bool = False) -> list[Line]:
    """The entry's lines checked: known books, exact amounts, zero lines dropped, zero sum.
    ``allow_empty``: an entry that moves nothing (the opening balance of 0.00 -- "checked at the
    takeover: nothing owed") keeps no lines."""
    out = []
    for line in lines:
        book, amount = (line.book, line.amount) if isinstance(line, Line) else line
        if not is_book(book):
            raise ValueError(f"unknown book {book!r}")
        amount = money(amount)
        if amount != ZERO:
            out.append(Line(book, amount))
    if sum((line.amount for line in out), ZERO) != ZERO:
        raise ValueError(f"unbalanced entry: {out}")
    if len(out) < 2 and not (allow_empty and not out):
        raise ValueError("an entry needs two lines or more")
    return out


def balance_effect(lines: Sequence[Line]) -> Decimal:
    return sum((line.amount for line in lines if line.book in BALANCE_BOOKS), ZERO)


# -- numbers ----------------------------------------------------------------------------

def take_numbers(session: Session, project_id: str, kind: str, count: int = 1) -> int:
    """Reserve ``count`` consecutive numbers of a project's ``kind`` sequence; returns the first.
    The sequence row is locked until the transaction ends (sequential, no gaps: a rolled-back
    taker gives its numbers back)."""
    row = session.scalars(select(NumberSequence).where(
        NumberSequence.project_id == project_id, NumberSequence.kind == kind)
        .with_for_update().execution_options(populate_existing=True)).first()
    if row is None:
        session.add(NumberSequence(project_id=project_id, kind=kind, last=0))
        try:
            with session.begin_nested():
                session.flush()
        except IntegrityError:
            pass
        row = session.scalars(select(NumberSequence).where(
            NumberSequence.project_id == project_id, NumberSequence.kind == kind)
            .with_for_update().execution_options(populate_existing=True)).one()
    first = row.last + 1
    row.last = row.last + count
    session.flush()
    return first


def bill_number(seq: int) -> str:
    return f"ZD{seq:08d}"


# -- posting ------------------------------------------------------------------------------

def lock_account(session: Session, account: FeeAccount) -> FeeAccount:
    """Serialise postings to one account (PostgreSQL row lock; SQLite has one writer)."""
    return session.scalars(select(FeeAccount).where(FeeAccount.id == account.id)
                           .with_for_update().execution_options(populate_existing=True)).one()


def next_line_no(session: Session, account_id: str) -> int:
    last = session.scalar(select(func.max(LedgerEntry.line_no)).where(LedgerEntry.account_id == account_id))
    return (last or 0) + 1


def post(work: Work, account: FeeAccount, *, kind: str, lines, description: str, occurred_on: date,
         ref_type: str | None = None, ref_id: str | None = None, reason: str | None = None,
         reverses_id: str | None = None, publish: bool = True) -> LedgerEntry:
    """Post one balanced entry to the account's journal. ``publish``: record
    ``account.balance_changed`` now (composite operations pass False and publish once at the
    end with :func:`publish_balance`). The caller has checked scope and roles. Only an
    ``opening_balance`` may move nothing (0.00 carried over)."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    checked = balanced(lines, allow_empty=kind == "opening_balance")
    session = work.session
    account = lock_account(session, account)
    entry = LedgerEntry(
        id=str(uuid.uuid4()), account_id=account.id, group_id=account.group_id,
        project_id=account.project_id, line_no=next_line_no(session, account.id), kind=kind,
        amount=balance_effect(checked), description=description[:400], occurred_on=occurred_on,
        posted_at=work.clock.now(), posted_by=work.caller.user_id, ref_type=ref_type, ref_id=ref_id,
        reason=(reason or None) and reason[:400], reverses_id=reverses_id)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:
        # the unit of work is rolled back as this error leaves the worker
        raise DuplicatePosting(f"{kind} for {ref_type} {ref_id} is already posted",
                               zh=f"该笔款项（{ref_type} {ref_id}）已入账，不能重复入账") from None
    session.add_all([Posting(entry_id=entry.id, group_id=account.group_id, project_id=account.project_id,
                             account_id=account.id, book=line.book, amount=line.amount) for line in checked])
    session.flush()
    if publish:
        publish_balance(work, account, cause=kind, entry_id=entry.id)
    return entry


def publish_balance(work: Work, account: FeeAccount, *, cause: str, entry_id: str | None) -> None:
    """``account.balance_changed`` with the account as it now stands."""
    from .accounts import record_balance_changed
    from .dunning import on_balance
    from .renovation_fees import on_balance as renovation_fees_paid
    on_balance(work, account)        # a debt paid stops its dunning at once (and bills its late fee)
    renovation_fees_paid(work, account)   # a renovation's deposit held and garbage fee paid: tickets told
    entry = work.session.get(LedgerEntry, entry_id) if entry_id else None
    record_balance_changed(work, account, cause=cause, entry_id=entry_id,
                           as_of=entry.posted_at if entry is not None else work.clock.now())


def postings_of(session: Session, entry_id: str) -> list[Line]:
    return [Line(book, amount) for book, amount in session.execute(
        select(Posting.book, Posting.amount).where(Posting.entry_id == entry_id).order_by(Posting.id))]


# -- bills ----------------------------------------------------------------------------------

def issue_bill(work: Work, account: FeeAccount, *, kind: str, entry_kind: str, lines: list[dict],
               issued_on: date, due_on: date, source_type: str, source_id: str, description: str,
               period: str | None = None, run_id: str | None = None, apply_prepaid: bool = True,
               publish: bool = True) -> Bill:
    """A bill with its lines and its charge entry (receivable debited, each line's income book
    credited: ``line["book"]``, default ``income:<item_code>``); then the unit's prepaid
    credit is applied to its open bills (prepaid balances are used first). Once per
    (account, source_type, source_id): a second call raises :class:`DuplicatePosting`.

    ``lines``: dicts with ``item_code``, ``item_name``, ``quantity``, ``quantity_unit``,
    ``unit_price``, ``amount`` (rounded at the fen already), optional ``price_id``,
    ``price_from``, ``detail``, ``book``."""
    session = work.session
    account = lock_account(session, account)
    total = sum((money(line["amount"]) for line in lines), ZERO)
    if not lines or total <= ZERO or any(money(line["amount"]) < ZERO for line in lines):
        raise InvalidInput("a bill needs lines with amounts above zero", code="empty_bill", zh="账单须有金额大于零的明细")
    credits: dict[str, Decimal] = {}
    for line in lines:
        book = line.get("book") or income(line["item_code"])
        credits[book] = credits.get(book, ZERO) - money(line["amount"])
    entry = post(work, account, kind=entry_kind, lines=[(RECEIVABLE, total), *credits.items()],
                 description=description, occurred_on=issued_on, ref_type=source_type, ref_id=source_id,
                 publish=False)
    bill = Bill(id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                account_id=account.id, household_id=account.household_id,
                number=bill_number(take_numbers(session, account.project_id, "bill")), kind=kind,
                period=period, issued_on=issued_on, due_on=due_on, total=total, allocated=ZERO,
                source_type=source_type, source_id=source_id, entry_id=entry.id, run_id=run_id,
                created_at=work.clock.now(), created_by=work.caller.user_id)
    session.add(bill)
    try:
        session.flush()
    except IntegrityError:
        raise DuplicatePosting(f"a bill for {source_type} {source_id} already exists",
                               zh=f"{source_type} {source_id} 的账单已存在") from None
    session.add_all([BillLine(
        bill_id=bill.id, line_no=n, item_code=line["item_code"], item_name=line["item_name"],
        quantity=line["quantity"], quantity_unit=line["quantity_unit"], unit_price=line["unit_price"],
        amount=money(line["amount"]), price_id=line.get("price_id"), price_from=line.get("price_from"),
        detail=line.get("detail", "")) for n, line in enumerate(lines, start=1)])
    session.flush()
    last = entry
    if apply_prepaid:
        last = apply_credit(work, account, occurred_on=issued_on, publish=False) or entry
    if publish:
        publish_balance(work, account, cause=last.kind, entry_id=last.id)
    return bill


def open_bills(session: Session, account_id: str) -> list[Bill]:
    """The account's unsettled bills, oldest first -- the order credits settle them in."""
    return list(session.scalars(select(Bill).where(Bill.account_id == account_id, Bill.settled_at.is_(None))
                                .order_by(Bill.due_on, Bill.issued_on, Bill.number)))


def outstanding(bill: Bill) -> Decimal:
    return money(bill.total) - money(bill.allocated)


def _allocate_to(work: Work, entry: LedgerEntry, bill: Bill, amount: Decimal) -> None:
    """Settle ``amount`` (negative: un-settle) of ``bill`` by ``entry``."""
    work.session.add(Allocation(entry_id=entry.id, bill_id=bill.id, account_id=bill.account_id,
                                amount=amount, created_at=work.clock.now()))
    bill.allocated = money(bill.allocated) + amount
    bill.settled_at = work.clock.now() if outstanding(bill) == ZERO else None


def allocate(work: Work, entry: LedgerEntry, amount: Decimal, bills: Sequence[Bill]) -> Decimal:
    """Settle ``bills`` in the order given with up to ``amount``; returns what is left."""
    left = money(amount)
    for bill in bills:
        if left <= ZERO:
            break
        take = min(left, outstanding(bill))
        if take > ZERO:
            _allocate_to(work, entry, bill, take)
            left -= take
    work.session.flush()
    return left


def book_sums(session: Session, account_id: str) -> dict[str, Decimal]:
    rows = session.execute(select(Posting.book, func.sum(Posting.amount))
                           .where(Posting.account_id == account_id, Posting.book.in_(UNIT_BOOKS))
                           .group_by(Posting.book)).all()
    sums = {book: ZERO for book in UNIT_BOOKS}
    sums.update({book: money(total) for book, total in rows})
    return sums


def balances(session: Session, account_id: str) -> dict[str, Decimal]:
    """``receivable`` (bills not settled), ``credit`` (prepaid, positive), ``deposits_held``
    and ``balance_due`` (receivable - credit) of one account, from its postings."""
    sums = book_sums(session, account_id)
    return {"receivable": sums[RECEIVABLE], "credit": -sums[PREPAID], "deposits_held": -sums[DEPOSIT],
            "balance_due": sums[RECEIVABLE] + sums[PREPAID]}


def apply_credit(work: Work, account: FeeAccount, *, occurred_on: date,
                 publish: bool = True) -> LedgerEntry | None:
    """Use the unit's prepaid credit (预收冲抵) on its open bills, oldest first: one
    ``prepaid_applied`` entry (prepaid debited, receivable credited). None if there is no
    credit or nothing open."""
    account = lock_account(work.session, account)
    credit = -book_sums(work.session, account.id)[PREPAID]
    bills = open_bills(work.session, account.id)
    due = sum((outstanding(b) for b in bills), ZERO)
    use = min(credit, due)
    if use <= ZERO:
        return None
    entry = post(work, account, kind="prepaid_applied", lines=[(PREPAID, use), (RECEIVABLE, -use)],
                 description="预收冲抵 prepaid credit applied", occurred_on=occurred_on, publish=False)
    allocate(work, entry, use, bills)
    if publish:
        publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return entry


def receive(work: Work, account: FeeAccount, *, amount: Decimal, book: str, occurred_on: date,
            description: str, ref_type: str, ref_id: str, kind: str = "payment",
            publish: bool = True) -> LedgerEntry:
    """Money received for the unit's fees (收款): the unit's prepaid credit is applied first,
    then the money settles its open bills oldest first; what is left becomes prepaid credit.
    One ``payment`` entry: ``book`` debited, receivable and prepaid credited."""
    amount = money(amount)
    if amount <= ZERO:
        raise InvalidInput("a payment must be above zero", code="invalid_amount", zh="缴费金额须大于零")
    account = lock_account(work.session, account)
    apply_credit(work, account, occurred_on=occurred_on, publish=False)
    bills = open_bills(work.session, account.id)
    due = sum((outstanding(b) for b in bills), ZERO)
    to_bills = min(amount, due)
    entry = post(work, account, kind=kind,
                 lines=[(book, amount), (RECEIVABLE, -to_bills), (PREPAID, to_bills - amount)],
                 description=description, occurred_on=occurred_on, ref_type=ref_type, ref_id=ref_id,
                 publish=False)
    allocate(work, entry, to_bills, bills)
    if publish:
        publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return entry


def credit_bill(work: Work, account: FeeAccount, *, kind: str, book: str, amount: Decimal,
                bills: Sequence[Bill], occurred_on: date, description: str, reason: str,
                ref_type: str | None = None, ref_id: str | None = None, publish: bool = True) -> LedgerEntry:
    """A discount (减免, ``kind`` ``discount``, book ``discount``) or write-off (核销,
    ``write_off``) of up to the open amount of ``bills`` (in the order given)."""
    amount = money(amount)
    open_amount = sum((outstanding(b) for b in bills), ZERO)
    if amount <= ZERO or amount > open_amount:
        raise InvalidInput(f"{kind} must be above zero and at most the open amount {open_amount}",
                           code="invalid_amount",
                           zh=f"{'减免' if kind == 'discount' else '核销'}金额须大于零且不超过未缴金额 {open_amount}")
    entry = post(work, account, kind=kind, lines=[(book, amount), (RECEIVABLE, -amount)],
                 description=description, occurred_on=occurred_on, reason=reason, ref_type=ref_type,
                 ref_id=ref_id, publish=False)
    allocate(work, entry, amount, bills)
    if publish:
        publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return entry


def reverse(work: Work, entry_id: str, *, reason: str, occurred_on: date,
            publish: bool = True, kinds: Sequence[str] = REVERSIBLE) -> LedgerEntry:
    """冲正: cancel an entry by its exact negation, with who (the caller) and why. A charge's
    bill is settled by the reversal (nothing left to pay on it); prepaid credit the journal had
    applied to it goes back to credit (and on to the unit's other open bills) -- refused while money
    paid on the bill itself is on it (void its receipt first); a credit's allocations are undone
    (its bills open again). An entry is
    reversed at most once; a reversal is not reversed (post a new entry instead).
    ``kinds``: the entry kinds the caller's flow may reverse (the deposit's own flow passes
    ``("deposit_held",)`` when its receipt is voided)."""
    session = work.session
    original = session.get(LedgerEntry, entry_id)
    if original is None:
        raise InvalidInput(f"no entry {entry_id}", code="entry_not_found", zh="未找到该账务记录")
    account = lock_account(session, session.get(FeeAccount, original.account_id))
    if original.kind not in kinds:
        raise NotReversible(f"a {original.kind} entry is not reversed here", zh=f"{original.kind} 类账务记录不能在此冲回")
    if session.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id)):
        raise AlreadyReversed(f"entry {original.id} is already reversed", zh="该账务记录已冲回")
    charged = session.scalars(select(Bill).where(Bill.entry_id == original.id)).first()
    applied = []
    if charged is not None and money(charged.allocated) != ZERO:
        # prepaid credit the journal applied to the bill by itself goes back to credit first (those
        # credit applications reversed; the other bills they settled take the credit again below);
        # money paid on the bill itself is refused: void its receipt (the payment's own flow)
        applied = _credit_applications(session, charged)
        if applied is None:
            raise BillHasPayments(f"bill {charged.number} has {charged.allocated} paid on it; void the "
                                  "receipts of those payments first",
                                  zh=f"账单 {charged.number} 已缴 {charged.allocated}，请先作废这些缴费的收据")
        for application in applied:
            reverse(work, application, reason=f"{reason} (bill {charged.number} cancelled)",
                    occurred_on=occurred_on, publish=False, kinds=("prepaid_applied",))
    lines = [(line.book, -line.amount) for line in postings_of(session, original.id)]
    entry = post(work, account, kind="reversal", lines=lines,
                 description=f"冲正 reversal of {original.kind} #{original.line_no}", occurred_on=occurred_on,
                 reason=reason, reverses_id=original.id, ref_type="reversal", ref_id=original.id,
                 publish=False)
    if charged is not None:
        _allocate_to(work, entry, charged, outstanding(charged))
    for bill_id, amount in session.execute(select(Allocation.bill_id, func.sum(Allocation.amount))
                                           .where(Allocation.entry_id == original.id)
                                           .group_by(Allocation.bill_id)).all():
        _allocate_to(work, entry, session.get(Bill, bill_id), -money(amount))
    session.flush()
    if applied:
        apply_credit(work, account, occurred_on=occurred_on, publish=False)
    if publish:
        publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return entry


def _credit_applications(session: Session, bill: Bill) -> list[str] | None:
    """The ``prepaid_applied`` entries whose credit is still on ``bill`` (their reversals' allocations
    netted out), or None when anything else (a payment, a discount) is."""
    rows = session.execute(select(Allocation.entry_id, Allocation.amount, LedgerEntry.kind, LedgerEntry.reverses_id)
                           .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
                           .where(Allocation.bill_id == bill.id)).all()
    net: dict[str, Decimal] = {}
    kinds: dict[str, str] = {}
    for entry_id, amount, kind, reverses_id in rows:
        origin = reverses_id if kind == "reversal" else entry_id
        net[origin] = net.get(origin, ZERO) + money(amount)
        if kind != "reversal":
            kinds[origin] = kind
    on_bill = [origin for origin, amount in net.items() if amount != ZERO]
    if any(kinds.get(origin) != "prepaid_applied" for origin in on_bill):
        return None
    return on_bill


def reversed_ids(session: Session, entry_ids: Iterable[str]) -> set[str]:
    ids = list(entry_ids)
    if not ids:
        return set()
    return set(session.scalars(select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.in_(ids))))


def mark_settled(session: Session, bill_ids: Iterable[str], now) -> None:
    """Bulk paths (the bill run) keep ``settled_at`` right after inserting allocations."""
    ids = list(bill_ids)
    if ids:
        session.execute(update(Bill).where(Bill.id.in_(ids), Bill.allocated == Bill.total)
                        .values(settled_at=now).execution_options(synchronize_session=False))
