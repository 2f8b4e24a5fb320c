"""nameko dependencies every service declares.

::

    class TicketsService:
        name = "tickets"
        db = Database(Base)
        clock = ClockProvider()
        auth = CallerProvider()
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from .config import secret_from
from .db import ClockProvider, Database  # noqa: F401  (re-exported)
from .tenancy import Caller, caller_from_context


class AuthContext:
    """What a worker knows about who called it."""

    def __init__(self, context: dict, secret: str):
        self._context = context
        self.secret = secret

    @property
    def caller(self) -> Caller:
        """The verified caller; raises ``Unauthenticated`` if there is none."""
        return caller_from_context(self._context, self.secret)


class CallerProvider(DependencyProvider):
    def setup(self):
        self.secret = secret_from(self.container.config)

    def get_dependency(self, worker_ctx) -> AuthContext:
        return AuthContext(worker_ctx.data, self.secret)
