"""notify in a real nameko container on the real broker, migrated with Alembic, sending SMS
to a real local HTTP server."""
import pytest
from nameko.exceptions import RemoteError

from kernel.tenancy import Caller
from kernel.testing import (migrated_sqlite, publish_event, resident,
                            service_config, staff, wait_for)
from services.notify.service import NotifyService
from services.notify.tests.stub import SmsGatewayStub

G = "group-1"
SYSTEM = Caller.system(G, "test")
OWNER = resident(G, ["u1"], user_id="res-1")
ENGINEER = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")
ACK_ZH = "【绿湖花园】您的报修（BX-20261124-0001）已受理：楼道灯不亮。工程部将尽快处理。"
SMS_ZH = "【绿湖花园】您的公共区域报修（BX-20261124-0001）已受理，工程部将尽快处理。"


@pytest.fixture
def gateway():
    stub = SmsGatewayStub(answers=[(503, {"error": "busy"}, 0)])     # first 503, then 200
    yield stub
    stub.close()


@pytest.fixture
def capture(capture_events):
    return capture_events("notify")


@pytest.fixture
def notify(container_factory, rabbit_config, tmp_path, gateway, capture):
    container = container_factory(NotifyService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "notify"),
        SMS_PROVIDER="http", SMS_HTTP_URL=gateway.url, SMS_API_KEY="test-key", SMS_SIGN="绿湖物业",
        SMS_SEND_INTERVAL=0.1, SMS_RETRY_BASE=0.3, SMS_MAX_ATTEMPTS=3))
    container.start()
    return container



def publish_registry(amqp_uri):
    """archive's snapshots of the project, a unit and its household."""
    publish_event(amqp_uri, "archive", "project.changed", {
        "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
        "timezone": "Asia/Shanghai", "version": 1}, group_id=G, project_id="p1")
    publish_event(amqp_uri, "archive", "unit.changed", {
        "unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1", "building_name": "1栋",
        "number": "0101", "label": "1栋-0101", "floor": 1, "building_area": "89.37",
        "usage": "residential", "version": 1}, group_id=G, project_id="p1")
    publish_event(amqp_uri, "archive", "household.changed", {
        "household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
        "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 1,
        "people": [{"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                    "email": None, "locale": "zh-CN"}]}, group_id=G, project_id="p1")


TICKET = {
    "ticket_id": "t1", "number": "BX-20261124-0001", "kind": "repair", "category": "public_area",
    "channel": "phone", "status": "open", "unit_id": "u1", "unit_label": "1栋-0101",
    "household_id": "h1", "location": "1栋-0101 门口", "content": "楼道灯不亮",
    "reporter": {"name": "张伟", "phone": "13812345678", "user_id": None},
    "appointment_at": None, "received_at": "2026-11-24T01:00:00+00:00",
    "recorded_at": "2026-11-24T01:01:00+00:00",
    "deadlines": [{"kind": "notify_engineering", "due_at": "2026-11-24T01:03:00+00:00"},
                  {"kind": "on_site", "due_at": "2026-11-24T01:16:00+00:00"}],
}


def test_ticket_opened_reaches_the_resident_by_inapp_and_sms_and_engineering(notify, rpc, rabbit_config,
                                                                              gateway, capture):
    amqp = rabbit_config["AMQP_URI"]
    assert rpc.call(SYSTEM, "notify", "health") == {"service": "notify", "status": "ok"}
    publish_registry(amqp)
    event = publish_event(amqp, "tickets", "ticket.opened", TICKET, group_id=G, project_id="p1")
    publish_event(amqp, "tickets", "ticket.opened", TICKET, group_id=G, project_id="p1",
                  event_id=event.id)                          # the broker delivers it twice

    def acknowledged_by_sms():
        latest = rpc.call(OWNER, "notify", "latest_for_unit", "u1")
        sms = [d for n in latest for d in n["deliveries"] if d["channel"] == "sms"]
        return latest if sms and sms[0]["status"] == "sent" else None

    [ack] = wait_for(acknowledged_by_sms, timeout=20, message="the SMS acknowledgement")
    assert (ack["purpose"], ack["locale"], ack["body"]) == ("ticket.opened.resident", "zh-CN", ACK_ZH)
    assert (ack["ref_type"], ack["ref_id"], ack["read_at"]) == ("ticket", "t1", None)
    deliveries = {d["channel"]: d for d in ack["deliveries"]}
    assert deliveries["inapp"]["status"] == "delivered"
    assert deliveries["sms"]["address"] == "138****5678" and deliveries["sms"]["attempts"] == 2
    assert deliveries["sms"]["sent_at"] is not None

    # the gateway saw the 503 and then the retry, with the same ref (its idempotency key)
    assert len(gateway.requests) == 2
    assert all(r["authorization"] == "Bearer test-key" for r in gateway.requests)
    first, second = (r["json"] for r in gateway.requests)
    assert first == second and first["to"] == "13812345678" and first["text"] == SMS_ZH
    assert first["sign"] == "绿湖物业"

    # engineering was told, and tickets hears about it (it stops the 2-minute clock)
    dispatched = [e for e in capture.wait_for("notification.delivered", count=3, timeout=10)
                  if e["data"]["purpose"] == "ticket.dispatch_engineering"]
    assert len(dispatched) == 1
    assert dispatched[0]["data"]["ref_id"] == "t1" and dispatched[0]["data"]["recipient"] == "engineering"
    assert dispatched[0]["group_id"] == G and dispatched[0]["project_id"] == "p1"
    assert sorted(e["data"]["channel"] for e in capture.of_type("notification.delivered")) == [
        "inapp", "inapp", "sms"]

    [dispatch] = rpc.call(ENGINEER, "notify", "staff_inbox")
    assert "位置：1栋-0101 门口" in dispatch["body"] and "到场时限：2026-11-24 09:16" in dispatch["body"]
    read = rpc.call(ENGINEER, "notify", "mark_read", dispatch["id"])
    assert read["read_at"] is not None
    assert rpc.call(ENGINEER, "notify", "staff_inbox", unread_only=True) == []

    # one event, one notification each -- however often it was delivered
    assert len(rpc.call(OWNER, "notify", "latest_for_unit", "u1")) == 1
    assert len(rpc.call(ENGINEER, "notify", "staff_inbox", "p1")) == 1


def test_a_ticket_ahead_of_its_project_copy_waits_for_it(notify, rpc, rabbit_config):
    amqp = rabbit_config["AMQP_URI"]
    publish_event(amqp, "tickets", "ticket.opened", dict(TICKET, reporter={"name": "张伟", "phone": None}),
                  group_id=G, project_id="p1")
    publish_registry(amqp)          # arrives after the ticket: the handler retries until it is here
    [dispatch] = wait_for(lambda: rpc.call(ENGINEER, "notify", "staff_inbox"), timeout=10)
    assert dispatch["purpose"] == "ticket.dispatch_engineering"


def test_scope_and_bad_input_over_rpc(notify, rpc, rabbit_config):
    publish_registry(rabbit_config["AMQP_URI"])
    wait_for(lambda: rpc.call(OWNER, "notify", "latest_for_unit", "u1") == [], timeout=10)
    for ctx, args, kind in [
        ({}, ("u1",), "Unauthenticated"),
        (resident(G, ["u2"]), ("u1",), "UnitNotFound"),      # exactly as for a unit that does not exist
        (staff(G, ["p2"]), ("u1",), "Forbidden"),
        (OWNER, ("u1", 0), "InvalidInput"),
    ]:
        with pytest.raises(RemoteError) as exc:
            rpc.call(ctx, "notify", "latest_for_unit", *args)
        assert exc.value.exc_type == kind
    with pytest.raises(RemoteError) as exc:
        rpc.call(staff(G, ["p1"], roles=["cs_manager"]), "notify", "save_template", {
            "project_id": "p1", "purpose": "ticket.opened.resident", "channel": "sms",
            "locale": "zh-CN", "body": "{{ reporter_name.__class__ }}"})
    assert exc.value.exc_type == "TemplateRefused"
    saved = rpc.call(staff(G, ["p1"], roles=["cs_manager"]), "notify", "save_template", {
        "project_id": "p1", "purpose": "ticket.opened.resident", "channel": "sms",
        "locale": "zh-CN", "body": "【{{ project_name }}】报修{{ ticket_number }}已受理"})
    assert (saved["source"], saved["version"]) == ("project", 1)
    listed = rpc.call(staff(G, ["p1"], roles=["cs_manager"]), "notify", "list_templates", "p1")
    sms_zh = [t for t in listed if (t["purpose"], t["channel"], t["locale"]) ==
              ("ticket.opened.resident", "sms", "zh-CN")]
    assert sms_zh[0]["id"] == saved["id"] and "ticket_number" in sms_zh[0]["placeholders"]


def test_a_notify_container_killed_between_sending_and_recording_texts_the_resident_once(
        container_factory, rabbit_config, tmp_path, rpc):
    """The first container hands the SMS to the (dev) provider and is killed before it can
    record it; a second container takes the delivery when the short lease has run out,
    sends it again with the same ref -- and the resident gets one text."""
    import json

    import eventlet

    from kernel.testing import clock_of
    from services.notify.service import SmsSender

    amqp, sms_log = rabbit_config["AMQP_URI"], tmp_path / "sms.log"
    config = service_config(amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="log",
                            SMS_LOG_PATH=str(sms_log), SMS_SEND_INTERVAL=0.05,
                            CLOCK="manual:2026-11-24T09:00:00+08:00")
    first = container_factory(NotifyService, config)
    first.start()
    sender = next(dep for dep in first.dependencies if isinstance(dep, SmsSender))
    real = sender.provider

    class HangsAfterSending:
        def send(self, phone, text, ref):
            message_id = real.send(phone, text, ref)
            eventlet.sleep(3600)         # never gets to record it: the container is killed here
            return message_id

    sender.provider = HangsAfterSending()
    publish_registry(amqp)
    publish_event(amqp, "tickets", "ticket.opened", TICKET, group_id=G, project_id="p1")
    wait_for(lambda: sms_log.exists() and sms_log.read_text().strip(), timeout=20, message="the first send")
    first.kill()

    second = container_factory(NotifyService, config)
    second.start()

    def sms_delivery():
        [ack] = rpc.call(OWNER, "notify", "latest_for_unit", "u1")
        return next(d for d in ack["deliveries"] if d["channel"] == "sms")

    assert sms_delivery()["status"] == "pending"
    clock_of(second).advance(seconds=31)              # SMS_LEASE_SECONDS (30 s) after the claim
    wait_for(lambda: sms_delivery()["status"] == "sent", timeout=20, message="the SMS recorded as sent")
    delivery = sms_delivery()
    lines = [json.loads(line) for line in sms_log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1 and lines[0]["text"] == SMS_ZH            # one text on the resident's phone
    assert delivery["attempts"] == 1
