"""The demo's service-centre data (deploy/seed.py) against the services' own rules, without a
platform: the price list loads through tickets' schema, the on-duty list leaves no hour of the
week without a technician, the supervision number is one notify accepts; what a second load
sends again and what it leaves alone."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deploy import seed
from kernel.errors import InvalidInput
from kernel.idempotency import MAX_KEY_LENGTH
from services.notify.domain.settings import SETTINGS as NOTIFY_SETTINGS
from services.tickets import schemas
from services.tickets.domain import duty
from services.tickets.models import DutyRosterEntry

USERS = {u[0]: {"id": f"user-{u[0]}", "name": u[1]} for u in seed.USERS}


def test_the_price_list_loads_through_tickets_schema_with_exact_prices():
    items = seed.price_items("LH")
    assert len(items) >= 4 and len({i["code"] for i in items}) == len(items)
    loaded = [schemas.PriceItemIn().load(item) for item in items]
    prices = {i["name"]: (str(i["price"]), i["unit"]) for i in loaded}
    assert prices["更换水龙头"] == ("30.00", "个") and prices["疏通下水道"] == ("80.00", "次")
    assert prices["更换灯具"] == ("25.00", "个") and prices["更换门锁"] == ("120.00", "把")


def test_every_hour_of_the_week_has_a_technician_on_duty_for_every_category():
    data = schemas.DutyRosterIn().load({"entries": seed.duty_entries("LH", USERS)})
    entries = [DutyRosterEntry(**e) for e in data["entries"]]
    assert {e.technician_id for e in entries} == {"user-eng.lh", "user-engmgr.lh"}
    start = datetime(2026, 11, 23, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))       # a Monday
    for half_hours in range(7 * 48):
        at = start + timedelta(minutes=30 * half_hours)
        on = [e.technician_id for e in entries if duty.covers(e, at, "Asia/Shanghai")]
        assert on, f"nobody on duty at {at:%a %H:%M}"
        weekday_day = at.isoweekday() <= 5 and 8 <= at.hour < 18
        assert on == (["user-eng.lh"] if weekday_day else ["user-engmgr.lh"]), at
    assert all(e.category == duty.ANY for e in entries)


def test_the_supervision_number_is_one_notify_accepts():
    for key, value in seed.NOTIFY_SETTINGS["LH"].items():
        assert NOTIFY_SETTINGS.setting(key).load(value) == value
    with pytest.raises(InvalidInput):
        NOTIFY_SETTINGS.setting("supervision.contact_phone").load("not a phone")


def test_a_second_load_adds_only_the_codes_the_list_does_not_have():
    items = seed.price_items("LH")
    assert seed.missing_price_items({"items": [], "scheduled": []}, items) == items
    current = {"items": [{"code": "SN-01", "price": "35.00"}], "scheduled": [{"code": "MC-01", "retired": True}]}
    left = {i["code"] for i in seed.missing_price_items(current, items)}
    assert left == {i["code"] for i in items} - {"SN-01", "MC-01"}     # staff's changes stay theirs
    loaded = {"items": [{"code": i["code"]} for i in items], "scheduled": []}
    assert seed.missing_price_items(loaded, items) == []


def test_idempotency_keys_follow_what_is_sent():
    entries = seed.duty_entries("LH", USERS)
    key = seed.demo_key("duty", "p1", entries)
    assert key == seed.demo_key("duty", "p1", seed.duty_entries("LH", USERS))
    assert len(key) <= MAX_KEY_LENGTH
    other_ids = {name: dict(u, id=u["id"] + "-new") for name, u in USERS.items()}   # after --fresh
    assert seed.demo_key("duty", "p1", seed.duty_entries("LH", other_ids)) != key


def test_the_banner_names_the_service_centre_data():
    users = [{"id": USERS[u[0]]["id"], "username": u[0], "name": u[1], "kind": u[2], "roles": u[3],
              "scope": "LH", "unit_id": "unit-1" if u[2] == "resident" else None} for u in seed.USERS]
    roster = schemas.DutyRosterOut().dump({"entries": schemas.DutyRosterIn().load(
        {"entries": seed.duty_entries("LH", USERS)})["entries"]})["entries"]
    summary = {"group_id": "g", "users": users, "households": {("LH", "1栋", "0101"): {"id": "h1"}},
               "projects": {"LH": {"id": "p-lh", "name": "绿湖花园"}, "XH": {"id": "p-xh", "name": "星河公寓"}},
               "service_centre": {"LH": {
                   "price_items": sorted(({"code": c, "name": n, "unit": u, "price": p}
                                          for c, n, u, p in seed.PRICE_LISTS["LH"]), key=lambda i: i["code"]),
                   "duty_roster": roster, "notify_settings": {"supervision.contact_phone": "13800000199"}}}}
    text = seed.banner(summary, "http://127.0.0.1:8000")
    assert "Service centre of 绿湖花园 (LH)" in text
    assert "11 items (更换水龙头 ¥30.00/个, 疏通下水道 ¥80.00/次, 更换灯具 ¥25.00/个, 更换门锁 ¥120.00/把, ...)" in text
    assert "eng.lh     Mon-Fri  08:00-18:00" in text and "engmgr.lh  Mon-Sun  18:00-08:00" in text
    assert "supervision.contact_phone: 13800000199" in text
    assert "/api/v1/projects/p-lh/price-list" in text and "/api/v1/projects/p-lh/duty-roster" in text


def test_the_demo_has_an_auditor_of_the_lh_project(tmp_path):
    """TRIAL11: ``audit.lh`` (审计, Role.AUDITOR) of 绿湖花园 -- who reads the household files' access log
    and the grants (nothing else of archive) -- is a demo account, created on the next start of a
    platform that was loaded before (accounts are looked up by username: the others stay as they are)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from gateway.models import User
    from kernel.db import make_engine
    from kernel.tenancy import Role
    from kernel.testing import migrated_sqlite
    [auditor] = [u for u in seed.USERS if u[0] == "audit.lh"]
    [guard] = [u for u in seed.USERS if u[0] == "guard.lh"]            # the gate can be tried (issue 12)
    assert (guard[2], guard[3], guard[4]) == ("staff", [Role.SECURITY], ["LH"])
    assert (auditor[2], auditor[3], auditor[4]) == ("staff", [Role.AUDITOR], ["LH"])
    url = migrated_sqlite(tmp_path, "gateway")
    projects = {"LH": {"id": "p-lh"}, "XH": {"id": "p-xh"}}
    first = {u["username"]: u for u in seed._users(url, projects)}
    assert first["audit.lh"]["roles"] == ["auditor"] and first["audit.lh"]["scope"] == "LH"
    assert first["guard.lh"]["roles"] == ["security"] and first["guard.lh"]["scope"] == "LH"
    again = {u["username"]: u for u in seed._users(url, projects)}
    assert again["audit.lh"]["id"] == first["audit.lh"]["id"]                 # a second load adds nothing
    with Session(make_engine(url)) as session:
        user = session.scalars(select(User).where(User.username == "audit.lh")).one()
        assert user.kind == "staff" and {s.project_id for s in user.scopes} == {"p-lh"}
        assert user.roles == "auditor"


def test_the_demo_inspection_areas_are_what_tickets_takes_each_with_a_steward_of_its_project():
    """A new user of ``./wuye up`` sees rounds: 绿湖花园's areas, one of each type, each with a steward
    (a demo account with the steward role in that project), in a building of the demo or the whole
    estate; each request loads through tickets' own schema, its key fits and follows what is sent."""
    from services.tickets.domain import inspections
    accounts = {u[0]: u for u in seed.USERS}
    for code, areas in seed.INSPECTION_AREAS.items():
        data = seed.inspection_area_data(code, USERS)
        assert [schemas.AreaIn().load(d) for d in data] == data
        assert len({d["name"] for d in data}) == len(data)
        assert {d["area_type"] for d in data} == set(inspections.AREA_TYPES)
        project = next(p for p in seed.PROJECTS if p["code"] == code)
        for (_name, _type, building, username), d in zip(areas, data):
            assert building is None or building in project["buildings"]
            assert accounts[username][3] == ["steward"] and code in accounts[username][4]
            assert d["steward_id"] == USERS[username]["id"] and d["steward_name"] == USERS[username]["name"]
            key = seed.demo_key("inspection-area", "p1", d)
            assert len(key) <= MAX_KEY_LENGTH and key == seed.demo_key("inspection-area", "p1", dict(d))


def test_the_banner_names_the_inspection_areas_and_where_the_rounds_are():
    users = [{"id": USERS[u[0]]["id"], "username": u[0], "name": u[1], "kind": u[2], "roles": u[3],
              "scope": "LH", "unit_id": None} for u in seed.USERS]
    areas = [dict(d, id=f"a{i}", area_type_name="楼梯间") for i, d in enumerate(seed.inspection_area_data("LH", USERS))]
    summary = {"users": users, "projects": {"LH": {"id": "p-lh", "name": "绿湖花园"}}, "inspection_areas": {"LH": areas}}
    text = "\n".join(seed.inspection_lines(summary))
    assert "Daily inspections of 绿湖花园 (LH): 5 areas" in text and "1栋楼梯间" in text and "steward.lh" in text
    assert "/api/v1/projects/p-lh/inspection-rounds?due=due" in text
    assert "/api/v1/projects/p-lh/inspection-figures/" in text
    assert seed.inspection_lines({"users": users, "projects": {}}) == []       # loaded without areas
