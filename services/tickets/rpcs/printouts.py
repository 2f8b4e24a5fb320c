"""tickets' printout RPCs (the front desk's paper forms, ``domain/printouts.py``): each answers a PDF
over RPC as :class:`kernel.pdf.PdfFileOut` -- its bytes in base64, its file names, its page count --
which the gateway serves as ``application/pdf`` (``gateway/routes/printouts.py``). Reads: no
Idempotency-Key, nothing written -- but for :meth:`record_goods_release_print`, the goods pass printed
for real: a write (the print log), idempotent by its key. :class:`~services.tickets.service.TicketsService`
inherits them."""
from __future__ import annotations

from kernel.entrypoints import rpc
from kernel.pdf import PdfFileOut

from .. import schemas
from ..domain import printouts

PDF_OUT = PdfFileOut()
PRINTED_OUT = schemas.GoodsReleasePrintedOut()
SHEET_QUERY = schemas.InspectionSheetQuery()


class PrintoutRpcs:
    @rpc
    def print_goods_release_pass(self, release_id):
        """The goods release pass (物品放行条), 存根联 and 通知联, as a **preview** (【预览·不作放行凭证】,
        nothing recorded); 422 pass_not_issued before it is issued."""
        return PDF_OUT.dump(printouts.goods_release_pass(self.work(), str(release_id)))

    @rpc
    def record_goods_release_print(self, release_id, idempotency_key=None):
        """Print the pass for real: the print recorded (打印记录: who, when, the count; 【补打】 from the
        second), then drawn with its number. The same key again answers the same print, not another one
        (only the record is kept with the key; the paper is drawn again from it).
        ``{filename, utf8_filename, pages, content_base64, print, release}``."""
        work, command = self.work(), {"release_id": str(release_id)}
        recorded = work.idempotent(idempotency_key, "record_goods_release_print", command, lambda: PRINTED_OUT.dump(
            printouts.record_goods_release_print(work, command["release_id"])))
        return {**PDF_OUT.dump(printouts.goods_release_pass(work, command["release_id"], printed=recorded["print"])),
                **recorded}

    @rpc
    def print_renovation_permit(self, ticket_id):
        """The renovation permit (装修许可证) with the passes in force; 422 permit_not_issued before it."""
        return PDF_OUT.dump(printouts.renovation_permit(self.work(), str(ticket_id)))

    @rpc
    def print_renovation_pass(self, ticket_id, pass_id):
        """One worker's or material pass of the renovation (施工人员出入证 / 装修材料出入证)."""
        return PDF_OUT.dump(printouts.renovation_pass(self.work(), str(ticket_id), str(pass_id)))

    @rpc
    def print_inspection_sheet(self, project_id, area_id, query=None):
        """The day's patrol sheet of an inspection area (巡检记录表): ``query = {"date": "YYYY-MM-DD"}``."""
        q = SHEET_QUERY.load(query or {})
        return PDF_OUT.dump(printouts.inspection_sheet(self.work(), str(project_id), str(area_id), q["date"]))

    @rpc
    def print_inspection_figures(self, project_id, month):
        """The month's inspection figures printed (日常巡检统计表): per area, per steward, the findings."""
        q = schemas.MonthlyReportIn().load({"project_id": str(project_id), "month": month})
        return PDF_OUT.dump(printouts.inspection_figures_sheet(self.work(), q["project_id"], q["month"]))

    @rpc
    def print_key_loans(self, project_id, month):
        """The month's key loan register printed (钥匙借用记录表): the key register's readers."""
        q = schemas.MonthlyReportIn().load({"project_id": str(project_id), "month": month})
        return PDF_OUT.dump(printouts.key_loan_register(self.work(), q["project_id"], q["month"]))

    @rpc
    def print_key_deposits(self, project_id):
        """The owners' deposited keys register printed (业主寄存钥匙记录表): the key register's readers."""
        return PDF_OUT.dump(printouts.key_deposit_register(self.work(), str(project_id)))

    @rpc
    def print_vacant_checks(self, project_id, month):
        """The month's vacant-unit check sheet printed (空置房检验统计表): the vacant units' staff readers."""
        q = schemas.MonthlyReportIn().load({"project_id": str(project_id), "month": month})
        return PDF_OUT.dump(printouts.vacant_check_sheet(self.work(), q["project_id"], q["month"]))
