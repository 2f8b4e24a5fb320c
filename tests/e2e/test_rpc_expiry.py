"""A request whose caller already got 504 is not executed later: a resident's
repair POST (no Idempotency-Key) times out while tickets is down; when tickets
is back the abandoned request is not run, so the resident's retry leaves one
ticket, not two."""
from __future__ import annotations

import pytest
import requests

from deploy import seed
from kernel.testing import TEST_SECRET, keyed
from services.tickets.service import TicketsService

pytestmark = pytest.mark.e2e


def test_a_repair_post_that_timed_out_is_not_executed_later(start_platform, container_factory,
                                                            rabbit_config, web_config):
    platform = start_platform(rpc_timeout=2)
    seed.load(rabbit_config["AMQP_URI"], TEST_SECRET, gateway_db_url=platform["gateway"].config["DB_URL"],
              wait=30)
    base = f"http://{web_config['WEB_SERVER_ADDRESS']}"
    login = requests.post(f"{base}/api/v1/auth/token", timeout=10,
                          json={"username": "zhangwei", "password": seed.DEMO_PASSWORD})
    auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
    unit_id = seed.unit_id("LH", "1栋", "0101")
    body = {"unit_id": unit_id, "category": "public_area", "content": "楼道灯不亮"}

    platform["tickets"].stop()                     # tickets is down; its request queue stays
    abandoned = requests.post(f"{base}/api/v1/repairs", json=body, headers=keyed(auth), timeout=30)
    assert abandoned.status_code == 504, abandoned.text

    tickets = container_factory(TicketsService, platform["tickets"].config)
    tickets.start()                                # tickets is back
    retried = requests.post(f"{base}/api/v1/repairs", json=body, headers=keyed(auth), timeout=30)
    assert retried.status_code == 201, retried.text  # positive control: the retry is executed
    listed = requests.get(f"{base}/api/v1/tickets", headers=auth, params={"unit_id": unit_id},
                          timeout=10).json()
    # the queue is FIFO: the abandoned request was delivered before the retry, and dropped
    assert listed["total"] == 1 and listed["items"][0]["id"] == retried.json()["id"]
