"""Health, the index and the OpenAPI document."""
from __future__ import annotations

import time

import logging

import eventlet
from kombu import Connection
from nameko.extensions import DependencyProvider

from kernel.config import WeakSecret, amqp_ssl, check_secrets, is_production

from .. import schemas as s
from ..errors import json_response
from ..openapi import build_document
from ..routing import route
from .base import SERVICES, V1, RouteModule

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


log = logging.getLogger(__name__)


class GatewaySecrets(DependencyProvider):
    """The gateway's secrets, checked when it starts (``kernel.config.check_secrets``).

    With ``WUYE_ENV=production`` a missing or weak ``WUYE_SECRET`` or
    ``GATEWAY_TOKEN_SECRET`` stops the start with the reasons; elsewhere the gateway
    starts, logs them, and ``/health/live`` (the readiness probe) answers 503 with them.
    """

    def setup(self):
        self.problems = check_secrets(self.container.config, gateway=True)
        if self.problems and is_production(self.container.config):
            raise WeakSecret("the gateway refuses to start: " + "; ".join(self.problems))
        for problem in self.problems:
            log.error("gateway not ready: %s", problem)

    def get_dependency(self, worker_ctx) -> list[str]:
        return list(self.problems)


class PlatformRoutes(RouteModule):
    secret_problems = GatewaySecrets()

    @route("GET", "/health", summary="Liveness of the broker and every service", tags=("platform",),
           auth=False, response=s.HealthOut)
    def health(self, request):
        started = time.monotonic()
        pile = eventlet.GreenPile()
        for service in SERVICES:
            pile.spawn(self._ping, service)
        services = dict(pile)
        broker = self._ping_broker()
        ok = broker["status"] == "ok" and all(v["status"] == "ok" for v in services.values())
        body = {"status": "ok" if ok else "degraded", "broker": broker, "services": services,
                "checked_in_ms": round((time.monotonic() - started) * 1000)}
        return json_response(s.HealthOut().dump(body), 200 if ok else 503)

    def _ping(self, service):
        started = time.monotonic()
        try:
            self.health_rpc.call(None, service, "health")
            return service, {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000)}
        except Exception as exc:
            return service, {"status": "down", "error": type(exc).__name__}

    def _ping_broker(self):
        try:
            with Connection(self.config["AMQP_URI"], connect_timeout=3, ssl=amqp_ssl(self.config)) as conn:
                conn.ensure_connection(max_retries=1)
            return {"status": "ok"}
        except Exception as exc:
            return {"status": "down", "error": type(exc).__name__}

    @route("GET", "/", summary="Where to start: the API's entry points", tags=("platform",), auth=False)
    def index(self, request):
        base = self._public_url
        return {
            "name": "Wuye (物业) API", "version": "v1",
            "links": {
                "openapi": f"{base}{V1}/openapi.json",
                "health": f"{base}/health",
                "login": {"method": "POST", "href": f"{base}{V1}/auth/token",
                          "body": {"username": "...", "password": "..."}},
                "me": f"{base}{V1}/me",
                "projects": f"{base}{V1}/projects",
                "report_a_repair": {"method": "POST", "href": f"{base}{V1}/repairs"},
            },
            "auth": "send 'Authorization: Bearer <access_token>' from the login call",
        }

    @route("GET", "/health/live", summary="The gateway process answers and has its secrets "
           "(503 with the reasons when not: the readiness probe)", tags=("platform",), auth=False)
    def live(self, request):
        if self.secret_problems:
            return json_response({"status": "not_ready", "problems": self.secret_problems}, 503)
        return {"status": "ok"}

    @route("GET", f"{V1}/openapi.json", summary="This API's OpenAPI 3.1 document", tags=("platform",),
           auth=False)
    def openapi(self, request):
        return json_response(build_document(self._public_url))

    @property
    def _public_url(self) -> str:
        """``GATEWAY_PUBLIC_URL``: links are never built from the request's Host header."""
        return (self.config.get("GATEWAY_PUBLIC_URL") or DEFAULT_PUBLIC_URL).rstrip("/")
