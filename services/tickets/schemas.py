"""tickets' RPC boundary and the events it consumes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .domain import complaints, quality, revisits, workflow
from .domain.complaint_sla import DEPARTMENTS
from .events import CATEGORIES, ComplaintPart, Document

from kernel import validators as v

PHONE = v.PHONE


class RepairRequestIn(Schema):
    """A repair request (报修). Residents give their unit; staff recording a call
    or a visit give the channel, when it came in and who called."""

    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    category = fields.String(load_default="unclassified", validate=validate.OneOf(CATEGORIES))
    content = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    location = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
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


#: every ticket state a list may ask for (the repair's, then the revisit's not already among them)
TICKET_STATES = list(workflow.STATES) + [s for s in revisits.STATES if s not in workflow.STATES]
TICKET_KINDS = ["repair", "revisit"]
#: repair categories, then revisit reasons (a revisit's category is its reason)
TICKET_CATEGORIES = list(CATEGORIES) + list(revisits.REASONS)


class TicketQuery(Schema):
    project_id = fields.String(load_default=None, allow_none=True)
    unit_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(TICKET_STATES))
    open_only = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TICKET_KINDS))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(TICKET_CATEGORIES),
                             metadata={"description": "a repair's category, or a revisit's reason"})
    channel = fields.String(load_default=None, allow_none=True,
                            validate=validate.OneOf(["portal", "phone", "visit", "staff"]))
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


class TransitionIn(Schema):
    """One step of the repair workflow (domain/workflow.py) with what that step records."""
    action = fields.String(required=True, validate=validate.OneOf(workflow.ACTIONS))
    assignee_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=100))
    assignee_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    work_done = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=2000))
    materials = fields.List(fields.Nested(MaterialIn), load_default=list, validate=validate.Length(max=50))
    rating = fields.Integer(load_default=None, allow_none=True, strict=True,
                            validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=500))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))

    @validates_schema
    def _needs(self, data, **_):
        need = {workflow.DISPATCH: "assignee_id", workflow.COMPLETE: "work_done",
                workflow.RATE: "rating", workflow.CANCEL: "reason"}.get(data.get("action"))
        if need and not data.get(need):
            raise ValidationError(f"{data['action']} needs {need}.", need)


class ComplaintIn(Schema):
    """A complaint (投诉) to register. Residents give their unit (portal, written); staff give the
    channel, the form, when it came in and who complained; a public matter names the project only."""
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["phone", "visit", "letter", "staff", "revisit"]),
        metadata={"description": "how it came in (staff); a resident's is always portal"})
    form = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["oral", "written"]),
                         metadata={"description": "oral (口头, default for staff) or written (书面)"})
    complaint_class = fields.String(load_default="minor", validate=validate.OneOf(["major", "key", "minor"]))
    department = fields.String(load_default="customer_service", validate=validate.OneOf(sorted(DEPARTMENTS)))
    content = fields.String(required=True, validate=validate.Length(min=2, max=2000))
    reporter_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    reporter_phone = fields.String(load_default=None, allow_none=True, validate=PHONE)
    received_at = v.AwareDateTime(load_default=None, allow_none=True)
    revisit_ticket_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))

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


class QualityComplaintIn(Schema):
    """A warranty-quality complaint (质量投诉) to record: a defect the developer answers for."""
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    unit_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=36))
    channel = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["phone", "visit", "letter", "staff"]))
    form = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["oral", "written"]))
    content = fields.String(required=True, validate=validate.Length(min=2, max=2000))
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
    within_warranty = fields.Boolean(load_default=None, allow_none=True,
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


class DeadlineOut(Schema):
    kind = fields.String()
    due_at = fields.AwareDateTime()
    met_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    responsible_role = fields.String(allow_none=True)
    warned_at = fields.AwareDateTime(allow_none=True)
    breached_at = fields.AwareDateTime(allow_none=True)
    state = fields.String()


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
    complaint = fields.Nested(ComplaintPart, allow_none=True)       # complaints and quality complaints
    documents = fields.List(fields.Nested(Document))
    revisit = fields.Nested(RevisitOut, allow_none=True)
    version = fields.Integer()


class ExportQuery(Schema):
    """A page of an owner's current snapshots (read-model rebuilds)."""
    kind = fields.String(required=True, validate=validate.OneOf(["ticket"]))
    after = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))
    project_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))


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
