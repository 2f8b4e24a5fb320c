"""The monthly cycle (004 收费流程): on each project's own dates, in its time zone.

A periodic job (:data:`SWEEP`, hourly) looks at every project and schedules the month's dated
jobs through ``kernel.jobs`` -- one job per (step, project, month), so scheduling again changes
nothing and two replicas make one job; whichever replica claims it runs it once:

================  ==========================  =================================================
step (job kind)   day (setting)               what it does
================  ==========================  =================================================
``bill-run``      ``billing.bill_day`` (1st)  compute the month's bills (``domain/billrun.py``)
``bill-notices``  ``billing.notice_day`` (5)  ask notify for the bill notices
``bank-collect``  10th and after the 20th     export the collection file (``domain/bank.py``)
================  ==========================  =================================================

Steps register themselves (:func:`register`) from their own modules. Jobs are scheduled for
the current month and the next, so a job row exists weeks before its day and a billing outage
across the 1st delays the run, never skips it. A step whose time in the current month has
already passed when a project is first seen is not scheduled (a project registered on the 20th
gets its first automatic bills next month; finance can start this month's run by hand).
A day past the month's end is the month's last day.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel.jobs import Job
from kernel.work import Work

from ..models import Project
from .settings import add_months, day_in_month, month_of

SWEEP = "billing-cycle"
SWEEP_EVERY = 3600.0


@dataclass(frozen=True)
class Step:
    kind: str                 # the job kind it schedules (its handler is in service.JOB_HANDLERS)
    day_setting: str          # the billing setting holding its day of the month
    at: time = time(0, 0)     # local time of day
    suffix: str = ""          # tells apart two jobs of one kind in a month (bank rounds)


STEPS: list[Step] = []


def register(step: Step) -> Step:
    if step not in STEPS:
        STEPS.append(step)
    return step


def job_key(project_id: str, period: str, step: Step) -> str:
    return f"{project_id}:{period}{step.suffix}"


def payload_of(job: Job) -> tuple[str, str]:
    """(project_id, period) of a cycle job."""
    return job.payload["project_id"], job.payload["period"]


def when(values: dict, tz: ZoneInfo, period: str, step: Step) -> datetime:
    day = day_in_month(int(period[:4]), int(period[5:7]), values[step.day_setting])
    return datetime.combine(day, step.at, tzinfo=tz)


def schedule_project(work: Work, project: Project) -> int:
    """Schedule this month's remaining steps and all of next month's; returns how many were new
    or already there (idempotent)."""
    tz = ZoneInfo(project.timezone)
    now = work.clock.now()
    this = month_of(now.astimezone(tz).date())
    count = 0
    for period in (this, add_months(this, 1)):
        values = work.settings.values(project.id, on=day_in_month(int(period[:4]), int(period[5:7]), 1))
        for step in STEPS:
            due = when(values, tz, period, step)
            if period == this and due < now:
                continue
            work.jobs.schedule(step.kind, key=job_key(project.id, period, step), due_at=due,
                               payload={"project_id": project.id, "period": period},
                               group_id=project.group_id, project_id=project.id)
            count += 1
    return count


def schedule_day_jobs(work: Work, kind: str, at: time) -> None:
    """Every project's day job of ``kind`` for its local today and tomorrow at ``at`` local time (key
    ``<project>:<date>``, payload ``project_id`` and ``day``): what an hourly periodic job does for
    daily work -- the reminders, the dunning sweep. Idempotent; one job per project and day."""
    now = work.clock.now()
    for project in work.session.scalars(select(Project).order_by(Project.id)):
        tz = ZoneInfo(project.timezone or "Asia/Shanghai")
        today = now.astimezone(tz).date()
        for day in (today, today + timedelta(days=1)):
            work.jobs.schedule(kind, key=f"{project.id}:{day.isoformat()}",
                               due_at=datetime.combine(day, at, tzinfo=tz),
                               payload={"project_id": project.id, "day": day.isoformat()},
                               group_id=project.group_id, project_id=project.id)


def run_sweep(work: Work, job: Job) -> None:
    """The periodic job: every project's cycle scheduled ahead."""
    for project in work.session.scalars(select(Project).order_by(Project.id)):
        schedule_project(work, project)
