"""Revisits (回访): the project's revisits due and overdue, by steward; assigning, recording
(quality, effect, satisfaction, shortcomings, suggestions -- a dissatisfied one opens a complaint),
unreachable and cancelled; the month's repair revisit rate against the target. tickets'
``domain/revisits.py`` holds the rules (and who may take which step)."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule, audit_contacts_read
from .tickets import TicketRoutes

READERS = "steward, CS manager, centre manager (and the GM / group admin)"


class RevisitRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/revisits", tags=("revisits",),
           summary=f"The project's revisits: due or overdue, by steward, reason, status ({READERS})",
           query=s.RevisitQuery, response=s.TicketListOut, errors=(403, 404),
           description="Revisit tickets (kind revisit, numbers HF-) newest first, paged; due = still to do "
                       "and inside its due time, overdue = still to do and past it; assignee_id = the "
                       "steward. The same tickets are in GET /tickets?kind=revisit.")
    def revisits(self, request, user, project_id, query):
        page = self._as(user)("tickets", "list_revisits", project_id, s.RevisitQuery().dump(query))
        audit_contacts_read(user, "revisits", len(page.get("items") or ()), project_id=project_id, **query)
        return page

    @route("GET", f"{V1}/projects/{{project_id}}/revisit-figures", tags=("revisits",),
           summary=f"The month's repair revisit rate against the project's target ({READERS})",
           query=s.RevisitFiguresQuery, response=s.RevisitFiguresOut, errors=(403, 404))
    def revisit_figures(self, request, user, project_id, query):
        return self._as(user)("tickets", "revisit_figures", project_id, query["month"])

    def _revisit_step(self, user, ticket_id, action, body, idempotency_key):
        reply = self._as(user)("tickets", "revisit_step", ticket_id, dict(body, action=action),
                               idempotency_key=idempotency_key)
        return TicketRoutes._project_ticket(self, reply, user)

    @route("POST", f"{V1}/revisits/{{ticket_id}}/assign", tags=("revisits",),
           summary="Assign a scheduled revisit to a steward (CS manager, centre manager)",
           body=s.RevisitAssignIn, response=s.TicketOut, errors=(403, 404, 409, 422), idempotent=True)
    def assign_revisit(self, request, user, ticket_id, body, idempotency_key):
        data = s.RevisitAssignIn().dump(body)
        data["assignee_name"] = self._colleague(user, data["assignee_id"],
                                                frozenset({"steward", "cs_manager", "centre_manager"}))
        return self._revisit_step(user, ticket_id, "assign", data, idempotency_key)

    @route("POST", f"{V1}/revisits/{{ticket_id}}/record", tags=("revisits",),
           summary="Record a revisit: quality and effect 1-5, satisfaction, shortcomings, suggestions "
                   "(steward -- the assignee, or anyone while unassigned --, CS manager, centre manager); "
                   "dissatisfied opens a complaint linked to it",
           body=s.RevisitRecordIn, response=s.TicketOut, errors=(403, 404, 409, 422), idempotent=True)
    def record_revisit(self, request, user, ticket_id, body, idempotency_key):
        return self._revisit_step(user, ticket_id, "record", s.RevisitRecordIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/revisits/{{ticket_id}}/unreachable", tags=("revisits",),
           summary="The household could not be reached, with the reason (steward, CS manager, centre "
                   "manager); recorded later if reached after all",
           body=s.ReasonIn, response=s.TicketOut, errors=(403, 404, 409, 422), idempotent=True)
    def revisit_unreachable(self, request, user, ticket_id, body, idempotency_key):
        return self._revisit_step(user, ticket_id, "unreachable", s.ReasonIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/revisits/{{ticket_id}}/cancel", tags=("revisits",),
           summary="Cancel a scheduled revisit with the reason (CS manager, centre manager)",
           body=s.ReasonIn, response=s.TicketOut, errors=(403, 404, 409, 422), idempotent=True)
    def cancel_revisit(self, request, user, ticket_id, body, idempotency_key):
        return self._revisit_step(user, ticket_id, "cancel", s.ReasonIn().dump(body), idempotency_key)
