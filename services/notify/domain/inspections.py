"""A failed daily-inspection item reported to the CS manager at once (巡检发现问题，立即汇报客服部经理,
seed 000 §四): tickets publishes ``inspection.item_failed`` when a steward records an item failed
(with the repair ticket it opened); notify puts one staff in-app message (purpose
``inspection.item_failed``) in the project's CS manager role inbox (role ``cs_manager``; its
supervisors see it too, ``notifications.inbox_roles``).

In-app to staff only -- never SMS: the message names the area, the item, the round's number and the
repair ticket's number, and the steward's note (staff text, fine in a staff inbox). Once per event
(``once_per_ref``, ref ``ticket`` / the repair ticket the item opened -- tickets opens one per round
and item): a redelivered event makes nothing new."""
from __future__ import annotations

from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Notification, ProjectCopy
from . import templates
from .notifications import INAPP, ROLE, Channel, Recipient, notify

ITEM_FAILED = "inspection.item_failed"
#: who is told at once: 客服部经理
ITEM_FAILED_ROLE = Role.CS_MANAGER


def item_failed_values(data: dict, project: ProjectCopy):
    """The placeholder values of a failed item, per locale."""
    tz = project.timezone or "Asia/Shanghai"
    recorded_by = data["recorded_by"]

    def values(locale: str) -> dict:
        return {"project_name": project.name, "area_name": data["area_name"], "item_name": data["item_name"],
                "round_number": data["number"], "ticket_number": data["repair_number"],
                "note": data.get("note") or "",
                "recorded_by": recorded_by.get("name") or recorded_by.get("user_id") or templates.NO_VALUE[locale],
                "recorded_at": templates.local_time(data["at"], tz)}
    return values


def on_item_failed(work: Work, data: dict, *, event_id: str, group_id: str | None,
                   project_id: str | None) -> Notification | None:
    """``inspection.item_failed``: one in-app message to the project's CS manager inbox (zh-CN).
    Returns the message made, or None for a redelivery."""
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id or data["group_id"] != group_id:
        raise InvalidInput(f"inspection event of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    message, new = notify(work, project, purpose=ITEM_FAILED, recipient=Recipient(ROLE, ITEM_FAILED_ROLE),
                          locale=templates.DEFAULT_LOCALE, values=item_failed_values(data, project),
                          channels=[Channel(INAPP)], source_event_id=event_id, ref_type="ticket",
                          ref_id=data["repair_ticket_id"], once_per_ref=True)
    return message if new else None
