"""The fee check (结清费用) a step cannot go on without: billing's ``has_arrears`` for a unit, asked
as the caller, within a timeout, **fail closed**. One helper for every service that asks it --
archive's transfer (过户) and move-out (迁出), tickets' goods release (物品放行).

A service declares the pool (:func:`billing_pool`: config ``BILLING_RPC_TIMEOUT``, default 5 s --
below the gateway's ``RPC_TIMEOUT`` -- and ``BILLING_RPC_POOL_SIZE``, default 4) and hands its
domain the question (:func:`ask_arrears`)::

    billing = fees.billing_pool()
    ...
    ask_fees = fees.ask_arrears(self.billing, work.caller, unavailable=BillingUnavailable,
                                no_account=NoFeeAccount)
    ask_fees(unit_id)   # -> billing's answer: balance_due, overdue, as_of, ...

No answer in time, billing unreachable or failing is the asker's ``unavailable`` error (503,
``details.reason``: timeout | unreachable | billing's code); a unit billing keeps no account for
(billing's ``account_not_found``) is the asker's ``no_account`` error (409); an answer is the answer
(``kernel.rpc.RpcPool.ask`` underneath). What counts as unpaid stays the asker's rule.
"""
from __future__ import annotations

from typing import Callable

from .errors import WuyeError
from .rpc import RpcPool, RpcPoolProvider
from .tenancy import Caller

#: billing's refusal for a unit it keeps no fee account for
NO_ACCOUNT = "account_not_found"

#: ``ask_fees(unit_id) -> {"balance_due", "overdue", "as_of", ...}``: billing's ``has_arrears``
AskFees = Callable[[str], dict]


def billing_pool(size: int = 4, timeout: float = 5.0) -> RpcPoolProvider:
    """The small pool a service asks billing through (``BILLING_RPC_TIMEOUT`` / ``_POOL_SIZE``)."""
    return RpcPoolProvider(prefix="BILLING_RPC", size=size, timeout=timeout)


def ask_arrears(pool: RpcPool, caller: Caller | dict | None, *, unavailable: type[WuyeError],
                no_account: type[WuyeError]) -> AskFees:
    """The question ``ask_fees(unit_id)``: billing's ``has_arrears`` for the unit, asked as ``caller``
    (the person at the desk, not the asking service) each time it is called -- fail closed (module
    doc)."""
    def ask_fees(unit_id: str) -> dict:
        return pool.ask(caller, "billing", "has_arrears", unit_id, unavailable=unavailable,
                        refusals={NO_ACCOUNT: no_account})
    return ask_fees
