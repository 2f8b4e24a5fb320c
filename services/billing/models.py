"""billing's tables. The fee accounts and their ledger are billing's own; the
project and household rows are local copies built from archive's events."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import UtcDateTime, new_base
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

ENTRY_KINDS = ("opening_balance", "charge", "payment", "adjustment", "late_fee")


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
    """收费账户: one per unit, opened when archive registers the unit. Its balance is
    the signed sum of its ledger -- never stored, so it cannot drift from the entries."""

    __tablename__ = "fee_accounts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID, unique=True)
    unit_label: Mapped[str] = mapped_column(String(100))
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


class LedgerEntry(Base):
    """台账分录: one posting to a fee account. ``amount`` is signed: positive is owed
    by the household (charge, late fee), negative is paid or credited.

    Entries are never edited or deleted; a mistake is corrected by an adjustment.
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

    __table_args__ = (
        UniqueConstraint("account_id", "line_no", name="uq_ledger_line"),
        # The same source (a bill, a payment, the account's opening balance) posts
        # one entry of a kind: the database refuses a second even under a race.
        UniqueConstraint("account_id", "kind", "ref_type", "ref_id", name="uq_ledger_ref"),
    )
