"""A renovation's (装修, seed 000 §二) messages beyond its steps' statuses (``ticket_status.py``):

- **The hand-over (过户转交, purpose ``renovation.handed_over``).** A unit changes hands while its
  renovation's works go on (fees paid, under way, waiting for the acceptance, or accepted): tickets
  hands the renovation to the unit's new household (``ticket.status_changed``, kind ``renovation``,
  action ``hand_over``; the event's ``household_id`` is the new one). That household did not apply for
  it and must hear of it: the renovation's number, where it stands, and to come to the service centre
  (the contractor, the permit and passes, the acceptance and the re-inspection are now its business).
  The unit in-app, addressed to the new household, and an SMS to each of its registered payers (the
  owner, a tenant) -- the platform's words only: project, unit label, the renovation's number, its
  state's label, the service centre's phone. The household that left is told nothing through the unit
  (its inbox is the new household's). Once per hand-over event.
- **The re-inspection ahead (复查提醒, purpose ``renovation.reinspection_notice``).** The service
  centre re-inspects a renovation 3 months after occupancy (``renovation.reinspection_after_months``)
  and refunds the deposit after a clean one; tickets publishes ``renovation.reinspection_upcoming``
  ``renovation.reinspection_notice_days`` (7) days before it is due. The renovation's household (the
  one that keeps it: after a hand-over the new one; a household that moved out with its deposit still
  to come back keeps it and is texted as billing's former payers are) hears the date and to book a
  time with the service centre: the unit in-app and an SMS to each registered payer -- platform values
  only. Once per renovation (``once_per_ref``, ref ``renovation``). The contractor is not texted: the
  renovation records its name, never a registered number.

Staff are not told by these: the desk's lists show a renovation handed over (its step log) and a
re-inspection due (``renovation.reinspection_due``).
"""
from __future__ import annotations

from datetime import datetime

from kernel.work import Work

from ..models import Notification, ProjectCopy, UnitCopy
from . import bills, templates
from .notifications import SmsLimits
from .settings import SERVICE_PHONE, values_of

HANDED_OVER = "renovation.handed_over"
REINSPECTION_NOTICE = "renovation.reinspection_notice"
REF_TYPE = "renovation"

#: where a handed-over renovation stands, in the platform's words (tickets' ``UNIT_WORKS`` states)
STATE_LABELS = {
    "zh-CN": {"fees_paid": "费用已缴，待发放装修许可证", "in_progress": "施工中",
              "acceptance_requested": "已申请竣工验收", "accepted": "已竣工验收", "occupied": "已入住，待复查",
              "refund_requested": "已复查，保证金退还办理中"},
    "en": {"fees_paid": "fees paid, the permit to be issued", "in_progress": "works under way",
           "acceptance_requested": "completion acceptance requested", "accepted": "accepted",
           "occupied": "occupied, the re-inspection to come", "refund_requested": "re-inspected, the deposit's "
                                                                               "refund in hand"},
}
#: a state not listed above (tickets added one): said neutrally, never its code
OPEN = {"zh-CN": "办理中", "en": "in progress"}


def state_label(state: str, locale: str) -> str:
    locale = locale if locale in STATE_LABELS else templates.DEFAULT_LOCALE
    return STATE_LABELS[locale].get(state, OPEN[locale])


def _service_phone(work: Work, project: ProjectCopy) -> str:
    return (values_of(work, project.id)[SERVICE_PHONE] or "").strip()


def _unit_label(work: Work, unit_id: str, given: str | None) -> str:
    if given:
        return given
    unit = work.session.get(UnitCopy, unit_id)
    return unit.label if unit is not None else ""


def on_handed_over(work: Work, data: dict, *, event_id: str, group_id: str | None, project_id: str | None,
                   sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``ticket.status_changed`` of a renovation's ``hand_over``: the new household told (the unit
    in-app, its payers by SMS), once per event."""
    label = _unit_label(work, data["unit_id"], data.get("unit_label"))
    facts = {**data, "unit_label": label}

    def bind(project: ProjectCopy):
        phone = _service_phone(work, project)

        def values(locale: str) -> dict:
            return {"project_name": project.name, "unit_label": label, "renovation_number": data["number"],
                    "state_label": state_label(data["to"], locale), "service_phone": phone}
        return values
    return bills._tell_household(work, HANDED_OVER, facts, bind, event_id=event_id, group_id=group_id,
                                 project_id=project_id, ref_type=REF_TYPE, ref_id=data["ticket_id"],
                                 sms_limits=sms_limits)


def on_reinspection_upcoming(work: Work, data: dict, *, event_id: str, group_id: str | None,
                             project_id: str | None, sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``renovation.reinspection_upcoming``: the household told of the re-inspection's date ahead (the
    unit in-app, its payers by SMS), once per renovation."""
    label = _unit_label(work, data["unit_id"], data.get("unit_label"))

    def bind(project: ProjectCopy):
        phone = _service_phone(work, project)
        due_at = data["due_at"]
        due_on = templates.local_time(due_at if isinstance(due_at, datetime) else None,
                                      project.timezone or "Asia/Shanghai")

        def values(locale: str) -> dict:
            return {"project_name": project.name, "unit_label": label,
                    "renovation_number": data["number"], "due_date": (due_on or "")[:10] or templates.NO_VALUE[locale],
                    "service_phone": phone}
        return values
    return bills._tell_household(work, REINSPECTION_NOTICE, data, bind, event_id=event_id, group_id=group_id,
                                 project_id=project_id, ref_type=REF_TYPE, ref_id=data["renovation_id"],
                                 sms_limits=sms_limits, once_per_ref=True)
