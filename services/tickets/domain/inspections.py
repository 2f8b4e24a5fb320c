"""Daily inspections (日常巡检, seed 000 §四) and stewards' patrols (巡视, seed 001).

**Checklists** (巡检项目) per area type -- ``stairwell`` 楼梯间, ``roof`` 楼顶天台, ``elevator`` 电梯,
``lobby_corridor`` 大堂、门厅、走廊, ``exterior`` 园区外观 -- with the seed's items as built-in
defaults (:data:`DEFAULT_ITEMS`, version 0). A project overrides a type's checklist as a whole
list (:func:`set_template`: items keep their code when renamed, new ones get the next code,
those left out are removed); each change is a new version (``inspection_templates``), and a
round keeps the items of the version it was made with.

**Areas** (巡检区域): "1栋楼梯间", of a type, optionally in a building; names are kept and
compared NFKC-normalised ("１栋楼梯间" is "1栋楼梯间": 409 ``area_name_taken``). The steward who
patrols it is the one named on the area, else the building's steward (archive's
``steward.assigned``, kept in ``building_steward_copies``); the area shows that effective steward
and where it comes from (``steward_source``: area / building). **A deactivated area** has its
patrols planned and not started cancelled (clocks cancelled: never missed, never alerted) and is
given none by the plan. **A deactivated steward** (the gateway's ``wuye-user deactivate`` tells
tickets: ``set_staff_active``, kept in ``inactive_staff``) is given no patrol: the plan makes the
area's patrols unassigned, their clock answerable by the CS manager (whose inbox their alerts
reach; the manager assigns them), and the steward's patrols planned and not started move there.

**Rounds** (巡检记录) are tickets of kind ``inspection`` (numbers ``XJ-YYYYMMDD-NNNN``, readable by
staff only) with an ``inspection_rounds`` row and, for a planned patrol, one SLA clock
``patrol`` (answerable: the steward) from its window's start to its end. The transition table
:data:`TABLE`:

| from | action | to | who |
|---|---|---|---|
| planned | start | in_progress | recorder: steward, front desk |
| planned, in_progress | record | in_progress | recorder (results: ok / failed, note, photo) |
| planned, in_progress | complete | done | recorder -- a result for every item (``results_incomplete``) |
| planned, in_progress | miss | missed | the platform, when a patrol's deadline passes (job ``inspection-miss``) |
| planned, in_progress | cancel | cancelled | manager: CS manager, centre manager -- with a reason |
| planned | assign | planned | manager: a planned patrol to another steward (one away that day) |

(``complete`` from ``planned``: the whole round submitted at once.) A staff member asking for a
step without one of its roles is told the step's roles (:data:`ACTION_ROLES`), not the readers'.
**A round walked now** (现场巡检, :func:`start_round`) is of today's local day, due
``inspection.spot_round_hours`` (4) later (clock ``spot_round``, answerable: the opener's role)
and missed like a patrol; one open per area (409 ``spot_round_open``). A patrol whose deadline has passed
takes no more steps from people (``409 patrol_missed``),
whether or not the platform has marked it yet. **A failed item opens a repair** (category
``public_area``, location = the area) through the repair intake (``repairs.open_repair``), once
per round and item (``inspection_results`` is unique on both; the round's row is locked while
results are recorded): resubmitting the result updates its note and photo, never a second
ticket. The repair's content and its history name the round and the item; the round lists the
ticket by item. ``inspection.item_failed`` tells it.

**The patrol plan** (:func:`plan_day`): a kernel job per project and local day
(``inspection-plan``, key ``project:YYYY-MM-DD``, due at local midnight; claimed, so one replica
runs it) makes each active area's patrols for the day -- ``inspection.patrols_per_day`` (2) of
the ``inspection.patrol_windows`` (08:00-12:00, 14:00-18:00), each assigned to the area's
steward, each with its ``patrol`` clock and an ``inspection-miss`` job at its deadline -- and
schedules the next day's. One round per area, day and slot (``uq_inspection_patrol_slot``): a
rerun plans nothing twice. A new area gets today's remaining patrols at once.

**Missed** (:func:`run_miss`): at its deadline a patrol still planned or in progress is marked
``missed`` (``patrol.missed``, once: the job runs once and the state moves once); its clock is
left running, so the SLA sweep tells its breach (``ticket.sla_breached``, once) to the steward's
inbox (and the CS manager's) like any other clock.
"""
from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import object_session

from kernel import privacy
from kernel.tenancy import Caller, Role
from kernel.work import Work

from ..exceptions import (AreaNameTaken, AreaNotFound, ArchiveUnavailable, BadChecklist, BuildingNotFound,
                          NotYourStep, PatrolMissed, ResultsIncomplete, RoundNotFound, SpotRoundOpen,
                          TransitionNotAllowed, UnknownChecklistItem)
from ..models import (BuildingStewardCopy, InactiveStaff, InspectionArea, InspectionResult, InspectionRound,
                      InspectionTemplate, ProjectCopy, Ticket)
from .. import events
from . import alerts, clocks, inspection_settings, repairs, workflow

KIND = "inspection"
NUMBER_PREFIX = "XJ"
repairs.NUMBER_PREFIX.setdefault(KIND, NUMBER_PREFIX)
#: the patrol's one clock (``TicketDeadline.kind``): due by its window's end
CLOCK = "patrol"
#: a round walked outside the plan (现场巡检): due ``inspection.spot_round_hours`` after it is opened
SPOT_CLOCK = "spot_round"
#: an SLA alert of a round names it in the platform's words: the area, its type, the day and slot
#: ("1栋天台（楼顶天台）巡视 2026-11-27 第1次", the round's ``content``, made by :func:`_open_round`)
alerts.SUBJECTS.setdefault(KIND, lambda ticket: ticket.content)

# -- area types and their built-in checklists (seed 000 §四 2、日常巡检工作范围) ----------------------
STAIRWELL, ROOF, ELEVATOR, LOBBY_CORRIDOR, EXTERIOR = "stairwell", "roof", "elevator", "lobby_corridor", "exterior"
AREA_TYPES = (STAIRWELL, ROOF, ELEVATOR, LOBBY_CORRIDOR, EXTERIOR)
AREA_TYPE_NAMES = {STAIRWELL: "楼梯间", ROOF: "楼顶天台", ELEVATOR: "电梯", LOBBY_CORRIDOR: "大堂、门厅、走廊",
                   EXTERIOR: "园区外观"}
_PREFIX = {STAIRWELL: "ST", ROOF: "RF", ELEVATOR: "EL", LOBBY_CORRIDOR: "LC", EXTERIOR: "EX"}


def _items(area_type: str, names: list[str]) -> list[dict]:
    return [{"code": f"{_PREFIX[area_type]}{n:02d}", "name": name} for n, name in enumerate(names, 1)]


DEFAULT_ITEMS: dict[str, list[dict]] = {
    STAIRWELL: _items(STAIRWELL, [
        "走廊灯、楼梯灯正常", "门、窗完好", "墙面、天花无剥落、脱漆", "墙、地面瓷砖完整", "消防栓标识完好、配件齐全",
        "灭火器未过期、未失效", "防火门关闭", "安全疏散指示灯完好", "消防通道畅通", "安全防范及消防报警设施完好",
        "卫生良好"]),
    ROOF: _items(ROOF, ["天台门能随手打开（严禁上锁）", "无私搭乱建", "护栏完好", "卫生良好"]),
    ELEVATOR: _items(ELEVATOR, ["电梯运行无异常", "无乱涂乱画、乱刻乱贴", "卫生良好"]),
    LOBBY_CORRIDOR: _items(LOBBY_CORRIDOR, ["各类安全标识完好", "公共照明、垃圾箱等设施完好", "卫生良好"]),
    EXTERIOR: _items(EXTERIOR, [
        "室外管线无渗、漏、滴、冒", "室外消防设施配件齐全、标识完好", "游乐设施完好、无安全隐患",
        "无损坏公共设施", "无制造噪音", "无污染环境", "无高空抛物"]),
}
MAX_ITEMS = 50

# -- the round's transition table (workflow.TABLES["inspection"]) ------------------------------
PLANNED, IN_PROGRESS, DONE, MISSED, CANCELLED = "planned", "in_progress", "done", "missed", "cancelled"
STATES = (PLANNED, IN_PROGRESS, DONE, MISSED, CANCELLED)
START, RECORD, COMPLETE, MISS, CANCEL, ASSIGN = "start", "record", "complete", "miss", "cancel", "assign"
ACTIONS = (START, RECORD, COMPLETE, CANCEL, ASSIGN)  # what people ask for (``miss`` is the platform's)
OK, FAILED = "ok", "failed"
OUTCOMES = (OK, FAILED)

#: parties: RECORDER = who walks the round (steward, front desk); MANAGER = who cancels one
RECORDER, MANAGER = "inspection_recorder", "inspection_manager"
RECORDER_ROLES = (Role.STEWARD, Role.FRONT_DESK)
MANAGER_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)
#: who reads rounds and the lists (the recorders their due work, the managers everything)
READER_ROLES = RECORDER_ROLES + MANAGER_ROLES + (Role.GENERAL_MANAGER, Role.GROUP_ADMIN)
#: who edits checklists and areas
EDITOR_ROLES = MANAGER_ROLES

TABLE: dict[tuple[str, str], workflow.Step] = {
    (PLANNED, START): workflow.Step(IN_PROGRESS, frozenset({RECORDER})),
    (PLANNED, RECORD): workflow.Step(IN_PROGRESS, frozenset({RECORDER})),
    (IN_PROGRESS, RECORD): workflow.Step(IN_PROGRESS, frozenset({RECORDER})),
    (IN_PROGRESS, COMPLETE): workflow.Step(DONE, frozenset({RECORDER})),
    (PLANNED, COMPLETE): workflow.Step(DONE, frozenset({RECORDER})),        # walked and submitted at once
    (PLANNED, MISS): workflow.Step(MISSED, frozenset({workflow.SYSTEM})),
    (IN_PROGRESS, MISS): workflow.Step(MISSED, frozenset({workflow.SYSTEM})),
    (PLANNED, CANCEL): workflow.Step(CANCELLED, frozenset({MANAGER})),
    (PLANNED, ASSIGN): workflow.Step(PLANNED, frozenset({MANAGER})),        # to another steward
    (IN_PROGRESS, CANCEL): workflow.Step(CANCELLED, frozenset({MANAGER})),
}
OPEN_STATES = (PLANNED, IN_PROGRESS)
#: who may take each step people ask for, whatever the round's state: a staff member without one of
#: them is told these roles (not the readers' -- engineering recording results hears "steward, front desk")
ACTION_ROLES = {START: RECORDER_ROLES, RECORD: RECORDER_ROLES, COMPLETE: RECORDER_ROLES,
                CANCEL: MANAGER_ROLES, ASSIGN: MANAGER_ROLES}
workflow.register(KIND, TABLE, OPEN_STATES, readers=READER_ROLES)

# -- kernel jobs ----------------------------------------------------------------------------------
JOB_PLAN, JOB_MISS = "inspection-plan", "inspection-miss"


def _system(group_id: str) -> Caller:
    return Caller.system(group_id, "tickets")


# ==============================================================================================
# checklists
# ==============================================================================================

def _current_template(work: Work, project_id: str, area_type: str) -> InspectionTemplate | None:
    return work.session.scalars(select(InspectionTemplate).where(
        InspectionTemplate.project_id == project_id, InspectionTemplate.area_type == area_type)
        .order_by(InspectionTemplate.version.desc()).limit(1)).first()


def checklist(work: Work, project_id: str, area_type: str) -> tuple[int, list[dict]]:
    """(version, items) of the project's checklist for ``area_type`` now (version 0: the defaults)."""
    row = _current_template(work, project_id, area_type)
    if row is None:
        return 0, [dict(i) for i in DEFAULT_ITEMS[area_type]]
    return row.version, [dict(i) for i in row.items]


def _template_view(work: Work, project_id: str, area_type: str) -> dict:
    row = _current_template(work, project_id, area_type)
    version, items = checklist(work, project_id, area_type)
    return {"area_type": area_type, "area_type_name": AREA_TYPE_NAMES[area_type], "version": version,
            "items": items, "is_default": row is None,
            "changed_by": ({"user_id": row.changed_by, "name": row.changed_by_name or ""} if row else None),
            "changed_at": row.changed_at if row else None, "reason": row.reason if row else ""}


def templates(work: Work, project_id: str) -> list[dict]:
    """Every area type's checklist in force in the project (any staff of the project)."""
    project = repairs.staff_project(work, project_id, None)
    return [_template_view(work, project.id, t) for t in AREA_TYPES]


def template_history(work: Work, project_id: str, area_type: str) -> list[dict]:
    """Every version of one type's checklist, newest first (the defaults last, version 0)."""
    project = repairs.staff_project(work, project_id, None)
    rows = work.session.scalars(select(InspectionTemplate).where(
        InspectionTemplate.project_id == project.id, InspectionTemplate.area_type == area_type)
        .order_by(InspectionTemplate.version.desc())).all()
    return [{"version": r.version, "items": r.items, "reason": r.reason, "changed_at": r.changed_at,
             "changed_by": {"user_id": r.changed_by, "name": r.changed_by_name or ""}} for r in rows] + [
        {"version": 0, "items": DEFAULT_ITEMS[area_type], "reason": "built-in (seed 000 §四)",
         "changed_at": None, "changed_by": None}]


def set_template(work: Work, project_id: str, area_type: str, items: list[dict], reason: str = "") -> dict:
    """The project's checklist for ``area_type`` from now on, as a whole list: an item with a
    ``code`` of the current list keeps it (a rename), one without gets the next free code (an
    addition), a current item left out is removed. A new version; rounds made before keep theirs."""
    project = repairs.staff_project(work, project_id, EDITOR_ROLES)
    caller, now = work.caller, work.clock.now()
    version, current = checklist(work, project.id, area_type)
    known = {i["code"] for i in current}
    # every code ever used for the type stays taken (an old round's result names it)
    used = set(known) | {i["code"] for i in DEFAULT_ITEMS[area_type]}
    for row in work.session.scalars(select(InspectionTemplate.items).where(
            InspectionTemplate.project_id == project.id, InspectionTemplate.area_type == area_type)):
        used |= {i["code"] for i in row}
    seen_codes, seen_names, out = set(), set(), []
    next_n = 1 + max((int(c[2:]) for c in used if c[2:].isdigit()), default=0)
    for item in items:
        name = item["name"].strip()
        if name in seen_names:
            raise BadChecklist(f"the item {name!r} is listed twice", details={"name": name})
        seen_names.add(name)
        code = item.get("code")
        if code:
            if code not in known:
                raise BadChecklist(f"{code} is not an item of the current checklist (leave the code out to add "
                                   "an item)", details={"code": code})
            if code in seen_codes:
                raise BadChecklist(f"{code} is listed twice", details={"code": code})
        else:
            code = f"{_PREFIX[area_type]}{next_n:02d}"
            next_n += 1
        seen_codes.add(code)
        out.append({"code": code, "name": name})
    if not out:
        raise BadChecklist("a checklist has at least one item")
    if out == current:
        raise BadChecklist("the checklist is unchanged", code="checklist_unchanged", zh="检查表没有变化")
    work.session.add(InspectionTemplate(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, area_type=area_type,
        version=version + 1, items=out, reason=(reason or "").strip(), changed_by=caller.user_id,
        changed_by_name=caller.name or "", changed_at=now))
    work.session.flush()
    return _template_view(work, project.id, area_type)


# ==============================================================================================
# areas
# ==============================================================================================

def area_view(work: Work, area: InspectionArea) -> dict:
    """The area with who patrols it: ``steward_id`` / ``steward_name`` / ``steward`` are the
    effective steward -- the area's own, else its building's -- and ``steward_source`` says which
    (``area`` / ``building``; None: nobody). An inactive steward is shown with ``steward_active``
    false: the plan gives that steward nothing (see :func:`plan_area_day`)."""
    steward, source = effective_steward(work, area)
    return {"id": area.id, "group_id": area.group_id, "project_id": area.project_id, "name": area.name,
            "area_type": area.area_type, "area_type_name": AREA_TYPE_NAMES[area.area_type],
            "building_id": area.building_id,
            "steward_id": steward["user_id"] if steward else None,
            "steward_name": steward["name"] if steward else None,
            "steward_source": source,
            "steward_active": (steward_active(work, steward["user_id"]) if steward else None),
            "steward": steward, "active": area.active, "created_at": area.created_at,
            "updated_at": area.updated_at, "version": area.version}


STEWARD_OF_AREA, STEWARD_OF_BUILDING = "area", "building"


def effective_steward(work: Work, area: InspectionArea) -> tuple[dict | None, str | None]:
    """(who patrols the area, where that comes from): its own steward (``area``), else its
    building's (archive's 管家片区, ``building``), else (None, None)."""
    if area.steward_id:
        return {"user_id": area.steward_id, "name": area.steward_name or ""}, STEWARD_OF_AREA
    if area.building_id:
        copy = work.session.get(BuildingStewardCopy, area.building_id)
        if copy is not None and copy.steward_id and copy.project_id == area.project_id:
            return {"user_id": copy.steward_id, "name": copy.steward_name or ""}, STEWARD_OF_BUILDING
    return None, None


def area_steward(work: Work, area: InspectionArea) -> dict | None:
    """Who patrols the area: its own steward, else its building's (archive's 管家片区)."""
    return effective_steward(work, area)[0]


def steward_active(work: Work, user_id: str) -> bool:
    """False for a steward whose account was deactivated (:func:`set_staff_active`, told by the
    gateway); everyone else is taken as active."""
    return work.session.get(InactiveStaff, user_id) is None


def set_staff_active(work: Work, user_id: str, active: bool, name: str | None = None) -> bool:
    """The gateway tells that a staff account was deactivated (or active again): the patrol plan
    gives an inactive steward nothing, and that steward's planned patrols not started yet go to
    the fallback (:func:`plan_area_day`). The platform only. True if it changed anything."""
    work.caller.require_system()
    row, now = work.session.get(InactiveStaff, user_id), work.clock.now()
    if active:
        if row is None:
            return False
        work.session.delete(row)
        work.session.flush()
        return True
    if row is not None:
        return False
    work.session.add(InactiveStaff(user_id=user_id, name=name, since=now))
    work.session.flush()
    for ticket in work.session.scalars(
            select(Ticket).join(InspectionRound, InspectionRound.ticket_id == Ticket.id)
            .where(Ticket.kind == KIND, Ticket.status == PLANNED, Ticket.assignee_id == user_id,
                   InspectionRound.started_at.is_(None), InspectionRound.due_at > now)):
        _to_fallback(work, ticket, now, f"管家 {ticket.assignee_name or user_id} 已停用，改由客服部经理安排")
    return True


def _to_fallback(work: Work, ticket: Ticket, now: datetime, note: str) -> None:
    """A planned patrol whose steward is inactive: unassigned, its clock answerable by the CS
    manager (whose inbox its warning and breach reach; the manager assigns it)."""
    ticket.assignee_id = ticket.assignee_name = None
    for deadline in ticket.deadlines:
        if deadline.kind == CLOCK and deadline.met_at is None and deadline.cancelled_at is None:
            deadline.responsible_role = Role.CS_MANAGER
    ticket.history.append(repairs._log(ticket, _system(ticket.group_id), now, "unassigned", note))
    ticket.updated_at, ticket.version = now, ticket.version + 1
    repairs.record_changed(work, ticket)


def _area(work: Work, area_id: str, roles=None) -> InspectionArea:
    area = work.session.get(InspectionArea, area_id)
    missing = AreaNotFound(f"no inspection area {area_id}")
    if area is None:
        raise missing
    repairs.in_project(work, area.group_id, area.project_id, not_found=missing)
    if roles is not None:
        work.caller.require_role(*roles)
    else:
        work.caller.require_staff()
    return area


def normalise_name(name: str) -> str:
    """An area's name as it is kept and compared: NFKC (full-width "１栋" is "1栋"), blanks inside
    collapsed to one, none at the ends."""
    return " ".join(unicodedata.normalize("NFKC", name).split())


def _name_free(work: Work, project_id: str, name: str, area_id: str | None = None) -> None:
    """409 ``area_name_taken`` if another area of the project has the same name once both are
    normalised (:func:`normalise_name`: rows kept before normalisation are compared normalised too)."""
    wanted = normalise_name(name)
    for taken, other in work.session.execute(select(InspectionArea.id, InspectionArea.name).where(
            InspectionArea.project_id == project_id)):
        if taken != area_id and normalise_name(other) == wanted:
            raise AreaNameTaken(f"the project has an area named {other!r} already", details={"area_id": taken})


#: archive's answer for a building id: the building (``id``, ``project_id``) if it is in a project of
#: the caller's; raises ``BuildingNotFound`` if not, ``ArchiveUnavailable`` when archive cannot answer
AskBuilding = Callable[[str], dict]


def _check_building(project: ProjectCopy, building_id: str | None, ask_building: AskBuilding | None) -> None:
    """An area's building must be one of its project's (archive's registry): else 404
    ``building_not_found``; archive not answering refuses (503 ``archive_unavailable``)."""
    if building_id is None:
        return
    if ask_building is None:
        raise ArchiveUnavailable("the registry (archive) cannot be asked about the building; nothing was saved")
    building = ask_building(building_id)
    if building.get("project_id") != project.id:
        raise BuildingNotFound(f"no building {building_id} in project {project.name}")


def create_area(work: Work, project_id: str, data: dict, ask_building: AskBuilding | None = None) -> InspectionArea:
    """A new inspection area (CS manager, centre manager); today's remaining patrols are planned."""
    project = repairs.staff_project(work, project_id, EDITOR_ROLES)
    now, name = work.clock.now(), normalise_name(data["name"])
    _name_free(work, project.id, name)
    _check_building(project, data.get("building_id"), ask_building)
    area = InspectionArea(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, name=name,
                          area_type=data["area_type"], building_id=data.get("building_id"),
                          steward_id=data.get("steward_id"), steward_name=data.get("steward_name"),
                          active=True, created_at=now, updated_at=now, version=1)
    work.session.add(area)
    work.session.flush()
    seed_plan_job(work, project.id)
    plan_area_day(work, project, area, _local_day(project, now))
    return area


def update_area(work: Work, area_id: str, data: dict, ask_building: AskBuilding | None = None) -> InspectionArea:
    """Rename an area, change its building or steward, or (de)activate it (CS manager, centre
    manager). Patrols planned already keep their steward; the next day's take the new one.
    Deactivating it cancels its patrols planned and not started (their clocks cancelled: no miss,
    no breach) and the plan gives it none; activating it again plans the day's patrols not planned
    yet (a slot cancelled today stays cancelled)."""
    area = _area(work, area_id, EDITOR_ROLES)
    if "name" in data and data["name"] is not None:
        name = normalise_name(data["name"])
        _name_free(work, area.project_id, name, area.id)
        area.name = name
    if "building_id" in data:
        if data["building_id"] != area.building_id:
            _check_building(repairs._project(work, area.project_id), data["building_id"], ask_building)
        area.building_id = data["building_id"]
    if "steward_id" in data:
        area.steward_id = data["steward_id"]
        area.steward_name = data.get("steward_name") if data["steward_id"] else None
    was_active = area.active
    if data.get("active") is not None:
        area.active = data["active"]
    area.updated_at, area.version = work.clock.now(), area.version + 1
    work.session.flush()
    if was_active and not area.active:
        _cancel_planned(work, area, "区域已停用")
    elif area.active and not was_active:
        project = repairs._project(work, area.project_id)
        plan_area_day(work, project, area, _local_day(project, work.clock.now()))
    return area


def _cancel_planned(work: Work, area: InspectionArea, reason: str) -> list[Ticket]:
    """The area's patrols still planned and not started: cancelled (the manager's step, with the
    reason), their clocks cancelled and miss jobs dropped. Rounds in progress stay the recorder's."""
    ids = list(work.session.scalars(select(Ticket.id).join(InspectionRound, InspectionRound.ticket_id == Ticket.id)
                                    .where(InspectionRound.area_id == area.id, Ticket.status == PLANNED,
                                           InspectionRound.started_at.is_(None))
                                    .order_by(Ticket.number)))
    return [step(work, ticket_id, CANCEL, {"reason": reason}) for ticket_id in ids]


def list_areas(work: Work, project_id: str, *, area_type: str | None = None,
               active: bool | None = None) -> list[InspectionArea]:
    project = repairs.staff_project(work, project_id, None)
    query = select(InspectionArea).where(InspectionArea.project_id == project.id)
    if area_type:
        query = query.where(InspectionArea.area_type == area_type)
    if active is not None:
        query = query.where(InspectionArea.active == active)
    return list(work.session.scalars(query.order_by(InspectionArea.name)))


def get_area(work: Work, area_id: str) -> InspectionArea:
    return _area(work, area_id)


def apply_steward(work: Work, data: dict) -> bool:
    """archive's ``steward.assigned``: keep a building's steward (a unit's is not an area's);
    an older event than the copy changes nothing. True if applied."""
    if data.get("unit_id"):
        return False
    copy = work.session.get(BuildingStewardCopy, data["building_id"])
    if copy is not None and (copy.assigned_at, copy.version) >= (data["assigned_at"], data["version"]):
        return False
    if copy is None:
        copy = BuildingStewardCopy(building_id=data["building_id"])
        work.session.add(copy)
    copy.group_id, copy.project_id = data["group_id"], data["project_id"]
    copy.steward_id, copy.steward_name = data.get("steward_id"), data.get("steward_name")
    copy.assigned_at, copy.version = data["assigned_at"], data["version"]
    work.session.flush()
    return True


# ==============================================================================================
# rounds
# ==============================================================================================

def _open_round(work: Work, project: ProjectCopy, area: InspectionArea, *, status: str, actor: Caller,
                day: date | None = None, slot: int | None = None, window_start: datetime | None = None,
                due_at: datetime | None = None, assignee: dict | None = None, role: str = Role.STEWARD,
                note: str | None = None) -> Ticket:
    """The round's ticket, its ``InspectionRound`` row (the checklist as it is now) and, for a
    patrol, its clock and its miss job; ``ticket.changed``."""
    now = work.clock.now()
    version, items = checklist(work, project.id, area.area_type)
    what = f"巡视 {day:%Y-%m-%d} 第{slot}次" if slot else f"现场巡检 {day:%Y-%m-%d}" if day else "巡检"
    content = f"{area.name}（{AREA_TYPE_NAMES[area.area_type]}）{what}"
    ticket = Ticket(
        id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
        number=repairs._next_number(work, project, KIND, now), kind=KIND, category=area.area_type,
        channel="system" if actor.is_system else "staff", status=status, unit_id=None, unit_label=None,
        household_id=None, location=area.name, content=content, reporter_name=actor.name or "",
        reporter_phone=None, reporter_user_id=None, received_at=now, recorded_at=now, recorded_by=actor.user_id,
        updated_at=now, version=1)
    if assignee:
        ticket.assignee_id, ticket.assignee_name = assignee["user_id"], assignee.get("name") or ""
    ticket.deadlines = []
    ticket.history = [repairs._log(ticket, actor, now, "planned" if status == PLANNED else "started",
                                   f"{content}；{note}" if note else content)]
    work.session.add(ticket)
    work.session.flush()
    work.session.add(InspectionRound(
        ticket_id=ticket.id, group_id=project.group_id, project_id=project.id, area_id=area.id,
        area_type=area.area_type, template_version=version, items=items, day=day, slot=slot,
        window_start=window_start, due_at=due_at, started_at=now if status == IN_PROGRESS else None))
    if due_at is not None:
        clocks.start(work, ticket, CLOCK if slot else SPOT_CLOCK, due_at, responsible_role=role, started_at=window_start or now)
        work.jobs.schedule(JOB_MISS, key=ticket.id, due_at=due_at, payload={"round_id": ticket.id},
                           group_id=project.group_id, project_id=project.id)
    repairs.record_changed(work, ticket)
    return ticket


def start_round(work: Work, area_id: str) -> Ticket:
    """A round walked now, outside the patrol plan (现场巡检; steward, front desk): in progress at
    once, of today's local day (listed by ``?day=``), due ``inspection.spot_round_hours`` (4) hours
    from now -- then missed like a patrol. One such round open per area at a time (409
    ``spot_round_open``; the area's row is locked while it is checked)."""
    area = _area(work, area_id, RECORDER_ROLES)
    work.session.execute(select(InspectionArea.id).where(InspectionArea.id == area.id).with_for_update())
    if not area.active:
        raise TransitionNotAllowed(f"the area {area.name} is inactive", code="area_inactive",
                                   zh=f"巡检区域 {area.name} 已停用")
    project = repairs._project(work, area.project_id)
    caller, now = work.caller, work.clock.now()
    open_one = work.session.execute(
        select(Ticket.id, Ticket.number).join(InspectionRound, InspectionRound.ticket_id == Ticket.id)
        .where(InspectionRound.area_id == area.id, InspectionRound.slot.is_(None),
               Ticket.status.in_(OPEN_STATES), InspectionRound.due_at > now)).first()
    if open_one is not None:
        raise SpotRoundOpen(f"round {open_one[1]} of {area.name} is open: complete it first",
                            details={"round_id": open_one[0], "number": open_one[1]})
    hours = work.settings.values(project.id)[inspection_settings.SPOT_ROUND_HOURS]
    role = Role.STEWARD if caller.has_role(Role.STEWARD) else Role.FRONT_DESK
    return _open_round(work, project, area, status=IN_PROGRESS, actor=caller, day=_local_day(project, now),
                       due_at=now + timedelta(hours=hours), window_start=now, role=role,
                       assignee={"user_id": caller.user_id, "name": caller.name or ""})


def _round(work: Work, ticket_id: str) -> Ticket:
    try:
        ticket = repairs.get_ticket(work, ticket_id)
    except Exception as exc:
        if getattr(exc, "code", None) == "ticket_not_found":
            raise RoundNotFound(f"no inspection round {ticket_id}") from None
        raise
    if ticket.kind != KIND:
        raise RoundNotFound(f"ticket {ticket.number} is not an inspection round")
    return ticket


def _party(work: Work, who: frozenset) -> None:
    caller = work.caller
    if caller.is_system and workflow.SYSTEM in who:
        return
    if RECORDER in who:
        caller.require_role(*RECORDER_ROLES)
        return
    if MANAGER in who:
        caller.require_role(*MANAGER_ROLES)
        return
    caller.require_staff()
    raise NotYourStep("the platform marks a patrol missed when its deadline passes")


def step(work: Work, ticket_id: str, action: str, data: dict) -> Ticket:
    """One step of a round (:data:`TABLE`); anything else is refused. A staff member without a role
    of the step (:data:`ACTION_ROLES`) is told the step's roles before anything is read."""
    if work.caller.is_staff and action in ACTION_ROLES:
        work.caller.require_role(*ACTION_ROLES[action])
    ticket = _round(work, ticket_id)
    ticket = repairs._ticket_for_change(work, ticket.id)        # row-locked on PostgreSQL
    caller, now = work.caller, work.clock.now()
    move = workflow.step(ticket.status, action, KIND)
    if move is None and ticket.status == MISSED and action in (START, RECORD, COMPLETE):
        raise PatrolMissed(f"patrol {ticket.number} is missed: nothing more is recorded on it",
                           details={"status": ticket.status, "action": action})
    if move is None:
        raise TransitionNotAllowed(f"no step {action!r} from a {ticket.status!r} inspection round",
                                   details={"status": ticket.status, "action": action})
    _party(work, move.who)
    row = work.session.get(InspectionRound, ticket.id)
    if action in (START, RECORD, COMPLETE) and row.due_at is not None and now >= row.due_at:
        raise PatrolMissed(f"patrol {ticket.number} was due by {row.due_at.isoformat()}: it is missed",
                           details={"due_at": row.due_at.isoformat()})
    note = (data.get("note") or "").strip()
    if action in (START, RECORD, COMPLETE) and row.started_at is None:
        row.started_at = now
    if action in (START, RECORD, COMPLETE) and ticket.assignee_id is None:
        ticket.assignee_id, ticket.assignee_name = caller.user_id, caller.name or ""
    if data.get("results"):
        failed = _record_results(work, ticket, row, data["results"], now)
        note = note or f"{len(data['results'])} result(s)" + (f", {failed} repair(s) opened" if failed else "")
    if action == COMPLETE:
        results = _results(work, ticket.id)
        missing = [i["code"] for i in row.items if i["code"] not in results]
        if missing:
            raise ResultsIncomplete(f"{len(missing)} item(s) of round {ticket.number} have no result",
                                    details={"missing": missing})
        row.done_at, row.done_by, row.done_by_name = now, caller.user_id, caller.name or ""
        ticket.completed_at = ticket.closed_at = now
        clocks.meet(ticket, CLOCK if row.slot else SPOT_CLOCK, now)
        _completed_event(work, ticket, row, results, caller, now)
    elif action == MISS:
        before = ticket.status
        work.events.record(events.PATROL_MISSED, {
            **_ref(work, ticket, row), "due_at": row.due_at, "status_before": before, "at": now,
            "steward": ({"user_id": ticket.assignee_id, "name": ticket.assignee_name or ""}
                        if ticket.assignee_id else None)}, group_id=ticket.group_id, project_id=ticket.project_id)
        note = note or f"due by {row.due_at.isoformat() if row.due_at else '-'}"
    elif action == ASSIGN:
        ticket.assignee_id, ticket.assignee_name = data["assignee_id"], data.get("assignee_name") or ""
        note = note or f"派给 {ticket.assignee_name or ticket.assignee_id}"
    elif action == CANCEL:
        ticket.cancel_reason = data["reason"]
        ticket.closed_at = now
        clocks.cancel_running(ticket, now)
        work.jobs.cancel(JOB_MISS, ticket.id)
        note = note or data["reason"][:200]
    if action == COMPLETE:
        work.jobs.cancel(JOB_MISS, ticket.id)
    repairs._move(work, ticket, move.to, action, caller, now, note)
    ticket.updated_at = now
    ticket.version += 1
    repairs.record_changed(work, ticket)
    return ticket


def _results(work: Work, round_id: str) -> dict[str, InspectionResult]:
    return {r.item_code: r for r in work.session.scalars(
        select(InspectionResult).where(InspectionResult.round_ticket_id == round_id))}


def _record_results(work: Work, ticket: Ticket, row: InspectionRound, results: list[dict], now: datetime) -> int:
    """Store each item's result (a resubmission replaces the outcome, note and photo); a failed
    item without a repair yet opens one -- once per round and item. The number of repairs opened."""
    items = {i["code"]: i["name"] for i in row.items}
    unknown = sorted({r["item_code"] for r in results} - set(items))
    if unknown:
        raise UnknownChecklistItem(f"not on round {ticket.number}'s checklist (version {row.template_version}): "
                                   f"{', '.join(unknown)}", details={"codes": unknown})
    caller, existing, opened = work.caller, _results(work, ticket.id), 0
    for data in results:
        code = data["item_code"]
        result = existing.get(code)
        if result is None:
            result = InspectionResult(id=str(uuid.uuid4()), round_ticket_id=ticket.id, group_id=ticket.group_id,
                                      project_id=ticket.project_id, item_code=code, item_name=items[code])
            work.session.add(result)
            existing[code] = result
        result.outcome, result.note, result.photo_ref = data["outcome"], data.get("note"), data.get("photo_ref")
        result.recorded_at, result.recorded_by, result.recorded_by_name = now, caller.user_id, caller.name or ""
        if result.outcome == FAILED and result.repair_ticket_id is None:
            # the result's row names its repair first (it holds the one repair of the item), so the
            # repair's first snapshot already shows its source
            result.repair_ticket_id = str(uuid.uuid4())
            work.session.flush()
            repair = _open_repair(work, ticket, row, result)
            opened += 1
            work.events.record(events.INSPECTION_ITEM_FAILED, {
                **_ref(work, ticket, row), "item_code": code, "item_name": result.item_name,
                "note": result.note, "photo_ref": result.photo_ref, "repair_ticket_id": repair.id,
                "repair_number": repair.number, "recorded_by": {"user_id": caller.user_id, "name": caller.name or ""},
                "at": now}, group_id=ticket.group_id, project_id=ticket.project_id)
    work.session.flush()
    return opened


def _open_repair(work: Work, ticket: Ticket, row: InspectionRound, result: InspectionResult) -> Ticket:
    """The repair of a failed item, through the repair intake (category public_area, where: the area)."""
    area = work.session.get(InspectionArea, row.area_id)
    content = f"巡检 {ticket.number}「{area.name}」{result.item_code} {result.item_name}：不合格"
    if result.note:
        content += f"（{result.note}）"
    return repairs.open_repair(work, {
        "project_id": ticket.project_id, "category": "public_area", "channel": "staff",
        "location": area.name[:200], "content": content[:2000], "reporter_name": work.caller.name or None,
    }, ticket_id=result.repair_ticket_id)


def _ref(work: Work, ticket: Ticket, row: InspectionRound) -> dict:
    area = work.session.get(InspectionArea, row.area_id)
    return {"round_id": ticket.id, "number": ticket.number, "group_id": ticket.group_id,
            "project_id": ticket.project_id, "area_id": area.id, "area_name": area.name,
            "area_type": row.area_type, "day": row.day, "slot": row.slot}


def _completed_event(work: Work, ticket: Ticket, row: InspectionRound, results: dict, caller: Caller,
                     now: datetime) -> None:
    failed = [r for r in results.values() if r.outcome == FAILED]
    work.events.record(events.INSPECTION_ROUND_COMPLETED, {
        **_ref(work, ticket, row), "template_version": row.template_version, "items_total": len(row.items),
        "failed_items": sorted(r.item_code for r in failed),
        "repair_ticket_ids": sorted(r.repair_ticket_id for r in failed if r.repair_ticket_id),
        "done_by": {"user_id": caller.user_id, "name": caller.name or ""}, "done_at": now, "due_at": row.due_at,
    }, group_id=ticket.group_id, project_id=ticket.project_id)


# ==============================================================================================
# the patrol plan (kernel jobs)
# ==============================================================================================

def _local_day(project: ProjectCopy, at: datetime) -> date:
    return at.astimezone(ZoneInfo(project.timezone)).date()


def _local(project: ProjectCopy, day: date, minutes: int) -> datetime:
    """``minutes`` after the local midnight starting ``day`` (24:00 is the next midnight)."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(project.timezone)) + timedelta(minutes=minutes)


def windows(work: Work, project: ProjectCopy) -> list[tuple[int, int]]:
    """The project's patrol windows in force (the first ``inspection.patrols_per_day``)."""
    values = work.settings.values(project.id)
    per_day = values[inspection_settings.PATROLS_PER_DAY]
    return [inspection_settings.minutes_of(w) for w in values[inspection_settings.PATROL_WINDOWS][:per_day]]


def plan_area_day(work: Work, project: ProjectCopy, area: InspectionArea, day: date) -> list[Ticket]:
    """The area's patrols of ``day`` not planned yet whose window has not ended (idempotent)."""
    if not area.active:
        return []
    now, system = work.clock.now(), _system(project.group_id)
    taken = set(work.session.scalars(select(InspectionRound.slot).where(
        InspectionRound.area_id == area.id, InspectionRound.day == day)))
    steward = area_steward(work, area)
    fallback = None
    if steward is not None and not steward_active(work, steward["user_id"]):
        # never planned for a deactivated steward: unassigned, the CS manager answers for it
        fallback = f"管家 {steward['name'] or steward['user_id']} 已停用，改由客服部经理安排"
        steward = None
    out = []
    for slot, (start, end) in enumerate(windows(work, project), 1):
        due_at = _local(project, day, end)
        if slot in taken or due_at <= now:
            continue
        ticket = _open_round(work, project, area, status=PLANNED, actor=system, day=day, slot=slot,
                             window_start=_local(project, day, start), due_at=due_at, assignee=steward,
                             role=Role.CS_MANAGER if fallback else Role.STEWARD, note=fallback)
        out.append(ticket)
    return out


def plan_day(work: Work, project: ProjectCopy, day: date) -> list[Ticket]:
    """Every active area's patrols of ``day``."""
    areas = work.session.scalars(select(InspectionArea).where(
        InspectionArea.project_id == project.id, InspectionArea.active.is_(True)).order_by(InspectionArea.name))
    return [t for area in areas for t in plan_area_day(work, project, area, day)]


def _schedule_plan(work: Work, project: ProjectCopy, day: date) -> None:
    work.jobs.schedule(JOB_PLAN, key=f"{project.id}:{day.isoformat()}", due_at=_local(project, day, 0),
                       payload={"project_id": project.id, "day": day.isoformat()},
                       group_id=project.group_id, project_id=project.id)


def seed_plan_job(work: Work, project_id: str) -> None:
    """The project's plan job exists: today's (due now if past midnight; the same key again is a
    no-op), which schedules tomorrow's when it runs."""
    project = work.session.get(ProjectCopy, project_id)
    if project is not None:
        _schedule_plan(work, project, _local_day(project, work.clock.now()))


def run_plan(work: Work, job) -> list[Ticket]:
    """Job ``inspection-plan`` (key ``project:YYYY-MM-DD``): the day's patrols; the next day's job."""
    project = work.session.get(ProjectCopy, job.payload["project_id"])
    if project is None:
        return []
    day = date.fromisoformat(job.payload["day"])
    planned = plan_day(work, project, day)
    _schedule_plan(work, project, day + timedelta(days=1))
    return planned


def run_miss(work: Work, job) -> Ticket | None:
    """Job ``inspection-miss`` (key: the round's id), at its deadline: a patrol still planned or in
    progress is missed (``patrol.missed``); done or cancelled ones stay as they are."""
    ticket = work.session.get(Ticket, job.payload["round_id"])
    if ticket is None or ticket.kind != KIND or ticket.status not in OPEN_STATES:
        return None
    return step(work, ticket.id, MISS, {})


#: tickets' job handlers for inspections (service.py's JobRunner dict)
JOBS = {JOB_PLAN: run_plan, JOB_MISS: run_miss}


# ==============================================================================================
# reads
# ==============================================================================================

def source_part(ticket: Ticket) -> dict | None:
    """The ``source`` part of a ticket: the round and item of a repair a failed item opened (only
    public-area repairs without a unit are looked up: one indexed read)."""
    if ticket.kind != "repair" or ticket.category != "public_area" or ticket.unit_id is not None:
        return None
    session = object_session(ticket)
    if session is None:
        return None
    found = session.execute(select(InspectionResult.round_ticket_id, InspectionResult.item_code,
                                   InspectionResult.item_name, Ticket.number)
                            .join(Ticket, Ticket.id == InspectionResult.round_ticket_id)
                            .where(InspectionResult.repair_ticket_id == ticket.id)).first()
    if found is None:
        return None
    return {"kind": KIND, "round_id": found[0], "round_number": found[3], "item_code": found[1],
            "item_name": found[2]}


repairs.PARTS["source"] = source_part

def round_part(session, ticket: Ticket) -> dict | None:
    """What a round adds to its ticket (its ``InspectionRound``, area, results and the repairs its
    failed items opened): the ``inspection`` part of ``ticket.changed`` and the round's view."""
    row = session.get(InspectionRound, ticket.id)
    if row is None:
        return None
    area = session.get(InspectionArea, row.area_id)
    results = {r.item_code: r for r in session.scalars(
        select(InspectionResult).where(InspectionResult.round_ticket_id == ticket.id))}
    repairs_by_id = {}
    ids = [r.repair_ticket_id for r in results.values() if r.repair_ticket_id]
    if ids:
        repairs_by_id = dict(session.execute(select(Ticket.id, Ticket.number).where(Ticket.id.in_(ids))).all())
    clock = clocks.find(ticket, CLOCK) or clocks.find(ticket, SPOT_CLOCK)
    items = [_item_view(i, results.get(i["code"]), repairs_by_id) for i in row.items]
    failed = [i for i in items if i["outcome"] == FAILED]
    return {
        "area": {"id": area.id, "name": area.name, "area_type": area.area_type, "building_id": area.building_id},
        "template_version": row.template_version, "day": row.day.isoformat() if row.day else None,
        "slot": row.slot, "window_start": row.window_start, "due_at": row.due_at,
        "started_at": row.started_at, "done_at": row.done_at,
        "done_by": {"user_id": row.done_by, "name": row.done_by_name or ""} if row.done_by else None,
        "breached_at": clock.breached_at if clock is not None else None,
        "items": items,
        # the list's summary: how many items have a result, which failed, the repairs they opened
        "items_total": len(items), "items_recorded": sum(1 for i in items if i["outcome"] is not None),
        "failed_items": [i["code"] for i in failed],
        "repair_numbers": sorted(i["repair_number"] for i in failed if i["repair_number"]),
    }


def inspection_part(ticket: Ticket) -> dict | None:
    """The ``inspection`` part of a ticket (巡检): an inspection round's area, slot, deadline and
    results (:func:`round_part`); None for other kinds."""
    if ticket.kind != KIND:
        return None
    session = object_session(ticket)
    return round_part(session, ticket) if session is not None else None


repairs.PARTS["inspection"] = inspection_part

#: the round view's own fields (``RoundOut``) taken from the ``inspection`` part
ROUND_PART_FIELDS = ("area", "template_version", "day", "slot", "window_start", "due_at", "started_at",
                     "done_at", "done_by", "breached_at", "items")


def round_view(work: Work, ticket: Ticket) -> dict:
    """The round (``RoundOut``) as ``work.caller`` reads it: its log's notes as written for the desk,
    masked for the other readers (the GM, the group admin: ``privacy.free_text_for``)."""
    part = round_part(work.session, ticket)
    return {
        "id": ticket.id, "number": ticket.number, "status": ticket.status, "group_id": ticket.group_id,
        "project_id": ticket.project_id,
        **{k: part[k] for k in ROUND_PART_FIELDS},
        "assignee": ({"user_id": ticket.assignee_id, "name": ticket.assignee_name or ""}
                     if ticket.assignee_id else None),
        "cancel_reason": ticket.cancel_reason,
        "history": [{"at": h.at, "action": h.action, "actor": h.actor_name or h.actor_id,
                     "note": privacy.free_text_for(work.caller, h.note)} for h in ticket.history],
        "version": ticket.version,
    }


def _item_view(item: dict, result: InspectionResult | None, numbers: dict) -> dict:
    out = {"code": item["code"], "name": item["name"], "outcome": None, "note": None, "photo_ref": None,
           "recorded_at": None, "recorded_by": None, "repair_ticket_id": None, "repair_number": None}
    if result is not None:
        out.update(outcome=result.outcome, note=result.note, photo_ref=result.photo_ref,
                   recorded_at=result.recorded_at,
                   recorded_by={"user_id": result.recorded_by, "name": result.recorded_by_name or ""},
                   repair_ticket_id=result.repair_ticket_id, repair_number=numbers.get(result.repair_ticket_id))
    return out


def get_round(work: Work, ticket_id: str) -> Ticket:
    ticket = _round(work, ticket_id)
    work.caller.require_role(*READER_ROLES)
    return ticket


def list_rounds(work: Work, project_id: str, *, due: str | None = None, status: str | None = None,
                assignee_id: str | None = None, area_id: str | None = None, day: date | None = None,
                limit: int = 50, offset: int = 0) -> tuple[list[Ticket], int]:
    """The project's rounds, newest first: ``due`` = planned or in progress, inside their deadline;
    ``missed`` = missed (or past the deadline, not marked yet); by steward (``assignee_id``), area,
    the patrol's local day, status; paged."""
    project = repairs.staff_project(work, project_id, READER_ROLES)
    now = work.clock.now()
    R = InspectionRound
    query = select(Ticket).join(R, R.ticket_id == Ticket.id).where(Ticket.project_id == project.id,
                                                                  Ticket.kind == KIND)
    if due == "due":
        query = query.where(Ticket.status.in_(OPEN_STATES), (R.due_at.is_(None)) | (R.due_at > now))
    elif due == "missed":
        query = query.where((Ticket.status == MISSED) | (Ticket.status.in_(OPEN_STATES) & (R.due_at <= now)))
    if status:
        query = query.where(Ticket.status == status)
    if assignee_id:
        query = query.where(Ticket.assignee_id == assignee_id)
    if area_id:
        query = query.where(R.area_id == area_id)
    if day:
        query = query.where(R.day == day)
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    tickets = list(work.session.scalars(query.order_by(Ticket.recorded_at.desc(), Ticket.number.desc())
                                        .limit(limit).offset(offset)))
    return tickets, total


def by_steward(work: Work, project_id: str, day: date | None = None) -> list[dict]:
    """Per steward: the patrols due, done and missed (of ``day``, default every day)."""
    project = repairs.staff_project(work, project_id, READER_ROLES)
    now = work.clock.now()
    R = InspectionRound
    query = select(Ticket.assignee_id, Ticket.assignee_name, Ticket.status, R.due_at).join(
        R, R.ticket_id == Ticket.id).where(Ticket.project_id == project.id, Ticket.kind == KIND,
                                           R.slot.is_not(None))
    if day:
        query = query.where(R.day == day)
    out: dict = {}
    for steward_id, name, status, due_at in work.session.execute(query):
        row = out.setdefault(steward_id, {"steward": {"user_id": steward_id, "name": name or ""} if steward_id
                                          else None, "due": 0, "done": 0, "missed": 0, "cancelled": 0})
        if status in OPEN_STATES:
            row["missed" if due_at is not None and due_at <= now else "due"] += 1
        elif status == DONE:
            row["done"] += 1
        elif status == MISSED:
            row["missed"] += 1
        else:
            row["cancelled"] += 1
    return sorted(out.values(), key=lambda r: ((r["steward"] or {}).get("name") or "~",
                                               (r["steward"] or {}).get("user_id") or ""))
