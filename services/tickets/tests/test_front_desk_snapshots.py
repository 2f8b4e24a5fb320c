"""What the gateway's read model is fed for the front desk (issue 12): ``key.changed`` carries the
open loan's register entry (the borrower's phone and ID number masked), and ``export_snapshots``
pages goods releases and keys as their events carry them -- the platform only."""
from __future__ import annotations

from datetime import datetime

import pytest

from kernel.errors import Forbidden
from kernel.tenancy import Caller
from services.tickets.domain import goods_release as gr
from services.tickets.domain import keys
from services.tickets.events import CONTRACT, GOODS_RELEASE_CHANGED, KEY_CHANGED
from services.tickets.schemas import ExportQuery
from services.tickets.tests.support import work
from services.tickets.tests.test_goods_release import (DESK as GR_DESK, IN_PERSON, G as GR_G, events_of, issued,
                                                        registry, request)  # noqa: F401  (fixture)
from services.tickets.tests.test_keys_vacant import (BORROWER, CS, DESK, G, key, key_in_store, local, move,
                                                      world)  # noqa: F401  (fixture)


def test_key_changed_carries_the_open_loan_masked_and_the_export_pages_keys_as_their_event(world):
    key_id = key_in_store(world)
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")
    lent = [e["data"] for e in world.events("key.changed")][-1]
    loan = lent["loan"]
    assert (loan["party_phone_masked"], loan["party_id_number_masked"]) == ("138****1111", "1101**********1233")
    assert loan["purpose"] == "检修水管" and loan["requested_by"] and loan["approved_by"] == "cs.sun"
    assert loan["requested_at"] and "13800001111" not in str(lent) and "110101199003071233" not in str(lent)
    exported = world.read(lambda s: keys.export_snapshots(work(s, world.clock, Caller.system(G)), None, 10))
    [page] = [[CONTRACT.dump(KEY_CHANGED, k) for k in exported]]
    [mine] = [k for k in page if k["key_id"] == key_id]
    # the same key; a time stated in the project's zone when published is read back in UTC: the same instant
    assert {k: v for k, v in mine.items() if k not in ("movement", "loan")} == {
        k: v for k, v in lent.items() if k not in ("movement", "loan")}
    assert {k: v for k, v in mine["loan"].items() if k != "due_back_at"} == {
        k: v for k, v in loan.items() if k != "due_back_at"}
    assert datetime.fromisoformat(mine["loan"]["due_back_at"]) == datetime.fromisoformat(loan["due_back_at"])
    assert mine["movement"]["action"] == "approve_loan"
    assert world.read(lambda s: keys.export_snapshots(work(s, world.clock, Caller.system(G)), key_id, 10)) == []
    with pytest.raises(Forbidden):
        world.read(lambda s: keys.export_snapshots(work(s, world.clock, DESK), None, 10))


def test_the_export_pages_goods_releases_as_goods_release_changed_carries_them(session, clock, registry):
    release = issued(session, clock)
    request(session, clock, identity=IN_PERSON)
    session.flush()
    last = events_of(session, GOODS_RELEASE_CHANGED)
    published = {e["data"]["release_id"]: e["data"] for e in last}          # each release's newest
    exported = [CONTRACT.dump(GOODS_RELEASE_CHANGED, r)
                for r in gr.export_snapshots(work(session, clock, Caller.system(GR_G)), None, 10)]
    assert len(exported) == 2 and [r["release_id"] for r in exported] == sorted(published)
    mine = next(r for r in exported if r["release_id"] == release.id)
    assert {k: v for k, v in mine.items() if k != "step"} == {k: v for k, v in published[release.id].items()
                                                               if k != "step"}
    assert (mine["number"], mine["status"], mine["step"]["action"]) == (release.number, "issued", "issue")
    assert ExportQuery().load({"kind": "key"})["kind"] == "key"
    with pytest.raises(Forbidden):
        gr.export_snapshots(work(session, clock, GR_DESK), None, 10)


def test_the_read_model_lists_the_borrower_s_earlier_late_returns_as_the_key_s_own_read(world):
    """A flagged borrower's loan (deposit due): ``key.changed`` carries the earlier late returns, so the
    gateway's read model (``GET /units/{id}/keys``) shows what tickets' ``GET /keys/{id}`` shows."""
    from gateway.readmodel import projector, views
    key_id = key_in_store(world)
    world.clock.set(local(2026, 11, 24, 10, 0))
    move(world, DESK, key_id, "request_loan", **BORROWER)
    move(world, CS, key_id, "approve_loan")
    world.clock.set(local(2026, 11, 25, 9, 0))
    move(world, DESK, key_id, "return")                                    # late: due at 18:00 the 24th
    move(world, DESK, key_id, "request_loan", **BORROWER)
    own = key(world, key_id)["loan"]
    [late] = own["earlier_late_returns"]
    assert own["deposit_status"] == "due" and late["minutes_late"] == 15 * 60
    published = [e["data"] for e in world.events("key.changed")][-1]             # as the outbox sends it
    [carried] = published["loan"]["earlier_late_returns"]
    assert (carried["loan_id"], carried["minutes_late"]) == (late["loan_id"], 15 * 60)
    shown = views.key_view(projector.key_document(published), DESK)["loan"]
    assert shown["deposit_status"] == "due"
    assert [(x["loan_id"], x["minutes_late"]) for x in shown["earlier_late_returns"]] == [
        (late["loan_id"], 15 * 60)]
    for name in ("at", "due_back_at", "returned_at"):                       # the same instants, in UTC
        assert datetime.fromisoformat(shown["earlier_late_returns"][0][name]) == late[name]
