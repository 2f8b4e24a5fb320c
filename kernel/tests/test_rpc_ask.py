"""``RpcPool.ask``: a question a service cannot go on without fails closed -- no answer in time,
the other service unreachable or failing is the asker's typed ``Unavailable``; a refusal the asker
names is its own typed error; an answer is the answer (on the real broker)."""
from __future__ import annotations

import eventlet
import pytest
from nameko.rpc import rpc

from kernel.errors import Conflict, NotFound, Unavailable
from kernel.rpc import RpcPool


class AskedUnavailable(Unavailable):
    default_code = "ledger_unavailable"


class NoLedger(Conflict):
    default_code = "no_ledger"


class Ledger:
    name = "ledger"

    @rpc
    def owed(self, unit_id):
        return {"unit_id": unit_id, "owed": "0.00"}

    @rpc
    def missing(self, unit_id):
        raise NotFound(f"no account for {unit_id}", code="account_not_found")

    @rpc
    def broken(self, unit_id):
        raise ValueError("a bug")

    @rpc
    def slow(self, unit_id):
        eventlet.sleep(5)
        return {}


@pytest.fixture
def pool(container_factory, rabbit_config):
    container_factory(Ledger, {"AMQP_URI": rabbit_config["AMQP_URI"]}).start()
    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": "s"}, size=2, timeout=1)
    yield pool
    pool.close()


def ask(pool, method, service="ledger"):
    return pool.ask(None, service, method, "u1", unavailable=AskedUnavailable,
                    refusals={"account_not_found": NoLedger})


def test_an_answer_is_the_answer(pool):
    assert ask(pool, "owed") == {"unit_id": "u1", "owed": "0.00"}


def test_a_named_refusal_is_the_askers_own_error(pool):
    with pytest.raises(NoLedger) as refused:
        ask(pool, "missing")
    assert "no account for u1" in refused.value.message


def test_no_answer_in_time_is_unavailable_and_says_so(pool):
    with pytest.raises(AskedUnavailable) as refused:
        ask(pool, "slow")
    assert refused.value.code == "ledger_unavailable" and refused.value.details["reason"] == "timeout"
    assert "did not answer within 1 s" in refused.value.message


def test_a_failure_of_the_other_side_or_no_such_service_is_unavailable(pool):
    with pytest.raises(AskedUnavailable) as failed:
        ask(pool, "broken")
    assert failed.value.details["reason"] == "ValueError"
    with pytest.raises(AskedUnavailable) as unreachable:
        ask(pool, "owed", service="nobody")
    assert unreachable.value.details["reason"] in ("unreachable", "timeout")
