"""The platform under test, started as ``./wuye up`` starts it (``deploy.run.Platform``:
one process per service, migrated databases, the demo group), but on the bench's own
port, broker vhost and a throw-away data directory -- and, where a figure says so, on
fresh PostgreSQL databases.

Everything started here (service processes, the naive gateway, extra replicas) runs in
its own process group and is stopped when the ``with`` block ends, however it ends
(an error, Ctrl-C, SIGTERM); databases and the vhost are dropped afterwards.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from urllib.parse import quote

import requests

from kernel.config import ROOT

#: the bench's ports: gateway 8140, naive gateway 8149 (8141-8148 free for more)
GATEWAY_PORT = int(os.environ.get("WUYE_BENCH_PORT", 8140))
NAIVE_PORT = GATEWAY_PORT + 9
RABBIT_API = os.environ.get("RABBITMQ_API", "http://127.0.0.1:15672").rstrip("/")
AUTH = ("guest", "guest")
SERVICE_NAMES = ("archive", "tickets", "billing", "notify", "gateway")


def _stop_group(proc: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the process group of ``proc`` (started with start_new_session), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with contextlib.suppress(ProcessLookupError):   # stragglers of the group
        os.killpg(proc.pid, signal.SIGKILL)


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0


class Vhost:
    """A broker vhost of the bench's own, empty at the start and deleted at the end."""

    def __init__(self, name: str):
        self.name = name
        self.uri = f"amqp://guest:guest@127.0.0.1:5672/{quote(name, safe='')}"
        self._api = f"{RABBIT_API}/api/vhosts/{quote(name, safe='')}"

    def create(self) -> None:
        self.delete()
        requests.put(self._api, auth=AUTH, timeout=10).raise_for_status()
        requests.put(f"{RABBIT_API}/api/permissions/{quote(self.name, safe='')}/guest",
                     json={"configure": ".*", "write": ".*", "read": ".*"}, auth=AUTH,
                     timeout=10).raise_for_status()

    def delete(self) -> None:
        with contextlib.suppress(requests.RequestException):
            requests.delete(self._api, auth=AUTH, timeout=10)

    def queues(self) -> dict[str, dict]:
        """Queue name -> {messages, ready, unacked, consumers} (the management API's view,
        refreshed every few seconds by the broker)."""
        response = requests.get(f"{RABBIT_API}/api/queues/{quote(self.name, safe='')}",
                                params={"columns": "name,messages,messages_ready,"
                                                   "messages_unacknowledged,consumers"},
                                auth=AUTH, timeout=10)
        response.raise_for_status()
        return {q["name"]: {"messages": q.get("messages", 0) or 0, "ready": q.get("messages_ready", 0) or 0,
                            "unacked": q.get("messages_unacknowledged", 0) or 0,
                            "consumers": q.get("consumers", 0) or 0} for q in response.json()}

    def ready_now(self) -> dict[str, int]:
        """Messages ready in each non-empty queue, asked of the broker directly (exact, unlike
        the management API's statistics, which lag by seconds)."""
        from kombu import Connection

        depths = {}
        with Connection(self.uri, connect_timeout=5) as conn:
            for name in self.queues():
                channel = conn.channel()
                try:
                    count = channel.queue_declare(name, passive=True)[1]
                except conn.channel_errors:
                    continue
                finally:
                    with contextlib.suppress(Exception):
                        channel.close()
                if count:
                    depths[name] = count
        return depths

    def consumers(self, queue: str) -> int:
        """Consumers of one queue, asked of the broker directly (no stats delay)."""
        from kombu import Connection

        with Connection(self.uri, connect_timeout=5) as conn:
            channel = conn.channel()
            try:
                return channel.queue_declare(queue, passive=True)[2]
            except conn.channel_errors:
                return 0


class BenchPlatform:
    """``with BenchPlatform("overview") as p:`` -- the platform on port 8140, vhost
    ``wuye-bench-overview-8140``, demo group loaded; ``p.url``, ``p.token(username)``,
    ``p.db_url(service)``, ``p.naive_gateway()``, ``p.add_replica("tickets")``."""

    def __init__(self, figure: str, *, postgres: bool = False, port: int = GATEWAY_PORT,
                 env: dict | None = None, verbose: bool = False):
        self.figure, self.postgres, self.port, self.verbose = figure, postgres, port, verbose
        self.extra_env = {"GATEWAY_WRITE_LIMIT_PER_MINUTE": "0", **(env or {})}
        # the port in the name: two benches on other ports (WUYE_BENCH_PORT) never share a vhost
        self.vhost = Vhost(f"wuye-bench-{figure}-{GATEWAY_PORT}")
        self.children: list[subprocess.Popen] = []
        self.platform = None
        self._stack = contextlib.ExitStack()
        self._saved_env: dict[str, str | None] = {}
        self.var = None
        self.db_urls: dict[str, str] = {}

    # -- environment of this process and of every child --------------------------------
    def _setenv(self, name: str, value: str) -> None:
        if name not in self._saved_env:
            self._saved_env[name] = os.environ.get(name)
        os.environ[name] = value

    def _restore_env(self) -> None:
        for name, value in self._saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _start(self) -> None:
        from deploy import seed
        from deploy.migrate import migrate
        from deploy.run import Platform, platform_secret
        from kernel.testing import temporary_pg_database

        for port in (self.port, NAIVE_PORT):
            if not port_free(port):
                raise RuntimeError(f"port {port} is in use (another bench running?); "
                                   f"set WUYE_BENCH_PORT to move the bench's ports")
        self.var = tempfile.mkdtemp(prefix=f"wuye-bench-{self.figure}-")
        self._stack.callback(shutil.rmtree, self.var, True)
        self._setenv("WUYE_VAR_DIR", self.var)
        self._setenv("AMQP_URI", self.vhost.uri)
        for name, value in self.extra_env.items():
            self._setenv(name, str(value))
        for service in SERVICE_NAMES:
            if self.postgres:
                url = self._stack.enter_context(temporary_pg_database())
                self._setenv(f"{service.upper()}_DB_URL", url)
            else:        # what ./wuye up uses: a SQLite file per service in the data directory
                self._setenv(f"{service.upper()}_DB_URL", f"sqlite:///{self.var}/{service}.db")
            self.db_urls[service] = os.environ[f"{service.upper()}_DB_URL"]
        self.vhost.create()
        self._stack.callback(self.vhost.delete)
        migrate(echo=lambda *a: None)
        self.platform = Platform(self.port, verbose=self.verbose)
        self._stack.callback(self._stop_platform)
        print(f"bench: starting the platform for '{self.figure}' on {self.platform.url} "
              f"({'PostgreSQL' if self.postgres else 'SQLite'}, vhost {self.vhost.name})", flush=True)
        with _quiet(not self.verbose):
            self.platform.start()
        self.platform.wait_healthy(timeout=120)
        self.secret = platform_secret()
        seed.load(amqp_uri=self.vhost.uri, secret=self.secret, gateway_db_url=self.db_urls["gateway"])

    def _stop_platform(self) -> None:
        if self.platform is not None:
            with _quiet(not self.verbose):
                self.platform.stop()

    def __exit__(self, *exc):
        try:
            for proc in reversed(self.children):
                _stop_group(proc)
            self.children.clear()
            self._stack.close()
        finally:
            self._restore_env()
        return False

    # -- what the benches use ------------------------------------------------------------
    @property
    def url(self) -> str:
        return self.platform.url

    def token(self, username: str) -> str:
        from deploy.seed import DEMO_PASSWORD

        response = requests.post(f"{self.url}/api/v1/auth/token",
                                 json={"username": username, "password": DEMO_PASSWORD}, timeout=30)
        response.raise_for_status()
        return response.json()["access_token"]

    def db_url(self, service: str) -> str:
        return self.db_urls[service]

    def spawn(self, args: list[str], log_name: str, env: dict | None = None) -> subprocess.Popen:
        """A child process of the bench (own process group, log in the data dir), stopped at exit."""
        log = open(os.path.join(self.var, "log", f"{log_name}.log"), "ab")
        try:
            proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                    env=dict(self.platform.env, **(env or {})), start_new_session=True)
        finally:
            log.close()
        self.children.append(proc)
        return proc

    def stop_child(self, proc: subprocess.Popen) -> None:
        _stop_group(proc)
        if proc in self.children:
            self.children.remove(proc)

    def naive_gateway(self) -> str:
        """Start the naive gateway (bench/naive_gateway.py) on port 8149; its URL."""
        proc = self.spawn(["-m", "bench.naive_gateway", "--port", str(NAIVE_PORT)], "naive-gateway",
                          env={"GATEWAY_DB_URL": self.db_urls["gateway"]})
        url = f"http://127.0.0.1:{NAIVE_PORT}"
        deadline = time.monotonic() + 60
        while not self._answers(url):
            if proc.poll() is not None:
                raise RuntimeError(f"the naive gateway exited with {proc.returncode}: "
                                   f"{self.tail('naive-gateway')}")
            if time.monotonic() > deadline:
                raise RuntimeError("the naive gateway did not start in 60 s")
            time.sleep(0.2)
        return url

    @staticmethod
    def _answers(url: str) -> bool:
        try:
            requests.get(url + "/", timeout=2)
            return True
        except requests.RequestException:
            return False

    def add_replica(self, service: str) -> subprocess.Popen:
        """One more process of ``service`` (same config, same broker queues: a replica)."""
        from deploy.run import SERVICES

        before = self.vhost.consumers(f"rpc-{service}")
        proc = self.spawn(["-m", "kernel.serve", "--config", str(ROOT / f"deploy/config/{service}.yaml"),
                           SERVICES[service]], f"{service}-replica-{len(self.children)}")
        deadline = time.monotonic() + 60
        while self.vhost.consumers(f"rpc-{service}") <= before:
            if proc.poll() is not None:
                raise RuntimeError(f"the {service} replica exited with {proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {service} replica did not start consuming in 60 s")
            time.sleep(0.2)
        return proc

    def service_pids(self, service: str) -> list[int]:
        return [self.platform.procs[service].pid]

    def tail(self, log_name: str, lines: int = 20) -> str:
        path = os.path.join(self.var, "log", f"{log_name}.log")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])


@contextlib.contextmanager
def _quiet(enabled: bool):
    """Platform.start/stop print a line per service: keep the bench's output to its figures."""
    if not enabled:
        yield
        return
    import io

    saved = sys.stdout
    sys.stdout = io.StringIO()
    try:
        yield
    finally:
        sys.stdout = saved


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its threads (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
