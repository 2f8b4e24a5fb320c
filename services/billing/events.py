"""billing's published events -- its public contract.

| event                    | when                                         | subscribers |
|--------------------------|----------------------------------------------|-------------|
| account.balance_changed  | anything posted to a unit's fee account, or the account's household changed | archive, gateway |
| setting.changed          | a project setting of billing changed (kernel.settings) | -- (audit) |

``balance_due`` is the signed balance of the unit's fee account in yuan, as a
string: positive = the household owes (欠费), negative = prepaid credit (预存).
``cause`` ``payer_changed`` (no ``entry_id``): a household moved in and the
account is now theirs -- its balance as it stands (0.00 on a new account), so
the household file's payment summary starts from the account's figure.
Each event carries the whole account (``AccountSnapshot``: label, area, payer, opening
balance, entry count, last posting) and the account's ``version`` (grows with every change),
so a read model keeps the newest and ignores redelivered or reordered older ones.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract
from kernel.money import Money
from kernel.settings import SETTING_CHANGED, SettingChanged

from .models import ENTRY_KINDS

BALANCE_CHANGED = "account.balance_changed"


class AccountSnapshot(Schema):
    """The fee account as it stands (state-carrying): what ``account.balance_changed`` carries
    besides its cause, and what ``export_snapshots("account")`` pages through. ``version``
    grows by 1 with every published change of the account; a consumer keeps the newest."""
    account_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    project_id = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    balance_due = Money(required=True)
    as_of = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)
    group_id = fields.String()
    unit_label = fields.String(allow_none=True)
    building_area = fields.Decimal(as_string=True, places=2, allow_none=True)
    payer_name = fields.String(allow_none=True)
    currency = fields.String()
    opening_balance = Money()
    entry_count = fields.Integer()
    last_posted_at = fields.AwareDateTime(allow_none=True)


class BalanceChanged(AccountSnapshot):
    cause = fields.String(required=True, validate=validate.OneOf([*ENTRY_KINDS, "payer_changed"]))
    entry_id = fields.String(required=True, allow_none=True)


CONTRACT = EventContract("billing", {BALANCE_CHANGED: BalanceChanged, SETTING_CHANGED: SettingChanged},
                         optional_subscribers=frozenset({SETTING_CHANGED}))
