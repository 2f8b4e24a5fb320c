"""Repair requests (报修, seed 000 §五): intake, numbering, SLA clocks, reads.

Intake comes from the resident portal, or from staff recording a visit or a
phone call (then ``received_at`` is when the resident called, and the
"recorded within 5 min" clock runs from it).
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import joinedload
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kernel import deadlines, privacy
from kernel.copies import snapshot_page
from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import (AlreadyCharged, AlreadyRated, AppointmentRequired, BadReceivedTime,
                          ConsentRequired, NoOneOnDuty, NotAPaidRepair, NotAssignedToYou, NotCoveredOnly,
                          NotYourStep, ProjectNotFound, ReopenWindowClosed, StaffOnlyCategory, TicketNotFound,
                          TransitionNotAllowed, UnitNotFound, UnitRequired, UnknownSlaSetting)
from ..models import ProjectCopy, Revisit, Ticket, TicketCounter, TicketDeadline, TicketLog, UnitCopy
from . import clocks, duty, paid, sla, workflow

#: staff who may record a repair request on a resident's behalf
INTAKE_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.ENGINEERING, Role.ENGINEERING_MANAGER,
                Role.SECURITY, Role.CS_MANAGER, Role.CENTRE_MANAGER)
SLA_SETTING_ROLES = (Role.CENTRE_MANAGER, Role.GROUP_ADMIN)
MAX_BACKDATE = timedelta(days=2)
CLOCK_SKEW = timedelta(minutes=2)
NUMBER_PREFIX = {"repair": "BX", "revisit": "HF"}
#: repair categories only staff record (维修工程: public maintenance works, revisited after 30 days)
STAFF_ONLY_CATEGORIES = ("maintenance",)
#: kind-specific parts of a ticket's snapshot and reply, ``{name: fn(ticket)}``: each kind's rules
#: module adds its own (``complaints``: "complaint", "documents"); a part is None / [] on other kinds
PARTS: dict[str, Callable[[Ticket], object]] = {
    # the paid repair's quote and charge, the not-covered reply's advice (domain/paid.py)
    "quote": paid.quote_fields, "charge": paid.charge_fields, "advice": paid.advice_fields,
}


# -- settings (kernel.settings; the catalogue is sla.SETTINGS) ------------------

def sla_minutes(work: Work, project_id: str) -> dict[str, int]:
    return sla.minutes_from(work.settings.values(project_id))


def get_sla_minutes(work: Work, project_id: str) -> dict[str, int]:
    project = _project(work, project_id)
    work.caller.require_project(project.group_id, project.id, not_found=_no_project(project_id))
    return sla_minutes(work, project.id)


def set_sla_minutes(work: Work, project_id: str, key: str, minutes: int) -> dict[str, int]:
    """The older one-figure call (``PUT /projects/{id}/sla-settings``), now a setting change."""
    if key not in sla.DEFAULT_MINUTES:
        raise UnknownSlaSetting(f"no SLA setting {key!r}; known: {', '.join(sla.DEFAULT_MINUTES)}",
                                zh=f"没有时限设置 {key}，可设置的有：{'、'.join(sla.DEFAULT_MINUTES)}")
    project = set_setting(work, project_id, sla.PREFIX + key, minutes, reason="sla-settings")
    return sla_minutes(work, project.id)


def get_settings(work: Work, project_id: str) -> list[dict]:
    project = _project(work, project_id)
    work.caller.require_project(project.group_id, project.id, not_found=_no_project(project_id))
    return work.settings.view(project.id)


def set_setting(work: Work, project_id: str, key: str, value, *, reason: str = "",
                effective_from=None) -> ProjectCopy:
    project = _project(work, project_id)
    work.caller.require_project(project.group_id, project.id, not_found=_no_project(project_id))
    work.caller.require_role(*SLA_SETTING_ROLES)
    work.settings.change(project.group_id, project.id, key, value, reason=reason,
                         effective_from=effective_from)
    return project


def settings_history(work: Work, project_id: str, key: str | None = None) -> list[dict]:
    project = _project(work, project_id)
    work.caller.require_project(project.group_id, project.id, not_found=_no_project(project_id))
    work.caller.require_staff()
    return work.settings.history(project.id, key)


# -- intake -------------------------------------------------------------------

def _no_project(project_id: str) -> ProjectNotFound:
    return ProjectNotFound(f"no project {project_id}")


def _no_unit(unit_id: str) -> UnitNotFound:
    return UnitNotFound(f"no unit {unit_id}")


def _project(work: Work, project_id: str) -> ProjectCopy:
    project = work.session.get(ProjectCopy, project_id)
    if project is None:
        raise _no_project(project_id)
    return project


def in_project(work: Work, group_id: str, project_id: str, *, not_found) -> None:
    """THE scope answer of tickets' records and project routes: a record or project outside the caller's
    -- another project's staff, another group, a resident -- reads like one that does not exist
    (``not_found``, 404: "not yours reads like missing", as archive's), never 403."""
    work.caller.require_project(group_id, project_id, not_found=not_found, conceal=True)


def in_unit(work: Work, group_id: str, project_id: str, unit_id: str, *, not_found) -> None:
    """As :func:`in_project`, for a record of one unit (a resident: their own units only)."""
    work.caller.require_unit(group_id, project_id, unit_id, not_found=not_found, conceal=True)


def staff_project(work: Work, project_id: str, roles=None) -> ProjectCopy:
    """The project's copy for one of its staff: another project (or a resident) is answered as for a
    project that does not exist (:func:`in_project`, 404); then one of ``roles`` (None: any staff
    role) -- the one guard of the front desk's project routes (keys, vacant units, inspections)."""
    project = _project(work, project_id)
    in_project(work, project.group_id, project.id, not_found=_no_project(project_id))
    if roles is None:
        work.caller.require_staff()
    else:
        work.caller.require_role(*roles)
    return project


def _next_number(work: Work, project: ProjectCopy, kind: str, at: datetime) -> str:
    """The next number of the project's local day: ``BX-20261124-0001``.

    On PostgreSQL the counter is bumped in a short transaction of its own, so its row is
    locked for one statement instead of for the whole request: concurrent requests of a
    project no longer queue behind each other. The price: a request that fails after
    taking its number (a rule refused later, a failed commit) leaves that number unused
    -- numbers stay unique and increasing per project and day, but may have gaps. On
    SQLite (one writer at a time anyway) the bump stays in the request's transaction."""
    day = at.astimezone(ZoneInfo(project.timezone)).date()
    prefix = NUMBER_PREFIX[kind]
    bind = work.session.get_bind()
    postgres = bind.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    stmt = insert(TicketCounter).values(project_id=project.id, prefix=prefix, day=day, last=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=["project_id", "prefix", "day"], set_={"last": TicketCounter.last + 1}
    ).returning(TicketCounter.last)
    if postgres:
        with bind.engine.begin() as connection:
            n = connection.execute(stmt).scalar_one()
    else:
        n = work.session.execute(stmt).scalar_one()
    return f"{prefix}-{day:%Y%m%d}-{n:04d}"


#: the reporter of a repair the service centre files itself (a vacant unit's check)
CENTRE_REPORTER = "服务中心"


def open_repair(work: Work, data: dict, *, ticket_id: str | None = None, by_centre: bool = False) -> Ticket:
    """Record a repair request and start its SLA clocks; publish ``ticket.opened``.

    ``ticket_id``: the id to give it (a rule that links a record to the repair before it is
    published -- an inspection round's failed item); a fresh one otherwise. ``by_centre``: the
    service centre reports it itself (a vacant unit's check): the reporter is the centre (服务中心), no
    phone, and the unit gets no acknowledgement (``acknowledge`` false in ``ticket.opened``).

    Retries are answered by the kernel's idempotency helper (``open_repair`` in
    ``service.py``) before this runs; the ``request_id`` (the key) is still kept on
    the ticket, and a ticket recorded before revision 0020 with that key is returned."""
    caller, now = work.caller, work.clock.now()
    if data.get("request_id"):
        # a key only (no ticket loaded) in the usual case: there is none
        earlier = work.session.scalar(select(Ticket.id).where(
            Ticket.recorded_by == caller.user_id, Ticket.request_id == data["request_id"]).limit(1))
        if earlier is not None:
            return work.session.get(Ticket, earlier)
    unit = None
    if data.get("unit_id"):
        unit = work.session.get(UnitCopy, data["unit_id"])
        if unit is None:
            raise _no_unit(data["unit_id"])
        caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=_no_unit(data["unit_id"]))
        project = _project(work, unit.project_id)
    else:
        if caller.is_resident:
            raise UnitRequired("a resident's request names one of their units (unit_id); a public-area "
                               "request by project is recorded by the front desk")
        project = _project(work, data["project_id"])
        caller.require_project(project.group_id, project.id, not_found=_no_project(data["project_id"]))
    if caller.is_resident:
        channel, received_at = "portal", now
        reporter_name = data.get("reporter_name") or caller.name or (unit.contact_name or "")
        reporter_phone = data.get("reporter_phone") or (unit.contact_phone if unit else None)
    else:
        caller.require_role(*INTAKE_ROLES)
        channel = data.get("channel") or "staff"
        received_at = data.get("received_at") or now
        if received_at > now + CLOCK_SKEW:
            raise BadReceivedTime("received_at is in the future")
        if now - received_at > MAX_BACKDATE:
            raise BadReceivedTime("received_at is more than 2 days ago; record it as a late entry")
        reporter_name = data.get("reporter_name") or (unit.contact_name if unit else None) or caller.name
        reporter_phone = data.get("reporter_phone") or (unit.contact_phone if unit else None)
        if by_centre:
            reporter_name, reporter_phone = CENTRE_REPORTER, None

    category = data.get("category") or "unclassified"
    if caller.is_resident and category in STAFF_ONLY_CATEGORIES:
        raise StaffOnlyCategory(f"{category} works are recorded by staff, not reported by residents",
                                zh=f"{category} 类维修工程由工作人员登记，住户不能报此类事项")
    appointment_at = data.get("appointment_at")
    if category == "in_home_paid":
        if unit is None:
            raise UnitRequired("a paid in-home repair is done in a unit and charged to its account: "
                               "give the unit_id")
        if appointment_at is None:
            raise AppointmentRequired("a paid in-home repair needs a booked appointment time")
        if appointment_at <= now:
            raise AppointmentRequired("the appointment must be in the future", code="appointment_in_past",
                                      zh="预约上门时间须晚于当前时间")

    ticket = Ticket(
        id=ticket_id or str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
        number=_next_number(work, project, "repair", received_at), kind="repair", category=category,
        channel=channel, status="open", unit_id=unit.id if unit else None,
        unit_label=unit.label if unit else None, household_id=unit.household_id if unit else None,
        location=data.get("location") or (unit.label if unit else ""), content=data["content"],
        reporter_name=reporter_name or "", reporter_phone=reporter_phone,
        reporter_user_id=caller.user_id if caller.is_resident else None,
        appointment_at=appointment_at, received_at=received_at, recorded_at=now,
        recorded_by=caller.user_id, request_id=data.get("request_id"), updated_at=now, version=1)
    deadlines = sla.deadlines_for(category, received_at=received_at, recorded_at=now,
                                  appointment_at=appointment_at, minutes=sla_minutes(work, project.id))
    ticket.deadlines = []
    for d in deadlines:
        clocks.start(work, ticket, d.kind, d.due_at, responsible_role=sla.RESPONSIBLE[d.kind],
                     started_at=received_at if d.kind == sla.RECORD else now,
                     met_at=now if d.kind == sla.RECORD else None)
    ticket.history = [_log(ticket, caller, now, "opened", f"{channel}: {data['content'][:200]}")]
    work.session.add(ticket)
    record_changed(work, ticket)
    work.events.record(events.TICKET_OPENED, {**opened_payload(ticket, sla_minutes(work, project.id)),
                                              "acknowledge": not by_centre},
                       group_id=ticket.group_id, project_id=ticket.project_id)
    return ticket


def _request_fields(ticket: Ticket) -> dict:
    """What both ``ticket.opened`` and ``ticket.changed`` say of the request itself."""
    return {
        "ticket_id": ticket.id, "number": ticket.number, "kind": ticket.kind, "category": ticket.category,
        "channel": ticket.channel, "status": ticket.status, "unit_id": ticket.unit_id,
        "unit_label": ticket.unit_label, "household_id": ticket.household_id,
        "location": ticket.location, "content": ticket.content,
        "reporter": {"name": ticket.reporter_name, "phone": ticket.reporter_phone,
                     "user_id": ticket.reporter_user_id},
        "appointment_at": ticket.appointment_at, "received_at": ticket.received_at,
        "recorded_at": ticket.recorded_at,
    }


def opened_payload(ticket: Ticket, minutes: dict[str, int]) -> dict:
    return {
        **_request_fields(ticket),
        "deadlines": [{"kind": d.kind, "due_at": d.due_at,
                       "after_notice_minutes": sla.minutes_after_notice(d.kind, minutes)}
                      for d in ticket.deadlines],
    }


def snapshot(ticket: Ticket) -> dict:
    """The ticket's public state as ``ticket.changed`` carries it (and ``export_snapshots``):
    everything a reader may be shown, unmasked (readers mask by ``kernel.privacy``), no SLA
    state (computed when read: ``kernel.deadlines.state``)."""
    return {
        **_request_fields(ticket),
        "group_id": ticket.group_id, "project_id": ticket.project_id,
        "engineering_notified_at": ticket.engineering_notified_at,
        "deadlines": [deadline_fields(d) for d in ticket.deadlines],
        "history": [{"at": h.at, "action": h.action, "actor": h.actor_name or h.actor_id, "note": h.note}
                    for h in ticket.history],
        **workflow_fields(ticket),
        **parts(ticket),
        "version": ticket.version,
    }


def parts(ticket: Ticket) -> dict:
    """The kind-specific parts (:data:`PARTS`) of the ticket."""
    return {name: part(ticket) for name, part in PARTS.items()}


def deadline_fields(d: TicketDeadline) -> dict:
    """One clock as events and replies carry it (its state is computed when read), with its
    approved overruns (超时审批), oldest first."""
    return {"kind": d.kind, "due_at": d.due_at, "met_at": d.met_at, "cancelled_at": d.cancelled_at,
            "responsible_role": d.responsible_role, "warned_at": d.warned_at, "breached_at": d.breached_at,
            "extensions": [extension_fields(e) for e in d.extensions]}


def extension_fields(e) -> dict:
    """One approved overrun as events and replies carry it."""
    return {"id": e.id, "approved_by": {"user_id": e.approved_by, "name": e.approved_by_name or ""},
            "approved_at": e.approved_at, "reason": e.reason, "old_due_at": e.old_due_at,
            "new_due_at": e.new_due_at, "breached_at": e.breached_at}


def workflow_fields(ticket: Ticket) -> dict:
    """The repair workflow's part of a ticket (snapshot and reply alike)."""
    return {
        "assignee": ({"user_id": ticket.assignee_id, "name": ticket.assignee_name or ""}
                     if ticket.assignee_id else None),
        "dispatched_at": ticket.dispatched_at, "accepted_at": ticket.accepted_at,
        "arrived_at": ticket.arrived_at, "completed_at": ticket.completed_at,
        "work_note": ticket.work_note, "materials": ticket.materials, "rating": ticket.rating,
        "comment": ticket.comment, "confirmed_at": ticket.confirmed_at, "closed_at": ticket.closed_at,
        "cancel_reason": ticket.cancel_reason,
    }


def record_changed(work: Work, ticket: Ticket) -> None:
    """Publish the ticket's new state (``ticket.changed``), after every change."""
    work.session.flush()
    work.events.record(events.TICKET_CHANGED, snapshot(ticket), group_id=ticket.group_id,
                       project_id=ticket.project_id)


def export_snapshots(work: Work, after: str | None, limit: int, project_id: str | None = None) -> list[dict]:
    """A page of current ticket snapshots in id order after ``after`` (the platform only:
    read models rebuild from it)."""
    return [snapshot(t) for t in snapshot_page(work, Ticket, after=after, limit=limit, project_id=project_id)]


def _log(ticket: Ticket, actor: Caller, at: datetime, action: str, note: str = "") -> TicketLog:
    return TicketLog(id=str(uuid.uuid4()), group_id=ticket.group_id, project_id=ticket.project_id,
                     at=at, actor_id=actor.user_id, actor_name=actor.name, action=action, note=note)


# -- engineering has the order ------------------------------------------------

def engineering_notified(work: Work, ticket_id: str, at: datetime, via: str) -> Ticket | None:
    """Stop the 2-minute clock and start the on-site / reply clocks from the real notice time."""
    # the ticket with its deadlines and history (both change, and ticket.changed carries them)
    # in one query, instead of a lazy load of each collection
    # (the clocks' approved overruns joined too: the snapshot lists them)
    ticket = work.session.scalars(select(Ticket).where(Ticket.id == ticket_id).options(
        joinedload(Ticket.deadlines).joinedload(TicketDeadline.extensions),
        joinedload(Ticket.history))).unique().first()
    if ticket is None:
        return None
    if ticket.engineering_notified_at is not None and ticket.engineering_notified_at <= at:
        return ticket
    minutes = sla_minutes(work, ticket.project_id)       # read before the ticket changes
    ticket.engineering_notified_at = at
    clocks.meet(ticket, sla.NOTIFY_ENGINEERING, at)
    for deadline in ticket.deadlines:
        if deadline.met_at is None and deadline.cancelled_at is None:
            rebased = sla.rebased_on_notice(deadline.kind, at, minutes)
            if rebased is not None:
                clocks.move(work, deadline, rebased, started_at=at)
    system = Caller.system(ticket.group_id, "notify")
    move = workflow.step(ticket.status, workflow.ENGINEERING_NOTIFIED, ticket.kind)
    if move is not None:
        # still recorded: the notice dispatches it (to the duty phone: no technician named yet,
        # unless the project has the on-duty technician assigned at once)
        note = via
        if ticket.assignee_id is None and duty.auto_assign_on_notice(work, ticket.project_id):
            chosen = duty.choose(work, _project(work, ticket.project_id), ticket.category, at)
            if chosen is not None:
                ticket.assignee_id, ticket.assignee_name = chosen.technician_id, chosen.technician_name
                note = f"{via}; 值班派工：{chosen.technician_name or chosen.technician_id}"
        _move(work, ticket, move.to, workflow.ENGINEERING_NOTIFIED, system, at, note)
        ticket.dispatched_at = ticket.dispatched_at or at
    else:
        # dispatched by hand already (or further along): the notice is bookkeeping only
        ticket.history.append(_log(ticket, system, at, "engineering_notified", via))
    ticket.updated_at = work.clock.now()
    ticket.version += 1
    record_changed(work, ticket)
    return ticket


# -- the repair workflow (domain/workflow.py's table) -----------------------------------

def _move(work: Work, ticket: Ticket, to: str, action: str, actor: Caller, at: datetime,
          note: str = "") -> None:
    """The one place a ticket's state changes: history row + ``ticket.status_changed`` (the
    caller bumps ``version`` and records ``ticket.changed``)."""
    before = ticket.status
    ticket.status = to
    ticket.history.append(_log(ticket, actor, at, action, note))
    work.events.record(events.TICKET_STATUS_CHANGED, {
        "ticket_id": ticket.id, "group_id": ticket.group_id, "project_id": ticket.project_id,
        "unit_id": ticket.unit_id, "kind": ticket.kind, "category": ticket.category,
        "household_id": ticket.household_id, "reporter_phone": ticket.reporter_phone,
        "number": ticket.number, "from_": before, "to": to,
        "action": action, "actor": {"user_id": actor.user_id, "name": actor.name or ""},
        "at": at, "note": note, "version": ticket.version + 1,
        "assignee": {"user_id": ticket.assignee_id, "name": ticket.assignee_name or ""}
        if ticket.assignee_id else None,
        **_revisit_facts(work, ticket),
    }, group_id=ticket.group_id, project_id=ticket.project_id)


def _revisit_facts(work: Work, ticket: Ticket) -> dict:
    """A revisit's due time and the ticket it revisits (``ticket.status_changed``: notify's revisit
    request names them); nulls for the other kinds."""
    if ticket.kind != "revisit":
        return {"due_at": None, "revisited": None}
    revisit = work.session.get(Revisit, ticket.id)
    if revisit is None:
        return {"due_at": None, "revisited": None}
    source = work.session.get(Ticket, revisit.source_ticket_id) if revisit.source_ticket_id else None
    return {"due_at": revisit.due_at,
            "revisited": {"ticket_id": source.id, "number": source.number, "kind": source.kind,
                          "category": source.category} if source is not None else None}


def _party(work: Work, ticket: Ticket, who: frozenset, action: str = "") -> str:
    """Which of the step's parties the caller is, or a typed refusal."""
    caller = work.caller
    if caller.is_resident:
        if workflow.RESIDENT in who:
            return workflow.RESIDENT
        raise NotYourStep("staff take this step, not the resident")
    if workflow.DISPATCHER in who and caller.has_role(*workflow.DISPATCH_ROLES):
        return workflow.DISPATCHER
    if workflow.ASSIGNEE in who:
        if ticket.assignee_id == caller.user_id:
            return workflow.ASSIGNEE
        if ticket.assignee_id is None and caller.has_role(Role.ENGINEERING, Role.ENGINEERING_MANAGER):
            return workflow.ASSIGNEE          # takes an order dispatched to the duty phone
        if caller.has_role(Role.ENGINEERING, Role.ENGINEERING_MANAGER):
            raise NotAssignedToYou(f"ticket {ticket.number} is assigned to {ticket.assignee_name or 'another technician'}",
                                   zh=f"工单 {ticket.number} 已派给{ticket.assignee_name or '其他维修人员'}，只能处理派给自己的工单")
    if workflow.MANAGER in who and caller.has_role(Role.ENGINEERING_MANAGER):
        return workflow.MANAGER
    if (action == workflow.CONFIRM and ticket.unit_id is None and ticket.reporter_user_id is None
            and caller.has_role(*workflow.DISPATCH_ROLES)):
        # a request tied to no household (a passer-by's call about a public area): nobody could sign
        # in the portal, so the desk records the reporter's sign-off on the paper order
        return workflow.DISPATCHER
    if who == {workflow.RESIDENT}:
        raise NotYourStep("the resident takes this step (signs, rates, consents to or refuses a quote)")
    caller.require_role(*workflow.DISPATCH_ROLES)   # a staff role with no part: 403
    if who == {workflow.MANAGER}:
        raise NotYourStep("the engineering manager takes this step")
    raise NotYourStep("this step is the assigned technician's")


def _check_guard(ticket: Ticket, guard: str | None) -> None:
    """The condition a row of the table needs on the ticket (``workflow.GUARDS``), or its refusal."""
    if guard == workflow.CHARGEABLE:
        if ticket.category != paid.PAID:
            raise NotAPaidRepair(f"ticket {ticket.number} is a {ticket.category} repair; only a paid "
                                 "in-home repair is quoted",
                                 zh=f"工单 {ticket.number} 是 {ticket.category} 类维修，只有有偿入户维修才需要报价")
        if ticket.charge is not None:
            raise AlreadyCharged(f"ticket {ticket.number} was charged already; a reopened paid repair "
                                 "is rework on the same order (new paid work is a new request)",
                                 zh=f"工单 {ticket.number} 已收费，返修不再重复收费（新的有偿维修请另行报修）")
    elif guard == workflow.NO_CONSENT_NEEDED:
        if ticket.category == paid.PAID and ticket.charge is None:
            raise ConsentRequired(f"ticket {ticket.number} is a paid repair: quote it and have the "
                                  "resident consent before completing it",
                                  zh=f"工单 {ticket.number} 是有偿维修，须先报价并经业主确认后方可完工")
    elif guard == workflow.NOT_COVERED:
        if ticket.category != paid.NOT_COVERED:
            raise NotCoveredOnly(f"ticket {ticket.number} is a {ticket.category} repair; the advice "
                                 "reply closes not-covered requests only",
                                 zh=f"工单 {ticket.number} 是 {ticket.category} 类维修，工程经理意见只能用于关闭不属于维修范围的报事")
    elif guard is not None:
        raise ValueError(f"unknown guard {guard!r}")


def _refused(ticket: Ticket, action: str) -> Exception:
    """The typed refusal of a step not in the table."""
    if workflow.REFUSALS.get((ticket.status, action)) == workflow.CONSENT_REQUIRED:
        return ConsentRequired(f"ticket {ticket.number}'s quote waits for the resident's consent; "
                               "it is completed only once they consented",
                               zh=f"工单 {ticket.number} 的报价尚待业主确认，确认后方可完工",
                               details={"status": ticket.status, "action": action})
    return TransitionNotAllowed(f"no step {action!r} from a {ticket.status!r} repair",
                                zh=f"维修工单处于 {ticket.status} 状态，不能办理 {action}",
                                details={"status": ticket.status, "action": action})


def _same_household(work: Work, ticket: Ticket) -> None:
    """A resident answers a quote only for the household the ticket is theirs: a later household
    of the unit is answered as for a ticket that does not exist."""
    if ticket.household_id is None or not ticket.unit_id:
        return
    unit = work.session.get(UnitCopy, ticket.unit_id)
    if unit is not None and unit.household_id not in (None, ticket.household_id):
        raise TicketNotFound(f"no ticket {ticket.id}")


def _assign_on_duty(work: Work, ticket: Ticket, at: datetime):
    """The on-duty technician for the ticket's category with the fewest open orders."""
    chosen = duty.choose(work, _project(work, ticket.project_id), ticket.category, at)
    if chosen is None:
        raise NoOneOnDuty(f"nobody on the on-duty list takes {ticket.category} repairs now; name the "
                          "technician", zh=f"此时段值班表上没有负责 {ticket.category} 类维修的人员，请指定维修人员", details={"category": ticket.category})
    return chosen


def _ticket_for_change(work: Work, ticket_id: str) -> Ticket:
    """The ticket, if in the caller's scope (a resident sees only their household's: another's
    is answered like a missing id); row-locked on PostgreSQL so two steps do not race."""
    query = select(Ticket).where(Ticket.id == ticket_id)
    if work.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    ticket = work.session.scalars(query).first()
    if ticket is None:
        raise TicketNotFound(f"no ticket {ticket_id}")
    return get_ticket(work, ticket_id)


def transition(work: Work, ticket_id: str, action: str, data: dict) -> Ticket:
    """Take one step of the repair workflow (``workflow.TABLE``); anything else is refused."""
    ticket = _ticket_for_change(work, ticket_id)
    caller, now = work.caller, work.clock.now()
    if ticket.kind != "repair":
        # a complaint, quality complaint or revisit takes its own table's steps, never a repair's
        raise TransitionNotAllowed(f"ticket {ticket.number} is a {ticket.kind}, not a repair: it takes its "
                                   f"own steps", code="not_a_repair",
                                   zh=f"工单 {ticket.number} 是 {ticket.kind}，不是维修工单，不能办理维修步骤",
                                   details={"kind": ticket.kind, "status": ticket.status, "action": action})
    if action == workflow.RATE and ticket.rating is not None:
        raise AlreadyRated(f"ticket {ticket.number} is rated already", zh=f"工单 {ticket.number} 已评价过，不能重复评价")
    move = workflow.step(ticket.status, action)
    if move is None:
        raise _refused(ticket, action)
    party = _party(work, ticket, move.who, action)
    _check_guard(ticket, move.guard)
    if party == workflow.RESIDENT and action in (workflow.CONSENT, workflow.REFUSE):
        _same_household(work, ticket)
    note = (data.get("note") or "").strip()
    before = ticket.status
    if action == workflow.DISPATCH:
        if data.get("assignee_id"):
            ticket.assignee_id, ticket.assignee_name = data["assignee_id"], data.get("assignee_name") or ""
            note = note or f"派给 {ticket.assignee_name or ticket.assignee_id}"
        else:
            chosen = _assign_on_duty(work, ticket, now)
            ticket.assignee_id, ticket.assignee_name = chosen.technician_id, chosen.technician_name
            note = note or f"值班派工：{chosen.technician_name or chosen.technician_id}"
        ticket.dispatched_at = now
    elif action == workflow.ACCEPT:
        if ticket.assignee_id is None:
            ticket.assignee_id, ticket.assignee_name = caller.user_id, caller.name
        ticket.accepted_at = now
    elif action == workflow.ARRIVE:
        ticket.arrived_at = now
        clocks.meet(ticket, sla.ON_SITE, now)
        clocks.meet(ticket, sla.ARRIVE_BEFORE, now)
    elif action == workflow.COMPLETE:
        ticket.completed_at, ticket.work_note = now, data["work_done"]
        ticket.materials = [{"name": m["name"], "quantity": m["quantity"], "unit": m["unit"]}
                            for m in data.get("materials") or ()]
        note = note or data["work_done"][:200]
        if before == workflow.CONSENTED:
            charge = paid.post_charge(work, ticket, now)
            note = f"{note}; charge {charge.total} {charge.currency}"
    elif action == workflow.QUOTE:
        quote = paid.quote(work, ticket, data["lines"], note, now)
        note = f"quote {quote.revision}: {quote.total} {paid.CURRENCY}" + (f"; {note}" if note else "")
    elif action == workflow.CONSENT:
        quote = paid.decide(work, ticket, data["quote_id"], True, now)
        note = note or f"consented to quote {quote.revision}: {quote.total} {paid.CURRENCY}"
    elif action == workflow.REFUSE:
        paid.decide(work, ticket, data["quote_id"], False, now, reason=data["reason"])
        ticket.cancel_reason = data["reason"]
        clocks.cancel_running(ticket, now)
        note = note or data["reason"][:200]
    elif action == workflow.REPLY:
        paid.reply(work, ticket, data["advice"], now)
        clocks.meet(ticket, sla.REPLY, now)
        note = note or data["advice"][:200]
    elif action == workflow.CONFIRM:
        ticket.confirmed_at = now
    elif action == workflow.RATE:
        ticket.rating, ticket.comment = data["rating"], data.get("comment")
        note = note or f"{data['rating']}/5" + (f": {data['comment'][:200]}" if data.get("comment") else "")
    elif action == workflow.CANCEL:
        ticket.cancel_reason = data["reason"]
        clocks.cancel_running(ticket, now)
        note = note or data["reason"][:200]
    elif action == workflow.REOPEN:
        days = work.settings.values(ticket.project_id)[sla.REOPEN_DAYS]
        if ticket.closed_at is None or now - ticket.closed_at > timedelta(days=days):
            raise ReopenWindowClosed(f"ticket {ticket.number} closed more than {days} days ago; "
                                     "report a new repair",
                                     zh=f"工单 {ticket.number} 关闭已超过 {days} 天，不能重新打开，请重新报修")
        ticket.closed_at, ticket.confirmed_at, ticket.rating, ticket.comment = None, None, None, None
        ticket.completed_at = None
        note = note or (data.get("reason") or "")
    if move.to == workflow.CLOSED and ticket.closed_at is None:
        ticket.closed_at = now
    _move(work, ticket, move.to, action, caller, now, note)
    ticket.updated_at = now
    ticket.version += 1
    # revisits (回访): work done starts the unsigned / maintenance checks; a signature without a
    # rating, or a dissatisfied rating, schedules a revisit (domain/revisits.py)
    revisits.after_repair_step(work, ticket, action)
    record_changed(work, ticket)
    return ticket


# -- a resident's household ------------------------------------------------------

def resident_household(work: Work, unit_id: str) -> str | None:
    """The household whose records a resident of ``unit_id`` reads: the one their scope is bound
    to (``Caller.households``, signed by the gateway), else -- an unbound scope -- the unit's
    current household as this service knows it; None: unknown (the unit's records all read)."""
    bound = work.caller.household_of(unit_id)
    if bound is not None:
        return bound
    unit = work.session.get(UnitCopy, unit_id)
    return unit.household_id if unit is not None else None


def sees_record(work: Work, record) -> bool:
    """The one rule for a resident's read of a unit's record (a ticket of any kind, a goods
    release): their unit, and filed by their household -- never an earlier household's of the
    same unit (before a transfer 过户 or a move-out 迁出); a record of no household is the unit's.
    Staff: as for the project (``Caller.sees_household``)."""
    caller = work.caller
    current = None
    if caller.is_resident and record.unit_id and caller.household_of(record.unit_id) is None:
        current = resident_household(work, record.unit_id)
    return caller.sees_household(record.group_id, record.project_id, record.unit_id, record.household_id,
                                 current=current)


def resident_condition(work: Work, unit_column, household_column, unit_ids) -> object:
    """The SQL condition of :func:`sees_record` for a resident's list over ``unit_ids`` (theirs):
    per unit, its records of no household or of the resident's household."""
    caller = work.caller
    wanted = sorted(u for u in unit_ids if u in caller.unit_ids)
    if not wanted:
        return false()
    terms = []
    for unit_id in wanted:
        household = resident_household(work, unit_id)
        terms.append(unit_column == unit_id if household is None else
                     and_(unit_column == unit_id,
                          or_(household_column.is_(None), household_column == household)))
    return or_(*terms)


# -- reads --------------------------------------------------------------------

def get_ticket(work: Work, ticket_id: str) -> Ticket:
    ticket = work.session.get(Ticket, ticket_id)
    caller = work.caller
    if ticket is None:
        raise TicketNotFound(f"no ticket {ticket_id}")
    if caller.is_resident:
        # their household's only: an earlier household's ticket of the unit reads like a missing id
        if not (ticket.unit_id and sees_record(work, ticket)):
            raise TicketNotFound(f"no ticket {ticket_id}")
    else:
        in_project(work, ticket.group_id, ticket.project_id, not_found=TicketNotFound(f"no ticket {ticket_id}"))
    if ticket.kind in workflow.hidden_kinds(caller):
        if caller.is_resident:
            raise TicketNotFound(f"no ticket {ticket_id}")
        caller.require_role(*workflow.READERS[ticket.kind])
    return ticket


def list_tickets(work: Work, *, project_id: str | None = None, unit_id: str | None = None,
                 status: str | None = None, open_only: bool = False, kind: str | None = None,
                 category: str | None = None, channel: str | None = None,
                 assignee_id: str | None = None, received_from: datetime | None = None,
                 received_to: datetime | None = None, sla_state: str | None = None, limit: int = 50,
                 offset: int = 0, where: tuple = ()) -> tuple[list[Ticket], int]:
    """A page of tickets in the caller's scope; ``where``: a kind's own conditions on ``Ticket``
    (e.g. a complaint's class)."""
    caller = work.caller
    query = select(Ticket).where(*where)
    if unit_id:
        unit = work.session.get(UnitCopy, unit_id)
        if unit is None:
            raise _no_unit(unit_id)
        caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=_no_unit(unit_id))
        query = query.where(Ticket.unit_id == unit.id)
        if caller.is_resident:
            query = query.where(resident_condition(work, Ticket.unit_id, Ticket.household_id, [unit.id]))
    elif caller.is_resident:
        query = query.where(resident_condition(work, Ticket.unit_id, Ticket.household_id, caller.unit_ids),
                            Ticket.group_id == caller.group_id)
    elif project_id:
        project = _project(work, project_id)
        caller.require_project(project.group_id, project.id, not_found=_no_project(project_id))
        query = query.where(Ticket.project_id == project.id)
    else:
        caller.require_staff()
        if not caller.is_system:
            query = query.where(Ticket.group_id == caller.group_id)
        if not (caller.is_system or caller.all_projects):
            query = query.where(Ticket.project_id.in_(caller.project_ids))
    if project_id and (unit_id or caller.is_resident):
        # a filter is a filter: a resident's (or a unit's) tickets in that project -- none when the
        # project is not theirs, never their whole list as if the filter were not there
        query = query.where(Ticket.project_id == project_id)
    hidden = workflow.hidden_kinds(caller)
    if hidden:
        query = query.where(Ticket.kind.notin_(hidden))
    if status:
        query = query.where(Ticket.status == status)
    elif open_only:
        query = query.where(Ticket.status.in_(workflow.all_open_states()))
    for column, value in ((Ticket.kind, kind), (Ticket.category, category), (Ticket.channel, channel),
                          (Ticket.assignee_id, assignee_id)):
        if value:
            query = query.where(column == value)
    if received_from:
        query = query.where(Ticket.received_at >= received_from)
    if received_to:
        query = query.where(Ticket.received_at < received_to)
    if sla_state:
        query = query.where(*_sla_state_filter(sla_state, work.clock.now()))
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    tickets = work.session.scalars(query.order_by(Ticket.recorded_at.desc(), Ticket.number.desc())
                                   .limit(limit).offset(offset)).all()
    revisits.preload(work, tickets)          # a page's revisit rows in one query
    return tickets, total


def _sla_state_filter(wanted: str, now: datetime) -> tuple:
    """Conditions for tickets whose worst clock is ``wanted`` (kernel.deadlines: breached >
    late > pending > met), as indexed EXISTS subqueries on the deadline rows. A cancelled clock is
    none of them: ``met`` needs a clock met in time -- a task or ticket cancelled (its clocks
    cancelled, even past their due time) is neither met nor breached."""
    def rows(*where):
        return select(TicketDeadline.id).where(TicketDeadline.ticket_id == Ticket.id, *where).exists()

    breached = rows(TicketDeadline.met_at.is_(None), TicketDeadline.cancelled_at.is_(None),
                      TicketDeadline.due_at < now)
    late = rows(TicketDeadline.met_at > TicketDeadline.due_at)
    running = rows(TicketDeadline.met_at.is_(None), TicketDeadline.cancelled_at.is_(None))
    met = rows(TicketDeadline.met_at.is_not(None))
    return {deadlines.BREACHED: (breached,),
            deadlines.LATE: (~breached, late),
            deadlines.PENDING: (~breached, ~late, running),
            deadlines.MET: (met, ~late, ~running)}[wanted]


def ticket_view(ticket: Ticket, now: datetime, caller: Caller) -> dict:
    """The ticket as ``caller`` may see it: the reporter's phone by the one masking rule
    (kernel.privacy) -- in full for the customer-service desk and the household itself; the step log's
    free text (each history entry's ``note``) as written for the desk only, every other reader (the
    household too) with the ID numbers and mobiles typed into it masked (``privacy.free_text_for``)."""
    own = caller.is_resident and caller.sees_household(ticket.group_id, ticket.project_id, ticket.unit_id,
                                                       ticket.household_id)
    return {
        "id": ticket.id, "number": ticket.number, "kind": ticket.kind, "category": ticket.category,
        "channel": ticket.channel, "status": ticket.status, "group_id": ticket.group_id,
        "project_id": ticket.project_id, "unit_id": ticket.unit_id, "unit_label": ticket.unit_label,
        "household_id": ticket.household_id, "location": ticket.location, "content": ticket.content,
        "reporter": {"name": ticket.reporter_name,
                     "phone": privacy.phone_for(caller, ticket.reporter_phone, own)},
        "appointment_at": ticket.appointment_at, "received_at": ticket.received_at,
        "recorded_at": ticket.recorded_at, "engineering_notified_at": ticket.engineering_notified_at,
        "deadlines": [{**deadline_fields(d), "state": deadlines.state(d.due_at, d.met_at, now, d.cancelled_at)}
                      for d in ticket.deadlines],
        "history": [{"at": h.at, "action": h.action, "actor": h.actor_name or h.actor_id,
                     "note": privacy.free_text_for(caller, h.note)} for h in ticket.history],
        **workflow_fields(ticket),
        **parts(ticket),
        "version": ticket.version,
    }


# revisits (回访) hook into the workflow above (``after_repair_step``) and add the "revisit" part;
# imported last: it builds on this module
from . import revisits  # noqa: E402
