"""Payment reminders (催缴提醒, seed 004): ``bill.reminder_due`` for notify, which texts the household.

- ``before_due``: households paying in cash, at the desk or online (no active debit mandate) are
  reminded of a bill ``billing.cash_reminder_days_before`` (10) days before its due date;
- ``before_debit``: households with an active mandate are reminded
  ``billing.debit_reminder_days_before`` (3) days before the bank collects (the bills the next
  round will collect: issued by then, due by that month's due date).

**When.** A periodic job (:data:`SWEEP`, hourly) schedules each project's **day job** (kind
:data:`KIND`, key ``<project>:<local date>``, due at :data:`SEND_AT` local time so texts go out in
the morning) for today and tomorrow; ``kernel.jobs`` runs each one once across replicas and
restarts. The day job looks at the project's open bills on its local date: a bill whose reminder
day has come (on or after due date - N, or collection day - N) and whose due date (or collection
day) has not passed is reminded -- so a day job that runs late, after an outage, still reminds
what is still worth reminding, and a bill issued less than N days before it is due is reminded on
the first morning it exists.

**Once per bill and kind.** Each reminder is a :class:`BillReminder` row (unique per bill and
kind) written with its event in the job's transaction: a bill is reminded once of each kind
however many day jobs look at it (two at once on PostgreSQL: the second fails on the unique key
and its retry skips the bill). A bill settled by the time the day job runs gets nothing; one with
no household (a vacant unit) neither.
"""
from __future__ import annotations

import uuid
from datetime import date, time, timedelta

from sqlalchemy import exists, select

from kernel.jobs import Job
from kernel.money import money
from kernel.work import Work

from .. import events
from ..models import Bill, BillReminder, FeeAccount, Project
from . import bank, cycle
from .settings import CASH_REMINDER_DAYS, DEBIT_REMINDER_DAYS, day_in_month, due_on

SWEEP = "bill-reminders-sweep"
SWEEP_EVERY = 3600.0
KIND = "bill-reminders"
#: the day job's local time: reminders are texted in the morning
SEND_AT = time(9, 0)
BEFORE_DUE, BEFORE_DEBIT = "before_due", "before_debit"


def run_sweep(work: Work, job: Job) -> None:
    """The periodic job: every project's reminder day job for today and tomorrow (idempotent)."""
    cycle.schedule_day_jobs(work, KIND, SEND_AT)


def run_day(work: Work, job: Job) -> None:
    """The day job: the project's reminders due by its local date (when it runs)."""
    project = work.session.get(Project, job.payload["project_id"])
    if project is not None:
        remind(work, project)


def _open_bills(work: Work, project: Project, kind: str, *conditions) -> list[tuple[Bill, FeeAccount]]:
    """The project's open bills of accounts with a household, not yet reminded of ``kind``."""
    reminded = exists().where(BillReminder.bill_id == Bill.id, BillReminder.kind == kind)
    return list(work.session.execute(
        select(Bill, FeeAccount).join(FeeAccount, FeeAccount.id == Bill.account_id)
        .where(Bill.project_id == project.id, Bill.settled_at.is_(None), FeeAccount.household_id.is_not(None),
               ~reminded, *conditions)
        .order_by(Bill.due_on, Bill.number)).all())


def remind(work: Work, project: Project) -> int:
    """Record the reminders due on the project's local date; returns how many."""
    today = work.clock.today(project.timezone or "Asia/Shanghai")
    values = work.settings.values(project.id, on=today)
    found: list[tuple[Bill, FeeAccount, str, date | None, int]] = []

    cash = _open_bills(work, project, BEFORE_DUE, Bill.due_on >= today,
                       Bill.due_on <= today + timedelta(days=values[CASH_REMINDER_DAYS]))
    mandates = bank.active_mandates(work.session, {account.id for _, account in cash})
    found += [(bill, account, BEFORE_DUE, None, (bill.due_on - today).days)
              for bill, account in cash if account.id not in mandates]

    collect_on, period = bank.next_collection(work, project.id, today)
    if today >= collect_on - timedelta(days=values[DEBIT_REMINDER_DAYS]):
        month = work.settings.values(project.id, on=day_in_month(int(period[:4]), int(period[5:7]), 1))
        debit = _open_bills(work, project, BEFORE_DEBIT, Bill.issued_on <= today,
                            Bill.due_on <= due_on(month, period))
        mandates = bank.active_mandates(work.session, {account.id for _, account in debit})
        found += [(bill, account, BEFORE_DEBIT, collect_on, (collect_on - today).days)
                  for bill, account in debit if account.id in mandates]

    now = work.clock.now()
    work.session.add_all([BillReminder(id=str(uuid.uuid4()), group_id=bill.group_id, project_id=bill.project_id,
                                       bill_id=bill.id, account_id=account.id, kind=kind, remind_on=today,
                                       collect_on=collect, recorded_at=now)
                          for bill, account, kind, collect, _ in found])
    work.session.flush()
    for bill, account, kind, collect, days in found:
        work.events.record(events.BILL_REMINDER_DUE, reminder_payload(bill, account, kind, collect, days),
                           group_id=bill.group_id, project_id=bill.project_id)
    return len(found)


def reminder_payload(bill: Bill, account: FeeAccount, kind: str, collect_on: date | None, days: int) -> dict:
    """``bill.reminder_due`` (``events.BillReminder``): platform values only."""
    return {"bill_id": bill.id, "number": bill.number, "account_id": account.id, "unit_id": account.unit_id,
            "unit_label": account.unit_label, "household_id": account.household_id, "group_id": bill.group_id,
            "project_id": bill.project_id, "period": bill.period, "total": money(bill.total),
            "outstanding": money(bill.total) - money(bill.allocated), "due_on": bill.due_on,
            "pays_by": "bank_debit" if kind == BEFORE_DEBIT else "cash", "collect_on": collect_on,
            "kind": kind, "days_before": days}

