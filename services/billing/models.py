"""billing's tables. The fee accounts and their ledger are billing's own; the
project and household rows are local copies built from archive's events."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UtcDateTime, append_only, new_base
from kernel.idempotency import idempotency_table
from kernel.messaging import job_table, kernel_tables
from kernel.settings import settings_tables
from kernel.money import FixedDecimal, MoneyType

Base = new_base()
OutboxMessage, InboxRecord = kernel_tables(Base)
ScheduledJob = job_table(Base)       # kernel.jobs
IdempotencyRecord = idempotency_table(Base)
SettingValue, SettingChange = settings_tables(Base)

ID = String(36)

#: journal entry kinds (分录类型); ``domain/journal.py`` says which books each one posts to
ENTRY_KINDS = ("opening_balance", "charge", "payment", "prepaid_applied", "refund", "deposit_held",
               "deposit_refunded", "late_fee", "discount", "write_off", "reversal", "adjustment",
               "deposit_forfeited")


class Project(Base):
    """项目, as archive last described it (``project.changed``). billing needs the
    site's time zone: bills and dunning run on the project's local dates."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Household(Base):
    """业户, as archive last described it (``household.changed``): only what billing
    needs to name the payer. Kept per household -- not just on the account -- so a
    late snapshot of a household that already moved out cannot make it the payer
    again (each household has its own version sequence)."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    status: Mapped[str] = mapped_column(String(20))          # active | moved_out
    payer_name: Mapped[str | None] = mapped_column(String(100))
    moved_in_on: Mapped[date | None] = mapped_column(Date)
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FeeAccount(Base):
    """收费账户: a unit's account, opened when archive registers the unit. Its balance is
    the signed sum of its ledger -- never stored, so it cannot drift from the entries.

    An account is one paying household's (一户一账): when another household becomes the unit's
    payer (a transfer 过户, a move-in after a move-out) and the account has a history, the account
    is **closed** (``closed_on``) and stays the old household's -- its bills, debt, credit,
    deposits, dunning case and receipts, still collectable (原业主账户) -- and the unit gets a new
    account (``accounts.succeed``). A unit has one open account (``closed_on`` null)."""

    __tablename__ = "fee_accounts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID)
    unit_label: Mapped[str] = mapped_column(String(100))
    #: the unit's use (房屋用途, ``kernel.validators.UNIT_USAGES``): which fee prices apply
    usage: Mapped[str] = mapped_column(String(20), default="residential", server_default="residential")
    # 建筑面积 m2: the management fee is computed on it, so it is exact
    building_area: Mapped[Decimal] = mapped_column(FixedDecimal(scale=2, precision=10))
    household_id: Mapped[str | None] = mapped_column(ID)     # the paying household (缴费业户)
    payer_name: Mapped[str | None] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    unit_version: Mapped[int] = mapped_column(Integer)
    household_version: Mapped[int | None] = mapped_column(Integer)
    #: grows by 1 with every published change (``account.balance_changed`` carries it)
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: the ``as_of`` of the last published snapshot (when billing stated this balance and payer)
    stated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the day its household stopped paying for the unit (transfer, move-out then a new move-in):
    #: no new charges; its debt stays its household's. Null: the unit's current account
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: the unit's account that took over from this one (null while open)
    succeeded_by: Mapped[str | None] = mapped_column(ID)

    #: the bill run takes a project's accounts in id order, a chunk at a time (keyset)
    #: and every account of a unit, open and closed (its accounts list, ``has_arrears.previous``)
    __table_args__ = (Index("ix_fee_accounts_project_keyset", "project_id", "id"),
                      Index("ix_fee_accounts_unit", "unit_id"),
                      Index("uq_fee_accounts_open_unit", "unit_id", unique=True,
                            sqlite_where=text("closed_on IS NULL"), postgresql_where=text("closed_on IS NULL")))


class LedgerEntry(Base):
    """台账分录: one journal entry of a fee account. Its double-entry lines are its
    :class:`Posting` rows, which sum to zero. ``amount`` is the entry's effect on the
    household's balance due (the sum of its postings to the unit's ``receivable`` and
    ``prepaid`` books): positive is owed (charge, late fee, refund of credit), negative is
    paid or credited; 0.00 for entries that do not change what is owed (a deposit held,
    prepaid credit applied to a bill).

    Entries are never edited or deleted; a mistake is corrected by a ``reversal`` (the exact
    negation of the entry, ``reverses_id``, with who and why) and a new entry.
    ``line_no`` numbers an account's entries in posting order (the ledger's line),
    which also orders entries posted in the same instant."""

    __tablename__ = "ledger_entries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"))
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    line_no: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))   # see ENTRY_KINDS
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    description: Mapped[str] = mapped_column(String(400), default="")
    occurred_on: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    posted_by: Mapped[str] = mapped_column(String(100))
    ref_type: Mapped[str | None] = mapped_column(String(30))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    #: why (a reversal, discount, write-off, refund or adjustment says why; who is ``posted_by``)
    reason: Mapped[str | None] = mapped_column(String(400))
    #: a ``reversal`` names the entry it cancels; an entry is reversed at most once
    reverses_id: Mapped[str | None] = mapped_column(ID)

    __table_args__ = (
        UniqueConstraint("account_id", "line_no", name="uq_ledger_line"),
        # The same source (a bill, a payment, the account's opening balance) posts
        # one entry of a kind: the database refuses a second even under a race.
        UniqueConstraint("account_id", "kind", "ref_type", "ref_id", name="uq_ledger_ref"),
        UniqueConstraint("reverses_id", name="uq_ledger_reverses"),
    )


class Posting(Base):
    """分录行: one line of a journal entry in double-entry form. ``amount`` is signed:
    positive = debit (借), negative = credit (贷); the lines of an entry sum to zero.

    Books (``domain/journal.py``): the unit's ``receivable`` (应收), ``prepaid`` (预收) and
    ``deposit`` (押金/保证金), which carry ``account_id``; and the project's ``income:<item>``
    (收入), ``cash`` (现金), ``card`` (刷卡), ``bank`` (银行存款), ``wechat`` / ``alipay``
    (清算), ``opening`` (期初), ``discount`` (减免), ``write_off`` (核销) and ``adjustment``,
    which carry it too so that every figure can be traced to its unit."""

    __tablename__ = "postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ID)
    book: Mapped[str] = mapped_column(String(40))
    amount: Mapped[Decimal] = mapped_column(MoneyType())

    __table_args__ = (
        Index("ix_postings_account_book", "account_id", "book"),
        Index("ix_postings_project_book", "project_id", "book"),
    )


class NumberSequence(Base):
    """A project's running numbers (receipts 收据号, bills 账单号, bank batches): the row is
    locked while a number is taken, so numbers are sequential per project without gaps
    from concurrent takers."""

    __tablename__ = "number_sequences"

    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class FeeItem(Base):
    """收费项目: one item of a project's fee schedule.

    ``method``: ``per_area_monthly`` (管理费: building area x price per m2 per month),
    ``fixed_monthly`` (车位管理费: price per month), ``metered`` (水费: consumption read at
    month end x tariff), ``per_area_once`` (装修垃圾外运费: area x price, once),
    ``fixed_once`` (a one-off service at a price), ``deposit`` (装修保证金: held, refunded)."""

    __tablename__ = "fee_items"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    method: Mapped[str] = mapped_column(String(20))
    #: what a quantity of it is counted in on a bill line (a metered item's m3 or kWh, a fixed
    #: one-off's 次); per-area items are m2 and monthly fixed ones month (``domain/schedule.py``)
    unit: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("project_id", "code", name="uq_fee_item_code"),)


class FeePrice(Base):
    """收费标准: the price of an item for units of one usage (``*``: every usage) from a date
    on. Effective-dated and append-only: a change is a new row from its date; the bill line
    names the row it used."""

    __tablename__ = "fee_prices"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("fee_items.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    usage: Mapped[str] = mapped_column(String(20))
    unit_price: Mapped[Decimal] = mapped_column(FixedDecimal(scale=4, precision=14))
    effective_from: Mapped[date] = mapped_column(Date)
    set_at: Mapped[datetime] = mapped_column(UtcDateTime())
    set_by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(400), default="")

    __table_args__ = (UniqueConstraint("item_id", "usage", "effective_from", name="uq_fee_price_from"),)


class MeterReading(Base):
    """抄表: a unit's meter read at the end of ``period`` (YYYY-MM); ``quantity`` =
    ``reading`` - ``previous`` is billed on the next month's bill at the tariff.

    ``kind``: ``regular`` (``previous`` is the last reading before), ``initial`` (the meter's
    first reading: nothing consumed yet, ``previous`` = ``reading``) or ``replacement`` (a new
    meter: ``previous`` is the new meter's starting reading)."""

    __tablename__ = "meter_readings"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"))
    item_code: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))
    previous: Mapped[Decimal] = mapped_column(FixedDecimal(scale=2, precision=12))
    reading: Mapped[Decimal] = mapped_column(FixedDecimal(scale=2, precision=12))
    quantity: Mapped[Decimal] = mapped_column(FixedDecimal(scale=2, precision=12))
    read_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12), default="regular", server_default="regular")
    source: Mapped[str] = mapped_column(String(80))          # entered | import:<file sha256 prefix>
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("account_id", "item_code", "period", name="uq_meter_reading"),)


class Bill(Base):
    """账单: what a unit is asked to pay by a due date -- the month's bill, a one-off charge
    (a paid repair, the renovation garbage fee), the opening balance carried over, a late fee.

    Its charge is one journal entry (``entry_id``); credits settle it through
    :class:`Allocation` rows, oldest bill first. ``allocated`` and ``settled_at`` keep the
    allocations' sum for fast reads (the dunning sweep); the allocations are the record."""

    __tablename__ = "bills"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"))
    household_id: Mapped[str | None] = mapped_column(ID)
    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20))             # monthly | one_off | opening | late_fee
    period: Mapped[str | None] = mapped_column(String(7))    # YYYY-MM (monthly bills)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    total: Mapped[Decimal] = mapped_column(MoneyType())
    allocated: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"))
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: what the bill is for: (``month``, ``2026-12``), (``repair_charge``, charge id), ...
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str | None] = mapped_column(ID)
    run_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    #: when the bill's notice was requested from notify (the 5th)
    notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (
        # one bill per source: the month's bill of an account exists once, however often a run goes
        UniqueConstraint("account_id", "source_type", "source_id", name="uq_bill_source"),
        UniqueConstraint("project_id", "number", name="uq_bill_number"),
        Index("ix_bills_open", "account_id", "settled_at", "due_on"),
        Index("ix_bills_project_period", "project_id", "period"),
    )


class BillLine(Base):
    """账单明细: one item of a bill, computed exactly and rounded half-up at the fen, with the
    price it used (``price_id``, ``unit_price``, ``price_from``)."""

    __tablename__ = "bill_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    item_code: Mapped[str] = mapped_column(String(40))
    item_name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[Decimal] = mapped_column(FixedDecimal(scale=2, precision=12))
    quantity_unit: Mapped[str] = mapped_column(String(20))    # m2 | month | m3 | item
    unit_price: Mapped[Decimal] = mapped_column(FixedDecimal(scale=4, precision=14))
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    price_id: Mapped[str | None] = mapped_column(ID)
    price_from: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(String(200), default="")


class Allocation(Base):
    """核销: part of a credit (a payment, prepaid credit applied, a discount, a write-off)
    settling a bill; a reversal's allocations are negative."""

    __tablename__ = "allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id"), index=True)
    account_id: Mapped[str] = mapped_column(ID)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BillRun(Base):
    """月度计费: a project's bills for one month, computed by a job (or ``./wuye billing run``)
    in chunks; its progress is what ``GET .../bill-runs/{month}`` shows."""

    __tablename__ = "bill_runs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20))          # running | done | failed
    total: Mapped[int] = mapped_column(Integer, default=0)   # accounts to bill when it started
    billed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # nothing to charge (no price, vacant rule)
    amount: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_by: Mapped[str] = mapped_column(String(100))
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    #: chunks committed so far (the next chunk job is ``bill-run-chunk`` ``{id}:{chunks + 1}``) and
    #: the last account id they covered (accounts are taken in id order)
    chunks: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cursor: Mapped[str | None] = mapped_column(ID)

    __table_args__ = (UniqueConstraint("project_id", "period", name="uq_bill_run_period"),)


class Payment(Base):
    """收款: money received for a unit -- cash or card at the front desk, a bank transfer, a
    WeChat Pay / Alipay payment (``reference``: the provider's trade number), a bank
    collection (托收). ``status`` ``pending`` while an online payment awaits the provider."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"), index=True)
    household_id: Mapped[str | None] = mapped_column(ID)
    method: Mapped[str] = mapped_column(String(20))   # cash | card | transfer | wechat | alipay | bank_debit
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    purpose: Mapped[str] = mapped_column(String(20), default="fees")   # fees | deposit
    reference: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20))   # pending | received | failed | reversed
    payer_name: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(String(300), default="")
    entry_id: Mapped[str | None] = mapped_column(ID)
    receipt_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    failure: Mapped[str | None] = mapped_column(String(400))
    #: a pending online payment: what the payer opens or scans (JSON: pay_url, qr_code), as the
    #: provider answered (payments helper, 0042)
    pay_payload: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("project_id", "method", "reference", name="uq_payment_project_reference"),
                      # the payment-query job's look-up of online payments still pending (0042)
                      Index("ix_payments_status_created", "status", "created_at"))


class Receipt(Base):
    """收据: numbered per project without gaps (``seq``); a voided receipt stays, marked void
    with who and why."""

    __tablename__ = "receipts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(40))
    payment_id: Mapped[str | None] = mapped_column(ID)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    payer_name: Mapped[str | None] = mapped_column(String(100))
    #: what it was for, as printed: JSON list of {"bill": number, "item": name, "amount": "..."}
    lines: Mapped[str] = mapped_column(Text, default="[]")
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by: Mapped[str] = mapped_column(String(100))
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    voided_by: Mapped[str | None] = mapped_column(String(100))
    void_reason: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (UniqueConstraint("project_id", "seq", name="uq_receipt_seq"),)


class Deposit(Base):
    """押金/保证金 held for a unit (the renovation deposit): held by a payment, refunded (in
    full or part) through an approved :class:`Refund`, the part withheld for a renovation's
    violations forfeited to income (扣除, ``forfeited``; revision 0051). What it still holds is
    ``amount - refunded - forfeited`` (``domain/deposits.py`` ``held``)."""

    __tablename__ = "deposits"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(40))          # renovation | ...
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    refunded: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"))
    #: what was withheld and moved to income (押金扣除, ``deposit_forfeited`` entries; 0051)
    forfeited: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"), server_default="0.00")
    #: held | refunded (nothing left, some given back) | forfeited (nothing left, all withheld) | void
    status: Mapped[str] = mapped_column(String(20))
    payment_id: Mapped[str | None] = mapped_column(ID)
    held_at: Mapped[datetime] = mapped_column(UtcDateTime())
    held_by: Mapped[str] = mapped_column(String(100))
    #: a key deposit pledged to tickets' key loan (钥匙押金质押: ``pledge_key_deposit``, 0052): while the pledge
    #: stands (``pledge_released_at`` empty) no refund is requested; one loan only, ever
    pledged_loan_id: Mapped[str | None] = mapped_column(String(36), index=True)
    pledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the pledge released: the key back in time, the loan refused, or the manager's decision on a kept one
    pledge_released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Refund(Base):
    """退款: a refund of prepaid credit (overpayment) or of a deposit, requested by one person
    and approved by another (finance or the centre manager), then paid out."""

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))             # overpayment | deposit
    deposit_id: Mapped[str | None] = mapped_column(ID)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    method: Mapped[str] = mapped_column(String(20))           # cash | transfer | original
    reason: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(20))           # requested | approved | rejected | paid (domain/refunds.py)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    requested_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decision_note: Mapped[str | None] = mapped_column(String(400))
    entry_id: Mapped[str | None] = mapped_column(ID)
    #: who paid it out and when (the entry's posting; payments helper, 0042)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    paid_by: Mapped[str | None] = mapped_column(String(100))
    #: every step in order, JSON [{"at", "action", "by", "note"}] -- a decision changed later
    #: (approved, then rejected) keeps who approved and when
    history: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")


class DebitMandate(Base):
    """托收协议: the household's authority to collect the unit's fees from a bank account.

    One active mandate per account (a partial unique index); it speaks for the household that
    signed it (``household_id``): after a move-out the bank is not asked to collect the next
    household's fees from it. ``bank_account`` is personal data: masked in every answer
    (``kernel.privacy.mask_bank_account``), in full only in the collection file and to finance
    through a logged read. Cancelled with the date, who and why; never deleted."""

    __tablename__ = "debit_mandates"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(100))
    holder_name: Mapped[str] = mapped_column(String(100))
    bank_account: Mapped[str] = mapped_column(String(40))
    signed_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    # -- bank (0043) --
    household_id: Mapped[str | None] = mapped_column(ID)
    cancelled_by: Mapped[str | None] = mapped_column(String(100))
    cancel_reason: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (
        Index("uq_debit_mandate_active", "account_id", unique=True,
              sqlite_where=text("active"), postgresql_where=text("active")),
    )


class BankBatch(Base):
    """托收批次: one collection file sent to the bank (the 10th; after the 20th)."""

    __tablename__ = "bank_batches"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    number: Mapped[str] = mapped_column(String(40))
    period: Mapped[str] = mapped_column(String(7))
    round: Mapped[int] = mapped_column(Integer)               # 1: the 10th, 2: after the 20th
    collect_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))           # open | settled
    item_count: Mapped[int] = mapped_column(Integer)
    total: Mapped[Decimal] = mapped_column(MoneyType())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("project_id", "period", "round", name="uq_bank_batch_round"),)


class BankBatchItem(Base):
    """One account's line in a collection file (``line_no``) and what the bank answered
    (``domain/bank.py`` ``ITEM_TRANSITIONS``): ``paid`` with the bank's reference and the
    payment it recorded, or ``failed`` with the bank's reason."""

    __tablename__ = "bank_batch_items"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("bank_batches.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"))
    mandate_id: Mapped[str] = mapped_column(ID)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    status: Mapped[str] = mapped_column(String(20))           # sent | paid | failed
    reason: Mapped[str | None] = mapped_column(String(200))
    payment_id: Mapped[str | None] = mapped_column(ID)
    result_id: Mapped[str | None] = mapped_column(ID)
    # -- bank (0043) --
    line_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bank_reference: Mapped[str | None] = mapped_column(String(64))
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("batch_id", "account_id", name="uq_bank_batch_account"),
                      Index("ix_bank_batch_items_account", "account_id", "status"))


class BankResultImport(Base):
    """A bank result file imported into a batch; the same file twice records nothing new.

    Checked whole when uploaded, then applied in chunks (``domain/bank.py``): ``answers`` keeps what
    the file said of each item (JSON ``[item_id, status, bank_reference, reason]`` in file order --
    nothing else of the file, no account number), ``applied`` how many are recorded, ``status``
    ``applying`` until all are, then ``done``."""

    __tablename__ = "bank_result_imports"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("bank_batches.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    imported_by: Mapped[str] = mapped_column(String(100))
    rows: Mapped[int] = mapped_column(Integer)
    paid: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    # -- bank (0043) --
    status: Mapped[str] = mapped_column(String(20), default="done", server_default="done")
    answers: Mapped[str | None] = mapped_column(Text)
    applied: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("batch_id", "sha256", name="uq_bank_result_file"),)


# -- bank (0043): payment reminders ------------------------------------------------------------

class BillReminder(Base):
    """催缴提醒: a bill's reminder recorded (``bill.reminder_due`` for notify) -- once per bill and
    ``kind`` (``before_due``: cash payers, N days before the due date; ``before_debit``: households
    with a debit mandate, N days before the bank collects), whoever runs the day's job."""

    __tablename__ = "bill_reminders"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id"))
    account_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    remind_on: Mapped[date] = mapped_column(Date)             # the project's local day it was recorded
    collect_on: Mapped[date | None] = mapped_column(Date)     # before_debit: the collection day
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("bill_id", "kind", name="uq_bill_reminder_kind"),)


# -- dunning (催费, issue 9): domain/dunning.py and its companions ----------------------------------

#: the ladder's stages in order (DunningStage): none yet, the three notices, then past the final
#: notice's deadline (late fees accrue)
DUNNING_STAGES = ("none", "first", "second", "final", "late")
#: arrears classes set after the first call (欠费分类, seed 004 4.5)
ARREARS_CLASSES = ("A", "B", "C", "D", "E")


class DunningCase(Base):
    """催缴案件: one account's arrears from the day a bill of it is overdue (at or above
    ``dunning.threshold``) until what is overdue is paid -- the ladder's stage, the steward's class,
    a pause (a disputed bill, an installment plan), the late fee accrued. One open case per
    account (a partial unique index); a settled case stays closed and the next arrears open a new
    one."""

    __tablename__ = "dunning_cases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"))
    household_id: Mapped[str | None] = mapped_column(ID)
    status: Mapped[str] = mapped_column(String(10))            # open | closed
    #: ``DUNNING_STAGES``; never goes back within a case
    stage: Mapped[str] = mapped_column(String(10), default="none")
    stage_on: Mapped[date | None] = mapped_column(Date)
    #: the due date the ladder's dates are counted from: the oldest overdue bill's when the case opened
    anchor_due_on: Mapped[date] = mapped_column(Date)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    close_reason: Mapped[str | None] = mapped_column(String(20))     # settled | under_threshold
    #: what was overdue and since when, as the last sweep or payment saw it
    overdue: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"))
    oldest_due_on: Mapped[date | None] = mapped_column(Date)
    #: ``ARREARS_CLASSES`` (set by the steward after the first call), when and by whom
    arrears_class: Mapped[str | None] = mapped_column(String(1))
    class_set_on: Mapped[date | None] = mapped_column(Date)
    class_set_by: Mapped[str | None] = mapped_column(String(100))
    #: class A: the date the household promised to pay by (and how much, if said)
    promised_on: Mapped[date | None] = mapped_column(Date)
    promised_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    #: why the ladder waits: ``dispute`` (a disputed bill) | ``plan`` (an installment plan honoured)
    paused: Mapped[str | None] = mapped_column(String(10))
    pause_reason: Mapped[str | None] = mapped_column(String(400))
    #: the steward following the case (管家; assigned by the CS supervisor), none = the project's stewards
    steward_id: Mapped[str | None] = mapped_column(String(100))
    #: the steward's display name when assigned (the gateway checks the id is a steward of the project)
    steward_name: Mapped[str | None] = mapped_column(String(100))
    #: the project's local day the daily sweep last moved this case (once per day)
    swept_on: Mapped[date | None] = mapped_column(Date)
    #: late fee (滞纳金): accrued exactly (no rounding) through ``late_fee_through``; ``late_fee_billed``
    #: of it is on late-fee bills (each bill: round(accrued) - billed so far, half-up at the fen)
    late_fee_accrued: Mapped[Decimal] = mapped_column(FixedDecimal(scale=8, precision=24), default=Decimal("0"))
    late_fee_through: Mapped[date | None] = mapped_column(Date)
    #: the first day the late fee may accrue: the day after the deadline (plus the grace days) of the
    #: final notice this case sent; null: no final notice sent yet -- no fee
    late_fee_from: Mapped[date | None] = mapped_column(Date)
    late_fee_billed: Mapped[Decimal] = mapped_column(MoneyType(), default=Decimal("0.00"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (
        Index("uq_dunning_case_open", "account_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("ix_dunning_cases_project", "project_id", "status"),
    )


class DunningNotice(Base):
    """催费通知单: a notice of the ladder (``first`` 催费通知书, ``second`` 二次催费通知书, ``final``
    最后催费通知书) -- once per case and stage, whoever sweeps; its id is the event's and the
    provider's idempotency reference."""

    __tablename__ = "dunning_notices"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    case_id: Mapped[str] = mapped_column(ForeignKey("dunning_cases.id"))
    account_id: Mapped[str] = mapped_column(ID)
    stage: Mapped[str] = mapped_column(String(10))
    notice_on: Mapped[date] = mapped_column(Date)
    pay_by: Mapped[date] = mapped_column(Date)
    overdue: Mapped[Decimal] = mapped_column(MoneyType())
    late_fee: Mapped[Decimal] = mapped_column(MoneyType())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("case_id", "stage", name="uq_dunning_notice_stage"),
                      Index("ix_dunning_notices_project_day", "project_id", "notice_on"))


class DunningLogEntry(Base):
    """欠费催缴记录: one action on a case -- a call, an SMS, a door notice (with its photo
    reference), a visit, a promise, a class set, a notice sent, a pause, a plan's or a legal
    step's record -- with who and when. Append-only: no API edits or deletes one."""

    __tablename__ = "dunning_log"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    case_id: Mapped[str] = mapped_column(ForeignKey("dunning_cases.id"), index=True)
    account_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(400), default="")
    photo_ref: Mapped[str | None] = mapped_column(String(200))
    promised_on: Mapped[date | None] = mapped_column(Date)
    promised_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    arrears_class: Mapped[str | None] = mapped_column(String(1))
    ref_id: Mapped[str | None] = mapped_column(String(64))      # the notice, task, plan or proposal
    done_on: Mapped[date] = mapped_column(Date)                  # the project's local day
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")

    __table_args__ = (Index("ix_dunning_log_project_day", "project_id", "done_on"),)


append_only(DunningLogEntry.__table__)


class DunningTask(Base):
    """催费任务: the steward's next action on a case and the day it is due -- made by the daily
    sweep from the case's class (``domain/arrears_classes.py``), once per (case, kind, day); done
    when the steward logs the action, cancelled when the case closes or pauses."""

    __tablename__ = "dunning_tasks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    case_id: Mapped[str] = mapped_column(ForeignKey("dunning_cases.id"))
    account_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    #: who does it: the role, and the steward when the case has one
    role: Mapped[str] = mapped_column(String(30))
    steward_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="open")   # open | done | cancelled
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    log_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("case_id", "kind", "due_on", name="uq_dunning_task_day"),
                      Index("ix_dunning_tasks_project_due", "project_id", "status", "due_on"))


class BillDispute(Base):
    """账单异议: a household disputes a bill; the account's dunning pauses (with the reason) until
    staff resolve it -- ``upheld`` (the bill is corrected through ``domain/corrections.py``) or
    ``rejected`` (the ladder resumes)."""

    __tablename__ = "bill_disputes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    bill_id: Mapped[str] = mapped_column(ForeignKey("bills.id"))
    account_id: Mapped[str] = mapped_column(ID, index=True)
    reason: Mapped[str] = mapped_column(String(400))
    status: Mapped[str] = mapped_column(String(10))              # open | upheld | rejected
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    opened_by: Mapped[str] = mapped_column(String(100))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (Index("uq_bill_dispute_open", "bill_id", unique=True,
                            sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),)


class InstallmentPlan(Base):
    """分期缴费协议: a schedule of instalments agreed with a household in hardship. The case
    pauses while the plan is honoured (what was paid since it was agreed covers every instalment
    due) and resumes the day after an instalment is missed (``broken``); ``completed`` when all
    are paid."""

    __tablename__ = "installment_plans"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    case_id: Mapped[str] = mapped_column(ForeignKey("dunning_cases.id"))
    account_id: Mapped[str] = mapped_column(ID, index=True)
    status: Mapped[str] = mapped_column(String(10))              # active | completed | broken | cancelled
    total: Mapped[Decimal] = mapped_column(MoneyType())
    reason: Mapped[str] = mapped_column(String(400))
    agreed_on: Mapped[date] = mapped_column(Date)
    agreed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    agreed_by: Mapped[str] = mapped_column(String(100))
    ended_on: Mapped[date | None] = mapped_column(Date)
    ended_reason: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (Index("uq_installment_plan_active", "account_id", unique=True,
                            sqlite_where=text("status = 'active'"), postgresql_where=text("status = 'active'")),)


class Installment(Base):
    """One instalment of a plan: how much by which day."""

    __tablename__ = "installments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[str] = mapped_column(ForeignKey("installment_plans.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MoneyType())
    met_on: Mapped[date | None] = mapped_column(Date)


class LegalProposal(Base):
    """律师函 / 诉讼: a proposal to send a lawyer letter or to sue, listed by the project, reviewed by
    the CS department, approved by the GM; sent or filed only after both, never automatically
    (``domain/legal.py``, its transition table)."""

    __tablename__ = "legal_proposals"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    case_id: Mapped[str] = mapped_column(ForeignKey("dunning_cases.id"))
    account_id: Mapped[str] = mapped_column(ID, index=True)
    kind: Mapped[str] = mapped_column(String(20))                # lawyer_letter | litigation
    status: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(MoneyType())         # what was overdue when proposed
    reason: Mapped[str] = mapped_column(String(400))
    proposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    proposed_by: Mapped[str] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(100))
    rejected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rejected_by: Mapped[str | None] = mapped_column(String(100))
    decided_note: Mapped[str | None] = mapped_column(String(400))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    document_ref: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (Index("ix_legal_proposals_project", "project_id", "status"),)


class RenovationFees(Base):
    """What a renovation (tickets' 装修申请) asked billing for, once per renovation: the deposit
    to hold and the garbage-removal fee charged as a one-off bill; paid when both are
    (``renovation.fees_paid``); then the refund asked after the re-inspection, less what is
    withheld for the violations (domain/renovation_fees.py; revision 0049)."""

    __tablename__ = "renovation_fees"

    renovation_id: Mapped[str] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("fee_accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))     # requested | paid | refund_requested | refunded
    deposit_amount: Mapped[Decimal] = mapped_column(MoneyType())
    garbage_bill_id: Mapped[str | None] = mapped_column(ID)
    garbage_fee: Mapped[Decimal] = mapped_column(MoneyType())
    deposit_id: Mapped[str | None] = mapped_column(ID, unique=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refund_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    withheld_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    #: JSON list of the violations the withheld part is for
    violations: Mapped[str | None] = mapped_column(Text)
    refund_id: Mapped[str | None] = mapped_column(ID)
    refund_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: who re-inspected and decided what is withheld (tickets' ``reinspected_by``; 0051)
    withheld_by: Mapped[str | None] = mapped_column(String(100))
    withheld_by_name: Mapped[str | None] = mapped_column(String(100))
    #: the withheld part moved from the deposit to income (押金扣除; once: 0051)
    forfeited_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    forfeit_entry_id: Mapped[str | None] = mapped_column(ID)
    forfeited_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
