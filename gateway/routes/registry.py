"""Projects, buildings, units and households (archive's registry)."""
from __future__ import annotations

from .. import schemas as s
from ..composition import unit_overview, unit_overview_parts
from ..readmodel import views
from ..routing import Created, route
from .base import V1, RouteModule


class RegistryRoutes(RouteModule):
    @route("GET", f"{V1}/projects", summary="Projects the caller may see", tags=("registry",),
           response=s.ProjectOut, many=True)
    def projects(self, request, user):
        return self._as(user)("archive", "list_projects")

    @route("GET", f"{V1}/projects/{{project_id}}/units", summary="Units of a project (staff)",
           tags=("registry",), response=s.UnitOut, many=True, errors=(404,))
    def project_units(self, request, user, project_id):
        return self._as(user)("archive", "list_units", project_id)

    @route("GET", f"{V1}/units/{{unit_id}}", summary="One unit", tags=("registry",), response=s.UnitOut,
           errors=(404,))
    def unit(self, request, user, unit_id):
        return self._as(user)("archive", "get_unit", unit_id)

    @route("GET", f"{V1}/units/{{unit_id}}/overview", tags=("registry",), response=s.OverviewOut,
           errors=(404,), summary="Household, open tickets, balance and latest notifications of a unit")
    def unit_overview(self, request, user, unit_id):
        caller = self._caller(user)
        view = self._read_model(views.overview, caller, unit_id, self.clock.now())
        if view is None:                       # the unit is not projected yet: ask the owners
            view = unit_overview(self._as(user), unit_id)
        else:
            missing = view.pop("missing")
            if missing:                        # a part not projected yet: from its owner
                fetched, degraded = unit_overview_parts(self._as(user), unit_id, missing)
                view.update(fetched)
                view["degraded"] = degraded
            view = views.combine_balance(view)
        if views.holds_others_money(caller, view.get("account")):
            # perhaps a borrower's key deposit in deposits held: billing's figure, without it
            view["account"] = dict(view["account"], deposits_held=self._as(user)("billing", "get_account",
                                                                                 unit_id)["deposits_held"])
        if view.get("account") is not None:
            view["account"] = views.account_for(caller, view["account"])
        return view

    @route("POST", f"{V1}/projects", summary="Register a project of the caller's group (group admin)",
           tags=("registry",), body=s.ProjectIn, response=s.ProjectOut, status=201, errors=(409,),
           idempotent=True)
    def register_project(self, request, user, body, idempotency_key):
        call = self._as(user)
        result = call("archive", "register_project", dict(s.ProjectIn().dump(body), group_id=user.group_id),
                      idempotency_key=idempotency_key)
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/projects/{{project_id}}/buildings", summary="Register a building (楼栋)",
           tags=("registry",), body=s.BuildingIn, response=s.BuildingOut, status=201, errors=(404,),
           idempotent=True)
    def register_building(self, request, user, project_id, body, idempotency_key):
        result = self._as(user)("archive", "register_building",
                                dict(s.BuildingIn().dump(body), project_id=project_id),
                                idempotency_key=idempotency_key)
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/buildings/{{building_id}}/units", summary="Register a unit (房屋) with its area",
           tags=("registry",), body=s.UnitIn, response=s.UnitOut, status=201, errors=(404,),
           idempotent=True)
    def register_unit(self, request, user, building_id, body, idempotency_key):
        result = self._as(user)("archive", "register_unit",
                                dict(s.UnitIn().dump(body), building_id=building_id),
                                idempotency_key=idempotency_key)
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/units/{{unit_id}}/move-in", summary="Move a household in (入伙)",
           tags=("registry",), body=s.MoveInIn, response=s.HouseholdOut, status=201, errors=(404, 409),
           idempotent=True)
    def move_in(self, request, user, unit_id, body, idempotency_key):
        result = self._as(user)("archive", "move_in", dict(s.MoveInIn().dump(body), unit_id=unit_id),
                                idempotency_key=idempotency_key)
        return Created(result, result.pop("created", True))
