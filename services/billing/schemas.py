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
    amount = Money(required=True, validate=v.OPENING_BALANCE_RANGE)
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
    #: when billing last stated the account (its last ``account.balance_changed``)
    as_of = fields.AwareDateTime(allow_none=True)
    #: the open dunning case's stage and class, paused or not, the late fee accrued and not billed
    dunning_stage = fields.String(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    dunning_paused = fields.Boolean()
    late_fee_accrued = Money()


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


# -- bank collection (银行托收): mandates, batches, result files -- bank ------------------------

#: a bank result file uploaded as text: at most this many characters (about 40 000 lines)
MAX_RESULT_FILE = 4_000_000
ROUNDS = (1, 2)


class DebitMandateIn(Schema):
    """托收协议: the household's bank, the account holder and the account number (12-30 digits)."""
    unit_id = fields.String(**UNIT_ID)
    bank_name = fields.String(required=True, validate=[v.Stated(1, 100), v.ONE_LINE])
    holder_name = fields.String(required=True, validate=[v.Stated(1, 100), v.ONE_LINE])
    bank_account = fields.String(required=True, validate=v.BANK_ACCOUNT)
    signed_on = v.Date(load_default=None, allow_none=True)


class MandateRef(Schema):
    unit_id = fields.String(**UNIT_ID)
    mandate_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class MandateCancelIn(MandateRef):
    cancelled_on = v.Date(load_default=None, allow_none=True)
    reason = fields.String(required=True, validate=v.PURPOSE)


class MandateAccountRead(MandateRef):
    """Why finance reads the whole account number (logged)."""
    purpose = fields.String(required=True, validate=v.PURPOSE)


class BankBatchIn(Schema):
    """A collection round started by hand: the month and the round (1: the 10th, 2: after the 20th)."""
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    period = fields.String(required=True, validate=v.MONTH)
    round = fields.Integer(required=True, strict=True, validate=validate.OneOf(ROUNDS))


class BankBatchQuery(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    period = fields.String(load_default=None, allow_none=True, validate=v.MONTH)
    limit = fields.Integer(load_default=24, validate=validate.Range(min=1, max=200))


class BankBatchRef(Schema):
    batch_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class BankResultFileIn(BankBatchRef):
    """The bank's result file as text (CSV, see ``domain/bank.py``)."""
    csv = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_RESULT_FILE), v.TEXT_FILE])


class DebitMandateOut(Schema):
    id = fields.String()
    unit_id = fields.String()
    account_id = fields.String()
    household_id = fields.String(allow_none=True)
    bank_name = fields.String()
    holder_name = fields.String()
    #: masked (6222 **** **** 1234) except in finance's logged read
    bank_account = fields.String()
    signed_on = fields.Date()
    active = fields.Boolean()
    #: active and signed by the unit's current household: the bank collects from it
    collects = fields.Boolean()
    cancelled_on = fields.Date(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    created_by = fields.String()


class BankBatchItemOut(Schema):
    id = fields.String()
    line_no = fields.Integer()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    holder_name = fields.String()
    bank_name = fields.String()
    bank_account = fields.String()          # masked
    amount = Money()
    status = fields.String()
    reason = fields.String(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)


class BankBatchOut(Schema):
    id = fields.String()
    project_id = fields.String()
    number = fields.String()
    period = fields.String()
    round = fields.Integer()
    collect_on = fields.Date()
    status = fields.String()
    item_count = fields.Integer()
    total = Money()
    sent = fields.Integer()
    paid = fields.Integer()
    failed = fields.Integer()
    paid_total = Money()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    #: create_bank_batch: whether this call made it (else it existed)
    created = fields.Boolean()


class BankResultImportOut(Schema):
    id = fields.String()
    batch_id = fields.String()
    batch_number = fields.String()
    sha256 = fields.String()
    imported_at = fields.AwareDateTime()
    imported_by = fields.String()
    #: applying (the rows after the first ones are recorded by jobs) | done
    status = fields.String()
    rows = fields.Integer()
    applied = fields.Integer()
    paid = fields.Integer()
    failed = fields.Integer()
    unchanged = fields.Integer()
    finished_at = fields.AwareDateTime(allow_none=True)
    #: the same file again: nothing recorded, the first import's answer
    repeated = fields.Boolean()
    batch_status = fields.String()


class BankBatchDetailOut(BankBatchOut):
    """One batch with its items and the bank's result files (get_bank_batch)."""
    items = fields.List(fields.Nested(BankBatchItemOut))
    imports = fields.List(fields.Nested(BankResultImportOut))


class BankFileOut(Schema):
    filename = fields.String()
    content = fields.String()


# -- queries: balances, arrears, statements, bills, receipts, project figures ------------------
# (domain/queries.py; the gateway's twins in gateway/schemas.py "billing queries")

from marshmallow import validates_schema  # noqa: E402

from .domain.queries import BILL_FILTERS, MAX_PERIOD_DAYS  # noqa: E402

PAGE_LIMIT = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
PAGE_OFFSET = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
#: one of the unit's fee accounts by id (a closed one: a previous household's, 原业主账户); left out: the
#: unit's open account. Not an id's form: 400 (the gateway's query schemas take the same validators)
ACCOUNT_ID_QUERY = dict(load_default=None, allow_none=True, validate=[v.RECORD_ID, validate.Length(min=1, max=36)])


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
    account_id = fields.String(**ACCOUNT_ID_QUERY)


class BillsQuery(Schema):
    unit_id = fields.String(**UNIT_ID)
    status = fields.String(load_default="all", validate=validate.OneOf(BILL_FILTERS))
    period = fields.String(load_default=None, allow_none=True, validate=v.MONTH)
    limit = PAGE_LIMIT
    offset = PAGE_OFFSET
    account_id = fields.String(**ACCOUNT_ID_QUERY)


class BillQuery(Schema):
    bill_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class ReceiptsQuery(Schema):
    unit_id = fields.String(**UNIT_ID)
    limit = PAGE_LIMIT
    offset = PAGE_OFFSET
    account_id = fields.String(**ACCOUNT_ID_QUERY)


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


class UnitAccountOut(BalanceOut):
    """One of a unit's fee accounts (一户一账): whose, open or closed, and its figures today."""
    household_id = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    status = fields.String()            # open | closed
    opened_at = fields.AwareDateTime()
    closed_on = fields.Date(allow_none=True)
    succeeded_by = fields.String(allow_none=True)


class UnitAccountsOut(Schema):
    unit_id = fields.String()
    items = fields.List(fields.Nested(UnitAccountOut))


class PreviousArrearsOut(Schema):
    """A previous household's closed account of the unit with something overdue (原业主欠费)."""
    account_id = fields.String()
    household_id = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    closed_on = fields.Date()
    overdue = Money()


class ArrearsOut(Schema):
    unit_id = fields.String()
    has_arrears = fields.Boolean()
    overdue = Money()
    overdue_bills = fields.Integer()
    balance_due = Money()
    oldest_due_on = fields.Date(allow_none=True)
    as_of = fields.Date()
    previous = fields.List(fields.Nested(PreviousArrearsOut))


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
    """收据 as printed, and whether it was voided (by whom, why): ``payments.receipt_view``."""
    id = fields.String()
    number = fields.String()
    project_id = fields.String()
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
    status = fields.String()                 # valid | void
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


# -- payments, receipts, deposits, refunds, corrections (payments helper) ----------------------

#: at the desk: 现金 cash, 刷卡 card (the POS slip's reference), 银行转账 transfer (the bank's reference)
DESK_METHODS = ("cash", "card", "transfer")
#: online, through a payment provider (domain/providers.py): 微信支付, 支付宝
ONLINE_METHODS = ("wechat", "alipay")
DEPOSIT_PURPOSES = ("renovation", "key", "other")
#: a refund of prepaid credit (an overpayment, 预收退款) or of a deposit (押金退还)
REFUND_KINDS = ("overpayment", "deposit")
REFUND_METHODS = ("cash", "transfer")
REFUND_STATES = ("requested", "approved", "rejected", "paid")
ID = dict(required=True, validate=validate.Length(min=1, max=64))
REFERENCE = dict(load_default=None, allow_none=True)
PAYER = dict(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
NOTE = dict(load_default="", validate=validate.Length(max=300))


class PaymentIn(Schema):
    """收款 at the desk. ``reference``: the POS slip's (card) or the bank's (transfer) -- required
    for both, unique per method. ``account_id``: a closed account of the unit -- the previous
    household's debt (原业主欠费), paid by them or for them; else the unit's current account."""
    unit_id = fields.String(**UNIT_ID)
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    method = fields.String(required=True, validate=validate.OneOf(DESK_METHODS))
    amount = Money(required=True, positive=True, exact=True)
    reference = v.Reference(**REFERENCE)
    payer_name = fields.String(**PAYER)
    note = fields.String(**NOTE)


class OnlinePaymentIn(Schema):
    """A WeChat Pay / Alipay payment for the unit. ``auth_code``: the payer's payment code
    (付款码) scanned at the desk -- the provider answers at once; without it the provider answers
    with a pay URL / QR code the payer opens. ``account_id``: one of the unit's accounts -- a closed one
    is a previous household's (原业主账户), paid by its own residents (or the desk) for at most what it
    owes; else the unit's current account."""
    unit_id = fields.String(**UNIT_ID)
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    method = fields.String(required=True, validate=validate.OneOf(ONLINE_METHODS))
    amount = Money(required=True, positive=True, exact=True)
    auth_code = fields.String(load_default=None, allow_none=True,
                              validate=validate.Regexp(r"^[0-9]{16,24}$", error="A payment code is 16-24 digits."))


class PaymentRef(Schema):
    payment_id = fields.String(**ID)


class NotificationIn(Schema):
    """A provider's notification as the gateway forwards it: the raw body (its signature is over
    these bytes) and the signature header."""
    provider = fields.String(required=True, validate=validate.Length(min=1, max=20))
    body = fields.String(required=True, validate=validate.Length(min=2, max=64 * 1024))
    signature = fields.String(required=True, validate=validate.Length(min=1, max=200))


class ProviderAnswerIn(Schema):
    """What a payment provider says about one payment (its answer to create or query, or its
    notification): ``out_trade_no`` is our payment id, ``trade_no`` the provider's."""
    class Meta:
        unknown = EXCLUDE

    out_trade_no = fields.String(**ID)
    status = fields.String(required=True, validate=validate.OneOf(["paid", "pending", "closed"]))
    trade_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    amount = Money(load_default=None, allow_none=True, positive=True)
    merchant_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    pay_url = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    qr_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class VoidReceiptIn(Schema):
    receipt_id = fields.String(**ID)
    reason = fields.String(required=True, validate=v.PURPOSE)


class DepositIn(Schema):
    """押金/保证金 held for the unit. Without ``amount`` a renovation deposit is the amount the unit's
    open renovation asks (tickets' ``renovation.deposit``, carried by ``renovation.fees_requested``)."""
    unit_id = fields.String(**UNIT_ID)
    purpose = fields.String(load_default="renovation", validate=validate.OneOf(DEPOSIT_PURPOSES))
    amount = Money(load_default=None, allow_none=True, positive=True, exact=True)
    method = fields.String(required=True, validate=validate.OneOf(DESK_METHODS))
    reference = v.Reference(**REFERENCE)
    payer_name = fields.String(**PAYER)
    note = fields.String(**NOTE)


class RefundIn(Schema):
    """退款 requested: of the unit's prepaid credit (``overpayment``) or of a deposit it holds
    (``deposit``, naming ``deposit_id``). ``account_id``: a closed account of the unit -- a previous
    household's credit or deposit (原业主的预存款、押金), staff only; else the unit's current account."""
    unit_id = fields.String(**UNIT_ID)
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    kind = fields.String(required=True, validate=validate.OneOf(REFUND_KINDS))
    deposit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    amount = Money(required=True, positive=True, exact=True)
    method = fields.String(required=True, validate=validate.OneOf(REFUND_METHODS))
    reason = fields.String(required=True, validate=v.PURPOSE)


class RefundStepIn(Schema):
    """approve (``note`` optional), reject (``note`` says why: required), pay."""
    refund_id = fields.String(**ID)
    note = fields.String(load_default="", validate=validate.Length(max=400))


class RefundQuery(Schema):
    project_id = fields.String(**ID)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REFUND_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class BillCreditIn(Schema):
    """减免 (discount) or 核销 (write-off) of part or all of a bill's open amount, with why."""
    bill_id = fields.String(**ID)
    amount = Money(required=True, positive=True, exact=True)
    reason = fields.String(required=True, validate=v.PURPOSE)


class ReverseIn(Schema):
    """冲正 of one journal entry, with why."""
    entry_id = fields.String(**ID)
    reason = fields.String(required=True, validate=v.PURPOSE)


class DepositStepOut(Schema):
    """One step of a deposit's life, read from the journal: ``held``, ``refunded``, ``forfeited``
    (押金扣除: the part withheld moved to income), ``voided``."""
    kind = fields.String()
    amount = Money()
    occurred_on = fields.Date()
    at = fields.AwareDateTime()
    by = fields.String()
    description = fields.String()
    reason = fields.String(allow_none=True)
    entry_id = fields.String()


class DepositOut(Schema):
    """A deposit (押金/保证金). ``forfeited``: withheld and moved to income (0051). Read alone
    (``get_deposit``) it carries what it still ``holds``, its unit and its ``history``."""
    id = fields.String()
    account_id = fields.String()
    purpose = fields.String()
    amount = Money()
    refunded = Money()
    forfeited = Money()
    status = fields.String()                 # held | refunded | forfeited | void
    payment_id = fields.String(allow_none=True)
    held_at = fields.AwareDateTime()
    held_by = fields.String()
    holds = Money()
    unit_id = fields.String()
    unit_label = fields.String()
    pledged_loan_id = fields.String(allow_none=True)       # read alone: the key loan it is pledged to
    history = fields.List(fields.Nested(DepositStepOut))


class DepositQuery(Schema):
    deposit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class AccountStateOut(AccountOut):
    """The fee account after the change, as ``account.balance_changed`` states it (what the read
    model keeps: ``version``, ``as_of``), with the arrears summary."""
    account_id = fields.String()
    receivable = Money()
    credit = Money()
    deposits_held = Money()
    open_bills = fields.Integer()
    oldest_due_on = fields.Date(allow_none=True)
    as_of = fields.AwareDateTime(allow_none=True)
    #: a closed account (原业主账户: its household no longer pays for the unit), e.g. after a write-off
    #: of the old owner's bill -- not the unit's current account (a read model must not take it)
    closed_on = fields.Date(allow_none=True)


class PaymentOut(Schema):
    """A payment (收款) with its receipt -- or, online and still pending, what the payer opens
    (``pay``: pay_url / qr_code) -- the deposit it holds, and the account after it."""
    id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    project_id = fields.String()
    method = fields.String()
    amount = Money()
    purpose = fields.String()
    status = fields.String()                 # pending | received | failed | reversed
    reference = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    note = fields.String()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    received_at = fields.AwareDateTime(allow_none=True)
    failure = fields.String(allow_none=True)
    pay = fields.Dict(allow_none=True)
    receipt = fields.Nested(ReceiptOut, allow_none=True)
    deposit = fields.Nested(DepositOut, allow_none=True)
    account = fields.Nested(AccountStateOut, allow_none=True)


class NotificationOut(Schema):
    """billing's answer to a provider's notification (the gateway acknowledges it)."""
    payment_id = fields.String()
    status = fields.String()


class RefundStepOut(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    by = fields.String()
    note = fields.String(allow_none=True)


class RefundOut(Schema):
    id = fields.String()
    project_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    kind = fields.String()
    deposit_id = fields.String(allow_none=True)
    amount = Money()
    method = fields.String()
    reason = fields.String()
    status = fields.String()
    requested_at = fields.AwareDateTime()
    requested_by = fields.String()
    decided_at = fields.AwareDateTime(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    paid_by = fields.String(allow_none=True)
    entry_id = fields.String(allow_none=True)
    history = fields.List(fields.Nested(RefundStepOut))
    account = fields.Nested(AccountStateOut, allow_none=True)


class CorrectionEntryOut(EntryOut):
    reason = fields.String(allow_none=True)
    reverses_id = fields.String(allow_none=True)
    line_no = fields.Integer()


class CorrectionOut(Schema):
    """A discount, write-off or reversal: the entry posted and the account after it."""
    entry = fields.Nested(CorrectionEntryOut)
    account = fields.Nested(AccountStateOut)


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


class BillRunOut(Schema):
    run_id = fields.String()
    project_id = fields.String()
    period = fields.String()
    status = fields.String()            # running | done | failed
    total = fields.Integer()
    billed = fields.Integer()
    skipped = fields.Integer()
    done = fields.Integer()
    #: the project's closed accounts (previous households', 原业主账户) the run did not bill: never in
    #: ``total`` (a closed account takes no new charges)
    closed_not_billed = fields.Integer()
    amount = Money()
    chunks = fields.Integer()
    started_at = fields.AwareDateTime()
    started_by = fields.String()
    finished_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)


# -- dunning: arrears classes, the dunning log, the stewards' tasks, case views (classes, issue 9) --
# (domain/arrears_classes.py; the request schemas are paired in tests/test_schema_agreement.py)

from .domain.arrears_classes import ACTION_KINDS, TASK_KINDS, TASK_STATES  # noqa: E402
from .models import ARREARS_CLASSES, DUNNING_STAGES  # noqa: E402

CASE_STATES = ("open", "closed")
DUNNING_TEXT = [validate.Length(max=400), v.ONE_LINE]
_OPT = dict(load_default=None, allow_none=True)


class DunningCasesQuery(Schema):
    project_id = fields.String(**ID)
    status = fields.String(load_default="open", validate=validate.OneOf(CASE_STATES))
    stage = fields.String(**_OPT, validate=validate.OneOf(DUNNING_STAGES))
    arrears_class = fields.String(**_OPT, validate=validate.OneOf(ARREARS_CLASSES))
    steward = fields.String(**_OPT, validate=validate.Length(min=1, max=100))
    paused = fields.Boolean(**_OPT)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class DunningCaseRef(Schema):
    case_id = fields.String(**ID)


class ArrearsClassIn(Schema):
    """欠费分类 after the first call: A (a promise: ``promised_on`` today or later, ``promised_amount``
    if said), B, C, D, E (no promise)."""
    case_id = fields.String(**ID)
    arrears_class = fields.String(required=True, validate=validate.OneOf(ARREARS_CLASSES))
    promised_on = v.Date(**_OPT)
    promised_amount = Money(**_OPT, positive=True, exact=True)
    note = fields.String(load_default="", validate=DUNNING_TEXT)


class DunningActionIn(Schema):
    """One action for the dunning log (欠费催缴记录表): ``outcome`` is staff's one line (never sent to
    a household); a door notice names its photo; a promise its day (and amount)."""
    case_id = fields.String(**ID)
    kind = fields.String(required=True, validate=validate.OneOf(ACTION_KINDS))
    outcome = fields.String(required=True, validate=[v.Stated(1, 400), v.ONE_LINE])
    photo_ref = fields.String(**_OPT, validate=[validate.Length(min=1, max=200), v.ONE_LINE])
    promised_on = v.Date(**_OPT)
    promised_amount = Money(**_OPT, positive=True, exact=True)


class StewardAssignmentIn(Schema):
    """Cases of the project to a steward (``steward_id``; ``null``: back to the project's stewards).
    ``steward_name``: the gateway's, from its user (checked: a steward of the project)."""
    project_id = fields.String(**ID)
    case_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                           validate=validate.Length(min=1, max=500))
    steward_id = fields.String(required=True, allow_none=True, validate=[validate.Length(min=1, max=100), v.ONE_LINE])
    steward_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class DunningTasksQuery(Schema):
    project_id = fields.String(**ID)
    steward = fields.String(**_OPT, validate=validate.Length(min=1, max=100))
    day = v.Date(**_OPT)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class DunningCaseOut(Schema):
    id = fields.String()
    project_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    status = fields.String()
    stage = fields.String()
    stage_on = fields.Date(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    class_set_on = fields.Date(allow_none=True)
    promised_on = fields.Date(allow_none=True)
    promised_amount = Money(allow_none=True)
    paused = fields.Boolean()
    pause_reason = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    overdue = Money()
    oldest_due_on = fields.Date(allow_none=True)
    opened_on = fields.Date()
    closed_on = fields.Date(allow_none=True)
    close_reason = fields.String(allow_none=True)
    late_fee_accrued = Money()
    late_fee_billed = Money()
    version = fields.Integer()


class DunningCasePageOut(Schema):
    items = fields.List(fields.Nested(DunningCaseOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class DunningNoticeRowOut(Schema):
    id = fields.String()
    stage = fields.String()
    notice_on = fields.Date()
    pay_by = fields.Date()
    overdue = Money()
    late_fee = Money()


class DunningLogRowOut(Schema):
    id = fields.String()
    kind = fields.String()
    outcome = fields.String()
    photo_ref = fields.String(allow_none=True)
    promised_on = fields.Date(allow_none=True)
    promised_amount = Money(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    done_on = fields.Date()
    recorded_at = fields.AwareDateTime()
    recorded_by = fields.String()
    recorded_by_name = fields.String()


class DunningTaskOut(Schema):
    id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    kind = fields.String()
    due_on = fields.Date()
    role = fields.String()
    steward_id = fields.String(allow_none=True)
    status = fields.String()
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    log_id = fields.String(allow_none=True)
    # the worklist's: the case's unit, what is overdue, its class and stage, the promised day
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    overdue = Money()
    arrears_class = fields.String(allow_none=True)
    stage = fields.String()
    promised_on = fields.Date(allow_none=True)


class DunningInstalmentOut(Schema):
    seq = fields.Integer()
    due_on = fields.Date()
    amount = Money()
    met_on = fields.Date(allow_none=True)


class DunningPlanRowOut(Schema):
    id = fields.String()
    status = fields.String()
    total = Money()
    agreed_on = fields.Date()
    agreed_by = fields.String()
    ended_on = fields.Date(allow_none=True)
    ended_reason = fields.String(allow_none=True)
    installments = fields.List(fields.Nested(DunningInstalmentOut))


class DunningLegalRowOut(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()
    amount = Money()
    proposed_at = fields.AwareDateTime()
    proposed_by = fields.String()
    reviewed_at = fields.AwareDateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    rejected_at = fields.AwareDateTime(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.String(allow_none=True)


class DunningCaseDetailOut(DunningCaseOut):
    notices = fields.List(fields.Nested(DunningNoticeRowOut))
    log = fields.List(fields.Nested(DunningLogRowOut))
    tasks = fields.List(fields.Nested(DunningTaskOut))
    plans = fields.List(fields.Nested(DunningPlanRowOut))
    legal = fields.List(fields.Nested(DunningLegalRowOut))


class DunningActionOut(Schema):
    """A class set or an action logged: the case after it, the log row, the tasks it completed, and
    the fee account as it now stands (its dunning state, for the read model)."""
    case = fields.Nested(DunningCaseOut)
    entry = fields.Nested(DunningLogRowOut)
    completed_tasks = fields.List(fields.String())
    account = fields.Nested(AccountStateOut)


class StewardAssignmentOut(Schema):
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    cases = fields.List(fields.Nested(DunningCaseOut))


class DunningWorklistOut(Schema):
    project_id = fields.String()
    day = fields.Date()
    steward = fields.String(allow_none=True)
    tasks = fields.List(fields.Nested(DunningTaskOut))

# -- disputes, installment plans, legal proposals (hardship helper, issue 9) -------------------

DISPUTE_STATES = ("open", "upheld", "rejected")
DISPUTE_ACTIONS = ("uphold", "reject")
PLAN_STATES = ("active", "completed", "broken", "cancelled")
LEGAL_KINDS = ("lawyer_letter", "litigation")
LEGAL_STATES = ("proposed", "reviewed", "approved", "rejected", "withdrawn", "sent", "filed")
MAX_INSTALMENTS = 24
HARDSHIP_REASON = dict(required=True, validate=[v.Stated(2, 300), v.ONE_LINE])


class DisputeIn(Schema):
    """账单异议: the household disputes the bill, saying why."""
    bill_id = fields.String(**ID)
    reason = fields.String(**HARDSHIP_REASON)


class DisputeResolveIn(Schema):
    """``uphold`` (the bill is wrong and has been corrected) or ``reject`` (the bill stands), with
    what was found."""
    dispute_id = fields.String(**ID)
    outcome = fields.String(required=True, validate=validate.OneOf(DISPUTE_ACTIONS))
    resolution = fields.String(**HARDSHIP_REASON)


class DisputeQuery(Schema):
    project_id = fields.String(**ID)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DISPUTE_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class InstalmentIn(Schema):
    due_on = v.Date(required=True)
    amount = Money(required=True, positive=True, exact=True)


class InstallmentPlanIn(Schema):
    """分期缴费协议 agreed with the household: 1-24 instalments summing to what the case has overdue."""
    case_id = fields.String(**ID)
    instalments = fields.List(fields.Nested(InstalmentIn), required=True,
                              validate=validate.Length(min=1, max=MAX_INSTALMENTS))
    reason = fields.String(**HARDSHIP_REASON)


class PlanRef(Schema):
    plan_id = fields.String(**ID)


class PlanCancelIn(Schema):
    plan_id = fields.String(**ID)
    reason = fields.String(**HARDSHIP_REASON)


class PlanQuery(Schema):
    project_id = fields.String(**ID)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PLAN_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class LegalProposalIn(Schema):
    """律师函 (``lawyer_letter``) or 诉讼 (``litigation``) proposed for the case, with why."""
    case_id = fields.String(**ID)
    kind = fields.String(required=True, validate=validate.OneOf(LEGAL_KINDS))
    reason = fields.String(**HARDSHIP_REASON)


class LegalStepIn(Schema):
    """review, approve, withdraw (``note`` optional), reject (``note`` says why: required)."""
    proposal_id = fields.String(**ID)
    note = fields.String(load_default="", validate=[validate.Length(max=300), v.ONE_LINE])


class LegalDoneIn(Schema):
    """The lawyer letter sent or the suit filed: the document's reference (letter or case number)."""
    proposal_id = fields.String(**ID)
    document_ref = fields.String(required=True, validate=[v.Stated(1, 200), v.ONE_LINE])


class LegalProposalRef(Schema):
    proposal_id = fields.String(**ID)


class LegalQuery(Schema):
    project_id = fields.String(**ID)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEGAL_STATES))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEGAL_KINDS))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class BillDisputeOut(Schema):
    id = fields.String()
    project_id = fields.String()
    bill_id = fields.String()
    bill_number = fields.String()
    bill_due_on = fields.Date()
    bill_open = Money()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    reason = fields.String()
    status = fields.String()
    opened_at = fields.AwareDateTime()
    opened_by = fields.String()
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True)
    case_paused = fields.String(allow_none=True)


class InstalmentOut(Schema):
    seq = fields.Integer()
    due_on = fields.Date()
    amount = Money()
    met_on = fields.Date(allow_none=True)


class InstallmentPlanOut(Schema):
    id = fields.String()
    project_id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    status = fields.String()
    total = Money()
    received = Money()
    reason = fields.String()
    agreed_on = fields.Date()
    agreed_at = fields.AwareDateTime()
    agreed_by = fields.String()
    ended_on = fields.Date(allow_none=True)
    ended_reason = fields.String(allow_none=True)
    instalments = fields.List(fields.Nested(InstalmentOut))


class LegalStepOut(Schema):
    kind = fields.String()
    at = fields.AwareDateTime()
    by = fields.String()
    by_name = fields.String()
    outcome = fields.String()


class LegalProposalOut(Schema):
    id = fields.String()
    project_id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    kind = fields.String()
    status = fields.String()
    amount = Money()
    reason = fields.String()
    proposed_at = fields.AwareDateTime()
    proposed_by = fields.String()
    reviewed_at = fields.AwareDateTime(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    approved_by = fields.String(allow_none=True)
    rejected_at = fields.AwareDateTime(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    decided_note = fields.String(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    document_ref = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(LegalStepOut))

# -- reports helper (issue 9): the arrears ledger, collection rate, dunning reports, deposits held --
# (domain/arrears_reports.py; the gateway's twins in gateway/schemas.py "reports helper")

from .domain.arrears_reports import MAX_MONTHS  # noqa: E402


class ArrearsLedgerQuery(ProjectQuery):
    """欠费台账 of a day (default the site's today)."""
    on = v.Date(load_default=None, allow_none=True)


class CollectionRateQuery(ProjectQuery):
    """收费率 of a month, or of each month of a range (at most MAX_MONTHS)."""
    month = fields.String(load_default=None, allow_none=True, validate=v.MONTH)
    month_from = fields.String(load_default=None, allow_none=True, validate=v.MONTH)
    month_to = fields.String(load_default=None, allow_none=True, validate=v.MONTH)

    @validates_schema
    def _months(self, data, **kwargs):
        v.check_months(data, "month", "month_from", "month_to", max_months=MAX_MONTHS)


class DunningReportDayQuery(ProjectQuery):
    """The daily report's day, or a day of the weekly summary's ISO week (default the site's today)."""
    day = v.Date(load_default=None, allow_none=True)


class ArrearsLedgerTotalsOut(Schema):
    accounts = fields.Integer()
    overdue = Money()
    aged_0_30 = Money()
    aged_31_90 = Money()
    aged_91_365 = Money()
    aged_over_365 = Money()


class ArrearsLedgerClassOut(ArrearsLedgerTotalsOut):
    #: A-E, or unclassified (no case, or no class set)
    arrears_class = fields.String()


class ArrearsLedgerRowOut(Schema):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    payer_name = fields.String(allow_none=True)
    overdue = Money()
    bills = fields.Integer()
    oldest_due_on = fields.Date()
    days_past_due = fields.Integer()
    aged_0_30 = Money()
    aged_31_90 = Money()
    aged_91_365 = Money()
    aged_over_365 = Money()
    case_id = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    paused = fields.String(allow_none=True)
    late_fee_accrued = Money()
    late_fee_billed = Money()
    late_fee_through = fields.Date(allow_none=True)


class ArrearsLedgerOut(Schema):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    on = fields.Date()
    today = fields.Boolean()
    accounts = fields.Integer()
    rows = fields.List(fields.Nested(ArrearsLedgerRowOut))
    totals = fields.Nested(ArrearsLedgerTotalsOut)
    by_class = fields.List(fields.Nested(ArrearsLedgerClassOut))


REPORT_RATE = dict(as_string=True, places=2, allow_none=True)


class CurrentRateOut(Schema):
    bills = fields.Integer()
    gross = Money()
    monthly = Money()
    one_off = Money()
    cancelled = Money()
    billed = Money()
    collected = Money()
    discounted = Money()
    written_off = Money()
    outstanding = Money()
    rate_percent = fields.Decimal(**REPORT_RATE)


class ArrearsRateOut(Schema):
    bills = fields.Integer()
    brought_forward = Money()
    cancelled = Money()
    collected = Money()
    discounted = Money()
    written_off = Money()
    outstanding = Money()
    rate_percent = fields.Decimal(**REPORT_RATE)


class LateFeeRateOut(Schema):
    bills = fields.Integer()
    billed = Money()
    collected = Money()
    outstanding = Money()


class MonthRateOut(Schema):
    month = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()
    complete = fields.Boolean()
    current = fields.Nested(CurrentRateOut)
    arrears = fields.Nested(ArrearsRateOut)
    late_fee = fields.Nested(LateFeeRateOut)


class CollectionRateOut(Schema):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    month_from = fields.String()
    month_to = fields.String()
    as_of = fields.Date()
    months = fields.List(fields.Nested(MonthRateOut))


class DunningKindCountOut(Schema):
    kind = fields.String()
    count = fields.Integer()


class DunningStageCountOut(Schema):
    stage = fields.String()
    count = fields.Integer()


class StewardFiguresOut(Schema):
    open_cases = fields.Integer()
    tasks_due = fields.Integer()
    tasks_done = fields.Integer()
    tasks_open = fields.Integer()
    tasks_overdue = fields.Integer()
    actions_total = fields.Integer()
    actions = fields.List(fields.Nested(DunningKindCountOut))
    promises = fields.Integer()
    promised_amount = Money()
    notices_total = fields.Integer()
    notices = fields.List(fields.Nested(DunningStageCountOut))
    collected = Money()


class StewardDayOut(StewardFiguresOut):
    #: null: the cases no steward is assigned to
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)


class DailyDunningReportOut(Schema):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    day = fields.Date()
    stewards = fields.List(fields.Nested(StewardDayOut))
    totals = fields.Nested(StewardFiguresOut)


class DunningReasonCountOut(Schema):
    reason = fields.String(allow_none=True)
    count = fields.Integer()


class WeekCasesOut(Schema):
    opened = fields.Integer()
    closed = fields.Integer()
    open_at_end = fields.Integer()
    closed_by_reason = fields.List(fields.Nested(DunningReasonCountOut))


class DunningClassCountOut(Schema):
    arrears_class = fields.String()
    cases = fields.Integer()


class WeekPlansOut(Schema):
    agreed = fields.Integer()
    broken = fields.Integer()
    completed = fields.Integer()


class DunningStatusCountOut(Schema):
    status = fields.String()
    count = fields.Integer()


class WeekLegalOut(Schema):
    proposed = fields.Integer()
    reviewed = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    done = fields.Integer()
    by_status = fields.List(fields.Nested(DunningStatusCountOut))


class WeekCollectionOut(Schema):
    current = Money()
    arrears = Money()
    late_fee = Money()
    total = Money()


class WeeklyDunningSummaryOut(Schema):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    week = fields.String()
    week_start = fields.Date()
    week_end = fields.Date()
    complete = fields.Boolean()
    cases = fields.Nested(WeekCasesOut)
    notices = fields.List(fields.Nested(DunningStageCountOut))
    notices_total = fields.Integer()
    actions = fields.List(fields.Nested(DunningKindCountOut))
    actions_total = fields.Integer()
    promises = fields.Integer()
    collected_on_case_accounts = Money()
    classes_at_end = fields.List(fields.Nested(DunningClassCountOut))
    plans = fields.Nested(WeekPlansOut)
    legal = fields.Nested(WeekLegalOut)
    collection = fields.Nested(WeekCollectionOut)


class PurposeHeldOut(Schema):
    purpose = fields.String()
    deposits = fields.Integer()
    held = Money()


class UnitDepositsOut(Schema):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    payer_name = fields.String(allow_none=True)
    held = Money()
    by_purpose = fields.List(fields.Nested(PurposeHeldOut))


class DepositsHeldOut(Schema):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    as_of = fields.Date()
    units = fields.List(fields.Nested(UnitDepositsOut))
    unit_count = fields.Integer()
    total = Money()


# -- tickets' renovation (domain/renovation_fees.py): the events billing consumes ---------------------

class RenovationFeesRequestedIn(Schema):
    """tickets' ``renovation.fees_requested`` (the fields billing reads)."""
    class Meta:
        unknown = EXCLUDE
    renovation_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    deposit_amount = Money(required=True, positive=True)
    requested_at = fields.AwareDateTime(required=True)


class RenovationCancelledIn(Schema):
    """tickets' ``renovation.cancelled`` (the fields billing reads): cancelled after the agreement,
    before the fees were paid -- the household moved out (过户 / 迁出)."""
    class Meta:
        unknown = EXCLUDE
    renovation_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    deposit_amount = Money(required=True, allow_negative=False)
    reason = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True)


class StaffRefIn(Schema):
    """A person of the platform as tickets names one (``user_id``, ``name``)."""
    class Meta:
        unknown = EXCLUDE
    user_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    name = fields.String(load_default="", validate=validate.Length(max=100))


class _KeyDepositLoanIn(Schema):
    """The key loan and its deposit, as tickets' ``key.deposit_*`` events name them (the fields billing reads)."""
    class Meta:
        unknown = EXCLUDE
    loan_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    deposit_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(load_default=None, allow_none=True)
    key_label = fields.String(load_default=None, allow_none=True)


class KeyDepositReleaseRequestedIn(_KeyDepositLoanIn):
    """tickets' ``key.deposit_release_requested``: the key deposit of a loan whose key came back in time
    (or which was refused) -- its refund requested."""
    reason = fields.String(load_default=None, allow_none=True)


class KeyDepositForfeitRequestedIn(_KeyDepositLoanIn):
    """tickets' ``key.deposit_forfeit_requested``: a late borrower's kept key deposit the CS or centre
    manager decided goes to income (押金扣除)."""
    decided_by_name = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)


class DepositRef(Schema):
    deposit_id = fields.String(**ID)


class KeyDepositPledgeIn(Schema):
    """``pledge_key_deposit``: the key deposit, the key loan it is to stand for, the key's unit and the least
    amount (tickets' ``keys.late_deposit``)."""
    deposit_id = fields.String(**ID)
    loan_id = fields.String(**ID)
    unit_id = fields.String(**ID)
    minimum = Money(required=True)


class DepositFactsOut(Schema):
    """A deposit as tickets checks it before recording it on a key loan (``key_deposit``)."""
    deposit_id = fields.String()
    unit_id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    amount = Money()
    held = Money()
    status = fields.String()
    receipt_number = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    held_by = fields.String()
    held_at = fields.AwareDateTime()
    pledged_loan_id = fields.String(allow_none=True)       # the key loan it stands for (None: not pledged)
    refund_pending = fields.Boolean()                      # a refund of it requested or approved, or paid


class RenovationRefundRequestedIn(Schema):
    """tickets' ``renovation.refund_requested`` (the fields billing reads)."""
    class Meta:
        unknown = EXCLUDE
    renovation_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    refund_amount = Money(required=True, allow_negative=False)
    withheld_amount = Money(required=True, allow_negative=False)
    violations = fields.List(fields.String(), load_default=list)
    #: who re-inspected and decided what is withheld (named in the forfeiture's reason)
    reinspected_by = fields.Nested(StaffRefIn, load_default=None, allow_none=True)
