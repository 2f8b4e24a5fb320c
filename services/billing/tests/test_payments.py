"""Payments at the desk, receipts and their voiding, deposits, corrections -- billing's rules on
SQLite without a broker (the RPC wiring through ``service_as``: schemas, idempotency, dumping)."""
from decimal import Decimal

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from kernel.errors import Forbidden, IdempotencyKeyReused
from kernel.testing import outbox_events, resident
from services.billing.domain import journal
from services.billing.domain.journal import AlreadyReversed, NotReversible
from services.billing.exceptions import (AccountNotFound, AmountOverCeiling, AmountOverOutstanding, BillSettled,
                                         CreditRefunded, DepositAmountRequired, DepositNotHeld, DuplicateReference,
                                         EntryNotFound, MethodNotAllowed, ReceiptAlreadyVoid, ReceiptNotFound,
                                         ReferenceRequired, VoidTheReceipt)
from services.billing.models import Base, Bill, Deposit, LedgerEntry, Payment, Receipt

from .support import (CENTRE, DESK, DESK2, FAR_STAFF, FINANCE, G, PLATFORM, ZHANG, books_balance, monthly_bill,
                      service_as)


def pay(session, clock, caller, unit_id, amount, method="cash", key=None, **extra):
    return service_as(session, clock, caller).record_payment(
        unit_id, {"method": method, "amount": amount, **extra}, idempotency_key=key)


def events_of(session, kind):
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == kind]


def outstanding(session, bill):
    session.refresh(bill)
    return journal.outstanding(bill)


def test_a_payment_settles_the_oldest_bills_first_and_the_rest_is_credit(session, clock, estate, as_):
    account = estate["u1"]
    october = monthly_bill(as_(PLATFORM), account, "300.00", "2026-10")
    november = monthly_bill(as_(PLATFORM), account, "300.00", "2026-11")

    first = pay(session, clock, DESK, "u1", "450.00")
    assert first["status"] == "received" and first["amount"] == "450.00" and first["method"] == "cash"
    assert first["receipt"]["number"] == "SJ00000001" and first["receipt"]["status"] == "valid"
    assert first["receipt"]["lines"] == [
        {"bill": october.number, "period": "2026-10", "item": None, "amount": "300.00"},
        {"bill": november.number, "period": "2026-11", "item": None, "amount": "150.00"}]
    assert first["payer_name"] == "张伟" and first["receipt"]["payer_name"] == "张伟"
    assert (outstanding(session, october), outstanding(session, november)) == (Decimal("0.00"), Decimal("150.00"))
    assert first["account"]["balance_due"] == "150.00" and first["account"]["receivable"] == "150.00"

    second = pay(session, clock, DESK, "u1", "200.00")
    assert second["receipt"]["number"] == "SJ00000002"
    assert second["receipt"]["lines"] == [
        {"bill": november.number, "period": "2026-11", "item": None, "amount": "150.00"},
        {"bill": None, "period": None, "item": "预收 credit", "amount": "50.00"}]
    assert second["account"]["balance_due"] == "-50.00" and second["account"]["credit"] == "50.00"

    # the credit is used first by the next bill
    december = monthly_bill(as_(PLATFORM), account, "300.00", "2026-12")
    assert outstanding(session, december) == Decimal("250.00")
    assert journal.balances(session, account.id) == {"receivable": Decimal("250.00"), "credit": Decimal("0.00"),
                                                     "deposits_held": Decimal("0.00"),
                                                     "balance_due": Decimal("250.00")}
    books_balance(session, account.id)
    receipts = events_of(session, "receipt.issued")
    assert [r["number"] for r in receipts] == ["SJ00000001", "SJ00000002"]
    assert receipts[0]["amount"] == "450.00" and receipts[0]["method"] == "cash"
    # one balance event per command (2 bills, 2 payments, 1 bill)
    assert [e["cause"] for e in events_of(session, "account.balance_changed")] == [
        "charge", "charge", "payment", "payment", "prepaid_applied"]


def test_a_move_in_prepayment_is_all_credit(session, clock, estate):
    reply = pay(session, clock, FINANCE, "u2", "1029.60", method="transfer", reference="BOC20261124001",
                note="首期物业费 3 个月")
    assert reply["receipt"]["lines"] == [{"bill": None, "period": None, "item": "预收 credit", "amount": "1029.60"}]
    assert reply["account"]["credit"] == "1029.60" and reply["reference"] == "BOC20261124001"
    assert session.get(LedgerEntry, session.get(Payment, reply["id"]).entry_id).amount == Decimal("-1029.60")


@pytest.mark.parametrize("caller, unit_id, body, error, code", [
    (DESK, "u1", {"method": "transfer", "amount": "10.00", "reference": "T1"}, MethodNotAllowed,
     "method_not_allowed"),
    (DESK, "u1", {"method": "card", "amount": "10.00"}, ReferenceRequired, "reference_required"),
    (FINANCE, "u1", {"method": "transfer", "amount": "10.00"}, ReferenceRequired, "reference_required"),
    (DESK, "u1", {"method": "cash", "amount": "100000.01"}, AmountOverCeiling, "amount_over_ceiling"),
    (ZHANG, "u1", {"method": "cash", "amount": "10.00"}, Forbidden, "staff_only"),
    (ZHANG, "u2", {"method": "cash", "amount": "10.00"}, AccountNotFound, "account_not_found"),
    (FAR_STAFF, "u1", {"method": "cash", "amount": "10.00"}, Forbidden, "project_out_of_scope"),
])
def test_the_desk_s_refusals(session, clock, estate, caller, unit_id, body, error, code):
    with pytest.raises(error) as refused:
        service_as(session, clock, caller).record_payment(unit_id, body, idempotency_key="k1")
    assert refused.value.code == code


@pytest.mark.parametrize("body", [{"method": "cash", "amount": "0.00"}, {"method": "cash", "amount": "-5"},
                                  {"method": "cash", "amount": "1.001"}, {"method": "cash", "amount": 1.5},
                                  {"method": "cheque", "amount": "1.00"}, {"method": "cash"}, ["cash"]])
def test_bad_input_is_refused_by_the_schema(session, clock, estate, body):
    with pytest.raises(ValidationError):
        service_as(session, clock, DESK).record_payment("u1", body)


def test_a_reference_is_recorded_once_per_method(session, clock, estate):
    pay(session, clock, DESK, "u1", "10.00", method="card", reference="POS-000123")
    with pytest.raises(DuplicateReference):
        pay(session, clock, DESK, "u2", "20.00", method="card", reference="POS-000123")
    # the same slip number from the bank is another reference
    pay(session, clock, FINANCE, "u2", "20.00", method="transfer", reference="POS-000123")


def test_a_retried_payment_is_recorded_once_and_answers_the_same_receipt(session, clock, estate, as_):
    monthly_bill(as_(PLATFORM), estate["u1"], "300.00", "2026-11")
    first = pay(session, clock, DESK, "u1", "300.00", key="desk-1-0001")
    again = pay(session, clock, DESK, "u1", "300.00", key="desk-1-0001")
    assert again == first and again["receipt"]["number"] == "SJ00000001"
    assert session.scalar(select(func.count(Payment.id))) == 1
    assert session.scalar(select(func.count(Receipt.id))) == 1
    with pytest.raises(IdempotencyKeyReused):
        pay(session, clock, DESK, "u1", "30.00", key="desk-1-0001")
    # another desk clerk's key is theirs: a new payment
    assert pay(session, clock, DESK2, "u1", "30.00", key="desk-1-0001")["receipt"]["number"] == "SJ00000002"


# -- voiding a receipt --------------------------------------------------------------------------------

def test_a_voided_receipt_stays_its_payment_reversed_and_the_bills_open_again(session, clock, estate, as_):
    account = estate["u1"]
    october = monthly_bill(as_(PLATFORM), account, "300.00", "2026-10")
    paid = pay(session, clock, DESK, "u1", "700.00")                    # October and 400.00 credit
    november = monthly_bill(as_(PLATFORM), account, "300.00", "2026-11")  # paid from the credit
    assert outstanding(session, november) == Decimal("0.00")
    clock.advance(hours=2)

    voided = service_as(session, clock, CENTRE).void_receipt(paid["receipt"]["id"], {"reason": "收错户了 wrong unit"},
                                                            idempotency_key="v1")
    assert voided["status"] == "reversed"
    assert voided["receipt"]["status"] == "void" and voided["receipt"]["voided_by"] == "centre-1"
    assert voided["receipt"]["void_reason"] == "收错户了 wrong unit" and voided["receipt"]["voided_at"]
    assert voided["receipt"]["number"] == "SJ00000001"                # it stays, with its number
    assert (outstanding(session, october), outstanding(session, november)) == (Decimal("300.00"),
                                                                              Decimal("300.00"))
    assert voided["account"]["balance_due"] == "600.00" and voided["account"]["credit"] == "0.00"
    kinds = [e.kind for e in session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == account.id)
                                             .order_by(LedgerEntry.line_no))]
    assert kinds == ["charge", "payment", "charge", "prepaid_applied", "reversal", "reversal"]
    reversal = session.scalars(select(LedgerEntry).where(LedgerEntry.reverses_id == session.get(
        Payment, paid["id"]).entry_id)).one()
    assert (reversal.posted_by, reversal.reason) == ("centre-1", "收错户了 wrong unit")
    books_balance(session, account.id)
    [event] = events_of(session, "receipt.voided")
    assert (event["number"], event["amount"], event["voided_by"]) == ("SJ00000001", "700.00", "centre-1")
    assert events_of(session, "account.balance_changed")[-1]["cause"] == "reversal"

    with pytest.raises(ReceiptAlreadyVoid):
        service_as(session, clock, FINANCE).void_receipt(paid["receipt"]["id"], {"reason": "again"})
    # the same request retried answers the same
    assert service_as(session, clock, CENTRE).void_receipt(
        paid["receipt"]["id"], {"reason": "收错户了 wrong unit"}, idempotency_key="v1") == voided


def test_a_voided_payment_s_bills_take_the_unit_s_other_credit(session, clock, estate, as_):
    bill = monthly_bill(as_(PLATFORM), estate["u1"], "300.00", "2026-11")
    first = pay(session, clock, DESK, "u1", "300.00")
    pay(session, clock, DESK, "u1", "50.00")                              # credit
    voided = service_as(session, clock, FINANCE).void_receipt(first["receipt"]["id"], {"reason": "假币 counterfeit"})
    assert outstanding(session, bill) == Decimal("250.00")
    assert (voided["account"]["balance_due"], voided["account"]["credit"]) == ("250.00", "0.00")
    books_balance(session, estate["u1"].id)
    applied = session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "prepaid_applied")).one()
    with pytest.raises(NotReversible):
        service_as(session, clock, FINANCE).reverse_entry(applied.id, {"reason": "by hand"})


@pytest.mark.parametrize("caller, error", [(DESK, Forbidden), (ZHANG, Forbidden), (resident(G, ["u2"]), ReceiptNotFound),
                                           (FAR_STAFF, Forbidden)])
def test_who_may_not_void_a_receipt(session, clock, estate, caller, error):
    paid = pay(session, clock, DESK, "u1", "10.00")
    with pytest.raises(error):
        service_as(session, clock, caller).void_receipt(paid["receipt"]["id"], {"reason": "wrong"})
    with pytest.raises(ValidationError):
        service_as(session, clock, FINANCE).void_receipt(paid["receipt"]["id"], {"reason": " "})


def test_credit_refunded_since_is_not_taken_back_by_a_void(session, clock, estate):
    paid = pay(session, clock, DESK, "u2", "500.00")
    refund = service_as(session, clock, DESK).request_refund(
        "u2", {"kind": "overpayment", "amount": "500.00", "method": "cash", "reason": "多交了"})
    service_as(session, clock, CENTRE).approve_refund(refund["id"], {})
    service_as(session, clock, FINANCE).pay_refund(refund["id"])
    with pytest.raises(CreditRefunded):
        service_as(session, clock, FINANCE).void_receipt(paid["receipt"]["id"], {"reason": "wrong"})


# -- deposits -----------------------------------------------------------------------------------------

def test_a_deposit_needs_an_amount_or_an_open_renovation_asking_one(session, clock, estate, as_):
    desk = service_as(session, clock, DESK)
    with pytest.raises(DepositAmountRequired):
        desk.hold_deposit("u1", {"method": "cash"})       # no renovation asks one, no amount named
    held = desk.hold_deposit("u1", {"method": "cash", "purpose": "key", "amount": "200.00"})
    assert held["deposit"]["amount"] == "200.00" and held["deposit"]["purpose"] == "key"
    with pytest.raises(DepositAmountRequired):
        desk.hold_deposit("u1", {"method": "cash", "purpose": "key"})    # the default is the renovation's


def test_billing_keeps_no_renovation_deposit_figure_of_its_own():
    """One source: tickets' ``renovation.deposit`` (the renovation asks it); billing's catalogue has none."""
    from services.billing.domain.settings import SETTINGS
    assert "billing.renovation_deposit" not in SETTINGS


def test_the_renovation_deposit_is_held_with_its_receipt_and_voided_with_it(session, clock, estate, as_):
    from services.billing.domain import renovation_fees
    from .test_renovation_fees import requested
    # the amount is the one the unit's open renovation asks (tickets' renovation.deposit, in its event)
    renovation_fees.on_fees_requested(as_(PLATFORM), requested(deposit="2000.00"))
    held = service_as(session, clock, DESK).hold_deposit("u1", {"method": "card", "reference": "POS-9"},
                                                         idempotency_key="d1")
    assert (held["purpose"], held["amount"], held["status"]) == ("deposit", "2000.00", "received")
    assert held["deposit"]["status"] == "held" and held["deposit"]["refunded"] == "0.00"
    assert held["receipt"]["lines"] == [{"bill": None, "period": None, "item": "押金 deposit", "amount": "2000.00"}]
    # the garbage-removal fee the renovation charged is owed; the deposit does not change the balance due
    assert held["account"]["balance_due"] == "268.11" and held["account"]["deposits_held"] == "2000.00"
    entry = session.get(LedgerEntry, session.get(Payment, held["id"]).entry_id)
    assert entry.kind == "deposit_held" and entry.amount == Decimal("0.00")
    assert sorted((p.book, p.amount) for p in journal.postings_of(session, entry.id)) == [
        ("card", Decimal("2000.00")), ("deposit", Decimal("-2000.00"))]

    voided = service_as(session, clock, FINANCE).void_receipt(held["receipt"]["id"], {"reason": "重复收取"})
    assert voided["deposit"]["status"] == "void" and voided["account"]["deposits_held"] == "0.00"
    books_balance(session, estate["u1"].id)


def test_a_deposit_partly_refunded_keeps_its_receipt(session, clock, estate):
    held = service_as(session, clock, DESK).hold_deposit("u1", {"method": "cash", "amount": "2000.00"})
    refund = service_as(session, clock, DESK).request_refund("u1", {
        "kind": "deposit", "deposit_id": held["deposit"]["id"], "amount": "1500.00", "method": "cash",
        "reason": "验收合格 checked"})
    service_as(session, clock, CENTRE).approve_refund(refund["id"], {})
    service_as(session, clock, FINANCE).pay_refund(refund["id"])
    with pytest.raises(DepositNotHeld):
        service_as(session, clock, FINANCE).void_receipt(held["receipt"]["id"], {"reason": "wrong"})
    assert session.get(Deposit, held["deposit"]["id"]).status == "held"


# -- corrections --------------------------------------------------------------------------------------

def test_discount_and_write_off_of_a_bill_s_open_amount(session, clock, estate, as_):
    bill = monthly_bill(as_(PLATFORM), estate["u1"], "300.00", "2026-10")
    discounted = service_as(session, clock, CENTRE).discount_bill(bill.id, {"amount": "50.00",
                                                                          "reason": "空置减免 vacant"})
    assert discounted["entry"]["kind"] == "discount" and discounted["entry"]["amount"] == "-50.00"
    assert discounted["entry"]["reason"] == "空置减免 vacant" and discounted["entry"]["posted_by"] == "centre-1"
    assert discounted["account"]["balance_due"] == "250.00"
    with pytest.raises(AmountOverOutstanding):
        service_as(session, clock, FINANCE).write_off_bill(bill.id, {"amount": "250.01", "reason": "bad debt"})
    written = service_as(session, clock, FINANCE).write_off_bill(bill.id, {"amount": "250.00",
                                                                         "reason": "业主失联三年 bad debt"})
    assert written["entry"]["kind"] == "write_off" and written["account"]["balance_due"] == "0.00"
    assert outstanding(session, bill) == Decimal("0.00") and bill.settled_at is not None
    with pytest.raises(BillSettled):
        service_as(session, clock, FINANCE).discount_bill(bill.id, {"amount": "1.00", "reason": "again"})
    with pytest.raises(Forbidden):
        service_as(session, clock, DESK).discount_bill(bill.id, {"amount": "1.00", "reason": "desk"})
    books_balance(session, estate["u1"].id)


def test_reversals_and_what_the_journal_refuses(session, clock, estate, as_):
    account = estate["u1"]
    bill = monthly_bill(as_(PLATFORM), account, "300.00", "2026-10")
    finance = service_as(session, clock, FINANCE)
    reversed_ = finance.reverse_entry(bill.entry_id, {"reason": "重复计费 billed twice"})
    assert reversed_["entry"]["kind"] == "reversal" and reversed_["entry"]["reverses_id"] == bill.entry_id
    assert reversed_["account"]["balance_due"] == "0.00" and outstanding(session, bill) == Decimal("0.00")
    with pytest.raises(AlreadyReversed):
        finance.reverse_entry(bill.entry_id, {"reason": "again"})
    with pytest.raises(NotReversible):
        finance.reverse_entry(reversed_["entry"]["id"], {"reason": "undo the undo"})

    paid = pay(session, clock, DESK, "u1", "100.00")
    with pytest.raises(VoidTheReceipt):
        finance.reverse_entry(session.get(Payment, paid["id"]).entry_id, {"reason": "wrong"})
    deposit = service_as(session, clock, DESK).hold_deposit("u1", {"method": "cash", "amount": "10.00"})
    with pytest.raises(NotReversible):
        finance.reverse_entry(session.get(Payment, deposit["id"]).entry_id, {"reason": "wrong"})
    with pytest.raises(EntryNotFound):
        service_as(session, clock, resident(G, ["u2"])).reverse_entry(bill.entry_id, {"reason": "theirs"})
    with pytest.raises(Forbidden):
        service_as(session, clock, DESK).reverse_entry(bill.entry_id, {"reason": "desk"})
    books_balance(session, account.id)


def test_a_reversed_credit_is_taken_back_from_the_bills_it_paid(session, clock, estate, as_):
    """A prepaid opening balance applied to a later bill, reversed: the bill is open again."""
    from services.billing import schemas
    from services.billing.domain import ledger
    account = estate["u2"]
    ledger.record_opening_balance(as_(FINANCE), schemas.OpeningBalanceIn().load(
        {"unit_id": "u2", "amount": "-200.00", "as_of": "2026-10-31"}))
    bill = monthly_bill(as_(PLATFORM), account, "300.00", "2026-11")
    assert outstanding(session, bill) == Decimal("100.00")
    opening = session.scalars(select(LedgerEntry).where(LedgerEntry.account_id == account.id,
                                                        LedgerEntry.kind == "opening_balance")).one()
    reply = service_as(session, clock, FINANCE).reverse_entry(opening.id, {"reason": "期初录错 wrong figure"})
    assert reply["account"]["balance_due"] == "300.00" and reply["account"]["credit"] == "0.00"
    assert outstanding(session, bill) == Decimal("300.00")
    assert session.get(Bill, bill.id).settled_at is None
    books_balance(session, account.id)


def test_a_slip_retyped_another_way_is_the_same_reference_and_another_project_s_is_its_own(session, clock, estate):
    pay(session, clock, FINANCE, "u1", "1.00", method="transfer", reference="TR-0001")
    for typed in (" tr-0001 ", "ＴＲ-0001", "TR-0001\u200b", "TR-0001\t"):
        with pytest.raises(DuplicateReference):
            pay(session, clock, FINANCE, "u1", "1.00", method="transfer", reference=typed)
    with pytest.raises(ValidationError):
        pay(session, clock, FINANCE, "u1", "1.00", method="transfer", reference="TR\x00-1")
    # 星河湾's own slip with the same number (its POS and bank batches count on their own)
    far = pay(session, clock, FAR_STAFF, "u9", "1.00", method="transfer", reference="tr-0001")
    assert far["reference"] == "TR-0001"
    assert session.scalar(select(func.count(Payment.id)).where(Payment.reference == "TR-0001")) == 2


