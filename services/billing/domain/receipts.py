"""Voiding a receipt (作废收据), by finance or the service-centre manager with a reason.

The receipt stays, marked void with who, when and why; its payment is reversed in the journal
in the same transaction -- the bills it settled are open again (``corrections.reverse_with_credit``:
credit it left that later bills used is taken back from them too) and the payment is
``reversed``. A deposit's receipt voids the deposit, while none of it was refunded. A receipt is
voided once (409 ``receipt_already_void``). ``receipt.voided`` tells whoever listens;
``account.balance_changed`` is published once.

Numbers, issuing and the receipt's printed lines are ``payments.issue_receipt``'s; lists of a
unit's receipts are read from the receipts table by the queries.
"""
from __future__ import annotations

import logging

from sqlalchemy import select

from kernel.tenancy import Role
from kernel.work import Work

from .. import events
from ..exceptions import ReceiptAlreadyVoid, ReceiptNotFound
from ..models import Payment, Receipt
from . import deposits, journal, payments
from .corrections import reverse_with_credit
from .ledger import site_today

VOID_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER)

log = logging.getLogger(__name__)


def void_receipt(work: Work, data: dict) -> Payment:
    """Void the receipt ``data["receipt_id"]`` for ``data["reason"]``; returns its payment."""
    session = work.session
    receipt = session.get(Receipt, data["receipt_id"])
    not_found = ReceiptNotFound(f"no receipt {data['receipt_id']}")
    if receipt is None:
        raise not_found
    account = payments.scoped_account(work, receipt.account_id, not_found)
    work.caller.require_role(*VOID_ROLES)
    account = journal.lock_account(session, account)
    # read again under the account's lock: of two clerks voiding it at once, the second sees it void
    receipt = session.scalars(select(Receipt).where(Receipt.id == receipt.id)
                              .execution_options(populate_existing=True)).one()
    if receipt.voided_at is not None:
        raise ReceiptAlreadyVoid(f"receipt {receipt.number} was voided at {receipt.voided_at.isoformat()} "
                                 f"by {receipt.voided_by}",
                                 zh=f"收据 {receipt.number} 已于 {receipt.voided_at.isoformat()} 作废")
    payment = session.get(Payment, receipt.payment_id)
    today = site_today(work, account.project_id)
    if payment.purpose == "deposit":
        reversal = deposits.void_deposit(work, account, payment, reason=data["reason"], occurred_on=today)
    else:
        reversal = reverse_with_credit(work, account, payment.entry_id, reason=data["reason"], occurred_on=today)
    now = work.clock.now()
    payment.status = "reversed"
    receipt.voided_at, receipt.voided_by, receipt.void_reason = now, work.caller.user_id, data["reason"]
    log.info("receipt %s (%s yuan) voided by %s", receipt.number, receipt.amount, work.caller.user_id)
    session.flush()
    work.events.record(events.RECEIPT_VOIDED, {
        "receipt_id": receipt.id, "number": receipt.number, "payment_id": payment.id, "account_id": account.id,
        "unit_id": account.unit_id, "unit_label": account.unit_label, "household_id": account.household_id,
        "group_id": account.group_id, "project_id": account.project_id, "amount": receipt.amount,
        "method": payment.method, "issued_at": receipt.issued_at, "purpose": payment.purpose, "voided_at": now,
        "voided_by": work.caller.user_id},
        group_id=account.group_id, project_id=account.project_id)
    journal.publish_balance(work, account, cause=reversal.kind, entry_id=reversal.id)
    return payment
