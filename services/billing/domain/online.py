"""Online payments (线上缴费): WeChat Pay and Alipay through a provider (``domain/providers.py``).

1. **Start** (:func:`start_online_payment`, the household for its own unit or the desk; ``account_id``
   names one of the unit's accounts -- an old owner pays his own closed account, at most what it owes,
   :func:`payable_account`): a
   ``pending`` :class:`Payment` is written and the provider asked to create the payment under
   **our payment id** (``out_trade_no``). The id is derived from the caller and the request's
   idempotency key, so a retry of a request whose first attempt died after the provider took it
   (a timeout, a crash before our commit) asks for the same payment again and the provider
   charges nothing twice; the stored reply of a finished request is answered by the kernel.
2. The provider answers ``paid`` at once (the desk scanned the payer's 付款码) -- the payment is
   recorded (``payments.record_received``: entry, receipt) in the same transaction -- or
   ``pending`` with a pay URL / QR code the payer opens.
3. **Confirmation** comes by the provider's notification (``POST /api/v1/payments/notify/
   {provider}``, checked by its signature: :func:`confirm_notification`) or by asking it
   (:func:`refresh_payment`, and the periodic :data:`QUERY` job for payments pending longer than
   ``billing.online_query_after_minutes``). Either way :func:`settle`:

   - ``paid``: recorded once -- the same confirmation again changes nothing; a confirmation
     of another amount than the payment's is refused and logged (``amount_mismatch``); a trade
     number already on another payment is refused (``duplicate_reference``); a payment reversed
     since (its receipt voided) is not paid again (``payment_not_pending``);
   - ``closed`` (expired or cancelled at the provider, ``billing.online_expire_minutes``):
     the pending payment is ``failed``;
   - ``pending``: nothing changes.

A payment the provider reports paid after we marked it failed is recorded: the money is there.
"""
from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

from sqlalchemy import select

from kernel.errors import WuyeError
from kernel.jobs import Job
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (AmountMismatch, PaymentNotFound, PaymentNotPending, PaymentRefused, ProviderUnavailable,
                          UnknownProvider)
from ..models import FeeAccount, Payment
from ..schemas import ONLINE_METHODS
from . import journal, payments, settings as billing_settings
from .accounts import get_account
from .ledger import site_today
from .providers import CLOSED, PAID, PaymentProvider, ProviderAnswer, ProviderDown, ProviderError, ProviderRefused

log = logging.getLogger(__name__)

#: the periodic job asking the providers about payments still pending
QUERY = "payment-query"
QUERY_EVERY = 60.0
#: payments asked about per run (the oldest first)
QUERY_BATCH = 200
#: staff who start an online payment for a unit (a scanned payment code at the desk)
STAFF_ROLES = (Role.FRONT_DESK, Role.FINANCE, Role.CENTRE_MANAGER)
_IDS = uuid.UUID("5d1c3a52-8e0b-4c1e-9a51-1f3a0c6f7e21")


def payment_id_for(user_id: str, idempotency_key: str | None) -> str:
    """Our payment id -- the provider's ``out_trade_no`` -- the same for every retry of one request."""
    if not idempotency_key:
        return str(uuid.uuid4())
    return str(uuid.uuid5(_IDS, f"{user_id}\n{idempotency_key}"))


def provider_for(providers: dict[str, PaymentProvider], method: str) -> PaymentProvider:
    provider = providers.get(method)
    if provider is None:
        taken = ", ".join(sorted(providers)) or "none"
        raise UnknownProvider(f"no payment provider {method!r} here: online payments are taken by {taken}",
                              zh=f"本项目未开通在线支付方式 {method}，可用：{taken}")
    return provider


def start_online_payment(work: Work, providers: dict[str, PaymentProvider], data: dict,
                         idempotency_key: str | None = None) -> Payment:
    account = payable_account(work, data["unit_id"], data.get("account_id"))
    if not work.caller.is_resident:
        work.caller.require_role(*STAFF_ROLES)
    provider = provider_for(providers, data["method"])
    payments.check_ceiling(work, account, data["amount"])
    if account.closed_on is not None:
        account = journal.lock_account(work.session, account)   # two payments at once: one sees the other
        payments.check_closed_account(work, account, data["amount"])
    payment = payments.new_payment(work, account, method=data["method"], amount=data["amount"], purpose="fees",
                                   payment_id=payment_id_for(work.caller.user_id, idempotency_key))
    try:
        answer = provider.create(
            out_trade_no=payment.id, amount=payment.amount, description=f"物业费 {account.unit_label}",
            auth_code=data.get("auth_code"),
            expire_minutes=work.settings.values(account.project_id)[billing_settings.ONLINE_EXPIRE])
    except ProviderRefused as exc:
        raise PaymentRefused(f"the provider refused the payment: {exc}") from None
    except ProviderDown as exc:
        raise ProviderUnavailable(f"the payment provider did not answer; retry with the same Idempotency-Key "
                                  f"({exc})") from None
    return settle(work, payment, answer, via="create")


def payable_account(work: Work, unit_id: str, account_id: str | None) -> FeeAccount:
    """The account an online payment is for (线上缴费的账户). Without ``account_id``: the unit's open
    account -- for a resident only if it is his household's (an old owner hears that he names his own,
    ``accounts._no_account``); staff of the project, as before. With ``account_id``, one of the
    unit's accounts: staff of its project, every one (as at the desk); a **resident**, only an account
    of a household he belongs to or belonged to until it moved out -- the old owner pays his closed
    account (原业主账户) after a transfer or a move-out -- by the very rule that lets him read it
    (``accounts.require_reader``); anyone else's (the new owner naming the old owner's, a neighbour's) is
    the 404 ``account_not_found`` of an id that does not exist. A closed account then takes at most what
    it owes (``payments.check_closed_account``: 409 ``closed_account_overpaid``)."""
    if work.caller.is_resident:      # his household's account only; an old owner without account_id is told
        return get_account(work, unit_id, account_id, reading=True)   # to name it (as on the unit's reads)
    return get_account(work, unit_id, account_id)


def settle(work: Work, payment: Payment, answer: ProviderAnswer, *, via: str) -> Payment:
    """The provider's word on ``payment`` (locked by the caller), applied once (module doc)."""
    if answer.status == CLOSED:
        if payment.status == "pending":
            payment.status, payment.failure = "failed", f"closed at the provider ({via})"
        return payment
    if answer.status != PAID:
        if payment.status == "pending" and answer.pay_payload:
            payment.pay_payload = json.dumps(answer.pay_payload, ensure_ascii=False)
        return payment
    if payment.status == "received" and payment.reference == answer.trade_no:
        return payment                                  # the same confirmation again
    if payment.status not in ("pending", "failed"):
        log.warning("%s payment %s (%s) confirmed paid by trade %s (%s): refused", payment.method, payment.id,
                    payment.status, answer.trade_no, via)
        raise PaymentNotPending(f"payment {payment.id} is {payment.status}; trade {answer.trade_no} is not "
                                "recorded on it", zh=f"该笔缴费不在待确认状态，交易 {answer.trade_no} 未入账")
    if answer.amount != payment.amount:
        log.warning("%s payment %s: the provider confirmed %s, the payment is for %s (trade %s, %s): refused",
                    payment.method, payment.id, answer.amount, payment.amount, answer.trade_no, via)
        raise AmountMismatch(f"the provider confirmed {answer.amount}; payment {payment.id} is for "
                             f"{payment.amount}", zh=f"支付平台确认的金额 {answer.amount} 与该笔缴费金额 {payment.amount} 不符，未入账")
    account = work.session.get(FeeAccount, payment.account_id)
    payment.failure = None
    return payments.record_received(work, account, method=payment.method, amount=payment.amount,
                                    occurred_on=site_today(work, account.project_id), reference=answer.trade_no,
                                    payment=payment)


def _locked(work: Work, payment_id: str) -> Payment | None:
    """The payment row locked (a notification and a query of one payment queue on it)."""
    return work.session.scalars(select(Payment).where(Payment.id == payment_id).with_for_update()
                                .execution_options(populate_existing=True)).first()


def confirm_notification(work: Work, providers: dict[str, PaymentProvider], data: dict) -> Payment:
    """A provider's notification, forwarded by the gateway (the platform only): its signature
    checked by the provider, then :func:`settle`."""
    work.caller.require_system()
    provider = provider_for(providers, data["provider"])
    answer = provider.notification(data["body"], data["signature"])
    payment = _locked(work, answer.out_trade_no)
    if payment is None or payment.method != provider.name:
        log.warning("%s notification about an unknown payment %s (trade %s)", provider.name, answer.out_trade_no,
                    answer.trade_no)
        raise PaymentNotFound(f"no {provider.name} payment {answer.out_trade_no}")
    return settle(work, payment, answer, via="notification")


def refresh_payment(work: Work, providers: dict[str, PaymentProvider], payment_id: str) -> Payment:
    """Ask the provider about a pending online payment now (the payer says they paid)."""
    payment = payments.get_payment(work, payment_id)
    if payment.status not in ("pending", "failed") or payment.method not in ONLINE_METHODS:
        return payment
    return _ask(work, provider_for(providers, payment.method), _locked(work, payment.id), via="query")


def _ask(work: Work, provider: PaymentProvider, payment: Payment, *, via: str) -> Payment:
    try:
        answer = provider.query(payment.id)
    except ProviderError as exc:
        raise ProviderUnavailable(f"the payment provider did not answer: {exc}") from None
    return settle(work, payment, answer, via=via)


def run_query(work: Work, job: Job, *, providers: dict[str, PaymentProvider]) -> None:
    """The periodic job: each project's online payments pending longer than its
    ``billing.online_query_after_minutes``, oldest first, asked about one by one -- one that
    cannot be settled now (the provider down, an amount mismatch) is logged and left pending."""
    now = work.clock.now()
    waits: dict[str, timedelta] = {}
    candidates = work.session.scalars(
        select(Payment).where(Payment.status == "pending", Payment.method.in_(ONLINE_METHODS),
                              Payment.created_at <= now - timedelta(minutes=1))
        .order_by(Payment.created_at).limit(QUERY_BATCH)).all()
    for payment in candidates:
        if payment.project_id not in waits:
            waits[payment.project_id] = timedelta(minutes=work.settings.values(payment.project_id)[
                billing_settings.ONLINE_QUERY_AFTER])
        if payment.created_at > now - waits[payment.project_id] or payment.method not in providers:
            continue
        try:
            with work.session.begin_nested():
                _ask(work, providers[payment.method], _locked(work, payment.id), via="query job")
        except WuyeError as exc:
            log.warning("payment %s could not be settled by the query job: %s", payment.id, exc.message)
