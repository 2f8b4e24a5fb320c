"""archive in a real nameko container on the real broker, migrated with Alembic."""
import pytest
from nameko.exceptions import RemoteError

from kernel.tenancy import Caller
from kernel.testing import (migrated_sqlite, publish_event, resident,
                            service_config, staff, wait_for)
from services.archive.service import ArchiveService

G = "group-1"
SYSTEM = Caller.system(G, "test")


@pytest.fixture
def archive(container_factory, rabbit_config, tmp_path):
    container = container_factory(ArchiveService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "archive")))
    container.start()
    return container



@pytest.fixture
def capture(capture_events):
    return capture_events("archive")


def seed(rpc):
    rpc.call(SYSTEM, "archive", "register_project", {
        "id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential"})
    rpc.call(SYSTEM, "archive", "register_building", {"id": "b1", "project_id": "p1", "name": "1栋"})
    rpc.call(SYSTEM, "archive", "register_unit", {"id": "u1", "building_id": "b1", "number": "0101",
                                                  "building_area": "89.37"})
    return rpc.call(SYSTEM, "archive", "move_in", {
        "id": "h1", "unit_id": "u1", "moved_in_on": "2026-03-01",
        "people": [{"name": "张伟", "role": "owner", "phone": "13812345678",
                    "id_number": "110101199001011237"}]})


def test_registry_over_rpc_publishes_events(archive, rpc, capture):
    household = seed(rpc)
    assert household["created"] is True and household["people"][0]["phone"] == "13812345678"
    unit_event = capture.wait_for("unit.changed")[0]
    assert unit_event["data"]["building_area"] == "89.37" and unit_event["project_id"] == "p1"
    hh_event = capture.wait_for("household.changed")[0]
    assert hh_event["data"]["people"][0]["name"] == "张伟"
    assert "id_number" not in hh_event["data"]["people"][0]


def test_bad_input_is_a_typed_error_and_writes_nothing(archive, rpc):
    seed(rpc)
    with pytest.raises(RemoteError) as exc:
        rpc.call(SYSTEM, "archive", "register_unit", {"building_id": "b1", "number": "0102",
                                                      "building_area": "-3"})
    assert exc.value.exc_type == "InvalidInput"
    assert [u["number"] for u in rpc.call(SYSTEM, "archive", "list_units", "p1")] == ["0101"]
    with pytest.raises(RemoteError) as exc:
        rpc.call(SYSTEM, "archive", "move_in", {"unit_id": "u1", "moved_in_on": "2026-11-01",
                                                "people": [{"name": "X", "role": "owner"}]})
    assert exc.value.exc_type == "UnitOccupied"


def test_scope_is_enforced_by_the_service(archive, rpc):
    seed(rpc)
    outsider = staff(G, ["p2"], roles=["cs_manager"])
    with pytest.raises(RemoteError) as exc:
        rpc.call(outsider, "archive", "get_unit", "u1")
    assert exc.value.exc_type == "Forbidden"
    with pytest.raises(RemoteError) as exc:
        rpc.call({}, "archive", "get_unit", "u1")
    assert exc.value.exc_type == "Unauthenticated"
    mine = rpc.call(resident(G, ["u1"]), "archive", "get_household_for_unit", "u1")
    assert mine["people"][0]["phone"] == "13812345678"
    masked = rpc.call(staff(G, ["p1"], roles=["security"]), "archive",
                      "get_household_for_unit", "u1")
    assert masked["people"][0]["phone"] == "138****5678" and masked["masked"] is True


def test_ticket_opened_is_filed_in_the_household_file(archive, rpc, rabbit_config):
    seed(rpc)
    data = {"ticket_id": "t1", "number": "BX-20261124-0001", "unit_id": "u1",
            "category": "public_area", "content": "楼道灯不亮", "received_at": "2026-11-24T01:00:00+00:00"}
    event = publish_event(rabbit_config["AMQP_URI"], "tickets", "ticket.opened", data,
                          group_id=G, project_id="p1")
    # the same event delivered twice is filed once
    publish_event(rabbit_config["AMQP_URI"], "tickets", "ticket.opened", data,
                  group_id=G, project_id="p1", event_id=event.id)
    cs = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
    file = wait_for(lambda: (f := rpc.call(cs, "archive", "read_household_file", "h1", "test"))
                    and f["correspondence"] and f)
    assert [(c["ref_number"], c["summary"]) for c in file["correspondence"]] == [
        ("BX-20261124-0001", "公共区域报修: 楼道灯不亮")]
    log = rpc.call(cs, "archive", "file_access_log", "h1")
    assert log and all(entry["reader_id"] == "cs-1" for entry in log)
