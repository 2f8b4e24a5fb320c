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
