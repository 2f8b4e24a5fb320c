"""Outbound SMS providers.

``SmsProvider.send(phone, text, ref)`` hands one message to the provider and
returns the provider's message id. It raises :class:`SmsTemporaryError` when
trying again later may work (provider down, timeout, 5xx) and
:class:`SmsRejected` when it never will (bad number, refused content, 4xx).
``ref`` is the delivery id: the provider's idempotency key, so a message sent
again after a crash is not delivered twice -- a second send with the same
``ref`` returns the first message id and sends nothing.

Config ``SMS_PROVIDER`` picks one:

- ``log`` (default, development): appends one JSON line per message to
  ``SMS_LOG_PATH`` (default ``var/sms.log``); it honours ``ref`` like a real
  gateway: a ``ref`` already in the file is not written again;
- ``http``: POSTs ``{"to", "text", "sign", "ref"}`` as JSON to ``SMS_HTTP_URL``
  with ``Authorization: Bearer {SMS_API_KEY}`` and ``Idempotency-Key: {ref}``,
  timeout ``SMS_HTTP_TIMEOUT`` (5 s; keep it below ``SMS_LEASE_SECONDS``). The
  gateway must deduplicate on the ref (most vendors call it ``outId`` /
  ``client_ref`` / an idempotency header): a repeated ref answers 2xx with the
  first ``message_id``.
"""
from __future__ import annotations

import fcntl
import json
import os
import threading
from pathlib import Path

import requests

from kernel.config import var_dir


class SmsError(Exception):
    """The provider did not take the message."""


class SmsTemporaryError(SmsError):
    """Try again later."""


class SmsRejected(SmsError):
    """The provider refused the message for good."""


class SmsProvider:
    def send(self, phone: str, text: str, ref: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class LogSmsProvider(SmsProvider):
    """Development provider: every message is a JSON line in a file.

    Like a real gateway it deduplicates on ``ref``: a message whose ref is already
    in the file (written by this process or another one sharing the file) is not
    written again, and the first message id is returned."""

    def __init__(self, path: str | os.PathLike, sign: str = ""):
        self.path = Path(path)
        self.sign = sign
        self._lock = threading.Lock()
        self._seen: dict[str, str] = {}     # ref -> message id, read from the file
        self._read_upto = 0

    @staticmethod
    def message_id(ref: str) -> str:
        return f"log-{ref}"

    def _catch_up(self, fh) -> None:
        """Index the lines appended since we last looked (by anyone)."""
        if os.fstat(fh.fileno()).st_size < self._read_upto:      # rotated or truncated
            self._seen.clear()
            self._read_upto = 0
        fh.seek(self._read_upto)
        for raw in fh:
            if not raw.endswith(b"\n"):
                break                      # a line being written; read it next time
            self._read_upto += len(raw)
            try:
                ref = json.loads(raw).get("ref")
            except (ValueError, AttributeError):
                continue
            if ref:
                self._seen[ref] = self.message_id(ref)

    def send(self, phone: str, text: str, ref: str) -> str:
        line = json.dumps({"to": phone, "text": text, "sign": self.sign, "ref": ref}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._lock, open(self.path, "a+b") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)       # another process may share the file
                try:
                    self._catch_up(fh)
                    if ref in self._seen:
                        return self._seen[ref]        # already sent: nothing is written
                    fh.seek(0, os.SEEK_END)
                    fh.write((line + "\n").encode("utf-8"))
                    fh.flush()
                    self._catch_up(fh)
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError as exc:
            raise SmsTemporaryError(f"cannot write {self.path}: {exc}") from None
        return self._seen.get(ref) or self.message_id(ref)


#: 4xx answers that mean "not now" rather than "never"
_TEMPORARY_4XX = frozenset({408, 425, 429})


class HttpSmsProvider(SmsProvider):
    """A JSON-over-HTTP gateway (most Chinese SMS vendors' REST APIs have this shape)."""

    def __init__(self, url: str, api_key: str = "", sign: str = "", timeout: float = 5.0,
                 session: requests.Session | None = None):
        if not url:
            raise ValueError("SMS_HTTP_URL is required for SMS_PROVIDER=http")
        self.url = url
        self.api_key = api_key
        self.sign = sign
        self.timeout = timeout
        self.http = session or requests.Session()

    def send(self, phone: str, text: str, ref: str) -> str:
        try:
            response = self.http.post(
                self.url, json={"to": phone, "text": text, "sign": self.sign, "ref": ref},
                headers={"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": ref},
                timeout=self.timeout)
        except requests.RequestException as exc:   # connection refused, timeout, ...
            raise SmsTemporaryError(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if 200 <= status < 300:
            try:
                message_id = response.json().get("message_id")
            except (ValueError, AttributeError):
                message_id = None
            if not message_id:
                # accepted but unreadable: sending again is safe (``ref`` is the idempotency key)
                raise SmsTemporaryError(f"HTTP {status} without a message_id")
            return str(message_id)
        detail = f"HTTP {status}: {response.text[:300]}"
        if 400 <= status < 500 and status not in _TEMPORARY_4XX:
            raise SmsRejected(detail)
        raise SmsTemporaryError(detail)


def provider_from_config(config: dict) -> SmsProvider:
    kind = str(config.get("SMS_PROVIDER") or "log").strip().lower()
    sign = str(config.get("SMS_SIGN") or "")
    if kind == "log":
        return LogSmsProvider(config.get("SMS_LOG_PATH") or var_dir() / "sms.log", sign=sign)
    if kind == "http":
        return HttpSmsProvider(config.get("SMS_HTTP_URL") or "", api_key=str(config.get("SMS_API_KEY") or ""),
                               sign=sign, timeout=float(config.get("SMS_HTTP_TIMEOUT", 5)))
    raise ValueError(f"unknown SMS_PROVIDER {kind!r} (log | http)")
