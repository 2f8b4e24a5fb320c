"""notify's boundaries: RPC input is loaded here, RPC output dumped here, and the
events it consumes are read here (only the fields it uses; unknown ones excluded)."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from kernel import validators
from kernel.money import Money
from kernel.privacy import mask_address, mask_phone
from .domain.templates import CHANNELS, LOCALES, PURPOSES

ID = validate.Length(min=1, max=64)


# -- in: RPC ------------------------------------------------------------------

class LatestForUnit(Schema):
    unit_id = fields.String(required=True, validate=ID)
    limit = fields.Integer(load_default=5, validate=validate.Range(min=1, max=50))


class UnitInbox(Schema):
    """A page of a unit's inbox (the resident's list)."""
    unit_id = fields.String(required=True, validate=ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))
    unread_only = fields.Boolean(load_default=False)


class StaffInbox(Schema):
    project_id = fields.String(allow_none=True, load_default=None, validate=ID)
    unread_only = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class NotificationRef(Schema):
    notification_id = fields.String(required=True, validate=ID)


class TemplateQuery(Schema):
    project_id = fields.String(allow_none=True, load_default=None, validate=ID)


class TemplateIn(Schema):
    project_id = fields.String(allow_none=True, load_default=None, validate=ID)
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(PURPOSES)))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))
    subject = fields.String(load_default="", validate=[validate.Length(max=200), validators.ONE_LINE])
    body = fields.String(required=True, validate=[validate.Length(min=1, max=2000), validators.FREE_TEXT])


class TemplateKeyIn(Schema):
    """One override: a project's (``project_id``) or the group's (none)."""
    project_id = fields.String(allow_none=True, load_default=None, validate=ID)
    purpose = fields.String(required=True, validate=validate.OneOf(sorted(PURPOSES)))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    locale = fields.String(required=True, validate=validate.OneOf(LOCALES))


class TemplatePreviewIn(Schema):
    """A preview: the template in effect, or the ``subject``/``body`` given (before saving them)."""

    purpose = fields.String(required=True, validate=validate.OneOf(sorted(PURPOSES)))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    locale = fields.String(load_default="zh-CN", validate=validate.OneOf(LOCALES))
    subject = fields.String(load_default="", validate=[validate.Length(max=200), validators.ONE_LINE])
    body = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=2000), validators.FREE_TEXT])


class WechatBindingIn(Schema):
    """A resident binds (or, with ``openid`` null, unbinds) their WeChat openid to their person."""
    unit_id = fields.String(required=True, validate=ID)
    person_id = fields.String(required=True, validate=ID)
    openid = fields.String(required=True, allow_none=True, validate=validators.WECHAT_OPENID)


# -- out ------------------------------------------------------------------------

class WechatBindingOut(Schema):
    unit_id = fields.String()
    person_id = fields.String()
    bound = fields.Boolean()
    openid = fields.String(allow_none=True)        # masked



class DeliveryOut(Schema):
    channel = fields.String()
    status = fields.String()
    address = fields.Function(lambda d: mask_address(d.channel, d.address))
    attempts = fields.Integer()
    sent_at = fields.AwareDateTime(allow_none=True)


class NotificationOut(Schema):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    recipient_kind = fields.String()
    recipient = fields.String()
    subject = fields.String()
    body = fields.String()
    locale = fields.String()
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)
    withdrawn_at = fields.AwareDateTime(allow_none=True)
    withdrawn_label = fields.String(allow_none=True)
    ref_type = fields.String(allow_none=True)
    ref_id = fields.String(allow_none=True)
    deliveries = fields.List(fields.Nested(DeliveryOut))
    unit_id = fields.String(allow_none=True)
    #: the household a unit's message was addressed to (the portal's read model keeps it from replies too)
    household_id = fields.String(allow_none=True)
    version = fields.Integer()


class ExportQuery(Schema):
    """A page of an owner's current snapshots (read-model rebuilds)."""
    kind = fields.String(required=True, validate=validate.OneOf(["notification"]))
    after = fields.String(load_default=None, allow_none=True, validate=ID)
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    project_id = fields.String(load_default=None, allow_none=True, validate=ID)


class TemplateOut(Schema):
    """A template in effect (``source`` default | group | project) or one just saved."""

    id = fields.String(allow_none=True, attribute="template_id")
    purpose = fields.String()
    channel = fields.String()
    locale = fields.String()
    subject = fields.String()
    body = fields.String()
    source = fields.String()
    placeholders = fields.Function(lambda t: sorted(PURPOSES[t.purpose].allowed(t.channel)))
    kind = fields.Function(lambda t: PURPOSES[t.purpose].kind)
    html = fields.Boolean()


class TemplatePreviewOut(Schema):
    purpose = fields.String()
    channel = fields.String()
    locale = fields.String()
    source = fields.String()
    kind = fields.String()
    subject = fields.String()
    body = fields.String()
    html = fields.Boolean()
    placeholders = fields.List(fields.String())
    sample = fields.Dict(keys=fields.String(), values=fields.String())


class SavedTemplateOut(Schema):
    id = fields.String()
    project_id = fields.String(allow_none=True)
    purpose = fields.String()
    channel = fields.String()
    locale = fields.String()
    subject = fields.String()
    body = fields.String()
    version = fields.Integer()
    updated_at = fields.AwareDateTime()
    updated_by = fields.String()
    source = fields.Function(lambda t: "project" if t.project_id else "group")


# -- in: events consumed ------------------------------------------------------------

class _Consumed(Schema):
    class Meta:
        unknown = EXCLUDE


class ProjectChangedIn(_Consumed):
    project_id = fields.String(required=True)
    group_id = fields.String(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    timezone = fields.String(load_default="Asia/Shanghai")
    version = fields.Integer(required=True)


class UnitChangedIn(_Consumed):
    unit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    building_id = fields.String(required=True)
    building_name = fields.String(required=True)
    number = fields.String(required=True)
    label = fields.String(required=True)
    floor = fields.Integer(allow_none=True, load_default=None)
    building_area = fields.Decimal(allow_none=True, load_default=None, places=2)
    usage = fields.String(load_default="residential")
    version = fields.Integer(required=True)


class PersonIn(_Consumed):
    person_id = fields.String(required=True)
    name = fields.String(required=True)
    role = fields.String(required=True)
    phone = fields.String(allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)
    locale = fields.String(load_default="zh-CN")


class HouseholdChangedIn(_Consumed):
    household_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "moved_out"]))
    moved_in_on = fields.Date(allow_none=True, load_default=None)
    moved_out_on = fields.Date(allow_none=True, load_default=None)
    people = fields.List(fields.Nested(PersonIn), required=True)
    version = fields.Integer(required=True)


class StewardAssignedIn(_Consumed):
    """archive's ``steward.assigned`` (管家片区): a building's steward (``unit_id`` null) or a unit's;
    ``steward_id`` null: the assignment was removed."""
    assignment_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    building_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    steward_id = fields.String(allow_none=True, load_default=None)
    steward_name = fields.String(allow_none=True, load_default=None)
    work_phone = fields.String(allow_none=True, load_default=None)
    assigned_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)


class ReporterIn(_Consumed):
    name = fields.String(required=True)
    phone = fields.String(allow_none=True, load_default=None)
    user_id = fields.String(allow_none=True, load_default=None)


class DeadlineIn(_Consumed):
    kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    after_notice_minutes = fields.Integer(allow_none=True, load_default=None)


class TicketOpenedIn(_Consumed):
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    category = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    unit_label = fields.String(allow_none=True, load_default=None)
    location = fields.String(load_default="")
    content = fields.String(required=True)
    reporter = fields.Nested(ReporterIn, required=True)
    appointment_at = fields.AwareDateTime(allow_none=True, load_default=None)
    received_at = fields.AwareDateTime(required=True)
    deadlines = fields.List(fields.Nested(DeadlineIn), load_default=list)
    #: false: the service centre reported it itself (a vacant unit's check) -- no acknowledgement
    acknowledge = fields.Boolean(load_default=True)


class ComplaintRegisteredIn(_Consumed):
    """tickets' ``complaint.registered`` (the fields notify reads)."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    unit_label = fields.String(allow_none=True, load_default=None)
    content = fields.String(required=True)
    reporter_name = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)


class ActorIn(_Consumed):
    user_id = fields.String(allow_none=True, load_default=None)
    name = fields.String(allow_none=True, load_default="")


class TicketStatusChangedIn(_Consumed):
    """tickets' ``ticket.status_changed`` (the fields notify reads). ``kind`` missing: an event
    recorded before tickets published it (nothing is told for it)."""
    ticket_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    kind = fields.String(allow_none=True, load_default=None)
    category = fields.String(allow_none=True, load_default=None)
    household_id = fields.String(allow_none=True, load_default=None)
    reporter_phone = fields.String(allow_none=True, load_default=None)
    number = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    action = fields.String(required=True)
    actor = fields.Nested(ActorIn, load_default=dict)
    at = fields.AwareDateTime(required=True)
    note = fields.String(allow_none=True, load_default="")
    version = fields.Integer(required=True)
    #: who the ticket is assigned to after the step, a revisit's due time and the ticket it revisits
    #: (the revisit request, 回访预约); absent in events of before tickets published them
    assignee = fields.Nested(lambda: AssigneeIn(), allow_none=True, load_default=None)
    due_at = fields.AwareDateTime(allow_none=True, load_default=None)
    revisited = fields.Nested(lambda: RevisitedTicketIn(), allow_none=True, load_default=None)


class AssigneeIn(_Consumed):
    user_id = fields.String(required=True)
    name = fields.String(load_default="")


class RevisitedTicketIn(_Consumed):
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(allow_none=True, load_default=None)


class SlaAlertIn(_Consumed):
    """``ticket.sla_warning`` / ``ticket.sla_breached`` (tickets' events.SlaWarning / SlaBreached),
    the fields notify reads."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    deadline_kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    responsible_role = fields.String(allow_none=True, load_default=None)
    assignee = fields.Nested(AssigneeIn, allow_none=True, load_default=None)
    at = fields.AwareDateTime(required=True)
    minutes_left = fields.Float(allow_none=True, load_default=None)
    minutes_overdue = fields.Float(allow_none=True, load_default=None)
    extension_id = fields.String(allow_none=True, load_default=None)
    subject = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=500))


class UserRefIn(_Consumed):
    user_id = fields.String(required=True)
    name = fields.String(allow_none=True, load_default="")


class IdentityMatchLockedIn(_Consumed):
    """archive's ``identity_match.locked`` (events.IdentityMatchLocked): a unit's identity matches locked
    for the day -- the unit, the failures, the limit, the last caller; no name or number tried."""
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True, load_default=None)
    failures = fields.Integer(required=True)
    limit = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    last_caller = fields.Nested(UserRefIn, required=True)


class InspectionItemFailedIn(_Consumed):
    """tickets' ``inspection.item_failed`` (events.InspectionItemFailed): a daily-inspection item
    recorded failed and the repair ticket it opened; ``note`` is the steward's (staff in-app only)."""
    round_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    area_id = fields.String(required=True)
    area_name = fields.String(required=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    note = fields.String(allow_none=True, load_default=None)
    repair_ticket_id = fields.String(required=True)
    repair_number = fields.String(required=True)
    recorded_by = fields.Nested(UserRefIn, required=True)
    at = fields.AwareDateTime(required=True)


# -- billing's events (bank): what notify reads of them -----------------------------------------

class _ToHousehold(_Consumed):
    """What every billing message names: the unit, its household, the project."""
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True, load_default=None)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)


class BillNoticeIn(_ToHousehold):
    """``bill.notice_due``: platform values only (numbers, dates, amounts, the unit's label)."""
    bill_id = fields.String(required=True)
    number = fields.String(required=True)
    period = fields.String(allow_none=True, load_default=None)
    outstanding = Money(required=True)
    due_on = fields.Date(required=True)
    pays_by = fields.String(required=True, validate=validate.OneOf(["cash", "bank_debit"]))
    collect_on = fields.Date(allow_none=True, load_default=None)


class BillReminderIn(BillNoticeIn):
    """``bill.reminder_due``: before the due date (cash payers) or before a bank collection."""
    kind = fields.String(required=True, validate=validate.OneOf(["before_due", "before_debit"]))


class ReceiptIssuedIn(_ToHousehold):
    """``receipt.issued``: a receipt after a payment."""
    receipt_id = fields.String(required=True)
    number = fields.String(required=True)
    amount = Money(required=True)


class VacantUnitCheckedIn(_Consumed):
    """tickets' ``vacant_unit.checked``: a vacant unit's monthly check -- its counts and the repair
    tickets opened, never the steward's notes."""
    check_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    month = fields.String(required=True)
    check_date = fields.Date(required=True)
    result = fields.String(required=True, validate=validate.OneOf(["ok", "defect", "crack"]))
    defects = fields.Integer(required=True)
    cracks = fields.Integer(required=True)
    repair_ticket_numbers = fields.List(fields.String(), required=True)


class VacantFindingDecidedIn(_Consumed):
    """tickets' ``vacant_finding.decided``: a crack's decision -- the state and the repair's number,
    never the manager's note (not read)."""
    finding_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    repair_state = fields.String(required=True, validate=validate.OneOf(["repair_opened", "rejected"]))
    repair_ticket_number = fields.String(allow_none=True, load_default=None)


class _GoodsReleaseStepIn(_Consumed):
    action = fields.String(required=True)
    at = fields.AwareDateTime(allow_none=True, load_default=None)      # when the step was taken (used at the gate)


class GoodsReleaseChangedIn(_Consumed):
    """tickets' ``goods_release.changed``: what notify reads of the pass (its number, unit, household,
    the count of its items, the moving time, a void's reason) and the step."""
    release_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True, load_default=None)
    number = fields.String(allow_none=True, load_default=None)
    status = fields.String(required=True)
    items = fields.List(fields.Dict(), required=True)
    move_at = fields.AwareDateTime(required=True)
    void_reason = fields.String(allow_none=True, load_default=None)
    version = fields.Integer(required=True)
    step = fields.Nested(_GoodsReleaseStepIn, required=True)


class RenovationReinspectionUpcomingIn(_Consumed):
    """tickets' ``renovation.reinspection_upcoming``: the renovation, its unit and household, the due time."""
    renovation_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(allow_none=True, load_default=None)
    household_id = fields.String(allow_none=True, load_default=None)
    occupied_on = fields.Date(allow_none=True, load_default=None)
    due_at = fields.AwareDateTime(required=True)


class _KeyDiscrepancyIn(_Consumed):
    unit_label = fields.String(required=True)
    label = fields.String(required=True)
    register_state = fields.String(required=True)
    expected = fields.Boolean(required=True)
    counted = fields.Boolean(required=True)
    copies = fields.Integer(load_default=None)
    copies_counted = fields.Integer(load_default=None)


class _UserRefIn(_Consumed):
    user_id = fields.String(allow_none=True, load_default=None)
    name = fields.String(allow_none=True, load_default=None)


class KeyStockCheckRecordedIn(_Consumed):
    """tickets' ``key_stock_check.recorded``: what notify reads of a count of the key store (never the note)."""
    check_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    kind = fields.String(required=True)
    month = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    by = fields.Nested(_UserRefIn, required=True)
    expected = fields.Integer(required=True)
    counted = fields.Integer(required=True)
    discrepancies = fields.List(fields.Nested(_KeyDiscrepancyIn), required=True)
    #: the role the count was made in (``cs_manager``, ``centre_manager``, ``front_desk``...); absent before
    counted_as = fields.String(allow_none=True, load_default=None)



class VacantCareRecordedIn(_Consumed):
    """tickets' ``vacant_care.recorded``: what notify reads of a vacant unit's care visit (an anomaly is told
    to the CS manager)."""
    care_task_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    care_kind = fields.String(required=True)
    performed_by = fields.String(required=True)
    performed_at = fields.AwareDateTime(required=True)
    anomaly = fields.Boolean(required=True)
    anomaly_kind = fields.String(allow_none=True, load_default=None)
    note = fields.String(allow_none=True, load_default=None)

# -- dunning (issue 9): billing's ``dunning.notice_due``, what notify reads of it --------------------

class DunningNoticeIn(_ToHousehold):
    """``dunning.notice_due``: a notice of the dunning ladder -- platform values only (the stage, the
    amounts, the dates); ``notice_id`` makes it once per notice."""
    notice_id = fields.String(required=True)
    case_id = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(["first", "second", "final"]))
    notice_on = fields.Date(required=True)
    pay_by = fields.Date(required=True)
    overdue = Money(required=True)
    late_fee = Money(required=True)
    oldest_due_on = fields.Date(required=True)
    bills = fields.Integer(required=True)
    door_notice = fields.Boolean(load_default=True)


# -- printed notices (issue 10) ----------------------------------------------------------------

PRINT_STATUSES = ["queued", "printed"]
#: the purposes that have a print channel (the dunning notices today)
PRINT_PURPOSES = sorted(p for p, spec in PURPOSES.items() if "print" in spec.channels)


class PrintQuery(Schema):
    """The print queue of a project: queued (default) or printed, by building and purpose."""
    project_id = fields.String(required=True, validate=ID)
    building_id = fields.String(load_default=None, allow_none=True, validate=ID)
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PRINT_PURPOSES))
    status = fields.String(load_default="queued", validate=validate.OneOf(PRINT_STATUSES))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class PrintRef(Schema):
    delivery_id = fields.String(required=True, validate=ID)


class PrintBatchQuery(Schema):
    """A building's batch: its queued notices (of one purpose, if given)."""
    project_id = fields.String(required=True, validate=ID)
    building_id = fields.String(required=True, validate=ID)
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(PRINT_PURPOSES))


class MarkPrintedIn(Schema):
    """Print deliveries of the project printed and posted."""
    project_id = fields.String(required=True, validate=ID)
    delivery_ids = fields.List(fields.String(validate=ID), required=True, validate=validate.Length(min=1, max=500))


class PrintDeliveryOut(Schema):
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
    created_at = fields.AwareDateTime()
    printed_at = fields.AwareDateTime(allow_none=True)
    printed_by = fields.String(allow_none=True)


class PrintFileOut(Schema):
    """A PDF over RPC: its bytes in base64, its names (ASCII and UTF-8) and page count."""
    filename = fields.String()
    utf8_filename = fields.String()
    pages = fields.Integer()
    content_base64 = fields.String()


# -- the sending policy (issue 10): opt-outs, delivery status, unread counts -------------------

OPT_OUT_CHANNELS = ["sms", "email", "wechat"]
OPT_OUT_SCOPES = ["none", "marketing", "all"]
DELIVERY_STATUSES = ["pending", "queued", "sent", "delivered", "failed", "suppressed", "printed", "cancelled"]


class PreferencesRef(Schema):
    unit_id = fields.String(required=True, validate=ID)
    person_id = fields.String(required=True, validate=ID)


class ChannelPreferenceIn(Schema):
    """A person's opt-out of one channel: ``none``, ``marketing`` (greetings, community events) or
    ``all`` (every message not legally required)."""
    channel = fields.String(required=True, validate=validate.OneOf(OPT_OUT_CHANNELS))
    opt_out = fields.String(required=True, validate=validate.OneOf(OPT_OUT_SCOPES))


def _distinct_channels(items: list) -> None:
    channels = [i["channel"] for i in items]
    if len(channels) != len(set(channels)):
        raise ValidationError("each channel at most once")


class PreferencesIn(Schema):
    """The channels to change (the others are kept)."""
    channels = fields.List(fields.Nested(ChannelPreferenceIn), required=True,
                           validate=[validate.Length(min=1, max=3), _distinct_channels])


class ChannelPreferenceOut(Schema):
    channel = fields.String()
    opt_out = fields.String()


class PreferencesOut(Schema):
    unit_id = fields.String()
    person_id = fields.String()
    channels = fields.List(fields.Nested(ChannelPreferenceOut))


class DeliveryQuery(Schema):
    """A project's deliveries for staff: by status, channel, purpose, unit and local dates; a page."""
    project_id = fields.String(required=True, validate=ID)
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(DELIVERY_STATUSES))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CHANNELS))
    purpose = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(sorted(PURPOSES)))
    unit_id = fields.String(load_default=None, allow_none=True, validate=ID)
    date_from = fields.Date(load_default=None, allow_none=True)
    date_to = fields.Date(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))

    @validates_schema
    def _range(self, data, **kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise ValidationError("date_to must not be before date_from", "date_to")


class DeliveryStatusOut(Schema):
    delivery_id = fields.String()
    notification_id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    kind = fields.String(allow_none=True)
    recipient_kind = fields.String()
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    channel = fields.String()
    status = fields.String()
    address = fields.String(allow_none=True)           # masked
    attempts = fields.Integer()
    created_at = fields.AwareDateTime()
    send_at = fields.AwareDateTime(allow_none=True)
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    sent_at = fields.AwareDateTime(allow_none=True)
    printed_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    provider_answer = fields.String(allow_none=True)
    provider_message_id = fields.String(allow_none=True)
    # the provider's delivery receipt (回执, domain/receipts.py)
    reported_status = fields.String(allow_none=True)
    provider_code = fields.String(allow_none=True)
    provider_message = fields.String(allow_none=True)        # masked
    reported_at = fields.AwareDateTime(allow_none=True)
    receipt_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)


class DeliveryPageOut(Schema):
    items = fields.List(fields.Nested(DeliveryStatusOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class UnitRef(Schema):
    unit_id = fields.String(required=True, validate=ID)


class StaffUnreadQuery(Schema):
    project_id = fields.String(allow_none=True, load_default=None, validate=ID)


class UnitUnreadOut(Schema):
    unit_id = fields.String()
    unread = fields.Integer()


class StaffUnreadOut(Schema):
    project_id = fields.String(allow_none=True)
    unread = fields.Integer()


# -- broadcasts (群发, issue 10) ----------------------------------------------------------------

#: what staff broadcast (domain/broadcasts.py PURPOSES), and to what
BROADCAST_PURPOSES = ["community.event", "greeting.holiday", "outage.notice", "outage.urgent"]
BROADCAST_TARGETS = ["project", "building", "units"]
BROADCAST_STATES = ["scheduled", "sending", "done", "cancelled"]
#: a staff value of a broadcast's template: one line of text (no control characters), at most 500
BROADCAST_VALUE = fields.String(validate=[validate.Length(min=1, max=500), validators.ONE_LINE])


class BroadcastIn(Schema):
    """A broadcast of a project: to the whole project, one building or a list of its units."""
    project_id = fields.String(required=True, validate=ID)
    purpose = fields.String(required=True, validate=validate.OneOf(BROADCAST_PURPOSES))
    target = fields.String(required=True, validate=validate.OneOf(BROADCAST_TARGETS))
    building_id = fields.String(load_default=None, allow_none=True, validate=ID)
    unit_ids = fields.List(fields.String(validate=ID), load_default=None, allow_none=True,
                           validate=validate.Length(min=1, max=10000))
    values = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=40)), values=BROADCAST_VALUE,
                         required=True, validate=validate.Length(max=20))
    channels = fields.List(fields.String(validate=validate.OneOf(list(CHANNELS))), required=True,
                           validate=validate.Length(min=1, max=len(CHANNELS)))
    send_at = validators.AwareDateTime(load_default=None, allow_none=True)


class BroadcastRef(Schema):
    broadcast_id = fields.String(required=True, validate=ID)


class BroadcastQuery(Schema):
    project_id = fields.String(required=True, validate=ID)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class BroadcastDeliveriesOut(Schema):
    channel = fields.String()
    status = fields.String()
    count = fields.Integer()


class BroadcastOut(Schema):
    id = fields.String()
    project_id = fields.String()
    purpose = fields.String()
    target = fields.String()
    building_id = fields.String(allow_none=True)
    values = fields.Dict(keys=fields.String(), values=fields.String())
    channels = fields.List(fields.String())
    send_at = fields.AwareDateTime()
    status = fields.String()
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancelled_by = fields.String(allow_none=True)
    total_units = fields.Integer()
    units_done = fields.Integer()
    chunks = fields.Integer()
    chunks_done = fields.Integer()
    notifications = fields.Integer()
    deliveries = fields.List(fields.Nested(BroadcastDeliveriesOut), allow_none=True)


# -- the providers' delivery receipts (回执, issue 10) ----------------------------------------------

class ReceiptReportIn(Schema):
    """One status report of an SMS gateway or WeChat: our delivery id (``ref``) or the provider's
    message id, ``delivered`` or ``failed``, the provider's code, message and time. Other fields a
    provider adds are ignored."""

    class Meta:
        unknown = EXCLUDE

    ref = fields.String(load_default=None, allow_none=True, validate=ID)
    message_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    status = fields.String(required=True, validate=validate.OneOf(["delivered", "failed"]))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    at = fields.AwareDateTime(load_default=None, allow_none=True)

    @validates_schema
    def _named(self, data, **kwargs):
        if not data.get("ref") and not data.get("message_id"):
            raise ValidationError("a report names our reference (ref) or the provider's message_id", "ref")


class ReceiptsOut(Schema):
    channel = fields.String()
    received = fields.Integer()
    applied = fields.Integer()
    held = fields.Integer()
    unchanged = fields.Integer()
    ignored = fields.Integer()
    unknown = fields.Integer()
