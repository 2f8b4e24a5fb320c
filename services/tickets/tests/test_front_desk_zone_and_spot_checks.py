"""The front-desk task lists answered in the project's zone (+08:00), as the vacant-unit register and check
replies are; a key count's ``key_stock_check.recorded`` says the role it was counted in (``counted_as``), so
notify tells the CS manager of a spot-check the service-centre manager made."""
from __future__ import annotations

from datetime import timedelta

from kernel.testing import staff
from services.tickets.domain import keys, tasks, vacant
from services.tickets.schemas import TicketOut
from services.tickets.tests.test_keys_vacant import (BORROWER, CS, DESK, G, P, key_in_store, local, move,  # noqa: F401
                                                     world)

CENTRE = staff(G, [P], roles=["centre_manager"], user_id="cm.zhao")
EIGHT = timedelta(hours=8)


def test_the_front_desk_tasks_answer_every_time_in_the_project_s_zone(world):
    world.clock.set(local(2026, 12, 2, 9, 0))
    world.do(DESK, vacant.update_register, P, "2026-12", ["u2"])
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")

    def listed(wk):
        found, _ = keys.front_desk_tasks(wk, P, open_only=True)
        return [TicketOut().dump(tasks.task_view(wk, t)) for t in found]
    answered = world.do(DESK, listed)
    assert {t["category"] for t in answered} >= {"key_return", "vacant_check"}
    times = [t[k] for t in answered for k in ("received_at", "recorded_at")]
    times += [d[k] for t in answered for d in t["deadlines"] for k in ("due_at",)]
    times += [h["at"] for t in answered for h in t["history"]]
    assert times and all(x.endswith("+08:00") for x in times), times
    [key_return] = [t for t in answered if t["category"] == "key_return"]
    assert key_return["deadlines"][0]["due_at"] == "2026-12-02T18:00:00+08:00"


def test_a_count_says_the_role_it_was_counted_in(world):
    in_store = key_in_store(world, "u1")
    key_in_store(world, "u2")
    world.do(CENTRE, keys.record_stock_check, P, {"kind": "spot", "found": [in_store]})
    world.do(CS, keys.record_stock_check, P, {"kind": "spot", "found": [in_store]})
    world.do(staff(G, [P], roles=["cs_manager", "centre_manager"], user_id="both"), keys.record_stock_check, P,
             {"kind": "spot", "found": [in_store]})
    world.do(DESK, keys.record_stock_check, P, {"kind": "monthly", "found": [in_store]})
    counted = [(e["data"]["kind"], e["data"]["by"]["user_id"], e["data"]["counted_as"])
               for e in world.events("key_stock_check.recorded")]
    assert counted == [("spot", "cm.zhao", "centre_manager"), ("spot", "cs.sun", "cs_manager"),
                       ("spot", "both", "cs_manager"), ("monthly", "desk.wang", "front_desk")]
    assert all(len(e["data"]["discrepancies"]) == 1 for e in world.events("key_stock_check.recorded"))
