"""The demo group: one property group, two projects, a few buildings,
households and users -- and, for 绿湖花园, what engineering and customer service
need to try the service centre's work: the price list of paid services, the
on-duty list that auto-assignment reads, and the developer's supervision
department's number (notify). Loading it twice changes nothing (ids are derived
from names, every registration is idempotent, and the engineering data is added
only where the project has none -- what staff changed since is left as it is)."""
from __future__ import annotations

import json
import time
import uuid
from datetime import date

from nameko.exceptions import RemoteError
from sqlalchemy import select
from sqlalchemy.orm import Session

from kernel.clock import SystemClock
from kernel.config import amqp_ssl, default_db_url
from kernel.db import make_engine
from kernel.errors import parse_remote_error
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
    ("audit.lh", "绿湖审计·林", "staff", ["auditor"], ["LH"]),   # reads the files' access log and grants
    ("guard.lh", "绿湖护卫·陈", "staff", ["security"], ["LH"]),  # the gate (护卫部): goods release passes
    ("desk.xh", "星河前台·冯", "staff", ["front_desk"], ["XH"]),
    ("zhangwei", "张伟", "resident", ["resident"], ("LH", "1栋", "0101")),
    ("liuyang", "刘洋", "resident", ["resident"], ("XH", "A座", "1001")),
]


# The price list of paid services (有偿服务价目表) per project: code (SN 水暖 plumbing, DQ 电气
# electrical, MC 门窗 doors and windows, QT 其他 other), name, unit, price (yuan, labour). In force
# from the day the demo is loaded; the banner shows the first four.
PRICE_LISTS = {
    "LH": [
        ("SN-01", "更换水龙头", "个", "30.00"),
        ("SN-04", "疏通下水道", "次", "80.00"),
        ("DQ-01", "更换灯具", "个", "25.00"),
        ("MC-01", "更换门锁", "把", "120.00"),
        ("SN-02", "更换水龙头阀芯", "个", "20.00"),
        ("SN-03", "更换角阀", "个", "25.00"),
        ("SN-05", "疏通马桶", "次", "60.00"),
        ("DQ-02", "更换开关插座面板", "个", "15.00"),
        ("DQ-03", "更换空气开关", "个", "40.00"),
        ("MC-02", "更换门合页", "个", "20.00"),
        ("QT-01", "安装晾衣架", "套", "50.00"),
    ],
}

# The on-duty list (工程值班表) per project: category ("*": all), the technician (a demo user),
# the ISO weekdays the shift starts on (1 = Monday) and its local hours (an end at or before the
# start runs into the next morning). Every hour of the week has someone on duty.
DUTY_ROSTERS = {
    "LH": [
        ("*", "eng.lh", [1, 2, 3, 4, 5], "08:00", "18:00"),           # weekdays, day shift
        ("*", "engmgr.lh", [1, 2, 3, 4, 5, 6, 7], "18:00", "08:00"),  # every night
        ("*", "engmgr.lh", [6, 7], "08:00", "18:00"),                 # weekend days
    ],
}

# notify's per-project settings: the developer's supervision department (开发商监理部), texted
# when a warranty-quality complaint is recorded. A made-up number of the demo's range.
NOTIFY_SETTINGS = {
    "LH": {"supervision.contact_phone": "13800000199"},
}
DEMO_REASON = "demo data (./wuye up)"

# Daily inspections (巡检, 000 §四): the project's inspection areas -- name, area type, building (None:
# the whole estate) and the steward who patrols it (a demo user). tickets plans each area's patrols
# (2 a day, 08:00-12:00 and 14:00-18:00) for its steward from the day they are made. ``./wuye up``
# loads them (``load(..., inspection_areas=True)``); the e2e tests' demo does not (their own areas).
INSPECTION_AREAS = {
    "LH": [
        ("1栋楼梯间", "stairwell", "1栋", "steward.lh"),
        ("1栋楼顶天台", "roof", "1栋", "steward.lh"),
        ("1栋电梯", "elevator", "1栋", "steward.lh"),
        ("2栋大堂", "lobby_corridor", "2栋", "steward.lh"),
        ("园区外观", "exterior", None, "steward.lh"),
    ],
}


def unit_id(project: str, building: str, number: str) -> str:
    return did(f"unit:{project}:{building}:{number}")


def demo_key(*parts) -> str:
    """An idempotency key derived from what is sent: the same request on a second load gets the
    first answer and writes nothing; a different one (new user ids after ``--fresh``) a new key."""
    return "demo-seed:" + did(json.dumps(parts, sort_keys=True, ensure_ascii=False))


def price_items(code: str) -> list[dict]:
    return [{"code": c, "name": name, "unit": unit, "price": price, "reason": DEMO_REASON}
            for c, name, unit, price in PRICE_LISTS.get(code, ())]


def missing_price_items(price_list: dict, items: list[dict]) -> list[dict]:
    """The demo items whose code the project's list neither offers nor has scheduled (a code
    staff have since repriced or scheduled is theirs)."""
    known = {i["code"] for i in price_list.get("items", ())} | {i["code"] for i in price_list.get("scheduled", ())}
    return [item for item in items if item["code"] not in known]


def duty_entries(code: str, users: dict[str, dict]) -> list[dict]:
    """The project's demo on-duty list with the technicians' user ids (``users`` by username)."""
    return [{"category": category, "technician_id": users[username]["id"],
             "technician_name": users[username]["name"], "weekdays": weekdays, "starts": starts, "ends": ends}
            for category, username, weekdays, starts, ends in DUTY_ROSTERS.get(code, ())]


def load(amqp_uri: str, secret: str, gateway_db_url: str | None = None, wait: float = 60,
         sweep: bool = True, inspection_areas: bool = False) -> dict:
    """Load the demo (idempotent). ``sweep``: then run the day's dunning sweep, so the demo's arrears
    have their case at once (``./wuye up``); the dunning e2e test drives the day jobs itself.
    ``inspection_areas``: the demo's inspection areas (:data:`INSPECTION_AREAS`, ``./wuye up``), so a
    new user sees the day's patrols; off by default -- tests that load the demo count their own rounds."""
    pool = RpcPool({"AMQP_URI": amqp_uri, "AMQP_SSL": amqp_ssl(), "WUYE_SECRET": secret}, size=2, timeout=20)
    seeder = Caller.system(GROUP, "demo-seed")
    call = lambda service, method, *args, **kw: pool.call(seeder, service, method, *args, **kw)  # noqa: E731
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
        # the day's dunning sweep ran when the platform started, before these balances: run it again
        # now (a case moves once a day: nothing is sent twice) so the demo's arrears have their case
        for code in sorted({key[0] for key in OPENING_BALANCES}) if sweep else ():
            call("billing", "run_dunning_sweep", projects[code]["id"])
        users = _users(gateway_db_url or default_db_url("gateway"), projects,
                       {unit_id(*key): h.get("id") for key, h in households.items() if isinstance(h, dict)})
        service_centre = {code: _service_centre(call, projects[code]["id"], code,
                                                {u["username"]: u for u in users}, wait)
                          for code in sorted(set(PRICE_LISTS) | set(DUTY_ROSTERS) | set(NOTIFY_SETTINGS))}
        areas = {code: _inspection_areas(call, projects[code]["id"], code, {u["username"]: u for u in users}, wait)
                 for code in sorted(INSPECTION_AREAS)} if inspection_areas else {}
    finally:
        pool.close()
    return {"group_id": GROUP, "projects": projects, "households": households, "users": users,
            "service_centre": service_centre, "inspection_areas": areas}


def inspection_area_data(code: str, users: dict[str, dict]) -> list[dict]:
    """The project's demo inspection areas as tickets' ``create_inspection_area`` takes them (the
    stewards' user ids and names from ``users``, by username)."""
    return [{"name": name, "area_type": area_type,
             "building_id": did(f"building:{code}:{building}") if building else None,
             "steward_id": users[username]["id"], "steward_name": users[username]["name"]}
            for name, area_type, building, username in INSPECTION_AREAS.get(code, ())]


def _inspection_areas(call, project_id: str, code: str, users: dict[str, dict], wait: float) -> list[dict]:
    """The project's demo inspection areas, each made only if the project has no area of that name
    (one staff made or renamed since stays theirs); tickets plans today's remaining patrols at once."""
    known = {a["name"]: a for a in _once_project_known(call, wait, "tickets", "list_inspection_areas", project_id)}
    out = []
    for data in inspection_area_data(code, users):
        area = known.get(data["name"])
        if area is None:
            area = call("tickets", "create_inspection_area", project_id, data,
                        idempotency_key=demo_key("inspection-area", project_id, data))
        out.append(area)
    return out


def _service_centre(call, project_id: str, code: str, users: dict[str, dict], wait: float) -> dict:
    """The project's price list, on-duty list and supervision-department number, through tickets'
    and notify's RPCs -- each added only where the project has none yet."""
    price_list = _once_project_known(call, wait, "tickets", "get_price_list", project_id)
    for item in missing_price_items(price_list, price_items(code)):
        price_list = call("tickets", "set_price_item", project_id, item,
                          idempotency_key=demo_key("price", project_id, item))
    roster = call("tickets", "get_duty_roster", project_id)
    entries = duty_entries(code, users)
    if entries and not roster["entries"]:
        roster = call("tickets", "replace_duty_roster", project_id, {"entries": entries},
                      idempotency_key=demo_key("duty", project_id, entries))
    values = {s["key"]: s["value"] for s in
              _once_project_known(call, wait, "notify", "get_settings", project_id)["settings"]}
    for key, value in NOTIFY_SETTINGS.get(code, {}).items():
        if not values.get(key):
            call("notify", "set_setting", project_id, key, value, None, DEMO_REASON,
                 idempotency_key=demo_key("notify", project_id, key, value))
            values[key] = value
    return {"price_items": price_list["items"], "duty_roster": roster["entries"],
            "notify_settings": {key: values.get(key) for key in NOTIFY_SETTINGS.get(code, {})}}


def _once_project_known(call, wait: float, service: str, method: str, project_id: str):
    """``service.method(project_id)`` once the service has its copy of the project (from archive's
    ``project.changed``): until then it answers ``project_not_found``."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return call(service, method, project_id)
        except RemoteError as exc:
            if parse_remote_error(exc.exc_type, exc.value)[1] != "project_not_found" \
                    or time.monotonic() > deadline:
                raise
        time.sleep(0.3)


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


def _users(url: str, projects: dict, households: dict[str, str] | None = None) -> list[dict]:
    """The demo accounts; a resident's unit bound to the household archive just moved in there
    (``gateway.scopes``: it is theirs while that household lives there)."""
    from gateway.accounts import create_user
    from gateway.models import User

    session = Session(make_engine(url), expire_on_commit=False)
    out = []
    try:
        for username, name, kind, roles, scope in USERS:
            unit = unit_id(*scope) if kind == "resident" else None
            user = session.scalars(select(User).where(User.username == username)).first()
            if user is None:
                user = create_user(session, username=username, password=DEMO_PASSWORD, display_name=name,
                                   kind=kind, group_id=GROUP, roles=roles,
                                   project_ids=[projects[c]["id"] for c in scope] if kind == "staff" else [],
                                   unit_ids=[unit] if unit else [],
                                   unit_projects={unit: projects[scope[0]]["id"]} if unit else None,
                                   unit_households={unit: (households or {}).get(unit)} if unit else None,
                                   now=SystemClock().now())
            out.append({"id": user.id, "username": username, "name": name, "kind": kind, "roles": roles,
                        "scope": ("/".join(scope) if kind == "resident" else ",".join(scope) or "all projects"),
                        "unit_id": unit})
        session.commit()
    finally:
        session.close()
    return out


DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _days(weekdays: list[int]) -> str:
    days = sorted(weekdays)
    if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
        return f"{DAY_NAMES[days[0] - 1]}-{DAY_NAMES[days[-1] - 1]}"
    return ",".join(DAY_NAMES[d - 1] for d in days)


def service_centre_lines(summary: dict) -> list[str]:
    """What the banner says of each project's price list, on-duty list and notify settings."""
    names = {u["id"]: u["username"] for u in summary["users"]}
    lines = []
    for code, centre in summary.get("service_centre", {}).items():
        lines += ["", f"  Service centre of {summary['projects'][code]['name']} ({code}):"]
        order = {c: n for n, (c, *_rest) in enumerate(PRICE_LISTS.get(code, ()))}
        items = sorted(centre["price_items"], key=lambda i: (order.get(i["code"], len(order)), i["code"]))
        if items:
            shown = ", ".join(f"{i['name']} ¥{i['price']}/{i['unit']}" for i in items[:4])
            lines.append(f"    price list of paid services: {len(items)} items ({shown}{', ...' if len(items) > 4 else ''})")
        if centre["duty_roster"]:
            lines.append("    on-duty list (a repair dispatched without a technician goes to the one on duty):")
            lines += [f"      {names.get(e['technician_id'], e['technician_name']):10} {_days(e['weekdays']):8} "
                      f"{e['starts']}-{e['ends']}  {'all categories' if e['category'] == '*' else e['category']}"
                      for e in centre["duty_roster"]]
        for key, value in centre["notify_settings"].items():
            lines.append(f"    notify setting {key}: {value or '(none)'}"
                         + (" -- the developer's supervision department, a made-up number"
                            if key == "supervision.contact_phone" and value else ""))
    return lines


def inspection_lines(summary: dict) -> list[str]:
    """What the banner says of each project's demo inspection areas and where to see the rounds."""
    lines = []
    names = {u["id"]: u["username"] for u in summary["users"]}
    for code, areas in summary.get("inspection_areas", {}).items():
        if not areas:
            continue
        project = summary["projects"][code]
        lines += ["", f"  Daily inspections of {project['name']} ({code}): {len(areas)} areas, each patrolled twice a day "
                      "(08:00-12:00, 14:00-18:00) by its steward:"]
        lines += [f"    {a['name']:8} {a.get('area_type_name') or a['area_type']:10} "
                  f"{names.get(a.get('steward_id'), a.get('steward_name') or '-')}" for a in areas]
        lines.append("    the day's rounds, the month's figures (日常巡检统计表) and its printed sheet "
                     "(as steward.lh or cs.lh):")
        lines += [f"      GET /api/v1/projects/{project['id']}/inspection-rounds?due=due",
                  f"      GET /api/v1/projects/{project['id']}/inspection-figures/$(date +%Y-%m)[.pdf]"]
    return lines


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
    lines += service_centre_lines(summary)
    lines += inspection_lines(summary)
    lh = summary["projects"]["LH"]["id"]
    lines += [
        "",
        "  Try it (resident 张伟, unit 1栋-0101 of 绿湖花园):",
        f"    TOKEN=$(curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\",
        f"      -d '{{\"username\":\"zhangwei\",\"password\":\"{DEMO_PASSWORD}\"}}' | python3 -c 'import sys,json; print(json.load(sys.stdin)[\"access_token\"])')",
        f"    curl -s -X POST {url}/api/v1/repairs -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\",
        "      -H \"Idempotency-Key: $(python3 -c 'import uuid; print(uuid.uuid4())')\" \\",
        f"      -d '{{\"unit_id\":\"{zhang['unit_id']}\",\"category\":\"public_area\",\"content\":\"楼道灯不亮\",\"location\":\"1栋3楼楼道\"}}'",
        f"    curl -s {url}/api/v1/units/{zhang['unit_id']}/overview -H \"Authorization: Bearer $TOKEN\"",
        "  and as customer-service manager cs.lh (staff log in the same way), the household file with",
        "  the request filed in it -- every read states its purpose, which goes into the file's access log:",
        f"    CS_TOKEN=$(curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\",
        f"      -d '{{\"username\":\"cs.lh\",\"password\":\"{DEMO_PASSWORD}\"}}' | python3 -c 'import sys,json; print(json.load(sys.stdin)[\"access_token\"])')",
        f"    curl -s '{url}/api/v1/households/{household['id']}/file?purpose=demo' -H \"Authorization: Bearer $CS_TOKEN\"",
        "  the price list of paid services (residents read it too) and who is on duty now:",
        f"    curl -s {url}/api/v1/projects/{lh}/price-list -H \"Authorization: Bearer $TOKEN\"",
        f"    curl -s {url}/api/v1/projects/{lh}/duty-roster -H \"Authorization: Bearer $CS_TOKEN\"",
        "  billing: this month's bills (billing runs each month's on the 1st by itself), then 张伟's bills,",
        "  a cash payment at the desk (desk.lh; the same Idempotency-Key again answers the same receipt):",
        f"    ./wuye billing run {lh} $(date +%Y-%m)",
        f"    DESK_TOKEN=$(curl -s -X POST {url}/api/v1/auth/token -H 'Content-Type: application/json' \\",
        f"      -d '{{\"username\":\"desk.lh\",\"password\":\"{DEMO_PASSWORD}\"}}' | python3 -c 'import sys,json; print(json.load(sys.stdin)[\"access_token\"])')",
        f"    curl -s {url}/api/v1/units/{zhang['unit_id']}/bills -H \"Authorization: Bearer $TOKEN\"",
        f"    curl -s -X POST {url}/api/v1/units/{zhang['unit_id']}/payments -H \"Authorization: Bearer $DESK_TOKEN\" \\",
        "      -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-pay-1' -d '{\"method\":\"cash\",\"amount\":\"102.78\"}'",
        "  dunning: 1栋-0102 carried 345.00 over, due 1 November -- the demo's sweep opened its case with the",
        "  1st notice (then each morning at 08:00); the CS manager's cases, the steward's worklist and the",
        "  arrears ledger (CSV too):",
        f"    curl -s {url}/api/v1/projects/{lh}/dunning/cases -H \"Authorization: Bearer $CS_TOKEN\"",
        f"    curl -s {url}/api/v1/projects/{lh}/dunning/tasks -H \"Authorization: Bearer $CS_TOKEN\"",
        f"    curl -s {url}/api/v1/projects/{lh}/arrears-ledger.csv -H \"Authorization: Bearer $CS_TOKEN\"",
        "",
        "  Logs: var/log/<service>.log   SMS (dev provider): var/sms.log   Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)
