"""An identity-match lock told to the CS manager (身份核验锁定告警): archive publishes
``identity_match.locked`` when a unit's failed identity matches (a name and an ID number not matching
the household file, tickets' goods release) reach the day's limit of one desk user or the unit's
ceiling; notify puts one staff in-app message (purpose ``identity_match.locked``) in the project's CS
manager role inbox (role ``cs_manager``; its supervisors see it too) -- the lock's message promises it.

In-app to staff only, **the platform's text only**: the unit, how many failures, the limit, the last
desk user who tried and when -- no name or number tried (the event carries none) and nobody's free
text. The CS manager lifts the lock with ``POST /units/{unit_id}/identity-match/unlock``. Once per
event: a redelivered event makes nothing new."""
from __future__ import annotations

from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Notification, ProjectCopy
from . import templates
from .notifications import INAPP, ROLE, Channel, Recipient, notify

LOCKED = "identity_match.locked"
#: who is told: 客服部经理
LOCKED_ROLE = Role.CS_MANAGER


def on_identity_match_locked(work: Work, data: dict, *, event_id: str, group_id: str | None,
                             project_id: str | None) -> Notification | None:
    """``identity_match.locked``: one in-app message to the project's CS manager inbox (zh-CN)."""
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id or data["group_id"] != group_id:
        raise InvalidInput(f"identity lock of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    tz = project.timezone or "Asia/Shanghai"
    last = data["last_caller"]

    def values(locale: str) -> dict:
        return {"project_name": project.name, "unit_label": data["unit_label"], "failures": str(data["failures"]),
                "limit": str(data["limit"]),
                "last_caller": last.get("name") or last.get("user_id") or templates.NO_VALUE[locale],
                "locked_at": templates.local_time(data["at"], tz)}
    message, new = notify(work, project, purpose=LOCKED, recipient=Recipient(ROLE, LOCKED_ROLE),
                          locale=templates.DEFAULT_LOCALE, values=values, channels=[Channel(INAPP)],
                          source_event_id=event_id, ref_type="unit", ref_id=data["unit_id"])
    return message if new else None
