"""The census area's RPCs in a real archive container on the real broker, migrated with Alembic: the
queries for the other services answer through their schemas (steward_for_unit, household_summary,
contacts_for_notify), the census steps are idempotent, bad input is a typed error, archive's settings
are served; the daily jobs run in the container's job runner on its clock."""
import pytest
from nameko.exceptions import RemoteError

from kernel.tenancy import Caller
from kernel.testing import clock_of, migrated_sqlite, resident, service_config, staff, wait_for
from services.archive import schemas
from services.archive.service import ArchiveService

G = "group-1"
SYSTEM = Caller.system(G, "test")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre-1")
STEWARD = staff(G, ["p1"], roles=["steward"], user_id="st-a")


@pytest.fixture
def archive(container_factory, rabbit_config, tmp_path):
    container = container_factory(ArchiveService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "archive"), CLOCK="manual:2026-11-24T09:00:00+08:00",
        JOBS_POLL_INTERVAL=0.05))
    container.start()
    return container


def seed(rpc):
    rpc.call(SYSTEM, "archive", "register_project", {
        "id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential"})
    rpc.call(SYSTEM, "archive", "register_building", {"id": "b1", "project_id": "p1", "name": "1栋"})
    for u in ("u1", "u2"):
        rpc.call(SYSTEM, "archive", "register_unit", {"id": u, "building_id": "b1", "number": u,
                                                      "building_area": "89.37"})
    rpc.call(SYSTEM, "archive", "move_in", {
        "id": "h1", "unit_id": "u1", "moved_in_on": "2026-11-24",
        "people": [{"id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                    "id_number": "110101199001011237"}]})


def test_the_queries_for_the_others_answer_through_their_schemas(archive, rpc):
    seed(rpc)
    assert rpc.call(SYSTEM, "archive", "steward_for_unit", "u1") is None
    assigned = rpc.call(CS, "archive", "assign_steward", "p1", {
        "building_id": "b1", "steward_id": "st-a", "steward_name": "王管家", "work_phone": "0571-88880001"},
        idempotency_key="k1")
    assert assigned["changed"] is True and assigned["version"] == 1
    again = rpc.call(CS, "archive", "assign_steward", "p1", {
        "building_id": "b1", "steward_id": "st-a", "steward_name": "王管家", "work_phone": "0571-88880001"},
        idempotency_key="k1")
    assert again == assigned                                        # the same key: the first answer
    steward = rpc.call(resident(G, ["u1"]), "archive", "steward_for_unit", "u1")
    assert set(steward) == set(schemas.StewardForUnitOut().fields)
    assert (steward["steward_name"], steward["work_phone"], steward["source"]) == ("王管家", "0571-88880001", "building")

    summary = rpc.call(staff(G, ["p1"], roles=["engineering"]), "archive", "household_summary", "u1")
    assert summary["household"]["owners"] == ["张*"] and summary["household"]["people_by_role"] == {"owner": 1}
    assert summary["steward"]["steward_id"] == "st-a" and summary["census"]["open_task"] is None
    assert summary["census"]["next_due_on"] == "2027-02-24"

    contacts = rpc.call(SYSTEM, "archive", "contacts_for_notify", unit_id="u1")
    assert contacts["people"] == [{"person_id": "pe1", "name": "张伟", "role": "owner", "locale": "zh-CN",
                                   "phone": "13812345678", "email": None, "consents": {"marketing": None}}]
    with pytest.raises(RemoteError) as exc:
        rpc.call(SYSTEM, "archive", "contacts_for_notify", unit_id="u1", household_id="h1")
    assert exc.value.exc_type == "InvalidInput"
    with pytest.raises(RemoteError) as exc:
        rpc.call(staff(G, ["p1"], roles=["engineering"]), "archive", "contacts_for_notify", unit_id="u1",
                 purpose="看看")
    assert exc.value.exc_type == "FileAccessDenied"          # THE access check: no grant (403, logged)
    with pytest.raises(RemoteError) as exc:
        rpc.call(resident(G, ["u2"]), "archive", "household_summary", "u1")
    assert exc.value.exc_type == "UnitNotFound"


def test_the_census_runs_on_the_containers_clock_and_its_steps_are_idempotent(archive, rpc):
    seed(rpc)
    rpc.call(CS, "archive", "assign_steward", "p1", {"building_id": "b1", "steward_id": "st-a",
                                                     "steward_name": "王管家"})
    clock_of(archive).set("2027-02-17T01:31:00+08:00")
    page = wait_for(lambda: (p := rpc.call(STEWARD, "archive", "my_census_tasks", {"state": "open"}))["total"] and p,
                    timeout=20)
    task = page["items"][0]
    assert (task["household_id"], task["due_on"], task["steward"]["user_id"]) == ("h1", "2027-02-24", "st-a")

    read = rpc.call(STEWARD, "archive", "get_census_task", task["id"], "入户核查")
    assert read["household"]["people"][0]["phone"] == "13812345678"      # the steward calls them
    log = rpc.call(CS, "archive", "file_access_log", "h1")
    assert [(e["reader_id"], e["what"], e["purpose"]) for e in log] == [("st-a", "census_task", "入户核查")]

    body = {"people": [{"person_id": "pe1", "phone": "13900001111", "marketing_consent": False}]}
    done = rpc.call(STEWARD, "archive", "census_step", task["id"], "correct", body, idempotency_key="c1")
    assert done["status"] == "corrected" and done["next_due_on"] == "2027-05-17"
    assert rpc.call(STEWARD, "archive", "census_step", task["id"], "correct", body, idempotency_key="c1") == done
    with pytest.raises(RemoteError) as exc:                             # another body, the same key
        rpc.call(STEWARD, "archive", "census_step", task["id"], "confirm", {}, idempotency_key="c1")
    assert exc.value.exc_type == "IdempotencyKeyReused"
    with pytest.raises(RemoteError) as exc:
        rpc.call(STEWARD, "archive", "census_step", task["id"], "confirm", {})
    assert exc.value.exc_type == "CensusTransitionNotAllowed"
    with pytest.raises(RemoteError) as exc:
        rpc.call(STEWARD, "archive", "census_step", task["id"], "approve", {})
    assert exc.value.exc_type == "InvalidInput"
    with pytest.raises(RemoteError) as exc:
        rpc.call(STEWARD, "archive", "list_census_tasks", "p1", {"state": "late"})
    assert exc.value.exc_type == "InvalidInput"
    per_steward = rpc.call(CS, "archive", "census_by_steward", "p1")
    assert per_steward == []                                            # nothing open


def test_archive_serves_its_settings(archive, rpc):
    seed(rpc)
    keys = {s["key"]: s["value"] for s in rpc.call(CS, "archive", "get_settings", "p1")["settings"]}
    # archive's one catalogue (domain/settings.py): documents, access, census, retention, identity matches
    assert keys == {"archive.document_max_bytes": 10 * 1024 * 1024,
                    "archive.document_content_types": ["application/pdf", "image/jpeg", "image/png"],
                    "archive.grant_longest_days": 30,
                    "archive.census_every_months": 3, "archive.census_lead_days": 7,
                    "archive.correspondence_keep_years": 3, "archive.moved_out_keep_years": 3,
                    "archive.future_date_days": 30, "archive.identity_match_failures_per_day": 5,
                    "archive.identity_match_unit_failures_per_day": 15}
    with pytest.raises(RemoteError) as exc:
        rpc.call(CS, "archive", "set_setting", "p1", "archive.census_every_months", 2)
    assert exc.value.exc_type == "Forbidden"
    changed = rpc.call(CENTRE, "archive", "set_setting", "p1", "archive.census_every_months", 2, None, "试行")
    assert {s["key"]: s["value"] for s in changed["settings"]}["archive.census_every_months"] == 2
    assert rpc.call(CS, "archive", "retention_purges", "p1") == []


@pytest.fixture
def quiet_archive(container_factory, rabbit_config, tmp_path):
    """archive with its job runner off: only the command opens census tasks here."""
    container = container_factory(ArchiveService, service_config(
        rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "archive"), CLOCK="manual:2026-11-24T09:00:00+08:00",
        JOBS_ENABLED="false"))
    container.start()
    return container


def test_the_platform_runs_a_project_s_census_sweep_now_once(quiet_archive, rpc, rabbit_config, monkeypatch):
    """TRIAL11: ``./wuye archive census PROJECT`` (RPC ``run_census_sweep``, the platform only) runs the
    day's sweep now -- as billing's ``run_dunning_sweep`` -- and a second run opens nothing."""
    import io

    from kernel.testing import TEST_SECRET
    from services.archive import cli
    seed(rpc)
    rpc.call(SYSTEM, "archive", "move_in", {            # on file since August: its census is overdue
        "id": "h2", "unit_id": "u2", "moved_in_on": "2026-08-01",
        "people": [{"id": "pe2", "name": "李娜", "role": "owner", "phone": "13987654321"}]})
    for caller in (CS, CENTRE):
        with pytest.raises(RemoteError) as refused:
            rpc.call(caller, "archive", "run_census_sweep", "p1")
        assert refused.value.exc_type == "Forbidden" and "system_only" in refused.value.value
    assert rpc.call(CS, "archive", "list_census_tasks", "p1", {"state": "all"})["total"] == 0

    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    monkeypatch.setenv("WUYE_SECRET", TEST_SECRET)
    out = io.StringIO()
    assert cli.main(["census", "p1", "--by", "ops"], out=out) == 0
    assert out.getvalue().splitlines() == ["census sweep of project p1 for 2026-11-24: done",
                                           "  tasks opened   1", "  tasks open now 1"]
    tasks = rpc.call(CS, "archive", "list_census_tasks", "p1", {"state": "all"})["items"]
    assert [(t["household_id"], t["due_on"]) for t in tasks] == [("h2", "2026-12-01")]   # lead days from today

    again = rpc.call(SYSTEM, "archive", "run_census_sweep", "p1")
    assert again == {"project_id": "p1", "day": "2026-11-24", "opened": 0, "open": 1}
    assert set(again) == set(schemas.CensusSweepOut().fields)
    assert cli.main(["census", "no-such-project"], out=io.StringIO()) == 1
