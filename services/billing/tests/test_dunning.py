"""The dunning ladder's rules (domain/dunning.py): its dates in short months, the daily sweep's
stages and notices, the late fee, the payment that stops it at once."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from services.billing.domain import dunning, journal, settings as s
from kernel.testing import outbox_events
from services.billing.models import Base, Bill, BillLine, DunningCase, DunningLogEntry, DunningNotice, Project

from .support import DESK, PLATFORM, monthly_bill

DEFAULTS = {setting.key: setting.default for setting in s.SETTINGS}


def at(clock: ManualClock, day: date, hour: int = 8) -> None:
    clock.set(f"{day.isoformat()}T{hour:02d}:00:00+08:00")


@pytest.mark.parametrize("anchor, day, expected", [
    (date(2026, 1, 15), 16, date(2026, 1, 16)),
    (date(2026, 1, 15), 24, date(2026, 1, 24)),
    (date(2026, 1, 15), 31, date(2026, 1, 31)),     # 31 days: the 31st
    (date(2026, 4, 15), 31, date(2026, 5, 1)),      # 30 days: the next month's 1st
    (date(2026, 2, 15), 31, date(2026, 3, 1)),      # February
    (date(2028, 2, 15), 31, date(2028, 3, 1)),      # February of a leap year: still 1 March
    (date(2028, 2, 15), 30, date(2028, 3, 1)),
    (date(2028, 2, 15), 29, date(2028, 2, 29)),     # the 29th exists in a leap year ...
    (date(2027, 2, 15), 29, date(2027, 3, 1)),      # ... and not in 2027
    (date(2026, 12, 15), 31, date(2026, 12, 31)),
    (date(2026, 11, 15), 31, date(2026, 12, 1)),
    (date(2026, 12, 20), 16, date(2026, 12, 21)),   # due later than the due day: +1 day from it
    (date(2026, 12, 20), 24, date(2026, 12, 29)),   # the due day's distances (24 - 15 = 9 days)
])
def test_ladder_days_in_short_months(anchor, day, expected):
    assert dunning.ladder_day(anchor, day, 15) == expected


def test_the_ladder_of_a_bill_due_on_15_january():
    steps = dunning.ladder(DEFAULTS, date(2026, 1, 15))
    assert (steps.first, steps.second, steps.final) == (date(2026, 1, 16), date(2026, 1, 24), date(2026, 1, 31))
    assert steps.pay_by("final") == date(2026, 2, 7)
    assert steps.fee_from == date(2026, 2, 8)
    assert [steps.stage_on(date(2026, 1, d)) for d in (15, 16, 23, 24, 30, 31)] == [
        "none", "first", "first", "second", "second", "final"]
    assert steps.stage_on(date(2026, 2, 7)) == "final" and steps.stage_on(date(2026, 2, 8)) == "late"


def test_a_february_bill_gets_its_final_notice_on_1_march():
    steps = dunning.ladder(DEFAULTS, date(2026, 2, 15))
    assert (steps.first, steps.second, steps.final) == (date(2026, 2, 16), date(2026, 2, 24), date(2026, 3, 1))
    assert steps.fee_from == date(2026, 3, 9)


def test_the_late_fee_is_exact_and_per_bill():
    base = {date(2026, 1, 15): Decimal("100.00"), date(2026, 2, 15): Decimal("33.33")}
    # 8 Feb .. 28 Feb: 21 days of the January bill; the February bill bears none before 9 March
    assert dunning.late_fee_days(DEFAULTS, base, date(2026, 2, 1), date(2026, 2, 28)) == Decimal("1.0500")
    # 1 .. 10 March: 10 days of 100.00, 2 days (9, 10) of 33.33 -- exactly, not rounded per day
    assert dunning.late_fee_days(DEFAULTS, base, date(2026, 3, 1), date(2026, 3, 10)) == Decimal("0.533330")
    assert dunning.late_fee_days(dict(DEFAULTS, **{s.LATE_FEE_RATE: Decimal("0")}), base,
                                 date(2026, 3, 1), date(2026, 3, 10)) == 0


def _sweep_days(as_, clock, first: date, last: date):
    day = first
    while day <= last:
        at(clock, day)
        w = as_(PLATFORM)
        dunning.sweep(w, w.session.get(Project, "p1"))
        w.session.commit()
        day += timedelta(days=1)


def test_an_account_climbs_the_ladder_and_bears_the_late_fee(session, clock, estate, as_):
    at(clock, date(2026, 1, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    _sweep_days(as_, clock, date(2026, 1, 15), date(2026, 2, 28))
    notices = session.scalars(select(DunningNotice).order_by(DunningNotice.notice_on)).all()
    assert [(n.stage, n.notice_on, n.pay_by) for n in notices] == [
        ("first", date(2026, 1, 16), date(2026, 1, 23)),
        ("second", date(2026, 1, 24), date(2026, 1, 31)),
        ("final", date(2026, 1, 31), date(2026, 2, 7))]
    sent = [e["data"] for e in outbox_events(session, Base) if e["type"] == "dunning.notice_due"]
    assert [e["stage"] for e in sent] == ["first", "second", "final"]
    final = sent[-1]
    assert (final["unit_label"], final["overdue"], final["late_fee"], final["pay_by"], final["oldest_due_on"]) == (
        "1栋-u1", "100.00", "0.00", "2026-02-07", "2026-01-15")
    # the final notice warns of the fee: 0.05% a day from the day after its deadline
    assert (final["late_fee_daily_rate"], final["late_fee_from"]) == ("0.0005", "2026-02-08")
    case = session.scalar(select(DunningCase))
    assert case.stage == "late" and case.stage_on == date(2026, 2, 8)
    # 8..28 February: 21 days x 100.00 x 0.05% = 1.05, billed on the month's last day
    fee = session.scalar(select(Bill).where(Bill.kind == "late_fee"))
    assert fee.total == Decimal("1.05") and fee.issued_on == date(2026, 2, 28)
    assert case.late_fee_billed == Decimal("1.05")
    assert session.scalars(select(BillLine.detail).where(BillLine.bill_id == fee.id)).all() == [
        "0.05%/日 至 2026-02-28"]


def test_two_sweeps_on_one_day_give_one_notice(session, clock, estate, as_):
    at(clock, date(2026, 1, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    at(clock, date(2026, 1, 16))
    for _ in range(2):
        w = as_(PLATFORM)
        dunning.sweep(w, w.session.get(Project, "p1"))
        session.commit()
    assert session.query(DunningNotice).count() == 1


def test_a_payment_stops_the_ladder_at_once_and_bills_the_fee(session, clock, estate, as_):
    at(clock, date(2026, 1, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    _sweep_days(as_, clock, date(2026, 1, 16), date(2026, 2, 12))   # 8..12 Feb: 5 days, 0.25
    at(clock, date(2026, 2, 12), 15)
    w = as_(DESK)
    journal.receive(w, estate["u1"], amount=Decimal("100.00"), book="cash", occurred_on=date(2026, 2, 12),
                    description="物业费", ref_type="payment", ref_id="pay-1")
    session.commit()
    case = session.scalar(select(DunningCase))
    assert case.status == "closed" and case.close_reason == "settled"
    fee = session.scalar(select(Bill).where(Bill.kind == "late_fee"))
    assert fee.total == Decimal("0.25") and fee.due_on == date(2026, 2, 15)
    assert [e.kind for e in session.scalars(select(DunningLogEntry).order_by(DunningLogEntry.recorded_at))][-1] \
        == "closed"
    _sweep_days(as_, clock, date(2026, 2, 13), date(2026, 2, 14))
    assert session.query(DunningNotice).count() == 3          # nothing more
    assert session.query(DunningCase).filter_by(status="open").count() == 0


def test_the_row_by_row_sweep_makes_the_same_notices(session, clock, estate, as_):
    at(clock, date(2026, 1, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    for day in (date(2026, 1, 16), date(2026, 1, 24), date(2026, 2, 10)):
        at(clock, day)
        w = as_(PLATFORM)
        dunning.sweep_rows(w, w.session.get(Project, "p1"))
        session.commit()
    assert [n.stage for n in session.scalars(select(DunningNotice).order_by(DunningNotice.notice_on))] == [
        "first", "second", "final"]
    case = session.scalar(select(DunningCase))
    # jumped from second to late on 10 Feb (no sweep between): the final notice goes out then, and its
    # 7 days count -- no fee before 18 Feb, although the ladder's dates alone would say 8 Feb
    assert case.stage == "late" and case.late_fee_accrued == 0 and case.late_fee_from == date(2026, 2, 18)


def test_a_case_that_opens_late_starts_at_the_first_notice_and_charges_no_fee_before_its_final(
        session, clock, estate, as_):
    """An opening balance of 300.00 due 15 June, brought in on 20 Nov (a site moving onto Wuye). Its
    case opens in the sweep of 24 Nov and starts its ladder then -- anchor 23 Nov, off the due day, so
    the due day's distances: 1st notice 24 Nov, 2nd 2 Dec (+9), final 9 Dec (+16), pay by 16 Dec --
    never straight at the final notice. The fee runs from 17 Dec, not from June's own deadline:
    17..20 Dec = 4 days x 300.00 x 0.05% = 0.60."""
    from .support import issue
    at(clock, date(2026, 11, 20), 10)
    issue(as_(PLATFORM), estate["u1"], "300.00", issued_on=date(2026, 6, 1), due_on=date(2026, 6, 15),
          source_id="carried", kind="opening")
    session.commit()
    for day in (date(2026, 11, 24), date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 20)):
        _sweep_days(as_, clock, day, day)
    case = session.scalar(select(DunningCase))
    assert (case.anchor_due_on, case.oldest_due_on, case.stage) == (date(2026, 11, 23), date(2026, 6, 15), "late")
    notices = session.scalars(select(DunningNotice).order_by(DunningNotice.notice_on)).all()
    assert [(n.stage, n.notice_on, n.pay_by) for n in notices] == [
        ("first", date(2026, 11, 24), date(2026, 12, 1)),
        ("second", date(2026, 12, 2), date(2026, 12, 9)),
        ("final", date(2026, 12, 9), date(2026, 12, 16))]
    final = [e["data"] for e in outbox_events(session, Base) if e["type"] == "dunning.notice_due"][-1]
    assert (final["stage"], final["late_fee"], final["late_fee_from"]) == ("final", "0.00", "2026-12-17")
    assert case.late_fee_accrued == Decimal("0.60")


def test_the_ladder_s_days_are_set_in_order(session, clock, estate, as_):
    """The due day, the 1st, 2nd and final notices' days strictly increase: a change that would break
    the order is refused whole (422 settings_inconsistent), one that keeps it is taken."""
    from kernel.settings import SettingsInconsistent

    from .support import CENTRE
    for key, value in ((s.SECOND_NOTICE_DAY, 16), (s.FIRST_NOTICE_DAY, 15), (s.FINAL_NOTICE_DAY, 20),
                       (s.DUE_DAY, 20)):
        with pytest.raises(SettingsInconsistent) as refused:
            s.set_setting(as_(CENTRE), "p1", key, value, reason="试")
        assert refused.value.code == "settings_inconsistent"
        session.rollback()
    s.set_setting(as_(CENTRE), "p1", s.FINAL_NOTICE_DAY, 29, reason="月底")
    session.commit()
    assert as_(CENTRE).settings.values("p1")[s.FINAL_NOTICE_DAY] == 29
    with pytest.raises(SettingsInconsistent):
        s.set_setting(as_(CENTRE), "p1", s.SECOND_NOTICE_DAY, 29, reason="试")
    session.rollback()
    # nothing is quietly rounded or read as true: a rate of 7 places, "yes" for a yes/no
    from kernel.errors import InvalidInput
    for key, value in ((s.LATE_FEE_RATE, "0.000500001"), (s.LATE_FEE_COMPOUNDS, "yes"), (s.LATE_FEE_COMPOUNDS, 1)):
        with pytest.raises(InvalidInput):
            s.set_setting(as_(CENTRE), "p1", key, value, reason="试")
        session.rollback()


def test_nothing_can_suspend_water_or_power():
    words = ("suspend", "cut", "disconnect", "停水", "停电", "断水", "断电")
    assert not [k for k in DEFAULTS if any(w in k for w in words)]
    assert not [st for st in dunning.NOTICE_STAGES + ("late",) if any(w in st for w in words)]


def test_one_day_moves_some_cases_and_leaves_others_as_they_were(session, clock, estate, as_):
    """A day where one case bears its late fee without a new stage and another opens and climbs: the
    sweep's one UPDATE sets the same columns of both (the unchanged ones as they were)."""
    at(clock, date(2026, 1, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    _sweep_days(as_, clock, date(2026, 1, 16), date(2026, 2, 9))           # u1: late since 8 Feb
    at(clock, date(2026, 2, 1))
    monthly_bill(as_(PLATFORM), estate["u2"], "50.00", "2026-02")          # due 15 Feb
    session.commit()
    _sweep_days(as_, clock, date(2026, 2, 10), date(2026, 2, 16))
    cases = {c.account_id: c for c in session.scalars(select(DunningCase))}
    late, new = cases[estate["u1"].id], cases[estate["u2"].id]
    # u1: 8..16 Feb, 9 days x 100.00 x 0.05 % = 0.45, still ``late`` from 8 Feb; u2: its first notice
    assert (late.stage, late.stage_on, late.late_fee_accrued, late.swept_on) == (
        "late", date(2026, 2, 8), Decimal("0.45"), date(2026, 2, 16))
    assert (new.stage, new.stage_on, new.late_fee_accrued) == ("first", date(2026, 2, 16), Decimal("0"))


def test_the_platform_may_run_today_s_sweep_now_and_once(session, clock, estate, as_):
    """``run_dunning_sweep`` (the demo after loading its data, an operator after a fix): today's sweep
    now; a second call moves nothing; staff may not call it."""
    from kernel.errors import Forbidden

    from .support import CENTRE, service_as
    at(clock, date(2026, 1, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-01")
    session.commit()
    at(clock, date(2026, 1, 16), 10)
    with pytest.raises(Forbidden):
        service_as(session, clock, CENTRE).run_dunning_sweep("p1")
    session.rollback()
    first = service_as(session, clock, PLATFORM).run_dunning_sweep("p1")
    session.commit()
    assert first == {"day": "2026-01-16", "opened": 1, "moved": 1, "closed": 0, "notices": 1}
    again = service_as(session, clock, PLATFORM).run_dunning_sweep("p1")
    assert (again["opened"], again["moved"], again["notices"]) == (0, 0, 0)


def test_deadlines_on_working_days_move_past_the_project_s_closed_days():
    """With ``dunning.deadlines_on_working_days`` a notice's 7 days ending on a day the office is
    closed end on the next working day instead, and the fee starts after it. A bill due 15 January
    2026: the final notice on 31 January (a Saturday) would be due Saturday 7 February; 2026's Spring
    Festival holiday runs 15-23 February with Saturday 14 February and Saturday 28 February worked
    (调休). Off (the brief's calendar days): pay by 7 February, fee from 8 February."""
    from kernel.calendar import WorkingCalendar
    values = dict(DEFAULTS, **{s.DEADLINES_ON_WORKING_DAYS: True})
    steps = dunning.ladder(values, date(2026, 1, 15))
    assert (steps.pay_by("first"), steps.pay_by("second")) == (date(2026, 1, 23), date(2026, 2, 2))  # Sat 31 Jan
    assert steps.pay_by("final") == date(2026, 2, 9) and steps.fee_from == date(2026, 2, 10)     # Sat 7 -> Mon 9
    # a notice sent on 13 February (a Friday): 7 days end on Friday the 20th, in the holiday -> 24 February
    cal = WorkingCalendar.from_settings(values)
    assert not cal.is_working_day(date(2026, 2, 20)) and steps.deadline(date(2026, 2, 13)) == date(2026, 2, 24)
    off = dunning.ladder(DEFAULTS, date(2026, 1, 15))
    assert (off.pay_by("final"), off.fee_from) == (date(2026, 2, 7), date(2026, 2, 8))
    # the project's own closed days count too
    closed = dict(values, **{"calendar.extra_holidays": [date(2026, 1, 23)]})
    assert dunning.ladder(closed, date(2026, 1, 15)).pay_by("first") == date(2026, 1, 26)
