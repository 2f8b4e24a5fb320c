"""The dunning reports' gateway side without a broker: the CSV layouts (UTF-8 with a BOM added by the
route, formula cells quoted, headers in Chinese and English), the query strings refused with a 400
before billing is asked, and the OpenAPI entries with their roles. The routes against the real
billing service: tests/e2e/test_arrears_reports.py."""
from __future__ import annotations

import csv
import io

import pytest
from marshmallow import ValidationError

import gateway.service  # noqa: F401  (registers the routes)
from gateway import schemas as s
from gateway.openapi import build_document
from gateway.routes import arrears

from .test_reports import blocks

ZERO = "0.00"
BUCKETS = {"aged_0_30": ZERO, "aged_31_90": "500.00", "aged_91_365": ZERO, "aged_over_365": ZERO}
LEDGER = {
    "project_id": "p1", "project_name": "绿湖花园", "currency": "CNY", "on": "2026-11-24", "today": True,
    "accounts": 1,
    "rows": [{"account_id": "a2", "unit_id": "u2", "unit_label": "1栋-0102", "payer_name": "=HYPERLINK(\"x\")",
              "overdue": "500.00", "bills": 1, "oldest_due_on": "2026-10-10", "days_past_due": 45, **BUCKETS,
              "case_id": "c2", "stage": "late", "arrears_class": "B", "steward_id": "stew-1",
              "steward_name": "李管家", "paused": None, "late_fee_accrued": "4.25", "late_fee_billed": ZERO,
              "late_fee_through": "2026-11-24"}],
    "totals": {"accounts": 1, "overdue": "500.00", **BUCKETS},
    "by_class": [{"arrears_class": k, "accounts": int(k == "B"), "overdue": "500.00" if k == "B" else ZERO,
                  **(BUCKETS if k == "B" else dict.fromkeys(BUCKETS, ZERO))}
                 for k in ("A", "B", "C", "D", "E", "unclassified")],
}


def rate(**kw):
    return {"bills": 0, "gross": ZERO, "monthly": ZERO, "one_off": ZERO, "cancelled": ZERO, "billed": ZERO,
            "collected": ZERO, "discounted": ZERO, "written_off": ZERO, "outstanding": ZERO, "rate_percent": None,
            **kw}


RATE = {"project_id": "p1", "project_name": "绿湖花园", "currency": "CNY", "month_from": "2026-10",
        "month_to": "2026-11", "as_of": "2026-11-30", "months": [
            {"month": "2026-10", "first_day": "2026-10-01", "last_day": "2026-10-31", "complete": True,
             "current": rate(bills=4, gross="640.00", billed="640.00", collected="230.00", rate_percent="35.94"),
             "arrears": {"bills": 0, "brought_forward": ZERO, "cancelled": ZERO, "collected": ZERO,
                         "discounted": ZERO, "written_off": ZERO, "outstanding": ZERO, "rate_percent": None},
             "late_fee": {"bills": 0, "billed": ZERO, "collected": ZERO, "outstanding": ZERO}},
            {"month": "2026-11", "first_day": "2026-11-01", "last_day": "2026-11-30", "complete": False,
             "current": rate(bills=3, gross="600.00", billed="500.00", collected="80.00", rate_percent="16.00"),
             "arrears": {"bills": 3, "brought_forward": "400.00", "cancelled": ZERO, "collected": "370.00",
                         "discounted": ZERO, "written_off": "30.00", "outstanding": ZERO, "rate_percent": "92.50"},
             "late_fee": {"bills": 1, "billed": "1.05", "collected": ZERO, "outstanding": "1.05"}}]}


def steward(sid, name, **kw):
    return {"steward_id": sid, "steward_name": name, "open_cases": 1, "tasks_due": 3, "tasks_done": 1,
            "tasks_open": 1, "tasks_overdue": 1, "actions_total": 2, "promises": 1, "promised_amount": "60.00",
            "notices_total": 1, "collected": "30.00", "actions": [{"kind": "call", "count": 2}],
            "notices": [{"stage": "first", "count": 0}, {"stage": "second", "count": 1}, {"stage": "final", "count": 0}],
            **kw}


DAILY = {"project_id": "p1", "project_name": "绿湖花园", "currency": "CNY", "day": "2026-11-24",
         "stewards": [steward("stew-1", "李管家"), steward(None, None, collected="200.00", actions=[])],
         "totals": steward(None, None, collected="230.00")}


def test_the_ledger_csv():
    text = arrears.ledger_csv(arrears.LEDGER_OUT.dump(LEDGER))
    assert "\r\n" in text and not text.startswith("\ufeff")        # the route adds the BOM
    got = blocks(text)
    heading = got["欠费台账 Arrears ledger"]
    assert heading[:2] == [["项目 Project", "绿湖花园", "p1"], ["日期 On", "2026-11-24"]]
    detail = got["一、欠费明细 Accounts with overdue bills (due before the day, not settled by its end)"]
    assert detail[0][:8] == ["房号 Unit", "缴费人 Payer", "欠费合计 Overdue", "账单数 Bills", "0-30天 0-30 days",
                             "31-90天 31-90 days", "91-365天 91-365 days", "365天以上 Over 365 days"]
    assert detail[1] == ["1栋-0102", "'=HYPERLINK(\"x\")", "500.00", "1", "0.00", "500.00", "0.00", "0.00",
                         "2026-10-10", "45", "滞纳 (late)", "不明确 (B)", "李管家 (stew-1)", "", "4.25", "0.00",
                         "2026-11-24"]
    assert got["二、账龄合计 Totals by age"][1] == ["1", "500.00", "0.00", "500.00", "0.00", "0.00"]
    classes = got["三、按欠费分类 By arrears class"]
    assert [r[0] for r in classes[1:]] == ["承诺缴费 (A)", "不明确 (B)", "联系不上 (C)", "不在本地 (D)", "拒缴 (E)",
                                           "未分类 (unclassified)"]
    assert classes[2][:3] == ["不明确 (B)", "1", "500.00"]


def test_the_collection_rate_csv():
    got = blocks(arrears.rate_csv(arrears.RATE_OUT.dump(RATE)))
    current = next(v for k, v in got.items() if k.startswith("一、当期"))
    assert current[0][0] == "月份 Month" and current[0][-1] == "收费率% Rate"
    assert current[1][:4] == ["2026-10", "是 yes", "4", "640.00"] and current[1][-1] == "35.94"
    assert current[2][1] == "否 no" and current[2][-1] == "16.00"
    arrears_ = next(v for k, v in got.items() if k.startswith("二、往期欠费"))
    assert arrears_[1][-1] == "" and arrears_[2] == ["2026-11", "3", "400.00", "0.00", "370.00", "0.00", "30.00",
                                                   "0.00", "92.50"]
    fees = next(v for k, v in got.items() if k.startswith("三、滞纳金"))
    assert fees[2] == ["2026-11", "1", "1.05", "0.00", "1.05"]


def test_the_daily_report_csv():
    got = blocks(arrears.daily_csv(arrears.DAILY_OUT.dump(DAILY)))
    by_steward = got["一、按管家 By steward"]
    assert by_steward[0][:2] == ["管家 Steward", "在催案件 Open cases"]
    assert by_steward[1][0] == "李管家 (stew-1)" and by_steward[1][-1] == "30.00"
    assert by_steward[2][0] == "未分配 (unassigned)" and by_steward[3][0] == "合计 Total"
    assert by_steward[3][-1] == "230.00"
    assert got["二、催缴动作 Actions by kind"][1:] == [["李管家 (stew-1)", "电话 (call)", "2"]]
    assert got["三、催费通知 Notices by stage"][1:] == [["李管家 (stew-1)", "二次催费 (second)", "1"],
                                                     ["未分配 (unassigned)", "二次催费 (second)", "1"]]


def test_the_deposits_csv():
    doc = {"project_id": "p1", "project_name": "+绿湖", "currency": "CNY", "as_of": "2026-11-24", "unit_count": 1,
           "total": "2200.00", "units": [{"account_id": "a1", "unit_id": "u1", "unit_label": "1栋-0101",
                                          "payer_name": "张伟", "held": "2200.00", "by_purpose": [
                                              {"purpose": "key", "deposits": 1, "held": "200.00"},
                                              {"purpose": "renovation", "deposits": 1, "held": "2000.00"}]}]}
    rows = list(csv.reader(io.StringIO(arrears.deposits_csv(arrears.DEPOSITS_OUT.dump(doc)))))
    assert rows[1] == ["项目 Project", "'+绿湖", "p1"]
    got = blocks(arrears.deposits_csv(doc))
    assert got["一、按房屋 By unit"][1:] == [["1栋-0101", "张伟", "2200.00"], ["合计 Total (1)", "", "2200.00"]]
    assert got["二、按类别 By purpose"][1:] == [["1栋-0101", "钥匙押金 (key)", "1", "200.00"],
                                             ["1栋-0101", "装修保证金 (renovation)", "1", "2000.00"]]


@pytest.mark.parametrize("schema, query", [
    (s.ArrearsLedgerQuery, {"on": "2026-02-30"}), (s.ArrearsLedgerQuery, {"on": "24/11/2026"}),
    (s.CollectionRateQuery, {}), (s.CollectionRateQuery, {"month": "2026-13"}),
    (s.CollectionRateQuery, {"from": "2026-10"}), (s.CollectionRateQuery, {"from": "2026-11", "to": "2026-10"}),
    (s.CollectionRateQuery, {"from": "2024-11", "to": "2026-11"}),
    (s.CollectionRateQuery, {"month": "2026-11", "from": "2026-10", "to": "2026-11"}),
    (s.DunningReportDayQuery, {"day": "0000-01-01"}), (s.DunningReportDayQuery, {"day": "tomorrow"})])
def test_bad_query_strings_are_refused_before_billing_is_asked(schema, query):
    with pytest.raises(ValidationError):
        schema().load(query)


def test_every_report_route_has_json_and_csv_and_names_its_readers():
    paths = build_document()["paths"]
    base = "/api/v1/projects/{project_id}/"
    for name in ("arrears-ledger", "collection-rate", "dunning/daily-report", "dunning/weekly-summary",
                 "deposits-held"):
        as_json, as_csv = paths[base + name]["get"], paths[base + name + ".csv"]["get"]
        for op in (as_json, as_csv):
            assert "finance, CS manager, service-centre manager, general manager, group admin" in op["summary"]
            assert {"401", "403", "404"} <= set(op["responses"])
        assert as_csv["responses"]["200"]["content"] == {"text/csv; charset=utf-8": {"schema": {"type": "string"}}}
        assert "application/json" in as_json["responses"]["200"]["content"]
    assert "a steward: their own cases" in paths[base + "dunning/daily-report"]["get"]["summary"]
    params = {p["name"] for p in paths[base + "collection-rate"]["get"]["parameters"]}
    assert params == {"project_id", "month", "from", "to"}
