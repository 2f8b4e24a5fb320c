"""Online payment providers (支付渠道): WeChat Pay (微信支付, ``wechat``) and Alipay (支付宝,
``alipay``) behind one interface, :class:`PaymentProvider`:

- ``create(out_trade_no=, amount=, description=, auth_code=None, expire_minutes=)``: start a
  payment. ``out_trade_no`` is **our payment id** -- the provider's idempotency reference: a
  create sent again (a retry after a timeout, a crash before our commit) answers the first
  payment's state and charges nothing twice. With ``auth_code`` (the payer's payment code,
  付款码, scanned at the desk) the provider answers ``paid`` at once; without it ``pending``
  with a ``pay_url`` / ``qr_code`` the payer opens.
- ``query(out_trade_no)``: the payment's state now (``paid``, ``pending`` or ``closed``).
- ``notification(body, signature)``: the provider's callback checked (signature over the raw
  body) and read.

Each returns a :class:`ProviderAnswer`. :class:`ProviderDown` means "not now, try again with
the same payment id"; :class:`ProviderRefused` means "never" (a bad payment code).

Config (``deploy/config/billing.yaml``), per channel ``WECHAT`` / ``ALIPAY``:
``PAYMENT_<CHANNEL>_PROVIDER`` ``log`` (default) or ``http``; for ``http``
``PAYMENT_<CHANNEL>_URL``, ``PAYMENT_<CHANNEL>_MERCHANT_ID``, ``PAYMENT_<CHANNEL>_KEY``; and
``PAYMENT_NOTIFY_BASE_URL`` (the gateway's public address: the provider posts to
``{base}/api/v1/payments/notify/{channel}``), ``PAYMENT_HTTP_TIMEOUT`` (5 s).

The ``http`` protocol (an aggregator-style JSON API; a vendor's own SDK is one more
implementation of the interface): ``POST {URL}/create`` and ``POST {URL}/query`` with the body as
canonical JSON (keys sorted, no spaces, UTF-8) -- ``merchant_id``, ``channel``, ``out_trade_no``,
``amount`` (yuan, "128.50"), ``currency``, ``description``, ``auth_code`` (when given),
``notify_url``, ``expire_minutes`` for create; ``merchant_id``, ``channel``, ``out_trade_no`` for
query -- with ``X-Signature: hex(HMAC-SHA256(key, body bytes))`` and ``Idempotency-Key:
out_trade_no``. The provider answers 2xx with ``{"out_trade_no", "status", "trade_no",
"amount", "pay_url", "qr_code"}`` signed the same way (``X-Signature`` over the answer's bytes);
an answer whose signature does not verify is not believed (:class:`ProviderDown`). Its
notification is the same JSON with ``merchant_id``, signed the same way.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from decimal import Decimal

import requests
from marshmallow import ValidationError

from kernel.config import is_production
from kernel.errors import InvalidInput
from kernel.money import CURRENCY, to_wire

from ..exceptions import InvalidSignature
from ..schemas import ONLINE_METHODS, ProviderAnswerIn

log = logging.getLogger(__name__)

PAID, PENDING, CLOSED = "paid", "pending", "closed"
SIGNATURE_HEADER = "X-Signature"
#: 4xx answers that mean "not now" rather than "never"
_TEMPORARY_4XX = frozenset({408, 409, 425, 429})
_ANSWER = ProviderAnswerIn()


class ProviderError(Exception):
    """The provider did not take the request."""


class ProviderDown(ProviderError):
    """Not now (timeout, 5xx, an answer we cannot read or believe): try again, same payment id."""


class ProviderRefused(ProviderError):
    """The provider refused the payment for good (4xx)."""


@dataclass(frozen=True)
class ProviderAnswer:
    """What the provider says about one payment: ``out_trade_no`` ours, ``trade_no`` theirs."""
    out_trade_no: str
    status: str                       # paid | pending | closed
    trade_no: str | None = None
    amount: Decimal | None = None
    pay_url: str | None = None
    qr_code: str | None = None

    @property
    def pay_payload(self) -> dict | None:
        """What the payer opens or scans, if anything."""
        payload = {k: v for k, v in (("pay_url", self.pay_url), ("qr_code", self.qr_code)) if v}
        return payload or None


def sign(key: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body`` with the merchant key."""
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def canonical(body: dict) -> bytes:
    """One spelling of a request body: keys sorted, no spaces, UTF-8 (what is signed is sent)."""
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def read_answer(data) -> ProviderAnswer:
    """A provider's answer or notification, checked (``marshmallow.ValidationError`` if not one)."""
    loaded = _ANSWER.load(data)
    if loaded["status"] == PAID and (not loaded["trade_no"] or loaded["amount"] is None):
        raise ValidationError({"trade_no": ["A paid payment names its trade number and amount."]})
    return ProviderAnswer(out_trade_no=loaded["out_trade_no"], status=loaded["status"],
                          trade_no=loaded["trade_no"], amount=loaded["amount"], pay_url=loaded["pay_url"],
                          qr_code=loaded["qr_code"])


class PaymentProvider:
    """One channel's payment provider (see the module doc)."""
    name: str = ""

    def create(self, *, out_trade_no: str, amount: Decimal, description: str, auth_code: str | None = None,
               expire_minutes: int = 30) -> ProviderAnswer:  # pragma: no cover - interface
        raise NotImplementedError

    def query(self, out_trade_no: str) -> ProviderAnswer:  # pragma: no cover - interface
        raise NotImplementedError

    def notification(self, body: str, signature: str) -> ProviderAnswer:  # pragma: no cover - interface
        raise NotImplementedError


class LogPaymentProvider(PaymentProvider):
    """Development (``./wuye up``): every payment is paid at once, as if the payer had confirmed
    it in the app -- one INFO line, no money moves. Nothing stays pending with it, so a query finds
    nothing (``closed``), and it sends no notifications (one claiming to be from it is refused)."""

    def __init__(self, name: str):
        self.name = name

    def create(self, *, out_trade_no, amount, description, auth_code=None, expire_minutes=30):
        log.info("log payment provider (%s): %s paid %s yuan -- %s (no money moves)", self.name, out_trade_no,
                 to_wire(amount), description)
        return ProviderAnswer(out_trade_no=out_trade_no, status=PAID, trade_no=f"log-{self.name}-{out_trade_no}",
                              amount=amount)

    def query(self, out_trade_no):
        return ProviderAnswer(out_trade_no=out_trade_no, status=CLOSED)

    def notification(self, body, signature):
        raise InvalidSignature(f"the {self.name} log provider sends no notifications", zh="开发用支付通道不发送支付通知")


class HttpPaymentProvider(PaymentProvider):
    """The JSON-over-HTTP protocol of the module doc, signed with the merchant key."""

    def __init__(self, name: str, url: str, merchant_id: str, key: str, notify_url: str = "",
                 timeout: float = 5.0, session: requests.Session | None = None):
        if not (url and merchant_id and key):
            raise ValueError(f"PAYMENT_{name.upper()}_URL, _MERCHANT_ID and _KEY are required for the http provider")
        self.name, self.url, self.merchant_id, self.key = name, url.rstrip("/"), merchant_id, key
        self.notify_url, self.timeout = notify_url, timeout
        self.http = session or requests.Session()

    def create(self, *, out_trade_no, amount, description, auth_code=None, expire_minutes=30):
        body = {"merchant_id": self.merchant_id, "channel": self.name, "out_trade_no": out_trade_no,
                "amount": to_wire(amount), "currency": CURRENCY, "description": description,
                "notify_url": self.notify_url, "expire_minutes": expire_minutes}
        if auth_code:
            body["auth_code"] = auth_code
        return self._call("create", body)

    def query(self, out_trade_no):
        return self._call("query", {"merchant_id": self.merchant_id, "channel": self.name,
                                    "out_trade_no": out_trade_no})

    def notification(self, body, signature):
        raw = body.encode()
        if not hmac.compare_digest(sign(self.key, raw), signature or ""):
            raise InvalidSignature(f"the {self.name} notification's signature does not verify")
        try:
            data = json.loads(raw)
            answer = read_answer(data)
        except (ValueError, ValidationError) as exc:
            raise InvalidInput(f"the {self.name} notification is not one: {exc}", code="invalid_notification",
                               zh="无法识别的支付通知") from None
        if data.get("merchant_id") != self.merchant_id:
            raise InvalidInput(f"the {self.name} notification is for another merchant", code="invalid_notification",
                               zh="该支付通知属于其他商户")
        return answer

    def _call(self, action: str, body: dict) -> ProviderAnswer:
        raw = canonical(body)
        try:
            response = self.http.post(f"{self.url}/{action}", data=raw, timeout=self.timeout, headers={
                "Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: sign(self.key, raw),
                "Idempotency-Key": body["out_trade_no"]})
        except requests.RequestException as exc:     # refused, reset, timed out
            raise ProviderDown(f"{self.name} {action}: {type(exc).__name__}: {exc}") from None
        status = response.status_code
        if not 200 <= status < 300:
            detail = f"{self.name} {action}: HTTP {status}: {response.text[:300]}"
            if 400 <= status < 500 and status not in _TEMPORARY_4XX:
                raise ProviderRefused(detail)
            raise ProviderDown(detail)
        if not hmac.compare_digest(sign(self.key, response.content), response.headers.get(SIGNATURE_HEADER, "")):
            log.error("%s %s: the answer's signature does not verify -- not believed", self.name, action)
            raise ProviderDown(f"{self.name} {action}: the answer's signature does not verify")
        try:
            answer = read_answer(response.json())
        except (ValueError, ValidationError) as exc:
            raise ProviderDown(f"{self.name} {action}: unreadable answer: {exc}") from None
        if answer.out_trade_no != body["out_trade_no"]:
            raise ProviderDown(f"{self.name} {action}: the answer is about {answer.out_trade_no}")
        return answer


def providers_from_config(config: dict) -> dict[str, PaymentProvider]:
    """``{channel: provider}`` for WeChat Pay and Alipay, from the service's config."""
    base = str(config.get("PAYMENT_NOTIFY_BASE_URL") or "").rstrip("/")
    timeout = float(config.get("PAYMENT_HTTP_TIMEOUT") or 5)
    production = is_production(config)
    out: dict[str, PaymentProvider] = {}
    for name in ONLINE_METHODS:
        prefix = f"PAYMENT_{name.upper()}_"
        kind = str(config.get(prefix + "PROVIDER") or ("off" if production else "log")).strip().lower()
        if kind == "off":
            continue                    # no online payments by this channel (404 unknown_provider)
        if kind == "log":
            if production:
                # the development provider "takes" every payment and moves no money: a resident could
                # clear their arrears with it
                raise ValueError(f"{prefix}PROVIDER=log is the development provider (no money moves): "
                                 "refused with WUYE_ENV=production -- set http (with its URL, merchant id "
                                 "and key) or off")
            out[name] = LogPaymentProvider(name)
        elif kind == "http":
            out[name] = HttpPaymentProvider(
                name, str(config.get(prefix + "URL") or ""), str(config.get(prefix + "MERCHANT_ID") or ""),
                str(config.get(prefix + "KEY") or ""),
                notify_url=f"{base}/api/v1/payments/notify/{name}" if base else "", timeout=timeout)
        else:
            raise ValueError(f"unknown {prefix}PROVIDER {kind!r} (log | http | off)")
    return out
