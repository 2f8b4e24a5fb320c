"""The sending policy in a real notify container on the real broker, sending to a real local HTTP SMS
gateway (issue 10): at 23:00 in Shanghai a resident who opted out of SMS gets no acknowledgement SMS,
their dunning notice's SMS (legally required) waits for 08:00 local -- the sender passes over it
until the clock gets there -- and then reaches the gateway once; the customer service sees each
delivery's status, the resident the unit's unread count; the opt-out write is idempotent."""
from __future__ import annotations

from datetime import datetime

import pytest
from nameko.exceptions import RemoteError

from kernel.testing import clock_of, migrated_sqlite, publish_event, service_config, staff, wait_for
from services.notify.service import NotifyService, SmsSender
from services.notify.tests.stub import SmsGatewayStub
from services.notify.tests.test_dunning_notices import NOTICE
from services.notify.tests.test_service import G, OWNER, TICKET, publish_registry

DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")


@pytest.fixture
def sms_gateway():
    stub = SmsGatewayStub()
    yield stub
    stub.close()


def test_quiet_hours_and_an_opt_out_in_a_running_notify(container_factory, rabbit_config, tmp_path, rpc,
                                                      sms_gateway):
    amqp = rabbit_config["AMQP_URI"]
    container = container_factory(NotifyService, service_config(
        amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url,
        SMS_API_KEY="test-key", SMS_SIGN="绿湖物业", SMS_SEND_INTERVAL=0.05,
        CLOCK="manual:2026-11-24T23:00:00+08:00"))
    container.start()
    sender = next(dep for dep in container.dependencies if isinstance(dep, SmsSender))
    wait_for(lambda: sender.loop is not None and sender.loop._running, message="the sender runs")
    publish_registry(amqp)

    def opt_out():
        try:
            return rpc.call(OWNER, "notify", "set_preferences", "u1", "pe1",
                            {"channels": [{"channel": "sms", "opt_out": "all"}]}, idempotency_key="prefs-1")
        except RemoteError as exc:           # the household's copy has not arrived yet
            if "person_not_found" in str(exc) or "unit_not_found" in str(exc):
                return None
            raise

    shown = wait_for(opt_out, timeout=20, message="the household copied, the opt-out stored")
    assert shown["channels"][0] == {"channel": "sms", "opt_out": "all"}
    assert rpc.call(OWNER, "notify", "set_preferences", "u1", "pe1",
                    {"channels": [{"channel": "sms", "opt_out": "all"}]}, idempotency_key="prefs-1") == shown
    assert rpc.call(OWNER, "notify", "get_preferences", "u1", "pe1") == shown
    with pytest.raises(RemoteError, match="residents_only"):
        rpc.call(DESK, "notify", "set_preferences", "u1", "pe1", {"channels": [{"channel": "sms", "opt_out": "none"}]},
                 idempotency_key="prefs-2")

    publish_event(amqp, "tickets", "ticket.opened", TICKET, group_id=G, project_id="p1")
    publish_event(amqp, "billing", "dunning.notice_due", dict(NOTICE, door_notice=False), group_id=G,
                  project_id="p1")

    def sms():
        page = rpc.call(DESK, "notify", "list_deliveries", "p1", {"channel": "sms"})
        return {d["purpose"]: d for d in page["items"]}

    found = wait_for(lambda: (lambda s: s if len(s) == 2 else None)(sms()), timeout=20, message="both messages made")
    ack, notice = found["ticket.opened.resident"], found["dunning_first"]
    assert (ack["status"], ack["last_error"], ack["address"]) == ("suppressed", "opted_out", "138****5678")
    assert notice["status"] == "pending"
    assert datetime.fromisoformat(notice["next_attempt_at"]) == datetime.fromisoformat("2026-11-25T08:00:00+08:00")

    # the sender goes round several times without taking it: it is 23:00 in Shanghai
    passes, original = [], sender.loop.one_pass
    sender.loop.one_pass = lambda: (passes.append(1), original())[1]
    wait_for(lambda: len(passes) >= 5, timeout=20, message="the sender's passes")
    assert sms_gateway.delivered == [] and sms()["dunning_first"]["status"] == "pending"
    assert rpc.call(OWNER, "notify", "unread_for_unit", "u1") == {"unit_id": "u1", "unread": 2}

    clock_of(container).set("2026-11-25T08:00:00+08:00")       # the next morning (00:00 UTC)
    wait_for(lambda: sms()["dunning_first"]["status"] == "sent", timeout=20, message="the notice's SMS sent")
    [delivered] = sms_gateway.delivered
    assert delivered["ref"] == notice["delivery_id"] and "268.38" in delivered["text"]
    assert sms()["dunning_first"]["provider_message_id"]
    with pytest.raises(RemoteError, match="role_required"):
        rpc.call(staff(G, ["p1"], roles=["engineering"]), "notify", "list_deliveries", "p1", {})
