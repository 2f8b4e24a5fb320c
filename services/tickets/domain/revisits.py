"""Revisits (回访, seed 000 §六, §三): the service centre calls or visits a household after a
complaint, after a repair, after maintenance works, and routinely, and records how it went.

A revisit is a ticket of kind ``revisit`` (number ``HF-YYYYMMDD-NNNN``) with its facts in a
``Revisit`` row and one clock (``revisit``, :mod:`clocks`) due when the revisit must be done,
answerable by the steward (管家) or, for complaints, the customer-service manager (客服部).

**Scheduled by the system** -- every figure a per-project setting (``sla.REVISIT_SETTINGS``):

- *complaint* (投诉回访): every complaint, when it is resolved (handled), due within
  ``revisit.complaint_within_days`` (3) -- :func:`schedule_for_complaint`, called by the
  complaint's rules;
- *repair_dissatisfied*: a repair closed with a rating at or below
  ``revisit.repair_dissatisfied_rating`` (2); *repair_unrated*: closed by the resident's
  signature without a rating; *repair_unsigned*: work done, and the resident neither signed nor
  rated within ``revisit.repair_unsigned_after_days`` (3) -- a kernel job
  (``revisit-unsigned``) scheduled at completion, cancelled by the signature or rating. Each is
  due ``revisit.repair_within_days`` (3) after it is scheduled. (:func:`after_repair_step` is
  the repair workflow's one call into this module.)
- *repair_sample* (抽样回访): the month's repair revisit rate must reach
  ``revisit.repair_target_percent`` (30 %). A monthly job per project (``revisit-sample``, key
  ``project:YYYY-MM``) counts the repairs whose work was done in the month (signed or not;
  maintenance works aside) and those of them revisited; if short, it samples repairs rated
  satisfied (deterministic: seeded by project and month) until ``revisited / done >= target``.
  It runs at 01:00 local on day ``revisit.repair_unsigned_after_days + 2`` of the next month
  (the 5th by default): by then every repair done in the month has been signed, rated or
  revisited as unsigned, so the compulsory revisits are all counted before sampling.
- *maintenance* (维修工程回访): repairs of category ``maintenance`` (public maintenance works,
  recorded by staff) are revisited ``revisit.maintenance_after_days`` (30) after their work was
  done (a kernel job, ``revisit-maintenance``), due ``revisit.maintenance_within_days`` (60)
  after it;
- *routine* (例行回访): a monthly job per project (``revisit-routine``, key ``project:YYYY-MM``,
  01:00 local on the 1st) plans about 1/``revisit.routine_cycle_months`` (12) of the project's
  occupied households (unit copies with a household), never-visited first, then the longest
  since their last visit; a household whose 12 months would run out before next month's plan
  (last visited 11 or more months back) is never left out. Due at the end of the month. A project's monthly jobs are seeded when its copy arrives
  (:func:`seed_monthly_jobs`); each run schedules the next month's.

Scheduling is idempotent: one source never gets two revisits of the same reason (checked, and
a unique index ``uq_revisit_source_reason``); a household with an open routine revisit is not
planned again.

**Recording** (:func:`step`, table :data:`TABLE`): ``scheduled`` -> ``done`` (quality 1-5,
effect 1-5, satisfaction, shortcomings, suggestions) by the steward or customer service;
``unreachable`` (reached later: recorded then) or ``cancelled`` with a reason. A dissatisfied
revisit opens a complaint linked to it (``complaints.register``).
"""
from __future__ import annotations

import math
import random
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from kernel.tenancy import Caller, Role
from kernel.work import Work

from ..exceptions import (NotAssignedToYou, NotARevisit, NotYourStep, TransitionNotAllowed)
from ..models import Complaint, ProjectCopy, Revisit, Ticket, UnitCopy
from . import clocks, repairs, sla, workflow

KIND = "revisit"
#: the revisit's one clock (``TicketDeadline.kind``)
CLOCK = "revisit"

COMPLAINT, REPAIR_DISSATISFIED, REPAIR_UNRATED, REPAIR_UNSIGNED, REPAIR_SAMPLE, MAINTENANCE, ROUTINE = (
    "complaint", "repair_dissatisfied", "repair_unrated", "repair_unsigned", "repair_sample",
    "maintenance", "routine")
REASONS = (COMPLAINT, REPAIR_DISSATISFIED, REPAIR_UNRATED, REPAIR_UNSIGNED, REPAIR_SAMPLE, MAINTENANCE,
           ROUTINE)
#: the reasons that count towards the month's repair revisit rate
REPAIR_REASONS = (REPAIR_DISSATISFIED, REPAIR_UNRATED, REPAIR_UNSIGNED, REPAIR_SAMPLE)
#: the repair category of public maintenance works (维修工程), recorded by staff
MAINTENANCE_CATEGORY = "maintenance"

#: who answers for a revisit's clock (told of its warning and breach)
RESPONSIBLE = {reason: Role.STEWARD for reason in REASONS} | {COMPLAINT: Role.CS_MANAGER}
LABELS = {COMPLAINT: "投诉回访", REPAIR_DISSATISFIED: "报修回访（不满意）", REPAIR_UNRATED: "报修回访（未评价）",
          REPAIR_UNSIGNED: "报修回访（未签认）", REPAIR_SAMPLE: "报修抽样回访", MAINTENANCE: "维修工程回访",
          ROUTINE: "例行回访"}

# -- the revisit's transition table (workflow.TABLES["revisit"]) ------------------------------
SCHEDULED, DONE, UNREACHABLE, CANCELLED = "scheduled", "done", "unreachable", "cancelled"
STATES = (SCHEDULED, DONE, UNREACHABLE, CANCELLED)
ASSIGN, RECORD, MARK_UNREACHABLE, CANCEL = "assign", "record", "unreachable", "cancel"
ACTIONS = (ASSIGN, RECORD, MARK_UNREACHABLE, CANCEL)
SATISFIED, NEUTRAL, DISSATISFIED = "satisfied", "neutral", "dissatisfied"
SATISFACTION = (SATISFIED, NEUTRAL, DISSATISFIED)

#: parties: MANAGER = the customer-service manager or the service-centre manager (assign, cancel);
#: VISITOR = the steward or customer service doing the revisit (the assignee, or anyone of them
#: while it is unassigned; a manager always)
MANAGER, VISITOR = "revisit_manager", "revisit_visitor"
MANAGER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
VISITOR_ROLES = (Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who reads the revisit lists and the month's figures
READER_ROLES = VISITOR_ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)

TABLE: dict[tuple[str, str], workflow.Step] = {
    (SCHEDULED, ASSIGN): workflow.Step(SCHEDULED, frozenset({MANAGER})),       # (re)assign to a steward
    (SCHEDULED, RECORD): workflow.Step(DONE, frozenset({VISITOR})),
    (SCHEDULED, MARK_UNREACHABLE): workflow.Step(UNREACHABLE, frozenset({VISITOR})),
    (UNREACHABLE, RECORD): workflow.Step(DONE, frozenset({VISITOR})),        # reached later after all
    (SCHEDULED, CANCEL): workflow.Step(CANCELLED, frozenset({MANAGER, workflow.SYSTEM})),
}
#: a revisit still to make (an unreachable one is planned anew by the routine plan, not kept open)
OPEN_STATES = (SCHEDULED,)
#: a revisit is the service centre's own task: its stewards and managers read it, not the household
workflow.register(KIND, TABLE, OPEN_STATES, readers=READER_ROLES)

# -- settings (declared in sla.py, tickets' catalogue: ``sla.REVISIT_SETTINGS``) ---------------
COMPLAINT_WITHIN_DAYS, DISSATISFIED_RATING, REPAIR_WITHIN_DAYS, UNSIGNED_AFTER_DAYS = (
    sla.REVISIT_COMPLAINT_WITHIN_DAYS, sla.REVISIT_DISSATISFIED_RATING, sla.REVISIT_REPAIR_WITHIN_DAYS,
    sla.REVISIT_UNSIGNED_AFTER_DAYS)
MAINTENANCE_AFTER_DAYS, MAINTENANCE_WITHIN_DAYS, ROUTINE_CYCLE_MONTHS, TARGET_PERCENT = (
    sla.REVISIT_MAINTENANCE_AFTER_DAYS, sla.REVISIT_MAINTENANCE_WITHIN_DAYS, sla.REVISIT_ROUTINE_CYCLE_MONTHS,
    sla.REVISIT_TARGET)

# -- kernel jobs ---------------------------------------------------------------------------------
JOB_UNSIGNED, JOB_MAINTENANCE, JOB_SAMPLE, JOB_ROUTINE = (
    "revisit-unsigned", "revisit-maintenance", "revisit-sample", "revisit-routine")
#: the local hour the monthly jobs run at
MONTHLY_RUN_HOUR = 1


def _system(group_id: str) -> Caller:
    return Caller.system(group_id, "tickets")


def _settings(work: Work, project_id: str) -> dict:
    return work.settings.values(project_id)


# ==============================================================================================
# scheduling
# ==============================================================================================

def _existing(work: Work, source_id: str, reason: str) -> Ticket | None:
    found = work.session.scalar(select(Revisit.ticket_id).where(
        Revisit.source_ticket_id == source_id, Revisit.reason == reason))
    return None if found is None else work.session.get(Ticket, found)


def _open(work: Work, project: ProjectCopy, reason: str, *, due_at: datetime, content: str,
          source: Ticket | None = None, unit: UnitCopy | None = None) -> Ticket:
    """Create the revisit ticket, its ``Revisit`` row and its clock; publish ``ticket.changed``."""
    now, system = work.clock.now(), _system(project.group_id)
    if unit is None and source is not None and source.unit_id:
        unit = work.session.get(UnitCopy, source.unit_id)
    household_id = (source.household_id if source is not None and source.household_id
                    else unit.household_id if unit is not None else None)
    if source is not None:
        reporter_name, reporter_phone = source.reporter_name, source.reporter_phone
        location = source.location
    else:
        reporter_name = (unit.contact_name if unit else None) or ""
        reporter_phone = unit.contact_phone if unit else None
        location = unit.label if unit else project.name
    ticket = Ticket(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
        number=repairs._next_number(work, project, KIND, now), kind=KIND, category=reason, channel="system",
        status=SCHEDULED, unit_id=unit.id if unit else (source.unit_id if source else None),
        unit_label=unit.label if unit else (source.unit_label if source else None),
        household_id=household_id, location=location or "", content=content, reporter_name=reporter_name or "",
        reporter_phone=reporter_phone, reporter_user_id=None, received_at=now, recorded_at=now,
        recorded_by=system.user_id, updated_at=now, version=1)
    ticket.deadlines = []
    ticket.history = [repairs._log(ticket, system, now, "scheduled", content[:200])]
    work.session.add(ticket)
    work.session.flush()          # the ticket's row first: the revisit row refers to it
    work.session.add(Revisit(ticket_id=ticket.id, group_id=project.group_id, project_id=project.id,
                             reason=reason, source_ticket_id=source.id if source is not None else None,
                             household_id=household_id, due_at=due_at))
    clocks.start(work, ticket, CLOCK, due_at, responsible_role=RESPONSIBLE[reason], started_at=now)
    repairs.record_changed(work, ticket)
    return ticket


def schedule(work: Work, source: Ticket, reason: str, *, due_at: datetime | None = None,
             content: str | None = None) -> Ticket:
    """The revisit of ``source`` for ``reason`` -- the one already scheduled, if any."""
    existing = _existing(work, source.id, reason)
    if existing is not None:
        return existing
    project = work.session.get(ProjectCopy, source.project_id)
    if due_at is None:
        due_at = clocks.due_after(work, project, work.clock.now(),
                                  _settings(work, project.id)[REPAIR_WITHIN_DAYS], "days")
    return _open(work, project, reason, due_at=due_at, source=source,
                 content=content or _content(reason, source))


def _content(reason: str, source: Ticket) -> str:
    what = {COMPLAINT: "投诉", MAINTENANCE: "维修工程"}.get(reason, "报修")
    detail = {REPAIR_DISSATISFIED: f"评价 {source.rating}/5", REPAIR_UNRATED: "已签认未评价",
              REPAIR_UNSIGNED: "完工后未签认、未评价", REPAIR_SAMPLE: "满意抽样"}.get(reason)
    head = f"{LABELS[reason]}: {what} {source.number}" + (f"（{detail}）" if detail else "")
    return f"{head} -- {source.content[:300]}"


def schedule_for_complaint(work: Work, complaint_ticket: Ticket) -> Ticket:
    """Every complaint is revisited within ``revisit.complaint_within_days`` of its handling
    (投诉处理后回访): called when the complaint is resolved (``Complaint.resolved_at``, else now).
    Links the revisit on the complaint (``Complaint.revisit_ticket_id`` stays the revisit that
    *opened* a complaint, so the link here is ``Revisit.source_ticket_id``)."""
    complaint = work.session.get(Complaint, complaint_ticket.id)
    resolved_at = (complaint.resolved_at if complaint is not None and complaint.resolved_at
                   else work.clock.now())
    project = work.session.get(ProjectCopy, complaint_ticket.project_id)
    days = _settings(work, project.id)[COMPLAINT_WITHIN_DAYS]
    return schedule(work, complaint_ticket, COMPLAINT,
                    due_at=clocks.due_after(work, project, resolved_at, days, "days"))


# -- the repair workflow's hooks ---------------------------------------------------------------

def _completion_key(repair: Ticket) -> str:
    """One job per completion: a reopened repair completed again gets a new one."""
    return f"{repair.id}:{int(repair.completed_at.timestamp())}"


def after_repair_step(work: Work, repair: Ticket, action: str) -> None:
    """The repair workflow took ``action`` (repairs.transition calls this once per step):

    - work done: the unsigned-check job (``revisit.repair_unsigned_after_days``), or for
      maintenance works the revisit job (``revisit.maintenance_after_days``);
    - signed (confirm) or rated: the unsigned check is cancelled; rated at or below
      ``revisit.repair_dissatisfied_rating`` -> ``repair_dissatisfied``; signed without a
      rating -> ``repair_unrated``."""
    if repair.kind != "repair":
        return
    settings = _settings(work, repair.project_id)
    if action == workflow.COMPLETE and repair.completed_at is not None:
        if repair.category == MAINTENANCE_CATEGORY:
            work.jobs.schedule(JOB_MAINTENANCE, key=_completion_key(repair),
                               due_at=repair.completed_at + timedelta(days=settings[MAINTENANCE_AFTER_DAYS]),
                               payload={"ticket_id": repair.id, "completed_at": repair.completed_at.isoformat()},
                               group_id=repair.group_id, project_id=repair.project_id)
        else:
            work.jobs.schedule(JOB_UNSIGNED, key=_completion_key(repair),
                               due_at=repair.completed_at + timedelta(days=settings[UNSIGNED_AFTER_DAYS]),
                               payload={"ticket_id": repair.id, "completed_at": repair.completed_at.isoformat()},
                               group_id=repair.group_id, project_id=repair.project_id)
    elif action in (workflow.CONFIRM, workflow.RATE):
        if repair.completed_at is not None:
            work.jobs.cancel(JOB_UNSIGNED, _completion_key(repair))
        if repair.category == MAINTENANCE_CATEGORY:
            return
        if repair.rating is not None and repair.rating <= settings[DISSATISFIED_RATING]:
            schedule(work, repair, REPAIR_DISSATISFIED)
        elif action == workflow.CONFIRM and repair.rating is None:
            schedule(work, repair, REPAIR_UNRATED)


def _locked_ticket(work: Work, ticket_id: str) -> Ticket | None:
    query = select(Ticket).where(Ticket.id == ticket_id)
    if work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return work.session.scalars(query).first()


def _same_completion(repair: Ticket, payload: dict) -> bool:
    return (repair.completed_at is not None
            and repair.completed_at == datetime.fromisoformat(payload["completed_at"]))


def run_unsigned(work: Work, job) -> None:
    """Job ``revisit-unsigned``: the work is still unsigned and unrated -> ``repair_unsigned``."""
    repair = _locked_ticket(work, job.payload["ticket_id"])
    if (repair is None or repair.status != workflow.WORK_DONE or repair.confirmed_at is not None
            or repair.rating is not None or not _same_completion(repair, job.payload)):
        return
    schedule(work, repair, REPAIR_UNSIGNED)


def run_maintenance(work: Work, job) -> None:
    """Job ``revisit-maintenance``: the works were done N days ago -> the ``maintenance`` revisit,
    due ``revisit.maintenance_within_days`` after the work was done."""
    repair = _locked_ticket(work, job.payload["ticket_id"])
    if (repair is None or repair.status not in (workflow.WORK_DONE, workflow.CLOSED)
            or not _same_completion(repair, job.payload)):
        return
    project = work.session.get(ProjectCopy, repair.project_id)
    days = _settings(work, project.id)[MAINTENANCE_WITHIN_DAYS]
    schedule(work, repair, MAINTENANCE, due_at=clocks.due_after(work, project, repair.completed_at, days, "days"))


# -- months --------------------------------------------------------------------------------------

def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_month(key: str) -> tuple[int, int]:
    year, month = key.split("-")
    return int(year), int(month)


def add_months(year: int, month: int, n: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + n
    return index // 12, index % 12 + 1


def month_bounds(project: ProjectCopy, year: int, month: int) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, local to the project."""
    tz = ZoneInfo(project.timezone)
    ny, nm = add_months(year, month, 1)
    return datetime(year, month, 1, tzinfo=tz), datetime(ny, nm, 1, tzinfo=tz)


def _local_month(project: ProjectCopy, at: datetime) -> tuple[int, int]:
    local = at.astimezone(ZoneInfo(project.timezone))
    return local.year, local.month


def sample_run_at(work: Work, project: ProjectCopy, year: int, month: int) -> datetime:
    """When month ``year-month``'s sample runs: day ``repair_unsigned_after_days + 2`` of the next
    month, 01:00 local."""
    _, end = month_bounds(project, year, month)
    days = _settings(work, project.id)[UNSIGNED_AFTER_DAYS] + 1
    return end + timedelta(days=days, hours=MONTHLY_RUN_HOUR)


def routine_run_at(project: ProjectCopy, year: int, month: int) -> datetime:
    start, _ = month_bounds(project, year, month)
    return start + timedelta(hours=MONTHLY_RUN_HOUR)


def _schedule_sample(work: Work, project: ProjectCopy, year: int, month: int) -> None:
    key = month_key(year, month)
    work.jobs.schedule(JOB_SAMPLE, key=f"{project.id}:{key}", due_at=sample_run_at(work, project, year, month),
                       payload={"project_id": project.id, "month": key}, group_id=project.group_id,
                       project_id=project.id)


def _schedule_routine(work: Work, project: ProjectCopy, year: int, month: int) -> None:
    key = month_key(year, month)
    work.jobs.schedule(JOB_ROUTINE, key=f"{project.id}:{key}", due_at=routine_run_at(project, year, month),
                       payload={"project_id": project.id, "month": key}, group_id=project.group_id,
                       project_id=project.id)


def seed_monthly_jobs(work: Work, project_id: str) -> None:
    """A project's copy arrived (or changed): its monthly jobs exist -- this month's sample and
    next month's routine plan (the chain goes on from there; the same keys again are no-ops)."""
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        return
    year, month = _local_month(project, work.clock.now())
    _schedule_sample(work, project, year, month)
    _schedule_routine(work, project, *add_months(year, month, 1))


# -- the month's repair revisit rate and the sample -------------------------------------------------

def _done_in_month(project: ProjectCopy, start: datetime, end: datetime):
    """The repairs whose work was done in the month (signed or not; maintenance works aside)."""
    return select(Ticket.id).where(
        Ticket.project_id == project.id, Ticket.kind == "repair", Ticket.category != MAINTENANCE_CATEGORY,
        Ticket.status.in_((workflow.WORK_DONE, workflow.CLOSED)),
        Ticket.completed_at >= start, Ticket.completed_at < end)


def month_figures(work: Work, project: ProjectCopy, year: int, month: int) -> dict:
    """The month's repair revisit figures: repairs done, those revisited (any repair reason, each
    repair once), by reason, the target and what it requires, the rate."""
    start, end = month_bounds(project, year, month)
    done = _done_in_month(project, start, end)
    completed = work.session.scalar(select(func.count()).select_from(done.subquery()))
    rows = work.session.execute(select(Revisit.source_ticket_id, Revisit.reason).where(
        Revisit.project_id == project.id, Revisit.reason.in_(REPAIR_REASONS),
        Revisit.source_ticket_id.in_(done))).all()
    by_reason = {reason: 0 for reason in REPAIR_REASONS}
    for _, reason in rows:
        by_reason[reason] += 1
    revisited = len({source for source, _ in rows})
    target = _settings(work, project.id)[TARGET_PERCENT]
    return {
        "project_id": project.id, "month": month_key(year, month), "repairs_done": completed,
        "revisited": revisited, "by_reason": by_reason, "target_percent": target,
        "required": math.ceil(completed * target / 100),
        "rate_percent": round(revisited * 100 / completed, 1) if completed else None,
    }


def sample_month(work: Work, project: ProjectCopy, year: int, month: int) -> list[Ticket]:
    """Sample repairs rated satisfied (above ``revisit.repair_dissatisfied_rating``) and not yet
    revisited until the month's repairs revisited reach the target; the draw is seeded by project
    and month (the same month sampled again draws the same, and needs none once reached)."""
    figures = month_figures(work, project, year, month)
    need = figures["required"] - figures["revisited"]
    if need <= 0:
        return []
    start, end = month_bounds(project, year, month)
    threshold = _settings(work, project.id)[DISSATISFIED_RATING]
    revisited = select(Revisit.source_ticket_id).where(
        Revisit.project_id == project.id, Revisit.source_ticket_id.isnot(None))
    candidates = work.session.scalars(select(Ticket).where(
        Ticket.id.in_(_done_in_month(project, start, end)), Ticket.status == workflow.CLOSED,
        Ticket.rating > threshold, Ticket.id.notin_(revisited)).order_by(Ticket.number, Ticket.id)).all()
    draw = random.Random(f"{project.id}:{month_key(year, month)}")
    chosen = sorted(draw.sample(list(candidates), min(need, len(candidates))), key=lambda t: t.number)
    return [schedule(work, repair, REPAIR_SAMPLE) for repair in chosen]


def run_sample(work: Work, job) -> None:
    """Job ``revisit-sample`` (key ``project:YYYY-MM``): sample the month; schedule next month's."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return
    year, month = parse_month(job.payload["month"])
    sample_month(work, project, year, month)
    _schedule_sample(work, project, *add_months(year, month, 1))


# -- the routine plan ------------------------------------------------------------------------------

def plan_routine(work: Work, project: ProjectCopy, year: int, month: int) -> list[Ticket]:
    """Plan the month's routine revisits (例行回访): about 1/N of the occupied households (N =
    ``revisit.routine_cycle_months``), never-visited first, then the longest since their last
    visit (a done revisit of any reason); a household last visited N-1 or more months back
    (before month M-N+2: next month's plan would come too late) is planned whatever the share;
    one with an open routine revisit is not planned again. Due at the end of the month."""
    start, end = month_bounds(project, year, month)
    cycle = _settings(work, project.id)[ROUTINE_CYCLE_MONTHS]
    units = work.session.scalars(select(UnitCopy).where(
        UnitCopy.project_id == project.id, UnitCopy.household_id.isnot(None))).all()
    if not units:
        return []
    open_routine = set(work.session.scalars(select(Revisit.household_id).join(
        Ticket, Ticket.id == Revisit.ticket_id).where(
        Revisit.project_id == project.id, Revisit.reason == ROUTINE, Ticket.status == SCHEDULED)))
    last_visit = dict(work.session.execute(select(Revisit.household_id, func.max(Revisit.done_at)).where(
        Revisit.project_id == project.id, Revisit.household_id.isnot(None), Revisit.done_at.isnot(None))
        .group_by(Revisit.household_id)).all())
    # last visited before this month's start minus (N - 2) months: due end of this month, still
    # inside N months of that visit -- next month's plan would be too late
    window_start, _ = month_bounds(project, *add_months(year, month, 2 - cycle))
    candidates = sorted((u for u in units if u.household_id not in open_routine),
                        key=lambda u: (last_visit.get(u.household_id) is not None,
                                       last_visit.get(u.household_id) or start, u.label, u.id))
    share = math.ceil(len(units) / cycle)
    overdue = [u for u in candidates
               if last_visit.get(u.household_id) is not None and last_visit[u.household_id] < window_start]
    chosen = {u.id: u for u in overdue}
    for unit in candidates:
        if len(chosen) >= max(share, len(overdue)):
            break
        chosen.setdefault(unit.id, unit)
    key = month_key(year, month)
    return [_open(work, project, ROUTINE, due_at=end, unit=unit,
                  content=f"{LABELS[ROUTINE]} {key}: {unit.label}")
            for unit in sorted(chosen.values(), key=lambda u: (u.label, u.id))]


def run_routine(work: Work, job) -> None:
    """Job ``revisit-routine`` (key ``project:YYYY-MM``): plan the month; schedule next month's."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return
    year, month = parse_month(job.payload["month"])
    plan_routine(work, project, year, month)
    _schedule_routine(work, project, *add_months(year, month, 1))


#: tickets' job handlers for revisits (service.py's JobRunner dict)
JOBS = {JOB_UNSIGNED: run_unsigned, JOB_MAINTENANCE: run_maintenance, JOB_SAMPLE: run_sample,
        JOB_ROUTINE: run_routine}


# ==============================================================================================
# recording
# ==============================================================================================

def _party(work: Work, ticket: Ticket, who: frozenset) -> None:
    caller = work.caller
    if caller.is_system and workflow.SYSTEM in who:
        return
    if MANAGER in who and caller.has_role(*MANAGER_ROLES):
        return
    if VISITOR in who:
        caller.require_role(*VISITOR_ROLES)
        if ticket.assignee_id in (None, caller.user_id) or caller.has_role(*MANAGER_ROLES):
            return
        raise NotAssignedToYou(f"revisit {ticket.number} is assigned to "
                               f"{ticket.assignee_name or ticket.assignee_id}",
                               zh=f"回访 {ticket.number} 已派给{ticket.assignee_name or ticket.assignee_id}，只能办理派给自己的回访")
    caller.require_role(*MANAGER_ROLES)
    raise NotYourStep("this step is the customer-service manager's")


def get_revisit(work: Work, ticket_id: str) -> Ticket:
    ticket = repairs.get_ticket(work, ticket_id)
    if ticket.kind != KIND:
        raise NotARevisit(f"ticket {ticket.number} is not a revisit", zh=f"工单 {ticket.number} 不是回访")
    return ticket


def _complaint_department(work: Work, revisit: Revisit) -> str:
    if revisit.source_ticket_id:
        complaint = work.session.get(Complaint, revisit.source_ticket_id)
        if complaint is not None:
            return complaint.department
        if revisit.reason != ROUTINE:
            return "engineering"
    return "customer_service"


def _open_complaint(work: Work, ticket: Ticket, revisit: Revisit, data: dict) -> Ticket:
    """A dissatisfied revisit opens a complaint linked to it (回访不满意转投诉)."""
    from . import complaints       # the complaints' rules (they import this module's scheduling)

    text = "; ".join(part for part in (data.get("shortcomings"), data.get("suggestions")) if part)
    content = f"回访 {ticket.number} 不满意" + (f": {text}" if text else "")
    return complaints.register(work, {
        "project_id": ticket.project_id, "unit_id": ticket.unit_id, "channel": "revisit", "form": "oral",
        "department": data.get("department") or _complaint_department(work, revisit),
        "content": content[:2000], "reporter_name": ticket.reporter_name or "",
        "reporter_phone": ticket.reporter_phone, "revisit_ticket_id": ticket.id,
    })


def step(work: Work, ticket_id: str, action: str, data: dict) -> Ticket:
    """One step of a revisit (:data:`TABLE`); anything else is refused."""
    ticket = get_revisit(work, ticket_id)
    ticket = repairs._ticket_for_change(work, ticket.id)
    caller, now = work.caller, work.clock.now()
    move = workflow.step(ticket.status, action, KIND)
    if move is None:
        raise TransitionNotAllowed(f"no step {action!r} from a {ticket.status!r} revisit",
                                   zh=f"回访处于 {ticket.status} 状态，不能办理 {action}",
                                   details={"status": ticket.status, "action": action})
    _party(work, ticket, move.who)
    revisit = work.session.get(Revisit, ticket.id)
    note = (data.get("note") or "").strip()
    if action == ASSIGN:
        ticket.assignee_id, ticket.assignee_name = data["assignee_id"], data.get("assignee_name") or ""
        note = note or f"派给 {ticket.assignee_name or ticket.assignee_id}"
    elif action == RECORD:
        revisit.quality, revisit.effect = data["quality"], data["effect"]
        revisit.satisfaction = data["satisfaction"]
        revisit.shortcomings, revisit.suggestions = data.get("shortcomings"), data.get("suggestions")
        revisit.done_at, revisit.done_by = now, caller.user_id
        if ticket.assignee_id is None:
            ticket.assignee_id, ticket.assignee_name = caller.user_id, caller.name or ""
        ticket.closed_at = now
        clocks.meet(ticket, CLOCK, now)
        note = note or f"quality {data['quality']}/5, effect {data['effect']}/5, {data['satisfaction']}"
        if data["satisfaction"] == DISSATISFIED:
            complaint = _open_complaint(work, ticket, revisit, data)
            revisit.complaint_ticket_id = complaint.id
            note += f"; complaint {complaint.number}"
    elif action in (MARK_UNREACHABLE, CANCEL):
        ticket.cancel_reason = data["reason"]
        ticket.closed_at = now
        clocks.cancel_running(ticket, now)
        note = note or data["reason"][:200]
    repairs._move(work, ticket, move.to, action, caller, now, note)
    ticket.updated_at = now
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket


# ==============================================================================================
# reads
# ==============================================================================================

def part(ticket: Ticket) -> dict | None:
    """The revisit's part of a ticket's snapshot and reply (``revisit``), None for other kinds."""
    if ticket.kind != KIND:
        return None
    session = object_session(ticket)
    revisit = session.get(Revisit, ticket.id) if session is not None else None
    if revisit is None:
        return None
    return {"reason": revisit.reason, "source_ticket_id": revisit.source_ticket_id,
            "household_id": revisit.household_id, "due_at": revisit.due_at, "done_at": revisit.done_at,
            "done_by": revisit.done_by, "quality": revisit.quality, "effect": revisit.effect,
            "satisfaction": revisit.satisfaction, "shortcomings": revisit.shortcomings,
            "suggestions": revisit.suggestions, "complaint_ticket_id": revisit.complaint_ticket_id}


repairs.PARTS["revisit"] = part


def preload(work: Work, tickets) -> None:
    """Load the revisit rows of a page of tickets in one query (``part`` then finds them)."""
    ids = [t.id for t in tickets if t.kind == KIND]
    if ids:
        work.session.scalars(select(Revisit).where(Revisit.ticket_id.in_(ids))).all()


def _readable_project(work: Work, project_id: str) -> ProjectCopy:
    project = repairs._project(work, project_id)
    work.caller.require_project(project.group_id, project.id, not_found=repairs._no_project(project_id))
    work.caller.require_role(*READER_ROLES)
    return project


def list_revisits(work: Work, project_id: str, *, due: str | None = None, status: str | None = None,
                  assignee_id: str | None = None, reason: str | None = None, limit: int = 50,
                  offset: int = 0) -> tuple[list[Ticket], int]:
    """The project's revisits (staff): ``due`` = still to do and not yet overdue, ``overdue`` =
    still to do past its due time; by steward (``assignee_id``), reason, status; paged."""
    project = _readable_project(work, project_id)
    sla_state = None
    if due is not None:
        status, sla_state = SCHEDULED, {"due": "pending", "overdue": "breached"}[due]
    tickets, total = repairs.list_tickets(work, project_id=project.id, kind=KIND, status=status,
                                          category=reason, assignee_id=assignee_id, sla_state=sla_state,
                                          limit=limit, offset=offset)
    return tickets, total


def figures(work: Work, project_id: str, month: str) -> dict:
    """The month's repair revisit figures (staff)."""
    project = _readable_project(work, project_id)
    return month_figures(work, project, *parse_month(month))
