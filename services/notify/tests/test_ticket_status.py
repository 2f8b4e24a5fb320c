"""A ticket's steps told to the household that reported it (``ticket.status_changed``, issue 10):
the table of which steps are told, the rules without a broker, and the real container on the
real broker texting a real local HTTP SMS gateway."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from kernel.errors import RetryableError
from kernel.testing import daytime_clock, migrated_sqlite, publish_event, service_config, wait_for
from services.notify import schemas
from services.notify.domain import copies, templates, ticket_status
from services.notify.domain.ticket_status import TOLD
from services.notify.models import Contact, Delivery, HouseholdCopy, Notification, ProjectCopy
from services.notify.tests.test_domain import (G, OWNER, TENANT, clock, estate, household_event,  # noqa: F401
                                               session, work)

NUMBER = "BX-20261124-0001"
#: the SMS says the platform's words only: no staff note
DISPATCH_SMS_ZH = f"【绿湖花园】您的公共区域报修（{NUMBER}）于 2026-11-24 09:05 已派工，维修人员将尽快上门。"
DISPATCH_INAPP_ZH = DISPATCH_SMS_ZH + "\n说明：派给 林工"


def step(action="dispatch", frm="open", to="dispatched", *, kind="repair", category="public_area",
         unit_id="u1", household_id="h1", phone="13812345678", note="派给 林工",
         at="2026-11-24T01:05:00+00:00", **over):
    raw = {"ticket_id": "t1", "group_id": G, "project_id": "p1", "unit_id": unit_id, "kind": kind,
           "category": category, "household_id": household_id, "reporter_phone": phone, "number": NUMBER,
           "from": frm, "to": to, "action": action, "actor": {"user_id": "desk-1", "name": "王芳"},
           "at": at, "note": note, "version": 3}
    raw.update(over)
    return schemas.TicketStatusChangedIn().load(raw)


def tell(session, clock, data, event_id="ev-1", actor_kind="staff"):
    made = ticket_status.on_ticket_status_changed(work(session, clock), data, event_id=event_id, group_id=G,
                                                  project_id="p1", actor_kind=actor_kind)
    session.flush()
    return made


def messages(session):
    return list(session.scalars(select(Notification).where(Notification.purpose == "ticket.status_changed")))


# -- the table ------------------------------------------------------------------------

def test_the_table_decides_every_step_of_every_kind_of_tickets_workflows():
    """A new step in tickets' workflow tables fails here until notify decides whether it is told."""
    from services.tickets.domain import (complaints, feedback, inspections, quality, renovation, revisits,  # noqa: F401
                                         tasks, workflow)  # (register)
    steps = {(kind, action) for kind, table in workflow.TABLES.items() for (_, action) in table}
    assert set(TOLD) == steps


def test_revisits_and_staff_only_steps_are_never_told_and_only_steps_to_act_on_are_texted():
    # a revisit is never told as a status: only its assignment, as the revisit request (its own purpose)
    assert all(TOLD[k] is None for k in TOLD if k[0] == "revisit" and k[1] != "assign")
    assert TOLD[("revisit", "assign")].purpose == "revisit.request"
    # ... and a renovation handed over to a new household: its own message to that household
    assert TOLD[("renovation", "hand_over")].purpose == "renovation.handed_over"
    assert all(t.purpose == "ticket.status_changed" for k, t in TOLD.items()
               if t and k[0] != "revisit" and k != ("renovation", "hand_over"))
    for staff_only in [("repair", "engineering_notified"), ("complaint", "reclassify"),
                       ("complaint", "report_to_manager"), ("complaint", "upgrade"), ("complaint", "dispatch"),
                       ("quality", "claim_compensation")]:
        assert TOLD[staff_only] is None, staff_only
    for own in ["consent", "refuse", "confirm", "rate"]:          # the resident's own steps
        assert TOLD[("repair", own)] is None
    assert {k for k, t in TOLD.items() if t and t.sms} == {
        ("repair", "dispatch"), ("repair", "quote"), ("repair", "complete"), ("repair", "reply"),
        ("revisit", "assign"),
        # a renovation: the steps the household acts on (sign, rework, pay, start, put right)
        ("renovation", "approve"), ("renovation", "reject"), ("renovation", "sign_agreement"),
        ("renovation", "issue_permit"), ("renovation", "fail_acceptance"),
        # the household a renovation is handed to at a transfer did not apply for it: its payers are texted
        ("renovation", "hand_over")}


def test_every_told_step_has_words_in_both_locales_never_a_code():
    for key, t in TOLD.items():
        if t is None:
            continue
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t.zh), key
        assert t.en and "_" not in t.en and key[1] not in (t.zh, t.en), key


# -- the rules ------------------------------------------------------------------------

def test_a_dispatch_tells_the_unit_in_app_with_the_note_and_texts_the_reporter_without_it(
        session, clock, estate):
    made = tell(session, clock, step())
    assert (made.recipient_kind, made.recipient, made.ref_type, made.ref_id, made.locale) == (
        "unit", "u1", "ticket", "t1", "zh-CN")
    assert made.subject == f"工单 {NUMBER}：已派工，维修人员将尽快上门"
    assert made.body == DISPATCH_INAPP_ZH
    deliveries = {d.channel: d for d in made.deliveries}
    assert set(deliveries) == {"inapp", "sms"}                    # no WeChat bound
    assert deliveries["inapp"].status == "delivered"
    sms = deliveries["sms"]
    assert (sms.status, sms.address, sms.body) == ("pending", "13812345678", DISPATCH_SMS_ZH)
    assert "林工" not in sms.body and "派给" not in sms.body
    assert sms.next_attempt_at == clock.now()                     # 09:00 in Shanghai: not held


def test_the_same_event_twice_makes_one_message(session, clock, estate):
    assert tell(session, clock, step()) is not None
    assert tell(session, clock, step()) is None
    assert len(messages(session)) == 1
    assert len(session.scalars(select(Delivery).where(Delivery.channel == "sms")).all()) == 1


def test_steps_not_told(session, clock, estate):
    cases = [
        step("engineering_notified", "open", "dispatched"),                    # staff-only
        step("accept", "dispatched", "accepted"),
        step("dispatch", "dispatched", "dispatched"),                          # a reassignment
        step("record", "scheduled", "done", kind="revisit", category="repair_unrated"),
        step("assign", "scheduled", "scheduled", kind="revisit", category="routine"),
        step("reclassify", "dispatched", "dispatched", kind="complaint", category="engineering"),
        step("cancel", "open", "cancelled", unit_id=None, household_id=None),  # a public-area request: nobody
        step("dispatch", kind=None),                                           # an event of before the kind
    ]
    for n, data in enumerate(cases):
        assert tell(session, clock, data, event_id=f"ev-{n}") is None, data
    # the resident's own cancellation is not told back to them
    assert tell(session, clock, step("cancel", "open", "cancelled"), event_id="ev-own", actor_kind="resident") is None
    assert messages(session) == []


def test_a_re_quote_is_told_again_and_the_staff_cancellation_in_app_only(session, clock, estate):
    first = tell(session, clock, step("quote", "on_site", "quoted", category="in_home_paid",
                                      note="quote 1: 120.00 CNY"), event_id="ev-q1")
    again = tell(session, clock, step("quote", "quoted", "quoted", category="in_home_paid",
                                      note="quote 2: 90.00 CNY"), event_id="ev-q2")
    assert {d.channel for d in first.deliveries} == {d.channel for d in again.deliveries} == {"inapp", "sms"}
    assert "户内有偿维修" in again.body and "已报价" in again.body and "90.00" in again.body
    assert "90.00" not in next(d.body for d in again.deliveries if d.channel == "sms")
    cancelled = tell(session, clock, step("cancel", "dispatched", "cancelled", note="业主改期"), event_id="ev-c")
    assert {d.channel for d in cancelled.deliveries} == {"inapp"}
    assert "已取消" in cancelled.body and "业主改期" in cancelled.body


def test_a_complaint_s_response_is_in_app_by_the_kind_s_name(session, clock, estate):
    made = tell(session, clock, step("respond", "dispatched", "responded", kind="complaint", category="engineering",
                                     note="已安排工程部周五前更换"))
    assert {d.channel for d in made.deliveries} == {"inapp"}
    assert made.body.startswith(f"【绿湖花园】您的投诉（{NUMBER}）于 2026-11-24 09:05 已回复。")
    assert "engineering" not in made.body and "respond" not in made.body


def test_a_reply_to_a_suggestion_is_told_in_app_only_without_the_reply(session, clock, estate):
    for contact in session.scalars(select(Contact).where(Contact.person_id == "pe2")):
        contact.wechat_openid = "oWx-tenant-0001"                 # bound, still not told by WeChat
    made = tell(session, clock, step("reply", "received", "replied", kind="feedback", category="suggestion",
                                     phone="13987654321", note="建议已采纳 BJ-20261124-0001"))
    assert {d.channel for d in made.deliveries} == {"inapp"}
    assert "已答复" in made.body or "answered" in made.body
    for action in ("acknowledge", "forward", "close", "cancel"):
        assert tell(session, clock, step(action, "received", "acknowledged", kind="feedback",
                                         category="suggestion"), event_id=f"ev-{action}") is None


def test_an_english_contact_reads_english_and_a_bound_wechat_is_told_too(session, clock, estate):
    for contact in session.scalars(select(Contact).where(Contact.person_id == "pe2")):
        contact.wechat_openid = "oWx-tenant-0001"
    made = tell(session, clock, step("complete", "on_site", "work_done", phone="13987654321", note="换了灯管"))
    assert made.locale == "en"
    deliveries = {d.channel: d for d in made.deliveries}
    assert set(deliveries) == {"inapp", "sms", "wechat"}
    assert deliveries["wechat"].address == "oWx-tenant-0001" and "换了灯管" in deliveries["wechat"].body
    assert deliveries["sms"].body == (f"[绿湖花园] Your public-area repair request ({NUMBER}): work done: please "
                                      "check it and sign it off or rate it at 2026-11-24 09:05.")


def test_a_typed_number_that_is_no_contact_is_not_texted(session, clock, estate):
    made = tell(session, clock, step(phone="13700000000"))
    sms = next(d for d in made.deliveries if d.channel == "sms")
    assert (sms.status, sms.last_error, sms.address) == ("suppressed", "not_a_registered_contact", None)
    assert next(d for d in made.deliveries if d.channel == "inapp").status == "delivered"


def test_a_household_gone_from_the_unit_is_not_told_and_one_not_copied_yet_is_waited_for(session, clock, estate):
    copies.upsert_household(work(session, clock), household_event([OWNER, TENANT], status="moved_out", version=2))
    assert tell(session, clock, step()) is None
    with pytest.raises(RetryableError):
        tell(session, clock, step(household_id="h-unknown"), event_id="ev-2")
    assert messages(session) == []


def test_in_quiet_hours_the_sms_waits_for_the_morning(session, clock, estate):
    clock.set(datetime(2026, 11, 24, 14, 0, tzinfo=timezone.utc))      # 22:00 in Shanghai
    made = tell(session, clock, step(at="2026-11-24T14:00:00+00:00"))
    sms = next(d for d in made.deliveries if d.channel == "sms")
    assert sms.status == "pending"
    assert sms.next_attempt_at == datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)   # 08:00 local


def test_the_purpose_keeps_the_note_out_of_sms_templates():
    assert "note" not in templates.purpose_of("ticket.status_changed").allowed("sms")


# -- the real container on the real broker ---------------------------------------------

@pytest.fixture
def sms_gateway():
    from services.notify.tests.stub import SmsGatewayStub
    stub = SmsGatewayStub()
    yield stub
    stub.close()


def test_a_repair_dispatched_reaches_the_resident_in_app_and_by_sms_once(container_factory, rabbit_config, rpc,
                                                                        tmp_path, sms_gateway):
    from kernel.testing import database_of
    from services.notify.models import InboxRecord
    from services.notify.service import NotifyService
    from services.notify.tests.test_service import OWNER as OWNER_CALLER
    from services.notify.tests.test_service import publish_registry

    amqp = rabbit_config["AMQP_URI"]
    container = container_factory(NotifyService, service_config(
        amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url,
        SMS_API_KEY="test-key", SMS_SIGN="绿湖物业", SMS_SEND_INTERVAL=0.1,
        # real time passes (the sender's loop), at 10:00 in Shanghai: quiet hours do not hold the SMS
        CLOCK=daytime_clock(tmp_path / "clock.json")))
    container.start()
    publish_registry(amqp)
    db = database_of(container)

    def copied():
        with db.Session() as s:
            return s.get(HouseholdCopy, "h1") is not None and s.get(ProjectCopy, "p1") is not None
    wait_for(copied, timeout=10, message="archive's copies")

    def publish(data, event_id=None):
        raw = schemas.TicketStatusChangedIn().dump(data)
        return publish_event(amqp, "tickets", "ticket.status_changed", raw, group_id=G, project_id="p1",
                             event_id=event_id)

    now = datetime.now(timezone.utc).isoformat()
    quiet = [publish(step("engineering_notified", "open", "dispatched", at=now)),               # staff-only
             publish(step("record", "scheduled", "done", kind="revisit", category="repair_unrated", at=now))]
    dispatched = publish(step(at=now))
    publish(step(at=now), event_id=dispatched.id)                          # the broker delivers it twice

    def texted():
        latest = rpc.call(OWNER_CALLER, "notify", "latest_for_unit", "u1")
        sms = [d for n in latest for d in n["deliveries"] if d["channel"] == "sms"]
        return latest if sms and sms[0]["status"] == "sent" else None

    [message] = wait_for(texted, timeout=20, message="the dispatch SMS")
    assert (message["purpose"], message["ref_id"]) == ("ticket.status_changed", "t1")
    assert "已派工" in message["body"] and "说明：派给 林工" in message["body"]
    assert {d["channel"]: d["status"] for d in message["deliveries"]} == {"inapp": "delivered", "sms": "sent"}
    [sent] = sms_gateway.delivered
    assert sent["to"] == "13812345678"
    assert "已派工，维修人员将尽快上门" in sent["text"] and "林工" not in sent["text"]

    # every event was handled (the inbox has them): the staff-only step and the revisit made nothing,
    # the redelivery made nothing more
    wanted = {e.id for e in quiet} | {dispatched.id}

    def handled():
        with db.Session() as s:
            return set(s.scalars(select(InboxRecord.event_id).where(InboxRecord.event_id.in_(wanted))))
    wait_for(lambda: handled() == wanted, timeout=10, message="every event handled")
    assert len(rpc.call(OWNER_CALLER, "notify", "latest_for_unit", "u1", 10)) == 1
    assert len(sms_gateway.delivered) == 1


def test_what_tickets_publishes_is_what_notify_reads(session, clock, estate):
    """tickets' own schema dumps the step; notify's loads it and tells it."""
    from services.tickets.events import CONTRACT as TICKETS
    published = TICKETS.dump("ticket.status_changed", {
        "ticket_id": "t1", "group_id": G, "project_id": "p1", "unit_id": "u1", "kind": "repair",
        "category": "public_area", "household_id": "h1", "reporter_phone": "138-1234-5678", "number": NUMBER,
        "from_": "open", "to": "dispatched", "action": "dispatch", "actor": {"user_id": "desk-1", "name": "王芳"},
        "at": datetime(2026, 11, 24, 1, 5, tzinfo=timezone.utc), "note": "派给 林工", "version": 3})
    made = tell(session, clock, schemas.TicketStatusChangedIn().load(published))
    assert made.body == DISPATCH_INAPP_ZH
    assert next(d for d in made.deliveries if d.channel == "sms").address == "13812345678"


def test_the_work_may_start_sms_is_not_lost_to_the_per_number_limit(session, clock, estate):
    """Trial 4 M6: five SMS to the number within the hour (acknowledgements here; receipts and bills in
    the trial) -- the renovation permit's "可以开工", a workflow notice the household waits for
    (``ticket.status_changed`` is transactional in the catalogue), still goes out; an ordinary purpose's
    SMS is dropped, and the per-user limit still holds a transactional one."""
    from services.notify.domain import notifications, tickets
    from services.notify.tests.test_domain import sms_of, ticket
    for i in range(6):
        tickets.on_ticket_opened(work(session, clock), ticket(number=f"BX-20261124-{i:04d}"),
                                 event_id=f"ev-open-{i}", group_id=G, project_id="p1")
        session.flush()
    assert sms_of(session, "ev-open-5").last_error == "recipient_hourly_limit: 5 per hour"   # the quota is used
    assert templates.purpose_of("ticket.status_changed").transactional
    assert not templates.purpose_of("ticket.opened.resident").transactional
    made = tell(session, clock, step("issue_permit", "fees_paid", "in_progress", kind="renovation",
                                     category="renovation", note=None), event_id="ev-permit")
    sms = next(d for d in made.deliveries if d.channel == "sms")
    assert (sms.status, sms.last_error) == ("pending", None) and "可以开工" in sms.body
    # the causing user's own limit still applies to it
    per_user = notifications.SmsLimits(per_recipient_hour=5, per_recipient_day=10, per_user_hour=1, per_user_day=5)
    assert notifications.sms_over_limit(work(session, clock), per_user, "13812345678", "desk-1",
                                        recipient_limits=False) is None
    sms.requested_by = "desk-1"
    session.flush()
    assert notifications.sms_over_limit(work(session, clock), per_user, "13812345678", "desk-1",
                                        recipient_limits=False) == "user_hourly_limit: 1 per hour"
