"""The hardship routes' gateway side without a broker: every route names its roles, every write takes
an Idempotency-Key, and bad bodies and query strings are refused (400) before billing is asked. The
routes against the real services: tests/e2e/test_dunning_hardship.py."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routing import ROUTES

PATHS = ("/disputes", "/bill-disputes", "/installment-plans", "/legal-proposals")


def hardship_routes():
    return [r for r in ROUTES if any(p in r.path for p in PATHS)]


def test_every_hardship_route_names_its_roles_and_every_write_takes_a_key():
    routes = hardship_routes()
    assert len(routes) == 16
    for spec in routes:
        roles = re.search(r"\(([^()]*)\)$", spec.summary)
        assert roles and any(r in roles.group(1) for r in ("manager", "steward", "desk", "finance")), spec.path
        assert spec.idempotent == (spec.method == "POST"), spec.path
    paths = build_document()["paths"]
    send = paths["/api/v1/legal-proposals/{proposal_id}/send"]["post"]
    assert {"403", "404", "409", "422"} <= set(send["responses"])
    plans = paths["/api/v1/projects/{project_id}/installment-plans"]["get"]
    assert {p["name"] for p in plans["parameters"]} == {"project_id", "status", "limit", "offset"}


@pytest.mark.parametrize("schema, data", [
    (s.DisputeQuery, {"status": "closed"}),
    (s.PlanQuery, {"status": "paused"}), (s.PlanQuery, {"limit": "0"}),
    (s.LegalQuery, {"kind": "eviction"}), (s.LegalQuery, {"status": "done"}), (s.LegalQuery, {"offset": "-1"}),
    (s.InstallmentPlanIn, {"reason": "困难", "instalments": [{"due_on": "2026-02-25", "amount": "10.001"}]}),
    (s.InstallmentPlanIn, {"reason": "困难", "instalments": [{"due_on": "2026-02-25", "amount": 10.5}]}),
    (s.InstallmentPlanIn, {"reason": "困难", "instalments": [{"amount": "10.00"}]}),
    (s.InstallmentPlanIn, {"instalments": [{"due_on": "2026-02-25", "amount": "10.00"}]}),
    (s.LegalStepIn, {"note": "a\x00b"}), (s.LegalDoneIn, {}),
    (s.DisputeResolveIn, {"outcome": "uphold"}),
])
def test_bad_input_is_refused_before_billing_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)
