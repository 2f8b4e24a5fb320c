"""tickets' tables: the tickets with their SLA deadlines and history, local
copies of archive's registry; the per-project SLA settings live in the
kernel's ``project_settings`` / ``settings_audit`` tables."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, Time,
                        UniqueConstraint, text)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from kernel.db import UtcDateTime, new_base
from kernel.idempotency import idempotency_table
from kernel.messaging import job_table, kernel_tables
from kernel.money import MoneyType
from kernel.settings import settings_tables

Base = new_base()
OutboxMessage, InboxRecord = kernel_tables(Base)
ScheduledJob = job_table(Base)       # kernel.jobs
IdempotencyRecord = idempotency_table(Base)
SettingValue, SettingChange = settings_tables(Base)

ID = String(36)


class ProjectCopy(Base):
    """archive's project, as far as tickets needs it (name, local time zone)."""

    __tablename__ = "project_copies"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)


class UnitCopy(Base):
    """archive's unit and its current household's first contact."""

    __tablename__ = "unit_copies"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    label: Mapped[str] = mapped_column(String(100))
    unit_version: Mapped[int] = mapped_column(Integer, default=0)
    household_id: Mapped[str | None] = mapped_column(ID)
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    household_version: Mapped[int] = mapped_column(Integer, default=0)


class TicketCounter(Base):
    """Numbers tickets per project and local day: BX-20261124-0001."""

    __tablename__ = "ticket_counters"

    project_id: Mapped[str] = mapped_column(ID, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


class Ticket(Base):
    """A work order (工单) of any kind: ``repair`` (报修), ``complaint`` (投诉), ``quality``
    (warranty-quality complaint, 质量投诉), ``revisit`` (回访). Each kind has its state machine
    in ``domain/workflow.py`` and, where it needs more, a detail table (``Complaint``,
    ``Revisit``)."""

    __tablename__ = "tickets"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    number: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(20), default="repair")
    category: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default="open")
    unit_id: Mapped[str | None] = mapped_column(ID, index=True)
    unit_label: Mapped[str | None] = mapped_column(String(100))
    household_id: Mapped[str | None] = mapped_column(ID)
    location: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str] = mapped_column(String(100))
    reporter_phone: Mapped[str | None] = mapped_column(String(30))
    reporter_user_id: Mapped[str | None] = mapped_column(String(100))
    appointment_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    engineering_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # the caller's idempotency key: a retried or redelivered request returns this ticket
    request_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: grows by 1 with every change; ``ticket.changed`` carries it (read models keep the newest)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the repair workflow (domain/workflow.py; revision 0040)
    assignee_id: Mapped[str | None] = mapped_column(String(100), index=True)
    assignee_name: Mapped[str | None] = mapped_column(String(100))
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    work_note: Mapped[str | None] = mapped_column(Text)
    #: [{name, quantity, unit}] the technician used
    materials: Mapped[list | None] = mapped_column(JSON)
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    deadlines: Mapped[list["TicketDeadline"]] = relationship(
        back_populates="ticket", lazy="selectin", order_by="TicketDeadline.due_at",
        cascade="all, delete-orphan")
    history: Mapped[list["TicketLog"]] = relationship(
        back_populates="ticket", lazy="selectin", order_by="TicketLog.at", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_ticket_number"),
        UniqueConstraint("recorded_by", "request_id", name="uq_ticket_request"),
        Index("ix_tickets_project_status", "project_id", "status"),
    )


class TicketDeadline(Base):
    """One SLA clock of a ticket (时限): due at ``due_at``, stopped at ``met_at``.

    The SLA engine (``domain/clocks.py``) starts, meets, cancels and extends them; its sweep
    (``domain/alerts.py``) finds the rows whose ``next_alert_at`` has come, through the
    partial index ``ix_deadline_next_alert``: ``warn_at`` (warning, at the project's
    ``sla.warn_at_percent`` of the allowed time), then ``due_at`` (breach). ``next_alert_at``
    is NULL once both alerts went out, or the clock was met or cancelled."""

    __tablename__ = "ticket_deadlines"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # the SLA engine (revision 0050)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the role answerable for this clock (told of its warning and breach)
    responsible_role: Mapped[str | None] = mapped_column(String(40))
    warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    next_alert_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="deadlines")
    # loaded with the clock (one query for all the clocks of the tickets loaded): every
    # snapshot of the ticket carries them
    extensions: Mapped[list["DeadlineExtension"]] = relationship(
        back_populates="deadline", order_by="DeadlineExtension.approved_at", lazy="selectin",
        cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("ticket_id", "kind", name="uq_ticket_deadline"),
        Index("ix_deadline_next_alert", "next_alert_at", postgresql_where=text("next_alert_at IS NOT NULL"),
              sqlite_where=text("next_alert_at IS NOT NULL")),
    )


class DeadlineExtension(Base):
    """An approved overrun (超时审批): who allowed a clock more time, when, why, until when."""

    __tablename__ = "deadline_extensions"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    deadline_id: Mapped[str] = mapped_column(ForeignKey("ticket_deadlines.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_by_name: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)
    old_due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    new_due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: the extended due time was missed too: when that breach was told (revision 0051; the
    #: clock's own ``breached_at`` keeps the first breach)
    breached_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    deadline: Mapped[TicketDeadline] = relationship(back_populates="extensions")


class TicketLog(Base):
    """工单记录: what happened to a ticket, when and by whom."""

    __tablename__ = "ticket_log"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship(back_populates="history")


class Complaint(Base):
    """A complaint's own facts (投诉, seed 000 §七), one row per ticket of kind ``complaint``
    or ``quality`` (warranty-quality complaint, 质量投诉)."""

    __tablename__ = "complaints"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    #: major (重大) | key (重要) | minor (轻微)
    complaint_class: Mapped[str] = mapped_column(String(10))
    #: the department answerable (engineering, customer_service, security, cleaning, ...)
    department: Mapped[str] = mapped_column(String(40))
    #: oral (口头) | written (书面)
    form: Mapped[str] = mapped_column(String(10))
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    written_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: set once, when the 30-day rule upgraded it to major
    upgraded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the revisit whose dissatisfied result opened this complaint, if any
    revisit_ticket_id: Mapped[str | None] = mapped_column(ID)
    #: when it was reported to the service-centre manager (revision 0053)
    reported_to_manager_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ComplaintClassChange(Base):
    """A complaint's class changed: from, to, who, when, why (the 30-day upgrade included)."""

    __tablename__ = "complaint_class_changes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    from_class: Mapped[str | None] = mapped_column(String(10))
    to_class: Mapped[str] = mapped_column(String(10))
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_name: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    reason: Mapped[str] = mapped_column(Text)


class TicketDocument(Base):
    """A document written on a ticket: a written reply to a complaint (书面回复), a joint
    assessment, an out-of-warranty explanation."""

    __tablename__ = "ticket_documents"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(100))
    written_by_name: Mapped[str] = mapped_column(String(100), default="")
    written_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Revisit(Base):
    """A revisit's own facts (回访, seed 000 §六), one row per ticket of kind ``revisit``."""

    __tablename__ = "revisits"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    #: complaint | repair_dissatisfied | repair_unrated | repair_unsigned | repair_sample |
    #: maintenance | routine
    reason: Mapped[str] = mapped_column(String(30))
    #: the ticket revisited (a complaint, a repair, a maintenance work); None for routine
    source_ticket_id: Mapped[str | None] = mapped_column(ID, index=True)
    household_id: Mapped[str | None] = mapped_column(ID, index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    quality: Mapped[int | None] = mapped_column(Integer)          # 1-5
    effect: Mapped[int | None] = mapped_column(Integer)           # 1-5
    #: satisfied | neutral | dissatisfied
    satisfaction: Mapped[str | None] = mapped_column(String(20))
    shortcomings: Mapped[str | None] = mapped_column(Text)
    suggestions: Mapped[str | None] = mapped_column(Text)
    #: the complaint a dissatisfied revisit opened
    complaint_ticket_id: Mapped[str | None] = mapped_column(ID)

    __table_args__ = (
        # one revisit per source and reason (revisits.py checks first; this holds under races)
        UniqueConstraint("source_ticket_id", "reason", name="uq_revisit_source_reason"),
    )


# -- the monthly report's ranges (domain/reports.py; revision 0055): a project's tickets received,
# closed, and clocks due in a month are read through these, not by scanning the project's history
Index("ix_tickets_project_received", Ticket.project_id, Ticket.received_at)
Index("ix_tickets_project_closed", Ticket.project_id, Ticket.closed_at)
Index("ix_deadline_project_due", TicketDeadline.project_id, TicketDeadline.due_at)


# -- paid in-home repairs, the on-duty list (revision 0052) ---------------------------------

class PriceListItem(Base):
    """One line of a project's price list of paid services (有偿服务价目表), effective-dated.

    Rows are never changed or deleted: a new price (or a retirement, ``retired``) is a new row
    in force from ``effective_from`` (today or later), so reading the list "on a date" always
    gives what was in force then. On one day the row with the highest ``seq`` wins (a same-day
    correction); ``seq`` grows per project with every row."""

    __tablename__ = "price_list_items"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal | None] = mapped_column(MoneyType())
    #: from this date on the item is no longer offered (a retirement row has no price)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_from: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(300), default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_name: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("project_id", "seq", name="uq_price_list_seq"),
        Index("ix_price_list_project_code", "project_id", "code", "effective_from"),
    )


class RepairQuote(Base):
    """A paid repair's quote (报价单): lines priced from the price list in force that day, the
    total computed here. The resident consents or refuses; a re-quote supersedes it."""

    __tablename__ = "repair_quotes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    #: 1, 2, ... per ticket
    revision: Mapped[int] = mapped_column(Integer)
    #: pending (待确认) | consented (已同意) | refused (已拒绝) | superseded (已重报)
    status: Mapped[str] = mapped_column(String(12))
    #: [{code, name, unit, quantity, unit_price, amount}] (decimals as strings)
    lines: Mapped[list] = mapped_column(JSON)
    total: Mapped[Decimal] = mapped_column(MoneyType())
    #: the day whose price list priced it (the project's local date)
    priced_on: Mapped[date] = mapped_column(Date)
    quoted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    quoted_by: Mapped[str] = mapped_column(String(100))
    quoted_by_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    refusal_reason: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship(backref=backref(
        "quotes", lazy="select", order_by="RepairQuote.revision", cascade="all, delete-orphan"))

    __table_args__ = (UniqueConstraint("ticket_id", "revision", name="uq_repair_quote_revision"),)


class RepairCharge(Base):
    """The charge put on a paid repair at completion (维修收费): the consented quote's lines and
    total. ``charge_id`` is what billing posts once (its idempotency key); one per ticket."""

    __tablename__ = "repair_charges"

    charge_id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), unique=True)
    quote_id: Mapped[str] = mapped_column(ForeignKey("repair_quotes.id"))
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str | None] = mapped_column(ID)
    lines: Mapped[list] = mapped_column(JSON)
    total: Mapped[Decimal] = mapped_column(MoneyType())
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    posted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    posted_by: Mapped[str] = mapped_column(String(100))

    ticket: Mapped[Ticket] = relationship(backref=backref(
        "charge", lazy="select", uselist=False, cascade="all, delete-orphan"))


class DutyRosterEntry(Base):
    """One line of a project's on-duty list (工程值班表): a technician on duty for a category of
    repairs (or ``*``: all) on some weekdays from ``starts`` to ``ends`` in the project's local
    time -- ``ends`` at or before ``starts`` is a shift into the next morning (a night shift
    17:30-08:00 belongs to the weekday it starts on); ``valid_from``/``valid_to`` limit it to a
    period (a holiday roster). The list is replaced as a whole (``position`` keeps its order)."""

    __tablename__ = "duty_roster_entries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    position: Mapped[int] = mapped_column(Integer)
    #: public_area | in_home_paid | not_covered | unclassified | *
    category: Mapped[str] = mapped_column(String(20))
    technician_id: Mapped[str] = mapped_column(String(100))
    technician_name: Mapped[str] = mapped_column(String(100))
    #: ISO weekdays the shift starts on, 1 = Monday ... 7 = Sunday
    weekdays: Mapped[list] = mapped_column(JSON)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


#: the not-covered advice (不属维修范围的答复) is a document written on the ticket
ADVICE_DOCUMENT = "not_covered_advice"
Ticket.advice_document = relationship(
    TicketDocument, primaryjoin=lambda: (TicketDocument.ticket_id == Ticket.id)
    & (TicketDocument.kind == ADVICE_DOCUMENT), viewonly=True, uselist=False, lazy="select")
class QualityComplaint(Base):
    """A warranty-quality complaint's own facts (质量投诉, seed 000 §五), one row per ticket of kind
    ``quality``: the developer's supervision department's notice, the joint assessment, the
    out-of-warranty explanation, a compensation claim and its decision (revision 0053)."""

    __tablename__ = "quality_complaints"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    #: oral (口头) | written (书面)
    form: Mapped[str] = mapped_column(String(10))
    #: the notice to the developer's supervision department (开发商监理部) was delivered
    supervision_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the joint assessment's finding: within the warranty or not
    within_warranty: Mapped[bool | None] = mapped_column(Boolean)
    assessed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    explained_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    compensation_claim: Mapped[str | None] = mapped_column(Text)
    compensation_claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: granted | refused (the service-centre manager or the GM decides)
    compensation_decision: Mapped[str | None] = mapped_column(String(10))
    compensation_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_by_name: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class GoodsRelease(Base):
    """A goods release (物品放行单, seed 000 §三): a household moves items out of the project past
    the gate. Identity checked (``identity``), unit, mover, items and time recorded, every fee
    settled (billing asked; finance signs), a numbered pass (``FX-YYYYMMDD-NNNN`` per project and
    local day, given when issued) that security marks used at the gate; a void keeps who and why
    (作废). Workflow: ``domain/goods_release.py`` TABLE (revision 0056)."""

    __tablename__ = "goods_releases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    unit_label: Mapped[str] = mapped_column(String(100))
    household_id: Mapped[str | None] = mapped_column(ID)
    #: the pass number, given when issued (None before)
    number: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    #: who asks: name, role in the household (owner | family | tenant | agent), portal user
    requester_name: Mapped[str] = mapped_column(String(100))
    requester_role: Mapped[str] = mapped_column(String(20))
    requester_user_id: Mapped[str | None] = mapped_column(String(100))
    #: a resident's own request: the person of the household file he is (archive's answer about
    #: himself) -- revision 0071; null for a request the desk records
    requester_person_id: Mapped[str | None] = mapped_column(String(36))
    #: the owner's consent to a tenant's or an agent's release (核实业主意见): {name, how, note}
    owner_consent: Mapped[dict | None] = mapped_column(JSON)
    #: the mover (搬迁人): name and identity document -- the number kept masked only
    mover_name: Mapped[str] = mapped_column(String(100))
    mover_id_type: Mapped[str] = mapped_column(String(30))
    mover_id_masked: Mapped[str] = mapped_column(String(40))
    #: [{name, quantity}] (搬离物品名称/数量)
    items: Mapped[list] = mapped_column(JSON)
    move_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    #: the identity check (核查业主资料): method, document (masked), family members, employer,
    #: whether it matched the household file, who checked and when
    identity: Mapped[dict | None] = mapped_column(JSON)
    #: billing's answer at the last fee check: {balance_due, overdue, as_of, checked_at}
    fees: Mapped[dict | None] = mapped_column(JSON)
    finance_signed_by: Mapped[str | None] = mapped_column(String(100))
    finance_signed_name: Mapped[str | None] = mapped_column(String(100))
    finance_signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    issued_by: Mapped[str | None] = mapped_column(String(100))
    issued_name: Mapped[str | None] = mapped_column(String(100))
    issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    used_by: Mapped[str | None] = mapped_column(String(100))
    used_name: Mapped[str | None] = mapped_column(String(100))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    voided_by: Mapped[str | None] = mapped_column(String(100))
    voided_name: Mapped[str | None] = mapped_column(String(100))
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)
    #: the printed pass (打印记录, revision 0066): who printed it first and when, and how many times it
    #: was printed -- every print is a ``print`` entry of its log; a later print is marked 【补打】
    printed_by: Mapped[str | None] = mapped_column(String(100))
    printed_name: Mapped[str | None] = mapped_column(String(100))
    printed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    print_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    history: Mapped[list["GoodsReleaseLog"]] = relationship(
        back_populates="release", lazy="selectin", order_by="GoodsReleaseLog.seq",
        cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("project_id", "number", name="uq_goods_release_number"),
        Index("ix_goods_releases_project_status", "project_id", "status"),
    )


class GoodsReleaseLog(Base):
    """What happened to a goods release, when and by whom (every step of its table)."""

    __tablename__ = "goods_release_log"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    release_id: Mapped[str] = mapped_column(ForeignKey("goods_releases.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    action: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(Text, default="")

    release: Mapped[GoodsRelease] = relationship(back_populates="history")


class Feedback(Base):
    """Praise or a suggestion's own facts (表扬与建议), one row per ticket of kind ``feedback``
    (domain/feedback.py; revision 0057). The reply itself is a ``TicketDocument`` (feedback_reply)."""

    __tablename__ = "feedback"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    #: praise (表扬) | suggestion (建议)
    sub_kind: Mapped[str] = mapped_column(String(12))
    #: praise: the staff named, ``[{"name", "user_id"}]``
    named_staff: Mapped[list] = mapped_column(JSON, default=list)
    #: praise: the department praised
    department: Mapped[str | None] = mapped_column(String(100))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    forwarded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: to whom it was forwarded (the staff praised, a department), in the words of the desk
    forwarded_to: Mapped[str | None] = mapped_column(String(500))
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: a suggestion: adopted (采纳) | not_adopted (不采纳); None for praise
    decision: Mapped[str | None] = mapped_column(String(12))
    #: a suggestion not adopted: why
    decision_reason: Mapped[str | None] = mapped_column(Text)


# -- keys (钥匙, seed 000 §九) and vacant units (空置房, §十): domain/keys.py, domain/vacant.py ----

class Key(Base):
    """One key (or set of keys) of a unit in the front desk's key register (钥匙登记), with who
    holds it now (its state: ``keys.TABLE``)."""

    __tablename__ = "keys"
    __table_args__ = (UniqueConstraint("unit_id", "label", name="uq_key_unit_label"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    unit_label: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(100))               # 入户门钥匙, 信报箱钥匙 ...
    copies: Mapped[int] = mapped_column(Integer, default=1)        # keys on the ring
    #: received_from_developer | in_store | collected_by_owner | deposited_by_owner | loan_requested | lent
    state: Mapped[str] = mapped_column(String(30))
    #: who holds it outside the store (owner, borrower, contractor); None in the store
    holder_name: Mapped[str | None] = mapped_column(String(100))
    #: the current loan (a requested or lent key), its row in key_movements
    loan_id: Mapped[str | None] = mapped_column(ID)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)


class KeyMovement(Base):
    """One step of a key's register (钥匙收发/借用登记): who, when, against what papers; a loan is
    the row of its request, completed by its approval and return."""

    __tablename__ = "key_movements"
    __table_args__ = (UniqueConstraint("key_id", "key_version", name="uq_key_movement_version"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("keys.id"))
    #: the key's version this step made (its order in the register: one step, one version)
    key_version: Mapped[int] = mapped_column(Integer)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(100))
    by_name: Mapped[str] = mapped_column(String(100), default="")
    #: owner | borrower | contractor | developer (the other party of the step)
    party_kind: Mapped[str | None] = mapped_column(String(20))
    party_name: Mapped[str | None] = mapped_column(String(100))
    party_phone: Mapped[str | None] = mapped_column(String(30))
    #: the other party's identity document (kernel.validators.ID_TYPES) -- the number is never kept:
    #: only masked (kernel.privacy.mask_id_number) and as a keyed hash (kernel.privacy.id_number_digest),
    #: which a borrower's late return marks and an owner taking back a deposited key is compared by
    party_id_type: Mapped[str | None] = mapped_column(String(30))
    party_id_masked: Mapped[str | None] = mapped_column(String(30))
    party_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    contract_ref: Mapped[str | None] = mapped_column(String(100))      # 购房合同 (collection)
    receipt_ref: Mapped[str | None] = mapped_column(String(100))       # 缴费收据 (collection)
    proof_ref: Mapped[str | None] = mapped_column(String(100))         # 开发商书面证明 (contractor)
    purpose: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # a loan's facts
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_back_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    returned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: a late return: how many whole minutes after the due time it came back (on the loan and the return)
    minutes_late: Mapped[int | None] = mapped_column(Integer)
    #: shown on this loan: the borrower returned a key late before (deposit next time)
    deposit_required: Mapped[bool] = mapped_column(Boolean, default=False)
    deposit_ref: Mapped[str | None] = mapped_column(String(100))
    #: the loan's return clock lives on this task ticket (kind ``task``, category ``key_return``)
    ticket_id: Mapped[str | None] = mapped_column(ID)
    #: the deposit (钥匙押金 / 确保金) a flagged borrower left, taken before the approval (``take_deposit``):
    #: billing's deposit (purpose ``key``, on the key's unit), its amount and receipt's number, who took it
    #: and when; given back (billing asked: ``key.deposit_release_requested``) when the key came back in
    #: time or the loan was refused (tickets 0067)
    deposit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    deposit_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    deposit_receipt: Mapped[str | None] = mapped_column(String(40))
    deposit_taken_by: Mapped[str | None] = mapped_column(String(100))
    deposit_taken_by_name: Mapped[str | None] = mapped_column(String(100))
    deposit_taken_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deposit_released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: a kept deposit (returned late again): the manager's decision -- ``release`` (given back) or
    #: ``forfeit`` (to income) -- who, when, why, and the task that asked for it (0070)
    deposit_decision: Mapped[str | None] = mapped_column(String(20))
    deposit_decided_by: Mapped[str | None] = mapped_column(String(100))
    deposit_decided_by_name: Mapped[str | None] = mapped_column(String(100))
    deposit_decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deposit_decision_note: Mapped[str | None] = mapped_column(String(400))
    deposit_task_id: Mapped[str | None] = mapped_column(String(36))
    #: an owner's consent (``owner_consent`` row, 业主同意借用): the person the owner lets borrow their
    #: deposited key -- name, document type, the number masked and keyed-hashed only (tickets 0067)
    consented_name: Mapped[str | None] = mapped_column(String(100))
    consented_id_type: Mapped[str | None] = mapped_column(String(30))
    consented_id_masked: Mapped[str | None] = mapped_column(String(30))
    consented_id_hash: Mapped[str | None] = mapped_column(String(64))
    #: a loan of a deposited key: the owner's consent it was lent under (one consent, one loan)
    consent_id: Mapped[str | None] = mapped_column(ID)


class KeyPhoneRead(Base):
    """One read of a borrower's whole phone (借用人电话查阅记录): who read which loan's phone, when and
    why -- allowed, or refused (``ended_long_ago``: the loan ended more than ``keys.phone_readable_days``
    ago). Never the number. The CS / centre manager reads them (domain/keys.py ``phone_reads``); tickets
    0069."""

    __tablename__ = "key_phone_reads"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    key_id: Mapped[str] = mapped_column(ID)
    loan_id: Mapped[str] = mapped_column(ID, index=True)
    unit_label: Mapped[str] = mapped_column(String(100), default="")
    key_label: Mapped[str] = mapped_column(String(100), default="")
    reader_id: Mapped[str] = mapped_column(String(100))
    reader_name: Mapped[str] = mapped_column(String(100), default="")
    reader_roles: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(200))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    outcome: Mapped[str] = mapped_column(String(20))                 # allowed | refused
    refusal: Mapped[str | None] = mapped_column(String(30))


class KeyStockCheck(Base):
    """A count of the key store against the register (钥匙盘点): the monthly stock-check, or the
    customer-service manager's spot-check (抽查) that meets the month's task."""

    __tablename__ = "key_stock_checks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    kind: Mapped[str] = mapped_column(String(20))                  # monthly | spot
    month: Mapped[str] = mapped_column(String(7))                  # YYYY-MM, local
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(100))
    by_name: Mapped[str] = mapped_column(String(100), default="")
    expected: Mapped[int] = mapped_column(Integer)
    counted: Mapped[int] = mapped_column(Integer)
    #: the copies (a key's ``copies``) the register expects in the store, and those counted
    copies_expected: Mapped[int | None] = mapped_column(Integer)
    copies_counted: Mapped[int | None] = mapped_column(Integer)
    #: [{"key_id", "unit_label", "label", "expected", "counted", "register_state", "copies",
    #: "copies_counted"}] -- only those that differ (a key found with fewer copies than it has too)
    discrepancies: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)


class VacantMonth(Base):
    """The month's vacant-unit register (空置房登记表) of a project: the units on it and when it
    was last updated (by the 5th)."""

    __tablename__ = "vacant_months"
    __table_args__ = (UniqueConstraint("project_id", "month", name="uq_vacant_month"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    month: Mapped[str] = mapped_column(String(7))
    unit_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: of ``unit_ids``, those whose owner registered the unit vacant (业主办理空置手续), a household in
    #: archive's file notwithstanding; the others are the desk's own finding (unsold, no household)
    owner_registered: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(100))
    #: the register's task (kind ``task``, category ``vacant_register``)
    ticket_id: Mapped[str | None] = mapped_column(ID)


class VacantCheck(Base):
    """The month's check of one vacant unit (空置房检查), its findings per room; its task ticket
    carries the check clock (the 10th) and the report clock (the owner told by the 12th)."""

    __tablename__ = "vacant_checks"
    __table_args__ = (UniqueConstraint("unit_id", "month", name="uq_vacant_check_unit_month"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    unit_label: Mapped[str] = mapped_column(String(100))
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20))                # scheduled | checked | cancelled
    checked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    checked_by: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ticket_id: Mapped[str | None] = mapped_column(ID)
    findings: Mapped[list["VacantFinding"]] = relationship(
        order_by="VacantFinding.position", cascade="all, delete-orphan", lazy="selectin")


class VacantFinding(Base):
    """One room's finding of a vacant unit's check: ok, a small defect (a repair ticket opened at
    once) or a crack (waits for the manager's approval before a repair ticket)."""

    __tablename__ = "vacant_findings"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    check_id: Mapped[str] = mapped_column(ForeignKey("vacant_checks.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    position: Mapped[int] = mapped_column(Integer)
    room: Mapped[str] = mapped_column(String(50))
    result: Mapped[str] = mapped_column(String(10))                # ok | defect | crack
    note: Mapped[str | None] = mapped_column(Text)
    #: none (ok) | repair_opened | awaiting_approval | approved | rejected  (vacant.FINDING_TABLE)
    repair_state: Mapped[str] = mapped_column(String(20))
    repair_ticket_id: Mapped[str | None] = mapped_column(ID)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)


class VacantCareTask(Base):
    """One care visit of a vacant unit (空置房保养, seed 000 §十.6-8): the month's cleaning (保洁部每月清扫),
    a summer airing (开窗通风、散热) or a winter frost-protection check (防寒防冻) of one period; its task
    ticket (kind ``task``, category ``vacant_care``) carries the clock (the period's end). Done: who did it,
    when, the key loan it entered by, a note, and an anomaly told at once to the CS manager."""

    __tablename__ = "vacant_care_tasks"
    __table_args__ = (UniqueConstraint("unit_id", "care_kind", "period_start", name="uq_vacant_care_period"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    unit_label: Mapped[str] = mapped_column(String(100))
    #: cleaning | airing | frost_check  (vacant_care.KINDS)
    care_kind: Mapped[str] = mapped_column(String(20))
    #: the department it is assigned to: cleaning (保洁部) | customer_service (客服部)
    department: Mapped[str] = mapped_column(String(30))
    #: the period it covers (local dates; a month's cleaning: the month), and when it is due
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: scheduled | done | cancelled  (vacant_care.TABLE)
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: who did it (the cleaner's or steward's name) and when; who recorded it
    performed_by: Mapped[str | None] = mapped_column(String(100))
    performed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str | None] = mapped_column(String(100))
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the key loan it entered the unit by (key_movements.id of the request_loan row, approved)
    key_loan_id: Mapped[str | None] = mapped_column(ID)
    note: Mapped[str | None] = mapped_column(Text)
    #: dried against mould (烘干处理) on this visit
    dried: Mapped[bool] = mapped_column(Boolean, default=False)
    #: an anomaly found (fire risk, break-in, leak, mould ...): told at once to the CS manager
    anomaly: Mapped[bool] = mapped_column(Boolean, default=False)
    anomaly_kind: Mapped[str | None] = mapped_column(String(20))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    ticket_id: Mapped[str | None] = mapped_column(ID)


# -- daily inspections (巡检, seed 000 §四; stewards' patrols, 001) -- revision 0059 -----------------

class InspectionTemplate(Base):
    """A project's checklist (巡检项目) for one area type, one row per version: a change (an item
    added, removed or renamed) is a new version; a round keeps the items of the version it was done
    against. No row: the built-in defaults (``domain/inspections.py`` ``DEFAULT_ITEMS``, version 0)."""

    __tablename__ = "inspection_templates"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    area_type: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    #: [{code, name}] in checklist order
    items: Mapped[list] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(300), default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_name: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("project_id", "area_type", "version", name="uq_inspection_template_version"),)


class InspectionArea(Base):
    """A place inspected (巡检区域): "1栋楼梯间", of an area type, optionally in a building; its
    steward is named on the area, or else the building's steward (管家片区, archive's
    ``steward.assigned``)."""

    __tablename__ = "inspection_areas"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    name: Mapped[str] = mapped_column(String(100))
    area_type: Mapped[str] = mapped_column(String(20))
    building_id: Mapped[str | None] = mapped_column(ID)
    steward_id: Mapped[str | None] = mapped_column(String(100))
    steward_name: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_inspection_area_name"),)


class InspectionRound(Base):
    """A round (巡检记录), one row per ticket of kind ``inspection``: the area, the checklist it is
    done against (the template version and its items), and for a planned patrol its local day,
    slot and window."""

    __tablename__ = "inspection_rounds"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    area_id: Mapped[str] = mapped_column(ForeignKey("inspection_areas.id"), index=True)
    area_type: Mapped[str] = mapped_column(String(20))
    template_version: Mapped[int] = mapped_column(Integer)
    #: [{code, name}]: the checklist as it was when the round was made
    items: Mapped[list] = mapped_column(JSON)
    #: a planned patrol (巡视): the project's local day, the slot (1, 2, ...) and its window
    day: Mapped[date | None] = mapped_column(Date)
    slot: Mapped[int | None] = mapped_column(Integer)
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_by_name: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("area_id", "day", "slot", name="uq_inspection_patrol_slot"),)


class InspectionResult(Base):
    """One item's result in a round: ok or failed, a note, a photo (a document/object id). A failed
    item opens one repair ticket (``repair_ticket_id``), however often the result is resubmitted."""

    __tablename__ = "inspection_results"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    round_ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    item_code: Mapped[str] = mapped_column(String(20))
    item_name: Mapped[str] = mapped_column(String(100))
    #: ok | failed
    outcome: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    photo_ref: Mapped[str | None] = mapped_column(String(128))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    repair_ticket_id: Mapped[str | None] = mapped_column(ID, index=True)

    __table_args__ = (UniqueConstraint("round_ticket_id", "item_code", name="uq_inspection_result_item"),)


class BuildingStewardCopy(Base):
    """archive's steward of a building (管家片区, ``steward.assigned`` with no unit): who patrols an
    area of that building when the area names no steward of its own."""

    __tablename__ = "building_steward_copies"

    building_id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    steward_id: Mapped[str | None] = mapped_column(String(100))
    steward_name: Mapped[str | None] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)


class InactiveStaff(Base):
    """A staff account the gateway deactivated (``set_staff_active``): the patrol plan assigns
    nothing to it (an area relying on that steward is planned unassigned, for the CS manager)."""

    __tablename__ = "inactive_staff"

    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(100))
    since: Mapped[datetime] = mapped_column(UtcDateTime())


class Renovation(Base):
    """A renovation application's own facts (装修申请, seed 000 §二), one row per ticket of kind
    ``renovation`` (domain/renovation.py): the documents' references in archive's document
    store, the review, the agreement, the fees billing reported paid, the permit, the
    acceptance, the occupancy, the re-inspection and the deposit's refund (revision 0060)."""

    __tablename__ = "renovations"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    contractor: Mapped[str] = mapped_column(String(200), default="")
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    #: the deposit agreed (装修保证金; ``renovation.deposit`` when applied)
    deposit_amount: Mapped[Decimal] = mapped_column(MoneyType())
    #: [{doc_type, document_id, attached_at, attached_by}] -- archive's documents of the household
    documents: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_rounds: Mapped[int] = mapped_column(Integer, default=0)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    review_note: Mapped[str | None] = mapped_column(Text)
    agreement_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fees_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    fees_paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    garbage_fee: Mapped[Decimal | None] = mapped_column(MoneyType())
    #: billing's charge (``renovation.fees_charged``, revision 0062): the garbage-removal fee asked
    #: for -- the building area x the schedule's price -- shown before it is paid
    garbage_fee_requested: Mapped[Decimal | None] = mapped_column(MoneyType())
    fees_charged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    deposit_id: Mapped[str | None] = mapped_column(ID)
    permit_number: Mapped[str | None] = mapped_column(String(40))
    permit_issued_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acceptance_on: Mapped[date | None] = mapped_column(Date)
    acceptance_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    occupied_on: Mapped[date | None] = mapped_column(Date)
    reinspection_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reinspected_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: [str]: the violations the deposit is withheld for (the patrols' and the re-inspection's)
    violations: Mapped[list | None] = mapped_column(JSON)
    withheld_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    refund_amount: Mapped[Decimal | None] = mapped_column(MoneyType())
    refund_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the household that moved out (过户 / 迁出) while the works went on, until the unit's next
    #: household takes the renovation over (``hand_over``); None otherwise (revision 0061)
    left_by_household_id: Mapped[str | None] = mapped_column(ID)


class RenovationPass(Base):
    """A numbered pass of a renovation: a worker's pass (施工人员出入证) or a material pass
    (材料进出放行条); voided with a reason, never deleted."""

    __tablename__ = "renovation_passes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(20))            # worker | material
    number: Mapped[str] = mapped_column(String(40))
    holder_name: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(String(400), default="")
    valid_until: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    issued_by: Mapped[str] = mapped_column(String(100))
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    void_reason: Mapped[str | None] = mapped_column(String(400))

    __table_args__ = (UniqueConstraint("project_id", "number", name="uq_renovation_pass_number"),)


class RenovationPatrol(Base):
    """A patrol's record of a renovation (装修巡查): what was seen, the violations (违规) found,
    renovation waste standing (装修垃圾)."""

    __tablename__ = "renovation_patrols"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    by: Mapped[str] = mapped_column(String(100))
    by_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    violations: Mapped[list] = mapped_column(JSON, default=list)
    waste_seen: Mapped[bool] = mapped_column(Boolean, default=False)
