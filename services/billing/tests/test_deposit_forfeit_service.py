"""tickets' ``renovation.refund_requested`` with the whole deposit withheld, reaching billing in a real
container on the real broker: the deposit is forfeited to income once -- the same envelope again (a
redelivery) and a second publication post nothing more -- and the deposit's history shows it."""
from kernel.testing import publish_event, staff, wait_for

from .test_service import G, SYSTEM, account_when, amqp_uri, billing, db_url, rows, seed  # noqa: F401

DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
RENOVATION = {"renovation_id": "r-1", "number": "ZX-20261124-0001", "group_id": G, "project_id": "p1",
              "unit_id": "u1", "unit_label": "1栋-0101", "household_id": "h1"}


def from_tickets(amqp_uri, event_type, data, **kwargs):
    return publish_event(amqp_uri, "tickets", event_type, {**RENOVATION, **data}, group_id=G, project_id="p1",
                         **kwargs)


def test_the_whole_deposit_withheld_is_forfeited_once_over_the_broker(billing, rpc, amqp_uri, db_url):  # noqa: F811
    seed(amqp_uri, rpc)
    from_tickets(amqp_uri, "renovation.fees_requested", {"deposit_amount": "2000.00",
                                                         "requested_at": "2026-11-24T01:00:00+00:00"})
    account_when(rpc, "u1", lambda a: a["balance_due"] == "268.11")          # the garbage fee charged
    rpc.call(DESK, "billing", "record_payment", "u1", {"method": "cash", "amount": "268.11"},
             idempotency_key="pay-1")
    held = rpc.call(DESK, "billing", "hold_deposit", "u1", {"method": "cash"}, idempotency_key="dep-1")
    assert held["deposit"]["amount"] == "2000.00"                            # the renovation's amount
    wait_for(lambda: rows(db_url, "SELECT status FROM renovation_fees") == [{"status": "paid"}],
             message="the fees paid")

    asked = {"deposit_id": None, "deposit_amount": "2000.00", "refund_amount": "0.00",
             "withheld_amount": "2000.00", "violations": ["拆改承重墙"],
             "reinspected_by": {"user_id": "cs-1", "name": "王主管"},
             "requested_at": "2027-03-01T02:00:00+00:00", "due_at": "2027-03-08T02:00:00+00:00"}
    first = from_tickets(amqp_uri, "renovation.refund_requested", asked)
    account_when(rpc, "u1", lambda a: a["deposits_held"] == "0.00")
    from_tickets(amqp_uri, "renovation.refund_requested", asked, event_id=first.id)     # redelivered
    again = from_tickets(amqp_uri, "renovation.refund_requested", asked)                # published twice
    inbox = "SELECT event_id FROM inbox WHERE handler = 'billing.on_renovation_refund_requested'"
    wait_for(lambda: {r["event_id"] for r in rows(db_url, inbox)} == {first.id, again.id},
             message="both envelopes handled")
    assert rows(db_url, "SELECT count(*) AS n FROM ledger_entries WHERE kind = 'deposit_forfeited'") == [{"n": 1}]
    deposit = rpc.call(SYSTEM, "billing", "get_deposit", held["deposit"]["id"])
    assert (deposit["status"], deposit["forfeited"], deposit["holds"]) == ("forfeited", "2000.00", "0.00")
    assert [(s["kind"], s["amount"]) for s in deposit["history"]] == [("held", "2000.00"), ("forfeited", "2000.00")]
    assert deposit["history"][1]["description"] == "装修押金扣除：违规 拆改承重墙（装修 ZX-20261124-0001）"
    assert "复查核定：王主管" in deposit["history"][1]["reason"] and "cs-1" not in deposit["history"][1]["reason"]
    account = rpc.call(SYSTEM, "billing", "get_account", "u1")
    assert (account["balance_due"], account["deposits_held"]) == ("0.00", "0.00")
