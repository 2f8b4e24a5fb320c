"""kernel.calendar: China's holidays and make-up days, a project's weekend and own days, and
"N working days after" -- the figures of real 2026 dates."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from kernel.calendar import CALENDAR_SETTINGS, WorkingCalendar
from kernel.settings import SettingsCatalogue

SH = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=SH)


cn = WorkingCalendar()


def test_statutory_holidays_and_make_up_days_of_2026():
    assert not cn.is_working_day(date(2026, 10, 1))          # National Day
    assert not cn.is_working_day(date(2026, 10, 7))
    assert cn.is_working_day(date(2026, 10, 10))             # a Saturday worked (调休)
    assert cn.is_working_day(date(2026, 9, 20))              # a Sunday worked
    assert not cn.is_working_day(date(2026, 11, 28))         # an ordinary Saturday
    assert cn.is_working_day(date(2026, 11, 27))             # an ordinary Friday


def test_one_working_day_from_a_weekday_is_the_same_time_next_working_day():
    assert cn.add_working_days(at(2026, 11, 24, 15), 1) == at(2026, 11, 25, 15)
    assert cn.add_working_days(at(2026, 11, 27, 15), 1) == at(2026, 11, 30, 15)     # Friday -> Monday


def test_from_a_day_off_the_count_starts_with_the_next_working_day():
    # Saturday 10:00 + 1 working day = the end of Monday
    assert cn.add_working_days(at(2026, 11, 28, 10), 1) == at(2026, 12, 1, 0)


def test_the_national_day_holiday_is_skipped_and_the_make_up_saturday_counts():
    # 30 September (Wednesday) + 1 -> 8 October? No: 1-7 October are off, the 8th is worked
    assert cn.add_working_days(at(2026, 9, 30, 16), 1) == at(2026, 10, 8, 16)
    # 9 October (Friday) + 1 -> Saturday 10 October, a make-up working day
    assert cn.add_working_days(at(2026, 10, 9, 11), 1) == at(2026, 10, 10, 11)


def test_the_times_are_the_projects_local_time_whatever_zone_the_start_is_in():
    utc = datetime(2026, 11, 27, 7, 0, tzinfo=ZoneInfo("UTC"))          # Friday 15:00 in Shanghai
    assert cn.add_working_days(utc, 1) == at(2026, 11, 30, 15)
    urumqi = WorkingCalendar(tz="Asia/Urumqi")                          # 13:00 there, still Friday
    assert urumqi.add_working_days(utc, 1) == datetime(2026, 11, 30, 13, tzinfo=ZoneInfo("Asia/Urumqi"))


def test_a_projects_settings_change_its_weekend_and_days():
    catalogue = SettingsCatalogue("t", CALENDAR_SETTINGS)
    values = {s.key: s.default for s in catalogue}
    values.update({"calendar.weekend": ["sun"], "calendar.holidays": "none",
                   "calendar.extra_holidays": [date(2026, 11, 30)],
                   "calendar.extra_workdays": [date(2026, 11, 29)]})
    six_days = WorkingCalendar.from_settings(values, "Asia/Shanghai")
    assert six_days.is_working_day(date(2026, 11, 28))                  # Saturday worked there
    assert six_days.is_working_day(date(2026, 11, 29))                  # the extra working Sunday
    assert not six_days.is_working_day(date(2026, 11, 30))              # the project's own closed day
    assert six_days.is_working_day(date(2026, 10, 1))                   # no statutory calendar
    assert six_days.working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 7


def test_the_settings_load_what_they_dump():
    catalogue = SettingsCatalogue("t", CALENDAR_SETTINGS)
    weekend = catalogue.setting("calendar.weekend")
    assert weekend.load(["sat"]) == ["sat"]
    with pytest.raises(Exception):
        weekend.load(["saturday"])
    days = catalogue.setting("calendar.extra_holidays")
    assert days.load(["2026-12-31"]) == [date(2026, 12, 31)]


def test_a_calendar_with_no_working_day_is_refused_not_looped_forever():
    closed = WorkingCalendar(weekend=frozenset(range(7)), holiday_set="none")
    with pytest.raises(ValueError):
        closed.add_working_days(at(2026, 11, 24), 1)
