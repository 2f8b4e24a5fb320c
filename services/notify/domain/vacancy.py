"""The vacant unit's monthly check told to its owner (空置房检查结果, DOMAIN.md: "vacant-unit report
by the 12th"; purpose ``vacancy.check_result``): tickets publishes ``vacant_unit.checked`` when a
unit's check is recorded (its ``vacant_report`` clock is due by the 12th); notify tells the unit
in-app and each registered payer of its active household (the owner) by SMS -- the household as
notify's copy of archive's has it, as for the bills (``bills.payer_channels``). A unit the developer
has not sold has no household: its in-app message only.

**Platform words only** (no free text in an SMS): ``result_label`` is notify's sentence from the
event's counts -- nothing found; N small problems with the repair tickets opened (their numbers);
N cracks waiting for the manager's decision -- never the steward's notes. The service centre's
phone is notify's setting ``service_centre.phone``; none set: the built-in texts leave the sentence
out (``{% if service_phone %}``, never "如有疑问请致电 无").

**Once per check** (``notify(once_per_ref=True)``, ref ``vacant_check`` / the check's id): a
redelivered event makes nothing new.

**A crack's decision** (purpose ``vacancy.crack_decision``, tickets' ``vacant_finding.decided``): the
check's result told the owner a crack waits for the manager; the decision follows, to the same people
the same way (the unit in-app, the owner by SMS), once per finding (ref ``vacant_finding``): approved --
the repair is arranged, with the repair's number; rejected -- no repair for now, call the service
centre. The platform's sentence only: never the manager's note nor the steward's room name.
"""
from __future__ import annotations

from sqlalchemy import select

from kernel.work import Work

from ..models import HouseholdCopy, Notification, ProjectCopy
from . import bills, templates
from .notifications import SmsLimits
from .settings import SERVICE_PHONE, values_of

VACANCY_CHECK_RESULT = "vacancy.check_result"
VACANCY_CRACK_DECISION = "vacancy.crack_decision"
REF_TYPE = "vacant_check"
DECISION_REF_TYPE = "vacant_finding"

#: the result sentences, per locale: (nothing found, small problems, cracks)
_OK = {"zh-CN": "房屋设施完好，未发现问题", "en": "everything in order, nothing found"}
_DEFECTS = {"zh-CN": "发现一般问题 {n} 处，已安排维修（工单 {numbers}）",
            "en": "{n} small problem(s) found, repair ordered (ticket {numbers})"}
_CRACKS = {"zh-CN": "发现裂缝 {n} 处，待经理审批后安排维修", "en": "{n} crack(s) found, to be repaired once the manager approves"}
_SEP = {"zh-CN": "；", "en": "; "}
#: the decision's sentences: approved (with the repair's number), rejected
_APPROVED = {"zh-CN": "经审批已安排维修（工单 {number}）", "en": "approved: the repair is arranged (ticket {number})"}
_REJECTED = {"zh-CN": "经评估暂不安排维修", "en": "assessed: no repair is arranged for now"}


def decision_label(data: dict, locale: str) -> str:
    """The platform's sentence for a crack's decision (never the manager's note)."""
    if data["repair_state"] == "repair_opened":
        return _APPROVED[locale].format(number=data.get("repair_ticket_number") or templates.NO_VALUE[locale])
    return _REJECTED[locale]


def result_label(data: dict, locale: str) -> str:
    """The platform's sentence for the check's result (never the notes)."""
    parts = []
    if data["defects"]:
        numbers = ", ".join(data["repair_ticket_numbers"]) or templates.NO_VALUE[locale]
        parts.append(_DEFECTS[locale].format(n=data["defects"], numbers=numbers))
    if data["cracks"]:
        parts.append(_CRACKS[locale].format(n=data["cracks"]))
    return _SEP[locale].join(parts) or _OK[locale]


def _household_id(work: Work, unit_id: str) -> str | None:
    return work.session.scalar(select(HouseholdCopy.id).where(
        HouseholdCopy.unit_id == unit_id, HouseholdCopy.status == "active").limit(1))


def on_vacant_unit_checked(work: Work, data: dict, *, event_id: str, group_id: str | None,
                           project_id: str | None, sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``vacant_unit.checked``: the result to the unit in-app and to its owner by SMS, once per check."""
    def bind(project: ProjectCopy):
        phone = (values_of(work, project.id)[SERVICE_PHONE] or "").strip()

        def values(locale: str) -> dict:
            locale = locale if locale in _OK else templates.DEFAULT_LOCALE
            return {"project_name": project.name, "unit_label": data["unit_label"],
                    "check_date": data["check_date"].isoformat(), "result_label": result_label(data, locale),
                    "service_phone": phone}     # none set: empty, its sentence left out
        return values
    data = {**data, "household_id": _household_id(work, data["unit_id"])}
    return bills._tell_household(work, VACANCY_CHECK_RESULT, data, bind, event_id=event_id, group_id=group_id,
                                 project_id=project_id, ref_type=REF_TYPE, ref_id=data["check_id"],
                                 sms_limits=sms_limits, once_per_ref=True)


def on_crack_decided(work: Work, data: dict, *, event_id: str, group_id: str | None,
                     project_id: str | None, sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``vacant_finding.decided``: the manager's decision on a crack, to the unit in-app and to its
    owner by SMS, once per finding -- as the check's result was told."""
    def bind(project: ProjectCopy):
        phone = (values_of(work, project.id)[SERVICE_PHONE] or "").strip()

        def values(locale: str) -> dict:
            locale = locale if locale in _APPROVED else templates.DEFAULT_LOCALE
            return {"project_name": project.name, "unit_label": data["unit_label"],
                    "decision_label": decision_label(data, locale), "service_phone": phone}
        return values
    data = {**data, "household_id": _household_id(work, data["unit_id"])}
    return bills._tell_household(work, VACANCY_CRACK_DECISION, data, bind, event_id=event_id, group_id=group_id,
                                 project_id=project_id, ref_type=DECISION_REF_TYPE, ref_id=data["finding_id"],
                                 sms_limits=sms_limits, once_per_ref=True)
