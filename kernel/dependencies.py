"""nameko dependencies every service declares.

::

    class TicketsService:
        name = "tickets"
        db = Database(Base)            # the worker's session (commits before the reply)
        clock = ClockProvider()        # the container's clock
        work = UnitOfWork(CONTRACT)    # self.work() -> Work(session, clock, caller, events)

        @rpc
        def open_repair(self, data):
            return repairs.open_repair(self.work(), schemas.RepairRequestIn().load(data))
"""
from __future__ import annotations

from nameko.extensions import DependencyProvider

from .config import secret_from
from .db import ClockProvider, Database, SharedClock, find_database  # noqa: F401  (re-exported)
from .messaging.outbox import EventContract
from .tenancy import DEFAULT_CLOCK_SKEW, Caller, VerifiedContext, verify_context
from .work import Work


class CallerCheck:
    """Verifies the signed caller context of a worker's call: the platform secret,
    and the clock skew tolerated (config ``CALLER_CONTEXT_SKEW``, default 5 s)."""

    def __init__(self, config: dict):
        self.secret = secret_from(config)
        self.skew = float(config.get("CALLER_CONTEXT_SKEW", DEFAULT_CLOCK_SKEW))

    def verify(self, worker_ctx) -> VerifiedContext:
        """The context must be signed for this very service and entrypoint method."""
        return verify_context(worker_ctx.data, self.secret, worker_ctx.service_name,
                              worker_ctx.entrypoint.method_name, skew=self.skew)


class AuthContext:
    """What a worker knows about who called it."""

    def __init__(self, worker_ctx, check: CallerCheck):
        self._worker_ctx = worker_ctx
        self._check = check
        self.secret = check.secret

    @property
    def caller(self) -> Caller:
        """The verified caller; raises ``Unauthenticated`` if there is none."""
        return self._check.verify(self._worker_ctx).caller

    @property
    def request_id(self) -> str:
        return self._check.verify(self._worker_ctx).request_id


class CallerProvider(DependencyProvider):
    def setup(self):
        self.check = CallerCheck(self.container.config)

    def get_dependency(self, worker_ctx) -> AuthContext:
        return AuthContext(worker_ctx, self.check)


class UnitOfWork(DependencyProvider):
    """``self.work(caller=None)``: the :class:`~kernel.work.Work` a domain handler takes --
    this worker's session, the container's clock, the verified caller (or the one
    given, e.g. ``Caller.system(...)`` in event handlers and timers) and an event
    recorder writing to the outbox in the same transaction."""

    shared_clock = SharedClock()

    def __init__(self, contract: EventContract, settings=None):
        self.contract = contract
        self.settings = settings        # the service's kernel.settings.SettingsCatalogue, if any

    def setup(self):
        self.check = CallerCheck(self.container.config)
        self.secret = self.check.secret
        self.database = find_database(self.container)
        if self.database is None:
            raise RuntimeError(f"{self.container.service_name}: UnitOfWork needs a Database dependency")
        from .storage import find_storage
        self.storage_provider = find_storage(self.container)     # work.storage (None without one)

    def get_dependency(self, worker_ctx):
        def work(caller: Caller | None = None) -> Work:
            # the Database provider opened this worker's session when it was injected
            session = self.database.sessions[worker_ctx]
            return Work.build(session, self.shared_clock.clock,
                              caller or self.check.verify(worker_ctx).caller,
                              base=self.database.base, contract=self.contract, secret=self.secret,
                              settings=self.settings,
                              storage=self.storage_provider.storage if self.storage_provider else None)
        return work
