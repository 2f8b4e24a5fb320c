"""The printed-notice routes' gateway side without a broker (issue 10): each states its roles and
errors, the PDFs are served as application/pdf files, the printed mark takes an Idempotency-Key and
bad input is a 400 before notify is asked. Against the real services: tests/e2e/test_printed_notices.py."""
from __future__ import annotations

import base64

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routes.printing import PDF_TYPE, _pdf
from gateway.routing import ROUTES

PRINTING = {
    ("GET", "/api/v1/projects/{project_id}/print-deliveries"),
    ("GET", "/api/v1/print-deliveries/{delivery_id}/notice.pdf"),
    ("GET", "/api/v1/projects/{project_id}/buildings/{building_id}/print-batch.pdf"),
    ("POST", "/api/v1/projects/{project_id}/print-deliveries/printed"),
}


def test_every_printing_route_states_its_roles_and_the_write_takes_a_key():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "print-" in spec.path}
    assert set(specs) == PRINTING
    for method, path in PRINTING:
        operation = paths[path][method.lower()]
        assert operation["summary"].endswith("(front desk, steward, CS manager, centre manager of the project)")
        assert {"403", "404"} <= set(operation["responses"]), path
        assert specs[(method, path)].idempotent == (method == "POST"), path
    for path in ("/api/v1/print-deliveries/{delivery_id}/notice.pdf",
                 "/api/v1/projects/{project_id}/buildings/{building_id}/print-batch.pdf"):
        assert PDF_TYPE in paths[path]["get"]["responses"]["200"]["content"]


def test_a_pdf_is_served_as_an_attachment_with_its_names():
    reply = _pdf({"filename": "notice-d1.pdf", "utf8_filename": "绿湖花园-催费通知书-1栋-0101.pdf", "pages": 1,
                  "content_base64": base64.b64encode(b"%PDF-1.3 ...").decode()})
    assert reply.status_code == 200 and reply.get_data() == b"%PDF-1.3 ..."
    assert reply.headers["Content-Type"] == "application/pdf"
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="notice-d1.pdf"; filename*=UTF-8\'\'')


@pytest.mark.parametrize("schema, data", [
    (s.PrintQuery, {"status": "posted"}), (s.PrintQuery, {"purpose": "ticket_ack"}),
    (s.PrintQuery, {"limit": "0"}), (s.PrintQuery, {"building_id": ""}),
    (s.PrintBatchQuery, {"purpose": "x"}),
    (s.MarkPrintedIn, {}), (s.MarkPrintedIn, {"delivery_ids": []}), (s.MarkPrintedIn, {"delivery_ids": "d1"}),
    (s.MarkPrintedIn, {"delivery_ids": ["d"] * 501}),
])
def test_bad_input_is_refused_before_notify_is_asked(schema, data):
    with pytest.raises(ValidationError):
        schema().load(data)
