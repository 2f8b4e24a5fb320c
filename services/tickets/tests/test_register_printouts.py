"""The key registers and the vacant units' check sheet printed (domain/printouts.py; seed 000 §九 / §十
支持文件): the month's key loan register (钥匙借用记录表), the owners' deposited keys (业主寄存钥匙记录表), the
month's vacant-unit checks (空置房检验统计表) -- the text read back from the PDF (kernel.pdftext), the
borrower's and the owner's names, phones and ID numbers masked by kernel.privacy's rule, staff only,
another project's staff and residents answered as for a missing project."""
from __future__ import annotations

import base64

import pytest

from kernel import pdftext
from kernel.errors import Forbidden, NotFound
from kernel.testing import resident, staff
from services.tickets.domain import printouts, vacant
from services.tickets.schemas import VacantCheckIn
from services.tickets.tests.test_keys_vacant import (BORROWER, CS, DESK, FILE, G, P, STEWARD, key_in_store, local,  # noqa: F401
                                                     move, world)

OWNER_ID = FILE["u1"]["业主一"][1]
OWNER_IN_FILE = {"name": "业主一", "id_type": "resident_id", "id_number": OWNER_ID}
PAPERS = {"contract_ref": "HT-0001", "receipt_ref": "SJ-0001"}
OUTSIDERS = (staff(G, ["p2"], roles=["front_desk", "cs_manager"], user_id="desk.p2"),
             staff("group-2", [P], roles=["front_desk", "cs_manager"], user_id="desk.g2"),
             resident(G, ["u1"], user_id="r-u1"))


def text(out: dict) -> str:
    data = base64.b64decode(out["content_base64"])
    assert data.startswith(b"%PDF-") and pdftext.fonts(data), "a PDF with the CJK font embedded"
    assert pdftext.pages(data) == out["pages"]
    return "\n".join(pdftext.text(data))


def printed(w, caller, fn, *args) -> tuple[dict, str]:
    """The PDF and its text, its lines joined by spaces (a cell's date and time may wrap apart)."""
    out = w.do(caller, fn, *args, compress=False)
    return out, text(out).replace("\n", " ")


def refused_to_outsiders(w, fn, *args) -> None:
    for caller in OUTSIDERS:
        with pytest.raises(NotFound):
            w.do(caller, fn, *args)
    with pytest.raises(Forbidden):
        w.do(staff(G, [P], roles=["security"], user_id="guard"), fn, *args)


def test_the_month_s_key_loan_register_lists_each_loan_with_the_borrower_masked(world):
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **{**BORROWER, "purpose": "检修水管，联系13800002222"})
    move(world, CS, key_id, "approve_loan")
    world.clock.set(local(2026, 11, 25, 9, 5))                   # back the next morning: 905 minutes late
    move(world, DESK, key_id, "return")
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "refuse_loan", note="押金未交")
    other = key_in_store(world, "u2", "信报箱钥匙")
    move(world, DESK, other, "request_loan", **{**BORROWER, "name": "张三", "id_number": "110101199003071217"})
    world.clock.set(local(2026, 12, 1, 10, 0))                   # December's: not on November's register
    move(world, CS, other, "approve_loan")
    key3 = key_in_store(world, "u3")
    move(world, DESK, key3, "request_loan", **{**BORROWER, "name": "王五"})

    out, sheet = printed(world, DESK, printouts.key_loan_register, P, "2026-11")
    assert out["filename"] == "key-loans-2026-11.pdf" and out["utf8_filename"] == "绿湖花园-钥匙借用记录表-2026-11.pdf"
    assert "钥匙借用记录表" in sheet and "借用登记 3 笔，逾期归还 1 笔" in sheet
    # the borrower masked: the name, the phone, the ID number as stored; the number typed in the purpose too
    assert "李*" in sheet and "李师傅" not in sheet and "138****1111" in sheet and "13800001111" not in sheet
    assert "1101**********1233" in sheet and BORROWER["id_number"] not in sheet
    assert "13800002222" not in sheet and "138****2222" in sheet
    assert "张*" in sheet and "王五" not in sheet                  # December's request is not November's
    # lent, due, back and late, in the project's zone; who approved (staff by name); the refused one
    for when in ("2026-11-24 10:00", "2026-11-24 18:00", "2026-11-25 09:05"):
        assert when in sheet
    assert "905分钟" in sheet and "已归还" in sheet and "未借出" in sheet
    assert "借出中" in sheet and "待批准" not in sheet       # 张三's, registered in November, lent on 1 December
    assert "cs.sun" in sheet and "1栋-0001" in sheet and "入户门钥匙" in sheet and "信报箱钥匙" in sheet

    december = printed(world, CS, printouts.key_loan_register, P, "2026-12")[1]
    assert "王*" in december and "待批准" in december and "李*" not in december
    empty = printed(world, CS, printouts.key_loan_register, P, "2026-10")[1]
    assert "借用登记 0 笔" in empty and "无" in empty
    refused_to_outsiders(world, printouts.key_loan_register, P, "2026-11")


def test_the_owners_deposited_keys_register_lists_each_deposit_and_its_taking_back(world):
    kept = key_in_store(world)
    move(world, DESK, kept, "collect", **OWNER_IN_FILE, **PAPERS)
    world.clock.set(local(2026, 11, 24, 11, 0))
    move(world, DESK, kept, "deposit", **OWNER_IN_FILE, phone="13800003333")
    back = key_in_store(world, "u1", "车库钥匙")
    move(world, DESK, back, "collect", **OWNER_IN_FILE, **PAPERS)
    move(world, DESK, back, "deposit", **OWNER_IN_FILE)
    world.clock.set(local(2026, 11, 26, 15, 30))
    move(world, DESK, back, "collect", **OWNER_IN_FILE)
    key_in_store(world, "u2")                                    # never deposited: not on the register

    out, sheet = printed(world, STEWARD, printouts.key_deposit_register, P)
    assert out["filename"] == "key-deposits-2026-11-26.pdf"
    assert "业主寄存钥匙记录表" in sheet and "寄存 2 次，仍在寄存 1 次" in sheet
    assert "业*" in sheet and "业主一" not in sheet and OWNER_ID not in sheet and "1101**********1233" in sheet
    assert "13800003333" not in sheet and "138****3333" in sheet
    assert "2026-11-24 11:00" in sheet and "2026-11-26 15:30" in sheet
    assert "寄存中" in sheet and "已取回" in sheet and "车库钥匙" in sheet and "1栋-0002" not in sheet
    refused_to_outsiders(world, printouts.key_deposit_register, P)


def test_the_month_s_vacant_check_sheet_says_who_checked_what_and_whether_the_owner_was_told(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3"])
    _, checks = world.do(DESK, lambda wk: vacant.month_view(wk, P, "2026-12"))
    by_unit = {c.unit_id: c.id for c in checks}
    world.clock.set(local(2026, 12, 9, 15, 0))
    world.do(STEWARD, vacant.record_check, by_unit["u2"], VacantCheckIn().load({"findings": [
        {"room": "客厅", "result": "ok"}, {"room": "卫生间", "result": "defect", "note": "水龙头滴水，业主电话13800004444"},
        {"room": "主卧", "result": "crack", "note": "墙面细裂"}]})["findings"])

    out, sheet = printed(world, CS, printouts.vacant_check_sheet, P, "2026-12")
    assert out["filename"] == "vacant-checks-2026-12.pdf" and out["utf8_filename"] == "绿湖花园-空置房检验统计表-2026-12.pdf"
    assert "空置房检验统计表" in sheet and "空置房 2 套，已检验 1 套，已短信告知业主 1 套" in sheet
    assert "1栋-0002" in sheet and "2026-12-09" in sheet and "客厅：完好" in sheet and "卫生间：一般问题" in sheet
    assert "主卧：裂缝" in sheet and "待经理审批" in sheet and "报修 " in sheet
    assert "13800004444" not in sheet and "138****4444" in sheet
    assert "已发送 2026-12-09 15:00" in sheet and "未发送" in sheet and "未检验" in sheet   # u3 not checked yet
    # the unit taken off the register is left out
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    assert "1栋-0003" not in printed(world, DESK, printouts.vacant_check_sheet, P, "2026-12")[1]
    refused_to_outsiders(world, printouts.vacant_check_sheet, P, "2026-12")


def test_a_finding_s_room_and_note_are_printed_through_the_one_masking_rule(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    _, checks = world.do(DESK, lambda wk: vacant.month_view(wk, P, "2026-12"))
    world.clock.set(local(2026, 12, 9, 15, 0))
    world.do(STEWARD, vacant.record_check, checks[0].id, VacantCheckIn().load({"findings": [
        {"room": "卧室 13912345678", "result": "ok"},
        {"room": "书房", "result": "defect", "note": "业主 139 1234 5678，证件 11010119900307777８"}]})["findings"])
    _, sheet = printed(world, CS, printouts.vacant_check_sheet, P, "2026-12")
    assert "卧室 139****5678：完好" in sheet and "13912345678" not in sheet
    assert "139 1234 5678" not in sheet and "书房：一般问题（业主 139****5678，证件 1101**********7778）" in sheet


def test_a_check_s_findings_are_read_whole_by_the_desk_and_masked_for_the_engineering_manager(world):
    from services.tickets.tests.support import work
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    _, checks = world.do(DESK, lambda wk: vacant.month_view(wk, P, "2026-12"))
    world.clock.set(local(2026, 12, 9, 15, 0))
    world.do(STEWARD, vacant.record_check, checks[0].id, VacantCheckIn().load({"findings": [
        {"room": "卧室 139-1234-5678", "result": "defect", "note": "业主电话 13800004444"}]})["findings"])

    def finding(caller) -> dict:
        with world.Session() as session:
            wk = work(session, world.clock, caller)
            return vacant.check_view(wk, vacant.get_check(wk, checks[0].id))["findings"][0]
    for desk in (DESK, STEWARD, CS):
        assert finding(desk)["room"] == "卧室 139-1234-5678" and finding(desk)["note"] == "业主电话 13800004444"
    for other in (staff(G, [P], roles=["engineering_manager"], user_id="eng.m"),
                  staff(G, [P], roles=["general_manager"], user_id="gm")):
        seen = finding(other)
        assert seen["room"] == "卧室 139****5678" and seen["note"] == "业主电话 138****4444"
