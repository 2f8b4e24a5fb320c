"""Repairs (报修), tickets and the projects' SLA settings."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule, audit_contacts_read


class TicketRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/sla-settings", tags=("tickets",),
           summary="The project's SLA figures in minutes", response=s.SlaSettingsOut, errors=(404,))
    def sla_settings(self, request, user, project_id):
        return self._as(user)("tickets", "get_sla_settings", project_id)

    @route("PUT", f"{V1}/projects/{{project_id}}/sla-settings", tags=("tickets",),
           summary="Change one SLA figure of the project (centre manager)", body=s.SlaSettingIn,
           response=s.SlaSettingsOut, errors=(404,))
    def set_sla_setting(self, request, user, project_id, body):
        return self._as(user)("tickets", "set_sla_setting", dict(body, project_id=project_id))

    @route("POST", f"{V1}/repairs", summary="Report a repair (报修)", tags=("tickets",),
           body=s.RepairRequestIn, response=s.TicketOut, status=201, errors=(404, 422), idempotent=True)
    def open_repair(self, request, user, body, request_id):
        return self._as(user)("tickets", "open_repair",
                                 dict(s.RepairRequestIn().dump(body), request_id=request_id))

    @route("GET", f"{V1}/tickets", summary="Tickets in the caller's scope", tags=("tickets",),
           query=s.TicketQuery, response=s.TicketListOut, errors=(404,),
           description="Paged (limit <= 200, offset); each read is logged (reporters' contacts).")
    def tickets(self, request, user, query):
        page = self._as(user)("tickets", "list_tickets", s.TicketQuery().dump(query))
        audit_contacts_read(user, "tickets", len(page.get("items") or ()), **query)
        return page

    @route("GET", f"{V1}/tickets/{{ticket_id}}", summary="One ticket with its SLA clocks and history",
           tags=("tickets",), response=s.TicketOut, errors=(404,))
    def ticket(self, request, user, ticket_id):
        return self._as(user)("tickets", "get_ticket", ticket_id)
