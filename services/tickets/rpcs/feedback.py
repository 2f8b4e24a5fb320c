"""tickets' 表扬与建议 (praise and suggestions, domain/feedback.py) -- wiring only, inherited by
:class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import feedback

FEEDBACK_IN = schemas.FeedbackIn()
FEEDBACK_STEP_IN = schemas.FeedbackStepIn()


class FeedbackRpcs:
    # -- praise and suggestions (表扬与建议, domain/feedback.py) ---------------------------------
    @rpc
    def register_feedback(self, data, idempotency_key=None):
        """Record praise or a suggestion (schemas.FeedbackIn): a resident for their unit (portal), or
        front desk, steward, CS / centre manager from any channel, for a unit or the project."""
        work, command = self.work(), FEEDBACK_IN.load(data)
        return work.idempotent(idempotency_key, "register_feedback", command,
                               lambda: self._out(feedback.register(work, command), work))

    @rpc
    def feedback_step(self, ticket_id, data, idempotency_key=None):
        """One step of praise or a suggestion: ``data = {"action": acknowledge|forward|reply|close|
        cancel, ...}`` (schemas.FeedbackStepIn; feedback.TABLE)."""
        work, command = self.work(), FEEDBACK_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "feedback_step", command, lambda: self._out(
            feedback.transition(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def list_feedback(self, query=None):
        """Praise and suggestions in the caller's scope, by sub-kind, status and the ticket lists'
        filters (schemas.FeedbackQuery)."""
        work = self.work()
        tickets, total = feedback.list_feedback(work, **schemas.FeedbackQuery().load(query or {}))
        return {"items": [self._out(t, work) for t in tickets], "total": total}

    @rpc
    def get_feedback(self, ticket_id):
        """One praise or suggestion with the company's reply (its documents)."""
        work = self.work()
        return self._out(feedback.get_feedback(work, str(ticket_id)), work)
