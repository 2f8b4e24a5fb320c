"""Meter readings (抄表): a unit's meter of a metered item (水费) read at the end of a month, entered
one by one or imported as a CSV file; the bill of the next month charges the consumption.

A reading names the unit (its id or its label, ``1栋-0101``), the item (``water``), the month it
closes (``period`` YYYY-MM) and the day it was read (``read_on``: in that month or the next, never in
the future). Its consumption (``quantity``) is the reading minus the **previous** one -- the last
reading of that meter before the month:

- the meter's first reading is its **initial** one: nothing consumed yet (``quantity`` 0);
- a reading lower than the previous one is refused (a typing slip) unless it is a **replacement**:
  a new meter, whose starting reading (``replacement``, often 0) is the previous one;
- readings go forward: a month before one already read is refused, and so is a month whose reading
  a bill has already charged (the next month's bill is issued);
- the same reading again (same month, figure, day and replacement) records nothing: importing the
  same file twice records nothing new; a different figure for a month already read is refused
  (409 ``reading_exists``).

The CSV file (``kernel.csvimport``): UTF-8 with or without a BOM, a header line, one reading per
line; columns ``unit,item,period,reading,read_on[,replacement]`` (or 房号, 收费项目, 月份, 读数,
抄表日期, 换表起数). Every line is checked -- against the file's other lines too -- and any wrong
line refuses the whole file, every wrong line named (422 ``csv_invalid``); nothing is half-imported.

Who: finance, the service-centre manager, the group admin, and engineering (who read the meters)
record readings; any staff of the project lists them.
"""
from __future__ import annotations

import calendar
import uuid
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, insert, select

from kernel.csvimport import load_csv
from kernel.errors import RuleViolation
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Bill, FeeAccount, MeterReading, Project
from . import settings as billing_settings
from .schedule import METERED, MeterUse, install_defaults, load
from .settings import project_in_scope

READING_ROLES = (Role.FINANCE, Role.CENTRE_MANAGER, Role.GROUP_ADMIN, Role.ENGINEERING,
                 Role.ENGINEERING_MANAGER)
CSV_ALIASES = {"unit": ("房号", "单元", "unit_id", "unit_label"), "item_code": ("item", "收费项目"),
               "period": ("month", "月份"), "reading": ("读数", "本期读数"), "read_on": ("抄表日期", "date"),
               "replacement": ("换表起数", "new_meter_start")}
#: ids per ``IN (...)`` (SQLite binds at most 32 766 parameters)
IN_BATCH = 500


class ReadingRefused(RuleViolation):
    default_code = "reading_refused"
    zh = "抄表读数有误，未录入"


#: what each refused reading says in Chinese, by its code (``kernel.errors.bilingual``)
READING_ZH = {
    "ambiguous_unit": "有多个房屋使用该房号，请填写房屋编号（unit_id）",
    "unknown_unit": "本项目没有该房屋",
    "unknown_item": "本项目没有该收费项目",
    "not_metered": "该收费项目不按抄表计费",
    "period_in_future": "该月份尚未结束，不能抄表",
    "read_on_in_future": "抄表日期不能晚于今天",
    "read_on_out_of_range": "抄表日期须在该月或次月内",
    "reading_below_start": "读数低于新表的起始读数",
    "duplicate_line": "文件中同一水表同一月份有两个不同的读数",
    "reading_exists": "该月份已录入另一读数",
    "reading_out_of_order": "之后月份的读数已录入，读数只能按月份顺序录入",
    "period_billed": "下月账单已出，未计入该读数",
    "reading_decreased": "读数低于上次读数，换表请按换表录入",
}


@dataclass
class Problems:
    """What is wrong with the readings, per line (file line; 1 for a single reading)."""
    by_line: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)     # (field, code, message)

    def add(self, line: int, column: str, code: str, message: str) -> None:
        self.by_line.setdefault(line, []).append((column, code, message))


def _batches(values):
    values = sorted(set(values))
    return [values[i:i + IN_BATCH] for i in range(0, len(values), IN_BATCH)]


def _last_day_of_next_month(period: str) -> date:
    nxt = billing_settings.month_start(billing_settings.add_months(period, 1))
    return date(nxt.year, nxt.month, calendar.monthrange(nxt.year, nxt.month)[1])


def _accounts(work: Work, project: Project, refs: set[str], rows, problems: Problems) -> dict[str, FeeAccount]:
    """The account each row's ``unit`` names (a unit id, else a unit label of the project)."""
    session, found, labels = work.session, {}, {}
    for batch in _batches(refs):
        for account in session.scalars(select(FeeAccount).where(FeeAccount.project_id == project.id,
                                                                 FeeAccount.closed_on.is_(None),
                                                                 FeeAccount.unit_id.in_(batch))):
            found[account.unit_id] = account
    for batch in _batches(refs - set(found)):
        for account in session.scalars(select(FeeAccount).where(FeeAccount.project_id == project.id,
                                                                 FeeAccount.closed_on.is_(None),
                                                                 FeeAccount.unit_label.in_(batch))):
            labels.setdefault(account.unit_label, []).append(account)
    for line, row in rows:
        if row["unit"] in found:
            continue
        candidates = labels.get(row["unit"], [])
        if len(candidates) == 1:
            found[row["unit"]] = candidates[0]
        elif candidates:
            problems.add(line, "unit", "ambiguous_unit", f"{len(candidates)} units are labelled "
                         f"{row['unit']!r}: give the unit id")
        else:
            problems.add(line, "unit", "unknown_unit", f"no unit {row['unit']!r} in project {project.code}")
    return found


def _existing(work: Work, account_ids: set[str], items: set[str], first: str):
    """Readings of these meters from month ``first`` on, and the last one before ``first``."""
    session, later, before = work.session, {}, {}
    M = MeterReading
    for batch in _batches(account_ids):
        meters = (M.account_id.in_(batch), M.item_code.in_(sorted(items)))
        for row in session.scalars(select(M).where(*meters, M.period >= first)):
            later[(row.account_id, row.item_code, row.period)] = row
        last = (select(M.account_id, M.item_code, func.max(M.period).label("period"))
                .where(*meters, M.period < first).group_by(M.account_id, M.item_code).subquery())
        for row in session.scalars(select(M).join(last, (M.account_id == last.c.account_id)
                                                  & (M.item_code == last.c.item_code) & (M.period == last.c.period))):
            before[(row.account_id, row.item_code)] = row
    return later, before


def _billed(work: Work, account_ids: set[str], periods: set[str]) -> set[tuple[str, str]]:
    """(account, period) whose reading a bill has charged already (the next month's bill exists)."""
    billed = set()
    nexts = {billing_settings.add_months(p, 1): p for p in periods}
    for batch in _batches(account_ids):
        for account_id, source_id in work.session.execute(select(Bill.account_id, Bill.source_id).where(
                Bill.account_id.in_(batch), Bill.source_type == "month", Bill.source_id.in_(sorted(nexts)))):
            billed.add((account_id, nexts[source_id]))
    return billed


def _same(row: MeterReading, new: dict) -> bool:
    start = new.get("replacement")
    return (row.reading == new["reading"] and row.read_on == new["read_on"]
            and (row.kind == "replacement") == (start is not None)
            and (start is None or row.previous == start))


def _check(work: Work, project: Project, rows: list[tuple[int, dict]],
           problems: Problems) -> tuple[list[dict], dict[str, FeeAccount]]:
    """Every row checked (see the module doc): the new readings' values (nothing written) and the
    account each row's ``unit`` names."""
    schedule = load(work.session, project.id)
    today = work.clock.today(project.timezone)
    this_month = billing_settings.month_of(today)
    accounts = _accounts(work, project, {row["unit"] for _, row in rows}, rows, problems)
    meters: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for line, row in rows:
        item = schedule.items.get(row["item_code"])
        if item is None or not item.active:
            problems.add(line, "item_code", "unknown_item", f"no fee item {row['item_code']!r} in project "
                         f"{project.code}")
        elif item.method != METERED:
            problems.add(line, "item_code", "not_metered", f"{item.code} ({item.name}) is not a metered item")
        if row["period"] > this_month:
            problems.add(line, "period", "period_in_future", f"{row['period']} has not ended yet")
        if row["read_on"] > today:
            problems.add(line, "read_on", "read_on_in_future", f"{row['read_on']} is after today ({today})")
        elif not (billing_settings.month_start(row["period"]) <= row["read_on"] <= _last_day_of_next_month(
                row["period"])):
            problems.add(line, "read_on", "read_on_out_of_range", f"a reading closing {row['period']} is read "
                         "in that month or the next")
        start = row.get("replacement")
        if start is not None and row["reading"] < start:
            problems.add(line, "reading", "reading_below_start", f"{row['reading']} is below the new meter's "
                         f"starting reading {start}")
        if row["unit"] in accounts and item is not None and item.method == METERED:
            meters.setdefault((accounts[row["unit"]].id, row["item_code"]), []).append((line, row))
    if not meters:
        return [], accounts
    account_ids = {account_id for account_id, _ in meters}
    later, before = _existing(work, account_ids, {code for _, code in meters},
                              min(row["period"] for _, row in rows))
    billed = _billed(work, account_ids, {row["period"] for _, row in rows})
    recorded_of: dict[tuple[str, str], list[MeterReading]] = {}
    for (account_id, code, _), reading in sorted(later.items()):
        recorded_of.setdefault((account_id, code), []).append(reading)
    new = []
    for (account_id, code), entries in meters.items():
        previous = before.get((account_id, code))
        recorded = recorded_of.get((account_id, code), [])
        seen: dict[str, tuple[int, dict]] = {}
        for line, row in sorted(entries, key=lambda e: (e[1]["period"], e[0])):
            period = row["period"]
            if period in seen:                       # the same meter and month twice in the file
                first_line, first = seen[period]
                if first != row:
                    problems.add(line, "reading", "duplicate_line", f"line {first_line} has another reading "
                                 f"of this meter for {period}")
                continue
            seen[period] = (line, row)
            # the last reading before this month: one already recorded, or the file's line before
            earlier = [r for r in recorded if r.period < period]
            if earlier and (previous is None or earlier[-1].period > previous.period):
                previous = earlier[-1]
            already = next((r for r in recorded if r.period == period), None)
            if already is not None:
                if not _same(already, row):
                    problems.add(line, "reading", "reading_exists", f"{period} is already recorded as "
                                 f"{already.reading} read on {already.read_on}")
                previous = already
                continue
            ahead = [r.period for r in recorded if r.period > period]
            if ahead:
                problems.add(line, "period", "reading_out_of_order", f"a later month ({ahead[0]}) is already "
                             "read: readings go forward")
                continue
            if (account_id, period) in billed:
                problems.add(line, "period", "period_billed", f"the bill of "
                             f"{billing_settings.add_months(period, 1)} has been issued without this reading")
                continue
            start = row.get("replacement")
            if start is not None:
                kind, last = "replacement", start
            elif previous is None:
                kind, last = "initial", row["reading"]
            else:
                kind, last = "regular", previous.reading
                if row["reading"] < last:
                    problems.add(line, "reading", "reading_decreased", f"{row['reading']} is lower than the "
                                 f"previous reading {last} ({previous.period}); a new meter is a replacement")
                    continue
            values = dict(account_id=account_id, item_code=code, period=period, previous=last,
                          reading=row["reading"], quantity=row["reading"] - last, read_on=row["read_on"], kind=kind)
            new.append(values)
            previous = MeterReading(**values)
    return new, accounts


def _write(work: Work, project: Project, new: list[dict], source: str) -> None:
    if new:
        now, by = work.clock.now(), work.caller.user_id
        work.session.execute(insert(MeterReading.__table__), [dict(
            values, id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, source=source,
            recorded_by=by, recorded_at=now) for values in new])


def _recording(work: Work, project_id: str) -> Project:
    project = project_in_scope(work, project_id)
    work.caller.require_role(*READING_ROLES)
    install_defaults(work, project)
    return project


def record_reading(work: Work, project_id: str, data: dict) -> dict:
    """One reading entered by hand (``source`` ``entered``); the same one again records nothing."""
    project = _recording(work, project_id)
    problems = Problems()
    new, accounts = _check(work, project, [(1, data)], problems)
    if problems.by_line:
        _, code, message = problems.by_line[1][0]
        raise ReadingRefused(message, code=code, details={c: [m] for c, _, m in problems.by_line[1]},
                             zh=READING_ZH.get(code))
    _write(work, project, new, "entered")
    return reading_view(work, accounts[data["unit"]], data)


def import_readings(work: Work, project_id: str, text: str, schema) -> dict:
    """A CSV file of readings (see the module doc), all or nothing; ``schema`` loads one line."""
    project = _recording(work, project_id)
    parsed = load_csv(text, schema, aliases=CSV_ALIASES)
    problems = Problems()
    new, _ = _check(work, project, parsed.rows, problems)
    for line, found in problems.by_line.items():
        for column, code, message in found:
            parsed.error(line, column, f"{code}: {message}")
    parsed.refuse_if_errors()
    source = f"import:{parsed.sha256[:16]}"
    _write(work, project, new, source)
    return {"project_id": project.id, "file_sha256": parsed.sha256, "source": source, "lines": len(parsed.rows),
            "recorded": len(new), "unchanged": len(parsed.rows) - len(new)}


def _view(row: MeterReading, unit_id: str, unit_label: str) -> dict:
    return {"id": row.id, "unit_id": unit_id, "unit_label": unit_label, "item_code": row.item_code,
            "period": row.period, "previous": row.previous, "reading": row.reading, "quantity": row.quantity,
            "read_on": row.read_on, "kind": row.kind, "source": row.source, "recorded_by": row.recorded_by,
            "recorded_at": row.recorded_at}


def reading_view(work: Work, account: FeeAccount, data: dict) -> dict:
    """The reading of the meter and month just recorded (or found already recorded)."""
    row = work.session.scalars(select(MeterReading).where(
        MeterReading.account_id == account.id, MeterReading.item_code == data["item_code"],
        MeterReading.period == data["period"])).one()
    return _view(row, account.unit_id, account.unit_label)


def list_readings(work: Work, project_id: str, query: dict) -> list[dict]:
    """A month's readings of the project (optionally one item), by unit label."""
    work.caller.require_staff()
    project = project_in_scope(work, project_id)
    M = MeterReading
    stmt = (select(M, FeeAccount.unit_id, FeeAccount.unit_label).join(FeeAccount, FeeAccount.id == M.account_id)
            .where(M.project_id == project.id, M.period == query["period"])
            .order_by(FeeAccount.unit_label, M.item_code).limit(query["limit"]).offset(query["offset"]))
    if query.get("item_code"):
        stmt = stmt.where(M.item_code == query["item_code"])
    return [_view(row, unit_id, unit_label) for row, unit_id, unit_label in work.session.execute(stmt)]


def meter_uses(session, project_id: str, period: str, account_ids: list[str]) -> dict[str, dict]:
    """``{account id: {item code: MeterUse}}`` of the readings closing ``period`` (one query) -- what the
    bill of the next month charges."""
    M = MeterReading
    out: dict[str, dict] = {}
    for account_id, code, previous, reading, quantity in session.execute(
            select(M.account_id, M.item_code, M.previous, M.reading, M.quantity)
            .where(M.project_id == project_id, M.period == period, M.account_id.in_(account_ids))):
        out.setdefault(account_id, {})[code] = MeterUse(period, previous, reading, quantity)
    return out

