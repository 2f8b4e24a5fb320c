"""The template routes' gateway side: roles in the summaries, the save takes an Idempotency-Key,
the preview is a POST that writes nothing (no key), bad input is a 400 before notify is asked."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routing import ROUTES

TEMPLATES = {
    ("GET", "/api/v1/projects/{project_id}/templates"): False,
    ("POST", "/api/v1/projects/{project_id}/templates"): True,
    ("POST", "/api/v1/projects/{project_id}/templates/preview"): False,
    ("DELETE", "/api/v1/projects/{project_id}/templates/{purpose}/{channel}/{locale}"): True,
}
#: the group's own templates (project -> group -> built-in)
GROUP_TEMPLATES = {
    ("GET", "/api/v1/templates"): False,
    ("PUT", "/api/v1/templates/{purpose}/{channel}/{locale}"): True,
    ("DELETE", "/api/v1/templates/{purpose}/{channel}/{locale}"): True,
    ("POST", "/api/v1/templates/preview"): False,
}


def test_the_template_routes_state_their_roles_and_only_the_save_takes_a_key():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "/templates" in spec.path}
    assert set(specs) == set(TEMPLATES) | set(GROUP_TEMPLATES)
    for key, idempotent in TEMPLATES.items():
        assert specs[key].idempotent is idempotent
        operation = paths[key[1]][key[0].lower()]
        assert operation["summary"].endswith("(CS manager, centre manager, group admin)")
        assert "403" in operation["responses"] and "404" in operation["responses"]
    assert "422" in paths["/api/v1/projects/{project_id}/templates/preview"]["post"]["responses"]
    for key, idempotent in GROUP_TEMPLATES.items():
        assert specs[key].idempotent is idempotent
        operation = paths[key[1]][key[0].lower()]
        assert operation["summary"].endswith("(group admin; a CS manager or centre manager who sees every project)")
        assert "403" in operation["responses"]
    # a reset answers 404 when there is no override to reset
    assert "404" in paths["/api/v1/templates/{purpose}/{channel}/{locale}"]["delete"]["responses"]


@pytest.mark.parametrize("schema, data", [
    (s.TemplatePreviewIn, {}), (s.TemplatePreviewIn, {"purpose": "nope", "channel": "sms"}),
    (s.TemplatePreviewIn, {"purpose": "receipt", "channel": "fax"}),
    (s.TemplatePreviewIn, {"purpose": "receipt", "channel": "sms", "locale": "fr"}),
    (s.TemplatePreviewIn, {"purpose": "receipt", "channel": "sms", "body": ""}),
    (s.TemplateIn, {"purpose": "receipt", "channel": "sms", "locale": "zh-CN"}),
    (s.TemplateIn, {"purpose": "receipt", "channel": "sms", "locale": "zh-CN", "body": "x" * 2001}),
    (s.TemplateTextIn, {}), (s.TemplateTextIn, {"body": "x\u202e"}), (s.TemplateTextIn, {"body": "x", "subject": "a\nb"}),
])
def test_bad_template_input_is_refused_at_the_gateway(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)
