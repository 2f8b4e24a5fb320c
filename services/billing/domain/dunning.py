"""The dunning ladder (催费, seed 004 "物业费催缴"): cases, stages, notices and the late fee.

**A case** (:class:`DunningCase`, 催缴案件) is one account's arrears: opened the first day a bill of
the account is overdue (its due date before the site's today, not settled) for at least
``dunning.threshold``, closed the moment what is overdue falls below it -- a payment, a credit, a
correction (:func:`on_balance`, called by ``journal.publish_balance`` in the same transaction: the
ladder stops *at once*, not at the next sweep). One open case per account; later arrears open a
new case.

**The ladder** (DunningStage), counted from the case's anchor -- the due date of the oldest
overdue bill when the case opened -- with the project's settings:

=========  =========================================  ==========================================
stage      when (defaults)                            what happens
=========  =========================================  ==========================================
``none``   the case opens (the day after the due day)  the steward's first call is due (classes)
``first``  day ``first_notice_day`` (16th)            1st notice 催费通知书: pay within 7 days
``second`` day ``second_notice_day`` (24th)           2nd notice 二次催费通知书: within 7 days
``final``  day ``final_notice_day`` (31 = after 30th)  final notice 最后催费通知书, principal + late fee
``late``   the day after the final notice's deadline   the late fee accrues (after the grace days)
=========  =========================================  ==========================================

**Short months** (:func:`ladder_day`): a ladder day is a day of the anchor's month; a day that month
does not have is **the first day of the next month**. So the final notice (31) of a bill due on 15
February goes out on 1 March -- in leap years too (29 February is not the 31st); that of a bill due
on 15 April on 1 May; that of a bill due on 15 January on 31 January.

**Anchors off the due day** -- a bill due another day (a repair's charge, a late bill run's) or a
case that opens late (:func:`anchor_of`: old debts an opening balance brought in, days without a
sweep; its anchor is the day before it opens) -- keep the due day's distances: day ``k`` of the
ladder is ``k - due_day`` days after the anchor (at least one). A case that opens late therefore
starts at the first notice, never straight at the final one, and each notice still gives its 7 days.

**Once a day.** A daily job per project (``dunning-day``, key ``<project>:<local date>``, scheduled
by the hourly ``dunning-sweep`` like the reminders; kernel jobs: one replica claims it) runs
:func:`sweep`: set-based -- one grouped query for the project's overdue amounts, one for its open
cases, bulk inserts of new cases, notices, log rows and outbox rows, one ``UPDATE`` of the cases
(``kernel.db.update_many``). A case moves straight to the stage its dates call for (after an outage,
only the highest notice is sent, never three at once) and each stage's notice exists once per case
(``uq_dunning_notice_stage``): two replicas sweeping the same day give one notice per account.
``swept_on`` marks a case seen today; a second sweep the same day changes nothing. Two sweeps of a
project at once (two day jobs due together after an outage, on two replicas) run one after the
other: the sweep locks the project's row first (``SELECT ... FOR UPDATE``).
:func:`sweep_rows` is the same rule one account at a time (the benchmark's baseline and the
payment hook's path).

**The late fee** (滞纳金): for each day ``d`` from the day after a bill's final-notice deadline plus
``dunning.late_fee_grace_days`` -- and never before the deadline (plus the grace days) of the final
notice the case really sent (``late_fee_from``, set when it goes out: a case that opened late, or
resumed after a pause, or was not swept for days, sends it late and its 7 days still count) -- ``rate x`` the bill's open amount -- summed exactly (no rounding)
into the case's ``late_fee_accrued``, through the day the sweep runs (the payment day counts). Only
bills of charges bear it (a late-fee bill does not, unless ``dunning.late_fee_compounds``). Days a
sweep missed (an outage) are accrued at the open amounts the sweep sees, never more than what was
open. A paused case accrues nothing. The accrued fee is billed (a ``late_fee`` bill, its own journal
entry to ``income:late_fee``: round half-up of the accrued total less what was billed before, so the
bills of a case sum to the exact fee rounded once) on the month's last day and when the case closes.

**Pauses.** A disputed bill (``domain/disputes.py``) or an installment plan honoured
(``domain/installments.py``) pauses the case (``paused`` + ``pause_reason``): no stage, notice,
task or late fee while paused; the ladder resumes where it was.

**Never suspends water or power.** Nothing here or in the settings stops a utility: the actions a
case can take are notices, calls, visits, door notices and the approved legal steps. There is no
setting, action or event for cutting a supply, and ``tests`` assert it stays so.

Companions register on :data:`BEFORE_SWEEP` (plans checked before the ladder moves),
:data:`AFTER_SWEEP` (the steward's tasks from the classes), :data:`ON_OPEN` (a disputed account's
new case opens paused), :data:`ON_CLOSE` and :data:`ON_PAUSE`.

**The account's dunning state** (stage, class, paused, the late fee accrued and not billed) rides on
``account.balance_changed`` (cause ``dunning``): published in bulk at the end of the sweep for the
accounts whose case opened, moved or closed (and whose class a hook changed), and by the classes
module when a class is set or a case pauses or resumes.
"""
from __future__ import annotations

import calendar
import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Callable

from sqlalchemy import func, insert, select
from sqlalchemy.orm.attributes import set_committed_value

from kernel.calendar import WorkingCalendar
from kernel.db import update_many
from kernel.jobs import Job
from kernel.money import ZERO, money
from kernel.work import Work

from .. import events
from ..models import (DUNNING_STAGES, Bill, DunningCase, DunningLogEntry, DunningNotice, FeeAccount, Project)
from . import cycle, settings as s

log = logging.getLogger("wuye.billing.dunning")

SWEEP = "dunning-sweep"
SWEEP_EVERY = 3600.0
KIND = "dunning-day"
#: the day job's local time: notices and the day's tasks are ready when the stewards start
RUN_AT = time(8, 0)
NOTICE_STAGES = ("first", "second", "final")
LATE_FEE_ITEM, LATE_FEE_NAME = "late_fee", "滞纳金"

#: fn(work, project, today) run before the ladder moves (installment plans checked)
BEFORE_SWEEP: list[Callable] = []
#: fn(work, project, today, result: SweepResult) after it (the steward's tasks)
AFTER_SWEEP: list[Callable] = []
#: fn(work, case) when a case closes (open tasks cancelled)
ON_CLOSE: list[Callable] = []
#: fn(work, case) after a case pauses or resumes (``case.paused`` says which): tasks, the snapshot
ON_PAUSE: list[Callable] = []
#: fn(work, project, today, cases) when the sweep opens cases, before they move (a disputed
#: account's case opens paused)
ON_OPEN: list[Callable] = []


# -- the ladder's dates (pure) --------------------------------------------------------------------

def ladder_day(anchor: date, day: int, due_day: int) -> date:
    """The ladder's ``day`` for a case anchored at ``anchor`` (see the module: short months, and
    anchors off the due day)."""
    last = calendar.monthrange(anchor.year, anchor.month)[1]
    if anchor.day != min(due_day, last):
        # a bill due off the cycle (a repair's charge) or a case opened late: the due day's distances
        return anchor + timedelta(days=max(1, day - due_day))
    on = date(anchor.year, anchor.month, day) if day <= last else (
        date(anchor.year + anchor.month // 12, anchor.month % 12 + 1, 1))
    if on <= anchor:
        on = anchor + timedelta(days=max(1, day - due_day))
    return on


@dataclass(frozen=True)
class Ladder:
    first: date
    second: date
    final: date
    pay_within: int
    #: the first day the late fee accrues
    fee_from: date
    #: the project's working days when ``dunning.deadlines_on_working_days`` (else calendar days)
    calendar: WorkingCalendar | None = None

    def date_of(self, stage: str) -> date:
        return getattr(self, stage)

    def deadline(self, notice_on: date) -> date:
        """The pay-by day of a notice sent on ``notice_on``: ``pay_within`` days later -- moved to the
        next working day when it falls on a closed day and the project counts its calendar."""
        day = notice_on + timedelta(days=self.pay_within)
        if self.calendar is not None and not self.calendar.is_working_day(day):
            day = self.calendar.next_working_day(day)
        return day

    def pay_by(self, stage: str) -> date:
        return self.deadline(self.date_of(stage))

    def stage_on(self, today: date) -> str:
        """The stage the dates call for on ``today``."""
        if today > self.pay_by("final"):
            return "late"
        for stage in ("final", "second", "first"):
            if today >= self.date_of(stage):
                return stage
        return "none"


def ladder(values: dict, anchor: date) -> Ladder:
    return _ladder(values[s.DUE_DAY], values[s.FIRST_NOTICE_DAY], values[s.SECOND_NOTICE_DAY],
                   values[s.FINAL_NOTICE_DAY], values[s.PAY_WITHIN_DAYS], values[s.LATE_FEE_GRACE_DAYS], anchor,
                   WorkingCalendar.from_settings(values) if values.get(s.DEADLINES_ON_WORKING_DAYS) else None)


@lru_cache(maxsize=4096)
def _ladder(due_day: int, first_day: int, second_day: int, final_day: int, within: int, grace: int,
            anchor: date, calendar: WorkingCalendar | None = None) -> Ladder:
    # pure: a sweep asks for the same few anchors thousands of times (once per case and per bill)
    first = ladder_day(anchor, first_day, due_day)
    second = max(ladder_day(anchor, second_day, due_day), first + timedelta(days=1))
    final = max(ladder_day(anchor, final_day, due_day), second + timedelta(days=1))
    steps = Ladder(first, second, final, within, final, calendar)
    return Ladder(first, second, final, within, steps.pay_by("final") + timedelta(days=grace + 1), calendar)


def stage_index(stage: str) -> int:
    return DUNNING_STAGES.index(stage)


def percent(rate: Decimal) -> str:
    """A daily rate as the notice and the bill's line say it: 0.0005 -> "0.05" (no trailing zeros)."""
    text = f"{Decimal(rate) * 100:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def round_fen(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def late_fee_days(values: dict, open_by_due: dict[date, Decimal], start: date, end: date,
                  floor: date = date.min) -> Decimal:
    """The exact late fee for the days ``start``..``end`` (inclusive) on ``open_by_due`` (``{due
    date: open principal}``): each bill bears ``rate`` a day from its own ladder's ``fee_from``, and
    never before ``floor`` (the case's own ``fee_from``: the deadline of the final notice it sent)."""
    rate = Decimal(values[s.LATE_FEE_RATE])
    if rate == 0 or end < start:
        return Decimal("0")
    total = Decimal("0")
    for due, amount in open_by_due.items():
        begin = max(start, floor, ladder(values, due).fee_from)
        if begin <= end and amount > 0:
            total += amount * rate * ((end - begin).days + 1)
    return total


# -- what is overdue ----------------------------------------------------------------------------

@dataclass
class Arrears:
    """One account's overdue bills on a day: the amount, the oldest due date, and per due date the
    open principal that bears a late fee."""
    account_id: str
    household_id: str | None = None
    unit_id: str = ""
    unit_label: str = ""
    overdue: Decimal = ZERO
    bills: int = 0
    oldest_due_on: date | None = None
    fee_base: dict = field(default_factory=dict)   # {due_on: open principal}


def overdue_query(project_id: str, today: date, compounds: bool, account_ids=None):
    open_amount = func.sum(Bill.total - Bill.allocated)
    q = (select(Bill.account_id, Bill.due_on, Bill.kind == "late_fee", open_amount, func.count(Bill.id),
                FeeAccount.household_id, FeeAccount.unit_id, FeeAccount.unit_label)
         .join(FeeAccount, FeeAccount.id == Bill.account_id)
         .where(Bill.project_id == project_id, Bill.settled_at.is_(None), Bill.due_on < today)
         .group_by(Bill.account_id, Bill.due_on, Bill.kind == "late_fee", FeeAccount.household_id,
                   FeeAccount.unit_id, FeeAccount.unit_label))
    if account_ids is not None:
        q = q.where(Bill.account_id.in_(list(account_ids)))
    return q


def overdue_by_account(session, project_id: str, today: date, *, compounds: bool = False,
                       account_ids=None) -> dict[str, Arrears]:
    """``{account_id: Arrears}`` of the project's accounts with an overdue bill on ``today``."""
    out: dict[str, Arrears] = {}
    for aid, due, is_fee, amount, count, household, unit, label in session.execute(
            overdue_query(project_id, today, compounds, account_ids)):
        a = out.get(aid) or out.setdefault(aid, Arrears(aid, household, unit, label))
        amount = money(amount)
        a.overdue += amount
        a.bills += count
        a.oldest_due_on = due if a.oldest_due_on is None else min(a.oldest_due_on, due)
        if compounds or not is_fee:
            a.fee_base[due] = a.fee_base.get(due, ZERO) + amount
    return out


# -- one case's day (the rule both paths apply) --------------------------------------------------

@dataclass
class Step:
    """What a day does to one open case: the case's new values, the notice to send, the fee."""
    values: dict
    notice: str | None = None
    pay_by: date | None = None
    fee_added: Decimal = Decimal("0")


def advance(values: dict, case: DunningCase, arrears: Arrears, today: date) -> Step:
    """The day's move of an open case that is not paused (pure: the caller writes it)."""
    steps = ladder(values, case.anchor_due_on)
    # every key always (the sweep writes all cases' values in one UPDATE: the same columns each)
    new = {"overdue": arrears.overdue, "oldest_due_on": arrears.oldest_due_on, "swept_on": today,
           "household_id": arrears.household_id, "stage": case.stage, "stage_on": case.stage_on,
           "late_fee_accrued": Decimal(case.late_fee_accrued or 0), "late_fee_from": case.late_fee_from}
    out = Step(new)
    target = steps.stage_on(today)
    if stage_index(target) > stage_index(case.stage):
        new.update(stage=target, stage_on=today)
        notice = target if target in NOTICE_STAGES else ("final" if case.stage != "final" else None)
        if notice is not None:
            out.notice, out.pay_by = notice, steps.deadline(today)
            if notice == "final":
                new["late_fee_from"] = fee_from_notice(values, out.pay_by)
    start = (case.late_fee_through + timedelta(days=1)) if case.late_fee_through else date.min
    # no fee before the deadline of a final notice really sent (after an outage or a pause the notice
    # goes out late: its 7 days still count)
    floor = max(steps.fee_from, new["late_fee_from"]) if new["late_fee_from"] else date.max
    fee = late_fee_days(values, arrears.fee_base, start, today, floor=floor)
    if fee:
        out.fee_added = fee
        new["late_fee_accrued"] += fee
    new["late_fee_through"] = today
    return out


def fee_from_notice(values: dict, pay_by: date) -> date:
    """The first day of the late fee after a final notice whose deadline is ``pay_by``."""
    return pay_by + timedelta(days=values[s.LATE_FEE_GRACE_DAYS] + 1)


def unbilled_fee(case: DunningCase, extra: Decimal = Decimal("0")) -> Decimal:
    """The accrued late fee not yet on a bill, rounded at the fen."""
    return round_fen(Decimal(case.late_fee_accrued or 0) + extra) - money(case.late_fee_billed or ZERO)


# -- writing ------------------------------------------------------------------------------------

def site_today(work: Work, project: Project) -> date:
    return work.clock.today(project.timezone or "Asia/Shanghai")


def add_log(work: Work, case: DunningCase, kind: str, *, outcome: str = "", on: date | None = None,
            **extra) -> DunningLogEntry:
    """Append one action to the dunning log (欠费催缴记录), as the caller, now."""
    entry = DunningLogEntry(id=str(uuid.uuid4()), group_id=case.group_id, project_id=case.project_id,
                            case_id=case.id, account_id=case.account_id, kind=kind, outcome=outcome,
                            done_on=on or work.clock.today(_tz(work, case.project_id)),
                            recorded_at=work.clock.now(), recorded_by=work.caller.user_id,
                            recorded_by_name=getattr(work.caller, "name", "") or "", **extra)
    work.session.add(entry)
    return entry


def _tz(work: Work, project_id: str) -> str:
    project = work.session.get(Project, project_id)
    return (project.timezone if project else None) or "Asia/Shanghai"


def overdue_now(work: Work, case: DunningCase) -> Decimal:
    """What the case's account has overdue on the site's today (its overdue bills' open amounts)."""
    project = work.session.get(Project, case.project_id)
    today = site_today(work, project)
    values = work.settings.values(project.id, on=today)
    a = overdue_by_account(work.session, project.id, today, compounds=values[s.LATE_FEE_COMPOUNDS],
                           account_ids=[case.account_id]).get(case.account_id)
    return a.overdue if a is not None else ZERO


def open_case_of(session, account_id: str) -> DunningCase | None:
    return session.scalar(select(DunningCase).where(DunningCase.account_id == account_id,
                                                    DunningCase.status == "open"))


def anchor_of(a: Arrears, today: date) -> date:
    """A new case's anchor: the oldest overdue bill's due date -- or, for a case that opens late
    (old debts brought in by an opening balance, a sweep that did not run for days), the day before
    it opens, so that its ladder starts with the first notice and its late fee only after the
    deadline of a final notice it really sent."""
    return max(a.oldest_due_on, today - timedelta(days=1))


def new_case_row(work: Work, project: Project, a: Arrears, today: date) -> dict:
    return {"id": str(uuid.uuid4()), "group_id": project.group_id, "project_id": project.id,
            "account_id": a.account_id, "household_id": a.household_id, "status": "open", "stage": "none",
            "stage_on": today, "anchor_due_on": anchor_of(a, today), "opened_on": today,
            "opened_at": work.clock.now(), "overdue": a.overdue, "oldest_due_on": a.oldest_due_on,
            "late_fee_accrued": Decimal("0"), "late_fee_billed": ZERO, "version": 1}


def notice_row(work: Work, case: DunningCase, a: Arrears, step: "Step", late: Decimal, today: date) -> dict:
    """The ``dunning_notices`` row of the notice a day's step sends (both sweeps write it)."""
    return {"id": str(uuid.uuid4()), "group_id": case.group_id, "project_id": case.project_id,
            "case_id": case.id, "account_id": a.account_id, "stage": step.notice, "notice_on": today,
            "pay_by": step.pay_by, "overdue": a.overdue, "late_fee": late, "recorded_at": work.clock.now()}


def notice_payload(n: dict, case: DunningCase, a: Arrears, values: dict) -> dict:
    """``dunning.notice_due`` of the notice row ``n``: platform values only."""
    rate = Decimal(values[s.LATE_FEE_RATE])
    fee_from = max(ladder(values, a.oldest_due_on).fee_from, ladder(values, case.anchor_due_on).fee_from,
                   fee_from_notice(values, n["pay_by"])) if rate and n["stage"] == "final" else None
    return {"notice_id": n["id"], "case_id": case.id, "account_id": a.account_id, "unit_id": a.unit_id,
            "unit_label": a.unit_label, "household_id": a.household_id, "group_id": case.group_id,
            "project_id": case.project_id, "stage": n["stage"], "notice_on": n["notice_on"], "pay_by": n["pay_by"],
            "overdue": n["overdue"], "late_fee": n["late_fee"], "oldest_due_on": a.oldest_due_on, "bills": a.bills,
            "late_fee_daily_rate": rate, "late_fee_from": fee_from}


def bill_late_fee(work: Work, case: DunningCase, today: date, *, publish: bool = False) -> Bill | None:
    """Put the accrued, unbilled late fee on a ``late_fee`` bill (due with the monthly cycle)."""
    from . import journal
    amount = unbilled_fee(case)
    if amount <= ZERO:
        return None
    account = work.session.get(FeeAccount, case.account_id)
    values = work.settings.values(case.project_id, on=today)
    rate = Decimal(values[s.LATE_FEE_RATE])
    bill = journal.issue_bill(
        work, account, kind="late_fee", entry_kind="late_fee", issued_on=today,
        due_on=s.next_due_date(values, today + timedelta(days=1)), source_type="late_fee",
        source_id=f"{case.id}:{today.isoformat()}", description=f"{LATE_FEE_NAME} (催缴 {case.anchor_due_on})",
        lines=[{"item_code": LATE_FEE_ITEM, "item_name": LATE_FEE_NAME, "quantity": Decimal("1"),
                "quantity_unit": "item", "unit_price": amount, "amount": amount,
                "detail": f"{percent(rate)}%/日 至 {case.late_fee_through or today}"}],
        publish=publish)
    case.late_fee_billed = money(case.late_fee_billed or ZERO) + amount
    return bill


def close_case(work: Work, case: DunningCase, today: date, reason: str, *, publish: bool = True) -> None:
    """Close an open case: its unbilled late fee billed (``publish``: and the account's balance
    published), its tasks cancelled, the log told."""
    case.status, case.closed_on, case.closed_at, case.close_reason = "closed", today, work.clock.now(), reason
    case.version = (case.version or 0) + 1
    work.session.flush()
    bill_late_fee(work, case, today, publish=publish)
    add_log(work, case, "closed", outcome=reason, on=today)
    for hook in ON_CLOSE:
        hook(work, case)


def pause(work: Work, case: DunningCase, why: str, reason: str) -> None:
    """Pause the ladder (``dispute`` | ``plan``); the fee stops accruing from today."""
    today = work.clock.today(_tz(work, case.project_id))
    case.paused, case.pause_reason = why, reason
    case.late_fee_through = max(case.late_fee_through or today, today)
    case.version = (case.version or 0) + 1
    add_log(work, case, "paused", outcome=f"{why}: {reason}", on=today)
    for hook in ON_PAUSE:
        hook(work, case)


def resume(work: Work, case: DunningCase, reason: str) -> None:
    """Resume a paused ladder where it was; paused days bear no late fee."""
    today = work.clock.today(_tz(work, case.project_id))
    case.paused, case.pause_reason = None, None
    case.late_fee_through = max(case.late_fee_through or today, today)
    case.version = (case.version or 0) + 1
    add_log(work, case, "resumed", outcome=reason, on=today)
    for hook in ON_PAUSE:
        hook(work, case)


# -- the payment hook: the ladder stops at once ----------------------------------------------------

def on_balance(work: Work, account: FeeAccount) -> None:
    """Called by ``journal.publish_balance`` after anything posted to ``account``: if it has an open
    case and what is overdue is now below the threshold, the case closes (its late fee accrued
    through today billed); otherwise the case's figures are brought up to date."""
    case = open_case_of(work.session, account.id)
    if case is None:
        return
    project = work.session.get(Project, account.project_id)
    today = site_today(work, project)
    values = work.settings.values(project.id, on=today)
    a = overdue_by_account(work.session, project.id, today, compounds=values[s.LATE_FEE_COMPOUNDS],
                           account_ids=[account.id]).get(account.id)
    if a is None or a.overdue < values[s.THRESHOLD]:
        # the caller publishes the account (its late-fee bill included) right after
        close_case(work, case, today, "settled" if a is None else "under_threshold", publish=False)
        return
    case.overdue, case.oldest_due_on = a.overdue, a.oldest_due_on


# -- the sweep ----------------------------------------------------------------------------------

@dataclass
class SweepResult:
    day: date
    opened: list[str] = field(default_factory=list)      # case ids
    closed: list[str] = field(default_factory=list)
    moved: dict = field(default_factory=dict)            # case id -> new stage
    notices: int = 0
    fee_billed: int = 0
    #: the open cases after the sweep: {case id: (account id, stage, class, paused, oldest due date)}
    open_cases: dict = field(default_factory=dict)
    #: accounts whose dunning state changed (opened, moved, closed; a hook's class change): their
    #: ``account.balance_changed`` (cause ``dunning``) is published in bulk at the end of the sweep
    restate: set = field(default_factory=set)


def sweep(work: Work, project: Project, today: date | None = None) -> SweepResult:
    """The project's daily move, set-based (see the module)."""
    session = work.session
    today = today or site_today(work, project)
    # one sweep of a project at a time: a second (another replica's late day job, the same day) waits for
    # the first to commit and then finds every case swept today -- instead of failing on the notices'
    # unique constraint and being retried
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    for hook in BEFORE_SWEEP:
        hook(work, project, today)
    values = work.settings.values(project.id, on=today)
    result = SweepResult(today)
    arrears = overdue_by_account(session, project.id, today, compounds=values[s.LATE_FEE_COMPOUNDS])
    threshold = values[s.THRESHOLD]
    cases = {c.account_id: c for c in session.scalars(
        select(DunningCase).where(DunningCase.project_id == project.id, DunningCase.status == "open"))}

    # closed: nothing (or too little) overdue any more -- the payment hook normally did it already
    for aid, case in list(cases.items()):
        a = arrears.get(aid)
        if a is None or a.overdue < threshold:
            close_case(work, case, today, "settled" if a is None else "under_threshold")
            result.closed.append(case.id)
            result.restate.add(aid)
            del cases[aid]

    # opened
    rows = [new_case_row(work, project, a, today) for aid, a in arrears.items()
            if aid not in cases and a.overdue >= threshold]
    if rows:
        session.execute(insert(DunningCase.__table__), rows)
        result.opened = [r["id"] for r in rows]
        result.restate.update(r["account_id"] for r in rows)
        opened = list(session.scalars(select(DunningCase).where(DunningCase.id.in_(result.opened))))
        for case in opened:
            cases[case.account_id] = case
        for hook in ON_OPEN:
            hook(work, project, today, opened)

    # moved
    updates, notices, logs, payloads = [], [], [], []
    for aid, case in cases.items():
        if case.paused or case.swept_on == today:
            continue
        a = arrears[aid]
        step = advance(values, case, a, today)
        # (``advance`` gives every key for every case: one bulk UPDATE names the same columns)
        update = dict(step.values, id=case.id, version=(case.version or 0) + 1)
        for key in UNCHANGED_UNLESS_MOVED:      # one UPDATE sets the same columns of every case
            update.setdefault(key, getattr(case, key))
        if step.notice:
            result.moved[case.id] = step.values["stage"]
            result.restate.add(aid)
            late = unbilled_fee(case, step.fee_added)
            n = notice_row(work, case, a, step, late, today)
            notices.append(n)
            logs.append(_log_row(work, case, "notice", today, outcome=step.notice, ref_id=n["id"]))
            payloads.append((notice_payload(n, case, a, values), case.group_id, case.project_id))
        elif step.values["stage"] != case.stage:
            result.moved[case.id] = step.values["stage"]
            result.restate.add(aid)
            logs.append(_log_row(work, case, "stage", today, outcome=step.values["stage"]))
        updates.append(update)
    _write(work, updates, notices, logs, payloads)
    result.notices = len(notices)
    # the ORM objects take the bulk UPDATE's values as their loaded state (not dirty: no 2nd UPDATE)
    by_id = {c.id: c for c in cases.values()}
    for update in updates:
        case = by_id[update["id"]]
        for key, value in update.items():
            set_committed_value(case, key, value)

    if today == s.day_in_month(today.year, today.month, 31):   # the month's last day: bill the fees
        for case in cases.values():
            if not case.paused and unbilled_fee(case) > ZERO:
                bill_late_fee(work, case, today, publish=True)
                result.fee_billed += 1
    result.open_cases = {c.id: (c.account_id, c.stage, c.arrears_class, c.paused, c.oldest_due_on)
                         for c in cases.values()}
    for hook in AFTER_SWEEP:
        hook(work, project, today, result)
    from .accounts import publish_dunning_states
    publish_dunning_states(work, result.restate)
    log.info("dunning sweep %s %s: %d open, %d opened, %d closed, %d notices, %d late-fee bills",
             project.id, today, len(result.open_cases), len(result.opened), len(result.closed),
             result.notices, result.fee_billed)
    return result


#: the columns a day may leave as they were (no new stage, no fee): written back unchanged
UNCHANGED_UNLESS_MOVED = ("stage", "stage_on", "late_fee_accrued")


def _log_row(work: Work, case: DunningCase, kind: str, today: date, **extra) -> dict:
    return {"id": str(uuid.uuid4()), "group_id": case.group_id, "project_id": case.project_id,
            "case_id": case.id, "account_id": case.account_id, "kind": kind, "done_on": today,
            "recorded_at": work.clock.now(), "recorded_by": work.caller.user_id, "recorded_by_name": "",
            "photo_ref": None, "promised_on": None, "promised_amount": None, "arrears_class": None,
            "ref_id": None, "outcome": "", **extra}


def _write(work: Work, updates, notices, logs, payloads) -> None:
    session = work.session
    for i in range(0, len(updates), 1000):
        update_many(session, DunningCase, "id", updates[i:i + 1000])
    # Core inserts (the tables, not the ORM's bulk path: no per-row mapping work)
    if notices:
        session.execute(insert(DunningNotice.__table__), notices)
    if logs:
        session.execute(insert(DunningLogEntry.__table__), logs)
    if payloads:
        work.events.record_many(events.DUNNING_NOTICE_DUE, payloads)


def sweep_rows(work: Work, project: Project, today: date | None = None) -> SweepResult:
    """The same day, one account at a time through the ORM (the benchmark's baseline): the same rule,
    notices, log rows, late-fee bills, hooks and published states as :func:`sweep`, each written on
    its own."""
    from .accounts import publish_dunning_states
    session = work.session
    today = today or site_today(work, project)
    for hook in BEFORE_SWEEP:
        hook(work, project, today)
    values = work.settings.values(project.id, on=today)
    threshold = values[s.THRESHOLD]
    result = SweepResult(today)
    account_ids = [aid for aid, in session.execute(select(FeeAccount.id).where(
        FeeAccount.project_id == project.id).order_by(FeeAccount.id))]
    for aid in account_ids:
        a = overdue_by_account(session, project.id, today, compounds=values[s.LATE_FEE_COMPOUNDS],
                               account_ids=[aid]).get(aid)
        case = open_case_of(session, aid)
        if case is not None and (a is None or a.overdue < threshold):
            close_case(work, case, today, "settled" if a is None else "under_threshold")
            result.closed.append(case.id)
            publish_dunning_states(work, {aid})
            continue
        if a is None or a.overdue < threshold:
            continue
        opened = case is None
        if opened:
            case = DunningCase(**new_case_row(work, project, a, today))
            session.add(case)
            session.flush()
            result.opened.append(case.id)
            for hook in ON_OPEN:
                hook(work, project, today, [case])
        if case.paused or case.swept_on == today:
            result.open_cases[case.id] = (aid, case.stage, case.arrears_class, case.paused, case.oldest_due_on)
            if opened:
                publish_dunning_states(work, {aid})
            continue
        step = advance(values, case, a, today)
        late = unbilled_fee(case, step.fee_added)
        stage_before = case.stage
        for key, value in step.values.items():
            setattr(case, key, value)
        case.version = (case.version or 0) + 1
        if not step.notice and case.stage != stage_before:
            result.moved[case.id] = case.stage
            add_log(work, case, "stage", outcome=case.stage, on=today)
        if step.notice:
            result.moved[case.id] = case.stage
            n = notice_row(work, case, a, step, late, today)
            session.add(DunningNotice(**n))
            add_log(work, case, "notice", outcome=step.notice, on=today, ref_id=n["id"])
            session.flush()
            work.events.record(events.DUNNING_NOTICE_DUE, notice_payload(n, case, a, values),
                               group_id=case.group_id, project_id=case.project_id)
            result.notices += 1
        if today == s.day_in_month(today.year, today.month, 31) and unbilled_fee(case) > ZERO:
            bill_late_fee(work, case, today, publish=True)
            result.fee_billed += 1
        session.flush()
        result.open_cases[case.id] = (aid, case.stage, case.arrears_class, case.paused, case.oldest_due_on)
        if opened or case.id in result.moved:
            publish_dunning_states(work, {aid})
    for hook in AFTER_SWEEP:
        hook(work, project, today, result)
    publish_dunning_states(work, result.restate)      # what the hooks changed (a promise broken)
    return result


# -- jobs -----------------------------------------------------------------------------------------

def run_sweep(work: Work, job: Job) -> None:
    """The periodic job: every project's day job for today and tomorrow (idempotent)."""
    cycle.schedule_day_jobs(work, KIND, RUN_AT)


def sweep_now(work: Work, project_id: str) -> SweepResult:
    """Today's sweep of the project, now (the platform only: ``./wuye up``'s demo after loading its
    data, an operator after fixing a project's bills) -- the day job's sweep, run early; the day job
    then finds every case swept today and changes nothing."""
    work.caller.require_system()
    project = work.session.get(Project, project_id)
    if project is None:
        from ..exceptions import ProjectNotFound
        raise ProjectNotFound(f"no project {project_id}")
    return sweep(work, project)


def run_day(work: Work, job: Job) -> None:
    """The day job: the project's sweep on its local date (a late job sweeps the day it runs)."""
    project = work.session.get(Project, job.payload["project_id"])
    if project is not None:
        sweep(work, project)


# the companions register their hooks (BEFORE_SWEEP, AFTER_SWEEP, ON_CLOSE) when imported
from . import arrears_classes, disputes, installments, legal  # noqa: E402,F401


def on_account_closed(work: Work, account: FeeAccount) -> DunningCase | None:
    """The account's household no longer pays for the unit (过户, or a move-out before a new
    move-in) while its case is open: the case goes on against the old household (its account, its
    payer), and its log says so -- the steward's flag that a unit changed hands with arrears,
    against the brief's rule that fees are settled first. Returns the case, if any."""
    case = work.session.scalars(select(DunningCase).where(DunningCase.account_id == account.id,
                                                          DunningCase.status == "open")).first()
    if case is None:
        return None
    add_log(work, case, "account_closed", on=account.closed_on, outcome=(
        f"{account.closed_on}: the unit has a new paying household; this debt stays "
        f"{account.payer_name or 'the previous household'}'s (原业主欠费)")[:400])
    return case

