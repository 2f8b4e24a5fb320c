"""The month's inspection figures (日常巡检统计表, domain/inspection_figures.py) and their printed sheet:
a day of patrols through the plan -- one done in time with a failed item (its repair), one done after
its clock's warning point (late), one missed by the platform's job, one cancelled, a round walked now
still open -- counted per area, per steward and in total; the findings listed; who may read them; the
month refused when it is not one. Nothing faked: the jobs run through the kernel's job runner, time
through ManualClock."""
from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from kernel import pdftext
from kernel.errors import Forbidden, NotFound
from kernel.testing import staff
from services.tickets.domain import inspection_figures, inspections, printouts
from services.tickets.exceptions import InvalidMonth, MonthInFuture
from services.tickets.schemas import InspectionFiguresOut

from . import test_inspections
from .test_inspections import CS, DESK, G, P, STEWARD, TECH, area, local, ok_all

world = test_inspections.world          # the fixture: a project's copy, the job runner, a ManualClock

LI = replace(staff(G, [P], roles=["steward"], user_id="steward.li"), name="李管家")
OTHER_PROJECT = staff(G, ["p2"], roles=["cs_manager"], user_id="cs.p2")


def rounds_of(world, area_id):
    return world.do(CS, lambda w: {(t.id): inspections.round_view(w, t)["slot"] for t in
                                   inspections.list_rounds(w, P, area_id=area_id)[0]})


def slot(world, area_id, n):
    return next(rid for rid, s in rounds_of(world, area_id).items() if s == n)


def figures(world, caller=CS, month="2026-11"):
    return world.do(caller, inspection_figures.monthly_figures, P, month)


@pytest.fixture
def day(world):
    """2026-11-24 in 绿湖花园 (Asia/Shanghai), from 07:00: the stairwell is 吴管家's, the roof 李管家's."""
    stairwell = area(world, steward_id="steward.wu", steward_name="吴管家")
    roof = area(world, name="1栋楼顶天台", area_type="roof", steward_id="steward.li", steward_name="李管家")
    items = world.view(slot(world, stairwell, 1))["items"]
    # the morning patrol of the stairwell: done at 08:30 (in time), ST06 failed -> a repair
    world.clock.set(local(2026, 11, 24, 8, 30))
    world.step(STEWARD, slot(world, stairwell, 1), "complete", results=ok_all(items, ST06="3楼灭火器过期"))
    # the roof's afternoon patrol cancelled by the CS manager
    world.step(CS, slot(world, roof, 2), "cancel", reason="天台维修封闭")
    # a round walked now on the roof, left open
    world.clock.set(local(2026, 11, 24, 15, 0))                        # due 19:00
    spot = world.do(LI, inspections.start_round, roof)
    # the stairwell's afternoon patrol (14:00-18:00): done at 17:30, past the 80 % warning point (17:12)
    world.clock.set(local(2026, 11, 24, 17, 30))
    world.step(STEWARD, slot(world, stairwell, 2), "complete", results=ok_all(items))
    # the roof's morning patrol was never walked: the job marks it missed at 12:00 (run now)
    world.run_jobs()
    return {"stairwell": stairwell, "roof": roof, "spot": spot}


def test_a_day_of_rounds_counted_per_area_per_steward_and_in_total(world, day):
    out = InspectionFiguresOut().dump(figures(world))
    assert (out["month"], out["first_day"], out["last_day"], out["complete"]) == ("2026-11", "2026-11-01",
                                                                                 "2026-11-30", False)
    counts = ("planned", "spot", "done", "late", "missed", "open", "cancelled", "findings", "repairs_opened")
    assert {k: out["total"][k] for k in counts} == {"planned": 3, "spot": 1, "done": 2, "late": 1, "missed": 1,
                                                    "open": 1, "cancelled": 1, "findings": 1, "repairs_opened": 1}
    assert out["total"]["completion_percent"] == 50.0                     # 2 done of 3 planned + 1 walked now
    by_area = {a["name"]: a for a in out["areas"]}
    assert {k: by_area["1栋楼梯间"][k] for k in counts} == {
        "planned": 2, "spot": 0, "done": 2, "late": 1, "missed": 0, "open": 0, "cancelled": 0, "findings": 1,
        "repairs_opened": 1}
    assert by_area["1栋楼梯间"]["completion_percent"] == 100.0 and by_area["1栋楼顶天台"]["area_type_name"] == "楼顶天台"
    assert {k: by_area["1栋楼顶天台"][k] for k in ("planned", "spot", "done", "missed", "open", "cancelled")} == {
        "planned": 1, "spot": 1, "done": 0, "missed": 1, "open": 1, "cancelled": 1}
    by_steward = {(r["steward"] or {}).get("name"): r for r in out["stewards"]}
    assert set(by_steward) == {"吴管家", "李管家"}
    assert (by_steward["吴管家"]["done"], by_steward["吴管家"]["late"], by_steward["李管家"]["missed"]) == (2, 1, 1)
    [finding] = out["findings"]
    assert (finding["day"], finding["area_name"], finding["item_code"], finding["note"]) == (
        "2026-11-24", "1栋楼梯间", "ST06", "3楼灭火器过期")
    assert finding["repair_number"].startswith("BX-") and finding["round_number"].startswith("XJ-")
    assert finding["recorded_by"] == {"user_id": "steward.wu", "name": "吴管家"}
    # another month: nothing counted; October is before the areas were made (24 Nov): none listed
    october = figures(world, month="2026-10")
    assert october["total"]["planned"] == 0 and october["findings"] == []
    assert october["areas"] == [] and october["total"]["completion_percent"] is None


def test_a_deactivated_steward_s_patrols_are_a_row_of_their_own(world):
    world.do(CS, lambda w: inspections.create_area(w, P, {"name": "2栋大堂", "area_type": "lobby_corridor",
                                                          "steward_id": "steward.li", "steward_name": "李管家"}))
    world.do(inspections._system(G), inspections.set_staff_active, "steward.li", False, "李管家")
    rows = figures(world)["stewards"]
    assert [(r["steward"], r["planned"], r["open"]) for r in rows] == [(None, 2, 2)]


def test_who_reads_the_figures_and_which_month(world, day):
    assert figures(world, STEWARD)["total"]["planned"] == 3 and figures(world, DESK)["total"]["findings"] == 1
    with pytest.raises(Forbidden) as refused:
        figures(world, TECH)
    assert refused.value.code == "role_required"
    with pytest.raises((Forbidden, NotFound)):
        figures(world, OTHER_PROJECT)
    with pytest.raises(MonthInFuture):
        figures(world, month="2026-12")
    with pytest.raises(InvalidMonth):
        figures(world, month="2026-13")


def test_a_month_before_an_area_was_made_does_not_list_it(world, day):
    """The stairwell and the roof were made on 2026-11-24: November lists them; October and 1999-01 -- months
    before the project had any area -- list none (no rows of zeros for areas that did not exist then)."""
    assert {a["area_id"] for a in figures(world)["areas"]} == {day["stairwell"], day["roof"]}
    for month in ("2026-10", "1999-01"):
        shown = figures(world, month=month)
        assert shown["complete"] is True and shown["areas"] == [] and shown["stewards"] == []
        assert shown["total"]["planned"] == 0 and shown["total"]["completion_percent"] is None


def test_the_printed_sheet_holds_the_figures_and_the_findings(world, day):
    out = world.do(CS, printouts.inspection_figures_sheet, P, "2026-11", compress=False)
    data = base64.b64decode(out["content_base64"])
    assert data.startswith(b"%PDF-") and pdftext.pages(data) == out["pages"]
    text = "\n".join(pdftext.text(data))
    for expected in ("日常巡检统计表", "绿湖花园", "2026-11-01 至 2026-11-30", "按巡检区域", "按管家", "1栋楼梯间",
                     "1栋楼顶天台", "吴管家", "李管家", "3楼灭火器过期", "灭火器未过期、未失效", "50.0%", "客服部经理"):
        assert expected in text, expected
    assert out["utf8_filename"] == "绿湖花园-日常巡检统计表-2026-11.pdf"
    with pytest.raises(Forbidden):
        world.do(TECH, printouts.inspection_figures_sheet, P, "2026-11")
