"""A household's arrears through the gateway (classes, issue 9): the daily sweep opens its case, the
steward finds it on the worklist, sets its class and logs a door notice with its photo, the CS
supervisor assigns it; the resident never sees the case but reads the account's dunning state on
the overview (read model); bad input and other people's probes are 4xx."""
from __future__ import annotations

import uuid

from datetime import timedelta

from sqlalchemy.orm import Session

from deploy import seed
from kernel.db import make_engine
from kernel.tenancy import Caller
from kernel.testing import wait_for
from services.billing.domain import dunning
from services.billing.models import Project
from services.billing.tests import support

from .test_idempotency_and_settings import project_id
from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def run_sweep(db_url, clock, project) -> None:
    """The day's sweep (the ``dunning-day`` job's one call), on billing's database while billing runs."""
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            w = support.work(session, clock, Caller.system(support.G, "billing"))
            dunning.sweep(w, session.get(Project, project))
            session.commit()
    finally:
        engine.dispose()


def test_a_steward_works_a_case_and_the_resident_sees_only_the_account_s_state(platform, demo, web_session,
                                                                               shared_clock):
    unit = seed.unit_id("LH", "1栋", "0101")
    me, steward, cs, finance, desk = (token(web_session, n) for n in ("zhangwei", "steward.lh", "cs.lh", "finance.lh",
                                                                     "desk.lh"))
    users = {u["username"]: u for u in demo["users"]}
    project = project_id(web_session, cs)
    today = shared_clock.today("Asia/Shanghai")

    def call(method, headers, path, expect, key=None, **kw):
        if method != "GET":                   # every write takes its key
            headers = dict(headers, **{"Idempotency-Key": key or str(uuid.uuid4())})
        response = web_session.request(method, f"/api/v1{path}", headers=headers, **kw)
        assert response.status_code == expect, (path, response.text)
        return response.json()

    # 120.00 carried over, due ten days ago: overdue; the day's sweep opens the case
    call("POST", finance, f"/units/{unit}/account/opening-balance", 201, key="ob-1",
         json={"amount": "120.00", "as_of": (today - timedelta(days=10)).isoformat()})
    run_sweep(platform["billing"].config["DB_URL"], shared_clock, project)

    page = call("GET", steward, f"/projects/{project}/dunning/cases", 200, params={"limit": 200})
    [case] = [c for c in page["items"] if c["unit_id"] == unit]          # (the demo may owe elsewhere)
    assert (case["unit_label"], case["overdue"], case["arrears_class"]) == ("1栋-0101", "120.00", None)
    overdue = [c["overdue"] for c in page["items"]]
    assert overdue == sorted(overdue, key=float, reverse=True) and page["total"] == len(page["items"])

    def my_tasks():
        worklist = call("GET", steward, f"/projects/{project}/dunning/tasks", 200)
        return sorted((t["kind"], t["due_on"]) for t in worklist["tasks"] if t["case_id"] == case["id"])
    assert my_tasks() == [("first_call", today.isoformat())]

    # the resident: no case, no list -- the same 404 as for nothing; staff see bad input as a 400
    call("GET", me, f"/dunning/cases/{case['id']}", 404)
    call("GET", me, f"/projects/{project}/dunning/cases", 404)
    call("POST", me, f"/dunning/cases/{case['id']}/actions", 404, key="r-1", json={"kind": "call", "outcome": "x"})
    call("GET", steward, f"/projects/{project}/dunning/cases", 400, params={"class": "F"})
    call("POST", steward, f"/dunning/cases/{case['id']}/actions", 400, key="bad-1",
         json={"kind": "suspend_water", "outcome": "x"})

    # class B after the first call: today's call and door notice; the same key with another body: 422
    classed = call("POST", steward, f"/dunning/cases/{case['id']}/class", 200, key="cls-1",
                   json={"arrears_class": "B", "note": "无人接听"})
    assert classed["case"]["arrears_class"] == "B" and classed["account"]["arrears_class"] == "B"
    call("POST", steward, f"/dunning/cases/{case['id']}/class", 422, key="cls-1", json={"arrears_class": "C"})
    assert my_tasks() == [("call", today.isoformat()), ("door_notice", today.isoformat())]
    assert call("POST", steward, f"/dunning/cases/{case['id']}/actions", 422, key="dn-0",
                json={"kind": "door_notice", "outcome": "已张贴"})["error"] == "photo_required"
    # a promise is for a near day (dunning.promise_longest_days, 30) and at most what is overdue
    far = (today + timedelta(days=31)).isoformat()
    assert call("POST", steward, f"/dunning/cases/{case['id']}/actions", 422, key="pr-0",
                json={"kind": "promise", "outcome": "明年再说", "promised_on": far})["error"] == "promise_too_far"
    assert call("POST", steward, f"/dunning/cases/{case['id']}/actions", 422, key="pr-1",
                json={"kind": "promise", "outcome": "全部结清", "promised_on": today.isoformat(),
                      "promised_amount": "999999.00"})["error"] == "promise_above_overdue"
    logged = call("POST", steward, f"/dunning/cases/{case['id']}/actions", 201, key="dn-1",
                  json={"kind": "door_notice", "outcome": "已张贴催费通知单", "photo_ref": "photo/dn-0101.jpg"})
    assert logged["entry"]["recorded_by"] == users["steward.lh"]["id"] and len(logged["completed_tasks"]) == 1

    # the CS supervisor assigns it; only to a steward of the project; the steward may not assign
    call("POST", steward, f"/projects/{project}/dunning/assignments", 403, key="as-0",
         json={"case_ids": [case["id"]], "steward_id": users["steward.lh"]["id"]})
    assert call("POST", cs, f"/projects/{project}/dunning/assignments", 422, key="as-1",
                json={"case_ids": [case["id"]], "steward_id": users["desk.lh"]["id"]})["error"] == "unknown_assignee"
    assigned = call("POST", cs, f"/projects/{project}/dunning/assignments", 200, key="as-2",
                    json={"case_ids": [case["id"]], "steward_id": users["steward.lh"]["id"]})
    assert assigned["cases"][0]["steward_name"] == users["steward.lh"]["name"]

    detail = call("GET", cs, f"/dunning/cases/{case['id']}", 200)
    assert [e["kind"] for e in detail["log"]][-3:] == ["class", "door_notice", "assigned"]
    assert detail["log"][-2]["photo_ref"] == "photo/dn-0101.jpg"
    call("GET", desk, f"/dunning/cases/{case['id']}", 200)                # any staff of the project reads

    # the overview: the account's dunning state from the read model -- the steward's class for staff
    # only (an internal judgement), the stage and pause for the resident too
    def shown(who):
        account = call("GET", who, f"/units/{unit}/overview", 200)["account"] or {}
        return account.get("arrears_class"), account.get("dunning_paused"), account.get("dunning_stage")
    wait_for(lambda: shown(desk)[0] == "B", timeout=15, message="the overview shows class B")
    assert shown(me)[0] is None and shown(me)[1] is False and shown(me)[2] is not None
    assert call("GET", me, f"/units/{unit}/account", 200)["arrears_class"] is None
    assert call("GET", desk, f"/units/{unit}/account", 200)["arrears_class"] == "B"
