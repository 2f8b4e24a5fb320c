"""tickets' published events -- its public contract.

| event          | when                                       | subscribers      |
|----------------|--------------------------------------------|------------------|
| ticket.opened  | a repair request (报修) is recorded         | notify, archive  |
| ticket.changed | a ticket is recorded or changes (the whole ticket + ``version``) | -- (gateway's read model) |
| ticket.status_changed | a repair moves along its workflow (domain/workflow.py) | -- (later consumers) |
| setting.changed | a project's SLA figure changed (kernel.settings) | -- (audit, later consumers) |
| ticket.charge_posted | a paid repair is completed: its consented quote is put on the order as its charge | billing (``mandatory``: a money event) |

``deadlines`` lists the SLA clocks that started with the ticket (DOMAIN.md,
seed 000 §五), each ``{"kind", "due_at"}`` in UTC ISO-8601:
``record`` (front desk records within 5 min), ``notify_engineering`` (within
2 min of recording), ``on_site`` (public area: within 15 min), ``arrive_before``
(paid in-home: 5 min before the appointment), ``reply`` (not covered: the
engineering manager replies within 15 min). Minutes are per-project settings.
"""
from marshmallow import Schema, fields, validate

from kernel.messaging import EventContract
from kernel.money import Money
from kernel.settings import SETTING_CHANGED, SettingChanged

TICKET_OPENED = "ticket.opened"
TICKET_CHANGED = "ticket.changed"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_CHARGE_POSTED = "ticket.charge_posted"

CATEGORIES = ["public_area", "in_home_paid", "not_covered", "unclassified"]
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


class PricedLine(Schema):
    """A line of a paid repair's quote or charge, priced from the project's price list."""
    code = fields.String(required=True)
    name = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Decimal(required=True, as_string=True)     # exact: "2", "1.5"
    unit_price = Money(required=True)
    amount = Money(required=True)                                # unit_price x quantity, at the fen


class Quote(Schema):
    """A paid repair's current quote (报价): pending (the resident decides), consented, refused."""
    quote_id = fields.String(required=True)
    revision = fields.Integer(required=True)                     # 1, 2, ...: a re-quote supersedes
    status = fields.String(required=True, validate=validate.OneOf(["pending", "consented", "refused"]))
    lines = fields.List(fields.Nested(PricedLine), required=True)
    total = Money(required=True)
    currency = fields.String(required=True)
    priced_on = fields.Date(required=True)                       # the price list of that local day
    quoted_at = fields.AwareDateTime(required=True)
    quoted_by = fields.Nested(UserRef, required=True)
    note = fields.String(required=True)
    consented_at = fields.AwareDateTime(allow_none=True)
    refused_at = fields.AwareDateTime(allow_none=True)
    refusal_reason = fields.String(allow_none=True)


class Charge(Schema):
    """The charge put on a paid repair at completion (what ``ticket.charge_posted`` carried)."""
    charge_id = fields.String(required=True)
    lines = fields.List(fields.Nested(PricedLine), required=True)
    total = Money(required=True)
    currency = fields.String(required=True)
    posted_at = fields.AwareDateTime(required=True)


class Advice(Schema):
    """The engineering manager's reply to a not-covered request (不属维修范围的答复)."""
    text = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    by = fields.Nested(UserRef, required=True)


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
    # paid in-home repairs (domain/paid.py) and the not-covered reply
    quote = fields.Nested(Quote, allow_none=True)
    charge = fields.Nested(Charge, allow_none=True)
    advice = fields.Nested(Advice, allow_none=True)
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


class TicketChargePosted(Schema):
    """A paid repair's charge, put on the order at completion, for billing to post to the unit's
    fee account. ``charge_id`` is billing's idempotency key: the same charge is posted once,
    however often the event arrives. Published ``mandatory`` (not an optional subscriber): while
    no queue is bound for it the outbox keeps it (see README, Event catalogue)."""
    charge_id = fields.String(required=True)
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(PricedLine), required=True, validate=validate.Length(min=1))
    total = Money(required=True)
    currency = fields.String(required=True, validate=validate.OneOf(["CNY"]))
    posted_at = fields.AwareDateTime(required=True)


CONTRACT = EventContract("tickets", {TICKET_OPENED: TicketOpened, TICKET_CHANGED: TicketChanged,
                                     TICKET_STATUS_CHANGED: TicketStatusChanged,
                                     TICKET_CHARGE_POSTED: TicketChargePosted,
                                     SETTING_CHANGED: SettingChanged},
                         optional_subscribers=frozenset({SETTING_CHANGED, TICKET_CHANGED,
                                                         TICKET_STATUS_CHANGED}))
