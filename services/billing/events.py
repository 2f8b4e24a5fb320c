"""billing's published events -- its public contract.

| event                    | when                                         | subscribers |
|--------------------------|----------------------------------------------|-------------|
| account.balance_changed  | anything posted to a unit's fee account, or the account's household changed | archive |

``balance_due`` is the signed balance of the unit's fee account in yuan, as a
string: positive = the household owes (欠费), negative = prepaid credit (预存).
``cause`` ``payer_changed`` (no ``entry_id``): a household moved in and the
account is now theirs -- its balance as it stands (0.00 on a new account), so
the household file's payment summary starts from the account's figure.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract
from kernel.money import Money

BALANCE_CHANGED = "account.balance_changed"


class BalanceChanged(Schema):
    account_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    project_id = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    balance_due = Money(required=True)
    cause = fields.String(required=True, validate=validate.OneOf(
        ["opening_balance", "charge", "payment", "adjustment", "late_fee", "payer_changed"]))
    entry_id = fields.String(required=True, allow_none=True)
    as_of = fields.AwareDateTime(required=True)


CONTRACT = EventContract("billing", {BALANCE_CHANGED: BalanceChanged})
