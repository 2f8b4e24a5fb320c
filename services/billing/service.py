"""billing service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from functools import partial

from nameko.extensions import DependencyProvider

from kernel.db import ClockProvider, Database
from kernel.dependencies import UnitOfWork
from kernel.work import Work
from kernel.entrypoints import event_handler, rpc
from kernel.jobs import JobRunner
from kernel.messaging import Event
from kernel.settings_rpc import SettingsRpcs
from kernel.tenancy import Caller

from . import schemas
from .domain import accounts, billrun, copies, cycle, ledger, meters, schedule, settings
from .domain import bank, reminders        # bank collection and payment reminders (bank)
from .domain import queries
from .domain import corrections, deposits, online, payments, receipts, refunds  # payments helper
from .domain.providers import providers_from_config
from .events import CONTRACT, AccountSnapshot
from .models import Base

#: billing's scheduled jobs (kernel.jobs): ``{kind: fn(work, job)}``; periodic kinds in ``PERIODIC``
JOB_HANDLERS: dict = {cycle.SWEEP: cycle.run_sweep}
# -- billrun: the monthly bill run (its chunks) and the notices of the 5th
JOB_HANDLERS.update({billrun.BILL_RUN.kind: billrun.on_cycle_job, billrun.CHUNK_JOB: billrun.on_chunk_job,
                     billrun.BILL_NOTICES.kind: billrun.on_notices_job})
PERIODIC: dict = {cycle.SWEEP: cycle.SWEEP_EVERY}
# -- bank: the collection rounds (cycle steps) and the payment reminders' sweep and day jobs --
JOB_HANDLERS.update({bank.KIND: bank.on_collect_job, bank.RESULTS_KIND: bank.on_results_job,
                     reminders.SWEEP: reminders.run_sweep, reminders.KIND: reminders.run_day})
PERIODIC.update({reminders.SWEEP: reminders.SWEEP_EVERY})

# -- payments helper: the payment-query job (its runner binds the container's providers) --
JOB_HANDLERS[online.QUERY] = online.run_query
PERIODIC[online.QUERY] = online.QUERY_EVERY


class BillingJobs(JobRunner):
    """billing's job runner; ``payment-query`` asks the payment providers of the container's config."""

    def setup(self):
        super().setup()
        self.handlers[online.QUERY] = partial(online.run_query,
                                              providers=providers_from_config(self.container.config))


class PaymentProviders(DependencyProvider):
    """WeChat Pay / Alipay (config ``PAYMENT_*``, ``domain/providers.py``): ``{channel: provider}``."""

    def setup(self):
        self.providers = providers_from_config(self.container.config)

    def get_dependency(self, worker_ctx):
        return self.providers


def _with(data, **ids):
    """A command's body with the ids from the path; a body that is not an object is left to the
    schema, which refuses it (400)."""
    return {**data, **ids} if isinstance(data, dict) else data


# -- billrun: schemas used by several RPCs, made once
FEE_SCHEDULE_OUT = schemas.FeeScheduleOut()
PROJECT_REF = schemas.ProjectRef()


def _notified(payment) -> dict:
    return {"payment_id": payment.id, "status": payment.status}


class BillingService(SettingsRpcs):
    name = "billing"
    settings_rules = settings          # get_settings / set_setting / settings_history

    db = Database(Base)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT, settings=settings.SETTINGS)
    jobs = BillingJobs(CONTRACT, JOB_HANDLERS, every=PERIODIC, settings=settings.SETTINGS)
    providers = PaymentProviders()


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

    # -- payments, receipts, deposits, refunds, corrections (payments helper) -----------------
    # Every write runs once per caller and Idempotency-Key; the stored reply is the whole dumped
    # answer (the receipt included), so a retry gets the same receipt.
    def _payment_out(self, work, payment):
        return schemas.PaymentOut().dump(payments.payment_view(work.session, payment))

    @rpc
    def record_payment(self, unit_id, data, idempotency_key=None):
        """收款 at the desk (front desk: cash, card; finance, centre manager: also transfers)."""
        work = self.work()
        command = schemas.PaymentIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "record_payment", command, lambda: self._payment_out(
            work, payments.record_payment(work, command)))

    @rpc
    def start_online_payment(self, unit_id, data, idempotency_key=None):
        """WeChat Pay / Alipay for the unit (its household; the desk with a scanned payment code)."""
        work = self.work()
        command = schemas.OnlinePaymentIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "start_online_payment", command, lambda: self._payment_out(
            work, online.start_online_payment(work, self.providers, command, idempotency_key)))

    @rpc
    def get_payment(self, payment_id):
        work = self.work()
        data = schemas.PaymentRef().load({"payment_id": payment_id})
        return self._payment_out(work, payments.get_payment(work, data["payment_id"]))

    @rpc
    def refresh_payment(self, payment_id, idempotency_key=None):
        """Ask the provider about a pending online payment now."""
        work = self.work()
        data = schemas.PaymentRef().load({"payment_id": payment_id})
        return work.idempotent(idempotency_key, "refresh_payment", data, lambda: self._payment_out(
            work, online.refresh_payment(work, self.providers, data["payment_id"])))

    @rpc
    def confirm_online_payment(self, provider, body, signature, idempotency_key=None):
        """A provider's notification forwarded by the gateway (the platform only); idempotent by
        the provider's trade number whatever the key."""
        work = self.work()
        data = schemas.NotificationIn().load({"provider": provider, "body": body, "signature": signature})
        return work.idempotent(idempotency_key, "confirm_online_payment", data, lambda: schemas.NotificationOut()
                               .dump(_notified(online.confirm_notification(work, self.providers, data))))

    @rpc
    def void_receipt(self, receipt_id, data, idempotency_key=None):
        """作废收据 (finance, centre manager): the receipt stays, void; its payment is reversed."""
        work = self.work()
        command = schemas.VoidReceiptIn().load(_with(data, receipt_id=receipt_id))
        return work.idempotent(idempotency_key, "void_receipt", command, lambda: self._payment_out(
            work, receipts.void_receipt(work, command)))

    @rpc
    def hold_deposit(self, unit_id, data, idempotency_key=None):
        """押金 held for the unit (the desk's roles per method, as payments)."""
        work = self.work()
        command = schemas.DepositIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "hold_deposit", command, lambda: self._payment_out(
            work, deposits.hold_deposit(work, command)))

    @rpc
    def request_refund(self, unit_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.RefundIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "request_refund", command, lambda: schemas.RefundOut().dump(
            refunds.refund_view(work, refunds.request_refund(work, command))))

    @rpc
    def approve_refund(self, refund_id, data=None, idempotency_key=None):
        return self._refund_step(refund_id, refunds.APPROVE, data, idempotency_key)

    @rpc
    def reject_refund(self, refund_id, data=None, idempotency_key=None):
        return self._refund_step(refund_id, refunds.REJECT, data, idempotency_key)

    @rpc
    def pay_refund(self, refund_id, data=None, idempotency_key=None):
        return self._refund_step(refund_id, refunds.PAY, data, idempotency_key)

    def _refund_step(self, refund_id, action, data, idempotency_key):
        work = self.work()
        command = schemas.RefundStepIn().load(_with(data if data is not None else {}, refund_id=refund_id))
        return work.idempotent(idempotency_key, f"{action}_refund", command, lambda: schemas.RefundOut().dump(
            refunds.refund_view(work, refunds.step(work, command["refund_id"], action, command["note"]),
                                with_account=action == refunds.PAY)))

    @rpc
    def list_refunds(self, project_id, status=None, limit=50, offset=0):
        work = self.work()
        query = schemas.RefundQuery().load({"project_id": project_id, "status": status, "limit": limit,
                                            "offset": offset})
        return schemas.RefundOut(many=True).dump([refunds.refund_view(work, r)
                                                  for r in refunds.list_refunds(work, query)])

    @rpc
    def discount_bill(self, bill_id, data, idempotency_key=None):
        return self._credit_bill(bill_id, "discount", data, idempotency_key)

    @rpc
    def write_off_bill(self, bill_id, data, idempotency_key=None):
        return self._credit_bill(bill_id, "write_off", data, idempotency_key)

    def _credit_bill(self, bill_id, kind, data, idempotency_key):
        work = self.work()
        command = schemas.BillCreditIn().load(_with(data, bill_id=bill_id))
        return work.idempotent(idempotency_key, f"{kind}_bill", command, lambda: schemas.CorrectionOut().dump(
            corrections.correction_view(work, *corrections.credit_bill(work, kind, command))))

    @rpc
    def reverse_entry(self, entry_id, data, idempotency_key=None):
        """冲正 of a journal entry (finance, centre manager)."""
        work = self.work()
        command = schemas.ReverseIn().load(_with(data, entry_id=entry_id))
        return work.idempotent(idempotency_key, "reverse_entry", command, lambda: schemas.CorrectionOut().dump(
            corrections.correction_view(work, *corrections.reverse_entry(work, command))))


    # -- fee schedules, meter readings, one-off charges, bill runs (billrun) -------------
    @rpc
    def get_fee_schedule(self, project_id, on=None):
        """The project's fee items with every price row (past, in force on ``on``, scheduled) (staff)."""
        q = schemas.FeeScheduleQuery().load({"project_id": project_id, "on": on})
        return FEE_SCHEDULE_OUT.dump(schedule.schedule_view(self.work(), q["project_id"], q["on"]))

    @rpc
    def add_fee_item(self, project_id, data, idempotency_key=None):
        """A new fee item (finance, centre manager, group admin)."""
        work, command = self.work(), schemas.FeeItemIn().load(data)
        command["project_id"] = PROJECT_REF.load({"project_id": project_id})["project_id"]
        return work.idempotent(idempotency_key, "add_fee_item", command, lambda: FEE_SCHEDULE_OUT.dump(
            schedule.add_item(work, command["project_id"], command)))

    @rpc
    def set_fee_price(self, project_id, item_code, data, idempotency_key=None):
        """An item's price for a usage from a date, today or later (finance, centre manager, group admin)."""
        work, command = self.work(), schemas.FeePriceIn().load(data)
        command.update(project_id=PROJECT_REF.load({"project_id": project_id})["project_id"],
                       item_code=str(item_code))
        return work.idempotent(idempotency_key, "set_fee_price", command, lambda: FEE_SCHEDULE_OUT.dump(
            schedule.set_price(work, command["project_id"], command["item_code"], command)))

    @rpc
    def record_meter_reading(self, project_id, data, idempotency_key=None):
        """One meter reading (finance, centre manager, group admin, engineering)."""
        work, command = self.work(), schemas.MeterReadingIn().load(data)
        command["project_id"] = PROJECT_REF.load({"project_id": project_id})["project_id"]
        return work.idempotent(idempotency_key, "record_meter_reading", command, lambda: schemas.MeterReadingOut()
                               .dump(meters.record_reading(work, command["project_id"], command)))

    @rpc
    def import_meter_readings(self, project_id, data, idempotency_key=None):
        """A CSV file of meter readings, all or nothing (finance, centre manager, group admin, engineering)."""
        work, command = self.work(), schemas.MeterImportIn().load(data)
        command["project_id"] = PROJECT_REF.load({"project_id": project_id})["project_id"]
        return work.idempotent(idempotency_key, "import_meter_readings", command, lambda: schemas.MeterImportOut()
                               .dump(meters.import_readings(work, command["project_id"], command["csv"],
                                                            schemas.MeterReadingIn())))

    @rpc
    def list_meter_readings(self, project_id, query):
        """A month's meter readings of the project (staff)."""
        q = schemas.MeterReadingsQuery().load({**(query or {}), "project_id": project_id})
        return schemas.MeterReadingOut(many=True).dump(meters.list_readings(self.work(), q["project_id"], q))

    @rpc
    def move_in_quote(self, unit_id, on=None):
        """What a household moving in pays ahead (billing.prepay_months of the monthly items)."""
        q = schemas.MoveInQuoteQuery().load({"unit_id": unit_id, "on": on})
        return schemas.MoveInQuoteOut().dump(schedule.move_in_quote(self.work(), q["unit_id"], q["on"]))

    @rpc
    def charge_once(self, unit_id, data, idempotency_key=None):
        """A one-off charge from the schedule as a bill (finance, front desk, centre manager, group admin)."""
        work, command = self.work(), schemas.OneOffChargeIn().load(data)
        command["unit_id"] = schemas.AccountQuery().load({"unit_id": unit_id})["unit_id"]
        return work.idempotent(idempotency_key, "charge_once", command, lambda: schemas.BillOut().dump(
            schedule.charge_once(work, command["unit_id"], command)))

    @rpc
    def start_bill_run(self, project_id, month, chunk_size=None, idempotency_key=None):
        """Start (or answer) the month's bill run (finance; the platform)."""
        work = self.work()
        command = {**schemas.BillRunIn().load({"month": month}),
                   **schemas.BillRunOptions().load({"chunk_size": chunk_size})}
        command["project_id"] = PROJECT_REF.load({"project_id": project_id})["project_id"]
        return work.idempotent(idempotency_key, "start_bill_run", command, lambda: schemas.BillRunOut().dump(
            billrun.start(work, command["project_id"], command["month"], command["chunk_size"])))

    @rpc
    def get_bill_run(self, project_id, month):
        """A month's bill run and its progress (finance, centre manager, general manager, group admin)."""
        q = schemas.ProjectMonthQuery().load({"project_id": project_id, "month": month})
        return schemas.BillRunOut().dump(billrun.get(self.work(), q["project_id"], q["month"]))

