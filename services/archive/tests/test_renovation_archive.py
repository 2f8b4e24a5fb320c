"""archive files a closed renovation (tickets' ``renovation.closed``, 装修档案归档) in the household
file: the renovation's and the permit's numbers, its dates and its documents -- once per renovation,
in the file of the household the event names (else the unit's active one, else the project's)."""
import uuid
from datetime import datetime, timezone

from sqlalchemy import func, select

from services.archive import schemas
from services.archive.domain import files, registry
from services.archive.models import Correspondence, Document, Household, ProjectCorrespondence
from services.archive.tests.test_complaints import CS, G, clock, estate, session, work  # noqa: F401

CLOSED_AT = datetime(2026, 12, 20, 17, 30, tzinfo=timezone.utc)        # 2026-12-21 01:30 in Shanghai


def document(session, household_id, doc_type, title):
    doc = Document(id=str(uuid.uuid4()), group_id=G, project_id="p1", household_id=household_id, doc_type=doc_type,
                   section="renovation", title=title, version=1, storage_key=f"k/{doc_type}",
                   content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by_id="cs.mgr",
                   uploaded_at=CLOSED_AT)
    session.add(doc)
    session.flush()
    return doc.id


def closed(documents, unit_id="u1", household_id="h1", **over):
    return schemas.RenovationClosedIn().load({
        "renovation_id": "r1", "number": "ZX-20261101-0001", "group_id": G, "project_id": "p1",
        "unit_id": unit_id, "unit_label": "1栋-0101", "household_id": household_id,
        "permit_number": "ZXXK-20261105-0001", "accepted_at": "2026-12-01T02:00:00+00:00",
        "occupied_on": "2026-12-02", "reinspected_at": "2026-12-18T02:00:00+00:00", "deposit_amount": "2000.00",
        "refund_amount": "2000.00", "withheld_amount": "0.00", "violations": [],
        "documents": [{"doc_type": t, "document_id": i} for t, i in documents],
        "closed_at": CLOSED_AT.isoformat(), **over})


def test_a_closed_renovation_is_filed_once_in_its_household_file(session, clock, estate):  # noqa: F811
    application = document(session, "h1", "renovation_application", "装修申请表")
    permit = document(session, "h1", "renovation_permit", "装修许可证")
    event = closed([("renovation_application", application), ("renovation_permit", permit),
                    ("completion_acceptance", "doc-elsewhere")])
    w = work(session, clock)
    entry = files.file_renovation(w, event)
    again = files.file_renovation(w, event)
    session.commit()
    assert again.id == entry.id
    assert (entry.household_id, entry.kind, entry.ref_type, entry.ref_id, entry.ref_number) == (
        "h1", "renovation_archive", "renovation", "r1", "ZX-20261101-0001")
    assert entry.occurred_at == CLOSED_AT
    assert entry.summary == (
        "装修档案归档：装修申请 ZX-20261101-0001，装修许可证 ZXXK-20261105-0001，验收 2026-12-01，关闭 2026-12-21；"
        f"资料：装修申请表（{application}）、装修许可证（{permit}）、竣工验收表（doc-elsewhere，未入档）")
    the_file = files.read_file(work(session, clock, CS), "h1", "查看装修档案")
    assert [c.kind for c in the_file["correspondence"]] == ["renovation_archive"]
    assert session.scalar(select(func.count()).select_from(Correspondence)) == 1
    assert session.scalar(select(func.count()).select_from(ProjectCorrespondence)) == 0


def test_filed_in_the_named_household_even_after_it_moved_out_else_the_units_current_one(session, clock, estate):  # noqa: F811
    w = work(session, clock)
    registry.move_in(w, {"id": "h2", "unit_id": "u2", "moved_in_on": datetime(2026, 4, 1).date(), "by_proxy": False,
                         "people": [{"id": "pe2", "name": "李娜", "role": "owner", "phone": "13900001111",
                                     "locale": "zh-CN"}], "documents_received": []})
    session.commit()
    # no household named (or one archive does not know): the unit's active household
    unnamed = files.file_renovation(w, closed([], unit_id="u2", household_id=None, renovation_id="r2",
                                              permit_number=None, accepted_at=None))
    assert unnamed.household_id == "h2"
    assert unnamed.summary.endswith("装修许可证 无，验收 无，关闭 2026-12-21；资料：无")
    assert files.file_renovation(w, closed([], unit_id="u2", household_id="h-unknown", renovation_id="r3")
                                 ).household_id == "h2"
    # a household named for another unit is not used
    assert files.file_renovation(w, closed([], unit_id="u2", household_id="h1", renovation_id="r4")
                                 ).household_id == "h2"
    # the household the event names, though it has moved out since (its renovation)
    session.get(Household, "h1").status = "moved_out"
    session.flush()
    assert files.file_renovation(w, closed([], renovation_id="r5")).household_id == "h1"
    session.commit()
    assert session.scalar(select(func.count()).select_from(Correspondence)) == 4


def test_a_unit_without_a_household_files_it_with_the_project_and_another_group_files_nothing(session, clock, estate):  # noqa: F811
    registry.register_unit(work(session, clock), {"id": "u3", "building_id": "b1", "number": "0103", "floor": 1,
                                                 "building_area": "89.37"})
    w = work(session, clock)
    entry = files.file_renovation(w, closed([], unit_id="u3", household_id=None))
    again = files.file_renovation(w, closed([], unit_id="u3", household_id=None))
    session.commit()
    assert isinstance(entry, ProjectCorrespondence) and again.id == entry.id
    assert (entry.project_id, entry.unit_id, entry.kind) == ("p1", "u3", "renovation_archive")
    assert files.file_renovation(w, closed([], group_id="group-2")) is None
    assert session.scalar(select(func.count()).select_from(Correspondence)) == 0
