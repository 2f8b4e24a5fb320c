"""The keys' and vacant units' routes, gateway side, without a broker (issue 12): every route names its
roles, every write takes an Idempotency-Key, the OpenAPI document carries them, and bad bodies are
refused (400) before tickets is asked. Against the real services: tests/e2e/test_key_loan.py."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routing import ROUTES

PATHS = ("/keys", "/key-stock-checks", "/key-phone-reads", "/front-desk-tasks", "/vacant-units", "/vacant-checks", "/vacant-findings",
         "/vacant-care")


def routes():
    # the printed sheets (GET .../vacant-checks/{month}.pdf ...) are test_printout_routes.py's
    return [r for r in ROUTES if any(p in r.path for p in PATHS) and "printouts" not in r.tags]


def test_every_route_names_its_roles_and_every_write_takes_a_key():
    found = routes()
    assert len(found) == 22
    for spec in found:
        assert re.search(r"(manager|steward|desk|household)", spec.summary), spec.path
        assert spec.idempotent == (spec.method in ("POST", "PUT")), spec.path
    paths = build_document()["paths"]
    move = paths["/api/v1/keys/{key_id}/moves"]["post"]
    assert {"403", "404", "409", "422"} <= set(move["responses"])
    assert "Idempotency-Key" in {p["name"] for p in move["parameters"]}
    assert "/api/v1/projects/{project_id}/vacant-units/{month}" in paths
    # a room named twice, a rejection with no reason: 422 (room_recorded_twice, decision_reason_required)
    for path in ("/api/v1/vacant-checks/{check_id}/record", "/api/v1/vacant-findings/{finding_id}/decision",
                 "/api/v1/vacant-care/{care_id}/record", "/api/v1/vacant-care/{care_id}/cancel"):
        assert {"400", "403", "404", "409", "422"} <= set(paths[path]["post"]["responses"]), path


@pytest.mark.parametrize("schema, data", [
    (s.KeyMoveIn, {"action": "lend"}),
    (s.KeyMoveIn, {"action": "request_loan", "id_number": "12345"}),
    (s.KeyMoveIn, {"action": "request_loan", "phone": "12"}),
    (s.KeyMoveIn, {"action": "collect", "contract_ref": "a\nb"}),
    (s.KeyMoveIn, {"action": "owner_consent", "borrower_id_number": "110101199003071233"}),      # no type
    (s.KeyMoveIn, {"action": "owner_consent", "borrower_id_type": "resident_id",
                   "borrower_id_number": "110101199003071234"}),                                 # check digit
    (s.KeyMoveIn, {"action": "take_deposit", "deposit_id": "d\n1"}),
    (s.KeyMoveIn, {"action": "approve_loan", "deposit_ref": "SJ-1"}),          # superseded by take_deposit
    (s.KeyPhoneQuery, {}),                                                    # a logged read states why
    (s.KeyPhoneQuery, {"purpose": " "}),
    (s.KeyPhoneReadQuery, {"outcome": "maybe"}),
    (s.KeyPhoneReadQuery, {"limit": 0}),
    (s.KeyReceiveIn, {"label": "入户门钥匙"}),
    (s.KeyReceiveIn, {"unit_id": "u1", "copies": 0}),
    (s.StockCheckIn, {"kind": "yearly", "found": []}),
    (s.StockCheckQuery, {"month": "2026-13"}),
    (s.VacantRegisterIn, {}),
    (s.VacantCheckIn, {"findings": []}),
    (s.VacantCheckIn, {"findings": [{"room": "客厅", "result": "broken"}]}),
    (s.CrackDecisionIn, {"note": "ok"}),
    (s.CrackDecisionIn, {"approve": "yes"}),            # strict booleans: "yes", 1, "true" are not true
    (s.CrackDecisionIn, {"approve": 1}),
    (s.CrackDecisionIn, {"approve": "true"}),
    (s.VacantRegisterIn, {"unit_ids": ["u1"], "owner_registered": [""]}),
    (s.VacantCheckIn, {"findings": [{"room": "   ", "result": "ok"}]}),         # a blank room (trial 3, M7)
    (s.VacantCheckIn, {"findings": [{"room": "\u3000", "result": "ok"}]}),
    (s.VacantCheckIn, {"findings": [{"room": "客\n厅", "result": "ok"}]}),
    (s.VacantCareRecordIn, {"anomaly": "yes"}),                                 # the care of vacant units
    (s.VacantCareRecordIn, {"anomaly_kind": "ghosts"}),
    (s.VacantCareRecordIn, {"key_loan_id": "../../x"}),
    (s.VacantCareRecordIn, {"performed_at": "2026-11-24T10:00:00"}),           # no offset
    (s.VacantCareCancelIn, {"reason": ""}),
    (s.VacantCareQuery, {"state": "someday"}),
    (s.VacantCareQuery, {"care_kind": "painting"}),
])
def test_bad_input_is_refused_before_tickets_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)


#: every front-desk route that creates a record and answers it (issue 12's trial: POST /keys answered 200
#: where the other creates answer 201); a step on a record (its verify, a key's move, a renovation's pass
#: answering the renovation) and the month's register (PUT, set to match) answer 200
FRONT_DESK_CREATES = {
    ("POST", "/api/v1/keys"), ("POST", "/api/v1/projects/{project_id}/key-stock-checks"),
    ("POST", "/api/v1/goods-releases"), ("POST", "/api/v1/renovations"),
    ("POST", "/api/v1/projects/{project_id}/inspection-areas"), ("POST", "/api/v1/inspection-areas/{area_id}/rounds"),
}


def test_front_desk_creates_answer_201_and_steps_200():
    areas = {"keys", "vacant units", "goods-release", "inspections", "renovation"}
    front_desk = [r for r in ROUTES if areas.intersection(r.tags) and r.method in ("POST", "PUT")]
    assert {(r.method, r.path) for r in front_desk} >= FRONT_DESK_CREATES
    for spec in front_desk:
        expected = 201 if (spec.method, spec.path) in FRONT_DESK_CREATES else 200
        assert spec.status == expected, (spec.method, spec.path, spec.status)
    paths = build_document()["paths"]
    assert "201" in paths["/api/v1/keys"]["post"]["responses"]


def test_every_front_desk_object_answers_its_id():
    """Issue 12's trial: a goods release answered ``release_id``, a renovation only ``ticket.id``, the
    month's register nothing -- every front-desk object now has ``id`` (the old names kept)."""
    for schema in (s.GoodsReleaseOut, s.KeyOut, s.StockCheckOut, s.VacantRegisterOut, s.VacantCheckOut, s.FindingOut,
                   s.InspectionAreaOut, s.InspectionRoundOut, s.RenovationOut):
        assert "id" in schema().fields, schema.__name__
    assert "release_id" in s.GoodsReleaseOut().fields                       # kept for older clients
    dumped = s.RenovationOut().dump({"id": "t1", "ticket": {"id": "t1"}, "renovation": {}})
    assert dumped["id"] == dumped["ticket"]["id"] == "t1"


def test_the_key_routes_name_their_real_readers_and_the_document_gives_the_length_limits():
    """Trial 3, L10: GET /keys/{id} said "staff of the project" but engineering and finance get 403;
    the OpenAPI document gave no maxLength for the fields the server limits (100 / 100 / 1000)."""
    paths = build_document()["paths"]
    for path in ("/api/v1/keys/{key_id}", "/api/v1/units/{unit_id}/keys"):
        summary = paths[path]["get"]["summary"]
        assert "staff of the project" not in summary
        assert all(role in summary for role in ("front desk", "steward", "CS manager", "centre manager", "GM",
                                                "group admin")), summary
        assert "engineering" not in summary and "finance" not in summary
    schemas = build_document()["components"]["schemas"]
    receive = schemas["KeyReceiveIn"]["properties"]
    assert (receive["label"]["maxLength"], receive["name"]["maxLength"], receive["note"]["maxLength"]) == (100, 100, 1000)
    moved = schemas["KeyMoveIn"]["properties"]
    assert moved["name"]["maxLength"] == 100 and moved["purpose"]["maxLength"] == 200
    assert moved["id_type"]["enum"] == ["resident_id", "passport", "hk_macau_permit", "taiwan_permit",
                                        "hmt_residence_permit"]
    assert "copies_found" in schemas["StockCheckIn"]["properties"]


@pytest.mark.parametrize("body", [
    {"action": "request_loan", "name": "某人", "id_number": "110101199003071233", "purpose": "x"},   # no id_type
    {"action": "request_loan", "name": "某人", "id_type": "resident_id", "id_number": "12345678901234567",
     "purpose": "x"},                                                                              # a digit short
    {"action": "request_loan", "name": "某人", "id_type": "resident_id", "id_number": "110101199003071234",
     "purpose": "x"},                                                                              # check digit
    {"action": "collect", "id_type": "visa"},
])
def test_a_key_move_takes_the_document_type_with_the_number(body):
    with pytest.raises(ValidationError):
        s.KeyMoveIn().load(body)
    s.KeyMoveIn().load({"action": "request_loan", "name": "某人", "id_type": "resident_id",
                        "id_number": "110101199003071233", "purpose": "x"})


def test_the_phone_read_answers_410_once_the_loan_is_long_over_and_its_record_is_the_managers():
    paths = build_document()["paths"]
    phone = paths["/api/v1/keys/{key_id}/loans/{loan_id}/phone"]["get"]
    assert "410" in phone["responses"] and "keys.phone_readable_days" in phone["description"]
    reads = paths["/api/v1/projects/{project_id}/key-phone-reads"]["get"]
    assert "CS manager" in reads["summary"] and "centre manager" in reads["summary"]
    assert "front desk" not in reads["summary"]
    assert {"loan_id", "key_id", "reader_id", "outcome", "limit", "offset"} <= {p["name"] for p in reads["parameters"]}
