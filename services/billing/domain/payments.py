"""Payments (收款) and receipts (收据): the core every way of paying ends in.

:func:`record_received` is the one place money received for a unit becomes a journal entry
(``journal.receive``: prepaid credit first, then the oldest bills, the rest credit), a
:class:`Payment` row and a numbered :class:`Receipt` -- the front desk's cash and card, a bank
transfer, a WeChat Pay / Alipay confirmation, a bank collection's result file all call it.

Receipt numbers run per project without gaps (``journal.take_numbers(..., "receipt")``):
``SJ`` and eight digits. A receipt is never deleted; a wrong one is voided with who and why.
"""
from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from kernel.money import money
from kernel.work import Work

from .. import events
from ..models import Allocation, Bill, FeeAccount, Payment, Receipt
from . import journal

METHODS = ("cash", "card", "transfer", "wechat", "alipay", "bank_debit")
METHOD_LABELS = {"cash": "现金", "card": "刷卡", "transfer": "银行转账", "wechat": "微信支付",
                 "alipay": "支付宝", "bank_debit": "银行托收"}


def receipt_number(seq: int) -> str:
    return f"SJ{seq:08d}"


def record_received(work: Work, account: FeeAccount, *, method: str, amount: Decimal, occurred_on: date,
                    reference: str | None = None, payer_name: str | None = None, note: str = "",
                    payment: Payment | None = None) -> Payment:
    """Money received for the unit's fees: the entry, the payment (``payment``: a pending one
    being confirmed, else a new one), the receipt and ``receipt.issued`` -- one transaction."""
    if method not in METHODS:
        raise ValueError(f"unknown payment method {method!r}")
    amount = money(amount)
    now = work.clock.now()
    if payment is None:
        payment = Payment(id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                          account_id=account.id, household_id=account.household_id, method=method,
                          amount=amount, purpose="fees", reference=reference, status="pending",
                          payer_name=payer_name or account.payer_name, note=note[:300], created_at=now,
                          created_by=work.caller.user_id)
        work.session.add(payment)
        work.session.flush()
    entry = journal.receive(work, account, amount=amount, book=journal.MONEY_BOOKS[method], occurred_on=occurred_on,
                            description=f"收款 {METHOD_LABELS[method]}" + (f" {reference}" if reference else ""),
                            ref_type="payment", ref_id=payment.id, publish=False)
    payment.status, payment.entry_id, payment.received_at = "received", entry.id, now
    receipt = issue_receipt(work, account, payment, entry_id=entry.id)
    payment.receipt_id = receipt.id
    work.session.flush()
    journal.publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return payment


def issue_receipt(work: Work, account: FeeAccount, payment: Payment, *, entry_id: str | None) -> Receipt:
    """The numbered receipt of a payment, with what it settled (bill numbers and amounts) and
    ``receipt.issued`` for the household's message."""
    lines = []
    if entry_id is not None:
        for number, period, amount in work.session.execute(
                select(Bill.number, Bill.period, Allocation.amount).join(Bill, Bill.id == Allocation.bill_id)
                .where(Allocation.entry_id == entry_id).order_by(Allocation.id)):
            lines.append({"bill": number, "period": period, "amount": str(money(amount))})
    settled = sum((Decimal(line["amount"]) for line in lines), Decimal("0.00"))
    if money(payment.amount) > settled:
        lines.append({"bill": None, "period": None, "amount": str(money(payment.amount) - settled),
                      "item": "预收 credit" if payment.purpose == "fees" else "押金 deposit"})
    seq = journal.take_numbers(work.session, account.project_id, "receipt")
    receipt = Receipt(id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                      account_id=account.id, seq=seq, number=receipt_number(seq), payment_id=payment.id,
                      amount=money(payment.amount), payer_name=payment.payer_name,
                      lines=json.dumps(lines, ensure_ascii=False), issued_at=work.clock.now(),
                      issued_by=work.caller.user_id)
    work.session.add(receipt)
    work.session.flush()
    work.events.record(events.RECEIPT_ISSUED, {
        "receipt_id": receipt.id, "number": receipt.number, "account_id": account.id,
        "unit_id": account.unit_id, "unit_label": account.unit_label, "household_id": account.household_id,
        "group_id": account.group_id, "project_id": account.project_id, "amount": receipt.amount,
        "method": payment.method, "issued_at": receipt.issued_at},
        group_id=account.group_id, project_id=account.project_id)
    return receipt
