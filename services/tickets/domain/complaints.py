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
from ..exceptions import (BadReceivedTime, ClassUnchanged, NotYourStep, TicketNotFound,
                          TransitionNotAllowed, UnitRequired, WrittenReplyMissing)
from ..models import Complaint, ComplaintClassChange, Ticket, TicketDocument, UnitCopy
from . import clocks, complaint_sla as csla, repairs, revisits, workflow

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
workflow.register(KIND, TABLE, OPEN_STATES)
repairs.NUMBER_PREFIX[KIND] = "TS"

UPGRADE_JOB = "complaint-upgrade"
#: called with ``(work, ticket)`` in the transaction that resolves a complaint (either kind):
#: other rules hook in here (the revisit within 3 days of handling)
RESOLVED_HOOKS: list = []


# -- intake (shared with warranty-quality complaints) ---------------------------------------

#: why a resident's complaint without a unit is refused (``intake``'s default; feedback and quality
#: reports say it in their own words)
RESIDENT_UNIT_REQUIRED = ("a resident complains from one of their units (unit_id); a public matter of the "
                          "project is registered by the service centre")


def intake(work: Work, data: dict, *, staff_roles, unit_required: str = RESIDENT_UNIT_REQUIRED) -> dict:
    """Where a complaint comes from and who made it: project, unit, channel, form, times and
    reporter, checked against the caller (a resident: their own unit, the portal, written).
    ``unit_required``: the refusal of a resident's without a unit, in the words of what is filed."""
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
            raise UnitRequired(unit_required)
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
    # a resident says what and about whom; the service centre classifies (reclassify)
    complaint_class = (None if work.caller.is_resident else data.get("complaint_class")) or csla.MINOR
    revisit_ticket_id = None if work.caller.is_resident else data.get("revisit_ticket_id")
    department = data.get("department") or "customer_service"
    ticket = new_ticket(work, KIND, source, category=department, status=REGISTERED, content=data["content"])
    complaint = Complaint(ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
                          complaint_class=complaint_class, department=department, form=source["form"],
                          revisit_ticket_id=revisit_ticket_id)
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
    via = f"{source['channel']}, {source['form']}" + (f", revisit {revisit_ticket_id}" if revisit_ticket_id else "")
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
                       payload={"ticket_id": ticket.id, "days": values[csla.UPGRADE_AFTER_DAYS]},
                       group_id=ticket.group_id, project_id=ticket.project_id)
    repairs.record_changed(work, ticket)
    work.events.record(events.COMPLAINT_REGISTERED, registered_payload(ticket, complaint),
                       group_id=ticket.group_id, project_id=ticket.project_id)
    return ticket


def registered_payload(ticket: Ticket, complaint: Complaint | None, *, form: str | None = None) -> dict:
    """``complaint.registered``: what archive files as the correspondence entry (no phone); a
    warranty-quality complaint has no ``Complaint`` row (no class; engineering answers)."""
    return {
        "ticket_id": ticket.id, "number": ticket.number, "kind": ticket.kind, "group_id": ticket.group_id,
        "project_id": ticket.project_id, "unit_id": ticket.unit_id, "unit_label": ticket.unit_label,
        "household_id": ticket.household_id, "channel": ticket.channel,
        "form": complaint.form if complaint else form,
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


def list_complaints(work: Work, *, kind: str | None = None, complaint_class: str | None = None,
                    department: str | None = None, **query) -> tuple[list[Ticket], int]:
    """Complaints (and warranty-quality complaints) through the ticket list's scope and filters,
    with the complaint's own: class and department (a quality complaint's department is
    engineering, it has no class)."""
    where = [Ticket.kind.in_([kind] if kind else list(PART_BUILDERS))]
    if query.pop("open_only", False) and not query.get("status"):
        where.append(Ticket.status.in_(OPEN_STATES + OPEN_ELSEWHERE))
    if complaint_class or department:
        rows = select(Complaint.ticket_id)
        if complaint_class:
            rows = rows.where(Complaint.complaint_class == complaint_class)
        if department:
            rows = rows.where(Complaint.department == department)
        where.append(Ticket.id.in_(rows))
    return repairs.list_tickets(work, where=tuple(where), **query)


# -- the workflow (TABLE) ------------------------------------------------------------------------

def party(work: Work, ticket: Ticket, department: str, who: frozenset) -> str:
    """Which of the step's parties the caller is, or a typed refusal (403 for a staff role with
    no part in the step, 422 when another party takes it)."""
    caller = work.caller
    if caller.is_system:
        return SYSTEM
    if caller.is_resident:
        if RESIDENT in who:
            return RESIDENT
        raise NotYourStep("the service centre takes this step, not the resident")
    if who == {SYSTEM}:
        raise NotYourStep("the platform takes this step")
    if DESK in who and caller.has_role(*DESK_ROLES):
        return DESK
    if HANDLER in who and caller.has_role(csla.DEPARTMENTS.get(department, Role.CS_MANAGER), *HANDLER_ROLES):
        return HANDLER
    if CLASSIFIER in who and caller.has_role(*CLASSIFIER_ROLES):
        return CLASSIFIER
    allowed = {DESK: DESK_ROLES, HANDLER: (csla.DEPARTMENTS.get(department, Role.CS_MANAGER),) + HANDLER_ROLES,
               CLASSIFIER: CLASSIFIER_ROLES}
    caller.require_role(*sorted({r for p in who for r in allowed.get(p, ())}))
    raise NotYourStep("another party takes this step")


def step_for(ticket: Ticket, action: str) -> workflow.Step:
    move = workflow.step(ticket.status, action, ticket.kind)
    if move is None:
        raise TransitionNotAllowed(f"no step {action!r} from a {ticket.status!r} {ticket.kind}",
                                   zh=f"工单（{ticket.kind}）处于 {ticket.status} 状态，不能办理 {action}",
                                   details={"status": ticket.status, "action": action})
    return move


def finish(work: Work, ticket: Ticket, to: str, action: str, actor: Caller, at: datetime, note: str) -> Ticket:
    """The state change (history, ``ticket.status_changed``) and ``ticket.changed``."""
    repairs._move(work, ticket, to, action, actor, at, note)
    ticket.updated_at = work.clock.now()
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket


def write_document(work: Work, ticket: Ticket, kind: str, title: str, body: str) -> TicketDocument:
    document = TicketDocument(id=str(uuid.uuid4()), ticket_id=ticket.id, group_id=ticket.group_id,
                              project_id=ticket.project_id, kind=kind, title=title, body=body,
                              written_by=work.caller.user_id, written_by_name=work.caller.name or "",
                              written_at=work.clock.now())
    work.session.add(document)
    return document


def replied(work: Work, ticket: Ticket, reply_kind: str, body: str, *, reply_id: str,
            document_id: str | None = None) -> None:
    """``complaint.replied``: archive files each reply in the household's correspondence."""
    caller = work.caller
    work.events.record(events.COMPLAINT_REPLIED, {
        "reply_id": reply_id, "ticket_id": ticket.id, "number": ticket.number, "kind": ticket.kind,
        "group_id": ticket.group_id, "project_id": ticket.project_id, "unit_id": ticket.unit_id,
        "unit_label": ticket.unit_label, "household_id": ticket.household_id, "reply_kind": reply_kind,
        "body": body, "document_id": document_id,
        "by": {"user_id": caller.user_id, "name": caller.name or ""}, "at": work.clock.now(),
    }, group_id=ticket.group_id, project_id=ticket.project_id)


def transition(work: Work, ticket_id: str, action: str, data: dict) -> Ticket:
    """Take one step of a complaint (:data:`TABLE`); anything else is refused with a typed error.

    ``data`` per action: dispatch ``department`` (optional: another department), respond
    ``note`` (what the resident was told), write_reply ``body`` (+ ``title``), report_to_manager
    ``note``, resolve ``note`` (the resolution), reclassify ``complaint_class`` + ``reason``,
    cancel ``reason``; ``note`` on any."""
    ticket = repairs._ticket_for_change(work, ticket_id)
    if ticket.kind != KIND:
        raise TicketNotFound(f"no complaint {ticket_id}")
    complaint = work.session.get(Complaint, ticket.id)
    move = step_for(ticket, action)
    party(work, ticket, complaint.department, move.who)
    caller, now = work.caller, work.clock.now()
    note = (data.get("note") or "").strip()
    if action == DISPATCH:
        department = data.get("department") or complaint.department
        if department != complaint.department:
            note = note or f"{complaint.department} -> {department}"
            complaint.department = ticket.category = department
            for deadline in ticket.deadlines:
                if deadline.met_at is None and deadline.cancelled_at is None:
                    clocks.reassign(deadline, csla.responsible(deadline.kind, department))
        note = note or f"转交 {department}"
        complaint.dispatched_at = complaint.dispatched_at or now
        ticket.dispatched_at = ticket.dispatched_at or now
        clocks.meet(ticket, csla.DISPATCH_DEPARTMENT, now)
    elif action == RESPOND:
        _first_response(ticket, complaint, now)
        replied(work, ticket, "first_response", note, reply_id=f"{ticket.id}:first_response")
    elif action == WRITE_REPLY:
        title = data.get("title") or f"书面回复 {ticket.number}"
        document = write_document(work, ticket, "written_reply", title, data["body"])
        complaint.written_reply_at = complaint.written_reply_at or now
        clocks.meet(ticket, csla.WRITTEN_REPLY, now)
        _first_response(ticket, complaint, now)
        note = note or title
        replied(work, ticket, "written_reply", data["body"], reply_id=document.id, document_id=document.id)
    elif action == REPORT_TO_MANAGER:
        complaint.reported_to_manager_at = complaint.reported_to_manager_at or now
        clocks.meet(ticket, csla.TO_MANAGER, now)
    elif action == RESOLVE:
        complaint.resolved_at = now
        clocks.meet(ticket, csla.RESOLVE, now)
        clocks.cancel_running(ticket, now, kinds=(csla.TO_MANAGER, csla.RESIDENT_REPLY))
        work.jobs.cancel(UPGRADE_JOB, ticket.id)
        replied(work, ticket, "resolution", note, reply_id=f"{ticket.id}:resolution")
        # revisits (回访): every complaint is revisited within 3 days of its handling (domain/revisits.py)
        revisits.schedule_for_complaint(work, ticket)
    elif action == CLOSE:
        if complaint.form == csla.WRITTEN and complaint.written_reply_at is None:
            raise WrittenReplyMissing(f"complaint {ticket.number} was made in writing: file the written "
                                      "reply before closing it",
                                      zh=f"投诉 {ticket.number} 为书面投诉，须先登记书面回复，方可关闭")
        ticket.closed_at = now
        clocks.cancel_running(ticket, now)
    elif action == RECLASSIFY:
        before = complaint.complaint_class
        if data["complaint_class"] == before:
            raise ClassUnchanged(f"complaint {ticket.number} is {before} already",
                                 zh=f"投诉 {ticket.number} 已是 {before} 类，无需重新分类")
        change_class(work, ticket, complaint, data["complaint_class"], data["reason"])
        note = f"{before} -> {complaint.complaint_class}: {data['reason']}"
        work.events.record(events.COMPLAINT_RECLASSIFIED, {
            "ticket_id": ticket.id, "number": ticket.number, "group_id": ticket.group_id,
            "project_id": ticket.project_id, "unit_id": ticket.unit_id, "from_class": before,
            "to_class": complaint.complaint_class, "by": {"user_id": caller.user_id, "name": caller.name or ""},
            "at": now, "reason": data["reason"]}, group_id=ticket.group_id, project_id=ticket.project_id)
    elif action == CANCEL:
        ticket.cancel_reason = data["reason"]
        clocks.cancel_running(ticket, now)
        work.jobs.cancel(UPGRADE_JOB, ticket.id)
        note = note or data["reason"]
    if move.to == CLOSED and ticket.closed_at is None:
        ticket.closed_at = now
    finish(work, ticket, move.to, action, caller, now, note[:500])
    if action == RESOLVE:
        resolved(work, ticket)
    return ticket


def resolved(work: Work, ticket: Ticket) -> None:
    """Run :data:`RESOLVED_HOOKS` on a complaint just resolved (its state and events recorded)."""
    for hook in RESOLVED_HOOKS:
        hook(work, ticket)


def _first_response(ticket: Ticket, complaint: Complaint, at: datetime) -> None:
    if complaint.first_response_at is None:
        complaint.first_response_at = at
    clocks.meet(ticket, csla.FIRST_RESPONSE, at)
    clocks.meet(ticket, csla.RESIDENT_REPLY, at)


def change_class(work: Work, ticket: Ticket, complaint: Complaint, to_class: str, reason: str) -> None:
    """Record the class change (who, when, why) and re-time the class's clocks: the escalation
    to the manager from now, reply and resolution from when the complaint came in; a clock the
    new class does not have is cancelled, one already met (the manager told, the resident
    answered) stays met."""
    now, caller = work.clock.now(), work.caller
    work.session.add(ComplaintClassChange(
        id=str(uuid.uuid4()), ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
        from_class=complaint.complaint_class, to_class=to_class, changed_by=caller.user_id,
        changed_by_name=caller.name or "", changed_at=now, reason=reason))
    complaint.complaint_class = to_class
    project = repairs._project(work, ticket.project_id)
    dues = csla.class_dues(work, project, to_class, received_at=ticket.received_at, classed_at=now)
    met = {csla.TO_MANAGER: complaint.reported_to_manager_at, csla.RESIDENT_REPLY: complaint.first_response_at,
           csla.RESOLVE: complaint.resolved_at}
    for kind, due in dues.items():
        clocks.start(work, ticket, kind, due, responsible_role=csla.responsible(kind, complaint.department),
                     started_at=now if kind == csla.TO_MANAGER else ticket.received_at, met_at=met[kind])
    clocks.cancel_running(ticket, now, kinds=[k for k in csla.CLASS_CLOCKS if k not in dues])


# -- the 30-day upgrade (kernel.jobs: whichever replica claims the job runs it, once) --------------

def on_upgrade_job(work: Work, job) -> Ticket | None:
    """The ``complaint-upgrade`` job's handler: a complaint still unresolved when its job comes
    due (``complaint.upgrade_after_days`` after it came in) becomes major, once, with
    ``complaint.upgraded`` (the figure is the one in force at registration, in the job's payload).
    Already major, resolved, closed or withdrawn: nothing (the handler
    may run again -- a requeued job -- and changes nothing the second time)."""
    query = select(Ticket).where(Ticket.id == job.payload["ticket_id"])
    if work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    ticket = work.session.scalars(query).first()
    if ticket is None or ticket.kind != KIND or ticket.status not in OPEN_STATES:
        return None
    complaint = work.session.get(Complaint, ticket.id)
    if complaint.resolved_at is not None or complaint.upgraded_at is not None \
            or complaint.complaint_class == csla.MAJOR:
        return None
    now, before = work.clock.now(), complaint.complaint_class
    days = job.payload["days"]
    step_for(ticket, UPGRADE)
    complaint.upgraded_at = now
    change_class(work, ticket, complaint, csla.MAJOR, f"unresolved {days} days after it came in")
    work.events.record(events.COMPLAINT_UPGRADED, {
        "ticket_id": ticket.id, "number": ticket.number, "group_id": ticket.group_id,
        "project_id": ticket.project_id, "unit_id": ticket.unit_id, "from_class": before,
        "to_class": csla.MAJOR, "received_at": ticket.received_at, "days": days, "at": now,
    }, group_id=ticket.group_id, project_id=ticket.project_id)
    return finish(work, ticket, ticket.status, UPGRADE, work.caller, now, f"{before} -> major: unresolved {days} days")


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


#: the other complaint kinds' open states (quality.py adds its own)
OPEN_ELSEWHERE: tuple = ()
#: how each complaint kind builds its part: ``{kind: fn(session, ticket)}`` (quality.py adds its own)
PART_BUILDERS = {KIND: _complaint_part}


def complaint_part(ticket: Ticket) -> dict | None:
    """``complaint`` of a ticket's snapshot: None for other kinds."""
    build = PART_BUILDERS.get(ticket.kind)
    return None if build is None else build(object_session(ticket), ticket)


#: other kinds whose documents the snapshot shows (feedback.py: the reply to praise or a suggestion)
DOCUMENT_KINDS: set = set()


def documents_part(ticket: Ticket) -> list[dict]:
    """``documents`` of a ticket's snapshot: written replies, assessments, explanations."""
    if ticket.kind not in PART_BUILDERS and ticket.kind not in DOCUMENT_KINDS:
        return []
    return [{"id": d.id, "kind": d.kind, "title": d.title, "body": d.body,
             "written_by": _user(d.written_by, d.written_by_name), "written_at": d.written_at}
            for d in documents_of(object_session(ticket), ticket.id)]


repairs.PARTS.update(complaint=complaint_part, documents=documents_part)
