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


# -- renovation.cancelled: the household moved out before the fees were paid (过户 / 迁出) -------------

def cancelled(renovation_id="r-1", unit_id="u1"):
    """``renovation.cancelled`` as tickets publishes it."""
    return schemas.RenovationCancelledIn().load({
        "renovation_id": renovation_id, "number": "ZX-20261124-0001", "group_id": G, "project_id": "p1",
        "unit_id": unit_id, "unit_label": "1栋-0101", "household_id": "h1", "deposit_amount": "2000.00",
        "fees_requested_at": "2026-11-24T01:00:00+00:00", "reason": "过户/迁出：住户已迁出 the household moved out",
        "cancelled_at": "2026-11-25T01:00:00+00:00"})


def transfer_u1(session, as_):
    """archive's transfer of u1 to 孙丽's household: billing closes the old household's account (0048)."""
    from services.billing.domain import copies
    for snapshot in ({"household_id": "h-new", "status": "active", "moved_in_on": "2026-11-24", "version": 1,
                      "owner": "孙丽"},
                     {"household_id": "h-u1", "status": "moved_out", "moved_in_on": "2026-01-01",
                      "moved_out_on": "2026-11-24", "version": 2, "owner": "张伟"}):
        copies.apply_household(as_(PLATFORM), schemas.HouseholdChangedIn().load({
            "household_id": snapshot["household_id"], "group_id": G, "project_id": "p1", "unit_id": "u1",
            "status": snapshot["status"], "moved_in_on": snapshot["moved_in_on"],
            "moved_out_on": snapshot.get("moved_out_on"), "people": [{"name": snapshot["owner"], "role": "owner"}],
            "version": snapshot["version"]}))
        session.commit()


def test_cancelled_unpaid_the_garbage_fee_is_reversed_and_the_held_deposit_refund_requested(
        session, clock, estate, as_):
    from services.billing.domain import accounts, journal
    row = ask(session, clock, as_)
    bill = session.get(Bill, row.garbage_bill_id)
    desk = service_as(session, clock, DESK)
    held = desk.hold_deposit("u1", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    assert row.status == "requested" and row.deposit_id == held["deposit"]["id"]     # the fee still unpaid
    old = accounts.find_account(session, "u1")
    transfer_u1(session, as_)           # the old household's account closes before tickets' event comes
    assert old.closed_on is not None and accounts.find_account(session, "u1").id != old.id

    assert renovation_fees.on_cancelled(as_(PLATFORM), cancelled()) is row
    assert row.status == "cancelled"
    session.refresh(bill)
    assert journal.outstanding(bill) == 0                              # the unpaid fee cancelled (冲正)
    assert journal.balances(session, old.id)["receivable"] == 0
    refund = session.get(Refund, row.refund_id)
    assert (refund.kind, refund.amount, refund.deposit_id, refund.account_id, refund.status) == (
        "deposit", Decimal("2000.00"), row.deposit_id, old.id, "requested")    # to whoever paid it
    assert renovation_fees.on_cancelled(as_(PLATFORM), cancelled()) is None      # redelivered: once
    assert session.query(Refund).count() == 1
    # billing's view of the fees: never paid, no fees_paid for tickets
    desk.record_payment("u1", {"method": "cash", "amount": "268.11"})
    assert events_of(session, "renovation.fees_paid") == []
    # the refund goes its ordinary way: approved, paid -- no renovation.deposit_refunded (cancelled)
    service_as(session, clock, CENTRE).approve_refund(refund.id, {})
    service_as(session, clock, FINANCE).pay_refund(refund.id)
    assert row.refunded_at is not None and events_of(session, "renovation.deposit_refunded") == []


def test_trial4_h1_the_garbage_fee_charged_then_the_transfer_closes_the_account_then_the_cancellation_reverses_it(
        session, clock, estate, as_):
    """Trial 4, H1, in its order: the agreement signed (``fees_requested``), billing charged the garbage
    fee, no deposit held; the transfer's ``household.changed`` closes the old household's account
    BEFORE tickets' ``renovation.cancelled`` arrives. The fee is reversed on the closed account: the
    bill reads ``reversed``, the old account owes nothing, nothing moved to the new owners' account.
    (In the trial's own database billing did so -- ZD00000003 allocated by its reversal; what read
    ``charged`` was tickets' garbage_fee_status, and the unit's bill list shows the new account's.)"""
    from services.billing.domain import accounts, journal, queries
    from .support import work
    row = ask(session, clock, as_)
    bill = session.get(Bill, row.garbage_bill_id)
    old = accounts.find_account(session, "u1")
    assert journal.balances(session, old.id)["balance_due"] == Decimal("268.11")
    transfer_u1(session, as_)
    new = accounts.find_account(session, "u1")
    assert old.closed_on is not None and new.id != old.id and row.account_id == old.id

    assert renovation_fees.on_cancelled(as_(PLATFORM), cancelled()) is row
    session.commit()
    assert row.status == "cancelled" and row.refund_id is None           # no deposit: nothing to refund
    session.refresh(bill)
    assert (bill.account_id, journal.outstanding(bill), bill.settled_at is not None) == (old.id, 0, True)
    assert queries.get_bill(work(session, clock, FINANCE), bill.id)["status"] == "reversed"
    assert journal.balances(session, old.id)["receivable"] == 0            # the old account's balance back
    assert journal.balances(session, old.id)["balance_due"] == 0
    assert journal.balances(session, new.id)["balance_due"] == 0           # nothing on the new owners
    assert queries.has_arrears(work(session, clock, FINANCE), "u1")["previous"] == []
    assert renovation_fees.on_cancelled(as_(PLATFORM), cancelled()) is None      # redelivered: once
    assert session.query(Bill).filter(Bill.kind == "one_off").count() == 1


def test_cancelled_with_the_fee_paid_in_part_the_rest_is_discounted_and_no_deposit_nothing_to_refund(
        session, clock, estate, as_):
    from services.billing.domain import journal
    row = ask(session, clock, as_)
    service_as(session, clock, DESK).record_payment("u1", {"method": "cash", "amount": "100.00"})
    renovation_fees.on_cancelled(as_(PLATFORM), cancelled())
    bill = session.get(Bill, row.garbage_bill_id)
    assert row.status == "cancelled" and journal.outstanding(bill) == 0 and bill.allocated == Decimal("268.11")
    assert row.refund_id is None and session.query(Refund).count() == 0


def test_cancelled_before_the_request_arrives_charges_nothing_later(session, clock, estate, as_):
    assert renovation_fees.on_cancelled(as_(PLATFORM), cancelled()) is None
    assert session.get(RenovationFees, "r-1").status == "cancelled"
    assert ask(session, clock, as_) is None                            # the late request: nothing charged
    assert session.query(Bill).filter(Bill.kind == "one_off").count() == 0
    with pytest.raises(RetryableError):
        renovation_fees.on_cancelled(as_(PLATFORM), cancelled("r-2", unit_id="u-new"))


def test_a_renovation_handed_over_at_a_transfer_refunds_its_deposit_from_the_old_account(
        session, clock, estate, as_):
    """Fees paid, the unit transferred (the renovation handed over in tickets): the refund after the
    re-inspection is requested on the account holding the deposit -- the old household's, closed."""
    from services.billing.domain import accounts
    row = ask(session, clock, as_)
    desk = service_as(session, clock, DESK)
    desk.record_payment("u1", {"method": "cash", "amount": "268.11"})
    desk.hold_deposit("u1", {"method": "cash", "purpose": "renovation", "amount": "2000.00"})
    assert row.status == "paid"
    old = accounts.find_account(session, "u1")
    transfer_u1(session, as_)
    assert old.closed_on is not None
    renovation_fees.on_refund_requested(as_(PLATFORM), refund_asked(refund="2000.00", withheld="0.00", violations=()))
    refund = session.get(Refund, row.refund_id)
    assert (refund.account_id, refund.deposit_id, refund.amount) == (old.id, row.deposit_id, Decimal("2000.00"))
    service_as(session, clock, CENTRE).approve_refund(refund.id, {})
    service_as(session, clock, FINANCE).pay_refund(refund.id)
    [back] = events_of(session, "renovation.deposit_refunded")
    assert back["account_id"] == old.id and row.status == "refunded"
