"""The arrears ledger (欠费台账), collection rate (收费率), the daily dunning report, the weekly
summary and deposits held -- billing's ``domain/arrears_reports.py``; JSON and CSV."""
from __future__ import annotations

from .. import schemas as s  # noqa: F401
from ..routing import route  # noqa: F401
from .base import V1, RouteModule  # noqa: F401


class ArrearsRoutes(RouteModule):
    pass
