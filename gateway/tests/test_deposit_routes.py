"""``GET /api/v1/deposits/{id}`` through the gateway's own route and its response dump, with billing's real
answer: the deposit held, refunded in part and its history read from the journal by billing's RPC method
(``get_deposit``, its schemas and dump), carried as JSON as the broker carries it. The history's days came
as text and a ``fields.Date`` of the gateway answered every read 500 (trial: key deposits)."""
from __future__ import annotations

import json

from gateway.routes.billing import BillingRoutes
from gateway.routing import ROUTES
from services.billing.tests.support import (CENTRE, DESK, FINANCE, clock, estate, service_as,  # noqa: F401
                                            session)


class _Gateway:
    """The route module with its RPC call answered by billing's real service method on the test's session."""

    def __init__(self, billing):
        self.billing, self.asked = billing, []

    def _as(self, user):
        def call(service, method, *args, **kwargs):
            self.asked.append((service, method, args))
            return json.loads(json.dumps(getattr(self.billing, method)(*args, **kwargs)))   # over the broker
        return call


def _get_deposit(billing, deposit_id):
    spec = next(r for r in ROUTES if r.method == "GET" and r.path == "/api/v1/deposits/{deposit_id}")
    gateway = _Gateway(billing)
    answer = BillingRoutes.deposit.__wrapped__(gateway, None, {"user_id": "desk-1"}, deposit_id)
    assert gateway.asked == [("billing", "get_deposit", (deposit_id,))]
    return spec.response_dumper.dump(answer)


def test_a_deposit_with_its_history_is_read_through_the_gateway(session, clock, estate):  # noqa: F811
    desk = service_as(session, clock, DESK)
    held = desk.hold_deposit("u1", {"purpose": "renovation", "method": "cash", "amount": "2000.00"})
    deposit_id = held["deposit"]["id"]
    refund = desk.request_refund("u1", {"kind": "deposit", "deposit_id": deposit_id, "amount": "500.00",
                                        "method": "cash", "reason": "部分退还"})
    service_as(session, clock, CENTRE).approve_refund(refund["id"], {})
    service_as(session, clock, FINANCE).pay_refund(refund["id"])
    shown = _get_deposit(service_as(session, clock, DESK), deposit_id)
    assert (shown["id"], shown["amount"], shown["refunded"], shown["holds"], shown["status"]) == (
        deposit_id, "2000.00", "500.00", "1500.00", "held")
    assert [(step["kind"], step["amount"], step["occurred_on"]) for step in shown["history"]] == [
        ("held", "2000.00", "2026-11-24"), ("refunded", "500.00", "2026-11-24")]
    assert shown["history"][0]["at"].startswith("2026-11-24T")
