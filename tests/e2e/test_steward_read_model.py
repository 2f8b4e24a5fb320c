"""The stewards' and the desk's frequent reads from the gateway's read model end to end (issue 12):
tickets' ``ticket.changed`` carries an inspection round's ``inspection`` part and a front-desk task's
``task`` part into the gateway's table. The steward's rounds (theirs, of the day, due), one round and
the desk's task list are tickets' own answers field by field (tickets answers a ``min_version`` beyond
the read model's, and a task as a ticket) -- and answer the same with tickets stopped. A step's reply is
readable at once; a resident and the project's technician get tickets' refusal while it runs."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from deploy import seed
from gateway.models import PortalTicket
from kernel.clock import in_zone
from kernel.db import make_engine
from kernel.testing import wait_for

from .test_key_loan import BORROWER
from .test_repair_flow import demo, token  # noqa: F401  (fixture)


@pytest.fixture
def gateway_db(platform):
    engine = make_engine(platform["gateway"].config["DB_URL"])
    yield lambda: Session(engine)
    engine.dispose()


def version(gateway_db, ticket_id):
    with gateway_db() as session:
        row = session.get(PortalTicket, ticket_id)
        return row.version if row is not None else 0


def test_the_steward_s_rounds_and_the_desk_s_tasks_answer_from_the_read_model(platform, demo, web_session,  # noqa: F811
                                                                               gateway_db, shared_clock):
    local = datetime.now(ZoneInfo("Asia/Shanghai"))
    # 07:00 in Shanghai today: both of today's patrol windows are ahead
    shared_clock.write(offset_seconds=(local.replace(hour=7, minute=0, second=0, microsecond=0)
                                       - local).total_seconds())
    cs, steward, desk = token(web_session, "cs.lh"), token(web_session, "steward.lh"), token(web_session, "desk.lh")
    technician, resident = token(web_session, "eng.lh"), token(web_session, "zhangwei")
    steward_id = web_session.get("/api/v1/me", headers=steward).json()["id"]
    unit_id = seed.unit_id("LH", "1栋", "0101")
    project = web_session.get(f"/api/v1/units/{unit_id}", headers=cs).json()["project_id"]

    def send(method, headers, path, body=None, expect=200):
        response = web_session.request(method, path, json=body if body is not None else {},
                                       headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}))
        assert response.status_code == expect, response.text
        return response.json()

    def get(headers, path, expect=200, **params):
        response = web_session.get(path, headers=headers, params=params)
        assert response.status_code == expect, response.text
        return response.json()

    area = send("POST", cs, f"/api/v1/projects/{project}/inspection-areas",
                {"name": "1栋楼梯间", "area_type": "stairwell", "steward_id": steward_id}, expect=201)
    walked = send("POST", steward, f"/api/v1/inspection-areas/{area['id']}/rounds", expect=201)
    # the round's first ``ticket.changed`` projected (a step's reply is laid onto a projected round;
    # before that, a read falls back to tickets)
    wait_for(lambda: version(gateway_db, walked["id"]), timeout=30, message="the round projected")
    recorded = send("POST", steward, f"/api/v1/inspection-rounds/{walked['id']}/results", {"results": [
        {"item_code": "ST06", "outcome": "failed", "note": "3楼灭火器过期"}]})
    assert version(gateway_db, walked["id"]) == recorded["version"]          # the step's reply, projected
    # read at once from the read model: the step's answer
    assert get(steward, f"/api/v1/inspection-rounds/{walked['id']}") == recorded

    # the desk's task: a key lent today is due back by 18:00
    def handed_over():
        response = web_session.post("/api/v1/keys", headers=dict(desk, **{"Idempotency-Key": "handover-st"}),
                                    json={"unit_id": unit_id, "label": "入户门钥匙", "name": "开发商监理部"})
        assert response.status_code in (201, 503), response.text
        return response.json() if response.status_code == 201 else None
    key = wait_for(handed_over, timeout=30)
    moves = f"/api/v1/keys/{key['id']}/moves"
    send("POST", desk, moves, {"action": "store"})
    send("POST", desk, moves, {"action": "request_loan", **BORROWER})
    send("POST", cs, moves, {"action": "approve_loan"})

    # every round and the task projected at their newest version (the events)
    mine = {"assignee_id": steward_id, "day": local.date().isoformat()}
    # today's two planned patrols and the round walked on the spot (listed by its day too)
    rounds = wait_for(lambda: (lambda page: page if page["total"] == 3 else None)(
        get(steward, f"/api/v1/projects/{project}/inspection-rounds", **mine)), timeout=30,
        message="today's two patrols and the walked round in the read model")
    everything = get(steward, f"/api/v1/projects/{project}/inspection-rounds", assignee_id=steward_id)
    assert everything["total"] == 3 and walked["id"] in [r["id"] for r in everything["items"]]
    tasks = wait_for(lambda: (lambda page: page if page["total"] >= 1 else None)(
        get(desk, f"/api/v1/projects/{project}/front-desk-tasks", category="key_return")), timeout=30,
        message="the key's return task in the read model")
    for r in everything["items"]:
        wait_for(lambda r=r: version(gateway_db, r["id"]) >= r["version"], timeout=30)
    # field by field tickets' own answer: a version beyond the read model's is asked of tickets
    for r in everything["items"]:
        theirs = get(steward, f"/api/v1/inspection-rounds/{r['id']}", min_version=r["version"] + 1)
        assert r == theirs, r["number"]
    for t in tasks["items"]:              # a task: tickets answers it -- the same instants, the list in +08:00
        assert t == in_zone(get(desk, f"/api/v1/tickets/{t['id']}")), t["number"]
    assert tasks["items"][0]["category"] == "key_return" and tasks["items"][0]["number"].startswith("RW-")
    # not theirs: tickets' refusal
    assert get(resident, f"/api/v1/projects/{project}/inspection-rounds", expect=404)["error"] == "project_not_found"
    assert get(resident, f"/api/v1/projects/{project}/front-desk-tasks", expect=404)["error"] == "project_not_found"
    assert get(technician, f"/api/v1/projects/{project}/inspection-rounds", expect=403)["error"] == "role_required"
    assert get(resident, f"/api/v1/inspection-rounds/{walked['id']}", expect=404)["error"] == "round_not_found"
    assert all(t["id"] != walked["id"] for t in get(resident, "/api/v1/tickets")["items"])

    # tickets goes away: the steward's and the desk's lists answer the same
    due = get(steward, f"/api/v1/projects/{project}/inspection-rounds", due="due", **mine)
    one = get(steward, f"/api/v1/inspection-rounds/{walked['id']}")
    counts = get(cs, f"/api/v1/projects/{project}/patrols-by-steward", day=mine["day"])
    assert [(c["steward"]["user_id"], c["due"], c["missed"]) for c in counts] == [(steward_id, 2, 0)]
    platform["tickets"].kill()
    assert get(cs, f"/api/v1/projects/{project}/patrols-by-steward", day=mine["day"]) == counts
    assert get(steward, f"/api/v1/projects/{project}/inspection-rounds", **mine) == rounds
    assert get(steward, f"/api/v1/projects/{project}/inspection-rounds", assignee_id=steward_id) == everything
    assert get(steward, f"/api/v1/projects/{project}/inspection-rounds", due="due", **mine) == due
    assert get(steward, f"/api/v1/inspection-rounds/{walked['id']}") == one
    assert get(desk, f"/api/v1/projects/{project}/front-desk-tasks", category="key_return") == tasks
