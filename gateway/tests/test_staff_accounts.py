"""Staff accounts deactivated and reactivated by their managers (gateway/staff.py, the route's order
of work in gateway/routes/staff.py) without a broker: who manages whom, the refusals, and that
tickets not answering leaves the account as it was and the Idempotency-Key unused -- a replay
answers without asking tickets again, a reused key is refused before tickets is asked. Through the
running platform: tests/e2e/test_inspection_flow.py."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from gateway import accounts, staff
from gateway.models import Base, IdempotencyRecord, User
from gateway.openapi import build_document
from gateway.routes.staff import StaffRoutes
from kernel.clock import ManualClock
from kernel.db import make_engine
from kernel.errors import Forbidden, IdempotencyKeyReused, NotFound, RuleViolation, Unavailable
from kernel.testing import migrated_sqlite

G, P, Q = "group-1", "p-lh", "p-xh"
ACCOUNTS = [  # username, kind, roles, projects
    ("cs", "staff", ["cs_manager"], [P]), ("centre", "staff", ["centre_manager"], [P]),
    ("admin", "staff", ["group_admin"], []), ("gm", "staff", ["general_manager"], []),
    ("steward", "staff", ["steward"], [P]), ("desk", "staff", ["front_desk"], [P]),
    ("desk.xh", "staff", ["front_desk"], [Q]), ("desk.both", "staff", ["front_desk"], [P, Q]),
    ("eng", "staff", ["engineering"], [P]), ("cs2", "staff", ["cs_manager"], [P]),
]


@pytest.fixture
def db(tmp_path):
    engine = make_engine(migrated_sqlite(tmp_path, "gateway"))
    session = Session(engine, expire_on_commit=False)
    clock = ManualClock("2026-11-27T09:00:00+08:00")
    users = {}
    for username, kind, roles, projects in ACCOUNTS:
        users[username] = accounts.create_user(session, username=username, password="password-1", display_name=username,
                                               kind=kind, group_id=G, roles=roles, project_ids=projects, now=clock.now())
    users["zw"] = accounts.create_user(session, username="zw", password="password-1", display_name="张伟",
                                       kind="resident", group_id=G, roles=[], unit_ids=["u1"], now=clock.now())
    users["other"] = accounts.create_user(session, username="other", password="password-1", display_name="x",
                                          kind="staff", group_id="group-2", roles=["steward"], project_ids=["p9"],
                                          now=clock.now())
    session.commit()
    yield session, {k: u.id for k, u in users.items()}, clock
    session.close()
    engine.dispose()


def member(session, ids, actor, target):
    return staff.member(session, session.get(User, ids[actor]), ids[target])


@pytest.mark.parametrize("actor,target", [
    ("cs", "steward"), ("cs", "desk"), ("centre", "cs2"), ("centre", "eng"), ("admin", "gm"), ("admin", "desk.xh"),
    ("admin", "cs"),
])
def test_a_manager_manages_the_staff_below_in_their_projects(db, actor, target):
    session, ids, _ = db
    assert member(session, ids, actor, target).id == ids[target]


@pytest.mark.parametrize("actor,target,error,code", [
    ("steward", "desk", Forbidden, "role_required"),           # not a manager
    ("gm", "desk", Forbidden, "role_required"),
    ("cs", "eng", Forbidden, "staff_out_of_scope"),            # engineering is not the CS department
    ("cs", "cs2", Forbidden, "staff_out_of_scope"),            # a peer
    ("cs", "desk.xh", NotFound, "staff_not_found"),            # another project's: as an unknown id
    ("centre", "desk.xh", NotFound, "staff_not_found"),
    ("cs", "desk.both", Forbidden, "staff_out_of_scope"),      # also another project's
    ("centre", "admin", Forbidden, "staff_out_of_scope"),      # group-wide
    ("centre", "gm", Forbidden, "staff_out_of_scope"),
    ("cs", "cs", RuleViolation, "own_account"),
    ("admin", "admin", RuleViolation, "own_account"),
    ("cs", "zw", NotFound, "staff_not_found"),                 # a resident's account
    ("admin", "other", NotFound, "staff_not_found"),           # another group's
])
def test_refusals_say_why(db, actor, target, error, code):
    session, ids, _ = db
    with pytest.raises(error) as refused:
        member(session, ids, actor, target)
    assert refused.value.code == code


def test_another_project_s_member_reads_like_an_unknown_id_no_name(db):
    """The identity trial: the CS manager of 绿湖 deactivating 星河's front desk got 403 staff_out_of_scope
    naming "星河前台·冯" -- now the 404 of an unknown id, the same sentence, no name."""
    session, ids, _ = db
    session.get(User, ids["desk.xh"]).display_name = "星河前台·冯"
    cs = session.get(User, ids["cs"])
    with pytest.raises(NotFound) as other_project:
        staff.member(session, cs, ids["desk.xh"])
    with pytest.raises(NotFound) as unknown:
        staff.member(session, cs, "no-such-user")
    assert "星河前台·冯" not in str(other_project.value.message) and other_project.value.details is None
    assert other_project.value.message == unknown.value.message.replace("no-such-user", ids["desk.xh"])


class Rpc:
    """tickets as the route asks it: down (Unavailable), or answering and counting its calls."""

    def __init__(self):
        self.down, self.calls = True, []

    def call(self, caller, service, method, *args):
        if self.down:
            raise Unavailable("tickets did not answer", code="service_unavailable")
        assert caller.is_system and caller.group_id == G
        self.calls.append((service, method, *args))
        return True


class Routes(StaffRoutes):
    def __init__(self, session, rpc, clock):
        self.db, self.rpc, self.clock = session, rpc, clock


def test_tickets_not_answering_changes_nothing_and_leaves_the_key_unused(db):
    session, ids, clock = db
    routes = Routes(session, Rpc(), clock)
    rpc = routes.rpc
    cs = session.get(User, ids["cs"])
    with pytest.raises(Unavailable):
        routes._staff_active(cs, ids["steward"], False, {"reason": "离职"}, "k1")
    session.rollback()                                          # the request's transaction
    steward = session.get(User, ids["steward"])
    session.refresh(steward)
    assert steward.active and steward.token_version == 1
    assert session.query(IdempotencyRecord).count() == 0
    rpc.down = False
    done = routes._staff_active(cs, ids["steward"], False, {"reason": "离职"}, "k1")
    session.commit()
    assert (done["active"], done["changed"]) == (False, True)
    assert rpc.calls == [("tickets", "set_staff_active", ids["steward"], False, "steward")]
    session.refresh(steward)
    assert not steward.active and steward.token_version == 2     # its tokens revoked
    # the same key again: the first answer, tickets not asked again
    assert routes._staff_active(cs, ids["steward"], False, {"reason": "离职"}, "k1") == done
    assert len(rpc.calls) == 1
    # the key for another request: refused before tickets is asked
    with pytest.raises(IdempotencyKeyReused):
        routes._staff_active(cs, ids["steward"], True, {"reason": "离职"}, "k1")
    assert len(rpc.calls) == 1
    back = routes._staff_active(cs, ids["steward"], True, {}, "k2")
    session.commit()
    assert (back["active"], back["changed"]) == (True, True)
    assert rpc.calls[-1] == ("tickets", "set_staff_active", ids["steward"], True, "steward")
    session.refresh(steward)
    assert steward.active and steward.token_version == 2         # tokens stay revoked: logs in anew


def test_the_routes_are_documented_writes_with_their_key():
    paths = build_document()["paths"]
    for action in ("deactivate", "activate"):
        operation = paths[f"/api/v1/staff-accounts/{{user_id}}/{action}"]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["required"] for p in operation["parameters"])
        assert operation["requestBody"]["required"] is False                # the reason may be left out
        assert {"400", "403", "404", "422", "503"} <= set(operation["responses"])
        assert "CS manager" in operation["summary"] and "group admin" in operation["summary"]
    assert Base.metadata.tables["idempotency_keys"] is IdempotencyRecord.__table__
