"""Every notify route of the OpenAPI document states who may call it (issue 10): a route is notify's
when it is tagged ``notify`` or its handler calls the notify service -- the two sets are the same --
and its summary ends with the roles in parentheses, as the other areas' routes do."""
from __future__ import annotations

import inspect
import re

import pytest

from gateway.openapi import build_document
from gateway.service import GatewayService

PRINT_STAFF = "front desk, steward, CS manager, centre manager of the project"
TEMPLATE_STAFF = "CS manager, centre manager, group admin"
BROADCAST_STAFF = "CS manager, centre manager of the project"
GROUP_TEMPLATE_STAFF = "group admin; a CS manager or centre manager who sees every project"
#: (method, path) -> the roles its summary ends with
NOTIFY_ROUTES = {
    ("GET", "/api/v1/units/{unit_id}/notifications"): "residents of the unit; staff of the unit's project",
    ("GET", "/api/v1/staff/inbox"): "staff: their roles' inbox; an engineering manager, CS manager, centre "
                                    "manager, general manager also the roles they supervise",
    ("POST", "/api/v1/notifications/{notification_id}/read"): "its addressee: a resident their unit's messages, "
                                                               "staff their roles' inbox messages",
    ("PUT", "/api/v1/units/{unit_id}/people/{person_id}/wechat"): "residents of the unit; masked in the answer",
    ("GET", "/api/v1/projects/{project_id}/templates"): TEMPLATE_STAFF,
    ("POST", "/api/v1/projects/{project_id}/templates"): TEMPLATE_STAFF,
    ("POST", "/api/v1/projects/{project_id}/templates/preview"): TEMPLATE_STAFF,
    ("DELETE", "/api/v1/projects/{project_id}/templates/{purpose}/{channel}/{locale}"): TEMPLATE_STAFF,
    ("GET", "/api/v1/templates"): GROUP_TEMPLATE_STAFF,
    ("PUT", "/api/v1/templates/{purpose}/{channel}/{locale}"): GROUP_TEMPLATE_STAFF,
    ("DELETE", "/api/v1/templates/{purpose}/{channel}/{locale}"): GROUP_TEMPLATE_STAFF,
    ("POST", "/api/v1/templates/preview"): GROUP_TEMPLATE_STAFF,
    ("GET", "/api/v1/projects/{project_id}/print-deliveries"): PRINT_STAFF,
    ("GET", "/api/v1/print-deliveries/{delivery_id}/notice.pdf"): PRINT_STAFF,
    ("GET", "/api/v1/projects/{project_id}/buildings/{building_id}/print-batch.pdf"): PRINT_STAFF,
    ("POST", "/api/v1/projects/{project_id}/print-deliveries/printed"): PRINT_STAFF,
    ("GET", "/api/v1/units/{unit_id}/notifications/unread"): "residents of the unit; staff of the unit's project",
    ("GET", "/api/v1/staff/inbox/unread"): "staff",
    ("GET", "/api/v1/units/{unit_id}/people/{person_id}/notification-preferences"):
        "residents of the unit, their own household",
    ("PUT", "/api/v1/units/{unit_id}/people/{person_id}/notification-preferences"):
        "residents of the unit, their own household",
    ("GET", "/api/v1/projects/{project_id}/deliveries"): f"{PRINT_STAFF}; general manager, group admin",
    ("POST", "/api/v1/projects/{project_id}/broadcasts"): BROADCAST_STAFF,
    ("GET", "/api/v1/projects/{project_id}/broadcasts"): f"{BROADCAST_STAFF}; general manager, group admin",
    ("GET", "/api/v1/broadcasts/{broadcast_id}"): f"{BROADCAST_STAFF}; general manager, group admin",
    ("POST", "/api/v1/broadcasts/{broadcast_id}/cancel"): BROADCAST_STAFF,
    # the providers' delivery receipts: no user, the provider signs the body
    ("POST", "/api/v1/notify/receipts/sms"):
        "the SMS gateway: no user token, the body signed with the receipt key in X-Signature",
    ("POST", "/api/v1/notify/receipts/wechat"):
        "WeChat: no user token, the body signed with the receipt key in X-Signature",
}
#: the routes a provider calls (no bearer token: 401 for a body not signed as agreed)
SIGNED_BY_PROVIDER = {("POST", "/api/v1/notify/receipts/sms"), ("POST", "/api/v1/notify/receipts/wechat")}
#: words that name who may call (a role, residents, staff, an addressee)
WHO = re.compile(r"resident|staff|front desk|steward|manager|group admin|engineering|finance|addressee|"
                 r"SMS gateway|WeChat")


def _routes():
    """(spec, calls notify) of every route of the gateway."""
    for name in dir(GatewayService):
        handler = getattr(GatewayService, name)
        for entrypoint in getattr(handler, "nameko_entrypoints", None) or ():
            spec = getattr(entrypoint, "spec", None)
            if spec is not None:
                source = inspect.getsource(inspect.unwrap(handler))
                yield spec, bool(re.search(r"\(\s*\"notify\"\s*,", source))


def test_notify_s_routes_are_those_tagged_notify():
    routes = list(_routes())
    assert len(routes) > 50                                  # the scan itself works
    tagged = {(s.method, s.path) for s, _ in routes if "notify" in s.tags}
    calling = {(s.method, s.path) for s, calls in routes if calls}
    assert tagged == calling == set(NOTIFY_ROUTES)


def test_every_notify_route_states_its_roles_in_the_openapi_document():
    paths = build_document()["paths"]
    for (method, path), who in NOTIFY_ROUTES.items():
        operation = paths[path][method.lower()]
        roles = re.search(r"\(([^()]*)\)$", operation["summary"])
        assert roles and roles.group(1) == who, (path, operation["summary"])
        assert WHO.search(roles.group(1)), path
        if (method, path) in SIGNED_BY_PROVIDER:
            # no user token: a body not signed as agreed is refused
            assert {"401", "413"} <= set(operation["responses"]), path
            assert "security" not in operation, path
            continue
        # a route open to some is refused to the others: documented
        assert {"401", "403"} <= set(operation["responses"]), path
        assert operation["security"] == [{"bearer": []}], path


#: notify's writes whose repetition changes nothing: a key is accepted, not needed
NATURALLY_IDEMPOTENT = {("POST", "/api/v1/notifications/{notification_id}/read")}


#: the areas whose every write requires its Idempotency-Key (``gateway.routing.KEY_REQUIRED_TAGS`` and
#: notify's own declarations): a client's retry without its key would do the work twice
KEY_REQUIRED_AREAS = ("notify", "archive", "feedback", "goods-release", "keys", "vacant units", "inspections",
                      "renovation")


#: the writes that take no key, with their reasons (``gateway.routing.KEYLESS_WRITES``): login, logout
#: and a password change (tokens), the providers' signed notifications (their own ids are the keys) and
#: the previews (they write nothing)
KEYLESS = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password"),
           ("POST", "/api/v1/payments/notify/{provider}"), ("POST", "/api/v1/notify/receipts/sms"),
           ("POST", "/api/v1/notify/receipts/wechat"), ("POST", "/api/v1/templates/preview"),
           ("POST", "/api/v1/projects/{project_id}/templates/preview")}


def test_every_write_of_the_gateway_requires_an_idempotency_key_but_the_documented_few():
    """Every write -- billing's payments, receipts, refunds, deposits, bills and bank files first, then
    dunning, tickets, complaints, revisits, notify, registry, settings, platform -- requires its
    Idempotency-Key (400 idempotency_key_required, documented in the OpenAPI document), but the
    naturally idempotent read mark and the allow-list, each entry with its reason."""
    from gateway.routing import KEYLESS_WRITES, ROUTES, WRITE_METHODS
    assert set(KEYLESS_WRITES) == KEYLESS and all(KEYLESS_WRITES.values())
    paths = build_document()["paths"]
    writes = [spec for spec in ROUTES if spec.method in WRITE_METHODS]
    assert {tag for spec in writes if spec.idempotency == "required" for tag in spec.tags} >= {
        "billing", "dunning", "tickets", "complaints", "revisits", "notify", "registry", "settings"}
    for spec in writes:
        operation = paths[spec.path][spec.method.lower()]
        header = [p for p in operation.get("parameters", ()) if p["name"] == "Idempotency-Key"]
        if (spec.method, spec.path) in KEYLESS:
            assert spec.idempotency == "" and not header, (spec.method, spec.path)
            continue
        expected = "natural" if (spec.method, spec.path) in NATURALLY_IDEMPOTENT else "required"
        assert spec.idempotency == expected, (spec.method, spec.path)
        assert header and header[0]["required"] is (expected == "required"), (spec.method, spec.path)
        if expected == "required":
            assert "400" in operation["responses"], spec.path


def test_a_write_declared_without_a_key_and_not_in_the_allow_list_is_refused_at_declaration():
    from gateway.routing import RouteSpec
    with pytest.raises(ValueError, match="KEYLESS_WRITES"):
        RouteSpec(method="POST", path="/api/v1/units/{unit_id}/payments", summary="a payment without a key")
    assert RouteSpec(method="POST", path="/api/v1/x", summary="x", idempotent=True).idempotency == "required"
    assert RouteSpec(method="POST", path="/api/v1/auth/token", summary="login").idempotency == ""


@pytest.mark.parametrize("tag", KEY_REQUIRED_AREAS)
def test_every_write_of_these_areas_requires_an_idempotency_key(tag):
    """A notify write sent twice without a key would be done twice (two broadcasts: every household
    messaged twice); so would a household file's record, a feedback, a goods release, a key's move, a
    vacant unit's check, an inspection's result or a renovation's step: each one requires the header
    (400 idempotency_key_required, documented), except notify's read mark (naturally idempotent), the
    previews (they write nothing) and the providers' signed receipts. The refusal itself, over HTTP:
    gateway/tests/test_http.py."""
    from gateway.routing import KEY_REQUIRED_TAGS, ROUTES, WRITE_METHODS
    assert tag == "notify" or tag in KEY_REQUIRED_TAGS
    paths = build_document()["paths"]
    writes = [spec for spec in ROUTES if tag in spec.tags and spec.method in WRITE_METHODS and spec.auth
              and not spec.path.endswith("/preview")]
    assert len(writes) >= 3, tag
    for spec in writes:
        expected = "natural" if (spec.method, spec.path) in NATURALLY_IDEMPOTENT else "required"
        assert spec.idempotency == expected, (spec.method, spec.path)
        header = next(p for p in paths[spec.path][spec.method.lower()]["parameters"] if p["name"] == "Idempotency-Key")
        assert header["required"] is (expected == "required"), spec.path
        if expected == "required":
            assert "400" in paths[spec.path][spec.method.lower()]["responses"], spec.path
    if tag != "notify":
        return
    previews = [spec for spec in ROUTES if "notify" in spec.tags and spec.path.endswith("/preview")]
    assert previews and not any(spec.idempotent for spec in previews)
