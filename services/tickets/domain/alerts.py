"""SLA alerts (时限预警与超时告警): the sweep that tells the role answerable for a clock,
exactly once, that it is near its due time (``ticket.sla_warning``) and that it passed it
(``ticket.sla_breached``) -- for notify to put in that role's staff inbox.

**How it runs.** A periodic kernel job (``SWEEP``, every ``SWEEP_EVERY`` seconds; the
interval is ``JOBS_EVERY_SLA_SWEEP``) runs :func:`sweep` in one transaction; one replica
runs each period (``kernel.jobs``). A sweep reads only ``ticket_deadlines.next_alert_at``
through the partial index ``ix_deadline_next_alert`` (``WHERE next_alert_at <= now ORDER BY
next_alert_at LIMIT batch``; ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), in batches until
nothing is due. ``clocks`` keeps that column right: the warning time, then the due time,
then NULL; a met or cancelled clock has NULL -- it never alerts.

**Per clock** (the sweep's ``now``):

- not warned, not breached, ``now`` before the due time: the **warning**; ``warned_at = now``,
  the next alert is the due time. A clock met after its warning has ``next_alert_at`` NULL:
  no breach follows.
- ``now`` at or past the due time, no breach told: the **breach**; ``breached_at = now``,
  nothing further. If the warning was never told -- the sweep came only after the due time
  (a stopped platform, a clock whose warning time was already past when it started or was
  extended) -- only the breach is told (``warned_at`` None in its payload): a late warning
  would say less than the breach.
- breached already and due again (an approved overrun moved the due time, see
  ``domain/overruns.py``): missing the new time is told as a second breach naming the
  extension (``extension_id``; the extension's ``breached_at``); the first stays told.
- anything else that came due (the due time moved later after a warning): re-armed for the
  due time, nothing told.

**Exactly once.** Each row is updated on the condition that ``next_alert_at`` is still what
the sweep read (``UPDATE .. WHERE id = :id AND next_alert_at = :seen``; on PostgreSQL one
``UPDATE .. FROM (VALUES ..) .. RETURNING`` per batch), and the event is recorded in the same
transaction (outbox). An overlapping run (another replica, a run that
outlived its lease) that read the same row updates nothing and tells nothing; on
PostgreSQL it does not even see the row (``SKIP LOCKED``). A ticket that a request is
changing right now (its row locked) is left for the next sweep, so a sweep never waits on a
request and never deadlocks with one.

**The ticket changes too.** ``warned_at`` / ``breached_at`` are part of ``ticket.changed``'s
snapshot, so every ticket with an alert gets a history entry (``sla_warning`` /
``sla_breached``), ``version + 1`` and ``ticket.changed``, once per sweep (whatever number of
its clocks alerted) -- the read models stay right under the one version rule. The cost is a
load of the alerted tickets (with their clocks and history: four queries per batch, not per
ticket) and one more event per ticket; alerts are at most two per clock, so this is a small
fraction of a ticket's events.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, NamedTuple

from sqlalchemy import cast, column, select, update
from sqlalchemy import values as sa_values
from sqlalchemy.orm.attributes import set_committed_value

from kernel.work import Work

from .. import events
from ..models import DeadlineExtension, Ticket, TicketDeadline
from . import clocks, repairs

log = logging.getLogger(__name__)

#: the periodic job (kernel.jobs) and its default interval in seconds (``JOBS_EVERY_SLA_SWEEP``)
SWEEP = "sla-sweep"
SWEEP_EVERY = 15.0
#: clocks read per batch
BATCH = 200

WARNING, BREACH = events.TICKET_SLA_WARNING, events.TICKET_SLA_BREACHED
#: per ticket kind, what an alert's ``subject`` says the clock is about -- the platform's words only,
#: never a resident's (an inspection round registers its area, day and slot: ``domain/inspections.py``)
SUBJECTS: dict = {}
#: the history actions of the two alerts
HISTORY = {WARNING: "sla_warning", BREACH: "sla_breached"}


class Due(NamedTuple):
    """A clock the sweep read: its id, its ticket, and the ``next_alert_at`` it was read with."""
    id: str
    ticket_id: str
    next_alert_at: datetime


@dataclass
class SweepResult:
    warnings: int = 0
    breaches: int = 0
    rearmed: int = 0          # came due without anything to tell (moved, met): next_alert_at set again
    skipped: int = 0          # its ticket was being changed by a request: the next sweep
    lost: int = 0             # another run took it between the read and the update
    batches: int = 0
    left: set = field(default_factory=set)      # ids still due after this sweep (skipped, lost)
    #: the tickets with alerts not yet published as ticket.changed: id -> (ticket, [(type, clock)])
    changed: dict = field(default_factory=dict)
    tickets: int = 0          # tickets that got ticket.changed
    told: list = field(default_factory=list)    # (event type, ticket number, clock kind), in order

    @property
    def alerts(self) -> int:
        return self.warnings + self.breaches


# -- the periodic job ------------------------------------------------------------------

def run_sweep(work: Work, job) -> SweepResult:
    """The handler of the periodic job ``SWEEP`` (``kernel.jobs``): one sweep at the job's time."""
    result = sweep(work)
    if result.alerts or result.skipped:
        log.info("sla sweep: %d warning(s), %d breach(es) on %d ticket(s); %d left for the next sweep",
                 result.warnings, result.breaches, result.tickets, result.skipped)
    return result


def sweep(work: Work, *, batch: int = BATCH, now: datetime | None = None) -> SweepResult:
    """Tell every clock whose alert has come (see the module doc), in batches of ``batch``
    until nothing is due; all in ``work``'s transaction."""
    now = now or work.clock.now()
    result = SweepResult()
    while True:
        # a clock told or re-armed is no longer due at ``now``; those skipped or lost still are
        rows = due(work, now, batch, exclude=result.left)
        if not rows:
            break
        result.batches += 1
        alert(work, rows, now, result, publish=False)
        if len(rows) < batch:
            break
    publish_changes(work, result, now)
    return result


def due_query(now: datetime, limit: int, exclude: Iterable[str] = (), *, postgres: bool = False):
    """The clocks whose alert has come, through the partial index ``ix_deadline_next_alert``."""
    D = TicketDeadline
    query = (select(D.id, D.ticket_id, D.next_alert_at)
             .where(D.next_alert_at.is_not(None), D.next_alert_at <= now)
             .order_by(D.next_alert_at).limit(limit))
    exclude = sorted(exclude)
    if exclude:
        query = query.where(D.id.not_in(exclude))
    if postgres:
        query = query.with_for_update(skip_locked=True, of=D)
    return query


def due(work: Work, now: datetime, limit: int = BATCH, exclude: Iterable[str] = ()) -> list[Due]:
    postgres = work.session.get_bind().dialect.name == "postgresql"
    return [Due(*row) for row in work.session.execute(due_query(now, limit, exclude, postgres=postgres))]


# -- one batch ------------------------------------------------------------------------

def alert(work: Work, rows: list[Due], now: datetime, result: SweepResult | None = None, *,
          publish: bool = True) -> SweepResult:
    """Tell what ``rows`` (clocks read as due at ``now``) have to tell. Each ticket with an
    alert gets one ``ticket.changed`` -- here, or (``publish=False``) by :func:`publish_changes`
    once the whole sweep is done."""
    result = result if result is not None else SweepResult()
    session = work.session
    ticket_ids = sorted({r.ticket_id for r in rows})
    if session.get_bind().dialect.name == "postgresql":
        # the tickets a request is changing right now are left for the next sweep: never wait
        locked = set(session.scalars(select(Ticket.id).where(Ticket.id.in_(ticket_ids))
                                     .with_for_update(skip_locked=True)))
    else:
        locked = set(ticket_ids)         # SQLite: one writer at a time, and we are it
    tickets = {t.id: t for t in session.scalars(
        select(Ticket).where(Ticket.id.in_(sorted(locked))).execution_options(populate_existing=True))}
    decided = []
    for row in rows:
        ticket = tickets.get(row.ticket_id)
        if ticket is None:
            result.skipped += 1
            result.left.add(row.id)
            continue
        deadline = next((d for d in ticket.deadlines if d.id == row.id), None)
        if deadline is None or deadline.next_alert_at != row.next_alert_at:
            result.lost += 1                     # changed since it was read: not ours to tell
            result.left.add(row.id)
            continue
        what, values, extension = decide(deadline, now)
        decided.append((row, ticket, deadline, what, values, extension))
    applied = _apply(session, decided)
    tell = []           # recorded after the updates: no outbox row is flushed between two of them
    for row, ticket, deadline, what, values, extension in decided:
        if row.id not in applied:
            result.lost += 1
            result.left.add(row.id)
            continue
        for name, value in values.items():       # the ORM copy as the row now is (not dirty)
            set_committed_value(deadline, name, value)
        if what is None:
            result.rearmed += 1
            continue
        if extension is not None:
            set_committed_value(extension, "breached_at", now)
            session.execute(update(DeadlineExtension).where(DeadlineExtension.id == extension.id)
                            .values(breached_at=now).execution_options(synchronize_session=False))
        tell.append((ticket, what, payload(ticket, deadline, what, now, extension)))
        result.changed.setdefault(ticket.id, (ticket, []))[1].append((what, deadline))
        result.told.append((what, ticket.number, deadline.kind))
        if what == WARNING:
            result.warnings += 1
        else:
            result.breaches += 1
    for ticket, what, data in tell:
        work.events.record(what, data, group_id=ticket.group_id, project_id=ticket.project_id)
    if publish:
        publish_changes(work, result, now)
    return result


def _apply(session, decided) -> set[str]:
    """Update each decided clock on the condition that ``next_alert_at`` is still what the sweep
    read; the ids updated. On PostgreSQL one statement for the batch (``UPDATE .. FROM (VALUES
    ..) .. RETURNING``), elsewhere one per clock."""
    if not decided:
        return set()
    D = TicketDeadline
    if session.get_bind().dialect.name != "postgresql":
        applied = set()
        for row, _, _, _, values, _ in decided:
            updated = session.execute(update(D).where(D.id == row.id, D.next_alert_at == row.next_alert_at)
                                      .values(**values).execution_options(synchronize_session=False))
            if updated.rowcount == 1:
                applied.add(row.id)
        return applied
    when = D.next_alert_at.type
    batch = sa_values(column("id", D.id.type), column("seen", when), column("warned_at", when),
                      column("breached_at", when), column("next_alert_at", when), name="decided").data([
        (row.id, row.next_alert_at, values.get("warned_at", deadline.warned_at),
         values.get("breached_at", deadline.breached_at), values["next_alert_at"])
        for row, _, deadline, _, values, _ in decided])
    stmt = (update(D).where(D.id == batch.c.id, D.next_alert_at == cast(batch.c.seen, when))
            .values(warned_at=cast(batch.c.warned_at, when), breached_at=cast(batch.c.breached_at, when),
                    next_alert_at=cast(batch.c.next_alert_at, when))
            .returning(D.id).execution_options(synchronize_session=False))
    return set(session.scalars(stmt))


def publish_changes(work: Work, result: SweepResult, now: datetime) -> None:
    """One history entry per alert, ``version + 1`` and ``ticket.changed`` per ticket told.

    (What ``repairs.record_changed`` does for one ticket, for all of them at once: one flush of
    every ticket's change, then the snapshots -- the rows go out in one statement per table.)"""
    told = list(result.changed.values())
    for ticket, alerts in told:
        for what, deadline in alerts:
            ticket.history.append(repairs._log(ticket, work.caller, now, HISTORY[what],
                                               _note(what, deadline, now)))
        ticket.updated_at = now
        ticket.version += 1
    work.session.flush()
    for ticket, _ in told:
        work.events.record(events.TICKET_CHANGED, repairs.snapshot(ticket), group_id=ticket.group_id,
                           project_id=ticket.project_id)
        result.tickets += 1
    result.changed = {}


def decide(deadline: TicketDeadline, now: datetime):
    """``(event type or None, the row's new values, the extension whose due time was missed)``
    for a clock that came due at ``now`` (the rules of the module doc)."""
    if deadline.met_at is not None or deadline.cancelled_at is not None:
        return None, {"next_alert_at": None}, None
    if deadline.breached_at is None:
        if now >= deadline.due_at:
            return BREACH, {"breached_at": now, "next_alert_at": None}, None
        if deadline.warned_at is None:
            return WARNING, {"warned_at": now, "next_alert_at": deadline.due_at}, None
        return None, {"next_alert_at": deadline.due_at}, None
    if now >= deadline.due_at:
        return BREACH, {"next_alert_at": None}, clocks.latest_extension(deadline)
    return None, {"next_alert_at": deadline.due_at}, None


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def payload(ticket: Ticket, deadline: TicketDeadline, what: str, now: datetime, extension=None) -> dict:
    """``ticket.sla_warning`` / ``ticket.sla_breached`` (events.SlaWarning / SlaBreached)."""
    data = {
        "ticket_id": ticket.id, "number": ticket.number, "kind": ticket.kind, "category": ticket.category,
        "group_id": ticket.group_id, "project_id": ticket.project_id, "unit_id": ticket.unit_id,
        "deadline_id": deadline.id, "deadline_kind": deadline.kind, "due_at": deadline.due_at,
        "started_at": deadline.started_at, "responsible_role": deadline.responsible_role,
        "assignee": ({"user_id": ticket.assignee_id, "name": ticket.assignee_name or ""}
                     if ticket.assignee_id else None),
        "at": now,
        "subject": SUBJECTS[ticket.kind](ticket) if ticket.kind in SUBJECTS else None,
    }
    if what == WARNING:
        data["minutes_left"] = _minutes((deadline.due_at - now).total_seconds())
    else:
        data.update(minutes_overdue=_minutes((now - deadline.due_at).total_seconds()),
                    warned_at=deadline.warned_at, extension_id=extension.id if extension else None)
    return data


def _note(what: str, deadline: TicketDeadline, now: datetime) -> str:
    if what == WARNING:
        return f"{deadline.kind}: {_minutes((deadline.due_at - now).total_seconds()):g} min left"
    return f"{deadline.kind}: {_minutes((now - deadline.due_at).total_seconds()):g} min overdue"
