"""Revisit requests (回访预约, DOMAIN.md: "revisit requests"; purpose ``revisit.request``): when a
revisit (回访) is assigned to a steward, the household it is about is told who will call, on which
number, and by when.

A revisit is the service centre's own task: the household never sees the revisit ticket (tickets'
readers; ``ticket_status.TOLD`` tells none of its steps as a ticket status). But the call is coming,
and a household that knows the steward's name and number answers it. So the **assignment** of a
revisit (``ticket.status_changed``, kind ``revisit``, action ``assign``) is told -- as this purpose,
never as a status -- with the ticket the household knows (the repair or complaint revisited: its number
and category), the steward's name and phone and the revisit's due time (``revisit_by``). tickets'
event carries them (``assignee``, ``due_at``, ``revisited``).

**Which revisits** (:data:`TOLD_REASONS`): those about the household's own request, where a call is
expected -- ``complaint`` (every complaint, 投诉回访), ``repair_dissatisfied``, ``repair_unrated``,
``repair_unsigned`` and ``repair_sample`` (a satisfied repair drawn for the month's rate: the call
comes all the same, and a named number is answered more readily than an unknown one). Never
``maintenance`` (public works the household did not ask for: there is no request of theirs to name)
nor ``routine`` (the steward's planned round of every household: no request to name, and a message a
month ahead of each round would be noise). A revisit whose due time has already passed when it is
assigned is not told either (the message would promise a call by a time gone by); nor one without the
facts (an event of before tickets published them).

**Once per revisit** (``notify(once_per_ref=True)``, ref ``revisit`` / the revisit's ticket id -- not
``ticket``: the portal must not link to a ticket the household cannot open): a reassignment to another
steward is not told again (the steward introduces themselves on the call), nor is a redelivery.

**The phone.** The assignee's work phone from notify's copy of the stewards' areas when the assignee is
the unit's steward (``copies.steward_for_unit``: the unit's own, else its building's) and has one on
file; otherwise -- a steward of another area, a customer-service manager doing a complaint's revisit,
no work phone -- the service centre's number (``service_centre.phone``). Neither: the in-app message
names the caller without a number (the built-in texts' ``{% if steward_phone %}``, never "（无）") and the
SMS is recorded ``suppressed`` (``no_phone_to_give``).

**Whom**, as a ticket's status (``ticket_status``): the unit's inbox; an SMS to the reporting contact's
phone when it is a registered contact of the unit's active household (the steward calls that number; a
typed number that is not one: ``suppressed``, ``not_a_registered_contact``); WeChat when they bound an
openid. The household gone from the unit, or no unit: nothing. Quiet hours hold the SMS and WeChat (a
service message); the per-number limits apply as to a ticket's status SMS.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from kernel.clock import ManualClock
from kernel.errors import RetryableError
from kernel.work import Work

from ..models import Notification, ProjectCopy, UnitCopy
from . import copies, templates
from .notifications import INAPP, SMS, UNIT, WECHAT, Channel, Recipient, SmsLimits, notify, of_ref
from .settings import SERVICE_PHONE, values_of

REVISIT_REQUEST = "revisit.request"
#: the message's reference: one per revisit (never ``ticket``: the household cannot open a revisit)
REF_TYPE = "revisit"
#: the revisit reasons (tickets' ``revisits.REASONS``) a household is told of: a call about its own request
TOLD_REASONS = frozenset({"complaint", "repair_dissatisfied", "repair_unrated", "repair_unsigned", "repair_sample"})
#: every reason of tickets' revisits, each decided (a test fails when tickets adds one)
NOT_TOLD_REASONS = frozenset({"maintenance", "routine"})
#: why the SMS is not sent: it would give no number to expect the call from
NO_PHONE = "no_phone_to_give"
#: the platform's word for the caller when the assignee has no name on the event
CENTRE_WORD = {"zh-CN": "服务中心", "en": "the service centre"}


def callback(work: Work, project: ProjectCopy, unit: UnitCopy, assignee: dict) -> tuple[str | None, str]:
    """(the steward's name on the copy or None, the number the household may expect the call from --
    "" when there is none)."""
    steward = copies.steward_for_unit(work, unit)
    service_phone = (values_of(work, project.id)[SERVICE_PHONE] or "").strip()
    if steward is not None and steward.steward_id == assignee["user_id"]:
        return steward.steward_name, (steward.work_phone or "").strip() or service_phone
    return None, service_phone


def on_revisit_assigned(work: Work, data: dict, project: ProjectCopy, *, event_id: str,
                        sms_limits: SmsLimits | None = None) -> Notification | None:
    """Tell the household of a revisit assigned to a steward (see the module's docstring). Returns the
    message made, or None."""
    from .ticket_status import category_label, household_of_ticket   # ticket_status sends assignments here

    revisited, assignee, due_at = data.get("revisited"), data.get("assignee"), data.get("due_at")
    if data.get("category") not in TOLD_REASONS or not (revisited and assignee and due_at and data.get("unit_id")):
        return None
    at: datetime = data["at"]
    if due_at <= at:
        return None                        # a call promised by a time gone by: not told
    work.session.flush()
    with work.session.no_autoflush:
        household = household_of_ticket(work, data)
        if household is None:
            return None
        unit = work.session.get(UnitCopy, data["unit_id"])
        if unit is None:
            raise RetryableError(f"unit {data['unit_id']} has not arrived from archive yet")
        steward_name, phone = callback(work, project, unit, assignee)
        reporter = data.get("reporter_phone")
        contact = copies.contact_by_phone(work, data["unit_id"], reporter)
        if contact is not None and contact.household_id != household.id:
            contact = None
        channels = [Channel(INAPP)]
        if reporter:
            if contact is None:
                channels.append(Channel(SMS, None, suppressed="not_a_registered_contact"))
            else:
                channels.append(Channel(SMS, copies.normalise_phone(contact.phone), person_id=contact.person_id,
                                        suppressed=None if phone else NO_PHONE))
        if contact is not None and contact.wechat_openid:
            channels.append(Channel(WECHAT, contact.wechat_openid, person_id=contact.person_id))
        tz = project.timezone or "Asia/Shanghai"
        source = {"kind": revisited["kind"], "category": revisited.get("category")}

        def values(locale: str) -> dict:
            # no number: empty, and the built-in texts leave the "（phone）" out (never "（无）")
            return {"project_name": project.name, "ticket_number": revisited["number"],
                    "category_label": category_label(source, locale),
                    "steward_name": (assignee.get("name") or steward_name
                                     or CENTRE_WORD.get(locale, CENTRE_WORD[templates.DEFAULT_LOCALE])),
                    "steward_phone": phone, "revisit_by": templates.local_time(due_at, tz)}

        work = replace(work, clock=ManualClock(work.clock.now()))
        message, new = notify(work, project, purpose=REVISIT_REQUEST,
                              recipient=Recipient(UNIT, data["unit_id"], data["unit_id"], household.id),
                              locale=contact.locale if contact else templates.DEFAULT_LOCALE,
                              values=values, channels=channels, source_event_id=event_id,
                              ref_type=REF_TYPE, ref_id=data["ticket_id"], sms_limits=sms_limits,
                              earlier=of_ref(work, REF_TYPE, data["ticket_id"]), once_per_ref=True)
        return message if new else None
