"""Daily inspections (巡检) and stewards' patrols (巡视), tickets' ``domain/inspections.py``: the
checklists per area type (built-in, overridden per project, versioned), the project's inspection
areas, the rounds -- planned patrols and rounds walked at any time -- with a result per item (a
failed item opens its repair ticket, once), and the lists of rounds due and missed per steward.
The rules, and who may take which step, are tickets'; residents have no part in any of it.

A steward's frequent reads -- the project's rounds (theirs, of a day, due, missed), one round and the
patrols per steward -- come
from the portal's read model (issue 12: a round is a ticket of kind ``inspection``, ``ticket.changed``
carries its ``inspection`` part); a step's reply is projected at once (read-your-writes). A miss (not
projected yet, older than ``min_version``, a caller who is not a reader of the project) is tickets'
answer -- its refusal for another project's staff (404), a resident (404) or a role without the read."""
from __future__ import annotations

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule, min_version

TAGS = ("inspections",)
RECORDERS = "steward, front desk"
EDITORS = "CS manager, centre manager"
READERS = "steward, front desk, CS manager, centre manager (and the GM / group admin)"
STEWARD_ROLES = frozenset({"steward"})


class InspectionRoutes(RouteModule):
    # -- checklists ---------------------------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/inspection-templates", tags=TAGS,
           response=s.InspectionTemplateOut, many=True, errors=(403, 404),
           summary="Every area type's checklist in force in the project: the built-in one (version 0) or "
                   "the project's latest version (any staff of the project)")
    def inspection_templates(self, request, user, project_id):
        return self._as(user)("tickets", "inspection_templates", project_id)

    @route("GET", f"{V1}/projects/{{project_id}}/inspection-templates/{{area_type}}/history", tags=TAGS,
           response=s.InspectionTemplateVersionOut, many=True, errors=(400, 403, 404),
           summary="Every version of one area type's checklist, newest first (any staff of the project)")
    def inspection_template_history(self, request, user, project_id, area_type):
        return self._as(user)("tickets", "inspection_template_history", project_id, area_type)

    @route("PUT", f"{V1}/projects/{{project_id}}/inspection-templates/{{area_type}}", tags=TAGS,
           body=s.InspectionChecklistIn, response=s.InspectionTemplateOut, errors=(400, 403, 404, 422),
           idempotent=True,
           summary=f"Replace the project's checklist for one area type: a new version; rounds made before "
                   f"keep theirs ({EDITORS})",
           description="items: the whole list in order; an item with the code of a current item keeps it "
                       "(a rename), one without a code is added with the next code, a current item left out "
                       "is removed. 422 bad_checklist (an unknown code, a name twice), checklist_unchanged.")
    def set_inspection_template(self, request, user, project_id, area_type, body, idempotency_key):
        return self._as(user)("tickets", "set_inspection_template", project_id, area_type,
                              s.InspectionChecklistIn().dump(body), idempotency_key=idempotency_key)

    # -- areas ----------------------------------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/inspection-areas", tags=TAGS, query=s.InspectionAreaQuery,
           response=s.InspectionAreaOut, many=True, errors=(403, 404),
           summary="The project's inspection areas with who patrols each (any staff of the project)")
    def inspection_areas(self, request, user, project_id, query):
        return self._as(user)("tickets", "list_inspection_areas", project_id,
                              s.InspectionAreaQuery().dump(query))

    @route("POST", f"{V1}/projects/{{project_id}}/inspection-areas", tags=TAGS, body=s.InspectionAreaIn,
           response=s.InspectionAreaOut, status=201, errors=(403, 404, 409, 422, 503), idempotent=True,
           summary=f"A new inspection area (e.g. 1栋楼梯间): today's remaining patrols are planned at once "
                   f"({EDITORS})",
           description="steward_id: an active steward of the project (422 unknown_assignee); without it the "
                       "building's steward (archive's 管家片区) patrols (steward_source building; a deactivated "
                       "steward is given no patrol: they are planned unassigned for the CS manager). 409 "
                       "area_name_taken (names compared NFKC-normalised). building_id: one of "
                       "the project's buildings (archive's registry: 404 building_not_found; 503 "
                       "archive_unavailable when it cannot answer).")
    def create_inspection_area(self, request, user, project_id, body, idempotency_key):
        data = s.InspectionAreaIn().dump(body)
        data["steward_name"] = (self._colleague(user, data["steward_id"], STEWARD_ROLES, project_id=project_id)
                                if data.get("steward_id") else None)
        return self._as(user)("tickets", "create_inspection_area", project_id, data,
                              idempotency_key=idempotency_key)

    @route("PUT", f"{V1}/inspection-areas/{{area_id}}", tags=TAGS, body=s.InspectionAreaChangeIn,
           response=s.InspectionAreaOut, errors=(403, 404, 409, 422, 503), idempotent=True,
           summary=f"Rename an inspection area, change its building or steward (null: the building's), "
                   f"(de)activate it ({EDITORS})",
           description="Names are compared normalised (NFKC: \"１栋楼梯间\" is \"1栋楼梯间\"): 409 area_name_taken. "
                       "Deactivating cancels the area's patrols planned and not started (their clocks too: no "
                       "miss, no alert) and the plan gives it none; activating it plans today's remaining ones.")
    def update_inspection_area(self, request, user, area_id, body, idempotency_key):
        data = s.InspectionAreaChangeIn().dump(body)
        if data.get("steward_id"):
            data["steward_name"] = self._colleague(user, data["steward_id"], STEWARD_ROLES)
        return self._as(user)("tickets", "update_inspection_area", area_id, data, idempotency_key=idempotency_key)

    # -- rounds ---------------------------------------------------------------------------------
    @route("POST", f"{V1}/inspection-areas/{{area_id}}/rounds", tags=TAGS, response=s.InspectionRoundOut,
           status=201, errors=(403, 404, 409), idempotent=True,
           summary=f"Start a round of an area now, outside the patrol plan: in progress, with the area "
                   f"type's checklist as it is now ({RECORDERS})",
           description="The round is of today's local day (listed by ?day=) and due inspection.spot_round_hours "
                       "(4) hours later, then missed like a patrol (its clock spot_round alerts the opener's role). "
                       "One such round open per area: 409 spot_round_open (details.round_id).")
    def start_inspection_round(self, request, user, area_id, idempotency_key):
        # a new round: its ticket.changed brings it into the read model (a GET before that asks tickets)
        return self._as(user)("tickets", "start_inspection_round", area_id, idempotency_key=idempotency_key)

    @route("GET", f"{V1}/inspection-rounds/{{round_id}}", tags=TAGS, query=s.VersionQuery,
           response=s.InspectionRoundOut, errors=(403, 404),
           summary=f"A round: its checklist, each item's result and the repair a failed item opened ({READERS})",
           description="From the portal's read model (ticket.changed, its inspection part); with min_version (or "
                       "X-Min-Version) newer than it holds, not projected yet, or not a reader of the project: "
                       "from tickets itself.")
    def inspection_round(self, request, user, round_id, query):
        found = self._read_model(views.inspection_round, self._caller(user), round_id, min_version(request, query))
        return found if found is not None else self._as(user)("tickets", "get_inspection_round", round_id)

    def _round_step(self, user, round_id, action, data, idempotency_key):
        reply = self._as(user)("tickets", "inspection_round_step", round_id, dict(data, action=action),
                               idempotency_key=idempotency_key)
        if views.unmasked_history(self._caller(user), reply):   # a reply masked for its caller is not kept
            self._project_reply("round", reply, user)  # read-your-writes: the step's answer, projected
        return reply

    @route("POST", f"{V1}/inspection-rounds/{{round_id}}/start", tags=TAGS, body=s.RoundNoteIn,
           response=s.InspectionRoundOut, errors=(403, 404, 409), idempotent=True,
           summary=f"Start a planned patrol ({RECORDERS})")
    def start_planned_round(self, request, user, round_id, body, idempotency_key):
        return self._round_step(user, round_id, "start", s.RoundNoteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/inspection-rounds/{{round_id}}/results", tags=TAGS, body=s.RoundResultsIn,
           response=s.InspectionRoundOut, errors=(403, 404, 409, 422), idempotent=True,
           summary=f"Record items' results (ok / failed, note, photo); a failed item opens a public-area repair "
                   f"ticket, once however often it is resubmitted ({RECORDERS})",
           description="A result sent again replaces the item's outcome, note and photo. photo_ref: an archive "
                       "document id (UUID) or a storage key (a/b/c.jpg: letters, digits, . _ - between '/'), "
                       "nothing else (400: no URL, no scheme). 422 unknown_item (not on the round's checklist "
                       "version), 409 patrol_missed (past the patrol's deadline). 403 role_required names the "
                       "recorders' roles.")
    def record_round_results(self, request, user, round_id, body, idempotency_key):
        return self._round_step(user, round_id, "record", s.RoundResultsIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/inspection-rounds/{{round_id}}/complete", tags=TAGS, body=s.RoundCompleteIn,
           response=s.InspectionRoundOut, errors=(403, 404, 409, 422), idempotent=True,
           summary=f"Complete a round, with the results not recorded yet: every item needs one ({RECORDERS})",
           description="409 results_incomplete (details.missing: the item codes), 409 patrol_missed.")
    def complete_round(self, request, user, round_id, body, idempotency_key):
        return self._round_step(user, round_id, "complete", s.RoundCompleteIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/inspection-rounds/{{round_id}}/cancel", tags=TAGS, body=s.ReasonIn,
           response=s.InspectionRoundOut, errors=(403, 404, 409), idempotent=True,
           summary=f"Cancel a planned or started round with the reason ({EDITORS})")
    def cancel_round(self, request, user, round_id, body, idempotency_key):
        return self._round_step(user, round_id, "cancel", s.ReasonIn().dump(body), idempotency_key)

    @route("POST", f"{V1}/inspection-rounds/{{round_id}}/assign", tags=TAGS, body=s.RoundAssignIn,
           response=s.InspectionRoundOut, errors=(403, 404, 409, 422), idempotent=True,
           summary=f"Give a planned patrol to another steward (one away that day) ({EDITORS})")
    def assign_round(self, request, user, round_id, body, idempotency_key):
        data = s.RoundAssignIn().dump(body)
        data["assignee_name"] = self._colleague(user, data["assignee_id"], STEWARD_ROLES)
        return self._round_step(user, round_id, "assign", data, idempotency_key)

    # -- lists ----------------------------------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/inspection-rounds", tags=TAGS, query=s.InspectionRoundQuery,
           response=s.InspectionRoundListOut, errors=(403, 404),
           summary=f"The project's rounds: due or missed, by steward, area, day, status ({READERS})",
           description="From the portal's read model (ticket.changed, the rounds' inspection part), newest first; "
                       "a caller who is not a reader of the project gets tickets' refusal (404 for another "
                       "project or a resident, 403 for a role without the read).")
    def inspection_rounds(self, request, user, project_id, query):
        page = self._read_model(views.inspection_rounds, self._caller(user), project_id, self.clock.now(),
                                due=query.get("due"), status=query.get("status"),
                                assignee_id=query.get("assignee_id"), area_id=query.get("area_id"),
                                day=query.get("day"), limit=query["limit"], offset=query["offset"])
        if page is None:
            _refuse_outsider(self._caller(user), project_id)
        return page if page is not None else self._as(user)("tickets", "list_inspection_rounds", project_id,
                                                             s.InspectionRoundQuery().dump(query))

    @route("GET", f"{V1}/projects/{{project_id}}/patrols-by-steward", tags=TAGS, query=s.PatrolsByStewardQuery,
           response=s.StewardPatrolsOut, many=True, errors=(403, 404),
           summary=f"Per steward: the planned patrols due, done, missed and cancelled (of a day) ({READERS})",
           description="From the portal's read model (the rounds' inspection part); a caller who is not a reader "
                       "of the project gets tickets' refusal.")
    def patrols_by_steward(self, request, user, project_id, query):
        counts = self._read_model(views.patrols_by_steward, self._caller(user), project_id, self.clock.now(),
                                  day=query.get("day"))
        return counts if counts is not None else self._as(user)("tickets", "patrols_by_steward", project_id,
                                                                s.PatrolsByStewardQuery().dump(query))

    @route("GET", f"{V1}/projects/{{project_id}}/inspection-figures/{{month}}", tags=TAGS,
           response=s.InspectionFiguresOut, errors=(400, 403, 404),
           summary=f"The month's inspection figures (日常巡检统计表): per area and per steward planned, walked now, "
                   f"done (late), missed, findings and the repairs they opened; every finding ({READERS})",
           description="month is YYYY-MM in the project's time zone, finished or current (400 invalid_input / "
                       "month_in_future otherwise). A round counts in the month of its local day; late = done after "
                       "its clock's warning point; missed includes rounds past their deadline not marked yet; the "
                       "rounds left unassigned for the CS manager are the steward row null. Areas: those with a "
                       "round in the month and the active ones made before the month ended -- a month before the "
                       "project had any area lists none (areas: []). Printed: "
                       ".../inspection-figures/{month}.pdf.")
    def inspection_figures(self, request, user, project_id, month):
        month = s.ReportMonthIn().load({"month": month})["month"]      # 400 before any RPC
        return self._as(user)("tickets", "inspection_figures", project_id, month)


def _refuse_outsider(caller, project_id: str) -> None:
    """Another project's staff or a resident: 404 as for a missing project (``views.outside_project``)."""
    outside = views.outside_project(caller, project_id)
    if outside is not None:
        raise outside
