"""Arrears classes A-E (欠费分类, seed 004 4.5/4.6), the dunning log's actions (欠费催缴记录表) and the
steward's next actions (催费任务).

**The class** is set by the steward (管家) -- or the CS supervisor (客服主管: ``cs_manager``) or the
service-centre manager -- after the first call (:func:`classify`). It drives the steward's next
actions, each a :class:`DunningTask` due on its day (the one mechanism for these due dates: the
billing job table's daily sweep makes them, no SLA rows of tickets). The table (:data:`CLASSES`):

=====  ===============================  ==========================================  ====================  ===========
class  meaning (seed 004 4.5)           actions (seed 004 4.6)                      cadence (setting)     who (role)
=====  ===============================  ==========================================  ====================  ===========
(none) not yet classified               ``first_call`` the day the case opens       once                  steward
A      promised a date (近期缴纳类)      ``reminder_call`` the day before the        once                  steward
                                        promised day; the day after it, still
                                        open: the promise is broken -> class B
B      unclear / no answer (暂未明确类)  ``call`` + ``door_notice``                  ``class_b_every_days``  steward
                                                                                    (1: daily)
C      unreachable (无法联系类)          ``visit``, ``door_notice``, ``find_contact``  ``class_c_every_days``  steward
                                                                                    (7)
D      away (异地出差/居住类)            ``call`` guiding to remote payment (bank    ``class_d_every_days``  steward
                                        transfer, WeChat, Alipay)                   (1: daily)
E      refuses (特殊类)                  ``escalate`` to the CS supervisor once,     ``class_e_every_days``  cs_manager,
                                        then ``follow_up`` by the steward           (7)                   steward
any    over a quarter in arrears         ``follow_up``                               ``quarter_follow_up_    steward
                                                                                    days`` (7)
=====  ===============================  ==========================================  ====================  ===========

**Days.** A cadence is counted from the day the class was set (``class_set_on``, day 0): class B set
on 17 January gives call and door notice on 17, 18, 19 ...; class C set on 17 January gives visit,
door notice and find-contact on 17, 24, 31 January. Class E: ``escalate`` (for the CS supervisor)
on day 0, the steward's ``follow_up`` on days 7, 14, ... Class A promised for 25 January: a
``reminder_call`` on 24 January (none when the promise is for today: the household just said so);
on 26 January, if the case is still open, the sweep moves it to class B (``promise_broken`` in
the log, by the system) and class B's actions start that day. **Over a quarter**: when the oldest
overdue bill's due date is more than three calendar months before today (due 15 January: from 16
April), a ``follow_up`` every ``quarter_follow_up_days`` from that first day, whatever the class.

**Tasks** are made by the daily sweep (:func:`make_day_tasks`, an ``AFTER_SWEEP`` hook) for the
sweep's day, set-based: one query of the project's open, unpaused cases, one of that day's tasks
already there, one bulk insert -- once per (case, kind, day) (``uq_dunning_task_day``). Setting a
class (or a promise) makes the day's tasks of its case at once (the day's sweep ran at 08:00). A
task is due on its day and stays on the worklist until done; it is **done** when the steward logs
the matching action (:data:`COMPLETES`), **cancelled** when the case closes (``ON_CLOSE``), pauses
(``ON_PAUSE``: a dispute, an installment plan) or its class changes. A paused case gets no task; a
day the sweep missed (an outage) is not made up -- the next sweep makes its own day's tasks.

**The log** (欠费催缴记录表) is append-only (the database refuses UPDATE and DELETE): staff actions
(:data:`ACTION_KINDS`, :func:`log_action`: who and when from the caller and the clock; a door
notice names its photo -- 张贴《催费通知单》并拍照留存), a class set (``class``), an assignment
(``assigned``), a broken promise (``promise_broken``), and the ladder's own rows (``notice``,
``stage``, ``paused``, ``resumed``, ``closed``). The outcome is staff's free text, one line, at most
400 characters; it never goes into a message to a household.

**Stewards**: the CS supervisor (``cs_manager``, ``centre_manager``) assigns cases to a steward
(:func:`assign`, logged); tasks carry the case's steward; an unassigned case's tasks belong to the
project's stewards (role ``steward``).

**Never water or power**: there is no action, task, setting or event that suspends a supply.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm.attributes import set_committed_value

from kernel.db import update_many
from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (DunningCaseClosed, DunningCaseNotFound, PhotoRequired, PromiseAboveOverdue,
                          PromiseInThePast, PromiseNotExpected, PromisedOnRequired, PromiseTooFar)
from ..models import (DunningCase, DunningLogEntry, DunningNotice, DunningTask, FeeAccount, InstallmentPlan,
                      Installment, LegalProposal, Project)
from . import dunning
from . import settings as s
from .settings import project_in_scope

STEWARD, CS_MANAGER = Role.STEWARD, Role.CS_MANAGER

#: what staff log (欠费催缴记录表) -- never anything that touches a supply
ACTION_KINDS = ("call", "sms", "door_notice", "visit", "promise", "find_contact", "note")
#: the steward's next actions (催费任务)
TASK_KINDS = ("first_call", "reminder_call", "call", "door_notice", "visit", "find_contact", "escalate",
              "follow_up")
TASK_STATES = ("open", "done", "cancelled")
#: the log rows the platform writes besides staff's actions (the ladder's in dunning.py)
LOG_KINDS = ACTION_KINDS + ("class", "assigned", "promise_broken", "notice", "stage", "paused", "resumed",
                            "closed", "account_closed")

#: who sets a class and logs actions; who assigns stewards
CLASS_ROLES = (Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
ASSIGN_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who may do a task of a role (the CS supervisor may do a steward's task too)
DOES = {STEWARD: frozenset(CLASS_ROLES), CS_MANAGER: frozenset({Role.CS_MANAGER, Role.CENTRE_MANAGER})}


@dataclass(frozen=True)
class ClassRule:
    """One row of the table: the recurring actions, their cadence setting and role, the actions
    done once on the day the class is set, and whether the recurring ones wait one cadence."""
    meaning: str
    actions: tuple[str, ...]
    every: str | None = None
    role: str = STEWARD
    once: tuple[tuple[str, str], ...] = ()
    after_once: bool = False


#: the table of the module docstring: class -> its next actions (A is the day before the promise)
CLASSES: dict[str, ClassRule] = {
    "A": ClassRule("promised a date (近期缴纳类): remind the day before", ("reminder_call",)),
    "B": ClassRule("unclear / no answer (暂未明确类): call and door notice", ("call", "door_notice"),
                   s.CLASS_B_EVERY_DAYS),
    "C": ClassRule("unreachable (无法联系类): visit, door notice, find a new contact",
                   ("visit", "door_notice", "find_contact"), s.CLASS_C_EVERY_DAYS),
    "D": ClassRule("away (异地出差/居住类): call, guide to remote payment (bank transfer, WeChat, Alipay)",
                   ("call",), s.CLASS_D_EVERY_DAYS),
    "E": ClassRule("refuses (特殊类): escalate to the CS supervisor, then follow up", ("follow_up",),
                   s.CLASS_E_EVERY_DAYS, once=(("escalate", CS_MANAGER),), after_once=True),
}
#: before a class is set: the steward's first call, the day the case opens (seed 004 4.4)
UNCLASSIFIED = ("first_call", STEWARD)
#: over a quarter in arrears: a follow-up every ``dunning.quarter_follow_up_days``
QUARTER = ("follow_up", STEWARD)

#: an action logged -> the open tasks (due today or earlier) it completes
COMPLETES: dict[str, tuple[str, ...]] = {
    "call": ("first_call", "reminder_call", "call", "follow_up"),
    "promise": ("first_call", "reminder_call", "call", "follow_up"),
    "visit": ("visit", "follow_up"),
    "door_notice": ("door_notice",),
    "find_contact": ("find_contact",),
    "sms": (),
    "note": ("escalate",),
}


# -- the days (pure) ------------------------------------------------------------------------------

def quarter_from(oldest_due_on: date | None) -> date | None:
    """The first day an account is *more* than one quarter in arrears (3 calendar months after its
    oldest overdue bill's due date, plus one day)."""
    return None if oldest_due_on is None else s.months_after(oldest_due_on, 3) + timedelta(days=1)


def tasks_on(values: dict, day: date, *, opened_on: date, arrears_class: str | None,
             class_set_on: date | None, promised_on: date | None,
             oldest_due_on: date | None) -> dict[str, str]:
    """The tasks a case calls for on ``day``: ``{kind: role}`` (the table; pure)."""
    out: dict[str, str] = {}
    if arrears_class is None:
        if day == opened_on:
            out[UNCLASSIFIED[0]] = UNCLASSIFIED[1]
    elif arrears_class == "A":
        if promised_on is not None and day == promised_on - timedelta(days=1) and day >= class_set_on:
            out["reminder_call"] = STEWARD
    else:
        rule = CLASSES[arrears_class]
        n = (day - class_set_on).days
        if n == 0:
            out.update(dict(rule.once))
        every = values[rule.every]
        if n >= 0 and n % every == 0 and not (n == 0 and rule.after_once):
            out.update({kind: rule.role for kind in rule.actions})
    start = quarter_from(oldest_due_on)
    if start is not None and day >= start and (day - start).days % values[s.QUARTER_FOLLOW_UP_DAYS] == 0:
        out.setdefault(*QUARTER)
    return out


def _tasks_of(values: dict, case, day: date) -> dict[str, str]:
    return tasks_on(values, day, opened_on=case.opened_on, arrears_class=case.arrears_class,
                    class_set_on=case.class_set_on, promised_on=case.promised_on,
                    oldest_due_on=case.oldest_due_on)


# -- the sweep's hook: broken promises, the day's tasks (set-based) ---------------------------------

def _task_row(work: Work, case, kind: str, role: str, day: date) -> dict:
    return {"id": str(uuid.uuid4()), "group_id": case.group_id, "project_id": case.project_id,
            "case_id": case.id, "account_id": case.account_id, "kind": kind, "due_on": day, "role": role,
            "steward_id": case.steward_id, "status": "open", "done_at": None, "done_by": None, "log_id": None,
            "created_at": work.clock.now()}


def break_promises(work: Work, cases: list[DunningCase], today: date, result) -> None:
    """Class A cases whose promised day is past (today is after it) and still open: class B from
    today, ``promise_broken`` in the log (who: the sweep's caller, the system), class A's open tasks
    (the reminder call) cancelled. One ``UPDATE`` of the cases, one ``INSERT``, one of the tasks."""
    broken = [c for c in cases if c.arrears_class == "A" and c.promised_on is not None and c.promised_on < today]
    if not broken:
        return
    updates, logs = [], []
    for case in broken:
        updates.append({"id": case.id, "arrears_class": "B", "class_set_on": today,
                        "class_set_by": work.caller.user_id, "promised_on": None, "promised_amount": None,
                        "version": (case.version or 0) + 1})
        logs.append(dunning._log_row(work, case, "promise_broken", today, arrears_class="B",
                                     promised_on=case.promised_on, promised_amount=case.promised_amount,
                                     outcome=f"promised {case.promised_on.isoformat()}, not paid: class B"))
    update_many(work.session, DunningCase, "id", updates)
    work.session.execute(insert(DunningLogEntry), logs)
    # what class A asked for (the reminder the day before) and was not done is no longer the plan
    work.session.execute(update(DunningTask).where(DunningTask.case_id.in_([c.id for c in broken]),
                                                   DunningTask.status == "open")
                         .values(status="cancelled").execution_options(synchronize_session=False))
    by_id = {c.id: c for c in broken}
    for row in updates:
        for key, value in row.items():
            set_committed_value(by_id[row["id"]], key, value)
    result.restate.update(c.account_id for c in broken)


def make_day_tasks(work: Work, project: Project, today: date, result) -> int:
    """``AFTER_SWEEP``: broken promises moved on, then the day's tasks of the project's open,
    unpaused cases -- those not there yet (any status: a task done or cancelled today is not made
    again). Returns how many were made."""
    session = work.session
    values = work.settings.values(project.id, on=today)
    cases = list(session.scalars(select(DunningCase).where(
        DunningCase.project_id == project.id, DunningCase.status == "open", DunningCase.paused.is_(None))))
    break_promises(work, cases, today, result)
    there = set(session.execute(select(DunningTask.case_id, DunningTask.kind).where(
        DunningTask.project_id == project.id, DunningTask.due_on == today)).all())
    rows = [_task_row(work, case, kind, role, today) for case in cases
            for kind, role in _tasks_of(values, case, today).items() if (case.id, kind) not in there]
    if rows:
        session.execute(insert(DunningTask), rows)
    return len(rows)


def _case_tasks_today(work: Work, case: DunningCase, today: date) -> None:
    """One case's tasks for today (after a class is set or a case resumes): those it calls for and
    are not there are made; a cancelled one it calls for again is reopened."""
    if case.paused or case.status != "open":
        return
    values = work.settings.values(case.project_id, on=today)
    want = _tasks_of(values, case, today)
    there = {t.kind: t for t in work.session.scalars(select(DunningTask).where(
        DunningTask.case_id == case.id, DunningTask.due_on == today))}
    for kind, role in want.items():
        task = there.get(kind)
        if task is None:
            work.session.add(DunningTask(**_task_row(work, case, kind, role, today)))
        elif task.status == "cancelled":
            task.status, task.role, task.steward_id = "open", role, case.steward_id


def cancel_open_tasks(work: Work, case: DunningCase) -> None:
    """``ON_CLOSE`` / ``ON_PAUSE``: the case's open tasks are cancelled."""
    work.session.execute(update(DunningTask).where(DunningTask.case_id == case.id, DunningTask.status == "open")
                         .values(status="cancelled").execution_options(synchronize_session="fetch"))


def on_pause(work: Work, case: DunningCase) -> None:
    """``ON_PAUSE`` (pause and resume): paused, its open tasks are cancelled; resumed, today's are
    made. Either way the account's dunning state is published."""
    if case.paused:
        cancel_open_tasks(work, case)
    else:
        _case_tasks_today(work, case, work.clock.today(_tz(work, case.project_id)))
    publish_case(work, case)


def publish_case(work: Work, case: DunningCase) -> None:
    """``account.balance_changed`` (cause ``dunning``) for one case's account."""
    from .accounts import publish_dunning_states
    work.session.flush()
    publish_dunning_states(work, [case.account_id])


def _tz(work: Work, project_id: str) -> str:
    project = work.session.get(Project, project_id)
    return (project.timezone if project else None) or "Asia/Shanghai"


dunning.AFTER_SWEEP.append(make_day_tasks)
dunning.ON_CLOSE.append(cancel_open_tasks)
dunning.ON_PAUSE.append(on_pause)


# -- staff's writes ---------------------------------------------------------------------------------

def get_case(work: Work, case_id: str) -> DunningCase:
    """A case of a project the caller works on (staff only). Anyone else -- a resident, staff of
    another project or group -- hears exactly what they would for a case that does not exist."""
    case = work.session.get(DunningCase, case_id)
    not_found = DunningCaseNotFound(f"no dunning case {case_id}")
    if case is None or not (work.caller.is_staff or work.caller.is_system) \
            or not work.caller.sees_project(case.group_id, case.project_id):
        raise not_found
    return case


def _open_case(work: Work, case_id: str, roles) -> DunningCase:
    case = get_case(work, case_id)
    work.caller.require_role(*roles)
    if case.status != "open":
        raise DunningCaseClosed(f"the dunning case {case_id} is closed ({case.close_reason})")
    return case


def _check_promise(work: Work, case: DunningCase, data: dict, today: date) -> None:
    """A promise (class A, 近期缴纳类) names a day from today to ``dunning.promise_longest_days``
    ahead, and an amount (if any) no more than what the case has overdue now."""
    promised_on = data.get("promised_on")
    if promised_on is None:
        raise PromisedOnRequired("class A (a promise) names the day the household promised to pay by")
    if promised_on < today:
        raise PromiseInThePast(f"the promised day {promised_on} is before today ({today})",
                               zh=f"承诺缴费日期 {promised_on} 早于今天（{today}）")
    longest = work.settings.values(case.project_id, on=today)[s.PROMISE_LONGEST_DAYS]
    if promised_on > today + timedelta(days=longest):
        raise PromiseTooFar(f"the promised day {promised_on} is more than {longest} days ahead (setting "
                            f"{s.PROMISE_LONGEST_DAYS}); a longer arrangement is an installment plan",
                            zh=f"承诺缴费日期 {promised_on} 超过 {longest} 天后（设置 {s.PROMISE_LONGEST_DAYS}），更长的安排请办理分期缴费")
    amount = data.get("promised_amount")
    if amount is not None:
        overdue = dunning.overdue_now(work, case)
        if money(amount) > overdue:
            raise PromiseAboveOverdue(f"the promised amount {money(amount)} is more than the case has overdue "
                                      f"({overdue})", zh=f"承诺缴费金额 {money(amount)} 超过案件的逾期欠费（{overdue}）")


def _complete(work: Work, case: DunningCase, kinds, today: date, log_id: str) -> list[str]:
    """The case's open tasks of ``kinds`` due today or earlier that the caller may do: done."""
    if not kinds:
        return []
    done = []
    for task in work.session.scalars(select(DunningTask).where(
            DunningTask.case_id == case.id, DunningTask.status == "open", DunningTask.kind.in_(kinds),
            DunningTask.due_on <= today).order_by(DunningTask.due_on, DunningTask.kind)):
        if not (work.caller.is_system or work.caller.roles & DOES.get(task.role, frozenset())):
            continue
        task.status, task.done_at, task.done_by, task.log_id = "done", work.clock.now(), work.caller.user_id, log_id
        done.append(task.id)
    return done


def _set_class(work: Work, case: DunningCase, arrears_class: str, today: date, *, promised_on=None,
               promised_amount=None) -> None:
    """The case's class from today; the open tasks of the class it had are cancelled (the first call
    is done by the caller -- a class is set after it), today's tasks of the new one are made."""
    case.arrears_class, case.class_set_on, case.class_set_by = arrears_class, today, work.caller.user_id
    case.promised_on = promised_on if arrears_class == "A" else None
    case.promised_amount = promised_amount if arrears_class == "A" else None
    case.version = (case.version or 0) + 1


def classify(work: Work, data: dict) -> tuple[DunningCase, DunningLogEntry, list[str]]:
    """Set the case's arrears class (after the first call): A needs ``promised_on`` (today or
    later), the others take none. Logged (``class``); returns the case, the log row and the tasks
    it completed."""
    case = _open_case(work, data["case_id"], CLASS_ROLES)
    today = work.clock.today(_tz(work, case.project_id))
    cls = data["arrears_class"]
    if cls == "A":
        _check_promise(work, case, data, today)
    elif data.get("promised_on") is not None or data.get("promised_amount") is not None:
        raise PromiseNotExpected(f"class {cls} takes no promised day or amount (class A does)",
                                 zh=f"{cls}类不填写承诺日期或金额（只有A类承诺缴费才填写）")
    return _classified(work, case, today, cls, "class", data.get("note") or "", data.get("promised_on"),
                       data.get("promised_amount"), COMPLETES["call"])


def _classified(work, case, today, cls, kind, outcome, promised_on, promised_amount, completes, photo_ref=None):
    _set_class(work, case, cls, today, promised_on=promised_on, promised_amount=promised_amount)
    entry = dunning.add_log(work, case, kind, outcome=outcome, on=today, arrears_class=cls,
                            promised_on=promised_on, promised_amount=promised_amount, photo_ref=photo_ref)
    work.session.flush()
    done = _complete(work, case, completes, today, entry.id)
    # what the old class asked for and was not done is no longer the plan
    work.session.flush()
    work.session.execute(update(DunningTask).where(DunningTask.case_id == case.id, DunningTask.status == "open")
                         .values(status="cancelled").execution_options(synchronize_session="fetch"))
    _case_tasks_today(work, case, today)
    publish_case(work, case)
    return case, entry, done


def log_action(work: Work, data: dict) -> tuple[DunningCase, DunningLogEntry, list[str]]:
    """Append one action to the case's log (who and when: the caller, now) and complete the matching
    open tasks due today or earlier. ``door_notice`` names its photo; ``promise`` sets class A with
    the promised day (today or later); only a promise carries a promised day or amount."""
    case = _open_case(work, data["case_id"], CLASS_ROLES)
    today = work.clock.today(_tz(work, case.project_id))
    kind = data["kind"]
    if kind == "door_notice" and not data.get("photo_ref"):
        raise PhotoRequired("a door notice (催费通知单) is photographed: name the photo (photo_ref)")
    if kind == "promise":
        _check_promise(work, case, data, today)
        return _classified(work, case, today, "A", "promise", data["outcome"], data["promised_on"],
                           data.get("promised_amount"), COMPLETES["promise"], data.get("photo_ref"))
    if data.get("promised_on") is not None or data.get("promised_amount") is not None:
        raise PromiseNotExpected("only a promise carries a promised day or amount")
    entry = dunning.add_log(work, case, kind, outcome=data["outcome"], on=today, photo_ref=data.get("photo_ref"))
    work.session.flush()
    return case, entry, _complete(work, case, COMPLETES[kind], today, entry.id)


def assign(work: Work, data: dict) -> list[DunningCase]:
    """The CS supervisor assigns cases of the project to a steward (``steward_id`` with its name,
    checked by the gateway to be a steward of the project) or back to the project's stewards
    (``None``). Each case's open tasks follow; each assignment is logged."""
    project = project_in_scope(work, data["project_id"])
    work.caller.require_role(*ASSIGN_ROLES)
    ids = list(dict.fromkeys(data["case_ids"]))
    cases = {c.id: c for c in work.session.scalars(select(DunningCase).where(
        DunningCase.id.in_(ids), DunningCase.project_id == project.id))}
    missing = [i for i in ids if i not in cases]
    if missing:
        raise DunningCaseNotFound(f"no dunning case {missing[0]} in project {project.id}")
    closed = [i for i in ids if cases[i].status != "open"]
    if closed:
        raise DunningCaseClosed(f"the dunning case {closed[0]} is closed")
    today = work.clock.today(project.timezone or "Asia/Shanghai")
    steward, name = data.get("steward_id"), data.get("steward_name") if data.get("steward_id") else None
    for case_id in ids:
        case = cases[case_id]
        case.steward_id, case.steward_name = steward, name
        case.version = (case.version or 0) + 1
        dunning.add_log(work, case, "assigned", on=today,
                        outcome=f"steward {steward} {name or ''}".strip() if steward else "the project's stewards")
    work.session.flush()
    work.session.execute(update(DunningTask).where(DunningTask.case_id.in_(ids), DunningTask.status == "open",
                                                   DunningTask.role == STEWARD)
                         .values(steward_id=steward).execution_options(synchronize_session="fetch"))
    return [cases[i] for i in ids]


# -- views (staff of the project only) -------------------------------------------------------------

def _late_fee(case) -> Decimal:
    return max(dunning.unbilled_fee(case), ZERO)


def case_row(case: DunningCase, account: FeeAccount | None) -> dict:
    """A case as the lists show it."""
    return {"id": case.id, "project_id": case.project_id, "account_id": case.account_id,
            "unit_id": account.unit_id if account else None, "unit_label": account.unit_label if account else None,
            "household_id": case.household_id, "status": case.status, "stage": case.stage,
            "stage_on": case.stage_on, "arrears_class": case.arrears_class, "class_set_on": case.class_set_on,
            "promised_on": case.promised_on, "promised_amount": case.promised_amount,
            "paused": case.paused is not None, "pause_reason": case.paused, "steward_id": case.steward_id,
            "steward_name": case.steward_name, "overdue": money(case.overdue or ZERO),
            "oldest_due_on": case.oldest_due_on, "opened_on": case.opened_on, "closed_on": case.closed_on,
            "close_reason": case.close_reason, "late_fee_accrued": _late_fee(case),
            "late_fee_billed": money(case.late_fee_billed or ZERO), "version": case.version}


def list_cases(work: Work, query: dict) -> dict:
    """A project's cases, most overdue first (filters: status, stage, class, steward, paused)."""
    project = project_in_scope(work, query["project_id"])
    work.caller.require_staff()
    where = [DunningCase.project_id == project.id, DunningCase.status == query["status"]]
    if query.get("stage"):
        where.append(DunningCase.stage == query["stage"])
    if query.get("arrears_class"):
        where.append(DunningCase.arrears_class == query["arrears_class"])
    if query.get("steward"):
        where.append(DunningCase.steward_id == query["steward"])
    if query.get("paused") is not None:
        where.append(DunningCase.paused.is_not(None) if query["paused"] else DunningCase.paused.is_(None))
    total = work.session.scalar(select(func.count(DunningCase.id)).where(*where))
    rows = work.session.execute(
        select(DunningCase, FeeAccount).join(FeeAccount, FeeAccount.id == DunningCase.account_id).where(*where)
        .order_by(DunningCase.overdue.desc(), DunningCase.id).limit(query["limit"]).offset(query["offset"])).all()
    return {"items": [case_row(c, a) for c, a in rows], "total": total, "limit": query["limit"],
            "offset": query["offset"]}


def _columns(obj, names) -> dict:
    return {n: getattr(obj, n) for n in names}


def case_view(work: Work, case: DunningCase) -> dict:
    """One case with its unit, notices, log (oldest first), tasks, and -- when there are any -- its
    installment plans and legal proposals."""
    session = work.session
    view = case_row(case, session.get(FeeAccount, case.account_id))
    view["notices"] = [_columns(n, ("id", "stage", "notice_on", "pay_by", "overdue", "late_fee"))
                       for n in session.scalars(select(DunningNotice).where(DunningNotice.case_id == case.id)
                                                .order_by(DunningNotice.notice_on, DunningNotice.stage))]
    view["log"] = [_columns(e, ("id", "kind", "outcome", "photo_ref", "promised_on", "promised_amount",
                                "arrears_class", "ref_id", "done_on", "recorded_at", "recorded_by",
                                "recorded_by_name"))
                   for e in session.scalars(select(DunningLogEntry).where(DunningLogEntry.case_id == case.id)
                                            .order_by(DunningLogEntry.recorded_at, DunningLogEntry.id))]
    view["tasks"] = [task_row(t) for t in session.scalars(select(DunningTask).where(
        DunningTask.case_id == case.id).order_by(DunningTask.due_on, DunningTask.kind))]
    plans = list(session.scalars(select(InstallmentPlan).where(InstallmentPlan.case_id == case.id)
                                 .order_by(InstallmentPlan.agreed_at)))
    instalments: dict[str, list] = {}
    if plans:
        for i in session.scalars(select(Installment).where(Installment.plan_id.in_([p.id for p in plans]))
                                 .order_by(Installment.plan_id, Installment.seq)):
            instalments.setdefault(i.plan_id, []).append(_columns(i, ("seq", "due_on", "amount", "met_on")))
    view["plans"] = [dict(_columns(p, ("id", "status", "total", "agreed_on", "agreed_by", "ended_on",
                                       "ended_reason")), installments=instalments.get(p.id, [])) for p in plans]
    view["legal"] = [_columns(p, ("id", "kind", "status", "amount", "proposed_at", "proposed_by", "reviewed_at",
                                  "reviewed_by", "approved_at", "approved_by", "rejected_at", "rejected_by",
                                  "done_at", "done_by"))
                     for p in session.scalars(select(LegalProposal).where(LegalProposal.case_id == case.id)
                                              .order_by(LegalProposal.proposed_at))]
    return view


def task_row(task: DunningTask, case: DunningCase | None = None, account: FeeAccount | None = None) -> dict:
    row = _columns(task, ("id", "case_id", "account_id", "kind", "due_on", "role", "steward_id", "status",
                          "done_at", "done_by", "log_id"))
    if case is not None:
        row.update(unit_id=account.unit_id if account else None, unit_label=account.unit_label if account else None,
                   overdue=money(case.overdue or ZERO), arrears_class=case.arrears_class, stage=case.stage,
                   promised_on=case.promised_on)
    return row


def worklist(work: Work, query: dict) -> dict:
    """The tasks due on ``day`` (default: today at the site) or earlier and still open, with their
    case's unit, overdue and class. ``steward``: that steward's (their cases' tasks); none given, a
    steward sees their own and the unassigned ones of the project's stewards, the CS supervisor all."""
    project = project_in_scope(work, query["project_id"])
    work.caller.require_staff()
    day = query.get("day") or work.clock.today(project.timezone or "Asia/Shanghai")
    where = [DunningTask.project_id == project.id, DunningTask.status == "open", DunningTask.due_on <= day]
    steward = query.get("steward")
    if steward:
        where += [DunningTask.role == STEWARD, DunningTask.steward_id == steward]
    elif work.caller.has_role(Role.STEWARD) and not work.caller.has_role(*ASSIGN_ROLES):
        where += [DunningTask.role == STEWARD,
                  (DunningTask.steward_id == work.caller.user_id) | DunningTask.steward_id.is_(None)]
    rows = work.session.execute(
        select(DunningTask, DunningCase, FeeAccount).join(DunningCase, DunningCase.id == DunningTask.case_id)
        .join(FeeAccount, FeeAccount.id == DunningTask.account_id).where(*where)
        .order_by(DunningTask.due_on, FeeAccount.unit_label, DunningTask.kind)
        .limit(query["limit"]).offset(query["offset"])).all()
    return {"project_id": project.id, "day": day, "steward": steward or (
        work.caller.user_id if work.caller.has_role(Role.STEWARD) and not work.caller.has_role(*ASSIGN_ROLES)
        else None), "tasks": [task_row(t, c, a) for t, c, a in rows]}
