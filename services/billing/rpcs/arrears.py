"""billing's dunning reports (``domain/arrears_reports.py``): the arrears ledger (欠费台账), the
collection rate (收费率), the daily dunning report (催费日报表), the weekly summary (每周催收总结) and the
deposits held (押金). Reads only: each RPC loads its query, asks the rule, dumps the answer."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import arrears_reports


class ArrearsReportRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

    @rpc
    def arrears_ledger(self, project_id, on=None):
        q = schemas.ArrearsLedgerQuery().load({"project_id": project_id, "on": on})
        return schemas.ArrearsLedgerOut().dump(arrears_reports.arrears_ledger(self.work(), q["project_id"], q["on"]))

    @rpc
    def collection_rate(self, project_id, month=None, month_from=None, month_to=None):
        q = schemas.CollectionRateQuery().load({"project_id": project_id, "month": month, "month_from": month_from,
                                                "month_to": month_to})
        first, last = (q["month"], None) if q["month"] else (q["month_from"], q["month_to"])
        return schemas.CollectionRateOut().dump(arrears_reports.collection_rate(self.work(), q["project_id"],
                                                                                first, last))

    @rpc
    def dunning_daily_report(self, project_id, day=None):
        q = schemas.DunningReportDayQuery().load({"project_id": project_id, "day": day})
        return schemas.DailyDunningReportOut().dump(arrears_reports.daily_report(self.work(), q["project_id"],
                                                                                 q["day"]))

    @rpc
    def dunning_weekly_summary(self, project_id, day=None):
        q = schemas.DunningReportDayQuery().load({"project_id": project_id, "day": day})
        return schemas.WeeklyDunningSummaryOut().dump(arrears_reports.weekly_summary(self.work(), q["project_id"],
                                                                                     q["day"]))

    @rpc
    def deposits_held(self, project_id):
        q = schemas.ProjectQuery().load({"project_id": project_id})
        return schemas.DepositsHeldOut().dump(arrears_reports.deposits_held(self.work(), q["project_id"]))
