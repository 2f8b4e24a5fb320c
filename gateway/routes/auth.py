"""Logging in and out, changing one's password, and who the caller is."""
from __future__ import annotations

import logging
from datetime import timedelta

from eventlet import tpool

from kernel.errors import InvalidInput, Unauthenticated

from .. import accounts, schemas as s
from ..errors import HttpError
from ..models import User
from ..routing import route
from .base import V1, RouteModule, user_view

log = logging.getLogger(__name__)


def _check(password, stored):
    # scrypt is deliberately slow and runs in C: off the hub, or it stalls every request
    return tpool.execute(accounts.check_password, password, stored)


class AuthRoutes(RouteModule):
    def _issue(self, user) -> dict:
        ttl = timedelta(minutes=float(self.config.get("TOKEN_TTL_MINUTES", 480)))
        token, expires = accounts.issue_token(user, accounts.token_secret(self.config), self.clock.now(),
                                              ttl)
        return {"access_token": token, "token_type": "Bearer", "expires_at": expires.isoformat(),
                "user": user_view(user)}

    def _refuse_if_throttled(self, username: str, address: str, now, policy) -> None:
        """Every path that checks a password waits out the same throttle (login and change)."""
        wait = accounts.login_retry_after(self.db, username, address, now, policy)
        if wait is not None:
            log.warning("password check of %r from %s refused: too many failed attempts", username, address)
            raise HttpError(429, "rate_limited", f"too many failed logins; try again in {wait} s",
                            headers={"Retry-After": str(wait)}, zh=f"登录失败次数过多，请 {wait} 秒后再试")

    @route("POST", f"{V1}/auth/token", summary="Log in: exchange username and password for a token",
           tags=("auth",), auth=False, body=s.TokenIn, response=s.TokenOut, errors=(401, 429),
           description="After LOGIN_MAX_FAILURES_PER_ACCOUNT failed logins of an account (or "
                       "LOGIN_MAX_FAILURES_PER_ADDRESS from one address) within "
                       "LOGIN_FAILURE_WINDOW_MINUTES the answer is 429 with Retry-After.")
    def login(self, request, body):
        now, username = self.clock.now(), body["username"]
        address = request.remote_addr or "unknown"
        policy = accounts.LoginPolicy.from_config(self.config)
        self._refuse_if_throttled(username, address, now, policy)
        try:
            user = accounts.authenticate(self.db, username, body["password"], check=_check)
        except Unauthenticated:
            accounts.record_login_failure(self.db, username, address, now, policy)
            self.db.commit()            # kept although the request fails
            log.warning("failed login of %r from %s", username, address)
            raise
        accounts.clear_login_failures(self.db, username)
        return self._issue(user)

    @route("POST", f"{V1}/auth/logout", summary="Log out: this token is refused from now on",
           tags=("auth",), response=s.LoggedOutOut)
    def logout(self, request, user):
        token = accounts.bearer_token(request.headers.get("Authorization", ""))
        accounts.revoke_token(self.db, token, accounts.token_secret(self.config), self.clock.now())
        return {"status": "logged_out"}

    @route("POST", f"{V1}/auth/password", tags=("auth",), body=s.PasswordIn, response=s.TokenOut,
           summary="Change one's own password (needs the current one); every other token is revoked",
           errors=(400, 429), description="Answers a fresh token for this session; tokens issued before "
                                          "stop working. Wrong current passwords count as failed logins "
                                          "and are throttled like them (429 with Retry-After).")
    def change_password(self, request, user, body):
        user, now = self.db.get(User, user.id), self.clock.now()
        address, policy = request.remote_addr or "unknown", accounts.LoginPolicy.from_config(self.config)
        self._refuse_if_throttled(user.username, address, now, policy)
        try:
            accounts.change_password(self.db, user, body["current_password"], body["new_password"], now,
                                     check=_check)
        except InvalidInput as exc:
            if exc.code == "wrong_password":      # a guess at the password counts as a failed login
                accounts.record_login_failure(self.db, user.username, address, now, policy)
                self.db.commit()
                log.warning("wrong current password in a password change of %r", user.username)
            raise
        log.info("user %s changed their password", user.id)
        return self._issue(user)

    @route("GET", f"{V1}/me", summary="Who am I: roles and scopes", tags=("auth",), response=s.MeOut)
    def me(self, request, user):
        return user_view(user)
