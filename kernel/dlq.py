"""``wuye-dlq``: look into and replay what the platform could not deliver.

    wuye-dlq list   SERVICE              dead-lettered events of a service's handlers
    wuye-dlq replay SERVICE [--id ID]    put them back on their handler's queue
    wuye-dlq outbox SERVICE              outbox rows not yet sent / parked as unrouted
    wuye-dlq outbox SERVICE --requeue    make parked rows pending again

``AMQP_URI`` and ``{SERVICE}_DB_URL`` come from the environment (defaults: the
local broker, ``var/{service}.db``).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass

from kombu import Connection, Producer

from .config import amqp_ssl, default_db_url, local_amqp_uri, vhost_of
from .messaging.handler import ATTEMPT_HEADER, ORIGIN_HEADER, dlq_queue



@dataclass
class DeadLetter:
    event_id: str | None
    event_type: str | None
    handler: str | None
    queue: str | None
    error: str | None
    attempts: int
    body: dict


def _payload(message):
    """The decoded body, or None for one that never decoded (dead-lettered for that)."""
    try:
        return message.payload
    except Exception:
        return None


def _describe(message) -> DeadLetter:
    headers = message.headers or {}
    payload = _payload(message)
    body = payload if isinstance(payload, dict) else {}
    return DeadLetter(body.get("id"), body.get("type"), headers.get("x-wuye-handler"),
                      headers.get(ORIGIN_HEADER), headers.get("x-wuye-error"),
                      int(headers.get(ATTEMPT_HEADER, 0)), body)


def _existing_dlq(conn, service: str):
    """The service's DLQ bound to a channel, or None if it does not exist.
    Passive: inspecting never creates a queue or an exchange."""
    queue = dlq_queue(service)(conn.channel())
    try:
        queue.queue_declare(passive=True)
    except conn.channel_errors:      # 404 NOT_FOUND (the broker closed that channel)
        return None
    return queue


def dlq_exists(amqp_uri: str, service: str) -> bool:
    with Connection(amqp_uri, ssl=amqp_ssl()) as conn:
        return _existing_dlq(conn, service) is not None


def list_dead_letters(amqp_uri: str, service: str, limit: int = 1000) -> list[DeadLetter]:
    """Peek at a service's DLQ without consuming it (none there: an empty list)."""
    found, held = [], []
    with Connection(amqp_uri, ssl=amqp_ssl()) as conn:
        queue = _existing_dlq(conn, service)
        if queue is None:
            return []
        try:
            while len(found) < limit:
                message = queue.get(no_ack=False, accept=["json"])
                if message is None:
                    break
                held.append(message)
                found.append(_describe(message))
        finally:
            for message in held:
                message.requeue()
    return found


def replay_dead_letters(amqp_uri: str, service: str, event_id: str | None = None) -> int:
    """Move dead letters back onto their handler's queue with a fresh attempt count."""
    replayed, skipped = 0, []
    with Connection(amqp_uri, ssl=amqp_ssl()) as conn:
        queue = _existing_dlq(conn, service)
        if queue is None:
            return 0
        channel = queue.channel
        producer = Producer(channel)
        try:
            while True:
                message = queue.get(no_ack=False, accept=["json"])
                if message is None:
                    break
                letter = _describe(message)
                if (event_id and letter.event_id != event_id) or not letter.queue:
                    skipped.append(message)
                    continue
                headers = {k: v for k, v in (message.headers or {}).items()
                           if not k.startswith("x-wuye-") or k == ORIGIN_HEADER}
                headers[ATTEMPT_HEADER] = 0
                payload = _payload(message)
                if payload is None:     # never decoded: replaying it would fail again
                    skipped.append(message)
                    continue
                producer.publish(payload, routing_key=letter.queue, headers=headers,
                                 serializer="json", delivery_mode=2,
                                 message_id=message.properties.get("message_id"))
                message.ack()
                replayed += 1
        finally:
            for message in skipped:
                message.requeue()
    return replayed


def outbox_rows(db_url: str, requeue: bool = False) -> list[dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            if requeue:
                conn.execute(text("UPDATE outbox SET status='pending', attempts=0, lease_until=NULL "
                                  "WHERE status='unrouted'"))
            rows = conn.execute(text(
                "SELECT event_id, event_type, status, attempts, created_at, last_error FROM outbox "
                "WHERE status <> 'sent' ORDER BY seq")).mappings().all()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wuye-dlq", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["list", "replay", "outbox"])
    parser.add_argument("service", choices=["tickets", "billing", "notify", "archive", "gateway"])
    parser.add_argument("--id", help="only this event id (replay)")
    parser.add_argument("--requeue", action="store_true", help="outbox: make unrouted rows pending")
    parser.add_argument("--amqp-uri", default=None,
                        help="default: AMQP_URI, else the vhost of this checkout's running ./wuye up")
    args = parser.parse_args(argv)
    args.amqp_uri = args.amqp_uri or local_amqp_uri()

    if args.command in ("list", "replay") and not dlq_exists(args.amqp_uri, args.service):
        print(f"no dead-letter queue wuye.dlq.{args.service} on broker vhost {vhost_of(args.amqp_uri)!r}: "
              "nothing was ever dead-lettered there (another copy's vhost? set AMQP_URI)")
        return 0
    if args.command == "list":
        letters = list_dead_letters(args.amqp_uri, args.service)
        for letter in letters:
            print(json.dumps({"event_id": letter.event_id, "type": letter.event_type,
                              "handler": letter.handler, "attempts": letter.attempts,
                              "error": letter.error}, ensure_ascii=False))
        print(f"{len(letters)} dead letter(s) in wuye.dlq.{args.service}", file=sys.stderr)
    elif args.command == "replay":
        n = replay_dead_letters(args.amqp_uri, args.service, args.id)
        print(f"replayed {n} dead letter(s)")
    else:
        rows = outbox_rows(default_db_url(args.service), requeue=args.requeue)
        for row in rows:
            print(json.dumps(row, default=str, ensure_ascii=False))
        print(f"{len(rows)} unsent outbox row(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
