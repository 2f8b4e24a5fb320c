"""A repair to the end through the gateway (tickets' domain/workflow.py): the resident reports,
the engineering manager dispatches it to the technician, who accepts, arrives (the on-site clock
met) and completes it with the materials used; the resident rates it 5 and it is closed. After
every write the ticket read back (GET /tickets/{id}, the read model) shows the new state at once;
a second rating is refused."""
from __future__ import annotations

import uuid

from deploy import seed
from kernel.testing import keyed, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def test_a_repair_from_report_to_rating(platform, demo, web_session):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident, manager, technician = (token(web_session, u) for u in ("zhangwei", "engmgr.lh", "eng.lh"))
    desk_xh, other_household = token(web_session, "desk.xh"), token(web_session, "liuyang")
    tech_id = web_session.get("/api/v1/me", headers=technician).json()["id"]
    resident_id, desk_xh_id = (web_session.get("/api/v1/me", headers=h).json()["id"] for h in (resident, desk_xh))

    created = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": unit_id, "category": "public_area", "content": "楼道灯不亮", "location": "1栋3楼楼道"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    # notify's dispatch SMS to the duty phone moves it to dispatched on its own: wait for it, so
    # the manager's dispatch below is the named assignment (both orders are legal; this is stable)
    wait_for(lambda: web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident)
             .json()["status"] == "dispatched", message="engineering notified")

    # the newest version a write answered: a reader who was told of it asks for it (X-Min-Version) --
    # another user's step reaches the resident's read model by its event, which may come later
    last = {"version": 0}

    def step(headers, action, body=None, expect=200):
        response = web_session.post(f"/api/v1/tickets/{ticket['id']}/{action}", headers=dict(
            headers, **{"Idempotency-Key": str(uuid.uuid4())}), json=body or {})
        assert response.status_code == expect, response.text
        if response.status_code == 200:
            last["version"] = max(last["version"], response.json().get("version") or 0)
        return response.json()

    def read(headers=resident):
        response = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=dict(
            headers, **({"X-Min-Version": str(last["version"])} if last["version"] else {})))
        assert response.status_code == 200, response.text
        return response.json()

    # a technician cannot dispatch; another project's desk reads the ticket like a missing one (404)
    assert step(technician, "dispatch", {"assignee_id": tech_id}, expect=403)["error"] == "role_required"
    assert step(desk_xh, "dispatch", {"assignee_id": tech_id}, expect=404)["error"] == "ticket_not_found"
    # another household's resident is answered as for a ticket that does not exist
    assert step(other_household, "cancel", {"reason": "x"}, expect=404)["error"] == "ticket_not_found"
    # nor can the resident rate a repair nobody has done
    assert step(resident, "rate", {"rating": 5}, expect=409)["error"] == "transition_not_allowed"

    # an order goes to an active technician of the project: not to nobody, a resident or another site
    for nobody in ("no-such-user", resident_id, desk_xh_id):
        assert step(manager, "dispatch", {"assignee_id": nobody}, expect=422)["error"] == "unknown_assignee"
    assert read(manager)["assignee"] is None
    reply = step(manager, "dispatch", {"assignee_id": tech_id, "assignee_name": "随便写"})
    assert reply["assignee"] == {"user_id": tech_id, "name": "绿湖工程·郑"}     # the account's name
    assert (read()["status"], read()["version"]) == ("dispatched", reply["version"])

    assert step(technician, "accept")["status"] == "accepted"
    assert read()["status"] == "accepted"

    arrived = step(technician, "arrive")
    assert {d["kind"]: d["state"] for d in arrived["deadlines"]}["on_site"] == "met"
    seen = read()
    assert seen["status"] == "on_site" and seen["arrived_at"]
    assert {d["kind"]: d["state"] for d in seen["deadlines"]}["on_site"] == "met"

    assert step(technician, "complete", {"work_done": ""}, expect=400)["error"]
    done = step(technician, "complete", {"work_done": "更换LED灯管",
                                         "materials": [{"name": "LED灯管", "quantity": 2, "unit": "根"}]})
    assert done["status"] == "work_done"
    assert read()["materials"] == [{"name": "LED灯管", "quantity": 2.0, "unit": "根"}]

    assert step(resident, "rate", {"rating": 6}, expect=400)["error"]
    rated = step(resident, "rate", {"rating": 5, "comment": "很及时"})
    assert (rated["status"], rated["rating"]) == ("closed", 5) and rated["closed_at"]
    final = read()
    assert (final["status"], final["rating"], final["comment"], final["version"]) == (
        "closed", 5, "很及时", rated["version"])
    assert [h["action"] for h in final["history"]] == [
        "opened", "engineering_notified", "dispatch", "accept", "arrive", "complete", "rate"]
    # the staff read shows the same
    assert read(manager)["status"] == "closed"

    again = step(resident, "rate", {"rating": 1}, expect=409)
    assert again["error"] == "already_rated"
    assert read()["rating"] == 5

    # the staff list filters by technician, category and SLA state; a resident's list filtered
    # that way is the owner's query (the read model answers only by unit and status)
    def listed(headers, **query):
        response = web_session.get("/api/v1/tickets", headers=headers, params=query)
        assert response.status_code == 200, response.text
        return {t["id"] for t in response.json()["items"]}

    project = final["project_id"]
    assert ticket["id"] in listed(manager, project_id=project, assignee_id=tech_id, category="public_area")
    assert ticket["id"] not in listed(manager, project_id=project, category="in_home_paid")
    assert ticket["id"] not in listed(manager, project_id=project, sla_state="breached")
    assert ticket["id"] in listed(resident, assignee_id=tech_id)
    assert ticket["id"] not in listed(resident, channel="phone")
    bad = web_session.get("/api/v1/tickets", headers=manager, params={"sla_state": "late-ish"})
    assert bad.status_code == 400
