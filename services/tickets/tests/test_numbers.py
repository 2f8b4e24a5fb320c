"""Ticket numbers on PostgreSQL: taken in a short transaction of their own, so concurrent
requests get distinct, well-formed numbers without queueing behind one counter row held
for a whole request; a request that fails after taking its number leaves a gap."""
from __future__ import annotations

import re

import eventlet
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import upgrade
from kernel.rpc import RpcPool
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, service_config, staff, temporary_pg_database, wait_for
from kernel.work import Work
from services.tickets.domain import copies, repairs, sla
from services.tickets.events import CONTRACT
from services.tickets.models import Base, ProjectCopy
from services.tickets.service import TicketsService
from services.tickets.tests.test_service import G, archive_events, known_unit

pytestmark = pytest.mark.postgres
NUMBER = re.compile(r"^BX-\d{8}-\d{4}$")


@pytest.fixture
def tickets_pg():
    with temporary_pg_database() as url:
        upgrade(migrations_dir("tickets"), url)
        yield url


def test_concurrent_requests_get_distinct_numbers(container_factory, rabbit_config, tickets_pg):
    container = container_factory(TicketsService, service_config(rabbit_config["AMQP_URI"], tickets_pg))
    container.start()
    archive_events(rabbit_config["AMQP_URI"])
    pool = RpcPool({"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}, size=12, timeout=30)
    try:
        wait_for(lambda: known_unit(pool), message="the unit's copy")
        # the project's copy comes by its own event, handled beside the unit's (it also plans the
        # project's monthly jobs, so it may commit later): a repair needs both
        engine = create_engine(tickets_pg)
        try:
            wait_for(lambda: _has_project(engine, "p1"), message="the project's copy")
        finally:
            engine.dispose()
        desk = staff(G, ["p1"], roles=["front_desk"])
        calls = [eventlet.spawn(pool.call, desk, "tickets", "open_repair",
                                {"unit_id": "u1", "category": "public_area", "content": f"灯坏 {n}"})
                 for n in range(24)]
        numbers = [call.wait()["number"] for call in calls]
    finally:
        pool.close()
    assert all(NUMBER.match(n) for n in numbers), numbers
    assert len(set(numbers)) == 24
    assert len({n[:11] for n in numbers}) == 1                         # one project, one local day
    assert sorted(int(n[-4:]) for n in numbers) == list(range(1, 25))  # nothing failed: no gap


def _has_project(engine, project_id: str) -> bool:
    with Session(engine) as session:
        return session.get(ProjectCopy, project_id) is not None


def test_an_open_request_does_not_hold_the_counter(tickets_pg):
    """Request A has its number and is still running; request B of the same project and
    day gets the next number at once (a lock wait would fail on ``lock_timeout``). A then
    fails: its number stays unused -- the documented gap."""
    engine = create_engine(tickets_pg, connect_args={"options": "-c lock_timeout=2000"})
    clock = ManualClock("2026-11-24T09:00:00+08:00")

    def work(session, caller):
        return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                          settings=sla.SETTINGS)

    with Session(engine) as setup, setup.begin():
        system = work(setup, Caller.system(G, "tickets"))
        copies.apply_project(system, {"project_id": "p1", "group_id": G, "name": "绿湖花园",
                                      "timezone": "Asia/Shanghai", "version": 1})
        copies.apply_unit(system, {"unit_id": "u1", "group_id": G, "project_id": "p1", "label": "1栋-0101",
                                   "version": 1})
    desk = staff(G, ["p1"], roles=["front_desk"])
    a, b, c = Session(engine), Session(engine), Session(engine)
    try:
        first = repairs.open_repair(work(a, desk), {"unit_id": "u1", "content": "漏水"}).number
        a.flush()                                   # A's transaction is open and has written
        second = repairs.open_repair(work(b, desk), {"unit_id": "u1", "content": "门锁坏"}).number
        b.commit()
        a.rollback()                                # A fails after taking its number
        third = repairs.open_repair(work(c, desk), {"unit_id": "u1", "content": "灯坏"}).number
        c.commit()
    finally:
        for s in (a, b, c):
            s.close()
        engine.dispose()
    assert (first, second, third) == \
        ("BX-20261124-0001", "BX-20261124-0002", "BX-20261124-0003")   # 0001 is never used
