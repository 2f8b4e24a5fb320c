"""archive service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from kernel.db import ClockProvider, Database
from kernel.dependencies import UnitOfWork
from kernel.entrypoints import event_handler, rpc
from kernel.errors import InvalidInput
from kernel.jobs import JobRunner
from kernel.messaging import Event
from kernel.settings_rpc import SettingsRpcs
from kernel.storage import StorageProvider
from kernel.tenancy import Caller

from . import schemas
from .domain import access, census, documents, files, identity, people, registry, retention
from .domain import settings as archive_settings
from .events import CONTRACT, HOUSEHOLD_CHANGED, PROJECT_CHANGED, UNIT_CHANGED
from .models import Base, Project

#: the hot path's schema, built once (a marshmallow instance keeps no state between calls)
TICKET_OPENED_IN = schemas.TicketOpenedIn()

#: kernel jobs (census area): the hourly seed of each project's daily jobs, the census sweep, the
#: retention purge, and the deletion of erased documents' content from the store (``work.storage``)
JOB_HANDLERS = {census.SEED_JOB: census.seed_daily_jobs, census.SWEEP_JOB: census.run_sweep,
                retention.PURGE_JOB: retention.run_purge, documents.ERASE_JOB: documents.delete_erased_content}


class ArchiveService(SettingsRpcs):
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

    # -- people, leases, checklist, move-out, transfer (issue 11: wt/people) ------------------
    @rpc
    def list_people(self, household_id):
        """The household's people and leases (phones per kernel.privacy, ID numbers masked)."""
        return schemas.PeopleOut().dump(people.list_people(self.work(), household_id))

    @rpc
    def add_person(self, household_id, data, idempotency_key=None):
        work, command = self.work(), schemas.NewPersonIn().load(data)
        def run():
            person, created = people.add_person(work, household_id, command)
            household = registry.get_household(work, household_id)
            return dict(schemas.PersonViewOut().dump(people.person_view(work.caller, household, person)),
                        created=created)
        return work.idempotent(idempotency_key, "add_person", {"household_id": household_id, **command}, run)

    @rpc
    def update_person(self, person_id, data, idempotency_key=None):
        work, command = self.work(), schemas.PersonChangeIn().load(data)
        def run():
            person, changes = people.update_person(work, person_id, command)
            return dict(schemas.PersonViewOut().dump(people.person_view(work.caller, person.household, person)),
                        changed=[c.field for c in changes])
        return work.idempotent(idempotency_key, "update_person", {"person_id": person_id, **command}, run)

    @rpc
    def remove_person(self, person_id, data, idempotency_key=None):
        work, command = self.work(), schemas.PersonRemoveIn().load(data)
        def run():
            household = people.remove_person(work, person_id, command)
            return schemas.PeopleOut().dump(people.list_people(work, household.id))
        return work.idempotent(idempotency_key, "remove_person", {"person_id": person_id, **command}, run)

    @rpc
    def person_history(self, household_id):
        """Every change of the household's people, newest first (customer service)."""
        return schemas.PersonChangeOut(many=True).dump(people.person_history(self.work(), household_id))

    @rpc
    def register_lease(self, household_id, data, idempotency_key=None):
        work, command = self.work(), schemas.LeaseIn().load(data)
        def run():
            lease, created = people.register_lease(work, household_id, command)
            return dict(schemas.LeaseOut().dump(lease), created=created)
        return work.idempotent(idempotency_key, "register_lease", {"household_id": household_id, **command}, run)

    @rpc
    def end_lease(self, lease_id, data, idempotency_key=None):
        work, command = self.work(), schemas.LeaseEndIn().load(data)
        def run():
            return schemas.LeaseOut().dump(people.end_lease(work, lease_id, command))
        return work.idempotent(idempotency_key, "end_lease", {"lease_id": lease_id, **command}, run)

    @rpc
    def household_checklist(self, household_id):
        """The household's checklist entries (move-in, transfer): present / missing, who, when."""
        return schemas.ChecklistItemOut(many=True).dump(people.checklist(self.work(), household_id))

    @rpc
    def tick_checklist_item(self, household_id, doc_type, data, idempotency_key=None):
        work = self.work()
        name = schemas.ChecklistItemName().load({"doc_type": doc_type})["doc_type"]
        command = schemas.ChecklistTickIn().load(data)
        def run():
            return schemas.ChecklistItemOut().dump(people.tick_item(work, household_id, name, command))
        return work.idempotent(idempotency_key, "tick_checklist_item",
                               {"household_id": household_id, "doc_type": name, **command}, run)

    @rpc
    def move_out(self, household_id, data, idempotency_key=None):
        work, command = self.work(), schemas.MoveOutIn().load(data)
        def run():
            household, record = people.move_out(work, household_id, command)
            return {"household": schemas.HouseholdOut().dump(registry.household_view(work.caller, household)),
                    "move_out": schemas.MoveOutOut().dump(record)}
        return work.idempotent(idempotency_key, "move_out", {"household_id": household_id, **command}, run)

    @rpc
    def transfer_ownership(self, unit_id, data, idempotency_key=None):
        work, command = self.work(), schemas.TransferIn().load(data)
        def run():
            ownership, household, created = people.transfer(work, unit_id, command)
            old = people.transferred_out(work, ownership)
            return schemas.TransferOut().dump({
                "ownership": people.ownership_view(work, ownership),
                "household": registry.household_view(work.caller, household),
                "old_household_id": old.id if old is not None else None,
                "old_household": registry.household_view(work.caller, old) if old is not None else None,
                "created": created})
        return work.idempotent(idempotency_key, "transfer_ownership", {"unit_id": unit_id, **command}, run)

    @rpc
    def ownership_history(self, unit_id):
        """The unit's owners of record, newest first (customer service)."""
        return schemas.OwnershipOut(many=True).dump(people.ownership_history(self.work(), unit_id))
    # -- documents (issue 11, area "documents") ------------------------------------------------
    @rpc
    def upload_document(self, household_id, data, idempotency_key=None):
        """A new version of a document of the household file; the content in base64."""
        work = self.work()
        command = schemas.DocumentUploadIn().load({**(data if isinstance(data, dict) else {}), "household_id": household_id})
        content = documents.decode_content(command.pop("content_base64"))
        # the key's fingerprint: the command with the content's checksum, not the content itself
        fingerprint = {**command, "sha256": documents.sha256_hex(content), "size": len(content)}

        def run():
            document = documents.upload(work, self.storage, command["household_id"], command, content)
            return schemas.DocumentVersionOut().dump(documents.document_view(document, True))
        return work.idempotent(idempotency_key, "upload_document", fingerprint, run)

    @rpc
    def list_documents(self, household_id, doc_type=None, purpose=None):
        q = schemas.DocumentQuery().load({"household_id": household_id, "doc_type": doc_type, "purpose": purpose})
        return schemas.DocumentVersionOut(many=True).dump(
            documents.list_documents(self.work(), q["household_id"], q["doc_type"], q["purpose"]))

    @rpc
    def download_document(self, household_id, document_id, purpose=None):
        """A version with its content (base64), checked against its checksum."""
        q = schemas.DocumentRead().load({"household_id": household_id, "document_id": document_id,
                                         "purpose": purpose})
        return schemas.DocumentContentOut().dump(
            documents.download(self.work(), self.storage, q["household_id"], q["document_id"], q["purpose"]))

    @rpc
    def unit_document(self, unit_id, document_id, purpose=None):
        """A document's record (no content) if it is in the file of the unit's current household
        (404 ``document_not_found`` otherwise); read and logged as every document read."""
        q = schemas.UnitDocumentRead().load({"unit_id": unit_id, "document_id": document_id, "purpose": purpose})
        return schemas.DocumentVersionOut().dump(
            documents.unit_document(self.work(), q["unit_id"], q["document_id"], q["purpose"]))

    @rpc
    def household_catalogue(self, household_id, purpose=None):
        q = schemas.DocumentQuery().load({"household_id": household_id, "purpose": purpose})
        return schemas.FileCatalogueOut().dump(documents.file_catalogue(self.work(), q["household_id"], q["purpose"]))

    @rpc
    def get_document_catalogue(self, project_id):
        return schemas.ProjectCatalogueOut().dump(documents.project_catalogue(self.work(), project_id))

    @rpc
    def replace_document_catalogue(self, project_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.CatalogueIn().load({**(data if isinstance(data, dict) else {}), "project_id": project_id})

        def run():
            return schemas.ProjectCatalogueOut().dump(documents.replace_catalogue(work, command["project_id"], command))
        return work.idempotent(idempotency_key, "replace_document_catalogue", command, run)
    # -- access (查阅授权与查阅记录): grants by the CS head, the access log, the contacts export ----------
    @rpc
    def create_file_grant(self, data, idempotency_key=None):
        work, command = self.work(), schemas.GrantIn().load(data)
        def run():
            grant = access.create_grant(work, command)
            return schemas.GrantOut().dump(access.grant_view(grant, work.clock.now()))
        return work.idempotent(idempotency_key, "create_file_grant", command, run)

    @rpc
    def revoke_file_grant(self, grant_id, reason, idempotency_key=None):
        work, command = self.work(), schemas.GrantRevokeIn().load({"grant_id": grant_id, "reason": reason})
        def run():
            grant = access.revoke_grant(work, command["grant_id"], command["reason"])
            return schemas.GrantOut().dump(access.grant_view(grant, work.clock.now()))
        return work.idempotent(idempotency_key, "revoke_file_grant", command, run)

    @rpc
    def list_file_grants(self, project_id, query=None):
        q = schemas.GrantQuery().load(dict(query or {}, project_id=project_id))
        return schemas.GrantPageOut().dump(access.list_grants(self.work(), q["project_id"], q))

    @rpc
    def project_access_log(self, project_id, query=None):
        """The project's 业户档案查阅记录表, filtered and paged (CS head, centre manager, auditor)."""
        q = schemas.AccessLogQuery().load(dict(query or {}, project_id=project_id))
        return schemas.AccessLogPageOut().dump(access.access_log(self.work(), q["project_id"], q))

    @rpc
    def export_contacts(self, project_id, purpose):
        """The project's households' contacts in bulk -- only under a grant that allows export."""
        q = schemas.ContactsExportIn().load({"project_id": project_id, "purpose": purpose})
        return schemas.ContactsExportOut().dump(access.export_contacts(self.work(), q["project_id"], q["purpose"]))
    # -- census (issue 11, area "census"): stewards' areas, census tasks, retention, queries ----------
    @rpc
    def assign_steward(self, project_id, data, idempotency_key=None):
        work, command = self.work(), schemas.StewardAssignIn().load(data)
        def run():
            row, changed = census.assign_steward(work, project_id, command)
            return dict(schemas.StewardAreaOut().dump(census.assignment_view(row)), changed=changed)
        return work.idempotent(idempotency_key, "assign_steward", dict(command, project_id=project_id), run)

    @rpc
    def remove_steward(self, project_id, data, idempotency_key=None):
        work, command = self.work(), schemas.StewardRemoveIn().load(data)
        return work.idempotent(idempotency_key, "remove_steward", dict(command, project_id=project_id),
                               lambda: schemas.StewardAreaOut().dump(
                                   census.remove_steward(work, project_id, command)))

    @rpc
    def list_stewards(self, project_id):
        return schemas.StewardAreaOut(many=True).dump(
            [census.assignment_view(r) for r in census.list_stewards(self.work(), project_id)])

    @rpc
    def steward_for_unit(self, unit_id):
        """The steward responsible for the unit (its own, else its building's), or None."""
        q = schemas.UnitRef().load({"unit_id": unit_id})
        found = census.steward_for_unit(self.work(), q["unit_id"])
        return None if found is None else schemas.StewardForUnitOut().dump(found)

    @rpc
    def household_summary(self, unit_id):
        q = schemas.UnitRef().load({"unit_id": unit_id})
        return schemas.HouseholdSummaryOut().dump(census.household_summary(self.work(), q["unit_id"]))

    @rpc
    def contacts_for_notify(self, unit_id=None, household_id=None, purpose=None):
        q = schemas.ContactsQuery().load({"unit_id": unit_id, "household_id": household_id, "purpose": purpose})
        return schemas.HouseholdContactsOut().dump(
            census.contacts_for_notify(self.work(), q["unit_id"], q["household_id"], q["purpose"]))

    @rpc
    def match_identity(self, unit_id, name, id_number=None, purpose=None, id_type=None):
        """身份核验 (domain/identity.py): ``{"matched"}`` (+ the role when matched) for a name and an ID
        number against the unit's current household -- never the stored number or the person; logged
        in the file's access log; failed matches per unit per day are limited."""
        q = schemas.IdentityMatchIn().load({"unit_id": unit_id, "name": name, "id_number": id_number,
                                            "id_type": id_type, "purpose": purpose})
        return schemas.IdentityMatchOut().dump(identity.match(self.work(), q["unit_id"], q["name"], q["id_number"],
                                                              q["purpose"], q["id_type"]))

    @rpc
    def list_census_tasks(self, project_id, query=None):
        q = schemas.CensusQuery().load(query or {})
        return schemas.CensusPageOut().dump(census.list_tasks(self.work(), project_id, q))

    @rpc
    def my_census_tasks(self, query=None):
        q = schemas.CensusQuery().load(query or {})
        return schemas.CensusPageOut().dump(census.my_tasks(self.work(), q))

    @rpc
    def census_by_steward(self, project_id):
        return schemas.CensusStewardOut(many=True).dump(census.overdue_by_steward(self.work(), project_id))

    @rpc
    def get_census_task(self, task_id, purpose):
        q = schemas.CensusTaskRead().load({"task_id": task_id, "purpose": purpose})
        return schemas.CensusTaskOut().dump(census.task_with_household(self.work(), q["task_id"], q["purpose"]))

    @rpc
    def census_step(self, task_id, action, data=None, idempotency_key=None):
        """confirm | correct | cancel a census task (the table in ``domain/census.py``)."""
        loaders = {census.CONFIRM: (schemas.CensusConfirmIn, census.confirm),
                   census.CORRECT: (schemas.CensusCorrectIn, census.correct),
                   census.CANCEL: (schemas.CensusCancelIn, census.cancel)}
        if action not in loaders:
            raise InvalidInput(f"unknown census action {action!r}; one of {', '.join(loaders)}",
                               code="unknown_action", zh="未知的普查操作（可用：确认、更正、取消）")
        schema, step = loaders[action]
        work, command = self.work(), schema().load(data or {})

        def run():
            task = step(work, task_id, command)
            project = work.session.get(Project, task.project_id)
            return schemas.CensusTaskOut().dump(
                census.task_views(work, [task], {project.id: census.local_today(work, project)})[0])
        return work.idempotent(idempotency_key, f"census_{action}", dict(command, task_id=task_id), run)

    @rpc
    def run_census_sweep(self, project_id):
        """Today's census sweep of the project now (the platform only; ``./wuye archive census``);
        idempotent: a household with an open task gets no second one."""
        q = schemas.CensusSweepIn().load({"project_id": project_id})
        return schemas.CensusSweepOut().dump(census.sweep_now(self.work(), q["project_id"]))

    @rpc
    def retention_purges(self, project_id, limit=50, offset=0):
        q = schemas.PurgeQuery().load({"project_id": project_id, "limit": limit, "offset": offset})
        return schemas.RetentionPurgeOut(many=True).dump(
            retention.list_purges(self.work(), q["project_id"], q["limit"], q["offset"]))
