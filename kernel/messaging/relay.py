"""The outbox relay: publishes committed outbox rows with publisher confirms.

It claims due rows with a short lease (:func:`kernel.lease.claim_due`, shared
with scheduled jobs and notify's SMS sender: several replicas of a service can
run relays side by side; on PostgreSQL the claim also uses ``SKIP LOCKED``),
publishes each to ``{source}.events`` with routing key = event type, and marks
a row sent only after the broker confirmed it. A failure leaves the row pending
with exponential backoff (:class:`kernel.lease.Backoff`); a *mandatory* event
the broker could not route (no subscriber queue exists yet) is retried the same
way and parked as
``unrouted`` after ``OUTBOX_UNROUTED_GIVE_UP`` seconds -- ``wuye-dlq outbox``
lists and re-queues those.

If the broker confirmed but the row could not be marked (crash, DB error), the
event is published again later: delivery is at-least-once, and the handlers'
inbox makes the effect exactly-once.
"""
from __future__ import annotations

import json
import logging
from datetime import timedelta

from kombu import Connection, Producer
from kombu.exceptions import ChannelError, KombuError
from nameko.amqp.publish import UndeliverableMessage
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
                 unrouted_give_up: float = 600):
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
        self._producer: Producer | None = None
        self._declared: set[str] = set()

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
        sent, failed = [], []
        broker_down = False
        for row in rows:
            if broker_down:
                failed.append((row, "not tried: broker unreachable in this pass", False))
                continue
            try:
                self._publish(row)
                sent.append(row.seq)
            except UndeliverableMessage:
                failed.append((row, f"unroutable: no queue is bound for {row.event_type}", True))
            except (KombuError, OSError, ConnectionError) as exc:
                broker_down = True
                failed.append((row, f"{type(exc).__name__}: {exc}", False))
            except Exception as exc:  # nack, channel error...
                failed.append((row, f"{type(exc).__name__}: {exc}", False))
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

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            connection = Connection(self.amqp_uri, connect_timeout=5, ssl=amqp_ssl(self.config),
                                    transport_options={"confirm_publish": True})
            connection.ensure_connection(max_retries=1)
            self._connection = connection
            self._producer = Producer(connection.channel(), serializer="json")
            self._declared = set()
        return self._producer

    def _reset(self) -> None:
        producer, connection = self._producer, self._connection
        self._producer = self._connection = None
        for closing in (producer and producer.channel, connection):
            try:
                if closing is not None:
                    closing.close()
            except Exception:  # already broken; we only want it gone
                pass

    def _publish(self, row) -> None:
        """Publish one row and wait for the broker's confirm; raise on anything else."""
        try:
            producer = self._ensure_producer()
            exchange = get_event_exchange(row.source, self.config)
            if exchange.name not in self._declared:
                exchange(producer.channel).declare()
                self._declared.add(exchange.name)
            producer.publish(
                json.loads(row.body), exchange=exchange, routing_key=row.event_type,
                mandatory=bool(row.mandatory), delivery_mode=PERSISTENT, retry=False,
                message_id=row.event_id,
                headers={"wuye-event-id": row.event_id, "wuye-event-type": row.event_type},
            )
        except ChannelError as exc:
            # a returned (unroutable) message arrives as a channel error before its
            # confirm; start the next publish on a fresh channel so confirms stay paired
            self._reset()
            if "NO_ROUTE" in str(exc):
                raise UndeliverableMessage(str(exc)) from None
            raise
        except Exception:
            self._reset()
            raise
