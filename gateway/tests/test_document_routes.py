"""Documents of a household file through the gateway (issue 11), with the real archive service on the
real broker and its content in a local storage directory: the desk uploads a document (multipart,
Idempotency-Key), a second version, both are downloaded with their checksums (ETag, the bytes as
sent), the file's catalogue shows the type present, the household's resident downloads their own,
and another project's staff and a neighbour get 404. Bad uploads: 400 / 413 / 415, never a 5xx."""
from __future__ import annotations

import hashlib
from urllib.parse import quote

import pytest
from sqlalchemy.orm import Session

from gateway import accounts
from gateway.service import GatewayService
from kernel.clock import SystemClock
from kernel.db import make_engine
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, migrated_sqlite, service_config, wait_for
from kernel.work import Work
from services.archive.domain import retention
from services.archive.events import CONTRACT as ARCHIVE_CONTRACT
from services.archive.models import Base as ArchiveBase
from services.archive.models import Household
from services.archive.service import ArchiveService

G = "g1"
PASSWORD = "document-pass-1"
PDF_1 = b"%PDF-1.4\n% the purchase contract\n%%EOF\n"
PDF_2 = b"%PDF-1.4\n% the purchase contract, signed\n%%EOF\n"
USERS = {  # username: (kind, roles, projects, units)
    "desk.lh": ("staff", ["front_desk"], ["p1"], []),
    "cs.lh": ("staff", ["cs_manager"], ["p1"], []),
    "centre.lh": ("staff", ["centre_manager"], ["p1"], []),
    "eng.lh": ("staff", ["engineering"], ["p1"], []),
    "desk.xh": ("staff", ["front_desk", "cs_manager"], ["p2"], []),
    "zhangwei": ("resident", [], [], ["u1"]),
    "neighbour": ("resident", [], [], ["u2"]),
}


@pytest.fixture
def storage_config(tmp_path):
    """archive's storage: a local directory (the default backend)."""
    return {"STORAGE_DIR": str(tmp_path / "archive-files")}


@pytest.fixture
def platform(container_factory, rabbit_config, web_config, rpc, tmp_path, storage_config):
    amqp = rabbit_config["AMQP_URI"]
    archive_url = migrated_sqlite(tmp_path, "archive")
    archive = container_factory(ArchiveService, service_config(amqp, archive_url, JOBS_POLL_INTERVAL=0.1,
                                                               **storage_config))
    url = migrated_sqlite(tmp_path, "gateway")
    session = Session(make_engine(url))
    now = SystemClock().now()
    for username, (kind, roles, projects, units) in USERS.items():
        accounts.create_user(session, username=username, password=PASSWORD, display_name=username, kind=kind,
                             group_id=G, roles=roles, project_ids=projects, unit_ids=units,
                             unit_projects={u: "p1" for u in units}, now=now)
    session.commit()
    session.close()
    gateway = container_factory(GatewayService, dict(web_config, **service_config(amqp, url, RPC_TIMEOUT=10)))
    archive.start()
    gateway.start()
    system = Caller.system(G, "test")
    for pid, code in (("p1", "LH"), ("p2", "XH")):
        rpc.call(system, "archive", "register_project", {"id": pid, "group_id": G, "code": code, "name": code,
                                                         "kind": "residential"})
        rpc.call(system, "archive", "register_building", {"id": f"b-{pid}", "project_id": pid, "name": "1栋"})
    for uid in ("u1", "u2"):
        rpc.call(system, "archive", "register_unit", {"id": uid, "building_id": "b-p1", "number": uid,
                                                      "building_area": "89.37"})
    for hid, uid in (("h1", "u1"), ("h2", "u2")):
        rpc.call(system, "archive", "move_in", {"id": hid, "unit_id": uid, "moved_in_on": "2026-03-01",
                                                "people": [{"name": "张伟", "role": "owner"}],
                                                "documents_received": ["move_in_notice"]})
    return {"storage": tmp_path / "archive-files", "archive_url": archive_url}


def login(web_session, username):
    answer = web_session.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def upload(web_session, who, content, key, doc_type="purchase_contract", name="购房合同.pdf",
           content_type="application/pdf", household="h1", **fields):
    headers = dict(who, **({"Idempotency-Key": key} if key else {}))
    return web_session.post(f"/api/v1/households/{household}/documents", headers=headers,
                            data={"doc_type": doc_type, **fields}, files={"file": (name, content, content_type)})


def test_upload_version_download_catalogue_and_scope(platform, web_session):
    desk, cs = login(web_session, "desk.lh"), login(web_session, "cs.lh")
    docs = "/api/v1/households/h1/documents"

    first = upload(web_session, desk, PDF_1, "contract-1", note="copy seen against the original")
    assert first.status_code == 201, first.text
    v1 = first.json()
    assert (v1["version"], v1["current"], v1["doc_type"], v1["file_name"]) == (1, True, "purchase_contract",
                                                                              "购房合同.pdf")
    assert v1["sha256"] == hashlib.sha256(PDF_1).hexdigest() and v1["size"] == len(PDF_1)
    assert v1["content_type"] == "application/pdf" and v1["uploaded_by"]["name"] == "desk.lh"
    # the same key again (a retry after a timeout): the same answer, no second version
    again = upload(web_session, desk, PDF_1, "contract-1", note="copy seen against the original")
    assert again.json() == v1
    reused = upload(web_session, desk, PDF_2, "contract-1", note="copy seen against the original")
    assert (reused.status_code, reused.json()["error"]) == (422, "idempotency_key_reused")
    missing_key = upload(web_session, desk, PDF_2, None)
    assert (missing_key.status_code, missing_key.json()["error"]) == (400, "idempotency_key_required")

    second = upload(web_session, desk, PDF_2, "contract-2", name="contract signed.pdf")
    assert second.status_code == 201, second.text
    v2 = second.json()
    assert v2["version"] == 2 and v2["sha256"] == hashlib.sha256(PDF_2).hexdigest()

    # the versions, newest first; staff say why
    listed = web_session.get(docs, headers=cs, params={"purpose": "check the purchase contract"})
    assert listed.status_code == 200, listed.text
    assert [(d["version"], d["current"]) for d in listed.json()] == [(2, True), (1, False)]
    no_purpose = web_session.get(docs, headers=cs)
    assert (no_purpose.status_code, no_purpose.json()["error"]) == (400, "purpose_required")

    # both versions downloaded, each with its checksum as ETag and the bytes as sent
    for version, content in ((v1, PDF_1), (v2, PDF_2)):
        got = web_session.get(f"{docs}/{version['id']}/content", headers=cs, params={"purpose": "compare"})
        assert got.status_code == 200, got.text
        assert got.content == content and hashlib.sha256(got.content).hexdigest() == version["sha256"]
        assert got.headers["ETag"] == f'"{version["sha256"]}"'
        assert got.headers["Content-Type"] == "application/pdf"
        assert got.headers["X-Content-Type-Options"] == "nosniff"
        disposition = got.headers["Content-Disposition"]
        assert disposition.startswith(f'attachment; filename="purchase_contract-v{version["version"]}.pdf"')
        assert f"filename*=UTF-8''{quote(version['file_name'], safe='')}" in disposition

    # the file's catalogue: the contract present with its current version; move-in's ticked notice present
    catalogue = web_session.get("/api/v1/households/h1/file/catalogue", headers=cs, params={"purpose": "audit"})
    assert catalogue.status_code == 200, catalogue.text
    items = {i["doc_type"]: i for i in catalogue.json()["items"]}
    assert items["purchase_contract"]["present"] and items["purchase_contract"]["current"]["version"] == 2
    assert items["move_in_notice"]["present"] and items["move_in_notice"]["current"] is None
    assert "purchase_contract" not in catalogue.json()["missing"] and "covenant" in catalogue.json()["missing"]
    # ... and the household file read shows it too
    file = web_session.get("/api/v1/households/h1/file", headers=cs, params={"purpose": "audit"}).json()
    assert {d["doc_type"]: d["status"] for d in file["catalogue"]}["purchase_contract"] == "present"

    # the household's own resident reads their documents (no purpose needed); does not upload
    resident = login(web_session, "zhangwei")
    own = web_session.get(f"{docs}/{v2['id']}/content", headers=resident)
    assert own.status_code == 200 and own.content == PDF_2
    assert upload(web_session, resident, PDF_2, "resident-1").status_code == 403

    # another project's staff, a neighbour: 404 on every route, as for what does not exist
    for outsider in (login(web_session, "desk.xh"), login(web_session, "neighbour")):
        for path in (docs, f"{docs}/{v1['id']}/content", "/api/v1/households/h1/file/catalogue"):
            refused = web_session.get(path, headers=outsider, params={"purpose": "look around"})
            assert (refused.status_code, refused.json()["error"]) == (404, "household_not_found"), path
        assert upload(web_session, outsider, PDF_1, "outsider-1").status_code == 404
    # another role of the project: refused (403), nothing read
    engineer = web_session.get(docs, headers=login(web_session, "eng.lh"), params={"purpose": "curious"})
    assert (engineer.status_code, engineer.json()["error"]) == (403, "file_access_denied")

    # every read is in the file's access log
    log = web_session.get("/api/v1/households/h1/file/access-log", headers=cs).json()
    reads = [(r["purpose"], r["what"], r["outcome"]) for r in log]
    assert ("check the purchase contract", "documents", "allowed") in reads
    assert ("compare", "document:purchase_contract v1", "allowed") in reads
    assert ("compare", "document:purchase_contract v2", "allowed") in reads
    assert ("own household", "document:purchase_contract v2", "allowed") in reads
    # a refusal is a line too; a neighbour's or another project's probe never reached the file
    assert {r for r in reads if r[0] == "curious"} == {("curious", "documents", "refused")}
    assert not [r for r in reads if r[0] == "look around"]


def test_an_erased_version_is_410_gone_and_listed_as_erased(platform, web_session):
    """The retention erasure (run here on archive's database as the retention job runs it) marks the
    household's versions erased; the running archive's job runner deletes the bytes through its store
    (``work.storage``); a download answers 410 document_erased with {error, message}; the listing keeps
    each version's record, marked erased."""
    desk, cs = login(web_session, "desk.lh"), login(web_session, "cs.lh")
    v1 = upload(web_session, desk, PDF_1, "erase-1").json()
    stored = platform["storage"] / "archive" / G / "p1" / "households" / "h1" / v1["id"]
    assert stored.is_file()

    engine = make_engine(platform["archive_url"])
    try:
        with Session(engine) as session, session.begin():
            work = Work.build(session, SystemClock(), Caller.system(G, "retention"), base=ArchiveBase,
                              contract=ARCHIVE_CONTRACT, secret=TEST_SECRET)
            counts = retention.erase_household(work, session.get(Household, "h1"))
        assert counts["documents_erased"] == 1
    finally:
        engine.dispose()
    wait_for(lambda: not stored.exists(), timeout=20, message="archive's job runner deleted the erased content")

    got = web_session.get(f"/api/v1/households/h1/documents/{v1['id']}/content", headers=cs,
                          params={"purpose": "check"})
    assert got.status_code == 410, got.text
    assert got.json()["error"] == "document_erased" and "retention" in got.json()["message"]
    listed = web_session.get("/api/v1/households/h1/documents", headers=cs, params={"purpose": "check"}).json()
    assert [(d["id"], d["version"], d["sha256"], d["erased"], d["erased_at"] is not None) for d in listed] == \
        [(v1["id"], 1, v1["sha256"], True, True)]


def test_bad_uploads_are_4xx_and_the_limit_is_a_project_setting(platform, web_session):
    desk, centre = login(web_session, "desk.lh"), login(web_session, "centre.lh")
    not_a_pdf = upload(web_session, desk, b"MZ\x90\x00 an executable", "bad-1")
    assert (not_a_pdf.status_code, not_a_pdf.json()["error"]) == (415, "unsupported_document_type")
    lying = upload(web_session, desk, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "bad-2")       # declared a PDF
    assert lying.status_code == 415
    unknown = upload(web_session, desk, PDF_1, "bad-3", doc_type="birthday_card")
    assert (unknown.status_code, unknown.json()["error"]) == (422, "unknown_doc_type")
    as_json = web_session.post("/api/v1/households/h1/documents", headers=dict(desk, **{"Idempotency-Key": "bad-4"}),
                               json={"doc_type": "covenant"})
    assert (as_json.status_code, as_json.json()["error"]) == (415, "multipart_required")
    no_file = web_session.post("/api/v1/households/h1/documents", headers=dict(desk, **{"Idempotency-Key": "bad-5"}),
                               data={"doc_type": "covenant"}, files={"other": ("x.pdf", PDF_1)})
    assert (no_file.status_code, no_file.json()["error"]) == (400, "file_required")
    bad_type = upload(web_session, desk, PDF_1, "bad-6", doc_type="../../etc")
    assert bad_type.status_code == 400

    # the centre manager lowers the project's limit (archive's settings, as the other services')
    changed = web_session.put("/api/v1/projects/p1/settings/archive", headers=dict(centre, **{"Idempotency-Key": "s1"}),
                              json={"key": "archive.document_max_bytes", "value": 1024, "reason": "small scans"})
    assert changed.status_code == 200, changed.text
    big = upload(web_session, desk, PDF_1 + b"x" * 1024, "big-1")
    assert (big.status_code, big.json()["error"]) == (413, "document_too_large")
    assert big.json()["details"]["max_bytes"] == 1024
    # nothing was filed, nothing stored
    docs = web_session.get("/api/v1/households/h1/documents", headers=desk, params={"purpose": "check"}).json()
    assert docs == []
    assert not any(p.is_file() for p in platform["storage"].rglob("*")) if platform["storage"].exists() else True

    # the project's catalogue: read by customer service, saved by the CS manager / centre manager
    catalogue = web_session.get("/api/v1/projects/p1/document-catalogue", headers=desk).json()
    assert catalogue["source"] == "group_default" and catalogue["entries"][0]["doc_type"] == "move_in_notice"
    entries = [{"section": "move_in", "doc_type": "move_in_notice", "title": "入伙通知书"},
               {"section": "move_in", "doc_type": "parking_contract", "title": "车位租赁合同"}]
    refused = web_session.put("/api/v1/projects/p1/document-catalogue", headers=dict(desk, **{"Idempotency-Key": "c1"}),
                              json={"entries": entries})
    assert refused.status_code == 403
    saved = web_session.put("/api/v1/projects/p1/document-catalogue", headers=dict(centre, **{"Idempotency-Key": "c2"}),
                            json={"entries": entries, "reason": "we keep parking contracts too"})
    assert saved.status_code == 200, saved.text
    assert saved.json()["source"] == "project" and [e["condition"] for e in saved.json()["entries"]] == ["always"] * 2
    other = web_session.get("/api/v1/projects/p1/document-catalogue", headers=login(web_session, "desk.xh"))
    assert other.status_code == 404


class TestInAnS3Bucket:
    """The same archive with ``ARCHIVE_STORAGE_URL``: the content goes to an S3-compatible server (moto's,
    real HTTP) under the prefix and our key, and comes back checked."""

    @pytest.fixture
    def storage_config(self, s3_server):
        self.s3 = s3_server
        return s3_server.config(prefix="wuye/archive")

    def test_upload_and_download_through_the_bucket(self, platform, web_session):
        desk = login(web_session, "desk.lh")
        v1 = upload(web_session, desk, PDF_1, "s3-1").json()
        v2 = upload(web_session, desk, PDF_2, "s3-2").json()
        assert (v1["version"], v2["version"]) == (1, 2)
        listed = self.s3.client().list_objects_v2(Bucket=self.s3.bucket, Prefix=f"wuye/archive/archive/{G}/p1/")
        keys = {o["Key"] for o in listed.get("Contents", [])}
        assert keys == {f"wuye/archive/archive/{G}/p1/households/h1/{v['id']}" for v in (v1, v2)}
        got = web_session.get(f"/api/v1/households/h1/documents/{v1['id']}/content", headers=desk,
                              params={"purpose": "check"})
        assert got.status_code == 200 and got.content == PDF_1 and got.headers["ETag"] == f'"{v1["sha256"]}"'
        # bytes changed in the bucket behind our back: refused, not served
        self.s3.client().put_object(Bucket=self.s3.bucket, Key=f"wuye/archive/archive/{G}/p1/households/h1/{v1['id']}",
                                    Body=PDF_1 + b"tampered")
        tampered = web_session.get(f"/api/v1/households/h1/documents/{v1['id']}/content", headers=desk,
                                   params={"purpose": "check"})
        assert (tampered.status_code, tampered.json()["error"]) == (409, "document_checksum_mismatch")


def test_hidden_characters_and_spoofed_file_names(platform, web_session):
    """TRIAL11 finding 7: controls, bidi and zero-width characters are refused in titles and notes (NUL
    inside multipart too); an uploaded file's name is shown without them, without quotes or path parts
    and with its real extension; a part naming its file twice is refused."""
    desk, cs = login(web_session, "desk.lh"), login(web_session, "cs.lh")
    bad_title = upload(web_session, desk, PDF_1, "hidden-1", doc_type="other", title="\u202e\u0000bad\u200b")
    assert (bad_title.status_code, bad_title.json()["error"]) == (400, "invalid_input"), bad_title.text
    bad_note = upload(web_session, desk, PDF_1, "hidden-2", note="ok\u2066x\u2069")
    assert bad_note.status_code == 400
    spoofed = upload(web_session, desk, PDF_1, "hidden-3", name="a\u202egpj.exe")
    assert spoofed.status_code == 201, spoofed.text
    assert spoofed.json()["file_name"] == "agpj.exe"
    got = web_session.get(f"/api/v1/households/h1/documents/{spoofed.json()['id']}/content", headers=cs,
                          params={"purpose": "check"})
    assert "filename*=UTF-8''agpj.exe.pdf" in got.headers["Content-Disposition"]
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="doc_type"\r\n\r\ncovenant\r\n'
            b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a"; filename=evil.html"\r\n'
            b'Content-Type: application/pdf\r\n\r\n' + PDF_1 + b'\r\n--XyZ--\r\n')
    twice = web_session.post("/api/v1/households/h1/documents", data=body, headers={
        **desk, "Idempotency-Key": "hidden-4", "Content-Type": "multipart/form-data; boundary=XyZ"})
    assert (twice.status_code, twice.json()["error"]) == (400, "invalid_file_name"), twice.text
    empty = upload(web_session, desk, b"", "hidden-5")          # TRIAL11 finding 9: words, not a field name
    assert (empty.status_code, empty.json()["error"], empty.json()["message"]) == (400, "empty_document",
                                                                                    "文件是空的 (the file is empty)")
    catalogue = web_session.put("/api/v1/projects/p1/document-catalogue", headers={**cs, "Idempotency-Key": "cat-1"},
                                json={"entries": [{"section": "move_in", "doc_type": "covenant", "title": "\u202e约公"}]})
    assert catalogue.status_code == 400
