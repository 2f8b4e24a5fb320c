"""Bank collection through the gateway, the whole story in one platform: the front desk registers
王强's debit mandate, finance makes November's first round, downloads the file for the bank,
uploads the bank's answer (twice: recorded once), and the household gets its receipt by SMS --
billing's ``receipt.issued`` reaching notify."""
from __future__ import annotations

from datetime import datetime

import pytest

from deploy import seed
from kernel.testing import keyed, wait_for

from .conftest import sms_lines
from .test_repair_flow import demo, token  # noqa: F401  (fixture)

#: a fixed past instant (tokens are refused when issued after the wall clock), after the demo's
#: opening balances of 2026-11-01
NOW = datetime.fromisoformat("2026-11-03T10:00:00+08:00")
KEY = ("LH", "1栋", "0102")          # 王强, owner, 13800000103; the demo carried 345.00 over
CARD = "6222021234567890123"


@pytest.fixture
def december(shared_clock):
    shared_clock.write(now=NOW)                 # before the platform starts: time stands still


def test_a_collection_round_from_mandate_to_receipt(december, platform, demo, web_session, tmp_path):
    unit_id, project_id = seed.unit_id(*KEY), demo["projects"]["LH"]["id"]
    desk, finance = token(web_session, "desk.lh"), token(web_session, "finance.lh")
    mandates = f"/api/v1/units/{unit_id}/debit-mandates"

    # the front desk registers the mandate; the number is masked in every answer
    bad = web_session.post(mandates, headers=keyed(desk), json={"bank_name": "工行", "holder_name": "王强",
                                                         "bank_account": "6222-0212"})
    assert bad.status_code == 400 and "bank_account" in bad.text, bad.text
    signed = web_session.post(mandates, headers=keyed(desk), json={"bank_name": "中国工商银行", "holder_name": "王强",
                                                            "bank_account": "6222 0212 3456 7890 123"})
    assert signed.status_code == 201, signed.text
    mandate = signed.json()
    assert mandate["bank_account"] == "6222 **** **** 0123" and mandate["collects"] is True
    assert web_session.post(mandates, headers=keyed(desk), json={"bank_name": "招行", "holder_name": "王强",
                                                          "bank_account": CARD}).status_code == 409
    assert [m["bank_account"] for m in web_session.get(mandates, headers=desk).json()] == ["6222 **** **** 0123"]
    assert web_session.get(mandates, headers=token(web_session, "zhangwei")).status_code == 404   # not theirs
    whole = f"{mandates}/{mandate['id']}/account"
    assert web_session.get(whole, headers=desk, params={"purpose": "核对账号"}).status_code == 403
    assert web_session.get(whole, headers=finance, params={"purpose": "核对账号"}).json()["bank_account"] == CARD

    # finance makes the month's first round by hand (the cycle would on the 10th): once
    batches = f"/api/v1/projects/{project_id}/bank-batches"
    made = web_session.post(batches, headers=keyed(finance), json={"period": "2026-11", "round": 1})
    assert made.status_code == 201, made.text
    batch = made.json()
    assert (batch["number"], batch["collect_on"], batch["item_count"], batch["total"]) == (
        "TS00000001", "2026-11-10", 1, "345.00")
    again = web_session.post(batches, headers=keyed(finance), json={"period": "2026-11", "round": 1})
    assert (again.status_code, again.json()["id"]) == (200, batch["id"])
    assert web_session.post(batches, headers=keyed(desk), json={"period": "2026-11", "round": 1}).status_code == 403
    assert web_session.post(batches, headers=keyed(finance), json={"period": "2026-11", "round": 3}).status_code == 400
    [item] = web_session.get(f"/api/v1/bank-batches/{batch['id']}", headers=finance).json()["items"]
    assert (item["unit_label"], item["bank_account"], item["status"]) == ("1栋-0102", "6222 **** **** 0123", "sent")

    # the file for the bank: CSV for Excel, the whole number
    download = web_session.get(f"/api/v1/bank-batches/{batch['id']}/file", headers=finance)
    assert download.status_code == 200 and download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="bank-collection-TS00000001.csv"' in download.headers["Content-Disposition"]
    assert download.content.startswith(b"\xef\xbb\xbf") and download.content.decode("utf-8-sig").splitlines() == [
        "batch_number,line_no,item_id,unit_label,holder_name,bank_name,account_number,amount",
        f"TS00000001,1,{item['id']},1栋-0102,王强,中国工商银行,{CARD},345.00", "TOTAL,1,345.00"]
    assert web_session.get(f"/api/v1/bank-batches/{batch['id']}/file", headers=desk).status_code == 403

    # the bank's answer: a wrong file is refused whole, the right one recorded once
    results = f"/api/v1/bank-batches/{batch['id']}/results"
    csv_headers = dict(finance, **{"Content-Type": "text/csv"})
    wrong = web_session.post(results, headers=keyed(csv_headers),
                             data=f"item_id,status,amount\r\n{item['id']},paid,300.00\r\n".encode())
    assert wrong.status_code == 400 and wrong.json()["details"]["errors"][0]["error"] == "amount_mismatch"
    assert web_session.post(results, headers=keyed(dict(finance, **{"Content-Type": "text/xml"})),
                            data=b"<paid/>").status_code == 415
    answer = f"\ufeffitem_id,status,amount,bank_reference\r\n{item['id']},paid,345.00,ICBC-1210-77\r\n".encode()
    first = web_session.post(results, headers=keyed(csv_headers), data=answer)
    assert first.status_code == 200, first.text
    assert (first.json()["paid"], first.json()["repeated"], first.json()["batch_status"]) == (1, False, "settled")
    twice = web_session.post(results, headers=keyed(finance), json={"csv": answer.decode("utf-8-sig")})
    assert (twice.status_code, twice.json()["id"], twice.json()["repeated"]) == (200, first.json()["id"], True)
    account = web_session.get(f"/api/v1/units/{unit_id}/account", headers=finance).json()
    assert account["balance_due"] == "0.00"

    # billing's receipt.issued reaches notify: 王强 gets one SMS with the receipt's number and amount
    sms = wait_for(lambda: [m for m in sms_lines(tmp_path) if "收据号 SJ" in m["text"]], timeout=20,
                   message="the receipt's SMS")
    assert [(m["to"], m["text"]) for m in sms] == [
        ("13800000103", "【绿湖花园】1栋-0102 已收到您缴纳的 345.00 元，收据号 SJ00000001。")]
