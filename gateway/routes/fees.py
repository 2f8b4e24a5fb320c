"""Fee schedules (收费标准), meter readings (抄表), the move-in quote, one-off charges and the monthly
bill run (月度计费) -- billing's ``domain/schedule.py``, ``meters.py`` and ``billrun.py``.

A CSV file of meter readings is sent as JSON, ``{"csv": "<the file's text>"}`` (UTF-8; a BOM is
fine), up to 2 MiB (about 40,000 readings): the file is checked as a whole and refused as a whole
(422 ``csv_invalid``, every wrong line in ``details.lines``) -- never half imported.
"""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule

SCHEDULE_ROLES = "finance, centre manager, group admin"
READING_ROLES = "finance, centre manager, group admin, engineering, engineering manager"
RUN_READ_ROLES = "finance, centre manager, general manager, group admin"
CSV_BODY = 2 * 1024 * 1024 + 4096


class FeeRoutes(RouteModule):
    # -- the fee schedule ------------------------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/fee-schedule", tags=("billing",), query=s.FeeScheduleQuery,
           response=s.FeeScheduleOut, errors=(400, 403, 404),
           summary="The project's fee schedule (收费标准): its items with every price row -- past, in force "
                   "on a day (default today), scheduled (any staff of the project)")
    def fee_schedule(self, request, user, project_id, query):
        on = query.get("on")
        return self._as(user)("billing", "get_fee_schedule", project_id, on.isoformat() if on else None)

    @route("POST", f"{V1}/projects/{{project_id}}/fee-schedule/items", tags=("billing",), body=s.FeeItemIn,
           response=s.FeeScheduleOut, status=201, errors=(400, 403, 404, 409), idempotent=True,
           summary=f"Add an item to the fee schedule; its prices are set on their own ({SCHEDULE_ROLES})")
    def add_fee_item(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("billing", "add_fee_item", project_id, s.FeeItemIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/projects/{{project_id}}/fee-schedule/items/{{code}}/prices", tags=("billing",),
           body=s.FeePriceIn, response=s.FeeScheduleOut, status=201, errors=(400, 403, 404, 409, 422),
           idempotent=True,
           summary=f"Change an item's price for a unit usage from a day, today or later: history is never "
                   f"rewritten ({SCHEDULE_ROLES})",
           description="422 price_change_backdated before today (the project's local date); 409 price_exists "
                       "for a second price of the item and usage from the same day. Monthly items are priced "
                       "on the month's first day: a change dated the 15th applies from the next month's bill.")
    def set_fee_price(self, request, user, project_id, code, body, idempotency_key):
        return self._as(user)("billing", "set_fee_price", project_id, code, s.FeePriceIn().dump(body),
                              idempotency_key=idempotency_key)

    # -- meter readings ----------------------------------------------------------------------
    @route("POST", f"{V1}/projects/{{project_id}}/meter-readings", tags=("billing",), body=s.MeterReadingIn,
           response=s.MeterReadingOut, status=201, errors=(400, 403, 404, 409, 422), idempotent=True,
           summary=f"Record one meter reading; the same reading again records nothing ({READING_ROLES})",
           description="A reading lower than the meter's previous one is refused (422 reading_decreased) unless "
                       "it names a replacement (the new meter's starting reading).")
    def record_meter_reading(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("billing", "record_meter_reading", project_id, s.MeterReadingIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/projects/{{project_id}}/meter-readings/import", tags=("billing",),
           body=s.MeterImportIn, response=s.MeterImportOut, status=201, errors=(400, 403, 404, 413, 422),
           idempotent=True, max_body=CSV_BODY,
           summary=f"Import a CSV file of meter readings, all or nothing; the same file again records nothing "
                   f"({READING_ROLES})",
           description='Body: {"csv": "<the file\'s text>"} (UTF-8, a BOM is fine, up to 2 MiB). Header line '
                       "unit,item,period,reading,read_on[,replacement] (or 房号,收费项目,月份,读数,抄表日期,换表起数); "
                       "one reading a line. Any wrong line refuses the whole file: 422 csv_invalid with every "
                       "wrong line in details.lines; 400 csv_header / csv_empty / csv_too_long.")
    def import_meter_readings(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("billing", "import_meter_readings", project_id, s.MeterImportIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/meter-readings", tags=("billing",), query=s.MeterReadingsQuery,
           response=s.MeterReadingOut, many=True, errors=(400, 403, 404),
           summary="A month's meter readings of the project, by unit (any staff of the project)")
    def meter_readings(self, request, user, project_id, query):
        return self._as(user)("billing", "list_meter_readings", project_id, s.MeterReadingsQuery().dump(query))

    # -- the move-in quote, one-off charges ----------------------------------------------------
    @route("GET", f"{V1}/units/{{unit_id}}/move-in-quote", tags=("billing",), query=s.MoveInQuoteQuery,
           response=s.MoveInQuoteOut, errors=(400, 403, 404),
           summary="What a household moving in pays ahead (首期物业费): billing.prepay_months (3) months of the "
                   "unit's monthly fees, each month's line rounded (staff of the project; the unit's residents)",
           description="From the first month the household will be billed for (the month of the move-in day if "
                       "its bill day is later, else the next). Paid as an ordinary payment, it becomes prepaid "
                       "credit that settles the bills as they come.")
    def move_in_quote(self, request, user, unit_id, query):
        on = query.get("on")
        return self._as(user)("billing", "move_in_quote", unit_id, on.isoformat() if on else None)

    @route("POST", f"{V1}/units/{{unit_id}}/charges", tags=("billing",), body=s.OneOffChargeIn,
           response=s.BillOut, status=201, errors=(400, 403, 404, 422), idempotent=True,
           summary="Charge a one-off item of the fee schedule (装修垃圾外运费: area x 3.00) as a bill due on the "
                   "next due day, once per unit, item and reference (finance, front desk, centre manager, "
                   "group admin)")
    def charge_once(self, request, user, unit_id, body, idempotency_key):
        return self._as(user)("billing", "charge_once", unit_id, s.OneOffChargeIn().dump(body),
                              idempotency_key=idempotency_key)

    # -- bill runs -----------------------------------------------------------------------------
    @route("POST", f"{V1}/projects/{{project_id}}/bill-runs", tags=("billing",), body=s.BillRunIn,
           response=s.BillRunOut, status=202, errors=(400, 403, 404, 422), idempotent=True,
           summary="Start the month's bill run (月度计费), or answer the one there is; a failed run is tried "
                   "again (finance)",
           description="Never before the month's bill day (422 bill_run_too_early). The run goes on in the "
                       "background, a chunk of accounts at a time: GET .../bill-runs/{month} shows its progress.")
    def start_bill_run(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("billing", "start_bill_run", project_id, body["month"],
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/bill-runs/{{month}}", tags=("billing",), response=s.BillRunOut,
           errors=(400, 403, 404),
           summary=f"A month's bill run and its progress: status, accounts billed and skipped of the total, "
                   f"amount, the last error ({RUN_READ_ROLES})")
    def bill_run(self, request, user, project_id, month):
        month = s.BillRunIn().load({"month": month})["month"]          # 400 before any RPC
        return self._as(user)("billing", "get_bill_run", project_id, month)
