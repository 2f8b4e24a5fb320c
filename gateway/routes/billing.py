"""Fee accounts and their balances."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule


class BillingRoutes(RouteModule):
    @route("GET", f"{V1}/units/{{unit_id}}/account", summary="The unit's fee account and balance",
           tags=("billing",), response=s.AccountOut, errors=(404,))
    def account(self, request, user, unit_id):
        return self._as(user)("billing", "get_account", unit_id)

    @route("POST", f"{V1}/units/{{unit_id}}/account/opening-balance", tags=("billing",),
           summary="Record the balance carried over into the unit's fee account (finance)",
           body=s.OpeningBalanceIn, response=s.AccountOut, status=201, errors=(404, 409, 422),
           idempotent=True)
    def opening_balance(self, request, user, unit_id, body, idempotency_key):
        data = s.OpeningBalanceIn().dump(body)
        account = self._as(user)("billing", "record_opening_balance", unit_id, data["amount"],
                                 data["as_of"], data["note"], idempotency_key=idempotency_key)
        self._project_reply("account", account, user)
        return account
