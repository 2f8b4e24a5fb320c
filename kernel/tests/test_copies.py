"""kernel.copies: one version rule and one guard for every local copy of archive's registry."""
from __future__ import annotations

import pytest
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kernel.clock import ManualClock
from kernel.copies import apply_snapshot, is_newer
from kernel.db import new_base
from kernel.errors import Forbidden
from kernel.messaging import EventContract, kernel_tables
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, staff
from kernel.work import Work

Base = new_base()
kernel_tables(Base)


class PlaceCopy(Base):
    __tablename__ = "place_copies"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    group_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)


def work(session, caller):
    return Work.build(session, ManualClock("2026-11-24T09:00:00+08:00"), caller, base=Base,
                      contract=EventContract("x", {}), secret=TEST_SECRET)


def test_only_a_newer_version_applies():
    assert is_newer(None, 1) and is_newer(1, 2)
    assert not is_newer(2, 2) and not is_newer(3, 2)
    with domain_session(Base) as session:
        w = work(session, Caller.system("g1", "x"))
        row, applied = apply_snapshot(w, PlaceCopy, "a", 2, {"group_id": "g1", "name": "二"})
        assert applied and row.name == "二"
        for version, name in ((2, "again"), (1, "older")):
            row, applied = apply_snapshot(w, PlaceCopy, "a", version, {"group_id": "g1", "name": name})
            assert not applied and row.name == "二"
        row, applied = apply_snapshot(w, PlaceCopy, "a", 3, {"group_id": "g1", "name": "三"})
        assert applied and (row.name, row.version) == ("三", 3)


def test_only_the_platform_writes_copies_within_the_events_group():
    with domain_session(Base) as session:
        with pytest.raises(Forbidden) as err:
            apply_snapshot(work(session, staff("g1", ["p1"])), PlaceCopy, "a", 1,
                           {"group_id": "g1", "name": "x"})
        assert err.value.code == "system_only"
        with pytest.raises(Forbidden) as err:
            apply_snapshot(work(session, Caller.system("g1", "x")), PlaceCopy, "a", 1,
                           {"group_id": "g2", "name": "x"})
        assert err.value.code == "snapshot_group_mismatch"
        apply_snapshot(work(session, Caller.system(None, "x")), PlaceCopy, "a", 1,
                       {"group_id": "g1", "name": "x"})
        with pytest.raises(Forbidden):       # a copy never moves to another group
            apply_snapshot(work(session, Caller.system(None, "x")), PlaceCopy, "a", 2,
                           {"group_id": "g2", "name": "x"})
