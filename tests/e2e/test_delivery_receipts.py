"""Delivery receipts (回执 / 状态报告) end to end (issue 10): notify texts a water outage's notice through a real
local HTTP SMS gateway (``SmsGatewayStub``); the gateway then pushes its status reports -- one batch, signed
with the receipt key -- to the gateway's ``POST /api/v1/notify/receipts/sms``; the front desk reads each
delivery's status with the provider's answer: 张伟's SMS delivered, 陈静's failed and its text queued for
print (the fallback), the in-app messages there. The same batch again changes nothing; a report for a
delivery we do not know is acknowledged; a bad signature is 401 and changes nothing; an oversize body 413,
a signed body that is not JSON 400."""
from __future__ import annotations

import json
from datetime import datetime

import pytest

from deploy import seed
from kernel.testing import TEST_SECRET, wait_for
from services.notify.providers import sign_body
from services.notify.tests.stub import SmsGatewayStub

from .test_broadcasts import OUTAGE
from .test_repair_flow import token

pytestmark = [pytest.mark.e2e]
NOW = datetime.fromisoformat("2026-11-24T09:00:00+08:00")          # daytime in Shanghai: no quiet hours
KEY = "receipt-key-for-tests"
RECEIPTS = "/api/v1/notify/receipts/sms"


@pytest.fixture
def sms_gateway():
    stub = SmsGatewayStub()
    yield stub
    stub.close()


def post_signed(web_session, clock, reports, key=KEY, path=RECEIPTS):
    body = json.dumps(reports, ensure_ascii=False).encode() if not isinstance(reports, bytes) else reports
    timestamp = str(int(clock.now().timestamp()))
    return web_session.post(path, data=body, headers={
        "Content-Type": "application/json", "X-Timestamp": timestamp,
        "X-Signature": sign_body(key, timestamp, body)})


def test_the_sms_gateway_s_receipts_reach_the_desk_s_delivery_status(start_platform, rabbit_config, web_session,
                                                                    shared_clock, sms_gateway):
    shared_clock.write(now=NOW)
    containers = start_platform(services={"notify": {
        "SMS_PROVIDER": "http", "SMS_HTTP_URL": sms_gateway.url, "SMS_API_KEY": "api-key",
        "SMS_RECEIPT_KEY": KEY, "SMS_SEND_INTERVAL": 0.2}})
    demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=containers["gateway"].config["DB_URL"],
                     wait=30)
    lh = demo["projects"]["LH"]["id"]
    home, other = seed.unit_id("LH", "1栋", "0101"), seed.unit_id("LH", "2栋", "0101")
    cs, desk = token(web_session, "cs.lh"), token(web_session, "desk.lh")
    created = web_session.post(f"/api/v1/projects/{lh}/broadcasts", headers={**cs, "Idempotency-Key": "rcpt-1"},
                               json={"purpose": "outage.notice", "target": "units", "unit_ids": [home, other],
                                     "values": OUTAGE, "channels": ["inapp", "sms"]})
    assert created.status_code == 200, created.text
    listing = f"/api/v1/projects/{lh}/deliveries"

    def rows(**query):
        found = web_session.get(listing, headers=desk, params=query)
        assert found.status_code == 200, found.text
        return found.json()["items"]

    def all_sent():
        sms = rows(channel="sms", purpose="outage.notice")      # (the seed's arrears make a dunning SMS too)
        return {r["address"]: r for r in sms} if len(sms) == 3 and {r["status"] for r in sms} == {"sent"} else None
    sms = wait_for(all_sent, timeout=40, message="the three SMS accepted by the gateway")
    zhang, chen, tom = sms["138****0101"], sms["138****0104"], sms["138****0105"]
    assert zhang["delivered_at"] is None and zhang["reported_status"] is None
    # the gateway got our delivery id as its reference
    assert {zhang["delivery_id"], chen["delivery_id"], tom["delivery_id"]} <= {m["ref"] for m in sms_gateway.delivered}

    # -- the gateway's reports: one batch, signed --------------------------------------------------------
    batch = [{"ref": zhang["delivery_id"], "status": "delivered", "code": "DELIVRD", "message": "用户已接收",
              "at": "2026-11-24T01:00:09+00:00", "mobile": "13800000101"},
             {"ref": chen["delivery_id"], "status": "failed", "code": "MK:0001", "message": "空号"}]
    answered = post_signed(web_session, shared_clock, batch)
    assert answered.status_code == 200, answered.text
    assert answered.json() == {"channel": "sms", "received": 2, "applied": 2, "held": 0, "unchanged": 0,
                               "ignored": 0, "unknown": 0}

    now = {r["delivery_id"]: r for r in rows(channel="sms")}
    delivered, failed = now[zhang["delivery_id"]], now[chen["delivery_id"]]
    assert (delivered["status"], delivered["provider_code"], delivered["provider_message"]) == (
        "delivered", "DELIVRD", "用户已接收")
    assert datetime.fromisoformat(delivered["delivered_at"]) == datetime.fromisoformat("2026-11-24T01:00:09+00:00")
    assert (failed["status"], failed["provider_code"], failed["provider_message"], failed["delivered_at"]) == (
        "failed", "MK:0001", "空号", None)
    assert failed["last_error"] == "failed on delivery: MK:0001: 空号"
    assert now[tom["delivery_id"]]["status"] == "sent"                      # no report yet: as it was
    assert [r["delivery_id"] for r in rows(status="delivered", channel="sms")] == [zhang["delivery_id"]]
    # the fallback: 2栋-0101's notice queued for print, its in-app message there
    [printed] = rows(channel="print", unit_id=other)
    assert (printed["status"], printed["last_error"]) == ("queued", "fallback: the SMS failed")
    assert [r["status"] for r in rows(channel="inapp", unit_id=other)] == ["delivered"]
    assert rows(channel="print", unit_id=home) == []                        # delivered: nothing to print

    # the same batch again (the provider did not hear our 200): nothing changes
    snapshot = rows()
    again = post_signed(web_session, shared_clock, batch)
    assert (again.status_code, again.json()["unchanged"], again.json()["applied"]) == (200, 2, 0)
    # a delivered after failed, a failed after delivered: never back
    late = post_signed(web_session, shared_clock, [{"ref": chen["delivery_id"], "status": "delivered"},
                                                   {"ref": zhang["delivery_id"], "status": "failed"}])
    assert (late.status_code, late.json()["ignored"]) == (200, 2)
    # a report for a delivery we do not know: acknowledged, so the gateway stops sending it
    unknown = post_signed(web_session, shared_clock, {"ref": "not-ours", "status": "delivered"})
    assert (unknown.status_code, unknown.json()["unknown"]) == (200, 1)
    assert rows() == snapshot

    # -- refused: nothing changes ------------------------------------------------------------------------
    forged = post_signed(web_session, shared_clock, [{"ref": tom["delivery_id"], "status": "failed"}], key="guess")
    assert (forged.status_code, forged.json()["error"]) == (401, "invalid_signature")
    unsigned = web_session.post(RECEIPTS, json=[{"ref": tom["delivery_id"], "status": "failed"}])
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "invalid_signature")
    wechat = post_signed(web_session, shared_clock, [{"ref": tom["delivery_id"], "status": "failed"}],
                         path="/api/v1/notify/receipts/wechat")                  # no WeChat receipt key set
    assert wechat.status_code == 401
    assert post_signed(web_session, shared_clock, b"{not json").status_code == 400
    assert post_signed(web_session, shared_clock, [{"ref": tom["delivery_id"], "status": "read"}]).status_code == 400
    assert post_signed(web_session, shared_clock, b"[" + b" " * (300 * 1024) + b"]").status_code == 413
    assert rows() == snapshot
    assert {r["delivery_id"]: r["status"] for r in rows(channel="sms")}[tom["delivery_id"]] == "sent"
