"""archive files complaints (投诉) and their replies: in the household file of the unit's
household, or -- a public matter, or a unit nobody lives in -- in the project's correspondence;
each reference once."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from kernel.clock import ManualClock
from kernel.errors import NotFound
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, staff
from kernel.work import Work
from services.archive import schemas
from services.archive.domain import files, registry
from services.archive.domain import settings as archive_settings
from services.archive.events import CONTRACT
from services.archive.exceptions import FileAccessDenied
from services.archive.models import Base, Correspondence, ProjectCorrespondence

G = "group-1"
AT = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
ARCHIVE = Caller.system(G, "archive")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.mgr")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


def work(session, clock, caller=ARCHIVE):
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                      settings=archive_settings.SETTINGS)


@pytest.fixture
def estate(session, clock):
    w = work(session, clock, Caller.system(G, "seed"))
    registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                  "kind": "residential", "timezone": "Asia/Shanghai"})
    registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋", "floors": 18})
    for uid, number in (("u1", "0101"), ("u2", "0102")):
        registry.register_unit(w, {"id": uid, "building_id": "b1", "number": number, "floor": 1,
                                   "building_area": Decimal("89.37")})
    registry.move_in(w, {"id": "h1", "unit_id": "u1", "moved_in_on": date(2026, 3, 1), "by_proxy": False,
                         "people": [{"id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                                     "locale": "zh-CN"}], "documents_received": []})
    session.commit()


def registered(unit_id="u1", **over):
    return schemas.ComplaintRegisteredIn().load({
        "ticket_id": "t1", "number": "TS-20261124-0001", "kind": "complaint", "group_id": G,
        "project_id": "p1", "unit_id": unit_id, "unit_label": "1栋-0101", "household_id": "h1",
        "channel": "phone", "form": "written", "complaint_class": "key", "department": "security",
        "content": "夜间巡逻不到位", "reporter_name": "张伟", "received_at": AT.isoformat(),
        "recorded_at": AT.isoformat(), "revisit_ticket_id": None, **over})


def replied(unit_id="u1", reply_id="d1", reply_kind="written_reply"):
    return schemas.ComplaintRepliedIn().load({
        "reply_id": reply_id, "ticket_id": "t1", "number": "TS-20261124-0001", "kind": "complaint",
        "group_id": G, "project_id": "p1", "unit_id": unit_id, "unit_label": None, "household_id": None,
        "reply_kind": reply_kind, "body": "已调整巡逻路线", "document_id": reply_id,
        "by": {"user_id": "cs.mgr", "name": "王经理"}, "at": AT.isoformat()})


def test_a_complaint_and_its_replies_go_into_the_household_file(session, clock, estate):
    w = work(session, clock)
    complaint = files.file_complaint(w, registered())
    reply = files.file_complaint_reply(w, replied())
    again = files.file_complaint_reply(w, replied())
    files.file_complaint_reply(w, replied(reply_id="t1:resolution", reply_kind="resolution"))
    session.commit()
    assert (complaint.household_id, complaint.kind, complaint.ref_number) == ("h1", "complaint", "TS-20261124-0001")
    assert complaint.summary == "投诉（书面，重要，security）：夜间巡逻不到位"
    assert again.id == reply.id and reply.summary == "投诉书面回复（王经理）：已调整巡逻路线"
    the_file = files.read_file(work(session, clock, CS), "h1", "回复投诉")
    assert sorted(c.kind for c in the_file["correspondence"]) == ["complaint", "complaint_reply", "complaint_reply"]
    assert session.scalar(select(func.count()).select_from(ProjectCorrespondence)) == 0


def test_a_public_matter_is_filed_with_the_project(session, clock, estate):
    w = work(session, clock)
    entry = files.file_complaint(w, registered(unit_id=None, kind="quality", complaint_class=None,
                                               department="engineering", form="oral", content="地库顶板渗水"))
    files.file_complaint_reply(w, replied(unit_id=None, reply_kind="explanation"))
    files.file_complaint(w, registered(unit_id="u2", ticket_id="t2"))       # a vacant unit: the project too
    session.commit()
    assert (entry.project_id, entry.unit_id, entry.kind) == ("p1", None, "quality_complaint")
    assert entry.summary == "质量投诉（口头，engineering）：地库顶板渗水"
    listed = files.project_correspondence(work(session, clock, CS), "p1")
    assert sorted((c.kind, c.unit_id or "") for c in listed) == [
        ("complaint", "u2"), ("complaint_reply", ""), ("quality_complaint", "")]
    assert session.scalar(select(func.count()).select_from(Correspondence)) == 0
    with pytest.raises(FileAccessDenied):
        files.project_correspondence(work(session, clock, staff(G, ["p1"], roles=["engineering"])), "p1")
    with pytest.raises(NotFound):
        files.project_correspondence(work(session, clock, CS), "p9")
