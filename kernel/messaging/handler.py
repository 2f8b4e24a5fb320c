"""Reliable event handlers: inbox-deduplicated, retried with backoff, dead-lettered.

nameko's own ``event_handler`` acks a message whose handler raised, and the
event is lost. This entrypoint instead:

1. parses and verifies the envelope -- a malformed or unsigned message goes
   straight to the dead-letter queue (it will never succeed);
2. skips an event this process has seen this handler apply (an in-process set of
   recently applied ids -- no database round trip, no extra session per message),
   and an event the handler's ``when`` predicate declines
   (``@event_handler(source, type, when=lambda event: ...)``, called with the
   verified :class:`Event`): acked at once, with no worker, no session and no
   inbox row -- for handlers that act on a few events of a busy type (tickets
   takes only the engineering dispatch of ``notification.delivered``);
3. runs the handler; on success writes the inbox row *in the handler's own
   transaction* and commits, then acks -- a crash before the ack means a
   redelivery, which step 2 or the inbox primary key turns into a no-op: a
   duplicate that gets past the set (another replica applied it, or this process
   restarted) runs in a transaction whose commit fails on the inbox row and is
   rolled back, and if the handler itself refuses the duplicate (raises), the
   inbox is looked up before any retry -- an applied event is acked and dropped;
4. on failure rolls back and republishes the message to
   ``{queue}--retry-{ms}`` (a queue with that TTL which dead-letters back into
   the handler's queue), one delay per attempt from ``EVENT_RETRY_DELAYS``;
   after the last delay the message goes to ``wuye.dlq.{service}`` with the
   error in its headers. ``wuye-dlq list|replay {service}`` inspects and
   replays it.

It consumes through :class:`SafeQueueConsumer`, which nameko's ``QueueConsumer``
is not in two ways that matter: an ack or requeue that fails because the broker
went away (``BrokenPipeError``, ``ConnectionResetError``, kombu errors -- nameko
only catches amqp's ``ConnectionError``) is logged, not raised (a raise kills the
container; the un-acked message is redelivered after reconnecting and the inbox
makes it a no-op), and a body that cannot be decoded (not JSON, a content type
we do not accept) is dead-lettered with the reason instead of acked and lost.

Each handler counts what became of every delivery in ``outcomes`` (a
``collections.Counter`` per process): ``applied``, ``skipped`` (a known
duplicate, step 2), ``declined`` (``when=``), ``dropped`` (a duplicate that got
past the set, step 3), ``retried``, ``dead_lettered``, ``requeued`` (handed back
to the broker: the container is being killed, or neither a retry queue nor the
dead-letter queue could be reached). ``retried`` and ``requeued`` copies come
back; the other five are final, and ``settled`` is their sum: how many copies
this handler is done with -- every copy routed to its queue ends there exactly
once. Tests wait on these instead of sleeping (``kernel.testing.wait_settled``
proves every copy a relay published has been settled), and an operator can read
them from a live container.
"""
from __future__ import annotations

import logging
import sys
import traceback
from collections import Counter, OrderedDict
from functools import partial

from kombu import Queue
from marshmallow import ValidationError
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.events import SERVICE_POOL, EventHandler
from nameko.exceptions import ContainerBeingKilled
from nameko.messaging import QueueConsumer
from sqlalchemy import select

from ..config import amqp_ssl, secret_from
from ..db import find_database
from ..errors import InvalidInput, RetryableError, WuyeError
from .envelope import Event, InvalidEnvelope
from .models import kernel_tables

log = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (1, 5, 30, 120, 600)   # seconds
#: errors no retry can cure: straight to the dead-letter queue
POISON = (ValidationError, InvalidInput)
ATTEMPT_HEADER = "x-wuye-attempt"
#: the outcomes that end a copy's life in a handler (``retried``/``requeued`` copies come back)
FINAL_OUTCOMES = ("applied", "skipped", "declined", "dropped", "dead_lettered")
ORIGIN_HEADER = "x-wuye-original-queue"


def dlq_name(service: str) -> str:
    return f"wuye.dlq.{service}"


def dlq_queue(service: str) -> Queue:
    return Queue(dlq_name(service), durable=True, auto_delete=False)


def retry_queue(queue_name: str, delay_ms: int) -> Queue:
    return Queue(
        f"{queue_name}--retry-{delay_ms}", durable=True, auto_delete=False,
        queue_arguments={
            "x-message-ttl": delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue_name,
        },
    )


def _own_headers(message) -> dict:
    # the broker's own dead-lettering bookkeeping is not ours to republish
    return {k: v for k, v in (message.headers or {}).items()
            if not k.startswith(("x-death", "x-first-death", "x-last-death"))}


class SafeQueueConsumer(QueueConsumer):
    """nameko's shared queue consumer, hardened for broker outages and bad bodies."""

    def ack_message(self, message):
        try:
            super().ack_message(message)
        except Exception as exc:  # the connection broke under us
            log.warning("could not ack a message (%s: %s); the broker will redeliver it",
                        type(exc).__name__, exc)

    def requeue_message(self, message):
        try:
            super().requeue_message(message)
        except Exception as exc:
            log.warning("could not requeue a message (%s: %s); the broker will redeliver it",
                        type(exc).__name__, exc)

    def provider_for(self, message):
        tag = (message.delivery_info or {}).get("consumer_tag")
        for provider, consumer in list(self._consumers.items()):
            if tag in getattr(consumer, "_active_tags", {}).values():
                return provider
        return None

    def on_decode_error(self, message, exc):
        """kombu calls this (in the consumer thread) for a body it cannot decode;
        its default logs and acks: the message is lost."""
        provider = self.provider_for(message)
        dead_letter = getattr(provider, "dead_letter_undecodable", None)
        if dead_letter is None:
            log.error("could not decode a message on %s (%s: %s); dropping it",
                      (message.delivery_info or {}).get("routing_key"), type(exc).__name__, exc)
            self.ack_message(message)
            return
        try:
            dead_letter(message, exc)
        except Exception:
            log.exception("could not dead-letter an undecodable message; requeueing it")
            self.requeue_message(message)
            provider.outcomes["requeued"] += 1
        else:
            self.ack_message(message)


class RecentlyApplied:
    """A bounded set of event ids (least recently added dropped first): what this
    process knows a handler has applied. Only ever a shortcut -- the inbox table
    stays the truth."""

    def __init__(self, size: int = 10_000):
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, event_id: str) -> bool:
        return event_id in self._ids

    def add(self, event_id: str) -> None:
        self._ids[event_id] = None
        self._ids.move_to_end(event_id)
        while len(self._ids) > self.size:
            self._ids.popitem(last=False)

    def clear(self) -> None:
        self._ids.clear()


class ReliableEventHandler(EventHandler):

    queue_consumer = SafeQueueConsumer()

    def __init__(self, source_service, event_type, when=None, **kwargs):
        """``when(event) -> bool``: the events this handler wants (default: all). It sees the
        verified envelope only, must be cheap and pure (no database, no I/O); an event it
        declines is acked without a worker. A predicate that raises counts as "wanted" (the
        handler then validates the payload and dead-letters what is poison)."""
        kwargs.setdefault("expected_exceptions", (WuyeError, RetryableError))
        self.when = when
        super().__init__(source_service, event_type, handler_type=SERVICE_POOL,
                         reliable_delivery=True, requeue_on_error=False, **kwargs)

    def setup(self):
        super().setup()
        config = self.container.config
        self.handler_name = f"{self.container.service_name}.{self.method_name}"
        self.secret = secret_from(config)
        self.retry_delays = [float(d) for d in config.get("EVENT_RETRY_DELAYS", DEFAULT_RETRY_DELAYS)]
        self.database = find_database(self.container)
        self.recent = RecentlyApplied()
        self.outcomes: Counter[str] = Counter()      # what became of each delivery (module docstring)
        self.publisher = Publisher(config[AMQP_URI_CONFIG_KEY], use_confirms=True, serializer="json",
                                   ssl=amqp_ssl(config))

    @property
    def settled(self) -> int:
        """How many copies this handler is done with (the final ``outcomes``)."""
        return sum(self.outcomes[outcome] for outcome in FINAL_OUTCOMES)

    # -- receiving ----------------------------------------------------------
    def handle_message(self, body, message):
        try:
            event = Event.from_body(body, self.secret)
        except InvalidEnvelope as exc:
            log.error("%s: dead-lettering a malformed event: %s", self.handler_name, exc)
            self._park(body, message, f"InvalidEnvelope: {exc}")
            return
        if (event.source, event.type) != (self.source_service, self.event_type):
            # a genuinely signed envelope re-published under another routing key: it is not
            # the event this handler is bound to, whatever its payload would pass
            reason = (f"MisroutedEvent: envelope is {event.source}/{event.type}, this handler is bound "
                      f"to {self.source_service}/{self.event_type}")
            log.error("%s: dead-lettering a misrouted event %s: %s", self.handler_name, event.id, reason)
            self._park(body, message, reason)
            return
        if event.id in self.recent:
            log.info("%s: %s %s already applied; skipping", self.handler_name, event.type, event.id)
            self.queue_consumer.ack_message(message)
            self.outcomes["skipped"] += 1
            return
        if not self.wants(event):
            log.debug("%s: %s %s not wanted (when=); acked", self.handler_name, event.type, event.id)
            self.queue_consumer.ack_message(message)
            self.outcomes["declined"] += 1
            return
        context_data = self.unpack_message_headers(message)
        handle_result = partial(self.handle_result, message, body, event)
        try:
            self.container.spawn_worker(self, (event,), {}, context_data=context_data,
                                        handle_result=handle_result)
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)
            self.outcomes["requeued"] += 1

    def wants(self, event: Event) -> bool:
        if self.when is None:
            return True
        try:
            return bool(self.when(event))
        except Exception:
            log.warning("%s: the when= predicate failed on %s %s; handling it", self.handler_name,
                        event.type, event.id, exc_info=True)
            return True

    def dead_letter_undecodable(self, message, exc) -> None:
        """A body kombu could not decode: to the DLQ as it came, the reason in its headers."""
        reason = f"undecodable body ({message.content_type or 'no content type'}): " \
                 f"{type(exc).__name__}: {exc}"
        self._dead_letter(message.body, message, reason,
                          raw=(message.content_type, message.content_encoding))

    def _park(self, body, message, error: str) -> None:
        """Dead-letter and ack; if the DLQ cannot be reached, leave the message on its queue."""
        try:
            self._dead_letter(body, message, error)
        except Exception as exc:
            log.warning("%s: could not dead-letter (%s); requeueing", self.handler_name, exc)
            self.queue_consumer.requeue_message(message)
            self.outcomes["requeued"] += 1
        else:
            self.queue_consumer.ack_message(message)

    def _already_applied(self, event: Event) -> bool:
        """The inbox's answer (a short session of its own): asked only when a delivery
        failed, never on the way in."""
        if self.database is None:
            return False
        _, InboxRecord = kernel_tables(self.database.base)
        with self.database.short_session() as session:
            return session.execute(
                select(InboxRecord.event_id).where(InboxRecord.handler == self.handler_name,
                                                   InboxRecord.event_id == event.id)
            ).first() is not None

    # -- after the worker ---------------------------------------------------
    def handle_result(self, message, body, event, worker_ctx, result, exc_info):
        if self.database is not None:
            try:
                self.database.finish(worker_ctx, exc_info,
                                     before_commit=partial(self._record_inbox, event))
            except Exception:
                exc_info = sys.exc_info()
            if exc_info is None:
                self.recent.add(event.id)
            elif self._applied_before(event, exc_info):
                # another delivery of the same event (a redelivery, a concurrent copy, a
                # replica) won the inbox row; this copy's writes were rolled back
                log.info("%s: %s %s already applied; dropping this copy",
                         self.handler_name, event.type, event.id)
                self.recent.add(event.id)
                self.queue_consumer.ack_message(message)
                self.outcomes["dropped"] += 1
                return None, None
        if exc_info is not None:
            try:
                self._retry_or_dead_letter(body, message, exc_info)
            except Exception:
                # could not park it anywhere: leave it on the queue rather than lose it
                log.exception("%s: could not schedule a retry; requeueing", self.handler_name)
                self.queue_consumer.requeue_message(message)
                self.outcomes["requeued"] += 1
                return result, exc_info
        self.queue_consumer.ack_message(message)
        if exc_info is None:
            self.outcomes["applied"] += 1
        return result, exc_info

    def _applied_before(self, event: Event, exc_info) -> bool:
        if isinstance(exc_info[1], POISON):
            return False
        try:
            return self._already_applied(event)
        except Exception:
            log.warning("%s: could not look up the inbox for %s", self.handler_name, event.id,
                        exc_info=True)
            return False

    def _record_inbox(self, event: Event, session) -> None:
        # a Core INSERT (after the handler's own writes are flushed): no ORM object to track and
        # flush -- a handler that wrote through Core (the read model's upserts) then commits
        # without any unit-of-work flush at all. A duplicate fails here, as it did at the flush.
        _, InboxRecord = kernel_tables(self.database.base)
        session.execute(InboxRecord.__table__.insert().values(
            handler=self.handler_name, event_id=event.id, event_type=event.type, source=event.source,
            processed_at=self.database.clock.now()))

    def _retry_or_dead_letter(self, body, message, exc_info) -> None:
        attempt = int((message.headers or {}).get(ATTEMPT_HEADER, 0)) + 1
        error = "".join(traceback.format_exception_only(exc_info[0], exc_info[1])).strip()
        if isinstance(exc_info[1], POISON):
            # a payload that does not validate will not validate on the next try either
            self._dead_letter(body, message, error, attempts=attempt)
        elif attempt <= len(self.retry_delays):
            delay_ms = int(self.retry_delays[attempt - 1] * 1000)
            queue = retry_queue(self.queue.name, delay_ms)
            headers = _own_headers(message)
            headers.update({ATTEMPT_HEADER: attempt, "x-wuye-last-error": error[:1000]})
            self.publisher.publish(body, exchange="", routing_key=queue.name, declare=[queue],
                                   headers=headers, message_id=message.properties.get("message_id"))
            self.outcomes["retried"] += 1
            log.warning("%s: attempt %d failed (%s); retrying in %.1fs",
                        self.handler_name, attempt, error, delay_ms / 1000)
        else:
            self._dead_letter(body, message, error, attempts=attempt)

    def _dead_letter(self, body, message, error: str, attempts: int = 1, raw=None) -> None:
        service = self.container.service_name
        headers = _own_headers(message)
        headers.update({
            ORIGIN_HEADER: self.queue.name, "x-wuye-handler": self.handler_name,
            "x-wuye-error": error[:2000], ATTEMPT_HEADER: attempts,
        })
        options = {}
        if raw is not None:   # bytes as they came: publish them unserialised
            options = {"content_type": raw[0] or "application/octet-stream",
                       "content_encoding": raw[1] or "binary"}
        self.publisher.publish(body, exchange="", routing_key=dlq_name(service),
                               declare=[dlq_queue(service)], headers=headers,
                               message_id=message.properties.get("message_id"), **options)
        self.outcomes["dead_lettered"] += 1
        log.error("%s: dead-lettered after %d attempt(s): %s", self.handler_name, attempts, error)


event_handler = ReliableEventHandler.decorator
