"""Fixtures that run the whole platform -- the four services and the gateway --
as real nameko containers on the real broker (a fresh vhost per test), each
with its own migrated database, sharing one movable clock."""
from __future__ import annotations

import contextlib
import importlib
import json

import pytest

from deploy.run import SERVICES
from kernel.clock import FileClock
from kernel.config import migrations_dir
from kernel.db import upgrade
from kernel.testing import migrated_sqlite, service_config, temporary_pg_database



@pytest.fixture
def shared_clock(tmp_path):
    path = tmp_path / "clock.json"
    clock = FileClock(str(path))
    clock.write(offset_seconds=0)
    return clock


@pytest.fixture
def pg_databases():
    """Dropped only after the containers using them were killed (set up before them)."""
    with contextlib.ExitStack() as stack:
        yield stack


@pytest.fixture
def start_platform(pg_databases, container_factory, rabbit_config, web_config, tmp_path, shared_clock):
    """``start_platform(amqp_uri=None, postgres=False, rpc_timeout=10, services={name: config},
    **gateway_config)``: start everything (on
    ``amqp_uri``, e.g. through a ``TcpProxy``, else the test's vhost; each database
    a migrated SQLite file, or a fresh PostgreSQL database for concurrent load);
    returns the containers by name."""
    def database(name: str, postgres: bool) -> str:
        if not postgres:
            return migrated_sqlite(tmp_path, name)
        url = pg_databases.enter_context(temporary_pg_database())
        upgrade(migrations_dir(name), url)
        return url

    def start(amqp_uri: str | None = None, postgres: bool = False, rpc_timeout: float = 10,
              services: dict | None = None, **gateway_extra) -> dict:
        amqp = amqp_uri or rabbit_config["AMQP_URI"]
        clock = f"file:{shared_clock.path}"
        containers = {}
        for name, target in SERVICES.items():
            if name == "gateway":
                continue
            module, _, cls = target.partition(":")
            service = getattr(importlib.import_module(module), cls)
            extra = {"CLOCK": clock}
            if name == "notify":
                extra.update(SMS_PROVIDER="log", SMS_LOG_PATH=str(tmp_path / "sms.log"),
                             SMS_SEND_INTERVAL=0.2)
            extra.update((services or {}).get(name, {}))      # a test's own (an SMS gateway stub's URL)
            containers[name] = container_factory(service, service_config(
                amqp, database(name, postgres), **extra))
        from gateway.service import GatewayService
        containers["gateway"] = container_factory(GatewayService, dict(
            web_config, **service_config(amqp, database("gateway", postgres), CLOCK=clock,
                                         RPC_TIMEOUT=rpc_timeout, HEALTH_RPC_TIMEOUT=3,
                                         **gateway_extra)))
        for container in containers.values():
            container.start()
        return containers

    return start


@pytest.fixture
def platform(start_platform):
    """Start everything; returns the containers by name."""
    return start_platform()


def sms_lines(tmp_path):
    path = tmp_path / "sms.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
