"""Goods release (物品放行, issue 12) through the gateway with every service running: the demo's
1栋-0102 carries 345.00 over, so finance's signature is refused (409 arrears_outstanding naming
345.00 yuan); once the desk took the payment it is allowed, the desk issues the numbered pass,
security finds it by number and marks it used (the move is now: the pass is good at the gate on its
moving day only -- tests/e2e/test_goods_release_gate.py). With billing stopped no pass is issued: 503
billing_unavailable, nothing written (fail closed). The identity check is held against archive's
household file: a stranger named by phone is refused, the ID number the desk saw is matched by archive
(a wrong check digit 422 id_number_invalid, another valid number 422 identity_not_matched, the file's
accepted; every match in the file's access log), archive stopped is 503 archive_unavailable; a
resident asks as themselves -- who the household file says he is, whatever his account's spelling (his
person recorded); an attested in-person check waits for a CS / centre manager who did not attest it;
another project's desk reads a pass like a missing one (404)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from deploy import seed

from .test_idempotency_and_settings import project_id
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

OWNER_ID = "440301198302023453"          # 王强's, as the demo registers it
ZHANG_ID = "440301198801011238"          # 张伟's (1栋-0101)
NOT_ZHANGS = "110101199003071233"        # a valid resident ID number, not in the file
MOVER_ID = "110105198511204566"


def guard_token(platform, web_session, pid):
    """The demo project's security guard (护卫部, ``guard.lh``: the demo seeds one for the gate)."""
    return token(web_session, "guard.lh")


def send(web_session, headers, path, body, expect, key=None):
    response = web_session.post(f"/api/v1{path}", json=body,
                                headers=dict(headers, **{"Idempotency-Key": key or str(uuid.uuid4())}))
    assert response.status_code in (expect if isinstance(expect, tuple) else (expect,)), (
        path, response.status_code, response.text)
    return response.json()


def release_body(unit_id):
    return {"unit_id": unit_id, "requester_name": "王强", "requester_role": "owner",
            "mover_name": "搬家公司·刘师傅", "mover_id_type": "resident_id", "mover_id_number": MOVER_ID,
            "items": [{"name": "双门冰箱", "quantity": 1}, {"name": "纸箱", "quantity": 8}],
            "move_at": (datetime.now(timezone.utc) + timedelta(days=3)).isoformat(),   # within 30 days ahead
            "identity": {"method": "in_person", "person_name": "王强", "id_type": "resident_id",
                         "id_number": OWNER_ID, "matched_archive": True}}


def test_refused_for_a_unit_in_arrears_and_allowed_after_payment(platform, demo, web_session):  # noqa: F811
    unit = seed.unit_id("LH", "1栋", "0102")
    desk, finance, cs = (token(web_session, u) for u in ("desk.lh", "finance.lh", "cs.lh"))
    pid = project_id(web_session, desk)
    guard = guard_token(platform, web_session, pid)

    # the desk names the requester, one of the household's people in the role claimed
    nameless = {k: v for k, v in release_body(unit).items() if k != "requester_name"}
    assert send(web_session, desk, "/goods-releases", nameless, 400)["error"] == "requester_name_required"
    stranger = send(web_session, desk, "/goods-releases", dict(release_body(unit), requester_name="冒名者"), 422)
    assert stranger["error"] == "identity_not_matched" and "(name and role)" in stranger["message"]
    # an agent (代办) gets no verified pass on a made-up consent: the owner's number is matched (trial 4 H3)
    agent = dict(release_body(unit), requester_name="中介小王", requester_role="agent",
                 identity={"method": "in_person", "person_name": "中介小王", "id_type": "resident_id",
                           "id_number": MOVER_ID, "matched_archive": True})
    fake = send(web_session, desk, "/goods-releases",
                dict(agent, owner_consent={"name": "不存在的人", "how": "by_phone", "id_number": NOT_ZHANGS}), 422)
    assert fake["error"] == "identity_not_matched"
    assert send(web_session, desk, "/goods-releases", dict(agent, owner_consent={"name": "王强", "how": "by_phone"}),
                422)["error"] == "owner_consent_required"
    consented = send(web_session, desk, "/goods-releases",
                     dict(agent, owner_consent={"name": "王强", "how": "by_phone", "id_number": OWNER_ID}), 201)
    assert consented["status"] == "verified" and consented["owner_consent"]["matched_archive"] is True
    assert OWNER_ID not in str(consented) and consented["owner_consent"]["id_number_masked"].startswith("4403")
    withdrawn = send(web_session, desk, f"/goods-releases/{consented['release_id']}/withdraw", {}, 200)
    assert withdrawn["status"] == "withdrawn"
    # the made-up consent counted one failed match of desk.lh; the CS manager lifts the unit's lock (M7)
    assert send(web_session, desk, f"/units/{unit}/identity-match/unlock", {"reason": "x"}, (403, 404))
    lifted = send(web_session, cs, f"/units/{unit}/identity-match/unlock", {"reason": "业主本人到场核实"}, 200)
    assert lifted["failures_lifted"] == 1 and lifted["unlocked_by"]["name"]
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    assert send(web_session, desk, "/goods-releases", dict(release_body(unit), move_at=yesterday),
                422)["error"] == "move_at_past"
    # the move is going on now (recorded half an hour late): the gate lets the goods out today
    moving_now = (datetime.now(timezone.utc) - timedelta(minutes=30)).isoformat()
    release = send(web_session, desk, "/goods-releases", dict(release_body(unit), move_at=moving_now), 201)
    assert release["status"] == "verified" and release["number"] is None
    assert release["id"] == release["release_id"]
    assert release["mover"]["id_number_masked"] == "1101**********4566"
    assert OWNER_ID not in str(release) and MOVER_ID not in str(release)
    rid = release["release_id"]

    refused = send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 409)
    assert refused["error"] == "arrears_outstanding"
    assert "345.00 yuan" in refused["message"] and refused["details"]["unpaid"] == "345.00"
    assert web_session.get(f"/api/v1/goods-releases/{rid}", headers=desk).json()["status"] == "verified"
    send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 409)            # finance has not signed

    send(web_session, desk, f"/units/{unit}/payments", {"method": "cash", "amount": "345.00"}, (200, 201))
    approved = send(web_session, finance, f"/goods-releases/{rid}/approve", {"note": "费用已结清"}, 200)
    assert approved["status"] == "approved" and approved["fees"]["unpaid"] == "0.00"
    assert approved["finance_signed"]["name"] == "绿湖财务·钱"

    key = str(uuid.uuid4())
    issued = send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 200, key=key)
    number = issued["number"]
    assert issued["status"] == "issued" and number.startswith("FX-") and len(number) == len("FX-20261127-0001")
    assert send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 200, key=key)["number"] == number

    found = web_session.get(f"/api/v1/projects/{pid}/goods-releases/by-number/{number}", headers=guard)
    assert found.status_code == 200 and found.json()["release_id"] == rid
    used = send(web_session, guard, f"/goods-releases/{rid}/use", {"note": "东门"}, 200)
    assert used["status"] == "used" and used["used"]["name"] == "绿湖护卫·陈"
    again = send(web_session, cs, f"/goods-releases/{rid}/void", {"reason": "已出门"}, 409)
    assert again["error"] == "transition_not_allowed"
    assert [h["action"] for h in used["history"]] == ["request", "verify", "approve", "issue", "use"]

    # the unit's resident reads nothing of another unit; nor another project's desk (404, as missing)
    resident = token(web_session, "zhangwei")
    assert web_session.get(f"/api/v1/goods-releases/{rid}", headers=resident).status_code == 404
    far = token(web_session, "desk.xh")
    refused = web_session.get(f"/api/v1/goods-releases/{rid}", headers=far)
    assert (refused.status_code, refused.json()["error"]) == (404, "goods_release_not_found")
    refused = send(web_session, far, f"/goods-releases/{rid}/void", {"reason": "x"}, 404)
    gate = web_session.get(f"/api/v1/projects/{pid}/goods-releases", headers=far)       # trial 4 M5
    assert (gate.status_code, gate.json()["error"]) == (404, "project_not_found")
    engineer = token(web_session, "eng.lh")                      # no reader role: the unit's list reads missing
    hidden = web_session.get(f"/api/v1/units/{unit}/goods-releases", headers=engineer)
    assert (hidden.status_code, hidden.json()["error"]) == (404, "unit_not_found")
    assert refused["error"] == "goods_release_not_found"
    assert web_session.get(f"/api/v1/projects/{pid}/goods-releases/by-number/{number}",
                           headers=far).status_code == 404
    listed = web_session.get(f"/api/v1/units/{unit}/goods-releases", headers=desk).json()["items"]
    assert [(r["number"], r["status"]) for r in listed] == [(number, "used"), (None, "withdrawn")]   # + the agent's


def test_no_pass_while_billing_is_down(start_platform, rabbit_config, web_session):
    platform = start_platform(services={"tickets": {"BILLING_RPC_TIMEOUT": 2, "ARCHIVE_RPC_TIMEOUT": 2}})
    from kernel.testing import TEST_SECRET
    gateway_db = platform["gateway"].config["DB_URL"]
    seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=gateway_db, wait=30)
    unit = seed.unit_id("LH", "1栋", "0101")                     # owes nothing
    desk, finance, resident, cs = (token(web_session, u) for u in ("desk.lh", "finance.lh", "zhangwei", "cs.lh"))
    pid = project_id(web_session, desk)

    # a resident asks for their own unit as themselves: another name, or an owner posing as a tenant, is refused
    mine = {k: v for k, v in release_body(unit).items() if k not in ("identity", "requester_name")}
    posing = send(web_session, resident, "/goods-releases", dict(mine, requester_name="王强"), 422)
    assert posing["error"] == "identity_not_matched" and posing["message"].startswith("住户本人")
    as_tenant = send(web_session, resident, "/goods-releases", dict(mine, requester_role="tenant"), 422)
    assert as_tenant["error"] == "identity_not_matched" and "an owner of the household" in as_tenant["message"]
    mine = send(web_session, resident, "/goods-releases", mine, 201)
    rid = mine["release_id"]
    assert mine["status"] == "requested" and mine["requester"] == {
        "name": "张伟", "role": "owner", "user_id": mine["requester"]["user_id"],
        "person_id": seed.did("person:LH:1栋:0101:张伟")}                   # who he is in the file
    by_phone = {"method": "by_phone", "person_name": "张伟", "id_number": ZHANG_ID,
                "family_members": ["李娜"], "employer": "郑州市第一中学", "matched_archive": True}
    # archive's household file decides who is of the household: a stranger named is refused
    stranger = send(web_session, desk, f"/goods-releases/{rid}/verify",
                    {"identity": dict(by_phone, family_members=["李娜", "王五"])}, 422)
    assert stranger["error"] == "identity_not_matched" and "王五" not in stranger["message"]
    # the number the desk saw: a wrong check digit, then a valid number that is not 张伟's
    wrong = send(web_session, desk, f"/goods-releases/{rid}/verify",
                 {"identity": dict(by_phone, id_number=ZHANG_ID[:-1] + "9")}, 422)
    assert wrong["error"] == "id_number_invalid" and "check digit" in wrong["message"]
    other = send(web_session, desk, f"/goods-releases/{rid}/verify",
                 {"identity": dict(by_phone, id_number=NOT_ZHANGS)}, 422)
    assert other["error"] == "identity_not_matched" and other["message"].startswith("核查对象与业户档案不符")
    assert other["message"].split(" (")[0] == stranger["message"].split(" (")[0]        # one answer (M7)
    assert ZHANG_ID not in str(other) and NOT_ZHANGS not in str(other)
    verified = send(web_session, desk, f"/goods-releases/{rid}/verify", {"identity": by_phone}, 200)
    assert verified["identity"]["household_role"] == "owner"
    assert verified["identity"]["id_number_masked"] == "4403**********1238"
    # every match is a read of the file, in its access log with the goods release's purpose
    log = web_session.get(f"/api/v1/projects/{pid}/file-access-log", headers=cs,
                          params={"what": "identity_match", "unit_id": unit})
    assert log.status_code == 200, log.text
    # the resident's own two requests (by name), the desk's check naming a stranger (the person's number is
    # matched all the same: every refusal reaches archive, where a failed match counts), the desk's wrong and
    # right number; a wrong check digit reads nothing
    assert sorted(r["what"] for r in log.json()["items"]) == ["identity_match:matched"] * 4 + [
        "identity_match:not_matched"]
    assert {r["purpose"] for r in log.json()["items"]} == {"物品放行身份核查 goods release identity check"}

    # archive stopped: no identity check is recorded (fail closed), saying why
    second = send(web_session, desk, "/goods-releases",
                  {k: v for k, v in release_body(unit).items() if k != "identity"} | {"requester_name": "张伟"}, 201)
    platform["archive"].stop()
    down = send(web_session, desk, f"/goods-releases/{second['release_id']}/verify", {"identity": by_phone}, 503)
    assert down["error"] == "archive_unavailable" and "archive" in down["message"]
    assert web_session.get(f"/api/v1/goods-releases/{second['release_id']}",
                           headers=desk).json()["identity"] is None

    platform["billing"].stop()
    down = send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 503)
    assert down["error"] == "billing_unavailable" and "billing" in down["message"]
    after = web_session.get(f"/api/v1/goods-releases/{rid}", headers=desk).json()
    assert after["status"] == "verified" and after["finance_signed"] is None and after["number"] is None
    mine = web_session.get(f"/api/v1/units/{unit}/goods-releases", headers=resident).json()["items"]
    assert rid in [r["release_id"] for r in mine]


def _resident_account(gateway_url: str, username: str, name: str, unit_id: str) -> None:
    from sqlalchemy.orm import Session

    from gateway import accounts
    from kernel.clock import SystemClock
    from kernel.db import make_engine
    engine = make_engine(gateway_url)
    try:
        with Session(engine) as session:
            accounts.create_user(session, username=username, password=seed.DEMO_PASSWORD, display_name=name,
                                 kind="resident", group_id=seed.GROUP, roles=[], unit_ids=[unit_id],
                                 now=SystemClock().now())
            session.commit()
    finally:
        engine.dispose()


def test_a_resident_is_who_the_file_says_and_an_attested_check_needs_a_second_persons_approval(
        platform, demo, web_session):  # noqa: F811
    """李娜 (1栋-0101, family, no ID number in the file) signs in as "李 娜": her own request is hers --
    the file's name and her person recorded. The desk attests her document seen in person: the release
    waits (attested) -- finance cannot sign, the desk cannot approve it, the CS manager who attested another
    one cannot approve that one (four eyes); the CS manager approves the desk's: verified, then signed and
    issued as any."""
    unit = seed.unit_id("LH", "1栋", "0101")
    _resident_account(platform["gateway"].config["DB_URL"], "lina.gr", "李 娜", unit)
    lina, desk, cs, centre, finance = (token(web_session, u) for u in (
        "lina.gr", "desk.lh", "cs.lh", "centre.lh", "finance.lh"))
    mine = {k: v for k, v in release_body(unit).items() if k not in ("identity", "requester_name")}
    mine = dict(mine, requester_role="family")
    own = send(web_session, lina, "/goods-releases", mine, 201)
    assert own["status"] == "requested"
    assert own["requester"]["name"] == "李娜" and own["requester"]["role"] == "family"
    assert own["requester"]["person_id"] == seed.did("person:LH:1栋:0101:李娜")
    as_owner = send(web_session, lina, "/goods-releases", dict(mine, requester_role="owner"), 422)
    assert as_owner["error"] == "identity_not_matched"          # a family member is no owner

    seen = {"method": "in_person", "person_name": "李娜", "id_type": "resident_id", "id_number": NOT_ZHANGS,
            "matched_archive": False, "attested": True}
    rid = own["release_id"]
    attested = send(web_session, desk, f"/goods-releases/{rid}/verify", {"identity": seen}, 200)
    assert attested["status"] == "attested" and attested["identity"]["attested"] is True
    refused = send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 409)
    assert refused["error"] == "transition_not_allowed" and refused["message"].startswith("该放行单已当面核验待主管复核")
    not_yours = send(web_session, desk, f"/goods-releases/{rid}/approve-attestation", {}, 422)
    assert not_yours["error"] == "not_your_step"
    keyless = web_session.post(f"/api/v1/goods-releases/{rid}/approve-attestation", json={}, headers=cs)
    assert (keyless.status_code, keyless.json()["error"]) == (400, "idempotency_key_required")
    key = str(uuid.uuid4())
    approved = send(web_session, cs, f"/goods-releases/{rid}/approve-attestation", {"note": "原件已复核"}, 200, key=key)
    assert approved["status"] == "verified" and approved["identity"]["reviewed"]["name"] == "绿湖客服经理·孙"
    again = send(web_session, cs, f"/goods-releases/{rid}/approve-attestation", {"note": "原件已复核"}, 200, key=key)
    assert again["version"] == approved["version"]                  # the same reply: one approval
    send(web_session, finance, f"/goods-releases/{rid}/approve", {}, 200)
    issued = send(web_session, desk, f"/goods-releases/{rid}/issue", {}, 200)
    assert issued["status"] == "issued" and issued["number"].startswith("FX-")
    assert [h["action"] for h in issued["history"]] == ["request", "attest", "approve_attestation", "approve",
                                                        "issue"]

    # the CS manager at the desk attests another: not theirs to approve -- the centre manager's
    second = send(web_session, desk, "/goods-releases", dict(release_body(unit), requester_name="李娜",
                                                             requester_role="family", identity=None), 201)
    send(web_session, cs, f"/goods-releases/{second['release_id']}/verify", {"identity": seen}, 200)
    own_check = send(web_session, cs, f"/goods-releases/{second['release_id']}/approve-attestation", {}, 422)
    assert own_check["error"] == "own_attestation" and own_check["message"].startswith("您是该证件的当面核验人")
    assert send(web_session, centre, f"/goods-releases/{second['release_id']}/approve-attestation", {},
                200)["status"] == "verified"
