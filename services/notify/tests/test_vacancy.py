"""notify tells the owner of a vacant unit its monthly check (tickets' ``vacant_unit.checked``,
purpose ``vacancy.check_result``): the unit in-app and each payer of the unit's active household by
SMS, once per check, in the platform's words -- never the steward's notes. Rules on SQLite."""
from __future__ import annotations

from sqlalchemy import select

from services.notify import schemas
from services.notify.domain import vacancy
from services.notify.models import Notification
from services.notify.tests.test_bills import session, tell, texts  # noqa: F401
from services.notify.tests.test_domain import G, clock, estate  # noqa: F401  (fixtures)

CHECKED = {"check_id": "vc1", "group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101",
           "month": "2026-12", "checked_at": "2026-12-09T07:00:00+00:00", "check_date": "2026-12-09",
           "result": "crack", "rooms": 3, "ok": 1, "defects": 1, "cracks": 1,
           "repair_ticket_numbers": ["BX-20261209-0001"], "awaiting_approval": 1}


def test_the_owner_is_told_the_result_in_platform_words_once_per_check(session, clock, estate):
    made = tell(session, clock, vacancy.on_vacant_unit_checked, schemas.VacantUnitCheckedIn(), CHECKED)
    got = texts(made)
    unit_text = got[("unit", "u1")]["inapp"][1]
    assert "1栋-0101" in unit_text and "2026-12-09" in unit_text
    assert "发现一般问题 1 处，已安排维修（工单 BX-20261209-0001）；发现裂缝 1 处，待经理审批后安排维修" in unit_text
    sms = [d for (kind, _), d in got.items() if kind == "person"]
    assert sms and all(set(d) <= {"sms"} for d in sms)
    assert {n.purpose for n in made} == {"vacancy.check_result"} and {n.ref_id for n in made} == {"vc1"}
    # the broker delivers it again, under another event id too: nothing more
    assert tell(session, clock, vacancy.on_vacant_unit_checked, schemas.VacantUnitCheckedIn(), CHECKED,
                event_id="ev-2") == []
    assert len(session.scalars(select(Notification)).all()) == len(made)


def test_nothing_found_reads_so_in_each_locale(session, clock, estate):
    ok = dict(CHECKED, check_id="vc2", result="ok", ok=3, defects=0, cracks=0, repair_ticket_numbers=[],
              awaiting_approval=0)
    made = tell(session, clock, vacancy.on_vacant_unit_checked, schemas.VacantUnitCheckedIn(), ok)
    assert "房屋设施完好，未发现问题" in texts(made)[("unit", "u1")]["inapp"][1]
    assert vacancy.result_label(ok, "en") == "everything in order, nothing found"


DECIDED = {"finding_id": "vf1", "check_id": "vc1", "group_id": G, "project_id": "p1", "unit_id": "u1",
           "unit_label": "1栋-0101", "month": "2026-12", "room": "主卧", "result": "crack",
           "repair_state": "repair_opened", "repair_ticket_id": "t9", "repair_ticket_number": "BX-20261210-0003",
           "decision_note": "请工程部修补，业主电话13800000101",
           "step": {"action": "approve", "from": "awaiting_approval", "to": "repair_opened",
                    "at": "2026-12-10T02:00:00+00:00", "actor": {"user_id": "cs.sun", "name": "孙经理"}}}


def test_the_owner_is_told_the_crack_s_decision_in_platform_words_once_per_finding(session, clock, estate):
    """The check's SMS said "待经理审批后安排维修": the decision follows (in-app + SMS), never the
    manager's note (nor the steward's room name)."""
    made = tell(session, clock, vacancy.on_crack_decided, schemas.VacantFindingDecidedIn(), DECIDED)
    got = texts(made)
    unit_text = got[("unit", "u1")]["inapp"][1]
    assert "1栋-0101" in unit_text and "经审批已安排维修（工单 BX-20261210-0003）" in unit_text
    sms = [d for (kind, _), d in got.items() if kind == "person"]
    assert sms and all(set(d) <= {"sms"} for d in sms)
    assert "经审批已安排维修" in sms[0]["sms"][1]
    every = str(got)
    assert "请工程部修补" not in every and "13800000101" not in every and "主卧" not in every
    assert {n.purpose for n in made} == {"vacancy.crack_decision"} and {n.ref_id for n in made} == {"vf1"}
    assert tell(session, clock, vacancy.on_crack_decided, schemas.VacantFindingDecidedIn(), DECIDED,
                event_id="ev-2") == []
    # a rejection: no repair for now, told the same way
    rejected = dict(DECIDED, finding_id="vf2", repair_state="rejected", repair_ticket_id=None,
                    repair_ticket_number=None, decision_note="不属于质量问题")
    made = tell(session, clock, vacancy.on_crack_decided, schemas.VacantFindingDecidedIn(), rejected,
                event_id="ev-3")
    assert "经评估暂不安排维修" in texts(made)[("unit", "u1")]["inapp"][1]
    assert "不属于质量问题" not in str(texts(made))
    assert vacancy.decision_label(rejected, "en") == "assessed: no repair is arranged for now"
