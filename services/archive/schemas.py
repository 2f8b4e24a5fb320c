"""archive's RPC boundary: what comes in is loaded here, what goes out is dumped here."""
from __future__ import annotations

import base64

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from kernel import validators as v

from .domain.people import ACQUISITIONS, DEPOSIT_HANDLING, LEASE_PURPOSES, MOVE_OUT_REASONS

#: a document type's form; which types exist is the project's catalogue's (domain/catalogue.py,
#: documents.entry_for: 422 unknown_doc_type)
DOC_TYPE = validate.Regexp(r"^[a-z][a-z0-9_]{1,59}$", error="a document type: lower-case letters, digits, _")

ROLES = ["owner", "family", "tenant", "emergency_contact"]
LOCALES = ["zh-CN", "en"]


class ProjectIn(Schema):
    id = fields.String(validate=validate.Length(min=1, max=36))
    group_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(["residential", "apartment", "office"]))
    timezone = fields.String(load_default="Asia/Shanghai", validate=v.TIME_ZONE)
    address = fields.String(load_default="", validate=validate.Length(max=400))


class BuildingIn(Schema):
    id = fields.String(validate=validate.Length(min=1, max=36))
    project_id = fields.String(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    floors = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=200))


class UnitIn(Schema):
    id = fields.String(validate=validate.Length(min=1, max=36))
    building_id = fields.String(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    floor = fields.Integer(allow_none=True, validate=validate.Range(min=-10, max=200))
    building_area = fields.Decimal(required=True, places=2, validate=validate.Range(min=1, max=100000))
    usage = fields.String(load_default="residential",
                          validate=validate.OneOf(v.UNIT_USAGES))


class PersonIn(Schema):
    id = fields.String(validate=validate.Length(min=1, max=36))
    name = fields.String(required=True, validate=[validate.Length(min=1), v.NAME])
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    phone = fields.String(allow_none=True, load_default=None, validate=v.PHONE)
    email = fields.Email(allow_none=True, load_default=None)
    id_number = fields.String(allow_none=True, load_default=None, validate=v.ID_NUMBER)
    #: the document the number is of (kernel.validators.ID_TYPES); guessed from the number if not given
    id_type = fields.String(allow_none=True, load_default=None, validate=v.ID_TYPE)
    #: 与业主关系 (spouse, child, parent...), free text
    relation = fields.String(allow_none=True, load_default=None, validate=[validate.Length(max=40), v.NAME])
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    employer = fields.String(allow_none=True, load_default=None, validate=v.TITLE)
    #: what the person agreed to at move-in (census.record_consent, topic marketing): not given -- not asked
    marketing_consent = fields.Boolean(allow_none=True, load_default=None)

    @validates_schema
    def _document(self, data, **_):
        v.check_id_document(data)


class LeaseTermsIn(Schema):
    """A lease's terms (租户情况记录表): the period, how many live there, for what, the landlord."""

    start_on = v.Date(load_default=None, allow_none=True)
    end_on = v.Date(load_default=None, allow_none=True)
    tenant_count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=50))
    purpose = fields.String(load_default="residential", validate=validate.OneOf(LEASE_PURPOSES))
    landlord_person_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])

    @validates_schema
    def _period(self, data, **_):
        if data.get("start_on") and data.get("end_on"):
            v.check_period(data, "start_on", "end_on", max_days=366 * 70)


class MoveIn(Schema):
    """入伙: a household takes a unit, with the documents handed over."""

    id = fields.String(validate=validate.Length(min=1, max=36))
    unit_id = fields.String(required=True)
    moved_in_on = v.Date(required=True)
    by_proxy = fields.Boolean(load_default=False)
    people = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(min=1, max=30))
    documents_received = fields.List(fields.String(validate=DOC_TYPE), validate=validate.Length(max=50),
                                     load_default=list)
    #: how the owners came by the unit (ownership history); purchase when not said
    acquired_by = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ACQUISITIONS))
    #: the tenants' lease terms (租户情况记录表), when tenants move in
    lease = fields.Nested(LeaseTermsIn, load_default=None, allow_none=True)

    @validates("people")
    def _one_owner(self, people, **_):
        if not any(p.get("role") in ("owner", "tenant") for p in people):
            raise ValidationError("A household needs an owner or a tenant.")


class FileRead(Schema):
    household_id = fields.String(required=True)
    purpose = v.AskedPurpose(load_default=None, allow_none=True, validate=v.PURPOSE)


# -- out ----------------------------------------------------------------------

class ProjectOut(Schema):
    id = fields.String()
    group_id = fields.String()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    timezone = fields.String()
    address = fields.String()


class BuildingOut(Schema):
    id = fields.String()
    project_id = fields.String()
    name = fields.String()
    floors = fields.Integer(allow_none=True)


class UnitOut(Schema):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    building_id = fields.String()
    building_name = fields.Function(lambda u: u.building.name)
    number = fields.String()
    label = fields.String()
    floor = fields.Integer(allow_none=True)
    building_area = fields.Decimal(as_string=True, places=2)
    usage = fields.String()


class PersonOut(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True)
    locale = fields.String()


class HouseholdOut(Schema):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    status = fields.String()
    moved_in_on = fields.Date(allow_none=True)
    moved_out_on = fields.Date(allow_none=True)
    people = fields.List(fields.Nested(PersonOut))
    balance_due = fields.Decimal(as_string=True, places=2, allow_none=True)
    balance_as_of = fields.AwareDateTime(allow_none=True)
    masked = fields.Boolean()


class DocumentOut(Schema):
    doc_type = fields.String()
    section = fields.String()
    status = fields.String()
    received_at = fields.AwareDateTime(allow_none=True)
    note = fields.String()
    # documents (issue 11): the catalogue entry's title, present/confirmed, the current version
    title = fields.String()
    present = fields.Boolean()
    confirmed = fields.Boolean()
    current = fields.Nested(lambda: DocumentVersionOut(), allow_none=True)


class CorrespondenceOut(Schema):
    id = fields.String()
    kind = fields.String()
    ref_type = fields.String()
    ref_id = fields.String()
    ref_number = fields.String()
    summary = fields.String()
    occurred_at = fields.AwareDateTime()
    filed_at = fields.AwareDateTime()


class HouseholdFileOut(Schema):
    household = fields.Nested(HouseholdOut)
    unit = fields.Nested(UnitOut)
    catalogue = fields.List(fields.Nested(DocumentOut))
    missing = fields.List(fields.String())
    correspondence = fields.List(fields.Nested(CorrespondenceOut))
    #: the household's move-out (迁出 / 过户) record with billing's word when it left -- staff's file only
    move_out = fields.Nested(lambda: MoveOutOut(), allow_none=True)


class AccessLogOut(Schema):
    reader_id = fields.String()
    reader_name = fields.String()
    reader_roles = fields.String()
    purpose = fields.String()
    read_at = fields.AwareDateTime()
    # -- access (revision 0033) --
    id = fields.String()
    project_id = fields.String()
    household_id = fields.String(allow_none=True)
    unit_id = fields.String(allow_none=True)
    what = fields.String()
    outcome = fields.String()
    grant_id = fields.String(allow_none=True)
    refusal = fields.String(allow_none=True)
    # -- in words (TRIAL11 finding 10: the 查阅记录表 for people) --
    unit_label = fields.String(allow_none=True)
    roles_label = fields.String()
    what_label = fields.String()
    refusal_label = fields.String(allow_none=True)


# -- events archive consumes (only the fields it reads) ------------------------

class TicketOpenedIn(Schema):
    class Meta:
        unknown = "exclude"

    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    category = fields.String(required=True)
    content = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)


class ComplaintRegisteredIn(Schema):
    """tickets' ``complaint.registered`` (what archive files)."""
    class Meta:
        unknown = "exclude"

    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    form = fields.String(required=True)
    complaint_class = fields.String(allow_none=True, load_default=None)
    department = fields.String(required=True)
    content = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)


class ReplyByIn(Schema):
    class Meta:
        unknown = "exclude"

    user_id = fields.String(required=True)
    name = fields.String(load_default="")


class ComplaintRepliedIn(Schema):
    """tickets' ``complaint.replied`` (what archive files)."""
    class Meta:
        unknown = "exclude"

    reply_id = fields.String(required=True)
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    reply_kind = fields.String(required=True)
    body = fields.String(required=True)
    by = fields.Nested(ReplyByIn, required=True)
    at = fields.AwareDateTime(required=True)


class FeedbackReceivedIn(Schema):
    """tickets' ``feedback.received`` (what archive files)."""
    class Meta:
        unknown = "exclude"

    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    sub_kind = fields.String(required=True, validate=validate.OneOf(["praise", "suggestion"]))
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    content = fields.String(required=True)
    named_staff = fields.List(fields.String(), load_default=list)
    department = fields.String(allow_none=True, load_default=None)
    received_at = fields.AwareDateTime(required=True)


class FeedbackRepliedIn(Schema):
    """tickets' ``feedback.replied`` (what archive files)."""
    class Meta:
        unknown = "exclude"

    reply_id = fields.String(required=True)
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    sub_kind = fields.String(required=True, validate=validate.OneOf(["praise", "suggestion"]))
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    decision = fields.String(allow_none=True, load_default=None)
    reason = fields.String(allow_none=True, load_default=None)
    body = fields.String(required=True)
    by = fields.Nested(ReplyByIn, required=True)
    at = fields.AwareDateTime(required=True)


class RenovationDocumentIn(Schema):
    class Meta:
        unknown = "exclude"

    doc_type = fields.String(required=True)
    document_id = fields.String(required=True)


class RenovationClosedIn(Schema):
    """tickets' ``renovation.closed`` (events.RenovationClosed): what archive files in the household
    file (装修档案归档)."""
    class Meta:
        unknown = "exclude"

    renovation_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    household_id = fields.String(allow_none=True, load_default=None)
    permit_number = fields.String(allow_none=True, load_default=None)
    accepted_at = fields.AwareDateTime(allow_none=True, load_default=None)
    documents = fields.List(fields.Nested(RenovationDocumentIn), required=True)
    closed_at = fields.AwareDateTime(required=True)


class ProjectCorrespondenceQuery(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class CensusSweepIn(Schema):
    """``run_census_sweep``: which project (the platform only)."""
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class CensusSweepOut(Schema):
    """What a census sweep run now did: the project's day swept, tasks opened, tasks open now."""
    project_id = fields.String()
    day = fields.Date()
    opened = fields.Integer()
    open = fields.Integer()


class ProjectCorrespondenceOut(CorrespondenceOut):
    project_id = fields.String()
    unit_id = fields.String(allow_none=True)


class BalanceChangedIn(Schema):
    class Meta:
        unknown = "exclude"

    unit_id = fields.String(required=True)
    household_id = fields.String(allow_none=True, load_default=None)
    balance_due = fields.Decimal(required=True, places=2)
    as_of = fields.AwareDateTime(required=True)


class ExportQuery(Schema):
    """A page of an owner's current snapshots (read-model rebuilds)."""
    kind = fields.String(required=True, validate=validate.OneOf(["project", "unit", "household"]))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))



# == people, leases, checklist, move-out, transfer (issue 11: wt/people) ===========================


class NewPersonIn(PersonIn):
    """A person joining a household (a tenant names the lease they join)."""

    lease_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    reason = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class TenantIn(PersonIn):
    """A tenant of a lease being registered: the role is tenant."""

    role = fields.String(load_default="tenant", validate=validate.OneOf(["tenant"]))


class LeaseIn(LeaseTermsIn):
    """租户情况记录表: register a lease with its tenants."""

    id = fields.String(validate=validate.Length(min=1, max=36))
    start_on = v.Date(required=True)
    end_on = v.Date(required=True)
    tenants = fields.List(fields.Nested(TenantIn), required=True, validate=validate.Length(min=1, max=20))


class LeaseEndIn(Schema):
    ended_on = v.Date(required=True)
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class PersonChangeIn(Schema):
    """The fields of a person that change (only those given); ``reason`` goes into the history."""

    name = fields.String(validate=[validate.Length(min=1), v.NAME])
    role = fields.String(validate=validate.OneOf(ROLES))
    relation = fields.String(allow_none=True, validate=[validate.Length(max=40), v.NAME])
    phone = fields.String(allow_none=True, validate=v.PHONE)
    email = fields.Email(allow_none=True)
    id_type = fields.String(allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(allow_none=True, validate=v.ID_NUMBER)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    employer = fields.String(allow_none=True, validate=v.TITLE)
    lease_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    reason = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])

    @validates_schema
    def _document(self, data, **_):
        if data.get("id_number") is not None:
            v.check_id_document(data)


class PersonRemoveIn(Schema):
    reason = fields.String(required=True, validate=v.PURPOSE)


class ChecklistTickIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["present", "missing"]))
    note = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=400), v.NOTE])


class ChecklistItemName(Schema):
    doc_type = fields.String(required=True, validate=DOC_TYPE)


class HandoverIn(Schema):
    """The desk's move-out checklist (迁出): each item confirmed, the deposit's handling stated."""

    keys_returned = v.StrictBoolean(load_default=False)
    fees_settled = v.StrictBoolean(load_default=False)
    #: who in finance confirmed the fees are settled (财务确认人)
    fees_confirmed_by = fields.String(load_default="", validate=v.Text(100, blank=True))
    meter_readings_recorded = v.StrictBoolean(load_default=False)
    deposit_handling = fields.String(required=True, validate=validate.OneOf(DEPOSIT_HANDLING))
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class MoveOutIn(HandoverIn):
    moved_out_on = v.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(MOVE_OUT_REASONS))


class TransferHouseholdIn(Schema):
    """The new owners' household of a transfer (their move-in)."""

    id = fields.String(validate=validate.Length(min=1, max=36))
    by_proxy = fields.Boolean(load_default=False)
    people = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(min=1, max=30))
    documents_received = fields.List(fields.String(validate=DOC_TYPE), validate=validate.Length(max=50),
                                     load_default=list)

    @validates("people")
    def _an_owner(self, people, **_):
        if not any(p.get("role") == "owner" for p in people):
            raise ValidationError("The new household names its owners (at least one owner).")


class TransferIn(Schema):
    """过户: the unit passes to new owners on a date, with its documents."""

    transferred_on = v.Date(required=True)
    acquired_by = fields.String(load_default="transfer", validate=validate.OneOf(ACQUISITIONS))
    household = fields.Nested(TransferHouseholdIn, required=True)
    documents_received = fields.List(fields.String(validate=DOC_TYPE), validate=validate.Length(max=50),
                                     load_default=list)
    #: the current household's move-out checklist (required when the unit has one)
    handover = fields.Nested(HandoverIn, load_default=None, allow_none=True)


class PersonViewOut(Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    relation = fields.String(allow_none=True)
    locale = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    id_type = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    lease_id = fields.String(allow_none=True)


class LeaseOut(Schema):
    id = fields.String()
    household_id = fields.String()
    unit_id = fields.String()
    landlord_person_id = fields.String(allow_none=True)
    landlord_name = fields.String()
    start_on = fields.Date()
    end_on = fields.Date(allow_none=True)
    tenant_count = fields.Integer()
    purpose = fields.String()
    status = fields.String()
    ended_on = fields.Date(allow_none=True)
    tenant_names = fields.String()
    note = fields.String()


class PeopleOut(Schema):
    household_id = fields.String()
    unit_id = fields.String()
    status = fields.String()
    people = fields.List(fields.Nested(PersonViewOut))
    leases = fields.List(fields.Nested(LeaseOut))


class PersonChangeOut(Schema):
    person_id = fields.String()
    person_name = fields.String()
    action = fields.String()
    field = fields.String(allow_none=True)
    old_value = fields.String(allow_none=True)
    new_value = fields.String(allow_none=True)
    reason = fields.String()
    changed_by = fields.String()
    changed_by_name = fields.String()
    changed_at = fields.AwareDateTime()
    erased_at = fields.AwareDateTime(allow_none=True)


class ChecklistItemOut(Schema):
    id = fields.String()
    doc_type = fields.String()
    label = fields.String()
    label_en = fields.String(metadata={"description": "the English label"})
    section = fields.String()
    status = fields.String()
    received_at = fields.AwareDateTime(allow_none=True)
    received_by = fields.String(allow_none=True)
    received_by_name = fields.String(allow_none=True)
    note = fields.String()


class FeesCheckedOut(Schema):
    """billing's word when the household left (its ``has_arrears`` for the unit, kept with the move-out)."""
    unpaid = fields.Decimal(as_string=True, places=2)
    balance_due = fields.Decimal(as_string=True, places=2)
    as_of = fields.Date(allow_none=True)


class MoveOutOut(Schema):
    id = fields.String()
    household_id = fields.String()
    unit_id = fields.String()
    moved_out_on = fields.Date()
    reason = fields.String()
    note = fields.String()
    keys_returned = fields.Boolean()
    fees_settled = fields.Boolean()
    fees_confirmed_by = fields.String()
    meter_readings_recorded = fields.Boolean()
    deposit_handling = fields.String()
    ownership_id = fields.String(allow_none=True)
    recorded_by = fields.String()
    recorded_by_name = fields.String()
    recorded_at = fields.AwareDateTime()
    fees_checked = fields.Nested(FeesCheckedOut, allow_none=True)


class OwnerOut(Schema):
    person_id = fields.String(allow_none=True)
    name = fields.String()


class OwnershipDocumentOut(Schema):
    id = fields.String()
    doc_type = fields.String()
    status = fields.String()


class OwnershipOut(Schema):
    id = fields.String()
    unit_id = fields.String()
    household_id = fields.String(allow_none=True)
    owners = fields.List(fields.Nested(OwnerOut))
    from_on = fields.Date()
    to_on = fields.Date(allow_none=True)
    acquired_by = fields.String()
    documents = fields.List(fields.Nested(OwnershipDocumentOut))
    previous_id = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime()


class TransferOut(Schema):
    """过户's answer: the new ownership record, the new owners' household and the old owners'
    household that moved out (``old_household_id`` null: the unit was vacant), so the gateway ends
    the old owners' resident access in the request itself."""
    ownership = fields.Nested(OwnershipOut)
    household = fields.Nested(HouseholdOut)
    old_household_id = fields.String(allow_none=True)
    old_household = fields.Nested(HouseholdOut, allow_none=True)
    created = fields.Boolean()


# == documents (issue 11, area "documents"): upload, versions, download, catalogues ===============

SECTIONS = ["move_in", "lease", "transfer", "renovation", "other"]
CONDITIONS = ["always", "by_proxy", "has_tenant", "section"]


class DocumentUploadIn(Schema):
    """A new version of a document: the content in base64 (the gateway's multipart upload)."""
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    doc_type = fields.String(required=True, validate=DOC_TYPE)
    title = fields.String(load_default=None, allow_none=True, validate=v.TITLE)
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])
    file_name = fields.String(load_default="", validate=validate.Length(max=1000))
    content_type = fields.String(load_default="", validate=validate.Length(max=200))
    #: empty: the domain answers "the file is empty" (422 empty_document), not a field name
    content_base64 = fields.String(required=True)


class DocumentQuery(Schema):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    doc_type = fields.String(load_default=None, allow_none=True, validate=DOC_TYPE)
    purpose = fields.String(load_default=None, allow_none=True, validate=v.PURPOSE)


class DocumentRead(Schema):
    household_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    document_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    purpose = fields.String(load_default=None, allow_none=True, validate=v.PURPOSE)


class UnitDocumentRead(Schema):
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    document_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    purpose = fields.String(load_default=None, allow_none=True, validate=v.PURPOSE)


class UploaderOut(Schema):
    user_id = fields.String()
    name = fields.String()


class DocumentVersionOut(Schema):
    id = fields.String()
    household_id = fields.String()
    project_id = fields.String()
    doc_type = fields.String()
    section = fields.String()
    title = fields.String()
    version = fields.Integer()
    current = fields.Boolean()
    file_name = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    sha256 = fields.String()
    uploaded_by = fields.Nested(UploaderOut)
    uploaded_at = fields.AwareDateTime()
    note = fields.String()
    erased = fields.Boolean()
    erased_at = fields.AwareDateTime(allow_none=True)


class DocumentContentOut(DocumentVersionOut):
    content_base64 = fields.Function(lambda d: base64.b64encode(d["content"]).decode("ascii"))
    download_name = fields.String()
    utf8_download_name = fields.String()


class CatalogueItemOut(Schema):
    doc_type = fields.String()
    section = fields.String()
    title = fields.String()
    title_en = fields.String(metadata={"description": "the English title (the default catalogue's types)"})
    status = fields.String()
    present = fields.Boolean()
    confirmed = fields.Boolean()
    received_at = fields.AwareDateTime(allow_none=True)
    note = fields.String()
    current = fields.Nested(DocumentVersionOut, allow_none=True)


class FileCatalogueOut(Schema):
    household_id = fields.String()
    project_id = fields.String()
    source = fields.String()
    items = fields.List(fields.Nested(CatalogueItemOut))
    missing = fields.List(fields.String())


class CatalogueEntryIn(Schema):
    section = fields.String(required=True, validate=validate.OneOf(SECTIONS[:-1]))
    doc_type = fields.String(required=True, validate=DOC_TYPE)
    title = fields.String(required=True, validate=v.TITLE)
    condition = fields.String(load_default="always", validate=validate.OneOf(CONDITIONS))

    @validates("doc_type")
    def _not_other(self, value, **_):
        if value == "other":
            raise ValidationError("'other' is for documents outside the catalogue")


class CatalogueIn(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    entries = fields.List(fields.Nested(CatalogueEntryIn), required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class CatalogueEntryOut(Schema):
    section = fields.String()
    doc_type = fields.String()
    title = fields.String()
    title_en = fields.String(metadata={"description": "the English title (the default catalogue's types)"})
    condition = fields.String()


class ProjectCatalogueOut(Schema):
    project_id = fields.String()
    source = fields.String()
    entries = fields.List(fields.Nested(CatalogueEntryOut))
# == access (查阅授权与查阅记录): grants, the access log, the contacts export ============================

from marshmallow import validates_schema  # noqa: E402

from .domain.access import OUTCOMES, SCOPES, STATES  # noqa: E402

_ID = validate.Length(min=1, max=36)


class GrantIn(Schema):
    """查阅授权: the CS head lets a staff member read one file (household), a unit's current household's
    file (unit), or export the project's personal data (project, export only), for a purpose, for a time."""

    project_id = fields.String(required=True, validate=_ID)
    grantee_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    grantee_name = fields.String(load_default="", validate=validate.Length(max=100))
    #: whether the grantee is an active staff member of the project -- the gateway's accounts know, archive
    #: does not; false is refused (422 ``unknown_grantee``) after the caller's role is checked, so a caller
    #: who may not grant learns nothing of who is staff
    grantee_known = fields.Boolean(load_default=True)
    scope = fields.String(required=True, validate=validate.OneOf(list(SCOPES)))
    household_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    purpose = fields.String(required=True, validate=v.PURPOSE)
    valid_from = v.AwareDateTime(load_default=None, allow_none=True)
    valid_until = v.AwareDateTime(required=True)
    #: left out: true for a household or unit grant, false for a project grant (export only)
    read = fields.Boolean(load_default=None, allow_none=True)
    export = fields.Boolean(load_default=False)
    unmasked = fields.Boolean(load_default=False)

    @validates_schema
    def _scope_names_its_object(self, data, **_):
        scope = data.get("scope")
        if scope == "household" and not data.get("household_id"):
            raise ValidationError("a household grant names the household", "household_id")
        if scope == "unit" and not data.get("unit_id"):
            raise ValidationError("a unit grant names the unit", "unit_id")
        if scope == "household" and data.get("unit_id"):
            raise ValidationError("a household grant names the household only", "unit_id")
        if scope == "unit" and data.get("household_id"):
            raise ValidationError("a unit grant names the unit only", "household_id")
        if scope == "project" and (data.get("household_id") or data.get("unit_id")):
            raise ValidationError("a project grant names neither a household nor a unit", "scope")


class GrantRevokeIn(Schema):
    grant_id = fields.String(required=True, validate=_ID)
    reason = fields.String(required=True, validate=v.PURPOSE)


class GrantQuery(Schema):
    project_id = fields.String(required=True, validate=_ID)
    grantee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    household_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(STATES)))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class GrantOut(Schema):
    id = fields.String()
    project_id = fields.String()
    grantee_id = fields.String()
    grantee_name = fields.String()
    scope = fields.String()
    household_id = fields.String(allow_none=True)
    unit_id = fields.String(allow_none=True)
    purpose = fields.String()
    valid_from = fields.AwareDateTime()
    valid_until = fields.AwareDateTime()
    read = fields.Boolean()
    export = fields.Boolean()
    unmasked = fields.Boolean()
    state = fields.String()
    granted_by_id = fields.String()
    granted_by_name = fields.String()
    granted_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoked_by_id = fields.String(allow_none=True)
    revoked_by_name = fields.String(allow_none=True)
    revoke_reason = fields.String(allow_none=True)


class GrantPageOut(Schema):
    items = fields.List(fields.Nested(GrantOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class AccessLogQuery(Schema):
    """The project's access log: by reader, file, unit, outcome, what, days (the project's calendar)."""

    project_id = fields.String(required=True, validate=_ID)
    reader_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    household_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(OUTCOMES)))
    what = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    date_from = v.Date(load_default=None, allow_none=True)
    date_to = v.Date(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))

    @validates_schema
    def _days_in_order(self, data, **_):
        v.check_period(data, "date_from", "date_to", max_days=3660)


class AccessLogPageOut(Schema):
    items = fields.List(fields.Nested(AccessLogOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ContactsExportIn(Schema):
    project_id = fields.String(required=True, validate=_ID)
    purpose = v.AskedPurpose(load_default=None, allow_none=True, validate=v.PURPOSE)


class ContactRowOut(Schema):
    unit_label = fields.String()
    household_id = fields.String()
    name = fields.String()
    role = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class ContactsExportOut(Schema):
    project_id = fields.String()
    grant_id = fields.String(allow_none=True)
    people = fields.List(fields.Nested(ContactRowOut))


# -- census (issue 11, area "census"): stewards' areas, census tasks, retention, queries for others --------

import json as _json  # noqa: E402

ID36 = validate.Length(min=1, max=36)
CENSUS_STATES = ["open", "due", "overdue", "done", "cancelled", "all"]


class StewardAssignIn(Schema):
    """管家片区: a building's steward (no unit_id) or one unit's, overriding its building's."""
    building_id = fields.String(required=True, validate=ID36)
    unit_id = fields.String(load_default=None, allow_none=True, validate=ID36)
    steward_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    steward_name = fields.String(required=True, validate=[validate.Length(min=1, max=100), v.ONE_LINE])
    #: a staff number, published to residents (not masked)
    work_phone = fields.String(load_default=None, allow_none=True, validate=v.PHONE)


class StewardRemoveIn(Schema):
    building_id = fields.String(required=True, validate=ID36)
    unit_id = fields.String(load_default=None, allow_none=True, validate=ID36)


class StewardAreaOut(Schema):
    assignment_id = fields.String()
    project_id = fields.String()
    building_id = fields.String()
    unit_id = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    work_phone = fields.String(allow_none=True)
    assigned_at = fields.AwareDateTime()
    assigned_by = fields.String()
    version = fields.Integer()


class StewardForUnitOut(Schema):
    unit_id = fields.String()
    building_id = fields.String()
    steward_id = fields.String()
    steward_name = fields.String()
    work_phone = fields.String(allow_none=True)
    source = fields.String()            # unit | building
    assigned_at = fields.AwareDateTime()


class CensusQuery(Schema):
    state = fields.String(load_default="open", validate=validate.OneOf(CENSUS_STATES))
    steward_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class CensusConfirmIn(Schema):
    note = fields.String(load_default="", validate=v.NOTE)


class CensusPersonIn(Schema):
    """A correction of one person: only the fields given change."""
    person_id = fields.String(required=True, validate=ID36)
    name = fields.String(validate=[validate.Length(min=1), v.NAME])
    phone = fields.String(allow_none=True, validate=v.PHONE)
    email = fields.Email(allow_none=True)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    marketing_consent = fields.Boolean(allow_none=False)


class CensusCorrectIn(Schema):
    people = fields.List(fields.Nested(CensusPersonIn), required=True, validate=validate.Length(min=1, max=30))
    note = fields.String(load_default="", validate=v.NOTE)

    @validates("people")
    def _each_once(self, people, **_):
        ids = [p.get("person_id") for p in people]
        if len(ids) != len(set(ids)):
            raise ValidationError("Each person once.")


class CensusCancelIn(Schema):
    reason = fields.String(required=True, validate=v.PURPOSE)


class CensusTaskRead(Schema):
    task_id = fields.String(required=True, validate=ID36)
    purpose = v.AskedPurpose(load_default=None, allow_none=True, validate=v.PURPOSE)


class WhoOut(Schema):
    user_id = fields.String()
    name = fields.String()


class CensusChangeOut(Schema):
    person_id = fields.String()
    changed = fields.List(fields.String())     # field names, never values


class ConsentsOut(Schema):
    marketing = fields.Boolean(allow_none=True)


class ContactOut(Schema):
    person_id = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    consents = fields.Nested(ConsentsOut)


class HouseholdContactsOut(Schema):
    household_id = fields.String(allow_none=True)
    unit_id = fields.String()
    status = fields.String(allow_none=True)
    masked = fields.Boolean()
    people = fields.List(fields.Nested(ContactOut))


class CensusTaskOut(Schema):
    id = fields.String()
    project_id = fields.String()
    household_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    due_on = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()
    steward = fields.Nested(WhoOut, allow_none=True)
    created_at = fields.AwareDateTime()
    done_on = fields.Date(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.Nested(WhoOut, allow_none=True)
    note = fields.String()
    changes = fields.List(fields.Nested(CensusChangeOut))
    next_due_on = fields.Date(allow_none=True)
    version = fields.Integer()
    household = fields.Nested(HouseholdContactsOut)      # only when one task is read with its household


class CensusPageOut(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(CensusTaskOut))


class CensusStewardOut(Schema):
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String()
    open = fields.Integer()
    overdue = fields.Integer()
    oldest_due_on = fields.Date(allow_none=True)


class PurgeQuery(Schema):
    project_id = fields.String(required=True, validate=ID36)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class RetentionPurgeOut(Schema):
    """保管期限到期清除记录 -- no personal data."""
    id = fields.String()
    project_id = fields.String()
    rule = fields.String()
    keep_years = fields.Integer()
    kind = fields.String()
    cutoff = fields.AwareDateTime()
    count = fields.Integer()
    refs = fields.Function(lambda r: _json.loads(r.refs or "[]"))
    oldest = fields.Date()
    newest = fields.Date()
    purged_at = fields.AwareDateTime()
    job_key = fields.String()
    changes_erased = fields.Integer()
    documents_erased = fields.Integer()


class BuildingRef(Schema):
    building_id = fields.String(required=True, validate=ID36)


class UnitRef(Schema):
    unit_id = fields.String(required=True, validate=ID36)


class IdentityMatchIn(Schema):
    """身份核验: a name and an ID number to match against a unit's current household (``match_identity``);
    the number's check digit is the domain's (422 ``id_number_invalid``), its shape here (400)."""
    unit_id = fields.String(required=True, validate=ID36)
    name = fields.String(required=True, validate=v.NAME)
    id_number = fields.String(load_default=None, allow_none=True, validate=v.ID_NUMBER_TEXT)
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    purpose = fields.String(load_default=None, allow_none=True, validate=v.PURPOSE)
    #: only people in these roles may match (the keys: ["owner"]); none: owner, family, tenant
    roles = fields.List(fields.String(validate=validate.OneOf(("owner", "family", "tenant"))), load_default=None,
                        allow_none=True, validate=validate.Length(min=1, max=3))


class IdentityMatchOut(Schema):
    """Matched or not -- and, when matched, the role the person named holds in the household; nothing else
    -- but for a resident asking about himself: his own person (``person_id``, the file's ``name``)."""
    matched = fields.Boolean(required=True)
    role = fields.String()
    person_id = fields.String()
    name = fields.String()


class IdentityUnlockIn(Schema):
    """解除核验锁定: the CS manager or the centre manager lifts a unit's identity-match lock, saying why."""
    unit_id = fields.String(required=True, validate=ID36)
    reason = fields.String(required=True, validate=v.Text(400))


class _UnlockedBy(Schema):
    user_id = fields.String()
    name = fields.String()


class IdentityUnlockOut(Schema):
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    unlocked_at = fields.AwareDateTime(required=True)
    failures_lifted = fields.Integer(required=True)
    unlocked_by = fields.Nested(_UnlockedBy, required=True)


class ContactsQuery(Schema):
    unit_id = fields.String(load_default=None, allow_none=True, validate=ID36)
    household_id = fields.String(load_default=None, allow_none=True, validate=ID36)
    purpose = fields.String(load_default=None, allow_none=True, validate=v.PURPOSE)

    @validates_schema
    def _one_of(self, data, **_):
        if (data.get("unit_id") is None) == (data.get("household_id") is None):
            raise ValidationError("Name a unit_id or a household_id (one of them).", "unit_id")


class SummaryUnitOut(Schema):
    id = fields.String()
    project_id = fields.String()
    building_id = fields.String()
    label = fields.String()
    building_area = fields.Decimal(as_string=True, places=2)
    usage = fields.String()


class SummaryHouseholdOut(Schema):
    id = fields.String()
    status = fields.String()
    moved_in_on = fields.Date(allow_none=True)
    people_by_role = fields.Dict(keys=fields.String(), values=fields.Integer())
    owners = fields.List(fields.String())
    names_masked = fields.Boolean()
    balance_due = fields.Decimal(as_string=True, places=2, allow_none=True)
    balance_as_of = fields.AwareDateTime(allow_none=True)


class SummaryOpenTaskOut(Schema):
    id = fields.String()
    due_on = fields.Date()
    overdue = fields.Boolean()


class SummaryCensusOut(Schema):
    open_task = fields.Nested(SummaryOpenTaskOut, allow_none=True)
    last_done_on = fields.Date(allow_none=True)
    next_due_on = fields.Date(allow_none=True)


class HouseholdSummaryOut(Schema):
    unit = fields.Nested(SummaryUnitOut)
    household = fields.Nested(SummaryHouseholdOut, allow_none=True)
    steward = fields.Nested(StewardForUnitOut, allow_none=True)
    census = fields.Nested(SummaryCensusOut, allow_none=True)
