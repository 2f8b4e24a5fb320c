"""Keys (钥匙, seed 000 §九): the front desk's key register -- the keys the developer handed
over, their collection by the owners, loans, the owners' deposited keys -- and its checks.

**A key's movements** (:data:`TABLE`, ``(state, action) -> Step(next state, who)``):

- ``receive`` (new -> ``received_from_developer``): the developer's handover (钥匙移交), per unit;
- ``store`` (-> ``in_store``): counted into the key store;
- ``collect`` (``in_store`` -> ``collected_by_owner``): the owner collects against the purchase
  contract, their ID and the fee receipt (业主凭购房合同、身份证、缴费收据领取) -- all three
  recorded, else ``papers_required``; the collector must be an owner of the unit in archive's
  household file (``match_identity`` through the desk's shared guard, ``identity.py`` 身份核验: name
  and ID number; a stranger, a family member or a wrong number is the one answer ``422
  identity_not_matched`` (:data:`NOT_MATCHED`, no details saying which), archive down ``503
  archive_unavailable`` -- fail closed). Taking back a
  deposited key shows the ID only: the one who deposited it (the same name and ID number, compared by
  the number's keyed hash) -- anyone else must be an owner matched in the file;
- ``deposit`` (``collected_by_owner`` -> ``deposited_by_owner``): the owner leaves a key with the
  front desk (业主寄存钥匙): the one who collected it, or an owner matched in the file;
- ``request_loan`` (``in_store`` -> ``loan_requested``): a borrower's ID and register entry
  (借用登记); a contractor (施工单位) needs the developer's written proof (开发商书面证明). A
  borrower who returned a key late before is shown ``deposit_required`` (逾期归还者下次借用须交押金);
- ``approve_loan`` (-> ``lent``): the customer-service manager's approval (客服部经理批准) -- a
  second person's check: whoever registered the loan never approves it (``422 own_request``). Who
  approves (:data:`APPROVER_ROLES`), in this order: the CS manager; the service-centre manager when
  the project has none or the CS manager registered the loan; the general manager when neither
  can (a project with no CS or centre manager). The key
  is due back the same day by ``keys.return_by`` (18:00 local; a loan approved after that time
  is due by midnight). The return is a clock on a task (``tasks``, category ``key_return``) that
  only breaches: a key not back in time is told **once**, by the SLA sweep, to the front desk's
  inbox (its supervisors see it too);
- ``refuse_loan`` (-> ``in_store``): the manager refuses, or the desk withdraws the request;
- ``return`` (``lent`` -> back where the loan took it from: ``in_store``, or ``deposited_by_owner`` for
  an owner's deposited key): the key is back (归还); after the due time the loan and
  the return are marked ``late`` with ``minutes_late`` (in the key's history) -- the borrower's flag,
  matched by their ID number's keyed hash, shown on their next loan.

**The deposit of a flagged borrower** (确保金, seed 000 §九.5.5: 超出估计使用时间还未归还……下次借用钥匙时必需交确保金).
A loan whose borrower returned a key late before in the project (``deposit_required``) is not approved
(``409 deposit_not_taken``) until ``take_deposit`` (``loan_requested`` -> itself, the desk) records the
deposit: billing's deposit (purpose ``key``, 钥匙押金) held on the key's unit, held in full and at least
``keys.late_deposit`` (200.00 by default), standing for no other loan -- **pledged** to the loan at billing
through :data:`AskDeposit` (billing's ``pledge_key_deposit``: checked and tied in one transaction there, so
billing refuses its refund while the loan stands; down: ``503 billing_unavailable``, fail closed); the loan
keeps its id, amount, the receipt's number, who took it and when. ``approve_loan`` asks billing again
(``key_deposit``): still held in full and pledged to this loan, else ``409 deposit_not_held``. Given back --
``key.deposit_release_requested``: billing releases the pledge and requests its refund (four eyes there) --
when the key comes back in time or the loan is refused. Returned late again, it stays pledged
(``deposit_status: kept``) and a task (``key_deposit_decision``) asks the CS manager to decide within
``keys.deposit_decision_days``: :func:`decide_deposit` (CS or centre manager) ``release`` (given back as
above, ``reason: kept_released``) or ``forfeit`` (``key.deposit_forfeit_requested``: billing moves what it
holds to income, 押金扣除, once).

**Lending an owner's deposited key** (业主寄存钥匙, §九.5: 业主为方便维修寄存钥匙). The owner consents in
person at the desk (``owner_consent``, ``deposited_by_owner`` -> itself): the owner's name and ID -- the
one who deposited the key, else an owner matched in archive's household file (as a collection) -- and
the person they let borrow it (``borrower_name``, ``borrower_id_type``, ``borrower_id_number``; kept
masked and keyed-hashed only). ``request_loan`` of a deposited key is then registered for that person
only (same name and ID number; ``409 owner_consent_required`` otherwise), one loan per consent, a
consent given after the key's last deposit; the owner's consent stands for the developer's written
proof. The CS manager approves as for any loan, due back the same day; returned or refused, the key goes
back to ``deposited_by_owner``. The owner withdraws the consents not used yet in person (``withdraw_consent``,
the same identity rule; none open: ``409 no_consent_to_withdraw``); collecting the key back ends them too.

**The borrower's phone** is stored whole (the desk calls a late borrower) and answered masked by every
read; :func:`loan_phone` gives it whole to the desk (``kernel.privacy.PHONE_ROLES``) for a stated
purpose while the loan is open and ``keys.phone_readable_days`` (30) after it ended (later ``410
phone_no_longer_readable``, masked): each read a row of :class:`KeyPhoneRead` (借用人电话查阅记录: who,
when, which loan, why -- never the number), which the CS / centre manager read (:func:`phone_reads`),
and one ``wuye.audit`` line.

**Identity documents.** Every movement naming a person takes ``id_type`` (``kernel.validators.ID_TYPES``)
with the number, checked by ``kernel.validators.require_id_number`` (a resident ID's GB 11643 check
digit; ``422 id_number_invalid``) -- a number shaped like a resident ID given as another document is
refused too. The number is never stored: the register keeps it masked (``kernel.privacy``) and as a
keyed hash (``kernel.privacy.id_number_digest``), so replies and events carry it masked to every
reader (phones masked too); the whole number lives only in archive's access-logged household file.

No sub-lending (不得转借): a lent key cannot be lent again -- it comes back to the store first
(``no_sub_lending``, :data:`REFUSALS`). Every step is a ``KeyMovement`` row (the register).

**Checks.** The monthly stock-check (钥匙盘点) counts the keys found in the store against the
register (expected: the keys whose state is in the store); the discrepancies are listed -- a key
the register has in the store but not found, one found that the register has out, and one found
with fewer (or more) copies than its ``copies`` (``copies_found``). The
customer-service manager's spot-check (抽查) is the same count by the manager; a job on the 1st
of each month (``key-spot-check``) opens the month's task due the end of ``keys.spot_check_day``
(the 25th): the manager's spot-check in the month finishes it; missed, it breaches (once). The
monthly stock-check (钥匙每月盘点) is a task the same way: a job on the 1st (``key-stock-check``)
opens it due the end of ``keys.stock_check_day`` (20 by default, DOMAIN.md 001's 11th-20th; 0: the
month's last day), answered by the front desk; a ``monthly`` stock-check in the month finishes it; missed, it breaches (once).

**Events** (all in the step's transaction): ``key.changed`` after every movement (the whole key
and the movement, phones and ID numbers masked), ``key_stock_check.recorded`` for every count (with
``counted_as``, the role it was counted in: notify tells the CS manager of a centre manager's spot-check).
"""
from __future__ import annotations

import logging
import math
import uuid
from decimal import Decimal
from typing import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kernel.copies import snapshot_page
from kernel.errors import NAMED_IDS_MAX, name_ids
from kernel.errors import Forbidden
from kernel.money import money
from kernel.privacy import free_text_for, id_number_digest, mask_id_number, mask_phone, sees_phones
from kernel.tenancy import Role
from kernel.validators import IdNumberInvalid, guess_id_type, require_id_number
from kernel.work import Work

from .. import events
from ..exceptions import (BillingUnavailable, DuplicateKey, KeyDepositConflict, KeyDepositDecisionRefused,
                          KeyDepositNotHeld, KeyDepositNotTaken, KeyDepositRefused, KeyLoanNotFound, KeyNotFound,
                          KeyOwnerConsentRequired, KeyOwnRequest, KeyPapersRequired, KeyPhoneNoLongerReadable,
                          KeyStepNotAllowed, UnknownKeys)
from ..models import Key, KeyMovement, KeyPhoneRead, KeyStockCheck, ProjectCopy, Ticket, UnitCopy
from . import identity, repairs, tasks, workflow
from .front_desk_settings import (KEY_DEPOSIT_DECISION_DAYS, KEY_LATE_DEPOSIT, KEY_PHONE_READABLE_DAYS, KEY_RETURN_BY,
                                  KEY_SPOT_CHECK_DAY,
                                  KEY_STOCK_CHECK_DAY)
from .identity import AskIdentity

# -- the key's states and movements ------------------------------------------------------------
NEW = "new"                                       # not yet in the register (the receive row's source)
RECEIVED, IN_STORE, COLLECTED, DEPOSITED, REQUESTED, LENT = (
    "received_from_developer", "in_store", "collected_by_owner", "deposited_by_owner", "loan_requested", "lent")
STATES = (RECEIVED, IN_STORE, COLLECTED, DEPOSITED, REQUESTED, LENT)
#: the states in which the key is in the store (what a stock-check expects to find)
IN_STORE_STATES = (RECEIVED, IN_STORE, DEPOSITED, REQUESTED)
RECEIVE, STORE, COLLECT, DEPOSIT, REQUEST_LOAN, APPROVE_LOAN, REFUSE_LOAN, RETURN = (
    "receive", "store", "collect", "deposit", "request_loan", "approve_loan", "refuse_loan", "return")
#: 业主同意借用 (the owner lets a named person borrow their deposited key) and 撤回 (withdraws it);
#: 收取押金 (a flagged borrower's deposit)
OWNER_CONSENT, WITHDRAW_CONSENT, TAKE_DEPOSIT = "owner_consent", "withdraw_consent", "take_deposit"
ACTIONS = (RECEIVE, STORE, COLLECT, DEPOSIT, REQUEST_LOAN, APPROVE_LOAN, REFUSE_LOAN, RETURN, OWNER_CONSENT,
           WITHDRAW_CONSENT, TAKE_DEPOSIT)
#: a step's target "back where the loan took the key from" -- the loan's request row's ``from_state``:
#: ``in_store``, or ``deposited_by_owner`` for an owner's deposited key lent under their consent
BACK = "(back where the loan took it from)"

#: parties: DESK = the front desk and those who stand in for it; APPROVER = the CS manager (客服部经理),
#: the service-centre manager standing in for them, and the general manager for a project with neither
#: (the fallback chain; never the one who registered the loan)
DESK, APPROVER = "key_desk", "key_approver"
DESK_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
APPROVER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER)
#: the CS manager's spot-check (抽查), the centre manager standing in
SPOT_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
READER_ROLES = DESK_ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
ROLES = {DESK: DESK_ROLES, APPROVER: APPROVER_ROLES}

#: guards: ``first_collection`` -- the owner's first collection needs contract, ID and receipt;
#: ``consented`` -- a deposited key is lent only to the person its owner consented to
FIRST_COLLECTION = "first_collection"
CONSENTED = "consented"


def _step(to: str, *who: str, guard: str | None = None) -> workflow.Step:
    return workflow.Step(to, frozenset(who), guard)


TABLE: dict[tuple[str, str], workflow.Step] = {
    (NEW, RECEIVE): _step(RECEIVED, DESK),
    (RECEIVED, STORE): _step(IN_STORE, DESK),
    (IN_STORE, COLLECT): _step(COLLECTED, DESK, guard=FIRST_COLLECTION),
    (DEPOSITED, COLLECT): _step(COLLECTED, DESK),                 # the owner takes their key back
    (COLLECTED, DEPOSIT): _step(DEPOSITED, DESK),
    (IN_STORE, REQUEST_LOAN): _step(REQUESTED, DESK),
    (DEPOSITED, OWNER_CONSENT): _step(DEPOSITED, DESK),                # the owner, in person at the desk
    (DEPOSITED, WITHDRAW_CONSENT): _step(DEPOSITED, DESK),             # ... or takes it back, unused
    (DEPOSITED, REQUEST_LOAN): _step(REQUESTED, DESK, guard=CONSENTED),
    (REQUESTED, TAKE_DEPOSIT): _step(REQUESTED, DESK),                 # a flagged borrower's deposit
    (REQUESTED, APPROVE_LOAN): _step(LENT, APPROVER),                  # deposit_required: taken first
    (REQUESTED, REFUSE_LOAN): _step(BACK, APPROVER, DESK),
    (LENT, RETURN): _step(BACK, DESK),
}
#: movements not in the table refused with a telling code
REFUSALS = {(LENT, REQUEST_LOAN): "no_sub_lending", (REQUESTED, REQUEST_LOAN): "loan_pending"}
#: a refusal's sentence: the key's state and the movement, in Chinese and English
STATE_WORDS = {
    NEW: ("尚未登记", "not in the register yet"), RECEIVED: ("已从开发商接收、尚未入库", "received from the developer, not yet stored"),
    IN_STORE: ("在库", "in the store"), COLLECTED: ("已由业主领取", "collected by its owner"),
    DEPOSITED: ("由业主寄存在库", "deposited by its owner"), REQUESTED: ("有借用申请待审批", "waiting for a loan's approval"),
    LENT: ("已借出", "lent out")}
ACTION_WORDS = {
    RECEIVE: ("接收登记", "be received"), STORE: ("入库", "be stored"), COLLECT: ("由业主领取", "be collected by an owner"),
    DEPOSIT: ("由业主寄存", "be deposited"), REQUEST_LOAN: ("登记借用", "be requested for a loan"),
    APPROVE_LOAN: ("批准借用", "have a loan approved"), REFUSE_LOAN: ("拒绝借用", "have a loan refused"),
    RETURN: ("归还", "be returned"), OWNER_CONSENT: ("登记业主同意借用", "take an owner's consent to a loan"),
    WITHDRAW_CONSENT: ("撤回业主同意借用", "have an owner's consent withdrawn"),
    TAKE_DEPOSIT: ("收取借用押金", "take a loan's deposit")}
REFUSAL_WORDS = {
    "no_sub_lending": ("钥匙已借出，须先归还入库才能再次借用（不得转借）",
                       "the key is lent out: it comes back to the store before it is lent again (no sub-lending)"),
    "loan_pending": ("该钥匙已有借用申请待审批，请先审批或撤回", "a loan of this key already waits for approval: "
                                                         "approve or refuse it first")}

#: the purpose archive's ``match_identity`` is asked with (``identity.AskIdentity``, logged in the file's
#: access log)
ARCHIVE_PURPOSE = "钥匙领取身份核查 key collection identity check"
#: who collects or deposits an owner's key: an owner in the household file (archive is asked for owners
#: only: a family member's match is a failed one, counted)
OWNER_ROLES = ("owner",)
#: the one answer for a person who does not match an owner of the unit in the file -- a name not in it,
#: a family member or tenant, a wrong number alike (no oracle: the desk cannot tell which)
NOT_MATCHED_EN = ("the person does not match an owner of the unit in the household file (name and ID number): "
                  "only an owner collects or deposits the key (or the one who deposited / collected it) -- a "
                  "failed match is counted")
NOT_MATCHED_ZH = "持证人与业户档案中的业主登记不符（姓名或证件号码），不能办理钥匙领取或寄存"
NOT_MATCHED = (NOT_MATCHED_EN, NOT_MATCHED_ZH)

BORROWER, CONTRACTOR, OWNER, DEVELOPER = "borrower", "contractor", "owner", "developer"
BORROWER_KINDS = (BORROWER, CONTRACTOR)

#: the monthly jobs opening the CS manager's spot-check task and the desk's stock-check task
JOB_SPOT_CHECK = "key-spot-check"
JOB_STOCK_CHECK = "key-stock-check"
MONTHLY_RUN_HOUR = 1
MONTHLY, SPOT = "monthly", "spot"


# ==============================================================================================
# helpers
# ==============================================================================================

def _unit(work: Work, unit_id: str) -> UnitCopy:
    unit = work.session.get(UnitCopy, unit_id)
    if unit is None:
        raise repairs._no_unit(unit_id)
    repairs.in_unit(work, unit.group_id, unit.project_id, unit.id, not_found=repairs._no_unit(unit_id))
    return unit


def _key(work: Work, key_id: str, *, lock: bool = False) -> Key:
    query = select(Key).where(Key.id == key_id)
    if lock and work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    key = work.session.scalars(query).first()
    missing = KeyNotFound("no key with that id")
    if key is None:
        raise missing
    repairs.in_unit(work, key.group_id, key.project_id, key.unit_id, not_found=missing)
    return key


def _allowed(work: Work, state: str, action: str) -> workflow.Step:
    caller = work.caller
    if caller.is_resident:
        raise KeyNotFound("no key with that id")     # residents read their keys, never move them
    move = TABLE.get((state, action))
    if move is None:
        code = REFUSALS.get((state, action))
        (state_zh, state_en), (action_zh, action_en) = STATE_WORDS[state], ACTION_WORDS[action]
        zh, en = REFUSAL_WORDS.get(code, (f"钥匙{state_zh}，不能{action_zh}",
                                          f"a key that is {state_en} cannot {action_en}"))
        raise KeyStepNotAllowed(en, code=code, zh=zh, details={"state": state, "action": action})
    caller.require_role(*sorted({r for who in move.who for r in ROLES[who]}))
    return move


def local_day_at(project: ProjectCopy, at: datetime, hhmm: str) -> datetime:
    """``at``'s local day at ``hhmm`` in the project's time zone."""
    tz = ZoneInfo(project.timezone)
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(at.astimezone(tz).date(), time(hour, minute), tzinfo=tz)


def due_back(work: Work, project: ProjectCopy, lent_at: datetime) -> datetime:
    """A loan approved at ``lent_at`` is due back the same day by ``keys.return_by``; approved
    after that time, by the end of the day (midnight)."""
    due = local_day_at(project, lent_at, work.settings.values(project.id)[KEY_RETURN_BY])
    if due <= lent_at:
        due = local_day_at(project, lent_at, "00:00") + timedelta(days=1)
    return due


def _movement(work: Work, key: Key, action: str, to: str, data: dict, **extra) -> KeyMovement:
    caller, now = work.caller, work.clock.now()
    row = KeyMovement(
        id=str(uuid.uuid4()), key_id=key.id, key_version=key.version + 1, group_id=key.group_id, project_id=key.project_id, action=action,
        from_state=key.state if key.state != NEW else None, to_state=to, at=now, by=caller.user_id,
        by_name=caller.name or "", party_kind=data.get("party_kind"), party_name=data.get("name"),
        party_phone=data.get("phone"), party_id_type=data.get("id_type") if data.get("id_number") else None,
        party_id_masked=mask_id_number(data.get("id_number")),
        party_id_hash=_digest(work, data.get("id_number")),
        contract_ref=data.get("contract_ref"), receipt_ref=data.get("receipt_ref"), proof_ref=data.get("proof_ref"),
        purpose=data.get("purpose"), note=data.get("note"), deposit_ref=data.get("deposit_ref"), **extra)
    work.session.add(row)
    return row


def _moved(key: Key, to: str, now: datetime) -> None:
    key.state = to
    key.updated_at = now
    key.version += 1


# ==============================================================================================
# the register
# ==============================================================================================

def receive(work: Work, data: dict) -> Key:
    """The developer hands over a unit's key (``data``: unit_id, label, copies, name of who
    handed it over, note): a new row of the register, ``received_from_developer``."""
    unit = _unit(work, data["unit_id"])
    _allowed(work, NEW, RECEIVE)
    label = data.get("label") or "入户门钥匙"
    if work.session.scalar(select(Key.id).where(Key.unit_id == unit.id, Key.label == label)) is not None:
        raise DuplicateKey(f"unit {unit.label} already has a key {label!r} in the register")
    now = work.clock.now()
    key = Key(id=str(uuid.uuid4()), group_id=unit.group_id, project_id=unit.project_id, unit_id=unit.id,
              unit_label=unit.label, label=label, copies=data.get("copies") or 1, state=NEW, holder_name=None,
              updated_at=now, version=0)
    work.session.add(key)
    work.session.flush()
    row = _movement(work, key, RECEIVE, RECEIVED, {**data, "party_kind": DEVELOPER})
    _moved(key, RECEIVED, now)
    work.session.flush()
    _changed(work, key, row)
    return key


def move(work: Work, key_id: str, action: str, data: dict, ask_identity: AskIdentity | None = None,
         ask_deposit: AskDeposit | None = None) -> Key:
    """One movement of a key (``TABLE``); the papers each needs are checked here, an owner's identity
    against archive's household file (``ask_identity``) and a deposit against billing (``ask_deposit``)
    before anything is written."""
    key = _key(work, key_id, lock=True)
    move_ = _allowed(work, key.state, action)
    now, project = work.clock.now(), repairs._project(work, key.project_id)
    loan = work.session.get(KeyMovement, key.loan_id) if key.loan_id else None
    to = loan.from_state if move_.to == BACK else move_.to
    if action == STORE:
        row = _movement(work, key, action, to, {"note": data.get("note")})   # no party: nothing to check
        key.holder_name = None
    elif action == COLLECT:
        needed = ["name", "id_number"] + (["contract_ref", "receipt_ref"] if move_.guard == FIRST_COLLECTION else [])
        _papers(data, needed, "an owner collects a key against the purchase contract, their ID and the fee receipt",
                "业主领取钥匙须凭购房合同、身份证和缴费收据")
        data = _document(data)
        # taking back a deposited key: the one who deposited it, else an owner in the household file
        if key.state != DEPOSITED or not _same_party(work, _last(work, key, DEPOSIT), data):
            _owner_in_file(work, key, data, ask_identity)
        row = _movement(work, key, action, to, {**data, "party_kind": OWNER})
        key.holder_name = data["name"]
    elif action == DEPOSIT:
        _papers(data, ["name", "id_number"], "an owner depositing a key gives their name and ID",
                "业主寄存钥匙须登记姓名和证件")
        data = _document(data)
        if not _same_party(work, _last(work, key, COLLECT), data):
            _owner_in_file(work, key, data, ask_identity)
        row = _movement(work, key, action, to, {**data, "party_kind": OWNER})
        key.holder_name = None
    elif action == REQUEST_LOAN:
        kind = data.get("borrower_kind") or BORROWER
        _papers(data, ["name", "id_number", "purpose"], "a loan is registered with the borrower's name, ID and purpose",
                "借用钥匙须登记借用人姓名、证件和用途")
        if kind == CONTRACTOR and move_.guard != CONSENTED:       # a deposited key: the owner's consent stands for it
            _papers(data, ["proof_ref"], "a contractor borrows a key with the developer's written proof",
                    "施工单位借用钥匙须出具开发商书面证明")
        data = _document(data)
        consent = _usable_consent(work, key, data) if move_.guard == CONSENTED else None
        flagged = late_loans(work, key.project_id, _digest(work, data["id_number"]))
        row = _movement(work, key, action, to, {**data, "party_kind": kind},
                        deposit_required=bool(flagged), consent_id=consent.id if consent is not None else None)
        key.loan_id = row.id
    elif action == OWNER_CONSENT:
        row = _owner_consent(work, key, data, ask_identity)
    elif action == WITHDRAW_CONSENT:
        row = _withdraw_consent(work, key, data, ask_identity)
    elif action == TAKE_DEPOSIT:
        row = _take_deposit(work, key, loan, data, ask_deposit)
    elif action == APPROVE_LOAN:
        if loan.by == work.caller.user_id:
            raise KeyOwnRequest("whoever registered a loan does not approve it: the approval is a second person's "
                                "check -- the CS manager, the service-centre manager or the general manager approves",
                                details={"requested_by": loan.by})
        if loan.deposit_required and not loan.deposit_id:
            amount = _deposit_due(work, key.project_id)
            raise KeyDepositNotTaken(
                f"the borrower returned a key late before: their deposit ({amount} yuan, keys.late_deposit) is "
                "taken first (take_deposit, billing's key deposit), then the loan is approved",
                zh=f"该借用人曾逾期归还钥匙，须先收取押金（确保金 {amount} 元）并登记收据，才能批准借用",
                details={"deposit_amount": str(amount),
                         "earlier_late_returns": len(late_loans(work, key.project_id, loan.party_id_hash))})
        if loan.deposit_id:
            _deposit_still_held(work, key, loan, ask_deposit)
        due = due_back(work, project, now)
        loan.approved_by, loan.approved_at, loan.due_back_at = work.caller.user_id, now, due
        row = _movement(work, key, action, to, {"note": data.get("note"), "name": loan.party_name,
                                                      "party_kind": loan.party_kind})
        ticket = tasks.open_task(work, project, tasks.KEY_RETURN,
                                 f"{tasks.LABELS[tasks.KEY_RETURN]}: {key.unit_label} {key.label} -- "
                                 f"{loan.party_name}（{_party_label(loan.party_kind)}）",
                                 [(tasks.KEY_RETURN, due, Role.FRONT_DESK)],
                                 unit=work.session.get(UnitCopy, key.unit_id), warn=False)
        loan.ticket_id = ticket.id
        key.holder_name = loan.party_name
    elif action == REFUSE_LOAN:
        row = _movement(work, key, action, to, {"note": data.get("note"), "name": loan.party_name,
                                                      "party_kind": loan.party_kind})
        if loan.deposit_id:
            _release_deposit(work, key, loan, LOAN_REFUSED)
        key.loan_id = None
    elif action == RETURN:
        loan.returned_at = now
        loan.late = now > loan.due_back_at
        loan.minutes_late = math.ceil((now - loan.due_back_at).total_seconds() / 60) if loan.late else None
        row = _movement(work, key, action, to, {"note": data.get("note"), "name": loan.party_name,
                                                      "party_kind": loan.party_kind},
                        late=loan.late, minutes_late=loan.minutes_late)
        if loan.ticket_id:
            ticket = work.session.get(Ticket, loan.ticket_id)
            tasks.finish(work, ticket, f"returned {loan.minutes_late} min late" if loan.late else "returned")
        if loan.deposit_id and not loan.late:
            _release_deposit(work, key, loan, RETURNED_IN_TIME)
        elif loan.deposit_id:                           # late again: the deposit stays pledged (kept)
            _ask_decision(work, project, key, loan)
        key.loan_id, key.holder_name = None, None
    _moved(key, to, now)
    work.session.flush()
    _changed(work, key, row)
    return key


#: ``ask_deposit(deposit_id, pledge=None) -> {"deposit_id", "unit_id", "project_id", "purpose", "amount", "held",
#: "status", "receipt_number", "payer_name", "held_by", "held_at", "pledged_loan_id", "refund_pending"}``:
#: billing's ``key_deposit`` (the facts), or with ``pledge={"loan_id", "unit_id", "minimum"}`` its
#: ``pledge_key_deposit`` (checked and tied to the loan at once; a deposit failing a check is answered untied),
#: asked as the caller; raises ``BillingUnavailable`` (503) when billing does not answer, ``KeyDepositRefused``
#: (422 ``deposit_not_found``) when it has no such deposit the caller may see, ``KeyDepositUsed`` (409) when it
#: is pledged to another loan
AskDeposit = Callable[..., dict]
#: billing's purpose of a key deposit (钥匙押金, billing schemas.DEPOSIT_PURPOSES)
KEY_DEPOSIT_PURPOSE = "key"
#: billing's deposit states in the desk's words (a refusal's Chinese sentence)
DEPOSIT_STATUS_WORDS = {"held": "持有", "refunded": "已退", "forfeited": "已扣", "void": "作废"}
#: why a deposit is given back: the key came back in time, the loan was refused
RETURNED_IN_TIME, LOAN_REFUSED = "returned_in_time", "loan_refused"
#: a late borrower's kept deposit, released by the manager's decision
KEPT_RELEASED = "kept_released"
#: the manager's decisions on a kept deposit (退还 / 没收转入押金扣除收入)
RELEASE, FORFEIT = "release", "forfeit"
DECISIONS = (RELEASE, FORFEIT)
#: who decides a kept deposit: the CS manager, or the service-centre manager
DECIDER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
audit_log = logging.getLogger("wuye.audit")
log = logging.getLogger(__name__)


def _deposit_due(work: Work, project_id: str) -> Decimal:
    return money(work.settings.values(project_id)[KEY_LATE_DEPOSIT])


def _take_deposit(work: Work, key: Key, loan: KeyMovement, data: dict, ask_deposit: AskDeposit | None) -> KeyMovement:
    """The flagged borrower's deposit taken (收取确保金): billing's key deposit named by ``deposit_id`` --
    held in full on the key's unit, at least ``keys.late_deposit``, standing for no other loan -- recorded
    on the loan with its amount, the receipt's number, who took it and when."""
    if not loan.deposit_required:
        raise KeyDepositConflict("the borrower returned no key late in this project: no deposit is asked",
                                 code="deposit_not_required", zh="该借用人没有逾期归还记录，无须收取押金")
    if loan.deposit_id:
        raise KeyDepositConflict(f"this loan's deposit was taken already (receipt {loan.deposit_receipt})",
                                 zh=f"本次借用已收取押金（收据 {loan.deposit_receipt}）",
                                 details={"deposit_id": loan.deposit_id})
    _papers(data, ["deposit_id"], "the deposit is held by billing first (POST /units/{id}/deposits, purpose key): "
            "name its deposit_id", "押金须先在收费处收取（押金用途：钥匙押金），请填写押金编号")
    if work.session.scalar(select(KeyMovement.id).where(KeyMovement.deposit_id == data["deposit_id"])) is not None:
        raise KeyDepositConflict(f"deposit {data['deposit_id']} stands for another loan already",
                                 code="deposit_already_used", zh="该押金已用于另一笔钥匙借用")
    if ask_deposit is None:
        raise BillingUnavailable("billing cannot be asked about the deposit: nothing recorded",
                                 zh="无法向收费系统核对押金，未登记")
    due = _deposit_due(work, key.project_id)
    # checked and pledged to this loan at billing in one step: while the loan stands billing refunds it not
    facts = ask_deposit(data["deposit_id"], pledge={"loan_id": loan.id, "unit_id": key.unit_id, "minimum": str(due)})
    if not isinstance(facts, dict) or facts.get("deposit_id") != data["deposit_id"]:
        raise BillingUnavailable("billing's answer about the deposit was not one: nothing recorded",
                                 zh="收费系统未能确认该押金，未登记")
    if facts.get("project_id") != key.project_id or (facts.get("purpose") == KEY_DEPOSIT_PURPOSE
                                                     and facts.get("unit_id") != key.unit_id):
        raise KeyDepositRefused(
            f"deposit {data['deposit_id']} is another unit's: a key deposit is held on the key's unit "
            f"{key.unit_label}", zh=f"该押金是其他房屋的押金，钥匙押金须收在本钥匙所属房屋（{key.unit_label}）名下",
            details={"purpose": facts.get("purpose"), "unit_matches": False})
    if facts.get("purpose") != KEY_DEPOSIT_PURPOSE:
        raise KeyDepositRefused(
            f"deposit {data['deposit_id']} is not a key deposit (purpose key) held on unit {key.unit_label}",
            zh=f"该押金不是{key.unit_label}的钥匙押金（押金用途须为钥匙押金）",
            details={"purpose": facts.get("purpose"), "unit_matches": facts.get("unit_id") == key.unit_id})
    amount, held = money(facts.get("amount") or 0), money(facts.get("held") or 0)
    if facts.get("status") != "held" or held != amount:
        status_zh = DEPOSIT_STATUS_WORDS.get(facts.get("status"), "不明")
        raise KeyDepositRefused(f"deposit {data['deposit_id']} is {facts.get('status')} with {held} of {amount} "
                                "still held: a deposit held in full stands for a loan",
                                zh=f"该押金状态为{status_zh}，仍持有 {held} / {amount} 元，不能作为借用押金")
    if amount < due:
        raise KeyDepositRefused(f"deposit {amount} yuan is under the project's key deposit {due} (keys.late_deposit)",
                                code="deposit_too_small", zh=f"押金 {amount} 元低于本项目规定的钥匙押金 {due} 元",
                                details={"deposit_amount": str(amount), "required": str(due)})
    if facts.get("refund_pending"):
        raise KeyDepositRefused(f"deposit {data['deposit_id']} has a refund requested: it cannot stand for a loan",
                                zh="该押金已申请退款，不能作为借用押金")
    if facts.get("pledged_loan_id") != loan.id:
        raise BillingUnavailable("billing did not pledge the deposit to this loan: nothing recorded",
                                 zh="收费系统未能将该押金登记为本次借用的押金，未登记")
    caller, now = work.caller, work.clock.now()
    loan.deposit_id, loan.deposit_amount, loan.deposit_receipt = data["deposit_id"], amount, facts.get("receipt_number")
    loan.deposit_taken_by, loan.deposit_taken_by_name, loan.deposit_taken_at = caller.user_id, caller.name or "", now
    loan.deposit_ref = facts.get("receipt_number")
    return _movement(work, key, TAKE_DEPOSIT, REQUESTED, {"note": data.get("note"), "name": loan.party_name,
                                                          "party_kind": loan.party_kind,
                                                          "receipt_ref": facts.get("receipt_number")})


def _deposit_still_held(work: Work, key: Key, loan: KeyMovement, ask_deposit: AskDeposit | None) -> None:
    """Before the approval billing is asked again -- the pledge once more, which changes nothing for a deposit
    pledged to this loan (and ties one recorded before pledges existed, if it still qualifies): the loan's
    deposit still held in full and pledged to this loan (a deposit refunded, forfeited or voided meanwhile
    lends nothing) -- fail closed."""
    if ask_deposit is None:
        raise BillingUnavailable("billing cannot be asked whether the loan's deposit is still held: not approved",
                                 zh="无法向收费系统核对押金，未批准借用")
    facts = ask_deposit(loan.deposit_id, pledge={"loan_id": loan.id, "unit_id": key.unit_id,
                                                 "minimum": str(money(loan.deposit_amount or 0))})
    if not isinstance(facts, dict) or facts.get("deposit_id") != loan.deposit_id:
        raise BillingUnavailable("billing's answer about the loan's deposit was not one: not approved",
                                 zh="收费系统未能确认该借用的押金，未批准借用")
    amount, held = money(facts.get("amount") or 0), money(facts.get("held") or 0)
    if facts.get("status") != "held" or held != amount or held < money(loan.deposit_amount or 0) \
            or facts.get("pledged_loan_id") != loan.id:
        raise KeyDepositNotHeld(
            f"billing no longer holds the loan's deposit {loan.deposit_id} in full for this loan (it is "
            f"{facts.get('status')}, {held} of {amount} held): refuse the loan and register it again with a "
            "deposit held", details={"deposit_id": loan.deposit_id, "status": facts.get("status"),
                                     "held": str(held)})


def _ask_decision(work: Work, project: ProjectCopy, key: Key, loan: KeyMovement) -> None:
    """Late again: the deposit stays pledged (kept) and the CS manager is asked to decide -- a task
    (``key_deposit_decision``) due within ``keys.deposit_decision_days``, in the desk's task list; unmet, its
    clock breaches to the CS manager."""
    days = int(work.settings.values(project.id)[KEY_DEPOSIT_DECISION_DAYS])
    ticket = tasks.open_task(work, project, tasks.KEY_DEPOSIT_DECISION,
                             f"{tasks.LABELS[tasks.KEY_DEPOSIT_DECISION]}: {key.unit_label} {key.label} -- "
                             f"{loan.party_name}（{_party_label(loan.party_kind)}）逾期 {loan.minutes_late} 分钟归还，"
                             f"押金 {money(loan.deposit_amount or 0)} 元（收据 {loan.deposit_receipt or '—'}）待决定退还或扣除",
                             [(tasks.KEY_DEPOSIT_DECISION, work.clock.now() + timedelta(days=days), Role.CS_MANAGER)],
                             unit=work.session.get(UnitCopy, key.unit_id))
    loan.deposit_task_id = ticket.id


def decide_deposit(work: Work, key_id: str, loan_id: str, data: dict) -> Key:
    """The CS or centre manager decides a late borrower's kept deposit (逾期归还留存的押金): ``release`` --
    given back (billing releases the pledge and requests its refund: ``key.deposit_release_requested``,
    ``reason: kept_released``) -- or ``forfeit`` -- to income (``key.deposit_forfeit_requested``: billing
    forfeits what it holds, 押金扣除, once). Recorded on the loan (who, when, why), its task finished, in one
    transaction with the event. The same decision again changes nothing; another one is ``409
    deposit_decided``; a loan with no kept deposit ``409 deposit_not_kept``."""
    key = _key(work, key_id, lock=True)
    if work.caller.is_resident:
        raise KeyNotFound("no key with that id")
    work.caller.require_role(*DECIDER_ROLES)
    loan = work.session.get(KeyMovement, loan_id)
    if loan is None or loan.key_id != key.id or loan.action != REQUEST_LOAN:
        raise KeyLoanNotFound(f"no loan {loan_id} of this key")
    decision = data["decision"]
    if loan.deposit_decision is not None:
        if loan.deposit_decision == decision:
            return key
        raise KeyDepositDecisionRefused(
            f"the kept deposit was decided already: {loan.deposit_decision}", code="deposit_decided",
            zh=f"该留存押金已决定{DECISION_WORDS[loan.deposit_decision]}，不能改变",
            details={"decision": loan.deposit_decision, "decided_at": loan.deposit_decided_at.isoformat()})
    if deposit_status(loan) != "kept":
        raise KeyDepositDecisionRefused(
            f"the loan keeps no deposit to decide (its deposit is {deposit_status(loan)}): only a deposit kept on a "
            "late return is released or forfeited here", details={"deposit_status": deposit_status(loan)})
    caller, now = work.caller, work.clock.now()
    note = (data.get("note") or "").strip() or None
    loan.deposit_decision, loan.deposit_decided_at, loan.deposit_decision_note = decision, now, note
    loan.deposit_decided_by, loan.deposit_decided_by_name = caller.user_id, caller.name or ""
    if decision == RELEASE:
        _release_deposit(work, key, loan, KEPT_RELEASED)
    else:
        work.events.record(events.KEY_DEPOSIT_FORFEIT_REQUESTED, {
            "loan_id": loan.id, "key_id": key.id, "deposit_id": loan.deposit_id, "group_id": key.group_id,
            "project_id": key.project_id, "unit_id": key.unit_id, "unit_label": key.unit_label,
            "key_label": key.label, "amount": loan.deposit_amount, "receipt_number": loan.deposit_receipt,
            "minutes_late": loan.minutes_late, "decided_by": caller.user_id, "decided_by_name": caller.name or None,
            "note": note, "requested_at": now}, group_id=key.group_id, project_id=key.project_id)
    ticket = work.session.get(Ticket, loan.deposit_task_id) if loan.deposit_task_id else None
    if ticket is not None and ticket.status == tasks.OPEN:
        tasks.finish(work, ticket, f"{DECISION_WORDS[decision]} {decision}")
    log.info("key loan %s: kept deposit %s decided %s by %s", loan.id, loan.deposit_id, decision, caller.user_id)
    work.session.flush()
    return key


DECISION_WORDS = {RELEASE: "退还", FORFEIT: "扣除（转入押金扣除收入）"}


def _release_deposit(work: Work, key: Key, loan: KeyMovement, reason: str) -> None:
    """The loan's deposit given back (the key in time, or the loan refused): billing asked to refund it
    (``key.deposit_release_requested``, in the step's transaction)."""
    now = work.clock.now()
    loan.deposit_released_at = now
    work.events.record(events.KEY_DEPOSIT_RELEASE_REQUESTED, {
        "loan_id": loan.id, "key_id": key.id, "deposit_id": loan.deposit_id, "group_id": key.group_id,
        "project_id": key.project_id, "unit_id": key.unit_id, "unit_label": key.unit_label, "key_label": key.label,
        "amount": loan.deposit_amount, "receipt_number": loan.deposit_receipt, "reason": reason,
        "requested_at": now}, group_id=key.group_id, project_id=key.project_id)


def deposit_status(loan: KeyMovement) -> str:
    """``not_required`` | ``due`` (flagged, not taken) | ``held`` | ``release_requested`` (given back:
    in time, refused, or a kept one released by the manager) | ``kept`` (returned late again: stays pledged
    for the manager's decision) | ``forfeit_requested`` (a kept one the manager forfeited to income)."""
    if not loan.deposit_id:
        return "due" if loan.deposit_required else "not_required"
    if loan.deposit_released_at is not None:
        return "release_requested"
    if loan.deposit_decision == FORFEIT:
        return "forfeit_requested"
    return "kept" if loan.late else "held"


def _owner_consent(work: Work, key: Key, data: dict, ask_identity: AskIdentity | None) -> KeyMovement:
    """The owner, in person at the desk, lets a named person borrow their deposited key (业主同意借用):
    the owner is the one who deposited it, else an owner matched in the household file; the person
    consented to is kept by name, document type, masked number and keyed hash."""
    _papers(data, ["name", "id_number"], "the owner consents in person with their name and ID",
            "业主同意借用须本人到场，登记业主姓名和证件")
    _papers(data, ["borrower_name", "borrower_id_number"], "the owner's consent names who may borrow the key",
            "业主同意借用须登记被授权借用人的姓名和证件")
    data = _document(data)
    borrower = _document({"id_type": data.get("borrower_id_type"), "id_number": data["borrower_id_number"]})
    if not _same_party(work, _last(work, key, DEPOSIT), data):
        _owner_in_file(work, key, data, ask_identity)
    return _movement(work, key, OWNER_CONSENT, DEPOSITED, {**data, "party_kind": OWNER},
                     consented_name=" ".join(data["borrower_name"].split()), consented_id_type=borrower["id_type"],
                     consented_id_masked=mask_id_number(borrower["id_number"]),
                     consented_id_hash=_digest(work, borrower["id_number"]))


def _open_consents(work: Work, key: Key):
    """The owner's consents that still stand: given since the key's last deposit and the owner's last
    withdrawal, not used by a loan (a query, newest first)."""
    ends = [row.key_version for row in (_last(work, key, DEPOSIT), _last(work, key, WITHDRAW_CONSENT)) if row]
    used = select(KeyMovement.consent_id).where(KeyMovement.key_id == key.id, KeyMovement.consent_id.is_not(None))
    return select(KeyMovement).where(
        KeyMovement.key_id == key.id, KeyMovement.action == OWNER_CONSENT,
        KeyMovement.key_version > max(ends, default=0), KeyMovement.id.not_in(used)
    ).order_by(KeyMovement.key_version.desc())


def _withdraw_consent(work: Work, key: Key, data: dict, ask_identity: AskIdentity | None) -> KeyMovement:
    """The owner takes back the consents they gave and no loan used (撤回同意): the owner as for a consent
    (the one who deposited the key, else an owner in the file); nothing open: ``409 no_consent_to_withdraw``."""
    _papers(data, ["name", "id_number"], "the owner withdraws a consent in person with their name and ID",
            "业主撤回借用同意须本人到场，登记业主姓名和证件")
    data = _document(data)
    if work.session.scalars(_open_consents(work, key)).first() is None:
        raise KeyStepNotAllowed("the owner has no consent open on this key to withdraw", code="no_consent_to_withdraw",
                                zh="该钥匙没有尚未使用的业主借用同意，无需撤回")
    if not _same_party(work, _last(work, key, DEPOSIT), data):
        _owner_in_file(work, key, data, ask_identity)
    return _movement(work, key, WITHDRAW_CONSENT, DEPOSITED, {**data, "party_kind": OWNER})


def _usable_consent(work: Work, key: Key, data: dict) -> KeyMovement:
    """The owner's consent this loan of a deposited key is registered under: one that still stands
    (:func:`_open_consents`) naming this borrower (same name and ID number)."""
    digest, name = _digest(work, data["id_number"]), " ".join(data["name"].split())
    consent = work.session.scalars(_open_consents(work, key).where(
        KeyMovement.consented_id_hash == digest, KeyMovement.consented_name == name)).first()
    if consent is None:
        raise KeyOwnerConsentRequired(
            "an owner's deposited key is lent only to the person the owner consented to in person at the desk "
            "(owner_consent: same name and ID number), once per consent",
            zh="业主寄存的钥匙只能借给业主本人到前台登记同意的被授权人（姓名和证件号码一致），每次同意限借一次")
    return consent


def loan_phone(work: Work, key_id: str, loan_id: str, purpose: str) -> dict:
    """The borrower's whole phone of one loan of the key (the desk calls a late borrower back): the desk
    only (``kernel.privacy.PHONE_ROLES``), for a stated purpose -- while the loan is open (a borrower who
    has not returned the key stays reachable) and ``keys.phone_readable_days`` (30) after it ended (the key
    back, or the loan refused); later: 410 ``phone_no_longer_readable`` (the phone masked in its details).
    Each read is a row of the phone reads (:class:`KeyPhoneRead`: who, when, which loan, why -- never the
    number; a refused read kept although the call fails) and one ``wuye.audit`` line. Everywhere else the
    phone is masked."""
    key = _key(work, key_id)
    caller = work.caller
    if caller.is_resident:
        raise KeyNotFound("no key with that id")
    if not sees_phones(caller):
        raise Forbidden("a borrower's whole phone is read by the front desk, stewards and the CS / centre manager "
                        "only", code="role_required", zh="借用人完整电话仅限前台、管家、客服部经理和服务中心经理查看")
    loan = work.session.get(KeyMovement, loan_id)
    if loan is None or loan.key_id != key.id or loan.action != REQUEST_LOAN:
        raise KeyLoanNotFound("no loan with that id on this key")
    purpose = " ".join(purpose.split())
    now, ended = work.clock.now(), loan_ended_at(work, key, loan)
    days = work.settings.get(key.project_id, KEY_PHONE_READABLE_DAYS)
    gone = ended is not None and now - ended > timedelta(days=days)
    row = KeyPhoneRead(id=str(uuid.uuid4()), group_id=key.group_id, project_id=key.project_id, key_id=key.id,
                       loan_id=loan.id, unit_label=key.unit_label, key_label=key.label, reader_id=caller.user_id,
                       reader_name=caller.name or "", reader_roles=",".join(sorted(caller.roles)),
                       purpose=purpose[:200], read_at=now, outcome="refused" if gone else "allowed",
                       refusal=PHONE_GONE if gone else None)
    audit_log.info("key borrower phone read: user=%s roles=%s key=%s loan=%s project=%s purpose=%s outcome=%s",
                   caller.user_id, row.reader_roles, key.id, loan.id, key.project_id, purpose, row.outcome)
    if gone:
        work.keep_on_failure(row)            # the refused read is on the record although the call fails
        ended_local = ended.astimezone(ZoneInfo(repairs._project(work, key.project_id).timezone))
        raise KeyPhoneNoLongerReadable(
            f"loan {loan.id} ended at {ended_local:%Y-%m-%d %H:%M}, more than {days} days ago "
            f"(keys.phone_readable_days): the borrower's whole phone is no longer read -- {mask_phone(loan.party_phone)}",
            zh=f"该借用已于 {ended_local:%Y-%m-%d %H:%M} 结束，超过 {days} 天，借用人完整电话不再提供查阅"
               f"（脱敏号码 {mask_phone(loan.party_phone)}）",
            details={"loan_id": loan.id, "ended_at": ended.isoformat(), "readable_days": days,
                     "party_phone_masked": mask_phone(loan.party_phone)})
    work.session.add(row)
    return {"key_id": key.id, "loan_id": loan.id, "party_kind": loan.party_kind, "party_name": loan.party_name,
            "party_phone": loan.party_phone, "due_back_at": loan.due_back_at, "returned_at": loan.returned_at}


#: a phone read refused: the loan ended more than ``keys.phone_readable_days`` ago
PHONE_GONE = "ended_long_ago"
#: who reads the record of phone reads (借用人电话查阅记录): the CS manager, the service-centre manager
PHONE_LOG_ROLES = SPOT_ROLES


def loan_ended_at(work: Work, key: Key, loan: KeyMovement) -> datetime | None:
    """When the loan ended: None while it is open (requested, or lent and not back); its return; for a
    loan refused or withdrawn, the refusal (the key's next ``refuse_loan`` after the request)."""
    if key.loan_id == loan.id:
        return None
    if loan.returned_at is not None:
        return loan.returned_at
    refusal = work.session.scalars(select(KeyMovement).where(
        KeyMovement.key_id == key.id, KeyMovement.action == REFUSE_LOAN, KeyMovement.key_version > loan.key_version)
        .order_by(KeyMovement.key_version).limit(1)).first()
    return refusal.at if refusal is not None else loan.at


def phone_reads(work: Work, project_id: str, *, loan_id: str | None = None, key_id: str | None = None,
                reader_id: str | None = None, outcome: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[list[KeyPhoneRead], int]:
    """The project's record of borrowers' phone reads (借用人电话查阅记录), newest first: the CS manager
    and the service-centre manager of the project (another project: 404 as for none)."""
    project = repairs.staff_project(work, project_id, PHONE_LOG_ROLES)
    R = KeyPhoneRead
    query = select(R).where(R.project_id == project.id)
    for column, value in ((R.loan_id, loan_id), (R.key_id, key_id), (R.reader_id, reader_id), (R.outcome, outcome)):
        if value:
            query = query.where(column == value)
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = work.session.scalars(query.order_by(R.read_at.desc(), R.id).limit(limit).offset(offset))
    return list(rows), total


def _digest(work: Work, number: str | None) -> str | None:
    """The keyed hash the register keeps of an ID number (kernel.privacy.id_number_digest)."""
    return id_number_digest(number, work.events.secret)


def _document(data: dict) -> dict:
    """The person's identity document checked (``id_type`` and the number, ``require_id_number``: a
    resident ID's check digit) -- a number shaped like a resident ID or a residence permit given as
    another document is refused (a digit left out read as a passport); ``data`` with the number as
    stored."""
    id_type = data.get("id_type")
    if not id_type:
        raise IdNumberInvalid("id_type: the identity document's type is needed with its number "
                              "(resident_id, passport, hk_macau_permit, taiwan_permit, hmt_residence_permit)",
                              code="id_type_required", zh="请填写证件类型（身份证、护照、通行证等）",
                              details={"id_type": ["Missing data for required field."]})
    number = require_id_number(data["id_number"], id_type)
    shaped = guess_id_type(number)
    digits = number.rstrip("X")
    if id_type not in ("resident_id", "hmt_residence_permit") and (
            shaped in ("resident_id", "hmt_residence_permit") or (digits.isdigit() and 15 <= len(number) <= 18)):
        raise IdNumberInvalid(f"id_number: a number of {len(number)} digits is a resident ID card's, not a "
                              f"{id_type}'s: give id_type resident_id (and check that no digit is missing)",
                              zh="该号码是居民身份证号码的格式，请选择证件类型“居民身份证”并核对号码位数",
                              details={"id_number": ["Shaped like a resident ID number."]})
    return {**data, "id_number": number}


def _last(work: Work, key: Key, action: str) -> KeyMovement | None:
    """The key's last movement of ``action`` (who deposited it, who collected it)."""
    return work.session.scalars(select(KeyMovement).where(KeyMovement.key_id == key.id, KeyMovement.action == action)
                                .order_by(KeyMovement.key_version.desc())).first()


def _same_party(work: Work, row: KeyMovement | None, data: dict) -> bool:
    """Is the person in ``data`` the party of ``row``: the same name and the same ID number (its hash)?"""
    return (row is not None and row.party_id_hash is not None
            and " ".join((row.party_name or "").split()) == " ".join(data["name"].split())
            and row.party_id_hash == _digest(work, data["id_number"]))


def _owner_in_file(work: Work, key: Key, data: dict, ask_identity: AskIdentity | None) -> None:
    """The person is an owner of the key's unit in archive's household file (``match_identity``: the
    name with the ID number; matched / not matched only, logged there) -- fail closed, and one answer
    (:data:`NOT_MATCHED`) for every failed match (``identity.require``, as the goods release)."""
    identity.require(ask_identity, key.unit_id, data["name"], data["id_number"], data.get("id_type"),
                     OWNER_ROLES, NOT_MATCHED)


def _changed(work: Work, key: Key, row: KeyMovement) -> None:
    """``key.changed`` (events.KeyChanged): the whole key after the movement and the movement --
    the party's phone and ID number masked (kernel.privacy), in the movement's transaction."""
    work.events.record(events.KEY_CHANGED, snapshot(work, key, row), group_id=key.group_id,
                       project_id=key.project_id)


def snapshot(work: Work, key: Key, row: KeyMovement | None = None) -> dict:
    """The ``key.changed`` payload of ``key`` after ``row`` (default: its last movement): the key,
    its open loan (the request's party with phone and ID number masked, purpose, approval, due
    time -- what the gateway's read model serves the desk) and the movement."""
    if row is None:
        row = work.session.scalars(select(KeyMovement).where(KeyMovement.key_id == key.id)
                                   .order_by(KeyMovement.key_version.desc()).limit(1)).first()
    loan = work.session.get(KeyMovement, key.loan_id) if key.loan_id else None
    return {
        "key_id": key.id, "group_id": key.group_id, "project_id": key.project_id, "unit_id": key.unit_id,
        "unit_label": key.unit_label, "label": key.label, "copies": key.copies, "state": key.state,
        "holder_name": key.holder_name, "updated_at": key.updated_at, "version": key.version,
        "loan": None if loan is None else {
            "loan_id": loan.id, "party_kind": loan.party_kind, "party_name": loan.party_name,
            "approved_at": loan.approved_at, "due_back_at": loan.due_back_at,
            "deposit_required": loan.deposit_required, "task_id": loan.ticket_id,
            # the request's register entry, masked (the read model never holds a whole phone or ID)
            "requested_at": loan.at, "requested_by": loan.by_name or loan.by,
            "party_phone_masked": mask_phone(loan.party_phone),
            "party_id_number_masked": loan.party_id_masked,
            "proof_ref": loan.proof_ref, "purpose": loan.purpose, "note": loan.note,
            "approved_by": loan.approved_by, "deposit_ref": loan.deposit_ref,
            "from_state": loan.from_state, "deposit_status": deposit_status(loan), "deposit_id": loan.deposit_id,
            "deposit_amount": loan.deposit_amount, "deposit_receipt": loan.deposit_receipt,
            "consent_id": loan.consent_id,
            # the borrower's earlier late returns (why the deposit is due), as ``loan_view`` lists them
            "earlier_late_returns": earlier_late_returns(work, loan)},
        "movement": None if row is None else {
            "movement_id": row.id, "action": row.action, "from_": row.from_state, "to": row.to_state,
            "at": row.at, "actor": {"user_id": row.by, "name": row.by_name or ""},
            "party_kind": row.party_kind, "party_name": row.party_name,
            "party_phone_masked": mask_phone(row.party_phone),
            "party_id_number_masked": row.party_id_masked,
            "late": bool(row.late), "minutes_late": row.minutes_late,
            "purpose": row.purpose, "note": row.note}}


def export_snapshots(work: Work, after: str | None, limit: int, project_id: str | None = None) -> list[dict]:
    """A page of current ``key.changed`` snapshots in id order (the platform only: read-model rebuilds)."""
    return [snapshot(work, k) for k in snapshot_page(work, Key, after=after, limit=limit, project_id=project_id)]


def _papers(data: dict, needed: list[str], why: str, why_zh: str) -> None:
    missing = [name for name in needed if not (data.get(name) or "").strip()]
    if missing:
        raise KeyPapersRequired(f"{why}: missing {', '.join(missing)}", zh=f"{why_zh}，缺少：{'、'.join(PAPER_WORDS.get(m, m) for m in missing)}",
                                details={"missing": missing})


PAPER_WORDS = {"name": "姓名", "id_number": "证件号码", "contract_ref": "购房合同", "receipt_ref": "缴费收据",
               "proof_ref": "开发商书面证明", "purpose": "借用用途", "borrower_name": "被授权借用人姓名",
               "borrower_id_number": "被授权借用人证件号码", "deposit_id": "押金编号"}


def _party_label(kind: str | None) -> str:
    return {BORROWER: "借用人", CONTRACTOR: "施工单位", OWNER: "业主", DEVELOPER: "开发商"}.get(kind or "", "")


def late_loans(work: Work, project_id: str, id_hash: str | None) -> list[KeyMovement]:
    """The borrower's loans returned late in the project (their flag: deposit next time), by their ID
    number's keyed hash (whatever document type it was given as)."""
    if not id_hash:
        return []
    return list(work.session.scalars(select(KeyMovement).where(
        KeyMovement.project_id == project_id, KeyMovement.party_id_hash == id_hash,
        KeyMovement.action == REQUEST_LOAN, KeyMovement.late.is_(True)).order_by(KeyMovement.at)))


# ==============================================================================================
# reads
# ==============================================================================================

def unit_keys(work: Work, unit_id: str) -> list[Key]:
    """A unit's keys: its staff, and the unit's own household (its key state)."""
    unit = _unit(work, unit_id)
    if not work.caller.is_resident:
        work.caller.require_role(*READER_ROLES)
    return list(work.session.scalars(select(Key).where(Key.unit_id == unit.id).order_by(Key.label)))


def project_keys(work: Work, project_id: str, state: str | None = None) -> list[Key]:
    project = _readable_project(work, project_id)
    query = select(Key).where(Key.project_id == project.id)
    if state:
        query = query.where(Key.state == state)
    return list(work.session.scalars(query.order_by(Key.unit_label, Key.label)))


def get_key(work: Work, key_id: str) -> Key:
    key = _key(work, key_id)
    if not work.caller.is_resident:
        work.caller.require_role(*READER_ROLES)
    return key


def _readable_project(work: Work, project_id: str) -> ProjectCopy:
    return repairs.staff_project(work, project_id, READER_ROLES)


def front_desk_tasks(work: Work, project_id: str, **query) -> tuple[list[Ticket], int]:
    """The project's front-desk tasks (tickets of kind ``task``: lent keys due back, the spot-check,
    the vacant-unit register and checks) -- its desk, GM and group admin; a resident or another
    project's staff are answered as for a project that is not theirs (404 / 403), as the other
    staff-only project routes."""
    project = _readable_project(work, project_id)
    query.update(project_id=project.id, kind="task", unit_id=None)
    return repairs.list_tickets(work, **query)


def history(work: Work, key: Key) -> list[KeyMovement]:
    return list(work.session.scalars(select(KeyMovement).where(KeyMovement.key_id == key.id)
                                     .order_by(KeyMovement.key_version)))


def view(work: Work, key: Key, *, with_history: bool = False) -> dict:
    """A key as its reader may see it: a resident sees the state and the holder's kind, never
    the register's names, phones or ID numbers; staff see them masked by ``kernel.privacy``."""
    caller = work.caller
    out = {"id": key.id, "group_id": key.group_id, "project_id": key.project_id, "unit_id": key.unit_id,
           "unit_label": key.unit_label, "label": key.label, "copies": key.copies, "state": key.state,
           "updated_at": key.updated_at, "version": key.version, "loan": None, "history": None}
    if caller.is_resident:
        return out
    out["holder_name"] = key.holder_name
    if key.loan_id:
        out["loan"] = loan_view(work, work.session.get(KeyMovement, key.loan_id))
    if with_history:
        out["history"] = [movement_view(work, m) for m in history(work, key)]
    return out


def movement_view(work: Work, m: KeyMovement) -> dict:
    """One register entry as every reader sees it: the phone and the ID number masked (the register
    keeps the number masked and hashed only; whole numbers are the household file's, a logged read);
    its free text -- the loan's ``purpose`` (借用用途) and the movement's ``note`` -- through the one rule,
    ``kernel.privacy.free_text_for`` (as typed for the desk, the ID numbers and mobiles in it masked for
    the other readers); a loan and its return marked ``late`` with the minutes past the due time."""
    return {"id": m.id, "action": m.action, "from_state": m.from_state, "to_state": m.to_state, "at": m.at,
            "by": m.by_name or m.by, "party_kind": m.party_kind, "party_name": m.party_name,
            "party_phone": mask_phone(m.party_phone), "party_id_type": m.party_id_type,
            "party_id_number": m.party_id_masked,
            "contract_ref": m.contract_ref, "receipt_ref": m.receipt_ref, "proof_ref": m.proof_ref,
            "purpose": free_text_for(work.caller, m.purpose), "note": free_text_for(work.caller, m.note),
            "late": bool(m.late), "minutes_late": m.minutes_late,
            "consented_name": m.consented_name, "consented_id_type": m.consented_id_type,
            "consented_id_number": m.consented_id_masked, "deposit": deposit_view(work, m)}


def deposit_view(work: Work, m: KeyMovement) -> dict | None:
    """A loan request's deposit (押金) as its history entry and the loan show it -- status, amount, receipt,
    who took it and when, when it was given back, and the CS manager's decision on a kept one (release /
    forfeit: who, when, the note -- the note through ``kernel.privacy.free_text_for``). None for any
    other movement and for a loan that needed no deposit."""
    if m.action != REQUEST_LOAN or not (m.deposit_required or m.deposit_id):
        return None
    return {"status": deposit_status(m), "required": bool(m.deposit_required), "amount": m.deposit_amount,
            "receipt": m.deposit_receipt, "taken_by": m.deposit_taken_by_name or m.deposit_taken_by,
            "taken_at": m.deposit_taken_at, "released_at": m.deposit_released_at, "decision": m.deposit_decision,
            "decided_by": m.deposit_decided_by_name or m.deposit_decided_by, "decided_at": m.deposit_decided_at,
            "decision_note": free_text_for(work.caller, m.deposit_decision_note)}


def loan_view(work: Work, m: KeyMovement) -> dict:
    out = movement_view(work, m)
    out.update(approved_by=m.approved_by, approved_at=m.approved_at, due_back_at=m.due_back_at,
               returned_at=m.returned_at, late=m.late, deposit_required=m.deposit_required,
               deposit_ref=m.deposit_ref, ticket_id=m.ticket_id, deposit_status=deposit_status(m),
               deposit_amount_due=_deposit_due(work, m.project_id) if m.deposit_required else None,
               deposit_id=m.deposit_id, deposit_amount=m.deposit_amount, deposit_receipt=m.deposit_receipt,
               deposit_taken_by=m.deposit_taken_by_name or m.deposit_taken_by, deposit_taken_at=m.deposit_taken_at,
               deposit_released_at=m.deposit_released_at, consent_id=m.consent_id,
               earlier_late_returns=earlier_late_returns(work, m))
    return out


def earlier_late_returns(work: Work, loan: KeyMovement) -> list[dict]:
    """The loan's borrower's other loans returned late in the project (逾期归还记录, the flag): each loan's
    id, when it was registered, due and back, and how many minutes late -- in ``loan_view`` and in
    ``key.changed``'s open loan (the gateway's read model shows what ``GET /keys/{id}`` shows)."""
    return [{"loan_id": x.id, "at": x.at, "due_back_at": x.due_back_at, "returned_at": x.returned_at,
             "minutes_late": x.minutes_late}
            for x in late_loans(work, loan.project_id, loan.party_id_hash) if x.id != loan.id]


# ==============================================================================================
# checks: the monthly stock-check and the CS manager's spot-check (the 25th)
# ==============================================================================================

def record_stock_check(work: Work, project_id: str, data: dict) -> KeyStockCheck:
    """A count of the store (``data``: kind monthly|spot, found: the key ids found in the store with
    all their copies, copies_found: ``[{key_id, copies}]`` -- a key found with that many copies, 0
    for none; note): the discrepancies against the register are listed, a key short of (or over)
    its ``copies`` too. A spot-check is the CS manager's and finishes the month's spot-check task."""
    project = _readable_project(work, project_id)
    kind = data.get("kind") or MONTHLY
    work.caller.require_role(*(SPOT_ROLES if kind == SPOT else DESK_ROLES))
    now = work.clock.now()
    keys = {k.id: k for k in work.session.scalars(select(Key).where(Key.project_id == project.id))}
    copies = {kid: keys[kid].copies for kid in data.get("found") or () if kid in keys}
    copies.update({c["key_id"]: c["copies"] for c in data.get("copies_found") or ()})
    named = set(data.get("found") or ()) | {c["key_id"] for c in data.get("copies_found") or ()}
    unknown = sorted(named - set(keys))
    if unknown:
        # the ids named: ten at most, in the message and its details (1,500 made a 58 KB answer)
        raise UnknownKeys(f"keys counted that are not in the project's register: {name_ids(unknown)}",
                          details={"key_ids": unknown[:NAMED_IDS_MAX], "unknown_count": len(unknown)})
    found = {kid for kid, n in copies.items() if n > 0}
    expected = {kid for kid, k in keys.items() if k.state in IN_STORE_STATES}
    short = {kid for kid in expected & found if copies[kid] != keys[kid].copies}
    discrepancies = [
        {"key_id": kid, "unit_label": keys[kid].unit_label, "label": keys[kid].label,
         "register_state": keys[kid].state, "expected": kid in expected, "counted": kid in found,
         "copies": keys[kid].copies, "copies_counted": copies.get(kid, 0)}
        for kid in sorted((expected ^ found) | short, key=lambda i: (keys[i].unit_label, keys[i].label, i))]
    copies_expected = sum(keys[kid].copies for kid in expected)
    copies_counted = sum(copies[kid] for kid in found)
    month = month_of(project, now)
    check = KeyStockCheck(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, kind=kind,
                          month=month, at=now, by=work.caller.user_id, by_name=work.caller.name or "",
                          expected=len(expected), counted=len(found), copies_expected=copies_expected,
                          copies_counted=copies_counted, discrepancies=discrepancies,
                          note=data.get("note"))
    work.session.add(check)
    task = (_spot_task if kind == SPOT else _stock_task)(work, project, month)
    if task is not None:
        tasks.finish(work, task, f"{'spot' if kind == SPOT else 'stock'}-check: {len(discrepancies)} discrepancy(ies)")
    work.session.flush()
    work.events.record(events.KEY_STOCK_CHECK_RECORDED, {
        "check_id": check.id, "group_id": check.group_id, "project_id": check.project_id, "kind": kind,
        "month": month, "at": now, "by": {"user_id": check.by, "name": check.by_name},
        "expected": check.expected, "counted": check.counted, "copies_expected": copies_expected,
        "copies_counted": copies_counted, "discrepancies": discrepancies,
        "task_id": task.id if task is not None else None, "note": check.note,
        "counted_as": counted_as(work, kind)},
        group_id=check.group_id, project_id=check.project_id)
    return check


def counted_as(work: Work, kind: str) -> str | None:
    """The role a count is made in (``key_stock_check.recorded``'s ``counted_as``): the first of the kind's
    roles (a spot-check: the CS manager, then the centre manager) the counter holds; None for the platform."""
    if work.caller.is_system:
        return None
    return next((r for r in (SPOT_ROLES if kind == SPOT else DESK_ROLES) if r in work.caller.roles), None)


def list_stock_checks(work: Work, project_id: str, month: str | None = None) -> list[KeyStockCheck]:
    project = _readable_project(work, project_id)
    query = select(KeyStockCheck).where(KeyStockCheck.project_id == project.id)
    if month:
        query = query.where(KeyStockCheck.month == month)
    return list(work.session.scalars(query.order_by(KeyStockCheck.at)))


def stock_check_view(c: KeyStockCheck, caller=None) -> dict:
    """One stock-check as its reader sees it: the counter's ``note`` through the one free-text rule
    (``kernel.privacy.free_text_for``: as typed for the desk, phones and ID numbers masked for the GM and
    the group admin); ``caller`` None is the platform's own copy (as typed)."""
    return {"id": c.id, "project_id": c.project_id, "kind": c.kind, "month": c.month, "at": c.at,
            "by": c.by_name or c.by, "expected": c.expected, "counted": c.counted,
            "copies_expected": c.copies_expected, "copies_counted": c.copies_counted,
            "discrepancies": c.discrepancies,
            "note": c.note if caller is None else free_text_for(caller, c.note)}


def month_of(project: ProjectCopy, at: datetime) -> str:
    local = at.astimezone(ZoneInfo(project.timezone))
    return f"{local.year:04d}-{local.month:02d}"


def _month_start(project: ProjectCopy, month: str) -> datetime:
    year, mon = (int(x) for x in month.split("-"))
    return datetime(year, mon, 1, tzinfo=ZoneInfo(project.timezone))


def _next_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year + mon // 12:04d}-{mon % 12 + 1:02d}"


def end_of_day(project: ProjectCopy, month: str, day: int) -> datetime:
    """The end of local day ``day`` of ``month`` (the next day's midnight); day 0: the month's
    last day (the next month's first midnight)."""
    if day == 0:
        return _month_start(project, _next_month(month))
    return _month_start(project, month) + timedelta(days=day)


def _spot_content(month: str) -> str:
    """The month's spot-check task's text -- also how the month's task is found again."""
    return _task_content(tasks.KEY_SPOT_CHECK, month)


def _spot_task(work: Work, project: ProjectCopy, month: str) -> Ticket | None:
    return _open_task(work, project, tasks.KEY_SPOT_CHECK, month)


def _stock_task(work: Work, project: ProjectCopy, month: str) -> Ticket | None:
    return _open_task(work, project, tasks.KEY_STOCK_CHECK, month)


def _task_content(category: str, month: str) -> str:
    return f"{tasks.LABELS[category]} {month}"


def _open_task(work: Work, project: ProjectCopy, category: str, month: str) -> Ticket | None:
    return work.session.scalars(select(Ticket).where(
        Ticket.project_id == project.id, Ticket.kind == tasks.KIND, Ticket.category == category,
        Ticket.status == tasks.OPEN, Ticket.content == _task_content(category, month))
        .order_by(Ticket.received_at)).first()


def schedule_spot_check(work: Work, project: ProjectCopy, month: str) -> None:
    work.jobs.schedule(JOB_SPOT_CHECK, key=f"{project.id}:{month}",
                       due_at=_month_start(project, month) + timedelta(hours=MONTHLY_RUN_HOUR),
                       payload={"project_id": project.id, "month": month}, group_id=project.group_id,
                       project_id=project.id)


def run_spot_check(work: Work, job) -> None:
    """Job ``key-spot-check`` (key ``project:YYYY-MM``, the 1st at 01:00 local): the month's
    spot-check task, due the end of ``keys.spot_check_day``; next month's job."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return
    month = job.payload["month"]
    day = work.settings.values(project.id)[KEY_SPOT_CHECK_DAY]
    tasks.open_task(work, project, tasks.KEY_SPOT_CHECK, _spot_content(month),
                    [(tasks.KEY_SPOT_CHECK, end_of_day(project, month, day), Role.CS_MANAGER)])
    schedule_spot_check(work, project, _next_month(month))


def schedule_stock_check(work: Work, project: ProjectCopy, month: str) -> None:
    work.jobs.schedule(JOB_STOCK_CHECK, key=f"{project.id}:{month}",
                       due_at=_month_start(project, month) + timedelta(hours=MONTHLY_RUN_HOUR),
                       payload={"project_id": project.id, "month": month}, group_id=project.group_id,
                       project_id=project.id)


def run_stock_check(work: Work, job) -> None:
    """Job ``key-stock-check`` (key ``project:YYYY-MM``, the 1st at 01:00 local): the month's
    stock-check task (钥匙每月盘点), due the end of ``keys.stock_check_day`` (0: the last day),
    answered by the front desk; next month's job."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return
    month = job.payload["month"]
    day = work.settings.values(project.id)[KEY_STOCK_CHECK_DAY]
    tasks.open_task(work, project, tasks.KEY_STOCK_CHECK, _task_content(tasks.KEY_STOCK_CHECK, month),
                    [(tasks.KEY_STOCK_CHECK, end_of_day(project, month, day), Role.FRONT_DESK)])
    schedule_stock_check(work, project, _next_month(month))


def seed_monthly_jobs(work: Work, project_id: str) -> None:
    """A project's copy arrived: this month's spot-check and stock-check jobs (next month's once
    this month's day has passed; the same key again is a no-op)."""
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        return
    now = work.clock.now()
    values = work.settings.values(project.id)
    for setting, schedule in ((KEY_SPOT_CHECK_DAY, schedule_spot_check), (KEY_STOCK_CHECK_DAY, schedule_stock_check)):
        month = month_of(project, now)
        if now >= end_of_day(project, month, values[setting]):
            month = _next_month(month)
        schedule(work, project, month)


JOBS = {JOB_SPOT_CHECK: run_spot_check, JOB_STOCK_CHECK: run_stock_check}
