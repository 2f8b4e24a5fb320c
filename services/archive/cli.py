"""``./wuye archive``: archive's operations from the command line, against a running platform.

    ./wuye archive census PROJECT [--by NAME]

runs today's census sweep of the project now (its id: ``GET /api/v1/projects`` lists them) -- the
``census-sweep`` day job's work (01:30 local each day), run early: every active household whose
census falls due within ``archive.census_lead_days`` gets its open task, assigned to its unit's
steward. For an operator after loading a project's households or fixing the stewards' areas, as
billing's ``run_dunning_sweep`` after loading the demo's arrears. Running it again opens nothing (a
household with an open task gets no second one), and the day job then finds nothing left to open.
Prints the day swept, the tasks opened and the tasks open now. Exit status 0 when it ran, 1 when
archive refused (the error is printed: ``project_not_found``...), 2 when the services do not answer.

The broker is ``AMQP_URI``, else the vhost of this checkout's running ``./wuye up``; calls are
signed as the platform with ``WUYE_SECRET``, else ``var/secret`` of ``./wuye up`` (the same
discovery as ``./wuye billing`` and ``./wuye readmodel``); the caller is ``system:cli:<--by>``
(default: the login name).
"""
from __future__ import annotations

import argparse
import getpass
import sys

from nameko.exceptions import RemoteError, RpcTimeout, UnknownService

from kernel.config import vhost_of
from kernel.errors import parse_remote_error
from kernel.rpc import local_pool
from kernel.tenancy import Caller


def report(result: dict) -> str:
    return "\n".join([f"census sweep of project {result['project_id']} for {result['day']}: done",
                      f"  tasks opened   {result['opened']}",
                      f"  tasks open now {result['open']}"])


def main(argv=None, out=None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="wuye archive", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    census = sub.add_parser("census", help="run a project's census sweep (住户普查) now")
    census.add_argument("project", help="the project's id")
    census.add_argument("--by", default=None, help="who runs it (default: the login name)")
    args = parser.parse_args(argv)

    pool = local_pool(size=1, timeout=60)
    amqp_uri = pool.config["AMQP_URI"]
    caller = Caller.system(None, f"cli:{args.by or getpass.getuser()}")
    try:
        result = pool.call(caller, "archive", "run_census_sweep", args.project)
    except (UnknownService, RpcTimeout, OSError) as exc:
        print(f"wuye archive: archive does not answer on broker vhost {vhost_of(amqp_uri)!r} "
              f"({type(exc).__name__}): start the platform (./wuye up), or set AMQP_URI to the vhost "
              "it runs on", file=sys.stderr)
        return 2
    except RemoteError as exc:
        _, code, message, _ = parse_remote_error(exc.exc_type, exc.value)
        print(f"wuye archive: {code}: {message}", file=sys.stderr)
        return 1
    finally:
        pool.close()
    print(report(result), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
