"""Identity match (身份核验): does a person the desk has in front of it -- a name and an ID number --
match one of the current people of a unit's household in the file? The answer is **only** matched /
not matched (and, when matched, the role in the household the person named holds: owner, family,
tenant): never the stored number, never who else lives there. Asked by tickets' goods release
(物品放行身份核查) through ``match_identity`` -- the one place an ID number typed at the desk is
compared with the file.

- The number is checked first (``kernel.validators.require_id_number``: python-stdnum's GB 11643 check
  digit of a resident ID, the shape of a passport or a permit): a number that cannot be one is 422
  ``id_number_invalid`` and is no guess.
- Every match is a read of the file and a row of its access log (业户档案查阅记录表, ``access``):
  ``what`` = ``identity_match:matched`` / ``identity_match:not_matched``, the caller, the stated purpose;
  who may ask is who reads the file (``access.require_read``: the customer-service department of the
  project, a grant; another project's staff 404, as for a unit that does not exist).
- A resident asks about themselves only, in their own current household, by name without a number
  (the goods release they request names them: their role comes from the file); a resident's own
  match counts no failure.
- **Guessing is bounded**: at most ``archive.identity_match_failures_per_day`` (5) failed number
  matches per unit per local day; the one that reaches the limit publishes
  ``identity_match.locked`` (an alert: who tried, how many) and every number match of the unit is
  then refused for the rest of the day -- 422 ``identity_match_locked``, logged refused
  (``identity_match_locked``) -- the right number too, so the limit cannot be walked around. The
  centre manager raises the setting if the desk's honest typos hit it.
"""
from __future__ import annotations

import logging
from datetime import datetime, time
from zoneinfo import ZoneInfo

from marshmallow import fields, validate
from sqlalchemy import func, select

from kernel import validators as v
from kernel.settings import Setting
from kernel.work import Work

from .. import events
from ..exceptions import HouseholdNotFound, IdentityMatchLocked
from ..models import FileAccessLog, Household, Project
from . import access, registry

log = logging.getLogger("wuye.audit")

WHAT = "identity_match"
MATCHED, NOT_MATCHED = f"{WHAT}:matched", f"{WHAT}:not_matched"
LOCKED = "identity_match_locked"
#: the household-file roles a match may find (an emergency contact is no one who moves goods out)
MATCH_ROLES = ("owner", "family", "tenant")

FAILURES_PER_DAY = "archive.identity_match_failures_per_day"
SETTINGS = [
    Setting(FAILURES_PER_DAY, fields.Integer(strict=True, validate=validate.Range(min=1, max=100)), default=5,
            unit="failed matches", doc="failed identity matches (a name and an ID number that do not match the "
                                       "household file) per unit per local day; the one reaching it alerts "
                                       "(identity_match.locked) and the unit's matches are refused until the day ends"),
]


def _day_start(work: Work, project: Project) -> datetime:
    tz = ZoneInfo(project.timezone or "Asia/Shanghai")
    return datetime.combine(work.clock.now().astimezone(tz).date(), time(0), tzinfo=tz)


def failures_today(work: Work, project: Project, unit_id: str) -> int:
    """The unit's failed number matches since the project's local midnight (the access log's rows)."""
    return work.session.scalar(select(func.count()).select_from(FileAccessLog).where(
        FileAccessLog.unit_id == unit_id, FileAccessLog.what == NOT_MATCHED, FileAccessLog.outcome == "allowed",
        FileAccessLog.read_at >= _day_start(work, project))) or 0


def _same(a: str, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join((b or "").split())


def _logged_row(work: Work) -> FileAccessLog | None:
    """The access-log row ``access.require_read`` just added (allowed) -- its ``what`` says the outcome."""
    rows = [r for r in work.session.new if isinstance(r, FileAccessLog) and r.what == WHAT]
    return rows[-1] if rows else None


def match(work: Work, unit_id: str, name: str, id_number: str | None, purpose: str | None,
          id_type: str | None = None) -> dict:
    """``{"matched": bool}`` (+ ``"role"`` when matched): is ``name`` with ``id_number`` one of the
    unit's current household's people (owner, family, tenant) in the file? See the module doc."""
    caller = work.caller
    number = None
    if id_number is not None or not caller.is_resident:
        number = v.require_id_number(id_number, id_type)
    unit = registry.get_unit(work, unit_id, conceal=True)
    project = work.session.get(Project, unit.project_id)
    household = registry.active_household(work, unit.id)
    if caller.is_resident and (household is None or not _same(name, caller.name)):
        # a resident asks about themselves in their own household only: anything else reads like missing
        raise HouseholdNotFound(f"no household in unit {unit_id}")
    limit = work.settings.get(project.id, FAILURES_PER_DAY)
    # counted before this read is logged; told nobody before the caller is known to read the file
    locked = number is not None and failures_today(work, project, unit.id) >= limit
    if household is None:
        access.require_purpose(work, None, purpose)
        caller.require_role(*access.FILE_READER_ROLES)
        row = access._log(work, group_id=unit.group_id, project_id=unit.project_id, household=None,
                          unit_id=unit.id, what=WHAT, purpose=purpose or "", outcome="allowed")
    else:
        access.require_read(work, household, WHAT, purpose, asks_purpose=True)
        row = _logged_row(work)
    if locked:
        row.outcome, row.refusal = "refused", LOCKED
        work.keep_on_failure(row)               # the refusal stays in the log although the call fails
        raise IdentityMatchLocked(
            f"{limit} failed identity matches for this unit today ({FAILURES_PER_DAY}): no more matches until "
            "tomorrow; the CS manager has been alerted", details={"limit": limit})
    found = _find(household, name, number) if household is not None else None
    row.what = MATCHED if found else NOT_MATCHED
    if found is None and number is not None:
        _count_failure(work, project, unit, household)
    return {"matched": True, "role": found.role} if found else {"matched": False}


def _find(household: Household, name: str, number: str | None):
    for person in household.people:
        if person.role not in MATCH_ROLES or not _same(person.name, name):
            continue
        if number is None or (person.id_number or "").upper() == number:
            return person
    return None


def _count_failure(work: Work, project: Project, unit, household: Household | None) -> None:
    """The failure is the access log's row (flushed so the count sees it); the one that reaches the
    day's limit alerts."""
    work.session.flush()
    limit = work.settings.get(project.id, FAILURES_PER_DAY)
    failures = failures_today(work, project, unit.id)
    if failures != limit:
        return
    caller = work.caller
    log.warning("identity matches locked for unit %s (project %s): %s failed today, last by %s",
                unit.id, project.id, failures, caller.user_id)
    work.events.record(events.IDENTITY_MATCH_LOCKED, {
        "group_id": unit.group_id, "project_id": unit.project_id, "unit_id": unit.id, "unit_label": unit.label,
        "household_id": household.id if household is not None else None, "failures": failures, "limit": limit,
        "at": work.clock.now(), "last_caller": {"user_id": caller.user_id, "name": caller.name or "",
                                                "roles": sorted(caller.roles)}},
        group_id=unit.group_id, project_id=unit.project_id)

