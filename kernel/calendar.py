"""Working days (工作日): which days a project's office works, and "N working days after".

China's statutory holidays *and* its make-up working days (调休, a Saturday or Sunday that
is worked) come from the ``holidays`` library (``holidays.China``); a project chooses its
weekend and may add its own closed days or extra working days -- each a per-project
setting (:data:`CALENDAR_SETTINGS`, put them in the service's catalogue)::

    SETTINGS = SettingsCatalogue("tickets", [...] + CALENDAR_SETTINGS)
    cal = WorkingCalendar.from_settings(work.settings.values(project_id), project.timezone)
    cal.add_working_days(received_at, 1)      # "within 1 working day"

**What "within N working days" means here.** From a moment on a working day, the same local
time N working days later (Friday 15:00 + 1 → Monday 15:00, or the Tuesday after a Monday
holiday). From a moment on a day off, the count starts at the beginning of the next working
day, so "+1" is the end of that day (Saturday 10:00 + 1 → Tuesday 00:00, the end of Monday).
Minute and hour clocks (a repair's 15 minutes) are not working-time clocks: the service
centre is staffed around the clock; only the clocks a setting states in working days use this.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from marshmallow import fields, validate

from .settings import Setting

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOLIDAYS, WEEKEND, EXTRA_HOLIDAYS, EXTRA_WORKDAYS = (
    "calendar.holidays", "calendar.weekend", "calendar.extra_holidays", "calendar.extra_workdays")
#: the calendars a project may follow: China's statutory holidays with make-up days, or none
HOLIDAY_SETS = ("cn", "none")

#: the per-project calendar settings (add them to a service's SettingsCatalogue)
CALENDAR_SETTINGS = [
    Setting(HOLIDAYS, fields.String(validate=validate.OneOf(HOLIDAY_SETS)), default="cn",
            doc="public holidays: cn = China's statutory holidays and make-up working days "
                "(调休); none = weekends only"),
    Setting(WEEKEND, fields.List(fields.String(validate=validate.OneOf(DAY_NAMES)),
                                 validate=validate.Length(max=6)),
            default=["sat", "sun"], unit="days of the week",
            doc="the office's days off each week (a make-up working day of the holiday "
                "calendar still counts as worked)"),
    Setting(EXTRA_HOLIDAYS, fields.List(fields.Date(), validate=validate.Length(max=366)), default=[],
            unit="dates", doc="the project's own closed days besides the holiday calendar"),
    Setting(EXTRA_WORKDAYS, fields.List(fields.Date(), validate=validate.Length(max=366)), default=[],
            unit="dates", doc="days worked although the calendar says otherwise (wins over every rule above)"),
]


@lru_cache(maxsize=64)
def _china(year: int):
    cn = holidays.China(years=year)
    return frozenset(cn), frozenset(getattr(cn, "weekend_workdays", ()))


@dataclass(frozen=True)
class WorkingCalendar:
    """One project's working days, in its local time zone."""

    tz: str = "Asia/Shanghai"
    holiday_set: str = "cn"
    weekend: frozenset = frozenset({5, 6})          # date.weekday(): 5 = Saturday
    extra_holidays: frozenset = field(default_factory=frozenset)
    extra_workdays: frozenset = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, values: dict, tz: str = "Asia/Shanghai") -> "WorkingCalendar":
        """From a project's loaded settings (``work.settings.values(project_id)``)."""
        return cls(tz=tz, holiday_set=values.get(HOLIDAYS, "cn"),
                   weekend=frozenset(DAY_NAMES.index(d) for d in values.get(WEEKEND, ["sat", "sun"])),
                   extra_holidays=frozenset(values.get(EXTRA_HOLIDAYS) or ()),
                   extra_workdays=frozenset(values.get(EXTRA_WORKDAYS) or ()))

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        if self.holiday_set == "cn":
            statutory, make_up = _china(day.year)
            if day in make_up:
                return True
            if day in statutory:
                return False
        return day.weekday() not in self.weekend

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        day += timedelta(days=1)
        for _ in range(400):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no working day within 400 days: the calendar settings close every day")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """``start`` + ``days`` working days (see the module's doc), as an aware UTC-comparable time."""
        if start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        zone = ZoneInfo(self.tz)
        local = start.astimezone(zone)
        day, at = local.date(), local.time().replace(tzinfo=None)
        if not self.is_working_day(day):
            day, at = self.next_working_day(day), time(0)
        for _ in range(days):
            day = self.next_working_day(day)
        return datetime.combine(day, at, tzinfo=zone)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in ``first`` .. ``last``, both included."""
        n, day = 0, first
        while day <= last:
            n += self.is_working_day(day)
            day += timedelta(days=1)
        return n
