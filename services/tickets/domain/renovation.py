"""Renovation (装修, seed 000 §二, 001): from the application to the deposit's refund.

A renovation is a ``Ticket`` of kind ``renovation`` (numbered ``ZX-YYYYMMDD-NNNN``) with a
``Renovation`` row, its numbered passes (``RenovationPass``) and its patrol records
(``RenovationPatrol``), and its own transition table (:data:`TABLE`, in ``workflow.TABLES``)::

    applied --submit (documents complete)--> under_review --approve--> approved
        under_review --reject--> rework --submit--> under_review     (rework, re-review)
    approved --sign_agreement--> fees_requested      (renovation.fees_requested -> billing)
    fees_requested --fees_paid (billing's renovation.fees_paid)--> fees_paid
    fees_paid --issue_permit--> in_progress           (the permit's number: work may start)
    in_progress --request_acceptance (>= 1 working day ahead)--> acceptance_requested
    acceptance_requested --accept--> accepted   | --fail_acceptance--> in_progress
    accepted --occupy--> occupied                     (the re-inspection job: 3 months on)
    occupied --reinspect--> refund_requested          (renovation.refund_requested -> billing)
    refund_requested --refund_paid (billing's renovation.deposit_refunded)--> closed
        (the whole deposit withheld: the platform takes refund_paid at once, nothing to pay)
    cancel (with a reason) up to the agreement.

The household moves out (过户 / 迁出: archive's ``household.changed``, :func:`on_household_moved_out`),
the platform's steps (``system``), each a row of the table (no bypass):

    applied, under_review, rework, approved, fees_requested --cancel_moved_out--> cancelled
        (from fees_requested: ``renovation.cancelled`` -> billing voids the unpaid garbage fee and
        asks the deposit's refund)
    fees_paid .. refund_requested --hand_over--> (same state)  the unit's next household takes it
    fees_paid .. refund_requested --household_left--> (same state)  no next household known yet:
        it waits (``left_by_household_id``) and the next move-in hands it over

Steps that keep the state: ``attach_document`` (applied, rework), ``issue_pass`` /
``void_pass`` (worker and material passes, numbered), ``record_patrol`` (violations, waste
seen), ``clear_waste``, and the platform's ``reinspection_due``.

**Documents** (申请表, 图纸, 施工单位资质, 施工人员身份证) live in archive's document store, once:
they are uploaded through archive's document routes for the household, and the renovation
records their references (:data:`REQUIRED_DOCUMENTS` is its checklist, present / missing).
``renovation.closed`` names them, for the household file's renovation section.

**Clocks** (the SLA engine, ``clocks``; figures in ``renovation_sla``): ``renovation_review``
(N days from complete documents; met by approve or reject, restarted by a re-submission),
``renovation_waste`` (waste seen by a patrol stands N days at most; met by ``clear_waste``),
``renovation_refund`` (N days from the re-inspection to billing's refund).

**Fees** are billing's: tickets asks by event (``renovation.fees_requested``: the deposit
agreed, billing charges the garbage-removal fee from its schedule by the unit's building area and
says the amount at once -- ``renovation.fees_charged``, :func:`on_fees_charged`: the renovation shows
it, ``garbage_fee_status`` charged), and nothing starts -- no permit -- until billing says both are
paid (``renovation.fees_paid``).

Parties (:data:`TABLE`):

- ``resident``: the unit's household (apply, attach, submit, request the acceptance, cancel
  before the review);
- ``desk``: front desk, steward, CS manager, service-centre manager (every step of the
  service centre);
- ``reviewer``: CS manager, service-centre manager (approve, reject, re-inspect);
- ``patrol``: security (护卫部) and the desk's roles (patrols, pass checks, waste);
- ``system``: the platform (billing's reports, the re-inspection job).
"""
from __future__ import annotations

import calendar as _calendar
from collections.abc import Callable
import uuid
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from kernel import privacy
from kernel.errors import InvalidInput
from kernel.money import ZERO, money
from kernel.privacy import mask_free_text, mask_name
from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import (AcceptanceTooSoon, ArchiveUnavailable, DocumentAttachedAlready, DocumentsMissing,
                          DocumentTypeMismatch, FeesUnpaid, NotYourStep, PassNotFound, ReinspectionNotDue,
                          RenovationDateOutOfRange, RenovationOpen, TicketNotFound, TransitionNotAllowed, WithheldOverDeposit)
from ..models import Renovation, RenovationPass, RenovationPatrol, Ticket, UnitCopy
from . import clocks, complaints, renovation_sla as rsla, repairs, workflow

KIND = "renovation"
(APPLIED, UNDER_REVIEW, REWORK, APPROVED, FEES_REQUESTED, FEES_PAID, IN_PROGRESS, ACCEPTANCE_REQUESTED,
 ACCEPTED, OCCUPIED, REFUND_REQUESTED, CLOSED, CANCELLED) = (
    "applied", "under_review", "rework", "approved", "fees_requested", "fees_paid", "in_progress",
    "acceptance_requested", "accepted", "occupied", "refund_requested", "closed", "cancelled")
STATES = (APPLIED, UNDER_REVIEW, REWORK, APPROVED, FEES_REQUESTED, FEES_PAID, IN_PROGRESS,
          ACCEPTANCE_REQUESTED, ACCEPTED, OCCUPIED, REFUND_REQUESTED, CLOSED, CANCELLED)
OPEN_STATES = STATES[:-2]

(ATTACH_DOCUMENT, SUBMIT, APPROVE, REJECT, SIGN_AGREEMENT, FEES_PAID_STEP, ISSUE_PERMIT, ISSUE_PASS, VOID_PASS,
 RECORD_PATROL, CLEAR_WASTE, REQUEST_ACCEPTANCE, ACCEPT, FAIL_ACCEPTANCE, OCCUPY, REINSPECTION_DUE, REINSPECT,
 REFUND_PAID, CANCEL, CANCEL_MOVED_OUT, HOUSEHOLD_LEFT, HAND_OVER) = (
    "attach_document", "submit", "approve", "reject", "sign_agreement", "fees_paid", "issue_permit",
    "issue_pass", "void_pass", "record_patrol", "clear_waste", "request_acceptance", "accept",
    "fail_acceptance", "occupy", "reinspection_due", "reinspect", "refund_paid", "cancel",
    "cancel_moved_out", "household_left", "hand_over")
#: the platform's steps (billing's reports, the job, the household's moving out); a caller asks for
#: the others
SYSTEM_ACTIONS = (FEES_PAID_STEP, REINSPECTION_DUE, REFUND_PAID, CANCEL_MOVED_OUT, HOUSEHOLD_LEFT, HAND_OVER)
ACTIONS = (ATTACH_DOCUMENT, SUBMIT, APPROVE, REJECT, SIGN_AGREEMENT, ISSUE_PERMIT, ISSUE_PASS, VOID_PASS,
           RECORD_PATROL, CLEAR_WASTE, REQUEST_ACCEPTANCE, ACCEPT, FAIL_ACCEPTANCE, OCCUPY, REINSPECT, CANCEL)

RESIDENT, SYSTEM = workflow.RESIDENT, workflow.SYSTEM
DESK, REVIEWER, PATROL = "desk", "reviewer", "patrol"
DESK_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
REVIEWER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
PATROL_ROLES = (Role.SECURITY,) + DESK_ROLES
ROLES = {DESK: DESK_ROLES, REVIEWER: REVIEWER_ROLES, PATROL: PATROL_ROLES}

#: the documents a complete application has (archive's catalogue types, section ``renovation``)
REQUIRED_DOCUMENTS = ("renovation_application", "renovation_drawings", "contractor_licence", "worker_id_copies")
#: the documents a renovation may reference (archive's renovation section)
DOCUMENT_TYPES = REQUIRED_DOCUMENTS + ("renovation_agreement", "renovation_permit", "completion_acceptance")
#: the purpose tickets states when it asks archive about a document (the file's access log)
ARCHIVE_PURPOSE = "装修资料核对 renovation documents check"
#: archive's answer for ``(unit_id, document_id)``: the document's record (``doc_type``...) if it is
#: in the file of the unit's current household; raises ``DocumentNotFound`` if not, and
#: ``ArchiveUnavailable`` when archive cannot answer (fail closed)
AskDocument = Callable[[str, str], dict]
PASS_KINDS = {"worker": "ZXRY", "material": "ZXCL"}
PERMIT_PREFIX = "ZXXK"

_step = workflow._step
_WORKS = (IN_PROGRESS, ACCEPTANCE_REQUESTED)
#: before the works (撤销 when the household moves out): up to the fees asked, not yet paid
BEFORE_WORKS = (APPLIED, UNDER_REVIEW, REWORK, APPROVED, FEES_REQUESTED)
#: the unit's works (fees paid on): a household moving out hands them over to the next one
UNIT_WORKS = (FEES_PAID, IN_PROGRESS, ACCEPTANCE_REQUESTED, ACCEPTED, OCCUPIED, REFUND_REQUESTED)
#: after the acceptance and the occupancy: the deposit's refund is what is left, the payer's
REFUND_STAGE = (OCCUPIED, REFUND_REQUESTED)
#: the reason of the platform's cancellation and the log of the hand-over
MOVED_OUT_REASON = "过户/迁出：住户已迁出 the household moved out"
HANDED_OVER_NOTE = "过户：转交新住户 handed over to the new household"
LEFT_NOTE = "住户已迁出，待新住户 the household moved out; the works go on for the unit's next household"
TABLE: dict[tuple[str, str], workflow.Step] = {
    (APPLIED, ATTACH_DOCUMENT): _step(APPLIED, RESIDENT, DESK),
    (REWORK, ATTACH_DOCUMENT): _step(REWORK, RESIDENT, DESK),
    (APPLIED, SUBMIT): _step(UNDER_REVIEW, RESIDENT, DESK),
    (REWORK, SUBMIT): _step(UNDER_REVIEW, RESIDENT, DESK),
    (UNDER_REVIEW, APPROVE): _step(APPROVED, REVIEWER),
    (UNDER_REVIEW, REJECT): _step(REWORK, REVIEWER),
    (APPROVED, SIGN_AGREEMENT): _step(FEES_REQUESTED, DESK),
    (FEES_REQUESTED, FEES_PAID_STEP): _step(FEES_PAID, SYSTEM),
    (FEES_PAID, ISSUE_PERMIT): _step(IN_PROGRESS, DESK),
    **{(s, ISSUE_PASS): _step(s, DESK) for s in _WORKS},
    **{(s, VOID_PASS): _step(s, DESK, PATROL) for s in _WORKS + (ACCEPTED,)},
    **{(s, RECORD_PATROL): _step(s, PATROL) for s in _WORKS + (ACCEPTED, OCCUPIED)},
    **{(s, CLEAR_WASTE): _step(s, PATROL) for s in _WORKS + (ACCEPTED,)},
    (IN_PROGRESS, REQUEST_ACCEPTANCE): _step(ACCEPTANCE_REQUESTED, RESIDENT, DESK),
    (ACCEPTANCE_REQUESTED, ACCEPT): _step(ACCEPTED, DESK),
    (ACCEPTANCE_REQUESTED, FAIL_ACCEPTANCE): _step(IN_PROGRESS, DESK),
    (ACCEPTED, OCCUPY): _step(OCCUPIED, DESK),
    (OCCUPIED, REINSPECTION_DUE): _step(OCCUPIED, SYSTEM),
    (OCCUPIED, REINSPECT): _step(REFUND_REQUESTED, REVIEWER),
    (REFUND_REQUESTED, REFUND_PAID): _step(CLOSED, SYSTEM),
    (APPLIED, CANCEL): _step(CANCELLED, RESIDENT, DESK),
    (REWORK, CANCEL): _step(CANCELLED, RESIDENT, DESK),
    (UNDER_REVIEW, CANCEL): _step(CANCELLED, DESK),
    (APPROVED, CANCEL): _step(CANCELLED, DESK),
    # the agreement signed, the fees not paid: the desk may still cancel (billing reverses the fee)
    (FEES_REQUESTED, CANCEL): _step(CANCELLED, DESK),
    # the household moved out (过户 / 迁出): the platform's steps
    **{(s, CANCEL_MOVED_OUT): _step(CANCELLED, SYSTEM) for s in BEFORE_WORKS},
    **{(s, HOUSEHOLD_LEFT): _step(s, SYSTEM) for s in UNIT_WORKS},
    **{(s, HAND_OVER): _step(s, SYSTEM) for s in UNIT_WORKS},
}
#: steps not in the table refused with a more telling code than ``transition_not_allowed``
REFUSALS = {(FEES_REQUESTED, ISSUE_PERMIT): FeesUnpaid, (FEES_REQUESTED, ISSUE_PASS): FeesUnpaid,
            (APPROVED, ISSUE_PERMIT): FeesUnpaid}
workflow.register(KIND, TABLE, OPEN_STATES)
repairs.NUMBER_PREFIX.update({KIND: "ZX", "renovation_permit": PERMIT_PREFIX,
                              **{f"renovation_{k}_pass": p for k, p in PASS_KINDS.items()}})

REINSPECTION_JOB = "renovation-reinspection"
#: the household told N days before the re-inspection (``renovation.reinspection_upcoming``)
REINSPECTION_NOTICE_JOB = "renovation-reinspection-notice"


# -- the application ---------------------------------------------------------------------------

def apply(work: Work, data: dict, ask_document: AskDocument | None = None) -> Ticket:
    """Apply for a renovation of ``unit_id`` (装修申请): the unit's resident (their own unit, from
    the portal) or the desk. ``data``: ``unit_id``, ``content`` (what is renovated), ``contractor``,
    ``planned_start``, ``planned_end``, ``documents`` (optional: ``[{doc_type, document_id}]``
    already uploaded to archive), ``reporter_name``. The deposit agreed is the project's
    ``renovation.deposit`` at the time of application."""
    caller, now = work.caller, work.clock.now()
    unit = work.session.get(UnitCopy, data["unit_id"])
    if unit is None:
        raise repairs._no_unit(data["unit_id"])
    repairs.in_unit(work, unit.group_id, unit.project_id, unit.id, not_found=repairs._no_unit(data["unit_id"]))
    if not caller.is_resident:
        caller.require_role(*DESK_ROLES)
    project = repairs._project(work, unit.project_id)
    _check_period(work, project, data.get("planned_start"), data.get("planned_end"), now)
    open_one = work.session.scalars(select(Ticket).where(
        Ticket.kind == KIND, Ticket.unit_id == unit.id, Ticket.status.in_(OPEN_STATES))
        .order_by(Ticket.received_at)).first()
    if open_one is not None:
        raise RenovationOpen(f"unit {unit.label} has an open renovation, {open_one.number} ({open_one.status}): "
                             "one at a time -- finish or cancel it first",
                             details={"renovation_id": open_one.id, "number": open_one.number})
    source = dict(project=project, unit=unit, channel="portal" if caller.is_resident else "staff",
                  received_at=now, reporter_name=data.get("reporter_name") or caller.name or unit.contact_name or "",
                  reporter_phone=unit.contact_phone if caller.is_resident else None,
                  reporter_user_id=caller.user_id if caller.is_resident else None)
    ticket = complaints.new_ticket(work, KIND, source, category=KIND, status=APPLIED, content=data["content"])
    values = work.settings.values(project.id)
    renovation = Renovation(ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
                            unit_id=unit.id, contractor=data.get("contractor") or "",
                            planned_start=data.get("planned_start"), planned_end=data.get("planned_end"),
                            deposit_amount=money(values[rsla.DEPOSIT]), documents=[], review_rounds=0)
    for doc in data.get("documents") or ():
        _attach(renovation, doc, caller.user_id, now, unit.id, ask_document)
    ticket.history.append(repairs._log(ticket, caller, now, "applied", ticket.content[:200]))
    work.session.add(ticket)
    work.session.flush()
    work.session.add(renovation)        # before the snapshot: ``ticket.changed`` carries its part
    repairs.record_changed(work, ticket)
    return ticket


def _attach(renovation: Renovation, doc: dict, by: str, at: datetime, unit_id: str,
            ask_document: AskDocument | None) -> None:
    """Record a reference to an archive document under its type. archive is asked first (as the
    caller, logged in the file's access log): the document must be in the file of the unit's
    current household (404 ``document_not_found``) and filed there under the same type (422
    ``document_type_mismatch``); no answer refuses (503 ``archive_unavailable``). The same
    document again under its type: nothing; under another type: 409 ``document_attached_already``."""
    if doc["doc_type"] not in DOCUMENT_TYPES:
        raise InvalidInput(f"{doc['doc_type']!r} is not a renovation document; one of {DOCUMENT_TYPES}",
                           code="unknown_document_type", zh="该资料类型不属于装修资料")
    documents = list(renovation.documents or [])
    already = next((d for d in documents if d["document_id"] == doc["document_id"]), None)
    if already is not None:
        if already["doc_type"] == doc["doc_type"]:
            return
        raise DocumentAttachedAlready(
            f"document {doc['document_id']} is already attached as {already['doc_type']}; "
            f"it cannot also be the {doc['doc_type']}", details={"doc_type": already["doc_type"]})
    if ask_document is None:
        raise ArchiveUnavailable("the household file (archive) cannot be asked about the document; "
                                 "nothing was attached")
    filed = ask_document(unit_id, doc["document_id"])
    if filed.get("doc_type") != doc["doc_type"]:
        raise DocumentTypeMismatch(
            f"document {doc['document_id']} is filed in archive as {filed.get('doc_type')}, "
            f"not as {doc['doc_type']}", details={"archive_doc_type": filed.get("doc_type")})
    documents.append({"doc_type": doc["doc_type"], "document_id": doc["document_id"],
                      "attached_at": at.isoformat(), "attached_by": by})
    renovation.documents = documents


def checklist(renovation: Renovation) -> list[dict]:
    """The required documents, each present (with its archive documents) or missing."""
    have = {}
    for d in renovation.documents or ():
        have.setdefault(d["doc_type"], []).append(d["document_id"])
    return [{"doc_type": t, "present": t in have, "document_ids": have.get(t, [])} for t in REQUIRED_DOCUMENTS]


def missing(renovation: Renovation) -> list[str]:
    return [c["doc_type"] for c in checklist(renovation) if not c["present"]]


# -- the workflow ----------------------------------------------------------------------------------

def _party(work: Work, who: frozenset) -> str:
    caller = work.caller
    if caller.is_system:
        return SYSTEM
    if caller.is_resident:
        if RESIDENT in who:
            return RESIDENT
        raise NotYourStep("the service centre takes this step, not the resident")
    if who == {SYSTEM}:
        raise NotYourStep("the platform takes this step (billing's report, the re-inspection job)")
    for party in (DESK, REVIEWER, PATROL):
        if party in who and caller.has_role(*ROLES[party]):
            return party
    caller.require_role(*sorted({r for p in who for r in ROLES.get(p, ())}))
    raise NotYourStep("another party takes this step")


def _out_of_range(code: str, zh: str, en: str, **details) -> RenovationDateOutOfRange:
    """A date refused, said in both languages (the class's ``zh`` is the general one)."""
    return RenovationDateOutOfRange(en, code=code, zh=zh,
                                    details={k: v.isoformat() if isinstance(v, date) else v for k, v in details.items()})


def _check_period(work: Work, project, start: date | None, end: date | None, now: datetime) -> None:
    """The planned works (计划工期): the start not in the past (a day's tolerance) and at most
    ``renovation.start_within_days`` ahead; the end not before the start and at most
    ``renovation.max_duration_days`` after it (after today when no start is given)."""
    values, today = work.settings.values(project.id), _site_today(project, now)
    if start is not None:
        earliest = today - timedelta(days=rsla.START_PAST_TOLERANCE_DAYS)
        latest = today + timedelta(days=values[rsla.START_WITHIN_DAYS])
        if start < earliest:
            raise _out_of_range("planned_start_past", f"计划开工日期 {start} 已过", f"planned_start {start} is in the "
                                f"past: {earliest} at the earliest", earliest=earliest)
        if start > latest:
            raise _out_of_range("planned_start_too_far", f"计划开工日期 {start} 过远", f"planned_start {start} is "
                                f"more than {values[rsla.START_WITHIN_DAYS]} days ahead: {latest} at the latest",
                                latest=latest)
    if end is not None:
        base = start or today
        if end < base:
            raise _out_of_range("bad_period", f"计划完工日期 {end} 早于开工日期 {base}",
                                f"planned_end {end} is before planned_start {base}", earliest=base)
        latest = base + timedelta(days=values[rsla.MAX_DURATION_DAYS])
        if end > latest:
            raise _out_of_range("planned_end_too_far", f"计划工期超过 {values[rsla.MAX_DURATION_DAYS]} 天",
                                f"planned_end {end} is more than {values[rsla.MAX_DURATION_DAYS]} days after "
                                f"{base}: {latest} at the latest", latest=latest)


def _ticket(work: Work, ticket_id: str) -> tuple[Ticket, Renovation]:
    ticket = repairs._ticket_for_change(work, ticket_id)
    if ticket.kind != KIND:
        raise TicketNotFound(f"no renovation {ticket_id}")
    return ticket, work.session.get(Renovation, ticket.id)


def _site_today(project, now: datetime) -> date:
    return now.astimezone(ZoneInfo(project.timezone)).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it has none)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def earliest_acceptance(work: Work, project, today: date) -> date:
    """The first day the acceptance may be held when asked for ``today``: N working days ahead
    (and a working day itself)."""
    cal = clocks.calendar(work, project)
    day = today
    for _ in range(work.settings.values(project.id)[rsla.ACCEPTANCE_NOTICE_WORKING_DAYS]):
        day = cal.next_working_day(day)
    return day if cal.is_working_day(day) else cal.next_working_day(day)


def step(work: Work, ticket_id: str, action: str, data: dict, ask_document: AskDocument | None = None) -> Ticket:
    """Take one step of a renovation (:data:`TABLE`); anything else is refused with a typed error."""
    ticket, renovation = _ticket(work, ticket_id)
    move = workflow.step(ticket.status, action, KIND)
    if move is None:
        refusal = REFUSALS.get((ticket.status, action))
        if refusal is not None:
            raise refusal(f"renovation {ticket.number}: billing has not reported the deposit and the "
                          "garbage-removal fee paid; the work cannot start", details={"status": ticket.status})
        raise TransitionNotAllowed(f"no step {action!r} from a {ticket.status!r} renovation",
                                   details={"status": ticket.status, "action": action})
    _party(work, move.who)
    caller, now = work.caller, work.clock.now()
    project = repairs._project(work, ticket.project_id)
    values = work.settings.values(project.id)
    note = (data.get("note") or "").strip()
    to = move.to

    if action == ATTACH_DOCUMENT:
        _attach(renovation, data, caller.user_id, now, ticket.unit_id, ask_document)
        note = note or f"{data['doc_type']} {data['document_id']}"
    elif action == SUBMIT:
        lacking = missing(renovation)
        if lacking:
            raise DocumentsMissing(f"renovation {ticket.number} lacks documents: {', '.join(lacking)}",
                                   details={"missing": lacking})
        renovation.submitted_at, renovation.review_rounds = now, renovation.review_rounds + 1
        clocks.start(work, ticket, rsla.REVIEW,
                     clocks.due_after(work, project, now, values[rsla.REVIEW_DAYS], "days"),
                     responsible_role=rsla.RESPONSIBLE[rsla.REVIEW], started_at=now)
        note = note or f"review round {renovation.review_rounds}"
    elif action in (APPROVE, REJECT):
        if action == REJECT and not note:
            raise InvalidInput("a rejection says what to rework (note)", code="note_required",
                               zh="退回装修申请须注明需整改的内容（note）")
        renovation.reviewed_at, renovation.review_note = now, note or None
        clocks.meet(ticket, rsla.REVIEW, now)
    elif action == SIGN_AGREEMENT:
        renovation.agreement_at = renovation.fees_requested_at = now
        work.events.record(events.RENOVATION_FEES_REQUESTED, {
            **_ref(ticket), "deposit_amount": renovation.deposit_amount, "requested_at": now,
        }, group_id=ticket.group_id, project_id=ticket.project_id)
        note = note or f"deposit {renovation.deposit_amount}; garbage-removal fee from billing's schedule"
    elif action == FEES_PAID_STEP:
        renovation.fees_paid_at = data.get("paid_at") or now
        renovation.garbage_fee = data.get("garbage_fee")
        renovation.deposit_id = data.get("deposit_id")
        note = note or f"paid: deposit {renovation.deposit_amount}, garbage fee {renovation.garbage_fee}"
    elif action == ISSUE_PERMIT:
        renovation.permit_number = repairs._next_number(work, project, "renovation_permit", now)
        renovation.permit_issued_at = now
        note = note or renovation.permit_number
    elif action == ISSUE_PASS:
        issued = _issue_pass(work, ticket, project, data, now)
        # the log (history, read by the household too) names the pass by its number, never its holder
        note = note or f"{issued.kind} pass {issued.number}"
    elif action == VOID_PASS:
        voided = work.session.get(RenovationPass, data.get("pass_id") or "")
        if voided is None or voided.ticket_id != ticket.id:
            raise PassNotFound(f"renovation {ticket.number} has no pass {data.get('pass_id')}")
        if voided.voided_at is None:
            voided.voided_at, voided.void_reason = now, data.get("reason") or note or "voided"
        note = note or f"voided {voided.number}"
    elif action == RECORD_PATROL:
        _patrol(work, ticket, project, data, now)
        note = note or ("; ".join(data.get("violations") or []) or "patrol")[:500]
    elif action == CLEAR_WASTE:
        clocks.meet(ticket, rsla.WASTE, now)
        note = note or "waste removed"
    elif action == REQUEST_ACCEPTANCE:
        earliest = earliest_acceptance(work, project, _site_today(project, now))
        wanted = data.get("acceptance_on")
        if wanted is None or wanted < earliest or not clocks.calendar(work, project).is_working_day(wanted):
            raise AcceptanceTooSoon(f"the acceptance is requested {values[rsla.ACCEPTANCE_NOTICE_WORKING_DAYS]} "
                                    f"working day(s) ahead, on a working day: {earliest} at the earliest",
                                    details={"earliest": earliest.isoformat()})
        latest = _site_today(project, now) + timedelta(days=values[rsla.ACCEPTANCE_WITHIN_DAYS])
        if wanted > latest:
            raise _out_of_range("acceptance_too_far", f"验收日期 {wanted} 过远",
                                f"the acceptance is booked at most {values[rsla.ACCEPTANCE_WITHIN_DAYS]} days ahead: "
                                f"{latest} at the latest", latest=latest)
        renovation.acceptance_on, renovation.acceptance_requested_at = wanted, now
        note = note or f"acceptance on {wanted}"
    elif action == ACCEPT:
        if renovation.acceptance_on is not None and _site_today(project, now) < renovation.acceptance_on:
            raise _out_of_range("acceptance_not_yet", f"验收预约在 {renovation.acceptance_on}，尚未到期",
                                f"the acceptance was booked for {renovation.acceptance_on}; it is held on that "
                                "day, not before", acceptance_on=renovation.acceptance_on)
        renovation.accepted_at = now
    elif action == OCCUPY:
        today = _site_today(project, now)
        occupied_on = data.get("occupied_on") or today
        if occupied_on > today:
            raise _out_of_range("date_in_future", f"入住日期 {occupied_on} 尚未到来",
                                f"occupied_on {occupied_on} is in the future", latest=today)
        # the re-inspection counts from occupancy: a backdated one (before the acceptance) would make
        # it due at once -- the household moves in on the acceptance day at the earliest
        accepted_on = _site_today(project, renovation.accepted_at) if renovation.accepted_at else today
        if occupied_on < accepted_on:
            raise _out_of_range("occupied_before_acceptance", f"入住日期 {occupied_on} 早于竣工验收日 {accepted_on}",
                                f"occupied_on {occupied_on} is before the acceptance on {accepted_on}",
                                earliest=accepted_on)
        renovation.occupied_on = occupied_on
        months = values[rsla.REINSPECTION_AFTER_MONTHS]
        due = datetime.combine(add_months(occupied_on, months), time(9), tzinfo=ZoneInfo(project.timezone))
        work.jobs.schedule(REINSPECTION_JOB, key=ticket.id, due_at=due,
                           payload={"ticket_id": ticket.id, "months": months},
                           group_id=ticket.group_id, project_id=ticket.project_id)
        # the household told ahead, to be home for it (the job fires at once when that day has passed)
        notice_at = due - timedelta(days=values[rsla.REINSPECTION_NOTICE_DAYS])
        work.jobs.schedule(REINSPECTION_NOTICE_JOB, key=ticket.id, due_at=max(notice_at, now),
                           payload={"ticket_id": ticket.id, "due_at": due.isoformat()},
                           group_id=ticket.group_id, project_id=ticket.project_id)
        note = note or f"occupied {occupied_on}; re-inspection {due.date()}"
    elif action == REINSPECTION_DUE:
        renovation.reinspection_due_at = renovation.reinspection_due_at or now
        work.events.record(events.RENOVATION_REINSPECTION_DUE, {
            **_ref(ticket), "occupied_on": renovation.occupied_on, "due_at": renovation.reinspection_due_at,
        }, group_id=ticket.group_id, project_id=ticket.project_id)
        note = note or "re-inspection due"
    elif action == REINSPECT:
        to = _reinspect(work, ticket, renovation, project, data, now)
        note = note or (f"withheld {renovation.withheld_amount}: " + "; ".join(renovation.violations or [])
                        if renovation.withheld_amount else "clean")[:500]
    elif action == REFUND_PAID:
        renovation.refunded_at = data.get("paid_at") or now
        clocks.meet(ticket, rsla.REFUND, now)
        note = note or f"refunded {data.get('amount', renovation.refund_amount)}"
    elif action == CANCEL_MOVED_OUT:
        ticket.cancel_reason = MOVED_OUT_REASON
        clocks.cancel_running(ticket, now)
        note = note or MOVED_OUT_REASON
        _fees_withdrawn(work, ticket, renovation, MOVED_OUT_REASON, now)
    elif action == HOUSEHOLD_LEFT:
        renovation.left_by_household_id = data["household_id"]
        note = note or LEFT_NOTE
    elif action == HAND_OVER:
        ticket.household_id = data["household_id"]
        renovation.left_by_household_id = None
        # the contact of the household it is now: the old one's phone is no longer the unit's
        unit = work.session.get(UnitCopy, ticket.unit_id)
        known = unit is not None and unit.household_id == ticket.household_id
        ticket.reporter_name = (unit.contact_name if known else None) or ticket.reporter_name
        ticket.reporter_phone = unit.contact_phone if known else None
        ticket.reporter_user_id = None
        note = note or HANDED_OVER_NOTE
    elif action == CANCEL:
        if not (data.get("reason") or note):
            raise InvalidInput("a cancellation says why (reason)", code="reason_required",
                               zh="撤销装修申请须注明原因（reason）")
        ticket.cancel_reason = data.get("reason") or note
        clocks.cancel_running(ticket, now)
        note = note or ticket.cancel_reason
        _fees_withdrawn(work, ticket, renovation, ticket.cancel_reason, now)

    if to == CLOSED:
        _close(work, ticket, renovation, now)
    if to == CANCELLED:
        ticket.closed_at = now
    complaints.finish(work, ticket, to, action, caller, now, note[:500])
    if action == REINSPECT and renovation.refund_amount == ZERO:
        # the whole deposit withheld: nothing for billing to pay -- the platform's refund_paid step
        # (the table's row) closes it at once
        _close(work, ticket, renovation, now)
        complaints.finish(work, ticket, workflow.step(ticket.status, REFUND_PAID, KIND).to, REFUND_PAID,
                          Caller.system(ticket.group_id, "tickets"), now, "nothing to refund: the whole deposit withheld")
    return ticket


def _ref(ticket: Ticket) -> dict:
    return {"renovation_id": ticket.id, "number": ticket.number, "group_id": ticket.group_id,
            "project_id": ticket.project_id, "unit_id": ticket.unit_id, "unit_label": ticket.unit_label,
            "household_id": ticket.household_id}


def _issue_pass(work: Work, ticket: Ticket, project, data: dict, now: datetime) -> RenovationPass:
    kind = data.get("pass_kind")
    if kind not in PASS_KINDS:
        raise InvalidInput(f"pass_kind is one of {sorted(PASS_KINDS)}", code="bad_pass_kind",
                           zh="证件类别有误：施工人员出入证（worker）或材料进出放行条（material）")
    if not (data.get("holder_name") or "").strip():
        raise InvalidInput("a pass names its holder (holder_name)", code="holder_required",
                           zh="证件须填写持证人姓名（holder_name）")
    valid_until, today = data.get("valid_until"), _site_today(project, now)
    if valid_until is not None:
        renovation = work.session.get(Renovation, ticket.id)
        if valid_until < today:
            raise _out_of_range("valid_until_past", f"出入证有效期 {valid_until} 已过",
                                f"valid_until {valid_until} is in the past: {today} at the earliest", earliest=today)
        end = (renovation.planned_end if renovation.planned_end is not None
               else today + timedelta(days=work.settings.values(project.id)[rsla.MAX_DURATION_DAYS]))
        latest = max(end, today) + timedelta(days=rsla.PASS_AFTER_END_DAYS)
        if valid_until > latest:
            raise _out_of_range("valid_until_too_far", f"出入证有效期 {valid_until} 超出计划工期",
                                f"valid_until {valid_until} is past the planned end {end} "
                                f"(+{rsla.PASS_AFTER_END_DAYS} days): {latest} at the latest", latest=latest)
    issued = RenovationPass(
        id=str(uuid.uuid4()), ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
        kind=kind, number=repairs._next_number(work, project, f"renovation_{kind}_pass", now),
        holder_name=data["holder_name"].strip()[:100], detail=(data.get("detail") or "")[:400],
        valid_until=data.get("valid_until"), issued_at=now, issued_by=work.caller.user_id)
    work.session.add(issued)
    return issued


def _patrol(work: Work, ticket: Ticket, project, data: dict, now: datetime) -> RenovationPatrol:
    """A patrol record; waste seen starts the waste clock (if it is not running already)."""
    patrol = RenovationPatrol(
        id=str(uuid.uuid4()), ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
        at=now, by=work.caller.user_id, by_name=work.caller.name or "", note=(data.get("note") or "")[:2000],
        violations=[v.strip()[:200] for v in data.get("violations") or [] if v.strip()],
        waste_seen=bool(data.get("waste_seen")))
    work.session.add(patrol)
    if patrol.waste_seen:
        running = clocks.find(ticket, rsla.WASTE)
        if running is None or running.met_at is not None or running.cancelled_at is not None:
            days = work.settings.values(project.id)[rsla.WASTE_DAYS]
            clocks.start(work, ticket, rsla.WASTE, clocks.due_after(work, project, now, days, "days"),
                         responsible_role=rsla.RESPONSIBLE[rsla.WASTE], started_at=now)
    return patrol


def patrols_of(session, ticket_id: str) -> list[RenovationPatrol]:
    return list(session.scalars(select(RenovationPatrol).where(RenovationPatrol.ticket_id == ticket_id)
                                .order_by(RenovationPatrol.at, RenovationPatrol.id)))


def passes_of(session, ticket_id: str) -> list[RenovationPass]:
    return list(session.scalars(select(RenovationPass).where(RenovationPass.ticket_id == ticket_id)
                                .order_by(RenovationPass.issued_at, RenovationPass.number)))


def _reinspect(work: Work, ticket: Ticket, renovation: Renovation, project, data: dict, now: datetime) -> str:
    """The re-inspection (复查): clean -- the whole deposit back; violations -- part or all of it
    withheld, naming them (the patrols' and the re-inspection's). Asks billing for the refund
    (``renovation.refund_requested``) and starts the refund clock; nothing to refund closes it."""
    if renovation.reinspection_due_at is None:
        due = add_months(renovation.occupied_on, work.settings.values(project.id)[rsla.REINSPECTION_AFTER_MONTHS])
        raise ReinspectionNotDue(f"renovation {ticket.number} is re-inspected from {due} (after occupancy)",
                                 details={"due_on": due.isoformat()})
    found = [v.strip()[:200] for v in data.get("violations") or [] if v.strip()]
    seen = [v for p in patrols_of(work.session, ticket.id) for v in p.violations or []]
    violations = list(dict.fromkeys(seen + found))
    withheld = money(data.get("withheld_amount") or ZERO)
    deposit = money(renovation.deposit_amount)
    if withheld < ZERO or withheld > deposit:
        raise WithheldOverDeposit(f"withheld {withheld} is not within the deposit {deposit}",
                                  details={"deposit": str(deposit)})
    if withheld > ZERO and not violations:
        raise WithheldOverDeposit("a deposit is withheld only for violations: name them", code="violations_required",
                                  zh="只有违规装修才能扣除押金，请注明违规事项")
    renovation.reinspected_at, renovation.violations = now, violations
    renovation.withheld_amount, renovation.refund_amount = withheld, deposit - withheld
    renovation.refund_requested_at = now
    days = work.settings.values(project.id)[rsla.REFUND_WITHIN_DAYS]
    due = clocks.due_after(work, project, now, days, "days")
    work.events.record(events.RENOVATION_REFUND_REQUESTED, {
        **_ref(ticket), "deposit_id": renovation.deposit_id, "deposit_amount": deposit,
        "refund_amount": renovation.refund_amount, "withheld_amount": withheld, "violations": violations,
        "reinspected_by": {"user_id": work.caller.user_id, "name": work.caller.name or ""},
        "requested_at": now, "due_at": due,
    }, group_id=ticket.group_id, project_id=ticket.project_id)
    if renovation.refund_amount > ZERO:
        clocks.start(work, ticket, rsla.REFUND, due, responsible_role=rsla.RESPONSIBLE[rsla.REFUND],
                     started_at=now)
    return REFUND_REQUESTED


def _close(work: Work, ticket: Ticket, renovation: Renovation, now: datetime) -> None:
    """Closed: the documents go to the household file (``renovation.closed`` names them)."""
    ticket.closed_at = renovation.archived_at = now
    clocks.cancel_running(ticket, now, kinds=(rsla.WASTE,))
    work.events.record(events.RENOVATION_CLOSED, {
        **_ref(ticket), "permit_number": renovation.permit_number, "accepted_at": renovation.accepted_at,
        "occupied_on": renovation.occupied_on, "reinspected_at": renovation.reinspected_at,
        "deposit_amount": renovation.deposit_amount, "refund_amount": renovation.refund_amount,
        "withheld_amount": renovation.withheld_amount, "violations": renovation.violations or [],
        "documents": [{"doc_type": d["doc_type"], "document_id": d["document_id"]}
                      for d in renovation.documents or []],
        "closed_at": now,
    }, group_id=ticket.group_id, project_id=ticket.project_id)


# -- billing's reports and the job (the platform's steps) ------------------------------------------

def on_fees_paid(work: Work, data: dict) -> Ticket | None:
    """billing's ``renovation.fees_paid``: the deposit held and the garbage fee settled -- the
    permit may be issued. Again (a redelivery): nothing."""
    ticket = work.session.get(Ticket, data["renovation_id"])
    if ticket is None or ticket.kind != KIND or ticket.status != FEES_REQUESTED:
        return None
    return step(work, ticket.id, FEES_PAID_STEP, data)


def on_fees_charged(work: Work, data: dict) -> Ticket | None:
    """billing's ``renovation.fees_charged``: the garbage-removal fee it charged (the building area x
    its schedule's price) -- shown on the renovation from now on, before it is paid (``garbage_fee``,
    ``garbage_fee_status`` charged). Again, or after billing reported the fees paid: nothing."""
    ticket = work.session.get(Ticket, data["renovation_id"])
    if ticket is None or ticket.kind != KIND:
        return None
    renovation = work.session.get(Renovation, ticket.id)
    if renovation is None or renovation.fees_charged_at is not None:
        return None
    renovation.garbage_fee_requested = money(data["garbage_fee"])
    renovation.fees_charged_at = data["charged_at"]
    ticket.updated_at = work.clock.now()
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket


def _fees_withdrawn(work: Work, ticket: Ticket, renovation: Renovation, reason: str, now) -> None:
    """A renovation cancelled after its agreement asked billing for the fees (the desk's cancel, a
    move-out): ``renovation.cancelled`` -- billing reverses the unpaid garbage fee and gives a held
    deposit back. Before the agreement billing was never asked: nothing to say."""
    if renovation.fees_requested_at is None:
        return
    work.events.record(events.RENOVATION_CANCELLED, {
        **_ref(ticket), "deposit_amount": renovation.deposit_amount,
        "fees_requested_at": renovation.fees_requested_at, "reason": reason[:500], "cancelled_at": now,
    }, group_id=ticket.group_id, project_id=ticket.project_id)


def garbage_fee_status(renovation: Renovation, cancelled: bool = False) -> str:
    """``not_requested`` (no agreement yet), ``requested`` (the agreement asked billing; its charge not
    reported yet), ``charged`` (the amount known, not paid), ``paid`` (billing reported the deposit and
    the fee paid -- it reports them together), ``cancelled`` (the renovation cancelled before it was
    paid: billing reverses the charge)."""
    if renovation.fees_paid_at is not None:
        return "paid"
    if cancelled and renovation.fees_requested_at is not None:
        return "cancelled"
    if renovation.fees_charged_at is not None:
        return "charged"
    return "requested" if renovation.fees_requested_at is not None else "not_requested"


def on_deposit_refunded(work: Work, data: dict) -> Ticket | None:
    """billing's ``renovation.deposit_refunded``: the refund paid meets the refund clock and
    closes the renovation (archived). Again: nothing."""
    ticket = work.session.get(Ticket, data["renovation_id"])
    if ticket is None or ticket.kind != KIND or ticket.status != REFUND_REQUESTED:
        return None
    return step(work, ticket.id, REFUND_PAID, data)


def on_reinspection_job(work: Work, job) -> Ticket | None:
    """The ``renovation-reinspection`` job, N months after occupancy: the re-inspection is due
    (``renovation.reinspection_due``). A renovation no longer occupied-and-waiting: nothing."""
    ticket = work.session.get(Ticket, job.payload["ticket_id"])
    if ticket is None or ticket.kind != KIND or ticket.status != OCCUPIED:
        return None
    if work.session.get(Renovation, ticket.id).reinspection_due_at is not None:
        return None
    return step(work, ticket.id, REINSPECTION_DUE, {})


def on_reinspection_notice_job(work: Work, job) -> bool:
    """The ``renovation-reinspection-notice`` job, ``renovation.reinspection_notice_days`` (7) days
    before the re-inspection: ``renovation.reinspection_upcoming`` (notify tells the household, to be
    home for it -- the deposit comes back after it). Not a step: the renovation stays as it is. A
    renovation no longer occupied and waiting for it (re-inspected, or due already): nothing."""
    ticket = work.session.get(Ticket, job.payload["ticket_id"])
    if ticket is None or ticket.kind != KIND or ticket.status != OCCUPIED:
        return False
    renovation = work.session.get(Renovation, ticket.id)
    if renovation.reinspection_due_at is not None or renovation.reinspected_at is not None:
        return False
    due_at = datetime.fromisoformat(job.payload["due_at"])
    if due_at <= work.clock.now():
        return False                 # the re-inspection's own job tells it is due
    work.events.record(events.RENOVATION_REINSPECTION_UPCOMING, {
        **_ref(ticket), "occupied_on": renovation.occupied_on, "due_at": due_at,
    }, group_id=ticket.group_id, project_id=ticket.project_id)
    return True


JOBS = {REINSPECTION_JOB: on_reinspection_job, REINSPECTION_NOTICE_JOB: on_reinspection_notice_job}


# -- the household moves out (过户 / 迁出) -------------------------------------------------------

def on_household_moved_out(work: Work, unit_id: str, household_id: str) -> list[Ticket]:
    """archive's ``household.changed`` of a household that moved out of ``unit_id`` (a move-out or
    the old owners of a transfer): each of its open renovations -- before the works, cancelled
    (``cancel_moved_out``); the unit's works (fees paid on), handed over to the unit's household
    now if archive's move-in of the next one came first, else left waiting for it
    (``household_left``). One at the refund stage (:data:`REFUND_STAGE`: occupied, refund requested)
    whose fees this household paid stays with it: the deposit coming back is theirs, and so are the
    re-inspection's result and the refund notice. Again (a redelivery): nothing -- nothing of that
    household is open."""
    now_household = _current_household(work, unit_id)
    moved = []
    for ticket in _open_of(work, unit_id, household_id):
        renovation = work.session.get(Renovation, ticket.id)
        if ticket.status in BEFORE_WORKS:
            moved.append(step(work, ticket.id, CANCEL_MOVED_OUT, {}))
        elif ticket.status in REFUND_STAGE and renovation.fees_paid_at is not None:
            # the works are done and the deposit this household paid is to come back to it: the
            # re-inspection and the refund stay the old household's (not handed over)
            continue
        elif now_household not in (None, household_id):
            moved.append(step(work, ticket.id, HAND_OVER, {"household_id": now_household}))
        elif renovation.left_by_household_id != household_id:
            moved.append(step(work, ticket.id, HOUSEHOLD_LEFT, {"household_id": household_id}))
    return moved


def on_household_moved_in(work: Work, unit_id: str, household_id: str) -> list[Ticket]:
    """archive's ``household.changed`` of the household now living in ``unit_id`` (tickets' unit
    copy took it): the unit's works an earlier household left (``household_left``) are handed over
    to it (``hand_over``). Again, or a household that is not the unit's now: nothing."""
    if _current_household(work, unit_id) != household_id:
        return []
    waiting = work.session.scalars(select(Ticket).join(Renovation, Renovation.ticket_id == Ticket.id).where(
        Ticket.kind == KIND, Ticket.unit_id == unit_id, Ticket.status.in_(UNIT_WORKS),
        Renovation.left_by_household_id.is_not(None),
        Ticket.household_id.is_distinct_from(household_id)).order_by(Ticket.received_at, Ticket.id)).all()
    return [step(work, t.id, HAND_OVER, {"household_id": household_id}) for t in waiting]


def _current_household(work: Work, unit_id: str) -> str | None:
    unit = work.session.get(UnitCopy, unit_id)
    return unit.household_id if unit is not None else None


def _open_of(work: Work, unit_id: str, household_id: str) -> list[Ticket]:
    return list(work.session.scalars(select(Ticket).where(
        Ticket.kind == KIND, Ticket.unit_id == unit_id, Ticket.household_id == household_id,
        Ticket.status.in_(OPEN_STATES)).order_by(Ticket.received_at, Ticket.id)))


# -- reads ---------------------------------------------------------------------------------------

def get(work: Work, ticket_id: str) -> tuple[Ticket, Renovation]:
    ticket = repairs.get_ticket(work, ticket_id)
    if ticket.kind != KIND:
        raise TicketNotFound(f"no renovation {ticket_id}")
    return ticket, work.session.get(Renovation, ticket.id)


def view(work: Work, ticket: Ticket, renovation: Renovation) -> dict:
    """The renovation's own part (``schemas.RenovationOut``) as ``work.caller`` reads it: a
    resident reads the pass holders' names masked, as the ticket's snapshot carries them; the desk's
    free text (a pass's detail in full, notes unmasked) only the desk itself (:data:`DESK_ROLES`, the
    readers of free text as written: ``kernel.privacy.sees_free_text``) -- the ticket's step log is
    masked the same way (``repairs.ticket_view``)."""
    caller = work.caller
    return facts(work.session, ticket, renovation, full_names=not caller.is_resident,
                 desk=privacy.sees_free_text(caller))


def facts(session: Session, ticket: Ticket, renovation: Renovation, *, full_names: bool = False,
          desk: bool = False) -> dict:
    """The renovation's own facts: the checklist (present / missing), review, fees requested and
    paid with their amounts, permit, passes by number (the holder's name -- a worker's, a
    personal name -- masked by ``kernel.privacy.mask_name`` unless ``full_names``), patrols,
    acceptance, occupancy, re-inspection, refund. Document references only, never an ID number.

    Staff free text (the review note, patrol notes, void reasons) reaches readers other than the desk
    (``desk`` False: the resident, engineering, security, finance, the snapshot) with the ID numbers and
    mobiles typed into it masked (``kernel.privacy.mask_free_text``); a pass's ``detail`` (a worker's
    phone, an ID number typed in) only the desk reads at all."""
    text = (lambda t: t) if desk else mask_free_text
    return {
        **{c: getattr(renovation, c) for c in (
            "contractor", "planned_start", "planned_end", "deposit_amount", "submitted_at", "review_rounds",
            "reviewed_at", "agreement_at", "fees_requested_at", "fees_paid_at", "fees_charged_at",
            "permit_number", "permit_issued_at", "acceptance_on", "acceptance_requested_at", "accepted_at",
            "occupied_on", "reinspection_due_at", "reinspected_at", "withheld_amount", "refund_amount",
            "refund_requested_at", "refunded_at", "archived_at")},
        "review_note": text(renovation.review_note),
        "violations": renovation.violations or [],
        "documents": [{"doc_type": d["doc_type"], "document_id": d["document_id"]} for d in renovation.documents or []],
        "checklist": checklist(renovation),
        "missing": missing(renovation),
        "garbage_fee": (renovation.garbage_fee if renovation.garbage_fee is not None
                        else renovation.garbage_fee_requested),
        "garbage_fee_status": garbage_fee_status(renovation, ticket.status == CANCELLED),
        "may_start": renovation.fees_paid_at is not None,
        "passes": [{"id": p.id, "kind": p.kind, "number": p.number,
                    "holder_name": p.holder_name if full_names else mask_name(p.holder_name),
                    # the desk's free text (a worker's phone, an ID number typed in): the desk only
                    "detail": p.detail if desk else None, "valid_until": p.valid_until,
                    "issued_at": p.issued_at,
                    "voided_at": p.voided_at, "void_reason": text(p.void_reason)}
                   for p in passes_of(session, ticket.id)],
        "patrols": [{"id": p.id, "at": p.at, "by": {"user_id": p.by, "name": p.by_name}, "note": text(p.note),
                     "violations": p.violations or [], "waste_seen": p.waste_seen}
                    for p in patrols_of(session, ticket.id)],
    }


# -- the ticket's renovation part (snapshot and reply) ---------------------------------------------

def renovation_part(ticket: Ticket) -> dict | None:
    """``renovation`` of a ticket's snapshot (``ticket.changed``, ``export_snapshots``, the ticket
    replies): :func:`facts` with the pass holders' names masked; None for other kinds. Every step
    of :data:`TABLE` -- billing's reports and the re-inspection job too -- goes through
    ``complaints.finish`` (version + 1, ``ticket.changed``), so the part stays current."""
    if ticket.kind != KIND:
        return None
    session = object_session(ticket)
    row = session.get(Renovation, ticket.id) if session is not None else None
    return None if row is None else facts(session, ticket, row)


repairs.PARTS["renovation"] = renovation_part
