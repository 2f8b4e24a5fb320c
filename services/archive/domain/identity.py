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
- A resident asks about themselves only, in their own current household (the one his signed scope is
  bound to), by name without a number (the goods release they request names them: their role comes
  from the file). The answer then names **his own** person (``person_id``, the file's ``name``): he is
  found by his account's name compared normalised (:func:`resident_person`: NFKC, blanks dropped, case
  folded -- accounts carry no link to a person of the file), exactly one person of that name. He
  names nobody but himself (the name is his signed
  account's), yet a no is a row ``identity_match:not_matched`` and counts towards the unit's lock like
  any failed match.
- **Guessing is bounded** per (unit, caller): at most ``archive.identity_match_failures_per_day`` (5)
  failed number matches of one caller for a unit per local day, and at most
  ``archive.identity_match_unit_failures_per_day`` (15) of everyone for the unit; the one that reaches
  a limit publishes ``identity_match.locked`` (an alert to the CS manager: who tried, how many) and
  the caller's (or, at the unit's ceiling, everyone's) number matches of the unit are then refused for
  the rest of the day -- 422 ``identity_match_locked``, logged refused (``identity_match_locked``) --
  the right number too, so the limit cannot be walked around. One desk user's guesses lock that
  user, not the genuine owner at another desk (trial 4 M7).
- The CS manager or the centre manager **lifts** a unit's lock (:func:`unlock`, with a reason): a row
  of the access log (``identity_match:unlocked``); failures before it no longer count that day.
- A person named whose file holds **no ID number** cannot be matched: 422 ``id_number_not_on_file``,
  logged ``identity_match:not_on_file`` -- and **counted as a failed match** like a wrong number (the
  trial's fix: uncounted, the distinct answer told without limit which names are in the file). The
  lock is checked first, so a locked caller gets ``identity_match_locked`` for such a name too: the
  answer cannot probe names beyond the day's limit. The goods release's desk then attests the
  document it saw in person (tickets); the keys answer it as their one ``identity_not_matched``.
- A caller may name the **roles** a match may find (``roles``: the keys ask for owners): a person of the
  file in another role is not matched -- counted, with a number, as any failed match, so a family
  member's right number tried for a key counts too.
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
from kernel.tenancy import Role

from ..exceptions import HouseholdNotFound, IdentityMatchLocked, IdNumberNotOnFile
from ..models import FileAccessLog, Household, Project
from . import access, registry

log = logging.getLogger("wuye.audit")

WHAT = "identity_match"
MATCHED, NOT_MATCHED = f"{WHAT}:matched", f"{WHAT}:not_matched"
NOT_ON_FILE, UNLOCKED = f"{WHAT}:not_on_file", f"{WHAT}:unlocked"
LOCKED = "identity_match_locked"
#: the access log's rows counted as failed matches (the day's limit)
FAILED = (NOT_MATCHED, NOT_ON_FILE)
#: who lifts a unit's lock (the CS manager, the service-centre manager)
UNLOCK_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: the household-file roles a match may find (an emergency contact is no one who moves goods out)
MATCH_ROLES = ("owner", "family", "tenant")

FAILURES_PER_DAY = "archive.identity_match_failures_per_day"
UNIT_FAILURES_PER_DAY = "archive.identity_match_unit_failures_per_day"
SETTINGS = [
    Setting(FAILURES_PER_DAY, fields.Integer(strict=True, validate=validate.Range(min=1, max=100)), default=5,
            unit="failed matches", doc="failed identity matches (a name and an ID number that do not match the "
                                       "household file) of one caller for a unit per local day; the one reaching "
                                       "it alerts (identity_match.locked) and that caller's matches of the unit "
                                       "are refused until the day ends (or the CS manager lifts the lock)"),
    Setting(UNIT_FAILURES_PER_DAY, fields.Integer(strict=True, validate=validate.Range(min=1, max=500)), default=15,
            unit="failed matches", doc="failed identity matches of everyone for a unit per local day; the one "
                                       "reaching it alerts and every match of the unit is refused until the day "
                                       "ends (or the CS manager lifts the lock)"),
]


def _day_start(work: Work, project: Project) -> datetime:
    tz = ZoneInfo(project.timezone or "Asia/Shanghai")
    return datetime.combine(work.clock.now().astimezone(tz).date(), time(0), tzinfo=tz)


def _counted_since(work: Work, project: Project, unit_id: str) -> datetime:
    """The project's local midnight, or the unit's last unlock today (failures before it are lifted)."""
    start = _day_start(work, project)
    unlocked = work.session.scalar(select(func.max(FileAccessLog.read_at)).where(
        FileAccessLog.unit_id == unit_id, FileAccessLog.what == UNLOCKED, FileAccessLog.read_at >= start))
    return max(start, unlocked) if unlocked is not None else start


def failures_today(work: Work, project: Project, unit_id: str, reader_id: str | None = None) -> int:
    """The unit's failed number matches today (since the local midnight or the last unlock) -- of one
    caller when ``reader_id`` is given (the access log's rows): a number not matched, or a name with
    no number on file."""
    query = select(func.count()).select_from(FileAccessLog).where(
        FileAccessLog.unit_id == unit_id, FileAccessLog.what.in_(FAILED), FileAccessLog.outcome == "allowed",
        FileAccessLog.read_at >= _counted_since(work, project, unit_id))
    if reader_id is not None:
        query = query.where(FileAccessLog.reader_id == reader_id[:100])
    return work.session.scalar(query) or 0


def _limits(work: Work, project: Project) -> tuple[int, int]:
    return work.settings.get(project.id, FAILURES_PER_DAY), work.settings.get(project.id, UNIT_FAILURES_PER_DAY)


def _same(a: str, b: str) -> bool:
    """One name as people read it (``kernel.validators.name_key``: NFKC, every blank dropped, case folded):
    the desk's "李 娜" is the file's "李娜" -- the ID number is what a staff match proves."""
    return v.name_key(a) == v.name_key(b)


def _logged_row(work: Work) -> FileAccessLog | None:
    """The access-log row ``access.require_read`` just added (allowed) -- its ``what`` says the outcome."""
    rows = [r for r in work.session.new if isinstance(r, FileAccessLog) and r.what == WHAT]
    return rows[-1] if rows else None


def match(work: Work, unit_id: str, name: str, id_number: str | None, purpose: str | None,
          id_type: str | None = None, roles: list | tuple | None = None) -> dict:
    """``{"matched": bool}`` (+ ``"role"`` when matched): is ``name`` with ``id_number`` one of the
    unit's current household's people (owner, family, tenant) in the file? ``roles``: only people in
    these roles may match (the keys: owners) -- anyone else named is not matched, and with a number a
    failed match counted, whatever the file holds for them. See the module doc."""
    wanted = tuple(r for r in MATCH_ROLES if r in roles) if roles else MATCH_ROLES
    caller = work.caller
    number = None
    if id_number is not None or not caller.is_resident:
        number = v.require_id_number(id_number, id_type)
    unit = registry.get_unit(work, unit_id, conceal=True)
    project = work.session.get(Project, unit.project_id)
    household = registry.active_household(work, unit.id)
    if caller.is_resident and (household is None or v.name_key(name) != v.name_key(caller.name)
                               or not caller.sees_household(unit.group_id, unit.project_id, unit.id, household.id,
                                                            current=household.id)):
        # a resident asks about themselves in their own household only (the household his signed scope
        # is bound to): anything else reads like missing
        raise HouseholdNotFound(f"no household in unit {unit_id}")
    limit, ceiling = _limits(work, project)
    # counted before this read is logged; told nobody before the caller is known to read the file
    locked = number is not None and (failures_today(work, project, unit.id, caller.user_id) >= limit
                                     or failures_today(work, project, unit.id) >= ceiling)
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
            f"too many failed identity matches for this unit today ({FAILURES_PER_DAY}: {limit} per caller, "
            f"{ceiling} in all): no more matches until tomorrow or until the CS manager lifts the lock; the CS "
            "manager has been alerted", details={"limit": limit, "unit_limit": ceiling})
    if household is not None and number is not None and _no_number_on_file(household, name, wanted):
        row.what = NOT_ON_FILE                  # nothing to compare: a failure, counted like a wrong number
        work.keep_on_failure(row)
        _count_failure(work, project, unit, household, refused=True)
        raise IdNumberNotOnFile(f"the household file holds no ID number for the person named: see the document "
                                "in person and add the number to the file")
    if caller.is_resident and number is None:
        # the resident himself (his account, signed): his person in the file, the name compared normalised
        found = resident_person(household, caller.name, wanted)
        row.what = MATCHED if found else NOT_MATCHED
        if found is None:
            _count_failure(work, project, unit, household)      # a refusal counts towards the lock, as any
        return ({"matched": True, "role": found.role, "person_id": found.id, "name": found.name} if found
                else {"matched": False})
    found = _find(household, name, number, wanted) if household is not None else None
    row.what = MATCHED if found else NOT_MATCHED
    if found is None and number is not None:
        _count_failure(work, project, unit, household)
    return {"matched": True, "role": found.role} if found else {"matched": False}


def resident_person(household: Household, account_name: str | None, roles: tuple = MATCH_ROLES):
    """The person of ``household`` a resident's own account is (the resident asks about himself only):
    accounts carry no link to a person of the file, so by the account's name compared the way people read
    it (``kernel.validators.name_key``: NFKC -- full-width folded --, every blank dropped, case folded) --
    "张 伟" and "张伟" are one person. Exactly one person of the file in ``roles`` by that name, else
    None (nobody, or two of one name: the service centre records the request)."""
    key = v.name_key(account_name)
    if not key:
        return None
    named = [p for p in household.people if p.role in roles and v.name_key(p.name) == key]
    return named[0] if len(named) == 1 else None


def _no_number_on_file(household: Household, name: str, roles: tuple = MATCH_ROLES) -> bool:
    """Every person of the household by that name (in a role a match may find) has no number on file."""
    named = [p for p in household.people if p.role in roles and _same(p.name, name)]
    return bool(named) and not any(p.id_number for p in named)


def _find(household: Household, name: str, number: str | None, roles: tuple = MATCH_ROLES):
    for person in household.people:
        if person.role not in roles or not _same(person.name, name):
            continue
        if number is None or (person.id_number or "").upper() == number:
            return person
    return None


def _count_failure(work: Work, project: Project, unit, household: Household | None, refused: bool = False) -> None:
    """The failure is the access log's row (flushed so the count sees it); the one that reaches the
    day's limit alerts -- ``refused``: the call then fails (no number on file), the alert is kept."""
    work.session.flush()
    caller = work.caller
    limit, ceiling = _limits(work, project)
    mine, everyone = failures_today(work, project, unit.id, caller.user_id), failures_today(work, project, unit.id)
    if mine != limit and everyone != ceiling:
        return
    failures, limit = (everyone, ceiling) if everyone == ceiling else (mine, limit)
    log.warning("identity matches locked for unit %s (project %s): %s failed today, last by %s",
                unit.id, project.id, failures, caller.user_id)
    work.events.record(events.IDENTITY_MATCH_LOCKED, {
        "group_id": unit.group_id, "project_id": unit.project_id, "unit_id": unit.id, "unit_label": unit.label,
        "household_id": household.id if household is not None else None, "failures": failures, "limit": limit,
        "at": work.clock.now(), "last_caller": {"user_id": caller.user_id, "name": caller.name or "",
                                                "roles": sorted(caller.roles)}},
        group_id=unit.group_id, project_id=unit.project_id, kept_on_failure=refused)



def unlock(work: Work, unit_id: str, reason: str) -> dict:
    """The CS manager or the centre manager lifts a unit's identity-match lock (解除核验锁定) with a
    reason: a row of the access log (``identity_match:unlocked``, the reason as its purpose) -- the
    day's failures before it no longer count. Another project's unit reads like missing."""
    caller = work.caller
    unit = registry.get_unit(work, unit_id, conceal=True)
    project = work.session.get(Project, unit.project_id)
    if caller.is_resident:
        raise HouseholdNotFound(f"no unit {unit_id}")
    caller.require_role(*UNLOCK_ROLES)
    reason = " ".join((reason or "").split())
    if not reason:
        from kernel.errors import InvalidInput
        raise InvalidInput("lifting a lock says why (reason)", code="reason_required")
    before = failures_today(work, project, unit.id)
    household = registry.active_household(work, unit.id)
    access._log(work, group_id=unit.group_id, project_id=unit.project_id, household=household, unit_id=unit.id,
                what=UNLOCKED, purpose=reason, outcome="allowed")
    log.warning("identity matches of unit %s (project %s) unlocked by %s: %s (%s failures today before)",
                unit.id, project.id, caller.user_id, reason, before)
    return {"unit_id": unit.id, "unit_label": unit.label, "unlocked_at": work.clock.now(),
            "failures_lifted": before, "unlocked_by": {"user_id": caller.user_id, "name": caller.name or ""}}
