"""archive's census (住户普查): stewards' areas, census tasks, retention, queries -- wiring only, inherited by
:class:`~services.archive.service.ArchiveService`."""
from __future__ import annotations

from kernel.entrypoints import rpc
from kernel.errors import InvalidInput

from .. import schemas
from ..domain import census, retention
from ..models import Project


class CensusRpcs:
    # -- census (issue 11, area "census"): stewards' areas, census tasks, retention, queries ----------
    @rpc
    def assign_steward(self, project_id, data, idempotency_key=None):
        work, command = self.work(), schemas.StewardAssignIn().load(data)
        def run():
            row, changed = census.assign_steward(work, project_id, command)
            return dict(schemas.StewardAreaOut().dump(census.assignment_view(row)), changed=changed)
        return work.idempotent(idempotency_key, "assign_steward", dict(command, project_id=project_id), run)

    @rpc
    def remove_steward(self, project_id, data, idempotency_key=None):
        work, command = self.work(), schemas.StewardRemoveIn().load(data)
        return work.idempotent(idempotency_key, "remove_steward", dict(command, project_id=project_id),
                               lambda: schemas.StewardAreaOut().dump(
                                   census.remove_steward(work, project_id, command)))

    @rpc
    def list_stewards(self, project_id):
        return schemas.StewardAreaOut(many=True).dump(
            [census.assignment_view(r) for r in census.list_stewards(self.work(), project_id)])

    @rpc
    def steward_for_unit(self, unit_id):
        """The steward responsible for the unit (its own, else its building's), or None."""
        q = schemas.UnitRef().load({"unit_id": unit_id})
        found = census.steward_for_unit(self.work(), q["unit_id"])
        return None if found is None else schemas.StewardForUnitOut().dump(found)

    @rpc
    def household_summary(self, unit_id):
        q = schemas.UnitRef().load({"unit_id": unit_id})
        return schemas.HouseholdSummaryOut().dump(census.household_summary(self.work(), q["unit_id"]))

    @rpc
    def contacts_for_notify(self, unit_id=None, household_id=None, purpose=None):
        q = schemas.ContactsQuery().load({"unit_id": unit_id, "household_id": household_id, "purpose": purpose})
        return schemas.HouseholdContactsOut().dump(
            census.contacts_for_notify(self.work(), q["unit_id"], q["household_id"], q["purpose"]))

    @rpc
    def list_census_tasks(self, project_id, query=None):
        q = schemas.CensusQuery().load(query or {})
        return schemas.CensusPageOut().dump(census.list_tasks(self.work(), project_id, q))

    @rpc
    def my_census_tasks(self, query=None):
        q = schemas.CensusQuery().load(query or {})
        return schemas.CensusPageOut().dump(census.my_tasks(self.work(), q))

    @rpc
    def census_by_steward(self, project_id):
        return schemas.CensusStewardOut(many=True).dump(census.overdue_by_steward(self.work(), project_id))

    @rpc
    def get_census_task(self, task_id, purpose):
        q = schemas.CensusTaskRead().load({"task_id": task_id, "purpose": purpose})
        return schemas.CensusTaskOut().dump(census.task_with_household(self.work(), q["task_id"], q["purpose"]))

    @rpc
    def census_step(self, task_id, action, data=None, idempotency_key=None):
        """confirm | correct | cancel a census task (the table in ``domain/census.py``)."""
        loaders = {census.CONFIRM: (schemas.CensusConfirmIn, census.confirm),
                   census.CORRECT: (schemas.CensusCorrectIn, census.correct),
                   census.CANCEL: (schemas.CensusCancelIn, census.cancel)}
        if action not in loaders:
            raise InvalidInput(f"unknown census action {action!r}; one of {', '.join(loaders)}",
                               code="unknown_action", zh="未知的普查操作（可用：确认、更正、取消）")
        schema, step = loaders[action]
        work, command = self.work(), schema().load(data or {})

        def run():
            task = step(work, task_id, command)
            project = work.session.get(Project, task.project_id)
            return schemas.CensusTaskOut().dump(
                census.task_views(work, [task], {project.id: census.local_today(work, project)})[0])
        return work.idempotent(idempotency_key, f"census_{action}", dict(command, task_id=task_id), run)

    @rpc
    def run_census_sweep(self, project_id):
        """Today's census sweep of the project now (the platform only; ``./wuye archive census``);
        idempotent: a household with an open task gets no second one."""
        q = schemas.CensusSweepIn().load({"project_id": project_id})
        return schemas.CensusSweepOut().dump(census.sweep_now(self.work(), q["project_id"]))

    @rpc
    def retention_purges(self, project_id, limit=50, offset=0):
        q = schemas.PurgeQuery().load({"project_id": project_id, "limit": limit, "offset": offset})
        return schemas.RetentionPurgeOut(many=True).dump(
            retention.list_purges(self.work(), q["project_id"], q["limit"], q["offset"]))
