"""User accounts, passwords and tokens (no nameko here).

Passwords: scrypt with a random salt. Tokens: HS256 JWTs carrying the user id,
an expiry and the user's ``token_version`` -- changing a password or
deactivating a user bumps the version, which revokes every token issued before.
Every request checks the user's ``token_version``, ``active`` and ``updated_at``
in the database (one query by primary key, ``gateway.authcache``); the roles and
scopes are cached per process and loaded again when that stamp moved, so a change
takes effect at once, not at the next login -- in every gateway process.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from kernel.errors import Conflict, InvalidInput, Unauthenticated, Unavailable
from kernel.tenancy import RESIDENT, STAFF, Caller, Role

from . import scopes
from .models import LoginFailure, RevokedToken, User, UserScope

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
GROUP_WIDE_ROLES = frozenset({Role.GENERAL_MANAGER, Role.GROUP_ADMIN})
#: what a person reads when their token no longer works (here and in ``authcache``)
TOKEN_EXPIRED_ZH = "登录已过期，请重新登录"
TOKEN_REVOKED_ZH = "登录已失效，请重新登录"


# -- passwords ----------------------------------------------------------------

def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# -- accounts -----------------------------------------------------------------

def create_user(session: Session, *, username: str, password: str, display_name: str, kind: str,
                group_id: str, roles: list[str], project_ids: list[str] = (), unit_ids: list[str] = (),
                unit_projects: dict[str, str] | None = None, unit_households: dict[str, str] | None = None,
                now: datetime) -> User:
    """A new account. A resident's units are bound to the household living there
    (``gateway.scopes``: ``unit_households`` states it, else the read model's; a unit the read
    model knows to be vacant is refused, 422 ``unit_vacant``)."""
    if kind not in (STAFF, RESIDENT):
        raise InvalidInput("kind is staff or resident", code="bad_kind",
                           zh="账号类别须为员工（staff）或住户（resident）")
    roles = sorted(set(roles or ([Role.RESIDENT] if kind == RESIDENT else [])))
    unknown = set(roles) - (Role.STAFF | {Role.RESIDENT})
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(sorted(unknown))}", code="bad_role",
                           zh=f"没有这些角色：{', '.join(sorted(unknown))}")
    if kind == RESIDENT and (roles != [Role.RESIDENT] or not unit_ids):
        raise InvalidInput("a resident has the resident role and at least one unit", code="bad_scope",
                           zh="住户账号只有住户角色，且至少关联一套房屋")
    if kind == STAFF and (Role.RESIDENT in roles or not roles):
        raise InvalidInput("staff need at least one staff role", code="bad_role", zh="员工账号至少须有一个员工角色")
    all_projects = kind == STAFF and bool(GROUP_WIDE_ROLES & set(roles))
    if kind == STAFF and not all_projects and not project_ids:
        raise InvalidInput("staff are assigned to at least one project", code="bad_scope",
                           zh="员工账号至少须分配到一个项目")
    if len(password) < 8:
        raise InvalidInput("passwords have at least 8 characters", code="weak_password", zh="密码至少 8 个字符")
    if session.scalars(select(User).where(User.username == username)).first():
        raise Conflict(f"username {username!r} is taken", code="username_taken", zh="该用户名已被使用")
    user = User(id=str(uuid.uuid4()), username=username, display_name=display_name,
                password_hash=hash_password(password), kind=kind, group_id=group_id,
                roles=",".join(roles), all_projects=all_projects, active=True, token_version=1,
                created_at=now, updated_at=now)
    if kind == STAFF:
        user.scopes = [UserScope(project_id=p, unit_id=None, granted_at=now) for p in sorted(set(project_ids))]
    else:
        unit_projects, unit_households = unit_projects or {}, unit_households or {}
        user.scopes = [scopes.resident_scope(session, u, project_id=unit_projects.get(u),
                                             household_id=unit_households.get(u), now=now)
                       for u in sorted(set(unit_ids))]
    session.add(user)
    return user


def set_password(session: Session, username: str, password: str, now: datetime) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise InvalidInput(f"no user {username!r}", code="no_such_user", zh="没有这个用户名")
    if len(password) < 8:
        raise InvalidInput("passwords have at least 8 characters", code="weak_password", zh="密码至少 8 个字符")
    user.password_hash = hash_password(password)
    user.token_version += 1
    user.updated_at = now
    return user


def authenticate(session: Session, username: str, password: str, check=None) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    # compare against a dummy hash when the user is unknown, so timing tells nothing
    ok = (check or check_password)(password, user.password_hash if user else _DUMMY_HASH)
    if not (user and ok and user.active):
        raise Unauthenticated("wrong username or password", code="invalid_credentials", zh="用户名或密码错误")
    return user


# -- login throttling -----------------------------------------------------------

@dataclass(frozen=True)
class LoginPolicy:
    """``LOGIN_MAX_FAILURES_PER_ACCOUNT`` (5) and ``LOGIN_MAX_FAILURES_PER_ADDRESS`` (20) failed
    logins within ``LOGIN_FAILURE_WINDOW_MINUTES`` (15), then 429 until the oldest ages out."""

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config: dict) -> "LoginPolicy":
        return cls(per_account=int(config.get("LOGIN_MAX_FAILURES_PER_ACCOUNT") or 5),
                   per_address=int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS") or 20),
                   window=timedelta(minutes=float(config.get("LOGIN_FAILURE_WINDOW_MINUTES") or 15)))


def login_retry_after(session: Session, username: str, address: str, now: datetime,
                      policy: LoginPolicy) -> int | None:
    """Seconds to wait before this account or address may try again, or None."""
    since = now - policy.window
    waits = []
    for column, value, limit in ((LoginFailure.username, username, policy.per_account),
                                 (LoginFailure.address, address, policy.per_address)):
        if limit <= 0:
            continue
        count = session.scalar(select(func.count()).select_from(LoginFailure).where(
            column == value, LoginFailure.at > since))
        if count >= limit:
            # the oldest failure inside the window is the one that has to age out
            at = session.scalars(select(LoginFailure.at).where(column == value, LoginFailure.at > since)
                                 .order_by(LoginFailure.at.desc()).offset(limit - 1).limit(1)).first()
            waits.append(max(1, math.ceil((at + policy.window - now).total_seconds())))
    return max(waits) if waits else None


def record_login_failure(session: Session, username: str, address: str, now: datetime,
                         policy: LoginPolicy) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - policy.window))
    session.add(LoginFailure(username=username[:80], address=address[:64], at=now))


def clear_login_failures(session: Session, username: str) -> None:
    """A successful login resets the account's count (the address's stays)."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))


def change_password(session: Session, user: User, current: str, new: str, now: datetime,
                    check=None) -> User:
    """The user's own change: needs the current password; every other token is revoked."""
    if not (check or check_password)(current, user.password_hash):
        raise InvalidInput("the current password is not right", code="wrong_password", zh="当前密码不正确")
    if len(new) < 8:
        raise InvalidInput("passwords have at least 8 characters", code="weak_password", zh="密码至少 8 个字符")
    if new == current:
        raise InvalidInput("the new password is the current one", code="same_password", zh="新密码不能与当前密码相同")
    user.password_hash = hash_password(new)
    user.token_version += 1
    user.updated_at = now
    return user


def caller_for(user: User) -> Caller:
    cached = getattr(user, "caller", None)     # gateway.authcache.AuthUser: built once
    if cached is not None:
        return cached
    return Caller(
        user_id=user.id, kind=user.kind, group_id=user.group_id, roles=user.role_set,
        project_ids=frozenset(s.project_id for s in user.scopes
                              if s.unit_id is None and s.project_id and s.ended_at is None),
        # a resident's unit only while the household it was granted for lives there (gateway.scopes)
        unit_ids=frozenset(s.unit_id for s in user.scopes if s.unit_id and s.ended_at is None),
        households=frozenset((s.unit_id, s.household_id) for s in user.scopes
                             if s.unit_id and s.household_id and s.ended_at is None),
        # the households he belonged to until they moved out: their closed fee accounts stay his to read
        former_households=frozenset(
            (s.unit_id, s.household_id) for s in user.scopes
            if user.kind == RESIDENT and s.unit_id and s.household_id and s.ended_at is not None
            and s.ended_reason == scopes.ENDED_MOVED_OUT),
        all_projects=user.all_projects, name=user.display_name)


# -- tokens -------------------------------------------------------------------

def token_secret(config: dict) -> str:
    """``GATEWAY_TOKEN_SECRET``: the gateway's own key, never derived from ``WUYE_SECRET``
    (which every service holds). Without a usable one the gateway cannot issue or check
    tokens: ``Unavailable`` (503), and its readiness check fails with the same reason."""
    from kernel.config import token_secret_problems

    problems = token_secret_problems(config)
    if problems:
        raise Unavailable("the gateway is not configured to sign tokens: " + "; ".join(problems),
                          code="gateway_not_configured", zh="网关未配置令牌签名密钥，暂时无法登录")
    return str(config.get("GATEWAY_TOKEN_SECRET") or os.environ["GATEWAY_TOKEN_SECRET"])


def bearer_token(authorization: str) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)",
                              code="token_required", zh="请先登录（请求须带 Authorization: Bearer 令牌）")
    return token.strip()


def issue_token(user: User, secret: str, now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    expires = now + ttl
    token = jwt.encode({"sub": user.id, "ver": user.token_version, "iat": int(now.timestamp()),
                        "exp": int(expires.timestamp()), "typ": "access", "jti": str(uuid.uuid4())},
                       secret, algorithm="HS256")
    return token, expires


def token_claims(token: str, secret: str) -> dict:
    try:
        return jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False,
                                                                        "require": ["sub", "exp"]})
    except jwt.PyJWTError:
        raise Unauthenticated("the token is not valid", code="invalid_token", zh="登录令牌无效，请重新登录") from None


def user_from_token(session: Session, token: str, secret: str, now: datetime) -> User:
    claims = token_claims(token, secret)
    # expiry is checked against the platform clock, not the wall clock, so tests can move time
    if claims["exp"] <= now.timestamp():
        raise Unauthenticated("the token has expired; log in again", code="token_expired",
                              zh=TOKEN_EXPIRED_ZH)
    user = session.get(User, claims["sub"])
    if user is None or not user.active or claims.get("ver") != user.token_version:
        raise Unauthenticated("the token has been revoked", code="token_revoked", zh=TOKEN_REVOKED_ZH)
    if claims.get("jti") and session.get(RevokedToken, str(claims["jti"])[:36]) is not None:
        raise Unauthenticated("the token has been revoked", code="token_revoked", zh=TOKEN_REVOKED_ZH)
    return user


def revoke_token(session: Session, token: str, secret: str, now: datetime) -> None:
    """Logout: this token (its ``jti``) is refused from now on; expired rows are dropped."""
    claims = token_claims(token, secret)
    session.execute(delete(RevokedToken).where(RevokedToken.expires_at <= now))
    jti = claims.get("jti")
    if not jti:   # a token from before logout existed: only the version can revoke it
        user = session.get(User, claims["sub"])
        if user is not None:
            user.token_version += 1
        return
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, user_id=claims["sub"], revoked_at=now,
                                 expires_at=datetime.fromtimestamp(claims["exp"], now.tzinfo)))


_DUMMY_HASH = hash_password(uuid.uuid4().hex)
