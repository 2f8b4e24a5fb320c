"""A renovation's fees (装修保证金, 装修垃圾外运费; tickets' renovation, seed 000 §二) -- billing's side.

tickets asks by event; billing answers by event; nothing else crosses:

1. ``renovation.fees_requested`` (:func:`on_fees_requested`): the garbage-removal fee is charged
   from the project's fee schedule (item ``garbage``: the unit's building area x its price, 3.00
   yuan/m2 by default -- ``schedule.charge_once``, reference = the renovation, so once however
   often the event comes) and the deposit named in the event is to be held for the unit. One
   :class:`RenovationFees` row per renovation; a redelivered request changes nothing.
   ``renovation.fees_charged`` tells tickets the amounts at once (shown before they are paid).
2. The desk holds the deposit as any renovation deposit (``POST /units/{id}/deposits``, purpose
   ``renovation``) and the household pays the garbage bill as any bill. Whenever the unit's
   account changes (``journal.publish_balance`` calls :func:`on_balance`), an open request takes
   the unit's oldest renovation deposit not yet taken by another renovation, of at least the
   amount asked; once that deposit is held and the garbage bill settled, ``renovation.fees_paid``
   tells tickets (the permit may be issued).
3. ``renovation.refund_requested`` (:func:`on_refund_requested`): a deposit refund is requested
   (``refunds.request_refund``, requested by the platform, so anyone of finance or the centre
   manager approves it: four eyes hold) for the amount tickets names -- the deposit less what is
   withheld for the violations, which are kept with the request. Nothing to refund: nothing
   requested. Paid (``refunds.step`` calls :func:`on_refund_paid`): ``renovation.deposit_refunded``.

4. ``renovation.cancelled`` (:func:`on_cancelled`): the renovation was cancelled after its agreement,
   before its fees were paid -- its household moved out (过户 / 迁出). The garbage-removal fee still
   unpaid is cancelled (its charge reversed, 冲正, ``corrections.reverse_with_credit``: the bill
   settled by the reversal; a bill paid in part has the rest discounted, 减免) on the account it was
   charged to -- the old household's, closed by the transfer or not; a fee paid stays paid (the
   desk refunds it as credit if agreed). A deposit held for the renovation is put into the deposit
   refund path (``refunds.request_refund``, requested by the platform on the deposit's own account:
   finance or the centre manager approves, finance pays -- to whoever paid it). Once per renovation;
   cancelled before billing saw the request: recorded cancelled, so a late request charges nothing.

A renovation handed over to the new household after a transfer (its fees paid) keeps its deposit
on the account that holds it: the refund after the re-inspection is requested there, to its payer.

5. **The withheld part forfeited** (押金扣除, :func:`forfeit`): what the re-inspection withheld for
   the violations leaves the unit's deposit book for the project's income
   (``deposits.forfeit``: deposit debited, ``income:deposit_forfeit`` credited, one
   ``deposit_forfeited`` entry, reference the renovation) -- when the refund of the rest is paid
   (``on_refund_paid``, in the payer's transaction), or at once when the whole deposit is withheld
   (``on_refund_requested``: nothing to pay, tickets closes the renovation at once). The entry's
   description is what the household reads on its statement ("装修押金扣除：违规 …（装修 ZX-…）"),
   its reason names the renovation, the violations, who re-inspected and decided the amount and,
   with a refund, who approved and paid it. Once per renovation: the row's ``forfeit_entry_id``
   and the journal's unique reference (account, kind, ``renovation``, id); a redelivered event
   posts nothing. Never more than the deposit still holds (a deposit refunded by hand meanwhile:
   what is left, logged). A refund rejected forfeits nothing (the renovation waits in tickets).
"""
from __future__ import annotations

import json
import logging
from sqlalchemy import select

from kernel.errors import InvalidInput, RetryableError
from kernel.money import ZERO, money
from kernel.work import Work

from .. import events
from ..exceptions import FeeItemNotFound, NoPrice
from ..models import Bill, Deposit, FeeAccount, Refund, RenovationFees
from .accounts import find_account

log = logging.getLogger(__name__)

REQUESTED, PAID, REFUND_REQUESTED, REFUNDED, CANCELLED = (
    "requested", "paid", "refund_requested", "refunded", "cancelled")
GARBAGE_ITEM = "garbage"


def on_fees_requested(work: Work, data: dict) -> RenovationFees | None:
    """Charge the garbage fee and await the deposit, once per renovation (None: asked before)."""
    from . import journal, schedule
    if work.session.get(RenovationFees, data["renovation_id"]) is not None:
        return None
    account = find_account(work.session, data["unit_id"])
    if account is None:
        raise RetryableError(f"no fee account for unit {data['unit_id']} yet; waiting for its unit.changed")
    if (account.group_id, account.project_id) != (data["group_id"], data["project_id"]):
        raise InvalidInput(f"renovation {data['number']}: unit {data['unit_id']} is not of project "
                           f"{data['project_id']}", code="renovation_unit_mismatch",
                           zh=f"装修 {data['number']}：房屋 {data['unit_id']} 不属于项目 {data['project_id']}")
    account = journal.lock_account(work.session, account)
    if work.session.get(RenovationFees, data["renovation_id"]) is not None:    # a concurrent copy, first
        return None
    bill_id, fee = None, ZERO
    try:
        bill = schedule.charge_once(work, account.unit_id, {
            "item_code": GARBAGE_ITEM, "reference": data["renovation_id"], "note": f"装修 {data['number']}"})
        bill_id, fee = bill["id"], money(bill["total"])
    except (NoPrice, FeeItemNotFound) as exc:            # the project charges no garbage fee
        log.info("renovation %s: no garbage-removal fee charged (%s)", data["number"], exc)
    row = RenovationFees(renovation_id=data["renovation_id"], number=data["number"], group_id=account.group_id,
                         project_id=account.project_id, account_id=account.id, status=REQUESTED,
                         deposit_amount=money(data["deposit_amount"]), garbage_bill_id=bill_id, garbage_fee=fee,
                         requested_at=work.clock.now())
    work.session.add(row)
    work.session.flush()
    work.events.record(events.RENOVATION_FEES_CHARGED, {
        "renovation_id": row.renovation_id, "number": row.number, "group_id": row.group_id,
        "project_id": row.project_id, "unit_id": account.unit_id, "account_id": account.id,
        "deposit_amount": row.deposit_amount, "garbage_bill_id": bill_id, "garbage_fee": fee,
        "charged_at": row.requested_at}, group_id=row.group_id, project_id=row.project_id)
    check(work, row)
    return row


def on_balance(work: Work, account: FeeAccount) -> None:
    """The account changed (a payment, a deposit held): its open requests may now be paid."""
    open_rows = work.session.scalars(select(RenovationFees).where(
        RenovationFees.account_id == account.id, RenovationFees.status == REQUESTED)
        .order_by(RenovationFees.requested_at, RenovationFees.renovation_id)).all()
    for row in open_rows:
        check(work, row)


def _take_deposit(work: Work, row: RenovationFees) -> None:
    taken = select(RenovationFees.deposit_id).where(RenovationFees.deposit_id.is_not(None))
    deposit = work.session.scalars(select(Deposit).where(
        Deposit.account_id == row.account_id, Deposit.purpose == "renovation", Deposit.status == "held",
        Deposit.amount >= row.deposit_amount, Deposit.id.not_in(taken))
        .order_by(Deposit.held_at, Deposit.id)).first()
    if deposit is not None:
        row.deposit_id = deposit.id
        work.session.flush()


def check(work: Work, row: RenovationFees) -> bool:
    """Paid when the deposit is held and the garbage bill settled: ``renovation.fees_paid``, once."""
    if row.status != REQUESTED:
        return False
    if row.deposit_id is None:
        _take_deposit(work, row)
    deposit = work.session.get(Deposit, row.deposit_id) if row.deposit_id else None
    if deposit is None or deposit.status != "held":
        return False
    bill = work.session.get(Bill, row.garbage_bill_id) if row.garbage_bill_id else None
    if bill is not None and bill.settled_at is None:
        return False
    row.status, row.paid_at = PAID, work.clock.now()
    account = work.session.get(FeeAccount, row.account_id)
    work.events.record(events.RENOVATION_FEES_PAID, {
        "renovation_id": row.renovation_id, "number": row.number, "group_id": row.group_id,
        "project_id": row.project_id, "unit_id": account.unit_id, "account_id": row.account_id,
        "deposit_id": row.deposit_id, "deposit_amount": money(deposit.amount),
        "garbage_bill_id": row.garbage_bill_id, "garbage_fee": money(row.garbage_fee), "paid_at": row.paid_at,
    }, group_id=row.group_id, project_id=row.project_id)
    return True


def on_refund_requested(work: Work, data: dict) -> RenovationFees | None:
    """Request the deposit's refund, less what is withheld (None: asked before, or never paid)."""
    from . import journal, refunds
    row = work.session.get(RenovationFees, data["renovation_id"])
    if row is None or row.status != PAID:
        if row is None:
            log.warning("renovation %s: a refund asked for fees never requested", data["number"])
        return None
    journal.lock_account(work.session, work.session.get(FeeAccount, row.account_id))
    work.session.refresh(row)
    if row.status != PAID:                          # a concurrent copy, first
        return None
    refund_amount, withheld = money(data["refund_amount"]), money(data["withheld_amount"])
    if refund_amount > money(row.deposit_amount):
        raise InvalidInput(f"renovation {data['number']}: refund {refund_amount} is over the deposit",
                           code="refund_over_deposit", zh=f"装修 {data['number']}：退还金额 {refund_amount} 超过押金")
    now = work.clock.now()
    row.refund_amount, row.withheld_amount = refund_amount, withheld
    row.violations = json.dumps(data.get("violations") or [], ensure_ascii=False)
    row.status, row.refund_requested_at = REFUND_REQUESTED, now
    who = data.get("reinspected_by") or {}
    row.withheld_by, row.withheld_by_name = who.get("user_id"), (who.get("name") or None)
    if refund_amount > ZERO:
        account = work.session.get(FeeAccount, row.account_id)
        reason = f"装修保证金退还 {row.number}"
        if withheld > ZERO:
            reason += f"；扣留 {withheld}：{'；'.join(data.get('violations') or [])}"
        # the deposit's own account: after a transfer, the old household's (closed) -- its payer's
        refund = refunds.request_refund(work, {
            "unit_id": account.unit_id, "account_id": account.id, "kind": refunds.DEPOSIT,
            "deposit_id": row.deposit_id, "amount": refund_amount, "method": "transfer", "reason": reason[:400]})
        row.refund_id = refund.id
    elif withheld > ZERO:
        forfeit(work, row)              # the whole deposit withheld: nothing to pay, forfeited now
    work.session.flush()
    return row


def on_cancelled(work: Work, data: dict) -> RenovationFees | None:
    """tickets' ``renovation.cancelled``: the unpaid garbage fee cancelled, a held deposit's refund
    requested (module doc, 4). None: cancelled before (a redelivery), or already refunded."""
    from . import journal, refunds
    from .corrections import reverse_with_credit
    from .deposits import held
    from .ledger import site_today
    session = work.session
    row = session.get(RenovationFees, data["renovation_id"])
    if row is None:
        account = find_account(session, data["unit_id"])
        if account is None:
            raise RetryableError(f"no fee account for unit {data['unit_id']} yet; waiting for its unit.changed")
        if (account.group_id, account.project_id) != (data["group_id"], data["project_id"]):
            raise InvalidInput(f"renovation {data['number']}: unit {data['unit_id']} is not of project "
                               f"{data['project_id']}", code="renovation_unit_mismatch",
                               zh=f"装修 {data['number']}：房屋 {data['unit_id']} 不属于项目 {data['project_id']}")
        journal.lock_account(session, account)
        if session.get(RenovationFees, data["renovation_id"]) is None:
            # cancelled before billing saw the request (events out of order): nothing was charged,
            # and a late ``renovation.fees_requested`` finds the row and charges nothing
            session.add(RenovationFees(
                renovation_id=data["renovation_id"], number=data["number"], group_id=account.group_id,
                project_id=account.project_id, account_id=account.id, status=CANCELLED,
                deposit_amount=money(data["deposit_amount"]), garbage_fee=ZERO, requested_at=work.clock.now()))
            session.flush()
        return None
    if row.status not in (REQUESTED, PAID):
        return None
    account = journal.lock_account(session, session.get(FeeAccount, row.account_id))
    session.refresh(row)
    if row.status not in (REQUESTED, PAID):         # a concurrent copy, first
        return None
    row.status = CANCELLED
    reason = f"装修取消 {row.number}：{data.get('reason') or ''}"[:400]
    today = site_today(work, account.project_id)
    bill = session.get(Bill, row.garbage_bill_id) if row.garbage_bill_id else None
    if bill is not None and journal.outstanding(bill) > ZERO:
        bill_account = journal.lock_account(session, session.get(FeeAccount, bill.account_id))
        try:
            entry = reverse_with_credit(work, bill_account, bill.entry_id, reason=reason, occurred_on=today)
        except journal.BillHasPayments:
            # paid in part: what was paid stays paid; the rest is discounted (减免)
            entry = journal.credit_bill(
                work, bill_account, kind="discount", book="discount", amount=journal.outstanding(bill),
                bills=[bill], occurred_on=today, description=f"减免 discount {bill.number}", reason=reason,
                ref_type="bill", ref_id=bill.id, publish=False)
        journal.publish_balance(work, bill_account, cause=entry.kind, entry_id=entry.id)
    deposit = session.get(Deposit, row.deposit_id) if row.deposit_id else None
    if deposit is not None and deposit.status == "held" and held(deposit) > ZERO:
        deposit_account = session.get(FeeAccount, deposit.account_id)
        refund = refunds.request_refund(work, {
            "unit_id": deposit_account.unit_id, "account_id": deposit_account.id, "kind": refunds.DEPOSIT,
            "deposit_id": deposit.id, "amount": held(deposit), "method": "transfer",
            "reason": f"装修保证金退还 {row.number}（装修已取消）：{data.get('reason') or ''}"[:400]})
        row.refund_id, row.refund_amount, row.refund_requested_at = refund.id, refund.amount, work.clock.now()
    session.flush()
    return row


def on_refund_paid(work: Work, refund: Refund) -> None:
    """A refund was paid: if it is a renovation's, ``renovation.deposit_refunded`` tells tickets."""
    if refund.kind != "deposit":
        return
    row = work.session.scalars(select(RenovationFees).where(RenovationFees.refund_id == refund.id)).first()
    if row is not None and row.status == CANCELLED:
        row.refunded_at = refund.paid_at or work.clock.now()     # tickets' renovation is cancelled: no news
        return
    if row is None or row.status != REFUND_REQUESTED:
        return
    row.status, row.refunded_at = REFUNDED, refund.paid_at or work.clock.now()
    if money(row.withheld_amount or ZERO) > ZERO:
        forfeit(work, row, refund)       # the rest back: the withheld part goes to income
    account = work.session.get(FeeAccount, row.account_id)
    work.events.record(events.RENOVATION_DEPOSIT_REFUNDED, {
        "renovation_id": row.renovation_id, "number": row.number, "group_id": row.group_id,
        "project_id": row.project_id, "unit_id": account.unit_id, "account_id": row.account_id,
        "deposit_id": row.deposit_id, "refund_id": refund.id, "amount": money(refund.amount),
        "withheld_amount": money(row.withheld_amount or ZERO), "paid_at": row.refunded_at,
    }, group_id=row.group_id, project_id=row.project_id)


def _person(name: str | None, role: str) -> str:
    """Who, as the household reads it on its statement: the staff member's name, else the role -- never an
    internal user id."""
    return (name or "").strip() or role


def forfeit(work: Work, row: RenovationFees, refund: Refund | None = None):
    """押金扣除 (module doc, 5): the renovation's withheld part moved from its deposit to income,
    once. Returns the entry, or None (forfeited before, nothing withheld, nothing left held)."""
    from .deposits import forfeit as forfeit_deposit, held
    from .ledger import site_today
    session = work.session
    if row.forfeit_entry_id is not None:
        return None
    withheld = money(row.withheld_amount or ZERO)
    deposit = session.get(Deposit, row.deposit_id) if row.deposit_id else None
    if withheld <= ZERO or deposit is None:
        return None
    amount = min(withheld, held(deposit))
    if amount < withheld:
        log.warning("renovation %s: %s withheld but deposit %s holds %s; %s forfeited", row.number, withheld,
                    deposit.id, held(deposit), amount)
    if amount <= ZERO:
        return None
    violations = json.loads(row.violations or "[]")
    said = "；".join(violations) or "—"
    description = f"装修押金扣除：违规 {said}（装修 {row.number}）"
    reason = (f"装修 {row.number} 复查扣留 {withheld}，转入押金扣除收入；违规：{said}；"
              f"复查核定：{_person(row.withheld_by_name, '复查人员')}")
    if refund is not None:
        reason += f"；余额退款 {money(refund.amount)} 元已经财务或服务中心经理批准，由财务支付"
    else:
        reason += "；押金全额扣留，无退款"
    account = session.get(FeeAccount, deposit.account_id)
    entry = forfeit_deposit(work, deposit, amount, description=description[:400], reason=reason[:400],
                            ref_type="renovation", ref_id=row.renovation_id,
                            occurred_on=site_today(work, account.project_id))
    row.forfeit_entry_id, row.forfeited_amount, row.forfeited_at = entry.id, amount, work.clock.now()
    session.flush()
    return entry


def fees_of(work: Work, renovation_id: str) -> RenovationFees | None:
    return work.session.get(RenovationFees, renovation_id)
