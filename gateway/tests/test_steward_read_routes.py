"""The stewards' and the desk's read routes in a real gateway container on the real broker, in front of
a stub tickets (issue 12): the project's rounds, one round and the desk's tasks are answered from the
read model (tickets is not asked); a version newer than held, a row not projected or a caller who may
not read them is tickets' answer (a resident: 404 as for another project); a round step's reply is
readable at once."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gateway.readmodel import projector, views
from gateway.tests.test_http import Archive, gateway, login  # noqa: F401  (fixture)
from gateway.tests.test_readmodel_stewards import STEWARD, item, round_, task
from kernel.db import make_engine
from kernel.dependencies import CallerProvider
from kernel.entrypoints import rpc
from kernel.errors import NotFound

from kernel.testing import TEST_SECRET

FROM_TICKETS = "tickets' own answer"


def _round_answer(version: int = 9, **changes) -> dict:
    doc = projector.ticket_document(round_(version, cancel_reason=FROM_TICKETS, **changes))
    projector._staff_kind_times(doc)
    return views.round_view(doc, STEWARD)


class Tickets:
    """tickets answering only what the read model does not: marked with ``tickets' own answer``."""
    name = "tickets"
    auth = CallerProvider()

    @rpc
    def health(self):
        return {"service": "tickets", "status": "ok"}

    def _refuse(self, project_id):
        if self.auth.caller.is_resident:
            raise NotFound(f"no project {project_id}", code="project_not_found")

    @rpc
    def get_inspection_round(self, round_id):
        if self.auth.caller.is_resident or round_id != "r1":
            raise NotFound(f"no inspection round {round_id}", code="round_not_found")
        return _round_answer()

    @rpc
    def list_inspection_rounds(self, project_id, query=None):
        self._refuse(project_id)
        return {"items": [_round_answer()], "total": 1}

    @rpc
    def front_desk_tasks(self, project_id, query=None):
        self._refuse(project_id)
        return {"items": [], "total": 0}

    @rpc
    def patrols_by_steward(self, project_id, query=None):
        self._refuse(project_id)
        return []

    @rpc
    def get_ticket(self, ticket_id, *args, **kwargs):
        raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found")

    @rpc
    def inspection_round_step(self, round_id, data, idempotency_key=None):
        answer = _round_answer(2, status="in_progress", items=[item("ST01", "ok"), item("ST02")])
        return dict(answer, cancel_reason=None)


@pytest.fixture
def projected(gateway, container_factory, rabbit_config):
    for cls in (Archive, Tickets):
        container_factory(cls, {"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}).start()
    session = Session(make_engine(gateway.config["DB_URL"]))
    projector.apply_ticket(session, round_(1, "r1"))
    projector.apply_ticket(session, round_(1, "r2", slot=2, assignee="steward.li", area="a2"))
    projector.apply_ticket(session, task(1, "k1"))
    session.commit()
    session.close()
    return gateway


def test_the_rounds_and_one_round_from_the_read_model(projected, web_session):
    desk = login(web_session, "desk1", "desk-pass-1")
    listed = web_session.get("/api/v1/projects/p1/inspection-rounds", headers=desk)
    assert listed.status_code == 200, listed.text
    assert [r["id"] for r in listed.json()["items"]] == ["r2", "r1"] and listed.json()["total"] == 2
    mine = web_session.get("/api/v1/projects/p1/inspection-rounds", headers=desk,
                           params={"assignee_id": "steward.wu", "day": "2026-11-24", "due": "due"})
    assert [r["id"] for r in mine.json()["items"]] == ["r1"]
    assert mine.json()["items"][0]["due_at"] == "2026-11-24T04:00:00+00:00"
    counts = web_session.get("/api/v1/projects/p1/patrols-by-steward", headers=desk, params={"day": "2026-11-24"})
    assert counts.status_code == 200, counts.text
    assert [(c["steward"]["user_id"], c["due"]) for c in counts.json()] == [("steward.li", 1), ("steward.wu", 1)]
    one = web_session.get("/api/v1/inspection-rounds/r1", headers=desk)
    assert one.status_code == 200 and one.json()["version"] == 1 and one.json()["cancel_reason"] is None
    newer = web_session.get("/api/v1/inspection-rounds/r1", headers=desk, params={"min_version": 2})
    assert newer.json()["cancel_reason"] == FROM_TICKETS
    # a step's reply, projected: the next GET reads it from the read model
    step = web_session.post("/api/v1/inspection-rounds/r1/results", headers=dict(desk, **{"Idempotency-Key": "s-1"}),
                            json={"results": [{"item_code": "ST01", "outcome": "ok"}]})
    assert step.status_code == 200, step.text
    again = web_session.get("/api/v1/inspection-rounds/r1", headers=desk).json()
    assert (again["version"], again["status"], again["items"][0]["outcome"]) == (2, "in_progress", "ok")
    assert again["cancel_reason"] is None                        # not tickets' GET: the read model's


def test_the_desk_s_tasks_from_the_read_model_and_a_resident_gets_tickets_refusal(projected, web_session):
    desk = login(web_session, "desk1", "desk-pass-1")
    tasks = web_session.get("/api/v1/projects/p1/front-desk-tasks", headers=desk)
    assert tasks.status_code == 200, tasks.text
    assert [t["id"] for t in tasks.json()["items"]] == ["k1"] and tasks.json()["items"][0]["number"].startswith("RW-")
    # every time in the project's zone, as the register and check replies (the read model keeps UTC)
    [listed] = tasks.json()["items"]
    assert listed["deadlines"][0]["due_at"] == "2026-11-24T18:00:00+08:00"
    assert listed["received_at"].endswith("+08:00") and listed["recorded_at"].endswith("+08:00")
    resident = login(web_session)
    for path in ("/api/v1/projects/p1/front-desk-tasks", "/api/v1/projects/p1/inspection-rounds",
                 "/api/v1/projects/p1/patrols-by-steward"):
        refused = web_session.get(path, headers=resident)
        assert (refused.status_code, refused.json()["error"]) == (404, "project_not_found"), path
    refused = web_session.get("/api/v1/inspection-rounds/r1", headers=resident)
    assert (refused.status_code, refused.json()["error"]) == (404, "round_not_found")
    # never read as a ticket from the read model: tickets answers (and refuses) it
    for who in (resident, desk):
        got = web_session.get("/api/v1/tickets/k1", headers=who)
        assert (got.status_code, got.json()["error"]) == (404, "ticket_not_found")
