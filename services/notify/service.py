"""notify service: nameko wiring only -- the rules live in ``domain/``."""
from __future__ import annotations

from functools import partial

from nameko.dependency_providers import Config
from nameko.extensions import DependencyProvider
from sqlalchemy import event

from kernel.config import secret_from
from kernel.db import ClockProvider, Database, SharedClock, find_database
from kernel.dependencies import UnitOfWork
from kernel.entrypoints import rpc
from kernel.jobs import JobRunner
from kernel.settings_rpc import SettingsRpcs

from . import schemas
from .domain import broadcasts, notifications, sending, settings, wechat
from .events import CONTRACT, NOTIFICATION_CHANGED
from .models import Base
from .providers import SMS, providers_from_config
from .sender import SendingLoop
# the RPCs and event handlers by area (wiring only), one mixin each
from .rpcs.broadcasts import BroadcastRpcs
from .rpcs.policy import PolicyRpcs
from .rpcs.printing import PrintingRpcs
from .rpcs.receipts import ReceiptRpcs
from .rpcs.subscriptions import SubscriptionHandlers
from .rpcs.templates import TemplateRpcs


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


class NotifyJobs(JobRunner):
    """notify's job runner: a broadcast's chunks (``broadcast-chunk``), with the per-number SMS limits
    of the container's config."""

    def setup(self):
        super().setup()
        self.handlers[broadcasts.CHUNK_JOB] = partial(
            broadcasts.on_chunk_job, sms_limits=notifications.SmsLimits.from_config(self.container.config))


#: every kind of job notify runs (kernel.jobs)
JOB_HANDLERS = {broadcasts.CHUNK_JOB: broadcasts.on_chunk_job}


class NotifyService(SettingsRpcs, TemplateRpcs, PrintingRpcs, PolicyRpcs, ReceiptRpcs, BroadcastRpcs,
                    SubscriptionHandlers):
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
