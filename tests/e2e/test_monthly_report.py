"""The monthly report through the gateway with every service running: three repairs made and
walked through the normal routes (one to the resident's rating, one cancelled by the front desk,
one left with its reply clock running), then this month's report read as JSON by the CS manager
and as the CSV file by the centre manager, with the counts those three give; refusals included."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from deploy import seed
from kernel.testing import wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)

SH = ZoneInfo("Asia/Shanghai")      # the demo projects' time zone


def _month_start(local: datetime, months: int = 0) -> datetime:
    index = local.year * 12 + local.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=SH)


def test_the_month_s_report_as_json_and_csv(platform, demo, web_session, shared_clock):  # noqa: F811
    # the whole test within one local month: an hour before its end, move to the next one
    now = shared_clock.now().astimezone(SH)
    if _month_start(now, 1) - now < timedelta(hours=1):
        shared_clock.write(offset_seconds=(_month_start(now, 1) - now).total_seconds() + 60)
    local = shared_clock.now().astimezone(SH)
    month, next_month = f"{local:%Y-%m}", f"{_month_start(local, 1):%Y-%m}"

    project, unit = seed.did("project:LH"), seed.unit_id("LH", "1栋", "0101")
    resident, desk, manager, technician, cs, centre = (token(web_session, u) for u in (
        "zhangwei", "desk.lh", "engmgr.lh", "eng.lh", "cs.lh", "centre.lh"))
    tech_id = web_session.get("/api/v1/me", headers=technician).json()["id"]

    def post(headers, path, body, expect=200):
        response = web_session.post(path, headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}),
                                    json=body)
        assert response.status_code == expect, response.text
        return response.json()

    def step(headers, ticket, action, body=None):
        return post(headers, f"/api/v1/tickets/{ticket['id']}/{action}", body or {})

    a = post(resident, "/api/v1/repairs", {"unit_id": unit, "category": "public_area", "content": "楼道灯不亮",
                                            "location": "1栋3楼楼道"}, 201)
    b = post(desk, "/api/v1/repairs", {"unit_id": unit, "category": "public_area", "content": "电梯按钮失灵",
                                       "channel": "phone", "reporter_name": "张伟"}, 201)
    c = post(resident, "/api/v1/repairs", {"unit_id": unit, "category": "not_covered", "content": "想加装防盗网"},
             201)
    for ticket in (a, b, c):      # notify's engineering dispatch reached each (its 2-minute clock met)
        wait_for(lambda: web_session.get(f"/api/v1/tickets/{ticket['id']}", headers=manager)
                 .json()["status"] == "dispatched", message=f"{ticket['number']} dispatched")

    step(manager, a, "dispatch", {"assignee_id": tech_id, "assignee_name": "郑工"})
    step(technician, a, "accept")
    step(technician, a, "arrive")
    step(technician, a, "complete", {"work_done": "更换LED灯管"})
    assert step(resident, a, "rate", {"rating": 4})["status"] == "closed"
    assert step(desk, b, "cancel", {"reason": "业主已自行处理"})["status"] == "cancelled"

    path = f"/api/v1/projects/{project}/reports/tickets/{month}"
    response = web_session.get(path, headers=cs)
    assert response.status_code == 200, response.text
    doc = response.json()
    assert (doc["month"], doc["timezone"], doc["project_name"], doc["complete"]) == (
        month, "Asia/Shanghai", "绿湖花园", False)
    v = doc["volumes"]
    assert v["by_kind"][0] == {"kind": "repair", "count": 3}
    assert v["by_category"][:4] == [
        {"kind": "repair", "category": "public_area", "count": 2}, {"kind": "repair", "category": "in_home_paid", "count": 0},
        {"kind": "repair", "category": "not_covered", "count": 1}, {"kind": "repair", "category": "unclassified", "count": 0}]
    assert v["by_channel"][:4] == [
        {"kind": "repair", "channel": "portal", "count": 2}, {"kind": "repair", "channel": "phone", "count": 1},
        {"kind": "repair", "channel": "visit", "count": 0}, {"kind": "repair", "channel": "staff", "count": 0}]

    clocks = {(r["ticket_kind"], r["clock"]): {k: r[k] for k in ("due", "on_time", "late", "breached", "running",
                                                                 "cancelled", "rate_percent")}
              for r in doc["sla"]["clocks"]}
    assert clocks == {
        # recorded at once, engineering notified within seconds: 3 + 3 on time
        ("repair", "record"): {"due": 3, "on_time": 3, "late": 0, "breached": 0, "running": 0, "cancelled": 0,
                               "rate_percent": 100.0},
        ("repair", "notify_engineering"): {"due": 3, "on_time": 3, "late": 0, "breached": 0, "running": 0,
                                           "cancelled": 0, "rate_percent": 100.0},
        # a's technician on site at once; b's clock cancelled with it
        ("repair", "on_site"): {"due": 2, "on_time": 1, "late": 0, "breached": 0, "running": 0, "cancelled": 1,
                                "rate_percent": 100.0},
        # c's engineering manager has 15 minutes to reply: still running
        ("repair", "reply"): {"due": 1, "on_time": 0, "late": 0, "breached": 0, "running": 1, "cancelled": 0,
                              "rate_percent": None},
    }
    assert (doc["sla"]["total"]["due"], doc["sla"]["total"]["on_time"]) == (9, 7)
    times = {t["measure"]: t for t in doc["repair_times"]}
    # all three dispatched (the notice), a alone arrived and done -- within the test's minutes
    assert [times[m]["count"] for m in ("to_dispatch", "to_arrive", "to_resolve")] == [3, 1, 1]
    assert 0 <= times["to_resolve"]["mean_minutes"] == times["to_resolve"]["median_minutes"] < 10
    assert doc["complaints"]["total"]["registered"] == 0
    r = doc["revisits"]
    assert (r["repairs_closed"], r["repairs_revisited"], r["rate_percent"], r["target_percent"], r["target_met"]) == (
        1, 0, 0.0, 30, False)
    sat = doc["satisfaction"]
    assert (sat["repairs_closed"], sat["rated"], sat["unrated"], sat["mean_rating"]) == (1, 1, 0, 4.0)
    assert sat["ratings"][3] == {"rating": 4, "count": 1}

    # the same as a file for Excel (the centre manager)
    download = web_session.get(path + ".csv", headers=centre)
    assert download.status_code == 200, download.text
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Content-Disposition"].startswith(f'attachment; filename="tickets-report-{month}.csv"')
    assert download.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["工单月报 Tickets monthly report"] and ["月份 Month", month] in rows
    at = rows.index(["一、受理量 Volumes: tickets received in the month"])
    assert rows[at + 1: at + 3] == [["类型 Kind", "数量 Count"], ["报修 (repair)", "3"]]
    assert ["公共区域 (public_area)", "2"] == rows[rows.index(["受理量按类别 Volumes by category"]) + 2][1:]
    assert ["报修 (repair)", "到场 (on_site)", "2", "1", "0", "0", "0", "1", "100.0", "0"] in rows
    assert ["4", "1"] in rows and ["平均分 Mean rating", "4.0"] in rows

    # refusals: never a 5xx
    def refused(headers, url, status, code):
        response = web_session.get(url, headers=headers)
        assert (response.status_code, response.json()["error"]) == (status, code), response.text

    refused(desk, path, 403, "role_required")
    refused(token(web_session, "desk.xh"), path, 403, "project_out_of_scope")
    refused(resident, path, 404, "project_not_found")
    refused(resident, path + ".csv", 404, "project_not_found")
    refused(cs, f"/api/v1/projects/{project}/reports/tickets/{next_month}", 400, "month_in_future")
    refused(cs, f"/api/v1/projects/{project}/reports/tickets/{next_month}.csv", 400, "month_in_future")
    for bad in ("2026-13", "garbage", "2026-1", "%E2%80%AE2026-11"):
        refused(cs, f"/api/v1/projects/{project}/reports/tickets/{bad}", 400, "invalid_input")
    refused(cs, f"/api/v1/projects/{uuid.uuid4()}/reports/tickets/{month}", 404, "project_not_found")
