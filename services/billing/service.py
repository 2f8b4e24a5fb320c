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
from .domain import (accounts, bank, billrun, copies, cycle, deposits, dunning, ledger, online, reminders,
                     renovation_fees, settings)
from .domain.providers import providers_from_config
from .events import CONTRACT, AccountSnapshot
from .models import Base
from .rpcs.arrears import ArrearsReportRpcs
from .rpcs.bank import BankRpcs
from .rpcs.dunning import DunningRpcs
from .rpcs.fees import FeeRpcs
from .rpcs.hardship import HardshipRpcs
from .rpcs.payments import PaymentRpcs
from .rpcs.queries import QueryRpcs

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

# -- dunning: the daily ladder sweep (an hourly job scheduling each project's day job) --
JOB_HANDLERS.update({dunning.SWEEP: dunning.run_sweep, dunning.KIND: dunning.run_day})
PERIODIC.update({dunning.SWEEP: dunning.SWEEP_EVERY})

# -- payments helper: the payment-query job (its runner binds the container's providers) --
JOB_HANDLERS[online.QUERY] = online.run_query
PERIODIC[online.QUERY] = online.QUERY_EVERY


class PaymentProviders(DependencyProvider):
    """WeChat Pay / Alipay (config ``PAYMENT_*``, ``domain/providers.py``): ``{channel: provider}`` --
    made once per container (a bad configuration refuses to start), for the RPCs and the
    ``payment-query`` job alike."""

    _providers = None

    @property
    def providers(self) -> dict:
        if self._providers is None:
            self._providers = providers_from_config(self.container.config)
        return self._providers

    def setup(self):
        self.providers

    def get_dependency(self, worker_ctx):
        return self.providers


class BillingJobs(JobRunner):
    """billing's job runner; ``payment-query`` asks the container's payment providers."""

    def setup(self):
        super().setup()
        providers = next(d for d in self.container.dependencies if isinstance(d, PaymentProviders))
        self.handlers[online.QUERY] = partial(online.run_query, providers=providers.providers)


class BillingService(QueryRpcs, PaymentRpcs, BankRpcs, FeeRpcs, DunningRpcs, HardshipRpcs, ArrearsReportRpcs,
                     SettingsRpcs):
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
        return schemas.AccountOut().dump(deposits.as_household_reads(work, account.id, accounts.account_view(
            work.session, account)))

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
    @event_handler("tickets", "renovation.fees_requested")
    def on_renovation_fees_requested(self, event: Event):
        """A renovation's agreement signed: the garbage fee charged, the deposit awaited (once)."""
        renovation_fees.on_fees_requested(self._platform(event),
                                          schemas.RenovationFeesRequestedIn().load(event.data))

    @event_handler("tickets", "renovation.refund_requested")
    def on_renovation_refund_requested(self, event: Event):
        """A renovation re-inspected: the deposit's refund requested, less what is withheld (once)."""
        renovation_fees.on_refund_requested(self._platform(event),
                                            schemas.RenovationRefundRequestedIn().load(event.data))

    @event_handler("tickets", "renovation.cancelled")
    def on_renovation_cancelled(self, event: Event):
        """A renovation cancelled before its fees were paid (the household moved out): the unpaid
        garbage fee cancelled, a held deposit's refund requested (once)."""
        renovation_fees.on_cancelled(self._platform(event), schemas.RenovationCancelledIn().load(event.data))

    @event_handler("tickets", "key.deposit_release_requested")
    def on_key_deposit_release_requested(self, event: Event):
        """A key loan's deposit (钥匙押金) to give back -- the key returned in time, or the loan refused:
        its refund requested by the platform (once)."""
        deposits.on_key_release_requested(self._platform(event),
                                          schemas.KeyDepositReleaseRequestedIn().load(event.data))

    @event_handler("tickets", "key.deposit_forfeit_requested")
    def on_key_deposit_forfeit_requested(self, event: Event):
        """A late borrower's kept key deposit (钥匙押金) the manager decided to forfeit: moved to income, once."""
        deposits.on_key_forfeit_requested(self._platform(event),
                                          schemas.KeyDepositForfeitRequestedIn().load(event.data))

    @event_handler("tickets", "ticket.charge_posted")
    def on_charge_posted(self, event: Event):
        """A paid repair's charge: to the unit's fee account, once per charge_id."""
        ledger.post_repair_charge(self._platform(event), schemas.ChargePostedIn().load(event.data))
