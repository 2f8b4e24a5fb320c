"""The census end to end (issue 11): 绿湖花园's CS manager puts 1栋 in the steward's area through the
gateway (an Idempotency-Key); the resident reads their steward's work phone; the next day archive's
job runner opens the census tasks of the households on file (moved in in March: already due); the
steward lists theirs, reads one (logged), confirms it -- the same key answers the same --, the
managers see the rest per steward. Bad input is a 400, the wrong roles 403, a resident 404, never a 5xx."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import seed
from kernel.testing import TEST_SECRET, wait_for

from .test_repair_flow import token

pytestmark = [pytest.mark.e2e]
NOW = datetime.fromisoformat("2026-11-24T09:00:00+08:00")


def test_stewards_areas_and_the_census_through_the_gateway(start_platform, rabbit_config, web_session,
                                                           shared_clock):
    shared_clock.write(now=NOW)
    containers = start_platform()
    demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=containers["gateway"].config["DB_URL"],
                     wait=30)
    lh = demo["projects"]["LH"]["id"]
    users = {u["username"]: u for u in demo["users"]}
    b1 = seed.did("building:LH:1栋")
    cs, steward, desk = token(web_session, "cs.lh"), token(web_session, "steward.lh"), token(web_session, "desk.lh")
    resident = token(web_session, "zhangwei")
    path = f"/api/v1/projects/{lh}/stewards"
    body = {"building_id": b1, "steward_id": users["steward.lh"]["id"], "work_phone": "0571-88880001"}

    assert web_session.post(path, json={**body, "work_phone": "12"}, headers={**cs, "Idempotency-Key": "s-0"}
                            ).status_code == 400
    nobody = web_session.post(path, json={**body, "steward_id": users["eng.lh"]["id"]},
                              headers={**cs, "Idempotency-Key": "s-1"})
    assert nobody.status_code == 422 and nobody.json()["error"] == "unknown_assignee"
    assert web_session.post(path, json=body, headers={**desk, "Idempotency-Key": "s-2"}).status_code == 403
    assigned = web_session.post(path, json=body, headers={**cs, "Idempotency-Key": "area-1"})
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["steward_name"], assigned.json()["changed"]) == ("绿湖管家·吴", True)
    assert web_session.post(path, json=body, headers={**cs, "Idempotency-Key": "area-1"}).json() == assigned.json()
    assert [a["building_id"] for a in web_session.get(path, headers=desk).json()] == [b1]

    unit = seed.unit_id("LH", "1栋", "0101")
    mine = web_session.get(f"/api/v1/units/{unit}/steward", headers=resident)
    assert mine.status_code == 200 and mine.json()["work_phone"] == "0571-88880001"
    neighbour = seed.unit_id("LH", "1栋", "0102")
    assert web_session.get(f"/api/v1/units/{neighbour}/steward", headers=resident).status_code == 404
    summary = web_session.get(f"/api/v1/units/{unit}/household-summary", headers=token(web_session, "eng.lh")).json()
    assert summary["household"]["owners"] == ["张*"] and summary["steward"]["steward_name"] == "绿湖管家·吴"

    # the next night archive's daily sweep opens the census of the households on file
    shared_clock.write(now=datetime.fromisoformat("2026-11-25T01:31:00+08:00"))
    cs, steward, desk = token(web_session, "cs.lh"), token(web_session, "steward.lh"), token(web_session, "desk.lh")
    resident = token(web_session, "zhangwei")                  # a new day: new tokens
    page = wait_for(lambda: (p := web_session.get("/api/v1/census-tasks/mine", headers=steward).json()).get("total") and p,
                    timeout=30, message="the census tasks opened")
    assert {t["unit_label"] for t in page["items"]} == {"1栋-0101", "1栋-0102"}
    assert {t["due_on"] for t in page["items"]} == {"2026-12-02"}
    task = next(t for t in page["items"] if t["unit_id"] == unit)

    assert web_session.get(f"/api/v1/census-tasks/{task['id']}", headers=steward).status_code == 400   # no purpose
    read = web_session.get(f"/api/v1/census-tasks/{task['id']}?purpose=入户核查", headers=steward)
    assert read.status_code == 200 and read.json()["household"]["people"][0]["phone"] == "13800000101"
    assert web_session.get(f"/api/v1/census-tasks/{task['id']}?purpose=看看", headers=resident).status_code == 404
    assert web_session.get(f"/api/v1/census-tasks/{task['id']}?purpose=看看", headers=desk).status_code == 403

    confirm = f"/api/v1/census-tasks/{task['id']}/confirm"
    done = web_session.post(confirm, json={"note": "无变化"}, headers={**steward, "Idempotency-Key": "cz-1"})
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["next_due_on"]) == ("confirmed", "2027-02-25")
    assert web_session.post(confirm, json={"note": "无变化"}, headers={**steward, "Idempotency-Key": "cz-1"}
                            ).json() == done.json()
    twice = web_session.post(confirm, json={}, headers={**steward, "Idempotency-Key": "cz-2"})
    assert twice.status_code == 409 and twice.json()["error"] == "transition_not_allowed"

    per_steward = web_session.get(f"/api/v1/projects/{lh}/census-by-steward", headers=cs).json()
    assert [(r["steward_name"], r["open"], r["overdue"]) for r in per_steward if r["steward_id"]] == \
        [("绿湖管家·吴", 1, 0)]
    assert web_session.get(f"/api/v1/projects/{lh}/census-by-steward", headers=steward).status_code == 403
    assert web_session.get(f"/api/v1/projects/{lh}/census-tasks?state=late", headers=cs).status_code == 400
    settings = web_session.get(f"/api/v1/projects/{lh}/settings/archive", headers=cs).json()
    assert {s["key"] for s in settings["settings"]} >= {"archive.census_every_months", "archive.correspondence_keep_years"}
    assert web_session.get(f"/api/v1/projects/{lh}/retention-purges", headers=cs).json() == []
