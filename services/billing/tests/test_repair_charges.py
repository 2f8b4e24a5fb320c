"""A paid repair's charge (tickets' ``ticket.charge_posted``) on the unit's fee account, once per
charge_id -- billing's rules without a broker."""
from datetime import date
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from kernel.clock import ManualClock
from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Caller
from kernel.testing import domain_session, outbox_events
from services.billing import schemas
from services.billing.domain import accounts, copies, journal, ledger
from services.billing.models import Base, LedgerEntry

from . import support

G = "group-1"
PLATFORM = Caller.system(G, "billing")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T23:30:00+08:00")


def work(session, clock):
    return support.work(session, clock, PLATFORM)


@pytest.fixture
def account(session, clock):
    w = work(session, clock)
    copies.apply_project(w, schemas.ProjectChangedIn().load({
        "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "timezone": "Asia/Shanghai",
        "version": 1}))
    opened, _ = accounts.apply_unit(w, schemas.UnitChangedIn().load({
        "unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101", "building_area": "89.37",
        "version": 1}))
    session.flush()
    return opened


def charge(charge_id="c-1", total="59.70", unit_id="u1", **extra):
    """``ticket.charge_posted`` as tickets publishes it."""
    return schemas.ChargePostedIn().load({
        "charge_id": charge_id, "ticket_id": "t-1", "number": "BX-20261124-0001", "group_id": G,
        "project_id": "p1", "unit_id": unit_id, "household_id": "h1",
        "lines": [{"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "1",
                   "unit_price": "35.00", "amount": "35.00"},
                  {"code": "DQ-02", "name": "更换电线", "unit": "米", "quantity": "2",
                   "unit_price": "12.35", "amount": "24.70"}],
        "total": total, "currency": "CNY", "posted_at": "2026-11-24T15:40:00+00:00", **extra})


def test_a_charge_is_posted_once_per_charge_id(session, clock, account):
    entry = ledger.post_repair_charge(work(session, clock), charge())
    assert (entry.kind, entry.amount, entry.ref_type, entry.ref_id) == (
        "charge", Decimal("59.70"), "repair_charge", "c-1")
    # posted 23:40 in Shanghai on the 24th (15:40 UTC): the site's date
    assert entry.occurred_on == date(2026, 11, 24)
    assert entry.description == "有偿维修 BX-20261124-0001: 更换水龙头阀芯x1、更换电线x2"
    assert journal.balances(session, account.id)["balance_due"] == Decimal("59.70")
    [changed] = [e["data"] for e in outbox_events(session, Base) if e["type"] == "account.balance_changed"]
    assert (changed["cause"], changed["entry_id"], changed["balance_due"]) == ("charge", entry.id, "59.70")
    # the same charge again (a redelivery, a replay, a second publication): nothing more
    assert ledger.post_repair_charge(work(session, clock), charge()) is None
    assert session.query(LedgerEntry).count() == 1
    assert journal.balances(session, account.id)["balance_due"] == Decimal("59.70")
    assert len([e for e in outbox_events(session, Base) if e["type"] == "account.balance_changed"]) == 1
    # another charge is another posting
    ledger.post_repair_charge(work(session, clock), charge("c-2", total="35.00", lines=[
        {"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "1", "unit_price": "35.00",
         "amount": "35.00"}]))
    assert journal.balances(session, account.id)["balance_due"] == Decimal("94.70")


def test_a_charge_for_a_unit_billing_does_not_know_yet_is_retried(session, clock, account):
    with pytest.raises(RetryableError):
        ledger.post_repair_charge(work(session, clock), charge(unit_id="u-new"))


def test_a_charge_that_does_not_add_up_or_belongs_elsewhere_is_refused(session, clock, account):
    with pytest.raises(InvalidInput) as refused:
        ledger.post_repair_charge(work(session, clock), charge(total="60.00"))
    assert refused.value.code == "charge_total_mismatch"
    with pytest.raises(InvalidInput) as refused:
        ledger.post_repair_charge(work(session, clock), charge(project_id="p2"))
    assert refused.value.code == "charge_unit_mismatch"
    assert session.query(LedgerEntry).count() == 0


def test_the_payload_is_checked_at_the_boundary():
    for bad in ({"total": "0.00"}, {"total": 59.7}, {"currency": "USD"}, {"lines": []}):
        with pytest.raises(ValidationError):
            charge(**bad)
