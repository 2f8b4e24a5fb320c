"""The baseline of the GET figures: a naive gateway.

A minimal HTTP server (eventlet's WSGI server) answering two routes of the real
gateway -- ``GET /api/v1/units/{id}/overview`` and ``GET /api/v1/tickets/{id}`` --
the way a first nameko gateway is often written: every HTTP request opens its own
nameko ``ClusterRpcProxy`` (a broker connection and a reply queue), makes the same
RPCs as the real gateway, one after the other, as the same caller signed for each
service and method (``kernel.tenancy.context_for``), dumps the result through the
same response schema, and closes the proxy.

It is a strict baseline: the caller behind a bearer token is looked up once per
token (in the gateway's database, with the gateway's own token check) and then
cached, so per request it pays only for the proxy, the RPCs and the JSON.

    python -m bench.naive_gateway --port 8149
    (AMQP_URI, WUYE_SECRET, GATEWAY_TOKEN_SECRET and GATEWAY_DB_URL from the environment)
"""
from __future__ import annotations

import json
import re
import warnings

warnings.filterwarnings("ignore", message="(?s).*Eventlet is deprecated")

ROUTES = (
    ("overview", re.compile(r"^/api/v1/units/(?P<id>[^/]+)/overview$")),
    ("ticket", re.compile(r"^/api/v1/tickets/(?P<id>[^/]+)$")),
)


def _json(start_response, status: int, payload) -> list[bytes]:
    from gateway.errors import SECURITY_HEADERS

    body = json.dumps(payload, ensure_ascii=False).encode()
    reasons = {200: "OK", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}
    start_response(f"{status} {reasons.get(status, 'Error')}",
                   [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                    *SECURITY_HEADERS.items()])
    return [body]


def make_app(config: dict):
    """The WSGI app. ``config``: AMQP_URI, WUYE_SECRET, GATEWAY_TOKEN_SECRET, DB_URL (the
    gateway's database, for the token -> user lookup)."""
    from nameko.standalone.rpc import ClusterRpcProxy
    from sqlalchemy.orm import Session

    from gateway import accounts
    from gateway import schemas as s
    from gateway.errors import classify, error_body
    from kernel.clock import SystemClock
    from kernel.config import amqp_ssl, secret_from
    from kernel.db import make_engine
    from kernel.tenancy import context_for

    engine = make_engine(config["DB_URL"])
    secret = secret_from(config)
    token_secret = accounts.token_secret(config)
    rpc_config = {"AMQP_URI": config["AMQP_URI"], "AMQP_SSL": amqp_ssl(config)}
    clock = SystemClock()
    callers: dict[str, object] = {}

    def caller_of(request_env):
        token = accounts.bearer_token(request_env.get("HTTP_AUTHORIZATION", ""))
        if token not in callers:
            with Session(engine) as session:
                user = accounts.user_from_token(session, token, token_secret, clock.now())
                callers[token] = accounts.caller_for(user)
        return callers[token]

    def answer(route: str, caller, object_id: str):
        standalone = ClusterRpcProxy(rpc_config, context_data={}, timeout=10)
        cluster = standalone.start()
        try:
            def call(service, method, *args):
                data = standalone._worker_ctx.data
                data.clear()
                data.update(context_for(caller, secret, service, method))
                return getattr(getattr(cluster, service), method)(*args)

            if route == "ticket":
                return s.TicketOut().dump(call("tickets", "get_ticket", object_id))
            return s.OverviewOut().dump(overview(call, object_id))
        finally:
            standalone.stop()

    def app(request_env, start_response):
        try:
            if request_env["REQUEST_METHOD"] != "GET":
                return _json(start_response, 405, error_body("method_not_allowed", "only GET"))
            path = request_env.get("PATH_INFO", "")
            for route, pattern in ROUTES:
                match = pattern.match(path)
                if match:
                    return _json(start_response, 200, answer(route, caller_of(request_env), match["id"]))
            return _json(start_response, 404, error_body("route_not_found", f"no route {path}"))
        except Exception as exc:          # the same error bodies as the real gateway
            err = classify(exc)
            return _json(start_response, err.status, error_body(err.code, err.message, err.details))

    return app


def overview(call, unit_id: str, notifications: int = 5) -> dict:
    """The real gateway's composed overview (``gateway/composition.py`` as of issue 6, kept
    here so the baseline does not change with it), its five RPCs made one after another."""
    from nameko.exceptions import RemoteError

    from kernel.errors import parse_remote_error

    parts = {
        "unit": ("archive", "get_unit", unit_id),
        "household": ("archive", "get_household_for_unit", unit_id),
        "open_tickets": ("tickets", "list_open_for_unit", unit_id),
        "account": ("billing", "get_account", unit_id),
        "notifications": ("notify", "latest_for_unit", unit_id, notifications),
    }
    unit = call(*parts.pop("unit"))
    result, degraded = {}, []
    for name, (service, method, *args) in parts.items():
        try:
            result[name] = call(service, method, *args)
        except RemoteError as exc:
            result[name] = None
            if parse_remote_error(exc.exc_type, exc.value)[0] != "NotFound":
                degraded.append(service)
        except Exception:
            result[name] = None
            degraded.append(service)
    household, account = result.get("household"), result.get("account")
    if household and account and account.get("household_id") in (None, household.get("id")):
        household["balance_due"] = account.get("balance_due")
    return {"unit": unit, **result, "degraded": sorted(set(degraded))}


def comparable(body):
    """A response body without its ``version`` fields (read-model bookkeeping the naive
    gateway's RPC answers need not carry): what must be equal between the two gateways."""
    if isinstance(body, dict):
        return {k: comparable(v) for k, v in body.items() if k != "version"}
    if isinstance(body, list):
        return [comparable(v) for v in body]
    return body


def serve(port: int, config: dict, host: str = "127.0.0.1", ready=None) -> None:
    """Serve until killed (``ready``: a callable told the listening socket)."""
    import eventlet
    import eventlet.wsgi

    sock = eventlet.listen((host, port))
    if ready:
        ready(sock)
    eventlet.wsgi.server(sock, make_app(config), log_output=False, max_size=1000)


def main(argv=None) -> int:
    import argparse
    import os

    import eventlet
    eventlet.monkey_patch()

    from kernel.config import default_db_url

    parser = argparse.ArgumentParser(prog="python -m bench.naive_gateway")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    config = {"AMQP_URI": os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"),
              "WUYE_SECRET": os.environ.get("WUYE_SECRET"),
              "GATEWAY_TOKEN_SECRET": os.environ.get("GATEWAY_TOKEN_SECRET"),
              "DB_URL": os.environ.get("GATEWAY_DB_URL") or default_db_url("gateway")}
    serve(args.port, config, args.host, ready=lambda sock: print(f"naive gateway on {args.host}:{args.port}",
                                                                 flush=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
