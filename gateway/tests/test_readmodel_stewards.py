"""The stewards' and the desk's part of the portal's read model (issue 12) without a broker: inspection
rounds (``ticket.changed`` kind inspection, its ``inspection`` part) and front-desk tasks (kind task, its
``task`` part) are kept -- their local times in UTC -- but never read as tickets (not in a resident's
lists nor their overview, ``GET /tickets/{id}`` asks tickets); a round step's reply is projected by the
version rule; the rounds' and the tasks' views answer their readers only."""
from __future__ import annotations

from datetime import date, datetime, timezone

import orjson

from gateway.models import PortalTicket
from gateway.readmodel import projector, rebuild, views
from gateway.tests.test_readmodel import G, household, iso, session, stored, ticket, unit  # noqa: F401  (fixture)
from kernel.testing import resident, staff

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)          # 09:00 in Shanghai
OWNER = resident(G, ["u1"], user_id="r1", households={"u1": "h1"})
STEWARD = staff(G, ["p1"], roles=["steward"], user_id="steward.wu")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng")
OTHER_SITE = staff(G, ["p2"], roles=["steward"], user_id="steward.p2")


def item(code: str, outcome=None, repair=None) -> dict:
    return {"code": code, "name": f"{code} 项", "outcome": outcome, "note": None, "photo_ref": None,
            "recorded_at": "2026-11-24T09:10:00+08:00" if outcome else None,
            "recorded_by": {"user_id": "steward.wu", "name": "吴管家"} if outcome else None,
            "repair_ticket_id": repair and f"id-{repair}", "repair_number": repair}


def round_(version: int = 1, rid: str = "r1", status: str = "planned", slot: int = 1, day: str = "2026-11-24",
           assignee: str | None = "steward.wu", area: str = "a1", items=None, **changes) -> dict:
    """A round's ``ticket.changed`` as tickets publishes it (its window in the project's zone)."""
    items = items or [item("ST01"), item("ST02")]
    failed = [i for i in items if i["outcome"] == "failed"]
    data = ticket(version, ticket_id=rid, unit_id=None, unit_label=None, household_id=None, kind="inspection",
                  number=f"XJ-20261124-000{rid[-1]}", category="stairwell", channel="system", status=status,
                  location="1栋楼梯间", content="1栋楼梯间（楼梯间）巡视", deadlines=[
                      {"kind": "patrol", "due_at": "2026-11-24T12:00:00+08:00", "met_at": None}],
                  assignee={"user_id": assignee, "name": "吴管家"} if assignee else None,
                  inspection={"area": {"id": area, "name": "1栋楼梯间", "area_type": "stairwell", "building_id": "b1"},
                              "template_version": 0, "day": day, "slot": slot,
                              "window_start": f"{day}T08:00:00+08:00", "due_at": f"{day}T12:00:00+08:00",
                              "started_at": None, "done_at": None, "done_by": None, "breached_at": None,
                              "items": items, "items_total": len(items),
                              "items_recorded": sum(1 for i in items if i["outcome"]),
                              "failed_items": [i["code"] for i in failed],
                              "repair_numbers": [i["repair_number"] for i in failed]})
    data.update(changes)
    return data


def task(version: int = 1, tid: str = "k1", status: str = "open", category: str = "key_return",
         due: str = "2026-11-24T18:00:00+08:00", **changes) -> dict:
    data = ticket(version, ticket_id=tid, kind="task", number=f"RW-20261124-000{tid[-1]}", category=category,
                  channel="system", status=status, household_id=None, content="借出钥匙当日归还",
                  reporter={"name": "", "phone": None, "user_id": None},
                  deadlines=[{"kind": category, "due_at": due, "met_at": None}],
                  task={"task": category, "label": "借出钥匙当日归还", "due_at": due})
    data.update(changes)
    return data


def test_rounds_and_tasks_are_kept_with_their_times_in_utc_and_a_revisit_still_not(session):
    assert projector.apply_ticket(session, round_())
    assert projector.apply_ticket(session, task())
    assert not projector.apply_ticket(session, ticket(kind="revisit", number="HF-20261124-0001", ticket_id="hf"))
    session.commit()
    doc = orjson.loads(stored(session, PortalTicket, "r1").document)
    assert (doc["inspection"]["due_at"], doc["deadlines"][0]["due_at"]) == ("2026-11-24T04:00:00+00:00",) * 2
    assert orjson.loads(stored(session, PortalTicket, "k1").document)["task"]["due_at"] == "2026-11-24T10:00:00+00:00"
    # an older snapshot changes nothing
    assert not projector.apply_ticket(session, round_(version=0, status="cancelled"))


def test_a_round_or_a_task_is_never_a_ticket_a_resident_or_anyone_reads(session):
    projector.apply_unit(session, unit())
    projector.apply_household(session, household())
    projector.apply_ticket(session, ticket())                        # the household's repair
    projector.apply_ticket(session, task(unit_id="u1"))             # a task about its unit (a key's return)
    projector.apply_ticket(session, round_())
    session.commit()
    listed = views.resident_tickets(session, OWNER, NOW, unit_id="u1")
    assert [t["id"] for t in listed["items"]] == ["t1"] and listed["total"] == 1
    assert [t["id"] for t in views.overview(session, OWNER, "u1", NOW)["open_tickets"]] == ["t1"]
    for caller in (OWNER, STEWARD, DESK):
        assert views.ticket(session, caller, "k1", NOW) is None and views.ticket(session, caller, "r1", NOW) is None


def test_the_steward_s_rounds_mine_of_a_day_due_and_missed(session):
    projector.apply_ticket(session, round_(1, "r1", slot=1))
    projector.apply_ticket(session, round_(1, "r2", slot=2, assignee="steward.li", area="a2"))
    projector.apply_ticket(session, round_(3, "r3", slot=1, status="done", day="2026-11-23"))
    session.commit()
    ids = lambda page: [r["id"] for r in page["items"]]                                        # noqa: E731
    everything = views.inspection_rounds(session, STEWARD, "p1", NOW)
    assert ids(everything) == ["r3", "r2", "r1"] and everything["total"] == 3                  # by number, newest first
    assert ids(views.inspection_rounds(session, STEWARD, "p1", NOW, assignee_id="steward.wu")) == ["r3", "r1"]
    assert ids(views.inspection_rounds(session, STEWARD, "p1", NOW, area_id="a2")) == ["r2"]
    assert ids(views.inspection_rounds(session, STEWARD, "p1", NOW, day=date(2026, 11, 23))) == ["r3"]
    assert ids(views.inspection_rounds(session, STEWARD, "p1", NOW, status="done")) == ["r3"]
    assert ids(views.inspection_rounds(session, STEWARD, "p1", NOW, due="due")) == ["r2", "r1"]
    noon = datetime(2026, 11, 24, 4, 0, tzinfo=timezone.utc)           # 12:00 local: past both deadlines
    assert ids(views.inspection_rounds(session, STEWARD, "p1", noon, due="missed")) == ["r2", "r1"]
    assert views.inspection_rounds(session, STEWARD, "p1", NOW, limit=1, offset=1) == {
        "items": [views.round_view(orjson.loads(stored(session, PortalTicket, "r2").document), STEWARD)], "total": 3}
    one = views.inspection_round(session, DESK, "r1")
    assert one["area"]["name"] == "1栋楼梯间" and one["window_start"] == "2026-11-24T00:00:00+00:00"
    assert set(one) == {"id", "number", "status", "group_id", "project_id", "area", "template_version", "day",
                        "slot", "window_start", "due_at", "assignee", "started_at", "done_at", "done_by",
                        "cancel_reason", "breached_at", "items", "history", "version"}
    assert views.inspection_round(session, DESK, "r1", min_version=2) is None        # tickets answers


def test_only_the_project_s_readers_read_rounds_and_tasks_here(session):
    projector.apply_ticket(session, round_())
    projector.apply_ticket(session, task())
    session.commit()
    for caller in (OWNER, TECH, OTHER_SITE, staff("g2", ["p1"], roles=["steward"])):
        assert views.inspection_round(session, caller, "r1") is None
        assert views.inspection_rounds(session, caller, "p1", NOW) is None
        assert views.front_desk_tasks(session, caller, "p1", NOW) is None
    assert views.front_desk_tasks(session, STEWARD, "p1", NOW)["total"] == 1


def test_a_round_projected_before_its_part_is_asked_of_tickets(session):
    projector.apply_ticket(session, round_(inspection=None))
    session.commit()
    assert views.inspection_round(session, STEWARD, "r1") is None
    assert views.inspection_rounds(session, STEWARD, "p1", NOW) is None
    assert views.inspection_rounds(session, STEWARD, "p1", NOW, assignee_id="steward.wu") is None


def test_the_desk_s_tasks_open_by_category_and_by_their_clock(session):
    projector.apply_ticket(session, task(1, "k1"))
    projector.apply_ticket(session, task(1, "k2", category="vacant_check", due="2026-11-24T08:00:00+08:00"))
    projector.apply_ticket(session, task(2, "k3", status="done", deadlines=[
        {"kind": "key_return", "due_at": "2026-11-24T18:00:00+08:00", "met_at": "2026-11-24T17:00:00+08:00"}]))
    session.commit()
    ids = lambda page: [t["id"] for t in page["items"]]                                        # noqa: E731
    assert ids(views.front_desk_tasks(session, DESK, "p1", NOW)) == ["k2", "k1"]
    assert ids(views.front_desk_tasks(session, DESK, "p1", NOW, open_only=False)) == ["k3", "k2", "k1"]
    assert ids(views.front_desk_tasks(session, DESK, "p1", NOW, category="vacant_check")) == ["k2"]
    assert ids(views.front_desk_tasks(session, DESK, "p1", NOW, sla_state="breached")) == ["k2"]   # due 08:00
    assert ids(views.front_desk_tasks(session, DESK, "p1", NOW, open_only=False, sla_state="met")) == ["k3"]
    page = views.front_desk_tasks(session, DESK, "p1", NOW, open_only=False, limit=1, offset=2)
    assert ids(page) == ["k1"] and page["total"] == 3
    assert page["items"][0]["deadlines"][0]["state"] == "pending"


def test_a_round_step_s_reply_is_projected_and_its_event_of_the_same_version_changes_nothing(session):
    projector.apply_ticket(session, round_())
    session.commit()
    reply = views.round_view(orjson.loads(stored(session, PortalTicket, "r1").document), STEWARD)
    reply.update(status="in_progress", version=2, started_at="2026-11-24T01:05:00+00:00",
                 items=[item("ST01", "failed", "BX-20261124-0007"), item("ST02")],
                 history=reply["history"] + [{"at": iso(5), "action": "record", "actor": "吴管家", "note": "1"}])
    assert projector.project_reply(session, "round", reply)
    session.commit()
    doc = orjson.loads(stored(session, PortalTicket, "r1").document)
    assert doc["inspection"]["failed_items"] == ["ST01"] and doc["inspection"]["repair_numbers"] == ["BX-20261124-0007"]
    got = views.inspection_round(session, STEWARD, "r1", min_version=2)
    assert got["status"] == "in_progress" and got["items"][0]["recorded_at"] == "2026-11-24T01:10:00+00:00"
    assert not projector.project_reply(session, "round", reply)                    # the same again: nothing
    assert not projector.apply_ticket(session, round_(2, status="in_progress"))     # its event, same version
    assert not projector.project_reply(session, "round", dict(reply, id="r-none"))  # not projected: nothing


def test_a_rebuild_replays_rounds_and_tasks(session):
    pages = {"ticket": [round_(), task()]}

    def call(service, method, kind, after, page, project_id):
        return [] if after else pages.get(kind, [])
    assert rebuild.rebuild(call, lambda: session, fresh=True)["ticket"] == 2
    assert views.inspection_rounds(session, STEWARD, "p1", NOW)["total"] == 1
    assert views.front_desk_tasks(session, DESK, "p1", NOW)["total"] == 1


def test_a_round_s_log_is_read_whole_by_the_desk_and_masked_for_the_gm(session):
    note = "重复，业主 13912345678 已报"
    projector.apply_ticket(session, round_(2, status="cancelled", history=[
        {"at": iso(), "action": "cancel", "actor": "孙经理", "note": note}]))
    session.commit()
    assert views.inspection_round(session, DESK, "r1")["history"][0]["note"] == note
    assert views.inspection_round(session, STEWARD, "r1")["history"][0]["note"] == note
    gm = staff(G, ["p1"], roles=["general_manager"], user_id="gm")
    assert views.inspection_round(session, gm, "r1")["history"][0]["note"] == "重复，业主 139****5678 已报"
    assert views.inspection_rounds(session, gm, "p1", NOW)["items"][0]["history"][0]["note"] == \
        "重复，业主 139****5678 已报"
