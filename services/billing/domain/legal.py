"""Lawyer letters and litigation (律师函, 诉讼; seed 004 §3.5, §4.10-4.11): proposals with two
approvals, never automatic.

A proposal (:class:`LegalProposal`) is **listed by the project** -- a steward, the CS manager or the
centre manager of the project, for an open dunning case, its amount what the case has overdue now,
with a reason --, **reviewed by the CS department** (客服部, role ``cs_manager``) and **approved by
the general manager** (总经理, role ``general_manager``); only then is the lawyer letter **sent**
or the suit **filed**, recorded by staff of the project with the document's reference. Each step
keeps who and when (its columns, and the dunning log: ``legal_proposed``, ``legal_reviewed``,
``legal_approved``, ``legal_rejected``, ``legal_withdrawn``, ``legal_sent``, ``legal_filed``).

**Never automatic.** No job, sweep or event creates or advances a proposal: every step but one is a
person's (staff, never the platform: 403 ``staff_only``). The one exception takes a step back, not
forward: when the case closes (its arrears paid), the proposals not yet sent or filed are withdrawn
(``dunning.ON_CLOSE``), logged.

**Three people.** Who proposed, who reviewed and who approved are three different people (403
``four_eyes_required``): the proposer neither reviews nor approves (nor rejects), the reviewer does
not approve (nor reject at approval).

**Both approvals.** Sending or filing a proposal that lacks the review or the approval is refused
(409 ``approvals_missing``, naming what is missing); a lawyer letter is sent, a suit is filed
(422 ``legal_kind_mismatch`` the other way round). **Litigation** is proposed only for a case whose
lawyer letter was sent (422 ``lawyer_letter_not_sent``). One pending proposal of a kind per case
(409 ``legal_proposal_exists``).

The table :data:`TABLE` (anything else: 409 ``transition_not_allowed``):

=========  ========  =========  =================================================================
from       action    to         who
=========  ========  =========  =================================================================
(new)      propose   proposed   steward, CS manager, centre manager of the project
proposed   review    reviewed   CS manager -- not the proposer
proposed   reject    rejected   CS manager -- not the proposer (a note says why)
reviewed   approve   approved   general manager -- neither the proposer nor the reviewer
reviewed   reject    rejected   general manager -- neither the proposer nor the reviewer (a note)
proposed   withdraw  withdrawn  the proposer
reviewed   withdraw  withdrawn  the proposer
approved   send      sent       steward, CS manager, centre manager (a lawyer letter; document ref)
approved   file      filed      steward, CS manager, centre manager (litigation; document ref)
proposed,  close     withdrawn  the case closing (paid): not a person, the only automatic step
reviewed,
approved
=========  ========  =========  =================================================================
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from kernel.errors import Forbidden, InvalidInput
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import (ApprovalsMissing, CaseUnderDispute, FourEyes, LawyerLetterNotSent, LegalKindMismatch, LegalProposalExists,
                          LegalProposalNotFound, LegalTransitionNotAllowed, ProposerOnly)
from ..models import DunningCase, DunningLogEntry, FeeAccount, LegalProposal
from . import dunning, journal
from .installments import case_in_scope, lock_open_case, overdue_now
from .payments import scoped_account
from .settings import project_in_scope

LAWYER_LETTER, LITIGATION = "lawyer_letter", "litigation"
KINDS = (LAWYER_LETTER, LITIGATION)
PROPOSED, REVIEWED, APPROVED, REJECTED, WITHDRAWN, SENT, FILED = (
    "proposed", "reviewed", "approved", "rejected", "withdrawn", "sent", "filed")
STATES = (PROPOSED, REVIEWED, APPROVED, REJECTED, WITHDRAWN, SENT, FILED)
PENDING = (PROPOSED, REVIEWED, APPROVED)
PROPOSE, REVIEW, APPROVE, REJECT, WITHDRAW, SEND, FILE, CLOSE = (
    "propose", "review", "approve", "reject", "withdraw", "send", "file", "close")

PROPOSE_ROLES = (Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
REVIEW_ROLES = (Role.CS_MANAGER,)
APPROVE_ROLES = (Role.GENERAL_MANAGER,)
DONE_ROLES = PROPOSE_ROLES
READ_ROLES = PROPOSE_ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)


@dataclass(frozen=True)
class Step:
    to: str
    #: who may take it (None: not a person -- the case closing)
    roles: tuple | None
    #: who must not have taken these earlier steps (three people)
    not_by: tuple = ()
    proposer_only: bool = False
    #: the proposal kind the step is for (send: a lawyer letter, file: litigation)
    kind: str | None = None
    note_required: bool = False


TABLE: dict[tuple[str, str], Step] = {
    (PROPOSED, REVIEW): Step(REVIEWED, REVIEW_ROLES, not_by=("proposed_by",)),
    (PROPOSED, REJECT): Step(REJECTED, REVIEW_ROLES, not_by=("proposed_by",), note_required=True),
    (REVIEWED, APPROVE): Step(APPROVED, APPROVE_ROLES, not_by=("proposed_by", "reviewed_by")),
    (REVIEWED, REJECT): Step(REJECTED, APPROVE_ROLES, not_by=("proposed_by", "reviewed_by"), note_required=True),
    (PROPOSED, WITHDRAW): Step(WITHDRAWN, PROPOSE_ROLES, proposer_only=True),
    (REVIEWED, WITHDRAW): Step(WITHDRAWN, PROPOSE_ROLES, proposer_only=True),
    (APPROVED, SEND): Step(SENT, DONE_ROLES, kind=LAWYER_LETTER),
    (APPROVED, FILE): Step(FILED, DONE_ROLES, kind=LITIGATION),
    (PROPOSED, CLOSE): Step(WITHDRAWN, None),
    (REVIEWED, CLOSE): Step(WITHDRAWN, None),
    (APPROVED, CLOSE): Step(WITHDRAWN, None),
}
LOG_KINDS = {PROPOSE: "legal_proposed", REVIEW: "legal_reviewed", APPROVE: "legal_approved",
             REJECT: "legal_rejected", WITHDRAW: "legal_withdrawn", CLOSE: "legal_withdrawn", SEND: "legal_sent",
             FILE: "legal_filed"}
NAMES = {LAWYER_LETTER: "律师函", LITIGATION: "诉讼"}


def _people_only(work: Work) -> None:
    if not work.caller.is_staff:
        raise Forbidden("a person of the project takes this step; nothing takes it automatically",
                        code="staff_only", zh="此步骤须由本项目人员办理，系统不会自动办理")


def lawyer_letter_sent(session, case_id: str) -> bool:
    return session.scalar(select(LegalProposal.id).where(LegalProposal.case_id == case_id,
                                                         LegalProposal.kind == LAWYER_LETTER,
                                                         LegalProposal.status == SENT).limit(1)) is not None


def propose(work: Work, data: dict) -> LegalProposal:
    """List a proposal (``kind``, ``reason``) for the open case ``data["case_id"]``."""
    case, account = case_in_scope(work, data["case_id"])
    _people_only(work)
    work.caller.require_role(*PROPOSE_ROLES)
    lock_open_case(work, case, account)
    if case.paused == "dispute":
        raise CaseUnderDispute(f"the case is held by a dispute ({case.pause_reason}); a legal step waits until "
                               "it is resolved")
    kind = data["kind"]
    if kind == LITIGATION and not lawyer_letter_sent(work.session, case.id):
        raise LawyerLetterNotSent("litigation is proposed after a lawyer letter was sent for the case")
    if work.session.scalar(select(LegalProposal.id).where(LegalProposal.case_id == case.id, LegalProposal.kind == kind,
                                                          LegalProposal.status.in_(PENDING)).limit(1)):
        raise LegalProposalExists(f"the case already has a pending {kind} proposal",
                                  zh=f"该案件已有未办结的{NAMES.get(kind, kind)}申请")
    proposal = LegalProposal(id=str(uuid.uuid4()), group_id=case.group_id, project_id=case.project_id,
                             case_id=case.id, account_id=case.account_id, kind=kind, status=PROPOSED,
                             amount=overdue_now(work, case), reason=data["reason"], proposed_at=work.clock.now(),
                             proposed_by=work.caller.user_id)
    work.session.add(proposal)
    work.session.flush()
    dunning.add_log(work, case, LOG_KINDS[PROPOSE], ref_id=proposal.id,
                    outcome=f"{NAMES[kind]} {proposal.amount}: {data['reason']}"[:400])
    return proposal


def _proposal(work: Work, proposal_id: str) -> tuple[LegalProposal, FeeAccount]:
    proposal = work.session.get(LegalProposal, proposal_id)
    not_found = LegalProposalNotFound(f"no legal proposal {proposal_id}")
    if proposal is None or (work.caller.is_staff
                            and not work.caller.sees_project(proposal.group_id, proposal.project_id)):
        raise not_found                    # staff of another project: as for the case itself
    account = scoped_account(work, proposal.account_id, not_found)
    if work.caller.is_resident:
        raise not_found
    return proposal, account


def step(work: Work, proposal_id: str, action: str, note: str = "", document_ref: str | None = None) -> LegalProposal:
    """Take ``action`` (review, approve, reject, withdraw, send, file) on the proposal, by :data:`TABLE`."""
    proposal, account = _proposal(work, proposal_id)
    _people_only(work)
    journal.lock_account(work.session, account)
    work.session.refresh(proposal)
    rule = TABLE.get((proposal.status, action))
    if rule is None or rule.roles is None:
        if action in (SEND, FILE) and proposal.status in (PROPOSED, REVIEWED):
            missing = ["the CS department's review"] if proposal.status == PROPOSED else []
            missing.append("the general manager's approval")
            raise ApprovalsMissing(f"a {NAMES[proposal.kind]} ({proposal.kind}) is not "
                                   f"{'sent' if action == SEND else 'filed'} without {' and '.join(missing)}",
                                   zh=f"{NAMES[proposal.kind]}须经{'客服部审核、' if proposal.status == PROPOSED else ''}"
                                      f"总经理审批后方可{'发送' if action == SEND else '提起'}")
        raise LegalTransitionNotAllowed(f"a {proposal.status} proposal does not take the step {action!r}",
                                        zh=f"该申请当前状态（{proposal.status}）下不能办理此操作（{action}）")
    if rule.kind is not None and rule.kind != proposal.kind:
        raise LegalKindMismatch(f"a {proposal.kind} proposal is {'sent' if proposal.kind == LAWYER_LETTER else 'filed'}, "
                                f"not {action!r}-ed")
    work.caller.require_role(*rule.roles)
    me = work.caller.user_id
    if rule.proposer_only and me != proposal.proposed_by:
        raise ProposerOnly("only who proposed it withdraws a proposal")
    if any(getattr(proposal, column) == me for column in rule.not_by):
        raise FourEyes("who proposed, who reviewed and who approves a legal step are three different people",
                       zh="申请人、审核人和审批人须为三个不同的人")
    if rule.note_required and not note.strip():
        raise InvalidInput("a rejection says why (note)", code="note_required", zh="驳回须写明理由（note）")
    if action in (SEND, FILE):
        case = work.session.get(DunningCase, proposal.case_id)
        if case is not None and case.paused == "dispute":
            raise CaseUnderDispute(f"the case is held by a dispute ({case.pause_reason}); the {NAMES[proposal.kind]} "
                                   "waits until the dispute is resolved",
                                   zh=f"该案件的账单异议正在处理，异议解决前不能办理{NAMES[proposal.kind]}")
        if not (document_ref or "").strip():
            raise InvalidInput("the document's reference is recorded (document_ref)", code="document_ref_required",
                               zh="须登记文书编号（document_ref）")
        if action == FILE and not lawyer_letter_sent(work.session, proposal.case_id):
            raise LawyerLetterNotSent("a suit is filed after a lawyer letter was sent for the case")
    now = work.clock.now()
    if action == REVIEW:
        proposal.reviewed_at, proposal.reviewed_by = now, me
    elif action == APPROVE:
        proposal.approved_at, proposal.approved_by = now, me
    elif action == REJECT:
        proposal.rejected_at, proposal.rejected_by = now, me
    elif action in (SEND, FILE):
        proposal.done_at, proposal.done_by, proposal.document_ref = now, me, document_ref.strip()
    if note:
        proposal.decided_note = note
    proposal.status = rule.to
    work.session.flush()
    case = work.session.get(DunningCase, proposal.case_id)
    detail = {SEND: document_ref, FILE: document_ref}.get(action) or note
    dunning.add_log(work, case, LOG_KINDS[action], ref_id=proposal.id,
                    outcome=f"{NAMES[proposal.kind]}{': ' + detail if detail else ''}"[:400])
    return proposal


def on_close(work: Work, case: DunningCase) -> None:
    """``dunning.ON_CLOSE``: the case's proposals not yet sent or filed are withdrawn, logged."""
    for proposal in work.session.scalars(select(LegalProposal).where(LegalProposal.case_id == case.id,
                                                                     LegalProposal.status.in_(PENDING))).all():
        proposal.status = TABLE[(proposal.status, CLOSE)].to
        proposal.decided_note = f"the case closed ({case.close_reason})"
        dunning.add_log(work, case, LOG_KINDS[CLOSE], ref_id=proposal.id, on=case.closed_on,
                        outcome=f"{NAMES[proposal.kind]}: {proposal.decided_note}")
    work.session.flush()


dunning.ON_CLOSE.append(on_close)


def get_proposal(work: Work, proposal_id: str) -> LegalProposal:
    proposal, _ = _proposal(work, proposal_id)
    work.caller.require_role(*READ_ROLES)
    return proposal


def list_proposals(work: Work, query: dict) -> list[LegalProposal]:
    """The project's proposals, newest first (``status``, ``kind`` narrow them)."""
    project = project_in_scope(work, query["project_id"])
    work.caller.require_role(*READ_ROLES)
    stmt = select(LegalProposal).where(LegalProposal.project_id == project.id)
    for column in ("status", "kind"):
        if query.get(column):
            stmt = stmt.where(getattr(LegalProposal, column) == query[column])
    return list(work.session.scalars(stmt.order_by(LegalProposal.proposed_at.desc(), LegalProposal.id)
                                     .limit(query["limit"]).offset(query["offset"])))


def proposal_view(work: Work, proposal: LegalProposal) -> dict:
    """``schemas.LegalProposalOut``: the proposal and its steps from the dunning log (who, with the
    name they had, and when)."""
    account = work.session.get(FeeAccount, proposal.account_id)
    view = {c: getattr(proposal, c) for c in (
        "id", "project_id", "case_id", "account_id", "kind", "status", "amount", "reason", "proposed_at",
        "proposed_by", "reviewed_at", "reviewed_by", "approved_at", "approved_by", "rejected_at", "rejected_by",
        "decided_note", "done_at", "done_by", "document_ref")}
    order = list(LOG_KINDS.values())
    steps = sorted(work.session.scalars(select(DunningLogEntry).where(DunningLogEntry.case_id == proposal.case_id,
                                                                      DunningLogEntry.ref_id == proposal.id)),
                   key=lambda e: (e.recorded_at, order.index(e.kind) if e.kind in order else len(order)))
    view.update(unit_id=account.unit_id, unit_label=account.unit_label, steps=[
        {"kind": e.kind, "at": e.recorded_at, "by": e.recorded_by, "by_name": e.recorded_by_name,
         "outcome": e.outcome} for e in steps])
    return view
