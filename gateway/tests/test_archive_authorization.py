"""Object-level authorization of EVERY archive route (tag ``archive``), through the real gateway in
front of the real archive service on the broker: a resident of another unit, a steward of another
project and engineering staff of the project without a grant each get the expected refusal, and a
new archive route without an entry in :data:`ROUTES_UNDER_TEST` fails
:func:`test_every_archive_route_is_in_the_table`.

To add a route: one entry ``(METHOD, path template): Case(request=..., expect={...})`` -- the path's
``{...}`` names are filled from :data:`IDS` (``household_id`` h1 is u1's household in p1; add an id
there if the route names a new kind of object). ``expect`` gives, per intruder, the status (and
optionally the error code) it must get. Also here: the grant's life through the gateway
(Idempotency-Key), the access log as CSV, the contacts export only under a grant.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import gateway.service  # noqa: F401  (registers the routes)
from gateway import accounts
from gateway.routing import ROUTES
from gateway.service import GatewayService
from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.entrypoints import rpc
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, migrated_sqlite, service_config, staff
from kernel.work import Work
from services.archive.domain import settings as archive_settings
from kernel.storage import LocalStorage
from services.archive.domain import access, access_settings, census, documents, people, registry
from services.archive.events import CONTRACT
from services.archive.models import Base, CensusTask, Project
from services.archive.service import ArchiveService

G = "g1"
NOW = "2026-11-24T09:00:00+08:00"
PASSWORD = "pass-word-1"


@dataclass
class Case:
    """How to ask a route (``params`` / ``json``, or a multipart ``form`` with one ``file``), and what
    each intruder must get: ``status`` or ``(status, error code)``. Writes are sent with an
    Idempotency-Key of their own."""
    expect: dict
    params: dict = field(default_factory=dict)
    json: dict | None = None
    form: dict | None = None


GRANT_BODY = {"grantee_id": "{eng_id}", "scope": "household", "household_id": "h1", "purpose": "维修",
              "valid_until": "2026-11-25T09:00:00+08:00"}
ENGINEERING_SEES_ONLY_ITS_OWN = (200, None)
PDF = b"%PDF-1.4\n% authz\n"
HOUSEHOLD_HIDDEN = (404, "household_not_found")
PROJECT_HIDDEN = (404, "project_not_found")
UNIT_HIDDEN = (404, "unit_not_found")
ROLE = (403, "role_required")
STAFF_ONLY = (403, "staff_only")
NO_GRANT = (403, "file_access_denied")
#: ONE rule (TRIAL11 finding 12): another project's object -- household, document, grant, census task,
#: unit, project -- is 404, exactly as one that does not exist; another role of the same project
#: (the resident of u2 is of p1 too, for the project's routes) is 403.
#: a resident of another unit / a steward of another project / engineering without a grant
FILE_READ = {"resident": HOUSEHOLD_HIDDEN, "far_steward": HOUSEHOLD_HIDDEN, "engineering": NO_GRANT}
DESK_WRITE = {"resident": HOUSEHOLD_HIDDEN, "far_steward": HOUSEHOLD_HIDDEN, "engineering": ROLE}
DOCUMENT_READ = FILE_READ
CENSUS_TASK = {"resident": (404, "census_task_not_found"), "far_steward": (404, "census_task_not_found"),
               "engineering": ROLE}
PROJECT_MANAGERS = {"resident": ROLE, "far_steward": PROJECT_HIDDEN, "engineering": ROLE}
HANDOVER = {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务", "meter_readings_recorded": True,
            "deposit_handling": "none"}

#: every archive route: the intruders' answers. resident: a resident of u2 (not u1); far steward: a
#: steward of p2 (not p1); engineering: engineering staff of p1 without any grant.
ROUTES_UNDER_TEST: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/households/{household_id}/file"): Case(params={"purpose": "查看"}, expect=FILE_READ),
    ("GET", "/api/v1/households/{household_id}/file/access-log"): Case(
        expect={"resident": HOUSEHOLD_HIDDEN, "far_steward": HOUSEHOLD_HIDDEN, "engineering": ROLE}),
    ("POST", "/api/v1/projects/{project_id}/file-grants"): Case(json=GRANT_BODY, expect=PROJECT_MANAGERS),
    ("GET", "/api/v1/projects/{project_id}/file-grants"): Case(
        # engineering staff see their own grants only: none
        expect={"resident": STAFF_ONLY, "far_steward": PROJECT_HIDDEN, "engineering": ENGINEERING_SEES_ONLY_ITS_OWN}),
    ("POST", "/api/v1/file-grants/{grant_id}/revoke"): Case(
        json={"reason": "不再需要"},
        expect={"resident": (404, "grant_not_found"), "far_steward": (404, "grant_not_found"), "engineering": ROLE}),
    ("GET", "/api/v1/projects/{project_id}/file-access-log"): Case(expect=PROJECT_MANAGERS),
    ("GET", "/api/v1/projects/{project_id}/file-access-log.csv"): Case(expect=PROJECT_MANAGERS),
    ("GET", "/api/v1/projects/{project_id}/contacts.csv"): Case(
        params={"purpose": "导出"},
        expect={"resident": (403, "export_denied"), "far_steward": PROJECT_HIDDEN, "engineering": (403, "export_denied")}),
    # -- people, leases, checklist, move-out, transfer (reads: access.require_read) --
    ("GET", "/api/v1/households/{household_id}/people"): Case(expect=FILE_READ),
    ("POST", "/api/v1/households/{household_id}/people"): Case(
        json={"name": "闯入者", "role": "family"}, expect=DESK_WRITE),
    ("PUT", "/api/v1/people/{person_id}"): Case(
        json={"phone": "13700000001"},
        expect={"resident": (404, "person_not_found"), "far_steward": (404, "person_not_found"), "engineering": ROLE}),
    ("POST", "/api/v1/people/{person_id}/remove"): Case(
        json={"reason": "搬走"},
        expect={"resident": (404, "person_not_found"), "far_steward": (404, "person_not_found"), "engineering": ROLE}),
    ("GET", "/api/v1/households/{household_id}/people/history"): Case(expect=FILE_READ),
    ("POST", "/api/v1/households/{household_id}/leases"): Case(
        json={"start_on": "2026-12-01", "end_on": "2027-11-30", "tenants": [{"name": "租客"}]}, expect=DESK_WRITE),
    ("POST", "/api/v1/leases/{lease_id}/end"): Case(
        json={"ended_on": "2026-11-24"},
        expect={"resident": (404, "lease_not_found"), "far_steward": (404, "lease_not_found"), "engineering": ROLE}),
    ("GET", "/api/v1/households/{household_id}/checklist"): Case(expect=FILE_READ),
    ("POST", "/api/v1/households/{household_id}/checklist/{doc_type}"): Case(
        json={"status": "present"}, expect=DESK_WRITE),
    ("POST", "/api/v1/households/{household_id}/move-out"): Case(
        json={"moved_out_on": "2026-11-24", "reason": "relocated", **HANDOVER}, expect=DESK_WRITE),
    ("POST", "/api/v1/units/{unit_id}/transfer"): Case(
        json={"transferred_on": "2026-11-24", "household": {"people": [{"name": "新业主", "role": "owner"}]},
              "handover": HANDOVER},
        expect={"resident": UNIT_HIDDEN, "far_steward": UNIT_HIDDEN, "engineering": ROLE}),
    ("GET", "/api/v1/units/{unit_id}/ownerships"): Case(
        expect={"resident": UNIT_HIDDEN, "far_steward": UNIT_HIDDEN, "engineering": NO_GRANT}),
    # -- documents --
    ("POST", "/api/v1/households/{household_id}/documents"): Case(
        form={"doc_type": "covenant"}, expect=DESK_WRITE),
    ("GET", "/api/v1/households/{household_id}/documents"): Case(params={"purpose": "查看"}, expect=DOCUMENT_READ),
    ("GET", "/api/v1/households/{household_id}/documents/{document_id}/content"): Case(
        params={"purpose": "查看"}, expect=DOCUMENT_READ),
    ("GET", "/api/v1/households/{household_id}/file/catalogue"): Case(params={"purpose": "查看"}, expect=DOCUMENT_READ),
    ("GET", "/api/v1/projects/{project_id}/document-catalogue"): Case(expect=PROJECT_MANAGERS),
    ("PUT", "/api/v1/projects/{project_id}/document-catalogue"): Case(
        json={"entries": [{"section": "move_in", "doc_type": "move_in_notice", "title": "入伙通知书"}],
              "reason": "调整"}, expect=PROJECT_MANAGERS),
    # -- stewards' areas, the census, retention, the queries --
    ("GET", "/api/v1/projects/{project_id}/stewards"): Case(     # any staff member of the project
        expect={"resident": STAFF_ONLY, "far_steward": PROJECT_HIDDEN, "engineering": (200, None)}),
    ("POST", "/api/v1/projects/{project_id}/stewards"): Case(
        json={"building_id": "b-p1", "steward_id": "{steward_id}"}, expect=PROJECT_MANAGERS),
    ("POST", "/api/v1/projects/{project_id}/stewards/remove"): Case(
        json={"building_id": "b-p1"}, expect=PROJECT_MANAGERS),
    ("GET", "/api/v1/units/{unit_id}/steward"): Case(            # staff of the project: the work phone
        expect={"resident": UNIT_HIDDEN, "far_steward": UNIT_HIDDEN, "engineering": (200, None)}),
    ("GET", "/api/v1/units/{unit_id}/household-summary"): Case(  # any staff of the project (logged)
        expect={"resident": UNIT_HIDDEN, "far_steward": UNIT_HIDDEN, "engineering": (200, None)}),
    ("GET", "/api/v1/census-tasks/mine"): Case(                  # one's own: nothing of p1's
        expect={"resident": STAFF_ONLY, "far_steward": (200, None), "engineering": (200, None)}),
    ("GET", "/api/v1/projects/{project_id}/census-tasks"): Case(expect=PROJECT_MANAGERS),
    ("GET", "/api/v1/projects/{project_id}/census-by-steward"): Case(expect=PROJECT_MANAGERS),
    ("GET", "/api/v1/census-tasks/{task_id}"): Case(params={"purpose": "入户核查"}, expect=CENSUS_TASK),
    ("POST", "/api/v1/census-tasks/{task_id}/confirm"): Case(json={}, expect=CENSUS_TASK),
    ("POST", "/api/v1/census-tasks/{task_id}/correct"): Case(
        json={"people": [{"person_id": "{person_id}", "phone": "13700000002"}]}, expect=CENSUS_TASK),
    ("POST", "/api/v1/census-tasks/{task_id}/cancel"): Case(json={"reason": "闯入"}, expect=CENSUS_TASK),
    ("GET", "/api/v1/projects/{project_id}/retention-purges"): Case(expect=PROJECT_MANAGERS),
}
INTRUDERS = ("resident", "far_steward", "engineering")


def archive_routes() -> set[tuple[str, str]]:
    return {(spec.method, spec.path) for spec in ROUTES if "archive" in spec.tags}


def test_every_archive_route_is_in_the_table():
    missing = archive_routes() - set(ROUTES_UNDER_TEST)
    assert not missing, f"archive routes without an object-level authorization case: {sorted(missing)}"
    assert not set(ROUTES_UNDER_TEST) - archive_routes(), "cases for routes that do not exist"
    for key, case in ROUTES_UNDER_TEST.items():
        assert set(case.expect) == set(INTRUDERS), key


# -- the platform: archive and the gateway in real containers --------------------------------------

def seed_archive(url: str, storage_dir) -> dict:
    engine = make_engine(url)
    clock = ManualClock(NOW)
    with Session(engine, expire_on_commit=False) as session:
        def work(caller):
            return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                              settings=archive_settings.SETTINGS)
        w = work(Caller.system(G, "seed"))
        for pid, code in (("p1", "LH"), ("p2", "XH")):
            registry.register_project(w, {"id": pid, "group_id": G, "code": code, "name": code,
                                          "kind": "residential", "timezone": "Asia/Shanghai"})
            registry.register_building(w, {"id": f"b-{pid}", "project_id": pid, "name": "1栋"})
        for uid, pid, hid, phone in (("u1", "p1", "h1", "13812345678"), ("u2", "p1", "h2", "13987654321"),
                                     ("u3", "p2", "h3", "13700000000")):
            registry.register_unit(w, {"id": uid, "building_id": f"b-{pid}", "number": uid,
                                       "building_area": Decimal("90")})
            registry.move_in(w, {"id": hid, "unit_id": uid, "moved_in_on": date(2026, 3, 1), "people": [
                {"id": f"pe-{hid}", "name": f"业主{uid}", "role": "owner", "phone": phone,
                 "id_number": "110101199001011237"}]})
        census.sweep(w, session.get(Project, "p1"))      # h1's census falls due
        session.commit()
        desk = work(staff(G, ["p1"], roles=["front_desk"], user_id="seed-desk"))
        people.register_lease(desk, "h1", {"id": "l-h1", "start_on": date(2026, 4, 1), "end_on": date(2027, 3, 31),
                                           "tenants": [{"name": "租户甲", "phone": "13600000000"}]})
        document = documents.upload(desk, LocalStorage(storage_dir), "h1", {
            "doc_type": "owner_id_copy", "file_name": "id.pdf", "content_type": "application/pdf"}, PDF)
        task = session.scalars(select(CensusTask).where(CensusTask.household_id == "h1")).one()
        session.commit()
        grant = access.create_grant(work(staff(G, ["p1"], roles=["cs_manager"], user_id="seed-csm")), {
            "project_id": "p1", "grantee_id": "someone-else", "grantee_name": "某人", "scope": "household",
            "household_id": "h1", "purpose": "维修", "valid_until": clock.now().replace(day=25)})
        session.commit()
        ids = {"grant_id": grant.id, "person_id": "pe-h1", "lease_id": "l-h1", "task_id": task.id,
               "document_id": document.id, "unit_id": "u1", "doc_type": "covenant"}
    engine.dispose()
    return ids


class BillingStub:
    """billing's one question archive asks at a transfer (``has_arrears``): nothing unpaid here --
    the refusal with arrears is tested in archive's own tests and tests/e2e/test_transfer_arrears.py."""
    name = "billing"

    @rpc
    def has_arrears(self, unit_id):
        return {"unit_id": unit_id, "balance_due": "0.00", "overdue": "0.00", "as_of": "2026-11-24"}


@pytest.fixture
def platform(container_factory, rabbit_config, web_config, tmp_path):
    archive_url = migrated_sqlite(tmp_path, "archive")
    storage_dir = tmp_path / "archive-files"
    ids = seed_archive(archive_url, storage_dir)
    url = migrated_sqlite(tmp_path, "gateway")
    session = Session(make_engine(url))
    now = ManualClock(NOW).now()
    users = {}
    for name, kind, roles, projects, units in (
            ("owner", "resident", [], [], ["u1"]), ("resident", "resident", [], [], ["u2"]),
            ("far_steward", "staff", ["steward"], ["p2"], []), ("engineering", "staff", ["engineering"], ["p1"], []),
            ("cs", "staff", ["cs_manager"], ["p1"], []), ("auditor", "staff", ["auditor"], ["p1"], []),
            ("desk", "staff", ["front_desk"], ["p1"], []), ("steward", "staff", ["steward"], ["p1"], [])):
        users[name] = accounts.create_user(session, username=name, password=PASSWORD, display_name=f"{name}·用户",
                                           kind=kind, group_id=G, roles=roles, project_ids=projects, unit_ids=units,
                                           unit_projects={u: "p1" for u in units}, now=now).id
    session.commit()
    session.close()
    amqp = rabbit_config["AMQP_URI"]
    container_factory(ArchiveService, service_config(amqp, archive_url, CLOCK=f"manual:{NOW}",
                                                     STORAGE_DIR=str(storage_dir))).start()
    container_factory(BillingStub, service_config(amqp, archive_url)).start()        # no database of its own
    container = container_factory(GatewayService, dict(web_config, **service_config(
        amqp, url, CLOCK=f"manual:{NOW}", RPC_TIMEOUT=10, HEALTH_RPC_TIMEOUT=2, GATEWAY_WRITE_LIMIT_PER_MINUTE=0)))
    container.start()
    return {"users": users, "ids": dict(ids, household_id="h1", project_id="p1")}


def login(web_session, username):
    response = web_session.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def fill(template, values: dict):
    if isinstance(template, dict):
        return {k: fill(v, values) for k, v in template.items()}
    if isinstance(template, str):
        return template.format(**values)
    return template


def test_intruders_are_refused_on_every_archive_route(platform, web_session):
    values = dict(platform["ids"], eng_id=platform["users"]["engineering"], steward_id=platform["users"]["steward"])
    headers = {name: login(web_session, name) for name in INTRUDERS}
    failures = []
    for n, ((method, path), case) in enumerate(sorted(ROUTES_UNDER_TEST.items())):
        for who in INTRUDERS:
            want = case.expect[who]
            status, code = want if isinstance(want, tuple) else (want, None)
            sent = dict(headers[who])
            if method != "GET":
                sent["Idempotency-Key"] = f"authz-{who}-{n}"
            if case.form is not None:
                response = web_session.request(method, fill(path, values), headers=sent, data=case.form,
                                               files={"file": ("x.pdf", PDF, "application/pdf")})
            else:
                response = web_session.request(method, fill(path, values), headers=sent,
                                               params=case.params, json=fill(case.json, values))
            got_code = response.json().get("error") if response.headers.get("Content-Type", "").startswith(
                "application/json") and response.status_code >= 400 else None
            if response.status_code != status or (code and got_code != code):
                failures.append((method, path, who, response.status_code, got_code, status, code))
            if (method, path) == ("GET", "/api/v1/projects/{project_id}/file-grants") and who == "engineering":
                assert response.json()["items"] == []          # not the grant to someone else
    assert not failures, "\n".join(map(str, failures))


def test_a_resident_reads_their_own_file_only(platform, web_session):
    owner = login(web_session, "owner")
    own = web_session.get("/api/v1/households/h1/file", headers=owner, params={"purpose": "查看本户档案"})
    assert own.status_code == 200, own.text
    person = own.json()["household"]["people"][0]
    assert person["phone"] == "13812345678" and person["id_number"] == "1101**********1237"
    theirs = web_session.get("/api/v1/households/h2/file", headers=owner, params={"purpose": "x看看"})
    nowhere = web_session.get("/api/v1/households/h9/file", headers=owner, params={"purpose": "x看看"})
    assert theirs.status_code == nowhere.status_code == 404
    assert theirs.json()["error"] == nowhere.json()["error"]


def test_residents_need_no_purpose_staff_always_state_one(platform, web_session):
    """TRIAL11 finding 4: a resident's own read asks no purpose (logged "own household"); every staff
    route that asks one answers 400 purpose_required without it (one check: access.require_purpose)."""
    owner = login(web_session, "owner")
    for path in ("/api/v1/households/h1/file", "/api/v1/households/h1/documents", "/api/v1/households/h1/file/catalogue"):
        response = web_session.get(path, headers=owner)
        assert response.status_code == 200, (path, response.text)
    desk, cs = login(web_session, "desk"), login(web_session, "cs")
    task_id, document_id = platform["ids"]["task_id"], platform["ids"]["document_id"]
    for who, path in ((desk, "/api/v1/households/h1/file"), (desk, "/api/v1/households/h1/documents"),
                      (desk, f"/api/v1/households/h1/documents/{document_id}/content"),
                      (desk, "/api/v1/households/h1/file/catalogue"), (cs, f"/api/v1/census-tasks/{task_id}"),
                      (cs, "/api/v1/projects/p1/contacts.csv")):
        for params in ({}, {"purpose": "   "}):
            response = web_session.get(path, headers=who, params=params)
            assert (response.status_code, response.json()["error"]) == (400, "purpose_required"), (path, response.text)
    log = web_session.get("/api/v1/households/h1/file/access-log", headers=cs).json()
    assert {(r["what"], r["purpose"]) for r in log if r["reader_id"] == platform["users"]["owner"]} == {
        ("file", "own household"), ("documents", "own household"), ("catalogue", "own household")}
    # another project's staff learn nothing from the purpose check: 404 first
    far = web_session.get("/api/v1/households/h1/file", headers=login(web_session, "far_steward"))
    assert (far.status_code, far.json()["error"]) == (404, "household_not_found")


def test_a_grant_through_the_gateway_opens_the_file_until_revoked(platform, web_session):
    cs, eng = login(web_session, "cs"), login(web_session, "engineering")
    body = fill(GRANT_BODY, {"eng_id": platform["users"]["engineering"]})
    key = {"Idempotency-Key": "grant-eng-h1"}
    created = web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, **key}, json=body)
    assert created.status_code == 201, created.text
    g = created.json()
    assert (g["grantee_name"], g["state"], g["granted_by_id"]) == ("engineering·用户", "active", platform["users"]["cs"])
    again = web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, **key}, json=body)
    assert again.json()["id"] == g["id"]
    other = web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, **key}, json=dict(body, purpose="别的"))
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"
    keyless = web_session.post("/api/v1/projects/p1/file-grants", headers=cs, json=body)
    assert (keyless.status_code, keyless.json()["error"]) == (400, "idempotency_key_required")   # finding 13
    nobody = web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, "Idempotency-Key": "g-ghost"},
                              json=dict(body, grantee_id="ghost"))
    assert nobody.status_code == 422 and nobody.json()["error"] == "unknown_grantee"
    # TRIAL finding: a caller who may not grant (the auditor) hears the 403 whether or not the grantee is
    # an active staff member -- never 422 unknown_grantee, which would tell them who is staff
    auditor = login(web_session, "auditor")
    for n, grantee in enumerate(("ghost", platform["users"]["engineering"])):
        refused = web_session.post("/api/v1/projects/p1/file-grants", json=dict(body, grantee_id=grantee),
                                   headers={**auditor, "Idempotency-Key": f"g-audit-{n}"})
        assert (refused.status_code, refused.json()["error"]) == (403, "role_required"), refused.text
    too_long = web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, "Idempotency-Key": "g-long"},
                                json=dict(body, valid_until="2027-01-24T09:00:00+08:00"))
    assert too_long.status_code == 422 and too_long.json()["error"] == "grant_too_long"

    read = web_session.get("/api/v1/households/h1/file", headers=eng, params={"purpose": "维修联系业主"})
    assert read.status_code == 200 and read.json()["household"]["people"][0]["phone"] == "138****5678"
    revoked = web_session.post(f"/api/v1/file-grants/{g['id']}/revoke", headers={**cs, "Idempotency-Key": "rv-1"},
                               json={"reason": "已完成"})
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    refused = web_session.get("/api/v1/households/h1/file", headers=eng, params={"purpose": "维修联系业主"})
    assert refused.status_code == 403 and refused.json()["error"] == "file_access_denied"

    log = web_session.get("/api/v1/projects/p1/file-access-log", headers=login(web_session, "auditor"),
                          params={"reader_id": platform["users"]["engineering"]}).json()
    # both reads happened at the manual clock's one instant: the log is newest first by read_at, and
    # two rows of the same instant have no order between them (the tie is broken by the random id)
    assert sorted([(r["outcome"], r["grant_id"], r["refusal"]) for r in log["items"]], key=str) == sorted([
        ("refused", None, "grant_revoked"), ("allowed", g["id"], None)], key=str)
    assert len({r["read_at"] for r in log["items"]}) == 1
    # the auditor reads the log, not the files
    assert web_session.get("/api/v1/households/h1/file", headers=login(web_session, "auditor"),
                           params={"purpose": "审计"}).status_code == 403


def test_the_access_log_as_a_csv_file(platform, web_session):
    desk, eng = login(web_session, "desk"), login(web_session, "engineering")
    assert web_session.get("/api/v1/households/h1/file", headers=desk, params={"purpose": "=业主来电"}).status_code == 200
    assert web_session.get("/api/v1/households/h2/file", headers=eng, params={"purpose": "好奇"}).status_code == 403
    response = web_session.get("/api/v1/projects/p1/file-access-log.csv", headers=login(web_session, "auditor"))
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="file-access-log.csv"')
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["时间 At", "查阅人 Reader", "查阅人编号 Reader id", "角色 Roles"]
    by_reader = {r[2]: r for r in rows[1:]}
    refused, allowed = by_reader[platform["users"]["engineering"]], by_reader[platform["users"]["desk"]]
    # TRIAL11 finding 10: words, not codes -- the unit's label (the registry's), the roles, what was read
    # and why it was refused in Chinese; the household id kept to tell a unit's households apart
    assert rows[0][3:] == ["角色 Roles", "房屋 Unit", "查阅内容 What", "查阅目的 Purpose", "结果 Outcome",
                           "拒绝原因 Refusal", "业户编号 Household id", "授权编号 Grant id"]
    assert refused[3:10] == ["工程部", "1栋-u2", "业户档案", "好奇", "拒绝 refused", "无查阅授权", "h2"]
    assert allowed[3:6] == ["总台接待", "1栋-u1", "业户档案"] and allowed[8] == ""
    assert allowed[6] == "'=业主来电" and allowed[7] == "允许 allowed"    # a formula is quoted
    assert refused[0].endswith("+08:00")                                    # the project's time
    only = web_session.get("/api/v1/projects/p1/file-access-log.csv", headers=login(web_session, "cs"),
                           params={"outcome": "refused", "date_from": "2026-11-24", "date_to": "2026-11-24"})
    assert len(list(csv.reader(io.StringIO(only.content.decode("utf-8-sig"))))) == 2
    bad = web_session.get("/api/v1/projects/p1/file-access-log.csv", headers=login(web_session, "cs"),
                          params={"date_from": "2026-11-25", "date_to": "2026-11-24"})
    assert bad.status_code == 400


def test_archive_errors_read_in_chinese_with_their_codes_unchanged(platform, web_session):
    """TRIAL11 finding 9: every archive error's message carries the Chinese sentence first
    (``kernel.errors.bilingual``: ``中文 (English)``); the ``error`` code is what it was."""
    cs, eng = login(web_session, "cs"), login(web_session, "engineering")
    cases = [
        (web_session.get("/api/v1/households/h9/file", headers=cs, params={"purpose": "查看"}),
         404, "household_not_found", "未找到该业户 ("),
        (web_session.get("/api/v1/households/h1/file", headers=eng, params={"purpose": "查看"}),
         403, "file_access_denied", "业户档案由客服部查阅，其他人员须经客服部经理授权 ("),
        (web_session.get("/api/v1/households/h1/file", headers=cs),
         400, "purpose_required", "请填写查阅目的"),
        (web_session.get("/api/v1/projects/p1/file-access-log", headers=eng),
         403, "role_required", "需要以下角色之一："),
        (web_session.post("/api/v1/households/h1/people", headers={**eng, "Idempotency-Key": "zh-1"},
                          json={"name": "某人", "role": "family"}),
         403, "role_required", "需要以下角色之一："),
        (web_session.post("/api/v1/households/h1/people", headers=cs, json={"name": "某人", "role": "family"}),
         400, "idempotency_key_required", "此请求须带 Idempotency-Key 请求头"),
        (web_session.post("/api/v1/households/h1/people", headers={**cs, "Idempotency-Key": "zh-2"},
                          json={"name": "某人", "role": "landlord"}),
         400, "invalid_input", "以下字段填写有误：role ("),
        (web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, "Idempotency-Key": "zh-3"},
                          json=dict(fill(GRANT_BODY, {"eng_id": platform["users"]["cs"]}))),
         422, "grant_to_self", "不能给自己授权 ("),
    ]
    for response, status, code, said in cases:
        body = response.json()
        assert (response.status_code, body["error"]) == (status, code), response.text
        assert body["message"].startswith(said), body
    assert "需要以下角色之一：审计、服务中心经理、客服部经理" in cases[3][0].json()["message"]


def test_a_malformed_or_over_long_id_in_an_archive_path_is_404_never_5xx(platform, web_session):
    """TRIAL11 finding 14: an id no record can have -- too long, or not an id's characters -- answers
    the 404 of an id that does not exist (the name's code) on every archive route, before archive is
    asked; a document type of the wrong form is a 400."""
    cs = login(web_session, "cs")
    values = dict(platform["ids"], eng_id=platform["users"]["engineering"], steward_id=platform["users"]["steward"])
    bad_ids = ["x" * 5000, "h1'--", "业户", "a b", ".hidden"]
    checked = 0
    for n, ((method, path), case) in enumerate(sorted(ROUTES_UNDER_TEST.items())):
        names = [name for name in ("household_id", "project_id", "unit_id", "person_id", "lease_id", "grant_id",
                                   "document_id", "task_id") if "{" + name + "}" in path]
        for name in names:
            for k, bad in enumerate(bad_ids):
                url = fill(path, dict(values, **{name: bad}))
                sent = dict(cs, **({"Idempotency-Key": f"bad-id-{n}-{k}"} if method != "GET" else {}))
                if case.form is not None:
                    response = web_session.request(method, url, headers=sent, data=case.form,
                                                   files={"file": ("x.pdf", PDF, "application/pdf")})
                else:
                    response = web_session.request(method, url, headers=sent, params=case.params,
                                                   json=fill(case.json, values))
                want = "census_task_not_found" if name == "task_id" else name[:-3] + "_not_found"
                assert (response.status_code, response.json()["error"]) == (404, want), (method, path, name, bad[:20])
                assert response.json()["message"].startswith("未找到该")
                checked += 1
    assert checked >= 5 * 25
    for doc_type in ("x" * 300, "Covenant", "cov-enant"):
        response = web_session.post(f"/api/v1/households/h1/checklist/{doc_type}", json={"status": "present"},
                                    headers={**cs, "Idempotency-Key": f"bad-type-{doc_type[:8]}"})
        assert response.status_code == 400, response.text
    # an id of the right form that does not exist: the same answer, from archive
    missing = web_session.get("/api/v1/households/no-such-household/people", headers=cs)
    assert (missing.status_code, missing.json()["error"]) == (404, "household_not_found")


@pytest.fixture
def gateway_alone(container_factory, rabbit_config, web_config, tmp_path):
    """The gateway with no service behind it: whatever reaches a service answers 503, so a route that
    answers 404 for a bad path id answered it itself, before any service was asked."""
    url = migrated_sqlite(tmp_path, "gateway")
    session = Session(make_engine(url))
    accounts.create_user(session, username="cs", password=PASSWORD, display_name="cs·用户", kind="staff",
                         group_id=G, roles=["cs_manager", "centre_manager", "finance"], project_ids=["p1"],
                         now=ManualClock(NOW).now())
    session.commit()
    session.close()
    container = container_factory(GatewayService, dict(web_config, **service_config(
        rabbit_config["AMQP_URI"], url, CLOCK=f"manual:{NOW}", RPC_TIMEOUT=2, HEALTH_RPC_TIMEOUT=1,
        GATEWAY_WRITE_LIMIT_PER_MINUTE=0)))
    container.start()
    return container


#: ids no record can have: over-long, a quote, Chinese, a space, a leading dot
BAD_IDS = ["x" * 5000, "h1'--", "编号一", "a b", ".hidden"]


def test_a_malformed_or_over_long_id_in_any_path_is_404_never_5xx(gateway_alone, web_session):
    """TRIAL finding: ``GET /tickets/<5,000 characters>`` answered ``ticket_not_found`` echoing the whole
    id. On EVERY route of the OpenAPI document, each ``{..._id}`` of the path that no record can have
    answers the 404 of an id that does not exist -- the route's code for the name
    (``RouteSpec.path_id_not_found``: ``ticket_not_found``, ``bill_not_found``, ..., else ``not_found``) --
    before any service is asked (none runs here), documented as a 404, its message never echoing the id."""
    from gateway.openapi import build_document
    cs = login(web_session, "cs")
    specs = {(spec.method, spec.path): spec for spec in ROUTES}
    checked, tags = 0, set()
    for path, operations in sorted(build_document()["paths"].items()):
        for method, operation in operations.items():
            spec = specs[(method.upper(), path)]
            params = re.findall(r"\{(\w+)\}", path)
            names = [name for name in params if name.endswith("_id")]
            assert tuple(names) == spec.path_ids
            if not names:
                continue
            assert "404" in operation["responses"], (method, path)
            for name in names:
                for k, bad in enumerate(BAD_IDS):
                    values = {other: ("ok-1" if other.endswith("_id") else "x") for other in params}
                    url = path.format(**dict(values, **{name: bad}))
                    sent = dict(cs, **({"Idempotency-Key": f"bad-{checked}"} if method != "get" else {}))
                    response = web_session.request(method.upper(), url, headers=sent)
                    body = response.json()
                    assert response.status_code == 404, (method, path, name, bad[:20], response.text[:300])
                    assert body["error"] == spec.path_id_not_found(name), (method, path, name, body)
                    assert body["message"].startswith("未找到该"), body
                    assert bad not in body["message"] and "x" * 65 not in response.text, (method, path, name)
                    checked += 1
            tags.update(spec.tags)
    assert checked >= 5 * 150
    assert {"tickets", "feedback", "billing", "notify", "goods-release", "keys", "inspections", "renovation",
            "archive", "dunning", "complaints", "revisits", "vacant units"} <= tags
    ticket = web_session.get("/api/v1/tickets/" + "x" * 5000, headers=cs).json()
    assert ticket == {"error": "ticket_not_found", "message": "未找到该工单 (no ticket with that id)"}
    bill = web_session.get("/api/v1/bills/业户", headers=cs).json()
    assert (bill["error"], bill["message"]) == ("bill_not_found", "未找到该账单 (no bill with that id)")
    # an id of the right form reaches its service (here: none runs)
    assert web_session.get("/api/v1/tickets/t-1", headers=cs).status_code == 503
    # a name without a code of its own: the generic 404
    assert ROUTES[0].path_id_not_found("thing_id") == "not_found"


def test_contacts_leave_in_bulk_only_under_an_export_grant(platform, web_session):
    cs, desk = login(web_session, "cs"), login(web_session, "desk")
    refused = web_session.get("/api/v1/projects/p1/contacts.csv", headers=cs, params={"purpose": "通讯录"})
    assert refused.status_code == 403 and refused.json()["error"] == "export_denied"   # not even the CS head
    granted = web_session.post("/api/v1/projects/p1/file-grants", headers={**cs, "Idempotency-Key": "export-1"}, json={
        "grantee_id": platform["users"]["desk"], "scope": "project", "export": True,     # read: false by its scope
        "purpose": "年度普查通讯录", "valid_until": "2026-11-24T18:00:00+08:00"})
    assert granted.status_code == 201, granted.text
    response = web_session.get("/api/v1/projects/p1/contacts.csv", headers=desk, params={"purpose": "年度普查通讯录"})
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["房屋 Unit", "姓名 Name", "身份 Role"]
    assert [(r[1], r[3]) for r in rows[1:]] == [("业主u1", "13812345678"), ("租户甲", "13600000000"),
                                                 ("业主u2", "13987654321")]


def test_archive_s_settings_are_read_through_the_settings_routes(platform, web_session):
    got = web_session.get("/api/v1/projects/p1/settings/archive", headers=login(web_session, "cs"))
    assert got.status_code == 200, got.text
    [longest] = [x for x in got.json()["settings"] if x["key"] == "archive.grant_longest_days"]
    assert (longest["value"], longest["default"], longest["unit"]) == (30, 30, "days")
    changed = web_session.put("/api/v1/projects/p1/settings/archive",
                              headers={**login(web_session, "cs"), "Idempotency-Key": "set-1"},
                              json={"key": "archive.grant_longest_days", "value": 7, "reason": "收紧"})
    assert changed.status_code == 403                   # the centre manager's, not the CS head's


def test_the_user_admin_takes_the_auditor_role(tmp_path):
    """``./wuye user create --role auditor`` (审计): a staff role like the others."""
    import subprocess
    import sys

    from kernel.config import ROOT
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    made = subprocess.run([sys.executable, "-m", "gateway.cli", "--db-url", url, "create", "--username", "audit1",
                           "--name", "审计·王", "--kind", "staff", "--group", "g1", "--role", "auditor", "--project",
                           "p1", "--password", "audit-pass-1"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    assert "roles=auditor" in made.stdout


def test_a_transfer_naming_the_current_household_is_refused_not_dropped(platform, web_session):
    """Trial finding: ``household.id`` = the unit's current household (the owners who transfer it)
    answered 200 with ``old_household_id: null`` and did nothing -- the new owner silently dropped. It
    is 409 duplicate_household (Chinese first); the unit keeps its owner; a real transfer, sent again
    with a new key, is the same answer."""
    desk, cs = login(web_session, "desk"), login(web_session, "cs")
    body = {"transferred_on": "2026-11-24", "handover": HANDOVER,
            "household": {"id": "h1", "people": [{"name": "赵敏", "role": "owner"}]}}
    refused = web_session.post("/api/v1/units/u1/transfer", headers={**desk, "Idempotency-Key": "tr-h1"}, json=body)
    assert (refused.status_code, refused.json()["error"]) == (409, "duplicate_household"), refused.text
    assert refused.json()["message"].startswith("该业户是本房屋的现业户")
    owners = web_session.get("/api/v1/units/u1/ownerships", headers=cs).json()
    assert [(o["household_id"], o["owners"][0]["name"], o["to_on"]) for o in owners] == [("h1", "业主u1", None)]
    other = web_session.post("/api/v1/units/u1/transfer", headers={**desk, "Idempotency-Key": "tr-h2"},
                             json=dict(body, household={"id": "h2", "people": [{"name": "赵敏", "role": "owner"}]}))
    assert (other.status_code, other.json()["error"]) == (409, "duplicate_household")     # another unit's
    new = dict(body, household={"id": "h-zm", "people": [{"name": "赵敏", "role": "owner"}]})
    done = web_session.post("/api/v1/units/u1/transfer", headers={**desk, "Idempotency-Key": "tr-new"}, json=new)
    assert done.status_code == 201 and done.json()["old_household_id"] == "h1", done.text
    again = web_session.post("/api/v1/units/u1/transfer", headers={**desk, "Idempotency-Key": "tr-new-2"}, json=new)
    assert again.status_code == 200 and again.json()["ownership"]["id"] == done.json()["ownership"]["id"]
    assert again.json()["old_household_id"] == "h1"


def test_the_auditor_reads_the_log_and_grants_nothing_of_a_household(platform, web_session):
    """Trial finding: the auditor (审计) read a household's members through the unit overview (names in
    full, no access-log row) while the household's people were 403. The overview, the household
    summary and every other unit or household read answer 403 to a caller whose only role is the
    auditor's; the access log and the grants stay theirs."""
    auditor, cs = login(web_session, "auditor"), login(web_session, "cs")
    for path, code in (("/api/v1/units/u1/overview", "role_required"),
                       ("/api/v1/units/u1/household-summary", "file_access_denied"),
                       ("/api/v1/tickets?project_id=p1", "role_required"),
                       ("/api/v1/feedback?project_id=p1", "role_required"),
                       ("/api/v1/units/u1/account", "role_required"),
                       ("/api/v1/units/u1/notifications", "role_required"),
                       ("/api/v1/households/h1/people", "file_access_denied")):
        response = web_session.get(path, headers=auditor)
        assert (response.status_code, response.json()["error"]) == (403, code), (path, response.text)
        assert "业主u1" not in response.text
    said = web_session.get("/api/v1/units/u1/overview", headers=auditor).json()["message"]
    assert said.startswith("审计只查阅业户档案的查阅记录和查阅授权")
    for path in ("/api/v1/projects/p1/file-access-log", "/api/v1/projects/p1/file-grants", "/api/v1/me",
                 "/api/v1/projects", "/api/v1/units/u1"):
        assert web_session.get(path, headers=auditor).status_code == 200, path
    # the summary the auditor was refused is a row of the log; the customer service reads the overview
    log = web_session.get("/api/v1/projects/p1/file-access-log", headers=cs,
                          params={"reader_id": platform["users"]["auditor"]}).json()
    assert {(r["what"], r["outcome"]) for r in log["items"]} >= {("summary", "refused")}
    overview = web_session.get("/api/v1/units/u1/overview", headers=cs)
    assert overview.status_code == 200 and overview.json()["household"]["people"][0]["name"] == "业主u1"
