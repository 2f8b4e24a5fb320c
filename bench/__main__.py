"""``./wuye bench [FIGURE ...]``: run the benchmarks and print each against its baseline.

    ./wuye bench                 every figure; writes bench/RESULTS.md (date, machine, figures)
    ./wuye bench overview        one figure (overview ticket gateways repairs pipeline replicas green_db outbox
                                 sla_sweep bill_run dunning_sweep broadcast)
    ./wuye bench pipeline --pipeline-seconds 20 --repeats 1     a quicker pipeline run

The platform runs as ``./wuye up`` runs it, on the bench's own port (8140; the naive
gateway 8149; WUYE_BENCH_PORT moves both), broker vhost (wuye-bench-<figure>-<port>) and a
throw-away data directory. Ctrl-C stops everything the bench started.
"""
from __future__ import annotations

import argparse
import os
import platform as py_platform
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ORDER = ("green_db", "outbox", "sla_sweep", "bill_run", "dunning_sweep", "broadcast", "overview", "ticket", "gateways", "repairs", "pipeline", "replicas")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="wuye bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("figures", nargs="*", metavar="FIGURE",
                   help=f"one or more of: {', '.join(ORDER)} (none: all, and bench/RESULTS.md is written)")
    p.add_argument("--repeats", type=int, default=3, help="repeats of each measurement (default 3)")
    p.add_argument("--duration", type=float, default=10, help="seconds of load per wrk run (default 10)")
    p.add_argument("--clients", type=int, default=8, help="wrk connections of the GET figures (default 8)")
    p.add_argument("--post-clients", type=int, default=16, help="wrk connections of POST /repairs (default 16)")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads of the GET figures (default 1)")
    p.add_argument("--pipeline-seconds", type=float, default=60,
                   help="seconds of offered load per pipeline run (default 60)")
    p.add_argument("--events-per-second", type=float, default=200,
                   help="events per second the pipeline figure offers (default 200)")
    p.add_argument("--pipeline-clients", type=int, default=32,
                   help="wrk connections carrying the pipeline's fixed rate (default 32)")
    p.add_argument("--drain-timeout", type=float, default=180,
                   help="seconds to wait for every flow to complete after a run (default 180)")
    p.add_argument("--sla-deadlines", type=int, default=100_000,
                   help="open deadlines the sla_sweep figure fills the database with (default 100000)")
    p.add_argument("--sla-due", type=int, default=300,
                   help="of which due now (default 300)")
    p.add_argument("--bill-units", type=int, default=100_000,
                   help="units per project the bill_run figure bills (default 100000)")
    p.add_argument("--bill-sample", type=int, default=3_000,
                   help="accounts the bill_run baseline bills row by row (default 3000)")
    p.add_argument("--bill-chunk", type=int, default=None,
                   help="accounts per chunk of the set-based bill run (default billing's, 1000)")
    p.add_argument("--dunning-accounts", type=int, default=100_000,
                   help="fee accounts the dunning_sweep figure sweeps, 10 %% in arrears (default 100000)")
    p.add_argument("--broadcast-households", type=int, default=10_000,
                   help="households the broadcast figure sends an outage notice to, in-app + SMS (default 10000)")
    p.add_argument("--results", type=Path, default=None,
                   help="write the results file there (default bench/RESULTS.md when all figures run)")
    p.add_argument("--verbose", action="store_true", help="service logs to the console")
    return p


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=RESULTS.parent).stdout.strip()
    except OSError:
        commit = ""
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": py_platform.release(),
            "python": py_platform.python_version(), "commit": commit}


def write_results(path: Path, results: list[dict], opts, started: datetime, seconds: float,
                  load_before: tuple) -> None:
    m = machine()
    load_after = os.getloadavg()
    lines = ["# Benchmark results", "",
             f"Written by `./wuye bench` on {started.strftime('%Y-%m-%d %H:%M UTC')} "
             f"({seconds / 60:.0f} min), commit {m['commit'] or '?'}.", "",
             f"Machine: {m['nproc']} CPUs ({m['cpu']}), Linux {m['kernel']}, Python {m['python']}; "
             f"every service, the broker, PostgreSQL and wrk on this one machine; load average "
             f"{load_before[0]:.1f} before the run, {load_after[0]:.1f} after (anything else running "
             f"takes CPU from the figures).", "",
             f"Settings: {opts.repeats} repeats, {opts.duration:g} s per wrk run, {opts.clients} clients (GET), "
             f"{opts.post_clients} clients (POST), pipeline {opts.pipeline_seconds:g} s at "
             f"{opts.events_per_second:g} events/s. Figures are medians of the repeats unless marked min.", "",
             "| figure | result |", "|---|---|"]
    lines += [f"| {r['name']} | {r['summary']} |" for r in results]
    lines.append("")
    for r in results:
        lines += [f"## {r['name']}: {r['title']}", "", "```", *r["lines"], "```", ""]
    path.write_text("\n".join(lines))


def main(argv=None) -> int:
    cli = parser()
    opts = cli.parse_args(argv)
    unknown = [name for name in opts.figures if name not in ORDER]
    if unknown:
        cli.error(f"unknown figure {', '.join(unknown)}; one of {', '.join(ORDER)}")
    from . import wrk

    try:
        wrk.wrk_binary()
    except wrk.WrkMissing as exc:
        print(f"wuye bench: {exc}", file=sys.stderr)
        return 2

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_term)

    from .figures import FIGURES

    names = opts.figures or list(ORDER)
    write_to = opts.results or (RESULTS if not opts.figures else None)
    started, t0, load_before = datetime.now(timezone.utc), time.monotonic(), os.getloadavg()
    results, failed = [], []
    try:
        for name in names:
            try:
                result = FIGURES[name](opts)
            except KeyboardInterrupt:
                raise
            except Exception as exc:        # one figure failing does not lose the others
                import traceback

                traceback.print_exc()
                failed.append(name)
                result = {"name": name, "title": "FAILED", "lines": [f"{type(exc).__name__}: {exc}"],
                          "summary": f"FAILED: {type(exc).__name__}: {str(exc)[:200]}"}
            results.append(result)
            print(f"\n== {result['name']}: {result['title']}")
            print("\n".join(result["lines"]))
            print(flush=True)
    except KeyboardInterrupt:
        print("\nwuye bench: interrupted; everything the bench started has been stopped", file=sys.stderr)
        return 130
    if results:
        print("== summary")
        for r in results:
            print(f"  {r['name']:9} {r['summary']}")
    if write_to is not None:
        write_results(write_to, results, opts, started, time.monotonic() - t0, load_before)
        print(f"\nwuye bench: wrote {write_to}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
