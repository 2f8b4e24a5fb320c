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
- ``SYSTEM``: the platform (the delivery of the engineering dispatch notice);
- ``MANAGER``: the engineering manager (工程部经理), who answers a not-covered request.

Paid in-home repairs (有偿维修) take two more states on site: the technician quotes from the
project's price list (``quote``: on_site -> quoted), the resident consents (quoted -> consented)
or refuses with a reason (quoted -> cancelled); a re-quote before consent replaces the quote, a
new quote after consent needs consent again (consented -> quoted). Only a consented paid repair
is completed (consented -> work_done: the charge is put on the order and ``ticket.charge_posted``
recorded). A not-covered request (不属维修范围) is closed by the engineering manager's ``reply``
with advice, which meets the ``reply`` clock.

Some rows hold only for some tickets: ``Step.guard`` names the condition (``GUARDS``), checked
on the ticket by the rules (``repairs.transition``), each with its own typed refusal.
``REFUSALS`` names the typed refusal of a few steps that are not in the table (completing a
quoted, not yet consented, repair is ``consent_required``, not just "not allowed").

The state ``open`` is the recorded state (录入): the name stays what clients already read.
Reopen goes back to ``dispatched`` with the same technician (the one who did the work answers
for it), within ``repair.reopen_days`` of closing.
"""
from __future__ import annotations

from dataclasses import dataclass

from kernel.tenancy import Role

OPEN, DISPATCHED, ACCEPTED, ON_SITE, WORK_DONE, CLOSED, CANCELLED = (
    "open", "dispatched", "accepted", "on_site", "work_done", "closed", "cancelled")
#: a paid repair's quote waits for the resident (报价待确认) / the resident consented (已同意)
QUOTED, CONSENTED = "quoted", "consented"
STATES = (OPEN, DISPATCHED, ACCEPTED, ON_SITE, WORK_DONE, CLOSED, CANCELLED, QUOTED, CONSENTED)
#: states in which the work is still to be done (lists' ``open_only``)
OPEN_STATES = (OPEN, DISPATCHED, ACCEPTED, ON_SITE, QUOTED, CONSENTED)

DISPATCH, ACCEPT, ARRIVE, COMPLETE, CONFIRM, RATE, CANCEL, REOPEN, ENGINEERING_NOTIFIED = (
    "dispatch", "accept", "arrive", "complete", "confirm", "rate", "cancel", "reopen",
    "engineering_notified")
#: paid in-home repairs: quote (报价), consent (同意), refuse (拒绝); not covered: reply (答复)
QUOTE, CONSENT, REFUSE, REPLY = "quote", "consent", "refuse", "reply"
#: the actions a caller may ask for (``engineering_notified`` is the platform's only)
ACTIONS = (DISPATCH, ACCEPT, ARRIVE, COMPLETE, CONFIRM, RATE, CANCEL, REOPEN, QUOTE, CONSENT, REFUSE,
           REPLY)

DISPATCHER, ASSIGNEE, RESIDENT, SYSTEM, MANAGER = (
    "dispatcher", "assignee", "resident", "system", "engineering_manager")
DISPATCH_ROLES = (Role.ENGINEERING_MANAGER, Role.FRONT_DESK, Role.CS_MANAGER, Role.CENTRE_MANAGER)

#: conditions on the ticket some rows need (checked in ``repairs.transition``, each with its
#: typed refusal):
#: - ``chargeable``: a paid in-home repair not charged yet (``not_a_paid_repair``,
#:   ``already_charged``: a reopened paid repair is rework on the same order, no second charge);
#: - ``no_consent_needed``: not a paid repair, or one already charged (rework after reopen)
#:   (``consent_required``);
#: - ``not_covered``: a not-covered request (``not_covered_only``).
CHARGEABLE, NO_CONSENT_NEEDED, NOT_COVERED = "chargeable", "no_consent_needed", "not_covered"
GUARDS = (CHARGEABLE, NO_CONSENT_NEEDED, NOT_COVERED)
#: the typed refusal of steps not in the table whose plain "not allowed" would hide the reason
CONSENT_REQUIRED = "consent_required"


@dataclass(frozen=True)
class Step:
    to: str
    who: frozenset
    guard: str | None = None


def _step(to: str, *who: str, guard: str | None = None) -> Step:
    return Step(to, frozenset(who), guard)


TABLE: dict[tuple[str, str], Step] = {
    (OPEN, DISPATCH): _step(DISPATCHED, DISPATCHER),
    (DISPATCHED, DISPATCH): _step(DISPATCHED, DISPATCHER),          # reassign before acceptance
    (OPEN, ENGINEERING_NOTIFIED): _step(DISPATCHED, SYSTEM),
    (DISPATCHED, ACCEPT): _step(ACCEPTED, ASSIGNEE),
    (ACCEPTED, ARRIVE): _step(ON_SITE, ASSIGNEE),
    (ON_SITE, COMPLETE): _step(WORK_DONE, ASSIGNEE, guard=NO_CONSENT_NEEDED),
    # paid in-home repairs (有偿维修): the price shown and consented before the work
    (ON_SITE, QUOTE): _step(QUOTED, ASSIGNEE, guard=CHARGEABLE),
    (QUOTED, QUOTE): _step(QUOTED, ASSIGNEE, guard=CHARGEABLE),      # re-quote: replaces the quote
    (CONSENTED, QUOTE): _step(QUOTED, ASSIGNEE, guard=CHARGEABLE),   # a new quote: consent again
    (QUOTED, CONSENT): _step(CONSENTED, RESIDENT),
    (QUOTED, REFUSE): _step(CANCELLED, RESIDENT),                    # refusal cancels, with the reason
    (CONSENTED, COMPLETE): _step(WORK_DONE, ASSIGNEE),               # the charge is put on the order
    (WORK_DONE, CONFIRM): _step(CLOSED, RESIDENT),
    (WORK_DONE, RATE): _step(CLOSED, RESIDENT),
    (CLOSED, RATE): _step(CLOSED, RESIDENT),                        # a signed ticket rated later, once
    (OPEN, CANCEL): _step(CANCELLED, RESIDENT, DISPATCHER),
    (DISPATCHED, CANCEL): _step(CANCELLED, DISPATCHER),
    (ACCEPTED, CANCEL): _step(CANCELLED, DISPATCHER),
    (ON_SITE, CANCEL): _step(CANCELLED, DISPATCHER),
    (QUOTED, CANCEL): _step(CANCELLED, DISPATCHER),
    (CONSENTED, CANCEL): _step(CANCELLED, DISPATCHER),
    (CLOSED, REOPEN): _step(DISPATCHED, RESIDENT, DISPATCHER),
    # not covered (不属维修范围): the engineering manager's advice closes it (the reply clock)
    (OPEN, REPLY): _step(CLOSED, MANAGER, guard=NOT_COVERED),
    (DISPATCHED, REPLY): _step(CLOSED, MANAGER, guard=NOT_COVERED),
    (ACCEPTED, REPLY): _step(CLOSED, MANAGER, guard=NOT_COVERED),
    (ON_SITE, REPLY): _step(CLOSED, MANAGER, guard=NOT_COVERED),
}

#: steps not in the table refused with a more telling code than ``transition_not_allowed``
REFUSALS: dict[tuple[str, str], str] = {
    (QUOTED, COMPLETE): CONSENT_REQUIRED,
}


#: every kind's table: ``{kind: {(state, action): Step}}`` (other modules add theirs)
TABLES: dict[str, dict[tuple[str, str], Step]] = {"repair": TABLE}
#: every kind's states with work still to do (lists' ``open_only``, the portal's open tickets)
OPEN_BY_KIND: dict[str, tuple[str, ...]] = {"repair": OPEN_STATES}
#: kinds only some staff roles read (``{kind: roles}``); residents never see them; other kinds:
#: every staff member of the project, and the household for its own
READERS: dict[str, tuple[str, ...]] = {}


def register(kind: str, table: dict[tuple[str, str], Step], open_states: tuple[str, ...],
             readers: tuple[str, ...] | None = None) -> None:
    """Add a ticket kind's transition table, its open states and, for a staff-only kind, the
    roles that read it (at import of the kind's rules module)."""
    if TABLES.get(kind, table) is not table:
        raise ValueError(f"ticket kind {kind!r} has a transition table already")
    TABLES[kind] = table
    OPEN_BY_KIND[kind] = tuple(open_states)
    if readers is not None:
        READERS[kind] = tuple(readers)


def hidden_kinds(caller) -> list[str]:
    """The kinds ``caller`` may not read (residents: every staff-only kind)."""
    return sorted(kind for kind, roles in READERS.items()
                  if caller.is_resident or not (caller.is_system or caller.has_role(*roles)))


def all_open_states() -> tuple[str, ...]:
    """The states in which some kind's ticket still has work to do (repair's first)."""
    return tuple(dict.fromkeys(s for states in OPEN_BY_KIND.values() for s in states))


def step(state: str, action: str, kind: str = "repair") -> Step | None:
    """The kind's step for ``action`` in ``state``, or None (refused)."""
    return TABLES[kind].get((state, action))


def table_rows(kind: str = "repair") -> list[tuple[str, str, str, str, str]]:
    """(from, action, to, who, guard) for documentation."""
    return [(s, a, st.to, ", ".join(sorted(st.who)), st.guard or "")
            for (s, a), st in TABLES[kind].items()]
