"""The ledger (台账) of a fee account -- the seed of the arrears ledger (欠费台账).

Every posting goes through the journal (``journal.post``, double-entry): it takes the
account's row lock, numbers the entry, and records ``account.balance_changed`` through
the outbox in the same transaction, so archive's payment summary (缴费情况) follows
every change and never hears of one that did not commit. This module holds the opening
balance carried over and the charges other services send (a paid repair).
"""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo
from decimal import Decimal

from sqlalchemy import select

from kernel.clock import DEFAULT_TZ
from kernel.errors import InvalidInput, RetryableError
from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import AsOfInFuture, DuplicatePosting, OpeningBalanceExists
from ..models import LedgerEntry, Project
from . import journal, settings as billing_settings
from .accounts import account_view, find_account, get_account
from .journal import lock_account

#: who may carry a balance over into billing (财务, 服务中心经理, the group's admin)
OPENING_BALANCE_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER, Role.GROUP_ADMIN)


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
        raise AsOfInFuture(f"an opening balance cannot be as of a future date ({data['as_of']})",
                           zh=f"期初余额的日期不能晚于今天（{data['as_of']}）")
    account = lock_account(work.session, account)
    # checked under the account's lock, so two finance clerks cannot both post one
    if work.session.scalars(select(LedgerEntry.id).where(
            LedgerEntry.account_id == account.id, LedgerEntry.kind == "opening_balance")).first():
        raise OpeningBalanceExists(f"unit {account.unit_label} already has an opening balance; "
                                   "post an adjustment instead", zh=f"{account.unit_label} 已录入期初余额，之后的更正请做调整")
    note = data.get("note") or ""
    description = f"期初余额 {note}".strip()
    amount = money(data["amount"])
    try:
        if amount > ZERO:
            # owed: a bill like any other, so payments settle it oldest first
            journal.issue_bill(
                work, account, kind="opening", entry_kind="opening_balance", description=description,
                lines=[{"item_code": "opening", "item_name": "期初欠费", "quantity": Decimal("1"),
                        "quantity_unit": "item", "unit_price": amount, "amount": amount, "book": "opening",
                        "detail": note[:200]}],
                issued_on=data["as_of"], due_on=data["as_of"], source_type="opening_balance",
                source_id=account.id)
        elif amount < ZERO:
            # prepaid credit (预存), applied to the account's bills as they come
            entry = journal.post(work, account, kind="opening_balance", lines=[("opening", -amount), ("prepaid", amount)],
                                 description=description, occurred_on=data["as_of"], ref_type="opening_balance",
                                 ref_id=account.id, publish=False)
            last = journal.apply_credit(work, account, occurred_on=data["as_of"], publish=False) or entry
            journal.publish_balance(work, account, cause=last.kind, entry_id=last.id)
        else:
            # nothing owed, nothing prepaid: recorded all the same (the takeover checked this unit),
            # so a second opening balance is refused like any other
            journal.post(work, account, kind="opening_balance", lines=[], description=description,
                         occurred_on=data["as_of"], ref_type="opening_balance", ref_id=account.id)
    except DuplicatePosting:
        raise OpeningBalanceExists(f"unit {account.unit_label} already has an opening balance",
                                   zh=f"{account.unit_label} 已录入期初余额") from None
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
                           f"{data['project_id']}", code="charge_unit_mismatch",
                           zh=f"收费单 {data['charge_id']}：房屋 {data['unit_id']} 不属于项目 {data['project_id']}")
    if sum((line["amount"] for line in data["lines"]), ZERO) != data["total"]:
        raise InvalidInput(f"charge {data['charge_id']}: its lines do not add up to {data['total']}",
                           code="charge_total_mismatch", zh=f"收费单 {data['charge_id']}：明细合计与总额 {data['total']} 不符")
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
    lines = [{"item_code": "repair", "item_name": f"有偿维修 {line['name']}"[:100],
              "quantity": line["quantity"], "quantity_unit": line["unit"][:20], "unit_price": line["unit_price"],
              "amount": line["amount"], "detail": f"{data['number']} {line['code']}"[:200]}
             for line in data["lines"]]
    try:
        bill = journal.issue_bill(
            work, account, kind="one_off", entry_kind="charge", lines=lines,
            description=description, issued_on=occurred_on,
            due_on=billing_settings.next_due_date(work.settings.values(account.project_id), occurred_on),
            source_type=REPAIR_CHARGE, source_id=data["charge_id"])
    except DuplicatePosting:
        # posted by a concurrent copy after all: the retry finds it and posts nothing
        raise RetryableError(f"charge {data['charge_id']} was posted concurrently") from None
    return work.session.get(LedgerEntry, bill.entry_id)
