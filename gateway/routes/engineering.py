"""Engineering's own lists (tickets): the price list of paid services (有偿服务价目表) and the
on-duty list (值班表) that auto-assignment reads."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule
from .tickets import TECHNICIAN_ROLES


class EngineeringRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/price-list", tags=("tickets",), query=s.PriceListQuery,
           response=s.PriceListOut, errors=(403, 404),
           summary="The project's price list of paid services on a day (default today), with the "
                   "changes scheduled after it (any staff of the project; the project's residents)")
    def price_list(self, request, user, project_id, query):
        on = query.get("on")
        return self._as(user)("tickets", "get_price_list", project_id, on.isoformat() if on else None)

    @route("POST", f"{V1}/projects/{{project_id}}/price-list", tags=("tickets",), body=s.PriceItemIn,
           response=s.PriceListOut, errors=(403, 404, 422), idempotent=True,
           summary="Add an item to the price list or change its name, unit or price, from a day (today "
                   "or later; earlier days keep their prices) (engineering manager, centre manager)")
    def set_price_item(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("tickets", "set_price_item", project_id, s.PriceItemIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/projects/{{project_id}}/price-list/{{code}}/retire", tags=("tickets",),
           body=s.RetireItemIn, response=s.PriceListOut, errors=(403, 404, 422), idempotent=True,
           summary="No longer offer an item from a day (today or later; earlier days keep it) "
                   "(engineering manager, centre manager)")
    def retire_price_item(self, request, user, project_id, code, body, idempotency_key):
        return self._as(user)("tickets", "retire_price_item", project_id, code, s.RetireItemIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/duty-roster", tags=("tickets",), response=s.DutyRosterOut,
           errors=(403, 404),
           summary="The project's on-duty list of engineering and who is on duty now (any staff of the "
                   "project)")
    def duty_roster(self, request, user, project_id):
        return self._as(user)("tickets", "get_duty_roster", project_id)

    @route("PUT", f"{V1}/projects/{{project_id}}/duty-roster", tags=("tickets",), body=s.DutyRosterIn,
           response=s.DutyRosterOut, errors=(403, 404, 422), idempotent=True,
           summary="Replace the project's whole on-duty list (engineering manager)",
           description="Each entry: the category it takes (or *), the technician, the ISO weekdays "
                       "the shift starts on and its local hours (an end at or before the start runs "
                       "into the next morning), optionally the first and last shift day. Dispatching "
                       "a repair without a technician assigns the on-duty one for its category with "
                       "the fewest open orders; the setting repair.auto_assign_on_notice does it when "
                       "engineering receives the order.")
    def replace_duty_roster(self, request, user, project_id, body, idempotency_key):
        data = s.DutyRosterIn().dump(body)
        for entry in data["entries"]:
            entry["technician_name"] = self._colleague(user, entry["technician_id"], TECHNICIAN_ROLES,
                                                       project_id=project_id)
        return self._as(user)("tickets", "replace_duty_roster", project_id, data,
                              idempotency_key=idempotency_key)
