"""A real HTTP SMS gateway stand-in for the tests: an eventlet WSGI server on a free port
that records every request and answers from a script (then 200 with a message id)."""
from __future__ import annotations

import json

import eventlet
import eventlet.wsgi


class SmsGatewayStub:
    def __init__(self, answers=()):
        #: (status, json body, delay seconds) answered in order; afterwards 200 + message_id
        self.answers = list(answers)
        self.requests: list[dict] = []
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
        })
        if self.answers:
            status, body, delay = self.answers.pop(0)
        else:
            status, body, delay = 200, {"message_id": f"msg-{len(self.requests)}"}, 0
        if delay:
            eventlet.sleep(delay)
        start_response(f"{status} STUB", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    def close(self):
        self.server.kill()
        self.sock.close()
