"""An anomaly found in a vacant unit on a care visit told to the CS manager at once (空置房异常立即上报,
seed 000 §十.7; tickets' ``vacant_care.recorded``): one staff in-app message in the CS manager's inbox,
once per visit; a visit without an anomaly makes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from kernel.errors import InvalidInput
from services.notify import schemas
from services.notify.domain import subscriptions, templates, vacant_care
from services.notify.models import Delivery, Notification
from services.notify.tests import test_domain
from services.notify.tests.test_domain import G, work

# test_domain's fixtures: the project 绿湖花园 (p1) and its unit u1, the session and the clock
clock, estate, session = test_domain.clock, test_domain.estate, test_domain.session

VISIT = {"care_task_id": "vc1", "group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101",
         "care_kind": "frost_check", "department": "customer_service", "period_start": "2026-11-22",
         "period_end": "2026-11-28", "due_at": "2026-11-28T16:00:00+00:00", "performed_by": "吴管家",
         "performed_at": "2026-11-24T02:00:00+00:00", "recorded_at": "2026-11-24T03:00:00+00:00",
         "recorded_by": {"user_id": "steward.wu", "name": "吴管家"}, "late": False, "key_loan_id": "km1",
         "key_loan_approved_by": "cs.sun", "dried": False, "anomaly": True, "anomaly_kind": "break_in",
         "note": "北卧窗户被撬，已报护卫部", "task_id": "t1", "task_number": "RW-20261124-0003"}


def recorded(session, clock, event_id="ev-vc", **over):
    made = vacant_care.on_vacant_care_recorded(
        work(session, clock), schemas.VacantCareRecordedIn().load(dict(VISIT, **over)), event_id=event_id,
        group_id=G, project_id="p1")
    session.flush()
    return made


def test_an_anomaly_is_told_to_the_cs_manager_in_app_once(session, clock, estate):
    message = recorded(session, clock)
    assert (message.purpose, message.recipient_kind, message.recipient) == (
        "vacancy.care_anomaly", "role", "cs_manager")
    assert (message.ref_type, message.ref_id) == ("vacant_care", "vc1")
    assert message.subject == "空置房异常：1栋-0101（被盗或闯入）"
    assert message.body == ("【绿湖花园】1栋-0101 空置房防寒防冻检查（吴管家，2026-11-24 10:00）发现异常：被盗或闯入。"
                            "说明：北卧窗户被撬，已报护卫部\n请立即核查处理。")
    assert {d.channel for d in session.scalars(select(Delivery))} == {"inapp"}       # never SMS
    assert recorded(session, clock) is None                                         # redelivered: nothing new
    assert len(session.scalars(select(Notification)).all()) == 1


def test_a_visit_without_an_anomaly_makes_nothing_and_another_group_s_project_is_refused(session, clock, estate):
    assert recorded(session, clock, anomaly=False, anomaly_kind=None) is None
    assert session.scalars(select(Notification)).all() == []
    with pytest.raises(InvalidInput):
        recorded(session, clock, group_id="group-x")


def test_the_catalogue_row():
    [row] = [s for s in subscriptions.SUBSCRIPTIONS if s.event_type == "vacant_care.recorded"]
    assert (row.source, row.handler, row.purpose, row.channels) == (
        "tickets", "on_vacant_care_recorded", "vacancy.care_anomaly", ("inapp",))
    from services.tickets.events import CONTRACT
    assert "vacant_care.recorded" in CONTRACT.schemas and "vacant_care.recorded" not in CONTRACT.optional_subscribers



def test_an_overdue_care_task_s_clock_has_its_name_in_the_sla_alerts():
    """A care task not done is told by the SLA sweep (``ticket.sla_breached``, clock ``vacant_care``): its
    clock reads in words, not "时限（vacant_care）"."""
    assert templates.deadline_label("vacant_care", "zh-CN") == "空置房保养时限（清扫、通风、防寒防冻）"
    assert templates.deadline_label("vacant_care", "en").startswith("vacant-unit care deadline")
