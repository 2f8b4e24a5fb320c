"""The token -> user cache (gateway.authcache): one cheap check per request, and a
revocation, deactivation or change of roles/scopes refused or applied at once --
also when it was made through another cache (another gateway process) or the CLI."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel import errors as kerr
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from gateway import accounts
from gateway.authcache import TokenCache
from gateway.models import User, UserScope

KEY = "a-test-key-that-is-32-bytes-long"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)     # the clock stands still in these tests


@pytest.fixture
def engine(db_url):
    """The gateway's database, migrated: SQLite and PostgreSQL (the check is sent in each
    driver's own SQL)."""
    upgrade(migrations_dir("gateway"), db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def admin(engine):
    """Another connection to the database: the CLI, or another gateway process's writes."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def desk(admin):
    user = accounts.create_user(admin, username="desk1", password="correct horse", display_name="王前台",
                                kind="staff", group_id="g1", roles=["front_desk"], project_ids=["p1"], now=NOW)
    admin.commit()
    return user


def token_of(user, now=NOW):
    return accounts.issue_token(user, KEY, now, timedelta(hours=8))[0]


def refused(cache, token, code="token_revoked"):
    with pytest.raises(kerr.Unauthenticated) as exc:
        cache.user(token, KEY, NOW)
    return exc.value.code == code


def test_the_user_is_loaded_once_and_checked_on_every_request(engine, desk):
    cache = TokenCache(engine)
    token = token_of(desk)
    first = cache.user(token, KEY, NOW)
    assert first.id == desk.id and first.username == "desk1" and first.role_set == {"front_desk"}
    assert first.caller.project_ids == {"p1"} and accounts.caller_for(first) is first.caller
    for _ in range(5):
        assert cache.user(token, KEY, NOW) is first
    assert cache.loads == 1


def test_expiry_and_foreign_tokens(engine, desk):
    cache = TokenCache(engine)
    token = token_of(desk)
    cache.user(token, KEY, NOW)
    with pytest.raises(kerr.Unauthenticated) as exc:
        cache.user(token, KEY, NOW + timedelta(hours=8, seconds=1))
    assert exc.value.code == "token_expired"
    with pytest.raises(kerr.Unauthenticated) as exc:
        cache.user(token, "another-key-of-thirty-two-bytes!!", NOW)
    assert exc.value.code == "invalid_token"


def test_logout_through_another_process_is_refused_at_once(engine, admin, desk):
    here, there = TokenCache(engine), TokenCache(engine)       # two gateway processes, one database
    token, other = token_of(desk), token_of(desk)
    assert here.user(token, KEY, NOW).id == there.user(token, KEY, NOW).id == desk.id
    accounts.revoke_token(admin, token, KEY, NOW)                # POST /auth/logout, served "there"
    admin.commit()
    assert refused(here, token) and refused(there, token)
    assert here.user(other, KEY, NOW).id == desk.id              # the user's other sessions go on


def test_password_change_revokes_every_older_token(engine, admin, desk):
    cache = TokenCache(engine)
    token = token_of(desk)
    cache.user(token, KEY, NOW)
    user = admin.get(User, desk.id)
    accounts.change_password(admin, user, "correct horse", "a new password", NOW)
    admin.commit()
    assert refused(cache, token)
    assert cache.user(token_of(user), KEY, NOW).id == desk.id    # the fresh token works


@pytest.mark.parametrize("bump", [True, False], ids=["cli-deactivate", "active-flag-only"])
def test_a_deactivated_user_is_never_served(engine, admin, desk, bump):
    cache = TokenCache(engine)
    token = token_of(desk)
    cache.user(token, KEY, NOW)
    user = admin.get(User, desk.id)
    user.active = False
    if bump:
        user.token_version += 1
    admin.commit()
    assert refused(cache, token)
    user.active = True            # back on: a token of the current version works again
    admin.commit()
    assert cache.user(token_of(user), KEY, NOW).active


def test_changed_scopes_and_roles_apply_at_once_with_the_clock_standing_still(engine, admin, desk):
    here, there = TokenCache(engine), TokenCache(engine)
    token = token_of(desk)
    assert here.user(token, KEY, NOW).caller.project_ids == {"p1"}
    assert there.user(token, KEY, NOW).caller.project_ids == {"p1"}

    user = admin.get(User, desk.id)
    user.scopes.append(UserScope(project_id="p2", unit_id=None))        # a project added
    admin.commit()
    assert here.user(token, KEY, NOW).caller.project_ids == {"p1", "p2"}
    assert there.user(token, KEY, NOW).caller.project_ids == {"p1", "p2"}

    scope = admin.scalars(select(UserScope).where(UserScope.project_id == "p1")).one()
    scope.project_id = "p3"                                              # a scope row edited alone
    admin.commit()
    assert here.user(token, KEY, NOW).caller.project_ids == {"p2", "p3"}

    admin.delete(admin.scalars(select(UserScope).where(UserScope.project_id == "p2")).one())
    admin.commit()                                                       # a scope row deleted alone
    assert there.user(token, KEY, NOW).caller.project_ids == {"p3"}

    user.roles = "front_desk,engineer"                                   # a role granted
    admin.commit()
    assert here.user(token, KEY, NOW).role_set == {"front_desk", "engineer"}
    assert there.user(token, KEY, NOW).caller.roles == {"front_desk", "engineer"}


def test_every_change_moves_the_stamp_even_when_set_to_the_same_instant(admin, desk):
    user = admin.get(User, desk.id)
    before = user.updated_at
    user.updated_at = before                   # code that stamps "now" with a clock standing still
    user.display_name = "王前台2"
    admin.commit()
    after = admin.scalars(select(User.updated_at).where(User.id == desk.id)).one()
    assert after > before
    admin.commit()                             # nothing changed: nothing stamped
    assert admin.scalars(select(User.updated_at).where(User.id == desk.id)).one() == after
