"""A broadcast survives a notify restart half-way without a duplicate (issue 10).

The first notify process runs the broadcast's first chunks, then claims the next ones and dies
mid-chunk (its claim leased, its transaction never committed); one chunk it did is handed out
again (a redelivered job). A fresh notify container on the same database -- the real nameko
service, its job runner and sender, the SMS log provider -- takes the rest once the dead claim's
lease ran out: every unit gets one in-app message, every payer one SMS, and the SMS log one line
per number."""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from kernel.clock import ManualClock
from kernel.jobs import JobExecutor
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, migrated_sqlite, service_config, staff, wait_for
from services.notify import schemas
from services.notify.domain import broadcasts, settings
from services.notify.events import CONTRACT
from services.notify.models import Base, Delivery, Notification
from services.notify.service import JOB_HANDLERS, NotifyService

from .test_broadcasts import OUTAGE, estate, work

G = "group-1"
START = datetime.fromisoformat("2026-11-24T09:00:00+08:00")


def test_a_broadcast_survives_a_notify_restart_half_way_without_a_duplicate(container_factory, rabbit_config,
                                                                              rpc, tmp_path):
    url = migrated_sqlite(tmp_path, "notify")
    engine = create_engine(url)
    Session = sessionmaker(engine, expire_on_commit=False)
    clock = ManualClock(START)
    estate(Session, clock, units=12)
    with Session() as s, s.begin():
        command = schemas.BroadcastIn().load({"project_id": "p1", "purpose": "outage.notice", "target": "project",
                                              "values": OUTAGE, "channels": ["inapp", "sms"]})
        command["chunk_size"] = 2
        b = broadcasts.create(work(s, clock, staff(G, ["p1"], roles=["centre_manager"])), "p1", command)
        broadcast_id = b.id
    assert b.chunks == 6

    # the first process: two chunks done, two more claimed and never finished (killed mid-chunk)
    first = JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, JOB_HANDLERS, service="notify", settings=settings.SETTINGS,
                        batch_size=2, lease_seconds=60)
    assert first.run_once() == 2
    claimed = first.claim()
    assert len(claimed) == 2
    with Session() as s:
        # the dead worker had written its chunk's messages but never committed them
        try:
            s.begin()
            broadcasts.run_chunk(work(s, clock), broadcast_id, int(claimed[0].payload["n"]))
            s.flush()
        finally:
            s.rollback()
    with Session() as s:
        half = s.scalar(select(func.count()).select_from(Notification).where(
            Notification.source_event_id == broadcast_id))
        done_chunks = broadcasts.view(work(s, clock), s.get(broadcasts.Broadcast, broadcast_id))["chunks_done"]
    assert done_chunks == 2 and 0 < half

    # a fresh notify on the same database, after the dead claim's lease ran out
    sms_log = tmp_path / "sms.log"
    container = container_factory(NotifyService, service_config(
        rabbit_config["AMQP_URI"], url, CLOCK=f"manual:{(START + timedelta(minutes=5)).isoformat()}",
        SMS_PROVIDER="log", SMS_LOG_PATH=str(sms_log), SMS_SEND_INTERVAL=0.1, JOBS_POLL_INTERVAL=0.1,
        JOBS_LEASE_SECONDS=60, SMS_RATE_PER_SECOND=200))
    container.start()
    manager = staff(G, ["p1"], roles=["cs_manager"])

    def finished():
        view = rpc.call(manager, "notify", "get_broadcast", broadcast_id)
        statuses = {(d["channel"], d["status"]) for d in view["deliveries"]}
        return view if view["status"] == "done" and ("sms", "pending") not in statuses else None
    view = wait_for(finished, timeout=30, message="the broadcast finished by the fresh container")
    # redelivered: a chunk the first process did is run again by the new one -- nothing new
    with Session() as s, s.begin():
        assert broadcasts.run_chunk(work(s, clock), broadcast_id, 1) == 0
        assert broadcasts.deliver_units(work(s, clock), s.get(broadcasts.Broadcast, broadcast_id),
                                        ["u01", "u02"]) == 0

    with Session() as s:
        recipients = Counter(s.execute(select(Notification.recipient_kind, Notification.recipient).where(
            Notification.source_event_id == broadcast_id)).all())
        sms = Counter(s.scalars(select(Delivery.address).join(Notification).where(
            Notification.source_event_id == broadcast_id, Delivery.channel == "sms")))
    assert set(recipients.values()) == {1}
    assert sum(1 for kind, _ in recipients if kind == "unit") == 12
    assert sum(1 for kind, _ in recipients if kind == "person") == 13        # 12 owners and u01's tenant
    assert set(sms.values()) == {1} and len(sms) == 13
    assert (view["units_done"], view["chunks_done"], view["notifications"]) == (12, 6, 25)
    assert view["deliveries"] == [{"channel": "inapp", "status": "delivered", "count": 12},
                                  {"channel": "sms", "status": "sent", "count": 13}]
    lines = [json.loads(line) for line in sms_log.read_text().splitlines()]
    assert len(lines) == 13 and len({line["to"] for line in lines}) == 13
    engine.dispose()
