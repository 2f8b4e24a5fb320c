"""A renovation (装修) through the gateway, every service on the real broker (issue 12): the desk
files the application's documents in archive's store for the household; the resident applies
naming them and submits; the CS manager approves; the desk records the signed agreement, and
``renovation.fees_requested`` makes billing charge the garbage-removal fee from its schedule (the
unit's building area x 3.00 yuan/m2); the permit is refused (409 fees_unpaid) until the household
pays the bill and the desk holds the deposit -- then billing's ``renovation.fees_paid`` reaches
tickets and the permit is issued with its number. Bad inputs answer 4xx."""
from __future__ import annotations

import json
from decimal import Decimal

from deploy import seed
from kernel.testing import wait_for

from .test_paid_repair import Client, rows
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

UNIT = seed.unit_id("LH", "1栋", "0101")
PDF = b"%PDF-1.4\n% a renovation document\n%%EOF\n"
DOCUMENTS = ("renovation_application", "renovation_drawings", "contractor_licence", "worker_id_copies")


def test_apply_approve_fees_requested_paid_then_the_work_may_start(platform, demo, web_session):  # noqa: F811
    api = Client(web_session)
    resident, desk, cs = (token(web_session, u) for u in ("zhangwei", "desk.lh", "cs.lh"))
    other_household = token(web_session, "liuyang")
    household_id = demo["households"][("LH", "1栋", "0101")]["id"]

    # -- the documents: filed once, in archive's store for the household -------------------------
    documents = []
    for i, doc_type in enumerate(DOCUMENTS):
        filed = web_session.post(f"/api/v1/households/{household_id}/documents",
                                 headers=dict(desk, **{"Idempotency-Key": f"renovation-doc-{i}"}),
                                 data={"doc_type": doc_type}, files={"file": (f"{doc_type}.pdf", PDF, "application/pdf")})
        assert filed.status_code == 201, filed.text
        documents.append({"doc_type": doc_type, "document_id": filed.json()["id"]})

    # -- the application: the resident's own unit only ---------------------------------------------
    assert api.post(other_household, "/renovations", {"unit_id": UNIT, "content": "厨卫改造"},
                    expect=404)["error"] == "unit_not_found"
    assert api.post(resident, "/renovations", {"unit_id": UNIT}, expect=400)["error"]
    applied = api.post(resident, "/renovations", {"unit_id": UNIT, "content": "厨卫改造、铺地板",
                                                  "contractor": "某装饰公司", "documents": documents[:3]},
                       expect=201, key="renovation-apply")
    again = api.post(resident, "/renovations", {"unit_id": UNIT, "content": "厨卫改造、铺地板",
                                                "contractor": "某装饰公司", "documents": documents[:3]},
                     expect=201, key="renovation-apply")
    ticket_id = applied["ticket"]["id"]
    assert applied["id"] == ticket_id                                  # every front-desk object has its id
    assert again["ticket"]["id"] == ticket_id                          # the same key: the same application
    assert applied["ticket"]["number"].startswith("ZX-") and applied["ticket"]["status"] == "applied"
    assert applied["renovation"]["deposit_amount"] == "2000.00"
    assert [c["present"] for c in applied["renovation"]["checklist"]] == [True, True, True, False]

    second = api.post(resident, "/renovations", {"unit_id": UNIT, "content": "阳台封闭"}, expect=409)
    assert second["error"] == "renovation_open" and applied["ticket"]["number"] in second["message"]
    # documents are archive's: one not in the household's file, one of another type, one attached already
    assert api.post(resident, f"/renovations/{ticket_id}/documents",
                    {"doc_type": "worker_id_copies", "document_id": "8c0f6c1e-0000-4000-8000-000000000000"},
                    expect=404)["error"] == "document_not_found"
    assert api.post(resident, f"/renovations/{ticket_id}/documents",
                    {"doc_type": "renovation_drawings", "document_id": documents[3]["document_id"]},
                    expect=422)["error"] == "document_type_mismatch"
    assert api.post(desk, f"/renovations/{ticket_id}/documents",
                    {"doc_type": "worker_id_copies", "document_id": documents[0]["document_id"]},
                    expect=409)["error"] == "document_attached_already"
    refused = api.post(resident, f"/renovations/{ticket_id}/submit", {}, expect=422)
    assert refused["error"] == "documents_missing"
    api.post(resident, f"/renovations/{ticket_id}/documents", documents[3])
    submitted = api.post(resident, f"/renovations/{ticket_id}/submit", {})
    assert submitted["ticket"]["status"] == "under_review"
    assert "renovation_review" in {d["kind"] for d in submitted["ticket"]["deadlines"]}

    # -- the review and the agreement ----------------------------------------------------------------
    assert api.post(desk, f"/renovations/{ticket_id}/review", {"decision": "approve"}, expect=403)["error"] \
        == "role_required"
    assert api.post(cs, f"/renovations/{ticket_id}/review", {"decision": "reject"}, expect=400)["error"]
    api.post(cs, f"/renovations/{ticket_id}/review", {"decision": "approve"})
    signed = api.post(desk, f"/renovations/{ticket_id}/agreement", {})
    assert signed["ticket"]["status"] == "fees_requested" and signed["renovation"]["may_start"] is False
    assert api.post(desk, f"/renovations/{ticket_id}/permit", {}, expect=409)["error"] == "fees_unpaid"

    # -- billing hears the request: the garbage fee charged once, by area ------------------------------
    billing_db = platform["billing"].config["DB_URL"]
    [fees] = wait_for(lambda: rows(billing_db, "SELECT * FROM renovation_fees WHERE renovation_id = :id",
                                   id=ticket_id), timeout=20, message="billing's renovation fees")
    assert fees["status"] == "requested" and fees["garbage_bill_id"] and fees["deposit_id"] is None
    # billing's renovation.fees_charged: the amount shows before it is paid, its status apart
    charged = wait_for(lambda: (lambda r: r["renovation"]["garbage_fee"] and r)(
        api.get(desk, f"/renovations/{ticket_id}")), timeout=20, message="tickets hears fees_charged")
    assert Decimal(charged["renovation"]["garbage_fee"]) > 0          # the unit's area x 3.00
    assert charged["renovation"]["garbage_fee_status"] == "charged" and charged["renovation"]["may_start"] is False

    # -- the household pays what it owes, the desk holds the deposit: the work may start ------------------
    due = Decimal(api.get(desk, f"/units/{UNIT}/balance")["balance_due"])
    if due > 0:
        api.post(desk, f"/units/{UNIT}/payments", {"method": "cash", "amount": str(due)}, expect=201)
    assert api.post(desk, f"/renovations/{ticket_id}/permit", {}, expect=409)["error"] == "fees_unpaid"
    api.post(desk, f"/units/{UNIT}/deposits", {"method": "cash", "purpose": "renovation", "amount": "2000.00"},
             expect=201)
    status = wait_for(lambda: (lambda r: r["renovation"]["may_start"] and r)(
        api.get(resident, f"/renovations/{ticket_id}")), timeout=20, message="tickets hears fees_paid")
    assert status["ticket"]["status"] == "fees_paid"
    assert Decimal(status["renovation"]["garbage_fee"]) > 0           # the unit's area x 3.00
    assert status["renovation"]["garbage_fee_status"] == "paid"
    assert status["renovation"]["garbage_fee"] == charged["renovation"]["garbage_fee"]
    # the resident's read is the gateway's read model: ticket.changed carried the renovation part
    # (billing's fees_paid step bumped and republished the ticket), the portal row holds it
    gateway_db = platform["gateway"].config["DB_URL"]
    [row] = rows(gateway_db, "SELECT version, document FROM portal_tickets WHERE id = :id", id=ticket_id)
    projected = json.loads(row["document"])
    assert row["version"] == status["ticket"]["version"] and projected["status"] == "fees_paid"
    assert projected["renovation"]["may_start"] is True and projected["renovation"]["missing"] == []
    assert projected["renovation"]["garbage_fee"] == status["renovation"]["garbage_fee"]
    assert projected["renovation"]["deposit_amount"] == status["renovation"]["deposit_amount"] == "2000.00"
    assert projected["renovation"]["fees_paid_at"] == status["renovation"]["fees_paid_at"]
    assert api.get(resident, f"/tickets/{ticket_id}")["renovation"]["may_start"] is True
    permit = api.post(desk, f"/renovations/{ticket_id}/permit", {})
    assert permit["ticket"]["status"] == "in_progress"
    assert permit["renovation"]["permit_number"].startswith("ZXXK-")
    # trial 4 (M1, M2): dates out of range are 422 with their code, nothing written
    assert api.post(desk, f"/renovations/{ticket_id}/passes", {"pass_kind": "material", "holder_name": "钱七",
                                                               "valid_until": "2020-01-01"},
                    expect=422)["error"] == "valid_until_past"
    assert api.post(resident, "/renovations", {"unit_id": UNIT, "content": "阳台封闭", "planned_start": "1900-01-01",
                                               "planned_end": "2999-12-31"}, expect=422)["error"] == "planned_start_past"
    assert api.post(resident, f"/renovations/{ticket_id}/acceptance-request", {"acceptance_on": "9999-12-31"},
                    expect=422)["error"] == "acceptance_too_far"
    worker = api.post(desk, f"/renovations/{ticket_id}/passes", {"pass_kind": "worker", "holder_name": "王师傅"})
    assert worker["renovation"]["passes"][0]["number"].startswith("ZXRY-")
    # the resident reads the pass from the read model: by number, the worker's name masked
    seen = wait_for(lambda: (lambda r: r["renovation"]["passes"] and r)(
        api.get(resident, f"/renovations/{ticket_id}")), timeout=20, message="the pass projected")
    assert seen["renovation"]["passes"][0]["number"] == worker["renovation"]["passes"][0]["number"]
    assert seen["renovation"]["passes"][0]["holder_name"] == "王**"
    assert seen["renovation"]["permit_number"] == permit["renovation"]["permit_number"]
