"""Where the repair flows are, read from the services' own databases: tickets created,
dispatched (engineering notified), filed by archive, acknowledged by notify; the
outboxes' backlog; and the event timings (outbox ``created_at`` -> ``sent_at`` ->
each handler's inbox ``processed_at``) for the pipeline figure."""
from __future__ import annotations

import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import inspect, text

from kernel.db import make_engine

SERVICES = ("archive", "tickets", "billing", "notify", "gateway")


class Flows:
    def __init__(self, db_urls: dict[str, str]):
        self.engines = {name: make_engine(url) for name, url in db_urls.items()}
        self.has = {name: set(inspect(engine).get_table_names()) for name, engine in self.engines.items()}

    def close(self) -> None:
        for engine in self.engines.values():
            engine.dispose()

    def _scalar(self, service: str, sql: str, **params):
        with self.engines[service].connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def state(self) -> dict:
        """Counts of the flows' steps and of every outbox's pending rows."""
        tickets = self._scalar("tickets", "SELECT count(*) FROM tickets")
        dispatched = self._scalar("tickets", "SELECT count(*) FROM tickets WHERE engineering_notified_at IS NOT NULL")
        filed = self._scalar("archive", "SELECT count(DISTINCT ref_id) FROM correspondence WHERE ref_type = 'ticket'")
        acknowledged = self._scalar("notify", "SELECT count(DISTINCT ref_id) FROM notifications "
                                              "WHERE ref_type = 'ticket'")
        pending = {name: self._scalar(name, "SELECT count(*) FROM outbox WHERE status = 'pending'")
                   for name in self.engines if "outbox" in self.has[name]}
        return {"tickets": tickets, "dispatched": dispatched, "filed": filed, "acknowledged": acknowledged,
                "outbox_pending": pending}

    def outbox_rows(self) -> int:
        return sum(self._scalar(name, "SELECT count(*) FROM outbox")
                   for name in self.engines if "outbox" in self.has[name])

    @staticmethod
    def complete(state: dict) -> bool:
        n = state["tickets"]
        return (state["dispatched"] == n and state["filed"] == n and state["acknowledged"] == n
                and not any(state["outbox_pending"].values()))

    def wait_complete(self, timeout: float, vhost=None) -> tuple[bool, float, dict]:
        """Wait until every ticket's flow is complete and no outbox has pending rows;
        (completed, seconds waited, last state)."""
        started = time.monotonic()
        while True:
            state = self.state()
            if self.complete(state):
                return True, time.monotonic() - started, state
            if time.monotonic() - started > timeout:
                return False, time.monotonic() - started, state
            time.sleep(0.25)

    # -- event timings ------------------------------------------------------------------
    def events_since(self, since: datetime) -> list[dict]:
        """Every event created since ``since`` with its publish time and its handlers' times."""
        events = {}
        for name, engine in self.engines.items():
            if "outbox" not in self.has[name]:
                continue
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT event_id, event_type, source, created_at, sent_at FROM outbox "
                                         "WHERE created_at >= :since"), {"since": since}).all()
            for event_id, event_type, source, created, sent in rows:
                events[event_id] = {"type": f"{source}:{event_type}", "created": _utc(created),
                                    "sent": _utc(sent), "handled": {}}
        for name, engine in self.engines.items():
            if "inbox" not in self.has[name]:
                continue
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT handler, event_id, processed_at FROM inbox "
                                         "WHERE processed_at >= :since"), {"since": since}).all()
            for handler, event_id, processed in rows:
                if event_id in events:
                    events[event_id]["handled"][f"{name}:{handler.rsplit('.', 1)[-1]}"] = _utc(processed)
        return list(events.values())


def _utc(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def percentile(values, q: float):
    values = sorted(values)
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    k = (len(values) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def timings(events: list[dict]) -> dict:
    """p50/p95 (seconds) of commit -> publish per source event type, publish -> handled per
    handler, and commit -> last handler per event (events nobody handles are left out)."""
    publish, handled, last = {}, {}, []
    unpublished = 0
    for e in events:
        if e["sent"] is None:
            unpublished += 1
            continue
        publish.setdefault(e["type"], []).append((e["sent"] - e["created"]).total_seconds())
        for handler, at in e["handled"].items():
            handled.setdefault(f"{e['type']} -> {handler}", []).append((at - e["sent"]).total_seconds())
        if e["handled"]:
            last.append((max(e["handled"].values()) - e["created"]).total_seconds())

    def stat(values):
        return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
                "mean": statistics.fmean(values) if values else None}

    all_publish = [v for vs in publish.values() for v in vs]
    return {"events": len(events), "unpublished": unpublished, "commit_to_last": stat(last),
            "commit_to_publish": stat(all_publish),
            "publish_by_type": {k: stat(v) for k, v in sorted(publish.items())},
            "handled_by_handler": {k: stat(v) for k, v in sorted(handled.items())}}
