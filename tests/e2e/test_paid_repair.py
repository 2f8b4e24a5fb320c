"""A paid in-home repair to the end through the gateway (issue 7), every service on the real broker:
the engineering manager sets the project's price list and on-duty list; the resident reports a
paid in-home repair; it is dispatched to the on-duty technician, who accepts, arrives and quotes
from the price list; the resident consents; the technician completes with materials and the
charge; the resident rates. ``ticket.charge_posted`` leaves tickets' outbox (captured on the
broker), billing posts it to the unit's fee account once (a redelivery and a second publication of
the same charge post nothing more), and the resident reads quote and charge back through the
gateway's read model. Bad inputs answer 4xx. Then: a refused quote cancels its order, and a
not-covered request is answered with advice within the reply clock."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from nameko.standalone.events import event_dispatcher
from sqlalchemy import text

from deploy import seed
from kernel.db import make_engine
from kernel.testing import TEST_SECRET, publish_event, wait_for

from .test_repair_flow import demo, token  # noqa: F401  (fixture)

PROJECT = seed.did("project:LH")
UNIT = seed.unit_id("LH", "1栋", "0101")


def rows(db_url, sql, **params):
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(text(sql), params).mappings().all()]
    finally:
        engine.dispose()


class Client:
    """The gateway as the test's users call it: every write with a fresh Idempotency-Key."""

    def __init__(self, web_session):
        self.web = web_session

    def post(self, headers, path, body=None, expect=200, key=None, method="POST"):
        response = self.web.request(method, f"/api/v1{path}", json=body if body is not None else {},
                                    headers=dict(headers, **{"Idempotency-Key": key or str(uuid.uuid4())}))
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()

    def get(self, headers, path, expect=200, **params):
        response = self.web.get(f"/api/v1{path}", headers=headers, params=params)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()


def set_up_engineering(api, manager, technician_id):
    """The price list and the on-duty list, as the engineering manager draws them up."""
    api.post(manager, f"/projects/{PROJECT}/price-list", {
        "code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "price": "35.00", "reason": "2026 价目表"})
    listed = api.post(manager, f"/projects/{PROJECT}/price-list", {
        "code": "DQ-02", "name": "更换电线", "unit": "米", "price": "12.35"})
    # besides the demo's own items (deploy/seed.py): these two, at these prices
    assert {(i["code"], i["price"]) for i in listed["items"] if i["code"] in ("DQ-02", "SD-01")} == {
        ("DQ-02", "12.35"), ("SD-01", "35.00")}
    roster = api.post(manager, f"/projects/{PROJECT}/duty-roster", {"entries": [
        {"category": "*", "technician_id": technician_id, "technician_name": "郑工",
         "weekdays": [1, 2, 3, 4, 5, 6, 7], "starts": "00:00", "ends": "00:00"}]}, method="PUT")
    assert [e["technician_id"] for e in roster["on_duty_now"]] == [technician_id]


def test_a_paid_repair_is_quoted_consented_charged_and_billed_once(platform, demo, web_session,  # noqa: F811
                                                                    capture_events, rabbit_config):
    api = Client(web_session)
    resident, manager, technician = (token(web_session, u) for u in ("zhangwei", "engmgr.lh", "eng.lh"))
    other_household, centre = token(web_session, "liuyang"), token(web_session, "centre.lh")
    tech_id = api.get(technician, "/me")["id"]
    charges, balances = capture_events("tickets", "ticket.charge_posted"), capture_events("billing")

    # -- the price list: who may change it, once per key, and who may read it --------------------
    assert api.post(technician, f"/projects/{PROJECT}/price-list", {
        "code": "X-1", "name": "x", "unit": "个", "price": "1.00"}, expect=403)["error"] == "role_required"
    assert api.post(manager, f"/projects/{PROJECT}/price-list", {
        "code": "SD-01", "name": "x", "unit": "个", "price": 35.5}, expect=400)["error"]       # float: refused
    assert api.post(manager, f"/projects/{PROJECT}/price-list", {
        "code": "SD-01", "name": "x", "unit": "个", "price": "1.00", "effective_from": "2020-01-01"},
        expect=422)["error"] == "price_change_backdated"
    set_up_engineering(api, manager, tech_id)
    key = str(uuid.uuid4())
    first = api.post(centre, f"/projects/{PROJECT}/price-list", {
        "code": "SM-00", "name": "上门检查", "unit": "次", "price": "20.00"}, key=key)
    assert api.post(centre, f"/projects/{PROJECT}/price-list", {
        "code": "SM-00", "name": "上门检查", "unit": "次", "price": "20.00"}, key=key) == first
    assert api.post(centre, f"/projects/{PROJECT}/price-list", {
        "code": "SM-00", "name": "上门检查", "unit": "次", "price": "25.00"}, key=key,
        expect=422)["error"] == "idempotency_key_reused"
    retired = api.post(centre, f"/projects/{PROJECT}/price-list/SM-00/retire", {"reason": "不再提供"})
    assert "SM-00" not in [i["code"] for i in retired["items"]] and "SD-01" in [i["code"] for i in retired["items"]]
    assert api.post(centre, f"/projects/{PROJECT}/price-list/NOPE/retire", {}, expect=404)["error"] == \
        "price_item_not_found"
    seen = api.get(resident, f"/projects/{PROJECT}/price-list")
    assert [(i["code"], i["name"], i["unit"], i["price"]) for i in seen["items"] if i["code"] in ("DQ-02", "SD-01")] \
        == [("DQ-02", "更换电线", "米", "12.35"), ("SD-01", "更换水龙头阀芯", "个", "35.00")]
    assert api.get(other_household, f"/projects/{PROJECT}/price-list", expect=404)["error"] == "project_not_found"
    assert api.get(resident, f"/projects/{PROJECT}/price-list", expect=400, on="yesterday")["error"]
    assert api.get(resident, f"/projects/{PROJECT}/duty-roster", expect=404)["error"] == "project_not_found"

    # -- the resident reports a paid in-home repair; the on-duty technician gets it ----------------
    appointment = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()
    ticket = api.post(resident, "/repairs", {"unit_id": UNIT, "category": "in_home_paid",
                                             "content": "厨房水龙头漏水，需更换阀芯", "appointment_at": appointment},
                      expect=201)
    tid = ticket["id"]
    wait_for(lambda: api.get(resident, f"/tickets/{tid}")["status"] == "dispatched", message="engineering notified")
    dispatched = api.post(manager, f"/tickets/{tid}/dispatch", {})                # no name: the on-duty one
    assert dispatched["assignee"] == {"user_id": tech_id, "name": "绿湖工程·郑"}      # the account's name
    api.post(technician, f"/tickets/{tid}/accept")
    arrived = api.post(technician, f"/tickets/{tid}/arrive")
    assert {d["kind"]: d["state"] for d in arrived["deadlines"]}["arrive_before"] == "met"

    # -- bad inputs: 4xx, nothing written ----------------------------------------------------------
    done = {"work_done": "更换阀芯", "materials": [{"name": "阀芯", "quantity": 1, "unit": "个"}]}
    assert api.post(technician, f"/tickets/{tid}/complete", done, expect=409)["error"] == "consent_required"
    unknown = api.post(technician, f"/tickets/{tid}/quote", {"lines": [{"code": "NOPE", "quantity": 1}]},
                       expect=422)
    assert (unknown["error"], unknown["details"]["codes"]) == ("unknown_price_item", ["NOPE"])
    assert api.post(technician, f"/tickets/{tid}/quote", {"lines": [{"code": "SD-01", "quantity": -1}]},
                    expect=400)["error"] == "invalid_input"
    assert api.post(technician, f"/tickets/{tid}/quote", {"lines": []}, expect=400)["error"] == "invalid_input"
    assert api.post(technician, f"/tickets/{tid}/quote", {"lines": [{"code": "SD-01", "quantity": 1},
                                                                      {"code": "SD-01", "quantity": 1}]},
                    expect=400)["error"] == "invalid_input"
    assert api.post(resident, f"/tickets/{tid}/consent", {"quote_id": "none-yet"},
                    expect=409)["error"] == "transition_not_allowed"
    assert api.get(manager, f"/tickets/{tid}", min_version=arrived["version"])["version"] == arrived["version"]

    # -- the quote, the resident sees it and consents ---------------------------------------------
    quoted = api.post(technician, f"/tickets/{tid}/quote", {
        "lines": [{"code": "SD-01", "quantity": 1}, {"code": "DQ-02", "quantity": "1.5"}], "note": "阀芯老化"})
    assert (quoted["status"], quoted["quote"]["total"], quoted["quote"]["status"]) == ("quoted", "53.53", "pending")
    # the resident reads it from the read model, once tickets' ticket.changed reached it
    seen = wait_for(lambda: (t := api.get(resident, f"/tickets/{tid}"))["version"] >= quoted["version"] and t,
                    message="the quote in the read model")
    assert seen["quote"]["lines"] == [
        {"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "1", "unit_price": "35.00",
         "amount": "35.00"},
        {"code": "DQ-02", "name": "更换电线", "unit": "米", "quantity": "1.5", "unit_price": "12.35",
         "amount": "18.53"}]
    assert seen["quote"]["total"] == "53.53" and seen["charge"] is None
    quote_id = seen["quote"]["quote_id"]
    assert api.post(resident, f"/tickets/{tid}/consent", {}, expect=400)["error"] == "invalid_input"
    assert api.post(other_household, f"/tickets/{tid}/consent", {"quote_id": quote_id},
                    expect=404)["error"] == "ticket_not_found"
    assert api.post(technician, f"/tickets/{tid}/consent", {"quote_id": quote_id},
                    expect=422)["error"] == "not_your_step"
    assert api.post(technician, f"/tickets/{tid}/complete", done, expect=409)["error"] == "consent_required"
    consented = api.post(resident, f"/tickets/{tid}/consent", {"quote_id": quote_id, "note": "同意"})
    assert (consented["status"], consented["quote"]["status"]) == ("consented", "consented")
    assert consented["quote"]["consented_at"]

    # -- completion puts the charge on the order; it leaves the outbox; billing posts it once -----
    completed = api.post(technician, f"/tickets/{tid}/complete", done)
    assert completed["status"] == "work_done"
    charge = completed["charge"]
    assert (charge["total"], charge["currency"], len(charge["lines"])) == ("53.53", "CNY", 2)
    [event] = charges.wait_for("ticket.charge_posted")
    assert event["data"] == {
        "charge_id": charge["charge_id"], "ticket_id": tid, "number": ticket["number"],
        "group_id": seed.GROUP, "project_id": PROJECT, "unit_id": UNIT,
        "household_id": demo["households"][("LH", "1栋", "0101")]["id"], "lines": charge["lines"],
        "total": "53.53", "currency": "CNY", "posted_at": event["data"]["posted_at"]}
    assert datetime.fromisoformat(event["data"]["posted_at"]) == datetime.fromisoformat(charge["posted_at"])
    tickets_db = platform["tickets"].config["DB_URL"]
    # the relay marks the row sent once the broker confirmed it -- just after subscribers may have it
    assert wait_for(lambda: rows(tickets_db, "SELECT status FROM outbox WHERE event_type = 'ticket.charge_posted'")
                    == [{"status": "sent"}], message="the charge's outbox row marked sent")

    account = wait_for(lambda: (a := api.get(resident, f"/units/{UNIT}/account"))["balance_due"] == "53.53" and a,
                       message="billing posted the charge")
    assert account["entry_count"] == 1
    posted = [e for e in balances.wait_for("account.balance_changed")
              if e["data"]["cause"] == "charge" and e["data"]["unit_id"] == UNIT]
    assert len(posted) == 1 and posted[0]["data"]["balance_due"] == "53.53"

    # the same charge again: the very envelope (a redelivery) and a new one (a second publication)
    event_dispatcher({"AMQP_URI": rabbit_config["AMQP_URI"]})("tickets", "ticket.charge_posted", event)
    again = publish_event(rabbit_config["AMQP_URI"], "tickets", "ticket.charge_posted", event["data"],
                          group_id=seed.GROUP, project_id=PROJECT, secret=TEST_SECRET)
    billing_db = platform["billing"].config["DB_URL"]
    wait_for(lambda: {r["event_id"] for r in rows(
        billing_db, "SELECT event_id FROM inbox WHERE handler = 'billing.on_charge_posted'")} == {event["id"], again.id},
        message="billing handled both copies")
    assert rows(billing_db, "SELECT count(*) AS n FROM ledger_entries WHERE ref_id = :c",
                c=charge["charge_id"]) == [{"n": 1}]
    account = api.get(resident, f"/units/{UNIT}/account")
    assert (account["balance_due"], account["entry_count"]) == ("53.53", 1)

    # -- the resident rates; quote and charge stay on the ticket they read -------------------------
    assert api.post(resident, f"/tickets/{tid}/rate", {"rating": 5, "comment": "价格透明"})["status"] == "closed"
    final = api.get(resident, f"/tickets/{tid}")
    assert (final["status"], final["quote"]["status"], final["charge"]["charge_id"]) == (
        "closed", "consented", charge["charge_id"])
    [stored] = rows(platform["gateway"].config["DB_URL"], "SELECT document FROM portal_tickets WHERE id = :t",
                    t=tid)                                                      # what the portal reads
    assert charge["charge_id"] in stored["document"] and '"total":"53.53"' in stored["document"]
    assert [h["action"] for h in final["history"]] == [
        "opened", "engineering_notified", "dispatch", "accept", "arrive", "quote", "consent", "complete", "rate"]
    assert api.get(manager, f"/tickets/{tid}")["charge"]["total"] == "53.53"
    overview = api.get(resident, f"/units/{UNIT}/overview")
    assert overview["account"]["balance_due"] == "53.53"


def test_a_refused_quote_cancels_and_a_not_covered_request_gets_advice(platform, demo, web_session):  # noqa: F811
    api = Client(web_session)
    resident, manager, technician = (token(web_session, u) for u in ("zhangwei", "engmgr.lh", "eng.lh"))
    desk = token(web_session, "desk.lh")
    tech_id = api.get(technician, "/me")["id"]
    set_up_engineering(api, manager, tech_id)

    appointment = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()
    ticket = api.post(resident, "/repairs", {"unit_id": UNIT, "category": "in_home_paid", "content": "换灯具",
                                             "appointment_at": appointment}, expect=201)
    tid = ticket["id"]
    api.post(manager, f"/tickets/{tid}/dispatch", {"assignee_id": tech_id, "assignee_name": "郑工"})
    for action in ("accept", "arrive"):
        api.post(technician, f"/tickets/{tid}/{action}")
    quote_id = api.post(technician, f"/tickets/{tid}/quote",
                        {"lines": [{"code": "DQ-02", "quantity": 10}]})["quote"]["quote_id"]
    assert api.post(resident, f"/tickets/{tid}/refuse", {"quote_id": quote_id}, expect=400)["error"] == "invalid_input"
    assert api.post(resident, f"/tickets/{tid}/refuse", {"reason": "太贵了", "quote_id": "an-older-quote"},
                    expect=409)["error"] == "quote_changed"
    refused = api.post(resident, f"/tickets/{tid}/refuse", {"reason": "太贵了，自己买材料", "quote_id": quote_id})
    assert (refused["status"], refused["cancel_reason"], refused["quote"]["status"]) == (
        "cancelled", "太贵了，自己买材料", "refused")
    assert all(d["state"] in ("met", "late", "cancelled") for d in refused["deadlines"])
    seen = api.get(resident, f"/tickets/{tid}")
    assert (seen["status"], seen["quote"]["refusal_reason"], seen["charge"]) == ("cancelled", "太贵了，自己买材料", None)

    advice = "空调为业主自购设备，不在物业维修范围；建议联系品牌售后。"
    asked = api.post(resident, "/repairs", {"unit_id": UNIT, "category": "not_covered", "content": "自购空调不制冷"},
                     expect=201)
    assert api.post(desk, f"/tickets/{asked['id']}/reply", {"advice": advice}, expect=422)["error"] == "not_your_step"
    assert api.post(manager, f"/tickets/{asked['id']}/reply", {}, expect=400)["error"] == "invalid_input"
    replied = api.post(manager, f"/tickets/{asked['id']}/reply", {"advice": advice})
    assert (replied["status"], replied["advice"]["text"]) == ("closed", advice)
    seen = wait_for(lambda: (t := api.get(resident, f"/tickets/{asked['id']}"))["advice"] and t,
                    message="the advice in the read model")
    assert seen["advice"]["text"] == advice and seen["advice"]["by"]["name"] == "绿湖工程经理·何"
    assert {d["kind"]: d["state"] for d in seen["deadlines"]}["reply"] == "met"
    assert api.post(manager, f"/tickets/{tid}/reply", {"advice": "x"}, expect=409)["error"] == \
        "transition_not_allowed"
