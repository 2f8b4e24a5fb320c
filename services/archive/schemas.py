"""archive's RPC boundary: what comes in is loaded here, what goes out is dumped here."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

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
    # -- access (revision 0033) --
    id = fields.String()
    project_id = fields.String()
    household_id = fields.String(allow_none=True)
    unit_id = fields.String(allow_none=True)
    what = fields.String()
    outcome = fields.String()
    grant_id = fields.String(allow_none=True)
    refusal = fields.String(allow_none=True)


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
    scope = fields.String(required=True, validate=validate.OneOf(list(SCOPES)))
    household_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_ID)
    purpose = fields.String(required=True, validate=v.PURPOSE)
    valid_from = v.AwareDateTime(load_default=None, allow_none=True)
    valid_until = v.AwareDateTime(required=True)
    read = fields.Boolean(load_default=True)
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
    purpose = fields.String(required=True, validate=v.PURPOSE)


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
