"""The front desk's read routes in a real gateway container on the real broker, in front of a stub
tickets (issue 12): a resident's passes, one pass, the gate's day and number, the desk's keys out are
answered from the read model (tickets is not asked); a newer version than held, a row not projected or
a caller who may not read it is tickets' answer; a write's reply is readable at once."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gateway.readmodel import projector
from gateway.tests.test_http import Archive, gateway, login  # noqa: F401  (fixture)
from gateway.tests.test_readmodel import household, unit
from gateway.tests.test_readmodel_front_desk import issued, key, loan, release
from kernel.db import make_engine
from kernel.dependencies import CallerProvider
from kernel.entrypoints import rpc
from kernel.errors import NotFound
from kernel.testing import TEST_SECRET

FROM_TICKETS = "tickets' own answer"


def _answer(rid: str, version: int = 9) -> dict:
    return projector.goods_release_document(issued(version, rid, note=FROM_TICKETS))


class Tickets:
    """tickets answering only what the read model does not: marked ``note: tickets' own answer``."""
    name = "tickets"
    auth = CallerProvider()

    @rpc
    def health(self):
        return {"service": "tickets", "status": "ok"}

    @rpc
    def get_goods_release(self, release_id):
        if release_id != "gr1":
            raise NotFound(f"no goods release {release_id}", code="goods_release_not_found")
        return _answer("gr1")

    @rpc
    def goods_release_by_number(self, project_id, number):
        raise NotFound(f"no goods release pass {number} in this project", code="goods_release_not_found")

    @rpc
    def goods_release_step(self, release_id, data, idempotency_key=None):
        return projector.goods_release_document(issued(5, release_id, status="used",
                                                        used={"user_id": "desk", "name": "王前台"}))

    @rpc
    def project_keys(self, project_id, query=None):
        if self.auth.caller.is_resident:
            raise NotFound(f"no project {project_id}", code="project_not_found")
        return []


@pytest.fixture
def projected(gateway, container_factory, rabbit_config):
    for cls in (Archive, Tickets):
        container_factory(cls, {"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}).start()
    session = Session(make_engine(gateway.config["DB_URL"]))
    projector.apply_unit(session, unit())
    projector.apply_household(session, household())
    projector.apply_goods_release(session, issued(4))
    projector.apply_goods_release(session, release(1, "gr0", household_id="h0",
                                                   requester={"name": "前业主", "role": "owner", "user_id": "r0"}))
    projector.apply_key(session, key(6, "k1", "lent", loan(due="2026-11-24T00:30:00+00:00")))   # past due at 01:00Z
    projector.apply_key(session, key(6, "k2", "lent", loan(), label="信报箱钥匙"))
    session.commit()
    session.close()
    return gateway


def test_a_resident_reads_their_passes_from_the_read_model(projected, web_session):
    mine = login(web_session)
    one = web_session.get("/api/v1/goods-releases/gr1", headers=mine)
    assert one.status_code == 200, one.text
    assert (one.json()["version"], one.json()["number"], one.json()["note"]) == (4, "FX-20261124-0001", "")
    assert one.json()["mover"]["id_number_masked"] == "1101**********4566"
    newer = web_session.get("/api/v1/goods-releases/gr1", headers=mine, params={"min_version": 5})
    assert newer.json()["note"] == FROM_TICKETS
    # another household's release of the unit takes the path of a missing id: tickets' 404
    theirs = web_session.get("/api/v1/goods-releases/gr0", headers=mine)
    nowhere = web_session.get("/api/v1/goods-releases/gr-none", headers=mine)
    assert (theirs.status_code, theirs.json()["error"]) == (nowhere.status_code, nowhere.json()["error"]) == (
        404, "goods_release_not_found")
    listed = web_session.get("/api/v1/units/u1/goods-releases", headers=mine)
    assert listed.status_code == 200 and [r["release_id"] for r in listed.json()["items"]] == ["gr1"]
    assert web_session.get("/api/v1/projects/p1/goods-releases", headers=mine).json()["error"] == "project_not_found"


def test_the_gate_s_list_and_a_write_s_reply_read_at_once(projected, web_session):
    desk = login(web_session, "desk1", "desk-pass-1")
    # ?day= is the move day (move_at 2026-11-25 local), ?issued_day= the day of issue (trial 4 M3)
    day = web_session.get("/api/v1/projects/p1/goods-releases", headers=desk, params={"day": "2026-11-25"})
    assert day.status_code == 200, day.text
    assert [r["number"] for r in day.json()["items"]] == ["FX-20261124-0001"] and day.json()["total"] == 1
    assert day.json()["items"][0]["move_day"] == "2026-11-25"
    assert web_session.get("/api/v1/projects/p1/goods-releases", headers=desk,
                           params={"day": "2026-11-24"}).json() == {"items": [], "total": 0}
    issued = web_session.get("/api/v1/projects/p1/goods-releases", headers=desk, params={"issued_day": "2026-11-24"})
    assert [r["number"] for r in issued.json()["items"]] == ["FX-20261124-0001"]
    assert web_session.get("/api/v1/projects/p1/goods-releases", headers=desk,
                           params={"day": "24/11/2026"}).status_code == 400
    found = web_session.get("/api/v1/projects/p1/goods-releases/by-number/FX-20261124-0001", headers=desk)
    assert found.status_code == 200 and found.json()["release_id"] == "gr1"
    missing = web_session.get("/api/v1/projects/p1/goods-releases/by-number/FX-20261124-0009", headers=desk)
    assert missing.status_code == 404
    used = web_session.post("/api/v1/goods-releases/gr1/use", headers=dict(desk, **{"Idempotency-Key": "use-1"}),
                            json={})
    assert used.status_code == 200 and used.json()["version"] == 5
    again = web_session.get("/api/v1/goods-releases/gr1", headers=desk).json()
    assert (again["version"], again["status"], again["note"]) == (5, "used", "")      # the reply, projected


def test_the_desk_reads_the_keys_out_and_a_resident_gets_tickets_refusal(projected, web_session):
    desk = login(web_session, "desk1", "desk-pass-1")
    out = web_session.get("/api/v1/projects/p1/keys/out", headers=desk)
    assert out.status_code == 200, out.text
    assert [(k["id"], k["overdue"]) for k in out.json()["items"]] == [("k1", True), ("k2", False)]
    overdue = web_session.get("/api/v1/projects/p1/keys/out", headers=desk, params={"overdue": "true"})
    assert [k["id"] for k in overdue.json()["items"]] == ["k1"]
    assert overdue.json()["items"][0]["loan"]["party_phone"] == "138****1111"
    refused = web_session.get("/api/v1/projects/p1/keys/out", headers=login(web_session))
    assert (refused.status_code, refused.json()["error"]) == (404, "project_not_found")
    keys = web_session.get("/api/v1/units/u1/keys", headers=login(web_session))
    assert keys.status_code == 200 and {k["state"] for k in keys.json()} == {"lent"}
    assert all(k["loan"] is None for k in keys.json())
