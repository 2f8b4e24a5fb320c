"""The front desk's printouts (前台打印): the paper forms of tickets' records, drawn with the kernel's
renderer (:mod:`kernel.pdf`) from the same records and reads the screens use -- who may print one
is who may read it today, and another project's record reads like a missing one (404).

- :func:`goods_release_pass` -- the goods release pass (物品放行条) in two parts on one sheet, cut
  apart along the dashed line: the **stub** (存根联) the desk keeps and the **notice** (通知联) the
  mover shows to security at the gate. Both carry the number, the unit, the requester, the mover and
  the mover's ID, the items, the moving time, who issued it and how the identity was checked. A
  pass not issued yet (no number) is not printable (422 ``pass_not_issued``); a used or voided one
  prints with its mark (已使用 / 已作废) so a reprint is never taken for a live pass.
  **Every print is recorded** (:func:`record_goods_release_print`, ``goods_release.record_print``:
  who, when, the print's number; the first print's ``printed_at`` / ``printed_by`` and the count on the
  release) and the paper says which print it is (打印：第N次); from the second print on it is marked
  【补打】 (a reprint), so a second live copy is known for one. Drawn without a recorded print (the
  gateway's GET, a read that writes nothing) the pass is a **preview** marked 【预览·不作放行凭证】 --
  the paper the gate honours is the recorded print's.
- :func:`renovation_permit` -- the renovation permit (装修许可证): its number, the renovation's,
  the unit, the contractor, the planned period, the date issued and the passes in force (422
  ``permit_not_issued`` before the permit); :func:`renovation_pass` -- one worker's or material
  pass (施工人员出入证 / 装修材料出入证): number, unit, contractor, holder, valid until, the permit.
- :func:`inspection_sheet` -- the day's patrol sheet of an inspection area (巡检记录表): the area,
  its type, its steward, the day, and the checklist items (of the day's rounds, else the checklist in
  force) with a blank result column per patrol window and a note column, filled in by hand.
- :func:`inspection_figures_sheet` -- the month's inspection figures (日常巡检统计表, seed 000 §四),
  landscape: the totals, a row per area and per steward (planned, walked now, done, of them late,
  missed, open, cancelled, findings, repairs opened, completion), and every finding (day, area,
  item, note, who recorded it, the round, the repair and its status) -- the figures of
  ``inspection_figures.monthly_figures``, so the paper and the screen agree.
- :func:`key_loan_register` -- the month's key loan register (钥匙借用记录表, 000 §九 / §十 支持文件),
  landscape: every loan registered in the month -- key, unit, borrower (name masked, phone masked, ID as
  stored), purpose, who approved, lent, due, returned, minutes late, status; :func:`key_deposit_register`
  -- the owners' deposited keys (业主寄存钥匙记录表): every deposit, the owner (masked), when, who received
  it, the loans under the owner's consent, when and by whom it was taken back, the key's state now;
  :func:`vacant_check_sheet` -- the month's vacant-unit checks (空置房检验统计表): unit, checked on, by
  whom, the findings per room (and the repair opened), whether the owner's SMS went. Staff only (the
  key register's / the vacant units' readers), another project's: 404.

**Personal data on paper** (000 §八): a paper leaves the system's access control, so nothing is
printed in full that a screen masks for some of its readers. Residents' and workers' names are
masked (``kernel.privacy.mask_name``: 张* -- a resident reads pass holders masked on screen, and the
goods release's requester and mover are residents' people), ID numbers are printed as stored --
masked (1101**********4566; the full number is never kept). The rule is the same for the stub:
the desk's copy is filed in a drawer, not a logged read -- the mover signs the stub by hand
(领取人签字), which identifies them on the desk's copy without the platform printing anything more.
Staff names (who issued, the steward) are printed as they are. Every free-text field printed (an item's
name, a contractor, a finding's room and note, a key's label, a purpose) goes through the one rule,
``kernel.privacy.mask_free_text``: the mobiles and ID numbers typed into it masked, however typed
(``139 1234 5678``, full-width digits). The desk's free-text detail on a
renovation pass (a worker's phone typed in) is never printed. One exception: a worker's own pass
(施工人员出入证), printed by staff for the gate, carries the holder's full name -- the guard checks the
person against it (a masked 赵* identifies nobody); no ID number is printed on it. The permit's list
of passes and a pass a resident prints keep the names masked.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel import pdf as kpdf
from kernel.privacy import mask_free_text, mask_name, mask_phone
from kernel.validators import ID_TYPE_NAMES
from kernel.work import Work

from ..exceptions import AreaNotFound, GoodsReleaseNotFound, NotPrintable, PassNotFound, TicketNotFound
from ..models import (GoodsRelease, InspectionArea, InspectionRound, Key, KeyMovement, ProjectCopy, RenovationPass,
                      Ticket, TicketLog)
from . import goods_release as gr, inspection_figures, inspections, keys, renovation, repairs, vacant

STUB, NOTICE = "存根联", "通知联"
PART_NOTES = {STUB: "此联由服务中心留存", NOTICE: "此联交门岗（护卫部）核验放行"}
IDENTITY_METHODS = {"in_person": "当面核验证件", "by_phone": "电话核实（身份证号、家庭成员、工作单位）"}
REQUESTER_ROLES = {"owner": "业主", "family": "家庭成员", "tenant": "租户", "agent": "代办人"}
PASS_TITLES = {"worker": "装修施工人员出入证", "material": "装修材料出入证"}
MARKS = {gr.USED: "已使用", gr.VOIDED: "已作废"}
#: a later print of a pass (补打) and a pass drawn without a recorded print (a preview)
REPRINT, PREVIEW = "补打", "预览·不作放行凭证"


class _Scope:
    """A project as :func:`_conceal` reads a record (its group and itself)."""

    def __init__(self, project: ProjectCopy):
        self.group_id, self.project_id = project.group_id, project.id


def _zone(project: ProjectCopy | None) -> ZoneInfo:
    return ZoneInfo((project.timezone if project is not None else None) or "Asia/Shanghai")


def _local(at: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return at.astimezone(zone).strftime(fmt) if at is not None else ""


def _id_type(id_type: str | None) -> str:
    return (ID_TYPE_NAMES.get(id_type or "") or id_type or "").split(" (")[0]


def _conceal(work: Work, row, missing) -> None:
    """Another project's record reads like a missing one on paper too (``conceal``: staff of the
    same group elsewhere get the 404, not ``project_out_of_scope``); the reads' own checks follow."""
    if row is not None and work.caller.is_staff:
        work.caller.require_project(row.group_id, row.project_id, not_found=missing, conceal=True)


def _mark(pdf, text: str) -> None:
    """A status mark (已作废) in large type under the title."""
    pdf.set_font(kpdf.FAMILY, size=18)
    pdf.set_text_color(200, 0, 0)
    pdf.cell(pdf.epw, 10, f"【{text}】", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


# -- the goods release pass -------------------------------------------------------------------------

def record_goods_release_print(work: Work, release_id: str) -> dict:
    """Record a print of the pass (``goods_release.record_print``) before it is drawn:
    ``{"print": {number, at, by, reprint}, "release": the release's view}`` -- draw it with
    :func:`goods_release_pass` (``printed=`` the print)."""
    _conceal(work, work.session.get(GoodsRelease, release_id), GoodsReleaseNotFound(f"no goods release {release_id}"))
    release, printed = gr.record_print(work, release_id)
    return {"print": printed, "release": gr.view(release, work.caller)}


def _print_line(printed: dict, zone: ZoneInfo, *, by_resident: bool = False) -> str:
    """``第2次（补打） 前台小王 2026-11-24 09:00``: which print the paper is, by whom, when. Printed by a
    resident (``by_resident``): his name masked as every resident's name on paper (``mask_name``: 张*)."""
    at = printed["at"] if isinstance(printed["at"], datetime) else datetime.fromisoformat(str(printed["at"]))
    name = (printed.get("by") or {}).get("name") or ""
    parts = [f"第{printed['number']}次" + ("（补打）" if printed.get("reprint") else ""),
             (mask_name(name) if by_resident else name) or "", _local(at, zone)]
    return " ".join(part for part in parts if part)


def goods_release_pass(work: Work, release_id: str, *, printed: dict | None = None, compress: bool = True) -> dict:
    """The pass in two parts (存根联 / 通知联) on one sheet; readers of the release may print it.
    ``printed``: the recorded print it is (:func:`record_goods_release_print`) -- its number on the
    paper, 【补打】 from the second; without it the pass is a preview (【预览·不作放行凭证】)."""
    _conceal(work, work.session.get(GoodsRelease, release_id), GoodsReleaseNotFound(f"no goods release {release_id}"))
    release = gr.get(work, release_id)
    if not release.number:
        raise NotPrintable(f"goods release {release_id} has no pass yet ({release.status}): it is printed once "
                           "issued", code="pass_not_issued", zh="放行条尚未签发，签发后才能打印")
    project = work.session.get(ProjectCopy, release.project_id)
    zone = _zone(project)
    view = gr.view(release, work.caller)
    identity = view["identity"] or {}
    rows = [[str(i), mask_free_text(item["name"]), str(item["quantity"])] for i, item in enumerate(view["items"], 1)]
    facts = [
        ("放行单号", view["number"]),
        ("房号", view["unit_label"]),
        ("申请人", f"{mask_name(view['requester']['name']) or ''}"
                  f"（{REQUESTER_ROLES.get(view['requester']['role'], view['requester']['role'])}）"),
        ("搬运人", mask_name(view["mover"]["name"])),
        ("搬运人证件", f"{_id_type(view['mover']['id_type'])} {view['mover']['id_number_masked'] or ''}".strip()),
        ("搬出时间", _local(view["move_at"], zone)),
        ("身份核验", IDENTITY_METHODS.get(identity.get("method"), identity.get("method") or "")
         + (f"，核验人 {identity['checked_by']['name']}" if (identity.get("checked_by") or {}).get("name") else "")),
        ("签发", f"{(view['issued'] or {}).get('name', '')} {_local(view['issued_at'], zone)}".strip()),
    ]
    if printed is not None:
        # the print is the caller's own (recorded in this call, or its replay under the same key)
        facts.append(("打印", _print_line(printed, zone, by_resident=work.caller.is_resident)))
    marks = [MARKS[release.status]] if release.status in MARKS else []
    if printed is None:
        marks.append(PREVIEW)
    elif printed.get("reprint"):
        marks.append(REPRINT)
    pdf = kpdf.document(f"物品放行条 {view['number']}", compress=compress)
    pdf.add_page()
    for part in (STUB, NOTICE):
        kpdf.heading(pdf, project.name if project else "", "物品放行条", subtitle=f"{part}（{PART_NOTES[part]}）",
                     title_size=18, gap=3, marks=marks)
        kpdf.fields(pdf, facts, size=11, label_width=26, height=6)
        pdf.ln(1)
        kpdf.table(pdf, ["序号", "物品名称", "数量"], rows, widths=[1, 6, 1.5], size=10, row_height=6.5)
        kpdf.signatures(pdf, ["经办人签字", "领取人签字"] if part == STUB else ["门岗核验签字", "放行时间"], size=11, gap=3)
        if part == STUB:
            kpdf.cut_line(pdf)
    label = view["unit_label"] or ""
    return kpdf.as_file(pdf, f"goods-release-{view['number']}.pdf",
                        f"{project.name if project else ''}-物品放行条-{view['number']}-{label}.pdf")


# -- the renovation permit and passes -------------------------------------------------------------

def _renovation(work: Work, ticket_id: str):
    _conceal(work, work.session.get(Ticket, ticket_id), TicketNotFound(f"no renovation {ticket_id}"))
    ticket, row = renovation.get(work, ticket_id)
    if not row.permit_number:
        raise NotPrintable(f"renovation {ticket.number} has no permit yet ({ticket.status}): its permit and passes "
                           "are printed once the permit is issued", code="permit_not_issued",
                           zh="装修许可证尚未签发，签发后才能打印")
    return ticket, row, work.session.get(ProjectCopy, ticket.project_id)


def _period(row) -> str:
    start = row.planned_start.isoformat() if row.planned_start else ""
    end = row.planned_end.isoformat() if row.planned_end else ""
    return f"{start} 至 {end}" if start or end else ""


def renovation_permit(work: Work, ticket_id: str, *, compress: bool = True) -> dict:
    """The permit (装修许可证), with the passes in force under it; readers of the renovation."""
    ticket, row, project = _renovation(work, ticket_id)
    zone = _zone(project)
    live = [p for p in renovation.passes_of(work.session, ticket.id) if p.voided_at is None]
    pdf = kpdf.document(f"装修许可证 {row.permit_number}", compress=compress)
    pdf.add_page()
    kpdf.heading(pdf, project.name if project else "", "装修许可证")
    kpdf.fields(pdf, [
        ("许可证编号", row.permit_number), ("装修单号", ticket.number), ("房号", ticket.unit_label),
        ("施工单位", mask_free_text(row.contractor)), ("装修期限", _period(row)),
        ("发证日期", _local(row.permit_issued_at, zone, "%Y-%m-%d")),
    ], label_width=30)
    pdf.ln(3)
    kpdf.paragraph(pdf, "本证张贴于施工现场门口，施工人员凭出入证进出，装修材料凭材料出入证进场；"
                        "请遵守装修管理规定，按时清运装修垃圾。", size=11)
    pdf.ln(2)
    kpdf.table(pdf, ["出入证编号", "类别", "持证人", "有效期至"],
               [[p.number, PASS_TITLES.get(p.kind, p.kind), mask_name(p.holder_name),
                 p.valid_until.isoformat() if p.valid_until else ""] for p in live] or [["", "", "", ""]],
               widths=[3, 3, 2, 2], size=10)
    kpdf.signatures(pdf, ["发证人", "业主签字"])
    pdf.set_font(kpdf.FAMILY, size=12)
    pdf.cell(pdf.epw, kpdf.LINE, f"{project.name if project else ''}物业服务中心", align="R",
             new_x="LMARGIN", new_y="NEXT")
    return kpdf.as_file(pdf, f"renovation-permit-{row.permit_number}.pdf",
                        f"{project.name if project else ''}-装修许可证-{row.permit_number}-{ticket.unit_label or ''}.pdf")


def renovation_pass(work: Work, ticket_id: str, pass_id: str, *, compress: bool = True) -> dict:
    """One worker's or material pass of the renovation (a pass of another renovation: 404)."""
    ticket, row, project = _renovation(work, ticket_id)
    issued = work.session.get(RenovationPass, pass_id)
    if issued is None or issued.ticket_id != ticket.id:
        raise PassNotFound(f"no pass {pass_id} of renovation {ticket.number}")
    zone = _zone(project)
    title = PASS_TITLES.get(issued.kind, issued.kind)
    pdf = kpdf.document(f"{title} {issued.number}", compress=compress)
    pdf.add_page()
    kpdf.heading(pdf, project.name if project else "", title)
    if issued.voided_at is not None:
        _mark(pdf, "已作废")
    kpdf.fields(pdf, [
        ("出入证编号", issued.number), ("房号", ticket.unit_label), ("施工单位", mask_free_text(row.contractor)),
        ("持证人", issued.holder_name if issued.kind == "worker" and not work.caller.is_resident
                  else mask_name(issued.holder_name)),
        ("有效期至", issued.valid_until.isoformat() if issued.valid_until else _period(row).split(" 至 ")[-1]),
        ("装修许可证", row.permit_number), ("签发日期", _local(issued.issued_at, zone, "%Y-%m-%d")),
    ], size=13, label_width=32)
    kpdf.signatures(pdf, ["签发人", "门岗查验"])
    return kpdf.as_file(pdf, f"renovation-pass-{issued.number}.pdf",
                        f"{project.name if project else ''}-{title}-{issued.number}.pdf")


# -- the day's inspection sheet ---------------------------------------------------------------------

def inspection_sheet(work: Work, project_id: str, area_id: str, day: date | None = None, *,
                     compress: bool = True) -> dict:
    """The area's patrol sheet of ``day`` (default: today at the site): the checklist of the day's
    rounds (else the one in force) with a blank result column per patrol window. Who reads the
    project's inspections may print it (steward, front desk, managers)."""
    found = work.session.get(ProjectCopy, project_id)
    _conceal(work, _Scope(found) if found is not None else None, repairs._no_project(project_id))
    project = repairs.staff_project(work, project_id, inspections.READER_ROLES)
    area = work.session.get(InspectionArea, area_id)
    if area is None or area.project_id != project.id:
        raise AreaNotFound(f"no inspection area {area_id} in this project")
    zone = _zone(project)
    day = day or work.clock.now().astimezone(zone).date()
    rounds = list(work.session.scalars(select(InspectionRound).where(
        InspectionRound.area_id == area.id, InspectionRound.day == day).order_by(InspectionRound.slot)))
    planned = [r for r in rounds if r.slot is not None and r.window_start is not None]
    if planned:
        slots = [f"{_local(r.window_start, zone, '%H:%M')}-{_local(r.due_at, zone, '%H:%M')}" for r in planned]
        items = planned[0].items
    else:
        slots = [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in inspections.windows(work, project)]
        items = inspections.checklist(work, project.id, area.area_type)[1]
    slots = slots or ["结果"]
    # a column per patrol window, headed by its time (08:00-12:00), the result written in by hand
    steward = inspections.area_steward(work, area)
    pdf = kpdf.document(f"巡检记录表 {area.name} {day.isoformat()}", compress=compress)
    pdf.add_page()
    kpdf.heading(pdf, project.name, "巡检记录表")
    kpdf.fields(pdf, [("巡检区域", area.name),
                      ("区域类型", inspections.AREA_TYPE_NAMES.get(area.area_type, area.area_type)),
                      ("管家", (steward or {}).get("name") or None), ("日期", day.isoformat())], label_width=28)
    pdf.ln(2)
    kpdf.paragraph(pdf, "结果栏填写：√ 正常 / × 异常（异常请在备注栏写明情况，回服务中心报修）。", size=10)
    kpdf.table(pdf, ["序号", "巡检项目", *slots, "备注"],
               [[str(i), item["name"], *([None] * len(slots)), None] for i, item in enumerate(items, 1)],
               widths=[0.8, 4, *([1.6] * len(slots)), 2.5], size=10)
    kpdf.signatures(pdf, ["巡检人", "复核人"])
    return kpdf.as_file(pdf, f"inspection-sheet-{area.id}-{day.isoformat()}.pdf",
                        f"{project.name}-巡检记录表-{area.name}-{day.isoformat()}.pdf")


# -- the month's inspection figures ------------------------------------------------------------------

FIGURE_HEADERS = ["计划巡视", "现场巡检", "完成", "其中超时", "漏巡", "进行中", "取消", "不合格项", "生成报修", "完成率"]
REPAIR_STATUS_ZH = {"open": "已受理", "dispatched": "已派工", "accepted": "已接单", "on_site": "已到场",
                    "work_done": "已完工", "closed": "已关闭", "cancelled": "已取消", "quoted": "报价待确认",
                    "consented": "已同意报价"}


def _counts(row: dict) -> list[str]:
    rate = row["completion_percent"]
    return [str(row[k]) for k in ("planned", "spot", "done", "late", "missed", "open", "cancelled", "findings",
                                  "repairs_opened")] + ["" if rate is None else f"{rate:.1f}%"]


def inspection_figures_sheet(work: Work, project_id: str, month: str, *, compress: bool = True) -> dict:
    """The month's inspection figures printed (日常巡检统计表): who reads the project's rounds may print it."""
    found = work.session.get(ProjectCopy, project_id)
    _conceal(work, _Scope(found) if found is not None else None, repairs._no_project(project_id))
    figures = inspection_figures.monthly_figures(work, project_id, month)
    zone = _zone(found)
    pdf = kpdf.document(f"日常巡检统计表 {figures['month']}", compress=compress, orientation="L")
    pdf.add_page()
    kpdf.heading(pdf, figures["project_name"], "日常巡检统计表",
                 subtitle=f"{figures['first_day'].isoformat()} 至 {figures['last_day'].isoformat()}"
                          + ("" if figures["complete"] else f"（截至 {_local(figures['generated_at'], zone)}）"))
    pdf.set_font(kpdf.FAMILY, size=12)
    pdf.cell(pdf.epw, kpdf.LINE, "一、按巡检区域", new_x="LMARGIN", new_y="NEXT")
    kpdf.table(pdf, ["巡检区域", "类型", *FIGURE_HEADERS],
               [[a["name"] + ("" if a["active"] in (True, None) else "（已停用）"), a["area_type_name"], *_counts(a)]
                for a in figures["areas"]] + [["合计", "", *_counts(figures["total"])]],
               widths=[3, 2, *([1] * len(FIGURE_HEADERS))], size=9, row_height=6)
    pdf.ln(3)
    pdf.set_font(kpdf.FAMILY, size=12)
    pdf.cell(pdf.epw, kpdf.LINE, "二、按管家", new_x="LMARGIN", new_y="NEXT")
    kpdf.table(pdf, ["管家", *FIGURE_HEADERS],
               [[(r["steward"] or {}).get("name") or ("未指派（客服部经理安排）" if r["steward"] is None else ""),
                 *_counts(r)] for r in figures["stewards"]] or [["", *([None] * len(FIGURE_HEADERS))]],
               widths=[5, *([1] * len(FIGURE_HEADERS))], size=9, row_height=6)
    pdf.ln(3)
    pdf.set_font(kpdf.FAMILY, size=12)
    pdf.cell(pdf.epw, kpdf.LINE, "三、发现问题（不合格项）", new_x="LMARGIN", new_y="NEXT")
    kpdf.table(pdf, ["日期", "巡检区域", "巡检项目", "情况说明", "记录人", "巡检单号", "报修单号", "报修状态"],
               [[f["day"].isoformat() if hasattr(f["day"], "isoformat") else f["day"], f["area_name"], f["item_name"],
                 mask_free_text(f["note"]) or "", f["recorded_by"]["name"], f["round_number"], f["repair_number"] or "",
                 REPAIR_STATUS_ZH.get(f["repair_status"] or "", f["repair_status"] or "")]
                for f in figures["findings"]] or [["无", "", "", "", "", "", "", ""]],
               widths=[1.6, 2.2, 2.8, 3.4, 1.4, 2.2, 2.2, 1.2], size=9, row_height=6)
    kpdf.paragraph(pdf, "超时：完成于时限预警点之后；漏巡：已过时限未完成。发现问题已即时报修并汇报客服部经理。", size=9)
    kpdf.signatures(pdf, ["制表人", "客服部经理"])
    return kpdf.as_file(pdf, f"inspection-figures-{figures['month']}.pdf",
                        f"{figures['project_name']}-日常巡检统计表-{figures['month']}.pdf")


# -- the key registers and the vacant units' check sheet (seed 000 §九, §十 支持文件) ----------------------
#
# Staff only, project-scoped (another project's staff: 404, a resident: 404, as the registers' screens):
# the key registers for who reads the key register (``keys.READER_ROLES``), the check sheet for who reads
# the vacant units (``vacant.READER_ROLES``). On paper the borrower's and the owner's names are masked
# (``mask_name``), phones masked (``mask_phone``), ID numbers as stored (masked); the desk's free text (a
# purpose, a finding's room and note, a key's label) with the ID numbers and mobiles typed into it masked
# (``mask_free_text``).
# Staff names (who approved, who checked) are printed as they are.

LOAN_STATUS_ZH = {"pending": "待批准", "refused": "未借出（拒绝/撤回）", "lent": "借出中", "returned": "已归还"}
KEY_STATE_ZH = {"received_from_developer": "已移交", "in_store": "在库", "collected_by_owner": "业主已领取",
                "deposited_by_owner": "寄存中", "loan_requested": "借用待批", "lent": "已借出"}
CHECK_RESULT_ZH = {"ok": "完好", "defect": "一般问题", "crack": "裂缝"}
CHECK_STATUS_ZH = {"scheduled": "未检验", "checked": "已检验", "cancelled": "已取消"}


def _month_bounds(project: ProjectCopy, month: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in the project's zone."""
    year, mon = (int(x) for x in month.split("-"))
    zone = _zone(project)
    return (datetime(year, mon, 1, tzinfo=zone),
            datetime(year + mon // 12, mon % 12 + 1, 1, tzinfo=zone))


def _key_project(work: Work, project_id: str, roles) -> ProjectCopy:
    found = work.session.get(ProjectCopy, project_id)
    _conceal(work, _Scope(found) if found is not None else None, repairs._no_project(project_id))
    return repairs.staff_project(work, project_id, roles)


def _party(m: KeyMovement) -> str:
    """The borrower or owner on paper: the name masked, the kind, the phone masked, the ID as stored (masked)."""
    kind = keys._party_label(m.party_kind)
    lines = [f"{mask_name(m.party_name) or ''}" + (f"（{kind}）" if kind else "")]
    if m.party_phone:
        lines.append(mask_phone(m.party_phone))
    if m.party_id_masked:
        lines.append(f"{_id_type(m.party_id_type)} {m.party_id_masked}".strip())
    return " ".join(line for line in lines if line)


def _movements_by_key(work: Work, key_ids) -> dict[str, list[KeyMovement]]:
    out: dict[str, list[KeyMovement]] = {}
    if not key_ids:
        return out
    for m in work.session.scalars(select(KeyMovement).where(KeyMovement.key_id.in_(sorted(key_ids)))
                                  .order_by(KeyMovement.key_id, KeyMovement.key_version)):
        out.setdefault(m.key_id, []).append(m)
    return out


def _after(history: list[KeyMovement], row: KeyMovement, actions) -> KeyMovement | None:
    """The first movement of ``actions`` after ``row`` in its key's history."""
    return next((m for m in history if m.key_version > row.key_version and m.action in actions), None)


def key_loan_rows(work: Work, project_id: str, month: str) -> tuple[ProjectCopy, list[dict]]:
    """The loans registered in ``month`` (the project's calendar), oldest first, as the register prints
    them (钥匙借用记录表): key, unit, borrower (masked), purpose, who approved, lent, due, returned, late,
    and the loan's status (待批准 / 未借出 / 借出中 / 已归还)."""
    project = _key_project(work, project_id, keys.READER_ROLES)
    start, end = _month_bounds(project, month)
    loans = list(work.session.scalars(select(KeyMovement).where(
        KeyMovement.project_id == project.id, KeyMovement.action == keys.REQUEST_LOAN,
        KeyMovement.at >= start, KeyMovement.at < end).order_by(KeyMovement.at, KeyMovement.id)))
    key_rows = {k.id: k for k in work.session.scalars(select(Key).where(Key.id.in_({m.key_id for m in loans})))} \
        if loans else {}
    histories = _movements_by_key(work, {m.key_id for m in loans})
    rows = []
    for m in loans:
        key = key_rows[m.key_id]
        decided = _after(histories.get(m.key_id, []), m, (keys.APPROVE_LOAN, keys.REFUSE_LOAN))
        status = ("returned" if m.returned_at else "lent" if m.approved_at else
                  "pending" if key.loan_id == m.id else "refused")
        rows.append({"key_label": mask_free_text(key.label), "unit_label": key.unit_label, "party": _party(m),
                     "purpose": mask_free_text(m.purpose) or "", "status": status,
                     "approved_by": (decided.by_name or decided.by) if decided is not None
                     and decided.action == keys.APPROVE_LOAN else "",
                     "lent_at": m.approved_at, "due_back_at": m.due_back_at, "returned_at": m.returned_at,
                     "late": bool(m.late), "minutes_late": m.minutes_late})
    return project, rows


def key_loan_register(work: Work, project_id: str, month: str, *, compress: bool = True) -> dict:
    """The month's key loan register printed (钥匙借用记录表, 000 §九 / §十 支持文件), A4 landscape."""
    project, rows = key_loan_rows(work, project_id, month)
    zone = _zone(project)
    late = sum(1 for r in rows if r["late"])
    pdf = kpdf.document(f"钥匙借用记录表 {month}", compress=compress, orientation="L")
    pdf.add_page()
    kpdf.heading(pdf, project.name, "钥匙借用记录表", subtitle=f"{month}（借用登记 {len(rows)} 笔，逾期归还 {late} 笔）")
    kpdf.table(pdf, ["序号", "钥匙", "房号", "借用人（电话、证件）", "用途", "批准人", "借出时间", "应还时间",
                     "归还时间", "逾期时长", "状态"],
               [[str(i), r["key_label"], r["unit_label"], r["party"], r["purpose"], r["approved_by"],
                 _local(r["lent_at"], zone), _local(r["due_back_at"], zone), _local(r["returned_at"], zone),
                 f"{r['minutes_late']}分钟" if r["late"] else "", LOAN_STATUS_ZH[r["status"]]]
                for i, r in enumerate(rows, 1)] or [["无", "", "", "", "", "", "", "", "", "", ""]],
               widths=[0.6, 1.4, 1.3, 3.1, 2, 1.2, 1.7, 1.7, 1.7, 1.1, 1.9], size=8.5, row_height=5.5)
    kpdf.paragraph(pdf, "借用须经客服部经理批准，当日归还，不得转借；逾期归还者下次借用须交押金（确保金）。", size=9)
    kpdf.signatures(pdf, ["制表人", "客服部经理"])
    return kpdf.as_file(pdf, f"key-loans-{month}.pdf", f"{project.name}-钥匙借用记录表-{month}.pdf")


def key_deposit_rows(work: Work, project_id: str) -> tuple[ProjectCopy, list[dict]]:
    """Every deposit of a key by its owner in the project (业主寄存钥匙记录表), oldest first: the key,
    the unit, the owner who left it (masked), when, who received it, when it was taken back (the
    next collection) and the key's state now."""
    project = _key_project(work, project_id, keys.READER_ROLES)
    deposits = list(work.session.scalars(select(KeyMovement).where(
        KeyMovement.project_id == project.id, KeyMovement.action == keys.DEPOSIT)
        .order_by(KeyMovement.at, KeyMovement.id)))
    key_rows = {k.id: k for k in work.session.scalars(select(Key).where(
        Key.id.in_({m.key_id for m in deposits})))} if deposits else {}
    histories = _movements_by_key(work, {m.key_id for m in deposits})
    rows = []
    for m in deposits:
        key, history = key_rows[m.key_id], histories.get(m.key_id, [])
        back = _after(history, m, (keys.COLLECT,))
        loans = [x for x in history if x.action == keys.APPROVE_LOAN and x.key_version > m.key_version
                 and (back is None or x.key_version < back.key_version)]
        rows.append({"key_label": mask_free_text(key.label), "unit_label": key.unit_label, "copies": key.copies,
                     "party": _party(m),
                     "deposited_at": m.at, "received_by": m.by_name or m.by, "note": mask_free_text(m.note) or "",
                     "taken_back_at": back.at if back is not None else None,
                     "taken_back_by": _party(back) if back is not None else "", "loans": len(loans),
                     "state": key.state if back is None else None})
    return project, rows


def key_deposit_register(work: Work, project_id: str, *, compress: bool = True) -> dict:
    """The owners' deposited keys register printed (业主寄存钥匙记录表, 000 §九 支持文件), A4 landscape."""
    project, rows = key_deposit_rows(work, project_id)
    zone = _zone(project)
    today = work.clock.now().astimezone(zone).date().isoformat()
    held = sum(1 for r in rows if r["taken_back_at"] is None)
    pdf = kpdf.document(f"业主寄存钥匙记录表 {today}", compress=compress, orientation="L")
    pdf.add_page()
    kpdf.heading(pdf, project.name, "业主寄存钥匙记录表", subtitle=f"截至 {today}（寄存 {len(rows)} 次，仍在寄存 {held} 次）")
    kpdf.table(pdf, ["序号", "钥匙", "房号", "把数", "寄存业主（电话、证件）", "寄存时间", "接收人", "经业主同意借出",
                     "取回时间", "取回人", "现状", "备注"],
               [[str(i), r["key_label"], r["unit_label"], str(r["copies"]), r["party"], _local(r["deposited_at"], zone),
                 r["received_by"], f"{r['loans']}次" if r["loans"] else "", _local(r["taken_back_at"], zone),
                 r["taken_back_by"], "已取回" if r["state"] is None else KEY_STATE_ZH.get(r["state"], r["state"]),
                 r["note"]] for i, r in enumerate(rows, 1)] or [["无", "", "", "", "", "", "", "", "", "", "", ""]],
               widths=[0.6, 1.4, 1.3, 0.6, 3.2, 1.7, 1.2, 1.2, 1.7, 2.4, 1.1, 1.6], size=8.5, row_height=5.5)
    kpdf.paragraph(pdf, "业主寄存钥匙仅经业主本人当面同意方可借出（借用登记于钥匙借用记录表）；取回凭本人身份证件。", size=9)
    kpdf.signatures(pdf, ["制表人", "客服部经理"])
    return kpdf.as_file(pdf, f"key-deposits-{today}.pdf", f"{project.name}-业主寄存钥匙记录表-{today}.pdf")


def vacant_check_rows(work: Work, project_id: str, month: str) -> tuple[ProjectCopy, list[dict]]:
    """The month's checks of the vacant units (空置房检验统计表), by unit: checked on, by whom, the
    findings (room, result, note masked), the repair opened, and whether the owner's SMS went (the
    result reported: ``reported_at``). A cancelled check (the unit taken off) is left out."""
    project = _key_project(work, project_id, vacant.READER_ROLES)
    _, checks = vacant.month_view(work, project.id, month)
    staff_names = _staff_names(work, checks)
    rows = []
    for c in checks:
        if c.status == vacant.CANCELLED:
            continue
        findings = []
        for f in c.findings:
            repair = work.session.get(Ticket, f.repair_ticket_id) if f.repair_ticket_id else None
            findings.append(f"{mask_free_text(f.room)}：{CHECK_RESULT_ZH.get(f.result, f.result)}"
                            + (f"（{mask_free_text(f.note)}）" if f.note else "")
                            + (f" 报修 {repair.number}" if repair is not None else "")
                            + ("，待经理审批" if f.repair_state == vacant.AWAITING_APPROVAL else ""))
        rows.append({"unit_label": c.unit_label, "status": c.status, "checked_at": c.checked_at,
                     "checked_by": staff_names.get(c.checked_by or "", c.checked_by or ""),
                     "findings": "；".join(findings), "reported_at": c.reported_at})
    return project, rows


def _staff_names(work: Work, checks) -> dict[str, str]:
    """Who checked, by name: as the check's task log recorded them (the platform keeps no staff list)."""
    pairs = {(c.ticket_id, c.checked_by) for c in checks if c.ticket_id and c.checked_by}
    names: dict[str, str] = {}
    if pairs:
        for actor_id, name in work.session.execute(select(TicketLog.actor_id, TicketLog.actor_name).where(
                TicketLog.ticket_id.in_(sorted({t for t, _ in pairs})),
                TicketLog.actor_id.in_(sorted({a for _, a in pairs})))):
            if name:
                names[actor_id] = name
    return names


def vacant_check_sheet(work: Work, project_id: str, month: str, *, compress: bool = True) -> dict:
    """The month's vacant-unit check sheet printed (空置房检验统计表, 000 §十 支持文件), A4 landscape."""
    project, rows = vacant_check_rows(work, project_id, month)
    zone = _zone(project)
    done = sum(1 for r in rows if r["status"] == vacant.CHECKED)
    sent = sum(1 for r in rows if r["reported_at"] is not None)
    pdf = kpdf.document(f"空置房检验统计表 {month}", compress=compress, orientation="L")
    pdf.add_page()
    kpdf.heading(pdf, project.name, "空置房检验统计表",
                 subtitle=f"{month}（空置房 {len(rows)} 套，已检验 {done} 套，已短信告知业主 {sent} 套）")
    kpdf.table(pdf, ["序号", "房号", "检验日期", "检验人", "检验情况（房间：结果）", "短信告知业主"],
               [[str(i), r["unit_label"], _local(r["checked_at"], zone, "%Y-%m-%d"), r["checked_by"],
                 r["findings"] or CHECK_STATUS_ZH.get(r["status"], r["status"]),
                 f"已发送 {_local(r['reported_at'], zone)}" if r["reported_at"] else "未发送"]
                for i, r in enumerate(rows, 1)] or [["无", "", "", "", "", ""]],
               widths=[0.6, 1.6, 1.4, 1.4, 7, 2.2], size=9, row_height=6)
    kpdf.paragraph(pdf, "每月10日前完成检验，12日前将检验结果短信告知业主；一般问题即时报修，裂缝经客服部经理审批后报修。",
                   size=9)
    kpdf.signatures(pdf, ["检验人", "客服部经理"])
    return kpdf.as_file(pdf, f"vacant-checks-{month}.pdf", f"{project.name}-空置房检验统计表-{month}.pdf")
