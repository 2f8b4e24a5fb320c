"""billing service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from kernel.db import ClockProvider, Database
from kernel.dependencies import UnitOfWork
from kernel.work import Work
from kernel.entrypoints import event_handler, rpc
from kernel.jobs import JobRunner
from kernel.messaging import Event
from kernel.settings_rpc import SettingsRpcs
from kernel.tenancy import Caller

from . import schemas
from .domain import accounts, copies, cycle, ledger, settings
from .domain import bank, reminders        # bank collection and payment reminders (bank)
from .domain import queries
from .events import CONTRACT, AccountSnapshot
from .models import Base

#: billing's scheduled jobs (kernel.jobs): ``{kind: fn(work, job)}``; periodic kinds in ``PERIODIC``
JOB_HANDLERS: dict = {cycle.SWEEP: cycle.run_sweep}
PERIODIC: dict = {cycle.SWEEP: cycle.SWEEP_EVERY}
# -- bank: the collection rounds (cycle steps) and the payment reminders' sweep and day jobs --
JOB_HANDLERS.update({bank.KIND: bank.on_collect_job, bank.RESULTS_KIND: bank.on_results_job,
                     reminders.SWEEP: reminders.run_sweep, reminders.KIND: reminders.run_day})
PERIODIC.update({reminders.SWEEP: reminders.SWEEP_EVERY})


class BillingService(SettingsRpcs):
    name = "billing"
    settings_rules = settings          # get_settings / set_setting / settings_history

    db = Database(Base)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT, settings=settings.SETTINGS)
    jobs = JobRunner(CONTRACT, JOB_HANDLERS, every=PERIODIC, settings=settings.SETTINGS)


    @rpc
    def health(self):
        self.db.execute(Base.metadata.tables["fee_accounts"].select().limit(1))
        return {"service": self.name, "status": "ok"}

    # -- fee accounts ---------------------------------------------------------
    @rpc
    def get_account(self, unit_id):
        work = self.work()
        data = schemas.AccountQuery().load({"unit_id": unit_id})
        account = accounts.get_account(work, data["unit_id"])
        return schemas.AccountOut().dump(accounts.account_view(work.session, account))

    @rpc
    def export_snapshots(self, kind, after=None, limit=200, project_id=None):
        """The platform's rebuild of a read model: a page of account snapshots (the state
        ``account.balance_changed`` carries) in id order after ``after``."""
        q = schemas.ExportQuery().load({"kind": kind, "after": after, "limit": limit,
                                        "project_id": project_id})
        return AccountSnapshot(many=True).dump(
            accounts.export_snapshots(self.work(), q["after"], q["limit"], q["project_id"]))

    @rpc
    def list_entries(self, unit_id, limit=50, offset=0):
        work = self.work()
        data = schemas.EntriesQuery().load({"unit_id": unit_id, "limit": limit, "offset": offset})
        return schemas.EntryOut(many=True).dump(
            ledger.list_entries(work, data["unit_id"], data["limit"], data["offset"]))

    @rpc
    def record_opening_balance(self, unit_id, amount, as_of, note="", idempotency_key=None):
        work = self.work()
        data = schemas.OpeningBalanceIn().load(
            {"unit_id": unit_id, "amount": amount, "as_of": as_of, "note": note})
        return work.idempotent(idempotency_key, "record_opening_balance", data, lambda: schemas.AccountOut()
                               .dump(ledger.record_opening_balance(work, data)))

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
    def statement(self, unit_id, date_from, date_to):
        q = schemas.StatementQuery().load({"unit_id": unit_id, "date_from": date_from, "date_to": date_to})
        return schemas.StatementOut().dump(queries.statement(self.work(), q["unit_id"], q["date_from"],
                                                             q["date_to"]))

    @rpc
    def list_bills(self, unit_id, status="all", period=None, limit=50, offset=0):
        q = schemas.BillsQuery().load({"unit_id": unit_id, "status": status, "period": period,
                                       "limit": limit, "offset": offset})
        return schemas.BillPageOut().dump(queries.list_bills(self.work(), **q))

    @rpc
    def get_bill(self, bill_id):
        q = schemas.BillQuery().load({"bill_id": bill_id})
        return schemas.BillOut().dump(queries.get_bill(self.work(), q["bill_id"]))

    @rpc
    def list_receipts(self, unit_id, limit=50, offset=0):
        q = schemas.ReceiptsQuery().load({"unit_id": unit_id, "limit": limit, "offset": offset})
        return schemas.ReceiptPageOut().dump(queries.list_receipts(self.work(), **q))

    @rpc
    def get_receipt(self, receipt_id):
        q = schemas.ReceiptQuery().load({"receipt_id": receipt_id})
        return schemas.ReceiptOut().dump(queries.get_receipt(self.work(), q["receipt_id"]))

    @rpc
    def project_ledger(self, project_id):
        q = schemas.ProjectQuery().load({"project_id": project_id})
        return schemas.ProjectLedgerOut().dump(queries.project_ledger(self.work(), q["project_id"]))

    @rpc
    def trial_balance(self, project_id, date_from, date_to):
        q = schemas.TrialBalanceQuery().load({"project_id": project_id, "date_from": date_from,
                                              "date_to": date_to})
        return schemas.TrialBalanceOut().dump(queries.trial_balance(self.work(), **q))

    # -- archive's registry ---------------------------------------------------
    def _platform(self, event: Event) -> Work:
        return self.work(Caller.system(event.group_id, "billing"))

    @event_handler("archive", "project.changed")
    def on_project_changed(self, event: Event):
        copies.apply_project(self._platform(event), schemas.ProjectChangedIn().load(event.data))

    @event_handler("archive", "unit.changed")
    def on_unit_changed(self, event: Event):
        accounts.apply_unit(self._platform(event), schemas.UnitChangedIn().load(event.data))

    @event_handler("archive", "household.changed")
    def on_household_changed(self, event: Event):
        copies.apply_household(self._platform(event), schemas.HouseholdChangedIn().load(event.data))

    # -- charges ----------------------------------------------------------------
    @event_handler("tickets", "ticket.charge_posted")
    def on_charge_posted(self, event: Event):
        """A paid repair's charge: to the unit's fee account, once per charge_id."""
        ledger.post_repair_charge(self._platform(event), schemas.ChargePostedIn().load(event.data))

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
