"""archive's tables. This service owns the property registry; everyone else
keeps copies built from its events."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import UtcDateTime, new_base
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
    """业户档案查阅记录表: every read of a household file."""

    __tablename__ = "file_access_log"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ID, index=True)
    reader_id: Mapped[str] = mapped_column(String(100))
    reader_name: Mapped[str] = mapped_column(String(100), default="")
    reader_roles: Mapped[str] = mapped_column(String(200), default="")
    purpose: Mapped[str] = mapped_column(String(400))
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_file_access_household_time", "household_id", "read_at"),)


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


# == census (issue 11, area "census"): stewards' areas, census tasks, consents, retention purges ==========

class StewardAssignment(Base):
    """管家片区: the steward responsible for a building's units, or for one unit (overriding its
    building's). ``scope_key`` is ``building:<id>`` or ``unit:<id>`` -- one assignment per scope."""

    __tablename__ = "steward_assignments"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"))
    building_id: Mapped[str] = mapped_column(ForeignKey("buildings.id"))
    unit_id: Mapped[str | None] = mapped_column(ForeignKey("units.id"))
    scope_key: Mapped[str] = mapped_column(String(80))
    steward_id: Mapped[str] = mapped_column(String(100))
    steward_name: Mapped[str] = mapped_column(String(100))
    #: the steward's work number (a staff number published to residents: never masked)
    work_phone: Mapped[str | None] = mapped_column(String(30))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime())
    assigned_by: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("project_id", "scope_key", name="uq_steward_scope"),
                      Index("ix_steward_assignments_steward", "project_id", "steward_id"))


class CensusTask(Base):
    """住户普查 / 入户核查: the steward checks a household's people and contacts (every
    ``archive.census_every_months``); confirmed as they are, or corrected."""

    __tablename__ = "census_tasks"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"))
    unit_id: Mapped[str] = mapped_column(ID)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | confirmed | corrected | cancelled
    steward_id: Mapped[str | None] = mapped_column(String(100))
    steward_name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_on: Mapped[date | None] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(100))
    done_by_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(String(1000), default="")
    #: what a correction changed: JSON ``[{"person_id", "changed": [...]}]`` -- field names, never values
    changes: Mapped[str] = mapped_column(Text, default="[]")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __table_args__ = (UniqueConstraint("household_id", "due_on", name="uq_census_household_due"),
                      Index("ix_census_tasks_household", "household_id", "status"),
                      Index("ix_census_tasks_project", "project_id", "status", "due_on"),
                      Index("ix_census_tasks_steward", "steward_id", "status", "due_on"))


class PersonConsent(Base):
    """What a person agreed to, recorded by the company (at move-in, at a census): ``marketing`` --
    messages that are not service or legal notices. notify's opt-outs (per channel) come on top."""

    __tablename__ = "person_consents"

    person_id: Mapped[str] = mapped_column(ID, primary_key=True)
    topic: Mapped[str] = mapped_column(String(30), primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ID, index=True)
    allowed: Mapped[bool] = mapped_column()
    source: Mapped[str] = mapped_column(String(20))      # move_in | census | staff
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_by: Mapped[str] = mapped_column(String(100))


class RetentionPurge(Base):
    """保管期限到期清除记录: what a retention job purged, when, under which rule -- kinds, reference
    numbers, counts and date ranges only, never personal data."""

    __tablename__ = "retention_purges"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    rule: Mapped[str] = mapped_column(String(60))        # the setting, e.g. archive.correspondence_keep_years
    keep_years: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))        # repair_request | complaint | ... | household_personal_data
    cutoff: Mapped[datetime] = mapped_column(UtcDateTime())   # older than this was purged
    count: Mapped[int] = mapped_column(Integer)
    #: JSON list: ticket numbers (correspondence) or household ids (moved-out households)
    refs: Mapped[str] = mapped_column(Text, default="[]")
    oldest: Mapped[date] = mapped_column(Date)
    newest: Mapped[date] = mapped_column(Date)
    purged_at: Mapped[datetime] = mapped_column(UtcDateTime())
    job_key: Mapped[str] = mapped_column(String(200))

    __table_args__ = (Index("ix_retention_purges_project", "project_id", "purged_at"),)


class HouseholdErasure(Base):
    """A moved-out household whose personal data was erased (the retention job's mark: once)."""

    __tablename__ = "household_erasures"

    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime())
    purge_id: Mapped[str] = mapped_column(ID)
