"""Fee schedules, meter readings and the monthly bill run through the gateway and the CLI, with every
service running: finance prices water and imports a month's readings (a bad file refused whole), the
front desk quotes a move-in and charges the renovation garbage fee; on the 1st of next month finance
starts the run through the API and follows it to the end, and ``./wuye billing run`` starts and
follows another project's run with its progress bar."""
from __future__ import annotations

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from deploy import seed
from kernel.testing import TEST_SECRET, keyed, wait_for
from services.billing import cli
from services.billing.domain.settings import add_months, month_of

from .test_repair_flow import demo, token  # noqa: F401  (fixture)

SITE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def platform(start_platform):
    """Tokens that outlive the days this test moves the clock on (a token issued "in the future" of
    the wall clock is refused, so the test logs in before it moves)."""
    return start_platform(TOKEN_TTL_MINUTES=60 * 24 * 40)


def test_fees_readings_and_a_months_bill_run_through_the_api_and_the_cli(
        platform, demo, web_session, shared_clock, rabbit_config, monkeypatch, capsys):
    lh, xh = demo["projects"]["LH"]["id"], demo["projects"]["XH"]["id"]
    finance, desk = token(web_session, "finance.lh"), token(web_session, "desk.lh")
    base = f"/api/v1/projects/{lh}"
    today = shared_clock.now().astimezone(SITE).date()
    this_month = month_of(today)
    last_month, next_month = add_months(this_month, -1), add_months(this_month, 1)

    # the default schedule is there; finance prices water from today (never before)
    items = {i["code"]: i for i in web_session.get(f"{base}/fee-schedule", headers=desk).json()["items"]}
    assert items["management"]["prices"][0]["unit_price"] == "1.1500" and items["water"]["prices"] == []
    backdated = web_session.post(f"{base}/fee-schedule/items/water/prices", headers=keyed(finance), json={
        "usage": "*", "unit_price": "3.45", "effective_from": (today - timedelta(days=1)).isoformat()})
    assert backdated.status_code == 422 and backdated.json()["error"] == "price_change_backdated"
    priced = web_session.post(f"{base}/fee-schedule/items/water/prices", headers=keyed(finance),
                              json={"usage": "*", "unit_price": "3.45", "reason": "水务局调价"})
    assert priced.status_code == 201, priced.text
    assert web_session.post(f"{base}/fee-schedule/items/water/prices", headers=keyed(desk),
                            json={"usage": "*", "unit_price": "9"}).status_code == 403

    # readings as a CSV file: one bad line refuses the whole file; the good file once
    end_of_last = f"{last_month}-{calendar.monthrange(int(last_month[:4]), int(last_month[5:]))[1]:02d}"
    good = (f"\ufeff房号,收费项目,月份,读数,抄表日期\r\n1栋-0101,water,{last_month},100,{end_of_last}\r\n"
            f"1栋-0101,water,{this_month},116.25,{today.isoformat()}\r\n")
    bad = good + f"1栋-0102,water,{this_month},-5,{today.isoformat()}\r\n"
    refused = web_session.post(f"{base}/meter-readings/import", headers=keyed(finance), json={"csv": bad})
    assert refused.status_code == 422 and refused.json()["error"] == "csv_invalid"
    assert [line["line"] for line in refused.json()["details"]["lines"]] == [4]
    for recorded in (2, 0):                                  # the same file twice: nothing new
        imported = web_session.post(f"{base}/meter-readings/import", headers=keyed(finance), json={"csv": good})
        assert imported.status_code == 201 and imported.json()["recorded"] == recorded, imported.text
    readings = web_session.get(f"{base}/meter-readings", headers=desk, params={"period": this_month}).json()
    assert [(r["unit_label"], r["quantity"], r["kind"]) for r in readings] == [("1栋-0101", "16.25", "regular")]

    # the move-in quote of the vacant 1栋-0202 (120 m2) and the garbage fee of 1栋-0101's renovation
    vacant = seed.unit_id("LH", "1栋", "0202")
    quote = web_session.get(f"/api/v1/units/{vacant}/move-in-quote", headers=desk).json()
    assert (quote["periods"][0], quote["prepay_months"], quote["total"]) == (next_month, 3, "414.00")
    home = seed.unit_id("LH", "1栋", "0101")
    charged = web_session.post(f"/api/v1/units/{home}/charges", headers={**desk, "Idempotency-Key": "zx-1"},
                               json={"item_code": "garbage", "reference": "装修许可-001"})
    assert charged.status_code == 201 and charged.json()["total"] == "268.11", charged.text
    again = web_session.post(f"/api/v1/units/{home}/charges", headers={**desk, "Idempotency-Key": "zx-1"},
                             json={"item_code": "garbage", "reference": "装修许可-001"})
    assert again.json()["id"] == charged.json()["id"] and charged.json()["status"] == "open"

    # next month's bill day: the run through the API, followed to the end
    assert web_session.get(f"{base}/bill-runs/{next_month}-1", headers=finance).status_code == 400
    too_early = web_session.post(f"{base}/bill-runs", headers=keyed(finance), json={"month": next_month})
    assert too_early.status_code == 422 and too_early.json()["error"] == "bill_run_too_early"
    first_day = datetime.fromisoformat(f"{next_month}-01T00:30:00").replace(tzinfo=SITE)
    shared_clock.write(offset_seconds=(first_day - datetime.now(SITE)).total_seconds())
    started = web_session.post(f"{base}/bill-runs", headers=keyed(finance), json={"month": next_month})
    assert started.status_code == 202 and started.json()["period"] == next_month, started.text
    run = wait_for(lambda: (r := web_session.get(f"{base}/bill-runs/{next_month}", headers=finance).json())
                   ["status"] == "done" and r, message="the bill run done")
    # 1栋-0101 102.78 + water 16.25 m3 x 3.45 = 56.06, 1栋-0102 138.00, 2栋-0101 102.78; 3 units vacant
    assert (run["billed"], run["skipped"], run["total"], run["amount"]) == (3, 3, 6, "399.62")
    assert web_session.get(f"{base}/bill-runs/{next_month}", headers=desk).status_code == 403

    # ./wuye billing run for 星河公寓: starts (or finds) the run and follows it to the end
    monkeypatch.setenv("AMQP_URI", rabbit_config["AMQP_URI"])
    monkeypatch.setenv("WUYE_SECRET", TEST_SECRET)
    assert cli.main(["run", xh, next_month, "--interval", "0.1", "--by", "ops"]) == 0
    out = capsys.readouterr()
    assert f"bill run {next_month} of project {xh}: done" in out.out
    # A座-1001 64.63, A座-1002 64.63 (its 120.00 credit applied), A座-1003 vacant
    assert "bills issued      2" in out.out and "amount            129.26 yuan" in out.out
    assert "bill run" in out.err and "account" in out.err                      # the progress bar
    assert cli.main(["run", xh, "2026-13"]) == 1 and "invalid_input" in capsys.readouterr().err
