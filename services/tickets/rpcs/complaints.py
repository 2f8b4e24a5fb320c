"""tickets' 投诉 (complaints, domain/complaints.py and quality.py) -- wiring only, inherited by
:class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import complaints, quality

COMPLAINT_IN = schemas.ComplaintIn()
COMPLAINT_STEP_IN = schemas.ComplaintStepIn()
QUALITY_IN = schemas.QualityComplaintIn()
QUALITY_STEP_IN = schemas.QualityStepIn()


class ComplaintRpcs:
    # -- complaints (投诉, domain/complaints.py) ----------------------------------------------
    @rpc
    def register_complaint(self, data, idempotency_key=None):
        """Register a complaint (schemas.ComplaintIn): front desk, steward, CS / centre manager, or
        a resident from the portal (written, own unit)."""
        work, command = self.work(), COMPLAINT_IN.load(data)
        return work.idempotent(idempotency_key, "register_complaint", command,
                               lambda: self._out(complaints.register(work, command), work))

    @rpc
    def complaint_step(self, ticket_id, data, idempotency_key=None):
        """One step of a complaint: ``data = {"action": dispatch|respond|write_reply|
        report_to_manager|resolve|close|reclassify|cancel, ...}`` (schemas.ComplaintStepIn)."""
        work, command = self.work(), COMPLAINT_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "complaint_step", command, lambda: self._out(
            complaints.transition(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def register_quality_complaint(self, data, idempotency_key=None):
        """Record a warranty-quality complaint (schemas.QualityComplaintIn)."""
        work, command = self.work(), QUALITY_IN.load(data)
        return work.idempotent(idempotency_key, "register_quality_complaint", command,
                               lambda: self._out(quality.register(work, command), work))

    @rpc
    def quality_step(self, ticket_id, data, idempotency_key=None):
        """One step of a warranty-quality complaint: ``data = {"action": assess|resolve|explain|
        claim_compensation|decide_compensation|close|cancel, ...}`` (schemas.QualityStepIn)."""
        work, command = self.work(), QUALITY_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "quality_step", command, lambda: self._out(
            quality.transition(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def list_complaints(self, query=None):
        """Complaints and warranty-quality complaints, filtered by kind, class, department,
        status and the ticket lists' filters (schemas.ComplaintQuery)."""
        work = self.work()
        tickets, total = complaints.list_complaints(work, **schemas.ComplaintQuery().load(query or {}))
        return {"items": [self._out(t, work) for t in tickets], "total": total}
