"""Every outbound channel behind one interface, each against a real local server: e-mail through
a real SMTP server (aiosmtpd, ``kernel.testing.SmtpSink``), WeChat template messages and signed
SMS through real local HTTP servers (``kernel.testing.HttpStub``); then the sender sending a
receipt to a payer by SMS, e-mail and WeChat, recording each delivery's status and the
provider's answer; and the resident's WeChat binding."""
from __future__ import annotations

import json
from datetime import timedelta
from email import policy
from email.parser import BytesParser

import pytest
from sqlalchemy import select

from kernel.errors import Forbidden
from kernel.testing import SmtpSink, domain_session, resident, staff
from services.notify import schemas
from services.notify.domain import bills, copies, sending, wechat
from services.notify.exceptions import PersonNotFound, ResidentsOnly, UnitNotFound
from services.notify.models import Base, Contact, Delivery
from services.notify.providers import (EMAIL, SMS, WECHAT, ChannelProvider, HttpSmsProvider, LogProvider, Outgoing,
                                       Rejected, SmtpEmailProvider, TemporaryError, WeChatProvider,
                                       providers_from_config, sign_body)
from services.notify.tests.stub import SigningSmsGatewayStub, WeChatStub
from services.notify.tests.test_bills import RECEIPT
from services.notify.tests.test_domain import G, OWNER, TENANT, clock, estate, household_event, work  # noqa: F401

SUBJECT = "收据 SJ00000007：绿湖花园物业费"
BODY = "【绿湖花园】1栋-0101 已收到您缴纳的 268.38 元，收据号 SJ00000007。谢谢！\n物业服务中心"
OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz1"


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def email(delivery_id="d-1", to="zhang@example.com", subject=SUBJECT, text=BODY):
    return Outgoing(delivery_id, EMAIL, to, text, subject, sending.email_html(text))


def smtp(sink: SmtpSink, **over) -> SmtpEmailProvider:
    options = dict(sender="wuye@lvhu.example", sender_name="绿湖物业", starttls=False, timeout=5)
    options.update(over)
    return SmtpEmailProvider(sink.host, sink.port, **options)


# -- e-mail over SMTP ---------------------------------------------------------------------

def test_a_chinese_e_mail_reaches_the_smtp_server_encoded_and_named_by_its_delivery(smtp_sink):
    provider = smtp(smtp_sink)
    message_id = provider.send(email("d-1"))
    assert message_id == "<d-1@lvhu.example>"
    assert message_id.answer.startswith("SMTP 250") and "queued as 1" in message_id.answer
    [mail] = smtp_sink.wait_for(1)
    assert smtp_sink.envelopes() == [{"mail_from": "wuye@lvhu.example", "rcpt_tos": ["zhang@example.com"]}]
    # what went over the wire is 7-bit: the subject RFC 2047-encoded, the parts UTF-8 in a transfer encoding
    [raw] = smtp_sink.raw()
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert all(byte < 128 for byte in raw)
    assert b"Subject: =?utf-8?" in head and "收据".encode() not in raw
    assert mail["Message-ID"] == "<d-1@lvhu.example>" and mail["X-Wuye-Delivery"] == "d-1"
    # decoded, it says what we wrote
    assert mail["Subject"] == SUBJECT
    assert mail["From"].addresses[0].display_name == "绿湖物业"
    assert mail["To"] == "zhang@example.com"
    text = mail.get_body(("plain",))
    assert text.get_content_charset() == "utf-8" and text.get_content().rstrip("\n") == BODY
    html = mail.get_body(("html",)).get_content()
    assert "1栋-0101 已收到您缴纳的 268.38 元" in html and "<br>" in html


def test_the_html_part_escapes_what_it_says():
    assert "&lt;script&gt;" in sending.email_html("<script>alert(1)</script>")
    assert "<script>" not in sending.email_html("<script>alert(1)</script>")


def test_smtp_credentials_are_given_when_configured():
    with SmtpSink(auth=("mailer", "s3cret")) as sink:
        with pytest.raises(TemporaryError, match="SMTP 530|SMTP 535"):
            smtp(sink).send(email("d-0"))                         # no AUTH: refused
        with pytest.raises(TemporaryError, match="SMTP 535"):
            smtp(sink, username="mailer", password="wrong").send(email("d-1"))
        assert sink.raw() == []
        smtp(sink, username="mailer", password="s3cret").send(email("d-2"))
        assert [m["Message-ID"] for m in sink.wait_for(1)] == ["<d-2@lvhu.example>"]


def test_a_4xx_is_temporary_and_a_5xx_is_a_rejection(smtp_sink):
    provider = smtp(smtp_sink)
    smtp_sink.answer("451 4.3.0 mailbox busy, try later", "550 5.1.1 no such user here")
    with pytest.raises(TemporaryError, match="SMTP 451"):
        provider.send(email("d-1"))
    with pytest.raises(Rejected, match="SMTP 550"):
        provider.send(email("d-2"))
    assert smtp_sink.raw() == []
    with pytest.raises(Rejected, match="ASCII"):
        provider.send(email("d-3", to="张伟@例子.中国"))


def test_no_smtp_server_is_temporary():
    sink = SmtpSink()
    host, port = sink.host, sink.port
    sink.close()
    with pytest.raises(TemporaryError):
        SmtpEmailProvider(host, port, sender="wuye@lvhu.example", starttls=False, timeout=2).send(email())


def test_starttls_is_asked_for_by_default(smtp_sink):
    # the sink offers no STARTTLS: a provider that requires it does not send in the clear
    with pytest.raises(TemporaryError, match="STARTTLS"):
        SmtpEmailProvider(smtp_sink.host, smtp_sink.port, sender="wuye@lvhu.example", timeout=5).send(email())
    assert smtp_sink.raw() == []


# -- WeChat template messages ------------------------------------------------------------

@pytest.fixture
def wechat_api():
    stub = WeChatStub()
    yield stub
    stub.close()


class Monotonic:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def wechat_provider(api: WeChatStub, now=None) -> WeChatProvider:
    return WeChatProvider(api.token_url, api.send_url, appid="wx-app", secret="wx-secret", template_id="TPL-1",
                          timeout=5, margin=300, now=now or Monotonic())


def wx(delivery_id: str) -> Outgoing:
    return Outgoing(delivery_id, WECHAT, OPENID, BODY, SUBJECT)


def test_the_token_is_fetched_once_for_many_sends_and_the_delivery_id_is_the_client_msg_id(wechat_api):
    provider = wechat_provider(wechat_api)
    ids = [provider.send(wx(f"d-{i}")) for i in range(3)]
    assert ids == ["1001", "1002", "1003"] and '"errcode": 0' in ids[0].answer
    assert wechat_api.tokens_issued == 1 == provider.tokens_fetched
    assert [m["client_msg_id"] for m in wechat_api.delivered] == ["d-0", "d-1", "d-2"]
    first = wechat_api.delivered[0]
    assert (first["touser"], first["template_id"]) == (OPENID, "TPL-1")
    assert first["data"]["first"]["value"] == SUBJECT and first["data"]["keyword1"]["value"] == BODY
    # the same delivery again (after a crash): the first msgid, nothing delivered twice
    assert provider.send(wx("d-1")) == "1002" and len(wechat_api.delivered) == 3


def test_the_token_is_fetched_again_shortly_before_it_expires(wechat_api):
    now = Monotonic()
    provider = wechat_provider(wechat_api, now)
    provider.send(wx("d-1"))
    now.t += 7200 - 300 - 1                   # still inside its life minus the margin
    provider.send(wx("d-2"))
    assert wechat_api.tokens_issued == 1
    now.t += 2                                # within the margin of its end: a new one first
    provider.send(wx("d-3"))
    assert wechat_api.tokens_issued == 2
    sends = [r for r in wechat_api.requests if r["path"].endswith("/send")]
    assert [r["query"] for r in sends] == ["access_token=token-1", "access_token=token-1",
                                           "access_token=token-2"]


def test_a_token_the_api_calls_invalid_is_replaced_and_the_message_sent_once(wechat_api):
    provider = wechat_provider(wechat_api)
    provider.send(wx("d-1"))
    wechat_api.expire_tokens()                # revoked early (another server fetched a new one)
    assert provider.send(wx("d-2")) == "1002"
    assert wechat_api.tokens_issued == 2 and len(wechat_api.delivered) == 2
    wechat_api.errcodes = [42001, 42001]      # expired, and expired again after the new token
    with pytest.raises(TemporaryError, match="42001"):
        provider.send(wx("d-3"))
    assert wechat_api.tokens_issued == 3


@pytest.mark.parametrize("errcode, error", [
    (-1, TemporaryError), (45009, TemporaryError),                  # busy, rate limit: later
    (43004, Rejected), (40003, Rejected), (40037, Rejected),        # unsubscribed, bad openid, bad template
])
def test_wechat_errcodes_are_temporary_or_rejections(wechat_api, errcode, error):
    wechat_api.errcodes = [errcode]
    with pytest.raises(error, match=f"errcode {errcode}"):
        wechat_provider(wechat_api).send(wx("d-1"))
    assert wechat_api.delivered == []


def test_a_wrong_appid_gets_no_token_and_sends_nothing(wechat_api):
    provider = WeChatProvider(wechat_api.token_url, wechat_api.send_url, appid="wx-other", secret="x",
                              template_id="TPL-1")
    with pytest.raises(TemporaryError, match="40013"):
        provider.send(wx("d-1"))
    assert wechat_api.delivered == [] and wechat_api.tokens_issued == 0


# -- SMS: the signed request ----------------------------------------------------------------

def test_the_sms_gateway_receives_a_valid_signature_and_the_delivery_id_as_idempotency_key():
    stub = SigningSmsGatewayStub("sign-key")
    try:
        provider = HttpSmsProvider(stub.url, api_key="api-key", signing_key="sign-key", sign="绿湖物业",
                                   now=lambda: 1764140000)
        message_id = provider.send(Outgoing("delivery-9", SMS, "13812345678", "您好"))
        assert message_id == "msg-1" and message_id.answer.startswith("HTTP 200")
        [request] = stub.requests
        assert stub.signatures == [True]
        assert request["idempotency_key"] == "delivery-9" and request["json"]["ref"] == "delivery-9"
        assert request["headers"]["x-timestamp"] == "1764140000"
        assert request["headers"]["x-signature"] == sign_body("sign-key", "1764140000", request["body"])
        # signed with another key: the gateway refuses it, for good
        with pytest.raises(Rejected, match="HTTP 401"):
            HttpSmsProvider(stub.url, api_key="api-key", signing_key="stolen").send(
                Outgoing("delivery-10", SMS, "13812345678", "您好"))
        assert stub.signatures == [True, False] and len(stub.delivered) == 1
    finally:
        stub.close()


def test_without_a_signing_key_the_api_key_signs():
    stub = SigningSmsGatewayStub("api-key")
    try:
        provider = providers_from_config({"SMS_PROVIDER": "http", "SMS_HTTP_URL": stub.url,
                                          "SMS_API_KEY": "api-key"})[SMS]
        provider.send("13812345678", "您好", "d-1")        # the three-argument form of before
        assert stub.signatures == [True]
    finally:
        stub.close()


def test_providers_from_config(tmp_path):
    providers = providers_from_config({"EMAIL_LOG_PATH": str(tmp_path / "e.log"),
                                       "WECHAT_LOG_PATH": str(tmp_path / "w.log")})
    assert sorted(providers) == [EMAIL, SMS, WECHAT]
    assert all(isinstance(p, ChannelProvider) for p in providers.values())
    smtp_provider = providers_from_config({"EMAIL_PROVIDER": "smtp", "EMAIL_SMTP_HOST": "mail.example",
                                           "EMAIL_FROM": "wuye@lvhu.example"})[EMAIL]
    assert (smtp_provider.port, smtp_provider.starttls, smtp_provider.use_ssl) == (587, True, False)
    ssl_provider = providers_from_config({"EMAIL_PROVIDER": "smtp", "EMAIL_SMTP_HOST": "mail.example",
                                          "EMAIL_SMTP_SSL": "true", "EMAIL_FROM": "wuye@lvhu.example"})[EMAIL]
    assert (ssl_provider.port, ssl_provider.use_ssl) == (465, True)
    for bad in ({"EMAIL_PROVIDER": "smtp", "EMAIL_FROM": "wuye@lvhu.example"},
                {"EMAIL_PROVIDER": "smtp", "EMAIL_SMTP_HOST": "mail.example"},
                {"EMAIL_PROVIDER": "fax"}, {"WECHAT_PROVIDER": "http"}, {"WECHAT_PROVIDER": "pigeon"}):
        with pytest.raises(ValueError):
            providers_from_config(bad)


# -- the sender: a receipt to a payer on every channel, status and the provider's answer -------

def reachable_tenant(session, clock):
    """The tenant (pe2) has an e-mail address (archive's) and binds a WeChat openid."""
    wechat.bind_wechat(work(session, clock, resident(G, ["u1"])), "u1", "pe2", OPENID)
    session.commit()


def receipt_deliveries(session, clock, event_id="ev-1", data=RECEIPT):
    made = bills.on_receipt_issued(work(session, clock), schemas.ReceiptIssuedIn().load(data), event_id=event_id,
                                   group_id=G, project_id="p1")
    session.commit()
    return {(n.recipient, d.channel): d for n in made for d in n.deliveries}


def test_a_receipt_goes_to_a_payer_by_sms_e_mail_and_wechat_with_each_status_recorded(
        session, clock, estate, smtp_sink, wechat_api, tmp_path):
    reachable_tenant(session, clock)
    deliveries = receipt_deliveries(session, clock)
    assert sorted(deliveries) == [("pe1", "sms"), ("pe2", "email"), ("pe2", "sms"), ("pe2", "wechat"),
                                  ("u1", "inapp")]
    mail, wx_delivery = deliveries[("pe2", "email")], deliveries[("pe2", "wechat")]
    assert (mail.address, mail.status, wx_delivery.address, wx_delivery.status) == (
        "john@example.com", "pending", OPENID, "pending")
    assert mail.subject == "[绿湖花园] Receipt SJ00000007"           # the tenant reads English
    out = schemas.NotificationOut().dump(mail.notification)
    assert {d["channel"]: d["address"] for d in out["deliveries"]} == {
        "email": "***@example.com", "sms": "139****4321", "wechat": "oAbC****xYz1"}

    smtp_sink.answer("451 4.7.1 greylisted, try again later")
    providers = {SMS: LogProvider(tmp_path / "sms.log", SMS), EMAIL: smtp(smtp_sink),
                 WECHAT: wechat_provider(wechat_api)}
    policy = sending.SmsPolicy(max_attempts=3, retry_base=30, retry_max=3600)
    done = sending.send_due(work(session, clock), providers, policy, between=session.commit)
    session.commit()
    assert {(d.channel, d.status) for d in done} == {("sms", "sent"), ("email", "pending"), ("wechat", "sent")}
    assert (mail.attempts, mail.last_error, mail.provider_answer) == (
        1, "SMTP 451: 4.7.1 greylisted, try again later", "SMTP 451: 4.7.1 greylisted, try again later")
    assert mail.next_attempt_at == clock.now() + timedelta(seconds=30)
    assert (wx_delivery.provider_message_id, json.loads(wx_delivery.provider_answer)["errcode"]) == ("1001", 0)
    assert wechat_api.delivered[0]["client_msg_id"] == wx_delivery.id

    clock.advance(seconds=30)                             # the retry comes due: the SMTP server takes it
    [again] = sending.send_due(work(session, clock), providers, policy, between=session.commit)
    session.commit()
    assert (again.id, again.status, again.attempts, again.last_error) == (mail.id, "sent", 2, None)
    assert again.provider_message_id == f"<{mail.id}@lvhu.example>" and again.provider_answer.startswith("SMTP 250")
    [received] = smtp_sink.wait_for(1)
    assert (received["Subject"], received["Message-ID"]) == ("[绿湖花园] Receipt SJ00000007",
                                                            f"<{mail.id}@lvhu.example>")
    assert "We received 268.38 yuan, receipt SJ00000007" in received.get_body(("plain",)).get_content()
    assert sending.send_due(work(session, clock), providers, policy) == []


def test_a_rejected_e_mail_fails_at_once_with_the_servers_answer(session, clock, estate, smtp_sink, tmp_path):
    deliveries = receipt_deliveries(session, clock)
    mail = deliveries[("pe2", "email")]
    smtp_sink.answer("550 5.1.1 <john@example.com>: mailbox unavailable")
    policy = sending.SmsPolicy(max_attempts=3)
    sending.send_due(work(session, clock), {EMAIL: smtp(smtp_sink)}, policy)
    assert (mail.status, mail.attempts, mail.last_error, mail.provider_answer) == (
        "failed", 1, "rejected: SMTP 550: 5.1.1 <john@example.com>: mailbox unavailable",
        "SMTP 550: 5.1.1 <john@example.com>: mailbox unavailable")
    # only the channels with a provider were claimed: the SMS are still waiting
    assert {d.status for d in session.scalars(select(Delivery).where(Delivery.channel == "sms"))} == {"pending"}


def test_without_an_address_a_channel_is_not_used(session, clock, estate):
    deliveries = receipt_deliveries(session, clock)
    assert ("pe1", "email") not in deliveries and ("pe1", "wechat") not in deliveries   # none on file
    assert ("pe2", "wechat") not in deliveries                                         # not bound


# -- binding a WeChat openid -------------------------------------------------------------------

def test_a_resident_binds_their_openid_masked_and_it_survives_a_newer_household(session, clock, estate):
    out = wechat.bind_wechat(work(session, clock, resident(G, ["u1"])), "u1", "pe2", OPENID)
    assert out == {"unit_id": "u1", "person_id": "pe2", "bound": True, "openid": "oAbC****xYz1"}
    copies.upsert_household(work(session, clock), household_event([OWNER, dict(TENANT, phone="13900000000")],
                                                                     version=2))
    session.flush()
    tenant = session.scalars(select(Contact).where(Contact.person_id == "pe2")).one()
    assert (tenant.phone, tenant.wechat_openid) == ("13900000000", OPENID)
    out = wechat.bind_wechat(work(session, clock, resident(G, ["u1"])), "u1", "pe2", None)
    assert out["bound"] is False and out["openid"] is None
    assert session.scalars(select(Contact.wechat_openid).where(Contact.person_id == "pe2")).one() is None


def test_only_a_resident_of_the_unit_binds_a_person_of_its_household(session, clock, estate):
    with pytest.raises(UnitNotFound):
        wechat.bind_wechat(work(session, clock, resident(G, ["u2"])), "u1", "pe2", OPENID)
    with pytest.raises(UnitNotFound):
        wechat.bind_wechat(work(session, clock, resident("group-2", ["u1"])), "u1", "pe2", OPENID)
    with pytest.raises(PersonNotFound):
        wechat.bind_wechat(work(session, clock, resident(G, ["u1"])), "u1", "pe-elsewhere", OPENID)
    with pytest.raises(ResidentsOnly) as refused:
        wechat.bind_wechat(work(session, clock, staff(G, ["p1"], roles=["steward"])), "u1", "pe2", OPENID)
    assert isinstance(refused.value, Forbidden)
    assert session.scalars(select(Contact.wechat_openid).where(Contact.wechat_openid.is_not(None))).all() == []


def test_an_openid_is_bound_to_one_person_of_the_group(session, clock, estate):
    """Trial 10, finding 16: binding an openid already bound to another person is 409 openid_already_bound
    (nothing changed); binding it again to the same person is fine; once unbound there it may move."""
    from services.notify.exceptions import OpenidAlreadyBound
    me = resident(G, ["u1"])
    wechat.bind_wechat(work(session, clock, me), "u1", "pe2", OPENID)
    with pytest.raises(OpenidAlreadyBound) as taken:
        wechat.bind_wechat(work(session, clock, me), "u1", "pe1", OPENID)
    assert taken.value.code == "openid_already_bound"
    assert session.scalars(select(Contact.wechat_openid).where(Contact.person_id == "pe1")).one() is None
    assert wechat.bind_wechat(work(session, clock, me), "u1", "pe2", OPENID)["bound"] is True
    wechat.bind_wechat(work(session, clock, me), "u1", "pe2", None)
    assert wechat.bind_wechat(work(session, clock, me), "u1", "pe1", OPENID)["bound"] is True


def test_the_binding_schema_refuses_what_is_not_an_openid():
    load = schemas.WechatBindingIn().load
    assert load({"unit_id": "u1", "person_id": "pe2", "openid": OPENID})["openid"] == OPENID
    assert load({"unit_id": "u1", "person_id": "pe2", "openid": None})["openid"] is None
    from marshmallow import ValidationError
    for bad in ("x", "o" * 65, "oAbC DEF ghij", "<script>"):
        with pytest.raises(ValidationError):
            load({"unit_id": "u1", "person_id": "pe2", "openid": bad})


def test_raw_mail_parses_back_with_the_standard_library(smtp_sink):
    """The sink's messages are what any mail client gets: parsed by the standard library alone."""
    smtp(smtp_sink).send(email("d-7", subject="二次催费通知书：1栋-0101"))
    smtp_sink.wait_for(1)
    parsed = BytesParser(policy=policy.default).parsebytes(smtp_sink.raw()[0])
    assert parsed["Subject"] == "二次催费通知书：1栋-0101"


# -- in a real container on the real broker: receipt.issued → SMTP server and WeChat API -------

def test_notify_sends_a_receipt_by_e_mail_and_wechat_to_real_local_servers(
        container_factory, rabbit_config, tmp_path, rpc, smtp_sink, wechat_api):
    from nameko.exceptions import RemoteError

    from kernel.testing import daytime_clock, migrated_sqlite, publish_event, service_config, wait_for
    from services.notify.service import NotifyService
    from services.notify.tests.test_service import publish_registry

    amqp = rabbit_config["AMQP_URI"]
    container = container_factory(NotifyService, service_config(
        amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="log", SMS_LOG_PATH=str(tmp_path / "sms.log"),
        EMAIL_PROVIDER="smtp", EMAIL_SMTP_HOST=smtp_sink.host, EMAIL_SMTP_PORT=smtp_sink.port,
        EMAIL_SMTP_STARTTLS="false", EMAIL_FROM="wuye@lvhu.example", EMAIL_FROM_NAME="绿湖物业",
        WECHAT_PROVIDER="http", WECHAT_TOKEN_URL=wechat_api.token_url, WECHAT_SEND_URL=wechat_api.send_url,
        WECHAT_APPID="wx-app", WECHAT_SECRET="wx-secret", WECHAT_TEMPLATE_ID="TPL-1",
        SMS_SEND_INTERVAL=0.1, SMS_RETRY_BASE=0.2,
        # real time passes (the retry), at 10:00 in Shanghai: the quiet hours do not hold the WeChat message
        CLOCK=daytime_clock(tmp_path / "clock.json")))
    container.start()
    publish_registry(amqp)
    owner_with_mail = {"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                       "email": "zhang.wei@example.com", "locale": "zh-CN"}
    publish_event(amqp, "archive", "household.changed", {
        "household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
        "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 2, "people": [owner_with_mail]},
        group_id=G, project_id="p1")
    me = resident(G, ["u1"], user_id="res-1")

    def bind():
        try:
            return rpc.call(me, "notify", "bind_wechat", "u1", "pe1", OPENID, idempotency_key="bind-1")
        except RemoteError as exc:           # the household's copy has not arrived yet
            if "person_not_found" in str(exc) or "unit_not_found" in str(exc):
                return None
            raise

    bound = wait_for(bind, timeout=20, message="the household copied, the openid bound")
    assert bound == {"unit_id": "u1", "person_id": "pe1", "bound": True, "openid": "oAbC****xYz1"}
    assert rpc.call(me, "notify", "bind_wechat", "u1", "pe1", OPENID, idempotency_key="bind-1") == bound
    with pytest.raises(RemoteError, match="residents_only"):
        rpc.call(staff(G, ["p1"], roles=["steward"]), "notify", "bind_wechat", "u1", "pe1", OPENID,
                 idempotency_key="bind-2")

    wechat_api.errcodes = [-1]                   # WeChat busy once: retried after the backoff
    publish_event(amqp, "billing", "receipt.issued", RECEIPT, group_id=G, project_id="p1")
    [mail] = smtp_sink.wait_for(1, timeout=20)
    assert mail["Subject"] == "【绿湖花园】收据 SJ00000007" and mail["To"] == "zhang.wei@example.com"
    assert "已收到您缴纳的 268.38 元，收据号 SJ00000007" in mail.get_body(("plain",)).get_content()
    wait_for(lambda: wechat_api.delivered, timeout=20, message="the WeChat message after its retry")
    [sent] = wechat_api.delivered
    assert sent["touser"] == OPENID and sent["data"]["first"]["value"] == "收据 SJ00000007"
    assert mail["Message-ID"] == f"<{mail['X-Wuye-Delivery']}@lvhu.example>"

    def statuses():
        from kernel.testing import database_of
        with database_of(container).Session() as s:
            return {d.channel: (d.status, d.attempts, d.provider_message_id, d.id)
                    for d in s.scalars(select(Delivery).where(Delivery.channel.in_(["email", "wechat"])))}

    wait_for(lambda: {c: v[0] for c, v in statuses().items()} == {"email": "sent", "wechat": "sent"}, timeout=20,
             message="both recorded sent")
    recorded = statuses()
    assert recorded["email"][2] == mail["Message-ID"] and recorded["email"][3] == mail["X-Wuye-Delivery"]
    assert recorded["wechat"][1] == 2 and sent["client_msg_id"] == recorded["wechat"][3]
    assert wechat_api.tokens_issued == 1


def test_an_html_template_s_body_is_the_html_part_and_without_its_tags_the_text_part():
    """An e-mail template with tags is rendered with its values escaped (templates.py); the sender
    sends that as text/html and its words, without tags, as text/plain. A plain body is escaped."""
    body = "<p>1栋-0101 业主：</p><p>已收到 <strong>268.38 元</strong>，收据号 SJ1。&lt;b&gt;</p>"
    text, part = sending.email_parts(body)
    assert text == "1栋-0101 业主：\n已收到 268.38 元，收据号 SJ1。<b>"
    assert body in part and part.startswith("<!DOCTYPE html>")
    # a plain template's text (a value with "<" in it) was escaped when the message was made
    from services.notify.domain import templates
    plain = templates.plain_to_html("第一行\n<b>不是标签</b>?")
    assert plain == "<p>第一行<br>&lt;b&gt;不是标签&lt;/b&gt;?</p>"
    assert sending.email_parts(plain) == ("第一行\n<b>不是标签</b>?", sending._document(plain))
