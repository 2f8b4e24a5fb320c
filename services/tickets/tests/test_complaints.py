"""Complaints (投诉, domain/complaints.py): registration from every channel, the clocks with their
figures (same day, working days across weekends and the National Day week, class limits), the
transition table, reclassification, and the 30-day upgrade run by kernel.jobs -- on the
injectable clock, nothing faked."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import complaint_sla as csla, complaints, copies
from services.tickets.exceptions import UnitRequired
from services.tickets.models import Base, Complaint, ComplaintClassChange, ScheduledJob
from services.tickets.tests.support import work

G = "group-1"
SH = ZoneInfo("Asia/Shanghai")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
STEWARD = staff(G, ["p1"], roles=["steward"], user_id="steward")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre.mgr")
ENG_MGR = staff(G, ["p1"], roles=["engineering_manager"], user_id="eng.mgr")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng.lh")
ME = resident(G, ["u1"], user_id="r-zhang")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")


def local(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label,
                              "version": 1})
    session.flush()


def register(session, clock, caller=DESK, **data):
    body = {"project_id": "p1", "unit_id": "u1", "channel": "phone", "form": "oral",
            "department": "cleaning", "content": "楼道垃圾三天没人清", "reporter_name": "张先生", **data}
    return complaints.register(work(session, clock, caller), body)


def due(ticket, kind):
    return next(d for d in ticket.deadlines if d.kind == kind).due_at


def events_of(session, type_):
    return [e for e in outbox_events(session, Base) if e["type"] == type_]


# -- registration ---------------------------------------------------------------------

def test_an_oral_phone_complaint_is_registered_with_its_clocks(session, clock, registry):
    ticket = register(session, clock)               # Tuesday 2026-11-24 09:00, a working day

    assert ticket.kind == "complaint" and ticket.status == "registered"
    assert ticket.number == "TS-20261124-0001"
    assert ticket.unit_label == "1栋-0101" and ticket.channel == "phone"
    row = session.get(Complaint, ticket.id)
    assert (row.complaint_class, row.department, row.form) == ("minor", "cleaning", "oral")
    clocks = {d.kind: (d.due_at, d.responsible_role) for d in ticket.deadlines}
    assert clocks == {
        "dispatch_department": (local(2026, 11, 24, 9, 10), "front_desk"),
        # oral, on a working day: the same day (24:00), earlier than 1 working day (Wed 09:00)
        "first_response": (local(2026, 11, 25, 0, 0), "cs_manager"),
        "resolve": (local(2026, 11, 27, 9, 0), "cs_manager"),          # minor: 3 days
    }
    [registered] = events_of(session, "complaint.registered")
    assert registered["data"]["number"] == ticket.number
    assert registered["data"]["household_id"] is None and registered["data"]["form"] == "oral"
    assert "phone" not in registered["data"]
    [changed] = events_of(session, "ticket.changed")
    assert changed["data"]["complaint"]["complaint_class"] == "minor"
    assert changed["data"]["complaint"]["class_changes"][0]["reason"] == "registered"
    assert changed["data"]["documents"] == []
    job = session.scalars(select(ScheduledJob).where(ScheduledJob.kind == "complaint-upgrade")).one()
    assert job.key == ticket.id and job.due_at == local(2026, 12, 24, 9, 0)


def test_the_number_series_is_its_own(session, clock, registry):
    first = register(session, clock)
    second = register(session, clock, unit_id="u2")
    assert (first.number, second.number) == ("TS-20261124-0001", "TS-20261124-0002")


def test_a_resident_complains_in_writing_from_the_portal(session, clock, registry):
    ticket = register(session, clock, ME, channel=None, form=None, reporter_name=None)
    row = session.get(Complaint, ticket.id)
    assert ticket.channel == "portal" and row.form == "written"
    assert ticket.reporter_user_id == "r-zhang" and ticket.reporter_name == "r-zhang"
    # written: first response within 1 working day, the written reply by the end of the next one
    assert due(ticket, "first_response") == local(2026, 11, 25, 9, 0)
    assert due(ticket, "written_reply") == local(2026, 11, 26, 0, 0)


def test_a_resident_complains_only_about_their_own_unit(session, clock, registry):
    with pytest.raises(NotFound):
        register(session, clock, NEIGHBOUR)
    with pytest.raises(UnitRequired):
        register(session, clock, NEIGHBOUR, unit_id=None)


def test_a_public_matter_has_no_unit(session, clock, registry):
    ticket = register(session, clock, STEWARD, unit_id=None, channel="visit")
    assert ticket.unit_id is None and ticket.location == "绿湖花园"


def test_engineering_does_not_register_complaints(session, clock, registry):
    with pytest.raises(Forbidden):
        register(session, clock, TECH)


def test_the_platform_registers_for_a_dissatisfied_revisit(session, clock, registry):
    ticket = register(session, clock, Caller.system(G, "revisits"), channel="revisit", form="oral",
                      revisit_ticket_id="hf-1", reporter_name="张先生")
    assert session.get(Complaint, ticket.id).revisit_ticket_id == "hf-1"
    assert ticket.recorded_by == "system:revisits"
    assert events_of(session, "complaint.registered")[0]["data"]["revisit_ticket_id"] == "hf-1"


def test_a_call_taken_earlier_runs_from_when_it_came_in(session, clock, registry):
    ticket = register(session, clock, received_at=local(2026, 11, 24, 8, 30))
    assert due(ticket, "dispatch_department") == local(2026, 11, 24, 8, 40)
    with pytest.raises(InvalidInput):
        register(session, clock, received_at=local(2026, 11, 24, 10, 0))       # in the future


@pytest.mark.parametrize("klass,expected", [
    ("major", {"to_manager": local(2026, 11, 25, 0, 0),          # the same day
               "resident_reply": local(2026, 11, 25, 9, 0),      # within 1 day
               "resolve": local(2026, 12, 4, 9, 0)}),            # 10 days
    ("key", {"to_manager": local(2026, 11, 24, 11, 0),           # 2 h
             "resolve": local(2026, 11, 29, 9, 0)}),             # 5 days
    ("minor", {"resolve": local(2026, 11, 27, 9, 0)}),           # 3 days
])
def test_class_limits(session, clock, registry, klass, expected):
    ticket = register(session, clock, complaint_class=klass)
    got = {d.kind: d.due_at for d in ticket.deadlines if d.kind in csla.CLASS_CLOCKS}
    assert got == expected
    assert {d.kind: d.responsible_role for d in ticket.deadlines}.get("to_manager") == (
        None if klass == "minor" else "cs_manager")


def test_class_limits_are_project_settings(session, clock, registry):
    w = work(session, clock, CENTRE)
    w.settings.change(G, "p1", csla.KEY_TO_MANAGER_HOURS, 1)
    w.settings.change(G, "p1", csla.KEY_RESOLVE_DAYS, 4)
    w.settings.change(G, "p1", csla.DISPATCH_WITHIN, 5)
    ticket = register(session, clock, complaint_class="key")
    assert due(ticket, "to_manager") == local(2026, 11, 24, 10, 0)
    assert due(ticket, "resolve") == local(2026, 11, 28, 9, 0)
    assert due(ticket, "dispatch_department") == local(2026, 11, 24, 9, 5)


# -- weekends and holidays ------------------------------------------------------------------

def test_a_friday_evening_written_complaint_is_replied_to_on_monday(session, registry):
    clock = ManualClock("2026-11-27T19:30:00+08:00")          # Friday evening
    ticket = register(session, clock, form="written", channel="letter")
    assert due(ticket, "first_response") == local(2026, 11, 30, 19, 30)        # Monday, same time
    assert due(ticket, "written_reply") == local(2026, 12, 1, 0, 0)             # by the end of Monday


def test_an_oral_complaint_on_a_saturday_is_answered_by_the_end_of_monday(session, registry):
    clock = ManualClock("2026-11-28T10:00:00+08:00")          # Saturday: no "same day" on a day off
    ticket = register(session, clock)
    assert due(ticket, "first_response") == local(2026, 12, 1, 0, 0)


def test_a_complaint_before_the_national_day_week_is_answered_after_it(session, registry):
    # kernel.calendar (holidays.China): 2026-10-01..07 are the National Day holiday, the 8th
    # (Thursday) is the first working day after it
    clock = ManualClock("2026-09-30T16:00:00+08:00")
    ticket = register(session, clock, form="written", channel="letter")
    assert due(ticket, "first_response") == local(2026, 10, 8, 16, 0)
    assert due(ticket, "written_reply") == local(2026, 10, 9, 0, 0)            # the end of the 8th
    oral = register(session, clock, form="oral")
    assert due(oral, "first_response") == local(2026, 10, 1, 0, 0)              # the same day still
    session.flush()
    with_days = [c.to_class for c in session.scalars(select(ComplaintClassChange))]
    assert with_days == ["minor", "minor"]
