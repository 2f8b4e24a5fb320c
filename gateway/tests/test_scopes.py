"""A resident's scope follows the household it was granted for (``gateway.scopes``, issue 11
finding 1): granting binds it, the household's move-out ends it, a rebuild neither reopens nor
wrongly ends it, and every gateway process drops the unit at the next request."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import accounts, scopes
from gateway.authcache import TokenCache
from gateway.models import User, UserScope
from gateway.readmodel import projector
from kernel import errors as kerr
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade

G = "g1"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)        # 2026-11-24 10:00 in Shanghai
KEY = "a-test-key-that-is-32-bytes-long"


@pytest.fixture
def engine(db_url):
    upgrade(migrations_dir("gateway"), db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine):
    with Session(engine) as s:
        yield s


def household(hid="h1", version=1, status="active", moved_in_on="2026-01-01", moved_out_on=None,
              unit_id="u1") -> dict:
    return {"household_id": hid, "group_id": G, "project_id": "p1", "unit_id": unit_id, "status": status,
            "moved_in_on": moved_in_on, "moved_out_on": moved_out_on, "version": version,
            "people": [{"person_id": f"{hid}-p", "name": "张伟", "role": "owner", "phone": "13812345678"}]}


def unit_row(session, unit_id="u1"):
    projector.apply_unit(session, {"unit_id": unit_id, "group_id": G, "project_id": "p1", "label": "1栋-0101",
                                   "version": 1})


def resident(session, username="zw", units=("u1",), households=None, now=NOW) -> User:
    user = accounts.create_user(session, username=username, password="resident-pass", display_name=username,
                                kind="resident", group_id=G, roles=[], unit_ids=list(units),
                                unit_households=households, now=now)
    session.flush()
    return user


def units_of(session, user_id) -> set:
    session.expire_all()
    return set(accounts.caller_for(session.get(User, user_id)).unit_ids)


def scope_of(session, user_id, unit_id="u1") -> UserScope:
    session.expire_all()
    return session.scalars(select(UserScope).where(UserScope.user_id == user_id, UserScope.unit_id == unit_id)
                           .order_by(UserScope.id)).all()[-1]


class TestGranting:
    def test_a_scope_binds_to_the_household_living_in_the_unit(self, session):
        projector.apply_household(session, household("h1"))
        user = resident(session)
        scope = scope_of(session, user.id)
        assert (scope.household_id, scope.project_id, scope.ended_at) == ("h1", "p1", None)
        assert scope.granted_at == NOW

    def test_a_unit_known_to_be_vacant_is_refused(self, session):
        unit_row(session)                                            # registered, nobody moved in
        with pytest.raises(kerr.RuleViolation) as exc:
            resident(session)
        assert exc.value.code == "unit_vacant" and "move the household in first" in exc.value.message
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_out_on="2026-10-01"))
        with pytest.raises(kerr.RuleViolation) as exc:
            resident(session, username="zw2")
        assert exc.value.code == "unit_vacant"

    def test_a_stated_household_must_be_the_units_current_one_when_known(self, session):
        projector.apply_household(session, household("h1"))
        assert scope_of(session, resident(session, households={"u1": "h1"}).id).household_id == "h1"
        projector.apply_household(session, household("h9", unit_id="u9"))
        with pytest.raises(kerr.InvalidInput) as exc:
            resident(session, username="x", households={"u1": "h9"})
        assert exc.value.code == "household_not_of_unit"
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_out_on="2026-10-01"))
        with pytest.raises(kerr.RuleViolation) as exc:
            resident(session, username="y", households={"u1": "h1"})
        assert exc.value.code == "household_moved_out"

    def test_a_unit_the_gateway_does_not_know_yet_gets_an_unbound_scope(self, session):
        user = resident(session, households={"u1": "h-new"})           # not projected yet: unbound
        scope = scope_of(session, user.id)
        assert scope.household_id is None and scope.ended_at is None
        assert units_of(session, user.id) == {"u1"}

    def test_the_desk_grants_the_unit_again_for_a_household_that_moved_back_in(self, session):
        projector.apply_household(session, household("h1"))
        user = resident(session)
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_out_on="2026-11-20"))
        assert units_of(session, user.id) == set()
        projector.apply_household(session, household("h2", 1, moved_in_on="2026-11-24"))   # back: a new household
        assert units_of(session, user.id) == set()                       # not automatically
        session.expire_all()
        user = session.get(User, user.id)
        scope = scopes.grant(session, user, "u1", now=NOW + timedelta(hours=1))
        session.flush()
        assert scope.household_id == "h2" and units_of(session, user.id) == {"u1"}
        assert scopes.grant(session, session.get(User, user.id), "u1", now=NOW) is not None   # again: no new row
        session.flush()
        rows = session.scalars(select(UserScope).where(UserScope.user_id == user.id)).all()
        assert sorted((r.household_id, r.ended_reason) for r in rows) == [
            ("h1", scopes.ENDED_MOVED_OUT), ("h2", None)]
        assert scopes.revoke(session, session.get(User, user.id), "u1", NOW) == 1
        session.flush()
        assert units_of(session, user.id) == set()


class TestEnding:
    def test_a_move_out_ends_the_households_scopes_and_nobody_elses(self, session):
        projector.apply_household(session, household("h1"))
        projector.apply_household(session, household("h7", unit_id="u7"))
        old = resident(session)
        both = resident(session, username="both", units=("u1", "u7"))
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_out_on="2026-11-25"))
        assert units_of(session, old.id) == set() and units_of(session, both.id) == {"u7"}
        scope = scope_of(session, old.id)
        assert scope.ended_at is not None and scope.ended_reason == scopes.ENDED_MOVED_OUT   # kept: the trail

    def test_a_transfer_ends_the_old_owners_and_binds_nobody_to_the_new_household(self, session):
        projector.apply_household(session, household("h1"))
        old = resident(session)
        projector.apply_household(session, household("h2", 1, moved_in_on="2026-12-01"))     # transfer: new first
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_out_on="2026-12-01"))
        assert units_of(session, old.id) == set()
        new = resident(session, username="sunli", now=NOW + timedelta(days=8))
        assert scope_of(session, new.id).household_id == "h2" and units_of(session, new.id) == {"u1"}

    def test_the_transfer_s_answer_ends_the_old_owners_scopes_before_the_event(self, session):
        """POST /units/{id}/transfer: archive's answer names the old owners' household; the route ends
        its residents' scopes with it (``household.changed`` has not arrived here at all), and the
        event arriving later ends nothing more."""
        from gateway.routes.people import PeopleRoutes
        projector.apply_household(session, household("h1"))
        old, other = resident(session), resident(session, username="other", units=("u7",))
        answer = {"ownership": {"id": "o2"}, "household": {"id": "h2", "status": "active"},
                  "old_household_id": "h1", "old_household": {"id": "h1", "unit_id": "u1", "status": "moved_out"},
                  "created": True}

        class Desk(PeopleRoutes):
            db = session

            def _as(self, user):
                return lambda *args, **kwargs: dict(answer)
        reply = Desk().transfer_ownership(None, None, "u1", {}, "key-1")
        assert reply.data["old_household_id"] == "h1" and reply.created
        assert units_of(session, old.id) == set() and units_of(session, other.id) == {"u7"}
        ended = scope_of(session, old.id)
        assert ended.ended_reason == scopes.ENDED_MOVED_OUT
        # the event, later: the same end, nothing more (idempotent)
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_out_on="2026-11-24"))
        assert scope_of(session, old.id).ended_at == ended.ended_at and units_of(session, other.id) == {"u7"}
        # a vacant unit's transfer names no old household: nothing ends
        Desk._as = lambda self, user: (lambda *a, **k: dict(answer, old_household_id=None, old_household=None))
        Desk().transfer_ownership(None, None, "u7", {}, "key-2")
        assert units_of(session, other.id) == {"u7"}

    def test_ending_is_idempotent_and_a_replay_or_rebuild_never_reopens_a_scope(self, session):
        projector.apply_household(session, household("h1"))
        user = resident(session)
        moved_out = household("h1", 2, status="moved_out", moved_out_on="2026-11-25")
        projector.apply_household(session, moved_out)
        ended_at = scope_of(session, user.id).ended_at
        projector.apply_household(session, moved_out)                    # redelivered
        projector.apply_household(session, household("h1", 1))           # a late "active"
        # a fresh rebuild: the read model emptied, every snapshot replayed
        from gateway.readmodel import rebuild
        rebuild.clear(session)
        projector.apply_household(session, moved_out)
        assert scope_of(session, user.id).ended_at == ended_at and units_of(session, user.id) == set()

    def test_a_rebuild_does_not_end_a_current_scope(self, session):
        projector.apply_household(session, household("h0", 2, status="moved_out", moved_in_on="2020-01-01",
                                                     moved_out_on="2025-12-31"))
        projector.apply_household(session, household("h1", 1, moved_in_on="2026-01-01"))
        user = resident(session)
        from gateway.readmodel import rebuild
        rebuild.clear(session)
        for snapshot in (household("h1", 1, moved_in_on="2026-01-01"),
                         household("h0", 2, status="moved_out", moved_in_on="2020-01-01", moved_out_on="2025-12-31")):
            projector.apply_household(session, snapshot)
        assert units_of(session, user.id) == {"u1"}


class TestUnboundScopes:
    """Granted before the gateway knew the unit's household: settled by the day of the grant."""

    @pytest.mark.parametrize("order", ["old_first", "new_first"])
    def test_the_household_there_on_the_day_binds_it_others_do_not(self, session, order):
        user = resident(session)                                         # 2026-11-24, unbound
        gone = household("h0", 3, status="moved_out", moved_in_on="2020-01-01", moved_out_on="2026-06-30")
        here = household("h1", 1, moved_in_on="2026-07-01")
        for snapshot in ((gone, here) if order == "old_first" else (here, gone)):
            projector.apply_household(session, snapshot)
        assert scope_of(session, user.id).household_id == "h1" and units_of(session, user.id) == {"u1"}
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_in_on="2026-07-01",
                                                     moved_out_on="2026-12-01"))
        assert units_of(session, user.id) == set()

    def test_a_household_that_moved_in_after_the_grant_ends_it(self, session):
        user = resident(session)
        projector.apply_household(session, household("h2", 1, moved_in_on="2026-12-01"))
        scope = scope_of(session, user.id)
        assert scope.ended_reason == scopes.ENDED_NOT_GRANTED and units_of(session, user.id) == set()

    def test_the_household_there_that_has_since_moved_out_ends_it(self, session):
        user = resident(session)
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_in_on="2026-01-01",
                                                     moved_out_on="2026-11-30"))
        assert scope_of(session, user.id).ended_reason == scopes.ENDED_MOVED_OUT

    def test_an_older_active_snapshot_never_binds(self, session):
        projector.apply_household(session, household("h1", 2, status="moved_out", moved_in_on="2026-01-01",
                                                     moved_out_on="2026-10-31"))
        user = resident(session, households={"u1": "h-unknown"}, now=NOW)  # the unit is known vacant... but stated
        assert scope_of(session, user.id).household_id is None
        projector.apply_household(session, household("h1", 1, moved_in_on="2026-01-01"))   # stale
        assert scope_of(session, user.id).household_id is None


def test_every_process_drops_the_unit_at_the_next_request(engine):
    """The auth cache of a process holding the resident's caller reloads when the scope ends."""
    with Session(engine) as s:
        projector.apply_household(s, household("h1"))
        user = resident(s)
        token, _ = accounts.issue_token(user, KEY, NOW, timedelta(hours=1))
        s.commit()
        user_id = user.id
    cache = TokenCache(engine)
    assert cache.user(token, KEY, NOW).caller.unit_ids == {"u1"}
    assert cache.user(token, KEY, NOW).caller.unit_ids == {"u1"} and cache.loads == 1    # cached
    with Session(engine) as s:                                        # another process applies the event
        projector.apply_household(s, household("h1", 2, status="moved_out", moved_out_on="2026-11-24"))
        s.commit()
    assert cache.user(token, KEY, NOW).caller.unit_ids == frozenset() and cache.loads == 2
    with Session(engine) as s:
        assert s.get(User, user_id).token_version == 1              # still logged in: other units stay


def test_the_caller_carries_the_household_its_unit_is_bound_to(engine):
    """Services read a resident's tickets by the household (``Caller.households``, signed with the
    caller): bound at the grant, or when the gateway sees the unit's household; in both the ORM
    caller and the auth cache's."""
    from kernel.tenancy import Caller, caller_from_context, context_for
    with Session(engine) as s:
        projector.apply_household(s, household("h1"))
        user = resident(s)
        waiting = resident(s, username="later", units=("u2",))          # u2 not projected: unbound
        token, _ = accounts.issue_token(waiting, KEY, NOW, timedelta(hours=1))
        s.commit()
        caller = accounts.caller_for(s.get(User, user.id))
        assert caller.households == {("u1", "h1")} and caller.household_of("u1") == "h1"
        waiting_id = waiting.id
    signed = caller_from_context(context_for(caller, KEY, "tickets", "get_ticket"), KEY, "tickets", "get_ticket")
    assert signed.households == {("u1", "h1")}
    assert Caller.from_dict({**caller.to_dict(), "households": {}}).households == frozenset()
    cache = TokenCache(engine)
    assert cache.user(token, KEY, NOW).caller.households == frozenset()   # unbound: no household yet
    with Session(engine) as s:                                            # the gateway sees u2's household
        projector.apply_household(s, household("h2", unit_id="u2", moved_in_on="2026-01-01"))
        s.commit()
    again = cache.user(token, KEY, NOW).caller
    assert again.households == {("u2", "h2")} and again.unit_ids == {"u2"}
    with Session(engine) as s:
        assert accounts.caller_for(s.get(User, waiting_id)).household_of("u2") == "h2"


def test_the_caller_carries_the_households_it_belonged_to_until_they_moved_out(engine):
    """A household's move-out (迁出, 过户) ends its residents' scopes; the caller keeps the pair as a
    FORMER household (``Caller.former_households``, signed with the caller) -- billing lets him read
    that household's closed fee account, nothing else. A scope the desk revoked, or an unbound one
    that ended (its household was never known), is no proof of belonging: not carried. The ORM
    caller and the auth cache's agree, and the cache drops nothing it should keep at the next request."""
    from kernel.tenancy import Caller, caller_from_context, context_for
    with Session(engine) as s:
        projector.apply_household(s, household("h1"))
        projector.apply_household(s, household("h3", unit_id="u3"))
        user = resident(s, units=("u1", "u3"))
        revoked = resident(s, username="revoked")
        unbound = resident(s, username="unbound", units=("u2",))      # u2 not projected: unbound
        tokens = {u.username: accounts.issue_token(u, KEY, NOW, timedelta(hours=1))[0]
                  for u in (user, revoked, unbound)}
        ids = {u.username: u.id for u in (user, revoked, unbound)}
        s.commit()
    cache = TokenCache(engine)
    assert cache.user(tokens["zw"], KEY, NOW).caller.former_households == frozenset()
    with Session(engine) as s:
        scopes.revoke(s, s.get(User, ids["revoked"]), "u1", NOW)      # the desk ends it first
        s.flush()
        projector.apply_household(s, household("h1", version=2, status="moved_out", moved_out_on="2026-11-24"))
        projector.apply_household(s, household("h2", unit_id="u2", version=1, status="moved_out",
                                               moved_in_on="2026-01-01", moved_out_on="2026-11-24"))
        s.commit()
    for caller in (cache.user(tokens["zw"], KEY, NOW).caller, _orm_caller(engine, ids["zw"])):
        assert caller.unit_ids == {"u3"} and caller.households == {("u3", "h3")}
        assert caller.former_households == {("u1", "h1")}
        assert caller.belonged_to("u1", "h1") and caller.belonged_to("u3", "h3")
        assert not caller.belonged_to("u3", "h1") and not caller.belonged_to("u1", "h3")
        signed = caller_from_context(context_for(caller, KEY, "billing", "list_bills"), KEY, "billing",
                                     "list_bills")
        assert signed.former_households == {("u1", "h1")} and signed.unit_ids == {"u3"}
    for name in ("revoked", "unbound"):
        for caller in (cache.user(tokens[name], KEY, NOW).caller, _orm_caller(engine, ids[name])):
            assert caller.unit_ids == frozenset() and caller.former_households == frozenset(), name
    # a staff caller's context never carries any; an old context without the key reads as none
    assert "former_households" not in Caller.system().to_dict()
    assert Caller.from_dict({k: v for k, v in signed.to_dict().items() if k != "former_households"}) \
        .former_households == frozenset()


def _orm_caller(engine, user_id):
    with Session(engine) as s:
        return accounts.caller_for(s.get(User, user_id))


def test_the_migration_binds_ends_or_leaves_unbound_existing_scopes(tmp_path):
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    upgrade(migrations_dir("gateway"), url, "0003")
    engine = make_engine(url)
    old = "2026-01-01 00:00:00.000000"
    with engine.begin() as conn:
        for uid, unit in (("a", "u-active"), ("b", "u-vacant"), ("c", "u-unknown")):
            conn.execute(sa.text("INSERT INTO users (id, username, display_name, password_hash, kind, group_id, "
                                 "roles, all_projects, active, token_version, created_at, updated_at) VALUES "
                                 "(:id, :id, :id, 'x', 'resident', 'g1', 'resident', 0, 1, 1, :t, :t)"),
                         {"id": uid, "t": old})
            conn.execute(sa.text("INSERT INTO user_scopes (user_id, project_id, unit_id) VALUES (:u, 'p1', :unit)"),
                         {"u": uid, "unit": unit})
        for unit, hid, status in (("u-active", "h-a", "active"), ("u-vacant", "h-v", "moved_out")):
            conn.execute(sa.text("INSERT INTO portal_units (unit_id, group_id, project_id, unit_version, household_id, "
                                 "household, household_version, account_version) VALUES "
                                 "(:unit, 'g1', 'p1', 1, :hid, :doc, 1, 0)"),
                         {"unit": unit, "hid": hid, "doc": f'{{"id": "{hid}", "status": "{status}"}}'})
    upgrade(migrations_dir("gateway"), url)
    with Session(engine) as s:
        rows = {r.user_id: r for r in s.scalars(select(UserScope))}
        assert (rows["a"].household_id, rows["a"].ended_at) == ("h-a", None)
        assert rows["b"].ended_reason == scopes.ENDED_MOVED_OUT and rows["b"].household_id is None
        assert (rows["c"].household_id, rows["c"].ended_at) == (None, None)
        assert all(r.granted_at is not None for r in rows.values())
        assert s.get(User, "b").updated_at > s.get(User, "a").updated_at      # stamped: caches reload
        assert accounts.caller_for(s.get(User, "b")).unit_ids == frozenset()
    engine.dispose()
