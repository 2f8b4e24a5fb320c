"""billing's RPC boundary: what comes in is loaded here, what goes out is dumped
here -- and the consumer-side views of the archive events billing reads."""
from __future__ import annotations

from decimal import ROUND_HALF_UP

from marshmallow import EXCLUDE, Schema, fields, validate

from kernel import validators as v
from kernel.money import CURRENCY, Money

from .domain import schedule

UNIT_ID = dict(required=True, validate=validate.Length(min=1, max=36))


# -- in -------------------------------------------------------------------------

class AccountQuery(Schema):
    unit_id = fields.String(**UNIT_ID)


class EntriesQuery(Schema):
    unit_id = fields.String(**UNIT_ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class OpeningBalanceIn(Schema):
    """期初余额: what the unit owed (positive) or had prepaid (negative) when its
    account was taken over, as of a date."""

    unit_id = fields.String(**UNIT_ID)
    amount = Money(required=True)
    as_of = v.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))


# -- out ------------------------------------------------------------------------

class AccountOut(Schema):
    account_id = fields.String(attribute="id")
    unit_id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    unit_label = fields.String()
    building_area = fields.Decimal(as_string=True, places=2)
    household_id = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    currency = fields.Constant(CURRENCY)
    opening_balance = Money()
    balance_due = Money()
    entry_count = fields.Integer()
    last_posted_at = fields.AwareDateTime(allow_none=True)
    version = fields.Integer()


class EntryOut(Schema):
    id = fields.String()
    kind = fields.String()
    amount = Money()
    description = fields.String()
    occurred_on = fields.Date()
    posted_at = fields.AwareDateTime()
    posted_by = fields.String()


# -- events billing consumes (only the fields it reads) -------------------------

class ProjectChangedIn(Schema):
    class Meta:
        unknown = EXCLUDE

    project_id = fields.String(required=True)
    group_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    version = fields.Integer(required=True)


class UnitChangedIn(Schema):
    class Meta:
        unknown = EXCLUDE

    unit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    label = fields.String(required=True)
    building_area = fields.Decimal(required=True, places=2, rounding=ROUND_HALF_UP,
                                   validate=validate.Range(min=0))
    #: archive's unit usage; an unknown one is kept as it came (no price matches it)
    usage = fields.String(load_default="residential", validate=validate.Length(min=1, max=20))
    version = fields.Integer(required=True)


class PersonIn(Schema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    role = fields.String(required=True)


class HouseholdChangedIn(Schema):
    class Meta:
        unknown = EXCLUDE

    household_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "moved_out"]))
    moved_in_on = fields.Date(allow_none=True, load_default=None)
    moved_out_on = fields.Date(allow_none=True, load_default=None)
    people = fields.List(fields.Nested(PersonIn), load_default=list)
    version = fields.Integer(required=True)


class ChargeLineIn(Schema):
    class Meta:
        unknown = EXCLUDE

    code = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Decimal(required=True)
    unit_price = Money(required=True)
    amount = Money(required=True)


class ChargePostedIn(Schema):
    """tickets' ``ticket.charge_posted``: a paid repair's charge for the unit's fee account."""
    class Meta:
        unknown = EXCLUDE

    charge_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(**UNIT_ID)
    household_id = fields.String(allow_none=True, load_default=None)
    lines = fields.List(fields.Nested(ChargeLineIn), required=True, validate=validate.Length(min=1))
    total = Money(required=True, positive=True)
    currency = fields.String(required=True, validate=validate.OneOf([CURRENCY]))
    posted_at = fields.AwareDateTime(required=True)


class ExportQuery(Schema):
    """A page of an owner's current snapshots (read-model rebuilds)."""
    kind = fields.String(required=True, validate=validate.OneOf(["account"]))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


# -- fee schedules, meter readings, one-off charges, bill runs (billrun) ---------------------

FEE_CODE = validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")     # matched from the start
#: a fee schedule's price: 0 (stop charging from that date) up to 100 000 yuan, at most 4 places
UNIT_PRICE = (validate.Range(min=0, max=100000), v.AtMostPlaces(4))
#: a meter's reading: 0 up to a billion, at most 2 places
METER_READING = (validate.Range(min=0, max=1_000_000_000), v.AtMostPlaces(2))
PROJECT_ID = dict(required=True, validate=validate.Length(min=1, max=36))


class ProjectRef(Schema):
    project_id = fields.String(**PROJECT_ID)


class ProjectMonthQuery(Schema):
    project_id = fields.String(**PROJECT_ID)
    month = fields.String(required=True, validate=v.MONTH)


class FeeScheduleQuery(Schema):
    project_id = fields.String(**PROJECT_ID)
    on = v.Date(load_default=None, allow_none=True)


class FeeItemIn(Schema):
    """收费项目: a new item of the project's fee schedule (its prices are set on their own)."""
    code = fields.String(required=True, validate=FEE_CODE)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    method = fields.String(required=True, validate=validate.OneOf(schedule.METHODS))
    #: what a quantity is counted in (a metered item's m3 or kWh, a fixed one-off's 次)
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20))


class FeePriceIn(Schema):
    """收费标准: an item's price for units of one usage (``*``: every usage without its own) from a
    date on (default today; never before)."""
    usage = fields.String(required=True, validate=validate.OneOf(schedule.USAGES))
    unit_price = v.Quantity(required=True, validate=UNIT_PRICE)
    effective_from = v.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class MeterReadingIn(Schema):
    """抄表: a unit's meter read at the end of ``period``; ``replacement``: a new meter's starting reading."""
    unit = fields.String(required=True, validate=validate.Length(min=1, max=100))
    item_code = fields.String(required=True, validate=FEE_CODE)
    period = fields.String(required=True, validate=v.MONTH)
    reading = v.Quantity(required=True, validate=METER_READING)
    read_on = v.Date(required=True)
    replacement = v.Quantity(load_default=None, allow_none=True, validate=METER_READING)


class MeterImportIn(Schema):
    """A CSV file of meter readings as text (``domain/meters.py`` says its columns)."""
    csv = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000))


class MeterReadingsQuery(Schema):
    project_id = fields.String(**PROJECT_ID)
    period = fields.String(required=True, validate=v.MONTH)
    item_code = fields.String(load_default=None, allow_none=True, validate=FEE_CODE)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class MoveInQuoteQuery(Schema):
    unit_id = fields.String(**UNIT_ID)
    on = v.Date(load_default=None, allow_none=True)


class OneOffChargeIn(Schema):
    """A one-off charge from the schedule (装修垃圾外运费): ``quantity`` counts a fixed one-off item
    (default 1; a per-area item is charged on the unit's area); ``reference`` (default today) makes
    the charge once per unit and item."""
    item_code = fields.String(required=True, validate=FEE_CODE)
    quantity = v.Quantity(load_default=None, allow_none=True)
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40))
    note = fields.String(load_default="", validate=validate.Length(max=200))


class BillRunIn(Schema):
    """Start the month's bill run (YYYY-MM)."""
    month = fields.String(required=True, validate=v.MONTH)


class BillRunOptions(Schema):
    """``chunk_size``: accounts per chunk (operations: the CLI, the bench; default 1000)."""
    chunk_size = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=5000))


class FeePriceOut(Schema):
    price_id = fields.String()
    usage = fields.String()
    unit_price = fields.Decimal(as_string=True)
    effective_from = fields.Date()
    status = fields.String()            # past | in_force | scheduled
    set_at = fields.AwareDateTime()
    set_by = fields.String()
    reason = fields.String()


class FeeItemOut(Schema):
    code = fields.String()
    name = fields.String()
    method = fields.String()
    quantity_unit = fields.String()
    active = fields.Boolean()
    prices = fields.List(fields.Nested(FeePriceOut))


class FeeScheduleOut(Schema):
    project_id = fields.String()
    on = fields.Date()
    currency = fields.String()
    items = fields.List(fields.Nested(FeeItemOut))


class MeterReadingOut(Schema):
    id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    item_code = fields.String()
    period = fields.String()
    previous = fields.Decimal(as_string=True)
    reading = fields.Decimal(as_string=True)
    quantity = fields.Decimal(as_string=True)
    read_on = fields.Date()
    kind = fields.String()
    source = fields.String()
    recorded_by = fields.String()
    recorded_at = fields.AwareDateTime()


class MeterImportOut(Schema):
    project_id = fields.String()
    file_sha256 = fields.String()
    source = fields.String()
    lines = fields.Integer()
    recorded = fields.Integer()
    unchanged = fields.Integer()


class FeeLineOut(Schema):
    """A computed bill line: the price row it used, the exact amount rounded half-up at the fen."""
    line_no = fields.Integer()
    period = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    quantity = fields.Decimal(as_string=True)
    quantity_unit = fields.String()
    unit_price = fields.Decimal(as_string=True)
    amount = Money()
    price_id = fields.String(allow_none=True)
    price_from = fields.Date(allow_none=True)
    detail = fields.String()


class MoveInQuoteOut(Schema):
    unit_id = fields.String()
    unit_label = fields.String()
    usage = fields.String()
    building_area = fields.Decimal(as_string=True, places=2)
    on = fields.Date()
    prepay_months = fields.Integer()
    periods = fields.List(fields.String())
    lines = fields.List(fields.Nested(FeeLineOut))
    total = Money()
    currency = fields.String()


class FeeBillOut(Schema):
    bill_id = fields.String()
    number = fields.String()
    kind = fields.String()
    period = fields.String(allow_none=True)
    account_id = fields.String()
    issued_on = fields.Date()
    due_on = fields.Date()
    total = Money()
    outstanding = Money()
    settled = fields.Boolean()
    source_type = fields.String()
    source_id = fields.String()
    lines = fields.List(fields.Nested(FeeLineOut))


class BillRunOut(Schema):
    run_id = fields.String()
    project_id = fields.String()
    period = fields.String()
    status = fields.String()            # running | done | failed
    total = fields.Integer()
    billed = fields.Integer()
    skipped = fields.Integer()
    done = fields.Integer()
    amount = Money()
    chunks = fields.Integer()
    started_at = fields.AwareDateTime()
    started_by = fields.String()
    finished_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
