"""The property registry: projects → buildings → units → households and people.

Every change bumps the record's ``version`` and publishes a snapshot event
through the outbox (see ``events.py``)."""
from __future__ import annotations

import uuid

from datetime import date, timedelta

from marshmallow import fields, validate
from sqlalchemy import select

from kernel.errors import Forbidden, InvalidInput
from kernel.settings import Setting
from kernel.copies import snapshot_page
from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import (BuildingNotFound, HouseholdNotFound, ProjectNotFound, UnitNotFound,
                          UnitOccupied)
from ..models import Building, FileDocument, Household, Project, Unit
from .privacy import email_for, mask_id_number, phone_for, sees_id_numbers, sees_phones

REGISTRY_ROLES = (Role.GROUP_ADMIN, Role.CENTRE_MANAGER, Role.CS_MANAGER)
MOVE_IN_ROLES = (Role.FRONT_DESK, Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER)


#: how far ahead a move-in, a transfer's move-in or a lease's start may be dated (a planned handover
#: recorded ahead); what takes effect at once -- a move-out, a transfer (the old household leaves), a
#: lease ended -- is never dated after today (the project's calendar)
FUTURE_DATE_DAYS = "archive.future_date_days"
SETTINGS = [
    Setting(FUTURE_DATE_DAYS, fields.Integer(strict=True, validate=validate.Range(min=0, max=366)), default=30,
            unit="days", doc="how many days ahead a move-in or a lease's start may be dated (a planned handover); "
                             "move-outs, transfers and ended leases take effect at once: never after today"),
]


def check_date(work: Work, project_id: str, field: str, on: date, *, ahead: bool) -> None:
    """A date of the household's life against the project's today: ``ahead`` -- a move-in, a lease's
    start -- at most ``archive.future_date_days`` (30) days after today; else (a move-out, a
    transfer, a lease's end: the record changes now) not after today. 400 naming ``field``."""
    project = work.session.get(Project, project_id)
    today = work.clock.today(project.timezone if project else "Asia/Shanghai")
    days = work.settings.get(project_id, FUTURE_DATE_DAYS) if ahead else 0
    if on > today + timedelta(days=days):
        said = (f"At most {days} days after today ({today})." if days else
                f"Not after today ({today}): it takes effect at once; record it on the day.")
        zh = f"日期最多可比今天（{today}）晚 {days} 天" if days else f"日期不能晚于今天（{today}），当日办理当日登记"
        raise InvalidInput(f"{field}: {said}", details={field: [said]}, zh=zh)


def _new_id(given: str | None) -> str:
    return given or str(uuid.uuid4())


# -- snapshots ----------------------------------------------------------------

def project_snapshot(p: Project) -> dict:
    return {"project_id": p.id, "group_id": p.group_id, "code": p.code, "name": p.name,
            "kind": p.kind, "timezone": p.timezone, "version": p.version}


def unit_snapshot(u: Unit) -> dict:
    return {"unit_id": u.id, "group_id": u.group_id, "project_id": u.project_id,
            "building_id": u.building_id, "building_name": u.building.name, "number": u.number,
            "label": u.label, "floor": u.floor, "building_area": u.building_area,
            "usage": u.usage, "version": u.version}


def household_snapshot(h: Household) -> dict:
    return {
        "household_id": h.id, "group_id": h.group_id, "project_id": h.project_id,
        "unit_id": h.unit_id, "status": h.status, "moved_in_on": h.moved_in_on,
        "moved_out_on": h.moved_out_on, "version": h.version,
        "people": [{"person_id": p.id, "name": p.name, "role": p.role, "phone": p.phone,
                    "email": p.email, "locale": p.locale} for p in h.people],
    }


def export_snapshots(work: Work, kind: str, after: str | None, limit: int,
                     project_id: str | None = None) -> list[dict]:
    """A page of current ``unit.changed`` / ``household.changed`` snapshots in id order after
    ``after`` (the platform only: read models rebuild from it)."""
    work.caller.require_system()
    model, view = {"unit": (Unit, unit_snapshot), "household": (Household, household_snapshot),
                   "project": (Project, project_snapshot)}[kind]
    return [view(row) for row in snapshot_page(
        work, model, after=after, limit=limit, project_id=project_id,
        project_column=model.id if model is Project else model.project_id)]


# -- lookups ------------------------------------------------------------------

def get_project(work: Work, project_id: str, *, conceal: bool = False) -> Project:
    """The project in the caller's scope. ``conceal``: another project's staff get 404 as for one that
    does not exist (the household files' routes -- one rule); the registry's own routes answer 403."""
    project = work.session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(f"no project {project_id}")
    caller = work.caller
    if caller.is_resident:
        mine = work.session.scalars(select(Unit.id).where(
            Unit.project_id == project.id, Unit.id.in_(caller.unit_ids))).first()
        if mine is None or not caller.in_group(project.group_id):
            raise ProjectNotFound(f"no project {project_id}")
    else:
        caller.require_project(project.group_id, project.id, not_found=ProjectNotFound(f"no project {project_id}"),
                               conceal=conceal)
    return project


def get_unit(work: Work, unit_id: str, *, conceal: bool = False) -> Unit:
    """The unit in the caller's scope (``conceal``: as :func:`get_project`)."""
    unit = work.session.get(Unit, unit_id)
    if unit is None:
        raise UnitNotFound(f"no unit {unit_id}")
    work.caller.require_unit(unit.group_id, unit.project_id, unit.id, not_found=UnitNotFound(f"no unit {unit_id}"),
                             conceal=conceal)
    return unit


def get_building(work: Work, building_id: str) -> Building:
    """The building if it is in a project of the caller's (staff); else 404 ``building_not_found`` --
    another project's building as one that does not exist."""
    building = work.session.get(Building, building_id)
    not_found = BuildingNotFound(f"no building {building_id}")
    if building is None:
        raise not_found
    work.caller.require_project(building.group_id, building.project_id, not_found=not_found, conceal=True)
    work.caller.require_staff()
    return building


def active_household(work: Work, unit_id: str) -> Household | None:
    return work.session.scalars(
        select(Household).where(Household.unit_id == unit_id, Household.status == "active")
    ).first()


def list_projects(work: Work) -> list[Project]:
    caller = work.caller
    query = select(Project).order_by(Project.code)
    if not caller.is_system or caller.group_id:
        query = query.where(Project.group_id == caller.group_id)
    projects = work.session.scalars(query).all()
    if caller.is_resident:
        unit_projects = set(work.session.scalars(
            select(Unit.project_id).where(Unit.id.in_(caller.unit_ids))).all())
        return [p for p in projects if p.id in unit_projects]
    return [p for p in projects if caller.sees_project(p.group_id, p.id)]


def list_units(work: Work, project_id: str) -> list[Unit]:
    project = get_project(work, project_id)
    work.caller.require_staff()
    return work.session.scalars(
        select(Unit).join(Building).where(Unit.project_id == project.id)
        .order_by(Building.name, Unit.number)).all()


# -- registration -------------------------------------------------------------

def register_project(work: Work, data: dict) -> tuple[Project, bool]:
    caller = work.caller
    caller.require_role(Role.GROUP_ADMIN)
    if not caller.in_group(data["group_id"]):
        raise Forbidden("projects are registered within the caller's own group", code="wrong_group",
                        zh="只能在本集团内登记项目")
    existing = work.session.get(Project, data["id"]) if data.get("id") else None
    if existing is None:
        existing = work.session.scalars(select(Project).where(
            Project.group_id == data["group_id"], Project.code == data["code"])).first()
    if existing is not None:
        return existing, False
    project = Project(id=_new_id(data.get("id")), group_id=data["group_id"], code=data["code"],
                      name=data["name"], kind=data["kind"], timezone=data["timezone"],
                      address=data.get("address", ""), version=1, created_at=work.clock.now())
    work.session.add(project)
    work.events.record(events.PROJECT_CHANGED, project_snapshot(project),
                       group_id=project.group_id, project_id=project.id)
    return project, True


def register_building(work: Work, data: dict) -> tuple[Building, bool]:
    project = get_project(work, data["project_id"])
    work.caller.require_role(*REGISTRY_ROLES)
    existing = work.session.get(Building, data["id"]) if data.get("id") else None
    if existing is None:
        existing = work.session.scalars(select(Building).where(
            Building.project_id == project.id, Building.name == data["name"])).first()
    if existing is not None:
        return existing, False
    building = Building(id=_new_id(data.get("id")), group_id=project.group_id, project_id=project.id,
                        name=data["name"], floors=data.get("floors"), created_at=work.clock.now())
    work.session.add(building)
    return building, True


def register_unit(work: Work, data: dict) -> tuple[Unit, bool]:
    building = work.session.get(Building, data["building_id"])
    if building is None:
        raise BuildingNotFound(f"no building {data['building_id']}")
    work.caller.require_project(building.group_id, building.project_id,
                                not_found=BuildingNotFound(f"no building {data['building_id']}"))
    work.caller.require_role(*REGISTRY_ROLES)
    existing = work.session.get(Unit, data["id"]) if data.get("id") else None
    if existing is None:
        existing = work.session.scalars(select(Unit).where(
            Unit.building_id == building.id, Unit.number == data["number"])).first()
    if existing is not None:
        return existing, False
    unit = Unit(id=_new_id(data.get("id")), group_id=building.group_id, project_id=building.project_id,
                building_id=building.id, number=data["number"], floor=data.get("floor"),
                building_area=data["building_area"], usage=data.get("usage", "residential"),
                version=1, created_at=work.clock.now())
    unit.building = building
    work.session.add(unit)
    work.events.record(events.UNIT_CHANGED, unit_snapshot(unit),
                       group_id=unit.group_id, project_id=unit.project_id)
    return unit, True


def move_in(work: Work, data: dict) -> tuple[Household, bool]:
    """入伙: register the household of a unit, its people and the move-in file catalogue."""
    unit = get_unit(work, data["unit_id"])
    work.caller.require_role(*MOVE_IN_ROLES)
    if data.get("id"):
        existing = work.session.get(Household, data["id"])
        if existing is not None:
            return existing, False
    move_in_types(work, unit.project_id, data.get("by_proxy", False), set(data.get("documents_received") or ()))
    if not data.get("_transfer"):        # a transfer's date is checked as the transfer's (not after today)
        check_date(work, unit.project_id, "moved_in_on", data["moved_in_on"], ahead=True)
    if active_household(work, unit.id) is not None:
        raise UnitOccupied(f"unit {unit.label} already has an active household; move it out first",
                           zh=f"房屋 {unit.label} 已有在住业户，请先办理迁出")
    now = work.clock.now()
    household = Household(id=_new_id(data.get("id")), group_id=unit.group_id, project_id=unit.project_id,
                          unit_id=unit.id, status="active", moved_in_on=data["moved_in_on"],
                          by_proxy=data.get("by_proxy", False), version=1, created_at=now)
    from .people import after_move_in, new_person     # people, leases, ownership (issue 11)
    household.people = [new_person(work, household, p) for p in data["people"]]
    work.session.add(household)
    work.session.flush()   # the catalogue rows reference the household
    received = set(data.get("documents_received") or ())
    for doc_type in move_in_types(work, unit.project_id, household.by_proxy, received):
        work.session.add(FileDocument(
            id=str(uuid.uuid4()), group_id=unit.group_id, project_id=unit.project_id,
            household_id=household.id, doc_type=doc_type, section="move_in",
            status="present" if doc_type in received else "missing",
            received_at=now if doc_type in received else None))
    work.session.flush()
    after_move_in(work, household, data)
    work.events.record(events.HOUSEHOLD_CHANGED, household_snapshot(household),
                       group_id=household.group_id, project_id=household.project_id)
    return household, True


def move_in_types(work: Work, project_id: str, by_proxy: bool, received: set[str]) -> list[str]:
    """The move-in file's types (the project's catalogue, section move_in): those expected (the power
    of attorney only by proxy) and those received; a type received that is not in the section is 422
    ``unknown_doc_type`` (one list of types: the catalogue's)."""
    from .documents import entry_for, project_entries
    for doc_type in sorted(received):
        entry_for(work, project_id, doc_type, "move_in")
    return [e["doc_type"] for e in project_entries(work, project_id)[1] if e["section"] == "move_in"
            and (e["doc_type"] in received or e["condition"] in ("always", "section")
                 or (e["condition"] == "by_proxy" and by_proxy))]


def get_household(work: Work, household_id: str) -> Household:
    household = work.session.get(Household, household_id)
    if household is None:
        raise HouseholdNotFound(f"no household {household_id}")
    work.caller.require_unit(household.group_id, household.project_id, household.unit_id,
                             not_found=HouseholdNotFound(f"no household {household_id}"), conceal=True)
    return household


# -- what a reader may see ----------------------------------------------------

def household_view(caller: Caller, household: Household, id_numbers: bool = False,
                   unmasked: bool = False) -> dict:
    """The household as this caller may see it (kernel.privacy): phones masked unless the
    caller's role needs them (a resident sees their own). ID numbers are left out, except
    in the access-logged file read (``id_numbers``), masked unless the role needs them.
    ``unmasked``: a read under a grant that shows phones and ID numbers in full (domain/access.py)."""
    own = caller.is_resident and household.unit_id in caller.unit_ids
    show_phone = unmasked or sees_phones(caller, own)
    show_id = id_numbers and (unmasked or sees_id_numbers(caller))
    return {
        "id": household.id, "group_id": household.group_id, "project_id": household.project_id,
        "unit_id": household.unit_id, "status": household.status,
        "moved_in_on": household.moved_in_on, "moved_out_on": household.moved_out_on,
        "balance_due": household.balance_due, "balance_as_of": household.balance_as_of,
        "masked": not show_phone or (id_numbers and not show_id),
        "people": [{
            "id": p.id, "name": p.name, "role": p.role, "locale": p.locale,
            "phone": p.phone if show_phone else phone_for(caller, p.phone, own),
            "email": p.email if show_phone else email_for(caller, p.email, own),
            **({"id_number": p.id_number if show_id else mask_id_number(p.id_number)} if id_numbers else {}),
        } for p in household.people],
    }
