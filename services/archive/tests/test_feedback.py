"""archive files praise and suggestions (表扬与建议) and the company's replies: in the household
file of the unit's household, or -- about the project, or a unit nobody lives in -- in the
project's correspondence; each reference once."""
import pytest
from sqlalchemy import func, select

from services.archive import schemas
from services.archive.domain import files
from services.archive.models import Correspondence, ProjectCorrespondence
from services.archive.tests.test_complaints import AT, CS, G, clock, estate, session, work  # noqa: F401


def received(unit_id="u1", **over):
    return schemas.FeedbackReceivedIn().load({
        "ticket_id": "f1", "number": "BJ-20261124-0001", "sub_kind": "suggestion", "group_id": G,
        "project_id": "p1", "unit_id": unit_id, "unit_label": "1栋-0101", "household_id": "h1",
        "channel": "portal", "content": "建议在东门加装雨棚", "reporter_name": "张伟", "named_staff": [],
        "department": None, "received_at": AT.isoformat(), "recorded_at": AT.isoformat(), **over})


def replied(unit_id="u1", reply_id="d1", **over):
    return schemas.FeedbackRepliedIn().load({
        "reply_id": reply_id, "ticket_id": "f1", "number": "BJ-20261124-0001", "sub_kind": "suggestion",
        "group_id": G, "project_id": "p1", "unit_id": unit_id, "unit_label": None, "household_id": None,
        "decision": "not_adopted", "reason": "东门为消防通道", "title": "建议未采纳", "body": "感谢您的建议",
        "document_id": reply_id, "by": {"user_id": "cs.mgr", "name": "王经理"}, "at": AT.isoformat(), **over})


def test_a_suggestion_and_its_reply_go_into_the_household_file(session, clock, estate):  # noqa: F811
    w = work(session, clock)
    entry = files.file_feedback(w, received())
    reply = files.file_feedback_reply(w, replied())
    again = files.file_feedback_reply(w, replied())
    session.commit()
    assert (entry.household_id, entry.kind, entry.ref_number) == ("h1", "suggestion", "BJ-20261124-0001")
    assert entry.summary == "建议：建议在东门加装雨棚"
    assert again.id == reply.id and reply.kind == "feedback_reply"
    assert reply.summary == "建议答复（不采纳）（理由：东门为消防通道）（王经理）：感谢您的建议"
    the_file = files.read_file(work(session, clock, CS), "h1", "查看表扬建议")
    assert sorted(c.kind for c in the_file["correspondence"]) == ["feedback_reply", "suggestion"]
    assert session.scalar(select(func.count()).select_from(ProjectCorrespondence)) == 0


def test_praise_about_the_project_is_filed_with_the_project(session, clock, estate):  # noqa: F811
    w = work(session, clock)
    entry = files.file_feedback(w, received(unit_id=None, sub_kind="praise", content="小区绿化很好",
                                             named_staff=["李师傅"], department="绿化部"))
    files.file_feedback_reply(w, replied(unit_id=None, sub_kind="praise", decision=None, reason=None,
                                         body="感谢您的表扬"))
    session.commit()
    assert (entry.project_id, entry.unit_id, entry.kind) == ("p1", None, "praise")
    assert entry.summary == "表扬（李师傅、绿化部）：小区绿化很好"
    listed = files.project_correspondence(work(session, clock, CS), "p1")
    assert sorted(c.kind for c in listed) == ["feedback_reply", "praise"]
    assert [c.summary for c in listed if c.kind == "feedback_reply"] == ["表扬答谢（王经理）：感谢您的表扬"]
    assert session.scalar(select(func.count()).select_from(Correspondence)) == 0


def test_a_sub_kind_archive_does_not_know_is_refused():
    with pytest.raises(Exception):
        received(sub_kind="complaint")
