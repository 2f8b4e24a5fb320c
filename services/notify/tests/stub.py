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


class SigningSmsGatewayStub(SmsGatewayStub):
    """An SMS gateway that checks each request's signature (``X-Timestamp``, ``X-Signature``:
    HMAC-SHA256 with the shared key over ``"<timestamp>.<body>"``), as a vendor does: a request
    without a valid one answers 401 and is not delivered. ``signatures`` records each verdict."""

    def __init__(self, key: str, answers=()):
        super().__init__(answers)
        self.key = key
        self.signatures: list[bool] = []

    def respond(self, request):
        import hashlib
        import hmac

        timestamp = request["headers"].get("x-timestamp") or ""
        expected = "sha256=" + hmac.new(self.key.encode(), timestamp.encode() + b"." + request["body"],
                                        hashlib.sha256).hexdigest()
        valid = hmac.compare_digest(expected, request["headers"].get("x-signature") or "")
        self.signatures.append(valid)
        if not valid:
            return 401, {"error": "bad signature"}, {}
        return super().respond(request)


class WeChatStub(HttpStub):
    """The WeChat official-account API on a real local HTTP server: ``GET /cgi-bin/token``
    (``grant_type=client_credential``, ``appid``, ``secret``) issues a token valid ``expires_in``
    seconds (the stub only forgets it when told: :meth:`expire_tokens`); ``POST
    /cgi-bin/message/template/send?access_token=`` answers errcode 40001 for a token it did not
    issue or forgot, deduplicates on ``client_msg_id`` (the first msgid again, delivered once),
    and otherwise answers from ``errcodes`` (scripted errcodes, then 0 with a msgid).
    ``tokens_issued`` counts the tokens given out; ``delivered`` holds the messages sent."""

    def __init__(self, appid: str = "wx-app", secret: str = "wx-secret", expires_in: int = 7200):
        super().__init__()
        self.appid, self.secret, self.expires_in = appid, secret, expires_in
        self.token_url = f"{self.base_url}/cgi-bin/token"
        self.send_url = f"{self.base_url}/cgi-bin/message/template/send"
        self.valid: set[str] = set()
        self.tokens_issued = 0
        self.errcodes: list[int] = []
        self.delivered: list[dict] = []
        self.accepted: dict[str, int] = {}

    def expire_tokens(self) -> None:
        self.valid.clear()

    def respond(self, request):
        from urllib.parse import parse_qs

        query = {k: v[0] for k, v in parse_qs(request["query"]).items()}
        if request["path"] == "/cgi-bin/token":
            if (query.get("grant_type"), query.get("appid"), query.get("secret")) != \
                    ("client_credential", self.appid, self.secret):
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}, {}
            self.tokens_issued += 1
            token = f"token-{self.tokens_issued}"
            self.valid.add(token)
            return 200, {"access_token": token, "expires_in": self.expires_in}, {}
        if request["path"] == "/cgi-bin/message/template/send":
            if query.get("access_token") not in self.valid:
                return 200, {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}, {}
            sent = request["json"]
            ref = sent.get("client_msg_id")
            if ref in self.accepted:
                return 200, {"errcode": 0, "errmsg": "ok", "msgid": self.accepted[ref]}, {}
            if self.errcodes:
                code = self.errcodes.pop(0)
                return 200, {"errcode": code, "errmsg": f"scripted {code}"}, {}
            msgid = 1000 + len(self.delivered) + 1
            self.accepted[ref] = msgid
            self.delivered.append(sent)
            return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}, {}
        return 404, {"errcode": 404, "errmsg": "no such API"}, {}
