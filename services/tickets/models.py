"""tickets' tables: the tickets with their SLA deadlines and history, local
copies of archive's registry; the per-project SLA settings live in the
kernel's ``project_settings`` / ``settings_audit`` tables."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import UtcDateTime, new_base
from kernel.idempotency import idempotency_table
from kernel.messaging import job_table, kernel_tables
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
    """A work order (工单). Now: repair requests (报修, kind "repair")."""

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
    """One SLA clock of a ticket: due at ``due_at``, stopped at ``met_at``."""

    __tablename__ = "ticket_deadlines"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    ticket: Mapped[Ticket] = relationship(back_populates="deadlines")

    __table_args__ = (UniqueConstraint("ticket_id", "kind", name="uq_ticket_deadline"),)


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
