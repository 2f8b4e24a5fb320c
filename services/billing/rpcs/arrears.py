"""billing's dunning RPCs: the arrears ledger, collection rate, dunning reports (``domain/arrears_reports.py``)."""
from __future__ import annotations

from kernel.entrypoints import rpc  # noqa: F401

from .. import schemas  # noqa: F401


class ArrearsReportRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""
