"""The per-project figures of the front desk's keys (钥匙, seed 000 §九) and vacant units
(空置房, §十) -- declared here, with no rules imported, so that the tickets' catalogue
(``sla.SETTINGS``) can list them without an import cycle. Defaults are DOMAIN.md's."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import ValidationError, fields
from marshmallow.validate import Length, Range, Regexp

from kernel.money import Money
from kernel.settings import Setting

KEY_RETURN_BY = "keys.return_by"
KEY_SPOT_CHECK_DAY = "keys.spot_check_day"
KEY_STOCK_CHECK_DAY = "keys.stock_check_day"
#: the deposit (确保金) a borrower who returned a key late before leaves on their next loan
KEY_LATE_DEPOSIT = "keys.late_deposit"
#: a loan's borrower's whole phone is read (logged) while the loan is open and this many days after it ended
KEY_PHONE_READABLE_DAYS = "keys.phone_readable_days"
#: a late borrower's kept deposit: the CS manager decides (release or forfeit) within this many days
KEY_DEPOSIT_DECISION_DAYS = "keys.deposit_decision_days"
VACANT_REGISTER_BY_DAY = "vacant.register_by_day"
VACANT_CHECK_BY_DAY = "vacant.check_by_day"
VACANT_REPORT_BY_DAY = "vacant.report_by_day"
#: a unit put on the register late (its check's day near or past) is checked within this many working
#: days of being registered (the day of registration not counted), its report as many days after that
#: as the month's report day follows the check day
VACANT_LATE_CHECK_WORKING_DAYS = "vacant.late_check_working_days"

# -- the care of vacant units (空置房保养, seed 000 §十.6-8): domain/vacant_care.py ----------------
#: the cleaning department cleans each vacant unit once a month, by the end of this day (保洁部每月定期清扫)
VACANT_CLEANING_DAY = "vacant.cleaning_day"
#: the months of summer (开窗通风、散热) and of winter (防寒防冻); the other months are mild
VACANT_SUMMER_MONTHS = "vacant.summer_months"
VACANT_WINTER_MONTHS = "vacant.winter_months"
#: summer: each vacant unit aired (开窗通风、散热) once every N days
VACANT_AIRING_EVERY_DAYS = "vacant.airing_every_days"
#: the mild months (spring, autumn): aired once every N days (0: no airing round)
VACANT_MILD_AIRING_EVERY_DAYS = "vacant.mild_airing_every_days"
#: winter: each vacant unit's frost protection checked (防寒防冻: windows shut, pipes, heating) once every N days
VACANT_FROST_CHECK_EVERY_DAYS = "vacant.frost_check_every_days"
VACANT_CARE_DEFAULTS = {VACANT_SUMMER_MONTHS: [6, 7, 8, 9], VACANT_WINTER_MONTHS: [11, 12, 1, 2]}

#: the month's vacant-unit days in their order: register < check < report (a report due before its
#: check, or a register due after the checks it lists, is refused: 422 ``settings_inconsistent``)
VACANT_DAYS_IN_ORDER = (VACANT_REGISTER_BY_DAY, VACANT_CHECK_BY_DAY, VACANT_REPORT_BY_DAY)
VACANT_DAY_DEFAULTS = {VACANT_REGISTER_BY_DAY: 5, VACANT_CHECK_BY_DAY: 10, VACANT_REPORT_BY_DAY: 12}


def check(values: dict) -> str | None:
    """The settings agree (the tickets' catalogue consistency hook): the month's register is due
    before the checks, the checks before their report to the owner (5th < 10th < 12th); no month is
    both summer and winter for the vacant units' care."""
    days = [values.get(key, VACANT_DAY_DEFAULTS[key]) for key in VACANT_DAYS_IN_ORDER]
    if not days[0] < days[1] < days[2]:
        shown = ", ".join(f"{key} = {day}" for key, day in zip(VACANT_DAYS_IN_ORDER, days))
        return (f"空置房登记日须早于检查日，检查日须早于告知业主日（登记 {days[0]} 日、检查 {days[1]} 日、告知 {days[2]} 日）"
                f" (the register day must come before the check day and the check day before the report day: "
                f"{shown})")
    summer = values.get(VACANT_SUMMER_MONTHS, VACANT_CARE_DEFAULTS[VACANT_SUMMER_MONTHS])
    winter = values.get(VACANT_WINTER_MONTHS, VACANT_CARE_DEFAULTS[VACANT_WINTER_MONTHS])
    both = sorted(set(summer) & set(winter))
    if both:
        return (f"同一月份不能既是夏季又是冬季（{'、'.join(f'{m}月' for m in both)}）"
                f" (a month cannot be both summer and winter for the vacant units' care: "
                f"{VACANT_SUMMER_MONTHS} and {VACANT_WINTER_MONTHS} share {both})")
    return None


def _months_once(value: list) -> None:
    if len(set(value)) != len(value):
        raise ValidationError("each month once")


_MONTHS = fields.List(fields.Integer(strict=True, validate=Range(1, 12)), validate=[Length(max=12), _months_once])
_DAY = fields.Integer(strict=True, validate=Range(1, 28))

SETTINGS = [
    Setting(KEY_RETURN_BY, fields.String(validate=Regexp(r"([01][0-9]|2[0-3]):[0-5][0-9]\Z",
                                                         error="a local time HH:MM")),
            default="18:00", unit="HH:MM",
            doc="a lent key returns the same day by this local time (钥匙借用当日归还); later: one alert, "
                "and the borrower leaves a deposit next time"),
    Setting(KEY_SPOT_CHECK_DAY, _DAY, default=25, unit="day of month",
            doc="the customer-service manager spot-checks the key store by the end of this day each month "
                "(客服部经理每月25日抽查)"),
    Setting(KEY_STOCK_CHECK_DAY, fields.Integer(strict=True, validate=Range(0, 28)), default=20,
            unit="day of month (0: the last day)",
            doc="the front desk counts the key store by the end of this day each month (钥匙每月盘点); "
                "the default, 20, ends DOMAIN.md's 11th-20th window for the monthly key check (001); "
                "0 is the month's last day"),
    Setting(KEY_LATE_DEPOSIT, Money(positive=True), default=Decimal("200.00"), unit="yuan",
            doc="the deposit (钥匙押金 / 确保金) a borrower who returned a key late before leaves on the next "
                "loan, held by billing (purpose key) before the loan is approved and given back when the key "
                "returns in time (seed 000 §九.5.5 gives no figure: 200.00 by default)"),
    Setting(KEY_PHONE_READABLE_DAYS, fields.Integer(strict=True, validate=Range(1, 3650)), default=30, unit="days",
            doc="the desk reads a borrower's whole phone (a logged read) while the loan is open -- a borrower who "
                "has not returned the key stays reachable -- and for this many days after the key came back or "
                "the loan was refused; later only masked (410 phone_no_longer_readable)"),
    Setting(KEY_DEPOSIT_DECISION_DAYS, fields.Integer(strict=True, validate=Range(1, 30)), default=3, unit="days",
            doc="a borrower late again: the deposit kept on the loan waits for the CS manager's (or the centre "
                "manager's) decision -- given back or forfeited to income -- on a task due within these days "
                "(our default: the seed gives no figure)"),
    Setting(VACANT_REGISTER_BY_DAY, _DAY, default=VACANT_DAY_DEFAULTS[VACANT_REGISTER_BY_DAY], unit="day of month",
            doc="the month's vacant-unit register (空置房登记表) is updated by the end of this day"),
    Setting(VACANT_CHECK_BY_DAY, _DAY, default=VACANT_DAY_DEFAULTS[VACANT_CHECK_BY_DAY], unit="day of month",
            doc="each vacant unit is checked by the end of this day of the month (空置房每月检查)"),
    Setting(VACANT_REPORT_BY_DAY, _DAY, default=VACANT_DAY_DEFAULTS[VACANT_REPORT_BY_DAY], unit="day of month",
            doc="the month's check result is sent to the owner by the end of this day (检查结果告知业主)"),
    Setting(VACANT_LATE_CHECK_WORKING_DAYS, fields.Integer(strict=True, validate=Range(1, 20)), default=3,
            unit="working days",
            doc="a unit added to the register late is checked by the end of this many working days after the "
                "day it is registered, when that is later than vacant.check_by_day (its report keeps the "
                "month's gap after it): a late addition does not start breached"),
    Setting(VACANT_CLEANING_DAY, _DAY, default=15, unit="day of month",
            doc="the cleaning department (保洁部) cleans each vacant unit once a month by the end of this day "
                "(空置房每月定期清扫, 000 §十.8; the seed names no day: ours, after the check of the 10th)"),
    Setting(VACANT_SUMMER_MONTHS, _MONTHS, default=list(VACANT_CARE_DEFAULTS[VACANT_SUMMER_MONTHS]),
            unit="months (1-12)",
            doc="the summer months: vacant units are aired and cooled (开窗通风、散热, 000 §十.6) every "
                "vacant.airing_every_days days; never a winter month (422 settings_inconsistent)"),
    Setting(VACANT_WINTER_MONTHS, _MONTHS, default=list(VACANT_CARE_DEFAULTS[VACANT_WINTER_MONTHS]),
            unit="months (1-12)",
            doc="the winter months: each vacant unit's frost protection is checked (防寒防冻) every "
                "vacant.frost_check_every_days days; the months in neither list are mild"),
    Setting(VACANT_AIRING_EVERY_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=7, unit="days",
            doc="summer: each vacant unit is aired once in every period of N days (the periods start on the "
                "season's first day), by the period's end"),
    Setting(VACANT_MILD_AIRING_EVERY_DAYS, fields.Integer(strict=True, validate=Range(0, 31)), default=14,
            unit="days (0: none)",
            doc="the mild months (neither summer nor winter): aired once in every period of N days; 0 = no airing"),
    Setting(VACANT_FROST_CHECK_EVERY_DAYS, fields.Integer(strict=True, validate=Range(1, 31)), default=7,
            unit="days",
            doc="winter: each vacant unit's frost protection (windows shut, water pipes, heating; drying against "
                "mould when needed) is checked once in every period of N days, by the period's end"),
]
