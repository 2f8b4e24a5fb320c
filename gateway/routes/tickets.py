"""Repairs (报修), tickets and the projects' settings (SLA figures and any later ones)."""
from __future__ import annotations

from kernel import privacy

from .. import schemas as s
from ..errors import HttpError
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule, audit_contacts_read, min_version

#: services that declare per-project settings (kernel.settings) and answer
#: get_settings / set_setting / settings_history
SETTINGS_SERVICES = ("tickets", "notify", "billing", "archive")
#: who takes a repair order (dispatch, the on-duty list)
TECHNICIAN_ROLES = frozenset({"engineering", "engineering_manager"})
#: list filters only tickets answers (staff lists, and a resident's list filtered by them)
OWNER_FILTERS = ("kind", "category", "channel", "assignee_id", "received_from", "received_to", "sla_state")


def _settings_service(service: str) -> str:
    if service not in SETTINGS_SERVICES:
        raise HttpError(404, "no_settings", f"{service!r} has no per-project settings; "
                                            f"those that do: {', '.join(SETTINGS_SERVICES)}",
                        zh=f"{service} 没有按项目的设置，有设置的服务：{', '.join(SETTINGS_SERVICES)}")
    return service


class TicketRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/sla-settings", tags=("tickets",),
           summary="The project's SLA figures in minutes", response=s.SlaSettingsOut, errors=(404,))
    def sla_settings(self, request, user, project_id):
        return self._as(user)("tickets", "get_sla_settings", project_id)

    @route("PUT", f"{V1}/projects/{{project_id}}/sla-settings", tags=("tickets",),
           summary="Change one SLA figure of the project (centre manager); kept for compatibility, "
                   "see PUT /projects/{project_id}/settings/tickets", body=s.SlaSettingIn,
           response=s.SlaSettingsOut, errors=(404,), idempotent=True)
    def set_sla_setting(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("tickets", "set_sla_setting", dict(body, project_id=project_id),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/settings/{{service}}", tags=("settings",),
           summary="A service's settings for the project: value, default, unit, description",
           response=s.SettingsOut, errors=(404,))
    def project_settings(self, request, user, project_id, service):
        return self._as(user)(_settings_service(service), "get_settings", project_id)

    @route("PUT", f"{V1}/projects/{{project_id}}/settings/{{service}}", tags=("settings",),
           summary="Change one setting of the project, with a reason (audited; centre manager)",
           body=s.SettingChangeIn, response=s.SettingsOut, errors=(404,), idempotent=True)
    def set_project_setting(self, request, user, project_id, service, body, idempotency_key):
        data = s.SettingChangeIn().dump(body)
        return self._as(user)(_settings_service(service), "set_setting", project_id, data["key"],
                              data["value"], data["effective_from"], data["reason"],
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/settings/{{service}}/history", tags=("settings",),
           summary="Who changed which setting, when, from what to what and why (newest first)",
           response=s.SettingChangeOut, many=True, errors=(404,))
    def project_settings_history(self, request, user, project_id, service):
        return self._as(user)(_settings_service(service), "settings_history", project_id)

    @route("POST", f"{V1}/repairs", summary="Report a repair (报修)", tags=("tickets",),
           body=s.RepairRequestIn, response=s.TicketOut, status=201, errors=(404, 422), idempotent=True)
    def open_repair(self, request, user, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "open_repair", s.RepairRequestIn().dump(body),
                                                   idempotency_key=idempotency_key), user)

    def _project_ticket(self, ticket: dict, user) -> dict:
        """Read-your-writes for a ticket reply -- only one unmasked for its caller, which the
        read model may hold (it masks when read): the reporter's phone whole, and the step log's notes
        as written -- read so by the desk, or with nothing in them that masking changed
        (``privacy.free_text_masked``); else the next read misses and asks tickets."""
        caller = self._caller(user)
        own = caller.is_resident and caller.sees_household(ticket.get("group_id"), ticket.get("project_id"),
                                                           ticket.get("unit_id"), ticket.get("household_id"))
        if privacy.sees_phones(caller, own) and views.unmasked_history(caller, ticket):
            self._project_reply("ticket", ticket, user)
        return ticket

    # -- the repair workflow (tickets' domain/workflow.py): one RPC, one route per step ------
    def _step(self, user, ticket_id, action, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "transition", ticket_id, dict(body, action=action),
                                                   idempotency_key=idempotency_key), user)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/dispatch", tags=("tickets",),
           summary="Dispatch a repair to a technician, or without one to the on-duty technician for its "
                   "category with the fewest open orders (409 no_one_on_duty) (engineering manager, front "
                   "desk, CS manager, centre manager); again before acceptance reassigns it",
           body=s.DispatchIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def dispatch_repair(self, request, user, ticket_id, body, idempotency_key):
        data = s.DispatchIn().dump(body)
        if data.get("assignee_id"):
            data["assignee_name"] = self._colleague(user, data["assignee_id"], TECHNICIAN_ROLES, ticket_id=ticket_id)
        return self._step(user, ticket_id, "dispatch", data, idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/accept", tags=("tickets",),
           summary="Accept a dispatched repair (the assigned technician; an order dispatched to the "
                   "duty phone without a name: any engineer, who becomes its assignee)",
           body=s.StepIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def accept_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "accept", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/arrive", tags=("tickets",),
           summary="On site (the assigned technician): meets the on_site / arrive_before clock",
           body=s.StepIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def arrive(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "arrive", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/quote", tags=("tickets",),
           summary="Quote a paid in-home repair on site from the project's price list in force today: "
                   "items by code and quantity, the total computed; a re-quote replaces it, after "
                   "consent it needs consent again (the assigned technician)",
           body=s.QuoteIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def quote_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "quote", s.QuoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/consent", tags=("tickets",),
           summary="Consent to the paid repair's quote before the work, naming the quote read "
                   "(quote_id; replaced since: 409 quote_changed) (resident, own household's ticket)",
           body=s.ConsentIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def consent_to_quote(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "consent", s.ConsentIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/refuse", tags=("tickets",),
           summary="Refuse the paid repair's quote (quote_id as read) with a reason: cancels the order "
                   "(resident, own household's ticket)",
           body=s.RefusalIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def refuse_quote(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "refuse", s.RefusalIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/reply", tags=("tickets",),
           summary="Answer a not-covered request with advice: meets the reply clock and closes it "
                   "(engineering manager)",
           body=s.ReplyIn, response=s.TicketOut, errors=(403, 404, 409, 422), idempotent=True)
    def reply_not_covered(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "reply", s.ReplyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/complete", tags=("tickets",),
           summary="Work done (the assigned technician): the actual work and the materials used; a paid "
                   "repair only with a consented quote (409 consent_required), whose charge is then put on "
                   "the order and sent to billing",
           body=s.CompleteIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def complete_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "complete", s.CompleteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/confirm", tags=("tickets",),
           summary="The resident signs the finished work off: closes it (resident, own ticket)",
           body=s.StepIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def confirm_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "confirm", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/rate", tags=("tickets",),
           summary="The resident rates the work 1-5 with an optional comment: closes it; once only "
                   "(409 already_rated) (resident, own ticket)",
           body=s.RateIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def rate_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "rate", s.RateIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/cancel", tags=("tickets",),
           summary="Cancel with a reason (the resident before dispatch; engineering manager, front "
                   "desk, CS manager, centre manager until the work is done)",
           body=s.ReasonIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def cancel_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "cancel", s.ReasonIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/tickets/{{ticket_id}}/reopen", tags=("tickets",),
           summary="Reopen a closed repair within the project's repair.reopen_days: back to the same "
                   "technician, dispatched (the resident, or the dispatching staff)",
           body=s.ReasonIn, response=s.TicketOut, errors=(404, 409, 422), idempotent=True)
    def reopen_repair(self, request, user, ticket_id, body, idempotency_key):
        return self._step(user, ticket_id, "reopen", s.ReasonIn().dump(body), idempotency_key)

    # -- approved overruns (超时审批; tickets' domain/overruns.py) -----------------------------
    @route("POST", f"{V1}/tickets/{{ticket_id}}/deadlines/{{kind}}/extensions", tags=("tickets",),
           summary="Approve an overrun of one SLA clock (超时审批): its new due time and why (service-centre "
                   "manager, general manager)",
           description="Recorded with who approved it and when; the clock's extensions are listed in the "
                       "ticket. The new time must be later than the current due time and in the future (422 "
                       "extension_not_later); an unknown clock kind is 404 deadline_not_found; a met or "
                       "cancelled clock 409 deadline_not_running. A breach already told stays told; "
                       "missing the new due time is told again (ticket.sla_breached with extension_id).",
           body=s.ExtensionIn, response=s.TicketOut, status=201, errors=(404, 409, 422), idempotent=True)
    def extend_deadline(self, request, user, ticket_id, kind, body, idempotency_key):
        data = dict(s.ExtensionIn().dump(body), kind=kind)
        return self._project_ticket(self._as(user)("tickets", "extend_deadline", ticket_id, data,
                                                   idempotency_key=idempotency_key), user)

    @route("GET", f"{V1}/tickets", summary="Tickets in the caller's scope", tags=("tickets",),
           query=s.TicketQuery, response=s.TicketListOut, errors=(404,),
           description="Staff filter by project, unit, status (or open_only), kind, category, channel, "
                       "technician (assignee_id), period of receipt (received_from, received_to) and "
                       "SLA state; newest first, paged (limit <= 200, offset); each read is logged "
                       "(reporters' contacts). A resident's list by unit and status comes from the "
                       "portal's read model.")
    def tickets(self, request, user, query):
        caller, page = self._caller(user), None
        # the read model answers a resident's list by unit, status and page; any other filter
        # (kind, category, channel, technician, period, SLA state) is the owner's query
        if caller.is_resident and not any(query.get(k) for k in OWNER_FILTERS):
            page = self._read_model(views.resident_tickets, caller, self.clock.now(), **query)
        if page is None:
            page = self._as(user)("tickets", "list_tickets", s.TicketQuery().dump(query))
        audit_contacts_read(user, "tickets", len(page.get("items") or ()), **query)
        return page

    @route("GET", f"{V1}/tickets/{{ticket_id}}", summary="One ticket with its SLA clocks and history",
           tags=("tickets",), query=s.VersionQuery, response=s.TicketOut, errors=(404,),
           description="From the portal's read model; with min_version (or X-Min-Version) newer "
                       "than it holds, from tickets itself.")
    def ticket(self, request, user, ticket_id, query):
        found = self._read_model(views.ticket, self._caller(user), ticket_id, self.clock.now(),
                                 min_version(request, query))
        return found if found is not None else self._as(user)("tickets", "get_ticket", ticket_id)
