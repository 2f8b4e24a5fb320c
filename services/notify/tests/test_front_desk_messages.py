"""The front desk's events that deserve a message (issue 12's consumers): a renovation handed over to
the unit's new household at a transfer (``renovation.handed_over``), the household told ahead of its
renovation's re-inspection (``renovation.reinspection_notice``), and a monthly key stock-check that does
not agree with the register told to the CS manager (``key_stock_check.discrepancy``). Rules on SQLite;
the last test runs them through a real container on the real broker."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.errors import InvalidInput, RetryableError
from kernel.testing import staff
from services.notify import schemas
from services.notify.domain import copies, key_checks, notifications, renovations, subscriptions, templates, ticket_status
from services.notify.models import Delivery, Notification
from services.notify.tests.test_bills import texts
from services.notify.tests.test_domain import (G, OWNER, TENANT, clock, estate, household_event,  # noqa: F401
                                               session, work)

NEW_OWNER = {"person_id": "pe3", "name": "李娜", "role": "owner", "phone": "13700000003", "email": None,
             "locale": "zh-CN"}
NEW_FAMILY = {"person_id": "pe4", "name": "李小娜", "role": "family", "phone": "13700000004", "email": None,
              "locale": "zh-CN"}
HAND_OVER = {"ticket_id": "rn1", "group_id": G, "project_id": "p1", "unit_id": "u1", "kind": "renovation",
             "category": None, "household_id": "h2", "reporter_phone": None, "number": "ZX-20261101-0001",
             "from": "in_progress", "to": "in_progress", "action": "hand_over",
             "actor": {"user_id": None, "name": ""}, "at": "2026-11-24T01:00:00+00:00",
             "note": "过户：转交新住户 handed over to the new household", "version": 9}
UPCOMING = {"renovation_id": "rn1", "number": "ZX-20261101-0001", "group_id": G, "project_id": "p1",
            "unit_id": "u1", "unit_label": "1栋-0101", "household_id": "h1", "occupied_on": "2026-11-30",
            "due_at": "2027-02-28T01:00:00+00:00"}
CHECK = {"check_id": "kc1", "group_id": G, "project_id": "p1", "kind": "monthly", "month": "2026-11",
         "at": "2026-11-20T08:00:00+00:00", "by": {"user_id": "desk-1", "name": "王前台"}, "expected": 120,
         "counted": 119, "copies_expected": 240, "copies_counted": 237, "task_id": "task-1",
         "note": "柜子钥匙 13812345678 借给保洁",
         "discrepancies": [
             {"key_id": "k1", "unit_label": "1栋-0101", "label": "入户门", "register_state": "in_store",
              "expected": True, "counted": False, "copies": 2, "copies_counted": 0},
             {"key_id": "k2", "unit_label": "1栋-0102", "label": "入户门", "register_state": "lent",
              "expected": False, "counted": True, "copies": 1, "copies_counted": 1},
             {"key_id": "k3", "unit_label": "2栋-0302", "label": "信箱", "register_state": "in_store",
              "expected": True, "counted": True, "copies": 3, "copies_counted": 2}]}


def transferred(session, clock):
    """The unit changed hands: h1 moved out, h2 (the new owner and a family member) lives there."""
    w = work(session, clock)
    copies.upsert_household(w, household_event([OWNER, TENANT], status="moved_out", version=2))
    copies.upsert_household(w, household_event([NEW_OWNER, NEW_FAMILY], hid="h2"))
    session.flush()


def hand_over(session, clock, event_id="ev-ho", actor_kind="system", **over):
    made = ticket_status.on_ticket_status_changed(
        work(session, clock), schemas.TicketStatusChangedIn().load(dict(HAND_OVER, **over)), event_id=event_id,
        group_id=G, project_id="p1", actor_kind=actor_kind)
    session.flush()
    return made


def upcoming(session, clock, event_id="ev-up", **over):
    made = renovations.on_reinspection_upcoming(
        work(session, clock), schemas.RenovationReinspectionUpcomingIn().load(dict(UPCOMING, **over)),
        event_id=event_id, group_id=G, project_id="p1")
    session.flush()
    return made


def counted(session, clock, event_id="ev-kc", **over):
    made = key_checks.on_key_stock_check_recorded(
        work(session, clock), schemas.KeyStockCheckRecordedIn().load(dict(CHECK, **over)), event_id=event_id,
        group_id=G, project_id="p1")
    session.flush()
    return made


# -- a renovation handed over at a transfer (过户转交) ----------------------------------------------

def test_the_new_household_is_told_of_the_renovation_handed_to_it_in_app_and_its_owner_by_sms(session, clock, estate):
    transferred(session, clock)
    made = hand_over(session, clock)
    assert texts(made) == {
        ("unit", "u1"): {"inapp": (None, (
            "【绿湖花园】1栋-0101 原住户办理的装修（ZX-20261101-0001，施工中）已随房屋过户转交本户。"
            "装修单位、施工证件、竣工验收及复查事宜请前来服务中心确认。"))},
        ("person", "pe3"): {"sms": ("13700000003", "【绿湖花园】1栋-0101 的装修（ZX-20261101-0001，施工中）已随过户转交"
                                                   "您户，请前来服务中心确认相关事宜。")}}
    unit_message = next(n for n in made if n.recipient_kind == "unit")
    assert (unit_message.purpose, unit_message.household_id, unit_message.ref_type, unit_message.ref_id) == (
        "renovation.handed_over", "h2", "renovation", "rn1")
    # the household that left and the new family member (not a payer) are not texted; nothing of the note
    assert {d.address for d in session.scalars(select(Delivery)) if d.channel == "sms"} == {"13700000003"}
    assert all("转交新住户" not in d.body for n in made for d in n.deliveries)
    # the broker delivers it again: nothing more
    assert hand_over(session, clock) == []
    assert len(session.scalars(select(Notification)).all()) == 2


def test_a_hand_over_says_where_the_renovation_stands_in_words_and_waits_for_the_new_household(session, clock, estate):
    with pytest.raises(RetryableError):           # the new household's copy has not come from archive yet
        hand_over(session, clock)
    transferred(session, clock)
    [unit, owner] = sorted(hand_over(session, clock, to="occupied", **{"from": "occupied"}),
                           key=lambda n: n.recipient_kind == "person")
    assert "（ZX-20261101-0001，已入住，待复查）" in unit.deliveries[0].body
    assert renovations.state_label("some_new_state", "zh-CN") == "办理中"
    assert renovations.state_label("acceptance_requested", "en") == "completion acceptance requested"
    # every other renovation step of a move is still not told
    for action in ("household_left", "cancel_moved_out"):
        assert ticket_status.TOLD[("renovation", action)] is None


def test_the_hand_over_sms_is_in_the_platform_s_words_only():
    purpose = templates.purpose_of(renovations.HANDED_OVER)
    assert purpose.channels == ("inapp", "sms") and "note" not in purpose.placeholders
    assert purpose.allowed("sms") == purpose.placeholders          # every one a platform value


# -- the re-inspection ahead (复查提醒) --------------------------------------------------------------

def test_the_household_is_told_of_the_re_inspection_ahead_in_app_and_each_payer_by_sms_once(session, clock, estate):
    made = upcoming(session, clock)
    assert texts(made) == {
        ("unit", "u1"): {"inapp": (None, (
            "【绿湖花园】1栋-0101 的装修（ZX-20261101-0001）将于 2027-02-28 起进行入住后复查，请与服务中心预约复查时间。"
            "复查合格后退还装修保证金。"))},
        ("person", "pe1"): {"sms": ("13812345678", "【绿湖花园】1栋-0101 装修（ZX-20261101-0001）将于 2027-02-28 起复查，"
                                                   "请预约复查时间，合格后退还保证金。")},
        ("person", "pe2"): {"sms": ("13987654321", "[绿湖花园] 1栋-0101: renovation ZX-20261101-0001 is re-inspected "
                                                   "from 2027-02-28; please book a time (deposit refunded after).")}}
    assert {(n.purpose, n.ref_type, n.ref_id) for n in made} == {
        ("renovation.reinspection_notice", "renovation", "rn1")}
    # once per renovation, whichever event brings it
    assert upcoming(session, clock) == [] and upcoming(session, clock, event_id="ev-up-again") == []
    # a renovation whose label tickets did not carry: notify's copy of the unit names it
    [unit] = [n for n in upcoming(session, clock, event_id="ev-up-2", renovation_id="rn2", unit_label=None)
              if n.recipient_kind == "unit"]
    assert "】1栋-0101 的装修" in unit.deliveries[0].body


def test_the_re_inspection_notice_names_the_service_centre_s_phone_when_the_project_has_one(session, clock, estate):
    from services.notify.domain import settings
    from services.notify.tests.test_welcome import work as work_with_settings
    centre = staff(G, ["p1"], roles=["centre_manager"], user_id="centre-1")
    settings.set_setting(work_with_settings(session, clock, centre), "p1", settings.SERVICE_PHONE, "0571-88886666",
                         reason="服务中心")
    made = renovations.on_reinspection_upcoming(
        work_with_settings(session, clock), schemas.RenovationReinspectionUpcomingIn().load(UPCOMING),
        event_id="ev-up", group_id=G, project_id="p1")
    [unit, *_] = sorted(made, key=lambda n: n.recipient_kind != "unit")
    assert "请与服务中心预约复查时间（电话 0571-88886666）。" in unit.deliveries[0].body


def test_a_re_inspection_of_a_household_that_moved_out_goes_to_its_payers_not_the_unit(session, clock, estate):
    """The household that paid the deposit keeps its renovation at the refund stage: the new household's
    inbox never shows it."""
    transferred(session, clock)
    made = upcoming(session, clock)
    assert {(n.recipient_kind, n.recipient) for n in made} == {("person", "pe1"), ("person", "pe2")}


def test_a_re_inspection_notice_before_its_project_copy_is_retried_and_another_group_refused(session, clock, estate):
    with pytest.raises(RetryableError):
        renovations.on_reinspection_upcoming(work(session, clock), schemas.RenovationReinspectionUpcomingIn().load(
            UPCOMING), event_id="e", group_id=G, project_id="p-missing")
    with pytest.raises(InvalidInput):
        renovations.on_reinspection_upcoming(work(session, clock), schemas.RenovationReinspectionUpcomingIn().load(
            dict(UPCOMING, group_id="group-2")), event_id="e", group_id=G, project_id="p1")


# -- a monthly key stock-check that does not agree (钥匙盘点不符) --------------------------------------

def inbox(session, clock, *roles):
    return [(n.purpose, n.subject) for n in notifications.staff_inbox(
        work(session, clock, staff(G, ["p1"], roles=list(roles))))]


def test_a_monthly_count_with_discrepancies_goes_to_the_cs_manager_in_app_once(session, clock, estate):
    message = counted(session, clock)
    assert (message.recipient_kind, message.recipient, message.purpose, message.ref_type, message.ref_id) == (
        "role", "cs_manager", "key_stock_check.discrepancy", "key_stock_check", "kc1")
    assert message.subject == "钥匙盘点不符：2026-11（3 项）"
    assert message.body == (
        "【绿湖花园】2026-11 钥匙盘点（王前台，2026-11-20 16:00）与登记不符：应在库 120 把，点到 119 把，不符 3 项：\n"
        "- 1栋-0101 入户门：登记在库，未点到\n"
        "- 1栋-0102 入户门：登记为已借出，却在库中点到\n"
        "- 2栋-0302 信箱：应有 3 把，点到 2 把\n"
        "请核查处理。")
    assert "13812345678" not in message.body                        # never the counter's note
    assert [(d.channel, d.status) for d in message.deliveries] == [("inapp", "delivered")]
    assert inbox(session, clock, "cs_manager") == [("key_stock_check.discrepancy", message.subject)]
    assert inbox(session, clock, "centre_manager") == [("key_stock_check.discrepancy", message.subject)]
    assert inbox(session, clock, "front_desk") == []
    assert counted(session, clock) is None and counted(session, clock, event_id="ev-kc-again") is None


def test_a_count_that_agrees_and_the_managers_own_spot_check_say_nothing(session, clock, estate):
    assert counted(session, clock, discrepancies=[], counted=120) is None
    assert counted(session, clock, event_id="ev-spot", check_id="kc2", kind="spot") is None
    assert counted(session, clock, event_id="ev-spot-cs", check_id="kc3", kind="spot", counted_as="cs_manager") is None
    assert counted(session, clock, event_id="ev-spot-ok", check_id="kc4", kind="spot", counted_as="centre_manager",
                   discrepancies=[], counted=120) is None
    assert session.scalars(select(Notification)).all() == []


def test_the_centre_manager_s_spot_check_with_discrepancies_goes_to_the_cs_manager(session, clock, estate):
    """A spot-check (抽查) the service-centre manager made: the CS manager, who keeps the keys, is told
    what was found (钥匙抽查不符), once."""
    message = counted(session, clock, event_id="ev-spot-cm", check_id="kc5", kind="spot", counted_as="centre_manager",
                      by={"user_id": "cm-1", "name": "赵经理"}, at="2026-11-25T02:00:00+00:00")
    assert (message.recipient_kind, message.recipient, message.purpose, message.ref_id) == (
        "role", "cs_manager", "key_stock_check.discrepancy", "kc5")
    assert message.subject == "钥匙抽查不符：2026-11（3 项）"
    assert message.body.startswith("【绿湖花园】2026-11 钥匙抽查（赵经理，2026-11-25 10:00）与登记不符：应在库 120 把")
    assert "- 1栋-0101 入户门：登记在库，未点到" in message.body and "13812345678" not in message.body
    assert inbox(session, clock, "cs_manager") == [("key_stock_check.discrepancy", message.subject)]
    assert counted(session, clock, event_id="ev-spot-cm-again", check_id="kc5", kind="spot",
                   counted_as="centre_manager") is None


def test_a_long_list_of_discrepancies_is_cut_and_counted(session, clock, estate):
    many = [dict(CHECK["discrepancies"][0], key_id=f"k{i}", unit_label=f"3栋-{i:04d}")
            for i in range(key_checks.LISTED_MAX + 5)]
    message = counted(session, clock, discrepancies=many, check_id="kc3")
    assert message.body.count("登记在库，未点到") == key_checks.LISTED_MAX
    assert "……另有 5 项" in message.body and f"不符 {len(many)} 项" in message.body


# -- the catalogue -------------------------------------------------------------------------------

def test_the_catalogue_names_the_new_purposes_and_their_channels():
    rows = {(s.event_type, s.purpose): s.channels for s in subscriptions.SUBSCRIPTIONS}
    assert rows[("ticket.status_changed", "renovation.handed_over")] == ("inapp", "sms")
    assert rows[("renovation.reinspection_upcoming", "renovation.reinspection_notice")] == ("inapp", "sms")
    assert rows[("key_stock_check.recorded", "key_stock_check.discrepancy")] == ("inapp",)
    assert rows[("goods_release.changed", "goods_release.used")] == ("inapp",)
    from services.tickets.events import CONTRACT
    for event in ("renovation.reinspection_upcoming", "key_stock_check.recorded"):
        assert event in CONTRACT.schemas and event not in CONTRACT.optional_subscribers   # published mandatory


# -- the real container on the real broker -------------------------------------------------------

@pytest.fixture
def sms_gateway():
    from services.notify.tests.stub import SmsGatewayStub
    stub = SmsGatewayStub()
    yield stub
    stub.close()


def test_the_new_consumers_take_their_events_from_the_broker_once_each(container_factory, rabbit_config, tmp_path,
                                                                       sms_gateway):
    """goods_release.changed (use), renovation.reinspection_upcoming, key_stock_check.recorded and a
    renovation's hand_over (ticket.status_changed) through a real notify container, each delivered twice:
    one message per recipient each, the SMS sent to the registered payers."""
    from kernel.testing import daytime_clock, database_of, migrated_sqlite, publish_event, service_config, wait_for
    from services.notify.service import NotifyService
    from services.notify.tests.test_goods_release_notice import RELEASE
    from services.notify.tests.test_service import publish_registry

    amqp = rabbit_config["AMQP_URI"]
    container = container_factory(NotifyService, service_config(
        amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url,
        SMS_API_KEY="test-key", SMS_SIGN="绿湖物业", SMS_SEND_INTERVAL=0.1,
        CLOCK=daytime_clock(tmp_path / "clock.json")))        # 10:00 in Shanghai: no quiet hours
    container.start()
    publish_registry(amqp)
    db = database_of(container)

    def twice(event_type, data):
        sent = publish_event(amqp, "tickets", event_type, data, group_id=G, project_id="p1")
        publish_event(amqp, "tickets", event_type, data, group_id=G, project_id="p1", event_id=sent.id)

    def made():
        with db.Session() as s:
            return sorted((n.purpose, n.recipient_kind, n.recipient, n.household_id)
                          for n in s.scalars(select(Notification)))

    twice("goods_release.changed", dict(RELEASE, status="used", step={
        **RELEASE["step"], "action": "use", "from": "issued", "to": "used", "at": "2026-11-27T02:05:00+00:00"}))
    twice("renovation.reinspection_upcoming", UPCOMING)
    twice("key_stock_check.recorded", CHECK)
    first = [("goods_release.used", "unit", "u1", "h1"),
             ("key_stock_check.discrepancy", "role", "cs_manager", None),
             ("renovation.reinspection_notice", "person", "pe1", None),
             ("renovation.reinspection_notice", "unit", "u1", "h1")]
    wait_for(lambda: made() == first, timeout=20, message="the goods, re-inspection and key messages")

    # the unit changes hands (archive), then tickets hands the renovation over to the new household
    publish_event(amqp, "archive", "household.changed", {
        "household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "moved_out",
        "moved_in_on": "2026-03-01", "moved_out_on": "2026-11-24", "version": 2,
        "people": [{"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                    "email": None, "locale": "zh-CN"}]}, group_id=G, project_id="p1")
    publish_event(amqp, "archive", "household.changed", {
        "household_id": "h2", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
        "moved_in_on": "2026-11-24", "moved_out_on": None, "version": 1,
        "people": [NEW_OWNER]}, group_id=G, project_id="p1")
    twice("ticket.status_changed", HAND_OVER)
    handed = sorted(first + [("renovation.handed_over", "person", "pe3", None),
                             ("renovation.handed_over", "unit", "u1", "h2")])
    # the new household's welcome (moved in today) comes too: not ours to count
    wait_for(lambda: [m for m in made() if m[0] != "move_in.welcome"] == handed, timeout=20,
             message="the hand-over told to the new household")

    def texted():
        return sorted((r["json"]["to"], r["json"]["text"]) for r in sms_gateway.requests)
    wait_for(lambda: len([t for t in texted() if "装修" in t[1]]) == 2, timeout=20, message="the renovation SMS")
    renovation_sms = [t for t in texted() if "装修" in t[1]]
    assert renovation_sms == [
        ("13700000003", "【绿湖花园】1栋-0101 的装修（ZX-20261101-0001，施工中）已随过户转交您户，请前来服务中心确认相关事宜。"),
        ("13812345678", "【绿湖花园】1栋-0101 装修（ZX-20261101-0001）将于 2027-02-28 起复查，请预约复查时间，合格后退还保证金。")]
