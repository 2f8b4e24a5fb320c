"""A resident's access ends with their household (issue 11, finding 1), end to end on the real
broker with every service: 张伟 reads his household, his unit's tickets and notifications; the
desk transfers the unit (过户) to 孙丽; from then on 张伟 gets the 404 of a missing id for the new
household's people and file and for the unit's tickets and notifications -- while still logged in
(his token is not revoked; the unit has left his scope) -- and an account granted for the new
household reads it."""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from deploy import seed
from gateway import accounts, scopes
from gateway.models import User, UserScope
from kernel.clock import SystemClock
from kernel.db import make_engine
from kernel.testing import keyed, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)


@pytest.fixture
def gateway_db(platform):
    engine = make_engine(platform["gateway"].config["DB_URL"])
    yield lambda: Session(engine)
    engine.dispose()


def key() -> dict:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_the_old_owner_loses_the_unit_when_it_is_transferred(platform, demo, web_session, gateway_db):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    old_household = demo["households"][("LH", "1栋", "0101")]["id"]
    zhangwei, desk = token(web_session, "zhangwei"), token(web_session, "desk.lh")

    # before: his household, its file, his repair, the unit's notifications
    assert web_session.get(f"/api/v1/households/{old_household}/people", headers=zhangwei).status_code == 200
    assert web_session.get(f"/api/v1/households/{old_household}/file", headers=zhangwei,
                           params={"purpose": "own"}).status_code == 200
    repair = web_session.post("/api/v1/repairs", headers=keyed({**zhangwei, **key()}), json={
        "unit_id": unit_id, "category": "public_area", "content": "楼道灯不亮", "location": "1栋3楼楼道"})
    assert repair.status_code == 201, repair.text
    ticket_id = repair.json()["id"]
    suggestion = web_session.post("/api/v1/feedback", headers=keyed({**zhangwei, **key()}), json={
        "sub_kind": "suggestion", "unit_id": unit_id, "content": "张伟的私人建议：东门加装雨棚",
        "reporter_phone": "13900000177"})
    assert suggestion.status_code == 201, suggestion.text
    suggestion_id = suggestion.json()["id"]
    assert web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=zhangwei).status_code == 200
    with gateway_db() as session:
        mine = session.scalars(select(UserScope).join(User).where(User.username == "zhangwei")).one()
        assert mine.household_id == old_household       # the seed bound it to the household moved in

    # the desk transfers the unit: 张伟's household moves out, 孙丽's moves in
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    transferred = web_session.post(f"/api/v1/units/{unit_id}/transfer", headers=keyed({**desk, **key()}), json={
        "transferred_on": today, "acquired_by": "transfer",
        "household": {"people": [{"name": "孙丽", "role": "owner", "phone": "13800000188"}]},
        "handover": {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务 钱",
                     "meter_readings_recorded": True, "deposit_handling": "none"}})
    assert transferred.status_code == 201, transferred.text
    new_household = transferred.json()["household"]["id"]
    assert new_household != old_household

    # household.changed (moved_out) reaches the gateway: the scope ends, the same token stays valid
    def scope_ended():
        with gateway_db() as session:
            return session.scalars(select(UserScope).join(User).where(User.username == "zhangwei")
                                   ).one().ended_at is not None
    wait_for(scope_ended, timeout=20, message="zhangwei's scope ended by the transfer")
    for path, params in ((f"/api/v1/households/{new_household}/people", None),
                         (f"/api/v1/households/{new_household}/file", {"purpose": "own"}),
                         (f"/api/v1/households/{old_household}/people", None),
                         (f"/api/v1/units/{unit_id}/notifications", None),
                         (f"/api/v1/units/{unit_id}/overview", None),
                         (f"/api/v1/tickets/{ticket_id}", None),
                         ("/api/v1/tickets", {"unit_id": unit_id})):
        got = web_session.get(path, headers=zhangwei, params=params)
        assert got.status_code == 404, (path, got.status_code, got.text)
        assert "孙丽" not in got.text and "13800000188" not in got.text
    listed = web_session.get("/api/v1/tickets", headers=zhangwei)          # his own list: nothing of the unit
    assert listed.status_code in (200, 404) and ticket_id not in listed.text
    with gateway_db() as session:
        user = session.scalars(select(User).where(User.username == "zhangwei")).one()
        scope = user.scopes[0]
        assert (scope.ended_reason, user.token_version) == (scopes.ENDED_MOVED_OUT, 1)
        # 孙丽's account, granted now, is bound to her household and reads it
        accounts.create_user(session, username="sunli", password=seed.DEMO_PASSWORD, display_name="孙丽",
                             kind="resident", group_id=seed.GROUP, roles=[], unit_ids=[unit_id],
                             now=SystemClock().now())
        session.commit()
        assert session.scalars(select(UserScope).join(User).where(User.username == "sunli")
                               ).one().household_id == new_household
    sunli = token(web_session, "sunli")
    people = web_session.get(f"/api/v1/households/{new_household}/people", headers=sunli)
    assert people.status_code == 200 and people.json()["people"][0]["phone"] == "13800000188"
    assert web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=sunli).status_code == 200
    # the old household's people are not the new owner's either
    assert web_session.get(f"/api/v1/households/{old_household}/people", headers=sunli).status_code == 404

    # ... nor the old household's tickets (trial: 孙丽 read and cancelled 赵敏's suggestion): 404 as
    # for a missing id, for every read and step; not in her lists nor in the overview's open tickets
    for path in (f"/api/v1/tickets/{ticket_id}", f"/api/v1/feedback/{suggestion_id}"):
        got = web_session.get(path, headers=sunli)
        assert got.status_code == 404, (path, got.status_code, got.text)
        assert "张伟" not in got.text and "13900000177" not in got.text
    for path in (f"/api/v1/feedback/{suggestion_id}/cancel", f"/api/v1/tickets/{ticket_id}/cancel"):
        refused = web_session.post(path, headers=keyed({**sunli, **key()}), json={"reason": "不是我的"})
        assert refused.status_code == 404 and refused.json()["error"] == "ticket_not_found", refused.text
    own = web_session.post("/api/v1/repairs", headers=keyed({**sunli, **key()}), json={
        "unit_id": unit_id, "category": "public_area", "content": "孙丽：门禁坏了", "location": "1栋大堂"})
    assert own.status_code == 201, own.text
    for path, params in (("/api/v1/tickets", None), ("/api/v1/tickets", {"unit_id": unit_id}),
                         ("/api/v1/feedback", None)):
        listed = web_session.get(path, headers=sunli, params=params)
        assert listed.status_code == 200, listed.text
        ids = {t["id"] for t in listed.json()["items"]}
        assert ticket_id not in ids and suggestion_id not in ids, (path, params)
    assert own.json()["id"] in {t["id"] for t in web_session.get("/api/v1/tickets", headers=sunli).json()["items"]}
    overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=sunli)
    assert overview.status_code == 200, overview.text
    assert ticket_id not in {t["id"] for t in overview.json()["open_tickets"] or ()}
    assert "13900000177" not in overview.text
    # the desk still reads and handles the old household's suggestion
    assert web_session.get(f"/api/v1/feedback/{suggestion_id}", headers=desk).json()["status"] == "received"


def test_a_move_out_ends_the_scope_in_the_same_request(platform, demo, web_session, gateway_db):
    """The move-out's answer ends the household's scopes before the event arrives."""
    unit_id = seed.unit_id("LH", "1栋", "0101")
    household = demo["households"][("LH", "1栋", "0101")]["id"]
    zhangwei, desk = token(web_session, "zhangwei"), token(web_session, "desk.lh")
    assert web_session.get(f"/api/v1/units/{unit_id}/overview", headers=zhangwei).status_code == 200
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    out = web_session.post(f"/api/v1/households/{household}/move-out", headers=keyed({**desk, **key()}), json={
        "moved_out_on": today, "reason": "relocated", "keys_returned": True, "fees_settled": True,
        "fees_confirmed_by": "财务 钱", "meter_readings_recorded": True, "deposit_handling": "none"})
    assert out.status_code == 200, out.text
    assert web_session.get(f"/api/v1/units/{unit_id}/overview", headers=zhangwei).status_code == 404
    assert web_session.get(f"/api/v1/households/{household}/people", headers=zhangwei).status_code == 404
    # the vacant unit cannot be granted to anyone
    with gateway_db() as session:
        wait_for(lambda: _vacant(gateway_db, unit_id), timeout=20, message="the move-out projected")
        with pytest.raises(Exception) as exc:
            accounts.create_user(session, username="nobody", password=seed.DEMO_PASSWORD, display_name="x",
                                 kind="resident", group_id=seed.GROUP, roles=[], unit_ids=[unit_id],
                                 now=SystemClock().now())
        assert getattr(exc.value, "code", None) == "unit_vacant"


def _vacant(gateway_db, unit_id) -> bool:
    import orjson

    from gateway.models import PortalUnit
    with gateway_db() as session:
        row = session.get(PortalUnit, unit_id)
        return row is not None and row.household is not None and orjson.loads(row.household)["status"] == "moved_out"
