"""The census routes' gateway side without a broker (issue 11): each states who may call it, the writes
take an Idempotency-Key, archive is named a settings service, and bad input is a 400 before archive is
asked. Against the real archive: services/archive/tests/test_census_service.py."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routes.tickets import SETTINGS_SERVICES
from gateway.routing import ROUTES

CENSUS = {
    ("GET", "/api/v1/projects/{project_id}/stewards"),
    ("POST", "/api/v1/projects/{project_id}/stewards"),
    ("POST", "/api/v1/projects/{project_id}/stewards/remove"),
    ("GET", "/api/v1/units/{unit_id}/steward"),
    ("GET", "/api/v1/units/{unit_id}/household-summary"),
    ("GET", "/api/v1/census-tasks/mine"),
    ("GET", "/api/v1/projects/{project_id}/census-tasks"),
    ("GET", "/api/v1/projects/{project_id}/census-by-steward"),
    ("GET", "/api/v1/census-tasks/{task_id}"),
    ("POST", "/api/v1/census-tasks/{task_id}/confirm"),
    ("POST", "/api/v1/census-tasks/{task_id}/correct"),
    ("POST", "/api/v1/census-tasks/{task_id}/cancel"),
    ("GET", "/api/v1/projects/{project_id}/retention-purges"),
}


def test_every_census_route_is_documented_with_its_readers_and_the_writes_take_a_key():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES
             if any(w in spec.path for w in ("census", "stewards", "/steward", "household-summary", "retention"))}
    assert set(specs) == CENSUS
    for method, path in CENSUS:
        operation = paths[path][method.lower()]
        assert "archive" in operation["tags"] and "(" in operation["summary"], path
        assert "404" in operation["responses"] or path.endswith("/mine"), path
        assert specs[(method, path)].idempotent == (method == "POST"), path
    assert "archive" in SETTINGS_SERVICES


def test_a_census_correction_loads_and_bad_ones_are_refused():
    loaded = s.CensusCorrectIn().load({"people": [{"person_id": "p1", "phone": "13900001111",
                                                   "marketing_consent": True}]})
    assert loaded["people"][0] == {"person_id": "p1", "phone": "13900001111", "marketing_consent": True}


@pytest.mark.parametrize("body", [
    {"people": []}, {"people": [{"phone": "13900001111"}]}, {"people": [{"person_id": "p1", "phone": "139"}]},
    {"people": [{"person_id": "p1", "phone": "13900001111\n"}]}, {"people": [{"person_id": "p1", "locale": "fr"}]},
    {"people": [{"person_id": "p1", "name": "a\u202eb"}]}, {"people": [{"person_id": "p1", "marketing_consent": None}]},
    {"people": [{"person_id": "p1"}, {"person_id": "p1"}]}, {"people": [{"person_id": "p1"}], "note": "x" * 1001},
])
def test_bad_corrections_are_refused_before_archive_is_asked(body):
    with pytest.raises(ValidationError):
        s.CensusCorrectIn().load(body)


@pytest.mark.parametrize("schema,data", [
    (s.StewardAssignIn, {"building_id": "b1"}),
    (s.StewardAssignIn, {"building_id": "b1", "steward_id": "st", "work_phone": "12345"}),
    (s.StewardAssignIn, {"building_id": "", "steward_id": "st"}),
    (s.CensusQuery, {"state": "late"}), (s.CensusQuery, {"limit": "0"}), (s.CensusQuery, {"limit": "201"}),
    (s.CensusCancelIn, {"reason": " "}), (s.RetentionPurgeQuery, {"offset": "-1"}),
])
def test_bad_input_is_a_400(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)
