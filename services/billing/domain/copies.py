"""Local copies of archive's registry, built from its snapshot events.

archive publishes whole records with a ``version``; billing upserts and ignores
a snapshot older than (or as old as) the one it holds, so redelivered and
reordered events are harmless. Only the platform applies them (event handlers
run as the system caller). Rule and guard are the kernel's (``kernel.copies``).
"""
from __future__ import annotations

from kernel.copies import apply_snapshot, guard_snapshot
from kernel.errors import RetryableError
from kernel.work import Work

from ..models import Household, Project
from .accounts import find_account, needs_successor, record_balance_changed, refresh_payer, succeed
from .schedule import install_defaults


def apply_project(work: Work, data: dict) -> tuple[Project, bool]:
    """``project.changed`` → the local project copy (name, time zone); a project billing learns of
    for the first time gets the brief's default fee schedule (``schedule.install_defaults``).
    Returns (project, applied); ``applied`` is False for a stale snapshot."""
    new = work.session.get(Project, data["project_id"]) is None
    project, applied = apply_snapshot(work, Project, data["project_id"], data["version"], {
        "group_id": data["group_id"], "code": data["code"], "name": data["name"],
        "timezone": data["timezone"], "updated_at": work.clock.now()})
    if new and applied:
        work.session.flush()
        install_defaults(work, project)
    return project, applied


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
    guard_snapshot(work, data)
    account = find_account(work.session, data["unit_id"])
    if account is None:
        raise RetryableError(f"no fee account for unit {data['unit_id']} yet; "
                             f"waiting for its unit.changed")
    household, applied = apply_snapshot(work, Household, data["household_id"], data["version"], {
        "group_id": data["group_id"], "project_id": data["project_id"], "unit_id": data["unit_id"],
        "status": data["status"], "payer_name": payer_name(data["people"]),
        "moved_in_on": data.get("moved_in_on"), "moved_out_on": data.get("moved_out_on"),
        "updated_at": work.clock.now()})
    if not applied:
        return household, False
    work.session.flush()
    if needs_successor(work.session, account):
        # another household pays for the unit now (过户, or a move-in after a move-out): the account
        # stays the old household's, with its debt (the old owner's to pay, dunned as theirs); the
        # unit's new account starts at 0.00
        closed, account = account, succeed(work, account)
        record_balance_changed(work, closed, cause="closed", entry_id=None, as_of=work.clock.now())
        if closed.household_id is not None:
            from .dunning import on_account_closed
            on_account_closed(work, closed)
        record_balance_changed(work, account, cause="payer_changed", entry_id=None, as_of=work.clock.now())
        return household, True
    payer_before = account.household_id
    refresh_payer(work.session, account)
    if account.household_id is not None and account.household_id != payer_before:
        # the account is now this household's: its file's payment summary starts from here
        record_balance_changed(work, account, cause="payer_changed", entry_id=None,
                               as_of=work.clock.now())
    return household, True
