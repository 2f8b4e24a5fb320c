"""The public API's shapes. Requests are validated here before any service is
called; responses are dumped through these schemas, so a field a service adds
is not exposed until the API says so."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates, validates_schema

from kernel import validators as v
from kernel.money import Money

PHONE, ID_NUMBER = v.PHONE, v.ID_NUMBER


def DT(**kw):
    kw["metadata"] = {"format": "date-time", **kw.get("metadata", {})}
    return fields.String(**kw)


def Amount(**kw):
    kw["metadata"] = {"pattern": r"^-?\d+\.\d{2}$", "description": "yuan, 2 places",
                      **kw.get("metadata", {})}
    return fields.String(**kw)


class Out(Schema):
    class Meta:
        unknown = EXCLUDE
        ordered = True


# -- errors & health -----------------------------------------------------------

class ErrorOut(Out):
    error = fields.String(required=True, metadata={"description": "machine-readable code"})
    message = fields.String(required=True, metadata={"description": "for humans"})
    details = fields.Raw(metadata={"description": "per-field messages for invalid input"})


class HealthOut(Out):
    status = fields.String(metadata={"enum": ["ok", "degraded"]})
    broker = fields.Dict()
    services = fields.Dict()
    checked_in_ms = fields.Integer()


# -- auth ----------------------------------------------------------------------

class TokenIn(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class PasswordIn(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, validate=validate.Length(min=8, max=200))


class LoggedOutOut(Out):
    status = fields.String(metadata={"enum": ["logged_out"]})


class FormerHouseholdOut(Out):
    unit_id = fields.String()
    household_id = fields.String()


class MeOut(Out):
    id = fields.String()
    username = fields.String()
    display_name = fields.String()
    kind = fields.String(metadata={"enum": ["staff", "resident"]})
    group_id = fields.String()
    roles = fields.List(fields.String())
    all_projects = fields.Boolean()
    project_ids = fields.List(fields.String())
    unit_ids = fields.List(fields.String())
    former_households = fields.List(fields.Nested(FormerHouseholdOut), metadata={
        "description": "a resident's households that have moved out of a unit (迁出, 过户): not his units any "
                       "more; their closed fee accounts stay readable (GET /units/{unit_id}/accounts)"})


class StaffActiveIn(Schema):
    """Why a staff account is deactivated or reactivated (kept in the gateway's log)."""
    reason = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), v.FREE_TEXT])


class StaffAccountOut(Out):
    """A staff account as its manager sees it (no password, no token)."""
    id = fields.String()
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    project_ids = fields.List(fields.String())
    all_projects = fields.Boolean()
    active = fields.Boolean()
    changed = fields.Boolean(metadata={"description": "false: the account was so already (nothing changed)"})
    updated_at = DT(allow_none=True)


class TokenOut(Out):
    access_token = fields.String()
    token_type = fields.String()
    expires_at = DT()
    user = fields.Nested(MeOut)


# -- registry ------------------------------------------------------------------

class ProjectOut(Out):
    id = fields.String()
    group_id = fields.String()
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    timezone = fields.String()
    address = fields.String()


class UnitOut(Out):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    building_id = fields.String()
    building_name = fields.String()
    number = fields.String()
    label = fields.String()
    floor = fields.Integer(allow_none=True)
    building_area = fields.String(metadata={"description": "m2, 2 places"})
    usage = fields.String()


class PersonOut(Out):
    """A household member; never with an ID number (those are in the logged file read only)."""
    id = fields.String()
    name = fields.String()
    role = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "masked unless the role needs it"})
    email = fields.String(allow_none=True)
    locale = fields.String()


class FilePersonOut(PersonOut):
    id_number = fields.String(allow_none=True, metadata={
        "description": "only in the household file; masked unless the role needs it"})


class HouseholdOut(Out):
    id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    status = fields.String()
    moved_in_on = fields.String(allow_none=True, metadata={"format": "date"})
    moved_out_on = fields.String(allow_none=True, metadata={"format": "date"})
    people = fields.List(fields.Nested(PersonOut))
    balance_due = Amount(allow_none=True)
    balance_as_of = DT(allow_none=True)
    masked = fields.Boolean()


# documents (issue 11): a version of a household file's document (the rest of the area is at the end)
class UploaderRefOut(Out):
    user_id = fields.String()
    name = fields.String()


class HouseholdDocumentOut(Out):
    """One version of a document of a household file (档案文件)."""
    id = fields.String()
    household_id = fields.String()
    project_id = fields.String()
    doc_type = fields.String()
    section = fields.String(metadata={"enum": ["move_in", "lease", "transfer", "renovation", "other"]})
    title = fields.String()
    version = fields.Integer(metadata={"description": "1, 2, 3... per household and doc_type"})
    current = fields.Boolean(metadata={"description": "the highest version of its type"})
    file_name = fields.String(metadata={"description": "what the uploaded file was called (display only)"})
    content_type = fields.String(metadata={"enum": ["application/pdf", "image/jpeg", "image/png"]})
    size = fields.Integer(metadata={"description": "bytes"})
    sha256 = fields.String(metadata={"description": "SHA-256 of the content, hex; the download's ETag"})
    uploaded_by = fields.Nested(UploaderRefOut)
    uploaded_at = DT()
    note = fields.String()
    erased = fields.Boolean(metadata={"description": "the content was erased under the retention rule (the record "
                                                     "stays; a download answers 410 document_erased)"})
    erased_at = DT(allow_none=True)


class FileDocumentOut(Out):
    """A move-in document of the household file's catalogue (present or missing)."""
    doc_type = fields.String()
    section = fields.String()
    status = fields.String(metadata={"enum": ["present", "missing"]})
    received_at = DT(allow_none=True)
    note = fields.String()
    # documents (issue 11): the catalogue's title, present/confirmed, the current version
    title = fields.String()
    title_en = fields.String(metadata={"description": "the English title (the default catalogue's types)"})
    present = fields.Boolean()
    confirmed = fields.Boolean(metadata={"description": "ticked on a checklist (or by an upload)"})
    current = fields.Nested(HouseholdDocumentOut, allow_none=True,
                            metadata={"description": "the current version, null when none was uploaded"})


class CorrespondenceOut(Out):
    id = fields.String()
    kind = fields.String()
    ref_type = fields.String()
    ref_id = fields.String()
    ref_number = fields.String()
    summary = fields.String()
    occurred_at = DT()
    filed_at = DT()


class FileHouseholdOut(HouseholdOut):
    people = fields.List(fields.Nested(FilePersonOut))


class FeesCheckedOut(Out):
    """What billing said when the household left (its has_arrears for the unit, asked by the move-out or
    the transfer and kept with the record)."""
    unpaid = Amount(metadata={"description": "what the check counted as unpaid (0.00: else it was refused)"})
    balance_due = Amount(metadata={"description": "billing's balance due; negative is prepaid credit left"})
    as_of = fields.String(allow_none=True, metadata={"format": "date", "description": "the day billing stated it"})


class MoveOutRecordOut(Out):
    id = fields.String()
    household_id = fields.String()
    unit_id = fields.String()
    moved_out_on = fields.String(metadata={"format": "date"})
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
    recorded_at = DT()
    fees_checked = fields.Nested(FeesCheckedOut, allow_none=True, metadata={
        "description": "billing's word when the household left; null on a record from before it was kept"})


class HouseholdFileOut(Out):
    household = fields.Nested(FileHouseholdOut)
    unit = fields.Nested(UnitOut)
    catalogue = fields.List(fields.Nested(FileDocumentOut))
    missing = fields.List(fields.String())
    correspondence = fields.List(fields.Nested(CorrespondenceOut))
    move_out = fields.Nested(MoveOutRecordOut, allow_none=True, metadata={
        "description": "staff only: the household's move-out (迁出) or transfer (过户) record with fees_checked, "
                       "what billing said when it left; null while it lives there"})


AskedPurpose = v.AskedPurpose


class FileQuery(Schema):
    purpose = AskedPurpose(load_default=None, validate=v.PURPOSE, metadata={
        "description": "why it is read; logged (业户档案查阅记录). Required of staff (400 purpose_required); a "
                       "resident reading their own household's may leave it out"})


class AccessLogOut(Out):
    """One row of the access log (业户档案查阅记录表): who read what of which file, why, when, allowed or
    refused, under which grant."""
    reader_id = fields.String()
    reader_name = fields.String()
    reader_roles = fields.String()
    purpose = fields.String()
    read_at = DT()
    # -- access (issue 11) --
    id = fields.String()
    project_id = fields.String()
    household_id = fields.String(allow_none=True, metadata={"description": "none: a project-wide export"})
    unit_id = fields.String(allow_none=True)
    what = fields.String(metadata={"description": "file | document:<id> | contacts | people | export:<what>"})
    outcome = fields.String(metadata={"enum": ["allowed", "refused"]})
    grant_id = fields.String(allow_none=True, metadata={"description": "the grant the read was allowed under"})
    refusal = fields.String(allow_none=True, metadata={
        "description": "why refused: no_grant, grant_not_started, grant_expired, grant_revoked, "
                       "not_own_household, project_out_of_scope, not_for_residents"})
    unit_label = fields.String(allow_none=True, metadata={"description": "the unit as people name it (1栋-0101)"})
    roles_label = fields.String(metadata={"description": "the reader's roles in Chinese (客服部经理)"})
    what_label = fields.String(metadata={"description": "what was read, in Chinese (档案文件：购房合同 第2版)"})
    refusal_label = fields.String(allow_none=True, metadata={"description": "why refused, in Chinese (无查阅授权)"})


class ProjectIn(Schema):
    """Register a project (项目) of the caller's group."""
    code = fields.String(required=True, validate=validate.Regexp(r"^[A-Za-z0-9_-]{1,40}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(["residential", "apartment", "office"]))
    timezone = fields.String(load_default="Asia/Shanghai", validate=v.TIME_ZONE)
    address = fields.String(load_default="", validate=validate.Length(max=400))


class BuildingIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    floors = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=200))


class BuildingOut(Out):
    id = fields.String()
    project_id = fields.String()
    name = fields.String()
    floors = fields.Integer(allow_none=True)


class UnitIn(Schema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    floor = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=-10, max=200))
    building_area = fields.Decimal(required=True, places=2, as_string=True,
                                   validate=validate.Range(min=1, max=100000),
                                   metadata={"description": "建筑面积 in m2, e.g. \"89.37\""})
    usage = fields.String(load_default="residential",
                          validate=validate.OneOf(v.UNIT_USAGES))


class PersonIn(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1), v.NAME])
    role = fields.String(required=True, validate=validate.OneOf(["owner", "family", "tenant",
                                                                 "emergency_contact"]))
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    email = fields.Email(load_default=None, allow_none=True)
    id_number = fields.String(load_default=None, allow_none=True, validate=ID_NUMBER)
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE, metadata={
        "description": "证件类型: resident_id (居民身份证, GB 11643 check digit), passport, hk_macau_permit "
                       "(H/M + 8 or 10 digits), taiwan_permit (8 digits), hmt_residence_permit (港澳台居民居住证); "
                       "guessed from id_number when left out"})
    relation = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=40), v.NAME],
                             metadata={"description": "与业主关系 (spouse, child...)"})
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(["zh-CN", "en"]))
    employer = fields.String(load_default=None, allow_none=True, validate=v.TITLE)
    marketing_consent = fields.Boolean(load_default=None, allow_none=True, truthy={True}, falsy={False}, metadata={
        "description": "agrees to marketing messages (greetings, community events -- not service or legal "
                       "notices), recorded with the person (source move_in; desk for a person or tenant added "
                       "later); left out: not asked (counts as no)"})

    @validates_schema
    def _document(self, data, **_):
        v.check_id_document(data)


#: the default catalogue's move-in documents (入伙资料) (archive's domain/catalogue.py; tests/test_schema_agreement.py
#: keeps the two equal) -- for the documentation: archive checks the project's own catalogue (422 unknown_doc_type)
MOVE_IN_DOCUMENTS = ["covenant", "fire_safety_letter", "handover_inspection_form", "move_in_notice",
                     "owner_id_copy", "owner_info_card", "power_of_attorney",
                     "preliminary_service_agreement", "purchase_contract"]


#: the people area's enumerations (archive's domain.people; tests/test_schema_agreement.py keeps them equal)
ACQUISITIONS = ("purchase", "transfer", "inheritance", "gift")
MOVE_OUT_REASONS = ("sold", "lease_ended", "relocated", "other")
DEPOSIT_HANDLING = ("refunded", "transferred", "retained", "none")
LEASE_PURPOSES = ("residential", "office", "commercial", "other")
TRANSFER_DOCUMENTS = ["fee_settlement_proof", "new_owner_id_copy", "property_certificate", "transfer_application"]
_RECEIVED_TYPE = validate.Regexp(r"^[a-z][a-z0-9_]{1,59}$", error="a document type: lower-case letters, digits, _")


class LeaseTermsIn(Schema):
    """A lease's terms (租户情况记录表)."""
    start_on = v.Date(load_default=None, allow_none=True)
    end_on = v.Date(load_default=None, allow_none=True)
    tenant_count = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=50),
                                  metadata={"description": "租住人数: how many live there"})
    purpose = fields.String(load_default="residential", validate=validate.OneOf(LEASE_PURPOSES))
    landlord_person_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36),
                                       metadata={"description": "an owner of the household; its first owner if left out"})
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])

    @validates_schema
    def _period(self, data, **_):
        if data.get("start_on") and data.get("end_on"):
            v.check_period(data, "start_on", "end_on", max_days=366 * 70)


class MoveInIn(Schema):
    """入伙: a household takes the unit, with the documents handed over."""
    moved_in_on = v.Date(required=True)
    by_proxy = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    people = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(min=1, max=30))
    documents_received = fields.List(fields.String(validate=_RECEIVED_TYPE), load_default=list,
                                     validate=validate.Length(max=50), metadata={
        "description": "types of the project's document catalogue, section move_in (by default: "
                       + ", ".join(MOVE_IN_DOCUMENTS) + ")"})
    acquired_by = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(ACQUISITIONS),
                                metadata={"description": "how the owners came by the unit; purchase if left out"})
    lease = fields.Nested(LeaseTermsIn, load_default=None, allow_none=True,
                          metadata={"description": "the tenants' lease (租户情况记录表) when tenants move in"})

    @validates("people")
    def _one_owner(self, people, **_):
        if not any(p.get("role") in ("owner", "tenant") for p in people):
            raise ValidationError("A household needs an owner or a tenant.")


class OpeningBalanceIn(Schema):
    """The balance carried over into the fee account: positive owed, negative prepaid."""
    amount = Money(required=True, exact=True, validate=v.OPENING_BALANCE_RANGE, metadata={
        "pattern": r"^-?\d+(\.\d{1,2})?$",
        "description": "yuan with at most 2 places, as a string: \"345.00\" or \"-120.00\""})
    as_of = v.Date(required=True)
    note = fields.String(load_default="", validate=validate.Length(max=300))


class SlaSettingIn(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=60))
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=60 * 24 * 30))


class SlaSettingsOut(Out):
    record_within = fields.Integer()
    notify_engineering_within = fields.Integer()
    public_area_on_site_within = fields.Integer()
    paid_arrive_before_appointment = fields.Integer()
    not_covered_reply_within = fields.Integer()


# -- tickets -------------------------------------------------------------------

#: repair categories (services/tickets/events.py CATEGORIES)
REPAIR_CATEGORIES = ["public_area", "in_home_paid", "not_covered", "unclassified", "maintenance"]
#: why the system scheduled a revisit (services/tickets/domain/revisits.py REASONS)
REVISIT_REASONS = ("complaint", "repair_dissatisfied", "repair_unrated", "repair_unsigned", "repair_sample",
                   "maintenance", "routine")
#: a revisit's states and what a revisit records (revisits.STATES, revisits.SATISFACTION)
REVISIT_STATES = ("scheduled", "done", "unreachable", "cancelled")
SATISFACTION = ("satisfied", "neutral", "dissatisfied")
#: the departments a complaint goes to (sorted: services/tickets/domain/complaint_sla.py DEPARTMENTS;
#: the complaints' own list below is the same)
COMPLAINT_DEPARTMENTS = ["cleaning", "customer_service", "engineering", "finance", "greening", "management",
                         "security"]


class RepairRequestIn(Schema):
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36),
                               metadata={"description": "for a public-area request without a unit"})
    category = fields.String(load_default="unclassified", validate=validate.OneOf(REPAIR_CATEGORIES),
                             metadata={"description": "maintenance: public maintenance works (维修工程), "
                                                      "recorded by staff"})
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    location = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), v.FREE_TEXT])
    appointment_at = v.AwareDateTime(load_default=None, allow_none=True,
                                          metadata={"description": "required for in_home_paid"})
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["phone", "visit", "staff"]),
                            metadata={"description": "staff only: how the request came in"})
    received_at = v.AwareDateTime(load_default=None, allow_none=True,
                                       metadata={"description": "staff only: when the resident called"})
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)

    @validates_schema
    def _where(self, data, **_):
        if not data.get("unit_id") and not data.get("project_id"):
            raise ValidationError("Give the unit, or for a public-area request the project.", "unit_id")
        if not data.get("unit_id") and not data.get("location"):
            raise ValidationError("A request without a unit needs a location.", "location")


#: a front-desk task's kinds (services/tickets/domain/tasks.py CATEGORIES: 前台任务)
TASK_CATEGORIES = ("key_return", "key_spot_check", "key_stock_check", "vacant_register", "vacant_check", "vacant_care",
                   "key_deposit_decision")
#: every ticket state (services/tickets/schemas.py TICKET_STATES): the repair workflow's ("open" =
#: recorded), then the complaint's, the quality complaint's and the revisit's
TICKET_STATES = ["open", "dispatched", "accepted", "on_site", "work_done", "closed", "cancelled",
                 "quoted", "consented", "registered", "responded", "resolved", "in_warranty",
                 "out_of_warranty", "compensation_claimed", "scheduled", "done", "unreachable",
                 "received", "acknowledged", "forwarded", "replied", "planned", "in_progress", "missed",
                 # a renovation's (装修, services/tickets/domain/renovation.py)
                 "applied", "under_review", "rework", "approved", "fees_requested", "fees_paid",
                 "acceptance_requested", "occupied", "refund_requested"]
TICKET_KINDS = ["repair", "complaint", "quality", "revisit", "feedback", "task", "inspection", "renovation"]
#: how a ticket came in (services/tickets/schemas.py TICKET_CHANNELS)
TICKET_CHANNELS = ["portal", "phone", "visit", "staff", "letter", "revisit", "system", "app"]
#: a repair's category, a complaint's department, a quality complaint's "warranty", a revisit's reason
TICKET_CATEGORIES = list(dict.fromkeys(REPAIR_CATEGORIES + sorted(COMPLAINT_DEPARTMENTS) + ["warranty"]
                                       + list(REVISIT_REASONS) + ["praise", "suggestion"]
                                       + list(TASK_CATEGORIES)
                                       # an inspection round's area type (INSPECTION_AREA_TYPES)
                                       + ["stairwell", "roof", "elevator", "lobby_corridor", "exterior"]
                                       + ["renovation"]))


class AssigneeOut(Out):
    user_id = fields.String()
    name = fields.String()


class MaterialOut(Out):
    name = fields.String()
    quantity = fields.Float()
    unit = fields.String()


class MaterialIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    quantity = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, max=1_000_000))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=20))


class DispatchIn(Schema):
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "the technician's user id; without it, the "
                                                         "on-duty technician for the repair's category with "
                                                         "the fewest open orders (409 no_one_on_duty)"})
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class StepIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CompleteIn(Schema):
    work_done = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                              metadata={"description": "the actual work"})
    materials = fields.List(fields.Nested(MaterialIn), load_default=list, validate=validate.Length(max=50))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class QuoteLineIn(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=40),
                         metadata={"description": "an item code of the project's price list"})
    quantity = v.Quantity(required=True,
                              metadata={"description": "more than 0, at most 2 places (\"2\", \"1.5\")"})


class QuoteIn(Schema):
    """A paid repair's quote: items of the price list in force today; the total is computed."""
    lines = fields.List(fields.Nested(QuoteLineIn), required=True, validate=validate.Length(min=1, max=50))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates("lines")
    def _once_each(self, lines, **_):
        codes = [line["code"] for line in lines]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each item once per quote (give its quantity).")


class ReplyIn(Schema):
    advice = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                           metadata={"description": "the engineering manager's advice to the resident"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RateIn(Schema):
    rating = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class ReasonIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ConsentIn(Schema):
    """The resident's consent to the quote they were shown (a re-quote since: 409 quote_changed)."""
    quote_id = fields.String(required=True, validate=validate.Length(min=1, max=36),
                             metadata={"description": "the quote's quote_id, as read on the ticket"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RefusalIn(Schema):
    """The resident's refusal of the quote they were shown, with the reason (cancels the order)."""
    quote_id = fields.String(required=True, validate=validate.Length(min=1, max=36),
                             metadata={"description": "the quote's quote_id, as read on the ticket"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ExtensionIn(Schema):
    """An approved overrun (超时审批) of the clock named in the path."""
    new_due_at = v.AwareDateTime(required=True, metadata={
        "description": "the clock's new due time (ISO-8601 with offset): later than the current one, "
                       "in the future"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata={"description": "why the overrun is approved (recorded)"})

    @validates_schema
    def _reason(self, data, **_):
        if not (data.get("reason") or "").strip():
            raise ValidationError("An approved overrun needs its reason.", "reason")


class ApproverOut(Out):
    user_id = fields.String()
    name = fields.String()


class ExtensionOut(Out):
    """An approved overrun of a clock (超时审批)."""
    id = fields.String()
    approved_by = fields.Nested(ApproverOut, metadata={"description": "who approved it (user id, name)"})
    approved_at = DT()
    reason = fields.String()
    old_due_at = DT()
    new_due_at = DT()
    breached_at = DT(allow_none=True, metadata={
        "description": "the new due time was missed too: when that second breach was told"})


class DeadlineOut(Out):
    kind = fields.String()
    due_at = DT()
    met_at = DT(allow_none=True)
    cancelled_at = DT(allow_none=True)
    responsible_role = fields.String(allow_none=True, metadata={
        "description": "the role answerable for the clock (told of its warning and breach)"})
    warned_at = DT(allow_none=True, metadata={"description": "when the near-breach warning went out"})
    breached_at = DT(allow_none=True, metadata={"description": "when the breach was told"})
    extensions = fields.List(fields.Nested(ExtensionOut), metadata={
        "description": "approved overruns (超时审批), oldest first; due_at is the latest one's new_due_at"})
    state = fields.String(metadata={"enum": ["met", "late", "pending", "breached", "cancelled"]})


class TicketLogOut(Out):
    at = DT()
    action = fields.String()
    actor = fields.String()
    note = fields.String()


class ReporterOut(Out):
    name = fields.String()
    phone = fields.String(allow_none=True)


class UserRefOut(Out):
    user_id = fields.String()
    name = fields.String()


class PricedLineOut(Out):
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    quantity = fields.String(metadata={"description": "exact decimal, e.g. \"1.5\""})
    unit_price = Amount()
    amount = Amount(metadata={"description": "unit_price x quantity, at the fen (half-up)"})


class QuoteOut(Out):
    quote_id = fields.String()
    revision = fields.Integer(metadata={"description": "1, 2, ...: a re-quote supersedes the earlier one"})
    status = fields.String(metadata={"enum": ["pending", "consented", "refused"]})
    lines = fields.List(fields.Nested(PricedLineOut))
    total = Amount()
    currency = fields.String()
    priced_on = fields.String(metadata={"format": "date", "description": "the price list of that local day"})
    quoted_at = DT()
    quoted_by = fields.Nested(UserRefOut)
    note = fields.String()
    consented_at = DT(allow_none=True)
    refused_at = DT(allow_none=True)
    refusal_reason = fields.String(allow_none=True)


class ChargeOut(Out):
    charge_id = fields.String(metadata={"description": "billing posts it once (ticket.charge_posted)"})
    lines = fields.List(fields.Nested(PricedLineOut))
    total = Amount()
    currency = fields.String()
    posted_at = DT()


class AdviceOut(Out):
    text = fields.String()
    at = DT()
    by = fields.Nested(UserRefOut)
class ClassChangeOut(Out):
    from_class = fields.String(allow_none=True)
    to_class = fields.String()
    by = fields.Nested(UserRefOut)
    at = DT()
    reason = fields.String()


class CompensationOut(Out):
    claim = fields.String()
    claimed_at = DT()
    decision = fields.String(allow_none=True, metadata={"enum": ["granted", "refused", None]})
    decision_note = fields.String(allow_none=True)
    decided_by = fields.Nested(UserRefOut, allow_none=True)
    decided_at = DT(allow_none=True)


class ComplaintPartOut(Out):
    """A complaint's (投诉) or warranty-quality complaint's (质量投诉) own facts."""
    complaint_class = fields.String(allow_none=True, metadata={"enum": ["major", "key", "minor", None]})
    department = fields.String()
    form = fields.String(metadata={"enum": ["oral", "written"]})
    dispatched_at = DT(allow_none=True)
    reported_to_manager_at = DT(allow_none=True)
    first_response_at = DT(allow_none=True)
    written_reply_at = DT(allow_none=True)
    resolved_at = DT(allow_none=True)
    upgraded_at = DT(allow_none=True, metadata={"description": "made major by the 30-day rule"})
    revisit_ticket_id = fields.String(allow_none=True)
    class_changes = fields.List(fields.Nested(ClassChangeOut))
    supervision_notified_at = DT(allow_none=True)
    within_warranty = fields.Boolean(allow_none=True)
    assessed_at = DT(allow_none=True)
    explained_at = DT(allow_none=True)
    compensation = fields.Nested(CompensationOut, allow_none=True)


class DocumentOut(Out):
    """A written reply (书面回复), joint assessment, out-of-warranty explanation or compensation
    decision."""
    id = fields.String()
    kind = fields.String(metadata={"enum": ["written_reply", "joint_assessment", "explanation",
                                            "compensation_decision", "feedback_reply"]})
    title = fields.String()
    body = fields.String()
    written_by = fields.Nested(UserRefOut)
    written_at = DT()


class NamedStaffOut(Out):
    name = fields.String()
    user_id = fields.String(allow_none=True)


class FeedbackPartOut(Out):
    """Praise or a suggestion's (表扬 / 建议) own facts: whom praise names and was forwarded to, a
    suggestion's decision (adopted / not adopted, with the reason)."""
    sub_kind = fields.String(metadata={"enum": ["praise", "suggestion"]})
    named_staff = fields.List(fields.Nested(NamedStaffOut))
    department = fields.String(allow_none=True)
    acknowledged_at = DT(allow_none=True)
    forwarded_at = DT(allow_none=True)
    forwarded_to = fields.String(allow_none=True)
    replied_at = DT(allow_none=True)
    decision = fields.String(allow_none=True, metadata={"enum": ["adopted", "not_adopted", None]})
    decision_reason = fields.String(allow_none=True)


class RevisitOut(Out):
    reason = fields.String(metadata={"enum": list(REVISIT_REASONS)})
    source_ticket_id = fields.String(allow_none=True, metadata={"description": "the complaint or repair revisited"})
    household_id = fields.String(allow_none=True)
    due_at = DT()
    done_at = DT(allow_none=True)
    done_by = fields.String(allow_none=True)
    quality = fields.Integer(allow_none=True)
    effect = fields.Integer(allow_none=True)
    satisfaction = fields.String(allow_none=True, metadata={"enum": list(SATISFACTION)})
    shortcomings = fields.String(allow_none=True)
    suggestions = fields.String(allow_none=True)
    complaint_ticket_id = fields.String(allow_none=True, metadata={
        "description": "the complaint a dissatisfied revisit opened"})


class TicketSourceOut(Out):
    kind = fields.String(metadata={"description": "inspection"})
    round_id = fields.String()
    round_number = fields.String()
    item_code = fields.String()
    item_name = fields.String()


# -- a renovation's own facts (装修; tickets' RenovationPartOut): TicketOut.renovation, RenovationOut --

class _RenovationDocumentOut(Out):
    doc_type = fields.String()
    document_id = fields.String()


class _RenovationPassOut(Out):
    id = fields.String()
    kind = fields.String()
    number = fields.String()
    holder_name = fields.String()
    detail = fields.String(allow_none=True, metadata={"description": "the desk's note: staff only (null for residents)"})
    valid_until = fields.String(allow_none=True, metadata={"format": "date"})
    issued_at = DT()
    voided_at = DT(allow_none=True)
    void_reason = fields.String(allow_none=True)


class _RenovationUser(Out):
    user_id = fields.String()
    name = fields.String()


class _RenovationPatrolOut(Out):
    id = fields.String()
    at = DT()
    by = fields.Nested(_RenovationUser)
    note = fields.String()
    violations = fields.List(fields.String())
    waste_seen = fields.Boolean()


class _RenovationChecklistItem(Out):
    doc_type = fields.String()
    present = fields.Boolean()
    document_ids = fields.List(fields.String())


class RenovationPartOut(Out):
    contractor = fields.String()
    planned_start = fields.String(allow_none=True, metadata={"format": "date"})
    planned_end = fields.String(allow_none=True, metadata={"format": "date"})
    deposit_amount = fields.String()
    documents = fields.List(fields.Nested(_RenovationDocumentOut))
    checklist = fields.List(fields.Nested(_RenovationChecklistItem))
    missing = fields.List(fields.String(), metadata={"description": "the required documents not attached yet"})
    submitted_at = DT(allow_none=True)
    review_rounds = fields.Integer()
    reviewed_at = DT(allow_none=True)
    review_note = fields.String(allow_none=True)
    agreement_at = DT(allow_none=True)
    fees_requested_at = DT(allow_none=True)
    fees_paid_at = DT(allow_none=True)
    fees_charged_at = DT(allow_none=True, metadata={"description": "billing charged the garbage-removal fee"})
    garbage_fee = fields.String(allow_none=True, metadata={
        "description": "the garbage-removal fee asked for (building area x the fee schedule's price, 3.00 yuan/m2 by "
                       "default), from billing's charge on -- paid or not: garbage_fee_status"})
    garbage_fee_status = fields.String(metadata={"description": "not_requested | requested (the agreement asked "
                                                                "billing) | charged (the amount known, unpaid) | paid | cancelled "
                                                                "(cancelled unpaid: billing reverses the charge)"})
    may_start = fields.Boolean(metadata={"description": "billing reported the deposit and garbage fee paid"})
    permit_number = fields.String(allow_none=True)
    permit_issued_at = DT(allow_none=True)
    passes = fields.List(fields.Nested(_RenovationPassOut))
    patrols = fields.List(fields.Nested(_RenovationPatrolOut))
    acceptance_on = fields.String(allow_none=True, metadata={"format": "date"})
    acceptance_requested_at = DT(allow_none=True)
    accepted_at = DT(allow_none=True)
    occupied_on = fields.String(allow_none=True, metadata={"format": "date"})
    reinspection_due_at = DT(allow_none=True)
    reinspected_at = DT(allow_none=True)
    violations = fields.List(fields.String())
    withheld_amount = fields.String(allow_none=True)
    refund_amount = fields.String(allow_none=True)
    refund_requested_at = DT(allow_none=True)
    refunded_at = DT(allow_none=True)
    archived_at = DT(allow_none=True)


class TicketOut(Out):
    id = fields.String()
    number = fields.String()
    kind = fields.String()
    category = fields.String()
    channel = fields.String()
    status = fields.String()
    project_id = fields.String()
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    location = fields.String()
    content = fields.String()
    reporter = fields.Nested(ReporterOut)
    appointment_at = DT(allow_none=True)
    received_at = DT()
    recorded_at = DT()
    engineering_notified_at = DT(allow_none=True)
    deadlines = fields.List(fields.Nested(DeadlineOut))
    history = fields.List(fields.Nested(TicketLogOut))
    assignee = fields.Nested(AssigneeOut, allow_none=True)
    dispatched_at = DT(allow_none=True)
    accepted_at = DT(allow_none=True)
    arrived_at = DT(allow_none=True)
    completed_at = DT(allow_none=True)
    work_note = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(MaterialOut), allow_none=True)
    rating = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    confirmed_at = DT(allow_none=True)
    closed_at = DT(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    quote = fields.Nested(QuoteOut, allow_none=True, metadata={
        "description": "a paid in-home repair's current quote (the resident consents or refuses)"})
    charge = fields.Nested(ChargeOut, allow_none=True, metadata={
        "description": "a paid repair's charge, put on the order at completion"})
    advice = fields.Nested(AdviceOut, allow_none=True, metadata={
        "description": "a not-covered request: the engineering manager's reply"})
    complaint = fields.Nested(ComplaintPartOut, allow_none=True,
                              metadata={"description": "complaints and warranty-quality complaints only"})
    documents = fields.List(fields.Nested(DocumentOut))
    revisit = fields.Nested(RevisitOut, allow_none=True, metadata={"description": "kind revisit: its facts"})
    source = fields.Nested(TicketSourceOut, allow_none=True, metadata={
        "description": "a repair opened by a failed item of an inspection round (巡检): the round and the item"})
    feedback = fields.Nested(FeedbackPartOut, allow_none=True, metadata={
        "description": "kind feedback: praise or a suggestion's facts (the reply is in documents)"})
    renovation = fields.Nested(RenovationPartOut, allow_none=True, metadata={
        "description": "kind renovation (装修): the checklist, fees, permit, passes (holders' names masked), "
                       "acceptance, occupancy, re-inspection, refund"})
    version = fields.Integer(metadata={"description": "grows with every change; GET with "
                                                      "min_version=N to read at least this one"})


class VersionQuery(Schema):
    min_version = fields.Integer(load_default=None, allow_none=True,
                                 validate=validate.Range(min=0, max=2**53),
                                 metadata={"description": "read-your-writes: the version a write "
                                                          "answered (or header X-Min-Version)"})


class TicketQuery(Schema):
    project_id = fields.String(load_default=None)
    unit_id = fields.String(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(TICKET_STATES))
    open_only = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TICKET_KINDS))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TICKET_CATEGORIES),
                             metadata={"description": "a repair's category, a complaint's department, "
                                                      "a quality complaint's \"warranty\", or a revisit's reason"})
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TICKET_CHANNELS))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                metadata={"description": "the technician the repair is assigned to"})
    received_from = v.AwareDateTime(load_default=None, allow_none=True,
                                    metadata={"description": "received at or after (ISO-8601 with offset)"})
    received_to = v.AwareDateTime(load_default=None, allow_none=True,
                                  metadata={"description": "received before"})
    sla_state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["breached", "late", "pending", "met"]), metadata={
        "description": "the ticket's worst SLA clock: breached (one overdue and not met) > late (one met "
                       "after its due time) > pending (one still running) > met (all met in time)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))

    @validates_schema
    def _period(self, data, **kwargs):
        if data.get("received_from") and data.get("received_to") and data["received_to"] <= data["received_from"]:
            raise ValidationError("received_to must be after received_from", "received_to")


# -- revisits (回访) -------------------------------------------------------------

class RevisitQuery(Schema):
    """A project's revisits (services/tickets/schemas.py RevisitQuery)."""
    due = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["due", "overdue"]),
                        metadata={"description": "due: still to do, not yet past its due time; overdue: "
                                                 "still to do and past it"})
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REVISIT_STATES))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                metadata={"description": "the steward the revisit is assigned to"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REVISIT_REASONS))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class RevisitAssignIn(Schema):
    assignee_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "the steward's user id"})
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RevisitRecordIn(Schema):
    quality = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5),
                             metadata={"description": "quality of the work or service, 1-5"})
    effect = fields.Integer(required=True, strict=True, validate=validate.Range(1, 5),
                            metadata={"description": "the service's effect, 1-5"})
    satisfaction = fields.String(required=True, validate=validate.OneOf(SATISFACTION),
                                 metadata={"description": "dissatisfied opens a complaint linked to the revisit"})
    shortcomings = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    suggestions = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    department = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(COMPLAINT_DEPARTMENTS),
                               metadata={"description": "dissatisfied: the department the complaint goes to "
                                                        "(default: the complaint's, engineering for a repair, "
                                                        "else customer service)"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RevisitFiguresQuery(Schema):
    month = fields.String(required=True, validate=validate.Regexp(r"^(19|20)\d\d-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM (the project's local month)"})


class RevisitFiguresOut(Out):
    project_id = fields.String()
    month = fields.String()
    repairs_done = fields.Integer(metadata={"description": "repairs whose work was done in the month "
                                                           "(signed or not; maintenance works aside)"})
    revisited = fields.Integer(metadata={"description": "of them, revisited (each once)"})
    by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
    target_percent = fields.Integer()
    required = fields.Integer(metadata={"description": "revisits the target requires"})
    rate_percent = fields.Float(allow_none=True)


class TicketListOut(Out):
    items = fields.List(fields.Nested(TicketOut))
    total = fields.Integer()


# -- the price list of paid services and the on-duty list (tickets) -------------------------

class PriceListQuery(Schema):
    on = v.Date(load_default=None, allow_none=True,
                metadata={"description": "the prices in force on this day (default: today at the site)"})


class PriceItemIn(Schema):
    """An item of the price list of paid services (有偿服务价目表), in force from a date."""
    code = fields.String(required=True, validate=[validate.Length(min=1, max=40),
                                                  validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")],
                         metadata={"description": "the list's code, e.g. SD-01"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=20),
                         metadata={"description": "个, 次, 米 ..."})
    price = Money(required=True, positive=True, exact=True, validate=validate.Range(max=Decimal("100000.00")),
                  metadata={"pattern": r"^\d+(\.\d{1,2})?$",
                            "description": "yuan, more than 0, at most 2 places, at most 100000.00: \"35.00\""})
    effective_from = v.Date(load_default=None, allow_none=True, metadata={
        "description": "in force from this day (today or later; default today)"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class RetireItemIn(Schema):
    effective_from = v.Date(load_default=None, allow_none=True, metadata={
        "description": "no longer offered from this day (today or later; default today)"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class PriceItemOut(Out):
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    price = Amount(allow_none=True)
    effective_from = fields.String(metadata={"format": "date"})


class ScheduledPriceOut(PriceItemOut):
    retired = fields.Boolean()


class PriceListOut(Out):
    project_id = fields.String()
    on = fields.String(metadata={"format": "date"})
    currency = fields.String()
    items = fields.List(fields.Nested(PriceItemOut))
    scheduled = fields.List(fields.Nested(ScheduledPriceOut), metadata={
        "description": "changes in force after `on` (new prices, retirements)"})


class DutyEntryIn(Schema):
    """One line of the on-duty list (值班表), in the project's local time."""
    category = fields.String(required=True, validate=validate.OneOf(REPAIR_CATEGORIES + ["*"]),
        metadata={"description": "the repairs it takes; * for all"})
    technician_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    technician_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weekdays = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=7)),
                           required=True, validate=validate.Length(min=1, max=7),
                           metadata={"description": "ISO weekdays the shift starts on: 1 = Monday ... 7 = Sunday"})
    starts = v.LocalTime(required=True, metadata={"description": "HH:MM local"})
    ends = v.LocalTime(required=True, metadata={
        "description": "HH:MM local; at or before starts: into the next morning (00:00-00:00: 24 h)"})
    valid_from = v.Date(load_default=None, allow_none=True, metadata={"description": "first shift day"})
    valid_to = v.Date(load_default=None, allow_none=True, metadata={"description": "last shift day"})

    @validates_schema
    def _period(self, data, **_):
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("valid_to is on or after valid_from.", "valid_to")


class DutyRosterIn(Schema):
    entries = fields.List(fields.Nested(DutyEntryIn), required=True, validate=validate.Length(max=200))


class DutyEntryOut(Out):
    category = fields.String()
    technician_id = fields.String()
    technician_name = fields.String()
    weekdays = fields.List(fields.Integer())
    starts = fields.String(metadata={"description": "HH:MM local"})
    ends = fields.String(metadata={"description": "HH:MM local"})
    valid_from = fields.String(allow_none=True, metadata={"format": "date"})
    valid_to = fields.String(allow_none=True, metadata={"format": "date"})


class DutyRosterOut(Out):
    project_id = fields.String()
    entries = fields.List(fields.Nested(DutyEntryOut))
    updated_at = DT(allow_none=True)
    on_duty_now = fields.List(fields.Nested(DutyEntryOut))
# -- complaints (投诉) and warranty-quality complaints (质量投诉) -------------------------------

#: tickets' complaint_sla.DEPARTMENTS
DEPARTMENTS = ["cleaning", "customer_service", "engineering", "finance", "greening", "management", "security"]
COMPLAINT_CLASSES = ["major", "key", "minor"]
#: the states of tickets' complaints.TABLE and quality.TABLE
COMPLAINT_STATES = ("registered", "dispatched", "responded", "resolved", "closed", "cancelled")
QUALITY_STATES = ("registered", "in_warranty", "out_of_warranty", "compensation_claimed", "resolved",
                  "closed", "cancelled")


class ComplaintIn(Schema):
    """A complaint (投诉). A resident gives their unit (portal, written); staff give the channel, the
    form, when it came in and who complained; a public matter names the project only."""
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["phone", "visit", "letter", "staff"]),
        metadata={"description": "how it came in (staff); a resident's is always portal"})
    form = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["oral", "written"]),
                         metadata={"description": "oral (口头, default for staff) or written (书面)"})
    complaint_class = fields.String(load_default="minor", validate=validate.OneOf(COMPLAINT_CLASSES))
    department = fields.String(load_default="customer_service", validate=validate.OneOf(DEPARTMENTS))
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    received_at = v.AwareDateTime(load_default=None, allow_none=True,
                                  metadata={"description": "staff only: when it came in"})

    @validates_schema
    def _where(self, data, **_):
        if not data.get("unit_id") and not data.get("project_id"):
            raise ValidationError("Give the unit, or for a public matter the project.", "unit_id")


# -- praise and suggestions (表扬与建议) ----------------------------------------------------------
#: tickets' domain/feedback.py
FEEDBACK_SUB_KINDS = ["praise", "suggestion"]
FEEDBACK_STATES = ["received", "acknowledged", "forwarded", "replied", "closed", "cancelled"]
FEEDBACK_STAFF_CHANNELS = ["phone", "visit", "letter", "app"]


class NamedStaffIn(Schema):
    """A member of staff praise names: their name, and their user id when the desk knows it."""
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), v.FREE_TEXT])
    user_id = fields.String(load_default=None, allow_none=True, validate=v.RECORD_ID)


class FeedbackIn(Schema):
    """Praise or a suggestion (表扬 / 建议). A resident gives their unit (the portal); the desk gives
    the channel, when it came in and who wrote, and -- about the project as a whole -- the project
    only. Praise may name staff and / or a department."""
    sub_kind = fields.String(required=True, validate=validate.OneOf(FEEDBACK_SUB_KINDS))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FEEDBACK_STAFF_CHANNELS),
                            metadata={"description": "how it came in (staff; default visit); a resident's is "
                                                     "always portal"})
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    named_staff = fields.List(fields.Nested(NamedStaffIn), load_default=list, validate=validate.Length(max=20),
                              metadata={"description": "praise: the staff praised"})
    department = fields.String(load_default=None, allow_none=True,
                               validate=[validate.Length(min=1, max=100), v.FREE_TEXT],
                               metadata={"description": "praise: the department praised"})
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    received_at = v.AwareDateTime(load_default=None, allow_none=True,
                                  metadata={"description": "staff only: when it came in"})

    @validates_schema
    def _where(self, data, **_):
        if not data.get("unit_id") and not data.get("project_id"):
            raise ValidationError("Give the unit, or for the project as a whole the project.", "unit_id")
        if data.get("sub_kind") == "suggestion" and (data.get("named_staff") or data.get("department")):
            raise ValidationError("Only praise names staff or a department.", "named_staff")


class FeedbackQuery(TicketQuery):
    """Praise and suggestions with the ticket lists' filters and the sub-kind."""
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["feedback"]))
    sub_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FEEDBACK_SUB_KINDS))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FEEDBACK_STATES))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(FEEDBACK_SUB_KINDS))
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["portal"] + FEEDBACK_STAFF_CHANNELS))


class FeedbackForwardIn(Schema):
    forwarded_to = fields.String(required=True, validate=[validate.Length(min=1, max=200), v.FREE_TEXT],
                                 metadata={"description": "to whom: the staff praised, a department"})
    note = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=500), v.FREE_TEXT])


class FeedbackReplyIn(Schema):
    """The company's written reply: praise is thanked (no decision); a suggestion is adopted or not
    adopted -- not adopted with the reason (400 bad_decision when the decision does not fit)."""
    decision = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["adopted", "not_adopted"]),
                             metadata={"description": "a suggestion: adopted (采纳) or not_adopted (不采纳)"})
    reason = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=500), v.FREE_TEXT],
                           metadata={"description": "a suggestion not adopted: why"})
    title = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=200), v.FREE_TEXT])
    body = fields.String(required=True, validate=[validate.Length(min=1, max=5000), v.FREE_TEXT])
    note = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=500), v.FREE_TEXT])

    @validates_schema
    def _reason(self, data, **_):
        if data.get("decision") == "not_adopted" and not (data.get("reason") or "").strip():
            raise ValidationError("A suggestion not adopted is answered with the reason.", "reason")


class FeedbackReasonIn(Schema):
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), v.FREE_TEXT])


class QualityComplaintIn(Schema):
    """A warranty-quality complaint (质量投诉): a defect the developer answers for."""
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["phone", "visit", "letter", "staff"]))
    form = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["oral", "written"]))
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    received_at = v.AwareDateTime(load_default=None, allow_none=True)

    @validates_schema
    def _where(self, data, **_):
        if not data.get("unit_id") and not data.get("project_id"):
            raise ValidationError("Give the unit, or for a common part the project.", "unit_id")


class ComplaintQuery(TicketQuery):
    """Complaints (both kinds unless ``kind``) with the ticket lists' filters and their own."""
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["complaint", "quality"]))
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(COMPLAINT_STATES + QUALITY_STATES))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["portal", "phone", "visit", "letter", "staff", "revisit"]))
    complaint_class = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(COMPLAINT_CLASSES))
    department = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DEPARTMENTS))


class ComplaintDispatchIn(Schema):
    department = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DEPARTMENTS),
                               metadata={"description": "another department than the registered one"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class NoteIn(Schema):
    note = fields.String(required=True, validate=validate.Length(min=1, max=500))


class WrittenReplyIn(Schema):
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ReclassifyIn(Schema):
    complaint_class = fields.String(required=True, validate=validate.OneOf(COMPLAINT_CLASSES))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class AssessmentIn(Schema):
    within_warranty = v.StrictBoolean(required=True,
                                     metadata={"description": "true or false (JSON booleans only)"})
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000),
                         metadata={"description": "the joint assessment with the developer's supervision department"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CompensationClaimIn(Schema):
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000),
                         metadata={"description": "what the resident claims"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class CompensationDecisionIn(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["granted", "refused"]))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    body = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ProjectCorrespondenceOut(Out):
    """An entry of the project's own correspondence (项目往来记录)."""
    id = fields.String()
    project_id = fields.String()
    unit_id = fields.String(allow_none=True)
    kind = fields.String(metadata={"enum": ["complaint", "quality_complaint", "complaint_reply"]})
    ref_type = fields.String()
    ref_id = fields.String()
    ref_number = fields.String()
    summary = fields.String()
    occurred_at = DT()
    filed_at = DT()


class PageQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


# -- billing -------------------------------------------------------------------

class AccountOut(Out):
    account_id = fields.String()
    unit_id = fields.String()
    project_id = fields.String()
    unit_label = fields.String(allow_none=True)
    building_area = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    currency = fields.String()
    opening_balance = Amount()
    balance_due = Amount(metadata={"description": "positive: owed (欠费); negative: prepaid credit"})
    entry_count = fields.Integer()
    last_posted_at = DT(allow_none=True)
    version = fields.Integer()
    # the arrears summary account.balance_changed carries (billing queries)
    usage = fields.String()
    receivable = Amount(metadata={"description": "on bills not yet settled (应收)"})
    credit = Amount(metadata={"description": "prepaid credit held (预收), positive"})
    deposits_held = Amount(metadata={"description": "deposits held for the unit (押金)"})
    open_bills = fields.Integer()
    oldest_due_on = fields.String(allow_none=True, metadata={
        "format": "date", "description": "the oldest open bill's due date (overdue when before today)"})
    as_of = DT(allow_none=True, metadata={"description": "when billing stated these figures"})
    # the account's dunning state (催缴), as account.balance_changed carries it
    dunning_stage = fields.String(allow_none=True, metadata={
        "enum": ["none", "first", "second", "final", "late"],
        "description": "the open dunning case's ladder stage (none: no notice yet); null: no open case"})
    arrears_class = fields.String(allow_none=True, metadata={
        "enum": ["A", "B", "C", "D", "E"],
        "description": "the steward's arrears class (null: not yet classed; always null for residents)"})
    dunning_paused = fields.Boolean(metadata={"description": "the ladder waits (a disputed bill, an installment plan)"})
    late_fee_accrued = Amount(metadata={"description": "late fee (滞纳金) accrued and not yet billed"})


# -- billing queries: balance, arrears, statement, bills, receipts, project figures ----------------
# (billing's domain/queries.py; the request schemas are paired in tests/test_schema_agreement.py)

#: the bills list's filter (billing's queries.BILL_FILTERS) and the longest period in days
#: (queries.MAX_PERIOD_DAYS: three years)
BILL_FILTERS = ("open", "settled", "all")
MAX_PERIOD_DAYS = 1096


def Day(**kw):
    kw["metadata"] = {"format": "date", **kw.get("metadata", {})}
    return fields.String(**kw)


#: ``?account_id=``: one of the unit's fee accounts (billing's ``ACCOUNT_ID_QUERY``, the same validators)
ACCOUNT_ID_QUERY = dict(load_default=None, allow_none=True, validate=[v.RECORD_ID, validate.Length(min=1, max=36)],
                        metadata={"description": "one of the unit's fee accounts (GET /units/{unit_id}/accounts): "
                                                 "a closed one is a previous household's (原业主账户); left out: "
                                                 "the unit's open account"})


class StatementQuery(Schema):
    date_from = v.Date(required=True, data_key="from", metadata={"description": "the first day (YYYY-MM-DD)"})
    date_to = v.Date(required=True, data_key="to", metadata={
        "description": "the last day, inclusive; at most three years after the first"})
    account_id = fields.String(**ACCOUNT_ID_QUERY)

    @validates_schema
    def _period(self, data, **kwargs):
        v.check_period(data, "date_from", "date_to", max_days=MAX_PERIOD_DAYS)


class TrialBalanceQuery(Schema):
    date_from = v.Date(required=True, data_key="from", metadata={"description": "the first day (YYYY-MM-DD)"})
    date_to = v.Date(required=True, data_key="to", metadata={
        "description": "the last day, inclusive; at most three years after the first"})

    @validates_schema
    def _period(self, data, **kwargs):
        v.check_period(data, "date_from", "date_to", max_days=MAX_PERIOD_DAYS)


class BillsQuery(Schema):
    status = fields.String(load_default="all", validate=validate.OneOf(BILL_FILTERS), metadata={
        "description": "open (not settled), settled (settled or reversed), all"})
    period = fields.String(load_default=None, allow_none=True, validate=v.MONTH,
                           metadata={"description": "a month's bills (YYYY-MM)"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    account_id = fields.String(**ACCOUNT_ID_QUERY)


class ReceiptsQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    account_id = fields.String(**ACCOUNT_ID_QUERY)


class UnitBalanceOut(Out):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    project_id = fields.String()
    currency = fields.String()
    receivable = Amount()
    credit = Amount()
    deposits_held = Amount()
    balance_due = Amount(metadata={"description": "positive: owed (欠费); negative: prepaid credit"})
    open_bills = fields.Integer()
    overdue = Amount(metadata={"description": "arrears: past-due bills' outstanding less unapplied credit"})
    overdue_bills = fields.Integer()
    oldest_due_on = Day(allow_none=True)
    as_of = Day(metadata={"description": "the site's today the figures were computed on"})


class UnitAccountOut(UnitBalanceOut):
    """One of a unit's fee accounts (一户一账): the open one, or a previous household's closed one."""
    household_id = fields.String(allow_none=True, metadata={"description": "the household whose account it is"})
    payer_name = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["open", "closed"]})
    opened_at = DT()
    closed_on = Day(allow_none=True, metadata={"description": "the day its household stopped paying for the unit"})
    succeeded_by = fields.String(allow_none=True, metadata={"description": "the unit's account that took over"})


class UnitAccountsOut(Out):
    unit_id = fields.String()
    items = fields.List(fields.Nested(UnitAccountOut))


class PreviousArrearsOut(Out):
    """A previous household's closed account of the unit with something overdue (原业主欠费)."""
    account_id = fields.String()
    household_id = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    closed_on = Day()
    overdue = Amount()


class ArrearsOut(Out):
    unit_id = fields.String()
    has_arrears = fields.Boolean(metadata={
        "description": "a bill past its due date (before the site's today) is not settled, beyond the "
                       "unit's unapplied prepaid credit; a bill not yet due is not arrears"})
    overdue = Amount()
    overdue_bills = fields.Integer()
    balance_due = Amount()
    oldest_due_on = Day(allow_none=True)
    as_of = Day()
    previous = fields.List(fields.Nested(PreviousArrearsOut), metadata={
        "description": "previous households' closed accounts of the unit with something overdue (原业主欠费, "
                       "after a transfer): theirs to pay, not counted in has_arrears"})


class StatementEntryOut(Out):
    entry_id = fields.String()
    line_no = fields.Integer()
    date = Day()
    kind = fields.String()
    description = fields.String()
    amount = Amount(metadata={"description": "effect on the balance due: positive owed, negative paid"})
    balance = Amount(metadata={"description": "running balance after this entry"})
    bills = fields.List(fields.String(), metadata={"description": "bill numbers it charged or settled"})
    receipt_id = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    reversed_by = fields.Integer(allow_none=True, metadata={"description": "line of the reversal cancelling it"})
    reverses = fields.Integer(allow_none=True, metadata={"description": "line of the entry it cancels"})
    reason = fields.String(allow_none=True)
    posted_at = DT()


class StatementOut(Out):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    payer_name = fields.String(allow_none=True)
    currency = fields.String()
    date_from = Day()
    date_to = Day()
    opening_balance = Amount()
    entries = fields.List(fields.Nested(StatementEntryOut))
    closing_balance = Amount()


class BillLineOut(Out):
    line_no = fields.Integer()
    item_code = fields.String()
    item_name = fields.String()
    quantity = fields.String()
    quantity_unit = fields.String()
    unit_price = fields.String(metadata={"description": "yuan, 4 places"})
    amount = Amount()
    price_id = fields.String(allow_none=True)
    price_from = Day(allow_none=True, metadata={"description": "the price's effective date"})
    detail = fields.String()


class BillSettlementOut(Out):
    entry_id = fields.String()
    kind = fields.String(metadata={"description": "payment, prepaid_applied, discount, write_off, reversal"})
    occurred_on = Day()
    amount = Amount()
    receipt_id = fields.String(allow_none=True)
    receipt_number = fields.String(allow_none=True)
    receipt_voided = fields.Boolean()


class BillOut(Out):
    id = fields.String()
    number = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    kind = fields.String()
    period = fields.String(allow_none=True)
    issued_on = Day()
    due_on = Day()
    total = Amount()
    allocated = Amount()
    outstanding = Amount()
    status = fields.String(metadata={"enum": ["open", "partly_paid", "overdue", "settled", "reversed"]})
    overdue = fields.Boolean()
    settled_at = DT(allow_none=True)
    lines = fields.List(fields.Nested(BillLineOut))
    settlements = fields.List(fields.Nested(BillSettlementOut))


class BillPageOut(Out):
    items = fields.List(fields.Nested(BillOut))
    total = fields.Integer()


class ReceiptLineOut(Out):
    bill = fields.String(allow_none=True, metadata={"description": "the bill number settled; null: credit or deposit"})
    period = fields.String(allow_none=True)
    item = fields.String(allow_none=True)
    amount = Amount()


class ReceiptOut(Out):
    """收据 as printed, and whether it was voided (by whom, why)."""
    id = fields.String()
    number = fields.String(metadata={"description": "SJ and 8 digits, sequential per project"})
    project_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    amount = Amount()
    payer_name = fields.String(allow_none=True)
    method = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ReceiptLineOut))
    issued_at = DT()
    issued_by = fields.String()
    status = fields.String(metadata={"description": "valid | void"})
    voided = fields.Boolean()
    voided_at = DT(allow_none=True)
    voided_by = fields.String(allow_none=True)
    void_reason = fields.String(allow_none=True)


class ReceiptPageOut(Out):
    items = fields.List(fields.Nested(ReceiptOut))
    total = fields.Integer()


class BookBalanceOut(Out):
    book = fields.String()
    balance = Amount(metadata={"description": "debit positive, credit negative"})


class ProjectLedgerOut(Out):
    project_id = fields.String()
    currency = fields.String()
    as_of = Day()
    receivable = Amount()
    credit = Amount()
    deposits_held = Amount()
    balance_due = Amount()
    open_bills = fields.Integer()
    overdue = Amount(metadata={"description": "open bills past their due date (before any unit's credit)"})
    accounts_in_arrears = fields.Integer()
    accounts = fields.Integer()
    books = fields.List(fields.Nested(BookBalanceOut))


class TrialTotalsOut(Out):
    opening = Amount()
    debit = Amount()
    credit = Amount(metadata={"description": "credits of the period, as a positive amount"})
    closing = Amount()


class TrialBookOut(TrialTotalsOut):
    book = fields.String()


class TrialBalanceOut(Out):
    project_id = fields.String()
    currency = fields.String()
    date_from = Day()
    date_to = Day()
    books = fields.List(fields.Nested(TrialBookOut))
    totals = fields.Nested(TrialTotalsOut)
    balanced = fields.Boolean()


# -- payments, receipts, deposits, refunds, corrections (billing; payments helper) ---------------

DESK_METHODS = ("cash", "card", "transfer")
ONLINE_METHODS = ("wechat", "alipay")
DEPOSIT_PURPOSES = ("renovation", "key", "other")
REFUND_KINDS = ("overpayment", "deposit")
REFUND_METHODS = ("cash", "transfer")
REFUND_STATES = ("requested", "approved", "rejected", "paid")
_REF = dict(load_default=None, allow_none=True)


def _amount(**kw):
    return Money(**kw, metadata={"pattern": r"^\d+(\.\d{1,2})?$",
                                 "description": "yuan above zero with at most 2 places, as a string: \"345.00\""})


class PaymentIn(Schema):
    """收款 at the desk: cash, card (``reference``: the POS slip's), bank transfer (the bank's).
    ``account_id``: a closed account of the unit -- the previous household's debt (原业主欠费, its id
    from the arrears ledger or the dunning case); else the unit's current account."""
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    method = fields.String(required=True, validate=validate.OneOf(DESK_METHODS))
    amount = _amount(required=True, positive=True, exact=True)
    reference = v.Reference(**_REF, metadata={"description": "required for card and transfer; unique per method in the project, read as people read a slip (full-width folded, invisible characters and spaces removed, upper-cased)"})
    payer_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class OnlinePaymentIn(Schema):
    """WeChat Pay / Alipay; ``auth_code``: the payer's payment code (付款码) scanned at the desk.
    ``account_id``: one of the unit's accounts -- a closed one is a previous household's (原业主账户, from
    GET /units/{unit_id}/accounts), paid by its own residents or the desk, at most what it owes; else the
    unit's current account."""
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    method = fields.String(required=True, validate=validate.OneOf(ONLINE_METHODS))
    amount = _amount(required=True, positive=True, exact=True)
    auth_code = fields.String(load_default=None, allow_none=True,
                              validate=validate.Regexp(r"^[0-9]{16,24}$", error="A payment code is 16-24 digits."))


class VoidReceiptIn(Schema):
    reason = fields.String(required=True, validate=v.PURPOSE)


class DepositIn(Schema):
    """押金; without ``amount`` a renovation deposit is the amount the unit's open renovation asks
    (tickets' renovation.deposit, carried to billing by the renovation's fees request)."""
    purpose = fields.String(load_default="renovation", validate=validate.OneOf(DEPOSIT_PURPOSES))
    amount = _amount(load_default=None, allow_none=True, positive=True, exact=True)
    method = fields.String(required=True, validate=validate.OneOf(DESK_METHODS))
    reference = v.Reference(**_REF)
    payer_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    note = fields.String(load_default="", validate=validate.Length(max=300))


class RefundIn(Schema):
    """退款 of prepaid credit (``overpayment``) or of a deposit (``deposit``, naming ``deposit_id``).
    ``account_id``: a closed account of the unit -- a previous household's credit or deposit (原业主的预存款、
    押金, its id from GET /units/{unit_id}/accounts); else the unit's current account."""
    account_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    kind = fields.String(required=True, validate=validate.OneOf(REFUND_KINDS))
    deposit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    amount = _amount(required=True, positive=True, exact=True)
    method = fields.String(required=True, validate=validate.OneOf(REFUND_METHODS))
    reason = fields.String(required=True, validate=v.PURPOSE)


class RefundStepIn(Schema):
    """``note``: optional when approving, required when rejecting (why)."""
    note = fields.String(load_default="", validate=validate.Length(max=400))


class RefundQuery(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(REFUND_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class BillCreditIn(Schema):
    """减免 / 核销 of part or all of the bill's open amount."""
    amount = _amount(required=True, positive=True, exact=True)
    reason = fields.String(required=True, validate=v.PURPOSE)


class ReverseIn(Schema):
    reason = fields.String(required=True, validate=v.PURPOSE)


class DepositStepOut(Out):
    """One step of a deposit's life from the journal."""
    kind = fields.String(metadata={"description": "held | refunded | forfeited (押金扣除: withheld for a "
                                                  "renovation's violations, moved to income) | voided"})
    amount = Amount()
    occurred_on = Day()
    at = DT()
    by = fields.String()
    description = fields.String()
    reason = fields.String(allow_none=True)
    entry_id = fields.String()


class DepositOut(Out):
    id = fields.String()
    account_id = fields.String()
    purpose = fields.String()
    amount = Amount()
    refunded = Amount()
    forfeited = Amount(metadata={"description": "withheld and moved to income (押金扣除)"})
    status = fields.String(metadata={"description": "held | refunded | forfeited | void"})
    payment_id = fields.String(allow_none=True)
    held_at = DT()
    held_by = fields.String()
    holds = Amount(metadata={"description": "what it still holds (read alone)"})
    unit_id = fields.String()
    unit_label = fields.String()
    pledged_loan_id = fields.String(allow_none=True, metadata={"description": "read alone: the key loan a key "
                                                                              "deposit stands for (no refund "
                                                                              "while pledged)"})
    history = fields.List(fields.Nested(DepositStepOut), metadata={"description": "read alone: held, refunded, "
                                                                                  "forfeited, voided"})


class PaymentAccountOut(AccountOut):
    """The fee account after the change."""
    receivable = Amount()
    credit = Amount()
    deposits_held = Amount()
    open_bills = fields.Integer()
    oldest_due_on = fields.String(allow_none=True)
    as_of = DT(allow_none=True)
    closed_on = fields.String(allow_none=True, metadata={
        "format": "date", "description": "set: the previous household's closed account (原业主账户), not the unit's"})


class PaymentOut(Out):
    id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    project_id = fields.String()
    method = fields.String()
    amount = Amount()
    purpose = fields.String(metadata={"description": "fees | deposit"})
    status = fields.String(metadata={"description": "pending | received | failed | reversed"})
    reference = fields.String(allow_none=True)
    payer_name = fields.String(allow_none=True)
    note = fields.String()
    created_at = DT()
    created_by = fields.String()
    received_at = DT(allow_none=True)
    failure = fields.String(allow_none=True)
    pay = fields.Dict(allow_none=True, metadata={"description": "online and pending: pay_url / qr_code to open"})
    receipt = fields.Nested(ReceiptOut, allow_none=True)
    deposit = fields.Nested(DepositOut, allow_none=True)
    account = fields.Nested(PaymentAccountOut, allow_none=True)


class PaymentNotifiedOut(Out):
    result = fields.String()
    payment_id = fields.String()
    status = fields.String()


class RefundStepOut(Out):
    at = DT()
    action = fields.String()
    by = fields.String()
    note = fields.String(allow_none=True)


class RefundOut(Out):
    id = fields.String()
    project_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    kind = fields.String()
    deposit_id = fields.String(allow_none=True)
    amount = Amount()
    method = fields.String()
    reason = fields.String()
    status = fields.String(metadata={"description": "requested | approved | rejected | paid"})
    requested_at = DT()
    requested_by = fields.String()
    decided_at = DT(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True)
    paid_at = DT(allow_none=True)
    paid_by = fields.String(allow_none=True)
    entry_id = fields.String(allow_none=True)
    history = fields.List(fields.Nested(RefundStepOut))
    account = fields.Nested(PaymentAccountOut, allow_none=True)


class CorrectionEntryOut(Out):
    id = fields.String()
    line_no = fields.Integer()
    kind = fields.String()
    amount = Amount()
    description = fields.String()
    occurred_on = fields.String()
    posted_at = DT()
    posted_by = fields.String()
    reason = fields.String(allow_none=True)
    reverses_id = fields.String(allow_none=True)


class CorrectionOut(Out):
    entry = fields.Nested(CorrectionEntryOut)
    account = fields.Nested(PaymentAccountOut)


# -- notify --------------------------------------------------------------------

class DeliveryOut(Out):
    channel = fields.String()
    status = fields.String()
    address = fields.String(allow_none=True)
    attempts = fields.Integer()
    sent_at = DT(allow_none=True)


class NotificationOut(Out):
    id = fields.String()
    purpose = fields.String()
    subject = fields.String(allow_none=True)
    body = fields.String()
    locale = fields.String()
    created_at = DT()
    read_at = DT(allow_none=True)
    withdrawn_at = DT(allow_none=True, metadata={
        "description": "its broadcast was cancelled after it was stored: withdrawn, not counted unread"})
    withdrawn_label = fields.String(allow_none=True, metadata={
        "description": "what the inbox shows on a withdrawn message: 已撤回 (Withdrawn in English); null otherwise"})
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    deliveries = fields.List(fields.Nested(DeliveryOut))
    version = fields.Integer()


#: notify's message purposes, channels and locales (services/notify/domain/templates.py; the gateway imports
#: no service -- tests/test_schema_agreement.py checks the copies agree)
TEMPLATE_PURPOSES = ["bill_notice", "community.event", "debit_reminder", "dunning_final", "dunning_first",
                     "dunning_second", "goods_release.issued", "goods_release.used",
                     "goods_release.voided", "greeting.holiday",
                     "identity_match.locked", "inspection.item_failed", "key_stock_check.discrepancy", "move_in.welcome",
                     "outage.notice", "outage.urgent", "payment_reminder",
                     "quality.dispatch_engineering", "quality.notify_supervision", "receipt",
                     "renovation.handed_over", "renovation.reinspection_notice", "revisit.request",
                     "ticket.dispatch_engineering", "ticket.opened.resident", "ticket.sla_breached",
                     "ticket.sla_warning", "ticket.status_changed", "vacancy.care_anomaly", "vacancy.check_result",
                     "vacancy.crack_decision", "warranty.expiry"]
TEMPLATE_CHANNELS = ("inapp", "sms", "email", "wechat", "print")
TEMPLATE_LOCALES = ("zh-CN", "en")


class TemplateIn(Schema):
    """A template override (Jinja2: ``{{ ticket_number }}``; checked at upload)."""

    purpose = fields.String(required=True, validate=validate.OneOf(TEMPLATE_PURPOSES))
    channel = fields.String(required=True, validate=validate.OneOf(TEMPLATE_CHANNELS))
    locale = fields.String(required=True, validate=validate.OneOf(TEMPLATE_LOCALES))
    subject = fields.String(load_default="", validate=[validate.Length(max=200), v.ONE_LINE])
    body = fields.String(required=True, validate=[validate.Length(min=1, max=2000), v.FREE_TEXT])


class TemplateTextIn(Schema):
    """The group's template for the purpose, channel and locale of the path (Jinja2; checked at upload)."""

    subject = fields.String(load_default="", validate=[validate.Length(max=200), v.ONE_LINE])
    body = fields.String(required=True, validate=[validate.Length(min=1, max=2000), v.FREE_TEXT])


class TemplatePreviewIn(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(TEMPLATE_PURPOSES))
    channel = fields.String(required=True, validate=validate.OneOf(TEMPLATE_CHANNELS))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(TEMPLATE_LOCALES))
    subject = fields.String(load_default="", validate=[validate.Length(max=200), v.ONE_LINE])
    body = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=2000), v.FREE_TEXT],
                         metadata={"description": "the text to preview before saving it; without it the "
                                                  "template in effect"})


class TemplateOut(Out):
    id = fields.String(allow_none=True)
    purpose = fields.String()
    channel = fields.String()
    locale = fields.String()
    subject = fields.String()
    body = fields.String()
    source = fields.String(metadata={"description": "default | group | project"})
    placeholders = fields.List(fields.String())
    kind = fields.String(metadata={"description": "service | legal | marketing"})
    html = fields.Boolean()


class SavedTemplateOut(Out):
    id = fields.String()
    project_id = fields.String(allow_none=True)
    purpose = fields.String()
    channel = fields.String()
    locale = fields.String()
    subject = fields.String()
    body = fields.String()
    version = fields.Integer()
    updated_at = DT()
    updated_by = fields.String()
    source = fields.String()


class TemplatePreviewOut(Out):
    purpose = fields.String()
    channel = fields.String()
    locale = fields.String()
    source = fields.String(metadata={"description": "preview (the text given) | default | group | project"})
    kind = fields.String()
    subject = fields.String()
    body = fields.String()
    html = fields.Boolean(metadata={"description": "the body is HTML (an e-mail): values were escaped"})
    placeholders = fields.List(fields.String())
    sample = fields.Dict(keys=fields.String(), values=fields.String())


class WechatBindingIn(Schema):
    openid = fields.String(required=True, allow_none=True, validate=v.WECHAT_OPENID, metadata={
        "description": "the openid the group's WeChat official account knows the person by; null unbinds"})


class WechatBindingOut(Out):
    unit_id = fields.String()
    person_id = fields.String()
    bound = fields.Boolean()
    openid = fields.String(allow_none=True, metadata={"description": "masked (oAbC****wxYz)"})


class LimitQuery(Schema):
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class UnitInboxQuery(Schema):
    """A page of the unit's inbox: the total comes in the X-Total-Count header."""
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    unread_only = fields.Boolean(load_default=False, metadata={
        "description": "only the messages not read yet (and not withdrawn)"})


class InboxQuery(Schema):
    project_id = fields.String(load_default=None)
    unread_only = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


# -- composition ---------------------------------------------------------------

class OverviewOut(Out):
    unit = fields.Nested(UnitOut)
    household = fields.Nested(HouseholdOut, allow_none=True)
    open_tickets = fields.List(fields.Nested(TicketOut), allow_none=True)
    account = fields.Nested(AccountOut, allow_none=True)
    notifications = fields.List(fields.Nested(NotificationOut), allow_none=True)
    degraded = fields.List(fields.String(), metadata={
        "description": "parts that could not be fetched (their service was down); the rest is current"})


# -- per-project settings (kernel.settings, any service that declares some) ---------

class SettingChangeIn(Schema):
    key = fields.String(required=True, validate=validate.Length(min=1, max=100))
    value = fields.Raw(required=True, allow_none=True,
                       metadata={"description": "the new value, typed as the setting declares"})
    effective_from = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "effective-dated settings only: the value applies from this day (today or later)"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ScheduledSettingOut(Out):
    effective_from = fields.String(metadata={"format": "date"})
    value = fields.Raw()


class SettingOut(Out):
    key = fields.String()
    value = fields.Raw()
    default = fields.Raw()
    unit = fields.String()
    doc = fields.String()
    effective_dated = fields.Boolean()
    is_default = fields.Boolean()
    effective_from = fields.String(allow_none=True, metadata={"format": "date"})
    scheduled = fields.List(fields.Nested(ScheduledSettingOut))


class SettingsOut(Out):
    service = fields.String()
    project_id = fields.String()
    settings = fields.List(fields.Nested(SettingOut))


class SettingChangeOut(Out):
    key = fields.String()
    old_value = fields.Raw(allow_none=True)
    value = fields.Raw()
    effective_from = fields.String(allow_none=True, metadata={"format": "date"})
    reason = fields.String()
    changed_by = fields.String()
    changed_by_name = fields.String()
    changed_at = DT()


# -- reports (tickets' domain/reports.py) -----------------------------------------

class ReportMonthIn(Schema):
    """The month of a report, in the project's local calendar (the path's ``{month}``)."""
    month = fields.String(required=True, validate=v.MONTH,
                          metadata={"description": "YYYY-MM in the project's time zone; finished or current"})


class KindCountOut(Out):
    kind = fields.String()
    count = fields.Integer()


class CategoryCountOut(Out):
    kind = fields.String()
    category = fields.String()
    count = fields.Integer()


class ChannelCountOut(Out):
    kind = fields.String()
    channel = fields.String()
    count = fields.Integer()


class VolumesOut(Out):
    """Tickets received in the month: by kind, by kind and category, by kind and channel."""
    total = fields.Integer()
    by_kind = fields.List(fields.Nested(KindCountOut))
    by_category = fields.List(fields.Nested(CategoryCountOut))
    by_channel = fields.List(fields.Nested(ChannelCountOut))


_SLA_STATES = ("on_time: met at or before the due time; late: met after it; breached: not met and "
               "past due; running: not met, due still ahead; cancelled: stopped with its ticket "
               "(not in the rate)")


class SlaCountsOut(Out):
    """Clocks whose due time (after approved extensions) falls in the month, by their state at the
    report's time."""
    due = fields.Integer()
    on_time = fields.Integer(metadata={"description": _SLA_STATES})
    late = fields.Integer()
    breached = fields.Integer()
    running = fields.Integer()
    cancelled = fields.Integer()
    extended = fields.Integer(metadata={"description": "how many carry an approved overrun (超时审批)"})
    rate_percent = fields.Float(allow_none=True, metadata={
        "description": "on_time / (on_time + late + breached), one decimal; null when none counts"})


class SlaClockOut(Out):
    ticket_kind = fields.String()
    clock = fields.String()
    due = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    breached = fields.Integer()
    running = fields.Integer()
    cancelled = fields.Integer()
    extended = fields.Integer()
    rate_percent = fields.Float(allow_none=True)


class SlaOut(Out):
    clocks = fields.List(fields.Nested(SlaClockOut))
    total = fields.Nested(SlaCountsOut)


class RepairTimeOut(Out):
    """Minutes over the repairs received in the month that reached the later step: to_dispatch
    (received -> dispatched), to_arrive (dispatched -> on site), to_resolve (received -> work done)."""
    measure = fields.String(metadata={"enum": ["to_dispatch", "to_arrive", "to_resolve"]})
    count = fields.Integer()
    mean_minutes = fields.Float(allow_none=True)
    median_minutes = fields.Float(allow_none=True)


class ComplaintCountsOut(Out):
    registered = fields.Integer()
    resolved = fields.Integer()
    resolved_in_limit = fields.Integer(metadata={
        "description": "resolved with the resolution clock met at or before its (approved) due time"})
    upgraded = fields.Integer(metadata={"description": "upgraded to major by the 30-day rule"})
    reclassified = fields.Integer(metadata={"description": "moved to another class by a person"})


class ComplaintClassOut(Out):
    complaint_class = fields.String(metadata={"description": "the current class: major | key | minor"})
    registered = fields.Integer()
    resolved = fields.Integer()
    resolved_in_limit = fields.Integer()
    upgraded = fields.Integer()
    reclassified = fields.Integer()


class ComplaintDepartmentOut(Out):
    department = fields.String()
    registered = fields.Integer()
    resolved = fields.Integer()
    resolved_in_limit = fields.Integer()
    upgraded = fields.Integer()
    reclassified = fields.Integer()


class ComplaintsOut(Out):
    """Complaints (and warranty-quality complaints) registered in the month."""
    total = fields.Nested(ComplaintCountsOut)
    by_class = fields.List(fields.Nested(ComplaintClassOut))
    by_department = fields.List(fields.Nested(ComplaintDepartmentOut))


class SatisfactionCountsOut(Out):
    satisfied = fields.Integer()
    neutral = fields.Integer()
    dissatisfied = fields.Integer()
    unrecorded = fields.Integer()


class RevisitReasonOut(Out):
    reason = fields.String()
    done = fields.Integer()
    satisfied = fields.Integer()
    neutral = fields.Integer()
    dissatisfied = fields.Integer()
    unrecorded = fields.Integer()


class RevisitsOut(Out):
    """The repair revisit rate: repairs closed in the month, how many have a revisit done (whenever)
    or at all, against the project's target; and the revisits done in the month by reason."""
    repairs_closed = fields.Integer()
    repairs_revisited = fields.Integer()
    repairs_with_revisit = fields.Integer()
    rate_percent = fields.Float(allow_none=True)
    target_percent = fields.Integer(metadata={"description": "the project's revisit.repair_target_percent"})
    target_met = fields.Boolean()
    done = fields.Integer()
    by_reason = fields.List(fields.Nested(RevisitReasonOut))


class RatingCountOut(Out):
    rating = fields.Integer()
    count = fields.Integer()


class SatisfactionOut(Out):
    """Ratings 1-5 of the repairs closed in the month; satisfaction of the revisits done in it."""
    repairs_closed = fields.Integer()
    rated = fields.Integer()
    unrated = fields.Integer()
    ratings = fields.List(fields.Nested(RatingCountOut))
    mean_rating = fields.Float(allow_none=True)
    revisits = fields.Nested(SatisfactionCountsOut)


class MonthlyReportOut(Out):
    """A project's tickets in one month of its local calendar (工单月报)."""
    project_id = fields.String()
    project_name = fields.String()
    month = fields.String()
    timezone = fields.String()
    period_start = DT()
    period_end = DT(metadata={"description": "the next month's first instant (not included)"})
    as_of = DT(metadata={"description": "when the figures were read (running clocks are as of then)"})
    complete = fields.Boolean(metadata={"description": "false for the current month"})
    volumes = fields.Nested(VolumesOut)
    sla = fields.Nested(SlaOut)
    repair_times = fields.List(fields.Nested(RepairTimeOut))
    complaints = fields.Nested(ComplaintsOut)
    revisits = fields.Nested(RevisitsOut)
    satisfaction = fields.Nested(SatisfactionOut)


# -- bank collection (银行托收): debit mandates, collection batches, the bank's result files -- bank --

BANK_ROUNDS = (1, 2)
#: the bank's result file as JSON text ({"csv": ...}); the same limit as a text/csv upload's body
MAX_RESULT_FILE = 4_000_000


class DebitMandateIn(Schema):
    """托收协议: what the household signed. The account number is 12-30 digits (spaces between groups
    allowed); it is masked in every answer."""
    bank_name = fields.String(required=True, validate=[v.Stated(1, 100), v.ONE_LINE],
                              metadata={"description": "开户行, e.g. 中国工商银行深圳分行"})
    holder_name = fields.String(required=True, validate=[v.Stated(1, 100), v.ONE_LINE],
                                metadata={"description": "户名: the account holder"})
    bank_account = fields.String(required=True, validate=v.BANK_ACCOUNT,
                                 metadata={"description": "账号: 12-30 digits"})
    signed_on = v.Date(load_default=None, allow_none=True,
                       metadata={"description": "the day it was signed (default today; not later)"})


class MandateCancelIn(Schema):
    cancelled_on = v.Date(load_default=None, allow_none=True, metadata={
        "description": "from this day (default today; between its signing and today)"})
    reason = fields.String(required=True, validate=v.PURPOSE)


class MandateAccountQuery(Schema):
    purpose = fields.String(required=True, validate=v.PURPOSE,
                            metadata={"description": "why the whole number is read (logged)"})


class BankBatchIn(Schema):
    period = fields.String(required=True, validate=v.MONTH, metadata={"description": "YYYY-MM, started"})
    round = fields.Integer(required=True, strict=True, validate=validate.OneOf(BANK_ROUNDS),
                           metadata={"description": "1: the first collection day (10th); 2: the second (21st)"})


class BankBatchQuery(Schema):
    period = fields.String(load_default=None, allow_none=True, validate=v.MONTH)
    limit = fields.Integer(load_default=24, validate=validate.Range(min=1, max=200))


class BankResultFileIn(Schema):
    """The bank's result file as text, when not uploaded as ``text/csv``."""
    csv = fields.String(required=True, validate=[validate.Length(min=1, max=MAX_RESULT_FILE), v.TEXT_FILE])


class DebitMandateOut(Out):
    id = fields.String()
    unit_id = fields.String()
    account_id = fields.String()
    household_id = fields.String(allow_none=True)
    bank_name = fields.String()
    holder_name = fields.String()
    bank_account = fields.String(metadata={"description": "masked (6222 **** **** 1234); whole only in "
                                                          "finance's logged read"})
    signed_on = fields.String(metadata={"format": "date"})
    active = fields.Boolean()
    collects = fields.Boolean(metadata={"description": "active and signed by the unit's current household"})
    cancelled_on = fields.String(allow_none=True, metadata={"format": "date"})
    cancelled_by = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    created_at = DT()
    created_by = fields.String()


class BankBatchItemOut(Out):
    id = fields.String()
    line_no = fields.Integer()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    holder_name = fields.String()
    bank_name = fields.String()
    bank_account = fields.String(metadata={"description": "masked"})
    amount = Amount()
    status = fields.String(metadata={"description": "sent | paid | failed"})
    reason = fields.String(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    payment_id = fields.String(allow_none=True)
    answered_at = DT(allow_none=True)


class BankBatchOut(Out):
    """托收批次: one round's collection file and how the bank answered it."""
    id = fields.String()
    project_id = fields.String()
    number = fields.String()
    period = fields.String()
    round = fields.Integer()
    collect_on = fields.String(metadata={"format": "date"})
    status = fields.String(metadata={"description": "open (items await the bank's answer) | settled"})
    item_count = fields.Integer()
    total = Amount()
    sent = fields.Integer()
    paid = fields.Integer()
    failed = fields.Integer()
    paid_total = Amount()
    created_at = DT()
    created_by = fields.String()
    created = fields.Boolean(metadata={"description": "made by this request (else it existed)"})


class BankResultImportOut(Out):
    """A bank result file taken for a batch: checked whole, then recorded -- its first 100 rows at once,
    the rest by jobs (``status`` applying until ``applied`` reaches ``rows``, then done)."""
    id = fields.String()
    batch_id = fields.String()
    batch_number = fields.String()
    sha256 = fields.String()
    imported_at = DT()
    imported_by = fields.String()
    status = fields.String(metadata={"description": "applying | done"})
    rows = fields.Integer()
    applied = fields.Integer()
    paid = fields.Integer()
    failed = fields.Integer()
    unchanged = fields.Integer()
    finished_at = DT(allow_none=True)
    repeated = fields.Boolean(metadata={"description": "the same file again: nothing recorded; the first "
                                                      "import's answer"})
    batch_status = fields.String()


class BankBatchDetailOut(BankBatchOut):
    """A batch with its items and the bank's result files."""
    items = fields.List(fields.Nested(BankBatchItemOut))
    imports = fields.List(fields.Nested(BankResultImportOut))


# -- fee schedules, meter readings, one-off charges, bill runs (billing's schedule and bill run) -----

FEE_CODE = validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")
FEE_METHODS = ("per_area_monthly", "fixed_monthly", "metered", "per_area_once", "fixed_once")


def Decimals(**kw):
    kw["metadata"] = {"pattern": r"^\d+(\.\d+)?$", **kw.get("metadata", {})}
    return fields.String(**kw)


class FeeScheduleQuery(Schema):
    on = v.Date(load_default=None, allow_none=True,
                metadata={"description": "mark the prices in force on this day (default: today at the site)"})


class FeeItemIn(Schema):
    """收费项目: a new item of the project's fee schedule (its prices are set on their own)."""
    code = fields.String(required=True, validate=FEE_CODE, metadata={"description": "e.g. cleaning"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    method = fields.String(required=True, validate=validate.OneOf(FEE_METHODS), metadata={
        "description": "per_area_monthly (管理费), fixed_monthly (车位), metered (水费), per_area_once "
                       "(装修垃圾外运费), fixed_once"})
    unit = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=20),
                         metadata={"description": "what a quantity is counted in (metered m3 / kWh, 次)"})


class FeePriceIn(Schema):
    """收费标准: the item's price for units of one usage (* = every usage without its own) from a day."""
    usage = fields.String(required=True, validate=validate.OneOf((*v.UNIT_USAGES, "*")))
    unit_price = v.Quantity(required=True, validate=(validate.Range(min=0, max=100000), v.AtMostPlaces(4)),
                            metadata={"description": "yuan per m2 a month, per month, per m3 or per item; "
                                                     "at most 4 places; 0 stops charging from that day"})
    effective_from = v.Date(load_default=None, allow_none=True, metadata={
        "description": "in force from this day (today or later at the site; default today)"})
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class MeterReadingIn(Schema):
    """抄表: a unit's meter read at the end of a month."""
    unit = fields.String(required=True, validate=validate.Length(min=1, max=100),
                         metadata={"description": "the unit's id or label (1栋-0101)"})
    item_code = fields.String(required=True, validate=FEE_CODE, metadata={"description": "a metered item: water"})
    period = fields.String(required=True, validate=v.MONTH, metadata={"description": "the month it closes, YYYY-MM"})
    reading = v.Quantity(required=True, validate=(validate.Range(min=0, max=1_000_000_000), v.AtMostPlaces(2)))
    read_on = v.Date(required=True, metadata={"description": "in that month or the next, not in the future"})
    replacement = v.Quantity(load_default=None, allow_none=True,
                             validate=(validate.Range(min=0, max=1_000_000_000), v.AtMostPlaces(2)),
                             metadata={"description": "a new meter: its starting reading (often 0)"})


class MeterImportIn(Schema):
    csv = fields.String(required=True, validate=validate.Length(min=1, max=2_000_000), metadata={
        "description": "the file's text: UTF-8 (a BOM is fine), a header line unit,item,period,reading,"
                       "read_on[,replacement] (or 房号,收费项目,月份,读数,抄表日期,换表起数), one reading a line"})


class MeterReadingsQuery(Schema):
    period = fields.String(required=True, validate=v.MONTH)
    item_code = fields.String(load_default=None, allow_none=True, validate=FEE_CODE)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class MoveInQuoteQuery(Schema):
    on = v.Date(load_default=None, allow_none=True,
                metadata={"description": "the move-in day (default: today at the site)"})


class OneOffChargeIn(Schema):
    """A one-off charge from the fee schedule (装修垃圾外运费: the unit's area x 3.00)."""
    item_code = fields.String(required=True, validate=FEE_CODE)
    quantity = v.Quantity(load_default=None, allow_none=True,
                          metadata={"description": "how many of a fixed one-off item (default 1); a per-area "
                                                   "item is charged on the unit's area"})
    reference = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=40),
                              metadata={"description": "what it is for (a renovation permit): once per unit, "
                                                       "item and reference (default: today's date)"})
    note = fields.String(load_default="", validate=validate.Length(max=200))


class BillRunIn(Schema):
    month = fields.String(required=True, validate=v.MONTH, metadata={"description": "YYYY-MM"})


class FeePriceOut(Out):
    price_id = fields.String()
    usage = fields.String()
    unit_price = Decimals()
    effective_from = fields.String()
    status = fields.String(metadata={"enum": ["past", "in_force", "scheduled"]})
    set_at = DT()
    set_by = fields.String()
    reason = fields.String()


class FeeItemOut(Out):
    code = fields.String()
    name = fields.String()
    method = fields.String(metadata={"enum": list(FEE_METHODS)})
    quantity_unit = fields.String()
    active = fields.Boolean()
    prices = fields.List(fields.Nested(FeePriceOut))


class FeeScheduleOut(Out):
    project_id = fields.String()
    on = fields.String()
    currency = fields.String()
    items = fields.List(fields.Nested(FeeItemOut))


class MeterReadingOut(Out):
    id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    item_code = fields.String()
    period = fields.String()
    previous = Decimals()
    reading = Decimals()
    quantity = Decimals(metadata={"description": "reading - previous: billed on the next month's bill"})
    read_on = fields.String()
    kind = fields.String(metadata={"enum": ["regular", "initial", "replacement"]})
    source = fields.String()
    recorded_by = fields.String()
    recorded_at = DT()


class MeterImportOut(Out):
    project_id = fields.String()
    file_sha256 = fields.String()
    source = fields.String()
    lines = fields.Integer()
    recorded = fields.Integer()
    unchanged = fields.Integer(metadata={"description": "lines already recorded as they are (a file imported again)"})


class FeeLineOut(Out):
    line_no = fields.Integer()
    period = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    quantity = Decimals()
    quantity_unit = fields.String()
    unit_price = Decimals()
    amount = Amount()
    price_id = fields.String(allow_none=True, metadata={"description": "the fee schedule's price row used"})
    price_from = fields.String(allow_none=True)
    detail = fields.String()


class MoveInQuoteOut(Out):
    unit_id = fields.String()
    unit_label = fields.String()
    usage = fields.String()
    building_area = fields.String()
    on = fields.String()
    prepay_months = fields.Integer()
    periods = fields.List(fields.String())
    lines = fields.List(fields.Nested(FeeLineOut))
    total = Amount()
    currency = fields.String()


class BillRunOut(Out):
    run_id = fields.String()
    project_id = fields.String()
    period = fields.String()
    status = fields.String(metadata={"enum": ["running", "done", "failed"]})
    total = fields.Integer(metadata={"description": "accounts without a bill of the month when it started"})
    billed = fields.Integer()
    skipped = fields.Integer(metadata={"description": "vacant units and units with nothing to charge"})
    done = fields.Integer(metadata={"description": "billed + skipped"})
    closed_not_billed = fields.Integer(metadata={
        "description": "the project's closed accounts (previous households', 原业主账户) without a bill of the "
                       "month: a closed account takes no new charges, so it is never in total"})
    amount = Amount()
    chunks = fields.Integer()
    started_at = DT()
    started_by = fields.String()
    finished_at = DT(allow_none=True)
    last_error = fields.String(allow_none=True)


# -- dunning: arrears classes, the dunning log, the stewards' tasks, case views (classes, issue 9) --
# (billing's domain/arrears_classes.py; request schemas paired in tests/test_schema_agreement.py)

DUNNING_STAGES = ("none", "first", "second", "final", "late")
ARREARS_CLASSES = ("A", "B", "C", "D", "E")
DUNNING_ACTION_KINDS = ("call", "sms", "door_notice", "visit", "promise", "find_contact", "note")
DUNNING_CASE_STATES = ("open", "closed")
DUNNING_TEXT = [validate.Length(max=400), v.ONE_LINE]
_DOPT = dict(load_default=None, allow_none=True)


class DunningCasesQuery(Schema):
    status = fields.String(load_default="open", validate=validate.OneOf(DUNNING_CASE_STATES))
    stage = fields.String(**_DOPT, validate=validate.OneOf(DUNNING_STAGES))
    arrears_class = fields.String(**_DOPT, validate=validate.OneOf(ARREARS_CLASSES), data_key="class")
    steward = fields.String(**_DOPT, validate=validate.Length(min=1, max=100),
                            metadata={"description": "a steward's user id"})
    paused = fields.Boolean(**_DOPT)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class ArrearsClassIn(Schema):
    """欠费分类 after the first call: A promised a date (``promised_on`` today or later, the amount if
    said), B unclear / no answer, C unreachable, D away, E refuses."""
    arrears_class = fields.String(required=True, validate=validate.OneOf(ARREARS_CLASSES))
    promised_on = v.Date(**_DOPT, metadata={"description": "class A: the day the household promised to pay by"})
    promised_amount = Money(**_DOPT, positive=True, exact=True)
    note = fields.String(load_default="", validate=DUNNING_TEXT)


class DunningActionIn(Schema):
    """One action for the dunning log (欠费催缴记录表). ``outcome``: staff's one line, never sent to a
    household. A door notice names its photo (张贴《催费通知单》并拍照留存); a promise its day."""
    kind = fields.String(required=True, validate=validate.OneOf(DUNNING_ACTION_KINDS))
    outcome = fields.String(required=True, validate=[v.Stated(1, 400), v.ONE_LINE])
    photo_ref = fields.String(**_DOPT, validate=[validate.Length(min=1, max=200), v.ONE_LINE])
    promised_on = v.Date(**_DOPT)
    promised_amount = Money(**_DOPT, positive=True, exact=True)


class StewardAssignmentIn(Schema):
    """Cases of the project to a steward (管家) of the project; ``steward_id`` null: back to the
    project's stewards."""
    case_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                           validate=validate.Length(min=1, max=500))
    steward_id = fields.String(required=True, allow_none=True, validate=[validate.Length(min=1, max=100), v.ONE_LINE])


class DunningTasksQuery(Schema):
    steward = fields.String(**_DOPT, validate=validate.Length(min=1, max=100),
                            metadata={"description": "a steward's user id (default: a steward's own)"})
    day = v.Date(**_DOPT, metadata={"description": "tasks due on this day or earlier, still open (default: today)"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class DunningCaseOut(Out):
    id = fields.String()
    project_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(DUNNING_CASE_STATES)})
    stage = fields.String(metadata={"enum": list(DUNNING_STAGES)})
    stage_on = Day(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    class_set_on = Day(allow_none=True)
    promised_on = Day(allow_none=True)
    promised_amount = Amount(allow_none=True)
    paused = fields.Boolean()
    pause_reason = fields.String(allow_none=True, metadata={"description": "dispute | plan"})
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    overdue = Amount()
    oldest_due_on = Day(allow_none=True)
    opened_on = Day()
    closed_on = Day(allow_none=True)
    close_reason = fields.String(allow_none=True)
    late_fee_accrued = Amount(metadata={"description": "accrued and not yet billed, rounded"})
    late_fee_billed = Amount()
    version = fields.Integer()


class DunningCasePageOut(Out):
    items = fields.List(fields.Nested(DunningCaseOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class DunningNoticeRowOut(Out):
    id = fields.String()
    stage = fields.String()
    notice_on = Day()
    pay_by = Day()
    overdue = Amount()
    late_fee = Amount()


class DunningLogRowOut(Out):
    id = fields.String()
    kind = fields.String()
    outcome = fields.String()
    photo_ref = fields.String(allow_none=True)
    promised_on = Day(allow_none=True)
    promised_amount = Amount(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    done_on = Day()
    recorded_at = DT()
    recorded_by = fields.String()
    recorded_by_name = fields.String()


class DunningTaskOut(Out):
    id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    kind = fields.String()
    due_on = Day()
    role = fields.String()
    steward_id = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["open", "done", "cancelled"]})
    done_at = DT(allow_none=True)
    done_by = fields.String(allow_none=True)
    log_id = fields.String(allow_none=True)
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    overdue = Amount()
    arrears_class = fields.String(allow_none=True)
    stage = fields.String()
    promised_on = Day(allow_none=True)


class DunningInstalmentOut(Out):
    seq = fields.Integer()
    due_on = Day()
    amount = Amount()
    met_on = Day(allow_none=True)


class DunningPlanRowOut(Out):
    id = fields.String()
    status = fields.String()
    total = Amount()
    agreed_on = Day()
    agreed_by = fields.String()
    ended_on = Day(allow_none=True)
    ended_reason = fields.String(allow_none=True)
    installments = fields.List(fields.Nested(DunningInstalmentOut))


class DunningLegalRowOut(Out):
    id = fields.String()
    kind = fields.String()
    status = fields.String()
    amount = Amount()
    proposed_at = DT()
    proposed_by = fields.String()
    reviewed_at = DT(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    approved_at = DT(allow_none=True)
    approved_by = fields.String(allow_none=True)
    rejected_at = DT(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    done_at = DT(allow_none=True)
    done_by = fields.String(allow_none=True)


class DunningCaseDetailOut(DunningCaseOut):
    notices = fields.List(fields.Nested(DunningNoticeRowOut))
    log = fields.List(fields.Nested(DunningLogRowOut))
    tasks = fields.List(fields.Nested(DunningTaskOut))
    plans = fields.List(fields.Nested(DunningPlanRowOut))
    legal = fields.List(fields.Nested(DunningLegalRowOut))


class DunningActionOut(Out):
    case = fields.Nested(DunningCaseOut)
    entry = fields.Nested(DunningLogRowOut)
    completed_tasks = fields.List(fields.String())
    account = fields.Nested(PaymentAccountOut)


class StewardAssignmentOut(Out):
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    cases = fields.List(fields.Nested(DunningCaseOut))


class DunningWorklistOut(Out):
    project_id = fields.String()
    day = Day()
    steward = fields.String(allow_none=True)
    tasks = fields.List(fields.Nested(DunningTaskOut))

# -- disputes, installment plans, legal proposals (billing; hardship helper, issue 9) ------------

DISPUTE_STATES = ("open", "upheld", "rejected")
PLAN_STATES = ("active", "completed", "broken", "cancelled")
LEGAL_KINDS = ("lawyer_letter", "litigation")
LEGAL_STATES = ("proposed", "reviewed", "approved", "rejected", "withdrawn", "sent", "filed")
MAX_INSTALMENTS = 24
_HARDSHIP_REASON = dict(required=True, validate=[v.Stated(2, 300), v.ONE_LINE])


class DisputeIn(Schema):
    """账单异议: why the household disputes the bill."""
    reason = fields.String(**_HARDSHIP_REASON)


class DisputeResolveIn(Schema):
    """``uphold`` (the bill is wrong: correct it first with discount / write-off / reverse) or
    ``reject`` (the bill stands: the ladder resumes), with what was found."""
    outcome = fields.String(required=True, validate=validate.OneOf(("uphold", "reject")))
    resolution = fields.String(**_HARDSHIP_REASON)


class DisputeQuery(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DISPUTE_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class InstalmentIn(Schema):
    due_on = v.Date(required=True)
    amount = _amount(required=True, positive=True, exact=True)


class InstallmentPlanIn(Schema):
    """分期缴费协议: 1-24 instalments due on strictly increasing dates from today on, summing to what
    the case has overdue now."""
    instalments = fields.List(fields.Nested(InstalmentIn), required=True,
                              validate=validate.Length(min=1, max=MAX_INSTALMENTS))
    reason = fields.String(**_HARDSHIP_REASON)


class PlanCancelIn(Schema):
    reason = fields.String(**_HARDSHIP_REASON)


class PlanQuery(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PLAN_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class LegalProposalIn(Schema):
    """律师函 (``lawyer_letter``) or 诉讼 (``litigation``: after a lawyer letter was sent)."""
    kind = fields.String(required=True, validate=validate.OneOf(LEGAL_KINDS))
    reason = fields.String(**_HARDSHIP_REASON)


class LegalStepIn(Schema):
    """``note``: optional when reviewing, approving, withdrawing; required when rejecting (why)."""
    note = fields.String(load_default="", validate=[validate.Length(max=300), v.ONE_LINE])


class LegalDoneIn(Schema):
    """The reference of the letter sent or of the suit filed (letter number, court case number)."""
    document_ref = fields.String(required=True, validate=[v.Stated(1, 200), v.ONE_LINE])


class LegalQuery(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEGAL_STATES))
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(LEGAL_KINDS))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class BillDisputeOut(Out):
    id = fields.String()
    project_id = fields.String()
    bill_id = fields.String()
    bill_number = fields.String()
    bill_due_on = fields.String()
    bill_open = Amount()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    reason = fields.String()
    status = fields.String(metadata={"description": "open | upheld | rejected"})
    opened_at = DT()
    opened_by = fields.String()
    resolved_at = DT(allow_none=True)
    resolved_by = fields.String(allow_none=True)
    resolution = fields.String(allow_none=True)
    case_id = fields.String(allow_none=True, metadata={"description": "the account's open dunning case"})
    case_paused = fields.String(allow_none=True, metadata={"description": "why the case waits: dispute | plan"})


class InstalmentOut(Out):
    seq = fields.Integer()
    due_on = fields.String()
    amount = Amount()
    met_on = fields.String(allow_none=True, metadata={"description": "the day the money covering it was received"})


class InstallmentPlanOut(Out):
    id = fields.String()
    project_id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    status = fields.String(metadata={"description": "active | completed | broken | cancelled"})
    total = Amount()
    received = Amount(metadata={"description": "payments since the plan was agreed, net of reversals"})
    reason = fields.String()
    agreed_on = fields.String()
    agreed_at = DT()
    agreed_by = fields.String()
    ended_on = fields.String(allow_none=True)
    ended_reason = fields.String(allow_none=True)
    instalments = fields.List(fields.Nested(InstalmentOut))


class LegalStepOut(Out):
    kind = fields.String()
    at = DT()
    by = fields.String()
    by_name = fields.String()
    outcome = fields.String()


class LegalProposalOut(Out):
    id = fields.String()
    project_id = fields.String()
    case_id = fields.String()
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    kind = fields.String(metadata={"description": "lawyer_letter | litigation"})
    status = fields.String(metadata={"description": "proposed | reviewed | approved | rejected | withdrawn | "
                                                    "sent | filed"})
    amount = Amount(metadata={"description": "what the case had overdue when proposed"})
    reason = fields.String()
    proposed_at = DT()
    proposed_by = fields.String()
    reviewed_at = DT(allow_none=True)
    reviewed_by = fields.String(allow_none=True)
    approved_at = DT(allow_none=True)
    approved_by = fields.String(allow_none=True)
    rejected_at = DT(allow_none=True)
    rejected_by = fields.String(allow_none=True)
    decided_note = fields.String(allow_none=True)
    done_at = DT(allow_none=True)
    done_by = fields.String(allow_none=True)
    document_ref = fields.String(allow_none=True)
    steps = fields.List(fields.Nested(LegalStepOut))

# -- reports helper (issue 9): the arrears ledger, collection rate, dunning reports, deposits held --
# (gateway/routes/arrears.py; billing's twins in services/billing/schemas.py "reports helper")

REPORT_MAX_MONTHS = 24


def Rate(**kw):
    kw["metadata"] = {"pattern": r"^\d+\.\d{2}$", "description": "percent, 2 places; null when nothing was due",
                      **kw.get("metadata", {})}
    return fields.String(allow_none=True, **kw)


class ArrearsLedgerQuery(Schema):
    on = v.Date(load_default=None, allow_none=True, metadata={
        "description": "the day (YYYY-MM-DD), today at the site or before; default today"})


class CollectionRateQuery(Schema):
    month = fields.String(load_default=None, allow_none=True, validate=v.MONTH,
                          metadata={"description": "one month (YYYY-MM), begun at the site"})
    month_from = fields.String(load_default=None, allow_none=True, validate=v.MONTH, data_key="from",
                               metadata={"description": "a trend's first month (YYYY-MM), with to"})
    month_to = fields.String(load_default=None, allow_none=True, validate=v.MONTH, data_key="to",
                             metadata={"description": f"a trend's last month, at most {REPORT_MAX_MONTHS} months"})

    @validates_schema
    def _months(self, data, **kwargs):
        v.check_months(data, "month", "month_from", "month_to", max_months=REPORT_MAX_MONTHS)


class DunningReportDayQuery(Schema):
    day = v.Date(load_default=None, allow_none=True, metadata={
        "description": "the day (the weekly summary: a day of its ISO week), today or before; default today"})


class ArrearsLedgerTotalsOut(Out):
    accounts = fields.Integer()
    overdue = Amount()
    aged_0_30 = Amount()
    aged_31_90 = Amount()
    aged_91_365 = Amount()
    aged_over_365 = Amount()


class ArrearsLedgerClassOut(ArrearsLedgerTotalsOut):
    #: A-E, or unclassified (no case, or no class set)
    arrears_class = fields.String()


class ArrearsLedgerRowOut(Out):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    payer_name = fields.String(allow_none=True)
    overdue = Amount()
    bills = fields.Integer()
    oldest_due_on = Day()
    days_past_due = fields.Integer()
    aged_0_30 = Amount()
    aged_31_90 = Amount()
    aged_91_365 = Amount()
    aged_over_365 = Amount()
    case_id = fields.String(allow_none=True)
    stage = fields.String(allow_none=True)
    arrears_class = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    paused = fields.String(allow_none=True)
    late_fee_accrued = Amount()
    late_fee_billed = Amount()
    late_fee_through = Day(allow_none=True)


class ArrearsLedgerOut(Out):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    on = Day()
    today = fields.Boolean()
    accounts = fields.Integer()
    rows = fields.List(fields.Nested(ArrearsLedgerRowOut))
    totals = fields.Nested(ArrearsLedgerTotalsOut)
    by_class = fields.List(fields.Nested(ArrearsLedgerClassOut))


class CurrentRateOut(Out):
    bills = fields.Integer()
    gross = Amount()
    monthly = Amount()
    one_off = Amount()
    cancelled = Amount()
    billed = Amount()
    collected = Amount()
    discounted = Amount()
    written_off = Amount()
    outstanding = Amount()
    rate_percent = Rate()


class ArrearsRateOut(Out):
    bills = fields.Integer()
    brought_forward = Amount()
    cancelled = Amount()
    collected = Amount()
    discounted = Amount()
    written_off = Amount()
    outstanding = Amount()
    rate_percent = Rate()


class LateFeeRateOut(Out):
    bills = fields.Integer()
    billed = Amount()
    collected = Amount()
    outstanding = Amount()


class MonthRateOut(Out):
    month = fields.String()
    first_day = Day()
    last_day = Day()
    complete = fields.Boolean()
    current = fields.Nested(CurrentRateOut)
    arrears = fields.Nested(ArrearsRateOut)
    late_fee = fields.Nested(LateFeeRateOut)


class CollectionRateOut(Out):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    month_from = fields.String()
    month_to = fields.String()
    as_of = Day()
    months = fields.List(fields.Nested(MonthRateOut))


class DunningKindCountOut(Out):
    kind = fields.String()
    count = fields.Integer()


class DunningStageCountOut(Out):
    stage = fields.String()
    count = fields.Integer()


class StewardFiguresOut(Out):
    open_cases = fields.Integer()
    tasks_due = fields.Integer()
    tasks_done = fields.Integer()
    tasks_open = fields.Integer()
    tasks_overdue = fields.Integer()
    actions_total = fields.Integer()
    actions = fields.List(fields.Nested(DunningKindCountOut))
    promises = fields.Integer()
    promised_amount = Amount()
    notices_total = fields.Integer()
    notices = fields.List(fields.Nested(DunningStageCountOut))
    collected = Amount()


class StewardDayOut(StewardFiguresOut):
    #: null: the cases no steward is assigned to
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)


class DailyDunningReportOut(Out):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    day = Day()
    stewards = fields.List(fields.Nested(StewardDayOut))
    totals = fields.Nested(StewardFiguresOut)


class DunningReasonCountOut(Out):
    reason = fields.String(allow_none=True)
    count = fields.Integer()


class WeekCasesOut(Out):
    opened = fields.Integer()
    closed = fields.Integer()
    open_at_end = fields.Integer()
    closed_by_reason = fields.List(fields.Nested(DunningReasonCountOut))


class DunningClassCountOut(Out):
    arrears_class = fields.String()
    cases = fields.Integer()


class WeekPlansOut(Out):
    agreed = fields.Integer()
    broken = fields.Integer()
    completed = fields.Integer()


class DunningStatusCountOut(Out):
    status = fields.String()
    count = fields.Integer()


class WeekLegalOut(Out):
    proposed = fields.Integer()
    reviewed = fields.Integer()
    approved = fields.Integer()
    rejected = fields.Integer()
    done = fields.Integer()
    by_status = fields.List(fields.Nested(DunningStatusCountOut))


class WeekCollectionOut(Out):
    current = Amount()
    arrears = Amount()
    late_fee = Amount()
    total = Amount()


class WeeklyDunningSummaryOut(Out):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    week = fields.String()
    week_start = Day()
    week_end = Day()
    complete = fields.Boolean()
    cases = fields.Nested(WeekCasesOut)
    notices = fields.List(fields.Nested(DunningStageCountOut))
    notices_total = fields.Integer()
    actions = fields.List(fields.Nested(DunningKindCountOut))
    actions_total = fields.Integer()
    promises = fields.Integer()
    collected_on_case_accounts = Amount()
    classes_at_end = fields.List(fields.Nested(DunningClassCountOut))
    plans = fields.Nested(WeekPlansOut)
    legal = fields.Nested(WeekLegalOut)
    collection = fields.Nested(WeekCollectionOut)


class PurposeHeldOut(Out):
    purpose = fields.String()
    deposits = fields.Integer()
    held = Amount()


class UnitDepositsOut(Out):
    account_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    payer_name = fields.String(allow_none=True)
    held = Amount()
    by_purpose = fields.List(fields.Nested(PurposeHeldOut))


class DepositsHeldOut(Out):
    project_id = fields.String()
    project_name = fields.String()
    currency = fields.String()
    as_of = Day()
    units = fields.List(fields.Nested(UnitDepositsOut))
    unit_count = fields.Integer()
    total = Amount()


# -- printed notices (notify, issue 10) ----------------------------------------------------------

#: notify's purposes with a print channel and the print deliveries' states (tests/test_schema_agreement.py)
PRINT_PURPOSES = ["community.event", "dunning_final", "dunning_first", "dunning_second", "outage.notice"]
PRINT_STATUSES = ["queued", "printed"]


class PrintQuery(Schema):
    building_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                                metadata={"description": "one building's notices"})
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PRINT_PURPOSES),
                            metadata={"description": "one purpose's notices (dunning_first, ...)"})
    status = fields.String(load_default="queued", validate=validate.OneOf(PRINT_STATUSES),
                           metadata={"description": "queued (default: still to print) or printed"})
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class PrintBatchQuery(Schema):
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PRINT_PURPOSES),
                            metadata={"description": "only this purpose's queued notices"})


class MarkPrintedIn(Schema):
    delivery_ids = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                               validate=validate.Length(min=1, max=500))


class PrintDeliveryOut(Out):
    delivery_id = fields.String()
    notification_id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    title = fields.String()
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    building_id = fields.String(allow_none=True)
    building_name = fields.String(allow_none=True)
    status = fields.String()
    created_at = DT()
    printed_at = DT(allow_none=True)
    printed_by = fields.String(allow_none=True)


# -- notify's sending policy (issue 10): opt-outs, delivery status, unread counts ----------------------
#: notify's opt-out channels and scopes, and its delivery states (tests/test_schema_agreement.py)
OPT_OUT_CHANNELS = ["sms", "email", "wechat"]
OPT_OUT_SCOPES = ["none", "marketing", "all"]
DELIVERY_STATUSES = ["pending", "queued", "sent", "delivered", "failed", "suppressed", "printed", "cancelled"]


class ChannelPreferenceIn(Schema):
    channel = fields.String(required=True, validate=validate.OneOf(OPT_OUT_CHANNELS),
                            metadata={"description": "sms, email or wechat (the in-app inbox is always kept)"})
    opt_out = fields.String(required=True, validate=validate.OneOf(OPT_OUT_SCOPES), metadata={
        "description": "none; marketing (greetings, community events); all (every message not legally required "
                       "-- dunning and outage notices are sent whatever this says)"})


def _distinct_channels(items: list) -> None:
    channels = [i["channel"] for i in items]
    if len(channels) != len(set(channels)):
        raise ValidationError("each channel at most once")


class PreferencesIn(Schema):
    channels = fields.List(fields.Nested(ChannelPreferenceIn), required=True,
                           validate=[validate.Length(min=1, max=3), _distinct_channels],
                           metadata={"description": "the channels to change; the others are kept"})


class ChannelPreferenceOut(Out):
    channel = fields.String()
    opt_out = fields.String()


class PreferencesOut(Out):
    unit_id = fields.String()
    person_id = fields.String()
    channels = fields.List(fields.Nested(ChannelPreferenceOut))


class DeliveryQuery(Schema):
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DELIVERY_STATUSES),
                           metadata={"description": "pending (queued for the sender), queued (print), sent, "
                                                    "delivered, failed, suppressed, printed"})
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TEMPLATE_CHANNELS))
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TEMPLATE_PURPOSES))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))
    date_from = fields.Date(load_default=None, allow_none=True,
                            metadata={"description": "created on or after this local date (the project's zone)"})
    date_to = fields.Date(load_default=None, allow_none=True,
                          metadata={"description": "created on or before this local date"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("date_to must not be before date_from", "date_to")


class DeliveryStatusOut(Out):
    delivery_id = fields.String()
    notification_id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    kind = fields.String(allow_none=True, metadata={"description": "service, legal or marketing"})
    recipient_kind = fields.String()
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    channel = fields.String()
    status = fields.String()
    address = fields.String(allow_none=True, metadata={"description": "masked"})
    attempts = fields.Integer()
    created_at = DT()
    send_at = DT(allow_none=True)
    next_attempt_at = DT(allow_none=True, metadata={"description": "a pending one's next try (send-at, quiet "
                                                                   "hours, a retry's backoff)"})
    sent_at = DT(allow_none=True)
    printed_at = DT(allow_none=True)
    last_error = fields.String(allow_none=True, metadata={"description": "the last error, or why it was suppressed "
                                                                        "(opted_out, no_address, a limit)"})
    provider_answer = fields.String(allow_none=True, metadata={"description": "the provider's last answer (masked)"})
    provider_message_id = fields.String(allow_none=True)
    reported_status = fields.String(allow_none=True, metadata={
        "description": "what the provider's delivery receipt (回执) said: delivered or failed (held while the "
                       "delivery is still pending)"})
    provider_code = fields.String(allow_none=True, metadata={"description": "the receipt's code (e.g. DELIVRD)"})
    provider_message = fields.String(allow_none=True, metadata={"description": "the receipt's message (masked)"})
    reported_at = DT(allow_none=True, metadata={"description": "the provider's time of the receipt"})
    receipt_at = DT(allow_none=True, metadata={"description": "when the receipt reached us"})
    delivered_at = DT(allow_none=True, metadata={
        "description": "reached the recipient: the provider's receipt (SMS, WeChat); e-mail stays sent"})


class DeliveryPageOut(Out):
    items = fields.List(fields.Nested(DeliveryStatusOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ReceiptsOut(Out):
    """What notify made of a provider's delivery receipts (回执)."""
    channel = fields.String()
    received = fields.Integer(metadata={"description": "reports in the request"})
    applied = fields.Integer(metadata={"description": "deliveries now delivered or failed"})
    held = fields.Integer(metadata={"description": "reports for deliveries not recorded sent yet: applied when "
                                                   "they are"})
    unchanged = fields.Integer(metadata={"description": "the same report again"})
    ignored = fields.Integer(metadata={"description": "against the order (a delivered after failed, ...): never back"})
    unknown = fields.Integer(metadata={"description": "for no delivery of ours: acknowledged, logged"})


class StaffUnreadQuery(Schema):
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))


class UnitUnreadOut(Out):
    unit_id = fields.String()
    unread = fields.Integer()


class StaffUnreadOut(Out):
    project_id = fields.String(allow_none=True)
    unread = fields.Integer()


# -- broadcasts (群发, notify, issue 10) ------------------------------------------------------------

#: notify's broadcast purposes, targets and states (tests/test_schema_agreement.py)
BROADCAST_PURPOSES = ["community.event", "greeting.holiday", "outage.notice", "outage.urgent"]
BROADCAST_TARGETS = ["project", "building", "units"]
BROADCAST_STATES = ["scheduled", "sending", "done", "cancelled"]
BROADCAST_CHANNELS = ["inapp", "sms", "email", "wechat", "print"]
_BROADCAST_ID = validate.Length(min=1, max=64)


class BroadcastIn(Schema):
    purpose = fields.String(required=True, validate=validate.OneOf(BROADCAST_PURPOSES), metadata={
        "description": "outage.notice (planned, legally required), outage.urgent (an outage happening now: legally "
                       "required, an emergency sent in quiet hours too, never scheduled), community.event, "
                       "greeting.holiday (marketing)"})
    target = fields.String(required=True, validate=validate.OneOf(BROADCAST_TARGETS),
                           metadata={"description": "project (every unit), building (building_id) or units (unit_ids)"})
    building_id = fields.String(load_default=None, allow_none=True, validate=_BROADCAST_ID)
    unit_ids = fields.List(fields.String(validate=_BROADCAST_ID), load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=10000))
    values = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)),
                         values=fields.String(validate=[validate.Length(min=1, max=500), v.ONE_LINE]),
                         required=True, validate=validate.Length(max=20), metadata={
                             "description": "the template's values: every placeholder of the purpose but "
                                            "project_name (outage.notice: outage_label, area_label, starts_at, "
                                            "ends_at, reason, service_phone (outage.urgent the same); "
                                            "community.event: event_title, "
                                            "event_at, event_place, event_details; greeting.holiday: holiday_name)"})
    channels = fields.List(fields.String(validate=validate.OneOf(BROADCAST_CHANNELS)), required=True,
                           validate=validate.Length(min=1, max=5),
                           metadata={"description": "a subset of the purpose's channels"})
    send_at = v.AwareDateTime(load_default=None, allow_none=True,
                              metadata={"description": "when to start sending (default: now)"})


class BroadcastQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class BroadcastDeliveriesOut(Out):
    channel = fields.String()
    status = fields.String()
    count = fields.Integer()


class BroadcastOut(Out):
    id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    target = fields.String()
    building_id = fields.String(allow_none=True)
    values = fields.Dict(keys=fields.String(), values=fields.String())
    channels = fields.List(fields.String())
    send_at = DT()
    status = fields.String(metadata={"description": "scheduled | sending | done | cancelled"})
    created_at = DT()
    created_by = fields.String()
    cancelled_at = DT(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    total_units = fields.Integer()
    units_done = fields.Integer()
    chunks = fields.Integer()
    chunks_done = fields.Integer()
    notifications = fields.Integer(metadata={"description": "messages made so far (units' inboxes and persons)"})
    deliveries = fields.List(fields.Nested(BroadcastDeliveriesOut), allow_none=True, metadata={
        "description": "by channel and status (pending, sent, delivered, failed, suppressed, cancelled, queued); "
                       "null in lists"})



# -- archive: people, leases, checklist, move-out, transfer (issue 11: wt/people) ----------------------


class NewPersonIn(PersonIn):
    """A person joining the household; a tenant names the lease they join."""
    lease_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    reason = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class TenantIn(PersonIn):
    role = fields.String(load_default="tenant", validate=validate.OneOf(["tenant"]))


class LeaseIn(LeaseTermsIn):
    """租户情况记录表: a lease with its tenants."""
    start_on = v.Date(required=True)
    end_on = v.Date(required=True)
    tenants = fields.List(fields.Nested(TenantIn), required=True, validate=validate.Length(min=1, max=20))


class LeaseEndIn(Schema):
    ended_on = v.Date(required=True)
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class PersonChangeIn(Schema):
    """Only the fields sent change; each change is recorded (who, what, from, to, when)."""
    name = fields.String(validate=[validate.Length(min=1), v.NAME])
    role = fields.String(validate=validate.OneOf(["owner", "family", "tenant", "emergency_contact"]))
    relation = fields.String(allow_none=True, validate=[validate.Length(max=40), v.NAME])
    phone = fields.String(allow_none=True, validate=PHONE)
    email = fields.Email(allow_none=True)
    id_type = fields.String(allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(allow_none=True, validate=ID_NUMBER)
    locale = fields.String(validate=validate.OneOf(["zh-CN", "en"]))
    employer = fields.String(allow_none=True, validate=v.TITLE)
    lease_id = fields.String(allow_none=True, validate=validate.Length(max=36))
    reason = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE],
                           metadata={"description": "why (goes into the history)"})

    @validates_schema
    def _document(self, data, **_):
        if data.get("id_number") is not None:
            v.check_id_document(data)


class PersonRemoveIn(Schema):
    reason = fields.String(required=True, validate=v.PURPOSE)


class ChecklistTickIn(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["present", "missing"]))
    note = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=400), v.NOTE])


class HandoverIn(Schema):
    """The desk's move-out checklist (迁出): keys, fees (as finance confirmed), meters, the deposit."""
    keys_returned = v.StrictBoolean(load_default=False)
    fees_settled = v.StrictBoolean(load_default=False)
    fees_confirmed_by = fields.String(load_default="", validate=v.Text(100, blank=True),
                                      metadata={"description": "who in finance confirmed it (财务确认人)"})
    meter_readings_recorded = v.StrictBoolean(load_default=False)
    deposit_handling = fields.String(required=True, validate=validate.OneOf(DEPOSIT_HANDLING))
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class MoveOutIn(HandoverIn):
    moved_out_on = v.Date(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(MOVE_OUT_REASONS))


class TransferHouseholdIn(Schema):
    id = fields.String(validate=validate.Length(min=1, max=36))
    by_proxy = fields.Boolean(load_default=False)
    people = fields.List(fields.Nested(PersonIn), required=True, validate=validate.Length(min=1, max=30))
    documents_received = fields.List(fields.String(validate=_RECEIVED_TYPE), load_default=list,
                                     validate=validate.Length(max=50), metadata={
        "description": "types of the project's document catalogue, section move_in (by default: "
                       + ", ".join(MOVE_IN_DOCUMENTS) + ")"})

    @validates("people")
    def _an_owner(self, people, **_):
        if not any(p.get("role") == "owner" for p in people):
            raise ValidationError("The new household names its owners (at least one owner).")


class TransferIn(Schema):
    """过户: the unit passes to new owners on a date, with its documents."""
    transferred_on = v.Date(required=True)
    acquired_by = fields.String(load_default="transfer", validate=validate.OneOf(ACQUISITIONS))
    household = fields.Nested(TransferHouseholdIn, required=True)
    documents_received = fields.List(fields.String(validate=_RECEIVED_TYPE), load_default=list,
                                     validate=validate.Length(max=50), metadata={
        "description": "types of the project's document catalogue, section transfer (by default: "
                       + ", ".join(TRANSFER_DOCUMENTS) + ")"})
    handover = fields.Nested(HandoverIn, load_default=None, allow_none=True,
                             metadata={"description": "the current household's move-out checklist (if there is one)"})


class PersonViewOut(Out):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    relation = fields.String(allow_none=True)
    locale = fields.String()
    phone = fields.String(allow_none=True, metadata={"description": "masked unless the role needs it"})
    email = fields.String(allow_none=True)
    id_type = fields.String(allow_none=True)
    id_number = fields.String(allow_none=True, metadata={"description": "always masked here"})
    employer = fields.String(allow_none=True)
    lease_id = fields.String(allow_none=True)


class LeaseOut(Out):
    id = fields.String()
    household_id = fields.String()
    unit_id = fields.String()
    landlord_person_id = fields.String(allow_none=True)
    landlord_name = fields.String()
    start_on = fields.String(metadata={"format": "date"})
    end_on = fields.String(allow_none=True, metadata={"format": "date"})
    tenant_count = fields.Integer()
    purpose = fields.String()
    status = fields.String(metadata={"description": "active | ended"})
    ended_on = fields.String(allow_none=True, metadata={"format": "date"})
    tenant_names = fields.String()
    note = fields.String()


class PeopleOut(Out):
    household_id = fields.String()
    unit_id = fields.String()
    status = fields.String()
    people = fields.List(fields.Nested(PersonViewOut))
    leases = fields.List(fields.Nested(LeaseOut))


class PersonChangedOut(PersonViewOut):
    changed = fields.List(fields.String(), metadata={"description": "the fields that changed"})


class PersonChangeOut(Out):
    person_id = fields.String()
    person_name = fields.String()
    action = fields.String(metadata={"description": "added | changed | removed"})
    field = fields.String(allow_none=True)
    old_value = fields.String(allow_none=True, metadata={"description": "phones masked unless the role needs "
                                                                        "them; ID numbers always masked"})
    new_value = fields.String(allow_none=True)
    reason = fields.String()
    changed_by = fields.String()
    changed_by_name = fields.String()
    changed_at = DT()
    erased_at = DT(allow_none=True, metadata={
        "description": "set when the retention erasure blanked the values ([erased]) and reduced the name"})


class ChecklistItemOut(Out):
    id = fields.String()
    doc_type = fields.String()
    label = fields.String()
    label_en = fields.String(metadata={"description": "the English label"})
    section = fields.String(metadata={"description": "move_in | transfer"})
    status = fields.String(metadata={"description": "present | missing"})
    received_at = DT(allow_none=True)
    received_by = fields.String(allow_none=True)
    received_by_name = fields.String(allow_none=True)
    note = fields.String()


class MoveOutOut(Out):
    household = fields.Nested(HouseholdOut)
    move_out = fields.Nested(MoveOutRecordOut)


class OwnerOut(Out):
    person_id = fields.String(allow_none=True)
    name = fields.String()


class OwnershipDocumentOut(Out):
    id = fields.String()
    doc_type = fields.String()
    status = fields.String(metadata={"description": "present | missing (now)"})


class OwnershipOut(Out):
    id = fields.String()
    unit_id = fields.String()
    household_id = fields.String(allow_none=True)
    owners = fields.List(fields.Nested(OwnerOut))
    from_on = fields.String(metadata={"format": "date"})
    to_on = fields.String(allow_none=True, metadata={"format": "date", "description": "null: the current owners"})
    acquired_by = fields.String(metadata={"description": "purchase | transfer | inheritance | gift"})
    documents = fields.List(fields.Nested(OwnershipDocumentOut))
    previous_id = fields.String(allow_none=True)
    recorded_at = DT()


class TransferOut(Out):
    ownership = fields.Nested(OwnershipOut)
    household = fields.Nested(HouseholdOut)
    old_household_id = fields.String(allow_none=True, metadata={
        "description": "the old owners' household that moved out (null: the unit was vacant); its "
                       "residents' accounts lose the unit with this answer"})
    old_household = fields.Nested(HouseholdOut, allow_none=True)
# == documents of a household file (issue 11, area "documents") =====================================

DOC_SECTIONS = ["move_in", "lease", "transfer", "renovation", "other"]
DOC_CONDITIONS = ["always", "by_proxy", "has_tenant", "section"]
_DOC_TYPE = validate.Regexp(r"^[a-z][a-z0-9_]{1,59}$", error="a document type: lower-case letters, digits, _")


class DocumentUploadForm(Schema):
    """The fields of a multipart upload besides ``file``."""
    class Meta:
        unknown = EXCLUDE

    doc_type = fields.String(required=True, validate=_DOC_TYPE)
    title = fields.String(load_default=None, validate=v.TITLE)
    note = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class DocumentListQuery(Schema):
    doc_type = fields.String(load_default=None, validate=_DOC_TYPE,
                             metadata={"description": "only this type's versions"})
    purpose = AskedPurpose(load_default=None, validate=v.PURPOSE, metadata={
        "description": "why they are read; logged (业户档案查阅记录). Required of staff; a resident reading "
                       "their own household's may leave it out"})


class DocumentReadQuery(Schema):
    purpose = AskedPurpose(load_default=None, validate=v.PURPOSE, metadata={
        "description": "why it is read; logged (业户档案查阅记录). Required of staff; a resident reading "
                       "their own household's may leave it out"})


class FileCatalogueItemOut(FileDocumentOut):
    pass


class FileCatalogueOut(Out):
    household_id = fields.String()
    project_id = fields.String()
    source = fields.String(metadata={"enum": ["group_default", "project"]})
    items = fields.List(fields.Nested(FileCatalogueItemOut))
    missing = fields.List(fields.String())


class CatalogueEntryIn(Schema):
    section = fields.String(required=True, validate=validate.OneOf(DOC_SECTIONS[:-1]))
    doc_type = fields.String(required=True, validate=_DOC_TYPE)
    title = fields.String(required=True, validate=v.TITLE)
    condition = fields.String(load_default="always", validate=validate.OneOf(DOC_CONDITIONS), metadata={
        "description": "always; by_proxy (moved in through an agent); has_tenant; section (once the file holds "
                       "anything of the section)"})


class CatalogueIn(Schema):
    """The project's whole catalogue of expected documents, in order."""
    entries = fields.List(fields.Nested(CatalogueEntryIn), required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(load_default="", validate=[validate.Length(max=400), v.NOTE])


class CatalogueEntryOut(Out):
    section = fields.String()
    doc_type = fields.String()
    title = fields.String()
    title_en = fields.String(metadata={"description": "the English title (the default catalogue's types)"})
    condition = fields.String()


class ProjectCatalogueOut(Out):
    project_id = fields.String()
    source = fields.String(metadata={"enum": ["group_default", "project"]})
    entries = fields.List(fields.Nested(CatalogueEntryOut))
# -- archive: access to household files (查阅授权与查阅记录, issue 11) ------------------------------------

GRANT_SCOPES = ["household", "unit", "project"]
GRANT_STATES = ["pending", "active", "expired", "revoked"]
_GID = validate.Length(min=1, max=36)


class GrantIn(Schema):
    """查阅授权 (CS manager): a staff member of the project may read one household's file (scope
    household), the file of a unit's current household (unit), or -- export only -- take the project's
    contacts out as a file (project), for a purpose, from valid_from (default now) until valid_until (at
    most archive.grant_longest_days, 30)."""
    grantee_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"description": "the user id of an active staff member of the project"})
    scope = fields.String(required=True, validate=validate.OneOf(GRANT_SCOPES))
    household_id = fields.String(load_default=None, allow_none=True, validate=_GID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_GID)
    purpose = fields.String(required=True, validate=v.PURPOSE)
    valid_from = v.AwareDateTime(load_default=None, allow_none=True)
    valid_until = v.AwareDateTime(required=True)
    read = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "read the file; left out: true for scope household or unit, false for scope project "
                       "(a project grant is for the export only)"})
    export = fields.Boolean(load_default=False, metadata={"description": "export personal data (contacts) in bulk"})
    unmasked = fields.Boolean(load_default=False, metadata={
        "description": "phones and ID numbers in full (else masked per the grantee's role)"})

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
    reason = fields.String(required=True, validate=v.PURPOSE)


class GrantQuery(Schema):
    grantee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    household_id = fields.String(load_default=None, allow_none=True, validate=_GID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_GID)
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(GRANT_STATES))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class GrantOut(Out):
    id = fields.String()
    project_id = fields.String()
    grantee_id = fields.String()
    grantee_name = fields.String()
    scope = fields.String(metadata={"enum": GRANT_SCOPES})
    household_id = fields.String(allow_none=True)
    unit_id = fields.String(allow_none=True)
    purpose = fields.String()
    valid_from = DT()
    valid_until = DT()
    read = fields.Boolean()
    export = fields.Boolean()
    unmasked = fields.Boolean()
    state = fields.String(metadata={"enum": GRANT_STATES})
    granted_by_id = fields.String()
    granted_by_name = fields.String()
    granted_at = DT()
    revoked_at = DT(allow_none=True)
    revoked_by_id = fields.String(allow_none=True)
    revoked_by_name = fields.String(allow_none=True)
    revoke_reason = fields.String(allow_none=True)


class GrantPageOut(Out):
    items = fields.List(fields.Nested(GrantOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class AccessLogCsvQuery(Schema):
    """The access log's filters: reader, household (file), unit, outcome, what, days (the project's calendar)."""
    reader_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    household_id = fields.String(load_default=None, allow_none=True, validate=_GID)
    unit_id = fields.String(load_default=None, allow_none=True, validate=_GID)
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["allowed", "refused"]))
    what = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=80))
    date_from = v.Date(load_default=None, allow_none=True)
    date_to = v.Date(load_default=None, allow_none=True)

    @validates_schema
    def _days_in_order(self, data, **_):
        v.check_period(data, "date_from", "date_to", max_days=3660)


class AccessLogQuery(AccessLogCsvQuery):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=1000))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class AccessLogPageOut(Out):
    items = fields.List(fields.Nested(AccessLogOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ContactsExportQuery(Schema):
    purpose = AskedPurpose(load_default=None, validate=v.PURPOSE,
                            metadata={"description": "why the contacts leave; logged (业户档案查阅记录)"})


# -- census (issue 11, area "census"): stewards' areas, census tasks, retention purges, household summary --

CENSUS_STATES = ["open", "due", "overdue", "done", "cancelled", "all"]


class StewardAssignIn(Schema):
    """管家片区: the steward of a building (no unit_id) or of one unit (overriding its building's)."""
    building_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36),
                            metadata={"description": "a unit of the building: its own steward"})
    steward_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                               metadata={"description": "an active steward of the project (user id)"})
    work_phone = fields.String(load_default=None, allow_none=True, validate=PHONE,
                               metadata={"description": "the steward's work number, published to residents"})


class StewardRemoveIn(Schema):
    building_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))


class StewardAreaOut(Out):
    assignment_id = fields.String()
    project_id = fields.String()
    building_id = fields.String()
    unit_id = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True, metadata={"description": "null: removed"})
    steward_name = fields.String(allow_none=True)
    work_phone = fields.String(allow_none=True)
    assigned_at = DT()
    assigned_by = fields.String()
    version = fields.Integer()
    changed = fields.Boolean(metadata={"description": "false: the same assignment was already in place"})


class StewardForUnitOut(Out):
    unit_id = fields.String()
    building_id = fields.String()
    steward_id = fields.String()
    steward_name = fields.String()
    work_phone = fields.String(allow_none=True)
    source = fields.String(metadata={"description": "unit: the unit's own steward; building: its building's"})
    assigned_at = DT()


class CensusQuery(Schema):
    """Census tasks (services/archive/schemas.py CensusQuery)."""
    state = fields.String(load_default="open", validate=validate.OneOf(CENSUS_STATES),
                          metadata={"description": "open; due: open, not past its due date; overdue: open and past "
                                                   "it; done: confirmed or corrected; cancelled; all"})
    steward_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100),
                               metadata={"description": "a steward's user id, or unassigned"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class CensusConfirmIn(Schema):
    note = fields.String(load_default="", validate=v.NOTE)


class CensusPersonIn(Schema):
    """A correction of one person of the household: only the fields given change."""
    person_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    name = fields.String(validate=[validate.Length(min=1), v.NAME])
    phone = fields.String(allow_none=True, validate=PHONE)
    email = fields.Email(allow_none=True)
    locale = fields.String(validate=validate.OneOf(["zh-CN", "en"]))
    marketing_consent = fields.Boolean(allow_none=False, metadata={
        "description": "the person agrees to marketing messages (greetings, community events)"})


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


class CensusWhoOut(Out):
    user_id = fields.String()
    name = fields.String()


class CensusChangeOut(Out):
    person_id = fields.String()
    changed = fields.List(fields.String(), metadata={"description": "the fields corrected (never their values)"})


class CensusConsentsOut(Out):
    marketing = fields.Boolean(allow_none=True, metadata={"description": "null: never asked (counts as no)"})


class CensusContactOut(Out):
    person_id = fields.String()
    name = fields.String()
    role = fields.String()
    locale = fields.String()
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    consents = fields.Nested(CensusConsentsOut)


class CensusHouseholdOut(Out):
    household_id = fields.String(allow_none=True)
    unit_id = fields.String()
    status = fields.String(allow_none=True)
    masked = fields.Boolean()
    people = fields.List(fields.Nested(CensusContactOut))


class CensusTaskOut(Out):
    id = fields.String()
    project_id = fields.String()
    household_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    due_on = Day()
    status = fields.String(metadata={"description": "open, confirmed, corrected, cancelled"})
    overdue = fields.Boolean()
    steward = fields.Nested(CensusWhoOut, allow_none=True)
    created_at = DT()
    done_on = Day(allow_none=True)
    done_at = DT(allow_none=True)
    done_by = fields.Nested(CensusWhoOut, allow_none=True)
    note = fields.String()
    changes = fields.List(fields.Nested(CensusChangeOut))
    next_due_on = Day(allow_none=True, metadata={"description": "done: the next census falls due (from this one's date)"})
    version = fields.Integer()
    household = fields.Nested(CensusHouseholdOut, metadata={"description": "one task read by id: its household"})


class CensusPageOut(Out):
    total = fields.Integer()
    items = fields.List(fields.Nested(CensusTaskOut))


class CensusStewardOut(Out):
    steward_id = fields.String(allow_none=True, metadata={"description": "null: units without a steward"})
    steward_name = fields.String()
    open = fields.Integer()
    overdue = fields.Integer()
    oldest_due_on = Day(allow_none=True)


class RetentionPurgeQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class RetentionPurgeOut(Out):
    """保管期限到期清除记录 -- no personal data."""
    id = fields.String()
    project_id = fields.String()
    rule = fields.String(metadata={"description": "the setting applied"})
    keep_years = fields.Integer()
    kind = fields.String(metadata={"description": "household_file:<kind>, project_file:<kind>, household_personal_data"})
    cutoff = DT()
    count = fields.Integer()
    refs = fields.List(fields.String(), metadata={"description": "ticket numbers; household ids for erasures"})
    oldest = Day()
    newest = Day()
    purged_at = DT()
    job_key = fields.String()
    changes_erased = fields.Integer(metadata={"description": "an erasure's contact-history rows blanked (0 otherwise)"})
    documents_erased = fields.Integer(metadata={
        "description": "an erasure's document versions whose content was erased (0 otherwise)"})


class SummaryUnitOut(Out):
    id = fields.String()
    project_id = fields.String()
    building_id = fields.String()
    label = fields.String()
    building_area = fields.String()
    usage = fields.String()


class SummaryHouseholdOut(Out):
    id = fields.String()
    status = fields.String()
    moved_in_on = Day(allow_none=True)
    people_by_role = fields.Dict(keys=fields.String(), values=fields.Integer())
    owners = fields.List(fields.String())
    names_masked = fields.Boolean()
    balance_due = Amount(allow_none=True)
    balance_as_of = DT(allow_none=True)


class SummaryOpenTaskOut(Out):
    id = fields.String()
    due_on = Day()
    overdue = fields.Boolean()


class SummaryCensusOut(Out):
    open_task = fields.Nested(SummaryOpenTaskOut, allow_none=True)
    last_done_on = Day(allow_none=True)
    next_due_on = Day(allow_none=True)


class HouseholdSummaryOut(Out):
    unit = fields.Nested(SummaryUnitOut)
    household = fields.Nested(SummaryHouseholdOut, allow_none=True)
    steward = fields.Nested(StewardForUnitOut, allow_none=True)
    census = fields.Nested(SummaryCensusOut, allow_none=True, metadata={"description": "staff only"})


# -- goods releases (物品放行, tickets' domain/goods_release.py) -------------------------------

class NoFieldsIn(Schema):
    """The body of a write that takes no fields (printing the goods pass): left out, or ``{}``; any field
    is refused (400 ``invalid_input``, ``Unknown field.``) as on every route, never ignored."""


GOODS_RELEASE_ACTIONS = ("verify", "approve", "issue", "use", "void")
GOODS_REQUESTER_ROLES = ("owner", "family", "tenant", "agent")


class GoodsItemIn(Schema):
    """One line of a goods release: what leaves and how many (搬离物品名称/数量)."""
    name = fields.String(required=True, validate=v.Text(100))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 9999))


class OwnerConsentIn(Schema):
    """The owner's consent to a tenant's or an agent's release (核实业主意见): the owner's name, how
    (in_person with the owner's document / by_phone) and the owner's ID number -- matched with the
    household file at verify (archive's match_identity, counted), kept masked."""
    name = fields.String(required=True, validate=v.NAME)
    how = fields.String(required=True, validate=validate.OneOf(["in_person", "by_phone"]))
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(load_default=None, allow_none=True, validate=v.ID_NUMBER_TEXT)
    note = fields.String(load_default="", validate=v.NOTE)


class IdentityCheckIn(Schema):
    """The identity check (核查业主资料): in_person -- the ID document seen (id_type and number);
    by_phone -- the ID number, the family members and the employer the caller named; and whether it
    matched the household file (false is refused). The number is kept masked only."""
    method = fields.String(required=True, validate=validate.OneOf(("in_person", "by_phone")))
    person_name = fields.String(required=True, validate=v.NAME)
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(required=True, validate=v.ID_NUMBER_TEXT)   # check digit: 422 (domain)
    family_members = fields.List(fields.String(validate=v.NAME), load_default=list,
                                 validate=validate.Length(max=20))
    employer = fields.String(load_default=None, allow_none=True, validate=v.Text(200))
    matched_archive = v.StrictBoolean(required=True)
    attested = v.StrictBoolean(load_default=False, metadata={
        "description": "in person only: the file holds no ID number for the person (422 id_number_not_on_file); "
                       "the desk attests the document it saw (recorded matched_archive: false)"})
    note = fields.String(load_default="", validate=v.NOTE)

    @validates_schema
    def _method(self, data, **_):
        if data["method"] == "in_person" and not data.get("id_type"):
            raise ValidationError("An in-person check names the document seen (id_type).", "id_type")
        if data["method"] == "by_phone":
            # family_members: [] only for a one-person household (compared with the file, 422 otherwise)
            if not data.get("employer"):
                raise ValidationError("A check by phone names the employer (工作单位).", "employer")


class GoodsReleaseIn(Schema):
    """A goods release (物品放行单): unit, requester and their role in the household, mover and ID,
    items, moving time; staff may record the identity check with it (a resident may not)."""
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    requester_name = fields.String(load_default=None, allow_none=True, validate=v.NAME)
    requester_role = fields.String(required=True, validate=validate.OneOf(GOODS_REQUESTER_ROLES))
    owner_consent = fields.Nested(OwnerConsentIn, load_default=None, allow_none=True)
    mover_name = fields.String(required=True, validate=v.NAME)
    mover_id_type = fields.String(required=True, validate=v.ID_TYPE)
    mover_id_number = fields.String(required=True, validate=v.ID_NUMBER)
    items = fields.List(fields.Nested(GoodsItemIn), required=True, validate=validate.Length(min=1, max=200))
    move_at = v.AwareDateTime(required=True)
    note = fields.String(load_default="", validate=v.NOTE)
    identity = fields.Nested(IdentityCheckIn, load_default=None, allow_none=True)

    @validates_schema
    def _document(self, data, **_):
        v.check_id_document(data, "mover_id_type", "mover_id_number")


class GoodsReleaseVerifyIn(Schema):
    identity = fields.Nested(IdentityCheckIn, load_default=None, allow_none=True)
    owner_consent = fields.Nested(OwnerConsentIn, load_default=None, allow_none=True)

    @validates_schema
    def _needs(self, data, **_):
        if not data.get("identity"):
            raise ValidationError("verify records the identity check.", "identity")


class GoodsReleaseNoteIn(Schema):
    note = fields.String(load_default="", validate=v.NOTE)


class GoodsReleaseVoidIn(Schema):
    reason = fields.String(required=True, validate=v.Text(1000, one_line=False))


class GoodsReleaseWithdrawIn(Schema):
    """撤回: the resident who asked, or the desk, before finance signs."""
    reason = fields.String(load_default=None, allow_none=True, validate=v.Text(1000, one_line=False))


class IdentityUnlockIn(Schema):
    """解除核验锁定: why the unit's identity-match lock is lifted (logged)."""
    reason = fields.String(required=True, validate=v.Text(400))


class _UnlockedBy(Out):
    user_id = fields.String()
    name = fields.String()


class IdentityUnlockOut(Out):
    unit_id = fields.String()
    unit_label = fields.String()
    unlocked_at = DT()
    failures_lifted = fields.Integer()
    unlocked_by = fields.Nested(_UnlockedBy)


class GoodsReleaseQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class _GrWho(Out):
    user_id = fields.String(allow_none=True)
    name = fields.String()


class _GrRequester(Out):
    name = fields.String()
    role = fields.String()
    user_id = fields.String(allow_none=True)
    person_id = fields.String(allow_none=True, metadata={
        "description": "a resident's own request: the person of the household file he is (archive's answer)"})


class _GrReviewed(Out):
    user_id = fields.String(allow_none=True)
    name = fields.String()
    at = DT()
    note = fields.String(allow_none=True)


class _GrMover(Out):
    name = fields.String()
    id_type = fields.String()
    id_number_masked = fields.String()


class _GrConsent(Out):
    name = fields.String()
    how = fields.String()
    note = fields.String(allow_none=True)
    id_type = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    matched_archive = fields.Boolean(allow_none=True)
    checked_by = fields.String(allow_none=True)
    checked_at = fields.String(allow_none=True)


class _GrIdentity(Out):
    method = fields.String()
    person_name = fields.String()
    id_type = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    family_members = fields.List(fields.String())
    employer = fields.String(allow_none=True)
    matched_archive = fields.Boolean()
    attested = fields.Boolean(allow_none=True)
    household_role = fields.String(allow_none=True, metadata={"description": "the checked person's role in the household file"})
    checked_by = fields.Nested(_GrWho)
    checked_at = DT()
    note = fields.String()
    reviewed = fields.Nested(_GrReviewed, allow_none=True, metadata={
        "description": "an attested check: the supervisor who approved it (主管复核; never who attested)"})


class _GrFees(Out):
    unpaid = Amount()
    balance_due = Amount()
    overdue = Amount()
    as_of = fields.String(allow_none=True)
    block_on = fields.String()
    checked_at = DT()


class _GrItem(Out):
    name = fields.String()
    quantity = fields.Integer()


class _GrLogged(Out):
    at = DT()
    action = fields.String()
    actor = fields.Nested(_GrWho)
    note = fields.String()


class GoodsReleaseOut(Out):
    """A goods release (物品放行单) with its pass number once issued, the identity check (the numbers
    masked), billing's answer at the last fee check, finance's signature, the gate and any void."""
    id = fields.String()
    release_id = fields.String(metadata={"description": "the same as id (kept for older clients)"})
    group_id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    household_id = fields.String(allow_none=True)
    number = fields.String(allow_none=True, metadata={"description": "FX-YYYYMMDD-NNNN, once issued"})
    status = fields.String(metadata={"description": "requested | verified | approved | issued | used | voided | "
                                                    "withdrawn"})
    move_day = fields.String(allow_none=True, metadata={"description": "the gate's list: the local day of move_at"})
    requester = fields.Nested(_GrRequester)
    owner_consent = fields.Nested(_GrConsent, allow_none=True)
    mover = fields.Nested(_GrMover)
    items = fields.List(fields.Nested(_GrItem))
    move_at = DT()
    note = fields.String()
    identity = fields.Nested(_GrIdentity, allow_none=True)
    fees = fields.Nested(_GrFees, allow_none=True)
    finance_signed = fields.Nested(_GrWho, allow_none=True)
    finance_signed_at = DT(allow_none=True)
    issued = fields.Nested(_GrWho, allow_none=True)
    issued_at = DT(allow_none=True)
    used = fields.Nested(_GrWho, allow_none=True)
    used_at = DT(allow_none=True)
    voided = fields.Nested(_GrWho, allow_none=True)
    voided_at = DT(allow_none=True)
    void_reason = fields.String(allow_none=True)
    printed = fields.Nested(_GrWho, allow_none=True, metadata={"description": "who printed the pass first"})
    printed_at = DT(allow_none=True, metadata={"description": "when the pass was first printed"})
    print_count = fields.Integer(metadata={"description": "how many times the pass was printed (POST "
                                                          "/goods-releases/{id}/prints); from the second: 补打"})
    recorded_at = DT()
    version = fields.Integer()
    history = fields.List(fields.Nested(_GrLogged))


class GoodsReleaseListOut(Out):
    items = fields.List(fields.Nested(GoodsReleaseOut))


class GoodsReleaseDayQuery(Schema):
    """The gate's list of a project's passes (the read model)."""
    day = fields.Date(load_default=None, allow_none=True,
                      metadata={"description": "the move day: the project's local day of move_at (YYYY-MM-DD)"})
    issued_day = fields.Date(load_default=None, allow_none=True,
                             metadata={"description": "the project's local day of issue (YYYY-MM-DD)"})
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["issued", "used", "voided"]))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class GoodsReleasePageOut(Out):
    items = fields.List(fields.Nested(GoodsReleaseOut))
    total = fields.Integer()


# -- keys (钥匙) and vacant units (空置房): tickets' domain/keys.py, domain/vacant.py (issue 12) -------

#: a key's states and movements (services/tickets/domain/keys.py STATES, ACTIONS)
KEY_STATES = ["received_from_developer", "in_store", "collected_by_owner", "deposited_by_owner", "loan_requested",
              "lent"]
KEY_MOVES = ["store", "collect", "deposit", "request_loan", "approve_loan", "refuse_loan", "return", "owner_consent",
             "withdraw_consent", "take_deposit"]
VACANT_RESULTS = ["ok", "defect", "crack"]
_KEY_REF = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=100), v.ONE_LINE])


class KeyReceiveIn(Schema):
    """The developer hands over a unit's key (钥匙交接; services/tickets/schemas.py KeyReceiveIn)."""
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    label = fields.String(load_default="入户门钥匙", validate=v.NAME,
                          metadata={"description": "which key: 入户门钥匙, 信报箱钥匙, ... (one per label and unit)"})
    copies = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 50))
    name = fields.String(load_default=None, allow_none=True, validate=v.NAME,
                         metadata={"description": "who handed it over (the developer's supervision department)"})
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class KeyMoveIn(Schema):
    """One movement of a key with the papers it needs: collect -- name, id_type and id_number,
    contract_ref, receipt_ref (an owner of the unit in the household file; taking back a deposited key:
    name and ID only); deposit -- name, id_type, id_number; request_loan -- name, id_type, id_number,
    purpose (a contractor: proof_ref, the developer's written proof; a deposited key: the person its owner
    consented to); owner_consent -- the owner's name, id_type, id_number (in person) and who may borrow
    the deposited key: borrower_name, borrower_id_type, borrower_id_number; withdraw_consent -- the owner's
    name, id_type, id_number; take_deposit -- deposit_id
    (billing's key deposit, a flagged borrower's); approve_loan / refuse_loan / return / store -- a note.
    ID numbers are kept and answered masked only."""
    action = fields.String(required=True, validate=validate.OneOf(KEY_MOVES))
    borrower_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["borrower", "contractor"]))
    name = fields.String(load_default=None, allow_none=True, validate=v.NAME)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    #: the document seen (证件类型) -- needed with its number; a resident ID's check digit is checked
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(load_default=None, allow_none=True, validate=v.ID_NUMBER_TEXT)
    contract_ref = _KEY_REF
    receipt_ref = _KEY_REF
    proof_ref = _KEY_REF
    deposit_id = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=64), v.ONE_LINE],
                               metadata={"description": "take_deposit: billing's deposit (POST /units/{id}/deposits, "
                                                        "purpose key, on the key's unit)"})
    borrower_name = fields.String(load_default=None, allow_none=True, validate=v.NAME,
                                  metadata={"description": "owner_consent: who the owner lets borrow the key"})
    borrower_id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    borrower_id_number = fields.String(load_default=None, allow_none=True, validate=v.ID_NUMBER_TEXT)
    purpose = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), v.FREE_TEXT])
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)

    @validates_schema
    def _document(self, data, **kwargs):
        """An ID number comes with its document's type (a 17-digit number is no passport by default)."""
        for type_field, number_field in (("id_type", "id_number"), ("borrower_id_type", "borrower_id_number")):
            if data.get(number_field) is not None and not data.get(type_field):
                raise ValidationError("The identity document's type is needed with its number.", type_field)
            v.check_id_document(data, type_field, number_field)


class KeyListQuery(Schema):
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(KEY_STATES))


class KeysOutQuery(Schema):
    overdue = fields.Boolean(load_default=False, metadata={"description": "only those past their due time"})


class CopiesFoundIn(Schema):
    """A key counted by its copies (a key has ``copies``: 2 of 2, 1 of 2 found)."""
    key_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    copies = fields.Integer(required=True, strict=True, validate=validate.Range(0, 50))


class StockCheckIn(Schema):
    """A count of the key store: the ids of the keys found there (the register says which should be)."""
    kind = fields.String(load_default="monthly", validate=validate.OneOf(["monthly", "spot"]),
                         metadata={"description": "monthly: the stock-check (front desk); spot: the CS manager's "
                                                  "spot-check (meets the month's task, due the 25th)"})
    found = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                        validate=validate.Length(max=5000))
    copies_found = fields.List(fields.Nested(CopiesFoundIn), load_default=list, validate=validate.Length(max=5000),
                               metadata={"description": "keys found with fewer copies than the register's (0: "
                                                        "none found) -- a key listed here need not be in found"})
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class StockCheckQuery(Schema):
    month = fields.String(load_default=None, allow_none=True, validate=v.Month())


class KeyDepositOut(Out):
    """A loan's key deposit (押金, a borrower who returned a key late before) and, kept after a late return
    again, the CS manager's decision on it (release / forfeit: who, when, the note)."""
    status = fields.String(metadata={"description": "as the loan's deposit_status: not_required | due | held | "
                                                    "release_requested | kept | forfeit_requested"})
    required = fields.Boolean()
    amount = Amount(allow_none=True)
    receipt = fields.String(allow_none=True)
    taken_by = fields.String(allow_none=True)
    taken_at = DT(allow_none=True)
    released_at = DT(allow_none=True)
    decision = fields.String(allow_none=True, metadata={"description": "the CS manager's on a kept deposit: "
                                                                      "release | forfeit (none yet: null)"})
    decided_by = fields.String(allow_none=True)
    decided_at = DT(allow_none=True)
    decision_note = fields.String(allow_none=True)


class KeyMovementOut(Out):
    id = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    at = DT()
    by = fields.String()
    party_kind = fields.String(allow_none=True)
    party_name = fields.String(allow_none=True)
    party_phone = fields.String(allow_none=True)
    party_id_type = fields.String(allow_none=True)
    party_id_number = fields.String(allow_none=True, metadata={"description": "masked (1101**********1233): the whole number is only in the household file"})
    contract_ref = fields.String(allow_none=True)
    receipt_ref = fields.String(allow_none=True)
    proof_ref = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    late = fields.Boolean()
    minutes_late = fields.Integer(allow_none=True)
    consented_name = fields.String(allow_none=True, metadata={"description": "owner_consent: who may borrow"})
    consented_id_type = fields.String(allow_none=True)
    consented_id_number = fields.String(allow_none=True, metadata={"description": "masked"})
    deposit = fields.Nested(KeyDepositOut, allow_none=True,
                            metadata={"description": "a loan request's deposit and the decision on it (null: none)"})


class LateReturnOut(Out):
    loan_id = fields.String()
    at = DT()
    due_back_at = DT(allow_none=True)
    returned_at = DT(allow_none=True)
    minutes_late = fields.Integer(allow_none=True)


class KeyLoanOut(KeyMovementOut):
    approved_by = fields.String(allow_none=True)
    approved_at = DT(allow_none=True)
    due_back_at = DT(allow_none=True)
    returned_at = DT(allow_none=True)
    late = fields.Boolean()
    deposit_required = fields.Boolean(metadata={"description": "the borrower returned a key late before: "
                                                               "a deposit this time (逾期者下次借用交押金)"})
    deposit_ref = fields.String(allow_none=True, metadata={"description": "the deposit's receipt number"})
    ticket_id = fields.String(allow_none=True)
    earlier_late_returns = fields.List(fields.Nested(LateReturnOut))
    deposit_status = fields.String(metadata={"description": "not_required | due (taken before the approval) | held | "
                                                            "release_requested (back in time, refused, or a kept one "
                                                            "released: billing refunds it) | kept (late again: pledged "
                                                            "at billing, the CS manager decides) | forfeit_requested "
                                                            "(a kept one forfeited to income)"})
    deposit_amount_due = Amount(allow_none=True, metadata={"description": "keys.late_deposit, when required"})
    deposit_id = fields.String(allow_none=True, metadata={"description": "billing's deposit (purpose key)"})
    deposit_amount = Amount(allow_none=True)
    deposit_receipt = fields.String(allow_none=True)
    deposit_taken_by = fields.String(allow_none=True)
    deposit_taken_at = DT(allow_none=True)
    deposit_released_at = DT(allow_none=True)
    consent_id = fields.String(allow_none=True, metadata={"description": "a deposited key: the owner's consent"})


class KeyOut(Out):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    label = fields.String()
    copies = fields.Integer()
    state = fields.String()
    holder_name = fields.String(allow_none=True)
    updated_at = DT()
    version = fields.Integer()
    loan = fields.Nested(KeyLoanOut, allow_none=True)
    history = fields.List(fields.Nested(KeyMovementOut), allow_none=True)


class KeyDepositDecisionIn(Schema):
    """A late borrower's kept key deposit: ``release`` (given back: billing requests its refund, four eyes there)
    or ``forfeit`` (billing moves what it holds to income, 押金扣除), with a note."""
    decision = fields.String(required=True, validate=validate.OneOf(["release", "forfeit"]))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class KeyPhoneQuery(Schema):
    purpose = fields.String(required=True, validate=v.PURPOSE,
                            metadata={"description": "why the whole phone is read (logged)"})


class KeyPhoneReadQuery(Schema):
    """The record of borrowers' phone reads (借用人电话查阅记录): filters and a page, newest first."""
    loan_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    key_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    reader_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["allowed", "refused"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class KeyPhoneReadOut(Out):
    """One read of a borrower's whole phone: who, when, which loan, why -- never the number; ``refused``
    (``ended_long_ago``) when the loan had ended more than keys.phone_readable_days before."""
    id = fields.String()
    project_id = fields.String()
    key_id = fields.String()
    loan_id = fields.String()
    unit_label = fields.String()
    key_label = fields.String()
    reader_id = fields.String()
    reader_name = fields.String()
    reader_roles = fields.String()
    purpose = fields.String()
    read_at = DT()
    outcome = fields.String()
    refusal = fields.String(allow_none=True)


class KeyPhoneReadPageOut(Out):
    items = fields.List(fields.Nested(KeyPhoneReadOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class KeyLoanPhoneOut(Out):
    """A loan's borrower with the whole phone (the desk calls a late borrower) -- a logged read."""
    key_id = fields.String()
    loan_id = fields.String()
    party_kind = fields.String(allow_none=True)
    party_name = fields.String(allow_none=True)
    party_phone = fields.String(allow_none=True)
    due_back_at = DT(allow_none=True)
    returned_at = DT(allow_none=True)


class KeyOutOnLoan(KeyOut):
    overdue = fields.Boolean(metadata={"description": "past its due time (keys.return_by) and not back"})


class KeysOutPageOut(Out):
    """The desk's keys out on loan now (the read model), the earliest due first."""
    items = fields.List(fields.Nested(KeyOutOnLoan))
    total = fields.Integer()
    as_of = DT()


class DiscrepancyOut(Out):
    key_id = fields.String()
    unit_label = fields.String()
    label = fields.String()
    register_state = fields.String()
    expected = fields.Boolean()
    counted = fields.Boolean()
    copies = fields.Integer()
    copies_counted = fields.Integer()


class StockCheckOut(Out):
    id = fields.String()
    project_id = fields.String()
    kind = fields.String()
    month = fields.String()
    at = DT()
    by = fields.String()
    expected = fields.Integer()
    counted = fields.Integer()
    copies_expected = fields.Integer(allow_none=True)
    copies_counted = fields.Integer(allow_none=True)
    discrepancies = fields.List(fields.Nested(DiscrepancyOut))
    note = fields.String(allow_none=True)


class VacantRegisterIn(Schema):
    """The month's vacant units (空置房登记表)."""
    unit_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                           validate=validate.Length(max=5000))
    #: of ``unit_ids``, those whose owner registered the unit vacant (业主办理空置手续): on the register
    #: although archive holds their household (any other unit with a household: 409 ``unit_occupied``)
    owner_registered = fields.List(fields.String(validate=validate.Length(min=1, max=36)), load_default=list,
                                   validate=validate.Length(max=5000))


class VacantMonthQuery(Schema):
    month = fields.String(required=True, validate=v.Month())


class FindingIn(Schema):
    #: the room (客厅, 主卧 ...): one line, not blank; a check names each room once (422 room_recorded_twice)
    room = fields.String(required=True, validate=v.VACANT_ROOM)
    result = fields.String(required=True, validate=validate.OneOf(VACANT_RESULTS))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class VacantCheckIn(Schema):
    """A vacant unit's check: one finding per room (ok; defect: a repair ticket at once; crack: the
    manager's approval first)."""
    findings = fields.List(fields.Nested(FindingIn), required=True, validate=validate.Length(min=1, max=30))


class CrackDecisionIn(Schema):
    approve = v.StrictBoolean(required=True)
    #: the reason: required to reject (422 decision_reason_required); told to nobody outside the staff
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class FindingOut(Out):
    id = fields.String()
    room = fields.String()
    result = fields.String()
    note = fields.String(allow_none=True)
    repair_state = fields.String()
    repair_ticket_id = fields.String(allow_none=True)
    decided_at = DT(allow_none=True)
    decision_note = fields.String(allow_none=True)


class VacantSummaryOut(Out):
    result = fields.String()
    rooms = fields.Integer()
    ok = fields.Integer()
    defects = fields.Integer()
    cracks = fields.Integer()


class VacantCheckOut(Out):
    id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    month = fields.String()
    status = fields.String()
    checked_at = DT(allow_none=True)
    reported_at = DT(allow_none=True)
    check_by = DT(allow_none=True)
    report_by = DT(allow_none=True)
    task_id = fields.String(allow_none=True)
    summary = fields.Nested(VacantSummaryOut, allow_none=True)
    findings = fields.List(fields.Nested(FindingOut))


class VacantRegisterOut(Out):
    id = fields.String(allow_none=True, metadata={"description": "the month's register (null: not opened yet)"})
    project_id = fields.String()
    month = fields.String()
    unit_ids = fields.List(fields.String())
    owner_registered = fields.List(fields.String(), metadata={
        "description": "of unit_ids, those the owner registered vacant (业主办理空置手续); the others are the desk's "
                       "own finding (no household)"})
    updated_at = DT(allow_none=True)
    task_id = fields.String(allow_none=True)
    checks = fields.List(fields.Nested(VacantCheckOut))



# -- the care of vacant units (空置房保养; services/tickets/domain/vacant_care.py) ------------------------

#: what a care task is (vacant_care.KINDS), what an anomaly is (ANOMALY_KINDS), the list's states (LIST_STATES)
VACANT_CARE_KINDS = ["cleaning", "airing", "frost_check"]
VACANT_CARE_ANOMALIES = ["fire_risk", "break_in", "water_leak", "mould", "damage", "other"]
VACANT_CARE_STATES = ["due", "overdue", "open", "done", "cancelled"]


class VacantCareRecordIn(Schema):
    """A care visit done: the approved loan of the unit's key it entered by (422 key_loan_required /
    key_loan_not_valid), who did it (the cleaner's name; default the caller) and when (default now), a note;
    dried against mould; an anomaly (told at once to the CS manager) with its kind."""
    key_loan_id = fields.String(load_default=None, allow_none=True, validate=v.RECORD_ID, metadata={
        "description": "the loan's id (the key's loan.id): a loan of this unit's key, approved in the period"})
    performed_by = fields.String(load_default=None, allow_none=True, validate=v.NAME)
    performed_at = v.AwareDateTime(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)
    dried = v.StrictBoolean(load_default=False)
    anomaly = v.StrictBoolean(load_default=False)
    anomaly_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(VACANT_CARE_ANOMALIES))


class VacantCareCancelIn(Schema):
    """The CS / centre manager cancels a care task not done, with the reason."""
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), v.FREE_TEXT])


class VacantCareQuery(Schema):
    """A project's care tasks: open (not done), due (not done, still ahead), overdue, done, cancelled."""
    state = fields.String(load_default="open", validate=validate.OneOf(VACANT_CARE_STATES))
    care_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(VACANT_CARE_KINDS))
    unit_id = fields.String(load_default=None, allow_none=True, validate=v.RECORD_ID)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class VacantCareOut(Out):
    id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    care_kind = fields.String(metadata={"description": "cleaning | airing | frost_check"})
    label = fields.String()
    department = fields.String(metadata={"description": "cleaning (保洁部) | customer_service (客服部)"})
    responsible_role = fields.String(metadata={"description": "whose inbox is told when it is overdue"})
    period_start = fields.String(metadata={"format": "date", "description": "the period's first local day"})
    period_end = fields.String(metadata={"format": "date", "description": "the period's last local day"})
    due_at = DT()
    status = fields.String(metadata={"description": "scheduled | done | cancelled"})
    overdue = fields.Boolean()
    performed_by = fields.String(allow_none=True)
    performed_at = DT(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = DT(allow_none=True)
    key_loan_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    dried = fields.Boolean()
    anomaly = fields.Boolean()
    anomaly_kind = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)


class VacantCareListOut(Out):
    items = fields.List(fields.Nested(VacantCareOut))
    total = fields.Integer()

class FrontDeskTaskQuery(Schema):
    """A project's front-desk tasks (tickets of kind ``task``): by category, open only, paged."""
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(TASK_CATEGORIES)))
    open_only = fields.Boolean(load_default=True)
    sla_state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["breached", "late", "pending", "met"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


# -- daily inspections (巡检; services/tickets/domain/inspections.py) ---------------------------------

#: area types and their checklists' built-in names (inspections.AREA_TYPES); a round's states and
#: an item's outcomes (inspections.STATES, inspections.OUTCOMES)
INSPECTION_AREA_TYPES = ["stairwell", "roof", "elevator", "lobby_corridor", "exterior"]
INSPECTION_STATES = ["planned", "in_progress", "done", "missed", "cancelled"]
INSPECTION_OUTCOMES = ["ok", "failed"]
_ITEM_CODE = validate.Regexp(r"[A-Z]{2}[0-9]{2,3}\Z")


class ChecklistItemIn(Schema):
    """One checklist item: ``code`` of the current list keeps it (a rename); none adds one."""
    code = fields.String(load_default=None, allow_none=True, validate=_ITEM_CODE)
    name = fields.String(required=True, validate=v.NAME)


class InspectionChecklistIn(Schema):
    """The whole checklist of one area type; items of the current list left out are removed."""
    items = fields.List(fields.Nested(ChecklistItemIn), required=True, validate=validate.Length(min=1, max=50))
    reason = fields.String(load_default="", validate=v.NOTE)


class InspectionAreaIn(Schema):
    name = fields.String(required=True, validate=v.NAME, metadata={"description": "e.g. 1栋楼梯间"})
    area_type = fields.String(required=True, validate=validate.OneOf(INSPECTION_AREA_TYPES))
    building_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    steward_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100),
                               metadata={"description": "who patrols it; none: the building's steward (管家片区)"})


class InspectionAreaChangeIn(Schema):
    name = fields.String(validate=v.NAME)
    building_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=36))
    steward_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    active = v.StrictBoolean()


class InspectionAreaQuery(Schema):
    area_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(INSPECTION_AREA_TYPES))
    active = fields.Boolean(load_default=None, allow_none=True)


class ItemResultIn(Schema):
    """One item's result: ok or failed (a failed item opens its repair, once), a note, a photo."""
    item_code = fields.String(required=True, validate=_ITEM_CODE)
    outcome = fields.String(required=True, validate=validate.OneOf(INSPECTION_OUTCOMES))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)
    photo_ref = fields.String(load_default=None, allow_none=True, validate=v.PHOTO_REF,
                              metadata={"description": "the photo: an archive document id (UUID) or a storage key "
                                                       "(a/b/c.jpg) -- never a URL"})


def _one_result_per_item(results):
    codes = [r["item_code"] for r in results or ()]
    if len(codes) != len(set(codes)):
        raise ValidationError("One result per item.")


class RoundResultsIn(Schema):
    results = fields.List(fields.Nested(ItemResultIn), required=True,
                          validate=[validate.Length(min=1, max=50), _one_result_per_item])
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class RoundCompleteIn(Schema):
    results = fields.List(fields.Nested(ItemResultIn), load_default=None, allow_none=True,
                          validate=[validate.Length(max=50), _one_result_per_item],
                          metadata={"description": "the results not recorded yet (or again)"})
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class RoundAssignIn(Schema):
    assignee_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                metadata={"description": "an active steward of the project"})
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class RoundNoteIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class InspectionRoundQuery(Schema):
    due = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["due", "missed"]),
                        metadata={"description": "due: planned or in progress inside its deadline; missed: "
                                                 "missed, or past its deadline and not marked yet"})
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(INSPECTION_STATES))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                metadata={"description": "the steward the round is assigned to"})
    area_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    day = v.Date(load_default=None, allow_none=True, metadata={"description": "a patrol's local day"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class PatrolsByStewardQuery(Schema):
    day = v.Date(load_default=None, allow_none=True)


class InspectionSheetQuery(Schema):
    """The day of an inspection area's printed sheet; default today at the site."""
    date = v.Date(load_default=None, allow_none=True, metadata={"description": "the patrol day (YYYY-MM-DD)"})


class InspectionItemOut(Out):
    code = fields.String()
    name = fields.String()


class InspectionTemplateOut(Out):
    area_type = fields.String()
    area_type_name = fields.String()
    version = fields.Integer(metadata={"description": "0: the built-in checklist (seed 000 §四)"})
    items = fields.List(fields.Nested(InspectionItemOut))
    is_default = fields.Boolean()
    changed_by = fields.Nested(UserRefOut, allow_none=True)
    changed_at = DT(allow_none=True)
    reason = fields.String()


class InspectionTemplateVersionOut(Out):
    version = fields.Integer()
    items = fields.List(fields.Nested(InspectionItemOut))
    reason = fields.String()
    changed_by = fields.Nested(UserRefOut, allow_none=True)
    changed_at = DT(allow_none=True)


class InspectionAreaOut(Out):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    name = fields.String()
    area_type = fields.String()
    area_type_name = fields.String()
    building_id = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    steward = fields.Nested(UserRefOut, allow_none=True)
    steward_source = fields.String(allow_none=True, metadata={
        "description": "where the steward comes from: area (its own) or building (the building's, 管家片区); "
                       "null: nobody patrols it"})
    steward_active = fields.Boolean(allow_none=True, metadata={
        "description": "false: the steward's account is deactivated -- the plan gives the area's patrols to "
                       "the CS manager, unassigned"})
    active = fields.Boolean()
    created_at = DT()
    updated_at = DT()
    version = fields.Integer()


class RoundAreaOut(Out):
    id = fields.String()
    name = fields.String()
    area_type = fields.String()
    building_id = fields.String(allow_none=True)


class RoundItemOut(Out):
    code = fields.String()
    name = fields.String()
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    photo_ref = fields.String(allow_none=True)
    recorded_at = DT(allow_none=True)
    recorded_by = fields.Nested(UserRefOut, allow_none=True)
    repair_ticket_id = fields.String(allow_none=True, metadata={"description": "the repair a failed item opened"})
    repair_number = fields.String(allow_none=True)


class RoundHistoryOut(Out):
    at = DT()
    action = fields.String()
    actor = fields.String()
    note = fields.String()


class InspectionRoundOut(Out):
    id = fields.String()
    number = fields.String()
    status = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    area = fields.Nested(RoundAreaOut)
    template_version = fields.Integer()
    day = Day(allow_none=True, metadata={"description": "a planned patrol's local day"})
    slot = fields.Integer(allow_none=True)
    window_start = DT(allow_none=True)
    due_at = DT(allow_none=True)
    assignee = fields.Nested(UserRefOut, allow_none=True)
    started_at = DT(allow_none=True)
    done_at = DT(allow_none=True)
    done_by = fields.Nested(UserRefOut, allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    breached_at = DT(allow_none=True)
    items = fields.List(fields.Nested(RoundItemOut))
    history = fields.List(fields.Nested(RoundHistoryOut))
    version = fields.Integer()


class InspectionRoundListOut(Out):
    items = fields.List(fields.Nested(InspectionRoundOut))
    total = fields.Integer()


class StewardPatrolsOut(Out):
    steward = fields.Nested(UserRefOut, allow_none=True)
    due = fields.Integer()
    done = fields.Integer()
    missed = fields.Integer()
    cancelled = fields.Integer()


# -- the month's inspection figures (日常巡检统计表, domain/inspection_figures.py) ---------------------

class InspectionCountsOut(Out):
    planned = fields.Integer(metadata={"description": "patrols the plan made, not cancelled"})
    cancelled = fields.Integer()
    spot = fields.Integer(metadata={"description": "rounds walked now (现场巡检)"})
    done = fields.Integer()
    late = fields.Integer(metadata={"description": "of done: completed after the clock's warning point"})
    missed = fields.Integer(metadata={"description": "missed, or past the deadline and not marked yet"})
    open = fields.Integer(metadata={"description": "planned or in progress inside the deadline"})
    findings = fields.Integer(metadata={"description": "items recorded failed"})
    repairs_opened = fields.Integer()
    completion_percent = fields.Float(allow_none=True, metadata={"description": "done / (planned + spot)"})


class InspectionAreaFiguresOut(InspectionCountsOut):
    area_id = fields.String()
    name = fields.String()
    area_type = fields.String(allow_none=True)
    area_type_name = fields.String()
    active = fields.Boolean(allow_none=True)


class InspectionStewardFiguresOut(InspectionCountsOut):
    steward = fields.Nested(UserRefOut, allow_none=True, metadata={
        "description": "null: rounds left unassigned for the CS manager"})


class InspectionFindingOut(Out):
    day = Day()
    area_id = fields.String()
    area_name = fields.String()
    round_id = fields.String()
    round_number = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    note = fields.String(allow_none=True)
    recorded_by = fields.Nested(UserRefOut)
    recorded_at = DT()
    repair_ticket_id = fields.String(allow_none=True)
    repair_number = fields.String(allow_none=True)
    repair_status = fields.String(allow_none=True)


class InspectionFiguresOut(Out):
    """The month's inspection figures (日常巡检统计表): per area, per steward, the findings."""
    project_id = fields.String()
    project_name = fields.String()
    month = fields.String()
    first_day = Day()
    last_day = Day()
    complete = fields.Boolean(metadata={"description": "false: the current month, as it stands"})
    generated_at = DT()
    total = fields.Nested(InspectionCountsOut)
    areas = fields.List(fields.Nested(InspectionAreaFiguresOut))
    stewards = fields.List(fields.Nested(InspectionStewardFiguresOut))
    findings = fields.List(fields.Nested(InspectionFindingOut))


# -- renovation (装修, tickets' domain/renovation.py) ------------------------------------------------

#: the documents a renovation references (archive's catalogue, section renovation); the first four
#: make a complete application (tickets' REQUIRED_DOCUMENTS)
RENOVATION_DOCUMENT_TYPES = ("renovation_application", "renovation_drawings", "contractor_licence",
                             "worker_id_copies", "renovation_agreement", "renovation_permit",
                             "completion_acceptance")
RENOVATION_PASS_KINDS = ["material", "worker"]


class RenovationDocumentIn(Schema):
    """A document already uploaded to archive for the household (``POST /households/{id}/documents``)."""
    doc_type = fields.String(required=True, validate=validate.OneOf(RENOVATION_DOCUMENT_TYPES))
    document_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class RenovationIn(Schema):
    """A renovation application (装修申请): the unit, what is renovated, by whom, when, and the
    documents already uploaded to archive."""
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    contractor = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), v.FREE_TEXT])
    planned_start = fields.Date(load_default=None, allow_none=True)
    planned_end = fields.Date(load_default=None, allow_none=True)
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    documents = fields.List(fields.Nested(RenovationDocumentIn), load_default=list)


class RenovationReviewIn(Schema):
    """The review (审核): approve, or reject with what to rework (note)."""
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _why(self, data, **_):
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            raise ValidationError("A rejection says what to rework.", "note")


class RenovationPassIn(Schema):
    """A numbered pass: a worker's pass (施工人员出入证) or a material pass (材料放行条)."""
    pass_kind = fields.String(required=True, validate=validate.OneOf(RENOVATION_PASS_KINDS))
    holder_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    detail = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=400), v.FREE_TEXT])
    valid_until = fields.Date(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RenovationPatrolIn(Schema):
    """A patrol's record (装修巡查): violations found, renovation waste seen (its 3-day clock starts)."""
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    violations = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                             validate=validate.Length(max=50))
    waste_seen = v.StrictBoolean(load_default=False)


class RenovationAcceptanceRequestIn(Schema):
    """The completion acceptance (竣工验收) asked for a working day at least N working days ahead."""
    acceptance_on = fields.Date(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RenovationAcceptanceIn(Schema):
    """The acceptance's result: passed, or not (with what to put right)."""
    passed = v.StrictBoolean(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RenovationOccupancyIn(Schema):
    occupied_on = fields.Date(load_default=None, allow_none=True,
                              metadata={"description": "default today; the re-inspection comes N months on"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RenovationReinspectionIn(Schema):
    """The re-inspection (复查): what is withheld of the deposit, with the violations (the patrols'
    are added); nothing withheld: the whole deposit is refunded."""
    withheld_amount = Money(load_default=None, allow_none=True, allow_negative=False)
    violations = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                             validate=validate.Length(max=50))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class RenovationOut(Out):
    """The renovation's ticket (number, status, clocks, history) and its own part."""
    id = fields.String(metadata={"description": "the renovation's id: its ticket's (ticket.id)"})
    ticket = fields.Nested(TicketOut)
    renovation = fields.Nested(RenovationPartOut)
