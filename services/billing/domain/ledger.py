"""The ledger (台账) of a fee account -- the seed of the arrears ledger (欠费台账).

Every posting goes through :func:`post_entry`: it takes the account's row lock,
numbers the entry, and records ``account.balance_changed`` through the outbox in
the same transaction, so archive's payment summary (缴费情况) follows every
change and never hears of one that did not commit.
"""
from __future__ import annotations

import uuid
from datetime import date
from zoneinfo import ZoneInfo
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kernel.clock import DEFAULT_TZ
from kernel.errors import InvalidInput, RetryableError
from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import AsOfInFuture, DuplicatePosting, OpeningBalanceExists
from ..models import ENTRY_KINDS, FeeAccount, LedgerEntry, Project
from .accounts import account_view, find_account, get_account, record_balance_changed

#: who may carry a balance over into billing (财务, 服务中心经理, the group's admin)
OPENING_BALANCE_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER, Role.GROUP_ADMIN)


def balance_due(session: Session, account: FeeAccount) -> Decimal:
    """Signed sum of the account's ledger, exact to the fen."""
    total = session.scalar(select(func.sum(LedgerEntry.amount))
                           .where(LedgerEntry.account_id == account.id))
    return money(total) if total is not None else ZERO


def lock_account(session: Session, account: FeeAccount) -> FeeAccount:
    """Serialise postings to one account (PostgreSQL row lock; SQLite has one
    writer anyway), so line numbers and the balance each event carries follow
    the commit order."""
    return session.scalars(select(FeeAccount).where(FeeAccount.id == account.id)
                           .with_for_update().execution_options(populate_existing=True)).one()


def post_entry(work: Work, account: FeeAccount, *, kind: str, amount, description: str,
               occurred_on: date, ref_type: str | None = None,
               ref_id: str | None = None) -> LedgerEntry:
    """Post one signed entry (positive = owed, negative = paid/credit) and record
    ``account.balance_changed``. The caller has checked scope and roles."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown ledger entry kind {kind!r}")
    session = work.session
    account = lock_account(session, account)
    last_line = session.scalar(select(func.max(LedgerEntry.line_no))
                               .where(LedgerEntry.account_id == account.id))
    entry = LedgerEntry(
        id=str(uuid.uuid4()), account_id=account.id, group_id=account.group_id,
        project_id=account.project_id, line_no=(last_line or 0) + 1, kind=kind,
        amount=money(amount), description=description, occurred_on=occurred_on,
        posted_at=work.clock.now(), posted_by=work.caller.user_id, ref_type=ref_type, ref_id=ref_id)
    session.add(entry)
    try:
        session.flush()
    except IntegrityError:
        # the unit of work is rolled back as this error leaves the worker
        raise DuplicatePosting(f"{kind} for {ref_type} {ref_id} is already posted") from None
    record_balance_changed(work, account, cause=kind, entry_id=entry.id, as_of=entry.posted_at)
    return entry


def list_entries(work: Work, unit_id: str, limit: int = 50, offset: int = 0) -> list[LedgerEntry]:
    """The account's entries, newest first."""
    account = get_account(work, unit_id)
    return work.session.scalars(
        select(LedgerEntry).where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.line_no.desc()).limit(limit).offset(offset)).all()


def site_today(work: Work, project_id: str) -> date:
    """Today at the project's site (its time zone from archive; Shanghai until known)."""
    project = work.session.get(Project, project_id)
    return work.clock.today(project.timezone if project is not None else DEFAULT_TZ)


def record_opening_balance(work: Work, data: dict) -> dict:
    """期初余额: carry a unit's balance over from before billing kept it -- owed
    (positive) or prepaid (negative) as of a date. Once per account; a later
    correction is an adjustment, not a second opening balance."""
    account = get_account(work, data["unit_id"])
    work.caller.require_role(*OPENING_BALANCE_ROLES)
    if data["as_of"] > site_today(work, account.project_id):
        raise AsOfInFuture(f"an opening balance cannot be as of a future date ({data['as_of']})")
    account = lock_account(work.session, account)
    # checked under the account's lock, so two finance clerks cannot both post one
    if work.session.scalars(select(LedgerEntry.id).where(
            LedgerEntry.account_id == account.id, LedgerEntry.kind == "opening_balance")).first():
        raise OpeningBalanceExists(f"unit {account.unit_label} already has an opening balance; "
                                   "post an adjustment instead")
    note = data.get("note") or ""
    try:
        post_entry(work, account, kind="opening_balance", amount=data["amount"],
                   description=f"期初余额 {note}".strip(), occurred_on=data["as_of"],
                   ref_type="opening_balance", ref_id=account.id)
    except DuplicatePosting:
        raise OpeningBalanceExists(f"unit {account.unit_label} already has an opening balance") from None
    return account_view(work.session, account)


# -- charges from other services ------------------------------------------------------------------

#: a paid repair's charge (tickets' ``ticket.charge_posted``): ``ref_id`` is its ``charge_id``
REPAIR_CHARGE = "repair_charge"


def post_repair_charge(work: Work, data: dict) -> LedgerEntry | None:
    """Post a paid repair's charge (有偿维修费) to the unit's fee account -- once per ``charge_id``,
    however often the event arrives (a redelivery, a replay from the dead letters, a second
    publication of the same charge). Returns the entry, or None when it was posted already.

    The account is locked before the look-up, so two replicas handling copies of the same charge
    queue on the row and the second finds the first's entry; the ledger's ``uq_ledger_ref``
    (account, kind, ref_type, ref_id) is the final guard."""
    account = find_account(work.session, data["unit_id"])
    if account is None:
        raise RetryableError(f"no fee account for unit {data['unit_id']} yet; waiting for its unit.changed")
    if (account.group_id, account.project_id) != (data["group_id"], data["project_id"]):
        raise InvalidInput(f"charge {data['charge_id']}: unit {data['unit_id']} is not of project "
                           f"{data['project_id']}", code="charge_unit_mismatch")
    if sum((line["amount"] for line in data["lines"]), ZERO) != data["total"]:
        raise InvalidInput(f"charge {data['charge_id']}: its lines do not add up to {data['total']}",
                           code="charge_total_mismatch")
    account = lock_account(work.session, account)
    posted = work.session.scalars(select(LedgerEntry).where(
        LedgerEntry.account_id == account.id, LedgerEntry.kind == "charge",
        LedgerEntry.ref_type == REPAIR_CHARGE, LedgerEntry.ref_id == data["charge_id"])).first()
    if posted is not None:
        return None
    names = "、".join(f"{line['name']}x{line['quantity']}" for line in data["lines"])
    description = f"有偿维修 {data['number']}: {names}"[:400]
    project = work.session.get(Project, account.project_id)
    occurred_on = data["posted_at"].astimezone(ZoneInfo(project.timezone if project else DEFAULT_TZ)).date()
    try:
        return post_entry(work, account, kind="charge", amount=data["total"], description=description,
                          occurred_on=occurred_on, ref_type=REPAIR_CHARGE, ref_id=data["charge_id"])
    except DuplicatePosting:
        # posted by a concurrent copy after all: the retry finds it and posts nothing
        raise RetryableError(f"charge {data['charge_id']} was posted concurrently") from None
