"""One unit through 2026, driven by the clock: billing's whole cycle as the service runs it (its RPC
methods on the database, its job runner for every dated step), every figure against a hand
computation.

绿湖花园 1栋-0101, 89.37 m2 high-rise residential; 张伟 moves in on 5 January.

========== ================================================================== =========
date       what happens                                                        balance
========== ================================================================== =========
01-05      moves in; the move-in quote is 3 months (Feb-Apr, January's bills    -308.34
           were computed on the 1st) x round(89.37 x 1.15 = 102.7755) = 3 x
           102.78 = 308.34, paid in cash: all prepaid credit (receipt SJ00000001)
02/03/04-01 the month's bill 102.78, settled by the credit at once        -205.56 -102.78 0.00
03-10      finance: 1.30 /m2 from 1 July (业委会决议)
04-20      a paid repair's charge 59.70 (ticket.charge_posted), due 05-15            59.70
04-25      a debit mandate (托收协议)
05-01      May's bill 102.78                                                     162.48
05-10      round 1 collects 162.48: the bank answers failed (余额不足)           162.48
05-21      round 2 collects 162.48: paid (receipt SJ00000002)                      0.00
05-25      the mandate is cancelled: the household pays at the desk again
06-01      June's bill 102.78                                                    102.78
06-12      a partial payment of 50.00 at the desk (SJ00000003)                    52.78
07-01      July's bill at the new price: round(89.37 x 1.30 = 116.181) = 116.18  168.96
07-03      200.00 in cash: June's 52.78, July's 116.18, 31.04 credit (SJ00000004) -31.04
07-06      the overpayment refunded: requested at the desk, approved and paid by   0.00
           finance
08-01 ... 12-01 five bills of 116.18, nothing paid                              580.90
========== ================================================================== =========

The project charges no late fee here (``dunning.late_fee_daily_rate`` 0): this is billing's year;
the dunning ladder's own year, late fees included, is ``test_dunning_year.py``.

On 12-31: charged 5 x 102.78 + 6 x 116.18 + 59.70 = 1,270.68; received 308.34 + 162.48 + 50.00 +
200.00 = 720.82; refunded 31.04; 1,270.68 - 720.82 + 31.04 = 580.90 owed, all of it overdue (August
to December, each due on the 15th).
"""
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.tenancy import Caller
from kernel.testing import outbox_events, staff
from services.billing import schemas
from services.billing.domain import ledger
from services.billing.models import Base, Bill, Posting

from .support import G, add_project, add_unit, job_executor, move_in, service_as, work

# one of the suite's longest files: on a loaded machine (shards in parallel) it may pass the 120 s default
pytestmark = pytest.mark.timeout(360)

D = Decimal
TZ = "Asia/Shanghai"
PLATFORM = Caller.system(G, "billing")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")


@pytest.fixture
def clock():
    return ManualClock("2026-01-05T10:00:00+08:00")


@pytest.fixture
def Session(tmp_path, clock):
    engine = make_engine(f"sqlite:///{tmp_path / 'billing.db'}")
    Base.metadata.create_all(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as s, s.begin():
        w = work(s, clock, PLATFORM)
        add_project(w)
        add_unit(w, "u1", area="89.37", label="1栋-0101")
        move_in(w, "u1", moved_in_on="2026-01-05")
        w.settings.change(G, "p1", "dunning.late_fee_daily_rate", "0", reason="no late fee in billing's year")
    yield factory
    engine.dispose()


def test_a_unit_through_a_year(Session, clock):
    runner = job_executor(Session, clock)

    @contextmanager
    def as_(caller):
        """billing's RPC methods as ``caller``, one committed unit of work."""
        with Session() as s, s.begin():
            yield service_as(s, clock, caller)

    def read(fn):
        with Session() as s:
            return fn(s)

    def until(day: str, hour: int = 10):
        """Every hour of the site's calendar up to ``day`` ``hour``:00, the service's jobs run as due."""
        end = clock.now().fromisoformat(f"{day}T{hour:02d}:00:00+08:00")
        while clock.now() < end:
            clock.advance(min(timedelta(hours=6), end - clock.now()))
            while runner.run_once():
                pass

    def balance():
        with as_(FINANCE) as svc:
            return svc.get_balance("u1")

    def bills():
        with as_(FINANCE) as svc:
            return {(b["period"] or b["kind"]): b for b in svc.list_bills("u1", limit=200)["items"]}

    # -- 01-05: moving in, three months ahead --------------------------------------------------------
    until("2026-01-05", 11)
    with as_(DESK) as svc:
        quote = svc.move_in_quote("u1")
    assert quote["periods"] == ["2026-02", "2026-03", "2026-04"]
    assert [line["amount"] for line in quote["lines"]] == ["102.78"] * 3 and quote["total"] == "308.34"
    with as_(DESK) as svc:
        paid = svc.record_payment("u1", {"method": "cash", "amount": quote["total"]}, idempotency_key="move-in")
    assert paid["receipt"]["number"] == "SJ00000001"
    assert balance()["balance_due"] == "-308.34" and balance()["credit"] == "308.34"
    assert bills() == {}                                   # January: billed before 张伟 moved in

    # -- February to April: the bills use the credit up -------------------------------------------
    for month, left in (("02", "-205.56"), ("03", "-102.78"), ("04", "0.00")):
        until(f"2026-{month}-01", 1)
        assert balance()["balance_due"] == left, month
        if month == "03":
            until("2026-03-10")
            with as_(FINANCE) as svc:
                svc.set_fee_price("p1", "management", {"usage": "residential", "unit_price": "1.30",
                                                       "effective_from": "2026-07-01", "reason": "业委会决议"})
    assert {p: (b["total"], b["status"]) for p, b in bills().items()} == {
        "2026-02": ("102.78", "settled"), "2026-03": ("102.78", "settled"), "2026-04": ("102.78", "settled")}
    assert all(b["lines"][0]["unit_price"] == "1.1500" and b["lines"][0]["quantity"] == "89.37"
               for b in bills().values())

    # -- 04-20: a paid repair's charge; 04-25: a debit mandate --------------------------------------
    until("2026-04-20")
    with Session() as s, s.begin():
        ledger.post_repair_charge(work(s, clock, PLATFORM), schemas.ChargePostedIn().load({
            "charge_id": "c-1", "ticket_id": "t-1", "number": "BX-20260420-0001", "group_id": G,
            "project_id": "p1", "unit_id": "u1", "household_id": "h-u1",
            "lines": [{"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "1",
                       "unit_price": "35.00", "amount": "35.00"},
                      {"code": "DQ-02", "name": "更换电线", "unit": "米", "quantity": "2",
                       "unit_price": "12.35", "amount": "24.70"}],
            "total": "59.70", "currency": "CNY", "posted_at": "2026-04-20T02:00:00+00:00"}))
    repair = bills()["one_off"]
    assert (repair["total"], repair["due_on"]) == ("59.70", "2026-05-15")
    until("2026-04-25")
    with as_(DESK) as svc:
        mandate = svc.register_debit_mandate("u1", {"bank_name": "中国工商银行", "holder_name": "张伟",
                                                    "bank_account": "6222020200112233445"})

    # -- May: the bank fails on the 10th, collects on the 21st --------------------------------------
    until("2026-05-10", 9)
    assert balance()["balance_due"] == "162.48"
    with as_(FINANCE) as svc:
        [first] = svc.list_bank_batches("p1", "2026-05")
        batch = svc.get_bank_batch(first["id"])
    assert (batch["round"], batch["collect_on"], batch["total"]) == (1, "2026-05-10", "162.48")
    [item] = batch["items"]
    with as_(FINANCE) as svc:
        svc.import_bank_results(batch["id"], {"csv": "item_id,status,amount,bank_reference,reason\r\n"
                                                     f"{item['id']},failed,0.00,,余额不足\r\nTOTAL,1,0.00\r\n"})
    assert balance()["balance_due"] == "162.48"
    until("2026-05-21", 9)
    with as_(FINANCE) as svc:
        second = [b for b in svc.list_bank_batches("p1", "2026-05") if b["round"] == 2][0]
        batch = svc.get_bank_batch(second["id"])
        [item] = batch["items"]
        assert (batch["collect_on"], item["amount"]) == ("2026-05-21", "162.48")
        answer = svc.import_bank_results(batch["id"], {
            "csv": f"item_id,status,amount,bank_reference,reason\r\n{item['id']},paid,162.48,B0521-7,\r\n"
                   "TOTAL,1,162.48\r\n"})
    assert (answer["paid"], answer["failed"]) == (1, 0)
    assert balance()["balance_due"] == "0.00"
    assert (bills()["2026-05"]["status"], bills()["one_off"]["status"]) == ("settled", "settled")
    until("2026-05-25")
    with as_(FINANCE) as svc:
        svc.cancel_debit_mandate("u1", mandate["id"], {"reason": "改为前台缴费 pays at the desk"})

    # -- June and July: a partial payment, the new price, an overpayment refunded -------------------
    until("2026-06-12")
    assert balance()["balance_due"] == "102.78"
    with as_(DESK) as svc:
        assert svc.record_payment("u1", {"method": "cash", "amount": "50.00"},
                                  idempotency_key="june")["receipt"]["number"] == "SJ00000003"
    assert (bills()["2026-06"]["status"], bills()["2026-06"]["outstanding"]) == ("partly_paid", "52.78")
    until("2026-07-03")
    july = bills()["2026-07"]
    assert (july["total"], july["lines"][0]["unit_price"], july["lines"][0]["price_from"]) == (
        "116.18", "1.3000", "2026-07-01")
    assert balance()["balance_due"] == "168.96"
    with as_(DESK) as svc:
        paid = svc.record_payment("u1", {"method": "cash", "amount": "200.00"}, idempotency_key="july")
    assert paid["receipt"]["number"] == "SJ00000004"
    assert [(line["bill"], line["amount"]) for line in paid["receipt"]["lines"]] == [
        (bills()["2026-06"]["number"], "52.78"), (july["number"], "116.18"), (None, "31.04")]
    assert balance()["balance_due"] == "-31.04"
    until("2026-07-06")
    with as_(DESK) as svc:
        refund = svc.request_refund("u1", {"kind": "overpayment", "amount": "31.04", "method": "cash",
                                           "reason": "多交 overpaid in July"})
    with as_(FINANCE) as svc:
        svc.approve_refund(refund["id"], {"note": "核对无误"})
        assert svc.pay_refund(refund["id"])["status"] == "paid"
    assert balance()["balance_due"] == "0.00"

    # -- to the year's end: five bills at the new price, nothing paid ---------------------------------
    until("2026-12-31", 12)
    year = bills()
    assert sorted(year) == [f"2026-{m:02d}" for m in range(2, 13)] + ["one_off"]
    assert [year[f"2026-{m:02d}"]["total"] for m in range(2, 13)] == ["102.78"] * 5 + ["116.18"] * 6
    assert [year[f"2026-{m:02d}"]["status"] for m in range(8, 13)] == ["overdue"] * 5
    owed = balance()
    assert (owed["balance_due"], owed["receivable"], owed["credit"], owed["overdue"], owed["overdue_bills"]) == (
        "580.90", "580.90", "0.00", "580.90", 5)
    with as_(FINANCE) as svc:
        arrears = svc.has_arrears("u1")
        statement = svc.statement("u1", "2026-01-01", "2026-12-31")
        receipts = svc.list_receipts("u1")
    assert (arrears["has_arrears"], arrears["overdue"]) == (True, "580.90")
    assert (statement["opening_balance"], statement["closing_balance"]) == ("0.00", "580.90")
    by_kind = {}
    for entry in statement["entries"]:
        by_kind[entry["kind"]] = by_kind.get(entry["kind"], D("0")) + D(entry["amount"])
    assert by_kind == {"charge": D("1270.68"), "payment": D("-720.82"), "refund": D("31.04"),
                       "prepaid_applied": D("0.00")}
    assert [r["number"] for r in receipts["items"]][::-1] == ["SJ00000001", "SJ00000002", "SJ00000003",
                                                              "SJ00000004"]
    assert [r["amount"] for r in receipts["items"]][::-1] == ["308.34", "162.48", "50.00", "200.00"]

    # the books: every entry balanced, the cash and the bank as received and paid out
    def books(s):
        rows = s.execute(select(Posting.book, func.sum(Posting.amount)).group_by(Posting.book)).all()
        return {book: D(total) for book, total in rows}
    totals = read(books)
    assert sum(totals.values(), D("0")) == D("0.00")
    assert (totals["cash"], totals["bank"]) == (D("308.34") + D("50.00") + D("200.00") - D("31.04"), D("162.48"))
    assert (totals["income:management"], totals["income:repair"]) == (D("-1210.98"), D("-59.70"))
    assert (totals["receivable"], totals["prepaid"]) == (D("580.90"), D("0.00"))
    # a notice on the 5th, once, for every month's bill still to pay then -- not February to April
    # (the move-in credit paid them when they were issued) nor July (paid on the 3rd)
    notices = read(lambda s: [e["data"]["period"] for e in outbox_events(s, Base) if e["type"] == "bill.notice_due"])
    assert sorted(n for n in notices if n) == ["2026-05", "2026-06", "2026-08", "2026-09", "2026-10", "2026-11",
                                              "2026-12"]
    assert read(lambda s: s.scalar(select(func.count(Bill.id)))) == 12
