"""The identity trial through the gateway with every service running: a name in the household file with
no ID number (the demo's 李娜, family of 1栋-0101) no longer tells itself apart when a key is collected
(only owners collect: the one 422 identity_not_matched, as for 路人甲), and every such answer counts
towards archive's identity-match lock -- 5 failures of one caller and the 6th is 422
identity_match_locked, the owner's right number too. The goods release keeps the answer its attested
in-person path needs (422 id_number_not_on_file for a person of the file in the requester's role, then
``attested: true`` verifies), but that answer is counted too: it cannot probe names beyond the lock."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from deploy import seed
from kernel.testing import wait_for

from .test_goods_release import MOVER_ID, ZHANG_ID
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

A_NUMBER = "11010519491231002X"          # a valid resident ID number, nobody's in the file


def post(web_session, headers, path, body, expect):
    response = web_session.post(f"/api/v1{path}", json=body,
                                headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}))
    assert response.status_code == expect, (path, response.status_code, response.text)
    return response.json()


def test_a_key_answers_one_sentence_and_every_refusal_counts_towards_the_lock(platform, demo, web_session):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    desk, steward = token(web_session, "desk.lh"), token(web_session, "steward.lh")
    key = wait_for(lambda: (lambda r: r.json() if r.status_code == 201 else None)(web_session.post(
        "/api/v1/keys", headers=dict(desk, **{"Idempotency-Key": "handover-identity"}),
        json={"unit_id": unit_id, "label": "入户门钥匙"})), timeout=30)
    moves = f"/keys/{key['id']}/moves"
    post(web_session, desk, moves, {"action": "store"}, 200)

    def collect(name, number, expect=422):
        return post(web_session, steward, moves, {"action": "collect", "name": name, "id_type": "resident_id",
                                                  "id_number": number, "contract_ref": "HT-0101",
                                                  "receipt_ref": "SJ-0001"}, expect)
    stranger, family = collect("路人甲", A_NUMBER), collect("李娜", A_NUMBER)
    assert stranger == family and family["error"] == "identity_not_matched" and "details" not in family
    assert "李娜" not in family["message"]
    for name in ("路人甲", "李娜", "李娜"):                               # 3 more: 5 failed matches of the steward
        assert collect(name, A_NUMBER)["error"] == "identity_not_matched"
    assert collect("张伟", ZHANG_ID)["error"] == "identity_match_locked"        # locked: the right number too
    assert collect("李娜", A_NUMBER)["error"] == "identity_match_locked"
    # one caller's guesses lock that caller: the desk collects for the owner
    collected = post(web_session, desk, moves, {"action": "collect", "name": "张伟", "id_type": "resident_id",
                                                "id_number": ZHANG_ID, "contract_ref": "HT-0101",
                                                "receipt_ref": "SJ-0001"}, 200)
    assert collected["state"] == "collected_by_owner"


def test_the_goods_release_attests_a_person_without_a_number_but_the_answer_is_counted(
        platform, demo, web_session):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    desk = token(web_session, "desk.lh")

    def release(requester, role, person, **identity):
        return {"unit_id": unit_id, "requester_name": requester, "requester_role": role,
                "mover_name": "搬家公司·刘师傅", "mover_id_type": "resident_id", "mover_id_number": MOVER_ID,
                "items": [{"name": "书柜", "quantity": 1}],
                "move_at": (datetime.now(timezone.utc) + timedelta(days=2)).isoformat(),
                "identity": {"method": "in_person", "person_name": person, "id_type": "resident_id",
                             "id_number": A_NUMBER, "matched_archive": True, **identity}}
    # 李娜's own release: the file holds no number for her -- said so (1), and the desk attests (2)
    told = post(web_session, desk, "/goods-releases", release("李娜", "family", "李娜"), 422)
    assert told["error"] == "id_number_not_on_file"
    attested = post(web_session, desk, "/goods-releases",
                    release("李娜", "family", "李娜", attested=True, matched_archive=False), 201)
    # attested: it waits for a CS or centre manager's approval (four eyes) before finance and the issue
    assert attested["status"] == "attested" and attested["identity"]["attested"] is True
    # 李娜 checked for the owner's release: not the role asked -- the one answer, no "not on file" (3)
    owners = post(web_session, desk, "/goods-releases", release("张伟", "owner", "李娜"), 422)
    assert owners["error"] == "identity_not_matched"
    # the answer the attested path needs is counted: two more (4, 5) and the desk is locked for the unit
    for _ in range(2):
        assert post(web_session, desk, "/goods-releases", release("李娜", "family", "李娜"),
                    422)["error"] == "id_number_not_on_file"
    for body in (release("李娜", "family", "李娜"), release("李娜", "family", "李娜", attested=True,
                                                          matched_archive=False),
                 release("张伟", "owner", "张伟", id_number=ZHANG_ID)):
        assert post(web_session, desk, "/goods-releases", body, 422)["error"] == "identity_match_locked"
