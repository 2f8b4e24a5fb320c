"""After a transfer (过户) the old owner pays his closed account online, end to end with every service on
the real broker and a local WeChat Pay stand-in: the demo's 1栋-0102, 王强's 345.00 paid at the desk,
passes to 孙丽; finance then voids 王强's receipt (a wrong payment), so his closed account owes 345.00.

- 王强 (no unit any more; /me names the household he belonged to) names his account: 345.01 is 409
  ``closed_account_overpaid`` (the provider is never asked), 345.00 is paid -- pending, then the
  provider's signed notification records it on his account; he follows the payment by its id;
- without ``account_id`` he is told to name his account (404, the unit's open account is 孙丽's);
- 孙丽 (the new owner) and 张伟 (another unit) naming 王强's account hear the 404 of a missing one, and
  his payment reads as a missing one; 孙丽's account is untouched."""
from __future__ import annotations

from deploy import seed
from kernel.testing import TEST_SECRET, keyed, wait_for
from services.billing.tests.stub import PaymentProviderStub

from .test_repair_flow import token
from .test_transfer_arrears import UNIT, resident


def test_the_old_owner_pays_his_closed_account_online_and_no_one_else_does(start_platform, rabbit_config,
                                                                          web_session, shared_clock):
    with PaymentProviderStub() as provider:
        platform = start_platform(services={"billing": provider.config("wechat")})
        gateway_url = platform["gateway"].config["DB_URL"]
        demo = seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=gateway_url, wait=30)
        unit_id = seed.unit_id(*UNIT)
        old_household = demo["households"][UNIT]["id"]
        desk, finance = token(web_session, "desk.lh"), token(web_session, "finance.lh")
        today = shared_clock.today("Asia/Shanghai")

        assert resident(gateway_url, "wangqiang", "王强", unit_id) == old_household
        wangqiang = token(web_session, "wangqiang")
        old_account = web_session.get(f"/api/v1/units/{unit_id}/account", headers=wangqiang).json()["account_id"]
        paid = web_session.post(f"/api/v1/units/{unit_id}/payments", headers=keyed(desk), json={
            "method": "cash", "amount": "345.00", "payer_name": "王强"})
        assert paid.status_code == 201, paid.text
        transferred = web_session.post(f"/api/v1/units/{unit_id}/transfer", headers=keyed(desk), json={
            "transferred_on": today.isoformat(), "acquired_by": "transfer",
            "household": {"people": [{"name": "孙丽", "role": "owner", "phone": "13800000188"}]},
            "handover": {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务 钱",
                         "meter_readings_recorded": True, "deposit_handling": "none"}})
        assert transferred.status_code == 201, transferred.text
        new_household = transferred.json()["household"]["id"]
        wait_for(lambda: web_session.get(f"/api/v1/units/{unit_id}/account", headers=finance)
                 .json().get("household_id") == new_household, timeout=30,
                 message="billing closed 王强's account and opened the unit's next one")
        new_account = web_session.get(f"/api/v1/units/{unit_id}/account", headers=finance).json()["account_id"]
        voided = web_session.post(f"/api/v1/receipts/{paid.json()['receipt']['id']}/void", headers=keyed(finance),
                                  json={"reason": "现金为假币 the notes were forged"})
        assert voided.status_code == 200, voided.text
        assert voided.json()["account"]["balance_due"] == "345.00"

        def online(headers, amount, **body):
            return web_session.post(f"/api/v1/units/{unit_id}/online-payments", headers=keyed(headers),
                                    json={"method": "wechat", "amount": amount, **body})

        # -- 王强 pays his own closed account, at most what it owes ---------------------------------------
        assert web_session.get("/api/v1/me", headers=wangqiang).json()["unit_ids"] == []
        over = online(wangqiang, "345.01", account_id=old_account)
        assert (over.status_code, over.json()["error"]) == (409, "closed_account_overpaid"), over.text
        assert over.json()["details"]["balance_due"] == "345.00" and provider.requests == []
        unnamed = online(wangqiang, "345.00")
        assert (unnamed.status_code, unnamed.json()["error"]) == (404, "account_not_found")
        assert "account_id" in unnamed.json()["message"]
        started = online(wangqiang, "345.00", account_id=old_account)
        assert started.status_code == 201, started.text
        pending = started.json()
        assert (pending["status"], pending["account_id"]) == ("pending", old_account)

        # -- nobody else pays it or follows his payment ----------------------------------------------------
        assert resident(gateway_url, "sunli", "孙丽", unit_id) == new_household
        sunli, zhangwei = token(web_session, "sunli"), token(web_session, "zhangwei")
        asked = len(provider.requests)
        for headers in (sunli, zhangwei):
            probe = online(headers, "1.00", account_id=old_account)
            assert (probe.status_code, probe.json()["error"]) == (404, "account_not_found"), probe.text
            seen = web_session.get(f"/api/v1/payments/{pending['id']}", headers=headers)
            assert (seen.status_code, seen.json()["error"]) == (404, "payment_not_found")
        assert len(provider.requests) == asked

        # -- the provider's notification records it on his account -------------------------------------------
        provider.pay(pending["id"])
        body, signature = provider.notification(pending["id"])
        told = web_session.post("/api/v1/payments/notify/wechat", data=body.encode(),
                                headers={"Content-Type": "application/json", "X-Signature": signature})
        assert (told.status_code, told.json()["status"]) == (200, "received"), told.text
        status = web_session.get(f"/api/v1/payments/{pending['id']}", headers=wangqiang).json()
        assert (status["status"], status["receipt"]["account_id"], status["account"]["balance_due"]) == (
            "received", old_account, "0.00")
        settled = online(wangqiang, "0.01", account_id=old_account)
        assert (settled.status_code, settled.json()["details"]["balance_due"]) == (409, "0.00")
        accounts = web_session.get(f"/api/v1/units/{unit_id}/accounts", headers=finance).json()["items"]
        assert [(a["account_id"], a["balance_due"]) for a in accounts] == [(new_account, "0.00"),
                                                                          (old_account, "0.00")]
