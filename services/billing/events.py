"""billing's published events -- its public contract.

| event                    | when                                         | subscribers |
|--------------------------|----------------------------------------------|-------------|
| account.balance_changed  | anything posted to a unit's fee account, or the account's household changed | archive, gateway |
| setting.changed          | a project setting of billing changed (kernel.settings) | -- (audit) |
| bill.notice_due          | a bill's notice is due (the 5th; a one-off bill when issued) | notify |
| bill.reminder_due        | N days before a bill's due date (cash payers) or a bank collection (mandates) | notify |
| receipt.issued           | a receipt was issued for a payment | notify |
| receipt.voided           | a receipt was voided (its payment reversed in the journal) | -- (optional) |
| dunning.notice_due       | a notice of the dunning ladder (1st, 2nd, final) is due for a household | notify |
| renovation.fees_charged  | a renovation's fees were asked for: the garbage-removal fee charged (its amount: the building area x the schedule's price; 0.00 when the project charges none) and the deposit to hold (domain/renovation_fees.py) | tickets (the amounts shown before they are paid) |
| renovation.fees_paid     | a renovation's deposit is held and its garbage-removal fee paid (domain/renovation_fees.py) | tickets (the start allowed) |
| renovation.deposit_refunded | a renovation's deposit refund (less what was withheld) was paid | tickets (the refund clock met) |

``balance_due`` is the signed balance of the unit's fee account in yuan, as a
string: positive = the household owes (欠费), negative = prepaid credit (预存).
``cause`` ``dunning`` (no ``entry_id``): the account's dunning state changed (its case opened,
moved on the ladder, got a class, paused, resumed or closed) -- ``dunning_stage``, ``arrears_class``,
``dunning_paused``, ``late_fee_accrued``. ``cause`` ``payer_changed`` (no ``entry_id``): a household moved in and the
account is now theirs -- its balance as it stands (0.00 on a new account), so
the household file's payment summary starts from the account's figure.
``cause`` ``closed`` (no ``entry_id``): another household pays for the unit now (过户, or a move-in
after a move-out); this account (``closed_on``, ``succeeded_by``) stays the old household's with
its debt, and the unit's new account follows with ``payer_changed`` (its ``version`` continues the
unit's sequence). A unit's read model ignores closed accounts.
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
BILL_NOTICE_DUE = "bill.notice_due"
BILL_REMINDER_DUE = "bill.reminder_due"
RECEIPT_ISSUED = "receipt.issued"
RECEIPT_VOIDED = "receipt.voided"
DUNNING_NOTICE_DUE = "dunning.notice_due"
RENOVATION_FEES_CHARGED = "renovation.fees_charged"
RENOVATION_FEES_PAID = "renovation.fees_paid"
RENOVATION_DEPOSIT_REFUNDED = "renovation.deposit_refunded"


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
    usage = fields.String()
    #: on bills not yet settled (应收); the prepaid credit (预收); deposits held (押金)
    receivable = Money()
    credit = Money()
    deposits_held = Money()
    #: how many bills are open and the oldest one's due date (overdue when before today)
    open_bills = fields.Integer()
    oldest_due_on = fields.Date(allow_none=True)
    #: the open dunning case (催缴案件), if any: its ladder stage (``none`` before the 1st notice ..
    #: ``late``; null: no open case), the steward's arrears class (A-E, null before the first call),
    #: whether it is paused (a disputed bill, an installment plan honoured), and the late fee (滞纳金)
    #: accrued and not yet billed, rounded at the fen
    dunning_stage = fields.String(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    dunning_paused = fields.Boolean()
    late_fee_accrued = Money()
    #: a closed account (原业主账户): the day its household stopped paying for the unit and the unit's
    #: account that took over. It stays that household's (its debt, credit, deposits, dunning), it is
    #: no longer the unit's: a unit's read model keeps only the open one (null here)
    closed_on = fields.Date(allow_none=True)
    succeeded_by = fields.String(allow_none=True)


#: why ``account.balance_changed`` was published: a journal entry's kind, a new payer, or
#: ``dunning`` -- the account's dunning state changed (a case opened, moved, classed, paused or closed)
BALANCE_CAUSES = (*ENTRY_KINDS, "payer_changed", "dunning", "closed")


class BalanceChanged(AccountSnapshot):
    cause = fields.String(required=True, validate=validate.OneOf(BALANCE_CAUSES))
    entry_id = fields.String(required=True, allow_none=True)


class ToHousehold(Schema):
    """Whom a billing message is for: the unit's account and the household paying it."""
    account_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)


class BillNotice(ToHousehold):
    """What notify needs to tell a household about one bill -- platform values only (numbers,
    dates, amounts, the unit's label): nothing a resident typed. ``pays_by`` ``cash`` (at the desk
    or online) or ``bank_debit`` (a debit mandate: the bank collects on ``collect_on``)."""
    bill_id = fields.String(required=True)
    number = fields.String(required=True)
    period = fields.String(allow_none=True)
    total = Money(required=True)
    outstanding = Money(required=True)
    due_on = fields.Date(required=True)
    pays_by = fields.String(required=True, validate=validate.OneOf(["cash", "bank_debit"]))
    collect_on = fields.Date(allow_none=True)


class BillReminder(BillNotice):
    """``bill.reminder_due``: ``kind`` ``before_due`` (N days before the due date, cash payers) or
    ``before_debit`` (N days before a bank collection, households with a mandate)."""
    kind = fields.String(required=True, validate=validate.OneOf(["before_due", "before_debit"]))
    days_before = fields.Integer(required=True)


class ReceiptIssued(ToHousehold):
    """``receipt.issued``: a receipt (收据) after a payment -- for the household's receipt message."""
    receipt_id = fields.String(required=True)
    number = fields.String(required=True)
    amount = Money(required=True)
    method = fields.String(required=True)
    issued_at = fields.AwareDateTime(required=True)


# -- payments helper ------------------------------------------------------------------------

class ReceiptVoided(ReceiptIssued):
    """``receipt.voided``: a receipt (收据) was voided -- it stays, marked void, and its payment
    (or deposit) is reversed in the journal. The receipt as issued, and who voided it when; the
    reason stays with billing."""
    payment_id = fields.String(required=True)
    purpose = fields.String(required=True)
    voided_at = fields.AwareDateTime(required=True)
    voided_by = fields.String(required=True)


# -- dunning (催费) ------------------------------------------------------------------------------

class DunningNoticeDue(ToHousehold):
    """``dunning.notice_due``: a notice of the dunning ladder for the household -- ``stage``
    ``first`` (催费通知书), ``second`` (二次催费通知书) or ``final`` (最后催费通知书, with the late fee):
    what is overdue, the late fee accrued and not yet billed, the day to pay by. Sent by SMS and
    in-app and printed for the door (``door_notice``). Platform values only. ``notice_id`` is the
    idempotency reference for every channel."""
    notice_id = fields.String(required=True)
    case_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(["first", "second", "final"]))
    notice_on = fields.Date(required=True)
    pay_by = fields.Date(required=True)
    overdue = Money(required=True)
    late_fee = Money(required=True)
    oldest_due_on = fields.Date(required=True)
    bills = fields.Integer(required=True)
    door_notice = fields.Boolean(load_default=True, dump_default=True)
    #: the late fee the project charges (a daily rate, 0.0005 = 0.05%) and the first day it accrues on
    #: the oldest overdue bill -- what the final notice warns of
    late_fee_daily_rate = fields.Decimal(as_string=True, load_default=None, allow_none=True)
    late_fee_from = fields.Date(load_default=None, allow_none=True)


class RenovationFeesCharged(Schema):
    """tickets' renovation (``renovation.fees_requested``) was charged, once: the garbage-removal fee
    (one-off bill ``garbage_bill_id``; null and 0.00: the project charges none) and the deposit to hold."""
    renovation_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    account_id = fields.String(required=True)
    deposit_amount = Money(required=True)
    garbage_bill_id = fields.String(allow_none=True)
    garbage_fee = Money(required=True)
    charged_at = fields.AwareDateTime(required=True)


class RenovationFeesPaid(Schema):
    """tickets' renovation (``renovation.fees_requested``): its deposit held and its garbage-removal
    fee (one-off bill ``garbage_bill_id``; null: the project charges none) settled -- once."""
    renovation_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    account_id = fields.String(required=True)
    deposit_id = fields.String(required=True)
    deposit_amount = Money(required=True)
    garbage_bill_id = fields.String(allow_none=True)
    garbage_fee = Money(required=True)
    paid_at = fields.AwareDateTime(required=True)


class RenovationDepositRefunded(Schema):
    """A renovation's deposit refund (``renovation.refund_requested``) was paid: ``amount`` back,
    ``withheld_amount`` kept for the violations."""
    renovation_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    account_id = fields.String(required=True)
    deposit_id = fields.String(allow_none=True)
    refund_id = fields.String(required=True)
    amount = Money(required=True)
    withheld_amount = Money(required=True)
    paid_at = fields.AwareDateTime(required=True)


CONTRACT = EventContract("billing", {BALANCE_CHANGED: BalanceChanged, SETTING_CHANGED: SettingChanged,
                                    BILL_NOTICE_DUE: BillNotice, BILL_REMINDER_DUE: BillReminder,
                                    RECEIPT_ISSUED: ReceiptIssued, RECEIPT_VOIDED: ReceiptVoided,
                                    DUNNING_NOTICE_DUE: DunningNoticeDue,
                                    RENOVATION_FEES_CHARGED: RenovationFeesCharged,
                                    RENOVATION_FEES_PAID: RenovationFeesPaid,
                                    RENOVATION_DEPOSIT_REFUNDED: RenovationDepositRefunded},
                         # bill.notice_due, bill.reminder_due, receipt.issued: notify subscribes (bank),
                         # so they are published ``mandatory`` -- kept while no queue is bound
                         optional_subscribers=frozenset({SETTING_CHANGED, RECEIPT_VOIDED}))
