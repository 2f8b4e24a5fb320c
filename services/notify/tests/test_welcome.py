"""The move-in welcome with the steward's phone (入住欢迎, ``move_in.welcome``, from archive's
``household.changed``), notify's copy of the stewards' areas (``steward.assigned``) and revisit requests
(回访预约, ``revisit.request``, from tickets' ``ticket.status_changed`` of a revisit's assignment): the
rules on a ManualClock, and the welcome through the real container on the real broker to a real local
HTTP SMS gateway."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from kernel.clock import ManualClock
from kernel.errors import InvalidInput
from kernel.tenancy import Caller
from kernel.testing import (TEST_SECRET, daytime_clock, domain_session, migrated_sqlite, publish_event,
                            service_config, staff, wait_for)
from kernel.work import Work
from services.notify import schemas
from services.notify.domain import copies, settings, ticket_status, welcome
from services.notify.events import CONTRACT
from services.notify.models import (Base, Contact, Delivery, HouseholdCopy, HouseholdWelcome, Notification,
                                   StewardCopy, UnitCopy)

G = "group-1"
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre.mgr")
SERVICE_PHONE = "0571-88880000"
OWNER = {"person_id": "pe1", "name": "周杰", "role": "owner", "phone": "13912345678",
         "email": "zhou@example.com", "locale": "zh-CN"}
TENANT = {"person_id": "pe2", "name": "Anna Berg", "role": "tenant", "phone": "13987654321",
          "email": None, "locale": "en"}
FAMILY = {"person_id": "pe3", "name": "周小杰", "role": "family", "phone": "13700000003",
          "email": None, "locale": "zh-CN"}


@pytest.fixture
def session(db_url):
    with domain_session(Base, db_url) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=None):
    return Work.build(session, clock, caller or Caller.system(G, "notify"), base=Base, contract=CONTRACT,
                      secret=TEST_SECRET, settings=settings.SETTINGS)


@pytest.fixture
def estate(session, clock):
    """Project p1 (绿湖花园) with units u1, u2 in building b1 and u3 in b2; no household, no steward."""
    w = work(session, clock)
    copies.upsert_project(w, schemas.ProjectChangedIn().load({
        "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
        "timezone": "Asia/Shanghai", "version": 1}))
    for uid, building, number in (("u1", "b1", "0101"), ("u2", "b1", "0102"), ("u3", "b2", "0101")):
        copies.upsert_unit(w, schemas.UnitChangedIn().load({
            "unit_id": uid, "group_id": G, "project_id": "p1", "building_id": building,
            "building_name": f"{building[1]}栋", "number": number, "label": f"{building[1]}栋-{number}", "floor": 1,
            "building_area": "89.37", "usage": "residential", "version": 1}))
    session.flush()


def set_phone(session, clock, phone=SERVICE_PHONE):
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.SERVICE_PHONE, phone, reason="服务中心")
    session.flush()


def assign(session, clock, aid="a-b1", *, building="b1", unit=None, steward="st-1", name="李娜",
           phone="13600001111", version=1, at="2026-11-01T02:00:00+00:00"):
    copies.upsert_steward(work(session, clock), schemas.StewardAssignedIn().load({
        "assignment_id": aid, "group_id": G, "project_id": "p1", "building_id": building, "unit_id": unit,
        "steward_id": steward, "steward_name": name if steward else None, "work_phone": phone if steward else None,
        "assigned_at": at, "assigned_by": "cs.sun", "version": version}))
    session.flush()


def household(people, *, hid="h1", unit="u1", moved_in_on="2026-11-20", status="active", version=1):
    return schemas.HouseholdChangedIn().load({
        "household_id": hid, "group_id": G, "project_id": "p1", "unit_id": unit, "status": status,
        "moved_in_on": moved_in_on, "moved_out_on": None, "version": version, "people": people})


def arrive(session, clock, data, event_id=None, occurred_at=None):
    made = welcome.on_household_changed(work(session, clock), data,
                                        event_id=event_id or f"ev-{data['household_id']}-{data['version']}",
                                        occurred_at=occurred_at or clock.now())
    session.flush()
    return made


def welcomes(session):
    return list(session.scalars(select(Notification).where(Notification.purpose == "move_in.welcome")
                                .order_by(Notification.recipient_kind, Notification.recipient)))


def channels(n: Notification) -> dict:
    return {d.channel: d for d in n.deliveries}


# -- the welcome --------------------------------------------------------------------------------------

def test_a_new_household_is_welcomed_once_the_unit_in_app_and_each_payer_on_their_channels(session, clock, estate):
    set_phone(session, clock)
    assign(session, clock)
    made = arrive(session, clock, household([OWNER, TENANT, FAMILY]))
    assert len(made) == 3
    unit, owner, tenant = welcomes(session)[2], welcomes(session)[0], welcomes(session)[1]
    assert (unit.recipient_kind, unit.recipient, unit.ref_type, unit.ref_id) == ("unit", "u1", "household", "h1")
    assert unit.body == ("周杰、Anna Berg，欢迎入住 绿湖花园 1栋-0101！您的专属管家是 李娜，电话 13600001111；"
                         f"服务中心电话 {SERVICE_PHONE}。")
    assert set(channels(unit)) == {"inapp"} and channels(unit)["inapp"].status == "delivered"
    # the owner: SMS (no name in it) and e-mail; the tenant (en): SMS only -- no e-mail address, no WeChat bound
    assert (owner.recipient, set(channels(owner))) == ("pe1", {"sms", "email"})
    sms = channels(owner)["sms"]
    assert (sms.status, sms.address, sms.next_attempt_at) == ("pending", "13912345678", clock.now())
    assert sms.body == f"【绿湖花园】欢迎入住 1栋-0101！您的管家 李娜，电话 13600001111；服务中心 {SERVICE_PHONE}。"
    assert "周杰" not in sms.body and "周杰" in channels(owner)["email"].body
    assert (tenant.recipient, tenant.locale, set(channels(tenant))) == ("pe2", "en", {"sms"})
    assert "Anna Berg" not in channels(tenant)["sms"].body and "Your steward 李娜: 13600001111" in \
        channels(tenant)["sms"].body
    # the family member is not addressed (the unit's inbox is theirs too)
    assert not session.scalar(select(func.count()).select_from(Delivery).where(Delivery.address == "13700000003"))
    assert session.get(HouseholdWelcome, "h1").steward_id == "st-1"

    # redelivered; the household's next change (a person added), a replay of the first: nothing more
    assert arrive(session, clock, household([OWNER, TENANT, FAMILY])) == []
    newcomer = dict(FAMILY, person_id="pe4", name="Ola", role="tenant", phone="13600009999")
    clock.advance(days=1)
    assert arrive(session, clock, household([OWNER, TENANT, FAMILY, newcomer], version=2), event_id="ev-h1-2") == []
    assert arrive(session, clock, household([OWNER, TENANT, FAMILY]), event_id="ev-h1-replay") == []
    # whatever brings the household again (a copy rebuilt, say): it was welcomed
    again = welcome.welcome(work(session, clock), session.get(HouseholdCopy, "h1"), event_id="ev-other",
                            occurred_at=clock.now())
    assert again == [] and len(welcomes(session)) == 3
    assert session.scalar(select(func.count()).select_from(Delivery).where(Delivery.channel == "sms")) == 2


def test_an_old_household_a_moved_out_one_or_one_without_a_date_is_not_welcomed(session, clock, estate):
    set_phone(session, clock)
    # a rebuild or an import of the households on file: moved in long before the event's date
    assert arrive(session, clock, household([OWNER], moved_in_on="2026-03-01")) == []
    assert arrive(session, clock, household([OWNER], hid="h2", unit="u2", moved_in_on="2026-10-24")) == []  # 31 days
    assert arrive(session, clock, household([OWNER], hid="h3", unit="u3", status="moved_out",
                                            moved_in_on="2026-11-20")) == []
    assert arrive(session, clock, household([OWNER], hid="h4", unit="u1", moved_in_on=None, version=1)) == []
    assert welcomes(session) == [] and session.scalar(select(func.count()).select_from(HouseholdWelcome)) == 0
    # the event's date decides, not today's: an event of the move-in week held back is still a welcome
    late = arrive(session, clock, household([OWNER], hid="h5", unit="u2", moved_in_on="2026-09-01"),
                  occurred_at=datetime(2026, 9, 2, 3, 0, tzinfo=timezone.utc))
    assert len(late) == 2
    # exactly N days before: welcomed; N is the project's setting
    assert len(arrive(session, clock, household([OWNER], hid="h6", unit="u3", moved_in_on="2026-10-25"))) == 2
    settings.set_setting(work(session, clock, CENTRE), "p1", settings.WELCOME_WITHIN_DAYS, 0, reason="只欢迎当天")
    session.flush()
    assert arrive(session, clock, household([OWNER], hid="h7", unit="u1", moved_in_on="2026-11-23")) == []


def test_without_a_steward_the_service_centre_answers_and_without_any_number_no_sms(session, clock, estate):
    set_phone(session, clock)
    arrive(session, clock, household([OWNER]))
    unit, owner = welcomes(session)[1], welcomes(session)[0]
    assert "您的专属管家是 服务中心，电话 0571-88880000" in unit.body
    assert channels(owner)["sms"].status == "pending"
    assert channels(owner)["sms"].body == ("【绿湖花园】欢迎入住 1栋-0101！您的管家 服务中心，电话 0571-88880000；"
                                           "服务中心 0571-88880000。")
    assert session.get(HouseholdWelcome, "h1").steward_id is None

    # no steward and no service centre number: welcomed in-app and by e-mail, the SMS suppressed
    set_phone(session, clock, "")
    arrive(session, clock, household([OWNER], hid="h2", unit="u2"), event_id="ev-h2")
    second = [n for n in welcomes(session) if n.ref_id == "h2"]
    unit2, owner2 = [n for n in second if n.recipient_kind == "unit"][0], [n for n in second if
                                                                           n.recipient_kind == "person"][0]
    # the service centre, and no phrase for a number there is not (never "电话 无")
    assert unit2.body == "周杰，欢迎入住 绿湖花园 1栋-0102！您的专属管家是 服务中心。"
    assert channels(unit2)["inapp"].status == "delivered"
    sms = channels(owner2)["sms"]
    assert (sms.status, sms.last_error) == ("suppressed", "no_phone_to_give")
    assert channels(owner2)["email"].status == "pending"

    # a steward without a work phone: their name with the service centre's number
    set_phone(session, clock)
    assign(session, clock, "a-b2", building="b2", steward="st-9", name="王强", phone=None)
    arrive(session, clock, household([TENANT], hid="h3", unit="u3"), event_id="ev-h3")
    [sms3] = [d for n in welcomes(session) if n.ref_id == "h3" for d in n.deliveries if d.channel == "sms"]
    assert sms3.body == ("[绿湖花园] Welcome to 2栋-0101! Your steward 王强: 0571-88880000; "
                         "service centre: 0571-88880000.")


def test_the_welcome_sms_waits_for_the_morning_in_quiet_hours(session, clock, estate):
    set_phone(session, clock)
    clock.set(datetime(2026, 11, 24, 14, 30, tzinfo=timezone.utc))        # 22:30 in Shanghai
    arrive(session, clock, household([OWNER]))
    owner = welcomes(session)[0]
    assert channels(owner)["sms"].next_attempt_at == datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)
    assert channels(owner)["email"].next_attempt_at == clock.now()     # e-mail is never held


def test_the_service_centre_phone_is_a_validated_setting_of_the_centre_manager(session, clock, estate):
    with pytest.raises(InvalidInput):
        settings.set_setting(work(session, clock, CENTRE), "p1", settings.SERVICE_PHONE, "call us")
    with pytest.raises(InvalidInput):
        settings.set_setting(work(session, clock, CENTRE), "p1", settings.WELCOME_WITHIN_DAYS, -1)
    set_phone(session, clock, "13900001111")
    assert settings.values_of(work(session, clock), "p1")[settings.SERVICE_PHONE] == "13900001111"


# -- the stewards' areas -------------------------------------------------------------------------------

def steward_of(session, clock, uid):
    found = copies.steward_for_unit(work(session, clock), session.get(UnitCopy, uid))
    return (found.steward_id, found.work_phone) if found else None


def test_a_unit_s_own_steward_overrides_its_building_s_and_the_newer_version_wins(session, clock, estate):
    assert steward_of(session, clock, "u1") is None
    assign(session, clock)                                                           # building b1: 李娜
    assign(session, clock, "a-u2", unit="u2", steward="st-2", name="赵敏", phone="13600002222")
    assert steward_of(session, clock, "u1") == ("st-1", "13600001111")
    assert steward_of(session, clock, "u2") == ("st-2", "13600002222")
    assert steward_of(session, clock, "u3") is None                                  # building b2: nobody
    # the unit's steward changes (v2); the older v1 arriving late changes nothing
    assign(session, clock, "a-u2", unit="u2", steward="st-3", name="钱多", phone="13600003333", version=2)
    assign(session, clock, "a-u2", unit="u2", steward="st-2", name="赵敏", phone="13600002222", version=1)
    assert steward_of(session, clock, "u2") == ("st-3", "13600003333")
    # removed (v3: no steward): the building's again; an assignment again is a new assignment id
    assign(session, clock, "a-u2", unit="u2", steward=None, version=3, at="2026-11-10T02:00:00+00:00")
    assert steward_of(session, clock, "u2") == ("st-1", "13600001111")
    assign(session, clock, "a-u2b", unit="u2", steward="st-4", name="孙丽", phone="13600004444",
           at="2026-11-12T02:00:00+00:00")
    assert steward_of(session, clock, "u2") == ("st-4", "13600004444")
    assert session.get(StewardCopy, "a-u2").steward_id is None                       # the removal is kept
    # the welcome names the unit's own steward
    arrive(session, clock, household([OWNER], hid="h2", unit="u2"))
    assert "孙丽" in welcomes(session)[1].body and "13600004444" in welcomes(session)[1].body


def test_a_steward_copy_of_another_group_is_refused(session, clock, estate):
    from kernel.errors import Forbidden
    with pytest.raises(Forbidden):
        copies.upsert_steward(work(session, clock, Caller.system("group-2", "notify")),
                              schemas.StewardAssignedIn().load({
                                  "assignment_id": "x", "group_id": G, "project_id": "p1", "building_id": "b1",
                                  "steward_id": "st-1", "assigned_at": "2026-11-01T02:00:00+00:00",
                                  "assigned_by": "cs", "version": 1}))


# -- revisit requests -------------------------------------------------------------------------------

REPAIR_NO = "BX-20261120-0007"


def revisit_assigned(*, reason="repair_unrated", who=("st-1", "李娜"), due="2026-11-27T09:00:00+00:00",
                     at="2026-11-24T01:00:00+00:00", phone="13912345678", ticket_id="rv1", **over):
    raw = {"ticket_id": ticket_id, "group_id": G, "project_id": "p1", "unit_id": "u1", "kind": "revisit",
           "category": reason, "household_id": "h1", "reporter_phone": phone, "number": "HF-20261124-0001",
           "from": "scheduled", "to": "scheduled", "action": "assign",
           "actor": {"user_id": "cs.sun", "name": "孙经理"}, "at": at, "note": f"派给 {who[1]}", "version": 2,
           "assignee": {"user_id": who[0], "name": who[1]}, "due_at": due,
           "revisited": {"ticket_id": "t7", "number": REPAIR_NO, "kind": "repair", "category": "in_home_paid"}}
    raw.update(over)
    return schemas.TicketStatusChangedIn().load(raw)


def tell(session, clock, data, event_id="ev-rv"):
    made = ticket_status.on_ticket_status_changed(work(session, clock), data, event_id=event_id, group_id=G,
                                                  project_id="p1", actor_kind="staff")
    session.flush()
    return made


@pytest.fixture
def occupied(session, clock, estate):
    """h1 in u1 (moved in long ago: no welcome), the building's steward 李娜, the centre's number."""
    arrive(session, clock, household([OWNER, TENANT], moved_in_on="2025-01-01"))
    assign(session, clock)
    set_phone(session, clock)


def test_a_revisit_assigned_tells_the_household_who_calls_on_which_number_by_when_once(session, clock, occupied):
    made = tell(session, clock, revisit_assigned())
    assert (made.purpose, made.recipient_kind, made.recipient, made.ref_type, made.ref_id) == (
        "revisit.request", "unit", "u1", "revisit", "rv1")
    assert made.body == (f"【绿湖花园】您的户内有偿维修（{REPAIR_NO}）已处理完毕，管家 李娜（13600001111）将于 "
                         "2026-11-27 17:00 前与您联系回访，感谢您的配合。")
    sms = channels(made)["sms"]
    assert (sms.status, sms.address) == ("pending", "13912345678")
    assert sms.body == (f"【绿湖花园】您的户内有偿维修（{REPAIR_NO}）已处理完毕，管家 李娜（13600001111）将于 "
                        "2026-11-27 17:00 前回访。")
    assert "HF-" not in made.body                          # never the revisit's own number
    # redelivered, or reassigned to another steward: told once per revisit
    assert tell(session, clock, revisit_assigned()) is None
    assert tell(session, clock, revisit_assigned(who=("st-2", "赵敏")), event_id="ev-rv-2") is None
    assert session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.purpose == "revisit.request")) == 1


def test_a_revisit_by_someone_else_than_the_unit_s_steward_gives_the_service_centre_s_number(
        session, clock, occupied):
    made = tell(session, clock, revisit_assigned(reason="complaint", who=("cs.sun", "孙经理"), phone="13987654321",
                                                 revisited={"ticket_id": "t8", "number": "TS-20261120-0002",
                                                            "kind": "complaint", "category": "engineering"}))
    assert made.locale == "en"                                       # the tenant reported it
    assert made.body == ("[绿湖花园] Your complaint request (TS-20261120-0002) is done; steward 孙经理 "
                         f"({SERVICE_PHONE}) will call you by 2026-11-27 17:00 to ask how it went.")
    # no number at all: in-app only, the SMS suppressed
    set_phone(session, clock, "")
    bare = tell(session, clock, revisit_assigned(ticket_id="rv2", who=("cs.sun", "孙经理")), event_id="ev-rv2")
    assert bare.body == ("【绿湖花园】您的户内有偿维修（BX-20261120-0007）已处理完毕，管家 孙经理将于 2026-11-27 17:00 "
                         "前与您联系回访，感谢您的配合。")                     # never "（无）"
    assert (channels(bare)["sms"].status, channels(bare)["sms"].last_error) == ("suppressed", "no_phone_to_give")


def test_revisits_not_about_the_household_s_request_or_past_due_are_not_told(session, clock, occupied):
    cases = [revisit_assigned(reason="routine", revisited=None), revisit_assigned(reason="maintenance"),
             revisit_assigned(due="2026-11-24T00:30:00+00:00"),                    # due before it was assigned
             revisit_assigned(revisited=None), revisit_assigned(assignee=None), revisit_assigned(due_at=None),
             revisit_assigned(action="record", to="done")]
    for n, data in enumerate(cases):
        assert tell(session, clock, data, event_id=f"ev-{n}") is None, data
    assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_every_revisit_reason_of_tickets_is_decided():
    from services.notify.domain import revisit_requests
    from services.tickets.domain import revisits
    assert revisit_requests.TOLD_REASONS | revisit_requests.NOT_TOLD_REASONS == set(revisits.REASONS)
    assert not revisit_requests.TOLD_REASONS & revisit_requests.NOT_TOLD_REASONS


def test_what_tickets_publishes_for_an_assignment_is_what_notify_reads(session, clock, occupied):
    from services.tickets.events import CONTRACT as TICKETS
    published = TICKETS.dump("ticket.status_changed", {
        "ticket_id": "rv1", "group_id": G, "project_id": "p1", "unit_id": "u1", "kind": "revisit",
        "category": "repair_dissatisfied", "household_id": "h1", "reporter_phone": "139-1234-5678",
        "number": "HF-20261124-0001", "from_": "scheduled", "to": "scheduled", "action": "assign",
        "actor": {"user_id": "cs.sun", "name": "孙经理"}, "at": datetime(2026, 11, 24, 1, tzinfo=timezone.utc),
        "note": "派给 李娜", "version": 2, "assignee": {"user_id": "st-1", "name": "李娜"},
        "due_at": datetime(2026, 11, 27, 9, tzinfo=timezone.utc),
        "revisited": {"ticket_id": "t7", "number": REPAIR_NO, "kind": "repair", "category": "public_area"}})
    made = tell(session, clock, schemas.TicketStatusChangedIn().load(published))
    assert "公共区域报修" in made.body and "李娜（13600001111）" in made.body
    assert channels(made)["sms"].address == "13912345678"


# -- the real container on the real broker ----------------------------------------------------------

@pytest.fixture
def sms_gateway():
    from services.notify.tests.stub import SmsGatewayStub
    stub = SmsGatewayStub()
    yield stub
    stub.close()


def test_a_move_in_published_by_archive_welcomes_the_household_in_app_and_by_sms_once(
        container_factory, rabbit_config, rpc, tmp_path, sms_gateway):
    from kernel.testing import database_of, resident
    from services.notify.models import InboxRecord
    from services.notify.service import NotifyService

    amqp = rabbit_config["AMQP_URI"]
    container = container_factory(NotifyService, service_config(
        amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="http", SMS_HTTP_URL=sms_gateway.url,
        SMS_API_KEY="test-key", SMS_SIGN="绿湖物业", SMS_SEND_INTERVAL=0.1,
        # real time passes (the sender's loop), at 10:00 in Shanghai: quiet hours do not hold the SMS
        CLOCK=daytime_clock(tmp_path / "clock.json")))
    container.start()
    db = database_of(container)

    def archive(event_type, data, event_id=None):
        return publish_event(amqp, "archive", event_type, data, group_id=G, project_id="p1", event_id=event_id)

    archive("project.changed", {"project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                "kind": "residential", "timezone": "Asia/Shanghai", "version": 1})
    archive("unit.changed", {"unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1",
                             "building_name": "1栋", "number": "0101", "label": "1栋-0101", "floor": 1,
                             "building_area": "89.37", "usage": "residential", "version": 1})
    archive("steward.assigned", {"assignment_id": "a-b1", "group_id": G, "project_id": "p1", "building_id": "b1",
                                 "unit_id": None, "steward_id": "st-1", "steward_name": "李娜",
                                 "work_phone": "13600001111", "assigned_at": "2026-11-01T02:00:00+00:00",
                                 "assigned_by": "cs.sun", "version": 1})

    def ready():
        with db.Session() as s:
            return s.get(UnitCopy, "u1") is not None and s.get(StewardCopy, "a-b1") is not None
    wait_for(ready, timeout=10, message="archive's copies")

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    moved_in = {"household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
                "moved_in_on": today, "moved_out_on": None, "version": 1,
                "people": [{"person_id": "pe1", "name": "周杰", "role": "owner", "phone": "13912345678",
                            "email": None, "locale": "zh-CN"}]}
    first = archive("household.changed", moved_in)
    archive("household.changed", moved_in, event_id=first.id)              # the broker delivers it twice

    def texted():
        return sms_gateway.delivered or None
    [sent] = wait_for(texted, timeout=20, message="the welcome SMS")
    assert sent["to"] == "13912345678"
    assert "欢迎入住 1栋-0101" in sent["text"] and "李娜，电话 13600001111" in sent["text"]
    assert "周杰" not in sent["text"]

    # the next day a tenant joins the household: no second welcome, no text to them
    later = archive("household.changed", dict(moved_in, version=2, people=moved_in["people"] + [
        {"person_id": "pe2", "name": "周小杰", "role": "tenant", "phone": "13700000002", "email": None,
         "locale": "zh-CN"}]))

    def handled():
        with db.Session() as s:
            return set(s.scalars(select(InboxRecord.event_id).where(InboxRecord.event_id.in_({first.id, later.id}))))
    wait_for(lambda: handled() == {first.id, later.id}, timeout=10, message="every event handled")
    [message] = rpc.call(resident(G, ["u1"], user_id="res-1"), "notify", "latest_for_unit", "u1", 10)
    assert message["purpose"] == "move_in.welcome" and "周杰，欢迎入住 绿湖花园 1栋-0101" in message["body"]
    with db.Session() as s:
        assert s.scalar(select(func.count()).select_from(Notification)) == 2          # the unit, the owner
        assert s.scalar(select(func.count()).select_from(Contact).where(Contact.household_id == "h1")) == 2
    assert len(sms_gateway.delivered) == 1
