"""Broadcasts (群发): resolution of the units, chunking through jobs, a re-run chunk, cancelling --
the rules on a real database (SQLite and PostgreSQL) with a ManualClock and notify's own job runner."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.errors import Forbidden
from kernel.jobs import JobExecutor
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, outbox_events, staff
from kernel.work import Work
from services.notify import schemas
from services.notify.domain import broadcasts, copies, settings
from services.notify.events import CONTRACT
from services.notify.exceptions import (BroadcastCancelled, BroadcastNotFound, BroadcastValues, BuildingNotFound,
                                        NotABroadcastPurpose, UnitNotFound, UnsupportedChannel)
from services.notify.models import Base, BroadcastChunk, Delivery, Notification, ScheduledJob
from services.notify.service import JOB_HANDLERS

G = "group-1"
MANAGER = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
OUTAGE = {"outage_label": "停水", "area_label": "1栋、2栋", "starts_at": "11月25日 09:00",
          "ends_at": "11月25日 17:00", "reason": "二次供水水箱清洗", "service_phone": "0571-88880000"}
EVENT = {"event_title": "邻里中秋游园会", "event_at": "9月14日 18:30", "event_place": "中心花园",
         "event_details": "请带上孩子，现场有灯谜和月饼 DIY"}


@pytest.fixture
def Session(db_url):
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=None) -> Work:
    return Work.build(session, clock, caller or Caller.system(G, "notify"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=settings.SETTINGS)


def runner(Session, clock):
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, JOB_HANDLERS, service="notify",
                       settings=settings.SETTINGS, lease_seconds=60)


def person(pid, phone, role="owner", locale="zh-CN", email=None):
    return {"person_id": pid, "name": "住户", "role": role, "phone": phone, "email": email, "locale": locale}


def estate(Session, clock, units=6, buildings=("b1", "b2")):
    """Project p1: ``units`` units over the buildings (u01 in b1, u02 in b2, ...), each with an active
    household of an owner (own number) and a family member (never texted); u01 also has an en tenant.
    Project p2 of the same group: one unit."""
    with Session() as s, s.begin():
        w = work(s, clock)
        for pid, name in (("p1", "绿湖花园"), ("p2", "碧水苑")):
            copies.upsert_project(w, schemas.ProjectChangedIn().load({
                "project_id": pid, "group_id": G, "code": pid.upper(), "name": name, "kind": "residential",
                "timezone": "Asia/Shanghai", "version": 1}))
        rows = [(f"u{i:02d}", "p1", buildings[(i - 1) % len(buildings)]) for i in range(1, units + 1)]
        rows.append(("x1", "p2", "bx"))
        for n, (uid, pid, building) in enumerate(rows, start=1):
            copies.upsert_unit(w, schemas.UnitChangedIn().load({
                "unit_id": uid, "group_id": G, "project_id": pid, "building_id": building,
                "building_name": building, "number": uid, "label": f"{building}-{uid}", "floor": 1,
                "building_area": "89.37", "usage": "residential", "version": 1}))
            people = [person(f"pe-{uid}", f"1381234{n:04d}"), person(f"fa-{uid}", f"1390000{n:04d}", role="family")]
            if uid == "u01":
                people.append(person("pe-en", "13700000001", role="tenant", locale="en", email="t@example.com"))
            copies.upsert_household(w, schemas.HouseholdChangedIn().load({
                "household_id": f"h-{uid}", "group_id": G, "project_id": pid, "unit_id": uid, "status": "active",
                "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 1, "people": people}))


def create(Session, clock, caller=MANAGER, **over):
    data = {"purpose": "outage.notice", "target": "project", "values": OUTAGE, "channels": ["inapp", "sms"]}
    data.update(over)
    chunk_size = data.pop("chunk_size", None)
    with Session() as s, s.begin():
        command = schemas.BroadcastIn().load({**data, "project_id": "p1"})
        if chunk_size:
            command["chunk_size"] = chunk_size
        w = work(s, clock, caller)
        b = broadcasts.create(w, "p1", command)
        return broadcasts.view(w, b)


def get(Session, clock, broadcast_id):
    with Session() as s:
        return broadcasts.get(work(s, clock, MANAGER), broadcast_id)


def notes(Session, broadcast_id):
    with Session() as s:
        return s.execute(select(Notification.recipient_kind, Notification.recipient).where(
            Notification.source_event_id == broadcast_id)).all()


def sms_of(Session, broadcast_id):
    with Session() as s:
        return s.execute(select(Delivery.address, Delivery.body, Delivery.status).join(Notification).where(
            Notification.source_event_id == broadcast_id, Delivery.channel == "sms")).all()


# -- resolution ------------------------------------------------------------------------------------

def test_a_project_broadcast_reaches_every_unit_and_its_payers_once(Session, clock):
    estate(Session, clock)
    b = create(Session, clock, chunk_size=4)
    assert (b["status"], b["total_units"], b["chunks"], b["units_done"]) == ("sending", 6, 2, 0)
    assert runner(Session, clock).run_once() == 2
    done = get(Session, clock, b["id"])
    # 6 units' inboxes + 6 owners + the tenant of u01 (the family members are not texted)
    assert (done["status"], done["units_done"], done["chunks_done"], done["notifications"]) == ("done", 6, 2, 13)
    assert done["deliveries"] == [{"channel": "inapp", "status": "delivered", "count": 6},
                                  {"channel": "sms", "status": "pending", "count": 7}]
    made = notes(Session, b["id"])
    assert len(made) == len(set(made)) == 13
    assert {r for k, r in made if k == "unit"} == {f"u{i:02d}" for i in range(1, 7)}
    assert "x1" not in {r for _, r in made}                  # another project's unit
    texts = {address: body for address, body, _ in sms_of(Session, b["id"])}
    assert not any(a.startswith("139") for a in texts)      # family members
    assert texts["13812340001"].startswith("【绿湖花园】因二次供水水箱清洗，1栋、2栋将于 11月25日 09:00")
    assert texts["13700000001"].startswith("[绿湖花园] 1栋、2栋: 停水 from")      # the tenant's English
    with Session() as s:
        inapp = s.scalars(select(Notification).where(Notification.source_event_id == b["id"],
                                                     Notification.recipient == "u03")).one()
        assert (inapp.ref_type, inapp.ref_id, inapp.unit_id) == ("broadcast", b["id"], "u03")
        assert "停水" in inapp.subject and "0571-88880000" in inapp.body
        types = [e["type"] for e in outbox_events(s, Base)]
    assert types.count("notification.changed") == 6 and types.count("notification.delivered") == 6


def test_a_building_or_a_list_of_units(Session, clock):
    estate(Session, clock)
    b = create(Session, clock, target="building", building_id="b2")
    runner(Session, clock).run_once()
    assert {r for k, r in notes(Session, b["id"]) if k == "unit"} == {"u02", "u04", "u06"}
    assert get(Session, clock, b["id"])["total_units"] == 3
    b = create(Session, clock, target="units", unit_ids=["u05", "u01", "u05"], channels=["inapp"])
    runner(Session, clock).run_once()
    assert sorted(notes(Session, b["id"])) == [("unit", "u01"), ("unit", "u05")]
    with pytest.raises(UnitNotFound) as refused:
        create(Session, clock, target="units", unit_ids=["u01", "x1", "nope"])
    assert refused.value.details == {"unit_ids": ["nope", "x1"]}          # x1 is p2's
    with pytest.raises(BuildingNotFound):
        create(Session, clock, target="building", building_id="bx")
    with pytest.raises(BroadcastValues):
        create(Session, clock, target="building")


def test_what_a_broadcast_may_say_and_who_may_send_it(Session, clock):
    estate(Session, clock)
    with pytest.raises(BroadcastValues) as refused:
        create(Session, clock, values={**OUTAGE, "unit_label": "x"})
    assert refused.value.details == {"missing": [], "unknown": ["unit_label"]}
    with pytest.raises(BroadcastValues) as refused:
        create(Session, clock, values={k: v for k, v in OUTAGE.items() if k != "reason"})
    assert refused.value.details["missing"] == ["reason"]
    with pytest.raises(UnsupportedChannel):
        create(Session, clock, purpose="greeting.holiday", values={"holiday_name": "春节"}, channels=["email"])
    with pytest.raises(NotABroadcastPurpose):
        with Session() as s:
            broadcasts.create(work(s, clock, MANAGER), "p1", {
                "purpose": "bill_notice", "target": "project", "values": {}, "channels": ["inapp"]})
    with pytest.raises(Forbidden):
        create(Session, clock, caller=staff(G, ["p1"], roles=["steward"]))
    with pytest.raises(Exception) as elsewhere:
        create(Session, clock, caller=staff(G, ["p2"], roles=["cs_manager"]))
    assert elsewhere.value.code == "project_out_of_scope"
    # a community event's SMS says the title, time and place -- never the staff's free details
    b = create(Session, clock, purpose="community.event", values=EVENT, channels=["inapp", "sms"])
    runner(Session, clock).run_once()
    texts = [body for _, body, _ in sms_of(Session, b["id"])]
    assert texts and all("邻里中秋游园会" in t and "月饼" not in t for t in texts)
    with Session() as s:
        inbox = s.scalars(select(Notification.body).where(Notification.source_event_id == b["id"],
                                                          Notification.recipient_kind == "unit")).first()
    assert "月饼" in inbox


# -- chunks, jobs, a re-run ---------------------------------------------------------------------------

def test_chunks_are_jobs_due_at_send_at_and_a_rerun_chunk_makes_nothing_twice(Session, clock):
    estate(Session, clock, units=5)
    b = create(Session, clock, chunk_size=2, send_at=(clock.now() + timedelta(hours=2)).isoformat())
    assert (b["status"], b["chunks"]) == ("scheduled", 3)
    with Session() as s:
        jobs = s.execute(select(ScheduledJob.key, ScheduledJob.status).where(
            ScheduledJob.kind == broadcasts.CHUNK_JOB).order_by(ScheduledJob.key)).all()
        chunks = [json.loads(c.unit_ids) for c in s.scalars(select(BroadcastChunk).order_by(BroadcastChunk.n))]
    assert jobs == [(f"{b['id']}:{n}", "pending") for n in (1, 2, 3)]
    assert chunks == [["u01", "u02"], ["u03", "u04"], ["u05"]]
    jobs_ = runner(Session, clock)
    assert jobs_.run_once() == 0                           # not due yet
    clock.advance(timedelta(hours=2))
    assert jobs_.run_once() == 3
    made = notes(Session, b["id"])
    # chunk 1 again (a redelivered job), and its units delivered again without the done mark
    with Session() as s, s.begin():
        assert broadcasts.run_chunk(work(s, clock), b["id"], 1) == 0
    with Session() as s, s.begin():
        b_row = s.get(broadcasts.Broadcast, b["id"])
        assert broadcasts.deliver_units(work(s, clock), b_row, ["u01", "u02", "u03"]) == 0
    assert sorted(notes(Session, b["id"])) == sorted(made)
    assert len(made) == 5 + 6                               # 5 inboxes, 5 owners and u01's tenant
    assert get(Session, clock, b["id"])["notifications"] == 11


def test_a_person_of_two_units_in_two_chunks_gets_one_message(Session, clock):
    estate(Session, clock, units=4)
    with Session() as s, s.begin():
        # u04's household: the owner of u01 again (same person, same number)
        copies.upsert_household(work(s, clock), schemas.HouseholdChangedIn().load({
            "household_id": "h-u04", "group_id": G, "project_id": "p1", "unit_id": "u04", "status": "active",
            "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 2,
            "people": [person("pe-u01", "13812340001")]}))
    b = create(Session, clock, chunk_size=2)
    runner(Session, clock).run_once()
    persons = [r for k, r in notes(Session, b["id"]) if k == "person"]
    assert sorted(persons) == ["pe-en", "pe-u01", "pe-u02", "pe-u03"]
    assert sorted(a for a, _, _ in sms_of(Session, b["id"])).count("13812340001") == 1


def test_a_marketing_sms_respects_the_per_number_limits_a_legal_notice_does_not(Session, clock):
    estate(Session, clock, units=1)
    greeting = {"purpose": "greeting.holiday", "values": {"holiday_name": "春节"}, "channels": ["sms"]}
    for _ in range(6):
        create(Session, clock, **greeting)
        runner(Session, clock).run_once()
    with Session() as s:
        statuses = s.execute(select(Delivery.status, Delivery.last_error).where(
            Delivery.address == "13812340001").order_by(Delivery.created_at)).all()
    assert [st for st, _ in statuses].count("pending") == 5
    assert ("suppressed", "recipient_hourly_limit: 5 per hour") in statuses
    outage = create(Session, clock)
    runner(Session, clock).run_once()
    assert {st for a, _, st in sms_of(Session, outage["id"]) if a == "13812340001"} == {"pending"}


def test_the_per_number_limit_counts_only_what_went_out_or_is_due(Session, clock):
    """Trial 10, finding 12: the per-number limit (5 per hour) counts the SMS that went out or are due
    now -- not the cancelled, suppressed or held ones, nor legally required notices (never limited, they
    use up no allowance)."""
    from services.notify.domain import notifications
    estate(Session, clock, units=1)
    number = "13812340001"
    greeting = {"purpose": "greeting.holiday", "values": {"holiday_name": "春节"}, "channels": ["sms"]}
    for _ in range(4):                                   # four outage notices: legal, not counted
        create(Session, clock)
        runner(Session, clock).run_once()
    for _ in range(3):                                   # three greetings made, then cancelled
        cancelled = create(Session, clock, **greeting)
        runner(Session, clock).run_once()
        with Session() as s, s.begin():
            broadcasts.cancel(work(s, clock, MANAGER), cancelled["id"])
    held = create(Session, clock, **greeting)            # one held until later (quiet hours, send-at)
    runner(Session, clock).run_once()
    with Session() as s, s.begin():
        s.execute(Delivery.__table__.update().where(Delivery.notification_id.in_(select(Notification.id).where(
            Notification.source_event_id == held["id"]))).values(next_attempt_at=clock.now() + timedelta(hours=10)))
    sent = []
    for _ in range(2):                                   # two sent this hour
        b = create(Session, clock, **greeting)
        runner(Session, clock).run_once()
        sent.append(b["id"])
    with Session() as s, s.begin():
        s.execute(Delivery.__table__.update().where(Delivery.notification_id.in_(select(Notification.id).where(
            Notification.source_event_id.in_(sent)))).values(status="sent", sent_at=clock.now()))
        w = work(s, clock)
        assert notifications.sms_counts(w, Delivery.address, {number}, timedelta(hours=1)) == {number: 2}
    statuses = []
    for _ in range(4):                                   # 2 sent + 3 due now = 5: the fourth is over
        b = create(Session, clock, **greeting)
        runner(Session, clock).run_once()
        statuses += [(st, e) for a, e, st in _sms_errors(Session, b["id"]) if a == number]
    assert statuses == [("pending", None)] * 3 + [("suppressed", "recipient_hourly_limit: 5 per hour")]
    outage = create(Session, clock)                      # a legal notice is never limited
    runner(Session, clock).run_once()
    assert {st for a, _, st in sms_of(Session, outage["id"]) if a == number} == {"pending"}
    clock.advance(timedelta(hours=1, minutes=1))          # the hour is over: room again
    b = create(Session, clock, **greeting)
    runner(Session, clock).run_once()
    assert [st for a, _, st in sms_of(Session, b["id"]) if a == number] == ["pending"]


def _sms_errors(Session, broadcast_id):
    with Session() as s:
        return s.execute(select(Delivery.address, Delivery.last_error, Delivery.status).join(Notification).where(
            Notification.source_event_id == broadcast_id, Delivery.channel == "sms")).all()


def test_the_sending_policy_holds_in_broadcasts_opt_outs_and_quiet_hours(Session, clock):
    """A broadcast applies notify's sending policy set-based: a resident opted out of marketing SMS gets
    no greeting by SMS (suppressed ``opted_out``) but the outage notice all the same (legal); a
    greeting made at 22:00 Shanghai waits for the end of the quiet hours (08:00), an outage notice
    too (planned: not an emergency)."""
    from datetime import datetime, timezone

    from services.notify.models import OptOut
    estate(Session, clock, units=2)
    with Session() as s, s.begin():
        s.add(OptOut(id="oo-1", group_id=G, project_id="p1", person_id="pe-u01", channel="sms", scope="marketing",
                     updated_at=clock.now()))
    greeting = create(Session, clock, purpose="greeting.holiday", values={"holiday_name": "春节"},
                      channels=["sms"])
    runner(Session, clock).run_once()
    with Session() as s:
        rows = dict(s.execute(select(Delivery.address, Delivery.last_error).join(Notification).where(
            Notification.source_event_id == greeting["id"])).all())
    assert rows["13812340001"] == "opted_out" and rows["13812340002"] is None
    outage = create(Session, clock)
    runner(Session, clock).run_once()
    assert {st for a, _, st in sms_of(Session, outage["id"]) if a == "13812340001"} == {"pending"}
    clock.set("2026-11-24T22:00:00+08:00")
    night = create(Session, clock, purpose="greeting.holiday", values={"holiday_name": "元宵节"}, channels=["sms"])
    runner(Session, clock).run_once()
    with Session() as s:
        due = set(s.scalars(select(Delivery.next_attempt_at).join(Notification).where(
            Notification.source_event_id == night["id"], Delivery.status == "pending")))
    assert {d.astimezone(timezone.utc) for d in due} == {datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)}


# -- cancelling ----------------------------------------------------------------------------------

def test_cancel_stops_the_chunks_left_and_what_is_not_sent_yet(Session, clock):
    estate(Session, clock, units=6)
    b = create(Session, clock, chunk_size=2, channels=["inapp", "sms", "wechat"])
    jobs_ = runner(Session, clock)
    first = jobs_.claim()
    assert len(first) == 3
    assert jobs_.run_job(next(j for j in first if j.key.endswith(":1"))) == "done"
    with Session() as s, s.begin():
        sms = s.scalars(select(Delivery).join(Notification).where(
            Notification.source_event_id == b["id"], Delivery.channel == "sms").order_by(Delivery.address)).all()
        assert len(sms) == 3                               # u01's owner and tenant, u02's owner
        sms[0].status, sms[0].sent_at, sms[0].provider_message_id = "sent", clock.now(), "m-1"
        sms[1].lease_until = clock.now() + timedelta(seconds=30)       # in a sender's hands right now
        on_wire = sms[1].id
    # the other two claimed jobs are released (as if their runner died); cancel before they run again
    with Session() as s, s.begin():
        cancelled = broadcasts.view(work(s, clock, MANAGER), broadcasts.cancel(work(s, clock, MANAGER), b["id"]))
    assert (cancelled["status"], cancelled["chunks_done"], cancelled["units_done"]) == ("cancelled", 1, 2)
    assert cancelled["deliveries"] == [
        {"channel": "inapp", "status": "delivered", "count": 2},
        {"channel": "sms", "status": "cancelled", "count": 1},
        {"channel": "sms", "status": "pending", "count": 1},
        {"channel": "sms", "status": "sent", "count": 1}]
    with Session() as s:
        assert s.get(Delivery, on_wire).status == "pending"
    # the claimed chunks run after their lease: they find the broadcast cancelled and make nothing
    clock.advance(timedelta(minutes=2))
    for job in first[1:]:
        jobs_.run_job(job)           # lost (lease gone) or done without messages
    jobs_.run_once()
    after = get(Session, clock, b["id"])
    assert (after["notifications"], after["units_done"]) == (cancelled["notifications"], 2)
    with Session() as s:
        states = dict(s.execute(select(BroadcastChunk.n, BroadcastChunk.status).where(
            BroadcastChunk.broadcast_id == b["id"])).all())
    assert states == {1: "done", 2: "cancelled", 3: "cancelled"}
    with pytest.raises(BroadcastCancelled):
        with Session() as s, s.begin():
            broadcasts.cancel(work(s, clock, MANAGER), b["id"])


def test_cancel_withdraws_the_messages_stored_and_tells_the_read_model(Session, clock):
    """Trial 10, finding 6: a cancelled outage's in-app messages stay in the inboxes, withdrawn (已撤回):
    no longer unread, republished (notification.changed) with withdrawn_at for the portal's read model."""
    from kernel.testing import resident
    from services.notify.domain import notifications
    estate(Session, clock, units=2)
    b = create(Session, clock, channels=["inapp", "sms"])
    runner(Session, clock).run_once()
    home = work(Session(), clock, resident(G, ["u01"]))
    assert notifications.unread_for_unit(home, "u01")["unread"] == 1
    home.session.close()
    with Session() as s, s.begin():
        broadcasts.cancel(work(s, clock, MANAGER), b["id"])
    with Session() as s:
        made = s.scalars(select(Notification).where(Notification.source_event_id == b["id"])).all()
        assert {(n.withdrawn_at, n.version) for n in made} == {(clock.now(), 2)}
        assert {(n.recipient, n.withdrawn_label) for n in made if n.recipient_kind == "unit"} == {
            ("u01", "已撤回"), ("u02", "已撤回")}
        assert "Withdrawn" in {n.withdrawn_label for n in made if n.recipient == "pe-en"}
        assert {d.status for n in made for d in n.deliveries if d.channel == "sms"} == {"cancelled"}
        home = work(s, clock, resident(G, ["u01"]))
        assert notifications.unread_for_unit(home, "u01")["unread"] == 0
        assert [n.withdrawn_label for n in notifications.latest_for_unit(home, "u01")] == ["已撤回"]
        changed = [e["data"] for e in outbox_events(s, Base) if e["type"] == "notification.changed"
                   and e["data"]["ref_id"] == b["id"]]
    assert sorted((c["unit_id"], c["version"], c["withdrawn_label"]) for c in changed if c["version"] == 2) == [
        ("u01", 2, "已撤回"), ("u02", 2, "已撤回")]
    assert all(c["withdrawn_at"] for c in changed if c["version"] == 2)
    assert all(c["withdrawn_at"] is None for c in changed if c["version"] == 1)


def test_an_urgent_outage_goes_at_night_a_planned_one_waits(Session, clock):
    """Trial 10, finding 7: ``outage.urgent`` (an emergency) is broadcast by the project's managers and its
    SMS is due at once at 23:00 Shanghai, while a planned ``outage.notice`` made then waits for 08:00;
    an urgent one is never scheduled, and other staff may not send one."""
    from datetime import datetime, timezone

    from services.notify.exceptions import UrgentNotScheduled
    estate(Session, clock, units=1)
    clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc))          # 23:00 in Shanghai
    urgent_values = OUTAGE
    centre = staff(G, ["p1"], roles=["centre_manager"], user_id="cm-1")
    urgent = create(Session, clock, caller=centre, purpose="outage.urgent", values=urgent_values,
                    channels=["inapp", "sms"])
    planned = create(Session, clock)
    runner(Session, clock).run_once()
    with Session() as s:
        def due(b):
            return {a: (st, at) for a, st, at in s.execute(
                select(Delivery.address, Delivery.status, Delivery.next_attempt_at).join(Notification).where(
                    Notification.source_event_id == b["id"], Delivery.channel == "sms")).all()}
        assert due(urgent)["13812340001"] == ("pending", clock.now())
        assert due(planned)["13812340001"] == ("pending", datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc))
    with pytest.raises(UrgentNotScheduled):
        create(Session, clock, purpose="outage.urgent", values=urgent_values, channels=["sms"],
               send_at=(clock.now() + timedelta(hours=1)).isoformat())
    with pytest.raises(Forbidden):
        create(Session, clock, caller=staff(G, ["p1"], roles=["steward"]), purpose="outage.urgent",
               values=urgent_values, channels=["sms"])


def test_the_general_manager_and_group_admin_read_broadcasts_and_deliveries_with_their_send_at(Session, clock):
    """Trial 10, finding 20: the general manager and the group admin read a project's broadcasts and the
    delivery status (not create or cancel); the deliveries of a scheduled broadcast show its send_at."""
    from services.notify.domain import deliveries
    estate(Session, clock, units=1)
    send_at = clock.now() + timedelta(hours=2)
    b = create(Session, clock, send_at=send_at.isoformat())
    clock.advance(timedelta(hours=2))
    runner(Session, clock).run_once()
    for role in ("general_manager", "group_admin"):
        reader = staff(G, ["p1"], roles=[role])
        with Session() as s:
            assert broadcasts.get(work(s, clock, reader), b["id"])["id"] == b["id"]
            assert [x["id"] for x in broadcasts.list_for_project(work(s, clock, reader), "p1")] == [b["id"]]
            page = deliveries.list_deliveries(work(s, clock, reader), schemas.DeliveryQuery().load({"project_id": "p1"}))
            assert page["total"] == 3 and {d["send_at"] for d in page["items"]} == {send_at}
        with pytest.raises(Forbidden):
            create(Session, clock, caller=reader)
        with pytest.raises(Forbidden), Session() as s:
            broadcasts.cancel(work(s, clock, reader), b["id"])


def test_cancel_before_send_at_leaves_nothing_to_run(Session, clock):
    estate(Session, clock, units=3)
    b = create(Session, clock, chunk_size=1, send_at=(clock.now() + timedelta(days=1)).isoformat())
    with Session() as s, s.begin():
        broadcasts.cancel(work(s, clock, MANAGER), b["id"])
    with Session() as s:
        assert set(s.scalars(select(ScheduledJob.status).where(ScheduledJob.kind == broadcasts.CHUNK_JOB))) == {
            "cancelled"}
    clock.advance(timedelta(days=2))
    assert runner(Session, clock).run_once() == 0
    assert notes(Session, b["id"]) == []


def test_reading_is_the_project_s_managers_and_lists_newest_first(Session, clock):
    estate(Session, clock, units=2)
    first = create(Session, clock)
    clock.advance(timedelta(minutes=1))
    second = create(Session, clock, purpose="greeting.holiday", values={"holiday_name": "春节"})
    with Session() as s:
        listed = broadcasts.list_for_project(work(s, clock, MANAGER), "p1")
        assert [b["id"] for b in listed] == [second["id"], first["id"]]
        assert listed[0]["deliveries"] is None and listed[0]["values"] == {"holiday_name": "春节"}
        with pytest.raises(Forbidden):
            broadcasts.get(work(s, clock, staff(G, ["p2"], roles=["cs_manager"])), first["id"])
        with pytest.raises(BroadcastNotFound):
            broadcasts.get(work(s, clock, staff("group-2", ["p1"], roles=["cs_manager"])), first["id"])
        with pytest.raises(Forbidden):
            broadcasts.get(work(s, clock, staff(G, ["p1"], roles=["engineering"])), first["id"])
