"""The portal's read model without a broker: the projector's version rule (redelivery and
reordering converge, on SQLite and PostgreSQL) and the views' scope, probe and masking rules."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import orjson
import pytest
from sqlalchemy.orm import Session

from gateway.models import PortalNotification, PortalTicket, PortalUnit
from gateway.readmodel import projector, views
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.testing import resident, staff

G, OTHER = "g1", "g2"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)


def iso(minutes: float = 0) -> str:
    return (NOW + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def session(db_url):
    upgrade(migrations_dir("gateway"), db_url)
    engine = make_engine(db_url)
    with Session(engine) as s:
        yield s
    engine.dispose()


def ticket(version: int = 1, **changes) -> dict:
    data = {
        "ticket_id": "t1", "group_id": G, "project_id": "p1", "unit_id": "u1", "number": "BX-20261124-0001",
        "kind": "repair", "category": "public_area", "channel": "portal", "status": "open",
        "unit_label": "1栋-0101", "household_id": "h1", "location": "1栋3楼楼道", "content": "楼道灯不亮",
        "reporter": {"name": "张伟", "phone": "13812345678", "user_id": "r1"},
        "appointment_at": None, "received_at": iso(), "recorded_at": iso(), "engineering_notified_at": None,
        "deadlines": [{"kind": "record", "due_at": iso(5), "met_at": iso()},
                      {"kind": "notify_engineering", "due_at": iso(2), "met_at": None}],
        "history": [{"at": iso(), "action": "opened", "actor": "张伟", "note": "portal: 楼道灯不亮"}],
        "version": version}
    data.update(changes)
    return data


def unit(version: int = 1, label: str = "1栋-0101") -> dict:
    return {"unit_id": "u1", "group_id": G, "project_id": "p1", "building_id": "b1", "building_name": "1栋",
            "number": "0101", "label": label, "floor": 1, "building_area": "89.37", "usage": "residential",
            "version": version}


def household(hid: str = "h1", version: int = 1, status: str = "active", moved_in_on: str = "2026-01-01",
              phone: str = "13812345678") -> dict:
    return {"household_id": hid, "group_id": G, "project_id": "p1", "unit_id": "u1", "status": status,
            "moved_in_on": moved_in_on, "moved_out_on": None, "version": version,
            "people": [{"person_id": f"{hid}-p", "name": "张伟", "role": "owner", "phone": phone,
                        "email": "zw@example.com", "locale": "zh-CN"}]}


def account(version: int = 1, balance: str = "0.00", household_id: str = "h1") -> dict:
    return {"account_id": "a1", "unit_id": "u1", "project_id": "p1", "group_id": G, "household_id": household_id,
            "unit_label": "1栋-0101", "building_area": "89.37", "payer_name": "张伟", "currency": "CNY",
            "opening_balance": balance, "balance_due": balance, "entry_count": 1, "last_posted_at": iso(),
            "as_of": iso(), "cause": "opening_balance", "entry_id": "e1", "version": version}


def notification(nid: str = "n1", version: int = 1, read_at=None, created: float = 0) -> dict:
    return {"id": nid, "group_id": G, "project_id": "p1", "unit_id": "u1", "purpose": "ticket.opened.resident",
            "recipient_kind": "unit", "recipient": "u1", "subject": "", "body": "已受理", "locale": "zh-CN",
            "created_at": iso(created), "read_at": read_at, "ref_type": "ticket", "ref_id": "t1",
            "deliveries": [{"channel": "inapp", "status": "delivered", "address": None, "attempts": 1,
                            "sent_at": iso(created)}], "version": version}


def stored(session, model, key):
    session.expire_all()
    return session.get(model, key)


# -- the version rule ----------------------------------------------------------------------

def test_a_revisit_is_never_kept_for_the_portal(session):
    """A revisit (回访) is the centre's task about a household: read through tickets, by role."""
    assert not projector.apply_ticket(session, ticket(kind="revisit", number="HF-20261124-0001"))
    session.commit()
    assert session.query(PortalTicket).count() == 0


def test_a_redelivered_snapshot_changes_nothing(session):
    assert projector.apply_ticket(session, ticket())
    first = stored(session, PortalTicket, "t1").document
    assert not projector.apply_ticket(session, ticket())          # the same version again
    session.commit()
    assert stored(session, PortalTicket, "t1").document == first
    assert session.query(PortalTicket).count() == 1


def test_an_older_snapshot_arriving_late_is_ignored(session):
    dispatched = ticket(2, status="dispatched", engineering_notified_at=iso(1))
    projector.apply_ticket(session, dispatched)
    assert not projector.apply_ticket(session, ticket(1))         # reordered: the opened state
    session.commit()
    row = stored(session, PortalTicket, "t1")
    assert (row.version, row.status) == (2, "dispatched")
    assert orjson.loads(row.document)["engineering_notified_at"] == iso(1)
    # and in the order they were made, the same end state
    projector.apply_ticket(session, ticket(3, status="closed"))
    assert stored(session, PortalTicket, "t1").status == "closed"


def test_each_part_of_a_unit_keeps_its_own_newest_version(session):
    projector.apply_account(session, account(2, "345.00"))        # the account before the unit
    projector.apply_household(session, household(version=2, phone="13900000000"))
    projector.apply_unit(session, unit(2, "1栋-0101A"))
    # older snapshots of every part, late
    assert not projector.apply_unit(session, unit(1))
    assert not projector.apply_account(session, account(1, "0.00"))
    assert not projector.apply_household(session, household(version=1))
    session.commit()
    row = stored(session, PortalUnit, "u1")
    assert (row.unit_version, row.household_version, row.account_version) == (2, 2, 2)
    assert orjson.loads(row.unit)["label"] == "1栋-0101A"
    assert orjson.loads(row.account)["balance_due"] == "345.00"
    assert orjson.loads(row.household)["people"][0]["phone"] == "13900000000"


def test_a_move_in_replaces_the_household_and_a_late_move_out_of_the_old_one_does_not(session):
    projector.apply_unit(session, unit())
    projector.apply_household(session, household("h1", 1))
    assert projector.apply_household(session, household("h2", 1, moved_in_on="2026-06-01"))
    assert not projector.apply_household(session, household("h1", 2, status="moved_out"))
    session.commit()
    assert stored(session, PortalUnit, "u1").household_id == "h2"


def test_a_late_snapshot_of_a_household_that_moved_out_does_not_put_it_back(session):
    """Found by the attacker trial: h1 moves out and h2 moves in the same day; h1's old
    "active" snapshot, late from a retry queue, must not make h1 the unit's household again
    (h2's resident would see h1's phones in full)."""
    projector.apply_unit(session, unit())
    projector.apply_household(session, household("h1", 2, status="moved_out", moved_in_on="2026-06-01"))
    projector.apply_household(session, household("h2", 1, moved_in_on="2026-06-01"))
    assert not projector.apply_household(session, household("h1", 1, moved_in_on="2026-06-01"))
    session.commit()
    row = stored(session, PortalUnit, "u1")
    assert (row.household_id, orjson.loads(row.household)["status"]) == ("h2", "active")


def test_notifications_keep_their_newest_version_and_only_a_units_are_kept(session):
    projector.apply_notification(session, notification(version=2, read_at=iso(3)))
    assert not projector.apply_notification(session, notification(version=1))
    assert not projector.apply_notification(session, dict(notification("n2"), recipient_kind="role",
                                                          recipient="engineering"))
    session.commit()
    assert orjson.loads(stored(session, PortalNotification, "n1").document)["read_at"] == iso(3)
    assert stored(session, PortalNotification, "n2") is None


# -- reading: scope, probes, masking, SLA state at read time ---------------------------------

@pytest.fixture
def projected(session):
    projector.apply_unit(session, unit())
    projector.apply_household(session, household())
    projector.apply_account(session, account(1, "345.00"))
    projector.apply_ticket(session, ticket())
    projector.apply_notification(session, notification())
    session.commit()
    return session


def test_the_household_sees_its_ticket_in_full_and_its_sla_state_is_computed_when_read(projected):
    me = resident(G, ["u1"])
    view = views.ticket(projected, me, "t1", NOW)
    assert view["reporter"] == {"name": "张伟", "phone": "13812345678"}
    assert [d["state"] for d in view["deadlines"]] == ["met", "pending"]
    later = views.ticket(projected, me, "t1", NOW + timedelta(minutes=3))
    assert [d["state"] for d in later["deadlines"]] == ["met", "breached"]


def test_phones_are_masked_by_the_one_rule(projected):
    engineer = staff(G, ["p1"], roles=("engineering",))
    assert views.ticket(projected, engineer, "t1", NOW)["reporter"]["phone"] == "138****5678"
    assert views.ticket(projected, staff(G, ["p1"]), "t1", NOW)["reporter"]["phone"] == "13812345678"
    overview = views.overview(projected, engineer, "u1", NOW)
    person = overview["household"]["people"][0]
    assert (person["phone"], person["email"], overview["household"]["masked"]) == (
        "138****5678", "***@example.com", True)
    assert "id_number" not in person
    own = views.overview(projected, resident(G, ["u1"]), "u1", NOW)["household"]
    assert own["people"][0]["phone"] == "13812345678" and own["masked"] is False


def test_a_probe_takes_the_path_of_a_missing_id(projected):
    """A row the caller may not see is a miss, exactly like an id that does not exist: the
    route asks the owner, whose refusal (404, or 403 for staff of the group) is the answer --
    so neither the body nor the time of the answer tells that the id exists (attacker trial:
    a projected foreign id answered in 2 ms, a missing one in 10-40 ms)."""
    for caller in (resident(G, ["u9"]), staff(OTHER, ["p1"]), staff(G, ["p2"])):
        assert views.ticket(projected, caller, "t1", NOW) is None
        assert views.ticket(projected, caller, "t-unknown", NOW) is None
        assert views.overview(projected, caller, "u1", NOW) is None
        assert views.unit_notifications(projected, caller, "u1", 5) is None
        assert views.resident_tickets(projected, caller, NOW, unit_id="u1") is None


def test_a_miss_or_an_older_row_than_asked_for_is_left_to_the_owner(projected):
    me = resident(G, ["u1"])
    assert views.ticket(projected, me, "t-unknown", NOW) is None
    assert views.ticket(projected, me, "t1", NOW, min_version=2) is None     # read-your-writes
    assert views.ticket(projected, me, "t1", NOW, min_version=1)["version"] == 1
    assert views.overview(projected, me, "u-unknown", NOW) is None


def test_a_residents_list_and_the_overview(projected):
    me = resident(G, ["u1"])
    page = views.resident_tickets(projected, me, NOW, open_only=True)
    assert page["total"] == 1 and page["items"][0]["id"] == "t1"
    assert views.resident_tickets(projected, me, NOW, status="closed")["total"] == 0
    # a filter by a project that is not theirs is an empty list, never their own (trial finding)
    assert views.resident_tickets(projected, me, NOW, project_id="p1")["total"] == 1
    assert views.resident_tickets(projected, me, NOW, project_id="p-other") == {"items": [], "total": 0}
    overview = views.combine_balance(views.overview(projected, me, "u1", NOW))
    assert overview["missing"] == [] and overview["unit"]["label"] == "1栋-0101"
    assert [t["id"] for t in overview["open_tickets"]] == ["t1"]
    assert overview["household"]["balance_due"] == overview["account"]["balance_due"] == "345.00"
    assert [n["id"] for n in overview["notifications"]] == ["n1"]


def test_an_account_naming_a_household_not_projected_yet_is_a_partial_miss(session):
    projector.apply_unit(session, unit())
    projector.apply_account(session, account(1, household_id="h-new"))
    session.commit()
    assert views.overview(session, resident(G, ["u1"]), "u1", NOW)["missing"] == ["household"]


def test_the_repair_workflow_fields_are_projected_and_read(session):
    """tickets' workflow (assignee, materials, rating, closed_at...) travels in ``ticket.changed``;
    the stored document keeps it and the read answers it; an accepted/on-site repair is open."""
    on_site = ticket(4, status="on_site", assignee={"user_id": "eng.lh", "name": "郑工"},
                     dispatched_at=iso(1), accepted_at=iso(2), arrived_at=iso(3))
    projector.apply_ticket(session, on_site)
    session.commit()
    me = resident(G, ["u1"])
    view = views.ticket(session, me, "t1", NOW)
    assert (view["status"], view["assignee"], view["arrived_at"]) == (
        "on_site", {"user_id": "eng.lh", "name": "郑工"}, iso(3))
    assert [t["id"] for t in views.resident_tickets(session, me, NOW, open_only=True)["items"]] == ["t1"]
    closed = ticket(6, status="closed", assignee={"user_id": "eng.lh", "name": "郑工"},
                    materials=[{"name": "LED灯管", "quantity": 2.0, "unit": "根"}], work_note="换灯管",
                    rating=5, comment="好", closed_at=iso(9), cancel_reason=None)
    projector.apply_ticket(session, closed)
    session.commit()
    view = views.ticket(session, me, "t1", NOW)
    assert (view["rating"], view["comment"], view["closed_at"], view["materials"]) == (
        5, "好", iso(9), [{"name": "LED灯管", "quantity": 2.0, "unit": "根"}])
    assert views.resident_tickets(session, me, NOW, open_only=True)["items"] == []


def test_after_a_transfer_the_old_owner_s_account_is_never_the_new_household_s(session):
    """过户 (TRIAL11 finding 3): h1 owes 345.00; h2 moves in. Until billing's new account for the unit
    arrives, the overview shows no account rather than h1's debt under h2; billing's closing of h1's
    account is not the unit's (ignored); the unit's new account (its version continuing) is shown."""
    projector.apply_unit(session, unit())
    projector.apply_household(session, household("h1", 1))
    projector.apply_account(session, account(5, "345.00"))
    projector.apply_household(session, household("h2", 1, moved_in_on="2026-11-24"))
    session.commit()
    newcomer = resident(G, ["u1"])
    overview = views.overview(session, newcomer, "u1", NOW)
    assert overview["household"]["id"] == "h2"
    assert (overview["account"], overview["degraded"], overview["missing"]) == (None, ["account"], [])
    assert views.unit_account(session, newcomer, "u1") is None           # the account route asks billing
    # billing closes h1's account (cause closed): the old owner's, not the unit's
    assert not projector.apply_account(session, dict(account(6, "345.00"), cause="closed", closed_on="2026-11-24",
                                                     succeeded_by="a2"))
    # ... and opens the unit's next one for h2
    fresh = dict(account(6, "0.00", household_id="h2"), account_id="a2", payer_name="孙丽", cause="payer_changed",
                 entry_count=0, closed_on=None)
    assert projector.apply_account(session, fresh)
    session.commit()
    shown = views.overview(session, newcomer, "u1", NOW)["account"]
    assert (shown["account_id"], shown["household_id"], shown["payer_name"], shown["balance_due"]) == (
        "a2", "h2", "孙丽", "0.00")


def test_after_a_transfer_the_new_household_reads_none_of_the_old_one_s_messages(session):
    """过户 (trial: 王强 → 赵敏 → 孙丽): each unit message names the household it was addressed to
    (notify's ``household_id``). The household living there now reads its own messages and those to
    nobody in particular -- never an earlier household's dunning notice or welcome, nor counts them
    unread; staff read the unit's history; a row projected before notify named households stays shown."""
    projector.apply_unit(session, unit())
    projector.apply_household(session, household("h1", 1))
    projector.apply_notification(session, dict(notification("dun", created=1), household_id="h1",
                                               purpose="dunning_first", body="尚欠费用 345.00 元"))
    projector.apply_notification(session, dict(notification("welcome1", created=2), household_id="h1",
                                               purpose="move_in.welcome"))
    projector.apply_notification(session, dict(notification("vacant", created=0), household_id=None,
                                               purpose="vacancy.check_result"))
    session.commit()
    me = resident(G, ["u1"])
    assert views.unit_unread(session, me, "u1")["unread"] == 3

    projector.apply_household(session, household("h1", 2, status="moved_out"))
    projector.apply_household(session, household("h2", 1, moved_in_on="2026-11-24"))
    projector.apply_notification(session, dict(notification("welcome2", created=10), household_id="h2",
                                               purpose="move_in.welcome"))
    session.commit()
    assert [n["id"] for n in views.unit_notifications(session, me, "u1", 10)] == ["welcome2", "vacant"]
    assert [n["id"] for n in views.overview(session, me, "u1", NOW)["notifications"]] == ["welcome2", "vacant"]
    assert views.unit_inbox(session, me, "u1", 10)["total"] == 2
    assert views.unit_unread(session, me, "u1") == {"unit_id": "u1", "unread": 2}
    assert [n["id"] for n in views.unit_inbox(session, me, "u1", 10, unread_only=True)["items"]] == [
        "welcome2", "vacant"]
    # staff: the unit's whole history
    desk = staff(G, ["p1"])
    assert {n["id"] for n in views.unit_notifications(session, desk, "u1", 10)} == {
        "dun", "welcome1", "welcome2", "vacant"}

    # a second transfer: 孙丽 reads neither 王强's nor 赵敏's
    projector.apply_household(session, household("h2", 2, status="moved_out"))
    projector.apply_household(session, household("h3", 1, moved_in_on="2026-11-26"))
    session.commit()
    assert [n["id"] for n in views.unit_notifications(session, me, "u1", 10)] == ["vacant"]
    assert views.unit_unread(session, me, "u1")["unread"] == 1
    # the unit empty (its last household moved out): only what was addressed to nobody in particular
    projector.apply_household(session, household("h3", 2, status="moved_out"))
    session.commit()
    assert [n["id"] for n in views.unit_inbox(session, me, "u1", 10)["items"]] == ["vacant"]


def test_after_a_transfer_the_new_household_never_reads_the_old_household_s_tickets(session):
    """过户 (trial: 孙丽 saw 赵敏's repair in her overview): h1 filed t1 and t-public (no household:
    a public area of the unit's, still the unit's); h2 moved in. h2's resident -- bound to h2 by
    the gateway, or unbound (the unit's current household decides) -- gets a miss for t1 (the route
    asks the owner, whose 404 is the answer), never it in a list or the overview's open tickets."""
    projector.apply_unit(session, unit())
    projector.apply_household(session, household("h1", 1))
    projector.apply_ticket(session, ticket())
    projector.apply_ticket(session, ticket(ticket_id="t-public", household_id=None, number="BX-20261124-0002"))
    projector.apply_household(session, household("h2", 1, moved_in_on="2026-11-24"))
    projector.apply_ticket(session, ticket(ticket_id="t2", household_id="h2", number="BX-20261124-0003"))
    session.commit()
    for newcomer in (resident(G, ["u1"], households={"u1": "h2"}), resident(G, ["u1"])):
        assert views.ticket(session, newcomer, "t1", NOW) is None
        assert views.ticket(session, newcomer, "t2", NOW)["reporter"]["phone"] == "13812345678"
        assert views.ticket(session, newcomer, "t-public", NOW)["id"] == "t-public"
        page = views.resident_tickets(session, newcomer, NOW, open_only=True)
        assert sorted(t["id"] for t in page["items"]) == ["t-public", "t2"] and page["total"] == 2
        page = views.resident_tickets(session, newcomer, NOW, unit_id="u1")
        assert sorted(t["id"] for t in page["items"]) == ["t-public", "t2"] and page["total"] == 2
        overview = views.overview(session, newcomer, "u1", NOW)
        assert sorted(t["id"] for t in overview["open_tickets"]) == ["t-public", "t2"]
    # a scope still bound to h1 (granted before the transfer, not yet ended) reads h1's, not h2's
    old = resident(G, ["u1"], households={"u1": "h1"})
    assert views.ticket(session, old, "t1", NOW)["id"] == "t1"
    assert views.ticket(session, old, "t2", NOW) is None
    # staff of the project read every household's
    desk = staff(G, ["p1"])
    assert sorted(t["id"] for t in views.overview(session, desk, "u1", NOW)["open_tickets"]) == [
        "t-public", "t1", "t2"]


def test_a_write_reply_without_the_household_keeps_the_one_the_message_was_addressed_to(session):
    """notify's reply to a write (marking a message read) is projected like its event; one that does
    not name the household (an older notify) never turns an earlier household's message into one
    addressed to nobody -- which every later household would read."""
    projector.apply_notification(session, dict(notification("dun", created=1), household_id="h1"))
    reply = dict(notification("dun", version=2, created=1, read_at=iso(5)))
    reply.pop("household_id", None)
    assert projector.project_reply(session, "notification", reply) is True
    session.commit()
    row = session.get(PortalNotification, "dun")
    assert (row.household_id, row.version) == ("h1", 2)


def renovation_part(**changes) -> dict:
    """tickets' ``renovation`` part of a renovation's ``ticket.changed`` (events.RenovationPart)."""
    part = {
        "contractor": "某装饰公司", "planned_start": "2026-12-01", "planned_end": "2027-01-31",
        "deposit_amount": "2000.00", "documents": [{"doc_type": "renovation_application", "document_id": "d1"}],
        "checklist": [{"doc_type": "renovation_application", "present": True, "document_ids": ["d1"]},
                      {"doc_type": "renovation_drawings", "present": False, "document_ids": []}],
        "missing": ["renovation_drawings"], "submitted_at": None, "review_rounds": 0, "reviewed_at": None,
        "review_note": None, "agreement_at": None, "fees_requested_at": None, "fees_paid_at": None,
        "garbage_fee": None, "may_start": False, "permit_number": None, "permit_issued_at": None,
        "passes": [], "patrols": [], "acceptance_on": None, "acceptance_requested_at": None, "accepted_at": None,
        "occupied_on": None, "reinspection_due_at": None, "reinspected_at": None, "violations": [],
        "withheld_amount": None, "refund_amount": None, "refund_requested_at": None, "refunded_at": None,
        "archived_at": None}
    part.update(changes)
    return part


def renovation_ticket(version: int = 1, **changes) -> dict:
    return ticket(version, **{"ticket_id": "r1", "number": "ZX-20261124-0001", "kind": "renovation",
                              "category": "renovation", "status": "applied", "content": "厨卫改造",
                              "deadlines": [], **changes})


def test_a_renovation_s_part_is_projected_and_served_to_its_household(projected):
    """tickets' ``renovation`` part travels in ``ticket.changed``: the stored document keeps it and
    ``GET /renovations/{id}`` is answered from it (ticket and part, as tickets' RenovationOut)."""
    session, me = projected, resident(G, ["u1"])
    projector.apply_ticket(session, renovation_ticket(1, renovation=renovation_part()))
    session.commit()
    first = views.renovation(session, me, "r1", NOW)
    assert first["ticket"]["number"] == "ZX-20261124-0001" and first["ticket"]["status"] == "applied"
    assert first["renovation"]["missing"] == ["renovation_drawings"] and first["renovation"]["may_start"] is False
    assert first["ticket"]["renovation"] == first["renovation"]          # GET /tickets/{id} carries it too
    paid = renovation_part(missing=[], review_rounds=1, agreement_at=iso(60), fees_requested_at=iso(60),
                           fees_paid_at=iso(120), garbage_fee="268.11", may_start=True,
                           passes=[{"id": "pa1", "kind": "worker", "number": "ZXRY-20261124-0001",
                                    "holder_name": "王**", "detail": "", "valid_until": None,
                                    "issued_at": iso(130), "voided_at": None, "void_reason": None}])
    projector.apply_ticket(session, renovation_ticket(7, status="fees_paid", renovation=paid))
    projector.apply_ticket(session, renovation_ticket(6, status="fees_requested",      # late: ignored
                                                      renovation=renovation_part(agreement_at=iso(60))))
    session.commit()
    now = views.renovation(session, me, "r1", NOW)
    assert now["ticket"]["version"] == 7 and now["ticket"]["status"] == "fees_paid"
    assert (now["renovation"]["may_start"], now["renovation"]["garbage_fee"], now["renovation"]["deposit_amount"]) \
        == (True, "268.11", "2000.00")
    assert now["renovation"]["passes"][0]["holder_name"] == "王**"        # masked at the source
    # the owner answers: a newer version asked for, another household's or group's probe, an id
    # of another kind, a row projected before the snapshot carried the part
    assert views.renovation(session, me, "r1", NOW, min_version=8) is None
    for caller in (resident(G, ["u9"]), staff(OTHER, ["p1"])):
        assert views.renovation(session, caller, "r1", NOW) is None
    assert views.renovation(session, me, "t1", NOW) is None                # a repair
    projector.apply_ticket(session, renovation_ticket(1, ticket_id="r2", number="ZX-20261124-0002"))
    session.commit()
    assert views.renovation(session, me, "r2", NOW) is None
    assert views.renovation(session, me, "r-unknown", NOW) is None


def test_the_step_log_s_free_text_is_masked_when_read_for_all_but_the_desk(projected):
    """``ticket.changed`` carries the notes as written; the read masks the ID numbers and mobiles typed
    into them for every reader but the desk (``kernel.privacy.free_text_for``, tickets' own rule)."""
    session = projected
    note = "师傅电话 13912345678，业主身份证 110101199003077774"
    projector.apply_ticket(session, ticket(2, history=[
        {"at": iso(), "action": "opened", "actor": "张伟", "note": "portal: 楼道灯不亮"},
        {"at": iso(1), "action": "dispatch", "actor": "王前台", "note": note}]))
    session.commit()
    masked = "师傅电话 139****5678，业主身份证 1101**********7774"
    notes = lambda caller: [h["note"] for h in views.ticket(session, caller, "t1", NOW)["history"]]  # noqa: E731
    for desk in (staff(G, ["p1"]), staff(G, ["p1"], roles=("steward",)), staff(G, ["p1"], roles=("cs_manager",))):
        assert notes(desk) == ["portal: 楼道灯不亮", note]
    for other in (resident(G, ["u1"]), staff(G, ["p1"], roles=("engineering",)),
                  staff(G, ["p1"], roles=("general_manager",))):
        assert notes(other) == ["portal: 楼道灯不亮", masked]
    assert [h["note"] for h in views.resident_tickets(session, resident(G, ["u1"]), NOW)["items"][0]["history"]] \
        == ["portal: 楼道灯不亮", masked]
    assert note in stored(session, PortalTicket, "t1").document                # kept as written, masked when read
    # a reply masked for its writer is not kept (read-your-writes): the desk would read it masked
    reply = views.ticket(session, resident(G, ["u1"]), "t1", NOW)
    assert not views.unmasked_history(resident(G, ["u1"]), reply)
    assert views.unmasked_history(staff(G, ["p1"]), reply)                   # the desk's reply is as written
    assert views.unmasked_history(resident(G, ["u1"]), ticket(3))            # nothing masking changed
