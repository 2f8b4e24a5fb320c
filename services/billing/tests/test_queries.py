"""billing's queries (domain/queries.py) without a broker: balances and arrears on the site's
date, statements across period boundaries, bills with their lines, statuses and settlements,
receipts, the project's figures -- and who may read each."""
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import domain_session, resident, staff
from services.billing import schemas
from services.billing.domain import journal, payments, queries
from services.billing.exceptions import AccountNotFound, BillNotFound, ProjectNotFound, ReceiptNotFound
from services.billing.domain.accounts import find_account
from services.billing.models import Base, LedgerEntry, Receipt

from . import support
from .support import G, issue

PLATFORM = Caller.system(G, "billing")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
ME = resident(G, ["u1"])
D = Decimal


@pytest.fixture
def clock():
    return ManualClock("2026-11-10T09:00:00+08:00")


@pytest.fixture
def estate(session, clock):
    """p1 with u1 (张伟) and u2 (王强); p2 with u9."""
    w = support.work(session, clock, PLATFORM)
    support.add_project(w)
    support.add_project(w, "p2", code="XH", name="星河湾")
    accounts = {u: support.add_unit(w, u) for u in ("u1", "u2")}
    accounts["u9"] = support.add_unit(w, "u9", project_id="p2")
    support.move_in(w, "u1")
    support.move_in(w, "u2", owner="王强")
    session.commit()
    return accounts


def as_(session, clock, caller=FINANCE):
    return support.work(session, clock, caller)


def pay(w, account, amount, on, method="cash"):
    return payments.record_received(w, account, method=method, amount=D(amount), occurred_on=on)


# -- balance and arrears ------------------------------------------------------------------------

def test_overdue_starts_the_day_after_the_due_date_at_the_site(session, clock, estate):
    w = as_(session, clock)
    issue(w, estate["u1"], "102.78", issued_on=date(2026, 11, 1), due_on=date(2026, 11, 15),
          source_id="2026-11", kind="monthly", period="2026-11")
    issue(w, estate["u1"], "30.00", issued_on=date(2026, 11, 3), due_on=date(2026, 11, 30), source_id="garbage")
    clock.set("2026-11-15T23:59:00+08:00")                  # the due date itself: not arrears
    answer = queries.has_arrears(as_(session, clock, DESK), "u1")
    assert answer == {"unit_id": "u1", "has_arrears": False, "overdue": D("0.00"), "overdue_bills": 0,
                      "balance_due": D("132.78"), "oldest_due_on": date(2026, 11, 15), "as_of": date(2026, 11, 15),
                      "previous": []}
    clock.set("2026-11-15T16:00:00+00:00")                  # 00:00 on the 16th in Shanghai
    answer = queries.has_arrears(as_(session, clock, DESK), "u1")
    assert (answer["has_arrears"], answer["overdue"], answer["overdue_bills"], answer["as_of"]) == (
        True, D("102.78"), 1, date(2026, 11, 16))
    pay(w, estate["u1"], "100.00", date(2026, 11, 16))       # partly paid, oldest first
    figures = queries.balance(as_(session, clock, ME), "u1")
    assert {k: figures[k] for k in ("receivable", "credit", "deposits_held", "balance_due", "open_bills",
                                    "overdue", "overdue_bills", "oldest_due_on")} == {
        "receivable": D("32.78"), "credit": D("0.00"), "deposits_held": D("0.00"), "balance_due": D("32.78"),
        "open_bills": 2, "overdue": D("2.78"), "overdue_bills": 1, "oldest_due_on": date(2026, 11, 15)}
    pay(w, estate["u1"], "40.00", date(2026, 11, 16))        # settles both, 7.22 credit
    answer = queries.has_arrears(as_(session, clock, PLATFORM), "u1")
    assert (answer["has_arrears"], answer["overdue"], answer["balance_due"], answer["oldest_due_on"]) == (
        False, D("0.00"), D("-7.22"), None)
    dumped = schemas.ArrearsOut().dump(answer)
    assert (dumped["overdue"], dumped["balance_due"], dumped["as_of"]) == ("0.00", "-7.22", "2026-11-16")


def test_credit_not_yet_applied_is_not_arrears_and_deposits_never_count(session, clock, estate):
    w = as_(session, clock)
    account = estate["u1"]
    journal.post(w, account, kind="deposit_held", lines=[("cash", D("2000.00")), ("deposit", D("-2000.00"))],
                 description="装修保证金", occurred_on=date(2026, 10, 1))
    pay(w, account, "100.00", date(2026, 10, 1))                            # 100.00 prepaid
    bill = issue(w, account, "80.00", issued_on=date(2026, 10, 1), due_on=date(2026, 10, 15), source_id="oct")
    # the credit applied to the bill is reversed: the bill is open again, the credit held again
    applied = session.scalars(select(LedgerEntry.id).where(LedgerEntry.kind == "prepaid_applied")).one()
    journal.reverse(w, applied, reason="applied by mistake", occurred_on=date(2026, 10, 2))
    assert journal.outstanding(bill) == D("80.00")
    answer = queries.has_arrears(as_(session, clock, DESK), "u1")
    assert (answer["has_arrears"], answer["overdue"], answer["overdue_bills"], answer["balance_due"]) == (
        False, D("0.00"), 1, D("-20.00"))
    figures = queries.balance(as_(session, clock, DESK), "u1")
    assert (figures["receivable"], figures["credit"], figures["deposits_held"]) == (
        D("80.00"), D("100.00"), D("2000.00"))


@pytest.mark.parametrize("caller, error", [
    (ME, Forbidden),                                            # residents do not ask the concierge's question
    (staff(G, ["p2"], roles=["security"]), Forbidden),          # another project's staff
    (staff("group-2", ["p1"], roles=["security"]), NotFound),   # another group: no such unit
])
def test_has_arrears_is_asked_by_staff_of_the_project(session, clock, estate, caller, error):
    with pytest.raises(error):
        queries.has_arrears(as_(session, clock, caller), "u1")
    assert queries.has_arrears(as_(session, clock, staff(G, ["p1"], roles=["security"])), "u1")["unit_id"] == "u1"
    with pytest.raises(AccountNotFound):
        queries.has_arrears(as_(session, clock, DESK), "no-such-unit")


def test_a_resident_reads_their_own_balance_only(session, clock, estate):
    assert queries.balance(as_(session, clock, ME), "u1")["balance_due"] == D("0.00")
    for unit_id in ("u2", "nope"):
        with pytest.raises(AccountNotFound) as exc:
            queries.balance(as_(session, clock, ME), unit_id)
        assert exc.value.code == "account_not_found"


# -- the statement ------------------------------------------------------------------------------

@pytest.fixture
def history(session, clock, estate):
    """u1's autumn: an opening balance on 31 Oct, the November bill, a payment (receipt), a
    discount, a charge reversed, the December bill."""
    w = as_(session, clock)
    account = estate["u1"]
    opening = issue(w, account, "50.00", issued_on=date(2026, 10, 31), due_on=date(2026, 10, 31), source_id="old")
    november = issue(w, account, "102.78", issued_on=date(2026, 11, 1), due_on=date(2026, 11, 15),
                     source_id="2026-11", kind="monthly", period="2026-11")
    payment = pay(w, account, "120.00", date(2026, 11, 8))
    journal.credit_bill(w, account, kind="discount", book="discount", amount=D("10.00"), bills=[november],
                        occurred_on=date(2026, 11, 9), description="减免", reason="电梯停运")
    wrong = issue(w, account, "9.99", issued_on=date(2026, 11, 20), due_on=date(2026, 11, 30), source_id="wrong")
    reversal = journal.reverse(w, wrong.entry_id, reason="计错", occurred_on=date(2026, 11, 21))
    december = issue(w, account, "102.78", issued_on=date(2026, 12, 1), due_on=date(2026, 12, 15),
                     source_id="2026-12", kind="monthly", period="2026-12")
    session.commit()
    return dict(opening=opening, november=november, payment=payment, wrong=wrong, reversal=reversal,
                december=december)


def test_a_statement_carries_the_balance_across_the_period_boundary(session, clock, history):
    w = as_(session, clock, ME)
    november = queries.statement(w, "u1", date(2026, 11, 1), date(2026, 11, 30))
    assert november["opening_balance"] == D("50.00")                      # the 31 Oct bill
    rows = [(e["date"], e["kind"], e["amount"], e["balance"]) for e in november["entries"]]
    assert rows == [
        (date(2026, 11, 1), "charge", D("102.78"), D("152.78")),
        (date(2026, 11, 8), "payment", D("-120.00"), D("32.78")),
        (date(2026, 11, 9), "discount", D("-10.00"), D("22.78")),
        (date(2026, 11, 20), "charge", D("9.99"), D("32.77")),
        (date(2026, 11, 21), "reversal", D("-9.99"), D("22.78"))]
    assert november["closing_balance"] == D("22.78") == november["opening_balance"] + sum(
        e["amount"] for e in november["entries"])
    december = queries.statement(w, "u1", date(2026, 12, 1), date(2026, 12, 31))
    assert december["opening_balance"] == november["closing_balance"]
    assert december["closing_balance"] == D("125.56") == queries.balance(w, "u1")["balance_due"]
    # a period with nothing in it: opening == closing
    empty = queries.statement(w, "u1", date(2027, 1, 1), date(2027, 1, 31))
    assert (empty["entries"], empty["opening_balance"], empty["closing_balance"]) == ([], D("125.56"), D("125.56"))


def test_statement_entries_name_their_bills_receipt_and_reversal(session, clock, history):
    entries = queries.statement(as_(session, clock, ME), "u1", date(2026, 10, 1), date(2026, 12, 31))["entries"]
    by_kind = {}
    for e in entries:
        by_kind.setdefault(e["kind"], []).append(e)
    receipt = session.get(Receipt, history["payment"].receipt_id)
    [payment] = by_kind["payment"]
    assert (payment["receipt_number"], payment["receipt_id"]) == (receipt.number, receipt.id)
    assert payment["bills"] == [history["opening"].number, history["november"].number]  # oldest first
    wrong = next(e for e in by_kind["charge"] if e["bills"] == [history["wrong"].number])
    [reversal] = by_kind["reversal"]
    assert (wrong["reversed_by"], reversal["reverses"], reversal["reason"]) == (
        reversal["line_no"], wrong["line_no"], "计错")
    assert reversal["bills"] == [history["wrong"].number]
    [discount] = by_kind["discount"]
    assert (discount["bills"], discount["reason"], discount["receipt_number"]) == (
        [history["november"].number], "电梯停运", None)
    dumped = schemas.StatementOut().dump(queries.statement(as_(session, clock, ME), "u1", date(2026, 11, 1),
                                                           date(2026, 11, 30)))
    assert (dumped["opening_balance"], dumped["closing_balance"], dumped["entries"][0]["date"]) == (
        "50.00", "22.78", "2026-11-01")


def test_statements_are_the_unit_s_own_and_the_project_staff_s(session, clock, history):
    for caller, error in ((resident(G, ["u2"]), AccountNotFound), (staff(G, ["p2"]), Forbidden)):
        with pytest.raises(error):
            queries.statement(as_(session, clock, caller), "u1", date(2026, 11, 1), date(2026, 11, 30))
    assert queries.statement(as_(session, clock, DESK), "u1", date(2026, 11, 1), date(2026, 11, 30))["entries"]


@pytest.mark.parametrize("date_from, date_to", [
    ("2026-12-01", "2026-11-30"),            # backwards
    ("2024-01-01", "2027-01-01"),            # 1097 days: more than three years
    ("2026-11-01", "9999-12-31"), ("0001-01-01", "2026-11-30"), ("2026-02-30", "2026-03-01"),
    ("2026-11-01", None), ("yesterday", "2026-11-30"), (20261101, "2026-11-30")])
def test_bad_statement_periods_are_refused(date_from, date_to):
    with pytest.raises(ValidationError):
        schemas.StatementQuery().load({"unit_id": "u1", "date_from": date_from, "date_to": date_to})
    with pytest.raises(ValidationError):
        schemas.TrialBalanceQuery().load({"project_id": "p1", "date_from": date_from, "date_to": date_to})


def test_three_years_is_the_longest_period():
    q = schemas.StatementQuery().load({"unit_id": "u1", "date_from": "2024-01-01", "date_to": "2026-12-31"})
    assert (q["date_to"] - q["date_from"]).days + 1 == queries.MAX_PERIOD_DAYS == 1096


# -- bills ----------------------------------------------------------------------------------------

def test_bill_statuses_on_the_site_s_today(session, clock, history):
    clock.set("2026-11-30T12:00:00+08:00")
    bills = queries.list_bills(as_(session, clock, ME), "u1")
    assert bills["total"] == 4
    status = {b["number"]: (b["status"], b["overdue"], b["outstanding"]) for b in bills["items"]}
    h = history
    assert status == {
        h["december"].number: ("open", False, D("102.78")),
        h["wrong"].number: ("reversed", False, D("0.00")),
        h["november"].number: ("overdue", True, D("22.78")),     # 70.00 paid + 10.00 discount, past the 15th
        h["opening"].number: ("settled", False, D("0.00"))}
    assert [b["number"] for b in bills["items"]] == [h["december"].number, h["wrong"].number,
                                                     h["november"].number, h["opening"].number]
    pay(as_(session, clock), find_account(session, "u1"), "30.00", date(2026, 11, 30))
    status = {b["number"]: b["status"] for b in queries.list_bills(as_(session, clock, ME), "u1")["items"]}
    assert (status[h["november"].number], status[h["december"].number]) == ("settled", "partly_paid")


def test_a_bill_shows_its_lines_prices_and_what_settled_it(session, clock, history):
    bill = queries.get_bill(as_(session, clock, ME), history["november"].id)
    [line] = bill["lines"]
    assert (line.item_code, line.item_name, line.quantity, line.quantity_unit, line.unit_price, line.amount,
            line.price_from) == ("management", "物业管理费", D("1.00"), "month", D("102.7800"), D("102.78"),
                                 date(2026, 1, 1))
    receipt = session.get(Receipt, history["payment"].receipt_id)
    assert [(s["kind"], s["amount"], s["receipt_number"]) for s in bill["settlements"]] == [
        ("payment", D("70.00"), receipt.number), ("discount", D("10.00"), None)]
    assert (bill["total"], bill["allocated"], bill["outstanding"], bill["period"]) == (
        D("102.78"), D("80.00"), D("22.78"), "2026-11")
    dumped = schemas.BillOut().dump(bill)
    assert dumped["lines"][0]["unit_price"] == "102.7800" and dumped["lines"][0]["quantity"] == "1.00"
    assert dumped["settlements"][0] == {
        "entry_id": history["payment"].entry_id, "kind": "payment", "occurred_on": "2026-11-08",
        "amount": "70.00", "receipt_id": receipt.id, "receipt_number": receipt.number, "receipt_voided": False}


def test_bills_are_filtered_by_status_and_period_and_paged(session, clock, history):
    w = as_(session, clock, ME)
    h = history
    assert [b["number"] for b in queries.list_bills(w, "u1", status="open")["items"]] == [
        h["december"].number, h["november"].number]
    settled = queries.list_bills(w, "u1", status="settled")
    assert {b["number"] for b in settled["items"]} == {h["wrong"].number, h["opening"].number}
    assert [b["number"] for b in queries.list_bills(w, "u1", period="2026-12")["items"]] == [h["december"].number]
    page = queries.list_bills(w, "u1", limit=2, offset=1)
    assert (page["total"], [b["number"] for b in page["items"]]) == (4, [h["wrong"].number, h["november"].number])
    assert queries.list_bills(w, "u1", limit=2, offset=10) == {"items": [], "total": 4}


@pytest.mark.parametrize("query", [
    {"status": "paid"}, {"period": "2026-13"}, {"period": "2026-1"}, {"limit": 0}, {"limit": 201},
    {"offset": -1}, {"limit": "ten"}])
def test_bad_bill_queries_are_refused(query):
    with pytest.raises(ValidationError):
        schemas.BillsQuery().load({"unit_id": "u1", **query})


def test_a_neighbour_s_bill_reads_like_a_missing_one(session, clock, estate, history):
    other = issue(as_(session, clock), estate["u2"], "138.00", issued_on=date(2026, 11, 1),
                  due_on=date(2026, 11, 15), source_id="2026-11", kind="monthly", period="2026-11")
    answers = []
    for bill_id in (other.id, "no-such-bill"):
        with pytest.raises(BillNotFound) as exc:
            queries.get_bill(as_(session, clock, ME), bill_id)
        answers.append((exc.value.code, str(exc.value).replace(bill_id, "?")))
    assert answers[0] == answers[1]
    with pytest.raises(Forbidden):
        queries.get_bill(as_(session, clock, staff(G, ["p2"])), other.id)
    assert queries.get_bill(as_(session, clock, DESK), other.id)["unit_id"] == "u2"


# -- receipts ------------------------------------------------------------------------------------

def test_receipts_are_listed_newest_first_with_their_lines_and_void_marks(session, clock, history, estate):
    clock.set("2026-12-02T10:00:00+08:00")
    later = pay(as_(session, clock), estate["u1"], "102.78", date(2026, 12, 2), method="wechat")
    first = session.get(Receipt, history["payment"].receipt_id)
    first.voided_at, first.voided_by, first.void_reason = clock.now(), "fin-1", "收款方式录错"
    session.commit()
    listed = queries.list_receipts(as_(session, clock, ME), "u1")
    assert listed["total"] == 2
    newest, oldest = listed["items"]
    assert (newest["id"], newest["method"], newest["voided"]) == (later.receipt_id, "wechat", False)
    assert [(line["bill"], line["amount"]) for line in newest["lines"]] == [
        (history["november"].number, D("22.78")), (history["december"].number, D("80.00"))]
    assert (oldest["voided"], oldest["voided_by"], oldest["void_reason"], oldest["method"]) == (
        True, "fin-1", "收款方式录错", "cash")
    assert [(line["bill"], line["amount"]) for line in oldest["lines"]] == [
        (history["opening"].number, D("50.00")), (history["november"].number, D("70.00"))]
    assert queries.get_receipt(as_(session, clock, ME), oldest["id"])["number"] == first.number
    page = queries.list_receipts(as_(session, clock, ME), "u1", limit=1, offset=1)
    assert [r["id"] for r in page["items"]] == [oldest["id"]]
    dumped = schemas.ReceiptOut().dump(oldest)
    assert dumped["amount"] == "120.00" and dumped["lines"][1] == {
        "bill": history["november"].number, "period": "2026-11", "item": None, "amount": "70.00"}


def test_an_overpayment_s_receipt_shows_the_credit_line(session, clock, estate):
    payment = pay(as_(session, clock), estate["u2"], "300.00", date(2026, 11, 10))
    receipt = queries.get_receipt(as_(session, clock, DESK), payment.receipt_id)
    assert [(line["bill"], line["item"], line["amount"]) for line in receipt["lines"]] == [
        (None, "预收 credit", D("300.00"))]


def test_a_neighbour_s_receipt_reads_like_a_missing_one(session, clock, estate):
    payment = pay(as_(session, clock), estate["u2"], "10.00", date(2026, 11, 10))
    for receipt_id in (payment.receipt_id, "nope"):
        with pytest.raises(ReceiptNotFound) as exc:
            queries.get_receipt(as_(session, clock, ME), receipt_id)
        assert exc.value.code == "receipt_not_found"
    with pytest.raises(AccountNotFound):
        queries.list_receipts(as_(session, clock, ME), "u2")
    assert queries.list_receipts(as_(session, clock, ME), "u1") == {"items": [], "total": 0}


# -- the project's figures ---------------------------------------------------------------------------

def test_project_figures_come_from_the_postings(session, clock, estate, history):
    w = as_(session, clock)
    journal.post(w, estate["u2"], kind="deposit_held", lines=[("card", D("2000.00")), ("deposit", D("-2000.00"))],
                 description="装修保证金", occurred_on=date(2026, 11, 10))
    pay(w, estate["u2"], "300.00", date(2026, 11, 10))
    pay(w, estate["u9"], "1.00", date(2026, 11, 10))                 # another project: not counted
    clock.set("2026-11-20T09:00:00+08:00")
    figures = queries.project_ledger(as_(session, clock, FINANCE), "p1")
    books = {b["book"]: b["balance"] for b in figures["books"]}
    assert (figures["receivable"], figures["credit"], figures["deposits_held"], figures["balance_due"]) == (
        D("125.56"), D("300.00"), D("2000.00"), D("-174.44"))
    assert (figures["overdue"], figures["accounts_in_arrears"], figures["open_bills"], figures["accounts"]) == (
        D("22.78"), 1, 2, 2)
    assert books == {"card": D("2000.00"), "cash": D("420.00"), "deposit": D("-2000.00"), "discount": D("10.00"),
                     "income:management": D("-255.56"), "prepaid": D("-300.00"), "receivable": D("125.56")}
    assert sum(books.values()) == D("0.00")


def test_the_trial_balance_nets_to_zero_per_period(session, clock, history):
    w = as_(session, clock, staff(G, ["p1"], roles=["centre_manager"]))
    november = queries.trial_balance(w, "p1", date(2026, 11, 1), date(2026, 11, 30))
    books = {b["book"]: (b["opening"], b["debit"], b["credit"], b["closing"]) for b in november["books"]}
    assert books == {
        "cash": (D("0.00"), D("120.00"), D("0.00"), D("120.00")),
        "discount": (D("0.00"), D("10.00"), D("0.00"), D("10.00")),
        "income:management": (D("-50.00"), D("9.99"), D("112.77"), D("-152.78")),
        "receivable": (D("50.00"), D("112.77"), D("139.99"), D("22.78"))}
    assert november["totals"] == {"opening": D("0.00"), "debit": D("252.76"), "credit": D("252.76"),
                                  "closing": D("0.00")}
    assert november["balanced"] is True
    december = queries.trial_balance(w, "p1", date(2026, 12, 1), date(2026, 12, 31))
    assert {b["book"]: b["opening"] for b in december["books"]} == {b: v[3] for b, v in books.items()}


@pytest.mark.parametrize("caller, error", [
    (DESK, Forbidden), (staff(G, ["p2"], roles=["finance"]), Forbidden), (ME, ProjectNotFound),
    (staff("group-2", ["p1"], roles=["finance"]), ProjectNotFound)])
def test_project_figures_are_finance_s_and_the_service_centre_s(session, clock, estate, caller, error):
    for read in (lambda w: queries.project_ledger(w, "p1"),
                 lambda w: queries.trial_balance(w, "p1", date(2026, 11, 1), date(2026, 11, 30))):
        with pytest.raises(error):
            read(as_(session, clock, caller))
    with pytest.raises(ProjectNotFound):
        queries.project_ledger(as_(session, clock), "no-such-project")
    for role in queries.PROJECT_FIGURE_ROLES:
        assert queries.project_ledger(as_(session, clock, staff(G, ["p1"], roles=[role])), "p1")["accounts"] == 2


def test_sums_are_exact_on_both_databases(db_url, clock):
    """The grouped sums (fen integers on SQLite, NUMERIC on PostgreSQL) come back as Decimal."""
    with domain_session(Base, db_url) as session:
        w = support.work(session, clock, PLATFORM)
        support.add_project(w)
        account = support.add_unit(w, "u1")
        issue(w, account, "0.10", issued_on=date(2026, 10, 1), due_on=date(2026, 10, 15), source_id="a")
        issue(w, account, "999999.99", issued_on=date(2026, 11, 1), due_on=date(2026, 11, 15), source_id="b")
        pay(w, account, "0.30", date(2026, 11, 2))
        session.commit()
        fin = as_(session, clock)
        figures = queries.project_ledger(fin, "p1")
        assert (figures["receivable"], figures["overdue"], figures["credit"]) == (D("999999.79"), D("0.00"), D("0.00"))
        trial = queries.trial_balance(fin, "p1", date(2026, 11, 1), date(2026, 11, 30))
        assert trial["totals"]["debit"] == D("1000000.29") and trial["balanced"]
        assert all(type(b[k]) is Decimal and b[k].as_tuple().exponent == -2 for b in trial["books"]
                   for k in ("opening", "debit", "credit", "closing"))
        statement = queries.statement(fin, "u1", date(2026, 11, 1), date(2026, 11, 30))
        assert (statement["opening_balance"], statement["closing_balance"]) == (D("0.10"), D("999999.79"))
