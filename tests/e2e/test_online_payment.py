"""A resident pays a bill online through the gateway, against a local WeChat Pay stand-in (a real
HTTP server): with an Idempotency-Key, the retry answers the same receipt; a payment left pending
is confirmed by the provider's signed notification to the public route, once; finance voids a
receipt and the overview shows the balance at once."""
from __future__ import annotations

from deploy import seed
from kernel.testing import TEST_SECRET, keyed
from services.billing.tests.stub import PaymentProviderStub

from .test_repair_flow import token


def test_a_resident_pays_a_bill_online_and_the_retry_answers_the_same_receipt(start_platform, rabbit_config,
                                                                             web_session):
    with PaymentProviderStub(pay_at_once=True) as provider:
        platform = start_platform(services={"billing": provider.config("wechat")})
        seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=platform["gateway"].config["DB_URL"],
                  wait=30)
        unit_id = seed.unit_id("LH", "1栋", "0101")
        finance, resident = token(web_session, "finance.lh"), token(web_session, "zhangwei")
        carried = web_session.post(f"/api/v1/units/{unit_id}/account/opening-balance", headers=keyed(finance),
                                   json={"amount": "300.00", "as_of": "2026-11-01"})
        assert carried.status_code == 201, carried.text

        # the resident sees the bill and pays it (the provider takes it at once)
        key = {**resident, "Idempotency-Key": "zhangwei-pay-0001"}
        paid = web_session.post(f"/api/v1/units/{unit_id}/online-payments", headers=key,
                                json={"method": "wechat", "amount": "300.00"})
        assert paid.status_code == 201, paid.text
        receipt = paid.json()["receipt"]
        assert (paid.json()["status"], receipt["amount"], receipt["status"]) == ("received", "300.00", "valid")
        assert receipt["number"] == "SJ00000001" and receipt["lines"][0]["bill"].startswith("ZD")
        # the retry (the answer was lost on the way) is the same payment and receipt, charged once
        again = web_session.post(f"/api/v1/units/{unit_id}/online-payments", headers=key,
                                 json={"method": "wechat", "amount": "300.00"})
        assert (again.status_code, again.json()) == (201, paid.json())
        assert provider.charged == [paid.json()["id"]]
        reused = web_session.post(f"/api/v1/units/{unit_id}/online-payments", headers=key,
                                  json={"method": "wechat", "amount": "30.00"})
        assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
        overview = web_session.get(f"/api/v1/units/{unit_id}/overview", headers=resident).json()
        assert overview["account"]["balance_due"] == "0.00"

        # another payment stays pending until the provider's notification (no user token, signed)
        provider.pay_at_once = False
        pending = web_session.post(f"/api/v1/units/{unit_id}/online-payments", headers=keyed(resident),
                                   json={"method": "wechat", "amount": "50.00"}).json()
        assert pending["status"] == "pending" and pending["pay"]["pay_url"].startswith("weixin://")
        provider.pay(pending["id"])
        body, signature = provider.notification(pending["id"])
        for _ in range(2):                                        # sent twice: recorded once
            told = web_session.post("/api/v1/payments/notify/wechat", data=body.encode(),
                                    headers={"Content-Type": "application/json", "X-Signature": signature})
            assert (told.status_code, told.json()) == (200, {"result": "ok", "payment_id": pending["id"],
                                                             "status": "received"}), told.text
        forged = web_session.post("/api/v1/payments/notify/wechat", data=body.replace("50.00", "5.00").encode(),
                                  headers={"X-Signature": signature})
        assert (forged.status_code, forged.json()["error"]) == (401, "invalid_signature")
        status = web_session.get(f"/api/v1/payments/{pending['id']}", headers=resident).json()
        assert (status["status"], status["receipt"]["number"]) == ("received", "SJ00000002")
        assert web_session.get(f"/api/v1/payments/{pending['id']}").status_code == 401

        # bad input is a 4xx; another household's unit looks missing
        bad = web_session.post(f"/api/v1/units/{unit_id}/online-payments", headers=keyed(resident),
                               json={"method": "wechat", "amount": "1e3"})
        assert bad.status_code == 400
        other = web_session.post(f"/api/v1/units/{seed.unit_id('LH', '1栋', '0102')}/online-payments",
                                 headers=keyed(resident), json={"method": "wechat", "amount": "1.00"})
        assert other.status_code == 404

        # finance voids the first receipt: the bill is open again, less the 50.00 credit
        voided = web_session.post(f"/api/v1/receipts/{receipt['id']}/void", headers=keyed(finance),
                                  json={"reason": "重复支付 paid twice by mistake"})
        assert voided.status_code == 200, voided.text
        assert (voided.json()["status"], voided.json()["receipt"]["status"]) == ("reversed", "void")
        assert voided.json()["receipt"]["voided_by"] and voided.json()["receipt"]["number"] == "SJ00000001"
        assert web_session.get(f"/api/v1/units/{unit_id}/overview",
                               headers=resident).json()["account"]["balance_due"] == "250.00"
