"""tickets' 巡检 (daily inspections, domain/inspections.py), the stewards' patrols -- wiring only, inherited by
:class:`~services.tickets.service.TicketsService`."""
from __future__ import annotations

from kernel.entrypoints import event_handler, rpc
from kernel.messaging import Event
from kernel.tenancy import Caller

from .. import schemas
from ..domain import inspection_figures, inspections
from ..exceptions import ArchiveUnavailable, BuildingNotFound

ROUND_OUT = schemas.RoundOut()
AREA_OUT = schemas.AreaOut()


class InspectionRpcs:
    # -- daily inspections (巡检, domain/inspections.py) --------------------------------------
    def _round_out(self, ticket, work):
        return ROUND_OUT.dump(inspections.round_view(work, ticket))

    @rpc
    def inspection_templates(self, project_id):
        """Every area type's checklist in force in the project (its staff)."""
        return schemas.TemplateOut(many=True).dump(inspections.templates(self.work(), str(project_id)))

    @rpc
    def inspection_template_history(self, project_id, area_type):
        q = schemas.AreaTypePath().load({"area_type": area_type})
        return schemas.TemplateVersionOut(many=True).dump(
            inspections.template_history(self.work(), str(project_id), q["area_type"]))

    @rpc
    def set_inspection_template(self, project_id, area_type, data, idempotency_key=None):
        """A project's checklist for one area type, whole (CS manager, centre manager): a new version."""
        work, command = self.work(), schemas.ChecklistIn().load(data)
        command.update(project_id=str(project_id), **schemas.AreaTypePath().load({"area_type": area_type}))
        return work.idempotent(idempotency_key, "set_inspection_template", command, lambda: schemas.TemplateOut().dump(
            inspections.set_template(work, command["project_id"], command["area_type"], command["items"],
                                     command["reason"])))

    def _ask_building(self, work):
        """archive's ``get_building`` as the caller: an area's building must be one of the project's;
        not there is ``building_not_found``, no answer ``archive_unavailable`` (fail closed)."""
        caller = work.caller
        return lambda building_id: self.archive.ask(caller, "archive", "get_building", building_id,
                                                    unavailable=ArchiveUnavailable,
                                                    refusals={"building_not_found": BuildingNotFound})

    @rpc
    def list_inspection_areas(self, project_id, query=None):
        work = self.work()
        areas = inspections.list_areas(work, str(project_id), **schemas.AreaQuery().load(query or {}))
        return [AREA_OUT.dump(inspections.area_view(work, a)) for a in areas]

    @rpc
    def create_inspection_area(self, project_id, data, idempotency_key=None):
        """A new inspection area (CS manager, centre manager); today's remaining patrols planned."""
        work, command = self.work(), schemas.AreaIn().load(data)
        command["project_id"] = str(project_id)
        return work.idempotent(idempotency_key, "create_inspection_area", command, lambda: AREA_OUT.dump(
            inspections.area_view(work, inspections.create_area(work, command["project_id"], command,
                                                                 self._ask_building(work)))))

    @rpc
    def update_inspection_area(self, area_id, data, idempotency_key=None):
        work, command = self.work(), schemas.AreaChangeIn().load(data)
        command["area_id"] = str(area_id)
        return work.idempotent(idempotency_key, "update_inspection_area", command, lambda: AREA_OUT.dump(
            inspections.area_view(work, inspections.update_area(work, command["area_id"], command,
                                                                 self._ask_building(work)))))

    @rpc
    def start_inspection_round(self, area_id, idempotency_key=None):
        """A round walked now, outside the patrol plan (steward, front desk)."""
        work, area_id = self.work(), str(area_id)
        return work.idempotent(idempotency_key, "start_inspection_round", {"area_id": area_id},
                               lambda: self._round_out(inspections.start_round(work, area_id), work))

    @rpc
    def inspection_round_step(self, round_id, data, idempotency_key=None):
        """One step of a round: ``data = {"action": start|record|complete|cancel, "results"?, ...}``
        (schemas.RoundStepIn; inspections.TABLE). A failed item opens its repair, once."""
        work, command = self.work(), schemas.RoundStepIn().load(data)
        command["round_id"] = str(round_id)
        return work.idempotent(idempotency_key, "inspection_round_step", command, lambda: self._round_out(
            inspections.step(work, command["round_id"], command["action"], command), work))

    @rpc
    def get_inspection_round(self, round_id):
        work = self.work()
        return self._round_out(inspections.get_round(work, str(round_id)), work)

    @rpc
    def list_inspection_rounds(self, project_id, query=None):
        work = self.work()
        tickets, total = inspections.list_rounds(work, str(project_id), **schemas.RoundQuery().load(query or {}))
        return {"items": [self._round_out(t, work) for t in tickets], "total": total}

    @rpc
    def patrols_by_steward(self, project_id, query=None):
        work = self.work()
        return schemas.StewardPatrolsOut(many=True).dump(
            inspections.by_steward(work, str(project_id), **schemas.ByStewardQuery().load(query or {})))

    @rpc
    def inspection_figures(self, project_id, month):
        """The month's inspection figures (日常巡检统计表): per area, per steward, the findings."""
        query = schemas.MonthlyReportIn().load({"project_id": str(project_id), "month": month})
        return schemas.InspectionFiguresOut().dump(
            inspection_figures.monthly_figures(self.work(), query["project_id"], query["month"]))

    @rpc
    def set_staff_active(self, user_id, active, name=None):
        """The gateway tells a staff account deactivated (or active again): the patrol plan assigns
        an inactive steward nothing (inspections.set_staff_active). The platform only."""
        return inspections.set_staff_active(self.work(), str(user_id), bool(active), name)

    @event_handler("archive", "steward.assigned")
    def on_steward_assigned(self, event: Event):
        inspections.apply_steward(self.work(Caller.system(event.group_id, "tickets")),
                                  schemas.StewardAssignedIn().load(event.data))
