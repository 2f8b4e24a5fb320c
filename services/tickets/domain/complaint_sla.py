"""Complaint clocks (投诉时限, seed 000 §七) and warranty-quality complaint clocks (质量投诉, §五):
the figures, each a per-project setting (kernel.settings, in tickets' catalogue ``sla.SETTINGS``),
and the due times they give. No ticket is touched here: ``complaints.py`` / ``quality.py`` start
the clocks through ``domain/clocks.py``.

What the words of the seed mean here (decided, and tested in ``tests/test_complaints.py``):

- **dispatch to the department within 10 min** (``complaint.dispatch_within``, minutes) from
  the moment the complaint came in (``received_at``); the front desk answers for it.
- **first response within 1 working day** (``complaint.first_response_working_days``): the
  same local time N working days later on the project's calendar (``kernel.calendar``: a
  complaint on the Wednesday before the National Day week is answered by the first working
  day after it). **Oral: the same day** (``complaint.oral_same_day``, on by default): an oral
  complaint that came in on a working day is answered by the end of that local day (24:00),
  which is always the earlier of the two; one that came in on a day off has the working-day
  limit only (the end of the next working day). So "same day" tightens the working-day rule
  and never loosens it.
- **written complaints: a written reply the next working day**
  (``complaint.written_reply_working_days``): a ``TicketDocument`` of kind ``written_reply``
  by the end (24:00 local) of the N-th working day after the day it came in -- a written
  complaint on Friday evening is replied to by the end of Monday.
- **classes** (from the moment the complaint came in, or -- for the escalation to the
  manager -- from the moment it got its class, so a complaint upgraded on day 30 still gives
  the manager the same day):

  =====  ================================  ==========================  ======================
  class  to the manager                    reply to the resident       resolved within
  =====  ================================  ==========================  ======================
  major  the same day (``..._days`` = 0:   within 1 day                10 days
         by 24:00 of the day)              (``complaint.major_reply_days``)
  key    within 2 h                        --                          5 days
  minor  --                                --                          3 days
  =====  ================================  ==========================  ======================

  Resolution limits are calendar days from receipt (a class change re-times them from the
  same start: the resident's wait does not restart).
- **30-day upgrade** (``complaint.upgrade_after_days``): unresolved that many days after it
  came in, a complaint becomes major, once (the job is scheduled at registration with the
  figure then in force).
- **warranty-quality complaints**: recorded within 5 min of coming in
  (``quality.record_within``), engineering notified within 2 min of recording
  (``quality.notify_engineering_within``), the developer's supervision department
  (开发商监理部) notified within 5 min of recording (``quality.notify_supervision_within``).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from marshmallow import fields
from marshmallow.validate import Range

from kernel.settings import Setting
from kernel.validators import StrictBoolean
from kernel.tenancy import Role
from kernel.work import Work

from ..models import ProjectCopy
from . import clocks

MAJOR, KEY, MINOR = "major", "key", "minor"
CLASSES = (MAJOR, KEY, MINOR)
ORAL, WRITTEN = "oral", "written"
FORMS = (ORAL, WRITTEN)

# -- clock kinds -------------------------------------------------------------
DISPATCH_DEPARTMENT, FIRST_RESPONSE, WRITTEN_REPLY = "dispatch_department", "first_response", "written_reply"
TO_MANAGER, RESIDENT_REPLY, RESOLVE = "to_manager", "resident_reply", "resolve"
#: the clocks that depend on the class (re-timed by a class change)
CLASS_CLOCKS = (TO_MANAGER, RESIDENT_REPLY, RESOLVE)
RECORD, NOTIFY_ENGINEERING, NOTIFY_SUPERVISION = "record", "notify_engineering", "notify_supervision"

# -- settings -----------------------------------------------------------------
DISPATCH_WITHIN = "complaint.dispatch_within"
FIRST_RESPONSE_DAYS = "complaint.first_response_working_days"
ORAL_SAME_DAY = "complaint.oral_same_day"
WRITTEN_REPLY_DAYS = "complaint.written_reply_working_days"
MAJOR_TO_MANAGER_DAYS = "complaint.major_to_manager_days"
MAJOR_REPLY_DAYS = "complaint.major_reply_days"
MAJOR_RESOLVE_DAYS = "complaint.major_resolve_days"
KEY_TO_MANAGER_HOURS = "complaint.key_to_manager_hours"
KEY_RESOLVE_DAYS = "complaint.key_resolve_days"
MINOR_RESOLVE_DAYS = "complaint.minor_resolve_days"
UPGRADE_AFTER_DAYS = "complaint.upgrade_after_days"
QUALITY_RECORD_WITHIN = "quality.record_within"
QUALITY_NOTIFY_ENGINEERING_WITHIN = "quality.notify_engineering_within"
QUALITY_NOTIFY_SUPERVISION_WITHIN = "quality.notify_supervision_within"


def _int(low: int, high: int) -> fields.Integer:
    return fields.Integer(strict=True, validate=Range(low, high))


SETTINGS = [
    Setting(DISPATCH_WITHIN, _int(1, 24 * 60), default=10, unit="minutes",
            doc="complaints: the front desk dispatches the complaint form to the responsible department "
                "within N minutes of it coming in"),
    Setting(FIRST_RESPONSE_DAYS, _int(1, 30), default=1, unit="working days",
            doc="complaints: first response to the resident within N working days"),
    Setting(ORAL_SAME_DAY, StrictBoolean(), default=True, unit="",
            doc="complaints: an oral complaint made on a working day is answered the same day "
                "(by 24:00 local), if that is earlier than the working-day limit"),
    Setting(WRITTEN_REPLY_DAYS, _int(1, 30), default=1, unit="working days",
            doc="written complaints: a written reply by the end of the N-th working day after the day "
                "the complaint came in"),
    Setting(MAJOR_TO_MANAGER_DAYS, _int(0, 7), default=0, unit="days",
            doc="major complaints: reported to the service-centre manager by the end of the day N days "
                "after the complaint became major (0 = the same day)"),
    Setting(MAJOR_REPLY_DAYS, _int(1, 30), default=1, unit="days",
            doc="major complaints: reply to the resident within N days"),
    Setting(MAJOR_RESOLVE_DAYS, _int(1, 365), default=10, unit="days",
            doc="major complaints: resolved within N days of coming in"),
    Setting(KEY_TO_MANAGER_HOURS, _int(1, 72), default=2, unit="hours",
            doc="key complaints: reported to the service-centre manager within N hours of becoming key"),
    Setting(KEY_RESOLVE_DAYS, _int(1, 365), default=5, unit="days",
            doc="key complaints: resolved within N days of coming in"),
    Setting(MINOR_RESOLVE_DAYS, _int(1, 365), default=3, unit="days",
            doc="minor complaints: resolved within N days of coming in"),
    Setting(UPGRADE_AFTER_DAYS, _int(1, 365), default=30, unit="days",
            doc="a complaint unresolved N days after it came in becomes major (once)"),
    Setting(QUALITY_RECORD_WITHIN, _int(1, 24 * 60), default=5, unit="minutes",
            doc="warranty-quality complaints: recorded within N minutes of coming in"),
    Setting(QUALITY_NOTIFY_ENGINEERING_WITHIN, _int(1, 24 * 60), default=2, unit="minutes",
            doc="warranty-quality complaints: engineering notified within N minutes of recording"),
    Setting(QUALITY_NOTIFY_SUPERVISION_WITHIN, _int(1, 24 * 60), default=5, unit="minutes",
            doc="warranty-quality complaints: the developer's supervision department notified within "
                "N minutes of recording"),
]

# -- departments and who answers -------------------------------------------------------
#: the departments a complaint can be dispatched to, and the role answerable for its response
#: and resolution there (cleaning and greening are the customer-service department's
#: contractors; ``management`` is the service centre's management itself)
DEPARTMENTS = {
    "customer_service": Role.CS_MANAGER,
    "engineering": Role.ENGINEERING_MANAGER,
    "security": Role.SECURITY,
    "cleaning": Role.CS_MANAGER,
    "greening": Role.CS_MANAGER,
    "finance": Role.FINANCE,
    "management": Role.CENTRE_MANAGER,
}


def responsible(kind: str, department: str) -> str:
    """The role answerable for the complaint clock ``kind``."""
    if kind == DISPATCH_DEPARTMENT:
        return Role.FRONT_DESK
    if kind in (TO_MANAGER, WRITTEN_REPLY):
        return Role.CS_MANAGER          # the customer-service manager reports and writes
    if kind in (RECORD, NOTIFY_ENGINEERING, NOTIFY_SUPERVISION):
        return Role.FRONT_DESK
    return DEPARTMENTS.get(department, Role.CS_MANAGER)


# -- due times ------------------------------------------------------------------------

def end_of_local_day(at: datetime, tz: str, days_after: int = 0) -> datetime:
    """24:00 local of the day ``days_after`` days after ``at``'s local day."""
    local = at.astimezone(ZoneInfo(tz)).date() + timedelta(days=days_after + 1)
    return datetime.combine(local, time(0), tzinfo=ZoneInfo(tz))


def first_response_due(work: Work, project: ProjectCopy, received_at: datetime, form: str) -> datetime:
    values = work.settings.values(project.id)
    due = clocks.due_after(work, project, received_at, values[FIRST_RESPONSE_DAYS], "working_days")
    if form == ORAL and values[ORAL_SAME_DAY]:
        calendar = clocks.calendar(work, project)
        if calendar.is_working_day(received_at.astimezone(ZoneInfo(project.timezone)).date()):
            due = min(due, end_of_local_day(received_at, project.timezone))
    return due


def written_reply_due(work: Work, project: ProjectCopy, received_at: datetime) -> datetime:
    """The end of the N-th working day after the day the complaint came in."""
    values = work.settings.values(project.id)
    calendar = clocks.calendar(work, project)
    day = received_at.astimezone(ZoneInfo(project.timezone)).date()
    for _ in range(values[WRITTEN_REPLY_DAYS]):
        day = calendar.next_working_day(day)
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(project.timezone))


def class_dues(work: Work, project: ProjectCopy, complaint_class: str, *, received_at: datetime,
               classed_at: datetime) -> dict[str, datetime]:
    """The class's clocks: {kind: due}. Escalation to the manager runs from ``classed_at`` (when the
    complaint got this class), reply and resolution from ``received_at``."""
    values = work.settings.values(project.id)
    if complaint_class == MAJOR:
        return {
            TO_MANAGER: end_of_local_day(classed_at, project.timezone, values[MAJOR_TO_MANAGER_DAYS]),
            RESIDENT_REPLY: clocks.due_after(work, project, received_at, values[MAJOR_REPLY_DAYS], "days"),
            RESOLVE: clocks.due_after(work, project, received_at, values[MAJOR_RESOLVE_DAYS], "days"),
        }
    if complaint_class == KEY:
        return {
            TO_MANAGER: clocks.due_after(work, project, classed_at, values[KEY_TO_MANAGER_HOURS], "hours"),
            RESOLVE: clocks.due_after(work, project, received_at, values[KEY_RESOLVE_DAYS], "days"),
        }
    return {RESOLVE: clocks.due_after(work, project, received_at, values[MINOR_RESOLVE_DAYS], "days")}


def upgrade_due(work: Work, project: ProjectCopy, received_at: datetime) -> datetime:
    return clocks.due_after(work, project, received_at, work.settings.values(project.id)[UPGRADE_AFTER_DAYS],
                            "days")
