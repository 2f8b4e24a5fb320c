"""``./wuye billing``: billing's operations from the command line, against a running platform.

    ./wuye billing run PROJECT 2026-12 [--chunk-size N] [--by NAME] [--no-wait]

starts the month's bill run of the project (its id: ``GET /api/v1/projects`` lists them) -- or
answers the one there is, and tries a failed one again -- then follows it with a progress bar
(accounts done of the total) until it is done, and prints the totals: bills issued, accounts
skipped (vacant, nothing to charge), the amount, the time taken. Ctrl-C stops following; the run
goes on in billing. Exit status 0 when the run is done, 1 when it failed (the error is printed;
fix the cause and run the command again), 2 when the services do not answer.

The broker is ``AMQP_URI``, else the vhost of this checkout's running ``./wuye up``; calls are
signed as the platform with ``WUYE_SECRET``, else ``var/secret`` of ``./wuye up`` (the same
discovery as ``./wuye dlq`` and ``./wuye readmodel``). The run records who started it as
``system:cli:<--by>`` (default: the login name).
"""
from __future__ import annotations

import argparse
import getpass
import sys
import time
from datetime import datetime

from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from tqdm import tqdm

from kernel.config import vhost_of
from kernel.errors import parse_remote_error
from kernel.rpc import local_pool
from kernel.tenancy import Caller


def follow(call, project: str, month: str, started: dict, *, interval: float, out=None) -> dict:
    """Poll the run until it is no longer running, a progress bar on ``out`` (stderr); the last view."""
    view = started
    with tqdm(total=view["total"], initial=view["done"], unit="account", desc=f"bill run {month}",
              file=out or sys.stderr,
              dynamic_ncols=True) as bar:
        while view["status"] == "running":
            time.sleep(interval)
            view = call("billing", "get_bill_run", project, month)
            bar.total = max(view["total"], view["done"])
            bar.update(view["done"] - bar.n)
            bar.set_postfix(billed=view["billed"], amount=view["amount"], refresh=False)
    return view


def report(view: dict) -> str:
    lines = [f"bill run {view['period']} of project {view['project_id']}: {view['status']}",
             f"  bills issued      {view['billed']}",
             f"  accounts skipped  {view['skipped']} (vacant, or nothing to charge)",
             f"  amount            {view['amount']} yuan",
             f"  chunks            {view['chunks']}",
             f"  started           {view['started_at']} by {view['started_by']}"]
    if view.get("finished_at"):
        seconds = (datetime.fromisoformat(view["finished_at"]) - datetime.fromisoformat(view["started_at"])
                   ).total_seconds()
        rate = f", {view['billed'] / seconds:.0f} bills/s" if seconds > 0 else ""
        lines.append(f"  finished          {view['finished_at']} ({seconds:.2f} s{rate})")
    if view.get("last_error"):
        lines.append(f"  last error        {view['last_error']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wuye billing", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start (or follow) a project's monthly bill run")
    run.add_argument("project", help="the project's id")
    run.add_argument("month", help="YYYY-MM")
    run.add_argument("--chunk-size", type=int, default=None, help="accounts per chunk (default 1000)")
    run.add_argument("--by", default=None, help="who starts it (default: the login name)")
    run.add_argument("--no-wait", action="store_true", help="start it and return")
    run.add_argument("--interval", type=float, default=0.5, help="seconds between progress polls")
    args = parser.parse_args(argv)

    pool = local_pool(size=1, timeout=30)
    amqp_uri = pool.config["AMQP_URI"]
    caller = Caller.system(None, f"cli:{args.by or getpass.getuser()}")

    def call(service, method, *a, **kw):
        return pool.call(caller, service, method, *a, **kw)
    try:
        try:
            view = call("billing", "start_bill_run", args.project, args.month, args.chunk_size)
        except (UnknownService, RpcTimeout, OSError) as exc:
            print(f"wuye billing: billing does not answer on broker vhost {vhost_of(amqp_uri)!r} "
                  f"({type(exc).__name__}): start the platform (./wuye up), or set AMQP_URI to the vhost "
                  "it runs on", file=sys.stderr)
            return 2
        except RemoteError as exc:
            _, code, message, _ = parse_remote_error(exc.exc_type, exc.value)
            print(f"wuye billing: {code}: {message}", file=sys.stderr)
            return 1
        if not args.no_wait:
            try:
                view = follow(call, args.project, args.month, view, interval=args.interval)
            except KeyboardInterrupt:
                print("\nwuye billing: stopped following; the run goes on in billing", file=sys.stderr)
                return 130
    finally:
        pool.close()
    print(report(view))
    return {"done": 0, "running": 0}.get(view["status"], 1)


if __name__ == "__main__":
    sys.exit(main())
