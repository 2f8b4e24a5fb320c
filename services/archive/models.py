"""archive's tables. This service owns the property registry; everyone else
keeps copies built from its events."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import UtcDateTime, append_only, new_base
from kernel.idempotency import idempotency_table
from kernel.messaging import job_table, kernel_tables
from kernel.settings import settings_tables
from kernel.money import FixedDecimal, MoneyType

Base = new_base()
OutboxMessage, InboxRecord = kernel_tables(Base)
ScheduledJob = job_table(Base)       # kernel.jobs
IdempotencyRecord = idempotency_table(Base)
SettingValue, SettingChange = settings_tables(Base)

ID = String(36)


class Project(Base):
    """项目: a site/estate of the group."""

    __tablename__ = "projects"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID, index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))          # residential | apartment | office
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    address: Mapped[str] = mapped_column(String(400), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("group_id", "code", name="uq_project_code"),)


class Building(Base):
    """楼栋."""

    __tablename__ = "buildings"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    floors: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("project_id", "name", name="uq_building_name"),)


class Unit(Base):
    """房屋: a unit with its building area (建筑面积, m2), which fees are computed on."""

    __tablename__ = "units"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    building_id: Mapped[str] = mapped_column(ForeignKey("buildings.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))
    floor: Mapped[int | None] = mapped_column(Integer)
    building_area: Mapped[Decimal] = mapped_column(FixedDecimal(scale=2, precision=10))
    usage: Mapped[str] = mapped_column(String(20), default="residential")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    building: Mapped[Building] = relationship(lazy="joined")

    __table_args__ = (UniqueConstraint("building_id", "number", name="uq_unit_number"),)

    @property
    def label(self) -> str:
        return f"{self.building.name}-{self.number}"


class Household(Base):
    """业户: the people living in / owning a unit, from move-in to move-out."""

    __tablename__ = "households"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    unit_id: Mapped[str] = mapped_column(ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")   # active | moved_out
    moved_in_on: Mapped[date | None] = mapped_column(Date)
    moved_out_on: Mapped[date | None] = mapped_column(Date)
    by_proxy: Mapped[bool] = mapped_column(default=False)   # move-in handled by an agent (委托)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # payment status summary (缴费情况), kept from billing's events
    balance_due: Mapped[Decimal | None] = mapped_column(MoneyType())
    balance_as_of: Mapped[datetime | None] = mapped_column(UtcDateTime())

    people: Mapped[list["Person"]] = relationship(
        back_populates="household", order_by="Person.created_at", lazy="selectin",
        cascade="all, delete-orphan")


class Person(Base):
    """A member of a household: owner, family member, tenant or emergency contact."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))     # owner | family | tenant | emergency_contact
    phone: Mapped[str | None] = mapped_column(String(30))
    email: Mapped[str | None] = mapped_column(String(200))
    id_number: Mapped[str | None] = mapped_column(String(40))    # 证件号 -- never leaves unmasked
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")
    employer: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    household: Mapped[Household] = relationship(back_populates="people")


class FileDocument(Base):
    """One entry of a household file's catalogue (档案目录): expected, present or missing."""

    __tablename__ = "file_documents"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(60))
    section: Mapped[str] = mapped_column(String(30), default="move_in")
    status: Mapped[str] = mapped_column(String(10), default="missing")   # present | missing
    received_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(String(400), default="")

    __table_args__ = (UniqueConstraint("household_id", "doc_type", name="uq_file_doc"),)


class Correspondence(Base):
    """往来记录: a request, letter or reply filed in the household file."""

    __tablename__ = "correspondence"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))     # repair_request | complaint | praise | ...
    ref_type: Mapped[str] = mapped_column(String(30))
    ref_id: Mapped[str] = mapped_column(String(64))
    ref_number: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("household_id", "ref_type", "ref_id", "kind", name="uq_correspondence_ref"),
    )


class FileAccessLog(Base):
    """业户档案查阅记录表: every read of a household file, a document, a contact list or an export,
    allowed or refused (``domain/access.py``). Append-only in the database (revision 0033)."""

    __tablename__ = "file_access_log"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    #: the household read (None: a project-wide export)
    household_id: Mapped[str | None] = mapped_column(ID, index=True)
    reader_id: Mapped[str] = mapped_column(String(100))
    reader_name: Mapped[str] = mapped_column(String(100), default="")
    reader_roles: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(400))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # -- access (revision 0033) --
    unit_id: Mapped[str | None] = mapped_column(ID, index=True)
    #: file | document:<id> | contacts | people | export:<what>
    what: Mapped[str] = mapped_column(String(80), default="file", server_default="file")
    outcome: Mapped[str] = mapped_column(String(10), default="allowed", server_default="allowed")  # allowed | refused
    grant_id: Mapped[str | None] = mapped_column(ID)
    #: why a read was refused (no_grant, grant_expired, grant_revoked, ...)
    refusal: Mapped[str | None] = mapped_column(String(40))

    __table_args__ = (Index("ix_file_access_household_time", "household_id", "read_at"),
                      Index("ix_file_access_project_time", "project_id", "read_at"))


class ProjectCorrespondence(Base):
    """项目往来记录: a complaint about a public matter of the project (no unit), or about a unit
    with no household to file it with, and the replies to it -- the project's own file of
    correspondence, as a household's ``Correspondence`` (revision 0030)."""

    __tablename__ = "project_correspondence"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    #: the unit it concerns, if any (a vacant unit)
    unit_id: Mapped[str | None] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(30))     # complaint | quality_complaint | complaint_reply
    ref_type: Mapped[str] = mapped_column(String(30))
    ref_id: Mapped[str] = mapped_column(String(64))
    ref_number: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (
        UniqueConstraint("project_id", "ref_type", "ref_id", "kind", name="uq_project_correspondence_ref"),
    )


# == access (查阅授权与查阅记录): grants by the CS head; the access log is append-only ================

append_only(FileAccessLog.__table__)


class FileAccessGrant(Base):
    """查阅授权: the CS head's permission for someone outside customer service to read one household
    file, or the file of a unit's current household, or (``export``) to export personal data, for a
    stated purpose from ``valid_from`` until ``valid_until`` (``domain/access.py``)."""

    __tablename__ = "file_access_grants"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    grantee_id: Mapped[str] = mapped_column(String(100), index=True)
    grantee_name: Mapped[str] = mapped_column(String(100), default="")
    scope: Mapped[str] = mapped_column(String(10))            # household | unit | project
    household_id: Mapped[str | None] = mapped_column(ID, index=True)
    unit_id: Mapped[str | None] = mapped_column(ID, index=True)
    purpose: Mapped[str] = mapped_column(String(400))
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime())
    valid_until: Mapped[datetime] = mapped_column(UtcDateTime())
    #: what it allows: read the file; export personal data (contacts, people); see them unmasked
    allows_read: Mapped[bool] = mapped_column(default=True)
    allows_export: Mapped[bool] = mapped_column(default=False)
    unmasked: Mapped[bool] = mapped_column(default=False)
    granted_by_id: Mapped[str] = mapped_column(String(100))
    granted_by_name: Mapped[str] = mapped_column(String(100), default="")
    granted_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by_id: Mapped[str | None] = mapped_column(String(100))
    revoked_by_name: Mapped[str | None] = mapped_column(String(100))
    revoke_reason: Mapped[str | None] = mapped_column(String(400))
