"""The care of a vacant unit end to end through the gateway (空置房保养, 000 §十.3, 6-8): a unit put on the
month's register gets its care tasks at once (the month's cleaning for the cleaning department, the season's
airing or frost check for customer service); the staff list them; a visit is recorded only through a loan of
the unit's key that the CS manager approved; a replayed record is the same answer; an anomaly reaches the CS
manager's inbox. Every write carries an Idempotency-Key; bad input is a 4xx."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from deploy import seed
from kernel.testing import wait_for

from . import test_repair_flow
from .test_repair_flow import token

demo = test_repair_flow.demo              # the fixture: the demo estate seeded

CLEANER = {"name": "赵保洁", "id_type": "resident_id", "id_number": "110101199003071233", "phone": "13800001111",
           "purpose": "空置房清扫"}


def test_a_vacant_unit_s_care_is_listed_and_recorded_through_an_approved_key_loan(platform, demo, web_session):  # noqa: F811
    empty = seed.unit_id("LH", "1栋", "0202")                    # no household: a vacant unit (unsold)
    desk, steward, cs, owner = (token(web_session, u) for u in ("desk.lh", "steward.lh", "cs.lh", "zhangwei"))

    def send(method, headers, path, body, expect=200, key=None, keyed=True):
        extra = {"Idempotency-Key": key or str(uuid.uuid4())} if keyed else {}
        response = web_session.request(method, path, headers=dict(headers, **extra), json=body)
        assert response.status_code == expect, response.text
        return response.json()

    key = wait_for(lambda: (lambda r: r.json() if r.status_code == 201 else None)(web_session.post(
        "/api/v1/keys", headers=dict(desk, **{"Idempotency-Key": "handover-care"}),
        json={"unit_id": empty, "label": "入户门钥匙", "name": "开发商"})), timeout=30)
    project = key["project_id"]
    month = datetime.fromisoformat(key["updated_at"]).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    send("POST", desk, f"/api/v1/keys/{key['id']}/moves", {"action": "store"})
    send("PUT", desk, f"/api/v1/projects/{project}/vacant-units/{month}", {"unit_ids": [empty]})

    # the unit's care tasks at once: the month's cleaning (保洁部) and the season's visit (客服部)
    listed = web_session.get(f"/api/v1/projects/{project}/vacant-care", headers=steward)
    assert listed.status_code == 200, listed.text
    page = listed.json()
    tasks = {t["care_kind"]: t for t in page["items"] if t["unit_id"] == empty}
    assert page["total"] >= 1 and "cleaning" in tasks
    cleaning = tasks["cleaning"]
    assert (cleaning["department"], cleaning["status"], cleaning["responsible_role"]) == (
        "cleaning", "scheduled", "cs_manager")
    assert cleaning["due_at"].endswith("+08:00") and cleaning["period_start"] == f"{month}-01"
    assert web_session.get(f"/api/v1/projects/{project}/vacant-care", headers=steward,
                           params={"state": "someday"}).status_code == 400
    assert web_session.get(f"/api/v1/projects/{project}/vacant-care", headers=owner).status_code == 404
    record = f"/api/v1/vacant-care/{cleaning['id']}/record"

    # a write without its Idempotency-Key; a visit without a key loan; bad input -- nothing written
    assert send("POST", desk, record, {}, expect=400, keyed=False)["error"] == "idempotency_key_required"
    refused = send("POST", desk, record, {"performed_by": "赵保洁"}, expect=422)
    assert refused["error"] == "key_loan_required" and "客服主管以上" in refused["message"]
    send("POST", desk, record, {"dried": "yes"}, expect=400)
    send("POST", desk, record, {"anomaly_kind": "ghosts"}, expect=400)

    # the loan: registered by the desk, approved by the CS manager (the desk cannot)
    moves = f"/api/v1/keys/{key['id']}/moves"
    requested = send("POST", desk, moves, {"action": "request_loan", **CLEANER})
    loan_id = requested["loan"]["id"]
    assert send("POST", desk, record, {"key_loan_id": loan_id}, expect=422)["error"] == "key_loan_not_valid"
    assert send("POST", desk, moves, {"action": "approve_loan"}, expect=403)["error"] == "role_required"
    send("POST", cs, moves, {"action": "approve_loan"})

    body = {"key_loan_id": loan_id, "performed_by": "赵保洁", "note": "地面、窗台已清扫"}
    done = send("POST", desk, record, body, key="care-record-1")
    assert (done["status"], done["performed_by"], done["key_loan_id"], done["overdue"]) == (
        "done", "赵保洁", loan_id, False)
    assert send("POST", desk, record, body, key="care-record-1") == done               # a replay: the same answer
    assert send("POST", desk, record, body, expect=409)["error"] == "vacant_care_step_not_allowed"
    page = web_session.get(f"/api/v1/projects/{project}/vacant-care", headers=cs, params={"state": "done"}).json()
    assert [t["id"] for t in page["items"]] == [cleaning["id"]]
    assert web_session.get(f"/api/v1/vacant-care/{cleaning['id']}", headers=desk).json()["status"] == "done"
    assert web_session.get("/api/v1/vacant-care/no-such-task", headers=desk).status_code == 404

    # the season's visit finds a break-in: the CS manager's inbox is told at once
    [season] = [t for kind, t in tasks.items() if kind != "cleaning"]     # every month has one by default
    assert season["care_kind"] in ("airing", "frost_check") and season["department"] == "customer_service"
    send("POST", steward, f"/api/v1/vacant-care/{season['id']}/record",
         {"key_loan_id": loan_id, "anomaly": True, "anomaly_kind": "break_in", "note": "北卧窗户被撬"})

    def told():
        items = web_session.get("/api/v1/staff/inbox", headers=cs).json()
        return [n for n in items if n["purpose"] == "vacancy.care_anomaly"] or None
    [alert] = wait_for(told, timeout=20, message="the anomaly in the CS manager's inbox")
    assert "1栋-0202" in alert["body"] and "被盗或闯入" in alert["body"]
    send("POST", desk, moves, {"action": "return"})
