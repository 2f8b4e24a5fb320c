"""notify's part of a warranty-quality complaint (质量投诉): engineering's in-app order and the
developer's supervision department's SMS -- to the project's ``supervision.contact_phone``
(notify's setting), with the ticket number and unit label only."""
import pytest

from kernel.clock import ManualClock
from kernel.errors import Forbidden, InvalidInput
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, outbox_events, staff
from kernel.work import Work
from services.notify import schemas
from services.notify.domain import complaints, copies, settings, templates
from services.notify.events import CONTRACT
from services.notify.exceptions import TemplateRefused
from services.notify.models import Base

G = "group-1"
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre.mgr")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=None):
    return Work.build(session, clock, caller or Caller.system(G, "notify"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=settings.SETTINGS)


@pytest.fixture
def estate(session, clock):
    copies.upsert_project(work(session, clock), schemas.ProjectChangedIn().load({
        "project_id": "p1", "group_id": G, "code": "P1", "name": "绿湖花园", "kind": "residential",
        "timezone": "Asia/Shanghai", "version": 1}))
    session.flush()


def registered(kind="quality", event_id="ev-1"):
    data = schemas.ComplaintRegisteredIn().load({
        "ticket_id": "t1", "number": "ZL-20261124-0001", "kind": kind, "unit_id": "u1",
        "unit_label": "1栋-0101", "content": "卧室墙面渗水，业主电话 13812345678", "reporter_name": "张先生",
        "received_at": "2026-11-24T01:00:00+00:00", "group_id": G})
    return data, event_id


def handle(session, clock, kind="quality", event_id="ev-1"):
    data, event_id = registered(kind, event_id)
    return complaints.on_complaint_registered(work(session, clock), data, event_id=event_id, group_id=G,
                                              project_id="p1")


def test_engineering_and_the_supervision_department_are_told(session, clock, estate):
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.SUPERVISION_PHONE, "0571-88886666",
                         reason="开发商监理部值班电话")
    engineering, supervision = handle(session, clock)
    assert (engineering.recipient_kind, engineering.recipient, engineering.purpose) == (
        "role", "engineering", "quality.dispatch_engineering")
    assert "卧室墙面渗水" in engineering.body                    # staff see what the resident said
    [sms] = supervision.deliveries
    assert (sms.channel, sms.status, sms.address) == ("sms", "pending", "057188886666")
    assert sms.body == "【绿湖花园】质量投诉 ZL-20261124-0001（1栋-0101），请开发商监理部安排联合评估。"
    assert supervision.recipient == "supervision:p1" and supervision.ref_id == "t1"
    delivered = [e["data"] for e in outbox_events(session, Base) if e["type"] == "notification.delivered"]
    assert [(d["purpose"], d["ref_id"]) for d in delivered] == [("quality.dispatch_engineering", "t1")]
    assert handle(session, clock) == []                       # the same event again: nothing new


def test_without_a_contact_the_notice_is_recorded_not_sent(session, clock, estate):
    _, supervision = handle(session, clock)
    [sms] = supervision.deliveries
    assert (sms.status, sms.last_error, sms.address) == ("suppressed", "no_supervision_contact", None)


def test_other_complaints_send_nothing(session, clock, estate):
    assert handle(session, clock, kind="complaint") == []


def test_the_developer_never_gets_the_residents_words(session, clock, estate):
    manager = work(session, clock, staff(G, ["p1"], roles=["cs_manager"]))
    for field in ("content", "reporter_name", "received_at"):
        with pytest.raises(TemplateRefused):
            templates.save_template(manager, {"project_id": "p1", "purpose": "quality.notify_supervision",
                                              "channel": "sms", "locale": "zh-CN", "body": f"{{{{ {field} }}}}"})
    templates.save_template(manager, {"project_id": "p1", "purpose": "quality.notify_supervision",
                                      "channel": "sms", "locale": "zh-CN",
                                      "body": "【{{ project_name }}】{{ ticket_number }} {{ unit_label }} 请联系物业"})


def test_the_contact_is_a_setting_of_the_centre_manager(session, clock, estate):
    with pytest.raises(Forbidden):
        settings.set_setting(work(session, clock, DESK), "p1", settings.SUPERVISION_PHONE, "13900001111")
    with pytest.raises(InvalidInput):
        settings.set_setting(work(session, clock, CENTRE), "p1", settings.SUPERVISION_PHONE, "not a phone")
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.SUPERVISION_PHONE, "13900001111")
    view = {s["key"]: s["value"] for s in settings.get_settings(work(session, clock, DESK), "p1")}
    assert view == {"supervision.contact_phone": "13900001111", "service_centre.phone": "", "welcome.within_days": 30,
                    "notify.quiet_from": "21:00",
                    "notify.quiet_until": "08:00", "broadcast.chunk_size": 500, "wechat.template_ids": {}}
    [change] = settings.settings_history(work(session, clock, DESK), "p1")
    assert change["changed_by"] == "centre.mgr"


def test_a_resident_filing_many_cannot_silence_the_supervision_notice(session, clock, estate):
    """The department is an office: no per-recipient cap. A resident's own filings count against
    the resident's SMS limit; a staff-recorded complaint after them is still sent."""
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.SUPERVISION_PHONE, "13700000000",
                         reason="监理部")
    data, _ = registered()
    statuses = []
    for n in range(12):                                       # the resident's own twelve in an hour
        _, supervision = complaints.on_complaint_registered(
            work(session, clock), dict(data, ticket_id=f"r{n}"), event_id=f"ev-r{n}", group_id=G,
            project_id="p1", requested_by="resident-zhang")
        statuses.append(supervision.deliveries[0].status)
    assert statuses == ["pending"] * 10 + ["suppressed"] * 2  # the resident's hourly limit (10)
    _, staff_recorded = complaints.on_complaint_registered(
        work(session, clock), dict(data, ticket_id="s1"), event_id="ev-s1", group_id=G, project_id="p1")
    assert staff_recorded.deliveries[0].status == "pending"
