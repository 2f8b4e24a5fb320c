"""billing's read RPCs: a unit's balance, arrears, statement, bills and receipts; the
project's ledger and trial balance (``domain/queries.py``)."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import queries


class QueryRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

    # -- queries: balances, arrears, statements, bills, receipts, project figures ----------
    @rpc
    def get_balance(self, unit_id):
        data = schemas.AccountQuery().load({"unit_id": unit_id})
        return schemas.BalanceOut().dump(queries.balance(self.work(), data["unit_id"]))

    @rpc
    def has_arrears(self, unit_id):
        """The concierge's goods release (放行): are the unit's fees settled? (staff, platform)"""
        data = schemas.AccountQuery().load({"unit_id": unit_id})
        return schemas.ArrearsOut().dump(queries.has_arrears(self.work(), data["unit_id"]))

    @rpc
    def list_accounts(self, unit_id):
        """The unit's fee accounts the caller may read: the open one and previous households' closed
        ones (一户一账) -- staff of the project all, a resident those of his households."""
        data = schemas.AccountQuery().load({"unit_id": unit_id})
        return schemas.UnitAccountsOut().dump(queries.list_accounts(self.work(), data["unit_id"]))

    @rpc
    def statement(self, unit_id, date_from, date_to, account_id=None):
        q = schemas.StatementQuery().load({"unit_id": unit_id, "date_from": date_from, "date_to": date_to,
                                           "account_id": account_id})
        return schemas.StatementOut().dump(queries.statement(self.work(), q["unit_id"], q["date_from"],
                                                             q["date_to"], q["account_id"]))

    @rpc
    def list_bills(self, unit_id, status="all", period=None, limit=50, offset=0, account_id=None):
        q = schemas.BillsQuery().load({"unit_id": unit_id, "status": status, "period": period,
                                       "limit": limit, "offset": offset, "account_id": account_id})
        return schemas.BillPageOut().dump(queries.list_bills(self.work(), **q))

    @rpc
    def get_bill(self, bill_id):
        q = schemas.BillQuery().load({"bill_id": bill_id})
        return schemas.BillOut().dump(queries.get_bill(self.work(), q["bill_id"]))

    @rpc
    def list_receipts(self, unit_id, limit=50, offset=0, account_id=None):
        q = schemas.ReceiptsQuery().load({"unit_id": unit_id, "limit": limit, "offset": offset,
                                          "account_id": account_id})
        return schemas.ReceiptPageOut().dump(queries.list_receipts(self.work(), **q))

    @rpc
    def get_receipt(self, receipt_id):
        q = schemas.ReceiptQuery().load({"receipt_id": receipt_id})
        return schemas.ReceiptOut().dump(queries.get_receipt(self.work(), q["receipt_id"]))

    @rpc
    def get_deposit(self, deposit_id):
        q = schemas.DepositQuery().load({"deposit_id": deposit_id})
        return schemas.DepositOut().dump(queries.get_deposit(self.work(), q["deposit_id"]))

    @rpc
    def project_ledger(self, project_id):
        q = schemas.ProjectQuery().load({"project_id": project_id})
        return schemas.ProjectLedgerOut().dump(queries.project_ledger(self.work(), q["project_id"]))

    @rpc
    def trial_balance(self, project_id, date_from, date_to):
        q = schemas.TrialBalanceQuery().load({"project_id": project_id, "date_from": date_from,
                                              "date_to": date_to})
        return schemas.TrialBalanceOut().dump(queries.trial_balance(self.work(), **q))
