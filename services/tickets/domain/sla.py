"""SLA clocks of a repair request (报修, seed 000 §五).

The figures are the seed's, and each is a per-project setting
(``SETTINGS``, ``sla.<name>`` in kernel.settings) -- the defaults below apply
where a project set nothing.

- record within 5 min of the request reaching the front desk;
- notify engineering within 2 min of recording;
- public-area facility: technician on site within 15 min of engineering
  receiving the order;
- paid in-home service: arrive 5 min *before* the booked appointment;
- not covered: the engineering manager replies with advice within 15 min.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from marshmallow import fields
from marshmallow.validate import Range

from kernel.calendar import CALENDAR_SETTINGS
from kernel.deadlines import state  # noqa: F401  (the one rule, shared with the gateway's read model)
from kernel.settings import Setting, SettingsCatalogue
from kernel.tenancy import Role

from . import (clocks, complaint_sla, duty, feedback_sla, front_desk_settings, inspection_settings, prices,
               release_settings, renovation_sla)

DEFAULT_MINUTES = {
    "record_within": 5,
    "notify_engineering_within": 2,
    "public_area_on_site_within": 15,
    "paid_arrive_before_appointment": 5,
    "not_covered_reply_within": 15,
}

DOCS = {
    "record_within": "record a request within N minutes of it reaching the front desk",
    "notify_engineering_within": "notify engineering within N minutes of recording",
    "public_area_on_site_within": "public-area facility: technician on site within N minutes of "
                                  "engineering receiving the order",
    "paid_arrive_before_appointment": "paid in-home service: arrive N minutes before the appointment",
    "not_covered_reply_within": "not covered: the engineering manager replies with advice within N minutes",
}
PREFIX = "sla."
REOPEN_DAYS = "repair.reopen_days"
REVISIT_TARGET = "revisit.repair_target_percent"

# revisits (回访, domain/revisits.py): the figures of the revisits the system schedules
REVISIT_COMPLAINT_WITHIN_DAYS = "revisit.complaint_within_days"
REVISIT_DISSATISFIED_RATING = "revisit.repair_dissatisfied_rating"
REVISIT_REPAIR_WITHIN_DAYS = "revisit.repair_within_days"
REVISIT_UNSIGNED_AFTER_DAYS = "revisit.repair_unsigned_after_days"
REVISIT_MAINTENANCE_AFTER_DAYS = "revisit.maintenance_after_days"
REVISIT_MAINTENANCE_WITHIN_DAYS = "revisit.maintenance_within_days"
REVISIT_ROUTINE_CYCLE_MONTHS = "revisit.routine_cycle_months"
_DAYS = fields.Integer(strict=True, validate=Range(1, 365))
REVISIT_SETTINGS = [
    Setting(REVISIT_COMPLAINT_WITHIN_DAYS, _DAYS, default=3, unit="days",
            doc="every complaint is revisited within N days of being resolved (投诉回访)"),
    Setting(REVISIT_DISSATISFIED_RATING, fields.Integer(strict=True, validate=Range(1, 5)), default=2,
            unit="rating", doc="a repair rated at or below this (1-5) counts as dissatisfied and is revisited"),
    Setting(REVISIT_REPAIR_WITHIN_DAYS, _DAYS, default=3, unit="days",
            doc="a repair revisit (dissatisfied, unrated, unsigned, sampled) is due N days after it is "
                "scheduled"),
    Setting(REVISIT_UNSIGNED_AFTER_DAYS, fields.Integer(strict=True, validate=Range(1, 25)), default=3,
            unit="days", doc="a repair whose work is done and that the resident neither signs nor rates "
                             "within N days is revisited (the month's sample runs on day N+2 of the next month)"),
    Setting(REVISIT_MAINTENANCE_AFTER_DAYS, _DAYS, default=30, unit="days",
            doc="maintenance works (维修工程) are revisited N days after their work was done"),
    Setting(REVISIT_MAINTENANCE_WITHIN_DAYS, _DAYS, default=60, unit="days",
            doc="a maintenance works revisit is due N days after the work was done (within two months)"),
    Setting(REVISIT_ROUTINE_CYCLE_MONTHS, fields.Integer(strict=True, validate=Range(1, 60)), default=12,
            unit="months", doc="routine revisits: every occupied household is visited within N months (about "
                               "1/N of them planned each month)"),
]

#: tickets' per-project settings (kernel.settings): the SLA figures in minutes
SETTINGS = SettingsCatalogue("tickets", [
    Setting(PREFIX + name, fields.Integer(strict=True, validate=Range(1, 60 * 24 * 30)), default=minutes,
            unit="minutes", doc=DOCS[name])
    for name, minutes in DEFAULT_MINUTES.items()
] + [
    Setting(REOPEN_DAYS, fields.Integer(strict=True, validate=Range(0, 365)), default=7, unit="days",
            doc="a closed repair may be reopened (by the resident or staff) within N days of closing"),
    Setting(REVISIT_TARGET, fields.Integer(strict=True, validate=Range(0, 100)), default=30, unit="percent",
            doc="repairs revisited per month (回访率): when the compulsory revisits fall short, satisfied "
                "repairs are sampled until this share is reached"),
] + REVISIT_SETTINGS + clocks.SETTINGS + duty.SETTINGS + prices.SETTINGS + CALENDAR_SETTINGS
    + complaint_sla.SETTINGS + release_settings.SETTINGS
    + feedback_sla.SETTINGS + front_desk_settings.SETTINGS + inspection_settings.SETTINGS
    + renovation_sla.SETTINGS,
    checks=[inspection_settings.check, front_desk_settings.check])


def minutes_from(settings: dict) -> dict[str, int]:
    """The SLA figures out of a project's settings, by their short names (``record_within``)."""
    return {name: settings[PREFIX + name] for name in DEFAULT_MINUTES}


RECORD, NOTIFY_ENGINEERING, ON_SITE, ARRIVE_BEFORE, REPLY = (
    "record", "notify_engineering", "on_site", "arrive_before", "reply")

#: who answers for each repair clock (told of its warning and breach)
RESPONSIBLE = {RECORD: Role.FRONT_DESK, NOTIFY_ENGINEERING: Role.FRONT_DESK, ON_SITE: Role.ENGINEERING,
               ARRIVE_BEFORE: Role.ENGINEERING, REPLY: Role.ENGINEERING_MANAGER}

#: the deadlines whose clock starts when engineering receives the order
FROM_ENGINEERING_NOTICE = {ON_SITE: "public_area_on_site_within", REPLY: "not_covered_reply_within"}


@dataclass(frozen=True)
class Deadline:
    kind: str
    due_at: datetime


def deadlines_for(category: str, *, received_at: datetime, recorded_at: datetime,
                  appointment_at: datetime | None, minutes: dict[str, int]) -> list[Deadline]:
    m = {**DEFAULT_MINUTES, **minutes}
    notify_due = recorded_at + timedelta(minutes=m["notify_engineering_within"])
    out = [
        Deadline(RECORD, received_at + timedelta(minutes=m["record_within"])),
        Deadline(NOTIFY_ENGINEERING, notify_due),
    ]
    if category == "public_area":
        # until engineering actually has the order, assume it gets it on time
        out.append(Deadline(ON_SITE, notify_due + timedelta(minutes=m["public_area_on_site_within"])))
    elif category == "in_home_paid" and appointment_at is not None:
        out.append(Deadline(ARRIVE_BEFORE,
                            appointment_at - timedelta(minutes=m["paid_arrive_before_appointment"])))
    elif category == "not_covered":
        out.append(Deadline(REPLY, notify_due + timedelta(minutes=m["not_covered_reply_within"])))
    return out


def minutes_after_notice(kind: str, minutes: dict[str, int]) -> int | None:
    """For a clock that starts when engineering receives the order: its minutes from then."""
    key = FROM_ENGINEERING_NOTICE.get(kind)
    return None if key is None else {**DEFAULT_MINUTES, **minutes}[key]


def rebased_on_notice(kind: str, notified_at: datetime, minutes: dict[str, int]) -> datetime | None:
    """The due time of ``kind`` once engineering has received the order at ``notified_at``."""
    after = minutes_after_notice(kind, minutes)
    return None if after is None else notified_at + timedelta(minutes=after)
