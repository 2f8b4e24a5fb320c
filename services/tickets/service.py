"""tickets service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from kernel.db import ClockProvider, Database
from kernel.dependencies import UnitOfWork
from kernel.entrypoints import event_handler, rpc
from kernel.errors import RetryableError
from kernel.jobs import JobRunner
from kernel.messaging import Event
from kernel.rpc import RpcPoolProvider
from kernel.settings_rpc import SettingsRpcs
from kernel.tenancy import Caller
from kernel.validators import IdNumberInvalid

from . import schemas
from .domain import (alerts, complaints, copies, duty, feedback, goods_release, inspections, keys, moves, overruns,
                     prices, quality, renovation, repairs, reports, revisits, sla, vacant)
from .events import CONTRACT, GOODS_RELEASE_CHANGED, KEY_CHANGED, TICKET_CHANGED
from .exceptions import (ArchiveUnavailable, BillingUnavailable, BuildingNotFound, DocumentNotFound, IdentityMatchLocked,
                         IdentityNotMatched, NoFeeAccount)
from .models import Base

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
COMPLAINT_IN = schemas.ComplaintIn()
COMPLAINT_STEP_IN = schemas.ComplaintStepIn()
QUALITY_IN = schemas.QualityComplaintIn()
QUALITY_STEP_IN = schemas.QualityStepIn()
FEEDBACK_IN = schemas.FeedbackIn()
FEEDBACK_STEP_IN = schemas.FeedbackStepIn()

#: tickets' scheduled jobs (kernel.jobs): {kind: handler(work, job)}
JOB_HANDLERS = {complaints.UPGRADE_JOB: complaints.on_upgrade_job, alerts.SWEEP: alerts.run_sweep,
                **revisits.JOBS, **keys.JOBS, **vacant.JOBS, **inspections.JOBS,
                **renovation.JOBS}
EXTENSION_IN = schemas.ExtensionIn()
GOODS_RELEASE_IN = schemas.GoodsReleaseIn()
GOODS_RELEASE_STEP_IN = schemas.GoodsReleaseStepIn()
GOODS_RELEASE_OUT = schemas.GoodsReleaseOut()
GOODS_RELEASE_LIST_OUT = schemas.GoodsReleaseListOut()
KEY_OUT = schemas.KeyOut()
VACANT_CHECK_OUT = schemas.VacantCheckOut()
ROUND_OUT = schemas.RoundOut()
AREA_OUT = schemas.AreaOut()
RENOVATION_IN = schemas.RenovationIn()
RENOVATION_STEP_IN = schemas.RenovationStepIn()
RENOVATION_OUT = schemas.RenovationOut()


def is_engineering_dispatch(event: Event) -> bool:
    """The ``notification.delivered`` tickets acts on -- the repair's engineering dispatch and a
    warranty-quality complaint's two notices (2 of a repair flow's 3 are the resident's
    acknowledgement): the others are acked by the kernel without a worker."""
    data = event.data or {}
    return (data.get("purpose") == ENGINEERING_DISPATCH or data.get("purpose") in QUALITY_NOTICES) \
        and data.get("ref_type") == "ticket"


class TicketsService(SettingsRpcs):
    name = "tickets"
    settings_rules = repairs            # per-project settings: get / set / history RPCs (kernel.settings_rpc)

    db = Database(Base)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT, settings=sla.SETTINGS)
    # scheduled jobs (kernel.jobs), one runner: every kind's handler in JOB_HANDLERS; the SLA sweep
    # (domain/alerts.py) is periodic: one replica runs it every JOBS_EVERY_SLA_SWEEP seconds
    jobs = JobRunner(CONTRACT, JOB_HANDLERS, every={alerts.SWEEP: alerts.SWEEP_EVERY}, settings=sla.SETTINGS)
    # questions to billing a step cannot go on without (the goods release's fees): a small pool
    # with its own timeout (BILLING_RPC_TIMEOUT, default 5 s -- below the gateway's), fail closed
    billing = RpcPoolProvider(prefix="BILLING_RPC", size=4, timeout=5.0)
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
    # -- complaints (投诉, domain/complaints.py) ----------------------------------------------
    @rpc
    def register_complaint(self, data, idempotency_key=None):
        """Register a complaint (schemas.ComplaintIn): front desk, steward, CS / centre manager, or
        a resident from the portal (written, own unit)."""
        work, command = self.work(), COMPLAINT_IN.load(data)
        return work.idempotent(idempotency_key, "register_complaint", command,
                               lambda: self._out(complaints.register(work, command), work))

    @rpc
    def complaint_step(self, ticket_id, data, idempotency_key=None):
        """One step of a complaint: ``data = {"action": dispatch|respond|write_reply|
        report_to_manager|resolve|close|reclassify|cancel, ...}`` (schemas.ComplaintStepIn)."""
        work, command = self.work(), COMPLAINT_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "complaint_step", command, lambda: self._out(
            complaints.transition(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def register_quality_complaint(self, data, idempotency_key=None):
        """Record a warranty-quality complaint (schemas.QualityComplaintIn)."""
        work, command = self.work(), QUALITY_IN.load(data)
        return work.idempotent(idempotency_key, "register_quality_complaint", command,
                               lambda: self._out(quality.register(work, command), work))

    @rpc
    def quality_step(self, ticket_id, data, idempotency_key=None):
        """One step of a warranty-quality complaint: ``data = {"action": assess|resolve|explain|
        claim_compensation|decide_compensation|close|cancel, ...}`` (schemas.QualityStepIn)."""
        work, command = self.work(), QUALITY_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "quality_step", command, lambda: self._out(
            quality.transition(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def list_complaints(self, query=None):
        """Complaints and warranty-quality complaints, filtered by kind, class, department,
        status and the ticket lists' filters (schemas.ComplaintQuery)."""
        work = self.work()
        tickets, total = complaints.list_complaints(work, **schemas.ComplaintQuery().load(query or {}))
        return {"items": [self._out(t, work) for t in tickets], "total": total}

    # -- praise and suggestions (表扬与建议, domain/feedback.py) ---------------------------------
    @rpc
    def register_feedback(self, data, idempotency_key=None):
        """Record praise or a suggestion (schemas.FeedbackIn): a resident for their unit (portal), or
        front desk, steward, CS / centre manager from any channel, for a unit or the project."""
        work, command = self.work(), FEEDBACK_IN.load(data)
        return work.idempotent(idempotency_key, "register_feedback", command,
                               lambda: self._out(feedback.register(work, command), work))

    @rpc
    def feedback_step(self, ticket_id, data, idempotency_key=None):
        """One step of praise or a suggestion: ``data = {"action": acknowledge|forward|reply|close|
        cancel, ...}`` (schemas.FeedbackStepIn; feedback.TABLE)."""
        work, command = self.work(), FEEDBACK_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "feedback_step", command, lambda: self._out(
            feedback.transition(work, command["ticket_id"], command["action"], command), work))

    @rpc
    def list_feedback(self, query=None):
        """Praise and suggestions in the caller's scope, by sub-kind, status and the ticket lists'
        filters (schemas.FeedbackQuery)."""
        work = self.work()
        tickets, total = feedback.list_feedback(work, **schemas.FeedbackQuery().load(query or {}))
        return {"items": [self._out(t, work) for t in tickets], "total": total}

    @rpc
    def get_feedback(self, ticket_id):
        """One praise or suggestion with the company's reply (its documents)."""
        work = self.work()
        return self._out(feedback.get_feedback(work, str(ticket_id)), work)
    # -- renovation (装修, domain/renovation.py) ---------------------------------------------
    def _renovation_out(self, work, ticket, row=None):
        row = row if row is not None else work.session.get(renovation.Renovation, ticket.id)
        return RENOVATION_OUT.dump({"id": ticket.id, "ticket": self._out(ticket, work),
                                    "renovation": renovation.view(work, ticket, row)})

    def _ask_document(self, work):
        """archive's ``unit_document``: is the document in the file of the unit's current household,
        and of what type -- read as the caller with the renovation's purpose (logged there); not
        there is ``document_not_found``, no answer ``archive_unavailable`` (fail closed)."""
        caller = work.caller
        return lambda unit_id, document_id: self.archive.ask(
            caller, "archive", "unit_document", unit_id=unit_id, document_id=document_id,
            purpose=renovation.ARCHIVE_PURPOSE, unavailable=ArchiveUnavailable,
            refusals={"document_not_found": DocumentNotFound})

    @rpc
    def apply_renovation(self, data, idempotency_key=None):
        """A renovation application (schemas.RenovationIn): the unit's resident, or the desk."""
        work, command = self.work(), RENOVATION_IN.load(data)
        return work.idempotent(idempotency_key, "apply_renovation", command, lambda: self._renovation_out(
            work, renovation.apply(work, command, self._ask_document(work))))

    @rpc
    def renovation_step(self, ticket_id, data, idempotency_key=None):
        """One step of a renovation: ``data = {"action": attach_document|submit|approve|reject|
        sign_agreement|issue_permit|issue_pass|void_pass|record_patrol|clear_waste|
        request_acceptance|accept|fail_acceptance|occupy|reinspect|cancel, ...}``
        (schemas.RenovationStepIn; renovation.TABLE)."""
        work, command = self.work(), RENOVATION_STEP_IN.load(data)
        command["ticket_id"] = str(ticket_id)
        return work.idempotent(idempotency_key, "renovation_step", command, lambda: self._renovation_out(
            work, renovation.step(work, command["ticket_id"], command["action"], command, self._ask_document(work))))

    @rpc
    def get_renovation(self, ticket_id):
        work = self.work()
        ticket, row = renovation.get(work, str(ticket_id))
        return self._renovation_out(work, ticket, row)

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

    # -- goods releases (物品放行, domain/goods_release.py) ---------------------------------
    def _ask_fees(self, work):
        """billing's ``has_arrears`` for the unit, asked as the caller now; no answer is
        ``billing_unavailable`` (kernel.rpc ``RpcPool.ask``: fail closed)."""
        caller = work.caller
        return lambda unit_id: self.billing.ask(caller, "billing", "has_arrears", unit_id,
                                                unavailable=BillingUnavailable,
                                                refusals={"account_not_found": NoFeeAccount})

    def _ask_household(self, work):
        """The people (name, role) of the unit's household in archive's file, read as the caller
        with the goods release's purpose (logged there); no answer is ``archive_unavailable``."""
        caller = work.caller

        def ask(unit_id):
            reply = self.archive.ask(caller, "archive", "contacts_for_notify", unit_id=unit_id,
                                     purpose=goods_release.ARCHIVE_PURPOSE, unavailable=ArchiveUnavailable)
            return [{"name": p["name"], "role": p["role"]} for p in reply.get("people") or ()]
        return ask

    def _ask_identity(self, work):
        """archive's ``match_identity`` as the caller, with the goods release's purpose (logged there):
        matched / not matched; too many failed matches today is ``identity_match_locked``; no answer is
        ``archive_unavailable`` (fail closed)."""
        caller = work.caller

        def ask(unit_id, name, id_number, id_type):
            return self.archive.ask(caller, "archive", "match_identity", unit_id=unit_id, name=name,
                                    id_number=id_number, id_type=id_type, purpose=goods_release.ARCHIVE_PURPOSE,
                                    unavailable=ArchiveUnavailable,
                                    refusals={"identity_match_locked": IdentityMatchLocked,
                                              "id_number_invalid": IdNumberInvalid,
                                              "household_not_found": IdentityNotMatched})
        return ask

    @rpc
    def request_goods_release(self, data, idempotency_key=None):
        """Record a goods release: a resident for their own unit, the desk for a resident (with the
        identity check, if done)."""
        work, command = self.work(), GOODS_RELEASE_IN.load(data)
        return work.idempotent(idempotency_key, "request_goods_release", command, lambda: GOODS_RELEASE_OUT.dump(
            goods_release.view(goods_release.request(work, command, self._ask_household(work),
                                                    self._ask_identity(work)))))

    @rpc
    def goods_release_step(self, release_id, data, idempotency_key=None):
        """verify | approve | issue | use | void (goods_release.TABLE); approve and issue ask billing."""
        work, command = self.work(), GOODS_RELEASE_STEP_IN.load(data)
        command["release_id"] = str(release_id)
        return work.idempotent(idempotency_key, "goods_release_step", command, lambda: GOODS_RELEASE_OUT.dump(
            goods_release.view(goods_release.step(work, command["release_id"], command, self._ask_fees(work),
                                                  self._ask_household(work), self._ask_identity(work)))))

    @rpc
    def get_goods_release(self, release_id):
        return GOODS_RELEASE_OUT.dump(goods_release.view(goods_release.get(self.work(), str(release_id))))

    @rpc
    def goods_release_by_number(self, project_id, number):
        """The pass shown at the gate, by its number (security, the desk, managers)."""
        return GOODS_RELEASE_OUT.dump(goods_release.view(
            goods_release.by_number(self.work(), str(project_id), str(number)[:40])))

    @rpc
    def unit_goods_releases(self, unit_id, query=None):
        q = schemas.GoodsReleaseQuery().load(query or {})
        rows = goods_release.for_unit(self.work(), str(unit_id), q["limit"], q["offset"])
        return GOODS_RELEASE_LIST_OUT.dump({"items": [goods_release.view(r) for r in rows]})
    # -- keys (钥匙, domain/keys.py) ---------------------------------------------
    def _key_out(self, work, key, with_history=False):
        return KEY_OUT.dump(keys.view(work, key, with_history=with_history))

    @rpc
    def receive_key(self, data, idempotency_key=None):
        """The developer hands over a unit's key (front desk, steward, CS / centre manager)."""
        work, command = self.work(), schemas.KeyReceiveIn().load(data)
        return work.idempotent(idempotency_key, "receive_key", command,
                               lambda: self._key_out(work, keys.receive(work, command), True))

    @rpc
    def move_key(self, key_id, data, idempotency_key=None):
        """One movement of a key: ``data = {"action": store|collect|deposit|request_loan|approve_loan|
        refuse_loan|return, ...}`` (schemas.KeyMoveIn; keys.TABLE)."""
        work, command = self.work(), schemas.KeyMoveIn().load(data)
        command["key_id"] = str(key_id)
        return work.idempotent(idempotency_key, "move_key", command, lambda: self._key_out(
            work, keys.move(work, command["key_id"], command["action"], command), True))

    @rpc
    def get_key(self, key_id):
        work = self.work()
        return self._key_out(work, keys.get_key(work, str(key_id)), not work.caller.is_resident)

    @rpc
    def unit_keys(self, unit_id):
        """A unit's keys: its staff, and its household (the state only)."""
        work = self.work()
        return [self._key_out(work, k) for k in keys.unit_keys(work, str(unit_id))]

    @rpc
    def project_keys(self, project_id, query=None):
        work, q = self.work(), schemas.KeyListQuery().load(query or {})
        return [self._key_out(work, k) for k in keys.project_keys(work, str(project_id), q["state"])]

    @rpc
    def front_desk_tasks(self, project_id, query=None):
        """The project's front-desk tasks (kind ``task``) with the ticket lists' filters: its desk, GM,
        group admin (a resident: 404 as for another project)."""
        work, q = self.work(), schemas.TicketQuery().load(query or {})
        q.pop("project_id", None)       # the path's project is the one listed
        tickets, total = keys.front_desk_tasks(work, str(project_id), **q)
        return {"items": [self._out(t, work) for t in tickets], "total": total}

    @rpc
    def record_stock_check(self, project_id, data, idempotency_key=None):
        """A count of the key store against the register (monthly: the desk; spot: the CS manager)."""
        work, command = self.work(), schemas.StockCheckIn().load(data)
        command["project_id"] = str(project_id)
        return work.idempotent(idempotency_key, "record_stock_check", command, lambda: schemas.StockCheckOut().dump(
            keys.stock_check_view(keys.record_stock_check(work, command["project_id"], command))))

    @rpc
    def list_stock_checks(self, project_id, query=None):
        q = schemas.StockCheckQuery().load(query or {})
        return [schemas.StockCheckOut().dump(keys.stock_check_view(c))
                for c in keys.list_stock_checks(self.work(), str(project_id), q["month"])]

    # -- vacant units (空置房, domain/vacant.py) ---------------------------------
    def _register_out(self, work, project_id, month):
        row, checks = vacant.month_view(work, project_id, month)
        return schemas.VacantRegisterOut().dump({**vacant.register_view(row, project_id, month),
                                                 "checks": [vacant.check_view(work, c) for c in checks]})

    @rpc
    def update_vacant_register(self, project_id, month, data, idempotency_key=None):
        """Set the month's vacant units (front desk, steward, CS / centre manager)."""
        work, command = self.work(), schemas.VacantRegisterIn().load(data)
        command.update(schemas.VacantMonthQuery().load({"month": month}), project_id=str(project_id))
        def update():
            vacant.update_register(work, command["project_id"], command["month"], command["unit_ids"],
                                   command["owner_registered"])
            return self._register_out(work, command["project_id"], command["month"])
        return work.idempotent(idempotency_key, "update_vacant_register", command, update)

    @rpc
    def vacant_register(self, project_id, month):
        q = schemas.VacantMonthQuery().load({"month": month})
        return self._register_out(self.work(), str(project_id), q["month"])

    @rpc
    def record_vacant_check(self, check_id, data, idempotency_key=None):
        """A vacant unit's check with its findings per room (steward, front desk, managers)."""
        work, command = self.work(), schemas.VacantCheckIn().load(data)
        command["check_id"] = str(check_id)
        return work.idempotent(idempotency_key, "record_vacant_check", command, lambda: VACANT_CHECK_OUT.dump(
            vacant.check_view(work, vacant.record_check(work, command["check_id"], command["findings"]))))

    @rpc
    def decide_crack(self, finding_id, data, idempotency_key=None):
        """The CS / centre manager's decision on a crack: approved, a repair ticket is opened."""
        work, command = self.work(), schemas.CrackDecisionIn().load(data)
        command["finding_id"] = str(finding_id)
        return work.idempotent(idempotency_key, "decide_crack", command, lambda: VACANT_CHECK_OUT.dump(
            vacant.check_view(work, vacant.get_check(work, vacant.decide_crack(
                work, command["finding_id"], command["approve"], command["note"]).check_id))))

    @rpc
    def get_vacant_check(self, check_id):
        work = self.work()
        return VACANT_CHECK_OUT.dump(vacant.check_view(work, vacant.get_check(work, str(check_id))))

    @rpc
    def unit_vacant_checks(self, unit_id):
        """A unit's vacant-unit checks: its staff, and its household (the results)."""
        work = self.work()
        return [VACANT_CHECK_OUT.dump(vacant.check_view(work, c)) for c in vacant.unit_checks(work, str(unit_id))]
    # -- daily inspections (巡检, domain/inspections.py) --------------------------------------
    def _round_out(self, ticket, work):
        return ROUND_OUT.dump(inspections.round_view(work, ticket))

    @rpc
    def inspection_templates(self, project_id):
        """Every area type's checklist in force in the project (its staff)."""
        return schemas.TemplateOut(many=True).dump(inspections.templates(self.work(), str(project_id)))

    @rpc
    def inspection_template_history(self, project_id, area_type):
        q = schemas.AreaTypePath().load({"area_type": area_type})
        return schemas.TemplateVersionOut(many=True).dump(
            inspections.template_history(self.work(), str(project_id), q["area_type"]))

    @rpc
    def set_inspection_template(self, project_id, area_type, data, idempotency_key=None):
        """A project's checklist for one area type, whole (CS manager, centre manager): a new version."""
        work, command = self.work(), schemas.ChecklistIn().load(data)
        command.update(project_id=str(project_id), **schemas.AreaTypePath().load({"area_type": area_type}))
        return work.idempotent(idempotency_key, "set_inspection_template", command, lambda: schemas.TemplateOut().dump(
            inspections.set_template(work, command["project_id"], command["area_type"], command["items"],
                                     command["reason"])))

    def _ask_building(self, work):
        """archive's ``get_building`` as the caller: an area's building must be one of the project's;
        not there is ``building_not_found``, no answer ``archive_unavailable`` (fail closed)."""
        caller = work.caller
        return lambda building_id: self.archive.ask(caller, "archive", "get_building", building_id,
                                                    unavailable=ArchiveUnavailable,
                                                    refusals={"building_not_found": BuildingNotFound})

    @rpc
    def list_inspection_areas(self, project_id, query=None):
        work = self.work()
        areas = inspections.list_areas(work, str(project_id), **schemas.AreaQuery().load(query or {}))
        return [AREA_OUT.dump(inspections.area_view(work, a)) for a in areas]

    @rpc
    def create_inspection_area(self, project_id, data, idempotency_key=None):
        """A new inspection area (CS manager, centre manager); today's remaining patrols planned."""
        work, command = self.work(), schemas.AreaIn().load(data)
        command["project_id"] = str(project_id)
        return work.idempotent(idempotency_key, "create_inspection_area", command, lambda: AREA_OUT.dump(
            inspections.area_view(work, inspections.create_area(work, command["project_id"], command,
                                                                 self._ask_building(work)))))

    @rpc
    def update_inspection_area(self, area_id, data, idempotency_key=None):
        work, command = self.work(), schemas.AreaChangeIn().load(data)
        command["area_id"] = str(area_id)
        return work.idempotent(idempotency_key, "update_inspection_area", command, lambda: AREA_OUT.dump(
            inspections.area_view(work, inspections.update_area(work, command["area_id"], command,
                                                                 self._ask_building(work)))))

    @rpc
    def start_inspection_round(self, area_id, idempotency_key=None):
        """A round walked now, outside the patrol plan (steward, front desk)."""
        work, area_id = self.work(), str(area_id)
        return work.idempotent(idempotency_key, "start_inspection_round", {"area_id": area_id},
                               lambda: self._round_out(inspections.start_round(work, area_id), work))

    @rpc
    def inspection_round_step(self, round_id, data, idempotency_key=None):
        """One step of a round: ``data = {"action": start|record|complete|cancel, "results"?, ...}``
        (schemas.RoundStepIn; inspections.TABLE). A failed item opens its repair, once."""
        work, command = self.work(), schemas.RoundStepIn().load(data)
        command["round_id"] = str(round_id)
        return work.idempotent(idempotency_key, "inspection_round_step", command, lambda: self._round_out(
            inspections.step(work, command["round_id"], command["action"], command), work))

    @rpc
    def get_inspection_round(self, round_id):
        work = self.work()
        return self._round_out(inspections.get_round(work, str(round_id)), work)

    @rpc
    def list_inspection_rounds(self, project_id, query=None):
        work = self.work()
        tickets, total = inspections.list_rounds(work, str(project_id), **schemas.RoundQuery().load(query or {}))
        return {"items": [self._round_out(t, work) for t in tickets], "total": total}

    @rpc
    def patrols_by_steward(self, project_id, query=None):
        work = self.work()
        return schemas.StewardPatrolsOut(many=True).dump(
            inspections.by_steward(work, str(project_id), **schemas.ByStewardQuery().load(query or {})))

    @rpc
    def set_staff_active(self, user_id, active, name=None):
        """The gateway tells a staff account deactivated (or active again): the patrol plan assigns
        an inactive steward nothing (inspections.set_staff_active). The platform only."""
        return inspections.set_staff_active(self.work(), str(user_id), bool(active), name)

    @event_handler("archive", "steward.assigned")
    def on_steward_assigned(self, event: Event):
        inspections.apply_steward(self.work(Caller.system(event.group_id, "tickets")),
                                  schemas.StewardAssignedIn().load(event.data))

    # -- registry copies ------------------------------------------------------
    @event_handler("archive", "project.changed")
    def on_project_changed(self, event: Event):
        work, data = self.work(Caller.system(event.group_id, "tickets")), schemas.ProjectChangedIn().load(event.data)
        copies.apply_project(work, data)
        revisits.seed_monthly_jobs(work, data["project_id"])     # the monthly sample and routine plan
        keys.seed_monthly_jobs(work, data["project_id"])         # the spot-check (the 25th), the stock-check (month end)
        vacant.seed_monthly_jobs(work, data["project_id"])       # the vacant-unit month (5th, 10th, 12th)
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

    # -- billing's reports on a renovation's fees ---------------------------------------------
    @event_handler("billing", "renovation.fees_charged")
    def on_renovation_fees_charged(self, event: Event):
        renovation.on_fees_charged(self.work(Caller.system(event.group_id, "tickets")),
                                   schemas.RenovationFeesChargedIn().load(event.data))

    @event_handler("billing", "renovation.fees_paid")
    def on_renovation_fees_paid(self, event: Event):
        renovation.on_fees_paid(self.work(Caller.system(event.group_id, "tickets")),
                                schemas.RenovationFeesPaidIn().load(event.data))

    @event_handler("billing", "renovation.deposit_refunded")
    def on_renovation_deposit_refunded(self, event: Event):
        renovation.on_deposit_refunded(self.work(Caller.system(event.group_id, "tickets")),
                                       schemas.RenovationDepositRefundedIn().load(event.data))

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
