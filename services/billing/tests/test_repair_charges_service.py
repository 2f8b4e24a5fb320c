"""tickets' ``ticket.charge_posted`` reaching billing in a real container on the real broker: a
money event is not lost while billing is down (its durable queue keeps it), and the same charge
arriving twice is posted once."""
from kombu import Connection

from kernel.testing import publish_event, wait_for
from services.billing.service import BillingService

from .test_service import (G, SYSTEM, account_when, amqp_uri, billing, db_url, rows,  # noqa: F401
                           seed)

#: billing's queue for the charge (nameko: evt-{source}-{type}--{service}.{method}), durable
CHARGE_QUEUE = "evt-tickets-ticket.charge_posted--billing.on_charge_posted"
CHARGE = {
    "charge_id": "4b7f0a52-7f5e-4d71-9d2e-0c8a5f4c1e11", "ticket_id": "t-1", "number": "BX-20261124-0001",
    "group_id": G, "project_id": "p1", "unit_id": "u1", "household_id": "h1",
    "lines": [{"code": "SD-01", "name": "更换水龙头阀芯", "unit": "个", "quantity": "1", "unit_price": "35.00",
               "amount": "35.00"},
              {"code": "DQ-02", "name": "更换电线", "unit": "米", "quantity": "2", "unit_price": "12.35",
               "amount": "24.70"}],
    "total": "59.70", "currency": "CNY", "posted_at": "2026-11-24T03:40:00+00:00"}


def queued(amqp_uri, name):
    with Connection(amqp_uri) as connection:
        _, count, _ = connection.default_channel.queue_declare(name, passive=True)
        return count


def charge_posted(amqp_uri, **kwargs):
    return publish_event(amqp_uri, "tickets", "ticket.charge_posted", CHARGE, group_id=G, project_id="p1",
                         **kwargs)


def test_a_charge_waits_for_billing_and_is_posted_once(billing, rpc, amqp_uri, db_url,  # noqa: F811
                                                      container_factory):
    seed(amqp_uri, rpc)
    billing.stop()                                   # billing is down when the repair is charged
    first = charge_posted(amqp_uri)
    assert wait_for(lambda: queued(amqp_uri, CHARGE_QUEUE) == 1, message="the charge waits on billing's queue")
    restarted = container_factory(BillingService, billing.config)
    restarted.start()
    account = account_when(rpc, "u1", lambda a: a["balance_due"] == "59.70")
    assert account["entry_count"] == 1
    [entry] = rpc.call(SYSTEM, "billing", "list_entries", "u1")
    assert (entry["kind"], entry["amount"]) == ("charge", "59.70")
    # the same charge again: the same envelope (a redelivery) and a new one (a second publication)
    charge_posted(amqp_uri, event_id=first.id)
    again = charge_posted(amqp_uri)
    inbox = "SELECT event_id FROM inbox WHERE handler = 'billing.on_charge_posted'"
    wait_for(lambda: {r["event_id"] for r in rows(db_url, inbox)} == {first.id, again.id},
             message="both envelopes handled")
    assert queued(amqp_uri, CHARGE_QUEUE) == 0
    assert rows(db_url, "SELECT count(*) AS n FROM ledger_entries WHERE ref_id = :c",
                c=CHARGE["charge_id"]) == [{"n": 1}]
    account = rpc.call(SYSTEM, "billing", "get_account", "u1")
    assert (account["balance_due"], account["entry_count"]) == ("59.70", 1)
