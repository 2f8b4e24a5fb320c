"""The dunning routes' gateway side without a broker: each states its roles and errors, every write
takes an Idempotency-Key, bad input is a 400 before billing is asked, and the account's dunning
state (stage, class, paused, late fee accrued) is kept in the read model and shown on the account
and the overview. The routes against the real services: tests/e2e/test_dunning_classes.py."""
from __future__ import annotations

import re

import pytest
from marshmallow import ValidationError
from sqlalchemy.orm import Session

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.readmodel import projector, views
from gateway.routing import ROUTES
from kernel.db import make_engine
from kernel.fastdump import Dumper
from kernel.testing import migrated_sqlite, resident, staff

from .test_billing_queries import G, balance_changed

DUNNING = {
    ("GET", "/api/v1/projects/{project_id}/dunning/cases"): "staff of the project",
    ("GET", "/api/v1/dunning/cases/{case_id}"): "staff of the project",
    ("POST", "/api/v1/dunning/cases/{case_id}/class"): "steward, CS manager, centre manager",
    ("POST", "/api/v1/dunning/cases/{case_id}/actions"): "steward, CS manager, centre manager",
    ("POST", "/api/v1/projects/{project_id}/dunning/assignments"): "CS manager, centre manager",
    ("GET", "/api/v1/projects/{project_id}/dunning/tasks"): "staff of the project",
}


def test_every_dunning_route_states_its_roles_and_every_write_takes_a_key():
    paths = build_document()["paths"]
    # (a case's installment plans and legal proposals are the hardship routes', the daily report and the
    # weekly summary the reports': test_hardship_routes.py, test_arrears_reports.py)
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "/dunning/" in spec.path
             and not spec.path.endswith(("/installment-plans", "/legal-proposals", "/daily-report",
                                         "/daily-report.csv", "/weekly-summary", "/weekly-summary.csv"))}
    assert set(specs) == set(DUNNING)
    for (method, path), who in DUNNING.items():
        operation = paths[path][method.lower()]
        assert re.search(r"\(([^()]*)\)$", operation["summary"]).group(1).endswith(who), path
        assert "404" in operation["responses"], path
        assert specs[(method, path)].idempotent == (method == "POST"), path
    tasks = paths["/api/v1/projects/{project_id}/dunning/tasks"]["get"]
    assert {p["name"] for p in tasks["parameters"] if p["in"] == "query"} == {"steward", "day", "limit", "offset"}
    cases = paths["/api/v1/projects/{project_id}/dunning/cases"]["get"]
    assert {p["name"] for p in cases["parameters"] if p["in"] == "query"} == {
        "status", "stage", "class", "steward", "paused", "limit", "offset"}


@pytest.mark.parametrize("schema, data", [
    (s.DunningCasesQuery, {"status": "all"}), (s.DunningCasesQuery, {"class": "F"}),
    (s.DunningCasesQuery, {"stage": "third"}), (s.DunningCasesQuery, {"paused": "maybe"}),
    (s.DunningCasesQuery, {"limit": "0"}),
    (s.DunningTasksQuery, {"day": "2026-02-30"}), (s.DunningTasksQuery, {"day": "9999-01-01"}),
    (s.DunningTasksQuery, {"steward": ""}),
    (s.ArrearsClassIn, {}), (s.ArrearsClassIn, {"arrears_class": "a"}),
    (s.ArrearsClassIn, {"arrears_class": "B", "note": "x" * 401}),
    (s.DunningActionIn, {"kind": "call"}), (s.DunningActionIn, {"kind": "cut_power", "outcome": "x"}),
    (s.DunningActionIn, {"kind": "door_notice", "outcome": "ok", "photo_ref": "a\tb"}),
    (s.DunningActionIn, {"kind": "promise", "outcome": "ok", "promised_amount": "12.345"}),
    (s.StewardAssignmentIn, {"case_ids": ["c1"] * 501, "steward_id": "s1"}),
    (s.StewardAssignmentIn, {"case_ids": "c1", "steward_id": "s1"}),
    (s.StewardAssignmentIn, {"case_ids": ["c1"], "steward_id": ""}),
])
def test_bad_input_is_refused_before_billing_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)


def test_the_cases_query_reads_class_from_the_query_string():
    assert s.DunningCasesQuery().load({"class": "C", "paused": "false"}) == {
        "status": "open", "stage": None, "arrears_class": "C", "steward": None, "paused": False, "limit": 50,
        "offset": 0}


@pytest.fixture
def session(tmp_path):
    engine = make_engine(migrated_sqlite(tmp_path, "gateway"))
    with Session(engine) as session:
        yield session
    engine.dispose()


def test_the_account_s_dunning_state_is_kept_and_shown_to_the_resident(session):
    projector.apply_unit(session, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                                   "version": 1})
    projector.apply_account(session, balance_changed(version=3, cause="dunning", entry_id=None, dunning_stage="final",
                                                     arrears_class="A", dunning_paused=False,
                                                     late_fee_accrued="1.05"))
    projector.apply_account(session, balance_changed(version=2, dunning_stage="first"))      # older: ignored
    session.commit()
    account = views.unit_account(session, resident(G, ["u1"]), "u1")
    shown = Dumper(s.AccountOut()).dump(account)
    assert shown == s.AccountOut().dump(account)
    assert {k: shown[k] for k in ("dunning_stage", "arrears_class", "dunning_paused", "late_fee_accrued")} == {
        "dunning_stage": "final", "arrears_class": "A", "dunning_paused": False, "late_fee_accrued": "1.05"}
    overview = Dumper(s.OverviewOut()).dump(views.overview(session, resident(G, ["u1"]), "u1", None))
    assert (overview["account"]["dunning_stage"], overview["account"]["arrears_class"]) == ("final", "A")
    # staff of the project read it too; nobody else does (a miss: billing answers with its refusal)
    assert views.unit_account(session, staff(G, ["p1"], roles=["steward"]), "u1")["arrears_class"] == "A"
    assert views.unit_account(session, resident(G, ["u2"]), "u1") is None


def test_a_row_projected_before_the_dunning_state_existed_still_reads(session):
    old = {k: v for k, v in balance_changed().items()
           if k not in ("dunning_stage", "arrears_class", "dunning_paused", "late_fee_accrued")}
    projector.apply_unit(session, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                                   "version": 1})
    projector.apply_account(session, old)
    session.commit()
    shown = Dumper(s.AccountOut()).dump(views.unit_account(session, resident(G, ["u1"]), "u1"))
    assert shown["dunning_stage"] is None and shown["balance_due"] == "95.56"
