"""A payment provider stand-in for the tests (``kernel.testing.HttpStub``): the ``http`` protocol of
``services/billing/domain/providers.py`` on a real local HTTP server.

Like a real provider it checks the request's signature (401 otherwise), deduplicates creates on
``out_trade_no`` (a create sent again answers the first payment and charges nothing more), takes a
payment code (``auth_code``) at once, and otherwise leaves the payment pending with a pay URL
until the test pays it (:meth:`pay`) or closes it (:meth:`close_trade`). Its answers are signed;
:meth:`notification` is the signed callback it would post. ``charged`` lists every payment whose
money it took -- the thing that must never hold an id twice."""
from __future__ import annotations

from kernel.testing import HttpStub
from services.billing.domain.providers import canonical, sign

KEY = "stub-merchant-key"
MERCHANT = "m-100"


class PaymentProviderStub(HttpStub):
    def __init__(self, answers=(), *, key: str = KEY, merchant_id: str = MERCHANT, pay_at_once: bool = False):
        super().__init__(answers)
        self.key, self.merchant_id, self.pay_at_once = key, merchant_id, pay_at_once
        self.trades: dict[str, dict] = {}        # out_trade_no -> the payment as the provider holds it
        self.charged: list[str] = []
        self.url = f"{self.base_url}/pay"

    def config(self, channel: str = "wechat") -> dict:
        """billing's config pointing ``channel`` at this stub."""
        prefix = f"PAYMENT_{channel.upper()}_"
        return {prefix + "PROVIDER": "http", prefix + "URL": self.url, prefix + "MERCHANT_ID": self.merchant_id,
                prefix + "KEY": self.key}

    def signed(self, status: int, answer: dict, key: str | None = None):
        body = canonical(answer)
        return status, body, {"X-Signature": sign(key or self.key, body)}

    def respond(self, request):
        scripted = self.scripted()
        if scripted is not None:
            status, body, _ = scripted
            return self.signed(status, body) if isinstance(body, dict) else scripted
        if request["headers"].get("x-signature") != sign(self.key, request["body"]):
            return 401, {"error": "bad signature"}, {}
        sent, action = request["json"], request["path"].rsplit("/", 1)[-1]
        trade = self.trades.get(sent["out_trade_no"])
        if action == "query":
            return self.signed(200, trade) if trade else (404, {"error": "no such trade"}, {})
        if trade is None:
            trade = self.trades[sent["out_trade_no"]] = {
                "out_trade_no": sent["out_trade_no"], "status": "pending", "amount": sent["amount"],
                "trade_no": None, "pay_url": f"weixin://wxpay/bizpayurl?pr={sent['out_trade_no'][:8]}"}
            if sent.get("auth_code") or self.pay_at_once:
                self.pay(sent["out_trade_no"])
        return self.signed(200, trade)

    def pay(self, out_trade_no: str) -> dict:
        """The payer pays: the provider takes the money (once) and names its trade number."""
        trade = self.trades[out_trade_no]
        if trade["status"] != "paid":
            trade.update(status="paid", trade_no=f"42000{len(self.charged) + 1:08d}", pay_url=None)
            self.charged.append(out_trade_no)
        return trade

    def close_trade(self, out_trade_no: str) -> None:
        self.trades[out_trade_no].update(status="closed", pay_url=None)

    def notification(self, trade: str, /, **changes) -> tuple[str, str]:
        """(body, signature) of the callback the provider posts for the payment (``changes``: a
        tampered or wrong one)."""
        body = canonical({**self.trades[trade], "merchant_id": self.merchant_id, **changes}).decode()
        return body, sign(self.key, body.encode())
