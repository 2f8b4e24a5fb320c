"""Revisits (回访) end to end through the gateway: a repair rated 1 -> tickets schedules a
revisit -> it is in the steward's list of revisits due -> the steward records it dissatisfied ->
a complaint exists, linked both ways (the revisit names the complaint, the complaint came from
the revisit). Every write carries an Idempotency-Key: the recording replayed returns the same
answer and opens no second complaint; bad input is a 4xx."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from deploy import seed
from kernel.testing import wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def test_a_dissatisfied_repair_is_revisited_and_the_revisit_opens_a_complaint(platform, demo, web_session):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident, manager, technician = (token(web_session, u) for u in ("zhangwei", "engmgr.lh", "eng.lh"))
    steward, cs = token(web_session, "steward.lh"), token(web_session, "cs.lh")
    tech_id = web_session.get("/api/v1/me", headers=technician).json()["id"]
    steward_id = web_session.get("/api/v1/me", headers=steward).json()["id"]

    def post(headers, path, body=None, expect=200, key=None):
        response = web_session.post(path, headers=dict(headers, **{"Idempotency-Key": key or str(uuid.uuid4())}),
                                    json=body or {})
        assert response.status_code == expect, response.text
        return response.json()

    created = post(resident, "/api/v1/repairs", {"unit_id": unit_id, "category": "public_area",
                                                 "content": "楼道灯不亮", "location": "1栋3楼楼道"}, expect=201)
    repair, project = created["id"], created["project_id"]
    post(manager, f"/api/v1/tickets/{repair}/dispatch", {"assignee_id": tech_id, "assignee_name": "郑工"})
    for action, body in (("accept", {}), ("arrive", {}), ("complete", {"work_done": "更换LED灯管"})):
        post(technician, f"/api/v1/tickets/{repair}/{action}", body)
    assert post(resident, f"/api/v1/tickets/{repair}/rate", {"rating": 1, "comment": "还是不亮"})["status"] == "closed"

    def due_list(headers=steward, **query):
        response = web_session.get(f"/api/v1/projects/{project}/revisits", headers=headers,
                                   params={"due": "due", **query})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    [revisit] = wait_for(lambda: [t for t in due_list() if t["revisit"]["source_ticket_id"] == repair],
                         message="the dissatisfied repair's revisit in the steward's list")
    assert revisit["kind"] == "revisit" and revisit["number"].startswith("HF-") and revisit["status"] == "scheduled"
    assert revisit["revisit"]["reason"] == "repair_dissatisfied" and revisit["unit_id"] == unit_id
    assert {d["kind"]: (d["state"], d["responsible_role"]) for d in revisit["deadlines"]} == {
        "revisit": ("pending", "steward")}
    # the same ticket in the general list, by kind and reason; engineering does not read revisits
    listed = web_session.get("/api/v1/tickets", headers=cs, params={
        "project_id": project, "kind": "revisit", "category": "repair_dissatisfied"}).json()["items"]
    assert [t["id"] for t in listed] == [revisit["id"]]
    assert web_session.get(f"/api/v1/projects/{project}/revisits", headers=technician).status_code == 403
    assert web_session.get(f"/api/v1/projects/{project}/revisits", headers=steward,
                           params={"due": "soon"}).status_code == 400

    # the CS manager gives it to the steward: the steward's own list has it
    assigned = post(cs, f"/api/v1/revisits/{revisit['id']}/assign", {"assignee_id": steward_id,
                                                                    "assignee_name": "吴管家"})
    assert assigned["assignee"]["user_id"] == steward_id
    assert [t["id"] for t in due_list(assignee_id=steward_id)] == [revisit["id"]]

    # bad input is refused before anything is written; a repair is no revisit
    assert post(steward, f"/api/v1/revisits/{revisit['id']}/record",
                {"quality": 6, "effect": 1, "satisfaction": "dissatisfied"}, expect=400)["error"]
    assert post(steward, f"/api/v1/revisits/{revisit['id']}/record",
                {"quality": 2, "effect": 1, "satisfaction": "angry"}, expect=400)["error"]
    assert post(steward, f"/api/v1/revisits/{repair}/record",
                {"quality": 2, "effect": 1, "satisfaction": "dissatisfied"}, expect=404)["error"] == "revisit_not_found"
    assert post(technician, f"/api/v1/revisits/{revisit['id']}/record",
                {"quality": 2, "effect": 1, "satisfaction": "dissatisfied"}, expect=403)["error"] == "role_required"

    key = str(uuid.uuid4())
    body = {"quality": 2, "effect": 1, "satisfaction": "dissatisfied", "shortcomings": "灯修了第二天又坏",
            "suggestions": "换整套灯具"}
    recorded = post(steward, f"/api/v1/revisits/{revisit['id']}/record", body, key=key)
    assert recorded["status"] == "done"
    part = recorded["revisit"]
    assert (part["quality"], part["effect"], part["satisfaction"], part["shortcomings"]) == (
        2, 1, "dissatisfied", "灯修了第二天又坏")
    complaint_id = part["complaint_ticket_id"]
    assert complaint_id
    # replayed with its key: the same answer, no second complaint; again with a new key: refused
    assert post(steward, f"/api/v1/revisits/{revisit['id']}/record", body, key=key) == recorded
    assert post(steward, f"/api/v1/revisits/{revisit['id']}/record", body,
                expect=409)["error"] == "transition_not_allowed"

    complaint = web_session.get(f"/api/v1/tickets/{complaint_id}", headers=cs)
    assert complaint.status_code == 200, complaint.text
    complaint = complaint.json()
    assert (complaint["kind"], complaint["channel"], complaint["unit_id"]) == ("complaint", "revisit", unit_id)
    assert "灯修了第二天又坏" in complaint["content"] and revisit["number"] in complaint["content"]
    complaints = web_session.get("/api/v1/tickets", headers=cs, params={"project_id": project}).json()["items"]
    assert [t["id"] for t in complaints if t["kind"] == "complaint"] == [complaint_id]

    # read back (the read model): done, linked to the complaint; no longer due
    seen = web_session.get(f"/api/v1/tickets/{revisit['id']}", headers=steward).json()
    assert seen["status"] == "done" and seen["revisit"]["complaint_ticket_id"] == complaint_id
    assert seen["revisit"]["done_by"] == steward_id
    assert {d["kind"]: d["state"] for d in seen["deadlines"]} == {"revisit": "met"}
    assert due_list() == []

    month = datetime.fromisoformat(created["received_at"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    figures = web_session.get(f"/api/v1/projects/{project}/revisit-figures", headers=cs, params={"month": month})
    assert figures.status_code == 200, figures.text
    assert figures.json()["revisited"] == 1 and figures.json()["by_reason"]["repair_dissatisfied"] == 1
    assert web_session.get(f"/api/v1/projects/{project}/revisit-figures", headers=cs,
                           params={"month": "2026-13"}).status_code == 400
