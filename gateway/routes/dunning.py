"""Dunning (催费): cases, classes, the dunning log and the stewards' tasks -- billing's
``domain/dunning.py`` and ``arrears_classes.py``."""
from __future__ import annotations

from .. import schemas as s  # noqa: F401
from ..routing import route  # noqa: F401
from .base import V1, RouteModule  # noqa: F401


class DunningRoutes(RouteModule):
    pass
