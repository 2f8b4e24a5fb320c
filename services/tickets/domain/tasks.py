"""Front-desk tasks (前台任务): the platform's own to-dos with a due time -- a lent key's return
by the end of the day, the customer-service manager's monthly key spot-check, the desk's monthly key stock-check, the month's
vacant-unit register and each vacant unit's check and care (cleaning, airing, frost protection). Each is a ticket of kind ``task`` (number
``RW-YYYYMMDD-NNNN``, the task's kind in the ticket's ``category``) with its clock(s) in the
SLA engine (``clocks``), so a missed one is told by the one sweep (``alerts``): exactly once, to
the role answerable for it, in its staff inbox (notify's ``ticket.sla_breached``).

The rules that own the facts (``keys``, ``vacant``) open and finish their tasks; nobody steps
a task by hand but a manager cancelling one (a key register entry made in error, a unit let
before its check).

Transition table (:data:`TABLE`): ``open`` -> ``done`` (the platform, when the record that
meets it is made) | ``cancelled`` (the platform, or a CS / centre manager); ``cancelled`` ->
``open`` (the platform: :func:`reopen`, the same task and clocks again -- a unit put back on the
vacant register -- whose alerts told stay told). A task is staff-only:
the household never sees it (``workflow.READERS``).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from kernel.clock import in_zone
from kernel.tenancy import Caller, Role
from kernel.work import Work

from ..models import ProjectCopy, Ticket, UnitCopy
from . import clocks, repairs, workflow

KIND = "task"
OPEN, DONE, CANCELLED = "open", "done", "cancelled"
STATES = (OPEN, DONE, CANCELLED)
FINISH, CANCEL, REOPEN = "finish", "cancel", "reopen"
ACTIONS = (FINISH, CANCEL, REOPEN)

#: the tasks (the ticket's category) and their clocks (``TicketDeadline.kind``)
KEY_RETURN, KEY_SPOT_CHECK, KEY_STOCK_CHECK, VACANT_REGISTER, VACANT_CHECK, VACANT_CARE = (
    "key_return", "key_spot_check", "key_stock_check", "vacant_register", "vacant_check", "vacant_care")
#: a late borrower's kept key deposit waiting for the CS manager's decision (release or forfeit)
KEY_DEPOSIT_DECISION = "key_deposit_decision"
CATEGORIES = (KEY_RETURN, KEY_SPOT_CHECK, KEY_STOCK_CHECK, VACANT_REGISTER, VACANT_CHECK, VACANT_CARE,
              KEY_DEPOSIT_DECISION)
#: the vacant check's second clock: its result told to the owner (by the 12th)
VACANT_REPORT = "vacant_report"
LABELS = {KEY_RETURN: "借出钥匙当日归还", KEY_SPOT_CHECK: "钥匙抽查（客服部经理）", KEY_STOCK_CHECK: "钥匙每月盘点",
          VACANT_REGISTER: "空置房登记表更新",
          VACANT_CHECK: "空置房每月检查", VACANT_CARE: "空置房保养（清扫、通风、防寒防冻）",
          KEY_DEPOSIT_DECISION: "逾期归还钥匙的押金待决定（客服部经理：退还或扣除）"}

MANAGER = "task_manager"
MANAGER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
READER_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER,
                Role.GROUP_ADMIN)

TABLE: dict[tuple[str, str], workflow.Step] = {
    (OPEN, FINISH): workflow.Step(DONE, frozenset({workflow.SYSTEM})),
    (OPEN, CANCEL): workflow.Step(CANCELLED, frozenset({workflow.SYSTEM, MANAGER})),
    # the platform only: the record it stood for is back (a vacant unit put back on the register)
    (CANCELLED, REOPEN): workflow.Step(OPEN, frozenset({workflow.SYSTEM})),
}
OPEN_STATES = (OPEN,)
workflow.register(KIND, TABLE, OPEN_STATES, readers=READER_ROLES)
repairs.NUMBER_PREFIX[KIND] = "RW"


def task_view(work: Work, ticket: Ticket) -> dict:
    """A front-desk task as its list answers it (``repairs.ticket_view``, the reader's masking) with every
    time in the project's zone (+08:00), as the register's and the checks' replies give theirs
    (``vacant._local``) -- never UTC offsets beside them."""
    project = work.session.get(ProjectCopy, ticket.project_id)
    return in_zone(repairs.ticket_view(ticket, work.clock.now(), work.caller),
                   (project.timezone if project is not None else None) or None)


def task_part(ticket: Ticket) -> dict | None:
    """The ``task`` part of a ticket (前台任务): what the task is, in the desk's words, and its
    earliest clock still running; None for other kinds."""
    if ticket.kind != KIND:
        return None
    running = sorted(d.due_at for d in ticket.deadlines if d.met_at is None and d.cancelled_at is None)
    return {"task": ticket.category, "label": LABELS.get(ticket.category, ticket.category),
            "due_at": running[0] if running else None}


repairs.PARTS["task"] = task_part


def system(group_id: str) -> Caller:
    return Caller.system(group_id, "tickets")


def open_task(work: Work, project: ProjectCopy, category: str, content: str,
              clock_list: list[tuple[str, datetime, str]], *, unit: UnitCopy | None = None,
              warn: bool = True) -> Ticket:
    """Open a task with its clocks ``[(clock kind, due_at, responsible role)]``; ``warn=False``:
    the clocks only breach (a key's return: one alert, at the end of the day)."""
    now, actor = work.clock.now(), system(project.group_id)
    ticket = Ticket(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
        number=repairs._next_number(work, project, KIND, now), kind=KIND, category=category, channel="system",
        status=OPEN, unit_id=unit.id if unit else None, unit_label=unit.label if unit else None,
        household_id=None, location=(unit.label if unit else project.name) or "", content=content,
        reporter_name="", reporter_phone=None, reporter_user_id=None, received_at=now, recorded_at=now,
        recorded_by=actor.user_id, updated_at=now, version=1)
    ticket.deadlines = []
    ticket.history = [repairs._log(ticket, work.caller, now, "opened", content[:200])]
    work.session.add(ticket)
    for kind, due_at, role in clock_list:
        deadline = clocks.start(work, ticket, kind, due_at, responsible_role=role, started_at=now)
        if not warn:
            clocks.without_warning(deadline)
    repairs.record_changed(work, ticket)
    return ticket


def meet(work: Work, ticket: Ticket, clock: str, at: datetime | None = None) -> None:
    """One of the task's clocks is met (the task stays open while another runs)."""
    clocks.meet(ticket, clock, at or work.clock.now())


def finish(work: Work, ticket: Ticket, note: str = "", *, at: datetime | None = None) -> Ticket:
    """The record that meets the task was made: its clocks met, the task done."""
    return _step(work, ticket, FINISH, note, at=at, meet_clocks=True)


def cancel(work: Work, ticket: Ticket, note: str) -> Ticket:
    """The task is no longer needed: its running clocks never alert."""
    return _step(work, ticket, CANCEL, note)


def reopen(work: Work, ticket: Ticket, dues: dict[str, datetime], note: str) -> Ticket:
    """A cancelled task is needed again: open once more, its cancelled clocks running again, each
    due at the later of its old time and ``dues[kind]`` (a fair time from now); a breach told before
    is not told again (``clocks.resume``)."""
    if ticket.status != CANCELLED:
        return ticket
    now = work.clock.now()
    move = workflow.step(ticket.status, REOPEN, KIND)
    for deadline in ticket.deadlines:
        if deadline.met_at is None:
            clocks.resume(work, deadline, max(deadline.due_at, dues.get(deadline.kind, deadline.due_at)))
    ticket.cancel_reason = None
    repairs._move(work, ticket, move.to, REOPEN, system(ticket.group_id), now, note[:200])
    ticket.updated_at = now
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket


def _step(work: Work, ticket: Ticket, action: str, note: str, *, at: datetime | None = None,
          meet_clocks: bool = False) -> Ticket:
    now = at or work.clock.now()
    if ticket.status != OPEN:
        return ticket                       # already finished or cancelled: nothing to do again
    move = workflow.step(ticket.status, action, KIND)
    actor = work.caller if not work.caller.is_system else system(ticket.group_id)
    if meet_clocks:
        for deadline in ticket.deadlines:
            clocks.meet(ticket, deadline.kind, now)
    else:
        clocks.cancel_running(ticket, now)
    if action == CANCEL:
        ticket.cancel_reason = note[:500] or None
    else:
        ticket.closed_at = now
    repairs._move(work, ticket, move.to, action, actor, now, note[:200])
    ticket.updated_at = now
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket
