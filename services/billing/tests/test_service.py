"""billing in a real nameko container on the real broker, migrated with Alembic."""
import eventlet
import pytest
from kombu import Connection
from nameko.exceptions import RemoteError
from sqlalchemy import text

from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.dlq import list_dead_letters
from kernel.errors import parse_remote_error
from kernel.tenancy import Caller
from kernel.testing import (signed_context, migrated_sqlite, publish_event, resident,
                            service_config, staff, temporary_pg_database, wait_for)
from services.billing.service import BillingService

MIGRATIONS = migrations_dir("billing")
G = "group-1"
SYSTEM = Caller.system(G, "test")
FINANCE = staff(G, ["p1"], roles=["finance"], user_id="fin-1")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """billing's database migrated with Alembic: SQLite, and the real PostgreSQL."""
    if request.param == "sqlite":
        yield migrated_sqlite(tmp_path, "billing")
        return
    with temporary_pg_database() as url:
        upgrade(MIGRATIONS, url)
        yield url


@pytest.fixture
def amqp_uri(rabbit_config):
    return rabbit_config["AMQP_URI"]


@pytest.fixture
def billing(container_factory, amqp_uri, db_url):
    # retries slow enough that a test can see the first attempt was refused
    container = container_factory(BillingService, service_config(
        amqp_uri, db_url, EVENT_RETRY_DELAYS=[1.0, 1.0, 2.0, 4.0]))
    container.start()
    return container



@pytest.fixture
def capture(capture_events):
    return capture_events("billing")


def rows(db_url, sql, **params):
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings().all()]
    finally:
        engine.dispose()


def unit(unit_id="u1", version=1, area="89.37", label="1栋-0101"):
    return {"unit_id": unit_id, "group_id": G, "project_id": "p1", "building_id": "b1",
            "building_name": "1栋", "number": label.split("-")[-1], "label": label, "floor": 1,
            "building_area": area, "usage": "residential", "version": version}


def household(household_id="h1", unit_id="u1", version=1, owner="张伟"):
    return {"household_id": household_id, "group_id": G, "project_id": "p1", "unit_id": unit_id,
            "status": "active", "moved_in_on": "2026-03-01", "moved_out_on": None,
            "people": [{"person_id": "pe1", "name": owner, "role": "owner", "phone": "13812345678",
                        "email": None, "locale": "zh-CN"}],
            "version": version}


def publish(amqp_uri, event_type, data, **kwargs):
    return publish_event(amqp_uri, "archive", event_type, data, group_id=G, project_id="p1", **kwargs)


def account_when(rpc, unit_id, predicate=lambda a: True, ctx=SYSTEM, timeout=10):
    """Poll get_account until the account exists and satisfies ``predicate``."""
    def probe():
        try:
            account = rpc.call(ctx, "billing", "get_account", unit_id)
        except RemoteError as exc:
            if exc.exc_type == "AccountNotFound":
                return None
            raise
        return account if predicate(account) else None
    return wait_for(probe, timeout=timeout, message=f"account of {unit_id}")


def remote_error(call):
    with pytest.raises(RemoteError) as exc:
        call()
    return parse_remote_error(exc.value.exc_type, exc.value.value)[:2]


def seed(amqp_uri, rpc):
    publish(amqp_uri, "project.changed", {"project_id": "p1", "group_id": G, "code": "LH",
                                          "name": "绿湖花园", "kind": "residential",
                                          "timezone": "Asia/Shanghai", "version": 1})
    publish(amqp_uri, "unit.changed", unit())
    account_when(rpc, "u1")
    publish(amqp_uri, "household.changed", household())
    return account_when(rpc, "u1", lambda a: a["payer_name"] == "张伟")


def test_health(billing, rpc):
    assert rpc.call({}, "billing", "health") == {"service": "billing", "status": "ok"}


def test_archive_events_open_the_account(billing, rpc, amqp_uri):
    account = seed(amqp_uri, rpc)
    assert account == {
        "account_id": account["account_id"], "unit_id": "u1", "group_id": G, "project_id": "p1",
        "unit_label": "1栋-0101", "building_area": "89.37", "household_id": "h1",
        "payer_name": "张伟", "currency": "CNY", "opening_balance": "0.00", "balance_due": "0.00",
        "entry_count": 0, "last_posted_at": None, "version": 1,     # 1: the payer_changed event
        # the arrears summary (queries): nothing owed, no credit, no deposit, no bill
        "usage": "residential", "receivable": "0.00", "credit": "0.00", "deposits_held": "0.00",
        "open_bills": 0, "oldest_due_on": None,
        # no dunning case (classes, issue 9)
        "dunning_stage": None, "arrears_class": None, "dunning_paused": False, "late_fee_accrued": "0.00",
        "as_of": account["as_of"]}                                  # when the payer_changed was stated
    assert account["as_of"] is not None
    assert rpc.call(SYSTEM, "billing", "list_entries", "u1") == []
    assert rows(billing.config["DB_URL"], "SELECT name, timezone FROM projects") == [
        {"name": "绿湖花园", "timezone": "Asia/Shanghai"}]


def test_opening_balance_over_rpc_publishes_the_balance(billing, rpc, amqp_uri, capture):
    seed(amqp_uri, rpc)
    account = rpc.call(FINANCE, "billing", "record_opening_balance", "u1", "-120.505", "2026-10-31",
                       note="旧系统结转")
    assert (account["opening_balance"], account["balance_due"], account["entry_count"]) == (
        "-120.51", "-120.51", 1)                         # half-up, away from zero
    moved_in, event = capture.wait_for("account.balance_changed", count=2)
    assert (moved_in["data"]["cause"], moved_in["data"]["balance_due"]) == ("payer_changed", "0.00")
    [entry] = rpc.call(resident(G, ["u1"]), "billing", "list_entries", "u1")
    expected = {
        "account_id": account["account_id"], "unit_id": "u1", "project_id": "p1",
        "household_id": "h1", "balance_due": "-120.51", "cause": "opening_balance",
        "entry_id": entry["id"], "as_of": account["last_posted_at"]}
    assert {k: event["data"][k] for k in expected} == expected
    # the whole account travels with its version, the reply carries the same version
    assert (moved_in["data"]["version"], event["data"]["version"], account["version"]) == (1, 2, 2)
    assert {k: event["data"][k] for k in ("unit_label", "payer_name", "opening_balance",
                                          "entry_count")} == {
        "unit_label": "1栋-0101", "payer_name": "张伟", "opening_balance": "-120.51", "entry_count": 1}
    assert (event["group_id"], event["project_id"]) == (G, "p1")
    assert (entry["kind"], entry["amount"], entry["occurred_on"], entry["posted_by"]) == (
        "opening_balance", "-120.51", "2026-10-31", "fin-1")
    # once only -- a second try is a typed conflict, and nothing more is posted or published
    assert remote_error(lambda: rpc.call(FINANCE, "billing", "record_opening_balance", "u1",
                                         "5.00", "2026-10-31")) == ("Conflict", "opening_balance_exists")
    assert rpc.call(FINANCE, "billing", "get_account", "u1")["entry_count"] == 1
    # the move-in's payer_changed and the opening balance
    assert rows(billing.config["DB_URL"], "SELECT count(*) AS n FROM outbox") == [{"n": 2}]


def test_two_clerks_at_once_post_one_opening_balance(billing, rpc, amqp_uri, db_url):
    seed(amqp_uri, rpc)

    def post(amount):
        try:
            return rpc.call(FINANCE, "billing", "record_opening_balance", "u1", amount, "2026-10-31")
        except RemoteError as exc:
            return parse_remote_error(exc.exc_type, exc.value)[:2]

    results = [t.wait() for t in [eventlet.spawn(post, a) for a in ("10.00", "20.00")]]
    done = [r for r in results if isinstance(r, dict)]
    assert len(done) == 1 and [r for r in results if not isinstance(r, dict)] == [
        ("Conflict", "opening_balance_exists")]
    assert rows(db_url, "SELECT count(*) AS n FROM ledger_entries") == [{"n": 1}]
    assert rpc.call(FINANCE, "billing", "get_account", "u1")["balance_due"] == done[0]["balance_due"]


def test_the_service_checks_the_caller_and_the_input(billing, rpc, amqp_uri):
    seed(amqp_uri, rpc)
    call = lambda ctx, method, *args: lambda: rpc.call(ctx, "billing", method, *args)  # noqa: E731
    assert remote_error(call({}, "get_account", "u1"))[0] == "Unauthenticated"
    forged = dict(signed_context(resident(G, ["u1"]), "billing", "get_account"), caller_sig="0" * 64)
    assert remote_error(call(forged, "get_account", "u1"))[0] == "Unauthenticated"
    neighbour = resident(G, ["u2"])
    assert remote_error(call(neighbour, "get_account", "u1")) == ("NotFound", "account_not_found")
    assert remote_error(call(neighbour, "list_entries", "u1")) == ("NotFound", "account_not_found")
    other_site = staff(G, ["p2"], roles=["finance"])
    assert remote_error(call(other_site, "get_account", "u1"))[0] == "Forbidden"
    desk = staff(G, ["p1"], roles=["front_desk"])
    assert rpc.call(desk, "billing", "get_account", "u1")["unit_id"] == "u1"
    assert remote_error(call(desk, "record_opening_balance", "u1", "10.00", "2026-10-31")) == (
        "Forbidden", "role_required")
    assert remote_error(call(FINANCE, "record_opening_balance", "u1", 10.5, "2026-10-31")) == (
        "InvalidInput", "invalid_input")                 # float on the wire: refused
    assert remote_error(call(FINANCE, "record_opening_balance", "u1", "10.00", "31/10/2026"))[0] == \
        "InvalidInput"
    assert remote_error(call(FINANCE, "record_opening_balance", "u1", "10.00", "2099-01-01")) == (
        "RuleViolation", "as_of_in_future")
    assert remote_error(call(FINANCE, "list_entries", "u1", 0))[0] == "InvalidInput"
    assert remote_error(call(FINANCE, "get_account", "nope")) == ("NotFound", "account_not_found")
    assert rpc.call(FINANCE, "billing", "get_account", "u1")["entry_count"] == 0   # nothing half-written


def test_a_redelivered_event_is_applied_once(billing, rpc, amqp_uri, db_url):
    seed(amqp_uri, rpc)
    first = publish(amqp_uri, "unit.changed", unit(version=2, area="90.00"))
    account_when(rpc, "u1", lambda a: a["building_area"] == "90.00")
    # the same event id again -- even with a newer payload -- is skipped by the inbox
    publish(amqp_uri, "unit.changed", unit(version=3, area="200.00"), event_id=first.id)
    publish(amqp_uri, "unit.changed", unit("u2", label="1栋-0102"))      # a marker behind it
    account_when(rpc, "u2")
    assert rpc.call(SYSTEM, "billing", "get_account", "u1")["building_area"] == "90.00"
    assert rows(db_url, "SELECT count(*) AS n FROM inbox WHERE event_id = :id", id=first.id) == [{"n": 1}]


def test_household_before_its_unit_is_applied_after_a_retry(billing, rpc, amqp_uri):
    publish(amqp_uri, "household.changed", household("h5", "u5", owner="孙八"))
    # the first attempt found no account and scheduled a retry
    retry_queue = "evt-archive-household.changed--billing.on_household_changed--retry-1000"
    with Connection(amqp_uri) as conn:
        wait_for(lambda: _queue_exists(conn, retry_queue), message="a scheduled retry")
    assert remote_error(lambda: rpc.call(SYSTEM, "billing", "get_account", "u5"))[1] == "account_not_found"
    publish(amqp_uri, "unit.changed", unit("u5", label="5栋-0101"))
    account = account_when(rpc, "u5", lambda a: a["payer_name"] == "孙八", timeout=15)
    assert account["household_id"] == "h5"
    assert list_dead_letters(amqp_uri, "billing") == []


def _queue_exists(conn, name):
    try:
        conn.default_channel.queue_declare(queue=name, passive=True)
        return True
    except Exception:
        conn.close()      # a failed passive declare closes the channel; start afresh
        conn.connect()
        return False


def test_with_the_real_archive_both_ways(container_factory, amqp_uri, tmp_path, rpc):
    """The contract end to end: archive's registry opens the account and names the
    payer; the opening balance reaches the household file's payment summary."""
    from services.archive.service import ArchiveService

    billing = container_factory(BillingService, service_config(
        amqp_uri, migrated_sqlite(tmp_path, "billing")))
    billing.start()
    archive = container_factory(ArchiveService, service_config(
        amqp_uri, migrated_sqlite(tmp_path, "archive")))
    archive.start()
    rpc.call(SYSTEM, "archive", "register_project", {
        "id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential"})
    rpc.call(SYSTEM, "archive", "register_building", {"id": "b1", "project_id": "p1", "name": "1栋"})
    rpc.call(SYSTEM, "archive", "register_unit", {"id": "u1", "building_id": "b1", "number": "0101",
                                                  "building_area": "89.37"})
    rpc.call(SYSTEM, "archive", "move_in", {
        "id": "h1", "unit_id": "u1", "moved_in_on": "2026-03-01",
        "people": [{"name": "李娜", "role": "family"}, {"name": "张伟", "role": "owner"}]})
    account = account_when(rpc, "u1", lambda a: a["payer_name"] == "张伟")
    assert (account["unit_label"], account["building_area"], account["household_id"]) == (
        "1栋-0101", "89.37", "h1")
    rpc.call(FINANCE, "billing", "record_opening_balance", "u1", "-345.60", "2026-10-31")
    household = wait_for(lambda: (h := rpc.call(SYSTEM, "archive", "get_household_for_unit", "u1"))
                         and h["balance_due"] == "-345.60" and h,
                         message="payment summary in the household file")
    assert household["balance_due"] == "-345.60"
