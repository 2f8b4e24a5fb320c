"""Broadcasts end to end (issue 10): 绿湖花园's CS manager broadcasts a water outage to two units through
the gateway (an Idempotency-Key: the same key answers the same broadcast); notify's job runner fans it out
and its sender texts the households' payers by the SMS log provider; the progress, the project's list and
the cancel (409 the second time) go through the gateway; the household sees the notice in its inbox. Bad
input is a 4xx, a steward 403, a resident 404."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import seed
from kernel.testing import TEST_SECRET, wait_for

from .conftest import sms_lines
from .test_repair_flow import token

pytestmark = [pytest.mark.e2e]
NOW = datetime.fromisoformat("2026-11-24T09:00:00+08:00")
OUTAGE = {"outage_label": "停水", "area_label": "1栋、2栋", "starts_at": "11月25日 09:00",
          "ends_at": "11月25日 17:00", "reason": "二次供水水箱清洗", "service_phone": "0755-88880000"}


def test_a_cs_manager_broadcasts_an_outage_through_the_gateway(start_platform, rabbit_config, web_session,
                                                                shared_clock, tmp_path):
    shared_clock.write(now=NOW)
    containers = start_platform()
    demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=containers["gateway"].config["DB_URL"],
                     wait=30)
    lh = demo["projects"]["LH"]["id"]
    units = [seed.unit_id("LH", "1栋", "0101"), seed.unit_id("LH", "2栋", "0101")]
    cs = token(web_session, "cs.lh")
    path = f"/api/v1/projects/{lh}/broadcasts"
    body = {"purpose": "outage.notice", "target": "units", "unit_ids": units, "values": OUTAGE,
            "channels": ["inapp", "sms"]}

    # bad input: 4xx, never a 5xx, nothing sent
    assert web_session.post(path, json={**body, "channels": ["fax"]}, headers={**cs, "Idempotency-Key": "b-0"}
                            ).status_code == 400
    missing = web_session.post(path, json={**body, "values": {"reason": "检修"}}, headers={**cs, "Idempotency-Key": "b-1"})
    assert missing.status_code == 400 and missing.json()["error"] == "broadcast_values", missing.text
    assert "outage_label" in missing.json()["details"]["missing"]
    unknown = web_session.post(path, json={**body, "unit_ids": ["nope"]}, headers={**cs, "Idempotency-Key": "b-2"})
    assert unknown.status_code == 404 and unknown.json()["error"] == "unit_not_found"
    steward = web_session.post(path, json=body, headers={**token(web_session, "steward.lh"), "Idempotency-Key": "b-3"})
    assert steward.status_code == 403 and steward.json()["error"] == "role_required"

    created = web_session.post(path, json=body, headers={**cs, "Idempotency-Key": "outage-1125"})
    assert created.status_code == 200, created.text
    b = created.json()
    assert (b["purpose"], b["target"], b["total_units"], b["chunks"]) == ("outage.notice", "units", 2, 1)
    again = web_session.post(path, json=body, headers={**cs, "Idempotency-Key": "outage-1125"})
    assert again.json()["id"] == b["id"]

    def finished():
        view = web_session.get(f"/api/v1/broadcasts/{b['id']}", headers=cs).json()
        return view if view["status"] == "done" and {d["status"] for d in view["deliveries"]
                                                     if d["channel"] == "sms"} == {"sent"} else None
    view = wait_for(finished, timeout=30, message="the broadcast sent")
    # 1栋-0101: 张伟 (the family member 李娜 is not texted); 2栋-0101: 陈静 and Tom Baker
    assert (view["units_done"], view["notifications"]) == (2, 5)
    assert view["deliveries"] == [{"channel": "inapp", "status": "delivered", "count": 2},
                                  {"channel": "sms", "status": "sent", "count": 3}]
    texts = {line["to"]: line["text"] for line in sms_lines(tmp_path)}
    assert {"13800000101", "13800000104", "13800000105"} <= set(texts) and "13800000102" not in texts
    assert "二次供水水箱清洗" in texts["13800000101"]
    listed = web_session.get(path, headers=cs).json()
    assert [x["id"] for x in listed] == [b["id"]] and listed[0]["deliveries"] is None

    # the household reads it in its inbox
    resident = token(web_session, "zhangwei")
    inbox = web_session.get(f"/api/v1/units/{units[0]}/notifications", headers=resident)
    assert inbox.status_code == 200, inbox.text
    assert any("停水" in (n.get("subject") or "") + (n.get("body") or "") for n in inbox.json())
    assert web_session.get(f"/api/v1/broadcasts/{b['id']}", headers=resident).status_code == 404

    # cancel after sending: nothing was left to stop, the sent stay sent; the second time 409
    cancelled = web_session.post(f"/api/v1/broadcasts/{b['id']}/cancel", headers={**cs, "Idempotency-Key": "c-1"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["deliveries"] == view["deliveries"]
    assert web_session.post(f"/api/v1/broadcasts/{b['id']}/cancel", headers={**cs, "Idempotency-Key": "c-1"}
                            ).json()["status"] == "cancelled"
    twice = web_session.post(f"/api/v1/broadcasts/{b['id']}/cancel", headers={**cs, "Idempotency-Key": "c-2"})
    assert twice.status_code == 409 and twice.json()["error"] == "broadcast_cancelled"
