"""Revision 0020 carries tickets' older SLA settings onto the kernel's settings tables."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import text

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET
from kernel.work import Work
from services.tickets.domain import repairs, sla
from services.tickets.events import CONTRACT
from services.tickets.models import Base

from sqlalchemy.orm import Session


def test_sla_settings_rows_become_project_settings_with_an_audit_row(db_url):
    upgrade(migrations_dir("tickets"), db_url, revision="0002")
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO sla_settings (project_id, key, group_id, minutes, updated_at, updated_by) "
                "VALUES ('p1', 'public_area_on_site_within', 'g1', 25, :at, 'cm-1')"),
                {"at": datetime(2026, 11, 20, 1, 0)})
        upgrade(migrations_dir("tickets"), db_url)
        with Session(engine) as session:
            work = Work.build(session, ManualClock("2026-11-24T09:00:00+08:00"), Caller.system("g1", "t"),
                              base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=sla.SETTINGS)
            assert repairs.sla_minutes(work, "p1")["public_area_on_site_within"] == 25
            assert repairs.sla_minutes(work, "p1")["record_within"] == 5
            [change] = work.settings.history("p1")
            assert (change["key"], change["value"], change["changed_by"]) == (
                "sla.public_area_on_site_within", 25, "cm-1")
            assert change["changed_at"] == datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
    finally:
        engine.dispose()
