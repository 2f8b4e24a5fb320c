"""The gateway in a real container on the real broker, in front of stub services
(so each behaviour -- auth, validation, error mapping, degradation -- is pinned
down on its own; tests/e2e runs it in front of the real ones)."""
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kernel.db import make_engine
from kernel.entrypoints import rpc
from kernel.errors import NotFound, RuleViolation
from kernel.dependencies import CallerProvider
from kernel.testing import TEST_SECRET, clock_of, migrated_sqlite
from gateway import accounts
from gateway.service import GatewayService
from kernel.clock import SystemClock

G = "g1"


class Archive:
    name = "archive"
    auth = CallerProvider()

    @rpc
    def health(self):
        return {"service": "archive", "status": "ok"}

    @rpc
    def get_unit(self, unit_id):
        caller = self.auth.caller
        caller.require_unit(G, "p1", unit_id, not_found=NotFound("no such unit", code="unit_not_found")) \
            if unit_id == "u1" else None
        if unit_id != "u1":
            raise NotFound("no such unit", code="unit_not_found")
        return {"id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1",
                "building_name": "1栋", "number": "0101", "label": "1栋-0101", "floor": 1,
                "building_area": "89.37", "usage": "residential", "secret_field": "not exposed"}

    @rpc
    def get_household_for_unit(self, unit_id):
        return None

    @rpc
    def list_projects(self):
        return [{"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
                 "timezone": "Asia/Shanghai", "address": "", "whoami": self.auth.caller.user_id}]


class Tickets:
    name = "tickets"
    auth = CallerProvider()

    @rpc
    def health(self):
        return {"service": "tickets", "status": "ok"}

    @rpc
    def open_repair(self, data, idempotency_key=None):
        if data.get("category") == "in_home_paid":
            raise RuleViolation("a paid in-home repair needs a booked appointment time",
                                code="appointment_required")
        raise KeyError("internal detail that must not leak")

    @rpc
    def list_open_for_unit(self, unit_id):
        return []

    @rpc
    def get_renovation(self, ticket_id):
        """tickets' own answer (a miss of the read model, or staff): marked ``contractor: tickets``."""
        if ticket_id != "r1":
            raise NotFound(f"no renovation {ticket_id}", code="ticket_not_found")
        return {"ticket": {"id": "r1", "number": "ZX-20261124-0001", "kind": "renovation", "status": "fees_paid",
                           "version": 9},
                "renovation": {"contractor": "tickets", "deposit_amount": "2000.00", "may_start": True,
                               "passes": [{"number": "ZXRY-20261124-0001", "holder_name": "王师傅"}]}}

    @rpc
    def renovation_step(self, ticket_id, data, idempotency_key=None):
        """tickets' reply to the household's step: the ticket as the household reads it -- the desk's
        note in its step log with the phone masked (a reply the read model must not keep)."""
        from gateway.tests.test_readmodel import renovation_part, renovation_ticket
        ticket = {**renovation_ticket(8, status="under_review", renovation=renovation_part(), history=[
            {"at": "2026-11-24T01:00:00+00:00", "action": "sign_agreement", "actor": "王前台",
             "note": "业主电话 139****5678 已签协议"}]), "id": ticket_id}
        return {"id": ticket_id, "ticket": ticket, "renovation": ticket["renovation"]}


@pytest.fixture
def gateway(container_factory, rabbit_config, web_config, tmp_path):
    url = migrated_sqlite(tmp_path, "gateway")
    session = Session(make_engine(url))
    now = SystemClock().now()
    accounts.create_user(session, username="zhangwei", password="resident-pass", display_name="张伟",
                         kind="resident", group_id=G, roles=[], unit_ids=["u1"], now=now)
    accounts.create_user(session, username="desk1", password="desk-pass-1", display_name="王前台",
                         kind="staff", group_id=G, roles=["front_desk"], project_ids=["p1"], now=now)
    session.commit()
    session.close()
    config = dict(web_config, AMQP_URI=rabbit_config["AMQP_URI"], DB_URL=url, WUYE_SECRET=TEST_SECRET,
                  RPC_TIMEOUT=3, HEALTH_RPC_TIMEOUT=1, CLOCK="manual:2026-11-24T09:00:00+08:00")
    container = container_factory(GatewayService, config)
    container.start()
    return container


@pytest.fixture
def stubs(container_factory, rabbit_config):
    for cls in (Archive, Tickets):
        container_factory(cls, {"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}).start()


def login(web_session, username="zhangwei", password="resident-pass"):
    response = web_session.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_login_and_me(gateway, web_session):
    headers = login(web_session)
    me = web_session.get("/api/v1/me", headers=headers).json()
    assert me["kind"] == "resident" and me["unit_ids"] == ["u1"]
    bad = web_session.post("/api/v1/auth/token", json={"username": "zhangwei", "password": "nope"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_credentials"
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")


def test_tokens_expire_on_the_platform_clock(gateway, web_session):
    headers = login(web_session)
    clock_of(gateway).advance(timedelta(hours=8, minutes=1))
    response = web_session.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.json()["error"] == "token_expired"


@pytest.mark.parametrize("headers,code", [
    ({}, "token_required"),
    ({"Authorization": "Basic abc"}, "token_required"),
    ({"Authorization": "Bearer not-a-jwt"}, "invalid_token"),
])
def test_missing_or_bad_tokens(gateway, web_session, headers, code):
    response = web_session.get("/api/v1/me", headers=headers)
    assert response.status_code == 401 and response.json() == {
        "error": code, "message": response.json()["message"]}


def test_bad_bodies(gateway, web_session):
    headers = dict(login(web_session), **{"Idempotency-Key": "bad-bodies"})   # the key first, then the body
    cases = [
        (dict(data="{not json", headers={**headers, "Content-Type": "application/json"}), 400, "invalid_json"),
        (dict(data="content=x", headers={**headers, "Content-Type": "text/plain"}), 415, "json_required"),
        (dict(json=["a list"], headers=headers), 400, "invalid_json"),
        (dict(headers=headers), 400, "body_required"),
        (dict(json={"unit_id": "u1"}, headers=headers), 400, "invalid_input"),
        (dict(json={"unit_id": "u1", "content": "漏水", "category": "teleport"}, headers=headers), 400,
         "invalid_input"),
        (dict(json={"unit_id": "u1", "content": "x" * 70000}, headers=headers), 413, "body_too_large"),
    ]
    for kwargs, status, code in cases:
        response = web_session.post("/api/v1/repairs", **kwargs)
        assert (response.status_code, response.json()["error"]) == (status, code), kwargs
    detail = web_session.post("/api/v1/repairs", json={"unit_id": "u1"}, headers=headers).json()
    assert "content" in detail["details"]


def test_unknown_routes_and_methods_answer_json(gateway, web_session):
    assert web_session.get("/api/v1/nothing-here").json()["error"] == "route_not_found"
    response = web_session.delete("/api/v1/me")
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_anonymous_callers_hear_401_before_any_validation(gateway, web_session):
    response = web_session.post("/api/v1/repairs", json={"unit_id": "u1", "content": ""})
    assert response.status_code == 401 and "details" not in response.json()
    response = web_session.get("/api/v1/tickets", params={"limit": "lots"})
    assert response.status_code == 401


def test_remote_errors_are_mapped(gateway, stubs, web_session):
    headers = login(web_session)
    rule = web_session.post("/api/v1/repairs", headers={**headers, "Idempotency-Key": "map-1"},
                            json={"unit_id": "u1", "content": "换灯泡", "category": "in_home_paid"})
    assert rule.status_code == 422 and rule.json()["error"] == "appointment_required"
    bug = web_session.post("/api/v1/repairs", headers={**headers, "Idempotency-Key": "map-2"},
                           json={"unit_id": "u1", "content": "漏水"})
    assert bug.status_code == 502 and bug.json()["error"] == "upstream_error"
    assert "internal detail" not in bug.text
    missing = web_session.get("/api/v1/units/u9", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"] == "unit_not_found"


def test_a_cash_payment_or_a_repair_without_its_key_is_refused_before_any_service_is_asked(gateway, web_session):
    """A cash payment posted twice at the desk without a key was two receipts: every write requires its
    Idempotency-Key now (billing's, tickets'... not only the front-desk areas'); an empty header is a
    missing one. Refused before billing is asked (billing is not even running here)."""
    desk = login(web_session, "desk1", "desk-pass-1")
    resident = login(web_session)
    for key in (None, ""):
        sent = dict(desk, **({"Idempotency-Key": key} if key is not None else {}))
        paid = web_session.post("/api/v1/units/u1/payments", headers=sent, json={"method": "cash", "amount": "120.00"})
        assert (paid.status_code, paid.json()["error"]) == (400, "idempotency_key_required"), paid.text
        sent = dict(resident, **({"Idempotency-Key": key} if key is not None else {}))
        repair = web_session.post("/api/v1/repairs", headers=sent, json={"unit_id": "u1", "content": "楼道灯不亮"})
        assert (repair.status_code, repair.json()["error"]) == (400, "idempotency_key_required"), repair.text


def test_a_write_that_requires_an_idempotency_key_is_refused_without_one(gateway, web_session):
    """A route declared ``idempotency="required"`` (every notify write) refuses a request without the
    header before any service is asked; a bad key is refused too."""
    headers = login(web_session, "desk1", "desk-pass-1")
    body = {"purpose": "greeting.holiday", "target": "project", "channels": ["inapp"], "values": {"holiday_name": "元旦"}}
    for key in (None, ""):
        sent = dict(headers, **({"Idempotency-Key": key} if key is not None else {}))
        missing = web_session.post("/api/v1/projects/p1/broadcasts", headers=sent, json=body)
        assert (missing.status_code, missing.json()["error"]) == (400, "idempotency_key_required"), missing.text
    too_long = web_session.post("/api/v1/projects/p1/broadcasts", headers=dict(headers, **{"Idempotency-Key": "k" * 65}),
                                json=body)
    assert (too_long.status_code, too_long.json()["error"]) == (400, "bad_idempotency_key")
    # a broadcast to 10,000 listed units is within the route's own body limit (the default is 64 KiB)
    many = dict(body, target="units", unit_ids=[f"{i:08d}-0000-4000-8000-000000000000" for i in range(10000)])
    big = web_session.post("/api/v1/projects/p1/broadcasts", headers=headers, json=many)
    assert (big.status_code, big.json()["error"]) == (400, "idempotency_key_required"), big.text
    keyed_headers = dict(headers, **{"Idempotency-Key": "too-big-1"})
    too_big = web_session.post("/api/v1/projects/p1/broadcasts", headers=keyed_headers,
                               json=dict(many, values={"holiday_name": "x" * 500}, unit_ids=many["unit_ids"] * 2))
    assert (too_big.status_code, too_big.json()["error"]) == (413, "body_too_large")
    # the key is checked before the body (trial 4, L6): a bad body without its key is refused for the key
    bad = web_session.post("/api/v1/projects/p1/broadcasts", headers=headers, json={"purpose": 7})
    assert (bad.status_code, bad.json()["error"]) == (400, "idempotency_key_required"), bad.text
    bad = web_session.post("/api/v1/projects/p1/broadcasts", headers=keyed_headers, json={"purpose": 7})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_input"), bad.text
    prefs = web_session.put("/api/v1/units/u1/people/p1/notification-preferences", headers=headers,
                            json={"channels": [{"channel": "sms", "opt_out": "marketing"}]})
    assert (prefs.status_code, prefs.json()["error"]) == (400, "idempotency_key_required")


def test_caller_travels_signed_and_responses_are_filtered(gateway, stubs, web_session):
    headers = login(web_session, "desk1", "desk-pass-1")
    unit = web_session.get("/api/v1/units/u1", headers=headers).json()
    assert unit["label"] == "1栋-0101" and "secret_field" not in unit
    projects = web_session.get("/api/v1/projects", headers=headers).json()
    assert projects[0]["name"] == "绿湖花园" and "whoami" not in projects[0]


def test_overview_degrades_when_a_service_is_down(gateway, stubs, web_session):
    # billing and notify are not running at all
    headers = login(web_session)
    response = web_session.get("/api/v1/units/u1/overview", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["unit"]["id"] == "u1" and body["open_tickets"] == []
    assert body["account"] is None and body["notifications"] is None
    assert body["degraded"] == ["billing", "notify"]


def test_service_down_is_503_not_500(gateway, web_session):
    headers = login(web_session)
    response = web_session.get("/api/v1/units/u1", headers=headers)
    assert response.status_code in (503, 504) and response.json()["error"] in (
        "service_unavailable", "upstream_timeout")


def test_health_reports_each_service(gateway, stubs, web_session):
    response = web_session.get("/health")
    body = response.json()
    assert response.status_code == 503 and body["status"] == "degraded"
    assert body["broker"]["status"] == "ok"
    assert body["services"]["archive"]["status"] == "ok" and body["services"]["tickets"]["status"] == "ok"
    assert body["services"]["billing"]["status"] == "down"


def test_the_root_says_where_to_start(gateway, web_session):
    index = web_session.get("/").json()
    assert index["links"]["openapi"].endswith("/api/v1/openapi.json")
    assert index["links"]["login"]["href"].endswith("/api/v1/auth/token")


def test_liveness_needs_no_service(gateway, web_session):
    response = web_session.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_openapi_is_served(gateway, web_session):
    doc = web_session.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/v1/repairs" in doc["paths"]


class NotifyInbox:
    name = "notify"
    auth = CallerProvider()

    @rpc
    def unit_inbox(self, unit_id, limit=50, offset=0, unread_only=False):
        return {"items": [{"id": "n1", "purpose": "outage.notice", "subject": f"{unit_id} {limit} {offset} {unread_only}",
                           "body": "停水", "locale": "zh-CN", "created_at": "2026-11-24T01:00:00+00:00",
                           "read_at": None, "withdrawn_at": "2026-11-24T02:00:00+00:00", "withdrawn_label": "已撤回",
                           "ref_type": "broadcast", "ref_id": "b1", "deliveries": [], "version": 2,
                           "recipient": "secret"}], "total": 7}


def test_the_unit_s_inbox_is_paged_with_the_total_in_a_header(gateway, container_factory, rabbit_config, web_session):
    """Not projected yet: the page comes from notify's unit_inbox, dumped as NotificationOut, the total in
    X-Total-Count; a bad page is 400 before notify is asked."""
    container_factory(NotifyInbox, {"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}).start()
    headers = login(web_session)
    page = web_session.get("/api/v1/units/u1/notifications", headers=headers,
                           params={"limit": "200", "offset": "2", "unread_only": "true"})
    assert page.status_code == 200, page.text
    assert page.headers["X-Total-Count"] == "7"
    [item] = page.json()
    assert (item["subject"], item["withdrawn_label"]) == ("u1 200 2 True", "已撤回") and "recipient" not in item
    assert web_session.get("/api/v1/units/u1/notifications", headers=headers,
                           params={"limit": "201"}).status_code == 400


#: one write of each area that requires its key (valid bodies: the key is checked after the body)
KEYED_WRITES = [
    ("/api/v1/feedback", {"sub_kind": "suggestion", "unit_id": "u1", "content": "建议增加夜间照明"}),
    ("/api/v1/feedback/t1/acknowledge", {}),
    ("/api/v1/goods-releases/r1/approve", {}),
    ("/api/v1/keys/k1/moves", {"action": "return"}),
    ("/api/v1/vacant-findings/f1/decision", {"approve": True}),
    ("/api/v1/inspection-rounds/r1/start", {}),
    ("/api/v1/renovations/t1/submit", {}),
]


@pytest.mark.parametrize("path, body", KEYED_WRITES)
def test_the_new_areas_writes_are_refused_without_an_idempotency_key(gateway, web_session, path, body):
    """Feedback, goods release, keys, vacant units, inspections and renovation: a write without its
    Idempotency-Key (or with an empty one) is 400 before any service is asked -- a client's retry
    would otherwise file it twice. (Every write route of these areas: test_notify_openapi.py.)"""
    headers = login(web_session, "desk1", "desk-pass-1")
    for key in (None, ""):
        sent = dict(headers, **({"Idempotency-Key": key} if key is not None else {}))
        response = web_session.post(path, headers=sent, json=body)
        assert (response.status_code, response.json()["error"]) == (400, "idempotency_key_required"), response.text
    # with its key the request passes the gateway (no tickets service runs here)
    keyed = web_session.post(path, headers=dict(headers, **{"Idempotency-Key": "k-1"}), json=body)
    assert keyed.status_code in (503, 504), keyed.text


@pytest.mark.parametrize("content", ["   ", "\u3000\u3000\u3000", " \n\t "])
def test_feedback_of_only_spaces_is_refused(gateway, web_session, content):
    """Trial finding: feedback whose content is only spaces (ASCII or ideographic) was filed. Free text
    says something (kernel.validators.FREE_TEXT): 400 before tickets is asked."""
    headers = dict(login(web_session), **{"Idempotency-Key": "blank-1"})
    response = web_session.post("/api/v1/feedback", headers=headers,
                                json={"sub_kind": "suggestion", "unit_id": "u1", "content": content})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_input"), response.text
    assert "content" in response.json()["details"]


@pytest.mark.parametrize("user_id", ["../../admin", "a/b", "x" * 65, " "])
def test_praise_names_staff_by_an_id_of_the_id_form(gateway, web_session, user_id):
    """Trial finding: ``named_staff[].user_id`` was stored as given (``../../admin``). It has the form of
    the platform's ids (kernel.validators.RECORD_ID): 400 before tickets is asked."""
    headers = dict(login(web_session, "desk1", "desk-pass-1"), **{"Idempotency-Key": "named-1"})
    response = web_session.post("/api/v1/feedback", headers=headers, json={
        "sub_kind": "praise", "unit_id": "u1", "content": "感谢李师傅",
        "named_staff": [{"name": "李师傅", "user_id": user_id}]})
    assert (response.status_code, response.json()["error"]) == (400, "invalid_input"), response.text
    assert "named_staff" in response.json()["details"]


def test_a_residents_renovation_is_read_from_the_read_model_and_staff_ask_tickets(gateway, stubs, web_session):
    """``GET /renovations/{id}``: a resident's read is the projected ticket and its renovation part
    (tickets is not asked); staff, a newer version than projected and an id not projected are
    tickets' answers (its 404 for an unknown id)."""
    from gateway.readmodel import projector
    from gateway.tests.test_readmodel import household, renovation_part, renovation_ticket, unit

    session = Session(make_engine(gateway.config["DB_URL"]))
    projector.apply_unit(session, unit())
    projector.apply_household(session, household())
    projector.apply_ticket(session, renovation_ticket(7, status="fees_paid", renovation=renovation_part(
        missing=[], fees_paid_at="2026-11-24T02:00:00+00:00", garbage_fee="268.11", may_start=True)))
    session.commit()
    session.close()
    mine = login(web_session)
    read = web_session.get("/api/v1/renovations/r1", headers=mine)
    assert read.status_code == 200, read.text
    body = read.json()
    assert (body["ticket"]["version"], body["ticket"]["status"]) == (7, "fees_paid")
    assert body["renovation"]["contractor"] == "某装饰公司"                       # the read model's
    assert (body["renovation"]["may_start"], body["renovation"]["garbage_fee"]) == (True, "268.11")
    assert body["ticket"]["renovation"]["may_start"] is True
    newer = web_session.get("/api/v1/renovations/r1", headers=mine, params={"min_version": 8})
    assert newer.json()["renovation"]["contractor"] == "tickets"
    unknown = web_session.get("/api/v1/renovations/r-unknown", headers=mine)
    assert (unknown.status_code, unknown.json()["error"]) == (404, "ticket_not_found")
    desk = web_session.get("/api/v1/renovations/r1", headers=login(web_session, "desk1", "desk-pass-1"))
    assert desk.status_code == 200 and desk.json()["renovation"]["contractor"] == "tickets"
    assert desk.json()["renovation"]["passes"][0]["holder_name"] == "王师傅"


def test_the_step_log_s_free_text_is_masked_for_the_household_and_whole_for_the_desk(gateway, stubs, web_session):
    """A phone the desk typed into a renovation step's note: the resident reading his renovation (from the
    read model) sees it masked, the desk reading the ticket sees it whole. A reply masked for its writer
    (the household's own step) is not kept by the read model: the desk still reads the note whole."""
    from gateway.readmodel import projector
    from gateway.tests.test_readmodel import household, renovation_part, renovation_ticket, unit
    from kernel.testing import keyed

    note = "业主电话 13912345678 已签协议"
    session = Session(make_engine(gateway.config["DB_URL"]))
    projector.apply_unit(session, unit())
    projector.apply_household(session, household())
    projector.apply_ticket(session, renovation_ticket(7, status="fees_requested", renovation=renovation_part(), history=[
        {"at": "2026-11-24T01:00:00+00:00", "action": "sign_agreement", "actor": "王前台", "note": note}]))
    session.commit()
    session.close()
    mine, desk = login(web_session), login(web_session, "desk1", "desk-pass-1")
    read = web_session.get("/api/v1/renovations/r1", headers=mine)
    assert read.status_code == 200, read.text
    assert [h["note"] for h in read.json()["ticket"]["history"]] == ["业主电话 139****5678 已签协议"]
    assert "13912345678" not in read.text
    whole = web_session.get("/api/v1/tickets/r1", headers=desk)
    assert whole.status_code == 200, whole.text
    assert [h["note"] for h in whole.json()["history"]] == [note]
    stepped = web_session.post("/api/v1/renovations/r1/submit", json={}, headers=keyed(mine))
    assert stepped.status_code == 200, stepped.text
    assert stepped.json()["ticket"]["version"] == 8
    after = web_session.get("/api/v1/tickets/r1", headers=desk).json()
    assert (after["version"], [h["note"] for h in after["history"]]) == (7, [note])
