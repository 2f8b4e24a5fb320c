"""Praise and suggestions (表扬与建议) end to end through the gateway, every service on the real
broker: a resident's suggestion from the portal, the desk acknowledges it, the CS manager replies
(not adopted, with the reason); the resident reads the reply and the household is told in its
in-app inbox only (never by SMS); archive has the suggestion and the company's reply in the
household file. Then praise the desk records from a letter, naming a member of staff: forwarded,
thanked, closed, filed too."""
from __future__ import annotations

import uuid

from deploy import seed
from kernel.testing import wait_for

from .conftest import sms_lines
from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def test_a_suggestion_and_praise_reach_the_household_file_with_the_company_s_reply(  # noqa: F811
        platform, demo, web_session, tmp_path):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    household_id = demo["households"][("LH", "1栋", "0101")]["id"]
    resident, desk, cs = (token(web_session, u) for u in ("zhangwei", "desk.lh", "cs.lh"))
    other_household = token(web_session, "liuyang")

    def post(path, headers, body, expect=200, key=None):
        response = web_session.post(f"/api/v1{path}", headers=dict(
            headers, **{"Idempotency-Key": key or str(uuid.uuid4())}), json=body)
        assert response.status_code == expect, response.text
        return response.json()

    # bad input is a 4xx, never half-written
    assert post("/feedback", resident, {"sub_kind": "suggestion", "unit_id": unit_id, "content": "x"},
                expect=400)["error"]
    assert post("/feedback", resident, {"sub_kind": "gossip", "unit_id": unit_id, "content": "小区很好"},
                expect=400)["error"]
    assert post("/feedback", resident, {"sub_kind": "suggestion", "unit_id": unit_id,
                                        "content": "长" * 2001}, expect=400)["error"]
    # trial findings: blank text, a named user id that is a path, no key, a resident without a unit
    for blank in ("   ", "\u3000\u3000\u3000"):
        assert post("/feedback", resident, {"sub_kind": "suggestion", "unit_id": unit_id, "content": blank},
                    expect=400)["error"] == "invalid_input"
    assert post("/feedback", desk, {"sub_kind": "praise", "unit_id": unit_id, "content": "感谢李师傅",
                                    "named_staff": [{"name": "李师傅", "user_id": "../../admin"}]},
                expect=400)["error"] == "invalid_input"
    keyless = web_session.post("/api/v1/feedback", headers=resident,
                               json={"sub_kind": "suggestion", "unit_id": unit_id, "content": "建议增加夜间照明"})
    assert (keyless.status_code, keyless.json()["error"]) == (400, "idempotency_key_required")
    no_unit = post("/feedback", resident, {"sub_kind": "suggestion", "project_id": seed.did("project:LH"),
                                           "content": "建议增加夜间照明"}, expect=400)
    assert no_unit["error"] == "unit_required" and "praise or suggestion" in no_unit["message"]

    key = str(uuid.uuid4())
    body = {"sub_kind": "suggestion", "unit_id": unit_id, "content": "建议在东门加装雨棚，下雨天取快递很不方便"}
    suggestion = post("/feedback", resident, body, expect=201, key=key)
    assert suggestion["number"].startswith("BJ-") and suggestion["status"] == "received"
    assert (suggestion["channel"], suggestion["feedback"]["sub_kind"]) == ("portal", "suggestion")
    assert [d["kind"] for d in suggestion["deadlines"]] == ["feedback_reply"]
    assert post("/feedback", resident, body, expect=201, key=key)["id"] == suggestion["id"]   # a retry
    sid = suggestion["id"]

    # the resident does not acknowledge; nobody else's household sees it; a suggestion needs a decision
    assert post(f"/feedback/{sid}/acknowledge", resident, {}, expect=422)["error"] == "not_your_step"
    assert post(f"/feedback/{sid}/cancel", other_household, {"reason": "x"}, expect=404)["error"] == \
        "ticket_not_found"
    assert post(f"/feedback/{sid}/close", desk, {}, expect=409)["error"] == "transition_not_allowed"
    assert post(f"/feedback/{sid}/reply", cs, {"body": "谢谢"}, expect=400)["error"] == "bad_decision"
    assert post(f"/feedback/{sid}/reply", cs, {"body": "谢谢", "decision": "not_adopted"}, expect=400)["error"]

    assert post(f"/feedback/{sid}/acknowledge", desk, {})["status"] == "acknowledged"
    reason = "东门为消防通道，不能加装固定构筑物；已在北门快递柜加装雨棚"
    replied = post(f"/feedback/{sid}/reply", cs, {"decision": "not_adopted", "reason": reason,
                                                 "body": "张先生：感谢您的建议。东门为消防通道……"})
    assert replied["status"] == "replied" and replied["feedback"]["decision"] == "not_adopted"
    assert replied["documents"][0]["kind"] == "feedback_reply"
    assert {d["kind"]: d["state"] for d in replied["deadlines"]} == {"feedback_reply": "met"}

    # the resident reads the reply; lists their own; staff list the project's by sub-kind
    seen = web_session.get(f"/api/v1/feedback/{sid}", headers=resident).json()
    assert seen["documents"][0]["body"] == "张先生：感谢您的建议。东门为消防通道……"
    assert seen["feedback"]["decision_reason"] == reason
    assert web_session.get(f"/api/v1/feedback/{sid}", headers=other_household).status_code == 404
    mine = web_session.get("/api/v1/feedback", headers=resident).json()
    assert [t["id"] for t in mine["items"]] == [sid]
    elsewhere = web_session.get("/api/v1/feedback", headers=resident, params={"project_id": "p-not-mine"}).json()
    assert elsewhere == {"items": [], "total": 0}
    # the auditor reads the access log, not a household's members through the unit overview
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=token(web_session, "audit.lh"))
    assert (overview.status_code, overview.json()["error"]) == (403, "role_required")
    listed = web_session.get("/api/v1/feedback", headers=cs, params={
        "project_id": seen["project_id"], "sub_kind": "suggestion", "status": "replied"}).json()
    assert [t["id"] for t in listed["items"]] == [sid]
    assert web_session.get("/api/v1/feedback", headers=cs, params={"sub_kind": "gossip"}).status_code == 400

    # -- praise from a letter, naming a member of staff: forwarded, thanked, closed -----------------
    praise = post("/feedback", desk, {"sub_kind": "praise", "unit_id": unit_id, "channel": "letter",
                                      "content": "感谢护卫李师傅雨夜帮忙搬运行李", "reporter_name": "张伟",
                                      "named_staff": [{"name": "李师傅"}], "department": "护卫部"}, expect=201)
    pid = praise["id"]
    assert praise["deadlines"] == [] and praise["feedback"]["named_staff"] == [{"name": "李师傅", "user_id": None}]
    post(f"/feedback/{pid}/reply", cs, {"body": "感谢您的表扬，已转达李师傅并在护卫部通报表扬。"})
    assert post(f"/feedback/{pid}/close", desk, {}, expect=422)["error"] == "praise_not_forwarded"
    assert post(f"/feedback/{pid}/forward", desk, {"forwarded_to": "护卫部李师傅"})["status"] == "replied"
    assert post(f"/feedback/{pid}/close", desk, {})["status"] == "closed"
    post(f"/feedback/{sid}/close", desk, {})
    # or forwarded first, then thanked and closed
    praise2 = post("/feedback", desk, {"sub_kind": "praise", "unit_id": unit_id, "channel": "phone",
                                       "content": "保洁阿姨每天都很认真", "department": "保洁部"}, expect=201)
    post(f"/feedback/{praise2['id']}/forward", desk, {"forwarded_to": "保洁部"})
    post(f"/feedback/{praise2['id']}/reply", cs, {"body": "感谢您的表扬，已转达保洁部。"})
    assert post(f"/feedback/{praise2['id']}/close", desk, {})["status"] == "closed"

    # archive: the suggestion and the company's reply in the household file, once each
    def filed():
        f = web_session.get(f"/api/v1/households/{household_id}/file", headers=cs,
                            params={"purpose": "查看表扬与建议"}).json()
        entries = [c for c in f["correspondence"] if c["ref_number"] in (suggestion["number"], praise2["number"])]
        return len(entries) == 4 and entries
    entries = wait_for(filed, message="suggestion, praise and replies filed")
    assert sorted(c["kind"] for c in entries) == ["feedback_reply", "feedback_reply", "praise", "suggestion"]
    assert any("不采纳" in c["summary"] and reason in c["summary"] for c in entries)

    # the household is told in-app (notify), never by SMS: nothing of it in a text message
    def told():
        inbox = web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=resident,
                                params={"limit": 50}).json()
        return [n for n in inbox if suggestion["number"] in (n.get("body") or "")] or None
    [notice] = wait_for(told, message="in-app notice of the reply")
    assert "东门" not in notice["body"]
    assert not [m for m in sms_lines(tmp_path) if suggestion["number"] in m["text"] or "东门" in m["text"]]
