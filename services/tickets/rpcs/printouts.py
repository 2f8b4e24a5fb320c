"""tickets' printout RPCs (the front desk's paper forms, ``domain/printouts.py``): each answers a PDF
over RPC as :class:`kernel.pdf.PdfFileOut` -- its bytes in base64, its file names, its page count --
which the gateway serves as ``application/pdf`` (``gateway/routes/printouts.py``). Reads: no
Idempotency-Key, nothing written. :class:`~services.tickets.service.TicketsService` inherits them."""
from __future__ import annotations

from kernel.entrypoints import rpc
from kernel.pdf import PdfFileOut

from .. import schemas
from ..domain import printouts

PDF_OUT = PdfFileOut()
SHEET_QUERY = schemas.InspectionSheetQuery()


class PrintoutRpcs:
    @rpc
    def print_goods_release_pass(self, release_id):
        """The goods release pass (物品放行条), 存根联 and 通知联; 422 pass_not_issued before it is issued."""
        return PDF_OUT.dump(printouts.goods_release_pass(self.work(), str(release_id)))

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
