"""Printed notices end to end (issue 10): the dunning ladder's first notices of 绿湖花园 1栋 reach
notify, whose print deliveries wait ``queued``; the front desk lists them through the gateway,
downloads one notice's PDF and the building's batch (one A4 page per notice in unit order, the CJK
font embedded), and marks them printed once posted (an Idempotency-Key, and again: the first mark
stays); the household's inbox then shows the door notice printed. A resident, a technician and
another project's desk are refused."""
from __future__ import annotations

import re
from datetime import datetime

import pytest

from deploy import seed
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, wait_for

from .test_repair_flow import token

pytestmark = [pytest.mark.e2e]
G = seed.GROUP
FIRST_DAY = datetime.fromisoformat("2026-11-16T08:30:00+08:00")


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def test_the_desk_prints_a_building_s_dunning_notices_through_the_gateway(
        start_platform, rabbit_config, rpc, web_session, shared_clock):
    shared_clock.write(now=FIRST_DAY)
    containers = start_platform()
    demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=containers["gateway"].config["DB_URL"],
                     wait=30)
    lh = demo["projects"]["LH"]["id"]
    system = Caller.system(G, "e2e")
    # the demo carries 345.00 over for 1栋-0102; 1栋-0101 owes too: both get the first notice today
    rpc.call(system, "billing", "record_opening_balance", seed.unit_id("LH", "1栋", "0101"), "200.00",
             "2026-11-01", "carried over", idempotency_key="printing-e2e-0101")
    rpc.call(system, "billing", "run_dunning_sweep", lh)

    desk = token(web_session, "desk.lh")
    queue = f"/api/v1/projects/{lh}/print-deliveries"

    def listed():
        found = web_session.get(queue, headers=desk)
        assert found.status_code == 200, found.text
        rows = found.json()
        return rows if {r["unit_label"] for r in rows} >= {"1栋-0101", "1栋-0102"} else None
    rows = wait_for(listed, timeout=30, message="the first notices queued for print")
    ours = [r for r in rows if r["unit_label"].startswith("1栋-")]
    assert [(r["unit_label"], r["title"], r["purpose"], r["status"]) for r in ours] == [
        ("1栋-0101", "催费通知书", "dunning_first", "queued"), ("1栋-0102", "催费通知书", "dunning_first", "queued")]
    building = ours[0]["building_id"]
    assert [r["unit_label"] for r in web_session.get(queue, headers=desk, params={"building_id": building}).json()] \
        == ["1栋-0101", "1栋-0102"]

    # one notice's PDF
    one = web_session.get(f"/api/v1/print-deliveries/{ours[0]['delivery_id']}/notice.pdf", headers=desk)
    assert one.status_code == 200, one.text
    assert one.headers["Content-Type"] == "application/pdf"
    disposition = one.headers["Content-Disposition"]
    assert f'filename="notice-{ours[0]["delivery_id"]}.pdf"' in disposition
    assert "filename*=UTF-8''" in disposition and "%E5%82%AC%E8%B4%B9" in disposition     # 催费
    assert one.content.startswith(b"%PDF-") and pages(one.content) == 1
    assert b"/FontFile2" in one.content and b"WenQuanYiMicroHei" in one.content

    # the building's batch: one page per queued notice
    batch = web_session.get(f"/api/v1/projects/{lh}/buildings/{building}/print-batch.pdf", headers=desk)
    assert batch.status_code == 200, batch.text
    assert batch.headers["Content-Type"] == "application/pdf" and pages(batch.content) == 2
    assert web_session.get(f"/api/v1/projects/{lh}/buildings/{building}/print-batch.pdf", headers=desk,
                           params={"purpose": "outage"}).status_code == 400

    # who may not: a resident (404, as for what does not exist), a technician, another project's desk
    resident = token(web_session, "zhangwei")
    for path in (queue, f"/api/v1/print-deliveries/{ours[0]['delivery_id']}/notice.pdf"):
        refused = web_session.get(path, headers=resident)
        assert refused.status_code == 404 and refused.json()["error"] in {"project_not_found", "delivery_not_found"}
    assert web_session.get(queue, headers=token(web_session, "eng.lh")).json()["error"] == "role_required"
    other = web_session.get(f"/api/v1/print-deliveries/{ours[0]['delivery_id']}/notice.pdf",
                            headers=token(web_session, "desk.xh"))
    assert other.status_code == 403 and other.json()["error"] == "project_out_of_scope"

    # marked printed once posted: the same key answers the same, with another body it is refused;
    # marked again (another key, another desk), the first mark stays
    ids = [r["delivery_id"] for r in ours]
    mark = f"/api/v1/projects/{lh}/print-deliveries/printed"
    first = web_session.post(mark, headers={**desk, "Idempotency-Key": "posted-1"}, json={"delivery_ids": ids})
    assert first.status_code == 200, first.text
    assert [(r["status"], r["printed_by"] is not None) for r in first.json()] == [("printed", True)] * 2
    assert web_session.post(mark, headers={**desk, "Idempotency-Key": "posted-1"},
                            json={"delivery_ids": ids}).json() == first.json()
    reused = web_session.post(mark, headers={**desk, "Idempotency-Key": "posted-1"}, json={"delivery_ids": ids[:1]})
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    steward = token(web_session, "steward.lh")
    again = web_session.post(mark, headers={**steward, "Idempotency-Key": "posted-2"}, json={"delivery_ids": ids[:1]})
    assert again.status_code == 200 and again.json()[0]["printed_at"] == first.json()[0]["printed_at"]
    assert again.json()[0]["printed_by"] == first.json()[0]["printed_by"]
    assert not [r for r in web_session.get(queue, headers=desk).json() if r["unit_label"].startswith("1栋-")]
    assert web_session.get(f"/api/v1/projects/{lh}/buildings/{building}/print-batch.pdf",
                           headers=desk).json()["error"] == "nothing_to_print"

    # the household's inbox (the read model) shows its door notice printed
    home = seed.unit_id("LH", "1栋", "0101")

    def printed_in_inbox():
        found = web_session.get(f"/api/v1/units/{home}/notifications", headers=resident, params={"limit": 20}).json()
        return [n for n in found if n["purpose"] == "dunning_first"
                and {d["channel"]: d["status"] for d in n["deliveries"]}.get("print") == "printed"]
    wait_for(printed_in_inbox, timeout=20, message="the printed door notice in the household's inbox")
