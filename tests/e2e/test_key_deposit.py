"""Keys through the gateway against the real services (seed 000 §九.5): a borrower who returned a key late
leaves a deposit (确保金) before the next loan is approved -- the desk holds it at billing (purpose key),
records it on the loan, and when the key comes back in time billing is asked to refund it; an owner's
deposited key (业主寄存钥匙) is lent to the contractor the owner consented to in person, and comes back to the
owner's deposit; the borrower's whole phone is a logged read of the desk's."""
from __future__ import annotations

import uuid

from deploy import seed
from kernel.testing import wait_for

from .test_goods_release import ZHANG_ID
from .test_key_loan import BORROWER
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

DAY = 24 * 3600
CONTRACTOR = {"name": "王工", "id_type": "resident_id", "id_number": "11010519491231002X", "phone": "13900002222",
              "purpose": "更换热水器", "borrower_kind": "contractor"}


def _post(web_session):
    def post(headers, path, body, expect=200):
        response = web_session.post(path, headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}), json=body)
        assert response.status_code == expect, response.text
        return response.json()
    return post


def _stored_key(web_session, desk, unit_id, label):
    key = wait_for(lambda: (lambda r: r.json() if r.status_code == 201 else None)(web_session.post(
        "/api/v1/keys", headers=dict(desk, **{"Idempotency-Key": str(uuid.uuid4())}),
        json={"unit_id": unit_id, "label": label, "name": "开发商监理部"})), timeout=30)
    _post(web_session)(desk, f"/api/v1/keys/{key['id']}/moves", {"action": "store"})
    return key


def test_a_late_borrower_leaves_a_deposit_given_back_when_the_key_returns_in_time(
        platform, demo, web_session, shared_clock):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    shared_clock.write(offset_seconds=-2 * DAY)        # the first loan two days ago (a token is never from the future)
    desk, cs = (token(web_session, u) for u in ("desk.lh", "cs.lh"))
    post = _post(web_session)
    key = _stored_key(web_session, desk, unit_id, "入户门钥匙")
    moves = f"/api/v1/keys/{key['id']}/moves"
    post(desk, moves, {"action": "request_loan", **BORROWER})
    post(cs, moves, {"action": "approve_loan"})
    shared_clock.write(offset_seconds=0)                       # back two days later: late
    desk, cs, finance, guard, owner = (token(web_session, u) for u in        # today's tokens
                                       ("desk.lh", "cs.lh", "finance.lh", "guard.lh", "zhangwei"))
    assert post(desk, moves, {"action": "return"})["history"][-1]["late"] is True

    asked = post(desk, moves, {"action": "request_loan", **BORROWER})["loan"]
    assert (asked["deposit_required"], asked["deposit_status"], asked["deposit_amount_due"]) == (True, "due", "200.00")
    refused = post(cs, moves, {"action": "approve_loan"}, expect=409)
    assert refused["error"] == "deposit_not_taken" and refused["message"].startswith("该借用人曾逾期归还钥匙")
    # a renovation deposit, or none at all, does not stand for it
    reno = post(desk, f"/api/v1/units/{unit_id}/deposits", {"purpose": "renovation", "method": "cash",
                                                            "amount": "2000.00"}, expect=201)
    assert post(desk, moves, {"action": "take_deposit", "deposit_id": reno["deposit"]["id"]},
                expect=422)["error"] == "deposit_not_usable"
    assert post(desk, moves, {"action": "take_deposit", "deposit_id": "no-such-deposit"},
                expect=422)["error"] == "deposit_not_found"
    held = post(desk, f"/api/v1/units/{unit_id}/deposits", {"purpose": "key", "method": "cash", "amount": "200.00",
                                                            "payer_name": "李师傅"}, expect=201)
    taken = post(desk, moves, {"action": "take_deposit", "deposit_id": held["deposit"]["id"]})["loan"]
    assert (taken["deposit_status"], taken["deposit_amount"], taken["deposit_receipt"]) == (
        "held", "200.00", held["receipt"]["number"])
    # pledged at billing to the loan: not refunded by hand while the loan stands (the trial: refunded, then lent)
    deposit_path = f"/api/v1/deposits/{held['deposit']['id']}"
    pledged = web_session.get(deposit_path, headers=finance)              # billing's real answer, through the gateway
    assert pledged.status_code == 200, pledged.text
    assert (pledged.json()["pledged_loan_id"], pledged.json()["holds"]) == (taken["id"], "200.00")
    assert [(step["kind"], len(step["occurred_on"])) for step in pledged.json()["history"]] == [("held", 10)]
    # the borrower's money, not the household's: the unit's resident reads none of it (as an unknown id)
    for path in (deposit_path, f"/api/v1/payments/{held['id']}", f"/api/v1/receipts/{held['receipt']['id']}"):
        hidden = web_session.get(path, headers=owner)
        assert hidden.status_code == 404 and "李师傅" not in hidden.text, (path, hidden.text)
    receipts = web_session.get(f"/api/v1/units/{unit_id}/receipts", headers=owner)
    assert receipts.status_code == 200 and held["receipt"]["id"] not in receipts.text, receipts.text
    assert reno["receipt"]["id"] in receipts.text                           # the household's own deposit
    by_hand = post(desk, f"/api/v1/units/{unit_id}/refunds", {"kind": "deposit", "deposit_id": held["deposit"]["id"],
                                                              "amount": "200.00", "method": "cash",
                                                              "reason": "借用人要求退押金"}, expect=409)
    assert by_hand["error"] == "deposit_pledged" and by_hand["message"].startswith("该押金已作为钥匙借用押金质押")
    lent = post(cs, moves, {"action": "approve_loan"})
    assert lent["state"] == "lent"
    out = web_session.get(f"/api/v1/projects/{key['project_id']}/keys/out", headers=desk)   # the desk's list
    assert out.status_code == 200, out.text
    [listed] = out.json()["items"]
    assert (listed["loan"]["deposit_status"], listed["loan"]["deposit_receipt"]) == ("held", held["receipt"]["number"])

    # the borrower's phone: masked everywhere, whole in the desk's logged read
    loan_id = lent["loan"]["id"]
    assert lent["loan"]["party_phone"] == "138****1111"
    phone = f"/api/v1/keys/{key['id']}/loans/{loan_id}/phone"
    read = web_session.get(phone, headers=desk, params={"purpose": "催还钥匙"})
    assert read.status_code == 200, read.text
    assert read.json()["party_phone"] == BORROWER["phone"] and read.json()["loan_id"] == loan_id
    assert web_session.get(phone, headers=desk).status_code == 400                  # no purpose stated
    assert web_session.get(phone, headers=guard, params={"purpose": "看看"}).json()["error"] == "role_required"
    assert web_session.get(phone, headers=owner, params={"purpose": "看看"}).status_code == 404
    # each read is on the record the CS manager reads (who, which loan, why -- never the number)
    record = web_session.get(f"/api/v1/projects/{key['project_id']}/key-phone-reads", headers=cs,
                             params={"loan_id": loan_id})
    assert record.status_code == 200, record.text
    assert [(r["purpose"], r["outcome"]) for r in record.json()["items"]] == [("催还钥匙", "allowed")]
    assert BORROWER["phone"] not in record.text
    assert web_session.get(f"/api/v1/projects/{key['project_id']}/key-phone-reads",
                           headers=desk).json()["error"] == "role_required"

    back = post(desk, moves, {"action": "return"})                    # in time: billing asked to refund it
    assert back["state"] == "in_store"

    def refund():
        response = web_session.get(f"/api/v1/projects/{key['project_id']}/refunds", headers=finance,
                                   params={"status": "requested"})
        assert response.status_code == 200, response.text
        return [r for r in response.json() if r["deposit_id"] == held["deposit"]["id"]] or None
    [asked_back] = wait_for(refund, timeout=30)
    assert (asked_back["kind"], asked_back["amount"], asked_back["method"]) == ("deposit", "200.00", "cash")
    assert "钥匙押金退还" in asked_back["reason"]
    assert web_session.get(deposit_path, headers=finance).json()["pledged_loan_id"] is None     # released


def test_a_borrower_late_again_leaves_the_deposit_to_the_cs_manager_who_forfeits_it(
        platform, demo, web_session, shared_clock):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0102")
    post = _post(web_session)
    shared_clock.write(offset_seconds=-4 * DAY)
    desk, cs = (token(web_session, u) for u in ("desk.lh", "cs.lh"))
    key = _stored_key(web_session, desk, unit_id, "入户门钥匙")
    moves = f"/api/v1/keys/{key['id']}/moves"
    post(desk, moves, {"action": "request_loan", **BORROWER})
    post(cs, moves, {"action": "approve_loan"})
    shared_clock.write(offset_seconds=-2 * DAY)                 # back late: flagged
    desk, cs = (token(web_session, u) for u in ("desk.lh", "cs.lh"))
    post(desk, moves, {"action": "return"})
    loan = post(desk, moves, {"action": "request_loan", **BORROWER})["loan"]
    held = post(desk, f"/api/v1/units/{unit_id}/deposits", {"purpose": "key", "method": "cash", "amount": "200.00",
                                                            "payer_name": "李师傅"}, expect=201)
    post(desk, moves, {"action": "take_deposit", "deposit_id": held["deposit"]["id"]})
    post(cs, moves, {"action": "approve_loan"})
    shared_clock.write(offset_seconds=0)                        # late again: kept, the CS manager asked
    desk, cs, finance = (token(web_session, u) for u in ("desk.lh", "cs.lh", "finance.lh"))
    post(desk, moves, {"action": "return"})
    tasks = web_session.get(f"/api/v1/projects/{key['project_id']}/front-desk-tasks", headers=cs,
                            params={"category": "key_deposit_decision"})
    assert tasks.status_code == 200, tasks.text
    assert any("押金 200.00 元" in t["content"] for t in tasks.json()["items"]), tasks.text
    decision = f"/api/v1/keys/{key['id']}/loans/{loan['id']}/deposit-decision"
    assert post(desk, decision, {"decision": "forfeit"}, expect=403)["error"] == "role_required"
    post(cs, decision, {"decision": "forfeit", "note": "第二次逾期归还"})
    assert post(cs, decision, {"decision": "release"}, expect=409)["error"] == "deposit_decided"

    def forfeited():
        shown = web_session.get(f"/api/v1/deposits/{held['deposit']['id']}", headers=finance)
        assert shown.status_code == 200, shown.text
        return shown.json() if shown.json()["status"] == "forfeited" else None
    deposit = wait_for(forfeited, timeout=30)
    assert (deposit["forfeited"], deposit["holds"], deposit["pledged_loan_id"]) == ("200.00", "0.00", None)
    assert [step["kind"] for step in deposit["history"]] == ["held", "forfeited"]
    assert "cs.lh" not in deposit["history"][1]["reason"] and "逾期归还" in deposit["history"][1]["description"]


def test_an_owner_s_deposited_key_is_lent_to_the_contractor_the_owner_consented_to(
        platform, demo, web_session):  # noqa: F811
    unit_id = seed.unit_id("LH", "1栋", "0101")
    desk, cs = (token(web_session, u) for u in ("desk.lh", "cs.lh"))
    post = _post(web_session)
    key = _stored_key(web_session, desk, unit_id, "车库钥匙")
    moves = f"/api/v1/keys/{key['id']}/moves"
    zhang = {"name": "张伟", "id_type": "resident_id", "id_number": ZHANG_ID}
    post(desk, moves, {"action": "collect", **zhang, "contract_ref": "HT-0101", "receipt_ref": "SJ-0001"})
    post(desk, moves, {"action": "deposit", **zhang})
    assert post(desk, moves, {"action": "request_loan", **CONTRACTOR},
                expect=409)["error"] == "owner_consent_required"
    stranger = post(desk, moves, {"action": "owner_consent", "name": "路人乙", "id_type": "resident_id",
                                  "id_number": "11010519491231002X", "borrower_name": "王工",
                                  "borrower_id_type": "resident_id", "borrower_id_number": CONTRACTOR["id_number"]},
                    expect=422)
    assert stranger["error"] == "identity_not_matched"
    consent = post(desk, moves, {"action": "owner_consent", **zhang, "borrower_name": "王工",
                                 "borrower_id_type": "resident_id", "borrower_id_number": CONTRACTOR["id_number"],
                                 "purpose": "更换热水器"})
    assert consent["state"] == "deposited_by_owner"
    assert consent["history"][-1]["consented_id_number"] == "1101**********002X"
    assert CONTRACTOR["id_number"] not in str(consent) and ZHANG_ID not in str(consent)
    requested = post(desk, moves, {"action": "request_loan", **CONTRACTOR})        # no developer's proof needed
    assert requested["loan"]["consent_id"] == consent["history"][-1]["id"]
    assert post(cs, moves, {"action": "approve_loan"})["loan"]["due_back_at"]
    back = post(desk, moves, {"action": "return"})
    assert back["state"] == "deposited_by_owner" and back["holder_name"] is None
    assert post(desk, moves, {"action": "request_loan", **CONTRACTOR},               # one loan per consent
                expect=409)["error"] == "owner_consent_required"
