"""kernel.settings: declared settings with defaults, effective-dated values, audit and event."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import fields
from marshmallow.validate import Range

from kernel.clock import ManualClock
from kernel.errors import InvalidInput
from kernel.messaging import EventContract, kernel_tables
from kernel.money import Money
from kernel.db import new_base
from kernel.settings import (SETTING_CHANGED, Setting, SettingBackdated, SettingChanged,
                             SettingsCatalogue, UnknownSetting, settings_tables)
from kernel.testing import TEST_SECRET, domain_session, outbox_events, staff
from kernel.work import Work

Base = new_base()
kernel_tables(Base)
settings_tables(Base)
CONTRACT = EventContract("fees", {SETTING_CHANGED: SettingChanged},
                         optional_subscribers=frozenset({SETTING_CHANGED}))
CATALOGUE = SettingsCatalogue("fees", [
    Setting("fees.rate_per_m2", Money(), default=Decimal("2.50"), unit="yuan/m²/month",
            doc="property fee per square metre", effective_dated=True),
    Setting("reminders.days_before", fields.Integer(strict=True, validate=Range(0, 30)), default=7,
            unit="days", doc="remind N days before the due date"),
])
G, P = "g1", "p1"


@pytest.fixture
def clock():
    return ManualClock("2026-11-24T09:00:00+08:00")


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


def work(session, clock):
    return Work.build(session, clock, replace(staff(G, [P], roles=("centre_manager",)), name="林经理"),
                      base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=CATALOGUE)


def test_defaults_apply_until_a_project_sets_a_value(session, clock):
    settings = work(session, clock).settings
    assert settings.get(P, "reminders.days_before") == 7
    assert settings.get(P, "fees.rate_per_m2") == Decimal("2.50")
    settings.change(G, P, "reminders.days_before", 3, reason="业委会要求")
    assert settings.get(P, "reminders.days_before") == 3
    assert settings.get("p2", "reminders.days_before") == 7
    with pytest.raises(UnknownSetting):
        settings.get(P, "nope")


def test_values_are_checked_by_the_declared_field(session, clock):
    settings = work(session, clock).settings
    for bad in (31, "3", None):
        with pytest.raises(InvalidInput):
            settings.change(G, P, "reminders.days_before", bad)
    with pytest.raises(InvalidInput):
        settings.change(G, P, "fees.rate_per_m2", "two yuan")
    with pytest.raises(InvalidInput):
        settings.change(G, P, "reminders.days_before", 3, effective_from=date(2026, 12, 1))


def test_an_effective_dated_value_applies_from_its_date_and_history_stays(session, clock):
    settings = work(session, clock).settings
    today = date(2026, 11, 24)
    settings.change(G, P, "fees.rate_per_m2", "3.10", reason="新物业费标准",
                    effective_from=date(2027, 1, 1))
    assert settings.get(P, "fees.rate_per_m2") == Decimal("2.50")
    assert settings.get(P, "fees.rate_per_m2", on=date(2026, 12, 31)) == Decimal("2.50")
    assert settings.get(P, "fees.rate_per_m2", on=date(2027, 1, 1)) == Decimal("3.10")
    view = {s["key"]: s for s in settings.view(P)}["fees.rate_per_m2"]
    assert view["value"] == "2.50" and view["scheduled"] == [
        {"effective_from": date(2027, 1, 1), "value": "3.10"}]
    with pytest.raises(SettingBackdated):
        settings.change(G, P, "fees.rate_per_m2", "1.00", effective_from=today - timedelta(days=1))
    clock.advance(timedelta(days=60))
    settings.change(G, P, "fees.rate_per_m2", "3.30", reason="调价")       # from today on
    assert settings.get(P, "fees.rate_per_m2") == Decimal("3.30")
    assert settings.get(P, "fees.rate_per_m2", on=date(2027, 1, 2)) == Decimal("3.10")
    assert settings.get(P, "fees.rate_per_m2", on=date(2026, 12, 1)) == Decimal("2.50")


def test_every_change_is_audited_and_published(session, clock):
    w = work(session, clock)
    w.settings.change(G, P, "reminders.days_before", 3, reason="业委会要求")
    clock.advance(timedelta(minutes=1))
    w.settings.change(G, P, "reminders.days_before", 5, reason="改回")
    history = w.settings.history(P)
    assert [(h["old_value"], h["value"], h["reason"]) for h in history] == [(3, 5, "改回"),
                                                                           (7, 3, "业委会要求")]    # 7: the default that applied
    assert history[0]["changed_by"] == "staff-1" and history[0]["changed_by_name"] == "林经理"
    events = [e for e in outbox_events(session, Base) if e["type"] == SETTING_CHANGED]
    assert [(e["data"]["key"], e["data"]["old_value"], e["data"]["value"]) for e in events] == [
        ("reminders.days_before", 7, 3), ("reminders.days_before", 3, 5)]
    assert events[0]["project_id"] == P and events[0]["data"]["service"] == "fees"


def test_a_catalogue_refuses_a_default_its_field_does_not_accept():
    with pytest.raises(Exception):
        SettingsCatalogue("x", [Setting("a", fields.Integer(validate=Range(1, 5)), default=9)])
    with pytest.raises(ValueError):
        SettingsCatalogue("x", [Setting("a", fields.Integer(), default=1),
                                Setting("a", fields.Integer(), default=2)])


def test_values_are_read_once_per_unit_of_work_until_a_change(session, clock):
    """``values()`` asked twice in one Work (two rules of one command) queries once; a change
    through the same Work is seen by the next read; another Work reads afresh."""
    from sqlalchemy import event

    SettingValue, _ = settings_tables(Base)
    reads = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "project_settings" in statement:
            reads.append(statement)

    event.listen(session.bind, "before_cursor_execute", count)
    try:
        w = work(session, clock)
        assert w.settings.values(P)["reminders.days_before"] == 7
        first = w.settings.values(P)
        first["reminders.days_before"] = 99          # a caller's copy, not the cache
        assert w.settings.values(P)["reminders.days_before"] == 7
        assert len(reads) == 1
        w.settings.change(G, P, "reminders.days_before", 3)
        before = len(reads)
        assert w.settings.values(P)["reminders.days_before"] == 3
        assert w.settings.values(P)["reminders.days_before"] == 3
        assert len(reads) == before + 1
        assert work(session, clock).settings.values(P)["reminders.days_before"] == 3
        assert len(reads) == before + 2
    finally:
        event.remove(session.bind, "before_cursor_execute", count)


def test_a_catalogue_s_checks_refuse_a_change_that_contradicts_the_others(session, clock):
    """A check sees every value as it would be after the change (the dated ones on the day the change
    takes effect); its message refuses the change and nothing is written."""
    from kernel.settings import SettingsInconsistent
    checked = SettingsCatalogue("fees", list(CATALOGUE), checks=[
        lambda v: "reminders come before a rate of 5.00 or more"
        if v["fees.rate_per_m2"] >= Decimal("5.00") and v["reminders.days_before"] == 0 else None])
    w = Work.build(session, clock, replace(staff(G, [P], roles=("centre_manager",)), name="林经理"),
                   base=Base, contract=CONTRACT, secret=TEST_SECRET, settings=checked)
    w.settings.change(G, P, "reminders.days_before", 0, reason="试")
    with pytest.raises(SettingsInconsistent) as refused:
        w.settings.change(G, P, "fees.rate_per_m2", "5.00", reason="涨价",
                          effective_from=date(2026, 12, 1))
    assert refused.value.code == "settings_inconsistent" and "fees.rate_per_m2 = 5.00" in refused.value.message
    assert w.settings.get(P, "fees.rate_per_m2", on=date(2026, 12, 1)) == Decimal("2.50")
    w.settings.change(G, P, "fees.rate_per_m2", "4.99", reason="涨价", effective_from=date(2026, 12, 1))
    assert w.settings.get(P, "fees.rate_per_m2", on=date(2026, 12, 1)) == Decimal("4.99")
