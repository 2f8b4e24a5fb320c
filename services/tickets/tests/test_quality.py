"""Warranty-quality complaints (质量投诉, domain/quality.py): recorded with their three clocks,
the notices' deliveries meeting them, the joint assessment, the out-of-warranty explanation and a
compensation claim decided by the service-centre manager / GM -- on the injectable clock."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kernel.errors import Forbidden
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import complaint_sla as csla, copies, quality
from services.tickets.exceptions import NotYourStep, TransitionNotAllowed
from services.tickets.models import Base, QualityComplaint, TicketDocument
from services.tickets.schemas import QualityStepIn
from services.tickets.tests.support import work

G = "group-1"
SH = ZoneInfo("Asia/Shanghai")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
ENG_MGR = staff(G, ["p1"], roles=["engineering_manager"], user_id="eng.mgr")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre.mgr")
GM = staff(G, ["p1"], roles=["general_manager"], user_id="gm")
ME = resident(G, ["u1"], user_id="r-zhang")
NOTIFY = Caller.system(G, "tickets")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    copies.apply_unit(w, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                          "version": 1})
    session.flush()


def register(session, clock, caller=DESK, **data):
    body = {"unit_id": "u1", "channel": "phone", "form": "oral", "content": "卧室墙面渗水，交房不到一年",
            "reporter_name": "张先生", **data}
    return quality.register(work(session, clock, caller), body)


def act(session, clock, caller, ticket, action, **body):
    data = QualityStepIn().load({"action": action, **body})
    return quality.transition(work(session, clock, caller), ticket.id, action, data)


def test_recorded_with_its_three_clocks(session, clock, registry):
    ticket = register(session, clock, received_at=local(2026, 11, 24, 8, 57))
    assert ticket.kind == "quality" and ticket.number == "ZL-20261124-0001" and ticket.status == "registered"
    clocks = {d.kind: (d.due_at, d.met_at, d.responsible_role) for d in ticket.deadlines}
    assert clocks == {
        "record": (local(2026, 11, 24, 9, 2), local(2026, 11, 24, 9, 0), "front_desk"),   # 3 min late call: met
        "notify_engineering": (local(2026, 11, 24, 9, 2), None, "front_desk"),
        "notify_supervision": (local(2026, 11, 24, 9, 5), None, "front_desk"),
    }
    [registered] = [e["data"] for e in outbox_events(session, Base) if e["type"] == "complaint.registered"]
    assert (registered["kind"], registered["form"], registered["complaint_class"]) == ("quality", "oral", None)


def test_the_figures_are_project_settings(session, clock, registry):
    w = work(session, clock, CENTRE)
    w.settings.change(G, "p1", csla.QUALITY_NOTIFY_SUPERVISION_WITHIN, 10)
    ticket = register(session, clock)
    assert {d.kind: d.due_at for d in ticket.deadlines}["notify_supervision"] == local(2026, 11, 24, 9, 10)


def test_the_notices_deliveries_meet_their_clocks_once(session, clock, registry):
    ticket = register(session, clock)
    w = work(session, clock, NOTIFY)
    quality.notice_delivered(w, ticket.id, quality.ENGINEERING_NOTIFIED, local(2026, 11, 24, 9, 1), "inapp")
    quality.notice_delivered(w, ticket.id, quality.SUPERVISION_NOTIFIED, local(2026, 11, 24, 9, 6), "sms")
    again = quality.notice_delivered(w, ticket.id, quality.SUPERVISION_NOTIFIED, local(2026, 11, 24, 9, 7), "sms")
    clocks = {d.kind: d for d in ticket.deadlines}
    assert clocks["notify_engineering"].met_at == local(2026, 11, 24, 9, 1)        # in time
    assert clocks["notify_supervision"].met_at == local(2026, 11, 24, 9, 6)        # a minute late
    assert session.get(QualityComplaint, ticket.id).supervision_notified_at == local(2026, 11, 24, 9, 6)
    assert again.version == 3 and [h.action for h in ticket.history] == [
        "registered", "engineering_notified", "supervision_notified"]
    assert quality.notice_delivered(w, "no-such", quality.ENGINEERING_NOTIFIED, clock.now(), "inapp") is None


def test_within_the_warranty_the_developer_repairs_it(session, clock, registry):
    ticket = register(session, clock)
    clock.advance(days=1)
    act(session, clock, ENG_MGR, ticket, "assess", within_warranty=True, body="与开发商监理部联合查看：外墙防水失效，属保修范围")
    assert ticket.status == "in_warranty"
    act(session, clock, ENG_MGR, ticket, "resolve", note="开发商已完成外墙防水维修")
    act(session, clock, DESK, ticket, "close")
    assert ticket.status == "closed"
    row = session.get(QualityComplaint, ticket.id)
    assert row.within_warranty is True and row.resolved_at is not None
    docs = session.scalars(select(TicketDocument).where(TicketDocument.ticket_id == ticket.id)).all()
    assert [d.kind for d in docs] == ["joint_assessment"]
    assert all(d.met_at or d.cancelled_at for d in ticket.deadlines)       # nothing runs on


def test_out_of_the_warranty_an_explanation_closes_it(session, clock, registry):
    ticket = register(session, clock)
    act(session, clock, ENG_MGR, ticket, "assess", within_warranty=False, body="已过两年保修期")
    act(session, clock, CS, ticket, "explain", body="您好，该部位保修期为两年，已于2026年5月届满……")
    assert ticket.status == "closed" and ticket.closed_at == clock.now()
    replies = [e["data"] for e in outbox_events(session, Base) if e["type"] == "complaint.replied"]
    assert [(r["reply_kind"], r["kind"]) for r in replies] == [("explanation", "quality")]
    changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "ticket.changed"][-1]
    assert changed["complaint"]["within_warranty"] is False
    assert [d["kind"] for d in changed["documents"]] == ["joint_assessment", "explanation"]


@pytest.mark.parametrize("decider", [CENTRE, GM], ids=["centre-manager", "gm"])
def test_a_compensation_claim_is_decided_by_the_centre_manager_or_gm(session, clock, registry, decider):
    ticket = register(session, clock)
    act(session, clock, ENG_MGR, ticket, "assess", within_warranty=True, body="属保修范围")
    act(session, clock, DESK, ticket, "claim_compensation", body="墙纸和地板被泡坏，要求赔偿3000元")
    assert ticket.status == "compensation_claimed"
    for refused in (DESK, CS, ENG_MGR):
        with pytest.raises(Forbidden):
            act(session, clock, refused, ticket, "decide_compensation", decision="granted", body="同意")
    clock.advance(hours=2)
    act(session, clock, decider, ticket, "decide_compensation", decision="granted", body="由开发商赔偿2000元")
    row = session.get(QualityComplaint, ticket.id)
    assert ticket.status == "resolved"
    assert (row.compensation_decision, row.decided_by, row.decided_at) == ("granted", decider.user_id, clock.now())
    changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "ticket.changed"][-1]
    assert changed["complaint"]["compensation"]["decided_by"]["user_id"] == decider.user_id
    assert changed["complaint"]["compensation"]["claim"] == "墙纸和地板被泡坏，要求赔偿3000元"


def test_steps_outside_the_table_are_refused(session, clock, registry):
    ticket = register(session, clock)
    with pytest.raises(TransitionNotAllowed):
        act(session, clock, CS, ticket, "explain", body="…")                  # not assessed yet
    with pytest.raises(TransitionNotAllowed):
        act(session, clock, DESK, ticket, "claim_compensation", body="…")
    with pytest.raises(NotYourStep):
        act(session, clock, ME, ticket, "assess", within_warranty=True, body="…")
    act(session, clock, ENG_MGR, ticket, "assess", within_warranty=True, body="属保修范围")
    with pytest.raises(TransitionNotAllowed):
        act(session, clock, CS, ticket, "explain", body="…")                  # in warranty: no explanation
    with pytest.raises(TransitionNotAllowed):
        act(session, clock, ENG_MGR, ticket, "assess", within_warranty=False, body="改判")


def test_the_resident_reports_and_withdraws(session, clock, registry):
    ticket = register(session, clock, ME, channel=None, form=None)
    assert ticket.channel == "portal" and session.get(QualityComplaint, ticket.id).form == "written"
    act(session, clock, ME, ticket, "cancel", reason="开发商已上门修好")
    assert ticket.status == "cancelled"
    assert all(d.met_at or d.cancelled_at for d in ticket.deadlines)


def test_step_bodies_are_checked(session, clock, registry):
    from marshmallow import ValidationError
    for body in ({"action": "assess", "body": "x"}, {"action": "decide_compensation", "body": "x"},
                 {"action": "explain"}, {"action": "assess", "within_warranty": True, "body": "  "}):
        with pytest.raises(ValidationError):
            QualityStepIn().load(body)
