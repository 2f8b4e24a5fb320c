"""archive's rules, without a broker."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, outbox_events, resident, staff
from kernel.work import Work
from services.archive.domain import files, registry
from services.archive.domain.privacy import mask_id_number, mask_phone
from services.archive.domain import settings as archive_settings
from services.archive.events import CONTRACT
from services.archive.exceptions import FileAccessDenied, UnitOccupied
from services.archive.models import Base, Household

G = "group-1"


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller):
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                      settings=archive_settings.SETTINGS)


@pytest.fixture
def estate(session, clock):
    """One project, a building, two units, one household (owner + tenant)."""
    admin = Caller.system(G, "seed")
    w = work(session, clock, admin)
    project, _ = registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                               "kind": "residential", "timezone": "Asia/Shanghai"})
    building, _ = registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋", "floors": 18})
    u1, _ = registry.register_unit(w, {"id": "u1", "building_id": "b1", "number": "0101", "floor": 1,
                                       "building_area": Decimal("89.37")})
    u2, _ = registry.register_unit(w, {"id": "u2", "building_id": "b1", "number": "0102", "floor": 1,
                                       "building_area": Decimal("120.00")})
    household, _ = registry.move_in(w, {
        "id": "h1", "unit_id": "u1", "moved_in_on": date(2026, 3, 1), "by_proxy": False,
        "people": [
            {"id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
             "id_number": "110101199001011237", "locale": "zh-CN"},
            {"id": "pe2", "name": "李娜", "role": "family", "phone": "13987654321", "locale": "zh-CN"},
        ],
        "documents_received": ["move_in_notice", "owner_id_copy", "purchase_contract"],
    })
    session.commit()
    return {"project": project, "building": building, "u1": u1, "u2": u2, "household": household}


def test_registration_publishes_snapshots_with_versions(session, clock, estate):
    events = outbox_events(session, Base)
    assert [e["type"] for e in events] == ["project.changed", "unit.changed", "unit.changed",
                                           "household.changed"]
    unit = events[1]["data"]
    assert unit["building_area"] == "89.37" and unit["label"] == "1栋-0101" and unit["version"] == 1
    household = events[3]["data"]
    assert [p["name"] for p in household["people"]] == ["张伟", "李娜"]
    assert all("id_number" not in p for p in household["people"])   # never in events
    assert events[3]["group_id"] == G and events[3]["project_id"] == "p1"


def test_registration_is_idempotent_by_id_or_natural_key(session, clock, estate):
    w = work(session, clock, Caller.system(G, "seed"))
    again, created = registry.register_unit(w, {"building_id": "b1", "number": "0101",
                                                "building_area": Decimal("89.37")})
    assert not created and again.id == "u1"
    assert len(outbox_events(session, Base)) == 4          # nothing new published


def test_a_unit_has_one_active_household(session, clock, estate):
    w = work(session, clock, staff(G, ["p1"], roles=["front_desk"]))
    with pytest.raises(UnitOccupied):
        registry.move_in(w, {"unit_id": "u1", "moved_in_on": date(2026, 11, 1),
                             "people": [{"name": "王五", "role": "owner"}]})


def test_move_in_catalogue_lists_what_is_missing(session, clock, estate):
    w = work(session, clock, staff(G, ["p1"], roles=["cs_manager"]))
    f = files.read_file(w, "h1", "monthly file audit")
    assert sorted(f["missing"]) == sorted([
        "owner_info_card", "covenant", "preliminary_service_agreement", "fire_safety_letter",
        "handover_inspection_form"])                    # no power of attorney: not by proxy
    present = {d.doc_type for d in f["catalogue"] if d.status == "present"}
    assert present == {"move_in_notice", "owner_id_copy", "purchase_contract"}


def test_file_reads_are_cs_only_and_logged(session, clock, estate):
    cs = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
    files.read_file(work(session, clock, cs), "h1", "resident asked for their contract copy")
    with pytest.raises(FileAccessDenied):
        files.read_file(work(session, clock, staff(G, ["p1"], roles=["engineering"])), "h1", "curious")
    with pytest.raises(NotFound):        # another project's: as for a household that does not exist
        files.read_file(work(session, clock, staff(G, ["p2"], roles=["cs_manager"])), "h1", "other site")
    log = files.access_log(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), "h1")
    # refusals are logged too (domain/access.py; test_access.py has the rest)
    assert sorted((entry["reader_id"], entry["purpose"], entry["outcome"]) for entry in log) == [
        ("desk-1", "resident asked for their contract copy", "allowed"),
        ("staff-1", "curious", "refused"), ("staff-1", "other site", "refused")]


def test_masking_by_role(session, clock, estate):
    household = session.get(Household, "h1")

    def view(caller):
        return registry.household_view(caller, household, id_numbers=True)["people"][0]

    eng = registry.household_view(staff(G, ["p1"], roles=["engineering"]), household, id_numbers=True)
    assert eng["people"][0]["phone"] == "138****5678"
    assert eng["people"][0]["id_number"] == "1101**********1237"
    assert eng["masked"] is True
    desk = view(staff(G, ["p1"], roles=["front_desk"]))
    assert desk["phone"] == "13812345678"                         # front desk calls back
    assert desk["id_number"] == "1101**********1237"
    manager = registry.household_view(staff(G, ["p1"], roles=["cs_manager"]), household, id_numbers=True)
    assert manager["people"][0]["id_number"] == "110101199001011237" and manager["masked"] is False
    own = view(resident(G, ["u1"]))
    assert own["phone"] == "13812345678"                          # their own data
    assert own["id_number"] == "1101**********1237"


def test_id_numbers_only_in_the_file(session, clock, estate):
    household = session.get(Household, "h1")
    for caller in (staff(G, ["p1"], roles=["cs_manager"]), staff(G, ["p1"], roles=["front_desk"]),
                   resident(G, ["u1"]), Caller.system(G)):
        view = registry.household_view(caller, household)
        assert all("id_number" not in p for p in view["people"])
    cs = staff(G, ["p1"], roles=["cs_manager"])
    read = files.read_file(work(session, clock, cs), "h1", "identity check")
    assert read["household"]["people"][0]["id_number"] == "110101199001011237"


def test_residents_see_only_their_units(session, clock, estate):
    me = resident(G, ["u1"])
    assert registry.get_unit(work(session, clock, me), "u1").id == "u1"
    with pytest.raises(NotFound):
        registry.get_unit(work(session, clock, me), "u2")
    assert [p.id for p in registry.list_projects(work(session, clock, me))] == ["p1"]
    assert registry.list_projects(work(session, clock, resident(G, ["elsewhere"]))) == []


def test_staff_outside_the_project_are_refused(session, clock, estate):
    with pytest.raises(Forbidden):       # the registry's own read (a household file's conceals: 404)
        registry.get_unit(work(session, clock, staff(G, ["p2"])), "u1")
    with pytest.raises(NotFound):        # ... concealed, as the household files' routes ask
        registry.get_unit(work(session, clock, staff(G, ["p2"])), "u1", conceal=True)
    with pytest.raises(NotFound):        # another group's unit does not exist for this caller
        registry.get_unit(work(session, clock, staff("other-group", ["p1"])), "u1")


def test_correspondence_is_filed_once_in_the_current_household(session, clock, estate):
    w = work(session, clock, Caller.system(G, "archive"))
    when = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
    for _ in range(2):
        entry = files.file_correspondence(w, unit_id="u1", kind="repair_request", ref_type="ticket",
                                          ref_id="t1", ref_number="BX-1", summary="水管漏水",
                                          occurred_at=when)
    session.flush()
    assert entry.household_id == "h1"
    f = files.read_file(work(session, clock, staff(G, ["p1"], roles=["cs_manager"])), "h1", "check")
    assert [(c.kind, c.ref_number) for c in f["correspondence"]] == [("repair_request", "BX-1")]
    # a vacant unit or a public-area request has no file to go into
    assert files.file_correspondence(w, unit_id="u2", kind="repair_request", ref_type="ticket",
                                     ref_id="t2", ref_number="BX-2", summary="x", occurred_at=when) is None


def test_filing_a_repair_request_reads_the_household_not_its_people(session, clock, estate):
    """The household's keys are all filing needs: its people (with their ID numbers) are not
    loaded -- counted with an SQLAlchemy event."""
    from sqlalchemy import event

    session.commit()
    session.expunge_all()
    tables = []

    def seen(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            tables.append(statement.split("FROM", 1)[1].split()[0])

    event.listen(session.bind, "before_cursor_execute", seen)
    try:
        entry = files.file_repair_request(work(session, clock, Caller.system(G, "archive")), {
            "ticket_id": "t9", "number": "BX-9", "category": "public_area", "content": "灯坏",
            "unit_id": "u1", "received_at": datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)})
        session.flush()
    finally:
        event.remove(session.bind, "before_cursor_execute", seen)
    assert (entry.household_id, entry.ref_number) == ("h1", "BX-9")
    assert tables == ["households", "correspondence"], tables


def test_balance_summary_ignores_stale_updates(session, clock, estate):
    w = work(session, clock, Caller.system(G, "archive"))
    late = datetime(2026, 11, 24, 2, tzinfo=timezone.utc)
    early = datetime(2026, 11, 24, 1, tzinfo=timezone.utc)
    files.record_balance(w, unit_id="u1", balance_due=Decimal("300.00"), as_of=late)
    files.record_balance(w, unit_id="u1", balance_due=Decimal("100.00"), as_of=early)
    assert session.get(Household, "h1").balance_due == Decimal("300.00")


def test_mask_helpers():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0755-8888999") == "075*****8999"
    assert mask_phone(None) is None
    assert mask_id_number("110101199001011237") == "1101**********1237"


def test_a_building_is_answered_to_its_project_s_staff_only(session, clock, estate):
    """``get_building`` (tickets checks an inspection area's building): another project's staff,
    another group and a resident learn nothing; an unknown id is building_not_found."""
    mine = staff(G, ["p1"], roles=["cs_manager"])
    assert (registry.get_building(work(session, clock, mine), "b1").project_id) == "p1"
    for caller, building_id in ((mine, "' OR 1=1 --"), (staff(G, ["p2"], roles=["cs_manager"]), "b1"),
                                (staff("group-2", ["p1"], roles=["cs_manager"]), "b1")):
        with pytest.raises(NotFound) as refused:
            registry.get_building(work(session, clock, caller), building_id)
        assert refused.value.code == "building_not_found"
    with pytest.raises((Forbidden, NotFound)):
        registry.get_building(work(session, clock, resident(G, ["u1"])), "b1")
