"""The gateway's plain parts: accounts and tokens, the error table, OpenAPI."""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from werkzeug.exceptions import MethodNotAllowed, NotFound as WerkzeugNotFound

from kernel import errors as kerr
from kernel.testing import domain_session
from gateway import accounts
from gateway.errors import classify
from gateway.models import Base
from gateway.openapi import build_document
from gateway.routing import ROUTES
import gateway.service  # noqa: F401  (registers the routes)

KEY = "a-test-key-that-is-32-bytes-long"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def make_staff(session, **kw):
    args = dict(username="desk1", password="correct horse", display_name="王前台", kind="staff",
                group_id="g1", roles=["front_desk"], project_ids=["p1"], now=NOW)
    args.update(kw)
    user = accounts.create_user(session, **args)
    session.flush()
    return user


class TestAccounts:
    def test_password_round_trip(self):
        stored = accounts.hash_password("s3cret-pass")
        assert stored.startswith("scrypt$") and "s3cret" not in stored
        assert accounts.check_password("s3cret-pass", stored)
        assert not accounts.check_password("s3cret-pasS", stored)
        assert not accounts.check_password("x", "garbage")

    def test_authenticate(self, session):
        make_staff(session)
        assert accounts.authenticate(session, "desk1", "correct horse").username == "desk1"
        for username, password in (("desk1", "wrong"), ("nobody", "correct horse")):
            with pytest.raises(kerr.Unauthenticated) as exc:
                accounts.authenticate(session, username, password)
            assert exc.value.code == "invalid_credentials"

    def test_caller_from_user(self, session):
        staff = make_staff(session, project_ids=["p1", "p2"])
        caller = accounts.caller_for(staff)
        assert caller.project_ids == {"p1", "p2"} and caller.roles == {"front_desk"}
        assert not caller.all_projects
        gm = make_staff(session, username="gm", roles=["general_manager"], project_ids=[])
        assert accounts.caller_for(gm).all_projects
        resident = accounts.create_user(session, username="zw", password="resident-pass",
                                        display_name="张伟", kind="resident", group_id="g1", roles=[],
                                        unit_ids=["u1"], now=NOW)
        session.flush()
        caller = accounts.caller_for(resident)
        assert caller.is_resident and caller.unit_ids == {"u1"} and caller.roles == {"resident"}

    @pytest.mark.parametrize("kw,code", [
        (dict(kind="staff", roles=["resident"]), "bad_role"),
        (dict(roles=["janitor"]), "bad_role"),
        (dict(project_ids=[]), "bad_scope"),
        (dict(password="short"), "weak_password"),
        (dict(kind="resident", roles=[], project_ids=[]), "bad_scope"),
    ])
    def test_create_refuses(self, session, kw, code):
        with pytest.raises(kerr.InvalidInput) as exc:
            make_staff(session, **kw)
        assert exc.value.code == code

    def test_duplicate_username(self, session):
        make_staff(session)
        with pytest.raises(kerr.Conflict):
            make_staff(session)

    def test_tokens_expire_and_are_revoked(self, session):
        user = make_staff(session)
        token, expires = accounts.issue_token(user, KEY, NOW, timedelta(hours=8))
        assert expires == NOW + timedelta(hours=8)
        assert accounts.user_from_token(session, token, KEY, NOW + timedelta(hours=7)) is user
        with pytest.raises(kerr.Unauthenticated) as exc:
            accounts.user_from_token(session, token, KEY, NOW + timedelta(hours=8, seconds=1))
        assert exc.value.code == "token_expired"
        with pytest.raises(kerr.Unauthenticated) as exc:
            accounts.user_from_token(session, token, "another-key-of-thirty-two-bytes!!", NOW)
        assert exc.value.code == "invalid_token"
        accounts.set_password(session, "desk1", "a new password", NOW)
        with pytest.raises(kerr.Unauthenticated) as exc:
            accounts.user_from_token(session, token, KEY, NOW)
        assert exc.value.code == "token_revoked"


class TestErrorTable:
    @pytest.mark.parametrize("error,status,code", [
        (kerr.InvalidInput("bad"), 400, "invalid_input"),
        (kerr.Unauthenticated("who"), 401, "unauthenticated"),
        (kerr.Forbidden("no", code="project_out_of_scope"), 403, "project_out_of_scope"),
        (kerr.NotFound("gone", code="ticket_not_found"), 404, "ticket_not_found"),
        (kerr.Conflict("dup"), 409, "conflict"),
        (kerr.Gone("erased", code="document_erased"), 410, "document_erased"),
        (kerr.RuleViolation("rule", code="appointment_required"), 422, "appointment_required"),
        (kerr.Unavailable("down"), 503, "unavailable"),
    ])
    def test_remote_typed_errors(self, error, status, code):
        # what the gateway receives: nameko's RemoteError with the subclass name as exc_type
        err = classify(RemoteError("TicketNotFound", str(error)))
        assert (err.status, err.code) == (status, code)
        assert err.message == error.message

    def test_remote_bug_is_a_502_without_internals(self):
        err = classify(RemoteError("KeyError", "'password_hash'"))
        assert err.status == 502 and err.code == "upstream_error" and "password" not in err.message

    def test_contract_mismatch(self):
        assert classify(RemoteError("MethodNotFound", "get_tickt")).status == 502

    def test_infrastructure(self):
        assert (classify(RpcTimeout(10)).status, classify(RpcTimeout(10)).code) == (504, "upstream_timeout")
        assert classify(UnknownService("billing")).status == 503
        assert classify(ConnectionRefusedError()).status == 503

    def test_local_validation_and_routing(self):
        err = classify(ValidationError({"content": ["Missing data for required field."]}))
        assert err.status == 400 and err.details == {"content": ["Missing data for required field."]}
        assert classify(WerkzeugNotFound()).code == "route_not_found"
        assert classify(MethodNotAllowed()).status == 405


class TestOpenApi:
    def test_every_route_is_documented(self):
        doc = build_document()
        documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
        assert documented == {(r.path, r.method) for r in ROUTES}
        assert len(ROUTES) >= 15

    def test_operations_are_complete(self):
        doc = build_document()
        schemas = doc["components"]["schemas"]
        ids = set()
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                assert op["operationId"] not in ids
                ids.add(op["operationId"])
                assert op["responses"], (path, method)
                for response in op["responses"].values():
                    for media in response.get("content", {}).values():
                        ref = media["schema"].get("$ref") or media["schema"].get("items", {}).get("$ref")
                        if ref:
                            assert ref.split("/")[-1] in schemas
                # public: the document, logging in, a payment provider's signed notification, the SMS
                # gateway's and WeChat's signed delivery receipts
                if path.startswith("/api/v1/") and path not in ("/api/v1/openapi.json", "/api/v1/auth/token",
                                                                "/api/v1/payments/notify/{provider}",
                                                                "/api/v1/notify/receipts/sms",
                                                                "/api/v1/notify/receipts/wechat"):
                    assert op["security"] == [{"bearer": []}] and "401" in op["responses"]
        repair = doc["paths"]["/api/v1/repairs"]["post"]
        assert "201" in repair["responses"] and "422" in repair["responses"]
        body = schemas["RepairRequestIn"]
        assert body["required"] == ["content"]
        assert body["properties"]["category"]["enum"] == [
            "public_area", "in_home_paid", "not_covered", "unclassified", "maintenance"]
