"""tickets' RPC boundary and the events it consumes."""
from __future__ import annotations

from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .domain import (complaints, feedback, inspections, keys, quality, renovation, revisits, tasks, vacant, vacant_care,
                     workflow)
from .domain.complaint_sla import DEPARTMENTS
from .events import CATEGORIES, ComplaintPart, Document, FeedbackPart

from kernel import validators as v
from kernel.money import Money

PHONE = v.PHONE


class RepairRequestIn(Schema):
    """A repair request (报修). Residents give their unit; staff recording a call
    or a visit give the channel, when it came in and who called."""

    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    category = fields.String(load_default="unclassified", validate=validate.OneOf(CATEGORIES))
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    location = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), v.FREE_TEXT])
    appointment_at = v.AwareDateTime(load_default=None, allow_none=True)
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["phone", "visit", "staff"]))
    received_at = v.AwareDateTime(load_default=None, allow_none=True)
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    request_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64))

    @validates_schema
    def _where(self, data, **_):
        if not data.get("unit_id") and not data.get("project_id"):
            raise ValidationError("Give the unit, or for a public-area request the project.", "unit_id")
        if not data.get("unit_id") and not data.get("location"):
            raise ValidationError("A request without a unit needs a location.", "location")


#: how a ticket came in: a repair's channels, a complaint's letter or revisit, the system's revisits
TICKET_CHANNELS = list(dict.fromkeys(["portal", "phone", "visit", "staff"] + list(complaints.CHANNELS) + ["system"]
                                    + list(feedback.CHANNELS)))
#: every ticket kind with its own transition table (domain/workflow.py TABLES)
TICKET_KINDS = ["repair", "complaint", "quality", "revisit", "feedback", "task", "inspection", "renovation"]
#: every ticket state a list may ask for: the repair's, then each other kind's not already among them
TICKET_STATES = list(dict.fromkeys(
    list(workflow.STATES) + list(complaints.STATES) + list(quality.STATES) + list(revisits.STATES)
    + list(feedback.STATES) + list(tasks.STATES) + list(inspections.STATES)
    + list(renovation.STATES)))
#: repair categories, then a complaint's department, a quality complaint's "warranty" and a
#: revisit's reason (each kind keeps that in the ticket's category)
TICKET_CATEGORIES = list(dict.fromkeys(
    list(CATEGORIES) + sorted(DEPARTMENTS) + ["warranty"] + list(revisits.REASONS) + list(feedback.SUB_KINDS)
    + list(tasks.CATEGORIES) + list(inspections.AREA_TYPES) + [renovation.KIND]))


class TicketQuery(Schema):
    project_id = fields.String(load_default=None, allow_none=True)
    unit_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(TICKET_STATES))
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


class ComplaintQuery(TicketQuery):
    """A page of complaints (kind complaint, default both kinds) with their own filters."""
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["complaint", "quality"]))
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(complaints.STATES + quality.STATES))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=20))
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["portal", "phone", "visit", "letter", "staff", "revisit"]))
    complaint_class = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(["major", "key", "minor"]))
    department = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(sorted(DEPARTMENTS)))



class MaterialIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    quantity = fields.Float(required=True, validate=validate.Range(min=0, min_inclusive=False, max=1_000_000))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=20))


class QuoteLineIn(Schema):
    """A line of a paid repair's quote: an item of the project's price list and how many."""
    code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    quantity = v.Quantity(required=True,
                              metadata={"description": "more than 0, at most 2 places (\"2\", \"1.5\")"})


class TransitionIn(Schema):
    """One step of the repair workflow (domain/workflow.py) with what that step records."""
    action = fields.String(required=True, validate=validate.OneOf(workflow.ACTIONS))
    # dispatch without a technician: the on-duty technician for the category (domain/duty.py)
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    work_done = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=2000))
    materials = fields.List(fields.Nested(MaterialIn), load_default=list, validate=validate.Length(max=50))
    rating = fields.Integer(load_default=None, allow_none=True, strict=True,
                            validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    # a paid repair's quote (the items of the price list); the not-covered advice
    lines = fields.List(fields.Nested(QuoteLineIn), load_default=None, allow_none=True,
                        validate=validate.Length(min=1, max=50))
    advice = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=2000))
    #: consent / refuse: the quote the resident was shown (a re-quote since is refused: 409 quote_changed)
    quote_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))

    @validates_schema
    def _needs(self, data, **_):
        needs = {workflow.COMPLETE: ("work_done",), workflow.RATE: ("rating",), workflow.CANCEL: ("reason",),
                 workflow.REFUSE: ("reason", "quote_id"), workflow.CONSENT: ("quote_id",),
                 workflow.QUOTE: ("lines",), workflow.REPLY: ("advice",)}.get(data.get("action"), ())
        for need in needs:
            if not data.get(need):
                raise ValidationError(f"{data['action']} needs {need}.", need)
        codes = [line["code"] for line in data.get("lines") or ()]
        if len(codes) != len(set(codes)):
            raise ValidationError("Each item once per quote (give its quantity).", "lines")


class ComplaintIn(Schema):
    """A complaint (投诉) to register. Residents give their unit (portal, written); staff give the
    channel, the form, when it came in and who complained; a public matter names the project only."""
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["phone", "visit", "letter", "staff"]),
        metadata={"description": "how it came in (staff); a resident's is always portal"})
    form = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["oral", "written"]),
                         metadata={"description": "oral (口头, default for staff) or written (书面)"})
    complaint_class = fields.String(load_default="minor", validate=validate.OneOf(["major", "key", "minor"]))
    department = fields.String(load_default="customer_service", validate=validate.OneOf(sorted(DEPARTMENTS)))
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    received_at = v.AwareDateTime(load_default=None, allow_none=True)
    # no channel "revisit" nor revisit_ticket_id here: a dissatisfied revisit opens its complaint
    # itself when it is recorded (domain/revisits.py), linked both ways

    @validates_schema
    def _where(self, data, **_):
        if not data.get("unit_id") and not data.get("project_id"):
            raise ValidationError("Give the unit, or for a public matter the project.", "unit_id")


class ComplaintStepIn(Schema):
    """One step of a complaint (domain/complaints.py's table) with what it records."""
    action = fields.String(required=True, validate=validate.OneOf(complaints.ACTIONS))
    department = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(sorted(DEPARTMENTS)))
    complaint_class = fields.String(load_default=None, allow_none=True,
                                    validate=validate.OneOf(["major", "key", "minor"]))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=10000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _needs(self, data, **_):
        needs = {complaints.RESPOND: ("note",), complaints.RESOLVE: ("note",),
                 complaints.WRITE_REPLY: ("body",), complaints.RECLASSIFY: ("complaint_class", "reason"),
                 complaints.CANCEL: ("reason",)}.get(data.get("action"), ())
        for need in needs:
            if not (data.get(need) or "").strip():
                raise ValidationError(f"{data['action']} needs {need}.", need)


class NamedStaffIn(Schema):
    """A member of staff praise names: their name, and their user id when the desk knows it."""
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), v.FREE_TEXT])
    user_id = fields.String(load_default=None, allow_none=True, validate=v.RECORD_ID)


class FeedbackIn(Schema):
    """Praise or a suggestion (表扬 / 建议). A resident gives their unit (the portal); the desk gives
    the channel, when it came in and who wrote, and -- about the project as a whole -- the project
    only. Praise may name staff and / or a department."""
    sub_kind = fields.String(required=True, validate=validate.OneOf(list(feedback.SUB_KINDS)))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(feedback.STAFF_CHANNELS)),
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
        if data.get("sub_kind") == feedback.SUGGESTION and (data.get("named_staff") or data.get("department")):
            raise ValidationError("Only praise names staff or a department.", "named_staff")


class FeedbackStepIn(Schema):
    """One step of praise or a suggestion (domain/feedback.py's table) with what it records."""
    action = fields.String(required=True, validate=validate.OneOf(list(feedback.ACTIONS)))
    forwarded_to = fields.String(load_default=None, allow_none=True,
                                 validate=[validate.Length(min=1, max=200), v.FREE_TEXT])
    decision = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(feedback.DECISIONS)))
    title = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=200), v.FREE_TEXT])
    body = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=5000), v.FREE_TEXT])
    reason = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=500), v.FREE_TEXT])
    note = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=500), v.FREE_TEXT])

    @validates_schema
    def _needs(self, data, **_):
        needs = {feedback.FORWARD: ("forwarded_to",), feedback.REPLY: ("body",),
                 feedback.CANCEL: ("reason",)}.get(data.get("action"), ())
        if data.get("action") == feedback.REPLY and data.get("decision") == feedback.NOT_ADOPTED:
            needs += ("reason",)
        for need in needs:
            if not (data.get(need) or "").strip():
                raise ValidationError(f"{data['action']} needs {need}.", need)


class FeedbackQuery(TicketQuery):
    """A page of praise and suggestions with the ticket lists' filters and the sub-kind."""
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["feedback"]))
    sub_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(feedback.SUB_KINDS)))
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(feedback.STATES)))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(feedback.SUB_KINDS)))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(feedback.CHANNELS)))


class QualityComplaintIn(Schema):
    """A warranty-quality complaint (质量投诉) to record: a defect the developer answers for."""
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


class QualityStepIn(Schema):
    """One step of a warranty-quality complaint (domain/quality.py's table)."""
    action = fields.String(required=True, validate=validate.OneOf(quality.ACTIONS))
    within_warranty = v.StrictBoolean(load_default=None, allow_none=True,
                                     metadata={"description": "assess: the joint assessment's finding"})
    decision = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["granted", "refused"]))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=200))
    body = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=10000),
                         metadata={"description": "assess: the assessment; explain: the explanation; "
                                                  "claim_compensation: the claim; decide_compensation: the decision"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _needs(self, data, **_):
        needs = {quality.ASSESS: ("within_warranty", "body"), quality.RESOLVE: ("note",),
                 quality.EXPLAIN: ("body",), quality.CLAIM: ("body",), quality.DECIDE: ("decision", "body"),
                 quality.CANCEL: ("reason",)}.get(data.get("action"), ())
        for need in needs:
            value = data.get(need)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise ValidationError(f"{data['action']} needs {need}.", need)


class RevisitStepIn(Schema):
    """One step of a revisit (回访, domain/revisits.py's table) with what that step records."""
    action = fields.String(required=True, validate=validate.OneOf(revisits.ACTIONS))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    quality = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 5))
    effect = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(1, 5))
    satisfaction = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf(revisits.SATISFACTION))
    shortcomings = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    suggestions = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    department = fields.String(load_default=None, allow_none=True,
                               validate=validate.OneOf(sorted(DEPARTMENTS)))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _needs(self, data, **_):
        needs = {revisits.ASSIGN: ("assignee_id",), revisits.RECORD: ("quality", "effect", "satisfaction"),
                 revisits.MARK_UNREACHABLE: ("reason",), revisits.CANCEL: ("reason",)}.get(data.get("action"), ())
        missing = {name: [f"{data['action']} needs {name}."] for name in needs if data.get(name) is None}
        if missing:
            raise ValidationError(missing)


class RevisitQuery(Schema):
    """A project's revisits (staff): due (to do, not yet overdue) or overdue, by steward, reason."""
    due = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["due", "overdue"]),
                        metadata={"description": "due: still to do, not yet past its due time; overdue: "
                                                 "still to do and past it"})
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(revisits.STATES))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                metadata={"description": "the steward the revisit is assigned to"})
    reason = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(revisits.REASONS))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class RevisitFiguresQuery(Schema):
    month = fields.String(required=True, validate=validate.Regexp(r"^(19|20)\d\d-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM (the project's local month)"})


class RevisitFiguresOut(Schema):
    project_id = fields.String()
    month = fields.String()
    repairs_done = fields.Integer()
    revisited = fields.Integer()
    by_reason = fields.Dict(keys=fields.String(), values=fields.Integer())
    target_percent = fields.Integer()
    required = fields.Integer()
    rate_percent = fields.Float(allow_none=True)


class SlaSettingIn(Schema):
    project_id = fields.String(required=True)
    key = fields.String(required=True, validate=validate.Length(min=1, max=60))
    minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=60 * 24 * 30))


class ApproverOut(Schema):
    user_id = fields.String()
    name = fields.String()


class ExtensionOut(Schema):
    """An approved overrun (超时审批) of a clock."""
    id = fields.String()
    approved_by = fields.Nested(ApproverOut)
    approved_at = fields.AwareDateTime()
    reason = fields.String()
    old_due_at = fields.AwareDateTime()
    new_due_at = fields.AwareDateTime()
    breached_at = fields.AwareDateTime(allow_none=True)


class DeadlineOut(Schema):
    kind = fields.String()
    due_at = fields.AwareDateTime()
    met_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    responsible_role = fields.String(allow_none=True)
    warned_at = fields.AwareDateTime(allow_none=True)
    breached_at = fields.AwareDateTime(allow_none=True)
    extensions = fields.List(fields.Nested(ExtensionOut))
    state = fields.String()


class ExtensionIn(Schema):
    """An approved overrun (超时审批): the clock of ``kind`` is due at ``new_due_at`` from now on."""
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    new_due_at = v.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))

    @validates_schema
    def _reason(self, data, **_):
        if not (data.get("reason") or "").strip():
            raise ValidationError("An approved overrun needs its reason.", "reason")


class LogOut(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    actor = fields.String()
    note = fields.String()


class AssigneeOut(Schema):
    user_id = fields.String()
    name = fields.String()


class MaterialOut(Schema):
    name = fields.String()
    quantity = fields.Float()
    unit = fields.String()


class ReporterOut(Schema):
    name = fields.String()
    phone = fields.String(allow_none=True)


class UserRefOut(Schema):
    user_id = fields.String()
    name = fields.String()


class PricedLineOut(Schema):
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    quantity = fields.Decimal(as_string=True)
    unit_price = Money()
    amount = Money()


class QuoteOut(Schema):
    quote_id = fields.String()
    revision = fields.Integer()
    status = fields.String()
    lines = fields.List(fields.Nested(PricedLineOut))
    total = Money()
    currency = fields.String()
    priced_on = fields.Date()
    quoted_at = fields.AwareDateTime()
    quoted_by = fields.Nested(UserRefOut)
    note = fields.String()
    consented_at = fields.AwareDateTime(allow_none=True)
    refused_at = fields.AwareDateTime(allow_none=True)
    refusal_reason = fields.String(allow_none=True)


class ChargeOut(Schema):
    charge_id = fields.String()
    lines = fields.List(fields.Nested(PricedLineOut))
    total = Money()
    currency = fields.String()
    posted_at = fields.AwareDateTime()


class AdviceOut(Schema):
    text = fields.String()
    at = fields.AwareDateTime()
    by = fields.Nested(UserRefOut)


class RevisitOut(Schema):
    reason = fields.String()
    source_ticket_id = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    due_at = fields.AwareDateTime()
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    quality = fields.Integer(allow_none=True)
    effect = fields.Integer(allow_none=True)
    satisfaction = fields.String(allow_none=True)
    shortcomings = fields.String(allow_none=True)
    suggestions = fields.String(allow_none=True)
    complaint_ticket_id = fields.String(allow_none=True)


class TicketSourceOut(Schema):
    """A repair opened by a failed item of an inspection round: the round and the item."""
    kind = fields.String()
    round_id = fields.String()
    round_number = fields.String()
    item_code = fields.String()
    item_name = fields.String()


class TicketOut(Schema):
    id = fields.String()
    number = fields.String()
    kind = fields.String()
    category = fields.String()
    channel = fields.String()
    status = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    location = fields.String()
    content = fields.String()
    reporter = fields.Nested(ReporterOut)
    appointment_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime()
    recorded_at = fields.AwareDateTime()
    engineering_notified_at = fields.AwareDateTime(allow_none=True)
    deadlines = fields.List(fields.Nested(DeadlineOut))
    history = fields.List(fields.Nested(LogOut))
    assignee = fields.Nested(AssigneeOut, allow_none=True)
    dispatched_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    arrived_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    work_note = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(MaterialOut), allow_none=True)
    rating = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    quote = fields.Nested(QuoteOut, allow_none=True)
    charge = fields.Nested(ChargeOut, allow_none=True)
    advice = fields.Nested(AdviceOut, allow_none=True)
    complaint = fields.Nested(ComplaintPart, allow_none=True)       # complaints and quality complaints
    documents = fields.List(fields.Nested(Document))
    revisit = fields.Nested(RevisitOut, allow_none=True)
    source = fields.Nested(TicketSourceOut, allow_none=True)
    feedback = fields.Nested(FeedbackPart, allow_none=True)        # praise and suggestions
    renovation = fields.Nested(lambda: RenovationPartOut(), allow_none=True)   # kind renovation: its facts
    version = fields.Integer()


# -- the price list (domain/prices.py) and the on-duty list (domain/duty.py) -----------------

PRICE_CODE = validate.Regexp(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}\Z")  # matched from the start


class PriceListQuery(Schema):
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    on = v.Date(load_default=None, allow_none=True)


class PriceItemIn(Schema):
    """An item of the price list of paid services (有偿服务价目表), in force from a date."""
    code = fields.String(required=True, validate=[validate.Length(min=1, max=40), PRICE_CODE])
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    unit = fields.String(required=True, validate=validate.Length(min=1, max=20))
    price = Money(required=True, positive=True, exact=True, validate=validate.Range(max=Decimal("100000.00")))
    effective_from = v.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class RetireItemIn(Schema):
    effective_from = v.Date(load_default=None, allow_none=True)
    reason = fields.String(load_default="", validate=validate.Length(max=300))


class PriceItemOut(Schema):
    code = fields.String()
    name = fields.String()
    unit = fields.String()
    price = Money(allow_none=True)
    effective_from = fields.Date()


class ScheduledPriceOut(PriceItemOut):
    retired = fields.Boolean()


class PriceListOut(Schema):
    project_id = fields.String()
    on = fields.Date()
    currency = fields.String()
    items = fields.List(fields.Nested(PriceItemOut))
    scheduled = fields.List(fields.Nested(ScheduledPriceOut))


class DutyEntryIn(Schema):
    """One line of the on-duty list (值班表): who takes which repairs when (project local time)."""
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES + ["*"]))
    technician_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    technician_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    weekdays = fields.List(fields.Integer(strict=True, validate=validate.Range(min=1, max=7)),
                           required=True, validate=validate.Length(min=1, max=7))
    starts = v.LocalTime(required=True)
    ends = v.LocalTime(required=True)
    valid_from = v.Date(load_default=None, allow_none=True)
    valid_to = v.Date(load_default=None, allow_none=True)

    @validates_schema
    def _period(self, data, **_):
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError("valid_to is on or after valid_from.", "valid_to")


class DutyRosterIn(Schema):
    entries = fields.List(fields.Nested(DutyEntryIn), required=True, validate=validate.Length(max=200))


class DutyEntryOut(Schema):
    category = fields.String()
    technician_id = fields.String()
    technician_name = fields.String()
    weekdays = fields.List(fields.Integer())
    starts = v.LocalTime()
    ends = v.LocalTime()
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class DutyRosterOut(Schema):
    project_id = fields.String()
    entries = fields.List(fields.Nested(DutyEntryOut))
    updated_at = fields.AwareDateTime(allow_none=True)
    on_duty_now = fields.List(fields.Nested(DutyEntryOut))


class ExportQuery(Schema):
    """A page of an owner's current snapshots (read-model rebuilds)."""
    kind = fields.String(required=True, validate=validate.OneOf(["ticket", "goods_release", "key"]))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


# -- the monthly report (domain/reports.py) ----------------------------------------

class MonthlyReportIn(Schema):
    """Which report: a project and a month of its local calendar, ``YYYY-MM``."""
    project_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    month = fields.String(required=True, validate=v.MONTH,
                          metadata={"description": "YYYY-MM in the project's time zone; finished or current"})


class KindCountOut(Schema):
    kind = fields.String()
    count = fields.Integer()


class CategoryCountOut(Schema):
    kind = fields.String()
    category = fields.String()
    count = fields.Integer()


class ChannelCountOut(Schema):
    kind = fields.String()
    channel = fields.String()
    count = fields.Integer()


class VolumesOut(Schema):
    """Tickets received in the month."""
    total = fields.Integer()
    by_kind = fields.List(fields.Nested(KindCountOut))
    by_category = fields.List(fields.Nested(CategoryCountOut))
    by_channel = fields.List(fields.Nested(ChannelCountOut))


class SlaCountsOut(Schema):
    """Clocks due in the month (after approved extensions), by their state at the report's time."""
    due = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    breached = fields.Integer()
    running = fields.Integer()
    cancelled = fields.Integer()
    extended = fields.Integer()
    rate_percent = fields.Float(allow_none=True)


class SlaClockOut(SlaCountsOut):
    ticket_kind = fields.String()
    clock = fields.String()


class SlaOut(Schema):
    clocks = fields.List(fields.Nested(SlaClockOut))
    total = fields.Nested(SlaCountsOut)


class RepairTimeOut(Schema):
    """Minutes over repairs received in the month that reached the later step."""
    measure = fields.String()
    count = fields.Integer()
    mean_minutes = fields.Float(allow_none=True)
    median_minutes = fields.Float(allow_none=True)


class ComplaintCountsOut(Schema):
    registered = fields.Integer()
    resolved = fields.Integer()
    resolved_in_limit = fields.Integer()
    upgraded = fields.Integer()
    reclassified = fields.Integer()


class ComplaintClassOut(ComplaintCountsOut):
    complaint_class = fields.String()


class ComplaintDepartmentOut(ComplaintCountsOut):
    department = fields.String()


class ComplaintsOut(Schema):
    """Complaints registered in the month, by their current class and by department."""
    total = fields.Nested(ComplaintCountsOut)
    by_class = fields.List(fields.Nested(ComplaintClassOut))
    by_department = fields.List(fields.Nested(ComplaintDepartmentOut))


class SatisfactionCountsOut(Schema):
    satisfied = fields.Integer()
    neutral = fields.Integer()
    dissatisfied = fields.Integer()
    unrecorded = fields.Integer()


class RevisitReasonOut(SatisfactionCountsOut):
    reason = fields.String()
    done = fields.Integer()


class RevisitsOut(Schema):
    """The repair revisit rate of the month against the target, and the revisits done in it."""
    repairs_closed = fields.Integer()
    repairs_revisited = fields.Integer()
    repairs_with_revisit = fields.Integer()
    rate_percent = fields.Float(allow_none=True)
    target_percent = fields.Integer()
    target_met = fields.Boolean()
    done = fields.Integer()
    by_reason = fields.List(fields.Nested(RevisitReasonOut))


class RatingCountOut(Schema):
    rating = fields.Integer()
    count = fields.Integer()


class SatisfactionOut(Schema):
    """Ratings of the repairs closed in the month; satisfaction of the revisits done in it."""
    repairs_closed = fields.Integer()
    rated = fields.Integer()
    unrated = fields.Integer()
    ratings = fields.List(fields.Nested(RatingCountOut))
    mean_rating = fields.Float(allow_none=True)
    revisits = fields.Nested(SatisfactionCountsOut)


class MonthlyReportOut(Schema):
    """A project's tickets in one month of its local calendar (工单月报)."""
    project_id = fields.String()
    project_name = fields.String()
    month = fields.String()
    timezone = fields.String()
    period_start = fields.AwareDateTime()
    period_end = fields.AwareDateTime()
    as_of = fields.AwareDateTime()
    complete = fields.Boolean()
    volumes = fields.Nested(VolumesOut)
    sla = fields.Nested(SlaOut)
    repair_times = fields.List(fields.Nested(RepairTimeOut))
    complaints = fields.Nested(ComplaintsOut)
    revisits = fields.Nested(RevisitsOut)
    satisfaction = fields.Nested(SatisfactionOut)


# -- events tickets consumes (only the fields it reads) ------------------------

class _In(Schema):
    class Meta:
        unknown = EXCLUDE


class ProjectChangedIn(_In):
    project_id = fields.String(required=True)
    group_id = fields.String(required=True)
    name = fields.String(required=True)
    timezone = fields.String(required=True)
    version = fields.Integer(required=True)


class UnitChangedIn(_In):
    unit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    label = fields.String(required=True)
    version = fields.Integer(required=True)


class PersonIn(_In):
    name = fields.String(required=True)
    role = fields.String(required=True)
    phone = fields.String(allow_none=True, load_default=None)


class HouseholdChangedIn(_In):
    household_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    status = fields.String(required=True)
    people = fields.List(fields.Nested(PersonIn), required=True)
    version = fields.Integer(required=True)


class NotificationDeliveredIn(_In):
    purpose = fields.String(required=True)
    ref_type = fields.String(allow_none=True, load_default=None)
    ref_id = fields.String(allow_none=True, load_default=None)
    channel = fields.String(required=True)
    delivered_at = fields.AwareDateTime(required=True)


# -- goods releases (物品放行, domain/goods_release.py) ------------------------------------------

from .domain import goods_release as _gr  # noqa: E402


class GoodsItemIn(Schema):
    """One line of a goods release: what leaves and how many (搬离物品名称/数量)."""
    name = fields.String(required=True, validate=v.Text(100))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(1, 9999))


class OwnerConsentIn(Schema):
    """The owner's consent to a tenant's or an agent's release (核实业主意见): the owner's name, how
    it was given (in person with the owner's document / by phone) and the owner's ID number -- matched
    with the household file at verify (kept masked)."""
    name = fields.String(required=True, validate=v.NAME)
    how = fields.String(required=True, validate=validate.OneOf(["in_person", "by_phone"]))
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(load_default=None, allow_none=True, validate=v.ID_NUMBER_TEXT)
    note = fields.String(load_default="", validate=v.NOTE)


class IdentityCheckIn(Schema):
    """The identity check (核查业主资料): ``in_person`` -- the ID document seen (type and number);
    ``by_phone`` -- the ID number, the family members and the employer the caller named; and
    whether it matched the household file."""
    method = fields.String(required=True, validate=validate.OneOf(_gr.IDENTITY_METHODS))
    person_name = fields.String(required=True, validate=v.NAME)
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(required=True, validate=v.ID_NUMBER_TEXT)   # check digit: 422 (domain)
    family_members = fields.List(fields.String(validate=v.NAME), load_default=list,
                                 validate=validate.Length(max=20))
    employer = fields.String(load_default=None, allow_none=True, validate=v.Text(200))
    matched_archive = v.StrictBoolean(required=True)
    #: in person only: the file holds no number for the person, the desk attests the document it saw
    #: (recorded ``matched_archive: false``; trial 4 M11)
    attested = v.StrictBoolean(load_default=False)
    note = fields.String(load_default="", validate=v.NOTE)

    @validates_schema
    def _method(self, data, **_):
        if data["method"] == "in_person" and not data.get("id_type"):
            raise ValidationError("An in-person check names the document seen (id_type).", "id_type")
        if data["method"] == "by_phone":
            # the family members named are compared with the file: none named is right only for a
            # one-person household (the domain checks it, trial 4 M8)
            if not data.get("employer"):
                raise ValidationError("A check by phone names the employer (工作单位).", "employer")


class GoodsReleaseIn(Schema):
    """A goods release (物品放行单): unit, requester and role, mover and ID, items, moving time;
    staff may record the identity check with it."""
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    requester_name = fields.String(load_default=None, allow_none=True, validate=v.NAME)
    requester_role = fields.String(required=True, validate=validate.OneOf(_gr.REQUESTER_ROLES))
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


class GoodsReleaseStepIn(Schema):
    """One step of a goods release (``goods_release.TABLE``): verify {identity, owner_consent?},
    approve_attestation / approve / issue / use {note?}, void {reason}."""
    action = fields.String(required=True, validate=validate.OneOf(_gr.ACTIONS))
    identity = fields.Nested(IdentityCheckIn, load_default=None, allow_none=True)
    owner_consent = fields.Nested(OwnerConsentIn, load_default=None, allow_none=True)
    note = fields.String(load_default="", validate=v.NOTE)
    reason = fields.String(load_default=None, allow_none=True, validate=v.Text(1000, one_line=False))

    @validates_schema
    def _needs(self, data, **_):
        if data["action"] == "verify" and not data.get("identity"):
            raise ValidationError("verify records the identity check.", "identity")
        if data["action"] == "void" and not (data.get("reason") or "").strip():
            raise ValidationError("A void says why (作废原因).", "reason")


class GoodsReleaseQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(1, 200))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, 1_000_000))


class _Who(Schema):
    user_id = fields.String(allow_none=True)
    name = fields.String()


class _Requester(Schema):
    name = fields.String()
    role = fields.String()
    user_id = fields.String(allow_none=True)
    person_id = fields.String(allow_none=True)          # a resident's own request: his person of the file


class _Reviewed(Schema):
    """主管复核 of an attested check: who approved it, when."""
    user_id = fields.String(allow_none=True)
    name = fields.String()
    at = fields.String()
    note = fields.String(allow_none=True)


class _Mover(Schema):
    name = fields.String()
    id_type = fields.String()
    id_number_masked = fields.String()


class _Consent(Schema):
    name = fields.String()
    how = fields.String()
    note = fields.String(allow_none=True)
    id_type = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    matched_archive = fields.Boolean(allow_none=True)
    checked_by = fields.String(allow_none=True)
    checked_at = fields.String(allow_none=True)


class _Identity(Schema):
    method = fields.String()
    person_name = fields.String()
    id_type = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    family_members = fields.List(fields.String())
    employer = fields.String(allow_none=True)
    matched_archive = fields.Boolean()
    attested = fields.Boolean(allow_none=True)
    household_role = fields.String(allow_none=True)
    checked_by = fields.Nested(_Who)
    checked_at = fields.String()
    note = fields.String()
    reviewed = fields.Nested(_Reviewed, allow_none=True)


class _Fees(Schema):
    unpaid = fields.String()
    balance_due = fields.String()
    overdue = fields.String()
    as_of = fields.String(allow_none=True)
    block_on = fields.String()
    checked_at = fields.String()


class _Item(Schema):
    name = fields.String()
    quantity = fields.Integer()


class _Logged(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    actor = fields.Nested(_Who)
    note = fields.String()


class GoodsReleaseOut(Schema):
    id = fields.String()
    release_id = fields.String()                       # the same as id (kept for older clients)
    group_id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    household_id = fields.String(allow_none=True)
    number = fields.String(allow_none=True)
    status = fields.String()
    requester = fields.Nested(_Requester)
    owner_consent = fields.Nested(_Consent, allow_none=True)
    mover = fields.Nested(_Mover)
    items = fields.List(fields.Nested(_Item))
    move_at = fields.AwareDateTime()
    note = fields.String()
    identity = fields.Nested(_Identity, allow_none=True)
    fees = fields.Nested(_Fees, allow_none=True)
    finance_signed = fields.Nested(_Who, allow_none=True)
    finance_signed_at = fields.AwareDateTime(allow_none=True)
    issued = fields.Nested(_Who, allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
    used = fields.Nested(_Who, allow_none=True)
    used_at = fields.AwareDateTime(allow_none=True)
    voided = fields.Nested(_Who, allow_none=True)
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    printed = fields.Nested(_Who, allow_none=True)          # the first print (打印记录)
    printed_at = fields.AwareDateTime(allow_none=True)
    print_count = fields.Integer()                          # prints so far; from the second: 补打
    recorded_at = fields.AwareDateTime()
    version = fields.Integer()
    history = fields.List(fields.Nested(_Logged))


class GoodsReleaseListOut(Schema):
    items = fields.List(fields.Nested(GoodsReleaseOut))


class GoodsReleasePrintOut(Schema):
    """One recorded print of the goods release pass (打印记录): its number (1: the first; from 2 a
    reprint, 补打), when, by whom."""
    number = fields.Integer()
    at = fields.AwareDateTime()
    by = fields.Nested(_Who)
    reprint = fields.Boolean()


class GoodsReleasePrintedOut(Schema):
    """A print recorded (what an idempotent replay answers again): the print and the release after it."""
    print = fields.Nested(GoodsReleasePrintOut)
    release = fields.Nested(GoodsReleaseOut)


# -- keys (钥匙, domain/keys.py) and vacant units (空置房, domain/vacant.py) ------------------------

_REF = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=100), v.ONE_LINE])


class KeyReceiveIn(Schema):
    """The developer hands over a unit's key (钥匙交接): a new row of the register."""
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    label = fields.String(load_default="入户门钥匙", validate=v.NAME)
    copies = fields.Integer(load_default=1, strict=True, validate=validate.Range(1, 50))
    name = fields.String(load_default=None, allow_none=True, validate=v.NAME)     # who handed it over
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class KeyDepositDecisionIn(Schema):
    """The CS or centre manager's decision on a late borrower's kept key deposit (``keys.decide_deposit``):
    ``release`` (given back) or ``forfeit`` (to income, 押金扣除), with a note."""
    decision = fields.String(required=True, validate=validate.OneOf(list(keys.DECISIONS)))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class KeyMoveIn(Schema):
    """One movement of a key (``keys.TABLE``) with the papers that movement needs."""
    action = fields.String(required=True, validate=validate.OneOf([a for a in keys.ACTIONS if a != keys.RECEIVE]))
    borrower_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["borrower", "contractor"]))
    name = fields.String(load_default=None, allow_none=True, validate=v.NAME)
    phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    #: the document seen (证件类型) -- needed with its number; a resident ID's check digit is checked
    id_type = fields.String(load_default=None, allow_none=True, validate=v.ID_TYPE)
    id_number = fields.String(load_default=None, allow_none=True, validate=v.ID_NUMBER_TEXT)
    contract_ref = _REF
    receipt_ref = _REF
    proof_ref = _REF
    #: take_deposit: billing's deposit (purpose key, held on the key's unit)
    deposit_id = fields.String(load_default=None, allow_none=True, validate=[validate.Length(min=1, max=64), v.ONE_LINE])
    #: owner_consent: the person the owner lets borrow their deposited key
    borrower_name = fields.String(load_default=None, allow_none=True, validate=v.NAME)
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
    state = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(keys.STATES)))


class CopiesFoundIn(Schema):
    """A key counted by its copies (a key has ``copies``: 2 of 2, 1 of 2 found)."""
    key_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    copies = fields.Integer(required=True, strict=True, validate=validate.Range(0, 50))


class StockCheckIn(Schema):
    """A count of the key store: the key ids found there (the register says which should be)."""
    kind = fields.String(load_default="monthly", validate=validate.OneOf(["monthly", "spot"]))
    found = fields.List(fields.String(validate=validate.Length(min=1, max=36)), required=True,
                        validate=validate.Length(max=5000))
    copies_found = fields.List(fields.Nested(CopiesFoundIn), load_default=list, validate=validate.Length(max=5000),
                               metadata={"description": "keys found with fewer copies than the register's (0: "
                                                        "none found) -- a key listed here need not be in found"})
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class StockCheckQuery(Schema):
    month = fields.String(load_default=None, allow_none=True, validate=v.Month())


class KeyDepositOut(Schema):
    """A loan's key deposit (押金, a borrower who returned a key late before) and, kept after a late return
    again, the CS manager's decision on it (release / forfeit: who, when, the note)."""
    status = fields.String()
    required = fields.Boolean()
    amount = Money(allow_none=True)
    receipt = fields.String(allow_none=True)
    taken_by = fields.String(allow_none=True)
    taken_at = fields.AwareDateTime(allow_none=True)
    released_at = fields.AwareDateTime(allow_none=True)
    decision = fields.String(allow_none=True)
    decided_by = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class KeyMovementOut(Schema):
    id = fields.String()
    action = fields.String()
    from_state = fields.String(allow_none=True)
    to_state = fields.String()
    at = fields.AwareDateTime()
    by = fields.String()
    party_kind = fields.String(allow_none=True)
    party_name = fields.String(allow_none=True)
    party_phone = fields.String(allow_none=True)
    party_id_type = fields.String(allow_none=True)
    party_id_number = fields.String(allow_none=True)
    contract_ref = fields.String(allow_none=True)
    receipt_ref = fields.String(allow_none=True)
    proof_ref = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    late = fields.Boolean()
    minutes_late = fields.Integer(allow_none=True)
    consented_name = fields.String(allow_none=True)
    consented_id_type = fields.String(allow_none=True)
    consented_id_number = fields.String(allow_none=True)
    deposit = fields.Nested(KeyDepositOut, allow_none=True)


class LateReturnOut(Schema):
    loan_id = fields.String()
    at = fields.AwareDateTime()
    due_back_at = fields.AwareDateTime(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    minutes_late = fields.Integer(allow_none=True)


class KeyLoanOut(KeyMovementOut):
    approved_by = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    due_back_at = fields.AwareDateTime(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    late = fields.Boolean()
    deposit_required = fields.Boolean()
    deposit_ref = fields.String(allow_none=True)
    ticket_id = fields.String(allow_none=True)
    earlier_late_returns = fields.List(fields.Nested(LateReturnOut))
    deposit_status = fields.String()
    deposit_amount_due = Money(allow_none=True)
    deposit_id = fields.String(allow_none=True)
    deposit_amount = Money(allow_none=True)
    deposit_receipt = fields.String(allow_none=True)
    deposit_taken_by = fields.String(allow_none=True)
    deposit_taken_at = fields.AwareDateTime(allow_none=True)
    deposit_released_at = fields.AwareDateTime(allow_none=True)
    consent_id = fields.String(allow_none=True)


class KeyPhoneRead(Schema):
    """Why the desk reads a borrower's whole phone (logged)."""
    purpose = fields.String(required=True, validate=v.PURPOSE)


class KeyPhoneReadQuery(Schema):
    """The record of borrowers' phone reads (借用人电话查阅记录): filters and a page, newest first."""
    loan_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    key_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    reader_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    outcome = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["allowed", "refused"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class KeyPhoneReadOut(Schema):
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
    read_at = fields.AwareDateTime()
    outcome = fields.String()
    refusal = fields.String(allow_none=True)


class KeyPhoneReadPageOut(Schema):
    items = fields.List(fields.Nested(KeyPhoneReadOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class KeyLoanPhoneOut(Schema):
    key_id = fields.String()
    loan_id = fields.String()
    party_kind = fields.String(allow_none=True)
    party_name = fields.String(allow_none=True)
    party_phone = fields.String(allow_none=True)
    due_back_at = fields.AwareDateTime(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)


class KeyOut(Schema):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    label = fields.String()
    copies = fields.Integer()
    state = fields.String()
    holder_name = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime()
    version = fields.Integer()
    loan = fields.Nested(KeyLoanOut, allow_none=True)
    history = fields.List(fields.Nested(KeyMovementOut), allow_none=True)


class DiscrepancyOut(Schema):
    key_id = fields.String()
    unit_label = fields.String()
    label = fields.String()
    register_state = fields.String()
    expected = fields.Boolean()
    counted = fields.Boolean()
    copies = fields.Integer()
    copies_counted = fields.Integer()


class StockCheckOut(Schema):
    id = fields.String()
    project_id = fields.String()
    kind = fields.String()
    month = fields.String()
    at = fields.AwareDateTime()
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
    result = fields.String(required=True, validate=validate.OneOf(list(vacant.RESULTS)))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class VacantCheckIn(Schema):
    """A vacant unit's check: one finding per room (客厅, 卧室, 厨房, 卫生间 ...)."""
    findings = fields.List(fields.Nested(FindingIn), required=True, validate=validate.Length(min=1, max=30))


class CrackDecisionIn(Schema):
    """The manager's decision on a crack: approve (a repair ticket) or reject."""
    approve = v.StrictBoolean(required=True)
    #: the reason: required to reject (422 decision_reason_required); told to nobody outside the staff
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)


class FindingOut(Schema):
    id = fields.String()
    room = fields.String()
    result = fields.String()
    note = fields.String(allow_none=True)
    repair_state = fields.String()
    repair_ticket_id = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class VacantSummaryOut(Schema):
    result = fields.String()
    rooms = fields.Integer()
    ok = fields.Integer()
    defects = fields.Integer()
    cracks = fields.Integer()


class VacantCheckOut(Schema):
    id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    month = fields.String()
    status = fields.String()
    checked_at = fields.AwareDateTime(allow_none=True)
    reported_at = fields.AwareDateTime(allow_none=True)
    check_by = fields.AwareDateTime(allow_none=True)
    report_by = fields.AwareDateTime(allow_none=True)
    task_id = fields.String(allow_none=True)
    summary = fields.Nested(VacantSummaryOut, allow_none=True)
    findings = fields.List(fields.Nested(FindingOut))



# -- the care of vacant units (空置房保养, domain/vacant_care.py) ------------------------------------

class VacantCareRecordIn(Schema):
    """A care visit done: the approved key loan it entered by, who did it and when, a note; dried against
    mould; an anomaly (told at once to the CS manager) with its kind."""
    key_loan_id = fields.String(load_default=None, allow_none=True, validate=v.RECORD_ID)
    performed_by = fields.String(load_default=None, allow_none=True, validate=v.NAME)
    performed_at = v.AwareDateTime(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)
    dried = v.StrictBoolean(load_default=False)
    anomaly = v.StrictBoolean(load_default=False)
    anomaly_kind = fields.String(load_default=None, allow_none=True,
                                 validate=validate.OneOf(list(vacant_care.ANOMALY_KINDS)))


class VacantCareCancelIn(Schema):
    """The CS / centre manager cancels a care task not done, with the reason."""
    reason = fields.String(required=True, validate=[validate.Length(min=1, max=500), v.FREE_TEXT])


class VacantCareQuery(Schema):
    """A project's care tasks: open (not done), due (not done, still ahead), overdue, done, cancelled."""
    state = fields.String(load_default="open", validate=validate.OneOf(list(vacant_care.LIST_STATES)))
    care_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(vacant_care.KINDS)))
    unit_id = fields.String(load_default=None, allow_none=True, validate=v.RECORD_ID)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class VacantCareOut(Schema):
    id = fields.String()
    project_id = fields.String()
    unit_id = fields.String()
    unit_label = fields.String()
    care_kind = fields.String()
    label = fields.String()
    department = fields.String()
    responsible_role = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    due_at = fields.AwareDateTime()
    status = fields.String()
    overdue = fields.Boolean()
    performed_by = fields.String(allow_none=True)
    performed_at = fields.AwareDateTime(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)
    key_loan_id = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    dried = fields.Boolean()
    anomaly = fields.Boolean()
    anomaly_kind = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)


class VacantCareListOut(Schema):
    items = fields.List(fields.Nested(VacantCareOut))
    total = fields.Integer()

class VacantRegisterOut(Schema):
    id = fields.String(allow_none=True)
    project_id = fields.String()
    month = fields.String()
    unit_ids = fields.List(fields.String())
    owner_registered = fields.List(fields.String())
    updated_at = fields.AwareDateTime(allow_none=True)
    task_id = fields.String(allow_none=True)
    checks = fields.List(fields.Nested(VacantCheckOut))


# -- daily inspections (巡检, domain/inspections.py) ----------------------------------------------

class ChecklistItemIn(Schema):
    """One item of a checklist: ``code`` of the current list (kept: a rename), none (added)."""
    code = fields.String(load_default=None, allow_none=True, validate=validate.Regexp(r"[A-Z]{2}[0-9]{2,3}\Z"))
    name = fields.String(required=True, validate=v.NAME)


class ChecklistIn(Schema):
    """A project's whole checklist for one area type (CS manager, centre manager): a new version."""
    items = fields.List(fields.Nested(ChecklistItemIn), required=True,
                        validate=validate.Length(min=1, max=inspections.MAX_ITEMS))
    reason = fields.String(load_default="", validate=v.NOTE)


class AreaTypePath(Schema):
    area_type = fields.String(required=True, validate=validate.OneOf(list(inspections.AREA_TYPES)))


class AreaIn(Schema):
    """A new inspection area (巡检区域)."""
    name = fields.String(required=True, validate=v.NAME)
    area_type = fields.String(required=True, validate=validate.OneOf(list(inspections.AREA_TYPES)))
    building_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    steward_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    steward_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))


class AreaChangeIn(Schema):
    """An area's new name, building, steward (null: the building's) or active flag; absent: kept."""
    name = fields.String(validate=v.NAME)
    building_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=36))
    steward_id = fields.String(allow_none=True, validate=validate.Length(min=1, max=100))
    steward_name = fields.String(allow_none=True, validate=validate.Length(max=100))
    active = v.StrictBoolean()


class AreaQuery(Schema):
    area_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(inspections.AREA_TYPES)))
    active = fields.Boolean(load_default=None, allow_none=True)


class ItemResultIn(Schema):
    """One item's result: ok or failed, an optional note and photo (a document/object id)."""
    item_code = fields.String(required=True, validate=validate.Regexp(r"[A-Z]{2}[0-9]{2,3}\Z"))
    outcome = fields.String(required=True, validate=validate.OneOf(list(inspections.OUTCOMES)))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)
    photo_ref = fields.String(load_default=None, allow_none=True, validate=v.PHOTO_REF)


def _one_result_per_item(results):
    codes = [r["item_code"] for r in results]
    if len(codes) != len(set(codes)):
        raise ValidationError("One result per item.")


class RoundStepIn(Schema):
    """One step of a round (domain/inspections.py's table) with what that step records."""
    action = fields.String(required=True, validate=validate.OneOf(inspections.ACTIONS))
    results = fields.List(fields.Nested(ItemResultIn), load_default=None, allow_none=True,
                          validate=[validate.Length(max=inspections.MAX_ITEMS), _one_result_per_item])
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, allow_none=True, validate=v.NOTE)
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))

    @validates_schema
    def _needs(self, data, **_):
        if data["action"] == inspections.ASSIGN and not data.get("assignee_id"):
            raise ValidationError("Assigning a patrol names the steward.", "assignee_id")
        if data["action"] == inspections.CANCEL and not (data.get("reason") or "").strip():
            raise ValidationError("Cancelling a round needs the reason.", "reason")
        if data["action"] == inspections.RECORD and not data.get("results"):
            raise ValidationError("Recording needs at least one result.", "results")


class RoundQuery(Schema):
    """A project's rounds: due (to do, inside the deadline) or missed, by steward, area, day."""
    due = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["due", "missed"]),
                        metadata={"description": "due: planned or in progress inside its deadline; missed: "
                                                 "missed, or past its deadline and not marked yet"})
    status = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(inspections.STATES)))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100),
                                metadata={"description": "the steward the round is assigned to"})
    area_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    day = v.Date(load_default=None, allow_none=True, metadata={"description": "a patrol's local day"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


class ByStewardQuery(Schema):
    day = v.Date(load_default=None, allow_none=True)


class InspectionSheetQuery(Schema):
    """The day of an inspection area's printed sheet (domain/printouts.py); default today at the site."""
    date = v.Date(load_default=None, allow_none=True, metadata={"description": "the patrol day (YYYY-MM-DD)"})


class ChecklistItemOut(Schema):
    code = fields.String()
    name = fields.String()


class TemplateOut(Schema):
    area_type = fields.String()
    area_type_name = fields.String()
    version = fields.Integer()
    items = fields.List(fields.Nested(ChecklistItemOut))
    is_default = fields.Boolean()
    changed_by = fields.Nested(UserRefOut, allow_none=True)
    changed_at = fields.AwareDateTime(allow_none=True)
    reason = fields.String()


class TemplateVersionOut(Schema):
    version = fields.Integer()
    items = fields.List(fields.Nested(ChecklistItemOut))
    reason = fields.String()
    changed_by = fields.Nested(UserRefOut, allow_none=True)
    changed_at = fields.AwareDateTime(allow_none=True)


class AreaOut(Schema):
    id = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    name = fields.String()
    area_type = fields.String()
    area_type_name = fields.String()
    building_id = fields.String(allow_none=True)
    steward_id = fields.String(allow_none=True)
    steward_name = fields.String(allow_none=True)
    steward = fields.Nested(UserRefOut, allow_none=True, metadata={
        "description": "who patrols it: the area's own steward, else its building's (管家片区)"})
    steward_source = fields.String(allow_none=True, metadata={
        "description": "where the steward comes from: area (its own) or building (the building's, 管家片区); "
                       "null: nobody patrols it"})
    steward_active = fields.Boolean(allow_none=True, metadata={
        "description": "false: the steward's account is deactivated -- the plan gives the area's patrols to "
                       "the CS manager, unassigned"})
    active = fields.Boolean()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    version = fields.Integer()


class RoundAreaOut(Schema):
    id = fields.String()
    name = fields.String()
    area_type = fields.String()
    building_id = fields.String(allow_none=True)


class RoundItemOut(Schema):
    code = fields.String()
    name = fields.String()
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    photo_ref = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)
    recorded_by = fields.Nested(UserRefOut, allow_none=True)
    repair_ticket_id = fields.String(allow_none=True)
    repair_number = fields.String(allow_none=True)


class RoundHistoryOut(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    actor = fields.String()
    note = fields.String()


class RoundOut(Schema):
    id = fields.String()
    number = fields.String()
    status = fields.String()
    group_id = fields.String()
    project_id = fields.String()
    area = fields.Nested(RoundAreaOut)
    template_version = fields.Integer()
    day = fields.String(allow_none=True, metadata={"format": "date"})
    slot = fields.Integer(allow_none=True)
    window_start = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    assignee = fields.Nested(UserRefOut, allow_none=True)
    started_at = fields.AwareDateTime(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.Nested(UserRefOut, allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    breached_at = fields.AwareDateTime(allow_none=True)
    items = fields.List(fields.Nested(RoundItemOut))
    history = fields.List(fields.Nested(RoundHistoryOut))
    version = fields.Integer()


class RoundListOut(Schema):
    items = fields.List(fields.Nested(RoundOut))
    total = fields.Integer()


class StewardPatrolsOut(Schema):
    steward = fields.Nested(UserRefOut, allow_none=True)
    due = fields.Integer()
    done = fields.Integer()
    missed = fields.Integer()
    cancelled = fields.Integer()


# -- the month's inspection figures (日常巡检统计表, domain/inspection_figures.py) ---------------------

class InspectionCountsOut(Schema):
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


class InspectionFindingOut(Schema):
    day = fields.String(metadata={"format": "date"})
    area_id = fields.String()
    area_name = fields.String()
    round_id = fields.String()
    round_number = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    note = fields.String(allow_none=True)
    recorded_by = fields.Nested(UserRefOut)
    recorded_at = fields.AwareDateTime()
    repair_ticket_id = fields.String(allow_none=True)
    repair_number = fields.String(allow_none=True)
    repair_status = fields.String(allow_none=True)


class InspectionFiguresOut(Schema):
    """The month's inspection figures (日常巡检统计表): per area, per steward, the findings."""
    project_id = fields.String()
    project_name = fields.String()
    month = fields.String()
    first_day = fields.String(metadata={"format": "date"})
    last_day = fields.String(metadata={"format": "date"})
    complete = fields.Boolean(metadata={"description": "false: the current month, as it stands"})
    generated_at = fields.AwareDateTime()
    total = fields.Nested(InspectionCountsOut)
    areas = fields.List(fields.Nested(InspectionAreaFiguresOut))
    stewards = fields.List(fields.Nested(InspectionStewardFiguresOut))
    findings = fields.List(fields.Nested(InspectionFindingOut))


class StewardAssignedIn(_In):
    """archive's ``steward.assigned`` (管家片区): tickets keeps the buildings' stewards (an area's
    patroller when the area names none)."""
    assignment_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    building_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True, load_default=None)
    steward_id = fields.String(allow_none=True, load_default=None)
    steward_name = fields.String(allow_none=True, load_default=None)
    assigned_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)


# -- renovation (装修, domain/renovation.py) --------------------------------------------------------

class RenovationDocumentIn(Schema):
    """A document already uploaded to archive's document store for the household."""
    doc_type = fields.String(required=True, validate=validate.OneOf(renovation.DOCUMENT_TYPES))
    document_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class RenovationIn(Schema):
    """A renovation application (装修申请): the unit, what is renovated, by whom, when."""
    unit_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    content = fields.String(required=True, validate=[validate.Length(min=2, max=2000), v.FREE_TEXT])
    contractor = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=200), v.FREE_TEXT])
    planned_start = fields.Date(load_default=None, allow_none=True)
    planned_end = fields.Date(load_default=None, allow_none=True)
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    documents = fields.List(fields.Nested(RenovationDocumentIn), load_default=list)


class RenovationStepIn(Schema):
    """One step of a renovation (domain/renovation.py's table) with what it records."""
    action = fields.String(required=True, validate=validate.OneOf(renovation.ACTIONS))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    doc_type = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(renovation.DOCUMENT_TYPES))
    document_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    pass_kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(sorted(renovation.PASS_KINDS)))
    pass_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=36))
    holder_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    detail = fields.String(load_default=None, allow_none=True, validate=[validate.Length(max=400), v.FREE_TEXT])
    valid_until = fields.Date(load_default=None, allow_none=True)
    violations = fields.List(fields.String(validate=validate.Length(min=1, max=200)), load_default=list,
                             validate=validate.Length(max=50))
    waste_seen = v.StrictBoolean(load_default=False)
    acceptance_on = fields.Date(load_default=None, allow_none=True)
    occupied_on = fields.Date(load_default=None, allow_none=True)
    withheld_amount = Money(load_default=None, allow_none=True, allow_negative=False)

    @validates_schema
    def _needs(self, data, **_):
        needs = {renovation.ATTACH_DOCUMENT: ("doc_type", "document_id"), renovation.REJECT: ("note",),
                 renovation.ISSUE_PASS: ("pass_kind", "holder_name"), renovation.VOID_PASS: ("pass_id",),
                 renovation.REQUEST_ACCEPTANCE: ("acceptance_on",), renovation.CANCEL: ("reason",)}.get(
            data.get("action"), ())
        for need in needs:
            if data.get(need) in (None, ""):
                raise ValidationError(f"{data['action']} needs {need}.", need)


class RenovationFeesPaidIn(Schema):
    """billing's ``renovation.fees_paid`` (the fields tickets reads)."""
    class Meta:
        unknown = EXCLUDE
    renovation_id = fields.String(required=True)
    deposit_id = fields.String(allow_none=True, load_default=None)
    garbage_fee = Money(allow_none=True, load_default=None)
    paid_at = fields.AwareDateTime(required=True)


class RenovationFeesChargedIn(Schema):
    """billing's ``renovation.fees_charged`` (the fields tickets reads)."""
    class Meta:
        unknown = EXCLUDE
    renovation_id = fields.String(required=True)
    garbage_fee = Money(required=True)
    charged_at = fields.AwareDateTime(required=True)


class RenovationDepositRefundedIn(Schema):
    """billing's ``renovation.deposit_refunded`` (the fields tickets reads)."""
    class Meta:
        unknown = EXCLUDE
    renovation_id = fields.String(required=True)
    amount = Money(required=True)
    paid_at = fields.AwareDateTime(required=True)


class _RenovationPass(Schema):
    id = fields.String()
    kind = fields.String()
    number = fields.String()
    holder_name = fields.String()
    detail = fields.String(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    issued_at = fields.AwareDateTime()
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)


class _User(Schema):
    user_id = fields.String()
    name = fields.String()


class _RenovationPatrol(Schema):
    id = fields.String()
    at = fields.AwareDateTime()
    by = fields.Nested(_User)
    note = fields.String()
    violations = fields.List(fields.String())
    waste_seen = fields.Boolean()


class _ChecklistItem(Schema):
    doc_type = fields.String()
    present = fields.Boolean()
    document_ids = fields.List(fields.String())


class RenovationPartOut(Schema):
    """A renovation's own facts: the checklist, review, fees, permit, passes, patrols, acceptance,
    occupancy, re-inspection and refund."""
    contractor = fields.String()
    planned_start = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    deposit_amount = Money()
    documents = fields.List(fields.Nested(RenovationDocumentIn))
    checklist = fields.List(fields.Nested(_ChecklistItem))
    missing = fields.List(fields.String())
    submitted_at = fields.AwareDateTime(allow_none=True)
    review_rounds = fields.Integer()
    reviewed_at = fields.AwareDateTime(allow_none=True)
    review_note = fields.String(allow_none=True)
    agreement_at = fields.AwareDateTime(allow_none=True)
    fees_requested_at = fields.AwareDateTime(allow_none=True)
    fees_paid_at = fields.AwareDateTime(allow_none=True)
    fees_charged_at = fields.AwareDateTime(allow_none=True)
    garbage_fee = Money(allow_none=True)
    garbage_fee_status = fields.String()
    may_start = fields.Boolean()
    permit_number = fields.String(allow_none=True)
    permit_issued_at = fields.AwareDateTime(allow_none=True)
    passes = fields.List(fields.Nested(_RenovationPass))
    patrols = fields.List(fields.Nested(_RenovationPatrol))
    acceptance_on = fields.Date(allow_none=True)
    acceptance_requested_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    occupied_on = fields.Date(allow_none=True)
    reinspection_due_at = fields.AwareDateTime(allow_none=True)
    reinspected_at = fields.AwareDateTime(allow_none=True)
    violations = fields.List(fields.String())
    withheld_amount = Money(allow_none=True)
    refund_amount = Money(allow_none=True)
    refund_requested_at = fields.AwareDateTime(allow_none=True)
    refunded_at = fields.AwareDateTime(allow_none=True)
    archived_at = fields.AwareDateTime(allow_none=True)


class RenovationOut(Schema):
    """``ticket``: the ticket as every ticket reply (schemas.TicketOut); ``renovation``: its part."""
    id = fields.String()                               # the ticket's id (ticket.id)
    ticket = fields.Dict()
    renovation = fields.Nested(RenovationPartOut)
