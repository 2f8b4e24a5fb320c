"""Complaints (投诉, seed 000 §七): registration from any channel, dispatch to the responsible
department, first response, written reply, resolution, classes with their limits, the 30-day
upgrade, and the correspondence events archive files.

A complaint is a ``Ticket`` of kind ``complaint`` (numbered ``TS-YYYYMMDD-NNNN``) with a
``Complaint`` row (class, department, form, milestones) and its own transition table
(:data:`TABLE`, registered in ``workflow.TABLES``)::

    registered --dispatch--> dispatched --respond / write_reply--> responded --resolve--> resolved
        --close--> closed;   cancel (withdrawn, with a reason) before resolution.

``reclassify`` (CS manager / service-centre manager, with a reason), ``report_to_manager`` and
the platform's ``upgrade`` keep the state; a written reply after resolution keeps it too. The
clocks and figures are ``complaint_sla``'s (each a per-project setting).

Who takes a step (parties of :data:`TABLE`):

- ``desk``: front desk, steward, CS manager, service-centre manager (register, dispatch,
  report to the manager, close, cancel);
- ``handler``: the department's role (``complaint_sla.DEPARTMENTS``), the customer-service
  department, the service-centre manager and the GM (respond, write the reply, resolve);
- ``classifier``: CS manager, service-centre manager, GM (reclassify);
- ``resident``: the household itself (withdraw before dispatch);
- ``system``: the platform (the 30-day upgrade).
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import object_session

from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import (BadReceivedTime, NotYourStep, TicketNotFound, TransitionNotAllowed,
                          UnitRequired)
from ..models import Complaint, ComplaintClassChange, Ticket, TicketDocument, UnitCopy
from . import clocks, complaint_sla as csla, repairs, sla, workflow

KIND = "complaint"
REGISTERED, DISPATCHED, RESPONDED, RESOLVED, CLOSED, CANCELLED = (
    "registered", "dispatched", "responded", "resolved", "closed", "cancelled")
STATES = (REGISTERED, DISPATCHED, RESPONDED, RESOLVED, CLOSED, CANCELLED)
#: states of a complaint still being handled
OPEN_STATES = (REGISTERED, DISPATCHED, RESPONDED)

DISPATCH, RESPOND, WRITE_REPLY, REPORT_TO_MANAGER, RESOLVE, CLOSE, RECLASSIFY, CANCEL, UPGRADE = (
    "dispatch", "respond", "write_reply", "report_to_manager", "resolve", "close", "reclassify",
    "cancel", "upgrade")
#: the actions a caller may ask for (``upgrade`` is the platform's)
ACTIONS = (DISPATCH, RESPOND, WRITE_REPLY, REPORT_TO_MANAGER, RESOLVE, CLOSE, RECLASSIFY, CANCEL)

DESK, HANDLER, CLASSIFIER = "desk", "handler", "classifier"
RESIDENT, SYSTEM = workflow.RESIDENT, workflow.SYSTEM
#: staff who register complaints and move the form along (总台 / 管家 / 客服部)
DESK_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who may change a complaint's class (客服部经理 / 服务中心经理 / 总经理)
CLASSIFIER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER)
#: besides the department's own role, who may answer and resolve any complaint
HANDLER_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER)
CHANNELS = ("phone", "visit", "portal", "letter", "staff", "revisit")

_step = workflow._step
TABLE: dict[tuple[str, str], workflow.Step] = {
    (REGISTERED, DISPATCH): _step(DISPATCHED, DESK),
    (DISPATCHED, DISPATCH): _step(DISPATCHED, DESK),              # to another department
    (DISPATCHED, RESPOND): _step(RESPONDED, HANDLER),
    (DISPATCHED, WRITE_REPLY): _step(RESPONDED, HANDLER),         # the written reply is a response too
    (RESPONDED, WRITE_REPLY): _step(RESPONDED, HANDLER),
    (RESOLVED, WRITE_REPLY): _step(RESOLVED, HANDLER),
    (RESPONDED, RESOLVE): _step(RESOLVED, HANDLER),
    (RESOLVED, CLOSE): _step(CLOSED, DESK),
    (REGISTERED, CANCEL): _step(CANCELLED, RESIDENT, DESK),
    (DISPATCHED, CANCEL): _step(CANCELLED, DESK),
    (RESPONDED, CANCEL): _step(CANCELLED, DESK),
    **{(s, REPORT_TO_MANAGER): _step(s, DESK) for s in OPEN_STATES},
    **{(s, RECLASSIFY): _step(s, CLASSIFIER) for s in OPEN_STATES},
    **{(s, UPGRADE): _step(s, SYSTEM) for s in OPEN_STATES},
}
workflow.register(KIND, TABLE)
repairs.NUMBER_PREFIX[KIND] = "TS"

UPGRADE_JOB = "complaint-upgrade"


# -- intake (shared with warranty-quality complaints) ---------------------------------------

def intake(work: Work, data: dict, *, staff_roles) -> dict:
    """Where a complaint comes from and who made it: project, unit, channel, form, times and
    reporter, checked against the caller (a resident: their own unit, the portal, written)."""
    caller, now = work.caller, work.clock.now()
    unit = None
    if data.get("unit_id"):
        unit = work.session.get(UnitCopy, data["unit_id"])
        if unit is None:
            raise repairs._no_unit(data["unit_id"])
        caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=repairs._no_unit(data["unit_id"]))
        project = repairs._project(work, unit.project_id)
    else:
        if caller.is_resident:
            raise UnitRequired("a resident complains from one of their units (unit_id); a public matter "
                               "of the project is registered by the service centre")
        project = repairs._project(work, data["project_id"])
        caller.require_project(project.group_id, project.id,
                               not_found=repairs._no_project(data["project_id"]))
    if caller.is_resident:
        return dict(project=project, unit=unit, channel="portal", form=csla.WRITTEN, received_at=now,
                    reporter_name=data.get("reporter_name") or caller.name or unit.contact_name or "",
                    reporter_phone=data.get("reporter_phone") or unit.contact_phone,
                    reporter_user_id=caller.user_id)
    caller.require_role(*staff_roles)          # the platform (a revisit) passes: system has every role
    received_at = data.get("received_at") or now
    if received_at > now + repairs.CLOCK_SKEW:
        raise BadReceivedTime("received_at is in the future")
    if now - received_at > repairs.MAX_BACKDATE:
        raise BadReceivedTime("received_at is more than 2 days ago; record it as a late entry")
    return dict(project=project, unit=unit, channel=data.get("channel") or "staff",
                form=data.get("form") or csla.ORAL, received_at=received_at,
                reporter_name=data.get("reporter_name") or (unit.contact_name if unit else None) or caller.name or "",
                reporter_phone=data.get("reporter_phone") or (unit.contact_phone if unit else None),
                reporter_user_id=None)


def new_ticket(work: Work, kind: str, source: dict, *, category: str, status: str, content: str) -> Ticket:
    project, unit, now = source["project"], source["unit"], work.clock.now()
    ticket = Ticket(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
        number=repairs._next_number(work, project, kind, source["received_at"]), kind=kind,
        category=category, channel=source["channel"], status=status,
        unit_id=unit.id if unit else None, unit_label=unit.label if unit else None,
        household_id=unit.household_id if unit else None,
        location=unit.label if unit else project.name, content=content,
        reporter_name=source["reporter_name"], reporter_phone=source["reporter_phone"],
        reporter_user_id=source["reporter_user_id"], received_at=source["received_at"], recorded_at=now,
        recorded_by=work.caller.user_id, updated_at=now, version=1)
    ticket.deadlines, ticket.history = [], []
    return ticket


# -- registration ---------------------------------------------------------------------------

def register(work: Work, data: dict) -> Ticket:
    """Register a complaint (投诉登记) and start its clocks; publish ``complaint.registered``.

    ``data``: ``project_id`` (or ``unit_id``), ``unit_id`` (optional: a public matter has none),
    ``channel`` (phone|visit|portal|letter|staff|revisit), ``form`` (oral|written),
    ``complaint_class`` (default minor), ``department``, ``content``, ``reporter_name``,
    ``reporter_phone`` (optional), ``received_at`` (optional, staff only), ``revisit_ticket_id``
    (optional: the dissatisfied revisit that opened it). Registered by front desk, steward, CS
    or centre manager, by a resident from the portal (written, own unit), or by the platform
    (``Caller.system``) on a revisit's behalf."""
    source = intake(work, data, staff_roles=DESK_ROLES)
    project, received_at, now = source["project"], source["received_at"], work.clock.now()
    complaint_class = data.get("complaint_class") or csla.MINOR
    department = data.get("department") or "customer_service"
    ticket = new_ticket(work, KIND, source, category=department, status=REGISTERED, content=data["content"])
    complaint = Complaint(ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
                          complaint_class=complaint_class, department=department, form=source["form"],
                          revisit_ticket_id=data.get("revisit_ticket_id"))
    values = work.settings.values(project.id)
    start = lambda kind, due: clocks.start(work, ticket, kind, due, started_at=received_at,  # noqa: E731
                                           responsible_role=csla.responsible(kind, department))
    start(csla.DISPATCH_DEPARTMENT,
          clocks.due_after(work, project, received_at, values[csla.DISPATCH_WITHIN], "minutes"))
    start(csla.FIRST_RESPONSE, csla.first_response_due(work, project, received_at, source["form"]))
    if source["form"] == csla.WRITTEN:
        start(csla.WRITTEN_REPLY, csla.written_reply_due(work, project, received_at))
    for kind, due in csla.class_dues(work, project, complaint_class, received_at=received_at,
                                     classed_at=received_at).items():
        start(kind, due)
    via = f"{source['channel']}, {source['form']}" + (f", revisit {data['revisit_ticket_id']}"
                                                      if data.get("revisit_ticket_id") else "")
    ticket.history.append(repairs._log(ticket, work.caller, now, "registered",
                                       f"{via}: {complaint_class}, {department}"))
    work.session.add(ticket)
    work.session.flush()
    work.session.add(complaint)
    work.session.add(ComplaintClassChange(
        id=str(uuid.uuid4()), ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
        from_class=None, to_class=complaint_class, changed_by=work.caller.user_id,
        changed_by_name=work.caller.name or "", changed_at=now, reason="registered"))
    work.jobs.schedule(UPGRADE_JOB, key=ticket.id, due_at=csla.upgrade_due(work, project, received_at),
                       payload={"ticket_id": ticket.id}, group_id=ticket.group_id, project_id=ticket.project_id)
    repairs.record_changed(work, ticket)
    work.events.record(events.COMPLAINT_REGISTERED, registered_payload(ticket, complaint),
                       group_id=ticket.group_id, project_id=ticket.project_id)
    return ticket


def registered_payload(ticket: Ticket, complaint: Complaint | None) -> dict:
    """``complaint.registered``: what archive files as the correspondence entry (no phone)."""
    return {
        "ticket_id": ticket.id, "number": ticket.number, "kind": ticket.kind, "group_id": ticket.group_id,
        "project_id": ticket.project_id, "unit_id": ticket.unit_id, "unit_label": ticket.unit_label,
        "household_id": ticket.household_id, "channel": ticket.channel,
        "form": complaint.form if complaint else csla.WRITTEN,
        "complaint_class": complaint.complaint_class if complaint else None,
        "department": complaint.department if complaint else "engineering",
        "content": ticket.content, "reporter_name": ticket.reporter_name,
        "received_at": ticket.received_at, "recorded_at": ticket.recorded_at,
        "revisit_ticket_id": complaint.revisit_ticket_id if complaint else None,
    }


# -- reads -------------------------------------------------------------------------------

def complaint_of(work: Work, ticket: Ticket) -> Complaint:
    return work.session.get(Complaint, ticket.id)


def documents_of(session, ticket_id: str) -> list[TicketDocument]:
    return list(session.scalars(select(TicketDocument).where(TicketDocument.ticket_id == ticket_id)
                                .order_by(TicketDocument.written_at, TicketDocument.id)))


def class_changes_of(session, ticket_id: str) -> list[ComplaintClassChange]:
    return list(session.scalars(select(ComplaintClassChange).where(ComplaintClassChange.ticket_id == ticket_id)
                                .order_by(ComplaintClassChange.changed_at, ComplaintClassChange.id)))


def get_complaint(work: Work, ticket_id: str, kinds=(KIND,)) -> Ticket:
    ticket = repairs.get_ticket(work, ticket_id)
    if ticket.kind not in kinds:
        raise TicketNotFound(f"no {' or '.join(kinds)} {ticket_id}")
    return ticket


# -- the ticket's complaint part (snapshot and reply) --------------------------------------------

def _user(user_id: str | None, name: str | None) -> dict | None:
    return {"user_id": user_id, "name": name or ""} if user_id else None


def _class_changes(session, ticket_id: str) -> list[dict]:
    return [{"from_class": c.from_class, "to_class": c.to_class, "by": _user(c.changed_by, c.changed_by_name),
             "at": c.changed_at, "reason": c.reason} for c in class_changes_of(session, ticket_id)]


def _complaint_part(session, ticket: Ticket) -> dict | None:
    complaint = session.get(Complaint, ticket.id)
    if complaint is None:
        return None
    return {
        "complaint_class": complaint.complaint_class, "department": complaint.department,
        "form": complaint.form, "dispatched_at": complaint.dispatched_at,
        "reported_to_manager_at": complaint.reported_to_manager_at,
        "first_response_at": complaint.first_response_at, "written_reply_at": complaint.written_reply_at,
        "resolved_at": complaint.resolved_at, "upgraded_at": complaint.upgraded_at,
        "revisit_ticket_id": complaint.revisit_ticket_id,
        "class_changes": _class_changes(session, ticket.id),
        "supervision_notified_at": None, "within_warranty": None, "assessed_at": None,
        "explained_at": None, "compensation": None,
    }


#: how each complaint kind builds its part: ``{kind: fn(session, ticket)}`` (quality.py adds its own)
PART_BUILDERS = {KIND: _complaint_part}


def complaint_part(ticket: Ticket) -> dict | None:
    """``complaint`` of a ticket's snapshot: None for other kinds."""
    build = PART_BUILDERS.get(ticket.kind)
    return None if build is None else build(object_session(ticket), ticket)


def documents_part(ticket: Ticket) -> list[dict]:
    """``documents`` of a ticket's snapshot: written replies, assessments, explanations."""
    if ticket.kind not in PART_BUILDERS:
        return []
    return [{"id": d.id, "kind": d.kind, "title": d.title, "body": d.body,
             "written_by": _user(d.written_by, d.written_by_name), "written_at": d.written_at}
            for d in documents_of(object_session(ticket), ticket.id)]


repairs.PARTS.update(complaint=complaint_part, documents=documents_part)
