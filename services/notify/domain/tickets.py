"""Messages triggered by tickets' events (seed 000 §五: the request is acknowledged to the
resident, and engineering is notified within 2 minutes of it being recorded; the SLA engine's
warnings and breaches go to the staff inbox of the role answerable for the clock)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from kernel.clock import ManualClock
from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Notification, ProjectCopy, UnitCopy
from . import templates
from .copies import contact_by_phone, normalise_phone
from .notifications import INAPP, ROLE, SMS, UNIT, Channel, Recipient, SmsLimits, notify, of_event

ACKNOWLEDGE = "ticket.opened.resident"
DISPATCH = "ticket.dispatch_engineering"
SLA_WARNING = "ticket.sla_warning"
SLA_BREACHED = "ticket.sla_breached"
#: who is told of an alert whose clock names no answerable role (sees every role's inbox)
SLA_FALLBACK_ROLE = Role.CENTRE_MANAGER


def dispatch_deadline(deadline: dict | None, received_at: datetime) -> datetime | None:
    """The deadline the dispatch states: the ticket's own. A clock that starts when engineering
    receives the order (``after_notice_minutes``) runs from ``received_at`` -- the dispatch is
    delivered in-app as it is created, and tickets restarts the clock from that delivery time."""
    if deadline is None:
        return None
    if deadline.get("after_notice_minutes") is not None:
        return received_at + timedelta(minutes=deadline["after_notice_minutes"])
    return deadline["due_at"]


def ticket_values(data: dict, project: ProjectCopy, unit: UnitCopy | None, now: datetime):
    """The placeholder values of a ``ticket.opened`` payload, per locale (``now``: when the
    messages are created, i.e. when the in-app dispatch reaches engineering)."""
    tz = project.timezone or "Asia/Shanghai"
    unit_label = data.get("unit_label") or (unit.label if unit is not None else None)
    location = data.get("location") or ""
    # "1栋-0101 卫生间"; a location that already names the unit is used as it is
    place = f"{unit_label} {location}" if unit_label and location and unit_label not in location \
        else location or unit_label
    deadlines = {d["kind"]: d for d in data.get("deadlines") or ()}
    due_kind = next((k for k in templates.DUE_KINDS if k in deadlines), None)
    due_at = dispatch_deadline(deadlines.get(due_kind), now)

    def values(locale: str) -> dict:
        none = templates.NO_VALUE[locale]
        return {
            "project_name": project.name, "ticket_number": data["number"],
            "category_label": templates.CATEGORY_LABELS[locale].get(
                data["category"], templates.CATEGORY_LABELS[locale]["unclassified"]),
            "content": data["content"], "unit_label": unit_label or none, "location": location,
            "place": place or none, "reporter_name": data["reporter"]["name"],
            "received_at": templates.local_time(data["received_at"], tz),
            "appointment_at": templates.local_time(data.get("appointment_at"), tz) or none,
            "due_label": templates.DUE_LABELS[locale][due_kind],
            "due_at": templates.due_time(due_at, tz) or none,
        }

    return values


def sms_channel(work: Work, unit_id: str, phone: str | None):
    """Where the acknowledgement SMS may go, and the contact it goes to.

    Only to a registered contact of the unit's active household (notify's copy of
    archive's registry): a number the reporter typed that is not one is kept on the
    ticket for staff to call back, but the platform does not text it -- the delivery is
    recorded ``suppressed`` (``not_a_registered_contact``) without the number."""
    if not phone:
        return None, None
    contact = contact_by_phone(work, unit_id, phone)
    if contact is None:
        return Channel(SMS, None, suppressed="not_a_registered_contact"), None
    return Channel(SMS, normalise_phone(contact.phone), person_id=contact.person_id), contact


def on_ticket_opened(work: Work, data: dict, *, event_id: str, group_id: str | None,
                     project_id: str | None, actor_id: str | None = None,
                     sms_limits: SmsLimits | None = None) -> list[Notification]:
    """Acknowledge the request to the unit (in-app, and SMS to the reporter's phone when it is
    one of the household's registered contacts) and dispatch it to the project's engineering
    department (in-app). SMS count against ``sms_limits`` per phone number and per user (the
    reporting resident, else the staff member who recorded it: ``actor_id``). Returns what was
    created; the same event twice creates nothing the second time."""
    # the reads below never need what this handler adds: no autoflush between them, the
    # notifications, deliveries and outbox rows go out together (an SMS that counts against
    # the limits is flushed by ``notify`` itself, so the next limit check sees it)
    work.session.flush()          # what the transaction wrote before (nothing, in a handler) is seen
    with work.session.no_autoflush:
        return _on_ticket_opened(work, data, event_id=event_id, group_id=group_id,
                                 project_id=project_id, actor_id=actor_id, sms_limits=sms_limits)


def _on_ticket_opened(work: Work, data: dict, *, event_id: str, group_id: str | None,
                      project_id: str | None, actor_id: str | None,
                      sms_limits: SmsLimits | None) -> list[Notification]:
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id:
        raise InvalidInput(f"ticket event of group {group_id} names project {project_id} of another group",
                           code="group_mismatch", zh="事件所指的项目不属于本集团")
    unit = work.session.get(UnitCopy, data["unit_id"]) if data.get("unit_id") else None
    # one instant for the messages and the deadline they state: the in-app dispatch is
    # delivered at exactly the time its on-site clock is counted from
    work = replace(work, clock=ManualClock(work.clock.now()))
    values = ticket_values(data, project, unit, work.clock.now())
    # what this event created already (a redelivery): one query for both messages
    ref = dict(source_event_id=event_id, ref_type="ticket", ref_id=data["ticket_id"],
               earlier=of_event(work, event_id))
    created = []

    # the service centre's own report (a vacant unit's check: ``acknowledge`` false) is not acknowledged
    # to the unit -- its owner hears of it from the check's result
    if data.get("unit_id") and data.get("acknowledge", True):
        sms, contact = sms_channel(work, data["unit_id"], data["reporter"].get("phone"))
        channels = [Channel(INAPP)] + ([sms] if sms else [])
        ack, new = notify(work, project, purpose=ACKNOWLEDGE,
                          recipient=Recipient(UNIT, data["unit_id"], data["unit_id"], data.get("household_id")),
                          locale=contact.locale if contact else templates.DEFAULT_LOCALE,
                          values=values, channels=channels,
                          requested_by=data["reporter"].get("user_id") or actor_id,
                          sms_limits=sms_limits, **ref)
        if new:
            created.append(ack)

    dispatch, new = notify(work, project, purpose=DISPATCH,
                           recipient=Recipient(ROLE, Role.ENGINEERING, data.get("unit_id")),
                           locale=templates.DEFAULT_LOCALE, values=values, channels=[Channel(INAPP)],
                           **ref)
    if new:
        created.append(dispatch)
    return created


# -- the SLA engine's alerts → the answerable role's staff inbox ---------------------------

def _minutes(value) -> str:
    return "" if value is None else f"{value:g}"


def sla_values(data: dict, project: ProjectCopy, role: str):
    """The placeholder values of an SLA alert, per locale: platform values only (the ticket
    number, the clock's name, its due time in the project's local time, the time left or overdue
    in words, what the clock is about when tickets names it -- an inspection's area and slot --,
    the role and the assignee) -- never the resident's words."""
    tz = project.timezone or "Asia/Shanghai"

    def values(locale: str) -> dict:
        category = templates.CATEGORY_LABELS.get(locale, {}).get(data["category"]) or \
            templates.KIND_LABELS.get(locale, {}).get(data["kind"]) or data["category"]
        assignee = (data.get("assignee") or {}).get("name") or (data.get("assignee") or {}).get("user_id")
        return {
            "project_name": project.name, "ticket_number": data["number"], "category_label": category,
            "deadline_label": templates.deadline_label(data["deadline_kind"], locale),
            "due_at": templates.due_time(data["due_at"], tz),
            "role_label": templates.ROLE_LABELS.get(locale, {}).get(role, role),
            "assignee_name": assignee or templates.NO_VALUE[locale],
            "minutes_left": _minutes(data.get("minutes_left")),
            "minutes_overdue": _minutes(data.get("minutes_overdue")),
            "time_left": templates.duration_words(data.get("minutes_left"), locale),
            "time_overdue": templates.duration_words(data.get("minutes_overdue"), locale),
            "subject_note": (f"（{data['subject']}）" if locale == templates.DEFAULT_LOCALE else f" ({data['subject']})")
            if data.get("subject") else "",
            "extension_note": templates.EXTENSION_NOTES[locale] if data.get("extension_id") else "",
        }

    return values


def on_sla_alert(work: Work, purpose: str, data: dict, *, event_id: str, group_id: str | None,
                 project_id: str | None) -> Notification | None:
    """Put an SLA warning or breach (``purpose``: ``ticket.sla_warning`` / ``ticket.sla_breached``)
    in the staff inbox of the clock's answerable role in that project (zh-CN, in-app); the
    role's supervisors see it too (``notifications.inbox_roles``). The same event twice makes
    one message. Returns the message made, or None for a redelivery."""
    if purpose not in (SLA_WARNING, SLA_BREACHED):
        raise InvalidInput(f"not an SLA alert: {purpose}", code="unknown_purpose", zh=f"不是时限提醒：{purpose}")
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id:
        raise InvalidInput(f"SLA alert of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    role = data.get("responsible_role")
    if role not in Role.STAFF:
        role = SLA_FALLBACK_ROLE
    message, new = notify(work, project, purpose=purpose, recipient=Recipient(ROLE, role, data.get("unit_id")),
                          locale=templates.DEFAULT_LOCALE, values=sla_values(data, project, role),
                          channels=[Channel(INAPP)], source_event_id=event_id, ref_type="ticket",
                          ref_id=data["ticket_id"])
    return message if new else None
