"""The per-service broker users of deploy/broker.py on the real RabbitMQ.

A vhost of its own and one user per process with exactly the permissions
``deploy.broker`` derives from the code; the four services and the gateway's RPC
pool run under them: RPCs, cross-service events, a retry and a dead letter all
work, and one service cannot consume, declare or publish to another's queues.
"""
import uuid
from urllib.parse import quote

import pytest
import requests
from amqp.exceptions import AccessRefused, NotFound
from kombu import Connection, Exchange, Queue
from nameko.exceptions import RemoteError

from deploy import broker
from kernel.rpc import RpcPool
from kernel.tenancy import Caller
from kernel.testing import (TEST_SECRET, migrated_sqlite, publish_event, resident, service_config, wait_for)
from services.archive.service import ArchiveService
from services.billing.service import BillingService
from services.notify.service import NotifyService
from services.tickets.service import TicketsService

API = "http://127.0.0.1:15672"
ADMIN = ("guest", "guest")
G = "group-1"
CLASSES = {"archive": ArchiveService, "tickets": TicketsService, "billing": BillingService,
           "notify": NotifyService}


@pytest.fixture
def restricted():
    """A vhost and the five users (unique names: users are broker-wide); removed afterwards."""
    tag = uuid.uuid4().hex[:8]
    vhost, prefix = f"wuye-perm-{tag}", f"wuye-test-{tag}-"
    passwords = {user: uuid.uuid4().hex for user in broker.USERS}
    try:
        broker.apply(API, ADMIN, vhost, passwords, prefix=prefix)
    except requests.ConnectionError:
        pytest.fail("the RabbitMQ management API (127.0.0.1:15672) is not reachable")

    def uri(user):
        return (f"amqp://{quote(broker.user_name(user, prefix), safe='')}:{passwords[user]}"
                f"@127.0.0.1:5672/{quote(vhost, safe='')}")
    yield uri
    for user in broker.USERS:
        requests.delete(f"{API}/api/users/{quote(broker.user_name(user, prefix), safe='')}", auth=ADMIN,
                        timeout=10)
    requests.delete(f"{API}/api/vhosts/{quote(vhost, safe='')}", auth=ADMIN, timeout=10)


def test_no_user_is_an_administrator(restricted):
    for user in broker.USERS:
        name = restricted(user).split("//")[1].split(":")[0]          # percent-encoded already
        info = requests.get(f"{API}/api/users/{name}", auth=ADMIN, timeout=10).json()
        assert info["tags"] in ("", []), f"{user} has tags {info['tags']}"
    for user, perms in broker.all_permissions().items():
        for kind in ("configure", "write", "read"):
            assert perms[kind].startswith("^(") and perms[kind].endswith(")$"), (user, kind)
            assert ".*" not in perms[kind], f"{user} {kind} is open-ended: {perms[kind]}"


def test_the_platform_runs_under_its_restricted_users(restricted, container_factory, tmp_path, web_config):
    for name, cls in CLASSES.items():
        extra = {"SMS_PROVIDER": "log", "SMS_LOG_PATH": str(tmp_path / "sms.log")} if name == "notify" else {}
        container_factory(cls, service_config(restricted(name), migrated_sqlite(tmp_path, name), **extra)).start()
    gateway = RpcPool({"AMQP_URI": restricted("gateway"), "WUYE_SECRET": TEST_SECRET}, size=2, timeout=15)
    try:
        system = Caller.system(G, "test")
        # RPCs under the gateway's user; archive's events reach tickets, billing and notify
        gateway.call(system, "archive", "register_project", {"id": "p1", "group_id": G, "code": "LH",
                                                             "name": "绿湖花园", "kind": "residential"})
        gateway.call(system, "archive", "register_building", {"id": "b1", "project_id": "p1", "name": "1栋"})
        # the household before its unit: tickets' handler fails, retries through its
        # retry queue (the default exchange, a dead-letter back) and then applies it
        publish_event(restricted("archive"), "archive", "household.changed", {
            "household_id": "h1", "group_id": G, "project_id": "p1", "unit_id": "u1", "status": "active",
            "moved_in_on": "2026-03-01", "moved_out_on": None, "version": 1,
            "people": [{"person_id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678",
                        "email": None, "locale": "zh-CN"}]}, group_id=G, project_id="p1")
        gateway.call(system, "archive", "register_unit", {"id": "u1", "building_id": "b1", "number": "0101",
                                                          "building_area": "89.37"})

        def opened():
            try:
                return gateway.call(resident(G, ["u1"]), "tickets", "open_repair", {
                    "unit_id": "u1", "content": "楼道灯不亮", "category": "public_area"})
            except RemoteError:
                return None
        ticket = wait_for(opened, timeout=20, message="tickets has archive's copies")
        assert gateway.call(system, "billing", "get_account", "u1")["unit_id"] == "u1"
        # tickets' event reaches notify (which listens to tickets): the unit is told in-app
        wait_for(lambda: gateway.call(resident(G, ["u1"]), "notify", "latest_for_unit", "u1", 5) or None,
                 timeout=20, message="notify's acknowledgement of the new ticket")
        assert ticket["status"] in ("open", "dispatched")

        # a malformed event is dead-lettered into tickets' own DLQ under its own user
        with Connection(restricted("archive")) as conn:
            conn.Producer().publish({"not": "an envelope"}, exchange=Exchange("archive.events", type="topic"),
                                    routing_key="unit.changed", serializer="json")
        with Connection(restricted("tickets")) as conn:
            def dead_letter():
                # the DLQ is declared when the first letter goes dead: until then a get is a 404 (and the
                # 404 closes its channel: each look on a fresh one)
                with conn.channel() as channel:
                    try:
                        return Queue("wuye.dlq.tickets", durable=True)(channel).get(no_ack=False)
                    except NotFound:
                        return None
            assert wait_for(dead_letter, timeout=15, message="tickets' dead letter") is not None
    finally:
        gateway.close()


def refused(uri, action):
    with Connection(uri) as conn:
        channel = conn.channel()
        with pytest.raises(AccessRefused):
            action(channel)


@pytest.mark.parametrize("who, queue", [("archive", "rpc-tickets"),
                                         ("archive", "evt-archive-unit.changed--tickets.on_unit_changed"),
                                         ("archive", "wuye.dlq.tickets"),
                                         ("gateway", "rpc-tickets"),
                                         ("billing", "evt-tickets-ticket.opened--notify.on_ticket_opened")])
def test_a_user_cannot_consume_another_services_queue(restricted, container_factory, tmp_path, who, queue):
    for name in ("tickets", "notify"):
        container_factory(CLASSES[name], service_config(restricted(name), migrated_sqlite(tmp_path, name),
                                                        SMS_PROVIDER="log",
                                                        SMS_LOG_PATH=str(tmp_path / "sms.log"))).start()
    refused(restricted(who), lambda ch: ch.basic_consume(queue, callback=lambda m: None))
    refused(restricted(who), lambda ch: ch.basic_get(queue))
    refused(restricted(who), lambda ch: ch.queue_delete(queue))
    refused(restricted(who), lambda ch: ch.queue_purge(queue))


@pytest.mark.parametrize("who, action", [
    # (billing listens to tickets' events since ticket.charge_posted, notify to billing's since the bill
    # notices, reminders and receipts, tickets to billing's since a renovation's fees: nobody's is gateway's)
    ("tickets", lambda ch: ch.exchange_declare("gateway.events", "topic", durable=True)),
    ("notify", lambda ch: ch.queue_delete("evt-tickets-ticket.charge_posted--billing.on_charge_posted")),
    ("archive", lambda ch: ch.exchange_delete("notify.events")),
    ("gateway", lambda ch: ch.exchange_declare("gateway.events", "topic", durable=True)),
    ("gateway", lambda ch: ch.queue_declare("wuye.dlq.tickets", durable=True)),
    ("tickets", lambda ch: ch.queue_declare("rpc-billing", durable=True)),
    ("tickets", lambda ch: ch.queue_bind("evt-tickets-ticket.charge_posted--billing.on_charge_posted",
                                         "billing.events", "#")),
])
def test_a_user_cannot_touch_another_services_exchange_or_queues(restricted, who, action):
    refused(restricted(who), action)


def test_publishing_to_another_services_exchange_is_refused(restricted):
    with Connection(restricted("archive")) as conn:
        channel = conn.channel()
        with pytest.raises(AccessRefused):
            producer = conn.Producer(channel)
            producer.publish({}, exchange="tickets.events", routing_key="ticket.opened", serializer="json")
            channel.basic_qos(0, 1, False)      # a round trip: the refusal arrives as a channel close


def test_the_definitions_file_loads_and_its_users_log_in():
    """``deploy.broker definitions`` (password hashes, no plain text) imported by the broker."""
    tag = uuid.uuid4().hex[:8]
    vhost, prefix = f"wuye-defs-{tag}", f"wuye-defs-{tag}-"
    passwords = {user: uuid.uuid4().hex for user in broker.USERS}
    document = broker.definitions(vhost, passwords, prefix=prefix)
    assert not any(p in str(document) for p in passwords.values()), "no password in plain text"
    try:
        response = requests.post(f"{API}/api/definitions", json=document, auth=ADMIN, timeout=30)
        assert response.status_code in (200, 201, 204), response.text
        for user in broker.USERS:
            name = quote(broker.user_name(user, prefix), safe="")
            with Connection(f"amqp://{name}:{passwords[user]}@127.0.0.1:5672/{quote(vhost, safe='')}") as conn:
                conn.ensure_connection(max_retries=1)
            perms = requests.get(f"{API}/api/permissions/{quote(vhost, safe='')}/{name}", auth=ADMIN,
                                 timeout=10).json()
            assert {k: perms[k] for k in ("configure", "write", "read")} == broker.permissions(user)
    finally:
        for user in broker.USERS:
            requests.delete(f"{API}/api/users/{quote(broker.user_name(user, prefix), safe='')}", auth=ADMIN,
                            timeout=10)
        requests.delete(f"{API}/api/vhosts/{quote(vhost, safe='')}", auth=ADMIN, timeout=10)


def test_the_broker_init_command(tmp_path):
    """What compose's broker-init runs: credentials from the environment, idempotent."""
    import os
    import subprocess
    import sys

    from kernel.config import ROOT

    tag = uuid.uuid4().hex[:8]
    vhost, prefix = f"wuye-init-{tag}", f"wuye-init-{tag}-"
    env = {"PATH": os.environ["PATH"], "RABBITMQ_ADMIN_USER": "guest", "RABBITMQ_ADMIN_PASSWORD": "guest",
           **{f"{u.upper()}_AMQP_PASSWORD": f"pw-{u}" for u in broker.USERS}}
    command = [sys.executable, "-m", "deploy.broker", "apply", "--api", API, "--vhost", vhost, "--prefix", prefix]
    try:
        for _ in range(2):
            done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
        with Connection(f"amqp://{prefix}tickets:pw-tickets@127.0.0.1:5672/{vhost}") as conn:
            conn.ensure_connection(max_retries=1)
        missing = subprocess.run(command, cwd=ROOT, env={k: v for k, v in env.items() if k != "NOTIFY_AMQP_PASSWORD"},
                                 capture_output=True, text=True, timeout=120)
        assert missing.returncode != 0 and "NOTIFY_AMQP_PASSWORD" in missing.stderr
    finally:
        for user in broker.USERS:
            requests.delete(f"{API}/api/users/{quote(broker.user_name(user, prefix), safe='')}", auth=ADMIN,
                            timeout=10)
        requests.delete(f"{API}/api/vhosts/{quote(vhost, safe='')}", auth=ADMIN, timeout=10)
