"""A project's price list of paid services (有偿服务价目表, seed 000 §五: paid in-home repairs are
priced from it).

Every item is a code (the list's own, e.g. ``SD-01``), a name (更换水龙头阀芯), a unit (个, 次, 米)
and a price in yuan (``kernel.money``). The list is **effective-dated** and never rewritten: a
change (a new item, a new price, a retirement) is a new row in force from a date -- today or later
in the project's local time -- and every earlier reading stays what it was. Reading the list "on a
date" gives, per code, the newest row in force that day (on one day a later change wins: a
same-day correction); a retired item is not offered from its retirement date on.

Who: any staff of the project and the project's residents read it; the engineering manager and
the service-centre manager change it.
"""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from kernel.money import ZERO, Money, money
from kernel.settings import Setting
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (PriceChangeBackdated, PriceItemNotFound, ProjectNotFound, QuoteOverLimit,
                          UnknownPriceItem)

MAX_QUOTE_TOTAL = "repair.max_quote_total"
#: the price list's per-project settings (in tickets' catalogue)
SETTINGS = [
    Setting(MAX_QUOTE_TOTAL, Money(positive=True, exact=True), default=Decimal("20000.00"), unit="yuan",
            doc="the largest total a paid in-home repair may be quoted; a larger job is a works contract, "
                "not a repair order (and an amount typed with extra zeros is caught here)"),
]
from ..models import PriceListItem, ProjectCopy, UnitCopy

#: who changes the price list (工程部经理, 服务中心经理)
PRICE_LIST_ROLES = (Role.ENGINEERING_MANAGER, Role.CENTRE_MANAGER)
CURRENCY = "CNY"


def _project(work: Work, project_id: str) -> ProjectCopy:
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        raise ProjectNotFound(f"no project {project_id}")
    return project


def readable_project(work: Work, project_id: str) -> ProjectCopy:
    """The project if the caller may read its price list: its staff, or a resident of one of its
    units (anyone else is answered as for a project that does not exist)."""
    project, caller = _project(work, project_id), work.caller
    missing = ProjectNotFound(f"no project {project_id}")
    if caller.is_resident:
        mine = work.session.scalar(select(UnitCopy.id).where(
            UnitCopy.id.in_(sorted(caller.unit_ids)), UnitCopy.project_id == project.id,
            UnitCopy.group_id == project.group_id).limit(1)) if caller.in_group(project.group_id) else None
        if mine is None:
            raise missing
        return project
    caller.require_project(project.group_id, project.id, not_found=missing)
    return project


def local_today(work: Work, project: ProjectCopy) -> date:
    """Today at the project's site."""
    return work.clock.today(project.timezone)


def _rows(work: Work, project_id: str, *where) -> list[PriceListItem]:
    return work.session.scalars(select(PriceListItem).where(PriceListItem.project_id == project_id, *where)
                                .order_by(PriceListItem.code, PriceListItem.effective_from,
                                          PriceListItem.seq)).all()


def in_force(work: Work, project_id: str, on: date) -> dict[str, PriceListItem]:
    """Per code, the row in force on ``on`` (retired items left out)."""
    newest: dict[str, PriceListItem] = {}
    for row in _rows(work, project_id, PriceListItem.effective_from <= on):
        newest[row.code] = row                 # ordered by date then seq: the last one wins
    return {code: row for code, row in newest.items() if not row.retired}


def item_fields(row: PriceListItem) -> dict:
    return {"code": row.code, "name": row.name, "unit": row.unit, "price": row.price,
            "effective_from": row.effective_from}


def price_list(work: Work, project_id: str, on: date | None = None) -> dict:
    """The list in force on ``on`` (default: today at the site), and the changes scheduled after it."""
    project = readable_project(work, project_id)
    on = on or local_today(work, project)
    items = in_force(work, project.id, on)
    later = work.session.scalars(select(PriceListItem).where(
        PriceListItem.project_id == project.id, PriceListItem.effective_from > on)
        .order_by(PriceListItem.effective_from, PriceListItem.seq)).all()
    return {"project_id": project.id, "on": on, "currency": CURRENCY,
            "items": [item_fields(items[code]) for code in sorted(items)],
            "scheduled": [{**item_fields(r), "retired": r.retired} for r in later]}


def _changeable(work: Work, project_id: str, effective_from: date | None) -> tuple[ProjectCopy, date]:
    project = _project(work, project_id)
    work.caller.require_project(project.group_id, project.id,
                                not_found=ProjectNotFound(f"no project {project_id}"))
    work.caller.require_role(*PRICE_LIST_ROLES)
    today = local_today(work, project)
    effective_from = effective_from or today
    if effective_from < today:
        raise PriceChangeBackdated(f"a price list change takes effect from today ({today}) on, "
                                   f"not from {effective_from}: history is never rewritten",
                                   zh=f"价目调整只能从今天（{today}）或以后生效，不能从 {effective_from} 起追溯")
    if work.session.get_bind().dialect.name == "postgresql":
        # one change of the project's list at a time: the next seq is taken under this lock
        work.session.execute(select(ProjectCopy.id).where(ProjectCopy.id == project.id).with_for_update())
    return project, effective_from


def _add(work: Work, project: ProjectCopy, **values) -> PriceListItem:
    caller = work.caller
    last = work.session.scalar(select(func.max(PriceListItem.seq)).where(
        PriceListItem.project_id == project.id))
    row = PriceListItem(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                        seq=(last or 0) + 1, changed_by=caller.user_id, changed_by_name=caller.name or "",
                        changed_at=work.clock.now(), **values)
    work.session.add(row)
    work.session.flush()
    return row


def set_item(work: Work, project_id: str, data: dict) -> dict:
    """Add an item or change its name, unit or price, from ``effective_from`` (default today)."""
    project, effective_from = _changeable(work, project_id, data.get("effective_from"))
    _add(work, project, code=data["code"], name=data["name"], unit=data["unit"], price=money(data["price"]),
         retired=False, effective_from=effective_from, reason=data.get("reason") or "")
    return price_list(work, project.id)


def retire_item(work: Work, project_id: str, code: str, data: dict) -> dict:
    """No longer offer ``code`` from ``effective_from`` (default today); earlier days keep it."""
    project, effective_from = _changeable(work, project_id, data.get("effective_from"))
    current = in_force(work, project.id, effective_from).get(code)
    if current is None:
        raise PriceItemNotFound(f"no item {code!r} on the price list on {effective_from}",
                                zh=f"{effective_from} 的价目表中没有项目 {code}")
    _add(work, project, code=code, name=current.name, unit=current.unit, price=None, retired=True,
         effective_from=effective_from, reason=data.get("reason") or "")
    return price_list(work, project.id)


# -- pricing a quote --------------------------------------------------------------------------

def quantity_text(quantity: Decimal) -> str:
    """A quantity as the quote stores it: plain decimal text, no exponent ("2", "1.5")."""
    return format(quantity.normalize(), "f")


def price_lines(work: Work, project: ProjectCopy, lines: list[dict], on: date) -> tuple[list[dict], Decimal]:
    """The quote's lines priced from the list in force on ``on``: each amount = unit price x
    quantity at the fen (half-up), the total their sum -- computed here, never taken from a client."""
    items = in_force(work, project.id, on)
    unknown = [line["code"] for line in lines if line["code"] not in items]
    if unknown:
        raise UnknownPriceItem(f"not on the price list on {on}: {', '.join(unknown)}",
                               zh=f"以下报价项目不在 {on} 执行的价目表中：{'、'.join(unknown)}",
                               details={"codes": unknown, "on": on.isoformat()})
    priced, total = [], ZERO
    for line in lines:
        item = items[line["code"]]
        amount = money(item.price * line["quantity"])
        total += amount
        priced.append({"code": item.code, "name": item.name, "unit": item.unit,
                       "quantity": quantity_text(line["quantity"]), "unit_price": format(item.price, "f"),
                       "amount": format(amount, "f")})
    limit = work.settings.values(project.id)[MAX_QUOTE_TOTAL]
    if total > limit:
        raise QuoteOverLimit(f"the quote comes to {money(total)} yuan, over the project's limit of {limit} "
                             f"for a paid repair ({MAX_QUOTE_TOTAL})",
                             zh=f"报价合计 {money(total)} 元，超过本项目有偿维修报价上限 {limit} 元",
                             details={"total": format(money(total), "f"), "limit": format(limit, "f")})
    return priced, money(total)
