"""Refunds of credit and of deposits: the state table, four eyes, amounts checked at every step."""
from decimal import Decimal

import pytest

from kernel.errors import Forbidden, InvalidInput
from kernel.testing import resident
from services.billing.domain import journal, refunds
from services.billing.exceptions import (AmountOverAvailable, DepositNotFound, FourEyes, ProjectNotFound,
                                         RefundNotFound, RefundTransitionNotAllowed)
from services.billing.models import Deposit, LedgerEntry

from .support import (CENTRE, DESK, DESK2, FINANCE, FINANCE2, G, PLATFORM, ZHANG, books_balance, monthly_bill,
                      service_as)


def svc(session, clock, caller):
    return service_as(session, clock, caller)


def credit_of(session, clock, unit_id, amount):
    svc(session, clock, DESK).record_payment(unit_id, {"method": "cash", "amount": amount})


def ask(session, clock, amount, caller=DESK, unit_id="u1", **extra):
    return svc(session, clock, caller).request_refund(unit_id, {
        "kind": "overpayment", "amount": amount, "method": "cash", "reason": "多交了 paid twice", **extra})


def test_the_table_holds_every_step_and_nothing_else():
    assert set(refunds.TABLE) == {("requested", "approve"), ("requested", "reject"), ("approved", "reject"),
                                  ("approved", "pay")}
    assert all(step.four_eyes for (_, action), step in refunds.TABLE.items() if action != "pay")
    assert refunds.TABLE[("approved", "pay")].roles == ("finance",)


def test_a_refund_of_credit_requested_approved_by_another_and_paid(session, clock, estate, as_):
    credit_of(session, clock, "u1", "800.00")
    requested = ask(session, clock, "300.00", caller=FINANCE)
    assert (requested["status"], requested["requested_by"], requested["amount"]) == ("requested", "fin-1", "300.00")
    with pytest.raises(FourEyes):
        svc(session, clock, FINANCE).approve_refund(requested["id"], {})
    with pytest.raises(FourEyes):
        svc(session, clock, FINANCE).reject_refund(requested["id"], {"note": "mine"})
    with pytest.raises(Forbidden):
        svc(session, clock, DESK2).approve_refund(requested["id"], {})          # the desk does not decide
    clock.advance(hours=1)
    approved = svc(session, clock, CENTRE).approve_refund(requested["id"], {"note": "核实无误"})
    assert (approved["status"], approved["decided_by"], approved["decision_note"]) == ("approved", "centre-1",
                                                                                       "核实无误")
    with pytest.raises(Forbidden):
        svc(session, clock, CENTRE).pay_refund(requested["id"])                  # finance pays out
    clock.advance(hours=1)
    paid = svc(session, clock, FINANCE).pay_refund(requested["id"], idempotency_key="pay-1")
    assert (paid["status"], paid["paid_by"]) == ("paid", "fin-1")     # who asked may pay out the approved
    assert paid["account"]["balance_due"] == "-500.00" and paid["account"]["credit"] == "500.00"
    assert [(s["action"], s["by"]) for s in paid["history"]] == [
        ("request", "fin-1"), ("approve", "centre-1"), ("pay", "fin-1")]
    assert paid["history"][0]["at"] < paid["history"][1]["at"] < paid["history"][2]["at"]
    entry = session.get(LedgerEntry, paid["entry_id"])
    assert (entry.kind, entry.amount, entry.reason) == ("refund", Decimal("300.00"), "多交了 paid twice")
    assert sorted((p.book, p.amount) for p in journal.postings_of(session, entry.id)) == [
        ("cash", Decimal("-300.00")), ("prepaid", Decimal("300.00"))]
    assert svc(session, clock, FINANCE).pay_refund(requested["id"], idempotency_key="pay-1") == paid
    for action in ("approve", "reject", "pay"):
        with pytest.raises(RefundTransitionNotAllowed):
            refunds.step(as_(FINANCE2), requested["id"], action, "note")
    books_balance(session, estate["u1"].id)


def test_amounts_are_checked_when_requested_approved_and_paid(session, clock, estate, as_):
    credit_of(session, clock, "u1", "500.00")
    with pytest.raises(AmountOverAvailable):
        ask(session, clock, "500.01")
    first = ask(session, clock, "400.00")
    svc(session, clock, FINANCE).approve_refund(first["id"], {})
    with pytest.raises(AmountOverAvailable):                 # 500.00 less the approved 400.00
        ask(session, clock, "200.00")
    second = ask(session, clock, "100.00")
    # the credit is spent on a bill meanwhile: 50.00 left
    monthly_bill(as_(PLATFORM), estate["u1"], "450.00", "2026-12")
    with pytest.raises(AmountOverAvailable):
        svc(session, clock, FINANCE).approve_refund(second["id"], {})
    with pytest.raises(AmountOverAvailable):
        svc(session, clock, FINANCE2).pay_refund(first["id"])
    # the approved one that cannot be paid is rejected, and its approval stays in the history
    with pytest.raises(InvalidInput) as no_note:
        svc(session, clock, FINANCE).reject_refund(first["id"], {"note": "  "})
    assert no_note.value.code == "note_required"
    rejected = svc(session, clock, FINANCE).reject_refund(first["id"], {"note": "余额已抵扣账单"})
    assert (rejected["status"], rejected["decided_by"]) == ("rejected", "fin-1")
    assert [s["action"] for s in rejected["history"]] == ["request", "approve", "reject"]
    assert rejected["history"][1]["by"] == "fin-1" and rejected["history"][2]["note"] == "余额已抵扣账单"
    with pytest.raises(AmountOverAvailable):
        svc(session, clock, FINANCE).approve_refund(second["id"], {})
    third = ask(session, clock, "50.00")
    svc(session, clock, CENTRE).approve_refund(third["id"], {})
    assert svc(session, clock, FINANCE).pay_refund(third["id"])["account"]["credit"] == "0.00"
    books_balance(session, estate["u1"].id)


def test_a_deposit_is_refunded_in_parts_up_to_what_it_holds(session, clock, estate):
    held = svc(session, clock, DESK).hold_deposit("u1", {"method": "cash", "amount": "2000.00"})
    deposit_id = held["deposit"]["id"]

    def deposit_refund(amount):
        return ask(session, clock, amount, kind="deposit", deposit_id=deposit_id, method="transfer",
                   reason="装修验收合格 passed")

    first = deposit_refund("1500.00")
    svc(session, clock, CENTRE).approve_refund(first["id"], {})
    paid = svc(session, clock, FINANCE).pay_refund(first["id"])
    assert paid["account"]["deposits_held"] == "500.00" and paid["account"]["balance_due"] == "0.00"
    entry = session.get(LedgerEntry, paid["entry_id"])
    assert entry.kind == "deposit_refunded" and entry.amount == Decimal("0.00")
    assert sorted((p.book, p.amount) for p in journal.postings_of(session, entry.id)) == [
        ("bank", Decimal("-1500.00")), ("deposit", Decimal("1500.00"))]
    assert session.get(Deposit, deposit_id).status == "held"
    with pytest.raises(AmountOverAvailable):
        deposit_refund("500.01")
    last = deposit_refund("500.00")
    svc(session, clock, FINANCE).approve_refund(last["id"], {})
    svc(session, clock, FINANCE2).pay_refund(last["id"])
    deposit = session.get(Deposit, deposit_id)
    assert (deposit.status, deposit.refunded) == ("refunded", Decimal("2000.00"))
    with pytest.raises(AmountOverAvailable):
        deposit_refund("0.01")
    books_balance(session, estate["u1"].id)


def test_a_refund_s_other_refusals(session, clock, estate):
    credit_of(session, clock, "u1", "100.00")
    with pytest.raises(DepositNotFound):
        ask(session, clock, "10.00", kind="deposit")
    with pytest.raises(DepositNotFound):
        ask(session, clock, "10.00", kind="deposit", deposit_id="no-such")
    held = svc(session, clock, DESK).hold_deposit("u2", {"method": "cash", "amount": "10.00"})
    with pytest.raises(DepositNotFound):                     # u2's deposit is not u1's
        ask(session, clock, "10.00", kind="deposit", deposit_id=held["deposit"]["id"])
    with pytest.raises(InvalidInput):
        ask(session, clock, "10.00", deposit_id=held["deposit"]["id"])
    with pytest.raises(Forbidden):
        ask(session, clock, "10.00", caller=CENTRE)          # the desk or finance asks
    with pytest.raises(Forbidden):
        ask(session, clock, "10.00", caller=ZHANG)
    refund = ask(session, clock, "10.00")
    with pytest.raises(RefundNotFound):
        svc(session, clock, ZHANG).approve_refund(refund["id"], {})
    with pytest.raises(RefundNotFound):
        svc(session, clock, FINANCE).approve_refund("no-such", {})


def test_lists_of_a_project_s_refunds(session, clock, estate):
    credit_of(session, clock, "u1", "100.00")
    one, two = ask(session, clock, "10.00"), ask(session, clock, "20.00")
    svc(session, clock, FINANCE).reject_refund(one["id"], {"note": "业主撤回"})
    finance = svc(session, clock, FINANCE)
    assert [r["id"] for r in finance.list_refunds("p1", "requested")] == [two["id"]]
    assert [r["id"] for r in finance.list_refunds("p1", "rejected")] == [one["id"]]
    assert {r["id"] for r in finance.list_refunds("p1")} == {one["id"], two["id"]}
    assert finance.list_refunds("p1")[0]["account"] is None
    with pytest.raises(ProjectNotFound):
        svc(session, clock, resident(G, ["u1"])).list_refunds("p1")
    with pytest.raises(Forbidden):
        svc(session, clock, FINANCE).list_refunds("p2")
