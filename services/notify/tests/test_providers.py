"""The SMS providers against a real local HTTP server and a real file."""
import json

import eventlet
import pytest

from services.notify.providers import (HttpSmsProvider, LogSmsProvider, SmsRejected, SmsTemporaryError,
                                       provider_from_config)
from services.notify.tests.stub import SmsGatewayStub


@pytest.fixture
def gateway():
    stub = SmsGatewayStub()
    yield stub
    stub.close()


def test_http_provider_posts_json_with_the_api_key(gateway):
    provider = HttpSmsProvider(gateway.url, api_key="k-123", sign="绿湖物业")
    assert provider.send("13812345678", "您好", "d-1") == "msg-1"
    [request] = gateway.requests
    assert (request["method"], request["path"], request["authorization"]) == ("POST", "/v1/sms", "Bearer k-123")
    assert request["content_type"].startswith("application/json")
    assert request["json"] == {"to": "13812345678", "text": "您好", "sign": "绿湖物业", "ref": "d-1"}


@pytest.mark.parametrize("status, error", [
    (400, SmsRejected), (403, SmsRejected), (404, SmsRejected),
    (429, SmsTemporaryError), (500, SmsTemporaryError), (503, SmsTemporaryError),
])
def test_http_provider_maps_statuses(gateway, status, error):
    gateway.answers.append((status, {"error": "no"}, 0))
    with pytest.raises(error) as exc:
        HttpSmsProvider(gateway.url).send("13812345678", "x", "d-1")
    assert f"HTTP {status}" in str(exc.value)


def test_http_provider_accepted_without_an_id_is_retried(gateway):
    gateway.answers.append((200, {"ok": True}, 0))
    with pytest.raises(SmsTemporaryError):
        HttpSmsProvider(gateway.url).send("13812345678", "x", "d-1")


def test_http_provider_timeout_and_refused_connection_are_temporary(gateway):
    gateway.answers.append((200, {"message_id": "late"}, 1.0))
    with pytest.raises(SmsTemporaryError, match="Timeout"):
        HttpSmsProvider(gateway.url, timeout=0.2).send("13812345678", "x", "d-1")
    closed = eventlet.listen(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises(SmsTemporaryError, match="ConnectionError"):
        HttpSmsProvider(f"http://127.0.0.1:{port}/sms").send("13812345678", "x", "d-1")


def test_log_provider_appends_one_json_line_per_message(tmp_path):
    path = tmp_path / "deep" / "sms.log"
    provider = provider_from_config({"SMS_LOG_PATH": str(path), "SMS_SIGN": "物业"})
    assert isinstance(provider, LogSmsProvider)
    assert provider.send("13812345678", "第一条", "d-1") == "log-d-1"
    provider.send("13987654321", "second", "d-2")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"to": "13812345678", "text": "第一条", "sign": "物业", "ref": "d-1"},
                     {"to": "13987654321", "text": "second", "sign": "物业", "ref": "d-2"}]


def test_provider_from_config():
    http = provider_from_config({"SMS_PROVIDER": "http", "SMS_HTTP_URL": "http://sms.example/api",
                                 "SMS_API_KEY": "k"})
    assert isinstance(http, HttpSmsProvider) and http.timeout == 5.0 and http.api_key == "k"
    with pytest.raises(ValueError):
        provider_from_config({"SMS_PROVIDER": "http"})
    with pytest.raises(ValueError):
        provider_from_config({"SMS_PROVIDER": "carrier-pigeon"})


def test_http_provider_sends_the_ref_as_idempotency_key_and_a_repeat_is_not_delivered_twice(gateway):
    provider = HttpSmsProvider(gateway.url)
    first = provider.send("13812345678", "您好", "delivery-1")
    assert provider.send("13812345678", "您好", "delivery-1") == first     # e.g. after a crash
    assert [r["idempotency_key"] for r in gateway.requests] == ["delivery-1", "delivery-1"]
    assert [r["json"]["ref"] for r in gateway.requests] == ["delivery-1", "delivery-1"]
    assert len(gateway.delivered) == 1
    provider.send("13812345678", "您好", "delivery-2")
    assert len(gateway.delivered) == 2


def test_log_provider_honours_the_ref_across_processes_sharing_the_file(tmp_path):
    path = tmp_path / "sms.log"
    first = LogSmsProvider(path)
    assert first.send("13812345678", "第一条", "d-1") == "log-d-1"
    assert first.send("13812345678", "第一条", "d-1") == "log-d-1"      # a second send writes nothing
    restarted = LogSmsProvider(path)                                     # the process died and came back
    assert restarted.send("13812345678", "第一条", "d-1") == "log-d-1"
    restarted.send("13987654321", "second", "d-2")
    assert first.send("13987654321", "second", "d-2") == "log-d-2"      # written by the other one
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [line["ref"] for line in lines] == ["d-1", "d-2"]
    path.write_text("")                                                  # rotated
    first.send("13812345678", "third", "d-3")
    assert [json.loads(line)["ref"] for line in path.read_text().splitlines()] == ["d-3"]
