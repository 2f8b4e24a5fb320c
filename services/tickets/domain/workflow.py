"""The tickets' state machines: one transition table per ticket kind (``TABLES[kind]``), used
by every change. This module holds the repair's (报修工单流程); the other kinds' tables sit
with their rules and register here (``complaints.TABLE``, ``revisits.TABLE``).

``TABLE[(state, action)] = Step(next_state, who)``; anything not in the table is refused
(``TransitionNotAllowed``). ``who`` names the parties allowed to take the step:

- ``DISPATCHER``: staff who assign work (engineering manager, front desk, CS manager, centre
  manager);
- ``ASSIGNEE``: the technician the order is assigned to (an engineering user taking an order
  that was dispatched without a name -- notify's SMS to the engineering duty phone -- becomes
  its assignee by accepting it);
- ``RESIDENT``: the household the ticket belongs to (another household's ticket is answered
  like a missing id);
- ``SYSTEM``: the platform (the delivery of the engineering dispatch notice).

The state ``open`` is the recorded state (录入): the name stays what clients already read.
Reopen goes back to ``dispatched`` with the same technician (the one who did the work answers
for it), within ``repair.reopen_days`` of closing.
"""
from __future__ import annotations

from dataclasses import dataclass

from kernel.tenancy import Role

OPEN, DISPATCHED, ACCEPTED, ON_SITE, WORK_DONE, CLOSED, CANCELLED = (
    "open", "dispatched", "accepted", "on_site", "work_done", "closed", "cancelled")
STATES = (OPEN, DISPATCHED, ACCEPTED, ON_SITE, WORK_DONE, CLOSED, CANCELLED)
#: states in which the work is still to be done (lists' ``open_only``)
OPEN_STATES = (OPEN, DISPATCHED, ACCEPTED, ON_SITE)

DISPATCH, ACCEPT, ARRIVE, COMPLETE, CONFIRM, RATE, CANCEL, REOPEN, ENGINEERING_NOTIFIED = (
    "dispatch", "accept", "arrive", "complete", "confirm", "rate", "cancel", "reopen",
    "engineering_notified")
#: the actions a caller may ask for (``engineering_notified`` is the platform's only)
ACTIONS = (DISPATCH, ACCEPT, ARRIVE, COMPLETE, CONFIRM, RATE, CANCEL, REOPEN)

DISPATCHER, ASSIGNEE, RESIDENT, SYSTEM = "dispatcher", "assignee", "resident", "system"
DISPATCH_ROLES = (Role.ENGINEERING_MANAGER, Role.FRONT_DESK, Role.CS_MANAGER, Role.CENTRE_MANAGER)


@dataclass(frozen=True)
class Step:
    to: str
    who: frozenset


def _step(to: str, *who: str) -> Step:
    return Step(to, frozenset(who))


TABLE: dict[tuple[str, str], Step] = {
    (OPEN, DISPATCH): _step(DISPATCHED, DISPATCHER),
    (DISPATCHED, DISPATCH): _step(DISPATCHED, DISPATCHER),          # reassign before acceptance
    (OPEN, ENGINEERING_NOTIFIED): _step(DISPATCHED, SYSTEM),
    (DISPATCHED, ACCEPT): _step(ACCEPTED, ASSIGNEE),
    (ACCEPTED, ARRIVE): _step(ON_SITE, ASSIGNEE),
    (ON_SITE, COMPLETE): _step(WORK_DONE, ASSIGNEE),
    (WORK_DONE, CONFIRM): _step(CLOSED, RESIDENT),
    (WORK_DONE, RATE): _step(CLOSED, RESIDENT),
    (CLOSED, RATE): _step(CLOSED, RESIDENT),                        # a signed ticket rated later, once
    (OPEN, CANCEL): _step(CANCELLED, RESIDENT, DISPATCHER),
    (DISPATCHED, CANCEL): _step(CANCELLED, DISPATCHER),
    (ACCEPTED, CANCEL): _step(CANCELLED, DISPATCHER),
    (ON_SITE, CANCEL): _step(CANCELLED, DISPATCHER),
    (CLOSED, REOPEN): _step(DISPATCHED, RESIDENT, DISPATCHER),
}


#: every kind's table: ``{kind: {(state, action): Step}}`` (other modules add theirs)
TABLES: dict[str, dict[tuple[str, str], Step]] = {"repair": TABLE}


def register(kind: str, table: dict[tuple[str, str], Step]) -> None:
    """Add a ticket kind's transition table (at import of the kind's rules module)."""
    if TABLES.get(kind, table) is not table:
        raise ValueError(f"ticket kind {kind!r} has a transition table already")
    TABLES[kind] = table


def step(state: str, action: str, kind: str = "repair") -> Step | None:
    """The kind's step for ``action`` in ``state``, or None (refused)."""
    return TABLES[kind].get((state, action))


def table_rows(kind: str = "repair") -> list[tuple[str, str, str, str]]:
    """(from, action, to, who) for documentation."""
    return [(s, a, st.to, ", ".join(sorted(st.who))) for (s, a), st in TABLES[kind].items()]
