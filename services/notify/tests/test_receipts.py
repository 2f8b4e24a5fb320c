"""Delivery receipts (回执 / 状态报告, issue 10) and WeChat templates per purpose.

Rules without a broker, on SQLite, with a ManualClock: the transition table (queued → sent → delivered |
failed, never back), a receipt's signature, a provider's report recorded on its delivery once (the same
report twice changes nothing, an unknown one is acknowledged), a failed SMS falling back to print, a report
that arrives before the sender recorded its answer held and applied then, the staff's delivery status with
the provider's answer. WeChat: two purposes sent to the real local WeChat HTTP stub, each with the project's
template id for it and its own keyword fields; a purpose the setting does not name, with the generic one."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import InvalidInput
from kernel.testing import domain_session, resident, staff
from services.notify import schemas
from services.notify.domain import bills, deliveries, receipts, sending, settings, wechat
from services.notify.domain.notifications import INAPP, SMS, UNIT, WECHAT, Channel
from services.notify.models import Base, Delivery, OutboxMessage
from services.notify.providers import LogProvider, Outgoing, WeChatProvider, sign_body
from services.notify.tests.stub import WeChatStub
from services.notify.tests.test_bills import NOTICE as BILL, RECEIPT
from services.notify.tests.test_domain import G, estate  # noqa: F401
from services.notify.tests.test_policy import Recording, by_channel, dunning, message, providers, work

KEYS = receipts.ReceiptKeys(sms="sms-receipt-key", wechat="wx-receipt-key", max_skew=300)
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre.mgr")
OPENID = "oAbCdEfGhIjKlMnOpQrStUvWxYz1"


@pytest.fixture
def session(db_url):
    """SQLite and PostgreSQL (a receipt and the sender's record lock the delivery there)."""
    with domain_session(Base, db_url) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T10:00:00+08:00")          # daytime in Shanghai: nothing waits


def report(ref, status="delivered", **over):
    return schemas.ReceiptReportIn().load({"ref": ref, "status": status, "code": "DELIVRD" if status == "delivered"
                                           else "UNDELIV", "message": "ok" if status == "delivered" else "blocked",
                                           "at": "2026-11-24T02:00:07+00:00", **over})


def record(session, clock, channel, *reports_):
    out = receipts.record_receipts(work(session, clock), channel, list(reports_))
    session.flush()
    return out


def sent_sms(session, clock, purpose="payment_reminder", event="ev-1"):
    n = message(session, clock, purpose, [Channel(INAPP), Channel(SMS, "13812345678")], event=event)
    sending.send_due(work(session, clock), providers(Recording()), sending.SmsPolicy())
    session.flush()
    sms = by_channel(n)[SMS]
    assert sms.status == "sent"
    return n, sms


def published(session, event_type):
    return [json.loads(body)["data"] for body in session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.event_type == event_type))]


# -- the transition table ---------------------------------------------------------------------------------

@pytest.mark.parametrize("now, reported, then", [
    ("sent", "delivered", "delivered"), ("sent", "failed", "failed"),
    ("pending", "delivered", "held"), ("pending", "failed", "held"),
    ("delivered", "delivered", "unchanged"), ("failed", "failed", "unchanged"),
    ("delivered", "failed", "ignored"), ("failed", "delivered", "ignored"),       # never back
    ("suppressed", "delivered", "ignored"), ("cancelled", "failed", "ignored"),   # never sent
    ("queued", "delivered", "ignored"), ("printed", "failed", "ignored"),
])
def test_the_transition_table(now, reported, then):
    assert receipts.transition(now, reported) == then


def test_no_transition_leads_back_or_out_of_a_final_status():
    for (now, _), then in receipts.TRANSITIONS.items():
        if now in ("delivered", "failed"):
            assert then in ("unchanged", "ignored")
        else:
            assert then in ("held", "delivered", "failed")


# -- the signature and the body ---------------------------------------------------------------------------

NOW = datetime.fromisoformat("2026-11-24T10:00:00+08:00")


def signed(body: bytes, key="sms-receipt-key", at=NOW):
    timestamp = str(int(at.timestamp()))
    return timestamp, sign_body(key, timestamp, body)


def test_a_receipt_signed_with_the_channel_s_key_and_a_fresh_timestamp_passes():
    body = b'[{"ref": "d1", "status": "delivered"}]'
    receipts.verify(KEYS, "sms", body, *signed(body), now=NOW)
    receipts.verify(KEYS, "wechat", body, *signed(body, key="wx-receipt-key"), now=NOW + timedelta(seconds=299))


@pytest.mark.parametrize("why, timestamp_signature", [
    ("unsigned", lambda body: (None, None)),
    ("no timestamp", lambda body: ("", signed(body)[1])),
    ("another key", lambda body: signed(body, key="guess")),
    ("the other channel's key", lambda body: signed(body, key="wx-receipt-key")),
    ("another body", lambda body: signed(body + b" ")),
    ("too old: a replay", lambda body: signed(body, at=NOW - timedelta(seconds=301))),
    ("from the future", lambda body: signed(body, at=NOW + timedelta(seconds=301))),
    ("not unix seconds", lambda body: ("2026-11-24", signed(body)[1])),
])
def test_a_receipt_not_signed_as_agreed_is_refused(why, timestamp_signature, caplog):
    body = b'[{"ref": "d1", "status": "delivered"}]'
    with pytest.raises(receipts.InvalidSignature):
        receipts.verify(KEYS, "sms", body, *timestamp_signature(body), now=NOW)
    assert "sms receipt refused" in caplog.text


def test_without_a_key_a_channel_s_receipts_are_refused():
    body = b"{}"
    with pytest.raises(receipts.InvalidSignature):
        receipts.verify(receipts.ReceiptKeys(sms="k"), "wechat", body, *signed(body, key=""), now=NOW)


def test_the_receipt_keys_from_config():
    assert receipts.ReceiptKeys.from_config({"SMS_API_KEY": "api"}) == receipts.ReceiptKeys(sms="api")
    assert receipts.ReceiptKeys.from_config({"SMS_API_KEY": "api", "SMS_SIGNING_KEY": "sign"}).sms == "sign"
    assert receipts.ReceiptKeys.from_config({"SMS_SIGNING_KEY": "sign", "SMS_RECEIPT_KEY": "rcpt",
                                             "WECHAT_RECEIPT_KEY": "wx", "RECEIPT_MAX_SKEW": "60"}) == \
        receipts.ReceiptKeys(sms="rcpt", wechat="wx", max_skew=60)


def test_a_body_is_one_report_a_list_or_reports():
    one = {"ref": "d1", "status": "delivered"}
    for body in (one, [one, one], {"reports": [one]}):
        assert receipts.parse(json.dumps(body).encode())[0] == one
    for body, code in ((b"{not json", "invalid_json"), (b"\xff\xfe", "invalid_json"), (b"[]", "invalid_receipt"),
                       (json.dumps([one] * 1001).encode(), "invalid_receipt")):
        with pytest.raises(InvalidInput) as refused:
            receipts.parse(body)
        assert refused.value.code == code


@pytest.mark.parametrize("bad", [
    {"status": "delivered"},                                   # names no delivery
    {"ref": "d1", "status": "read"}, {"ref": "d1"},           # delivered or failed only
    {"ref": "d1", "status": "failed", "at": "2026-11-24T10:00:00"},          # a time without its offset
    {"ref": "x" * 65, "status": "failed"}, {"ref": "d1", "status": "failed", "code": "c" * 65},
])
def test_a_report_names_a_delivery_and_says_delivered_or_failed(bad):
    with pytest.raises(Exception):
        schemas.ReceiptReportIn().load(bad)


def test_a_provider_s_other_fields_are_ignored():
    loaded = schemas.ReceiptReportIn().load({"message_id": "m1", "status": "failed", "mobile": "13812345678"})
    assert loaded["message_id"] == "m1" and "mobile" not in loaded


# -- recording ---------------------------------------------------------------------------------------------

def test_a_delivered_report_records_the_provider_s_answer_once(session, clock, estate):
    n, sms = sent_sms(session, clock)
    delivered_before = len(published(session, "notification.delivered"))
    clock.advance(seconds=20)
    assert record(session, clock, "sms", report(sms.id)) == {
        "channel": "sms", "received": 1, "applied": 1, "held": 0, "unchanged": 0, "ignored": 0, "unknown": 0}
    assert (sms.status, sms.provider_code, sms.provider_message, sms.reported_status) == (
        "delivered", "DELIVRD", "ok", "delivered")
    assert sms.delivered_at == sms.reported_at == datetime.fromisoformat("2026-11-24T02:00:07+00:00")
    assert sms.receipt_at == clock.now() and sms.sent_at < sms.receipt_at
    # notification.delivered was published when the gateway accepted it (tickets' clocks): not again
    assert len(published(session, "notification.delivered")) == delivered_before
    # the same report again, and a late failure: nothing changes
    before = (sms.status, sms.provider_code, sms.receipt_at, sms.delivered_at)
    clock.advance(seconds=20)
    assert record(session, clock, "sms", report(sms.id), report(sms.id, "failed"))["unchanged"] == 1
    assert (sms.status, sms.provider_code, sms.receipt_at, sms.delivered_at) == before
    assert "print" not in by_channel(n)


def test_the_staff_see_the_provider_s_answer_masked(session, clock, estate):
    _, sms = sent_sms(session, clock)
    record(session, clock, "sms", report(sms.id, "failed", message="13812345678 is switched off"))
    page = deliveries.list_deliveries(work(session, clock, DESK), schemas.DeliveryQuery().load(
        {"project_id": "p1", "channel": "sms"}))
    [row] = page["items"]
    assert (row["status"], row["reported_status"], row["provider_code"], row["provider_message"]) == (
        "failed", "failed", "UNDELIV", "138****5678 is switched off")
    assert row["last_error"] == "failed on delivery: UNDELIV: 138****5678 is switched off"
    out = schemas.DeliveryPageOut().dump(page)["items"][0]
    assert out["reported_at"] == "2026-11-24T02:00:07+00:00" and out["delivered_at"] is None


def test_a_failed_sms_falls_back_to_a_printed_notice_and_the_unit_hears_of_it(session, clock, estate):
    made = dunning(session, clock, door_notice=False)
    sending.send_due(work(session, clock), providers(Recording()), sending.SmsPolicy())
    session.flush()
    to_owner = next(n for n in made if n.recipient == "pe1")
    sms = by_channel(to_owner)[SMS]
    assert sms.status == "sent" and "print" not in by_channel(to_owner)
    assert record(session, clock, "sms", report(sms.id, "failed"))["applied"] == 1
    assert sms.status == "failed" and sms.delivered_at is None
    printed = by_channel(to_owner)["print"]
    assert (printed.status, printed.body, printed.last_error) == ("queued", sms.body, sending.FALLBACK_NOTE)
    unit = next(n for n in made if n.recipient_kind == UNIT)
    assert by_channel(unit)[INAPP].status == "delivered"                 # the in-app message is there
    # the same failure again: no second printed notice
    assert record(session, clock, "sms", report(sms.id, "failed"))["unchanged"] == 1
    assert len(session.scalars(select(Delivery).where(Delivery.channel == "print")).all()) == 1


def test_an_unknown_delivery_is_acknowledged_counted_and_logged(session, clock, estate, caplog):
    _, sms = sent_sms(session, clock)
    out = record(session, clock, "sms", report("no-such-delivery"), report(sms.id),
                 schemas.ReceiptReportIn().load({"message_id": "msg-nope", "status": "failed"}))
    assert (out["unknown"], out["applied"]) == (2, 1)
    assert "unknown delivery" in caplog.text
    # a delivery of another channel is not the SMS gateway's to report on
    n = message(session, clock, "payment_reminder", [Channel(INAPP)], event="ev-9")
    assert record(session, clock, "sms", report(by_channel(n)[INAPP].id))["unknown"] == 1


def test_a_report_may_name_the_provider_s_message_id(session, clock, estate):
    _, sms = sent_sms(session, clock)
    assert sms.provider_message_id == f"msg-{sms.id}"
    out = record(session, clock, "sms", schemas.ReceiptReportIn().load(
        {"message_id": sms.provider_message_id, "status": "delivered"}))
    assert out["applied"] == 1 and sms.status == "delivered"
    assert sms.delivered_at == sms.receipt_at == clock.now()          # no time in the report: ours


def test_a_report_before_the_sender_s_record_is_held_and_applied_then(session, clock, estate):
    n = message(session, clock, "payment_reminder", [Channel(INAPP), Channel(SMS, "13812345678")])
    sms = by_channel(n)[SMS]
    # the gateway accepted it and reported at once; the sender's answer is not recorded yet
    [claimed] = sending.claim_due(work(session, clock), sending.SmsPolicy())
    assert record(session, clock, "sms", report(sms.id))["held"] == 1
    assert (sms.status, sms.reported_status, sms.delivered_at) == ("pending", "delivered", None)
    assert record(session, clock, "sms", report(sms.id))["unchanged"] == 1
    assert record(session, clock, "sms", report(sms.id, "failed"))["ignored"] == 1       # the first one held wins
    [outcome] = sending.send_all(providers(Recording()), [claimed])
    sending.record_outcome(work(session, clock), outcome, sending.SmsPolicy())
    session.flush()
    assert (sms.status, sms.provider_code) == ("delivered", "DELIVRD")
    assert sms.sent_at is not None and sms.delivered_at is not None
    delivered = [e for e in published(session, "notification.delivered") if e["channel"] == SMS]
    assert [e["delivery_id"] for e in delivered] == [sms.id]                 # once, when accepted


def test_a_held_report_of_a_delivery_that_then_fails_to_send_is_ignored(session, clock, estate):
    n = message(session, clock, "payment_reminder", [Channel(INAPP), Channel(SMS, "13812345678")])
    sms = by_channel(n)[SMS]
    [claimed] = sending.claim_due(work(session, clock), sending.SmsPolicy())
    record(session, clock, "sms", report(sms.id))
    [outcome] = sending.send_all(providers(Recording(fail=sending.Rejected("no such number"))), [claimed])
    sending.record_outcome(work(session, clock), outcome, sending.SmsPolicy())
    session.flush()
    assert sms.status == "failed" and sms.delivered_at is None


def test_only_the_platform_records_receipts(session, clock, estate):
    with pytest.raises(receipts.InvalidSignature):
        receipts.record_receipts(work(session, clock, DESK), "sms", [report("d1")])


# -- WeChat templates per purpose ---------------------------------------------------------------------------

@pytest.fixture
def wechat_api():
    stub = WeChatStub()
    yield stub
    stub.close()


def test_the_template_ids_setting_names_purposes_sent_by_wechat(session, clock, estate):
    w = work(session, clock, CENTRE)
    with pytest.raises(InvalidInput):
        settings.set_setting(w, "p1", settings.WECHAT_TEMPLATE_IDS, {"dunning_first": "TPL"})   # not by WeChat
    with pytest.raises(InvalidInput):
        settings.set_setting(w, "p1", settings.WECHAT_TEMPLATE_IDS, {"receipt": "has space"})
    with pytest.raises(InvalidInput):
        settings.set_setting(w, "p1", settings.WECHAT_TEMPLATE_IDS, ["receipt"])
    settings.set_setting(w, "p1", settings.WECHAT_TEMPLATE_IDS, {"receipt": "TPL-RECEIPT"})
    view = {s["key"]: s for s in settings.get_settings(work(session, clock, DESK), "p1")}
    assert view[settings.WECHAT_TEMPLATE_IDS]["value"] == {"receipt": "TPL-RECEIPT"}
    assert view[settings.WECHAT_TEMPLATE_IDS]["default"] == {}


def test_every_field_list_names_values_its_purpose_has():
    from services.notify.domain.templates import PURPOSES
    for purpose, names in wechat.TEMPLATE_FIELDS.items():
        assert "wechat" in PURPOSES[purpose].channels, purpose
        assert set(names) <= PURPOSES[purpose].placeholders, purpose


def test_two_purposes_go_to_wechat_with_their_own_template_and_fields(session, clock, estate, wechat_api, tmp_path):
    wechat.bind_wechat(work(session, clock, resident(G, ["u1"])), "u1", "pe1", OPENID)
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.WECHAT_TEMPLATE_IDS,
                         {"receipt": "TPL-RECEIPT", "bill_notice": "TPL-BILL"})
    session.commit()
    for rule, schema, data, event in ((bills.on_receipt_issued, schemas.ReceiptIssuedIn(), RECEIPT, "ev-r"),
                                      (bills.on_bill_notice, schemas.BillNoticeIn(), BILL, "ev-b")):
        rule(work(session, clock), schema.load(data), event_id=event, group_id=G, project_id="p1")
    session.commit()
    provider = WeChatProvider(wechat_api.token_url, wechat_api.send_url, appid="wx-app", secret="wx-secret",
                              template_id="TPL-GENERIC", timeout=5)
    done = sending.send_due(work(session, clock), {WECHAT: provider, SMS: LogProvider(tmp_path / "sms.log", SMS)},
                            sending.SmsPolicy(), between=session.commit)
    session.commit()
    assert sorted(d.channel for d in done if d.status == "sent") == ["sms", "sms", "sms", "sms", "wechat", "wechat"]
    sent = {m["template_id"]: m for m in wechat_api.delivered}
    assert set(sent) == {"TPL-RECEIPT", "TPL-BILL"}
    receipt, bill = sent["TPL-RECEIPT"]["data"], sent["TPL-BILL"]["data"]
    assert {k: v["value"] for k, v in receipt.items() if k.startswith("keyword")} == {
        "keyword1": "1栋-0101", "keyword2": "SJ00000007", "keyword3": "268.38"}
    assert {k: v["value"] for k, v in bill.items() if k.startswith("keyword")} == {
        "keyword1": "1栋-0101", "keyword2": "2026-12", "keyword3": "268.38", "keyword4": "2026-12-15"}
    assert "SJ00000007" in receipt["first"]["value"] and "SJ00000007" in receipt["remark"]["value"]
    assert bill["remark"]["value"] and bill["first"]["value"]
    for m in wechat_api.delivered:
        assert m["touser"] == OPENID and session.get(Delivery, m["client_msg_id"]).channel == WECHAT


def test_a_purpose_the_setting_does_not_name_uses_the_generic_template(session, clock, estate, wechat_api):
    wechat.bind_wechat(work(session, clock, resident(G, ["u1"])), "u1", "pe1", OPENID)
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.WECHAT_TEMPLATE_IDS, {"bill_notice": "TPL-BILL"})
    session.commit()
    bills.on_receipt_issued(work(session, clock), schemas.ReceiptIssuedIn().load(RECEIPT), event_id="ev-r",
                            group_id=G, project_id="p1")
    session.commit()
    [wx] = session.scalars(select(Delivery).where(Delivery.channel == WECHAT)).all()
    assert wx.channel_data is None
    provider = WeChatProvider(wechat_api.token_url, wechat_api.send_url, appid="wx-app", secret="wx-secret",
                              template_id="TPL-GENERIC", timeout=5)
    sending.send_due(work(session, clock), {WECHAT: provider}, sending.SmsPolicy(), between=session.commit)
    [m] = wechat_api.delivered
    assert m["template_id"] == "TPL-GENERIC" and set(m["data"]) == {"first", "keyword1", "remark"}
    assert m["data"]["keyword1"]["value"] == wx.body


def test_a_template_without_a_field_list_carries_the_text():
    made = wechat.template_message({"x.purpose": "T"}, "x.purpose", "S", "the text", {})
    assert made == {"template_id": "T", "data": {"first": "S", "keyword1": "the text", "remark": ""}}
    assert wechat.template_message({}, "receipt", "S", "t", {}) is None
    provider = WeChatProvider("http://t", "http://s", appid="a", secret="b", template_id="G")
    out = provider.payload(Outgoing("d1", WECHAT, OPENID, "t", "S", template=made))
    assert out["template_id"] == "T" and out["data"]["keyword1"] == {"value": "the text"}
