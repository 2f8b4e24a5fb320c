"""notify's tables: local copies of the registry (from archive's events),
template overrides, notifications and their per-channel deliveries."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import UtcDateTime, new_base
from kernel.idempotency import idempotency_table
from kernel.messaging import job_table, kernel_tables
from kernel.settings import settings_tables
from kernel.money import FixedDecimal

Base = new_base()
OutboxMessage, InboxRecord = kernel_tables(Base)
ScheduledJob = job_table(Base)       # kernel.jobs
IdempotencyRecord = idempotency_table(Base)
SettingValue, SettingChange = settings_tables(Base)

ID = String(36)


# -- copies of archive's registry (snapshots; newer version wins) -------------

class ProjectCopy(Base):
    """项目, as archive last described it (``project.changed``)."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class UnitCopy(Base):
    """房屋, as archive last described it (``unit.changed``)."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    building_id: Mapped[str] = mapped_column(ID)
    building_name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(160))
    floor: Mapped[int | None] = mapped_column(Integer)
    building_area: Mapped[Decimal | None] = mapped_column(FixedDecimal(scale=2, precision=10))
    usage: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class HouseholdCopy(Base):
    """业户, as archive last described it (``household.changed``)."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    status: Mapped[str] = mapped_column(String(20))          # active | moved_out
    moved_in_on: Mapped[date | None] = mapped_column(Date)
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Contact(Base):
    """A person of a household notify may reach; replaced on every newer household version."""

    __tablename__ = "contacts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    person_id: Mapped[str] = mapped_column(ID)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")
    #: the person's WeChat openid (of the group's official account), bound by the resident
    #: (``bind_wechat``); kept across the household's newer versions
    wechat_openid: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("household_id", "person_id", name="uq_contact_person"),)


class StewardCopy(Base):
    """管家片区, as archive last described one assignment (``steward.assigned``): the steward of a
    building (``unit_id`` None) or of one unit (overriding its building's). Kept per assignment id
    (newer version wins); a removed assignment stays with ``steward_id`` None. The work phone is a
    staff number published to residents (the move-in welcome, revisit requests)."""

    __tablename__ = "steward_copies"

    id: Mapped[str] = mapped_column(ID, primary_key=True)          # archive's assignment id
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    building_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str | None] = mapped_column(ID)
    steward_id: Mapped[str | None] = mapped_column(String(100))
    steward_name: Mapped[str | None] = mapped_column(String(100))
    work_phone: Mapped[str | None] = mapped_column(String(30))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_steward_copies_building", "project_id", "building_id"),)


class HouseholdWelcome(Base):
    """入住欢迎: a household notify has welcomed (``move_in.welcome``) -- once per household, whatever
    event brings it again (the primary key holds under concurrent deliveries)."""

    __tablename__ = "household_welcomes"

    household_id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID)
    source_event_id: Mapped[str] = mapped_column(String(36))
    #: the steward the welcome named (None: the service centre's number instead)
    steward_id: Mapped[str | None] = mapped_column(String(100))
    welcomed_at: Mapped[datetime] = mapped_column(UtcDateTime())


# -- templates ----------------------------------------------------------------

class Template(Base):
    """A staff-edited override of a built-in template, for a whole group
    (``project_id`` None, ``scope`` "*") or for one project (``scope`` = project id)."""

    __tablename__ = "templates"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str | None] = mapped_column(ID)
    scope: Mapped[str] = mapped_column(ID)       # project id, or "*" for the group (NULLs are not unique)
    purpose: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(10))
    locale: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(100))

    __table_args__ = (
        UniqueConstraint("group_id", "scope", "purpose", "channel", "locale", name="uq_template_key"),
    )


# -- notifications --------------------------------------------------------------

class Notification(Base):
    """One message to one recipient (a unit's household, a person, or a staff role)."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    purpose: Mapped[str] = mapped_column(String(80))
    ref_type: Mapped[str | None] = mapped_column(String(30))
    ref_id: Mapped[str | None] = mapped_column(String(64))
    source_event_id: Mapped[str] = mapped_column(String(36))
    recipient_kind: Mapped[str] = mapped_column(String(10))     # unit | person | role
    recipient: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[str | None] = mapped_column(ID, index=True)
    #: a unit's message: the household it was addressed to -- the household the event names (a bill's,
    #: a ticket's), else the unit's active household on notify's copy when it was made; None: the unit
    #: had none (unsold, vacant). A resident's inbox shows only their household's (and None) messages
    household_id: Mapped[str | None] = mapped_column(ID)
    locale: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    read_by: Mapped[str | None] = mapped_column(String(100))
    #: scheduled: its outbound deliveries wait until then (``policy.py``); None: at once
    send_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: grows by 1 with every change (read, a delivery sent); ``notification.changed`` carries it
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    #: withdrawn (已撤回): its broadcast was cancelled after it was stored -- shown as withdrawn, not unread
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    @property
    def withdrawn_label(self) -> str | None:
        """What the inbox shows on a withdrawn message: 已撤回 (``Withdrawn`` in English); None otherwise."""
        if self.withdrawn_at is None:
            return None
        return "Withdrawn" if (self.locale or "").startswith("en") else "已撤回"

    deliveries: Mapped[list["Delivery"]] = relationship(
        back_populates="notification", order_by="Delivery.channel", lazy="selectin")

    __table_args__ = (
        # no duplicate message for the same event (DOMAIN.md, Notifications)
        UniqueConstraint("source_event_id", "purpose", "recipient_kind", "recipient",
                         name="uq_notification_per_event"),
        Index("ix_notification_recipient", "recipient_kind", "recipient", "created_at"),
        # one message per dunning notice and recipient, whichever event brings it (once_per_ref)
        Index("ix_notification_ref", "ref_type", "ref_id"),
        # a household's messages on a unit (its inbox; its door notices withdrawn when it moves out)
        Index("ix_notification_unit_household", "unit_id", "household_id"),
    )


class NotificationRead(Base):
    """A staff member's read mark of a role-addressed notification (the staff inbox): read state is per
    user -- one engineer reading a dispatch leaves it unread for the others of the role."""

    __tablename__ = "notification_reads"

    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_notification_reads_user", "user_id", "notification_id"),)


class Delivery(Base):
    """One channel of a notification: in-app (delivered when stored), SMS, e-mail or WeChat (sent by
    the sender loop), or print (queued for printing)."""

    __tablename__ = "deliveries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    notification_id: Mapped[str] = mapped_column(ForeignKey("notifications.id"), index=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    channel: Mapped[str] = mapped_column(String(10))          # inapp | sms | email | wechat | print
    address: Mapped[str | None] = mapped_column(String(200))  # phone (SMS), e-mail address, openid (WeChat)
    #: the subject rendered for this channel (an e-mail's Subject, a WeChat message's first line)
    subject: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body: Mapped[str] = mapped_column(Text)                   # the text rendered for this channel
    #: pending (queued for the sender) | sent | delivered | failed | suppressed; print: queued | printed
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())   # claimed by a sender
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)      # or why it was suppressed
    #: the provider's last answer (SMTP reply, gateway / WeChat body), whatever the outcome
    provider_answer: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: the user whose action caused the message (counted against the per-user SMS limits)
    requested_by: Mapped[str | None] = mapped_column(String(100))
    #: a print delivery printed and posted (status ``printed``): when, and by which staff user
    printed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    printed_by: Mapped[str | None] = mapped_column(String(100))
    #: the provider's delivery receipt (回执 / 状态报告, ``domain/receipts.py``): what it reported
    #: (delivered | failed; held here while the delivery is still ``pending``), its code and message,
    #: its time, and when we received it; ``delivered_at``: reached the handset / the user
    reported_status: Mapped[str | None] = mapped_column(String(10))
    provider_code: Mapped[str | None] = mapped_column(String(64))
    provider_message: Mapped[str | None] = mapped_column(String(500))
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    receipt_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    #: what a channel's provider needs besides the text (JSON): a WeChat message's template id and
    #: its keyword fields (``domain/wechat.py`` ``template_message``); None: the generic template
    channel_data: Mapped[str | None] = mapped_column(Text)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")

    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="uq_delivery_channel"),
        Index("ix_delivery_due", "channel", "status", "next_attempt_at"),
        Index("ix_delivery_address", "address", "created_at"),
        Index("ix_delivery_requested_by", "requested_by", "created_at"),
        # a receipt that names the provider's message id rather than our reference
        Index("ix_delivery_provider_message", "channel", "provider_message_id"),
    )


class OptOut(Base):
    """A resident's opt-out of a channel (sms, email, wechat) in a project: ``scope`` ``marketing``
    (greetings, community events) or ``all`` (every purpose not legally required). Set by the
    resident for a person of their household; no row: no opt-out (``domain/policy.py``)."""

    __tablename__ = "opt_outs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    channel: Mapped[str] = mapped_column(String(10))
    scope: Mapped[str] = mapped_column(String(12))            # marketing | all
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("project_id", "person_id", "channel", name="uq_opt_out"),)


# -- broadcasts (群发, issue 10) ------------------------------------------------------------

class Broadcast(Base):
    """A message staff send to a project, a building or a list of units (a planned outage, a
    community event, a holiday greeting): its units fixed when created, fanned out in chunks by
    jobs (``broadcast-chunk``); every notification it makes has the broadcast's id as its source
    event id and reference, so a recipient gets one message per broadcast."""

    __tablename__ = "broadcasts"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    purpose: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(10))                 # project | building | units
    building_id: Mapped[str | None] = mapped_column(ID)
    #: the template's values (JSON object), staff text checked against the purpose's placeholders
    values: Mapped[str] = mapped_column(Text)
    channels: Mapped[str] = mapped_column(String(60))               # comma-separated, in CHANNELS order
    send_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: active (scheduled, sending or done: derived from its chunks) | cancelled
    status: Mapped[str] = mapped_column(String(10))
    total_units: Mapped[int] = mapped_column(Integer)
    chunk_size: Mapped[int] = mapped_column(Integer)
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(100))
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    cancelled_by: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_broadcast_project", "project_id", "created_at"),)


class BroadcastChunk(Base):
    """One job's share of a broadcast: its units (JSON list of ids, fixed at creation) and, once
    run, how many units and notifications it did. ``done`` is written in the job's own
    transaction with its notifications, so a re-run chunk does nothing."""

    __tablename__ = "broadcast_chunks"

    broadcast_id: Mapped[str] = mapped_column(ForeignKey("broadcasts.id"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)       # 1, 2, ...
    unit_ids: Mapped[str] = mapped_column(Text)
    units: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))                 # pending | done | cancelled
    notifications: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
