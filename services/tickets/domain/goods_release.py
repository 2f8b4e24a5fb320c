"""Goods release (物品放行单, seed 000 §三 物品放行步骤): a household moves items out past the gate.

The seed's steps, each a row of :data:`TABLE`::

    requested --verify--> verified --approve--> approved --issue--> issued --use--> used
    requested, verified, attested --verify (the check attested: the table's ``attest`` row)--> attested
        --approve_attestation (主管复核: CS / centre manager, never who attested it)--> verified
    requested, verified, approved, issued --void--> voided (作废: who and why)
        -- the managers; or the platform when the household moves out (过户 / 迁出:
        :func:`on_household_moved_out`, reason :data:`MOVED_OUT_REASON`)
    requested, verified --withdraw--> withdrawn (撤回: the resident who asked, or the desk; notify
        tells nobody)

**Trial 4**: a tenant's or an agent's (代办) release is verified only with the owner's consent
*verified* (:func:`_consent`: the consenting owner matched by name and ID number in archive's file,
counted like any match; the method and the number masked kept) -- an agent's own document is recorded,
never what verifies the release. Every "no" of the file is one answer (:data:`NOT_MATCHED_EN`: no name
enumeration). A person of the file in the requester's role with no number on file is archive's 422
``id_number_not_on_file`` (counted there like a failed match, so bounded by the lock; anyone else named
without a number is the one ``identity_not_matched``); the desk may attest the document it saw in person
(``attested``: ``matched_archive`` false) -- the release then waits in ``attested`` until a CS manager or
centre manager who did not attest it approves the check (``approve_attestation``, 主管复核: four eyes, 422
``own_attestation``; ``identity.reviewed``); finance cannot sign it before. By phone,
no family member named is right only for a one-person household.

1. **verify** (核查业主资料): the desk checks who asks -- in person the ID document itself
   (``in_person``: type and number); by phone the ID number, the family members and the employer
   (``by_phone``), "so a tenant cannot pose as the owner" -- and attests that it matched the
   household file (``matched_archive``; a check that did not match is refused). tickets reads the
   household's people from archive too (:func:`household_match`): the person checked must be of
   the household in a role the requester's allows (an owner is an owner there), and every family
   member named by phone one of its people; archive down is ``503 archive_unavailable``. The requester's
   role in the household is recorded; a tenant's or an agent's release needs the owner's consent
   (核实业主意见). Staff may record the check when they record the request (one call).
   The ID number the desk saw is checked first (``kernel.validators.require_id_number``: a wrong GB
   11643 check digit is ``422 id_number_invalid``) and then compared with the file's by archive
   (``match_identity`` through the desk's shared guard, ``identity.py`` 身份核验: matched / not matched
   only, logged in the file's access log; nobody to ask fails closed): not matched is ``422
   identity_not_matched`` (Chinese and English, one answer for every no); archive refusing more
   matches for the unit today is ``422 identity_match_locked``; archive down ``503 archive_unavailable``.
   A resident's own request names the resident: who he is in the file, resolved by archive from his
   signed account (his bound household; his account's name compared normalised -- NFKC, blanks dropped),
   the file's name, role and person id recorded (``requester_person_id``) -- an owner may not declare
   themselves a tenant, nor a tenant an owner.
2. The unit, the requester, the mover's name and ID (kept masked: ``kernel.privacy``), the items
   (name, quantity) and the moving time are recorded with the request (统计相关资料).
3. **approve** (核查费用, 由财务人员签字确定): finance signs once **billing** says the unit owes
   nothing (``goods_release.block_on``: everything due, by default, or only overdue bills).
4. **issue** (署名经办人, 设有编号): the desk issues the numbered pass (``FX-YYYYMMDD-NNNN`` per
   project and local day) -- billing is asked again at that moment: a bill posted since the
   signature refuses it too.
5. **use**: security marks the pass used at the gate (once) -- only within the pass's validity window
   (:func:`use_window`: from the start of the moving day, the project's local day of ``move_at``, to
   its end plus ``goods_release.use_hours_after_move_day``, 6 h); before or after it the gate's ``use``
   is ``409 pass_outside_window`` (Chinese and English, naming the window). **void** (作废): the CS
   manager or the centre manager, with the reason, before it is used.

**The printed pass** (打印记录, :func:`record_print`): every print of an issued pass is recorded -- a
``print`` entry in its log (who, when, the print's number), the first print's ``printed_at`` /
``printed_by`` and the ``print_count`` on the release; a later print of the pass is a reprint (补打)
and is marked so on paper. A print changes no state (it is no row of :data:`TABLE`): whoever reads the
release may print it (the unit's residents, the desk, finance, security, managers).

The fee check is a synchronous question to billing (``ask_fees(unit_id)``, given by the service:
billing's ``has_arrears`` with a timeout). Unpaid > 0.00 is ``409 arrears_outstanding`` naming the
amount in yuan; billing down or silent is ``503 billing_unavailable`` -- the pass is never issued
without billing's answer (fail closed). Nothing is written on a refusal.
"""
from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel.clock import DEFAULT_TZ
from kernel.copies import snapshot_page
from kernel.errors import InvalidInput
from kernel.money import ZERO, money
from kernel.privacy import free_text_for, mask_id_number
from kernel.tenancy import Caller, Role
from kernel.validators import name_key, normalize_id_number, require_id_number
from kernel.work import Work

from .. import events
from ..exceptions import (ArchiveUnavailable, ArrearsOutstanding, GoodsReleaseNotFound, IdentityNotMatched,
                          IdNumberNotOnFile, MoveTimeRefused, NotPrintable, NotYourStep, OwnAttestation,
                          OwnerConsentRequired, PassOutsideWindow, TooManyItems, TransitionNotAllowed)
from ..models import GoodsRelease, GoodsReleaseLog, ProjectCopy, UnitCopy
from . import identity, release_settings, repairs, workflow
from .identity import AskIdentity

KIND = "goods_release"
repairs.NUMBER_PREFIX[KIND] = "FX"

REQUESTED, VERIFIED, APPROVED, ISSUED, USED, VOIDED, WITHDRAWN = (
    "requested", "verified", "approved", "issued", "used", "voided", "withdrawn")
#: 已当面核验·待主管复核: the desk attested the document it saw in person (no ID number on file); a
#: supervisor who did not attest it approves it before finance signs (four eyes)
ATTESTED = "attested"
STATES = (REQUESTED, VERIFIED, ATTESTED, APPROVED, ISSUED, USED, VOIDED, WITHDRAWN)
OPEN_STATES = (REQUESTED, VERIFIED, ATTESTED, APPROVED, ISSUED)
VERIFY, APPROVE, ISSUE, USE, VOID, WITHDRAW = "verify", "approve", "issue", "use", "void", "withdraw"
#: 主管复核: the supervisor approves an attested check
APPROVE_ATTESTATION = "approve_attestation"
#: the actions a caller asks for (``verify`` that ends attested is the table's ``attest`` row)
ACTIONS = (VERIFY, APPROVE_ATTESTATION, APPROVE, ISSUE, USE, VOID, WITHDRAW)
#: a ``verify`` whose check is attested (当面核验证件, no number on file): the table's row, chosen by the
#: rules once the check is recorded -- never asked for by name
ATTEST = "attest"
#: a print of the pass (打印): logged, counted, no step of the table (the state does not change)
PRINT = "print"

#: parties of the table
DESK, FINANCE, SECURITY, MANAGER, SYSTEM = "desk", "finance", "security", "manager", workflow.SYSTEM
#: 主管复核: who approves an attested in-person check -- never who attested it
SUPERVISOR = "supervisor"
#: the resident who asked (撤回 their own request)
REQUESTER = "requester"
#: the service centre's desk (总台 / 管家 / 客服部): records, checks identity, issues
DESK_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: finance signs the fees settled (财务人员签字)
FINANCE_ROLES = (Role.FINANCE,)
#: the gate (护卫部)
SECURITY_ROLES = (Role.SECURITY,)
#: who voids a pass (作废): the CS manager, the service-centre manager
MANAGER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who approves an attested check (客服主管复核): the CS manager, the service-centre manager
SUPERVISOR_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who reads a project's passes (the desk, finance, the gate, the managers)
READER_ROLES = DESK_ROLES + FINANCE_ROLES + SECURITY_ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
PARTY_ROLES = {DESK: DESK_ROLES, FINANCE: FINANCE_ROLES, SECURITY: SECURITY_ROLES, MANAGER: MANAGER_ROLES,
               SUPERVISOR: SUPERVISOR_ROLES}

#: who the requester is in the household; a tenant or an agent needs the owner's consent
REQUESTER_ROLES = ("owner", "family", "tenant", "agent")
CONSENT_NEEDED = ("tenant", "agent")
IDENTITY_METHODS = ("in_person", "by_phone")

_step = workflow._step
TABLE: dict[tuple[str, str], workflow.Step] = {
    (REQUESTED, VERIFY): _step(VERIFIED, DESK),
    (VERIFIED, VERIFY): _step(VERIFIED, DESK),            # checked again (a second call, a correction)
    (ATTESTED, VERIFY): _step(VERIFIED, DESK),            # checked again with a number now on file
    # a verify whose check the desk attested (no number on file): waits for a supervisor's approval
    (REQUESTED, ATTEST): _step(ATTESTED, DESK),
    (VERIFIED, ATTEST): _step(ATTESTED, DESK),
    (ATTESTED, ATTEST): _step(ATTESTED, DESK),
    # 主管复核: the CS manager or the centre manager who did not attest it (four eyes)
    (ATTESTED, APPROVE_ATTESTATION): _step(VERIFIED, SUPERVISOR),
    (VERIFIED, APPROVE): _step(APPROVED, FINANCE),
    (APPROVED, ISSUE): _step(ISSUED, DESK),
    (ISSUED, USE): _step(USED, SECURITY),
    # the managers void with a reason; the platform voids a moved-out household's open passes
    **{(s, VOID): _step(VOIDED, MANAGER, SYSTEM) for s in OPEN_STATES},
    # 撤回: the resident who asked, or the desk for them, before finance signs (notify tells nobody)
    (REQUESTED, WITHDRAW): _step(WITHDRAWN, REQUESTER, DESK),
    (VERIFIED, WITHDRAW): _step(WITHDRAWN, REQUESTER, DESK),
    (ATTESTED, WITHDRAW): _step(WITHDRAWN, REQUESTER, DESK),
}
#: the parties' names in messages (Chinese, English)
PARTY_NAMES = {DESK: ("服务中心", "the service centre's"), FINANCE: ("财务人员", "finance's"),
               SECURITY: ("护卫部", "security's"), MANAGER: ("客服经理或服务中心经理", "the managers'"),
               SUPERVISOR: ("客服经理或服务中心经理（非核验人）", "a supervisor's (the CS or centre manager who did not attest)"),
               REQUESTER: ("申请住户本人", "the requesting resident's")}
STATE_NAMES = {REQUESTED: "已申请", VERIFIED: "已核查", ATTESTED: "已当面核验待主管复核", APPROVED: "财务已签字", ISSUED: "已签发", USED: "已放行",
               VOIDED: "已作废", WITHDRAWN: "已撤回"}
ACTION_NAMES = {VERIFY: "核查身份", ATTEST: "当面核验证件", APPROVE_ATTESTATION: "主管复核", APPROVE: "财务签字", ISSUE: "签发", USE: "放行", VOID: "作废", WITHDRAW: "撤回"}
#: the platform's void when the household moves out (过户 / 迁出)
MOVED_OUT_REASON = "过户/迁出：住户已迁出 the household moved out"

#: ``ask_fees(unit_id) -> {"balance_due", "overdue", "as_of", ...}`` (billing's ``has_arrears``);
#: raises ``BillingUnavailable`` / ``NoFeeAccount``
AskFees = Callable[[str], dict]
#: ``ask_household(unit_id) -> [{"name", "role"}, ...]``: the people of the unit's household in the
#: household file (archive's ``contacts_for_notify``, read with the stated purpose
#: :data:`ARCHIVE_PURPOSE`, so the read is in the file's access log); raises ``ArchiveUnavailable``
AskHousehold = Callable[[str], list]
ARCHIVE_PURPOSE = "物品放行身份核查 goods release identity check"
#: the household-file roles a requester of each role may have
ROLE_MATCHES = {"owner": ("owner",), "family": ("owner", "family"), "tenant": ("tenant",)}
#: the one answer for a person checked who does not match the file -- a name not in it, a role not
#: theirs, a wrong number alike (no name enumeration, trial 4 M7)
NOT_MATCHED_EN = ("the person checked does not match the household file (name, role and ID number): no goods "
                  "release -- a failed match is counted")
NOT_MATCHED_ZH = "核查对象与业户档案不符（姓名、身份或证件号码），不能办理物品放行"
NOT_MATCHED = (NOT_MATCHED_EN, NOT_MATCHED_ZH)


def table_rows() -> list[tuple[str, str, str, str]]:
    """(from, action, to, who) for documentation."""
    return [(s, a, st.to, ", ".join(sorted(st.who))) for (s, a), st in TABLE.items()]


# -- records ------------------------------------------------------------------------------------

def _missing(release_id: str) -> GoodsReleaseNotFound:
    return GoodsReleaseNotFound(f"no goods release {release_id}")


def _load(work: Work, release_id: str) -> GoodsRelease:
    release = work.session.get(GoodsRelease, release_id)
    if release is None:
        raise _missing(release_id)
    caller = work.caller
    repairs.in_unit(work, release.group_id, release.project_id, release.unit_id, not_found=_missing(release_id))
    if caller.is_resident and release.requester_user_id != caller.user_id \
            and not repairs.sees_record(work, release):
        raise _missing(release_id)          # a later household of the unit does not read an earlier one's
    if caller.is_staff and not caller.has_role(*READER_ROLES):
        raise _missing(release_id)
    return release


def _log(work: Work, release: GoodsRelease, action: str, note: str = "") -> None:
    caller = work.caller
    release.history.append(GoodsReleaseLog(
        id=str(uuid.uuid4()), group_id=release.group_id, project_id=release.project_id,
        seq=len(release.history) + 1, at=work.clock.now(), actor_id=caller.user_id,
        actor_name=caller.name or "", action=action, note=note or ""))


def _a(role: str) -> str:
    """``an owner``, ``a tenant``."""
    return f"{'an' if role[:1] in 'aeiou' else 'a'} {role}"


def requester_match(people: list, requester_name: str, requester_role: str) -> list[str]:
    """Is the requester the desk names one of the household's people in the role they claim (an
    owner, a family member, a tenant; an agent need not be of the household)? The reasons not. Names are
    compared as ``kernel.validators.name_key`` folds them (blanks, full-width, case)."""
    if requester_role not in ROLE_MATCHES:
        return []
    if not people:
        return ["no household lives in the unit"]
    roles = {p["role"] for p in people if name_key(p["name"]) == name_key(requester_name)}
    if requester_role in roles:
        return []
    return [f"{requester_name} is not {_a(requester_role)} of the household"
            + (f" (the file says {', '.join(sorted(roles))})" if roles else " (not in the household file)")]


def household_match(people: list, requester_role: str, check: dict) -> dict:
    """Does the identity check agree with the household file? The person checked is one of the
    household's people in a role the requester's role allows (an owner is an owner there: a tenant
    cannot pose as one); an agent (代办) need not be of the household. By phone, every family member
    the caller named is one of the household's people. ``{"matched", "person_role", "reasons"}``. Names are
    compared as ``kernel.validators.name_key`` folds them ("李 娜", "李娜" and full-width are one name)."""
    names = {name_key(p["name"]): p["role"] for p in people}
    reasons, person_role = [], names.get(name_key(check["person_name"]))
    if not people:
        reasons.append("no household lives in the unit")
    elif requester_role in ROLE_MATCHES and person_role not in ROLE_MATCHES[requester_role]:
        reasons.append(f"{check['person_name']} is not {_a(requester_role)} of the household"
                       + (f" (the file says {person_role})" if person_role else ""))
    if check["method"] == "by_phone" and requester_role in ROLE_MATCHES:
        named = list(check.get("family_members") or ())
        strangers = [n for n in named if name_key(n) not in names]
        if strangers:
            reasons.append(f"not of the household: {', '.join(strangers)}")
        others = [n for n in names if n != name_key(check["person_name"])]
        if not named and others:
            # an empty list only when the file has no one else (a one-person household, trial 4 M8)
            reasons.append("the caller named no family members, and the file has other people")
    return {"matched": not reasons, "person_role": person_role, "reasons": reasons}


def _people(ask_household: AskHousehold | None, unit_id: str) -> list:
    """The household file's people of the unit (archive, asked as the caller; fail closed)."""
    if ask_household is None:
        raise ArchiveUnavailable("the household file (archive) cannot be asked: no identity check")
    return ask_household(unit_id)


def _match_person(work: Work, release: GoodsRelease, ask_identity: AskIdentity | None, name: str, number: str,
                  id_type: str | None, roles: tuple, attested: bool = False, role_checked: bool = False) -> dict:
    """archive's match of ``name`` with ``number`` among the household's people in ``roles`` -- one
    answer for every kind of no (:data:`NOT_MATCHED_EN`), counted by archive. ``{"role",
    "matched_archive"}``. Only when the person's role in the file is already checked (``role_checked``,
    :func:`household_match`) is a person with no number on file archive's 422 ``id_number_not_on_file``
    (counted towards the lock like a wrong number) -- and then the desk may attest the document it saw
    in person (``attested``: ``matched_archive: false``, the role the file's). Otherwise that answer too
    is the one ``identity_not_matched`` (it would tell a name is in the file)."""
    try:
        role = identity.require(ask_identity, release.unit_id, name, number, id_type, roles, NOT_MATCHED,
                                no_number_answer=role_checked)
    except IdNumberNotOnFile:
        if not attested:
            raise
        return {"role": None, "matched_archive": False}
    return {"role": role, "matched_archive": True}


def _consent(work: Work, release: GoodsRelease, consent: dict | None, ask_identity: AskIdentity | None) -> dict:
    """The owner's consent (核实业主意见) to a tenant's or an agent's release, verified: the
    consenting owner is an owner in the household file, matched by name and ID number through
    archive's ``match_identity`` (counted like any match) -- in person with the owner's document, or
    by phone with the owner's ID number. The record keeps the method and the number masked."""
    if not consent or not consent.get("id_number"):
        raise OwnerConsentRequired(
            f"a {release.requester_role}'s goods release needs the owner's consent verified: the owner's name, "
            "how (in_person / by_phone) and the owner's ID number (owner_consent: name, how, id_number)",
            zh="租户或代办人办理物品放行须核实业主意见：业主姓名、核实方式及业主证件号码")
    number = require_id_number(consent["id_number"], consent.get("id_type"))
    found = _match_person(work, release, ask_identity, consent["name"], number, consent.get("id_type"), ("owner",))
    return {"name": consent["name"], "how": consent["how"], "note": consent.get("note") or "",
            "id_type": consent.get("id_type"), "id_number_masked": mask_id_number(number),
            "matched_archive": found["matched_archive"], "checked_by": work.caller.user_id,
            "checked_at": work.clock.now().isoformat()}


def _identity(work: Work, release: GoodsRelease, data: dict, ask_household: AskHousehold | None,
              people: list | None = None, ask_identity: AskIdentity | None = None) -> None:
    """Record the identity check (核查业主资料) and the owner's consent where one is needed.

    An owner or a family member: the person checked is matched with the file (name, role, number).
    A tenant: the tenant matched, and the owner's consent verified (:func:`_consent`). An agent
    (代办): their document recorded (masked), but the check that lets the release be verified is
    the consenting owner's -- an outsider calling themselves an agent gets nothing."""
    check = data["identity"]
    attested = bool(check.get("attested"))      # the file holds no number: the document seen in person
    if not check["matched_archive"] and not attested:
        raise IdentityNotMatched("the desk recorded that the person checked does not match the unit's household "
                                 "file (matched_archive: false): no goods release without a matching identity "
                                 "check -- a tenant may not pose as the owner",
                                 zh="核查结果与业户档案不符，不能办理物品放行")
    if attested and check["method"] != "in_person":
        raise IdentityNotMatched("only a document seen in person may be attested without a number on file",
                                 zh="档案未登记证件号码时只能当面核验证件原件")
    number = require_id_number(check.get("id_number"), check.get("id_type"))     # 422 before asking anyone
    found = household_match(people if people is not None else _people(ask_household, release.unit_id),
                            release.requester_role, check)
    matched_archive = True
    if release.requester_role in ROLE_MATCHES:
        # one of the household's people: the number the desk saw must be the file's -- archive is asked
        # even when the file's names already say no, so that every refusal counts towards its lock
        person = _match_person(work, release, ask_identity, check["person_name"], number, check.get("id_type"),
                               ROLE_MATCHES[release.requester_role], attested and found["matched"],
                               role_checked=found["matched"])
        matched_archive = person["matched_archive"]
    if not found["matched"]:
        raise IdentityNotMatched(NOT_MATCHED_EN, zh=NOT_MATCHED_ZH)
    if attested and release.requester_role not in ROLE_MATCHES:
        raise IdentityNotMatched("an agent's document is recorded, not attested: the owner's consent is checked",
                                 zh="代办人证件仅作登记，须核实业主意见")
    consent = data.get("owner_consent") or release.owner_consent
    verified_consent = None
    if release.requester_role in CONSENT_NEEDED:
        verified_consent = _consent(work, release, consent, ask_identity)
    release.identity = {
        "method": check["method"], "person_name": check["person_name"],
        "id_type": check.get("id_type"), "id_number_masked": mask_id_number(number),
        "family_members": list(check.get("family_members") or []), "employer": check.get("employer"),
        "matched_archive": matched_archive,
        "household_role": found["person_role"] if release.requester_role in ROLE_MATCHES else None,
        "attested": not matched_archive,
        "checked_by": {"user_id": work.caller.user_id, "name": work.caller.name or ""},
        "checked_at": work.clock.now().isoformat(), "note": check.get("note") or "",
    }
    if verified_consent is not None:
        release.owner_consent = verified_consent
    elif consent:
        release.owner_consent = {k: consent.get(k) for k in ("name", "how", "note")}


def check_move_at(work: Work, project_id: str, move_at) -> None:
    """The moving time is now or later -- a few minutes late allowed
    (``goods_release.move_at_past_tolerance_minutes``, 60) -- and at most
    ``goods_release.move_at_max_days_ahead`` (30) days ahead (搬离时间)."""
    now = work.clock.now()
    tolerance = work.settings.get(project_id, release_settings.MOVE_AT_PAST_TOLERANCE)
    ahead = work.settings.get(project_id, release_settings.MOVE_AT_MAX_DAYS_AHEAD)
    zone = project_zone(work, project_id)
    limits = {"move_at": move_at.astimezone(zone).isoformat(), "now": now.astimezone(zone).isoformat(),
              "past_tolerance_minutes": tolerance, "max_days_ahead": ahead}
    if move_at < now - timedelta(minutes=tolerance):
        raise MoveTimeRefused(f"the moving time {move_at.isoformat()} is in the past: a goods release is asked "
                              f"for a move to come (at most {tolerance} minutes late)", details=limits,
                              zh=f"搬离时间已过（最多可晚 {tolerance} 分钟登记），请填写实际的搬离时间")
    if move_at > now + timedelta(days=ahead):
        raise MoveTimeRefused(f"the moving time {move_at.isoformat()} is more than {ahead} days ahead "
                              "(goods_release.move_at_max_days_ahead)", code="move_at_too_far", details=limits,
                              zh=f"搬离时间超过 {ahead} 天之后，请临近搬离时再办理")


def _resident_requester(work: Work, unit: UnitCopy, data: dict, ask_identity: AskIdentity | None) -> dict:
    """A resident's own request names the resident -- who he is in the household file, not how his account
    spells his name: archive resolves his person of the household his signed scope is bound to
    (:func:`identity.resident_self`: his account's name compared normalised, NFKC and blanks dropped, so
    "张 伟" or full-width "ＺＨＡＮＧ　ＷＥＩ" is the file's person; accounts carry no link to a person). The
    release records that person's id and the file's name. ``requester_name``, if given, is his own
    (compared the same way); another name, an owner declaring themselves a tenant, a tenant an owner, or a
    resident acting as an agent is 422 ``identity_not_matched``; archive not answering 503."""
    caller = work.caller
    declared, named = data["requester_role"], (data.get("requester_name") or "").strip()
    if named and name_key(named) != name_key(caller.name):
        raise IdentityNotMatched(f"a resident asks for a goods release as themselves ({caller.name}), not as {named}; "
                                 "the service centre records a request for someone else",
                                 zh="住户本人只能以自己的名义申请物品放行，代他人申请请到服务中心办理")
    if declared not in ROLE_MATCHES:
        raise IdentityNotMatched(f"a resident asks as themselves, not as {_a(declared)}: an agent's (代办) request "
                                 "is recorded by the service centre", zh="住户本人不能以代办人身份申请，代办请到服务中心办理")
    person = identity.resident_self(ask_identity, unit.id, caller.name)
    if person is None:
        raise IdentityNotMatched(f"{caller.name or 'the resident'} is not one of unit {unit.label}'s household's people "
                                 "in the household file: ask the service centre",
                                 zh="您不在该房屋的业户档案人员名单中，请到服务中心办理")
    role = person["role"]
    if role not in ROLE_MATCHES[declared]:
        raise IdentityNotMatched(f"{caller.name} is {_a(role or 'resident')} of the household in the file, not "
                                 f"{_a(declared)}", zh=f"业户档案登记的身份与申请身份（{declared}）不符",
                                 details={"file_role": role, "declared": declared})
    return person


def request(work: Work, data: dict, ask_household: AskHousehold | None = None,
            ask_identity: AskIdentity | None = None) -> GoodsRelease:
    """Record a goods release: a resident for their own unit (``requested``), or the desk for a
    resident -- with the identity check already done, straight to ``verified``."""
    caller, now = work.caller, work.clock.now()
    unit = work.session.get(UnitCopy, data["unit_id"])
    if unit is None:
        raise repairs._no_unit(data["unit_id"])
    repairs.in_unit(work, unit.group_id, unit.project_id, unit.id, not_found=repairs._no_unit(unit.id))
    project = repairs._project(work, unit.project_id)
    requester_name, requester_person_id = (data.get("requester_name") or "").strip(), None
    if caller.is_resident:
        if data.get("identity"):
            raise NotYourStep("the service centre checks identity (verify), not the resident")
        person = _resident_requester(work, unit, data, ask_identity)
        requester_name, requester_person_id = person["name"], person["person_id"]
    people = None
    if not caller.is_resident:
        caller.require_role(*DESK_ROLES)
        # the desk names the requester (not itself); an owner, family member or tenant is one of the
        # household's people in that role (archive's file, read as the desk -- logged there)
        if not (data.get("requester_name") or "").strip():
            raise InvalidInput("the desk names the resident who asks for the release (requester_name)",
                               code="requester_name_required", zh="前台须填写申请放行的住户姓名（requester_name）")
        if data["requester_role"] in ROLE_MATCHES:
            people = _people(ask_household, unit.id)
            reasons = requester_match(people, data["requester_name"].strip(), data["requester_role"])
            if reasons:
                raise IdentityNotMatched(f"the requester does not agree with unit {unit.label}'s household file "
                                         "(name and role)", zh="申请人与业户档案不符（姓名或身份）")
    check_move_at(work, project.id, data["move_at"])
    limit = work.settings.get(project.id, release_settings.MAX_ITEMS)
    if len(data["items"]) > limit:
        raise TooManyItems(f"at most {limit} item lines on one pass (goods_release.max_items)",
                           zh=f"每张放行单最多列 {limit} 项物品",
                           details={"limit": limit, "count": len(data["items"])})
    release = GoodsRelease(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, unit_id=unit.id,
        unit_label=unit.label, household_id=unit.household_id, number=None, status=REQUESTED,
        requester_name=requester_name or caller.name or unit.contact_name or "",
        requester_role=data["requester_role"],
        requester_user_id=caller.user_id if caller.is_resident else data.get("requester_user_id"),
        requester_person_id=requester_person_id,
        owner_consent=({k: data["owner_consent"].get(k) for k in ("name", "how", "note")}
                       if data.get("owner_consent") else None),        # verified (and masked) at verify
        mover_name=data["mover_name"], mover_id_type=data["mover_id_type"],
        mover_id_masked=mask_id_number(normalize_id_number(data["mover_id_number"])),
        items=[{"name": i["name"], "quantity": i["quantity"]} for i in data["items"]],
        move_at=data["move_at"], note=data.get("note") or "", recorded_by=caller.user_id, recorded_at=now,
        version=1, history=[])
    work.session.add(release)
    _log(work, release, "request", release.note)
    if data.get("identity"):
        _identity(work, release, data, ask_household, people, ask_identity)
        checked = ATTEST if release.identity.get("attested") else VERIFY
        release.status = TABLE[(REQUESTED, checked)].to         # attested: a supervisor approves it first
        _log(work, release, checked, data["identity"].get("note") or "")
    work.session.flush()
    _changed(work, release, "request", None, now)       # to ``verified`` when checked in the same call
    return release


def _check_fees(work: Work, release: GoodsRelease, ask_fees: AskFees) -> dict:
    """Ask billing now; refuse while anything is unpaid (``goods_release.block_on``)."""
    answer = ask_fees(release.unit_id)
    block_on = work.settings.get(release.project_id, release_settings.BLOCK_ON)
    balance_due, overdue = money(answer["balance_due"]), money(answer["overdue"])
    unpaid = max(balance_due if block_on == "balance_due" else overdue, ZERO)
    fees = {"unpaid": str(unpaid), "balance_due": str(balance_due), "overdue": str(overdue),
            "as_of": str(answer.get("as_of")), "block_on": block_on,
            "checked_at": work.clock.now().isoformat()}
    if unpaid > ZERO:
        raise ArrearsOutstanding(
            f"unit {release.unit_label} has {unpaid} yuan unpaid: every fee must be settled before a "
            f"goods release (结清全部费用)", details=fees,
            zh=f"{release.unit_label} 尚有 {unpaid} 元费用未结清，结清全部费用后方可放行")
    return fees


def step(work: Work, release_id: str, data: dict, ask_fees: AskFees,
         ask_household: AskHousehold | None = None, ask_identity: AskIdentity | None = None) -> GoodsRelease:
    """One step of :data:`TABLE` (``data["action"]``): the state and the party checked, billing
    asked for ``approve`` and ``issue`` before anything is written."""
    release = _load(work, release_id)
    caller, action = work.caller, data["action"]
    # the party first (an outsider learns nothing of the state, trial 4 L5), then the state
    parties = set().union(*(st.who for (_, a), st in TABLE.items() if a == action))
    if not (caller.is_system and SYSTEM in parties) and not any(_takes(work, release, p) for p in parties):
        party = sorted(parties - {SYSTEM, REQUESTER})[0]
        zh_party, en_party = PARTY_NAMES[party]
        raise NotYourStep(f"{action} is {en_party} step", details={"party": party},
                          zh=f"“{ACTION_NAMES[action]}”应由{zh_party}办理")
    found = TABLE.get((release.status, action))
    if found is None:
        raise TransitionNotAllowed(f"a goods release that is {release.status} cannot be taken to {action}",
                                   details={"state": release.status, "action": action},
                                   zh=f"该放行单{STATE_NAMES[release.status]}，不能{ACTION_NAMES[action]}")
    if not (caller.is_system and SYSTEM in found.who) and not any(_takes(work, release, p) for p in found.who):
        party = sorted(found.who - {SYSTEM, REQUESTER})[0]
        zh_party, en_party = PARTY_NAMES[party]
        raise NotYourStep(f"{action} is {en_party} step", details={"party": party},
                          zh=f"“{ACTION_NAMES[action]}”应由{zh_party}办理")
    now, note = work.clock.now(), data.get("note") or ""
    logged = action
    if action == VERIFY:
        _identity(work, release, data, ask_household, ask_identity=ask_identity)
        note = data["identity"].get("note") or note
        if release.identity.get("attested"):
            logged, found = ATTEST, TABLE[(release.status, ATTEST)]
    elif action == APPROVE_ATTESTATION:
        _approve_attestation(work, release, note, now)
    elif action == APPROVE:
        release.fees = _check_fees(work, release, ask_fees)
        release.finance_signed_by, release.finance_signed_name = caller.user_id, caller.name or ""
        release.finance_signed_at = now
    elif action == ISSUE:
        release.fees = _check_fees(work, release, ask_fees)
        project = repairs._project(work, release.project_id)
        release.number = repairs._next_number(work, project, KIND, now)
        release.issued_by, release.issued_name, release.issued_at = caller.user_id, caller.name or "", now
    elif action == USE:
        check_use_window(work, release, now)
        release.used_by, release.used_name, release.used_at = caller.user_id, caller.name or "", now
    elif action == WITHDRAW:
        note = data.get("reason") or note
    elif action == VOID:
        note = data["reason"]
        release.voided_by, release.voided_name, release.voided_at = caller.user_id, caller.name or "", now
        release.void_reason = note
    before = release.status
    release.status = found.to
    release.version += 1
    _log(work, release, logged, note)
    work.session.flush()
    event = {ISSUE: events.GOODS_RELEASE_ISSUED, USE: events.GOODS_RELEASE_USED,
             VOID: events.GOODS_RELEASE_VOIDED}.get(action)
    if event is not None:
        work.events.record(event, event_payload(release, before, action, note, now, caller),
                           group_id=release.group_id, project_id=release.project_id)
    _changed(work, release, logged, before, now)
    return release


def _approve_attestation(work: Work, release: GoodsRelease, note: str, now: datetime) -> None:
    """主管复核: a supervisor approves the desk's attested in-person check -- never who attested it (four
    eyes: 422 ``own_attestation``); recorded in the check (``identity.reviewed``: who, when, the note)."""
    caller, checked = work.caller, dict(release.identity or {})
    if (checked.get("checked_by") or {}).get("user_id") == caller.user_id:
        raise OwnAttestation(f"{caller.name or caller.user_id} attested this check: another CS manager or centre "
                             "manager approves it (four eyes)", details={"attested_by": checked.get("checked_by")},
                             zh="您是该证件的当面核验人，须由另一名客服经理或服务中心经理复核")
    checked["reviewed"] = {"user_id": caller.user_id, "name": caller.name or "", "at": now.isoformat(),
                           "note": note}
    release.identity = checked


def _takes(work: Work, release: GoodsRelease, party: str) -> bool:
    """Does the caller take ``party``'s steps on this release?"""
    caller = work.caller
    if party == SYSTEM:
        return False
    if party == REQUESTER:
        return caller.is_resident and bool(release.requester_user_id) and release.requester_user_id == caller.user_id
    return not caller.is_resident and caller.has_role(*PARTY_ROLES[party])


def project_zone(work: Work, project_id: str) -> ZoneInfo:
    """The project's time zone: every time a goods-release answer states (``move_at``, the gate's window,
    ``now`` in a refusal's details) is in it (+08:00), whatever zone the database or the clock gave."""
    project = work.session.get(ProjectCopy, project_id)
    return ZoneInfo((project.timezone if project is not None else None) or DEFAULT_TZ)


def use_window(work: Work, release: GoodsRelease) -> tuple[datetime, datetime]:
    """The pass's validity window at the gate (放行条有效时间): from the start of the moving day -- the
    project's local day of ``move_at`` -- to the day's end plus ``goods_release.use_hours_after_move_day``
    (a move running past midnight)."""
    zone = project_zone(work, release.project_id)
    day = release.move_at.astimezone(zone).date()
    hours = work.settings.get(release.project_id, release_settings.USE_HOURS_AFTER_MOVE_DAY)
    start = datetime.combine(day, time(0, 0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=zone) + timedelta(hours=hours)
    return start, end


def check_use_window(work: Work, release: GoodsRelease, now: datetime) -> None:
    """The gate lets the goods out only within :func:`use_window`: before the moving day the pass is
    not good yet, after the window it has expired (the desk voids it and issues a new one for the new
    day) -- ``409 pass_outside_window``, nothing written."""
    start, end = use_window(work, release)
    if start <= now < end:
        return
    shown_zh = f"{start.strftime('%Y-%m-%d %H:%M')} 至 {end.strftime('%Y-%m-%d %H:%M')}"
    shown = f"{start.strftime('%Y-%m-%d %H:%M')} to {end.strftime('%Y-%m-%d %H:%M')}"
    zone = start.tzinfo
    details = {"move_at": release.move_at.astimezone(zone).isoformat(), "valid_from": start.isoformat(),
               "valid_until": end.isoformat(), "now": now.astimezone(zone).isoformat(),
               "reason": "too_early" if now < start else "expired",
               "hours_after_move_day": work.settings.get(release.project_id, release_settings.USE_HOURS_AFTER_MOVE_DAY)}
    if now < start:
        raise PassOutsideWindow(
            f"pass {release.number} is good at the gate only from its moving day: {shown} (the project's time); "
            "not yet", details=details,
            zh=f"放行条 {release.number} 尚未生效：仅在搬出日当天有效（{shown_zh}），现在不能放行")
    raise PassOutsideWindow(
        f"pass {release.number} has expired: it was good at the gate {shown} (the project's time, "
        "goods_release.use_hours_after_move_day) -- the service centre voids it and issues a new one",
        details=details,
        zh=f"放行条 {release.number} 已过有效时间（{shown_zh}），不能放行，请到服务中心作废后重新办理")


def record_print(work: Work, release_id: str) -> tuple[GoodsRelease, dict]:
    """Record a print of the pass (打印记录): the first print's ``printed_at`` / ``printed_by``, the
    ``print_count``, a ``print`` entry in the log (``第N次打印``, ``（补打）`` from the second) and
    ``goods_release.changed`` (step ``print``, the state unchanged). Whoever reads the release may
    print it; a release not issued yet has no pass (422 ``pass_not_issued``, nothing written).
    ``(release, print)`` with ``print = {"number", "at", "by": {user_id, name}, "reprint"}``."""
    if work.session.get_bind().dialect.name == "postgresql":
        # two prints at once are two prints: the row locked (and read afresh), so no count or log entry is lost
        work.session.scalars(select(GoodsRelease).where(GoodsRelease.id == release_id).with_for_update()
                             .execution_options(populate_existing=True)).first()
    release = _load(work, release_id)
    if not release.number:
        raise NotPrintable(f"goods release {release_id} has no pass yet ({release.status}): it is printed once "
                           "issued", code="pass_not_issued", zh="放行条尚未签发，签发后才能打印")
    caller, now = work.caller, work.clock.now()
    release.print_count = (release.print_count or 0) + 1
    if release.printed_at is None:
        release.printed_by, release.printed_name, release.printed_at = caller.user_id, caller.name or "", now
    reprint = release.print_count > 1
    release.version += 1
    _log(work, release, PRINT, f"第{release.print_count}次打印" + ("（补打）" if reprint else ""))
    work.session.flush()
    _changed(work, release, PRINT, release.status, now)
    return release, {"number": release.print_count, "at": now, "reprint": reprint,
                     "by": {"user_id": caller.user_id, "name": caller.name or ""}}


def on_household_moved_out(work: Work, unit_id: str, household_id: str) -> list[GoodsRelease]:
    """archive's ``household.changed`` of a household that moved out of ``unit_id`` (a move-out or
    the old owners of a transfer): each of its open goods releases is voided by the platform (the
    table's ``void``, :data:`MOVED_OUT_REASON`), with its log entry and events as a manager's void.
    Again (a redelivery): nothing is open any more."""
    open_ones = work.session.scalars(select(GoodsRelease.id).where(
        GoodsRelease.unit_id == unit_id, GoodsRelease.household_id == household_id,
        GoodsRelease.status.in_(OPEN_STATES)).order_by(GoodsRelease.recorded_at, GoodsRelease.id)).all()
    return [step(work, release_id, {"action": VOID, "reason": MOVED_OUT_REASON}, ask_fees=None)
            for release_id in open_ones]


def _changed(work: Work, release: GoodsRelease, action: str, before: str | None, at) -> None:
    """``goods_release.changed``: the whole pass after the step, and the step -- in the step's
    transaction (a request the desk checks at once: one event, ``request`` to ``verified``)."""
    caller = work.caller
    work.events.record(events.GOODS_RELEASE_CHANGED, {
        **document(release), "step": {"action": action, "from_": before, "to": release.status, "at": at,
                                  "actor": {"user_id": caller.user_id, "name": caller.name or ""}}},
        group_id=release.group_id, project_id=release.project_id)


# -- reads --------------------------------------------------------------------------------------

def get(work: Work, release_id: str) -> GoodsRelease:
    return _load(work, release_id)


def by_number(work: Work, project_id: str, number: str) -> GoodsRelease:
    """The pass the gate is shown (security looks it up by its number)."""
    project = repairs._project(work, project_id)
    caller = work.caller
    repairs.in_project(work, project.group_id, project.id, not_found=repairs._no_project(project_id))
    caller.require_role(*READER_ROLES)
    release = work.session.scalar(select(GoodsRelease).where(
        GoodsRelease.project_id == project.id, GoodsRelease.number == number))
    if release is None:
        raise GoodsReleaseNotFound(f"no goods release pass {number} in this project")
    return release


def for_unit(work: Work, unit_id: str, limit: int = 50, offset: int = 0) -> list[GoodsRelease]:
    """A unit's goods releases, newest first: its residents (their household's), the project's
    readers."""
    unit = work.session.get(UnitCopy, unit_id)
    if unit is None:
        raise repairs._no_unit(unit_id)
    caller = work.caller
    repairs.in_unit(work, unit.group_id, unit.project_id, unit.id, not_found=repairs._no_unit(unit_id))
    query = select(GoodsRelease).where(GoodsRelease.unit_id == unit.id)
    if caller.is_resident:
        query = query.where(repairs.resident_condition(work, GoodsRelease.unit_id, GoodsRelease.household_id,
                                                       [unit.id])
                            | (GoodsRelease.requester_user_id == caller.user_id))
    else:
        caller.require_role(*READER_ROLES)
    return list(work.session.scalars(query.order_by(GoodsRelease.recorded_at.desc(), GoodsRelease.id)
                                     .limit(limit).offset(offset)))


def view(release: GoodsRelease, caller: Caller) -> dict:
    """A release as ``caller`` may read it: its staff free text -- the request's ``note``, the identity check's
    and its review's notes, the owner's consent note, the ``void_reason`` and every ``history`` note --
    through the one rule, ``kernel.privacy.free_text_for`` (as typed for the desk; the ID numbers and
    mobiles in it masked for finance, the gate, the managers and the residents); ID numbers masked at the
    source, no phones. The gateway's read model (``views.release_view``) reads its stored copy the same way."""
    def read(text):
        return free_text_for(caller, text)
    doc = document(release)
    identity, consent = doc["identity"], doc["owner_consent"]
    if identity:
        identity = {**identity, "note": read(identity.get("note"))}
        if isinstance(identity.get("reviewed"), dict):
            identity["reviewed"] = {**identity["reviewed"], "note": read(identity["reviewed"].get("note"))}
    return {**doc, "note": read(doc["note"]), "void_reason": read(doc["void_reason"]), "identity": identity,
            "owner_consent": {**consent, "note": read(consent.get("note"))} if consent else consent,
            "history": [{**h, "note": read(h["note"])} for h in doc["history"]]}


def document(release: GoodsRelease) -> dict:
    """The release as written (``goods_release.changed``, a rebuild's page): readers get :func:`view`."""
    def who(user_id, name):
        return {"user_id": user_id, "name": name or ""} if user_id else None
    return {
        "id": release.id, "release_id": release.id, "group_id": release.group_id, "project_id": release.project_id,
        "unit_id": release.unit_id, "unit_label": release.unit_label, "household_id": release.household_id,
        "number": release.number, "status": release.status,
        "requester": {"name": release.requester_name, "role": release.requester_role,
                      "user_id": release.requester_user_id, "person_id": release.requester_person_id},
        "owner_consent": release.owner_consent,
        "mover": {"name": release.mover_name, "id_type": release.mover_id_type,
                  "id_number_masked": release.mover_id_masked},
        "items": release.items, "move_at": release.move_at, "note": release.note,
        "identity": release.identity, "fees": release.fees,
        "finance_signed": who(release.finance_signed_by, release.finance_signed_name),
        "finance_signed_at": release.finance_signed_at,
        "issued": who(release.issued_by, release.issued_name), "issued_at": release.issued_at,
        "used": who(release.used_by, release.used_name), "used_at": release.used_at,
        "voided": who(release.voided_by, release.voided_name), "voided_at": release.voided_at,
        "void_reason": release.void_reason,
        "printed": who(release.printed_by, release.printed_name), "printed_at": release.printed_at,
        "print_count": release.print_count or 0,
        "recorded_at": release.recorded_at, "version": release.version,
        "history": [{"at": h.at, "action": h.action, "actor": {"user_id": h.actor_id, "name": h.actor_name},
                     "note": h.note} for h in release.history],
    }


def snapshot(release: GoodsRelease) -> dict:
    """The ``goods_release.changed`` payload of a release as it stands (a rebuild's page): its last
    logged step as the step."""
    last = release.history[-1] if release.history else None
    return {**document(release), "step": {
        "action": last.action if last else "request", "from_": None, "to": release.status,
        "at": last.at if last else release.recorded_at,
        "actor": {"user_id": last.actor_id if last else release.recorded_by, "name": (last.actor_name if last else "") or ""}}}


def export_snapshots(work: Work, after: str | None, limit: int, project_id: str | None = None) -> list[dict]:
    """A page of current ``goods_release.changed`` snapshots in id order (the platform only)."""
    return [snapshot(r) for r in snapshot_page(work, GoodsRelease, after=after, limit=limit, project_id=project_id)]


def event_payload(release: GoodsRelease, before: str, action: str, note: str, at, caller) -> dict:
    return {"release_id": release.id, "number": release.number, "group_id": release.group_id,
            "project_id": release.project_id, "unit_id": release.unit_id, "unit_label": release.unit_label,
            "household_id": release.household_id, "from_": before, "to": release.status, "action": action,
            "items": release.items, "move_at": release.move_at, "at": at,
            "actor": {"user_id": caller.user_id, "name": caller.name or ""},
            "reason": note if action == VOID else None, "version": release.version}
