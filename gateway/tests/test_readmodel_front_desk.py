"""The front desk's part of the portal's read model (issue 12) without a broker: goods releases
(``goods_release.changed``) and keys (``key.changed``) -- the version rule (redelivery, reordering,
a write's reply), the views' scope (a household's passes only, the project's readers), the gate's
passes of a day and by number, the desk's keys out and overdue, and masking (never a whole phone or
ID number stored)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import orjson
import pytest

from gateway.models import PortalGoodsRelease, PortalKey
from gateway.readmodel import projector, rebuild, views
from gateway.tests.test_readmodel import G, household, session, stored, unit  # noqa: F401  (fixture)
from kernel.testing import resident, staff

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)          # 20:00 in Shanghai
OWNER = resident(G, ["u1"], user_id="r1", households={"u1": "h1"})
NEXT_OWNER = resident(G, ["u1"], user_id="r9", households={"u1": "h2"})
NEIGHBOUR = resident(G, ["u2"], user_id="r2")
GUARD = staff(G, ["p1"], roles=["security"], user_id="guard")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk")
TECH = staff(G, ["p1"], roles=["engineering"], user_id="eng")
OTHER_SITE = staff(G, ["p2"], roles=["security"], user_id="guard.p2")


def release(version: int = 1, rid: str = "gr1", **changes) -> dict:
    """A ``goods_release.changed`` payload as tickets publishes it."""
    data = {
        "release_id": rid, "group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101",
        "household_id": "h1", "number": None, "status": "requested",
        "requester": {"name": "张伟", "role": "owner", "user_id": "r1"}, "owner_consent": None,
        "mover": {"name": "刘师傅", "id_type": "resident_id", "id_number_masked": "1101**********4566"},
        "items": [{"name": "冰箱", "quantity": 1}], "move_at": "2026-11-25T10:00:00+08:00", "note": "",
        "identity": None, "fees": None, "finance_signed": None, "finance_signed_at": None, "issued": None,
        "issued_at": None, "used": None, "used_at": None, "voided": None, "voided_at": None, "void_reason": None,
        "recorded_at": "2026-11-24T01:00:00+00:00", "version": version,
        "history": [{"at": "2026-11-24T09:00:00+08:00", "action": "request", "actor": {"user_id": "r1", "name": "张伟"},
                     "note": ""}],
        "step": {"action": "request", "from": None, "to": "requested", "actor": {"user_id": "r1", "name": "张伟"},
                 "at": "2026-11-24T01:00:00+00:00"}}
    data.update(changes)
    return data


def issued(version: int = 4, rid: str = "gr1", number: str = "FX-20261124-0001", **changes) -> dict:
    return release(version, rid, **{"number": number, "status": "issued", "issued": {"user_id": "desk", "name": "王前台"},
                                    "issued_at": "2026-11-24T03:00:00+00:00", **changes})


def key(version: int = 1, kid: str = "k1", state: str = "in_store", loan=None, **changes) -> dict:
    """A ``key.changed`` payload."""
    data = {"key_id": kid, "group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101",
            "label": "入户门钥匙", "copies": 2, "state": state, "holder_name": (loan or {}).get("party_name"),
            "updated_at": "2026-11-24T09:00:00+08:00", "version": version, "loan": loan,
            "movement": {"movement_id": "m1", "action": "store", "from": None, "to": state,
                         "actor": {"user_id": "desk", "name": "王前台"}, "at": "2026-11-24T01:00:00+00:00"}}
    data.update(changes)
    return data


def loan(due: str = "2026-11-24T18:00:00+08:00", **changes) -> dict:
    return {"loan_id": "l1", "party_kind": "borrower", "party_name": "李师傅", "approved_at": "2026-11-24T02:00:00+00:00",
            "due_back_at": due, "deposit_required": False, "task_id": "t9", "requested_at": "2026-11-24T01:30:00+00:00",
            "requested_by": "王前台", "party_phone_masked": "138****1111", "party_id_number_masked": "1101**********1233",
            "proof_ref": None, "purpose": "检修水管", "note": None, "approved_by": "cs.sun", "deposit_ref": None,
            **changes}


@pytest.fixture
def projected(session):
    projector.apply_unit(session, unit())
    projector.apply_household(session, household())
    session.commit()
    return session


# -- the version rule ---------------------------------------------------------------------

def test_a_redelivered_or_late_snapshot_of_a_release_changes_nothing(session):
    assert projector.apply_goods_release(session, issued(4))
    assert not projector.apply_goods_release(session, issued(4))            # redelivered
    assert not projector.apply_goods_release(session, release(2, status="verified"))   # late
    row = stored(session, PortalGoodsRelease, "gr1")
    assert (row.version, row.status, row.number) == (4, "issued", "FX-20261124-0001")
    doc = orjson.loads(row.document)
    assert "step" not in doc and doc["move_at"] == "2026-11-25T02:00:00+00:00"      # UTC, as tickets reads it back
    assert doc["history"][0]["at"] == "2026-11-24T01:00:00+00:00"


def test_keys_keep_their_newest_version_and_a_due_time_in_utc(session):
    assert projector.apply_key(session, key(6, state="lent", loan=loan()))
    assert not projector.apply_key(session, key(5, state="loan_requested", loan=loan(due=None)))
    row = stored(session, PortalKey, "k1")
    assert (row.state, row.version, row.due_back_at) == ("lent", 6, "2026-11-24T10:00:00.000000+00:00")
    assert projector.apply_key(session, key(7, state="in_store"))
    row = stored(session, PortalKey, "k1")
    assert (row.state, row.due_back_at, orjson.loads(row.document)["loan"]) == ("in_store", None, None)


def test_a_write_reply_is_projected_masked_whatever_the_writer_may_read(session):
    """A CS manager's reply to a movement carries the borrower's whole phone and ID number
    (tickets' ``loan_view``): the read model keeps them masked; a resident's view is never projected."""
    reply = {"id": "k1", "group_id": G, "project_id": "p1", "unit_id": "u1", "unit_label": "1栋-0101",
             "label": "入户门钥匙", "copies": 2, "state": "lent", "holder_name": "李师傅",
             "updated_at": "2026-11-24T02:00:00+00:00", "version": 6, "history": [],
             "loan": {"id": "l1", "action": "request_loan", "at": "2026-11-24T01:30:00+00:00", "by": "王前台",
                      "party_kind": "borrower", "party_name": "李师傅", "party_phone": "13800001111",
                      "party_id_number": "110101199003071233", "purpose": "检修水管", "approved_by": "cs.sun",
                      "approved_at": "2026-11-24T02:00:00+00:00", "due_back_at": "2026-11-24T10:00:00+00:00",
                      "deposit_required": False, "ticket_id": "t9", "earlier_late_returns": []}}
    assert projector.project_reply(session, "key", reply)
    document = stored(session, PortalKey, "k1").document
    assert "13800001111" not in document and "110101199003071233" not in document
    assert orjson.loads(document)["loan"]["party_phone_masked"] == "138****1111"
    resident_view = {k: reply[k] for k in ("id", "group_id", "project_id", "unit_id", "unit_label", "label",
                                           "copies", "state", "updated_at")} | {"version": 7, "loan": None}
    assert not projector.project_reply(session, "key", resident_view)
    assert projector.project_reply(session, "goods_release", issued(5))
    assert stored(session, PortalGoodsRelease, "gr1").version == 5


# -- goods releases: who reads which ---------------------------------------------------------

def test_a_household_reads_its_own_passes_and_never_another_household_s(projected):
    s = projected
    projector.apply_goods_release(s, issued(4))
    projector.apply_goods_release(s, release(1, "gr0", household_id="h0", recorded_at="2026-01-01T01:00:00+00:00",
                                             requester={"name": "前业主", "role": "owner", "user_id": "r0"}))
    projector.apply_goods_release(s, release(1, "gr2", recorded_at="2026-11-24T05:00:00+00:00"))
    s.commit()
    mine = views.unit_goods_releases(s, OWNER, "u1")
    assert [r["release_id"] for r in mine["items"]] == ["gr2", "gr1"]          # newest first; not h0's
    assert views.goods_release(s, OWNER, "gr1")["number"] == "FX-20261124-0001"
    assert views.goods_release(s, OWNER, "gr0") is None                        # the earlier household's: tickets
    assert views.goods_release(s, NEIGHBOUR, "gr1") is None
    assert views.unit_goods_releases(s, NEIGHBOUR, "u1") is None
    assert views.goods_release(s, OWNER, "gr1", min_version=5) is None          # newer than held: tickets
    # the next household reads only its own (none yet), though the unit is the same
    assert views.unit_goods_releases(s, NEXT_OWNER, "u1")["items"] == []
    # staff of the project with a reader role read all of them; an engineer does not
    assert len(views.unit_goods_releases(s, GUARD, "u1")["items"]) == 3
    assert views.unit_goods_releases(s, TECH, "u1") is None and views.goods_release(s, TECH, "gr1") is None
    assert views.goods_release(s, OTHER_SITE, "gr1") is None


def test_the_gate_reads_the_day_s_passes_and_one_by_number(projected):
    s = projected
    projector.apply_goods_release(s, issued(4))
    projector.apply_goods_release(s, issued(5, "gr2", "FX-20261124-0002", status="used"))
    projector.apply_goods_release(s, issued(4, "gr3", "FX-20261123-0007"))
    projector.apply_goods_release(s, release(1, "gr4"))                         # not issued: not the gate's
    s.commit()
    day = views.project_goods_releases(s, GUARD, "p1", issued_day=date(2026, 11, 24))
    assert [r["number"] for r in day["items"]] == ["FX-20261124-0001", "FX-20261124-0002"] and day["total"] == 2
    to_pass = views.project_goods_releases(s, GUARD, "p1", issued_day=date(2026, 11, 24), status="issued")
    assert [r["release_id"] for r in to_pass["items"]] == ["gr1"]
    # the gate's day is the move day (trial 4 M3): the project's local day of move_at, not of issue
    projector.apply_goods_release(s, issued(4, "gr5", "FX-20261124-0003", move_at="2026-11-26T23:30:00+00:00"))
    s.commit()
    moving = views.project_goods_releases(s, GUARD, "p1", day=date(2026, 11, 25))
    assert [r["release_id"] for r in moving["items"]] == ["gr3", "gr1", "gr2"] and moving["total"] == 3
    assert {r["move_day"] for r in moving["items"]} == {"2026-11-25"}
    late = views.project_goods_releases(s, GUARD, "p1", day=date(2026, 11, 27))     # 07:30 local on the 27th
    assert [r["release_id"] for r in late["items"]] == ["gr5"]
    assert views.project_goods_releases(s, GUARD, "p1", day=date(2026, 11, 24))["total"] == 0
    assert views.project_goods_releases(s, GUARD, "p1", day=date(2026, 11, 25), limit=1, offset=1)["items"][0][
        "release_id"] == "gr1"
    assert views.project_goods_releases(s, GUARD, "p1")["total"] == 4
    assert views.goods_release_by_number(s, GUARD, "p1", "FX-20261123-0007")["release_id"] == "gr3"
    assert views.goods_release_by_number(s, GUARD, "p1", "FX-20261123-0099") is None
    for caller in (OWNER, TECH, OTHER_SITE):
        assert views.project_goods_releases(s, caller, "p1") is None
        assert views.goods_release_by_number(s, caller, "p1", "FX-20261124-0001") is None
    # a manager of every project reads another project's (none here) -- never p1's under p2
    everywhere = staff(G, roles=["general_manager"], user_id="gm", all_projects=True)
    assert views.project_goods_releases(s, everywhere, "p2") == {"items": [], "total": 0}
    assert views.project_goods_releases(s, everywhere, "p1")["total"] == 4


def test_another_projects_staff_are_answered_as_for_a_missing_project():
    """Trial 4 M5: one helper for every project view -- 404 project_not_found, never 403
    project_out_of_scope, for another project's staff or a resident."""
    for caller in (OTHER_SITE, OWNER):
        refused = views.outside_project(caller, "p1")
        assert (refused.status, refused.code) == (404, "project_not_found")
    assert views.outside_project(GUARD, "p1") is None and views.outside_project(TECH, "p1") is None


# -- keys ----------------------------------------------------------------------------------

def test_the_desk_reads_the_keys_out_and_the_overdue_ones(projected):
    s = projected
    projector.apply_key(s, key(6, "k1", "lent", loan()))                                  # due 10:00Z: overdue
    projector.apply_key(s, key(6, "k2", "lent", loan(due="2026-11-25T00:00:00+08:00"), label="信报箱钥匙"))
    projector.apply_key(s, key(2, "k3", "in_store", label="车库钥匙"))
    s.commit()
    out = views.keys_out(s, DESK, "p1", NOW)
    assert [(k["id"], k["overdue"]) for k in out["items"]] == [("k1", True), ("k2", False)]
    overdue = views.keys_out(s, DESK, "p1", NOW, overdue=True)
    assert [k["id"] for k in overdue["items"]] == ["k1"]
    assert views.keys_out(s, DESK, "p1", NOW - timedelta(hours=3), overdue=True)["items"] == []
    lent = out["items"][0]
    assert lent["holder_name"] == "李师傅" and lent["loan"]["party_phone"] == "138****1111"
    assert lent["loan"]["party_id_number"] == "1101**********1233" and lent["loan"]["ticket_id"] == "t9"
    for caller in (GUARD, OWNER, OTHER_SITE):                    # not key readers: tickets refuses
        assert views.keys_out(s, caller, "p1", NOW) is None


def test_a_unit_s_keys_its_household_the_state_only(projected):
    s = projected
    projector.apply_key(s, key(6, "k1", "lent", loan()))
    projector.apply_key(s, key(2, "k3", "in_store", label="车库钥匙"))
    s.commit()
    theirs = views.unit_keys(s, OWNER, "u1")
    assert [(k["label"], k["state"]) for k in theirs] == [("入户门钥匙", "lent"), ("车库钥匙", "in_store")]
    assert all(k["loan"] is None and "holder_name" not in k for k in theirs)
    assert "李师傅" not in str(theirs)
    desk = views.unit_keys(s, DESK, "u1")
    assert desk[0]["holder_name"] == "李师傅" and desk[0]["loan"]["due_back_at"] == "2026-11-24T10:00:00+00:00"
    assert views.unit_keys(s, NEIGHBOUR, "u1") is None and views.unit_keys(s, GUARD, "u1") is None
    assert views.unit_keys(s, DESK, "u-not-projected") is None


def test_a_flagged_borrower_s_earlier_late_returns_are_shown_as_tickets_lists_them(projected):
    s = projected
    earlier = {"loan_id": "l0", "at": "2026-11-20T10:00:00+08:00", "due_back_at": "2026-11-20T18:00:00+08:00",
               "returned_at": "2026-11-21T09:00:00+08:00", "minutes_late": 900}
    projector.apply_key(s, key(6, "k1", "loan_requested", loan(deposit_required=True, deposit_status="due",
                                                                earlier_late_returns=[earlier])))
    projector.apply_key(s, key(2, "k3", "loan_requested", loan(loan_id="l3"), label="车库钥匙"))  # published before
    s.commit()
    flagged, before = views.unit_keys(s, DESK, "u1")
    assert flagged["loan"]["deposit_status"] == "due"
    assert flagged["loan"]["earlier_late_returns"] == [
        {"loan_id": "l0", "minutes_late": 900, "at": "2026-11-20T02:00:00+00:00",
         "due_back_at": "2026-11-20T10:00:00+00:00", "returned_at": "2026-11-21T01:00:00+00:00"}]
    assert before["loan"]["earlier_late_returns"] == []


def test_a_rebuild_replays_releases_and_keys_and_fresh_empties_them(session):
    pages = {"goods_release": [issued(4)], "key": [key(6, state="lent", loan=loan())]}

    def call(service, method, kind, after, page, project_id):
        return [] if after else pages.get(kind, [])
    counts = rebuild.rebuild(call, lambda: session, fresh=True)
    assert (counts["goods_release"], counts["key"]) == (1, 1)
    assert stored(session, PortalGoodsRelease, "gr1").version == 4 and stored(session, PortalKey, "k1").version == 6
    rebuild.clear(session, "p1")
    session.commit()
    assert stored(session, PortalGoodsRelease, "gr1") is None and stored(session, PortalKey, "k1") is None


def test_a_loan_s_purpose_and_note_are_whole_for_the_desk_and_masked_for_the_other_readers(projected):
    """``key.changed`` carries the loan's free text as written; the read masks the mobiles and ID numbers
    typed into its purpose and note for every reader but the desk (``kernel.privacy.free_text_for``)."""
    s = projected
    purpose, note = "借给李师傅检修水管，电话 13912345678", "身份证 110101199003077774 已核"
    projector.apply_key(s, key(6, "k1", "lent", loan(purpose=purpose, note=note)))
    s.commit()
    for desk in (DESK, staff(G, ["p1"], roles=["cs_manager"], user_id="cs")):
        got = views.unit_keys(s, desk, "u1")[0]["loan"]
        assert (got["purpose"], got["note"]) == (purpose, note)
        assert views.keys_out(s, desk, "p1", NOW)["items"][0]["loan"]["purpose"] == purpose
    gm = staff(G, ["p1"], roles=["general_manager"], user_id="gm")
    for got in (views.unit_keys(s, gm, "u1")[0]["loan"], views.keys_out(s, gm, "p1", NOW)["items"][0]["loan"]):
        assert got["purpose"] == "借给李师傅检修水管，电话 139****5678"
        assert got["note"] == "身份证 1101**********7774 已核"
    theirs = views.unit_keys(s, OWNER, "u1")                     # the household: the state only
    assert "13912345678" not in str(theirs) and "110101199003077774" not in str(theirs)
    assert purpose in stored(s, PortalKey, "k1").document       # kept as written, masked when read
    # a write's reply masked for its writer (a GM approving in the CS manager's stead) is not kept
    masked = {"id": "k1", "holder_name": "李师傅", "version": 7, "loan": views.unit_keys(s, gm, "u1")[0]["loan"]}
    assert not views.unmasked_key(gm, masked) and views.unmasked_key(DESK, masked)
    assert views.unmasked_key(gm, {"loan": {"purpose": "检修水管", "note": None}})


def test_a_release_s_notes_are_whole_for_the_desk_and_masked_for_the_other_readers(projected):
    """``goods_release.changed`` carries the notes as written; every read of a release masks the mobiles and
    ID numbers typed into them for all but the desk (tickets' ``goods_release.view``, the one rule)."""
    s = projected
    note = "搬家公司电话 13912345678，身份证 110101199003077774"
    masked = "搬家公司电话 139****5678，身份证 1101**********7774"
    identity = {"method": "in_person", "id_number_masked": "1101**********1233", "note": note,
                "reviewed": {"user_id": "cs", "name": "孙经理", "note": note}}
    history = [{"at": "2026-11-24T09:00:00+08:00", "action": "request", "actor": {"user_id": "desk", "name": "王前台"},
                "note": note}]
    projector.apply_goods_release(s, issued(4, note=note, identity=identity, history=history,
                                            owner_consent={"name": "张伟", "how": "phone", "note": note}))
    s.commit()

    def texts(doc):
        return [doc["note"], doc["identity"]["note"], doc["identity"]["reviewed"]["note"],
                doc["owner_consent"]["note"], *(h["note"] for h in doc["history"])]
    reads = lambda caller: [views.goods_release(s, caller, "gr1"),  # noqa: E731
                            views.unit_goods_releases(s, caller, "u1")["items"][0],
                            views.goods_release_by_number(s, caller, "p1", "FX-20261124-0001"),
                            views.project_goods_releases(s, caller, "p1")["items"][0]]
    for doc in reads(DESK):
        assert texts(doc) == [note] * 5
    for caller in (GUARD, staff(G, ["p1"], roles=["general_manager"], user_id="gm")):
        for doc in reads(caller):
            assert texts(doc) == [masked] * 5
    assert texts(views.goods_release(s, OWNER, "gr1")) == [masked] * 5
    assert texts(views.unit_goods_releases(s, OWNER, "u1")["items"][0]) == [masked] * 5
    assert note in stored(s, PortalGoodsRelease, "gr1").document               # kept as written
    # a write's reply masked for its writer (the gate, finance, a resident) is not kept
    reply = views.goods_release(s, GUARD, "gr1")
    assert views.release_text_masked(reply) and not views.unmasked_release(GUARD, reply)
    assert views.unmasked_release(DESK, reply) and not views.release_text_masked(issued(5))
