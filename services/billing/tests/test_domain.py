"""billing's rules, without a broker."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound, RetryableError
from kernel.tenancy import Caller
from kernel.testing import domain_session, outbox_events, resident, staff
from services.billing import schemas
from services.billing.domain import accounts, copies, journal, ledger
from services.billing.exceptions import AccountNotFound, AsOfInFuture, OpeningBalanceExists
from services.billing.models import Base, FeeAccount, LedgerEntry, OutboxMessage, Project

G = "group-1"
PLATFORM = Caller.system(G, "billing")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


from . import support  # noqa: E402
from .support import work  # noqa: E402  (billing's settings catalogue)


def unit_snapshot(unit_id="u1", version=1, area="89.37", label="1栋-0101", project_id="p1", group_id=G):
    """unit.changed as archive publishes it (fields billing ignores included)."""
    return schemas.UnitChangedIn().load({
        "unit_id": unit_id, "group_id": group_id, "project_id": project_id, "building_id": "b1",
        "building_name": "1栋", "number": label.split("-")[-1], "label": label, "floor": 1,
        "building_area": area, "usage": "residential", "version": version})


def household_snapshot(household_id="h1", unit_id="u1", version=1, status="active", people=None,
                       moved_in_on="2026-03-01"):
    return schemas.HouseholdChangedIn().load({
        "household_id": household_id, "group_id": G, "project_id": "p1", "unit_id": unit_id,
        "status": status, "moved_in_on": moved_in_on,
        "moved_out_on": "2026-11-01" if status == "moved_out" else None,
        "people": people if people is not None else [
            {"person_id": "pe2", "name": "李娜", "role": "family", "phone": None, "email": None,
             "locale": "zh-CN"},
            {"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
             "email": None, "locale": "zh-CN"}],
        "version": version})


def opening(unit_id="u1", amount="120.50", as_of="2026-10-31", note=""):
    return schemas.OpeningBalanceIn().load({"unit_id": unit_id, "amount": amount, "as_of": as_of,
                                            "note": note})


@pytest.fixture
def estate(session, clock):
    """Project p1 with units u1 (occupied by 张伟's household) and u2 (vacant), and
    project p2 with unit u9 -- all built from archive's snapshots."""
    w = work(session, clock, PLATFORM)
    copies.apply_project(w, schemas.ProjectChangedIn().load({
        "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
        "timezone": "Asia/Shanghai", "version": 1}))
    accounts.apply_unit(w, unit_snapshot())
    accounts.apply_unit(w, unit_snapshot("u2", label="1栋-0102", area="120.00"))
    accounts.apply_unit(w, unit_snapshot("u9", label="9栋-0101", project_id="p2"))
    copies.apply_household(w, household_snapshot())
    # the estate is the background: its own events (the move-in's payer_changed) are not the tests'
    session.query(OutboxMessage).delete()
    session.commit()
    return w


def test_a_household_moving_in_gets_the_accounts_balance(session, clock):
    w = work(session, clock, PLATFORM)
    copies.apply_project(w, schemas.ProjectChangedIn().load({
        "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
        "timezone": "Asia/Shanghai", "version": 1}))
    accounts.apply_unit(w, unit_snapshot())
    assert outbox_events(session, Base) == []
    copies.apply_household(w, household_snapshot())
    [event] = outbox_events(session, Base)
    assert event["type"] == "account.balance_changed"
    assert {k: event["data"][k] for k in ("unit_id", "household_id", "balance_due", "cause", "entry_id")} == {
        "unit_id": "u1", "household_id": "h1", "balance_due": "0.00", "cause": "payer_changed",
        "entry_id": None}
    copies.apply_household(w, household_snapshot())        # the same household again: no news
    assert len(outbox_events(session, Base)) == 1


def account_of(session, unit_id):
    return accounts.find_account(session, unit_id)


def view(session, clock, unit_id="u1", caller=PLATFORM):
    w = work(session, clock, caller)
    return accounts.account_view(session, accounts.get_account(w, unit_id))


# -- accounts from archive's snapshots -----------------------------------------

def test_unit_snapshot_opens_an_account_with_nothing_posted(session, clock, estate):
    account = account_of(session, "u1")
    assert account.building_area == Decimal("89.37")
    assert account.unit_label == "1栋-0101" and account.unit_version == 1
    assert (account.group_id, account.project_id) == (G, "p1")
    assert account.opened_at == clock.now()
    v = view(session, clock)
    assert v["balance_due"] == Decimal("0.00") and v["opening_balance"] == Decimal("0.00")
    assert v["entry_count"] == 0 and v["last_posted_at"] is None
    assert session.query(LedgerEntry).count() == 0
    assert outbox_events(session, Base) == []           # opening an account is not a balance change


def test_newer_unit_snapshot_updates_and_stale_ones_are_ignored(session, clock, estate):
    w = work(session, clock, PLATFORM)
    account_id = account_of(session, "u1").id
    _, outcome = accounts.apply_unit(w, unit_snapshot(version=3, area="90.12", label="1栋-0101A"))
    assert outcome == "updated"
    for stale in (unit_snapshot(version=2, area="50.00", label="old"), unit_snapshot(version=3, area="1")):
        assert accounts.apply_unit(w, stale)[1] == "stale"
    account = account_of(session, "u1")
    assert (account.id, account.building_area, account.unit_label, account.unit_version) == (
        account_id, Decimal("90.12"), "1栋-0101A", 3)
    assert session.query(FeeAccount).count() == 3        # no second account for the unit


def test_project_copy_keeps_the_newest_version(session, clock, estate):
    w = work(session, clock, PLATFORM)
    base = {"project_id": "p1", "group_id": G, "code": "LH", "kind": "residential", "version": 3,
            "name": "绿湖花园二期", "timezone": "Asia/Urumqi"}
    assert copies.apply_project(w, schemas.ProjectChangedIn().load(base))[1] is True
    assert copies.apply_project(w, schemas.ProjectChangedIn().load(
        dict(base, version=2, name="stale", timezone="Asia/Shanghai")))[1] is False
    project = session.get(Project, "p1")
    assert (project.name, project.timezone, project.version) == ("绿湖花园二期", "Asia/Urumqi", 3)


def test_payer_is_the_first_owner_else_the_first_tenant(session, clock, estate):
    account = account_of(session, "u1")
    assert (account.household_id, account.payer_name, account.household_version) == ("h1", "张伟", 1)
    w = work(session, clock, PLATFORM)
    copies.apply_household(w, household_snapshot("h2", unit_id="u2", people=[
        {"person_id": "x1", "name": "赵六", "role": "emergency_contact", "locale": "zh-CN"},
        {"person_id": "x2", "name": "王五", "role": "tenant", "locale": "en"},
        {"person_id": "x3", "name": "钱七", "role": "tenant", "locale": "en"}]))
    assert account_of(session, "u2").payer_name == "王五"


def test_move_out_clears_the_payer_and_stale_snapshots_cannot_restore_it(session, clock, estate):
    w = work(session, clock, PLATFORM)
    copies.apply_household(w, household_snapshot(version=3, status="moved_out"))
    account = account_of(session, "u1")
    assert (account.household_id, account.payer_name) == (None, None)
    # a late copy of the household while it still lived there changes nothing
    assert copies.apply_household(w, household_snapshot(version=2))[1] is False
    assert account_of(session, "u1").household_id is None


def test_new_household_pays_even_if_the_old_ones_move_out_arrives_late(session, clock, estate):
    w = work(session, clock, PLATFORM)
    copies.apply_household(w, household_snapshot("h2", version=1, moved_in_on="2026-11-20", people=[
        {"person_id": "n1", "name": "孙八", "role": "owner", "locale": "zh-CN"}]))
    assert account_of(session, "u1").payer_name == "孙八"        # latest move-in pays
    copies.apply_household(w, household_snapshot("h1", version=2, status="moved_out"))
    account = account_of(session, "u1")
    assert (account.household_id, account.payer_name, account.household_version) == ("h2", "孙八", 1)


def test_household_of_an_unknown_unit_is_retried_not_dropped(session, clock, estate):
    w = work(session, clock, PLATFORM)
    with pytest.raises(RetryableError):
        copies.apply_household(w, household_snapshot("h7", unit_id="u-later"))
    accounts.apply_unit(w, unit_snapshot("u-later", label="2栋-0101"))
    copies.apply_household(w, household_snapshot("h7", unit_id="u-later"))   # the retry
    assert account_of(session, "u-later").payer_name == "张伟"


def test_only_the_platform_applies_registry_snapshots(session, clock, estate):
    with pytest.raises(Forbidden):
        accounts.apply_unit(work(session, clock, staff(G, ["p1"], roles=["group_admin"])),
                            unit_snapshot(version=9, area="1.00"))
    assert account_of(session, "u1").building_area == Decimal("89.37")


def test_consumer_schemas_ignore_fields_billing_does_not_read(session):
    data = unit_snapshot()
    assert set(data) == {"unit_id", "group_id", "project_id", "label", "building_area", "usage", "version"}
    assert isinstance(data["building_area"], Decimal)


# -- opening balance -----------------------------------------------------------

def test_opening_balance_posts_once_and_sums_into_the_balance(session, clock, estate):
    w = work(session, clock, FINANCE)
    result = ledger.record_opening_balance(w, opening(amount="120.50", note="旧系统结转"))
    assert result["opening_balance"] == Decimal("120.50") and result["balance_due"] == Decimal("120.50")
    assert result["entry_count"] == 1 and result["last_posted_at"] == clock.now()
    entry = session.query(LedgerEntry).one()
    assert (entry.kind, entry.amount, entry.occurred_on, entry.posted_by, entry.line_no) == (
        "opening_balance", Decimal("120.50"), date(2026, 10, 31), "fin-1", 1)
    assert entry.description == "期初余额 旧系统结转"
    assert (entry.group_id, entry.project_id) == (G, "p1")
    with pytest.raises(OpeningBalanceExists) as exc:
        ledger.record_opening_balance(work(session, clock, Caller.system(G)), opening(amount="-5.00"))
    assert exc.value.code == "opening_balance_exists"
    assert session.query(LedgerEntry).count() == 1


def test_negative_opening_balance_is_prepaid_credit(session, clock, estate):
    result = ledger.record_opening_balance(work(session, clock, FINANCE), opening(amount="-345.60"))
    assert result["balance_due"] == Decimal("-345.60")


def test_an_opening_balance_of_zero_is_recorded_without_postings_and_only_once(session, clock, estate):
    result = ledger.record_opening_balance(work(session, clock, FINANCE), opening(amount="0.00"))
    assert (result["balance_due"], result["entry_count"]) == (Decimal("0.00"), 1)
    entry = session.query(LedgerEntry).one()
    assert (entry.kind, entry.amount) == ("opening_balance", Decimal("0.00"))
    assert journal.postings_of(session, entry.id) == []
    with pytest.raises(OpeningBalanceExists):
        ledger.record_opening_balance(work(session, clock, FINANCE), opening(amount="10.00"))


def test_event_is_recorded_with_string_amounts(session, clock, estate):
    ledger.record_opening_balance(work(session, clock, FINANCE), opening(amount="-345.6"))
    [event] = outbox_events(session, Base)
    entry = session.query(LedgerEntry).one()
    assert event["type"] == "account.balance_changed" and event["source"] == "billing"
    assert (event["group_id"], event["project_id"]) == (G, "p1")
    assert event["actor"]["user_id"] == "fin-1"
    expected = {
        "account_id": account_of(session, "u1").id, "unit_id": "u1", "project_id": "p1",
        "household_id": "h1", "balance_due": "-345.60", "cause": "opening_balance",
        "entry_id": entry.id, "as_of": clock.now().isoformat()}
    assert {k: event["data"][k] for k in expected} == expected
    # state-carrying: the whole account and its version (read models keep the newest)
    assert (event["data"]["group_id"], event["data"]["opening_balance"], event["data"]["entry_count"],
            event["data"]["currency"]) == (G, "-345.60", 1, "CNY")
    assert event["data"]["version"] == account_of(session, "u1").version >= 1


def post(w, account, *, kind, amount, description, occurred_on, other="income:management"):
    """One journal entry changing the balance by ``amount`` (receivable against ``other``)."""
    amount = Decimal(amount)
    return journal.post(w, account, kind=kind, lines=[("receivable", amount), (other, -amount)],
                        description=description, occurred_on=occurred_on)


def test_every_published_change_of_an_account_grows_its_version(session, clock, estate):
    w = work(session, clock, FINANCE)
    account = account_of(session, "u1")
    before = account.version
    post(w, account, kind="charge", amount="1.00", description="", occurred_on=date(2026, 11, 1))
    post(w, account, kind="charge", amount="2.00", description="", occurred_on=date(2026, 11, 1))
    versions = [e["data"]["version"] for e in outbox_events(session, Base)
                if e["type"] == "account.balance_changed"]
    assert versions[-2:] == [before + 1, before + 2]
    assert [e["data"]["balance_due"] for e in outbox_events(session, Base)][-1] == "3.00"


def test_signed_sums_are_exact_to_the_fen(session, clock, estate):
    w = work(session, clock, FINANCE)
    account = account_of(session, "u1")
    for _ in range(10):                                  # 10 x 0.1 is 1.00, not 0.9999999
        post(w, account, kind="charge", amount=Decimal("0.10"), description="水费",
                          occurred_on=date(2026, 11, 1))
    post(w, account, kind="charge", amount="0.20", description="", occurred_on=date(2026, 11, 1))
    assert journal.balances(session, account.id)["balance_due"] == Decimal("1.20")
    post(w, account, kind="payment", amount="-1.30", description="微信支付",
                      occurred_on=date(2026, 11, 2))
    v = view(session, clock)
    assert v["balance_due"] == Decimal("-0.10") and str(v["balance_due"]) == "-0.10"
    assert v["entry_count"] == 12
    events = outbox_events(session, Base)
    assert [e["data"]["balance_due"] for e in events][-3:] == ["1.00", "1.20", "-0.10"]
    assert events[-1]["data"]["cause"] == "payment"


def test_sums_are_exact_on_both_databases(db_url, clock):
    """SQLite keeps fen as integers, PostgreSQL NUMERIC(14, 2); both sum exactly."""
    with domain_session(Base, db_url) as session:
        w = work(session, clock, PLATFORM)
        accounts.apply_unit(w, unit_snapshot(area="0.30"))
        account = account_of(session, "u1")
        for amount in ["0.10", "0.20", "999999999.99", "-999999999.99", "-0.01"]:
            post(w, account, kind="adjustment", amount=amount, description="",
                              occurred_on=date(2026, 11, 24))
        session.commit()
        assert journal.balances(session, account.id)["balance_due"] == Decimal("0.29")
        assert account_of(session, "u1").building_area == Decimal("0.30")


@pytest.mark.parametrize("given, stored", [
    ("0.125", "0.13"), ("0.135", "0.14"), ("-0.125", "-0.13"), ("100", "100.00"), ("0.1", "0.10")])
def test_amounts_are_rounded_half_up_to_the_fen(session, clock, estate, given, stored):
    result = ledger.record_opening_balance(work(session, clock, FINANCE), opening(amount=given))
    assert str(result["balance_due"]) == stored
    assert schemas.AccountOut().dump(dict(result, id="x"))["balance_due"] == stored


@pytest.mark.parametrize("bad", [0.1, "abc", "NaN", "1e12", None, True, "10000000.01", "-10000000.01"])
def test_bad_amounts_are_refused_before_anything_is_written(session, bad):
    with pytest.raises(ValidationError):
        opening(amount=bad)


def test_opening_balance_cannot_be_dated_in_the_future(session, clock, estate):
    # 2026-11-24 09:00 in Shanghai is still the 24th; the 25th is tomorrow
    w = work(session, clock, FINANCE)
    with pytest.raises(AsOfInFuture):
        ledger.record_opening_balance(w, opening(as_of="2026-11-25"))
    assert ledger.record_opening_balance(w, opening(as_of="2026-11-24"))["entry_count"] == 1


def test_future_is_judged_on_the_project_s_local_date(session, clock, estate):
    # 2026-11-24 20:00 UTC is already the 25th in Shanghai
    clock.set("2026-11-24T20:00:00+00:00")
    w = work(session, clock, FINANCE)
    assert ledger.record_opening_balance(w, opening(as_of="2026-11-25"))["entry_count"] == 1


# -- who may see and write -----------------------------------------------------

def test_residents_see_only_their_own_units(session, clock, estate):
    me = resident(G, ["u1"])
    assert view(session, clock, "u1", me)["unit_id"] == "u1"
    for unit_id in ("u2", "no-such-unit"):
        with pytest.raises(NotFound) as exc:
            accounts.get_account(work(session, clock, me), unit_id)
        # someone else's unit looks exactly like a unit that does not exist
        assert exc.value.code == "account_not_found"
    with pytest.raises(NotFound):
        accounts.get_account(work(session, clock, resident("group-2", ["u1"])), "u1")
    with pytest.raises(NotFound):
        ledger.list_entries(work(session, clock, me), "u2")


def test_staff_see_only_their_projects(session, clock, estate):
    desk = staff(G, ["p1"], roles=["front_desk"])
    assert view(session, clock, "u2", desk)["unit_label"] == "1栋-0102"
    with pytest.raises(Forbidden):
        accounts.get_account(work(session, clock, desk), "u9")            # project p2
    with pytest.raises(NotFound) as exc:      # another group's accounts do not exist for them
        accounts.get_account(work(session, clock, staff("group-2", ["p1"])), "u1")
    assert exc.value.code == "account_not_found"
    gm = staff(G, roles=["general_manager"], all_projects=True)
    assert view(session, clock, "u9", gm)["project_id"] == "p2"
    with pytest.raises(AccountNotFound):
        accounts.get_account(work(session, clock, desk), "no-such-unit")


@pytest.mark.parametrize("caller", [
    staff(G, ["p1"], roles=["front_desk"]), staff(G, ["p1"], roles=["cs_manager", "steward"]),
    resident(G, ["u1"])])
def test_opening_balance_needs_a_finance_role(session, clock, estate, caller):
    with pytest.raises(Forbidden) as exc:
        ledger.record_opening_balance(work(session, clock, caller), opening())
    assert exc.value.code == "role_required"
    assert session.query(LedgerEntry).count() == 0 and outbox_events(session, Base) == []


def test_finance_of_another_project_cannot_post(session, clock, estate):
    with pytest.raises(Forbidden):
        ledger.record_opening_balance(work(session, clock, staff(G, ["p2"], roles=["finance"])),
                                      opening())
    with pytest.raises(NotFound):
        ledger.record_opening_balance(work(session, clock, FINANCE), opening(unit_id="nope"))
    assert session.query(LedgerEntry).count() == 0


@pytest.mark.parametrize("role", ["finance", "centre_manager", "group_admin"])
def test_finance_roles_may_record_the_opening_balance(session, clock, estate, role):
    caller = staff(G, ["p1"], roles=[role], user_id=f"{role}-1")
    assert ledger.record_opening_balance(work(session, clock, caller), opening())["entry_count"] == 1


def test_entries_are_listed_newest_first_and_paged(session, clock, estate):
    w = work(session, clock, FINANCE)
    ledger.record_opening_balance(w, opening(amount="10.00"))
    account = account_of(session, "u1")
    for i, amount in enumerate(["1.00", "2.00", "3.00"]):
        clock.advance(timedelta(hours=1))
        post(w, account, kind="charge", amount=amount, description=f"#{i}",
                          occurred_on=date(2026, 11, 24))
    me = work(session, clock, resident(G, ["u1"]))
    assert [e.amount for e in ledger.list_entries(me, "u1")] == [
        Decimal("3.00"), Decimal("2.00"), Decimal("1.00"), Decimal("10.00")]
    assert [e.description for e in ledger.list_entries(me, "u1", limit=2, offset=1)] == ["#1", "#0"]
    dumped = schemas.EntryOut(many=True).dump(ledger.list_entries(me, "u1", limit=1))
    assert dumped == [{"id": dumped[0]["id"], "kind": "charge", "amount": "3.00", "description": "#2",
                       "occurred_on": "2026-11-24", "posted_at": clock.now().isoformat(),
                       "posted_by": "fin-1"}]


def test_entries_posted_in_the_same_instant_keep_their_order(session, clock, estate):
    w = work(session, clock, FINANCE)
    account = account_of(session, "u1")
    for i in range(5):
        post(w, account, kind="charge", amount="1", description=str(i),
                          occurred_on=date(2026, 11, 24))
    assert [e.description for e in ledger.list_entries(w, "u1")] == ["4", "3", "2", "1", "0"]


@pytest.mark.parametrize("query", [
    {"unit_id": "u1", "limit": 0}, {"unit_id": "u1", "limit": 10000}, {"unit_id": "u1", "offset": -1},
    {"unit_id": ""}, {"unit_id": "u1", "limit": "many"}])
def test_bad_paging_is_refused(query):
    with pytest.raises(ValidationError):
        schemas.EntriesQuery().load(query)


def test_a_wrong_bill_the_credit_paid_is_reversed_and_the_credit_goes_to_the_next_bill(session, clock, estate):
    """Credit 300.00; two bills of 102.78 issued (both settled by it); the first was wrong: reversing
    its charge gives its 102.78 back to credit, which the other open bills take again -- nothing else
    to do (a payment made on a bill itself is still refused: void its receipt)."""
    w = work(session, clock, FINANCE)
    account = account_of(session, "u1")
    ledger.record_opening_balance(w, opening(amount="-300.00"))
    wrong, right = (support.issue(w, account, "102.78", issued_on=date(2026, 11, d), due_on=date(2026, 11, 15),
                                  source_id=f"m{d}") for d in (1, 2))
    assert journal.balances(session, account.id)["credit"] == Decimal("94.44")
    journal.reverse(w, wrong.entry_id, reason="开错了 wrong area", occurred_on=date(2026, 11, 3))
    session.refresh(wrong), session.refresh(right)
    assert (wrong.settled_at is not None, right.settled_at is not None) == (True, True)
    assert journal.balances(session, account.id) == {"receivable": Decimal("0.00"), "credit": Decimal("197.22"),
                                                      "deposits_held": Decimal("0.00"),
                                                      "balance_due": Decimal("-197.22")}
    paid = support.issue(w, account, "500.00", issued_on=date(2026, 11, 4), due_on=date(2026, 11, 15), source_id="m4")
    journal.receive(w, account, amount=Decimal("302.78"), book="cash", occurred_on=date(2026, 11, 4),
                    description="收款", ref_type="payment", ref_id="p1")
    with pytest.raises(journal.BillHasPayments):
        journal.reverse(w, paid.entry_id, reason="x", occurred_on=date(2026, 11, 5))
