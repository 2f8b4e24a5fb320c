"""Local copies of archive's registry, built from its snapshot events.

The kernel's rule (``kernel.copies``): a snapshot no newer than the copy held
(by ``version``) is ignored, so redelivered or reordered events do no harm, and
only the platform writes copies, each within its group."""
from __future__ import annotations

from kernel.copies import apply_snapshot, guard_snapshot, is_newer
from kernel.work import Work

from ..models import ProjectCopy, UnitCopy
from . import vacant

CONTACT_ROLES = ("owner", "tenant", "family")


def apply_project(work: Work, data: dict) -> None:
    apply_snapshot(work, ProjectCopy, data["project_id"], data["version"], {
        "group_id": data["group_id"], "name": data["name"], "timezone": data["timezone"]})


def apply_unit(work: Work, data: dict) -> None:
    unit, applied = apply_snapshot(work, UnitCopy, data["unit_id"], data["version"], {
        "group_id": data["group_id"], "project_id": data["project_id"], "label": data["label"]},
        version_field="unit_version")
    if applied and unit.household_version is None:
        unit.household_version = 0


def _first_contact(people: list[dict]) -> dict | None:
    for role in CONTACT_ROLES:
        for person in people:
            if person["role"] == role and person.get("phone"):
                return person
    return people[0] if people else None


def apply_household(work: Work, data: dict) -> bool:
    """Returns False when the unit is not known yet (the caller retries later)."""
    copy = work.session.get(UnitCopy, data["unit_id"])
    guard_snapshot(work, data, copy)
    if copy is None:
        return False
    if copy.household_id not in (None, data["household_id"]):
        # a different household: only its move-in (or a newer snapshot of it) replaces the old one
        if data["status"] != "active":
            return True
    elif copy.household_id == data["household_id"] and not is_newer(copy.household_version,
                                                                    data["version"]):
        return True
    if data["status"] == "active":
        vacant.household_moving_in(work, copy, data["household_id"])     # 业主入住: off the vacant register
        contact = _first_contact(data["people"]) or {}
        copy.household_id = data["household_id"]
        copy.contact_name, copy.contact_phone = contact.get("name"), contact.get("phone")
    else:
        copy.household_id = copy.contact_name = copy.contact_phone = None
    copy.household_version = data["version"]
    return True
