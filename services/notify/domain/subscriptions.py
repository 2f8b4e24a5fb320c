"""What notify listens to and what each event makes: one row per event and template purpose --
the source, the event type, the service's handler (``services/notify/service.py``), the purpose
(the template, ``templates.PURPOSES``), the channels it goes out on and who receives it.

The README's event catalogue carries this table (:func:`markdown`); ``tests/test_notify_catalogue.py``
checks it against the service's event handlers, the purposes' channels and README.md."""
from __future__ import annotations

from dataclasses import dataclass

from kernel.tenancy import Role

from . import (bills, complaints, goods_release, identity_lock, inspections, key_checks, renovations,
               revisit_requests, ticket_status, tickets, vacancy, vacant_care, welcome)
from .notifications import EMAIL, INAPP, PRINT, SMS, WECHAT
from .settings import SERVICE_PHONE, SUPERVISION_PHONE, WELCOME_WITHIN_DAYS


@dataclass(frozen=True)
class Subscription:
    source: str                    # the publishing service
    event_type: str
    handler: str                   # NotifyService's method
    purpose: str | None            # the template purpose; None: a registry copy, no message
    channels: tuple[str, ...]      # every channel a message of it may go out on
    recipients: str                # who receives it
    when: str = ""                 # which of the event's messages take this purpose

    def row(self) -> str:
        if self.purpose is None:
            purpose = "— (registry copy, no message)"
        else:
            purpose = f"`{self.purpose}`" + (f" ({self.when})" if self.when else "")
        channels = ", ".join(self.channels) or "—"
        return f"| {self.source} | `{self.event_type}` | `{self.handler}` | {purpose} | {channels} | {self.recipients} |"


_PAYERS = ("the unit in-app; each payer (owner, tenant) of its active household on those of the channels "
           "they can be reached on (SMS to a phone, e-mail to an address, WeChat to a bound openid; one message "
           "per number, address, openid); a moved-out household: nothing")
_COPY = "— (notify's copy: who is told, their phones, e-mails, locale)"

SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("archive", "project.changed", "on_project_changed", None, (), _COPY),
    Subscription("archive", "unit.changed", "on_unit_changed", None, (), _COPY),
    Subscription("archive", "household.changed", "on_household_changed", None, (), _COPY),
    Subscription("archive", "household.changed", "on_household_changed", welcome.WELCOME,
                 (INAPP, SMS, EMAIL, WECHAT),
                 _PAYERS + "; the steward's name and work phone from notify's copy of the stewards' areas (the "
                 f"unit's, else its building's), else the service centre (`{SERVICE_PHONE}`); no number at all: "
                 "the SMS suppressed",
                 f"once per household: active, moved in at most `{WELCOME_WITHIN_DAYS}` (30) days before the "
                 "event's date"),
    Subscription("archive", "steward.assigned", "on_steward_assigned", None, (),
                 "— (notify's copy of the stewards' areas: whose name and phone the welcome and revisit "
                 "requests give)"),
    Subscription("tickets", "ticket.opened", "on_ticket_opened", tickets.ACKNOWLEDGE, (INAPP, SMS),
                 "the unit in-app; SMS to the reporter's phone only when it is a registered contact of "
                 "the unit's active household", "a ticket with a unit"),
    Subscription("tickets", "ticket.opened", "on_ticket_opened", tickets.DISPATCH, (INAPP,),
                 f"the project's engineering department (role `{Role.ENGINEERING}` inbox)"),
    Subscription("tickets", "complaint.registered", "on_complaint_registered", complaints.QUALITY_ENGINEERING,
                 (INAPP,), f"the project's engineering department (role `{Role.ENGINEERING}` inbox)",
                 "kind `quality` only"),
    Subscription("tickets", "complaint.registered", "on_complaint_registered", complaints.QUALITY_SUPERVISION,
                 (SMS,), f"the developer's supervision department: SMS to the project's setting "
                 f"`{SUPERVISION_PHONE}` (suppressed without one)", "kind `quality` only"),
    Subscription("tickets", "ticket.status_changed", "on_ticket_status_changed", ticket_status.STATUS_CHANGED,
                 (INAPP, SMS, WECHAT),
                 "the unit in-app; WeChat to the reporting contact when they bound an openid; SMS to the "
                 "reporter's phone only when it is a registered contact of the unit's active household and only "
                 "for the steps that need them now (repair dispatch, quote, completion, a not-covered reply); "
                 "the ticket's household gone from the unit, or no unit: nothing",
                 "the steps of `ticket_status.TOLD`: never a revisit, a staff-only step or the resident's own"),
    Subscription("tickets", "ticket.status_changed", "on_ticket_status_changed", revisit_requests.REVISIT_REQUEST,
                 (INAPP, SMS, WECHAT),
                 "the unit in-app; SMS to the reporting contact (a registered contact of the unit's active "
                 "household), WeChat when they bound an openid: the steward's name and phone (their work phone "
                 "when they are the unit's steward, else the service centre's) and the revisit's due time",
                 "kind `revisit`, action `assign`, reasons " + ", ".join(
                     f"`{r}`" for r in sorted(revisit_requests.TOLD_REASONS)) + "; once per revisit"),
    Subscription("tickets", "ticket.status_changed", "on_ticket_status_changed", renovations.HANDED_OVER,
                 (INAPP, SMS),
                 "the unit in-app, addressed to the household the renovation was handed to; SMS to each registered "
                 "payer (owner, tenant) of that household -- the platform's words only (the renovation's number, "
                 "its state); the household that left: nothing",
                 "kind `renovation`, action `hand_over` (a transfer during the works); once per hand-over"),
    Subscription("tickets", "renovation.reinspection_upcoming", "on_renovation_reinspection_upcoming",
                 renovations.REINSPECTION_NOTICE, (INAPP, SMS),
                 "the unit in-app; SMS to each registered payer (owner, tenant) of the renovation's household (a "
                 "household moved out with its deposit still to come back: its payers by SMS only) -- the "
                 "renovation's number and the day; never the contractor (no registered number)",
                 "`renovation.reinspection_notice_days` (7) days before the re-inspection; once per renovation"),
    Subscription("tickets", "ticket.sla_warning", "on_sla_warning", tickets.SLA_WARNING, (INAPP,),
                 f"the staff inbox of the clock's answerable role (`responsible_role`, else "
                 f"`{tickets.SLA_FALLBACK_ROLE}`); its supervisors see it too"),
    Subscription("tickets", "ticket.sla_breached", "on_sla_breached", tickets.SLA_BREACHED, (INAPP,),
                 f"the staff inbox of the clock's answerable role (`responsible_role`, else "
                 f"`{tickets.SLA_FALLBACK_ROLE}`); its supervisors see it too"),
    Subscription("tickets", "vacant_unit.checked", "on_vacant_unit_checked", vacancy.VACANCY_CHECK_RESULT,
                 (INAPP, SMS),
                 "the unit in-app; SMS to each registered payer (the owner) of the unit's active household; "
                 "a unit with no household (unsold): in-app only -- the platform's sentence, never the notes",
                 "once per check"),
    Subscription("tickets", "vacant_finding.decided", "on_vacant_finding_decided", vacancy.VACANCY_CRACK_DECISION,
                 (INAPP, SMS),
                 "the unit in-app; SMS to each registered payer (the owner) of the unit's active household -- the "
                 "platform's sentence (approved: the repair's number; rejected), never the manager's note",
                 "once per finding"),
    *(Subscription("tickets", "goods_release.changed", "on_goods_release_changed", purpose, (INAPP,),
                   "the unit in-app, addressed to the household that asked (a household moved out since: nothing) "
                   "-- never SMS: the items are the resident's words (only their count is said), the void's reason "
                   "is the manager's text (never said)", f"step `{step}`")
      for step, purpose in goods_release.TOLD.items()),
    Subscription("tickets", "inspection.item_failed", "on_inspection_item_failed", inspections.ITEM_FAILED,
                 (INAPP,), f"the project's CS manager (role `{inspections.ITEM_FAILED_ROLE}` inbox); its supervisors "
                 "see it too -- staff in-app only, never SMS (the steward's note is staff text)",
                 "once per failed item, i.e. per repair ticket"),
    Subscription("tickets", "key_stock_check.recorded", "on_key_stock_check_recorded", key_checks.DISCREPANCY,
                 (INAPP,), f"the project's CS manager (role `{key_checks.DISCREPANCY_ROLE}` inbox); its supervisors "
                 "see it too -- staff in-app only: the unit's and the key's labels, never the counter's note",
                 "with discrepancies only: a `monthly` count, or a spot-check counted by the centre manager "
                 "(`counted_as`); a count that agrees or the CS manager's own spot-check: nothing; once per check"),
    Subscription("tickets", "vacant_care.recorded", "on_vacant_care_recorded", vacant_care.CARE_ANOMALY, (INAPP,),
                 f"the project's CS manager (role `{vacant_care.CARE_ANOMALY_ROLE}` inbox); its supervisors see it too "
                 "-- staff in-app only, never SMS (the visitor's note is staff text)",
                 "a visit that reports an anomaly only (`anomaly: true`); once per care task"),
    Subscription("archive", "identity_match.locked", "on_identity_match_locked", identity_lock.LOCKED, (INAPP,),
                 f"the project's CS manager (role `{identity_lock.LOCKED_ROLE}` inbox); its supervisors see it too -- "
                 "staff in-app only, the platform's text (no name or number tried)", "once per lock"),
    Subscription("billing", "bill.notice_due", "on_bill_notice_due", bills.BILL_NOTICE,
                 (INAPP, SMS, EMAIL, WECHAT), _PAYERS),
    Subscription("billing", "bill.reminder_due", "on_bill_reminder_due", bills.PAYMENT_REMINDER, (INAPP, SMS),
                 _PAYERS, "kind `before_due`"),
    Subscription("billing", "bill.reminder_due", "on_bill_reminder_due", bills.DEBIT_REMINDER, (INAPP, SMS),
                 _PAYERS, "kind `before_debit`"),
    Subscription("billing", "receipt.issued", "on_receipt_issued", bills.RECEIPT, (INAPP, SMS, EMAIL, WECHAT),
                 _PAYERS),
    *(Subscription("billing", "dunning.notice_due", "on_dunning_notice_due", purpose, (INAPP, SMS, PRINT),
                   _PAYERS + "; the door notice queued for print (unit) when `door_notice`",
                   f"stage `{stage}`; once per notice") for stage, purpose in bills.DUNNING_PURPOSES.items()),
)

HEADER = ("| source | event | handler | purpose (template) | channels | who receives |\n"
          "|---|---|---|---|---|---|")


def markdown() -> str:
    """The catalogue as the README's table."""
    return "\n".join([HEADER, *(s.row() for s in SUBSCRIPTIONS)])
