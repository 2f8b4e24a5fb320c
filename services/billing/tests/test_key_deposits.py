"""The key deposit (钥匙押金, purpose ``key``): tickets reads its facts before recording it on a key loan
(``key_deposit``: unit, purpose, amount held, the receipt's number -- staff of its project only) and has
its refund requested when the key came back in time (``key.deposit_release_requested``): once, by the
platform, so finance or the centre manager approves it (four eyes)."""
from decimal import Decimal

import pytest

from services.billing import schemas
from services.billing.domain import deposits
from services.billing.exceptions import DepositNotFound
from services.billing.models import Refund

from .support import CENTRE, DESK, FAR_STAFF, FINANCE, G, PLATFORM, ZHANG, service_as


def release(deposit_id, project_id="p1", reason="returned_in_time"):
    """``key.deposit_release_requested`` as tickets publishes it."""
    return schemas.KeyDepositReleaseRequestedIn().load({
        "loan_id": "loan-1", "key_id": "k-1", "deposit_id": deposit_id, "group_id": G, "project_id": project_id,
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
