"""Messages triggered by billing's events (seed 004): a bill's notice (``bill.notice_due``, the 5th),
the payment reminders (``bill.reminder_due``: 10 days before the due date for households paying in
cash or at the desk, 3 days before the bank collects for those with a debit mandate) and the
receipt after each payment (``receipt.issued``).

Each goes to the unit's household: an in-app message to the unit (its inbox in the portal), and an
SMS to each of the household's registered payers (:data:`PAYER_ROLES`, with a phone; one text per
number) -- and, where the purpose lists them (``receipt``), an e-mail to a payer's address and a
WeChat message to the openid they bound, all in the one message to that person -- notify's copy of archive's household, as for the repair acknowledgement; family members
and emergency contacts are not texted about money. A household not copied yet is waited for (the
handler retries); a moved-out one is not texted. The texts are the purposes' templates
(``bill_notice``, ``payment_reminder``, ``debit_reminder``, ``receipt``) filled with platform
values only -- project, unit label, numbers, period, amounts, dates. One message per event and
recipient, however often the event arrives (``notifications.notify``); each SMS goes out once
(the delivery id is the provider's idempotency reference).

**The dunning ladder's notices** (issue 9, ``dunning.notice_due``; purposes ``dunning_first``
催费通知书, ``dunning_second`` 二次催费通知书, ``dunning_final`` 最后催费通知书) go the same way -- an
in-app message to the unit and an SMS to each payer -- saying what is overdue (本金), the late fee
accrued (滞纳金, named by the final notice), the total, the oldest due date and the day to pay by.
They are one per **notice** (``notice_id``) and recipient, whichever event brings it
(``notify(once_per_ref=True)``, ref ``dunning_notice``); the SMS of each goes out once under its
delivery id. When billing asks for the printed door notice (``door_notice``, 催费通知单) the unit's
message gets a third delivery, channel ``print``, with the notice's text, left ``queued``: the PDF
and its printing are issue 10's, which takes the queued print deliveries.
"""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import InvalidInput, RetryableError
from kernel.work import Work

from ..models import Contact, HouseholdCopy, Notification, ProjectCopy
from . import templates
from .copies import normalise_phone
from .notifications import (EMAIL, INAPP, PERSON, PRINT, SMS, UNIT, WECHAT, Channel, Recipient, SmsLimits, notify,
                            of_event, of_ref)

BILL_NOTICE, PAYMENT_REMINDER, DEBIT_REMINDER, RECEIPT = "bill_notice", "payment_reminder", "debit_reminder", "receipt"
#: which reminder purpose each ``bill.reminder_due`` kind is told with
REMINDER_PURPOSES = {"before_due": PAYMENT_REMINDER, "before_debit": DEBIT_REMINDER}
#: the dunning ladder's notices (issue 9), by the stage of ``dunning.notice_due``
DUNNING_FIRST, DUNNING_SECOND, DUNNING_FINAL = "dunning_first", "dunning_second", "dunning_final"
DUNNING_PURPOSES = {"first": DUNNING_FIRST, "second": DUNNING_SECOND, "final": DUNNING_FINAL}
DUNNING_REF = "dunning_notice"
#: who is texted about a household's bills and receipts: the paying roles of archive's household
PAYER_ROLES = ("owner", "tenant")


def _project(work: Work, data: dict, group_id: str | None, project_id: str | None) -> ProjectCopy:
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id or data["group_id"] != group_id:
        raise InvalidInput(f"billing event of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    return project


def payers(work: Work, household_id: str | None, unit_id: str) -> list[Contact]:
    """The household's registered payers with a phone, one per number (none for a moved-out one)."""
    return [contact for contact, channels in payer_channels(work, household_id, unit_id, (SMS,))]


def payer_channels(work: Work, household_id: str | None, unit_id: str,
                   channels: tuple[str, ...], *, former: bool = False) -> list[tuple[Contact, list[Channel]]]:
    """Each registered payer of the household with the ``channels`` (of the purpose) they can be
    reached on: SMS to a phone, e-mail to their address, WeChat to the openid they bound -- one
    message per number, address and openid. A payer with none of them is left out; so is a moved-out
    household -- unless ``former``: a message about that household's own account after it left (its
    debt stays its own, 原业主欠费: billing's closed account)."""
    if household_id is None:
        return []
    household = work.session.get(HouseholdCopy, household_id)
    if household is None:
        raise RetryableError(f"household {household_id} has not arrived from archive yet")
    if household.unit_id != unit_id or (household.status != "active" and not former):
        return []
    seen, out = set(), []
    for contact in work.session.scalars(select(Contact).where(
            Contact.household_id == household.id, Contact.role.in_(PAYER_ROLES))
            .order_by(Contact.role, Contact.person_id)):
        reach = []
        phone = normalise_phone(contact.phone)
        if SMS in channels and phone and phone not in seen:
            seen.add(phone)
            reach.append(Channel(SMS, phone))
        email = (contact.email or "").strip().lower()
        if EMAIL in channels and email and ("email", email) not in seen:
            seen.add(("email", email))
            reach.append(Channel(EMAIL, contact.email.strip()))
        if WECHAT in channels and contact.wechat_openid and ("wechat", contact.wechat_openid) not in seen:
            seen.add(("wechat", contact.wechat_openid))
            reach.append(Channel(WECHAT, contact.wechat_openid))
        if reach:
            out.append((contact, reach))
    return out


def _moved_out(work: Work, household_id: str | None, unit_id: str) -> bool:
    """The message names a household that has left the unit (its copy says so)."""
    if household_id is None:
        return False
    household = work.session.get(HouseholdCopy, household_id)
    return household is not None and household.unit_id == unit_id and household.status != "active"


def _tell_household(work: Work, purpose: str, data: dict, values, *, event_id: str, group_id: str | None,
                    project_id: str | None, ref_type: str, ref_id: str,
                    sms_limits: SmsLimits | None, once_per_ref: bool = False,
                    printed: bool = False) -> list[Notification]:
    # a household's money messages (notices, reminders, receipts) are the platform's own, one per bill
    # and kind or receipt: the per-number limits (there against a flood a person can cause) never
    # drop them -- a move-in with its prepayment, deposit and fee receipts goes over five an hour
    sms_limits = replace(sms_limits or SmsLimits(), per_recipient_hour=0, per_recipient_day=0)
    work.session.flush()
    with work.session.no_autoflush:
        project = _project(work, data, group_id, project_id)
        outbound = tuple(c for c in templates.purpose_of(purpose).channels if c in (SMS, EMAIL, WECHAT))
        # a message about a household that no longer lives in the unit is about its own account (its
        # debt, its receipt: 过户, billing's closed account): to its payers, never to the unit (in-app,
        # a door notice) -- the household living there now must not see nor be dunned for it
        former = _moved_out(work, data.get("household_id"), data["unit_id"])
        contacts = payer_channels(work, data.get("household_id"), data["unit_id"], outbound, former=former)
        work = replace(work, clock=ManualClock(work.clock.now()))
        earlier = of_ref(work, ref_type, ref_id) if once_per_ref else of_event(work, event_id)
        ref = dict(source_event_id=event_id, ref_type=ref_type, ref_id=ref_id, earlier=earlier,
                   once_per_ref=once_per_ref)
        bound = values(project)
        created = []
        unit_channels = [Channel(INAPP), Channel(PRINT)] if printed else [Channel(INAPP)]
        if not former:
            message, new = notify(work, project, purpose=purpose,
                                  recipient=Recipient(UNIT, data["unit_id"], data["unit_id"], data.get("household_id")),
                                  locale=templates.DEFAULT_LOCALE, values=bound, channels=unit_channels, **ref)
            if new:
                created.append(message)
        for contact, reach in contacts:
            message, new = notify(work, project, purpose=purpose,
                                  recipient=Recipient(PERSON, contact.person_id, data["unit_id"]),
                                  locale=contact.locale, values=bound, channels=reach, sms_limits=sms_limits,
                                  **ref)
            if new:
                created.append(message)
        return created


def bill_values(data: dict):
    """The placeholder values of a bill's notice or reminder, per locale: platform values only."""
    def bind(project: ProjectCopy):
        def values(locale: str) -> dict:
            none = templates.NO_VALUE[locale]
            collect = data.get("collect_on")
            note = templates.COLLECT_NOTES[locale].format(collect.isoformat()) \
                if data["pays_by"] == "bank_debit" and collect else ""
            return {"project_name": project.name, "unit_label": data["unit_label"], "bill_number": data["number"],
                    "period": data.get("period") or templates.ONE_OFF_BILL[locale], "amount": str(data["outstanding"]),
                    "due_date": data["due_on"].isoformat(),
                    "collect_date": collect.isoformat() if collect else none, "collect_note": note}
        return values
    return bind


def on_bill_notice(work: Work, data: dict, *, event_id: str, group_id: str | None, project_id: str | None,
                   sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``bill.notice_due``: the bill's notice to the household (in-app and SMS)."""
    return _tell_household(work, BILL_NOTICE, data, bill_values(data), event_id=event_id, group_id=group_id,
                           project_id=project_id, ref_type="bill", ref_id=data["bill_id"], sms_limits=sms_limits)


def on_bill_reminder(work: Work, data: dict, *, event_id: str, group_id: str | None, project_id: str | None,
                     sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``bill.reminder_due``: a payment reminder (cash payers) or a bank collection reminder."""
    return _tell_household(work, REMINDER_PURPOSES[data["kind"]], data, bill_values(data), event_id=event_id,
                           group_id=group_id, project_id=project_id, ref_type="bill", ref_id=data["bill_id"],
                           sms_limits=sms_limits)


def on_receipt_issued(work: Work, data: dict, *, event_id: str, group_id: str | None, project_id: str | None,
                      sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``receipt.issued``: the receipt's number and amount to the household (in-app and SMS)."""
    def bind(project: ProjectCopy):
        return lambda locale: {"project_name": project.name, "unit_label": data["unit_label"],
                               "receipt_number": data["number"], "amount": str(data["amount"])}
    return _tell_household(work, RECEIPT, data, bind, event_id=event_id, group_id=group_id,
                           project_id=project_id, ref_type="receipt", ref_id=data["receipt_id"],
                           sms_limits=sms_limits)


def dunning_values(data: dict):
    """The placeholder values of a dunning notice: platform values only (the same in every locale)."""
    def bind(project: ProjectCopy):
        values = {"project_name": project.name, "unit_label": data["unit_label"], "overdue": str(data["overdue"]),
                  "late_fee": str(data["late_fee"]), "total": str(data["overdue"] + data["late_fee"]),
                  "bills": str(data["bills"]), "oldest_due_date": data["oldest_due_on"].isoformat(),
                  "notice_date": data["notice_on"].isoformat(), "pay_by": data["pay_by"].isoformat()}
        return lambda locale: values
    return bind


def on_dunning_notice(work: Work, data: dict, *, event_id: str, group_id: str | None, project_id: str | None,
                      sms_limits: SmsLimits | None = None) -> list[Notification]:
    """``dunning.notice_due``: the ladder's notice to the household (in-app and SMS, and the door
    notice's text queued for print), once per notice and recipient."""
    return _tell_household(work, DUNNING_PURPOSES[data["stage"]], data, dunning_values(data), event_id=event_id,
                           group_id=group_id, project_id=project_id, ref_type=DUNNING_REF,
                           ref_id=data["notice_id"], sms_limits=sms_limits, once_per_ref=True,
                           printed=data["door_notice"])
