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


CONTRACT = EventContract("tickets", {TICKET_OPENED: TicketOpened, TICKET_CHANGED: TicketChanged,
                                     TICKET_STATUS_CHANGED: TicketStatusChanged,
                                     SETTING_CHANGED: SettingChanged},
                         optional_subscribers=frozenset({SETTING_CHANGED, TICKET_CHANGED,
                                                         TICKET_STATUS_CHANGED}))
