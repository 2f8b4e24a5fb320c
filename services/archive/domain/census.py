"""The stewards' areas (管家片区) and the household census (住户普查 / 入户核查, 000 §八: every 3 months).

**Stewards' areas.** A building has a steward (``StewardAssignment`` with no unit); a unit may have
its own, overriding its building's. The CS manager, the centre manager (or the group admin) assign
and remove them; each change is published as ``steward.assigned`` (notify may keep a copy for the
move-in welcome and revisit requests) and moves the open census tasks of the units concerned to
the steward now responsible. :func:`steward_for_unit` answers who is responsible for a unit (the
unit's own, else its building's, else nobody). The work phone is a staff number published to
residents: never masked.

**The census.** Each active household is checked by its steward every ``archive.census_every_months``
(3) months. Its census falls due ``every`` months after its last census was *done* (confirmed or
corrected) -- or after its move-in when it never had one. The rhythm is counted from the completion
date, not from the previous due date: the file is then never checked twice within ``every`` months,
and a late visit does not make the next one come early (the household was just seen); the price is
that a steward's lateness carries over to the next date, which the overdue lists make visible.

A daily job per project (``census-sweep``, 01:30 local, see :func:`seed_daily_jobs`) opens a task
for every active household whose census falls due within ``archive.census_lead_days`` (7) days and
that has no open task: due on that date -- or, when the date has passed already (a household on
file before the census existed, days the job did not run), ``lead`` days from today, so the first
run on an old estate does not make every file overdue at once. One job per project and day, set
based (one query for the project's households, one bulk insert), scales to thousands of
households: a per-household job would put a row per household in the jobs table and a transaction
per household into the runner for what is, per day, one question. The job is a kernel job (claimed
with a lease, its writes and its completion in one transaction): with two replicas it runs once.
More than :data:`SWEEP_BATCH` due at once: the rest in a chained job at once (``key#2``, ...).

The task is assigned to the unit's steward at the time (moved with the area, see above).

| from | action | to | who |
|---|---|---|---|
| open | confirm ``{note?}`` | confirmed | the task's steward (any steward while unassigned), CS manager, centre manager |
| open | correct ``{people: [{person_id, name?, phone?, email?, locale?, marketing_consent?}], note?}`` | corrected | as confirm |
| open | cancel ``{reason}`` | cancelled | CS manager, centre manager, the platform (the household moved out) |

Corrections go through :data:`apply_correction` -- the people area's ``people.apply_correction``,
the one place a person's contacts are corrected from outside the desk: each field changed is a row
of the contact history (``person_changes``: who changed what from what to what, when; reason
``census: <task id>``). The household is locked first (its changes queue behind each other) and
published once per correction (``household.changed``, a new version) whatever the number of people
corrected; the task keeps which fields of whom were changed, never the values.

Reads: a task's details show the household's people and contacts -- THE access check
(``access.require_read``, ``census_task``, the purpose the steward states; logged), as the household
summary (``summary``: any staff of the project, a resident their own) and the contacts for notify
(``contacts``: the customer-service department with a purpose; the platform without) are.

**Consents** (:func:`record_consent`): what a person agreed to with the company, ``marketing``
(greetings, community events -- not service or legal notices) yes or no, recorded at move-in or
at a census. notify's opt-outs (per channel, the resident's later choice) are on top: a marketing
message goes only to a person whose consent is ``true`` *and* who has not opted out of the
channel; ``null`` (never asked) counts as no. Service and legal messages do not look at it.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import calendar
from marshmallow import fields, validate
from sqlalchemy import case, false, func, insert, or_, select, update

from kernel.errors import Forbidden, InvalidInput
from kernel.settings import Setting
from kernel.tenancy import Caller, Role
from kernel.work import Work

from .. import events
from ..exceptions import (BuildingNotFound, CensusTaskNotFound, CensusTransitionNotAllowed,
                          NotAssignedToYou, NothingCorrected, PersonNotInHousehold,
                          ProjectNotFound, StewardAssignmentNotFound, UnitNotFound)
from ..models import (Building, CensusTask, Household, Person, PersonConsent, Project,
                      StewardAssignment, Unit)
from . import access, people, registry, retention
from .privacy import email_for, mask_name, phone_for, sees_phones

EVERY_MONTHS = "archive.census_every_months"
LEAD_DAYS = "archive.census_lead_days"

SETTINGS = [
    Setting(EVERY_MONTHS, fields.Integer(strict=True, validate=validate.Range(min=1, max=24)), default=3,
            unit="months", doc="each household's census (住户普查) falls due N months after its last one was done "
                               "(or after its move-in)"),
    Setting(LEAD_DAYS, fields.Integer(strict=True, validate=validate.Range(min=0, max=60)), default=7,
            unit="days", doc="a census task is opened N days before the household's census falls due (and due "
                             "N days from the day it is opened when its date has passed already)"),
]

#: who assigns the stewards' areas
ASSIGN_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GROUP_ADMIN)
#: who read the census lists of a project (a steward: every list; the managers: per steward)
LIST_ROLES = (Role.STEWARD, Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
#: who act on any census task; a steward acts on their own (or an unassigned one)
TASK_MANAGERS = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who may read a household's contacts for messaging besides the platform
CONTACT_READERS = Role.CUSTOMER_SERVICE

OPEN, CONFIRMED, CORRECTED, CANCELLED = "open", "confirmed", "corrected", "cancelled"
DONE = (CONFIRMED, CORRECTED)
CONFIRM, CORRECT, CANCEL = "confirm", "correct", "cancel"
#: the census task's workflow: (state, action) -> next state
TABLE = {(OPEN, CONFIRM): CONFIRMED, (OPEN, CORRECT): CORRECTED, (OPEN, CANCEL): CANCELLED}

SWEEP_JOB = "census-sweep"
#: the periodic job that makes sure every project has today's daily jobs (hourly)
SEED_JOB = "archive-daily-seed"
SEED_EVERY = 3600.0
#: local times of the daily jobs
SWEEP_AT, PURGE_AT = time(1, 30), time(3, 0)
#: the most census tasks one sweep job opens (the rest: a chained job)
SWEEP_BATCH = 2000

#: what a census may correct of a person (the rest -- roles, ID numbers, new people -- is the
#: people area's: move-in, tenants, transfers)
CORRECTABLE = ("name", "phone", "email", "locale")
MARKETING = "marketing"


# -- helpers ------------------------------------------------------------------------------------------

def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def setting(work: Work, project_id: str, key: str, catalogue=None):
    """A census/retention setting of the project (its default when the unit of work was built
    without archive's catalogue, e.g. a test's)."""
    if work.settings is not None and key in work.settings.catalogue:
        return work.settings.get(project_id, key)
    for s in catalogue or (*SETTINGS, *retention.SETTINGS):
        if s.key == key:
            return s.default
    raise KeyError(key)


def local_today(work: Work, project: Project) -> date:
    return work.clock.now().astimezone(ZoneInfo(project.timezone or "Asia/Shanghai")).date()


def _project(work: Work, project_id: str) -> Project:
    """The project (404 for another project's staff and for residents elsewhere: one rule); a resident
    of the project, or another role of it, is then refused by the role check (403)."""
    return registry.get_project(work, project_id, conceal=True)


# -- stewards' areas (管家片区) ------------------------------------------------------------------------

def assignment_view(a: StewardAssignment) -> dict:
    return {"assignment_id": a.id, "group_id": a.group_id, "project_id": a.project_id,
            "building_id": a.building_id, "unit_id": a.unit_id, "steward_id": a.steward_id,
            "steward_name": a.steward_name, "work_phone": a.work_phone, "assigned_at": a.assigned_at,
            "assigned_by": a.assigned_by, "version": a.version}


def _scope(work: Work, project: Project, building_id: str, unit_id: str | None) -> tuple[Building, str]:
    building = work.session.get(Building, building_id)
    if building is None or building.project_id != project.id:
        raise BuildingNotFound(f"no building {building_id} in project {project.id}")
    if unit_id is not None:
        unit = work.session.get(Unit, unit_id)
        if unit is None or unit.building_id != building.id:
            raise UnitNotFound(f"no unit {unit_id} in building {building.name}")
        return building, f"unit:{unit_id}"
    return building, f"building:{building_id}"


def assign_steward(work: Work, project_id: str, data: dict) -> tuple[StewardAssignment, bool]:
    """Assign (or change) the steward of a building or of one unit; returns (assignment, changed)."""
    project = _project(work, project_id)
    work.caller.require_role(*ASSIGN_ROLES)
    building, scope_key = _scope(work, project, data["building_id"], data.get("unit_id"))
    row = work.session.scalars(select(StewardAssignment).where(
        StewardAssignment.project_id == project.id, StewardAssignment.scope_key == scope_key)).first()
    wanted = (data["steward_id"], data["steward_name"], data.get("work_phone"))
    if row is not None and (row.steward_id, row.steward_name, row.work_phone) == wanted:
        return row, False
    now = work.clock.now()
    if row is None:
        row = StewardAssignment(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                                building_id=building.id, unit_id=data.get("unit_id"), scope_key=scope_key,
                                version=0)
        work.session.add(row)
    row.steward_id, row.steward_name, row.work_phone = wanted
    row.assigned_at, row.assigned_by = now, work.caller.user_id
    row.version += 1
    work.session.flush()
    work.events.record(events.STEWARD_ASSIGNED, assignment_view(row), group_id=project.group_id,
                       project_id=project.id)
    _retarget_open_tasks(work, project, building.id, data.get("unit_id"))
    return row, True


def remove_steward(work: Work, project_id: str, data: dict) -> dict:
    """Remove a building's or a unit's assignment (a unit then falls back to its building's)."""
    project = _project(work, project_id)
    work.caller.require_role(*ASSIGN_ROLES)
    building, scope_key = _scope(work, project, data["building_id"], data.get("unit_id"))
    row = work.session.scalars(select(StewardAssignment).where(
        StewardAssignment.project_id == project.id, StewardAssignment.scope_key == scope_key)).first()
    if row is None:
        raise StewardAssignmentNotFound(f"no steward assigned to {scope_key}")
    view = dict(assignment_view(row), steward_id=None, steward_name=None, work_phone=None,
                assigned_at=work.clock.now(), assigned_by=work.caller.user_id, version=row.version + 1)
    work.session.delete(row)
    work.session.flush()
    work.events.record(events.STEWARD_ASSIGNED, view, group_id=project.group_id, project_id=project.id)
    _retarget_open_tasks(work, project, building.id, data.get("unit_id"))
    return view


def list_stewards(work: Work, project_id: str) -> list[StewardAssignment]:
    """The project's assignments (any staff member of the project), buildings first."""
    project = _project(work, project_id)
    work.caller.require_staff()
    return list(work.session.scalars(select(StewardAssignment).where(StewardAssignment.project_id == project.id)
                                     .order_by(StewardAssignment.building_id, StewardAssignment.unit_id.is_not(None),
                                               StewardAssignment.unit_id)))


def _areas(work: Work, project_id: str) -> tuple[dict, dict]:
    """(building_id -> assignment, unit_id -> assignment) of the project."""
    by_building, by_unit = {}, {}
    for row in work.session.scalars(select(StewardAssignment).where(StewardAssignment.project_id == project_id)):
        (by_unit if row.unit_id else by_building)[row.unit_id or row.building_id] = row
    return by_building, by_unit


def _responsible(by_building: dict, by_unit: dict, unit_id: str, building_id: str):
    return by_unit.get(unit_id) or by_building.get(building_id)


def _retarget_open_tasks(work: Work, project: Project, building_id: str, unit_id: str | None) -> None:
    """The open census tasks of the units whose responsible steward may have changed follow it."""
    by_building, by_unit = _areas(work, project.id)
    if unit_id is not None:
        units = [unit_id]
        now = _responsible(by_building, by_unit, unit_id, building_id)
    else:
        units = select(Unit.id).where(Unit.building_id == building_id, Unit.id.not_in(list(by_unit) or [""]))
        now = by_building.get(building_id)
    work.session.execute(
        update(CensusTask).where(CensusTask.project_id == project.id, CensusTask.status == OPEN,
                                 CensusTask.unit_id.in_(units))
        .values(steward_id=now.steward_id if now else None, steward_name=now.steward_name if now else "")
        .execution_options(synchronize_session=False))


def steward_view(row: StewardAssignment | None, unit: Unit) -> dict | None:
    if row is None:
        return None
    return {"unit_id": unit.id, "building_id": unit.building_id, "steward_id": row.steward_id,
            "steward_name": row.steward_name, "work_phone": row.work_phone,
            "source": "unit" if row.unit_id else "building", "assigned_at": row.assigned_at}


def steward_for_unit(work: Work, unit_id: str) -> dict | None:
    """The steward responsible for a unit (the unit's own, else its building's; None: nobody yet).
    Staff of the project, the platform, and a resident for their own unit."""
    unit = registry.get_unit(work, unit_id, conceal=True)
    rows = work.session.scalars(select(StewardAssignment).where(
        StewardAssignment.project_id == unit.project_id,
        or_(StewardAssignment.scope_key == f"unit:{unit.id}",
            StewardAssignment.scope_key == f"building:{unit.building_id}"))).all()
    by_scope = {r.scope_key: r for r in rows}
    return steward_view(by_scope.get(f"unit:{unit.id}") or by_scope.get(f"building:{unit.building_id}"), unit)


# -- consents --------------------------------------------------------------------------------------------

def record_consent(work: Work, person: Person, topic: str, allowed: bool, source: str) -> PersonConsent:
    """Record what ``person`` agreed to (``topic``: ``marketing``) -- at move-in (the people area calls
    this with ``source="move_in"``), at a census, or by staff. The latest answer is kept."""
    row = work.session.get(PersonConsent, (person.id, topic))
    now = work.clock.now()
    if row is None:
        row = PersonConsent(person_id=person.id, topic=topic, group_id=person.group_id,
                            household_id=person.household_id)
        work.session.add(row)
    row.allowed, row.source, row.recorded_at, row.recorded_by = bool(allowed), source, now, work.caller.user_id
    return row


def consents_of(work: Work, person_ids: list[str]) -> dict[str, dict]:
    """person_id -> {topic: allowed}."""
    out: dict[str, dict] = {}
    if person_ids:
        for row in work.session.scalars(select(PersonConsent).where(PersonConsent.person_id.in_(person_ids))):
            out.setdefault(row.person_id, {})[row.topic] = row.allowed
    return out


# -- the census ------------------------------------------------------------------------------------------

#: the one function a census correction changes a person with (the people area's, with the contact
#: history) -- ``apply_correction(work, person, {field: value}, source="census", ref=task_id) -> [changed]``
apply_correction = people.apply_correction


def seed_daily_jobs(work: Work, job) -> int:
    """The periodic ``archive-daily-seed`` (hourly): today's ``census-sweep`` and ``retention-purge``
    of every project, key ``project:YYYY-MM-DD`` in the project's local date (already there: left
    as they are -- one run per project and day, whichever replica, whenever the seed ran)."""
    n = 0
    for project in work.session.scalars(select(Project).order_by(Project.id)):
        zone = ZoneInfo(project.timezone or "Asia/Shanghai")
        today = work.clock.now().astimezone(zone).date()
        for kind, at in ((SWEEP_JOB, SWEEP_AT), (retention.PURGE_JOB, PURGE_AT)):
            work.jobs.schedule(kind, key=f"{project.id}:{today.isoformat()}",
                               due_at=datetime.combine(today, at, tzinfo=zone),
                               payload={"day": today.isoformat()}, group_id=project.group_id,
                               project_id=project.id)
            n += 1
    return n


def chain(work: Work, job, kind: str) -> None:
    """The rest of a day's batch work: the same job again at once, key ``base#n``."""
    base, _, part = job.key.partition("#")
    work.jobs.schedule(kind, key=f"{base}#{int(part or 1) + 1}", due_at=work.clock.now(), payload=job.payload,
                       group_id=job.group_id, project_id=job.project_id)


def run_sweep(work: Work, job) -> None:
    """The ``census-sweep`` job of a project and day."""
    project = work.session.get(Project, job.project_id)
    if project is None:
        return
    opened, more = sweep(work, project)
    if more:
        chain(work, job, SWEEP_JOB)


def sweep(work: Work, project: Project, limit: int | None = None) -> tuple[int, bool]:
    """Open the census tasks falling due (see the module doc), at most ``limit`` (:data:`SWEEP_BATCH`);
    cancel the open tasks of households that moved out. Returns (opened, more left)."""
    session, limit = work.session, limit or SWEEP_BATCH
    today = local_today(work, project)
    every, lead = setting(work, project.id, EVERY_MONTHS), setting(work, project.id, LEAD_DAYS)
    horizon = today + timedelta(days=lead)
    moved_out = select(Household.id).where(Household.project_id == project.id, Household.status != "active")
    session.execute(update(CensusTask).where(CensusTask.project_id == project.id, CensusTask.status == OPEN,
                                             CensusTask.household_id.in_(moved_out))
                    .values(status=CANCELLED, note="the household moved out", done_at=work.clock.now(),
                            done_by=work.caller.user_id, version=CensusTask.version + 1)
                    .execution_options(synchronize_session=False))
    last_done = (select(CensusTask.household_id, func.max(CensusTask.done_on).label("last"))
                 .where(CensusTask.project_id == project.id, CensusTask.status.in_(DONE))
                 .group_by(CensusTask.household_id).subquery())
    still_open = select(CensusTask.household_id).where(CensusTask.project_id == project.id,
                                                       CensusTask.status == OPEN)
    rows = session.execute(
        select(Household.id, Household.unit_id, Household.moved_in_on, Household.created_at, last_done.c.last,
               Unit.building_id)
        .join(Unit, Unit.id == Household.unit_id)
        .outerjoin(last_done, last_done.c.household_id == Household.id)
        .where(Household.project_id == project.id, Household.status == "active",
               Household.id.not_in(still_open))
        .order_by(Household.id)).all()
    zone = ZoneInfo(project.timezone or "Asia/Shanghai")
    by_building, by_unit = _areas(work, project.id)
    now, new = work.clock.now(), []
    for household_id, unit_id, moved_in_on, created_at, last, building_id in rows:
        basis = last or moved_in_on or created_at.astimezone(zone).date()
        due = months_after(basis, every)
        if due > horizon:
            continue
        if due < today:
            due = horizon
        steward = _responsible(by_building, by_unit, unit_id, building_id)
        new.append(dict(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                        household_id=household_id, unit_id=unit_id, due_on=due, status=OPEN,
                        steward_id=steward.steward_id if steward else None,
                        steward_name=steward.steward_name if steward else "", created_at=now,
                        done_by_name="", note="", changes="[]", version=1))
        if len(new) > limit:
            break
    more = len(new) > limit
    new = new[:limit]
    if new:
        session.execute(insert(CensusTask), new)
    return len(new), more


def sweep_now(work: Work, project_id: str) -> dict:
    """Today's census sweep of the project, now (the platform only: ``./wuye archive census PROJECT``
    -- an operator after loading a project's households, or after fixing the stewards' areas; as
    billing's ``run_dunning_sweep``): the ``census-sweep`` day job's sweep, run early and to the end
    (batch after batch in this one transaction); the day job then finds every falling-due household
    with its open task and opens nothing. Running it again opens nothing either. Returns the day
    swept, how many tasks it opened and how many are open now."""
    work.caller.require_system()
    project = work.session.get(Project, project_id)
    if project is None:
        raise ProjectNotFound(f"no project {project_id}")
    opened, more = sweep(work, project)
    while more:
        work.session.flush()
        batch, more = sweep(work, project)
        opened += batch
    still_open = work.session.scalar(select(func.count()).select_from(CensusTask).where(
        CensusTask.project_id == project.id, CensusTask.status == OPEN))
    return {"project_id": project.id, "day": local_today(work, project), "opened": opened, "open": still_open}


def get_task(work: Work, task_id: str) -> CensusTask:
    task = work.session.get(CensusTask, task_id)
    not_found = CensusTaskNotFound(f"no census task {task_id}")
    if task is None:
        raise not_found
    caller = work.caller
    if caller.is_resident:
        raise not_found            # the centre's own work about a household
    caller.require_project(task.group_id, task.project_id, not_found=not_found, conceal=True)
    caller.require_role(*LIST_ROLES)
    return task


def _may_act(caller: Caller, task: CensusTask, action: str) -> None:
    if caller.is_system or caller.roles & set(TASK_MANAGERS):
        return
    if action == CANCEL or Role.STEWARD not in caller.roles:
        caller.require_role(*TASK_MANAGERS)
    if task.steward_id not in (None, caller.user_id):
        raise NotAssignedToYou(f"this census task is {task.steward_name or task.steward_id}'s")


def _transition(work: Work, task: CensusTask, action: str) -> Household:
    _may_act(work.caller, task, action)
    target = TABLE.get((task.status, action))
    if target is None:
        raise CensusTransitionNotAllowed(f"a {task.status} census task cannot be {action}ed")
    household = work.session.get(Household, task.household_id)
    if action != CANCEL and household.status != "active":
        raise CensusTransitionNotAllowed("the household moved out: the task is cancelled by the next sweep")
    now = work.clock.now()
    task.status, task.version = target, task.version + 1
    task.done_at, task.done_by, task.done_by_name = now, work.caller.user_id, work.caller.name or ""
    if target in DONE:
        task.done_on = local_today(work, work.session.get(Project, task.project_id))
    return household


def confirm(work: Work, task_id: str, data: dict) -> CensusTask:
    """The steward found the household's people and contacts as on file (无变化)."""
    task = get_task(work, task_id)
    _transition(work, task, CONFIRM)
    task.note = data.get("note") or ""
    return task


def correct(work: Work, task_id: str, data: dict) -> CensusTask:
    """The steward corrects people's names, phones, e-mails, locales and marketing consent."""
    task = get_task(work, task_id)
    _may_act(work.caller, task, CORRECT)
    household = people.lock_household(work, work.session.get(Household, task.household_id))
    members = {p.id: p for p in household.people}
    unknown = [c["person_id"] for c in data["people"] if c["person_id"] not in members]
    if unknown:
        raise PersonNotInHousehold("not a member of this household", details={"person_ids": unknown})
    held = consents_of(work, list(members))
    changes, contacts_changed = [], False
    for change in data["people"]:
        person = members[change["person_id"]]
        wanted = {k: change[k] for k in CORRECTABLE if k in change}
        changed = apply_correction(work, person, wanted, source="census", ref=task.id)
        contacts_changed = contacts_changed or bool(changed)
        if "marketing_consent" in change and held.get(person.id, {}).get(MARKETING) != change["marketing_consent"]:
            record_consent(work, person, MARKETING, change["marketing_consent"], "census")
            changed = [*changed, "marketing_consent"]
        if changed:
            changes.append({"person_id": person.id, "changed": changed})
    if not changes:
        raise NothingCorrected("nothing differs from the file: confirm the census instead")
    _transition(work, task, CORRECT)
    task.note, task.changes = data.get("note") or "", json.dumps(changes)
    if contacts_changed:
        people.household_changed(work, household)       # once per correction
    return task


def cancel(work: Work, task_id: str, data: dict) -> CensusTask:
    task = get_task(work, task_id)
    _transition(work, task, CANCEL)
    task.done_on, task.note = None, data["reason"]
    return task


def on_moved_out(work: Work, household: Household) -> int:
    """HOOK (people area's move-out): cancel the household's open census task at once (the next
    sweep does it anyway). Returns how many were cancelled."""
    result = work.session.execute(
        update(CensusTask).where(CensusTask.household_id == household.id, CensusTask.status == OPEN)
        .values(status=CANCELLED, note="the household moved out", done_at=work.clock.now(),
                done_by=work.caller.user_id, version=CensusTask.version + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount


# -- lists -----------------------------------------------------------------------------------------------

STATES = ("open", "due", "overdue", "done", "cancelled", "all")


def _state_condition(state: str, today: date):
    if state == "open":
        return CensusTask.status == OPEN
    if state == "due":
        return (CensusTask.status == OPEN) & (CensusTask.due_on >= today)
    if state == "overdue":
        return (CensusTask.status == OPEN) & (CensusTask.due_on < today)
    if state == "done":
        return CensusTask.status.in_(DONE)
    if state == "cancelled":
        return CensusTask.status == CANCELLED
    return None


def task_views(work: Work, tasks: list[CensusTask], today_of: dict) -> list[dict]:
    labels = {}
    unit_ids = sorted({t.unit_id for t in tasks})
    if unit_ids:
        labels = {u.id: u.label for u in work.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)))}
    every_of: dict = {}
    out = []
    for t in tasks:
        if t.project_id not in every_of:
            every_of[t.project_id] = setting(work, t.project_id, EVERY_MONTHS)
        out.append(task_view(t, labels.get(t.unit_id, ""), today_of[t.project_id], every_of[t.project_id]))
    return out


def task_view(t: CensusTask, unit_label: str, today: date, every: int) -> dict:
    return {
        "id": t.id, "project_id": t.project_id, "household_id": t.household_id, "unit_id": t.unit_id,
        "unit_label": unit_label, "due_on": t.due_on, "status": t.status,
        "overdue": t.status == OPEN and t.due_on < today,
        "steward": {"user_id": t.steward_id, "name": t.steward_name} if t.steward_id else None,
        "created_at": t.created_at, "done_on": t.done_on, "done_at": t.done_at,
        "done_by": {"user_id": t.done_by, "name": t.done_by_name} if t.done_by else None,
        "note": t.note, "changes": json.loads(t.changes or "[]"),
        "next_due_on": months_after(t.done_on, every) if t.done_on else None, "version": t.version,
    }


def list_tasks(work: Work, project_id: str, query: dict) -> dict:
    """The project's census tasks (steward, CS manager, centre manager, GM, group admin), by state
    and steward (``unassigned``: the tasks of units without a steward), oldest due first, paged."""
    project = _project(work, project_id)
    work.caller.require_role(*LIST_ROLES)
    today = local_today(work, project)
    conditions = [CensusTask.project_id == project.id]
    state = _state_condition(query.get("state") or "open", today)
    if state is not None:
        conditions.append(state)
    steward = query.get("steward_id")
    if steward == "unassigned":
        conditions.append(CensusTask.steward_id.is_(None))
    elif steward:
        conditions.append(CensusTask.steward_id == steward)
    return _page(work, conditions, query, {project.id: today})


def my_tasks(work: Work, query: dict) -> dict:
    """A steward's own census tasks in every project of their scope."""
    caller = work.caller
    if not caller.is_staff:
        raise Forbidden("a staff member's own list", code="staff_only", zh="仅限员工查看自己的任务")
    projects = [p for p in work.session.scalars(select(Project).where(Project.group_id == caller.group_id))
                if caller.sees_project(p.group_id, p.id)]
    today_of = {p.id: local_today(work, p) for p in projects}
    state, per_project = query.get("state") or "open", []
    for p in projects:                  # "overdue" is per project: each one's local date
        condition = _state_condition(state, today_of[p.id])
        per_project.append(CensusTask.project_id == p.id if condition is None
                           else (CensusTask.project_id == p.id) & condition)
    conditions = [CensusTask.steward_id == caller.user_id, or_(*per_project) if per_project else false()]
    return _page(work, conditions, query, today_of)


def _page(work: Work, conditions: list, query: dict, today_of: dict) -> dict:
    limit, offset = query.get("limit", 50), query.get("offset", 0)
    total = work.session.scalar(select(func.count()).select_from(CensusTask).where(*conditions))
    tasks = list(work.session.scalars(select(CensusTask).where(*conditions)
                                      .order_by(CensusTask.due_on, CensusTask.id).limit(limit).offset(offset)))
    return {"total": total, "items": task_views(work, tasks, today_of)}


def overdue_by_steward(work: Work, project_id: str) -> list[dict]:
    """Per steward of the project (and ``None``: units without one): open and overdue census tasks,
    the oldest due date -- for the CS manager and the centre manager (and GM, group admin)."""
    project = _project(work, project_id)
    work.caller.require_role(Role.CS_MANAGER, Role.CENTRE_MANAGER, Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
    today = local_today(work, project)
    late = (CensusTask.due_on < today)
    rows = work.session.execute(
        select(CensusTask.steward_id, func.max(CensusTask.steward_name), func.count(),
               func.sum(case((late, 1), else_=0)), func.min(CensusTask.due_on))
        .where(CensusTask.project_id == project.id, CensusTask.status == OPEN)
        .group_by(CensusTask.steward_id)).all()
    out = [{"steward_id": sid, "steward_name": name or "", "open": n, "overdue": int(o or 0), "oldest_due_on": oldest}
           for sid, name, n, o, oldest in rows]
    return sorted(out, key=lambda r: (-r["overdue"], r["steward_id"] or ""))


def task_with_household(work: Work, task_id: str, purpose: str | None) -> dict:
    """A census task with its household's people as on file (masked per the caller's role) -- what
    the steward checks at the door. A read of contacts: logged in the file's access log."""
    task = get_task(work, task_id)
    household = work.session.get(Household, task.household_id)
    access.require_read(work, household, "census_task", purpose, residents=False, asks_purpose=True)
    project = work.session.get(Project, task.project_id)
    view = task_views(work, [task], {project.id: local_today(work, project)})[0]
    view["household"] = _people_view(work, household)
    return view


def _people_view(work: Work, household: Household) -> dict:
    caller = work.caller
    own = caller.is_resident and household.unit_id in caller.unit_ids
    held = consents_of(work, [p.id for p in household.people])
    return {"household_id": household.id, "unit_id": household.unit_id, "status": household.status,
            "masked": not sees_phones(caller, own),
            "people": [{"person_id": p.id, "name": p.name, "role": p.role, "locale": p.locale,
                        "phone": phone_for(caller, p.phone, own), "email": email_for(caller, p.email, own),
                        "consents": {MARKETING: held.get(p.id, {}).get(MARKETING)}} for p in household.people]}


# -- queries for the other services -------------------------------------------------------------------------

def household_summary(work: Work, unit_id: str) -> dict:
    """A unit's household at a glance: status, move-in date, people counted by role, the owners'
    names (masked unless the caller's role needs them), the payment summary kept from billing's
    events, the census (open task, last done, next due) and the steward. Staff of the project, the
    platform, a resident for their own unit. No phones, no ID numbers. A read of a household is
    THE access check's (``access.require_read``, ``summary``: any staff role of the project but the
    auditor)."""
    unit = registry.get_unit(work, unit_id, conceal=True)
    caller = work.caller
    if not (caller.is_system or caller.is_staff or caller.is_resident):
        raise Forbidden("staff, the platform or the unit's resident", code="role_required",
                        zh="仅限员工或该房屋的住户查看")
    household = registry.active_household(work, unit.id)
    if household is not None and not caller.is_system:    # the other services' query: not logged
        # any staff role of the project but the auditor's (who reads the access log, not households)
        access.require_read(work, household, "summary", None, roles=Role.STAFF - {Role.AUDITOR})
    project = work.session.get(Project, unit.project_id)
    out = {"unit": {"id": unit.id, "project_id": unit.project_id, "building_id": unit.building_id,
                    "label": unit.label, "building_area": unit.building_area, "usage": unit.usage},
           "household": None, "steward": steward_for_unit(work, unit.id), "census": None}
    if household is None:
        return out
    own = caller.is_resident and household.unit_id in caller.unit_ids
    full = sees_phones(caller, own)
    out["household"] = {
        "id": household.id, "status": household.status, "moved_in_on": household.moved_in_on,
        "people_by_role": dict(sorted(Counter(p.role for p in household.people).items())),
        "owners": [p.name if full else mask_name(p.name) for p in household.people if p.role == "owner"],
        "names_masked": not full,
        "balance_due": household.balance_due, "balance_as_of": household.balance_as_of,
    }
    if caller.is_resident:
        return out                       # the census is the centre's own work
    tasks = work.session.scalars(select(CensusTask).where(CensusTask.household_id == household.id,
                                                          CensusTask.status.in_((OPEN, *DONE)))
                                 .order_by(CensusTask.due_on.desc())).all()
    today = local_today(work, project)
    open_task = next((t for t in tasks if t.status == OPEN), None)
    last = max((t.done_on for t in tasks if t.done_on), default=None)
    every = setting(work, project.id, EVERY_MONTHS)
    out["census"] = {
        "open_task": {"id": open_task.id, "due_on": open_task.due_on, "overdue": open_task.due_on < today}
        if open_task else None,
        "last_done_on": last,
        "next_due_on": open_task.due_on if open_task else months_after(last or household.moved_in_on
                                                                       or today, every),
    }
    return out


def contacts_for_notify(work: Work, unit_id: str | None, household_id: str | None,
                        purpose: str | None = None) -> dict:
    """The people of a household (the unit's current one, or the one named) with their phone,
    e-mail, locale and consents -- for messaging. The platform, and the customer-service department
    with a stated purpose (logged in the file's access log); phones masked per role as everywhere."""
    if (unit_id is None) == (household_id is None):
        raise InvalidInput("name a unit_id or a household_id (one of them)", code="unit_or_household",
                           zh="请指定房屋或业户（二者之一）")
    caller = work.caller
    if household_id is not None:
        household = access.household_for_read(work, household_id)
    else:
        unit = registry.get_unit(work, unit_id, conceal=True)
        household = registry.active_household(work, unit.id)
        if household is None:
            if not caller.is_system:
                access.require_purpose(work, None, purpose)
                caller.require_role(*CONTACT_READERS)
            return {"unit_id": unit.id, "household_id": None, "status": None, "masked": False, "people": []}
    if not caller.is_system:           # the platform's reads for messaging are not the file's readers
        access.require_read(work, household, "contacts", purpose, residents=False, asks_purpose=True)
    return _people_view(work, household)
