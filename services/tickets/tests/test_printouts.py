"""The front desk's printouts (domain/printouts.py): the goods release pass in its two parts, the
renovation permit and a pass, the day's inspection sheet -- the text read back from the PDF
(kernel.pdftext), the names masked as on screen, who may print (the readers of the record) and
another project's record reading like a missing one."""
from __future__ import annotations

import base64
from dataclasses import replace
from datetime import date

import pytest

from kernel import pdftext
from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import resident, staff
from services.tickets.domain import copies, inspections, printouts
from services.tickets.exceptions import NotPrintable, PassNotFound
from services.tickets.tests import test_goods_release as gr_t
from services.tickets.tests import test_renovation as ren_t
from services.tickets.tests.support import work

G = "group-1"
DESK = replace(staff(G, ["p1"], roles=["front_desk"], user_id="desk"), name="前台小王")
GUARD = staff(G, ["p1"], roles=["security"], user_id="guard")
STEWARD = replace(staff(G, ["p1"], roles=["steward"], user_id="steward.wu"), name="吴管家")
CS = staff(G, ["p1"], roles=["cs_manager"], user_id="cs.sun")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng")
OTHER_PROJECT = staff(G, ["p2"], roles=["front_desk", "cs_manager", "steward"], user_id="desk.p2")
OTHER_GROUP = staff("group-2", ["p1"], roles=["front_desk", "cs_manager"], user_id="desk.g2")
NEIGHBOUR = resident(G, ["u2"], user_id="r-li")


def text(out: dict) -> str:
    data = base64.b64decode(out["content_base64"])
    assert data.startswith(b"%PDF-") and pdftext.fonts(data), "a PDF with the CJK font embedded"
    assert pdftext.pages(data) == out["pages"]
    return "\n".join(pdftext.text(data))


@pytest.fixture
def registry(session, clock):
    w = work(session, clock, Caller.system(G, "tickets"))
    copies.apply_project(w, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                             "timezone": "Asia/Shanghai", "version": 1})
    for uid, label in (("u1", "1栋-0101"), ("u2", "1栋-0102")):
        copies.apply_unit(w, {"unit_id": uid, "group_id": G, "project_id": "p1", "label": label, "version": 1})
    session.flush()


# -- the goods release pass ------------------------------------------------------------------------

def test_the_goods_pass_prints_both_parts_with_the_names_masked(session, clock, registry):
    release = gr_t.issued(session, clock)
    out = printouts.goods_release_pass(work(session, clock, DESK), release.id, compress=False)
    printed = text(out)
    assert out["filename"] == f"goods-release-{release.number}.pdf" and out["pages"] == 1
    assert out["utf8_filename"] == f"绿湖花园-物品放行条-{release.number}-1栋-0101.pdf"
    assert printed.count("物品放行条") == 2 and "存根联" in printed and "通知联" in printed
    assert printed.count(release.number) == 2 and printed.count("1栋-0101") == 2
    # requester and mover masked as a reader who is not the desk sees them; the mover's ID as stored
    assert "张*（业主）" in printed and "王**" in printed
    assert "张伟" not in printed and "王师傅" not in printed
    assert "1101**********4566" in printed and gr_t.MOVER_ID not in printed and gr_t.ID_CARD not in printed
    assert "居民身份证" in printed and "当面核验证件" in printed
    assert "冰箱" in printed and "纸箱" in printed and "12" in printed
    assert "2026-11-25 10:00" in printed                     # the move, at the site's time
    assert "经办人签字" in printed and "领取人签字" in printed and "门岗核验签字" in printed
    assert "已作废" not in printed and "已使用" not in printed
    # drawn without a recorded print (the gateway's GET): a preview, on both parts, nothing recorded
    assert printed.count("【预览·不作放行凭证】") == 2 and "打印：" not in printed
    assert release.print_count == 0 and release.printed_at is None


def test_a_recorded_print_says_which_print_it_is_and_a_later_one_is_marked_a_reprint(session, clock, registry):
    """打印记录 and 补打: the first print carries its number, who and when, no mark; every later print
    is marked 【补打】 on both parts, so a second live copy is known for one."""
    release = gr_t.issued(session, clock)
    recorded = printouts.record_goods_release_print(work(session, clock, DESK), release.id)
    assert recorded["print"]["number"] == 1 and recorded["release"]["print_count"] == 1
    assert recorded["release"]["printed"] == {"user_id": "desk", "name": "前台小王"}
    first = text(printouts.goods_release_pass(work(session, clock, DESK), release.id, printed=recorded["print"],
                                              compress=False))
    assert first.count("打印：\n第1次 前台小王 2026-11-24 09:00") == 2
    assert "补打" not in first and "预览" not in first
    clock.advance(hours=2)
    again = printouts.record_goods_release_print(work(session, clock, STEWARD), release.id)
    out = printouts.goods_release_pass(work(session, clock, STEWARD), release.id, printed=again["print"],
                                       compress=False)
    second = text(out)
    assert out["pages"] == 1 and second.count("【补打】") == 2
    assert second.count("打印：\n第2次（补打） 吴管家 2026-11-24 11:00") == 2
    assert again["release"]["printed"]["name"] == "前台小王" and again["release"]["print_count"] == 2
    # the print as an idempotent replay gives it back: its "at" a string
    replayed = dict(again["print"], at=again["print"]["at"].isoformat())
    assert "第2次（补打） 吴管家 2026-11-24 11:00" in text(
        printouts.goods_release_pass(work(session, clock, STEWARD), release.id, printed=replayed, compress=False))
    # a voided pass reprinted: both marks, beside the title
    gr_t.step(session, clock, gr_t.CS, release, "void", reason="业主取消搬家")
    third = printouts.record_goods_release_print(work(session, clock, DESK), release.id)
    voided = text(printouts.goods_release_pass(work(session, clock, DESK), release.id, printed=third["print"],
                                               compress=False))
    assert voided.count("【已作废】") == 2 and voided.count("【补打】") == 2
    with pytest.raises(NotFound):
        printouts.record_goods_release_print(work(session, clock, OTHER_PROJECT), release.id)


def test_a_resident_s_own_print_names_him_masked(session, clock, registry):
    """The resident prints his pass (a reprint after the desk's): the paper's print line names him as every
    resident is named on paper -- 张* (kernel.privacy.mask_name) -- never in full; staff print in full."""
    release = gr_t.issued(session, clock)
    printouts.record_goods_release_print(work(session, clock, DESK), release.id)
    me = replace(gr_t.ME, name="张伟")
    clock.advance(hours=1)
    mine = printouts.record_goods_release_print(work(session, clock, me), release.id)
    assert mine["print"]["by"] == {"user_id": "r-zhang", "name": "张伟"}       # the record keeps who
    printed = text(printouts.goods_release_pass(work(session, clock, me), release.id, printed=mine["print"],
                                                compress=False))
    assert printed.count("打印：\n第2次（补打） 张* 2026-11-24 10:00") == 2
    assert "张伟" not in printed


def test_a_used_or_voided_pass_prints_with_its_mark_and_one_not_issued_is_refused(session, clock, registry):
    verified = gr_t.request(session, clock, identity=gr_t.IN_PERSON)
    with pytest.raises(NotPrintable) as refused:
        printouts.goods_release_pass(work(session, clock, DESK), verified.id)
    assert refused.value.code == "pass_not_issued"
    release = gr_t.issued(session, clock)
    gr_t.step(session, clock, gr_t.CS, release, "void", reason="业主取消搬家")
    assert "【已作废】" in text(printouts.goods_release_pass(work(session, clock, DESK), release.id, compress=False))


def test_who_prints_a_goods_pass_is_who_reads_it(session, clock, registry):
    release = gr_t.issued(session, clock)
    for caller in (DESK, GUARD, gr_t.FINANCE, gr_t.CS, gr_t.ME):
        assert printouts.goods_release_pass(work(session, clock, caller), release.id)["pages"] == 1
    for caller in (TECH, OTHER_PROJECT, OTHER_GROUP, NEIGHBOUR):
        with pytest.raises((NotFound, Forbidden)) as refused:
            printouts.goods_release_pass(work(session, clock, caller), release.id)
        assert caller is TECH or isinstance(refused.value, NotFound)
    with pytest.raises(NotFound):
        printouts.goods_release_pass(work(session, clock, DESK), "nope")


# -- the renovation permit and its passes ------------------------------------------------------------

def test_the_permit_lists_the_passes_in_force_and_a_worker_pass_prints_its_holder_in_full(session, clock, registry):
    ticket = ren_t.approved(session, clock)
    with pytest.raises(NotPrintable) as refused:
        printouts.renovation_permit(work(session, clock, DESK), ticket.id)
    assert refused.value.code == "permit_not_issued"
    ren_t.paid(session, clock, ticket)
    ren_t.do(session, clock, ticket, "issue_permit")
    ren_t.do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="王建国",
             detail="13812345678", valid_until=date(2026, 12, 31))
    ren_t.do(session, clock, ticket, "issue_pass", pass_kind="material", holder_name="李四",
             valid_until=date(2026, 12, 5))
    gone = ren_t.do(session, clock, ticket, "issue_pass", pass_kind="worker", holder_name="赵六")
    passes = {p.holder_name: p for p in ren_t.renovation.passes_of(session, gone.id)}
    ren_t.do(session, clock, ticket, "void_pass", pass_id=passes["赵六"].id, reason="离场")
    permit_no = ren_t.renovation.get(work(session, clock, DESK), ticket.id)[1].permit_number

    printed = text(printouts.renovation_permit(work(session, clock, DESK), ticket.id, compress=False))
    assert "装修许可证" in printed and permit_no in printed and ticket.number in printed
    assert "1栋-0101" in printed and "某装饰公司" in printed and "2026-11-24" in printed
    assert passes["王建国"].number in printed and passes["李四"].number in printed
    assert passes["赵六"].number not in printed                     # voided: not in force
    assert "王**" in printed and "王建国" not in printed and "13812345678" not in printed

    one = printouts.renovation_pass(work(session, clock, GUARD), ticket.id, passes["王建国"].id, compress=False)
    printed = text(one)
    assert "装修施工人员出入证" in printed and passes["王建国"].number in printed and permit_no in printed
    # the worker's own pass names them in full: the gate checks the person against it (L10)
    assert "王建国" in printed and "2026-12-31" in printed and "某装饰公司" in printed
    assert "13812345678" not in printed
    printed = text(printouts.renovation_pass(work(session, clock, ren_t.ME), ticket.id, passes["王建国"].id,
                                             compress=False))
    assert "王**" in printed and "王建国" not in printed             # a resident's print: masked
    assert "【已作废】" in text(printouts.renovation_pass(work(session, clock, DESK), ticket.id,
                                                        passes["赵六"].id, compress=False))
    assert "装修材料出入证" in text(printouts.renovation_pass(work(session, clock, ren_t.ME), ticket.id,
                                                          passes["李四"].id, compress=False))
    # another renovation's pass, another project's staff, a neighbour: missing
    with pytest.raises(PassNotFound):
        printouts.renovation_pass(work(session, clock, DESK), ticket.id, "nope")
    for caller in (OTHER_PROJECT, NEIGHBOUR):
        with pytest.raises(NotFound):
            printouts.renovation_permit(work(session, clock, caller), ticket.id)
        with pytest.raises(NotFound):
            printouts.renovation_pass(work(session, clock, caller), ticket.id, passes["王建国"].id)


# -- the day's inspection sheet ----------------------------------------------------------------------

def test_the_days_sheet_has_the_checklist_and_a_blank_column_per_patrol(session, clock, registry):
    area = inspections.create_area(work(session, clock, CS), "p1",
                                   {"name": "1栋楼梯间", "area_type": "stairwell", "steward_id": "steward.wu",
                                    "steward_name": "吴管家"}, None)
    session.flush()
    out = printouts.inspection_sheet(work(session, clock, STEWARD), "p1", area.id, compress=False)
    printed = text(out)
    assert out["filename"] == f"inspection-sheet-{area.id}-2026-11-24.pdf"
    assert "巡检记录表" in printed and "1栋楼梯间" in printed and "楼梯间" in printed and "2026-11-24" in printed
    for item in inspections.DEFAULT_ITEMS["stairwell"]:
        assert item["name"] in printed
    assert "08:00-12:00" in printed and "14:00-18:00" in printed and "备注" in printed
    assert "巡检人" in printed
    # another day: the checklist in force and the project's windows
    other = text(printouts.inspection_sheet(work(session, clock, DESK), "p1", area.id, date(2026, 12, 1),
                                            compress=False))
    assert "2026-12-01" in other and "08:00-12:00" in other
    # who reads the project's inspections prints; others not; another project's area is missing
    with pytest.raises(Forbidden):
        printouts.inspection_sheet(work(session, clock, TECH), "p1", area.id)
    for caller in (OTHER_PROJECT, OTHER_GROUP, resident(G, ["u1"], user_id="r-zhang")):
        with pytest.raises(NotFound):
            printouts.inspection_sheet(work(session, clock, caller), "p1", area.id)
    with pytest.raises(NotFound):
        printouts.inspection_sheet(work(session, clock, DESK), "p1", "nope")


def test_a_print_retried_with_its_key_is_the_same_print_not_a_reprint(session, clock, registry):
    """The print RPC under an Idempotency-Key (the gateway's POST .../prints): the same key answers the same
    print -- its number, the paper drawn again from it -- and counts nothing more; a new key is a reprint."""
    from services.tickets.rpcs.printouts import PrintoutRpcs

    class Rpcs(PrintoutRpcs):
        def work(self):
            return work(session, clock, DESK)

    def read(out):                                       # the RPC's PDF is compressed
        return "\n".join(pdftext.text(pdftext.inflate(base64.b64decode(out["content_base64"]))))

    release = gr_t.issued(session, clock)
    rpcs = Rpcs()
    first = rpcs.record_goods_release_print(release.id, idempotency_key="print-1")
    clock.advance(minutes=3)
    retried = rpcs.record_goods_release_print(release.id, idempotency_key="print-1")
    assert retried["print"] == first["print"] and retried["print"]["number"] == 1
    assert "补打" not in read(retried) and "打印：\n第1次 前台小王 2026-11-24 09:00" in read(retried)
    assert release.print_count == 1 and [h.action for h in release.history].count("print") == 1
    reprinted = rpcs.record_goods_release_print(release.id, idempotency_key="print-2")
    assert reprinted["print"]["number"] == 2 and reprinted["release"]["print_count"] == 2
    assert read(reprinted).count("【补打】") == 2 and first["filename"] == reprinted["filename"]
