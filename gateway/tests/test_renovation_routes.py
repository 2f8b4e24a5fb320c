"""The renovation routes' gateway side without a broker (trial 4: H2, M1, M2): the date bounds are
documented on their routes, and tickets' refusal of a date out of range reaches the client as a 422
with its code and the bilingual message. Against the real services: tests/e2e/test_renovation_flow.py."""
from __future__ import annotations

from gateway.errors import classify
from gateway.openapi import build_document
import gateway.service  # noqa: F401  (registers the routes)
from services.tickets.exceptions import RenovationDateOutOfRange


def test_the_date_bounds_are_documented_on_their_routes():
    paths = build_document()["paths"]
    expected = {
        "/api/v1/renovations": ("planned_start_past", "planned_end_too_far"),
        "/api/v1/renovations/{ticket_id}/passes": ("valid_until_past", "valid_until_too_far"),
        "/api/v1/renovations/{ticket_id}/acceptance-request": ("acceptance_too_far",),
        "/api/v1/renovations/{ticket_id}/acceptance": ("acceptance_not_yet",),
        "/api/v1/renovations/{ticket_id}/occupancy": ("occupied_before_acceptance", "date_in_future"),
    }
    for path, codes in expected.items():
        operation = paths[path]["post"]
        assert "422" in operation["responses"], path
        for code in codes:
            assert code in operation["description"], (path, code)


def test_a_date_out_of_range_is_a_422_with_its_code_and_both_languages():
    refused = RenovationDateOutOfRange("occupied_on 1999-01-01 is before the acceptance on 2026-11-27",
                                       code="occupied_before_acceptance", zh="入住日期 1999-01-01 早于竣工验收日 2026-11-27",
                                       details={"earliest": "2026-11-27"})
    answer = classify(refused)
    assert answer.status == 422 and answer.code == "occupied_before_acceptance"
    assert answer.message.startswith("入住日期") and "(occupied_on 1999-01-01" in answer.message
