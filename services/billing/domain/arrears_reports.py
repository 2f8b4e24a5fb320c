"""The dunning reports (issue 9): the arrears ledger (欠费台账), the collection rate (收费率), the
daily dunning report per steward (催费日报表), the weekly summary (每周催收总结) and the deposits held
(押金). Reads only; every figure an SQL aggregate -- a constant number of grouped statements per
report (per month of a trend), never one per account -- in Decimal money, the same on SQLite and
PostgreSQL. JSON through billing's RPCs, CSV through the gateway (``gateway/routes/arrears.py``).

**Who reads them**: the project's finance (财务), CS manager (客服主管), service-centre manager,
general manager and the group's admin (:data:`READERS`, ``queries.PROJECT_FIGURE_ROLES``); a
steward (管家) reads the daily report of their own cases only. Another group's staff and residents
hear "no such project" (404), staff of the group outside the project 403.

**Dates.** Everything runs on the project's local calendar (its time zone). "As the books stood at
the end of day D" means every bill created and every allocation (核销: part of a payment, of
prepaid credit applied, of a discount, write-off or reversal settling a bill) made before the
next local midnight -- ``Allocation.created_at``, the time it was posted.

**Arrears ledger** (:func:`arrears_ledger`) of a day ``on`` (default the site's today; a past day
allowed, a future one refused: 422 ``day_in_future``): one row per account with overdue bills on
that day -- bills due **before** the day (a bill due on the day is not overdue, as in
``domain/queries.py``) whose total less the allocations made by the end of the day is above 0.00
(late-fee bills included; gross -- before any unapplied prepaid credit, as the dunning sweep sees
it). Per row: the unit, the payer, the overdue total and the number of bills, the amount in each
**ageing bucket** by the days past due of each bill (``on`` - due date): 1-30 (the "0-30" bucket:
a bill due the day before is 1 day past due), 31-90, 91-365, over 365 days; the oldest due date
and its days; the dunning case open that day (opened on or before it, not closed by then): its
stage and class *as of the day* (the current ones when reached on or before it, else from the
dunning log's rows up to it), its steward, pause and late fee (滞纳金, accrued -- rounded at the
fen for the report -- through ``late_fee_through``, and billed) as they stand now. Rows by overdue
descending, then unit. Totals per bucket and per class (A-E and ``unclassified``: no case, or no
class set yet) with the accounts counted.

**Collection rate** (:func:`collection_rate`) of a month M (YYYY-MM; a month not begun is refused,
422 ``month_in_future``), or of each month of a range (``from``..``to``, at most
:data:`MAX_MONTHS`):

- *current period* (当期): the bills **of M** -- the monthly bills of period M plus the one-off
  bills issued in M. ``gross`` their totals; ``cancelled`` what of them was reversed (冲正, the
  charge cancelled) by M's last day; ``billed`` = gross - cancelled; ``collected`` what settled
  them by M's last day through money or prepaid credit (allocations of ``payment`` and
  ``prepaid_applied`` entries, net of their reversals); ``discounted`` (减免) and ``written_off``
  (核销) are not collected and shown on their own; ``outstanding`` what is left;
  ``rate_percent`` = collected / billed x 100.
- *arrears* (往期欠费): ``brought_forward`` -- what was open at M's first day (the books at the end
  of the day before) on bills due before M's first day (every kind but late fees; an opening
  balance recorded during M counts from the next month); ``cancelled``, ``collected``,
  ``discounted``, ``written_off`` during M on those bills; ``rate_percent`` = collected /
  (brought_forward - cancelled) x 100.
- *late fees* (滞纳金): the late-fee bills issued in M, what of them was collected by M's last
  day -- on their own line, in neither rate.

Rates are percentages with two decimals, half-up; ``null`` when the base is 0.00. A bill issued
in an earlier month and due in M (a late one-off) is in neither column of M.

**Daily dunning report** (:func:`daily_report`) of a day D, per steward (the case's ``steward_id``;
``null`` = unassigned): ``open_cases`` (cases open at the end of D); the tasks (催费任务) due on D
(``tasks_due``; a task done counts for who did it, one not done for the steward holding it), of
them done by the end of D (``tasks_done``) and not (``tasks_open``, cancelled
ones aside), and ``tasks_overdue`` (due before D, not done by its end); staff's actions logged on D
by kind (calls, SMS, door notices, visits, promises, contact searches, notes -- not the rows the
ladder, a class or an assignment writes), credited to who took them; the promises made (per case
the last of the day: one replaced counts once, at its new amount) and their amount; the notices of the day
by stage; ``collected``: money received on D (``payment`` entries of the day, net of reversals
dated D) on the accounts of their cases (the account's case on D: the latest one opened by then).
A steward caller gets their own line only.

**Weekly summary** (:func:`weekly_summary`) of the ISO week (Monday-Sunday) holding a day: cases
opened and closed (by reason) in the week and open at its end; notices by stage; actions by kind
(as the daily report); money received during the week on accounts that had a case during it;
classes of the cases open at the week's end (as of the Sunday, as in the ledger); installment
plans (分期) agreed, broken, completed in the week; legal proposals (律师函/诉讼): the steps taken in
the week (proposed, reviewed, approved, rejected, done) and the status now of those proposed by
its end; and the week's collection (money and prepaid credit allocated during the week, net of
reversals) on *current* bills (due on or after the Monday), *arrears* (due before it) and late
fees.

**Deposits held** (:func:`deposits_held`): per unit the deposits (押金/保证金) held -- minus the
sum of its ``deposit`` book (the journal is the record) -- with the held rows by purpose
(``Deposit``: amount less refunded and less forfeited -- 押金扣除 --, status ``held``), the units with something held, the total.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased

from kernel.money import CURRENCY, ZERO, money
from kernel.tenancy import Role
from kernel.validators import parse_month
from kernel.work import Work

from ..exceptions import DayInFuture, MonthInFuture, ReportRangeTooLong
from ..models import (ARREARS_CLASSES, DUNNING_STAGES, Allocation, Bill, Deposit, DunningCase, DunningLogEntry,
                      DunningNotice, DunningTask, FeeAccount, InstallmentPlan, LedgerEntry, LegalProposal, Posting,
                      Project)
from . import journal
from .arrears_classes import ACTION_KINDS
from .queries import PROJECT_FIGURE_ROLES, money_sum
from .settings import project_in_scope

#: who reads the reports (finance, CS manager, centre manager, general manager, group admin)
READERS = PROJECT_FIGURE_ROLES
#: a steward reads the daily report of their own cases
DAILY_READERS = READERS + (Role.STEWARD,)
#: the longest trend of the collection rate, in months
MAX_MONTHS = 24
#: ageing buckets (账龄): name, the most days past due it holds (None: no limit)
BUCKETS = (("aged_0_30", 30), ("aged_31_90", 90), ("aged_91_365", 365), ("aged_over_365", None))
UNCLASSIFIED = "unclassified"
CLASS_KEYS = ARREARS_CLASSES + (UNCLASSIFIED,)
#: the dunning log's rows the ladder writes itself (not a person's action)
LADDER_KINDS = ("notice", "stage")
#: the log rows that record a household's promise (an action, or class A set with its day)
PROMISE_KINDS = ("promise", "class")
NOTICE_STAGES = ("first", "second", "final")
#: what an allocation is, by the kind of the entry it belongs to (a reversal's: the reversed entry's)
COLLECTED_KINDS = ("payment", "prepaid_applied")
CANCEL_KINDS = ("charge", "opening_balance", "late_fee")
CURRENT_KINDS = ("monthly", "one_off")
LATE_FEE = "late_fee"
PLAN_ENDS = ("broken", "completed")
LEGAL_STEPS = (("proposed", "proposed_at"), ("reviewed", "reviewed_at"), ("approved", "approved_at"),
               ("rejected", "rejected_at"), ("done", "done_at"))
CENT = Decimal("0.01")


# -- shared ---------------------------------------------------------------------------------------

def _project(work: Work, project_id: str, roles=READERS) -> Project:
    project = project_in_scope(work, project_id)
    work.caller.require_role(*roles)
    return project


def _tz(project: Project) -> ZoneInfo:
    return ZoneInfo(project.timezone or "Asia/Shanghai")


def _today(work: Work, project: Project) -> date:
    return work.clock.now().astimezone(_tz(project)).date()


def midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant (UTC) the local ``day`` begins."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(timezone.utc)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole in percent, two places half-up; None when ``whole`` is 0."""
    if whole == ZERO:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def _check_day(work: Work, project: Project, day: date | None) -> tuple[date, date]:
    today = _today(work, project)
    day = day or today
    if day > today:
        raise DayInFuture(f"{day} is after the site's today {today}; a report is of today or a past day",
                          zh=f"{day} 晚于项目当地的今天（{today}），报表只能查今天或以前的日期")
    return day, today


def _allocation_kind():
    """``(the allocation's entry, the kind that counts)`` -- a reversal counts as the kind it
    reverses, with its (negative) amount."""
    original = aliased(LedgerEntry)
    kind = case((LedgerEntry.kind == "reversal", original.kind), else_=LedgerEntry.kind)
    return original, kind


def _word(value: str):
    """A constant word in SQL (grouped by its label: no bound parameter in a GROUP BY)."""
    return literal_column(f"'{value}'")


def _sum_if(condition, value):
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def staff_names(session, project_id: str, ids) -> dict[str, str]:
    """The names the dunning log recorded for these staff ids (staff are shown by id and name)."""
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {who: name for who, name in session.execute(
        select(DunningLogEntry.recorded_by, func.max(DunningLogEntry.recorded_by_name))
        .where(DunningLogEntry.project_id == project_id, DunningLogEntry.recorded_by.in_(ids),
               DunningLogEntry.recorded_by_name != "")
        .group_by(DunningLogEntry.recorded_by))}


def _cases_on(session, project_id: str, day: date):
    """The cases open at the end of ``day``: opened on or before it, not closed by then."""
    return select(DunningCase).where(DunningCase.project_id == project_id, DunningCase.opened_on <= day,
                                     or_(DunningCase.closed_on.is_(None), DunningCase.closed_on > day))


def stages_and_classes_on(session, cases, day: date) -> dict[str, tuple[str, str | None]]:
    """``{case id: (stage, class)}`` as of the end of ``day``: the case's current stage and class
    when reached (``stage_on``, ``class_set_on``) on or before it; otherwise the dunning log's rows
    up to the day -- the highest stage noted (``notice`` / ``stage`` rows), the last class set.
    Two statements at most, whatever the number of cases."""
    out, stage_from_log, class_from_log = {}, [], []
    for c in cases:
        stage = c.stage if (c.stage_on is None or c.stage_on <= day) else None
        klass = c.arrears_class if (c.class_set_on is None or c.class_set_on <= day) else None
        if stage is None:
            stage_from_log.append(c.id)
        if c.arrears_class is not None and klass is None:
            class_from_log.append(c.id)
        out[c.id] = (stage or "none", klass)
    if stage_from_log:
        rows = session.execute(select(DunningLogEntry.case_id, DunningLogEntry.outcome).distinct().where(
            DunningLogEntry.case_id.in_(stage_from_log), DunningLogEntry.kind.in_(LADDER_KINDS),
            DunningLogEntry.done_on <= day))
        for case_id, outcome in rows:
            if outcome in DUNNING_STAGES and DUNNING_STAGES.index(outcome) > DUNNING_STAGES.index(out[case_id][0]):
                out[case_id] = (outcome, out[case_id][1])
    if class_from_log:
        latest = (select(DunningLogEntry.case_id, func.max(DunningLogEntry.recorded_at).label("at"))
                  .where(DunningLogEntry.case_id.in_(class_from_log), DunningLogEntry.arrears_class.is_not(None),
                         DunningLogEntry.done_on <= day)
                  .group_by(DunningLogEntry.case_id).subquery())
        for case_id, klass in session.execute(
                select(DunningLogEntry.case_id, DunningLogEntry.arrears_class)
                .join(latest, and_(latest.c.case_id == DunningLogEntry.case_id,
                                   latest.c.at == DunningLogEntry.recorded_at))
                .where(DunningLogEntry.arrears_class.is_not(None))):
            out[case_id] = (out[case_id][0], klass)
    return out


# -- 欠费台账 the arrears ledger ---------------------------------------------------------------------

def arrears_ledger(work: Work, project_id: str, on: date | None = None) -> dict:
    """欠费台账 of the day ``on`` (see the module)."""
    project = _project(work, project_id)
    session = work.session
    day, today = _check_day(work, project, on)
    cutoff = midnight(day + timedelta(days=1), _tz(project))
    overdue_bills = [Bill.project_id == project.id, Bill.due_on < day, Bill.created_at < cutoff,
                     or_(Bill.settled_at.is_(None), Bill.settled_at >= cutoff)]
    allocated = (select(Allocation.bill_id.label("bill_id"), func.sum(Allocation.amount).label("amount"))
                 .join(Bill, Bill.id == Allocation.bill_id)
                 .where(*overdue_bills, Allocation.created_at < cutoff)
                 .group_by(Allocation.bill_id).subquery())
    bills = (select(Bill.account_id.label("account_id"), Bill.due_on.label("due_on"),
                    (Bill.total - func.coalesce(allocated.c.amount, 0)).label("open"))
             .outerjoin(allocated, allocated.c.bill_id == Bill.id).where(*overdue_bills).subquery())
    b = bills.c
    limits = [(name, day - timedelta(days=most)) for name, most in BUCKETS if most is not None]
    columns = []
    lower = None
    for name, earliest in limits:     # days past due <= most  <=>  due on or after day - most
        condition = b.due_on >= earliest if lower is None else and_(b.due_on >= earliest, b.due_on < lower)
        columns.append(money_sum(case((condition, b.open), else_=0)).label(name))
        lower = earliest
    columns.append(money_sum(case((b.due_on < lower, b.open), else_=0)).label(BUCKETS[-1][0]))
    rows = session.execute(
        select(FeeAccount.id, FeeAccount.unit_id, FeeAccount.unit_label, FeeAccount.payer_name,
               money_sum(b.open), func.count(), func.min(b.due_on), *columns)
        .join(FeeAccount, FeeAccount.id == b.account_id).where(b.open > 0)
        .group_by(FeeAccount.id, FeeAccount.unit_id, FeeAccount.unit_label, FeeAccount.payer_name)).all()

    cases = {c.account_id: c for c in session.scalars(_cases_on(session, project.id, day).where(
        DunningCase.account_id.in_([r[0] for r in rows])))} if rows else {}
    as_of = stages_and_classes_on(session, cases.values(), day)
    names = staff_names(session, project.id, {c.steward_id for c in cases.values()})
    out = []
    for aid, unit_id, label, payer, overdue, count, oldest, *aged in rows:
        c = cases.get(aid)
        stage, klass = as_of[c.id] if c is not None else (None, None)
        out.append({
            "account_id": aid, "unit_id": unit_id, "unit_label": label, "payer_name": payer,
            "overdue": money(overdue), "bills": count, "oldest_due_on": oldest, "days_past_due": (day - oldest).days,
            **{name: money(v) for (name, _), v in zip(BUCKETS, aged)},
            "case_id": c.id if c else None, "stage": stage, "arrears_class": klass,
            "steward_id": c.steward_id if c else None,
            "steward_name": names.get(c.steward_id) if c and c.steward_id else None,
            "paused": c.paused if c else None,
            "late_fee_accrued": money(c.late_fee_accrued or 0) if c else ZERO,
            "late_fee_billed": money(c.late_fee_billed or ZERO) if c else ZERO,
            "late_fee_through": c.late_fee_through if c else None})
    out.sort(key=lambda r: (-r["overdue"], r["unit_label"], r["account_id"]))

    def total(rows_) -> dict:
        return {"accounts": len(rows_), "overdue": sum((r["overdue"] for r in rows_), ZERO),
                **{name: sum((r[name] for r in rows_), ZERO) for name, _ in BUCKETS}}

    by_class = defaultdict(list)
    for r in out:
        by_class[r["arrears_class"] or UNCLASSIFIED].append(r)
    return {"project_id": project.id, "project_name": project.name, "currency": CURRENCY, "on": day,
            "today": day == today, "accounts": len(out), "rows": out, "totals": total(out),
            "by_class": [{"arrears_class": k, **total(by_class[k])} for k in CLASS_KEYS]}


# -- 收费率 the collection rate ----------------------------------------------------------------------

@dataclass(frozen=True)
class Month:
    name: str
    first: date
    last: date

    @property
    def next_first(self) -> date:
        return self.last + timedelta(days=1)


def month_of(name: str) -> Month:
    year, number = parse_month(name)
    first = date(year, number, 1)
    return Month(name, first, date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1))


def months_between(first: str, last: str) -> list[Month]:
    a, b = month_of(first), month_of(last)
    if b.first < a.first:
        raise ReportRangeTooLong(f"{last} is before {first}", zh=f"结束月 {last} 早于开始月 {first}")
    out, m = [], a
    while True:
        out.append(m)
        if len(out) > MAX_MONTHS:
            raise ReportRangeTooLong(f"a trend is at most {MAX_MONTHS} months", zh=f"趋势最多查 {MAX_MONTHS} 个月")
        if m.first >= b.first:          # (never a month past the last: 2999-12's next is not a month)
            return out
        m = month_of(m.next_first.strftime("%Y-%m"))


def collection_rate(work: Work, project_id: str, month_from: str, month_to: str | None = None) -> dict:
    """收费率 of each month ``month_from``..``month_to`` (one month when ``month_to`` is None)."""
    project = _project(work, project_id)
    today = _today(work, project)
    months = months_between(month_from, month_to or month_from)
    if months[-1].first > today:
        raise MonthInFuture(f"{months[-1].name} has not begun at the site (today {today})",
                            zh=f"{months[-1].name} 尚未开始（项目当地今天是 {today}），暂无收费率")
    return {"project_id": project.id, "project_name": project.name, "currency": CURRENCY,
            "month_from": months[0].name, "month_to": months[-1].name, "as_of": today,
            "months": [_month_rate(work.session, project, m, today) for m in months]}


def _month_rate(session, project: Project, m: Month, today: date) -> dict:
    """One month's figures: one grouped statement over the bills that concern it."""
    tz = _tz(project)
    start, end = midnight(m.first, tz), midnight(m.next_first, tz)
    original, kind = _allocation_kind()
    current = or_(and_(Bill.kind == "monthly", Bill.period == m.name),
                  and_(Bill.kind == "one_off", Bill.issued_on >= m.first, Bill.issued_on <= m.last))
    late_fee = and_(Bill.kind == LATE_FEE, Bill.issued_on >= m.first, Bill.issued_on <= m.last)
    arrears = and_(Bill.kind != LATE_FEE, Bill.due_on < m.first, Bill.created_at < start,
                   or_(Bill.settled_at.is_(None), Bill.settled_at >= start))
    category = case((current, _word("current")), (late_fee, _word(LATE_FEE)), (arrears, _word("arrears")),
                    else_=None)
    by_end = Allocation.created_at < end
    during = and_(Allocation.created_at >= start, by_end)
    a = Allocation.amount
    per_bill = (
        select(Allocation.bill_id.label("bill_id"),
               _sum_if(Allocation.created_at < start, a).label("before"),
               _sum_if(and_(by_end, kind.in_(COLLECTED_KINDS)), a).label("collected_by_end"),
               _sum_if(and_(by_end, kind.in_(CANCEL_KINDS)), a).label("cancelled_by_end"),
               _sum_if(and_(by_end, kind == "discount"), a).label("discounted_by_end"),
               _sum_if(and_(by_end, kind == "write_off"), a).label("written_off_by_end"),
               _sum_if(and_(during, kind.in_(COLLECTED_KINDS)), a).label("collected_in"),
               _sum_if(and_(during, kind.in_(CANCEL_KINDS)), a).label("cancelled_in"),
               _sum_if(and_(during, kind == "discount"), a).label("discounted_in"),
               _sum_if(and_(during, kind == "write_off"), a).label("written_off_in"))
        .join(Bill, Bill.id == Allocation.bill_id)
        .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
        .outerjoin(original, original.id == LedgerEntry.reverses_id)
        .where(Bill.project_id == project.id, or_(current, late_fee, arrears))
        .group_by(Allocation.bill_id).subquery())
    p = per_bill.c

    def z(column):
        return func.coalesce(column, 0)

    rows = session.execute(
        select(category.label("category"), func.count(Bill.id),
               money_sum(case((Bill.kind == "monthly", Bill.total), else_=0)),
               money_sum(Bill.total),
               money_sum(Bill.total - z(p.before)),
               *(money_sum(z(c)) for c in (p.collected_by_end, p.cancelled_by_end, p.discounted_by_end,
                                           p.written_off_by_end, p.collected_in, p.cancelled_in,
                                           p.discounted_in, p.written_off_in)))
        .outerjoin(per_bill, p.bill_id == Bill.id)
        .where(Bill.project_id == project.id, or_(current, late_fee, arrears))
        .group_by(literal_column("category"))).all()
    got = {row[0]: [money(v) if i > 1 else v for i, v in enumerate(row)] for row in rows}
    empty = [None, 0] + [ZERO] * 11

    (_, _, monthly, gross, _, collected, cancelled, discounted, written_off, *_r) = got.get("current", empty)
    billed = gross - cancelled
    current_out = {"bills": got.get("current", empty)[1], "gross": gross, "monthly": monthly,
                   "one_off": gross - monthly, "cancelled": cancelled, "billed": billed, "collected": collected,
                   "discounted": discounted, "written_off": written_off,
                   "outstanding": billed - collected - discounted - written_off,
                   "rate_percent": percent(collected, billed)}
    row = got.get("arrears", empty)
    brought, collected_in, cancelled_in, discounted_in, written_off_in = row[4], row[9], row[10], row[11], row[12]
    base = brought - cancelled_in
    arrears_out = {"bills": row[1], "brought_forward": brought, "cancelled": cancelled_in, "collected": collected_in,
                   "discounted": discounted_in, "written_off": written_off_in,
                   "outstanding": base - collected_in - discounted_in - written_off_in,
                   "rate_percent": percent(collected_in, base)}
    row = got.get("late_fee", empty)
    fee_billed = row[3] - row[6]
    late_out = {"bills": row[1], "billed": fee_billed, "collected": row[5],
                "outstanding": fee_billed - row[5] - row[7] - row[8]}
    return {"month": m.name, "first_day": m.first, "last_day": m.last, "complete": today > m.last,
            "current": current_out, "arrears": arrears_out, "late_fee": late_out}


# -- money received on a day or a week ------------------------------------------------------------

def _money_received(first: date, last: date):
    """``(entry's account, -amount)`` of the money received ``first``..``last`` (payment entries
    dated then, net of the reversals of payments dated then): the select's parts."""
    original = aliased(LedgerEntry)
    is_money = or_(LedgerEntry.kind == "payment", and_(LedgerEntry.kind == "reversal", original.kind == "payment"))
    return original, and_(is_money, LedgerEntry.occurred_on >= first, LedgerEntry.occurred_on <= last)


# -- 催费日报表 the daily dunning report -----------------------------------------------------------------

STEWARD_FIGURES = ("open_cases", "tasks_due", "tasks_done", "tasks_open", "tasks_overdue", "actions_total",
                   "promises", "promised_amount", "notices_total", "collected")


def daily_report(work: Work, project_id: str, day: date | None = None) -> dict:
    """催费日报表 of ``day`` per steward (see the module)."""
    project = _project(work, project_id, DAILY_READERS)
    session, caller = work.session, work.caller
    day, today = _check_day(work, project, day)
    cutoff = midnight(day + timedelta(days=1), _tz(project))
    lines: dict = defaultdict(lambda: {k: 0 for k in STEWARD_FIGURES} | {
        "promised_amount": ZERO, "collected": ZERO, "actions": defaultdict(int), "notices": defaultdict(int)})

    open_on = _cases_on(session, project.id, day).subquery()
    for steward, n in session.execute(select(open_on.c.steward_id, func.count()).group_by(open_on.c.steward_id)):
        lines[steward]["open_cases"] += n

    done = and_(DunningTask.status == "done", DunningTask.done_at < cutoff)
    not_done = and_(DunningTask.status != "cancelled", ~done)
    # a task done counts for who did it (a case assigned after its first call: the call was theirs);
    # one not done for the steward who holds it
    whose = case((done, DunningTask.done_by), else_=DunningTask.steward_id).label("whose")
    for steward, due, done_n, open_n, overdue in session.execute(
            select(whose, _count_if(DunningTask.due_on == day),
                   _count_if(and_(DunningTask.due_on == day, done)), _count_if(and_(DunningTask.due_on == day, not_done)),
                   _count_if(and_(DunningTask.due_on < day, not_done)))
            .where(DunningTask.project_id == project.id, DunningTask.due_on <= day,
                   DunningTask.created_at < cutoff)
            .group_by(whose)):
        line = lines[steward]
        line["tasks_due"] += due
        line["tasks_done"] += done_n
        line["tasks_open"] += open_n
        line["tasks_overdue"] += overdue

    _actions(session, project.id, day, day, lines)

    for steward, stage, n in session.execute(
            select(DunningCase.steward_id, DunningNotice.stage, func.count())
            .join(DunningCase, DunningCase.id == DunningNotice.case_id)
            .where(DunningNotice.project_id == project.id, DunningNotice.notice_on == day)
            .group_by(DunningCase.steward_id, DunningNotice.stage)):
        lines[steward]["notices"][stage] += n
        lines[steward]["notices_total"] += n

    # the account's case on the day: the latest opened by then and not closed before it
    later = aliased(DunningCase)
    original, received = _money_received(day, day)
    for steward, amount in session.execute(
            select(DunningCase.steward_id, money_sum(-LedgerEntry.amount))
            .select_from(LedgerEntry)
            .outerjoin(original, original.id == LedgerEntry.reverses_id)
            .join(DunningCase, and_(DunningCase.account_id == LedgerEntry.account_id, DunningCase.opened_on <= day,
                                    or_(DunningCase.closed_on.is_(None), DunningCase.closed_on >= day)))
            .where(LedgerEntry.project_id == project.id, received,
                   ~exists().where(later.account_id == DunningCase.account_id, later.opened_on <= day,
                                   later.opened_at > DunningCase.opened_at))
            .group_by(DunningCase.steward_id)):
        lines[steward]["collected"] += money(amount)

    if caller.is_staff and not caller.has_role(*READERS):        # a steward: their own cases
        lines = {k: v for k, v in lines.items() if k == caller.user_id}
    # a steward touched only by rows that count nothing (a task done days ago) has no line
    lines = {k: v for k, v in lines.items() if any(v[f] for f in STEWARD_FIGURES)}
    names = staff_names(session, project.id, [k for k in lines if k])
    stewards = [_steward_line(k, names.get(k) if k else None, v)
                for k, v in sorted(lines.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    return {"project_id": project.id, "project_name": project.name, "currency": CURRENCY, "day": day,
            "stewards": stewards, "totals": _totals(stewards)}


def _actions(session, project_id: str, first: date, last: date, lines) -> None:
    """Staff's actions in the dunning log ``first``..``last`` (:data:`ACTION_KINDS`: not the rows the
    ladder or a class change writes) by kind, credited to who took them; and the promises made: per
    case the last one of the period (a promise replaced the same week counts once, at its new
    amount), credited to who took it."""
    for who, kind, n in session.execute(
            select(DunningLogEntry.recorded_by, DunningLogEntry.kind, func.count())
            .where(DunningLogEntry.project_id == project_id, DunningLogEntry.done_on >= first,
                   DunningLogEntry.done_on <= last, DunningLogEntry.kind.in_(ACTION_KINDS))
            .group_by(DunningLogEntry.recorded_by, DunningLogEntry.kind)):
        line = lines[who]
        line["actions"][kind] += n
        line["actions_total"] += n
    made = (select(DunningLogEntry.case_id, DunningLogEntry.recorded_by, DunningLogEntry.promised_amount,
                   func.row_number().over(partition_by=DunningLogEntry.case_id,
                                          order_by=(DunningLogEntry.recorded_at.desc(),
                                                    DunningLogEntry.id.desc())).label("n"))
            .where(DunningLogEntry.project_id == project_id, DunningLogEntry.done_on >= first,
                   DunningLogEntry.done_on <= last, DunningLogEntry.kind.in_(PROMISE_KINDS),
                   DunningLogEntry.promised_on.is_not(None))
            .subquery())
    for who, n, amount in session.execute(
            select(made.c.recorded_by, func.count(), money_sum(func.coalesce(made.c.promised_amount, 0)))
            .where(made.c.n == 1).group_by(made.c.recorded_by)):
        line = lines[who]
        line["promises"] += n
        line["promised_amount"] += money(amount)


def _steward_line(steward_id, name, v: dict) -> dict:
    return {"steward_id": steward_id, "steward_name": name, **{k: v[k] for k in STEWARD_FIGURES},
            "actions": _counts(v["actions"], "kind"), "notices": _stage_counts(v["notices"])}


def _counts(found: dict, key: str) -> list[dict]:
    return [{key: k, "count": found[k]} for k in sorted(found)]


def _stage_counts(found: dict) -> list[dict]:
    return [{"stage": s, "count": found.get(s, 0)} for s in NOTICE_STAGES] + [
        {"stage": s, "count": n} for s, n in sorted(found.items()) if s not in NOTICE_STAGES]


def _totals(stewards: list[dict]) -> dict:
    actions, notices = defaultdict(int), defaultdict(int)
    for line in stewards:
        for a in line["actions"]:
            actions[a["kind"]] += a["count"]
        for n in line["notices"]:
            notices[n["stage"]] += n["count"]
    return {**{k: sum((line[k] for line in stewards), ZERO if k in ("promised_amount", "collected") else 0)
               for k in STEWARD_FIGURES},
            "actions": _counts(actions, "kind"), "notices": _stage_counts(notices)}


# -- 每周催收总结 the weekly summary ----------------------------------------------------------------------

def weekly_summary(work: Work, project_id: str, day: date | None = None) -> dict:
    """每周催收总结 of the ISO week holding ``day`` (see the module)."""
    project = _project(work, project_id)
    session = work.session
    day, today = _check_day(work, project, day)
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    tz = _tz(project)
    start, end = midnight(monday, tz), midnight(sunday + timedelta(days=1), tz)
    pid = project.id

    opened = session.scalar(select(func.count()).where(
        DunningCase.project_id == pid, DunningCase.opened_on >= monday, DunningCase.opened_on <= sunday))
    closed = dict(session.execute(select(DunningCase.close_reason, func.count()).where(
        DunningCase.project_id == pid, DunningCase.closed_on >= monday, DunningCase.closed_on <= sunday)
        .group_by(DunningCase.close_reason)).all())
    open_cases = session.scalars(_cases_on(session, pid, sunday)).all()
    classes = defaultdict(int)
    for _stage, klass in stages_and_classes_on(session, open_cases, sunday).values():
        classes[klass or UNCLASSIFIED] += 1

    notices = dict(session.execute(select(DunningNotice.stage, func.count()).where(
        DunningNotice.project_id == pid, DunningNotice.notice_on >= monday, DunningNotice.notice_on <= sunday)
        .group_by(DunningNotice.stage)).all())
    lines: dict = defaultdict(lambda: {"actions": defaultdict(int), "actions_total": 0, "promises": 0,
                                       "promised_amount": ZERO})
    _actions(session, pid, monday, sunday, lines)
    actions = defaultdict(int)
    for line in lines.values():
        for kind, n in line["actions"].items():
            actions[kind] += n

    original, received = _money_received(monday, sunday)
    had_case = exists().where(DunningCase.account_id == LedgerEntry.account_id, DunningCase.opened_on <= sunday,
                              or_(DunningCase.closed_on.is_(None), DunningCase.closed_on >= monday))
    collected_on_cases = money(session.scalar(
        select(money_sum(-LedgerEntry.amount)).select_from(LedgerEntry)
        .outerjoin(original, original.id == LedgerEntry.reverses_id)
        .where(LedgerEntry.project_id == pid, received, had_case)))

    plans = session.execute(select(
        _count_if(and_(InstallmentPlan.agreed_on >= monday, InstallmentPlan.agreed_on <= sunday)),
        *(_count_if(and_(InstallmentPlan.status == status, InstallmentPlan.ended_on >= monday,
                         InstallmentPlan.ended_on <= sunday)) for status in PLAN_ENDS))
        .where(InstallmentPlan.project_id == pid)).one()

    steps = session.execute(select(*(
        _count_if(and_(getattr(LegalProposal, column) >= start, getattr(LegalProposal, column) < end))
        for _, column in LEGAL_STEPS)).where(LegalProposal.project_id == pid)).one()
    legal_status = dict(session.execute(select(LegalProposal.status, func.count()).where(
        LegalProposal.project_id == pid, LegalProposal.proposed_at < end).group_by(LegalProposal.status)).all())

    original2, kind = _allocation_kind()
    bill_class = case((Bill.kind == LATE_FEE, _word(LATE_FEE)), (Bill.due_on >= monday, _word("current")),
                      else_=_word("arrears"))
    collection = {k: ZERO for k in ("current", "arrears", LATE_FEE)}
    for what, amount in session.execute(
            select(bill_class.label("what"), money_sum(Allocation.amount))
            .select_from(Allocation)
            .join(Bill, Bill.id == Allocation.bill_id)
            .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
            .outerjoin(original2, original2.id == LedgerEntry.reverses_id)
            .where(Bill.project_id == pid, Allocation.created_at >= start, Allocation.created_at < end,
                   kind.in_(COLLECTED_KINDS))
            .group_by(literal_column("what"))):
        collection[what] = money(amount)

    year, week, _ = day.isocalendar()
    return {
        "project_id": pid, "project_name": project.name, "currency": CURRENCY, "week": f"{year}-W{week:02d}",
        "week_start": monday, "week_end": sunday, "complete": today > sunday,
        "cases": {"opened": opened, "closed": sum(closed.values()), "open_at_end": len(open_cases),
                  "closed_by_reason": _counts(closed, "reason")},
        "notices": _stage_counts(notices), "notices_total": sum(notices.values()),
        "actions": _counts(actions, "kind"), "actions_total": sum(actions.values()),
        "promises": sum(line["promises"] for line in lines.values()),
        "collected_on_case_accounts": collected_on_cases,
        "classes_at_end": [{"arrears_class": k, "cases": classes.get(k, 0)} for k in CLASS_KEYS],
        "plans": {"agreed": plans[0], "broken": plans[1], "completed": plans[2]},
        "legal": {**{name: n for (name, _), n in zip(LEGAL_STEPS, steps)},
                  "by_status": _counts(legal_status, "status")},
        "collection": {**collection, "total": sum(collection.values(), ZERO)},
    }


# -- 押金 deposits held --------------------------------------------------------------------------------

def deposits_held(work: Work, project_id: str) -> dict:
    """The deposits held per unit (see the module): two grouped statements."""
    project = _project(work, project_id)
    session = work.session
    held = -func.sum(Posting.amount)
    rows = session.execute(
        select(FeeAccount.id, FeeAccount.unit_id, FeeAccount.unit_label, FeeAccount.payer_name,
               money_sum(-Posting.amount))
        .join(FeeAccount, FeeAccount.id == Posting.account_id)
        .where(Posting.project_id == project.id, Posting.book == journal.DEPOSIT)
        .group_by(FeeAccount.id, FeeAccount.unit_id, FeeAccount.unit_label, FeeAccount.payer_name)
        .having(held != 0)).all()
    purposes = defaultdict(list)
    for aid, purpose, count, amount in session.execute(
            select(Deposit.account_id, Deposit.purpose, func.count(), money_sum(Deposit.amount - Deposit.refunded - Deposit.forfeited))
            .where(Deposit.project_id == project.id, Deposit.status == "held")
            .group_by(Deposit.account_id, Deposit.purpose).order_by(Deposit.purpose)):
        purposes[aid].append({"purpose": purpose, "deposits": count, "held": money(amount)})
    units = sorted(({"account_id": aid, "unit_id": unit_id, "unit_label": label, "payer_name": payer,
                     "held": money(amount), "by_purpose": purposes.get(aid, [])}
                    for aid, unit_id, label, payer, amount in rows),
                   key=lambda u: (u["unit_label"], u["account_id"]))
    return {"project_id": project.id, "project_name": project.name, "currency": CURRENCY,
            "as_of": _today(work, project), "units": units, "unit_count": len(units),
            "total": sum((u["held"] for u in units), ZERO)}
