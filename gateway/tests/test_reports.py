"""The monthly report's gateway side without a broker: the CSV layout a CS manager opens in Excel,
the download response (the API's first non-JSON body) and how the OpenAPI document shows both
routes. The routes themselves, against the real tickets service: tests/e2e/test_monthly_report.py."""
from __future__ import annotations

import csv
import io

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.errors import file_response
from gateway.openapi import build_document
from gateway.routes.reports import CSV_TYPE, REPORT_OUT, monthly_csv

BASE = "/api/v1/projects/{project_id}/reports/tickets/{month}"


def zeros(**extra):
    return {"due": 0, "on_time": 0, "late": 0, "breached": 0, "running": 0, "cancelled": 0, "extended": 0,
            "rate_percent": None, **extra}


def complaint_counts(**extra):
    return {"registered": 0, "resolved": 0, "resolved_in_limit": 0, "upgraded": 0, "reclassified": 0, **extra}


SAT = {"satisfied": 1, "neutral": 0, "dissatisfied": 0, "unrecorded": 0}
DOC = {
    "project_id": "p1", "project_name": "=绿湖花园", "month": "2026-11", "timezone": "Asia/Shanghai",
    "period_start": "2026-11-01T00:00:00+08:00", "period_end": "2026-12-01T00:00:00+08:00",
    "as_of": "2026-12-03T10:00:00+08:00", "complete": True,
    "volumes": {"total": 3, "by_kind": [{"kind": "repair", "count": 2}, {"kind": "complaint", "count": 1}],
                "by_category": [{"kind": "repair", "category": "public_area", "count": 2},
                                {"kind": "complaint", "category": "complaint", "count": 1}],
                "by_channel": [{"kind": "repair", "channel": "portal", "count": 2},
                               {"kind": "complaint", "channel": "wechat", "count": 1}]},
    "sla": {"clocks": [zeros(ticket_kind="repair", clock="on_site", due=2, on_time=1, late=1, rate_percent=50.0)],
            "total": zeros(due=2, on_time=1, late=1, rate_percent=50.0)},
    "repair_times": [{"measure": "to_dispatch", "count": 2, "mean_minutes": 12.5, "median_minutes": 12.5},
                     {"measure": "to_arrive", "count": 0, "mean_minutes": None, "median_minutes": None}],
    "complaints": {"total": complaint_counts(registered=1),
                   "by_class": [{"complaint_class": "major", **complaint_counts(registered=1)}],
                   "by_department": [{"department": "-物业部", **complaint_counts(registered=1)}]},
    "revisits": {"repairs_closed": 2, "repairs_revisited": 1, "repairs_with_revisit": 1, "rate_percent": 50.0,
                 "target_percent": 30, "target_met": True, "done": 1,
                 "by_reason": [{"reason": "repair_sample", "done": 1, **SAT}]},
    "satisfaction": {"repairs_closed": 2, "rated": 1, "unrated": 1,
                     "ratings": [{"rating": r, "count": int(r == 5)} for r in range(1, 6)], "mean_rating": 5.0,
                     "revisits": SAT},
}


def blocks(text: str) -> dict[str, list[list[str]]]:
    """The CSV's blocks by their title line: the rows under it (header first), up to the blank line."""
    rows = list(csv.reader(io.StringIO(text)))
    out, title = {}, None
    for row in rows:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            out[title] = []
        else:
            out[title].append(row)
    return out


def test_the_csv_has_one_block_per_section():
    text = monthly_csv(REPORT_OUT.dump(DOC))
    assert "\r\n" in text and not text.startswith("\ufeff")        # the route adds the BOM
    got = blocks(text)
    heading = got["工单月报 Tickets monthly report"]
    # a name that would be a formula in Excel is quoted
    assert heading[0] == ["项目 Project", "'=绿湖花园", "p1"]
    assert ["本月已结束 Month complete", "是 yes"] in heading
    assert got["一、受理量 Volumes: tickets received in the month"] == [
        ["类型 Kind", "数量 Count"], ["报修 (repair)", "2"], ["投诉 (complaint)", "1"], ["合计 Total", "3"]]
    # an unknown key reads as itself
    assert got["受理量按渠道 Volumes by channel"][2] == ["投诉 (complaint)", "wechat", "1"]
    sla = got["二、时限达标 SLA: clocks due in the month (rate = on time / (on time + late + breached))"]
    assert sla[0][:3] == ["类型 Kind", "时限 Clock", "到期 Due"]
    assert sla[1] == ["报修 (repair)", "到场 (on_site)", "2", "1", "1", "0", "0", "0", "50.0", "0"]
    assert sla[2] == ["合计 Total", "", "2", "1", "1", "0", "0", "0", "50.0", "0"]
    times = got["三、维修时效 Repair times: repairs received in the month, minutes"]
    assert times[1:] == [["受理至派工 (to_dispatch)", "2", "12.5", "12.5"], ["派工至到场 (to_arrive)", "0", "", ""]]
    assert got["投诉按部门 Complaints by department"][1][0] == "'-物业部"
    rate = dict(got["五、回访率 Repair revisit rate: repairs closed in the month"][1:])
    assert (rate["回访率% Rate"], rate["目标% Target"], rate["达标 Target met"]) == ("50.0", "30", "是 yes")
    revisits = got["本月完成的回访 Revisits done in the month"]
    assert revisits[1] == ["维修抽样 (repair_sample)", "1", "1", "0", "0", "0"]
    assert revisits[-1] == ["合计 Total", "1", "1", "0", "0", "0"]
    ratings = dict(got["六、满意度 Satisfaction: ratings of the repairs closed in the month"][1:])
    assert (ratings["5"], ratings["1"], ratings["未评价 Unrated"], ratings["平均分 Mean rating"]) == ("1", "0", "1", "5.0")


def test_a_download_is_sent_as_it_is_with_the_api_s_headers():
    body = "\ufeff月份,2026-11\r\n".encode("utf-8")
    response = file_response(body, CSV_TYPE, "tickets-report-2026-11.csv", utf8_filename="绿湖花园-工单月报-2026-11.csv")
    assert response.get_data() == body and response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="tickets-report-2026-11.csv"; '
        "filename*=UTF-8''%E7%BB%BF%E6%B9%96%E8%8A%B1%E5%9B%AD-%E5%B7%A5%E5%8D%95%E6%9C%88%E6%8A%A5-2026-11.csv")
    assert response.headers["X-Content-Type-Options"] == "nosniff" and response.headers["Cache-Control"] == "no-store"
    with pytest.raises(ValueError):
        file_response(body, CSV_TYPE, 'x";.csv')


def test_the_openapi_document_shows_both_routes_with_their_roles():
    paths = build_document()["paths"]
    as_json, as_csv = paths[BASE]["get"], paths[BASE + ".csv"]["get"]
    for op in (as_json, as_csv):
        assert "CS manager, centre manager, general manager, engineering manager, group admin" in op["summary"]
        assert {"400", "401", "403", "404"} <= set(op["responses"])
    assert as_json["responses"]["200"]["content"] == {
        "application/json": {"schema": {"$ref": "#/components/schemas/MonthlyReportOut"}}}
    assert as_csv["responses"]["200"]["content"] == {"text/csv; charset=utf-8": {"schema": {"type": "string"}}}


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "26-11", "2026-11-01", "garbage", "２０２６-11", ""])
def test_the_gateway_refuses_what_is_not_a_month(month):
    with pytest.raises(ValidationError):
        s.ReportMonthIn().load({"month": month})
