"""The figures of issue 6, each with its baseline measured in the same run, interleaved,
repeated (``--repeats``, 3), min and median printed.

    overview   GET /units/{id}/overview, 8 clients: the gateway vs the naive gateway
    ticket     GET /tickets/{id}, 8 clients: the gateway vs the naive gateway
    repairs    POST /repairs on PostgreSQL: 16 clients vs 1, every flow completed
    pipeline   repair flows at a fixed rate (200 events/s) on PostgreSQL for --pipeline-seconds:
               backlog over time, commit -> last handler p95, where the time goes; baseline 10 %
    replicas   POST /repairs with one tickets process vs two (both share the work?)
    sla_sweep  one SLA sweep over 100,000 open deadlines on PostgreSQL: the partial index vs
               loading every open deadline and filtering in Python (no platform, no wrk load)
    bill_run   billing's monthly bill run over 100,000 units on PostgreSQL: set-based chunk jobs vs
               journal.issue_bill row by row on a 3,000-account sample (no platform, no wrk load)
    dunning_sweep  the dunning ladder's daily sweep over 100,000 accounts (10 % in arrears) on PostgreSQL:
               dunning.sweep (set-based) vs dunning.sweep_rows (row by row), the same day on the same rows
    broadcast  a broadcast (群发) to 10,000 households, in-app + SMS, on PostgreSQL: the broadcast's set-based
               chunks vs notifications.notify once per recipient, the same messages on the same rows

Each returns ``{"name", "title", "lines", "summary"}``: ``lines`` is what is printed (and
kept in bench/RESULTS.md), ``summary`` one line per figure for the table at the top.
"""
from __future__ import annotations

import json
import os
import time
import uuid
from datetime import datetime, timedelta, timezone

import requests

from deploy import seed

from . import wrk
from .flows import Flows, timings
from .naive_gateway import comparable
from .platform import BenchPlatform
from .stats import fmt, ratio, summary, wrk_row, wrk_table

RESIDENT = "zhangwei"
UNIT = ("LH", "1栋", "0101")
TARGET_GET_RATIO = 10
TARGET_OVERVIEW_P95_MS = 50
TARGET_POSTS = 100
TARGET_PIPELINE_P95_S = 1.0


# -- CPU accounting: who spends the machine's two cores --------------------------------------
def _group_cpu() -> dict[int, float]:
    """CPU seconds (user + system) per process group, over every process of this user."""
    tick = os.sysconf("SC_CLK_TCK")
    groups: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pgrp = int(fields[2])
        groups[pgrp] = groups.get(pgrp, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return groups


class CpuMeter:
    """CPU seconds spent by each of the platform's processes (and the bench's children)
    between :meth:`start` and :meth:`stop`."""

    def __init__(self, platform: BenchPlatform):
        self.p = platform

    def _named(self) -> dict[str, int]:
        named = {name: proc.pid for name, proc in self.p.platform.procs.items()}
        for i, proc in enumerate(self.p.children):
            name = " ".join(a for a in proc.args[2:4] if not a.startswith("-"))
            named[f"child{i}:{name.rsplit('.', 1)[-1] or 'process'}"] = proc.pid
        return named

    def start(self):
        self.names, self.before = self._named(), _group_cpu()
        return self

    def stop(self) -> dict[str, float]:
        after = _group_cpu()
        return {name: after.get(pid, 0.0) - self.before.get(pid, 0.0) for name, pid in self.names.items()}


def _cpu_line(cpu: dict[str, float], requests_done: int) -> str:
    if not requests_done:
        return "    CPU ms per request: -"
    parts = [f"{name} {1000 * sec / requests_done:.1f}" for name, sec in sorted(cpu.items(), key=lambda kv: -kv[1])
             if sec > 0.005]
    total = sum(cpu.values())
    return f"    CPU ms per request: total {1000 * total / requests_done:.1f} = " + ", ".join(parts)


def _machine_cpus() -> int:
    return os.cpu_count() or 1


# -- GET figures -----------------------------------------------------------------------------
def _get_figure(name: str, title: str, path_of, opts) -> dict:
    with BenchPlatform(name, verbose=opts.verbose) as p:
        token = p.token(RESIDENT)
        path = path_of(p, token)
        naive = p.naive_gateway()
        headers = {"Authorization": f"Bearer {token}"}
        real_body = requests.get(p.url + path, headers=headers, timeout=30)
        naive_body = requests.get(naive + path, headers=headers, timeout=30)
        if real_body.status_code != 200 or naive_body.status_code != 200:
            raise RuntimeError(f"{path}: gateway {real_body.status_code} {real_body.text[:200]}, "
                               f"naive {naive_body.status_code} {naive_body.text[:200]}")
        same = _same_body(comparable(real_body.json()), comparable(naive_body.json()))
        env = {"BENCH_TOKEN": token, "BENCH_PATH": path}
        args = dict(connections=opts.clients, threads=opts.wrk_threads, env=env)
        print(f"bench: {name}: warm-up, then {opts.repeats} x ({opts.duration:g} s gateway, "
              f"{opts.duration:g} s naive) at {opts.clients} clients", flush=True)
        wrk.run(p.url + path, "get.lua", duration=min(3, opts.duration), **args)
        wrk.run(naive + path, "get.lua", duration=min(3, opts.duration), **args)
        runs = {"gateway": [], "naive": []}
        cpu = {"gateway": {}, "naive": {}}
        for i in range(opts.repeats):
            order = ("gateway", "naive") if i % 2 == 0 else ("naive", "gateway")
            for side in order:
                meter = CpuMeter(p).start()
                result = wrk.run((p.url if side == "gateway" else naive) + path, "get.lua",
                                 duration=opts.duration, **args)
                for proc, sec in meter.stop().items():
                    cpu[side][proc] = cpu[side].get(proc, 0.0) + sec
                runs[side].append(result)
                print(f"  {i + 1}/{opts.repeats} {side:8} {result.rps:8.1f} req/s  p50 {result.p50_ms:6.1f} ms  "
                      f"p95 {result.p95_ms:6.1f} ms  non-2xx {result.failed}", flush=True)
    real, base = wrk_row("gateway (./wuye up)", runs["gateway"]), wrk_row("naive gateway (proxy per request)",
                                                                          runs["naive"])
    r_med = ratio(real["rps"]["median"], base["rps"]["median"])
    r_min = ratio(real["rps"]["min"], base["rps"]["max"])
    lines = [f"GET {path_of.__doc__}, {opts.clients} clients, {opts.repeats} x {opts.duration:g} s each, "
             f"interleaved; same body as the naive gateway: {'yes' if same is True else same}",
             *wrk_table([real, base]),
             f"  ratio (median req/s) {fmt(r_med, 2)}x   worst case (min gateway / max naive) {fmt(r_min, 2)}x"
             f"   target >= {TARGET_GET_RATIO}x",
             _cpu_line(cpu["gateway"], sum(r.requests for r in runs["gateway"])).replace(
                 "CPU ms per request", "gateway run, CPU ms per request"),
             _cpu_line(cpu["naive"], sum(r.requests for r in runs["naive"])).replace(
                 "CPU ms per request", "naive run, CPU ms per request  "),
             f"    ({_machine_cpus()} CPUs: at most {_machine_cpus() * 1000:.0f} CPU ms per second in all, "
             f"wrk included)"]
    verdict = f"{fmt(r_med, 2)}x naive (target >= {TARGET_GET_RATIO}x)"
    if name == "overview":
        verdict += f", p95 {fmt(real['p95']['median'], 1)} ms (target < {TARGET_OVERVIEW_P95_MS} ms)"
    return {"name": name, "title": title, "lines": lines,
            "summary": f"{fmt(real['rps']['median'])} req/s vs {fmt(base['rps']['median'])} req/s naive: {verdict}",
            "data": {"gateway": real, "naive": base, "ratio": r_med}}


def _same_body(a, b):
    """True, or a short description of the first difference."""
    if a == b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) ^ set(b))
        if keys:
            return f"NO (keys only on one side: {', '.join(keys)})"
        for key in a:
            if a[key] != b[key]:
                return f"NO (field {key!r} differs)"
    return "NO"


def overview(opts) -> dict:
    def path(p, token):
        return f"/api/v1/units/{seed.unit_id(*UNIT)}/overview"
    path.__doc__ = "/api/v1/units/{id}/overview (a resident's unit)"
    return _get_figure("overview", "Unit overview GET", path, opts)


def _open_ticket(p, token: str) -> dict:
    response = requests.post(f"{p.url}/api/v1/repairs", headers={"Authorization": f"Bearer {token}",
                                                                 "Idempotency-Key": str(uuid.uuid4())},
                             json={"unit_id": seed.unit_id(*UNIT), "category": "public_area",
                                   "content": "bench: 楼道灯不亮", "location": "1栋3楼楼道"}, timeout=30)
    response.raise_for_status()
    return response.json()


def ticket(opts) -> dict:
    def path(p, token):
        created = _open_ticket(p, token)
        flows = Flows(p.db_urls)
        try:
            flows.wait_complete(60)           # dispatched: the body no longer changes
        finally:
            flows.close()
        return f"/api/v1/tickets/{created['id']}"
    path.__doc__ = "/api/v1/tickets/{id} (the resident's own, dispatched)"
    return _get_figure("ticket", "Ticket GET", path, opts)


# -- POST /repairs -----------------------------------------------------------------------------
def repairs(opts) -> dict:
    with BenchPlatform("repairs", postgres=True, verbose=opts.verbose) as p:
        token = p.token(RESIDENT)
        flows = Flows(p.db_urls)
        try:
            env = {"BENCH_TOKEN": token, "BENCH_UNIT": seed.unit_id(*UNIT)}
            url = p.url + "/api/v1/repairs"
            print(f"bench: repairs: warm-up, then {opts.repeats} x ({opts.duration:g} s at {opts.post_clients} "
                  f"clients, {opts.duration:g} s at 1 client), waiting for every flow after each run",
                  flush=True)
            wrk.run(url, "post_repair.lua", connections=1, threads=1, duration=2,
                    env=dict(env, BENCH_TAG=f"warm-{uuid.uuid4().hex[:8]}"))
            flows.wait_complete(120)
            runs = {"many": [], "one": []}
            drains = {"many": [], "one": []}
            incomplete = []
            cpu = {"many": {}, "one": {}}
            for i in range(opts.repeats):
                order = ("many", "one") if i % 2 == 0 else ("one", "many")
                for side in order:
                    clients = opts.post_clients if side == "many" else 1
                    before = flows.state()["tickets"]
                    meter = CpuMeter(p).start()
                    result = wrk.run(url, "post_repair.lua", connections=clients, threads=min(2, clients),
                                     duration=opts.duration,
                                     env=dict(env, BENCH_TAG=f"{side}-{i}-{uuid.uuid4().hex[:8]}"))
                    done, waited, state = flows.wait_complete(opts.drain_timeout)
                    for proc, sec in meter.stop().items():
                        cpu[side][proc] = cpu[side].get(proc, 0.0) + sec
                    created = state["tickets"] - before
                    runs[side].append(result)
                    drains[side].append(waited)
                    if not done:
                        incomplete.append(f"run {i + 1} {side}: {state}")
                    print(f"  {i + 1}/{opts.repeats} {clients:2} client(s) {result.rps:7.1f} POST/s  "
                          f"p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  non-2xx {result.failed}  "
                          f"{created} tickets, flows {'complete' if done else 'NOT complete'} "
                          f"{waited:.1f} s after the load", flush=True)
            final = flows.state()
        finally:
            flows.close()
    many = wrk_row(f"{opts.post_clients} clients", runs["many"])
    one = wrk_row("1 client (baseline)", runs["one"])
    r = ratio(many["rps"]["median"], one["rps"]["median"])
    complete = not incomplete and Flows.complete(final)
    lines = [f"POST /api/v1/repairs (resident, PostgreSQL), {opts.repeats} x {opts.duration:g} s each, interleaved; "
             f"a unique Idempotency-Key per request",
             *wrk_table([many, one]),
             f"  ratio {opts.post_clients} clients / 1 client (median req/s): {fmt(r, 2)}x   "
             f"target >= {TARGET_POSTS} POST/s at {opts.post_clients} clients",
             f"  flows: {final['tickets']} tickets, {final['dispatched']} dispatched, {final['filed']} filed, "
             f"{final['acknowledged']} acknowledged, outbox pending {sum(final['outbox_pending'].values())}: "
             f"{'every flow completed' if complete else 'NOT every flow completed'}",
             f"  time from the end of the load until every flow completed: median "
             f"{fmt(summary(drains['many'])['median'], 1)} s ({opts.post_clients} clients), "
             f"{fmt(summary(drains['one'])['median'], 1)} s (1 client)",
             _cpu_line(cpu["many"], sum(r.requests for r in runs["many"])).replace(
                 "CPU ms per request", f"{opts.post_clients}-client runs, CPU ms per POST (whole flow)"),
             *[f"  incomplete: {x}" for x in incomplete]]
    return {"name": "repairs", "title": "POST /repairs on PostgreSQL", "lines": lines,
            "summary": f"{fmt(many['rps']['median'])} POST/s at {opts.post_clients} clients "
                       f"({fmt(r, 2)}x 1 client), flows {'all completed' if complete else 'NOT all completed'} "
                       f"(target >= {TARGET_POSTS}/s)",
            "data": {"many": many, "one": one, "complete": complete}}


# -- event pipeline ----------------------------------------------------------------------------
def pipeline(opts) -> dict:
    with BenchPlatform("pipeline", postgres=True, verbose=opts.verbose) as p:
        token = p.token(RESIDENT)
        flows = Flows(p.db_urls)
        try:
            # calibrate: how many events does one repair flow make today?
            flows.wait_complete(60)
            before = flows.outbox_rows()
            for _ in range(5):
                _open_ticket(p, token)
            if not flows.wait_complete(60)[0]:
                raise RuntimeError("five repair flows did not complete in 60 s")
            per_flow = (flows.outbox_rows() - before) / 5
            flow_rate = opts.events_per_second / per_flow
            print(f"bench: pipeline: one repair flow makes {per_flow:.1f} events; {opts.events_per_second:g} "
                  f"events/s = {flow_rate:.1f} flows/s; {opts.repeats} x ({opts.pipeline_seconds:g} s at that "
                  f"rate, {opts.pipeline_seconds:g} s at 10 %)", flush=True)
            env = {"BENCH_TOKEN": token, "BENCH_UNIT": seed.unit_id(*UNIT)}
            runs = {"full": [], "tenth": []}
            for i in range(opts.repeats):
                order = ("full", "tenth") if i % 2 == 0 else ("tenth", "full")
                for side in order:
                    rate = flow_rate if side == "full" else flow_rate / 10
                    runs[side].append(_pipeline_run(p, flows, env, rate, opts, f"{side}-{i}"))
                    r = runs[side][-1]
                    print(f"  {i + 1}/{opts.repeats} {side:5} offered {rate:.1f} flows/s, got {r['posts_per_s']:.1f} "
                          f"POST/s = {r['events_per_s']:6.1f} events/s, commit->last handler p50 "
                          f"{fmt(r['timings']['commit_to_last']['p50'], 2)} s p95 "
                          f"{fmt(r['timings']['commit_to_last']['p95'], 2)} s, backlog at end "
                          f"{r['backlog'][-1][1] if r['backlog'] else '-'} outbox / "
                          f"{r['backlog'][-1][2] if r['backlog'] else '-'} queued, drained "
                          f"{r['drain_s']:.1f} s after the load{'' if r['complete'] else ' (NOT complete)'}",
                          flush=True)
        finally:
            flows.close()
    return _pipeline_report(runs, per_flow, opts)


def _pipeline_run(p, flows, env, rate, opts, tag) -> dict:
    backlog = []
    tickets_before = flows.state()["tickets"]
    started = time.monotonic()
    since = datetime.now(timezone.utc) - timedelta(seconds=0.5)

    def sample():
        state = flows.state()
        try:
            queues = p.vhost.queues()
        except requests.RequestException:
            queues = {}
        queued = sum(q["messages"] for q in queues.values())
        backlog.append((round(time.monotonic() - started), sum(state["outbox_pending"].values()), queued,
                        state["tickets"] - tickets_before))

    result = wrk.run(p.url + "/api/v1/repairs", "post_repair.lua", connections=opts.pipeline_clients,
                     threads=2, duration=opts.pipeline_seconds, every=sample, tick=5.0,
                     env=dict(env, BENCH_RATE=f"{rate:.3f}", BENCH_TAG=f"{tag}-{uuid.uuid4().hex[:8]}"))
    sample()
    load_s = result.seconds
    done, drain_s, _ = flows.wait_complete(opts.drain_timeout)
    events = flows.events_since(since)
    until = since + timedelta(seconds=0.5 + load_s)
    made = sum(1 for e in events if e["created"] <= until)     # during the load, not the drain
    try:
        left = p.vhost.ready_now()
    except Exception as exc:            # informative only
        left = {"?": str(exc)}
    return {"rate": rate, "posts_per_s": result.rps, "events_per_s": made / load_s if load_s else 0,
            "events": len(events), "timings": timings(events), "backlog": backlog, "drain_s": drain_s,
            "complete": done, "failed": result.failed, "wrk": result, "left": left}


def _pipeline_report(runs, per_flow, opts) -> dict:
    def side(name):
        rs = runs[name]
        return {"events_per_s": summary(r["events_per_s"] for r in rs),
                "posts_per_s": summary(r["posts_per_s"] for r in rs), "rate": rs[0]["rate"],
                "p50": summary(r["timings"]["commit_to_last"]["p50"] for r in rs),
                "p95": summary(r["timings"]["commit_to_last"]["p95"] for r in rs),
                "drain": summary(r["drain_s"] for r in rs),
                "complete": all(r["complete"] for r in rs), "failed": sum(r["failed"] for r in rs)}

    full, tenth = side("full"), side("tenth")
    lines = [f"Repair flows at a fixed rate on PostgreSQL ({per_flow:.1f} events per flow), "
             f"{opts.repeats} x {opts.pipeline_seconds:g} s at {opts.events_per_second:g} events/s offered and at "
             f"10 % of it (baseline), interleaved",
             f"  {'':26} {'flows/s offered':>15} {'POST/s med':>10} {'events/s med':>12} "
             f"{'commit->last handler p50 med':>29} {'p95 med':>8} {'p95 min':>8} {'drain med':>10} {'non-2xx':>8}"]
    for label, s in (("full rate", full), ("10 % rate (baseline)", tenth)):
        lines.append(f"  {label:26} {s['rate']:>15.1f} {fmt(s['posts_per_s']['median']):>10} "
                     f"{fmt(s['events_per_s']['median']):>12} {fmt(s['p50']['median'], 2, ' s'):>29} "
                     f"{fmt(s['p95']['median'], 2, ' s'):>8} {fmt(s['p95']['min'], 2, ' s'):>8} "
                     f"{fmt(s['drain']['median'], 1, ' s'):>10} {s['failed']:>8}")
    lines.append(f"  target: >= 200 events/s with no growing backlog, commit -> last handler p95 < "
                 f"{TARGET_PIPELINE_P95_S:g} s; every flow completed: "
                 f"{'yes' if full['complete'] and tenth['complete'] else 'NO'}")
    if full["posts_per_s"]["median"] and full["posts_per_s"]["median"] < 0.95 * full["rate"]:
        lines.append(f"  the offered rate was NOT reached: POST /repairs took {fmt(full['posts_per_s']['median'])}/s of "
                     f"{full['rate']:.1f}/s offered ({opts.pipeline_clients} connections, each waiting for its answer): "
                     f"the POSTs, not the event handlers, bound the pipeline (see the repairs figure)")
    # the median full-rate run in detail
    ordered = sorted(runs["full"], key=lambda r: r["timings"]["commit_to_last"]["p95"] or 0)
    r = ordered[len(ordered) // 2]
    t = r["timings"]
    lines.append(f"  backlog over time (median full-rate run; t s: outbox pending / messages queued / tickets made so far):")
    lines.append("    " + "  ".join(f"{at}s: {o}/{q}/{n}" for at, o, q, n in r["backlog"]))
    lines.append(f"  messages still queued once every flow had completed: "
                 f"{', '.join(f'{k} {v}' for k, v in r['left'].items()) or 'none'}")
    lines.append(f"  where the time goes (median full-rate run, {t['events']} events, {t['unpublished']} unpublished):")
    lines.append(f"    commit -> publish (outbox created_at -> sent_at), all events: p50 "
                 f"{fmt(t['commit_to_publish']['p50'], 3, ' s')} p95 {fmt(t['commit_to_publish']['p95'], 3, ' s')}")
    for key, s in t["publish_by_type"].items():
        lines.append(f"      {key:40} n {s['n']:6}  p50 {fmt(s['p50'], 3, ' s'):>9}  p95 {fmt(s['p95'], 3, ' s'):>9}")
    lines.append("    publish -> handled (sent_at -> the handler's inbox processed_at), per handler:")
    for key, s in t["handled_by_handler"].items():
        lines.append(f"      {key:70} n {s['n']:6}  p50 {fmt(s['p50'], 3, ' s'):>9}  p95 {fmt(s['p95'], 3, ' s'):>9}")
    return {"name": "pipeline", "title": "Event pipeline on PostgreSQL", "lines": lines,
            "summary": f"{fmt(full['events_per_s']['median'])} events/s made of {opts.events_per_second:g} offered, "
                       f"commit->last handler p95 "
                       f"{fmt(full['p95']['median'], 2)} s (baseline at 10 %: {fmt(tenth['p95']['median'], 2)} s), "
                       f"drained {fmt(full['drain']['median'], 1)} s after the load (target 200/s, p95 < 1 s)",
            "data": {"full": full, "tenth": tenth, "per_flow": per_flow}}


# -- replicas ----------------------------------------------------------------------------------
def replicas(opts) -> dict:
    with BenchPlatform("replicas", postgres=True, verbose=opts.verbose) as p:
        token = p.token(RESIDENT)
        flows = Flows(p.db_urls)
        try:
            env = {"BENCH_TOKEN": token, "BENCH_UNIT": seed.unit_id(*UNIT)}
            url = p.url + "/api/v1/repairs"
            print(f"bench: replicas: {opts.repeats} x ({opts.duration:g} s with one tickets process, "
                  f"{opts.duration:g} s with two), POST /repairs at {opts.post_clients} clients", flush=True)
            wrk.run(url, "post_repair.lua", connections=1, threads=1, duration=2,
                    env=dict(env, BENCH_TAG=f"warm-{uuid.uuid4().hex[:8]}"))
            flows.wait_complete(120)
            runs = {"one": [], "two": []}
            shares, incomplete = [], []
            for i in range(opts.repeats):
                order = ("one", "two") if i % 2 == 0 else ("two", "one")
                for side in order:
                    replica = p.add_replica("tickets") if side == "two" else None
                    try:
                        meter = CpuMeter(p).start()
                        result = wrk.run(url, "post_repair.lua", connections=opts.post_clients, threads=2,
                                         duration=opts.duration,
                                         env=dict(env, BENCH_TAG=f"{side}-{i}-{uuid.uuid4().hex[:8]}"))
                        done, waited, state = flows.wait_complete(opts.drain_timeout)
                        cpu = meter.stop()
                    finally:
                        if replica is not None:
                            p.stop_child(replica)
                    runs[side].append(result)
                    if not done:
                        incomplete.append(f"run {i + 1} {side}: {state}")
                    tickets_cpu = {k: v for k, v in cpu.items() if k == "tickets" or "kernel.serve" in k
                                   or k.startswith("child")}
                    if side == "two":
                        shares.append(tickets_cpu)
                    print(f"  {i + 1}/{opts.repeats} {side} tickets process(es): {result.rps:7.1f} POST/s  "
                          f"p95 {result.p95_ms:6.1f} ms  tickets CPU s: "
                          + ", ".join(f"{k} {v:.1f}" for k, v in tickets_cpu.items()), flush=True)
        finally:
            flows.close()
    one, two = wrk_row("one tickets process", runs["one"]), wrk_row("two tickets processes", runs["two"])
    r = ratio(two["rps"]["median"], one["rps"]["median"])
    both = all(len([v for v in s.values() if v > 0.5]) >= 2 for s in shares) if shares else False
    share_text = "; ".join(" / ".join(f"{v:.1f}" for v in s.values()) for s in shares)
    lines = [f"POST /api/v1/repairs at {opts.post_clients} clients on PostgreSQL with one tickets process and with "
             f"two (a replica: same queues, same database), {opts.repeats} x {opts.duration:g} s each, interleaved",
             *wrk_table([two, one]),
             f"  ratio two / one (median req/s): {fmt(r, 2)}x",
             f"  CPU seconds of the two tickets processes in each two-replica run: {share_text} -> "
             f"{'both did work (RPCs and events shared)' if both else 'NOT shared'}",
             f"  ({_machine_cpus()} CPUs here: a replica on the same machine shares the same cores; on a second "
             f"machine it adds its own)",
             *[f"  incomplete: {x}" for x in incomplete]]
    return {"name": "replicas", "title": "Two replicas of a service", "lines": lines,
            "summary": f"two tickets processes {fmt(two['rps']['median'])} POST/s vs one {fmt(one['rps']['median'])} "
                       f"({fmt(r, 2)}x); work shared: {'yes' if both else 'NO'}",
            "data": {"one": one, "two": two, "shared": both}}


def _listening(pid: int, port: int) -> bool:
    """``pid`` accepts connections on ``port`` (ss shows each SO_REUSEPORT listener's owner)."""
    import subprocess

    out = subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True).stdout
    return f"pid={pid}," in out


def gateway_processes(opts) -> dict:
    """The unit overview with one gateway process and with two on the one port."""
    with BenchPlatform("gateways", env={"GATEWAY_PROCESSES": "2"}, verbose=opts.verbose) as p:
        token = p.token(RESIDENT)
        path = f"/api/v1/units/{seed.unit_id(*UNIT)}/overview"
        env = {"BENCH_TOKEN": token, "BENCH_PATH": path}
        args = dict(connections=opts.clients, threads=opts.wrk_threads, env=env)
        second = "gateway-2"
        print(f"bench: gateways: {opts.repeats} x ({opts.duration:g} s with one gateway process, "
              f"{opts.duration:g} s with two) at {opts.clients} clients", flush=True)
        wrk.run(p.url + path, "get.lua", duration=min(3, opts.duration), **args)
        runs = {"one": [], "two": []}
        for i in range(opts.repeats):
            for side in (("one", "two") if i % 2 == 0 else ("two", "one")):
                proc = p.platform.procs[second]
                if side == "one" and proc.poll() is None:
                    os.killpg(proc.pid, 15)
                    proc.wait(timeout=30)
                elif side == "two" and proc.poll() is not None:
                    p.platform.launch(second)
                    deadline = time.monotonic() + 60
                    while not _listening(p.platform.procs[second].pid, p.port):
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"{second} did not listen again in 60 s")
                        time.sleep(0.2)
                    wrk.run(p.url + path, "get.lua", duration=min(3, opts.duration), **args)   # its warm-up
                result = wrk.run(p.url + path, "get.lua", duration=opts.duration, **args)
                runs[side].append(result)
                print(f"  {i + 1}/{opts.repeats} {side} process(es): {result.rps:8.1f} req/s  "
                      f"p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  non-2xx {result.failed}",
                      flush=True)
    one, two = wrk_row("one gateway process", runs["one"]), wrk_row("two gateway processes", runs["two"])
    r = ratio(two["rps"]["median"], one["rps"]["median"])
    lines = [f"GET {path.replace(seed.unit_id(*UNIT), '{id}')} at {opts.clients} clients (the read model), one "
             f"gateway process vs two on the same port (GATEWAY_PROCESSES=2, SO_REUSEPORT), {opts.repeats} x "
             f"{opts.duration:g} s each, interleaved",
             *wrk_table([two, one]),
             f"  ratio two / one (median req/s): {fmt(r, 2)}x   ({_machine_cpus()} CPUs; wrk, the broker and the "
             f"database share them)"]
    return {"name": "gateways", "title": "Gateway processes on one port", "lines": lines,
            "summary": f"two gateway processes {fmt(two['rps']['median'])} req/s vs one "
                       f"{fmt(one['rps']['median'])} ({fmt(r, 2)}x)",
            "data": {"one": one, "two": two, "ratio": r}}


# -- the two benches kept from before --------------------------------------------------------
def green_db(opts) -> dict:
    from kernel.testing import temporary_pg_database

    from . import green_db as gd

    results = []
    with temporary_pg_database() as pg_url:
        for _ in range(opts.repeats):
            results.append(gd.run(pg_url))
    return _old_bench("green_db", results)


def outbox(opts) -> dict:
    import tempfile

    from kernel.testing import temporary_pg_database

    from . import outbox as ob
    from .platform import Vhost

    vhost = Vhost(f"wuye-bench-outbox-{os.getpid()}")
    vhost.create()
    out = []
    try:
        with temporary_pg_database() as pg_url:
            for label in ("SQLite", "PostgreSQL"):
                results = []
                for _ in range(opts.repeats):
                    if label == "SQLite":
                        with tempfile.TemporaryDirectory() as tmp:
                            results.append(ob.run(vhost.uri, f"sqlite:///{tmp}/bench.db", label))
                    else:
                        results.append(ob.run(vhost.uri, pg_url, label))
                out.append(_old_bench(f"outbox-{label}", results))
    finally:
        vhost.delete()
    return {"name": "outbox", "title": "Transactional outbox vs direct publish",
            "lines": [line for o in out for line in o["lines"]],
            "summary": "; ".join(f"{o['name'].split('-', 1)[1]}: {o['summary']}" for o in out),
            "data": [o["data"] for o in out]}


def _old_bench(name: str, results: list[dict]) -> dict:
    base_name, measured_name = results[0]["baseline"][0], results[0]["measured"][0]
    base = summary(r["baseline"][1] for r in results)
    measured = summary(r["measured"][1] for r in results)
    rat = summary(r["ratio"] for r in results)
    lines = [f"{results[0]['name']} ({len(results)} repeats)",
             f"  baseline  {base_name:28} min {base['min']:8.3f} s  median {base['median']:8.3f} s",
             f"  measured  {measured_name:28} min {measured['min']:8.3f} s  median {measured['median']:8.3f} s",
             f"  ratio     median {rat['median']:.2f} {results[0]['reading']}"]
    return {"name": name, "title": results[0]["name"], "lines": lines,
            "summary": f"{rat['median']:.2f} {results[0]['reading'].split('(')[0].strip()}",
            "data": {"baseline": base, "measured": measured, "ratio": rat}}


def sla_sweep(opts) -> dict:
    """One SLA sweep over 100,000 open deadlines on PostgreSQL: through the partial index vs
    loading every open deadline and filtering in Python (bench/sla_sweep.py)."""
    from kernel.testing import temporary_pg_database

    from . import sla_sweep as ss

    with temporary_pg_database() as pg_url:
        return ss.run(pg_url, deadlines=opts.sla_deadlines, due=opts.sla_due, repeats=opts.repeats)


def bill_run(opts) -> dict:
    """billing's monthly bill run over 100,000 units on PostgreSQL: set-based chunk jobs vs the naive
    ORM row-by-row baseline (journal.issue_bill per account) on a sample (bench/bill_run.py)."""
    from kernel.testing import temporary_pg_database

    from . import bill_run as br

    with temporary_pg_database() as pg_url:
        return br.run(pg_url, units=opts.bill_units, sample=opts.bill_sample, repeats=opts.repeats,
                      chunk=opts.bill_chunk)


def dunning_sweep(opts) -> dict:
    """The dunning ladder's daily sweep over 100,000 accounts on PostgreSQL: set-based vs row by row,
    each run rolled back so both sweep the same rows (bench/dunning_sweep.py)."""
    from kernel.testing import temporary_pg_database

    from . import dunning_sweep as ds

    with temporary_pg_database() as pg_url:
        return ds.run(pg_url, accounts=opts.dunning_accounts, repeats=opts.repeats)


def broadcast(opts) -> dict:
    """A broadcast to 10,000 households on PostgreSQL: the set-based chunks vs the single-message path,
    each run rolled back so both make the same messages on the same rows (bench/broadcast.py)."""
    from kernel.testing import temporary_pg_database

    from . import broadcast as bc

    with temporary_pg_database() as pg_url:
        return bc.run(pg_url, households=opts.broadcast_households, repeats=opts.repeats)


FIGURES = {"overview": overview, "ticket": ticket, "repairs": repairs, "pipeline": pipeline,
           "replicas": replicas, "gateways": gateway_processes, "green_db": green_db, "outbox": outbox,
           "sla_sweep": sla_sweep, "bill_run": bill_run, "dunning_sweep": dunning_sweep, "broadcast": broadcast}


def to_json(result: dict) -> str:
    return json.dumps(result.get("data"), default=str)
