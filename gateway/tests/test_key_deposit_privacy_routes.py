"""A key deposit (钥匙押金) is a borrower's money held on the key's unit: the unit's resident never reads it
through the gateway. The account route's read model keeps ``deposits_held`` as billing stated it for everyone
(the key deposit in it), so a resident's account with deposits held is asked of billing, which leaves the key
deposit out; staff read the read model as before. A key deposit, its payment and receipt by id: billing's 404
reaches the resident as for an unknown id."""
from __future__ import annotations

import json

import pytest

from gateway.readmodel import views
from gateway.routes.billing import BillingRoutes
from gateway.routes.payments import PaymentRoutes
from kernel.testing import resident, staff
from services.billing.exceptions import DepositNotFound, PaymentNotFound, ReceiptNotFound
from services.billing.tests.support import (DESK, ZHANG, clock, estate, service_as,  # noqa: F401
                                            session)


class _Gateway:
    """The route module: its read model answers ``projected`` (the account as billing's event stated it), its
    RPC calls billing's real service method as ``caller`` on the test's session."""

    def __init__(self, billing, caller, projected):
        self.billing, self.caller, self.projected, self.asked = billing, caller, projected, []

    def _caller(self, user):
        return self.caller

    def _read_model(self, view, *args, **kwargs):
        return dict(self.projected)

    def _as(self, user):
        def call(service, method, *args, **kwargs):
            self.asked.append((service, method, args))
            return json.loads(json.dumps(getattr(self.billing, method)(*args, **kwargs)))   # over the broker
        return call


def test_a_resident_s_account_leaves_out_a_key_deposit_and_staff_s_is_whole(session, clock, estate):  # noqa: F811
    desk, zhang = service_as(session, clock, DESK), service_as(session, clock, ZHANG)
    own = desk.hold_deposit("u1", {"purpose": "other", "method": "cash", "amount": "1000.00", "payer_name": "张伟"})
    key = desk.hold_deposit("u1", {"purpose": "key", "method": "cash", "amount": "200.00", "payer_name": "王五"})
    session.commit()
    projected = json.loads(json.dumps(desk.get_account("u1")))            # as account.balance_changed carries it
    assert projected["deposits_held"] == "1200.00"

    as_resident = _Gateway(zhang, ZHANG, projected)
    shown = BillingRoutes.account.__wrapped__(as_resident, None, {"user_id": "zhangwei"}, "u1")
    assert shown["deposits_held"] == "1000.00" and shown["balance_due"] == projected["balance_due"]
    assert as_resident.asked == [("billing", "get_account", ("u1",))]
    as_desk = _Gateway(desk, DESK, projected)
    assert BillingRoutes.account.__wrapped__(as_desk, None, {"user_id": "desk-1"}, "u1")["deposits_held"] == \
        "1200.00"
    assert as_desk.asked == []                                             # the read model, as before

    # by id: the key deposit, its payment and receipt are unknown to the resident; his own deposit is not
    for route, ident, error in ((BillingRoutes.deposit, key["deposit"]["id"], DepositNotFound),
                                (PaymentRoutes.get_payment, key["id"], PaymentNotFound),
                                (BillingRoutes.receipt, key["receipt"]["id"], ReceiptNotFound)):
        with pytest.raises(error):
            route.__wrapped__(as_resident, None, {"user_id": "zhangwei"}, ident)
    assert BillingRoutes.deposit.__wrapped__(as_resident, None, {}, own["deposit"]["id"])["purpose"] == "other"
    assert BillingRoutes.deposit.__wrapped__(as_desk, None, {}, key["deposit"]["id"])["purpose"] == "key"


def test_only_a_resident_s_account_with_deposits_held_is_asked_of_billing():
    account = {"deposits_held": "200.00", "balance_due": "0.00"}
    assert views.holds_others_money(resident("g1", ["u1"]), account)
    assert not views.holds_others_money(resident("g1", ["u1"]), dict(account, deposits_held="0.00"))
    assert not views.holds_others_money(staff("g1", ["p1"]), account)
    assert not views.holds_others_money(resident("g1", ["u1"]), None)
