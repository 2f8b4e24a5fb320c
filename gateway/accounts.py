"""User accounts, passwords and tokens (no nameko here).

Passwords: scrypt with a random salt. Tokens: HS256 JWTs carrying the user id,
an expiry and the user's ``token_version`` -- changing a password or
deactivating a user bumps the version, which revokes every token issued before.
The roles and scopes are read from the database on every request, so a change
takes effect at once, not at the next login.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from datetime import datetime, timedelta

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.errors import Conflict, InvalidInput, Unauthenticated, Unavailable
from kernel.tenancy import RESIDENT, STAFF, Caller, Role

from .models import User, UserScope

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
GROUP_WIDE_ROLES = frozenset({Role.GENERAL_MANAGER, Role.GROUP_ADMIN})


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
                unit_projects: dict[str, str] | None = None, now: datetime) -> User:
    if kind not in (STAFF, RESIDENT):
        raise InvalidInput("kind is staff or resident", code="bad_kind")
    roles = sorted(set(roles or ([Role.RESIDENT] if kind == RESIDENT else [])))
    unknown = set(roles) - (Role.STAFF | {Role.RESIDENT})
    if unknown:
        raise InvalidInput(f"unknown roles: {', '.join(sorted(unknown))}", code="bad_role")
    if kind == RESIDENT and (roles != [Role.RESIDENT] or not unit_ids):
        raise InvalidInput("a resident has the resident role and at least one unit", code="bad_scope")
    if kind == STAFF and (Role.RESIDENT in roles or not roles):
        raise InvalidInput("staff need at least one staff role", code="bad_role")
    all_projects = kind == STAFF and bool(GROUP_WIDE_ROLES & set(roles))
    if kind == STAFF and not all_projects and not project_ids:
        raise InvalidInput("staff are assigned to at least one project", code="bad_scope")
    if len(password) < 8:
        raise InvalidInput("passwords have at least 8 characters", code="weak_password")
    if session.scalars(select(User).where(User.username == username)).first():
        raise Conflict(f"username {username!r} is taken", code="username_taken")
    user = User(id=str(uuid.uuid4()), username=username, display_name=display_name,
                password_hash=hash_password(password), kind=kind, group_id=group_id,
                roles=",".join(roles), all_projects=all_projects, active=True, token_version=1,
                created_at=now, updated_at=now)
    if kind == STAFF:
        user.scopes = [UserScope(project_id=p, unit_id=None) for p in sorted(set(project_ids))]
    else:
        unit_projects = unit_projects or {}
        user.scopes = [UserScope(project_id=unit_projects.get(u, ""), unit_id=u) for u in sorted(set(unit_ids))]
    session.add(user)
    return user


def set_password(session: Session, username: str, password: str, now: datetime) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        raise InvalidInput(f"no user {username!r}", code="no_such_user")
    if len(password) < 8:
        raise InvalidInput("passwords have at least 8 characters", code="weak_password")
    user.password_hash = hash_password(password)
    user.token_version += 1
    user.updated_at = now
    return user


def authenticate(session: Session, username: str, password: str, check=None) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    # compare against a dummy hash when the user is unknown, so timing tells nothing
    ok = (check or check_password)(password, user.password_hash if user else _DUMMY_HASH)
    if not (user and ok and user.active):
        raise Unauthenticated("wrong username or password", code="invalid_credentials")
    return user


def caller_for(user: User) -> Caller:
    return Caller(
        user_id=user.id, kind=user.kind, group_id=user.group_id, roles=user.role_set,
        project_ids=frozenset(s.project_id for s in user.scopes if s.unit_id is None and s.project_id),
        unit_ids=frozenset(s.unit_id for s in user.scopes if s.unit_id),
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
                          code="gateway_not_configured")
    return str(config.get("GATEWAY_TOKEN_SECRET") or os.environ["GATEWAY_TOKEN_SECRET"])


def bearer_token(authorization: str) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)",
                              code="token_required")
    return token.strip()


def issue_token(user: User, secret: str, now: datetime, ttl: timedelta) -> tuple[str, datetime]:
    expires = now + ttl
    token = jwt.encode({"sub": user.id, "ver": user.token_version, "iat": int(now.timestamp()),
                        "exp": int(expires.timestamp()), "typ": "access"}, secret, algorithm="HS256")
    return token, expires


def user_from_token(session: Session, token: str, secret: str, now: datetime) -> User:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False,
                                                                          "require": ["sub", "exp"]})
    except jwt.PyJWTError:
        raise Unauthenticated("the token is not valid", code="invalid_token") from None
    # expiry is checked against the platform clock, not the wall clock, so tests can move time
    if claims["exp"] <= now.timestamp():
        raise Unauthenticated("the token has expired; log in again", code="token_expired")
    user = session.get(User, claims["sub"])
    if user is None or not user.active or claims.get("ver") != user.token_version:
        raise Unauthenticated("the token has been revoked", code="token_revoked")
    return user


_DUMMY_HASH = hash_password(uuid.uuid4().hex)
