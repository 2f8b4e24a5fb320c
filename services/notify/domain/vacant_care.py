"""An anomaly in a vacant unit reported to the CS manager at once (空置房异常立即上报, seed 000 §十.7: the
area's customer-service head watches the vacant units against fire and theft and reports anything wrong at
once): tickets publishes ``vacant_care.recorded`` for every care visit done (the month's cleaning, an
airing, a frost-protection check); when the visit reports an anomaly (``anomaly: true``: fire risk,
break-in, leak, mould, damage, other), notify puts one staff in-app message (purpose
``vacancy.care_anomaly``) in the project's CS manager role inbox (``cs_manager``; its supervisors see it
too): the unit, the visit, who did it when, the anomaly's kind and the visitor's note (staff text, fine
in a staff inbox -- never SMS, never the household).

A visit without an anomaly makes nothing (the task is done; the list shows it). Once per visit
(``once_per_ref``, ref ``vacant_care`` / the care task's id): a redelivered event makes nothing new.
"""
from __future__ import annotations

from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Notification, ProjectCopy
from . import templates
from .notifications import INAPP, ROLE, Channel, Recipient, notify

CARE_ANOMALY = "vacancy.care_anomaly"
#: who is told at once: 客服部经理
CARE_ANOMALY_ROLE = Role.CS_MANAGER
REF_TYPE = "vacant_care"

CARE_WORDS = {"zh-CN": {"cleaning": "每月清扫", "airing": "开窗通风", "frost_check": "防寒防冻检查"},
              "en": {"cleaning": "monthly cleaning", "airing": "airing", "frost_check": "frost-protection check"}}
ANOMALY_WORDS = {"zh-CN": {"fire_risk": "火灾隐患", "break_in": "被盗或闯入", "water_leak": "漏水", "mould": "发霉",
                           "damage": "损坏", "other": "其他异常"},
                 "en": {"fire_risk": "a fire risk", "break_in": "a break-in", "water_leak": "a leak",
                        "mould": "mould", "damage": "damage", "other": "another anomaly"}}


def on_vacant_care_recorded(work: Work, data: dict, *, event_id: str, group_id: str | None,
                            project_id: str | None) -> Notification | None:
    """``vacant_care.recorded``: an anomaly reported -- one in-app message to the project's CS manager inbox
    (zh-CN); a visit without one nothing. Returns the message made, or None."""
    if not data["anomaly"]:
        return None
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id or data["group_id"] != group_id:
        raise InvalidInput(f"vacant-unit care of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    tz = project.timezone or "Asia/Shanghai"

    def values(locale: str) -> dict:
        locale = locale if locale in CARE_WORDS else templates.DEFAULT_LOCALE
        return {"project_name": project.name, "unit_label": data["unit_label"],
                "care": CARE_WORDS[locale].get(data["care_kind"], data["care_kind"]),
                "anomaly": ANOMALY_WORDS[locale].get(data.get("anomaly_kind") or "other", ""),
                "performed_by": data["performed_by"], "performed_at": templates.local_time(data["performed_at"], tz),
                "note": data.get("note") or templates.NO_VALUE[locale]}
    message, new = notify(work, project, purpose=CARE_ANOMALY, recipient=Recipient(ROLE, CARE_ANOMALY_ROLE),
                          locale=templates.DEFAULT_LOCALE, values=values, channels=[Channel(INAPP)],
                          source_event_id=event_id, ref_type=REF_TYPE, ref_id=data["care_task_id"], once_per_ref=True)
    return message if new else None
