"""kernel.testing.HttpStub: the one local HTTP server the tests put in place of an outside system."""
import requests

from kernel.testing import HttpStub


def test_it_records_each_request_and_answers_the_script_then_200():
    with HttpStub(answers=[(503, {"error": "busy"}, 0), (200, b"raw bytes", 0)]) as stub:
        first = requests.post(f"{stub.base_url}/v1/x", json={"a": 1},
                              headers={"Authorization": "Bearer k", "Idempotency-Key": "ref-1"})
        second = requests.get(f"{stub.base_url}/v1/y?q=1")
        third = requests.put(f"{stub.base_url}/v1/z", data=b"not json")
    assert (first.status_code, first.json()) == (503, {"error": "busy"})
    assert (second.status_code, second.content) == (200, b"raw bytes")
    assert (third.status_code, third.json()) == (200, {})
    request = stub.requests[0]
    assert (request["method"], request["path"], request["json"], request["body"]) == (
        "POST", "/v1/x", {"a": 1}, b'{"a": 1}')
    assert (request["authorization"], request["idempotency_key"]) == ("Bearer k", "ref-1")
    assert request["content_type"] == "application/json" and request["headers"]["idempotency-key"] == "ref-1"
    assert stub.requests[2]["json"] is None


def test_a_subclass_answers_for_the_system_it_stands_in_for():
    class Echo(HttpStub):
        def respond(self, request):
            return 201, {"you_sent": request["json"]}, {"X-Echo": "yes"}

    with Echo() as stub:
        answer = requests.post(stub.base_url, json={"b": 2})
    assert (answer.status_code, answer.json(), answer.headers["X-Echo"]) == (201, {"you_sent": {"b": 2}}, "yes")
