"""Delivery status for staff (issue 10): what became of each message on each channel.

The customer-service desk of a project (front desk, steward, CS manager, service-centre manager --
as the print queue), and the general manager and group admin (read only, as elsewhere) list the project's deliveries, newest first: per message (purpose, recipient,
unit) and channel, its status -- ``pending`` (queued for the sender, ``next_attempt_at`` saying
when: send-at, quiet hours, a retry's backoff), ``sent`` (the provider accepted it), ``delivered``
(in-app; an SMS or WeChat message its provider's receipt says reached the recipient: ``delivered_at``),
``failed`` (refused, out of attempts, or reported failed by the provider's receipt),
``suppressed`` (why: ``opted_out``, ``no_address``, a rate limit), and for print ``queued`` or
``printed`` -- with the attempts, the last error and the provider's answer, and the provider's
receipt (``receipts.py``): ``reported_status``, ``provider_code``, ``provider_message``, ``reported_at``
(the provider's time), ``receipt_at`` (when it reached us), ``delivered_at``. Filterable by status,
channel, purpose, unit and a date range (the project's local dates of creation), paginated
(``limit``/``offset``, ``total``). Addresses are masked (``kernel.privacy.mask_address``), also
where the provider's answer repeats one. A resident never sees this (404, as a project not theirs);
another project's staff 403 ``project_out_of_scope``, a role outside the desk 403 ``role_required``.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from kernel.privacy import mask_address
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import ProjectNotFound
from ..models import Delivery, Notification, ProjectCopy, UnitCopy
from . import templates

#: who reads the delivery status: the customer-service department of the project
STATUS_ROLES = tuple(sorted(Role.CUSTOMER_SERVICE | {Role.GENERAL_MANAGER, Role.GROUP_ADMIN}))
STATUSES = ("pending", "queued", "sent", "delivered", "failed", "suppressed", "printed")


def _project(work: Work, project_id: str) -> ProjectCopy:
    project, missing = work.session.get(ProjectCopy, project_id), ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise missing
    work.caller.require_project(project.group_id, project.id, not_found=missing)
    if not work.caller.is_system:
        work.caller.require_role(*STATUS_ROLES)
    return project


def _masked_answer(address: str | None, masked: str | None, text: str | None) -> str | None:
    if text and address and address in text:
        return text.replace(address, masked or "")
    return text


def list_deliveries(work: Work, q: dict) -> dict:
    project = _project(work, q["project_id"])
    zone = ZoneInfo(project.timezone or "Asia/Shanghai")
    query = (select(Delivery, Notification, UnitCopy)
             .join(Notification, Delivery.notification_id == Notification.id)
             .outerjoin(UnitCopy, UnitCopy.id == Notification.unit_id)
             .where(Delivery.group_id == project.group_id, Delivery.project_id == project.id))
    if q.get("status"):
        query = query.where(Delivery.status == q["status"])
    if q.get("channel"):
        query = query.where(Delivery.channel == q["channel"])
    if q.get("purpose"):
        query = query.where(Notification.purpose == q["purpose"])
    if q.get("unit_id"):
        query = query.where(Notification.unit_id == q["unit_id"])
    if q.get("date_from"):
        query = query.where(Delivery.created_at >= datetime.combine(q["date_from"], time(), tzinfo=zone))
    if q.get("date_to"):
        query = query.where(Delivery.created_at < datetime.combine(q["date_to"] + timedelta(days=1), time(),
                                                                   tzinfo=zone))
    total = work.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = work.session.execute(query.order_by(Delivery.created_at.desc(), Delivery.id.desc())
                                .limit(q["limit"]).offset(q["offset"])).all()
    return {"items": [view(d, n, u) for d, n, u in rows], "total": total, "limit": q["limit"],
            "offset": q["offset"]}


def view(d: Delivery, n: Notification, u: UnitCopy | None) -> dict:
    masked = mask_address(d.channel, d.address)
    return {"delivery_id": d.id, "notification_id": n.id, "project_id": d.project_id, "purpose": n.purpose,
            "kind": templates.PURPOSES[n.purpose].kind if n.purpose in templates.PURPOSES else None,
            "recipient_kind": n.recipient_kind, "unit_id": n.unit_id, "unit_label": u.label if u is not None else None,
            "channel": d.channel, "status": d.status, "address": masked, "attempts": d.attempts,
            "created_at": d.created_at, "send_at": n.send_at, "next_attempt_at": d.next_attempt_at,
            "sent_at": d.sent_at, "printed_at": d.printed_at,
            "last_error": _masked_answer(d.address, masked, d.last_error),
            "provider_answer": _masked_answer(d.address, masked, d.provider_answer),
            "provider_message_id": d.provider_message_id,
            "reported_status": d.reported_status, "provider_code": d.provider_code,
            "provider_message": _masked_answer(d.address, masked, d.provider_message),
            "reported_at": d.reported_at, "receipt_at": d.receipt_at, "delivered_at": d.delivered_at}
