"""A real HTTP SMS gateway stand-in for the tests: an eventlet WSGI server on a free port
that records every request and answers from a script (then 200 with a message id).

Like a real gateway it deduplicates on the idempotency reference (the ``ref`` field,
or the ``Idempotency-Key`` header): a ref it already accepted answers 200 with the
first message id and is not delivered again. ``delivered`` holds what reached a phone."""
from __future__ import annotations

import json

import eventlet
import eventlet.wsgi


class SmsGatewayStub:
    def __init__(self, answers=()):
        #: (status, json body, delay seconds) answered in order; afterwards 200 + message_id
        self.answers = list(answers)
        self.requests: list[dict] = []
        self.delivered: list[dict] = []
        self.accepted: dict[str, str] = {}      # ref -> message id
        self.sock = eventlet.listen(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/v1/sms"
        self.server = eventlet.spawn(eventlet.wsgi.server, self.sock, self._app, log_output=False)

    def _app(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        self.requests.append({
            "method": environ["REQUEST_METHOD"], "path": environ["PATH_INFO"],
            "authorization": environ.get("HTTP_AUTHORIZATION"),
            "content_type": environ.get("CONTENT_TYPE"), "json": json.loads(raw or b"null"),
            "idempotency_key": environ.get("HTTP_IDEMPOTENCY_KEY"),
        })
        sent = self.requests[-1]["json"]
        ref = environ.get("HTTP_IDEMPOTENCY_KEY") or (sent.get("ref") if isinstance(sent, dict) else None)
        if ref and ref in self.accepted:
            start_response("200 STUB", [("Content-Type", "application/json")])
            return [json.dumps({"message_id": self.accepted[ref], "duplicate": True}).encode()]
        if self.answers:
            status, body, delay = self.answers.pop(0)
        else:
            status, body, delay = 200, {"message_id": f"msg-{len(self.requests)}"}, 0
        if delay:
            eventlet.sleep(delay)
        if 200 <= status < 300 and isinstance(body, dict) and body.get("message_id"):
            if ref:
                self.accepted[ref] = body["message_id"]
            self.delivered.append(sent)
        start_response(f"{status} STUB", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def close(self):
        self.server.kill()
        self.sock.close()
