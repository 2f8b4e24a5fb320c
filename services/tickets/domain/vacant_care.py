"""The care of vacant units (空置房保养, seed 000 §十.3, 6-8): every unit on the month's vacant-unit
register is cleaned once a month by the cleaning department (保洁部每月定期清扫), aired in summer
(开窗通风、散热) and checked against frost in winter (防寒防冻, drying against mould when needed:
烘干处理) by customer service; whoever goes in enters by the key register (空置房钥匙由客服部经理统一
管理 ... 须经客服主管以上签字，在钥匙借用记录表进行登记) and reports an anomaly at once (区域客服主任
... 防火、防盗 ... 一旦发觉异常情况立即上报).

**The plan** -- per-project settings (``front_desk_settings``; the seed names no figure, the defaults
are ours):

- ``vacant.cleaning_day`` (**15**): each unit's cleaning of the month (:data:`CLEANING`, the cleaning
  department's, its clock answered by the CS manager -- the cleaners are the customer-service
  department's contractors, as a complaint's ``cleaning`` department) is due by the end of that day;
- the seasons by month: ``vacant.summer_months`` (**6-9**) and ``vacant.winter_months`` (**11-2**),
  never sharing a month (422 ``settings_inconsistent``); the others are mild;
- summer: an airing (:data:`AIRING`) once in every period of ``vacant.airing_every_days`` (**7**) days;
  mild months: every ``vacant.mild_airing_every_days`` (**14**; 0: none); winter: a frost-protection
  check (:data:`FROST_CHECK`) every ``vacant.frost_check_every_days`` (**7**) -- the steward's
  (用户主任 = 区域客服主任), the customer-service department's. A period starts on its season's first
  day and runs N days (the season's last period is cut at the season's end); it is due by the end of
  its last day.

**The job.** ``vacant-care`` (key ``project:YYYY-MM-DD``, 02:00 local each day -- after the month's
register opens at 01:00; seeded with the project's copy, then chained a day on) makes sure every unit
on this month's register has its task for each period running that day (:func:`ensure`): the unique
``(unit, kind, period_start)`` makes it once however many replicas run it (``kernel.jobs`` claims each
day's job once; a second run makes nothing). A unit put on the register mid-period gets its tasks
at once (``vacant.update_register``), due no earlier than the end of the
``vacant.late_check_working_days``-th (3) working day after (a fair deadline, as the monthly check's).

**A task** (:data:`TABLE`): ``scheduled`` -record-> ``done`` (front desk, steward, CS / centre manager:
who did it -- the cleaner's name --, when, a note; the key loan it entered by; dried against mould;
an anomaly) | -cancel-> ``cancelled`` (the CS / centre manager with a reason -- the owner keeps the
only key --, or the platform: the unit left the register, a household moved in); ``cancelled``
-reopen-> ``scheduled`` (the platform only: a unit put back on the register, a task it withdrew).
Each task is a front-desk task ticket (kind ``task``, category ``vacant_care``) carrying the clock
``vacant_care`` due at the task's due time: a task not done is warned and then told overdue **once**
by the SLA sweep to the answerable role's inbox (``alerts``), like every other clock.

**Entering goes through the key loan.** The record names ``key_loan_id``: the loan (the
``request_loan`` row of ``keys``) of one of the unit's keys, **approved** -- ``keys.approve_loan``:
the CS manager (客服主管以上), the centre manager or GM standing in, never who registered it -- at or
after the period's start and not after the visit (422 ``key_loan_required`` / ``key_loan_not_valid``).

**An anomaly** (``anomaly: true`` with its kind: fire risk, break-in, leak, mould, damage, other)
is told at once: ``vacant_care.recorded`` carries it, and notify puts it in the CS manager's inbox
(``vacancy.care_anomaly``), as a failed inspection item or a key count that does not agree.

Events, in the step's transaction: ``vacant_care.recorded`` (every task done).
"""
from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kernel.tenancy import Role
from kernel.work import Work

from .. import events
from ..exceptions import (CareReasonRequired, KeyLoanNotValid, KeyLoanRequired, KeyLoanReturnedBeforeVisit,
                          PerformedAtNotValid,
                          VacantCareNotFound, VacantCareStepNotAllowed)
from ..models import Key, KeyMovement, ProjectCopy, Ticket, UnitCopy, VacantCareTask, VacantMonth
from . import clocks, keys, repairs, tasks, workflow
from .front_desk_settings import (VACANT_AIRING_EVERY_DAYS, VACANT_CLEANING_DAY, VACANT_FROST_CHECK_EVERY_DAYS,
                                  VACANT_LATE_CHECK_WORKING_DAYS, VACANT_MILD_AIRING_EVERY_DAYS,
                                  VACANT_SUMMER_MONTHS, VACANT_WINTER_MONTHS)

log = logging.getLogger(__name__)

# -- what is done, by whom --------------------------------------------------------------------
CLEANING, AIRING, FROST_CHECK = "cleaning", "airing", "frost_check"
KINDS = (CLEANING, AIRING, FROST_CHECK)
LABELS = {CLEANING: "空置房每月清扫", AIRING: "空置房开窗通风、散热", FROST_CHECK: "空置房防寒防冻检查"}
#: the department each is assigned to (保洁部 / 客服部) and the role its clock answers to
DEPARTMENTS = {CLEANING: "cleaning", AIRING: "customer_service", FROST_CHECK: "customer_service"}
RESPONSIBLE = {CLEANING: Role.CS_MANAGER, AIRING: Role.STEWARD, FROST_CHECK: Role.STEWARD}
SUMMER, WINTER, MILD = "summer", "winter", "mild"
#: what an anomaly is (防火、防盗 and the unit's state)
ANOMALY_KINDS = ("fire_risk", "break_in", "water_leak", "mould", "damage", "other")

# -- the task's table ---------------------------------------------------------------------------
SCHEDULED, DONE, CANCELLED = "scheduled", "done", "cancelled"
STATES = (SCHEDULED, DONE, CANCELLED)
RECORD, CANCEL, REOPEN = "record", "cancel", "reopen"
CARER, MANAGER = "care_recorder", "care_manager"
CARER_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
MANAGER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
READER_ROLES = CARER_ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
ROLES = {CARER: CARER_ROLES, MANAGER: MANAGER_ROLES, workflow.SYSTEM: ()}

TABLE: dict[tuple[str, str], workflow.Step] = {
    (SCHEDULED, RECORD): workflow.Step(DONE, frozenset({CARER})),
    (SCHEDULED, CANCEL): workflow.Step(CANCELLED, frozenset({MANAGER, workflow.SYSTEM})),
    # the platform only: a unit put back on the register gets back the task it withdrew
    (CANCELLED, REOPEN): workflow.Step(SCHEDULED, frozenset({workflow.SYSTEM})),
}

#: the platform's reasons (a withdrawn task comes back when its unit does; a manager's cancel stays)
WITHDRAWN = "空置房已移出登记表 the unit left the vacant-unit register"
MOVED_IN = "业主入住 the household moved in"
SYSTEM_REASONS = (WITHDRAWN, MOVED_IN)

JOB_DAY = "vacant-care"
DAILY_RUN_HOUR = 2


# ==============================================================================================
# the plan: seasons and periods
# ==============================================================================================

def season_of(values: dict, month: int) -> str:
    if month in values[VACANT_SUMMER_MONTHS]:
        return SUMMER
    if month in values[VACANT_WINTER_MONTHS]:
        return WINTER
    return MILD


def _month_first(day: date, step: int) -> date:
    index = day.year * 12 + day.month - 1 + step
    return date(index // 12, index % 12 + 1, 1)


def season_bounds(values: dict, day: date) -> tuple[date, date]:
    """The first day of ``day``'s season and the first day after it (a season is a run of months)."""
    season = season_of(values, day.month)
    start = _month_first(day, 0)
    for _ in range(11):
        before = _month_first(start, -1)
        if season_of(values, before.month) != season:
            break
        start = before
    end = _month_first(day, 1)
    for _ in range(11):
        if season_of(values, end.month) != season:
            break
        end = _month_first(end, 1)
    return start, end


def plan_for(values: dict, day: date) -> list[tuple[str, date, date]]:
    """The care periods running on local day ``day``: ``[(kind, first day, last day)]`` -- the month's
    cleaning, and the season's airing or frost check (none in a mild month whose interval is 0)."""
    month_start = _month_first(day, 0)
    plan = [(CLEANING, month_start, _month_first(day, 1) - timedelta(days=1))]
    season = season_of(values, day.month)
    kind, every = {SUMMER: (AIRING, values[VACANT_AIRING_EVERY_DAYS]),
                   WINTER: (FROST_CHECK, values[VACANT_FROST_CHECK_EVERY_DAYS]),
                   MILD: (AIRING, values[VACANT_MILD_AIRING_EVERY_DAYS])}[season]
    if every:
        start, end = season_bounds(values, day)
        first = start + timedelta(days=(day - start).days // every * every)
        plan.append((kind, first, min(first + timedelta(days=every), end) - timedelta(days=1)))
    return plan


def _midnight(project: ProjectCopy, day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(project.timezone))


def _due(work: Work, project: ProjectCopy, values: dict, kind: str, first: date, last: date) -> datetime:
    """The end of the period's last day; a cleaning: the end of ``vacant.cleaning_day`` of its month.
    A task made after its period began is due no earlier than a fair time from now (the end of the
    ``vacant.late_check_working_days``-th working day after today), as a late vacant-unit check."""
    if kind == CLEANING:
        due = keys.end_of_day(project, f"{first.year:04d}-{first.month:02d}", values[VACANT_CLEANING_DAY])
    else:
        due = _midnight(project, last + timedelta(days=1))
    now = work.clock.now()
    if now >= _midnight(project, first) + timedelta(days=1):
        last_day = clocks.due_after(work, project, now, values[VACANT_LATE_CHECK_WORKING_DAYS], "working_days")
        fair = _midnight(project, last_day.astimezone(ZoneInfo(project.timezone)).date() + timedelta(days=1))
        due = max(due, fair)
    return due


def local_day(project: ProjectCopy, at: datetime) -> date:
    return at.astimezone(ZoneInfo(project.timezone)).date()


# ==============================================================================================
# making the tasks
# ==============================================================================================

def register_units(work: Work, project: ProjectCopy, day: date) -> list[str]:
    """The units on the register of ``day``'s month (none before it is opened)."""
    row = work.session.scalars(select(VacantMonth).where(
        VacantMonth.project_id == project.id, VacantMonth.month == f"{day.year:04d}-{day.month:02d}")).first()
    return list(row.unit_ids) if row is not None else []


def ensure(work: Work, project: ProjectCopy, unit_ids: list[str] | None = None,
           day: date | None = None) -> list[VacantCareTask]:
    """Every unit on ``day``'s register (or ``unit_ids`` of it) has its task for each care period running
    that day; a task the platform withdrew comes back (reopened). The tasks made or reopened."""
    day = day or local_day(project, work.clock.now())
    on_register = register_units(work, project, day)
    units = [u for u in (unit_ids if unit_ids is not None else on_register) if u in set(on_register)]
    if not units:
        return []
    values = work.settings.values(project.id)
    plan = plan_for(values, day)
    existing = {(t.unit_id, t.care_kind, t.period_start): t for t in work.session.scalars(
        select(VacantCareTask).where(VacantCareTask.project_id == project.id, VacantCareTask.unit_id.in_(units),
                                     VacantCareTask.period_start.in_(sorted({first for _, first, _ in plan}))))}
    made = []
    for unit_id in units:
        unit = work.session.get(UnitCopy, unit_id)
        if unit is None or unit.project_id != project.id:
            continue
        for kind, first, last in plan:
            task = existing.get((unit_id, kind, first))
            if task is None:
                made.append(_open(work, project, values, unit, kind, first, last))
            elif task.status == CANCELLED and task.cancel_reason in SYSTEM_REASONS:
                _reopen(work, project, values, task)
                made.append(task)
    return made


def _open(work: Work, project: ProjectCopy, values: dict, unit: UnitCopy, kind: str, first: date,
          last: date) -> VacantCareTask:
    due = _due(work, project, values, kind, first, last)
    task = VacantCareTask(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, unit_id=unit.id,
                          unit_label=unit.label, care_kind=kind, department=DEPARTMENTS[kind], period_start=first,
                          period_end=last, due_at=due, status=SCHEDULED, dried=False, anomaly=False)
    ticket = tasks.open_task(work, project, tasks.VACANT_CARE,
                             f"{LABELS[kind]} {first.isoformat()}~{last.isoformat()}: {unit.label}",
                             [(tasks.VACANT_CARE, due, RESPONSIBLE[kind])], unit=unit)
    task.ticket_id = ticket.id
    work.session.add(task)
    work.session.flush()
    return task


def _reopen(work: Work, project: ProjectCopy, values: dict, task: VacantCareTask) -> None:
    move = TABLE[(task.status, REOPEN)]
    task.due_at = max(task.due_at, _due(work, project, values, task.care_kind, task.period_start, task.period_end))
    task.status, task.cancel_reason = move.to, None
    ticket = work.session.get(Ticket, task.ticket_id) if task.ticket_id else None
    if ticket is not None:
        tasks.reopen(work, ticket, {tasks.VACANT_CARE: task.due_at}, "put back on the vacant-unit register")


def withdraw(work: Work, unit_id: str, reason: str = WITHDRAWN) -> list[str]:
    """The unit is no longer vacant-cared (taken off this month's register; a household moved in): its
    tasks not done yet are cancelled with their clocks (never told overdue). The ids cancelled."""
    cancelled = []
    for task in work.session.scalars(select(VacantCareTask).where(VacantCareTask.unit_id == unit_id,
                                                                  VacantCareTask.status == SCHEDULED)):
        _cancel(work, task, reason)
        cancelled.append(task.id)
    return cancelled


def _cancel(work: Work, task: VacantCareTask, reason: str) -> None:
    task.status, task.cancel_reason = TABLE[(SCHEDULED, CANCEL)].to, reason[:500]
    ticket = work.session.get(Ticket, task.ticket_id) if task.ticket_id else None
    if ticket is not None:
        tasks.cancel(work, ticket, reason)


# ==============================================================================================
# the steps
# ==============================================================================================

def _get(work: Work, task_id: str, *, lock: bool = False) -> VacantCareTask:
    query = select(VacantCareTask).where(VacantCareTask.id == task_id)
    if lock and work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    task = work.session.scalars(query).first()
    missing = VacantCareNotFound(f"no vacant-unit care task {task_id}")
    if task is None or work.caller.is_resident:
        raise missing
    repairs.in_unit(work, task.group_id, task.project_id, task.unit_id, not_found=missing)
    return task


def _allowed(work: Work, task: VacantCareTask, action: str) -> workflow.Step:
    move = TABLE.get((task.status, action))
    if move is None:
        raise VacantCareStepNotAllowed(f"a care task {task.status} cannot take {action}",
                                       zh=f"该保养任务{STATE_WORDS[task.status]}，不能{ACTION_WORDS[action]}",
                                       details={"state": task.status, "action": action})
    work.caller.require_role(*sorted({r for who in move.who for r in ROLES[who]}))
    return move


STATE_WORDS = {SCHEDULED: "待完成", DONE: "已完成", CANCELLED: "已取消"}
ACTION_WORDS = {RECORD: "登记完成", CANCEL: "取消", REOPEN: "恢复"}


def record(work: Work, task_id: str, data: dict) -> VacantCareTask:
    """The visit done (``data``: key_loan_id, performed_by, performed_at, note, dried, anomaly,
    anomaly_kind): the task done, its clock met at the visit's time, ``vacant_care.recorded``."""
    task = _get(work, task_id, lock=True)
    move = _allowed(work, task, RECORD)
    project = repairs._project(work, task.project_id)
    now = work.clock.now()
    performed_at = data.get("performed_at") or now
    if performed_at > now or performed_at < _midnight(project, task.period_start):
        raise PerformedAtNotValid(f"performed_at {performed_at.isoformat()}: not in the future, and not before the "
                                  f"task's period ({task.period_start.isoformat()})",
                                  details={"period_start": task.period_start.isoformat()})
    if data.get("anomaly") and not data.get("anomaly_kind"):
        raise CareReasonRequired("an anomaly is reported with its kind (anomaly_kind: fire_risk, break_in, "
                                 "water_leak, mould, damage, other) -- and what was seen in note",
                                 zh="上报异常须选择异常类型（火灾隐患、被盗闯入、漏水、发霉、损坏、其他），并在备注说明")
    loan = _loan(work, task, project, data.get("key_loan_id"), performed_at)
    caller = work.caller
    task.status = move.to
    task.performed_by = (data.get("performed_by") or "").strip() or caller.name or caller.user_id
    task.performed_at, task.recorded_at, task.recorded_by = performed_at, now, caller.user_id
    task.key_loan_id, task.note, task.dried = loan.id, data.get("note"), bool(data.get("dried"))
    task.anomaly = bool(data.get("anomaly"))
    task.anomaly_kind = data.get("anomaly_kind") if task.anomaly else None
    ticket = work.session.get(Ticket, task.ticket_id) if task.ticket_id else None
    if ticket is not None:
        tasks.finish(work, ticket, f"{LABELS[task.care_kind]}: {task.performed_by}"
                     + ("; 异常 anomaly reported" if task.anomaly else ""), at=performed_at)
    work.session.flush()
    work.events.record(events.VACANT_CARE_RECORDED, payload(work, task, loan),
                       group_id=task.group_id, project_id=task.project_id)
    return task


def _loan(work: Work, task: VacantCareTask, project: ProjectCopy, loan_id: str | None,
          performed_at: datetime) -> KeyMovement:
    """The approved loan of the unit's key the visit entered by (空置房钥匙借用, 客服主管以上签字): the
    visit's time within the loan -- not before its approval (lent), not after its return (409
    ``key_loan_returned_before_visit``)."""
    if not loan_id:
        raise KeyLoanRequired("entering a vacant unit goes through the key register: name the approved loan of "
                              "the unit's key (key_loan_id) -- register the loan and have it approved first")
    loan = work.session.get(KeyMovement, loan_id)
    key = work.session.get(Key, loan.key_id) if loan is not None else None
    reason = None
    if loan is None or key is None or loan.group_id != task.group_id or loan.action != keys.REQUEST_LOAN:
        reason = "not_found"
    elif key.unit_id != task.unit_id:
        reason = "other_unit"
    elif loan.approved_at is None:
        # no longer open without an approval: the manager refused it (or the desk withdrew it)
        reason = "not_approved" if key.loan_id == loan.id else "refused"
    elif loan.approved_at < _midnight(project, task.period_start) or loan.approved_at > performed_at:
        reason = "outside_period"
    if reason is not None:
        en, zh = LOAN_REASONS[reason]
        raise KeyLoanNotValid(f"key loan {loan_id}: {en}", zh=zh, details={"reason": reason})
    if loan.returned_at is not None and loan.returned_at < performed_at:
        # the visit happened while the key was out: between its lending (the approval) and its return
        tz = ZoneInfo(project.timezone)
        lent, back, visit = (at.astimezone(tz).strftime("%Y-%m-%d %H:%M")
                             for at in (loan.approved_at, loan.returned_at, performed_at))
        raise KeyLoanReturnedBeforeVisit(
            f"key loan {loan.id} was lent at {lent} and returned at {back}: a visit at {visit} was not made with it "
            f"-- record the visit's time (performed_at) within the loan, or name the loan the visit entered by",
            zh=f"该次钥匙借用于 {lent} 借出、{back} 已归还，{visit} 的保养不是凭这次借用入户："
               f"请填写借出期间的保养时间（performed_at），或填写入户时所凭的钥匙借用",
            details={"key_loan_id": loan.id, "lent_at": loan.approved_at.isoformat(),
                     "returned_at": loan.returned_at.isoformat(), "performed_at": performed_at.isoformat()})
    return loan


LOAN_REASONS = {
    "not_found": ("no such key loan", "未找到该钥匙借用登记"),
    "other_unit": ("a loan of another unit's key", "该借用不是本房屋的钥匙"),
    "not_approved": ("the loan is not approved yet (the CS manager approves it)",
                     "该借用尚未经客服主管以上批准"),
    "refused": ("the loan was refused (or withdrawn): the key was never lent on it",
                "该借用已被拒绝（或已撤回），未借出钥匙"),
    "outside_period": ("the loan was approved outside the task's period or after the visit",
                       "该借用的批准时间不在本任务周期内或晚于保养时间"),
}


def cancel(work: Work, task_id: str, reason: str) -> VacantCareTask:
    """The CS / centre manager cancels a task not done (the owner keeps the only key, the unit is being
    let ...), with the reason."""
    task = _get(work, task_id, lock=True)
    _allowed(work, task, CANCEL)
    reason = (reason or "").strip()
    if not reason:
        raise CareReasonRequired("a care task is cancelled with its reason", zh="取消保养任务须填写原因")
    _cancel(work, task, reason)
    work.session.flush()
    return task


def payload(work: Work, task: VacantCareTask, loan: KeyMovement | None = None) -> dict:
    """``vacant_care.recorded`` (events.VacantCareRecorded)."""
    ticket = work.session.get(Ticket, task.ticket_id) if task.ticket_id else None
    return {"care_task_id": task.id, "group_id": task.group_id, "project_id": task.project_id,
            "unit_id": task.unit_id, "unit_label": task.unit_label, "care_kind": task.care_kind,
            "department": task.department, "period_start": task.period_start, "period_end": task.period_end,
            "due_at": task.due_at, "performed_by": task.performed_by, "performed_at": task.performed_at,
            "recorded_at": task.recorded_at,
            "recorded_by": {"user_id": work.caller.user_id, "name": work.caller.name or ""},
            "late": task.performed_at > task.due_at, "key_loan_id": task.key_loan_id,
            "key_loan_approved_by": loan.approved_by if loan is not None else None,
            "dried": task.dried, "anomaly": task.anomaly, "anomaly_kind": task.anomaly_kind, "note": task.note,
            "task_id": task.ticket_id, "task_number": ticket.number if ticket is not None else None}


# ==============================================================================================
# reads
# ==============================================================================================

DUE, OVERDUE, OPEN = "due", "overdue", "open"
LIST_STATES = (DUE, OVERDUE, OPEN, DONE, CANCELLED)


def list_tasks(work: Work, project_id: str, *, state: str = OPEN, care_kind: str | None = None,
               unit_id: str | None = None, limit: int = 100, offset: int = 0) -> tuple[list[VacantCareTask], int]:
    """The project's care tasks: ``open`` (not done: due and overdue), ``due`` (not done, its time still
    ahead), ``overdue`` (not done, past its time), ``done``, ``cancelled`` -- soonest due first."""
    project = repairs.staff_project(work, project_id, READER_ROLES)
    now = work.clock.now()
    T = VacantCareTask
    query = select(T).where(T.project_id == project.id)
    if state in (OPEN, DUE, OVERDUE):
        query = query.where(T.status == SCHEDULED)
        if state == DUE:
            query = query.where(T.due_at > now)
        elif state == OVERDUE:
            query = query.where(T.due_at <= now)
    else:
        query = query.where(T.status == state)
    if care_kind:
        query = query.where(T.care_kind == care_kind)
    if unit_id:
        query = query.where(T.unit_id == unit_id)
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = list(work.session.scalars(query.order_by(T.due_at, T.unit_label, T.care_kind).limit(limit).offset(offset)))
    return rows, total


def get(work: Work, task_id: str) -> VacantCareTask:
    task = _get(work, task_id)
    work.caller.require_role(*READER_ROLES)
    return task


def view(work: Work, task: VacantCareTask) -> dict:
    """A care task as staff read it; every time in the project's zone."""
    project = work.session.get(ProjectCopy, task.project_id)
    zone = ZoneInfo(project.timezone if project is not None else "Asia/Shanghai")

    def local(value):
        return value.astimezone(zone) if value is not None else None
    return {"id": task.id, "project_id": task.project_id, "unit_id": task.unit_id, "unit_label": task.unit_label,
            "care_kind": task.care_kind, "label": LABELS[task.care_kind], "department": task.department,
            "responsible_role": RESPONSIBLE[task.care_kind], "period_start": task.period_start,
            "period_end": task.period_end, "due_at": local(task.due_at), "status": task.status,
            "overdue": task.status == SCHEDULED and work.clock.now() >= task.due_at,
            "performed_by": task.performed_by, "performed_at": local(task.performed_at),
            "recorded_by": task.recorded_by, "recorded_at": local(task.recorded_at),
            "key_loan_id": task.key_loan_id, "note": task.note, "dried": task.dried, "anomaly": task.anomaly,
            "anomaly_kind": task.anomaly_kind, "cancel_reason": task.cancel_reason, "task_id": task.ticket_id}


# ==============================================================================================
# the daily job
# ==============================================================================================

def schedule_day(work: Work, project: ProjectCopy, day: date) -> None:
    work.jobs.schedule(JOB_DAY, key=f"{project.id}:{day.isoformat()}",
                       due_at=_midnight(project, day) + timedelta(hours=DAILY_RUN_HOUR),
                       payload={"project_id": project.id, "day": day.isoformat()}, group_id=project.group_id,
                       project_id=project.id)


def run_day(work: Work, job) -> None:
    """Job ``vacant-care`` (key ``project:YYYY-MM-DD``, 02:00 local): the day's care tasks for every unit on
    the month's register (a job run late -- the platform was down -- makes today's, not a past day's); a
    unit no longer on it (not carried into the month) has its tasks withdrawn; the next day's job."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return
    day = max(date.fromisoformat(job.payload["day"]), local_day(project, work.clock.now()))
    on_register = set(register_units(work, project, day))
    for unit_id in set(work.session.scalars(select(VacantCareTask.unit_id).where(
            VacantCareTask.project_id == project.id, VacantCareTask.status == SCHEDULED))) - on_register:
        withdraw(work, unit_id)                 # not carried over into the month: no longer cared for
    made = ensure(work, project, day=day)
    if made:
        log.info("vacant care %s %s: %d task(s) made", project.id, day, len(made))
    schedule_day(work, project, day + timedelta(days=1))


def seed_daily_job(work: Work, project_id: str) -> None:
    """A project's copy arrived: today's care job (due at 02:00: at once when that has passed; the same
    key again is a no-op)."""
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        return
    schedule_day(work, project, local_day(project, work.clock.now()))


JOBS = {JOB_DAY: run_day}
