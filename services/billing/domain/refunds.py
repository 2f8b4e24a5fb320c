"""Refunds (退款): of a unit's prepaid credit (an overpayment, ``overpayment``) or of a deposit
it holds (``deposit``), with the approval recorded.

The workflow is the table :data:`TABLE` -- ``(state, action) -> Step(next state, roles, four
eyes)``; anything not in it is refused (409 ``transition_not_allowed``):

=============  ==========  ===========  ===========================================  ==========
from           action      to           who                                          four eyes
=============  ==========  ===========  ===========================================  ==========
(new)          request     requested    finance, front desk                          --
requested      approve     approved     finance, centre manager                      yes
requested      reject      rejected     finance, centre manager (a note says why)    yes
approved       reject      rejected     finance, centre manager (it cannot be paid)  yes
approved       pay         paid         finance (出纳)                                --
=============  ==========  ===========  ===========================================  ==========

**Four eyes** (四眼原则): who requested a refund never approves or rejects it (403
``four_eyes_required``). **Amounts** are checked against what there is -- the unit's prepaid
credit, or what is still held of the deposit -- less what other approved, unpaid refunds of the
same source already take, when requested, when approved and when paid (422
``amount_over_available``): credit spent on a bill meanwhile, or a deposit voided, stops the
refund. **Paying** posts the entry, with the refund's reason: ``refund`` (prepaid debited, the
money book -- ``cash`` or ``bank`` -- credited: the balance due rises by the amount) or
``deposit_refunded`` (deposit debited, money book credited; the deposit is ``refunded`` when
nothing is left). **A key deposit pledged to a key loan** (``deposits.pledge_key_deposit``) is not refunded
while the pledge stands: requesting, approving or paying its refund is ``409 deposit_pledged``. Every step keeps who and when (``history``; the columns hold the request, the
last decision and the payment).
"""
from __future__ import annotations

import logging

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from kernel.errors import InvalidInput
from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (AmountOverAvailable, DepositNotFound, FourEyes, RefundNotFound,
                          RefundTransitionNotAllowed)
from ..models import Deposit, FeeAccount, Refund
from . import journal, payments
from .accounts import get_account
from .deposits import held, refuse_if_pledged, settle, what_became
from .ledger import site_today
from .settings import project_in_scope

REQUESTED, APPROVED, REJECTED, PAID = "requested", "approved", "rejected", "paid"
STATES = (REQUESTED, APPROVED, REJECTED, PAID)
REQUEST, APPROVE, REJECT, PAY = "request", "approve", "reject", "pay"
OVERPAYMENT, DEPOSIT = "overpayment", "deposit"

REQUEST_ROLES = (Role.FINANCE, Role.FRONT_DESK)
DECIDE_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER)
PAY_ROLES = (Role.FINANCE,)
#: who lists a project's refunds
READ_ROLES = (Role.FINANCE, Role.FRONT_DESK, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
#: the refund's money book by how it is paid out
BOOKS = {"cash": "cash", "transfer": "bank"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    to: str
    roles: tuple
    four_eyes: bool = False


TABLE: dict[tuple[str, str], Step] = {
    (REQUESTED, APPROVE): Step(APPROVED, DECIDE_ROLES, four_eyes=True),
    (REQUESTED, REJECT): Step(REJECTED, DECIDE_ROLES, four_eyes=True),
    (APPROVED, REJECT): Step(REJECTED, DECIDE_ROLES, four_eyes=True),
    (APPROVED, PAY): Step(PAID, PAY_ROLES),
}


def available(work: Work, refund: Refund) -> Decimal:
    """What the refund may take: the credit or the deposit still held, less other approved,
    unpaid refunds of the same source."""
    session = work.session
    if refund.kind == OVERPAYMENT:
        there = journal.balances(session, refund.account_id)["credit"]
    else:
        there = held(session.get(Deposit, refund.deposit_id))
    taken = session.scalar(select(func.sum(Refund.amount)).where(
        Refund.account_id == refund.account_id, Refund.kind == refund.kind, Refund.status == APPROVED,
        Refund.id != refund.id,
        *(() if refund.kind == OVERPAYMENT else (Refund.deposit_id == refund.deposit_id,))))
    return there - money(taken or ZERO)


def _check_amount(work: Work, refund: Refund) -> None:
    left = available(work, refund)
    if refund.kind == DEPOSIT and money(refund.amount) > left:
        deposit = work.session.get(Deposit, refund.deposit_id)
        if held(deposit) <= ZERO:            # nothing left: say what became of it (forfeited: 已扣除)
            en, zh = what_became(deposit)
            raise AmountOverAvailable(f"{en}; nothing is left to refund", zh=f"{zh}，没有可退的金额")
    if money(refund.amount) > left:
        what = "the unit's prepaid credit" if refund.kind == OVERPAYMENT else "what the deposit still holds"
        raise AmountOverAvailable(f"{refund.amount} is more than {what} less approved refunds: {max(left, ZERO)}",
                                  zh=f"退款金额 {refund.amount} 超过可退余额 {max(left, ZERO)}（已扣除已批准的退款）")


def _record(work: Work, refund: Refund, action: str, note: str | None) -> None:
    history = json.loads(refund.history or "[]")
    history.append({"at": work.clock.now().isoformat(), "action": action, "by": work.caller.user_id,
                    "note": note or None})
    refund.history = json.dumps(history, ensure_ascii=False)


def request_refund(work: Work, data: dict) -> Refund:
    # ``account_id``: one of the unit's closed accounts (a previous household's deposit) -- staff,
    # the platform
    account = get_account(work, data["unit_id"], data.get("account_id"))
    work.caller.require_role(*REQUEST_ROLES)
    deposit_id = data.get("deposit_id")
    if data["kind"] == DEPOSIT:
        deposit = work.session.get(Deposit, deposit_id) if deposit_id else None
        if deposit is None or deposit.account_id != account.id:
            raise DepositNotFound(f"unit {account.unit_label} holds no deposit {deposit_id}",
                                  zh=f"{account.unit_label} 没有该押金")
        refuse_if_pledged(deposit)              # a key deposit standing for a key loan (409 deposit_pledged)
    elif deposit_id:
        raise InvalidInput("a refund of credit names no deposit", code="deposit_not_expected", zh="退还预存款无须指定押金")
    payments.check_ceiling(work, account, data["amount"])
    account = journal.lock_account(work.session, account)
    now = work.clock.now()
    refund = Refund(id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                    account_id=account.id, kind=data["kind"], deposit_id=deposit_id, amount=money(data["amount"]),
                    method=data["method"], reason=data["reason"], status=REQUESTED, requested_at=now,
                    requested_by=work.caller.user_id, history="[]")
    _check_amount(work, refund)
    _record(work, refund, REQUEST, data["reason"])
    work.session.add(refund)
    work.session.flush()
    return refund


def _refund(work: Work, refund_id: str) -> tuple[Refund, FeeAccount]:
    refund = work.session.get(Refund, refund_id)
    not_found = RefundNotFound(f"no refund {refund_id}")
    if refund is None:
        raise not_found
    account = payments.scoped_account(work, refund.account_id, not_found)
    if work.caller.is_resident:
        raise not_found
    account = journal.lock_account(work.session, account)
    work.session.refresh(refund)          # under the account's lock: two steps at once take turns
    return refund, account


def step(work: Work, refund_id: str, action: str, note: str = "") -> Refund:
    """Take ``action`` (approve, reject, pay) on the refund, by the table."""
    refund, account = _refund(work, refund_id)
    rule = TABLE.get((refund.status, action))
    if rule is None:
        raise RefundTransitionNotAllowed(f"a {refund.status} refund does not take the step {action!r}",
                                         zh=f"退款申请当前状态（{refund.status}）下不能办理此操作（{action}）")
    work.caller.require_role(*rule.roles)
    if rule.four_eyes and work.caller.user_id == refund.requested_by:
        raise FourEyes("who requested a refund does not decide it; another person of finance or the "
                       "centre manager does", zh="退款申请人不能审批自己的申请，须由财务其他人员或服务中心经理审批")
    if action == REJECT and not note.strip():
        raise InvalidInput("a rejection says why (note)", code="note_required", zh="驳回须写明理由（note）")
    now = work.clock.now()
    if action in (APPROVE, PAY):
        if refund.kind == DEPOSIT:
            refuse_if_pledged(work.session.get(Deposit, refund.deposit_id))
        _check_amount(work, refund)
    if action == PAY:
        _pay(work, refund, account)
        refund.paid_at, refund.paid_by = now, work.caller.user_id
        from .renovation_fees import on_refund_paid
        on_refund_paid(work, refund)           # a renovation's deposit back: tickets told
    else:
        refund.decided_at, refund.decided_by, refund.decision_note = now, work.caller.user_id, note or None
    refund.status = rule.to
    log.info("refund %s (%s, %s yuan) %s by %s", refund.id, refund.kind, refund.amount, action, work.caller.user_id)
    _record(work, refund, action, note)
    work.session.flush()
    return refund


def _pay(work: Work, refund: Refund, account: FeeAccount) -> None:
    book, amount = BOOKS[refund.method], money(refund.amount)
    if refund.kind == OVERPAYMENT:
        kind, lines, label = "refund", [(journal.PREPAID, amount), (book, -amount)], "预收退款"
    else:
        deposit = work.session.get(Deposit, refund.deposit_id)
        deposit.refunded = money(deposit.refunded) + amount
        settle(deposit)                      # nothing left (refunded, with any part forfeited)
        kind, lines, label = "deposit_refunded", [(journal.DEPOSIT, amount), (book, -amount)], "退还押金"
    entry = journal.post(work, account, kind=kind, lines=lines,
                         description=f"{label} {payments.METHOD_LABELS.get(refund.method, refund.method)}",
                         occurred_on=site_today(work, account.project_id), reason=refund.reason,
                         ref_type="refund", ref_id=refund.id)
    refund.entry_id = entry.id


def list_refunds(work: Work, query: dict) -> list[Refund]:
    """A project's refunds, newest request first (``status`` narrows them)."""
    project = project_in_scope(work, query["project_id"])
    work.caller.require_role(*READ_ROLES)
    stmt = select(Refund).where(Refund.project_id == project.id)
    if query.get("status"):
        stmt = stmt.where(Refund.status == query["status"])
    return list(work.session.scalars(stmt.order_by(Refund.requested_at.desc(), Refund.id)
                                     .limit(query["limit"]).offset(query["offset"])))


def refund_view(work: Work, refund: Refund, *, with_account: bool = False) -> dict:
    """``schemas.RefundOut`` (``account``: the fee account after the step, for the read model)."""
    account = work.session.get(FeeAccount, refund.account_id)
    view = {column: getattr(refund, column) for column in (
        "id", "project_id", "account_id", "kind", "deposit_id", "amount", "method", "reason", "status",
        "requested_at", "requested_by", "decided_at", "decided_by", "decision_note", "paid_at", "paid_by",
        "entry_id")}
    view.update(unit_id=account.unit_id, unit_label=account.unit_label, history=[
        dict(step, at=datetime.fromisoformat(step["at"])) for step in json.loads(refund.history or "[]")],
        account=payments.account_state(work.session, account) if with_account else None)
    return view
