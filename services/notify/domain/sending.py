"""Sending due SMS deliveries, outside any event handler's transaction.

One pass (the service's sender loop, ``services/notify/sender.py``, runs one as soon as a
commit created a due SMS, again at once while there are more due than one batch, else
every ``SMS_SEND_INTERVAL`` seconds for retries coming due):

1. **claim** the due pending deliveries with a lease (the kernel's one claim,
   :func:`kernel.lease.claim_due`: ``SKIP LOCKED`` on PostgreSQL, a conditional
   update everywhere, so two senders never take the same one);
2. the caller commits the claim (``between``) -- nothing is held open while
   the provider is on the line;
3. **send** each through the provider -- concurrently (the loop's green pool) but at
   most ``SMS_RATE_PER_SECOND`` per second (:class:`RateLimiter`, a token bucket) --
   with the delivery id as ``ref`` (the provider's idempotency key); a message whose lease would run out
   before the provider could answer (``send_timeout``) is left for the next
   claim instead of being sent by two senders at once;
4. **record** each outcome: accepted → ``sent`` and ``notification.delivered``;
   temporary error → retried with exponential backoff from the clock
   (:class:`kernel.lease.Backoff`) until ``max_attempts``, then ``failed``;
   rejected → ``failed`` at once. The last error is kept.

Exactly once: a sender that dies between 3 and 4 leaves the lease to expire
(``SMS_LEASE_SECONDS``, 30 s by default -- so the message is at most that
late); the next pass sends it again with the same ``ref`` and the provider,
which already has that ref, answers with the first message id and sends
nothing. The lease must be longer than the provider's timeout
(``SMS_HTTP_TIMEOUT``, 5 s).
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import select

from kernel.clock import Clock
from kernel.lease import Backoff, claim_due
from kernel.work import Work

from ..models import Delivery
from ..providers import SmsProvider, SmsRejected, SmsTemporaryError
from .notifications import SMS, record_changed, record_delivered

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsPolicy:
    max_attempts: int = 5
    retry_base: float = 30.0      # seconds before the 2nd attempt; doubles each time
    retry_max: float = 3600.0
    batch_size: int = 10
    lease_seconds: float = 30.0   # how late a message can be after a sender died mid-batch
    send_timeout: float = 5.0     # the provider's timeout: no send starts this close to the lease's end
    rate_per_second: float = 20.0  # at most this many sends per second (per sender process)

    def __post_init__(self):
        if self.rate_per_second <= 0:
            raise ValueError(f"SMS_RATE_PER_SECOND must be positive, not {self.rate_per_second}")
        if self.lease_seconds <= self.send_timeout:
            raise ValueError(f"SMS_LEASE_SECONDS ({self.lease_seconds}) must be longer than the provider's "
                             f"timeout ({self.send_timeout})")

    @property
    def retry(self) -> Backoff:
        return Backoff(base=self.retry_base, cap=self.retry_max, max_attempts=self.max_attempts)

    def backoff(self, attempts: int) -> timedelta:
        return self.retry.delay(attempts)


@dataclass(frozen=True)
class OutgoingSms:
    delivery_id: str
    phone: str
    text: str
    lease_until: datetime | None = None


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    message_id: str | None = None
    error: str | None = None
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.message_id is not None


def claim_due_sms(work: Work, policy: SmsPolicy) -> list[OutgoingSms]:
    rows = claim_due(work.session, Delivery, key=Delivery.id, now=work.clock.now(),
                     lease=timedelta(seconds=policy.lease_seconds), limit=policy.batch_size,
                     where=(Delivery.channel == SMS, Delivery.status == "pending"),
                     returning=(Delivery.address, Delivery.body, Delivery.lease_until))
    return [OutgoingSms(delivery_id, phone, text, lease_until)
            for delivery_id, phone, text, lease_until in rows]


class RateLimiter:
    """On average at most ``rate`` acquisitions per second, a burst of at most ``burst``
    (default: one second's worth) -- a token bucket in its "virtual schedule" form: each
    ``acquire()`` books the next slot and sleeps (under eventlet a green sleep) until it,
    so concurrent senders are paced together. ``now``/``sleep`` are injectable for tests."""

    def __init__(self, rate: float, burst: float | None = None,
                 now: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.rate = float(rate)
        self.interval = 1.0 / self.rate
        self.burst = max(1.0, float(burst if burst is not None else rate))
        self._now, self._sleep = now, sleep
        self._next = now()              # when the next slot is due, were the bucket empty

    def acquire(self) -> None:
        now = self._now()
        slot = max(self._next, now)
        self._next = slot + self.interval
        wait = slot - now - (self.burst - 1) * self.interval
        if wait > 1e-9:                 # (float noise is no reason to yield)
            self._sleep(wait)


def send_one(provider: SmsProvider, sms: OutgoingSms, clock: Clock | None = None,
             send_timeout: float = 0.0, limiter: RateLimiter | None = None) -> Outcome | None:
    """Send one message (after the limiter let it go); None when its lease is too close to
    its end to start a send (its lease runs out; the next claim sends it)."""
    if limiter is not None:
        limiter.acquire()
    if clock is not None and sms.lease_until is not None and \
            clock.now() + timedelta(seconds=send_timeout) >= sms.lease_until:
        log.warning("SMS delivery %s: lease too close to its end, left for the next pass", sms.delivery_id)
        return None
    try:
        return Outcome(sms.delivery_id, message_id=provider.send(sms.phone, sms.text, sms.delivery_id))
    except SmsRejected as exc:
        return Outcome(sms.delivery_id, error=f"rejected: {exc}", permanent=True)
    except SmsTemporaryError as exc:
        return Outcome(sms.delivery_id, error=str(exc))
    except Exception as exc:  # a provider bug must not stop the batch; it is retried
        log.exception("SMS provider failed on delivery %s", sms.delivery_id)
        return Outcome(sms.delivery_id, error=f"{type(exc).__name__}: {exc}")


def send_all(provider: SmsProvider, batch: list[OutgoingSms], clock: Clock | None = None,
             send_timeout: float = 0.0, limiter: RateLimiter | None = None,
             map_: Callable[[Callable, Iterable], Iterable] = map) -> list[Outcome]:
    """Talk to the provider; no database here. ``map_`` runs the sends (the sender loop
    passes a green pool's ``imap``: concurrent sends); ``limiter`` paces them. With a
    ``clock``, a message whose lease ends within ``send_timeout`` is not sent."""
    def one(sms: OutgoingSms) -> Outcome | None:
        return send_one(provider, sms, clock, send_timeout, limiter)
    return [outcome for outcome in map_(one, batch) if outcome is not None]


def record_outcome(work: Work, outcome: Outcome, policy: SmsPolicy) -> Delivery | None:
    delivery = work.session.scalars(select(Delivery).where(Delivery.id == outcome.delivery_id)
                                    .execution_options(populate_existing=True)).first()
    if delivery is None or delivery.status != "pending":
        return None          # someone else finished it after our lease ran out
    now = work.clock.now()
    delivery.attempts += 1
    delivery.lease_until = None
    if outcome.ok:
        delivery.status, delivery.sent_at = "sent", now
        delivery.provider_message_id, delivery.last_error, delivery.next_attempt_at = \
            outcome.message_id, None, None
        record_delivered(work, delivery.notification, delivery)
        record_changed(work, delivery.notification)
    elif outcome.permanent or policy.retry.gives_up(delivery.attempts):
        delivery.status, delivery.last_error, delivery.next_attempt_at = "failed", outcome.error, None
        record_changed(work, delivery.notification)
        log.warning("SMS delivery %s failed after %d attempt(s): %s", delivery.id, delivery.attempts,
                    outcome.error)
    else:
        delivery.last_error = outcome.error
        delivery.next_attempt_at = policy.retry.next_attempt(now, delivery.attempts)
    return delivery


def send_due_sms(work: Work, provider: SmsProvider, policy: SmsPolicy = SmsPolicy(),
                 between: Callable[[], None] | None = None, limiter: RateLimiter | None = None,
                 map_: Callable[[Callable, Iterable], Iterable] = map) -> list[Delivery]:
    """One pass of the sender. ``between`` (the sender commits its claim) runs after the
    claim and before the provider is called."""
    batch = claim_due_sms(work, policy)
    if not batch:
        return []
    if between is not None:
        between()
    outcomes = send_all(provider, batch, work.clock, policy.send_timeout, limiter, map_)
    return [d for d in (record_outcome(work, o, policy) for o in outcomes) if d is not None]
