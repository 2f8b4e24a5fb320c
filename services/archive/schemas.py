"""archive's RPC boundary: what comes in is loaded here, what goes out is dumped here."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from kernel import validators as v

from .domain.catalogue import MOVE_IN_DOCUMENTS

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
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    phone = fields.String(allow_none=True, load_default=None, validate=v.PHONE)
    email = fields.Email(allow_none=True, load_default=None)
    id_number = fields.String(allow_none=True, load_default=None, validate=v.ID_NUMBER)
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    employer = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))


class MoveIn(Schema):
    """入伙: a household takes a unit, with the documents handed over."""

    id = fields.String(validate=validate.Length(min=1, max=36))
    unit_id = fields.String(required=True)
    moved_in_on = v.Date(required=True)
    by_proxy = fields.Boolean(load_default=False)
    people = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(min=1, max=30))
    documents_received = fields.List(fields.String(validate=validate.OneOf(sorted(MOVE_IN_DOCUMENTS))),
                                     load_default=list)

    @validates("people")
    def _one_owner(self, people, **_):
        if not any(p.get("role") in ("owner", "tenant") for p in people):
            raise ValidationError("A household needs an owner or a tenant.")


class FileRead(Schema):
    household_id = fields.String(required=True)
    purpose = fields.String(required=True, validate=v.PURPOSE)


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


class AccessLogOut(Schema):
    reader_id = fields.String()
    reader_name = fields.String()
    reader_roles = fields.String()
    purpose = fields.String()
    read_at = fields.AwareDateTime()


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


class ProjectCorrespondenceQuery(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


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
    note = fields.String(load_default="", validate=validate.Length(max=1000))


class CensusPersonIn(Schema):
    """A correction of one person: only the fields given change."""
    person_id = fields.String(required=True, validate=ID36)
    name = fields.String(validate=[validate.Length(min=1, max=100), v.ONE_LINE])
    phone = fields.String(allow_none=True, validate=v.PHONE)
    email = fields.Email(allow_none=True)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    marketing_consent = fields.Boolean(allow_none=False)


class CensusCorrectIn(Schema):
    people = fields.List(fields.Nested(CensusPersonIn), required=True, validate=validate.Length(min=1, max=30))
    note = fields.String(load_default="", validate=validate.Length(max=1000))

    @validates("people")
    def _each_once(self, people, **_):
        ids = [p.get("person_id") for p in people]
        if len(ids) != len(set(ids)):
            raise ValidationError("Each person once.")


class CensusCancelIn(Schema):
    reason = fields.String(required=True, validate=v.PURPOSE)


class CensusTaskRead(Schema):
    task_id = fields.String(required=True, validate=ID36)
    purpose = fields.String(required=True, validate=v.PURPOSE)


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


class UnitRef(Schema):
    unit_id = fields.String(required=True, validate=ID36)


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
