"""RabbitMQ users for Wuye: one per service, each limited to its own queues and exchanges.

The permissions are derived from the code -- the names nameko and the kernel give
queues and exchanges -- and from each service's event subscriptions (its
``@event_handler(source, type)`` entrypoints):

==========================================  ======================================
name                                         what
==========================================  ======================================
``nameko-rpc``                               the shared RPC exchange (topic)
``rpc-{service}``                            a service's RPC request queue
``rpc.reply-standalone_rpc_proxy-{uuid}``    a caller's reply queue (gateway, tools)
``{service}.events``                         a service's event exchange (topic)
``evt-{source}-{type}--{service}.{method}``  one handler's queue, bound to ``{source}.events``
``...--retry-{ms}``                          its retry queues (TTL, dead-letter back)
``wuye.dlq.{service}``                       a service's dead letters
``amq.default``                              the default exchange (retries, dead letters)
==========================================  ======================================

A service may configure (declare) and write (publish, bind) only its own queues,
its own exchange and the shared RPC exchange, and read (consume, bind from) only
its own queues, the RPC exchange and the exchanges of the services it listens
to. The gateway is an RPC client and, for its read model, a subscriber (no exchange of its own). No user is the broker's administrator;
one admin account (only for this tool) creates them.

    python -m deploy.broker show                   # the permission table
    python -m deploy.broker apply --api http://rabbitmq:15672 --vhost wuye
        # admin credentials from RABBITMQ_ADMIN_USER / RABBITMQ_ADMIN_PASSWORD,
        # each service's password from {SERVICE}_AMQP_PASSWORD (e.g. TICKETS_AMQP_PASSWORD)
    python -m deploy.broker definitions --vhost wuye > definitions.json
        # the same as a RabbitMQ definitions file (password hashes, no plain text)

Limits (AMQP 0-9-1 and nameko): nameko declares (not passively) the exchange of
every service a handler listens to, which needs ``configure`` on it -- so a
subscriber could delete the exchange of a service it listens to (not of any
other). Publishing through the default exchange is one permission
(``write`` on ``amq.default``) whatever queue the routing key names, so a service
could put a message on another's queue that way; it still cannot consume, declare
or delete another's queues, and what it could put there is refused by the receiver
(events and caller contexts are signed).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import json
import os
import sys
from urllib.parse import quote

RPC_EXCHANGE = "nameko-rpc"
CLIENT_REPLY_QUEUES = r"rpc\.reply-standalone_rpc_proxy-[0-9a-f-]+"
#: the processes that get a broker user; each service's class, for its subscriptions
SERVICES = {
    "archive": "services.archive.service:ArchiveService",
    "tickets": "services.tickets.service:TicketsService",
    "billing": "services.billing.service:BillingService",
    "notify": "services.notify.service:NotifyService",
}
GATEWAY = "gateway"
GATEWAY_CLASS = "gateway.service:GatewayService"
USERS = (*SERVICES, GATEWAY)


def subscriptions(service_cls) -> set[tuple[str, str, str]]:
    """(source service, event type, handler method) of every event handler of a service."""
    from nameko.events import EventHandler
    from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

    found = set()
    for name in dir(service_cls):
        for entrypoint in getattr(getattr(service_cls, name), ENTRYPOINT_EXTENSIONS_ATTR, ()) or ():
            if isinstance(entrypoint, EventHandler):
                found.add((entrypoint.source_service, entrypoint.event_type, name))
    return found


def sources_of(service: str) -> list[str]:
    module, _, cls = (GATEWAY_CLASS if service == GATEWAY else SERVICES[service]).partition(":")
    service_cls = getattr(importlib.import_module(module), cls)
    return sorted({source for source, _, _ in subscriptions(service_cls)} - {service})


def _esc(name: str) -> str:
    return name.replace(".", r"\.")


def _alternatives(*names: str) -> str:
    return "^(" + "|".join(names) + ")$"


def permissions(user: str, sources: list[str] | None = None) -> dict[str, str]:
    """``{"configure", "write", "read"}`` regexes for ``user`` (a service or the gateway)."""
    rpc = _esc(RPC_EXCHANGE)
    s = _esc(user)
    if sources is None:
        sources = sources_of(user)
    handler_queues = [rf"evt-[a-z0-9_]+-[A-Za-z0-9_.]+--{s}\.[a-z0-9_]+(--retry-[0-9]+)?",
                      rf"wuye\.dlq\.{s}"]
    listened = [rf"{_esc(source)}\.events" for source in sources]
    if user == GATEWAY:
        # an RPC client (its reply queues, bound to and fed through the RPC exchange) and the
        # read model's event handlers (their queues, the exchanges they listen to); it
        # publishes no events
        return {"configure": _alternatives(rpc, CLIENT_REPLY_QUEUES, *handler_queues, *listened),
                "write": _alternatives(rpc, CLIENT_REPLY_QUEUES, *handler_queues, "amq\\.default"),
                "read": _alternatives(rpc, CLIENT_REPLY_QUEUES, *handler_queues, *listened)}
    own_queues = [f"rpc-{s}", *handler_queues]
    own_exchange = rf"{s}\.events"
    return {
        # declare: its queues, its exchange, the RPC exchange and (declared again by
        # nameko when binding, same arguments) the exchanges it listens to
        "configure": _alternatives(*own_queues, own_exchange, rpc, *listened),
        # publish to its exchange, the RPC exchange (replies), the default exchange
        # (retries, dead letters); bind its queues
        "write": _alternatives(*own_queues, own_exchange, rpc, "amq\\.default"),
        # consume its queues; bind from the RPC exchange and the exchanges it listens to
        "read": _alternatives(*own_queues, rpc, *listened),
    }


def all_permissions() -> dict[str, dict[str, str]]:
    return {user: permissions(user) for user in USERS}


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else os.urandom(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def user_name(user: str, prefix: str = "wuye-") -> str:
    return f"{prefix}{user}"


def definitions(vhost: str, passwords: dict[str, str], prefix: str = "wuye-") -> dict:
    """A RabbitMQ definitions document: the vhost, one user per process, their permissions."""
    table = all_permissions()
    return {
        "vhosts": [{"name": vhost}],
        "users": [{"name": user_name(u, prefix), "password_hash": password_hash(passwords[u]),
                   "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""} for u in USERS],
        "permissions": [{"user": user_name(u, prefix), "vhost": vhost, **table[u]} for u in USERS],
    }


def apply(api: str, admin: tuple[str, str], vhost: str, passwords: dict[str, str],
          prefix: str = "wuye-", users=USERS) -> dict[str, dict[str, str]]:
    """Create (or update) the vhost, the users and their permissions through the
    management API. Idempotent. Returns the permissions set."""
    import requests

    api = api.rstrip("/")
    session = requests.Session()
    session.auth = admin
    v = quote(vhost, safe="")

    def put(path, body):
        response = session.put(f"{api}/api/{path}", json=body, timeout=10)
        if response.status_code not in (200, 201, 204):
            raise RuntimeError(f"PUT /api/{path}: {response.status_code} {response.text}")

    put(f"vhosts/{v}", {})
    applied = {}
    for user in users:
        name = quote(user_name(user, prefix), safe="")
        put(f"users/{name}", {"password": passwords[user], "tags": ""})
        applied[user] = permissions(user)
        put(f"permissions/{v}/{name}", applied[user])
    return applied


def passwords_from_env(users=USERS) -> dict[str, str]:
    missing = [f"{u.upper()}_AMQP_PASSWORD" for u in users if not os.environ.get(f"{u.upper()}_AMQP_PASSWORD")]
    if missing:
        raise SystemExit(f"deploy.broker: set {', '.join(missing)}")
    return {u: os.environ[f"{u.upper()}_AMQP_PASSWORD"] for u in users}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.broker", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("show", help="print each user's configure/write/read regexes")
    for name in ("apply", "definitions"):
        p = sub.add_parser(name)
        p.add_argument("--vhost", default=os.environ.get("RABBITMQ_VHOST", "wuye"))
        p.add_argument("--prefix", default="wuye-", help="user names are PREFIX + process (default wuye-)")
        if name == "apply":
            p.add_argument("--api", default=os.environ.get("RABBITMQ_API", "http://127.0.0.1:15672"))
            p.add_argument("--wait", type=float, default=0,
                           help="seconds to keep trying while the management API is not up yet")
    args = parser.parse_args(argv)
    if args.command == "show":
        json.dump(all_permissions(), sys.stdout, indent=2)
        print()
    elif args.command == "definitions":
        json.dump(definitions(args.vhost, passwords_from_env(), args.prefix), sys.stdout, indent=2)
        print()
    else:
        admin = (os.environ.get("RABBITMQ_ADMIN_USER", ""), os.environ.get("RABBITMQ_ADMIN_PASSWORD", ""))
        if not all(admin):
            raise SystemExit("deploy.broker: set RABBITMQ_ADMIN_USER and RABBITMQ_ADMIN_PASSWORD")
        import time

        import requests

        deadline = time.monotonic() + args.wait
        while True:
            try:
                apply(args.api, admin, args.vhost, passwords_from_env(), args.prefix)
                break
            except (requests.ConnectionError, requests.Timeout) as exc:
                if time.monotonic() > deadline:
                    raise SystemExit(f"deploy.broker: {args.api} does not answer: {exc}") from None
                time.sleep(2)
        print(f"deploy.broker: vhost {args.vhost}: users {', '.join(user_name(u, args.prefix) for u in USERS)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
