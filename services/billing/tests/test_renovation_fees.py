"""A renovation's fees (tickets' ``renovation.fees_requested`` / ``renovation.refund_requested``,
domain/renovation_fees.py): the garbage-removal fee charged once from the schedule by the unit's
area, the deposit awaited and taken when held, ``renovation.fees_paid`` once both are paid; the
refund requested less what is withheld, ``renovation.deposit_refunded`` when it is paid."""
from decimal import Decimal

import json

import pytest
from kernel.errors import RetryableError
from kernel.testing import outbox_events
from services.billing import schemas
from services.billing.domain import renovation_fees
from services.billing.models import Base, Bill, Refund, RenovationFees

from .support import CENTRE, DESK, FINANCE, G, PLATFORM, service_as


def events_of(session, kind):
    return [e["data"] for e in outbox_events(session, Base) if e["type"] == kind]


def requested(renovation_id="r-1", unit_id="u1", deposit="2000.00"):
    """``renovation.fees_requested`` as tickets publishes it."""
    return schemas.RenovationFeesRequestedIn().load({
        "renovation_id": renovation_id, "number": "ZX-20261124-0001", "group_id": G, "project_id": "p1",
        "unit_id": unit_id, "unit_label": "1栋-0101", "household_id": "h1", "deposit_amount": deposit,
        "requested_at": "2026-11-24T01:00:00+00:00"})


def refund_asked(renovation_id="r-1", refund="1500.00", withheld="500.00", violations=("阳台外墙打孔",)):
    return schemas.RenovationRefundRequestedIn().load({
        "renovation_id": renovation_id, "number": "ZX-20261124-0001", "group_id": G, "project_id": "p1",
        "unit_id": "u1", "deposit_id": None, "deposit_amount": "2000.00", "refund_amount": refund,
        "withheld_amount": withheld, "violations": list(violations), "requested_at": "2027-03-01T02:00:00+00:00",
        "due_at": "2027-03-08T02:00:00+00:00"})


def ask(session, clock, as_, **kw):
    return renovation_fees.on_fees_requested(as_(PLATFORM), requested(**kw))


def test_the_garbage_fee_is_charged_once_by_area_and_the_deposit_awaited(session, clock, estate, as_):
    row = ask(session, clock, as_)
    assert row.status == "requested" and row.deposit_amount == Decimal("2000.00")
    bill = session.get(Bill, row.garbage_bill_id)
    assert bill.total == Decimal("268.11") == row.garbage_fee        # 89.37 m2 x 3.00, at the fen
    assert ask(session, clock, as_) is None                           # redelivered: nothing more
    assert session.query(Bill).filter(Bill.kind == "one_off").count() == 1
    assert session.query(RenovationFees).count() == 1
    assert events_of(session, "renovation.fees_paid") == []
    [charged] = events_of(session, "renovation.fees_charged")          # once: tickets shows the amounts
    assert charged["garbage_fee"] == "268.11" and charged["deposit_amount"] == "2000.00"
    assert charged["garbage_bill_id"] == row.garbage_bill_id and charged["renovation_id"] == "r-1"


def test_a_request_for_a_unit_billing_does_not_know_yet_is_retried(session, clock, estate, as_):
    with pytest.raises(RetryableError):
        ask(session, clock, as_, unit_id="u-new")


def test_fees_paid_only_once_the_deposit_is_held_and_the_garbage_bill_settled(session, clock, estate, as_):
    row = ask(session, clock, as_)
    desk = service_as(session, clock, DESK)
    desk.record_payment("u1", {"method": "cash", "amount": "268.11"})
    assert row.status == "requested" and events_of(session, "renovation.fees_paid") == []
    desk.hold_deposit("u1", {"method": "cash", "amount": "1000.00"})     # less than asked: not this one
    assert row.status == "requested" and row.deposit_id is None
    held = desk.hold_deposit("u1", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    assert row.status == "paid" and row.deposit_id == held["deposit"]["id"]
    [paid] = events_of(session, "renovation.fees_paid")
    assert (paid["renovation_id"], paid["deposit_amount"], paid["garbage_fee"]) == ("r-1", "2000.00", "268.11")
    desk.record_payment("u1", {"method": "cash", "amount": "10.00"})      # later changes tell nothing more
    assert len(events_of(session, "renovation.fees_paid")) == 1


def test_the_refund_is_requested_less_what_is_withheld_and_reported_when_paid(session, clock, estate, as_):
    row = ask(session, clock, as_)
    desk = service_as(session, clock, DESK)
    desk.record_payment("u1", {"method": "cash", "amount": "268.11"})
    desk.hold_deposit("u1", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    clock.advance(days=97)
    renovation_fees.on_refund_requested(as_(PLATFORM), refund_asked())
    assert renovation_fees.on_refund_requested(as_(PLATFORM), refund_asked()) is None      # once
    refund = session.get(Refund, row.refund_id)
    assert (refund.kind, refund.amount, refund.deposit_id, refund.status) == (
        "deposit", Decimal("1500.00"), row.deposit_id, "requested")
    assert "扣留 500.00：阳台外墙打孔" in refund.reason
    assert row.withheld_amount == Decimal("500.00") and json.loads(row.violations) == ["阳台外墙打孔"]
    service_as(session, clock, CENTRE).approve_refund(refund.id, {})      # the platform asked: four eyes hold
    assert events_of(session, "renovation.deposit_refunded") == []
    service_as(session, clock, FINANCE).pay_refund(refund.id)
    [back] = events_of(session, "renovation.deposit_refunded")
    assert (back["renovation_id"], back["amount"], back["withheld_amount"]) == ("r-1", "1500.00", "500.00")
    assert row.status == "refunded"


def test_nothing_to_refund_requests_no_refund(session, clock, estate, as_):
    row = ask(session, clock, as_)
    desk = service_as(session, clock, DESK)
    desk.record_payment("u1", {"method": "cash", "amount": "268.11"})
    desk.hold_deposit("u1", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    renovation_fees.on_refund_requested(as_(PLATFORM), refund_asked(refund="0.00", withheld="2000.00"))
    assert row.status == "refund_requested" and row.refund_id is None
    assert session.query(Refund).count() == 0
