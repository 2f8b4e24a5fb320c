"""After a transfer (过户) the old owner's closed account is read through the gateway, end to end with
every service on the real broker: the demo's 1栋-0102, 王强's 345.00 paid at the desk, passes to 孙丽.

- staff list the unit's accounts (the new open one, 王强's closed one with its dates) and read the
  closed one's bills, statement and receipts with ``?account_id=``; a malformed id or one given twice
  is 400, another unit's account 404, another project's staff 403 (as on the unit without it); the
  closed, settled account takes no payment (409);
- 王强's resident account lost the unit at the transfer; /me names the household he belonged to, and
  he reads his closed account -- the list, bills, statement, receipts, a bill and a receipt by id --
  and nothing of the unit's open account;
- 孙丽 (the new owner) and 张伟 (another unit) read none of it: every probe is the 404 of a missing id."""
from __future__ import annotations

from deploy import seed
from kernel.testing import keyed, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)
from .test_transfer_arrears import UNIT, resident


def test_the_old_owner_and_staff_read_the_closed_account_and_no_one_else(platform, demo, web_session,
                                                                         shared_clock):
    unit_id, neighbours_unit = seed.unit_id(*UNIT), seed.unit_id("LH", "1栋", "0101")
    old_household = demo["households"][UNIT]["id"]
    gateway_url = platform["gateway"].config["DB_URL"]
    desk, finance, far_desk = (token(web_session, n) for n in ("desk.lh", "finance.lh", "desk.xh"))
    today = shared_clock.today("Asia/Shanghai")

    def get(headers, path, expect=200, **params):
        response = web_session.get(f"/api/v1{path}", headers=headers, params=params)
        assert response.status_code == expect, (path, params, response.status_code, response.text)
        return response.json()

    assert resident(gateway_url, "wangqiang", "王强", unit_id) == old_household
    wangqiang = token(web_session, "wangqiang")
    old_account = get(wangqiang, f"/units/{unit_id}/account")["account_id"]
    paid = web_session.post(f"/api/v1/units/{unit_id}/payments", headers=keyed(desk), json={
        "method": "cash", "amount": "345.00", "payer_name": "王强"})
    assert paid.status_code == 201, paid.text
    transferred = web_session.post(f"/api/v1/units/{unit_id}/transfer", headers=keyed(desk), json={
        "transferred_on": today.isoformat(), "acquired_by": "transfer",
        "household": {"people": [{"name": "孙丽", "role": "owner", "phone": "13800000188"}]},
        "handover": {"keys_returned": True, "fees_settled": True, "fees_confirmed_by": "财务 钱",
                     "meter_readings_recorded": True, "deposit_handling": "none"}})
    assert transferred.status_code == 201, transferred.text
    new_household = transferred.json()["household"]["id"]
    wait_for(lambda: get(finance, f"/units/{unit_id}/account")["household_id"] == new_household, timeout=30,
             message="billing closed 王强's account and opened the unit's next one")

    # -- staff: the unit's accounts, and the closed one by its id -------------------------------------
    listed = get(finance, f"/units/{unit_id}/accounts")
    assert [(a["status"], a["household_id"], a["payer_name"]) for a in listed["items"]] == [
        ("open", new_household, "孙丽"), ("closed", old_household, "王强")]
    new_account, closed = listed["items"][0]["account_id"], listed["items"][1]
    assert closed["account_id"] == old_account and closed["succeeded_by"] == new_account
    assert (closed["closed_on"], closed["balance_due"], closed["overdue"]) == (today.isoformat(), "0.00", "0.00")
    assert listed["items"][1]["opened_at"] and listed["items"][0]["closed_on"] is None

    page = get(finance, f"/units/{unit_id}/bills", account_id=old_account)
    [bill] = page["items"]
    assert (bill["account_id"], bill["total"], bill["status"]) == (old_account, "345.00", "settled")
    [settlement] = bill["settlements"]
    receipt_id = settlement["receipt_id"]
    assert get(finance, f"/units/{unit_id}/bills") == {"items": [], "total": 0}     # the open account's
    period = {"from": "2026-10-01", "to": today.isoformat()}
    statement = get(finance, f"/units/{unit_id}/statement", account_id=old_account, **period)
    assert (statement["account_id"], statement["payer_name"], statement["closing_balance"]) == (
        old_account, "王强", "0.00")
    assert [e["kind"] for e in statement["entries"]] == ["opening_balance", "payment"]
    receipts = get(finance, f"/units/{unit_id}/receipts", account_id=old_account)
    assert [r["id"] for r in receipts["items"]] == [receipt_id]
    assert get(finance, f"/units/{unit_id}/receipts")["total"] == 0

    for bad in ("../x", "a" * 37, "", "id with spaces"):
        error = get(finance, f"/units/{unit_id}/bills", 400, account_id=bad)
        assert "account_id" in error.get("details", {}), error
    assert get(finance, f"/units/{unit_id}/statement", 400, account_id="a" * 37, **period)
    # ?account_id= given twice: 400, never the first one read silently
    twice = web_session.get(f"/api/v1/units/{unit_id}/bills", headers=finance,
                            params=[("account_id", old_account), ("account_id", new_account)])
    assert (twice.status_code, twice.json()["error"]) == (400, "invalid_query"), twice.text
    # another unit's id for this account: as an account that does not exist
    neighbours_account = get(finance, f"/units/{neighbours_unit}/account")["account_id"]
    for headers, unit, account in ((finance, unit_id, neighbours_account), (finance, neighbours_unit, old_account)):
        for path in ("bills", "receipts"):
            assert get(headers, f"/units/{unit}/{path}", 404, account_id=account)["error"] == "account_not_found"
        assert get(headers, f"/units/{unit}/statement", 404, account_id=account, **period)["error"] == \
            "account_not_found"
    # another project's desk: 403 project_out_of_scope on the unit, with or without account_id (any id)
    for params in ({}, {"account_id": old_account}, {"account_id": "no-such-account"}):
        for path in ("bills", "receipts", "accounts"):
            assert get(far_desk, f"/units/{unit_id}/{path}", 403, **params)["error"] == "project_out_of_scope"
    assert get(far_desk, f"/bills/{bill['id']}", 403)["error"] == "project_out_of_scope"
    # 王强's account is settled and closed: the desk takes no more money on it (credit nothing would use)
    overpaid = web_session.post(f"/api/v1/units/{unit_id}/payments", headers=keyed(desk), json={
        "method": "cash", "amount": "1.00", "account_id": old_account})
    assert (overpaid.status_code, overpaid.json()["error"]) == (409, "closed_account_overpaid"), overpaid.text
    assert overpaid.json()["details"]["balance_due"] == "0.00"

    # -- 王强: the unit is not his any more; his household's closed account is -----------------------
    me = get(wangqiang, "/me")
    assert me["unit_ids"] == [] and me["former_households"] == [{"unit_id": unit_id, "household_id": old_household}]
    mine = get(wangqiang, f"/units/{unit_id}/accounts")
    assert [(a["account_id"], a["status"]) for a in mine["items"]] == [(old_account, "closed")]
    assert get(wangqiang, f"/units/{unit_id}/bills", account_id=old_account)["items"] == [bill]
    assert get(wangqiang, f"/bills/{bill['id']}") == bill
    assert get(wangqiang, f"/units/{unit_id}/statement", account_id=old_account, **period) == statement
    assert get(wangqiang, f"/units/{unit_id}/receipts", account_id=old_account) == receipts
    assert get(wangqiang, f"/receipts/{receipt_id}")["id"] == receipt_id
    for path, params in (("bills", {}), ("receipts", {}), ("bills", {"account_id": new_account}),
                         ("receipts", {"account_id": new_account}), ("balance", {})):
        assert get(wangqiang, f"/units/{unit_id}/{path}", 404, **params)["error"] == "account_not_found"
    # without account_id he is told how to read his own
    assert "account_id" in get(wangqiang, f"/units/{unit_id}/bills", 404)["message"]

    # -- 孙丽 (the new owner) and 张伟 (another unit): not theirs, exactly as a missing id ------------
    assert resident(gateway_url, "sunli", "孙丽", unit_id) == new_household
    sunli, zhangwei = token(web_session, "sunli"), token(web_session, "zhangwei")
    assert [a["account_id"] for a in get(sunli, f"/units/{unit_id}/accounts")["items"]] == [new_account]
    assert get(zhangwei, f"/units/{unit_id}/accounts", 404)["error"] == "account_not_found"
    for headers in (sunli, zhangwei):
        for path in ("bills", "receipts"):
            assert get(headers, f"/units/{unit_id}/{path}", 404, account_id=old_account)["error"] == \
                "account_not_found"
        assert get(headers, f"/units/{unit_id}/statement", 404, account_id=old_account, **period)["error"] == \
            "account_not_found"
        assert get(headers, f"/bills/{bill['id']}", 404)["error"] == "bill_not_found"
        assert get(headers, f"/receipts/{receipt_id}", 404)["error"] == "receipt_not_found"
