"""The demo group: one property group, two projects, a few buildings,
households and users. Loading it twice changes nothing (ids are derived
from names, and every registration is idempotent)."""
from __future__ import annotations

import time
import uuid
from datetime import date

from nameko.exceptions import RemoteError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.clock import SystemClock
from kernel.config import amqp_ssl, default_db_url
from kernel.db import make_engine
from kernel.rpc import RpcPool
from kernel.tenancy import Caller

NS = uuid.UUID("5b1d6c1e-0f4c-4d43-9c7e-1f0e2a3b4c5d")
DEMO_PASSWORD = "wuye-demo-2026"


def did(name: str) -> str:
    return str(uuid.uuid5(NS, name))


GROUP = did("group:demo")

PROJECTS = [
    {"code": "LH", "name": "绿湖花园", "kind": "residential", "address": "深圳市南山区绿湖路 8 号",
     "buildings": {"1栋": (18, ["0101", "0102", "0201", "0202"]), "2栋": (18, ["0101", "0102"])}},
    {"code": "XH", "name": "星河公寓", "kind": "apartment", "address": "深圳市福田区星河街 66 号",
     "buildings": {"A座": (30, ["1001", "1002", "1003"])}},
]
AREAS = {"0101": "89.37", "0102": "120.00", "0201": "89.37", "0202": "120.00",
         "1001": "56.20", "1002": "56.20", "1003": "78.45"}

# (project, building, unit) -> people
HOUSEHOLDS = {
    ("LH", "1栋", "0101"): [("张伟", "owner", "13800000101", "440301198801011238"),
                           ("李娜", "family", "13800000102", None)],
    ("LH", "1栋", "0102"): [("王强", "owner", "13800000103", "440301198302023453")],
    ("LH", "2栋", "0101"): [("陈静", "owner", "13800000104", None), ("Tom Baker", "tenant", "13800000105", None)],
    ("XH", "A座", "1001"): [("刘洋", "tenant", "13800000106", None)],
    ("XH", "A座", "1002"): [("赵敏", "owner", "13800000107", None)],
}
OPENING_BALANCES = {("LH", "1栋", "0102"): "345.00", ("XH", "A座", "1002"): "-120.00"}

# username, display name, kind, roles, projects (codes) or unit key
USERS = [
    ("admin", "集团管理员", "staff", ["group_admin"], []),
    ("gm", "总经理", "staff", ["general_manager"], []),
    ("desk.lh", "绿湖前台·周", "staff", ["front_desk"], ["LH"]),
    ("steward.lh", "绿湖管家·吴", "staff", ["steward"], ["LH"]),
    ("eng.lh", "绿湖工程·郑", "staff", ["engineering"], ["LH"]),
    ("engmgr.lh", "绿湖工程经理·何", "staff", ["engineering_manager"], ["LH"]),
    ("cs.lh", "绿湖客服经理·孙", "staff", ["cs_manager"], ["LH"]),
    ("centre.lh", "绿湖服务中心经理·李", "staff", ["centre_manager"], ["LH"]),
    ("finance.lh", "绿湖财务·钱", "staff", ["finance"], ["LH"]),
    ("desk.xh", "星河前台·冯", "staff", ["front_desk"], ["XH"]),
    ("zhangwei", "张伟", "resident", ["resident"], ("LH", "1栋", "0101")),
    ("liuyang", "刘洋", "resident", ["resident"], ("XH", "A座", "1001")),
]


def unit_id(project: str, building: str, number: str) -> str:
    return did(f"unit:{project}:{building}:{number}")


def load(amqp_uri: str, secret: str, gateway_db_url: str | None = None, wait: float = 60) -> dict:
    pool = RpcPool({"AMQP_URI": amqp_uri, "AMQP_SSL": amqp_ssl(), "WUYE_SECRET": secret}, size=2, timeout=20)
    seeder = Caller.system(GROUP, "demo-seed")
    call = lambda service, method, *args: pool.call(seeder, service, method, *args)  # noqa: E731
    try:
        projects = {}
        for p in PROJECTS:
            pid = did(f"project:{p['code']}")
            projects[p["code"]] = call("archive", "register_project", {
                "id": pid, "group_id": GROUP, "code": p["code"], "name": p["name"], "kind": p["kind"],
                "address": p["address"]})
            for bname, (floors, numbers) in p["buildings"].items():
                bid = did(f"building:{p['code']}:{bname}")
                call("archive", "register_building", {"id": bid, "project_id": pid, "name": bname,
                                                      "floors": floors})
                for number in numbers:
                    call("archive", "register_unit", {
                        "id": unit_id(p["code"], bname, number), "building_id": bid, "number": number,
                        "floor": int(number[:-2]), "building_area": AREAS[number]})
        households = {}
        for key, people in HOUSEHOLDS.items():
            households[key] = call("archive", "move_in", {
                "id": did("household:" + ":".join(key)), "unit_id": unit_id(*key),
                "moved_in_on": date(2026, 3, 1).isoformat(),
                "documents_received": ["move_in_notice", "owner_id_copy", "purchase_contract",
                                       "covenant", "preliminary_service_agreement"],
                "people": [{"id": did(f"person:{':'.join(key)}:{name}"), "name": name, "role": role,
                            "phone": phone, "id_number": id_number,
                            "locale": "en" if name.isascii() else "zh-CN"}
                           for name, role, phone, id_number in people]})
        _wait_for_accounts(call, [unit_id(*k) for k in HOUSEHOLDS], wait)
        for key, amount in OPENING_BALANCES.items():
            try:
                call("billing", "record_opening_balance", unit_id(*key), amount, "2026-11-01",
                     "demo: balance carried over")
            except RemoteError as exc:
                if "opening_balance_exists" not in str(exc.value):
                    raise
    finally:
        pool.close()
    users = _users(gateway_db_url or default_db_url("gateway"), projects)
    return {"group_id": GROUP, "projects": projects, "households": households, "users": users}


def _wait_for_accounts(call, unit_ids, wait):
    """billing opens accounts from archive's events; wait until it has caught up."""
    deadline = time.monotonic() + wait
    pending = set(unit_ids)
    while pending and time.monotonic() < deadline:
        for uid in list(pending):
            try:
                call("billing", "get_account", uid)
                pending.discard(uid)
            except RemoteError:
                pass
        if pending:
            time.sleep(0.3)
    if pending:
        raise RuntimeError(f"billing did not open accounts for {len(pending)} unit(s) in {wait}s")


def _users(url: str, projects: dict) -> list[dict]:
    from gateway.accounts import create_user
    from gateway.models import User

    session = Session(make_engine(url), expire_on_commit=False)
    out = []
    try:
        for username, name, kind, roles, scope in USERS:
            unit = unit_id(*scope) if kind == "resident" else None
            if session.scalars(select(User).where(User.username == username)).first() is None:
                create_user(session, username=username, password=DEMO_PASSWORD, display_name=name,
                            kind=kind, group_id=GROUP, roles=roles,
                            project_ids=[projects[c]["id"] for c in scope] if kind == "staff" else [],
                            unit_ids=[unit] if unit else [],
                            unit_projects={unit: projects[scope[0]]["id"]} if unit else None,
                            now=SystemClock().now())
            out.append({"username": username, "name": name, "kind": kind, "roles": roles,
                        "scope": ("/".join(scope) if kind == "resident" else ",".join(scope) or "all projects"),
                        "unit_id": unit})
        session.commit()
    finally:
        session.close()
    return out


def banner(summary: dict, url: str) -> str:
    zhang = next(u for u in summary["users"] if u["username"] == "zhangwei")
    household = summary["households"][("LH", "1栋", "0101")]
    lines = [
        "",
        f"  Wuye is running at {url}",
        f"    health: {url}/health    API document: {url}/api/v1/openapi.json",
        "",
        f"  Demo group {summary['group_id']}: projects "
        + ", ".join(f"{p['name']} ({code})" for code, p in summary["projects"].items()),
        f"  Every demo user's password: {DEMO_PASSWORD}",
    ]
    for u in summary["users"]:
        lines.append(f"    {u['kind']:8} {u['username']:11} {u['name']:10} {','.join(u['roles']):16} {u['scope']}")
    lines += [
        "",
        "  Try it (resident 张伟, unit 1栋-0101 of 绿湖花园):",
        f"    TOKEN=$(curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\",
        f"      -d '{{\"username\":\"zhangwei\",\"password\":\"{DEMO_PASSWORD}\"}}' | python3 -c 'import sys,json; print(json.load(sys.stdin)[\"access_token\"])')",
        f"    curl -s -X POST {url}/api/v1/repairs -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\",
        f"      -d '{{\"unit_id\":\"{zhang['unit_id']}\",\"category\":\"public_area\",\"content\":\"楼道灯不亮\",\"location\":\"1栋3楼楼道\"}}'",
        f"    curl -s {url}/api/v1/units/{zhang['unit_id']}/overview -H \"Authorization: Bearer $TOKEN\"",
        "  and as customer-service manager cs.lh (staff log in the same way), the household file with",
        "  the request filed in it -- every read states its purpose, which goes into the file's access log:",
        f"    CS_TOKEN=$(curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\",
        f"      -d '{{\"username\":\"cs.lh\",\"password\":\"{DEMO_PASSWORD}\"}}' | python3 -c 'import sys,json; print(json.load(sys.stdin)[\"access_token\"])')",
        f"    curl -s '{url}/api/v1/households/{household['id']}/file?purpose=demo' -H \"Authorization: Bearer $CS_TOKEN\"",
        "",
        "  Logs: var/log/<service>.log   SMS (dev provider): var/sms.log   Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)
