"""notify turns the SLA engine's alerts (tickets' ``ticket.sla_warning`` / ``ticket.sla_breached``)
into staff-inbox messages for the clock's answerable role: rules without a broker, then the
reliable handler in a real container on the real broker (a redelivered event makes one message)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.errors import RetryableError
from kernel.testing import (migrated_sqlite, outbox_events, publish_event, service_config, staff,
                            wait_for)
from services.notify import schemas
from services.notify.domain import notifications, templates, tickets
from services.notify.exceptions import TemplateRefused
from services.notify.models import Base, Notification
from services.notify.tests.test_domain import G, clock, estate, session, work  # noqa: F401 (fixtures)

WARNING = {
    "ticket_id": "t1", "number": "BX-20261124-0001", "kind": "repair", "category": "public_area",
    "group_id": G, "project_id": "p1", "unit_id": "u1", "deadline_id": "d1", "deadline_kind": "on_site",
    "due_at": "2026-11-24T01:16:00+00:00", "started_at": "2026-11-24T01:01:00+00:00",
    "responsible_role": "engineering", "assignee": {"user_id": "eng.lh", "name": "林工"},
    "at": "2026-11-24T01:13:00+00:00", "minutes_left": 3.0,
}
BREACH = dict({k: v for k, v in WARNING.items() if k != "minutes_left"}, at="2026-11-24T01:16:00+00:00",
              minutes_overdue=0.0, warned_at="2026-11-24T01:13:00+00:00", extension_id=None)


def alert(session, clock, purpose, data, event_id="ev-sla-1", **over):
    made = tickets.on_sla_alert(work(session, clock), purpose, schemas.SlaAlertIn().load(dict(data, **over)),
                                event_id=event_id, group_id=G, project_id="p1")
    session.flush()
    return made


def inbox(session, clock, *roles, projects=("p1",)):
    return [(n.purpose, n.body) for n in notifications.staff_inbox(
        work(session, clock, staff(G, list(projects), roles=list(roles))))]


def test_a_warning_goes_to_the_answerable_roles_inbox_in_chinese(session, clock, estate):
    message = alert(session, clock, "ticket.sla_warning", WARNING)
    assert (message.recipient_kind, message.recipient, message.project_id, message.unit_id) == (
        "role", "engineering", "p1", "u1")
    assert (message.ref_type, message.ref_id, message.locale) == ("ticket", "t1", "zh-CN")
    assert message.subject == "时限预警：BX-20261124-0001 到场时限"
    # the due time in the project's local time (Asia/Shanghai: 01:16 UTC is 09:16)
    assert message.body == ("【绿湖花园】工单 BX-20261124-0001（公共区域报修）的到场时限将于 2026-11-24 09:16 到期，"
                            "还剩 3 分钟。\n责任岗位：工程部\n处理人：林工")
    assert [(d.channel, d.status) for d in message.deliveries] == [("inapp", "delivered")]
    assert inbox(session, clock, "engineering") == [("ticket.sla_warning", message.body)]
    assert inbox(session, clock, "engineering_manager")[0][0] == "ticket.sla_warning"     # the head sees it
    assert inbox(session, clock, "centre_manager")[0][0] == "ticket.sla_warning"
    assert inbox(session, clock, "front_desk") == []
    assert inbox(session, clock, "engineering", projects=("p2",)) == []
    # staff messages are not published to the unit's read model
    assert [e["type"] for e in outbox_events(session, Base)] == ["notification.delivered"]


def test_a_breach_names_the_overdue_minutes_and_a_second_breach_says_it_was_extended(session, clock, estate):
    first = alert(session, clock, "ticket.sla_breached", BREACH, minutes_overdue=2.5, assignee=None)
    assert first.subject == "超时：BX-20261124-0001 到场时限"
    assert first.body == ("【绿湖花园】工单 BX-20261124-0001（公共区域报修）的到场时限已于 2026-11-24 09:16 到期未完成，"
                          "已超时 2 分钟。\n责任岗位：工程部\n处理人：无")
    second = alert(session, clock, "ticket.sla_breached", BREACH, event_id="ev-sla-2", extension_id="x1",
                   due_at="2026-11-24T02:00:00+00:00")
    assert "已于 2026-11-24 10:00 到期未完成，已超时 不到 1 分钟。（此为超时审批后的新时限，再次超时）" in second.body


def test_the_same_alert_twice_makes_one_message(session, clock, estate):
    assert alert(session, clock, "ticket.sla_warning", WARNING) is not None
    assert alert(session, clock, "ticket.sla_warning", WARNING) is None
    assert len(session.scalars(select(Notification)).all()) == 1


def test_other_clocks_kinds_and_roles(session, clock, estate):
    """The front desk's 2-minute clock, a complaint clock tickets named after this was written
    (its kind read as 时限（...）), and a clock with no answerable role (the centre manager)."""
    desk = alert(session, clock, "ticket.sla_warning", WARNING, deadline_kind="notify_engineering",
                 responsible_role="front_desk", event_id="e1")
    assert desk.recipient == "front_desk" and "通知工程部时限" in desk.body and "责任岗位：总台接待" in desk.body
    complaint = alert(session, clock, "ticket.sla_breached", BREACH, kind="complaint", category="service",
                      deadline_kind="first_contact", responsible_role=None, unit_id=None, event_id="e2")
    assert complaint.recipient == "centre_manager"
    assert "工单 BX-20261124-0001（投诉）的时限（first_contact）已于" in complaint.body
    assert "责任岗位：服务中心经理" in complaint.body


def test_an_alert_never_says_what_the_resident_wrote(session, clock, estate):
    message = alert(session, clock, "ticket.sla_warning", WARNING, content="楼上天天吵 138-0000-1111",
                    location="张三家门口", reporter={"name": "张伟"})
    assert "楼上" not in message.body and "张三" not in message.body and "张伟" not in message.body
    for purpose in ("ticket.sla_warning", "ticket.sla_breached"):
        assert not templates.PURPOSES[purpose].placeholders & {"content", "location", "place", "reporter_name"}
    with pytest.raises(TemplateRefused):
        templates.save_template(work(session, clock, staff(G, ["p1"], roles=["centre_manager"])), {
            "purpose": "ticket.sla_warning", "channel": "inapp", "locale": "zh-CN", "project_id": "p1",
            "subject": "预警", "body": "{{ ticket_number }}：{{ content }}"})


def test_a_project_template_changes_the_words(session, clock, estate):
    templates.save_template(work(session, clock, staff(G, ["p1"], roles=["centre_manager"])), {
        "purpose": "ticket.sla_warning", "channel": "inapp", "locale": "zh-CN", "project_id": "p1",
        "subject": "请注意 {{ ticket_number }}", "body": "{{ deadline_label }}还剩{{ minutes_left }}分钟（{{ due_at }}）"})
    message = alert(session, clock, "ticket.sla_warning", WARNING)
    assert (message.subject, message.body) == ("请注意 BX-20261124-0001", "到场时限还剩3分钟（2026-11-24 09:16）")


def test_an_alert_before_its_project_copy_is_retried(session, clock):
    with pytest.raises(RetryableError):
        alert(session, clock, "ticket.sla_warning", WARNING)


# -- the reliable handler, on the real broker --------------------------------------------

def test_the_handlers_take_alerts_once_each_from_the_broker(container_factory, rabbit_config, tmp_path, rpc):
    from services.notify.service import NotifyService
    from services.notify.tests.test_service import publish_registry

    container = container_factory(NotifyService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="log",
        SMS_LOG_PATH=str(tmp_path / "sms.log")))
    container.start()
    amqp = rabbit_config["AMQP_URI"]
    publish_registry(amqp)
    engineer = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")
    warning = publish_event(amqp, "tickets", "ticket.sla_warning", WARNING, group_id=G, project_id="p1")
    publish_event(amqp, "tickets", "ticket.sla_warning", WARNING, group_id=G, project_id="p1",
                  event_id=warning.id)                      # the broker delivers it twice
    publish_event(amqp, "tickets", "ticket.sla_breached", BREACH, group_id=G, project_id="p1")

    def both():
        items = rpc.call(engineer, "notify", "staff_inbox", "p1")
        return len(items) >= 2 and items
    items = wait_for(both, timeout=15, message="warning and breach in the engineering inbox")
    assert sorted(n["purpose"] for n in items) == ["ticket.sla_breached", "ticket.sla_warning"]
    publish_event(amqp, "tickets", "ticket.sla_warning", WARNING, group_id=G, project_id="p1",
                  event_id=warning.id)                      # and once more, later
    marker = publish_event(amqp, "tickets", "ticket.sla_warning", dict(WARNING, deadline_kind="reply"),
                           group_id=G, project_id="p1")
    assert marker.id != warning.id

    def three():
        items = rpc.call(engineer, "notify", "staff_inbox", "p1")
        return len(items) >= 3 and items
    items = wait_for(three, timeout=15, message="the later alert")
    assert sorted(n["purpose"] for n in items) == ["ticket.sla_breached", "ticket.sla_warning", "ticket.sla_warning"]
    assert sum("到场时限将于" in n["body"] for n in items) == 1


def test_a_deadline_at_the_end_of_a_day_reads_as_that_day_s_24_00(session, clock, estate):
    """"每月10日" due by the end of the 10th is 11-11 00:00 local: printed "2026-11-10 24:00", the day the
    rule names -- never "2026-11-11 00:00" (every kind: the one rendering of a due time)."""
    made = alert(session, clock, "ticket.sla_breached", BREACH, kind="task", category="vacant_check",
                 deadline_kind="vacant_check", due_at="2026-11-10T16:00:00+00:00")
    assert "已于 2026-11-10 24:00 到期未完成" in made.body and "11-11" not in made.body
    assert templates.due_time(templates.datetime.fromisoformat("2026-11-24T01:16:00+00:00"),
                              "Asia/Shanghai") == "2026-11-24 09:16"
    assert templates.due_time(None, "Asia/Shanghai") is None


def test_lateness_is_said_in_days_hours_and_minutes_for_every_kind():
    """L3 (trial 3): "已超时 23865.3 分钟" reads "已超时 16 天 13 小时"; the two largest units, whole."""
    words = templates.duration_words
    assert [words(m) for m in (0.4, 1, 45.9, 60, 125.2, 24 * 60, 23865.3, None)] == [
        "不到 1 分钟", "1 分钟", "45 分钟", "1 小时", "2 小时 5 分钟", "1 天", "16 天 13 小时", ""]
    assert [words(m, "en") for m in (1, 125, 23865.3)] == ["1 minute", "2 hours 5 minutes", "16 days 13 hours"]


def test_a_patrol_alert_names_the_area_and_the_slot(session, clock, estate):
    """L3: tickets' ``subject`` (the round's area, type, day and slot) is in the subject line and the body."""
    patrol = dict(BREACH, number="XJ-20261127-0003", kind="inspection", category="roof", unit_id=None,
                  deadline_kind="patrol", responsible_role="steward", minutes_overdue=23865.3,
                  subject="1栋天台（楼顶天台）巡视 2026-11-27 第1次")
    message = alert(session, clock, "ticket.sla_breached", patrol, event_id="ev-patrol")
    assert message.subject == "超时：XJ-20261127-0003 巡视时限（1栋天台（楼顶天台）巡视 2026-11-27 第1次）"
    assert ("工单 XJ-20261127-0003（巡检）（1栋天台（楼顶天台）巡视 2026-11-27 第1次）的巡视时限已于 2026-11-24 09:16 "
            "到期未完成，已超时 16 天 13 小时。") in message.body
    spot = alert(session, clock, "ticket.sla_warning", dict(WARNING, kind="inspection", category="roof",
                                                             deadline_kind="spot_round", minutes_left=125.0,
                                                             subject="1栋天台（楼顶天台）现场巡检 2026-11-27"),
                 event_id="ev-spot")
    assert "的现场巡检时限将于 2026-11-24 09:16 到期，还剩 2 小时 5 分钟。" in spot.body
