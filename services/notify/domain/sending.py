"""Sending due deliveries of every outbound channel (SMS, e-mail, WeChat), outside any event
handler's transaction -- one claim, one interface (:class:`~services.notify.providers.ChannelProvider`),
one record of the outcome per delivery.

One pass (the service's sender loop, ``services/notify/sender.py``, runs one as soon as a
commit created a due message, again at once while there are more due than one batch, else
every ``SMS_SEND_INTERVAL`` seconds for retries coming due):

1. **claim** the due pending deliveries with a lease (the kernel's one claim,
   :func:`kernel.lease.claim_due`: ``SKIP LOCKED`` on PostgreSQL, a conditional
   update everywhere, so two senders never take the same one);
2. the caller commits the claim (``between``) -- nothing is held open while
   the provider is on the line;
3. **send** each through its channel's provider -- concurrently (the loop's green pool) but at
   most ``SMS_RATE_PER_SECOND`` per second (:class:`RateLimiter`, a token bucket) --
   with the delivery id as ``ref`` (the provider's idempotency key: the SMS gateway's ref, WeChat's
   ``client_msg_id``, the e-mail's ``Message-ID``); a message whose lease would run out
   before the provider could answer (``send_timeout``) is left for the next
   claim instead of being sent by two senders at once;
4. **record** each outcome, with the provider's answer (``provider_answer``): accepted → ``sent``
   and ``notification.delivered`` (a delivery receipt the provider sent before this record,
   held by ``receipts.py``, is applied at once: ``delivered`` or ``failed``);
   temporary error → retried with exponential backoff from the clock
   (:class:`kernel.lease.Backoff`) until ``max_attempts``, then ``failed``;
   rejected → ``failed`` at once. The last error is kept. A retry that would fall in the
   project's quiet hours (SMS, WeChat) waits for their end (``policy.py``). An SMS that fails for
   good falls back (:func:`fall_back`): the in-app message is there already; a purpose with a print
   channel gets a ``print`` delivery queued (unless the unit's printed notice is queued already).

Exactly once: a sender that dies between 3 and 4 leaves the lease to expire
(``SMS_LEASE_SECONDS``, 30 s by default -- so the message is at most that
late); the next pass sends it again with the same ``ref`` and the provider,
which already has that ref, answers with the first message id and sends
nothing. The lease must be longer than the provider's timeout
(``SMS_HTTP_TIMEOUT``, 5 s).
"""
from __future__ import annotations

import html
import json
import logging
import re
import uuid
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable, Iterable, Mapping

from sqlalchemy import or_, select

from kernel.clock import Clock
from kernel.lease import Backoff
from kernel.lease import claim_due as claim_due_rows
from kernel.work import Work

from ..models import Delivery, Notification, ProjectCopy
from ..providers import EMAIL, OUTBOUND, Outgoing, Rejected, TemporaryError, deliver
from . import policy as quiet, templates
from .notifications import PRINT, QUEUED, SMS, record_changed, record_delivered

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


#: the policy of every outbound channel (its settings keep their SMS_ names)
SendPolicy = SmsPolicy
#: what the SMS sender claimed, by its name of before
OutgoingSms = Outgoing
#: a provider per channel, or one provider (of SMS: the form of before)
Providers = Mapping[str, object] | object


@dataclass(frozen=True)
class Outcome:
    delivery_id: str
    message_id: str | None = None
    error: str | None = None
    permanent: bool = False
    answer: str | None = None          # the provider's answer, kept on the delivery
    channel: str = SMS

    @property
    def ok(self) -> bool:
        return self.message_id is not None


def email_html(text: str) -> str:
    """The HTML part of an e-mail: its text, escaped (never markup from a template's values),
    paragraphs and line breaks kept."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [""]
    inner = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return _document(inner)


#: the languages an e-mail's ``<html lang>`` may name (the template locales)
_LANGS = ("zh-CN", "en")


def _document(inner: str, lang: str = "zh-CN") -> str:
    lang = lang if lang in _LANGS else "zh-CN"
    return f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"></head><body>\n{inner}</body></html>\n'


def _lang(data: str | None) -> str:
    try:
        made = json.loads(data) if data else None
    except ValueError:
        return "zh-CN"
    return made.get("lang") or "zh-CN" if isinstance(made, dict) else "zh-CN"


_BLOCK_END = re.compile(r"(?i)</p\s*>|<br\s*/?>|</li\s*>|</h[1-6]\s*>|</div\s*>")
_TAG = re.compile(r"<[^<>]*>")


def email_parts(body: str, lang: str = "zh-CN") -> tuple[str, str]:
    """(text, html) of an e-mail delivery's body -- HTML always (an HTML template rendered with its
    values escaped; a plain one escaped when the message was made: ``notifications.notify``): the
    HTML part as it is and, without its tags, the text part."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", body)))
    text = "\n".join(line.strip() for line in text.splitlines()).strip()
    return re.sub(r"\n{3,}", "\n\n", text), _document(body, lang)


def claim_due(work: Work, policy: SmsPolicy, channels=OUTBOUND) -> list[Outgoing]:
    """Claim (lease) the next batch of due pending deliveries of ``channels``."""
    rows = claim_due_rows(work.session, Delivery, key=Delivery.id, now=work.clock.now(),
                          lease=timedelta(seconds=policy.lease_seconds), limit=policy.batch_size,
                          where=(Delivery.channel.in_(list(channels)), Delivery.status == "pending"),
                          returning=(Delivery.channel, Delivery.address, Delivery.subject, Delivery.body,
                                     Delivery.lease_until, Delivery.channel_data))
    out = []
    for delivery_id, channel, address, subject, body, lease_until, data in rows:
        text, part = email_parts(body, _lang(data)) if channel == EMAIL else (body, None)
        out.append(Outgoing(delivery_id, channel, address, text, subject or "", part, lease_until,
                            _template(delivery_id, data)))
    return out


def _template(delivery_id: str, data: str | None) -> dict | None:
    """A delivery's ``channel_data`` (a WeChat template and its fields), or None (the generic one)."""
    if not data:
        return None
    try:
        made = json.loads(data)
    except ValueError:
        log.error("delivery %s: unreadable channel_data, sent with the generic template", delivery_id)
        return None
    return made if isinstance(made, dict) and made.get("template_id") else None


def claim_due_sms(work: Work, policy: SmsPolicy) -> list[Outgoing]:
    return claim_due(work, policy, (SMS,))


def _provider_for(providers: Providers, channel: str):
    if isinstance(providers, Mapping):
        return providers.get(channel)
    return providers


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


def send_one(providers: Providers, sms: Outgoing, clock: Clock | None = None,
             send_timeout: float = 0.0, limiter: RateLimiter | None = None) -> Outcome | None:
    """Send one message through its channel's provider (after the limiter let it go); None when
    its lease is too close to its end to start a send (its lease runs out; the next claim sends it)."""
    if limiter is not None:
        limiter.acquire()
    if clock is not None and sms.lease_until is not None and \
            clock.now() + timedelta(seconds=send_timeout) >= sms.lease_until:
        log.warning("%s delivery %s: lease too close to its end, left for the next pass", sms.channel,
                    sms.delivery_id)
        return None
    provider = _provider_for(providers, sms.channel)
    if provider is None:     # claimed only for channels with a provider; a bug if it happens
        return Outcome(sms.delivery_id, error=f"no provider for {sms.channel}", channel=sms.channel)
    try:
        message_id = deliver(provider, sms)
        return Outcome(sms.delivery_id, message_id=message_id, channel=sms.channel,
                       answer=getattr(message_id, "answer", None) or f"accepted: {message_id}")
    except Rejected as exc:
        return Outcome(sms.delivery_id, error=f"rejected: {exc}", permanent=True, answer=str(exc),
                       channel=sms.channel)
    except TemporaryError as exc:
        return Outcome(sms.delivery_id, error=str(exc), answer=str(exc), channel=sms.channel)
    except Exception as exc:  # a provider bug must not stop the batch; it is retried
        log.exception("%s provider failed on delivery %s", sms.channel, sms.delivery_id)
        return Outcome(sms.delivery_id, error=f"{type(exc).__name__}: {exc}", channel=sms.channel)


def send_all(providers: Providers, batch: list[Outgoing], clock: Clock | None = None,
             send_timeout: float = 0.0, limiter: RateLimiter | None = None,
             map_: Callable[[Callable, Iterable], Iterable] = map) -> list[Outcome]:
    """Talk to the providers; no database here. ``map_`` runs the sends (the sender loop
    passes a green pool's ``imap``: concurrent sends); ``limiter`` paces them. With a
    ``clock``, a message whose lease ends within ``send_timeout`` is not sent."""
    def one(sms: Outgoing) -> Outcome | None:
        return send_one(providers, sms, clock, send_timeout, limiter)
    return [outcome for outcome in map_(one, batch) if outcome is not None]


def record_outcome(work: Work, outcome: Outcome, policy: SmsPolicy) -> Delivery | None:
    # locked: a provider's receipt for it (``receipts.py``) waits for this record, or this for it
    delivery = work.session.scalars(select(Delivery).where(Delivery.id == outcome.delivery_id).with_for_update()
                                    .execution_options(populate_existing=True)).first()
    if delivery is None or delivery.status != "pending":
        return None          # someone else finished it after our lease ran out
    now = work.clock.now()
    delivery.attempts += 1
    delivery.lease_until = None
    delivery.provider_answer = (outcome.answer or outcome.error or "")[:1000] or None
    if outcome.ok:
        delivery.status, delivery.sent_at = "sent", now
        delivery.provider_message_id, delivery.last_error, delivery.next_attempt_at = \
            outcome.message_id, None, None
        record_delivered(work, delivery.notification, delivery)
        # the provider reported on it before this record (its receipt was held): applied now
        from .receipts import apply_held
        apply_held(work, delivery)
        record_changed(work, delivery.notification)
    elif outcome.permanent or policy.retry.gives_up(delivery.attempts):
        delivery.status, delivery.last_error, delivery.next_attempt_at = "failed", outcome.error, None
        if delivery.channel == SMS:
            fall_back(work, delivery)
        record_changed(work, delivery.notification)
        log.warning("%s delivery %s failed after %d attempt(s): %s", delivery.channel, delivery.id,
                    delivery.attempts, outcome.error)
    else:
        delivery.last_error = outcome.error
        retry_at = policy.retry.next_attempt(now, delivery.attempts)
        project = work.session.get(ProjectCopy, delivery.project_id)
        if project is not None:
            retry_at = quiet.due_at(work, project, delivery.channel, delivery.notification.purpose, retry_at)
        delivery.next_attempt_at = retry_at
    return delivery


#: why a fallback print delivery exists (its ``last_error``: the delivery's note)
FALLBACK_NOTE = "fallback: the SMS failed"


def fall_back(work: Work, sms: Delivery) -> Delivery | None:
    """The fallback of an SMS that failed for good: the message's text printed (a ``print``
    delivery queued on the same notification, for the desk to post) when its purpose has a print
    channel and the message is about a unit -- unless a print delivery of that purpose for the unit
    and the same event or reference is there already (the door notice queued with the unit's
    message). The in-app message needs nothing: it was stored with the notification. Otherwise the
    SMS stays ``failed`` only. The printed text is the notification's own (the SMS's words)."""
    n: Notification = sms.notification
    if PRINT not in templates.purpose_of(n.purpose).channels or not n.unit_id:
        return None
    same = (Notification.ref_type == n.ref_type) & (Notification.ref_id == n.ref_id) if n.ref_id else \
        (Notification.source_event_id == n.source_event_id)
    existing = work.session.scalars(select(Delivery.id).join(Notification, Delivery.notification_id == Notification.id)
                                    .where(Delivery.channel == PRINT, Notification.purpose == n.purpose,
                                           Notification.unit_id == n.unit_id,
                                           or_(same, Notification.id == n.id)).limit(1)).first()
    if existing is not None:
        return None
    printed = Delivery(id=str(uuid.uuid4()), notification=n, group_id=n.group_id, project_id=n.project_id,
                       channel=PRINT, address=None, subject=(n.subject or "")[:200], body=sms.body, status=QUEUED,
                       attempts=0, created_at=work.clock.now(), requested_by=sms.requested_by,
                       last_error=FALLBACK_NOTE)
    work.session.add(printed)
    log.info("SMS delivery %s failed for good: its text queued for print (%s)", sms.id, printed.id)
    return printed


def send_due(work: Work, providers: Providers, policy: SmsPolicy = SmsPolicy(),
             between: Callable[[], None] | None = None, limiter: RateLimiter | None = None,
             map_: Callable[[Callable, Iterable], Iterable] = map) -> list[Delivery]:
    """One pass of the sender over the channels of ``providers`` (a mapping channel → provider;
    a single provider sends SMS). ``between`` (the sender commits its claim) runs after the
    claim and before any provider is called."""
    channels = [c for c in OUTBOUND if providers.get(c) is not None] \
        if isinstance(providers, Mapping) else [SMS]
    batch = claim_due(work, policy, channels) if channels else []
    if not batch:
        return []
    if between is not None:
        between()
    outcomes = send_all(providers, batch, work.clock, policy.send_timeout, limiter, map_)
    return [d for d in (record_outcome(work, o, policy) for o in outcomes) if d is not None]


def send_due_sms(work: Work, provider, policy: SmsPolicy = SmsPolicy(),
                 between: Callable[[], None] | None = None, limiter: RateLimiter | None = None,
                 map_: Callable[[Callable, Iterable], Iterable] = map) -> list[Delivery]:
    """One pass over the SMS only, through ``provider``."""
    return send_due(work, {SMS: provider}, policy, between, limiter, map_)
