"""Fee schedules (收费标准): what a project charges for, at which price, from which date -- and the
computation of every bill line from them (one source for the monthly bill run, its row-by-row
baseline, the move-in quote and one-off charges).

**Items** (:class:`FeeItem`, 收费项目), one code per project, by method:

=====================  ==============================================  ==================
method                 a bill line                                     quantity in
=====================  ==============================================  ==================
``per_area_monthly``   building area x price per m2 per month (管理费)  m2
``fixed_monthly``      the price per month (车位管理费)                 month
``metered``            consumption read at month end x tariff (水费)    the item's unit (m3)
``per_area_once``      building area x price per m2, once (装修垃圾外运费)  m2
``fixed_once``         quantity x price, once                          the item's unit (次)
=====================  ==============================================  ==================

**Prices** (:class:`FeePrice`) are effective-dated, per item and unit usage
(``kernel.validators.UNIT_USAGES``; ``*`` = every usage without a price of its own): a change is a
new row in force from its date -- today (the project's local date) or later, never before -- and a
second row for the same item, usage and date is refused (409); no row is ever rewritten. The price
of an item for a unit on a day is the newest row of the unit's own usage in force that day, else the
newest ``*`` row; none: the item is not charged (a price of 0.00 stops charging from its date). Every
bill line names the row it used (``price_id``, ``price_from``, ``unit_price``).

**Which date prices a bill**: a month's bill is priced on the month's first day (a change dated the
15th applies from the next month's bill); a one-off charge on the day it is charged.

**Rounding**: each line is computed exactly (quantity x unit price) and rounded half-up at the fen;
an amount over several months is the sum of the rounded monthly lines (:func:`months_lines`).

**The brief's default schedule** (:data:`DEFAULT_SCHEDULE`) is installed for a project when billing
first learns of it (``copies.apply_project``) and ensured before a bill run: 物业管理费 1.15 yuan/m2
a month for residential (high-rise) units, 装修垃圾外运费 3.00 yuan/m2 once for every usage, 水费
(metered, no tariff until the project sets one), 车位管理费 (fixed monthly, no price until set for
parking spaces). Its prices are in force from :data:`DEFAULT_FROM`.

Who: finance, the service-centre manager and the group's admin change a schedule; any staff of the
project reads it. One-off charges: finance, the front desk, the centre manager, the group admin.
The move-in quote: staff of the project and the unit's own residents.
"""
from __future__ import annotations

import bisect
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.validators import UNIT_USAGES
from kernel.work import Work

from .. import events
from ..exceptions import (FeeItemExists, FeeItemNotFound, NoPrice, NotAOneOffItem, PriceChangeBackdated,
                          PriceExists)
from ..models import Bill, FeeAccount, FeeItem, FeePrice, Project
from . import journal, settings as billing_settings
from .accounts import get_account
from .settings import project_in_scope

PER_AREA_MONTHLY, FIXED_MONTHLY, METERED = "per_area_monthly", "fixed_monthly", "metered"
PER_AREA_ONCE, FIXED_ONCE = "per_area_once", "fixed_once"
#: in bill-line order: a month's bill lists its items by method, then code
METHODS = (PER_AREA_MONTHLY, FIXED_MONTHLY, METERED, PER_AREA_ONCE, FIXED_ONCE)
MONTHLY = (PER_AREA_MONTHLY, FIXED_MONTHLY, METERED)
ONCE = (PER_AREA_ONCE, FIXED_ONCE)
EVERY_USAGE = "*"
USAGES = (*UNIT_USAGES, EVERY_USAGE)

SCHEDULE_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER, Role.GROUP_ADMIN)
CHARGE_ROLES = (Role.FINANCE, Role.FRONT_DESK, Role.CENTRE_MANAGER, Role.GROUP_ADMIN)

#: the default prices are in force from here (the brief's figures, before anything was billed)
DEFAULT_FROM = date(2000, 1, 1)
#: a one-off charge's bill: ``source_type`` (its ``source_id`` is ``<item code>:<reference>``)
ONE_OFF = "fee_item"


@dataclass(frozen=True)
class DefaultItem:
    code: str
    name: str
    method: str
    unit: str | None
    prices: tuple = ()          # (usage, unit price)


#: the brief's default schedule (DOMAIN.md "Billing and dunning"; seeds 000, 004)
DEFAULT_SCHEDULE = (
    DefaultItem("management", "物业管理费", PER_AREA_MONTHLY, None, (("residential", Decimal("1.15")),)),
    DefaultItem("garbage", "装修垃圾外运费", PER_AREA_ONCE, None, ((EVERY_USAGE, Decimal("3.00")),)),
    DefaultItem("water", "水费", METERED, "m3"),
    DefaultItem("parking", "车位管理费", FIXED_MONTHLY, None),
)


# -- the computation: pure functions, no database ------------------------------------------------

@dataclass(frozen=True)
class Item:
    code: str
    name: str
    method: str
    unit: str | None = None
    active: bool = True

    @property
    def quantity_unit(self) -> str:
        if self.method in (PER_AREA_MONTHLY, PER_AREA_ONCE):
            return "m2"
        if self.method == FIXED_MONTHLY:
            return "month"
        return self.unit or ("m3" if self.method == METERED else "item")


@dataclass(frozen=True)
class Price:
    id: str
    item_code: str
    usage: str
    unit_price: Decimal
    effective_from: date


@dataclass(frozen=True)
class MeterUse:
    """What a meter reading bills: ``quantity`` (``reading`` - ``previous``) read at the end of ``period``."""
    period: str
    previous: Decimal
    reading: Decimal
    quantity: Decimal


def bill_line(item: Item, price: Price, quantity: Decimal, detail: str = "") -> dict:
    """One bill line: quantity x unit price exactly, rounded half-up at the fen; names its price."""
    return {"item_code": item.code, "item_name": item.name, "quantity": quantity,
            "quantity_unit": item.quantity_unit, "unit_price": price.unit_price,
            "amount": money(quantity * price.unit_price), "price_id": price.id,
            "price_from": price.effective_from, "detail": detail[:200]}


class Schedule:
    """A project's items and every price row, ready to price lines (no database)."""

    def __init__(self, items: Iterable[Item], prices: Iterable[Price]):
        self.items = {item.code: item for item in items}
        self.ordered = sorted(self.items.values(), key=lambda i: (METHODS.index(i.method), i.code))
        self._rows: dict[tuple[str, str], list[Price]] = {}
        for price in sorted(prices, key=lambda p: p.effective_from):
            self._rows.setdefault((price.item_code, price.usage), []).append(price)
        self._starts = {key: [p.effective_from for p in rows] for key, rows in self._rows.items()}
        self._cache: dict[tuple, Price | None] = {}

    def price(self, item_code: str, usage: str, on: date) -> Price | None:
        """The price in force on ``on`` for a unit of ``usage``: its own usage's newest row, else ``*``'s."""
        key = (item_code, usage, on)
        if key not in self._cache:
            self._cache[key] = next((rows[i - 1] for u in (usage, EVERY_USAGE)
                                     if (rows := self._rows.get((item_code, u)))
                                     and (i := bisect.bisect_right(self._starts[(item_code, u)], on))), None)
        return self._cache[key]

    def monthly_lines(self, usage: str, area: Decimal, period: str,
                      readings: Mapping[str, MeterUse] | None = None) -> list[dict]:
        """The lines of a unit's bill of ``period`` (YYYY-MM), priced on the month's first day:
        per-area and fixed monthly items, and metered items from ``readings`` (``{item code:
        MeterUse}`` read at the end of the month before). An item without a price, a reading or
        an amount above 0.00 has no line."""
        on = billing_settings.month_start(period)
        lines = []
        for item in self.ordered:
            if not item.active or item.method not in MONTHLY:
                continue
            price = self.price(item.code, usage, on)
            if price is None:
                continue
            if item.method == PER_AREA_MONTHLY:
                line = bill_line(item, price, money(area), f"{period} 建筑面积 building area")
            elif item.method == FIXED_MONTHLY:
                line = bill_line(item, price, Decimal("1"), period)
            else:
                use = (readings or {}).get(item.code)
                if use is None:
                    continue
                line = bill_line(item, price, use.quantity,
                                 f"{use.period} 抄表 reading {use.previous} -> {use.reading}")
            if line["amount"] > ZERO:
                lines.append(line)
        return lines

    def once_line(self, item_code: str, usage: str, area: Decimal, on: date, quantity: Decimal | None = None,
                  detail: str = "") -> dict | None:
        """A one-off charge's line: area x price (``per_area_once``) or ``quantity`` (default 1) x
        price (``fixed_once``), priced on ``on``; None without a price."""
        item = self.items[item_code]
        price = self.price(item_code, usage, on)
        if price is None:
            return None
        count = money(area) if item.method == PER_AREA_ONCE else (quantity or Decimal("1"))
        return bill_line(item, price, count, detail)


def months_lines(schedule: Schedule, usage: str, area: Decimal, periods: Iterable[str]) -> list[dict]:
    """The monthly management and fixed lines of several months (each month priced on its own
    first day, each line rounded): what ``n`` months cost is the sum of these lines."""
    return [dict(line, period=period) for period in periods
            for line in schedule.monthly_lines(usage, area, period)]


def total(lines: Iterable[dict]) -> Decimal:
    return sum((line["amount"] for line in lines), ZERO)


# -- loading and changing a project's schedule ---------------------------------------------------

def load(session, project_id: str) -> Schedule:
    """The project's schedule: two queries."""
    items = session.execute(select(FeeItem.code, FeeItem.name, FeeItem.method, FeeItem.unit, FeeItem.active)
                            .where(FeeItem.project_id == project_id)).all()
    prices = session.execute(
        select(FeePrice.id, FeeItem.code, FeePrice.usage, FeePrice.unit_price, FeePrice.effective_from)
        .join(FeeItem, FeeItem.id == FeePrice.item_id).where(FeeItem.project_id == project_id)).all()
    return Schedule((Item(*row) for row in items), (Price(*row) for row in prices))


def install_defaults(work: Work, project: Project) -> bool:
    """The brief's default schedule for a project that has no items yet; False if it has some
    (a project's schedule is its own once it exists). Safe under a race (savepoint)."""
    session = work.session
    if session.scalar(select(FeeItem.id).where(FeeItem.project_id == project.id).limit(1)) is not None:
        return False
    now, by = work.clock.now(), work.caller.user_id
    try:
        with session.begin_nested():
            for default in DEFAULT_SCHEDULE:
                item = FeeItem(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                               code=default.code, name=default.name, method=default.method, unit=default.unit,
                               active=True, created_at=now, created_by=by)
                session.add(item)
                session.add_all([FeePrice(id=str(uuid.uuid4()), item_id=item.id, group_id=project.group_id,
                                          project_id=project.id, usage=usage, unit_price=price,
                                          effective_from=DEFAULT_FROM, set_at=now, set_by=by,
                                          reason="默认收费标准 the brief's default schedule")
                                 for usage, price in default.prices])
            session.flush()
    except IntegrityError:
        return False                     # another transaction installed it first
    return True


def _item(work: Work, project: Project, code: str) -> FeeItem:
    item = work.session.scalars(select(FeeItem).where(FeeItem.project_id == project.id,
                                                      FeeItem.code == code)).first()
    if item is None:
        raise FeeItemNotFound(f"project {project.code} has no fee item {code!r}", zh=f"项目 {project.code} 没有收费项目 {code}")
    return item


def schedule_view(work: Work, project_id: str, on: date | None = None) -> dict:
    """The project's items with every price row, each marked ``past``, ``in_force`` (on ``on``,
    default today at the site) or ``scheduled``."""
    work.caller.require_staff()
    project = project_in_scope(work, project_id)
    on = on or work.clock.today(project.timezone)
    items = work.session.scalars(select(FeeItem).where(FeeItem.project_id == project.id)).all()
    rows = work.session.scalars(select(FeePrice).where(FeePrice.project_id == project.id)
                                .order_by(FeePrice.usage, FeePrice.effective_from)).all()
    by_item: dict[str, list[FeePrice]] = {}
    for row in rows:
        by_item.setdefault(row.item_id, []).append(row)
    out = []
    for item in sorted(items, key=lambda i: (METHODS.index(i.method) if i.method in METHODS else 99, i.code)):
        in_force = {}
        for row in by_item.get(item.id, []):
            if row.effective_from <= on:
                in_force[row.usage] = row.id       # ordered by date: the last one wins
        prices = [{"price_id": row.id, "usage": row.usage, "unit_price": row.unit_price,
                   "effective_from": row.effective_from, "set_at": row.set_at, "set_by": row.set_by,
                   "reason": row.reason,
                   "status": "scheduled" if row.effective_from > on
                   else "in_force" if in_force[row.usage] == row.id else "past"}
                  for row in by_item.get(item.id, [])]
        out.append({"code": item.code, "name": item.name, "method": item.method,
                    "quantity_unit": Item(item.code, item.name, item.method, item.unit).quantity_unit,
                    "active": item.active, "prices": prices})
    return {"project_id": project.id, "on": on, "currency": "CNY", "items": out}


def _changeable(work: Work, project_id: str) -> Project:
    project = project_in_scope(work, project_id)
    work.caller.require_role(*SCHEDULE_ROLES)
    return project


def add_item(work: Work, project_id: str, data: dict) -> dict:
    """A new item of the project's schedule (its prices come with :func:`set_price`)."""
    project = _changeable(work, project_id)
    install_defaults(work, project)
    session = work.session
    if session.scalar(select(FeeItem.id).where(FeeItem.project_id == project.id, FeeItem.code == data["code"])):
        raise FeeItemExists(f"project {project.code} already has an item {data['code']!r}",
                            zh=f"项目 {project.code} 已有收费项目 {data['code']}")
    try:
        with session.begin_nested():
            session.add(FeeItem(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                                code=data["code"], name=data["name"], method=data["method"],
                                unit=data.get("unit"), active=True, created_at=work.clock.now(),
                                created_by=work.caller.user_id))
            session.flush()
    except IntegrityError:
        raise FeeItemExists(f"project {project.code} already has an item {data['code']!r}",
                            zh=f"项目 {project.code} 已有收费项目 {data['code']}") from None
    return schedule_view(work, project.id)


def set_price(work: Work, project_id: str, code: str, data: dict) -> dict:
    """A price of ``code`` for units of ``usage`` from ``effective_from`` (default today)."""
    project = _changeable(work, project_id)
    install_defaults(work, project)
    item = _item(work, project, code)
    today = work.clock.today(project.timezone)
    effective_from = data.get("effective_from") or today
    if effective_from < today:
        raise PriceChangeBackdated(f"a price applies from today ({today}) on, not from {effective_from}: "
                                   "history is never rewritten", zh=f"收费标准只能从今天（{today}）起生效，不能从 {effective_from} 起追溯")
    session = work.session
    exists = PriceExists(f"{code} already has a price for {data['usage']} from {effective_from}; "
                         "prices are never rewritten -- set one from another date",
                         zh=f"{code} 从 {effective_from} 起已有 {data['usage']} 类房屋的收费标准；标准不能改写，请从另一日期起设新标准")
    if session.scalar(select(FeePrice.id).where(FeePrice.item_id == item.id, FeePrice.usage == data["usage"],
                                                FeePrice.effective_from == effective_from)):
        raise exists
    try:
        with session.begin_nested():
            session.add(FeePrice(id=str(uuid.uuid4()), item_id=item.id, group_id=project.group_id,
                                 project_id=project.id, usage=data["usage"], unit_price=data["unit_price"],
                                 effective_from=effective_from, set_at=work.clock.now(),
                                 set_by=work.caller.user_id, reason=data.get("reason") or ""))
            session.flush()
    except IntegrityError:
        raise exists from None
    return schedule_view(work, project.id)


# -- the move-in quote ----------------------------------------------------------------------------

def first_billed_month(values: dict, day: date) -> str:
    """The first month whose bill a household moving in on ``day`` gets: the month of ``day`` if
    its bills are computed after ``day`` (its bill day is later), else the next month."""
    period = billing_settings.month_of(day)
    return period if billing_settings.bill_date(values, period) > day \
        else billing_settings.add_months(period, 1)


def move_in_quote(work: Work, unit_id: str, on: date | None = None) -> dict:
    """首期物业费: what a household moving in pays ahead -- ``billing.prepay_months`` (3) months of
    the unit's monthly management and fixed items, from the first month it will be billed for,
    each month's line priced on its first day and rounded, the total their sum. The payment is an
    ordinary payment; it becomes prepaid credit the journal applies to the bills as they come."""
    account = get_account(work, unit_id)
    project = work.session.get(Project, account.project_id)
    on = on or work.clock.today(project.timezone)
    values = work.settings.values(project.id, on=on)
    months = values[billing_settings.PREPAY_MONTHS]
    first = first_billed_month(values, on)
    periods = [billing_settings.add_months(first, n) for n in range(months)]
    lines = months_lines(load(work.session, project.id), account.usage, account.building_area, periods)
    return {"unit_id": account.unit_id, "unit_label": account.unit_label, "usage": account.usage,
            "building_area": account.building_area, "on": on, "prepay_months": months, "periods": periods,
            "lines": lines, "total": total(lines), "currency": "CNY"}


# -- one-off charges --------------------------------------------------------------------------------

def collection_days(work: Work, project_id: str, account_ids: list[str], day: date) -> dict[str, date]:
    """``{account id: collect_on}`` for those of ``account_ids`` whose household pays by an active
    debit mandate (托收协议, ``bank.active_mandates``): the bank collects on the next collection day
    on or after ``day`` (``bank.next_collection``)."""
    from . import bank      # bank prices nothing; it reads bills this module makes
    mandated = bank.active_mandates(work.session, account_ids)
    if not mandated:
        return {}
    collect_on, _ = bank.next_collection(work, project_id, day)
    return {account_id: collect_on for account_id in mandated}


def notice_of(bill: Bill, account: FeeAccount, collect_on: date | None) -> dict:
    """``bill.notice_due`` of one bill (``collect_on``: the account's next bank collection, if it pays
    by a debit mandate)."""
    return {"bill_id": bill.id, "number": bill.number, "account_id": account.id, "unit_id": account.unit_id,
            "unit_label": account.unit_label, "household_id": bill.household_id, "group_id": bill.group_id,
            "project_id": bill.project_id, "period": bill.period, "total": bill.total,
            "outstanding": money(bill.total) - money(bill.allocated), "due_on": bill.due_on,
            "pays_by": "bank_debit" if collect_on else "cash", "collect_on": collect_on}


def bill_of(work: Work, bill: Bill) -> dict:
    """The bill as every reply shows one (``queries``: lines, status, settlements)."""
    from .queries import bill_view     # queries reads the schedule's bills; the schedule answers with its view
    return bill_view(work, bill)


def charge_once(work: Work, unit_id: str, data: dict) -> dict:
    """A one-off charge from the schedule (the renovation garbage fee: area x 3.00 yuan/m2) as a
    one-off bill, issued today at the site and due on the next due day (``billing.due_day``), its
    notice requested at once. Once per unit, item and ``reference`` (default: today's date): the
    same charge again answers the bill already issued."""
    account = get_account(work, unit_id)
    work.caller.require_role(*CHARGE_ROLES)
    project = work.session.get(Project, account.project_id)
    install_defaults(work, project)
    today = work.clock.today(project.timezone)
    source_id = f"{data['item_code']}:{data.get('reference') or today.isoformat()}"
    session = work.session
    account = journal.lock_account(session, account)
    existing = session.scalars(select(Bill).where(Bill.account_id == account.id, Bill.source_type == ONE_OFF,
                                                  Bill.source_id == source_id)).first()
    if existing is not None:
        return bill_of(work, existing)
    schedule = load(session, project.id)
    item = schedule.items.get(data["item_code"])
    if item is None or not item.active:
        raise FeeItemNotFound(f"project {project.code} has no fee item {data['item_code']!r}",
                              zh=f"项目 {project.code} 没有收费项目 {data['item_code']}")
    if item.method not in ONCE:
        raise NotAOneOffItem(f"{item.code} ({item.name}) is charged {item.method}, not once",
                             zh=f"{item.code}（{item.name}）不是一次性收费项目")
    note = data.get("note") or ""
    line = schedule.once_line(item.code, account.usage, account.building_area, today, data.get("quantity"),
                              detail=" ".join(filter(None, [data.get("reference"), note])))
    if line is None:
        raise NoPrice(f"{item.code} ({item.name}) has no price for {account.usage} units on {today}",
                      zh=f"{item.code}（{item.name}）在 {today} 没有适用于 {account.usage} 类房屋的收费标准")
    if line["amount"] <= ZERO:
        raise NoPrice(f"{item.code} ({item.name}) comes to 0.00 for unit {account.unit_label}", code="nothing_to_charge",
                      zh=f"{item.code}（{item.name}）对 {account.unit_label} 计算金额为 0.00，无需收费")
    values = work.settings.values(project.id, on=today)
    bill = journal.issue_bill(work, account, kind="one_off", entry_kind="charge", lines=[line],
                              issued_on=today, due_on=billing_settings.next_due_date(values, today),
                              source_type=ONE_OFF, source_id=source_id,
                              description=f"{item.name} {note}".strip())
    bill.notified_at = work.clock.now()
    collect_on = collection_days(work, project.id, [account.id], today).get(account.id)
    work.events.record(events.BILL_NOTICE_DUE, notice_of(bill, account, collect_on),
                       group_id=bill.group_id, project_id=bill.project_id)
    return bill_of(work, bill)
