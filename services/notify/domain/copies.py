"""Local copies of archive's registry, kept from its snapshot events.

Each event carries the whole record and its ``version``; an event no newer
than the copy held is ignored, so redelivery and reordering are harmless, and
only the platform writes copies, within their group (``kernel.copies``). A
household's people are replaced on every newer version; a moved-out household
stays on file but its people are no longer reachable through the unit. A person's WeChat openid
(bound by the resident, ``wechat.py``) is kept across the replacements.

**Stewards' areas** (管家片区, ``steward.assigned``): one copy per archive assignment -- a building's
steward, or one unit's overriding its building's -- newer version wins; a removal is the assignment's
last version with no steward (kept, so an older version arriving late changes nothing). archive gives a
scope removed and assigned again a *new* assignment id, so a scope may hold several copies: the one
in force is the newest assignment that still names a steward (:func:`steward_for_unit`: the unit's
own, else its building's, else nobody).
"""
from __future__ import annotations

import re
import uuid

from sqlalchemy import delete, or_, select

from kernel.copies import apply_snapshot
from kernel.work import Work

from ..models import Contact, HouseholdCopy, ProjectCopy, StewardCopy, UnitCopy

_PROJECT_FIELDS = ("group_id", "code", "name", "kind", "timezone")
_UNIT_FIELDS = ("group_id", "project_id", "building_id", "building_name", "number", "label",
                "floor", "building_area", "usage")
_HOUSEHOLD_FIELDS = ("group_id", "project_id", "unit_id", "status", "moved_in_on", "moved_out_on")
_STEWARD_FIELDS = ("group_id", "project_id", "building_id", "unit_id", "steward_id", "steward_name", "work_phone",
                   "assigned_at")


def _upsert(work: Work, model, record_id: str, data: dict, fields: tuple[str, ...]):
    """Insert or update a copy; returns (row, applied)."""
    values = {name: data.get(name) for name in fields}
    return apply_snapshot(work, model, record_id, data["version"],
                          dict(values, updated_at=work.clock.now()), data=data)


def upsert_project(work: Work, data: dict) -> tuple[ProjectCopy, bool]:
    return _upsert(work, ProjectCopy, data["project_id"], data, _PROJECT_FIELDS)


def upsert_unit(work: Work, data: dict) -> tuple[UnitCopy, bool]:
    return _upsert(work, UnitCopy, data["unit_id"], data, _UNIT_FIELDS)


def upsert_household(work: Work, data: dict) -> tuple[HouseholdCopy, bool]:
    household, applied = _upsert(work, HouseholdCopy, data["household_id"], data, _HOUSEHOLD_FIELDS)
    if not applied:
        return household, False
    work.session.flush()
    # a WeChat openid is bound by the resident, not sent by archive: it stays with the person
    person_ids = [person["person_id"] for person in data["people"]]
    openids = dict(work.session.execute(select(Contact.person_id, Contact.wechat_openid).where(
        Contact.group_id == household.group_id, Contact.person_id.in_(person_ids),
        Contact.wechat_openid.is_not(None))).all()) if person_ids else {}
    work.session.execute(delete(Contact).where(Contact.household_id == household.id))
    for person in data["people"]:
        work.session.add(Contact(
            id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
            household_id=household.id, unit_id=household.unit_id, person_id=person["person_id"],
            name=person["name"], role=person["role"], phone=person.get("phone"),
            email=person.get("email"), locale=person.get("locale") or "zh-CN",
            wechat_openid=openids.get(person["person_id"])))
    return household, True


def upsert_steward(work: Work, data: dict) -> tuple[StewardCopy, bool]:
    """archive's ``steward.assigned``: the assignment's copy (a removal keeps it, with no steward)."""
    return _upsert(work, StewardCopy, data["assignment_id"], data, _STEWARD_FIELDS)


def steward_for_unit(work: Work, unit: UnitCopy) -> StewardCopy | None:
    """The steward responsible for ``unit`` on notify's copy: the unit's own assignment, else its
    building's, else None -- each the newest assignment of its scope that still names a steward."""
    rows = work.session.scalars(select(StewardCopy).where(
        StewardCopy.group_id == unit.group_id, StewardCopy.project_id == unit.project_id,
        StewardCopy.building_id == unit.building_id, StewardCopy.steward_id.is_not(None),
        or_(StewardCopy.unit_id == unit.id, StewardCopy.unit_id.is_(None)))).all()
    own = [r for r in rows if r.unit_id == unit.id]
    chosen = own or [r for r in rows if r.unit_id is None]
    return max(chosen, key=lambda r: (r.assigned_at, r.version, r.id)) if chosen else None


def current_household(work: Work, unit_id: str) -> HouseholdCopy | None:
    """The household living in the unit now on notify's copy: its active one (while a transfer's two
    events are both on their way, the one that moved in last), else None (unsold, vacant)."""
    return work.session.scalars(select(HouseholdCopy).where(
        HouseholdCopy.unit_id == unit_id, HouseholdCopy.status == "active")
        .order_by(HouseholdCopy.moved_in_on.desc().nulls_last(), HouseholdCopy.updated_at.desc(),
                  HouseholdCopy.id)).first()


def unit_contacts(work: Work, unit_id: str) -> list[Contact]:
    """The people reachable through a unit: those of its active household(s)."""
    return list(work.session.scalars(
        select(Contact).join(HouseholdCopy, Contact.household_id == HouseholdCopy.id)
        .where(HouseholdCopy.unit_id == unit_id, HouseholdCopy.status == "active")
        .order_by(Contact.name)))


def normalise_phone(phone: str | None) -> str | None:
    """Digits only, without the +86 country prefix, so 138-1234-5678 matches +8613812345678."""
    if not phone:
        return None
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits or None


def contact_by_phone(work: Work, unit_id: str, phone: str | None) -> Contact | None:
    wanted = normalise_phone(phone)
    if wanted is None:
        return None
    for contact in unit_contacts(work, unit_id):
        if normalise_phone(contact.phone) == wanted:
            return contact
    return None
