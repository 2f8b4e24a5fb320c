"""The portal's read model end to end: the owners' versioned snapshot events feed the
gateway's tables; the portal's hot reads come from there (they answer with every service
stopped); a write's answer is readable at once; redelivered and older events change nothing;
a rebuild from scratch (``wuye-readmodel rebuild --fresh``) gives back the same read model."""
from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from deploy import seed
from gateway.models import InboxRecord, PortalNotification, PortalTicket, PortalUnit
from gateway.readmodel import cli
from kernel.db import make_engine
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, keyed, publish_event, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)

PLATFORM = Caller.system(None, "test")


@pytest.fixture
def gateway_db(platform):
    engine = make_engine(platform["gateway"].config["DB_URL"])
    yield lambda: Session(engine)
    engine.dispose()


def row(gateway_db, model, key):
    with gateway_db() as session:
        return session.get(model, key)


def everything(gateway_db) -> dict:
    """The whole read model, comparable."""
    with gateway_db() as session:
        return {model.__tablename__: sorted(
            tuple((c.key, getattr(r, c.key)) for c in model.__table__.columns)
            for r in session.scalars(select(model)))
            for model in (PortalUnit, PortalTicket, PortalNotification)}


def report(web_session, headers, unit_id, content="楼道灯不亮"):
    created = web_session.post("/api/v1/repairs", headers=keyed(headers), json={
        "unit_id": unit_id, "category": "public_area", "content": content, "location": "1栋3楼楼道"})
    assert created.status_code == 201, created.text
    return created.json()


def converged(gateway_db, unit_id, ticket_id):
    """Wait until the events of the flow are projected: the ticket dispatched (version 2), its
    acknowledgement in the unit's notifications, the unit with household and account."""
    def done():
        t = row(gateway_db, PortalTicket, ticket_id)
        u = row(gateway_db, PortalUnit, unit_id)
        with gateway_db() as session:
            note = session.scalars(select(PortalNotification).where(
                PortalNotification.unit_id == unit_id)).all()
        return (t is not None and t.version >= 2 and u is not None and u.unit and u.household
                and u.account and any(orjson.loads(n.document)["ref_id"] == ticket_id for n in note))
    wait_for(done, timeout=30, message="the flow's events in the read model")


def test_a_resident_reads_their_repair_at_once(platform, demo, web_session, gateway_db):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = token(web_session, "zhangwei")
    ticket = report(web_session, resident, unit_id)
    assert ticket["version"] == 1
    # the answer of the write is in the read model before the write answered
    assert row(gateway_db, PortalTicket, ticket["id"]).version == 1
    got = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident)
    assert got.status_code == 200 and got.json()["id"] == ticket["id"]
    assert got.json()["reporter"]["phone"] == ticket["reporter"]["phone"]
    listed = web_session.get("/api/v1/tickets", headers=resident).json()
    assert ticket["id"] in [t["id"] for t in listed["items"]]
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=resident).json()
    assert ticket["id"] in [t["id"] for t in overview["open_tickets"]]
    # a version the read model does not hold yet is asked of tickets itself
    ahead = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers={**resident, "X-Min-Version": "99"})
    assert ahead.status_code == 200 and ahead.json()["id"] == ticket["id"]
    assert web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident,
                           params={"min_version": "x"}).status_code == 400


def test_portal_reads_answer_from_the_read_model_with_every_service_stopped(platform, demo, web_session,
                                                                          gateway_db):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident, engineer = token(web_session, "zhangwei"), token(web_session, "eng.lh")
    ticket = report(web_session, resident, unit_id)
    converged(gateway_db, unit_id, ticket["id"])
    for name in ("archive", "tickets", "billing", "notify"):
        platform[name].kill()

    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=resident)
    assert overview.status_code == 200 and overview.json()["degraded"] == []
    body = overview.json()
    assert body["household"]["people"][0]["name"] == "张伟" and not body["household"]["masked"]
    assert body["account"]["balance_due"] == "0.00" == body["household"]["balance_due"]
    assert [t["id"] for t in body["open_tickets"]] == [ticket["id"]]
    assert body["notifications"][0]["ref_id"] == ticket["id"]
    assert "id_number" not in overview.text
    mine = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident).json()
    assert mine["status"] == "dispatched" and mine["engineering_notified_at"]
    assert {d["kind"]: d["state"] for d in mine["deadlines"]}["notify_engineering"] == "met"
    # masking by the one rule: engineering sees the reporter's phone masked, the household in full
    theirs = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=engineer).json()
    assert "****" in theirs["reporter"]["phone"] and "****" not in mine["reporter"]["phone"]
    notes = web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=resident)
    assert notes.status_code == 200 and notes.json()[0]["ref_id"] == ticket["id"]
    assert web_session.get("/api/v1/tickets", headers=resident).json()["total"] >= 1


def test_not_yours_reads_like_missing_on_the_read_model(platform, demo, web_session, gateway_db):
    mine = seed.unit_id("LH", "1栋", "0101")
    theirs = seed.unit_id("XH", "A座", "1001")
    desk = token(web_session, "desk.xh")
    their_ticket = web_session.post("/api/v1/repairs", headers=keyed(desk), json={
        "unit_id": theirs, "content": "水管漏水", "channel": "phone"}).json()
    assert row(gateway_db, PortalTicket, their_ticket["id"]) is not None    # projected: desk sees phones
    wait_for(lambda: (u := row(gateway_db, PortalUnit, theirs)) is not None and u.unit, timeout=20)
    resident = token(web_session, "zhangwei")
    nowhere = "00000000-0000-0000-0000-000000000000"

    def answer(path, given):
        response = web_session.get(path.format(given), headers=resident)
        return response.status_code, response.json()["error"], response.json()["message"].replace(given, "<id>")

    assert answer("/api/v1/tickets/{}", their_ticket["id"]) == answer("/api/v1/tickets/{}", nowhere)
    for path in ("/api/v1/units/{}/overview", "/api/v1/units/{}/notifications", "/api/v1/tickets?unit_id={}"):
        assert answer(path, theirs) == answer(path, nowhere) and answer(path, theirs)[0] == 404, path
    assert their_ticket["id"] not in [t["id"] for t in web_session.get(
        "/api/v1/tickets", headers=resident).json()["items"]]
    assert web_session.get(f"/api/v1/units/{mine}/overview", headers=resident).status_code == 200


def test_redelivered_and_older_events_change_nothing(platform, demo, web_session, gateway_db, rpc,
                                                      rabbit_config):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = token(web_session, "zhangwei")
    ticket = report(web_session, resident, unit_id)
    converged(gateway_db, unit_id, ticket["id"])
    [current] = [t for t in rpc.call(PLATFORM, "tickets", "export_snapshots", "ticket", None, 1000)
                 if t["ticket_id"] == ticket["id"]]
    before = row(gateway_db, PortalTicket, ticket["id"])

    def publish(data, event_id=None):
        event = publish_event(rabbit_config["AMQP_URI"], "tickets", "ticket.changed", data,
                              group_id=data["group_id"], project_id=data["project_id"], event_id=event_id)
        wait_for(lambda: row(gateway_db, InboxRecord, ("gateway.on_ticket_changed", event.id)),
                 timeout=20, message="the event handled")
        return event

    # reordered: the opened state (version 1) arrives after the dispatched one
    publish(dict(current, version=1, status="open", engineering_notified_at=None))
    after = row(gateway_db, PortalTicket, ticket["id"])
    assert (after.version, after.status, after.document) == (before.version, "dispatched", before.document)
    # redelivered: the same event twice is applied once (the inbox), even if its copy differs
    newer = publish(dict(current, version=current["version"] + 1, content="楼道灯不亮（已更新）"))
    publish_event(rabbit_config["AMQP_URI"], "tickets", "ticket.changed",
                  dict(current, version=current["version"] + 2, content="重复投递"),
                  group_id=current["group_id"], project_id=current["project_id"], event_id=newer.id)
    marker = publish(dict(current, version=1))          # handled after the redelivery
    assert marker and orjson.loads(row(gateway_db, PortalTicket, ticket["id"]).document)["content"] \
        == "楼道灯不亮（已更新）"
    got = web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident).json()
    assert (got["content"], got["version"]) == ("楼道灯不亮（已更新）", current["version"] + 1)


def test_a_rebuild_from_scratch_gives_back_the_same_read_model(platform, demo, web_session, gateway_db,
                                                              rabbit_config, monkeypatch):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = token(web_session, "zhangwei")
    ticket = report(web_session, resident, unit_id)
    converged(gateway_db, unit_id, ticket["id"])
    finance = token(web_session, "finance.lh")
    assert web_session.post(f"/api/v1/units/{unit_id}/account/opening-balance", headers=keyed(finance), json={
        "amount": "345.00", "as_of": "2026-10-31"}).status_code == 201
    wait_for(lambda: row(gateway_db, PortalUnit, unit_id).account_version >= 2, timeout=20)
    notification = web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=resident).json()[0]
    read = web_session.post(f"/api/v1/notifications/{notification['id']}/read", headers=keyed(resident))
    assert read.status_code == 200 and read.json()["read_at"]
    wait_for(lambda: orjson.loads(row(gateway_db, PortalNotification, notification["id"]).document)["read_at"],
             timeout=20)
    # let every event of the flow land, then take the read model as the events built it
    wait_for(lambda: (everything(gateway_db), wuye_quiet(platform))[1], timeout=30)
    before = everything(gateway_db)

    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    monkeypatch.setenv("WUYE_SECRET", TEST_SECRET)
    url = platform["gateway"].config["DB_URL"]
    with gateway_db() as session:                       # from scratch: nothing left
        for model in (PortalUnit, PortalTicket, PortalNotification):
            session.execute(text(f"DELETE FROM {model.__tablename__}"))
        session.commit()
    # meanwhile a miss is answered by the owners
    assert web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=resident).json()["id"] == ticket["id"]
    assert cli.main(["--db-url", url, "rebuild", "--fresh", "--page", "3"]) == 0
    assert everything(gateway_db) == before
    assert before["portal_tickets"] and before["portal_units"] and before["portal_notifications"]


def wuye_quiet(platform) -> bool:
    """No event waiting in any owner's outbox."""
    for name in ("archive", "tickets", "billing", "notify"):
        engine = make_engine(platform[name].config["DB_URL"])
        try:
            with engine.connect() as conn:
                if conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'pending'")).scalar():
                    return False
        finally:
            engine.dispose()
    return True
