"""A unit changes hands (过户; TRIAL11 finding 3): the old owner's debt stays the old owner's.

The account is one paying household's (一户一账): when the new owners' household becomes the
unit's payer, the account with its history closes and stays the old household's -- its bills,
its 345.00 overdue, its dunning case, still collectable and reported under the old owner's name
-- and the unit gets a new account at 0.00, billed from then on. Events from archive may come in
either order."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from kernel.testing import outbox_events
from services.billing import schemas
from services.billing.domain import accounts, arrears_reports, billrun, copies, dunning, journal
from services.billing.models import (Base, Bill, DunningCase, DunningLogEntry, FeeAccount, MeterReading,
                                     OutboxMessage, Project)

from .support import FINANCE, G, PLATFORM, monthly_bill, work


def at(clock, day: date, hour: int = 9) -> None:
    clock.set(f"{day.isoformat()}T{hour:02d}:00:00+08:00")


def household(household_id, *, status="active", owner, moved_in_on, moved_out_on=None, version=1):
    return schemas.HouseholdChangedIn().load({
        "household_id": household_id, "group_id": G, "project_id": "p1", "unit_id": "u1", "status": status,
        "moved_in_on": moved_in_on, "moved_out_on": moved_out_on,
        "people": [{"name": owner, "role": "owner"}], "version": version})


OLD_LEAVES = household("h-u1", status="moved_out", owner="张伟", moved_in_on="2026-01-01",
                       moved_out_on="2026-11-24", version=2)
NEW_ARRIVES = household("h-new", owner="孙丽", moved_in_on="2026-11-24")


def _owing(session, clock, as_):
    """张伟 owes 345.00 since 15 September; his case is on the ladder."""
    at(clock, date(2026, 9, 1))
    monthly_bill(as_(PLATFORM), accounts.find_account(session, "u1"), "345.00", "2026-09")
    session.commit()
    at(clock, date(2026, 11, 20), 8)
    w = as_(PLATFORM)
    dunning.sweep(w, w.session.get(Project, "p1"))
    session.commit()
    session.query(OutboxMessage).delete()
    session.commit()
    return accounts.find_account(session, "u1")


@pytest.mark.parametrize("order", [(NEW_ARRIVES, OLD_LEAVES), (OLD_LEAVES, NEW_ARRIVES)],
                         ids=["move-in first", "move-out first"])
def test_the_old_owner_s_debt_stays_theirs_and_the_new_household_starts_at_zero(session, clock, estate, as_,
                                                                                  order):
    old = _owing(session, clock, as_)
    old_id, old_version = old.id, old.version
    assert session.scalar(select(DunningCase.account_id).where(DunningCase.status == "open")) == old_id
    at(clock, date(2026, 11, 24))
    for snapshot in order:
        copies.apply_household(as_(PLATFORM), snapshot)
        session.commit()

    new = accounts.find_account(session, "u1")
    assert new.id != old_id
    closed = session.get(FeeAccount, old_id)
    assert (closed.closed_on, closed.succeeded_by) == (date(2026, 11, 24), new.id)
    assert (closed.household_id, closed.payer_name) == ("h-u1", "张伟")
    assert (new.household_id, new.payer_name, new.closed_on) == ("h-new", "孙丽", None)
    # what the new household's overview reads: nothing owed, no bill, no dunning
    mine = accounts.account_view(session, new)
    assert (mine["balance_due"], mine["receivable"], mine["open_bills"], mine["dunning_stage"]) == (
        Decimal("0.00"), Decimal("0.00"), 0, None)
    theirs = accounts.account_view(session, closed)
    assert (theirs["balance_due"], theirs["open_bills"], theirs["closed_on"]) == (
        Decimal("345.00"), 1, date(2026, 11, 24))

    # the events: the old account closed (a unit's read model ignores it), the unit's new one
    # continues the unit's version sequence
    published = {e["data"]["account_id"]: e["data"] for e in outbox_events(session, Base)
                 if e["type"] == "account.balance_changed"}
    assert published[old_id]["cause"] == "closed" and published[old_id]["closed_on"] == "2026-11-24"
    assert published[old_id]["payer_name"] == "张伟" and published[old_id]["balance_due"] == "345.00"
    assert published[new.id]["cause"] == "payer_changed" and published[new.id]["closed_on"] is None
    assert (published[new.id]["household_id"], published[new.id]["balance_due"]) == ("h-new", "0.00")
    assert published[new.id]["version"] > old_version

    # staff's arrears ledger: the debt under the old owner's name, nothing under the new one's
    ledger = arrears_reports.arrears_ledger(work(session, clock, FINANCE), "p1")
    assert [(r["account_id"], r["payer_name"], r["overdue"]) for r in ledger["rows"]] == [
        (old_id, "张伟", Decimal("345.00"))]
    # the case goes on against the old owner, and its log says the unit changed hands
    case = session.scalar(select(DunningCase).where(DunningCase.status == "open"))
    assert (case.account_id, case.household_id) == (old_id, "h-u1")
    logged = session.scalars(select(DunningLogEntry.kind).where(DunningLogEntry.case_id == case.id)).all()
    assert logged.count("account_closed") == 1
    for day in range(25, 31):                            # its next notice falls due
        at(clock, date(2026, 11, day), 8)
        w = as_(PLATFORM)
        dunning.sweep(w, w.session.get(Project, "p1"))
        session.commit()
    notices = [e["data"] for e in outbox_events(session, Base) if e["type"] == "dunning.notice_due"]
    assert notices and {(n["account_id"], n["household_id"]) for n in notices} == {(old_id, "h-u1")}

    # the concierge's "all fees settled?" (放行): the new household owes nothing; the old owner's
    # debt is named beside it
    from services.billing.domain import queries
    asked = queries.has_arrears(work(session, clock, FINANCE), "u1")
    assert (asked["has_arrears"], asked["overdue"]) == (False, Decimal("0.00"))
    assert [(p["account_id"], p["payer_name"], p["overdue"]) for p in asked["previous"]] == [
        (old_id, "张伟", Decimal("345.00"))]

    # December's bill run bills the new household only; the closed account takes no new charges
    at(clock, date(2026, 12, 1))
    w = as_(PLATFORM)
    billrun.bill_chunk(w, w.session.get(Project, "p1"), "2026-12")
    session.commit()
    december = session.scalars(select(Bill.account_id).where(Bill.source_id == "2026-12")).all()
    assert new.id in december and old_id not in december
    # a payment at the desk for the unit is the new household's: the old debt is untouched
    journal.receive(work(session, clock, FINANCE), new, amount=Decimal("50.00"), book="cash",
                    occurred_on=date(2026, 12, 2), description="物业费", ref_type="payment", ref_id="pay-new")
    session.commit()
    assert accounts.account_view(session, closed)["balance_due"] == Decimal("345.00")


def test_a_unit_without_history_keeps_its_account(session, clock, estate, as_):
    """Nothing posted yet: the new household simply becomes the payer (no closed account)."""
    first = accounts.find_account(session, "u1")
    at(clock, date(2026, 11, 24))
    for snapshot in (OLD_LEAVES, NEW_ARRIVES):
        copies.apply_household(as_(PLATFORM), snapshot)
    assert accounts.find_account(session, "u1").id == first.id
    assert session.scalar(select(FeeAccount).where(FeeAccount.closed_on.is_not(None))) is None


def test_the_new_account_starts_its_meters_where_the_old_one_ended(session, clock, estate, as_):
    old = _owing(session, clock, as_)
    session.add(MeterReading(id="r1", group_id=G, project_id="p1", account_id=old.id, item_code="water",
                             period="2026-10", previous=Decimal("100.00"), reading=Decimal("130.00"),
                             quantity=Decimal("30.00"), read_on=date(2026, 10, 31), kind="regular", source="entered",
                             recorded_by="meter-1", recorded_at=clock.now()))
    session.commit()
    at(clock, date(2026, 11, 24))
    for snapshot in (NEW_ARRIVES, OLD_LEAVES):
        copies.apply_household(as_(PLATFORM), snapshot)
    new = accounts.find_account(session, "u1")
    start = session.scalar(select(MeterReading).where(MeterReading.account_id == new.id))
    assert (start.kind, start.period, start.previous, start.reading, start.quantity) == (
        "initial", "2026-10", Decimal("130.00"), Decimal("130.00"), Decimal("0.00"))


def test_the_desk_takes_the_old_owner_s_payment_on_their_account(session, clock, estate, as_):
    """张伟 comes to pay his 345.00 after the transfer: the desk names his closed account (from the
    arrears ledger); the unit's new account is untouched, his case closes. A resident of the unit
    today cannot address his account; another unit's id is refused."""
    from kernel.testing import resident

    from services.billing.exceptions import AccountNotFound

    from .support import DESK, service_as
    old = _owing(session, clock, as_)
    at(clock, date(2026, 11, 24))
    for snapshot in (NEW_ARRIVES, OLD_LEAVES):
        copies.apply_household(as_(PLATFORM), snapshot)
    session.commit()
    new = accounts.find_account(session, "u1")
    at(clock, date(2026, 11, 26), 10)
    paid = service_as(session, clock, DESK).record_payment(
        "u1", {"method": "cash", "amount": "345.00", "payer_name": "张伟", "account_id": old.id})
    session.commit()
    assert paid["account_id"] == old.id and paid["account"]["closed_on"] == "2026-11-24"
    assert paid["account"]["balance_due"] == "0.00"
    assert accounts.account_view(session, new)["entry_count"] == 0
    case = session.scalar(select(DunningCase).where(DunningCase.account_id == old.id))
    assert case.status == "closed"
    for caller, unit_id in ((resident(G, ["u1"]), "u1"), (DESK, "u2")):
        with pytest.raises(AccountNotFound):
            accounts.get_account(work(session, clock, caller), unit_id, old.id)
