"""notify's subscriptions: the events of tickets, billing and archive it tells households and staff of (the
catalogue: domain/subscriptions.py) -- wiring only, inherited by
:class:`~services.notify.service.NotifyService`."""
from __future__ import annotations

from kernel.entrypoints import event_handler
from kernel.messaging import Event
from kernel.tenancy import Caller
from kernel.work import Work

from .. import schemas
from ..domain import (bills, complaints, copies, goods_release, identity_lock, inspections, key_checks,
                      notifications, renovations, ticket_status, tickets, vacancy, vacant_care, welcome)

#: the hot path's schema, built once (a marshmallow instance keeps no state between calls)
TICKET_OPENED_IN = schemas.TicketOpenedIn()
COMPLAINT_REGISTERED_IN = schemas.ComplaintRegisteredIn()
SLA_ALERT_IN = schemas.SlaAlertIn()
TICKET_STATUS_CHANGED_IN = schemas.TicketStatusChangedIn()
# billing's messages to households (bank)
BILL_NOTICE_IN = schemas.BillNoticeIn()
BILL_REMINDER_IN = schemas.BillReminderIn()
RECEIPT_ISSUED_IN = schemas.ReceiptIssuedIn()
# the dunning ladder's notices (issue 9)
DUNNING_NOTICE_IN = schemas.DunningNoticeIn()
# tickets' vacant-unit check, to the owner (issue 12)
VACANT_UNIT_CHECKED_IN = schemas.VacantUnitCheckedIn()
VACANT_FINDING_DECIDED_IN = schemas.VacantFindingDecidedIn()
GOODS_RELEASE_CHANGED_IN = schemas.GoodsReleaseChangedIn()
# tickets' failed inspection item, to the CS manager
INSPECTION_ITEM_FAILED_IN = schemas.InspectionItemFailedIn()
# archive's identity-match lock, to the CS manager (trial 4 M12)
IDENTITY_MATCH_LOCKED_IN = schemas.IdentityMatchLockedIn()
# tickets' renovation re-inspection ahead, to the household; a monthly key count's discrepancies, to the CS manager
RENOVATION_REINSPECTION_UPCOMING_IN = schemas.RenovationReinspectionUpcomingIn()
KEY_STOCK_CHECK_RECORDED_IN = schemas.KeyStockCheckRecordedIn()
# tickets' vacant-unit care visit with an anomaly, to the CS manager
VACANT_CARE_RECORDED_IN = schemas.VacantCareRecordedIn()


class SubscriptionHandlers:
    # -- events ---------------------------------------------------------------------------
    def _system(self, event: Event) -> Work:
        return self.work(Caller.system(event.group_id, "notify"))

    @event_handler("archive", "project.changed")
    def on_project_changed(self, event: Event):
        copies.upsert_project(self._system(event), schemas.ProjectChangedIn().load(event.data))

    @event_handler("archive", "unit.changed")
    def on_unit_changed(self, event: Event):
        copies.upsert_unit(self._system(event), schemas.UnitChangedIn().load(event.data))

    @event_handler("archive", "household.changed")
    def on_household_changed(self, event: Event):
        """The household's copy, and the move-in welcome when it is due one (``domain/welcome.py``)."""
        welcome.on_household_changed(self._system(event), schemas.HouseholdChangedIn().load(event.data),
                                     event_id=event.id, occurred_at=event.occurred_at,
                                     sms_limits=notifications.SmsLimits.from_config(self.config))

    @event_handler("archive", "steward.assigned")
    def on_steward_assigned(self, event: Event):
        """The stewards' areas' copy (管家片区): whose name and phone the welcome and revisit requests give."""
        copies.upsert_steward(self._system(event), schemas.StewardAssignedIn().load(event.data))

    @event_handler("tickets", "ticket.opened")
    def on_ticket_opened(self, event: Event):
        tickets.on_ticket_opened(self._system(event), TICKET_OPENED_IN.load(event.data),
                                 event_id=event.id, group_id=event.group_id, project_id=event.project_id,
                                 actor_id=(event.actor or {}).get("user_id"),
                                 sms_limits=notifications.SmsLimits.from_config(self.config))

    @event_handler("tickets", "complaint.registered")
    def on_complaint_registered(self, event: Event):
        actor = event.actor or {}
        complaints.on_complaint_registered(self._system(event), COMPLAINT_REGISTERED_IN.load(event.data),
                                           event_id=event.id, group_id=event.group_id,
                                           project_id=event.project_id,
                                           sms_limits=notifications.SmsLimits.from_config(self.config),
                                           requested_by=actor.get("user_id") if actor.get("kind") == "resident"
                                           else None)

    @event_handler("tickets", "ticket.status_changed")
    def on_ticket_status_changed(self, event: Event):
        ticket_status.on_ticket_status_changed(self._system(event), TICKET_STATUS_CHANGED_IN.load(event.data),
                                               event_id=event.id, group_id=event.group_id,
                                               project_id=event.project_id,
                                               actor_kind=(event.actor or {}).get("kind"),
                                               sms_limits=notifications.SmsLimits.from_config(self.config))

    # the SLA engine's alerts: the staff inbox of the clock's answerable role
    def _sla_alert(self, event: Event):
        tickets.on_sla_alert(self._system(event), event.type, SLA_ALERT_IN.load(event.data), event_id=event.id,
                             group_id=event.group_id, project_id=event.project_id)

    @event_handler("tickets", "ticket.sla_warning")
    def on_sla_warning(self, event: Event):
        self._sla_alert(event)

    @event_handler("tickets", "ticket.sla_breached")
    def on_sla_breached(self, event: Event):
        self._sla_alert(event)

    # a failed daily-inspection item: the CS manager's inbox at once (巡检发现问题)
    @event_handler("archive", "identity_match.locked")
    def on_identity_match_locked(self, event: Event):
        identity_lock.on_identity_match_locked(self._system(event), IDENTITY_MATCH_LOCKED_IN.load(event.data),
                                               event_id=event.id, group_id=event.group_id,
                                               project_id=event.project_id)

    @event_handler("tickets", "inspection.item_failed")
    def on_inspection_item_failed(self, event: Event):
        inspections.on_item_failed(self._system(event), INSPECTION_ITEM_FAILED_IN.load(event.data),
                                   event_id=event.id, group_id=event.group_id, project_id=event.project_id)

    # a monthly key stock-check that does not agree with the register: the CS manager's inbox (钥匙盘点不符)
    @event_handler("tickets", "key_stock_check.recorded")
    def on_key_stock_check_recorded(self, event: Event):
        key_checks.on_key_stock_check_recorded(self._system(event), KEY_STOCK_CHECK_RECORDED_IN.load(event.data),
                                               event_id=event.id, group_id=event.group_id,
                                               project_id=event.project_id)

    # an anomaly found in a vacant unit on a care visit: the CS manager's inbox at once (空置房异常立即上报)
    @event_handler("tickets", "vacant_care.recorded")
    def on_vacant_care_recorded(self, event: Event):
        vacant_care.on_vacant_care_recorded(self._system(event), VACANT_CARE_RECORDED_IN.load(event.data),
                                            event_id=event.id, group_id=event.group_id, project_id=event.project_id)

    # -- billing's bills and receipts → the household (in-app and SMS to its payers) -- bank --
    def _to_household(self, rule, schema, event: Event):
        rule(self._system(event), schema.load(event.data), event_id=event.id, group_id=event.group_id,
             project_id=event.project_id, sms_limits=notifications.SmsLimits.from_config(self.config))

    # -- a vacant unit's monthly check → its owner (in-app, SMS) by the 12th -- issue 12 --
    @event_handler("tickets", "vacant_unit.checked")
    def on_vacant_unit_checked(self, event: Event):
        self._to_household(vacancy.on_vacant_unit_checked, VACANT_UNIT_CHECKED_IN, event)

    # -- a crack's decision (approved: the repair arranged; rejected) → the owner (in-app, SMS) --
    @event_handler("tickets", "vacant_finding.decided")
    def on_vacant_finding_decided(self, event: Event):
        self._to_household(vacancy.on_crack_decided, VACANT_FINDING_DECIDED_IN, event)

    # -- a goods release pass issued, used at the gate or voided → the household in-app (never SMS) --
    @event_handler("tickets", "goods_release.changed")
    def on_goods_release_changed(self, event: Event):
        self._to_household(goods_release.on_goods_release_changed, GOODS_RELEASE_CHANGED_IN, event)

    # -- a renovation's re-inspection ahead → the household (in-app, SMS to its payers) (装修复查提醒) --
    @event_handler("tickets", "renovation.reinspection_upcoming")
    def on_renovation_reinspection_upcoming(self, event: Event):
        self._to_household(renovations.on_reinspection_upcoming, RENOVATION_REINSPECTION_UPCOMING_IN, event)

    @event_handler("billing", "bill.notice_due")
    def on_bill_notice_due(self, event: Event):
        self._to_household(bills.on_bill_notice, BILL_NOTICE_IN, event)

    @event_handler("billing", "bill.reminder_due")
    def on_bill_reminder_due(self, event: Event):
        self._to_household(bills.on_bill_reminder, BILL_REMINDER_IN, event)

    @event_handler("billing", "receipt.issued")
    def on_receipt_issued(self, event: Event):
        self._to_household(bills.on_receipt_issued, RECEIPT_ISSUED_IN, event)

    # -- the dunning ladder's notices → the household (in-app, SMS, the door notice queued) -- issue 9 --
    @event_handler("billing", "dunning.notice_due")
    def on_dunning_notice_due(self, event: Event):
        self._to_household(bills.on_dunning_notice, DUNNING_NOTICE_IN, event)
