"""notify's rules, without a broker."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound, RetryableError
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, outbox_events, resident, staff
from kernel.work import Work
from services.notify import schemas
from services.notify.domain import copies, notifications, sending, templates, tickets
from services.notify.events import CONTRACT
from services.notify.exceptions import (TemplateRefused, NotAddressedToCaller, NotificationNotFound,
                                        UnitNotFound, UnsupportedChannel)
from services.notify.models import Base, Delivery, Notification, Template
from services.notify.providers import SmsRejected, SmsTemporaryError

G = "group-1"
ACK_ZH = "【绿湖花园】您的报修（BX-20261124-0001）已受理：卫生间漏水。工程部将尽快处理。"
#: the SMS never carries the resident's own words
SMS_ZH = "【绿湖花园】您的公共区域报修（BX-20261124-0001）已受理，工程部将尽快处理。"


@pytest.fixture
def session(db_url):
    with domain_session(Base, db_url) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=None):
    return Work.build(session, clock, caller or Caller.system(G, "notify"), base=Base,
                      contract=CONTRACT, secret=TEST_SECRET)


def project_event(pid="p1", name="绿湖花园", version=1):
    return {"project_id": pid, "group_id": G, "code": pid.upper(), "name": name,
            "kind": "residential", "timezone": "Asia/Shanghai", "version": version}


def household_event(people, status="active", version=1, hid="h1", unit_id="u1"):
    return schemas.HouseholdChangedIn().load({
        "household_id": hid, "group_id": G, "project_id": "p1", "unit_id": unit_id, "status": status,
        "moved_in_on": "2026-03-01", "moved_out_on": None, "version": version, "people": people})


OWNER = {"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
         "email": None, "locale": "zh-CN"}
TENANT = {"person_id": "pe2", "name": "John Smith", "role": "tenant", "phone": "+86 139 8765 4321",
          "email": "john@example.com", "locale": "en"}


@pytest.fixture
def estate(session, clock):
    w = work(session, clock)
    copies.upsert_project(w, schemas.ProjectChangedIn().load(project_event()))
    copies.upsert_project(w, schemas.ProjectChangedIn().load(project_event("p2", "碧水苑")))
    for uid, number in (("u1", "0101"), ("u2", "0102")):
        copies.upsert_unit(w, schemas.UnitChangedIn().load({
            "unit_id": uid, "group_id": G, "project_id": "p1", "building_id": "b1",
            "building_name": "1栋", "number": number, "label": f"1栋-{number}", "floor": 1,
            "building_area": "89.37", "usage": "residential", "version": 1, "extra": "ignored"}))
    copies.upsert_household(w, household_event([OWNER, TENANT]))
    session.commit()


def ticket(number="BX-20261124-0001", phone="13812345678", unit_id="u1", **over):
    raw = {
        "ticket_id": "t1", "number": number, "kind": "repair", "category": "public_area",
        "channel": "phone", "status": "open", "unit_id": unit_id,
        "unit_label": "1栋-0101" if unit_id else None, "household_id": "h1" if unit_id else None,
        "location": "卫生间", "content": "卫生间漏水",
        "reporter": {"name": "张伟", "phone": phone, "user_id": None},
        "appointment_at": None, "received_at": "2026-11-24T01:00:00+00:00",
        "recorded_at": "2026-11-24T01:02:00+00:00",
        "deadlines": [{"kind": "notify_engineering", "due_at": "2026-11-24T01:04:00+00:00"},
                      {"kind": "on_site", "due_at": "2026-11-24T01:17:00+00:00"}],
    }
    raw.update(over)
    return schemas.TicketOpenedIn().load(raw)


def open_ticket(session, clock, data=None, event_id="ev-1"):
    created = tickets.on_ticket_opened(work(session, clock), data or ticket(), event_id=event_id,
                                       group_id=G, project_id="p1")
    session.flush()
    return created


def by_purpose(session, purpose):
    return session.scalars(select(Notification).where(Notification.purpose == purpose)).one()


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


# -- templates ------------------------------------------------------------------------

def test_template_lookup_order_project_then_group_then_default(session, clock, estate):
    def resolved(project_id="p1", locale="zh-CN"):
        return templates.resolve(session, group_id=G, project_id=project_id,
                                 purpose="ticket.opened.resident", channel="sms", locale=locale)

    assert resolved().source == "default" and resolved().body == templates.DEFAULTS[
        ("ticket.opened.resident", "sms", "zh-CN")].body
    admin = staff(G, roles=["group_admin"], all_projects=True)
    templates.save_template(work(session, clock, admin), {
        "purpose": "ticket.opened.resident", "channel": "sms", "locale": "zh-CN",
        "body": "集团：{{ ticket_number }}"})
    assert (resolved().source, resolved().body) == ("group", "集团：{{ ticket_number }}")
    templates.save_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), {
        "project_id": "p1", "purpose": "ticket.opened.resident", "channel": "sms", "locale": "zh-CN",
        "body": "项目：{{ ticket_number }}"})
    assert (resolved().source, resolved().body) == ("project", "项目：{{ ticket_number }}")
    assert resolved("p2").source == "group"                 # the other project keeps the group's
    # the wanted locale comes before the scope: English readers get the English default
    assert (resolved(locale="en").source, resolved(locale="en").locale) == ("default", "en")


def test_locale_falls_back_to_zh_cn(session, clock, estate):
    admin = staff(G, roles=["group_admin"], all_projects=True)
    templates.save_template(work(session, clock, admin), {
        "project_id": "p1", "purpose": "ticket.dispatch_engineering", "channel": "inapp",
        "locale": "zh-CN", "subject": "派工 {{ ticket_number }}", "body": "{{ content }}"})
    fallback = templates.resolve(session, group_id=G, project_id="p1", purpose="ticket.dispatch_engineering",
                                 channel="inapp", locale="fr")
    assert (fallback.locale, fallback.source, fallback.body) == ("zh-CN", "project", "{{ content }}")


def test_renderer_refuses_anything_but_allowed_names():
    allowed = templates.PURPOSES["ticket.opened.resident"].placeholders
    assert templates.render("{{ ticket_number }}：{{ content }}", allowed,
                            {"ticket_number": "BX-1", "content": "漏水"}) == "BX-1：漏水"
    # a value is text, never a template: braces in it are not expanded again
    assert templates.render("{{ content }}", allowed, {"content": "{{ ticket_number }}"}) == "{{ ticket_number }}"
    for bad in ("{{ x.__class__ }}", "{{ content.__class__.__mro__ }}", "{{ content[0] }}",
                "{{ content.upper() }}", "{{ secret_key }}", "unmatched {{ brace", "{% for c in content %}{% endfor %}",
                "{{ content|attr('__class__') }}", "{% set x = 1 %}"):
        with pytest.raises(TemplateRefused):
            templates.render(bad, allowed, {"content": "x"})


def test_saving_a_template_checks_placeholders_and_writes_nothing_bad(session, clock, estate):
    manager = work(session, clock, staff(G, ["p1"], roles=["cs_manager"]))
    with pytest.raises(TemplateRefused) as exc:
        templates.save_template(manager, {"project_id": "p1", "purpose": "ticket.opened.resident",
                                          "channel": "sms", "locale": "zh-CN",
                                          "body": "{{ content.__class__.__init__.__globals__ }}"})
    assert exc.value.code == "template_unsafe" and "attribute access" in exc.value.message
    with pytest.raises(TemplateRefused) as exc:
        templates.save_template(manager, {"project_id": "p1", "purpose": "ticket.opened.resident",
                                          "channel": "inapp", "locale": "en", "subject": "{{ owner_id_number }}",
                                          "body": "ok"})
    assert exc.value.details["missing"] == ["owner_id_number"] and "owner_id_number" in exc.value.message
    with pytest.raises(UnsupportedChannel):       # dispatch goes in-app only
        templates.save_template(manager, {"project_id": "p1", "purpose": "ticket.dispatch_engineering",
                                          "channel": "sms", "locale": "zh-CN", "body": "{{ content }}"})
    assert count(session, Template) == 0


def test_who_may_edit_templates(session, clock, estate):
    data = {"project_id": "p1", "purpose": "ticket.opened.resident", "channel": "sms",
            "locale": "zh-CN", "body": "{{ ticket_number }} {{ category_label }}"}
    with pytest.raises(Forbidden):
        templates.save_template(work(session, clock, staff(G, ["p1"], roles=["front_desk"])), data)
    with pytest.raises(Forbidden):
        templates.save_template(work(session, clock, staff(G, ["p2"], roles=["cs_manager"])), data)
    with pytest.raises(Forbidden):                # group-wide needs a group-wide view
        templates.save_template(work(session, clock, staff(G, ["p1"], roles=["centre_manager"])),
                                dict(data, project_id=None))
    saved = templates.save_template(work(session, clock, staff(G, ["p1"], roles=["centre_manager"])), data)
    again = templates.save_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])),
                                    dict(data, body="{{ ticket_number }}"))
    assert again.id == saved.id and again.version == 2 and count(session, Template) == 1
    listed = templates.list_templates(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), "p1")
    by_key = {(t.purpose, t.channel, t.locale): t for t in listed}
    # every (purpose, channel) of the registry in two locales, each with its built-in default
    assert len(listed) == len(templates.DEFAULTS) == 2 * sum(len(p.channels) for p in templates.PURPOSES.values())
    assert by_key[("ticket.opened.resident", "sms", "zh-CN")].source == "project"
    assert by_key[("ticket.opened.resident", "sms", "en")].source == "default"


# -- ticket.opened → acknowledgement and dispatch ------------------------------------------

def test_ticket_opened_acknowledges_the_resident_and_dispatches_engineering(session, clock, estate):
    created = open_ticket(session, clock)
    assert {n.purpose for n in created} == {"ticket.opened.resident", "ticket.dispatch_engineering"}

    ack = by_purpose(session, "ticket.opened.resident")
    assert (ack.recipient_kind, ack.recipient, ack.unit_id, ack.locale) == ("unit", "u1", "u1", "zh-CN")
    assert (ack.group_id, ack.project_id, ack.ref_type, ack.ref_id) == (G, "p1", "ticket", "t1")
    assert ack.body == ACK_ZH and ack.subject == "报修已受理（BX-20261124-0001）"
    inapp, sms = sorted(ack.deliveries, key=lambda d: d.channel)
    assert (inapp.channel, inapp.status, inapp.sent_at) == ("inapp", "delivered", clock.now())
    assert (sms.channel, sms.status, sms.address, sms.body) == ("sms", "pending", "13812345678", SMS_ZH)
    assert sms.attempts == 0 and sms.next_attempt_at == clock.now()

    dispatch = by_purpose(session, "ticket.dispatch_engineering")
    assert (dispatch.recipient_kind, dispatch.recipient, dispatch.project_id) == ("role", "engineering", "p1")
    assert dispatch.subject == "派工：BX-20261124-0001 公共区域报修"
    # the on-site deadline (01:17 UTC) in the project's local time
    assert "位置：1栋-0101 卫生间" in dispatch.body and "到场时限：2026-11-24 09:17" in dispatch.body
    assert [(d.channel, d.status) for d in dispatch.deliveries] == [("inapp", "delivered")]

    delivered = [e for e in outbox_events(session, Base) if e["type"] == "notification.delivered"]
    assert sorted((e["data"]["purpose"], e["data"]["channel"]) for e in delivered) == [
        ("ticket.dispatch_engineering", "inapp"), ("ticket.opened.resident", "inapp")]
    dispatched = next(e for e in delivered if e["data"]["purpose"] == "ticket.dispatch_engineering")
    assert dispatched["data"]["ref_id"] == "t1" and dispatched["project_id"] == "p1"
    assert dispatched["data"]["recipient"] == "engineering"


def test_reporter_locale_comes_from_the_matching_contact(session, clock, estate):
    open_ticket(session, clock, ticket(phone="139-8765-4321"))
    ack = by_purpose(session, "ticket.opened.resident")
    assert ack.locale == "en"
    assert ack.body.startswith("[绿湖花园] Your repair request (BX-20261124-0001) has been received")
    assert by_purpose(session, "ticket.dispatch_engineering").locale == "zh-CN"   # staff read Chinese


def test_moved_out_contacts_are_not_reached_through_the_unit(session, clock, estate):
    w = work(session, clock)
    copies.upsert_household(w, household_event([OWNER, TENANT], status="moved_out", version=2))
    assert copies.unit_contacts(w, "u1") == []
    open_ticket(session, clock, ticket(phone="13987654321"))
    assert by_purpose(session, "ticket.opened.resident").locale == "zh-CN"


def test_copies_ignore_older_versions_and_replace_people(session, clock, estate):
    w = work(session, clock)
    copies.upsert_project(w, schemas.ProjectChangedIn().load(project_event(name="新名字", version=3)))
    _, applied = copies.upsert_project(w, schemas.ProjectChangedIn().load(project_event(name="旧名字", version=2)))
    assert not applied
    copies.upsert_household(w, household_event([dict(OWNER, locale="en")], version=2))
    _, applied = copies.upsert_household(w, household_event([OWNER, TENANT], version=1))
    assert not applied
    assert [(c.name, c.locale) for c in copies.unit_contacts(w, "u1")] == [("张伟", "en")]
    open_ticket(session, clock)
    assert by_purpose(session, "ticket.opened.resident").body.startswith("[新名字]")


def test_the_same_event_twice_makes_no_second_notification(session, clock, estate):
    open_ticket(session, clock)
    events_before = len(outbox_events(session, Base))
    assert open_ticket(session, clock) == []
    assert count(session, Notification) == 2 and count(session, Delivery) == 3
    assert len(outbox_events(session, Base)) == events_before


def test_no_phone_no_sms_and_no_unit_no_acknowledgement(session, clock, estate):
    open_ticket(session, clock, ticket(phone=None), event_id="ev-a")
    ack = by_purpose(session, "ticket.opened.resident")
    assert [d.channel for d in ack.deliveries] == ["inapp"]
    created = open_ticket(session, clock, ticket(unit_id=None, location="3栋大堂"), event_id="ev-b")
    assert [n.purpose for n in created] == ["ticket.dispatch_engineering"]
    assert "位置：3栋大堂" in created[0].body


def test_a_repair_the_service_centre_reports_itself_is_not_acknowledged_to_the_unit(session, clock, estate):
    """A vacant unit's check files its defect's repair (``acknowledge`` false, the centre the reporter):
    no "报修已受理" to the unit nor an SMS to the household's contact -- engineering still gets it."""
    data = ticket(phone=None, acknowledge=False, channel="staff",
                  reporter={"name": "服务中心", "phone": None, "user_id": None})
    created = open_ticket(session, clock, data, event_id="ev-vacant")
    assert [n.purpose for n in created] == ["ticket.dispatch_engineering"]
    assert ticket()["acknowledge"] is True             # every other request: acknowledged as before


def test_a_ticket_before_its_project_copy_is_retried(session, clock):
    with pytest.raises(RetryableError):
        open_ticket(session, clock)
    assert count(session, Notification) == 0


def test_a_project_override_is_used_for_the_acknowledgement(session, clock, estate):
    templates.save_template(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), {
        "project_id": "p1", "purpose": "ticket.opened.resident", "channel": "sms", "locale": "zh-CN",
        "body": "【{{ project_name }}】已收到报修{{ ticket_number }}，{{ due_label }}：{{ due_at }}"})
    open_ticket(session, clock)
    sms = next(d for d in by_purpose(session, "ticket.opened.resident").deliveries if d.channel == "sms")
    assert sms.body == "【绿湖花园】已收到报修BX-20261124-0001，到场时限：2026-11-24 09:17"


# -- sending SMS --------------------------------------------------------------------------

class FakeProvider:
    def __init__(self, *answers):
        self.answers = list(answers)      # exceptions to raise, in order; then success
        self.sent = []

    def send(self, phone, text, ref):
        self.sent.append((phone, text, ref))
        if self.answers:
            raise self.answers.pop(0)
        return f"prov-{len(self.sent)}"


POLICY = sending.SmsPolicy(max_attempts=3, retry_base=30, retry_max=3600)


def sms_delivery(session):
    return session.scalars(select(Delivery).where(Delivery.channel == "sms")).one()


def test_sms_accepted_is_sent_and_announced(session, clock, estate):
    open_ticket(session, clock)
    provider, commits = FakeProvider(), []
    done = sending.send_due_sms(work(session, clock), provider, POLICY, between=lambda: commits.append(1))
    d = sms_delivery(session)
    assert done == [d] and commits == [1]
    assert provider.sent == [("13812345678", SMS_ZH, d.id)]          # ref = delivery id
    assert (d.status, d.attempts, d.provider_message_id, d.sent_at) == ("sent", 1, "prov-1", clock.now())
    sms_events = [e["data"] for e in outbox_events(session, Base)
                  if e["type"] == "notification.delivered" and e["data"]["channel"] == "sms"]
    assert [(e["delivery_id"], e["purpose"], e["recipient"]) for e in sms_events] == [
        (d.id, "ticket.opened.resident", "u1")]
    assert sending.send_due_sms(work(session, clock), provider, POLICY) == []   # nothing left
    assert len(provider.sent) == 1


def test_temporary_errors_back_off_then_fail_after_max_attempts(session, clock, estate):
    open_ticket(session, clock)
    provider = FakeProvider(*[SmsTemporaryError(f"HTTP 503 #{i}") for i in range(1, 4)])
    start = clock.now()
    sending.send_due_sms(work(session, clock), provider, POLICY)
    d = sms_delivery(session)
    assert (d.status, d.attempts, d.next_attempt_at, d.last_error) == (
        "pending", 1, start + timedelta(seconds=30), "HTTP 503 #1")
    clock.advance(seconds=29)
    assert sending.send_due_sms(work(session, clock), provider, POLICY) == []   # not due yet
    clock.advance(seconds=1)
    sending.send_due_sms(work(session, clock), provider, POLICY)
    assert (d.status, d.attempts, d.next_attempt_at) == ("pending", 2, clock.now() + timedelta(seconds=60))
    clock.advance(seconds=60)
    sending.send_due_sms(work(session, clock), provider, POLICY)
    assert (d.status, d.attempts, d.next_attempt_at, d.last_error) == ("failed", 3, None, "HTTP 503 #3")
    clock.advance(hours=2)
    assert sending.send_due_sms(work(session, clock), provider, POLICY) == []
    assert len(provider.sent) == 3
    assert not [e for e in outbox_events(session, Base) if e["data"].get("channel") == "sms"]


def test_a_rejected_sms_fails_at_once(session, clock, estate):
    open_ticket(session, clock)
    provider = FakeProvider(SmsRejected("HTTP 400: invalid number"))
    sending.send_due_sms(work(session, clock), provider, POLICY)
    d = sms_delivery(session)
    assert (d.status, d.attempts, d.last_error) == ("failed", 1, "rejected: HTTP 400: invalid number")
    clock.advance(hours=1)
    assert sending.send_due_sms(work(session, clock), provider, POLICY) == []


def test_a_claimed_sms_is_not_taken_by_a_second_sender_until_its_lease_ends(session, clock, estate):
    open_ticket(session, clock)
    first = sending.claim_due_sms(work(session, clock), POLICY)
    assert [s.phone for s in first] == ["13812345678"]
    assert sending.claim_due_sms(work(session, clock), POLICY) == []
    clock.advance(seconds=POLICY.lease_seconds + 1)       # the first sender died
    assert [s.delivery_id for s in sending.claim_due_sms(work(session, clock), POLICY)] == [
        first[0].delivery_id]


class SenderDied(BaseException):
    """The notify process dying (SIGKILL, OOM): nothing after it runs, nothing handles it."""


class DiesAfterSending:
    """The provider accepts the message, then the sender dies before recording it."""

    def __init__(self, provider):
        self.provider = provider

    def send(self, phone, text, ref):
        self.provider.send(phone, text, ref)
        raise SenderDied()


def crash_after_sending_then_resend(session, clock, provider):
    """Pass 1 sends and dies before recording; pass 2 (after the lease) sends again."""
    open_ticket(session, clock)
    session.commit()
    with pytest.raises(SenderDied):
        sending.send_due_sms(work(session, clock), DiesAfterSending(provider), POLICY, between=session.commit)
    session.rollback()                       # the dead process's transaction is gone
    d = sms_delivery(session)
    assert (d.status, d.attempts) == ("pending", 0) and d.lease_until is not None
    assert sending.send_due_sms(work(session, clock), provider, POLICY, between=session.commit) == []
    clock.advance(seconds=POLICY.lease_seconds + 1)         # the lease of the dead sender ends
    [done] = sending.send_due_sms(work(session, clock), provider, POLICY, between=session.commit)
    session.commit()
    return done


def test_a_crash_between_sending_and_recording_is_delivered_once_by_the_dev_provider(session, clock, estate,
                                                                                    tmp_path):
    from services.notify.providers import LogSmsProvider

    path = tmp_path / "sms.log"
    done = crash_after_sending_then_resend(session, clock, LogSmsProvider(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["ref"] == done.id       # one text on the phone
    assert (done.status, done.attempts, done.provider_message_id) == ("sent", 1, f"log-{done.id}")
    assert done.sent_at == clock.now()


def test_a_crash_between_sending_and_recording_is_delivered_once_by_an_http_gateway(session, clock, estate):
    from services.notify.providers import HttpSmsProvider
    from services.notify.tests.stub import SmsGatewayStub

    gateway = SmsGatewayStub()
    try:
        done = crash_after_sending_then_resend(session, clock, HttpSmsProvider(gateway.url, timeout=2))
    finally:
        gateway.close()
    assert [r["idempotency_key"] for r in gateway.requests] == [done.id, done.id]   # sent twice, same ref
    assert len(gateway.delivered) == 1                                              # delivered once
    assert (done.status, done.provider_message_id) == ("sent", "msg-1")


def test_the_lease_after_a_crash_is_short_and_outlives_the_provider_timeout():
    policy = sending.SmsPolicy()
    assert policy.lease_seconds <= 30 and policy.send_timeout < policy.lease_seconds
    with pytest.raises(ValueError, match="SMS_LEASE_SECONDS"):
        sending.SmsPolicy(lease_seconds=5, send_timeout=5)


class SlowProvider(FakeProvider):
    """Each send takes 20 s of the clock."""

    def __init__(self, clock):
        super().__init__()
        self.clock = clock

    def send(self, phone, text, ref):
        self.clock.advance(seconds=20)
        return super().send(phone, text, ref)


def test_a_message_is_not_sent_when_its_lease_would_end_during_the_send(session, clock, estate):
    for i in range(3):
        open_ticket(session, clock, ticket(number=f"BX-20261124-000{i + 1}"), event_id=f"ev-{i}")
    policy = sending.SmsPolicy(lease_seconds=30, send_timeout=5)
    provider = SlowProvider(clock)
    done = sending.send_due_sms(work(session, clock), provider, policy)
    # t=0 first sent (until t=20); t=20 + 5 < 30: second sent; t=40: the lease is over, third left
    assert len(done) == 2 and len(provider.sent) == 2
    left = session.scalars(select(Delivery).where(Delivery.channel == "sms", Delivery.status == "pending")).one()
    assert left.attempts == 0
    [again] = sending.send_due_sms(work(session, clock), provider, policy)    # its lease has run out
    assert again.id == left.id and again.status == "sent" and len(provider.sent) == 3


# -- who reads what ------------------------------------------------------------------------

def test_latest_for_unit_scope_and_masking(session, clock, estate):
    open_ticket(session, clock)
    mine = notifications.latest_for_unit(work(session, clock, resident(G, ["u1"])), "u1")
    assert [n.purpose for n in mine] == ["ticket.opened.resident"]
    out = schemas.NotificationOut().dump(mine[0])
    assert {d["channel"]: d["address"] for d in out["deliveries"]} == {"inapp": None, "sms": "138****5678"}
    assert out["read_at"] is None and out["ref_id"] == "t1"
    with pytest.raises(NotFound) as exc:
        notifications.latest_for_unit(work(session, clock, resident(G, ["u2"])), "u1")
    assert exc.value.code == "unit_not_found"
    with pytest.raises(Forbidden):
        notifications.latest_for_unit(work(session, clock, staff(G, ["p2"])), "u1")
    with pytest.raises(UnitNotFound):
        notifications.latest_for_unit(work(session, clock, staff(G, ["p1"])), "nowhere")
    assert len(notifications.latest_for_unit(work(session, clock, staff(G, ["p1"])), "u1")) == 1
    assert notifications.latest_for_unit(work(session, clock, resident(G, ["u2"])), "u2") == []


def test_latest_for_unit_is_newest_first_and_limited(session, clock, estate):
    for i in range(3):
        open_ticket(session, clock, ticket(number=f"BX-20261124-000{i + 1}"), event_id=f"ev-{i}")
        clock.advance(minutes=1)
    latest = notifications.latest_for_unit(work(session, clock, resident(G, ["u1"])), "u1", limit=2)
    assert [n.body.split("（")[1][:16] for n in latest] == ["BX-20261124-0003", "BX-20261124-0002"]


def test_staff_inbox_shows_the_callers_roles_in_their_projects(session, clock, estate):
    open_ticket(session, clock)

    def inbox(caller, **kw):
        return [n.purpose for n in notifications.staff_inbox(work(session, clock, caller), **kw)]

    assert inbox(staff(G, ["p1"], roles=["engineering"])) == ["ticket.dispatch_engineering"]
    assert inbox(staff(G, ["p1"], roles=["engineering_manager"])) == ["ticket.dispatch_engineering"]
    assert inbox(staff(G, ["p1"], roles=["front_desk"])) == []
    assert inbox(staff(G, ["p2"], roles=["engineering"])) == []
    assert inbox(staff("other-group", ["p1"], roles=["engineering"], all_projects=True)) == []
    with pytest.raises(Forbidden):
        inbox(staff(G, ["p2"], roles=["engineering"]), project_id="p1")
    with pytest.raises(Forbidden):
        inbox(resident(G, ["u1"]))


def test_reading_and_marking_read(session, clock, estate):
    open_ticket(session, clock)
    ack = by_purpose(session, "ticket.opened.resident")
    dispatch = by_purpose(session, "ticket.dispatch_engineering")
    engineer = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")

    with pytest.raises(NotificationNotFound):           # residents never see staff messages
        notifications.get_notification(work(session, clock, resident(G, ["u1"])), dispatch.id)
    with pytest.raises(NotificationNotFound):
        notifications.get_notification(work(session, clock, resident(G, ["u2"])), ack.id)
    with pytest.raises(NotAddressedToCaller):
        notifications.get_notification(work(session, clock, staff(G, ["p1"], roles=["security"])), dispatch.id)
    with pytest.raises(Forbidden):
        notifications.get_notification(work(session, clock, staff(G, ["p2"], roles=["engineering"])),
                                       dispatch.id)
    # front desk may look at the acknowledgement's delivery, but the read mark is the resident's
    assert notifications.get_notification(work(session, clock, staff(G, ["p1"])), ack.id) is ack
    with pytest.raises(NotAddressedToCaller):
        notifications.mark_read(work(session, clock, staff(G, ["p1"])), ack.id)
    assert ack.read_at is None

    clock.advance(minutes=3)
    notifications.mark_read(work(session, clock, resident(G, ["u1"], user_id="res-1")), ack.id)
    notifications.mark_read(work(session, clock, engineer), dispatch.id)
    assert (ack.read_at, ack.read_by) == (clock.now(), "res-1")
    assert (dispatch.read_at, dispatch.read_by) == (clock.now(), "eng-1")
    assert notifications.staff_inbox(work(session, clock, engineer), unread_only=True) == []


# -- abuse: who may be texted, what an SMS says, how many --------------------------------------

def sms_of(session, event_id):
    return session.scalars(select(Delivery).join(Notification).where(
        Delivery.channel == "sms", Notification.source_event_id == event_id)).one()


def test_a_resident_s_text_never_reaches_an_sms(session, clock, estate):
    spam = "中奖了！请点击 http://evil.example 领取"
    open_ticket(session, clock, ticket(content=spam, location=spam,
                                       reporter={"name": spam, "phone": "13812345678", "user_id": "r1"}))
    ack = by_purpose(session, "ticket.opened.resident")
    sms = next(d for d in ack.deliveries if d.channel == "sms")
    assert sms.status == "pending" and "evil" not in sms.body and "中奖" not in sms.body
    assert "BX-20261124-0001" in sms.body
    # the household's own in-app inbox may show what they wrote
    assert spam in next(d for d in ack.deliveries if d.channel == "inapp").body


def test_sms_templates_may_use_only_platform_controlled_fields(session, clock, estate):
    manager = work(session, clock, staff(G, ["p1"], roles=["cs_manager"]))
    for field in ("content", "location", "place", "reporter_name", "unit_label", "appointment_at"):
        with pytest.raises(TemplateRefused):
            templates.save_template(manager, {"project_id": "p1", "purpose": "ticket.opened.resident",
                                              "channel": "sms", "locale": "zh-CN", "body": f"{{{{ {field} }}}}"})
    # the in-app message of the same purpose may
    templates.save_template(manager, {"project_id": "p1", "purpose": "ticket.opened.resident",
                                      "channel": "inapp", "locale": "zh-CN", "body": "{{ content }}"})
    # an SMS override stored before this rule is skipped, the safe default is used
    session.add(Template(id="old", group_id=G, project_id="p1", scope="p1",
                         purpose="ticket.opened.resident", channel="sms", locale="zh-CN", subject="",
                         body="{{ content }}", version=1, updated_at=clock.now(), updated_by="x"))
    session.flush()
    open_ticket(session, clock)
    assert sms_of(session, "ev-1").body == SMS_ZH


def test_a_typed_phone_that_is_no_registered_contact_gets_no_sms(session, clock, estate):
    open_ticket(session, clock, ticket(phone="13900000000"))
    sms = sms_delivery(session)
    assert (sms.status, sms.address, sms.last_error) == ("suppressed", None, "not_a_registered_contact")
    assert sending.claim_due_sms(work(session, clock), POLICY) == []
    # a registered contact's number in another spelling is the contact's: it is texted
    open_ticket(session, clock, ticket(phone="+86 138-1234-5678"), event_id="ev-2")
    assert (sms_of(session, "ev-2").status, sms_of(session, "ev-2").address) == ("pending", "13812345678")


def test_sms_limits_per_recipient_and_per_user(session, clock, estate):
    limits = notifications.SmsLimits(per_recipient_hour=2, per_recipient_day=3, per_user_hour=0,
                                     per_user_day=0)

    def report(i, user="r1", phone="13812345678"):
        tickets.on_ticket_opened(work(session, clock), ticket(
            number=f"BX-20261124-{i:04d}", reporter={"name": "张伟", "phone": phone, "user_id": user}),
            event_id=f"ev-{i}", group_id=G, project_id="p1", sms_limits=limits)
        session.flush()
        return sms_of(session, f"ev-{i}")

    assert [report(i).status for i in (1, 2, 3)] == ["pending", "pending", "suppressed"]
    assert sms_of(session, "ev-3").last_error == "recipient_hourly_limit: 2 per hour"
    assert [s.phone for s in sending.claim_due_sms(work(session, clock), POLICY)] == ["13812345678"] * 2
    clock.advance(hours=1, minutes=1)
    assert report(4).status == "pending"
    assert (report(5).status, sms_of(session, "ev-5").last_error) == (
        "suppressed", "recipient_daily_limit: 3 per day")
    clock.advance(days=1)
    assert report(6).status == "pending"

    per_user = notifications.SmsLimits(per_recipient_hour=0, per_recipient_day=0, per_user_hour=1,
                                       per_user_day=5)
    for i, phone in ((7, "13812345678"), (8, "+86 139 8765 4321")):
        tickets.on_ticket_opened(work(session, clock), ticket(
            number=f"BX-20261125-{i:04d}", reporter={"name": "x", "phone": phone, "user_id": "r9"}),
            event_id=f"ev-{i}", group_id=G, project_id="p1", sms_limits=per_user)
    session.flush()
    assert (sms_of(session, "ev-7").status, sms_of(session, "ev-8").status) == ("pending", "suppressed")
    assert sms_of(session, "ev-8").last_error == "user_hourly_limit: 1 per hour"
    assert sms_of(session, "ev-8").requested_by == "r9"


def test_sms_limits_come_from_settings():
    limits = notifications.SmsLimits.from_config({"SMS_MAX_PER_RECIPIENT_PER_HOUR": "3",
                                                  "SMS_MAX_PER_USER_PER_DAY": 0})
    assert limits == notifications.SmsLimits(per_recipient_hour=3, per_recipient_day=20,
                                             per_user_hour=10, per_user_day=0)


def test_the_dispatch_states_the_on_site_deadline_the_ticket_will_show(session, clock, estate):
    """tickets restarts the on-site clock when engineering receives the order (the in-app
    dispatch's delivery): the dispatch states that time, not the event's provisional one."""
    data = ticket(deadlines=[
        {"kind": "notify_engineering", "due_at": "2026-11-24T01:04:00+00:00"},
        {"kind": "on_site", "due_at": "2026-11-24T01:17:00+00:00", "after_notice_minutes": 15}])
    open_ticket(session, clock, data)
    dispatch = by_purpose(session, "ticket.dispatch_engineering")
    delivered_at = dispatch.deliveries[0].sent_at
    assert delivered_at == clock.now()
    stated = templates.local_time(delivered_at + timedelta(minutes=15), "Asia/Shanghai")
    assert f"到场时限：{stated}" in dispatch.body
    assert "09:17" not in dispatch.body


def test_a_units_notification_is_published_whole_with_a_growing_version(session, clock, estate):
    open_ticket(session, clock)
    changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "notification.changed"]
    # only the unit's message (the engineering dispatch is addressed to a role)
    assert [(c["purpose"], c["unit_id"], c["version"]) for c in changed] == [("ticket.opened.resident", "u1", 1)]
    assert sorted(d["channel"] for d in changed[0]["deliveries"]) == ["inapp", "sms"]
    assert [d["address"] for d in changed[0]["deliveries"] if d["channel"] == "sms"] == ["138****5678"]
    sending.send_due_sms(work(session, clock), FakeProvider(), POLICY)
    ack = by_purpose(session, "ticket.opened.resident")
    notifications.mark_read(work(session, clock, resident(G, ["u1"])), ack.id)
    changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "notification.changed"]
    assert [c["version"] for c in changed] == [1, 2, 3] and ack.version == 3
    assert [d["status"] for d in changed[1]["deliveries"] if d["channel"] == "sms"] == ["sent"]
    assert changed[2]["read_at"] is not None


def test_a_ticket_opened_writes_each_table_in_one_statement(session, clock, estate):
    """The acknowledgement and the dispatch, their deliveries and their events go out in one
    INSERT per table (the SMS limit check still sees an SMS created earlier in the transaction:
    ``notify`` flushes each SMS that counts). Counted with an SQLAlchemy event."""
    from sqlalchemy import event

    inserts = []
    template_reads = 0

    def seen(conn, cursor, statement, *args):
        nonlocal template_reads
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split()[2])
        elif "FROM templates" in statement:
            template_reads += 1
        elif "FROM notifications" in statement:
            inserts.append("read notifications")

    event.listen(session.bind, "before_cursor_execute", seen)
    try:
        # a number that is not a registered contact: the SMS is recorded suppressed (not counted)
        created = open_ticket(session, clock, ticket(phone="13900000000"))
    finally:
        event.remove(session.bind, "before_cursor_execute", seen)
    assert [n.purpose for n in created] == ["ticket.opened.resident", "ticket.dispatch_engineering"]
    assert (inserts.count("notifications"), inserts.count("deliveries")) == (1, 1), inserts
    assert inserts.count("read notifications") == 1, inserts     # both messages' redelivery check
    # the overrides of a message's channels are read in one query (ack: in-app + SMS; dispatch)
    assert template_reads == 2, template_reads
    if session.bind.dialect.name == "postgresql":   # SQLite's driver inserts outbox rows one by one
        assert inserts.count("outbox") == 1, inserts
    assert count(session, Delivery) == 3
    assert [e["type"] for e in outbox_events(session, Base)].count("notification.delivered") == 2


def test_sms_limits_count_the_sms_of_the_same_transaction(session, clock, estate):
    """Two tickets opened in one transaction: the second acknowledgement SMS is counted
    against the first (per-recipient limit 1) although nothing was committed in between."""
    limits = notifications.SmsLimits(per_recipient_hour=1, per_recipient_day=0, per_user_hour=0,
                                     per_user_day=0)
    w = work(session, clock)
    tickets.on_ticket_opened(w, ticket(), event_id="ev-a", group_id=G, project_id="p1", sms_limits=limits)
    tickets.on_ticket_opened(w, ticket(ticket_id="t2", number="BX-20261124-0002"), event_id="ev-b",
                             group_id=G, project_id="p1", sms_limits=limits)
    session.flush()
    sms = session.scalars(select(Delivery).where(Delivery.channel == "sms")
                          .order_by(Delivery.created_at, Delivery.status)).all()
    assert sorted(d.status for d in sms) == ["pending", "suppressed"]
