"""Installment plans (分期缴费协议) for households in hardship.

**Agreed** for an open dunning case by the CS manager or the centre manager with the household: a
schedule of instalments -- at most :data:`MAX_INSTALMENTS`, each above zero, due on strictly
increasing dates from today on (422 ``invalid_schedule``) -- whose sum is exactly what the case has
overdue now (422 ``plan_total_mismatch``, the message names the figure), and a reason. One active
plan per account (409 ``installment_plan_exists``).

**Honoured, the ladder waits.** While the plan is active the case is paused (``plan``: no notice,
task or late fee; ``disputes.reconsider`` -- an open dispute of the account holds it first).
Every day, before the ladder moves (``dunning.BEFORE_SWEEP``), :func:`check` compares the money
received since the plan was agreed -- the account's ``payment`` entries posted from ``agreed_at``
on, net of their reversals (a voided receipt) -- with the instalments in order: an instalment is
covered when the money received reaches the running total of the instalments up to it; its
``met_on`` is the day the money that covered it was received (cleared again if that money is
taken back). An instalment **due before today** and not covered **breaks** the plan: the case
resumes that same morning, before the sweep moves it (so an instalment due on the 25th and unpaid
that day resumes the ladder on the 26th). When every instalment is covered the plan is
**completed** (and the case resumes for anything that fell overdue since, if it is still open). A
case that closes (paid) completes its active plan (``dunning.ON_CLOSE``). Every step is in the
dunning log: ``plan_agreed``, ``instalment_met``, ``plan_broken``, ``plan_completed``,
``plan_cancelled`` (and the case's own ``paused`` / ``resumed``).

The table :data:`TABLE` (anything else: 409 ``transition_not_allowed``):

=======  ========  =========  =====================================================
from     action    to         who / when
=======  ========  =========  =====================================================
(new)    agree     active     CS manager, centre manager (an open case)
active   complete  completed  the daily check: every instalment covered; the case closes
active   break     broken     the daily check: an instalment due before today not covered
active   cancel    cancelled  CS manager, centre manager, with a reason
=======  ========  =========  =====================================================
"""
from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select

from kernel.money import ZERO, money
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (DunningCaseClosed, DunningCaseNotFound, InstallmentPlanExists, InstallmentPlanNotFound,
                          InvalidSchedule, PlanTooLong, PlanTotalMismatch, PlanTransitionNotAllowed)
from ..models import DunningCase, FeeAccount, Installment, InstallmentPlan, LedgerEntry, Project
from . import dunning, journal
from . import settings as s
from .disputes import reconsider
from .payments import scoped_account
from .settings import project_in_scope

ACTIVE, COMPLETED, BROKEN, CANCELLED = "active", "completed", "broken", "cancelled"
STATES = (ACTIVE, COMPLETED, BROKEN, CANCELLED)
AGREE, COMPLETE, BREAK, CANCEL = "agree", "complete", "break", "cancel"
MAX_INSTALMENTS = 24

AGREE_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
CANCEL_ROLES = AGREE_ROLES
#: staff who read plans (the unit's residents read their own)
READ_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.FINANCE,
              Role.GENERAL_MANAGER, Role.GROUP_ADMIN)

#: (state, action) -> next state; ``complete`` and ``break`` are the daily check's (and the case
#: closing's), ``cancel`` a person's (``CANCEL_ROLES``)
TABLE: dict[tuple[str, str], str] = {(ACTIVE, COMPLETE): COMPLETED, (ACTIVE, BREAK): BROKEN,
                                     (ACTIVE, CANCEL): CANCELLED}
LOG_KINDS = {COMPLETED: "plan_completed", BROKEN: "plan_broken", CANCELLED: "plan_cancelled"}


# -- shared with legal.py: an open case the caller may act on, and what it has overdue -----------

def case_in_scope(work: Work, case_id: str) -> tuple[DunningCase, FeeAccount]:
    """The case if the caller is staff who may see its project (a resident, staff of another project
    or group, hears exactly what a missing id says)."""
    case = work.session.get(DunningCase, case_id)
    not_found = DunningCaseNotFound(f"no dunning case {case_id}")
    # staff of another project hear what they hear on the case itself (arrears_classes.get_case)
    if case is None or work.caller.is_resident or not (
            work.caller.is_system or work.caller.sees_project(case.group_id, case.project_id)):
        raise not_found
    return case, scoped_account(work, case.account_id, not_found)


def lock_open_case(work: Work, case: DunningCase, account: FeeAccount) -> FeeAccount:
    """The account locked (steps on one account take turns) and the case re-read: still open."""
    account = journal.lock_account(work.session, account)
    work.session.refresh(case)
    if case.status != "open":
        raise DunningCaseClosed(f"dunning case {case.id} is closed ({case.close_reason})")
    return account


overdue_now = dunning.overdue_now


# -- agreeing -------------------------------------------------------------------------------------

def agree_plan(work: Work, data: dict) -> InstallmentPlan:
    """Agree a plan for the open case ``data["case_id"]``: ``instalments`` [{due_on, amount}], reason."""
    case, account = case_in_scope(work, data["case_id"])
    work.caller.require_role(*AGREE_ROLES)
    lock_open_case(work, case, account)
    today = dunning.site_today(work, work.session.get(Project, case.project_id))
    if work.session.scalar(select(InstallmentPlan.id).where(InstallmentPlan.account_id == case.account_id,
                                                            InstallmentPlan.status == ACTIVE)):
        raise InstallmentPlanExists(f"unit {account.unit_label} already has an active installment plan",
                                    zh=f"{account.unit_label} 已有生效的分期缴费协议")
    schedule = data["instalments"]
    if not 1 <= len(schedule) <= MAX_INSTALMENTS:
        raise InvalidSchedule(f"a plan has 1 to {MAX_INSTALMENTS} instalments", zh=f"分期缴费协议须有 1 至 {MAX_INSTALMENTS} 期")
    months = work.settings.values(case.project_id, on=today)[s.PLAN_LONGEST_MONTHS]
    last_day = s.months_after(today, months)
    late = next(((i, item) for i, item in enumerate(schedule, 1) if item["due_on"] > last_day), None)
    if late is not None:
        raise PlanTooLong(f"instalment {late[0]} is due on {late[1]['due_on']}: a plan ends within {months} "
                          f"months of today, by {last_day} (setting {s.PLAN_LONGEST_MONTHS})",
                          zh=f"第 {late[0]} 期的缴费日期为 {late[1]['due_on']}：分期缴费协议须在 {months} 个月内、"
                             f"{last_day} 前结束（设置 {s.PLAN_LONGEST_MONTHS}）")
    previous = None
    for i, item in enumerate(schedule, 1):
        if item["due_on"] < today:
            raise InvalidSchedule(f"instalment {i} is due on {item['due_on']}, before today ({today})",
                                  zh=f"第 {i} 期的缴费日期 {item['due_on']} 早于今天（{today}）")
        if previous is not None and item["due_on"] <= previous:
            raise InvalidSchedule(f"instalment {i} is due on {item['due_on']}, not after instalment {i - 1} "
                                  f"({previous}): due dates strictly increase",
                                  zh=f"第 {i} 期的缴费日期 {item['due_on']} 不晚于第 {i - 1} 期（{previous}）：各期日期须依次推后")
        if money(item["amount"]) <= ZERO:
            raise InvalidSchedule(f"instalment {i} is not above zero", zh=f"第 {i} 期的金额须大于零")
        previous = item["due_on"]
    total = sum((money(item["amount"]) for item in schedule), ZERO)
    expected = overdue_now(work, case)
    if total != expected:
        raise PlanTotalMismatch(f"the instalments sum to {total}; what the case has overdue now is {expected}",
                                zh=f"各期金额合计 {total}，案件当前的逾期欠费为 {expected}")
    plan = InstallmentPlan(id=str(uuid.uuid4()), group_id=case.group_id, project_id=case.project_id,
                           case_id=case.id, account_id=case.account_id, status=ACTIVE, total=total,
                           reason=data["reason"], agreed_on=today, agreed_at=work.clock.now(),
                           agreed_by=work.caller.user_id)
    work.session.add(plan)
    work.session.flush()
    work.session.add_all([Installment(plan_id=plan.id, seq=i, due_on=item["due_on"], amount=money(item["amount"]))
                          for i, item in enumerate(schedule, 1)])
    work.session.flush()
    dunning.add_log(work, case, "plan_agreed", ref_id=plan.id, on=today,
                    outcome=f"{len(schedule)} instalments, {total}, last due {previous}: {data['reason']}"[:400])
    reconsider(work, case, "")
    return plan


# -- the daily check ------------------------------------------------------------------------------

def instalments_of(session, plan_id: str) -> list[Installment]:
    return list(session.scalars(select(Installment).where(Installment.plan_id == plan_id).order_by(Installment.seq)))


def received_since(session, plan: InstallmentPlan) -> list[tuple[date, Decimal]]:
    """The money received for the account since the plan was agreed, in posting order: each
    ``payment`` entry from ``agreed_at`` on (+) and each reversal of one of them (-), by day."""
    payments = select(LedgerEntry.id).where(LedgerEntry.account_id == plan.account_id, LedgerEntry.kind == "payment",
                                            LedgerEntry.posted_at >= plan.agreed_at)
    rows = session.execute(select(LedgerEntry.occurred_on, LedgerEntry.amount).where(
        LedgerEntry.account_id == plan.account_id,
        or_(LedgerEntry.id.in_(payments),
            (LedgerEntry.kind == "reversal") & LedgerEntry.reverses_id.in_(payments)))
        .order_by(LedgerEntry.posted_at, LedgerEntry.line_no))
    # an entry's amount is its effect on what is owed: a payment's is negative
    return [(on, -money(amount)) for on, amount in rows]


def coverage(instalments: list[Installment], received: list[tuple[date, Decimal]]) -> dict[int, date | None]:
    """``{seq: met_on}``: the day the money received reached the running total up to each
    instalment (the last time it did, if money was taken back meanwhile); None if it is not
    reached now."""
    targets, running = [], ZERO
    for item in instalments:
        running += money(item.amount)
        targets.append((item.seq, running))
    met: dict[int, date | None] = {seq: None for seq, _ in targets}
    paid = ZERO
    for on, amount in received:
        paid += amount
        for seq, target in targets:
            if paid >= target and met[seq] is None:
                met[seq] = on
            elif paid < target:
                met[seq] = None
    return met


def check(work: Work, plan: InstallmentPlan, today: date) -> str:
    """The plan's day: instalments covered get ``met_on``; completed, broken or still active."""
    session = work.session
    case = session.get(DunningCase, plan.case_id)
    instalments = instalments_of(session, plan.id)
    met = coverage(instalments, received_since(session, plan))
    for item in instalments:
        if item.met_on != met[item.seq]:
            if met[item.seq] is not None and item.met_on is None:
                dunning.add_log(work, case, "instalment_met", on=today, ref_id=plan.id,
                                outcome=f"instalment {item.seq}: {item.amount} due {item.due_on}, met "
                                        f"{met[item.seq]}")
            item.met_on = met[item.seq]
    if all(item.met_on is not None for item in instalments):
        finish(work, plan, COMPLETE, "every instalment paid", today)
    else:
        missed = next((i for i in instalments if i.met_on is None and i.due_on < today), None)
        if missed is not None:
            finish(work, plan, BREAK, f"instalment {missed.seq} of {missed.amount} due {missed.due_on} not paid",
                   today)
    return plan.status


def check_plans(work: Work, project: Project, today: date) -> None:
    """``dunning.BEFORE_SWEEP``: every active plan of the project checked (before the ladder moves)."""
    for plan in list(work.session.scalars(select(InstallmentPlan).where(
            InstallmentPlan.project_id == project.id, InstallmentPlan.status == ACTIVE)
            .order_by(InstallmentPlan.agreed_at))):
        check(work, plan, today)


def finish(work: Work, plan: InstallmentPlan, action: str, reason: str, today: date) -> None:
    """End an active plan by :data:`TABLE`; the case resumes unless something else holds it."""
    to = TABLE.get((plan.status, action))
    if to is None:
        raise PlanTransitionNotAllowed(f"a {plan.status} plan does not take the step {action!r}",
                                       zh=f"分期缴费协议当前状态（{plan.status}）下不能办理此操作（{action}）")
    plan.status, plan.ended_on, plan.ended_reason = to, today, reason[:400]
    work.session.flush()
    case = work.session.get(DunningCase, plan.case_id)
    dunning.add_log(work, case, LOG_KINDS[to], outcome=reason[:400], ref_id=plan.id, on=today)
    reconsider(work, case, f"installment plan {to}: {reason}")


def on_close(work: Work, case: DunningCase) -> None:
    """``dunning.ON_CLOSE``: the case's debt is settled, its active plan is completed."""
    plan = work.session.scalar(select(InstallmentPlan).where(InstallmentPlan.case_id == case.id,
                                                             InstallmentPlan.status == ACTIVE))
    if plan is not None:
        for item in instalments_of(work.session, plan.id):
            if item.met_on is None:
                item.met_on = case.closed_on
        finish(work, plan, COMPLETE, f"the case closed ({case.close_reason})", case.closed_on)


dunning.BEFORE_SWEEP.append(check_plans)
dunning.ON_CLOSE.append(on_close)


# -- people's steps and reads ----------------------------------------------------------------------

def _plan(work: Work, plan_id: str) -> tuple[InstallmentPlan, FeeAccount]:
    plan = work.session.get(InstallmentPlan, plan_id)
    not_found = InstallmentPlanNotFound(f"no installment plan {plan_id}")
    if plan is None or (work.caller.is_staff and not work.caller.sees_project(plan.group_id, plan.project_id)):
        raise not_found                    # staff of another project: as for the case itself
    return plan, scoped_account(work, plan.account_id, not_found)


def cancel_plan(work: Work, plan_id: str, reason: str) -> InstallmentPlan:
    plan, account = _plan(work, plan_id)
    if work.caller.is_resident:
        raise InstallmentPlanNotFound(f"no installment plan {plan_id}")
    work.caller.require_role(*CANCEL_ROLES)
    journal.lock_account(work.session, account)
    work.session.refresh(plan)
    finish(work, plan, CANCEL, reason, dunning.site_today(work, work.session.get(Project, plan.project_id)))
    return plan


def get_plan(work: Work, plan_id: str) -> InstallmentPlan:
    """The plan: the unit's residents, staff of the project with :data:`READ_ROLES`."""
    plan, _ = _plan(work, plan_id)
    if not work.caller.is_resident:
        work.caller.require_role(*READ_ROLES)
    return plan


def list_plans(work: Work, query: dict) -> list[InstallmentPlan]:
    project = project_in_scope(work, query["project_id"])
    work.caller.require_role(*READ_ROLES)
    stmt = select(InstallmentPlan).where(InstallmentPlan.project_id == project.id)
    if query.get("status"):
        stmt = stmt.where(InstallmentPlan.status == query["status"])
    return list(work.session.scalars(stmt.order_by(InstallmentPlan.agreed_at.desc(), InstallmentPlan.id)
                                     .limit(query["limit"]).offset(query["offset"])))


def plan_view(work: Work, plan: InstallmentPlan) -> dict:
    """``schemas.InstallmentPlanOut``: the plan, its instalments, what was received since."""
    account = work.session.get(FeeAccount, plan.account_id)
    view = {c: getattr(plan, c) for c in ("id", "project_id", "case_id", "account_id", "status", "total", "reason",
                                          "agreed_on", "agreed_at", "agreed_by", "ended_on", "ended_reason")}
    received = sum((amount for _, amount in received_since(work.session, plan)), ZERO)
    view.update(unit_id=account.unit_id, unit_label=account.unit_label, received=received, instalments=[
        {"seq": i.seq, "due_on": i.due_on, "amount": i.amount, "met_on": i.met_on}
        for i in instalments_of(work.session, plan.id)])
    return view
