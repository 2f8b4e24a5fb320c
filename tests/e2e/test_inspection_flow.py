"""Daily inspections (巡检) end to end through the gateway: the CS manager makes an area with its
steward -> today's two patrols are planned for that steward -> the steward walks a round, records
a failed item with a photo (replayed with its key, resubmitted with a new one) -> exactly one
public-area repair ticket exists, the round names it -> the round is completed once every item has
a result. Every write carries an Idempotency-Key; bad input is a 4xx; residents and engineering
have no part."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from deploy import seed
from kernel.testing import wait_for

from . import test_repair_flow
from .test_repair_flow import token

demo = test_repair_flow.demo            # the fixture: the demo group loaded


def test_a_round_through_the_routes_opens_one_repair_for_a_failed_item(platform, demo, web_session,
                                                                        shared_clock):
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    # 07:00 in Shanghai today: both of today's patrol windows (08:00-12:00, 14:00-18:00) are ahead
    shared_clock.write(offset_seconds=(local.replace(hour=7, minute=0, second=0, microsecond=0)
                                       - local).total_seconds())
    cs, steward, desk = token(web_session, "cs.lh"), token(web_session, "steward.lh"), token(web_session, "desk.lh")
    technician, resident = token(web_session, "eng.lh"), token(web_session, "zhangwei")
    steward_id = web_session.get("/api/v1/me", headers=steward).json()["id"]
    unit_id = seed.unit_id("LH", "1栋", "0101")
    project = web_session.get(f"/api/v1/units/{unit_id}", headers=cs).json()["project_id"]

    def send(method, headers, path, body=None, expect=200, key=None):
        response = web_session.request(method, path, json=body if body is not None else {},
                                       headers=dict(headers, **{"Idempotency-Key": key or str(uuid.uuid4())}))
        assert response.status_code == expect, response.text
        return response.json()

    def get(headers, path, expect=200, **params):
        response = web_session.get(path, headers=headers, params=params)
        assert response.status_code == expect, response.text
        return response.json()

    templates = get(steward, f"/api/v1/projects/{project}/inspection-templates")
    stairwell = next(t for t in templates if t["area_type"] == "stairwell")
    assert stairwell["version"] == 0 and stairwell["items"][0]["code"] == "ST01"
    # checklists and areas are the managers'; bad input is a 400 before tickets is asked
    assert send("PUT", steward, f"/api/v1/projects/{project}/inspection-templates/stairwell",
                {"items": [{"name": "楼道灯正常"}]}, expect=403)["error"] == "role_required"
    assert send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "1栋楼梯间", "area_type": "basement"}, expect=400)["error"]
    assert send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "1栋楼梯间", "area_type": "stairwell", "steward_id": "nobody"}, expect=422)["error"] == \
        "unknown_assignee"
    area = send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "1栋楼梯间", "area_type": "stairwell", "steward_id": steward_id}, expect=201)
    assert area["steward"]["user_id"] == steward_id and area["area_type_name"] == "楼梯间"
    assert send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "1栋楼梯间", "area_type": "roof"}, expect=409)["error"] == "area_name_taken"
    assert send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",        # L6: NFKC-normalised
                {"name": "１栋楼梯间", "area_type": "stairwell"}, expect=409)["error"] == "area_name_taken"

    # today's two patrols, planned for the area's steward
    due = get(cs, f"/api/v1/projects/{project}/inspection-rounds", due="due", assignee_id=steward_id)
    assert sorted(r["slot"] for r in due["items"]) == [1, 2] and due["total"] == 2
    assert all(r["status"] == "planned" and r["number"].startswith("XJ-") for r in due["items"])
    assert get(cs, f"/api/v1/projects/{project}/patrols-by-steward")[0]["due"] == 2
    assert get(technician, f"/api/v1/projects/{project}/inspection-rounds", expect=403)["error"] == "role_required"

    # a round walked now: a failed item with a photo, replayed with its key, resubmitted with a new one
    round_ = send("POST", steward, f"/api/v1/inspection-areas/{area['id']}/rounds", expect=201)
    assert round_["status"] == "in_progress" and len(round_["items"]) == 11
    rid = round_["id"]
    assert send("POST", steward, f"/api/v1/inspection-rounds/{rid}/results", {"results": [
        {"item_code": "ST06", "outcome": "failed", "photo_ref": "../../etc/passwd"}]}, expect=400)["error"]
    assert send("POST", steward, f"/api/v1/inspection-rounds/{rid}/results", {"results": [
        {"item_code": "ST99", "outcome": "failed"}]}, expect=422)["error"] == "unknown_item"
    for ref in ("javascript:alert", "https://evil.example/x.jpg"):          # L15: no URL, no scheme
        assert send("POST", steward, f"/api/v1/inspection-rounds/{rid}/results", {"results": [
            {"item_code": "ST06", "outcome": "ok", "photo_ref": ref}]}, expect=400)["error"]
    refused = send("POST", technician, f"/api/v1/inspection-rounds/{rid}/results", {"results": [
        {"item_code": "ST05", "outcome": "ok"}]}, expect=403)                # L1: the recorders' roles
    assert refused["error"] == "role_required" and refused["message"].endswith("roles: front_desk, steward)")
    # L12: one round walked now per area at a time, of today, with a deadline
    assert send("POST", desk, f"/api/v1/inspection-areas/{area['id']}/rounds", expect=409)["error"] == \
        "spot_round_open"
    assert round_["day"] == local.date().isoformat() and round_["due_at"] is not None
    assert rid in [r["id"] for r in get(cs, f"/api/v1/projects/{project}/inspection-rounds",
                                        day=local.date().isoformat(), area_id=area["id"])["items"]]
    assert send("POST", resident, f"/api/v1/inspection-rounds/{rid}/results", {"results": [
        {"item_code": "ST06", "outcome": "failed"}]}, expect=404)["error"] == "round_not_found"
    key = str(uuid.uuid4())
    body = {"results": [{"item_code": "ST06", "outcome": "failed", "note": "3楼灭火器过期",
                         "photo_ref": "3f2a9c1e-0b7d-4c55-9a4e-1d2b3c4d5e6f"}]}
    first = send("POST", steward, f"/api/v1/inspection-rounds/{rid}/results", body, key=key)
    assert send("POST", steward, f"/api/v1/inspection-rounds/{rid}/results", body, key=key) == first
    again = send("POST", desk, f"/api/v1/inspection-rounds/{rid}/results", {"results": [
        {"item_code": "ST06", "outcome": "failed", "note": "3楼、5楼灭火器过期"}]})
    item = next(i for i in again["items"] if i["code"] == "ST06")
    assert item["repair_ticket_id"] == next(i for i in first["items"] if i["code"] == "ST06")["repair_ticket_id"]
    assert item["note"] == "3楼、5楼灭火器过期" and item["repair_number"].startswith("BX-")

    missing = send("POST", steward, f"/api/v1/inspection-rounds/{rid}/complete", {}, expect=409)
    assert missing["error"] == "results_incomplete"
    done = send("POST", steward, f"/api/v1/inspection-rounds/{rid}/complete", {"results": [
        {"item_code": i["code"], "outcome": "ok"} for i in round_["items"] if i["code"] != "ST06"]})
    assert done["status"] == "done" and done["done_by"]["user_id"] == steward_id
    assert send("POST", cs, f"/api/v1/inspection-rounds/{rid}/cancel", {"reason": "x"}, expect=409)["error"] == \
        "transition_not_allowed"

    # exactly one repair, a public-area one at the area, naming the round
    repairs = wait_for(lambda: [t for t in get(cs, "/api/v1/tickets", project_id=project, kind="repair")["items"]
                                if done["number"] in t["content"]], message="the failed item's repair in the list")
    assert [t["id"] for t in repairs] == [item["repair_ticket_id"]]
    repair = repairs[0]
    assert (repair["category"], repair["location"], repair["unit_id"]) == ("public_area", "1栋楼梯间", None)
    assert repair["source"] == {"kind": "inspection", "round_id": rid, "round_number": done["number"],
                                "item_code": "ST06", "item_name": "灭火器未过期、未失效"}
    assert get(cs, f"/api/v1/inspection-rounds/{rid}")["items"][5]["repair_ticket_id"] == repair["id"]
    assert get(resident, f"/api/v1/inspection-rounds/{rid}", expect=404)["error"] == "round_not_found"

    # an area naming no steward is patrolled by its building's (archive's 管家片区, steward.assigned)
    building = seed.did("building:LH:1栋")
    send("POST", cs, f"/api/v1/projects/{project}/stewards", {"building_id": building, "steward_id": steward_id})
    roof = send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "1栋楼顶天台", "area_type": "roof", "building_id": building}, expect=201)
    wait_for(lambda: [a for a in get(cs, f"/api/v1/projects/{project}/inspection-areas", area_type="roof")
                      if a["id"] == roof["id"] and (a["steward"] or {}).get("user_id") == steward_id],
             message="the building's steward patrols the roof")
    roof_view = next(a for a in get(cs, f"/api/v1/projects/{project}/inspection-areas", area_type="roof")
                     if a["id"] == roof["id"])
    assert (roof_view["steward_id"], roof_view["steward_source"]) == (steward_id, "building")     # L17

    # M1: the roof deactivated: its planned patrols are cancelled, none is left to miss or alert
    planned = get(cs, f"/api/v1/projects/{project}/inspection-rounds", area_id=roof["id"], status="planned")
    assert planned["total"] == 2
    send("PUT", cs, f"/api/v1/inspection-areas/{roof['id']}", {"active": False})
    after = get(cs, f"/api/v1/projects/{project}/inspection-rounds", area_id=roof["id"])["items"]
    assert sorted(r["status"] for r in after) == ["cancelled", "cancelled"]
    assert all(r["cancel_reason"] == "区域已停用" for r in after)

    # the month's inspection figures (日常巡检统计表): JSON for staff, the printed sheet; the month is checked first
    month = local.strftime("%Y-%m")
    figures = get(cs, f"/api/v1/projects/{project}/inspection-figures/{month}")
    assert (figures["month"], figures["total"]["findings"], figures["total"]["repairs_opened"]) == (month, 1, 1)
    stairwell = next(a for a in figures["areas"] if a["area_id"] == area["id"])
    assert (stairwell["planned"], stairwell["spot"], stairwell["done"]) == (2, 1, 1)
    assert next(r for r in figures["stewards"] if (r["steward"] or {}).get("user_id") == steward_id)["done"] == 1
    [finding] = figures["findings"]
    assert (finding["item_code"], finding["repair_ticket_id"], finding["note"]) == (
        "ST06", item["repair_ticket_id"], "3楼、5楼灭火器过期")
    assert get(steward, f"/api/v1/projects/{project}/inspection-figures/{month}")["total"] == figures["total"]
    assert get(technician, f"/api/v1/projects/{project}/inspection-figures/{month}", expect=403)["error"] == \
        "role_required"
    assert get(resident, f"/api/v1/projects/{project}/inspection-figures/{month}", expect=404)["error"]
    assert get(cs, f"/api/v1/projects/{project}/inspection-figures/2026-13", expect=400)["error"]
    assert get(cs, f"/api/v1/projects/{project}/inspection-figures/2999-01", expect=400)["error"] == "month_in_future"
    sheet = web_session.get(f"/api/v1/projects/{project}/inspection-figures/{month}.pdf", headers=cs)
    assert sheet.status_code == 200 and sheet.headers["Content-Type"] == "application/pdf"
    assert sheet.content.startswith(b"%PDF-") and "inspection-figures" in sheet.headers["Content-Disposition"]
    assert web_session.get(f"/api/v1/projects/{project}/inspection-figures/{month}.pdf",
                           headers=technician).status_code == 403


def test_a_deactivated_steward_is_given_no_patrol(platform, demo, web_session, shared_clock,
                                                  rabbit_config, monkeypatch):
    """M8 (trial 3): the building's steward deactivated with ``wuye-user deactivate`` -- tickets is
    told: the area's planned patrols go unassigned to the CS manager, the area shows it."""
    from gateway import cli
    from kernel.testing import TEST_SECRET

    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    shared_clock.write(offset_seconds=(local.replace(hour=7, minute=0, second=0, microsecond=0)
                                       - local).total_seconds())
    cs = token(web_session, "cs.lh")
    me = web_session.get("/api/v1/me", headers=cs).json()
    project = web_session.get(f"/api/v1/units/{seed.unit_id('LH', '1栋', '0101')}", headers=cs).json()["project_id"]
    url = platform["gateway"].config["DB_URL"]
    assert cli.main(["--db-url", url, "create", "--username", "steward2.lh", "--name", "绿湖管家·王", "--kind",
                     "staff", "--group", me["group_id"], "--role", "steward", "--project", project,
                     "--password", "steward2-password"]) == 0
    s2 = web_session.post("/api/v1/auth/token", json={"username": "steward2.lh", "password": "steward2-password"})
    s2_id = web_session.get("/api/v1/me", headers={"Authorization": f"Bearer {s2.json()['access_token']}"}).json()["id"]

    def send(method, path, body, expect):
        response = web_session.request(method, path, json=body, headers=dict(cs, **{"Idempotency-Key": str(uuid.uuid4())}))
        assert response.status_code == expect, response.text
        return response.json()

    building = seed.did("building:LH:2栋")
    send("POST", f"/api/v1/projects/{project}/stewards", {"building_id": building, "steward_id": s2_id}, 200)

    def view(area_id):
        return next(a for a in web_session.get(f"/api/v1/projects/{project}/inspection-areas", headers=cs).json()
                    if a["id"] == area_id)
    # once tickets has the building's steward (steward.assigned), an area of the building is his
    probe = send("POST", f"/api/v1/projects/{project}/inspection-areas",
                 {"name": "2栋楼梯间", "area_type": "stairwell", "building_id": building}, 201)
    wait_for(lambda: view(probe["id"])["steward_id"] == s2_id, message="the building's steward in tickets")
    lobby = send("POST", f"/api/v1/projects/{project}/inspection-areas",
                 {"name": "2栋大堂", "area_type": "lobby_corridor", "building_id": building}, 201)
    assert (lobby["steward_id"], lobby["steward_source"], lobby["steward_active"]) == (s2_id, "building", True)

    def planned():
        return web_session.get(f"/api/v1/projects/{project}/inspection-rounds", headers=cs,
                               params={"area_id": lobby["id"], "status": "planned"}).json()["items"]
    assert len(planned()) == 2 and {r["assignee"]["user_id"] for r in planned()} == {s2_id}

    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    monkeypatch.setenv("WUYE_SECRET", TEST_SECRET)
    assert cli.main(["--db-url", url, "deactivate", "--username", "steward2.lh"]) == 0
    assert view(lobby["id"])["steward_active"] is False
    rounds = planned()
    assert len(rounds) == 2 and all(r["assignee"] is None for r in rounds), rounds
    by = web_session.get(f"/api/v1/projects/{project}/patrols-by-steward", headers=cs).json()
    assert not [r for r in by if (r["steward"] or {}).get("user_id") == s2_id and r["due"]]
    # ``wuye-user activate``: the account is back and tickets is told -- the area shows its steward active
    assert cli.main(["--db-url", url, "activate", "--username", "steward2.lh"]) == 0
    assert view(lobby["id"])["steward_active"] is True
    assert web_session.post("/api/v1/auth/token", json={"username": "steward2.lh", "password": "steward2-password"}
                            ).status_code == 200


def test_a_manager_deactivates_and_reactivates_a_steward_through_the_gateway(platform, demo, web_session,
                                                                            shared_clock):
    """Trial 4: the route form of ``wuye-user deactivate|activate`` -- the CS manager deactivates the
    steward: the account is off at once and tickets is told (the steward's planned patrols go to the
    CS manager, unassigned); reactivated, the steward logs in again and is shown active. Who may act
    on whom is the gateway's rule; every write takes its Idempotency-Key."""
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    shared_clock.write(offset_seconds=(local.replace(hour=7, minute=0, second=0, microsecond=0)
                                       - local).total_seconds())
    cs, centre, steward = token(web_session, "cs.lh"), token(web_session, "centre.lh"), token(web_session, "steward.lh")
    ids = {name: web_session.get("/api/v1/me", headers=token(web_session, name)).json()["id"]
           for name in ("cs.lh", "steward.lh", "desk.lh", "eng.lh", "desk.xh", "zhangwei", "admin")}
    project = web_session.get(f"/api/v1/units/{seed.unit_id('LH', '1栋', '0101')}", headers=cs).json()["project_id"]

    def send(headers, path, body=None, expect=200, key=None, keyed=True):
        extra = {"Idempotency-Key": key or str(uuid.uuid4())} if keyed else {}
        response = web_session.post(path, json=body if body is not None else {}, headers=dict(headers, **extra))
        assert response.status_code == expect, response.text
        return response.json()

    area = send(cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "3号岗亭外围", "area_type": "exterior", "steward_id": ids["steward.lh"]}, expect=201)

    def planned():
        return web_session.get(f"/api/v1/projects/{project}/inspection-rounds", headers=cs,
                               params={"area_id": area["id"], "status": "planned"}).json()["items"]
    wait_for(lambda: [r["assignee"]["user_id"] for r in planned()] == [ids["steward.lh"]] * 2,
             message="the area's two patrols planned for its steward")

    off = f"/api/v1/staff-accounts/{ids['steward.lh']}/deactivate"
    # refusals: no key, not a manager, not the manager's to manage, oneself, not a staff account
    assert send(cs, off, keyed=False, expect=400)["error"] == "idempotency_key_required"
    assert send(steward, f"/api/v1/staff-accounts/{ids['desk.lh']}/deactivate", expect=403)["error"] == \
        "role_required"
    assert send(cs, f"/api/v1/staff-accounts/{ids['eng.lh']}/deactivate", expect=403)["error"] == \
        "staff_out_of_scope"                                          # engineering: not the CS manager's
    assert send(cs, f"/api/v1/staff-accounts/{ids['desk.xh']}/deactivate", expect=404)["error"] == \
        "staff_not_found"                                 # another project's front desk: as unknown, unnamed
    assert send(centre, f"/api/v1/staff-accounts/{ids['admin']}/deactivate", expect=403)["error"] == \
        "staff_out_of_scope"                                          # a group-wide account
    assert send(cs, f"/api/v1/staff-accounts/{ids['cs.lh']}/deactivate", expect=422)["error"] == "own_account"
    for other in (ids["zhangwei"], "no-such-user"):
        assert send(cs, f"/api/v1/staff-accounts/{other}/deactivate", expect=404)["error"] == "staff_not_found"
    assert send(cs, off, {"reason": "x" * 201}, expect=400)["error"]
    assert [r["assignee"]["user_id"] for r in planned()] == [ids["steward.lh"]] * 2       # nothing changed

    key = str(uuid.uuid4())
    done = send(cs, off, {"reason": "离职"}, key=key)
    assert (done["id"], done["active"], done["changed"]) == (ids["steward.lh"], False, True)
    assert send(cs, off, {"reason": "离职"}, key=key) == done                        # replayed, not run again
    assert send(cs, f"/api/v1/staff-accounts/{ids['steward.lh']}/activate", {"reason": "离职"}, key=key,
                expect=422)["error"] == "idempotency_key_reused"
    assert web_session.get("/api/v1/me", headers=steward).status_code == 401         # its tokens revoked
    assert web_session.post("/api/v1/auth/token", json={"username": "steward.lh", "password": seed.DEMO_PASSWORD}
                            ).status_code == 401
    # tickets was told: the steward's planned patrols wait for the CS manager, the area shows it
    rounds = wait_for(lambda: (lambda rs: rs if len(rs) == 2 and all(r["assignee"] is None for r in rs)
                               else None)(planned()), message="the steward's planned patrols unassigned")
    assert all(r["history"][-1]["note"].endswith("已停用，改由客服部经理安排") for r in rounds)
    view = next(a for a in web_session.get(f"/api/v1/projects/{project}/inspection-areas", headers=cs).json()
                if a["id"] == area["id"])
    assert view["steward_active"] is False
    again = send(cs, off)                                               # a new key: nothing more to do
    assert (again["active"], again["changed"]) == (False, False)

    back = send(centre, f"/api/v1/staff-accounts/{ids['steward.lh']}/activate", {"reason": "返岗"})
    assert (back["active"], back["changed"]) == (True, True)
    steward = token(web_session, "steward.lh")                          # logs in again
    assert web_session.get("/api/v1/me", headers=steward).json()["id"] == ids["steward.lh"]
    view = next(a for a in web_session.get(f"/api/v1/projects/{project}/inspection-areas", headers=cs).json()
                if a["id"] == area["id"])
    assert view["steward_active"] is True


def test_the_demo_loads_its_inspection_areas_once_and_their_patrols_are_planned(platform, web_session,
                                                                                shared_clock, rabbit_config):
    """``./wuye up`` (``seed.load(..., inspection_areas=True)``): 绿湖花园's areas with steward.lh, each
    in its building, and today's patrols planned for him at once -- a new user sees rounds; loading
    the demo again makes nothing twice."""
    from kernel.testing import TEST_SECRET
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    shared_clock.write(offset_seconds=(local.replace(hour=7, minute=0, second=0, microsecond=0)
                                       - local).total_seconds())
    gateway_db = platform["gateway"].config["DB_URL"]
    first = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=gateway_db, wait=30, sweep=False,
                      inspection_areas=True)
    steward = next(u for u in first["users"] if u["username"] == "steward.lh")
    areas = first["inspection_areas"]["LH"]
    assert [a["name"] for a in areas] == [a[0] for a in seed.INSPECTION_AREAS["LH"]]
    assert all(a["steward_id"] == steward["id"] and a["steward_source"] == "area" for a in areas)
    assert next(a for a in areas if a["name"] == "2栋大堂")["building_id"] == seed.did("building:LH:2栋")
    project = first["projects"]["LH"]["id"]
    headers = token(web_session, "steward.lh")

    def due():
        return web_session.get(f"/api/v1/projects/{project}/inspection-rounds", headers=headers,
                               params={"due": "due", "assignee_id": steward["id"], "limit": 200}).json()
    wait_for(lambda: due()["total"] == 2 * len(areas), message="two patrols per demo area for steward.lh")
    again = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=gateway_db, wait=30, sweep=False,
                      inspection_areas=True)
    assert [a["id"] for a in again["inspection_areas"]["LH"]] == [a["id"] for a in areas]
    listed = web_session.get(f"/api/v1/projects/{project}/inspection-areas", headers=headers).json()
    assert sorted(a["name"] for a in listed) == sorted(a["name"] for a in areas)
    assert due()["total"] == 2 * len(areas)
