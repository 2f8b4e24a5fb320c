"""Run the whole platform on this machine: ``./wuye up``.

Migrates the five databases, starts archive, tickets, billing, notify and the
gateway as separate processes (as they run in production), waits until the
gateway's ``/health`` is green, loads the demo group (idempotent), prints the
URL and demo credentials, and stops everything cleanly on Ctrl-C.

Once the platform is up, a service process that exits is restarted, the others
untouched, after a back-off that doubles with each consecutive crash (1, 2, 4 …
at most 30 s) and starts again from 1 s once the process has stayed up for
``STABLE_AFTER`` seconds. A service crashing in a loop keeps being retried;
only Ctrl-C / SIGTERM stops the platform. The gateway listens on 127.0.0.1
unless told otherwise (``--host`` or ``WUYE_HOST``).

The gateway runs as ``GATEWAY_PROCESSES`` processes (default: one per CPU, at most
4) listening on the same port: each socket is opened with ``SO_REUSEPORT``, so the
kernel spreads connections over them. They are named ``gateway``, ``gateway-2``
... and supervised each like a service; a dead one's connections go to the others
until it is back. They share nothing but the database (tokens, revocations).
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
from kernel.config import AMQP_URI_FILE, ROOT, var_dir, vhost_of

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


def make_private(path) -> None:
    """var/ holds databases, logs and the secret: owner only."""
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
        print(f"Wuye: made {path} private to its owner (0700)")


class RestartPolicy:
    """When to restart a service that exited: 1, 2, 4 … ``cap`` seconds after
    consecutive crashes; a process that stayed up ``stable_after`` seconds starts
    the count again."""

    def __init__(self, first: float = 1.0, cap: float = 30.0, stable_after: float = 60.0):
        self.first, self.cap, self.stable_after = first, cap, stable_after
        self.crashes: dict[str, int] = {}      # consecutive, per service
        self.total: dict[str, int] = {}

    def delay(self, name: str, uptime: float) -> float:
        """Record a crash after ``uptime`` seconds; the wait before restarting."""
        if uptime >= self.stable_after:
            self.crashes[name] = 0
        self.crashes[name] = self.crashes.get(name, 0) + 1
        self.total[name] = self.total.get(name, 0) + 1
        return min(self.cap, self.first * 2 ** (self.crashes[name] - 1))


DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672//"
MAX_DEFAULT_GATEWAY_PROCESSES = 4


def gateway_processes(env=None) -> int:
    """``GATEWAY_PROCESSES``: how many gateway processes share the port. Unset, empty or
    ``auto``: one per CPU, at most 4 (the services need the other cores' time too)."""
    raw = os.environ.get("GATEWAY_PROCESSES", "") if env is None else env.get("GATEWAY_PROCESSES", "")
    value = str(raw or "").strip()
    if value.lower() in ("", "auto"):
        return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_GATEWAY_PROCESSES))
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise SystemExit(f"Wuye: GATEWAY_PROCESSES must be a whole number >= 1 or 'auto', not {value!r}")
    return count


def process_names(gateways: int) -> list[str]:
    """The processes the runner starts: each service, then ``gateway``, ``gateway-2`` ..."""
    return [name for name in SERVICES if name != "gateway"] + \
        ["gateway"] + [f"gateway-{i}" for i in range(2, gateways + 1)]


def service_of(name: str) -> str:
    """``gateway-2`` -> ``gateway``: the service a process runs."""
    return name.split("-", 1)[0]


def ensure_vhost(amqp_uri: str, api: str | None = None) -> bool:
    """Create the URI's vhost through the management API if it is missing (a second
    local copy gets its own with one variable); True if it had to be created."""
    from urllib.parse import quote, unquote, urlsplit

    parts = urlsplit(amqp_uri)
    vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
    user, password = unquote(parts.username or "guest"), unquote(parts.password or "guest")
    api = (api or os.environ.get("RABBITMQ_API", f"http://{parts.hostname or '127.0.0.1'}:15672")).rstrip("/")
    url = f"{api}/api/vhosts/{quote(vhost, safe='')}"
    try:
        if requests.get(url, auth=(user, password), timeout=5).status_code == 200:
            return False
        requests.put(url, auth=(user, password), timeout=5).raise_for_status()
        requests.put(f"{api}/api/permissions/{quote(vhost, safe='')}/{quote(user, safe='')}",
                     json={"configure": ".*", "write": ".*", "read": ".*"}, auth=(user, password),
                     timeout=5).raise_for_status()
    except requests.RequestException as exc:      # no management API: the broker will say
        print(f"Wuye: could not check the broker vhost {vhost!r} ({exc}); continuing")
        return False
    print(f"Wuye: created the broker vhost {vhost!r}")
    return True


def another_copy_serving(amqp_uri: str) -> str | None:
    """The service another running copy already serves on this vhost, if any: two copies
    on one vhost would answer each other's requests and refuse each other's signatures."""
    from kombu import Connection

    with Connection(amqp_uri, connect_timeout=5) as conn:
        for name in SERVICES:
            if name == "gateway":
                continue
            channel = conn.channel()
            try:
                _, _, consumers = channel.queue_declare(f"rpc-{name}", passive=True)
            except conn.channel_errors:             # no such queue: nobody serves it
                continue
            finally:
                try:
                    channel.close()
                except Exception:
                    pass
            if consumers:
                return name
    return None


LOCK_FILE = "up.lock"


def hold_checkout_lock():
    """An exclusive lock on ``var/up.lock`` for as long as this runner lives (the open file
    is returned and kept), or None when another ``./wuye up`` of this checkout holds it."""
    import fcntl

    handle = open(var_dir() / LOCK_FILE, "a")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def port_answers(host: str, port: int) -> bool:
    """Something already accepts connections there (gateways bind with SO_REUSEPORT, so a
    second one would bind beside it and share the traffic instead of failing)."""
    import socket

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    try:
        with socket.create_connection((shown, port), timeout=1):
            return True
    except OSError:
        return False


def wipe_local_data() -> None:
    """--fresh: forget the local databases, logs and sent SMS (not the secret)."""
    base = var_dir()
    for pattern in ("*.db", "*.db-wal", "*.db-shm", "sms.log"):
        for path in base.glob(pattern):
            path.unlink()
    shutil.rmtree(base / "log", ignore_errors=True)


class Platform:
    def __init__(self, port: int, verbose: bool, host: str = "127.0.0.1",
                 policy: RestartPolicy | None = None, gateways: int | None = None):
        self.port = port
        self.names = process_names(gateway_processes() if gateways is None else gateways)
        self.host = host
        self.verbose = verbose
        self.procs: dict[str, subprocess.Popen] = {}
        self.started_at: dict[str, float] = {}
        self.restart_at: dict[str, float] = {}     # service -> when to restart it
        self.policy = policy or RestartPolicy(
            stable_after=float(os.environ.get("WUYE_RESTART_STABLE_AFTER", 60)))
        self.logs = var_dir() / "log"
        self.logs.mkdir(mode=0o700, exist_ok=True)
        self.env: dict[str, str] = {}

    def start(self) -> None:
        self.env = dict(os.environ, PYTHONUNBUFFERED="1", GATEWAY_ADDRESS=f"{self.host}:{self.port}",
                        WUYE_SECRET=platform_secret(),
                        GATEWAY_TOKEN_SECRET=gateway_token_secret())
        # the links the API prints point where this run listens, unless told otherwise
        shown_host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        self.env.setdefault("GATEWAY_PUBLIC_URL", f"http://{shown_host}:{self.port}")
        # eventlet announces its deprecation on import, in every process; once is enough (here)
        self.env.setdefault("PYTHONWARNINGS", "ignore::Warning:eventlet")
        for name in self.names:
            self.launch(name)
            print(f"  started {name:8} pid {self.procs[name].pid}")

    def launch(self, name: str) -> None:
        if not self.verbose:
            self.logs.mkdir(mode=0o700, exist_ok=True)     # someone may have removed var/log
        out = None if self.verbose else open(self.logs / f"{name}.log", "ab")
        try:
            self.procs[name] = subprocess.Popen(
                [sys.executable, "-m", "kernel.serve", "--config",
                 str(ROOT / f"deploy/config/{service_of(name)}.yaml"), SERVICES[service_of(name)],
                 *(["--instance", name] if name != service_of(name) else [])], cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)
        finally:
            if out is not None:
                out.close()        # the child has its own copy
        self.started_at[name] = time.monotonic()

    def dead(self) -> list[str]:
        return [name for name, p in self.procs.items() if p.poll() is not None]

    def supervise(self) -> None:
        """Restart services that exited, each after its back-off (called in the run loop)."""
        now = time.monotonic()
        for name in self.dead():
            if name not in self.restart_at:
                code = self.procs[name].returncode
                delay = self.policy.delay(name, now - self.started_at[name])
                self.restart_at[name] = now + delay
                print(f"Wuye: {name} (pid {self.procs[name].pid}) exited with code {code}; "
                      f"restart #{self.policy.total[name]} in {delay:.0f}s "
                      f"({self.policy.crashes[name]} crash(es) in a row); last log lines:")
                print(self.tail(name, 15))
            elif now >= self.restart_at[name]:
                del self.restart_at[name]
                self.launch(name)
                print(f"Wuye: restarted {name} pid {self.procs[name].pid} "
                      f"(restart #{self.policy.total[name]})")

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    def wait_healthy(self, timeout: float = 90) -> None:
        url = f"{self.url}/health"
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
        self.restart_at.clear()
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
    parser.add_argument("--host", default=os.environ.get("WUYE_HOST", "127.0.0.1"),
                        help="address the gateway listens on (default 127.0.0.1, this machine only; "
                             "0.0.0.0 for every interface)")
    parser.add_argument("--fresh", action="store_true",
                        help="start from empty local databases (deletes var/*.db, logs, sms.log)")
    parser.add_argument("--no-demo", action="store_true", help="do not load the demo group")
    parser.add_argument("--verbose", action="store_true", help="service logs to the console, not var/log")
    parser.add_argument("--migrate-only", action="store_true", help="apply migrations and exit")
    args = parser.parse_args(argv)
    gateways = gateway_processes()          # a bad value stops here, before anything starts

    make_private(var_dir())
    # everything that can refuse the start is checked before anything is changed: a second
    # `./wuye up --fresh` must not wipe the databases of the copy that is running
    lock = hold_checkout_lock()
    if lock is None:
        print(f"Wuye: this checkout is already running (./wuye up holds {var_dir() / LOCK_FILE});\n"
              "  stop it first -- or run a second copy from another clone, with its own vhost and port")
        return 1
    amqp_uri = os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)
    if not args.migrate_only:
        ensure_vhost(amqp_uri)
        busy = another_copy_serving(amqp_uri)
        if busy:
            print(f"Wuye: another copy already serves {busy} on this broker vhost ({vhost_of(amqp_uri)}).\n"
                  "  Stop it, or give this copy its own vhost, e.g.\n"
                  "  AMQP_URI=amqp://guest:guest@127.0.0.1:5672/mycopy ./wuye up --port 8100")
            return 1
        if port_answers(args.host, args.port):
            print(f"Wuye: port {args.port} is already in use (another ./wuye up, or another program);\n"
                  "  choose another: ./wuye up --port 8100")
            return 1
    if args.fresh:
        wipe_local_data()
    print("Wuye: migrating databases")
    migrate()
    if args.migrate_only:
        return 0
    # the command-line tools of this checkout talk to this copy's vhost while it runs
    uri_file = var_dir() / AMQP_URI_FILE
    uri_file.write_text(amqp_uri)
    uri_file.chmod(0o600)

    platform = Platform(args.port, args.verbose, host=args.host, gateways=gateways)
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
            summary = seed.load(amqp_uri=amqp_uri,
                                secret=platform_secret(), inspection_areas=True)
            print(seed.banner(summary, platform.url))
        else:
            print(f"\n  Gateway: {platform.url}   (Ctrl-C stops everything)\n")
    except Exception as exc:  # start-up failed: say why, with the logs that show it
        print(f"Wuye: start-up failed: {exc}")
        for name in platform.names:
            print(f"--- {name} (var/log/{name}.log) ---\n{platform.tail(name, 15)}")
        _shut_down(platform)
        return 1
    try:
        # running: only Ctrl-C / SIGTERM stops the platform; a restart that fails is retried
        while not stopping["now"]:
            try:
                platform.supervise()
            except Exception as exc:
                print(f"Wuye: supervising failed ({type(exc).__name__}: {exc}); trying again")
            time.sleep(0.5)
        print("\nWuye: stopping")
        return 0
    finally:
        _shut_down(platform)


def _shut_down(platform: "Platform") -> None:
    platform.stop()
    try:
        (var_dir() / AMQP_URI_FILE).unlink()
    except OSError:
        pass
    print("Wuye: stopped")


if __name__ == "__main__":
    sys.exit(main())
