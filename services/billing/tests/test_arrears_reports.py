"""The dunning reports (domain/arrears_reports.py) against hand computations: the arrears ledger's
ageing buckets at their edges and a past day's books, the collection rate of a small estate over
two months, the daily report per steward, the weekly summary, the deposits held; who may read them
and the bad input they refuse."""
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden
from kernel.tenancy import Caller
from kernel.testing import resident, staff
from services.billing.domain import arrears_reports as reports, dunning, journal
from services.billing.exceptions import DayInFuture, MonthInFuture, ProjectNotFound
from services.billing.models import DunningCase, DunningTask, InstallmentPlan, LegalProposal, Project

from .support import (CENTRE, DESK, FINANCE, G, PLATFORM, add_unit, clock, estate, issue, monthly_bill,  # noqa: F401
                      service_as, session)

STEWARD = Caller(user_id="stew-1", kind="staff", group_id=G, roles=frozenset({"steward"}),
                 project_ids=frozenset({"p1"}), name="李管家")
STEWARD2 = staff(G, ["p1"], roles=["steward"], user_id="stew-2")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
D = date(2026, 11, 24)


def at(clock: ManualClock, day: date, hour: int = 10) -> None:
    clock.set(f"{day.isoformat()}T{hour:02d}:00:00+08:00")


def sweep(as_, clock, day: date) -> None:
    at(clock, day, 8)
    w = as_(PLATFORM)
    dunning.sweep(w, w.session.get(Project, "p1"))
    w.session.commit()


def case_of(session, account) -> DunningCase:
    return session.scalars(select(DunningCase).where(DunningCase.account_id == account.id)
                           .order_by(DunningCase.opened_at.desc())).first()


def pay(as_, clock, account, amount: str, day: date, ref: str, hour: int = 15):
    at(clock, day, hour)
    w = as_(DESK)
    entry = journal.receive(w, account, amount=Decimal(amount), book="cash", occurred_on=day, description="物业费",
                            ref_type="payment", ref_id=ref)
    w.session.commit()
    return entry


@pytest.fixture
def as_(session, clock):
    from .support import work
    return lambda caller: work(session, clock, caller)


# -- the arrears ledger ------------------------------------------------------------------------------

def test_ageing_buckets_at_their_edges(session, clock, estate, as_):
    """On 24 Nov 2026 (the site's today), u1's bills, days past due = 24 Nov - due date:

    ====================  ====  ========  ==========
    due                   days  amount    bucket
    ====================  ====  ========  ==========
    2026-11-23            1     1.00      0-30
    2026-10-25            30    2.00      0-30
    2026-10-24            31    4.00      31-90
    2026-08-26            90    8.00      31-90      (Aug 26 -> 31: 5, Sep 30, Oct 31, Nov 24)
    2026-08-25            91    16.00     91-365
    2025-11-24            365   32.00     91-365
    2025-11-23            366   64.00     over 365
    2026-11-24 (today)    0     128.00    not overdue: due on the day
    ====================  ====  ========  ==========

    u1: overdue 127.00 = 3.00 + 12.00 + 48.00 + 64.00, 7 bills, oldest 2025-11-23 (366 days).
    u2: 500.00 due 2026-10-10, 45 days (Oct 10 -> 31: 21, + 24) -> 31-90; class B, steward 李管家.
    Both cases open in the sweep of 11 Oct, anchored on 10 Oct (u2's due day; for u1, whose old
    bills came before, the day before the case opens). 10 Oct is off the due day (15), so the
    ladder keeps the due day's distances: 1st notice 11 Oct (+1), 2nd 19 Oct (+9), final 26 Oct
    (+16; swept that day), pay by 2 Nov, fee from 3 Nov. At the sweep of 24 Nov (late):
    u2: 3..24 Nov = 22 days x 500.00 x 0.05% = 5.50.
    u1: its bills due before 10 Oct (64 + 32 + 16 + 8 = 120.00) bear the fee from the case's 3 Nov,
    not from their own old deadlines: 22 x 120.00 x 0.05% = 1.32; the bill due 24 Oct has its own
    ladder (final 9 Nov, pay by 16 Nov) -> 17..24 Nov = 8 x 4.00 x 0.05% = 0.016; the bill due 25 Oct
    18..24 Nov = 7 x 2.00 x 0.05% = 0.007; the bill due 23 Nov none -> 1.343 -> 1.34.
    Totals: 2 accounts, 627.00; 0-30 3.00, 31-90 12.00 + 500.00 = 512.00, 91-365 48.00, >365 64.00.
    Classes: B 1 account 500.00; unclassified 1 account 127.00. u9 (another project) not shown.
    Rows by overdue, descending: u2, u1."""
    w = as_(PLATFORM)
    for n, (due, amount) in enumerate([(date(2026, 11, 23), "1.00"), (date(2026, 10, 25), "2.00"),
                                       (date(2026, 10, 24), "4.00"), (date(2026, 8, 26), "8.00"),
                                       (date(2026, 8, 25), "16.00"), (date(2025, 11, 24), "32.00"),
                                       (date(2025, 11, 23), "64.00"), (D, "128.00")]):
        issue(w, estate["u1"], amount, issued_on=due - timedelta(days=20), due_on=due, source_id=f"b{n}")
    issue(w, estate["u2"], "500.00", issued_on=date(2026, 10, 1), due_on=date(2026, 10, 10), source_id="u2")
    issue(w, estate["u9"], "999.00", issued_on=date(2026, 10, 1), due_on=date(2026, 10, 10), source_id="u9")
    session.commit()
    for day in (date(2026, 10, 11), date(2026, 10, 26), D):
        sweep(as_, clock, day)
    u2_case = case_of(session, estate["u2"])
    u2_case.arrears_class, u2_case.class_set_on, u2_case.steward_id = "B", D, "stew-1"
    at(clock, D, 11)
    dunning.add_log(as_(STEWARD), u2_case, "call", outcome="无人接听", arrears_class="B")
    session.commit()

    ledger = service_as(session, clock, FINANCE).arrears_ledger("p1")
    assert (ledger["on"], ledger["today"], ledger["accounts"]) == ("2026-11-24", True, 2)
    u2, u1 = ledger["rows"]
    assert (u1["unit_id"], u1["payer_name"], u1["overdue"], u1["bills"], u1["oldest_due_on"], u1["days_past_due"]) == (
        "u1", "张伟", "127.00", 7, "2025-11-23", 366)
    assert (u1["aged_0_30"], u1["aged_31_90"], u1["aged_91_365"], u1["aged_over_365"]) == (
        "3.00", "12.00", "48.00", "64.00")
    u1_case = case_of(session, estate["u1"])
    assert (u1["case_id"], u1["stage"], u1["arrears_class"], u1["steward_id"]) == (u1_case.id, "late", None, None)
    assert (u1["late_fee_accrued"], u1_case.late_fee_accrued) == ("1.34", Decimal("1.343"))
    assert (u2["unit_id"], u2["overdue"], u2["days_past_due"], u2["aged_31_90"], u2["aged_0_30"]) == (
        "u2", "500.00", 45, "500.00", "0.00")
    assert (u2["stage"], u2["arrears_class"], u2["steward_id"], u2["steward_name"], u2["paused"]) == (
        "late", "B", "stew-1", "李管家", None)
    assert (u2["late_fee_accrued"], u2["late_fee_billed"], u2["late_fee_through"]) == ("5.50", "0.00", "2026-11-24")
    assert ledger["totals"] == {"accounts": 2, "overdue": "627.00", "aged_0_30": "3.00", "aged_31_90": "512.00",
                                "aged_91_365": "48.00", "aged_over_365": "64.00"}
    by_class = {c["arrears_class"]: c for c in ledger["by_class"]}
    assert list(by_class) == ["A", "B", "C", "D", "E", "unclassified"]
    assert (by_class["B"]["accounts"], by_class["B"]["overdue"], by_class["B"]["aged_31_90"]) == (1, "500.00", "500.00")
    assert (by_class["unclassified"]["accounts"], by_class["unclassified"]["overdue"]) == (1, "127.00")
    assert by_class["A"] == {"arrears_class": "A", "accounts": 0, "overdue": "0.00", "aged_0_30": "0.00",
                             "aged_31_90": "0.00", "aged_91_365": "0.00", "aged_over_365": "0.00"}


def test_a_past_day_s_ledger_reads_the_books_as_they_stood(session, clock, estate, as_):
    """u2: a 200.00 bill of October (issued 1 Oct, due 15 Oct); the ladder swept on 16 Oct (1st
    notice) and 24 Oct (2nd); class A set on 18 Oct, B on 22 Oct; swept on 31 Oct (the final notice,
    pay by 7 Nov); 50.00 paid on 10 Nov; swept again on 24 Nov (late). u1: 80.00 carried over, due 5 Oct, recorded only
    on 20 Nov: its case opens on the 24th and starts the ladder there (anchor 23 Nov: the 1st notice),
    with no late fee -- none of its notices had been sent.

    On 20 Oct (asked on 24 Nov): u2 only (u1's bill did not exist yet), 200.00 -- the payment came
    later -- 5 days past due (0-30); stage ``first`` (the 2nd notice was on the 24th), class A (B came
    on the 22nd).
    On 15 Oct: nothing is overdue (a bill due on the day is not).
    On 24 Nov: u2 150.00, 40 days (Oct 15 -> 31: 16, + 24) -> 31-90, late, class B, late fee
    8..24 Nov = 17 days x 150.00 x 0.05% = 1.275 -> 1.28; u1 80.00, 50 days (31-90), ``first``, fee
    0.00."""
    at(clock, date(2026, 10, 1))
    monthly_bill(as_(PLATFORM), estate["u2"], "200.00", "2026-10")
    session.commit()
    sweep(as_, clock, date(2026, 10, 16))
    case = case_of(session, estate["u2"])
    for day, klass in ((date(2026, 10, 18), "A"), (date(2026, 10, 22), "B")):
        at(clock, day, 11)
        case.arrears_class, case.class_set_on = klass, day
        dunning.add_log(as_(STEWARD), case, "class", arrears_class=klass)
        session.commit()
    sweep(as_, clock, date(2026, 10, 24))
    sweep(as_, clock, date(2026, 10, 31))
    pay(as_, clock, estate["u2"], "50.00", date(2026, 11, 10), "pay-1")
    at(clock, date(2026, 11, 20))
    issue(as_(PLATFORM), estate["u1"], "80.00", issued_on=date(2026, 10, 1), due_on=date(2026, 10, 5),
          source_id="carried", kind="opening")
    session.commit()
    sweep(as_, clock, D)
    at(clock, D, 12)

    finance = as_(FINANCE)
    then = reports.arrears_ledger(finance, "p1", date(2026, 10, 20))
    assert (then["on"], then["today"], then["accounts"]) == (date(2026, 10, 20), False, 1)
    [row] = then["rows"]
    assert (row["unit_id"], row["overdue"], row["days_past_due"], row["aged_0_30"]) == (
        "u2", Decimal("200.00"), 5, Decimal("200.00"))
    assert (row["case_id"], row["stage"], row["arrears_class"]) == (case.id, "first", "A")

    assert reports.arrears_ledger(finance, "p1", date(2026, 10, 15))["rows"] == []

    now = reports.arrears_ledger(finance, "p1")
    u2, u1 = now["rows"]
    assert (u2["overdue"], u2["days_past_due"], u2["aged_31_90"], u2["stage"], u2["arrears_class"]) == (
        Decimal("150.00"), 40, Decimal("150.00"), "late", "B")
    assert u2["late_fee_accrued"] == Decimal("1.28") and case.late_fee_accrued == Decimal("1.275")
    assert (u1["overdue"], u1["days_past_due"], u1["aged_31_90"], u1["stage"], u1["late_fee_accrued"]) == (
        Decimal("80.00"), 50, Decimal("80.00"), "first", Decimal("0.00"))
    assert now["totals"]["overdue"] == Decimal("230.00")
    with pytest.raises(DayInFuture):
        reports.arrears_ledger(finance, "p1", date(2026, 11, 25))


# -- the collection rate -----------------------------------------------------------------------------

def test_the_collection_rate_of_a_small_estate_over_two_months(session, clock, estate, as_):
    """Three units, monthly bills due on the 15th.

    September: u3 pays 50.00 before any bill (prepaid credit).
    October: bills u1 100.00, u2 200.00, u3 300.00 (1 Oct; u3's credit 50.00 applied at once);
    u1 pays 100.00 (10 Oct); a one-off bill for u1 40.00 (issued 12 Oct, due 31 Oct); u2 pays 80.00
    of 200.00 (20 Oct); u1's one-off discounted 10.00 (25 Oct); u3 pays 250.00 (28 Oct), reversed the
    next day (a bounced transfer).
    November: bills u1 100.00, u2 200.00, u3 300.00 (1 Nov); u2 pays 150.00 (5 Nov: October's 120.00
    first, then 30.00 of November's); u1's November charge reversed (8 Nov, billed in error); a late-fee
    bill for u2 of 1.05 (10 Nov); u3 pays 300.00 (20 Nov: October's 250.00, then 50.00 of November's);
    u1's one-off written off, 30.00 (22 Nov).

    October, current: gross 100 + 200 + 300 + 40 = 640.00 (monthly 600.00, one-off 40.00), none
    cancelled, billed 640.00; collected 100.00 (u1) + 80.00 (u2) + 50.00 (u3's credit) + 250.00 -
    250.00 (the reversal) = 230.00; discounted 10.00; outstanding 640 - 230 - 10 = 400.00;
    rate 230 / 640 = 35.9375 % -> 35.94. Arrears: nothing due before 1 Oct -> 0.00, rate null.
    November, current: gross 600.00, cancelled 100.00, billed 500.00; collected 30.00 + 50.00 = 80.00;
    outstanding 420.00; rate 80 / 500 = 16.00. Arrears brought forward at 1 Nov: u1's one-off 30.00,
    u2's October 120.00, u3's October 250.00 = 400.00 (u1's October bill was settled); collected
    120.00 + 250.00 = 370.00, written off 30.00, outstanding 0.00; rate 370 / 400 = 92.50.
    Late fees in November: 1 bill, 1.05 billed, nothing collected -- in neither rate.
    October read on 31 Oct and read again on 30 Nov: the same figures (the books at its last day)."""
    w = as_(PLATFORM)
    u1, u2 = estate["u1"], estate["u2"]
    u3 = add_unit(w, "u3", area="100.00")
    session.commit()
    pay(as_, clock, u3, "50.00", date(2026, 9, 20), "pre-1")
    at(clock, date(2026, 10, 1))
    for account, amount in ((u1, "100.00"), (u2, "200.00"), (u3, "300.00")):
        monthly_bill(as_(PLATFORM), account, amount, "2026-10")
    session.commit()
    pay(as_, clock, u1, "100.00", date(2026, 10, 10), "p-1")
    at(clock, date(2026, 10, 12))
    one_off = issue(as_(PLATFORM), u1, "40.00", issued_on=date(2026, 10, 12), due_on=date(2026, 10, 31),
                    source_id="repair-1")
    session.commit()
    pay(as_, clock, u2, "80.00", date(2026, 10, 20), "p-2")
    at(clock, date(2026, 10, 25))
    journal.credit_bill(as_(CENTRE), u1, kind="discount", book="discount", amount=Decimal("10.00"), bills=[one_off],
                        occurred_on=date(2026, 10, 25), description="减免", reason="维修延误")
    session.commit()
    bounced = pay(as_, clock, u3, "250.00", date(2026, 10, 28), "p-3")
    at(clock, date(2026, 10, 29))
    journal.reverse(as_(FINANCE), bounced.id, reason="退票 bounced", occurred_on=date(2026, 10, 29))
    session.commit()
    at(clock, date(2026, 10, 31), 23)
    october_then = service_as(session, clock, FINANCE).collection_rate("p1", month="2026-10")

    at(clock, date(2026, 11, 1))
    november = {a.unit_id: monthly_bill(as_(PLATFORM), a, amount, "2026-11")
                for a, amount in ((u1, "100.00"), (u2, "200.00"), (u3, "300.00"))}
    session.commit()
    pay(as_, clock, u2, "150.00", date(2026, 11, 5), "p-4")
    at(clock, date(2026, 11, 8))
    journal.reverse(as_(FINANCE), november["u1"].entry_id, reason="误开 billed in error", occurred_on=date(2026, 11, 8))
    session.commit()
    at(clock, date(2026, 11, 10))
    journal.issue_bill(as_(PLATFORM), u2, kind="late_fee", entry_kind="late_fee", issued_on=date(2026, 11, 10),
                       due_on=date(2026, 12, 15), source_type="late_fee", source_id="fee-1", description="滞纳金",
                       lines=[{"item_code": "late_fee", "item_name": "滞纳金", "quantity": Decimal("1"),
                               "quantity_unit": "item", "unit_price": Decimal("1.05"), "amount": Decimal("1.05")}])
    session.commit()
    pay(as_, clock, u3, "300.00", date(2026, 11, 20), "p-5")
    at(clock, date(2026, 11, 22))
    journal.credit_bill(as_(FINANCE), u1, kind="write_off", book="write_off", amount=Decimal("30.00"),
                        bills=[one_off], occurred_on=date(2026, 11, 22), description="核销", reason="坏账")
    session.commit()
    at(clock, date(2026, 11, 30))

    trend = service_as(session, clock, FINANCE).collection_rate("p1", month_from="2026-10", month_to="2026-11")
    assert (trend["month_from"], trend["month_to"], trend["as_of"]) == ("2026-10", "2026-11", "2026-11-30")
    october, nov = trend["months"]
    assert october == october_then["months"][0] | {"complete": True}
    assert (october["first_day"], october["last_day"], october["complete"], nov["complete"]) == (
        "2026-10-01", "2026-10-31", True, False)
    assert october["current"] == {"bills": 4, "gross": "640.00", "monthly": "600.00", "one_off": "40.00",
                                  "cancelled": "0.00", "billed": "640.00", "collected": "230.00",
                                  "discounted": "10.00", "written_off": "0.00", "outstanding": "400.00",
                                  "rate_percent": "35.94"}
    assert october["arrears"] == {"bills": 0, "brought_forward": "0.00", "cancelled": "0.00", "collected": "0.00",
                                  "discounted": "0.00", "written_off": "0.00", "outstanding": "0.00",
                                  "rate_percent": None}
    assert nov["current"] == {"bills": 3, "gross": "600.00", "monthly": "600.00", "one_off": "0.00",
                              "cancelled": "100.00", "billed": "500.00", "collected": "80.00", "discounted": "0.00",
                              "written_off": "0.00", "outstanding": "420.00", "rate_percent": "16.00"}
    assert nov["arrears"] == {"bills": 3, "brought_forward": "400.00", "cancelled": "0.00", "collected": "370.00",
                              "discounted": "0.00", "written_off": "30.00", "outstanding": "0.00",
                              "rate_percent": "92.50"}
    assert nov["late_fee"] == {"bills": 1, "billed": "1.05", "collected": "0.00", "outstanding": "1.05"}
    assert october["late_fee"] == {"bills": 0, "billed": "0.00", "collected": "0.00", "outstanding": "0.00"}
    assert trend["months"][1] == service_as(session, clock, CS).collection_rate("p1", month="2026-11")["months"][0]


def test_a_month_not_begun_or_a_bad_range_is_refused(session, clock, estate):
    svc = service_as(session, clock, FINANCE)
    with pytest.raises(MonthInFuture):
        svc.collection_rate("p1", month="2026-12")
    with pytest.raises(MonthInFuture):
        svc.collection_rate("p1", month_from="2026-11", month_to="2026-12")
    assert len(svc.collection_rate("p1", month_from="2024-12", month_to="2026-11")["months"]) == 24
    for query in ({"month_from": "2024-11", "month_to": "2026-11"}, {"month_from": "2026-11", "month_to": "2026-10"},
                  {"month": "2026-13"}, {"month_from": "2026-10"}, {}, {"month": "2026-10", "month_to": "2026-11"},
                  {"month": "2026-1"}):
        with pytest.raises(ValidationError):
            svc.collection_rate("p1", **query)
    with pytest.raises(ValidationError):
        svc.arrears_ledger("p1", on="2026-02-30")
    with pytest.raises(DayInFuture):
        svc.dunning_daily_report("p1", day="2026-11-25")
    with pytest.raises(DayInFuture):
        svc.dunning_weekly_summary("p1", day="2026-12-01")


# -- the daily report and the weekly summary ----------------------------------------------------------

def _dunning_week(session, clock, estate, as_):
    """Tue 24 Nov 2026: u2 owes 200.00 due 15 Oct (its case opened in the sweep of 16 Oct, 1st notice;
    the sweep of the 24th: straight to late, the final notice), u1 100.00 due 15 Nov, recorded late
    (its case opens in the sweep of the 24th, which starts its ladder: the 1st notice); u1's case is
    李管家's (stew-1), u2's unassigned.
    Tasks: stew-1 due 24th x3 (one done at 16:00 on the 24th, one open, one cancelled), due 23rd open
    (overdue), due 22nd done on the 23rd; unassigned: due 24th open. The log of the 24th by stew-1:
    two calls, a door notice (photo), a promise (27 Nov, 60.00); a call on the 23rd. Money on the
    24th: u1 30.00 (its case stays open), u2 200.00 at 15:00 (its case closes: settled; no late fee --
    its final notice went out that morning), u3 20.00 on the 25th on a bill due 15 Dec (no case)."""
    at(clock, date(2026, 10, 1))
    monthly_bill(as_(PLATFORM), estate["u2"], "200.00", "2026-10")
    session.commit()
    sweep(as_, clock, date(2026, 10, 16))
    at(clock, date(2026, 11, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-11")
    session.commit()
    sweep(as_, clock, D)
    # the week's tasks are the ones below: the first calls the sweep made for the new cases go
    session.query(DunningTask).delete()
    c1, c2 = case_of(session, estate["u1"]), case_of(session, estate["u2"])
    c1.steward_id = "stew-1"
    now = datetime(2026, 11, 24, 1, tzinfo=timezone.utc)

    def task(case, kind, due, status="open", done_at=None, steward="stew-1"):
        session.add(DunningTask(id=f"t-{kind}-{due}-{status}-{case.id[:4]}", group_id=G, project_id="p1",
                                case_id=case.id, account_id=case.account_id, kind=kind, due_on=due, role="steward",
                                steward_id=steward, status=status, done_at=done_at,
                                done_by=steward if status == "done" else None, created_at=now - timedelta(days=5)))
    task(c1, "call", D, "done", datetime(2026, 11, 24, 8, tzinfo=timezone.utc))
    task(c1, "door_notice", D)
    task(c1, "visit", D, "cancelled")
    task(c1, "call", D - timedelta(days=1))
    task(c1, "visit", D - timedelta(days=2), "done", datetime(2026, 11, 23, 8, tzinfo=timezone.utc))
    task(c2, "call", D, steward=None)
    session.commit()
    at(clock, D - timedelta(days=1), 11)
    dunning.add_log(as_(STEWARD), c1, "call", outcome="answered")
    at(clock, D, 11)
    w = as_(STEWARD)
    dunning.add_log(w, c1, "call", outcome="no answer")
    dunning.add_log(w, c1, "call", outcome="answered")
    dunning.add_log(w, c1, "door_notice", photo_ref="photo://door-1")
    dunning.add_log(w, c1, "promise", promised_on=date(2026, 11, 27), promised_amount=Decimal("60.00"))
    session.commit()
    pay(as_, clock, estate["u1"], "30.00", D, "p-u1")
    pay(as_, clock, estate["u2"], "200.00", D, "p-u2")
    return c1, c2


def test_the_daily_report_per_steward(session, clock, estate, as_):
    """stew-1 (李管家): 1 open case; tasks due 3 -- 1 done, 1 open (the cancelled one neither) --, 1
    overdue (the 23rd's); actions: call 2, door notice 1, promise 1 = 4 (the 23rd's call not);
    1 promise of 60.00; notices: 1 first; collected 30.00.
    Unassigned: no case open at the day's end (u2's closed on it); task due 1, open 0 (closing the case
    cancelled it); no action (the case's ``closed`` row is the ladder's, not a person's); notices: 1
    final; collected 200.00 (the payment that closed it counts on its case's day).
    Totals: 1 open case, tasks due 4, done 1, open 1, overdue 1, actions 4, notices 2, collected 230.00.
    A steward reads their own line only; another steward an empty report. On the 23rd: stew-1's call
    and task; u2's case (unassigned) was open."""
    c1, _ = _dunning_week(session, clock, estate, as_)
    at(clock, D, 20)
    report = service_as(session, clock, CS).dunning_daily_report("p1")
    assert report["day"] == "2026-11-24"
    mine, unassigned = report["stewards"]
    assert (mine["steward_id"], mine["steward_name"], mine["open_cases"]) == ("stew-1", "李管家", 1)
    assert (mine["tasks_due"], mine["tasks_done"], mine["tasks_open"], mine["tasks_overdue"]) == (3, 1, 1, 1)
    assert mine["actions"] == [{"kind": "call", "count": 2}, {"kind": "door_notice", "count": 1},
                               {"kind": "promise", "count": 1}]
    assert (mine["actions_total"], mine["promises"], mine["promised_amount"]) == (4, 1, "60.00")
    assert mine["notices"] == [{"stage": "first", "count": 1}, {"stage": "second", "count": 0},
                               {"stage": "final", "count": 0}]
    assert (mine["notices_total"], mine["collected"]) == (1, "30.00")
    assert (unassigned["steward_id"], unassigned["steward_name"], unassigned["open_cases"]) == (None, None, 0)
    assert (unassigned["tasks_due"], unassigned["tasks_open"], unassigned["actions"]) == (1, 0, [])
    assert (unassigned["notices_total"], unassigned["notices"][2], unassigned["collected"]) == (
        1, {"stage": "final", "count": 1}, "200.00")
    totals = report["totals"]
    assert {k: totals[k] for k in ("open_cases", "tasks_due", "tasks_done", "tasks_open", "tasks_overdue",
                                   "actions_total", "notices_total", "collected", "promised_amount")} == {
        "open_cases": 1, "tasks_due": 4, "tasks_done": 1, "tasks_open": 1, "tasks_overdue": 1, "actions_total": 4,
        "notices_total": 2, "collected": "230.00", "promised_amount": "60.00"}

    own = service_as(session, clock, STEWARD).dunning_daily_report("p1", day="2026-11-24")
    assert own["stewards"] == [mine] and own["totals"]["collected"] == "30.00"
    assert service_as(session, clock, STEWARD2).dunning_daily_report("p1")["stewards"] == []
    # the day before: the 23rd's call, the overdue-to-be task not yet overdue, nothing collected
    before = service_as(session, clock, CS).dunning_daily_report("p1", day="2026-11-23")
    line, unassigned_then = before["stewards"]
    assert (line["steward_id"], line["open_cases"], line["tasks_due"], line["tasks_done"], line["tasks_open"]) == (
        "stew-1", 0, 1, 0, 1)
    assert (unassigned_then["steward_id"], unassigned_then["open_cases"], unassigned_then["actions"]) == (None, 1, [])
    assert line["actions"] == [{"kind": "call", "count": 1}] and line["collected"] == "0.00"


def test_the_weekly_summary(session, clock, estate, as_):
    """The ISO week of Tue 24 Nov 2026: Mon 23 - Sun 29 Nov (2026-W48), read on 30 Nov.
    Cases opened 1 (u1, the 24th; u2's opened 16 Oct), closed 1 (u2, settled), open at the end 1 (u1,
    class A set on the 26th). Notices: first 1, final 1. Actions: call 3 (23rd, 24th x2), door notice 1,
    promise 1 = 5 (the ``closed`` row is the ladder's).
    Money received on accounts with a case in the week: 30.00 + 200.00 = 230.00 (u3's 20.00 not).
    Plans: agreed on the 23rd (active), agreed 1 Nov and broken on the 26th, completed on the 20th
    (last week) -> agreed 1, broken 1, completed 0. Legal: a lawyer letter proposed on the 23rd
    (proposed), a litigation proposed 2 Nov, reviewed the 24th, approved the 25th (approved), one
    proposed on 1 Dec (after the week: not in the statuses) -> proposed 1, reviewed 1, approved 1;
    by status approved 1, proposed 1.
    Collection in the week: arrears (bills due before Monday) 30.00 + 200.00 = 230.00, current (due
    on or after Monday) 20.00 (u3's bill due 15 Dec), late fees 0.00; total 250.00."""
    c1, c2 = _dunning_week(session, clock, estate, as_)
    u3 = add_unit(as_(PLATFORM), "u3", area="100.00")
    at(clock, date(2026, 11, 23))
    issue(as_(PLATFORM), u3, "60.00", issued_on=date(2026, 11, 23), due_on=date(2026, 12, 15), source_id="u3")
    session.commit()
    pay(as_, clock, u3, "20.00", date(2026, 11, 25), "p-u3")
    at(clock, date(2026, 11, 26))
    c1.arrears_class, c1.class_set_on = "A", date(2026, 11, 26)

    def plan(pid, status, agreed, ended=None):
        session.add(InstallmentPlan(id=pid, group_id=G, project_id="p1", case_id=c1.id, account_id=f"acc-{pid}",
                                    status=status, total=Decimal("100.00"), reason="失业", agreed_on=agreed,
                                    agreed_at=datetime(2026, 11, 1, tzinfo=timezone.utc), agreed_by="cs-1",
                                    ended_on=ended))
    plan("pl-1", "active", date(2026, 11, 23))
    plan("pl-2", "broken", date(2026, 11, 1), date(2026, 11, 26))
    plan("pl-3", "completed", date(2026, 10, 1), date(2026, 11, 20))

    def utc(day, hour=3):
        return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.utc)

    def proposal(pid, kind, status, proposed, **steps):
        session.add(LegalProposal(id=pid, group_id=G, project_id="p1", case_id=c1.id, account_id=c1.account_id,
                                  kind=kind, status=status, amount=Decimal("100.00"), reason="拒缴",
                                  proposed_at=utc(proposed), proposed_by="stew-1",
                                  **{k: utc(v) for k, v in steps.items()}))
    proposal("lp-1", "lawyer_letter", "proposed", date(2026, 11, 23))
    proposal("lp-2", "litigation", "approved", date(2026, 11, 2), reviewed_at=date(2026, 11, 24),
             approved_at=date(2026, 11, 25))
    proposal("lp-3", "lawyer_letter", "proposed", date(2026, 12, 1))
    session.commit()
    at(clock, date(2026, 11, 30), 0)
    dunning.add_log(as_(STEWARD), c1, "visit")         # Monday 30 Nov 00:00 at the site: the next week's
    session.commit()
    at(clock, date(2026, 12, 1))

    week = service_as(session, clock, FINANCE).dunning_weekly_summary("p1", day="2026-11-24")
    assert (week["week"], week["week_start"], week["week_end"], week["complete"]) == (
        "2026-W48", "2026-11-23", "2026-11-29", True)
    assert week["cases"] == {"opened": 1, "closed": 1, "open_at_end": 1,
                             "closed_by_reason": [{"reason": "settled", "count": 1}]}
    assert week["notices"] == [{"stage": "first", "count": 1}, {"stage": "second", "count": 0},
                               {"stage": "final", "count": 1}]
    assert week["actions"] == [{"kind": "call", "count": 3}, {"kind": "door_notice", "count": 1},
                               {"kind": "promise", "count": 1}]
    assert (week["actions_total"], week["promises"], week["notices_total"]) == (5, 1, 2)
    assert week["collected_on_case_accounts"] == "230.00"
    assert {c["arrears_class"]: c["cases"] for c in week["classes_at_end"]} == {
        "A": 1, "B": 0, "C": 0, "D": 0, "E": 0, "unclassified": 0}
    assert week["plans"] == {"agreed": 1, "broken": 1, "completed": 0}
    assert week["legal"] == {"proposed": 1, "reviewed": 1, "approved": 1, "rejected": 0, "done": 0,
                             "by_status": [{"status": "approved", "count": 1}, {"status": "proposed", "count": 1}]}
    assert week["collection"] == {"current": "20.00", "arrears": "230.00", "late_fee": "0.00", "total": "250.00"}
    # the week before: nothing of this yet (the class at that week's end: no case open then)
    before = service_as(session, clock, FINANCE).dunning_weekly_summary("p1", day="2026-11-22")
    assert before["week"] == "2026-W47" and before["cases"]["opened"] == 0 and before["plans"]["completed"] == 1
    assert before["collection"]["total"] == "0.00"


def test_actions_count_for_who_took_them_and_a_replaced_promise_once(session, clock, estate, as_):
    """u1 owes 100.00 due 15 Nov; its case opens on the 16th. On the 24th: stew-1 calls and takes a
    promise (27 Nov, 60.00), the case is reassigned to stew-2 (logged: ``assigned``, the platform's
    row kinds are not actions), stew-2 calls and the household replaces its promise (30 Nov, 80.00).
    Actions: stew-1 call 1 + promise 1, stew-2 call 1 + promise 1 -- each credited to who took it,
    not to the case's steward now. Promises: one (the case's last of the day), 80.00, stew-2's; the
    first promise is not added to it. A call task due that day, unassigned when stew-1's call did it,
    counts for stew-1."""
    at(clock, date(2026, 11, 1))
    monthly_bill(as_(PLATFORM), estate["u1"], "100.00", "2026-11")
    session.commit()
    sweep(as_, clock, date(2026, 11, 16))
    case = case_of(session, estate["u1"])
    session.add(DunningTask(id="t-call-24", group_id=G, project_id="p1", case_id=case.id, account_id=case.account_id,
                            kind="call", due_on=D, role="steward", steward_id=None, status="open",
                            created_at=datetime(2026, 11, 24, 0, tzinfo=timezone.utc)))
    session.commit()
    svc1 = service_as(session, clock, STEWARD)
    at(clock, D, 10)
    svc1.log_dunning_action(case.id, {"kind": "call", "outcome": "接通"})     # does the unassigned call task
    svc1.log_dunning_action(case.id, {"kind": "promise", "outcome": "月底前", "promised_on": "2026-11-27",
                                      "promised_amount": "60.00"})
    service_as(session, clock, CS).assign_dunning_steward(
        "p1", {"case_ids": [case.id], "steward_id": "stew-2", "steward_name": "王管家"})
    at(clock, D, 14)
    svc2 = service_as(session, clock, STEWARD2)
    svc2.log_dunning_action(case.id, {"kind": "call", "outcome": "改期"})
    svc2.log_dunning_action(case.id, {"kind": "promise", "outcome": "改到30号", "promised_on": "2026-11-30",
                                      "promised_amount": "80.00"})
    at(clock, D, 20)
    report = service_as(session, clock, CS).dunning_daily_report("p1")
    lines = {line["steward_id"]: line for line in report["stewards"]}
    assert set(lines) == {"stew-1", "stew-2"}
    assert lines["stew-1"]["actions"] == [{"kind": "call", "count": 1}, {"kind": "promise", "count": 1}]
    assert (lines["stew-1"]["promises"], lines["stew-1"]["promised_amount"], lines["stew-1"]["open_cases"]) == (
        0, "0.00", 0)
    # the call task, unassigned when stew-1 did it, counts for stew-1 (not for nobody, nor for stew-2)
    assert (lines["stew-1"]["tasks_due"], lines["stew-1"]["tasks_done"]) == (1, 1)
    assert (lines["stew-2"]["tasks_due"], lines["stew-2"]["tasks_done"]) == (0, 0)
    assert lines["stew-2"]["actions"] == [{"kind": "call", "count": 1}, {"kind": "promise", "count": 1}]
    assert (lines["stew-2"]["promises"], lines["stew-2"]["promised_amount"], lines["stew-2"]["open_cases"]) == (
        1, "80.00", 1)
    assert (report["totals"]["actions_total"], report["totals"]["promises"], report["totals"]["promised_amount"]) == (
        4, 1, "80.00")
    week = service_as(session, clock, CS).dunning_weekly_summary("p1", day="2026-11-24")
    assert (week["actions_total"], week["promises"]) == (4, 1)


# -- deposits held ------------------------------------------------------------------------------------

def test_the_deposits_held_per_unit(session, clock, estate):
    """u1: renovation 2000.00 and key 200.00 held -> 2200.00. u2: renovation 2000.00 of which
    1500.00 refunded -> 500.00; a key deposit of 100.00 whose receipt was voided -> none. u9 (another
    project) 300.00 not shown. Total 2700.00 over 2 units."""
    desk = service_as(session, clock, DESK)
    desk.hold_deposit("u1", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    desk.hold_deposit("u1", {"method": "cash", "purpose": "key", "amount": "200.00"})
    held = desk.hold_deposit("u2", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    voided = desk.hold_deposit("u2", {"method": "cash", "purpose": "key", "amount": "100.00"})
    service_as(session, clock, FINANCE).void_receipt(voided["receipt"]["id"], {"reason": "重复收取"})
    refund = desk.request_refund("u2", {"kind": "deposit", "deposit_id": held["deposit"]["id"], "amount": "1500.00",
                                        "method": "cash", "reason": "验收合格 checked"})
    service_as(session, clock, CENTRE).approve_refund(refund["id"], {})
    service_as(session, clock, FINANCE).pay_refund(refund["id"])
    far = staff(G, ["p2"], roles=["front_desk"], user_id="desk-p2")
    service_as(session, clock, far).hold_deposit("u9", {"method": "cash", "purpose": "key", "amount": "300.00"})

    report = service_as(session, clock, FINANCE).deposits_held("p1")
    assert (report["unit_count"], report["total"], report["as_of"]) == (2, "2700.00", "2026-11-24")
    u1, u2 = report["units"]
    assert (u1["unit_id"], u1["payer_name"], u1["held"]) == ("u1", "张伟", "2200.00")
    assert u1["by_purpose"] == [{"purpose": "key", "deposits": 1, "held": "200.00"},
                                {"purpose": "renovation", "deposits": 1, "held": "2000.00"}]
    assert (u2["unit_id"], u2["held"], u2["by_purpose"]) == (
        "u2", "500.00", [{"purpose": "renovation", "deposits": 1, "held": "500.00"}])


# -- who reads them --------------------------------------------------------------------------------------

@pytest.mark.parametrize("report, args", [
    ("arrears_ledger", ()), ("collection_rate", ("2026-11",)), ("daily_report", ()), ("weekly_summary", ()),
    ("deposits_held", ())])
def test_who_reads_the_reports(session, clock, estate, as_, report, args):
    read = getattr(reports, report)
    for caller in (FINANCE, CS, CENTRE, staff(G, ["p1"], roles=["general_manager"]),
                   staff(G, (), roles=["group_admin"], all_projects=True)):
        read(as_(caller), "p1", *args)
    for caller in (resident(G, ["u1"]), staff("another-group", ["p1"], roles=["finance"])):
        with pytest.raises(ProjectNotFound):            # exactly like a project that does not exist
            read(as_(caller), "p1", *args)
    with pytest.raises(ProjectNotFound):
        read(as_(FINANCE), "no-such-project", *args)
    with pytest.raises(Forbidden) as far:               # the group's staff outside the project
        read(as_(staff(G, ["p2"], roles=["finance"])), "p1", *args)
    assert far.value.code == "project_out_of_scope"
    with pytest.raises(Forbidden):
        read(as_(DESK), "p1", *args)
    if report == "daily_report":
        read(as_(STEWARD), "p1", *args)                 # their own cases' line
    else:
        with pytest.raises(Forbidden):
            read(as_(STEWARD), "p1", *args)


def test_a_trend_may_end_in_the_last_month_there_is():
    """2999-12 has no next month to look at (the trial's 502): the range stops at its last month."""
    from services.billing.domain.arrears_reports import months_between
    assert [m.name for m in months_between("2999-11", "2999-12")] == ["2999-11", "2999-12"]
    assert [m.name for m in months_between("2999-12", "2999-12")] == ["2999-12"]
