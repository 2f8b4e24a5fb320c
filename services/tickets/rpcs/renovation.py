"""tickets' 装修 (renovation, domain/renovation.py): the application's steps and billing's reports on its fees --
wiring only, inherited by :class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel.entrypoints import event_handler, rpc
from kernel.messaging import Event
from kernel.tenancy import Caller

from .. import schemas
from ..domain import renovation
from ..exceptions import ArchiveUnavailable, DocumentNotFound

RENOVATION_IN = schemas.RenovationIn()
RENOVATION_STEP_IN = schemas.RenovationStepIn()
RENOVATION_OUT = schemas.RenovationOut()


class RenovationRpcs:
    # -- renovation (装修, domain/renovation.py) ---------------------------------------------
    def _renovation_out(self, work, ticket, row=None):
        row = row if row is not None else work.session.get(renovation.Renovation, ticket.id)
        return RENOVATION_OUT.dump({"id": ticket.id, "ticket": self._out(ticket, work),
                                    "renovation": renovation.view(work, ticket, row)})

    def _ask_document(self, work):
        """archive's ``unit_document``: is the document in the file of the unit's current household,
        and of what type -- read as the caller with the renovation's purpose (logged there); not
        there is ``document_not_found``, no answer ``archive_unavailable`` (fail closed)."""
        caller = work.caller
        return lambda unit_id, document_id: self.archive.ask(
            caller, "archive", "unit_document", unit_id=unit_id, document_id=document_id,
            purpose=renovation.ARCHIVE_PURPOSE, unavailable=ArchiveUnavailable,
            refusals={"document_not_found": DocumentNotFound})

    @rpc
    def apply_renovation(self, data, idempotency_key=None):
        """A renovation application (schemas.RenovationIn): the unit's resident, or the desk."""
        work, command = self.work(), RENOVATION_IN.load(data)
        return work.idempotent(idempotency_key, "apply_renovation", command, lambda: self._renovation_out(
            work, renovation.apply(work, command, self._ask_document(work))))

    @rpc
    def renovation_step(self, ticket_id, data, idempotency_key=None):
        """One step of a renovation: ``data = {"action": attach_document|submit|approve|reject|
        sign_agreement|issue_permit|issue_pass|void_pass|record_patrol|clear_waste|
        request_acceptance|accept|fail_acceptance|occupy|reinspect|cancel, ...}``
        (schemas.RenovationStepIn; renovation.TABLE)."""
        work, command = self.work(), RENOVATION_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "renovation_step", command, lambda: self._renovation_out(
            work, renovation.step(work, command["ticket_id"], command["action"], command, self._ask_document(work))))

    @rpc
    def get_renovation(self, ticket_id):
        work = self.work()
        ticket, row = renovation.get(work, str(ticket_id))
        return self._renovation_out(work, ticket, row)

    # -- billing's reports on a renovation's fees ---------------------------------------------
    @event_handler("billing", "renovation.fees_charged")
    def on_renovation_fees_charged(self, event: Event):
        renovation.on_fees_charged(self.work(Caller.system(event.group_id, "tickets")),
                                   schemas.RenovationFeesChargedIn().load(event.data))

    @event_handler("billing", "renovation.fees_paid")
    def on_renovation_fees_paid(self, event: Event):
        renovation.on_fees_paid(self.work(Caller.system(event.group_id, "tickets")),
                                schemas.RenovationFeesPaidIn().load(event.data))

    @event_handler("billing", "renovation.deposit_refunded")
    def on_renovation_deposit_refunded(self, event: Event):
        renovation.on_deposit_refunded(self.work(Caller.system(event.group_id, "tickets")),
                                       schemas.RenovationDepositRefundedIn().load(event.data))
