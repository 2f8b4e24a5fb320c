"""Fixtures that run the whole platform -- the four services and the gateway --
as real nameko containers on the real broker (a fresh vhost per test), each
with its own migrated database, sharing one movable clock."""
from __future__ import annotations

import importlib
import json

import pytest

from deploy.run import SERVICES
from kernel.clock import FileClock
from kernel.testing import migrated_sqlite, service_config



@pytest.fixture
def shared_clock(tmp_path):
    path = tmp_path / "clock.json"
    clock = FileClock(str(path))
    clock.write(offset_seconds=0)
    return clock


@pytest.fixture
def platform(container_factory, rabbit_config, web_config, tmp_path, shared_clock):
    """Start everything; returns the containers by name."""
    amqp = rabbit_config["AMQP_URI"]
    clock = f"file:{shared_clock.path}"
    containers = {}
    for name, target in SERVICES.items():
        if name == "gateway":
            continue
        module, _, cls = target.partition(":")
        service = getattr(importlib.import_module(module), cls)
        extra = {"CLOCK": clock}
        if name == "notify":
            extra.update(SMS_PROVIDER="log", SMS_LOG_PATH=str(tmp_path / "sms.log"), SMS_SEND_INTERVAL=0.2)
        containers[name] = container_factory(service, service_config(
            amqp, migrated_sqlite(tmp_path, name), **extra))
    from gateway.service import GatewayService
    containers["gateway"] = container_factory(GatewayService, dict(
        web_config, **service_config(amqp, migrated_sqlite(tmp_path, "gateway"), CLOCK=clock,
                                     RPC_TIMEOUT=10, HEALTH_RPC_TIMEOUT=3)))
    for container in containers.values():
        container.start()
    return containers


def sms_lines(tmp_path):
    path = tmp_path / "sms.log"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
