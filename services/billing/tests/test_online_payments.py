"""WeChat Pay / Alipay: the http provider against a real local HTTP server (``stub.py``), and the
online flow -- start, confirmation by notification or query, idempotent, mismatches refused."""
import json
import logging
from decimal import Decimal

import eventlet
import pytest
from sqlalchemy import func, select

from kernel.errors import Forbidden, IdempotencyKeyReused
from kernel.testing import resident, staff
from services.billing.domain import online
from services.billing.domain.providers import (HttpPaymentProvider, LogPaymentProvider, ProviderDown, ProviderRefused,
                                               canonical, providers_from_config, sign)
from services.billing.exceptions import (AccountNotFound, AmountMismatch, DuplicateReference, InvalidSignature,
                                         PaymentNotFound, PaymentNotPending, PaymentRefused, ProviderUnavailable)
from services.billing.models import Payment, Receipt

from .stub import KEY, MERCHANT, PaymentProviderStub
from .support import DESK, FINANCE, G, PLATFORM, ZHANG, books_balance, monthly_bill, service_as


@pytest.fixture
def provider():
    with PaymentProviderStub() as stub:
        yield stub


@pytest.fixture
def providers(provider):
    return providers_from_config({**provider.config("wechat"), "PAYMENT_NOTIFY_BASE_URL": "https://wuye.example/"})


def start(session, clock, providers, caller=ZHANG, unit_id="u1", amount="300.00", key="k-1", **extra):
    return service_as(session, clock, caller, providers).start_online_payment(
        unit_id, {"method": "wechat", "amount": amount, **extra}, idempotency_key=key)


def notify(session, clock, providers, body, signature):
    return service_as(session, clock, PLATFORM, providers).confirm_online_payment("wechat", body, signature)


def count(session, model):
    return session.scalar(select(func.count(model.id)))


# -- the http provider ----------------------------------------------------------------------------

def test_create_is_signed_and_names_our_payment_id_as_the_idempotency_reference(provider):
    http = HttpPaymentProvider("wechat", provider.url, MERCHANT, KEY, notify_url="https://w.example/api/v1/payments/notify/wechat")
    answer = http.create(out_trade_no="pay-1", amount=Decimal("128.50"), description="物业费 1栋-0101",
                         expire_minutes=30)
    assert (answer.status, answer.trade_no, answer.pay_payload) == (
        "pending", None, {"pay_url": "weixin://wxpay/bizpayurl?pr=pay-1"})
    [request] = provider.requests
    assert (request["method"], request["path"], request["idempotency_key"]) == ("POST", "/pay/create", "pay-1")
    assert request["headers"]["x-signature"] == sign(KEY, request["body"])
    assert request["body"] == canonical(request["json"])                      # what is signed is sent
    assert request["json"] == {"merchant_id": MERCHANT, "channel": "wechat", "out_trade_no": "pay-1",
                               "amount": "128.50", "currency": "CNY", "description": "物业费 1栋-0101",
                               "notify_url": "https://w.example/api/v1/payments/notify/wechat",
                               "expire_minutes": 30}
    # a retried create charges nothing twice; the provider answers the first payment
    provider.pay("pay-1")
    again = http.create(out_trade_no="pay-1", amount=Decimal("128.50"), description="物业费 1栋-0101")
    assert (again.status, again.trade_no, again.amount) == ("paid", "4200000000001", Decimal("128.50"))
    assert provider.charged == ["pay-1"]
    assert http.query("pay-1") == again


@pytest.mark.parametrize("answer, error", [
    ((400, {"error": "invalid auth_code"}, 0), ProviderRefused),
    ((404, {"error": "no"}, 0), ProviderRefused),
    ((429, {"error": "slow down"}, 0), ProviderDown),
    ((503, {"error": "busy"}, 0), ProviderDown),
    ((200, b'{"out_trade_no": "pay-1", "status": "paid"}', 0), ProviderDown),      # unsigned
    ((200, {"out_trade_no": "pay-2", "status": "pending"}, 0), ProviderDown),      # about another payment
    ((200, {"out_trade_no": "pay-1", "status": "paid", "amount": "1.00"}, 0), ProviderDown),   # no trade no
    ((200, {"out_trade_no": "pay-1", "status": "refunded"}, 0), ProviderDown),
])
def test_what_the_provider_answers_is_believed_only_when_signed_and_sound(provider, answer, error):
    provider.answers.append(answer)
    with pytest.raises(error):
        HttpPaymentProvider("wechat", provider.url, MERCHANT, KEY).create(
            out_trade_no="pay-1", amount=Decimal("1.00"), description="x")


def test_an_answer_signed_with_another_key_is_not_believed(provider):
    forged = canonical({"out_trade_no": "pay-1", "status": "paid", "trade_no": "T1", "amount": "1.00"})
    provider.respond = lambda request: (200, forged, {"X-Signature": sign("another key", forged)})
    with pytest.raises(ProviderDown, match="signature"):
        HttpPaymentProvider("wechat", provider.url, MERCHANT, KEY).query("pay-1")


def test_timeouts_and_refused_connections_are_provider_down(provider):
    provider.answers.append((200, {"out_trade_no": "pay-1", "status": "pending"}, 1.0))
    with pytest.raises(ProviderDown, match="Timeout"):
        HttpPaymentProvider("wechat", provider.url, MERCHANT, KEY, timeout=0.2).query("pay-1")
    closed = eventlet.listen(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(ProviderDown, match="ConnectionError"):
        HttpPaymentProvider("wechat", f"http://127.0.0.1:{port}/pay", MERCHANT, KEY).query("pay-1")


def test_the_config_picks_the_providers():
    assert {name: type(p) for name, p in providers_from_config({}).items()} == {
        "wechat": LogPaymentProvider, "alipay": LogPaymentProvider}
    http = providers_from_config({"PAYMENT_ALIPAY_PROVIDER": "http", "PAYMENT_ALIPAY_URL": "https://pay.example/v1/",
                                  "PAYMENT_ALIPAY_MERCHANT_ID": "m", "PAYMENT_ALIPAY_KEY": "k",
                                  "PAYMENT_NOTIFY_BASE_URL": "https://wuye.example", "PAYMENT_HTTP_TIMEOUT": "3"})
    alipay = http["alipay"]
    assert (alipay.url, alipay.timeout, alipay.notify_url) == (
        "https://pay.example/v1", 3.0, "https://wuye.example/api/v1/payments/notify/alipay")
    with pytest.raises(ValueError, match="KEY"):
        providers_from_config({"PAYMENT_WECHAT_PROVIDER": "http", "PAYMENT_WECHAT_URL": "https://x"})
    with pytest.raises(ValueError):
        providers_from_config({"PAYMENT_WECHAT_PROVIDER": "carrier-pigeon"})


# -- the online flow ------------------------------------------------------------------------------

def test_a_resident_pays_online_confirmed_by_the_provider_s_notification_once(session, clock, estate, as_,
                                                                                provider, providers, caplog):
    bill = monthly_bill(as_(PLATFORM), estate["u1"], "300.00", "2026-11")
    started = start(session, clock, providers)
    assert (started["status"], started["receipt"], started["method"]) == ("pending", None, "wechat")
    assert started["pay"] == {"pay_url": f"weixin://wxpay/bizpayurl?pr={started['id'][:8]}"}
    assert provider.requests[0]["json"]["out_trade_no"] == started["id"]
    assert provider.requests[0]["json"]["expire_minutes"] == 30
    assert started["id"] == online.payment_id_for("zhangwei", "k-1")

    provider.pay(started["id"])
    body, signature = provider.notification(started["id"])
    assert notify(session, clock, providers, body, signature) == {"payment_id": started["id"], "status": "received"}
    paid = service_as(session, clock, ZHANG, providers).get_payment(started["id"])
    assert (paid["status"], paid["reference"], paid["pay"]) == ("received", "4200000000001", None)
    assert paid["receipt"]["number"] == "SJ00000001" and paid["receipt"]["method"] == "wechat"
    assert paid["receipt"]["lines"][0]["bill"] == bill.number
    assert paid["account"]["balance_due"] == "0.00"
    # the provider sends it again (it does, until it hears 200): one payment, one receipt
    assert notify(session, clock, providers, body, signature)["status"] == "received"
    assert (count(session, Payment), count(session, Receipt)) == (1, 1)
    books_balance(session, estate["u1"].id)
    # the retried start answers what it answered
    assert start(session, clock, providers) == started
    with pytest.raises(IdempotencyKeyReused):
        start(session, clock, providers, amount="299.00")


def test_a_confirmation_that_does_not_match_is_refused_and_logged(session, clock, estate, provider, providers,
                                                                  caplog):
    one = start(session, clock, providers, key="k-1")
    two = start(session, clock, providers, key="k-2", amount="50.00")
    provider.pay(one["id"])
    provider.pay(two["id"])
    body, signature = provider.notification(one["id"])
    with pytest.raises(InvalidSignature):
        notify(session, clock, providers, body, signature[:-1] + "0")
    with pytest.raises(InvalidSignature):
        notify(session, clock, providers, body.replace("300.00", "3.00"), signature)      # tampered
    with caplog.at_level(logging.WARNING, logger="services.billing.domain.online"):
        with pytest.raises(AmountMismatch):
            notify(session, clock, providers, *provider.notification(one["id"], amount="3.00"))
    assert "confirmed 3.00, the payment is for 300.00" in caplog.text
    assert session.get(Payment, one["id"]).status == "pending"
    # a trade number is one payment's: payment two cannot carry one's
    notify(session, clock, providers, body, signature)
    with pytest.raises(DuplicateReference):
        notify(session, clock, providers, *provider.notification(two["id"], trade_no="4200000000001"))
    with pytest.raises(PaymentNotFound):
        notify(session, clock, providers, *provider.notification(two["id"], out_trade_no="no-such"))
    with pytest.raises(PaymentNotPending):                  # one was paid by another trade already
        notify(session, clock, providers, *provider.notification(one["id"], trade_no="4200000000099"))


def test_a_scanned_payment_code_is_paid_at_once_and_a_retry_charges_nothing_twice(session, clock, estate,
                                                                                 provider, providers):
    """The first attempt's transaction is lost after the provider took the money (a crash before the
    commit); the retry with the same key asks for the same payment and records it once."""
    code = {"auth_code": "134567890123456789"}
    start(session, clock, providers, caller=DESK, key="desk-9", **code)
    session.rollback()
    assert count(session, Payment) == 0 and len(provider.charged) == 1
    paid = start(session, clock, providers, caller=DESK, key="desk-9", **code)
    assert (paid["status"], paid["receipt"]["number"]) == ("received", "SJ00000001")
    assert provider.charged == [paid["id"]] and provider.requests[-1]["json"]["auth_code"] == code["auth_code"]
    assert start(session, clock, providers, caller=DESK, key="desk-9", **code) == paid


def test_the_query_job_settles_what_stays_pending(session, clock, estate, provider, providers, as_):
    paid_late = start(session, clock, providers, key="k-1")
    closed = start(session, clock, providers, key="k-2", amount="20.00")
    clock.advance(minutes=3)
    fresh = start(session, clock, providers, key="k-3", amount="30.00")
    provider.pay(paid_late["id"])
    provider.pay(fresh["id"])
    provider.close_trade(closed["id"])
    clock.advance(minutes=3)                                  # 6 minutes for two, 3 for the fresh one
    asked = len(provider.requests)
    online.run_query(as_(PLATFORM), None, providers=providers)
    assert len(provider.requests) == asked + 2
    assert session.get(Payment, paid_late["id"]).status == "received"
    assert (session.get(Payment, closed["id"]).status, session.get(Payment, closed["id"]).failure) == (
        "failed", "closed at the provider (query job)")
    assert session.get(Payment, fresh["id"]).status == "pending"
    # the payer says they paid: asked now, whatever its age
    refreshed = service_as(session, clock, ZHANG, providers).refresh_payment(fresh["id"], idempotency_key="r1")
    assert refreshed["status"] == "received" and refreshed["receipt"]["number"] == "SJ00000002"
    # a payment the provider reports paid after it was closed is recorded: the money is there
    provider.pay(closed["id"])
    late = service_as(session, clock, ZHANG, providers).refresh_payment(closed["id"])
    assert (late["status"], late["failure"], late["receipt"]["number"]) == ("received", None, "SJ00000003")


def test_the_query_job_leaves_what_it_cannot_settle_now(session, clock, estate, provider, providers, as_):
    one = start(session, clock, providers, key="k-1")
    two = start(session, clock, providers, key="k-2", amount="20.00")
    provider.pay(two["id"])
    clock.advance(minutes=10)
    provider.answers.append((503, {"error": "busy"}, 0))     # the first question fails
    online.run_query(as_(PLATFORM), None, providers=providers)
    assert session.get(Payment, one["id"]).status == "pending"
    assert session.get(Payment, two["id"]).status == "received"


def test_refusals_of_the_start(session, clock, estate, provider, providers):
    with pytest.raises(AccountNotFound):
        start(session, clock, providers, unit_id="u2")                     # not the household's unit
    with pytest.raises(Forbidden):
        start(session, clock, providers, caller=staff_without_till(), key="k-s")
    provider.answers.append((503, {"error": "busy"}, 0))
    with pytest.raises(ProviderUnavailable):
        start(session, clock, providers, key="k-down")
    session.rollback()
    assert count(session, Payment) == 0
    provider.answers.append((400, {"error": "auth_code expired"}, 0))
    with pytest.raises(PaymentRefused):
        start(session, clock, providers, caller=DESK, key="k-bad", auth_code="134567890123456789")
    session.rollback()
    paid = start(session, clock, providers, caller=FINANCE, key="k-ok", amount="10.00")
    with pytest.raises(PaymentNotFound):
        service_as(session, clock, resident(G, ["u2"]), providers).get_payment(paid["id"])


def staff_without_till():
    return staff(G, ["p1"], roles=["engineering"], user_id="eng-1")


def test_the_log_provider_pays_at_once_for_development(session, clock, estate):
    paid = start(session, clock, providers_from_config({}))
    assert paid["status"] == "received" and paid["reference"] == f"log-wechat-{paid['id']}"
    with pytest.raises(InvalidSignature):
        notify(session, clock, providers_from_config({}), json.dumps({"out_trade_no": paid["id"]}), "sig")


def test_production_never_runs_the_development_payment_provider():
    """The log provider takes every payment and moves no money: refused in production, where a channel
    with nothing configured is off (no online payments by it) rather than the log provider."""
    from services.billing.domain.providers import LogPaymentProvider, providers_from_config
    assert {k: type(v) for k, v in providers_from_config({}).items()} == {
        "wechat": LogPaymentProvider, "alipay": LogPaymentProvider}
    assert providers_from_config({"WUYE_ENV": "production"}) == {}
    with pytest.raises(ValueError, match="development provider"):
        providers_from_config({"WUYE_ENV": "production", "PAYMENT_WECHAT_PROVIDER": "log"})
