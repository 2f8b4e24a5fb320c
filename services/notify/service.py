"""notify service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from sqlalchemy import event

from kernel.config import secret_from
from kernel.db import ClockProvider, Database, SharedClock, find_database
from kernel.dependencies import UnitOfWork
from kernel.work import Work
from kernel.entrypoints import event_handler, rpc
from kernel.jobs import JobRunner
from functools import partial
from kernel.messaging import Event
from kernel.settings_rpc import SettingsRpcs
from kernel.tenancy import Caller

from . import schemas
from .domain import (bills, broadcasts, complaints, copies, deliveries, goods_release, identity_lock, inspections, notifications, policy,
                     printing, receipts, sending, settings, templates, ticket_status, tickets, vacancy, wechat,
                     welcome)
from .events import CONTRACT, NOTIFICATION_CHANGED
from .exceptions import UnsupportedChannel
from .models import Base
from .providers import SMS, providers_from_config
from .sender import SendingLoop


class ChannelSender(DependencyProvider):
    """The container's providers of every outbound channel (config ``SMS_PROVIDER``,
    ``EMAIL_PROVIDER``, ``WECHAT_PROVIDER``), the sending policy and the sender loop
    (:mod:`services.notify.sender`), woken by every commit that created a due message."""

    shared_clock = SharedClock()

    def setup(self):
        config = self.container.config
        self.providers: dict = providers_from_config(config)
        # no send starts closer to its lease's end than the slowest provider's timeout
        timeouts = [float(config.get("SMS_HTTP_TIMEOUT") or 5)]
        if str(config.get("EMAIL_PROVIDER") or "log").strip().lower() == "smtp":
            timeouts.append(float(config.get("EMAIL_SMTP_TIMEOUT") or 10))
        if str(config.get("WECHAT_PROVIDER") or "log").strip().lower() == "http":
            timeouts.append(float(config.get("WECHAT_HTTP_TIMEOUT") or 5))
        self.policy = sending.SmsPolicy(
            max_attempts=int(config.get("SMS_MAX_ATTEMPTS", 5)),
            retry_base=float(config.get("SMS_RETRY_BASE", 30)),
            retry_max=float(config.get("SMS_RETRY_MAX", 3600)),
            batch_size=int(config.get("SMS_BATCH_SIZE", 10)),
            # a message is at most this late after a sender died mid-batch; above the timeout
            lease_seconds=float(config.get("SMS_LEASE_SECONDS", 30)),
            send_timeout=max(timeouts),
            rate_per_second=float(config.get("SMS_RATE_PER_SECOND", 20)),
        )
        self.poll_interval = float(config.get("SMS_SEND_INTERVAL", 2.0))
        self.database = find_database(self.container)
        self.loop: SendingLoop | None = None

    @property
    def provider(self):
        """The SMS provider (its name of before)."""
        return self.providers.get(SMS)

    @provider.setter
    def provider(self, value) -> None:
        self.providers[SMS] = value

    def start(self):
        database = self.database

        def wake_relay():
            if database.relay is not None:
                database.relay.wake()

        self.loop = SendingLoop(database.Session, self.shared_clock.clock, secret_from(self.container.config),
                                lambda: self.providers, self.policy, poll_interval=self.poll_interval,
                                after_commit=wake_relay)
        event.listen(database.Session, "after_commit", self._after_commit)
        self.container.spawn_managed_thread(self.loop.run, identifier="message-sender")

    def _after_commit(self, session):
        if session.info.pop(notifications.SMS_DUE, False) and self.loop is not None:
            self.loop.wake()

    def stop(self):
        if self.loop is not None:
            self.loop.stop()
            if event.contains(self.database.Session, "after_commit", self._after_commit):
                event.remove(self.database.Session, "after_commit", self._after_commit)

    def kill(self):
        self.stop()
        if self.loop is not None:
            for send in list(self.loop.pool.coroutines_running):
                send.kill()

    def get_dependency(self, worker_ctx) -> "ChannelSender":
        return self


#: the sender's name of before (SMS only then)
SmsSender = ChannelSender


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


class NotifyJobs(JobRunner):
    """notify's job runner: a broadcast's chunks (``broadcast-chunk``), with the per-number SMS limits
    of the container's config."""

    def setup(self):
        super().setup()
        self.handlers[broadcasts.CHUNK_JOB] = partial(
            broadcasts.on_chunk_job, sms_limits=notifications.SmsLimits.from_config(self.container.config))


#: every kind of job notify runs (kernel.jobs)
JOB_HANDLERS = {broadcasts.CHUNK_JOB: broadcasts.on_chunk_job}


class NotifyService(SettingsRpcs):
    name = "notify"
    settings_rules = settings            # per-project settings: get / set / history RPCs (kernel.settings_rpc)

    db = Database(Base)
    clock = ClockProvider()
    work = UnitOfWork(CONTRACT, settings=settings.SETTINGS)
    sms = ChannelSender()
    config = Config()
    jobs = NotifyJobs(CONTRACT, JOB_HANDLERS, settings=settings.SETTINGS)


    @rpc
    def health(self):
        self.db.execute(Base.metadata.tables["notifications"].select().limit(1))
        return {"service": self.name, "status": "ok"}

    # -- reading ----------------------------------------------------------------
    @rpc
    def latest_for_unit(self, unit_id, limit=5):
        data = schemas.LatestForUnit().load({"unit_id": unit_id, "limit": limit})
        return schemas.NotificationOut(many=True).dump(
            notifications.latest_for_unit(self.work(), data["unit_id"], data["limit"]))

    @rpc
    def unit_inbox(self, unit_id, limit=50, offset=0, unread_only=False):
        """A page of the unit's inbox: ``{"items", "total"}``, newest first."""
        data = schemas.UnitInbox().load({"unit_id": unit_id, "limit": limit, "offset": offset,
                                         "unread_only": unread_only})
        page = notifications.unit_inbox(self.work(), **data)
        return {"items": schemas.NotificationOut(many=True).dump(page["items"]), "total": page["total"]}

    @rpc
    def staff_inbox(self, project_id=None, unread_only=False, limit=50):
        data = schemas.StaffInbox().load({"project_id": project_id, "unread_only": unread_only,
                                          "limit": limit})
        return schemas.NotificationOut(many=True).dump(notifications.staff_inbox(self.work(), **data))

    @rpc
    def unread_for_unit(self, unit_id):
        data = schemas.UnitRef().load({"unit_id": unit_id})
        return schemas.UnitUnreadOut().dump(notifications.unread_for_unit(self.work(), data["unit_id"]))

    @rpc
    def staff_unread(self, project_id=None):
        data = schemas.StaffUnreadQuery().load({"project_id": project_id})
        return schemas.StaffUnreadOut().dump(notifications.staff_unread(self.work(), data["project_id"]))

    @rpc
    def get_notification(self, notification_id):
        data = schemas.NotificationRef().load({"notification_id": notification_id})
        return schemas.NotificationOut().dump(
            notifications.get_notification(self.work(), data["notification_id"]))

    @rpc
    def mark_read(self, notification_id, idempotency_key=None):
        work, data = self.work(), schemas.NotificationRef().load({"notification_id": notification_id})
        return work.idempotent(idempotency_key, "mark_read", data, lambda: schemas.NotificationOut().dump(
            notifications.mark_read(work, data["notification_id"])))

    @rpc
    def export_snapshots(self, kind, after=None, limit=200, project_id=None):
        """The platform's rebuild of a read model: a page of ``notification.changed`` payloads
        (messages to units) in id order after ``after``."""
        q = schemas.ExportQuery().load({"kind": kind, "after": after, "limit": limit,
                                        "project_id": project_id})
        return [CONTRACT.dump(NOTIFICATION_CHANGED, s) for s in notifications.export_snapshots(
            self.work(), q["after"], q["limit"], q["project_id"])]

    # -- a resident's WeChat account (the WeChat channel's address) ----------------------
    @rpc
    def bind_wechat(self, unit_id, person_id, openid, idempotency_key=None):
        work = self.work()
        data = schemas.WechatBindingIn().load({"unit_id": unit_id, "person_id": person_id, "openid": openid})
        return work.idempotent(idempotency_key, "bind_wechat", data, lambda: schemas.WechatBindingOut().dump(
            wechat.bind_wechat(work, data["unit_id"], data["person_id"], data["openid"])))

    # -- templates ------------------------------------------------------------------
    @rpc
    def list_templates(self, project_id=None):
        data = schemas.TemplateQuery().load({"project_id": project_id})
        return schemas.TemplateOut(many=True).dump(templates.list_templates(self.work(), data["project_id"]))

    @rpc
    def save_template(self, data, idempotency_key=None):
        work, command = self.work(), schemas.TemplateIn().load(data)
        return work.idempotent(idempotency_key, "save_template", command, lambda: schemas.SavedTemplateOut()
                               .dump(templates.save_template(work, command)))

    @rpc
    def delete_template(self, data, idempotency_key=None):
        """Reset a project's (or the group's) override to what is in effect without it."""
        work, command = self.work(), schemas.TemplateKeyIn().load(data)
        return work.idempotent(idempotency_key, "delete_template", command, lambda: schemas.TemplateOut()
                               .dump(templates.delete_template(work, command)))

    @rpc
    def preview_template(self, project_id, data):
        """A template rendered with its purpose's sample values; writes nothing."""
        query = schemas.TemplateQuery().load({"project_id": project_id})
        command = schemas.TemplatePreviewIn().load(data)
        return schemas.TemplatePreviewOut().dump(templates.preview_template(self.work(), query["project_id"],
                                                                            command))

    # -- printed notices (issue 10): the print queue, the PDFs, the printed mark ----------------------
    @rpc
    def list_print_queue(self, project_id, query=None):
        q = schemas.PrintQuery().load({**(query or {}), "project_id": project_id})
        return schemas.PrintDeliveryOut(many=True).dump(printing.list_prints(self.work(), q))

    @rpc
    def print_notice_pdf(self, delivery_id):
        data = schemas.PrintRef().load({"delivery_id": delivery_id})
        return schemas.PrintFileOut().dump(printing.notice_pdf(self.work(), data["delivery_id"]))

    @rpc
    def print_building_pdf(self, project_id, building_id, purpose=None):
        q = schemas.PrintBatchQuery().load({"project_id": project_id, "building_id": building_id,
                                            "purpose": purpose})
        return schemas.PrintFileOut().dump(printing.building_pdf(self.work(), q))

    @rpc
    def mark_printed(self, project_id, data, idempotency_key=None):
        work, command = self.work(), schemas.MarkPrintedIn().load({**(data or {}), "project_id": project_id})
        return work.idempotent(idempotency_key, "mark_printed", command, lambda: schemas.PrintDeliveryOut(
            many=True).dump(printing.mark_printed(work, command)))

    # -- the sending policy (issue 10): a resident's opt-outs, the delivery status for staff ---------
    @rpc
    def get_preferences(self, unit_id, person_id):
        ref = schemas.PreferencesRef().load({"unit_id": unit_id, "person_id": person_id})
        return schemas.PreferencesOut().dump(policy.get_preferences(self.work(), ref["unit_id"], ref["person_id"]))

    @rpc
    def set_preferences(self, unit_id, person_id, data, idempotency_key=None):
        work = self.work()
        ref = schemas.PreferencesRef().load({"unit_id": unit_id, "person_id": person_id})
        command = {**ref, **schemas.PreferencesIn().load(data or {})}
        return work.idempotent(idempotency_key, "set_preferences", command, lambda: schemas.PreferencesOut().dump(
            policy.set_preferences(work, ref["unit_id"], ref["person_id"], command["channels"])))

    @rpc
    def list_deliveries(self, project_id, query=None):
        q = schemas.DeliveryQuery().load({**(query or {}), "project_id": project_id})
        return schemas.DeliveryPageOut().dump(deliveries.list_deliveries(self.work(), q))

    # -- the providers' delivery receipts (回执, issue 10): from the gateway's webhook routes ----------
    @rpc
    def record_receipts(self, channel, body, timestamp=None, signature=None):
        """A provider's status reports as it sent them (``body``: the request's text), with its
        ``X-Timestamp`` and ``X-Signature``: verified with the channel's receipt key, then recorded
        (``domain/receipts.py``). Idempotent by nature: a report applied once changes nothing again."""
        if channel not in receipts.RECEIPT_CHANNELS:
            raise UnsupportedChannel(f"no delivery receipts for {channel!r}")
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")
        work = self.work()
        receipts.verify(receipts.ReceiptKeys.from_config(self.config), channel, raw, timestamp, signature,
                        work.clock.now())
        reports = schemas.ReceiptReportIn(many=True).load(receipts.parse(raw))
        return schemas.ReceiptsOut().dump(receipts.record_receipts(work, channel, reports))

    # -- broadcasts (群发, issue 10): create, follow, list, cancel ---------------------------------
    @rpc
    def create_broadcast(self, project_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.BroadcastIn().load({**(data or {}), "project_id": project_id})
        return work.idempotent(idempotency_key, "create_broadcast", command, lambda: schemas.BroadcastOut().dump(
            broadcasts.view(work, broadcasts.create(work, command["project_id"], command))))

    @rpc
    def get_broadcast(self, broadcast_id):
        data = schemas.BroadcastRef().load({"broadcast_id": broadcast_id})
        return schemas.BroadcastOut().dump(broadcasts.get(self.work(), data["broadcast_id"]))

    @rpc
    def list_broadcasts(self, project_id, query=None):
        q = schemas.BroadcastQuery().load({**(query or {}), "project_id": project_id})
        return schemas.BroadcastOut(many=True).dump(
            broadcasts.list_for_project(self.work(), q["project_id"], q["limit"], q["offset"]))

    @rpc
    def cancel_broadcast(self, broadcast_id, idempotency_key=None):
        work, data = self.work(), schemas.BroadcastRef().load({"broadcast_id": broadcast_id})
        return work.idempotent(idempotency_key, "cancel_broadcast", data, lambda: schemas.BroadcastOut().dump(
            broadcasts.view(work, broadcasts.cancel(work, data["broadcast_id"]))))

    # SMS, e-mail and WeChat are sent by the ChannelSender's loop (services/notify/sender.py), not by a timer

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

    # -- a goods release pass issued or voided → the household in-app (never SMS) -- issue 12 --
    @event_handler("tickets", "goods_release.changed")
    def on_goods_release_changed(self, event: Event):
        self._to_household(goods_release.on_goods_release_changed, GOODS_RELEASE_CHANGED_IN, event)

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
