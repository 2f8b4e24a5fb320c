"""tickets' 空置房 (vacant units, domain/vacant.py) -- wiring only, inherited by
:class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import vacant, vacant_care

VACANT_CHECK_OUT = schemas.VacantCheckOut()
VACANT_CARE_OUT = schemas.VacantCareOut()


class VacantRpcs:
    # -- vacant units (空置房, domain/vacant.py) ---------------------------------
    def _register_out(self, work, project_id, month):
        row, checks = vacant.month_view(work, project_id, month)
        return schemas.VacantRegisterOut().dump({**vacant.register_view(row, project_id, month),
                                                 "checks": [vacant.check_view(work, c) for c in checks]})

    @rpc
    def update_vacant_register(self, project_id, month, data, idempotency_key=None):
        """Set the month's vacant units (front desk, steward, CS / centre manager)."""
        work, command = self.work(), schemas.VacantRegisterIn().load(data)
        command.update(schemas.VacantMonthQuery().load({"month": month}), project_id=str(project_id))
        def update():
            vacant.update_register(work, command["project_id"], command["month"], command["unit_ids"],
                                   command["owner_registered"])
            return self._register_out(work, command["project_id"], command["month"])
        return work.idempotent(idempotency_key, "update_vacant_register", command, update)

    @rpc
    def vacant_register(self, project_id, month):
        q = schemas.VacantMonthQuery().load({"month": month})
        return self._register_out(self.work(), str(project_id), q["month"])

    @rpc
    def record_vacant_check(self, check_id, data, idempotency_key=None):
        """A vacant unit's check with its findings per room (steward, front desk, managers)."""
        work, command = self.work(), schemas.VacantCheckIn().load(data)
        command["check_id"] = str(check_id)
        return work.idempotent(idempotency_key, "record_vacant_check", command, lambda: VACANT_CHECK_OUT.dump(
            vacant.check_view(work, vacant.record_check(work, command["check_id"], command["findings"]))))

    @rpc
    def decide_crack(self, finding_id, data, idempotency_key=None):
        """The CS / centre manager's decision on a crack: approved, a repair ticket is opened."""
        work, command = self.work(), schemas.CrackDecisionIn().load(data)
        command["finding_id"] = str(finding_id)
        return work.idempotent(idempotency_key, "decide_crack", command, lambda: VACANT_CHECK_OUT.dump(
            vacant.check_view(work, vacant.get_check(work, vacant.decide_crack(
                work, command["finding_id"], command["approve"], command["note"]).check_id))))

    @rpc
    def get_vacant_check(self, check_id):
        work = self.work()
        return VACANT_CHECK_OUT.dump(vacant.check_view(work, vacant.get_check(work, str(check_id))))

    @rpc
    def unit_vacant_checks(self, unit_id):
        """A unit's vacant-unit checks: its staff, and its household (the results)."""
        work = self.work()
        return [VACANT_CHECK_OUT.dump(vacant.check_view(work, c)) for c in vacant.unit_checks(work, str(unit_id))]

    # -- the care of vacant units (空置房保养, domain/vacant_care.py) -------------------------------
    @rpc
    def vacant_care_tasks(self, project_id, query=None):
        """The project's care tasks (open, due, overdue, done, cancelled): its CS staff, GM, group admin."""
        work, q = self.work(), schemas.VacantCareQuery().load(query or {})
        rows, total = vacant_care.list_tasks(work, str(project_id), **q)
        return {"items": [VACANT_CARE_OUT.dump(vacant_care.view(work, t)) for t in rows], "total": total}

    @rpc
    def get_vacant_care(self, task_id):
        work = self.work()
        return VACANT_CARE_OUT.dump(vacant_care.view(work, vacant_care.get(work, str(task_id))))

    @rpc
    def record_vacant_care(self, task_id, data, idempotency_key=None):
        """A care visit done (front desk, steward, CS / centre manager): the key loan it entered by, who,
        when, a note, an anomaly (told to the CS manager)."""
        work, command = self.work(), schemas.VacantCareRecordIn().load(data)
        command["task_id"] = str(task_id)
        return work.idempotent(idempotency_key, "record_vacant_care", command, lambda: VACANT_CARE_OUT.dump(
            vacant_care.view(work, vacant_care.record(work, command["task_id"], command))))

    @rpc
    def cancel_vacant_care(self, task_id, data, idempotency_key=None):
        """The CS / centre manager cancels a care task not done, with the reason."""
        work, command = self.work(), schemas.VacantCareCancelIn().load(data)
        command["task_id"] = str(task_id)
        return work.idempotent(idempotency_key, "cancel_vacant_care", command, lambda: VACANT_CARE_OUT.dump(
            vacant_care.view(work, vacant_care.cancel(work, command["task_id"], command["reason"]))))
