"""The per-project figures of the front desk's keys (钥匙, seed 000 §九) and vacant units
(空置房, §十) -- declared here, with no rules imported, so that the tickets' catalogue
(``sla.SETTINGS``) can list them without an import cycle. Defaults are DOMAIN.md's."""
from __future__ import annotations

from marshmallow import fields
from marshmallow.validate import Range, Regexp

from kernel.settings import Setting

KEY_RETURN_BY = "keys.return_by"
KEY_SPOT_CHECK_DAY = "keys.spot_check_day"
KEY_STOCK_CHECK_DAY = "keys.stock_check_day"
VACANT_REGISTER_BY_DAY = "vacant.register_by_day"
VACANT_CHECK_BY_DAY = "vacant.check_by_day"
VACANT_REPORT_BY_DAY = "vacant.report_by_day"
#: a unit put on the register late (its check's day near or past) is checked within this many working
#: days of being registered (the day of registration not counted), its report as many days after that
#: as the month's report day follows the check day
VACANT_LATE_CHECK_WORKING_DAYS = "vacant.late_check_working_days"

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
    Setting(KEY_STOCK_CHECK_DAY, fields.Integer(strict=True, validate=Range(0, 28)), default=0,
            unit="day of month (0: the last day)",
            doc="the front desk counts the key store by the end of this day each month (钥匙每月盘点); "
                "0, the default, is the month's last day"),
    Setting(VACANT_REGISTER_BY_DAY, _DAY, default=5, unit="day of month",
            doc="the month's vacant-unit register (空置房登记表) is updated by the end of this day"),
    Setting(VACANT_CHECK_BY_DAY, _DAY, default=10, unit="day of month",
            doc="each vacant unit is checked by the end of this day of the month (空置房每月检查)"),
    Setting(VACANT_REPORT_BY_DAY, _DAY, default=12, unit="day of month",
            doc="the month's check result is sent to the owner by the end of this day (检查结果告知业主)"),
    Setting(VACANT_LATE_CHECK_WORKING_DAYS, fields.Integer(strict=True, validate=Range(1, 20)), default=3,
            unit="working days",
            doc="a unit added to the register late is checked by the end of this many working days after the "
                "day it is registered, when that is later than vacant.check_by_day (its report keeps the "
                "month's gap after it): a late addition does not start breached"),
]
