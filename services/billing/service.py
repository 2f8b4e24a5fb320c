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
from .events import CONTRACT, AccountSnapshot
from .models import Base

#: billing's scheduled jobs (kernel.jobs): ``{kind: fn(work, job)}``; periodic kinds in ``PERIODIC``
JOB_HANDLERS: dict = {cycle.SWEEP: cycle.run_sweep}
PERIODIC: dict = {cycle.SWEEP: cycle.SWEEP_EVERY}


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
