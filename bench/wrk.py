"""Load through wrk (Debian package ``wrk``): run one of the Lua scripts in ``bench/``
and read its summary.

Every script ends with ``done = bench.done`` (``bench/common.lua``), which prints one line
``BENCH_RESULT {json}``: requests, duration, socket errors, latency percentiles (p50,
p90, p95, p99 -- wrk's own ``--latency`` table has no p95) and the count of each HTTP
status. :func:`parse` reads that line and, as a cross-check, wrk's ``Requests/sec:``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
INSTALL_HINT = "wrk is not installed: sudo apt-get install wrk (Debian/Ubuntu), then run the bench again"


class WrkMissing(RuntimeError):
    pass


def wrk_binary() -> str:
    path = shutil.which("wrk")
    if not path:
        raise WrkMissing(INSTALL_HINT)
    return path


@dataclass
class WrkResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    statuses: dict = field(default_factory=dict)
    socket_errors: dict = field(default_factory=dict)

    @property
    def ok(self) -> int:
        """Responses with a 2xx status."""
        return sum(n for s, n in self.statuses.items() if 200 <= int(s) < 300)

    @property
    def failed(self) -> int:
        """Non-2xx responses plus socket errors (connect, read, write, timeout)."""
        non_2xx = sum(n for s, n in self.statuses.items() if not 200 <= int(s) < 300)
        return non_2xx + sum(v for k, v in self.socket_errors.items() if k != "status")


_RESULT = re.compile(r"^BENCH_RESULT (\{.*\})\s*$", re.M)
_RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)


def parse(output: str) -> WrkResult:
    """Read the ``BENCH_RESULT`` line of a run's output (ValueError if there is none)."""
    match = _RESULT.search(output)
    if not match:
        raise ValueError("no BENCH_RESULT line in wrk's output (did the script end with "
                         "`done = bench.done`?):\n" + output[-2000:])
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    lat = data["latency_us"]
    rps_line = _RPS.search(output)
    rps = float(rps_line.group(1)) if rps_line else (data["requests"] / seconds if seconds else 0.0)
    return WrkResult(requests=data["requests"], seconds=seconds, rps=rps,
                     p50_ms=lat["p50"] / 1000, p95_ms=lat["p95"] / 1000, p99_ms=lat["p99"] / 1000,
                     mean_ms=lat["mean"] / 1000, max_ms=lat["max"] / 1000,
                     statuses={str(k): int(v) for k, v in data.get("statuses", {}).items()},
                     socket_errors=dict(data.get("errors", {})))


def run(url: str, script: str, *, connections: int, duration: float, threads: int | None = None,
        env: dict | None = None, timeout_s: float = 10.0, every=None, tick: float = 5.0) -> WrkResult:
    """``wrk -t T -c C -d D -s bench/<script> url`` with ``env`` (BENCH_TOKEN, BENCH_PATH, ...).

    The process is wrk's own; on any exception (Ctrl-C included) it is killed before
    the exception goes on. ``every()`` is called each ``tick`` seconds while wrk runs
    (the pipeline figure samples its backlog so)."""
    threads = max(1, min(threads or 2, connections))
    cmd = [wrk_binary(), "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
           "--timeout", f"{timeout_s:g}s", "-s", str(BENCH_DIR / script), url]
    full_env = dict(os.environ, BENCH_DIR=str(BENCH_DIR), BENCH_THREADS=str(threads),
                    **{k: str(v) for k, v in (env or {}).items()})
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=full_env)
    deadline = time.monotonic() + duration + timeout_s + 30
    try:
        while True:
            try:
                out, _ = proc.communicate(timeout=max(0.1, min(tick, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if time.monotonic() > deadline:
                    raise RuntimeError("wrk did not finish in time") from None
                if every is not None:
                    every()
    except BaseException:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited with {proc.returncode}:\n{out[-2000:]}")
    return parse(out)
