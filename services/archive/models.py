"""archive's tables. This service owns the property registry; everyone else
keeps copies built from its events."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kernel.db import Erasure, UtcDateTime, append_only, new_base
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
    #: the identity document (证件类型, ``kernel.validators.ID_TYPES``) -- revision 0031
    id_type: Mapped[str | None] = mapped_column(String(30))
    #: how they relate to the owner (与业主关系: 配偶, 子女, 父母...), free text -- revision 0031
    relation: Mapped[str | None] = mapped_column(String(40))
    #: a tenant's lease (租户情况记录表, :class:`Lease`) -- revision 0031
    lease_id: Mapped[str | None] = mapped_column(String(36), index=True)
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
    #: who ticked the item present (or missing again) -- revision 0031
    received_by: Mapped[str | None] = mapped_column(String(100))
    received_by_name: Mapped[str | None] = mapped_column(String(100))

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


# == people, leases, move-out and ownership (issue 11: wt/people, revision 0031) ====================

class PersonChange(Base):
    """联系方式/人员变更记录: one change of a household's people, recorded at once (000 §八: contacts
    and ownership changes recorded at once) -- a person added or removed, or one field of a person
    from what to what. Append-only in the database itself (revision 0035: triggers refuse UPDATE and
    DELETE on SQLite and PostgreSQL, as for the access log). ID numbers are kept masked here
    (the history never needs a whole one); phones and e-mails whole, masked on the way out."""

    __tablename__ = "person_changes"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    household_id: Mapped[str] = mapped_column(ID)
    person_id: Mapped[str] = mapped_column(ID)
    person_name: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(20))          # added | changed | removed
    field: Mapped[str | None] = mapped_column(String(30))    # name | role | phone | ... (changed)
    old_value: Mapped[str | None] = mapped_column(String(400))
    new_value: Mapped[str | None] = mapped_column(String(400))
    reason: Mapped[str] = mapped_column(String(400), default="")
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_by_name: Mapped[str] = mapped_column(String(100), default="")
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: the order of the changes recorded at one instant (one unit of work records several)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    #: when the retention erasure blanked this row's values (old/new value -> ``[erased]``, the name
    #: reduced to its first character); the one UPDATE the triggers let through (revision 0037), once
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (Index("ix_person_changes_household_time", "household_id", "changed_at"),)


#: the retention erasure of a ``person_changes`` row -- the only UPDATE its triggers allow
#: (``kernel.db.Erasure``; migration 0037 freezes the same lists)
PERSON_CHANGES_ERASURE = Erasure(
    "erased_at", kept=("id", "group_id", "project_id", "household_id", "person_id", "action", "field", "reason",
                       "changed_by", "changed_by_name", "changed_at", "seq"),
    blanked=("old_value", "new_value"), masked=("person_name",))


class Lease(Base):
    """租户情况记录表: a lease of the unit -- the landlord (an owner), the period, how many live
    there and for what; its tenants are the household's people with ``role = tenant`` and this
    ``lease_id``. Ended (``status = ended``) by hand, by the household's move-out or a transfer."""

    __tablename__ = "leases"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    household_id: Mapped[str] = mapped_column(ID, index=True)
    landlord_person_id: Mapped[str | None] = mapped_column(ID)
    landlord_name: Mapped[str] = mapped_column(String(100), default="")
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)      # None: not recorded (a legacy move-in)
    tenant_count: Mapped[int] = mapped_column(Integer)     # 租住人数
    purpose: Mapped[str] = mapped_column(String(20))       # residential | office | commercial | other
    status: Mapped[str] = mapped_column(String(10), default="active")   # active | ended
    ended_on: Mapped[date | None] = mapped_column(Date)
    #: the tenants' names as registered (kept when they leave: the record stays complete)
    tenant_names: Mapped[str] = mapped_column(String(400), default="")
    note: Mapped[str] = mapped_column(String(400), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MoveOut(Base):
    """迁出: a household leaves the unit -- when, why, and the desk's checklist (keys returned, fees
    settled as finance confirmed, meters read, what happened to the deposit)."""

    __tablename__ = "move_outs"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    household_id: Mapped[str] = mapped_column(ID, unique=True)
    moved_out_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(20))        # sold | transfer | lease_ended | relocated | other
    note: Mapped[str] = mapped_column(String(400), default="")
    keys_returned: Mapped[bool] = mapped_column(default=False)
    fees_settled: Mapped[bool] = mapped_column(default=False)
    fees_confirmed_by: Mapped[str] = mapped_column(String(100), default="")   # finance's name
    meter_readings_recorded: Mapped[bool] = mapped_column(default=False)
    deposit_handling: Mapped[str] = mapped_column(String(20))   # refunded | transferred | retained | none
    #: the ownership a transfer (过户) started, when the move-out was one
    ownership_id: Mapped[str | None] = mapped_column(ID)
    #: billing's word when the household left (its ``has_arrears`` for the unit, revision 0038): what the
    #: check counted as unpaid (0.00, else it was refused), billing's balance due (negative: credit left)
    #: and the day billing stated them; None on records from before 0038
    fees_unpaid: Mapped[Decimal | None] = mapped_column(MoneyType())
    fees_balance_due: Mapped[Decimal | None] = mapped_column(MoneyType())
    fees_as_of: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_by_name: Mapped[str] = mapped_column(String(100), default="")
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Ownership(Base):
    """产权记录: who owned the unit from when to when and how they came by it (purchase from the
    developer, transfer from the previous owner -- 过户 --, inheritance, gift), with the documents
    of the file that prove it. The current one has ``to_on`` None; the unit's history is its rows."""

    __tablename__ = "ownerships"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID)
    unit_id: Mapped[str] = mapped_column(ID, index=True)
    household_id: Mapped[str | None] = mapped_column(ID, index=True)
    #: JSON ``[{"person_id", "name"}]``: the owners (kept when the household changes later)
    owners: Mapped[str] = mapped_column(Text)
    from_on: Mapped[date] = mapped_column(Date)
    to_on: Mapped[date | None] = mapped_column(Date)
    acquired_by: Mapped[str] = mapped_column(String(20))   # purchase | transfer | inheritance | gift
    #: JSON ``[{"id", "doc_type"}]``: the household file's catalogue entries of the change
    documents: Mapped[str] = mapped_column(Text, default="[]")
    previous_id: Mapped[str | None] = mapped_column(ID)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (Index("ix_ownerships_unit_from", "unit_id", "from_on"),)
# == documents (issue 11, area "documents"): a household file's documents with their content in
# kernel.storage, and the project's catalogue of the documents expected (revision 0032) ==========

class Document(Base):
    """档案文件: one version of one document of a household file. The bytes live in the storage
    (``kernel.storage``) under ``storage_key``, generated by us; ``file_name`` is only what the
    uploader's file was called (shown, never used as a path). Versions 1, 2, 3... per household and
    ``doc_type``; the highest is the current one, earlier ones stay readable."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), index=True)
    doc_type: Mapped[str] = mapped_column(String(60))
    section: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(400))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[str] = mapped_column(String(100))
    uploaded_by_name: Mapped[str] = mapped_column(String(100), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(String(400), default="")
    #: the content was erased by the retention rule (a moved-out household, ``retention``): the bytes
    #: are deleted from the store after this is committed (job ``document-erase``); the catalogue facts
    #: stay and a download answers 410 ``document_erased``
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        UniqueConstraint("household_id", "doc_type", "version", name="uq_document_version"),
    )


class CatalogueEntry(Base):
    """档案目录设置: one document type a project expects in its household files, in a section
    (move_in, lease, transfer, renovation) under a condition. A project without rows uses the
    group's default list (``domain/documents.py`` ``DEFAULT_CATALOGUE``)."""

    __tablename__ = "catalogue_entries"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    group_id: Mapped[str] = mapped_column(ID)
    project_id: Mapped[str] = mapped_column(ForeignKey("projects.id"), index=True)
    section: Mapped[str] = mapped_column(String(30))
    doc_type: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    condition: Mapped[str] = mapped_column(String(30), default="always")
    position: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(100), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("project_id", "doc_type", name="uq_catalogue_entry"),)


# == access (查阅授权与查阅记录): grants by the CS head; the access log is append-only ================

append_only(FileAccessLog.__table__)
#: the contact-change history too (revision 0035): no API and no statement edits or deletes it --
#: but the retention erasure of a moved-out household's rows (revision 0037)
append_only(PersonChange.__table__, PERSON_CHANGES_ERASURE)


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
    #: an erasure's (household_personal_data): the contact-history rows blanked and the document
    #: versions whose content was erased (0 for the other kinds)
    changes_erased: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    documents_erased: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    __table_args__ = (Index("ix_retention_purges_project", "project_id", "purged_at"),)


class HouseholdErasure(Base):
    """A moved-out household whose personal data was erased (the retention job's mark: once)."""

    __tablename__ = "household_erasures"

    household_id: Mapped[str] = mapped_column(ForeignKey("households.id"), primary_key=True)
    project_id: Mapped[str] = mapped_column(ID, index=True)
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime())
    purge_id: Mapped[str] = mapped_column(ID)
