"""Hardship on the dunning ladder through the gateway, the whole story in one platform: 王强 (1栋-0102,
345.00 carried over, due 1 November) disputes the bill at the front desk the day it falls due; the
next morning's sweep opens his dunning case paused; the CS manager rejects the dispute and the ladder
resumes; the steward proposes a lawyer letter, which cannot be sent before the CS department's review
and the general manager's approval and is sent after both; then the household agrees an installment
plan with the CS manager and the case waits again."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import seed
from kernel.testing import wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)

#: the demo carries its opening balances over as of 1 November (due that day): not overdue yet
NOW = datetime.fromisoformat("2026-11-01T10:00:00+08:00")
NEXT_MORNING = datetime.fromisoformat("2026-11-02T08:30:00+08:00")
KEY = ("LH", "1栋", "0102")


@pytest.fixture
def platform(start_platform, shared_clock):
    shared_clock.write(now=NOW)                      # before the platform starts: time stands still
    return start_platform(TOKEN_TTL_MINUTES=60 * 24 * 40)


def post(web_session, path, who, body, key):
    return web_session.post(path, headers={**who, "Idempotency-Key": key}, json=body)


def test_a_dispute_a_lawyer_letter_and_an_installment_plan(platform, demo, web_session, shared_clock):
    unit_id, lh = seed.unit_id(*KEY), demo["projects"]["LH"]["id"]
    desk, steward, cs = token(web_session, "desk.lh"), token(web_session, "steward.lh"), token(web_session, "cs.lh")
    gm, zhang = token(web_session, "gm"), token(web_session, "zhangwei")

    # the front desk records 王强's dispute of the bill carried over (no case yet: not overdue)
    [bill] = web_session.get(f"/api/v1/units/{unit_id}/bills", headers=desk, params={"status": "open"}).json()["items"]
    disputes = f"/api/v1/bills/{bill['id']}/disputes"
    assert post(web_session, disputes, desk, {"reason": " "}, "d0").status_code == 400
    assert post(web_session, disputes, zhang, {"reason": "不是我的账单"}, "d0").status_code == 404   # not his unit
    opened = post(web_session, disputes, desk, {"reason": "户主称已在旧物业缴清"}, "d1")
    assert opened.status_code == 201, opened.text
    dispute = opened.json()
    assert (dispute["status"], dispute["case_id"], dispute["bill_open"]) == ("open", None, "345.00")
    assert post(web_session, disputes, desk, {"reason": "户主称已在旧物业缴清"}, "d1").json()["id"] == dispute["id"]
    assert post(web_session, disputes, desk, {"reason": "另一条"}, "d1").status_code == 422     # key reused
    assert post(web_session, disputes, desk, {"reason": "另一条"}, "d2").status_code == 409     # one open

    # the next morning the daily sweep opens his case -- paused, no notice
    shared_clock.write(now=NEXT_MORNING)
    listed = f"/api/v1/projects/{lh}/bill-disputes"
    shown = wait_for(lambda: (d := web_session.get(listed, headers=cs, params={"status": "open"}).json()) and
                     d[0]["case_id"] and d[0], timeout=30, message="the case opened by the sweep")
    case_id = shown["case_id"]
    assert shown["case_paused"] == "dispute"
    assert web_session.get(listed, headers=zhang).status_code == 404
    assert web_session.get(listed, headers=cs, params={"status": "closed"}).status_code == 400

    resolve = f"/api/v1/bill-disputes/{dispute['id']}/resolve"
    assert post(web_session, resolve, desk, {"outcome": "reject", "resolution": "旧物业无缴费记录"}, "r1").status_code == 403
    upheld = post(web_session, resolve, cs, {"outcome": "uphold", "resolution": "账单有误"}, "r1")
    assert upheld.status_code == 409 and upheld.json()["error"] == "bill_not_corrected"
    rejected = post(web_session, resolve, cs, {"outcome": "reject", "resolution": "旧物业无缴费记录"}, "r2")
    assert rejected.status_code == 200 and rejected.json()["case_paused"] is None, rejected.text

    # a lawyer letter: listed by the steward, reviewed by the CS manager, approved by the GM, then sent
    proposals = f"/api/v1/dunning/cases/{case_id}/legal-proposals"
    assert post(web_session, proposals, zhang, {"kind": "lawyer_letter", "reason": "拒缴"}, "l0").status_code == 404
    assert post(web_session, proposals, steward, {"kind": "litigation", "reason": "拒缴"}, "l0").json()["error"] \
        == "lawyer_letter_not_sent"
    made = post(web_session, proposals, steward, {"kind": "lawyer_letter", "reason": "拒绝缴纳, 多次沟通无果"}, "l1")
    assert made.status_code == 201 and made.json()["amount"] == "345.00", made.text
    pid = made.json()["id"]
    step = f"/api/v1/legal-proposals/{pid}"
    letter = {"document_ref": "律函〔2026〕第001号"}
    for key, who in (("s1", steward), ("s2", steward)):
        sent = post(web_session, f"{step}/send", who, letter, key)
        assert sent.status_code == 409 and sent.json()["error"] == "approvals_missing", sent.text
        if key == "s1":
            assert post(web_session, f"{step}/review", steward, {}, "v0").status_code == 403
            assert post(web_session, f"{step}/review", cs, {"note": "同意"}, "v1").json()["status"] == "reviewed"
    assert post(web_session, f"{step}/approve", cs, {}, "a0").status_code == 403
    approved = post(web_session, f"{step}/approve", gm, {"note": "同意发函"}, "a1")
    assert approved.status_code == 200 and approved.json()["approved_by"] == approved.json()["steps"][-1]["by"]
    sent = post(web_session, f"{step}/send", steward, letter, "s3")
    assert sent.status_code == 200 and sent.json()["status"] == "sent", sent.text
    read = web_session.get(step, headers=gm).json()
    assert [(s["kind"], s["by_name"]) for s in read["steps"]] == [
        ("legal_proposed", "绿湖管家·吴"), ("legal_reviewed", "绿湖客服经理·孙"), ("legal_approved", "总经理"),
        ("legal_sent", "绿湖管家·吴")]
    assert web_session.get(step, headers=zhang).status_code == 404
    assert [p["id"] for p in web_session.get(f"/api/v1/projects/{lh}/legal-proposals", headers=cs,
                                             params={"kind": "lawyer_letter", "status": "sent"}).json()] == [pid]

    # the household asks for instalments: the CS manager agrees a plan of what is overdue
    plans = f"/api/v1/dunning/cases/{case_id}/installment-plans"
    schedule = [{"due_on": "2026-11-20", "amount": "145.00"}, {"due_on": "2026-12-20", "amount": "100.00"}]
    short = post(web_session, plans, cs, {"reason": "收入困难", "instalments": schedule}, "p0")
    assert short.status_code == 422 and "345.00" in short.json()["message"], short.text
    schedule[1]["amount"] = "200.00"
    too_long = post(web_session, plans, cs, {"reason": "收入困难", "instalments": [
        schedule[0], dict(schedule[1], due_on="2999-12-20")]}, "p0b")
    assert too_long.status_code == 422 and too_long.json()["error"] == "plan_too_long", too_long.text
    agreed = post(web_session, plans, cs, {"reason": "收入困难", "instalments": schedule}, "p1")
    assert agreed.status_code == 201 and agreed.json()["status"] == "active", agreed.text
    plan = agreed.json()
    assert web_session.get(f"/api/v1/installment-plans/{plan['id']}", headers=zhang).status_code == 404
    assert web_session.get(f"/api/v1/installment-plans/{plan['id']}", headers=desk).json()["total"] == "345.00"
    assert [p["id"] for p in web_session.get(f"/api/v1/projects/{lh}/installment-plans", headers=cs,
                                             params={"status": "active"}).json()] == [plan["id"]]
    assert web_session.get(listed, headers=cs).json()[0]["case_paused"] == "plan"
