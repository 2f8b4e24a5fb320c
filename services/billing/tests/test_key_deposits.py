"""The key deposit (钥匙押金, purpose ``key``): tickets reads its facts before recording it on a key loan
(``key_deposit``: unit, purpose, amount held, the receipt's number -- staff of its project only) and has
its refund requested when the key came back in time (``key.deposit_release_requested``): once, by the
platform, so finance or the centre manager approves it (four eyes)."""
from decimal import Decimal

import pytest

from services.billing import schemas
from services.billing.domain import deposits
from services.billing.exceptions import DepositNotFound, DepositPledged, KeyDepositAmountRequired
from services.billing.models import Deposit, LedgerEntry, Refund

from .support import CENTRE, DESK, FAR_STAFF, FINANCE, G, PLATFORM, ZHANG, service_as


def release(deposit_id, project_id="p1", reason="returned_in_time", loan_id="loan-1"):
    """``key.deposit_release_requested`` as tickets publishes it."""
    return schemas.KeyDepositReleaseRequestedIn().load({
        "loan_id": loan_id, "key_id": "k-1", "deposit_id": deposit_id, "group_id": G, "project_id": project_id,
        "unit_id": "u1", "unit_label": "1栋-0101", "key_label": "入户门钥匙", "amount": "200.00",
        "receipt_number": "SJ-1", "reason": reason, "requested_at": "2026-11-24T09:00:00+00:00"})


def test_tickets_reads_a_key_deposit_s_facts_and_nobody_outside_the_project_does(session, clock, estate):
    held = service_as(session, clock, DESK).hold_deposit("u1", {"purpose": "key", "method": "cash",
                                                                "amount": "200.00", "payer_name": "李师傅"})
    deposit_id = held["deposit"]["id"]
    facts = service_as(session, clock, DESK).key_deposit(deposit_id)
    assert (facts["unit_id"], facts["purpose"], facts["amount"], facts["held"], facts["status"], facts["payer_name"],
            facts["held_by"]) == ("u1", "key", "200.00", "200.00", "held", "李师傅", "desk-1")
    assert facts["receipt_number"] and facts["receipt_number"] == held["receipt"]["number"]
    for outsider in (FAR_STAFF, ZHANG):
        with pytest.raises(DepositNotFound):
            service_as(session, clock, outsider).key_deposit(deposit_id)
    with pytest.raises(DepositNotFound):
        service_as(session, clock, DESK).key_deposit("no-such-deposit")


def test_a_key_deposit_back_in_time_is_refunded_once_through_four_eyes(session, clock, estate, as_):
    held = service_as(session, clock, DESK).hold_deposit("u1", {"purpose": "key", "method": "cash", "amount": "200.00"})
    deposit_id = held["deposit"]["id"]
    refund = deposits.on_key_release_requested(as_(PLATFORM), release(deposit_id))
    session.commit()
    assert (refund.kind, refund.deposit_id, refund.amount, refund.status, refund.requested_by) == (
        "deposit", deposit_id, Decimal("200.00"), "requested", PLATFORM.user_id)
    assert "钥匙押金退还" in refund.reason and "钥匙按时归还" in refund.reason
    # a redelivery, or the event again: nothing more
    assert deposits.on_key_release_requested(as_(PLATFORM), release(deposit_id)) is None
    assert session.query(Refund).count() == 1
    service_as(session, clock, CENTRE).approve_refund(refund.id, {})
    paid = service_as(session, clock, FINANCE).pay_refund(refund.id)
    assert paid["status"] == "paid" and paid["account"]["deposits_held"] == "0.00"
    assert deposits.on_key_release_requested(as_(PLATFORM), release(deposit_id)) is None    # nothing held


def test_a_release_naming_no_key_deposit_of_the_project_changes_nothing(session, clock, estate, as_):
    reno = service_as(session, clock, DESK).hold_deposit("u1", {"purpose": "renovation", "method": "cash",
                                                                "amount": "2000.00"})
    key = service_as(session, clock, DESK).hold_deposit("u1", {"purpose": "key", "method": "cash", "amount": "200.00"})
    for data in (release(reno["deposit"]["id"]), release(key["deposit"]["id"], project_id="p2"), release("nope")):
        assert deposits.on_key_release_requested(as_(PLATFORM), data) is None
    assert session.query(Refund).count() == 0


def key_deposit(session, clock, amount="200.00", unit="u1"):
    return service_as(session, clock, DESK).hold_deposit(unit, {"purpose": "key", "method": "cash", "amount": amount,
                                                                "payer_name": "李师傅"})["deposit"]["id"]


def pledge(session, clock, deposit_id, loan_id="loan-1", unit_id="u1", minimum="200.00", caller=DESK):
    return service_as(session, clock, caller).pledge_key_deposit(deposit_id, loan_id, unit_id, minimum)


def refund_of(session, clock, deposit_id, amount="200.00"):
    return service_as(session, clock, DESK).request_refund("u1", {"kind": "deposit", "deposit_id": deposit_id,
                                                                  "amount": amount, "method": "cash",
                                                                  "reason": "退还押金"})


def test_a_pledged_key_deposit_is_not_refunded_nor_voided_until_its_loan_releases_it(session, clock, estate, as_,
                                                                                      caplog):
    deposit_id = key_deposit(session, clock)
    facts = pledge(session, clock, deposit_id)
    assert (facts["pledged_loan_id"], facts["refund_pending"], facts["held"]) == ("loan-1", False, "200.00")
    assert pledge(session, clock, deposit_id)["pledged_loan_id"] == "loan-1"          # again: nothing changes
    session.commit()                                          # (the RPC's transaction)
    assert service_as(session, clock, DESK).key_deposit(deposit_id)["pledged_loan_id"] == "loan-1"
    assert service_as(session, clock, DESK).get_deposit(deposit_id)["pledged_loan_id"] == "loan-1"
    with pytest.raises(DepositPledged) as used:                                       # one loan only
        pledge(session, clock, deposit_id, loan_id="loan-2")
    assert used.value.code == "deposit_already_used" and used.value.message.startswith("该押金已用于另一笔钥匙借用")
    # the trial: refunded by hand while the loan stands (then approved, or the release finding nothing)
    with pytest.raises(DepositPledged) as refused:
        refund_of(session, clock, deposit_id)
    assert refused.value.code == "deposit_pledged" and refused.value.kind == "Conflict"
    assert refused.value.message.startswith("该押金已作为钥匙借用押金质押") and "pledged to key loan" in refused.value.message
    receipt_id = session.get(Deposit, deposit_id).payment_id
    from services.billing.models import Payment
    with pytest.raises(DepositPledged):
        service_as(session, clock, FINANCE).void_receipt(session.get(Payment, receipt_id).receipt_id,
                                                         {"reason": "收错了"})
    session.rollback()
    assert session.query(Refund).count() == 0 and session.get(Deposit, deposit_id).status == "held"

    # a release for another loan leaves it pledged; the loan's own release unties it and asks the refund
    assert deposits.on_key_release_requested(as_(PLATFORM), release(deposit_id, loan_id="loan-2")) is None
    assert session.get(Deposit, deposit_id).pledge_released_at is None
    refund = deposits.on_key_release_requested(as_(PLATFORM), release(deposit_id))
    session.commit()
    assert (refund.amount, refund.status) == (Decimal("200.00"), "requested")
    assert service_as(session, clock, DESK).key_deposit(deposit_id)["pledged_loan_id"] is None
    service_as(session, clock, CENTRE).approve_refund(refund.id, {})
    service_as(session, clock, FINANCE).pay_refund(refund.id)
    with caplog.at_level("WARNING", logger="services.billing.domain.deposits"):      # nothing left: said so
        assert deposits.on_key_release_requested(as_(PLATFORM), release(deposit_id)) is None
    assert "holds nothing to give back" in caplog.text
    with pytest.raises(DepositPledged):                                               # released: never again
        pledge(session, clock, deposit_id, loan_id="loan-3")


def test_a_deposit_that_fails_a_check_is_answered_and_left_unpledged(session, clock, estate):
    other_unit = key_deposit(session, clock, unit="u2")
    small = key_deposit(session, clock, amount="150.00")
    asked = key_deposit(session, clock)
    refund_of(session, clock, asked)                          # a refund of it under way
    reno = service_as(session, clock, DESK).hold_deposit("u1", {"purpose": "renovation", "method": "cash",
                                                                "amount": "2000.00"})["deposit"]["id"]
    for deposit_id, loan_id in ((other_unit, "l-1"), (small, "l-2"), (asked, "l-3"), (reno, "l-4")):
        facts = pledge(session, clock, deposit_id, loan_id=loan_id)
        assert facts["pledged_loan_id"] is None, deposit_id
        assert session.get(Deposit, deposit_id).pledged_loan_id is None
    assert pledge(session, clock, asked, loan_id="l-3")["refund_pending"] is True
    with pytest.raises(DepositNotFound):
        pledge(session, clock, asked, caller=FAR_STAFF)


def test_a_kept_key_deposit_is_forfeited_to_income_once_with_the_loan_as_reference(session, clock, estate, as_):
    deposit_id = key_deposit(session, clock)
    pledge(session, clock, deposit_id)
    data = schemas.KeyDepositForfeitRequestedIn().load({
        "loan_id": "loan-1", "key_id": "k-1", "deposit_id": deposit_id, "group_id": G, "project_id": "p1",
        "unit_id": "u1", "unit_label": "1栋-0101", "key_label": "入户门钥匙", "amount": "200.00",
        "receipt_number": "SJ-1", "minutes_late": 75, "decided_by": "cs-1", "decided_by_name": "孙经理",
        "note": "第二次逾期", "requested_at": "2026-11-24T09:00:00+00:00"})
    entry = deposits.on_key_forfeit_requested(as_(PLATFORM), data)
    session.commit()
    assert (entry.kind, entry.ref_type, entry.ref_id) == ("deposit_forfeited", "key_loan", "loan-1")
    assert "孙经理" in entry.reason and "cs-1" not in entry.reason and "逾期归还" in entry.description
    deposit = session.get(Deposit, deposit_id)
    assert (deposit.status, deposit.forfeited, deposits.held(deposit)) == ("forfeited", Decimal("200.00"),
                                                                           Decimal("0.00"))
    assert deposits.on_key_forfeit_requested(as_(PLATFORM), data) is None                 # a redelivery
    assert session.query(LedgerEntry).filter_by(kind="deposit_forfeited").count() == 1
    shown = service_as(session, clock, DESK).get_deposit(deposit_id)
    assert [step["kind"] for step in shown["history"]] == ["held", "forfeited"]
    assert shown["pledged_loan_id"] is None


def test_a_key_deposit_without_an_amount_is_asked_for_it_in_its_own_words(session, clock, estate):
    with pytest.raises(KeyDepositAmountRequired) as refused:
        service_as(session, clock, DESK).hold_deposit("u1", {"purpose": "key", "method": "cash"})
    assert refused.value.code == "deposit_amount_required"
    assert refused.value.message.startswith("请填写钥匙押金金额") and "装修" not in refused.value.message
