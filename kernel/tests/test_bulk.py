"""The kernel's bulk paths -- many outbox rows in one INSERT (``record_many``), many rows updated in one
UPDATE (``update_many``), a CSV file loaded all or nothing (``kernel.csvimport``) -- on SQLite and the
real PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, validate
from sqlalchemy import String, event, select
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from kernel.clock import ManualClock
from kernel.csvimport import CsvRefused, CsvUnreadable, load_csv
from kernel.db import UtcDateTime, make_engine, new_base, update_many
from kernel.messaging import EventContract, kernel_tables
from kernel.money import Money, MoneyType
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET
from kernel.work import Work

Base = new_base()
OutboxMessage, _ = kernel_tables(Base)


class Bill(Base):
    __tablename__ = "bulk_bills"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    allocated: Mapped[Decimal] = mapped_column(MoneyType())
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Charged(Schema):
    bill_id = fields.String(required=True)
    amount = Money(required=True)
    pays_by = fields.String(required=True, validate=validate.OneOf(["cash", "bank_debit"]))


CONTRACT = EventContract("bulk", {"bill.charged": Charged})


@pytest.fixture
def Session(db_url):
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock("2026-12-01T00:05:00+08:00")


def work(session, clock) -> Work:
    return Work.build(session, clock, Caller.system("g1", "bulk"), base=Base, contract=CONTRACT, secret=TEST_SECRET)


def statements(session) -> list[str]:
    seen: list[str] = []
    event.listen(session.get_bind(), "before_cursor_execute",
                 lambda conn, cursor, sql, params, context, executemany: seen.append(sql.split()[0].upper()))
    return seen


def test_record_many_writes_what_record_writes_in_one_insert_in_order(Session, clock):
    items = [({"bill_id": f"b{n}", "amount": Decimal(f"{n}.5"), "pays_by": "cash"}, "g1", f"p{n % 2}")
             for n in range(250)]
    with Session() as session, session.begin():
        w = work(session, clock)
        one = w.events.record("bill.charged", {"bill_id": "first", "amount": Decimal("1"), "pays_by": "cash"},
                              group_id="g1", project_id="p0")
        seen = statements(session)
        events = w.events.record_many("bill.charged", items)
        assert seen == ["INSERT", "INSERT"]          # the pending ORM row flushed first, then all 250 at once
        assert session.info["outbox_dirty"] is True
    with Session() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.seq)).all()
    assert [r.event_id for r in rows] == [one.id, *(e.id for e in events)]       # the order given, after the ORM row
    first, bulk = rows[0], rows[1]
    for column in ("event_type", "source", "group_id", "status", "attempts", "mandatory", "created_at"):
        assert getattr(first, column) == getattr(bulk, column), column
    body = json.loads(rows[-1].body)
    assert body["data"] == {"bill_id": "b249", "amount": "249.50", "pays_by": "cash"}    # dumped by the schema
    assert (body["project_id"], body["actor"]["user_id"], rows[-1].project_id) == ("p1", "system:bulk", "p1")
    with Session() as session, session.begin():
        with pytest.raises(ValueError):                       # validated like record()
            work(session, clock).events.record_many("bill.charged", [({"bill_id": "x", "amount": "1",
                                                                       "pays_by": "cheque"}, "g1", "p1")])
        assert work(session, clock).events.record_many("bill.charged", []) == []


def test_update_many_sets_each_rows_own_values_in_one_statement(Session, clock):
    with Session() as session, session.begin():
        session.add_all([Bill(id=f"b{n}", allocated=Decimal("0"), settled_at=None) for n in range(5)])
    now = clock.now()
    with Session() as session, session.begin():
        seen = statements(session)
        matched = update_many(session, Bill, "id", [{"id": "b1", "allocated": Decimal("30.00"), "settled_at": now},
                                                    {"id": "b3", "allocated": Decimal("0.05"), "settled_at": None},
                                                    {"id": "zz", "allocated": Decimal("9"), "settled_at": now}])
        assert matched == 2 and seen == ["UPDATE"]
        assert update_many(session, Bill, "id", []) == 0
    with Session() as session:
        got = {b.id: (b.allocated, b.settled_at) for b in session.scalars(select(Bill))}
    assert got["b1"] == (Decimal("30.00"), now) and got["b3"] == (Decimal("0.05"), None)
    assert got["b0"] == got["b2"] == got["b4"] == (Decimal("0.00"), None)


class Row(Schema):
    unit = fields.String(required=True)
    reading = fields.Decimal(required=True)
    note = fields.String(load_default="")


def test_a_csv_file_is_loaded_with_its_line_numbers_and_refused_as_a_whole():
    text = ('\ufeff房号, Reading ,note\r\n'
            '1栋-0101,12.5,"a, quoted\nnote"\r\n'
            '\r\n'
            '1栋-0102,abc,\r\n'
            '1栋-0103,7,,extra\r\n'
            ',3,\r\n')
    parsed = load_csv(text, Row(), aliases={"unit": ("房号",)})
    assert parsed.rows == [(3, {"unit": "1栋-0101", "reading": Decimal("12.5"), "note": "a, quoted\nnote"})]
    assert sorted(parsed.errors) == [5, 6, 7] and "reading" in parsed.errors[5] and "unit" in parsed.errors[7]
    parsed.error(3, "reading", "lower than the last")
    with pytest.raises(CsvRefused) as exc:
        parsed.refuse_if_errors()
    assert exc.value.code == "csv_invalid" and exc.value.details["count"] == 4
    assert [entry["line"] for entry in exc.value.details["lines"]] == [3, 5, 6, 7]
    assert load_csv(text.lstrip("\ufeff"), Row(), aliases={"unit": ("房号",)}).sha256 == parsed.sha256
    for bad, code in (("", "csv_empty"), ("unit,size\n1,2\n", "csv_header"), ("unit,unit,reading\n", "csv_header"),
                      ("note\nx\n", "csv_header"), ("unit,reading\n" + "u,1\n" * 4, "csv_too_long")):
        with pytest.raises(CsvUnreadable) as exc:
            load_csv(bad, Row(), max_rows=3)
        assert exc.value.code == code, bad
