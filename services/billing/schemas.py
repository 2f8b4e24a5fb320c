"""billing's RPC boundary: what comes in is loaded here, what goes out is dumped
here -- and the consumer-side views of the archive events billing reads."""
from __future__ import annotations

from decimal import ROUND_HALF_UP

from marshmallow import EXCLUDE, Schema, fields, validate

from kernel import validators as v
from kernel.money import CURRENCY, Money

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
    # the arrears summary (as account.balance_changed carries it; queries)
    usage = fields.String()
    receivable = Money()
    credit = Money()
    deposits_held = Money()
    open_bills = fields.Integer()
    oldest_due_on = fields.Date(allow_none=True)


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


# -- queries: balances, arrears, statements, bills, receipts, project figures ------------------
# (domain/queries.py; the gateway's twins in gateway/schemas.py "billing queries")

from marshmallow import validates_schema  # noqa: E402

from .domain.queries import BILL_FILTERS, MAX_PERIOD_DAYS  # noqa: E402

PAGE_LIMIT = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
PAGE_OFFSET = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class DatePeriod(Schema):
    """The days ``date_from`` to ``date_to`` inclusive, at most three years."""
    date_from = v.Date(required=True)
    date_to = v.Date(required=True)

    @validates_schema
    def _period(self, data, **kwargs):
        v.check_period(data, "date_from", "date_to", max_days=MAX_PERIOD_DAYS)


class StatementQuery(DatePeriod):
    """对账单 of a unit for a period."""
    unit_id = fields.String(**UNIT_ID)


class BillsQuery(Schema):
    unit_id = fields.String(**UNIT_ID)
    status = fields.String(load_default="all", validate=validate.OneOf(BILL_FILTERS))
    period = fields.String(load_default=None, allow_none=True, validate=v.MONTH)
    limit = PAGE_LIMIT
    offset = PAGE_OFFSET


class BillQuery(Schema):
    bill_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class ReceiptsQuery(Schema):
    unit_id = fields.String(**UNIT_ID)
    limit = PAGE_LIMIT
    offset = PAGE_OFFSET


class ReceiptQuery(Schema):
    receipt_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class ProjectQuery(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class TrialBalanceQuery(ProjectQuery, DatePeriod):
    """试算平衡表 of a project for a period."""


class BalanceOut(Schema):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    project_id = fields.String()
    currency = fields.String()
    receivable = Money()
    credit = Money()
    deposits_held = Money()
    balance_due = Money()
    open_bills = fields.Integer()
    overdue = Money()
    overdue_bills = fields.Integer()
    oldest_due_on = fields.Date(allow_none=True)
    as_of = fields.Date()


class ArrearsOut(Schema):
    unit_id = fields.String()
    has_arrears = fields.Boolean()
    overdue = Money()
    overdue_bills = fields.Integer()
    balance_due = Money()
    oldest_due_on = fields.Date(allow_none=True)
    as_of = fields.Date()


class StatementEntryOut(Schema):
    entry_id = fields.String()
    line_no = fields.Integer()
    date = fields.Date()
    kind = fields.String()
    description = fields.String()
    amount = Money()
    balance = Money()
    bills = fields.List(fields.String())
    receipt_id = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    reversed_by = fields.Integer(allow_none=True)
    reverses = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    posted_at = fields.AwareDateTime()


class StatementOut(Schema):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    payer_name = fields.String(allow_none=True)
    currency = fields.String()
    date_from = fields.Date()
    date_to = fields.Date()
    opening_balance = Money()
    entries = fields.List(fields.Nested(StatementEntryOut))
    closing_balance = Money()


class BillLineOut(Schema):
    line_no = fields.Integer()
    item_code = fields.String()
    item_name = fields.String()
    quantity = fields.Decimal(as_string=True, places=2)
    quantity_unit = fields.String()
    unit_price = fields.Decimal(as_string=True, places=4)
    amount = Money()
    price_id = fields.String(allow_none=True)
    price_from = fields.Date(allow_none=True)
    detail = fields.String()


class SettlementOut(Schema):
    entry_id = fields.String()
    kind = fields.String()
    occurred_on = fields.Date()
    amount = Money()
    receipt_id = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    receipt_voided = fields.Boolean()


class BillOut(Schema):
    id = fields.String()
    number = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    kind = fields.String()
    period = fields.String(allow_none=True)
    issued_on = fields.Date()
    due_on = fields.Date()
    total = Money()
    allocated = Money()
    outstanding = Money()
    status = fields.String()
    overdue = fields.Boolean()
    settled_at = fields.AwareDateTime(allow_none=True)
    lines = fields.List(fields.Nested(BillLineOut))
    settlements = fields.List(fields.Nested(SettlementOut))


class BillPageOut(Schema):
    items = fields.List(fields.Nested(BillOut))
    total = fields.Integer()


class ReceiptLineOut(Schema):
    bill = fields.String(allow_none=True)
    period = fields.String(allow_none=True)
    item = fields.String(allow_none=True)
    amount = Money()


class ReceiptOut(Schema):
    id = fields.String()
    number = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    amount = Money()
    payer_name = fields.String(allow_none=True)
    method = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineOut))
    issued_at = fields.AwareDateTime()
    issued_by = fields.String()
    voided = fields.Boolean()
    voided_at = fields.AwareDateTime(allow_none=True)
    voided_by = fields.String(allow_none=True)
    void_reason = fields.String(allow_none=True)


class ReceiptPageOut(Schema):
    items = fields.List(fields.Nested(ReceiptOut))
    total = fields.Integer()


class BookBalanceOut(Schema):
    book = fields.String()
    balance = Money()


class ProjectLedgerOut(Schema):
    project_id = fields.String()
    currency = fields.String()
    as_of = fields.Date()
    receivable = Money()
    credit = Money()
    deposits_held = Money()
    balance_due = Money()
    open_bills = fields.Integer()
    overdue = Money()
    accounts_in_arrears = fields.Integer()
    accounts = fields.Integer()
    books = fields.List(fields.Nested(BookBalanceOut))


class TrialTotalsOut(Schema):
    opening = Money()
    debit = Money()
    credit = Money()
    closing = Money()


class TrialBookOut(TrialTotalsOut):
    book = fields.String()


class TrialBalanceOut(Schema):
    project_id = fields.String()
    currency = fields.String()
    date_from = fields.Date()
    date_to = fields.Date()
    books = fields.List(fields.Nested(TrialBookOut))
    totals = fields.Nested(TrialTotalsOut)
    balanced = fields.Boolean()
