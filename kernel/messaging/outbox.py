"""Writing events: an outbox row in the caller's transaction."""
from __future__ import annotations

import json
import uuid

import orjson
from typing import Iterable, Mapping

from marshmallow import Schema
from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..clock import Clock
from ..fastdump import Dumper
from ..tenancy import Caller
from .envelope import Event
from .models import kernel_tables


def _json_text(body: dict) -> str:
    """The envelope as JSON text (UTF-8 characters as they are) -- by orjson, ~10x faster than
    json on a whole ticket snapshot; json for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(body).decode()
    except TypeError:
        return json.dumps(body, ensure_ascii=False)


def _envelope(*, source: str, event_type: str, data: dict, group_id: str | None, project_id: str | None,
              now, secret: str, actor: Caller | None, mandatory: bool) -> tuple[Event, dict]:
    """One event and the values of its outbox row (signed envelope, pending, due now)."""
    event = Event(
        id=str(uuid.uuid4()), type=event_type, source=source, occurred_at=now,
        group_id=group_id, project_id=project_id, data=data,
        actor={"user_id": actor.user_id, "kind": actor.kind, "name": actor.name} if actor else None,
    )
    return event, dict(
        event_id=event.id, event_type=event_type, source=source, group_id=group_id,
        project_id=project_id, body=_json_text(event.to_body(secret)),
        mandatory=mandatory, status="pending", attempts=0, created_at=now, next_attempt_at=now,
    )


def record_event(session: Session, base, *, source: str, event_type: str, data: dict,
                 group_id: str | None, project_id: str | None, clock: Clock, secret: str,
                 actor: Caller | None = None, mandatory: bool = True) -> Event:
    """Add one event to the outbox of ``base``'s database, in ``session``'s transaction."""
    OutboxMessage, _ = kernel_tables(base)
    event, row = _envelope(source=source, event_type=event_type, data=data, group_id=group_id,
                           project_id=project_id, now=clock.now(), secret=secret, actor=actor,
                           mandatory=mandatory)
    session.add(OutboxMessage(**row))
    session.info["outbox_dirty"] = True
    return event


def record_events(session: Session, base, *, source: str, event_type: str,
                  items: Iterable[tuple[dict, str | None, str | None]], clock: Clock, secret: str,
                  actor: Caller | None = None, mandatory: bool = True) -> list[Event]:
    """Add many events of one type to the outbox in **one** Core ``INSERT`` (a bulk path: the
    bill run's thousand ``account.balance_changed`` of a chunk), in ``session``'s transaction.
    ``items``: ``(data, group_id, project_id)`` per event, in the order they are published
    (the outbox ``seq`` follows it). Each row is exactly what :func:`record_event` writes; pending
    ORM changes are flushed first, so events recorded before keep their place in the order."""
    OutboxMessage, _ = kernel_tables(base)
    now = clock.now()
    events, rows = [], []
    for data, group_id, project_id in items:
        event, row = _envelope(source=source, event_type=event_type, data=data, group_id=group_id,
                               project_id=project_id, now=now, secret=secret, actor=actor,
                               mandatory=mandatory)
        events.append(event)
        rows.append(row)
    if rows:
        session.flush()
        session.execute(insert(OutboxMessage.__table__), rows)
        session.info["outbox_dirty"] = True
    return events


class EventContract:
    """A service's published events: names and payload schemas (its ``events.py``).

    ``record`` dumps the payload through the event's marshmallow schema -- so only
    plain JSON reaches the broker -- validates the dump, and writes the outbox row.
    """

    def __init__(self, source: str, schemas: Mapping[str, type[Schema]],
                 optional_subscribers: frozenset[str] = frozenset()):
        self.source = source
        self.schemas = dict(schemas)
        # events nobody may be listening to yet are published without `mandatory`
        self.optional_subscribers = optional_subscribers
        # one instance per event type, made on first use: building a marshmallow schema
        # (deep copies of its fields) costs more than dumping a small payload with it.
        # An instance keeps no state between calls (and dump/validate never yield to the hub).
        self._instances: dict[str, Schema] = {}
        # and its dump planned once (kernel.fastdump: marshmallow's result, faster)
        self._dumpers: dict[str, Dumper] = {}

    def schema(self, event_type: str) -> Schema:
        try:
            return self._instances[event_type]
        except KeyError:
            pass
        try:
            schema = self._instances[event_type] = self.schemas[event_type]()
        except KeyError:
            raise KeyError(f"{self.source} does not publish {event_type!r}") from None
        return schema

    def dumper(self, event_type: str) -> Dumper:
        try:
            return self._dumpers[event_type]
        except KeyError:
            dumper = self._dumpers[event_type] = Dumper(self.schema(event_type))
            return dumper

    def dump(self, event_type: str, obj) -> dict:
        """The payload dumped through its schema and validated against it."""
        data = self.dumper(event_type).dump(obj)
        errors = self.schema(event_type).validate(data)
        if errors:
            raise ValueError(f"{event_type} payload does not match its schema: {errors}")
        return data

    def record(self, session: Session, base, event_type: str, obj, *, group_id, project_id,
               clock: Clock, secret: str, actor: Caller | None = None) -> Event:
        return record_event(
            session, base, source=self.source, event_type=event_type,
            data=self.dump(event_type, obj), group_id=group_id, project_id=project_id,
            clock=clock, secret=secret, actor=actor,
            mandatory=event_type not in self.optional_subscribers,
        )

    def record_many(self, session: Session, base, event_type: str, items, *, clock: Clock, secret: str,
                    actor: Caller | None = None, validate_each: bool = True) -> list[Event]:
        """Many events of one type in one ``INSERT`` (:func:`record_events`); ``items``:
        ``(obj, group_id, project_id)``, each ``obj`` dumped through the schema as :meth:`record`
        does and validated -- every one, or with ``validate_each=False`` the first one only (a
        bulk path whose payloads all come from one function, where validating a thousand
        snapshots would cost more than writing them)."""
        dumper, rows = self.dumper(event_type), []
        for n, (obj, group_id, project_id) in enumerate(items):
            data = self.dump(event_type, obj) if validate_each or n == 0 else dumper.dump(obj)
            rows.append((data, group_id, project_id))
        return record_events(session, base, source=self.source, event_type=event_type, items=rows, clock=clock,
                             secret=secret, actor=actor, mandatory=event_type not in self.optional_subscribers)
