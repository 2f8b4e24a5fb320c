"""The outbox and inbox tables, created inside each service's own MetaData."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UtcDateTime

_cache: dict = {}

# SQLite only autoincrements INTEGER PRIMARY KEY.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


def kernel_tables(Base):
    """Return ``(OutboxMessage, InboxRecord)`` mapped on the service's ``Base``.

    Call it once in the service's ``models.py`` so Alembic sees the tables."""
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
    return _cache[Base]
