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

PATHS = ("/keys", "/key-stock-checks", "/front-desk-tasks", "/vacant-units", "/vacant-checks", "/vacant-findings")


def routes():
    return [r for r in ROUTES if any(p in r.path for p in PATHS)]


def test_every_route_names_its_roles_and_every_write_takes_a_key():
    found = routes()
    assert len(found) == 15
    for spec in found:
        assert re.search(r"(manager|steward|desk|household)", spec.summary), spec.path
        assert spec.idempotent == (spec.method in ("POST", "PUT")), spec.path
    paths = build_document()["paths"]
    move = paths["/api/v1/keys/{key_id}/moves"]["post"]
    assert {"403", "404", "409", "422"} <= set(move["responses"])
    assert "Idempotency-Key" in {p["name"] for p in move["parameters"]}
    assert "/api/v1/projects/{project_id}/vacant-units/{month}" in paths


@pytest.mark.parametrize("schema, data", [
    (s.KeyMoveIn, {"action": "lend"}),
    (s.KeyMoveIn, {"action": "request_loan", "id_number": "12345"}),
    (s.KeyMoveIn, {"action": "request_loan", "phone": "12"}),
    (s.KeyMoveIn, {"action": "collect", "contract_ref": "a\nb"}),
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
])
def test_bad_input_is_refused_before_tickets_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)
