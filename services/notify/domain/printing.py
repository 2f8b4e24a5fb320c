"""Printed notices (issue 10): the print deliveries a project's service centre prints and posts --
the dunning ladder's door notices today, outage notices later.

A ``print`` delivery is created ``queued`` with the text notify rendered for the print channel
(``notifications.notify``). Here the customer-service desk of the project (front desk, steward,
CS manager, service-centre manager) lists them by building and purpose, downloads one notice's PDF
or a building's batch (its queued notices, one A4 page each, in unit order), and marks them
``printed`` (when, by whom) once posted. A resident never sees this queue (404, as for a project
that is not theirs); another project's staff get 403 ``project_out_of_scope``, a staff role
outside the desk 403 ``role_required``. Marking printed is idempotent: a notice already printed
keeps its first mark.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel.tenancy import Caller, Role
from kernel.work import Work

from ..exceptions import BuildingNotFound, DeliveryNotFound, NothingToPrint, ProjectNotFound
from ..models import Delivery, Notification, ProjectCopy, UnitCopy
from ..printing import pdf
from . import notifications
from .bills import DUNNING_FINAL, DUNNING_FIRST, DUNNING_SECOND
from .notifications import PRINT, QUEUED, record_changed

PRINTED = "printed"
STATUSES = (QUEUED, PRINTED)
#: who prints and posts the notices: the customer-service department of the project
PRINT_ROLES = tuple(sorted(Role.CUSTOMER_SERVICE))
#: the printed title of each purpose (another purpose -- an outage, an event: its print subject before the
#: colon, so an outage reads 停水通知 / 停电通知 / 停气通知 as its template says)
TITLES = {DUNNING_FIRST: "催费通知书", DUNNING_SECOND: "二次催费通知书", DUNNING_FINAL: "最后催费通知书"}


@dataclass(frozen=True)
class PrintRow:
    delivery: Delivery
    notification: Notification
    unit: UnitCopy | None


def title_of(n: Notification, d: Delivery | None = None) -> str:
    """The notice's title: the purpose's (:data:`TITLES`), else the print delivery's subject (the print
    template's), else the notification's, before a colon."""
    subject = (d.subject if d is not None else None) or n.subject or n.purpose
    return TITLES.get(n.purpose) or subject.split("：")[0].split(":")[0].strip() or n.purpose


def _require_desk(caller: Caller, group_id: str, project_id: str, not_found) -> None:
    caller.require_project(group_id, project_id, not_found=not_found)
    if not caller.is_system:
        caller.require_role(*PRINT_ROLES)


def _project(work: Work, project_id: str) -> ProjectCopy:
    project, missing = work.session.get(ProjectCopy, project_id), ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise missing
    _require_desk(work.caller, project.group_id, project.id, missing)
    return project


def _query(project: ProjectCopy):
    return (select(Delivery, Notification, UnitCopy)
            .join(Notification, Delivery.notification_id == Notification.id)
            .outerjoin(UnitCopy, UnitCopy.id == Notification.unit_id)
            .where(Delivery.channel == PRINT, Delivery.group_id == project.group_id,
                   Delivery.project_id == project.id))


def _unit_order():
    return (UnitCopy.building_name, UnitCopy.floor, UnitCopy.number, UnitCopy.label, Delivery.created_at,
            Delivery.id)


def list_prints(work: Work, q: dict) -> list[dict]:
    """The project's print deliveries (``queued`` by default), by building and purpose, in unit order."""
    project = _project(work, q["project_id"])
    query = _query(project).where(Delivery.status == (q.get("status") or QUEUED))
    if q.get("building_id"):
        query = query.where(UnitCopy.building_id == q["building_id"])
    if q.get("purpose"):
        query = query.where(Notification.purpose == q["purpose"])
    rows = work.session.execute(query.order_by(*_unit_order()).limit(q["limit"]).offset(q["offset"])).all()
    return [view(PrintRow(*row)) for row in rows]


def view(row: PrintRow) -> dict:
    d, n, u = row.delivery, row.notification, row.unit
    return {"delivery_id": d.id, "notification_id": n.id, "project_id": d.project_id, "purpose": n.purpose,
            "title": title_of(n, d), "ref_type": n.ref_type, "ref_id": n.ref_id, "unit_id": n.unit_id,
            "unit_label": u.label if u is not None else None,
            "building_id": u.building_id if u is not None else None,
            "building_name": u.building_name if u is not None else None,
            "status": d.status, "created_at": d.created_at, "printed_at": d.printed_at,
            "printed_by": d.printed_by}


def _get(work: Work, delivery_id: str) -> tuple[ProjectCopy, PrintRow]:
    missing = DeliveryNotFound(f"no print delivery {delivery_id}")
    d = work.session.get(Delivery, delivery_id)
    if d is None or d.channel != PRINT:
        raise missing
    project = work.session.get(ProjectCopy, d.project_id)
    if project is None:
        raise missing
    _require_desk(work.caller, d.group_id, d.project_id, missing)
    return project, PrintRow(d, d.notification, work.session.get(UnitCopy, d.notification.unit_id)
                             if d.notification.unit_id else None)


def _notice(project: ProjectCopy, row: PrintRow) -> pdf.PrintedNotice:
    zone = ZoneInfo(project.timezone or "Asia/Shanghai")
    return pdf.PrintedNotice(project_name=project.name, title=title_of(row.notification, row.delivery),
                             unit_label=row.unit.label if row.unit is not None else None,
                             body=row.delivery.body, on=row.delivery.created_at.astimezone(zone).date())


def _file(filename: str, utf8_filename: str, content: bytes, count: int) -> dict:
    return {"filename": filename, "utf8_filename": utf8_filename, "pages": count,
            "content_base64": base64.b64encode(content).decode("ascii")}


def notice_pdf(work: Work, delivery_id: str, *, compress: bool = True) -> dict:
    """One notice's PDF (queued or already printed: a torn notice is printed again)."""
    project, row = _get(work, delivery_id)
    notice = _notice(project, row)
    label = notice.unit_label or row.notification.unit_id or ""
    return _file(f"notice-{row.delivery.id}.pdf", f"{project.name}-{notice.title}-{label}.pdf",
                 pdf.render([notice], compress=compress), 1)


def building_pdf(work: Work, q: dict, *, compress: bool = True) -> dict:
    """The batch of a building: its queued notices (of ``purpose``, if given), one page each in
    unit order; 422 ``nothing_to_print`` when there is none."""
    project = _project(work, q["project_id"])
    building = work.session.scalars(select(UnitCopy).where(
        UnitCopy.project_id == project.id, UnitCopy.building_id == q["building_id"]).limit(1)).first()
    if building is None:
        raise BuildingNotFound(f"no building {q['building_id']} in this project", zh="本项目没有该楼栋")
    query = _query(project).where(Delivery.status == QUEUED, UnitCopy.building_id == q["building_id"])
    if q.get("purpose"):
        query = query.where(Notification.purpose == q["purpose"])
    rows = [PrintRow(*r) for r in work.session.execute(query.order_by(*_unit_order()))]
    if not rows:
        raise NothingToPrint(f"no queued notice to print in {building.building_name}",
                             zh=f"{building.building_name} 没有待打印的通知")
    today = work.clock.now().astimezone(ZoneInfo(project.timezone or "Asia/Shanghai")).date().isoformat()
    return _file(f"notices-{q['building_id']}-{today}.pdf", f"{project.name}-{building.building_name}-通知-{today}.pdf",
                 pdf.render([_notice(project, r) for r in rows], compress=compress), len(rows))


def mark_printed(work: Work, q: dict) -> list[dict]:
    """Mark print deliveries of the project printed and posted (``printed``, when, by whom). Every id
    must be a print delivery of this project (else 404, nothing marked); one printed already keeps
    its first mark."""
    project = _project(work, q["project_id"])
    ids = list(dict.fromkeys(q["delivery_ids"]))
    rows = {r[0].id: PrintRow(*r) for r in work.session.execute(_query(project).where(Delivery.id.in_(ids)))}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise DeliveryNotFound(f"no print delivery {missing[0]} in this project")
    now: datetime = work.clock.now()
    for i in ids:
        row = rows[i]
        if row.delivery.status == QUEUED:
            row.delivery.status, row.delivery.printed_at = PRINTED, now
            row.delivery.printed_by = work.caller.user_id
            record_changed(work, row.notification)      # the unit's inbox shows the notice posted
    return [view(rows[i]) for i in ids]


__all__ = ["list_prints", "notice_pdf", "building_pdf", "mark_printed", "STATUSES", "PRINTED", "notifications"]
