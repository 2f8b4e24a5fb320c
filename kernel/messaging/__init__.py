"""Reliable events: transactional outbox, relay, inbox, retries, dead letters.

Write side::

    CONTRACT.record(session, clock, "ticket.opened", ticket, group_id=..., project_id=...)

adds an outbox row in the same transaction as the state change (``record_many`` /
``record_events``: many rows of one type in one ``INSERT``, for bulk paths); the relay
publishes it to ``{source}.events`` with publisher confirms after the commit and
marks it sent only when the broker confirmed it.

Read side::

    @event_handler("tickets", "ticket.opened")
    def on_ticket_opened(self, event): ...

runs each event at most once per handler (the inbox row commits with the
handler's own writes), retries failures with backoff through per-delay retry
queues, and after the last attempt parks the message in ``wuye.dlq.{service}``,
which ``wuye-dlq`` lists and replays.
"""
from .envelope import Event, InvalidEnvelope
from .models import job_table, kernel_tables
from .outbox import EventContract, record_event, record_events

__all__ = ["Event", "InvalidEnvelope", "EventContract", "job_table", "kernel_tables", "record_event", "record_events"]
