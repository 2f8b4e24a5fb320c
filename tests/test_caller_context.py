"""The signed caller context on the real broker: good for one call of one method, briefly.

A context captured off the broker (or out of a log) must not be replayable later,
on another method or another service, or with its fields edited.
"""
import json
import time

import pytest
from nameko.exceptions import RemoteError

from kernel.errors import parse_remote_error
from kernel.testing import migrated_sqlite, publish_event, resident, service_config, signed_context, wait_for
from services.billing.service import BillingService
from services.tickets.service import TicketsService

G = "group-1"
SKEW = 0.5          # the services under test tolerate half a second of clock skew


@pytest.fixture
def services(container_factory, rabbit_config, tmp_path):
    amqp = rabbit_config["AMQP_URI"]
    for cls, name in ((TicketsService, "tickets"), (BillingService, "billing")):
        container_factory(cls, service_config(amqp, migrated_sqlite(tmp_path, name),
                                              CALLER_CONTEXT_SKEW=SKEW)).start()
    for event_type, data in (
        ("project.changed", {"project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                             "kind": "residential", "timezone": "Asia/Shanghai", "version": 1}),
        ("unit.changed", {"unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1",
                          "building_name": "1栋", "number": "0101", "label": "1栋-0101", "floor": 1,
                          "building_area": "89.37", "usage": "residential", "version": 1}),
        ("household.changed", {"household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1",
                               "status": "active", "moved_in_on": "2026-03-01", "moved_out_on": None,
                               "version": 1, "people": [{"person_id": "pe1", "name": "张伟", "role": "owner",
                                                         "phone": "13812345678", "email": None,
                                                         "locale": "zh-CN"}]})):
        publish_event(amqp, "archive", event_type, data, group_id=G, project_id="p1")


def refusal(rpc, context, service, method, *args):
    with pytest.raises(RemoteError) as exc:
        rpc.call(context, service, method, *args)
    return parse_remote_error(exc.value.exc_type, exc.value.value)[:2]


def open_ticket(rpc, me):
    def attempt():
        try:
            return rpc.call(me, "tickets", "open_repair", {"unit_id": "u1", "content": "楼道灯不亮",
                                                           "category": "public_area"})
        except RemoteError as exc:
            if "not_found" in exc.value:        # archive's copies not there yet
                return None
            raise
    return wait_for(attempt, message="tickets knows unit u1")


def test_a_context_is_good_for_its_own_method_only(services, rpc):
    me = resident(G, ["u1"])
    ticket = open_ticket(rpc, me)             # the pool signs per call: open_repair, then get_ticket
    assert rpc.call(me, "tickets", "get_ticket", ticket["id"])["id"] == ticket["id"]

    captured = signed_context(me, "tickets", "get_ticket")
    assert rpc.call(captured, "tickets", "get_ticket", ticket["id"])["id"] == ticket["id"]
    assert refusal(rpc, captured, "tickets", "open_repair", {"unit_id": "u1", "content": "再报一次"}) == (
        "Unauthenticated", "caller_context_wrong_target")
    assert refusal(rpc, captured, "billing", "get_account", "u1") == (
        "Unauthenticated", "caller_context_wrong_target")


def test_a_captured_context_is_refused_once_it_expires(services, rpc):
    me = resident(G, ["u1"])
    ticket = open_ticket(rpc, me)
    captured = signed_context(me, "tickets", "get_ticket", ttl=1.0)
    assert rpc.call(captured, "tickets", "get_ticket", ticket["id"])["id"] == ticket["id"]

    def replay_refused():
        try:
            rpc.call(captured, "tickets", "get_ticket", ticket["id"])
        except RemoteError as exc:
            return parse_remote_error(exc.exc_type, exc.value)[:2]
        return None
    # the replay works until expiry + skew (1.5 s), then never again
    assert wait_for(replay_refused, timeout=10, interval=0.2) == ("Unauthenticated", "caller_context_expired")
    started = time.time()
    assert replay_refused() == ("Unauthenticated", "caller_context_expired")
    # a context signed a minute ago with the default expiry (60 s) is as dead
    old = signed_context(me, "tickets", "get_ticket", now=started - 61 - SKEW)
    assert refusal(rpc, old, "tickets", "get_ticket", ticket["id"]) == ("Unauthenticated", "caller_context_expired")
    # and one dated in the future beyond the skew is not accepted either
    future = signed_context(me, "tickets", "get_ticket", now=started + 30)
    assert refusal(rpc, future, "tickets", "get_ticket", ticket["id"]) == ("Unauthenticated", "caller_context_expired")


@pytest.mark.parametrize("tamper", [
    lambda ctx: dict(ctx, caller=ctx["caller"].replace('"u1"', '"u2"')),
    lambda ctx: dict(ctx, caller_claims=json.dumps(dict(json.loads(ctx["caller_claims"]), method="open_repair"))),
    lambda ctx: dict(ctx, caller_claims=json.dumps(dict(json.loads(ctx["caller_claims"]), exp=time.time() + 3600))),
    lambda ctx: dict(ctx, caller_claims=json.dumps(dict(json.loads(ctx["caller_claims"]), rid="replayed"))),
    lambda ctx: {k: v for k, v in ctx.items() if k != "caller_claims"},
], ids=["caller", "method", "expiry", "request-id", "claims-dropped"])
def test_tampered_fields_are_refused(services, rpc, tamper):
    captured = signed_context(resident(G, ["u1"]), "tickets", "open_repair")
    assert refusal(rpc, tamper(captured), "tickets", "open_repair",
                   {"unit_id": "u1", "content": "楼道灯不亮", "category": "public_area"}) == (
        "Unauthenticated", "bad_caller_signature")
