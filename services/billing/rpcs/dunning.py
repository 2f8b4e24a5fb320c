"""billing's dunning RPCs: cases, classes, the dunning log and the stewards' tasks (``domain/dunning.py``, ``arrears_classes.py``)."""
from __future__ import annotations

from kernel.entrypoints import rpc  # noqa: F401

from .. import schemas  # noqa: F401


class DunningRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""
