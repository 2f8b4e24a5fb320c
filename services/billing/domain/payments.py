"""Payments (收款) and receipts (收据): the core every way of paying ends in.

:func:`record_received` is the one place money received for a unit becomes a journal entry
(``journal.receive``: prepaid credit first, then the oldest bills, the rest credit), a
:class:`Payment` row and a numbered :class:`Receipt` -- the front desk's cash and card, a bank
transfer, a WeChat Pay / Alipay confirmation, a bank collection's result file all call it.

**How a payment is applied** (the journal's rule, ``journal.receive``): the unit's prepaid
credit is used first, then the money settles its open bills oldest first -- earliest due date,
then issue date, then bill number -- each in full before the next; what is left becomes prepaid
credit (预收), used first by the next bills as they are issued. A unit with October's bill of
300.00 (due 15 Oct) and November's of 300.00 (due 15 Nov) open pays 450.00: October's is
settled, 150.00 goes to November's (150.00 still open). It pays 200.00 more: November's is
settled and 50.00 is credit -- which December's bill of 300.00 takes when it is issued (250.00
open). (``tests/test_payments.py`` walks this example.)

**Who takes what at the desk** (:data:`DESK_ROLES`): the front desk (总台) takes cash and card
(the POS slip's reference); a bank transfer is matched against the bank statement, so finance
(财务/出纳) and the service-centre manager record it -- and take cash and card too. A card or a
transfer names its reference, unique per method (a slip recorded twice is refused). Every
payment is above zero and at most the project's ``billing.payment_ceiling``.

Receipt numbers run per project without gaps (``journal.take_numbers(..., "receipt")``):
``SJ`` and eight digits. A receipt is never deleted; a wrong one is voided with who and why
(``domain/receipts.py``).
"""
from __future__ import annotations

import json
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kernel.money import money
from kernel.tenancy import Role, role_names_zh
from kernel.work import Work

from .. import events
from ..exceptions import AmountOverCeiling, ClosedAccountOverpaid, DuplicateReference, MethodNotAllowed, PaymentNotFound, ReferenceRequired
from ..models import Allocation, Bill, Deposit, FeeAccount, Payment, Receipt
from . import journal, settings as billing_settings
from .accounts import get_account, require_reader, snapshot
from .ledger import site_today

METHODS = ("cash", "card", "transfer", "wechat", "alipay", "bank_debit")
METHOD_LABELS = {"cash": "现金", "card": "刷卡", "transfer": "银行转账", "wechat": "微信支付",
                 "alipay": "支付宝", "bank_debit": "银行托收"}
#: who records a payment at the desk, by method (the module doc says why)
DESK_ROLES = {"cash": (Role.FRONT_DESK, Role.FINANCE, Role.CENTRE_MANAGER),
              "card": (Role.FRONT_DESK, Role.FINANCE, Role.CENTRE_MANAGER),
              "transfer": (Role.FINANCE, Role.CENTRE_MANAGER)}
#: a reference the method must name (the POS slip's, the bank's)
NEEDS_REFERENCE = ("card", "transfer")


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
    if payment is None:
        payment = new_payment(work, account, method=method, amount=amount, purpose="fees", reference=reference,
                              payer_name=payer_name, note=note)
    elif reference:
        free_reference(work.session, account.project_id, method, reference, payment.id)
        payment.reference = reference
        flush_payment(work.session, payment)
    entry = journal.receive(work, account, amount=amount, book=journal.MONEY_BOOKS[method], occurred_on=occurred_on,
                            description=f"收款 {METHOD_LABELS[method]}" + (f" {reference}" if reference else ""),
                            ref_type="payment", ref_id=payment.id, publish=False)
    payment.status, payment.entry_id, payment.received_at = "received", entry.id, work.clock.now()
    receipt = issue_receipt(work, account, payment, entry_id=entry.id)
    payment.receipt_id = receipt.id
    work.session.flush()
    journal.publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return payment


def new_payment(work: Work, account: FeeAccount, *, method: str, amount: Decimal, purpose: str,
                reference: str | None = None, payer_name: str | None = None, note: str = "",
                payment_id: str | None = None, status: str = "pending") -> Payment:
    """A payment row for the account (``pending`` until its entry is posted)."""
    free_reference(work.session, account.project_id, method, reference)
    payment = Payment(id=payment_id or str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                      account_id=account.id, household_id=account.household_id, method=method,
                      amount=money(amount), purpose=purpose, reference=reference, status=status,
                      payer_name=payer_name or account.payer_name, note=(note or "")[:300],
                      created_at=work.clock.now(), created_by=work.caller.user_id)
    work.session.add(payment)
    flush_payment(work.session, payment)
    return payment


def free_reference(session: Session, project_id: str, method: str, reference: str | None,
                   payment_id: str | None = None) -> None:
    """A reference (POS slip, transfer, provider trade number, bank collection line) already on another
    payment of the method in the project is refused -- checked before writing; the unique key
    (project, method, reference) is the last guard (:func:`flush_payment`). Another project's is its own:
    bank batch numbers and POS slips run per project."""
    if reference and session.scalar(select(Payment.id).where(
            Payment.project_id == project_id, Payment.method == method, Payment.reference == reference,
            Payment.id != payment_id)):
        raise DuplicateReference(f"{METHOD_LABELS[method]} reference {reference} is recorded already",
                                 zh=f"{METHOD_LABELS[method]}凭证号 {reference} 已登记过")


def flush_payment(session: Session, payment: Payment) -> None:
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateReference(f"{METHOD_LABELS[payment.method]} reference {payment.reference} is recorded "
                                 "already", zh=f"{METHOD_LABELS[payment.method]}凭证号 {payment.reference} 已登记过") from None


def check_ceiling(work: Work, account: FeeAccount, amount: Decimal) -> None:
    ceiling = work.settings.values(account.project_id)[billing_settings.PAYMENT_CEILING]
    if money(amount) > ceiling:
        raise AmountOverCeiling(f"{money(amount)} is above the project's ceiling of {ceiling} per payment "
                                "(billing.payment_ceiling)",
                                zh=f"{money(amount)} 超过本项目单笔缴费上限 {ceiling}（billing.payment_ceiling）")


def check_desk(work: Work, account: FeeAccount, method: str, amount: Decimal, reference: str | None) -> None:
    """The caller takes this method, the reference is there where needed, the amount is sane."""
    if not work.caller.has_role(*DESK_ROLES[method]):
        raise MethodNotAllowed(f"{METHOD_LABELS[method]} is recorded by: {', '.join(DESK_ROLES[method])}",
                               zh=f"{METHOD_LABELS[method]}缴费须由以下岗位登记：{role_names_zh(DESK_ROLES[method])}")
    if method in NEEDS_REFERENCE and not reference:
        raise ReferenceRequired(f"a {METHOD_LABELS[method]} payment names its reference",
                                zh=f"{METHOD_LABELS[method]}缴费须填写凭证号")
    check_ceiling(work, account, amount)


def pending_online(session: Session, account_id: str) -> Decimal:
    """What the account's online payments still pending (待支付的线上缴费) ask: money a payer may yet pay
    at the provider, which the journal does not know yet."""
    from ..schemas import ONLINE_METHODS     # schemas imports the domain (queries -> payments)
    total = session.scalar(select(func.sum(Payment.amount)).where(
        Payment.account_id == account_id, Payment.status == "pending", Payment.method.in_(ONLINE_METHODS)))
    return money(total or Decimal("0.00"))


def check_closed_account(work: Work, account: FeeAccount, amount: Decimal) -> None:
    """A closed account (原业主账户: a previous household's) takes money only for what it still owes.
    It takes no new charges, so credit left on it would pay nothing, ever: a payment is at most its
    balance due (what is open on its bills less the credit it holds) less what its online payments
    still pending already ask (:func:`pending_online` -- each of them may yet be paid); a settled
    account takes none (409 ``closed_account_overpaid``, naming what is due, what is pending and what
    it takes). The caller holds the account's row lock (``journal.lock_account``), so two payments
    started at once on PostgreSQL see each other. Money the desk did not take stays the payer's; what
    a closed account does hold (its credit, its deposits) goes back by a refund naming it
    (``account_id``)."""
    due = journal.balances(work.session, account.id)["balance_due"]
    pending = pending_online(work.session, account.id)
    room = due - pending
    amount = money(amount)
    if amount <= room:
        return
    at_most = max(room, Decimal("0.00"))
    details = {"account_id": account.id, "closed_on": account.closed_on.isoformat(),
               "balance_due": str(max(due, Decimal("0.00"))), "pending_online": str(pending),
               "at_most": str(at_most), "amount": str(amount)}
    who, who_zh = account.payer_name or "the previous household", account.payer_name or "原业户"
    if due <= 0:
        raise ClosedAccountOverpaid(
            f"account {account.id} of {who} closed on "
            f"{account.closed_on} and owes nothing: it takes no payment (the unit's current account is "
            "paid without account_id)", details=details,
            zh=f"该账户（{who_zh}）已于 {account.closed_on} 销户且已结清，不能再收款"
               "（本房屋当前账户的缴费请勿填写 account_id）")
    if pending > 0 and room <= 0:
        raise ClosedAccountOverpaid(
            f"account {account.id} of {who} closed on {account.closed_on} and owes {due}, all of it asked "
            f"by online payments still pending ({pending}): it takes no payment until they are paid or "
            "expire", details=details,
            zh=f"该账户（{who_zh}）已于 {account.closed_on} 销户，尚欠 {due}，已全部由待支付的线上缴费"
               f"（{pending}）占用，在其支付或失效前不能再收款")
    if pending > 0:
        raise ClosedAccountOverpaid(
            f"account {account.id} of {who} closed on {account.closed_on} and owes {due}, {pending} of it "
            f"asked by online payments still pending: it takes at most {at_most}, not {amount}", details=details,
            zh=f"该账户（{who_zh}）已于 {account.closed_on} 销户，尚欠 {due}，其中 {pending} 已由待支付的"
               f"线上缴费占用，本次最多收 {at_most}，不能收 {amount}")
    raise ClosedAccountOverpaid(
        f"account {account.id} of {who} closed on {account.closed_on} "
        f"and owes {due}: it takes at most {due}, not {amount}", details=details,
        zh=f"该账户（{who_zh}）已于 {account.closed_on} 销户，尚欠 {due}，"
           f"本次最多收 {due}，不能收 {amount}")


def record_payment(work: Work, data: dict) -> Payment:
    """收款 at the desk: cash, card or a bank transfer for the unit's fees (move-in prepayment
    included: with nothing open it all becomes prepaid credit)."""
    account = get_account(work, data["unit_id"], data.get("account_id"))
    work.caller.require_staff()
    check_desk(work, account, data["method"], data["amount"], data.get("reference"))
    if account.closed_on is not None:
        account = journal.lock_account(work.session, account)   # two payments at once: one sees the other
        check_closed_account(work, account, data["amount"])
    return record_received(work, account, method=data["method"], amount=data["amount"],
                           occurred_on=site_today(work, account.project_id), reference=data.get("reference"),
                           payer_name=data.get("payer_name"), note=data.get("note") or "")


def scoped_account(work: Work, account_id: str, not_found) -> FeeAccount:
    """The fee account of a record the caller asked for by id (a payment, receipt, refund, bill,
    entry), if the caller may see its unit: its household, staff of its project. A probe of
    another household or group raises ``not_found`` -- what a missing id raises."""
    account = work.session.get(FeeAccount, account_id)
    work.caller.require_unit(account.group_id, account.project_id, account.unit_id, not_found=not_found)
    return account


def get_payment(work: Work, payment_id: str) -> Payment:
    """The payment if the caller may see it: staff of the project; a resident, a payment on an account
    of a household he belongs or belonged to (``accounts.require_reader``, the rule of a receipt by id --
    so an old owner follows the online payment of his closed account)."""
    payment = work.session.get(Payment, payment_id)
    not_found = PaymentNotFound(f"no payment {payment_id}")
    if payment is None:
        raise not_found
    require_reader(work, work.session.get(FeeAccount, payment.account_id), not_found)
    if work.caller.is_resident and payment.purpose == "deposit" and work.session.scalar(select(Deposit.id).where(
            Deposit.payment_id == payment.id, Deposit.purpose == "key")):
        raise not_found              # a key deposit's payment: the borrower's (deposits.hidden_from)
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


# -- views ---------------------------------------------------------------------------------------

def receipt_view(receipt: Receipt, account: FeeAccount, method: str | None = None) -> dict:
    """The receipt as printed (``schemas.ReceiptOut``), valid or void -- the one view of a receipt
    (a payment's reply and the receipts queries)."""
    return {"id": receipt.id, "number": receipt.number, "project_id": receipt.project_id,
            "account_id": receipt.account_id, "unit_id": account.unit_id, "unit_label": account.unit_label,
            "payment_id": receipt.payment_id, "amount": money(receipt.amount), "payer_name": receipt.payer_name,
            "method": method, "lines": receipt_lines(receipt.lines), "issued_at": receipt.issued_at,
            "issued_by": receipt.issued_by, "status": "void" if receipt.voided_at else "valid",
            "voided": receipt.voided_at is not None, "voided_at": receipt.voided_at,
            "voided_by": receipt.voided_by, "void_reason": receipt.void_reason}


def receipt_lines(text: str | None) -> list[dict]:
    """What a receipt settled, as stored (JSON); unreadable text reads as no lines."""
    try:
        lines = json.loads(text or "[]")
    except ValueError:
        return []
    return [{"bill": line.get("bill"), "period": line.get("period"), "item": line.get("item"),
             "amount": money(line["amount"])} for line in lines if isinstance(line, dict) and "amount" in line]


def account_state(session: Session, account: FeeAccount) -> dict:
    """The account as its last ``account.balance_changed`` stated it (``schemas.AccountStateOut``)."""
    return snapshot(session, account, account.stated_at)


def payment_view_for(work: Work, payment: Payment) -> dict:
    """:func:`payment_view` as the caller reads it: a resident's account state without the key deposits
    held on it (``deposits.as_household_reads``)."""
    from .deposits import as_household_reads
    view = payment_view(work.session, payment)
    view["account"] = as_household_reads(work, payment.account_id, view["account"])
    return view


def payment_view(session: Session, payment: Payment) -> dict:
    """``schemas.PaymentOut``: the payment, its receipt, the deposit it holds, the account."""
    account = session.get(FeeAccount, payment.account_id)
    receipt = session.get(Receipt, payment.receipt_id) if payment.receipt_id else None
    deposit = session.scalars(select(Deposit).where(Deposit.payment_id == payment.id)).first() \
        if payment.purpose == "deposit" else None
    return {"id": payment.id, "account_id": payment.account_id, "unit_id": account.unit_id,
            "project_id": payment.project_id, "method": payment.method, "amount": payment.amount,
            "purpose": payment.purpose, "status": payment.status, "reference": payment.reference,
            "payer_name": payment.payer_name, "note": payment.note, "created_at": payment.created_at,
            "created_by": payment.created_by, "received_at": payment.received_at, "failure": payment.failure,
            "pay": json.loads(payment.pay_payload) if payment.pay_payload and payment.status == "pending" else None,
            "receipt": receipt_view(receipt, account, payment.method) if receipt is not None else None,
            "deposit": deposit, "account": account_state(session, account)}
