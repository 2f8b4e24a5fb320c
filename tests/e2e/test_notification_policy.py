"""The sending policy end to end (issue 10), through the gateway: 张伟 opts out of SMS for every message
not legally required (an Idempotency-Key; only his own household's people); a repair he reports late
in the evening is acknowledged in-app but not by SMS (``opted_out``), while the dunning ladder's first
notice (legally required) is texted -- in the morning, the quiet hours (21:00-08:00 Shanghai) being
over. The front desk reads each delivery's status (masked), a technician may not; the household
reads its unread count from the portal's read model."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import seed
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, wait_for

from .test_repair_flow import token

pytestmark = [pytest.mark.e2e]
G = seed.GROUP
EVENING = datetime.fromisoformat("2026-11-16T22:30:00+08:00")


def test_an_opted_out_resident_is_texted_the_dunning_notice_only_and_in_the_morning(
        start_platform, rabbit_config, rpc, web_session, shared_clock):
    shared_clock.write(now=EVENING)
    containers = start_platform()
    demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=containers["gateway"].config["DB_URL"],
                     wait=30)
    lh = demo["projects"]["LH"]["id"]
    home = seed.unit_id("LH", "1栋", "0101")
    system = Caller.system(G, "e2e")
    household = rpc.call(system, "archive", "get_household_for_unit", home)
    owner = next(p for p in household["people"] if p["name"] == "张伟")["id"]

    resident = token(web_session, "zhangwei")
    prefs = f"/api/v1/units/{home}/people/{owner}/notification-preferences"
    body = {"channels": [{"channel": "sms", "opt_out": "all"}]}
    def opted_out():
        found = web_session.put(prefs, headers={**resident, "Idempotency-Key": "prefs-1"}, json=body)
        return found if found.status_code == 200 else None     # notify's copy of the household may be on its way
    changed = wait_for(opted_out, timeout=30, message="the opt-out stored")
    assert changed.json()["channels"][0] == {"channel": "sms", "opt_out": "all"}
    assert web_session.get(prefs, headers=resident).json() == changed.json()
    again = web_session.put(prefs, headers={**resident, "Idempotency-Key": "prefs-1"}, json=body)
    assert again.json() == changed.json()                                   # the same key: the same answer
    reused = web_session.put(prefs, headers={**resident, "Idempotency-Key": "prefs-1"},
                             json={"channels": [{"channel": "sms", "opt_out": "none"}]})
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    bad = web_session.put(prefs, headers={**resident, "Idempotency-Key": "prefs-2"},
                          json={"channels": [{"channel": "sms", "opt_out": "legal"}]})
    assert bad.status_code == 400
    other = web_session.get(f"/api/v1/units/{seed.unit_id('LH', '1栋', '0102')}/people/{owner}"
                            "/notification-preferences", headers=resident)
    assert other.status_code == 404

    # a repair reported at 22:30: in-app only (opted out of SMS); then the first dunning notice
    repair = web_session.post("/api/v1/repairs", headers={**resident, "Idempotency-Key": "policy-repair-1"},
                              json={"unit_id": home, "category": "public_area", "content": "楼道灯不亮"})
    assert repair.status_code == 201, repair.text
    rpc.call(system, "billing", "record_opening_balance", home, "200.00", "2026-11-01", "carried over",
             idempotency_key="policy-e2e-0101")
    rpc.call(system, "billing", "run_dunning_sweep", lh)

    desk = token(web_session, "desk.lh")
    listing = f"/api/v1/projects/{lh}/deliveries"

    def texts():
        found = web_session.get(listing, headers=desk, params={"channel": "sms", "unit_id": home})
        assert found.status_code == 200, found.text
        rows = {r["purpose"]: r for r in found.json()["items"]}
        return rows if {"ticket.opened.resident", "dunning_first"} <= set(rows) else None
    rows = wait_for(texts, timeout=30, message="the acknowledgement and the notice made")
    ack, notice = rows["ticket.opened.resident"], rows["dunning_first"]
    assert (ack["status"], ack["last_error"]) == ("suppressed", "opted_out")
    assert notice["status"] == "pending" and notice["kind"] == "legal"
    assert datetime.fromisoformat(notice["next_attempt_at"]) == datetime.fromisoformat("2026-11-17T08:00:00+08:00")
    assert "*" in notice["address"]                                                      # masked
    suppressed = web_session.get(listing, headers=desk, params={"status": "suppressed", "purpose": "ticket.opened.resident"})
    assert [r["delivery_id"] for r in suppressed.json()["items"]] == [ack["delivery_id"]]
    assert web_session.get(listing, headers=desk, params={"status": "lost"}).status_code == 400
    assert web_session.get(listing, headers=token(web_session, "eng.lh")).json()["error"] == "role_required"
    assert web_session.get(listing, headers=resident).status_code == 404

    # the household's unread count, from the portal's read model
    unread = f"/api/v1/units/{home}/notifications/unread"
    wait_for(lambda: web_session.get(unread, headers=resident).json().get("unread", 0) >= 2, timeout=30,
             message="the acknowledgement and the notice unread in the inbox")
    assert web_session.get("/api/v1/staff/inbox/unread", headers=desk, params={"project_id": lh}).status_code == 200

    # the morning: the notice's SMS goes out
    shared_clock.write(now=datetime.fromisoformat("2026-11-17T08:00:05+08:00"))
    desk = token(web_session, "desk.lh")          # the evening's token has expired overnight

    def sent():
        row = (texts() or {}).get("dunning_first")
        return row if row and row["status"] == "sent" else None
    done = wait_for(sent, timeout=40, message="the dunning notice texted in the morning")
    assert done["sent_at"] and done["attempts"] == 1
