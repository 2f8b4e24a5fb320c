"""Disputed bills, installment plans and legal proposals (律师函, 诉讼) -- billing's
``domain/disputes.py``, ``installments.py`` and ``legal.py``."""
from __future__ import annotations

from .. import schemas as s  # noqa: F401
from ..routing import route  # noqa: F401
from .base import V1, RouteModule  # noqa: F401


class HardshipRoutes(RouteModule):
    pass
