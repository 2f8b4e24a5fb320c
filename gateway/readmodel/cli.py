"""``wuye-readmodel`` (``./wuye readmodel``): the portal's read model in the gateway database.

    wuye-readmodel rebuild [--project P] [--fresh]

replays the owners' current snapshots (archive units and households, billing accounts,
tickets, goods releases and keys, notify's unit notifications) through the same projector as the events: run it once
after an upgrade that adds a read model, after restoring the gateway database, or whenever
the read model is in doubt. ``--fresh`` empties the tables (of the project) first. Needs the
services running (it calls their ``export_snapshots`` RPC as the platform, signed with
``WUYE_SECRET`` -- or ``var/secret`` of a local ``./wuye up``). The database is
``GATEWAY_DB_URL`` (default ``var/gateway.db``), migrated first.
"""
from __future__ import annotations

import argparse
import sys

from sqlalchemy.orm import sessionmaker

from nameko.exceptions import RpcTimeout, UnknownService

from kernel.config import default_db_url, migrations_dir, vhost_of
from kernel.db import make_engine, upgrade
from kernel.rpc import local_pool
from kernel.tenancy import Caller

from .rebuild import rebuild



def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wuye-readmodel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    again = sub.add_parser("rebuild", help="replay the owners' current snapshots")
    again.add_argument("--project", help="only this project")
    again.add_argument("--fresh", action="store_true", help="empty the read model (of the project) first")
    again.add_argument("--page", type=int, default=200, help="snapshots per call (default 200)")
    parser.add_argument("--db-url", default=None, help="default: GATEWAY_DB_URL or var/gateway.db")
    args = parser.parse_args(argv)

    url = args.db_url or default_db_url("gateway")
    upgrade(migrations_dir("gateway"), url)
    engine = make_engine(url)
    pool = local_pool(size=2, timeout=30)
    amqp_uri = pool.config["AMQP_URI"]
    platform = Caller.system(None, "readmodel")
    try:
        try:
            pool.call(None, "archive", "health")
        except (UnknownService, RpcTimeout, OSError) as exc:
            print(f"wuye-readmodel: the services do not answer on broker vhost {vhost_of(amqp_uri)!r} "
                  f"({type(exc).__name__}): start the platform (./wuye up), or set AMQP_URI to the "
                  "vhost it runs on", file=sys.stderr)
            return 2
        counts = rebuild(lambda service, method, *a: pool.call(platform, service, method, *a),
                         sessionmaker(engine, expire_on_commit=False), project_id=args.project,
                         fresh=args.fresh, page=args.page)
    finally:
        pool.close()
        engine.dispose()
    print("read model rebuilt: " + ", ".join(f"{n} {kind}s" for kind, n in counts.items()))
    if args.project and not any(counts.values()):
        print(f"wuye-readmodel: no owner knows project {args.project!r} -- --project takes the "
              "project's id (GET /api/v1/projects lists them), not its code", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
