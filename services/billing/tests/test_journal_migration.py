"""Revision 0040's data step: entries posted before the journal (one signed amount each) get their
two postings, and those that made a household owe something get a bill -- every balance stays
what it was, and the bills are settled like any other afterwards."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import UtcDateTime, make_engine, upgrade
from kernel.money import FixedDecimal, MoneyType
from kernel.tenancy import Caller
from services.billing.domain import journal, queries
from services.billing.models import Bill, BillLine, FeeAccount, LedgerEntry, Posting

from . import support

G = "g1"
AT = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)

# the tables as revision 0030 left them (only what the rows below fill in)
_md = sa.MetaData()
PROJECTS = sa.Table("projects", _md, sa.Column("id", sa.String), sa.Column("group_id", sa.String),
                    sa.Column("code", sa.String), sa.Column("name", sa.String), sa.Column("timezone", sa.String),
                    sa.Column("version", sa.Integer), sa.Column("updated_at", UtcDateTime()))
ACCOUNTS = sa.Table("fee_accounts", _md, sa.Column("id", sa.String), sa.Column("group_id", sa.String),
                    sa.Column("project_id", sa.String), sa.Column("unit_id", sa.String),
                    sa.Column("unit_label", sa.String), sa.Column("building_area", FixedDecimal(2, 10)),
                    sa.Column("opened_at", UtcDateTime()), sa.Column("unit_version", sa.Integer),
                    sa.Column("version", sa.Integer))
ENTRIES = sa.Table("ledger_entries", _md, sa.Column("id", sa.String), sa.Column("account_id", sa.String),
                   sa.Column("group_id", sa.String), sa.Column("project_id", sa.String),
                   sa.Column("line_no", sa.Integer), sa.Column("kind", sa.String), sa.Column("amount", MoneyType()),
                   sa.Column("description", sa.String), sa.Column("occurred_on", sa.Date),
                   sa.Column("posted_at", UtcDateTime()), sa.Column("posted_by", sa.String),
                   sa.Column("ref_type", sa.String), sa.Column("ref_id", sa.String))


def entry(id, account, line_no, kind, amount, occurred_on, ref_type, ref_id, minutes):
    return dict(id=id, account_id=account, group_id=G, project_id="p1", line_no=line_no, kind=kind,
                amount=Decimal(amount), description=f"{kind} {amount}", occurred_on=occurred_on,
                posted_at=AT.replace(minute=minutes), posted_by="fin-1", ref_type=ref_type, ref_id=ref_id)


def test_earlier_entries_get_their_postings_and_bills_and_balances_stay(db_url):
    upgrade(migrations_dir("billing"), db_url, revision="0030")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(PROJECTS.insert(), [dict(id="p1", group_id=G, code="LH", name="绿湖花园",
                                                  timezone="Asia/Shanghai", version=1, updated_at=AT)])
            conn.execute(ACCOUNTS.insert(), [
                dict(id=f"a{n}", group_id=G, project_id="p1", unit_id=f"u{n}", unit_label=f"1栋-010{n}",
                     building_area=Decimal("89.37"), opened_at=AT, unit_version=1, version=1) for n in (1, 2, 3)])
            conn.execute(ENTRIES.insert(), [
                entry("e1", "a1", 1, "opening_balance", "120.50", date(2026, 10, 31), "opening_balance", "a1", 0),
                entry("e2", "a1", 2, "charge", "59.70", date(2026, 11, 20), "repair_charge", "c-1", 5),
                entry("e3", "a2", 1, "opening_balance", "-345.60", date(2026, 10, 31), "opening_balance", "a2", 1),
                entry("e4", "a3", 1, "opening_balance", "0.00", date(2026, 10, 31), "opening_balance", "a3", 2)])
        upgrade(migrations_dir("billing"), db_url)
        with Session(engine) as session:
            owed = {"a1": Decimal("180.20"), "a2": Decimal("-345.60"), "a3": Decimal("0.00")}
            for account_id, balance_due in owed.items():
                sums = journal.balances(session, account_id)
                assert sums["balance_due"] == balance_due
                assert sums["receivable"] == sum((journal.outstanding(b) for b in session.scalars(
                    sa.select(Bill).where(Bill.account_id == account_id))), Decimal("0.00"))
            assert journal.balances(session, "a2")["credit"] == Decimal("345.60")
            for e in session.scalars(sa.select(LedgerEntry)):
                postings = session.execute(sa.select(Posting.book, Posting.amount).where(Posting.entry_id == e.id)).all()
                assert sum((a for _, a in postings), Decimal("0.00")) == Decimal("0.00")
                assert sum((a for b, a in postings if b in journal.BALANCE_BOOKS), Decimal("0.00")) == e.amount
                assert len(postings) == (0 if e.amount == 0 else 2)          # nothing to post for 0.00
            assert dict(session.execute(sa.select(Posting.entry_id, Posting.book).where(
                ~Posting.book.in_(journal.UNIT_BOOKS))).all()) == {
                "e1": "opening", "e2": "income:repair", "e3": "opening"}
            bills = session.scalars(sa.select(Bill).order_by(Bill.number)).all()
            assert [(b.number, b.kind, b.entry_id, b.total, b.due_on, b.source_type, b.source_id) for b in bills] == [
                ("ZD00000001", "opening", "e1", Decimal("120.50"), date(2026, 10, 31), "opening_balance", "a1"),
                ("ZD00000002", "one_off", "e2", Decimal("59.70"), date(2026, 11, 20), "repair_charge", "c-1")]
            assert [line.amount for line in session.scalars(sa.select(BillLine).order_by(BillLine.id))] == [
                Decimal("120.50"), Decimal("59.70")]

            # the bills are real: a payment settles them oldest first, the numbers go on
            clock = ManualClock("2026-11-25T09:00:00+08:00")
            w = support.work(session, clock, Caller.system(G, "billing"))
            account = session.get(FeeAccount, "a1")
            journal.receive(w, account, amount=Decimal("150.00"), book="cash", occurred_on=date(2026, 11, 25),
                            description="收款", ref_type="payment", ref_id="pay-1")
            assert [(b.number, b.allocated, b.settled_at is not None) for b in session.scalars(
                sa.select(Bill).order_by(Bill.number))] == [
                ("ZD00000001", Decimal("120.50"), True), ("ZD00000002", Decimal("29.50"), False)]
            later = support.issue(w, account, "10.00", issued_on=date(2026, 11, 25), due_on=date(2026, 12, 15),
                                  source_id="after")
            assert later.number == "ZD00000003"
            statement = queries.statement(w, "u1", date(2026, 10, 1), date(2026, 11, 30))
            assert [e["bills"] for e in statement["entries"]] == [["ZD00000001"], ["ZD00000002"],
                                                                   ["ZD00000001", "ZD00000002"], ["ZD00000003"]]
            assert statement["closing_balance"] == Decimal("40.20")
            session.rollback()
    finally:
        engine.dispose()
