"""notify's sender of every outbound channel (SMS, e-mail, WeChat): a loop in the container, not
a timer. One claim takes the due deliveries of every channel that has a provider; each goes out
through its channel's provider (:mod:`services.notify.providers`); the settings keep their SMS_
names (``SMS_BATCH_SIZE``, ``SMS_RATE_PER_SECOND``, ... apply to all channels).

A timer sends at most one batch per tick (``SMS_BATCH_SIZE`` / ``SMS_SEND_INTERVAL``: 5 SMS/s
by default, whatever the provider could take). This loop (the kernel's
:class:`~kernel.lease.PollingLoop`, as the outbox relay and the jobs runner) claims the
next batch at once while a full batch was due, is woken by the commit of a transaction
that created a due SMS (``notifications.SMS_DUE``), and otherwise looks again every
``SMS_SEND_INTERVAL`` seconds (retries come due by time). Within a batch the messages
go out concurrently (a green pool of ``min(SMS_BATCH_SIZE, SMS_RATE_PER_SECOND)``),
paced by one token bucket to ``SMS_RATE_PER_SECOND`` -- per notify process: with
replicas, give each its share of the provider's contracted rate.

The claim (``claim_due`` lease), the provider's idempotency ``ref`` and the recording
of outcomes are :mod:`services.notify.domain.sending`'s, unchanged.
"""
from __future__ import annotations

import logging
import math
from typing import Callable, Mapping

from eventlet.greenpool import GreenPool

from kernel.lease import PollingLoop
from kernel.tenancy import Caller
from kernel.work import Work

from .domain import sending
from .domain.settings import SETTINGS
from .events import CONTRACT
from .models import Base
from .providers import OUTBOUND

log = logging.getLogger(__name__)


class SendingLoop(PollingLoop):
    loop_name = "message sender"

    def __init__(self, Session, clock, secret: str, provider: Callable[[], object],
                 policy: sending.SmsPolicy, poll_interval: float = 2.0,
                 after_commit: Callable[[], None] | None = None):
        self.Session = Session
        self.clock = clock
        self.secret = secret
        self.provider = provider                 # called per pass: the current providers, by channel
        self.policy = policy
        self.poll_interval = poll_interval
        self.batch_size = policy.batch_size
        self.after_commit = after_commit         # wakes the outbox relay (notification.delivered)
        self.limiter = sending.RateLimiter(policy.rate_per_second)
        self.pool = GreenPool(max(1, min(policy.batch_size, math.ceil(policy.rate_per_second))))

    def _work(self, session) -> Work:
        return Work.build(session, self.clock, Caller.system(None, "notify"), base=Base,
                          contract=CONTRACT, secret=self.secret, settings=SETTINGS)

    def one_pass(self) -> int:
        """Claim a batch (committed), send it, record the outcomes; the number claimed."""
        providers = self.provider()
        if not isinstance(providers, Mapping):
            providers = {sending.SMS: providers}
        channels = [c for c in OUTBOUND if providers.get(c) is not None]
        with self.Session() as session, session.begin():
            batch = sending.claim_due(self._work(session), self.policy, channels)
        if not batch:
            return 0
        outcomes = sending.send_all(providers, batch, self.clock, self.policy.send_timeout,
                                    self.limiter, self.pool.imap)
        with self.Session() as session, session.begin():
            work = self._work(session)
            for outcome in outcomes:
                sending.record_outcome(work, outcome, self.policy)
            wrote_events = bool(session.info.pop("outbox_dirty", False))
        if wrote_events and self.after_commit is not None:
            self.after_commit()
        return len(batch)


#: the SMS sender's name of before
SmsSendingLoop = SendingLoop
