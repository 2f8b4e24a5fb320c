"""Sending due SMS deliveries, outside any event handler's transaction.

One pass (the service's timer runs one every ``SMS_SEND_INTERVAL`` seconds):

1. **claim** the due pending deliveries by setting a lease on each (a
   conditional update, so two senders never take the same one);
2. the caller commits the claim (``between``) -- nothing is held open while
   the provider is on the line;
3. **send** each through the provider, with the delivery id as ``ref``
   (the provider's idempotency key);
4. **record** each outcome: accepted → ``sent`` and ``notification.delivered``;
   temporary error → retried with exponential backoff from the clock until
   ``max_attempts``, then ``failed``; rejected → ``failed`` at once. The last
   error is kept.

A sender that dies between 3 and 4 leaves the lease to expire; the message is
sent again with the same ``ref``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import or_, select, update

from kernel.work import Work

from ..models import Delivery
from ..providers import SmsProvider, SmsRejected, SmsTemporaryError
from .notifications import SMS, record_delivered

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsPolicy:
    max_attempts: int = 5
    retry_base: float = 30.0      # seconds before the 2nd attempt; doubles each time
    retry_max: float = 3600.0
    batch_size: int = 10
    lease_seconds: float = 120.0  # longer than a batch of provider timeouts

    def backoff(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.retry_max, self.retry_base * 2 ** max(attempts - 1, 0)))


@dataclass(frozen=True)
class OutgoingSms:
    delivery_id: str
    phone: str
    text: str


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    message_id: str | None = None
    error: str | None = None
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.message_id is not None


def _due(now):
    return (Delivery.channel == SMS, Delivery.status == "pending", Delivery.next_attempt_at <= now,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))


def claim_due_sms(work: Work, policy: SmsPolicy) -> list[OutgoingSms]:
    now = work.clock.now()
    ids = work.session.scalars(select(Delivery.id).where(*_due(now))
                               .order_by(Delivery.next_attempt_at).limit(policy.batch_size)).all()
    lease = now + timedelta(seconds=policy.lease_seconds)
    claimed = []
    for delivery_id in ids:
        result = work.session.execute(
            update(Delivery).where(Delivery.id == delivery_id, *_due(now)).values(lease_until=lease)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            claimed.append(delivery_id)
    if not claimed:
        return []
    rows = work.session.scalars(select(Delivery).where(Delivery.id.in_(claimed))
                                .execution_options(populate_existing=True)).all()
    return [OutgoingSms(d.id, d.address, d.body) for d in rows]


def send_all(provider: SmsProvider, batch: list[OutgoingSms]) -> list[Outcome]:
    """Talk to the provider; no database here."""
    outcomes = []
    for sms in batch:
        try:
            outcomes.append(Outcome(sms.delivery_id, message_id=provider.send(sms.phone, sms.text,
                                                                               sms.delivery_id)))
        except SmsRejected as exc:
            outcomes.append(Outcome(sms.delivery_id, error=f"rejected: {exc}", permanent=True))
        except SmsTemporaryError as exc:
            outcomes.append(Outcome(sms.delivery_id, error=str(exc)))
        except Exception as exc:  # a provider bug must not stop the batch; it is retried
            log.exception("SMS provider failed on delivery %s", sms.delivery_id)
            outcomes.append(Outcome(sms.delivery_id, error=f"{type(exc).__name__}: {exc}"))
    return outcomes


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
    elif outcome.permanent or delivery.attempts >= policy.max_attempts:
        delivery.status, delivery.last_error, delivery.next_attempt_at = "failed", outcome.error, None
        log.warning("SMS delivery %s failed after %d attempt(s): %s", delivery.id, delivery.attempts,
                    outcome.error)
    else:
        delivery.last_error = outcome.error
        delivery.next_attempt_at = now + policy.backoff(delivery.attempts)
    return delivery


def send_due_sms(work: Work, provider: SmsProvider, policy: SmsPolicy = SmsPolicy(),
                 between: Callable[[], None] | None = None) -> list[Delivery]:
    """One pass of the sender. ``between`` (the service passes its session's commit) runs
    after the claim and before the provider is called."""
    batch = claim_due_sms(work, policy)
    if not batch:
        return []
    if between is not None:
        between()
    outcomes = send_all(provider, batch)
    return [d for d in (record_outcome(work, o, policy) for o in outcomes) if d is not None]
