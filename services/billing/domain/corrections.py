"""Corrections (账务调整) by finance or the service-centre manager, each with who and why:

- **discount** (减免) and **write-off** (核销, bad debt) of part or all of a bill's open amount
  (``journal.credit_bill``: the ``discount`` / ``write_off`` book debited, receivable credited);
- **reversal** (冲正) of a journal entry (``journal.reverse``: its exact negation). The journal
  refuses what is not reversible: deposits and refunds (their own flows), reversals, an entry
  reversed already, a charge whose bill has credits on it (reverse those first). A payment's
  entry is reversed by voiding its receipt (``domain/receipts.py``), so the receipt says so too.

**Credit spent since** (:func:`reverse_with_credit`): a reversed credit -- a payment's overpayment,
a prepaid opening balance -- may have paid later bills already (``prepaid_applied``). Those
applications are reversed too, newest first, until the unit's prepaid credit is no longer below
zero; then the credit there is is applied to the bills open now, oldest first (a voided payment's
bills open again and take the unit's other credit) -- so, as everywhere in the journal, credit
and open bills never stand side by side. Credit refunded since cannot be taken back: refused
(``credit_refunded``). A credit application (``prepaid_applied``) is not reversed by hand: it
would be applied again at once.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy import select

from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (AmountOverOutstanding, BillNotFound, BillSettled, CreditRefunded, EntryNotFound,
                          VoidTheReceipt)
from ..models import Bill, FeeAccount, LedgerEntry
from . import journal
from .ledger import site_today
from .payments import account_state, scoped_account

CORRECTION_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER)
LABELS = {"discount": "减免 discount", "write_off": "核销 write-off"}


def _account_in_scope(work: Work, account_id: str, not_found) -> FeeAccount:
    account = scoped_account(work, account_id, not_found)
    work.caller.require_role(*CORRECTION_ROLES)
    return account


def credit_bill(work: Work, kind: str, data: dict) -> tuple[LedgerEntry, FeeAccount]:
    """``kind`` ``discount`` or ``write_off`` of ``data["amount"]`` of the bill's open amount."""
    bill = work.session.get(Bill, data["bill_id"])
    not_found = BillNotFound(f"no bill {data['bill_id']}")
    if bill is None:
        raise not_found
    account = journal.lock_account(work.session, _account_in_scope(work, bill.account_id, not_found))
    work.session.refresh(bill)
    open_amount = journal.outstanding(bill)
    if open_amount == ZERO:
        raise BillSettled(f"bill {bill.number} is settled; nothing is open on it", zh=f"账单 {bill.number} 已结清，没有未缴金额")
    if money(data["amount"]) > open_amount:
        raise AmountOverOutstanding(f"at most the open amount of bill {bill.number}: {open_amount}",
                                    zh=f"减免或核销金额不能超过账单 {bill.number} 的未缴金额 {open_amount}")
    entry = journal.credit_bill(work, account, kind=kind, book=kind, amount=data["amount"], bills=[bill],
                                occurred_on=site_today(work, account.project_id),
                                description=f"{LABELS[kind]} {bill.number}", reason=data["reason"],
                                ref_type="bill", ref_id=bill.id)
    return entry, account


def reverse_entry(work: Work, data: dict) -> tuple[LedgerEntry, FeeAccount]:
    """冲正 of one entry, with why; the account's balance published once."""
    entry = work.session.get(LedgerEntry, data["entry_id"])
    not_found = EntryNotFound(f"no entry {data['entry_id']}")
    if entry is None:
        raise not_found
    account = _account_in_scope(work, entry.account_id, not_found)
    if entry.kind == "payment" and entry.ref_type == "payment":
        raise VoidTheReceipt("a payment is reversed by voiding its receipt (POST /api/v1/receipts/{id}/void)")
    if entry.kind == "prepaid_applied":
        raise journal.NotReversible("credit is always applied to open bills; reverse what gave the credit",
                                    zh="预存款总是冲抵未缴账单，请冲回形成预存款的那笔记录")
    reversal = reverse_with_credit(work, account, entry.id, reason=data["reason"],
                                   occurred_on=site_today(work, account.project_id))
    journal.publish_balance(work, account, cause=reversal.kind, entry_id=reversal.id)
    return reversal, account


def reverse_with_credit(work: Work, account: FeeAccount, entry_id: str, *, reason: str, occurred_on: date,
                        kinds: Sequence[str] = journal.REVERSIBLE) -> LedgerEntry:
    """``journal.reverse`` (not published), then the credit spent since taken back (module doc)."""
    reversal = journal.reverse(work, entry_id, reason=reason, occurred_on=occurred_on, publish=False, kinds=kinds)
    session = work.session
    while journal.balances(session, account.id)["credit"] < ZERO:
        applied = session.scalars(select(LedgerEntry).where(
            LedgerEntry.account_id == account.id, LedgerEntry.kind == "prepaid_applied",
            LedgerEntry.id.not_in(select(LedgerEntry.reverses_id).where(LedgerEntry.account_id == account.id,
                                                                       LedgerEntry.reverses_id.is_not(None))))
            .order_by(LedgerEntry.line_no.desc())).first()
        if applied is None:
            raise CreditRefunded("the credit this entry gave was refunded since; it cannot be taken back")
        journal.reverse(work, applied.id, reason=f"credit taken back: {reason}"[:400], occurred_on=occurred_on,
                        publish=False)
    journal.apply_credit(work, account, occurred_on=occurred_on, publish=False)
    return reversal


def correction_view(work: Work, entry: LedgerEntry, account: FeeAccount) -> dict:
    """``schemas.CorrectionOut``: the entry posted and the account after it."""
    return {"entry": entry, "account": account_state(work.session, account)}
