"""Dunning (催费): cases, classes, the dunning log and the stewards' tasks -- billing's
``domain/dunning.py`` and ``arrears_classes.py``.

Staff of the project only, never residents (a resident sees their account's dunning state -- stage,
class, paused, late fee accrued -- on the unit's overview and account, from the read model). The
lists are billing's RPCs: they must be fresh (a steward's worklist changes with every call logged).
A class set or an action logged answers the fee account as it now stands, which goes into the read
model at once."""
from __future__ import annotations

from kernel.tenancy import Role

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

READERS = "staff of the project"
DOERS = "steward, CS manager, centre manager"
ASSIGNERS = "CS manager, centre manager"
STEWARDS = frozenset({Role.STEWARD})


class DunningRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/dunning/cases", tags=("dunning",), query=s.DunningCasesQuery,
           response=s.DunningCasePageOut, errors=(403, 404),
           summary=f"The project's dunning cases (催缴案件), most overdue first, by status, stage, class, steward "
                   f"or paused ({READERS})")
    def dunning_cases(self, request, user, project_id, query):
        return self._as(user)("billing", "list_dunning_cases", project_id, {
            "status": query["status"], "stage": query["stage"], "arrears_class": query["arrears_class"],
            "steward": query["steward"], "paused": query["paused"], "limit": query["limit"],
            "offset": query["offset"]})

    @route("GET", f"{V1}/dunning/cases/{{case_id}}", tags=("dunning",), response=s.DunningCaseDetailOut,
           errors=(404,),
           summary=f"One dunning case with its unit, notices, log, tasks, installment plans and legal proposals "
                   f"({READERS})")
    def dunning_case(self, request, user, case_id):
        return self._as(user)("billing", "get_dunning_case", case_id)

    @route("POST", f"{V1}/dunning/cases/{{case_id}}/class", tags=("dunning",), body=s.ArrearsClassIn,
           response=s.DunningActionOut, errors=(403, 404, 409, 422), idempotent=True,
           summary=f"Set the case's arrears class after the first call: A promised a date, B unclear, C "
                   f"unreachable, D away, E refuses ({DOERS})",
           description="Class A names the promised day: today or later (422 promise_in_the_past), at most "
                       "dunning.promise_longest_days (30) ahead (422 promise_too_far), and an amount no more "
                       "than what is overdue (422 promise_above_overdue); a reminder call the day before; the "
                       "day after it, still unpaid, the case moves to class B. The class's tasks start today.")
    def set_arrears_class(self, request, user, case_id, body, idempotency_key):
        reply = self._as(user)("billing", "set_arrears_class", case_id, s.ArrearsClassIn().dump(body),
                               idempotency_key=idempotency_key)
        self._project_reply("account", reply.get("account"), user)
        return reply

    @route("POST", f"{V1}/dunning/cases/{{case_id}}/actions", tags=("dunning",), body=s.DunningActionIn,
           response=s.DunningActionOut, status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary=f"Log an action on the case -- call, SMS, door notice (with its photo), visit, promise, new "
                   f"contact found, note -- completing its open tasks ({DOERS})",
           description="The dunning log (欠费催缴记录表) is append-only: nothing edits or deletes a row. Who and "
                       "when are the caller and the server's clock. A promise is checked as class A is.")
    def log_dunning_action(self, request, user, case_id, body, idempotency_key):
        reply = self._as(user)("billing", "log_dunning_action", case_id, s.DunningActionIn().dump(body),
                               idempotency_key=idempotency_key)
        self._project_reply("account", reply.get("account"), user)
        return reply

    @route("POST", f"{V1}/projects/{{project_id}}/dunning/assignments", tags=("dunning",),
           body=s.StewardAssignmentIn, response=s.StewardAssignmentOut, errors=(403, 404), idempotent=True,
           summary=f"Assign cases to a steward of the project, or back to the project's stewards ({ASSIGNERS})")
    def assign_dunning_steward(self, request, user, project_id, body, idempotency_key):
        data = s.StewardAssignmentIn().dump(body)
        if data["steward_id"] is not None:
            data["steward_name"] = self._colleague(user, data["steward_id"], STEWARDS, project_id=project_id)
        return self._as(user)("billing", "assign_dunning_steward", project_id, data,
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/dunning/tasks", tags=("dunning",), query=s.DunningTasksQuery,
           response=s.DunningWorklistOut, errors=(403, 404),
           summary=f"A steward's worklist: dunning tasks due on the day or earlier and still open, with the "
                   f"unit, what is overdue and the class -- a steward's own by default ({READERS})")
    def dunning_tasks(self, request, user, project_id, query):
        return self._as(user)("billing", "dunning_tasks", project_id, {
            "steward": query["steward"], "day": query["day"].isoformat() if query["day"] else None,
            "limit": query["limit"], "offset": query["offset"]})
