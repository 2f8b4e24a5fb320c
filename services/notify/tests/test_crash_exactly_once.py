"""Never two messages for one event and recipient, across redelivery and a notify crash between
sending and recording (issue 10).

notify runs as a real process (``python -m kernel.serve``, as ``deploy/run.py`` starts it) on the
real broker and a real PostgreSQL database; its SMS go to a real local HTTP gateway
(:class:`~services.notify.tests.stub.SmsGatewayStub`, which -- like a real gateway -- delivers a
reference (``Idempotency-Key``) once and answers a repeat with the first message id), its e-mail
to a real local SMTP server (:class:`~kernel.testing.SmtpSink`). notify reaches its database
through a :class:`~kernel.testing.TcpProxy`.

The crash: the gateway accepts the SMS (it is on its way to the phone) and, just before it
answers, the test freezes notify's database connection -- so whatever notify does next with the
answer (record the delivery ``sent``) cannot reach the database -- and SIGKILLs notify once the
e-mail of the same batch reached the SMTP server too. Two variants: the gateway's answer reached
notify before the kill (``answered``), or was never read (the kill came while the gateway held it).

Then: the same event is published again (a redelivery, while notify is down), notify is started
again, the shared clock passes the lease (``SMS_LEASE_SECONDS``, no waiting), the sender claims
both deliveries again and sends them with the same references:

- **SMS**: the gateway sees the reference twice and delivers it once; notify records the delivery
  ``sent`` once (one attempt, the first message id) and publishes one ``notification.delivered``.
- **e-mail**: SMTP has no idempotency key -- the relay accepts the second copy too. What notify
  guarantees is that both copies are *the same message* (``Message-ID: <delivery id@domain>``), by
  which the receiving side collapses them; notify records it ``sent`` once and publishes one
  ``notification.delivered``.
- the redelivered event creates no second notification (nor any delivery).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import eventlet
import pytest
from eventlet.event import Event as GreenEvent
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from kernel.clock import FileClock
from kernel.config import ROOT, migrations_dir
from kernel.db import upgrade
from kernel.testing import TEST_SECRET, EventCapture, SmtpSink, TcpProxy, publish_event, wait_for
from services.notify.models import Delivery, Notification
from services.notify.tests.stub import SmsGatewayStub
from services.notify.tests.test_bills import RECEIPT
from services.notify.tests.test_domain import G

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.timeout(240)]

LEASE_SECONDS = 10
SENDER = "wuye@lvhu.example"
PHONE, EMAIL_ADDRESS = "13812345678", "zhang@example.com"
RECEIPT_2 = {**RECEIPT, "receipt_id": "r2", "number": "SJ00000008", "amount": "12.00"}


class CrashingGateway(SmsGatewayStub):
    """The SMS gateway, calling ``on_accept()`` when it accepted its first message and before it
    answers; with ``hold``, the answer then waits until ``release`` is sent."""

    def __init__(self, on_accept, hold: bool = False):
        super().__init__()
        self.on_accept, self.hold = on_accept, hold
        self.release = GreenEvent()
        self.fired = False

    def respond(self, request):
        status, body, extra = super().respond(request)
        if not self.fired and status == 200 and not body.get("duplicate"):
            self.fired = True
            self.on_accept()
            if self.hold:
                self.release.wait()
        return status, body, extra

    def requests_with(self, ref: str) -> list[dict]:
        return [r for r in self.requests if r["idempotency_key"] == ref]


class NotifyProcess:
    """``python -m kernel.serve`` of notify with its deployed config, the environment given."""

    def __init__(self, env: dict, log_path):
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def start(self) -> None:
        self.starts += 1
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kernel.serve", "--config", str(ROOT / "deploy/config/notify.yaml"),
                 "services.notify.service:NotifyService"],
                cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for(lambda: self.log().count("serving notify") >= self.starts or self.proc.poll() is not None,
                 timeout=60, interval=0.2, message="notify to serve")
        assert self.proc.poll() is None, self.log()

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup -- a crash."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def daytime_offset() -> float:
    """Seconds to add to the system time to be at the next 10:00 in Shanghai (the project's zone):
    no quiet hours hold the SMS, whenever the test runs."""
    tz = ZoneInfo("Asia/Shanghai")
    now = datetime.now(tz)
    target = now.replace(hour=10, minute=0, second=0, microsecond=0)
    if target < now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def publish_registry(amqp_uri: str) -> None:
    """archive's snapshots: the project, a unit and its household, whose owner has a phone and an
    e-mail address (a receipt goes to both)."""
    publish_event(amqp_uri, "archive", "project.changed", {
        "project_id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园", "kind": "residential",
        "timezone": "Asia/Shanghai", "version": 1}, group_id=G, project_id="p1")
    publish_event(amqp_uri, "archive", "unit.changed", {
        "unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1", "building_name": "1栋",
        "number": "0101", "label": "1栋-0101", "floor": 1, "building_area": "89.37",
        "usage": "residential", "version": 1}, group_id=G, project_id="p1")
    publish_event(amqp_uri, "archive", "household.changed", {
        "household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
        "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 1,
        "people": [{"person_id": "pe1", "name": "张伟", "role": "owner", "phone": PHONE,
                    "email": EMAIL_ADDRESS, "locale": "zh-CN"}]}, group_id=G, project_id="p1")


@pytest.fixture
def database(pg_url):
    upgrade(migrations_dir("notify"), pg_url)
    engine = create_engine(pg_url)
    yield pg_url, engine
    engine.dispose()


@pytest.fixture
def parts(database, rabbit_config, tmp_path):
    """Everything outside notify, and notify's process (killed at the end, before its database
    is dropped)."""
    pg_url, engine = database
    url = make_url(pg_url)
    db_proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    clock = FileClock(str(tmp_path / "clock.json"))
    clock.write(offset_seconds=daytime_offset())
    sink = SmtpSink()
    gateway = CrashingGateway(db_proxy.freeze)
    amqp_uri = rabbit_config["AMQP_URI"]
    env = dict(os.environ, PYTHONUNBUFFERED="1", AMQP_URI=amqp_uri, WUYE_SECRET=TEST_SECRET,
               WUYE_VAR_DIR=str(tmp_path / "var"), WUYE_CLOCK=f"file:{tmp_path / 'clock.json'}",
               NOTIFY_DB_URL=url.set(host="127.0.0.1", port=db_proxy.port).render_as_string(hide_password=False),
               # one handler at a time: events are handled in the order they were queued
               MAX_WORKERS="1", OUTBOX_POLL_INTERVAL="0.1", EVENT_RETRY_DELAYS="[0.2, 0.5, 1]",
               SHUTDOWN_GRACE="2", SMS_SEND_INTERVAL="0.2", SMS_LEASE_SECONDS=str(LEASE_SECONDS),
               SMS_PROVIDER="http", SMS_HTTP_URL=gateway.url, SMS_API_KEY="test-key", SMS_SIGN="绿湖物业",
               SMS_HTTP_TIMEOUT="2",
               EMAIL_PROVIDER="smtp", EMAIL_SMTP_HOST=sink.host, EMAIL_SMTP_PORT=str(sink.port),
               EMAIL_SMTP_STARTTLS="false", EMAIL_FROM=SENDER, EMAIL_SMTP_TIMEOUT="2")
    notify = NotifyProcess(env, tmp_path / "notify.log")
    delivered = EventCapture(amqp_uri, "notify", "notification.delivered")
    try:
        yield dict(engine=engine, db_proxy=db_proxy, clock=clock, sink=sink, gateway=gateway, notify=notify,
                   delivered=delivered, amqp_uri=amqp_uri)
    finally:
        notify.kill()
        if not gateway.release.ready():
            gateway.release.send(True)
        delivered.close()
        gateway.close()
        sink.close()
        db_proxy.close()


def deliveries(engine, ref_id: str) -> dict[str, Delivery]:
    with Session(engine) as session:
        rows = session.execute(select(Delivery).join(Notification).where(Notification.ref_id == ref_id)).scalars()
        out: dict[str, Delivery] = {}
        for d in rows:
            assert d.channel not in out, f"two {d.channel} deliveries of {ref_id}"
            out[d.channel] = d
        return out


def notifications_of(engine, ref_id: str) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        return sorted(session.execute(select(Notification.purpose, Notification.recipient_kind,
                                             Notification.recipient).where(Notification.ref_id == ref_id)).all())


def delivered_events(capture: EventCapture, delivery_id: str) -> list[dict]:
    return [e for e in capture.of_type("notification.delivered") if e["data"]["delivery_id"] == delivery_id]


def mails_with(sink: SmtpSink, message_id: str) -> list:
    return [m for m in sink.messages() if m["Message-ID"] == message_id]


@pytest.mark.parametrize("answered", [True, False], ids=["answer-read-then-killed", "killed-before-the-answer"])
def test_a_notify_killed_between_sending_and_recording_sends_each_message_once(parts, answered):
    engine, sink, gateway, notify = parts["engine"], parts["sink"], parts["gateway"], parts["notify"]
    amqp_uri, clock, capture = parts["amqp_uri"], parts["clock"], parts["delivered"]
    gateway.hold = not answered

    notify.start()
    publish_registry(amqp_uri)
    receipt_event = publish_event(amqp_uri, "billing", "receipt.issued", RECEIPT, group_id=G, project_id="p1")

    # the gateway accepted the SMS (and froze notify's database before answering); the e-mail of the
    # same batch reached the SMTP server
    wait_for(lambda: len(gateway.delivered) == 1, timeout=60, message="the SMS accepted by the gateway")
    sink.wait_for(1, timeout=30)
    # (answered: the stub's server wrote its answer before the test ran again -- a local write does not
    # block -- so notify had it to read; its recording cannot reach the database)
    notify.kill()
    if not gateway.release.ready():
        gateway.release.send(True)
    parts["db_proxy"].down()              # the dead process's connections closed (PostgreSQL rolls back)
    parts["db_proxy"].up()

    # crashed between sending and recording: both claimed (leased), neither recorded
    before = deliveries(engine, "r1")
    sms, email = before["sms"], before["email"]
    assert (sms.status, sms.attempts, sms.provider_message_id) == ("pending", 0, None)
    assert (email.status, email.attempts, email.provider_message_id) == ("pending", 0, None)
    assert sms.lease_until is not None and email.lease_until is not None
    [first] = gateway.delivered
    assert first["ref"] == sms.id and first["to"] == PHONE
    message_id = f"<{email.id}@lvhu.example>"
    assert len(mails_with(sink, message_id)) == 1

    # the broker brings the same event again while notify is down; notify comes back; the lease runs out
    publish_event(amqp_uri, "billing", "receipt.issued", RECEIPT, group_id=G, project_id="p1",
                  event_id=receipt_event.id)
    notify.start()
    clock.write(offset_seconds=daytime_offset() + LEASE_SECONDS + 1)
    wait_for(lambda: [d.status for c, d in sorted(deliveries(engine, "r1").items()) if c != "inapp"] ==
             ["sent", "sent"], timeout=60,
             message="both deliveries recorded sent after the restart")

    # a later event (queued after the redelivered one, handled after it: one handler at a time) and its
    # messages: when they are out, the redelivery was handled and the relay published what came before
    publish_event(amqp_uri, "billing", "receipt.issued", RECEIPT_2, group_id=G, project_id="p1")
    later = wait_for(lambda: (d := deliveries(engine, "r2")) and d.get("sms") and d.get("email") and
                     d["sms"].status == d["email"].status == "sent" and d, timeout=60,
                     message="the next receipt's SMS and e-mail sent")
    wait_for(lambda: delivered_events(capture, later["sms"].id) and delivered_events(capture, later["email"].id),
             timeout=30, message="the next receipt's notification.delivered")

    after = deliveries(engine, "r1")
    # SMS: sent twice under one reference, delivered once, recorded sent once with the first message id
    assert len(gateway.requests_with(sms.id)) == 2
    assert [m["ref"] for m in gateway.delivered] == [sms.id, later["sms"].id]
    assert (after["sms"].status, after["sms"].attempts, after["sms"].provider_message_id) == \
        ("sent", 1, gateway.accepted[sms.id])
    assert len(delivered_events(capture, sms.id)) == 1
    # e-mail: the relay got the same message twice (one Message-ID); recorded sent once
    copies = mails_with(sink, message_id)
    assert len(copies) == 2 and {m["X-Wuye-Delivery"] for m in copies} == {email.id}
    assert copies[0].get_body(("plain",)).get_content() == copies[1].get_body(("plain",)).get_content()
    assert (after["email"].status, after["email"].attempts, after["email"].provider_message_id) == \
        ("sent", 1, message_id)
    assert len(delivered_events(capture, email.id)) == 1
    # the redelivered event made no second message: one to the unit, one to its owner
    assert notifications_of(engine, "r1") == [("receipt", "person", "pe1"), ("receipt", "unit", "u1")]
    assert after["sms"].id == sms.id and after["email"].id == email.id
    assert len(mails_with(sink, f"<{later['email'].id}@lvhu.example>")) == 1
