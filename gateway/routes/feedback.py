"""Praise and suggestions (表扬与建议): a resident submits them for their unit and reads the
company's reply; the desk records them from any channel (a unit or the project as a whole),
acknowledges, forwards praise to the staff or department named, replies (a suggestion: adopted or
not adopted, with the reason) and closes them -- tickets' ``domain/feedback.py`` table.

Every write takes an Idempotency-Key. A resident acts on their own only (another household's is
answered as a missing id). The household file shows each with the company's reply (archive files
``feedback.received`` / ``feedback.replied``); the household is told the reply exists in its in-app
inbox only (notify)."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule, audit_contacts_read
from .tickets import TicketRoutes

DESK = "front desk, steward, CS manager, service-centre manager"


class FeedbackRoutes(RouteModule):
    _project_ticket = TicketRoutes._project_ticket

    @route("POST", f"{V1}/feedback", tags=("feedback",), status=201, idempotent=True,
           summary=f"Submit praise or a suggestion (表扬 / 建议): a resident for their own unit (portal); {DESK} "
                   "from any channel (phone, visit, letter, app), for a unit or the project as a whole",
           description="Praise may name staff and / or a department (it is forwarded to them). A suggestion "
                       "starts its reply clock: feedback.suggestion_reply_days (default 7) days from when it "
                       "came in. Free text: 2-2000 characters, no control or direction characters.",
           body=s.FeedbackIn, response=s.TicketOut, errors=(403, 404, 422))
    def submit_feedback(self, request, user, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "register_feedback", s.FeedbackIn().dump(body),
                                                   idempotency_key=idempotency_key), user)

    @route("GET", f"{V1}/feedback", tags=("feedback",), query=s.FeedbackQuery, response=s.TicketListOut,
           errors=(403, 404),
           summary="Praise and suggestions: staff of the project (filter by project, unit, sub_kind, status, "
                   "channel, received period); a resident: their own units' only")
    def list_feedback(self, request, user, query):
        page = self._as(user)("tickets", "list_feedback", s.FeedbackQuery().dump(query))
        audit_contacts_read(user, "feedback", len(page.get("items") or ()), **query)
        return page

    @route("GET", f"{V1}/feedback/{{ticket_id}}", tags=("feedback",), response=s.TicketOut, errors=(403, 404),
           summary="One praise or suggestion with the company's reply (its documents) and decision: the "
                   "household's own, or staff of the project")
    def get_feedback(self, request, user, ticket_id):
        return self._as(user)("tickets", "get_feedback", ticket_id)

    def _feedback_step(self, user, ticket_id, action, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "feedback_step", ticket_id,
                                                   dict(body, action=action), idempotency_key=idempotency_key),
                                    user)

    @route("POST", f"{V1}/feedback/{{ticket_id}}/acknowledge", tags=("feedback",), idempotent=True,
           summary=f"Acknowledge receipt (已受理) ({DESK})",
           body=s.StepIn, response=s.TicketOut, errors=(403, 404, 409, 422))
    def acknowledge_feedback(self, request, user, ticket_id, body, idempotency_key):
        return self._feedback_step(user, ticket_id, "acknowledge", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/feedback/{{ticket_id}}/forward", tags=("feedback",), idempotent=True,
           summary=f"Forward to the staff or department concerned -- praise to those it names; also after the "
                   f"reply, keeping it replied ({DESK})",
           body=s.FeedbackForwardIn, response=s.TicketOut, errors=(403, 404, 409, 422))
    def forward_feedback(self, request, user, ticket_id, body, idempotency_key):
        return self._feedback_step(user, ticket_id, "forward", s.FeedbackForwardIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/feedback/{{ticket_id}}/reply", tags=("feedback",), idempotent=True,
           summary=f"The company's written reply: praise thanked; a suggestion adopted or not adopted with the "
                   f"reason ({DESK}, GM); meets the reply clock, files it in the household file and tells "
                   "the household in-app",
           body=s.FeedbackReplyIn, response=s.TicketOut, errors=(403, 404, 409, 422))
    def reply_to_feedback(self, request, user, ticket_id, body, idempotency_key):
        return self._feedback_step(user, ticket_id, "reply", s.FeedbackReplyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/feedback/{{ticket_id}}/close", tags=("feedback",), idempotent=True,
           summary=f"Close a replied praise or suggestion ({DESK}); praise naming someone only once forwarded "
                   "(422 praise_not_forwarded)",
           body=s.StepIn, response=s.TicketOut, errors=(403, 404, 409, 422))
    def close_feedback(self, request, user, ticket_id, body, idempotency_key):
        return self._feedback_step(user, ticket_id, "close", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/feedback/{{ticket_id}}/cancel", tags=("feedback",), idempotent=True,
           summary=f"Withdraw with a reason (the resident, own, before it is acknowledged; {DESK} until the "
                   "reply)",
           body=s.FeedbackReasonIn, response=s.TicketOut, errors=(403, 404, 409, 422))
    def cancel_feedback(self, request, user, ticket_id, body, idempotency_key):
        return self._feedback_step(user, ticket_id, "cancel", s.FeedbackReasonIn().dump(body), idempotency_key)
