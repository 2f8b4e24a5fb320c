"""Run the whole platform on this machine: ``./wuye up``.

Migrates the five databases, starts archive, tickets, billing, notify and the
gateway as separate processes (as they run in production), waits until the
gateway's ``/health`` is green, loads the demo group (idempotent), prints the
URL and demo credentials, and stops everything cleanly on Ctrl-C.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

import requests

from deploy.migrate import migrate
from kernel.config import ROOT, var_dir

SERVICES = {
    "archive": "services.archive.service:ArchiveService",
    "tickets": "services.tickets.service:TicketsService",
    "billing": "services.billing.service:BillingService",
    "notify": "services.notify.service:NotifyService",
    "gateway": "gateway.service:GatewayService",
}


def _local_secret(variable: str, filename: str) -> str:
    """``$variable`` if set, else a random secret kept in ``var/filename`` (mode 0600),
    made on first use -- one per checkout, never a value from the repository."""
    if os.environ.get(variable):
        return os.environ[variable]
    path = var_dir() / filename
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    path.chmod(0o600)
    return path.read_text().strip()


def platform_secret() -> str:
    """The platform secret for local runs (production sets WUYE_SECRET)."""
    return _local_secret("WUYE_SECRET", "secret")


def gateway_token_secret() -> str:
    """The gateway's own token key for local runs, independent of the platform secret
    (production sets GATEWAY_TOKEN_SECRET)."""
    return _local_secret("GATEWAY_TOKEN_SECRET", "token-secret")


def wipe_local_data() -> None:
    """--fresh: forget the local databases, logs and sent SMS (not the secret)."""
    base = var_dir()
    for pattern in ("*.db", "*.db-wal", "*.db-shm", "sms.log"):
        for path in base.glob(pattern):
            path.unlink()
    shutil.rmtree(base / "log", ignore_errors=True)


class Platform:
    def __init__(self, port: int, verbose: bool):
        self.port = port
        self.verbose = verbose
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs = var_dir() / "log"
        self.logs.mkdir(exist_ok=True)

    def start(self) -> None:
        env = dict(os.environ, PYTHONUNBUFFERED="1", GATEWAY_ADDRESS=f"0.0.0.0:{self.port}",
                   WUYE_SECRET=platform_secret(), GATEWAY_TOKEN_SECRET=gateway_token_secret())
        # eventlet announces its deprecation on import, in every process; once is enough (here)
        env.setdefault("PYTHONWARNINGS", "ignore::Warning:eventlet")
        for name, target in SERVICES.items():
            out = None if self.verbose else open(self.logs / f"{name}.log", "ab")
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "kernel.serve", "--config", str(ROOT / f"deploy/config/{name}.yaml"),
                 target], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
            print(f"  started {name:8} pid {self.procs[name].pid}")

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if p.poll() is not None]

    def wait_healthy(self, timeout: float = 90) -> None:
        url = f"http://127.0.0.1:{self.port}/health"
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(f"{', '.join(self.dead())} exited during start-up")
            try:
                response = requests.get(url, timeout=5)
                last = response.json()
                if response.status_code == 200:
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the platform did not become healthy in {timeout:.0f}s: {last}")

    def stop(self) -> None:
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, p in self.procs.items():
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                print(f"  {name} did not stop in time; killed")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="wuye up", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("WUYE_PORT", 8000)))
    parser.add_argument("--fresh", action="store_true",
                        help="start from empty local databases (deletes var/*.db, logs, sms.log)")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo group")
    parser.add_argument("--verbose", action="store_true", help="service logs to the console, not var/log")
    parser.add_argument("--migrate-only", action="store_true", help="apply migrations and exit")
    args = parser.parse_args(argv)

    if args.fresh:
        wipe_local_data()
    print("Wuye: migrating databases")
    migrate()
    if args.migrate_only:
        return 0

    platform = Platform(args.port, args.verbose)
    stopping = {"now": False}

    def on_signal(signum, _frame):
        stopping["now"] = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    print("Wuye: starting services")
    platform.start()
    try:
        platform.wait_healthy()
        print("Wuye: all services healthy")
        if not args.no_demo:
            from deploy import seed

            print("Wuye: loading the demo group")
            summary = seed.load(amqp_uri=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672//"),
                                secret=platform_secret())
            print(seed.banner(summary, f"http://127.0.0.1:{args.port}"))
        else:
            print(f"\n  Gateway: http://127.0.0.1:{args.port}   (Ctrl-C stops everything)\n")
        while not stopping["now"]:
            dead = platform.dead()
            if dead:
                print(f"Wuye: {', '.join(dead)} stopped unexpectedly; last log lines:")
                for name in dead:
                    print(platform.tail(name))
                return 1
            time.sleep(0.5)
        print("\nWuye: stopping")
        return 0
    except Exception as exc:  # start-up failed: say why, with the logs that show it
        print(f"Wuye: start-up failed: {exc}")
        for name in SERVICES:
            print(f"--- {name} (var/log/{name}.log) ---\n{platform.tail(name, 15)}")
        return 1
    finally:
        platform.stop()
        print("Wuye: stopped")


if __name__ == "__main__":
    sys.exit(main())
