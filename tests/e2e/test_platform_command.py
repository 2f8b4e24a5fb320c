"""The README's first command, minus the virtualenv bootstrap: ``python -m
deploy.run`` migrates, starts the five processes, loads the demo group, serves
the flow over HTTP and stops cleanly on Ctrl-C."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pytest
import requests

from deploy import run, seed
from kernel.config import ROOT
from kernel.testing import keyed, wait_for

# one of the suite's longest files: on a loaded machine (shards in parallel) it may pass the 120 s default
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(360)]


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def running_platform(rabbit_config, tmp_path):
    port = free_port()
    env = dict(os.environ, WUYE_VAR_DIR=str(tmp_path / "var"), AMQP_URI=rabbit_config["AMQP_URI"],
               WUYE_SECRET="platform-command-test-secret", PYTHONUNBUFFERED="1")
    for name in ("ARCHIVE", "TICKETS", "BILLING", "NOTIFY", "GATEWAY"):
        env.pop(f"{name}_DB_URL", None)
    out = open(tmp_path / "run.out", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "deploy.run", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: "Wuye is running" in (tmp_path / "run.out").read_text() or proc.poll() is not None,
                 timeout=120, interval=0.5, message="the platform to come up")
        assert proc.poll() is None, (tmp_path / "run.out").read_text()
        yield f"http://127.0.0.1:{port}", proc, tmp_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        out.close()


def test_run_command_serves_the_flow_and_stops_cleanly(running_platform):
    url, proc, tmp_path = running_platform
    banner = (tmp_path / "run.out").read_text()
    assert seed.DEMO_PASSWORD in banner and "zhangwei" in banner and f"{url}/api/v1/openapi.json" in banner
    assert requests.get(f"{url}/health", timeout=10).json()["status"] == "ok"
    login = requests.post(f"{url}/api/v1/auth/token", timeout=10,
                          json={"username": "zhangwei", "password": seed.DEMO_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {login['access_token']}"}
    unit_id = seed.unit_id("LH", "1栋", "0101")
    ticket = requests.post(f"{url}/api/v1/repairs", headers=keyed(headers), timeout=10, json={
        "unit_id": unit_id, "category": "public_area", "content": "楼道灯不亮"})
    assert ticket.status_code == 201, ticket.text
    overview = wait_for(lambda: (o := requests.get(f"{url}/api/v1/units/{unit_id}/overview", headers=headers,
                                                   timeout=10).json())["notifications"] and o, timeout=30)
    assert overview["notifications"][0]["ref_id"] == ticket.json()["id"]
    assert (tmp_path / "var" / "tickets.db").exists()            # SQLite under WUYE_VAR_DIR
    sms = wait_for(lambda: (tmp_path / "var" / "sms.log").exists() and
                   (tmp_path / "var" / "sms.log").read_text(), timeout=20)
    assert ticket.json()["number"] in sms

    os.killpg(proc.pid, signal.SIGINT)                            # Ctrl-C
    assert proc.wait(timeout=30) == 0
    output = (tmp_path / "run.out").read_text()
    assert "Wuye: stopped" in output and "did not stop in time" not in output   # every service stopped itself
    pids = [int(p) for p in re.findall(r"started [\w-]+ +pid (\d+)", banner)]
    assert len(pids) == 4 + run.gateway_processes()               # the services and each gateway process
    for pid in pids:                                              # no service left behind
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def listening_addresses(port: int) -> set[str]:
    """IPv4 addresses a local socket listens on for ``port`` (from /proc/net/tcp)."""
    found = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(path) as fh:
            for line in fh.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.partition(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_a_service_that_dies_is_restarted_alone(rabbit_config, tmp_path):
    """SIGKILL one service under the runner: it is restarted (the others keep
    their processes) and /health is green again -- the platform does not stop.
    The gateway listens on 127.0.0.1 only, and var/ is private."""
    port = free_port()
    env = dict(os.environ, WUYE_VAR_DIR=str(tmp_path / "var"), AMQP_URI=rabbit_config["AMQP_URI"],
               WUYE_SECRET="platform-command-test-secret", PYTHONUNBUFFERED="1")
    env.pop("WUYE_HOST", None)
    for name in ("ARCHIVE", "TICKETS", "BILLING", "NOTIFY", "GATEWAY"):
        env.pop(f"{name}_DB_URL", None)
    output = tmp_path / "run.out"
    with open(output, "w+") as out:
        proc = subprocess.Popen([sys.executable, "-m", "deploy.run", "--port", str(port), "--no-demo"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            wait_for(lambda: "Gateway: http" in output.read_text() or proc.poll() is not None,
                     timeout=120, interval=0.5, message="the platform to come up")
            assert proc.poll() is None, output.read_text()
            url = f"http://127.0.0.1:{port}"
            pids = {name: int(pid) for name, pid in re.findall(r"started ([\w-]+) +pid (\d+)",
                                                                output.read_text())}
            assert len(pids) == 4 + run.gateway_processes()
            assert listening_addresses(port) == {"0100007F"}            # 127.0.0.1, not 0.0.0.0
            assert (tmp_path / "var").stat().st_mode & 0o777 == 0o700

            os.kill(pids["tickets"], signal.SIGKILL)
            restarted = wait_for(lambda: re.search(r"restarted tickets pid (\d+)", output.read_text()),
                                 timeout=30, interval=0.3, message="tickets restarted")
            new_pid = int(restarted.group(1))
            assert new_pid != pids["tickets"]
            assert "restart #1" in output.read_text()
            health = wait_for(lambda: (r := requests.get(f"{url}/health", timeout=10)).status_code == 200 and r,
                              timeout=60, interval=0.5, message="/health green again")
            assert health.json()["services"]["tickets"]["status"] == "ok"
            assert proc.poll() is None                                    # the platform kept running
            for name, pid in pids.items():                                # the others were not touched
                if name != "tickets":
                    os.kill(pid, 0)
                    assert f"{name} (pid" not in output.read_text()
            os.kill(new_pid, 0)

            os.killpg(proc.pid, signal.SIGINT)                            # only Ctrl-C stops it all
            assert proc.wait(timeout=30) == 0
            for pid in [*pids.values(), new_pid]:
                with pytest.raises(ProcessLookupError):
                    os.kill(pid, 0)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
