"""The front desk's printouts (前台打印, tickets, issue 12): the goods release pass (物品放行条, 存根联 and
通知联), the renovation permit (装修许可证) and its worker and material passes, the day's patrol sheet of an
inspection area (巡检记录表), the month's inspection figures (日常巡检统计表), the key loan register of a month
(钥匙借用记录表), the owners' deposited keys (业主寄存钥匙记录表), the month's vacant-unit checks (空置房检验统计表) -- each an A4 PDF with the CJK font, drawn by tickets
(``services/tickets/domain/printouts.py`` with the kernel's renderer ``kernel/pdf.py``) and sent base64
over RPC; here it is served as ``application/pdf`` with its file name, as notify's printed notices are
(``gateway/routes/printing.py``). Who may print is who may read the record; another project's record is
a 404. Names of residents and workers are masked on paper, ID numbers as stored (masked).

The goods pass printed for real is a **write**: ``POST /goods-releases/{id}/prints`` records the print
(who, when, the count -- 打印记录; 【补打】 on the paper from the second print) and answers the PDF, under
an Idempotency-Key (a retry with the same key is the same print, not a reprint). The ``GET .../pass.pdf``
stays a safe read that records nothing -- a browser's prefetch or a retried download must not count as a
print --, so it answers a preview marked 【预览·不作放行凭证】."""
from __future__ import annotations

from .. import schemas as s
from ..readmodel import views
from ..routing import route
from .base import V1, RouteModule
from .printing import PDF_TYPE, _pdf

TAGS = ("printouts",)
ERRORS = (403, 404, 422)
FONT = " 422 cjk_font_missing: the server has no CJK font (see the README)."
MASKED = " Residents' and workers' names are printed masked (张*), ID numbers as stored (masked)."


class PrintoutRoutes(RouteModule):
    @route("GET", f"{V1}/goods-releases/{{release_id}}/pass.pdf", tags=TAGS, media_type=PDF_TYPE, errors=ERRORS,
           summary="A preview of the goods release pass as an A4 PDF, marked 预览·不作放行凭证: nothing recorded "
                   "(the unit's residents; the desk, finance, security, managers of the project)",
           description="The pass as POST /goods-releases/{release_id}/prints prints it -- number, unit, requester, "
                       "mover and the mover's ID, items, moving time, who issued it, the identity check -- marked "
                       "预览·不作放行凭证 (a preview, not the pass): a GET records no print. 422 pass_not_issued "
                       "before the pass is issued; a used or voided pass is marked 已使用 / 已作废." + MASKED + FONT)
    def goods_release_pass_pdf(self, request, user, release_id):
        return _pdf(self._as(user)("tickets", "print_goods_release_pass", release_id))

    @route("POST", f"{V1}/goods-releases/{{release_id}}/prints", tags=TAGS, media_type=PDF_TYPE,
           errors=(400,) + ERRORS, idempotency="required", body=s.NoFieldsIn, body_optional=True,
           summary="Print the goods release pass: the print recorded (who, when, the count), the A4 PDF answered "
                   "-- 存根联 and 通知联, 【补打】 from the second print (the unit's residents; the desk, finance, "
                   "security, managers of the project)",
           description="A write: the print log (打印记录) -- the release's printed (who first), printed_at and "
                       "print_count, a print entry in its history, goods_release.changed (step print). The paper "
                       "says which print it is (打印：第N次, who, when); from the second print it is marked 补打 "
                       "(reprint), so a second live copy is known for one. The same Idempotency-Key again answers "
                       "the same print (a lost answer retried is not a reprint). 422 pass_not_issued before the "
                       "pass is issued (nothing recorded); a used or voided pass prints marked 已使用 / 已作废. "
                       "No body, or {}: a field sent is 400 invalid_input (Unknown field)." + MASKED + FONT)
    def record_goods_release_print(self, request, user, release_id, idempotency_key, body=None):
        reply = self._as(user)("tickets", "record_goods_release_print", release_id, idempotency_key=idempotency_key)
        # read-your-writes: the desk's view of the release shows the print at once
        if (not views.release_text_masked(reply["release"])
                or views.unmasked_release(self._caller(user), reply["release"])):   # else its event brings it
            self._project_reply("goods_release", reply["release"], user)
        return _pdf(reply)

    @route("GET", f"{V1}/renovations/{{ticket_id}}/permit.pdf", tags=TAGS, media_type=PDF_TYPE, errors=ERRORS,
           summary="The renovation permit (装修许可证) as an A4 PDF, with the passes in force "
                   "(its resident; staff of the project)",
           description="Permit number, the renovation's number, unit, contractor, planned period, date issued, "
                       "the worker and material passes not voided. 422 permit_not_issued before the permit."
                       + MASKED + FONT)
    def renovation_permit_pdf(self, request, user, ticket_id):
        return _pdf(self._as(user)("tickets", "print_renovation_permit", ticket_id))

    @route("GET", f"{V1}/renovations/{{ticket_id}}/passes/{{pass_id}}.pdf", tags=TAGS, media_type=PDF_TYPE,
           errors=ERRORS,
           summary="One worker's or material pass (施工人员出入证 / 装修材料出入证) as an A4 PDF "
                   "(its resident; staff of the project)",
           description="Pass number, unit, contractor, holder, valid until, the permit; a voided pass prints "
                       "marked 已作废. 404 pass_not_found for a pass of another renovation." + MASKED + FONT)
    def renovation_pass_pdf(self, request, user, ticket_id, pass_id):
        return _pdf(self._as(user)("tickets", "print_renovation_pass", ticket_id, pass_id))

    @route("GET", f"{V1}/projects/{{project_id}}/inspection-areas/{{area_id}}/sheet.pdf", tags=TAGS,
           query=s.InspectionSheetQuery, media_type=PDF_TYPE, errors=ERRORS,
           summary="An inspection area's patrol sheet of a day (巡检记录表) as an A4 PDF: the checklist with a blank "
                   "result column per patrol window (steward, front desk, CS manager, centre manager "
                   "(and the GM / group admin))",
           description="date: the patrol day (default today at the site); the checklist of that day's rounds, "
                       "else the one in force." + FONT)
    def inspection_sheet_pdf(self, request, user, project_id, area_id, query):
        return _pdf(self._as(user)("tickets", "print_inspection_sheet", project_id, area_id,
                                   s.InspectionSheetQuery().dump(query)))

    @route("GET", f"{V1}/projects/{{project_id}}/inspection-figures/{{month}}.pdf", tags=TAGS,
           media_type=PDF_TYPE, errors=(400,) + ERRORS,
           summary="The month's inspection figures printed (日常巡检统计表), A4 landscape: per area, per steward, "
                   "every finding (steward, front desk, CS manager, centre manager (and the GM / group admin))",
           description="The figures of GET .../inspection-figures/{month}: planned, walked now, done, of them late, "
                       "missed, open, cancelled, findings, repairs opened, completion; then each finding (day, area, "
                       "item, note, who recorded it, the round, the repair and its status)." + FONT)
    def inspection_figures_pdf(self, request, user, project_id, month):
        month = s.ReportMonthIn().load({"month": month})["month"]      # 400 before any RPC
        return _pdf(self._as(user)("tickets", "print_inspection_figures", project_id, month))

    @route("GET", f"{V1}/projects/{{project_id}}/key-loans/{{month}}.pdf", tags=TAGS, media_type=PDF_TYPE,
           errors=(400,) + ERRORS,
           summary="The month's key loan register printed (钥匙借用记录表), A4 landscape (front desk, steward, CS "
                   "manager, centre manager (and the GM / group admin))",
           description="Every loan registered in the month (the project's calendar), oldest first: key, unit, "
                       "borrower (name masked, phone masked, ID as stored -- masked), purpose, who approved, lent, "
                       "due, returned, minutes late, status (待批准 / 未借出 / 借出中 / 已归还). Another project: 404."
                       + FONT)
    def key_loans_pdf(self, request, user, project_id, month):
        month = s.ReportMonthIn().load({"month": month})["month"]      # 400 before any RPC
        return _pdf(self._as(user)("tickets", "print_key_loans", project_id, month))

    @route("GET", f"{V1}/projects/{{project_id}}/key-deposits.pdf", tags=TAGS, media_type=PDF_TYPE, errors=ERRORS,
           summary="The owners' deposited keys register printed (业主寄存钥匙记录表), A4 landscape (front desk, "
                   "steward, CS manager, centre manager (and the GM / group admin))",
           description="Every deposit of a key by its owner, oldest first: key, unit, copies, the owner (name masked, "
                       "phone masked, ID as stored -- masked), when, who received it, loans under the owner's "
                       "consent, when and by whom it was taken back, the key's state now. Another project: 404."
                       + FONT)
    def key_deposits_pdf(self, request, user, project_id):
        return _pdf(self._as(user)("tickets", "print_key_deposits", project_id))

    @route("GET", f"{V1}/projects/{{project_id}}/vacant-checks/{{month}}.pdf", tags=TAGS, media_type=PDF_TYPE,
           errors=(400,) + ERRORS,
           summary="The month's vacant-unit check sheet printed (空置房检验统计表), A4 landscape (front desk, steward, "
                   "CS manager, centre manager, engineering manager (and the GM / group admin))",
           description="The month's checks of the units on the register (a cancelled one left out): unit, checked "
                       "on, by whom, the findings per room (the note with ID numbers and mobiles masked, the repair "
                       "opened), whether the result went to the owner by SMS. Another project: 404." + FONT)
    def vacant_checks_pdf(self, request, user, project_id, month):
        month = s.ReportMonthIn().load({"month": month})["month"]      # 400 before any RPC
        return _pdf(self._as(user)("tickets", "print_vacant_checks", project_id, month))
