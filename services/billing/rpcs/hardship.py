"""billing's hardship RPCs: disputed bills, installment plans and legal proposals
(``domain/disputes.py``, ``installments.py``, ``legal.py``). Wiring only: load, call the rule, dump."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import disputes, installments, legal
from . import with_ids as _with


class HardshipRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

    # -- disputes (账单异议) ------------------------------------------------------------------
    @rpc
    def open_dispute(self, bill_id, data, idempotency_key=None):
        """The household disputes a bill (front desk, steward, CS manager, centre manager; the
        unit's residents): the account's dunning pauses."""
        work = self.work()
        command = schemas.DisputeIn().load(_with(data, bill_id=bill_id))
        return work.idempotent(idempotency_key, "open_dispute", command, lambda: schemas.BillDisputeOut().dump(
            disputes.dispute_view(work, disputes.open_dispute(work, command))))

    @rpc
    def resolve_dispute(self, dispute_id, data, idempotency_key=None):
        """Uphold (the bill was corrected) or reject a dispute (centre manager, CS manager, finance)."""
        work = self.work()
        command = schemas.DisputeResolveIn().load(_with(data, dispute_id=dispute_id))
        return work.idempotent(idempotency_key, "resolve_dispute", command, lambda: schemas.BillDisputeOut().dump(
            disputes.dispute_view(work, disputes.resolve_dispute(work, command["dispute_id"], command["outcome"],
                                                                 command["resolution"]))))

    @rpc
    def list_disputes(self, project_id, status=None, limit=50, offset=0):
        work = self.work()
        query = schemas.DisputeQuery().load({"project_id": project_id, "status": status, "limit": limit,
                                             "offset": offset})
        return schemas.BillDisputeOut(many=True).dump([disputes.dispute_view(work, d)
                                                       for d in disputes.list_disputes(work, query)])

    # -- installment plans (分期缴费协议) --------------------------------------------------------
    @rpc
    def agree_installment_plan(self, case_id, data, idempotency_key=None):
        """An installment plan for an open case (CS manager, centre manager): the case pauses."""
        work = self.work()
        command = schemas.InstallmentPlanIn().load(_with(data, case_id=case_id))
        return work.idempotent(idempotency_key, "agree_installment_plan", command, lambda: self._plan_out(
            work, installments.agree_plan(work, command)))

    @rpc
    def get_installment_plan(self, plan_id):
        work = self.work()
        ref = schemas.PlanRef().load({"plan_id": plan_id})
        return self._plan_out(work, installments.get_plan(work, ref["plan_id"]))

    @rpc
    def cancel_installment_plan(self, plan_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.PlanCancelIn().load(_with(data, plan_id=plan_id))
        return work.idempotent(idempotency_key, "cancel_installment_plan", command, lambda: self._plan_out(
            work, installments.cancel_plan(work, command["plan_id"], command["reason"])))

    @rpc
    def list_installment_plans(self, project_id, status=None, limit=50, offset=0):
        work = self.work()
        query = schemas.PlanQuery().load({"project_id": project_id, "status": status, "limit": limit,
                                          "offset": offset})
        return schemas.InstallmentPlanOut(many=True).dump([installments.plan_view(work, p)
                                                           for p in installments.list_plans(work, query)])

    def _plan_out(self, work, plan):
        return schemas.InstallmentPlanOut().dump(installments.plan_view(work, plan))

    # -- legal proposals (律师函, 诉讼) -----------------------------------------------------------
    @rpc
    def propose_legal(self, case_id, data, idempotency_key=None):
        """A lawyer letter or litigation proposed for an open case (steward, CS manager, centre manager)."""
        work = self.work()
        command = schemas.LegalProposalIn().load(_with(data, case_id=case_id))
        return work.idempotent(idempotency_key, "propose_legal", command, lambda: self._proposal_out(
            work, legal.propose(work, command)))

    @rpc
    def get_legal_proposal(self, proposal_id):
        work = self.work()
        ref = schemas.LegalProposalRef().load({"proposal_id": proposal_id})
        return self._proposal_out(work, legal.get_proposal(work, ref["proposal_id"]))

    @rpc
    def list_legal_proposals(self, project_id, status=None, kind=None, limit=50, offset=0):
        work = self.work()
        query = schemas.LegalQuery().load({"project_id": project_id, "status": status, "kind": kind,
                                           "limit": limit, "offset": offset})
        return schemas.LegalProposalOut(many=True).dump([legal.proposal_view(work, p)
                                                         for p in legal.list_proposals(work, query)])

    @rpc
    def review_legal_proposal(self, proposal_id, data=None, idempotency_key=None):
        return self._legal_step(proposal_id, legal.REVIEW, data, idempotency_key)

    @rpc
    def approve_legal_proposal(self, proposal_id, data=None, idempotency_key=None):
        return self._legal_step(proposal_id, legal.APPROVE, data, idempotency_key)

    @rpc
    def reject_legal_proposal(self, proposal_id, data=None, idempotency_key=None):
        return self._legal_step(proposal_id, legal.REJECT, data, idempotency_key)

    @rpc
    def withdraw_legal_proposal(self, proposal_id, data=None, idempotency_key=None):
        return self._legal_step(proposal_id, legal.WITHDRAW, data, idempotency_key)

    @rpc
    def send_lawyer_letter(self, proposal_id, data, idempotency_key=None):
        return self._legal_done(proposal_id, legal.SEND, data, idempotency_key)

    @rpc
    def file_litigation(self, proposal_id, data, idempotency_key=None):
        return self._legal_done(proposal_id, legal.FILE, data, idempotency_key)

    def _legal_step(self, proposal_id, action, data, idempotency_key):
        work = self.work()
        command = schemas.LegalStepIn().load(_with(data if data is not None else {}, proposal_id=proposal_id))
        return work.idempotent(idempotency_key, f"{action}_legal_proposal", command, lambda: self._proposal_out(
            work, legal.step(work, command["proposal_id"], action, command["note"])))

    def _legal_done(self, proposal_id, action, data, idempotency_key):
        work = self.work()
        command = schemas.LegalDoneIn().load(_with(data, proposal_id=proposal_id))
        return work.idempotent(idempotency_key, f"{action}_legal_proposal", command, lambda: self._proposal_out(
            work, legal.step(work, command["proposal_id"], action, document_ref=command["document_ref"])))

    def _proposal_out(self, work, proposal):
        return schemas.LegalProposalOut().dump(legal.proposal_view(work, proposal))
