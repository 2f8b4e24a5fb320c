"""The outbox, proven on the real services: the broker cannot be reached for
publishing when the ticket is created; the ticket is still recorded, and its
ticket.opened is delivered -- exactly once -- after the broker comes back."""
from __future__ import annotations

import pytest
from nameko.exceptions import RpcTimeout
from sqlalchemy import func, select

from kernel.rpc import RpcPool
from kernel.tenancy import Caller
from kernel.testing import (TEST_SECRET, TcpProxy, database_of, event_handler_of, migrated_sqlite,
                            resident, service_config, wait_for, wait_settled)
from services.archive.models import Correspondence
from services.archive.service import ArchiveService
from services.notify.models import Notification, ProjectCopy
from services.notify.service import NotifyService
from services.tickets.models import OutboxMessage, Ticket, UnitCopy
from services.tickets.service import TicketsService

G = "group-1"


def count(container, query):
    with database_of(container).Session() as session:
        return session.scalar(query)


@pytest.fixture
def proxy():
    p = TcpProxy()
    yield p
    p.close()


def test_ticket_created_during_broker_outage_is_delivered_exactly_once(
        container_factory, rabbit_config, tmp_path, proxy):
    amqp = rabbit_config["AMQP_URI"]
    archive = container_factory(ArchiveService, service_config(amqp, migrated_sqlite(tmp_path, "archive")))
    notify = container_factory(NotifyService, service_config(
        amqp, migrated_sqlite(tmp_path, "notify"), SMS_PROVIDER="log", SMS_LOG_PATH=str(tmp_path / "sms.log")))
    # tickets reaches the broker only through the proxy we can cut; its scheduled jobs are off
    # (the project's copy plans the month's front-desk tasks, whose events would open the relay's
    # connection before the outage: this test is about a write meeting a broker it cannot reach)
    tickets = container_factory(TicketsService, service_config(
        proxy.amqp_uri(rabbit_config["vhost"]), migrated_sqlite(tmp_path, "tickets"),
        OUTBOX_BACKOFF_MAX=0.3, JOBS_ENABLED=False))
    for container in (archive, notify, tickets):
        container.start()

    rpc = RpcPool({"AMQP_URI": amqp, "WUYE_SECRET": TEST_SECRET}, size=2, timeout=15)
    system = Caller.system(G, "test")
    try:
        rpc.call(system, "archive", "register_project", {"id": "p1", "group_id": G, "code": "LH",
                                                          "name": "绿湖花园", "kind": "residential"})
        rpc.call(system, "archive", "register_building", {"id": "b1", "project_id": "p1", "name": "1栋"})
        rpc.call(system, "archive", "register_unit", {"id": "u1", "building_id": "b1", "number": "0101",
                                                      "building_area": "89.37"})
        rpc.call(system, "archive", "move_in", {"id": "h1", "unit_id": "u1", "moved_in_on": "2026-03-01",
                                                "people": [{"name": "张伟", "role": "owner",
                                                            "phone": "13812345678"}]})
        wait_for(lambda: count(tickets, select(UnitCopy.household_id)) == "h1", message="tickets' copies")
        wait_for(lambda: count(notify, select(func.count()).select_from(ProjectCopy)) == 1,
                 message="notify's copies")

        proxy.refuse_new()                             # the broker stops taking new connections
        me = resident(G, ["u1"])
        quick = RpcPool({"AMQP_URI": amqp, "WUYE_SECRET": TEST_SECRET}, size=1, timeout=5)
        try:
            # the request still reaches tickets over its open connection; the reply
            # may not make it back (publishing is what the outage broke)
            ticket = quick.call(me, "tickets", "open_repair", {
                "unit_id": "u1", "content": "楼道灯不亮", "category": "public_area"})
        except RpcTimeout:
            ticket = None
        finally:
            quick.close()

        # the write committed and its event waits in the outbox, retried with backoff
        assert count(tickets, select(func.count()).select_from(Ticket)) == 1
        pending = wait_for(lambda: count(tickets, select(OutboxMessage.attempts).where(
            OutboxMessage.event_type == "ticket.opened", OutboxMessage.status == "pending",
            OutboxMessage.attempts >= 2)), message="failed publish attempts")
        assert pending >= 2
        # none of those attempts handed the broker a copy (the connection is refused before
        # anything is published): no ticket.opened can be on its way to notify or archive
        relay = database_of(tickets).relay
        assert relay.outcomes_by_type["ticket.opened"]["published"] == 0
        assert count(notify, select(func.count()).select_from(Notification)) == 0

        proxy.up()                                     # the broker is back
        wait_for(lambda: count(tickets, select(OutboxMessage.status).where(
            OutboxMessage.event_type == "ticket.opened")) == "sent", timeout=15, message="relayed")
        wait_for(lambda: count(archive, select(func.count()).select_from(Correspondence)) == 1,
                 message="filed in the household file")
        wait_for(lambda: count(notify, select(func.count()).select_from(Notification)) == 2,
                 message="acknowledgement + engineering dispatch")
        # nothing else trickles in afterwards: every copy of every event the three published
        # (ticket.opened, and what handling it set off) is confirmed and settled, no outbox row
        # is pending, no queue holds anything
        settled = wait_settled(tickets, notify, archive, amqp_uri=amqp)
        opened = relay.outcomes_by_type["ticket.opened"]
        assert (opened["published"], opened["confirmed"]) == (1, 1)
        for container in (archive, notify):
            handler = event_handler_of(container, "on_ticket_opened")
            assert settled[handler.queue.name] == 1 and handler.outcomes["applied"] == 1
        assert count(notify, select(func.count()).select_from(Notification)) == 2
        assert count(archive, select(func.count()).select_from(Correspondence)) == 1
        with database_of(notify).Session() as session:
            purposes = sorted(n.purpose for n in session.scalars(select(Notification)))
        assert purposes == ["ticket.dispatch_engineering", "ticket.opened.resident"]
        if ticket is not None:
            assert rpc.call(me, "tickets", "get_ticket", ticket["id"])["status"] == "dispatched"
    finally:
        rpc.close()
        tickets.kill()      # before the proxy goes: its consumer would keep redialling
