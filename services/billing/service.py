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
from .domain import accounts, billrun, copies, cycle, ledger, meters, schedule, settings
from .events import CONTRACT, AccountSnapshot
from .models import Base

#: billing's scheduled jobs (kernel.jobs): ``{kind: fn(work, job)}``; periodic kinds in ``PERIODIC``
JOB_HANDLERS: dict = {cycle.SWEEP: cycle.run_sweep}
# -- billrun: the monthly bill run (its chunks) and the notices of the 5th
JOB_HANDLERS.update({billrun.BILL_RUN.kind: billrun.on_cycle_job, billrun.CHUNK_JOB: billrun.on_chunk_job,
                     billrun.BILL_NOTICES.kind: billrun.on_notices_job})
PERIODIC: dict = {cycle.SWEEP: cycle.SWEEP_EVERY}


# -- billrun: schemas used by several RPCs, made once
FEE_SCHEDULE_OUT = schemas.FeeScheduleOut()
PROJECT_REF = schemas.ProjectRef()


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
        return work.idempotent(idempotency_key, "charge_once", command, lambda: schemas.FeeBillOut().dump(
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

