"""Deposits (押金/保证金) held for a unit -- the renovation deposit (装修保证金) above all.

Holding one is money received at the desk like a payment (the same roles per method, the same
reference rule and ceiling: ``payments.check_desk``), but it settles no bill: a
:class:`Deposit` row, a :class:`Payment` with purpose ``deposit``, one ``deposit_held`` entry
(the money book debited, the unit's ``deposit`` book credited; the balance due does not
change) and a numbered receipt. A renovation deposit's amount, unless the desk names one, is
the amount the unit's open renovation asks (:func:`asked_for_renovation`: the oldest
``renovation_fees`` request of the account still awaiting its deposit -- tickets'
``renovation.deposit`` setting, carried by ``renovation.fees_requested``: one source, the
renovation's; billing keeps no figure of its own). With neither the request is refused (422
``deposit_amount_required``).

A deposit goes back through a refund (``domain/refunds.py``: requested, approved by someone
else, paid -- in full or in part); its receipt voided before any refund voids it (the
``deposit_held`` entry reversed, status ``void``).

**Forfeiture (押金扣除)**: the part a renovation withholds for its violations leaves the deposit
for the project's income by :func:`forfeit` -- one ``deposit_forfeited`` entry (the unit's
``deposit`` book debited, :data:`FORFEIT_BOOK` ``income:deposit_forfeit`` credited: the balance
due does not change, the deposits held fall, the income rises), never more than the deposit still
holds. ``domain/renovation_fees.py`` calls it once per renovation. So, for every deposit::

    held = amount - refunded - forfeited >= 0

and the unit's ``deposit`` book is minus the sum of what its deposits hold. Nothing left: the
deposit is ``refunded`` (some of it went back) or ``forfeited`` (all of it was withheld).
:func:`deposit_history` reads a deposit's life from the journal (held, refunded, forfeited, voided).

**The key deposit (钥匙押金, purpose ``key``)**: a borrower who returned a key late before leaves a
deposit on their next loan (seed 000 §九.5.5, 确保金). The desk holds it here on the key's unit like any
deposit; when tickets records it on the loan it **pledges** it here (:func:`pledge_key_deposit`, RPC
``pledge_key_deposit(deposit_id, loan_id, unit_id, minimum)``): the facts checked and the deposit tied to the
loan in one transaction -- a key deposit of that unit, held in full, at least ``minimum``, no refund of it
under way, pledged to no other loan (one loan, ever; pledging again for the same loan changes nothing). While
the pledge stands no refund of it is requested, approved or paid (``409 deposit_pledged``, ``refunds.py``);
tickets asks again before approving the loan (RPC ``key_deposit``: still held in full, still pledged to it).
The pledge is released by tickets' events only: ``key.deposit_release_requested`` (the key back in time, the
loan refused, the manager's release of a kept one) unties it and requests its refund
(:func:`on_key_release_requested`, by the platform: finance or the centre manager approves, four eyes);
``key.deposit_forfeit_requested`` (a late borrower's kept deposit, the manager's decision) unties it and
forfeits what it holds to income (:func:`on_key_forfeit_requested`: :func:`forfeit` with the key loan as the
reference, once).
"""
from __future__ import annotations

import logging
import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from kernel.money import ZERO, money
from kernel.work import Work

from ..exceptions import (DepositAmountRequired, DepositNotFound, DepositNotHeld, DepositPledged,
                          KeyDepositAmountRequired)
from ..models import Deposit, FeeAccount, LedgerEntry, Payment, Receipt, Refund, RenovationFees
from . import journal, payments
from .accounts import get_account
from .corrections import reverse_with_credit
from .ledger import site_today

log = logging.getLogger(__name__)

PURPOSE_LABELS = {"renovation": "装修保证金", "key": "钥匙押金", "other": "押金"}
HELD, REFUNDED, FORFEITED, VOID = "held", "refunded", "forfeited", "void"
#: the income book a withheld deposit goes to (押金扣除收入: compensation for violations)
FORFEIT_ITEM = "deposit_forfeit"
FORFEIT_BOOK = journal.income(FORFEIT_ITEM)
FORFEIT_KIND = "deposit_forfeited"


def hold_deposit(work: Work, data: dict) -> Payment:
    account = get_account(work, data["unit_id"])
    work.caller.require_staff()
    amount = data.get("amount")
    if amount is None and data["purpose"] == "renovation":
        amount = asked_for_renovation(work, account)
    if (amount is None or money(amount) <= ZERO) and data["purpose"] == "key":
        raise KeyDepositAmountRequired("name the key deposit's amount (the project's keys.late_deposit)")
    if amount is None or money(amount) <= ZERO:
        raise DepositAmountRequired("name the deposit's amount (no open renovation of the unit asks one)")
    payments.check_desk(work, account, data["method"], amount, data.get("reference"))
    account = journal.lock_account(work.session, account)
    payment = payments.new_payment(work, account, method=data["method"], amount=amount, purpose="deposit",
                                   reference=data.get("reference"), payer_name=data.get("payer_name"),
                                   note=data.get("note") or "")
    label = PURPOSE_LABELS[data["purpose"]]
    entry = journal.post(work, account, kind="deposit_held", lines=[
        (journal.MONEY_BOOKS[payment.method], payment.amount), (journal.DEPOSIT, -payment.amount)],
        description=f"{label} {payments.METHOD_LABELS[payment.method]}", ref_type="payment", ref_id=payment.id,
        occurred_on=site_today(work, account.project_id), publish=False)
    now = work.clock.now()
    work.session.add(Deposit(id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                             account_id=account.id, purpose=data["purpose"], amount=payment.amount,
                             refunded=ZERO, status=HELD, payment_id=payment.id, held_at=now,
                             held_by=work.caller.user_id))
    payment.status, payment.entry_id, payment.received_at = "received", entry.id, now
    payment.receipt_id = payments.issue_receipt(work, account, payment, entry_id=None).id
    work.session.flush()
    journal.publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return payment


def asked_for_renovation(work: Work, account: FeeAccount) -> Decimal | None:
    """The deposit the unit's open renovation asks (its agreement signed, its deposit not held yet):
    the oldest such request of the account, or None."""
    asked = work.session.scalar(select(RenovationFees.deposit_amount).where(
        RenovationFees.account_id == account.id, RenovationFees.status == "requested",
        RenovationFees.deposit_id.is_(None)).order_by(RenovationFees.requested_at, RenovationFees.renovation_id)
        .limit(1))
    return money(asked) if asked is not None else None


def void_deposit(work: Work, account: FeeAccount, payment: Payment, *, reason: str,
                 occurred_on: date) -> LedgerEntry:
    """Its receipt voided: the ``deposit_held`` entry reversed, the deposit ``void`` -- only while
    none of it was refunded (refused otherwise: ``deposit_not_held``)."""
    deposit = work.session.scalars(select(Deposit).where(Deposit.payment_id == payment.id)
                                   .with_for_update().execution_options(populate_existing=True)).one()
    refuse_if_pledged(deposit, voiding=True)    # a key deposit standing for a key loan: its receipt stands
    if deposit.status != HELD or money(deposit.refunded) != ZERO or money(deposit.forfeited or ZERO) != ZERO:
        en, zh = what_became(deposit)
        raise DepositNotHeld(f"{en}; its receipt is not voided", zh=f"{zh}，其收据不能作废")
    deposit.status = VOID
    return reverse_with_credit(work, account, payment.entry_id, reason=reason, occurred_on=occurred_on,
                               kinds=("deposit_held",))


def what_became(deposit: Deposit) -> tuple[str, str]:
    """What became of a deposit no longer (wholly) held, in English and Chinese: forfeited (已扣除),
    refunded (已退还), voided (已作废) -- in its own words, with the amounts."""
    refunded, forfeited = money(deposit.refunded), money(deposit.forfeited or ZERO)
    if deposit.status == VOID:
        return "the deposit was voided", "该押金已作废"
    parts_en, parts_zh = [], []
    if forfeited > ZERO:
        parts_en.append(f"{forfeited} of it was forfeited")
        parts_zh.append(f"已扣除 {forfeited}")
    if refunded > ZERO:
        parts_en.append(f"{refunded} of it was refunded")
        parts_zh.append(f"已退还 {refunded}")
    if not parts_en:
        return f"the deposit is {deposit.status}", f"该押金状态为 {deposit.status}"
    return f"the deposit is {deposit.status}: " + ", ".join(parts_en), "该押金" + "、".join(parts_zh)


def held(deposit: Deposit) -> Decimal:
    """What is still held of the deposit: its amount less what was refunded and what was forfeited
    (0.00 once nothing is left, or voided)."""
    if deposit.status != HELD:
        return ZERO
    return money(deposit.amount) - money(deposit.refunded) - money(deposit.forfeited or ZERO)


def settle(deposit: Deposit) -> None:
    """Nothing left held: ``refunded`` when some of it went back, ``forfeited`` when all was withheld."""
    if deposit.status == HELD and held(deposit) == ZERO:
        deposit.status = REFUNDED if money(deposit.refunded) > ZERO else FORFEITED


def forfeit(work: Work, deposit: Deposit, amount: Decimal, *, description: str, reason: str,
            ref_type: str, ref_id: str, occurred_on: date, publish: bool = True) -> LedgerEntry:
    """押金扣除: ``amount`` of what the deposit holds moves to income (module doc). Once per
    (account, ``ref_type``, ``ref_id``): the journal's unique reference refuses a second
    (``DuplicatePosting``). The caller has checked the amount is above 0.00 and at most what the
    deposit holds (a ``ValueError`` otherwise: never a negative deposit)."""
    account = journal.lock_account(work.session, work.session.get(FeeAccount, deposit.account_id))
    amount = money(amount)
    if amount <= ZERO or amount > held(deposit):
        raise ValueError(f"forfeit {amount} of deposit {deposit.id} holding {held(deposit)}")
    entry = journal.post(work, account, kind=FORFEIT_KIND, lines=[(journal.DEPOSIT, amount), (FORFEIT_BOOK, -amount)],
                         description=description, reason=reason, ref_type=ref_type, ref_id=ref_id,
                         occurred_on=occurred_on, publish=False)
    deposit.forfeited = money(deposit.forfeited or ZERO) + amount
    settle(deposit)
    work.session.flush()
    if publish:
        journal.publish_balance(work, account, cause=entry.kind, entry_id=entry.id)
    return entry


def deposit_history(session, deposit: Deposit) -> list[dict]:
    """The deposit's life read from the journal, in posting order: ``held`` (its payment's entry),
    ``refunded`` (each refund paid), ``forfeited`` (each part withheld and moved to income, 押金扣除),
    ``voided`` (its receipt voided). Each: ``kind``, ``amount`` (positive), ``occurred_on``, ``at``,
    ``by``, ``description``, ``reason``, ``entry_id``."""
    ids: dict[str, str] = {}
    payment = session.get(Payment, deposit.payment_id) if deposit.payment_id else None
    if payment is not None and payment.entry_id:
        ids[payment.entry_id] = "held"
        for reversal in session.scalars(select(LedgerEntry.id).where(LedgerEntry.reverses_id == payment.entry_id)):
            ids[reversal] = "voided"
    for entry_id in session.scalars(select(Refund.entry_id).where(
            Refund.deposit_id == deposit.id, Refund.entry_id.is_not(None))):
        ids[entry_id] = "refunded"
    for entry_id in session.scalars(select(RenovationFees.forfeit_entry_id).where(
            RenovationFees.deposit_id == deposit.id, RenovationFees.forfeit_entry_id.is_not(None))):
        ids[entry_id] = "forfeited"
    if deposit.pledged_loan_id:                      # a late borrower's kept key deposit, forfeited
        for entry_id in session.scalars(select(LedgerEntry.id).where(
                LedgerEntry.account_id == deposit.account_id, LedgerEntry.kind == FORFEIT_KIND,
                LedgerEntry.ref_type == KEY_LOAN_REF, LedgerEntry.ref_id == deposit.pledged_loan_id)):
            ids[entry_id] = "forfeited"
    if not ids:
        return []
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.id.in_(list(ids)))
                              .order_by(LedgerEntry.line_no)).all()
    out = []
    for entry in entries:
        moved = sum((line.amount for line in journal.postings_of(session, entry.id) if line.book == journal.DEPOSIT),
                    ZERO)
        out.append({"kind": ids[entry.id], "amount": abs(moved), "occurred_on": entry.occurred_on,
                    "at": entry.posted_at, "by": entry.posted_by, "description": entry.description,
                    "reason": entry.reason, "entry_id": entry.id})
    return out


# -- a key deposit is not the household's money (residents never read it) ---------------------------

def hidden_from(work: Work, deposit: Deposit | None) -> bool:
    """Is ``deposit`` hidden from the caller? A key deposit (purpose ``key``) is a borrower's -- often a
    contractor's, a stranger to the household -- held on the key's unit for want of an account of its own:
    a resident of the unit never reads it, nor its payment, receipt, refunds and forfeiture (as an unknown
    id: 404). Staff read it as any deposit."""
    return deposit is not None and deposit.purpose == "key" and work.caller.is_resident


def key_payment_ids(session, account_id: str) -> set[str]:
    """The payments that hold the account's key deposits."""
    return set(session.scalars(select(Deposit.payment_id).where(
        Deposit.account_id == account_id, Deposit.purpose == "key", Deposit.payment_id.is_not(None))))


def key_entry_ids(session, account_id: str) -> set[str]:
    """The journal entries of the account's key deposits: held (their payments' entries) and its reversal
    (the receipt voided), refunded, forfeited (reference ``key_loan``) -- the lines a resident's statement
    leaves out. Each moves only the ``deposit`` book and money or income books: none changes the balance
    due (its ``amount`` is 0.00), so the statement's running balance stands without them."""
    ids = set(session.scalars(select(Payment.entry_id).join(Deposit, Deposit.payment_id == Payment.id).where(
        Deposit.account_id == account_id, Deposit.purpose == "key", Payment.entry_id.is_not(None))))
    if ids:
        ids |= set(session.scalars(select(LedgerEntry.id).where(LedgerEntry.reverses_id.in_(list(ids)))))
    ids |= set(session.scalars(select(Refund.entry_id).join(Deposit, Deposit.id == Refund.deposit_id).where(
        Deposit.account_id == account_id, Deposit.purpose == "key", Refund.entry_id.is_not(None))))
    ids |= set(session.scalars(select(LedgerEntry.id).where(
        LedgerEntry.account_id == account_id, LedgerEntry.kind == FORFEIT_KIND, LedgerEntry.ref_type == KEY_LOAN_REF)))
    return ids


def as_household_reads(work: Work, account_id: str, figures: dict) -> dict:
    """The account's figures as the caller reads them: to a resident, ``deposits_held`` without what the
    account's key deposits hold (a borrower's money, :func:`hidden_from`); to staff, unchanged. Nothing
    else moves: a key deposit is in the deposit book only (balance due, credit, receivable are the
    household's own)."""
    if not work.caller.is_resident or figures is None or figures.get("deposits_held") is None:
        return figures
    return {**figures, "deposits_held": money(figures["deposits_held"]) - key_deposits_held(work.session, account_id)}


def key_deposits_held(session, account_id: str) -> Decimal:
    """What the account's key deposits still hold (in its ``deposits_held``; not the household's)."""
    return sum((held(d) for d in session.scalars(select(Deposit).where(
        Deposit.account_id == account_id, Deposit.purpose == "key", Deposit.status == HELD))), ZERO)


def pledged_to(deposit: Deposit) -> str | None:
    """The key loan the deposit is pledged to while the pledge stands (None: not pledged, or released)."""
    return deposit.pledged_loan_id if deposit.pledged_loan_id and deposit.pledge_released_at is None else None


def _live_refund(work: Work, deposit: Deposit) -> str | None:
    return work.session.scalar(select(Refund.id).where(Refund.deposit_id == deposit.id,
                                                       Refund.status.in_(_LIVE_REFUNDS)).limit(1))


def deposit_facts(work: Work, deposit_id: str) -> dict:
    """One deposit as another service checks it before relying on it (tickets' key deposit): its unit,
    purpose, amount, what it still holds, status, the receipt's number, who held it and when, the key loan
    it is pledged to (``pledged_loan_id``) and whether a refund of it is under way (``refund_pending``) --
    staff of its project (anyone else, like an unknown id: ``deposit_not_found``)."""
    deposit = work.session.get(Deposit, deposit_id)
    not_found = DepositNotFound(f"no deposit {deposit_id}", zh="未找到该押金")
    if deposit is None or work.caller.is_resident:
        raise not_found
    account = work.session.get(FeeAccount, deposit.account_id)
    # another project's deposit is as unknown as a missing one (tickets asks as the desk: no 403 to relay)
    work.caller.require_unit(account.group_id, account.project_id, account.unit_id, not_found=not_found,
                             conceal=True)
    payment = work.session.get(Payment, deposit.payment_id) if deposit.payment_id else None
    receipt = work.session.get(Receipt, payment.receipt_id) if payment is not None and payment.receipt_id else None
    return {"deposit_id": deposit.id, "unit_id": account.unit_id, "project_id": deposit.project_id,
            "purpose": deposit.purpose, "amount": money(deposit.amount), "held": held(deposit),
            "status": deposit.status, "receipt_number": receipt.number if receipt is not None else None,
            "payer_name": payment.payer_name if payment is not None else None,
            "held_by": deposit.held_by, "held_at": deposit.held_at, "pledged_loan_id": pledged_to(deposit),
            "refund_pending": _live_refund(work, deposit) is not None}


#: the journal reference of a key loan's forfeiture (押金扣除: a late borrower's kept deposit)
KEY_LOAN_REF = "key_loan"


def pledge_key_deposit(work: Work, deposit_id: str, loan_id: str, unit_id: str, minimum) -> dict:
    """Tie a key deposit to tickets' key loan (钥匙押金质押), checked and tied in one transaction under the
    account's lock: a key deposit (purpose ``key``) of ``unit_id``, held in full, of at least ``minimum``, with
    no refund under way and never pledged to another loan -- then pledged to ``loan_id`` (again for the same
    loan: nothing changes). A deposit that fails a check is left as it is and its facts answered (tickets
    refuses it in its own words); pledged to another loan, it is refused (409 ``deposit_already_used``).
    Answers :func:`deposit_facts` (``pledged_loan_id`` is ``loan_id`` when tied)."""
    facts = deposit_facts(work, deposit_id)             # scope: staff of its project, else deposit_not_found
    deposit = work.session.get(Deposit, deposit_id)
    journal.lock_account(work.session, work.session.get(FeeAccount, deposit.account_id))
    work.session.refresh(deposit)
    if deposit.pledged_loan_id and deposit.pledged_loan_id != loan_id:
        raise DepositPledged(f"deposit {deposit_id} stands for another key loan", code="deposit_already_used",
                             zh="该押金已用于另一笔钥匙借用")
    if deposit.pledged_loan_id == loan_id:
        return deposit_facts(work, deposit_id)
    usable = (deposit.purpose == "key" and facts["unit_id"] == unit_id and deposit.status == HELD
              and held(deposit) == money(deposit.amount) and money(deposit.amount) >= money(minimum)
              and _live_refund(work, deposit) is None)
    if usable:
        deposit.pledged_loan_id, deposit.pledged_at = loan_id, work.clock.now()
        work.session.flush()
        log.info("key deposit %s pledged to key loan %s by %s", deposit.id, loan_id, work.caller.user_id)
    return deposit_facts(work, deposit_id)


def refuse_if_pledged(deposit: Deposit, *, voiding: bool = False) -> None:
    """No refund of a deposit pledged to a key loan still standing, nor its receipt voided (``voiding``):
    409 ``deposit_pledged``."""
    if pledged_to(deposit) and voiding:
        raise DepositPledged(f"deposit {deposit.id} is pledged to key loan {deposit.pledged_loan_id}: its receipt "
                             "cannot be voided while the pledge stands",
                             zh="该押金已作为钥匙借用押金质押，质押解除前其收据不能作废",
                             details={"loan_id": deposit.pledged_loan_id})
    if pledged_to(deposit):
        raise DepositPledged(f"deposit {deposit.id} is pledged to key loan {deposit.pledged_loan_id}: it is "
                             "refunded once the loan is settled (the key back in time, the loan refused, or the "
                             "manager's release of a kept deposit)",
                             details={"loan_id": deposit.pledged_loan_id})


def _unpledge(work: Work, deposit: Deposit, loan_id: str) -> bool:
    """The pledge to ``loan_id`` released (True); pledged to another loan: left alone (False)."""
    if deposit.pledged_loan_id and deposit.pledged_loan_id != loan_id:
        log.warning("key loan %s: deposit %s is pledged to key loan %s; left alone", loan_id, deposit.id,
                    deposit.pledged_loan_id)
        return False
    if deposit.pledged_loan_id == loan_id and deposit.pledge_released_at is None:
        deposit.pledge_released_at = work.clock.now()
    return True


#: refunds that still count: a deposit whose refund is requested, approved or paid is not asked again
_LIVE_REFUNDS = ("requested", "approved", "paid")


def on_key_release_requested(work: Work, data: dict) -> Refund | None:
    """tickets' ``key.deposit_release_requested`` (the key back in time, or the loan refused): the key
    deposit's refund requested for what it still holds, by the platform (four eyes: finance or the centre
    manager approves). Once: a deposit with a live refund, or nothing held, or not a key deposit, is left
    alone (None) -- a redelivery changes nothing."""
    from . import refunds
    deposit = _key_deposit_of(work, data, "give back")
    if deposit is None:
        return None
    account = journal.lock_account(work.session, work.session.get(FeeAccount, deposit.account_id))
    work.session.refresh(deposit)
    if not _unpledge(work, deposit, data["loan_id"]):
        return None
    if held(deposit) <= ZERO:
        log.warning("key loan %s: deposit %s holds nothing to give back (it is %s: refunded %s, forfeited %s)",
                    data["loan_id"], deposit.id, deposit.status, deposit.refunded, deposit.forfeited)
        return None
    live = _live_refund(work, deposit)
    if live is not None:                        # a redelivery: its refund is under way already
        log.info("key loan %s: deposit %s has its refund %s under way already", data["loan_id"], deposit.id, live)
        return None
    why = {"returned_in_time": "钥匙按时归还", "loan_refused": "借用未获批准",
           "kept_released": "逾期归还，经理决定退还"}.get(data.get("reason"), "")
    return refunds.request_refund(work, {
        "unit_id": account.unit_id, "account_id": account.id, "kind": refunds.DEPOSIT, "deposit_id": deposit.id,
        "amount": held(deposit), "method": "cash",
        "reason": f"钥匙押金退还 key deposit back: {data.get('unit_label') or ''} {data.get('key_label') or ''}"
                  f"（{why}）"[:400]})


def _key_deposit_of(work: Work, data: dict, what: str) -> Deposit | None:
    deposit = work.session.get(Deposit, data["deposit_id"])
    if deposit is None or deposit.purpose != "key" or deposit.project_id != data["project_id"]:
        log.warning("key loan %s: no key deposit %s of project %s to %s", data["loan_id"], data["deposit_id"],
                    data["project_id"], what)
        return None
    return deposit


def on_key_forfeit_requested(work: Work, data: dict) -> LedgerEntry | None:
    """tickets' ``key.deposit_forfeit_requested`` (a late borrower's kept deposit: the CS or centre manager
    decided it goes to income, 押金扣除): the pledge released and what the deposit holds forfeited
    (:func:`forfeit`, reference ``key_loan`` / the loan: once -- a redelivery finds it done). Nothing held,
    or not a key deposit of that project: a warning, nothing moved."""
    from .ledger import site_today
    deposit = _key_deposit_of(work, data, "forfeit")
    if deposit is None:
        return None
    account = journal.lock_account(work.session, work.session.get(FeeAccount, deposit.account_id))
    work.session.refresh(deposit)
    if not _unpledge(work, deposit, data["loan_id"]):
        return None
    done = work.session.scalar(select(LedgerEntry.id).where(
        LedgerEntry.account_id == account.id, LedgerEntry.kind == FORFEIT_KIND,
        LedgerEntry.ref_type == KEY_LOAN_REF, LedgerEntry.ref_id == data["loan_id"]))
    if done is not None:
        return None
    amount = held(deposit)
    if amount <= ZERO or _live_refund(work, deposit) is not None:
        log.warning("key loan %s: deposit %s holds nothing to forfeit (it is %s, held %s)", data["loan_id"],
                    deposit.id, deposit.status, amount)
        return None
    label = f"{data.get('unit_label') or account.unit_label} {data.get('key_label') or ''}".strip()
    return forfeit(work, deposit, amount, description=f"钥匙押金扣除：逾期归还（{label}）"[:400],
                   reason=f"钥匙押金 {amount} 元因借用人逾期归还钥匙转入押金扣除收入；决定：{data.get('decided_by_name') or '客服经理'}"
                          f"{'；说明：' + data['note'] if data.get('note') else ''}"[:400],
                   ref_type=KEY_LOAN_REF, ref_id=data["loan_id"], occurred_on=site_today(work, account.project_id))
