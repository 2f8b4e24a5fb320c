"""The gateway service: nameko wiring of the public HTTP API (``/api/v1``).

Each handler authenticates, calls the services as the caller (signed context
data) through a pool of RPC proxies, and returns data the route's schema
dumps. Errors of any kind are mapped by ``errors.classify``.
"""
from __future__ import annotations

import time
from datetime import timedelta

import eventlet
from eventlet import tpool
from kombu import Connection
from nameko.dependency_providers import Config

from kernel.config import secret_from
from kernel.db import ClockProvider, Database
from kernel.rpc import RpcPoolProvider
from kernel.tenancy import context_for

from . import accounts, schemas as s
from .composition import unit_overview
from .errors import json_response
from .models import Base
from .openapi import build_document
from .routing import Created, route

SERVICES = ("archive", "tickets", "billing", "notify")
V1 = "/api/v1"


def _me(user) -> dict:
    caller = accounts.caller_for(user)
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "kind": user.kind, "group_id": user.group_id, "roles": sorted(user.role_set),
            "all_projects": user.all_projects, "project_ids": sorted(caller.project_ids),
            "unit_ids": sorted(caller.unit_ids)}


class GatewayService:
    name = "gateway"

    db = Database(Base, relay=False)
    clock = ClockProvider()
    rpc = RpcPoolProvider("RPC", size=16, timeout=10)
    health_rpc = RpcPoolProvider("HEALTH_RPC", size=4, timeout=3)
    config = Config()

    # -- helpers --------------------------------------------------------------
    @property
    def _secret(self) -> str:
        return secret_from(self.config)

    def _as(self, user):
        """A function making RPC calls as the authenticated user (``user`` comes from the route)."""
        context = context_for(accounts.caller_for(user), self._secret)
        return lambda service, method, *args, **kwargs: self.rpc.call(context, service, method,
                                                                      *args, **kwargs)

    # -- platform -------------------------------------------------------------
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
            self.health_rpc.call({}, service, "health")
            return service, {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000)}
        except Exception as exc:
            return service, {"status": "down", "error": type(exc).__name__}

    def _ping_broker(self):
        try:
            with Connection(self.config["AMQP_URI"], connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1)
            return {"status": "ok"}
        except Exception as exc:
            return {"status": "down", "error": type(exc).__name__}

    @route("GET", "/", summary="Where to start: the API's entry points", tags=("platform",), auth=False)
    def index(self, request):
        base = request.host_url.rstrip("/")
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

    @route("GET", "/health/live", summary="The gateway process answers (no dependencies checked)",
           tags=("platform",), auth=False)
    def live(self, request):
        return {"status": "ok"}

    @route("GET", f"{V1}/openapi.json", summary="This API's OpenAPI 3.1 document", tags=("platform",),
           auth=False)
    def openapi(self, request):
        return json_response(build_document(request.host_url.rstrip("/")))

    # -- auth -----------------------------------------------------------------
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
                "user": _me(user)}

    @route("GET", f"{V1}/me", summary="Who am I: roles and scopes", tags=("auth",), response=s.MeOut)
    def me(self, request, user):
        return _me(user)

    # -- registry -------------------------------------------------------------
    @route("GET", f"{V1}/projects", summary="Projects the caller may see", tags=("registry",),
           response=s.ProjectOut, many=True)
    def projects(self, request, user):
        return self._as(user)("archive", "list_projects")

    @route("GET", f"{V1}/projects/{{project_id}}/units", summary="Units of a project (staff)",
           tags=("registry",), response=s.UnitOut, many=True, errors=(404,))
    def project_units(self, request, user, project_id):
        return self._as(user)("archive", "list_units", project_id)

    @route("GET", f"{V1}/units/{{unit_id}}", summary="One unit", tags=("registry",), response=s.UnitOut,
           errors=(404,))
    def unit(self, request, user, unit_id):
        return self._as(user)("archive", "get_unit", unit_id)

    @route("GET", f"{V1}/units/{{unit_id}}/overview", tags=("registry",), response=s.OverviewOut,
           errors=(404,), summary="Household, open tickets, balance and latest notifications of a unit")
    def unit_overview(self, request, user, unit_id):
        return unit_overview(self._as(user), unit_id)

    @route("GET", f"{V1}/households/{{household_id}}/file", tags=("archive",), query=s.FileQuery,
           response=s.HouseholdFileOut, errors=(404,),
           summary="Read a household file (一户一档); customer service only, every read is logged")
    def household_file(self, request, user, household_id, query):
        return self._as(user)("archive", "read_household_file", household_id, query["purpose"])

    @route("GET", f"{V1}/households/{{household_id}}/file/access-log", tags=("archive",),
           response=s.AccessLogOut, many=True, errors=(404,),
           summary="Who read this household file, when and why (业户档案查阅记录)")
    def household_file_log(self, request, user, household_id):
        return self._as(user)("archive", "file_access_log", household_id)

    # -- registry administration ----------------------------------------------
    @route("POST", f"{V1}/projects", summary="Register a project of the caller's group (group admin)",
           tags=("registry",), body=s.ProjectIn, response=s.ProjectOut, status=201, errors=(409,))
    def register_project(self, request, user, body):
        call = self._as(user)
        result = call("archive", "register_project", dict(s.ProjectIn().dump(body), group_id=user.group_id))
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/projects/{{project_id}}/buildings", summary="Register a building (楼栋)",
           tags=("registry",), body=s.BuildingIn, response=s.BuildingOut, status=201, errors=(404,))
    def register_building(self, request, user, project_id, body):
        result = self._as(user)("archive", "register_building",
                                   dict(s.BuildingIn().dump(body), project_id=project_id))
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/buildings/{{building_id}}/units", summary="Register a unit (房屋) with its area",
           tags=("registry",), body=s.UnitIn, response=s.UnitOut, status=201, errors=(404,))
    def register_unit(self, request, user, building_id, body):
        result = self._as(user)("archive", "register_unit",
                                   dict(s.UnitIn().dump(body), building_id=building_id))
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/units/{{unit_id}}/move-in", summary="Move a household in (入伙)",
           tags=("registry",), body=s.MoveInIn, response=s.HouseholdOut, status=201, errors=(404, 409))
    def move_in(self, request, user, unit_id, body):
        result = self._as(user)("archive", "move_in", dict(s.MoveInIn().dump(body), unit_id=unit_id))
        return Created(result, result.pop("created", True))

    @route("POST", f"{V1}/units/{{unit_id}}/account/opening-balance", tags=("billing",),
           summary="Record the balance carried over into the unit's fee account (finance)",
           body=s.OpeningBalanceIn, response=s.AccountOut, status=201, errors=(404, 409, 422))
    def opening_balance(self, request, user, unit_id, body):
        data = s.OpeningBalanceIn().dump(body)
        return self._as(user)("billing", "record_opening_balance", unit_id, data["amount"],
                                 data["as_of"], data["note"])

    @route("GET", f"{V1}/projects/{{project_id}}/sla-settings", tags=("tickets",),
           summary="The project's SLA figures in minutes", response=s.SlaSettingsOut, errors=(404,))
    def sla_settings(self, request, user, project_id):
        return self._as(user)("tickets", "get_sla_settings", project_id)

    @route("PUT", f"{V1}/projects/{{project_id}}/sla-settings", tags=("tickets",),
           summary="Change one SLA figure of the project (centre manager)", body=s.SlaSettingIn,
           response=s.SlaSettingsOut, errors=(404,))
    def set_sla_setting(self, request, user, project_id, body):
        return self._as(user)("tickets", "set_sla_setting", dict(body, project_id=project_id))

    # -- tickets --------------------------------------------------------------
    @route("POST", f"{V1}/repairs", summary="Report a repair (报修)", tags=("tickets",),
           body=s.RepairRequestIn, response=s.TicketOut, status=201, errors=(404, 422), idempotent=True)
    def open_repair(self, request, user, body, request_id):
        return self._as(user)("tickets", "open_repair",
                                 dict(s.RepairRequestIn().dump(body), request_id=request_id))

    @route("GET", f"{V1}/tickets", summary="Tickets in the caller's scope", tags=("tickets",),
           query=s.TicketQuery, response=s.TicketListOut, errors=(404,))
    def tickets(self, request, user, query):
        return self._as(user)("tickets", "list_tickets", s.TicketQuery().dump(query))

    @route("GET", f"{V1}/tickets/{{ticket_id}}", summary="One ticket with its SLA clocks and history",
           tags=("tickets",), response=s.TicketOut, errors=(404,))
    def ticket(self, request, user, ticket_id):
        return self._as(user)("tickets", "get_ticket", ticket_id)

    # -- billing --------------------------------------------------------------
    @route("GET", f"{V1}/units/{{unit_id}}/account", summary="The unit's fee account and balance",
           tags=("billing",), response=s.AccountOut, errors=(404,))
    def account(self, request, user, unit_id):
        return self._as(user)("billing", "get_account", unit_id)

    # -- notify ---------------------------------------------------------------
    @route("GET", f"{V1}/units/{{unit_id}}/notifications", summary="The unit's latest notifications",
           tags=("notify",), query=s.LimitQuery, response=s.NotificationOut, many=True, errors=(404,))
    def unit_notifications(self, request, user, unit_id, query):
        return self._as(user)("notify", "latest_for_unit", unit_id, query["limit"])

    @route("GET", f"{V1}/staff/inbox", summary="Notifications addressed to the caller's roles",
           tags=("notify",), query=s.InboxQuery, response=s.NotificationOut, many=True)
    def staff_inbox(self, request, user, query):
        return self._as(user)("notify", "staff_inbox", query["project_id"], query["unread_only"],
                                 query["limit"])

    @route("POST", f"{V1}/notifications/{{notification_id}}/read", summary="Mark a notification read",
           tags=("notify",), response=s.NotificationOut, errors=(404,))
    def mark_read(self, request, user, notification_id):
        return self._as(user)("notify", "mark_read", notification_id)
