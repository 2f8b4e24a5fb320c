"""The gateway answers 503 -- never 500 -- when the broker cannot be reached,
whatever the error class the client library raises for it."""
from __future__ import annotations

import errno
import socket

import amqp.exceptions
import pytest
from kombu.exceptions import EncodeError, LimitExceeded, OperationalError
from sqlalchemy.orm import Session

from gateway import accounts
from gateway.errors import classify
from gateway.service import GatewayService
from gateway.tests.test_http import Archive, login
from kernel.clock import SystemClock
from kernel.db import make_engine
from kernel.testing import TEST_SECRET, TcpProxy, migrated_sqlite, wait_for

# one of the suite's longest files: on a loaded machine (shards in parallel) it may pass the 120 s default
pytestmark = pytest.mark.timeout(360)

BROKER_ERRORS = [
    OperationalError("[Errno 111] Connection refused"),
    LimitExceeded("connection pool limit"),
    ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
    ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    BrokenPipeError(errno.EPIPE, "Broken pipe"),
    socket.timeout("timed out"),
    socket.gaierror(-2, "Name or service not known"),
    OSError("Server unexpectedly closed connection"),
    amqp.exceptions.ConnectionError("connection lost"),
    amqp.exceptions.RecoverableConnectionError("connection already closed"),
    amqp.exceptions.ConnectionForced("broker shutdown"),
    amqp.exceptions.AccessRefused("access refused"),
    amqp.exceptions.NotFound("no exchange 'nameko-rpc'"),
]


@pytest.mark.parametrize("exc", BROKER_ERRORS, ids=lambda e: type(e).__name__)
def test_every_broker_connection_error_is_503(exc):
    err = classify(exc)
    assert (err.status, err.code) == (503, "service_unavailable")
    assert "unavailable" in err.message and str(exc) not in err.message


def test_a_serialisation_bug_is_still_500_not_hidden_as_an_outage():
    assert classify(EncodeError("Decimal is not JSON serializable")).status == 500


@pytest.fixture
def proxy():
    p = TcpProxy()
    yield p
    p.close()


def test_gateway_answers_503_while_its_broker_connection_is_cut(container_factory, rabbit_config,
                                                                 web_config, web_session, tmp_path, proxy):
    container_factory(Archive, {"AMQP_URI": rabbit_config["AMQP_URI"], "WUYE_SECRET": TEST_SECRET}).start()
    url = migrated_sqlite(tmp_path, "gateway")
    with Session(make_engine(url)) as session:
        accounts.create_user(session, username="zhangwei", password="resident-pass", display_name="张伟",
                             kind="resident", group_id="g1", roles=[], unit_ids=["u1"],
                             now=SystemClock().now())
        session.commit()
    gateway = container_factory(GatewayService, dict(
        web_config, AMQP_URI=proxy.amqp_uri(rabbit_config["vhost"]), DB_URL=url, WUYE_SECRET=TEST_SECRET,
        RPC_TIMEOUT=3, HEALTH_RPC_TIMEOUT=1))
    gateway.start()
    headers = login(web_session)
    assert web_session.get("/api/v1/units/u1", headers=headers).status_code == 200

    proxy.down(reset=True)          # open connections reset, new ones refused
    statuses = [web_session.get("/api/v1/units/u1", headers=headers) for _ in range(4)]
    assert [r.status_code for r in statuses] == [503] * 4, [r.text for r in statuses]
    assert {r.json()["error"] for r in statuses} == {"service_unavailable"}

    proxy.up()                      # back: the pool replaces its broken proxies by itself
    wait_for(lambda: web_session.get("/api/v1/units/u1", headers=headers).status_code == 200,
             timeout=20, interval=0.3, message="served again")
    # the gateway now consumes events too (its read model): after an outage nameko's queue
    # consumer may wait forever in a graceful stop, so end it as the outage tests do
    gateway.kill()
