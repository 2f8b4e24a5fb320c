"""Abuse paths at the portal, through the gateway's HTTP API in a real container:
write and login limits, logout and password change, what is (not) logged, hostile
bodies, response headers and links that do not come from the Host header."""
import json
import uuid
import logging
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from gateway import accounts
from gateway.models import User
from gateway.service import GatewayService
from kernel.clock import SystemClock
from kernel.db import make_engine
from kernel.entrypoints import rpc
from kernel.dependencies import CallerProvider
from kernel.testing import TEST_SECRET, clock_of, migrated_sqlite, wait_for

G = "g1"


class Tickets:
    """Accepts every repair request and echoes what it got."""
    name = "tickets"
    auth = CallerProvider()

    #: set by a test to hold ``get_ticket`` until it is sent (a slow owner)
    gate = None
    waiting = False

    @rpc
    def open_repair(self, data, idempotency_key=None):
        if data["content"] == "下游不可用":                 # a typed 503, as billing_unavailable is
            from kernel.errors import Unavailable
            raise Unavailable("billing did not answer within 5 s", code="billing_unavailable",
                              details={"reason": "timeout"})
        return {"id": "t1", "number": "BX-1", "content": data["content"],
                "reporter": {"name": "x", "phone": data.get("reporter_phone")}}

    @rpc
    def set_staff_active(self, user_id, active, name):
        return True

    @rpc
    def get_ticket(self, ticket_id):
        from kernel.errors import NotFound

        if Tickets.gate is not None:
            Tickets.waiting = True
            Tickets.gate.wait()
        raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found")


class Billing:
    name = "billing"
    auth = CallerProvider()

    @rpc
    def record_opening_balance(self, unit_id, amount, as_of, note, idempotency_key=None):
        return {"unit_id": unit_id, "balance_due": amount, "opening_balance": amount}


@pytest.fixture
def make_gateway(container_factory, rabbit_config, web_config, tmp_path):
    def make(**settings):
        url = migrated_sqlite(tmp_path, "gateway")
        session = Session(make_engine(url))
        now = SystemClock().now()
        accounts.create_user(session, username="zhangwei", password="resident-pass", display_name="张伟",
                             kind="resident", group_id=G, roles=[], unit_ids=["u1"], now=now)
        accounts.create_user(session, username="fin1", password="finance-pass", display_name="财务",
                             kind="staff", group_id=G, roles=["finance"], project_ids=["p1"], now=now)
        for username, name, roles, project in (("cs1", "绿湖客服经理", ["cs_manager"], "p1"),
                                               ("stew1", "绿湖管家", ["steward"], "p1"),
                                               ("desk.xh", "星河前台·冯", ["front_desk"], "p9")):
            accounts.create_user(session, username=username, password="staff-pass-1", display_name=name,
                                 kind="staff", group_id=G, roles=roles, project_ids=[project], now=now)
        session.commit()
        session.close()
        config = dict(web_config, AMQP_URI=rabbit_config["AMQP_URI"], DB_URL=url, WUYE_SECRET=TEST_SECRET,
                      RPC_TIMEOUT=3, HEALTH_RPC_TIMEOUT=1, CLOCK="manual:2026-11-24T09:00:00+08:00",
                      **settings)
        container = container_factory(GatewayService, config)
        container.start()
        for cls in (Tickets, Billing):
            container_factory(cls, {"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}).start()
        return container
    return make


def login(web_session, username="zhangwei", password="resident-pass", **kw):
    return web_session.post("/api/v1/auth/token", json={"username": username, "password": password}, **kw)


def keyed(headers):
    """The headers with a fresh Idempotency-Key (every write requires one)."""
    return {**headers, "Idempotency-Key": str(uuid.uuid4())}


def bearer(response):
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# -- limits -----------------------------------------------------------------------------

def test_writes_per_user_are_limited(make_gateway, web_session):
    gateway = make_gateway(GATEWAY_WRITE_LIMIT_PER_MINUTE=3)
    resident, finance = bearer(login(web_session)), bearer(login(web_session, "fin1", "finance-pass"))
    body = {"unit_id": "u1", "content": "楼道灯不亮"}
    assert [web_session.post("/api/v1/repairs", json=body, headers={**resident, "Idempotency-Key": f"lim-{n}"}).status_code
            for n in range(3)] == [201, 201, 201]
    refused = web_session.post("/api/v1/repairs", json=body, headers={**resident, "Idempotency-Key": "lim-3"})
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # reads are not limited, and another user has their own budget
    assert web_session.get("/api/v1/me", headers=resident).status_code == 200
    assert web_session.post("/api/v1/units/u1/account/opening-balance", headers={**finance, "Idempotency-Key": "ob-1"},
                            json={"amount": "1.00", "as_of": "2026-11-01"}).status_code == 201
    clock_of(gateway).advance(timedelta(seconds=61))
    assert web_session.post("/api/v1/repairs", json=body, headers={**resident, "Idempotency-Key": "lim-4"}).status_code == 201


def test_failed_logins_are_throttled_per_account_and_reset_by_success(make_gateway, web_session, caplog):
    gateway = make_gateway(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_ADDRESS=5)
    caplog.set_level(logging.INFO)
    for _ in range(2):
        assert login(web_session, password="wrong").status_code == 401
    bearer(login(web_session))                         # success resets the account's count
    for _ in range(3):
        assert login(web_session, password="wrong").status_code == 401
    locked = login(web_session)                        # even the right password waits now
    assert locked.status_code == 429 and locked.json()["error"] == "rate_limited"
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60
    clock_of(gateway).advance(timedelta(minutes=15, seconds=1))
    bearer(login(web_session))

    # the address: 5 failures of any accounts (2 counted above are older than the window)
    for name in ("a", "b", "c", "d", "e"):
        assert login(web_session, name, "wrong").status_code == 401
    assert login(web_session, "fin1", "finance-pass").status_code == 429


def test_a_failed_login_is_one_warning_line_and_refusals_are_not_errors(make_gateway, web_session,
                                                                        caplog):
    make_gateway()
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    assert login(web_session, password="wrong").status_code == 401
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1 and records[0].levelno == logging.WARNING
    assert "failed login" in records[0].getMessage() and records[0].exc_info is None
    headers = bearer(login(web_session))
    caplog.clear()
    for response in (web_session.post("/api/v1/repairs", json={"unit_id": "u1"}, headers=headers),
                     web_session.post("/api/v1/auth/password", headers=headers,
                                      json={"current_password": "nope", "new_password": "x" * 10}),
                     web_session.get("/api/v1/nothing", headers=headers)):
        assert 400 <= response.status_code < 500
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_an_expected_503_is_one_warning_line_without_a_traceback(make_gateway, web_session, caplog):
    """The identity trial: a service's typed 503 (billing_unavailable on the move-out) is an answer the
    gateway expects -- the shared mapping (gateway.routing.route) logs it as one WARNING line, no
    traceback, no ERROR; the client gets the 503 with its code and details."""
    make_gateway()
    headers = bearer(login(web_session))
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    response = web_session.post("/api/v1/repairs", json={"unit_id": "u1", "content": "下游不可用"},
                                headers={**headers, "Idempotency-Key": "down-1"})
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "billing_unavailable" and response.json()["details"] == {"reason": "timeout"}
    mine = [r for r in caplog.records if "tickets.open_repair" not in r.getMessage()]    # the stub's own log aside
    assert not [r for r in mine if r.levelno >= logging.ERROR or r.exc_info]
    [warning] = [r for r in mine if r.levelno == logging.WARNING and r.name.startswith("gateway")]
    assert "billing_unavailable" in warning.getMessage() and "/api/v1/repairs" in warning.getMessage()


def test_a_staff_account_is_deactivated_without_a_body_and_another_project_s_is_not_found(make_gateway,
                                                                                         web_session):
    """The identity trial: deactivate / activate take no body (every field optional) but still their
    Idempotency-Key; another project's member is 404 staff_not_found like an unknown id, no name."""
    gateway = make_gateway()
    session = Session(make_engine(gateway.config["DB_URL"]))
    ids = {u.username: u.id for u in session.query(User)}
    session.close()
    cs = bearer(login(web_session, "cs1", "staff-pass-1"))
    path = f"/api/v1/staff-accounts/{ids['stew1']}/deactivate"
    assert web_session.post(path, headers=cs).json()["error"] == "idempotency_key_required"
    done = web_session.post(path, headers={**cs, "Idempotency-Key": "off-1"})
    assert done.status_code == 200, done.text
    assert (done.json()["active"], done.json()["changed"]) == (False, True)
    back = web_session.post(f"/api/v1/staff-accounts/{ids['stew1']}/activate", json={},
                            headers={**cs, "Idempotency-Key": "on-1"})
    assert back.status_code == 200 and back.json()["active"] is True
    far = web_session.post(f"/api/v1/staff-accounts/{ids['desk.xh']}/deactivate",
                           headers={**cs, "Idempotency-Key": "off-2"})
    unknown = web_session.post("/api/v1/staff-accounts/no-such-user/deactivate",
                               headers={**cs, "Idempotency-Key": "off-3"})
    assert (far.status_code, far.json()["error"]) == (unknown.status_code, unknown.json()["error"]) == (
        404, "staff_not_found")
    assert "星河前台·冯" not in far.text and "details" not in far.json()


# -- logout and password ------------------------------------------------------------------

def test_logout_revokes_that_token_only(make_gateway, web_session):
    make_gateway()
    first, second = bearer(login(web_session)), bearer(login(web_session))
    out = web_session.post("/api/v1/auth/logout", headers=first)
    assert out.status_code == 200 and out.json() == {"status": "logged_out"}
    refused = web_session.get("/api/v1/me", headers=first)
    assert refused.status_code == 401 and refused.json()["error"] == "token_revoked"
    assert web_session.get("/api/v1/me", headers=second).status_code == 200


def test_changing_the_password_needs_the_current_one_and_revokes_other_tokens(make_gateway, web_session):
    make_gateway()
    other, mine = bearer(login(web_session)), bearer(login(web_session))
    wrong = web_session.post("/api/v1/auth/password", headers=mine,
                             json={"current_password": "guess", "new_password": "new-resident-pass"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "wrong_password"
    short = web_session.post("/api/v1/auth/password", headers=mine,
                             json={"current_password": "resident-pass", "new_password": "short"})
    assert short.status_code == 400
    changed = web_session.post("/api/v1/auth/password", headers=mine,
                               json={"current_password": "resident-pass", "new_password": "new-resident-pass"})
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert web_session.get("/api/v1/me", headers=fresh).status_code == 200
    for old in (other, mine):
        assert web_session.get("/api/v1/me", headers=old).json()["error"] == "token_revoked"
    assert login(web_session).status_code == 401
    bearer(login(web_session, password="new-resident-pass"))


def test_guessing_through_the_password_change_is_throttled_like_logins(make_gateway, web_session):
    """A stolen token must not be a way around the login throttle."""
    make_gateway(LOGIN_MAX_FAILURES_PER_ACCOUNT=3, LOGIN_MAX_FAILURES_PER_ADDRESS=50)
    mine = bearer(login(web_session))
    guesses = [web_session.post("/api/v1/auth/password", headers=mine,
                                json={"current_password": f"guess{i}", "new_password": "new-resident-pass"})
               for i in range(4)]
    assert [g.status_code for g in guesses] == [400, 400, 400, 429]
    assert int(guesses[-1].headers["Retry-After"]) >= 1
    right = web_session.post("/api/v1/auth/password", headers=mine,
                             json={"current_password": "resident-pass", "new_password": "new-resident-pass"})
    assert right.status_code == 429                       # even the right one waits, as at login
    assert login(web_session).status_code == 429


# -- hostile input ------------------------------------------------------------------------

def test_inputs_that_used_to_give_5xx_give_400(make_gateway, web_session):
    make_gateway()
    headers = {**bearer(login(web_session)), "Content-Type": "application/json"}
    finance = {**bearer(login(web_session, "fin1", "finance-pass")), "Content-Type": "application/json"}

    def balance(amount):
        return web_session.post("/api/v1/units/u1/account/opening-balance", headers=keyed(finance),
                                data=json.dumps({"amount": amount, "as_of": "2026-11-01"}))

    cases = [
        ('{"unit_id": "u1", "content": "\\ud800\\ud800"}', "invalid_json"),
        ('{"unit_id": "u1", "content": "ok", "\\udfff": 1}', "invalid_json"),
        ('{"unit_id": "u1", "content": "ok", "x": ' + "[" * 10000 + "]" * 10000 + "}", "invalid_json"),
        ('{"unit_id": "u1", "content": "ok", "x": ' + "[" * 100 + "]" * 100 + "}", "invalid_json"),
        (json.dumps({"unit_id": "u1", "content": "漏水", "category": "in_home_paid",
                     "appointment_at": "9999-12-31T23:59:59-23:59"}), "invalid_input"),
        (json.dumps({"unit_id": "u1", "content": "漏水", "category": "in_home_paid",
                     "appointment_at": "0001-01-01T00:00:00+23:59"}), "invalid_input"),
        (json.dumps({"unit_id": "u1", "content": "漏水", "received_at": "0001-01-01T00:00:00-23:59"}),
         "invalid_input"),
        (json.dumps({"unit_id": "u1", "content": "漏水", "reporter_phone": "13800138000\n"}), "invalid_input"),
        (json.dumps({"unit_id": "u1", "content": "漏水", "reporter_phone": "1380013800０"}), "invalid_input"),
        (json.dumps({"unit_id": "u1", "content": "a\u0000b"}), "invalid_json"),     # NUL: PostgreSQL 5xx
        (json.dumps({"unit_id": "u1", "content": "ok\u001b[31m"}), "invalid_json"),
    ]
    for raw, code in cases:
        response = web_session.post("/api/v1/repairs", data=raw.encode("utf-8", "surrogatepass"),
                                    headers=keyed(headers))
        assert (response.status_code, response.json()["error"]) == (400, code), raw[:80]
    multiline = web_session.post("/api/v1/repairs", headers=keyed(headers), data=json.dumps(
        {"unit_id": "u1", "content": "楼道灯不亮\r\n\t三楼"}))
    assert multiline.status_code == 201, multiline.text                  # text keeps its lines
    nul_query = web_session.get("/api/v1/tickets", headers=headers, params={"status": "open\x00"})
    assert (nul_query.status_code, nul_query.json()["error"]) == (400, "invalid_query")
    for amount in ("1_000", "\u0663", "1e1", " 1.00 "):                   # one spelling of an amount
        assert balance(amount).status_code == 400, amount
    huge = web_session.get("/api/v1/tickets", headers=headers, params={"offset": "9" * 30})
    assert huge.status_code == 400 and "offset" in huge.json()["details"]
    ok = web_session.post("/api/v1/repairs", headers=keyed(headers), data=json.dumps(
        {"unit_id": "u1", "content": "漏水", "reporter_phone": "+86 138 0013 8000"}))
    assert ok.status_code == 201, ok.text

    assert balance("12.345").status_code == 400 and "amount" in balance("12.345").json()["details"]
    assert balance(12.5).status_code == 400                     # a float is never money
    assert balance("9999-12-31").status_code == 400
    accepted = balance("12.5")
    assert accepted.status_code == 201 and accepted.json()["balance_due"] == "12.50"
    assert balance("-120.00").status_code == 201                # prepaid credit is allowed here
    far = web_session.post("/api/v1/units/u1/account/opening-balance", headers=keyed(finance),
                           data=json.dumps({"amount": "1.00", "as_of": "9999-12-31"}))
    assert far.status_code == 400


# -- headers and links ----------------------------------------------------------------------

def test_every_response_says_no_store_nosniff_and_deny(make_gateway, web_session):
    make_gateway()
    token = login(web_session)
    for response in (token, web_session.get("/api/v1/me", headers=bearer(token)),
                     web_session.get("/api/v1/me"), web_session.get("/health/live"),
                     web_session.get("/api/v1/openapi.json")):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_links_come_from_the_configured_public_url_not_the_host_header(make_gateway, web_session):
    make_gateway(GATEWAY_PUBLIC_URL="https://wuye.example.cn/")
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    index = web_session.get("/", headers=forged).json()
    assert index["links"]["login"]["href"] == "https://wuye.example.cn/api/v1/auth/token"
    assert "evil" not in json.dumps(index)
    doc = web_session.get("/api/v1/openapi.json", headers=forged).json()
    assert doc["servers"] == [{"url": "https://wuye.example.cn"}]
    assert "429" in doc["paths"]["/api/v1/repairs"]["post"]["responses"]
    assert "/api/v1/auth/logout" in doc["paths"] and "/api/v1/auth/password" in doc["paths"]


def test_the_public_url_defaults_to_the_local_address(make_gateway, web_session):
    make_gateway()
    index = web_session.get("/", headers={"Host": "evil.example"}).json()
    assert index["links"]["openapi"] == "http://127.0.0.1:8000/api/v1/openapi.json"


# -- the read model's misses ------------------------------------------------------------------

def test_a_slow_owner_behind_a_read_model_miss_does_not_stall_other_requests(make_gateway, web_session):
    """Found by the attacker trial: the route held its database connection (one per process on
    SQLite) while it asked the owner, so every other request -- the token check included --
    waited for the slowest owner. The connection now goes back before the RPC."""
    import eventlet

    make_gateway()
    resident = bearer(login(web_session))
    Tickets.gate = eventlet.Event()
    try:
        miss = eventlet.spawn(web_session.get, "/api/v1/tickets/not-projected", headers=resident)
        wait_for(lambda: Tickets.waiting, message="the miss is waiting on tickets")
        me = web_session.get("/api/v1/me", headers=resident)
        assert me.status_code == 200 and not miss.dead   # answered while the miss still waits
    finally:
        Tickets.gate.send(True)
        Tickets.gate, Tickets.waiting = None, False
    assert miss.wait().status_code == 404


def test_odd_versions_and_control_characters_in_paths_are_bad_input(make_gateway, web_session):
    make_gateway()
    resident = bearer(login(web_session))
    for value in ("\xb2", "\xb9", "-1", "1e3", "x"):      # "²".isdigit() is true, int("²") is not
        answer = web_session.get("/api/v1/tickets/t1", headers={**resident, "X-Min-Version": value})
        assert (answer.status_code, answer.json()["error"]) == (400, "invalid_min_version"), value
    answer = web_session.get("/api/v1/tickets/a%00b", headers=resident)
    assert (answer.status_code, answer.json()["error"]) == (400, "invalid_path")
