"""tickets' published events -- its public contract.

| event          | when                                       | subscribers      |
|----------------|--------------------------------------------|------------------|
| ticket.opened  | a repair request (报修) is recorded         | notify, archive  |
| ticket.changed | a ticket is recorded or changes (the whole ticket + ``version``) | -- (gateway's read model) |
| ticket.status_changed | a ticket moves along its kind's workflow (domain/workflow.py: repair, revisit, ...) | -- (later consumers) |
| setting.changed | a project's SLA figure changed (kernel.settings) | -- (audit, later consumers) |

``deadlines`` lists the SLA clocks that started with the ticket (DOMAIN.md,
seed 000 §五), each ``{"kind", "due_at"}`` in UTC ISO-8601:
``record`` (front desk records within 5 min), ``notify_engineering`` (within
2 min of recording), ``on_site`` (public area: within 15 min), ``arrive_before``
(paid in-home: 5 min before the appointment), ``reply`` (not covered: the
engineering manager replies within 15 min). Minutes are per-project settings.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract
from kernel.settings import SETTING_CHANGED, SettingChanged

TICKET_OPENED = "ticket.opened"
TICKET_CHANGED = "ticket.changed"
TICKET_STATUS_CHANGED = "ticket.status_changed"
COMPLAINT_REGISTERED = "complaint.registered"
COMPLAINT_REPLIED = "complaint.replied"
COMPLAINT_RECLASSIFIED = "complaint.reclassified"
COMPLAINT_UPGRADED = "complaint.upgraded"

#: repair categories; ``maintenance`` = public maintenance works (维修工程), recorded by staff
CATEGORIES = ["public_area", "in_home_paid", "not_covered", "unclassified", "maintenance"]
CHANNELS = ["portal", "phone", "visit", "staff"]


class Deadline(Schema):
    kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    # clocks that start when engineering receives the order (on_site, reply): their minutes
    # from that moment -- ``due_at`` assumes the order arrives at the notify_engineering
    # deadline; once it has arrived the ticket's clock runs from the real time of receipt
    after_notice_minutes = fields.Integer(allow_none=True)


class Reporter(Schema):
    name = fields.String(required=True)
    phone = fields.String(allow_none=True)
    user_id = fields.String(allow_none=True)


class TicketOpened(Schema):
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)            # BX-YYYYMMDD-NNNN, per project and day
    kind = fields.String(required=True, validate=validate.OneOf(["repair"]))
    category = fields.String(required=True, validate=validate.OneOf(CATEGORIES))
    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    status = fields.String(required=True)
    unit_id = fields.String(allow_none=True)         # None: a public-area request not tied to a unit
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    location = fields.String(required=True)
    content = fields.String(required=True)
    reporter = fields.Nested(Reporter, required=True)
    appointment_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    deadlines = fields.List(fields.Nested(Deadline), required=True)


class ChangedDeadline(Schema):
    kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    met_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)      # stopped with its ticket: never alerts
    responsible_role = fields.String(allow_none=True)         # who answers for it
    warned_at = fields.AwareDateTime(allow_none=True)         # ticket.sla_warning went out
    breached_at = fields.AwareDateTime(allow_none=True)       # ticket.sla_breached went out


class HistoryEntry(Schema):
    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    actor = fields.String(required=True)
    note = fields.String(required=True)


class UserRef(Schema):
    """A person of the platform: the technician a repair is assigned to, who took a step."""
    user_id = fields.String(required=True)
    name = fields.String(required=True)


class Material(Schema):
    name = fields.String(required=True)
    quantity = fields.Float(required=True)
    unit = fields.String(required=True)


class ClassChange(Schema):
    """One change of a complaint's class (the registration's own class first: ``from_class`` None)."""
    from_class = fields.String(allow_none=True)
    to_class = fields.String(required=True)
    by = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)


class Compensation(Schema):
    """A warranty-quality complaint's compensation claim and the manager's / GM's decision."""
    claim = fields.String(required=True)
    claimed_at = fields.AwareDateTime(required=True)
    decision = fields.String(allow_none=True)            # granted | refused; None: still to decide
    decision_note = fields.String(allow_none=True)
    decided_by = fields.Nested(UserRef, allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)


class ComplaintPart(Schema):
    """The complaint's own facts in a ticket snapshot (kinds ``complaint`` and ``quality``)."""
    complaint_class = fields.String(allow_none=True)      # major | key | minor (complaints only)
    department = fields.String(required=True)
    form = fields.String(required=True)                   # oral | written
    dispatched_at = fields.AwareDateTime(allow_none=True)
    reported_to_manager_at = fields.AwareDateTime(allow_none=True)
    first_response_at = fields.AwareDateTime(allow_none=True)
    written_reply_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    upgraded_at = fields.AwareDateTime(allow_none=True)
    revisit_ticket_id = fields.String(allow_none=True)
    class_changes = fields.List(fields.Nested(ClassChange), required=True)
    # warranty-quality complaints (kind quality) only
    supervision_notified_at = fields.AwareDateTime(allow_none=True)
    within_warranty = fields.Boolean(allow_none=True)
    assessed_at = fields.AwareDateTime(allow_none=True)
    explained_at = fields.AwareDateTime(allow_none=True)
    compensation = fields.Nested(Compensation, allow_none=True)


class Document(Schema):
    """A document written on a ticket: written reply (书面回复), joint assessment, explanation,
    compensation decision."""
    id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    written_by = fields.Nested(UserRef, required=True)
    written_at = fields.AwareDateTime(required=True)


class RevisitPart(Schema):
    """A revisit's own facts (回访; tickets of kind ``revisit``): why it was scheduled, what it
    revisits, when it is due, and what was recorded."""
    reason = fields.String(required=True, validate=validate.OneOf(
        ["complaint", "repair_dissatisfied", "repair_unrated", "repair_unsigned", "repair_sample",
         "maintenance", "routine"]))
    source_ticket_id = fields.String(allow_none=True)       # the complaint / repair revisited
    household_id = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(required=True)
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.String(allow_none=True)
    quality = fields.Integer(allow_none=True)                # 1-5
    effect = fields.Integer(allow_none=True)                 # 1-5
    satisfaction = fields.String(allow_none=True)            # satisfied | neutral | dissatisfied
    shortcomings = fields.String(allow_none=True)
    suggestions = fields.String(allow_none=True)
    complaint_ticket_id = fields.String(allow_none=True)     # the complaint a dissatisfied revisit opened


class TicketChanged(Schema):
    """The whole ticket after a change (state-carrying): a consumer keeps the newest ``version``.
    Reporter phones travel in full (readers mask them by ``kernel.privacy``); the SLA state of a
    deadline is not here -- readers compute it (``kernel.deadlines.state``)."""
    ticket_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True)
    channel = fields.String(required=True)
    status = fields.String(required=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    location = fields.String(required=True)
    content = fields.String(required=True)
    reporter = fields.Nested(Reporter, required=True)
    appointment_at = fields.AwareDateTime(allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    engineering_notified_at = fields.AwareDateTime(allow_none=True)
    deadlines = fields.List(fields.Nested(ChangedDeadline), required=True)
    history = fields.List(fields.Nested(HistoryEntry), required=True)
    # the repair workflow (domain/workflow.py)
    assignee = fields.Nested(UserRef, allow_none=True)
    dispatched_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    arrived_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True)
    work_note = fields.String(allow_none=True)
    materials = fields.List(fields.Nested(Material), allow_none=True)
    rating = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    # complaints and warranty-quality complaints (domain/complaints.py, domain/quality.py)
    complaint = fields.Nested(ComplaintPart, allow_none=True)
    documents = fields.List(fields.Nested(Document), load_default=list)
    # kind revisit (domain/revisits.py): its facts; None for other kinds
    revisit = fields.Nested(RevisitPart, allow_none=True)
    version = fields.Integer(required=True)


class TicketStatusChanged(Schema):
    """One step of the repair workflow: ``from`` -> ``to`` by ``action`` (a reassignment or a
    late rating keeps the state: from == to)."""
    ticket_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    number = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    action = fields.String(required=True)
    actor = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)
    note = fields.String(required=True)
    version = fields.Integer(required=True)


COMPLAINT_KINDS = ["complaint", "quality"]
COMPLAINT_CHANNELS = ["phone", "visit", "portal", "letter", "staff", "revisit"]
REPLY_KINDS = ["first_response", "written_reply", "resolution", "explanation", "compensation_decision"]


class ComplaintRegistered(Schema):
    """A complaint (投诉) or warranty-quality complaint (质量投诉) was registered: archive files it
    as a correspondence entry of the household (of the project, for a public matter). No phone
    numbers."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)                 # TS- / ZL-YYYYMMDD-NNNN
    kind = fields.String(required=True, validate=validate.OneOf(COMPLAINT_KINDS))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)              # None: a public matter of the project
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(COMPLAINT_CHANNELS))
    form = fields.String(required=True, validate=validate.OneOf(["oral", "written"]))
    complaint_class = fields.String(allow_none=True, validate=validate.OneOf(["major", "key", "minor"]))
    department = fields.String(required=True)
    content = fields.String(required=True)
    reporter_name = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    revisit_ticket_id = fields.String(allow_none=True)


class ComplaintReplied(Schema):
    """The service centre answered a complaint: its first response, a written reply (a
    document), its resolution; for a warranty-quality complaint the out-of-warranty
    explanation and the compensation decision. ``reply_id`` is unique per reply (archive's
    key for filing it once)."""
    reply_id = fields.String(required=True)
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(COMPLAINT_KINDS))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    reply_kind = fields.String(required=True, validate=validate.OneOf(REPLY_KINDS))
    body = fields.String(required=True)
    document_id = fields.String(allow_none=True)          # the TicketDocument, for written ones
    by = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)


class ComplaintReclassified(Schema):
    """A complaint's class was changed by a person (who, when, why); its class clocks re-timed."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    from_class = fields.String(required=True)
    to_class = fields.String(required=True)
    by = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)


class ComplaintUpgraded(Schema):
    """A complaint unresolved ``days`` after it came in became major by itself (once)."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    from_class = fields.String(required=True)
    to_class = fields.String(required=True, validate=validate.Equal("major"))
    received_at = fields.AwareDateTime(required=True)
    days = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)


CONTRACT = EventContract("tickets", {TICKET_OPENED: TicketOpened, TICKET_CHANGED: TicketChanged,
                                     TICKET_STATUS_CHANGED: TicketStatusChanged,
                                     SETTING_CHANGED: SettingChanged,
                                     COMPLAINT_REGISTERED: ComplaintRegistered,
                                     COMPLAINT_REPLIED: ComplaintReplied,
                                     COMPLAINT_RECLASSIFIED: ComplaintReclassified,
                                     COMPLAINT_UPGRADED: ComplaintUpgraded},
                         optional_subscribers=frozenset({SETTING_CHANGED, TICKET_CHANGED,
                                                         TICKET_STATUS_CHANGED, COMPLAINT_RECLASSIFIED,
                                                         COMPLAINT_UPGRADED}))
