"""Access to household files (查阅授权与查阅记录, 000 §八): who may read a file, its documents and its
contact lists, the CS head's grants for everyone else, and the access log (业户档案查阅记录表).

THE access check other areas call -- one function per kind of read, each logging what it decided:

- :func:`require_read` ``(work, household, what, purpose, *, roles, residents) -> FileAccessGrant | None``
  before any read of a household's file or a part of it (``what``, :data:`WHATS`: ``file``,
  ``catalogue``, ``documents[:<type>]`` (the versions listed), ``document:<type> v<n>`` (one
  downloaded), ``people``, ``people_history``, ``checklist``, ``ownerships``,
  ``census_task``, ``summary``, ``contacts``). Allowed: the platform; the customer-service department
  (front desk, steward, CS manager, centre manager) of the project -- or the ``roles`` a part names
  (the household summary: any staff role); a resident for their own (current) household where the
  part is theirs to read (``residents``); anyone else of the project with a valid grant for this file
  or this unit (the grant is returned: the read may show what it unmasks). The purpose logged is the
  one stated, else :func:`logged_purpose`'s (``own household``, ``platform``, ``(not asked)`` on the
  desk's working lists that ask none). Refused (and the refusal logged, committed although the call fails --
  ``Work.keep_on_failure``): a resident's read of another household (404, as if it did not exist),
  staff outside the project (403 ``project_out_of_scope``), anyone else without a valid grant (403
  ``file_access_denied``; the log says why: ``no_grant``, ``grant_not_started``, ``grant_expired``,
  ``grant_revoked``).
- :func:`require_export` ``(work, project, what, purpose, household=None)`` before personal data
  leaves in bulk (a contact list as a file): nobody but the platform exports without a grant that
  allows it -- for the project, or for the one file/unit exported (403 ``export_denied``).

Both take the time from the service clock. Every call writes one row of the access log; the log
cannot be edited or deleted (triggers on SQLite and PostgreSQL, revision 0033) and no RPC does.

Grants (查阅授权), by the CS head (客服部经理 -- DOMAIN.md: "anyone else needs the CS head's
permission"): who (a staff member of the project), which file (one household, or one unit: its
current household at the time of each read) or, for an export only, the whole project; why; from
when to when (at most ``archive.grant_longest_days``, 30); what it allows (read, export, unmasked).
A grant's state follows from the clock: ``pending`` before ``valid_from``, ``active`` until
``valid_until``, then ``expired``; ``revoke`` (by a CS head, with a reason) ends a pending or active
one (:data:`TRANSITIONS`).

Masking: the reader's role decides (``kernel.privacy``); a grant does not unmask unless it says so
(``unmasked``: phones and ID numbers in full, for e.g. a lawyer's letter). A resident reading their
own file sees their phones in full and ID numbers masked.

Reading the access log (CS manager, centre manager, auditor of the project) is not itself a row of
the log -- the log holds no resident data; the gateway writes one ``wuye.audit`` line per read or
CSV export of it.
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, or_, select

from kernel.errors import Forbidden, InvalidInput
from kernel.tenancy import Caller, Role, role_names_zh
from kernel.work import Work

from ..exceptions import (ExportDenied, FileAccessDenied, GrantNotFound, GrantNotRevocable, GrantRefused,
                          HouseholdNotFound, ProjectNotFound, UnitNotFound)
from ..models import FileAccessGrant, FileAccessLog, Household, Project, Unit
from . import access_settings
from .registry import get_project, household_view

#: who reads files without a grant: the customer-service department (客服部)
FILE_READER_ROLES = Role.CUSTOMER_SERVICE
#: who records and revokes grants: the CS head (客服部经理)
GRANT_ROLES = (Role.CS_MANAGER,)
#: who reads the access log and every grant of the project
LOG_READER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.AUDITOR)

SCOPES = ("household", "unit", "project")
OUTCOMES = ("allowed", "refused")
#: what a read names (``document:<id>``, ``export:<what>`` carry their object)
WHATS = ("file", "catalogue", "documents", "document", "contacts", "people", "people_history", "checklist", "ownerships",
         "summary", "census_task", "export", "identity_match")
#: what was read, in the words of the 业户档案查阅记录表 (the CSV, the log's ``what_label``)
WHAT_NAMES = {"file": "业户档案", "catalogue": "档案目录", "documents": "档案文件列表", "document": "档案文件",
              "contacts": "联系方式", "people": "人员名单", "people_history": "人员变更记录",
              "checklist": "资料清单", "ownerships": "产权记录", "summary": "业户概况", "census_task": "普查任务",
              "export": "批量导出", "identity_match": "身份核验"}
#: why a read was refused, in words (``refusal_label``)
REFUSAL_NAMES = {"no_grant": "无查阅授权", "grant_not_started": "授权尚未生效", "grant_expired": "授权已过期",
                 "grant_revoked": "授权已撤销", "not_own_household": "非本户住户",
                 "project_out_of_scope": "不在本项目权限范围内", "not_for_residents": "该内容不向住户开放",
                 "identity_match_locked": "今日核验失败次数已达上限"}
#: what a read without a stated purpose is logged with: a resident's own, the platform's, and a
#: staff member's read on a route that asks none (the desk's working lists: people, their history,
#: the checklist, the ownership history, the household summary)
OWN_PURPOSE, PLATFORM_PURPOSE, UNSTATED_PURPOSE = "own household", "platform", "(not asked)"
#: how far in the past a grant may start (a form filled in a few minutes ago)
BACKDATE_TOLERANCE = timedelta(minutes=5)

# grant states (computed from the clock and the revocation) and what can happen to them
PENDING, ACTIVE, EXPIRED, REVOKED = "pending", "active", "expired", "revoked"
STATES = (PENDING, ACTIVE, EXPIRED, REVOKED)
TRANSITIONS = {
    (PENDING, "revoke"): REVOKED,
    (ACTIVE, "revoke"): REVOKED,
}


class PurposeRequired(InvalidInput):
    """A staff member's read of a part that asks why (the file, its documents and catalogue, a
    census task, the contacts, an export) without a purpose: 400 ``purpose_required`` (one check,
    :func:`require_purpose`, for every such route)."""
    default_code = "purpose_required"
    zh = "请填写查阅目的（将记入业户档案查阅记录表）"


def require_purpose(work: Work, household: Household | None, purpose: str | None) -> None:
    """Staff state why they read (400 ``purpose_required``); a resident reading their own current
    household, and the platform, need not (logged ``own household`` / ``platform``)."""
    if (purpose or "").strip():
        return
    caller = work.caller
    if caller.is_system:
        return
    if caller.is_resident and household is not None and household.status == "active" \
            and household.unit_id in caller.unit_ids:
        return
    raise PurposeRequired("say why you read this (purpose): it goes into the file's access log "
                          "(业户档案查阅记录表)", details={"purpose": ["Required: why you read it."]})


def grant_state(grant: FileAccessGrant, now: datetime) -> str:
    if grant.revoked_at is not None:
        return REVOKED
    if now < grant.valid_from:
        return PENDING
    if now >= grant.valid_until:
        return EXPIRED
    return ACTIVE


# -- the log --------------------------------------------------------------------------------------

def _log(work: Work, *, group_id: str, project_id: str, household: Household | None, unit_id: str | None,
         what: str, purpose: str, outcome: str, grant: FileAccessGrant | None = None,
         refusal: str | None = None) -> FileAccessLog:
    caller = work.caller
    row = FileAccessLog(
        id=str(uuid.uuid4()), group_id=group_id, project_id=project_id,
        household_id=household.id if household is not None else None,
        unit_id=unit_id if unit_id is not None else (household.unit_id if household is not None else None),
        reader_id=caller.user_id[:100], reader_name=(caller.name or "")[:100],
        reader_roles=",".join(sorted(caller.roles))[:200], purpose=(purpose or "")[:400],
        read_at=work.clock.now(), what=what[:80], outcome=outcome,
        grant_id=grant.id if grant is not None else None, refusal=refusal)
    if outcome == "refused":
        work.keep_on_failure(row)        # the refusal is logged although the call fails
    else:
        work.session.add(row)
    return row


def _refuse(work: Work, error: Exception, reason: str, **where):
    _log(work, outcome="refused", refusal=reason, **where)
    raise error


# -- the checks ------------------------------------------------------------------------------------

def _candidates(work: Work, caller: Caller, household: Household | None, project_id: str):
    """The caller's grants that name this household, its unit (the household being the unit's current
    one) or the whole project."""
    covers = [and_(FileAccessGrant.scope == "project")]
    if household is not None:
        covers.append(and_(FileAccessGrant.scope == "household", FileAccessGrant.household_id == household.id))
        if household.status == "active":
            covers.append(and_(FileAccessGrant.scope == "unit", FileAccessGrant.unit_id == household.unit_id))
    return work.session.scalars(select(FileAccessGrant).where(
        FileAccessGrant.grantee_id == caller.user_id, FileAccessGrant.project_id == project_id,
        or_(*covers)).order_by(FileAccessGrant.granted_at.desc(), FileAccessGrant.id)).all()


def _grant_for(work: Work, caller: Caller, household: Household | None, project_id: str,
               allows: str) -> tuple[FileAccessGrant | None, str]:
    """A valid grant of ``caller`` allowing ``allows`` (read | export) here, or None and why not."""
    now = work.clock.now()
    fitting = [g for g in _candidates(work, caller, household, project_id)
               if (g.allows_read if allows == "read" else g.allows_export)
               and (allows == "export" or g.scope != "project")]
    for grant in fitting:
        if grant_state(grant, now) == ACTIVE:
            return grant, ""
    states = {grant_state(g, now) for g in fitting}
    for state, reason in ((REVOKED, "grant_revoked"), (EXPIRED, "grant_expired"), (PENDING, "grant_not_started")):
        if state in states:
            return None, reason
    return None, "no_grant"


def logged_purpose(work: Work, household: Household, purpose: str | None) -> str:
    """The purpose a read is logged with: the one stated, else who read it (a resident's own
    household, the platform), else :data:`UNSTATED_PURPOSE`."""
    purpose = (purpose or "").strip()
    if purpose:
        return purpose
    caller = work.caller
    if caller.is_system:
        return PLATFORM_PURPOSE
    if caller.is_resident and household.unit_id in caller.unit_ids and household.status == "active":
        return OWN_PURPOSE
    return UNSTATED_PURPOSE


def require_read(work: Work, household: Household, what: str, purpose: str | None, *,
                 roles=FILE_READER_ROLES, residents: bool = True,
                 asks_purpose: bool = False) -> FileAccessGrant | None:
    """May the caller read ``what`` of ``household``'s file? Logs the answer (see the module doc);
    returns the grant it reads under (None: by role), raises if refused.

    ``roles``: who of the project reads this part without a grant (the customer-service department
    unless the part says otherwise -- the household summary: any staff of the project);
    ``residents``: whether a resident reads this part of their own household (their people, their
    documents) -- when not (the change history, the checklist, the ownership history, the census),
    their read is refused (403 ``file_access_denied``, logged ``not_for_residents``);
    ``asks_purpose``: the route takes a purpose and staff must state it (:func:`require_purpose`,
    checked once the caller is known to see the household: nobody outside learns it exists)."""
    caller = work.caller
    where = dict(group_id=household.group_id, project_id=household.project_id, household=household,
                 unit_id=household.unit_id, what=what, purpose=logged_purpose(work, household, purpose))
    if caller.is_system:
        _log(work, outcome="allowed", **where)
        return None
    not_found = HouseholdNotFound(f"no household {household.id}")
    if not caller.in_group(household.group_id):
        raise not_found                          # another group's probe: not this group's reader
    if caller.is_resident:
        if household.status == "active" and household.unit_id in caller.unit_ids:
            if not residents:
                _refuse(work, FileAccessDenied(f"{what.replace('_', ' ')} is read by the customer-service "
                                               "department, not by residents",
                                               details={"reason": "not_for_residents"}),
                        "not_for_residents", **where)
            _log(work, outcome="allowed", **where)
            return None
        _refuse(work, not_found, "not_own_household", **where)
    if not caller.sees_project(household.group_id, household.project_id):
        _refuse(work, not_found, "project_out_of_scope", **where)
    if asks_purpose:
        require_purpose(work, household, purpose)
    if caller.roles & frozenset(roles):
        _log(work, outcome="allowed", **where)
        return None
    grant, reason = _grant_for(work, caller, household, household.project_id, "read")
    if grant is None:
        _refuse(work, FileAccessDenied(
            "household files are read by the customer-service department; others need the CS head's "
            f"permission (查阅授权): {reason.replace('_', ' ')}", details={"reason": reason}), reason, **where)
    _log(work, outcome="allowed", grant=grant, **where)
    return grant


def require_export(work: Work, project: Project, what: str, purpose: str,
                   household: Household | None = None) -> FileAccessGrant | None:
    """May the caller take ``what`` (contacts, people) out in bulk -- of the project, or of one
    household? Only under a grant that allows export (the platform excepted); logged as
    ``export:<what>``."""
    caller = work.caller
    where = dict(group_id=project.group_id, project_id=project.id, household=household,
                 unit_id=household.unit_id if household is not None else None,
                 what=f"export:{what}", purpose=purpose)
    if caller.is_system:
        _log(work, outcome="allowed", **where)
        return None
    not_found = HouseholdNotFound(f"no household {household.id}") if household is not None else \
        ProjectNotFound(f"no project {project.id}")
    if not caller.in_group(project.group_id):
        raise not_found
    if caller.is_resident:             # of this project (``get_project`` hid the others): another role
        _refuse(work, ExportDenied("personal data leaves in bulk only to staff under the CS head's grant",
                                   details={"reason": "not_for_residents"}), "not_for_residents", **where)
    if not caller.sees_project(project.group_id, project.id):
        _refuse(work, not_found, "project_out_of_scope", **where)
    require_purpose(work, household, purpose)
    grant, reason = _grant_for(work, caller, household, project.id, "export")
    if grant is None:
        _refuse(work, ExportDenied("personal data leaves in bulk only under the CS head's grant for it "
                                   f"(查阅授权, export): {reason.replace('_', ' ')}", details={"reason": reason}),
                reason, **where)
    _log(work, outcome="allowed", grant=grant, **where)
    return grant


def household_for_read(work: Work, household_id: str) -> Household:
    """The household a read names (404 when there is none, or it is another group's); the access
    check is :func:`require_read`'s."""
    household = work.session.get(Household, household_id)
    if household is None or not work.caller.in_group(household.group_id):
        raise HouseholdNotFound(f"no household {household_id}")
    return household


def view(work: Work, household: Household, grant: FileAccessGrant | None, id_numbers: bool = True) -> dict:
    """The household as this read may show it: masked per the reader's role (``kernel.privacy``),
    in full only under a grant that says ``unmasked``."""
    return household_view(work.caller, household, id_numbers=id_numbers,
                          unmasked=grant is not None and grant.unmasked)


# -- the bulk export of contacts (通讯录导出) -------------------------------------------------------

def export_contacts(work: Work, project_id: str, purpose: str) -> dict:
    """The project's current households with their people and contacts, for a file -- under a grant
    that allows export (:func:`require_export`), masked unless the reader's role or the grant says
    otherwise."""
    project = get_project(work, project_id, conceal=True)
    grant = require_export(work, project, "contacts", purpose)
    households = work.session.scalars(select(Household).where(
        Household.project_id == project.id, Household.status == "active")).all()
    units = {u.id: u for u in work.session.scalars(select(Unit).where(Unit.project_id == project.id))}
    rows = []
    for household in sorted(households, key=lambda h: units[h.unit_id].label if h.unit_id in units else ""):
        shown = view(work, household, grant, id_numbers=False)
        label = units[household.unit_id].label if household.unit_id in units else ""
        for person in shown["people"]:
            rows.append({"unit_label": label, "household_id": household.id, "name": person["name"],
                         "role": person["role"], "phone": person["phone"], "email": person["email"]})
    return {"project_id": project.id, "grant_id": grant.id if grant is not None else None, "people": rows}


# -- grants ----------------------------------------------------------------------------------------

def create_grant(work: Work, data: dict) -> FileAccessGrant:
    """查阅授权: the CS head lets ``grantee_id`` read one file (household), the file of a unit's current
    household (unit) or export the project's personal data (project; export only). Refused in this order:
    another project's caller 404, a caller without the role 403, then the grant itself -- 422
    ``unknown_grantee`` first when the gateway found no active staff member ``grantee_id`` of the project
    (``grantee_known`` false)."""
    caller = work.caller
    project = get_project(work, data["project_id"], conceal=True)
    caller.require_role(*GRANT_ROLES)
    # only after the role: a caller who may not grant is not told whether an id is an active staff member
    if not data.get("grantee_known", True):
        raise GrantRefused(f"{data['grantee_id']!r} is not an active staff member of this project",
                           code="unknown_grantee", zh="被授权人不是本项目的在职员工")
    scope, now = data["scope"], work.clock.now()
    household_id = unit_id = None
    if scope == "household":
        household = work.session.get(Household, data.get("household_id") or "")
        if household is None or household.project_id != project.id:
            raise HouseholdNotFound(f"no household {data.get('household_id')} in this project")
        household_id, unit_id = household.id, household.unit_id
    elif scope == "unit":
        unit = work.session.get(Unit, data.get("unit_id") or "")
        if unit is None or unit.project_id != project.id:
            raise UnitNotFound(f"no unit {data.get('unit_id')} in this project")
        unit_id = unit.id
    read = data.get("read")               # left out: what the scope is for (a project grant exports)
    reads, exports = (scope != "project") if read is None else bool(read), bool(data.get("export", False))
    if scope == "project" and reads:
        raise GrantRefused("a grant to read files names one household or one unit; a project-wide grant "
                           "allows the export only (read: false)", code="project_grant_reads",
                           zh="查阅档案的授权须指定一户或一套房屋；全项目授权仅用于导出")
    if not (reads or exports):
        raise GrantRefused("a grant allows reading, exporting or both", code="grant_allows_nothing",
                           zh="授权须允许查阅、导出或两者")
    if data["grantee_id"] == caller.user_id:
        raise GrantRefused("nobody grants themselves access", code="grant_to_self", zh="不能给自己授权")
    valid_from = data.get("valid_from") or now
    valid_until = data["valid_until"]
    if valid_from < now - BACKDATE_TOLERANCE:
        raise GrantRefused("a grant starts now or later", code="grant_backdated", zh="授权只能从现在或以后开始")
    if valid_until <= valid_from:
        raise GrantRefused("valid_until must be after valid_from", code="grant_period_invalid",
                           zh="授权的结束时间须晚于开始时间")
    longest = work.settings.get(project.id, access_settings.GRANT_LONGEST_DAYS)
    if valid_until - valid_from > timedelta(days=longest):
        raise GrantRefused(f"a grant runs at most {longest} days (archive.grant_longest_days)",
                           code="grant_too_long", details={"longest_days": longest}, zh=f"授权期限最长 {longest} 天")
    grant = FileAccessGrant(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, grantee_id=data["grantee_id"],
        grantee_name=data.get("grantee_name") or "", scope=scope, household_id=household_id, unit_id=unit_id,
        purpose=data["purpose"], valid_from=valid_from, valid_until=valid_until, allows_read=reads,
        allows_export=exports, unmasked=bool(data.get("unmasked", False)), granted_by_id=caller.user_id,
        granted_by_name=caller.name or "", granted_at=now)
    work.session.add(grant)
    work.session.flush()
    return grant


def _grant_in_scope(work: Work, grant_id: str) -> FileAccessGrant:
    grant = work.session.get(FileAccessGrant, grant_id)
    not_found = GrantNotFound(f"no grant {grant_id}")
    if grant is None:
        raise not_found
    work.caller.require_project(grant.group_id, grant.project_id, not_found=not_found, conceal=True)
    return grant


def revoke_grant(work: Work, grant_id: str, reason: str) -> FileAccessGrant:
    grant = _grant_in_scope(work, grant_id)
    work.caller.require_role(*GRANT_ROLES)
    now = work.clock.now()
    state = grant_state(grant, now)
    if (state, "revoke") not in TRANSITIONS:
        raise GrantNotRevocable(f"a grant that is {state} cannot be revoked", details={"state": state})
    grant.revoked_at, grant.revoked_by_id = now, work.caller.user_id
    grant.revoked_by_name, grant.revoke_reason = work.caller.name or "", reason
    return grant


def list_grants(work: Work, project_id: str, q: dict) -> dict:
    """The project's grants, newest first (CS head, centre manager, auditor); anyone else of the
    project sees only their own."""
    caller = work.caller
    project = get_project(work, project_id, conceal=True)
    caller.require_staff()
    now = work.clock.now()
    where = [FileAccessGrant.project_id == project.id]
    if not caller.has_role(*LOG_READER_ROLES):
        where.append(FileAccessGrant.grantee_id == caller.user_id)
    for key in ("grantee_id", "household_id", "unit_id"):
        if q.get(key):
            where.append(getattr(FileAccessGrant, key) == q[key])
    state = q.get("state")
    if state == REVOKED:
        where.append(FileAccessGrant.revoked_at.is_not(None))
    elif state in (PENDING, ACTIVE, EXPIRED):
        where.append(FileAccessGrant.revoked_at.is_(None))
        where.append({PENDING: FileAccessGrant.valid_from > now,
                      ACTIVE: and_(FileAccessGrant.valid_from <= now, FileAccessGrant.valid_until > now),
                      EXPIRED: FileAccessGrant.valid_until <= now}[state])
    total = work.session.scalar(select(func.count()).select_from(FileAccessGrant).where(*where))
    items = work.session.scalars(select(FileAccessGrant).where(*where).order_by(
        FileAccessGrant.granted_at.desc(), FileAccessGrant.id).limit(q.get("limit", 50)).offset(q.get("offset", 0))).all()
    return {"items": [grant_view(g, now) for g in items], "total": total,
            "limit": q.get("limit", 50), "offset": q.get("offset", 0)}


def grant_view(grant: FileAccessGrant, now: datetime) -> dict:
    return {**{c: getattr(grant, c) for c in (
        "id", "project_id", "grantee_id", "grantee_name", "scope", "household_id", "unit_id", "purpose",
        "valid_from", "valid_until", "unmasked", "granted_by_id", "granted_by_name", "granted_at",
        "revoked_at", "revoked_by_id", "revoked_by_name", "revoke_reason")},
        "read": grant.allows_read, "export": grant.allows_export, "state": grant_state(grant, now)}


# -- the access log --------------------------------------------------------------------------------

def _local_day_start(day, tz: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(tz))


def access_log(work: Work, project_id: str, q: dict) -> dict:
    """The project's access log, newest first, filtered by reader, household, unit, outcome, what and
    the days (``date_from``..``date_to`` in the project's time zone); CS head, centre manager, auditor."""
    project = get_project(work, project_id, conceal=True)
    work.caller.require_role(*LOG_READER_ROLES)
    where = [FileAccessLog.project_id == project.id]
    for key in ("reader_id", "household_id", "unit_id", "outcome"):
        if q.get(key):
            where.append(getattr(FileAccessLog, key) == q[key])
    if q.get("what"):
        where.append(or_(FileAccessLog.what == q["what"], FileAccessLog.what.startswith(q["what"] + ":")))
    if q.get("date_from"):
        where.append(FileAccessLog.read_at >= _local_day_start(q["date_from"], project.timezone))
    if q.get("date_to"):
        where.append(FileAccessLog.read_at < _local_day_start(q["date_to"] + timedelta(days=1), project.timezone))
    limit, offset = q.get("limit", 50), q.get("offset", 0)
    total = work.session.scalar(select(func.count()).select_from(FileAccessLog).where(*where))
    items = work.session.scalars(select(FileAccessLog).where(*where).order_by(
        FileAccessLog.read_at.desc(), FileAccessLog.id).limit(limit).offset(offset)).all()
    return {"items": log_views(work, items), "total": total, "limit": limit, "offset": offset}


def what_label(what: str, titles: dict[str, str]) -> str:
    """``what`` in words: ``document:purchase_contract v2`` -> ``档案文件：购房合同 第2版``,
    ``documents:owner_id_copy`` -> ``档案文件列表：业主身份证复印件``, ``export:contacts`` -> ``批量导出：联系方式``
    (``titles``: the project's catalogue titles by type; an unknown type or word stays as it is)."""
    head, _, rest = what.partition(":")
    name = WHAT_NAMES.get(head, head)
    if not rest:
        return name
    if head == "identity_match":
        return f"{name}：" + {"matched": "相符", "not_matched": "不符", "not_on_file": "档案未登记证件号码",
                            "unlocked": "解除锁定"}.get(rest, rest)
    if head == "export":
        return f"{name}：{WHAT_NAMES.get(rest, rest)}"
    doc_type, _, version = rest.partition(" v")
    said = titles.get(doc_type, doc_type)
    return f"{name}：{said}" + (f" 第{version}版" if version.isdigit() else (f" v{version}" if version else ""))


def log_views(work: Work, rows: list[FileAccessLog]) -> list[dict]:
    """The log's rows with their words: the unit's label (``1栋-0101``, the registry's), the reader's
    roles, what was read and why it was refused in Chinese (``unit_label``, ``roles_label``,
    ``what_label``, ``refusal_label``) -- for people reading the log (the CSV), the codes kept."""
    from .people import _titles
    unit_ids = {r.unit_id for r in rows if r.unit_id}
    labels = {u.id: u.label for u in work.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))} \
        if unit_ids else {}
    titles: dict[str, dict] = {}
    out = []
    for r in rows:
        if r.project_id not in titles:
            titles[r.project_id] = _titles(work, r.project_id)
        view = {c: getattr(r, c) for c in (
            "id", "project_id", "household_id", "unit_id", "reader_id", "reader_name", "reader_roles", "purpose",
            "read_at", "what", "outcome", "grant_id", "refusal")}
        view.update(unit_label=labels.get(r.unit_id), roles_label=role_names_zh(r.reader_roles),
                    what_label=what_label(r.what, titles[r.project_id]),
                    refusal_label=REFUSAL_NAMES.get(r.refusal, r.refusal) if r.refusal else None)
        out.append(view)
    return out


def household_access_log(work: Work, household_id: str) -> list[dict]:
    """One file's access log, newest first (CS head, centre manager, auditor of its project)."""
    household = household_for_read(work, household_id)
    work.caller.require_project(household.group_id, household.project_id,
                                not_found=HouseholdNotFound(f"no household {household_id}"), conceal=True)
    work.caller.require_role(*LOG_READER_ROLES)
    return log_views(work, work.session.scalars(select(FileAccessLog).where(
        FileAccessLog.household_id == household.id).order_by(FileAccessLog.read_at.desc(), FileAccessLog.id)).all())

