"""Idempotency-Key on every write and the per-project settings, through the gateway's
HTTP API with every service running on the real broker."""
from __future__ import annotations

from deploy import seed
from kernel.testing import keyed, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def project_id(web_session, headers, code="LH"):
    return next(p["id"] for p in web_session.get("/api/v1/projects", headers=headers).json()
                if p["code"] == code)


def test_the_same_key_and_body_answer_once_and_another_body_is_refused(platform, demo, web_session):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = dict(token(web_session, "zhangwei"), **{"Idempotency-Key": "tap-1"})
    body = {"unit_id": unit_id, "content": "门禁卡失灵", "category": "unclassified"}
    first = web_session.post("/api/v1/repairs", headers=keyed(resident), json=body)
    second = web_session.post("/api/v1/repairs", headers=keyed(resident), json=body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    other = web_session.post("/api/v1/repairs", headers=keyed(resident), json=dict(body, content="电梯坏了"))
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    listed = web_session.get("/api/v1/tickets", headers=resident, params={"unit_id": unit_id}).json()
    assert listed["total"] == 1

    # registrations: same key and body -> the same 201 body, one record
    admin = dict(token(web_session, "admin"), **{"Idempotency-Key": "reg-1"})
    pid = project_id(web_session, admin)
    building = web_session.post(f"/api/v1/projects/{pid}/buildings", headers=keyed(admin),
                                json={"name": "9栋", "floors": 6})
    again = web_session.post(f"/api/v1/projects/{pid}/buildings", headers=keyed(admin),
                             json={"name": "9栋", "floors": 6})
    assert building.status_code == again.status_code == 201 and again.json() == building.json()
    clash = web_session.post(f"/api/v1/projects/{pid}/buildings", headers=keyed(admin),
                             json={"name": "10栋", "floors": 6})
    assert clash.status_code == 422 and clash.json()["error"] == "idempotency_key_reused"
    names = [u["building_name"] for u in web_session.get(f"/api/v1/projects/{pid}/units",
                                                         headers=admin).json()]
    assert "10栋" not in names

    # money: a retried opening balance is the first answer, not a 409
    finance = dict(token(web_session, "finance.lh"), **{"Idempotency-Key": "ob-1"})
    unit2 = seed.unit_id("LH", "2栋", "0101")
    path = f"/api/v1/units/{unit2}/account/opening-balance"
    posted = web_session.post(path, headers=finance, json={"amount": "88.80", "as_of": "2026-11-01"})
    retried = web_session.post(path, headers=finance, json={"amount": "88.80", "as_of": "2026-11-01"})
    assert posted.status_code == retried.status_code == 201 and retried.json() == posted.json()
    changed = web_session.post(path, headers=finance, json={"amount": "99.00", "as_of": "2026-11-01"})
    assert changed.status_code == 422 and changed.json()["error"] == "idempotency_key_reused"
    entries = web_session.get(f"/api/v1/units/{unit2}/account", headers=finance).json()
    assert entries["balance_due"] == "88.80"


def test_project_settings_are_read_changed_with_a_reason_and_audited(platform, demo, web_session):
    admin = token(web_session, "admin")
    pid = project_id(web_session, admin)
    base = f"/api/v1/projects/{pid}/settings/tickets"

    listed = web_session.get(base, headers=admin)
    assert listed.status_code == 200, listed.text
    by_key = {s["key"]: s for s in listed.json()["settings"]}
    assert by_key["sla.record_within"]["value"] == 5 and by_key["sla.record_within"]["is_default"]
    assert by_key["sla.public_area_on_site_within"]["unit"] == "minutes"
    assert by_key["sla.public_area_on_site_within"]["doc"]

    changed = web_session.put(base, headers=dict(admin, **{"Idempotency-Key": "set-1"}), json={
        "key": "sla.public_area_on_site_within", "value": 30, "reason": "山地项目，楼栋分散"})
    assert changed.status_code == 200, changed.text
    now = {s["key"]: s for s in changed.json()["settings"]}["sla.public_area_on_site_within"]
    assert now["value"] == 30 and not now["is_default"]

    # the compatible route is the same setting underneath, and is audited too
    legacy = web_session.put(f"/api/v1/projects/{pid}/sla-settings", headers=keyed(admin),
                             json={"key": "record_within", "minutes": 10})
    assert legacy.status_code == 200 and legacy.json()["record_within"] == 10
    assert web_session.get(f"/api/v1/projects/{pid}/sla-settings", headers=admin).json()[
        "public_area_on_site_within"] == 30

    history = web_session.get(f"{base}/history", headers=admin)
    assert history.status_code == 200
    trail = {h["key"]: h for h in history.json()}
    on_site = trail["sla.public_area_on_site_within"]
    assert (on_site["old_value"], on_site["value"], on_site["reason"]) == (15, 30, "山地项目，楼栋分散")   # from the default
    assert on_site["changed_by_name"] == "集团管理员" and on_site["changed_at"]
    assert trail["sla.record_within"]["value"] == 10

    # a new public-area repair runs its on-site clock on the project's figure
    resident = token(web_session, "zhangwei")
    ticket = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": seed.unit_id("LH", "1栋", "0101"), "category": "public_area", "content": "路灯不亮"}).json()
    due = {d["kind"]: d["due_at"] for d in ticket["deadlines"]}
    from datetime import datetime
    gap = datetime.fromisoformat(due["on_site"]) - datetime.fromisoformat(due["notify_engineering"])
    assert gap.total_seconds() == 30 * 60

    # refusals: wrong role, bad value, unknown key, a service without settings
    desk = token(web_session, "desk.lh")
    assert web_session.put(base, headers=keyed(desk), json={"key": "sla.record_within", "value": 3,
                                                     "reason": "x"}).status_code == 403
    bad = web_session.put(base, headers=keyed(admin), json={"key": "sla.record_within", "value": 0, "reason": "x"})
    assert bad.status_code == 400 and "value" in bad.json()["details"]
    text = web_session.put(base, headers=keyed(admin), json={"key": "sla.record_within", "value": "5",
                                                      "reason": "x"})
    assert text.status_code == 400
    unknown = web_session.put(base, headers=keyed(admin), json={"key": "sla.nope", "value": 3, "reason": "x"})
    assert unknown.status_code == 400 and unknown.json()["error"] == "unknown_setting"
    no_reason = web_session.put(base, headers=keyed(admin), json={"key": "sla.record_within", "value": 3})
    assert no_reason.status_code == 400
    # archive has settings since issue 11 (documents' limits); the gateway has none
    assert web_session.get(f"/api/v1/projects/{pid}/settings/gateway", headers=admin).status_code == 404
    billing = web_session.get(f"/api/v1/projects/{pid}/settings/billing", headers=admin)
    assert billing.status_code == 200, billing.text
    assert {s["key"]: s["value"] for s in billing.json()["settings"]}["billing.due_day"] == 15
    other_group = web_session.get(base.replace(pid, "no-such-project"), headers=admin)
    assert other_group.status_code == 404
    assert len(web_session.get(f"{base}/history", headers=admin).json()) == 2


def test_the_engineering_dispatch_states_the_tickets_on_site_deadline(platform, demo, web_session):
    from zoneinfo import ZoneInfo
    from datetime import datetime

    resident = token(web_session, "zhangwei")
    created = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": seed.unit_id("LH", "1栋", "0101"), "category": "public_area", "content": "楼道灯不亮"})
    assert created.status_code == 201
    ticket = created.json()

    def dispatched():
        t = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident).json()
        return t["status"] == "dispatched" and t
    current = wait_for(dispatched, message="engineering notified")
    on_site = datetime.fromisoformat(next(d["due_at"] for d in current["deadlines"] if d["kind"] == "on_site"))
    engineer = token(web_session, "eng.lh")
    [dispatch] = [n for n in web_session.get("/api/v1/staff/inbox", headers=engineer).json()
                  if n["ref_id"] == ticket["id"]]
    local = on_site.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert f"到场时限：{local}" in dispatch["body"], (local, dispatch["body"])
