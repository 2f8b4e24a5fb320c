"""A transfer of ownership (过户) with the front desk's open work, end to end on the real broker
(issue 12, the front desk's second trial): 张伟's household of 1栋-0101 has an issued goods pass and
a renovation in progress (permit and a worker's pass); the desk transfers the unit to 孙丽. tickets
hears archive's ``household.changed`` of both households:

- the goods pass is voided by the platform (``过户/迁出：住户已迁出``) -- the gate finds it voided;
- the renovation, the unit's works, is handed over to 孙丽's household (its log says so; permit and
  passes go on): 孙丽 reads it from the portal's read model (the ticket's snapshot carries her
  household), and her own application meets it (409 renovation_open naming one she can read);
- 张伟 reads neither any more (404, like a missing id);
- the deposit stays on 张伟's (closed) account in billing, for its refund to him.

The transfer is recorded only with the fees settled: archive asks billing, and an unpaid amount
(a renovation's pending garbage fee too) refuses it, 409 ``arrears_outstanding``."""
from __future__ import annotations

import uuid
from decimal import Decimal

from deploy import seed
from kernel.testing import wait_for

from .test_paid_repair import Client, rows
from .test_repair_flow import demo, token  # noqa: F401  (fixture)
from .test_transfer_arrears import resident as resident_account

UNIT_KEY = ("LH", "1栋", "0101")
UNIT = seed.unit_id(*UNIT_KEY)
PDF = b"%PDF-1.4\n% a renovation document\n%%EOF\n"
DOCUMENTS = ("renovation_application", "renovation_drawings", "contractor_licence", "worker_id_copies")
OWNER_ID = "440301198801011238"          # 张伟's, as the demo registers it


def test_a_transfer_voids_the_old_households_pass_and_hands_the_renovation_over(platform, demo,  # noqa: F811
                                                                                 web_session, shared_clock):
    api = Client(web_session)
    zhang, desk, cs, finance = (token(web_session, u) for u in ("zhangwei", "desk.lh", "cs.lh", "finance.lh"))
    old_household = demo["households"][UNIT_KEY]["id"]

    # -- 张伟's renovation, to the works (as test_renovation_flow) ----------------------------------
    documents = []
    for i, doc_type in enumerate(DOCUMENTS):
        filed = web_session.post(f"/api/v1/households/{old_household}/documents",
                                 headers=dict(desk, **{"Idempotency-Key": f"transfer-doc-{i}"}),
                                 data={"doc_type": doc_type}, files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")})
        assert filed.status_code == 201, filed.text
        documents.append({"doc_type": doc_type, "document_id": filed.json()["id"]})
    ticket_id = api.post(zhang, "/renovations", {"unit_id": UNIT, "content": "厨卫改造", "contractor": "某装饰公司",
                                                 "documents": documents}, expect=201)["ticket"]["id"]
    api.post(zhang, f"/renovations/{ticket_id}/submit", {})
    api.post(cs, f"/renovations/{ticket_id}/review", {"decision": "approve"})
    api.post(desk, f"/renovations/{ticket_id}/agreement", {})
    billing_db = platform["billing"].config["DB_URL"]
    wait_for(lambda: rows(billing_db, "SELECT * FROM renovation_fees WHERE renovation_id = :id", id=ticket_id),
             timeout=20, message="billing's renovation fees")
    due = Decimal(api.get(desk, f"/units/{UNIT}/balance")["balance_due"])
    if due > 0:
        api.post(desk, f"/units/{UNIT}/payments", {"method": "cash", "amount": str(due)}, expect=201)
    api.post(desk, f"/units/{UNIT}/deposits", {"method": "cash", "purpose": "renovation", "amount": "2000.00",
                                               "payer_name": "张伟"}, expect=201)
    wait_for(lambda: api.get(desk, f"/renovations/{ticket_id}")["renovation"]["may_start"], timeout=20,
             message="tickets hears fees_paid")
    api.post(desk, f"/renovations/{ticket_id}/permit", {})
    worker = api.post(desk, f"/renovations/{ticket_id}/passes", {"pass_kind": "worker", "holder_name": "王师傅"})
    assert worker["ticket"]["status"] == "in_progress"
    [fees] = rows(billing_db, "SELECT * FROM renovation_fees WHERE renovation_id = :id", id=ticket_id)
    assert fees["status"] == "paid" and fees["deposit_id"]

    # -- 张伟's goods pass, issued ---------------------------------------------------------------------
    release = api.post(desk, "/goods-releases", {
        "unit_id": UNIT, "requester_name": "张伟", "requester_role": "owner", "mover_name": "搬家公司·刘师傅",
        "mover_id_type": "resident_id", "mover_id_number": "110105198511204566",
        "items": [{"name": "双门冰箱", "quantity": 1}], "move_at": "2026-12-01T10:00:00+08:00",
        "identity": {"method": "in_person", "person_name": "张伟", "id_type": "resident_id", "id_number": OWNER_ID,
                     "matched_archive": True}}, expect=201)
    rid = release["release_id"]
    api.post(finance, f"/goods-releases/{rid}/approve", {})
    issued = api.post(desk, f"/goods-releases/{rid}/issue", {})
    assert issued["status"] == "issued"
    assert api.get(zhang, f"/goods-releases/{rid}")["status"] == "issued"
    # 张伟 reads his renovation in the portal (the read model) before the transfer
    wait_for(lambda: api.get(zhang, f"/renovations/{ticket_id}")["renovation"]["passes"], timeout=20,
             message="the pass projected")

    # -- the transfer ---------------------------------------------------------------------------------
    today = shared_clock.today("Asia/Shanghai").isoformat()
    transferred = web_session.post(f"/api/v1/units/{UNIT}/transfer", headers={**desk, "Idempotency-Key": str(uuid.uuid4())},
                                   json={"transferred_on": today, "acquired_by": "transfer",
                                         "household": {"people": [{"name": "孙丽", "role": "owner",
                                                                   "phone": "13800000188"}]},
                                         "handover": {"keys_returned": True, "fees_settled": True,
                                                      "fees_confirmed_by": "财务 钱", "meter_readings_recorded": True,
                                                      "deposit_handling": "none"}})
    assert transferred.status_code == 201, transferred.text
    new_household = transferred.json()["household"]["id"]

    # the pass reads voided, by the platform, with the reason
    voided = wait_for(lambda: (lambda r: r["status"] == "voided" and r)(api.get(desk, f"/goods-releases/{rid}")),
                      timeout=30, message="tickets voided the old household's pass")
    assert voided["void_reason"] == "过户/迁出：住户已迁出 the household moved out"
    assert voided["history"][-1]["action"] == "void" and voided["voided"]["user_id"].startswith("system")

    # the renovation is 孙丽's now: handed over, in progress, its passes kept
    handed = wait_for(lambda: (lambda r: r["ticket"]["history"][-1]["action"] == "hand_over" and r)(
        api.get(desk, f"/renovations/{ticket_id}")), timeout=30, message="the renovation handed over")
    assert handed["ticket"]["status"] == "in_progress"
    assert handed["ticket"]["history"][-1]["note"] == "过户：转交新住户 handed over to the new household"
    assert handed["ticket"]["reporter"]["name"] == "孙丽"                 # the household's contact now
    gateway_db = platform["gateway"].config["DB_URL"]
    # the portal's row (the read model) carries the new household: its household rule shows it to her
    wait_for(lambda: rows(gateway_db, "SELECT document FROM portal_tickets WHERE id = :id AND document LIKE :h",
                          id=ticket_id, h=f"%{new_household}%"), timeout=30, message="the read model's household")
    assert [p["number"] for p in handed["renovation"]["passes"]] == [worker["renovation"]["passes"][0]["number"]]

    assert resident_account(gateway_db, "sunli", "孙丽", UNIT) == new_household
    sun = token(web_session, "sunli")
    hers = wait_for(lambda: (lambda r: r.status_code == 200 and r.json())(
        web_session.get(f"/api/v1/renovations/{ticket_id}", headers=sun)), timeout=30,
        message="孙丽 reads the renovation from the read model")
    assert hers["ticket"]["status"] == "in_progress" and hers["renovation"]["permit_number"]
    assert "张伟" not in str(hers["ticket"].get("reporter"))                # the old owner is not shown to her
    assert api.get(sun, f"/tickets/{ticket_id}")["id"] == ticket_id
    refused = api.post(sun, "/renovations", {"unit_id": UNIT, "content": "阳台封闭"}, expect=409)
    assert refused["error"] == "renovation_open"                          # one she can read now
    # 孙丽 does not read 张伟's pass
    assert web_session.get(f"/api/v1/goods-releases/{rid}", headers=sun).status_code == 404

    # 张伟 reads neither
    for path in (f"/api/v1/renovations/{ticket_id}", f"/api/v1/tickets/{ticket_id}", f"/api/v1/goods-releases/{rid}"):
        got = web_session.get(path, headers=zhang)
        assert got.status_code == 404, (path, got.status_code, got.text)

    # billing: the deposit stays on 张伟's account (closed by the transfer), for its refund to him
    [fees] = rows(billing_db, "SELECT * FROM renovation_fees WHERE renovation_id = :id", id=ticket_id)
    [deposit] = rows(billing_db, "SELECT * FROM deposits WHERE id = :id", id=fees["deposit_id"])
    assert deposit["status"] == "held" and deposit["account_id"] == fees["account_id"]
    [account] = rows(billing_db, "SELECT * FROM fee_accounts WHERE id = :id", id=fees["account_id"])
    assert account["household_id"] == old_household


def test_a_transfer_with_the_garbage_fee_unpaid_is_refused_then_after_payment_cancels_the_renovation(  # noqa: F811
        platform, demo, web_session, shared_clock):
    """Trial 4, H1: the agreement signed, billing charged the garbage fee (``fees_requested``). The
    transfer, "fees settled" on the handover, is refused 409 ``arrears_outstanding`` naming what
    billing holds unpaid -- the garbage fee with it; nothing written, the renovation untouched. The
    household pays; the transfer goes through and cancels the renovation (``renovation.cancelled``,
    no deposit was held): billing records it cancelled, the paid fee stays paid, nothing to refund."""
    api = Client(web_session)
    zhang, desk, cs = (token(web_session, u) for u in ("zhangwei", "desk.lh", "cs.lh"))
    old_household = demo["households"][UNIT_KEY]["id"]
    documents = []
    for i, doc_type in enumerate(DOCUMENTS):
        filed = web_session.post(f"/api/v1/households/{old_household}/documents",
                                 headers=dict(desk, **{"Idempotency-Key": f"cancel-doc-{i}"}),
                                 data={"doc_type": doc_type}, files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")})
        assert filed.status_code == 201, filed.text
        documents.append({"doc_type": doc_type, "document_id": filed.json()["id"]})
    ticket_id = api.post(zhang, "/renovations", {"unit_id": UNIT, "content": "铺地板", "documents": documents},
                         expect=201)["ticket"]["id"]
    api.post(zhang, f"/renovations/{ticket_id}/submit", {})
    api.post(cs, f"/renovations/{ticket_id}/review", {"decision": "approve"})
    api.post(desk, f"/renovations/{ticket_id}/agreement", {})
    billing_db = platform["billing"].config["DB_URL"]
    [fees] = wait_for(lambda: rows(billing_db, "SELECT * FROM renovation_fees WHERE renovation_id = :id", id=ticket_id),
                      timeout=20, message="billing's renovation fees")
    assert fees["status"] == "requested" and fees["garbage_bill_id"]          # the garbage fee charged, unpaid
    due = api.get(desk, f"/units/{UNIT}/balance")["balance_due"]
    assert Decimal(due) >= Decimal("268.11")                                  # 89.37 m2 x 3.00 in it

    today = shared_clock.today("Asia/Shanghai").isoformat()
    body = {"transferred_on": today, "acquired_by": "transfer",
            "household": {"people": [{"name": "孙丽", "role": "owner", "phone": "13800000188"}]},
            "handover": {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "钱",
                         "meter_readings_recorded": True, "deposit_handling": "none"}}
    refused = web_session.post(f"/api/v1/units/{UNIT}/transfer", headers={**desk, "Idempotency-Key": str(uuid.uuid4())},
                               json=body)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "arrears_outstanding" and due in refused.json()["message"]
    assert api.get(desk, f"/renovations/{ticket_id}")["ticket"]["status"] == "fees_requested"   # untouched

    # the household pays; the deposit is not held yet, so the renovation still awaits its fees
    api.post(desk, f"/units/{UNIT}/payments", {"method": "cash", "amount": due}, expect=201)
    transferred = web_session.post(f"/api/v1/units/{UNIT}/transfer",
                                   headers={**desk, "Idempotency-Key": str(uuid.uuid4())}, json=body)
    assert transferred.status_code == 201, transferred.text

    cancelled = wait_for(lambda: (lambda r: r["ticket"]["status"] == "cancelled" and r)(
        api.get(desk, f"/renovations/{ticket_id}")), timeout=30, message="tickets cancelled the renovation")
    assert cancelled["ticket"]["history"][-1]["action"] == "cancel_moved_out"
    [fees] = wait_for(lambda: rows(billing_db, "SELECT * FROM renovation_fees WHERE renovation_id = :id "
                                   "AND status = 'cancelled'", id=ticket_id), timeout=30,
                      message="billing heard renovation.cancelled")
    [bill] = rows(billing_db, "SELECT total, allocated, account_id FROM bills WHERE id = :id", id=fees["garbage_bill_id"])
    assert Decimal(str(bill["allocated"])) == Decimal(str(bill["total"]))     # paid, and stays paid
    assert fees["refund_id"] is None                                        # no deposit held: nothing to refund
    [account] = rows(billing_db, "SELECT household_id, closed_on FROM fee_accounts WHERE id = :id", id=fees["account_id"])
    assert account["household_id"] == old_household
    # the new owner applies for her own renovation: nothing in the way
    assert resident_account(platform["gateway"].config["DB_URL"], "sunli", "孙丽", UNIT)
    sun = token(web_session, "sunli")
    wait_for(lambda: web_session.post("/api/v1/renovations", headers={**sun, "Idempotency-Key": "sun-applies"},
                                      json={"unit_id": UNIT, "content": "刷墙"}).status_code == 201,
             timeout=30, message="孙丽's own application")
