"""Local copies of archive's registry, built from its snapshot events.

A snapshot older than the copy held (by ``version``) is ignored, so
redelivered or reordered events do no harm."""
from __future__ import annotations

from kernel.work import Work

from ..models import ProjectCopy, UnitCopy

CONTACT_ROLES = ("owner", "tenant", "family")


def apply_project(work: Work, data: dict) -> None:
    copy = work.session.get(ProjectCopy, data["project_id"])
    if copy is None:
        work.session.add(ProjectCopy(id=data["project_id"], group_id=data["group_id"], name=data["name"],
                                     timezone=data["timezone"], version=data["version"]))
    elif data["version"] > copy.version:
        copy.name, copy.timezone, copy.version = data["name"], data["timezone"], data["version"]


def apply_unit(work: Work, data: dict) -> None:
    copy = work.session.get(UnitCopy, data["unit_id"])
    if copy is None:
        work.session.add(UnitCopy(id=data["unit_id"], group_id=data["group_id"],
                                  project_id=data["project_id"], label=data["label"],
                                  unit_version=data["version"], household_version=0))
    elif data["version"] > copy.unit_version:
        copy.label, copy.project_id, copy.unit_version = data["label"], data["project_id"], data["version"]


def _first_contact(people: list[dict]) -> dict | None:
    for role in CONTACT_ROLES:
        for person in people:
            if person["role"] == role and person.get("phone"):
                return person
    return people[0] if people else None


def apply_household(work: Work, data: dict) -> bool:
    """Returns False when the unit is not known yet (the caller retries later)."""
    copy = work.session.get(UnitCopy, data["unit_id"])
    if copy is None:
        return False
    if copy.household_id not in (None, data["household_id"]):
        # a different household: only its move-in (or a newer snapshot of it) replaces the old one
        if data["status"] != "active":
            return True
    elif data["version"] <= copy.household_version and copy.household_id == data["household_id"]:
        return True
    if data["status"] == "active":
        contact = _first_contact(data["people"]) or {}
        copy.household_id = data["household_id"]
        copy.contact_name, copy.contact_phone = contact.get("name"), contact.get("phone")
    else:
        copy.household_id = copy.contact_name = copy.contact_phone = None
    copy.household_version = data["version"]
    return True
