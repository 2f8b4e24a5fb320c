"""The suite in parallel shards: ``./wuye test`` with no arguments runs it here.

Most of the suite waits -- on the broker, on PostgreSQL, on containers starting and stopping -- so
one pytest process leaves the machine's cores idle. ``python -m kernel.testshard [pytest args]``
starts ``WUYE_TEST_SHARDS`` (default 2) pytest processes, each with ``--shard=i/n``, and waits for
all of them: each writes its log to ``var/log/test-shard-<i>.log``; the runner prints each shard's
progress every half minute, its summary line at the end, and the failures of a shard that failed
(the log's ``FAILURES``/``ERRORS`` part and the short summary). The exit status is non-zero if any
shard failed. ``WUYE_TEST_SHARDS=1`` runs one process (the same as plain pytest).

**What goes where.** A shard holds whole test files (a module's fixtures stay in one process),
dealt out longest first to the shard with the least time so far, by each file's seconds in
``tests/durations.json`` (a file not in it counts :data:`UNKNOWN_FILE_SECONDS`). The same files and
weights always give the same shards. ``WUYE_STORE_DURATIONS=1 ./wuye test`` writes that file anew
from the run (commit it when files were added or got slower).

Every test is isolated already -- a fresh vhost, database or temporary directory of its own, free
ports, unique broker users -- so two shards do not meet.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DURATIONS = ROOT / "tests" / "durations.json"
UNKNOWN_FILE_SECONDS = 5.0
PROGRESS_EVERY = 30.0


# -- the plugin (loaded through kernel.testing) ----------------------------------------------------

def pytest_addoption(parser):
    parser.addoption("--shard", default=None, metavar="I/N",
                     help="run only the I-th of N shards of the test files (kernel.testshard)")


def _parse(spec: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)/(\d+)", spec or "")
    if not m or not 1 <= int(m.group(1)) <= int(m.group(2)):
        raise pytest.UsageError(f"--shard takes I/N with 1 <= I <= N, not {spec!r}")
    return int(m.group(1)), int(m.group(2))


def deal(files: list[str], weights: dict[str, float], shards: int) -> dict[str, int]:
    """``{file: shard}`` (1-based): longest first, each to the shard with the least time so far."""
    totals = [0.0] * shards
    out = {}
    for f in sorted(files, key=lambda f: (-weights.get(f, UNKNOWN_FILE_SECONDS), f)):
        i = min(range(shards), key=lambda k: (totals[k], k))
        out[f] = i + 1
        totals[i] += weights.get(f, UNKNOWN_FILE_SECONDS)
    return out


def _weights() -> dict[str, float]:
    try:
        return {k: float(v) for k, v in json.loads(DURATIONS.read_text()).items()}
    except (OSError, ValueError):
        return {}


def _file_of(item) -> str:
    return item.nodeid.split("::", 1)[0]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    spec = config.getoption("--shard")
    if not spec:
        return
    index, shards = _parse(spec)
    place = deal(sorted({_file_of(i) for i in items}), _weights(), shards)
    keep, drop = [], []
    for item in items:
        (keep if place[_file_of(item)] == index else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


class _Timer:
    """Each file's seconds (setup, call, teardown) of this process, written at the end when
    ``WUYE_DURATIONS_OUT`` names a file."""

    def __init__(self, path: str):
        self.path, self.seconds = path, {}

    def pytest_runtest_logreport(self, report):
        f = report.nodeid.split("::", 1)[0]
        self.seconds[f] = self.seconds.get(f, 0.0) + report.duration

    def pytest_sessionfinish(self, session):
        Path(self.path).write_text(json.dumps(self.seconds))


def pytest_configure(config):
    out = os.environ.get("WUYE_DURATIONS_OUT")
    if out:
        config.pluginmanager.register(_Timer(out), "wuye-durations")


# -- the runner ------------------------------------------------------------------------------------

def _progress(log: Path) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "starting"
    found = re.findall(r"\[\s*(\d+)%\]", text)
    return f"{found[-1]}%" if found else "collecting"


def _summary(text: str) -> str:
    lines = [ln for ln in text.splitlines()
             if re.match(r"^=* ?(\d+ (passed|failed|errors?|deselected|skipped)|no tests ran)", ln)]
    return lines[-1].strip("= ") if lines else "(no summary: see the log)"


def _failures(text: str) -> str:
    m = re.search(r"^=+ (FAILURES|ERRORS) =+$", text, re.M)
    return text[m.start():] if m else "\n".join(text.splitlines()[-60:])


def main(argv: list[str]) -> int:
    shards = int(os.environ.get("WUYE_TEST_SHARDS", "2"))
    if shards <= 1:
        return subprocess.call([sys.executable, "-m", "pytest", *argv], cwd=ROOT)
    logs = ROOT / "var" / "log"
    logs.mkdir(parents=True, exist_ok=True)
    store = os.environ.get("WUYE_STORE_DURATIONS") == "1"
    started = time.monotonic()
    procs = []
    for i in range(1, shards + 1):
        log = logs / f"test-shard-{i}.log"
        env = dict(os.environ)
        env["WUYE_DURATIONS_OUT"] = str(logs / f"test-shard-{i}.durations.json")
        handle = open(log, "w")
        procs.append((i, log, handle, subprocess.Popen(
            [sys.executable, "-m", "pytest", f"--shard={i}/{shards}", "-q", *argv], cwd=ROOT, env=env,
            stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)))
    print(f"wuye: the suite in {shards} shards (logs: var/log/test-shard-*.log)", flush=True)

    def stop(signum, frame):
        for _, _, _, p in procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)

    last = time.monotonic()
    while any(p.poll() is None for _, _, _, p in procs):
        time.sleep(1.0)
        if time.monotonic() - last >= PROGRESS_EVERY:
            last = time.monotonic()
            print(f"  {time.monotonic() - started:4.0f} s  " + "  ".join(
                f"shard {i}: {'done' if p.poll() is not None else _progress(log)}" for i, log, _, p in procs),
                flush=True)
    failed = False
    for i, log, handle, p in procs:
        handle.close()
        text = log.read_text(errors="replace")
        print(f"shard {i}/{shards}: {_summary(text)} (exit {p.returncode})", flush=True)
        if p.returncode != 0:
            failed = True
            print(_failures(text), flush=True)
    if store and not failed:
        seconds = {}
        for i in range(1, shards + 1):
            seconds.update(json.loads((logs / f"test-shard-{i}.durations.json").read_text()))
        DURATIONS.write_text(json.dumps({k: round(v, 2) for k, v in sorted(seconds.items())}, indent=1) + "\n")
        print(f"wuye: wrote {DURATIONS.relative_to(ROOT)} ({len(seconds)} files)")
    print(f"wuye: {'FAILED' if failed else 'passed'} in {time.monotonic() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
