"""The gateway's secrets: its own token key, readiness without it, production start refusal."""
import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from gateway import accounts
from gateway.service import GatewayService
from kernel.clock import SystemClock
from kernel.config import WeakSecret
from kernel.db import make_engine
from kernel.testing import TEST_SECRET, TEST_TOKEN_SECRET, migrated_sqlite, service_config
from services.tickets.service import TicketsService


@pytest.fixture
def accounts_db(tmp_path):
    url = migrated_sqlite(tmp_path, "gateway")
    with Session(make_engine(url)) as session:
        accounts.create_user(session, username="zhangwei", password="resident-pass", display_name="张伟",
                             kind="resident", group_id="g1", roles=[], unit_ids=["u1"],
                             now=SystemClock().now())
        session.commit()
    return url


def start_gateway(container_factory, rabbit_config, web_config, db_url, **extra):
    config = dict(web_config, **service_config(rabbit_config["AMQP_URI"], db_url, **extra))
    container = container_factory(GatewayService, config)
    container.start()
    return container


def test_without_its_token_key_the_gateway_is_not_ready(container_factory, rabbit_config, web_config,
                                                        web_session, accounts_db, monkeypatch):
    monkeypatch.delenv("GATEWAY_TOKEN_SECRET", raising=False)
    start_gateway(container_factory, rabbit_config, web_config, accounts_db)
    live = web_session.get("/health/live")
    assert live.status_code == 503
    assert live.json() == {"status": "not_ready", "problems": ["GATEWAY_TOKEN_SECRET is not set"]}
    login = web_session.post("/api/v1/auth/token", json={"username": "zhangwei", "password": "resident-pass"})
    assert login.status_code == 503 and login.json()["error"] == "gateway_not_configured"
    assert "GATEWAY_TOKEN_SECRET" in login.json()["message"]


def test_a_token_key_equal_to_the_platform_secret_is_refused(container_factory, rabbit_config, web_config,
                                                              web_session, accounts_db):
    start_gateway(container_factory, rabbit_config, web_config, accounts_db, GATEWAY_TOKEN_SECRET=TEST_SECRET)
    live = web_session.get("/health/live")
    assert live.status_code == 503 and "must differ from WUYE_SECRET" in live.json()["problems"][0]


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")   # the forger's short key
def test_what_a_service_knows_cannot_mint_a_token(container_factory, rabbit_config, web_config, web_session,
                                                 accounts_db):
    start_gateway(container_factory, rabbit_config, web_config, accounts_db)
    assert web_session.get("/health/live").status_code == 200
    good = web_session.post("/api/v1/auth/token", json={"username": "zhangwei", "password": "resident-pass"})
    assert good.status_code == 200
    assert web_session.get("/api/v1/me", headers={
        "Authorization": f"Bearer {good.json()['access_token']}"}).status_code == 200

    with Session(make_engine(accounts_db)) as session:
        user = session.query(accounts.User).filter_by(username="zhangwei").one()
        # every service holds WUYE_SECRET: neither it nor anything derived from it signs tokens
        derived = hmac.new(TEST_SECRET.encode(), b"gateway-access-tokens", hashlib.sha256).hexdigest()
        for key in (TEST_SECRET, derived):
            forged, _ = accounts.issue_token(user, key, SystemClock().now(), timedelta(hours=1))
            response = web_session.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
            assert response.status_code == 401 and response.json()["error"] == "invalid_token"
        real, _ = accounts.issue_token(user, TEST_TOKEN_SECRET, SystemClock().now(), timedelta(hours=1))
        assert web_session.get("/api/v1/me", headers={"Authorization": f"Bearer {real}"}).status_code == 200


@pytest.mark.parametrize("secrets, reason", [
    ({}, "WUYE_SECRET is a published"),                                   # the test value
    ({"WUYE_SECRET": "wuye-dev-secret-change-me"}, "WUYE_SECRET is a published"),
    ({"WUYE_SECRET": "p" * 40}, "GATEWAY_TOKEN_SECRET is a published"),   # the test token key
    ({"WUYE_SECRET": "p" * 40, "GATEWAY_TOKEN_SECRET": "short"}, "GATEWAY_TOKEN_SECRET is shorter than 32"),
])
def test_production_gateway_refuses_to_start_with_weak_secrets(container_factory, rabbit_config, web_config,
                                                               accounts_db, monkeypatch, secrets, reason):
    monkeypatch.setenv("WUYE_ENV", "production")
    with pytest.raises(WeakSecret, match=reason):
        start_gateway(container_factory, rabbit_config, web_config, accounts_db, **secrets)


def test_production_service_refuses_to_start_with_the_dev_secret(container_factory, rabbit_config, tmp_path,
                                                                monkeypatch):
    monkeypatch.setenv("WUYE_ENV", "production")
    config = service_config(rabbit_config["AMQP_URI"], migrated_sqlite(tmp_path, "tickets"),
                            WUYE_SECRET="wuye-dev-secret-change-me")
    with pytest.raises(WeakSecret, match="WUYE_SECRET is a published"):
        container_factory(TicketsService, config).start()
    strong = dict(config, WUYE_SECRET="s" * 16 + "0123456789abcdef0123456789abcdef")
    container_factory(TicketsService, strong).start()                   # a strong one starts
