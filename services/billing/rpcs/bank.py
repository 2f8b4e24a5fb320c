"""billing's bank collection RPCs (银行托收): debit mandates, the rounds' batches, the file for the
bank and the bank's result file (``domain/bank.py``)."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import bank


class BankRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

    # -- bank collection (银行托收) -- bank --------------------------------------------------
    @rpc
    def register_debit_mandate(self, unit_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.DebitMandateIn().load(dict(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "register_debit_mandate", command, lambda: schemas
                               .DebitMandateOut().dump(bank.register_mandate(work, command)))

    @rpc
    def list_debit_mandates(self, unit_id):
        data = schemas.AccountQuery().load({"unit_id": unit_id})
        return schemas.DebitMandateOut(many=True).dump(bank.list_mandates(self.work(), data["unit_id"]))

    @rpc
    def cancel_debit_mandate(self, unit_id, mandate_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.MandateCancelIn().load(dict(data, unit_id=unit_id, mandate_id=mandate_id))
        return work.idempotent(idempotency_key, "cancel_debit_mandate", command, lambda: schemas
                               .DebitMandateOut().dump(bank.cancel_mandate(work, command)))

    @rpc
    def read_debit_mandate_account(self, unit_id, mandate_id, purpose):
        """The whole account number: finance, logged on ``wuye.audit``."""
        data = schemas.MandateAccountRead().load({"unit_id": unit_id, "mandate_id": mandate_id, "purpose": purpose})
        return schemas.DebitMandateOut().dump(bank.read_mandate_account(self.work(), **data))

    @rpc
    def list_bank_batches(self, project_id, period=None, limit=24):
        q = schemas.BankBatchQuery().load({"project_id": project_id, "period": period, "limit": limit})
        return schemas.BankBatchOut(many=True).dump(bank.list_batches(self.work(), **q))

    @rpc
    def get_bank_batch(self, batch_id):
        data = schemas.BankBatchRef().load({"batch_id": batch_id})
        return schemas.BankBatchDetailOut().dump(bank.get_batch(self.work(), data["batch_id"]))

    @rpc
    def create_bank_batch(self, project_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.BankBatchIn().load(dict(data, project_id=project_id))
        return work.idempotent(idempotency_key, "create_bank_batch", command, lambda: schemas.BankBatchOut().dump(
            bank.create_round(work, command["project_id"], command)))

    @rpc
    def bank_batch_file(self, batch_id):
        data = schemas.BankBatchRef().load({"batch_id": batch_id})
        return schemas.BankFileOut().dump(bank.batch_file(self.work(), data["batch_id"]))

    @rpc
    def import_bank_results(self, batch_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.BankResultFileIn().load(dict(data, batch_id=batch_id))
        return work.idempotent(idempotency_key, "import_bank_results", command, lambda: schemas.BankResultImportOut()
                               .dump(bank.import_results(work, command["batch_id"], command["csv"])))
