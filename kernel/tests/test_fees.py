"""``kernel.fees``: billing's ``has_arrears`` asked as the caller, within the pool's timeout, fail closed
-- the one helper archive's transfer and move-out and tickets' goods release ask through (on the real
broker, with a billing that answers, refuses or keeps silent)."""
from __future__ import annotations

import eventlet
import pytest
from nameko.rpc import rpc

from kernel import fees
from kernel.errors import Conflict, NotFound, Unavailable
from kernel.rpc import RpcPool, RpcPoolProvider
from kernel.testing import staff

DESK = staff("g1", ["p1"], roles=["front_desk"], user_id="desk-1")


class FeesUnavailable(Unavailable):
    default_code = "billing_unavailable"
    zh = "暂时无法向收费系统核实费用"


class NoAccount(Conflict):
    default_code = "no_fee_account"


class Billing:
    """billing's one question: ``u-paid`` owes nothing, ``u-owes`` 120.00, ``u-none`` has no account,
    ``u-slow`` is answered after the asker gave up, ``u-bug`` fails."""
    name = "billing"

    @rpc
    def has_arrears(self, unit_id):
        if unit_id == "u-none":
            raise NotFound(f"no fee account for unit {unit_id}", code="account_not_found")
        if unit_id == "u-bug":
            raise ZeroDivisionError("a bug")
        if unit_id == "u-slow":
            eventlet.sleep(3)
        owed = "120.00" if unit_id == "u-owes" else "0.00"
        return {"unit_id": unit_id, "has_arrears": False, "balance_due": owed, "overdue": "0.00",
                "as_of": "2026-11-27"}


@pytest.fixture
def pool(container_factory, rabbit_config):
    container_factory(Billing, {"AMQP_URI": rabbit_config["AMQP_URI"]}).start()
    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": "s"}, size=2, timeout=1)
    yield pool
    pool.close()


def ask(pool):
    return fees.ask_arrears(pool, DESK, unavailable=FeesUnavailable, no_account=NoAccount)


def test_the_answer_is_billing_s(pool):
    assert ask(pool)("u-owes")["balance_due"] == "120.00"
    assert ask(pool)("u-paid") == {"unit_id": "u-paid", "has_arrears": False, "balance_due": "0.00",
                                   "overdue": "0.00", "as_of": "2026-11-27"}


def test_no_account_is_the_asker_s_own_refusal(pool):
    with pytest.raises(NoAccount) as refused:
        ask(pool)("u-none")
    assert refused.value.code == "no_fee_account" and "no fee account for unit u-none" in refused.value.message


def test_silence_and_failure_fail_closed(pool):
    with pytest.raises(FeesUnavailable) as silent:
        ask(pool)("u-slow")
    assert silent.value.code == "billing_unavailable" and silent.value.details == {"service": "billing",
                                                                                   "reason": "timeout"}
    assert silent.value.message.startswith("暂时无法向收费系统核实费用 (billing did not answer within 1 s")
    with pytest.raises(FeesUnavailable) as failed:
        ask(pool)("u-bug")
    assert failed.value.details["reason"] == "ZeroDivisionError"


class _Recording(RpcPool):
    def __init__(self):
        super().__init__({}, size=1, timeout=5.0)
        self.calls = []

    def call(self, caller, service, method, *args, **kwargs):
        self.calls.append((caller, service, method, args, kwargs))
        return {"balance_due": "0.00", "overdue": "0.00"}


def test_it_asks_billing_has_arrears_as_the_caller_each_time():
    pool = _Recording()
    ask_fees = fees.ask_arrears(pool, DESK, unavailable=FeesUnavailable, no_account=NoAccount)
    assert pool.calls == []                      # nothing asked until the domain asks
    ask_fees("u1")
    ask_fees("u2")
    assert pool.calls == [(DESK, "billing", "has_arrears", ("u1",), {}), (DESK, "billing", "has_arrears", ("u2",), {})]


def test_the_pool_is_billing_s_small_one():
    provider = fees.billing_pool()
    assert isinstance(provider, RpcPoolProvider)
    assert (provider.prefix, provider.default_size, provider.default_timeout) == ("BILLING_RPC", 4, 5.0)
