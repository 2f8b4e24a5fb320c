"""tickets' rules, without a broker."""
from datetime import timedelta, timezone

import pytest

from kernel.errors import Forbidden, InvalidInput, NotFound, RuleViolation
from kernel.tenancy import Caller
from kernel.testing import outbox_events, resident, staff
from services.tickets.domain import copies, repairs, sla
from services.tickets.exceptions import TicketNotFound, UnitNotFound
from services.tickets.tests.support import work
from services.tickets.models import Base, UnitCopy

G = "group-1"
UTC = timezone.utc


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    copies.apply_project(w, {"project_id": "p2", "group_id": G, "name": "星河公寓",
                             "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label,
                              "version": 1})
    copies.apply_household(w, {"household_id": "h1", "unit_id": "u1", "status": "active", "version": 1,
                               "people": [{"name": "张伟", "role": "owner", "phone": "13812345678"}]})
    session.flush()


def at(clock, **kw):
    return clock.now() + timedelta(**kw)


class TestSlaRules:
    def test_public_area_clocks(self, clock):
        now = clock.now()
        ds = {d.kind: d.due_at for d in sla.deadlines_for(
            "public_area", received_at=now - timedelta(minutes=3), recorded_at=now,
            appointment_at=None, minutes={})}
        assert ds == {"record": now + timedelta(minutes=2),            # 5 min from the call
                      "notify_engineering": now + timedelta(minutes=2),
                      "on_site": now + timedelta(minutes=17)}          # 15 min after the notice

    def test_paid_in_home_arrives_five_minutes_early(self, clock):
        appointment = clock.now() + timedelta(hours=3)
        ds = {d.kind: d.due_at for d in sla.deadlines_for(
            "in_home_paid", received_at=clock.now(), recorded_at=clock.now(),
            appointment_at=appointment, minutes={})}
        assert ds["arrive_before"] == appointment - timedelta(minutes=5)

    def test_not_covered_gets_a_reply_clock_and_settings_override(self, clock):
        ds = {d.kind: d.due_at for d in sla.deadlines_for(
            "not_covered", received_at=clock.now(), recorded_at=clock.now(), appointment_at=None,
            minutes={"not_covered_reply_within": 30, "notify_engineering_within": 1})}
        assert ds["reply"] == clock.now() + timedelta(minutes=31)

    def test_states(self, clock):
        due = clock.now()
        assert sla.state(due, due, due) == "met"
        assert sla.state(due, due + timedelta(seconds=1), due) == "late"
        assert sla.state(due, None, due) == "pending"
        assert sla.state(due, None, due + timedelta(seconds=1)) == "breached"


class TestIntake:
    def test_resident_request_from_portal(self, session, clock, registry):
        me = resident(G, ["u1"], user_id="r-zhang")
        ticket = repairs.open_repair(work(session, clock, me), {
            "unit_id": "u1", "category": "public_area", "content": "楼道灯不亮", "location": "1栋3楼楼道"})
        assert ticket.number == "BX-20261124-0001"
        assert ticket.channel == "portal" and ticket.status == "open"
        assert (ticket.reporter_phone, ticket.household_id) == ("13812345678", "h1")
        kinds = {d.kind: d for d in ticket.deadlines}
        assert kinds["record"].met_at == clock.now()
        assert kinds["on_site"].due_at == at(clock, minutes=17)
        event = outbox_events(session, Base)[-1]
        assert event["type"] == "ticket.opened" and event["project_id"] == "p1"
        assert event["data"]["deadlines"][0]["due_at"].endswith("+00:00")
        assert event["data"]["reporter"] == {"name": "r-zhang", "phone": "13812345678",
                                             "user_id": "r-zhang"}

    def test_numbers_run_per_project_and_local_day(self, session, clock, registry):
        desk = staff(G, ["p1", "p2"], roles=["front_desk"])
        w = work(session, clock, desk)
        first = repairs.open_repair(w, {"unit_id": "u1", "content": "漏水"})
        second = repairs.open_repair(w, {"unit_id": "u2", "content": "门锁坏"})
        other = repairs.open_repair(w, {"project_id": "p2", "location": "大堂", "content": "灯坏"})
        clock.set("2026-11-24T23:59:00+08:00")
        third = repairs.open_repair(work(session, clock, desk), {"unit_id": "u1", "content": "再次漏水"})
        clock.set("2026-11-25T00:01:00+08:00")      # 16:01 UTC the same UTC day, but a new local day
        fourth = repairs.open_repair(work(session, clock, desk), {"unit_id": "u1", "content": "又漏"})
        assert [t.number for t in (first, second, other, third, fourth)] == [
            "BX-20261124-0001", "BX-20261124-0002", "BX-20261124-0001", "BX-20261124-0003",
            "BX-20261125-0001"]

    def test_phone_call_recorded_late_shows_a_late_record_clock(self, session, clock, registry):
        desk = staff(G, ["p1"], roles=["front_desk"])
        ticket = repairs.open_repair(work(session, clock, desk), {
            "unit_id": "u1", "channel": "phone", "received_at": at(clock, minutes=-9),
            "reporter_name": "李娜", "reporter_phone": "13987654321", "content": "厨房水管漏水"})
        view = repairs.ticket_view(ticket, clock.now(), Caller.system(G))
        record = next(d for d in view["deadlines"] if d["kind"] == "record")
        assert record["state"] == "late"
        assert view["reporter"] == {"name": "李娜", "phone": "13987654321"}

    def test_a_repeated_request_id_returns_the_first_ticket(self, session, clock, registry):
        me = work(session, clock, resident(G, ["u1"], user_id="r-zhang"))
        first = repairs.open_repair(me, {"unit_id": "u1", "content": "漏水", "request_id": "k-1"})
        again = repairs.open_repair(me, {"unit_id": "u1", "content": "漏水", "request_id": "k-1"})
        other = repairs.open_repair(me, {"unit_id": "u1", "content": "漏水", "request_id": "k-2"})
        assert again is first and other.id != first.id
        # the key is the caller's own: someone else's same key is a different request
        desk = work(session, clock, staff(G, ["p1"]))
        assert repairs.open_repair(desk, {"unit_id": "u1", "content": "漏水", "request_id": "k-1"}).id != first.id
        assert [e["type"] for e in outbox_events(session, Base)].count("ticket.opened") == 3

    def test_received_time_must_be_plausible(self, session, clock, registry):
        desk = work(session, clock, staff(G, ["p1"]))
        with pytest.raises(InvalidInput):
            repairs.open_repair(desk, {"unit_id": "u1", "content": "x", "received_at": at(clock, hours=1)})
        with pytest.raises(InvalidInput):
            repairs.open_repair(desk, {"unit_id": "u1", "content": "x", "received_at": at(clock, days=-3)})

    def test_paid_in_home_needs_a_future_appointment(self, session, clock, registry):
        me = work(session, clock, resident(G, ["u1"]))
        with pytest.raises(RuleViolation):
            repairs.open_repair(me, {"unit_id": "u1", "category": "in_home_paid", "content": "换灯泡"})
        with pytest.raises(RuleViolation):
            repairs.open_repair(me, {"unit_id": "u1", "category": "in_home_paid", "content": "换灯泡",
                                     "appointment_at": at(clock, hours=-1)})
        ticket = repairs.open_repair(me, {"unit_id": "u1", "category": "in_home_paid", "content": "换灯泡",
                                          "appointment_at": at(clock, hours=2)})
        assert {d.kind for d in ticket.deadlines} == {"record", "notify_engineering", "arrive_before"}

    def test_scope(self, session, clock, registry):
        with pytest.raises(NotFound):              # not their unit: 404, nothing revealed
            repairs.open_repair(work(session, clock, resident(G, ["u1"])), {"unit_id": "u2", "content": "xx"})
        with pytest.raises(Forbidden):
            repairs.open_repair(work(session, clock, staff(G, ["p2"])), {"unit_id": "u1", "content": "xx"})
        with pytest.raises(Forbidden):             # finance does not take repair calls
            repairs.open_repair(work(session, clock, staff(G, ["p1"], roles=["finance"])),
                                {"unit_id": "u1", "content": "xx"})
        with pytest.raises(UnitNotFound):
            repairs.open_repair(work(session, clock, staff(G, ["p1"])), {"unit_id": "nope", "content": "xx"})
        with pytest.raises(InvalidInput) as exc:   # bad input (400), not "no such unit" (404)
            repairs.open_repair(work(session, clock, resident(G, ["u1"])), {"project_id": "p1", "content": "xx"})
        assert exc.value.code == "unit_required" and not isinstance(exc.value, NotFound)
        assert outbox_events(session, Base) == []  # nothing half-written

    def test_reads_are_scoped(self, session, clock, registry):
        ticket = repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                     {"unit_id": "u1", "content": "漏水"})
        assert repairs.get_ticket(work(session, clock, resident(G, ["u1"])), ticket.id) is ticket
        with pytest.raises(TicketNotFound):
            repairs.get_ticket(work(session, clock, resident(G, ["u2"])), ticket.id)
        with pytest.raises(TicketNotFound):              # another project's staff: as a missing ticket
            repairs.get_ticket(work(session, clock, staff(G, ["p2"])), ticket.id)
        mine, total = repairs.list_tickets(work(session, clock, resident(G, ["u2"])))
        assert (mine, total) == ([], 0)
        theirs, total = repairs.list_tickets(work(session, clock, staff(G, ["p1"])), project_id="p1")
        assert total == 1 and theirs[0].id == ticket.id


class TestEngineeringNotice:
    def test_notice_stops_the_two_minute_clock_and_rebases_on_site(self, session, clock, registry):
        ticket = repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                     {"unit_id": "u1", "category": "public_area", "content": "电梯异响"})
        notified = at(clock, seconds=40)
        clock.advance(minutes=1)
        repairs.engineering_notified(work(session, clock, Caller.system(G)), ticket.id, notified, "inapp")
        view = {d["kind"]: d for d in repairs.ticket_view(ticket, clock.now(), Caller.system(G))["deadlines"]}
        assert view["notify_engineering"]["state"] == "met"
        assert view["on_site"]["due_at"] == notified + timedelta(minutes=15)
        assert ticket.status == "dispatched"
        clock.advance(minutes=20)
        view = {d["kind"]: d for d in repairs.ticket_view(ticket, clock.now(), Caller.system(G))["deadlines"]}
        assert view["on_site"]["state"] == "breached"

    def test_a_missed_notice_shows_as_breached(self, session, clock, registry):
        ticket = repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                     {"unit_id": "u1", "content": "漏水"})
        clock.advance(minutes=3)
        view = {d["kind"]: d for d in repairs.ticket_view(ticket, clock.now(), Caller.system(G))["deadlines"]}
        assert view["notify_engineering"]["state"] == "breached"


class TestCopies:
    def test_stale_snapshots_are_ignored(self, session, clock, registry):
        w = work(session, clock, Caller.system(G))
        copies.apply_unit(w, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101A",
                              "version": 3})
        copies.apply_unit(w, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "old",
                              "version": 2})
        assert session.get(UnitCopy, "u1").label == "1栋-0101A"

    def test_household_before_its_unit_asks_for_a_retry(self, session, clock, registry):
        assert copies.apply_household(work(session, clock, Caller.system(G)), {
            "household_id": "h9", "unit_id": "u9", "status": "active", "version": 1, "people": []}) is False

    def test_move_out_clears_the_contact(self, session, clock, registry):
        w = work(session, clock, Caller.system(G))
        copies.apply_household(w, {"household_id": "h1", "unit_id": "u1", "status": "moved_out",
                                   "version": 2, "people": []})
        unit = session.get(UnitCopy, "u1")
        assert (unit.household_id, unit.contact_phone) == (None, None)


class TestSettings:
    def test_per_project_sla_minutes(self, session, clock, registry):
        manager = work(session, clock, staff(G, ["p1"], roles=["centre_manager"]))
        minutes = repairs.set_sla_minutes(manager, "p1", "public_area_on_site_within", 10)
        assert minutes["public_area_on_site_within"] == 10
        ticket = repairs.open_repair(manager, {"unit_id": "u1", "category": "public_area", "content": "灯坏"})
        on_site = next(d for d in ticket.deadlines if d.kind == "on_site")
        assert on_site.due_at == at(clock, minutes=12)
        assert repairs.get_sla_minutes(work(session, clock, staff(G, ["p2"])), "p2")[
            "public_area_on_site_within"] == 15
        with pytest.raises(InvalidInput):
            repairs.set_sla_minutes(manager, "p1", "coffee_break", 10)
        with pytest.raises(Forbidden):
            repairs.set_sla_minutes(work(session, clock, staff(G, ["p1"])), "p1", "record_within", 1)


class TestTicketChanged:
    """State-carrying snapshots for read models: the whole ticket and a version that grows by 1."""

    def test_open_and_every_change_publish_the_whole_ticket_with_its_version(self, session, clock, registry):
        ticket = repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                     {"unit_id": "u1", "category": "public_area", "content": "电梯异响"})
        [opened] = [e for e in outbox_events(session, Base) if e["type"] == "ticket.changed"]
        data = opened["data"]
        assert (data["ticket_id"], data["version"], data["status"], ticket.version) == (ticket.id, 1, "open", 1)
        assert data["reporter"]["phone"] == "13812345678" and "state" not in data["deadlines"][0]
        assert [h["action"] for h in data["history"]] == ["opened"]
        repairs.engineering_notified(work(session, clock, Caller.system(G)), ticket.id, clock.now(), "inapp")
        changed = [e["data"] for e in outbox_events(session, Base) if e["type"] == "ticket.changed"]
        assert [(c["version"], c["status"]) for c in changed] == [(1, "open"), (2, "dispatched")]
        assert changed[-1]["engineering_notified_at"] and ticket.version == 2
        assert {d["kind"]: d["met_at"] for d in changed[-1]["deadlines"]}["notify_engineering"]
        # a repeated notice changes nothing, publishes nothing
        repairs.engineering_notified(work(session, clock, Caller.system(G)), ticket.id, clock.now(), "inapp")
        assert len([e for e in outbox_events(session, Base) if e["type"] == "ticket.changed"]) == 2

    def test_snapshots_are_exported_to_the_platform_only(self, session, clock, registry):
        ticket = repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                     {"unit_id": "u1", "category": "public_area", "content": "电梯异响"})
        [page] = [repairs.export_snapshots(work(session, clock, Caller.system(G)), None, 10)]
        assert [s["ticket_id"] for s in page] == [ticket.id] and page[0]["version"] == 1
        assert repairs.export_snapshots(work(session, clock, Caller.system(G)), ticket.id, 10) == []
        with pytest.raises(Forbidden):
            repairs.export_snapshots(work(session, clock, staff(G, ["p1"])), None, 10)


class TestStatements:
    """What a repair flow asks of the database (counted with an SQLAlchemy event, no timings)."""

    @staticmethod
    def selects(session):
        from sqlalchemy import event
        seen = []

        def count(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("SELECT"):
                seen.append(statement.split("FROM", 1)[1].split()[0] if "FROM" in statement else statement)
        event.listen(session.bind, "before_cursor_execute", count)
        return seen, lambda: event.remove(session.bind, "before_cursor_execute", count)

    def test_open_repair_reads_the_settings_once(self, session, clock, registry):
        seen, stop = self.selects(session)
        try:
            repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                {"unit_id": "u1", "category": "public_area", "content": "电梯异响"})
        finally:
            stop()
        assert seen.count("project_settings") == 1, seen

    def test_the_notice_loads_the_ticket_with_its_clocks_and_history_in_one_query(self, session, clock,
                                                                                   registry):
        ticket = repairs.open_repair(work(session, clock, resident(G, ["u1"])),
                                     {"unit_id": "u1", "category": "public_area", "content": "电梯异响"})
        session.commit()
        session.expunge_all()
        seen, stop = self.selects(session)
        try:
            notified = repairs.engineering_notified(work(session, clock, Caller.system(G)), ticket.id,
                                                    at(clock, seconds=40), "inapp")
            assert [h.action for h in notified.history] == ["opened", "engineering_notified"]
            assert {d.kind for d in notified.deadlines} == {"record", "notify_engineering", "on_site"}
            event = outbox_events(session, Base)[-1]
        finally:
            stop()
        assert event["type"] == "ticket.changed" and event["data"]["version"] == 2
        assert len(event["data"]["history"]) == 2 and len(event["data"]["deadlines"]) == 3
        # the ticket (with deadlines and history joined), the settings, then the outbox read above
        assert seen[:2] == ["tickets", "project_settings"], seen
        assert "ticket_deadlines" not in seen and "ticket_log" not in seen, seen


def test_tickets_takes_only_the_engineering_dispatch_of_notification_delivered():
    """The resident's acknowledgements (in-app and SMS) are declined by the handler's ``when=``
    predicate: the kernel acks them without a worker, session or inbox row."""
    from datetime import datetime, timezone as tz

    from kernel.messaging.envelope import Event
    from services.tickets.service import TicketsService, is_engineering_dispatch

    def delivered(purpose, ref_type="ticket"):
        return Event(id="e", type="notification.delivered", source="notify",
                     occurred_at=datetime.now(tz.utc), group_id=G, project_id="p1",
                     data={"purpose": purpose, "ref_type": ref_type, "ref_id": "t1"})

    assert is_engineering_dispatch(delivered("ticket.dispatch_engineering"))
    assert not is_engineering_dispatch(delivered("ticket.opened.resident"))
    assert not is_engineering_dispatch(delivered("ticket.dispatch_engineering", ref_type="complaint"))
    entrypoint = next(iter(TicketsService.on_notification_delivered.nameko_entrypoints))
    assert entrypoint.when is is_engineering_dispatch
