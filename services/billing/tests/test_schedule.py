"""Fee schedules, the bill-line computation, meter readings (entered and CSV), the move-in quote and
one-off charges -- billing's rules without a broker."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kernel.clock import ManualClock
from kernel.errors import Forbidden
from kernel.csvimport import CsvRefused, CsvUnreadable
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.billing import schemas
from services.billing.domain import journal, meters, schedule
from services.billing.domain.schedule import Item, MeterUse, Price, Schedule
from services.billing.exceptions import (FeeItemExists, NoPrice, NotAOneOffItem, PriceChangeBackdated,
                                         PriceExists)
from services.billing.models import Base, Bill, FeeItem, FeePrice, MeterReading, OutboxMessage

from .support import G, add_project, add_unit, move_in, work

PLATFORM = Caller.system(G, "billing")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
ENGINEER = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")
D = Decimal


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


@pytest.fixture
def estate(session, clock):
    """绿湖花园 (p1): u1 residential 89.37 m2 occupied, u2 villa 240.50 m2 occupied, u3 a parking
    space occupied, u4 residential vacant."""
    w = work(session, clock, PLATFORM)
    add_project(w)
    add_unit(w, "u1", area="89.37", label="1栋-0101")
    add_unit(w, "u2", area="240.50", label="别墅-08", usage="villa")
    add_unit(w, "u3", area="12.50", label="车位-B101", usage="parking")
    add_unit(w, "u4", area="120.00", label="1栋-0102")
    for unit in ("u1", "u2", "u3"):
        move_in(w, unit)
    session.query(OutboxMessage).delete()
    session.commit()
    return w


def as_(session, clock, caller):
    return work(session, clock, caller)


def price_in(usage, unit_price, effective_from=None, reason=""):
    return schemas.FeePriceIn().load({"usage": usage, "unit_price": unit_price, "effective_from": effective_from,
                                      "reason": reason})


# -- the computation (pure) -------------------------------------------------------------------

MGMT = Item("management", "物业管理费", "per_area_monthly")
WATER = Item("water", "水费", "metered", "m3")
PARKING = Item("parking", "车位管理费", "fixed_monthly")


def test_each_line_is_exact_then_rounded_half_up_and_months_sum_the_rounded_lines():
    fees = Schedule([MGMT], [Price("m1", "management", "residential", D("1.15"), date(2000, 1, 1))])
    # 89.37 x 1.15 = 102.7755 -> 102.78 (half-up at the fen), not 102.77
    [line] = fees.monthly_lines("residential", D("89.37"), "2026-12")
    assert (line["quantity"], line["unit_price"], line["amount"]) == (D("89.37"), D("1.15"), D("102.78"))
    assert (line["price_id"], line["price_from"], line["quantity_unit"]) == ("m1", date(2000, 1, 1), "m2")
    # 0.005 is rounded up: 10.01 x 0.5 = 5.005 -> 5.01
    half = Schedule([MGMT], [Price("m2", "management", "residential", D("0.5"), date(2000, 1, 1))])
    assert half.monthly_lines("residential", D("10.01"), "2026-12")[0]["amount"] == D("5.01")
    # three months: the sum of three rounded lines (308.34), not the rounded exact sum (308.33)
    lines = schedule.months_lines(fees, "residential", D("89.37"), ["2026-12", "2027-01", "2027-02"])
    assert [line["period"] for line in lines] == ["2026-12", "2027-01", "2027-02"]
    assert schedule.total(lines) == D("308.34") != (D("89.37") * D("1.15") * 3).quantize(D("0.01"))


def test_a_usage_takes_its_own_price_else_every_usages_and_a_month_is_priced_on_its_first_day():
    fees = Schedule([MGMT, PARKING, WATER], [
        Price("r1", "management", "residential", D("1.15"), date(2000, 1, 1)),
        Price("r2", "management", "residential", D("1.30"), date(2027, 1, 15)),
        Price("all", "management", "*", D("2.00"), date(2026, 6, 1)),
        Price("pk", "parking", "parking", D("150"), date(2000, 1, 1)),
        Price("w1", "water", "*", D("3.45"), date(2000, 1, 1))])
    assert fees.price("management", "residential", date(2026, 12, 1)).id == "r1"      # own usage first
    assert fees.price("management", "villa", date(2026, 12, 1)).id == "all"           # else "*"
    assert fees.price("management", "villa", date(2026, 5, 31)) is None               # nothing yet
    # a change dated the 15th prices the next month's bill
    assert fees.monthly_lines("residential", D("100"), "2027-01")[0]["price_id"] == "r1"
    assert fees.monthly_lines("residential", D("100"), "2027-02")[0]["amount"] == D("130.00")
    # a parking space: its fixed monthly fee; no management price of its own, so "*" applies
    lines = fees.monthly_lines("parking", D("12.50"), "2026-12")
    assert [(x["item_code"], x["quantity"], x["quantity_unit"], x["amount"]) for x in lines] == [
        ("management", D("12.50"), "m2", D("25.00")), ("parking", D("1"), "month", D("150.00"))]
    # metered: the reading of the month before, consumption x tariff, the reading named
    use = MeterUse("2026-11", D("1234.50"), D("1250.75"), D("16.25"))
    water = fees.monthly_lines("residential", D("100"), "2026-12", {"water": use})[-1]
    assert (water["quantity"], water["quantity_unit"], water["amount"]) == (D("16.25"), "m3", D("56.06"))
    assert "1234.50 -> 1250.75" in water["detail"]
    # no reading, or nothing consumed: no water line
    assert [x["item_code"] for x in fees.monthly_lines("residential", D("100"), "2026-12")] == ["management"]
    none = MeterUse("2026-11", D("5"), D("5"), D("0"))
    assert len(fees.monthly_lines("residential", D("100"), "2026-12", {"water": none})) == 1


# -- the schedule: defaults, changes, refusals ------------------------------------------------

def test_a_new_project_gets_the_briefs_default_schedule(session, clock, estate):
    view = schedule.schedule_view(as_(session, clock, FINANCE), "p1")
    items = {item["code"]: item for item in view["items"]}
    assert list(items) == ["management", "parking", "water", "garbage"]          # by method, then code
    assert (items["management"]["name"], items["management"]["method"]) == ("物业管理费", "per_area_monthly")
    [mgmt] = items["management"]["prices"]
    assert (mgmt["usage"], mgmt["unit_price"], mgmt["status"]) == ("residential", D("1.15"), "in_force")
    [garbage] = items["garbage"]["prices"]
    assert (garbage["usage"], garbage["unit_price"]) == ("*", D("3.00"))
    assert items["water"]["prices"] == [] and items["water"]["quantity_unit"] == "m3"
    assert items["parking"]["prices"] == [] and items["parking"]["method"] == "fixed_monthly"
    # installed once: learning of the project again (a newer snapshot) adds nothing
    assert schedule.install_defaults(estate, session.get(schedule.Project, "p1")) is False
    assert session.scalar(select(func.count(FeeItem.id))) == 4


def test_a_price_change_applies_from_its_date_and_history_stays(session, clock, estate):
    w = as_(session, clock, FINANCE)
    schedule.set_price(w, "p1", "management", price_in("residential", "1.30", "2027-01-01", "业委会决议"))
    schedule.set_price(w, "p1", "parking", price_in("parking", "150"))            # from today
    view = schedule.schedule_view(w, "p1")
    mgmt = {p["unit_price"]: p for p in view["items"][0]["prices"]}
    assert mgmt[D("1.15")]["status"] == "in_force" and mgmt[D("1.30")]["status"] == "scheduled"
    assert mgmt[D("1.30")]["set_by"] == "fin-1" and mgmt[D("1.30")]["reason"] == "业委会决议"
    later = schedule.schedule_view(w, "p1", on=date(2027, 1, 1))
    assert {p["unit_price"]: p["status"] for p in later["items"][0]["prices"]} == {
        D("1.15"): "past", D("1.30"): "in_force"}
    parking = [i for i in view["items"] if i["code"] == "parking"][0]["prices"]
    assert [(p["effective_from"], p["status"]) for p in parking] == [(date(2026, 11, 24), "in_force")]
    # never before today; never a second row for the same item, usage and date
    with pytest.raises(PriceChangeBackdated):
        schedule.set_price(w, "p1", "management", price_in("residential", "1.20", "2026-11-23"))
    with pytest.raises(PriceExists):
        schedule.set_price(w, "p1", "management", price_in("residential", "1.40", "2027-01-01"))
    assert session.scalar(select(func.count(FeePrice.id))) == 4
    # a new item, then its price; a code once only
    schedule.add_item(w, "p1", schemas.FeeItemIn().load({"code": "cleaning", "name": "开荒保洁", "method": "fixed_once",
                                                         "unit": "次"}))
    with pytest.raises(FeeItemExists):
        schedule.add_item(w, "p1", schemas.FeeItemIn().load({"code": "cleaning", "name": "x", "method": "fixed_once"}))


def test_who_changes_and_who_reads_the_schedule(session, clock, estate):
    with pytest.raises(Forbidden):
        schedule.set_price(as_(session, clock, DESK), "p1", "parking", price_in("parking", "150"))
    assert schedule.schedule_view(as_(session, clock, DESK), "p1")["items"]          # staff read
    with pytest.raises(Forbidden):
        schedule.schedule_view(as_(session, clock, resident(G, ["u1"])), "p1")
    with pytest.raises(Exception) as exc:                                            # another group's
        schedule.schedule_view(as_(session, clock, staff("group-2", ["p1"], roles=["finance"])), "p1")
    assert type(exc.value).__name__ == "ProjectNotFound"


def test_input_is_checked_at_the_boundary():
    from marshmallow import ValidationError
    for bad in ({"usage": "castle", "unit_price": "1"}, {"usage": "*", "unit_price": "-1"},
                {"usage": "*", "unit_price": "1.12345"}, {"usage": "*", "unit_price": 1.5}):
        with pytest.raises(ValidationError):
            schemas.FeePriceIn().load(bad)
    with pytest.raises(ValidationError):
        schemas.FeeItemIn().load({"code": "a b", "name": "x", "method": "per_area_monthly"})


# -- meter readings -----------------------------------------------------------------------------

def reading(unit="1栋-0101", period="2026-10", value="1000.00", read_on="2026-10-31", replacement=None,
            item="water"):
    return schemas.MeterReadingIn().load({"unit": unit, "item_code": item, "period": period, "reading": value,
                                          "read_on": read_on, "replacement": replacement})


def test_readings_chain_from_the_initial_one_and_a_lower_one_needs_a_replacement(session, clock, estate):
    w = as_(session, clock, ENGINEER)
    first = meters.record_reading(w, "p1", reading())
    assert (first["kind"], first["previous"], first["quantity"]) == ("initial", D("1000.00"), D("0.00"))
    second = meters.record_reading(w, "p1", reading(unit="u1", period="2026-11", value="1016.25",
                                                    read_on="2026-11-24"))
    assert (second["kind"], second["previous"], second["quantity"], second["unit_label"]) == (
        "regular", D("1000.00"), D("16.25"), "1栋-0101")
    # the same reading again: nothing new
    assert meters.record_reading(w, "p1", reading(unit="u1", period="2026-11", value="1016.25",
                                                  read_on="2026-11-24"))["id"] == second["id"]
    refusals = {
        "reading_exists": reading(period="2026-11", value="1017", read_on="2026-11-24"),
        "reading_out_of_order": reading(period="2026-09", value="900", read_on="2026-09-30"),
        "period_in_future": reading(period="2026-12", value="1100", read_on="2026-11-24"),
        "read_on_out_of_range": reading(period="2026-11", value="1100", read_on="2026-10-15", unit="u2"),
        "not_metered": reading(unit="u2", item="management"),
        "unknown_unit": reading(unit="9栋-9999"),
    }
    for code, data in refusals.items():
        with pytest.raises(meters.ReadingRefused) as exc:
            meters.record_reading(w, "p1", data)
        assert exc.value.code == code, code
    # a new meter: lower than the last reading, allowed only as a replacement from its start
    meters.record_reading(w, "p1", reading(unit="u2", period="2026-10", value="500", read_on="2026-10-31"))
    with pytest.raises(meters.ReadingRefused) as exc:
        meters.record_reading(w, "p1", reading(unit="u2", period="2026-11", value="8", read_on="2026-11-20"))
    assert exc.value.code == "reading_decreased"
    assert exc.value.message.startswith("读数低于上次读数，换表请按换表录入 (8 is lower than the previous reading")
    new_meter = meters.record_reading(w, "p1", reading(unit="u2", period="2026-11", value="8", read_on="2026-11-20",
                                                       replacement="0"))
    assert (new_meter["kind"], new_meter["previous"], new_meter["quantity"]) == ("replacement", D("0.00"), D("8.00"))
    with pytest.raises(Forbidden):
        meters.record_reading(as_(session, clock, DESK), "p1", reading(unit="u3"))


CSV = ("\ufeff房号,item,period,reading,read_on,replacement\r\n"
       "1栋-0101,water,2026-10,1000,2026-10-31,\r\n"
       "1栋-0101,water,2026-11,1016.25,2026-11-24,\r\n"
       "\r\n"
       "u2,water,2026-11,12.5,2026-11-23,\r\n")


def test_a_csv_file_is_imported_once_and_the_same_file_again_records_nothing(session, clock, estate):
    w = as_(session, clock, FINANCE)
    result = meters.import_readings(w, "p1", CSV, schemas.MeterReadingIn())
    assert (result["lines"], result["recorded"], result["unchanged"]) == (3, 3, 0)
    rows = {(r.period, r.kind): r for r in session.scalars(select(MeterReading))}
    assert rows[("2026-11", "regular")].quantity == D("16.25")          # chained inside the file
    assert {r.source for r in rows.values()} == {result["source"]} and result["source"].startswith("import:")
    again = meters.import_readings(w, "p1", CSV.lstrip("\ufeff"), schemas.MeterReadingIn())   # without the BOM
    assert (again["recorded"], again["unchanged"]) == (0, 3)
    assert session.scalar(select(func.count(MeterReading.id))) == 3


def test_one_bad_line_refuses_the_whole_file_with_every_bad_line_named(session, clock, estate):
    w = as_(session, clock, FINANCE)
    meters.record_reading(w, "p1", reading(unit="u2", period="2026-10", value="500", read_on="2026-10-31"))
    bad = ("unit,item,period,reading,read_on\n"
           "1栋-0101,water,2026-10,1000,2026-10-31\n"           # fine
           "u2,water,2026-11,480,2026-11-20\n"                 # lower than 500, no replacement
           "9栋-0101,water,2026-11,10,2026-11-20\n"             # no such unit
           "1栋-0101,water,2026-13,10,2026-11-20\n"             # no such month
           "1栋-0101,water,2026-10,1001,2026-10-31\n")          # the same meter and month twice
    with pytest.raises(CsvRefused) as exc:
        meters.import_readings(w, "p1", bad, schemas.MeterReadingIn())
    lines = {entry["line"]: entry["errors"] for entry in exc.value.details["lines"]}
    assert sorted(lines) == [3, 4, 5, 6] and exc.value.details["count"] == 4
    assert lines[3]["reading"][0].startswith("reading_decreased")
    assert lines[4]["unit"][0].startswith("unknown_unit") and "period" in lines[5]
    assert lines[6]["reading"][0].startswith("duplicate_line")
    assert session.scalar(select(func.count(MeterReading.id))) == 1           # nothing of the file
    with pytest.raises(CsvUnreadable) as exc:
        meters.import_readings(w, "p1", "unit,item,month,reading\n", schemas.MeterReadingIn())
    assert exc.value.code == "csv_header"
    with pytest.raises(CsvUnreadable):
        meters.import_readings(w, "p1", "\n\n", schemas.MeterReadingIn())


# -- the move-in quote and one-off charges ------------------------------------------------------

def test_the_move_in_quote_is_three_rounded_months_from_the_first_billed_month(session, clock, estate):
    schedule.set_price(as_(session, clock, FINANCE), "p1", "management",
                       price_in("residential", "1.30", "2027-01-15"))
    quote = schedule.move_in_quote(as_(session, clock, DESK), "u1")
    # moving in on 2026-11-24, after November's bill day: December, January, February; the change
    # dated 15 January prices February
    assert quote["periods"] == ["2026-12", "2027-01", "2027-02"] and quote["prepay_months"] == 3
    assert [line["amount"] for line in quote["lines"]] == [D("102.78"), D("102.78"), D("116.18")]
    assert quote["total"] == D("321.74")
    # a parking space pays its fixed fee only once it has a price
    assert schedule.move_in_quote(as_(session, clock, DESK), "u3")["total"] == D("0.00")
    # the unit's own resident may ask; another household's is "no such account"
    assert schedule.move_in_quote(as_(session, clock, resident(G, ["u1"])), "u1")["total"] == D("321.74")
    with pytest.raises(Exception) as exc:
        schedule.move_in_quote(as_(session, clock, resident(G, ["u2"])), "u1")
    assert type(exc.value).__name__ == "AccountNotFound"


def charge(item="garbage", reference="ZX-2026-001", quantity=None, note="装修"):
    return schemas.OneOffChargeIn().load({"item_code": item, "reference": reference, "quantity": quantity,
                                          "note": note})


def test_a_one_off_charge_is_a_bill_once_due_on_the_next_due_day_with_its_notice(session, clock, estate):
    w = as_(session, clock, DESK)
    bill = schedule.charge_once(w, "u1", charge())
    # 89.37 m2 x 3.00 = 268.11, issued today, due on the next 15th
    assert (bill["total"], bill["kind"], bill["issued_on"], bill["due_on"]) == (
        D("268.11"), "one_off", date(2026, 11, 24), date(2026, 12, 15))
    [line] = bill["lines"]
    assert (line.item_code, line.quantity, line.unit_price) == ("garbage", D("89.37"), D("3.0000"))
    assert line.price_id is not None and line.price_from == date(2000, 1, 1)
    again = schedule.charge_once(w, "u1", charge())
    assert again["id"] == bill["id"] and session.scalar(select(func.count(Bill.id))) == 1
    assert (bill["status"], bill["outstanding"]) == ("open", D("268.11"))
    types = [e["type"] for e in outbox_events(session, Base)]
    assert types == ["account.balance_changed", "bill.notice_due"]
    notice = outbox_events(session, Base)[1]["data"]
    assert (notice["number"], notice["total"], notice["pays_by"], notice["due_on"]) == (
        bill["number"], "268.11", "cash", "2026-12-15")
    assert journal.balances(session, session.get(Bill, bill["id"]).account_id)["balance_due"] == D("268.11")
    with pytest.raises(NotAOneOffItem):
        schedule.charge_once(w, "u1", charge(item="management"))
    with pytest.raises(NoPrice):                  # the project never priced it
        schedule.add_item(as_(session, clock, FINANCE), "p1", schemas.FeeItemIn().load(
            {"code": "cleaning", "name": "开荒保洁", "method": "fixed_once", "unit": "次"}))
        schedule.charge_once(w, "u1", charge(item="cleaning"))
    with pytest.raises(Forbidden):
        schedule.charge_once(as_(session, clock, ENGINEER), "u2", charge())
