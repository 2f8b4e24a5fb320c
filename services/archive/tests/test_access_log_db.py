"""The access log (业户档案查阅记录表) is append-only in the database itself: on the migrated schema
(revision 0033), SQLite and the real PostgreSQL refuse every UPDATE and DELETE of it -- and a refused
read's row, kept through the failed call's rollback, is there on both."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, staff
from kernel.work import Work, rollback_keeping
from services.archive.domain import settings as archive_settings
from services.archive.domain import access_settings, files, registry
from services.archive.events import CONTRACT
from services.archive.exceptions import FileAccessDenied
from services.archive.models import Base, FileAccessLog

G = "group-1"


@pytest.fixture
def migrated(db_url):
    upgrade(migrations_dir("archive"), db_url)
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


def test_the_database_refuses_to_change_or_delete_the_access_log(migrated):
    session, clock = migrated, ManualClock("2026-11-24T09:00:00+08:00")

    def work(caller):
        return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                          settings=archive_settings.SETTINGS)
    w = work(Caller.system(G, "seed"))
    registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                  "kind": "residential", "timezone": "Asia/Shanghai"})
    registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋"})
    registry.register_unit(w, {"id": "u1", "building_id": "b1", "number": "0101", "building_area": Decimal("90")})
    registry.move_in(w, {"id": "h1", "unit_id": "u1", "moved_in_on": date(2026, 3, 1),
                         "people": [{"name": "张伟", "role": "owner", "phone": "13812345678"}]})
    session.commit()
    files.read_file(work(staff(G, ["p1"], roles=["cs_manager"], user_id="csm-1")), "h1", "identity check")
    session.commit()
    with pytest.raises(FileAccessDenied):
        files.read_file(work(staff(G, ["p1"], roles=["engineering"], user_id="eng-1")), "h1", "curious")
    rollback_keeping(session)            # what the worker does with a failed call
    rows = session.execute(select(FileAccessLog.reader_id, FileAccessLog.outcome, FileAccessLog.refusal)
                           .order_by(FileAccessLog.reader_id)).all()
    assert [tuple(r) for r in rows] == [("csm-1", "allowed", None), ("eng-1", "refused", "no_grant")]
    for statement in ("UPDATE file_access_log SET purpose = 'nothing to see' WHERE reader_id = 'eng-1'",
                      "UPDATE file_access_log SET outcome = 'allowed'",
                      "DELETE FROM file_access_log WHERE reader_id = 'eng-1'",
                      "DELETE FROM file_access_log"):
        with pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.scalar(text("SELECT count(*) FROM file_access_log")) == 2
