"""archive service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from kernel import fees
from kernel.db import ClockProvider, Database
from kernel.dependencies import UnitOfWork
from kernel.entrypoints import event_handler, rpc
from kernel.jobs import JobRunner
from kernel.messaging import Event
from kernel.settings_rpc import SettingsRpcs
from kernel.storage import StorageProvider
from kernel.tenancy import Caller

from . import schemas
from .domain import census, documents, files, registry, retention
from .domain import settings as archive_settings
from .events import CONTRACT, HOUSEHOLD_CHANGED, PROJECT_CHANGED, UNIT_CHANGED
from .models import Base
# the RPCs by area (wiring only), one mixin each
from .rpcs.access import AccessRpcs
from .rpcs.census import CensusRpcs
from .rpcs.documents import DocumentRpcs
from .rpcs.people import PeopleRpcs

#: the hot path's schema, built once (a marshmallow instance keeps no state between calls)
TICKET_OPENED_IN = schemas.TicketOpenedIn()

#: kernel jobs (census area): the hourly seed of each project's daily jobs, the census sweep, the
#: retention purge, and the deletion of erased documents' content from the store (``work.storage``)
JOB_HANDLERS = {census.SEED_JOB: census.seed_daily_jobs, census.SWEEP_JOB: census.run_sweep,
                retention.PURGE_JOB: retention.run_purge, documents.ERASE_JOB: documents.delete_erased_content}


class ArchiveService(SettingsRpcs, PeopleRpcs, DocumentRpcs, AccessRpcs, CensusRpcs):
    name = "archive"

    db = Database(Base)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT, settings=archive_settings.SETTINGS)
    #: documents' content (kernel.storage: a local directory, or S3 by STORAGE_URL)
    storage = StorageProvider("archive")
    jobs = JobRunner(CONTRACT, JOB_HANDLERS, every={census.SEED_JOB: census.SEED_EVERY},
                     settings=archive_settings.SETTINGS)
    #: get_settings / set_setting / settings_history (archive's settings: domain/settings.py)
    settings_rules = archive_settings
    #: the question a transfer (过户) and a move-out (迁出) cannot go on without: billing's
    #: ``has_arrears`` (kernel.fees: a small pool, BILLING_RPC_TIMEOUT 5 s, fail closed)
    billing = fees.billing_pool()


    @rpc
    def health(self):
        self.db.execute(Base.metadata.tables["projects"].select().limit(1))
        return {"service": self.name, "status": "ok"}

    # -- registry -------------------------------------------------------------
    @rpc
    def register_project(self, data, idempotency_key=None):
        work, command = self.work(), schemas.ProjectIn().load(data)
        def run():
            project, created = registry.register_project(work, command)
            return dict(schemas.ProjectOut().dump(project), created=created)
        return work.idempotent(idempotency_key, "register_project", command, run)

    @rpc
    def register_building(self, data, idempotency_key=None):
        work, command = self.work(), schemas.BuildingIn().load(data)
        def run():
            building, created = registry.register_building(work, command)
            return dict(schemas.BuildingOut().dump(building), created=created)
        return work.idempotent(idempotency_key, "register_building", command, run)

    @rpc
    def register_unit(self, data, idempotency_key=None):
        work, command = self.work(), schemas.UnitIn().load(data)
        def run():
            unit, created = registry.register_unit(work, command)
            return dict(schemas.UnitOut().dump(unit), created=created)
        return work.idempotent(idempotency_key, "register_unit", command, run)

    @rpc
    def move_in(self, data, idempotency_key=None):
        work, command = self.work(), schemas.MoveIn().load(data)
        def run():
            household, created = registry.move_in(work, command)
            return dict(schemas.HouseholdOut().dump(registry.household_view(work.caller, household)),
                        created=created)
        return work.idempotent(idempotency_key, "move_in", command, run)

    @rpc
    def list_projects(self):
        return schemas.ProjectOut(many=True).dump(registry.list_projects(self.work()))

    @rpc
    def get_project(self, project_id):
        return schemas.ProjectOut().dump(registry.get_project(self.work(), project_id))

    @rpc
    def list_units(self, project_id):
        return schemas.UnitOut(many=True).dump(registry.list_units(self.work(), project_id))

    @rpc
    def get_building(self, building_id):
        """A building of a project of the caller's (tickets checks an inspection area's building)."""
        q = schemas.BuildingRef().load({"building_id": building_id})
        return schemas.BuildingOut().dump(registry.get_building(self.work(), q["building_id"]))

    @rpc
    def get_unit(self, unit_id):
        return schemas.UnitOut().dump(registry.get_unit(self.work(), unit_id))

    @rpc
    def get_household_for_unit(self, unit_id):
        """The unit's current household (masked per the caller's role), or None if vacant."""
        work = self.work()
        unit = registry.get_unit(work, unit_id)
        household = registry.active_household(work, unit.id)
        if household is None:
            return None
        return schemas.HouseholdOut().dump(registry.household_view(work.caller, household))

    @rpc
    def export_snapshots(self, kind, after=None, limit=200, project_id=None):
        """The platform's rebuild of a read model: a page of ``{kind}.changed`` payloads
        (project, unit, household) in id order after ``after``."""
        q = schemas.ExportQuery().load({"kind": kind, "after": after, "limit": limit,
                                        "project_id": project_id})
        event_type = {"project": PROJECT_CHANGED, "unit": UNIT_CHANGED,
                      "household": HOUSEHOLD_CHANGED}[q["kind"]]
        return [CONTRACT.dump(event_type, s) for s in registry.export_snapshots(
            self.work(), q["kind"], q["after"], q["limit"], q["project_id"])]

    # -- household files ------------------------------------------------------
    @rpc
    def read_household_file(self, household_id, purpose):
        data = schemas.FileRead().load({"household_id": household_id, "purpose": purpose})
        return schemas.HouseholdFileOut().dump(
            files.read_file(self.work(), data["household_id"], data["purpose"]))

    @rpc
    def project_correspondence(self, project_id, limit=50, offset=0):
        """The project's own correspondence: complaints about public matters (no unit) and their
        replies (the customer-service department's)."""
        q = schemas.ProjectCorrespondenceQuery().load({"project_id": project_id, "limit": limit, "offset": offset})
        return schemas.ProjectCorrespondenceOut(many=True).dump(
            files.project_correspondence(self.work(), q["project_id"], q["limit"], q["offset"]))

    @rpc
    def file_access_log(self, household_id):
        return schemas.AccessLogOut(many=True).dump(files.access_log(self.work(), household_id))

    # -- events ---------------------------------------------------------------
    @event_handler("tickets", "ticket.opened")
    def on_ticket_opened(self, event: Event):
        files.file_repair_request(self.work(Caller.system(event.group_id, "archive")),
                                  TICKET_OPENED_IN.load(event.data))

    @event_handler("tickets", "complaint.registered")
    def on_complaint_registered(self, event: Event):
        files.file_complaint(self.work(Caller.system(event.group_id, "archive")),
                             schemas.ComplaintRegisteredIn().load(event.data))

    @event_handler("tickets", "complaint.replied")
    def on_complaint_replied(self, event: Event):
        files.file_complaint_reply(self.work(Caller.system(event.group_id, "archive")),
                                   schemas.ComplaintRepliedIn().load(event.data))

    @event_handler("tickets", "feedback.received")
    def on_feedback_received(self, event: Event):
        files.file_feedback(self.work(Caller.system(event.group_id, "archive")),
                            schemas.FeedbackReceivedIn().load(event.data))

    @event_handler("tickets", "feedback.replied")
    def on_feedback_replied(self, event: Event):
        files.file_feedback_reply(self.work(Caller.system(event.group_id, "archive")),
                                  schemas.FeedbackRepliedIn().load(event.data))

    @event_handler("tickets", "renovation.closed")
    def on_renovation_closed(self, event: Event):
        files.file_renovation(self.work(Caller.system(event.group_id, "archive")),
                              schemas.RenovationClosedIn().load(event.data))

    @event_handler("billing", "account.balance_changed")
    def on_balance_changed(self, event: Event):
        data = schemas.BalanceChangedIn().load(event.data)
        files.record_balance(self.work(Caller.system(event.group_id, "archive")),
                             unit_id=data["unit_id"], household_id=data["household_id"],
                             balance_due=data["balance_due"], as_of=data["as_of"])
