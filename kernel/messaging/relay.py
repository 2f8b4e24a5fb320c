"""The outbox relay: publishes committed outbox rows with publisher confirms.

It claims due rows with a short lease (:func:`kernel.lease.claim_due`, shared
with scheduled jobs and notify's SMS sender: several replicas of a service can
run relays side by side; on PostgreSQL the claim also uses ``SKIP LOCKED``),
publishes the whole batch to ``{source}.events`` (routing key = event type) and
then waits once for the broker's confirms of all of it -- one round trip per
batch, not per row. Each row is matched to its own confirm by delivery tag, and
a row is marked sent only after *its* confirm; a nack, a return or no answer in
``confirm_timeout`` leaves just that row unconfirmed. A failure leaves the row pending
with exponential backoff (:class:`kernel.lease.Backoff`); a *mandatory* event
the broker could not route (no subscriber queue exists yet) is retried the same
way and parked as
``unrouted`` after ``OUTBOX_UNROUTED_GIVE_UP`` seconds -- ``wuye-dlq outbox``
lists and re-queues those.

If the broker confirmed but the row could not be marked (crash, DB error), the
event is published again later: delivery is at-least-once, and the handlers'
inbox makes the effect exactly-once.

The relay counts what became of every copy it handed to the broker, in
``outcomes`` (a ``collections.Counter`` per process, all event types) and
``outcomes_by_type[event_type]`` (the same, per type): ``published`` (handed to
the broker), and for each of those exactly one of ``confirmed`` (acked, not
returned: in every queue bound for it), ``returned`` (a mandatory copy no queue
was bound for: it reached none), ``nacked`` (the broker refused it -- it may still
sit in some of the bound queues) and ``unconfirmed`` (no answer: the connection
broke or the confirm timed out -- it may or may not have reached the broker). A
copy is counted before its row is marked sent, so whoever reads ``sent`` in the
table finds it counted. With no ``nacked`` nor ``unconfirmed`` copies of a type,
``confirmed`` is exactly how many copies each of its bound queues received:
tests prove "every copy was handled" against it (``kernel.testing.wait_settled``)
instead of sleeping, and an operator can read it from a live container.
"""
from __future__ import annotations

import logging
import socket
import time
from collections import Counter, defaultdict
from datetime import timedelta

from kombu import Connection
from nameko.constants import AMQP_URI_CONFIG_KEY, PERSISTENT
from nameko.standalone.events import get_event_exchange
from sqlalchemy import update

from ..clock import ensure_aware, clock_from_setting
from ..config import amqp_ssl
from ..lease import Backoff, PollingLoop, claim_due
from .models import kernel_tables

log = logging.getLogger(__name__)



class OutboxRelay(PollingLoop):
    loop_name = "outbox relay"

    def __init__(self, Session, base, amqp_uri: str, *, config: dict | None = None,
                 clock=None, poll_interval: float = 1.0, batch_size: int = 100,
                 lease_seconds: float = 30, backoff_max: float = 60,
                 unrouted_give_up: float = 600, confirm_timeout: float = 10):
        self.Session = Session
        self.OutboxMessage, _ = kernel_tables(base)
        self.amqp_uri = amqp_uri
        self.config = config or {}
        self.clock = clock or clock_from_setting(self.config.get("CLOCK"))
        self.poll_interval = poll_interval
        self.batch_size = batch_size
        self.lease = timedelta(seconds=lease_seconds)
        self.backoff = Backoff(base=1.0, cap=backoff_max)
        self.unrouted_give_up = timedelta(seconds=unrouted_give_up)
        # The relay owns its connection (not a shared pool): after any failure it
        # is thrown away and the next pass dials again, so a broker restart
        # cannot leave the relay holding a dead socket.
        self._connection: Connection | None = None
        self._channel = None
        self._last_tag = 0                  # the channel's last delivery tag (confirm mode)
        self._declared: set[str] = set()
        self._batch = _NO_BATCH
        self.confirm_timeout = confirm_timeout
        #: what became of the copies handed to the broker (module docstring)
        self.outcomes: Counter[str] = Counter()
        self.outcomes_by_type: defaultdict[str, Counter[str]] = defaultdict(Counter)

    @classmethod
    def from_config(cls, Session, base, config: dict, clock=None) -> "OutboxRelay":
        return cls(
            Session, base, config[AMQP_URI_CONFIG_KEY], config=config, clock=clock,
            poll_interval=float(config.get("OUTBOX_POLL_INTERVAL", 1.0)),
            batch_size=int(config.get("OUTBOX_BATCH_SIZE", 100)),
            backoff_max=float(config.get("OUTBOX_BACKOFF_MAX", 60)),
            unrouted_give_up=float(config.get("OUTBOX_UNROUTED_GIVE_UP", 600)),
        )

    # -- loop (kernel.lease.PollingLoop) ------------------------------------
    def one_pass(self) -> int:
        return self.relay_once()

    def stop(self) -> None:
        super().stop()
        self._reset()

    # -- one pass -----------------------------------------------------------
    def _claim(self) -> list:
        OM = self.OutboxMessage
        with self.Session() as session, session.begin():
            return claim_due(session, OM, key=OM.seq, now=self.clock.now(), lease=self.lease,
                             limit=self.batch_size, where=(OM.status == "pending",), order_by=OM.seq,
                             returning=(OM.event_id, OM.event_type, OM.source, OM.body, OM.mandatory,
                                        OM.attempts, OM.created_at))

    def relay_once(self) -> int:
        rows = self._claim()
        if not rows:
            return 0
        OM = self.OutboxMessage
        outcome = self._publish_batch(rows)
        self._count(rows, outcome)
        sent = [row.seq for row in rows if row.seq in outcome.confirmed]
        failed = [(row, outcome.errors.get(row.seq, "not confirmed"), row.seq in outcome.returned)
                  for row in rows if row.seq not in outcome.confirmed]
        now = self.clock.now()
        with self.Session() as session, session.begin():
            if sent:
                session.execute(update(OM).where(OM.seq.in_(sent)).values(
                    status="sent", sent_at=now, lease_until=None, last_error=None,
                    attempts=OM.attempts + 1))
            for row, error, unroutable in failed:
                attempts = row.attempts + 1
                values = dict(attempts=attempts, last_error=error[:2000], lease_until=None,
                              next_attempt_at=self.backoff.next_attempt(now, attempts))
                if unroutable and now - ensure_aware(row.created_at) >= self.unrouted_give_up:
                    values["status"] = "unrouted"
                    log.error("outbox: %s %s parked as unrouted after %s attempts",
                              row.event_type, row.event_id, attempts)
                session.execute(update(OM).where(OM.seq == row.seq).values(**values))
        if failed:
            log.warning("outbox: %d published, %d failed (%s)", len(sent), len(failed), failed[0][1])
        return len(sent)

    def _count(self, rows, batch: "_Batch") -> None:
        published = {row.seq for row in batch.by_tag.values()}
        for row in rows:
            if row.seq not in published:
                continue                      # never handed to the broker: no copy exists
            if row.seq in batch.confirmed:
                outcome = "confirmed"
            elif row.seq in batch.returned:
                outcome = "returned"
            elif row.seq in batch.nacked:
                outcome = "nacked"
            else:
                outcome = "unconfirmed"
            for counter in (self.outcomes, self.outcomes_by_type[row.event_type]):
                counter["published"] += 1
                counter[outcome] += 1

    # -- the broker -----------------------------------------------------------
    def _ensure_channel(self):
        if self._channel is None:
            connection = Connection(self.amqp_uri, connect_timeout=5, ssl=amqp_ssl(self.config))
            connection.ensure_connection(max_retries=1)
            try:
                channel = connection.channel()
                channel.confirm_select()
                channel.events["basic_ack"].add(self._on_ack)
                channel.events["basic_nack"].add(self._on_nack)
                channel.events["basic_return"].add(self._on_return)
            except Exception:
                self._connection = connection
                self._reset()
                raise
            self._connection, self._channel = connection, channel
            self._last_tag = 0
            self._declared = set()
        return self._channel

    def _reset(self) -> None:
        channel, connection = self._channel, self._connection
        self._channel = self._connection = None
        for closing in (channel, connection):
            try:
                if closing is not None:
                    closing.close()
            except Exception:  # already broken; we only want it gone
                pass

    # confirms and returns of the batch being published (set by _publish_batch)
    def _on_ack(self, delivery_tag, multiple):
        self._batch.settle(delivery_tag, multiple, ok=True)

    def _on_nack(self, delivery_tag, multiple):
        self._batch.settle(delivery_tag, multiple, ok=False)

    def _on_return(self, exc, exchange, routing_key, message):
        props = getattr(message, "properties", None) or {}
        event_id = props.get("message_id") or (props.get("application_headers") or {}).get("wuye-event-id")
        self._batch.returned_event(event_id, routing_key)

    def _publish_batch(self, rows) -> "_Batch":
        """Publish every row, then wait once for all their confirms.

        A row is confirmed only by the broker's ack of its own delivery tag and no
        return of its message (a mandatory message nobody is bound for comes back as
        ``basic.return`` before its ack). Anything else -- a nack, a return, no answer
        within ``confirm_timeout``, the connection lost -- leaves it unconfirmed."""
        batch = self._batch = _Batch(rows)
        try:
            channel = self._ensure_channel()
            for row in rows:
                exchange = get_event_exchange(row.source, self.config)
                if exchange.name not in self._declared:
                    exchange(channel).declare()
                    self._declared.add(exchange.name)
                message = channel.prepare_message(
                    row.body.encode("utf-8"), content_type="application/json",
                    content_encoding="utf-8", priority=0,
                    headers={"wuye-event-id": row.event_id, "wuye-event-type": row.event_type},
                    properties={"delivery_mode": PERSISTENT, "message_id": row.event_id},
                )
                channel.basic_publish(message, exchange=exchange.name, routing_key=row.event_type,
                                      mandatory=bool(row.mandatory))
                self._last_tag += 1
                batch.published(self._last_tag, row)
            deadline = time.monotonic() + self.confirm_timeout
            while not batch.settled():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no confirm within {self.confirm_timeout:g}s")
                self._connection.drain_events(timeout=remaining)
        except socket.timeout:
            batch.fail_rest(f"TimeoutError: no confirm within {self.confirm_timeout:g}s")
            self._reset()
        except Exception as exc:  # broker gone, channel closed, ...
            batch.fail_rest(f"{type(exc).__name__}: {exc}")
            self._reset()
        finally:
            self._batch = _NO_BATCH
        return batch


class _Batch:
    """The rows of one relay pass on their way through the broker: delivery tag ->
    row, and what the broker said about each."""

    def __init__(self, rows=()):
        self.by_tag: dict[int, object] = {}
        self.by_event: dict[str, object] = {r.event_id: r for r in rows}
        self.confirmed: set[int] = set()     # seqs
        self.returned: set[int] = set()      # seqs
        self.nacked: set[int] = set()        # seqs
        self.errors: dict[int, str] = {}     # seq -> why not confirmed
        self.open: set[int] = set()          # tags awaiting a confirm

    def published(self, tag: int, row) -> None:
        self.by_tag[tag] = row
        self.open.add(tag)

    def settle(self, tag: int, multiple: bool, ok: bool) -> None:
        tags = [t for t in self.open if t <= tag] if multiple else [tag] if tag in self.open else []
        for t in tags:
            self.open.discard(t)
            row = self.by_tag[t]
            if not ok:
                self.errors[row.seq] = "nacked by the broker"
                self.nacked.add(row.seq)
            elif row.seq not in self.returned:
                self.confirmed.add(row.seq)

    def returned_event(self, event_id, routing_key) -> None:
        row = self.by_event.get(event_id)
        if row is None:
            log.warning("outbox: a returned message that is not in this batch (%s)", event_id)
            return
        self.returned.add(row.seq)
        self.confirmed.discard(row.seq)
        self.errors[row.seq] = f"unroutable: no queue is bound for {routing_key or row.event_type}"

    def settled(self) -> bool:
        return not self.open

    def fail_rest(self, error: str) -> None:
        """The pass broke off: every row without an answer stays unconfirmed."""
        published = {row.seq for row in self.by_tag.values()}
        for row in self.by_event.values():
            if row.seq not in self.confirmed and row.seq not in self.errors:
                self.errors[row.seq] = error if row.seq in published else f"not tried: {error}"
        self.open.clear()


_NO_BATCH = _Batch()
