"""The dunning reports through the gateway with every service running: the demo's 1栋-0102 carries
345.00 over (due on 1 Nov 2026), pays 45.00 at the desk; 1栋-0101 leaves a key deposit of 200.00.
Finance reads the arrears ledger as JSON and as the CSV file, the collection rate, the deposits held;
the CS manager the daily report and the weekly summary; a steward their own daily lines. A resident
hears "no such project", the front desk is refused, bad dates are a 400, a later day a 422."""
from __future__ import annotations

import csv
import io
import uuid
from datetime import date

from deploy import seed

from .test_idempotency_and_settings import project_id
from .test_repair_flow import demo, token  # noqa: F401  (fixture)


def test_the_dunning_reports_as_json_and_csv(platform, demo, web_session, shared_clock):  # noqa: F811
    owing, depositor = seed.unit_id("LH", "1栋", "0102"), seed.unit_id("LH", "1栋", "0101")
    finance, cs, desk, steward, resident = (token(web_session, u) for u in (
        "finance.lh", "cs.lh", "desk.lh", "steward.lh", "zhangwei"))
    pid = project_id(web_session, desk)
    today = shared_clock.today("Asia/Shanghai")

    def post(headers, path, body):
        response = web_session.post(f"/api/v1{path}", headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}),
                                    json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def get(headers, path, expect=200, **params):
        response = web_session.get(f"/api/v1/projects/{pid}/{path}", headers=headers, params=params)
        assert response.status_code == expect, (path, response.text)
        return response

    post(desk, f"/units/{owing}/payments", {"method": "cash", "amount": "45.00"})
    post(desk, f"/units/{depositor}/deposits", {"method": "cash", "purpose": "key", "amount": "200.00"})

    # -- the arrears ledger: 345.00 - 45.00, aged by its days past due -----------------------------
    ledger = get(finance, "arrears-ledger").json()
    assert ledger["on"] == today.isoformat() and ledger["today"] is True
    [row] = [r for r in ledger["rows"] if r["unit_id"] == owing]
    days = (today - date(2026, 11, 1)).days
    bucket = "aged_0_30" if days <= 30 else "aged_31_90" if days <= 90 else "aged_91_365"
    assert (row["unit_label"], row["payer_name"], row["overdue"], row["oldest_due_on"], row["days_past_due"],
            row[bucket]) == ("1栋-0102", "王强", "300.00", "2026-11-01", days, "300.00")
    assert ledger["totals"]["overdue"] == sum_of(ledger["rows"], "overdue")
    as_csv = get(finance, "arrears-ledger.csv")
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="arrears-ledger-{today.isoformat()}.csv"' in as_csv.headers["Content-Disposition"]
    assert as_csv.content.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["欠费台账 Arrears ledger"] and ["日期 On", today.isoformat()] in rows
    [line] = [r for r in rows if r and r[0] == "1栋-0102"]
    assert line[1:4] == ["王强", "300.00", "1"]
    # the day before the carried balance was due: nothing of it overdue
    assert all(r["unit_id"] != owing for r in get(finance, "arrears-ledger", on="2026-11-01").json()["rows"])

    # -- the collection rate of this month (the balance carried over during it: the next month's arrears)
    month = f"{today:%Y-%m}"
    rate = get(finance, "collection-rate", month=month).json()
    assert (rate["month_from"], rate["month_to"], len(rate["months"])) == (month, month, 1)
    assert rate["months"][0]["arrears"]["brought_forward"] == "0.00"
    trend = get(cs, "collection-rate", **{"from": f"{today.year}-01", "to": month}).json()
    assert [m["month"] for m in trend["months"]][-1] == month and len(trend["months"]) == today.month
    rate_csv = get(finance, "collection-rate.csv", month=month)
    assert "收费率 Collection rate" in rate_csv.content.decode("utf-8-sig")

    # -- the deposits held, the daily report, the weekly summary ----------------------------------------
    held = get(finance, "deposits-held").json()
    assert [(u["unit_id"], u["held"], u["by_purpose"]) for u in held["units"]] == [
        (depositor, "200.00", [{"purpose": "key", "deposits": 1, "held": "200.00"}])]
    assert held["total"] == "200.00"
    assert "钥匙押金 (key)" in get(finance, "deposits-held.csv").content.decode("utf-8-sig")
    daily = get(cs, "dunning/daily-report").json()
    assert daily["day"] == today.isoformat()
    assert all(line["steward_id"] == seed_user_id(web_session, steward)
               for line in get(steward, "dunning/daily-report").json()["stewards"])
    assert get(cs, "dunning/daily-report.csv").content.decode("utf-8-sig").startswith("催费日报表")
    week = get(cs, "dunning/weekly-summary", day=today.isoformat()).json()
    assert week["week_start"] <= today.isoformat() <= week["week_end"]
    assert get(cs, "dunning/weekly-summary.csv").status_code == 200

    # -- refusals -----------------------------------------------------------------------------------------
    assert get(resident, "arrears-ledger", expect=404).json()["error"] == "project_not_found"
    assert get(desk, "arrears-ledger.csv", expect=403).json()["error"] == "role_required"
    get(steward, "collection-rate", expect=403, month=month)
    get(finance, "collection-rate", expect=400, month="2026-13")
    get(finance, "collection-rate", expect=400)
    get(finance, "collection-rate.csv", expect=400, **{"from": "2024-01", "to": month})
    get(finance, "arrears-ledger", expect=400, on="2026-02-30")
    assert get(finance, "arrears-ledger", expect=422, on="2999-01-01").json()["error"] == "day_in_future"
    assert get(finance, "collection-rate", expect=422, month="2999-01").json()["error"] == "month_in_future"


def sum_of(rows, key) -> str:
    from decimal import Decimal
    return str(sum((Decimal(r[key]) for r in rows), Decimal("0.00")))


def seed_user_id(web_session, headers) -> str:
    return web_session.get("/api/v1/me", headers=headers).json()["id"]
