"""tickets' RPC boundary and the events it consumes."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from .domain import workflow
from .events import CATEGORIES

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


class TicketQuery(Schema):
    project_id = fields.String(load_default=None, allow_none=True)
    unit_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True,
                           validate=validate.OneOf(workflow.STATES))
    open_only = fields.Boolean(load_default=False)
    kind = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(["repair"]))
    category = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(
        ["public_area", "in_home_paid", "not_covered", "unclassified"]))
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
