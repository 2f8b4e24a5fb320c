"""Local copies of archive's registry, built from its snapshot events.

archive publishes whole records with a ``version``; billing upserts and ignores
a snapshot older than (or as old as) the one it holds, so redelivered and
reordered events are harmless. Only the platform applies them (event handlers
run as the system caller).
"""
from __future__ import annotations

from kernel.errors import Forbidden, RetryableError
from kernel.work import Work

from ..models import Household, Project
from .accounts import find_account, refresh_payer


def _require_platform(work: Work) -> None:
    # archive's snapshots are the only source of these copies
    if not work.caller.is_system:
        raise Forbidden("registry copies are kept from archive's events only", code="system_only")


def apply_project(work: Work, data: dict) -> tuple[Project, bool]:
    """``project.changed`` → the local project copy (name, time zone). Returns
    (project, applied); ``applied`` is False for a stale snapshot."""
    _require_platform(work)
    project = work.session.get(Project, data["project_id"])
    if project is not None and project.version >= data["version"]:
        return project, False
    if project is None:
        project = Project(id=data["project_id"])
        work.session.add(project)
    project.group_id = data["group_id"]
    project.code = data["code"]
    project.name = data["name"]
    project.timezone = data["timezone"]
    project.version = data["version"]
    project.updated_at = work.clock.now()
    return project, True


def payer_name(people: list[dict]) -> str | None:
    """Who the bills are addressed to (缴费人): the first owner, else the first tenant."""
    for role in ("owner", "tenant"):
        for person in people:
            if person.get("role") == role:
                return person["name"]
    return None


def apply_household(work: Work, data: dict) -> tuple[Household, bool]:
    """``household.changed`` → the household copy and the account's payer.

    The unit's account must exist first; archive's events can arrive out of
    order, so a household of a unit not seen yet is retried
    (``RetryableError``) until ``unit.changed`` has opened the account."""
    _require_platform(work)
    account = find_account(work.session, data["unit_id"])
    if account is None:
        raise RetryableError(f"no fee account for unit {data['unit_id']} yet; "
                             f"waiting for its unit.changed")
    household = work.session.get(Household, data["household_id"])
    if household is not None and household.version >= data["version"]:
        return household, False
    if household is None:
        household = Household(id=data["household_id"])
        work.session.add(household)
    household.group_id = data["group_id"]
    household.project_id = data["project_id"]
    household.unit_id = data["unit_id"]
    household.status = data["status"]
    household.payer_name = payer_name(data["people"])
    household.moved_in_on = data.get("moved_in_on")
    household.moved_out_on = data.get("moved_out_on")
    household.version = data["version"]
    household.updated_at = work.clock.now()
    work.session.flush()
    refresh_payer(work.session, account)
    return household, True
