"""Disputed bills (账单异议), installment plans (分期缴费协议) and legal proposals (律师函, 诉讼) --
billing's ``domain/disputes.py``, ``installments.py`` and ``legal.py``. Every write takes an
Idempotency-Key; the roles are in each summary."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule


class HardshipRoutes(RouteModule):
    # -- disputes ------------------------------------------------------------------------------
    @route("POST", f"{V1}/bills/{{bill_id}}/disputes", tags=("dunning",), body=s.DisputeIn,
           response=s.BillDisputeOut, status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary="Record that the household disputes a bill, with the reason: the account's dunning pauses "
                   "(front desk, steward, CS manager, centre manager; the unit's residents)",
           description="One open dispute per bill (409 dispute_exists); a settled bill is not disputed (409 "
                       "bill_settled). While a dispute of the account is open its dunning case waits (no notice, "
                       "task or late fee), and a case opened later for the account opens paused.")
    def open_dispute(self, request, user, bill_id, body, idempotency_key):
        return self._as(user)("billing", "open_dispute", bill_id, s.DisputeIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/bill-disputes/{{dispute_id}}/resolve", tags=("dunning",), body=s.DisputeResolveIn,
           response=s.BillDisputeOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Resolve a dispute: uphold (the bill was wrong and has been corrected) or reject (the bill "
                   "stands; the ladder resumes) (centre manager, CS manager, finance)",
           description="Correct the bill first with POST /api/v1/bills/{id}/discount, /write-off or "
                       "/api/v1/entries/{id}/reverse; upholding an uncorrected bill is 409 bill_not_corrected.")
    def resolve_dispute(self, request, user, dispute_id, body, idempotency_key):
        return self._as(user)("billing", "resolve_dispute", dispute_id, s.DisputeResolveIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/bill-disputes", tags=("dunning",), query=s.DisputeQuery,
           response=s.BillDisputeOut, many=True, errors=(403, 404),
           summary="The project's bill disputes, newest first, by status (front desk, steward, CS manager, "
                   "centre manager, finance, general manager, group admin)")
    def list_disputes(self, request, user, project_id, query):
        return self._as(user)("billing", "list_disputes", project_id, query["status"], query["limit"],
                              query["offset"])

    # -- installment plans ------------------------------------------------------------------------
    @route("POST", f"{V1}/dunning/cases/{{case_id}}/installment-plans", tags=("dunning",),
           body=s.InstallmentPlanIn, response=s.InstallmentPlanOut, status=201, errors=(403, 404, 409, 422),
           idempotent=True,
           summary="Agree an installment plan with the household for an open dunning case: its dunning pauses "
                   "while the plan is honoured (CS manager, centre manager)",
           description="1-24 instalments due on strictly increasing dates from today on (422 invalid_schedule), the "
                       "last within dunning.plan_longest_months (12) of today (422 plan_too_long), "
                       "summing to what the case has overdue now (422 plan_total_mismatch names the figure); one "
                       "active plan per account (409 installment_plan_exists). Checked every morning: an "
                       "instalment due before today that the payments since the plan do not cover breaks it and "
                       "the ladder resumes; a paid case completes it.")
    def agree_installment_plan(self, request, user, case_id, body, idempotency_key):
        return self._as(user)("billing", "agree_installment_plan", case_id, s.InstallmentPlanIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/installment-plans/{{plan_id}}", tags=("dunning",), response=s.InstallmentPlanOut,
           errors=(403, 404),
           summary="An installment plan with its instalments and what was paid since it was agreed (the unit's "
                   "residents; front desk, steward, CS manager, centre manager, finance, general manager, group "
                   "admin)")
    def get_installment_plan(self, request, user, plan_id):
        return self._as(user)("billing", "get_installment_plan", plan_id)

    @route("POST", f"{V1}/installment-plans/{{plan_id}}/cancel", tags=("dunning",), body=s.PlanCancelIn,
           response=s.InstallmentPlanOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Cancel an active installment plan with the reason: the ladder resumes (CS manager, centre "
                   "manager)")
    def cancel_installment_plan(self, request, user, plan_id, body, idempotency_key):
        return self._as(user)("billing", "cancel_installment_plan", plan_id, s.PlanCancelIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/installment-plans", tags=("dunning",), query=s.PlanQuery,
           response=s.InstallmentPlanOut, many=True, errors=(403, 404),
           summary="The project's installment plans, newest first, by status (front desk, steward, CS manager, "
                   "centre manager, finance, general manager, group admin)")
    def list_installment_plans(self, request, user, project_id, query):
        return self._as(user)("billing", "list_installment_plans", project_id, query["status"], query["limit"],
                              query["offset"])

    # -- legal proposals --------------------------------------------------------------------------
    @route("POST", f"{V1}/dunning/cases/{{case_id}}/legal-proposals", tags=("dunning",), body=s.LegalProposalIn,
           response=s.LegalProposalOut, status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary="Propose a lawyer letter or litigation for an open dunning case; its amount is what the case "
                   "has overdue now (steward, CS manager, centre manager)",
           description="Reviewed by the CS department, approved by the general manager, then sent or filed -- "
                       "never automatically. Litigation follows a lawyer letter sent for the case (422 "
                       "lawyer_letter_not_sent); one pending proposal of a kind per case (409 "
                       "legal_proposal_exists).")
    def propose_legal(self, request, user, case_id, body, idempotency_key):
        return self._as(user)("billing", "propose_legal", case_id, s.LegalProposalIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/legal-proposals", tags=("dunning",), query=s.LegalQuery,
           response=s.LegalProposalOut, many=True, errors=(403, 404),
           summary="The project's legal proposals, newest first, by status and kind (steward, CS manager, "
                   "centre manager, general manager, group admin)")
    def list_legal_proposals(self, request, user, project_id, query):
        return self._as(user)("billing", "list_legal_proposals", project_id, query["status"], query["kind"],
                              query["limit"], query["offset"])

    @route("GET", f"{V1}/legal-proposals/{{proposal_id}}", tags=("dunning",), response=s.LegalProposalOut,
           errors=(403, 404),
           summary="A legal proposal with each step, who and when (steward, CS manager, centre manager, general "
                   "manager, group admin)")
    def get_legal_proposal(self, request, user, proposal_id):
        return self._as(user)("billing", "get_legal_proposal", proposal_id)

    def _legal_step(self, user, method, proposal_id, body, idempotency_key, schema=s.LegalStepIn):
        return self._as(user)("billing", method, proposal_id, schema().dump(body), idempotency_key=idempotency_key)

    @route("POST", f"{V1}/legal-proposals/{{proposal_id}}/review", tags=("dunning",), body=s.LegalStepIn,
           response=s.LegalProposalOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="The CS department's review of a proposal (CS manager -- not who proposed it)")
    def review_legal_proposal(self, request, user, proposal_id, body, idempotency_key):
        return self._legal_step(user, "review_legal_proposal", proposal_id, body, idempotency_key)

    @route("POST", f"{V1}/legal-proposals/{{proposal_id}}/approve", tags=("dunning",), body=s.LegalStepIn,
           response=s.LegalProposalOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="The general manager's approval of a reviewed proposal (general manager -- neither who "
                   "proposed nor who reviewed it)")
    def approve_legal_proposal(self, request, user, proposal_id, body, idempotency_key):
        return self._legal_step(user, "approve_legal_proposal", proposal_id, body, idempotency_key)

    @route("POST", f"{V1}/legal-proposals/{{proposal_id}}/reject", tags=("dunning",), body=s.LegalStepIn,
           response=s.LegalProposalOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           summary="Reject a proposal, the note saying why (CS manager at review, general manager at approval "
                   "-- not who proposed or reviewed it)")
    def reject_legal_proposal(self, request, user, proposal_id, body, idempotency_key):
        return self._legal_step(user, "reject_legal_proposal", proposal_id, body, idempotency_key)

    @route("POST", f"{V1}/legal-proposals/{{proposal_id}}/withdraw", tags=("dunning",), body=s.LegalStepIn,
           response=s.LegalProposalOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Withdraw a proposal before it is approved (who proposed it: steward, CS manager, centre "
                   "manager)")
    def withdraw_legal_proposal(self, request, user, proposal_id, body, idempotency_key):
        return self._legal_step(user, "withdraw_legal_proposal", proposal_id, body, idempotency_key)

    @route("POST", f"{V1}/legal-proposals/{{proposal_id}}/send", tags=("dunning",), body=s.LegalDoneIn,
           response=s.LegalProposalOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Record the lawyer letter sent, with its reference -- only after the CS review and the GM "
                   "approval (steward, CS manager, centre manager)",
           description="409 approvals_missing names what is missing; a litigation proposal is filed, not sent "
                       "(422 legal_kind_mismatch).")
    def send_lawyer_letter(self, request, user, proposal_id, body, idempotency_key):
        return self._legal_step(user, "send_lawyer_letter", proposal_id, body, idempotency_key, s.LegalDoneIn)

    @route("POST", f"{V1}/legal-proposals/{{proposal_id}}/file", tags=("dunning",), body=s.LegalDoneIn,
           response=s.LegalProposalOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Record the suit filed, with the court's case number -- only after the CS review and the GM "
                   "approval (steward, CS manager, centre manager)")
    def file_litigation(self, request, user, proposal_id, body, idempotency_key):
        return self._legal_step(user, "file_litigation", proposal_id, body, idempotency_key, s.LegalDoneIn)
