"""The runner's restart back-off and the privacy of its local data."""
from __future__ import annotations

import os

import pytest

from deploy import run


def test_backoff_doubles_to_a_cap_and_resets_after_a_stable_run():
    policy = run.RestartPolicy(first=1, cap=30, stable_after=60)
    # a service crashing in a loop: retried for ever, each wait longer, at most 30 s
    assert [policy.delay("tickets", uptime=0.5) for _ in range(8)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert policy.total["tickets"] == 8 and policy.crashes["tickets"] == 8
    assert policy.delay("notify", uptime=2) == 1                 # per service
    assert policy.delay("tickets", uptime=61) == 1               # it stayed up a while: start over
    assert policy.total["tickets"] == 9


@pytest.mark.parametrize("value, expected", [
    (None, min(os.cpu_count() or 1, 4)), ("", min(os.cpu_count() or 1, 4)), ("auto", min(os.cpu_count() or 1, 4)),
    ("1", 1), ("3", 3), (" 6 ", 6),
])
def test_gateway_processes_setting(value, expected):
    env = {} if value is None else {"GATEWAY_PROCESSES": value}
    assert run.gateway_processes(env) == expected
    names = run.process_names(expected)
    assert names[:4] == ["archive", "tickets", "billing", "notify"]
    assert names[4:] == ["gateway"] + [f"gateway-{i}" for i in range(2, expected + 1)]
    assert {run.service_of(name) for name in names[4:]} == {"gateway"}


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_gateway_processes_setting_stops_the_runner(value):
    with pytest.raises(SystemExit) as exc:
        run.gateway_processes({"GATEWAY_PROCESSES": value})
    assert "GATEWAY_PROCESSES" in str(exc.value)


def test_var_dir_and_local_secret_are_private(tmp_path, monkeypatch):
    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "fresh" / "var"))
    monkeypatch.delenv("WUYE_SECRET", raising=False)
    secret = run.platform_secret()
    assert len(secret) == 64
    assert (tmp_path / "fresh" / "var").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "fresh" / "var" / "secret").stat().st_mode & 0o777 == 0o600
    assert run.platform_secret() == secret                        # stable across runs


def test_an_existing_open_var_dir_is_made_private(tmp_path, capsys):
    path = tmp_path / "var"
    path.mkdir(mode=0o755)
    path.chmod(0o755)
    run.make_private(path)
    assert path.stat().st_mode & 0o777 == 0o700
    assert "private" in capsys.readouterr().out


@pytest.mark.parametrize("argv, env, expected", [
    ([], {}, "127.0.0.1"),
    (["--host", "0.0.0.0"], {}, "0.0.0.0"),
    ([], {"WUYE_HOST": "0.0.0.0"}, "0.0.0.0"),
])
def test_gateway_listens_on_loopback_unless_told(argv, env, expected, monkeypatch, tmp_path):
    seen = {}
    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(run, "port_answers", lambda host, port: False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if "WUYE_HOST" not in env:
        monkeypatch.delenv("WUYE_HOST", raising=False)
    monkeypatch.setattr(run, "migrate", lambda: None)
    monkeypatch.setattr(run, "make_private", lambda path: None)
    monkeypatch.setattr(run, "ensure_vhost", lambda uri: False)
    monkeypatch.setattr(run, "another_copy_serving", lambda uri: None)
    monkeypatch.setattr(run.Platform, "start", lambda self: seen.setdefault("host", self.host))
    monkeypatch.setattr(run.Platform, "wait_healthy", lambda self: (_ for _ in ()).throw(RuntimeError("stop")))
    monkeypatch.setattr(run.Platform, "stop", lambda self: None)
    assert run.main(["--no-demo", *argv]) == 1
    assert seen["host"] == expected


def test_a_second_copy_on_the_same_vhost_is_refused_and_a_missing_vhost_is_made(rabbit_config):
    """Two checkouts on one vhost answer each other's requests and refuse each other's
    signatures; the runner says so instead of starting a half-broken platform."""
    import uuid

    import requests
    from kombu import Connection, Consumer, Queue

    uri = rabbit_config["AMQP_URI"]
    assert run.another_copy_serving(uri) is None                  # an empty vhost: free
    with Connection(uri) as conn:
        queue = Queue("rpc-tickets", auto_delete=True)
        with Consumer(conn.channel(), [queue], callbacks=[lambda body, message: None]):
            assert run.another_copy_serving(uri) == "tickets"    # another copy serves tickets
    assert run.another_copy_serving(uri) is None

    vhost = f"wuye-copy-{uuid.uuid4().hex[:8]}"
    own = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    try:
        assert run.ensure_vhost(own) is True
        assert run.ensure_vhost(own) is False                     # there now
        with Connection(own, connect_timeout=5) as conn:
            conn.ensure_connection(max_retries=1)                 # and usable by its user
    finally:
        requests.delete(f"http://127.0.0.1:15672/api/vhosts/{vhost}", auth=("guest", "guest"), timeout=5)


@pytest.fixture
def refusing_runner(monkeypatch, tmp_path):
    """main() with the broker and the disk watched: what ran before it refused."""
    done = []
    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setattr(run, "wipe_local_data", lambda: done.append("wipe"))
    monkeypatch.setattr(run, "migrate", lambda: done.append("migrate"))
    monkeypatch.setattr(run, "ensure_vhost", lambda uri: False)
    monkeypatch.setattr(run, "another_copy_serving", lambda uri: None)
    monkeypatch.setattr(run, "port_answers", lambda host, port: False)
    monkeypatch.setattr(run.Platform, "start", lambda self: done.append("start"))
    return done


def test_a_second_runner_of_the_checkout_is_refused_before_it_wipes_anything(refusing_runner, capsys):
    held = run.hold_checkout_lock()             # the copy that is running
    try:
        assert run.main(["--fresh", "--no-demo"]) == 1
    finally:
        held.close()
    assert refusing_runner == []                # nothing wiped, migrated or started
    assert "already running" in capsys.readouterr().out


def test_a_busy_vhost_or_port_is_refused_before_it_wipes_anything(refusing_runner, monkeypatch, capsys):
    monkeypatch.setattr(run, "another_copy_serving", lambda uri: "tickets")
    assert run.main(["--fresh", "--no-demo"]) == 1
    assert refusing_runner == [] and "another copy already serves tickets" in capsys.readouterr().out

    monkeypatch.setattr(run, "another_copy_serving", lambda uri: None)
    monkeypatch.setattr(run, "port_answers", lambda host, port: True)
    assert run.main(["--fresh", "--no-demo", "--port", "8123"]) == 1
    assert refusing_runner == [] and "port 8123 is already in use" in capsys.readouterr().out


def test_port_answers_sees_a_listener():
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert run.port_answers("127.0.0.1", port)
    assert not run.port_answers("127.0.0.1", port)


def test_a_restart_recreates_a_removed_log_directory(monkeypatch, tmp_path):
    import shutil

    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "var"))
    started = []
    monkeypatch.setattr(run.subprocess, "Popen", lambda *a, **k: started.append(a) or object())
    platform = run.Platform(8999, verbose=False, gateways=1)
    shutil.rmtree(platform.logs)
    platform.launch("tickets")
    assert started and (platform.logs / "tickets.log").exists()


def test_the_tools_use_the_running_copys_vhost_unless_amqp_uri_says(monkeypatch, tmp_path):
    from kernel.config import AMQP_URI_FILE, DEFAULT_AMQP_URI, local_amqp_uri, var_dir, vhost_of

    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("AMQP_URI", raising=False)
    assert local_amqp_uri() == DEFAULT_AMQP_URI and vhost_of(DEFAULT_AMQP_URI) == "/"
    (var_dir() / AMQP_URI_FILE).write_text("amqp://guest:guest@127.0.0.1:5672/mycopy")
    assert vhost_of(local_amqp_uri()) == "mycopy"
    monkeypatch.setenv("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/other")
    assert vhost_of(local_amqp_uri()) == "other"
