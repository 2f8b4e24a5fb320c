"""A complaint (投诉) end to end through the gateway, every service on the real broker: the
resident complains in writing from the portal, the front desk dispatches it to the department,
the CS manager answers, files the written reply and resolves it, the desk closes it; the resident
reads it with its history and the written reply (the read model); archive has the complaint and
each reply in the household file. Then a warranty-quality complaint: the centre manager sets the
developer's supervision-department contact (notify's setting), the desk records the complaint,
notify texts the developer (number and unit only) and both notice clocks are met."""
from __future__ import annotations

import uuid

from deploy import seed
from kernel.testing import wait_for

from .conftest import sms_lines
from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def test_a_complaint_from_the_portal_to_the_household_file(platform, demo, web_session, tmp_path):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    household_id = demo["households"][("LH", "1栋", "0101")]["id"]
    resident, desk, cs, centre = (token(web_session, u) for u in ("zhangwei", "desk.lh", "cs.lh", "centre.lh"))
    other_household = token(web_session, "liuyang")

    def post(path, headers, body, expect=200, key=None):
        response = web_session.post(f"/api/v1{path}", headers=dict(
            headers, **{"Idempotency-Key": key or str(uuid.uuid4())}), json=body)
        assert response.status_code == expect, response.text
        return response.json()

    # bad input is a 4xx, never half-written
    assert post("/complaints", resident, {"unit_id": unit_id, "content": "x"}, expect=400)["error"]
    assert post("/complaints", desk, {"unit_id": unit_id, "content": "夜里巡逻的人太少",
                                      "department": "kitchen"}, expect=400)["error"]

    key = str(uuid.uuid4())
    body = {"unit_id": unit_id, "content": "夜里巡逻的人太少，车库有陌生人", "department": "security"}
    complaint = post("/complaints", resident, body, expect=201, key=key)
    assert complaint["number"].startswith("TS-") and complaint["status"] == "registered"
    assert (complaint["channel"], complaint["complaint"]["form"]) == ("portal", "written")
    assert {d["kind"] for d in complaint["deadlines"]} == {
        "dispatch_department", "first_response", "written_reply", "resolve"}
    assert post("/complaints", resident, body, expect=201, key=key)["id"] == complaint["id"]   # a retry

    cid = complaint["id"]
    # the resident does not dispatch; nobody else's household sees it; the desk does not reclassify
    assert post(f"/complaints/{cid}/dispatch", resident, {}, expect=422)["error"] == "not_your_step"
    assert post(f"/complaints/{cid}/cancel", other_household, {"reason": "x"}, expect=404)["error"] == \
        "ticket_not_found"
    assert post(f"/complaints/{cid}/reclassify", desk, {"complaint_class": "key", "reason": "r"},
                expect=403)["error"] == "role_required"
    assert post(f"/complaints/{cid}/resolve", cs, {"note": "x"}, expect=409)["error"] == "transition_not_allowed"

    assert post(f"/complaints/{cid}/dispatch", desk, {})["status"] == "dispatched"
    reclassified = post(f"/complaints/{cid}/reclassify", centre, {"complaint_class": "key",
                                                                   "reason": "护卫部管理失职"})
    assert reclassified["complaint"]["complaint_class"] == "key"
    assert post(f"/complaints/{cid}/respond", cs, {"note": "已电话致歉，今晚起加派夜巡"})["status"] == "responded"
    replied = post(f"/complaints/{cid}/written-reply", cs, {"title": "关于夜间巡逻的书面回复",
                                                            "body": "张先生：自11月24日起车库每两小时巡逻一次。"})
    assert replied["documents"][0]["kind"] == "written_reply"
    assert post(f"/complaints/{cid}/resolve", cs, {"note": "夜巡已加密，门禁已修复"})["status"] == "resolved"
    closed = post(f"/complaints/{cid}/close", desk, {})
    assert closed["status"] == "closed"

    # the resident reads it (the read model) with its history and the written reply
    seen = web_session.get(f"/api/v1/tickets/{cid}", headers=resident).json()
    assert (seen["status"], seen["version"]) == ("closed", closed["version"])
    assert [h["action"] for h in seen["history"]] == [
        "registered", "dispatch", "reclassify", "respond", "write_reply", "resolve", "close"]
    assert seen["documents"][0]["body"] == "张先生：自11月24日起车库每两小时巡逻一次。"
    assert seen["complaint"]["class_changes"][-1]["reason"] == "护卫部管理失职"
    states = {d["kind"]: d["state"] for d in seen["deadlines"]}
    assert states["first_response"] == states["written_reply"] == states["resolve"] == "met"
    mine = web_session.get("/api/v1/complaints", headers=resident).json()
    assert [t["id"] for t in mine["items"]] == [cid]
    staff_list = web_session.get("/api/v1/complaints", headers=cs, params={
        "project_id": seen["project_id"], "department": "security", "complaint_class": "key"}).json()
    assert [t["id"] for t in staff_list["items"]] == [cid]
    assert web_session.get("/api/v1/complaints", headers=cs, params={"complaint_class": "huge"}).status_code == 400

    # archive: the complaint and each reply in the household file, once each
    def filed():
        f = web_session.get(f"/api/v1/households/{household_id}/file", headers=cs,
                            params={"purpose": "复核投诉"}).json()
        entries = [c for c in f["correspondence"] if c["ref_number"] == complaint["number"]]
        return len(entries) == 4 and entries
    entries = wait_for(filed, message="complaint and replies filed")
    assert sorted(c["kind"] for c in entries) == ["complaint", "complaint_reply", "complaint_reply",
                                                  "complaint_reply"]
    assert any("书面回复" in c["summary"] for c in entries)

    # -- a warranty-quality complaint: the developer's supervision department is texted -----------
    project_id = seen["project_id"]
    setting = web_session.put(f"/api/v1/projects/{project_id}/settings/notify", headers=dict(
        centre, **{"Idempotency-Key": str(uuid.uuid4())}), json={
        "key": "supervision.contact_phone", "value": "13900009999", "reason": "开发商监理部值班手机"})
    assert setting.status_code == 200, setting.text
    quality = post("/quality-complaints", desk, {"unit_id": unit_id, "channel": "phone",
                                                 "content": "卧室墙面渗水，交房不到一年"}, expect=201)
    assert quality["number"].startswith("ZL-")
    sms = wait_for(lambda: [m for m in sms_lines(tmp_path) if quality["number"] in m["text"]],
                   message="supervision department texted")
    assert sms[0]["to"] == "13900009999" and "渗水" not in sms[0]["text"] and "1栋-0101" in sms[0]["text"]

    def noticed():
        t = web_session.get(f"/api/v1/tickets/{quality['id']}", headers=desk).json()
        states = {d["kind"]: d["state"] for d in t["deadlines"]}
        return states.get("notify_supervision") == "met" and states.get("notify_engineering") == "met" and t
    current = wait_for(noticed, message="both notices delivered")
    assert current["complaint"]["supervision_notified_at"]
    assessed = post(f"/quality-complaints/{quality['id']}/assessment", token(web_session, "engmgr.lh"),
                    {"within_warranty": False, "body": "与监理部联合查看：空调冷凝水管私改所致，非保修范围"})
    assert assessed["status"] == "out_of_warranty"
    explained = post(f"/quality-complaints/{quality['id']}/explanation", cs, {"body": "经联合评估……"})
    assert explained["status"] == "closed"
