"""A real HTTP SMS gateway stand-in for the tests (``kernel.testing.HttpStub``) that answers
from a script (then 200 with a message id).

Like a real gateway it deduplicates on the idempotency reference (the ``ref`` field,
or the ``Idempotency-Key`` header): a ref it already accepted answers 200 with the
first message id and is not delivered again. ``delivered`` holds what reached a phone."""
from __future__ import annotations

from kernel.testing import HttpStub


class SmsGatewayStub(HttpStub):
    def __init__(self, answers=()):
        super().__init__(answers)
        self.delivered: list[dict] = []
        self.accepted: dict[str, str] = {}      # ref -> message id
        self.url = f"{self.base_url}/v1/sms"

    def respond(self, request):
        sent = request["json"]
        ref = request["idempotency_key"] or (sent.get("ref") if isinstance(sent, dict) else None)
        if ref and ref in self.accepted:
            return 200, {"message_id": self.accepted[ref], "duplicate": True}, {}
        status, body, _ = self.scripted() or (200, {"message_id": f"msg-{len(self.requests)}"}, {})
        if 200 <= status < 300 and isinstance(body, dict) and body.get("message_id"):
            if ref:
                self.accepted[ref] = body["message_id"]
            self.delivered.append(sent)
        return status, body, {}
