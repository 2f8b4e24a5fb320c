"""The bench harness works (no timing is asserted): the naive baseline gateway answers
what the real gateway answers, wrk's summary line is read, and the Lua scripts drive
the real gateway (GETs with the token, POSTs each with its own Idempotency-Key)."""
from __future__ import annotations


import eventlet
import pytest
import requests

from bench import naive_gateway, wrk
from deploy import seed
from kernel.testing import TEST_SECRET, TEST_TOKEN_SECRET, keyed, wait_for

SAMPLE = """Running 2s test @ http://127.0.0.1:8140/api/v1/tickets/7
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    52.31ms   11.02ms 120.40ms   71.00%
    Req/Sec   152.10     20.33   190.00     70.00%
  304 requests in 2.00s, 1.10MB read
  Non-2xx or 3xx responses: 2
Requests/sec:    151.87
Transfer/sec:    563.20KB
BENCH_RESULT {"requests": 304, "duration_us": 2001712, "bytes": 1153290, "errors": {"connect": 0, \
"read": 0, "write": 0, "status": 2, "timeout": 1}, "latency_us": {"p50": 51877, "p90": 66001, "p95": 74310, \
"p99": 98700, "mean": 52310.4, "max": 120400}, "statuses": {"200": 302, "503": 2}}
"""


def test_the_wrk_summary_is_parsed():
    result = wrk.parse(SAMPLE)
    assert result.requests == 304 and result.rps == pytest.approx(151.87)
    assert result.p50_ms == pytest.approx(51.877) and result.p95_ms == pytest.approx(74.31)
    assert result.statuses == {"200": 302, "503": 2}
    assert result.ok == 302 and result.failed == 3          # two 503s and one timeout
    with pytest.raises(ValueError):
        wrk.parse("Requests/sec: 10.0\n")                   # a script without bench.done


def test_without_wrk_the_bench_says_how_to_install_it(monkeypatch, capsys):
    from bench.__main__ import main

    monkeypatch.setattr(wrk.shutil, "which", lambda name: None)
    assert main(["overview"]) == 2
    assert "apt-get install wrk" in capsys.readouterr().err


@pytest.fixture
def bench_platform(start_platform, rabbit_config, web_config):
    containers = start_platform(GATEWAY_WRITE_LIMIT_PER_MINUTE=0)
    gateway_db = containers["gateway"].config["DB_URL"]
    seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=gateway_db, wait=30)
    return {"url": f"http://{web_config['WEB_SERVER_ADDRESS']}", "gateway_db": gateway_db,
            "amqp_uri": rabbit_config["AMQP_URI"]}


@pytest.fixture
def naive(bench_platform):
    ready = eventlet.Event()
    thread = eventlet.spawn(naive_gateway.serve, 0, {
        "AMQP_URI": bench_platform["amqp_uri"], "WUYE_SECRET": TEST_SECRET,
        "GATEWAY_TOKEN_SECRET": TEST_TOKEN_SECRET, "DB_URL": bench_platform["gateway_db"]},
        ready=lambda sock: ready.send(sock.getsockname()[1]))
    port = ready.wait()
    yield f"http://127.0.0.1:{port}"
    thread.kill()


def _token(url: str) -> str:
    response = requests.post(f"{url}/api/v1/auth/token",
                             json={"username": "zhangwei", "password": seed.DEMO_PASSWORD}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_the_naive_gateway_answers_the_same_bodies(bench_platform, naive):
    url = bench_platform["url"]
    token = _token(url)
    headers = {"Authorization": f"Bearer {token}"}
    unit = seed.unit_id("LH", "1栋", "0101")
    created = requests.post(f"{url}/api/v1/repairs", headers=keyed(headers), timeout=10, json={
        "unit_id": unit, "category": "public_area", "content": "楼道灯不亮", "location": "1栋3楼楼道"})
    assert created.status_code == 201, created.text
    ticket = created.json()
    wait_for(lambda: requests.get(f"{url}/api/v1/tickets/{ticket['id']}", headers=headers,
                                  timeout=10).json()["status"] == "dispatched", timeout=20,
             message="the ticket dispatched (its body no longer changes)")
    wait_for(lambda: requests.get(f"{url}/api/v1/units/{unit}/notifications", headers=headers,
                                  timeout=10).json(), timeout=20, message="the acknowledgement stored")

    for path in (f"/api/v1/tickets/{ticket['id']}", f"/api/v1/units/{unit}/overview"):
        real = requests.get(url + path, headers=headers, timeout=10)
        baseline = requests.get(naive + path, headers=headers, timeout=10)
        assert real.status_code == baseline.status_code == 200, (real.text, baseline.text)
        assert naive_gateway.comparable(baseline.json()) == naive_gateway.comparable(real.json()), path
    # same refusals: a stranger's id and a missing token
    assert requests.get(f"{naive}/api/v1/tickets/no-such-ticket", headers=headers, timeout=10).json() == \
        requests.get(f"{url}/api/v1/tickets/no-such-ticket", headers=headers, timeout=10).json()
    assert requests.get(f"{naive}/api/v1/tickets/{ticket['id']}", timeout=10).status_code == 401


def test_the_lua_scripts_drive_the_gateway(bench_platform):
    url = bench_platform["url"]
    token = _token(url)
    unit = seed.unit_id("LH", "1栋", "0101")

    posted = wrk.run(f"{url}/api/v1/repairs", "post_repair.lua", connections=2, threads=2, duration=1,
                     env={"BENCH_TOKEN": token, "BENCH_UNIT": unit, "BENCH_TAG": "harness"})
    assert posted.requests > 0 and set(posted.statuses) == {"201"}, posted.statuses   # no key answered twice

    headers = {"Authorization": f"Bearer {token}"}
    page = requests.get(f"{url}/api/v1/tickets", headers=headers, params={"limit": 200}, timeout=10).json()
    ticket_id = page["items"][0]["id"]
    got = wrk.run(url, "get.lua", connections=2, threads=1, duration=1,
                  env={"BENCH_TOKEN": token, "BENCH_PATH": f"/api/v1/tickets/{ticket_id}"})
    assert got.requests > 0 and got.statuses == {"200": got.ok} and got.p95_ms >= got.p50_ms > 0


@pytest.mark.postgres
def test_the_sla_sweep_figure_runs_small(pg_url):
    """``./wuye bench sla_sweep`` at a small size: both sides find and tell the same clocks, the
    sweep's query goes through the partial index, the lines and the summary are there."""
    from bench import sla_sweep

    result = sla_sweep.run(pg_url, deadlines=2000, due=40, repeats=1)
    data = result["data"]
    assert data["counts"] == [40] and data["told"][:3] == (20, 20, 20)       # warnings, breaches, tickets
    assert data["plan_uses_index"], data["plan"]
    assert data["find_ratio"] > 0 and data["sweep_ratio"] > 0 and data["idle_ratio"] > 0
    assert result["name"] == "sla_sweep" and "ix_deadline_next_alert" in result["summary"]
    assert any("uses ix_deadline_next_alert: yes" in line for line in result["lines"])


@pytest.mark.postgres
def test_the_bill_run_figure_runs_small(pg_url):
    """``./wuye bench bill_run`` at a small size: both projects filled, the set-based run done through
    its chunk jobs, the baseline billed its sample, the journal's rule holds after both; no timings."""
    from bench import bill_run

    result = bill_run.run(pg_url, units=300, sample=40, repeats=2, chunk=100)
    data = result["data"]
    assert [r["bills"] for r in data["set_based"]] == [285, 285]        # every twentieth unit vacant; the
    # 4th chunk of 100 finds nothing left and finishes the run
    assert [r["chunks"] for r in data["set_based"]] == [4, 4] and [r["accounts"] for r in data["baseline"]] == [40, 40]
    assert data["check"]["unbalanced_entries"] == 0 and data["check"]["duplicate_bills"] == 0
    assert result["name"] == "bill_run" and "bills/s set-based" in result["summary"]


@pytest.mark.postgres
def test_the_dunning_sweep_figure_runs_small(pg_url):
    """``./wuye bench dunning_sweep`` at a small size: the set-based sweep and the row-by-row baseline give
    the same day (notices, stages, figures per account) on the same rows, every run rolled back."""
    from bench import dunning_sweep

    result = dunning_sweep.run(pg_url, accounts=2000, repeats=1)
    data = result["data"]
    assert data["same"] and data["arrears"] == 200
    # 2,000 accounts: 80 new cases get their first notice, 20 at ``none`` on a one-off's ladder their second,
    # 20 after an outage their final
    assert data["outcome"]["notices"] == [("final", 20), ("first", 80), ("second", 20)]
    assert data["outcome"]["outbox"] == [(120,)]
    assert data["outcome"]["closed"] == [(2,)]
    assert [r["notices"] for r in data["set_based"] + data["baseline"]] == [120] * 2
    assert result["name"] == "dunning_sweep" and "accounts/s set-based" in result["summary"]


def test_the_broadcast_figure_runs_small(pg_url):
    """``./wuye bench broadcast`` at a small size: the broadcast's set-based chunks and the single-message path
    make the same messages (per recipient kind, per channel and status, the same texts, the same outbox rows)
    on the same rows, every run rolled back; the broadcast's path in a handful of statements per chunk."""
    from bench import broadcast

    result = broadcast.run(pg_url, households=600, repeats=1, chunk=250)
    data = result["data"]
    assert data["same"] and data["messages"] == 1200
    assert data["outcome"]["notifications"] == [("person", 600, 600), ("unit", 600, 600)]
    assert data["outcome"]["deliveries"] == [("inapp", "delivered", 600), ("sms", "pending", 600)]
    assert data["outcome"]["outbox"] == [("notification.changed", 600), ("notification.delivered", 600)]
    assert [r["messages"] for r in data["set_based"] + data["baseline"]] == [1200, 1200]
    # 3 chunks: the broadcast's path is bulk, the baseline a few statements per message
    assert data["set_based"][0]["statements"] < 60 < 1200 < data["baseline"][0]["statements"]
    assert result["name"] == "broadcast" and "messages/s by the broadcast's chunks" in result["summary"]
