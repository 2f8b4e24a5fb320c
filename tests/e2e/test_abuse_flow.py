"""Abuse paths end to end: a resident cannot make the platform text a number of their
choice or words of their choice, and SMS per number are limited."""
from __future__ import annotations

from deploy import seed
from kernel.testing import keyed, wait_for

from .conftest import sms_lines
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

SPAM = "恭喜中奖！点击 http://evil.example 领取"


def sms_of(web_session, headers, unit_id, ticket_id):
    def delivered():
        items = web_session.get(f"/api/v1/units/{unit_id}/notifications", headers=headers,
                                params={"limit": 50}).json()
        return next((d for n in items if n["ref_id"] == ticket_id for d in n["deliveries"]
                     if d["channel"] == "sms" and d["status"] in ("sent", "suppressed")), None)
    return wait_for(delivered, timeout=20, message=f"the SMS of ticket {ticket_id}")


def test_a_resident_cannot_text_any_number_or_any_words(platform, demo, web_session, tmp_path):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = token(web_session, "zhangwei")
    typed = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": unit_id, "category": "public_area", "content": SPAM, "location": SPAM,
        "reporter_name": SPAM[:20], "reporter_phone": "13912345678"})
    assert typed.status_code == 201, typed.text
    # the number stays on the ticket for staff to call back ...
    desk = token(web_session, "desk.lh")
    assert web_session.get(f"/api/v1/tickets/{typed.json()['id']}", headers=desk).json()[
        "reporter"]["phone"] == "13912345678"
    # ... but nothing is sent to it
    assert sms_of(web_session, resident, unit_id, typed.json()["id"])["status"] == "suppressed"

    own = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": unit_id, "category": "public_area", "content": SPAM})
    assert sms_of(web_session, resident, unit_id, own.json()["id"])["status"] == "sent"
    lines = sms_lines(tmp_path)
    # the household's contact got the acknowledgement; the typed number nothing (1栋-0102's contact has
    # the demo's first dunning notice)
    [ack] = [m for m in lines if m["to"] == "13800000101"]
    assert {m["to"] for m in lines} <= {"13800000101", "13800000103"}
    assert own.json()["number"] in ack["text"]
    assert not [m for m in lines if "evil" in m["text"] or "中奖" in m["text"]]


def test_sms_to_one_number_are_limited(platform, demo, web_session, tmp_path):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = token(web_session, "zhangwei")
    tickets = [web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": unit_id, "category": "public_area", "content": f"第{i}次报修"}).json()
        for i in range(6)]
    statuses = [sms_of(web_session, resident, unit_id, t["id"])["status"] for t in tickets]
    assert sorted(statuses) == ["sent"] * 5 + ["suppressed"]      # SMS_MAX_PER_RECIPIENT_PER_HOUR 5
    assert len([m for m in sms_lines(tmp_path) if m["to"] == "13800000101"]) == 5


def find_key(data, key):
    if isinstance(data, dict):
        return key in data or any(find_key(v, key) for v in data.values())
    if isinstance(data, list):
        return any(find_key(v, key) for v in data)
    return False


def test_reporter_phones_follow_the_archive_s_masking_rule(platform, demo, web_session, caplog):
    import logging
    caplog.set_level(logging.INFO, logger="wuye.audit")
    unit_id = seed.unit_id("LH", "1栋", "0101")
    resident = token(web_session, "zhangwei")
    created = web_session.post("/api/v1/repairs", headers=keyed(resident), json={
        "unit_id": unit_id, "category": "public_area", "content": "楼道灯不亮"})
    assert created.json()["reporter"]["phone"] == "13800000101"          # their own household
    path = f"/api/v1/tickets/{created.json()['id']}"
    seen = {user: web_session.get(path, headers=token(web_session, user)).json()["reporter"]["phone"]
            for user in ("zhangwei", "desk.lh", "cs.lh", "eng.lh")}
    assert seen == {"zhangwei": "13800000101", "desk.lh": "13800000101", "cs.lh": "13800000101",
                    "eng.lh": "138****0101"}
    listed = web_session.get("/api/v1/tickets", headers=token(web_session, "eng.lh"),
                             params={"unit_id": unit_id}).json()
    assert [t["reporter"]["phone"] for t in listed["items"]] == ["138****0101"]
    assert any("contacts read" in r.getMessage() and "rows=1" in r.getMessage()
               for r in caplog.records if r.name == "wuye.audit")
    assert web_session.get("/api/v1/tickets", headers=resident, params={"limit": 201}).status_code == 400


def test_id_numbers_only_in_the_logged_file_read(platform, demo, web_session):
    unit_id = seed.unit_id("LH", "1栋", "0101")
    household_id = demo["households"][("LH", "1栋", "0101")]["id"]
    for user in ("zhangwei", "desk.lh", "cs.lh", "gm"):
        overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=token(web_session, user))
        assert overview.status_code == 200 and overview.json()["household"]["people"]
        assert not find_key(overview.json(), "id_number") and "440301" not in overview.text, user
    cs = token(web_session, "cs.lh")
    read = web_session.get(f"/api/v1/households/{household_id}/file", headers=cs,
                           params={"purpose": "identity check"}).json()
    assert read["household"]["people"][0]["id_number"] == "440301198801011238"
    log = web_session.get(f"/api/v1/households/{household_id}/file/access-log", headers=cs).json()
    assert log[0]["purpose"] == "identity check"
    blank = web_session.get(f"/api/v1/households/{household_id}/file", headers=cs, params={"purpose": "   "})
    assert blank.status_code == 400 and "purpose" in blank.json()["details"]     # a read states why
    assert len(web_session.get(f"/api/v1/households/{household_id}/file/access-log", headers=cs).json()) \
        == len(log)


def test_not_yours_reads_exactly_like_does_not_exist(platform, demo, web_session):
    resident = token(web_session, "zhangwei")
    theirs = seed.unit_id("XH", "A座", "1001")
    nowhere = "00000000-0000-0000-0000-000000000000"
    desk = token(web_session, "desk.xh")
    their_ticket = web_session.post("/api/v1/repairs", headers=keyed(desk), json={
        "unit_id": theirs, "content": "水管漏水", "channel": "phone"}).json()["id"]

    def answer(path, headers, given):
        response = web_session.get(path.format(given), headers=headers)
        body = response.json()
        return response.status_code, body["error"], body["message"].replace(given, "<id>")

    for path in ("/api/v1/units/{}", "/api/v1/units/{}/overview", "/api/v1/units/{}/account",
                 "/api/v1/units/{}/notifications", "/api/v1/tickets?unit_id={}"):
        assert answer(path, resident, theirs) == answer(path, resident, nowhere), path
        assert answer(path, resident, theirs)[0] == 404
    assert answer("/api/v1/tickets/{}", resident, their_ticket) == answer("/api/v1/tickets/{}", resident, nowhere)
    xh = demo["projects"]["XH"]["id"]
    for path in ("/api/v1/projects/{}/sla-settings", "/api/v1/projects/{}/settings/tickets",
                 "/api/v1/projects/{}/settings/tickets/history"):
        assert answer(path, resident, xh) == answer(path, resident, nowhere), path
    # staff of another group: its projects are as absent as a random id, the inbox included
    outsider = _outsider_token(platform, web_session)
    for path in ("/api/v1/projects/{}/settings/tickets", "/api/v1/projects/{}/settings/tickets/history",
                 "/api/v1/projects/{}/units"):
        assert answer(path, outsider, xh) == answer(path, outsider, nowhere), path
    inbox = [web_session.get(f"/api/v1/staff/inbox?project_id={given}", headers=outsider)
             for given in (xh, nowhere)]
    assert [(r.status_code, r.json()["error"]) for r in inbox] == [(404, "project_not_found")] * 2
    assert inbox[0].json()["message"].replace(xh, "<id>") == inbox[1].json()["message"].replace(nowhere, "<id>")
    probes = []
    for given in (theirs, nowhere):
        r = web_session.post("/api/v1/repairs", headers=keyed(resident), json={"unit_id": given, "content": "探测"})
        probes.append((r.status_code, r.json()["error"], r.json()["message"].replace(given, "<id>")))
    assert probes[0] == probes[1] and probes[0][0] == 404


def _outsider_token(platform, web_session):
    """A group admin of another group, made in the gateway's database."""
    import uuid

    from sqlalchemy.orm import Session

    from gateway.accounts import create_user
    from kernel.clock import ManualClock
    from kernel.db import make_engine

    engine = make_engine(platform["gateway"].config["DB_URL"])
    username = f"outsider-{uuid.uuid4().hex[:6]}"
    with Session(engine) as session:
        create_user(session, username=username, password=seed.DEMO_PASSWORD, display_name="外人",
                    kind="staff", group_id=str(uuid.uuid4()), roles=["group_admin"],
                    now=ManualClock().now())
        session.commit()
    engine.dispose()
    return token(web_session, username)
