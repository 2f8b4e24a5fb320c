"""The inspection routes' gateway side without a broker (issue 12): each states who may call it,
every write takes an Idempotency-Key, bad input is a 400 before tickets is asked. A round through the
routes against the real services: tests/e2e/test_inspection_flow.py."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.readmodel import projector
from gateway.routing import ROUTES

RECORDERS, EDITORS = "steward, front desk", "CS manager, centre manager"
READERS = "steward, front desk, CS manager, centre manager (and the GM / group admin)"
STAFF = "any staff of the project"
INSPECTIONS = {
    ("GET", "/api/v1/projects/{project_id}/inspection-templates"): STAFF,
    ("GET", "/api/v1/projects/{project_id}/inspection-templates/{area_type}/history"): STAFF,
    ("PUT", "/api/v1/projects/{project_id}/inspection-templates/{area_type}"): EDITORS,
    ("GET", "/api/v1/projects/{project_id}/inspection-areas"): STAFF,
    ("POST", "/api/v1/projects/{project_id}/inspection-areas"): EDITORS,
    ("PUT", "/api/v1/inspection-areas/{area_id}"): EDITORS,
    ("POST", "/api/v1/inspection-areas/{area_id}/rounds"): RECORDERS,
    ("GET", "/api/v1/inspection-rounds/{round_id}"): READERS,
    ("POST", "/api/v1/inspection-rounds/{round_id}/start"): RECORDERS,
    ("POST", "/api/v1/inspection-rounds/{round_id}/results"): RECORDERS,
    ("POST", "/api/v1/inspection-rounds/{round_id}/complete"): RECORDERS,
    ("POST", "/api/v1/inspection-rounds/{round_id}/cancel"): EDITORS,
    ("POST", "/api/v1/inspection-rounds/{round_id}/assign"): EDITORS,
    ("GET", "/api/v1/projects/{project_id}/inspection-rounds"): READERS,
    ("GET", "/api/v1/projects/{project_id}/patrols-by-steward"): READERS,
    ("GET", "/api/v1/projects/{project_id}/inspection-figures/{month}"): READERS,
}


def test_every_inspection_route_states_its_roles_and_every_write_takes_a_key():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "inspections" in spec.tags}
    assert set(specs) == set(INSPECTIONS)
    for (method, path), who in INSPECTIONS.items():
        operation = paths[path][method.lower()]
        summary = operation["summary"]
        assert summary.endswith(f"({who})") or re.search(r"\(([^()]*\([^()]*\)[^()]*)\)$", summary), path
        assert who in summary, path
        assert "404" in operation["responses"], path
        assert specs[(method, path)].idempotent == (method != "GET"), path
        if method != "GET":
            assert any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", ())), path
    rounds = paths["/api/v1/projects/{project_id}/inspection-rounds"]["get"]
    assert {p["name"] for p in rounds["parameters"] if p["in"] == "query"} == {
        "due", "status", "assignee_id", "area_id", "day", "limit", "offset"}


def test_rounds_are_kept_for_the_rounds_routes_only():
    """Issue 12: rounds are projected (their ``inspection`` part) -- never a ticket any reader lists."""
    assert "inspection" not in projector.STAFF_ONLY_KINDS and projector.STAFF_KINDS["inspection"] == "XJ"


@pytest.mark.parametrize("schema,data", [
    (s.InspectionAreaChangeIn, {"active": "no"}),          # strict booleans
    (s.RenovationPatrolIn, {"waste_seen": "yes"}),
    (s.RenovationAcceptanceIn, {"passed": 1}),
    (s.CrackDecisionIn, {"approve": "yes"}),
    (s.InspectionChecklistIn, {"items": []}),
    (s.InspectionChecklistIn, {"items": [{"code": "st01", "name": "灯"}]}),
    (s.InspectionChecklistIn, {"items": [{"name": " "}]}),
    (s.InspectionChecklistIn, {"items": [{"name": "灯"}] * 51}),
    (s.InspectionAreaIn, {"name": "1栋楼梯间"}),
    (s.InspectionAreaIn, {"name": "1栋楼梯间", "area_type": "basement"}),
    (s.InspectionAreaIn, {"name": "a\u202eb", "area_type": "roof"}),
    (s.InspectionAreaChangeIn, {"active": "maybe"}),
    (s.RoundResultsIn, {"results": []}),
    (s.RoundResultsIn, {"results": [{"item_code": "ST01", "outcome": "broken"}]}),
    (s.RoundResultsIn, {"results": [{"item_code": "ST01", "outcome": "ok"}, {"item_code": "ST01", "outcome": "ok"}]}),
    (s.RoundResultsIn, {"results": [{"item_code": "ST01", "outcome": "failed", "photo_ref": "../secret"}]}),
    (s.RoundResultsIn, {"results": [{"item_code": "ST01", "outcome": "failed", "photo_ref": "a b"}]}),
    (s.RoundResultsIn, {"results": [{"item_code": "ST01", "outcome": "failed", "note": "x" * 1001}]}),
    (s.ReasonIn, {"reason": ""}),
    (s.InspectionRoundQuery, {"due": "overdue"}), (s.InspectionRoundQuery, {"day": "2026-02-30"}),
    (s.InspectionRoundQuery, {"status": "open"}), (s.InspectionRoundQuery, {"limit": "0"}),
])
def test_bad_input_is_refused_before_tickets_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)


def test_a_result_with_its_photo_loads():
    loaded = s.RoundResultsIn().load({"results": [{"item_code": "ST06", "outcome": "failed", "note": "灭火器过期",
                                                   "photo_ref": "documents/3f2a-photo.jpg"}]})
    assert loaded["results"][0] == {"item_code": "ST06", "outcome": "failed", "note": "灭火器过期",
                                    "photo_ref": "documents/3f2a-photo.jpg"}
