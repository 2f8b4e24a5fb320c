"""The kernel's tables -- outbox, inbox and scheduled jobs -- created inside each
service's own MetaData (so every service's Alembic history carries them)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UtcDateTime

_cache: dict = {}

# SQLite only autoincrements INTEGER PRIMARY KEY.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


def kernel_tables(Base):
    """Return ``(OutboxMessage, InboxRecord)`` mapped on the service's ``Base``.

    Call it once in the service's ``models.py`` so Alembic sees the tables.
    It also registers the scheduled-jobs table (:func:`job_table`)."""
    if Base in _cache:
        return _cache[Base]

    class OutboxMessage(Base):
        """An event waiting to be (or already) published. 发件箱"""

        __tablename__ = "outbox"

        seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
        event_id: Mapped[str] = mapped_column(String(36), unique=True)
        event_type: Mapped[str] = mapped_column(String(100))
        source: Mapped[str] = mapped_column(String(40))
        group_id: Mapped[str | None] = mapped_column(String(36))
        project_id: Mapped[str | None] = mapped_column(String(36))
        body: Mapped[str] = mapped_column(Text)              # the signed JSON envelope
        mandatory: Mapped[bool] = mapped_column(default=True)
        status: Mapped[str] = mapped_column(String(12), default="pending")  # pending|sent|unrouted
        attempts: Mapped[int] = mapped_column(Integer, default=0)
        created_at: Mapped[datetime] = mapped_column(UtcDateTime())
        next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
        lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
        sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
        last_error: Mapped[str | None] = mapped_column(Text)

        __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    class InboxRecord(Base):
        """An event a handler has applied; its presence makes redelivery a no-op. 收件箱"""

        __tablename__ = "inbox"

        handler: Mapped[str] = mapped_column(String(200), primary_key=True)
        event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
        event_type: Mapped[str] = mapped_column(String(100))
        source: Mapped[str] = mapped_column(String(40))
        processed_at: Mapped[datetime] = mapped_column(UtcDateTime())

    _cache[Base] = (OutboxMessage, InboxRecord)
    job_table(Base)
    return _cache[Base]


_job_cache: dict = {}


def job_table(Base):
    """The ``jobs`` table (:mod:`kernel.jobs`) mapped on the service's ``Base``."""
    if Base in _job_cache:
        return _job_cache[Base]

    class ScheduledJob(Base):
        """One unit of due work, run exactly once by whichever replica claims it. 定时任务"""

        __tablename__ = "jobs"

        id: Mapped[str] = mapped_column(String(36), primary_key=True)
        kind: Mapped[str] = mapped_column(String(80))        # a registered handler's name
        key: Mapped[str] = mapped_column(String(200))        # unique per kind: the same work once
        group_id: Mapped[str | None] = mapped_column(String(36))
        project_id: Mapped[str | None] = mapped_column(String(36))
        payload: Mapped[str] = mapped_column(Text, default="{}")   # plain JSON
        due_at: Mapped[datetime] = mapped_column(UtcDateTime())
        next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
        # pending | running | done | failed | cancelled
        status: Mapped[str] = mapped_column(String(12), default="pending")
        attempts: Mapped[int] = mapped_column(Integer, default=0)
        max_attempts: Mapped[int] = mapped_column(Integer, default=5)
        lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
        leased_by: Mapped[str | None] = mapped_column(String(100))
        last_error: Mapped[str | None] = mapped_column(Text)
        created_at: Mapped[datetime] = mapped_column(UtcDateTime())
        updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
        finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

        __table_args__ = (
            UniqueConstraint("kind", "key", name="uq_job_kind_key"),
            Index("ix_jobs_due", "status", "next_attempt_at"),
            Index("ix_jobs_project", "project_id", "status"),
        )

    _job_cache[Base] = ScheduledJob
    return ScheduledJob
