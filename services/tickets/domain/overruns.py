"""Approved overruns (超时审批, seed 000 §七: "overruns need the service-centre manager's
approval, recorded"): a clock of a ticket gets a later due time, with who approved it, when,
why, and the old and new due times (``deadline_extensions``, through ``clocks.extend``).

The ticket's reply and ``ticket.changed`` list every clock's extensions; the approval is also
a history entry and ``ticket.deadline_extended``. What the SLA sweep tells afterwards is in
``clocks``' module doc (a breach already told stays told; missing the new due time is told
again, naming the extension)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from kernel.work import Work

from .. import events
from ..exceptions import DeadlineNotFound
from ..models import ProjectCopy, Ticket
from . import clocks, repairs


def extend_deadline(work: Work, ticket_id: str, data: dict) -> Ticket:
    """Approve an overrun of the clock ``data["kind"]`` of the ticket: due at
    ``data["new_due_at"]`` from now on, for ``data["reason"]``.

    Refusals: the ticket out of the caller's scope or missing (404 ``ticket_not_found``), a
    caller who is not a service-centre manager / general manager (403), no clock of that
    kind (404 ``deadline_not_found``), a met or cancelled clock (409), a time not later than
    the current due time or not in the future (422) -- see :func:`clocks.extend`."""
    ticket = repairs._ticket_for_change(work, ticket_id)
    caller, now = work.caller, work.clock.now()
    caller.require_role(*clocks.APPROVER_ROLES)
    deadline = clocks.find(ticket, data["kind"])
    if deadline is None:
        raise DeadlineNotFound(f"ticket {ticket.number} has no {data['kind']!r} clock",
                               zh=f"工单 {ticket.number} 没有 {data['kind']} 时限",
                               details={"kinds": [d.kind for d in ticket.deadlines]})
    extension = clocks.extend(work, deadline, data["new_due_at"], data["reason"])
    project = work.session.get(ProjectCopy, ticket.project_id)
    tz = ZoneInfo(project.timezone if project is not None else "Asia/Shanghai")
    ticket.history.append(repairs._log(
        ticket, caller, now, "deadline_extended",
        f"{deadline.kind}: {extension.old_due_at.astimezone(tz):%Y-%m-%d %H:%M} -> "
        f"{extension.new_due_at.astimezone(tz):%Y-%m-%d %H:%M}: {extension.reason[:300]}"))
    ticket.updated_at = now
    ticket.version += 1
    work.events.record(events.TICKET_DEADLINE_EXTENDED, {
        "ticket_id": ticket.id, "number": ticket.number, "kind": ticket.kind, "group_id": ticket.group_id,
        "project_id": ticket.project_id, "unit_id": ticket.unit_id, "deadline_kind": deadline.kind,
        "extension_id": extension.id, "old_due_at": extension.old_due_at, "new_due_at": extension.new_due_at,
        "reason": extension.reason,
        "approved_by": {"user_id": extension.approved_by, "name": extension.approved_by_name},
        "approved_at": extension.approved_at, "responsible_role": deadline.responsible_role,
        "version": ticket.version,
    }, group_id=ticket.group_id, project_id=ticket.project_id)
    repairs.record_changed(work, ticket)
    return ticket
