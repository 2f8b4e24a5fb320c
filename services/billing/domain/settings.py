"""billing's per-project settings (kernel.settings), each with the brief's default (DOMAIN.md
"Billing and dunning", seed 004): the dates of the monthly cycle and the move-in prepayment.

Fee *prices* are not settings: they are the project's fee schedule (``domain/schedule.py``,
收费标准), effective-dated rows per item and unit usage that every bill line names.

A day of the month past the month's end (the 31st in April) means the month's last day.
"""
from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from marshmallow import fields
from marshmallow.validate import Range

from kernel.calendar import CALENDAR_SETTINGS
from kernel.money import Money
from kernel.validators import AtMostPlaces, StrictBoolean
from kernel.settings import ProjectSettingsRules, Setting, SettingsCatalogue
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import ProjectNotFound
from ..models import Project

BILL_DAY = "billing.bill_day"
NOTICE_DAY = "billing.notice_day"
DUE_DAY = "billing.due_day"
FIRST_COLLECTION_DAY = "billing.first_collection_day"
SECOND_COLLECTION_DAY = "billing.second_collection_day"
CASH_REMINDER_DAYS = "billing.cash_reminder_days_before"
DEBIT_REMINDER_DAYS = "billing.debit_reminder_days_before"
PREPAY_MONTHS = "billing.prepay_months"
# -- payments (payments helper): domain/payments.py, online.py, deposits.py, refunds.py --
PAYMENT_CEILING = "billing.payment_ceiling"
ONLINE_QUERY_AFTER = "billing.online_query_after_minutes"
ONLINE_EXPIRE = "billing.online_expire_minutes"
# -- dunning (催费, seed 004): domain/dunning.py and its companions --
FIRST_NOTICE_DAY = "dunning.first_notice_day"
SECOND_NOTICE_DAY = "dunning.second_notice_day"
FINAL_NOTICE_DAY = "dunning.final_notice_day"
PAY_WITHIN_DAYS = "dunning.pay_within_days"
LATE_FEE_RATE = "dunning.late_fee_daily_rate"
LATE_FEE_GRACE_DAYS = "dunning.late_fee_grace_days"
LATE_FEE_COMPOUNDS = "dunning.late_fee_compounds"
THRESHOLD = "dunning.threshold"
QUARTER_FOLLOW_UP_DAYS = "dunning.quarter_follow_up_days"
CLASS_B_EVERY_DAYS = "dunning.class_b_every_days"
CLASS_C_EVERY_DAYS = "dunning.class_c_every_days"
CLASS_D_EVERY_DAYS = "dunning.class_d_every_days"
CLASS_E_EVERY_DAYS = "dunning.class_e_every_days"
PROMISE_LONGEST_DAYS = "dunning.promise_longest_days"
DEADLINES_ON_WORKING_DAYS = "dunning.deadlines_on_working_days"
PLAN_LONGEST_MONTHS = "dunning.plan_longest_months"

#: who may change billing's settings: the service-centre manager, finance, the group's admin
SETTING_ROLES = (Role.CENTRE_MANAGER, Role.FINANCE, Role.GROUP_ADMIN)

_DAY = fields.Integer(strict=True, validate=Range(1, 31))


def ladder_in_order(values: dict) -> str | None:
    """The dunning ladder's days come after the due day and after each other (each notice gives
    its days to pay before the next)."""
    days = [(k, values[k]) for k in (DUE_DAY, FIRST_NOTICE_DAY, SECOND_NOTICE_DAY, FINAL_NOTICE_DAY)]
    for (k1, d1), (k2, d2) in zip(days, days[1:]):
        if d2 <= d1:
            return f"{k2} ({d2}) must come after {k1} ({d1}): the due day, then the 1st, 2nd and final notices"
    return None

SETTINGS = SettingsCatalogue("billing", [
    Setting(BILL_DAY, _DAY, default=1, unit="day of month",
            doc="the month's bills are computed on this day (month start)"),
    Setting(NOTICE_DAY, _DAY, default=5, unit="day of month",
            doc="bill notices are printed and sent on this day (收费通知单, the 5th)"),
    Setting(DUE_DAY, _DAY, default=15, unit="day of month",
            doc="the month's bill is due on this day; dunning starts the day after"),
    Setting(FIRST_COLLECTION_DAY, _DAY, default=10, unit="day of month",
            doc="first bank collection (第一次银行托收, the 10th)"),
    Setting(SECOND_COLLECTION_DAY, _DAY, default=21, unit="day of month",
            doc="second bank collection, for what the first did not collect (第二次托收, after the 20th)"),
    Setting(CASH_REMINDER_DAYS, fields.Integer(strict=True, validate=Range(0, 28)), default=10, unit="days",
            doc="SMS reminder this many days before the due date to households paying in cash / at the desk"),
    Setting(DEBIT_REMINDER_DAYS, fields.Integer(strict=True, validate=Range(0, 28)), default=3, unit="days",
            doc="SMS reminder this many days before a bank collection to households with a debit mandate"),
    Setting(PREPAY_MONTHS, fields.Integer(strict=True, validate=Range(0, 24)), default=3, unit="months",
            doc="management fee prepaid at move-in (首期物业管理费, 3 months)"),
    # (the renovation deposit's figure is tickets' ``renovation.deposit``: the renovation asks it in
    # ``renovation.fees_requested`` and the desk's default is that amount -- ``deposits.asked_for_renovation``;
    # ``billing.renovation_deposit`` was removed in 0051's change: values stored before are ignored)
    # -- payments (payments helper) --
    Setting(PAYMENT_CEILING, Money(positive=True), default=Decimal("100000.00"), unit="yuan",
            doc="the most one payment, deposit or refund may be (收款上限; a typo's extra zeros are refused)"),
    Setting(ONLINE_QUERY_AFTER, fields.Integer(strict=True, validate=Range(1, 1440)), default=5, unit="minutes",
            doc="an online payment (WeChat Pay / Alipay) still pending this long is asked about at the provider"),
    Setting(ONLINE_EXPIRE, fields.Integer(strict=True, validate=Range(5, 1440)), default=30, unit="minutes",
            doc="the provider closes an online payment not paid within this many minutes of its start"),
    # -- dunning (催费 ladder, classes, late fee; seed 004) --
    Setting(FIRST_NOTICE_DAY, _DAY, default=16, unit="day of month",
            doc="1st notice (催费通知书) on this day of the bill's due month (the 16th: unpaid after the 15th)"),
    Setting(SECOND_NOTICE_DAY, _DAY, default=24, unit="day of month",
            doc="2nd notice (二次催费通知书) on this day of the due month (the 24th: unpaid after the 23rd)"),
    Setting(FINAL_NOTICE_DAY, _DAY, default=31, unit="day of month",
            doc="final notice (最后催费通知书, with the late fee) on this day of the due month: 31 = "
                "after the 30th; a day the month does not have means the next month's 1st"),
    Setting(PAY_WITHIN_DAYS, fields.Integer(strict=True, validate=Range(1, 60)), default=7, unit="days",
            doc="each notice asks for payment within this many days (7)"),
    Setting(LATE_FEE_RATE, fields.Decimal(as_string=True, validate=[Range(Decimal("0"), Decimal("0.01")),
                                                                    AtMostPlaces(6)]),
            default=Decimal("0.0005"), unit="per day",
            doc="late fee (滞纳金) per day on the overdue principal after the final notice's deadline "
                "(0.0005 = 0.05%/day; 0 = none)"),
    Setting(LATE_FEE_GRACE_DAYS, fields.Integer(strict=True, validate=Range(0, 365)), default=0, unit="days",
            doc="days after the final notice's deadline before the late fee starts"),
    Setting(LATE_FEE_COMPOUNDS, StrictBoolean(), default=False, unit="yes/no",
            doc="whether unpaid late fees themselves bear a late fee (off: the fee is on fees, never on fees)"),
    Setting(THRESHOLD, Money(positive=True), default=Decimal("0.01"), unit="yuan",
            doc="the ladder runs for an account only while at least this much is overdue (the brief sets "
                "none: every fen)"),
    Setting(QUARTER_FOLLOW_UP_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=7, unit="days",
            doc="accounts in arrears over one quarter are followed up this often (7)"),
    Setting(CLASS_B_EVERY_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=1, unit="days",
            doc="class B (unclear / no answer): a call and a door notice this often (daily)"),
    Setting(CLASS_C_EVERY_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=7, unit="days",
            doc="class C (unreachable): a visit, a door notice and a search for a new contact this often"),
    Setting(CLASS_D_EVERY_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=1, unit="days",
            doc="class D (away): a call guiding to remote payment this often (daily)"),
    Setting(CLASS_E_EVERY_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=7, unit="days",
            doc="class E (refuses): the steward's follow-up this often, after the CS supervisor is told"),
    Setting(PROMISE_LONGEST_DAYS, fields.Integer(strict=True, validate=Range(1, 365)), default=30, unit="days",
            doc="a household's promise (class A, 近期缴纳类: paying soon) is for a day at most this far ahead; "
                "a later one is an installment plan's matter"),
    Setting(PLAN_LONGEST_MONTHS, fields.Integer(strict=True, validate=Range(1, 60)), default=12, unit="months",
            doc="an installment plan's (分期缴纳) last instalment is due at most this many months after it is "
                "agreed (the ladder waits while it is honoured)"),
    Setting(DEADLINES_ON_WORKING_DAYS, StrictBoolean(), default=False, unit="yes/no",
            doc="a notice's deadline (pay within 7 days) that falls on a day the office is closed by the "
                "project's calendar (calendar.*: China's holidays, the weekend) moves to the next working "
                "day, and the late fee with it (off: calendar days, the brief's; online payment is open every day)"),
] + CALENDAR_SETTINGS, checks=[ladder_in_order])


def day_in_month(year: int, month: int, day: int) -> date:
    """The ``day`` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return day_in_month(year, month, day.day)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_start(period: str) -> date:
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1)


def month_end(period: str) -> date:
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(period: str, n: int) -> str:
    year, month = int(period[:4]), int(period[5:7]) - 1 + n
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def due_on(values: dict, period: str) -> date:
    """The due date of the bill of ``period`` (YYYY-MM)."""
    start = month_start(period)
    return day_in_month(start.year, start.month, values[DUE_DAY])


def next_due_date(values: dict, day: date) -> date:
    """The first due day on or after ``day`` (a one-off charge is due with the monthly cycle)."""
    this = due_on(values, month_of(day))
    return this if this >= day else due_on(values, add_months(month_of(day), 1))


# -- billrun: the cycle's dates of a month ----------------------------------------------------

def bill_date(values: dict, period: str) -> date:
    """The day the bills of ``period`` are computed and issued on (``billing.bill_day``)."""
    start = month_start(period)
    return day_in_month(start.year, start.month, values[BILL_DAY])


# -- the settings RPCs (kernel.settings_rpc.SettingsRpcs) ----------------------------------

def project_in_scope(work: Work, project_id: str) -> Project:
    """The project if it is in the caller's scope (404 like a missing one otherwise)."""
    project = work.session.get(Project, project_id)
    not_found = ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise not_found
    work.caller.require_project(project.group_id, project.id, not_found=not_found)
    return project


#: get_settings / set_setting / settings_history (kernel.settings_rpc.SettingsRpcs asks them)
RULES = ProjectSettingsRules(project_in_scope, SETTING_ROLES)
get_settings, set_setting, settings_history = RULES.get_settings, RULES.set_setting, RULES.settings_history
