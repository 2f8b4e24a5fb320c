"""The SLA engine's alerts and approved overruns (domain/alerts.py, domain/overruns.py,
domain/clocks.py), without a broker: the sweep on the injectable clock, the figures asserted --
which alert, for which clock, at which minute, with what payload."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest

from kernel.errors import Forbidden
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import alerts, clocks, copies, overruns, repairs
from services.tickets.exceptions import (DeadlineNotFound, DeadlineNotRunning, ExtensionNotLater,
                                         ExtensionReasonRequired, TicketNotFound)
from services.tickets.models import Base, TicketDeadline
from services.tickets.schemas import ExtensionIn, TransitionIn
from services.tickets.tests.support import work

G = "group-1"
UTC = timezone.utc
SYSTEM = Caller.system(None, "tickets")          # what the periodic job runs as
ME = resident(G, ["u1"], user_id="r-zhang")
TECH = staff(G, ["p1", "p2"], roles=["engineering"], user_id="eng.lh")
DESK = staff(G, ["p1", "p2"], roles=["front_desk"], user_id="desk.lh")
CENTRE = staff(G, ["p1", "p2"], roles=["centre_manager"], user_id="centre.lh")
GM = staff(G, ["p1", "p2"], roles=["general_manager"], user_id="gm")
ALERTS = (alerts.WARNING, alerts.BREACH)


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    for pid, name in (("p1", "绿湖花园"), ("p2", "星河公寓")):
        copies.apply_project(w, {"project_id": pid, "group_id": G, "name": name,
                                 "timezone": "Asia/Shanghai", "version": 1})
    for uid, pid in (("u1", "p1"), ("u2", "p2")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": pid, "label": f"1栋-{uid}",
                              "version": 1})
    session.flush()


def open_repair(session, clock, unit="u1", category="public_area", caller=None, **extra):
    caller = caller or (ME if unit == "u1" else resident(G, [unit], user_id=f"r-{unit}"))
    return repairs.open_repair(work(session, clock, caller),
                               {"unit_id": unit, "category": category, "content": "楼道灯不亮", **extra})


def notice(session, clock, ticket):
    """engineering received the order now (notify's dispatch delivered): the on-site clock runs
    from here."""
    repairs.engineering_notified(work(session, clock, Caller.system(G, "notify")), ticket.id, clock.now(),
                                 "inapp")


def act(session, clock, caller, ticket, action, **body):
    return repairs.transition(work(session, clock, caller), ticket.id, action,
                              TransitionIn().load({"action": action, **body}))


def extend(session, clock, ticket, kind, new_due_at, reason="材料需从厂家调货", caller=CENTRE):
    data = ExtensionIn().load({"kind": kind, "new_due_at": new_due_at.isoformat(), "reason": reason})
    return overruns.extend_deadline(work(session, clock, caller), ticket.id, data)


def sweep(session, clock, **kw) -> alerts.SweepResult:
    result = alerts.sweep(work(session, clock, SYSTEM), **kw)
    session.commit()
    return result


def told(session, types=ALERTS) -> list[dict]:
    return [e for e in outbox_events(session, Base) if e["type"] in types]


def deadline(ticket, kind) -> TicketDeadline:
    return clocks.find(ticket, kind)


def minute(start: datetime, at) -> float:
    """Minutes from ``start`` to ``at`` (an event's ISO time or a datetime)."""
    at = datetime.fromisoformat(at) if isinstance(at, str) else at
    return (at - start).total_seconds() / 60


def run_sweeps(session, clock, minutes: float, step: float = 15):
    """Advance the clock ``minutes`` in steps of ``step`` seconds, sweeping at each (the periodic
    job's default interval is 15 s)."""
    for _ in range(int(minutes * 60 // step)):
        clock.advance(seconds=step)
        sweep(session, clock)


# -- one clock, minute by minute ------------------------------------------------------

def test_the_on_site_clock_warns_at_minute_12_and_breaches_at_15(session, clock, registry):
    ticket = open_repair(session, clock)
    clock.advance(minutes=1)
    notice(session, clock, ticket)
    start = clock.now()
    on_site = deadline(ticket, "on_site")
    assert (on_site.started_at, on_site.due_at, on_site.warn_at, on_site.next_alert_at) == (
        start, start + timedelta(minutes=15), start + timedelta(minutes=12), start + timedelta(minutes=12))
    run_sweeps(session, clock, 11.75)
    assert told(session) == []
    run_sweeps(session, clock, 0.25)                          # minute 12
    [warning] = told(session)
    assert warning["type"] == "ticket.sla_warning" and warning["project_id"] == "p1"
    assert warning["data"] == {
        "ticket_id": ticket.id, "number": ticket.number, "kind": "repair", "category": "public_area",
        "group_id": G, "project_id": "p1", "unit_id": "u1", "deadline_id": on_site.id,
        "deadline_kind": "on_site", "due_at": (start + timedelta(minutes=15)).isoformat(),
        "started_at": start.isoformat(), "responsible_role": "engineering", "assignee": None,
        "at": (start + timedelta(minutes=12)).isoformat(), "minutes_left": 3.0, "subject": None}
    run_sweeps(session, clock, 2.75)
    assert len(told(session)) == 1
    run_sweeps(session, clock, 0.25)                          # minute 15
    warning, breach = told(session)
    assert breach["type"] == "ticket.sla_breached"
    assert breach["data"]["at"] == (start + timedelta(minutes=15)).isoformat()
    assert (breach["data"]["minutes_overdue"], breach["data"]["warned_at"], breach["data"]["extension_id"]) == (
        0.0, (start + timedelta(minutes=12)).isoformat(), None)
    assert (on_site.warned_at, on_site.breached_at, on_site.next_alert_at) == (
        start + timedelta(minutes=12), start + timedelta(minutes=15), None)
    run_sweeps(session, clock, 60, step=60)
    assert len(told(session)) == 2                            # told once, not every sweep


def test_each_alert_is_a_ticket_change_with_history(session, clock, registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    act(session, clock, DESK, ticket, "dispatch", assignee_id="eng.lh", assignee_name="林工")
    act(session, clock, TECH, ticket, "accept")
    version = ticket.version
    clock.advance(minutes=12)
    result = sweep(session, clock)
    assert (result.warnings, result.breaches, result.tickets) == (1, 0, 1)
    assert ticket.version == version + 1 and ticket.history[-1].action == "sla_warning"
    assert ticket.history[-1].note == "on_site: 3 min left"
    changed = [e for e in outbox_events(session, Base) if e["type"] == "ticket.changed"][-1]["data"]
    assert changed["version"] == version + 1
    on_site = next(d for d in changed["deadlines"] if d["kind"] == "on_site")
    assert on_site["warned_at"] == clock.now().isoformat() and on_site["breached_at"] is None
    assert told(session)[-1]["data"]["assignee"] == {"user_id": "eng.lh", "name": "林工"}
    # two clocks of one ticket alerting in one sweep: one ticket.changed, both in its history
    other = open_repair(session, clock)
    clock.advance(minutes=30)
    before = len([e for e in outbox_events(session, Base) if e["type"] == "ticket.changed"])
    result = sweep(session, clock)
    assert Counter(kind for _, number, kind in result.told if number == other.number) == {
        "notify_engineering": 1, "on_site": 1}
    # (in the order their clocks came due: other's 2-minute warning time, then ticket's due time)
    assert [e["data"]["ticket_id"] for e in outbox_events(session, Base)
            if e["type"] == "ticket.changed"][before:] == [other.id, ticket.id]


def test_a_clock_met_after_its_warning_is_not_breached_and_a_cancelled_one_never_alerts(session, clock,
                                                                                       registry):
    met, cancelled = open_repair(session, clock), open_repair(session, clock)
    for t in (met, cancelled):
        notice(session, clock, t)
    act(session, clock, DESK, met, "dispatch", assignee_id="eng.lh")
    act(session, clock, TECH, met, "accept")
    clock.advance(minutes=1)
    act(session, clock, DESK, cancelled, "cancel", reason="住户自行修好")
    run_sweeps(session, clock, 12)
    assert [(e["data"]["number"], e["data"]["deadline_kind"]) for e in told(session)] == [(met.number, "on_site")]
    act(session, clock, TECH, met, "arrive")                  # minute 13: met after the warning
    assert deadline(met, "on_site").next_alert_at is None
    run_sweeps(session, clock, 60, step=60)
    assert [(e["type"], e["data"]["number"]) for e in told(session)] == [("ticket.sla_warning", met.number)]
    assert all(d.next_alert_at is None for d in cancelled.deadlines)


def test_a_sweep_after_the_due_time_tells_only_the_breach(session, clock, registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    clock.advance(minutes=40)                                  # the platform was down meanwhile
    result = sweep(session, clock)
    assert (result.warnings, result.breaches) == (0, 1)
    [breach] = told(session)
    assert breach["data"]["deadline_kind"] == "on_site"
    assert (breach["data"]["warned_at"], breach["data"]["minutes_overdue"]) == (None, 25.0)
    assert deadline(ticket, "on_site").warned_at is None


def test_an_overlapping_run_that_read_the_same_clocks_tells_nothing(session, clock, registry):
    tickets = [open_repair(session, clock) for _ in range(3)]
    for t in tickets:
        notice(session, clock, t)
    clock.advance(minutes=12)
    w = work(session, clock, SYSTEM)
    rows = alerts.due(w, clock.now())
    assert len(rows) == 3
    first = alerts.alert(w, rows, clock.now())
    second = alerts.alert(w, rows, clock.now())           # read before the first ran: stale
    assert (first.warnings, second.warnings, second.lost) == (3, 0, 3)
    assert sweep(session, clock).alerts == 0
    assert len(told(session)) == 3


def test_the_sweep_reads_in_batches_until_nothing_is_due(session, clock, registry):
    tickets = [open_repair(session, clock) for _ in range(7)]
    clock.advance(minutes=30)                                  # nobody notified engineering
    result = sweep(session, clock, batch=3)
    # 2 clocks each, read 3 at a time; one ticket.changed per ticket for the whole sweep
    assert (result.breaches, result.batches, result.tickets) == (14, 5, 7)
    changed = Counter(e["data"]["ticket_id"] for e in outbox_events(session, Base) if e["type"] == "ticket.changed")
    assert all(changed[t.id] == 2 for t in tickets)       # opened, then the sweep
    assert Counter(e["data"]["deadline_kind"] for e in told(session)) == {"notify_engineering": 7, "on_site": 7}
    assert sweep(session, clock, batch=3).batches == 0
    assert {e["data"]["number"] for e in told(session)} == {t.number for t in tickets}


# -- approved overruns (超时审批) ------------------------------------------------------

def test_an_extension_is_refused_unless_approved_later_with_a_reason_by_the_centre(session, clock, registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    due = deadline(ticket, "on_site").due_at
    with pytest.raises(Forbidden):
        extend(session, clock, ticket, "on_site", due + timedelta(hours=1), caller=DESK)
    with pytest.raises(Forbidden):
        extend(session, clock, ticket, "on_site", due + timedelta(hours=1),
               caller=staff(G, ["p1"], roles=["engineering_manager"]))
    with pytest.raises(TicketNotFound):
        extend(session, clock, ticket, "on_site", due + timedelta(hours=1), caller=resident(G, ["u2"]))
    with pytest.raises(DeadlineNotFound) as missing:
        extend(session, clock, ticket, "revisit", due + timedelta(hours=1))
    assert missing.value.details["kinds"] == ["record", "notify_engineering", "on_site"]
    with pytest.raises(ExtensionNotLater):
        extend(session, clock, ticket, "on_site", due)
    with pytest.raises(ExtensionNotLater):
        extend(session, clock, ticket, "on_site", due - timedelta(minutes=1))
    with pytest.raises(DeadlineNotRunning):
        extend(session, clock, ticket, "notify_engineering", due + timedelta(hours=1))   # met
    with pytest.raises(ExtensionReasonRequired):
        overruns.extend_deadline(work(session, clock, CENTRE), ticket.id,
                                 {"kind": "on_site", "new_due_at": due + timedelta(hours=1), "reason": "  "})
    with pytest.raises(Exception, match="reason"):
        ExtensionIn().load({"kind": "on_site", "new_due_at": (due + timedelta(hours=1)).isoformat(), "reason": " "})
    clock.advance(hours=2)
    with pytest.raises(ExtensionNotLater, match="future"):
        extend(session, clock, ticket, "on_site", clock.now() - timedelta(minutes=1))
    with pytest.raises(ExtensionNotLater) as too_long:                 # a clock is not switched off
        extend(session, clock, ticket, "on_site", clock.now() + timedelta(days=91))
    assert too_long.value.code == "extension_too_long" and too_long.value.message.startswith("超时审批的新期限最多为自今起 90 天")
    assert deadline(ticket, "on_site").extensions == [] and told(session, ("ticket.deadline_extended",)) == []
    act(session, clock, DESK, ticket, "cancel", reason="重复报修")
    with pytest.raises(DeadlineNotRunning):
        extend(session, clock, ticket, "on_site", clock.now() + timedelta(hours=1))


def test_flags_are_json_booleans_only():
    """"yes", 1 or "true" are not a finding nor a setting: a typo is refused, not read as true."""
    from marshmallow import ValidationError
    from services.tickets.domain import sla
    from services.tickets.schemas import QualityStepIn
    for value in ("yes", 1, "true"):
        with pytest.raises(ValidationError):
            QualityStepIn().load({"action": "assess", "within_warranty": value})
        with pytest.raises(Exception):
            sla.SETTINGS.setting("complaint.oral_same_day").load(value)
    assert sla.SETTINGS.setting("complaint.oral_same_day").load(False) is False


def test_an_extension_is_recorded_told_and_listed_with_the_ticket(session, clock, registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    old_due = deadline(ticket, "on_site").due_at
    clock.advance(minutes=5)
    version = ticket.version
    extend(session, clock, ticket, "on_site", old_due + timedelta(hours=2), caller=GM)
    on_site = deadline(ticket, "on_site")
    [ext] = on_site.extensions
    assert (ext.approved_by, ext.approved_by_name, ext.approved_at, ext.reason, ext.old_due_at, ext.new_due_at) == (
        "gm", "gm", clock.now(), "材料需从厂家调货", old_due, old_due + timedelta(hours=2))
    assert on_site.due_at == old_due + timedelta(hours=2) and ticket.version == version + 1
    assert ticket.history[-1].action == "deadline_extended"
    [event] = told(session, ("ticket.deadline_extended",))
    assert event["data"] == {
        "ticket_id": ticket.id, "number": ticket.number, "kind": "repair", "group_id": G, "project_id": "p1",
        "unit_id": "u1", "deadline_kind": "on_site", "extension_id": ext.id,
        "old_due_at": old_due.isoformat(), "new_due_at": (old_due + timedelta(hours=2)).isoformat(),
        "reason": "材料需从厂家调货", "approved_by": {"user_id": "gm", "name": "gm"},
        "approved_at": clock.now().isoformat(), "responsible_role": "engineering", "version": version + 1}
    changed = [e for e in outbox_events(session, Base) if e["type"] == "ticket.changed"][-1]["data"]
    assert changed["version"] == version + 1
    listed = next(d for d in changed["deadlines"] if d["kind"] == "on_site")["extensions"]
    assert listed == [{"id": ext.id, "approved_by": {"user_id": "gm", "name": "gm"},
                       "approved_at": clock.now().isoformat(), "reason": "材料需从厂家调货",
                       "old_due_at": old_due.isoformat(),
                       "new_due_at": (old_due + timedelta(hours=2)).isoformat(), "breached_at": None}]
    view = repairs.ticket_view(ticket, clock.now(), CENTRE)
    assert next(d for d in view["deadlines"] if d["kind"] == "on_site")["extensions"][0]["id"] == ext.id


def test_an_extension_before_the_warning_moves_the_warning_and_the_breach(session, clock, registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    start = clock.now()
    clock.advance(minutes=5)
    extend(session, clock, ticket, "on_site", start + timedelta(minutes=25))
    assert deadline(ticket, "on_site").next_alert_at == start + timedelta(minutes=20)    # 80 % of 25
    run_sweeps(session, clock, 30)
    assert [(e["type"], minute(start, e["data"]["at"])) for e in told(session)] == [
        ("ticket.sla_warning", 20.0), ("ticket.sla_breached", 25.0)]


def test_an_extension_after_the_warning_moves_only_the_breach(session, clock, registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    start = clock.now()
    run_sweeps(session, clock, 14)                                     # warned at 12
    extend(session, clock, ticket, "on_site", start + timedelta(minutes=30))
    run_sweeps(session, clock, 20)
    assert [(e["type"], minute(start, e["data"]["at"])) for e in told(session)] == [
        ("ticket.sla_warning", 12.0), ("ticket.sla_breached", 30.0)]
    assert told(session)[-1]["data"]["extension_id"] is None          # the clock's first breach


def test_a_breached_clock_extended_and_missed_again_is_told_again_naming_the_extension(session, clock,
                                                                                      registry):
    ticket = open_repair(session, clock)
    notice(session, clock, ticket)
    start = clock.now()
    run_sweeps(session, clock, 16)                                     # warned at 12, breached at 15
    first_breach = deadline(ticket, "on_site").breached_at
    extend(session, clock, ticket, "on_site", start + timedelta(minutes=45), reason="等待电梯公司配件")
    on_site = deadline(ticket, "on_site")
    assert (on_site.breached_at, on_site.next_alert_at) == (first_breach, start + timedelta(minutes=45))
    run_sweeps(session, clock, 40)
    kinds = [(e["type"], minute(start, e["data"]["at"])) for e in told(session)]
    assert kinds == [("ticket.sla_warning", 12.0), ("ticket.sla_breached", 15.0), ("ticket.sla_breached", 45.0)]
    [ext] = on_site.extensions
    second = told(session)[-1]["data"]
    assert (second["extension_id"], second["due_at"], second["minutes_overdue"]) == (
        ext.id, (start + timedelta(minutes=45)).isoformat(), 0.0)
    assert (on_site.breached_at, ext.breached_at, on_site.next_alert_at) == (
        first_breach, start + timedelta(minutes=45), None)
    # met in time after a second extension: nothing more
    extend(session, clock, ticket, "on_site", clock.now() + timedelta(minutes=30))
    act(session, clock, DESK, ticket, "dispatch", assignee_id="eng.lh")
    act(session, clock, TECH, ticket, "accept")
    act(session, clock, TECH, ticket, "arrive")
    run_sweeps(session, clock, 60, step=60)
    assert len(told(session)) == 3


# -- a month of repairs --------------------------------------------------------------

#: what happens to the day's public-area repair, by day of the month (day % 5)
NOBODY, ON_TIME, AFTER_WARNING, CANCELLED, EXTENDED = range(5)


def test_a_month_of_repairs_warns_and_breaches_at_the_right_minute(session, clock, registry):
    """30 days, one public-area repair a day in each project at 09:00 (engineering notified a
    minute later; on day%7 == 6 three minutes later), swept every 15-30 s: on-site warnings at
    minute 12 of the 15 (80 %) -- in 星河公寓 (p2) at minute 7.5 once its centre manager set
    the warning to 50 % on day 10 -- breaches at 15, none for clocks met in time or cancelled,
    an approved extension moving the breach to minute 20; the late notices' 2-minute clock
    warned at 1:36 (told by the 1:45 sweep; at 50 %: 1:00) and breached at 2:00."""
    expected, month_start = [], clock.now()
    for day in range(30):
        clock.set(month_start + timedelta(days=day))
        if day == 10:
            repairs.set_setting(work(session, clock, staff(G, ["p2"], roles=["centre_manager"])), "p2",
                                clocks.WARN_AT_PERCENT, 50, reason="星河公寓：提前提醒工程部")
        opened = clock.now()
        late_notice = day % 7 == 6
        day_tickets = {unit: open_repair(session, clock, unit) for unit in ("u1", "u2")}
        plan = day % 5
        # sweeps every 15 s for the first 4 minutes, then every 30 s to minute 24 (every alert
        # of the plan falls on one of them: 1:00/1:45/2:00, then whole and half minutes)
        for second in [*range(15, 240, 15), *range(240, 24 * 60 + 1, 30)]:
            clock.set(opened + timedelta(seconds=second))
            elapsed = timedelta(seconds=second)
            for unit, ticket in day_tickets.items():
                notice_at = timedelta(minutes=3 if late_notice else 1)
                if elapsed == notice_at:
                    notice(session, clock, ticket)
                if plan == ON_TIME and elapsed == notice_at + timedelta(minutes=10):
                    act(session, clock, DESK, ticket, "dispatch", assignee_id="eng.lh")
                    act(session, clock, TECH, ticket, "accept")
                    act(session, clock, TECH, ticket, "arrive")
                if plan == AFTER_WARNING and elapsed == notice_at + timedelta(minutes=13):
                    act(session, clock, DESK, ticket, "dispatch", assignee_id="eng.lh")
                    act(session, clock, TECH, ticket, "accept")
                    act(session, clock, TECH, ticket, "arrive")
                if plan == CANCELLED and elapsed == notice_at + timedelta(minutes=5):
                    act(session, clock, DESK, ticket, "cancel", reason="住户取消")
                if plan == EXTENDED and elapsed == notice_at + timedelta(minutes=14):
                    extend(session, clock, ticket, "on_site", opened + notice_at + timedelta(minutes=20))
            sweep(session, clock)

        for unit, ticket in day_tickets.items():
            notice_min = 3 if late_notice else 1
            warn_min = 7.5 if (unit == "u2" and day >= 10) else 12
            if late_notice:       # the 2-minute clock: warning due at 1:36 (the 1:45 sweep tells it), 1:00 at 50 %
                expected += [(ticket.number, "notify_engineering", "ticket.sla_warning",
                              1.0 if (unit == "u2" and day >= 10) else 1.75),
                             (ticket.number, "notify_engineering", "ticket.sla_breached", 2.0)]
            if plan in (NOBODY, AFTER_WARNING, EXTENDED) or (plan == ON_TIME and warn_min < 10):
                expected.append((ticket.number, "on_site", "ticket.sla_warning", notice_min + warn_min))
            if plan == NOBODY:
                expected.append((ticket.number, "on_site", "ticket.sla_breached", notice_min + 15))
            if plan == EXTENDED:
                expected.append((ticket.number, "on_site", "ticket.sla_breached", notice_min + 20))

    opened_at = {}
    for e in outbox_events(session, Base):
        if e["type"] == "ticket.opened":
            opened_at[e["data"]["number"]] = datetime.fromisoformat(e["data"]["recorded_at"])
    actual = [(e["data"]["number"], e["data"]["deadline_kind"], e["type"],
               minute(opened_at[e["data"]["number"]], e["data"]["at"])) for e in told(session)]
    assert sorted(actual) == sorted(expected)
    # the month's figures
    count = Counter((e["data"]["project_id"], e["data"]["deadline_kind"], e["type"]) for e in told(session))
    assert count == {
        ("p1", "on_site", "ticket.sla_warning"): 18, ("p1", "on_site", "ticket.sla_breached"): 12,
        # p2 from day 10 warns at 7.5: an arrival at minute 10 comes after the warning (4 days)
        ("p2", "on_site", "ticket.sla_warning"): 22, ("p2", "on_site", "ticket.sla_breached"): 12,
        ("p1", "notify_engineering", "ticket.sla_warning"): 4, ("p1", "notify_engineering", "ticket.sla_breached"): 4,
        ("p2", "notify_engineering", "ticket.sla_warning"): 4, ("p2", "notify_engineering", "ticket.sla_breached"): 4,
    }
    # every clock told at most one warning and one breach (the extended ones: their first breach
    # never came -- extended before the due time)
    per_clock = Counter((e["data"]["deadline_id"], e["type"]) for e in told(session))
    assert set(per_clock.values()) == {1}
    minutes_left = Counter((e["data"]["project_id"], e["data"]["minutes_left"])
                           for e in told(session, ("ticket.sla_warning",)) if e["data"]["deadline_kind"] == "on_site")
    # p2: days 0-9 at 80 % (3 min left), days 10-29 at 50 % (7.5 min left)
    assert minutes_left == {("p1", 3.0): 18, ("p2", 3.0): 6, ("p2", 7.5): 16}


# -- PostgreSQL: concurrent sweeps, a ticket being changed, the index -------------------

@pytest.mark.postgres
def test_concurrent_sweeps_on_postgresql_tell_each_clock_once_and_skip_a_ticket_being_changed(pg_url, clock):
    import eventlet
    from sqlalchemy import select, text
    from sqlalchemy.orm import sessionmaker

    from kernel.db import make_engine
    from services.tickets.models import Ticket

    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    try:
        with Session() as session:
            w = work(session, clock, Caller.system(G, "tickets"))
            copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                                     "timezone": "Asia/Shanghai", "version": 1})
            copies.apply_unit(w, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                                  "version": 1})
            session.flush()
            tickets = [open_repair(session, clock) for _ in range(24)]
            session.commit()
        clock.advance(minutes=30)                 # every ticket: notify_engineering and on_site breached

        # the index: the sweep's query can use the partial index (its WHERE implies the index's)
        with engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(conn.execute(text("EXPLAIN " + str(
                alerts.due_query(clock.now(), 200, postgres=True).compile(
                    engine, compile_kwargs={"literal_binds": True})))).scalars())
        assert "ix_deadline_next_alert" in plan, plan

        # a request is changing the first ticket (holds its row)
        blocker = Session()
        blocker.execute(select(Ticket.id).where(Ticket.id == tickets[0].id).with_for_update())

        def one_sweep():
            with Session() as session:
                result = alerts.sweep(work(session, clock, SYSTEM), batch=5)
                session.commit()
                return result

        # three sweeps at once (only overlapping runs do this: the periodic job runs one per
        # period): each skips the clocks and tickets another holds, none waits
        runs = [eventlet.spawn(one_sweep) for _ in range(3)]
        results = [r.wait() for r in runs]
        assert all(r.alerts for r in results) and sum(r.skipped for r in results) >= 2
        with Session() as session:
            assert tickets[0].number not in {e["data"]["number"] for e in told(session)}
        blocker.rollback()                         # the request is done: the next sweeps tell the rest
        blocker.close()
        later = [one_sweep() for _ in range(3)]
        assert later[-1].alerts == 0
        assert sum(r.breaches for r in results + later) == 48
        with Session() as session:
            events = told(session)
        per_clock = Counter((e["data"]["deadline_id"], e["type"]) for e in events)
        assert len(per_clock) == 48 and set(per_clock.values()) == {1}
        assert {e["data"]["number"] for e in events} == {t.number for t in tickets}

        # the batch's conditional UPDATE (one statement on PostgreSQL): a second run with what the
        # first read updates nothing
        with Session() as session:
            more = [open_repair(session, clock) for _ in range(3)]
            session.commit()
        clock.advance(minutes=14)           # each: the 2-minute clock's breach, the on-site warning
        with Session() as session:
            w = work(session, clock, SYSTEM)
            rows = alerts.due(w, clock.now())
            decided = []
            for row in rows:
                ticket = session.get(Ticket, row.ticket_id)
                d = next(d for d in ticket.deadlines if d.id == row.id)
                what, values, extension = alerts.decide(d, clock.now())
                decided.append((row, ticket, d, what, values, extension))
            assert len(decided) == 6 and {t.id for _, t, *_ in decided} == {t.id for t in more}
            assert alerts._apply(session, decided) == {row.id for row in rows}
            assert alerts._apply(session, decided) == set()
            session.rollback()
    finally:
        engine.dispose()
