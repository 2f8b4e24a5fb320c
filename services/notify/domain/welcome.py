"""The move-in welcome with the steward's phone (入住欢迎, DOMAIN.md's first notification trigger;
purpose ``move_in.welcome``), from archive's ``household.changed``.

**When.** A ``household.changed`` that notify applies (newer than its copy) and that brings a household
notify has not welcomed yet, ``active``, whose ``moved_in_on`` is recent: at most
``welcome.within_days`` (30) days before the event's date in the project's time zone (a move-in dated
ahead counts as recent). The event's date, not today's, decides: a rebuild or an import of the
households on file (old move-in dates) welcomes nobody, and an event held back by an outage still
welcomes the household it was about. A move-in (入伙) and the new owners of a transfer (过户) are
welcomed; a moved-out household, or one whose move-in date is unknown, is not.

**Once per household** (:class:`~services.notify.models.HouseholdWelcome`, keyed by the household id):
the first event that qualifies welcomes it; redelivery, a replay, and the household's later changes (a
person added the next day) do not -- a person added later is not welcomed on their own. The messages
are also one per household and recipient (``notify(once_per_ref=True)``, ref ``household``).

**What and whom.** The unit in-app (the household's inbox, addressed to its payers by name), and each
payer (owner, tenant) of the household on the channels of the purpose they can be reached on -- SMS to
a phone, e-mail to an address, WeChat to a bound openid, one message per number, address, openid -- as
the bills reach them (``bills.payer_channels``). Family members and emergency contacts are not
addressed (the unit's inbox is theirs too). The SMS names the project, the unit, the steward and the
numbers, never the resident's name (``resident_name`` is refused in SMS templates).

**The steward.** notify's copy of archive's stewards' areas (``copies.steward_for_unit``: the unit's
own steward, else its building's): their name and work phone. A steward without a work phone on file:
their name with the service centre's number (``service_centre.phone``). No steward: the platform's
word for the service centre (服务中心 / "the service centre") with its number. Neither a steward's
work phone nor a service centre number: the welcome is still stored in-app and goes by e-mail and
WeChat -- the phones are empty, and the built-in texts leave out the phrases that would give them
(``{% if steward_phone %}``: "您的专属管家是 服务中心。", never "电话 无"); the SMS -- whose point is the
number -- is recorded ``suppressed`` (``no_phone_to_give``) and never sent.

**Sending.** A service message (not legally required, not an emergency): quiet hours hold its SMS and
WeChat until the morning; an opt-out of the channel stops it. It is the platform's own, once per
household: the per-number limits do not drop it (a move-in's receipts go over them the same hour).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from kernel.clock import ManualClock
from kernel.errors import RetryableError
from kernel.work import Work

from ..models import HouseholdCopy, HouseholdWelcome, Notification, ProjectCopy, UnitCopy
from . import copies, templates
from .bills import payer_channels
from .notifications import EMAIL, INAPP, PERSON, SMS, UNIT, WECHAT, Channel, Recipient, SmsLimits, notify, of_ref, \
    withdraw_door_notices
from .settings import SERVICE_PHONE, WELCOME_WITHIN_DAYS, values_of

WELCOME = "move_in.welcome"
#: the welcome's reference: one per household and recipient
REF_TYPE = "household"
#: the platform's word for the steward when none is assigned: the service centre answers
CENTRE_WORD = {"zh-CN": "服务中心", "en": "the service centre"}
#: how the unit's inbox addresses the household when it has no payer by name
HOUSEHOLD_WORD = {"zh-CN": "业主", "en": "Dear resident"}
#: why a welcome SMS is not sent: it would give no number at all
NO_PHONE = "no_phone_to_give"


def on_household_changed(work: Work, data: dict, *, event_id: str, occurred_at: datetime,
                         sms_limits: SmsLimits | None = None) -> list[Notification]:
    """archive's ``household.changed``: keep the copy, then welcome the household if it is due one.
    Returns the messages made."""
    household, applied = copies.upsert_household(work, data)
    if not applied:
        return []
    if household.status != "active":
        # it has left the unit: its door notices still queued there are withdrawn (never posted on the
        # next household's door); its in-app messages stay its own (the next household never sees them)
        withdraw_door_notices(work, household)
        return []
    return welcome(work, household, event_id=event_id, occurred_at=occurred_at, sms_limits=sms_limits)


def is_recent(moved_in_on, event_day, within_days: int) -> bool:
    """Moved in at most ``within_days`` days before the event's day (a date ahead of it counts)."""
    return moved_in_on is not None and (event_day - moved_in_on).days <= within_days


def welcome(work: Work, household: HouseholdCopy, *, event_id: str, occurred_at: datetime,
            sms_limits: SmsLimits | None = None) -> list[Notification]:
    """Welcome ``household`` (see the module's docstring), once; [] when it is not due one."""
    if household.status != "active" or household.moved_in_on is None:
        return []
    work.session.flush()
    with work.session.no_autoflush:
        project = work.session.get(ProjectCopy, household.project_id)
        if project is None:
            raise RetryableError(f"project {household.project_id} has not arrived from archive yet")
        settings = values_of(work, project.id)
        event_day = occurred_at.astimezone(ZoneInfo(project.timezone or "Asia/Shanghai")).date()
        if not is_recent(household.moved_in_on, event_day, settings[WELCOME_WITHIN_DAYS]):
            return []
        if work.session.get(HouseholdWelcome, household.id) is not None:
            return []
        unit = work.session.get(UnitCopy, household.unit_id)
        if unit is None:
            raise RetryableError(f"unit {household.unit_id} has not arrived from archive yet")
        steward = copies.steward_for_unit(work, unit)
        service_phone = (settings[SERVICE_PHONE] or "").strip()
        steward_phone = ((steward.work_phone or "").strip() if steward is not None else "") or service_phone
        outbound = tuple(c for c in templates.purpose_of(WELCOME).channels if c in (SMS, EMAIL, WECHAT))
        payers = payer_channels(work, household.id, unit.id, outbound)
        work.session.add(HouseholdWelcome(
            household_id=household.id, group_id=household.group_id, project_id=project.id, unit_id=unit.id,
            source_event_id=event_id, steward_id=steward.steward_id if steward is not None else None,
            welcomed_at=work.clock.now()))
        work.session.flush()          # the household's one welcome: a concurrent delivery fails here, retries

        def values(resident_name):
            def bind(locale: str) -> dict:
                # a phone not known is empty: the built-in texts leave its phrase out (never "电话 无")
                return {"project_name": project.name, "unit_label": unit.label,
                        "resident_name": resident_name(locale),
                        "steward_name": steward.steward_name if steward is not None and steward.steward_name
                        else CENTRE_WORD.get(locale, CENTRE_WORD[templates.DEFAULT_LOCALE]),
                        "steward_phone": steward_phone, "service_phone": service_phone}
            return bind

        # the welcome is the platform's own, once per household: the per-number limits never drop it
        limits = replace(sms_limits or SmsLimits(), per_recipient_hour=0, per_recipient_day=0)
        work = replace(work, clock=ManualClock(work.clock.now()))
        ref = dict(source_event_id=event_id, ref_type=REF_TYPE, ref_id=household.id,
                   earlier=of_ref(work, REF_TYPE, household.id), once_per_ref=True)
        names = "、".join(dict.fromkeys(contact.name for contact, _ in payers if contact.name))
        created = []
        message, new = notify(work, project, purpose=WELCOME, recipient=Recipient(UNIT, unit.id, unit.id, household.id),
                              locale=templates.DEFAULT_LOCALE,
                              values=values(lambda locale: names or HOUSEHOLD_WORD.get(locale, HOUSEHOLD_WORD[
                                  templates.DEFAULT_LOCALE])),
                              channels=[Channel(INAPP)], **ref)
        if new:
            created.append(message)
        for contact, reach in payers:
            if not steward_phone:
                reach = [replace(c, suppressed=NO_PHONE) if c.name == SMS else c for c in reach]
            message, new = notify(work, project, purpose=WELCOME,
                                  recipient=Recipient(PERSON, contact.person_id, unit.id), locale=contact.locale,
                                  values=values(lambda locale, name=contact.name: name), channels=reach,
                                  sms_limits=limits, **ref)
            if new:
                created.append(message)
        return created
