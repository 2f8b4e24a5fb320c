"""tickets service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from kernel import fees
from kernel.db import ClockProvider, Database
from kernel.dependencies import UnitOfWork
from kernel.entrypoints import event_handler, rpc
from kernel.errors import RetryableError
from kernel.jobs import JobRunner
from kernel.messaging import Event
from kernel.rpc import RpcPoolProvider
from kernel.settings_rpc import SettingsRpcs
from kernel.tenancy import Caller

from . import schemas
from .domain import (alerts, complaints, copies, duty, goods_release, inspections, keys, moves, overruns, prices,
                     quality, renovation, repairs, reports, revisits, sla, vacant, vacant_care)
from .events import CONTRACT, GOODS_RELEASE_CHANGED, KEY_CHANGED, TICKET_CHANGED
from .models import Base
# the RPCs and handlers by area (wiring only), one mixin each
from .rpcs.complaints import ComplaintRpcs
from .rpcs.feedback import FeedbackRpcs
from .rpcs.goods_release import GoodsReleaseRpcs
from .rpcs.inspections import InspectionRpcs
from .rpcs.keys import KeyRpcs
from .rpcs.printouts import PrintoutRpcs      # the front desk's printouts (PDF over RPC)
from .rpcs.renovation import RenovationRpcs
from .rpcs.vacant import VacantRpcs

ENGINEERING_DISPATCH = "ticket.dispatch_engineering"
#: notify's notices of a warranty-quality complaint (its ``complaint.registered``): to engineering
#: and to the developer's supervision department; each delivery meets its clock
QUALITY_NOTICES = {"quality.dispatch_engineering": quality.ENGINEERING_NOTIFIED,
                   "quality.notify_supervision": quality.SUPERVISION_NOTIFIED}

# the hot paths' schemas, built once (a marshmallow instance keeps no state between calls)
TICKET_OUT = schemas.TicketOut()
REPAIR_IN = schemas.RepairRequestIn()
DELIVERED_IN = schemas.NotificationDeliveredIn()
TRANSITION_IN = schemas.TransitionIn()
REPORT_IN = schemas.MonthlyReportIn()
REPORT_OUT = schemas.MonthlyReportOut()
PRICE_LIST_OUT = schemas.PriceListOut()
DUTY_ROSTER_OUT = schemas.DutyRosterOut()
REVISIT_STEP_IN = schemas.RevisitStepIn()

#: tickets' scheduled jobs (kernel.jobs): {kind: handler(work, job)}
JOB_HANDLERS = {complaints.UPGRADE_JOB: complaints.on_upgrade_job, alerts.SWEEP: alerts.run_sweep,
                **revisits.JOBS, **keys.JOBS, **vacant.JOBS, **vacant_care.JOBS, **inspections.JOBS,
                **renovation.JOBS}
EXTENSION_IN = schemas.ExtensionIn()


def is_engineering_dispatch(event: Event) -> bool:
    """The ``notification.delivered`` tickets acts on -- the repair's engineering dispatch and a
    warranty-quality complaint's two notices (2 of a repair flow's 3 are the resident's
    acknowledgement): the others are acked by the kernel without a worker."""
    data = event.data or {}
    return (data.get("purpose") == ENGINEERING_DISPATCH or data.get("purpose") in QUALITY_NOTICES) \
        and data.get("ref_type") == "ticket"


class TicketsService(SettingsRpcs, ComplaintRpcs, FeedbackRpcs, RenovationRpcs, GoodsReleaseRpcs, KeyRpcs, VacantRpcs,
                     InspectionRpcs, PrintoutRpcs):
    name = "tickets"
    settings_rules = repairs            # per-project settings: get / set / history RPCs (kernel.settings_rpc)

    db = Database(Base)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT, settings=sla.SETTINGS)
    # scheduled jobs (kernel.jobs), one runner: every kind's handler in JOB_HANDLERS; the SLA sweep
    # (domain/alerts.py) is periodic: one replica runs it every JOBS_EVERY_SLA_SWEEP seconds
    jobs = JobRunner(CONTRACT, JOB_HANDLERS, every={alerts.SWEEP: alerts.SWEEP_EVERY}, settings=sla.SETTINGS)
    # questions to billing a step cannot go on without (the goods release's fees): a small pool
    # with its own timeout (kernel.fees: BILLING_RPC_TIMEOUT, default 5 s -- below the gateway's), fail closed
    billing = fees.billing_pool()
    archive = RpcPoolProvider(prefix="ARCHIVE_RPC", size=4, timeout=5.0)   # the household file's people

    def _out(self, ticket, work):
        return TICKET_OUT.dump(repairs.ticket_view(ticket, self.clock.now(), work.caller))

    @rpc
    def health(self):
        self.db.execute(Base.metadata.tables["tickets"].select().limit(1))
        return {"service": self.name, "status": "ok"}

    @rpc
    def open_repair(self, data, idempotency_key=None):
        work, command = self.work(), REPAIR_IN.load(data)
        # the older spelling of the key (``request_id`` in the body) still counts
        key = idempotency_key or command.get("request_id")
        command["request_id"] = key
        return work.idempotent(key, "open_repair", command,
                               lambda: self._out(repairs.open_repair(work, command), work))

    @rpc
    def transition(self, ticket_id, data, idempotency_key=None):
        """One step of the repair workflow: ``data = {"action": dispatch|accept|arrive|quote|consent|
        refuse|complete|confirm|rate|cancel|reopen|reply, ...}`` (schemas.TransitionIn;
        domain/workflow.py's table)."""
        work, command = self.work(), TRANSITION_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "transition", command, lambda: self._out(
            repairs.transition(work, command["ticket_id"], command["action"], command), work))

    # -- paid in-home repairs: the price list (domain/prices.py) ----------------------------
    @rpc
    def get_price_list(self, project_id, on=None):
        """The project's price list of paid services in force ``on`` (default today), with the
        changes scheduled after it: its staff and its residents."""
        query = schemas.PriceListQuery().load({"project_id": project_id, "on": on})
        return PRICE_LIST_OUT.dump(prices.price_list(self.work(), query["project_id"], query["on"]))

    @rpc
    def set_price_item(self, project_id, data, idempotency_key=None):
        """Add an item or change it from ``effective_from`` (engineering manager, centre manager)."""
        work, command = self.work(), schemas.PriceItemIn().load(data)
        command["project_id"] = str(project_id)
        return work.idempotent(idempotency_key, "set_price_item", command, lambda: PRICE_LIST_OUT.dump(
            prices.set_item(work, command["project_id"], command)))

    @rpc
    def retire_price_item(self, project_id, code, data=None, idempotency_key=None):
        """No longer offer ``code`` from ``effective_from`` (engineering manager, centre manager)."""
        work, command = self.work(), schemas.RetireItemIn().load(data or {})
        command.update(project_id=str(project_id), code=str(code))
        return work.idempotent(idempotency_key, "retire_price_item", command, lambda: PRICE_LIST_OUT.dump(
            prices.retire_item(work, command["project_id"], command["code"], command)))

    # -- the on-duty list (domain/duty.py) --------------------------------------------------
    @rpc
    def get_duty_roster(self, project_id):
        work = self.work()
        return DUTY_ROSTER_OUT.dump(duty.roster(work, str(project_id)))

    @rpc
    def replace_duty_roster(self, project_id, data, idempotency_key=None):
        """Replace the project's whole on-duty list (engineering manager)."""
        work, command = self.work(), schemas.DutyRosterIn().load(data)
        command["project_id"] = str(project_id)
        return work.idempotent(idempotency_key, "replace_duty_roster", command, lambda: DUTY_ROSTER_OUT.dump(
            duty.replace(work, command["project_id"], command["entries"])))
    @rpc
    def extend_deadline(self, ticket_id, data, idempotency_key=None):
        """An approved overrun (超时审批) of one clock: ``data = {"kind", "new_due_at", "reason"}``
        (schemas.ExtensionIn; domain/overruns.py)."""
        work, command = self.work(), EXTENSION_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "extend_deadline", command, lambda: self._out(
            overruns.extend_deadline(work, command["ticket_id"], command), work))

    @rpc
    def get_ticket(self, ticket_id):
        work = self.work()
        return self._out(repairs.get_ticket(work, ticket_id), work)

    @rpc
    def list_tickets(self, query=None):
        work = self.work()
        tickets, total = repairs.list_tickets(work, **schemas.TicketQuery().load(query or {}))
        return {"items": [self._out(t, work) for t in tickets], "total": total}

    @rpc
    def list_open_for_unit(self, unit_id, limit=20):
        work = self.work()
        tickets, _ = repairs.list_tickets(work, **schemas.TicketQuery().load(
            {"unit_id": unit_id, "open_only": True, "limit": limit}))
        return [self._out(t, work) for t in tickets]

    @rpc
    def export_snapshots(self, kind, after=None, limit=200, project_id=None):
        """The platform's rebuild of a read model: a page of ``ticket.changed`` (kind ``ticket``),
        ``goods_release.changed`` (``goods_release``) or ``key.changed`` (``key``) payloads in id
        order after ``after``."""
        q = schemas.ExportQuery().load({"kind": kind, "after": after, "limit": limit,
                                        "project_id": project_id})
        event, export = {"ticket": (TICKET_CHANGED, repairs.export_snapshots),
                         "goods_release": (GOODS_RELEASE_CHANGED, goods_release.export_snapshots),
                         "key": (KEY_CHANGED, keys.export_snapshots)}[q["kind"]]
        return [CONTRACT.dump(event, s) for s in export(self.work(), q["after"], q["limit"], q["project_id"])]

    # -- revisits (回访, domain/revisits.py) ---------------------------------------
    @rpc
    def revisit_step(self, ticket_id, data, idempotency_key=None):
        """One step of a revisit: ``data = {"action": assign|record|unreachable|cancel, ...}``
        (schemas.RevisitStepIn; revisits.TABLE). Recorded dissatisfied, it opens a complaint."""
        work, command = self.work(), REVISIT_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "revisit_step", command, lambda: self._out(
            revisits.step(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def list_revisits(self, project_id, query=None):
        work = self.work()
        tickets, total = revisits.list_revisits(work, str(project_id), **schemas.RevisitQuery().load(query or {}))
        return {"items": [self._out(t, work) for t in tickets], "total": total}

    @rpc
    def revisit_figures(self, project_id, month):
        """The month's repair revisit rate against the project's target."""
        query = schemas.RevisitFiguresQuery().load({"month": month})
        return schemas.RevisitFiguresOut().dump(revisits.figures(self.work(), str(project_id), query["month"]))

    @rpc
    def get_sla_settings(self, project_id):
        return repairs.get_sla_minutes(self.work(), project_id)

    @rpc
    def set_sla_setting(self, data, idempotency_key=None):
        work, command = self.work(), schemas.SlaSettingIn().load(data)
        return work.idempotent(idempotency_key, "set_sla_setting", command, lambda: repairs.set_sla_minutes(
            work, command["project_id"], command["key"], command["minutes"]))

    # -- reports ----------------------------------------------------------------
    @rpc
    def monthly_report(self, project_id, month):
        """The project's tickets in one month of its local calendar (domain/reports.py): managers
        of the project (CS, centre, general, engineering) and the group admin."""
        query = REPORT_IN.load({"project_id": project_id, "month": month})
        return REPORT_OUT.dump(reports.monthly_report(self.work(), query["project_id"], query["month"]))

    # -- registry copies ------------------------------------------------------
    @event_handler("archive", "project.changed")
    def on_project_changed(self, event: Event):
        work, data = self.work(Caller.system(event.group_id, "tickets")), schemas.ProjectChangedIn().load(event.data)
        copies.apply_project(work, data)
        revisits.seed_monthly_jobs(work, data["project_id"])     # the monthly sample and routine plan
        keys.seed_monthly_jobs(work, data["project_id"])         # the spot-check (the 25th), the stock-check (month end)
        vacant.seed_monthly_jobs(work, data["project_id"])       # the vacant-unit month (5th, 10th, 12th)
        vacant_care.seed_daily_job(work, data["project_id"])     # the vacant units' cleaning, airing, frost checks
        inspections.seed_plan_job(work, data["project_id"])       # the daily patrol plan

    @event_handler("archive", "unit.changed")
    def on_unit_changed(self, event: Event):
        copies.apply_unit(self.work(Caller.system(event.group_id, "tickets")),
                          schemas.UnitChangedIn().load(event.data))

    @event_handler("archive", "household.changed")
    def on_household_changed(self, event: Event):
        # the unit's copy, then what a household moving out left open (goods releases voided, its
        # renovation cancelled or handed over: domain/moves.py)
        if not moves.on_household_changed(self.work(Caller.system(event.group_id, "tickets")),
                                          schemas.HouseholdChangedIn().load(event.data)):
            raise RetryableError(f"unit {event.data.get('unit_id')} not known yet")

    # -- SLA ------------------------------------------------------------------
    @event_handler("notify", "notification.delivered", when=is_engineering_dispatch)
    def on_notification_delivered(self, event: Event):
        data = DELIVERED_IN.load(event.data)
        if data["ref_type"] != "ticket" or not data["ref_id"]:
            return
        work = self.work(Caller.system(event.group_id, "tickets"))
        if data["purpose"] == ENGINEERING_DISPATCH:
            repairs.engineering_notified(work, data["ref_id"], data["delivered_at"], via=data["channel"])
        elif data["purpose"] in QUALITY_NOTICES:
            quality.notice_delivered(work, data["ref_id"], QUALITY_NOTICES[data["purpose"]],
                                     data["delivered_at"], via=data["channel"])
