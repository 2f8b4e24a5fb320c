"""The goods release routes' gateway side without a broker (issue 12): each is documented with who
may call it, every write takes an Idempotency-Key, the fee-checking steps document 409 and 503, and
bad input is a 400 before tickets is asked. Against the real services: tests/e2e/test_goods_release.py."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routing import ROUTES

ROUTES_OF_AREA = {
    ("POST", "/api/v1/goods-releases"),
    ("POST", "/api/v1/goods-releases/{release_id}/verify"),
    ("POST", "/api/v1/goods-releases/{release_id}/approve-attestation"),
    ("POST", "/api/v1/goods-releases/{release_id}/approve"),
    ("POST", "/api/v1/goods-releases/{release_id}/issue"),
    ("POST", "/api/v1/goods-releases/{release_id}/use"),
    ("POST", "/api/v1/goods-releases/{release_id}/void"),
    ("POST", "/api/v1/goods-releases/{release_id}/withdraw"),
    ("GET", "/api/v1/goods-releases/{release_id}"),
    ("GET", "/api/v1/units/{unit_id}/goods-releases"),
    ("GET", "/api/v1/projects/{project_id}/goods-releases/by-number/{number}"),
    ("GET", "/api/v1/projects/{project_id}/goods-releases"),
}
MOVER_ID = "110105198511204566"
GOOD = {"unit_id": "u1", "requester_role": "owner", "mover_name": "刘师傅", "mover_id_type": "resident_id",
        "mover_id_number": MOVER_ID, "items": [{"name": "冰箱", "quantity": 1}],
        "move_at": "2026-12-01T10:00:00+08:00"}


def test_every_goods_release_route_is_documented_with_its_callers_and_the_writes_take_a_key():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "goods-releases" in spec.path
             and "printouts" not in spec.tags}       # the pass's PDF: gateway/tests/test_printout_routes.py
    assert set(specs) == ROUTES_OF_AREA
    for method, path in ROUTES_OF_AREA:
        operation = paths[path][method.lower()]
        assert operation["tags"] == ["goods-release"] and "(" in operation["summary"], path
        assert "404" in operation["responses"], path
        assert specs[(method, path)].idempotent == (method == "POST"), path
    for step in ("approve", "issue"):
        responses = paths[f"/api/v1/goods-releases/{{release_id}}/{step}"]["post"]["responses"]
        assert {"409", "503"} <= set(responses)
    use = paths["/api/v1/goods-releases/{release_id}/use"]["post"]            # the gate's window
    assert "409" in use["responses"] and "pass_outside_window" in use["description"]
    assert "use_hours_after_move_day" in use["description"]


def test_a_release_loads_and_its_numbers_are_checked():
    assert s.GoodsReleaseIn().load(GOOD)["items"] == [{"name": "冰箱", "quantity": 1}]
    verify = s.GoodsReleaseVerifyIn().load({"identity": {
        "method": "by_phone", "person_name": "张伟", "id_number": "110101199003071233",
        "family_members": ["李娜"], "employer": "郑州市第一中学", "matched_archive": True}})
    assert verify["identity"]["id_type"] is None


@pytest.mark.parametrize("change", [
    {"mover_id_number": "110105198511204567"},                  # wrong check digit
    {"mover_id_type": "passport", "mover_id_number": "110105198511204566\n"},
    {"requester_role": "landlord"}, {"items": []}, {"items": [{"name": "箱", "quantity": 0}]},
    {"items": [{"name": "箱", "quantity": "2"}]}, {"items": [{"name": "a\u202eb", "quantity": 1}]},
    {"move_at": "2026-12-01T10:00:00"}, {"unit_id": "x" * 37},
    {"owner_consent": {"name": "张伟", "how": "by_wechat"}},
    {"identity": {"method": "in_person", "person_name": "张伟", "id_number": "110101199003071233",
                  "matched_archive": True}},                  # in person without the document type
])
def test_bad_releases_are_refused_before_tickets_is_asked(change):
    with pytest.raises(ValidationError):
        s.GoodsReleaseIn().load(dict(GOOD, **change))


def test_a_verify_needs_the_check_and_a_void_its_reason():
    with pytest.raises(ValidationError):
        s.GoodsReleaseVerifyIn().load({})
    with pytest.raises(ValidationError):
        s.GoodsReleaseVerifyIn().load({"identity": {"method": "by_phone", "person_name": "张伟",
                                                    "id_number": "110101199003071233", "matched_archive": True}})
    with pytest.raises(ValidationError):
        s.GoodsReleaseVoidIn().load({})
    with pytest.raises(ValidationError):
        s.GoodsReleaseVoidIn().load({"reason": "   "})


def test_the_checked_number_s_check_digit_is_tickets_422_and_its_refusals_are_documented():
    # the identity check's number of the right shape passes the gateway: a wrong GB 11643 check digit is
    # tickets' 422 id_number_invalid (one rule: kernel.validators.require_id_number), garbage a 400 here
    check = {"method": "in_person", "person_name": "张伟", "id_type": "resident_id",
             "id_number": "110101199003071234", "matched_archive": True}
    assert s.GoodsReleaseVerifyIn().load({"identity": check})["identity"]["id_number"] == "110101199003071234"
    for garbage in ("1101-0119", "a\nb", "x" * 41, ""):
        with pytest.raises(ValidationError):
            s.GoodsReleaseVerifyIn().load({"identity": dict(check, id_number=garbage)})
    verify = build_document()["paths"]["/api/v1/goods-releases/{release_id}/verify"]["post"]
    assert {"400", "404", "422", "503"} <= set(verify["responses"])
    for code in ("id_number_invalid", "identity_not_matched", "identity_match_locked", "archive_unavailable"):
        assert code in verify["description"], code


def test_a_wrong_check_digit_from_tickets_is_a_422_with_the_chinese_first():
    from nameko.exceptions import RemoteError

    from gateway.errors import classify
    from kernel.validators import IdNumberInvalid, require_id_number
    with pytest.raises(IdNumberInvalid) as refused:
        require_id_number("110101199003071234")
    answer = classify(RemoteError("RuleViolation", str(refused.value)))
    assert (answer.status, answer.code) == (422, "id_number_invalid")
    assert answer.message.startswith("证件号码无效") and "check digit" in answer.message


def test_the_vacant_register_documents_owner_registered_refusals():
    put = build_document()["paths"]["/api/v1/projects/{project_id}/vacant-units/{month}"]["put"]
    assert {"404", "422"} <= set(put["responses"]) and "owner_registered_not_listed" in put["description"]


def test_withdraw_the_lock_lift_and_the_move_day_are_routes_with_keys():
    """Trial 4 M9 (withdraw), M7 (the CS manager lifts a unit's lock), M3 (the gate's move day)."""
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES}
    unlock = ("POST", "/api/v1/units/{unit_id}/identity-match/unlock")
    assert specs[unlock].idempotent and "CS manager" in paths[unlock[1]]["post"]["summary"]
    with pytest.raises(ValidationError):
        s.IdentityUnlockIn().load({})
    assert s.GoodsReleaseWithdrawIn().load({}) == {"reason": None}
    gate = paths["/api/v1/projects/{project_id}/goods-releases"]["get"]
    assert "move day" in gate["description"] and "issued_day" in gate["description"]
    assert s.GoodsReleaseDayQuery().load({"day": "2026-11-28"})["day"].isoformat() == "2026-11-28"
    # an agent's consent carries the owner's number; a one-person household's phone check names no one
    consent = s.OwnerConsentIn().load({"name": "张伟", "how": "by_phone", "id_number": "110101199003071233"})
    assert consent["id_number"] == "110101199003071233"
    assert s.GoodsReleaseVerifyIn().load({"identity": {
        "method": "by_phone", "person_name": "张伟", "id_number": "110101199003071233", "family_members": [],
        "employer": "郑州市第一中学", "matched_archive": True}})["identity"]["family_members"] == []


def test_move_at_is_answered_in_the_projects_zone_whichever_read_answers():
    """Trial 4 L3: ``+08:00`` on the request, ``+00:00`` after verify -- one zone in every reply."""
    from gateway.routes.goods_release import _in_zone, _page_in_zone
    assert _in_zone({"move_at": "2026-11-28T02:00:00+00:00"})["move_at"] == "2026-11-28T10:00:00+08:00"
    assert _in_zone({"move_at": "2026-11-28T10:00:00+08:00"})["move_at"] == "2026-11-28T10:00:00+08:00"
    page = _page_in_zone({"items": [{"move_at": "2026-11-28T02:00:00+00:00"}], "total": 1})
    assert page == {"items": [{"move_at": "2026-11-28T10:00:00+08:00"}], "total": 1}
    assert _in_zone(None) is None


def test_the_supervisors_approval_of_an_attested_check_is_a_keyed_step_of_its_own():
    """主管复核: its own write route (an Idempotency-Key), documented with who approves (never who
    attested: 422 own_attestation), forwarded to tickets as the table's approve_attestation step."""
    from gateway.routes.goods_release import GoodsReleaseRoutes
    path = "/api/v1/goods-releases/{release_id}/approve-attestation"
    spec = {(r.method, r.path): r for r in ROUTES}[("POST", path)]
    assert spec.idempotent
    operation = build_document()["paths"][path]["post"]
    assert "CS manager" in operation["summary"] and "own_attestation" in operation["description"]
    assert {"409", "422"} <= set(operation["responses"])
    verify = build_document()["paths"]["/api/v1/goods-releases/{release_id}/verify"]["post"]
    assert "approve-attestation" in verify["description"]

    calls = []

    class Routes(GoodsReleaseRoutes):
        def _as(self, user):
            return lambda *args, **kwargs: calls.append((args, kwargs)) or {"id": "r1", "status": "verified"}

        def _project_reply(self, *_):
            pass
    reply = Routes().approve_goods_release_attestation(None, object(), "r1", s.GoodsReleaseNoteIn().load(
        {"note": "证件原件已复核"}), "key-1")
    assert reply["status"] == "verified"
    assert calls == [(("tickets", "goods_release_step", "r1", {"note": "证件原件已复核", "action": "approve_attestation"}),
                      {"idempotency_key": "key-1"})]
