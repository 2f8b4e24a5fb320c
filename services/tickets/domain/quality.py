"""Warranty-quality complaints (质量投诉, seed 000 §五): a defect of the building the developer
answers for within the warranty.

A ticket of kind ``quality`` (numbered ``ZL-YYYYMMDD-NNNN``) with a ``QualityComplaint`` row and
its own transition table (:data:`TABLE`)::

    registered --assess (within warranty)--> in_warranty --resolve--> resolved --close--> closed
    registered --assess (out of warranty)--> out_of_warranty --explain--> closed
    in_warranty / out_of_warranty --claim_compensation--> compensation_claimed
        --decide_compensation (service-centre manager / GM)--> resolved
    registered --cancel--> cancelled

Clocks (``complaint_sla``, per-project settings): recorded within 5 min of coming in (met at
recording, as a repair's), engineering notified within 2 min and the developer's supervision
department (开发商监理部) within 5 min of recording. Both notices are notify's: it reacts to
``complaint.registered`` of kind ``quality`` -- an in-app order to engineering, an SMS to the
project's supervision-department contact (notify's per-project setting
``supervision.contact_phone``; a fixed template with the ticket number and unit label only,
never the resident's words) -- and the ``notification.delivered`` of each meets its clock
(:func:`notice_delivered`).

The joint assessment (with the developer's supervision department), the out-of-warranty
explanation and the compensation decision are documents (``TicketDocument``); the explanation,
the decision and the resolution are replies archive files (``complaint.replied``).
"""
from __future__ import annotations

from datetime import datetime

from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import NotYourStep, TicketNotFound
from ..models import QualityComplaint, Ticket
from . import clocks, complaint_sla as csla, complaints, repairs, workflow

KIND = "quality"
REGISTERED, IN_WARRANTY, OUT_OF_WARRANTY, COMPENSATION_CLAIMED, RESOLVED, CLOSED, CANCELLED = (
    "registered", "in_warranty", "out_of_warranty", "compensation_claimed", "resolved", "closed", "cancelled")
STATES = (REGISTERED, IN_WARRANTY, OUT_OF_WARRANTY, COMPENSATION_CLAIMED, RESOLVED, CLOSED, CANCELLED)
OPEN_STATES = (REGISTERED, IN_WARRANTY, OUT_OF_WARRANTY, COMPENSATION_CLAIMED)

ASSESS, RESOLVE, EXPLAIN, CLAIM, DECIDE, CLOSE, CANCEL = (
    "assess", "resolve", "explain", "claim_compensation", "decide_compensation", "close", "cancel")
#: the actions a caller asks for; ``assess`` is taken as one of the table's two assessment steps
ACTIONS = (ASSESS, RESOLVE, EXPLAIN, CLAIM, DECIDE, CLOSE, CANCEL)
ASSESS_WITHIN, ASSESS_OUTSIDE = "assess_within_warranty", "assess_out_of_warranty"
#: the platform's bookkeeping (no state change): the notices were delivered
ENGINEERING_NOTIFIED, SUPERVISION_NOTIFIED = "engineering_notified", "supervision_notified"

DESK, ASSESSOR, DECIDER = "desk", "assessor", "decider"
RESIDENT = workflow.RESIDENT
#: who records the joint assessment and the repair under warranty (工程部 with 客服部)
ASSESSOR_ROLES = (Role.ENGINEERING, Role.ENGINEERING_MANAGER, Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who decides a compensation claim (服务中心经理 / 总经理)
DECIDER_ROLES = (Role.CENTRE_MANAGER, Role.GENERAL_MANAGER)
#: staff who register a warranty-quality complaint
INTAKE_ROLES = complaints.DESK_ROLES + (Role.ENGINEERING, Role.ENGINEERING_MANAGER)

_step = workflow._step
TABLE: dict[tuple[str, str], workflow.Step] = {
    (REGISTERED, ASSESS_WITHIN): _step(IN_WARRANTY, ASSESSOR),
    (REGISTERED, ASSESS_OUTSIDE): _step(OUT_OF_WARRANTY, ASSESSOR),
    (IN_WARRANTY, RESOLVE): _step(RESOLVED, ASSESSOR),
    (OUT_OF_WARRANTY, EXPLAIN): _step(CLOSED, ASSESSOR, DESK),
    (IN_WARRANTY, CLAIM): _step(COMPENSATION_CLAIMED, DESK, ASSESSOR),
    (OUT_OF_WARRANTY, CLAIM): _step(COMPENSATION_CLAIMED, DESK, ASSESSOR),
    (COMPENSATION_CLAIMED, DECIDE): _step(RESOLVED, DECIDER),
    (RESOLVED, CLOSE): _step(CLOSED, DESK),
    (REGISTERED, CANCEL): _step(CANCELLED, RESIDENT, DESK),
}
workflow.register(KIND, TABLE, OPEN_STATES)
repairs.NUMBER_PREFIX[KIND] = "ZL"
ROLES = {DESK: complaints.DESK_ROLES, ASSESSOR: ASSESSOR_ROLES, DECIDER: DECIDER_ROLES}


def register(work: Work, data: dict) -> Ticket:
    """Record a warranty-quality complaint (质量投诉) and start its three clocks; publish
    ``complaint.registered`` (kind ``quality``: notify tells engineering and the developer's
    supervision department). ``data`` as :func:`complaints.register` without class and department."""
    source = complaints.intake(work, data, staff_roles=INTAKE_ROLES)
    project, received_at, now = source["project"], source["received_at"], work.clock.now()
    ticket = complaints.new_ticket(work, KIND, source, category="warranty", status=REGISTERED,
                                   content=data["content"])
    row = QualityComplaint(ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
                           form=source["form"])
    values = work.settings.values(project.id)
    clocks.start(work, ticket, csla.RECORD,
                 clocks.due_after(work, project, received_at, values[csla.QUALITY_RECORD_WITHIN], "minutes"),
                 responsible_role=csla.responsible(csla.RECORD, "engineering"), started_at=received_at, met_at=now)
    for kind, key in ((csla.NOTIFY_ENGINEERING, csla.QUALITY_NOTIFY_ENGINEERING_WITHIN),
                      (csla.NOTIFY_SUPERVISION, csla.QUALITY_NOTIFY_SUPERVISION_WITHIN)):
        clocks.start(work, ticket, kind, clocks.due_after(work, project, now, values[key], "minutes"),
                     responsible_role=csla.responsible(kind, "engineering"), started_at=now)
    ticket.history.append(repairs._log(ticket, work.caller, now, "registered",
                                       f"{source['channel']}, {source['form']}: warranty quality"))
    work.session.add(ticket)
    work.session.flush()
    work.session.add(row)
    repairs.record_changed(work, ticket)
    work.events.record(events.COMPLAINT_REGISTERED, complaints.registered_payload(ticket, None, form=source["form"]),
                       group_id=ticket.group_id, project_id=ticket.project_id)
    return ticket


# -- the notices (notify's notification.delivered) ------------------------------------------------

def notice_delivered(work: Work, ticket_id: str, notice: str, at: datetime, via: str) -> Ticket | None:
    """A notice of a warranty-quality complaint was delivered (``notice``: engineering_notified |
    supervision_notified): its clock is met at the delivery time, once; the platform's
    bookkeeping, no state change."""
    ticket = work.session.get(Ticket, ticket_id)
    if ticket is None or ticket.kind != KIND:
        return None
    row = work.session.get(QualityComplaint, ticket.id)
    if notice == ENGINEERING_NOTIFIED:
        if ticket.engineering_notified_at is not None and ticket.engineering_notified_at <= at:
            return ticket
        ticket.engineering_notified_at = at
        clocks.meet(ticket, csla.NOTIFY_ENGINEERING, at)
    else:
        if row.supervision_notified_at is not None and row.supervision_notified_at <= at:
            return ticket
        row.supervision_notified_at = at
        clocks.meet(ticket, csla.NOTIFY_SUPERVISION, at)
    ticket.history.append(repairs._log(ticket, Caller.system(ticket.group_id, "notify"), at, notice, via))
    ticket.updated_at = work.clock.now()
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket


# -- the workflow ------------------------------------------------------------------------------

def _party(work: Work, who: frozenset) -> str:
    caller = work.caller
    if caller.is_system:
        return workflow.SYSTEM
    if caller.is_resident:
        if RESIDENT in who:
            return RESIDENT
        raise NotYourStep("the service centre takes this step, not the resident")
    for name in (DESK, ASSESSOR, DECIDER):
        if name in who and caller.has_role(*ROLES[name]):
            return name
    caller.require_role(*sorted({r for name in who for r in ROLES.get(name, ())}))
    raise NotYourStep("another party takes this step")


def transition(work: Work, ticket_id: str, action: str, data: dict) -> Ticket:
    """Take one step of a warranty-quality complaint (:data:`TABLE`).

    ``data`` per action: assess ``within_warranty`` + ``body`` (the joint assessment; ``title``),
    resolve ``note``, explain ``body`` (the explanation), claim_compensation ``body`` (the
    claim), decide_compensation ``decision`` (granted|refused) + ``body``, cancel ``reason``."""
    ticket = repairs._ticket_for_change(work, ticket_id)
    if ticket.kind != KIND:
        raise TicketNotFound(f"no warranty-quality complaint {ticket_id}")
    row = work.session.get(QualityComplaint, ticket.id)
    step = action
    if action == ASSESS:
        step = ASSESS_WITHIN if data["within_warranty"] else ASSESS_OUTSIDE
    move = complaints.step_for(ticket, step)
    _party(work, move.who)
    caller, now = work.caller, work.clock.now()
    note = (data.get("note") or "").strip()
    if action == ASSESS:
        finding = "within the warranty" if data["within_warranty"] else "out of the warranty"
        complaints.write_document(work, ticket, "joint_assessment", data.get("title") or f"联合评估 {ticket.number}",
                                  data["body"])
        row.within_warranty, row.assessed_at = bool(data["within_warranty"]), now
        note = note or finding
    elif action == RESOLVE:
        row.resolved_at = now
        complaints.replied(work, ticket, "resolution", note, reply_id=f"{ticket.id}:resolution")
    elif action == EXPLAIN:
        document = complaints.write_document(work, ticket, "explanation",
                                             data.get("title") or f"保修期外说明 {ticket.number}", data["body"])
        row.explained_at = now
        ticket.closed_at = now
        note = note or document.title
        complaints.replied(work, ticket, "explanation", data["body"], reply_id=document.id,
                           document_id=document.id)
    elif action == CLAIM:
        row.compensation_claim, row.compensation_claimed_at = data["body"], now
        note = note or "escalated to the service-centre manager / GM"
    elif action == DECIDE:
        document = complaints.write_document(work, ticket, "compensation_decision",
                                             data.get("title") or f"赔偿处理决定 {ticket.number}", data["body"])
        row.compensation_decision, row.compensation_note = data["decision"], data["body"]
        row.decided_by, row.decided_by_name, row.decided_at = caller.user_id, caller.name or "", now
        row.resolved_at = now
        note = note or data["decision"]
        complaints.replied(work, ticket, "compensation_decision", data["body"], reply_id=document.id,
                           document_id=document.id)
    elif action == CLOSE:
        ticket.closed_at = now
    elif action == CANCEL:
        ticket.cancel_reason = data["reason"]
        note = note or data["reason"]
    if move.to in (CLOSED, CANCELLED):
        clocks.cancel_running(ticket, now)
    complaints.finish(work, ticket, move.to, step, caller, now, note[:500])
    if move.to == RESOLVED:
        complaints.resolved(work, ticket)
    return ticket


# -- the ticket's complaint part ------------------------------------------------------------------

def _part(session, ticket: Ticket) -> dict | None:
    row = session.get(QualityComplaint, ticket.id)
    if row is None:
        return None
    compensation = None
    if row.compensation_claimed_at is not None:
        compensation = {"claim": row.compensation_claim or "", "claimed_at": row.compensation_claimed_at,
                        "decision": row.compensation_decision, "decision_note": row.compensation_note,
                        "decided_by": complaints._user(row.decided_by, row.decided_by_name),
                        "decided_at": row.decided_at}
    return {
        "complaint_class": None, "department": "engineering", "form": row.form,
        "dispatched_at": ticket.engineering_notified_at, "reported_to_manager_at": None,
        "first_response_at": None, "written_reply_at": None, "resolved_at": row.resolved_at,
        "upgraded_at": None, "revisit_ticket_id": None, "class_changes": [],
        "supervision_notified_at": row.supervision_notified_at, "within_warranty": row.within_warranty,
        "assessed_at": row.assessed_at, "explained_at": row.explained_at, "compensation": compensation,
    }


complaints.PART_BUILDERS[KIND] = _part
complaints.OPEN_ELSEWHERE += tuple(s for s in OPEN_STATES if s not in complaints.OPEN_STATES)
