"""The sending policy (issue 10): quiet hours in the project's zone, send-at, residents' opt-outs (never
of a legally required notice), the SMS's fallback to print, the delivery status for staff and the
inbox's unread counts. Rules without a broker, on SQLite, with a ManualClock; the sender's claim is the
real one (``sending.send_due``) and the provider a recording stand-in outside our system."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.testing import domain_session, resident, staff
from services.notify import schemas
from services.notify.domain import bills, deliveries, notifications, policy, sending, settings, templates
from services.notify.domain.notifications import EMAIL, INAPP, PERSON, SMS, UNIT, WECHAT, Channel, Recipient
from services.notify.exceptions import PersonNotFound, ResidentsOnly
from services.notify.models import Base, Delivery, Notification, ProjectCopy
from services.notify.providers import SmsRejected, SmsTemporaryError
from kernel.testing import TEST_SECRET
from kernel.tenancy import Caller
from kernel.work import Work
from services.notify.events import CONTRACT
from services.notify.tests.test_domain import G, estate  # noqa: F401
from services.notify.tests.test_dunning_notices import NOTICE

UTC = timezone.utc


def work(session, clock, caller=None):
    """A unit of work as the service builds it: with notify's settings."""
    return Work.build(session, clock, caller or Caller.system(G, "notify"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=settings.SETTINGS)
NO_RETRY_WAIT = sending.SmsPolicy(retry_base=30, max_attempts=3)


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    # 23:00 in Shanghai is 15:00 UTC: the quiet hours' end (08:00 local) is the next UTC day's 00:00
    return ManualClock("2026-11-24T23:00:00+08:00")


class Recording:
    """A provider of every channel that accepts everything (or raises ``fail``) and records the refs."""

    def __init__(self, fail=None):
        self.sent, self.fail = [], fail

    def send(self, phone, text, ref):
        if self.fail is not None:
            raise self.fail
        self.sent.append(ref)
        return f"msg-{ref}"


def providers(provider):
    return {SMS: provider, EMAIL: provider, WECHAT: provider}


def sample(purpose):
    return lambda locale: templates.purpose_of(purpose).sample(locale)


def message(session, clock, purpose, channels, *, person="pe1", event="ev-1", send_at=None, unit_id="u1"):
    project = session.get(ProjectCopy, "p1")
    n, created = notifications.notify(work(session, clock), project, purpose=purpose,
                                      recipient=Recipient(PERSON, person, unit_id), locale="zh-CN",
                                      values=sample(purpose), channels=channels, source_event_id=event,
                                      send_at=send_at, sms_limits=notifications.SmsLimits(0, 0, 0, 0))
    assert created
    session.flush()
    return n


def by_channel(n):
    return {d.channel: d for d in n.deliveries}


def send(session, clock, provider, policy_=sending.SmsPolicy()):
    out = sending.send_due(work(session, clock), provider if isinstance(provider, dict) else providers(provider),
                           policy_)
    session.flush()
    return out


# -- quiet hours -------------------------------------------------------------------------------

@pytest.mark.parametrize("local, end", [
    ("2026-11-24T23:00:00+08:00", "2026-11-25T00:00:00+00:00"),    # 08:00 local tomorrow, the next UTC day
    ("2026-11-24T21:00:00+08:00", "2026-11-25T00:00:00+00:00"),    # the first minute is quiet
    ("2026-11-25T02:30:00+08:00", "2026-11-25T00:00:00+00:00"),    # after midnight: this morning
    ("2026-11-24T07:59:00+08:00", "2026-11-24T00:00:00+00:00"),
    ("2026-11-24T08:00:00+08:00", None),                           # the end is not quiet
    ("2026-11-24T20:59:00+08:00", None),
    ("2026-11-24T12:00:00+08:00", None),
])
def test_quiet_hours_end_in_the_project_s_zone(local, end):
    at = datetime.fromisoformat(local)
    found = policy.quiet_end(at, "Asia/Shanghai", time(21, 0), time(8, 0))
    assert found == (datetime.fromisoformat(end) if end else None)


def test_quiet_hours_within_a_day_and_switched_off():
    noon = datetime.fromisoformat("2026-11-24T12:30:00+08:00")
    assert policy.quiet_end(noon, "Asia/Shanghai", time(12, 0), time(14, 0)) == \
        datetime.fromisoformat("2026-11-24T14:00:00+08:00")
    assert policy.quiet_end(noon, "Asia/Shanghai", time(9, 0), time(9, 0)) is None
    # another zone: 23:00 UTC is 07:00 in Shanghai (quiet), 23:00 in London-in-winter (quiet)
    late = datetime.fromisoformat("2026-11-24T23:00:00+00:00")
    assert policy.quiet_end(late, "Europe/London", time(21, 0), time(8, 0)) == \
        datetime.fromisoformat("2026-11-25T08:00:00+00:00")
    assert policy.quiet_end(late, "Asia/Shanghai", time(21, 0), time(8, 0)) == \
        datetime.fromisoformat("2026-11-25T00:00:00+00:00")


def test_an_sms_made_at_23_in_shanghai_is_not_claimed_until_8_the_next_morning(session, clock, estate):
    n = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678"), Channel(EMAIL, "zw@example.com")])
    sms, email = by_channel(n)[SMS], by_channel(n)[EMAIL]
    assert sms.status == "pending"
    assert sms.next_attempt_at == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)   # 08:00 in Shanghai, another UTC day
    provider = Recording()
    send(session, clock, provider)
    assert provider.sent == [email.id]                 # e-mail is not held; the SMS is
    for moment in ("2026-11-25T00:30:00+08:00", "2026-11-25T07:59:59+08:00"):
        clock.set(moment)
        assert send(session, clock, provider) == []
    clock.set("2026-11-25T08:00:00+08:00")
    assert [d.id for d in send(session, clock, provider)] == [sms.id]
    assert sms.status == "sent" and provider.sent == [email.id, sms.id]


def test_wechat_waits_too_inapp_does_not_and_an_emergency_goes_at_once(session, clock, estate):
    n = message(session, clock, "ticket.status_changed",
                [Channel(INAPP), Channel(SMS, "13812345678"), Channel(WECHAT, "oAbCdEfGhIjK")])
    assert by_channel(n)[INAPP].status == "delivered"
    assert by_channel(n)[WECHAT].next_attempt_at == by_channel(n)[SMS].next_attempt_at == \
        datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    urgent = message(session, clock, "outage.urgent", [Channel(SMS, "13812345678"), Channel(WECHAT, "oAbCdEfGhIjK")],
                     event="ev-urgent")
    provider = Recording()
    send(session, clock, provider)
    assert sorted(provider.sent) == sorted(d.id for d in urgent.deliveries)
    assert templates.purpose_of("outage.urgent").emergency and not templates.purpose_of("outage.notice").emergency


def test_the_project_s_quiet_hours_are_settings(session, clock, estate):
    manager = work(session, clock, staff(G, ["p1"], roles=["centre_manager"]))
    settings.set_setting(manager, "p1", settings.QUIET_FROM, "23:30")
    settings.set_setting(manager, "p1", settings.QUIET_UNTIL, "07:00")
    session.flush()
    n = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678")])
    assert by_channel(n)[SMS].next_attempt_at == clock.now()        # 23:00 is not quiet any more
    clock.set("2026-11-24T23:45:00+08:00")
    later = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678")], event="ev-2")
    assert by_channel(later)[SMS].next_attempt_at == datetime.fromisoformat("2026-11-25T07:00:00+08:00")
    with pytest.raises(InvalidInput):
        settings.set_setting(manager, "p1", settings.QUIET_FROM, "25:00")


def test_a_retry_falling_in_the_quiet_hours_waits_for_their_end(session, clock, estate):
    clock.set("2026-11-24T20:59:50+08:00")
    n = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678")])
    send(session, clock, Recording(fail=SmsTemporaryError("busy")), NO_RETRY_WAIT)
    sms = by_channel(n)[SMS]
    assert sms.status == "pending" and sms.attempts == 1 and sms.last_error == "busy"
    assert sms.next_attempt_at == datetime(2026, 11, 25, 0, 0, tzinfo=UTC)    # not 21:00:20


# -- send-at -------------------------------------------------------------------------------------

def test_a_scheduled_message_waits_for_its_send_at(session, clock, estate):
    clock.set("2026-11-24T09:00:00+08:00")
    at = datetime.fromisoformat("2026-11-24T10:00:00+08:00")
    n = message(session, clock, "warranty.expiry",
                [Channel(INAPP), Channel(SMS, "13812345678"), Channel(EMAIL, "zw@example.com")], send_at=at)
    assert n.send_at == at and by_channel(n)[INAPP].status == "delivered"
    provider = Recording()
    clock.set("2026-11-24T09:59:59+08:00")
    assert send(session, clock, provider) == []
    clock.set(at)
    assert len(send(session, clock, provider)) == 2


def test_a_message_scheduled_into_the_night_then_waits_for_the_morning(session, clock, estate):
    clock.set("2026-11-24T09:00:00+08:00")
    n = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678"), Channel(EMAIL, "zw@example.com")],
                send_at=datetime.fromisoformat("2026-11-24T22:00:00+08:00"))
    assert by_channel(n)[EMAIL].next_attempt_at == datetime.fromisoformat("2026-11-24T22:00:00+08:00")
    assert by_channel(n)[SMS].next_attempt_at == datetime.fromisoformat("2026-11-25T08:00:00+08:00")


def test_a_send_at_in_the_past_is_now(session, clock, estate):
    n = message(session, clock, "outage.urgent", [Channel(SMS, "13812345678")],
                send_at=clock.now() - timedelta(hours=1))
    assert n.send_at is None and by_channel(n)[SMS].next_attempt_at == clock.now()


# -- opt-outs --------------------------------------------------------------------------------------

def owner(session, clock, unit_ids=("u1",)):
    return work(session, clock, resident(G, unit_ids))


def test_an_opted_out_resident_gets_no_marketing_sms_but_gets_the_dunning_notice(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    shown = policy.set_preferences(owner(session, clock), "u1", "pe1", [{"channel": "sms", "opt_out": "marketing"}])
    assert shown["channels"] == [{"channel": "sms", "opt_out": "marketing"}, {"channel": "email", "opt_out": "none"},
                                 {"channel": "wechat", "opt_out": "none"}]
    greeting = message(session, clock, "greeting.holiday", [Channel(INAPP), Channel(SMS, "13812345678")])
    assert by_channel(greeting)[SMS].status == "suppressed"
    assert by_channel(greeting)[SMS].last_error == "opted_out"          # why it was not sent
    assert by_channel(greeting)[INAPP].status == "delivered"            # the inbox is not a channel one opts out of
    made = bills.on_dunning_notice(work(session, clock), schemas.DunningNoticeIn().load(NOTICE), event_id="ev-dun",
                                   group_id=G, project_id="p1")
    session.flush()
    [to_owner] = [n for n in made if n.recipient == "pe1"]
    assert by_channel(to_owner)[SMS].status == "pending"                # legally required: sent
    provider = Recording()
    send(session, clock, provider)
    assert by_channel(to_owner)[SMS].id in provider.sent
    assert by_channel(greeting)[SMS].id not in provider.sent
    # another person of the household has opted out of nothing
    other = message(session, clock, "greeting.holiday", [Channel(SMS, "13987654321")], person="pe2", event="ev-9")
    assert by_channel(other)[SMS].status == "pending"


def test_opting_out_of_all_stops_service_messages_not_legal_ones_and_none_undoes_it(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    me = owner(session, clock)
    policy.set_preferences(me, "u1", "pe1", [{"channel": "sms", "opt_out": "all"},
                                             {"channel": "email", "opt_out": "marketing"}])
    service = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678"), Channel(EMAIL, "zw@example.com")])
    assert by_channel(service)[SMS].last_error == "opted_out" and by_channel(service)[EMAIL].status == "pending"
    outage = message(session, clock, "outage.notice", [Channel(SMS, "13812345678")], event="ev-2")
    assert by_channel(outage)[SMS].status == "pending"
    shown = policy.set_preferences(me, "u1", "pe1", [{"channel": "sms", "opt_out": "none"}])
    assert shown["channels"][0] == {"channel": "sms", "opt_out": "none"}
    assert policy.get_preferences(me, "u1", "pe1")["channels"][1] == {"channel": "email", "opt_out": "marketing"}
    again = message(session, clock, "warranty.expiry", [Channel(SMS, "13812345678")], event="ev-3")
    assert by_channel(again)[SMS].status == "pending"


def test_the_repair_acknowledgement_answers_at_once_even_at_night(session, clock, estate):
    """A reply to the resident's own request of a moment ago: they are awake and waiting for it."""
    from services.notify.domain import tickets
    from services.notify.tests.test_domain import ticket
    tickets.on_ticket_opened(work(session, clock), ticket(), event_id="ev-t", group_id=G, project_id="p1")
    session.flush()
    sms = session.scalars(select(Delivery).where(Delivery.channel == SMS)).one()
    assert sms.status == "pending" and sms.next_attempt_at == clock.now()       # 23:00, not held
    assert templates.purpose_of("ticket.opened.resident").reply


def test_the_repair_acknowledgement_respects_the_reporter_s_opt_out(session, clock, estate):
    from services.notify.domain import tickets
    from services.notify.tests.test_domain import ticket
    clock.set("2026-11-24T10:00:00+08:00")
    policy.set_preferences(owner(session, clock), "u1", "pe1", [{"channel": "sms", "opt_out": "all"}])
    tickets.on_ticket_opened(work(session, clock), ticket(), event_id="ev-t", group_id=G, project_id="p1")
    session.flush()
    sms = session.scalars(select(Delivery).where(Delivery.channel == SMS)).one()
    assert sms.status == "suppressed" and sms.last_error == "opted_out"


def test_only_the_household_s_own_resident_reads_and_changes_preferences(session, clock, estate):
    with pytest.raises(NotFound):
        policy.get_preferences(owner(session, clock, ("u2",)), "u1", "pe1")      # not their unit
    with pytest.raises(PersonNotFound):
        policy.get_preferences(owner(session, clock), "u1", "someone-else")
    with pytest.raises(ResidentsOnly):
        policy.set_preferences(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), "u1", "pe1",
                               [{"channel": "sms", "opt_out": "all"}])
    with pytest.raises(Exception):
        schemas.PreferencesIn().load({"channels": [{"channel": "print", "opt_out": "all"}]})
    with pytest.raises(Exception):
        schemas.PreferencesIn().load({"channels": [{"channel": "sms", "opt_out": "all"},
                                                   {"channel": "sms", "opt_out": "none"}]})


# -- the fallback of an SMS that fails for good ------------------------------------------------------

def dunning(session, clock, **over):
    made = bills.on_dunning_notice(work(session, clock), schemas.DunningNoticeIn().load({**NOTICE, **over}),
                                   event_id="ev-dun", group_id=G, project_id="p1")
    session.flush()
    return made


def test_a_rejected_dunning_sms_falls_back_to_a_printed_notice(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    made = dunning(session, clock, door_notice=False)
    send(session, clock, Recording(fail=SmsRejected("number does not exist")))
    to_owner = next(n for n in made if n.recipient == "pe1")
    sent = by_channel(to_owner)
    assert sent[SMS].status == "failed" and sent[SMS].last_error == "rejected: number does not exist"
    assert sent["print"].status == "queued" and sent["print"].body == sent[SMS].body
    assert sent["print"].last_error == sending.FALLBACK_NOTE
    # ... once per unit and notice: the second payer's failed SMS adds no second printed notice
    prints = session.scalars(select(Delivery).where(Delivery.channel == "print")).all()
    assert len(prints) == 1
    # the unit's in-app message is there, as it was
    unit = next(n for n in made if n.recipient_kind == UNIT)
    assert by_channel(unit)[INAPP].status == "delivered"


def test_no_fallback_print_when_the_door_notice_is_queued_already(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    dunning(session, clock, door_notice=True)
    send(session, clock, Recording(fail=SmsRejected("blocked")))
    assert len(session.scalars(select(Delivery).where(Delivery.channel == "print")).all()) == 1


def test_attempts_exhausted_falls_back_and_a_purpose_without_print_is_failed_only(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    outage = message(session, clock, "outage.notice", [Channel(SMS, "13812345678")])
    reminder = message(session, clock, "payment_reminder", [Channel(SMS, "13812345678")], event="ev-2")
    provider = Recording(fail=SmsTemporaryError("timeout"))
    for _ in range(3):
        send(session, clock, provider, NO_RETRY_WAIT)
        clock.advance(minutes=10)
    assert by_channel(outage)[SMS].status == by_channel(reminder)[SMS].status == "failed"
    assert by_channel(outage)["print"].status == "queued"
    assert "print" not in by_channel(reminder)


# -- the delivery status for staff ---------------------------------------------------------------------

def test_staff_list_the_project_s_deliveries_by_status_channel_purpose_unit_and_date(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    policy.set_preferences(owner(session, clock), "u1", "pe1", [{"channel": "sms", "opt_out": "marketing"}])
    message(session, clock, "greeting.holiday", [Channel(INAPP), Channel(SMS, "13812345678")])
    clock.set("2026-11-25T10:00:00+08:00")
    failing = message(session, clock, "warranty.expiry", [Channel(SMS, "13987654321"), Channel(EMAIL, "john@example.com")],
                      person="pe2", event="ev-2")
    send(session, clock, {SMS: Recording(fail=SmsRejected("rejected 13987654321")), EMAIL: Recording()})
    desk = work(session, clock, staff(G, ["p1"], roles=["front_desk"]))
    q = lambda **kw: deliveries.list_deliveries(desk, schemas.DeliveryQuery().load({"project_id": "p1", **kw}))
    everything = q()
    assert everything["total"] == 4 and [i["channel"] for i in everything["items"]][:2] in (["sms", "email"],
                                                                                             ["email", "sms"])
    [suppressed] = q(status="suppressed")["items"]
    assert suppressed["purpose"] == "greeting.holiday" and suppressed["kind"] == "marketing"
    assert suppressed["last_error"] == "opted_out" and suppressed["address"] == "138****5678"
    [failed] = q(status="failed", channel="sms")["items"]
    assert failed["delivery_id"] == by_channel(failing)[SMS].id
    assert "13987654321" not in failed["provider_answer"] + failed["last_error"]      # masked there too
    assert failed["unit_label"] == "1栋-0101"
    assert q(purpose="warranty.expiry")["total"] == 2 and q(unit_id="u2")["total"] == 0
    assert q(date_from="2026-11-25")["total"] == 2 and q(date_to="2026-11-24")["total"] == 2
    page = q(limit=3, offset=3)
    assert page["total"] == 4 and len(page["items"]) == 1
    with pytest.raises(Exception):
        schemas.DeliveryQuery().load({"project_id": "p1", "date_from": "2026-11-25", "date_to": "2026-11-24"})


def test_only_the_project_s_customer_service_reads_the_delivery_status(session, clock, estate):
    q = schemas.DeliveryQuery().load({"project_id": "p1"})
    with pytest.raises(Forbidden):
        deliveries.list_deliveries(work(session, clock, staff(G, ["p1"], roles=["engineering"])), q)
    with pytest.raises(Forbidden):
        deliveries.list_deliveries(work(session, clock, staff(G, ["p2"], roles=["cs_manager"])), q)
    with pytest.raises(NotFound):
        deliveries.list_deliveries(owner(session, clock), q)
    assert deliveries.list_deliveries(work(session, clock, staff(G, ["p1"], roles=["steward"])), q)["total"] == 0


# -- unread counts ----------------------------------------------------------------------------------------

def test_unread_counts_of_the_unit_and_the_staff_inbox(session, clock, estate):
    clock.set("2026-11-24T10:00:00+08:00")
    project = session.get(ProjectCopy, "p1")
    made = []
    for i in range(3):
        n, _ = notifications.notify(work(session, clock), project, purpose="warranty.expiry",
                                    recipient=Recipient(UNIT, "u1", "u1"), locale="zh-CN",
                                    values=sample("warranty.expiry"), channels=[Channel(INAPP)],
                                    source_event_id=f"ev-{i}")
        made.append(n)
    notifications.notify(work(session, clock), project, purpose="ticket.sla_warning",
                         recipient=Recipient("role", "front_desk"), locale="zh-CN",
                         values=sample("ticket.sla_warning"), channels=[Channel(INAPP)], source_event_id="ev-r")
    session.flush()
    me = owner(session, clock)
    assert notifications.unread_for_unit(me, "u1") == {"unit_id": "u1", "unread": 3}
    notifications.mark_read(me, made[0].id)
    session.flush()
    assert notifications.unread_for_unit(me, "u1")["unread"] == 2
    with pytest.raises(NotFound):
        notifications.unread_for_unit(owner(session, clock, ("u2",)), "u1")
    desk = work(session, clock, staff(G, ["p1"], roles=["front_desk"]))
    assert notifications.staff_unread(desk, "p1") == {"project_id": "p1", "unread": 1}
    assert notifications.staff_unread(work(session, clock, staff(G, ["p1"], roles=["engineering"])))["unread"] == 0


def test_the_staff_inbox_s_read_state_is_per_user(session, clock, estate):
    """Trial 10, finding 17: the engineering manager reading a dispatch leaves it unread for the engineer
    (and the other way round); each sees their own read_at; the counts are per user."""
    project = session.get(ProjectCopy, "p1")
    n, _ = notifications.notify(work(session, clock), project, purpose="ticket.sla_warning",
                                recipient=Recipient("role", "engineering"), locale="zh-CN",
                                values=sample("ticket.sla_warning"), channels=[Channel(INAPP)], source_event_id="ev-r")
    session.flush()
    manager = work(session, clock, staff(G, ["p1"], roles=["engineering_manager"], user_id="engmgr"))
    engineer = work(session, clock, staff(G, ["p1"], roles=["engineering"], user_id="eng"))
    other = work(session, clock, staff(G, ["p1"], roles=["engineering"], user_id="eng-2"))
    assert [notifications.staff_unread(w, "p1")["unread"] for w in (manager, engineer, other)] == [1, 1, 1]
    read = notifications.mark_read(manager, n.id)
    session.flush()
    assert read.read_at == clock.now()
    assert [notifications.staff_unread(w, "p1")["unread"] for w in (manager, engineer, other)] == [0, 1, 1]
    assert [m.read_at for m in notifications.staff_inbox(engineer, "p1")] == [None]
    assert [m.id for m in notifications.staff_inbox(engineer, "p1", unread_only=True)] == [n.id]
    assert notifications.staff_inbox(manager, "p1", unread_only=True) == []
    clock.advance(minutes=5)
    notifications.mark_read(engineer, n.id)
    notifications.mark_read(engineer, n.id)             # again: nothing more
    session.flush()
    assert [notifications.staff_unread(w, "p1")["unread"] for w in (manager, engineer, other)] == [0, 0, 1]
    assert schemas.NotificationOut().dump(notifications.staff_inbox(engineer, "p1")[0])["read_at"] == \
        clock.now().isoformat()
    assert (n.read_at, n.read_by) == (clock.now() - timedelta(minutes=5), "engmgr")     # the first reading


def test_the_staff_unread_count_of_an_unknown_or_foreign_project_is_404(session, clock, estate):
    """Trial 10, finding 19: ?project_id=zzz was 200 {unread: 0}; another group's project reads the same."""
    from services.notify.exceptions import ProjectNotFound
    desk = work(session, clock, staff(G, ["p1"], roles=["front_desk"]))
    for project_id in ("zzz",):
        with pytest.raises(ProjectNotFound):
            notifications.staff_unread(desk, project_id)
        with pytest.raises(ProjectNotFound):
            notifications.staff_inbox(desk, project_id)
    foreign = work(session, clock, staff("other-group", ["p1"], roles=["front_desk"], all_projects=True))
    with pytest.raises(ProjectNotFound):
        notifications.staff_unread(foreign, "p1")
    with pytest.raises(Forbidden):                      # the group's other project: 403, as elsewhere
        notifications.staff_unread(work(session, clock, staff(G, ["p2"], roles=["front_desk"])), "p1")


def test_the_unit_s_inbox_page_with_its_total_and_the_unread_filter(session, clock, estate):
    """Trial 10, finding 18 (notify's side, when the read model misses): limit, offset, total, unread_only."""
    project = session.get(ProjectCopy, "p1")
    made = []
    for i in range(4):
        clock.advance(minutes=1)
        n, _ = notifications.notify(work(session, clock), project, purpose="warranty.expiry",
                                    recipient=Recipient(UNIT, "u1", "u1"), locale="zh-CN",
                                    values=sample("warranty.expiry"), channels=[Channel(INAPP)],
                                    source_event_id=f"ev-{i}")
        made.append(n)
    session.flush()
    me = owner(session, clock)
    notifications.mark_read(me, made[0].id)
    made[1].withdrawn_at = clock.now()
    session.flush()
    page = notifications.unit_inbox(me, "u1", limit=2, offset=1)
    assert ([n.id for n in page["items"]], page["total"]) == ([made[2].id, made[1].id], 4)
    unread = notifications.unit_inbox(me, "u1", unread_only=True)
    assert ([n.id for n in unread["items"]], unread["total"]) == ([made[3].id, made[2].id], 2)
    with pytest.raises(NotFound):
        notifications.unit_inbox(owner(session, clock, ("u2",)), "u1")
