"""Vacant units (空置房, seed 000 §十): the month's register, each vacant unit's monthly check
with its findings per room, the repairs they lead to, and the result told to the owner.

**The month** -- each date a per-project setting (``front_desk_settings``), DOMAIN.md's default:

- a job on the 1st (``vacant-month``, key ``project:YYYY-MM``, 01:00 local) opens the month's
  register (空置房登记表) with last month's units and its task, due the end of
  ``vacant.register_by_day`` (the **5th**), answerable by the front desk; the units carried over
  get their check at once;
- :func:`update_register` (front desk, steward, CS / centre manager) sets the month's list: the
  register task is done; a unit added gets its check, a unit taken off has its check cancelled;
- each unit's check is a task with two clocks: ``vacant_check`` by the end of
  ``vacant.check_by_day`` (the **10th**, the steward -- 用户主任 -- answers) and ``vacant_report``
  by the end of ``vacant.report_by_day`` (the **12th**, the CS manager answers: the result sent
  to the owner by SMS);
- :func:`record_check` records the findings per room (room, ``ok`` | ``defect`` | ``crack``,
  note): both clocks are met and ``vacant_unit.checked`` is published -- notify sends the owner
  the result (purpose ``vacancy.check_result``: the platform's sentence, never the notes). A
  small defect (水电门窗等一般问题) opens a repair ticket at once (the repair path, linked on the
  finding); a crack (墙面、地面、天花裂缝) waits for the manager (:func:`decide_crack`: CS or
  centre manager) before a repair ticket.

A household moving in (archive's ``household.changed``, active: 业主入住) withdraws its unit from this
month's and next month's register (:func:`household_moving_in`): its check, not recorded yet, cancelled
with its task -- the clocks cancelled, never breached. A recorded check stays (the month's history). The
register keeps which units the owner registered vacant (``owner_registered``), and a month carries over
only the units still vacant.

A unit put on the register late -- its check day near or past -- gets a fair deadline
(:func:`check_due`): checked by the end of the ``vacant.late_check_working_days``-th (**3**) working
day after the day it is registered, reported the month's gap (2 days) later, when that is later than
the 10th. A missed date is a breach of its clock, told once by the SLA sweep. A unit taken off and put
back the same month reopens the same check and task (``tasks.reopen``): no second task, and a breach
told before is not told again.

The month's days keep their order, register < check < report (``front_desk_settings.check``: 422
``settings_inconsistent``). A check names each room once (422 ``room_recorded_twice``); a crack
rejected needs its reason (422 ``decision_reason_required``). The repairs a check opens are the
service centre's own report (``repairs.open_repair(by_centre=True)``): not the household's contact,
no "报修已受理" -- the owner hears of them from the check's result and the crack's decision
(``vacant_finding.decided``: notify's ``vacancy.crack_decision``, never the manager's note).

The care of the units on the register (cleaning, airing, frost checks: 000 §十.6-8) is ``vacant_care``'s:
this month's register updated makes the added units' care tasks and withdraws those of the units taken off;
the 1st's job makes the carried-over units'; a household moving in withdraws them.

**Events**, each in its step's transaction: ``vacant_register.updated`` (the month's units, the
checks added and cancelled), ``vacant_unit.checked``, ``vacant_finding.decided`` (a crack's decision).

Tables: the check's (:data:`CHECK_TABLE`) and a finding's repair (:data:`FINDING_TABLE`).
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import object_session

from kernel.errors import name_ids
from kernel.privacy import free_text_for
from kernel.tenancy import Role
from kernel.validators import text_key
from kernel.work import Work

from .. import events
from ..exceptions import (DecisionReasonRequired, FindingNotFound, InvalidMonth, MonthInFuture,
                          OwnerRegisteredNotListed, RoomRecordedTwice, UnitOccupied, VacantCheckNotFound,
                          VacantStepNotAllowed)
from ..models import ProjectCopy, Ticket, UnitCopy, VacantCheck, VacantFinding, VacantMonth
from . import clocks, keys, repairs, tasks, vacant_care, workflow
from .front_desk_settings import (VACANT_CHECK_BY_DAY, VACANT_LATE_CHECK_WORKING_DAYS, VACANT_REGISTER_BY_DAY,
                                  VACANT_REPORT_BY_DAY)

# -- the check's table -------------------------------------------------------------------------
SCHEDULED, CHECKED, CANCELLED = "scheduled", "checked", "cancelled"
CHECK_STATES = (SCHEDULED, CHECKED, CANCELLED)
RECORD, CANCEL = "record", "cancel"
VISITOR, MANAGER = "vacant_visitor", "vacant_manager"
VISITOR_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
MANAGER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
READER_ROLES = VISITOR_ROLES + (Role.ENGINEERING_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
ROLES = {VISITOR: VISITOR_ROLES, MANAGER: MANAGER_ROLES, workflow.SYSTEM: ()}

CHECK_TABLE: dict[tuple[str, str], workflow.Step] = {
    (SCHEDULED, RECORD): workflow.Step(CHECKED, frozenset({VISITOR})),
    (SCHEDULED, CANCEL): workflow.Step(CANCELLED, frozenset({MANAGER, workflow.SYSTEM})),   # taken off the register
}

# -- a finding's repair -------------------------------------------------------------------------
OK, DEFECT, CRACK = "ok", "defect", "crack"
RESULTS = (OK, DEFECT, CRACK)
NEW, NONE, REPAIR_OPENED, AWAITING_APPROVAL, REJECTED = (
    "new", "none", "repair_opened", "awaiting_approval", "rejected")
APPROVE, REJECT = "approve", "reject"
FINDING_TABLE: dict[tuple[str, str], workflow.Step] = {
    (NEW, OK): workflow.Step(NONE, frozenset({VISITOR})),
    (NEW, DEFECT): workflow.Step(REPAIR_OPENED, frozenset({VISITOR})),          # a small defect: at once
    (NEW, CRACK): workflow.Step(AWAITING_APPROVAL, frozenset({VISITOR})),       # a crack: the manager first
    (AWAITING_APPROVAL, APPROVE): workflow.Step(REPAIR_OPENED, frozenset({MANAGER})),
    (AWAITING_APPROVAL, REJECT): workflow.Step(REJECTED, frozenset({MANAGER})),
}

log = logging.getLogger(__name__)

JOB_MONTH = "vacant-month"
MOVED_IN = "业主入住 the household moved in"
MONTHLY_RUN_HOUR = 1
ROOMS_MAX = 30


def _month_start(project: ProjectCopy, month: str) -> datetime:
    return keys._month_start(project, month)


def _day_end(work: Work, project: ProjectCopy, month: str, setting: str) -> datetime:
    return keys.end_of_day(project, month, work.settings.values(project.id)[setting])


def _prev_month(month: str) -> str:
    year, mon = (int(x) for x in month.split("-"))
    return f"{year - (mon == 1):04d}-{(mon - 2) % 12 + 1:02d}"


def _check_month(project: ProjectCopy, now: datetime, month: str) -> None:
    try:
        year, mon = (int(x) for x in month.split("-"))
        datetime(year, mon, 1)
    except ValueError:
        raise InvalidMonth(f"not a month: {month!r} (YYYY-MM)") from None
    current = keys.month_of(project, now)
    if month < current:
        raise InvalidMonth("a past month's register is closed", code="month_in_past",
                           zh="以往月份的空置房登记已关闭，不能再修改")
    if month > keys._next_month(current):
        raise MonthInFuture("the register is kept for this month and the next")


# ==============================================================================================
# the month: the register and its checks
# ==============================================================================================

def _month_row(work: Work, project: ProjectCopy, month: str) -> VacantMonth:
    row = work.session.scalars(select(VacantMonth).where(VacantMonth.project_id == project.id,
                                                         VacantMonth.month == month)).first()
    if row is None:
        before = work.session.scalars(select(VacantMonth).where(
            VacantMonth.project_id == project.id, VacantMonth.month == _prev_month(month))).first()
        # last month's units carried over -- those still vacant: no household, or the owner's registration
        units, registered = (list(before.unit_ids), list(before.owner_registered or [])) if before else ([], [])
        carried = [u for u in units if u in registered or _vacant(work, u)]
        row = VacantMonth(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, month=month,
                          unit_ids=carried, owner_registered=[u for u in registered if u in carried])
        work.session.add(row)
        work.session.flush()
    return row


def open_month(work: Work, project: ProjectCopy, month: str) -> VacantMonth:
    """The month's register (last month's units carried over), its task due the 5th, and the
    carried-over units' checks (idempotent: an open month is returned as it is)."""
    row = _month_row(work, project, month)
    if row.ticket_id is None:
        task = tasks.open_task(work, project, tasks.VACANT_REGISTER,
                               f"{tasks.LABELS[tasks.VACANT_REGISTER]} {month}",
                               [(tasks.VACANT_REGISTER, _day_end(work, project, month, VACANT_REGISTER_BY_DAY),
                                 Role.FRONT_DESK)])
        row.ticket_id = task.id
        for unit_id in row.unit_ids:
            unit = work.session.get(UnitCopy, unit_id)
            if unit is not None:
                _schedule_check(work, project, unit, month)
    return row


def update_register(work: Work, project_id: str, month: str, unit_ids: list[str],
                    owner_registered: list[str] = ()) -> VacantMonth:
    """Set the month's vacant units (front desk, steward, CS / centre manager): the register's
    task done, checks added and cancelled to match. A vacant unit (空置房) is one the developer has
    not sold, or one whose owner registered it vacant (业主办理空置手续, ``owner_registered``): a unit
    with a household in archive's file is otherwise occupied -- 409 ``unit_occupied`` naming it. Every
    unit of ``owner_registered`` is the project's (404 ``unit_not_found`` otherwise, as an unknown id) and
    on the register too (422 ``owner_registered_not_listed``)."""
    project = repairs.staff_project(work, project_id, VISITOR_ROLES)
    now = work.clock.now()
    _check_month(project, now, month)
    wanted, registered = list(dict.fromkeys(unit_ids)), list(dict.fromkeys(owner_registered))
    units = {u.id: u for u in work.session.scalars(select(UnitCopy).where(UnitCopy.id.in_(wanted + registered)))}
    # a unit unknown or of another project reads like missing (404), in either list
    unknown = [u for u in dict.fromkeys(wanted + registered) if u not in units or units[u].project_id != project.id]
    if unknown:
        raise repairs._no_unit(name_ids(unknown))
    unlisted = [u for u in registered if u not in set(wanted)]
    if unlisted:
        raise OwnerRegisteredNotListed(
            f"{', '.join(units[u].label for u in unlisted)}: registered vacant by the owner (owner_registered) but "
            "not on the month's register (unit_ids) -- list it there too", details={"units": [
                {"unit_id": u, "label": units[u].label} for u in unlisted]})
    occupied = [units[u] for u in wanted if units[u].household_id is not None and u not in set(owner_registered)]
    if occupied:
        labels = ", ".join(u.label for u in occupied)
        raise UnitOccupied(f"{labels}: a household lives there (archive's file), not a vacant unit; a unit whose "
                           "owner registered it vacant (空置手续) is listed in owner_registered too",
                           details={"units": [{"unit_id": u.id, "label": u.label} for u in occupied]})
    row = open_month(work, project, month)
    before = list(row.unit_ids)
    row.unit_ids, row.updated_at, row.updated_by = wanted, now, work.caller.user_id
    row.owner_registered = registered
    added = []
    for unit_id in wanted:
        scheduled = _scheduled(work, unit_id, month)
        _schedule_check(work, project, units[unit_id], month)
        if not scheduled:
            added.append(unit_id)
    cancelled = []
    for check in work.session.scalars(select(VacantCheck).where(
            VacantCheck.project_id == project.id, VacantCheck.month == month, VacantCheck.status == SCHEDULED,
            VacantCheck.unit_id.notin_(wanted or [""]))):
        check.status = CANCELLED
        cancelled.append(check.id)
        task = work.session.get(Ticket, check.ticket_id)
        if task is not None:
            tasks.cancel(work, task, "taken off the vacant-unit register")
    task = work.session.get(Ticket, row.ticket_id)
    if task is not None:
        tasks.finish(work, task, f"{len(wanted)} vacant unit(s)")
    if month == keys.month_of(project, now):
        # this month's care (vacant_care): the units taken off stop it, the units on it have it from today
        for unit_id in before:
            if unit_id not in set(wanted):
                vacant_care.withdraw(work, unit_id)
        work.session.flush()
        vacant_care.ensure(work, project, wanted)
    work.session.flush()
    work.events.record(events.VACANT_REGISTER_UPDATED, {
        "register_id": row.id, "group_id": row.group_id, "project_id": row.project_id, "month": month,
        "unit_ids": list(wanted), "owner_registered": registered,
        "added": added, "cancelled_checks": cancelled, "updated_at": now,
        "updated_by": {"user_id": work.caller.user_id, "name": work.caller.name or ""}, "task_id": row.ticket_id},
        group_id=row.group_id, project_id=row.project_id)
    return row


def _vacant(work: Work, unit_id: str) -> bool:
    unit = work.session.get(UnitCopy, unit_id)
    return unit is not None and unit.household_id is None


def household_moving_in(work: Work, unit: UnitCopy, household_id: str) -> None:
    """A household moves into ``unit`` (archive's ``household.changed``, active; 业主入住) -- called
    before the unit's copy takes it. A unit on this month's or next month's register whose check is not
    recorded yet is withdrawn: off the register (and its ``owner_registered``), its check cancelled with
    its task -- the clocks (the 10th, the 12th) cancelled, never breached -- and
    ``vacant_register.updated`` published. A check already recorded stays, the unit with it (the
    month's history). The same household again (a newer snapshot, a redelivery) changes nothing."""
    if unit.household_id == household_id:
        return
    project = work.session.get(ProjectCopy, unit.project_id)
    if project is None:
        return
    vacant_care.withdraw(work, unit.id, vacant_care.MOVED_IN)       # its cleaning, airing, frost checks
    now = work.clock.now()
    current = keys.month_of(project, now)
    for row in work.session.scalars(select(VacantMonth).where(
            VacantMonth.project_id == project.id, VacantMonth.month >= current).order_by(VacantMonth.month)):
        if unit.id not in row.unit_ids:
            continue
        check = work.session.scalars(select(VacantCheck).where(VacantCheck.unit_id == unit.id,
                                                               VacantCheck.month == row.month)).first()
        if check is not None and check.status == CHECKED:
            continue                                            # recorded: it stays (history)
        cancelled = []
        if check is not None and check.status == SCHEDULED:
            check.status = CANCELLED
            cancelled.append(check.id)
            task = work.session.get(Ticket, check.ticket_id) if check.ticket_id else None
            if task is not None:
                tasks.cancel(work, task, MOVED_IN)
        row.unit_ids = [u for u in row.unit_ids if u != unit.id]
        row.owner_registered = [u for u in (row.owner_registered or []) if u != unit.id]
        row.updated_at, row.updated_by = now, work.caller.user_id
        work.session.flush()
        log.info("vacant register %s %s: %s (%s) withdrawn, check %s cancelled -- %s", project.id, row.month,
                 unit.label, unit.id, cancelled[0] if cancelled else "none", MOVED_IN)
        work.events.record(events.VACANT_REGISTER_UPDATED, {
            "register_id": row.id, "group_id": row.group_id, "project_id": row.project_id, "month": row.month,
            "unit_ids": list(row.unit_ids), "owner_registered": list(row.owner_registered), "added": [],
            "cancelled_checks": cancelled, "updated_at": now,
            "updated_by": {"user_id": work.caller.user_id, "name": work.caller.name or ""},
            "task_id": row.ticket_id}, group_id=row.group_id, project_id=row.project_id)


def _scheduled(work: Work, unit_id: str, month: str) -> bool:
    """Has the unit a check this month that is not cancelled (scheduled or done)?"""
    return work.session.scalar(select(VacantCheck.id).where(
        VacantCheck.unit_id == unit_id, VacantCheck.month == month, VacantCheck.status != CANCELLED)) is not None


def _schedule_check(work: Work, project: ProjectCopy, unit: UnitCopy, month: str) -> VacantCheck:
    check = work.session.scalars(select(VacantCheck).where(VacantCheck.unit_id == unit.id,
                                                           VacantCheck.month == month)).first()
    if check is not None:
        if check.status == CANCELLED and check.checked_at is None:     # put back on the register
            check.status = SCHEDULED
            task = work.session.get(Ticket, check.ticket_id) if check.ticket_id else None
            if task is None or task.status != tasks.CANCELLED:
                check.ticket_id = _check_task(work, project, unit, month).id
            else:       # the same task again: one task per unit and month, its alerts told stay told
                check_by, report_by = check_due(work, project, month)
                tasks.reopen(work, task, {tasks.VACANT_CHECK: check_by, tasks.VACANT_REPORT: report_by},
                             "put back on the vacant-unit register")
        return check
    check = VacantCheck(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, unit_id=unit.id,
                        unit_label=unit.label, month=month, status=SCHEDULED)
    check.ticket_id = _check_task(work, project, unit, month).id
    work.session.add(check)
    work.session.flush()
    return check


def check_due(work: Work, project: ProjectCopy, month: str) -> tuple[datetime, datetime]:
    """When a check scheduled now is due, and its report: the end of the month's
    ``vacant.check_by_day`` (10th) and ``vacant.report_by_day`` (12th) -- or, for a unit registered late
    (those days near or past), the end of the ``vacant.late_check_working_days``-th (3) working day
    after today, the report the same gap later (2 days by default): a late addition gets a fair
    deadline, it does not start breached."""
    check_by = _day_end(work, project, month, VACANT_CHECK_BY_DAY)
    report_by = _day_end(work, project, month, VACANT_REPORT_BY_DAY)
    days = work.settings.values(project.id)[VACANT_LATE_CHECK_WORKING_DAYS]
    last = clocks.due_after(work, project, work.clock.now(), days, "working_days")
    zone = ZoneInfo(project.timezone)
    fair = datetime.combine(last.astimezone(zone).date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    if fair <= check_by:
        return check_by, report_by
    return fair, fair + max(report_by - check_by, timedelta(0))


def _check_task(work: Work, project: ProjectCopy, unit: UnitCopy, month: str) -> Ticket:
    check_by, report_by = check_due(work, project, month)
    return tasks.open_task(work, project, tasks.VACANT_CHECK, f"{tasks.LABELS[tasks.VACANT_CHECK]} {month}: {unit.label}",
                           [(tasks.VACANT_CHECK, check_by, Role.STEWARD),
                            (tasks.VACANT_REPORT, report_by, Role.CS_MANAGER)], unit=unit)


# ==============================================================================================
# the check and its findings
# ==============================================================================================

def _get_check(work: Work, check_id: str, *, lock: bool = False, missing=None) -> VacantCheck:
    query = select(VacantCheck).where(VacantCheck.id == check_id)
    if lock and work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    check = work.session.scalars(query).first()
    missing = missing or VacantCheckNotFound(f"no vacant-unit check {check_id}")
    if check is None:
        raise missing
    repairs.in_unit(work, check.group_id, check.project_id, check.unit_id, not_found=missing)
    return check


def _allowed(work: Work, table, state: str, action: str, what: str) -> workflow.Step:
    if work.caller.is_resident:
        raise VacantCheckNotFound("no such check")
    move = table.get((state, action))
    if move is None:
        raise VacantStepNotAllowed(f"a {what} {state} cannot take {action}",
                                   details={"state": state, "action": action})
    work.caller.require_role(*sorted({r for who in move.who for r in ROLES[who]}))
    return move


def record_check(work: Work, check_id: str, findings: list[dict]) -> VacantCheck:
    """Record a vacant unit's check (``findings``: [{room, result, note}]): defects open repair
    tickets, cracks wait for the manager; both clocks met; ``vacant_unit.checked`` published."""
    check = _get_check(work, check_id, lock=True)
    move = _allowed(work, CHECK_TABLE, check.status, RECORD, "check")
    for f in findings:
        _allowed(work, FINDING_TABLE, NEW, f["result"], "finding")
    _rooms_once(findings)
    now, caller = work.clock.now(), work.caller
    check.status, check.checked_at, check.checked_by = move.to, now, caller.user_id
    for position, f in enumerate(findings):
        finding = VacantFinding(id=str(uuid.uuid4()), check_id=check.id, group_id=check.group_id,
                                project_id=check.project_id, position=position, room=f["room"], result=f["result"],
                                note=f.get("note"), repair_state=FINDING_TABLE[(NEW, f["result"])].to)
        check.findings.append(finding)
        if f["result"] == DEFECT:
            finding.repair_ticket_id = _open_repair(work, check, finding).id
    check.reported_at = now
    task = work.session.get(Ticket, check.ticket_id) if check.ticket_id else None
    if task is not None:
        tasks.finish(work, task, summary_note(check))
    work.session.flush()
    work.events.record(events.VACANT_UNIT_CHECKED, checked_payload(work, check),
                       group_id=check.group_id, project_id=check.project_id)
    return check


def _rooms_once(findings: list[dict]) -> None:
    """One finding per room: a room named twice (as people read it: " 客厅", "客厅", "ＫＴＶ室" and
    "KTV室" are one) is refused, 422 ``room_recorded_twice`` naming it."""
    seen, twice = set(), []
    for f in findings:
        key = text_key(f["room"])
        if key in seen and f["room"].strip() not in twice:
            twice.append(f["room"].strip())
        seen.add(key)
    if twice:
        raise RoomRecordedTwice(f"rooms named twice: {name_ids(twice)} -- record one finding per room",
                                zh=f"以下房间重复记录：{'、'.join(twice[:10])}，每个房间只记录一条结果",
                                details={"rooms": twice[:10]})


def _open_repair(work: Work, check: VacantCheck, finding: VacantFinding) -> Ticket:
    content = f"空置房检查（{check.month}）{finding.room}：{'裂缝' if finding.result == CRACK else '一般问题'}"
    if finding.note:
        content += f" -- {finding.note}"
    # the service centre reports it (not the household's contact): the owner hears of it from the check's
    # result and the crack's decision, never a "报修已受理" to a repair they did not ask for
    return repairs.open_repair(work, {"unit_id": check.unit_id, "category": "unclassified", "channel": "staff",
                                      "content": content[:2000],
                                      "location": f"{check.unit_label} {finding.room}"[:200]}, by_centre=True)


def decide_crack(work: Work, finding_id: str, approve: bool, note: str | None = None) -> VacantFinding:
    """The manager's decision on a crack (客服部经理请示后处理): approved -> the repair ticket."""
    finding = work.session.get(VacantFinding, finding_id)
    missing = FindingNotFound(f"no finding {finding_id}")
    if finding is None:
        raise missing
    check = _get_check(work, finding.check_id, lock=True, missing=missing)   # another group's: as if none
    move = _allowed(work, FINDING_TABLE, finding.repair_state, APPROVE if approve else REJECT, "finding")
    note = (note or "").strip() or None
    if not approve and note is None:
        raise DecisionReasonRequired("a crack's repair rejected needs its reason (note)")
    now = work.clock.now()
    finding.repair_state, finding.decided_by, finding.decided_at = move.to, work.caller.user_id, now
    finding.decision_note = note
    if approve:
        finding.repair_ticket_id = _open_repair(work, check, finding).id
    work.session.flush()
    work.events.record(events.VACANT_FINDING_DECIDED, {
        "finding_id": finding.id, "check_id": check.id, "group_id": check.group_id, "project_id": check.project_id,
        "unit_id": check.unit_id, "unit_label": check.unit_label, "month": check.month, "room": finding.room,
        "result": finding.result, "repair_state": finding.repair_state, "repair_ticket_id": finding.repair_ticket_id,
        "repair_ticket_number": (work.session.get(Ticket, finding.repair_ticket_id).number
                                 if finding.repair_ticket_id else None),
        "decision_note": note, "step": {"action": APPROVE if approve else REJECT, "from_": AWAITING_APPROVAL,
                                        "to": move.to, "at": now,
                                        "actor": {"user_id": work.caller.user_id, "name": work.caller.name or ""}}},
        group_id=check.group_id, project_id=check.project_id)
    return finding


def summary(check: VacantCheck) -> dict:
    counts = {r: sum(1 for f in check.findings if f.result == r) for r in RESULTS}
    result = CRACK if counts[CRACK] else DEFECT if counts[DEFECT] else OK
    return {"result": result, "rooms": len(check.findings), "ok": counts[OK], "defects": counts[DEFECT],
            "cracks": counts[CRACK]}


def summary_note(check: VacantCheck) -> str:
    s = summary(check)
    return f"{s['rooms']} room(s): {s['defects']} defect(s), {s['cracks']} crack(s)"


def checked_payload(work: Work, check: VacantCheck) -> dict:
    """``vacant_unit.checked`` (events.VacantUnitChecked): the facts, never the notes."""
    repair_numbers = []
    for f in check.findings:
        if f.repair_ticket_id:
            ticket = work.session.get(Ticket, f.repair_ticket_id)
            repair_numbers.append(ticket.number)
    project = work.session.get(ProjectCopy, check.project_id)
    local = check.checked_at.astimezone(ZoneInfo(project.timezone)).date()
    return {"check_id": check.id, "group_id": check.group_id, "project_id": check.project_id,
            "unit_id": check.unit_id, "unit_label": check.unit_label, "month": check.month,
            "checked_at": check.checked_at, "check_date": local, **summary(check),
            "repair_ticket_numbers": repair_numbers, "awaiting_approval": sum(
                1 for f in check.findings if f.repair_state == AWAITING_APPROVAL)}


# ==============================================================================================
# reads
# ==============================================================================================

def month_view(work: Work, project_id: str, month: str) -> tuple[VacantMonth | None, list[VacantCheck]]:
    project = repairs.staff_project(work, project_id, READER_ROLES)
    row = work.session.scalars(select(VacantMonth).where(VacantMonth.project_id == project.id,
                                                         VacantMonth.month == month)).first()
    checks = list(work.session.scalars(select(VacantCheck).where(
        VacantCheck.project_id == project.id, VacantCheck.month == month).order_by(VacantCheck.unit_label)))
    return row, checks


def unit_checks(work: Work, unit_id: str) -> list[VacantCheck]:
    """A unit's checks, newest first: its staff, and the unit's own household (the results)."""
    unit = keys._unit(work, unit_id)
    if not work.caller.is_resident:
        work.caller.require_role(*READER_ROLES)
    return list(work.session.scalars(select(VacantCheck).where(VacantCheck.unit_id == unit.id)
                                     .order_by(VacantCheck.month.desc())))


def get_check(work: Work, check_id: str) -> VacantCheck:
    check = _get_check(work, check_id)
    if not work.caller.is_resident:
        work.caller.require_role(*READER_ROLES)
    return check


def _zone(session, project_id: str) -> ZoneInfo:
    project = session.get(ProjectCopy, project_id) if session is not None else None
    return ZoneInfo(project.timezone if project is not None and project.timezone else "Asia/Shanghai")


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A time as the reply gives it: in the project's zone (+08:00), however it was read or made."""
    return value.astimezone(zone) if value is not None else None


def check_view(work: Work, check: VacantCheck) -> dict:
    """A check as its reader may see it; every time in the project's zone. A finding's free text (its room,
    note and the manager's decision note) through the one rule, ``kernel.privacy.free_text_for``: as
    written for the desk (and the platform), the mobiles and ID numbers typed into it masked for everyone
    else -- the engineering manager, the general manager, the owner."""
    zone = _zone(work.session, check.project_id)
    deadlines = {}
    if check.ticket_id:
        task = work.session.get(Ticket, check.ticket_id)
        deadlines = {d.kind: d for d in task.deadlines}
    due = {k: (_local(d.due_at, zone) if d else None) for k, d in
           (("check_by", deadlines.get(tasks.VACANT_CHECK)), ("report_by", deadlines.get(tasks.VACANT_REPORT)))}
    return {"id": check.id, "project_id": check.project_id, "unit_id": check.unit_id, "unit_label": check.unit_label,
            "month": check.month, "status": check.status, "checked_at": _local(check.checked_at, zone),
            "reported_at": _local(check.reported_at, zone),
            "task_id": None if work.caller.is_resident else check.ticket_id,
            **due, "summary": summary(check) if check.status == CHECKED else None,
            "findings": [{"id": f.id, "room": free_text_for(work.caller, f.room), "result": f.result,
                          "note": free_text_for(work.caller, f.note),
                          "repair_state": f.repair_state, "repair_ticket_id": f.repair_ticket_id,
                          "decided_at": _local(f.decided_at, zone),
                          "decision_note": free_text_for(work.caller, f.decision_note)}
                         for f in check.findings]}


def register_view(row: VacantMonth | None, project_id: str, month: str) -> dict:
    return {"id": row.id if row else None, "project_id": project_id, "month": month,
            "unit_ids": list(row.unit_ids) if row else [],
            "owner_registered": list(row.owner_registered or []) if row else [],
            "updated_at": _local(row.updated_at, _zone(object_session(row), project_id)) if row else None,
            "task_id": row.ticket_id if row else None}


# ==============================================================================================
# the monthly job
# ==============================================================================================

def schedule_month(work: Work, project: ProjectCopy, month: str) -> None:
    work.jobs.schedule(JOB_MONTH, key=f"{project.id}:{month}",
                       due_at=_month_start(project, month) + timedelta(hours=MONTHLY_RUN_HOUR),
                       payload={"project_id": project.id, "month": month}, group_id=project.group_id,
                       project_id=project.id)


def run_month(work: Work, job) -> None:
    """Job ``vacant-month`` (key ``project:YYYY-MM``, the 1st at 01:00 local): the month's
    register and its task, the carried-over units' checks and their care tasks (``vacant_care``);
    next month's job."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return
    month = job.payload["month"]
    open_month(work, project, month)
    if month == keys.month_of(project, work.clock.now()):
        vacant_care.ensure(work, project)          # the carried-over units' care of the month, at once
    schedule_month(work, project, keys._next_month(month))


def seed_monthly_jobs(work: Work, project_id: str) -> None:
    """A project's copy arrived: next month's vacant-unit job (this month's register is opened by
    its first update; the same key again is a no-op)."""
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        return
    schedule_month(work, project, keys._next_month(keys.month_of(project, work.clock.now())))


JOBS = {JOB_MONTH: run_month}
