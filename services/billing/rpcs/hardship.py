"""billing's dunning RPCs: disputes, installment plans and legal proposals (``domain/disputes.py``, ``installments.py``, ``legal.py``)."""
from __future__ import annotations

from kernel.entrypoints import rpc  # noqa: F401

from .. import schemas  # noqa: F401


class HardshipRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""
