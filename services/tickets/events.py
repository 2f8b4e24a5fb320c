"""tickets' published events -- its public contract.

| event          | when                                       | subscribers      |
|----------------|--------------------------------------------|------------------|
| ticket.opened  | a repair request (报修) is recorded         | notify, archive  |
| ticket.changed | a ticket is recorded or changes (the whole ticket + ``version``) | -- (gateway's read model) |
| ticket.status_changed | a ticket moves along its kind's workflow (domain/workflow.py: repair, revisit, ...) | notify (the reporting household, ``mandatory``) |
| setting.changed | a project setting of tickets changed (kernel.settings) | -- (audit, later consumers) |
| ticket.charge_posted | a paid repair is completed: its consented quote is put on the order as its charge | billing (``mandatory``: a money event) |
| complaint.registered | a complaint (TS-) or warranty-quality complaint (ZL-) is registered | archive, notify |
| complaint.replied | a complaint's first response, written reply, resolution (quality: explanation, compensation decision) | archive |
| complaint.reclassified | a person changed a complaint's class (who, when, why) | -- |
| complaint.upgraded | unresolved 30 days, a complaint became major by itself (once) | -- |
| feedback.received | praise or a suggestion (表扬 / 建议, BJ-) is received from a resident or recorded by the desk | archive |
| feedback.replied | the company's reply to praise (thanks) or a suggestion (adopted / not adopted, with the reason) | archive |
| ticket.sla_warning | a clock reached its warning share of the allowed time, still running (the sweep, once) | notify |
| inspection.item_failed | an item of an inspection round (巡检) was recorded failed: its repair ticket opened (once per round and item) | -- |
| inspection.round_completed | an inspection round was completed with a result for every item | -- |
| patrol.missed | a planned patrol (巡视) was not done by its deadline: the platform marked it missed (once) | -- |
| ticket.sla_breached | a clock passed its due time unmet (the sweep, once per due time) | notify |
| ticket.deadline_extended | an overrun was approved (超时审批): a clock's new due time | -- (reports, later consumers) |
| goods_release.issued | a goods release pass (物品放行单) is issued with its number | -- (later consumers) |
| goods_release.used | security marked a pass used at the gate | -- |
| goods_release.voided | a pass was voided (作废), with who and why | -- |
| goods_release.changed | a goods release is requested, takes any step (verify, approve, issue, use, void) or its pass is printed (step ``print``, the state unchanged): the whole pass after it + ``version``, the step (``action``, ``from``, ``to``, ``actor``, ``at``); the mover's ID masked, no phones | gateway (read model: the resident's and the gate's passes), notify (the household in-app: issued, used, voided) |
| key.changed | a key of the register moves (receive, store, collect, deposit, request_loan, approve_loan, refuse_loan, return): the whole key + ``version``, its open loan (the request's party, phone and ID number masked, purpose, due time) and the movement (``kernel.privacy`` masks; a late return's ``late``, ``minutes_late``) | gateway (read model: the desk's keys out, a unit's keys) |
| key.deposit_release_requested | a key loan's deposit (钥匙押金, billing's deposit of purpose ``key``) is to be given back: the key came back in time, the loan was refused, or the manager released a late borrower's kept deposit (``kept_released``) | billing (``mandatory``: a money event -- the pledge released, the deposit's refund requested) |
| key.deposit_forfeit_requested | a late borrower's kept key deposit: the CS or centre manager decided it goes to income (押金扣除) | billing (``mandatory``: a money event -- the pledge released, what it holds forfeited, once) |
| key_stock_check.recorded | a key stock-check (monthly 盘点 or the CS manager's spot-check 抽查) was recorded with its discrepancies (a key short of its copies too), the copies expected / counted and the role it was counted in (``counted_as``: a spot-check by the centre manager is ``centre_manager``) | notify (``mandatory``: the CS manager told of a monthly count's discrepancies and of a spot-check's counted by another (``counted_as`` centre_manager), ``key_stock_check.discrepancy``) |
| vacant_register.updated | the month's vacant-unit register (空置房登记表) was set: its units, the checks added and cancelled | -- |
| vacant_finding.decided | the manager decided a crack found in a vacant unit (approve: its repair ticket; reject) | notify (the owner, ``vacancy.crack_decision``: the platform's sentence, never the manager's note) |
| vacant_unit.checked | a vacant unit's monthly check was recorded (空置房检查, domain/vacant.py): the result, never the notes | notify (the owner, ``vacancy.check_result``) |
| renovation.fees_requested | a renovation's agreement was signed: billing takes the deposit and charges the garbage-removal fee | billing (``mandatory``: a money event) |
| renovation.refund_requested | a renovation was re-inspected: the deposit back, less what is withheld for the violations | billing (``mandatory``) |
| renovation.reinspection_upcoming | N days (``renovation.reinspection_notice_days``, 7) before the re-inspection is due (the job; once) | notify (``mandatory``: the household's ``renovation.reinspection_notice``) |
| renovation.reinspection_due | N months after occupancy, the re-inspection is due (the job) | -- (the desk's list shows it; the household was told ahead by ``renovation.reinspection_upcoming``) |
| renovation.closed | a renovation closed: its documents for the household file | -- (archive, later) |
| renovation.cancelled | a renovation whose fees billing was asked for was cancelled by the platform: its household moved out (过户 / 迁出) before the fees were paid | billing (``mandatory``: a money event -- the unpaid garbage fee voided, a held deposit's refund asked) |

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
COMPLAINT_REGISTERED = "complaint.registered"
INSPECTION_ITEM_FAILED = "inspection.item_failed"
INSPECTION_ROUND_COMPLETED = "inspection.round_completed"
PATROL_MISSED = "patrol.missed"
COMPLAINT_REPLIED = "complaint.replied"
VACANT_UNIT_CHECKED = "vacant_unit.checked"
COMPLAINT_RECLASSIFIED = "complaint.reclassified"
COMPLAINT_UPGRADED = "complaint.upgraded"
TICKET_SLA_WARNING = "ticket.sla_warning"
TICKET_SLA_BREACHED = "ticket.sla_breached"
TICKET_DEADLINE_EXTENDED = "ticket.deadline_extended"
GOODS_RELEASE_ISSUED = "goods_release.issued"
GOODS_RELEASE_USED = "goods_release.used"
GOODS_RELEASE_VOIDED = "goods_release.voided"
FEEDBACK_RECEIVED = "feedback.received"
FEEDBACK_REPLIED = "feedback.replied"
RENOVATION_FEES_REQUESTED = "renovation.fees_requested"
RENOVATION_REFUND_REQUESTED = "renovation.refund_requested"
RENOVATION_REINSPECTION_DUE = "renovation.reinspection_due"
RENOVATION_REINSPECTION_UPCOMING = "renovation.reinspection_upcoming"
RENOVATION_CLOSED = "renovation.closed"
RENOVATION_CANCELLED = "renovation.cancelled"
GOODS_RELEASE_CHANGED = "goods_release.changed"
KEY_CHANGED = "key.changed"
KEY_STOCK_CHECK_RECORDED = "key_stock_check.recorded"
#: a key loan's deposit (钥匙押金) to give back: billing requests its refund
KEY_DEPOSIT_RELEASE_REQUESTED = "key.deposit_release_requested"
#: a late borrower's kept key deposit forfeited by the manager's decision: billing moves it to income
KEY_DEPOSIT_FORFEIT_REQUESTED = "key.deposit_forfeit_requested"
VACANT_REGISTER_UPDATED = "vacant_register.updated"
VACANT_FINDING_DECIDED = "vacant_finding.decided"
VACANT_CARE_RECORDED = "vacant_care.recorded"

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
    #: False: the platform itself reported it (a vacant unit's check, reporter the service centre) --
    #: no acknowledgement to the unit (its owner is told by the check's result)
    acknowledge = fields.Boolean(load_default=True)


class UserRef(Schema):
    """A person of the platform: the technician a repair is assigned to, who took a step."""
    user_id = fields.String(required=True)
    name = fields.String(required=True)


class Extension(Schema):
    """An approved overrun of a clock (超时审批): who, when, why, from which due time to which."""
    id = fields.String(required=True)
    approved_by = fields.Nested(UserRef, required=True)
    approved_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)
    old_due_at = fields.AwareDateTime(required=True)
    new_due_at = fields.AwareDateTime(required=True)
    breached_at = fields.AwareDateTime(allow_none=True)       # the new due time was missed too (told then)


class ChangedDeadline(Schema):
    kind = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    met_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)      # stopped with its ticket: never alerts
    responsible_role = fields.String(allow_none=True)         # who answers for it
    warned_at = fields.AwareDateTime(allow_none=True)         # ticket.sla_warning went out
    breached_at = fields.AwareDateTime(allow_none=True)       # ticket.sla_breached went out
    extensions = fields.List(fields.Nested(Extension))        # approved overruns, oldest first


class HistoryEntry(Schema):
    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    actor = fields.String(required=True)
    note = fields.String(required=True)


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


class TicketSource(Schema):
    """Where a ticket came from when the platform opened it from another record: a failed item
    of an inspection round (巡检, ``kind`` inspection) -- the round and the item."""
    kind = fields.String(required=True, validate=validate.OneOf(["inspection"]))
    round_id = fields.String(required=True)
    round_number = fields.String(required=True)
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)


class RenovationPassPart(Schema):
    """A renovation's numbered pass as the snapshot carries it: the holder's name masked
    (``kernel.privacy.mask_name``: a worker's name is personal)."""
    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["worker", "material"]))
    number = fields.String(required=True)
    holder_name = fields.String(required=True)
    detail = fields.String(required=True, allow_none=True)    # the desk's free text: staff only (None)
    valid_until = fields.Date(allow_none=True)
    issued_at = fields.AwareDateTime(required=True)
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)


class RenovationPatrolPart(Schema):
    id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    by = fields.Nested(UserRef, required=True)
    note = fields.String(required=True)
    violations = fields.List(fields.String(), required=True)
    waste_seen = fields.Boolean(required=True)


class RenovationDocumentRef(Schema):
    doc_type = fields.String(required=True)
    document_id = fields.String(required=True)


class RenovationChecklistItem(Schema):
    doc_type = fields.String(required=True)
    present = fields.Boolean(required=True)
    document_ids = fields.List(fields.String(), required=True)


class RenovationPart(Schema):
    """A renovation's own facts on its ticket (装修, domain/renovation.py ``renovation_part``): the
    documents' checklist (present / missing: archive's references, never an ID number), the review,
    the fees requested and paid (deposit, garbage-removal fee; ``may_start``), the permit and the
    passes by number, patrols, the acceptance, occupancy, the re-inspection (due, done) and the refund."""
    contractor = fields.String(required=True)
    planned_start = fields.Date(allow_none=True)
    planned_end = fields.Date(allow_none=True)
    deposit_amount = Money(required=True)
    documents = fields.List(fields.Nested(RenovationDocumentRef), required=True)
    checklist = fields.List(fields.Nested(RenovationChecklistItem), required=True)
    missing = fields.List(fields.String(), required=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    review_rounds = fields.Integer(required=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    review_note = fields.String(allow_none=True)
    agreement_at = fields.AwareDateTime(allow_none=True)
    fees_requested_at = fields.AwareDateTime(allow_none=True)
    fees_paid_at = fields.AwareDateTime(allow_none=True)
    fees_charged_at = fields.AwareDateTime(allow_none=True)
    #: the garbage-removal fee billing charged (the building area x its schedule's price), from the
    #: charge on -- null before; ``garbage_fee_status``: not_requested | requested | charged | paid
    garbage_fee = Money(allow_none=True)
    garbage_fee_status = fields.String(required=True)
    may_start = fields.Boolean(required=True)
    permit_number = fields.String(allow_none=True)
    permit_issued_at = fields.AwareDateTime(allow_none=True)
    passes = fields.List(fields.Nested(RenovationPassPart), required=True)
    patrols = fields.List(fields.Nested(RenovationPatrolPart), required=True)
    acceptance_on = fields.Date(allow_none=True)
    acceptance_requested_at = fields.AwareDateTime(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    occupied_on = fields.Date(allow_none=True)
    reinspection_due_at = fields.AwareDateTime(allow_none=True)
    reinspected_at = fields.AwareDateTime(allow_none=True)
    violations = fields.List(fields.String(), required=True)
    withheld_amount = Money(allow_none=True)
    refund_amount = Money(allow_none=True)
    refund_requested_at = fields.AwareDateTime(allow_none=True)
    refunded_at = fields.AwareDateTime(allow_none=True)
    archived_at = fields.AwareDateTime(allow_none=True)


class InspectionAreaRef(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    area_type = fields.String(required=True)
    building_id = fields.String(allow_none=True)


class InspectionItemPart(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    photo_ref = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(allow_none=True)
    recorded_by = fields.Nested(UserRef, allow_none=True)
    repair_ticket_id = fields.String(allow_none=True)
    repair_number = fields.String(allow_none=True)


class InspectionPart(Schema):
    """An inspection round's own facts on its ticket (巡检, domain/inspections.py ``inspection_part``):
    the area, the patrol's day, slot, window and deadline, each item's result with the repair a failed
    one opened, and the list's summary (items recorded, failed item codes, the repairs' numbers)."""
    area = fields.Nested(InspectionAreaRef, required=True)
    template_version = fields.Integer(required=True)
    day = fields.String(allow_none=True)
    slot = fields.Integer(allow_none=True)
    window_start = fields.AwareDateTime(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    started_at = fields.AwareDateTime(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    done_by = fields.Nested(UserRef, allow_none=True)
    breached_at = fields.AwareDateTime(allow_none=True)
    items = fields.List(fields.Nested(InspectionItemPart), required=True)
    items_total = fields.Integer(required=True)
    items_recorded = fields.Integer(required=True)
    failed_items = fields.List(fields.String(), required=True)
    repair_numbers = fields.List(fields.String(), required=True)


class TaskPart(Schema):
    """A front-desk task's own facts (前台任务, domain/tasks.py ``task_part``): the task (its category),
    its label and the due time of its earliest running clock."""
    task = fields.String(required=True)
    label = fields.String(required=True)
    due_at = fields.AwareDateTime(allow_none=True)


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
    # complaints and warranty-quality complaints (domain/complaints.py, domain/quality.py)
    complaint = fields.Nested(ComplaintPart, allow_none=True)
    documents = fields.List(fields.Nested(Document), load_default=list)
    # kind revisit (domain/revisits.py): its facts; None for other kinds
    revisit = fields.Nested(RevisitPart, allow_none=True)
    source = fields.Nested(TicketSource, allow_none=True)     # a repair opened by an inspection round
    # kind feedback (domain/feedback.py): praise or a suggestion's facts; None for other kinds
    feedback = fields.Nested(lambda: FeedbackPart(), allow_none=True, load_default=None)
    # kind renovation (domain/renovation.py): its own facts; None for other kinds
    renovation = fields.Nested(RenovationPart, allow_none=True, load_default=None)
    # kind inspection (domain/inspections.py) and kind task (domain/tasks.py): their own facts
    inspection = fields.Nested(InspectionPart, allow_none=True, load_default=None)
    task = fields.Nested(TaskPart, allow_none=True, load_default=None)
    version = fields.Integer(required=True)


TICKET_KINDS = ["repair", "complaint", "quality", "revisit", "feedback", "task", "inspection", "renovation"]


class RevisitedTicket(Schema):
    """The ticket a revisit is about, as the household knows it: its number, kind and category."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    category = fields.String(required=True)


class TicketStatusChanged(Schema):
    """One step of a ticket's workflow: ``from`` -> ``to`` by ``action`` (a reassignment or a
    late rating keeps the state: from == to). ``kind``, ``category``, ``household_id`` and
    ``reporter_phone`` say whom notify tells and how (the reporting household: in-app to the unit,
    SMS only to a phone that is a registered contact of its active household) -- the same
    reporter phone ``ticket.changed`` carries. ``assignee``, ``due_at`` and ``revisited`` (added for
    notify's revisit request, 回访预约) say who the ticket is assigned to, a revisit's due time and the
    ticket it revisits."""
    ticket_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(TICKET_KINDS))
    category = fields.String(required=True)      # a repair's category, a complaint's department, ...
    household_id = fields.String(allow_none=True)
    reporter_phone = fields.String(allow_none=True)
    number = fields.String(required=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    action = fields.String(required=True)
    actor = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)
    note = fields.String(required=True)
    version = fields.Integer(required=True)
    #: who the ticket is assigned to after the step (a repair's technician, a revisit's steward), or null
    assignee = fields.Nested(UserRef, allow_none=True)
    #: a revisit's due time (回访期限: the steward calls by then); null for the other kinds
    due_at = fields.AwareDateTime(allow_none=True)
    #: the ticket a revisit revisits (the household's repair or complaint), null for the other kinds and a
    #: routine revisit -- notify names it in the revisit request (the household never sees the revisit)
    revisited = fields.Nested(RevisitedTicket, allow_none=True)


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


# -- praise and suggestions (表扬与建议, domain/feedback.py) -------------------------------------

FEEDBACK_SUB_KINDS = ["praise", "suggestion"]
FEEDBACK_CHANNELS = ["portal", "phone", "visit", "letter", "app"]
FEEDBACK_DECISIONS = ["adopted", "not_adopted"]


class NamedStaff(Schema):
    name = fields.String(required=True)
    user_id = fields.String(allow_none=True)


class FeedbackPart(Schema):
    """Praise or a suggestion's own facts on the ticket: whom praise names, to whom it was
    forwarded, a suggestion's decision (adopted / not adopted, with the reason)."""
    sub_kind = fields.String(required=True, validate=validate.OneOf(FEEDBACK_SUB_KINDS))
    named_staff = fields.List(fields.Nested(NamedStaff), required=True)
    department = fields.String(allow_none=True)
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    forwarded_at = fields.AwareDateTime(allow_none=True)
    forwarded_to = fields.String(allow_none=True)
    replied_at = fields.AwareDateTime(allow_none=True)
    decision = fields.String(allow_none=True, validate=validate.OneOf(FEEDBACK_DECISIONS))
    decision_reason = fields.String(allow_none=True)


class FeedbackReceived(Schema):
    """Praise or a suggestion (表扬 / 建议) came in: archive files it in the household's
    correspondence (the project's, with no unit). No phone numbers."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)                 # BJ-YYYYMMDD-NNNN
    sub_kind = fields.String(required=True, validate=validate.OneOf(FEEDBACK_SUB_KINDS))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)              # None: about the project, no unit
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    channel = fields.String(required=True, validate=validate.OneOf(FEEDBACK_CHANNELS))
    content = fields.String(required=True)
    reporter_name = fields.String(required=True)
    named_staff = fields.List(fields.String(), required=True)    # praise: the staff named
    department = fields.String(allow_none=True)                  # praise: the department praised
    received_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class FeedbackReplied(Schema):
    """The company replied to praise (its thanks) or a suggestion (adopted / not adopted, with the
    reason). ``reply_id`` is unique per reply (archive's key for filing it once)."""
    reply_id = fields.String(required=True)
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    sub_kind = fields.String(required=True, validate=validate.OneOf(FEEDBACK_SUB_KINDS))
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)
    decision = fields.String(allow_none=True, validate=validate.OneOf(FEEDBACK_DECISIONS))
    reason = fields.String(allow_none=True)
    title = fields.String(required=True)
    body = fields.String(required=True)
    document_id = fields.String(required=True)
    by = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)


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


class SlaAlert(Schema):
    """What the SLA sweep tells of one clock (``domain/alerts.py``): the ticket, the clock, who
    answers for it. ``at`` is the sweep's time. No resident's free text."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)                       # the ticket's kind: repair, complaint, ...
    category = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    deadline_id = fields.String(required=True)
    deadline_kind = fields.String(required=True)              # on_site, reply, first_response, ...
    due_at = fields.AwareDateTime(required=True)
    started_at = fields.AwareDateTime(allow_none=True)
    responsible_role = fields.String(allow_none=True)         # whose inbox it goes to (kernel.tenancy.Role)
    assignee = fields.Nested(UserRef, allow_none=True)
    at = fields.AwareDateTime(required=True)
    #: what the clock is about in the platform's words, for a kind that registers it
    #: (``alerts.SUBJECTS``; an inspection: "1栋天台（楼顶天台）巡视 2026-11-27 第1次"); null otherwise
    subject = fields.String(allow_none=True)


class SlaWarning(SlaAlert):
    """The clock reached its warning share (``sla.warn_at_percent``) and still runs."""
    minutes_left = fields.Float(required=True)                # to the due time, 0.1 min


class SlaBreached(SlaAlert):
    """The clock passed its due time unmet. ``warned_at`` None: the sweep came after the due time,
    so no warning was told (only this breach). ``extension_id``: the due time missed is the one
    that approved overrun set (a second breach of the clock; the first stays told)."""
    minutes_overdue = fields.Float(required=True)             # past the due time, 0.1 min
    warned_at = fields.AwareDateTime(allow_none=True)
    extension_id = fields.String(allow_none=True)


class DeadlineExtended(Schema):
    """An approved overrun (超时审批) of one clock."""
    ticket_id = fields.String(required=True)
    number = fields.String(required=True)
    kind = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(allow_none=True)
    deadline_kind = fields.String(required=True)
    extension_id = fields.String(required=True)
    old_due_at = fields.AwareDateTime(required=True)
    new_due_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True)
    approved_by = fields.Nested(UserRef, required=True)
    approved_at = fields.AwareDateTime(required=True)
    responsible_role = fields.String(allow_none=True)
    version = fields.Integer(required=True)                   # the ticket's after the extension


class GoodsReleaseItem(Schema):
    name = fields.String(required=True)
    quantity = fields.Integer(required=True)


class GoodsReleaseStep(Schema):
    """A goods release pass (物品放行单) issued (numbered), used at the gate, or voided (作废: who
    and why) -- ``domain/goods_release.py``. No ID numbers, no phones."""
    release_id = fields.String(required=True)
    number = fields.String(allow_none=True)                   # FX-YYYYMMDD-NNNN once issued
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    from_ = fields.String(required=True, data_key="from")
    to = fields.String(required=True)
    action = fields.String(required=True, validate=validate.OneOf(["issue", "use", "void"]))
    items = fields.List(fields.Nested(GoodsReleaseItem), required=True)
    move_at = fields.AwareDateTime(required=True)
    at = fields.AwareDateTime(required=True)
    actor = fields.Nested(UserRef, required=True)
    reason = fields.String(allow_none=True)                   # a void's
    version = fields.Integer(required=True)


VACANT_RESULTS = ["ok", "defect", "crack"]


class VacantUnitChecked(Schema):
    """A vacant unit's monthly check (空置房检查) recorded: notify tells the owner by the 12th
    (purpose ``vacancy.check_result``). ``result`` is the worst finding (ok < defect < crack);
    the counts per result, the repair tickets opened (their numbers) and the cracks waiting for
    the manager -- the platform's facts only, never the steward's notes (no free text in an SMS)."""
    check_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    month = fields.String(required=True)                      # YYYY-MM
    checked_at = fields.AwareDateTime(required=True)
    check_date = fields.Date(required=True)                   # the project's local date
    result = fields.String(required=True, validate=validate.OneOf(VACANT_RESULTS))
    rooms = fields.Integer(required=True)
    ok = fields.Integer(required=True)
    defects = fields.Integer(required=True)
    cracks = fields.Integer(required=True)
    repair_ticket_numbers = fields.List(fields.String(), required=True)
    awaiting_approval = fields.Integer(required=True)


class StepRef(Schema):
    """The step an ``*.changed`` event is about: what was done, from which state to which, by whom, when."""
    action = fields.String(required=True)
    from_ = fields.String(allow_none=True, data_key="from")
    to = fields.String(required=True)
    actor = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)


class GoodsReleaseParty(Schema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    user_id = fields.String(allow_none=True)
    person_id = fields.String(allow_none=True)      # a resident's own request: his person of the household file


class GoodsReleaseReview(Schema):
    """主管复核 of an attested in-person check: the supervisor (never who attested it), when."""
    user_id = fields.String(allow_none=True)
    name = fields.String(required=True)
    at = fields.String(required=True)
    note = fields.String(allow_none=True)


class GoodsReleaseMover(Schema):
    name = fields.String(required=True)
    id_type = fields.String(required=True)
    id_number_masked = fields.String(allow_none=True)         # kernel.privacy's mask, never the number


class GoodsReleaseIdentity(Schema):
    """The identity check (核查业主资料) -- the ID number masked."""
    method = fields.String(required=True)
    person_name = fields.String(required=True)
    id_type = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    family_members = fields.List(fields.String(), required=True)
    employer = fields.String(allow_none=True)
    matched_archive = fields.Boolean(required=True)
    attested = fields.Boolean(allow_none=True)           # in person, no number on file: the desk attests
    household_role = fields.String(allow_none=True)
    checked_by = fields.Nested(UserRef, required=True)
    checked_at = fields.String(required=True)
    note = fields.String(allow_none=True)
    reviewed = fields.Nested(GoodsReleaseReview, allow_none=True)


class GoodsReleaseConsent(Schema):
    """The owner's consent, verified at verify: the method and the owner's ID number masked."""
    name = fields.String(required=True)
    how = fields.String(required=True)
    note = fields.String(allow_none=True)
    id_type = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    matched_archive = fields.Boolean(allow_none=True)
    checked_by = fields.String(allow_none=True)
    checked_at = fields.String(allow_none=True)


class GoodsReleaseFees(Schema):
    """Billing's answer at approve / issue (amounts in yuan, as strings)."""
    unpaid = fields.String(required=True)
    balance_due = fields.String(required=True)
    overdue = fields.String(required=True)
    as_of = fields.String(allow_none=True)
    block_on = fields.String(required=True)
    checked_at = fields.String(required=True)


class GoodsReleaseLogEntry(Schema):
    at = fields.AwareDateTime(required=True)
    action = fields.String(required=True)
    actor = fields.Nested(UserRef, required=True)
    note = fields.String(allow_none=True)


class GoodsReleaseChanged(Schema):
    """The whole goods release (物品放行单) after its request or any step (state-carrying: a
    consumer keeps the newest ``version``), and the step (``step``). The mover's and the checked
    person's ID numbers masked (kernel.privacy); no phones."""
    release_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    household_id = fields.String(allow_none=True)
    number = fields.String(allow_none=True)                   # FX-YYYYMMDD-NNNN once issued
    status = fields.String(required=True)
    requester = fields.Nested(GoodsReleaseParty, required=True)
    owner_consent = fields.Nested(GoodsReleaseConsent, allow_none=True)
    mover = fields.Nested(GoodsReleaseMover, required=True)
    items = fields.List(fields.Nested(GoodsReleaseItem), required=True)
    move_at = fields.AwareDateTime(required=True)
    note = fields.String(allow_none=True)
    identity = fields.Nested(GoodsReleaseIdentity, allow_none=True)
    fees = fields.Nested(GoodsReleaseFees, allow_none=True)
    finance_signed = fields.Nested(UserRef, allow_none=True)
    finance_signed_at = fields.AwareDateTime(allow_none=True)
    issued = fields.Nested(UserRef, allow_none=True)
    issued_at = fields.AwareDateTime(allow_none=True)
    used = fields.Nested(UserRef, allow_none=True)
    used_at = fields.AwareDateTime(allow_none=True)
    voided = fields.Nested(UserRef, allow_none=True)
    voided_at = fields.AwareDateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)
    # the print log (打印记录): the first print's who and when, and how many prints (a later one: 补打)
    printed = fields.Nested(UserRef, allow_none=True)
    printed_at = fields.AwareDateTime(allow_none=True)
    print_count = fields.Integer()
    recorded_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)
    history = fields.List(fields.Nested(GoodsReleaseLogEntry), required=True)
    step = fields.Nested(StepRef, required=True)


class KeyMovementPart(StepRef):
    """A key's movement (domain/keys.py TABLE): the party's phone and ID number masked."""
    movement_id = fields.String(required=True)
    party_kind = fields.String(allow_none=True)              # developer | owner | borrower | contractor
    party_name = fields.String(allow_none=True)
    party_phone_masked = fields.String(allow_none=True)
    party_id_number_masked = fields.String(allow_none=True)
    late = fields.Boolean()                                   # a return after the due time (and its loan)
    minutes_late = fields.Integer(allow_none=True)
    purpose = fields.String(allow_none=True)
    note = fields.String(allow_none=True)


class KeyLateReturnPart(Schema):
    """One of the borrower's earlier loans returned late (逾期归还): why a deposit is due."""
    loan_id = fields.String(required=True)
    at = fields.AwareDateTime(allow_none=True)               # registered
    due_back_at = fields.AwareDateTime(allow_none=True)
    returned_at = fields.AwareDateTime(allow_none=True)
    minutes_late = fields.Integer(allow_none=True)


class KeyLoanPart(Schema):
    """The key's open loan (借用): the request's movement, approval and due time."""
    loan_id = fields.String(required=True)
    party_kind = fields.String(allow_none=True)
    party_name = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    due_back_at = fields.AwareDateTime(allow_none=True)
    deposit_required = fields.Boolean(allow_none=True)
    task_id = fields.String(allow_none=True)                 # the key_return task
    # the request's register entry (added for the gateway's read model: the desk's loans out)
    requested_at = fields.AwareDateTime(allow_none=True)
    requested_by = fields.String(allow_none=True)
    party_phone_masked = fields.String(allow_none=True)
    party_id_number_masked = fields.String(allow_none=True)
    proof_ref = fields.String(allow_none=True)
    purpose = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    approved_by = fields.String(allow_none=True)
    deposit_ref = fields.String(allow_none=True)
    # the flagged borrower's deposit and an owner's consent (tickets 0067): where the key came from
    # (in_store, or deposited_by_owner), the deposit's status (not_required | due | held | release_requested
    # | kept | forfeit_requested), billing's deposit id, amount and receipt number, the consent the loan is under
    from_state = fields.String(allow_none=True)
    deposit_status = fields.String(allow_none=True)
    deposit_id = fields.String(allow_none=True)
    deposit_amount = Money(allow_none=True)
    deposit_receipt = fields.String(allow_none=True)
    consent_id = fields.String(allow_none=True)
    # the borrower's earlier late returns (tickets' loan_view lists them; the read model shows them too)
    earlier_late_returns = fields.List(fields.Nested(KeyLateReturnPart), load_default=list)


class KeyChanged(Schema):
    """A key of the register (钥匙) after a movement: the whole key (state-carrying, newest
    ``version`` wins) and the movement."""
    key_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    label = fields.String(required=True)
    copies = fields.Integer(required=True)
    state = fields.String(required=True)
    holder_name = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime(required=True)
    version = fields.Integer(required=True)
    loan = fields.Nested(KeyLoanPart, allow_none=True)
    movement = fields.Nested(KeyMovementPart, required=True)


class KeyDiscrepancy(Schema):
    key_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    label = fields.String(required=True)
    register_state = fields.String(required=True)
    expected = fields.Boolean(required=True)
    counted = fields.Boolean(required=True)
    copies = fields.Integer()                                 # the key's copies in the register
    copies_counted = fields.Integer()                         # of them found


class KeyDepositReleaseRequested(Schema):
    """A key loan's deposit (钥匙押金 / 确保金, billing's deposit of purpose ``key``) to give back: the key came
    back in time (``reason: returned_in_time``) or the loan was refused (``loan_refused``) -- billing
    requests the deposit's refund (once per deposit)."""
    loan_id = fields.String(required=True)
    key_id = fields.String(required=True)
    deposit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    key_label = fields.String(required=True)
    amount = Money(required=True)
    receipt_number = fields.String(allow_none=True)
    reason = fields.String(required=True, validate=validate.OneOf(["returned_in_time", "loan_refused",
                                                                    "kept_released"]))
    requested_at = fields.AwareDateTime(required=True)


class KeyDepositForfeitRequested(Schema):
    """A late borrower's kept key deposit (钥匙押金 / 确保金, billing's deposit of purpose ``key``) the CS or
    centre manager decided goes to income (押金扣除) -- billing releases the pledge and forfeits what it holds,
    once per loan."""
    loan_id = fields.String(required=True)
    key_id = fields.String(required=True)
    deposit_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    key_label = fields.String(required=True)
    amount = Money(required=True)
    receipt_number = fields.String(allow_none=True)
    minutes_late = fields.Integer(allow_none=True)
    decided_by = fields.String(required=True)
    decided_by_name = fields.String(allow_none=True)         # staff's name (no ids in the resident's statement)
    note = fields.String(allow_none=True)
    requested_at = fields.AwareDateTime(required=True)


class KeyStockCheckRecorded(Schema):
    """A count of the key store: ``monthly`` (钥匙每月盘点, the desk) or ``spot`` (抽查, the CS manager)."""
    check_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["monthly", "spot"]))
    month = fields.String(required=True)                      # YYYY-MM
    at = fields.AwareDateTime(required=True)
    by = fields.Nested(UserRef, required=True)
    expected = fields.Integer(required=True)
    counted = fields.Integer(required=True)
    copies_expected = fields.Integer()                        # the expected keys' copies
    copies_counted = fields.Integer()                         # the copies found
    discrepancies = fields.List(fields.Nested(KeyDiscrepancy), required=True)
    task_id = fields.String(allow_none=True)                  # the month's task it finished
    note = fields.String(allow_none=True)
    # the role the count was made in: the first of the kind's roles the counter holds (a spot-check:
    # cs_manager, or centre_manager standing in -- notify tells the CS manager of the latter's discrepancies)
    counted_as = fields.String(allow_none=True)


class VacantRegisterUpdated(Schema):
    """The month's vacant-unit register (空置房登记表) as set: its units and what changed."""
    register_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    month = fields.String(required=True)
    unit_ids = fields.List(fields.String(), required=True)
    owner_registered = fields.List(fields.String(), required=True)   # owners' vacancy registrations (空置手续)
    added = fields.List(fields.String(), required=True)              # unit ids with a check scheduled now
    cancelled_checks = fields.List(fields.String(), required=True)   # check ids cancelled (taken off)
    updated_at = fields.AwareDateTime(required=True)
    updated_by = fields.Nested(UserRef, required=True)
    task_id = fields.String(allow_none=True)


class VacantCareRecorded(Schema):
    """A vacant unit's care visit done (空置房保养: the month's cleaning, an airing, a frost check): who,
    when, the key loan it entered by; an anomaly (防火、防盗 ...) is told at once to the CS manager."""
    care_task_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    care_kind = fields.String(required=True, validate=validate.OneOf(["cleaning", "airing", "frost_check"]))
    department = fields.String(required=True)                 # cleaning (保洁部) | customer_service (客服部)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    due_at = fields.AwareDateTime(required=True)
    performed_by = fields.String(required=True)               # who did it (the cleaner's, the steward's name)
    performed_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    recorded_by = fields.Nested(UserRef, required=True)
    late = fields.Boolean(required=True)                      # done after its due time
    key_loan_id = fields.String(required=True)                # the approved loan it entered by
    key_loan_approved_by = fields.String(allow_none=True)
    dried = fields.Boolean(required=True)                     # 烘干处理 against mould
    anomaly = fields.Boolean(required=True)
    anomaly_kind = fields.String(allow_none=True, validate=validate.OneOf(
        ["fire_risk", "break_in", "water_leak", "mould", "damage", "other"]))
    note = fields.String(allow_none=True)                     # staff text: staff only
    task_id = fields.String(allow_none=True)
    task_number = fields.String(allow_none=True)


class VacantFindingDecided(Schema):
    """The manager's decision on a crack found in a vacant unit (裂缝: 请示客服部经理)."""
    finding_id = fields.String(required=True)
    check_id = fields.String(required=True)
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(required=True)
    month = fields.String(required=True)
    room = fields.String(required=True)
    result = fields.String(required=True, validate=validate.OneOf(VACANT_RESULTS))
    repair_state = fields.String(required=True)               # repair_opened | rejected
    repair_ticket_id = fields.String(allow_none=True)
    repair_ticket_number = fields.String(allow_none=True)    # BX-...: approved, the repair's number
    decision_note = fields.String(allow_none=True)            # the manager's text: staff only, never told
    step = fields.Nested(StepRef, required=True)


class InspectionRef(Schema):
    """The round an inspection event is about: its ticket, number, project, area."""
    round_id = fields.String(required=True)                   # the round's ticket id
    number = fields.String(required=True)                     # XJ-YYYYMMDD-NNNN
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    area_id = fields.String(required=True)
    area_name = fields.String(required=True)
    area_type = fields.String(required=True)
    day = fields.Date(allow_none=True)                         # a planned patrol's local day
    slot = fields.Integer(allow_none=True)                    # ... and its slot (1, 2, ...)


class InspectionItemFailed(InspectionRef):
    """An item recorded failed (巡检发现问题): the repair ticket it opened (once per round and item);
    notify puts it in the project's CS manager inbox at once (``inspection.item_failed``, in-app only).
    ``note`` is the recording staff member's, never a resident's words."""
    item_code = fields.String(required=True)
    item_name = fields.String(required=True)
    note = fields.String(allow_none=True)
    photo_ref = fields.String(allow_none=True)
    repair_ticket_id = fields.String(required=True)
    repair_number = fields.String(required=True)
    recorded_by = fields.Nested(UserRef, required=True)
    at = fields.AwareDateTime(required=True)


class InspectionRoundCompleted(InspectionRef):
    """A round completed with a result for every item of its checklist."""
    template_version = fields.Integer(required=True)
    items_total = fields.Integer(required=True)
    failed_items = fields.List(fields.String(), required=True)   # item codes
    repair_ticket_ids = fields.List(fields.String(), required=True)
    done_by = fields.Nested(UserRef, required=True)
    done_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(allow_none=True)


class PatrolMissed(InspectionRef):
    """A planned patrol not done by its deadline, marked missed by the platform (once); its
    ``patrol`` clock's breach is told by the SLA sweep (``ticket.sla_breached``) like any other."""
    due_at = fields.AwareDateTime(required=True)
    steward = fields.Nested(UserRef, allow_none=True)
    status_before = fields.String(required=True)              # planned | in_progress
    at = fields.AwareDateTime(required=True)


class RenovationRef(Schema):
    """Which renovation (装修申请, domain/renovation.py) an event is about."""
    renovation_id = fields.String(required=True)             # the ticket's id
    number = fields.String(required=True)                    # ZX-YYYYMMDD-NNNN
    group_id = fields.String(required=True)
    project_id = fields.String(required=True)
    unit_id = fields.String(required=True)
    unit_label = fields.String(allow_none=True)
    household_id = fields.String(allow_none=True)


class RenovationFeesRequested(RenovationRef):
    """The agreement signed: billing takes ``deposit_amount`` as the unit's renovation deposit
    (held when paid) and charges the garbage-removal fee from its schedule (item ``garbage``,
    the unit's building area x the price); once per renovation. It answers
    ``renovation.fees_charged`` at once (the amounts, shown before they are paid) and
    ``renovation.fees_paid`` when both are paid."""
    deposit_amount = Money(required=True)
    requested_at = fields.AwareDateTime(required=True)


class RenovationRefundRequested(RenovationRef):
    """The re-inspection done: refund ``refund_amount`` of the deposit (by ``due_at``); the rest,
    ``withheld_amount``, is withheld for ``violations``. ``refund_amount`` 0.00: nothing to pay.
    ``reinspected_by``: who re-inspected and decided what is withheld (billing names them in the
    forfeiture of the withheld part to income, 押金扣除)."""
    deposit_id = fields.String(allow_none=True)
    deposit_amount = Money(required=True)
    refund_amount = Money(required=True)
    withheld_amount = Money(required=True)
    violations = fields.List(fields.String(), required=True)
    reinspected_by = fields.Nested(UserRef, allow_none=True)
    requested_at = fields.AwareDateTime(required=True)
    due_at = fields.AwareDateTime(required=True)


class RenovationReinspectionDue(RenovationRef):
    occupied_on = fields.Date(allow_none=True)
    due_at = fields.AwareDateTime(required=True)


class RenovationReinspectionUpcoming(RenovationRef):
    """The re-inspection (复查) is due at ``due_at``, ``renovation.reinspection_notice_days`` days from
    now: notify tells the household (``renovation.reinspection_notice``), once per renovation."""
    occupied_on = fields.Date(allow_none=True)
    due_at = fields.AwareDateTime(required=True)


class RenovationDocument(Schema):
    doc_type = fields.String(required=True)
    document_id = fields.String(required=True)


class RenovationClosed(RenovationRef):
    """Closed after the refund (or the deposit withheld whole): the documents (archive's ids)
    for the household file's renovation section."""
    permit_number = fields.String(allow_none=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    occupied_on = fields.Date(allow_none=True)
    reinspected_at = fields.AwareDateTime(allow_none=True)
    deposit_amount = Money(required=True)
    refund_amount = Money(allow_none=True)
    withheld_amount = Money(allow_none=True)
    violations = fields.List(fields.String(), required=True)
    documents = fields.List(fields.Nested(RenovationDocument), required=True)
    closed_at = fields.AwareDateTime(required=True)

class RenovationCancelled(RenovationRef):
    """Cancelled after the agreement (``fees_requested``), before the fees were paid: the household
    moved out (过户 / 迁出). billing voids the garbage-removal fee still unpaid and asks the refund of
    a deposit it holds for the renovation, to whoever paid it (its account); once per renovation."""
    deposit_amount = Money(required=True)
    fees_requested_at = fields.AwareDateTime(allow_none=True)
    reason = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True)


CONTRACT = EventContract("tickets", {TICKET_OPENED: TicketOpened, TICKET_CHANGED: TicketChanged,
                                     TICKET_STATUS_CHANGED: TicketStatusChanged,
                                     TICKET_CHARGE_POSTED: TicketChargePosted,
                                     SETTING_CHANGED: SettingChanged,
                                     COMPLAINT_REGISTERED: ComplaintRegistered,
                                     COMPLAINT_REPLIED: ComplaintReplied,
                                     COMPLAINT_RECLASSIFIED: ComplaintReclassified,
                                     COMPLAINT_UPGRADED: ComplaintUpgraded,
                                     TICKET_SLA_WARNING: SlaWarning, TICKET_SLA_BREACHED: SlaBreached,
                                     TICKET_DEADLINE_EXTENDED: DeadlineExtended,
                                     GOODS_RELEASE_ISSUED: GoodsReleaseStep,
                                     GOODS_RELEASE_USED: GoodsReleaseStep,
                                     GOODS_RELEASE_VOIDED: GoodsReleaseStep,
                                     FEEDBACK_RECEIVED: FeedbackReceived, FEEDBACK_REPLIED: FeedbackReplied,
                                     VACANT_UNIT_CHECKED: VacantUnitChecked,
                                     INSPECTION_ITEM_FAILED: InspectionItemFailed,
                                     INSPECTION_ROUND_COMPLETED: InspectionRoundCompleted,
                                     PATROL_MISSED: PatrolMissed,
                                     RENOVATION_FEES_REQUESTED: RenovationFeesRequested,
                                     RENOVATION_REFUND_REQUESTED: RenovationRefundRequested,
                                     RENOVATION_REINSPECTION_DUE: RenovationReinspectionDue,
                                     RENOVATION_REINSPECTION_UPCOMING: RenovationReinspectionUpcoming,
                                     RENOVATION_CLOSED: RenovationClosed,
                                     RENOVATION_CANCELLED: RenovationCancelled,
                                     GOODS_RELEASE_CHANGED: GoodsReleaseChanged, KEY_CHANGED: KeyChanged,
                                     KEY_STOCK_CHECK_RECORDED: KeyStockCheckRecorded,
                                     KEY_DEPOSIT_RELEASE_REQUESTED: KeyDepositReleaseRequested,
                                     KEY_DEPOSIT_FORFEIT_REQUESTED: KeyDepositForfeitRequested,
                                     VACANT_REGISTER_UPDATED: VacantRegisterUpdated,
                                     VACANT_FINDING_DECIDED: VacantFindingDecided,
                                     VACANT_CARE_RECORDED: VacantCareRecorded},
                         # ticket.status_changed is notify's (the resident told of their ticket's steps):
                         # published mandatory like ticket.opened -- kept and retried while no queue is bound;
                         # so are inspection.item_failed (notify: the CS manager's inbox),
                         # renovation.closed (archive: the household file), goods_release.changed
                         # (notify: the household told of its pass issued, used or voided),
                         # renovation.reinspection_upcoming (notify: the household told ahead) and
                         # key_stock_check.recorded (notify: the CS manager told of a discrepancy) and
                         # vacant_care.recorded (notify: the CS manager told of an anomaly in a vacant unit)
                         optional_subscribers=frozenset({SETTING_CHANGED, TICKET_CHANGED,
                                                         COMPLAINT_RECLASSIFIED,
                                                         COMPLAINT_UPGRADED, TICKET_DEADLINE_EXTENDED,
                                                         GOODS_RELEASE_ISSUED, GOODS_RELEASE_USED,
                                                         GOODS_RELEASE_VOIDED,
                                                         INSPECTION_ROUND_COMPLETED, PATROL_MISSED,
                                                         RENOVATION_REINSPECTION_DUE,
                                                         KEY_CHANGED, VACANT_REGISTER_UPDATED}))
