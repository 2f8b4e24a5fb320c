"""The token -> user cache of one gateway process (issue 6).

Loading the user and its scopes through the ORM on every request cost the
gateway a tenth of its CPU. This cache keeps, per user id, what a request needs
(an :class:`AuthUser` with its :class:`~kernel.tenancy.Caller` built once) and
keeps it valid with ONE cheap query per request, by primary key, in Core::

    SELECT token_version, active, updated_at, <is this jti revoked?> FROM users WHERE id = ?

- the token's ``ver`` must equal ``token_version`` (a password change, a
  deactivation, a logout of a token without ``jti`` bump it);
- the user must be ``active``;
- the token's ``jti`` must not be in ``revoked_tokens`` (logout);
- the cached entry is used only while ``(token_version, active, updated_at)`` is
  the one it was loaded with; a change of roles or scopes stamps ``updated_at``
  (``gateway.models`` does it on every ORM flush that touches a user or its
  scopes), so the next request loads the user again.

Nothing is trusted from the process's memory alone: the check reads the shared
database, so a revocation or a scope change made through ANOTHER gateway process
(or the ``wuye-user`` CLI) is seen by the very next request here.

The decoded claims of a token are cached too (keyed by the token's exact text and
the key that verified it: the same text always decodes to the same claims; the
expiry is still checked on every request against the platform clock).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, and_, bindparam, exists, or_, select

from kernel.errors import Unauthenticated
from kernel.tenancy import Caller

from . import accounts
from .models import RevokedToken, User, UserScope
from .scopes import ENDED_MOVED_OUT

#: bounded sizes of the two caches (entries beyond them evict the oldest)
MAX_USERS = 20_000
MAX_TOKENS = 50_000

_users, _scopes, _revoked = User.__table__, UserScope.__table__, RevokedToken.__table__

#: the per-request check: the user's revocation stamp and whether this jti was given back
CHECK = select(_users.c.token_version, _users.c.active, _users.c.updated_at,
               exists().where(_revoked.c.jti == bindparam("jti")).label("revoked")
               ).where(_users.c.id == bindparam("user_id"))
LOAD_USER = select(_users.c.id, _users.c.username, _users.c.display_name, _users.c.kind, _users.c.group_id,
                   _users.c.roles, _users.c.all_projects).where(_users.c.id == bindparam("user_id"))
#: the CURRENT scopes (a resident's scope ends when its household moves out, gateway.scopes) and the
#: resident's FORMER ones: ended because the household they were bound to moved out -- the caller's
#: ``former_households`` (that household's closed fee account stays his to read), never a unit he sees
LOAD_SCOPES = select(_scopes.c.project_id, _scopes.c.unit_id, _scopes.c.household_id,
                     _scopes.c.ended_at.is_not(None).label("ended")).where(
    _scopes.c.user_id == bindparam("user_id"),
    or_(_scopes.c.ended_at.is_(None),
        and_(_scopes.c.ended_reason == ENDED_MOVED_OUT, _scopes.c.unit_id.is_not(None),
             _scopes.c.household_id.is_not(None))))


@dataclass(frozen=True)
class ScopeRow:
    project_id: str
    unit_id: str | None
    household_id: str | None = None


@dataclass(frozen=True, eq=False)
class AuthUser:
    """The authenticated user as the routes see it: the attributes of ``models.User``
    they read (``id``, ``username``, ``display_name``, ``kind``, ``group_id``, ``roles``,
    ``role_set``, ``all_projects``, ``scopes``) and the :class:`Caller`, built once."""

    id: str
    username: str
    display_name: str
    kind: str
    group_id: str
    roles: str
    all_projects: bool
    active: bool
    token_version: int
    updated_at: datetime | None
    scopes: tuple = ()
    role_set: frozenset = frozenset()
    caller: Caller | None = field(default=None, repr=False)

    @classmethod
    def build(cls, row, scopes, stamp) -> "AuthUser":
        token_version, active, updated_at = stamp
        former = frozenset((u, h) for _p, u, h, ended in scopes if ended and u and h)
        scopes = tuple(ScopeRow(p, u, h) for p, u, h, ended in scopes if not ended)
        role_set = frozenset(r for r in row.roles.split(",") if r)
        caller = Caller(
            user_id=row.id, kind=row.kind, group_id=row.group_id, roles=role_set,
            project_ids=frozenset(s.project_id for s in scopes if s.unit_id is None and s.project_id),
            unit_ids=frozenset(s.unit_id for s in scopes if s.unit_id),
            # the household each unit's scope is bound to: a resident reads that household's records
            households=frozenset((s.unit_id, s.household_id) for s in scopes if s.unit_id and s.household_id),
            former_households=former if row.kind == "resident" else frozenset(),
            all_projects=bool(row.all_projects), name=row.display_name)
        return cls(id=row.id, username=row.username, display_name=row.display_name, kind=row.kind,
                   group_id=row.group_id, roles=row.roles, all_projects=bool(row.all_projects),
                   active=bool(active), token_version=token_version, updated_at=updated_at,
                   scopes=scopes, role_set=role_set, caller=caller)


class TokenCache:
    """Token -> :class:`AuthUser` for one process; see the module's text for the rules."""

    def __init__(self, engine: Engine, max_users: int = MAX_USERS, max_tokens: int = MAX_TOKENS):
        self.engine = engine
        self.max_users, self.max_tokens = max_users, max_tokens
        self._claims: dict[str, tuple[str, dict]] = {}   # token -> (key it was checked with, claims)
        self._users: dict[str, tuple[tuple, AuthUser]] = {}
        self.loads = 0            # how often a user was (re)loaded: for tests and curiosity
        self._check_sql: str | None = None
        self._positional: list | None = None

    def claims(self, token: str, secret: str) -> dict:
        known = self._claims.get(token)
        if known is not None and known[0] == secret:
            return known[1]
        claims = accounts.token_claims(token, secret)     # Unauthenticated if not signed by us
        _remember(self._claims, token, (secret, claims), self.max_tokens)
        return claims

    def user(self, token: str, secret: str, now: datetime) -> AuthUser:
        claims = self.claims(token, secret)
        # expiry on the platform clock, not the wall clock, so tests can move time
        if claims["exp"] <= now.timestamp():
            raise Unauthenticated("the token has expired; log in again", code="token_expired",
                                  zh=accounts.TOKEN_EXPIRED_ZH)
        user_id = str(claims["sub"])
        jti = str(claims.get("jti") or "")[:36]
        row = self._check(user_id, jti)
        if row is None or not row[1] or claims.get("ver") != row[0] or (jti and row[3]):
            self._users.pop(user_id, None)
            raise Unauthenticated("the token has been revoked", code="token_revoked",
                                  zh=accounts.TOKEN_REVOKED_ZH)
        stamp = (row[0], bool(row[1]), row[2])      # updated_at as the driver gives it: compared only
        entry = self._users.get(user_id)
        if entry is not None and entry[0] == stamp:
            return entry[1]
        # the stamp was read BEFORE the user and its scopes: if they change in between,
        # the entry holds newer data under an older stamp, and is simply loaded again
        with self.engine.connect() as conn:
            user_row = conn.execute(LOAD_USER, {"user_id": user_id}).first()
            scopes = conn.execute(LOAD_SCOPES, {"user_id": user_id}).all()
        if user_row is None:
            raise Unauthenticated("the token has been revoked", code="token_revoked",
                                  zh=accounts.TOKEN_REVOKED_ZH)
        user = AuthUser.build(user_row, scopes, stamp)
        self.loads += 1
        _remember(self._users, user_id, (stamp, user), self.max_users)
        return user

    def _check(self, user_id: str, jti: str):
        """(token_version, active, updated_at, revoked) of the user, or None: the one query of
        every request, sent as the driver's own SQL (compiled once) on a pooled connection."""
        if self._check_sql is None:
            compiled = CHECK.compile(dialect=self.engine.dialect)
            self._check_sql = str(compiled)
            self._positional = compiled.positiontup
        params = {"user_id": user_id, "jti": jti}
        if self._positional is not None:
            params = tuple(params[name] for name in self._positional)
        conn = self.engine.raw_connection()
        try:
            cursor = conn.cursor()
            try:
                cursor.execute(self._check_sql, params)
                return cursor.fetchone()
            finally:
                cursor.close()
        finally:
            conn.close()          # back to the pool (rolled back there)

    def forget(self, user_id: str) -> None:
        self._users.pop(user_id, None)

    def clear(self) -> None:
        self._claims.clear()
        self._users.clear()


def _remember(cache: dict, key, value, limit: int) -> None:
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > limit:             # insertion order: the oldest goes first
        cache.pop(next(iter(cache)))
