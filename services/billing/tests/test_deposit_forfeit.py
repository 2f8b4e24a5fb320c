"""The part of a renovation deposit withheld for violations is forfeited to income (押金扣除,
``renovation_fees.forfeit`` / ``deposits.forfeit``): once per renovation, when the refund of the rest
is paid or at once when the whole deposit is withheld; the deposit book falls, the income book
``income:deposit_forfeit`` rises, the balance due does not move; the household reads it on its
statement and the deposit's history, staff in the trial balance and the project ledger."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kernel.errors import NotFound
from kernel.testing import resident
from services.billing.domain import deposits, journal, renovation_fees
from services.billing.models import Deposit, LedgerEntry, Posting, Refund

from .support import CENTRE, DESK, FINANCE, G, PLATFORM, ZHANG, books_balance, service_as
from .test_renovation_fees import ask, events_of, refund_asked

FORFEIT = "income:deposit_forfeit"
CS = {"user_id": "cs-1", "name": "王主管"}


def forfeits(session):
    return session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "deposit_forfeited"))


def fees_paid(session, clock, as_):
    row = ask(session, clock, as_)
    desk = service_as(session, clock, DESK)
    desk.record_payment("u1", {"method": "cash", "amount": "268.11"})
    held = desk.hold_deposit("u1", {"method": "cash"})          # the renovation's amount: 2000.00
    assert held["deposit"]["amount"] == "2000.00" and row.status == "paid"
    return row, held["deposit"]["id"]


def reinspected(as_, **kw):
    data = refund_asked(**kw)
    data["reinspected_by"] = CS
    return renovation_fees.on_refund_requested(as_(PLATFORM), data)


def test_the_withheld_part_goes_to_income_when_the_refund_is_paid_and_only_then(session, clock, estate, as_):
    row, deposit_id = fees_paid(session, clock, as_)
    account = estate["u1"]
    before = journal.balances(session, account.id)
    clock.advance(days=97)
    reinspected(as_)
    assert forfeits(session) == 0                                     # the refund is not paid yet
    refund = session.get(Refund, row.refund_id)
    service_as(session, clock, CENTRE).approve_refund(refund.id, {})
    assert forfeits(session) == 0
    service_as(session, clock, FINANCE).pay_refund(refund.id)

    entry = session.get(LedgerEntry, row.forfeit_entry_id)
    assert (entry.kind, entry.amount, entry.ref_type, entry.ref_id) == (
        "deposit_forfeited", Decimal("0.00"), "renovation", "r-1")
    assert sorted((line.book, line.amount) for line in journal.postings_of(session, entry.id)) == [
        ("deposit", Decimal("500.00")), (FORFEIT, Decimal("-500.00"))]
    assert entry.description == "装修押金扣除：违规 阳台外墙打孔（装修 ZX-20261124-0001）"
    for named in ("扣留 500.00", "阳台外墙打孔", "复查核定：王主管", "余额退款 1500.00 元已经财务或服务中心经理批准"):
        assert named in entry.reason
    # the household reads the reason on its statement: names or roles, never a staff user's internal id
    for user_id in ("cs-1", "centre-1", "fin-1", CENTRE.user_id, FINANCE.user_id):
        assert user_id not in entry.reason
    deposit = session.get(Deposit, deposit_id)
    assert (deposit.refunded, deposit.forfeited, deposit.status, deposits.held(deposit)) == (
        Decimal("1500.00"), Decimal("500.00"), "refunded", Decimal("0.00"))
    assert row.forfeited_amount == Decimal("500.00") and row.status == "refunded"
    after = journal.balances(session, account.id)
    assert after["deposits_held"] == Decimal("0.00")
    assert after["balance_due"] == before["balance_due"]            # the household owes nothing more
    books_balance(session, account.id)
    [back] = events_of(session, "renovation.deposit_refunded")
    assert (back["amount"], back["withheld_amount"]) == ("1500.00", "500.00")


def test_a_redelivery_or_a_second_call_forfeits_nothing_more(session, clock, estate, as_):
    row, deposit_id = fees_paid(session, clock, as_)
    reinspected(as_)
    service_as(session, clock, CENTRE).approve_refund(row.refund_id, {})
    service_as(session, clock, FINANCE).pay_refund(row.refund_id)
    assert forfeits(session) == 1
    assert reinspected(as_) is None                                   # tickets' event again
    renovation_fees.on_refund_paid(as_(PLATFORM), session.get(Refund, row.refund_id))    # billing's own again
    assert renovation_fees.forfeit(as_(PLATFORM), row) is None
    assert forfeits(session) == 1
    assert session.get(Deposit, deposit_id).forfeited == Decimal("500.00")


def test_the_whole_deposit_withheld_is_forfeited_at_once_without_a_refund(session, clock, estate, as_):
    row, deposit_id = fees_paid(session, clock, as_)
    reinspected(as_, refund="0.00", withheld="2000.00", violations=("拆改承重墙", "外立面改动"))
    assert row.refund_id is None and session.query(Refund).count() == 0
    entry = session.get(LedgerEntry, row.forfeit_entry_id)
    assert entry.description == "装修押金扣除：违规 拆改承重墙；外立面改动（装修 ZX-20261124-0001）"
    assert "押金全额扣留" in entry.reason and "复查核定：王主管" in entry.reason and "cs-1" not in entry.reason
    deposit = session.get(Deposit, deposit_id)
    assert (deposit.refunded, deposit.forfeited, deposit.status) == (Decimal("0.00"), Decimal("2000.00"), "forfeited")
    assert journal.balances(session, estate["u1"].id)["deposits_held"] == Decimal("0.00")
    assert reinspected(as_, refund="0.00", withheld="2000.00") is None     # redelivered
    assert forfeits(session) == 1


def test_a_clean_reinspection_forfeits_nothing(session, clock, estate, as_):
    row, deposit_id = fees_paid(session, clock, as_)
    reinspected(as_, refund="2000.00", withheld="0.00", violations=())
    service_as(session, clock, CENTRE).approve_refund(row.refund_id, {})
    service_as(session, clock, FINANCE).pay_refund(row.refund_id)
    assert forfeits(session) == 0 and row.forfeit_entry_id is None
    assert session.get(Deposit, deposit_id).status == "refunded"


def test_a_forfeiture_takes_no_more_than_the_deposit_still_holds(session, clock, estate, as_):
    """The desk gave 300.00 back by hand before the re-inspection withheld it all: 1,700.00 is forfeited,
    the deposit book never goes below zero."""
    row, deposit_id = fees_paid(session, clock, as_)
    by_hand = service_as(session, clock, DESK).request_refund("u1", {
        "kind": "deposit", "deposit_id": deposit_id, "amount": "300.00", "method": "cash", "reason": "协商先退"})
    service_as(session, clock, CENTRE).approve_refund(by_hand["id"], {})
    service_as(session, clock, FINANCE).pay_refund(by_hand["id"])
    reinspected(as_, refund="0.00", withheld="2000.00")
    deposit = session.get(Deposit, deposit_id)
    assert (deposit.refunded, deposit.forfeited, deposits.held(deposit), deposit.status) == (
        Decimal("300.00"), Decimal("1700.00"), Decimal("0.00"), "refunded")
    assert row.forfeited_amount == Decimal("1700.00")
    assert journal.balances(session, estate["u1"].id)["deposits_held"] == Decimal("0.00")


def test_the_household_reads_it_on_its_statement_and_the_deposit_s_history(session, clock, estate, as_):
    row, deposit_id = fees_paid(session, clock, as_)
    reinspected(as_)
    service_as(session, clock, CENTRE).approve_refund(row.refund_id, {})
    service_as(session, clock, FINANCE).pay_refund(row.refund_id)
    household = service_as(session, clock, ZHANG)
    statement = household.statement("u1", "2026-11-01", "2026-11-30")
    [line] = [e for e in statement["entries"] if e["kind"] == "deposit_forfeited"]
    assert line["description"].startswith("装修押金扣除：违规 阳台外墙打孔") and line["amount"] == "0.00"
    read = household.get_deposit(deposit_id)
    assert [(step["kind"], step["amount"]) for step in read["history"]] == [
        ("held", "2000.00"), ("refunded", "1500.00"), ("forfeited", "500.00")]
    assert read["history"][2]["description"].startswith("装修押金扣除")
    assert (read["holds"], read["forfeited"], read["status"], read["unit_id"]) == ("0.00", "500.00", "refunded", "u1")
    stranger = service_as(session, clock, resident(G, ["u2"], user_id="li"))
    with pytest.raises(NotFound):
        stranger.get_deposit(deposit_id)                               # another household: as if missing


def test_staff_read_it_as_its_own_income_in_the_trial_balance_and_the_ledger(session, clock, estate, as_):
    row, deposit_id = fees_paid(session, clock, as_)
    reinspected(as_, refund="1200.00", withheld="800.00")
    service_as(session, clock, CENTRE).approve_refund(row.refund_id, {})
    service_as(session, clock, FINANCE).pay_refund(row.refund_id)
    finance = service_as(session, clock, FINANCE)
    trial = finance.trial_balance("p1", "2026-11-01", "2026-11-30")
    [book] = [b for b in trial["books"] if b["book"] == FORFEIT]
    assert (book["debit"], book["credit"], book["closing"]) == ("0.00", "800.00", "-800.00")
    assert trial["balanced"]
    ledger = finance.project_ledger("p1")
    assert {b["book"]: b["balance"] for b in ledger["books"]}[FORFEIT] == "-800.00"
    assert ledger["deposits_held"] == "0.00"
    assert finance.deposits_held("p1")["units"] == []
    assert session.scalar(select(func.sum(Posting.amount)).where(Posting.book == FORFEIT)) == Decimal("-800.00")
