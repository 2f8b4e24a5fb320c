"""A household told of its goods release pass (物品放行单, tickets' ``goods_release.changed``):
when the desk issues the numbered pass (purpose ``goods_release.issued``), when security lets the
goods out at the gate against it (``goods_release.used``: the household learns at once that goods
left under its pass -- one it did not expect is for the service centre at once) and when a manager
voids it (``goods_release.voided``) -- the unit in-app, addressed to the household that asked for it.

**In-app only**, never SMS: the items are the resident's words (only their count is said), and a
void says only that the pass was voided and to contact the service centre -- never the manager's
reason (staff free text, trial 4 M4); both purposes have the in-app channel alone, so no text of
anyone's reaches an SMS. A household that has since moved out is not told (``bills._tell_household``:
the unit's new household must not read it). Every other step (request, verify, approve) makes
no message. (tickets' step events ``goods_release.issued`` / ``used`` / ``voided`` carry the same
steps: notify reads the whole pass's ``goods_release.changed`` alone, so each step is told once.)

**Once per event** (the step's ``goods_release.changed``): a redelivered event makes nothing new.
"""
from __future__ import annotations

from datetime import datetime

from kernel.work import Work

from ..models import Notification, ProjectCopy
from . import bills, templates
from .notifications import SmsLimits
from .settings import SERVICE_PHONE, values_of

ISSUED = "goods_release.issued"
USED = "goods_release.used"
VOIDED = "goods_release.voided"
#: the step told, and its purpose
TOLD = {"issue": ISSUED, "use": USED, "void": VOIDED}
REF_TYPE = "goods_release"
#: a pass voided before it was numbered
NOT_NUMBERED = {"zh-CN": "（未编号）", "en": "(not numbered)"}


def on_goods_release_changed(work: Work, data: dict, *, event_id: str, group_id: str | None,
                             project_id: str | None, sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``goods_release.changed``: the issue, the use at the gate and the void told to the household
    in-app; other steps nothing."""
    purpose = TOLD.get(data["step"]["action"])
    if purpose is None:
        return []

    def bind(project: ProjectCopy):
        phone = (values_of(work, project.id)[SERVICE_PHONE] or "").strip()

        def values(locale: str) -> dict:
            locale = locale if locale in NOT_NUMBERED else templates.DEFAULT_LOCALE
            move_at, step_at = data["move_at"], data["step"].get("at")
            return {"project_name": project.name, "unit_label": data["unit_label"],
                    "pass_number": data.get("number") or NOT_NUMBERED[locale],
                    "item_count": str(len(data.get("items") or ())),
                    "move_at": templates.local_time(move_at if isinstance(move_at, datetime) else None,
                                                    project.timezone) or templates.NO_VALUE[locale],
                    # when the goods went out at the gate (the step's time; the use's only)
                    "used_at": templates.local_time(step_at if isinstance(step_at, datetime) else None,
                                                    project.timezone) or templates.NO_VALUE[locale],
                    "service_phone": phone}
        return values
    return bills._tell_household(work, purpose, data, bind, event_id=event_id, group_id=group_id,
                                 project_id=project_id, ref_type=REF_TYPE, ref_id=data["release_id"],
                                 sms_limits=sms_limits)
