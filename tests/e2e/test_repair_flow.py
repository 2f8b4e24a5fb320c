"""The first flow, end to end, through the gateway's HTTP API with every
service running on the real broker:

resident posts a repair request -> tickets stores it with its SLA deadlines and
emits ticket.opened through the outbox -> notify acknowledges it in zh-CN (in-app
and SMS) and dispatches engineering -> tickets stops the 2-minute clock ->
archive files the request in the household file -> the gateway shows the
ticket and the composed unit overview.
"""
from __future__ import annotations

import pytest

from deploy import seed
from kernel.testing import TEST_SECRET, keyed, wait_for

from .conftest import sms_lines


@pytest.fixture
def demo(platform, rabbit_config, tmp_path):
    from kernel.config import ROOT  # noqa: F401
    gateway_db = platform["gateway"].config["DB_URL"]
    return seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=gateway_db, wait=30)


def token(web_session, username):
    response = web_session.post("/api/v1/auth/token",
                                json={"username": username, "password": seed.DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_resident_repair_request_flows_through_every_service(platform, demo, web_session, tmp_path,
                                                            shared_clock):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    household_id = demo["households"][("LH", "1栋", "0101")]["id"]
    resident = token(web_session, "zhangwei")

    # health first: broker and all four services answer
    health = web_session.get("/health").json()
    assert health["status"] == "ok" and set(health["services"]) == {"archive", "tickets", "billing", "notify"}

    created = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": unit_id, "category": "public_area", "content": "楼道灯不亮", "location": "1栋3楼楼道"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert ticket["number"].startswith("BX-") and ticket["reporter"]["name"] == "张伟"
    assert {d["kind"] for d in ticket["deadlines"]} == {"record", "notify_engineering", "on_site"}

    # notify: zh-CN acknowledgement in the unit's inbox, SMS to the reporter
    def acknowledged():
        items = web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=resident).json()
        return [n for n in items if n["ref_id"] == ticket["id"]]
    notes = wait_for(acknowledged, message="acknowledgement")
    assert len(notes) == 1
    assert notes[0]["locale"] == "zh-CN" and ticket["number"] in notes[0]["body"] and "已受理" in notes[0]["body"]
    sms = wait_for(lambda: [m for m in sms_lines(tmp_path) if ticket["number"] in m["text"]], message="SMS")
    assert sms[0]["to"] == "13800000101"

    # tickets: engineering got the dispatch, the 2-minute clock stopped in time
    def dispatched():
        t = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident).json()
        return t["status"] == "dispatched" and t
    current = wait_for(dispatched, message="engineering notified")
    states = {d["kind"]: d["state"] for d in current["deadlines"]}
    assert states == {"record": "met", "notify_engineering": "met", "on_site": "pending"}
    engineer = token(web_session, "eng.lh")
    inbox = web_session.get("/api/v1/staff/inbox", headers=engineer).json()
    assert any(ticket["number"] in n["body"] for n in inbox)

    # archive: the request is in the household file (read by customer service, and logged)
    cs = token(web_session, "cs.lh")
    def filed():
        f = web_session.get(f"/api/v1/households/{household_id}/file", headers=cs,
                            params={"purpose": "e2e check"}).json()
        return [c for c in f["correspondence"] if c["ref_id"] == ticket["id"]]
    assert wait_for(filed, message="filed in the household file")[0]["ref_number"] == ticket["number"]
    log = web_session.get(f"/api/v1/households/{household_id}/file/access-log", headers=cs).json()
    assert log[0]["purpose"] == "e2e check"

    # the composed overview: household, open tickets, balance, latest notifications
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=resident).json()
    assert overview["degraded"] == []
    assert overview["household"]["people"][0]["name"] == "张伟"
    assert [t["id"] for t in overview["open_tickets"]] == [ticket["id"]]
    assert overview["account"]["balance_due"] == "0.00" and overview["account"]["currency"] == "CNY"
    assert overview["notifications"][0]["ref_id"] == ticket["id"]

    # a quarter of an hour later nobody is on site: the SLA shows the breach
    shared_clock.write(offset_seconds=20 * 60)
    later = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident).json()
    assert {d["kind"]: d["state"] for d in later["deadlines"]}["on_site"] == "breached"


def test_opening_balance_reaches_the_overview_and_the_household_file(platform, demo, web_session):
    unit_id = seed.unit_id("LH", "1栋", "0102")
    cs = token(web_session, "cs.lh")
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=cs).json()
    assert overview["account"]["balance_due"] == "345.00"
    household_id = demo["households"][("LH", "1栋", "0102")]["id"]
    summary = wait_for(lambda: web_session.get(f"/api/v1/households/{household_id}/file", headers=cs,
                                               params={"purpose": "arrears check"}).json()["household"]
                       ["balance_due"], message="payment summary in the file")
    assert summary == "345.00"


def test_a_retried_post_with_the_same_idempotency_key_creates_one_ticket(platform, demo, web_session):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = dict(token(web_session, "zhangwei"), **{"Idempotency-Key": "tap-2026-11-24-1"})
    body = {"unit_id": unit_id, "content": "门禁卡失灵", "category": "unclassified"}
    first = web_session.post("/api/v1/repairs", headers=keyed(resident), json=body)
    second = web_session.post("/api/v1/repairs", headers=keyed(resident), json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    listed = web_session.get("/api/v1/tickets", headers=resident, params={"unit_id": unit_id}).json()
    assert listed["total"] == 1
    bad = web_session.post("/api/v1/repairs", json=body,
                           headers=dict(resident, **{"Idempotency-Key": "x" * 65}))
    assert bad.status_code == 400 and bad.json()["error"] == "bad_idempotency_key"


def test_scopes_hold_across_the_platform(platform, demo, web_session):
    other_unit = seed.unit_id("XH", "A座", "1001")
    resident = token(web_session, "zhangwei")
    for path in (f"/api/v1/units/{other_unit}", f"/api/v1/units/{other_unit}/overview",
                 f"/api/v1/units/{other_unit}/account", f"/api/v1/units/{other_unit}/notifications"):
        response = web_session.get(path, headers=resident)
        assert response.status_code == 404, (path, response.text)
    response = web_session.post("/api/v1/repairs", headers=keyed(resident),
                                json={"unit_id": other_unit, "content": "不是我家"})
    assert response.status_code == 404
    desk_xh = token(web_session, "desk.xh")
    lh_unit = seed.unit_id("LH", "1栋", "0101")
    assert web_session.get(f"/api/v1/units/{lh_unit}", headers=desk_xh).status_code == 403
    household_id = demo["households"][("LH", "1栋", "0101")]["id"]
    engineer = token(web_session, "eng.lh")
    denied = web_session.get(f"/api/v1/households/{household_id}/file", headers=engineer,
                             params={"purpose": "curious"})
    assert denied.status_code == 403 and denied.json()["error"] == "file_access_denied"
    projects = web_session.get("/api/v1/projects", headers=desk_xh).json()
    assert [p["code"] for p in projects] == ["XH"]


def test_staff_register_a_project_through_the_api(platform, demo, web_session):
    """A fresh deployment builds its registry through the API: project, building,
    unit, move-in, opening balance -- each checked by the owning service."""
    admin = token(web_session, "admin")
    project = web_session.post("/api/v1/projects", headers=keyed(admin), json={
        "code": "YH", "name": "雅苑", "kind": "residential"})
    assert project.status_code == 201, project.text
    again = web_session.post("/api/v1/projects", headers=keyed(admin), json={
        "code": "YH", "name": "雅苑", "kind": "residential"})
    assert again.status_code == 200 and again.json()["id"] == project.json()["id"]
    pid = project.json()["id"]
    building = web_session.post(f"/api/v1/projects/{pid}/buildings", headers=keyed(admin),
                                json={"name": "3栋", "floors": 12}).json()
    unit = web_session.post(f"/api/v1/buildings/{building['id']}/units", headers=keyed(admin),
                            json={"number": "0301", "floor": 3, "building_area": "101.50"})
    assert unit.status_code == 201 and unit.json()["building_area"] == "101.50"
    desk = token(web_session, "desk.lh")            # front desk of another project
    denied = web_session.post(f"/api/v1/units/{unit.json()['id']}/move-in", headers=keyed(desk), json={
        "moved_in_on": "2026-11-20", "people": [{"name": "周杰", "role": "owner"}]})
    assert denied.status_code == 403
    household = web_session.post(f"/api/v1/units/{unit.json()['id']}/move-in", headers=keyed(admin), json={
        "moved_in_on": "2026-11-20", "people": [{"name": "周杰", "role": "owner", "phone": "13900000001"}]})
    assert household.status_code == 403      # a group admin is not the customer-service desk
    gm_units = web_session.get(f"/api/v1/projects/{pid}/units", headers=token(web_session, "gm")).json()
    assert [u["number"] for u in gm_units] == ["0301"]
    bad = web_session.post(f"/api/v1/buildings/{building['id']}/units", headers=keyed(admin),
                           json={"number": "0302", "building_area": "abc"})
    assert bad.status_code == 400 and "building_area" in bad.json()["details"]


def test_finance_records_an_opening_balance(platform, demo, web_session):
    unit_id = seed.unit_id("LH", "2栋", "0101")
    finance = token(web_session, "finance.lh")
    response = web_session.post(f"/api/v1/units/{unit_id}/account/opening-balance", headers=keyed(finance),
                                json={"amount": "88.80", "as_of": "2026-11-01", "note": "carried over"})
    assert response.status_code == 201, response.text
    assert response.json()["balance_due"] == "88.80"
    twice = web_session.post(f"/api/v1/units/{unit_id}/account/opening-balance", headers=keyed(finance),
                             json={"amount": "1.00", "as_of": "2026-11-01"})
    assert twice.status_code == 409 and twice.json()["error"] == "opening_balance_exists"
    desk = token(web_session, "desk.lh")
    refused = web_session.post(f"/api/v1/units/{unit_id}/account/opening-balance", headers=keyed(desk),
                               json={"amount": "1.00", "as_of": "2026-11-01"})
    assert refused.status_code == 403 and refused.json()["error"] == "role_required"
