"""A failed daily-inspection item (tickets' ``inspection.item_failed``) is reported to the project's
CS manager at once (巡检发现问题，立即汇报客服部经理): one staff in-app message in the ``cs_manager``
inbox per failed item, never an SMS."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.errors import InvalidInput, RetryableError
from kernel.testing import staff
from services.notify import schemas
from services.notify.domain import inspections, notifications
from services.notify.models import Delivery, Notification
from services.notify.tests.test_domain import G, clock, estate, session, work  # noqa: F401 (fixtures)

FAILED = {
    "round_id": "r1", "number": "XJ-20261124-0003", "group_id": G, "project_id": "p1", "area_id": "a1",
    "area_name": "3栋地下车库", "area_type": "car_park", "day": "2026-11-24", "slot": 1,
    "item_code": "fire_exit", "item_name": "消防通道畅通", "note": "通道堆放纸箱", "photo_ref": None,
    "repair_ticket_id": "t9", "repair_number": "BX-20261124-0009",
    "recorded_by": {"user_id": "stw.zhao", "name": "赵管家"}, "at": "2026-11-24T02:20:00+00:00",
}


def failed(session, clock, event_id="ev-insp-1", **over):
    made = inspections.on_item_failed(work(session, clock), schemas.InspectionItemFailedIn().load(dict(FAILED, **over)),
                                      event_id=event_id, group_id=G, project_id="p1")
    session.flush()
    return made


def inbox(session, clock, *roles, projects=("p1",)):
    return [(n.purpose, n.subject) for n in notifications.staff_inbox(
        work(session, clock, staff(G, list(projects), roles=list(roles))))]


def test_a_failed_item_goes_to_the_cs_managers_inbox_in_chinese_in_app_only(session, clock, estate):
    message = failed(session, clock)
    assert (message.recipient_kind, message.recipient, message.project_id) == ("role", "cs_manager", "p1")
    assert (message.purpose, message.ref_type, message.ref_id, message.locale) == (
        "inspection.item_failed", "ticket", "t9", "zh-CN")
    assert message.subject == "巡检发现问题：3栋地下车库 消防通道畅通"
    assert message.body == ("【绿湖花园】巡检 XJ-20261124-0003（3栋地下车库）的检查项“消防通道畅通”不合格，"
                            "已开维修工单 BX-20261124-0009。\n巡检说明：通道堆放纸箱\n"
                            "记录人：赵管家（2026-11-24 10:20）")
    assert [(d.channel, d.status) for d in message.deliveries] == [("inapp", "delivered")]
    assert inbox(session, clock, "cs_manager") == [("inspection.item_failed", message.subject)]
    assert inbox(session, clock, "centre_manager") == [("inspection.item_failed", message.subject)]
    assert inbox(session, clock, "steward") == [] and inbox(session, clock, "engineering") == []
    assert inbox(session, clock, "cs_manager", projects=("p2",)) == []
    assert session.scalars(select(Delivery).where(Delivery.channel != "inapp")).all() == []


def test_one_message_per_failed_item_whatever_the_redelivery(session, clock, estate):
    assert failed(session, clock) is not None
    assert failed(session, clock) is None                          # the same event again
    assert failed(session, clock, event_id="ev-insp-again") is None  # the same item re-published
    other = failed(session, clock, event_id="ev-insp-2", item_code="lights", item_name="照明完好", note=None,
                   repair_ticket_id="t10", repair_number="BX-20261124-0010")
    assert "巡检说明" not in other.body
    assert len(session.scalars(select(Notification)).all()) == 2
    assert {d.channel for d in session.scalars(select(Delivery))} == {"inapp"}


def test_before_its_project_copy_it_is_retried_and_another_groups_project_is_refused(session, clock, estate):
    with pytest.raises(RetryableError):
        inspections.on_item_failed(work(session, clock), schemas.InspectionItemFailedIn().load(FAILED),
                                   event_id="e", group_id=G, project_id="p-missing")
    with pytest.raises(InvalidInput):
        inspections.on_item_failed(work(session, clock), schemas.InspectionItemFailedIn().load(
            dict(FAILED, project_id="p2")), event_id="e", group_id=G, project_id="p1")
