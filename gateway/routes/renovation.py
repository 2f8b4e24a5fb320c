"""Renovation (装修, seed 000 §二): the application, its documents, the review, the agreement, the
fees (billing's), the permit and passes, patrols, the acceptance, occupancy, the re-inspection
(tickets' ``domain/renovation.py`` table: one RPC, one route per step).

Documents are uploaded to archive first (``POST /households/{household_id}/documents``, typed by
the catalogue's renovation section); the renovation references them by id. Tickets enforces who
takes each step (roles in each summary); a resident acts on their own unit's renovations only
(another's is answered as a missing id)."""
from __future__ import annotations

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule, min_version
from .tickets import TicketRoutes

DESK = "front desk, steward, CS manager, service-centre manager"
REVIEWER = "CS manager, service-centre manager"
PATROL = "security, " + DESK
ERRORS = (404, 409, 422)


class RenovationRoutes(RouteModule):
    _project_ticket = TicketRoutes._project_ticket

    def _renovation_reply(self, reply: dict, user) -> dict:
        self._project_ticket(reply["ticket"], user)
        return reply

    def _renovation_step(self, user, ticket_id, action, body, idempotency_key):
        return self._renovation_reply(self._as(user)("tickets", "renovation_step", ticket_id, dict(body, action=action),
                                          idempotency_key=idempotency_key), user)

    @route("POST", f"{V1}/renovations", tags=("renovation",), status=201, idempotent=True,
           summary=f"Apply for a renovation (装修申请): the unit's resident (own unit) or {DESK}",
           description="The deposit agreed is the project's renovation.deposit (2000.00 yuan by default). "
                       "Documents already uploaded to archive may be named here or attached later. The planned "
                       "start is not in the past (a day's tolerance) and at most renovation.start_within_days (180) "
                       "ahead, the planned end not before it and at most renovation.max_duration_days (365) after "
                       "it: else 422 planned_start_past / planned_start_too_far / planned_end_too_far / bad_period.",
           body=s.RenovationIn, response=s.RenovationOut, errors=(404, 409, 422, 503))
    def apply_renovation(self, request, user, body, idempotency_key):
        return self._renovation_reply(self._as(user)("tickets", "apply_renovation", s.RenovationIn().dump(body),
                                          idempotency_key=idempotency_key), user)

    @route("GET", f"{V1}/renovations/{{ticket_id}}", tags=("renovation",), query=s.VersionQuery,
           response=s.RenovationOut, errors=(404,),
           summary="A renovation's status: the checklist, review, fees, permit, passes, "
                   "patrols, acceptance, re-inspection, refund (its resident; staff of the project)",
           description="A resident's read comes from the portal's read model (the ticket and its renovation "
                       "part as ticket.changed carries them; pass holders' names masked); with min_version "
                       "(or X-Min-Version) newer than it holds, or not projected yet, from tickets itself. "
                       "Staff read tickets (fresh, names in full).")
    def renovation(self, request, user, ticket_id, query):
        caller = self._caller(user)
        if caller.is_resident:
            found = self._read_model(views.renovation, caller, ticket_id, self.clock.now(),
                                     min_version(request, query))
            if found is not None:
                return found
        return self._as(user)("tickets", "get_renovation", ticket_id)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/documents", tags=("renovation",), idempotent=True,
           summary=f"Attach a document uploaded to archive (the resident, {DESK}) -- applied or in rework",
           description="The document must be in the household file of the unit's current household (404 "
                       "document_not_found), filed there under the same type (422 document_type_mismatch); "
                       "one already attached under another type is 409 document_attached_already; archive "
                       "not answering is 503 archive_unavailable (nothing attached).",
           body=s.RenovationDocumentIn, response=s.RenovationOut, errors=ERRORS + (503,))
    def attach_renovation_document(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "attach_document", s.RenovationDocumentIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/submit", tags=("renovation",), idempotent=True,
           summary=f"Submit for review with the documents complete (the resident, {DESK}); the review is "
                   "due within renovation.review_days (3); 422 documents_missing names what lacks",
           body=s.StepIn, response=s.RenovationOut, errors=ERRORS)
    def submit_renovation(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "submit", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/review", tags=("renovation",), idempotent=True,
           summary=f"Review (审核): approve, or reject with what to rework ({REVIEWER})",
           body=s.RenovationReviewIn, response=s.RenovationOut, errors=ERRORS)
    def review_renovation(self, request, user, ticket_id, body, idempotency_key):
        data = s.RenovationReviewIn().dump(body)
        return self._renovation_step(user, ticket_id, data.pop("decision"), data, idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/agreement", tags=("renovation",), idempotent=True,
           summary=f"The agreement signed ({DESK}): billing is asked for the deposit and the garbage-removal "
                   "fee (3.00 yuan/m2 by default, its fee schedule)",
           body=s.StepIn, response=s.RenovationOut, errors=ERRORS)
    def sign_renovation_agreement(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "sign_agreement", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/permit", tags=("renovation",), idempotent=True,
           summary=f"Issue the numbered permit: work may start ({DESK}); 409 fees_unpaid until billing "
                   "reports the deposit and the garbage fee paid",
           body=s.StepIn, response=s.RenovationOut, errors=ERRORS)
    def issue_renovation_permit(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "issue_permit", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/passes", tags=("renovation",), idempotent=True,
           summary=f"Issue a numbered worker or material pass ({DESK})",
           description="valid_until is today or later and at most 7 days past the planned end (422 "
                       "valid_until_past / valid_until_too_far). The detail (free text) is read by the desk's "
                       "roles only; other readers see notes with ID numbers and mobiles masked.",
           body=s.RenovationPassIn, response=s.RenovationOut, errors=ERRORS)
    def issue_renovation_pass(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "issue_pass", s.RenovationPassIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/passes/{{pass_id}}/void", tags=("renovation",),
           idempotent=True, summary=f"Void a pass with the reason ({PATROL})",
           body=s.ReasonIn, response=s.RenovationOut, errors=ERRORS)
    def void_renovation_pass(self, request, user, ticket_id, pass_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "void_pass", dict(s.ReasonIn().dump(body), pass_id=pass_id),
                          idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/patrols", tags=("renovation",), idempotent=True,
           summary=f"Record a patrol: violations, waste seen -- renovation waste may stand "
                   f"renovation.waste_days (3) at most ({PATROL})",
           body=s.RenovationPatrolIn, response=s.RenovationOut, errors=ERRORS)
    def record_renovation_patrol(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "record_patrol", s.RenovationPatrolIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/waste-cleared", tags=("renovation",), idempotent=True,
           summary=f"The renovation waste was removed: its clock met ({PATROL})",
           body=s.StepIn, response=s.RenovationOut, errors=ERRORS)
    def clear_renovation_waste(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "clear_waste", s.StepIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/acceptance-request", tags=("renovation",), idempotent=True,
           summary=f"Ask for the completion acceptance (the resident, {DESK}) on a working day at least "
                   "renovation.acceptance_notice_working_days (1) ahead; 422 acceptance_too_soon names the earliest",
           description="At most renovation.acceptance_within_days (30) ahead: else 422 acceptance_too_far.",
           body=s.RenovationAcceptanceRequestIn, response=s.RenovationOut, errors=ERRORS)
    def request_renovation_acceptance(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "request_acceptance", s.RenovationAcceptanceRequestIn().dump(body),
                          idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/acceptance", tags=("renovation",), idempotent=True,
           summary=f"The acceptance's result: passed, or back to work with what to put right ({DESK})",
           description="Held on the booked day or later: before it 422 acceptance_not_yet.",
           body=s.RenovationAcceptanceIn, response=s.RenovationOut, errors=ERRORS)
    def record_renovation_acceptance(self, request, user, ticket_id, body, idempotency_key):
        data = s.RenovationAcceptanceIn().dump(body)
        return self._renovation_step(user, ticket_id, "accept" if data.pop("passed") else "fail_acceptance", data,
                          idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/occupancy", tags=("renovation",), idempotent=True,
           summary=f"The household moved in ({DESK}): the re-inspection comes "
                   "renovation.reinspection_after_months (3) later",
           description="occupied_on (default today) is on or after the acceptance day and not in the future: "
                       "else 422 occupied_before_acceptance / date_in_future (a backdated occupancy would make "
                       "the re-inspection due at once).",
           body=s.RenovationOccupancyIn, response=s.RenovationOut, errors=ERRORS)
    def record_renovation_occupancy(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "occupy", s.RenovationOccupancyIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/reinspection", tags=("renovation",), idempotent=True,
           summary=f"The re-inspection (复查, {REVIEWER}): the deposit back within renovation.refund_within_days "
                   "(7), less what is withheld for the violations; 409 reinspection_not_due before its time",
           body=s.RenovationReinspectionIn, response=s.RenovationOut, errors=ERRORS)
    def reinspect_renovation(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "reinspect", s.RenovationReinspectionIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/renovations/{{ticket_id}}/cancel", tags=("renovation",), idempotent=True,
           summary=f"Withdraw with a reason (the resident before the review; {DESK} until the fees are paid -- "
                   "once the agreement asked billing, billing reverses the unpaid garbage fee and gives a held "
                   "deposit back)",
           body=s.ReasonIn, response=s.RenovationOut, errors=ERRORS)
    def cancel_renovation(self, request, user, ticket_id, body, idempotency_key):
        return self._renovation_step(user, ticket_id, "cancel", s.ReasonIn().dump(body), idempotency_key)
