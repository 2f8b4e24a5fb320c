"""The front desk's printout routes' gateway side without a broker (issue 12): each is a GET served as
application/pdf, documented with who may print (the record's readers), its 403/404/422 and the CJK font's
422, takes no Idempotency-Key, and a bad date is a 400 before tickets is asked -- but for the goods pass
printed for real (POST .../prints: the print log, a write under a required Idempotency-Key). Roles and other projects'
records against the real services: tests/e2e/test_printouts.py; the rules: services/tickets/tests/test_printouts.py."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routes.printouts import PrintoutRoutes
from gateway.routing import ROUTES
from kernel.pdf import PDF_TYPE

PRINTOUTS = {
    ("GET", "/api/v1/goods-releases/{release_id}/pass.pdf"): "security, managers of the project)",
    ("POST", "/api/v1/goods-releases/{release_id}/prints"): "security, managers of the project)",
    ("GET", "/api/v1/renovations/{ticket_id}/permit.pdf"): "(its resident; staff of the project)",
    ("GET", "/api/v1/renovations/{ticket_id}/passes/{pass_id}.pdf"): "(its resident; staff of the project)",
    ("GET", "/api/v1/projects/{project_id}/inspection-areas/{area_id}/sheet.pdf"):
        "(steward, front desk, CS manager, centre manager (and the GM / group admin))",
    ("GET", "/api/v1/projects/{project_id}/inspection-figures/{month}.pdf"):
        "(steward, front desk, CS manager, centre manager (and the GM / group admin))",
    ("GET", "/api/v1/projects/{project_id}/key-loans/{month}.pdf"):
        "(front desk, steward, CS manager, centre manager (and the GM / group admin))",
    ("GET", "/api/v1/projects/{project_id}/key-deposits.pdf"):
        "(front desk, steward, CS manager, centre manager (and the GM / group admin))",
    ("GET", "/api/v1/projects/{project_id}/vacant-checks/{month}.pdf"):
        "(front desk, steward, CS manager, centre manager, engineering manager (and the GM / group admin))",
}


def test_every_printout_is_a_documented_pdf_read_with_its_readers():
    paths = build_document()["paths"]
    specs = {(spec.method, spec.path): spec for spec in ROUTES if "printouts" in spec.tags}
    assert set(specs) == set(PRINTOUTS)
    for (method, path), who in PRINTOUTS.items():
        operation = paths[path][method.lower()]
        assert operation["tags"] == ["printouts"] and operation["summary"].endswith(who), path
        assert {"403", "404", "422"} <= set(operation["responses"]), path
        assert PDF_TYPE in operation["responses"]["200"]["content"], path
        assert "cjk_font_missing" in operation["description"], path
        if method == "POST":          # the print log: a write, its key required (a retry is not a reprint)
            assert specs[(method, path)].idempotency == "required", path
            assert any(p["name"] == "Idempotency-Key" and p["required"] for p in operation["parameters"]), path
            assert {"400", "409"} <= set(operation["responses"]) and "补打" in operation["summary"], path
            continue
        assert not specs[(method, path)].idempotent, path
        assert not any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", ())), path
    sheet = paths["/api/v1/projects/{project_id}/inspection-areas/{area_id}/sheet.pdf"]["get"]
    assert [p["name"] for p in sheet["parameters"] if p["in"] == "query"] == ["date"]
    assert "pass_not_issued" in paths["/api/v1/goods-releases/{release_id}/pass.pdf"]["get"]["description"]
    assert "预览·不作放行凭证" in paths["/api/v1/goods-releases/{release_id}/pass.pdf"]["get"]["summary"]
    assert "pass_not_issued" in paths["/api/v1/goods-releases/{release_id}/prints"]["post"]["description"]
    assert "permit_not_issued" in paths["/api/v1/renovations/{ticket_id}/permit.pdf"]["get"]["description"]


def test_the_pdf_a_route_answers_is_tickets_file_as_an_attachment():
    import base64
    from datetime import date

    calls = []

    class Fake(PrintoutRoutes):
        def _as(self, user):
            def call(service, method, *args):
                calls.append((service, method, args))
                return {"filename": "goods-release-FX-20261124-0001.pdf", "pages": 1,
                        "utf8_filename": "绿湖花园-物品放行条-FX-20261124-0001-1栋-0101.pdf",
                        "content_base64": base64.b64encode(b"%PDF-1.3 pass").decode()}
            return call

    routes = Fake()
    reply = Fake.goods_release_pass_pdf.__wrapped__(routes, None, {"id": "u"}, "r1")
    assert reply.status_code == 200 and reply.get_data() == b"%PDF-1.3 pass"
    assert reply.headers["Content-Type"] == PDF_TYPE
    assert reply.headers["Content-Disposition"].startswith(
        'attachment; filename="goods-release-FX-20261124-0001.pdf"; filename*=UTF-8\'\'')
    Fake.inspection_sheet_pdf.__wrapped__(routes, None, {"id": "u"}, "p1", "a1", {"date": date(2026, 11, 24)})
    Fake.renovation_pass_pdf.__wrapped__(routes, None, {"id": "u"}, "t1", "pass-1")
    Fake.inspection_figures_pdf.__wrapped__(routes, None, {"id": "u"}, "p1", "2026-11")
    assert calls == [("tickets", "print_goods_release_pass", ("r1",)),
                     ("tickets", "print_inspection_sheet", ("p1", "a1", {"date": "2026-11-24"})),
                     ("tickets", "print_renovation_pass", ("t1", "pass-1")),
                     ("tickets", "print_inspection_figures", ("p1", "2026-11"))]
    # a month that is none: 400 before tickets is asked
    with pytest.raises(ValidationError):                     # the gateway's 400
        Fake.inspection_figures_pdf.__wrapped__(routes, None, {"id": "u"}, "p1", "2026-13")
    assert len(calls) == 4
    # the key registers and the vacant units' check sheet
    Fake.key_loans_pdf.__wrapped__(routes, None, {"id": "u"}, "p1", "2026-11")
    Fake.key_deposits_pdf.__wrapped__(routes, None, {"id": "u"}, "p1")
    Fake.vacant_checks_pdf.__wrapped__(routes, None, {"id": "u"}, "p1", "2026-12")
    assert calls[4:] == [("tickets", "print_key_loans", ("p1", "2026-11")),
                         ("tickets", "print_key_deposits", ("p1",)),
                         ("tickets", "print_vacant_checks", ("p1", "2026-12"))]
    for route in (Fake.key_loans_pdf, Fake.vacant_checks_pdf):
        with pytest.raises(ValidationError):                 # the gateway's 400, tickets not asked
            route.__wrapped__(routes, None, {"id": "u"}, "p1", "2026-1")
    assert len(calls) == 7


def test_a_recorded_print_is_served_as_the_pdf_and_the_release_goes_into_the_read_model():
    import base64

    asked, projected = [], []

    class Fake(PrintoutRoutes):
        def _as(self, user):
            def call(service, method, *args, **kwargs):
                asked.append((service, method, args, kwargs))
                return {"filename": "goods-release-FX-20261124-0001.pdf", "pages": 1,
                        "utf8_filename": "绿湖花园-物品放行条-FX-20261124-0001-1栋-0101.pdf",
                        "content_base64": base64.b64encode(b"%PDF-1.3 print 2").decode(),
                        "print": {"number": 2, "reprint": True},
                        "release": {"id": "r1", "release_id": "r1", "print_count": 2, "version": 7}}
            return call

        def _project_reply(self, kind, reply, user):
            projected.append((kind, reply))

    reply = Fake.record_goods_release_print.__wrapped__(Fake(), None, {"id": "u"}, "r1", "key-1")
    assert reply.status_code == 200 and reply.get_data() == b"%PDF-1.3 print 2"
    assert reply.headers["Content-Type"] == PDF_TYPE
    assert asked == [("tickets", "record_goods_release_print", ("r1",), {"idempotency_key": "key-1"})]
    assert projected == [("goods_release", {"id": "r1", "release_id": "r1", "print_count": 2, "version": 7})]


@pytest.mark.parametrize("data", [{"date": "2026-13-01"}, {"date": "yesterday"}, {"date": ""}, {"day": "2026-11-24"}])
def test_a_bad_date_is_refused_before_tickets_is_asked(data):
    with pytest.raises(ValidationError):
        s.InspectionSheetQuery().load(data)
    assert s.InspectionSheetQuery().load({}) == {"date": None}


def test_printing_the_goods_pass_takes_no_body_or_an_empty_one_and_refuses_unknown_fields():
    """POST .../prints takes no fields: no body or ``{}`` prints; ``{"x": 1}`` is refused (400
    invalid_input, Unknown field) as on every route, before tickets is asked -- never silently ignored."""
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from gateway.errors import classify
    from gateway.routing import read_body
    [spec] = [r for r in ROUTES if (r.method, r.path) == ("POST", "/api/v1/goods-releases/{release_id}/prints")]

    def request(data=None):
        return Request(EnvironBuilder(method="POST", path="/api/v1/goods-releases/g1/prints", data=data,
                                      content_type="application/json" if data is not None else None).get_environ())

    assert read_body(spec, request()) == {} and read_body(spec, request(b"{}")) == {}
    for data in (b'{"x": 1}', b'{"reason": "reprint"}'):
        with pytest.raises(ValidationError) as refused:
            read_body(spec, request(data))
        err = classify(refused.value)
        assert (err.status, err.code) == (400, "invalid_input") and "Unknown field." in str(err.details)
    post = build_document()["paths"]["/api/v1/goods-releases/{release_id}/prints"]["post"]
    assert post["requestBody"]["required"] is False and "Unknown field" in post["description"]
