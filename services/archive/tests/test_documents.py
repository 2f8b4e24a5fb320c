"""Documents of a household file (issue 11, area "documents"), without a broker: versions, limits by
size and by the content's first bytes, the checksum checked on every download, the catalogue per
project with present / missing per file, and who may read (every read in the access log)."""
from __future__ import annotations

import hashlib
import logging
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.storage import LocalStorage
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, resident, staff
from kernel.work import Work
from services.archive import schemas
from services.archive.domain import settings as archive_settings
from services.archive.domain import documents, files, registry
from services.archive.events import CONTRACT
from services.archive.models import Base, Document, FileAccessLog, FileDocument

G = "group-1"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
OTHER_DESK = staff(G, ["p2"], roles=["front_desk"], user_id="desk-2")
ENGINEER = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")
WHY = "file the move-in documents"


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


@pytest.fixture
def storage(tmp_path):
    return LocalStorage(tmp_path / "archive-files")


def work(session, clock, caller):
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                      settings=archive_settings.SETTINGS)


@pytest.fixture
def estate(session, clock):
    w = work(session, clock, Caller.system(G, "seed"))
    for pid, code in (("p1", "LH"), ("p2", "XH")):
        registry.register_project(w, {"id": pid, "group_id": G, "code": code, "name": code, "kind": "residential",
                                      "timezone": "Asia/Shanghai"})
        registry.register_building(w, {"id": f"b-{pid}", "project_id": pid, "name": "1栋"})
    for uid, bid in (("u1", "b-p1"), ("u2", "b-p1"), ("u3", "b-p2")):
        registry.register_unit(w, {"id": uid, "building_id": bid, "number": uid, "building_area": Decimal("80")})
    registry.move_in(w, {"id": "h1", "unit_id": "u1", "moved_in_on": date(2026, 3, 1), "by_proxy": False,
                         "people": [{"name": "张伟", "role": "owner"}],
                         "documents_received": ["move_in_notice", "covenant"]})
    registry.move_in(w, {"id": "h2", "unit_id": "u2", "moved_in_on": date(2026, 3, 1), "by_proxy": True,
                         "people": [{"name": "王芳", "role": "owner"}, {"name": "赵租", "role": "tenant"}]})
    session.commit()


def upload(session, clock, storage, caller=DESK, household="h1", content=PDF, **data):
    data = {"doc_type": "purchase_contract", "file_name": "购房合同.pdf", "content_type": "application/pdf", **data}
    document = documents.upload(work(session, clock, caller), storage, household, data, content)
    session.commit()
    return document


def test_each_upload_is_a_new_version_and_earlier_ones_stay_readable(session, clock, estate, storage):
    first = upload(session, clock, storage)
    clock.advance(minutes=5)
    signed = PDF + b"% signed\n"
    second = upload(session, clock, storage, content=signed, note="signed copy")
    assert (first.version, second.version) == (1, 2)
    assert second.sha256 == hashlib.sha256(signed).hexdigest() and second.size == len(signed)
    assert first.storage_key == f"archive/{G}/p1/households/h1/{first.id}"     # our key, not the file name
    assert first.file_name == "购房合同.pdf" and first.title.startswith("购房合同")
    versions = documents.list_documents(work(session, clock, CS), "h1", "purchase_contract", "check the contract")
    assert [(v["version"], v["current"]) for v in versions] == [(2, True), (1, False)]
    old = documents.download(work(session, clock, CS), storage, "h1", first.id, "compare the versions")
    new = documents.download(work(session, clock, CS), storage, "h1", second.id, "compare the versions")
    assert (old["content"], old["current"]) == (PDF, False)
    assert (new["content"], new["current"], new["note"]) == (signed, True, "signed copy")
    assert old["download_name"] == "purchase_contract-v1.pdf" and old["utf8_download_name"] == "购房合同.pdf"
    # another type has its own numbering
    assert upload(session, clock, storage, doc_type="owner_id_copy", content=JPEG, content_type="image/jpeg",
                  file_name="id.jpg").version == 1


def test_size_limit_is_the_projects_setting(session, clock, estate, storage):
    w = work(session, clock, Caller.system(G, "seed"))
    w.settings.change(G, "p1", documents.MAX_BYTES, 2048, reason="small scans only")
    session.commit()
    upload(session, clock, storage, content=PDF + b"x" * (2048 - len(PDF)))          # exactly the limit
    with pytest.raises(documents.DocumentTooLarge) as exc:
        upload(session, clock, storage, content=PDF + b"x" * 2048)
    assert exc.value.kind == "PayloadTooLarge" and exc.value.details["max_bytes"] == 2048
    assert "2048 bytes" in exc.value.message
    session.rollback()
    assert len(session.scalars(select(Document)).all()) == 1
    # the other project keeps the default (10 MiB)
    assert work(session, clock, CS).settings.get("p2", documents.MAX_BYTES) == 10 * 1024 * 1024


@pytest.mark.parametrize("content, declared, detected", [
    (b"MZ\x90\x00 an executable", "application/pdf", None),
    (b"<html><script>", "text/html", None),
    (PNG, "application/pdf", "image/png"),          # declared one thing, is another
    (PDF, "image/png", "application/pdf"),
])
def test_the_content_decides_its_type_not_the_declared_one(session, clock, estate, storage, content, declared,
                                                             detected):
    with pytest.raises(documents.UnsupportedDocumentType) as exc:
        upload(session, clock, storage, content=content, content_type=declared)
    assert exc.value.kind == "UnsupportedMediaType" and exc.value.details["detected"] == detected
    session.rollback()
    assert session.scalars(select(Document)).all() == []
    assert not (storage.root.exists() and any(p.is_file() for p in storage.root.rglob("*")))


def test_an_undeclared_type_is_taken_from_the_content_and_a_project_may_narrow_the_types(session, clock, estate,
                                                                                         storage):
    assert upload(session, clock, storage, content=PNG, content_type="application/octet-stream").content_type \
        == "image/png"
    w = work(session, clock, Caller.system(G, "seed"))
    w.settings.change(G, "p1", documents.CONTENT_TYPES, ["application/pdf"], reason="PDF only")
    session.commit()
    with pytest.raises(documents.UnsupportedDocumentType):
        upload(session, clock, storage, content=JPEG, content_type="image/jpeg")


def test_a_checksum_mismatch_is_refused_and_logged(session, clock, estate, storage, caplog):
    document = upload(session, clock, storage)
    path = storage.root / document.storage_key
    path.write_bytes(PDF.replace(b"obj", b"OBJ"))            # bit rot, or a hand edit on the volume
    with caplog.at_level(logging.ERROR, logger="services.archive.domain.documents"):
        with pytest.raises(documents.DocumentChecksumMismatch) as exc:
            documents.download(work(session, clock, CS), storage, "h1", document.id, "check")
    assert exc.value.kind == "Conflict" and exc.value.details["sha256"] == document.sha256
    assert any("failed its checksum" in r.message and document.id in r.message for r in caplog.records)
    path.unlink()                                             # lost altogether
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="services.archive.domain.documents"):
        with pytest.raises(NotFound) as missing:
            documents.download(work(session, clock, CS), storage, "h1", document.id, "check")
    assert missing.value.code == "stored_object_missing"
    # TRIAL11 finding 14: the reader's message says what to do, in Chinese, and never where the files lie;
    # the operator's log line names the key
    said = str(missing.value)
    assert document.storage_key not in said and "households" not in said and "备份" in said
    assert any(document.storage_key in r.message for r in caplog.records)


def test_unknown_types_empty_files_and_the_other_type(session, clock, estate, storage):
    with pytest.raises(documents.UnknownDocumentType):
        upload(session, clock, storage, doc_type="birthday_card")
    with pytest.raises(InvalidInput):
        upload(session, clock, storage, doc_type="other")               # needs a title
    other = upload(session, clock, storage, doc_type="other", title="业主来信 2026-11")
    assert (other.section, other.title) == ("other", "业主来信 2026-11")
    with pytest.raises(InvalidInput) as empty:
        upload(session, clock, storage, content=b"")
    assert empty.value.code == "empty_document"


def test_the_catalogue_shows_present_and_missing_per_file(session, clock, estate, storage):
    upload(session, clock, storage)                                     # purchase_contract v1
    upload(session, clock, storage, content=PDF + b"%2")                # ... v2
    catalogue = documents.file_catalogue(work(session, clock, CS), "h1", "check the file")
    items = {i["doc_type"]: i for i in catalogue["items"]}
    assert catalogue["source"] == "group_default"
    # the move-in file without the power of attorney (not by proxy); no lease, transfer, renovation yet
    assert list(items) == ["move_in_notice", "owner_id_copy", "purchase_contract", "owner_info_card", "covenant",
                           "preliminary_service_agreement", "fire_safety_letter", "handover_inspection_form"]
    assert items["purchase_contract"]["present"] and items["purchase_contract"]["current"]["version"] == 2
    assert items["purchase_contract"]["status"] == "present"
    # ticked at move-in without a file: present, confirmed, no version
    assert (items["covenant"]["present"], items["covenant"]["confirmed"], items["covenant"]["current"]) == \
        (True, True, None)
    assert catalogue["missing"] == ["owner_id_copy", "owner_info_card", "preliminary_service_agreement",
                                    "fire_safety_letter", "handover_inspection_form"]
    # uploading ticks the checklist row (FileDocument) too
    row = session.scalars(select(FileDocument).where(FileDocument.household_id == "h1",
                                                     FileDocument.doc_type == "purchase_contract")).one()
    assert row.status == "present"
    # by proxy and with a tenant: the power of attorney and the lease section are expected
    h2 = {i["doc_type"] for i in documents.file_catalogue(work(session, clock, CS), "h2", "check")["items"]}
    assert {"power_of_attorney", "lease_contract", "tenant_id_copy", "tenant_record_form"} <= h2
    assert not h2 & {"transfer_application", "renovation_permit"}
    # a renovation document opens its section: the rest of it is expected (missing)
    upload(session, clock, storage, household="h2", doc_type="renovation_drawings")
    after = documents.file_catalogue(work(session, clock, CS), "h2", "check")
    assert {"renovation_application", "renovation_permit"} <= set(after["missing"])
    # the household file read shows the same catalogue
    file = schemas.HouseholdFileOut().dump(files.read_file(work(session, clock, CS), "h1", "check the file"))
    assert [d["doc_type"] for d in file["catalogue"]] == list(items)
    assert file["missing"] == catalogue["missing"]
    assert file["catalogue"][2]["current"]["sha256"] == items["purchase_contract"]["current"]["sha256"]


def test_a_project_edits_its_own_catalogue(session, clock, estate, storage):
    entries = [{"section": "move_in", "doc_type": "move_in_notice", "title": "入伙通知书", "condition": "always"},
               {"section": "move_in", "doc_type": "parking_contract", "title": "车位租赁合同", "condition": "always"}]
    with pytest.raises(Forbidden):
        documents.replace_catalogue(work(session, clock, DESK), "p1", {"entries": entries})
    with pytest.raises(NotFound):
        documents.replace_catalogue(work(session, clock, staff(G, ["p2"], roles=["cs_manager"])), "p1",
                                    {"entries": entries})
    saved = documents.replace_catalogue(work(session, clock, CS), "p1", {"entries": entries, "reason": "our list"})
    session.commit()
    assert saved["source"] == "project" and [e["doc_type"] for e in saved["entries"]] == ["move_in_notice",
                                                                                          "parking_contract"]
    assert documents.project_catalogue(work(session, clock, staff(G, ["p2"], roles=["steward"])), "p2")["source"] \
        == "group_default"
    catalogue = documents.file_catalogue(work(session, clock, CS), "h1", "check")
    # the project's list, plus what the file holds though no longer listed (the covenant ticked at move-in)
    assert [i["doc_type"] for i in catalogue["items"]] == ["move_in_notice", "parking_contract", "covenant"]
    assert catalogue["missing"] == ["parking_contract"]
    upload(session, clock, storage, doc_type="parking_contract")
    assert documents.file_catalogue(work(session, clock, CS), "h1", "check")["missing"] == []
    with pytest.raises(InvalidInput):
        documents.replace_catalogue(work(session, clock, CS), "p1", {"entries": entries + entries[:1]})


def test_who_may_read_and_every_read_is_logged(session, clock, estate, storage):
    document = upload(session, clock, storage)
    # the household's own resident: their list and their documents, logged without a stated purpose
    mine = resident(G, ["u1"], user_id="zhangwei")
    assert [d["version"] for d in documents.list_documents(work(session, clock, mine), "h1", None, None)] == [1]
    assert documents.download(work(session, clock, mine), storage, "h1", document.id, None)["content"] == PDF
    # a neighbour, another project's staff, another group: as if it did not exist
    for outsider in (resident(G, ["u2"]), OTHER_DESK, staff("group-2", ["p1"], roles=["cs_manager"])):
        with pytest.raises(NotFound) as exc:
            documents.list_documents(work(session, clock, outsider), "h1", None, "look")
        assert exc.value.code == "household_not_found"
        with pytest.raises(NotFound):
            documents.download(work(session, clock, outsider), storage, "h1", document.id, "look")
    # a document of another household through this one's path: not found
    with pytest.raises(NotFound):
        documents.download(work(session, clock, resident(G, ["u2"])), storage, "h2", document.id, None)
    # staff of the project outside customer service: refused; customer service must say why
    with pytest.raises(Forbidden) as refused:
        documents.list_documents(work(session, clock, ENGINEER), "h1", None, "curious")
    assert refused.value.code == "file_access_denied"
    with pytest.raises(InvalidInput) as why:
        documents.list_documents(work(session, clock, CS), "h1", None, None)
    assert why.value.code == "purpose_required"
    documents.file_catalogue(work(session, clock, CS), "h1", "check the file")
    session.commit()
    log = session.scalars(select(FileAccessLog).order_by(FileAccessLog.read_at, FileAccessLog.purpose)).all()
    assert sorted((r.reader_id, r.purpose, r.what) for r in log if r.outcome == "allowed") == sorted([
        ("zhangwei", "own household", "documents"),
        ("zhangwei", "own household", "document:purchase_contract v1"),
        ("cs-1", "check the file", "catalogue"),
    ])
    # residents and other roles do not upload
    for caller in (mine, ENGINEER):
        with pytest.raises(Forbidden):
            upload(session, clock, storage, caller=caller)
    with pytest.raises(NotFound):
        upload(session, clock, storage, caller=OTHER_DESK)


def test_a_units_document_is_answered_only_from_its_current_households_file(session, clock, estate, storage):
    """tickets' renovation asks "is document D in unit U's current household file, of what type?"
    (``unit_document``): another household's document or an unknown id is 404 document_not_found,
    an outsider learns nothing, and every answered read is in the file's access log."""
    mine = upload(session, clock, storage, doc_type="renovation_drawings")
    theirs = upload(session, clock, storage, household="h2", doc_type="renovation_drawings")
    zhang = resident(G, ["u1"], user_id="zhangwei")
    found = documents.unit_document(work(session, clock, zhang), "u1", mine.id, None)
    assert (found["id"], found["doc_type"], found["household_id"]) == (mine.id, "renovation_drawings", "h1")
    for document_id in (theirs.id, "8c0f6c1e-0000-4000-8000-000000000000"):
        with pytest.raises(NotFound) as exc:
            documents.unit_document(work(session, clock, zhang), "u1", document_id, None)
        assert exc.value.code == "document_not_found"
    with pytest.raises(NotFound) as exc:            # a neighbour asking through another unit
        documents.unit_document(work(session, clock, resident(G, ["u2"])), "u1", mine.id, None)
    assert exc.value.code != "document_not_found"
    with pytest.raises(InvalidInput):               # staff state why they read
        documents.unit_document(work(session, clock, DESK), "u1", mine.id, None)
    assert documents.unit_document(work(session, clock, DESK), "u1", mine.id, "renovation")["id"] == mine.id
    session.commit()
    log = session.scalars(select(FileAccessLog).where(FileAccessLog.outcome == "allowed")).all()
    assert ("zhangwei", "own household", "document:renovation_drawings v1") in {
        (r.reader_id, r.purpose, r.what) for r in log}
    assert ("desk-1", "renovation", "document:renovation_drawings v1") in {(r.reader_id, r.purpose, r.what) for r in log}
