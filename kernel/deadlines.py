"""The state of a deadline (an SLA clock) at a moment -- computed when it is read, never
stored: the owner (tickets) and the gateway's read model answer the same for the same
``due_at`` / ``met_at`` / ``now``."""
from __future__ import annotations

from datetime import datetime

MET, LATE, PENDING, BREACHED, CANCELLED = "met", "late", "pending", "breached", "cancelled"
STATES = (MET, LATE, PENDING, BREACHED, CANCELLED)


def state(due_at: datetime, met_at: datetime | None, now: datetime,
          cancelled_at: datetime | None = None) -> str:
    """met (in time) | late (met after due) | pending (running) | breached (overdue, not met) |
    cancelled (stopped with its ticket before it was met: never counts as a breach)."""
    if met_at is None and cancelled_at is not None:
        return CANCELLED
    if met_at is not None:
        return MET if met_at <= due_at else LATE
    return PENDING if now <= due_at else BREACHED
