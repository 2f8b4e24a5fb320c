"""notify's SMS sender is a loop paced by SMS_RATE_PER_SECOND, not a timer: a commit that
creates due SMS wakes it, it claims the next batch at once while a full batch was due, and
sends within a batch concurrently. Behaviour, not timings: the timer interval is an hour
here, so whatever is sent was sent without a tick."""
from __future__ import annotations

import json

import eventlet
import pytest
from eventlet.event import Event as GreenEvent
from sqlalchemy import func, select

from kernel.clock import ManualClock
from kernel.testing import database_of, migrated_sqlite, publish_event, service_config, wait_for
from services.notify.domain import copies, notifications, sending, tickets
from services.notify.models import Delivery
from services.notify.service import NotifyService, SmsSender
from services.notify.tests.test_domain import G, ticket, work
from services.notify.tests.test_service import TICKET, publish_registry

NO_LIMITS = notifications.SmsLimits.from_config({
    "SMS_MAX_PER_RECIPIENT_PER_HOUR": 0, "SMS_MAX_PER_RECIPIENT_PER_DAY": 0,
    "SMS_MAX_PER_USER_PER_HOUR": 0, "SMS_MAX_PER_USER_PER_DAY": 0})


# -- the rate limiter (fake time) -----------------------------------------------------

class FakeTime:
    def __init__(self):
        self.t, self.slept = 100.0, []

    def now(self):
        return self.t

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.t += seconds


def test_the_limiter_lets_a_second_s_worth_go_then_paces_to_the_rate():
    fake = FakeTime()
    limiter = sending.RateLimiter(5, now=fake.now, sleep=fake.sleep)
    for _ in range(5):
        limiter.acquire()
    assert fake.slept == []                        # the burst: one second's worth at once
    for _ in range(10):
        limiter.acquire()
    assert sum(fake.slept) == pytest.approx(2.0)   # ten more at 5/s take two (fake) seconds
    fake.t += 60                                   # idle: the bucket refills to its burst only
    fake.slept.clear()
    for _ in range(6):
        limiter.acquire()
    assert sum(fake.slept) == pytest.approx(0.2)


def test_the_rate_must_be_positive():
    with pytest.raises(ValueError, match="SMS_RATE_PER_SECOND"):
        sending.SmsPolicy(rate_per_second=0)


# -- the loop in a container ----------------------------------------------------------

class RecordingProvider:
    """Accepts everything; counts sends in flight at once. With ``hold`` the sends wait
    until ``release`` is sent (or ``in_flight`` reaches ``hold``)."""

    def __init__(self, hold: int = 0):
        self.sent, self.in_flight, self.most_at_once = [], 0, 0
        self.hold, self.release = hold, GreenEvent()

    def send(self, phone, text, ref):
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            if self.hold:
                if self.in_flight >= self.hold and not self.release.ready():
                    self.release.send(True)
                self.release.wait(timeout=10)
            else:
                eventlet.sleep(0)
            self.sent.append(ref)
            return f"msg-{ref}"
        finally:
            self.in_flight -= 1


@pytest.fixture
def start_notify(container_factory, rabbit_config, tmp_path):
    def start(**extra):
        config = service_config(rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "notify"),
                                SMS_SEND_INTERVAL=3600, CLOCK="manual:2026-11-24T09:00:00+08:00",
                                SMS_MAX_PER_RECIPIENT_PER_HOUR=0, SMS_MAX_PER_RECIPIENT_PER_DAY=0,
                                SMS_MAX_PER_USER_PER_HOUR=0, SMS_MAX_PER_USER_PER_DAY=0, **extra)
        container = container_factory(NotifyService, config)
        container.start()
        sender = next(dep for dep in container.dependencies if isinstance(dep, SmsSender))
        wait_for(lambda: sender.loop is not None and sender.loop._running, message="the loop runs")
        return container, sender
    return start


def counting_passes(loop):
    passes, original = [], loop.one_pass
    loop.one_pass = lambda: (passes.append(1), original())[1]
    return passes


def sms_statuses(container):
    with database_of(container).Session() as session:
        return dict(session.execute(select(Delivery.status, func.count()).where(Delivery.channel == "sms")
                                    .group_by(Delivery.status)).all())


def create_due_sms(container, n: int) -> None:
    """``n`` tickets' acknowledgements, each with an SMS due now, in ONE transaction of the
    service's own sessions: its commit is the one wake-up the sender gets."""
    clock = ManualClock("2026-11-24T09:00:00+08:00")
    with database_of(container).Session() as session:
        w = work(session, clock)
        for i in range(n):
            tickets.on_ticket_opened(w, ticket(number=f"BX-20261124-{i + 1:04d}", ticket_id=f"t{i}"),
                                     event_id=f"ev-{i}", group_id=G, project_id="p1", sms_limits=NO_LIMITS)
        session.commit()


def seed_registry(container):
    from services.notify import schemas
    from services.notify.tests.test_domain import OWNER, household_event, project_event
    clock = ManualClock("2026-11-24T09:00:00+08:00")
    with database_of(container).Session() as session:
        w = work(session, clock)
        copies.upsert_project(w, schemas.ProjectChangedIn().load(project_event()))
        copies.upsert_unit(w, schemas.UnitChangedIn().load({
            "unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1",
            "building_name": "1栋", "number": "0101", "label": "1栋-0101", "floor": 1,
            "building_area": "89.37", "usage": "residential", "version": 1}))
        copies.upsert_household(w, household_event([OWNER]))
        session.commit()


def test_all_due_sms_leave_after_one_wake_without_a_timer_tick(start_notify):
    container, sender = start_notify(SMS_BATCH_SIZE=5, SMS_RATE_PER_SECOND=1000)
    provider = RecordingProvider()
    sender.provider = provider
    seed_registry(container)
    passes = counting_passes(sender.loop)
    create_due_sms(container, 23)                  # one commit: one wake
    wait_for(lambda: sms_statuses(container) == {"sent": 23}, message="all 23 sent")
    assert len(provider.sent) == 23 == len(set(provider.sent))
    # five passes of at most five, one after the other (no tick: the interval is an hour)
    assert len(passes) == 5


def test_a_batch_is_sent_concurrently(start_notify):
    container, sender = start_notify(SMS_BATCH_SIZE=5, SMS_RATE_PER_SECOND=1000)
    provider = RecordingProvider(hold=5)           # a send returns only when all five are out
    sender.provider = provider
    seed_registry(container)
    create_due_sms(container, 5)
    wait_for(lambda: sms_statuses(container) == {"sent": 5}, message="the batch sent")
    assert provider.most_at_once == 5


def test_the_rate_bounds_the_sends_in_flight(start_notify):
    container, sender = start_notify(SMS_BATCH_SIZE=10, SMS_RATE_PER_SECOND=2)
    assert sender.loop.pool.size == 2              # never more at once than a second's worth
    assert sender.loop.limiter.rate == 2


def test_an_event_that_creates_an_sms_wakes_the_sender(start_notify, rabbit_config, tmp_path):
    sms_log = tmp_path / "sms.log"
    container, sender = start_notify(SMS_PROVIDER="log", SMS_LOG_PATH=str(sms_log))
    publish_registry(rabbit_config["AMQP_URI"])
    publish_event(rabbit_config["AMQP_URI"], "tickets", "ticket.opened", TICKET, group_id=G, project_id="p1")
    wait_for(lambda: sms_statuses(container).get("sent") == 1, timeout=20, message="sent without a tick")
    assert [json.loads(line)["to"] for line in sms_log.read_text(encoding="utf-8").splitlines()] == \
        ["13812345678"]
