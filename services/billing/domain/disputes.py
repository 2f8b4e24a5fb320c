"""Disputed bills (账单异议): a household disputes a bill, and the account's dunning waits.

Staff of the project at the customer-service desk (front desk, steward, CS manager, centre manager)
record that the household disputes a bill, with the reason; a resident may dispute a bill of their
own unit. One open dispute per bill (409 ``dispute_exists``); a settled bill is not disputed here
(409 ``bill_settled``: a correction or refund is its path).

**The ladder waits.** While any dispute of an account is open, its open dunning case is paused
(``dunning.pause(work, case, "dispute", reason)``: no stage, notice, task or late fee); a case the
daily sweep opens later for that account opens paused (:func:`on_open`, registered on
``dunning.ON_OPEN``). Why a case waits is one rule, :func:`reconsider`: an open dispute first, then
an active installment plan (``domain/installments.py``), else the ladder resumes where it was
(``dunning.resume``).

The workflow is the table :data:`TABLE` -- anything not in it is refused (409
``transition_not_allowed``):

=======  =======  ========  ================================================================
from     action   to        who
=======  =======  ========  ================================================================
(new)    open     open      front desk, steward, CS manager, centre manager; the unit's residents
open     uphold   upheld    centre manager, CS manager, finance -- after the bill is corrected
open     reject   rejected  centre manager, CS manager, finance
=======  =======  ========  ================================================================

**Upheld** means the bill is wrong: staff correct it first with the corrections routes (减免
discount, 核销 write-off, 冲正 reversal -- not re-implemented here), then uphold the dispute with a
resolution that says so; upholding a bill nothing has corrected since the dispute was opened is
refused (409 ``bill_not_corrected``), so the ladder never resumes on the wrong figure. **Rejected**:
the bill stands and the ladder resumes (if nothing else holds it). Every step is in the dunning log
(``dispute_opened``, ``dispute_upheld``, ``dispute_rejected``) when the account has an open case.
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import exists, select

from kernel.errors import InvalidInput
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (BillNotCorrected, BillNotFound, BillSettled, DisputeExists, DisputeNotFound,
                          DisputeTransitionNotAllowed)
from ..models import Allocation, Bill, BillDispute, DunningCase, FeeAccount, InstallmentPlan, LedgerEntry, Project
from . import dunning, journal
from .payments import scoped_account
from .settings import project_in_scope

OPEN, UPHELD, REJECTED = "open", "upheld", "rejected"
STATES = (OPEN, UPHELD, REJECTED)
UPHOLD, REJECT = "uphold", "reject"

RAISE_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
RESOLVE_ROLES = (Role.CENTRE_MANAGER, Role.CS_MANAGER, Role.FINANCE)
READ_ROLES = RAISE_ROLES + (Role.FINANCE, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
#: the entries that correct a bill (the corrections routes)
CORRECTIONS = ("discount", "write_off", "reversal")

#: (state, action) -> next state (who: ``RESOLVE_ROLES``)
TABLE: dict[tuple[str, str], str] = {(OPEN, UPHOLD): UPHELD, (OPEN, REJECT): REJECTED}
LOG_KINDS = {UPHELD: "dispute_upheld", REJECTED: "dispute_rejected"}


# -- why a case waits (the one rule, for disputes and plans alike) --------------------------------

def hold_of(session, account_id: str, today) -> tuple[str, str] | None:
    """Why the account's ladder waits now: ``("dispute", reason)`` while a dispute of one of its
    **overdue** bills is open (a dispute of a bill not yet due holds nothing until the bill is
    overdue: the ladder is about the overdue ones), else ``("plan", reason)`` while an installment
    plan is active, else None."""
    dispute = session.scalar(select(BillDispute).join(Bill, Bill.id == BillDispute.bill_id)
                             .where(BillDispute.account_id == account_id, BillDispute.status == OPEN,
                                    Bill.due_on < today)
                             .order_by(BillDispute.opened_at, BillDispute.id).limit(1))
    if dispute is not None:
        number = session.scalar(select(Bill.number).where(Bill.id == dispute.bill_id))
        return "dispute", f"账单异议 {number}: {dispute.reason}"[:380]
    plan = session.scalar(select(InstallmentPlan).where(InstallmentPlan.account_id == account_id,
                                                        InstallmentPlan.status == "active"))
    if plan is not None:
        return "plan", f"分期缴费协议 {plan.total} (agreed {plan.agreed_on.isoformat()})"
    return None


def reconsider(work: Work, case: DunningCase, why: str) -> None:
    """Pause or resume ``case`` by :func:`hold_of` (``why``: the resume's reason in the log)."""
    if case.status != "open":
        return
    hold = hold_of(work.session, case.account_id, dunning.site_today(work, work.session.get(Project, case.project_id)))
    if hold is None:
        if case.paused:
            dunning.resume(work, case, why[:400])
    elif case.paused != hold[0]:
        dunning.pause(work, case, hold[0], hold[1])


def on_day(work: Work, project, today) -> None:
    """``dunning.BEFORE_SWEEP``: a disputed bill that fell due yesterday now holds its account's open
    case (one query)."""
    cases = list(work.session.scalars(
        select(DunningCase).join(BillDispute, BillDispute.account_id == DunningCase.account_id)
        .join(Bill, Bill.id == BillDispute.bill_id)
        .where(DunningCase.project_id == project.id, DunningCase.status == "open", DunningCase.paused.is_(None),
               BillDispute.status == OPEN, Bill.due_on == today - timedelta(days=1))))
    for case in cases:
        reconsider(work, case, "")


def on_open(work: Work, project, today, cases: list[DunningCase]) -> None:
    """``dunning.ON_OPEN``: the cases the sweep just opened for accounts with an open dispute open
    paused (one query for all of them)."""
    if not cases:
        return
    ids, disputed = [c.account_id for c in cases], set()
    for i in range(0, len(ids), 1000):
        disputed.update(work.session.scalars(select(BillDispute.account_id).where(
            BillDispute.account_id.in_(ids[i:i + 1000]), BillDispute.status == OPEN)))
    for case in cases:
        if case.account_id in disputed:
            reconsider(work, case, "")


dunning.ON_OPEN.append(on_open)
dunning.BEFORE_SWEEP.append(on_day)


# -- the workflow ---------------------------------------------------------------------------------

def _bill(work: Work, bill_id: str) -> tuple[Bill, FeeAccount]:
    bill = work.session.get(Bill, bill_id)
    not_found = BillNotFound(f"no bill {bill_id}")
    if bill is None:
        raise not_found
    return bill, scoped_account(work, bill.account_id, not_found)


def open_dispute(work: Work, data: dict) -> BillDispute:
    """Record that the household disputes the bill ``data["bill_id"]`` (``data["reason"]``)."""
    bill, account = _bill(work, data["bill_id"])
    if not work.caller.is_resident:          # a resident may dispute their own unit's bill
        work.caller.require_role(*RAISE_ROLES)
    account = journal.lock_account(work.session, account)     # two disputes at once take turns
    work.session.refresh(bill)
    if bill.settled_at is not None:
        raise BillSettled(f"bill {bill.number} is settled; nothing is open on it to dispute",
                          zh=f"账单 {bill.number} 已结清，没有可提出异议的未缴金额")
    if work.session.scalar(select(BillDispute.id).where(BillDispute.bill_id == bill.id,
                                                        BillDispute.status == OPEN)):
        raise DisputeExists(f"bill {bill.number} is already disputed", zh=f"账单 {bill.number} 已有异议")
    if work.caller.is_resident and work.session.scalar(select(BillDispute.id).where(
            BillDispute.bill_id == bill.id, BillDispute.status == REJECTED)):
        # a rejected dispute is not raised again by the household to hold the ladder; the service
        # centre records a new one if there is something new
        raise DisputeExists(f"the dispute of bill {bill.number} was already examined and rejected; "
                            "please contact the service centre", zh=f"账单 {bill.number} 的异议已审核并驳回，如有疑问请联系服务中心")
    dispute = BillDispute(id=str(uuid.uuid4()), group_id=account.group_id, project_id=account.project_id,
                          bill_id=bill.id, account_id=account.id, reason=data["reason"], status=OPEN,
                          opened_at=work.clock.now(), opened_by=work.caller.user_id)
    work.session.add(dispute)
    work.session.flush()
    case = dunning.open_case_of(work.session, account.id)
    if case is not None:
        dunning.add_log(work, case, "dispute_opened", outcome=f"{bill.number}: {data['reason']}"[:400],
                        ref_id=dispute.id)
        reconsider(work, case, "")
    return dispute


def resolve_dispute(work: Work, dispute_id: str, action: str, resolution: str) -> BillDispute:
    """Uphold or reject an open dispute (by :data:`TABLE`); the ladder resumes if nothing else
    holds it."""
    dispute = work.session.get(BillDispute, dispute_id)
    not_found = DisputeNotFound(f"no dispute {dispute_id}")
    if dispute is None:
        raise not_found
    account = scoped_account(work, dispute.account_id, not_found)
    if work.caller.is_resident:
        raise not_found
    work.caller.require_role(*RESOLVE_ROLES)
    if not resolution.strip():
        raise InvalidInput("a resolution says what was found", code="resolution_required", zh="处理结果须写明核查情况")
    journal.lock_account(work.session, account)
    work.session.refresh(dispute)
    to = TABLE.get((dispute.status, action))
    if to is None:
        raise DisputeTransitionNotAllowed(f"a dispute that is {dispute.status} does not take the step {action!r}",
                                          zh=f"账单异议当前状态（{dispute.status}）下不能办理此操作（{action}）")
    bill = work.session.get(Bill, dispute.bill_id)
    if to == UPHELD and not corrected(work, dispute, bill):
        raise BillNotCorrected(f"correct bill {bill.number} first (discount, write-off or reversal), then "
                               "uphold the dispute", zh=f"请先更正账单 {bill.number}（减免、核销或冲回），再认定异议成立")
    dispute.status, dispute.resolution = to, resolution
    dispute.resolved_at, dispute.resolved_by = work.clock.now(), work.caller.user_id
    work.session.flush()
    case = dunning.open_case_of(work.session, account.id)
    if case is not None:
        dunning.add_log(work, case, LOG_KINDS[to], outcome=f"{bill.number}: {resolution}"[:400], ref_id=dispute.id)
        reconsider(work, case, f"dispute of bill {bill.number} {to}")
    return dispute


def corrected(work: Work, dispute: BillDispute, bill: Bill) -> bool:
    """Whether the bill was corrected since the dispute was opened (or is settled)."""
    if bill.settled_at is not None:
        return True
    return bool(work.session.scalar(select(exists().where(
        Allocation.bill_id == bill.id, Allocation.entry_id == LedgerEntry.id,
        LedgerEntry.kind.in_(CORRECTIONS), LedgerEntry.posted_at >= dispute.opened_at))))


def list_disputes(work: Work, query: dict) -> list[BillDispute]:
    """A project's disputes, newest first (``status`` narrows them)."""
    project = project_in_scope(work, query["project_id"])
    work.caller.require_role(*READ_ROLES)
    stmt = select(BillDispute).where(BillDispute.project_id == project.id)
    if query.get("status"):
        stmt = stmt.where(BillDispute.status == query["status"])
    return list(work.session.scalars(stmt.order_by(BillDispute.opened_at.desc(), BillDispute.id)
                                     .limit(query["limit"]).offset(query["offset"])))


def dispute_view(work: Work, dispute: BillDispute) -> dict:
    """``schemas.BillDisputeOut``."""
    bill = work.session.get(Bill, dispute.bill_id)
    account = work.session.get(FeeAccount, dispute.account_id)
    view = {c: getattr(dispute, c) for c in ("id", "project_id", "bill_id", "account_id", "reason", "status",
                                             "opened_at", "opened_by", "resolved_at", "resolved_by", "resolution")}
    case = dunning.open_case_of(work.session, dispute.account_id)
    view.update(unit_id=account.unit_id, unit_label=account.unit_label, bill_number=bill.number,
                bill_due_on=bill.due_on, bill_open=journal.outstanding(bill),
                case_id=case.id if case is not None else None,
                case_paused=case.paused if case is not None else None)
    return view
