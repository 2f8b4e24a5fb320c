"""Logging in and who the caller is."""
from __future__ import annotations

from datetime import timedelta

from eventlet import tpool

from .. import accounts, schemas as s
from ..routing import route
from .base import V1, RouteModule, user_view


class AuthRoutes(RouteModule):
    @route("POST", f"{V1}/auth/token", summary="Log in: exchange username and password for a token",
           tags=("auth",), auth=False, body=s.TokenIn, response=s.TokenOut, errors=(401,))
    def login(self, request, body):
        # scrypt is deliberately slow and runs in C: off the hub, or it stalls every request
        user = accounts.authenticate(self.db, body["username"], body["password"],
                                     check=lambda pw, stored: tpool.execute(accounts.check_password, pw, stored))
        ttl = timedelta(minutes=float(self.config.get("TOKEN_TTL_MINUTES", 480)))
        token, expires = accounts.issue_token(user, accounts.token_secret(self.config), self.clock.now(),
                                              ttl)
        return {"access_token": token, "token_type": "Bearer", "expires_at": expires.isoformat(),
                "user": user_view(user)}

    @route("GET", f"{V1}/me", summary="Who am I: roles and scopes", tags=("auth",), response=s.MeOut)
    def me(self, request, user):
        return user_view(user)
