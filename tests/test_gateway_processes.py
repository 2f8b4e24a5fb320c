"""Several gateway processes on one port (``GATEWAY_PROCESSES``), started and
supervised by the runner (``deploy.run.Platform``), sharing one database: both
accept connections, one killed leaves the port answering (and is restarted), and
what one process revokes or changes the other refuses or applies at once --
despite its token -> user cache."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
from datetime import datetime, timezone

import pytest
from sqlalchemy.orm import Session

from deploy import run
from gateway import accounts, cli
from gateway.models import User, UserScope
from kernel.db import make_engine
from kernel.testing import migrated_sqlite, wait_for

pytestmark = pytest.mark.broker

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
PASSWORD = "resident-pass"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_pid(conn: http.client.HTTPConnection, port: int, pids) -> int | None:
    """Which of ``pids`` holds the server end of this (connected) client connection."""
    client_port = conn.sock.getsockname()[1]
    inode = None
    with open("/proc/net/tcp") as fh:
        for line in fh.readlines()[1:]:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) == port and int(remote.rsplit(":", 1)[1], 16) == client_port:
                inode = fields[9]
    for pid in pids:
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    return None


def call(conn, method, path, token=None, body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")


@pytest.fixture
def gateways(rabbit_config, tmp_path, monkeypatch):
    """Two gateway processes on one port under the runner, on a shared SQLite database."""
    url = migrated_sqlite(tmp_path, "gateway")
    with Session(make_engine(url)) as session:
        accounts.create_user(session, username="zhangwei", password=PASSWORD, display_name="张伟",
                             kind="resident", group_id="g1", roles=[], unit_ids=["u1"], now=NOW)
        session.commit()
    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    monkeypatch.setenv("GATEWAY_DB_URL", url)
    monkeypatch.setenv("WUYE_SECRET", "gateway-processes-test-secret-0123456789")
    monkeypatch.delenv("GATEWAY_TOKEN_SECRET", raising=False)     # the runner makes var/token-secret
    port = free_port()
    platform = run.Platform(port, verbose=False, gateways=2)
    platform.names = [name for name in platform.names if run.service_of(name) == "gateway"]
    assert platform.names == ["gateway", "gateway-2"]
    platform.start()
    try:
        wait_for(lambda: answers(port), timeout=60, interval=0.2, message="both gateways to listen")
        yield platform, port, url
    finally:
        platform.stop()


def answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        status, body = call(conn, "GET", "/api/v1/me")
        conn.close()
        return status == 401 and body["error"] == "token_required"
    except OSError:
        return False


def connection_to(port: int, pid: int) -> http.client.HTTPConnection:
    """A kept-alive connection that the process ``pid`` accepted."""
    for _ in range(200):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        assert call(conn, "GET", "/api/v1/me")[0] == 401          # served, and kept alive
        if server_pid(conn, port, [pid]) == pid:
            return conn
        conn.close()
    raise AssertionError(f"process {pid} accepted none of 200 connections")


def test_two_gateway_processes_serve_one_port(gateways):
    platform, port, _ = gateways
    pids = {name: platform.procs[name].pid for name in platform.names}
    wait_for(lambda: all(answers_from(port, pid) for pid in pids.values()), timeout=30,
             message="each gateway process to accept a connection")

    os.killpg(pids["gateway-2"], signal.SIGKILL)
    wait_for(lambda: platform.procs["gateway-2"].poll() is not None, timeout=10)
    for _ in range(20):                                         # every new connection is served
        assert answers(port)

    restarted = wait_for(lambda: (platform.supervise() or True) and "gateway-2" not in platform.restart_at
                         and platform.procs["gateway-2"].pid != pids["gateway-2"]
                         and platform.procs["gateway-2"].poll() is None, timeout=30, interval=0.2,
                         message="the runner to restart gateway-2")
    assert restarted and platform.policy.total["gateway-2"] == 1 and "gateway" not in platform.policy.total
    new_pid = platform.procs["gateway-2"].pid
    wait_for(lambda: answers_from(port, new_pid), timeout=30, message="the restarted process to accept")


def answers_from(port: int, pid: int) -> bool:
    try:
        conn = connection_to(port, pid)
    except (AssertionError, OSError):
        return False
    conn.close()
    return True


def test_what_one_process_revokes_the_other_refuses_at_once(gateways):
    platform, port, url = gateways
    a = connection_to(port, platform.procs["gateway"].pid)
    b = connection_to(port, platform.procs["gateway-2"].pid)

    def login(conn):
        status, body = call(conn, "POST", "/api/v1/auth/token", body={"username": "zhangwei",
                                                                       "password": PASSWORD})
        assert status == 200, body
        return body["access_token"]

    # logout through A: B, which has the user cached, refuses the token at once
    token, other = login(a), login(a)
    assert call(b, "GET", "/api/v1/me", token)[1]["unit_ids"] == ["u1"]
    assert call(a, "POST", "/api/v1/auth/logout", token)[0] == 200
    status, body = call(b, "GET", "/api/v1/me", token)
    assert status == 401 and body["error"] == "token_revoked"
    assert call(b, "GET", "/api/v1/me", other)[0] == 200       # the other session goes on

    # a password change through A revokes every older token, on B too
    status, fresh = call(a, "POST", "/api/v1/auth/password", other,
                         {"current_password": PASSWORD, "new_password": "another-pass"})
    assert status == 200, fresh
    assert call(b, "GET", "/api/v1/me", other)[1]["error"] == "token_revoked"
    token = fresh["access_token"]
    assert call(b, "GET", "/api/v1/me", token)[0] == 200

    # scopes changed by an administrator: both processes answer with the new ones at once
    engine = make_engine(url)
    with Session(engine) as session:
        user = session.query(User).filter_by(username="zhangwei").one()
        user.scopes.append(UserScope(project_id="p1", unit_id="u2"))
        session.commit()
    assert call(a, "GET", "/api/v1/me", token)[1]["unit_ids"] == ["u1", "u2"]
    assert call(b, "GET", "/api/v1/me", token)[1]["unit_ids"] == ["u1", "u2"]

    # deactivated with the CLI: refused by both, at once
    assert cli.main(["--db-url", url, "deactivate", "--username", "zhangwei"]) == 0
    for conn in (a, b):
        status, body = call(conn, "GET", "/api/v1/me", token)
        assert status == 401 and body["error"] == "token_revoked"
    engine.dispose()
    a.close()
    b.close()
