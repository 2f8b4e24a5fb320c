"""Complaints (投诉) and warranty-quality complaints (质量投诉): registration, each step of their
workflows (tickets' ``domain/complaints.py`` and ``domain/quality.py`` tables), lists, and the
project's own correspondence (archive: complaints about public matters).

One ticket is read with ``GET /tickets/{ticket_id}`` (the read model: its ``complaint`` part,
``documents`` -- the written replies -- and history). Roles are named in each summary; a
resident acts on their own complaints only (another's is answered as a missing id)."""
from __future__ import annotations

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule, audit_contacts_read
from .tickets import TicketRoutes

#: the ticket-number prefixes of the complaint kinds (tickets' NUMBER_PREFIX): a resident's list
#: from the read model
COMPLAINT_PREFIXES = {"complaint": ("TS",), "quality": ("ZL",), None: ("TS", "ZL")}
#: the list filters only tickets answers (a resident's list filtered by them asks the owner)
OWNER_FILTERS = ("category", "channel", "assignee_id", "received_from", "received_to", "sla_state",
                 "complaint_class", "department", "open_only")
DESK = "front desk, steward, CS manager, service-centre manager"
HANDLERS = "the responsible department's role, front desk, steward, CS manager, service-centre manager, GM"


class ComplaintRoutes(RouteModule):
    _project_ticket = TicketRoutes._project_ticket

    # -- complaints --------------------------------------------------------------------------
    @route("POST", f"{V1}/complaints", tags=("complaints",), status=201, idempotent=True,
           summary=f"Register a complaint (投诉登记): {DESK}, any channel, oral or written; a resident "
                   "from the portal (written, own unit)",
           description="Starts its clocks: dispatch to the department within complaint.dispatch_within "
                       "minutes, first response within complaint.first_response_working_days working "
                       "days (oral: the same day), a written complaint's written reply by the end of the "
                       "next working day, the class's limits; a complaint unresolved 30 days becomes "
                       "major by itself. A public matter names the project, no unit.",
           body=s.ComplaintIn, response=s.TicketOut, errors=(404, 422))
    def register_complaint(self, request, user, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "register_complaint", s.ComplaintIn().dump(body),
                                                   idempotency_key=idempotency_key), user)

    def _complaint_step(self, user, ticket_id, action, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "complaint_step", ticket_id,
                                                   dict(body, action=action), idempotency_key=idempotency_key),
                                    user)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/dispatch", tags=("complaints",), idempotent=True,
           summary=f"Dispatch the complaint form to the responsible department ({DESK}); again, to "
                   "another department",
           body=s.ComplaintDispatchIn, response=s.TicketOut, errors=(404, 409, 422))
    def dispatch_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "dispatch", s.ComplaintDispatchIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/respond", tags=("complaints",), idempotent=True,
           summary=f"The first response to the resident, what they were told ({HANDLERS})",
           body=s.NoteIn, response=s.TicketOut, errors=(404, 409, 422))
    def respond_to_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "respond", s.NoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/written-reply", tags=("complaints",), idempotent=True,
           summary=f"File the written reply (书面回复), a document the resident reads ({HANDLERS}); "
                   "counts as the first response if none was given",
           body=s.WrittenReplyIn, response=s.TicketOut, errors=(404, 409, 422))
    def write_complaint_reply(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "write_reply", s.WrittenReplyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/report-to-manager", tags=("complaints",), idempotent=True,
           summary=f"Reported to the service-centre manager (major: the same day; key: within 2 h) ({DESK})",
           body=s.StepIn, response=s.TicketOut, errors=(404, 409, 422))
    def report_complaint_to_manager(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "report_to_manager", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/resolve", tags=("complaints",), idempotent=True,
           summary=f"Resolved, with how ({HANDLERS}); never upgraded after this",
           body=s.NoteIn, response=s.TicketOut, errors=(404, 409, 422))
    def resolve_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "resolve", s.NoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/close", tags=("complaints",), idempotent=True,
           summary=f"Close a resolved complaint ({DESK}); a written one only with its written reply on "
                   "file (422 written_reply_missing)",
           body=s.StepIn, response=s.TicketOut, errors=(404, 409, 422))
    def close_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "close", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/reclassify", tags=("complaints",), idempotent=True,
           summary="Change the class (major / key / minor) with the reason (CS manager, service-centre "
                   "manager, GM); the class's clocks are re-timed, the change recorded",
           body=s.ReclassifyIn, response=s.TicketOut, errors=(404, 409, 422))
    def reclassify_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "reclassify", s.ReclassifyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/complaints/{{ticket_id}}/cancel", tags=("complaints",), idempotent=True,
           summary=f"Withdraw with a reason (the resident before dispatch, own complaint; {DESK} until "
                   "resolved)",
           body=s.ReasonIn, response=s.TicketOut, errors=(404, 409, 422))
    def cancel_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._complaint_step(user, ticket_id, "cancel", s.ReasonIn().dump(body), idempotency_key)

    @route("GET", f"{V1}/complaints", tags=("complaints",), query=s.ComplaintQuery, response=s.TicketListOut,
           errors=(404,), summary="Complaints in the caller's scope (staff; a resident: their own)",
           description="Staff filter by kind (complaint | quality), class, department, status and the "
                       "ticket lists' filters; newest first, paged. A resident's own list by unit, kind "
                       "and status comes from the portal's read model, with history and replies.")
    def complaints(self, request, user, query):
        caller, page = self._caller(user), None
        if caller.is_resident and not any(query.get(k) for k in OWNER_FILTERS):
            page = self._read_model(views.resident_tickets, caller, self.clock.now(),
                                    number_prefixes=COMPLAINT_PREFIXES[query.get("kind")],
                                    **{k: query.get(k) for k in ("unit_id", "project_id", "status", "limit",
                                                                 "offset")})
        if page is None:
            page = self._as(user)("tickets", "list_complaints", s.ComplaintQuery().dump(query))
        audit_contacts_read(user, "complaints", len(page.get("items") or ()), **query)
        return page

    # -- warranty-quality complaints -------------------------------------------------------------
    @route("POST", f"{V1}/quality-complaints", tags=("complaints",), status=201, idempotent=True,
           summary=f"Record a warranty-quality complaint (质量投诉) ({DESK}, engineering, engineering "
                   "manager; a resident from the portal, own unit)",
           description="Recorded within quality.record_within minutes; notify tells engineering (within "
                       "2 min) and the developer's supervision department (within 5 min, an SMS to "
                       "notify's supervision.contact_phone with the number and unit only).",
           body=s.QualityComplaintIn, response=s.TicketOut, errors=(404, 422))
    def register_quality_complaint(self, request, user, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "register_quality_complaint",
                                                   s.QualityComplaintIn().dump(body),
                                                   idempotency_key=idempotency_key), user)

    def _quality_step(self, user, ticket_id, action, body, idempotency_key):
        return self._project_ticket(self._as(user)("tickets", "quality_step", ticket_id, dict(body, action=action),
                                                   idempotency_key=idempotency_key), user)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/assessment", tags=("complaints",), idempotent=True,
           summary="Record the joint assessment with the developer's supervision department: within or "
                   "out of the warranty (engineering, engineering manager, CS manager, service-centre manager)",
           body=s.AssessmentIn, response=s.TicketOut, errors=(404, 409, 422))
    def assess_quality_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "assess", s.AssessmentIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/resolve", tags=("complaints",), idempotent=True,
           summary="Repaired under the warranty (engineering, engineering manager, CS manager, "
                   "service-centre manager)",
           body=s.NoteIn, response=s.TicketOut, errors=(404, 409, 422))
    def resolve_quality_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "resolve", s.NoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/explanation", tags=("complaints",), idempotent=True,
           summary=f"Out of the warranty: the explanation to the resident (a document); closes it "
                   f"(engineering, engineering manager, {DESK})",
           body=s.WrittenReplyIn, response=s.TicketOut, errors=(404, 409, 422))
    def explain_quality_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "explain", s.WrittenReplyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/compensation-claim", tags=("complaints",),
           idempotent=True,
           summary=f"The resident claims compensation: escalated to the service-centre manager / GM "
                   f"({DESK}, engineering, engineering manager)",
           body=s.CompensationClaimIn, response=s.TicketOut, errors=(404, 409, 422))
    def claim_compensation(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "claim_compensation", s.CompensationClaimIn().dump(body),
                                  idempotency_key)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/compensation-decision", tags=("complaints",),
           idempotent=True,
           summary="Decide a compensation claim, granted or refused, with the decision (service-centre "
                   "manager, GM)",
           body=s.CompensationDecisionIn, response=s.TicketOut, errors=(404, 409, 422))
    def decide_compensation(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "decide_compensation", s.CompensationDecisionIn().dump(body),
                                  idempotency_key)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/close", tags=("complaints",), idempotent=True,
           summary=f"Close a resolved warranty-quality complaint ({DESK})",
           body=s.StepIn, response=s.TicketOut, errors=(404, 409, 422))
    def close_quality_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "close", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/quality-complaints/{{ticket_id}}/cancel", tags=("complaints",), idempotent=True,
           summary=f"Withdraw before the assessment, with a reason (the resident, own; {DESK})",
           body=s.ReasonIn, response=s.TicketOut, errors=(404, 409, 422))
    def cancel_quality_complaint(self, request, user, ticket_id, body, idempotency_key):
        return self._quality_step(user, ticket_id, "cancel", s.ReasonIn().dump(body), idempotency_key)

    # -- the project's correspondence (archive) -------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/correspondence", tags=("complaints",), query=s.PageQuery,
           response=s.ProjectCorrespondenceOut, many=True, errors=(403, 404),
           summary="The project's own correspondence: complaints about public matters (no unit) and "
                   "their replies, newest first (front desk, steward, CS manager, service-centre manager)")
    def project_correspondence(self, request, user, project_id, query):
        return self._as(user)("archive", "project_correspondence", project_id, query["limit"], query["offset"])
