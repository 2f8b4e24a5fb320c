"""Messages triggered by tickets' complaints (seed 000 §五): a warranty-quality complaint
(质量投诉, ``complaint.registered`` of kind ``quality``) goes to the project's engineering
department (in-app, at once: within 2 min of recording) and to the developer's supervision
department (开发商监理部, an SMS to the project's ``supervision.contact_phone``: within 5 min).
Each delivery's ``notification.delivered`` (purpose, ``ref_type`` ticket) meets the ticket's
clock in tickets. The SMS to the developer states the ticket number and the unit label only --
its purpose allows no other placeholder, whatever a template override says."""
from __future__ import annotations

from dataclasses import replace

from kernel.clock import ManualClock
from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Notification, ProjectCopy
from . import templates
from .copies import normalise_phone
from .notifications import INAPP, PERSON, ROLE, SMS, Channel, Recipient, SmsLimits, notify, of_event
from .settings import SUPERVISION_PHONE

QUALITY_ENGINEERING = "quality.dispatch_engineering"
QUALITY_SUPERVISION = "quality.notify_supervision"
#: the recipient id of a project's supervision department (a party outside the platform)
SUPERVISION = "supervision"


def on_complaint_registered(work: Work, data: dict, *, event_id: str, group_id: str | None,
                            project_id: str | None, sms_limits: SmsLimits | None = None,
                            requested_by: str | None = None) -> list[Notification]:
    """A warranty-quality complaint's two notices (nothing for other complaints); the same event
    twice creates nothing the second time."""
    if data["kind"] != "quality":
        return []
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id:
        raise InvalidInput(f"complaint event of group {group_id} names project {project_id} of another group",
                           code="group_mismatch", zh="事件所指的项目不属于本集团")
    work = replace(work, clock=ManualClock(work.clock.now()))
    tz = project.timezone or "Asia/Shanghai"

    def values(locale: str) -> dict:
        return {"project_name": project.name, "ticket_number": data["number"],
                "unit_label": data.get("unit_label") or templates.NO_VALUE[locale],
                "content": data["content"], "reporter_name": data["reporter_name"],
                "received_at": templates.local_time(data["received_at"], tz)}

    ref = dict(source_event_id=event_id, ref_type="ticket", ref_id=data["ticket_id"],
               earlier=of_event(work, event_id))
    created = []
    engineering, new = notify(work, project, purpose=QUALITY_ENGINEERING,
                              recipient=Recipient(ROLE, Role.ENGINEERING, data.get("unit_id")),
                              locale=templates.DEFAULT_LOCALE, values=values, channels=[Channel(INAPP)], **ref)
    if new:
        created.append(engineering)
    phone = normalise_phone(work.settings.values(project.id)[SUPERVISION_PHONE])
    channel = Channel(SMS, phone) if phone else Channel(SMS, None, suppressed="no_supervision_contact")
    # the department is an office, not a household: no per-recipient cap (a resident filing six
    # complaints must not silence the seventh, recorded by staff); a resident who filed it counts
    # against their own hourly / daily SMS limit instead
    limits = replace(sms_limits or SmsLimits(), per_recipient_hour=0, per_recipient_day=0)
    supervision, new = notify(work, project, purpose=QUALITY_SUPERVISION,
                              recipient=Recipient(PERSON, f"{SUPERVISION}:{project.id}"),
                              locale=templates.DEFAULT_LOCALE, values=values, channels=[channel],
                              sms_limits=limits, requested_by=requested_by, **ref)
    if new:
        created.append(supervision)
    return created
