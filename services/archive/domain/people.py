"""A household's people (业户人员) and its lifecycle: owners, family members, tenants with their
lease (租户情况记录表), emergency contacts; every change of a person recorded at once with who
changed what from what to what (000 §八); move-in's checklist, move-out (迁出) and the transfer of
ownership (过户) with the unit's ownership history (产权记录).

The household lifecycle is :data:`LIFECYCLE`: a household is ``active`` from its move-in until
it moves out (``move_out``) or its unit changes hands (``transfer_out``); both leave it
``moved_out`` for good -- a household that comes back is a new household. A transfer is
``transfer_out`` of the old household and a move-in of the new owners' household on the same
day, in one transaction: the unit is never without its owners' record.

**A transfer does not keep tenants.** Their lease was with the old owner (the landlord): the old
household moves out whole, its leases end on the transfer date, and tenants who stay register a
new lease with the new owner (``register_lease`` on the new household).

A plain move-out leaves the ownership as it is (an owner who moves out still owns the unit);
only a transfer, or a move-in of other owners, ends it.

Who records: the customer-service desk (front desk, steward, CS manager, centre manager,
:data:`DESK_ROLES`). Who reads: THE access check, ``access.require_read`` -- the customer-service
department of the project, anyone else of the project under the CS head's grant, a resident their
own household's people (not the change history, the checklist nor the ownership history); every
read is a line of the file's access log, refusals too. These routes ask no purpose (the desk's
working lists): a staff member's read is logged ``(not asked)``, a resident's ``own household``.
ID numbers are always masked in these reads (whole only in the file read, where the role needs them).

The other areas' hooks: a move-in records each person's marketing consent when it says so
(``census.record_consent``, source ``move_in``; ``add_person`` and a lease's tenants: ``desk``); a
move-out and a transfer's old household cancel their open census task (``census.on_moved_out``);
the census corrects contacts through :func:`apply_correction` (history recorded, the household
published once by the census through :func:`household_changed`).

**A transfer and a move-out need the fees settled (过户 / 迁出须结清费用).** The checklist's
``fees_settled`` is the desk's word and ``fees_confirmed_by`` who in finance signed it
(由财务人员签字确定, as for a goods release; both still required, kept on the move-out record); the
answer is billing's: once the checklist is complete and before anything is written, billing is asked
(``ask_fees``: its ``has_arrears`` for the unit, the question a goods release asks, ``kernel.fees``)
and any unpaid amount on the unit's account (``balance_due``: every bill not settled, due or not --
a renovation's pending garbage fee too -- less the prepaid credit; or anything overdue) refuses the
transfer or the move-out, 409 ``arrears_outstanding`` naming the amount: the household settles first
(or the desk settles or cancels the renovation first). No answer from billing is 503
``billing_unavailable``, a unit billing keeps no account for 409 ``no_fee_account``: no transfer and
no move-out without billing's word (fail closed). A vacant unit's transfer asks nothing (nobody
leaves); a replayed request answers as recorded (``Work.idempotent``, the transfer's own replay).
"""
from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Callable

from sqlalchemy import select

from kernel import validators as v
from kernel.db import ERASED
from kernel.errors import InvalidInput
from kernel.money import ZERO, money
from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import (ArrearsOutstanding, BillingUnavailable, DuplicateRecord, FileAccessDenied,
                          HouseholdNotActive, LeaseNotFound, MoveOutChecklistIncomplete, PeopleRuleViolation,
                          PersonNotFound)
from ..models import FileDocument, Household, Lease, MoveOut, Ownership, Person, PersonChange, Project, Unit
from . import access
from .catalogue import TITLES_EN, TRANSFER_DOCUMENTS
from .privacy import email_for, mask_id_number, mask_name, phone_for
from .registry import active_household, check_date, get_household, get_unit, household_snapshot

#: who records people, leases, move-in items, move-outs and transfers: the customer-service desk
DESK_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who reads a household's people, their history, checklist and the unit's ownership history
READER_ROLES = Role.CUSTOMER_SERVICE

#: 业户生命周期 -- (state, action) -> next state; anything else is refused (409 household_not_active)
LIFECYCLE = {
    ("active", "move_out"): "moved_out",        # 迁出
    ("active", "transfer_out"): "moved_out",    # 过户: the old owners' household leaves
}
#: the states a household is born in: a move-in (入伙) or the new owners of a transfer (过户)
BORN = {"move_in": "active", "transfer_in": "active"}

#: how owners came by the unit (取得方式): bought from the developer (一手), bought from the previous
#: owner (二手买卖 / 过户), inherited (继承), given (赠与)
ACQUISITIONS = ("purchase", "transfer", "inheritance", "gift")
#: why a household moves out (the transfer's own reason is ``transfer``)
MOVE_OUT_REASONS = ("sold", "lease_ended", "relocated", "other")
#: what happens to the household's deposits (押金) when it leaves
DEPOSIT_HANDLING = ("refunded", "transferred", "retained", "none")
#: the desk's move-out checklist: each must be confirmed before the household leaves
MOVE_OUT_CHECKS = {
    "keys_returned": "钥匙已交回 / keys returned",
    "fees_settled": "费用已结清（财务确认）/ fees settled, confirmed by finance",
    "meter_readings_recorded": "水电表读数已记录 / meter readings recorded",
}
#: what a refused move-out names as missing, in the words of the desk's form (迁出交接清单)
MOVE_OUT_MISSING_NAMES = {
    **{item: label.split("/")[0].strip() for item, label in MOVE_OUT_CHECKS.items()},
    "fees_confirmed_by": "财务确认人",
    "handover": "原业户的迁出交接清单（钥匙、费用、水电表读数、押金）",
}
#: ``ask_fees(unit_id) -> {"balance_due", "overdue", "as_of", ...}``: billing's ``has_arrears`` for the
#: unit, asked as the caller (the service gives ``kernel.fees.ask_arrears``); raises
#: ``BillingUnavailable`` (no answer) / ``NoFeeAccount``
AskFees = Callable[[str], dict]
#: what the desk is doing when billing is asked, in the refusal's words: (English, Chinese)
FEE_CHECKED_FOR = {"transfer": ("transfer the unit", "过户"), "move_out": ("record the move-out", "迁出")}
#: a lease's use (租赁用途)
LEASE_PURPOSES = ("residential", "office", "commercial", "other")
#: the documents of a transfer (过户资料), filed in the new household's catalogue (section transfer):
#: the catalogue's (THE one list, ``catalogue.py``; a project's own catalogue's transfer section wins)
TRANSFER_DOCUMENTS = TRANSFER_DOCUMENTS

#: the fields of a person a change records, in this order
TRACKED_FIELDS = ("name", "role", "relation", "phone", "email", "id_type", "id_number", "locale", "employer",
                  "lease_id")


def next_state(household: Household, action: str) -> str:
    """The household's next state for ``action`` (:data:`LIFECYCLE`), not set; else 409."""
    target = LIFECYCLE.get((household.status, action))
    if target is None:
        said = {"move_out": "move out", "transfer_out": "hand over its unit"}.get(action, action.replace("_", " "))
        raise HouseholdNotActive(f"This household has moved out already: it cannot {said} again "
                                 "(a household that comes back is a new move-in).",
                                 details={"status": household.status, "action": action})
    return target


def transition(household: Household, action: str) -> str:
    """The household's next state for ``action`` (:data:`LIFECYCLE`), set on it; else 409."""
    household.status = next_state(household, action)
    return household.status


# -- access --------------------------------------------------------------------------------------

def _desk(work: Work) -> None:
    work.caller.require_role(*DESK_ROLES)


def _read(work: Work, household_id: str, what: str, *, residents: bool) -> Household:
    """The household a read names, after THE access check (``access.require_read``, logged); the
    grant it was read under (if any) is kept in ``work.session.info["file_grant"]`` -- a grant marked
    ``unmasked`` shows phones and e-mails in full here as in the file read."""
    household = access.household_for_read(work, household_id)
    grant = access.require_read(work, household, what, None, residents=residents)
    work.session.info["file_grant_unmasked"] = bool(grant is not None and grant.unmasked)
    return household


def _lock(work: Work, household: Household) -> Household:
    """Changes of one household queue behind each other (its row locked on PostgreSQL), so each
    ``household.changed`` carries a version of its own -- copies ignore an equal version."""
    work.session.refresh(household, with_for_update=True)
    return household


def _writable(work: Work, household_id: str) -> Household:
    household = get_household(work, household_id)
    _desk(work)
    _lock(work, household)
    if household.status != "active":
        raise HouseholdNotActive(f"household {household.id} is {household.status}: its people are a record now",
                                 details={"status": household.status})
    return household


def _person(work: Work, person_id: str) -> tuple[Person, Household]:
    person = work.session.get(Person, person_id)
    if person is None:
        raise PersonNotFound(f"no person {person_id}")
    try:
        household = _writable(work, person.household_id)
    except Exception as exc:
        if getattr(exc, "kind", "") == "NotFound":
            raise PersonNotFound(f"no person {person_id}") from None
        raise
    return person, household


# -- history -------------------------------------------------------------------------------------

def _stored(field: str, value) -> str | None:
    """A value as the history keeps it: ID numbers masked (the history never needs a whole one)."""
    if value is None:
        return None
    if field == "id_number":
        return mask_id_number(value)
    return str(value)[:400]


def _record(work: Work, household: Household, person: Person, action: str, field: str | None = None,
            old=None, new=None, reason: str = "") -> PersonChange:
    change = PersonChange(
        id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
        household_id=household.id, person_id=person.id, person_name=person.name, action=action, field=field,
        old_value=_stored(field, old) if field else old, new_value=_stored(field, new) if field else new,
        reason=reason or "", changed_by=work.caller.user_id, changed_by_name=work.caller.name or "",
        changed_at=work.clock.now(), seq=_next_seq(work))
    work.session.add(change)
    return change


def _next_seq(work: Work) -> int:
    """Changes recorded at the same instant keep the order they were made in."""
    seq = work.session.info.get("person_change_seq", 0) + 1
    work.session.info["person_change_seq"] = seq
    return seq


def _summary(person: Person) -> str:
    return f"{person.name} ({person.role})"


def _changed(work: Work, household: Household) -> None:
    """The household changed: its version goes up and ``household.changed`` is published."""
    household.version = (household.version or 1) + 1
    work.session.flush()
    work.session.refresh(household, ["people"])
    work.events.record(events.HOUSEHOLD_CHANGED, household_snapshot(household),
                       group_id=household.group_id, project_id=household.project_id)


#: for the other areas (the census): queue behind the household's other changes, publish it once
lock_household, household_changed = _lock, _changed

#: what another area may correct of a person through :func:`apply_correction` (roles, documents,
#: new people and tenants are the desk's: ``update_person``, ``add_person``, leases)
CORRECTABLE_FIELDS = ("name", "phone", "email", "locale")


def apply_correction(work: Work, person: Person, fields: dict, source: str, ref: str) -> list[str]:
    """A correction of ``person``'s contacts found by another area (the census: ``source`` census,
    ``ref`` its task): each field that really changes is one ``person_changes`` row (reason
    ``<source>: <ref>``, who, when, from what to what); an owner's new name keeps the ownership
    record current. Returns the names of the fields changed. Does not publish: the caller locks the
    household first (:data:`lock_household`) and publishes it once after all its corrections
    (:data:`household_changed`)."""
    unknown = sorted(set(fields) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise InvalidInput(f"only {', '.join(CORRECTABLE_FIELDS)} are corrected this way: not {', '.join(unknown)}",
                           details={f: ["Not correctable here."] for f in unknown},
                           zh=f"普查只能更正姓名、电话、电子邮件和语言，不能更正：{'、'.join(unknown)}")
    if "name" in fields and not fields["name"]:
        raise InvalidInput("name: a person has a name", details={"name": ["A person has a name."]}, zh="请填写姓名")
    household = person.household
    changed = []
    for field in CORRECTABLE_FIELDS:
        if field not in fields or getattr(person, field) == fields[field]:
            continue
        _record(work, household, person, "changed", field, getattr(person, field), fields[field],
                reason=f"{source}: {ref}")
        setattr(person, field, fields[field])
        changed.append(field)
    if "name" in changed and person.role == "owner":
        _sync_ownership(work, household)
    return changed


def _consent(work: Work, person: Person, given: dict, source: str) -> None:
    """The person's marketing consent, when the command says it (census area's record)."""
    if given.get("marketing_consent") is not None:
        from . import census
        census.record_consent(work, person, census.MARKETING, given["marketing_consent"], source)


# -- identity documents --------------------------------------------------------------------------

def _check_document(id_type: str | None, id_number: str | None) -> tuple[str | None, str | None]:
    """The document as stored: the number upper-cased, the type given or guessed from the number;
    a wrong one is a 400 naming ``id_number``."""
    if id_number is None:
        if id_type is not None:
            raise InvalidInput(f"id_type {id_type} needs its id_number",
                               details={"id_number": [f"id_type {id_type} needs its id_number."]},
                               zh=f"已选择证件类型{v.ID_TYPE_NAMES.get(id_type, id_type).split(' ')[0]}，请填写证件号码")
        return None, None
    id_type = id_type or v.guess_id_type(id_number)
    error = v.id_document_error(id_type, id_number)
    if error is not None:
        raise InvalidInput(f"id_number: {error}", details={"id_number": [error]},
                           zh=f"证件号码有误（{v.ID_TYPE_NAMES.get(id_type, id_type).split(' ')[0]}）")
    return id_type, v.normalize_id_number(id_number)


# -- people --------------------------------------------------------------------------------------

def _active_lease(work: Work, household: Household, lease_id: str | None) -> Lease:
    lease = work.session.get(Lease, lease_id) if lease_id else None
    if lease is None or lease.household_id != household.id:
        raise PeopleRuleViolation("a tenant joins a lease of this household: register the lease "
                                  "(POST /households/{id}/leases) or give its lease_id",
                                  code="lease_required", details={"lease_id": lease_id},
                                  zh="租户须登记在本户的租约下：请先登记租约，或指定租约")
    if lease.status != "active":
        raise PeopleRuleViolation(f"lease {lease.id} has ended", code="lease_ended", zh="该租约已结束")
    return lease


def _needs_owner_or_tenant(household: Household) -> None:
    if not any(p.role in ("owner", "tenant") for p in household.people):
        raise PeopleRuleViolation("a household needs an owner or a tenant; record a move-out instead",
                                  code="household_needs_owner_or_tenant",
                                  zh="业户至少要有一位业主或租户；如全部离开，请办理迁出")


def _end_empty_leases(work: Work, household: Household, lease_ids) -> None:
    """A lease whose last tenant left (removed, or no longer a tenant) ends that day."""
    for lease_id in {i for i in lease_ids if i}:
        if not any(p.lease_id == lease_id for p in household.people):
            lease = work.session.get(Lease, lease_id)
            if lease is not None and lease.status == "active":
                lease.status, lease.ended_on = "ended", _today(work, household)


def new_person(work: Work, household: Household, data: dict, *, role: str | None = None,
                lease: Lease | None = None) -> Person:
    id_type, id_number = _check_document(data.get("id_type"), data.get("id_number"))
    return Person(id=data.get("id") or str(uuid.uuid4()), group_id=household.group_id,
                  project_id=household.project_id, household_id=household.id, name=data["name"],
                  role=role or data["role"], relation=data.get("relation"), phone=data.get("phone"),
                  email=data.get("email"), id_type=id_type, id_number=id_number,
                  locale=data.get("locale") or "zh-CN", employer=data.get("employer"),
                  lease_id=lease.id if lease is not None else None, created_at=work.clock.now())


def add_person(work: Work, household_id: str, data: dict) -> tuple[Person, bool]:
    """A person joins the household: an owner, family member, tenant (of one of its leases) or
    emergency contact. Recorded at once (``person_changes``) and published."""
    household = _writable(work, household_id)
    if data.get("id"):
        existing = work.session.get(Person, data["id"])
        if existing is not None:
            if existing.household_id != household.id:
                raise PeopleRuleViolation(f"person {data['id']} belongs to another household",
                                          code="duplicate_person", zh="该人员属于另一业户")
            return existing, False
    lease = None
    if data["role"] == "tenant":
        lease = _active_lease(work, household, data.get("lease_id"))
    elif data.get("lease_id"):
        raise PeopleRuleViolation("only a tenant has a lease", code="lease_for_tenants_only", zh="只有租户才关联租约")
    person = new_person(work, household, data, lease=lease)
    household.people.append(person)
    if lease is not None:
        lease.tenant_names = _names(lease.tenant_names, person.name)
    _record(work, household, person, "added", new=_summary(person), reason=data.get("reason", ""))
    _consent(work, person, data, "desk")
    _sync_ownership(work, household)
    _changed(work, household)
    return person, True


def update_person(work: Work, person_id: str, data: dict) -> tuple[Person, list[PersonChange]]:
    """Change a person's contact data, role or document: only the fields given; each field that
    really changes is one ``person_changes`` row (who, what, from, to, when); nothing changed,
    nothing recorded nor published."""
    person, household = _person(work, person_id)
    new = {f: data[f] for f in TRACKED_FIELDS if f in data}
    if "id_type" in new or "id_number" in new:
        id_type = new.get("id_type", person.id_type if "id_number" not in new else None)
        new["id_type"], new["id_number"] = _check_document(id_type, new.get("id_number", person.id_number))
    if "name" in new and not new["name"]:
        raise InvalidInput("name: a person has a name", details={"name": ["A person has a name."]}, zh="请填写姓名")
    role = new.get("role", person.role)
    if role == "tenant":
        lease_id = new.get("lease_id", person.lease_id)
        lease = _active_lease(work, household, lease_id)
        new["lease_id"] = lease.id
    elif new.get("lease_id"):
        raise PeopleRuleViolation("only a tenant has a lease", code="lease_for_tenants_only", zh="只有租户才关联租约")
    else:
        new["lease_id"] = None
    changes, old_lease = [], person.lease_id
    for field in TRACKED_FIELDS:
        if field not in new:
            continue
        old_value, new_value = getattr(person, field), new[field]
        if old_value == new_value:
            continue
        changes.append(_record(work, household, person, "changed", field, old_value, new_value,
                               reason=data.get("reason", "")))
        setattr(person, field, new_value)
        if field == "lease_id" and new_value:
            lease = work.session.get(Lease, new_value)
            lease.tenant_names = _names(lease.tenant_names, person.name)
    if not changes:
        return person, []
    _needs_owner_or_tenant(household)
    _end_empty_leases(work, household, [old_lease])
    _sync_ownership(work, household)
    _changed(work, household)
    return person, changes


def remove_person(work: Work, person_id: str, data: dict) -> Household:
    """A person leaves the household (moved away, a tenant whose lease ended, a contact no longer
    reachable): removed from the household, the removal recorded with its reason. A lease whose
    last tenant left ends that day."""
    person, household = _person(work, person_id)
    _record(work, household, person, "removed", old=_summary(person), reason=data.get("reason", ""))
    lease_id = person.lease_id
    household.people.remove(person)
    work.session.flush()
    _needs_owner_or_tenant(household)
    _end_empty_leases(work, household, [lease_id])
    _sync_ownership(work, household)
    _changed(work, household)
    return household


def list_people(work: Work, household_id: str) -> dict:
    """The household's people and leases as the caller may see them: phones per
    :mod:`kernel.privacy` (a resident sees their own household's), ID numbers always masked."""
    household = _read(work, household_id, "people", residents=True)
    leases = work.session.scalars(select(Lease).where(Lease.household_id == household.id)
                                  .order_by(Lease.start_on, Lease.id)).all()
    unmasked = work.session.info.pop("file_grant_unmasked", False)
    return {"household_id": household.id, "unit_id": household.unit_id, "status": household.status,
            "people": [person_view(work.caller, household, p, unmasked=unmasked) for p in household.people],
            "leases": leases}


def person_view(caller: Caller, household: Household, p: Person, *, unmasked: bool = False) -> dict:
    """A person as ``caller`` may see them: phones per :mod:`kernel.privacy` (in full under a grant
    marked ``unmasked``, as in the file read), ID numbers always masked."""
    own = caller.is_resident and household.unit_id in caller.unit_ids
    return {"id": p.id, "name": p.name, "role": p.role, "relation": p.relation, "locale": p.locale,
            "phone": p.phone if unmasked else phone_for(caller, p.phone, own),
            "email": p.email if unmasked else email_for(caller, p.email, own),
            "id_type": p.id_type, "id_number": mask_id_number(p.id_number), "employer": p.employer,
            "lease_id": p.lease_id}


def person_history(work: Work, household_id: str) -> list[dict]:
    """Every change of the household's people, newest first (the customer-service department):
    phones and e-mails as the reader may see them, ID numbers masked."""
    household = _read(work, household_id, "people_history", residents=False)
    rows = work.session.scalars(select(PersonChange).where(PersonChange.household_id == household.id)
                                .order_by(PersonChange.changed_at.desc(), PersonChange.seq.desc())).all()
    caller = work.caller
    unmasked = work.session.info.pop("file_grant_unmasked", False)      # a grant marked unmasked

    def shown(field, value):
        if field == "phone":
            return value if unmasked else phone_for(caller, value)
        if field == "email":
            return value if unmasked else email_for(caller, value)
        return value
    return [{"person_id": r.person_id, "person_name": r.person_name, "action": r.action, "field": r.field,
             "old_value": r.old_value if r.erased_at else shown(r.field, r.old_value),
             "new_value": r.new_value if r.erased_at else shown(r.field, r.new_value),
             "reason": r.reason, "changed_by": r.changed_by, "changed_by_name": r.changed_by_name,
             "changed_at": r.changed_at, "erased_at": r.erased_at} for r in rows]


# -- the retention erasure of the history ------------------------------------------------------------

def erase_history(work: Work, household: Household) -> dict:
    """The retention erasure's part of the contact-change history (``retention.ERASERS``): each row of
    the household not yet erased gets its values replaced by ``[erased]`` (``kernel.db.ERASED``; a
    value that was empty stays empty), the person's name reduced to its first character (张伟 -> 张*)
    and ``erased_at`` set -- the one UPDATE the table's triggers let through (revision 0037); who
    changed what field when, and why, stays. Returns ``{"changes_erased": rows}``."""
    now = work.clock.now()
    rows = work.session.scalars(select(PersonChange).where(PersonChange.household_id == household.id,
                                                           PersonChange.erased_at.is_(None))).all()
    for row in rows:
        if row.old_value is not None:
            row.old_value = ERASED
        if row.new_value is not None:
            row.new_value = ERASED
        row.person_name = mask_name(row.person_name)
        row.erased_at = now
    work.session.flush()
    return {"changes_erased": len(rows)}


# -- leases (租户情况记录表) -------------------------------------------------------------------------

def _names(current: str, name: str) -> str:
    names = [n for n in (current or "").split("、") if n]
    if name not in names:
        names.append(name)
    return "、".join(names)[:400]


def _landlord(work: Work, household: Household, person_id: str | None) -> tuple[str | None, str]:
    """The landlord is an owner: the one named (an owner of this household), else its first owner,
    else the unit's current owner of record."""
    owners = [p for p in household.people if p.role == "owner"]
    if person_id:
        chosen = next((p for p in owners if p.id == person_id), None)
        if chosen is None:
            raise PeopleRuleViolation("the landlord must be an owner of this household (landlord_person_id names "
                                      "one of its owners)", code="landlord_not_owner", zh="出租人须是本户的业主",
                                      details={"landlord_person_id": person_id})
        return chosen.id, chosen.name
    if owners:
        return owners[0].id, owners[0].name
    current = current_ownership(work, household.unit_id)
    if current is not None:
        first = (json.loads(current.owners) or [{}])[0]
        return first.get("person_id"), first.get("name", "")
    return None, ""


def register_lease(work: Work, household_id: str, data: dict) -> tuple[Lease, bool]:
    """租户情况记录表: a lease of the unit with its tenants (who join the household)."""
    household = _writable(work, household_id)
    if data.get("id"):
        existing = work.session.get(Lease, data["id"])
        if existing is not None:
            if existing.household_id != household.id:
                raise PeopleRuleViolation(f"lease {data['id']} belongs to another household",
                                          code="duplicate_lease", zh="该租约属于另一业户")
            return existing, False
    tenants = data["tenants"]
    check_date(work, household.project_id, "start_on", data["start_on"], ahead=True)
    if data.get("tenant_count") is not None and data["tenant_count"] < len(tenants):
        raise InvalidInput("tenant_count: at least the tenants named",
                           details={"tenant_count": [f"At least the {len(tenants)} tenants named."]},
                           zh=f"居住人数不能少于登记的 {len(tenants)} 位租户")
    landlord_id, landlord_name = _landlord(work, household, data.get("landlord_person_id"))
    lease = Lease(id=data.get("id") or str(uuid.uuid4()), group_id=household.group_id,
                  project_id=household.project_id, unit_id=household.unit_id, household_id=household.id,
                  landlord_person_id=landlord_id, landlord_name=landlord_name, start_on=data["start_on"],
                  end_on=data.get("end_on"), tenant_count=data.get("tenant_count") or len(tenants),
                  purpose=data.get("purpose") or "residential", status="active", tenant_names="",
                  note=data.get("note") or "", recorded_by=work.caller.user_id, recorded_at=work.clock.now())
    work.session.add(lease)
    for t in tenants:
        person = new_person(work, household, t, role="tenant", lease=lease)
        household.people.append(person)
        lease.tenant_names = _names(lease.tenant_names, person.name)
        _record(work, household, person, "added", new=_summary(person), reason=data.get("note") or "lease")
        _consent(work, person, t, "desk")
    _changed(work, household)
    return lease, True


def end_lease(work: Work, lease_id: str, data: dict) -> Lease:
    """The lease ends: its tenants leave the household (each removal recorded)."""
    lease = work.session.get(Lease, lease_id)
    if lease is None:
        raise LeaseNotFound(f"no lease {lease_id}")
    try:
        household = _writable(work, lease.household_id)
    except Exception as exc:
        if getattr(exc, "kind", "") == "NotFound":
            raise LeaseNotFound(f"no lease {lease_id}") from None
        raise
    if lease.status != "active":
        raise PeopleRuleViolation(f"lease {lease.id} has ended already", code="lease_ended", zh="该租约已经结束")
    check_date(work, household.project_id, "ended_on", data["ended_on"], ahead=False)
    if data["ended_on"] < lease.start_on:
        raise InvalidInput("ended_on: not before the lease started",
                           details={"ended_on": ["Not before the lease started."]}, zh="租约结束日期不能早于开始日期")
    _end_lease(work, household, lease, data["ended_on"], data.get("note") or "lease ended")
    _needs_owner_or_tenant(household)
    _changed(work, household)
    return lease


def _end_lease(work: Work, household: Household, lease: Lease, on: date, reason: str,
               remove_tenants: bool = True) -> None:
    lease.status, lease.ended_on = "ended", on
    if reason and not lease.note:
        lease.note = reason[:400]
    if not remove_tenants:
        return
    for person in [p for p in household.people if p.lease_id == lease.id]:
        _record(work, household, person, "removed", old=_summary(person), reason=reason)
        household.people.remove(person)
    work.session.flush()


# -- the move-in checklist (入伙资料) ---------------------------------------------------------------

def after_move_in(work: Work, household: Household, data: dict) -> None:
    """What a move-in (``registry.move_in``) adds: each person's arrival in the history, the
    tenants' lease, who received the documents handed over, and the owners' ownership record."""
    for person, given in zip(household.people, data["people"]):
        _record(work, household, person, "added", new=_summary(person), reason="move-in")
        _consent(work, person, given, "move_in")
    tenants = [p for p in household.people if p.role == "tenant"]
    if tenants:
        terms = data.get("lease") or {}
        if terms.get("start_on"):
            check_date(work, household.project_id, "lease.start_on", terms["start_on"], ahead=True)
        landlord_id, landlord_name = _landlord(work, household, terms.get("landlord_person_id"))
        lease = Lease(id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
                      unit_id=household.unit_id, household_id=household.id, landlord_person_id=landlord_id,
                      landlord_name=landlord_name, start_on=terms.get("start_on") or household.moved_in_on,
                      end_on=terms.get("end_on"), tenant_count=max(terms.get("tenant_count") or 0, len(tenants)),
                      purpose=terms.get("purpose") or "residential", status="active",
                      tenant_names="、".join(p.name for p in tenants)[:400], note=terms.get("note") or "",
                      recorded_by=work.caller.user_id, recorded_at=work.clock.now())
        work.session.add(lease)
        for person in tenants:
            person.lease_id = lease.id
    for doc in work.session.scalars(select(FileDocument).where(FileDocument.household_id == household.id)):
        if doc.status == "present":
            doc.received_by, doc.received_by_name = work.caller.user_id, work.caller.name or ""
    if any(p.role == "owner" for p in household.people):
        _own(work, household, household.moved_in_on, data.get("acquired_by") or "purchase")


def checklist(work: Work, household_id: str) -> list[dict]:
    """The household's checklist entries (move-in, transfer): present or missing, who, when."""
    household = _read(work, household_id, "checklist", residents=False)
    rows = work.session.scalars(select(FileDocument).where(FileDocument.household_id == household.id)
                                .order_by(FileDocument.section, FileDocument.doc_type)).all()
    titles = _titles(work, household.project_id)
    return [_item_view(r, titles) for r in rows]


def _item_view(r: FileDocument, titles: dict[str, str] | None = None) -> dict:
    return {"id": r.id, "doc_type": r.doc_type, "label": (titles or {}).get(r.doc_type, r.doc_type),
            "label_en": TITLES_EN.get(r.doc_type, ""),
            "section": r.section, "status": r.status, "received_at": r.received_at,
            "received_by": r.received_by, "received_by_name": r.received_by_name, "note": r.note}


def _titles(work: Work, project_id: str) -> dict[str, str]:
    from .documents import DEFAULT_TITLES, project_entries
    return {**DEFAULT_TITLES, **{e["doc_type"]: e["title"] for e in project_entries(work, project_id)[1]}}


def tick_item(work: Work, household_id: str, doc_type: str, data: dict) -> dict:
    """Tick a checklist item present (or back to missing) with a note: who and when are kept. Any
    type of the project's document catalogue -- move-in, lease, transfer, renovation: the same row an
    upload of that type ticks (422 ``unknown_doc_type`` for another). An item not yet in the file
    (the power of attorney of a move-in found to be by proxy, a lease's papers) is added. Moved-out
    households' files take late papers too."""
    from .documents import entry_for
    household = get_household(work, household_id)
    _desk(work)
    section = entry_for(work, household.project_id, doc_type)["section"]
    item = work.session.scalars(select(FileDocument).where(
        FileDocument.household_id == household.id, FileDocument.doc_type == doc_type)).first()
    if item is None:
        item = FileDocument(id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
                            household_id=household.id, doc_type=doc_type, section=section, status="missing",
                            note="")
        work.session.add(item)
    present = data["status"] == "present"
    item.status = data["status"]
    item.received_at = work.clock.now() if present else None
    item.received_by, item.received_by_name = work.caller.user_id, work.caller.name or ""
    if data.get("note") is not None:
        item.note = data["note"]
    work.session.flush()
    return _item_view(item, _titles(work, household.project_id))


# -- move-out (迁出) --------------------------------------------------------------------------------

def _today(work: Work, household: Household) -> date:
    project = work.session.get(Project, household.project_id)
    return work.clock.today(project.timezone if project else "Asia/Shanghai")


def _checked(data: dict) -> None:
    missing = [item for item in MOVE_OUT_CHECKS if not data.get(item)]
    if data.get("fees_settled") and not (data.get("fees_confirmed_by") or "").strip():
        missing.append("fees_confirmed_by")
    if missing:
        raise _incomplete("the move-out checklist is not complete: " + ", ".join(missing), missing)


def _incomplete(english: str, missing: list[str]) -> MoveOutChecklistIncomplete:
    """422 ``move_out_checklist_incomplete`` naming what is missing in words (``details.missing``: the
    codes, ``details.missing_names``: the words, in the same order)."""
    names = [MOVE_OUT_MISSING_NAMES.get(item, item) for item in missing]
    return MoveOutChecklistIncomplete(english, details={"missing": missing, "missing_names": names,
                                                        "checklist": MOVE_OUT_CHECKS},
                                      zh="迁出交接清单未完成，尚未确认：" + "、".join(names))


def _not_before_move_in(household: Household, on: date) -> None:
    if household.moved_in_on and on < household.moved_in_on:
        raise InvalidInput("the household cannot leave before it moved in",
                           details={"moved_out_on": [f"Not before the move-in ({household.moved_in_on})."]},
                           zh=f"迁出日期不能早于入伙日期（{household.moved_in_on}）")


def _leave(work: Work, household: Household, action: str, on: date, reason: str, data: dict,
           ownership_id: str | None = None, fees: dict | None = None) -> MoveOut:
    _not_before_move_in(household, on)
    _checked(data)
    transition(household, action)
    household.moved_out_on = on
    from . import census
    census.on_moved_out(work, household)           # its open census task is cancelled at once
    for lease in work.session.scalars(select(Lease).where(Lease.household_id == household.id,
                                                          Lease.status == "active")):
        _end_lease(work, household, lease, on, "household moved out" if action == "move_out" else "transfer",
                   remove_tenants=False)
    record = MoveOut(id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
                     unit_id=household.unit_id, household_id=household.id, moved_out_on=on, reason=reason,
                     note=data.get("note") or "", keys_returned=bool(data.get("keys_returned")),
                     fees_settled=bool(data.get("fees_settled")),
                     fees_confirmed_by=data.get("fees_confirmed_by") or "",
                     meter_readings_recorded=bool(data.get("meter_readings_recorded")),
                     deposit_handling=data["deposit_handling"], ownership_id=ownership_id,
                     recorded_by=work.caller.user_id, recorded_by_name=work.caller.name or "",
                     recorded_at=work.clock.now(), **_billings_word(fees))
    work.session.add(record)
    _changed(work, household)
    return record


def _billings_word(fees: dict | None) -> dict:
    """The move-out record's columns of billing's answer (:func:`check_fees`): what was unpaid, the
    balance due and the day billing stated them -- kept so the file shows what billing said when the
    household left."""
    if fees is None:
        return {"fees_unpaid": None, "fees_balance_due": None, "fees_as_of": None}
    return {"fees_unpaid": money(fees["unpaid"]), "fees_balance_due": money(fees["balance_due"]),
            "fees_as_of": _as_of_day(fees.get("as_of"))}


def _as_of_day(value) -> date | None:
    """billing's ``as_of`` (the site's day it stated the account, ISO text over RPC) as a date; an
    answer without one keeps none."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def move_out_view(record: MoveOut | None) -> dict | None:
    """The move-out record as the household file shows it (``schemas.MoveOutOut``), with billing's word
    when the household left (``fees_checked``: ``unpaid``, ``balance_due``, ``as_of``; None on a record
    from before it was kept)."""
    if record is None:
        return None
    fees = None if record.fees_unpaid is None else {
        "unpaid": record.fees_unpaid, "balance_due": record.fees_balance_due, "as_of": record.fees_as_of}
    return {column: getattr(record, column) for column in (
        "id", "household_id", "unit_id", "moved_out_on", "reason", "note", "keys_returned", "fees_settled",
        "fees_confirmed_by", "meter_readings_recorded", "deposit_handling", "ownership_id", "recorded_by",
        "recorded_by_name", "recorded_at")} | {"fees_checked": fees}


def move_out(work: Work, household_id: str, data: dict, *, ask_fees: AskFees) -> tuple[Household, MoveOut]:
    """迁出: the household leaves its unit, with the desk's checklist confirmed and billing saying
    nothing is unpaid on the unit (:func:`check_fees`, asked once the request is otherwise in order and
    before anything is written); the unit has no active household afterwards. Its leases end that
    day; its people stay in its file."""
    household = get_household(work, household_id)
    _desk(work)
    on = data["moved_out_on"]
    check_date(work, household.project_id, "moved_out_on", on, ahead=False)
    _not_before_move_in(household, on)
    _checked(data)
    next_state(household, "move_out")         # moved out already: 409, billing not asked for nothing
    fees = check_fees(work, work.session.get(Unit, household.unit_id), ask_fees, "move_out")
    _lock(work, household)
    return household, _leave(work, household, "move_out", on, data["reason"], data, fees=fees)


# -- ownership (产权) and its transfer (过户) ---------------------------------------------------------

def current_ownership(work: Work, unit_id: str) -> Ownership | None:
    return work.session.scalars(select(Ownership).where(Ownership.unit_id == unit_id, Ownership.to_on.is_(None))
                                .order_by(Ownership.from_on.desc())).first()


def _owners(household: Household) -> list[dict]:
    return [{"person_id": p.id, "name": p.name} for p in household.people if p.role == "owner"]


def _own(work: Work, household: Household, from_on: date, acquired_by: str,
         documents: list[dict] | None = None) -> Ownership:
    """The household's owners own the unit from ``from_on``: the current record of other owners
    ends that day; the same owners moving back in keep their record (now this household's)."""
    owners = _owners(household)
    current = current_ownership(work, household.unit_id)
    if current is not None:
        if sorted(o["name"] for o in json.loads(current.owners)) == sorted(o["name"] for o in owners) \
                and documents is None:
            current.household_id, current.owners = household.id, json.dumps(owners, ensure_ascii=False)
            return current
        current.to_on = max(from_on, current.from_on)
    ownership = Ownership(id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
                          unit_id=household.unit_id, household_id=household.id,
                          owners=json.dumps(owners, ensure_ascii=False), from_on=from_on, to_on=None,
                          acquired_by=acquired_by, documents=json.dumps(documents or []),
                          previous_id=current.id if current is not None else None,
                          recorded_by=work.caller.user_id, recorded_at=work.clock.now())
    work.session.add(ownership)
    work.session.flush()
    return ownership


def _sync_ownership(work: Work, household: Household) -> None:
    """An owner added, removed or renamed in an active household corrects the current ownership
    record of that household (a correction of the record -- each is in ``person_changes``); a
    household that gets its first owner starts one. Closed records are never touched."""
    if household.status != "active":
        return
    owners = _owners(household)
    current = current_ownership(work, household.unit_id)
    if current is not None and current.household_id == household.id:
        if owners:
            current.owners = json.dumps(owners, ensure_ascii=False)
        return
    if owners and current is None:
        _own(work, household, household.moved_in_on or _today(work, household), "purchase")


def check_fees(work: Work, unit: Unit, ask_fees: AskFees, action: str = "transfer") -> dict:
    """Ask billing now; refuse the transfer or the move-out (``action``) while anything is unpaid on
    the unit's account (module doc). The answer, as checked (``unpaid``, ``balance_due``, ``overdue``,
    ``as_of``)."""
    english, chinese = FEE_CHECKED_FOR[action]
    try:
        answer = ask_fees(unit.id)
    except BillingUnavailable as unanswered:          # the same refusal, in the words of this step
        raise BillingUnavailable(unanswered.english, details=unanswered.details,
                                 zh=f"暂时无法向收费系统核实费用，{chinese}未办理，请稍后再试") from unanswered
    balance_due, overdue = money(answer["balance_due"]), money(answer["overdue"])
    unpaid = max(balance_due, overdue, ZERO)
    fees = {"unpaid": str(unpaid), "balance_due": str(balance_due), "overdue": str(overdue),
            "as_of": str(answer.get("as_of"))}
    if unpaid > ZERO:
        raise ArrearsOutstanding(
            f"unit {unit.label} has {unpaid} yuan unpaid in billing: settle every fee first (a renovation's "
            f"pending garbage fee included), then {english}", details=fees,
            zh=f"{unit.label} 尚有 {unpaid} 元费用未结清（收费系统），请先结清全部费用（含装修垃圾清运费）再办理{chinese}")
    return fees


def transfer(work: Work, unit_id: str, data: dict, *, ask_fees: AskFees) -> tuple[Ownership, Household, bool]:
    """过户: the unit passes to new owners on ``transferred_on``. In one transaction: the unit's
    current household (if any) moves out (``transfer_out``, its checklist confirmed in
    ``handover``; its leases end -- a transfer keeps no tenants), the current ownership ends, the
    new owners' household moves in with its move-in catalogue, the transfer's documents are filed
    in its catalogue (section ``transfer``, present or missing) and the new ownership names them."""
    from .registry import move_in      # the move-in of the new owners is the ordinary one

    unit = get_unit(work, unit_id, conceal=True)
    _desk(work)
    new = data["household"]
    if new.get("id"):
        existing = work.session.get(Household, new["id"])
        if existing is not None:
            return _transfer_replayed(work, unit, existing, data)
    if not any(p["role"] == "owner" for p in new["people"]):
        raise InvalidInput("household.people: a transfer's household has its new owners",
                           details={"household": {"people": ["At least one owner."]}}, zh="过户须登记至少一位新业主")
    from .documents import entry_for
    for doc_type in sorted(set(data.get("documents_received") or ())):
        entry_for(work, unit.project_id, doc_type, "transfer")      # 422 unknown_doc_type otherwise
    on = data["transferred_on"]
    check_date(work, unit.project_id, "transferred_on", on, ahead=False)
    current = current_ownership(work, unit.id)
    if current is not None and on < current.from_on:
        raise InvalidInput("transferred_on: not before the current owners' record began",
                           details={"transferred_on": [f"Not before {current.from_on}."]},
                           zh=f"过户日期不能早于现业主的产权起始日（{current.from_on}）")
    old = active_household(work, unit.id)
    if old is not None:
        if data.get("handover") is None:
            raise _incomplete("the current household moves out: give its handover checklist (keys, fees, "
                              "meters, deposit)", ["handover"])
        _checked(data["handover"])
        fees = check_fees(work, unit, ask_fees, "transfer")   # billing's word on the fees, before anything is written
        _lock(work, old)
        if old.status != "active":            # moved out meanwhile
            old = None
    if old is not None:
        leaving = _leave(work, old, "transfer_out", on, "transfer", data["handover"], fees=fees)
    if current is not None:
        current.to_on = on
    work.session.flush()
    household, _ = move_in(work, {**new, "unit_id": unit.id, "moved_in_on": on, "_transfer": True,
                                  "acquired_by": data["acquired_by"]})
    from .documents import project_entries
    received = set(data.get("documents_received") or ())
    documents = []
    transfer_types = [e["doc_type"] for e in project_entries(work, unit.project_id)[1] if e["section"] == "transfer"]
    for doc_type in transfer_types:
        item = FileDocument(id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
                            household_id=household.id, doc_type=doc_type, section="transfer",
                            status="present" if doc_type in received else "missing",
                            received_at=work.clock.now() if doc_type in received else None,
                            received_by=work.caller.user_id if doc_type in received else None,
                            received_by_name=(work.caller.name or "") if doc_type in received else None,
                            note="")
        work.session.add(item)
        documents.append({"id": item.id, "doc_type": doc_type})
    ownership = current_ownership(work, unit.id)
    ownership.documents = json.dumps(documents)
    ownership.previous_id = current.id if current is not None else None
    if old is not None:
        leaving.ownership_id = ownership.id
    work.session.flush()
    return ownership, household, True


def _transfer_replayed(work: Work, unit: Unit, existing: Household, data: dict) -> tuple[Ownership, Household, bool]:
    """A transfer naming a household id that exists: the same transfer again (a retry whose answer
    was lost) when that household IS this transfer's new household -- of this unit, moved in on the
    transfer's date, its ownership beginning then, acquired the same way, by the same owners --
    answered as it was. Any other household -- the unit's current (old) one, an earlier one, another
    unit's -- is 409 ``duplicate_household``: the new owners' household is a new one, never silently
    dropped."""
    if existing.unit_id != unit.id:
        raise DuplicateRecord(f"household {existing.id} is another unit's; the new owners' household needs a "
                              "new id", code="duplicate_household",
                              zh="该业户编号属于另一套房屋的业户，新业主的业户须使用新的编号")
    ownership = work.session.scalars(select(Ownership).where(
        Ownership.household_id == existing.id).order_by(Ownership.from_on.desc())).first()
    owners = sorted(p["name"] for p in data["household"]["people"] if p["role"] == "owner")
    if (ownership is not None and existing.moved_in_on == data["transferred_on"]
            and ownership.from_on == data["transferred_on"] and ownership.acquired_by == data["acquired_by"]
            and sorted(o["name"] for o in json.loads(ownership.owners)) == owners):
        return ownership, existing, False
    if existing.status == "active":
        raise DuplicateRecord(f"household {existing.id} is the unit's current household (the owners who "
                              "transfer it); the new owners' household needs a new id, or none",
                              code="duplicate_household",
                              zh="该业户是本房屋的现业户（即过户的原业主），新业主的业户须使用新的编号或不填编号")
    raise DuplicateRecord(f"household {existing.id} is an earlier household of this unit; the new owners' "
                          "household needs a new id, or none", code="duplicate_household",
                          zh="该业户编号已是本房屋以前的业户，新业主的业户须使用新的编号或不填编号")


def transferred_out(work: Work, ownership: Ownership | None) -> Household | None:
    """The household that moved out (``transfer_out``) when ``ownership`` began: the old owners of
    that transfer (None for a vacant unit's transfer). Read from its move-out record, so a replayed
    transfer answers the same household."""
    if ownership is None:
        return None
    record = work.session.scalars(select(MoveOut).where(MoveOut.ownership_id == ownership.id)).first()
    return work.session.get(Household, record.household_id) if record is not None else None


def ownership_history(work: Work, unit_id: str) -> list[dict]:
    """The unit's owners of record, newest first (the customer-service department): from, to, how
    acquired, the documents (their present / missing status now)."""
    unit = get_unit(work, unit_id, conceal=True)
    caller = work.caller
    # the file the history is part of: the unit's current household, else its latest one
    household = active_household(work, unit.id) or work.session.scalars(
        select(Household).where(Household.unit_id == unit.id)
        .order_by(Household.moved_out_on.desc(), Household.created_at.desc())).first()
    if household is not None:
        access.require_read(work, household, "ownerships", None, residents=False)
    elif not (caller.is_system or caller.roles & READER_ROLES):
        raise FileAccessDenied("ownership history is read by the customer-service department")
    rows = work.session.scalars(select(Ownership).where(Ownership.unit_id == unit.id)
                                .order_by(Ownership.from_on.desc(), Ownership.recorded_at.desc())).all()
    return [ownership_view(work, r) for r in rows]


def ownership_view(work: Work, r: Ownership) -> dict:
    docs = json.loads(r.documents or "[]")
    status = {d.id: d.status for d in work.session.scalars(select(FileDocument).where(
        FileDocument.id.in_([d["id"] for d in docs])))} if docs else {}
    return {"id": r.id, "unit_id": r.unit_id, "household_id": r.household_id, "owners": json.loads(r.owners),
            "from_on": r.from_on, "to_on": r.to_on, "acquired_by": r.acquired_by,
            "documents": [{"id": d["id"], "doc_type": d["doc_type"], "status": status.get(d["id"], "missing")}
                          for d in docs],
            "previous_id": r.previous_id, "recorded_at": r.recorded_at}
