"""The retention erasure of a moved-out household reaches its contact-change history and its
documents (issue 11): driven by a ManualClock through archive's job runner and the project's
``archive.moved_out_keep_years``, on SQLite and PostgreSQL with a local-directory store (and once
with an S3 store on moto's server). The history's values are blanked -- the one UPDATE its
triggers let through (revision 0037), every other edit still refused --, each document version is
marked erased and its bytes deleted by a job once the marking has committed (safe to repeat; a
failed erasure deletes nothing); a download of an erased version is 410 ``document_erased``; the
purge record counts both."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, delete, select, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import ERASED, make_engine, upgrade
from kernel.jobs import Job, JobExecutor
from kernel.storage import LocalStorage, StorageUnavailable, storage_from_config
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, staff
from kernel.work import Work
from services.archive import schemas
from services.archive.domain import census, documents, people, registry, retention
from services.archive.domain.privacy import mask_name
from services.archive.domain.settings import SETTINGS
from services.archive.events import CONTRACT
from services.archive.models import (Base, Document, Household, HouseholdErasure, PersonChange, RetentionPurge,
                                     ScheduledJob)
from services.archive.service import JOB_HANDLERS

G = "group-1"
SYSTEM = Caller.system(G, "test")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs-1")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre-1")
SHANGHAI = timezone(timedelta(hours=8))
PDF = b"%PDF-1.4\n% an ID copy\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
HANDOVER = {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务", "meter_readings_recorded": True,
            "deposit_handling": "none"}


def settled(unit_id):
    """billing's answer: nothing unpaid on the unit (a move-out asks it; test_people.py the refusals)."""
    return {"unit_id": unit_id, "balance_due": "0.00", "overdue": "0.00", "as_of": "2026-11-24"}


WHY = "核对档案"


def work(session, clock, caller=SYSTEM, storage=None) -> Work:
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=SETTINGS,
                      storage=storage)


def run(Session, clock, fn, caller=SYSTEM):
    with Session() as s, s.begin():
        return fn(work(s, clock, caller))


@pytest.fixture
def clock():
    return ManualClock("2023-03-01T10:00:00+08:00")


def build_estate(Session, clock, storage):
    """p1: h1 (u1) moves in on 2023-03-01, its owner's phone and e-mail are changed (the history),
    two versions of the owner's ID copy and a purchase contract are filed, and it moves out on
    2023-11-20; h2 (u2) moves in and stays, with an ID copy of its own."""
    def estate(w):
        registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                      "kind": "residential", "timezone": "Asia/Shanghai"})
        registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋"})
        for n in (1, 2):
            registry.register_unit(w, {"id": f"u{n}", "building_id": "b1", "number": f"0{n}01",
                                       "building_area": Decimal("89.37")})
    run(Session, clock, estate)
    for n in (1, 2):
        run(Session, clock, lambda w: registry.move_in(w, schemas.MoveIn().load({
            "id": f"h{n}", "unit_id": f"u{n}", "moved_in_on": "2023-03-01", "people": [
                {"id": f"h{n}-owner", "name": "张伟", "role": "owner", "phone": f"1381234567{n}",
                 "email": f"zw{n}@example.com"},
                {"id": f"h{n}-family", "name": "欧阳娜娜", "role": "family", "phone": f"1398765432{n}"}]})), DESK)
    clock.set("2023-06-01T10:00:00+08:00")
    for n in (1, 2):
        run(Session, clock, lambda w: people.update_person(w, f"h{n}-owner", {"phone": f"1370000000{n}",
                                                                              "email": f"new{n}@example.com"}),
            DESK)
    files = [("h1", "owner_id_copy", PDF), ("h1", "owner_id_copy", PNG), ("h1", "purchase_contract", PDF),
             ("h2", "owner_id_copy", PDF)]
    for household, doc_type, content in files:
        run(Session, clock, lambda w: documents.upload(w, storage, household, {
            "doc_type": doc_type, "file_name": "身份证.pdf"}, content), DESK)
    clock.set("2023-11-20T10:00:00+08:00")
    run(Session, clock, lambda w: people.move_out(w, "h1", {"moved_out_on": date(2023, 11, 20),
                                                            "reason": "relocated", **HANDOVER}, ask_fees=settled), DESK)


def runner(Session, clock, storage) -> JobExecutor:
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, JOB_HANDLERS, service="archive",
                       settings=SETTINGS, every={census.SEED_JOB: census.SEED_EVERY}, storage=storage)


def run_jobs(executor, times=4):
    for _ in range(times):
        executor.run_once()


def versions(Session, household):
    with Session() as s:
        return s.scalars(select(Document).where(Document.household_id == household)
                         .order_by(Document.doc_type, Document.version)).all()


def history(Session, household):
    with Session() as s:
        return s.scalars(select(PersonChange).where(PersonChange.household_id == household)
                         .order_by(PersonChange.changed_at, PersonChange.seq)).all()


# -- the erasure, end to end, on SQLite and PostgreSQL -------------------------------------------

@pytest.fixture
def Session(db_url):
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)          # the models' triggers: the same as revision 0037's
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


@pytest.fixture
def store(tmp_path):
    return LocalStorage(tmp_path / "archive-files")


def test_the_retention_job_erases_the_history_and_the_documents_content(Session, clock, store):
    build_estate(Session, clock, store)
    keys = {d.id: d.storage_key for d in versions(Session, "h1")}
    assert len(keys) == 3 and all(store.exists(k) for k in keys.values())
    h1_before = [(c.id, c.person_name, c.action, c.field, c.old_value, c.new_value, c.changed_by, c.changed_at)
                 for c in history(Session, "h1")]
    assert ("changed", "phone", "13812345671", "13700000001") in [b[2:6] for b in h1_before]

    # the project keeps moved-out households' data 2 years (the centre manager's setting), and the
    # retention job of 2025-11-21 is the first after the move-out plus 2 years
    run(Session, clock, lambda w: w.settings.change(G, "p1", retention.MOVED_OUT_KEEP_YEARS, 2, reason="律师意见"),
        CENTRE)
    clock.set("2025-11-20T03:01:00+08:00")
    executor = runner(Session, clock, store)
    run_jobs(executor)
    assert all(d.erased_at is None for d in versions(Session, "h1"))      # exactly 2 years: not yet
    clock.set("2025-11-21T03:01:00+08:00")
    run_jobs(executor)
    erased_at = datetime(2025, 11, 21, 3, 1, tzinfo=SHANGHAI)

    # the history: values blanked, names reduced, who/what/when/why kept
    h1 = history(Session, "h1")
    assert h1 and all(c.erased_at == erased_at for c in h1)
    assert [(c.id, c.person_name, c.action, c.field, c.old_value, c.new_value, c.changed_by, c.changed_at)
            for c in h1] == [(i, mask_name(name), action, field, None if old is None else ERASED,
                              None if new is None else ERASED, by, at)
                             for i, name, action, field, old, new, by, at in h1_before]
    assert {c.person_name for c in h1} == {"张*", "欧***"}
    text = json.dumps([(c.old_value, c.new_value) for c in h1], ensure_ascii=False)
    for personal in ("1381234567", "1370000000", "example.com"):
        assert personal not in text
    # the household that stays is untouched
    assert all(c.erased_at is None for c in history(Session, "h2"))
    assert ("changed", "phone", "13812345672", "13700000002") in \
        [(c.action, c.field, c.old_value, c.new_value) for c in history(Session, "h2")]

    # the documents: marked erased, the catalogue facts kept, the bytes gone from the store
    h1_docs = versions(Session, "h1")
    assert [(d.doc_type, d.version, d.size, d.uploaded_by_id, d.erased_at) for d in h1_docs] == [
        ("owner_id_copy", 1, len(PDF), "desk-1", erased_at), ("owner_id_copy", 2, len(PNG), "desk-1", erased_at),
        ("purchase_contract", 1, len(PDF), "desk-1", erased_at)]
    assert all(not store.exists(k) for k in keys.values())
    (h2_doc,) = versions(Session, "h2")
    assert h2_doc.erased_at is None and store.exists(h2_doc.storage_key)
    with Session() as s:
        jobs = s.execute(select(ScheduledJob.key, ScheduledJob.status).where(
            ScheduledJob.kind == documents.ERASE_JOB)).all()
    assert jobs == [("h1", "done")]

    # the purge record says what went
    with Session() as s:
        (record,) = s.scalars(select(RetentionPurge).where(RetentionPurge.kind == retention.ERASED_KIND)).all()
    assert (record.count, json.loads(record.refs), record.keep_years, record.changes_erased,
            record.documents_erased) == (1, ["h1"], 2, len(h1), 3)
    dumped = schemas.RetentionPurgeOut().dump(record)
    assert (dumped["changes_erased"], dumped["documents_erased"]) == (len(h1), 3)

    # reads: the listing shows each version erased, a download is 410 (and still logged)
    listed = run(Session, clock, lambda w: documents.list_documents(w, "h1", None, WHY), CS)
    assert [(d["doc_type"], d["version"], d["erased"], d["sha256"] == h1_docs[i].sha256)
            for i, d in enumerate(sorted(listed, key=lambda d: (d["doc_type"], d["version"])))] == [
        ("owner_id_copy", 1, True, True), ("owner_id_copy", 2, True, True), ("purchase_contract", 1, True, True)]
    with pytest.raises(documents.DocumentErased) as refused:
        run(Session, clock, lambda w: documents.download(w, store, "h1", h1_docs[0].id, WHY), CS)
    assert (refused.value.kind, refused.value.code) == ("Gone", "document_erased")
    assert refused.value.details["document_id"] == h1_docs[0].id
    shown = run(Session, clock, lambda w: people.person_history(w, "h1"), CS)
    assert {(c["old_value"], c["new_value"]) for c in shown if c["field"] == "phone"} == {(ERASED, ERASED)}
    assert all(c["erased_at"] == erased_at for c in shown)
    # the erased file takes no new documents
    with pytest.raises(documents.HouseholdErased):
        run(Session, clock, lambda w: documents.upload(w, store, "h1", {"doc_type": "owner_id_copy"}, PDF), DESK)

    # the next days change nothing (the household is marked; nothing is counted twice)
    clock.set("2025-11-22T03:01:00+08:00")
    run_jobs(executor)
    with Session() as s:
        assert len(s.scalars(select(RetentionPurge).where(RetentionPurge.kind == retention.ERASED_KIND)).all()) == 1


def test_deleting_the_content_is_safe_to_repeat_and_waits_for_a_store_that_is_down(Session, clock, store):
    build_estate(Session, clock, store)
    keys = [d.storage_key for d in versions(Session, "h1")]

    class Flaky(LocalStorage):
        """The store refuses deletes while ``down``; else a local directory."""
        down = True

        def delete(self, key):
            if self.down:
                raise StorageUnavailable("the file store cannot be written (test: down)")
            super().delete(key)

    flaky = Flaky(store.root)
    clock.set("2026-11-25T03:01:00+08:00")
    executor = runner(Session, clock, flaky)
    run_jobs(executor)
    # the erasure committed (marked), the deletion failed: the versions are erased, their bytes still
    # there -- never a version shown present whose bytes are gone
    assert all(d.erased_at is not None for d in versions(Session, "h1"))
    assert all(store.exists(k) for k in keys)
    with Session() as s:
        job = s.scalars(select(ScheduledJob).where(ScheduledJob.kind == documents.ERASE_JOB)).one()
    assert (job.status, job.attempts) == ("pending", 1) and "down" in job.last_error

    store.delete(keys[0])                    # one object gone already (a crash after its delete)
    flaky.down = False
    clock.advance(timedelta(minutes=5))      # past the backoff
    run_jobs(executor)
    assert not any(store.exists(k) for k in keys)
    with Session() as s:
        assert s.get(ScheduledJob, job.id).status == "done"

    # the handler again (a retried job): every object gone already, nothing to do, no error
    with Session() as s, s.begin():
        documents.delete_erased_content(work(s, clock, storage=store), Job(
            id=job.id, kind=job.kind, key=job.key, group_id=G, project_id="p1", payload=json.loads(job.payload),
            due_at=job.due_at, attempt=3, max_attempts=job.max_attempts, claim="a retry"))


def test_a_failed_erasure_deletes_no_content(Session, clock, store, monkeypatch):
    """An eraser after the documents' raises: the erasure's transaction rolls back -- no version
    marked, no job scheduled, every byte still in the store -- and the job retries."""
    build_estate(Session, clock, store)

    def broken(w, household):
        raise RuntimeError("an area's eraser failed")
    monkeypatch.setattr(retention, "ERASERS", [*retention.ERASERS, broken])
    clock.set("2026-11-25T03:01:00+08:00")
    run_jobs(runner(Session, clock, store))
    assert all(d.erased_at is None and store.exists(d.storage_key) for d in versions(Session, "h1"))
    assert all(c.erased_at is None for c in history(Session, "h1"))
    with Session() as s:
        assert s.scalars(select(HouseholdErasure)).all() == []
        assert s.scalars(select(ScheduledJob).where(ScheduledJob.kind == documents.ERASE_JOB)).all() == []
        purge = s.scalars(select(ScheduledJob).where(ScheduledJob.kind == retention.PURGE_JOB)).one()
    assert purge.status == "pending" and "eraser failed" in purge.last_error


def test_a_job_runner_without_a_store_retries_instead_of_forgetting_the_bytes(Session, clock, store):
    build_estate(Session, clock, store)
    clock.set("2026-11-25T03:01:00+08:00")
    run_jobs(runner(Session, clock, None))
    with Session() as s:
        job = s.scalars(select(ScheduledJob).where(ScheduledJob.kind == documents.ERASE_JOB)).one()
    assert job.status == "pending" and "no file store" in job.last_error
    assert all(store.exists(d.storage_key) for d in versions(Session, "h1"))


def test_the_erasure_deletes_from_an_s3_store(tmp_path, clock, s3_server):
    engine = create_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    Base.metadata.create_all(engine)
    Session = sessionmaker(engine, expire_on_commit=False)
    bucket = storage_from_config(s3_server.config(prefix="wuye"), "archive")
    try:
        build_estate(Session, clock, bucket)
        keys = [d.storage_key for d in versions(Session, "h1")]
        assert all(bucket.exists(k) for k in keys)
        clock.set("2026-11-25T03:01:00+08:00")
        run_jobs(runner(Session, clock, bucket))
        assert all(d.erased_at is not None for d in versions(Session, "h1"))
        assert not any(bucket.exists(k) for k in keys)
        for key in keys:                         # again: the objects are gone, no error
            bucket.delete(key)
        (h2_doc,) = versions(Session, "h2")
        assert bucket.exists(h2_doc.storage_key)
    finally:
        engine.dispose()


# -- the triggers of revision 0037, on the migrated database (SQLite and PostgreSQL) --------------

@pytest.fixture
def migrated(db_url, tmp_path):
    upgrade(migrations_dir("archive"), db_url)
    engine = make_engine(db_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def refused(Session, statement):
    with Session() as s:
        with pytest.raises(DatabaseError, match="append-only"):
            s.execute(statement)
        s.rollback()


def test_the_history_lets_through_only_its_erasure(migrated, clock, tmp_path):
    Session = migrated
    store = LocalStorage(tmp_path / "files")
    build_estate(Session, clock, store)
    T = PersonChange.__table__
    (h2_change,) = [c for c in history(Session, "h2") if c.field == "phone"]
    count = len(history(Session, "h2"))
    now = datetime(2026, 11, 25, 3, 1, tzinfo=SHANGHAI)
    row = update(T).where(T.c.id == h2_change.id)
    erasure = dict(old_value=ERASED, new_value=ERASED, person_name="张*", erased_at=now)

    # not an erasure: refused, as before
    for values in (
            dict(new_value="x"),                                         # an edit
            dict(old_value=ERASED, new_value=ERASED),                    # blanked without being marked
            dict(erasure, reason="改了原因"),                            # an erasure that changes something else
            dict(erasure, changed_at=now),
            dict(erasure, new_value="13900000000"),                       # not the marker
            dict(erasure, person_name="李*"),                             # not the name's mask
            dict(erasure, person_name="张伟伟"),
            dict(erased_at=now, person_name="张**")):                     # a mask of another length
        refused(Session, row.values(**values))
    refused(Session, delete(T).where(T.c.id == h2_change.id))
    refused(Session, delete(T))

    # the erasure passes (as the domain writes it, and the same by hand)
    with Session() as s, s.begin():
        people.erase_history(work(s, clock), s.get(Household, "h1"))
    with Session() as s, s.begin():
        s.execute(row.values(**erasure))
    erased = [c for c in history(Session, "h2") if c.id == h2_change.id][0]
    assert (erased.old_value, erased.new_value, erased.person_name, erased.erased_at, erased.field,
            erased.changed_by) == (ERASED, ERASED, "张*", now, "phone", "desk-1")
    assert all(c.erased_at is not None and c.person_name in ("张*", "欧***") for c in history(Session, "h1"))

    # once erased, never changed again: not un-erased, not re-erased, not edited, not deleted
    for values in (dict(erased_at=None), dict(erased_at=now + timedelta(days=1)),
                   dict(old_value="13812345672"), dict(person_name="张伟")):
        refused(Session, row.values(**values))
    refused(Session, delete(T).where(T.c.id == h2_change.id))
    assert len(history(Session, "h2")) == count
