"""The stewards' areas (管家片区), the household census (住户普查) and the retention purges (保管期限), issue 11.
archive's ``domain/census.py`` and ``domain/retention.py`` hold the rules (and who may do what); each
route is one RPC to archive -- a steward's list is one query there, not a fan-out."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule, audit_contacts_read

MANAGERS = "CS manager, centre manager of the project"
CENSUS_READERS = "steward, CS manager, centre manager, GM, group admin"
STEWARD_ROLES = frozenset({"steward"})


class CensusRoutes(RouteModule):
    # -- stewards' areas ------------------------------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/stewards", tags=("archive",), response=s.StewardAreaOut,
           many=True, errors=(403, 404),
           summary="The project's stewards' areas (管家片区): each building's steward and units with their own "
                   "(staff of the project)")
    def list_stewards(self, request, user, project_id):
        return self._as(user)("archive", "list_stewards", project_id)

    @route("POST", f"{V1}/projects/{{project_id}}/stewards", tags=("archive",), body=s.StewardAssignIn,
           response=s.StewardAreaOut, errors=(400, 403, 404, 422), idempotent=True,
           summary=f"Assign the steward of a building, or of one unit overriding its building's ({MANAGERS})",
           description="The steward must be an active steward of the project (422 unknown_assignee). The open "
                       "census tasks of the units concerned move to the new steward; published as "
                       "steward.assigned. The work phone is a staff number shown to residents.")
    def assign_steward(self, request, user, project_id, body, idempotency_key):
        data = s.StewardAssignIn().dump(body)
        data["steward_name"] = self._colleague(user, data["steward_id"], STEWARD_ROLES, project_id=project_id)
        return self._as(user)("archive", "assign_steward", project_id, data, idempotency_key=idempotency_key)

    @route("POST", f"{V1}/projects/{{project_id}}/stewards/remove", tags=("archive",), body=s.StewardRemoveIn,
           response=s.StewardAreaOut, errors=(400, 403, 404), idempotent=True,
           summary=f"Remove a building's or a unit's steward (a unit falls back to its building's) ({MANAGERS})")
    def remove_steward(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("archive", "remove_steward", project_id, s.StewardRemoveIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/units/{{unit_id}}/steward", tags=("archive",), response=s.StewardForUnitOut,
           errors=(404,), summary="The steward responsible for the unit, with the work phone (staff of the "
                                  "project; a resident for their own unit); null: none assigned yet")
    def steward_for_unit(self, request, user, unit_id):
        return self._as(user)("archive", "steward_for_unit", unit_id)

    @route("GET", f"{V1}/units/{{unit_id}}/household-summary", tags=("archive",), response=s.HouseholdSummaryOut,
           errors=(403, 404),
           summary="The unit's household at a glance: status, people by role, owners (names masked unless the "
                   "role needs them), payment summary, census, steward (staff; a resident for their own unit)")
    def household_summary(self, request, user, unit_id):
        return self._as(user)("archive", "household_summary", unit_id)

    # -- the census -------------------------------------------------------------------------------------
    @route("GET", f"{V1}/census-tasks/mine", tags=("archive",), query=s.CensusQuery, response=s.CensusPageOut,
           errors=(400, 403),
           summary="My census tasks (住户普查): a steward's own, open by default, oldest due first")
    def my_census_tasks(self, request, user, query):
        return self._as(user)("archive", "my_census_tasks", s.CensusQuery().dump(query))

    @route("GET", f"{V1}/projects/{{project_id}}/census-tasks", tags=("archive",), query=s.CensusQuery,
           response=s.CensusPageOut, errors=(400, 403, 404),
           summary=f"The project's census tasks by state and steward ({CENSUS_READERS})")
    def census_tasks(self, request, user, project_id, query):
        return self._as(user)("archive", "list_census_tasks", project_id, s.CensusQuery().dump(query))

    @route("GET", f"{V1}/projects/{{project_id}}/census-by-steward", tags=("archive",),
           response=s.CensusStewardOut, many=True, errors=(403, 404),
           summary="Open and overdue census tasks per steward, most overdue first (CS manager, centre manager, "
                   "GM, group admin)")
    def census_by_steward(self, request, user, project_id):
        return self._as(user)("archive", "census_by_steward", project_id)

    @route("GET", f"{V1}/census-tasks/{{task_id}}", tags=("archive",), query=s.FileQuery,
           response=s.CensusTaskOut, errors=(400, 403, 404),
           summary=f"A census task with its household's people and contacts as on file ({CENSUS_READERS}); "
                   "the read is logged in the file's access log with its purpose")
    def census_task(self, request, user, task_id, query):
        task = self._as(user)("archive", "get_census_task", task_id, query["purpose"])
        audit_contacts_read(user, "census_task", len((task.get("household") or {}).get("people") or ()),
                            task_id=task_id)
        return task

    def _census_step(self, user, task_id, action, data, idempotency_key):
        return self._as(user)("archive", "census_step", task_id, action, data, idempotency_key=idempotency_key)

    @route("POST", f"{V1}/census-tasks/{{task_id}}/confirm", tags=("archive",), body=s.CensusConfirmIn,
           response=s.CensusTaskOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           summary="The household's people and contacts are as on file (无变化): the task is done and the next "
                   "census falls due from today (the task's steward, any steward while unassigned, CS manager, "
                   "centre manager)")
    def confirm_census(self, request, user, task_id, body, idempotency_key):
        return self._census_step(user, task_id, "confirm", s.CensusConfirmIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/census-tasks/{{task_id}}/correct", tags=("archive",), body=s.CensusCorrectIn,
           response=s.CensusTaskOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           summary="Correct people's names, phones, e-mails, locales and marketing consent found at the census "
                   "(as confirm); 422 nothing_corrected when nothing differs")
    def correct_census(self, request, user, task_id, body, idempotency_key):
        return self._census_step(user, task_id, "correct", s.CensusCorrectIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/census-tasks/{{task_id}}/cancel", tags=("archive",), body=s.CensusCancelIn,
           response=s.CensusTaskOut, errors=(400, 403, 404, 409), idempotent=True,
           summary=f"Cancel a census task with the reason ({MANAGERS})")
    def cancel_census(self, request, user, task_id, body, idempotency_key):
        return self._census_step(user, task_id, "cancel", s.CensusCancelIn().dump(body), idempotency_key)

    # -- retention -------------------------------------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/retention-purges", tags=("archive",),
           query=s.RetentionPurgeQuery, response=s.RetentionPurgeOut, many=True, errors=(400, 403, 404),
           summary="What the retention jobs purged, when and under which rule (保管期限; CS manager, centre "
                   "manager, GM, group admin) -- no personal data")
    def retention_purges(self, request, user, project_id, query):
        return self._as(user)("archive", "retention_purges", project_id, query["limit"], query["offset"])
