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

from kernel.money import Money
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
RENOVATION_DEPOSIT = "billing.renovation_deposit"
# -- payments (payments helper): domain/payments.py, online.py, deposits.py, refunds.py --
PAYMENT_CEILING = "billing.payment_ceiling"
ONLINE_QUERY_AFTER = "billing.online_query_after_minutes"
ONLINE_EXPIRE = "billing.online_expire_minutes"

#: who may change billing's settings: the service-centre manager, finance, the group's admin
SETTING_ROLES = (Role.CENTRE_MANAGER, Role.FINANCE, Role.GROUP_ADMIN)

_DAY = fields.Integer(strict=True, validate=Range(1, 31))

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
    Setting(RENOVATION_DEPOSIT, Money(positive=True, allow_none=True), default=None, unit="yuan",
            doc="renovation deposit per unit (装修保证金, 元/户; the seed leaves the figure to the project: "
                "none until set)"),
    # -- payments (payments helper) --
    Setting(PAYMENT_CEILING, Money(positive=True), default=Decimal("100000.00"), unit="yuan",
            doc="the most one payment, deposit or refund may be (收款上限; a typo's extra zeros are refused)"),
    Setting(ONLINE_QUERY_AFTER, fields.Integer(strict=True, validate=Range(1, 1440)), default=5, unit="minutes",
            doc="an online payment (WeChat Pay / Alipay) still pending this long is asked about at the provider"),
    Setting(ONLINE_EXPIRE, fields.Integer(strict=True, validate=Range(5, 1440)), default=30, unit="minutes",
            doc="the provider closes an online payment not paid within this many minutes of its start"),
])


def day_in_month(year: int, month: int, day: int) -> date:
    """The ``day`` of the month, or its last day when the month is shorter."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


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
