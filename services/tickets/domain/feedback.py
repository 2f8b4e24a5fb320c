"""Praise and suggestions (表扬与建议, DOMAIN.md "Resident archive": the household's letters --
complaints, praise, suggestions -- and the company's replies; seed 003: the service centre takes
业主来访、来电、来函、网络等投诉、建议; seed 004: 对顾客提出的建议、意见、投诉要认真倾听，详细记录，
及时处理).

A piece of feedback is a ``Ticket`` of kind ``feedback`` (numbered ``BJ-YYYYMMDD-NNNN``; its
category is the sub-kind) with a ``Feedback`` row and its own transition table (:data:`TABLE`,
registered in ``workflow.TABLES``)::

    received --acknowledge--> acknowledged --forward--> forwarded --reply--> replied --close--> closed
    received --forward--> forwarded;   received / acknowledged --reply--> replied;
    replied --forward--> replied (praise thanked first, passed on after);
    cancel (withdrawn, with a reason) before the reply.

- **praise** (表扬): may name staff (by name, optionally their user id) and / or a department;
  it is forwarded to them (``forward``: to whom, recorded) and answered with the company's thanks
  (``reply``). A praise that names someone is closed only once forwarded (``praise_not_forwarded``).
- **suggestion** (建议): gets a written reply (``reply``), **adopted** (采纳) or **not adopted**
  (不采纳) -- not adopted always with the reason. It may be forwarded to the department concerned
  first. Its reply is on a clock: ``feedback.suggestion_reply_days`` calendar days from when it came
  in (the brief gives no figure: **7 days is our default**), on the SLA engine
  (``domain/clocks.py``: warning, breach, approved overrun), the customer-service manager answerable.

Who takes a step (parties of :data:`TABLE`):

- ``desk``: front desk, steward, CS manager, service-centre manager (acknowledge, forward,
  reply, close, cancel); the GM replies too;
- ``resident``: the household itself (submits from the portal for its own unit; withdraws before
  the service centre acknowledges it).

Registered by a resident (their unit, channel ``portal``) or by the desk (any channel -- phone,
visit, letter, app -- for a unit or, with no unit, for the project). The reply is a
``TicketDocument`` (kind ``feedback_reply``); ``feedback.received`` and ``feedback.replied`` let
archive file both in the household's correspondence (the project's, with no unit).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import object_session

from kernel.tenancy import Role
from kernel.work import Work

from .. import events
from ..exceptions import BadDecision, NotYourStep, PraiseNotForwarded, TicketNotFound
from ..models import Feedback, Ticket
from . import clocks, complaints, feedback_sla, repairs, workflow

KIND = "feedback"
PRAISE, SUGGESTION = "praise", "suggestion"
SUB_KINDS = (PRAISE, SUGGESTION)
#: a suggestion's decision: adopted (采纳) / not adopted (不采纳, with the reason)
ADOPTED, NOT_ADOPTED = "adopted", "not_adopted"
DECISIONS = (ADOPTED, NOT_ADOPTED)

RECEIVED, ACKNOWLEDGED, FORWARDED, REPLIED, CLOSED, CANCELLED = (
    "received", "acknowledged", "forwarded", "replied", "closed", "cancelled")
STATES = (RECEIVED, ACKNOWLEDGED, FORWARDED, REPLIED, CLOSED, CANCELLED)
#: states still waiting for the company's reply
OPEN_STATES = (RECEIVED, ACKNOWLEDGED, FORWARDED)

ACKNOWLEDGE, FORWARD, REPLY, CLOSE, CANCEL = "acknowledge", "forward", "reply", "close", "cancel"
ACTIONS = (ACKNOWLEDGE, FORWARD, REPLY, CLOSE, CANCEL)

DESK, RESIDENT = "desk", workflow.RESIDENT
#: staff who record feedback and move it along (总台 / 管家 / 客服部经理 / 服务中心经理)
DESK_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who may write the company's reply (the desk and the general manager)
REPLY_ROLES = DESK_ROLES + (Role.GENERAL_MANAGER,)
#: how feedback comes in: staff record a call, a visit, a letter or a message through the app; a
#: resident's own is ``portal``
STAFF_CHANNELS = ("phone", "visit", "letter", "app")
CHANNELS = ("portal",) + STAFF_CHANNELS

_step = workflow._step
TABLE: dict[tuple[str, str], workflow.Step] = {
    (RECEIVED, ACKNOWLEDGE): _step(ACKNOWLEDGED, DESK),
    (RECEIVED, FORWARD): _step(FORWARDED, DESK),
    (ACKNOWLEDGED, FORWARD): _step(FORWARDED, DESK),
    (FORWARDED, FORWARD): _step(FORWARDED, DESK),               # to someone else as well
    (REPLIED, FORWARD): _step(REPLIED, DESK),                   # praise thanked first, passed on after
    (RECEIVED, REPLY): _step(REPLIED, DESK),
    (ACKNOWLEDGED, REPLY): _step(REPLIED, DESK),
    (FORWARDED, REPLY): _step(REPLIED, DESK),
    (REPLIED, CLOSE): _step(CLOSED, DESK),
    (RECEIVED, CANCEL): _step(CANCELLED, RESIDENT, DESK),
    (ACKNOWLEDGED, CANCEL): _step(CANCELLED, DESK),
    (FORWARDED, CANCEL): _step(CANCELLED, DESK),
}
workflow.register(KIND, TABLE, OPEN_STATES)
repairs.NUMBER_PREFIX[KIND] = "BJ"

# -- the clock (its figure: feedback_sla.py) -------------------------------------------------
REPLY_CLOCK, SUGGESTION_REPLY_DAYS = feedback_sla.REPLY_CLOCK, feedback_sla.SUGGESTION_REPLY_DAYS


def reply_due(work: Work, project, received_at: datetime) -> datetime:
    """When a suggestion's reply is due: N calendar days after it came in."""
    return clocks.due_after(work, project, received_at,
                            work.settings.values(project.id)[SUGGESTION_REPLY_DAYS], "days")


# -- registration ---------------------------------------------------------------------------

def register(work: Work, data: dict) -> Ticket:
    """Record praise or a suggestion (表扬 / 建议登记); publish ``feedback.received``.

    ``data``: ``sub_kind`` (praise|suggestion), ``unit_id`` (or, staff only, ``project_id`` with no
    unit), ``channel`` (staff: phone|visit|letter|app), ``content``, ``named_staff`` (praise:
    ``[{"name", "user_id"?}]``), ``department`` (praise: the department praised), ``reporter_name``,
    ``reporter_phone``, ``received_at`` (staff only, within 2 days back)."""
    source = complaints.intake(work, data, staff_roles=DESK_ROLES, unit_required=(
        "a resident's praise or suggestion is submitted for one of their units (unit_id); the service "
        "centre records one about the project as a whole"))
    if not work.caller.is_resident:
        source["channel"] = data.get("channel") or "visit"
    project, received_at, now = source["project"], source["received_at"], work.clock.now()
    sub_kind = data["sub_kind"]
    ticket = complaints.new_ticket(work, KIND, source, category=sub_kind, status=RECEIVED,
                                   content=data["content"])
    named = [{"name": p["name"], "user_id": p.get("user_id")} for p in data.get("named_staff") or ()]
    row = Feedback(ticket_id=ticket.id, group_id=ticket.group_id, project_id=ticket.project_id,
                   sub_kind=sub_kind, named_staff=named if sub_kind == PRAISE else [],
                   department=data.get("department") if sub_kind == PRAISE else None)
    if sub_kind == SUGGESTION:
        clocks.start(work, ticket, REPLY_CLOCK, reply_due(work, project, received_at), started_at=received_at,
                     responsible_role=Role.CS_MANAGER)
    who = ", ".join(p["name"] for p in named) if named else ""
    ticket.history.append(repairs._log(ticket, work.caller, now, "received",
                                       f"{source['channel']}: {sub_kind}" + (f" ({who})" if who else "")))
    work.session.add(ticket)
    work.session.flush()
    work.session.add(row)
    work.session.flush()
    repairs.record_changed(work, ticket)
    work.events.record(events.FEEDBACK_RECEIVED, received_payload(ticket, row),
                       group_id=ticket.group_id, project_id=ticket.project_id)
    return ticket


def received_payload(ticket: Ticket, row: Feedback) -> dict:
    """``feedback.received``: what archive files (no phone number)."""
    return {
        "ticket_id": ticket.id, "number": ticket.number, "sub_kind": row.sub_kind,
        "group_id": ticket.group_id, "project_id": ticket.project_id, "unit_id": ticket.unit_id,
        "unit_label": ticket.unit_label, "household_id": ticket.household_id, "channel": ticket.channel,
        "content": ticket.content, "reporter_name": ticket.reporter_name,
        "named_staff": [p["name"] for p in row.named_staff or ()], "department": row.department,
        "received_at": ticket.received_at, "recorded_at": ticket.recorded_at,
    }


# -- reads -------------------------------------------------------------------------------

def list_feedback(work: Work, *, sub_kind: str | None = None, **query) -> tuple[list[Ticket], int]:
    """Praise and suggestions through the ticket list's scope and filters (a resident: their
    units'; staff: their projects'), by sub-kind (the ticket's category) and status."""
    query.pop("kind", None)
    sub_kind = sub_kind or query.pop("category", None)
    query.pop("category", None)
    return repairs.list_tickets(work, where=(Ticket.kind == KIND,), category=sub_kind, **query)


def get_feedback(work: Work, ticket_id: str) -> Ticket:
    ticket = repairs.get_ticket(work, ticket_id)
    if ticket.kind != KIND:
        raise TicketNotFound(f"no praise or suggestion {ticket_id}")
    return ticket


# -- the workflow (TABLE) --------------------------------------------------------------------

def _party(work: Work, move: workflow.Step, action: str) -> str:
    caller = work.caller
    if caller.is_resident:
        if RESIDENT in move.who:
            return RESIDENT
        raise NotYourStep("the service centre takes this step, not the resident")
    caller.require_role(*(REPLY_ROLES if action == REPLY else DESK_ROLES))
    return DESK


def transition(work: Work, ticket_id: str, action: str, data: dict) -> Ticket:
    """Take one step of a praise or suggestion (:data:`TABLE`); anything else is a typed refusal.

    ``data`` per action: forward ``forwarded_to`` (whom: the staff praised, a department),
    reply ``body`` (+ ``title``; a suggestion: ``decision`` adopted|not_adopted, not adopted with
    ``reason``), cancel ``reason``; ``note`` on any."""
    ticket = repairs._ticket_for_change(work, ticket_id)
    if ticket.kind != KIND:
        raise TicketNotFound(f"no praise or suggestion {ticket_id}")
    row = work.session.get(Feedback, ticket.id)
    move = complaints.step_for(ticket, action)
    _party(work, move, action)
    caller, now = work.caller, work.clock.now()
    note = (data.get("note") or "").strip()
    if action == ACKNOWLEDGE:
        row.acknowledged_at = now
    elif action == FORWARD:
        to = data["forwarded_to"].strip()
        row.forwarded_to = to if not row.forwarded_to else f"{row.forwarded_to}; {to}"[:500]
        row.forwarded_at = row.forwarded_at or now
        note = note or f"转达 {to}"
    elif action == REPLY:
        decision = data.get("decision")
        if row.sub_kind == SUGGESTION and decision is None:
            raise BadDecision("a suggestion's reply says whether it is adopted (decision: adopted | "
                              "not_adopted, not adopted with the reason)")
        if row.sub_kind == PRAISE and decision is not None:
            raise BadDecision("praise is thanked, not adopted: no decision on praise")
        row.decision, row.decision_reason = decision, (data.get("reason") if decision == NOT_ADOPTED else None)
        title = data.get("title") or _reply_title(ticket, row)
        document = complaints.write_document(work, ticket, "feedback_reply", title, data["body"])
        row.replied_at = now
        clocks.meet(ticket, REPLY_CLOCK, now)
        note = note or title
        _replied(work, ticket, row, document)
    elif action == CLOSE:
        if row.sub_kind == PRAISE and (row.named_staff or row.department) and row.forwarded_at is None:
            raise PraiseNotForwarded(f"praise {ticket.number} names staff or a department: forward it to "
                                     "them before closing it",
                                     zh=f"表扬 {ticket.number} 提到了员工或部门，须先转达后方可关闭")
        ticket.closed_at = now
    elif action == CANCEL:
        ticket.cancel_reason = data["reason"]
        clocks.cancel_running(ticket, now)
        note = note or data["reason"]
    complaints.finish(work, ticket, move.to, action, caller, now, note[:500])
    return ticket


REPLY_TITLES = {PRAISE: "感谢表扬", ADOPTED: "建议已采纳", NOT_ADOPTED: "建议未采纳"}


def _reply_title(ticket: Ticket, row: Feedback) -> str:
    return f"{REPLY_TITLES[row.decision or PRAISE]} {ticket.number}"


def _replied(work: Work, ticket: Ticket, row: Feedback, document) -> None:
    """``feedback.replied``: archive files the company's reply next to the praise / suggestion."""
    caller = work.caller
    work.events.record(events.FEEDBACK_REPLIED, {
        "reply_id": document.id, "ticket_id": ticket.id, "number": ticket.number, "sub_kind": row.sub_kind,
        "group_id": ticket.group_id, "project_id": ticket.project_id, "unit_id": ticket.unit_id,
        "unit_label": ticket.unit_label, "household_id": ticket.household_id, "decision": row.decision,
        "reason": row.decision_reason, "title": document.title, "body": document.body,
        "document_id": document.id, "by": {"user_id": caller.user_id, "name": caller.name or ""},
        "at": work.clock.now(),
    }, group_id=ticket.group_id, project_id=ticket.project_id)


# -- the ticket's feedback part (snapshot and reply) ---------------------------------------------

def feedback_part(ticket: Ticket) -> dict | None:
    """``feedback`` of a ticket's snapshot: None for other kinds."""
    if ticket.kind != KIND:
        return None
    row = object_session(ticket).get(Feedback, ticket.id)
    if row is None:
        return None
    return {"sub_kind": row.sub_kind, "named_staff": list(row.named_staff or ()), "department": row.department,
            "acknowledged_at": row.acknowledged_at, "forwarded_at": row.forwarded_at,
            "forwarded_to": row.forwarded_to, "replied_at": row.replied_at, "decision": row.decision,
            "decision_reason": row.decision_reason}


repairs.PARTS["feedback"] = feedback_part
complaints.DOCUMENT_KINDS.add(KIND)      # its reply is one of the ticket's documents
