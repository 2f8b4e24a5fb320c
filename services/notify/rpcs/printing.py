"""notify's printed notices (issue 10): the print queue, the PDFs, the printed mark -- wiring only, inherited
by :class:`~services.notify.service.NotifyService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import printing


class PrintingRpcs:
    # -- printed notices (issue 10): the print queue, the PDFs, the printed mark ----------------------
    @rpc
    def list_print_queue(self, project_id, query=None):
        q = schemas.PrintQuery().load({**(query or {}), "project_id": project_id})
        return schemas.PrintDeliveryOut(many=True).dump(printing.list_prints(self.work(), q))

    @rpc
    def print_notice_pdf(self, delivery_id):
        data = schemas.PrintRef().load({"delivery_id": delivery_id})
        return schemas.PrintFileOut().dump(printing.notice_pdf(self.work(), data["delivery_id"]))

    @rpc
    def print_building_pdf(self, project_id, building_id, purpose=None):
        q = schemas.PrintBatchQuery().load({"project_id": project_id, "building_id": building_id,
                                            "purpose": purpose})
        return schemas.PrintFileOut().dump(printing.building_pdf(self.work(), q))

    @rpc
    def mark_printed(self, project_id, data, idempotency_key=None):
        work, command = self.work(), schemas.MarkPrintedIn().load({**(data or {}), "project_id": project_id})
        return work.idempotent(idempotency_key, "mark_printed", command, lambda: schemas.PrintDeliveryOut(
            many=True).dump(printing.mark_printed(work, command)))
