"""billing's fee RPCs: fee schedules, meter readings, the move-in quote, one-off charges and the
monthly bill run (``domain/schedule.py``, ``meters.py``, ``billrun.py``)."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import billrun, meters, schedule


#: schemas used by several RPCs, made once
FEE_SCHEDULE_OUT = schemas.FeeScheduleOut()
PROJECT_REF = schemas.ProjectRef()


class FeeRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

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
