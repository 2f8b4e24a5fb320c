"""The front desk's reads from the portal's read model end to end (issue 12): tickets'
``goods_release.changed`` and ``key.changed`` feed the gateway's tables. A resident reads their
household's passes and one pass there, the gate the day's passes and one by number, the desk the keys
out and overdue -- they answer with tickets stopped. A write's answer is readable at once (its reply is
projected), and the read model's answer is tickets' own field by field. The household is told in-app
when its pass is issued and when one is voided (notify, ``goods_release.changed``) -- never by SMS."""
from __future__ import annotations

import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from deploy import seed
from gateway.models import PortalGoodsRelease, PortalKey
from kernel.db import make_engine
from kernel.testing import wait_for

from .test_goods_release import ZHANG_ID, guard_token, release_body, send
from .test_idempotency_and_settings import project_id
from .test_key_loan import BORROWER
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

BY_PHONE = {"method": "by_phone", "person_name": "张伟", "id_number": ZHANG_ID,
            "family_members": ["李娜"], "employer": "郑州市第一中学", "matched_archive": True}


@pytest.fixture
def gateway_db(platform):
    engine = make_engine(platform["gateway"].config["DB_URL"])
    yield lambda: Session(engine)
    engine.dispose()


def row(gateway_db, model, key):
    with gateway_db() as session:
        return session.get(model, key)


def messages(web_session, headers, unit_id, purpose):
    response = web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=headers)
    assert response.status_code == 200, response.text
    return [n for n in response.json() if n["purpose"] == purpose]


def test_a_household_and_the_gate_read_passes_from_the_read_model(platform, demo, web_session,  # noqa: F811
                                                                   gateway_db, tmp_path):
    unit = seed.unit_id("LH", "1栋", "0101")                     # owes nothing
    resident, desk, finance, cs = (token(web_session, u) for u in ("zhangwei", "desk.lh", "finance.lh", "cs.lh"))
    pid = project_id(web_session, desk)
    guard = guard_token(platform, web_session, pid)
    mine = {k: v for k, v in release_body(unit).items() if k != "identity"}

    asked = send(web_session, resident, "/goods-releases", dict(mine, requester_name="张伟"), 201)
    rid = asked["release_id"]
    assert row(gateway_db, PortalGoodsRelease, rid).version == asked["version"]   # the reply, projected
    send(web_session, desk, f"/goods-releases/{rid}/verify", {"identity": BY_PHONE}, 200)
    send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 200)
    issued = send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 200)
    number = issued["number"]

    # a GET right after the write reads the version the step answered -- from the read model, and it
    # is tickets' own answer field by field (a min_version beyond it is asked of tickets)
    got = web_session.get(f"/api/v1/goods-releases/{rid}", headers=resident)
    assert got.status_code == 200 and (got.json()["version"], got.json()["status"]) == (issued["version"], "issued")
    owner_s = web_session.get(f"/api/v1/goods-releases/{rid}", headers=resident,
                              params={"min_version": issued["version"] + 1}).json()
    assert got.json() == owner_s
    assert owner_s["mover"]["id_number_masked"] == "1101**********4566" and "110105198511204566" not in got.text

    # the household is told in-app (the event through notify into the read model's inbox), never by SMS
    told = wait_for(lambda: messages(web_session, resident, unit, "goods_release.issued"), timeout=30,
                    message="the pass issued, told to the household")
    assert number in told[0]["body"] and told[0]["ref_id"] == rid
    assert [d["channel"] for d in told[0]["deliveries"]] == ["inapp"]

    # a second release, voided by the CS manager with the reason: told too -- without the staff's reason
    other = send(web_session, resident, "/goods-releases", dict(mine, requester_name="张伟"), 201)
    voided = send(web_session, cs, f"/goods-releases/{other['release_id']}/void", {"reason": "业主取消搬出"}, 200)
    assert web_session.get(f"/api/v1/goods-releases/{other['release_id']}", headers=resident).json()["status"] \
        == "voided" == voided["status"]
    told = wait_for(lambda: messages(web_session, resident, unit, "goods_release.voided"), timeout=30,
                    message="the void, told to the household")
    assert "业主取消搬出" not in told[0]["body"] and "联系服务中心" in told[0]["body"]
    assert [d["channel"] for d in told[0]["deliveries"]] == ["inapp"]
    sms = (tmp_path / "sms.log").read_text() if (tmp_path / "sms.log").exists() else ""
    assert "业主取消搬出" not in sms and number not in sms

    # the events are projected (the newest version of each); then tickets goes away
    wait_for(lambda: row(gateway_db, PortalGoodsRelease, other["release_id"]).version >= voided["version"],
             timeout=30)
    # the gate's day is the move day (the project's local day of move_at), not the day of issue
    day = datetime.fromisoformat(issued["move_at"]).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    before = web_session.get(f"/api/v1/units/{unit}/goods-releases", headers=resident).json()
    platform["tickets"].kill()

    listed = web_session.get(f"/api/v1/units/{unit}/goods-releases", headers=resident)
    assert listed.status_code == 200 and listed.json() == before
    assert [r["release_id"] for r in listed.json()["items"]] == [other["release_id"], rid]
    assert listed.json()["items"][1] == owner_s
    one = web_session.get(f"/api/v1/goods-releases/{rid}", headers=resident)
    assert one.status_code == 200 and one.json() == owner_s
    # the gate: the day's passes still to use, and the pass shown by its number
    gate = web_session.get(f"/api/v1/projects/{pid}/goods-releases", headers=guard,
                           params={"day": day, "status": "issued"})
    assert gate.status_code == 200, gate.text
    assert [r["number"] for r in gate.json()["items"]] == [number] and gate.json()["total"] == 1
    shown = web_session.get(f"/api/v1/projects/{pid}/goods-releases/by-number/{number}", headers=guard)
    assert shown.status_code == 200 and shown.json() == owner_s
    # not the gate's: a resident, a project's technician
    assert web_session.get(f"/api/v1/projects/{pid}/goods-releases", headers=resident).status_code == 404
    engineer = token(web_session, "eng.lh")
    refused = web_session.get(f"/api/v1/projects/{pid}/goods-releases", headers=engineer)
    assert (refused.status_code, refused.json()["error"]) == (403, "role_required")


def test_the_desk_reads_the_keys_out_and_overdue_from_the_read_model(platform, demo, web_session,  # noqa: F811
                                                                     gateway_db, shared_clock):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    shared_clock.write(offset_seconds=-2 * 86400)          # the loan is two days ago (a token is never from the future)
    desk, cs, owner = (token(web_session, u) for u in ("desk.lh", "cs.lh", "zhangwei"))
    pid = project_id(web_session, desk)

    def post(headers, path, body):
        response = web_session.post(path, headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}), json=body)
        assert response.status_code == 200, response.text
        return response.json()

    def handed_over():
        response = web_session.post("/api/v1/keys", headers=dict(desk, **{"Idempotency-Key": "handover-rm"}),
                                    json={"unit_id": unit_id, "label": "入户门钥匙", "name": "开发商监理部"})
        return response.json() if response.status_code == 201 else None
    key = wait_for(handed_over, timeout=30)
    moves = f"/api/v1/keys/{key['id']}/moves"
    post(desk, moves, {"action": "store"})
    post(desk, moves, {"action": "request_loan", **BORROWER})
    lent = post(cs, moves, {"action": "approve_loan"})
    assert row(gateway_db, PortalKey, key["id"]).version == lent["version"]        # the reply, projected

    out = web_session.get(f"/api/v1/projects/{pid}/keys/out", headers=desk)
    assert out.status_code == 200, out.text
    [listed] = out.json()["items"]
    assert (listed["id"], listed["state"], listed["version"], listed["overdue"]) == (key["id"], "lent", lent["version"],
                                                                                      False)
    assert listed["holder_name"] == "李师傅" and listed["loan"]["due_back_at"]
    assert listed["loan"]["party_phone"] == "138****1111" and BORROWER["id_number"] not in out.text
    assert web_session.get(f"/api/v1/projects/{pid}/keys/out", headers=desk,
                           params={"overdue": "true"}).json()["items"] == []
    # the owner: the state of their unit's key, never the register's names
    [seen] = web_session.get(f"/api/v1/units/{unit_id}/keys", headers=owner).json()
    assert seen["state"] == "lent" and seen.get("holder_name") is None and seen["loan"] is None
    # the events are projected; tickets goes away; two days later (now) the key is overdue
    wait_for(lambda: row(gateway_db, PortalKey, key["id"]).version >= lent["version"], timeout=30)
    platform["tickets"].kill()
    shared_clock.write(offset_seconds=0)
    desk, owner = token(web_session, "desk.lh"), token(web_session, "zhangwei")   # two days on: new tokens
    overdue = web_session.get(f"/api/v1/projects/{pid}/keys/out", headers=desk, params={"overdue": "true"})
    assert overdue.status_code == 200, overdue.text
    assert [(k["id"], k["overdue"]) for k in overdue.json()["items"]] == [(key["id"], True)]
    [seen] = web_session.get(f"/api/v1/units/{unit_id}/keys", headers=owner).json()
    assert seen["state"] == "lent" and seen["loan"] is None
    desk_view = web_session.get(f"/api/v1/units/{unit_id}/keys", headers=desk).json()
    assert desk_view[0]["loan"]["party_id_number"] == "1101**********1233"
