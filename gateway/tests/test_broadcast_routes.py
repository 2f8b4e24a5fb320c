"""The broadcast routes' gateway side without a broker (issue 10): each states its roles and errors, the
writes take an Idempotency-Key, and bad input is a 400 before notify is asked. Against the real services:
tests/e2e/test_broadcasts.py."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routing import ROUTES

BROADCASTS = {
    ("POST", "/api/v1/projects/{project_id}/broadcasts"),
    ("GET", "/api/v1/projects/{project_id}/broadcasts"),
    ("GET", "/api/v1/broadcasts/{broadcast_id}"),
    ("POST", "/api/v1/broadcasts/{broadcast_id}/cancel"),
}


def test_every_broadcast_route_states_its_roles_and_the_writes_take_a_key():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "broadcasts" in spec.path}
    assert set(specs) == BROADCASTS
    for method, path in BROADCASTS:
        operation = paths[path][method.lower()]
        readers = "; general manager, group admin" if method == "GET" else ""
        assert operation["summary"].endswith(f"(CS manager, centre manager of the project{readers})"), path
        assert "notify" in operation["tags"]
        assert {"403", "404"} <= set(operation["responses"]), path
        assert specs[(method, path)].idempotent == (method == "POST"), path
    assert "409" in paths["/api/v1/broadcasts/{broadcast_id}/cancel"]["post"]["responses"]


OK = {"purpose": "outage.notice", "target": "project", "channels": ["inapp", "sms"],
      "values": {"outage_label": "停水", "area_label": "1栋", "starts_at": "09:00", "ends_at": "17:00",
                 "reason": "检修", "service_phone": "0571-88880000"}}


def test_a_good_broadcast_loads():
    loaded = s.BroadcastIn().load({**OK, "send_at": "2026-11-25T08:00:00+08:00"})
    assert loaded["send_at"].isoformat() == "2026-11-25T08:00:00+08:00" and loaded["unit_ids"] is None


@pytest.mark.parametrize("change", [
    {"purpose": "bill_notice"}, {"purpose": None}, {"target": "street"}, {"channels": []}, {"channels": ["fax"]},
    {"channels": "sms"}, {"values": {"reason": "a\nb"}}, {"values": {"reason": ""}}, {"values": {"reason": "x" * 501}},
    {"values": {"reason": 5}}, {"values": {f"k{i}": "v" for i in range(21)}}, {"unit_ids": []},
    {"unit_ids": ["u"] * 10001}, {"building_id": ""}, {"send_at": "2026-11-25T08:00:00"},
    {"send_at": "9999-12-31T23:59:59-23:59"},
])
def test_bad_input_is_refused_before_notify_is_asked(change):
    with pytest.raises(ValidationError):
        s.BroadcastIn().load({**OK, **change})


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "201"}, {"offset": "-1"}])
def test_a_bad_list_query_is_refused(query):
    with pytest.raises(ValidationError):
        s.BroadcastQuery().load(query)


def test_the_values_object_is_bounded_by_its_properties_in_the_openapi_document():
    """Trial 10, finding 20: a Dict's Length is maxProperties (not maxLength, which is for text)."""
    values = build_document()["components"]["schemas"]["BroadcastIn"]["properties"]["values"]
    assert values["maxProperties"] == 20 and "maxLength" not in values
