"""Vacant units (空置房, domain/vacant.py) and a household moving in (业主入住, archive's
``household.changed``) on the injectable clock: the unit's check of the month, not recorded yet, is
withdrawn -- off the register, its clocks cancelled (no breach at the 10th), its task cancelled,
``vacant_register.updated`` published, a log line naming why; a recorded check stays; a redelivery
changes nothing. The register keeps which units the owner registered vacant (owner_registered)."""
from __future__ import annotations

import logging

from sqlalchemy import select

from services.tickets.domain import copies, vacant
from services.tickets.models import Ticket, VacantCheck, VacantMonth
from services.tickets.schemas import VacantCheckIn
from services.tickets.tests.test_keys_vacant import DESK, G, P, STEWARD, SYSTEM, key_tasks, local, world  # noqa: F401


def move_in(w, unit_id: str, household_id: str, version: int, status: str = "active") -> None:
    w.do(SYSTEM, copies.apply_household, {
        "household_id": household_id, "unit_id": unit_id, "status": status,
        "people": [{"name": "新业主", "role": "owner", "phone": "13800000009"}], "version": version})


def checks(w) -> dict[tuple[str, str], VacantCheck]:
    return w.read(lambda s: {(c.unit_id, c.month): c for c in s.scalars(select(VacantCheck))})


def register(w, month: str) -> dict:
    return w.read(lambda s: vacant.register_view(s.scalars(select(VacantMonth).where(
        VacantMonth.month == month)).first(), P, month))


def test_a_household_moving_in_before_the_10th_withdraws_the_unit_s_check_without_a_breach(world, caplog):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(SYSTEM, vacant.seed_monthly_jobs, P)
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3"])
    u2 = checks(world)[("u2", "2026-12")]
    world.clock.set(local(2026, 12, 5, 14, 0))
    with caplog.at_level(logging.INFO, logger="services.tickets.domain.vacant"):
        move_in(world, "u2", "h2", 1)
    assert "业主入住 the household moved in" in caplog.text and "1栋-0002" in caplog.text
    after = checks(world)[("u2", "2026-12")]
    assert after.status == vacant.CANCELLED and after.checked_at is None
    task = world.read(lambda s: s.get(Ticket, u2.ticket_id))
    assert task.status == "cancelled" and "业主入住" in task.cancel_reason
    assert register(world, "2026-12")["unit_ids"] == ["u3"]
    first, withdrawn = [e["data"] for e in world.events("vacant_register.updated")]
    assert (withdrawn["unit_ids"], withdrawn["added"], withdrawn["cancelled_checks"]) == (["u3"], [], [u2.id])
    assert withdrawn["register_id"] == first["register_id"] and withdrawn["updated_by"]["user_id"] == "system:tickets"
    # the 10th passes: only u3's check breaches, u2's clocks were cancelled, not breached
    world.clock.set(local(2026, 12, 11, 0, 0, 15))
    assert world.breaches() == ["vacant_check"]
    world.clock.set(local(2026, 12, 13, 0, 0, 15))
    assert world.breaches() == ["vacant_report"]
    assert {e["data"]["unit_id"] for e in world.events("ticket.sla_breached")} == {"u3"}
    # redelivered, a newer snapshot of the same household, its move-out: nothing more on the register
    move_in(world, "u2", "h2", 1)
    move_in(world, "u2", "h2", 2)
    move_in(world, "u2", "h2", 3, status="moved_out")
    assert len(world.events("vacant_register.updated")) == 2
    # January: the withdrawn unit is not carried over
    world.at(local(2027, 1, 1, 1, 0))
    assert register(world, "2027-01")["unit_ids"] == ["u3"]


def test_a_recorded_check_stays_and_next_month_s_register_is_withdrawn_and_not_carried_over(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(SYSTEM, vacant.seed_monthly_jobs, P)
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2", "u3"])
    world.do(DESK, vacant.update_register, P, "2027-01", ["u2", "u3"])
    world.clock.set(local(2026, 12, 4, 10, 0))
    world.do(STEWARD, vacant.record_check, checks(world)[("u2", "2026-12")].id,
             VacantCheckIn().load({"findings": [{"room": "客厅", "result": "ok"}]})["findings"])
    world.clock.set(local(2026, 12, 5, 14, 0))
    move_in(world, "u2", "h2", 1)
    after = checks(world)
    assert after[("u2", "2026-12")].status == vacant.CHECKED                  # history: kept
    assert register(world, "2026-12")["unit_ids"] == ["u2", "u3"]
    assert after[("u2", "2027-01")].status == vacant.CANCELLED                # next month's: withdrawn
    assert register(world, "2027-01")["unit_ids"] == ["u3"]
    withdrawn = world.events("vacant_register.updated")[-1]["data"]
    assert (withdrawn["month"], withdrawn["cancelled_checks"]) == ("2027-01", [after[("u2", "2027-01")].id])
    assert len(world.events("vacant_register.updated")) == 3
    move_in(world, "u2", "h2", 1)                                              # redelivery
    assert len(world.events("vacant_register.updated")) == 3
    # February carries over from January: u2 not on it (occupied), u3 is
    world.at(local(2027, 2, 1, 1, 0))
    assert register(world, "2027-02")["unit_ids"] == ["u3"]


def test_the_register_keeps_the_owner_registered_units_and_carries_them_over(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(SYSTEM, vacant.seed_monthly_jobs, P)
    world.do(DESK, vacant.update_register, P, "2026-12", ["u1", "u2"], ["u1"])
    view = register(world, "2026-12")
    assert (view["unit_ids"], view["owner_registered"]) == (["u1", "u2"], ["u1"])
    assert world.events("vacant_register.updated")[-1]["data"]["owner_registered"] == ["u1"]
    # January: u1 still has its household (h1) but the owner registered it: carried over with the mark
    world.at(local(2027, 1, 1, 1, 0))
    january = register(world, "2027-01")
    assert (january["unit_ids"], january["owner_registered"]) == (["u1", "u2"], ["u1"])
    # the same household's newer snapshot is no move-in; another household moving in is
    world.clock.set(local(2027, 1, 3, 9, 0))
    world.do(SYSTEM, copies.apply_household, {
        "household_id": "h1", "unit_id": "u1", "status": "active",
        "people": [{"name": "业主一", "role": "owner", "phone": "13800000001"}], "version": 2})
    assert register(world, "2027-01")["owner_registered"] == ["u1"]
    move_in(world, "u1", "h9", 3)
    january = register(world, "2027-01")
    assert (january["unit_ids"], january["owner_registered"]) == (["u2"], [])
    assert checks(world)[("u1", "2027-01")].status == vacant.CANCELLED
    assert [t.status for t in key_tasks(world, "vacant_check")].count("cancelled") == 1
