"""Fee accounts (收费账户): a unit's account, opened from archive's ``unit.changed``.

Opening an account posts nothing -- its balance is 0.00 until something is
posted to its ledger. The payer is the unit's active household (see
``copies.apply_household``). An account is one paying household's (一户一账): when
another household takes over a unit whose account has a history (a transfer 过户, a
move-in after a move-out), the account closes and stays the old household's -- its
debt still collectable from the old owner, never the new one's -- and the unit gets a
new account (:func:`succeed`).
"""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from kernel.copies import guard_snapshot, is_newer, snapshot_page
from kernel.db import update_many
from kernel.money import CURRENCY, ZERO, money
from kernel.work import Work

from .. import events
from ..exceptions import AccountNotFound
from ..models import Bill, FeeAccount, Household, LedgerEntry, Posting


def find_account(session: Session, unit_id: str) -> FeeAccount | None:
    """The unit's current (open) account."""
    return session.scalars(select(FeeAccount).where(FeeAccount.unit_id == unit_id,
                                                    FeeAccount.closed_on.is_(None))).first()


def apply_unit(work: Work, data: dict) -> tuple[FeeAccount, str]:
    """``unit.changed`` → open the unit's account, or keep its area and label current.

    Returns (account, outcome) with outcome ``opened`` | ``updated`` | ``stale``."""
    account = find_account(work.session, data["unit_id"])
    guard_snapshot(work, data, account)
    if account is None:
        account = FeeAccount(
            id=str(uuid.uuid4()), group_id=data["group_id"], project_id=data["project_id"],
            unit_id=data["unit_id"], unit_label=data["label"], building_area=data["building_area"],
            usage=data["usage"], opened_at=work.clock.now(), unit_version=data["version"])
        work.session.add(account)
        work.session.flush()
        refresh_payer(work.session, account)
        return account, "opened"
    if not is_newer(account.unit_version, data["version"]):
        return account, "stale"
    account.unit_label = data["label"]
    account.building_area = data["building_area"]
    account.usage = data["usage"]
    account.unit_version = data["version"]
    return account, "updated"


def _current_payer(session: Session, unit_id: str) -> Household | None:
    active = session.scalars(select(Household).where(
        Household.unit_id == unit_id, Household.status == "active")).all()
    if not active:
        return None
    return max(active, key=lambda h: (h.moved_in_on or date.min, h.updated_at, h.version))


def previous_payer(session: Session, account: FeeAccount) -> str | None:
    """The household the account's history is whose: its payer, else (a vacant unit's account)
    the household of its latest bill or payment. None: nobody's yet (a developer's opening balance)."""
    if account.household_id is not None:
        return account.household_id
    latest = session.execute(select(Bill.household_id, Bill.issued_on).where(
        Bill.account_id == account.id, Bill.household_id.is_not(None))
        .order_by(Bill.issued_on.desc(), Bill.number.desc()).limit(1)).first()
    return latest.household_id if latest is not None else None


def has_history(session: Session, account: FeeAccount) -> bool:
    return session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.account_id == account.id)) > 0


def needs_successor(session: Session, account: FeeAccount) -> bool:
    """The unit's payer is about to become another household than the one the account's history
    is whose: the account must stay that household's (一户一账)."""
    payer = _current_payer(session, account.unit_id)
    if payer is None or payer.id == account.household_id:
        return False
    before = previous_payer(session, account)
    return before is not None and before != payer.id and has_history(session, account)


def succeed(work: Work, account: FeeAccount) -> FeeAccount:
    """Close ``account`` -- it stays its household's, with its payer's name, bills, debt, credit,
    deposits, dunning case and receipts, closed to new charges (``closed_on``: the day its household
    left, else the new one's move-in, else today) -- and open the unit's next account for the new
    payer, its balance 0.00. The new account continues the unit's version sequence (the portal's
    unit row takes it over) and starts its meters from the last readings (``initial``: nothing
    consumed, so the new household is billed only for what it uses)."""
    from ..models import MeterReading
    session = work.session
    old_household = session.get(Household, previous_payer(session, account))
    if account.household_id is None and old_household is not None:
        account.household_id, account.payer_name = old_household.id, old_household.payer_name
        account.household_version = old_household.version
    payer = _current_payer(session, account.unit_id)
    closed_on = (old_household.moved_out_on if old_household is not None else None) or \
        (payer.moved_in_on if payer is not None else None) or work.clock.today()
    account.closed_on = closed_on
    session.flush()                         # the unit's open-account index is free again
    successor = FeeAccount(
        id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
        unit_id=account.unit_id, unit_label=account.unit_label, building_area=account.building_area,
        usage=account.usage, opened_at=work.clock.now(), unit_version=account.unit_version,
        version=account.version or 0)
    session.add(successor)
    session.flush()
    account.succeeded_by = successor.id
    latest = select(MeterReading.item_code, func.max(MeterReading.period).label("period")).where(
        MeterReading.account_id == account.id).group_by(MeterReading.item_code).subquery()
    for reading in session.scalars(select(MeterReading).join(latest, (MeterReading.item_code == latest.c.item_code)
                                                              & (MeterReading.period == latest.c.period))
                                   .where(MeterReading.account_id == account.id)):
        session.add(MeterReading(
            id=str(uuid.uuid4()), group_id=reading.group_id, project_id=reading.project_id,
            account_id=successor.id, item_code=reading.item_code, period=reading.period,
            previous=reading.reading, reading=reading.reading, quantity=ZERO, read_on=reading.read_on,
            kind="initial", source=f"account:{account.id}", recorded_by="system",
            recorded_at=work.clock.now()))
    refresh_payer(session, successor)
    session.flush()
    return successor


def refresh_payer(session: Session, account: FeeAccount) -> None:
    """Point the account at the unit's active household, or at nobody (vacant).

    Two households can both be active for a moment when the new one's move-in
    arrives before the old one's move-out; the latest move-in pays."""
    if account.closed_on is not None:        # stays its household's
        return
    payer = _current_payer(session, account.unit_id)
    if payer is None:
        account.household_id = account.payer_name = account.household_version = None
        return
    account.household_id = payer.id
    account.payer_name = payer.payer_name
    account.household_version = payer.version


# -- reading, with the caller's scope -------------------------------------------

def get_account(work: Work, unit_id: str, account_id: str | None = None, *, reading: bool = False) -> FeeAccount:
    """The unit's account if the caller may see it: residents only their own units,
    staff only their projects. A resident asking about someone else's unit hears
    exactly what they would for a unit that does not exist. ``reading`` (bills, statement, receipts,
    balance): a resident reads an account only as :func:`require_reader` says -- his household's.

    ``account_id``: one of the unit's accounts by id -- a closed one is a previous household's
    (原业主账户). Staff of its project and the platform. Another project's staff of the group are
    answered as on the unit's routes without it -- 403 ``project_out_of_scope``, whichever id they
    name (the unit is asked first); an unknown id, another unit's, another group's: 404. A resident:
    only with ``reading`` (bills, statement, receipts) and only an account of a household he belongs
    or belonged to (:func:`require_reader`); a write naming a closed account (a payment, a refund) is
    staff's."""
    if account_id is not None:
        account = work.session.get(FeeAccount, account_id)
        missing = AccountNotFound(f"no fee account {account_id} of unit {unit_id}")
        if account is None or account.unit_id != unit_id:
            if not work.caller.is_resident:
                # the unit's own scope first: another project's staff hear what they hear on the unit
                unit_account = find_account(work.session, unit_id) or next(iter(unit_accounts(work.session,
                                                                                              unit_id)), None)
                if unit_account is not None:
                    work.caller.require_unit(unit_account.group_id, unit_account.project_id, unit_id,
                                             not_found=missing)
            raise missing
        if reading:
            require_reader(work, account, missing)
            return account
        work.caller.require_unit(account.group_id, account.project_id, account.unit_id, not_found=missing)
        if account.closed_on is not None and not (work.caller.is_staff or work.caller.is_system):
            raise missing
        return account
    account = find_account(work.session, unit_id)
    if account is None:
        raise _no_account(work, unit_id)
    if reading:
        require_reader(work, account, _no_account(work, unit_id))
        return account
    work.caller.require_unit(account.group_id, account.project_id, account.unit_id,
                             not_found=AccountNotFound(f"no fee account for unit {unit_id}"))
    return account


def _no_account(work: Work, unit_id: str) -> AccountNotFound:
    """The unit's route without ``account_id`` finds no account the caller reads. To a resident who
    belonged to a household of the unit that has moved out (``Caller.former_households``) it says how
    he reads his own: by naming it -- the unit's open account is the next household's."""
    if work.caller.is_resident and any(unit == unit_id for unit, _ in work.caller.former_households):
        return AccountNotFound(
            f"no fee account of your household is open for unit {unit_id}: your household has moved out -- name "
            f"your account with account_id (listed by GET /api/v1/units/{unit_id}/accounts and in /api/v1/me's "
            "former_households)",
            zh="您的业户已迁出该房屋，本房屋当前账户不是您的；请用 account_id 指明您的账户"
               f"（见 GET /api/v1/units/{unit_id}/accounts 或 /api/v1/me 的 former_households）",
            details={"unit_id": unit_id, "name": "account_id"})
    return AccountNotFound(f"no fee account for unit {unit_id}")


def require_reader(work: Work, account: FeeAccount, missing, *, conceal: bool = False) -> None:
    """May the caller read ``account`` -- its bills, statement, receipts (查询)? Else ``missing``, the
    very error of an id that does not exist (staff of another project of the group: 403, or with
    ``conceal`` the 404 too).

    - staff of the account's project and the platform: every account of the unit, open or closed;
    - a resident: the account of a household he belongs to now, or belonged to until it moved out
      (``Caller.belonged_to``: the households the gateway signs for him -- his scopes bound to a
      household, and those that ended because that household moved out, 迁出 / 过户). The household
      an account is whose: its payer; an open account of a unit left vacant is still its last
      household's (:func:`previous_payer`) until the next household moves in and it closes;
    - a resident of the unit today with an unbound scope (household not known): its open account,
      as before -- never a closed one;
    - nobody else: a new owner never reads the old owner's account, an old owner never the new one's."""
    caller = work.caller
    if not caller.is_resident:
        caller.require_unit(account.group_id, account.project_id, account.unit_id, not_found=missing,
                            conceal=conceal)
        return
    if not caller.in_group(account.group_id):
        raise missing
    whose = previous_payer(work.session, account)
    if caller.belonged_to(account.unit_id, whose):
        return
    # the unit's open account: his scope of the unit is current, and bound to the household whose it
    # is (a vacant unit's account still holds the last household's history: not the next one's)
    if account.closed_on is None and caller.sees_household(
            account.group_id, account.project_id, account.unit_id, whose, current=whose):
        return
    raise missing


def unit_accounts(session: Session, unit_id: str) -> list[FeeAccount]:
    """Every account of the unit, open and closed, newest first (the open one first)."""
    return list(session.scalars(select(FeeAccount).where(FeeAccount.unit_id == unit_id)
                                .order_by(FeeAccount.closed_on.is_not(None), FeeAccount.opened_at.desc(),
                                          FeeAccount.id)))


def account_view(session: Session, account: FeeAccount) -> dict:
    """The account with its ledger summed: ``balance_due`` positive = owed (欠费),
    negative = prepaid credit (预存) -- and the arrears summary its snapshot carries
    (receivable, credit, deposits held, open bills, the oldest one's due date)."""
    snap = snapshot(session, account, None)
    snap["as_of"] = stated_as_of(account, snap)
    return dict(snap, id=account.id)


def stated_as_of(account: FeeAccount, snap: dict):
    """When billing last stated this account (its last published snapshot's ``as_of``), so an RPC
    answer and a read model built from the events say the same."""
    return account.stated_at or snap["last_posted_at"] or account.opened_at


def snapshot(session: Session, account: FeeAccount, as_of) -> dict:
    """The account as ``account.balance_changed`` and ``export_snapshots`` carry it."""
    return snapshots(session, [account], as_of)[account.id]


def snapshots(session: Session, accounts: list[FeeAccount], as_of) -> dict[str, dict]:
    """The snapshots of many accounts in a constant number of queries (the bill run publishes
    one per account of a chunk): ``{account_id: snapshot}``. Besides the balance, what the
    portal's overview shows of the arrears: what is owed on bills (``receivable``), the credit,
    deposits held, how many bills are open and the oldest open bill's due date."""
    ids = [a.id for a in accounts]
    if not ids:
        return {}
    entries = {aid: (count, total, last) for aid, count, total, last in session.execute(
        select(LedgerEntry.account_id, func.count(LedgerEntry.id), func.sum(LedgerEntry.amount),
               func.max(LedgerEntry.posted_at)).where(LedgerEntry.account_id.in_(ids))
        .group_by(LedgerEntry.account_id))}
    openings = dict(session.execute(select(LedgerEntry.account_id, LedgerEntry.amount).where(
        LedgerEntry.account_id.in_(ids), LedgerEntry.kind == "opening_balance")).all())
    books: dict[str, dict[str, Decimal]] = {}
    for aid, book, total in session.execute(
            select(Posting.account_id, Posting.book, func.sum(Posting.amount))
            .where(Posting.account_id.in_(ids), Posting.book.in_(("receivable", "prepaid", "deposit")))
            .group_by(Posting.account_id, Posting.book)):
        books.setdefault(aid, {})[book] = money(total)
    open_bills = {aid: (count, oldest) for aid, count, oldest in session.execute(
        select(Bill.account_id, func.count(Bill.id), func.min(Bill.due_on))
        .where(Bill.account_id.in_(ids), Bill.settled_at.is_(None)).group_by(Bill.account_id))}
    dunning_states = _dunning_states(session, ids)
    out = {}
    for account in accounts:
        count, total, last = entries.get(account.id, (0, None, None))
        sums = books.get(account.id, {})
        bills_open, oldest = open_bills.get(account.id, (0, None))
        opening = openings.get(account.id)
        out[account.id] = {
            "account_id": account.id, "unit_id": account.unit_id, "project_id": account.project_id,
            "group_id": account.group_id, "household_id": account.household_id,
            "unit_label": account.unit_label, "building_area": account.building_area,
            "usage": account.usage, "payer_name": account.payer_name, "currency": CURRENCY,
            "opening_balance": money(opening) if opening is not None else ZERO,
            "balance_due": money(total) if total is not None else ZERO,
            "receivable": sums.get("receivable", ZERO), "credit": -sums.get("prepaid", ZERO),
            "deposits_held": -sums.get("deposit", ZERO), "open_bills": bills_open, "oldest_due_on": oldest,
            "entry_count": count, "last_posted_at": last, "as_of": as_of, "version": account.version or 0,
            # (the bill run states its accounts from their columns: open ones)
            "closed_on": getattr(account, "closed_on", None), "succeeded_by": getattr(account, "succeeded_by", None),
            **dunning_states.get(account.id, NO_DUNNING)}
    return out


#: an account without an open dunning case (催缴案件)
NO_DUNNING = {"dunning_stage": None, "arrears_class": None, "dunning_paused": False, "late_fee_accrued": ZERO}


def _dunning_states(session: Session, ids: list[str]) -> dict[str, dict]:
    """The open dunning case of each account (one query): its stage, arrears class, whether it is
    paused and the late fee accrued and not yet billed (rounded at the fen)."""
    from ..models import DunningCase
    from .dunning import unbilled_fee
    out = {}
    for case in session.execute(select(
            DunningCase.account_id, DunningCase.stage, DunningCase.arrears_class, DunningCase.paused,
            DunningCase.late_fee_accrued, DunningCase.late_fee_billed).where(
            DunningCase.account_id.in_(ids), DunningCase.status == "open")):
        out[case.account_id] = {"dunning_stage": case.stage, "arrears_class": case.arrears_class,
                                "dunning_paused": case.paused is not None,
                                "late_fee_accrued": max(unbilled_fee(case), ZERO)}
    return out


def publish_dunning_states(work: Work, account_ids) -> None:
    """``account.balance_changed`` with cause ``dunning`` for accounts whose dunning state changed
    (a case opened, moved, classed, paused, resumed or closed): their versions bumped in one
    ``UPDATE``, their snapshots in a constant number of queries, the events in one ``INSERT``."""
    ids = sorted(set(account_ids))
    session = work.session
    if ids:
        session.flush()
    now = work.clock.now()
    for start in range(0, len(ids), 1000):          # 1,000 accounts a statement (as the bill run)
        stated = list(session.scalars(select(FeeAccount).where(FeeAccount.id.in_(ids[start:start + 1000]))
                                      .order_by(FeeAccount.id)))
        rows = [{"id": a.id, "version": (a.version or 0) + 1, "stated_at": now} for a in stated]
        update_many(session, FeeAccount, "id", rows)
        for account, row in zip(stated, rows):
            set_committed_value(account, "version", row["version"])
            set_committed_value(account, "stated_at", now)
        snaps = snapshots(session, stated, now)
        work.events.record_many(events.BALANCE_CHANGED, [
            (dict(snaps[a.id], cause="dunning", entry_id=None), a.group_id, a.project_id) for a in stated],
            validate_each=False)


def record_balance_changed(work: Work, account: FeeAccount, *, cause: str, entry_id: str | None,
                           as_of) -> None:
    """Bump the account's version and publish its whole state with the cause."""
    account.version = (account.version or 0) + 1
    account.stated_at = as_of
    work.session.flush()
    work.events.record(events.BALANCE_CHANGED,
                       dict(snapshot(work.session, account, as_of), cause=cause, entry_id=entry_id),
                       group_id=account.group_id, project_id=account.project_id)


def export_snapshots(work: Work, after: str | None, limit: int, project_id: str | None = None) -> list[dict]:
    """A page of current account snapshots in id order after ``after`` (platform only)."""
    out = []
    for account in snapshot_page(work, FeeAccount, after=after, limit=limit, project_id=project_id):
        snap = snapshot(work.session, account, None)
        # the as_of of the last published snapshot, so a rebuild equals what the events built
        snap["as_of"] = stated_as_of(account, snap)
        out.append(snap)
    return out
