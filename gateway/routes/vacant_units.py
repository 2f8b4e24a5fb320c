"""Vacant units (空置房, seed 000 §十): the month's register (updated by the 5th), each vacant unit's
check with its findings per room (by the 10th), the result to the owner (by the 12th: notify's SMS);
a small defect opens a repair ticket, a crack waits for the CS manager's approval. tickets'
``domain/vacant.py`` holds the rules; an owner reads their unit's check results."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

RECORDERS = "front desk, steward, CS manager, centre manager"


class VacantUnitRoutes(RouteModule):
    @route("PUT", f"{V1}/projects/{{project_id}}/vacant-units/{{month}}", tags=("vacant units",),
           summary=f"Set the month's vacant-unit register (空置房登记表, by the 5th): checks added and "
                   f"cancelled to match; a unit with a household is 409 unit_occupied unless its owner registered it "
                   f"vacant (owner_registered) ({RECORDERS})",
           body=s.VacantRegisterIn, response=s.VacantRegisterOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           description="Every unit of unit_ids and owner_registered is one of the project's (404 unit_not_found, "
                       "as an unknown id, for another project's); a unit of owner_registered is on the register "
                       "too (422 owner_registered_not_listed). Another project's staff: 404 project_not_found. "
                       "The reply's owner_registered names the units the owner registered vacant. A household "
                       "moving in (业主入住) withdraws its unit from the register: its check, not recorded yet, "
                       "cancelled (its clocks never breach); a recorded check stays.")
    def update_vacant_register(self, request, user, project_id, month, body, idempotency_key):
        s.VacantMonthQuery().load({"month": month})
        return self._as(user)("tickets", "update_vacant_register", project_id, month, s.VacantRegisterIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/vacant-units/{{month}}", tags=("vacant units",),
           summary=f"The month's register with each unit's check, its due dates and result ({RECORDERS}, "
                   "engineering manager, GM, group admin)",
           response=s.VacantRegisterOut, errors=(400, 403, 404))
    def vacant_register(self, request, user, project_id, month):
        s.VacantMonthQuery().load({"month": month})
        return self._as(user)("tickets", "vacant_register", project_id, month)

    @route("POST", f"{V1}/vacant-checks/{{check_id}}/record", tags=("vacant units",),
           summary=f"Record a vacant unit's check, one finding per room: ok, defect (a repair ticket at once), "
                   f"crack (waits for the manager) -- the owner is told ({RECORDERS})",
           body=s.VacantCheckIn, response=s.VacantCheckOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           description="A blank room is 400; a room named twice (as people read it: ' 客厅', 'ＫＴＶ室') is 422 "
                       "room_recorded_twice -- one finding per room.")
    def record_vacant_check(self, request, user, check_id, body, idempotency_key):
        return self._as(user)("tickets", "record_vacant_check", check_id, s.VacantCheckIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/vacant-findings/{{finding_id}}/decision", tags=("vacant units",),
           summary="Approve a crack's repair (a repair ticket is opened) or reject it with a reason (CS manager, "
                   "centre manager)",
           body=s.CrackDecisionIn, response=s.VacantCheckOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           description="A rejection needs its reason in note (422 decision_reason_required). The owner is told the "
                       "decision in the platform's words (notify's vacancy.crack_decision), never the note.")
    def decide_crack(self, request, user, finding_id, body, idempotency_key):
        return self._as(user)("tickets", "decide_crack", finding_id, s.CrackDecisionIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/vacant-checks/{{check_id}}", tags=("vacant units",),
           summary="A vacant unit's check with its findings (staff of the project; the unit's household)",
           response=s.VacantCheckOut, errors=(403, 404))
    def get_vacant_check(self, request, user, check_id):
        return self._as(user)("tickets", "get_vacant_check", check_id)

    @route("GET", f"{V1}/units/{{unit_id}}/vacant-checks", tags=("vacant units",),
           summary="A unit's vacant-unit checks, newest month first (staff of the project; the unit's household)",
           response=s.VacantCheckOut, many=True, errors=(403, 404))
    def unit_vacant_checks(self, request, user, unit_id):
        return self._as(user)("tickets", "unit_vacant_checks", unit_id)

    # -- the care of vacant units (空置房保养: cleaning, airing, frost checks; tickets' domain/vacant_care.py) --
    @route("GET", f"{V1}/projects/{{project_id}}/vacant-care", tags=("vacant units",),
           summary=f"The project's vacant-unit care tasks -- each vacant unit's monthly cleaning (保洁部), summer "
                   f"airing and winter frost checks (客服部) -- soonest due first; state=due | overdue | open (both, the "
                   f"default) | done | cancelled ({RECORDERS}, GM, group admin)",
           query=s.VacantCareQuery, response=s.VacantCareListOut, errors=(400, 403, 404),
           description="Read through tickets (vacant_care_tasks), as the key register. A task is made for each "
                       "unit on the month's register by the daily vacant-care job (02:00) for the periods of the "
                       "project's plan (vacant.cleaning_day, vacant.summer_months / winter_months, "
                       "vacant.airing_every_days, vacant.mild_airing_every_days, vacant.frost_check_every_days); "
                       "one not done by its due time was told once to the responsible role's inbox.")
    def vacant_care_tasks(self, request, user, project_id, query):
        return self._as(user)("tickets", "vacant_care_tasks", project_id, s.VacantCareQuery().dump(query))

    @route("GET", f"{V1}/vacant-care/{{care_id}}", tags=("vacant units",),
           summary=f"One vacant-unit care task ({RECORDERS}, GM, group admin)",
           response=s.VacantCareOut, errors=(403, 404))
    def get_vacant_care(self, request, user, care_id):
        return self._as(user)("tickets", "get_vacant_care", care_id)

    @route("POST", f"{V1}/vacant-care/{{care_id}}/record", tags=("vacant units",),
           summary=f"Record a care visit done: the approved key loan it entered by, who and when, a note; an "
                   f"anomaly (fire risk, break-in ...) is told at once to the CS manager ({RECORDERS})",
           body=s.VacantCareRecordIn, response=s.VacantCareOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           description="Entering a vacant unit goes through the key register (000 §十.3): key_loan_id is a loan of "
                       "one of this unit's keys approved by the CS manager (centre manager or GM standing in) in the "
                       "task's period, not after the visit -- missing: 422 key_loan_required; another unit's, not "
                       "approved, outside the period: 422 key_loan_not_valid (details.reason). performed_at in the "
                       "future or before the period: 400 performed_at_not_valid. anomaly without anomaly_kind: 422 "
                       "care_reason_required. A task done or cancelled: 409 vacant_care_step_not_allowed.")
    def record_vacant_care(self, request, user, care_id, body, idempotency_key):
        return self._as(user)("tickets", "record_vacant_care", care_id, s.VacantCareRecordIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/vacant-care/{{care_id}}/cancel", tags=("vacant units",),
           summary="Cancel a care task not done, with the reason -- the owner keeps the only key, ... (CS manager, "
                   "centre manager)",
           body=s.VacantCareCancelIn, response=s.VacantCareOut, errors=(400, 403, 404, 409, 422), idempotent=True)
    def cancel_vacant_care(self, request, user, care_id, body, idempotency_key):
        return self._as(user)("tickets", "cancel_vacant_care", care_id, s.VacantCareCancelIn().dump(body),
                              idempotency_key=idempotency_key)
