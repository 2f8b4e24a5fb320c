"""Printed notices (notify, issue 10): the print queue of a project, a notice's PDF, a building's
batch PDF for door and board posting, and the printed mark. The customer-service desk of the
project (front desk, steward, CS manager, service-centre manager); a resident never (404).

notify renders the PDF (fpdf2 and the CJK font of ``services/notify/printing``) and sends it
base64 over RPC; here it is served as ``application/pdf`` with its file name, as the CSV reports
are (``gateway.errors.file_response``).
"""
from __future__ import annotations

import base64

from .. import schemas as s
from ..errors import file_response
from ..routing import route
from .base import V1, RouteModule

PDF_TYPE = "application/pdf"
DESK = "front desk, steward, CS manager, centre manager of the project"
PRINT_ERRORS = (400, 403, 404, 422)


def _pdf(out: dict):
    return file_response(base64.b64decode(out["content_base64"]), PDF_TYPE, out["filename"],
                         utf8_filename=out["utf8_filename"])


class PrintingRoutes(RouteModule):
    @route("GET", f"{V1}/projects/{{project_id}}/print-deliveries", tags=("notify",), query=s.PrintQuery,
           response=s.PrintDeliveryOut, many=True, errors=(400, 403, 404),
           summary=f"The project's print deliveries (door notices) to print, by building and purpose ({DESK})",
           description="status queued (default) or printed; in unit order (building, floor, number).")
    def print_deliveries(self, request, user, project_id, query):
        return self._as(user)("notify", "list_print_queue", project_id, dict(query))

    @route("GET", f"{V1}/print-deliveries/{{delivery_id}}/notice.pdf", tags=("notify",), media_type=PDF_TYPE,
           errors=PRINT_ERRORS, summary=f"One notice as an A4 PDF to print ({DESK})",
           description="The project's name as header, the notice's title (催费通知书 / 二次催费通知书 / "
                       "最后催费通知书), the unit, the date, the text, 物业服务中心. A printed one may be printed "
                       "again. 422 cjk_font_missing: the server has no CJK font (see the README).")
    def print_notice_pdf(self, request, user, delivery_id):
        return _pdf(self._as(user)("notify", "print_notice_pdf", delivery_id))

    @route("GET", f"{V1}/projects/{{project_id}}/buildings/{{building_id}}/print-batch.pdf", tags=("notify",),
           query=s.PrintBatchQuery, media_type=PDF_TYPE, errors=PRINT_ERRORS,
           summary=f"A building's queued notices as one PDF, one A4 page each in unit order ({DESK})",
           description="422 nothing_to_print when the building has no queued notice (of the purpose).")
    def print_batch_pdf(self, request, user, project_id, building_id, query):
        return _pdf(self._as(user)("notify", "print_building_pdf", project_id, building_id, query["purpose"]))

    @route("POST", f"{V1}/projects/{{project_id}}/print-deliveries/printed", tags=("notify",),
           body=s.MarkPrintedIn, response=s.PrintDeliveryOut, many=True, errors=(400, 403, 404, 422),
           idempotency="required",
           summary=f"Mark print deliveries printed and posted: status printed, who and when ({DESK})",
           description="Every id must be a print delivery of the project (else 404, nothing marked); one "
                       "already printed keeps its first mark.")
    def mark_printed(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("notify", "mark_printed", project_id, s.MarkPrintedIn().dump(body),
                              idempotency_key=idempotency_key)
