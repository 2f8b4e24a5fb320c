"""Outbound channel providers: SMS, e-mail and WeChat, behind one interface.

``ChannelProvider.send(outgoing) -> provider_message_id`` hands one message (:class:`Outgoing`:
``delivery_id``, ``channel``, ``address``, ``subject``, ``text`` and, for e-mail, ``html``) to the
outside system and returns its message id. It raises :class:`TemporaryError` when trying again
later may work (provider down, timeout, 5xx, SMTP 4xx, WeChat busy) and :class:`Rejected` when it
never will (bad number or address, refused content, 4xx, SMTP 5xx). ``delivery_id`` is the
provider's idempotency reference, so a message sent again after a crash is not delivered twice:
the SMS gateway deduplicates on it (a second send returns the first message id), WeChat gets it
as ``client_msg_id``, and the e-mail's ``Message-ID`` is derived from it (mail systems drop a
second message with the same Message-ID; SMTP itself has no idempotency -- see README).
A provider may return a :class:`MessageId` carrying the provider's answer (SMTP's reply, the
gateway's body); the sender keeps it on the delivery (``provider_answer``).

The SMS names of before (``SmsProvider``, ``SmsTemporaryError``, ``SmsRejected``) are the same
classes, and an SMS provider still takes the three-argument form ``send(phone, text, ref)``.

Config picks one provider per channel (see README, "Channels"):

``SMS_PROVIDER``
  - ``log`` (default, development): appends one JSON line per message to ``SMS_LOG_PATH``
    (default ``var/sms.log``); it honours ``ref`` like a real gateway: a ``ref`` already in the
    file is not written again;
  - ``http``: POSTs ``{"to", "text", "sign", "ref"}`` as JSON to ``SMS_HTTP_URL`` with
    ``Authorization: Bearer {SMS_API_KEY}``, ``Idempotency-Key: {ref}``, and the request's
    signature: ``X-Timestamp: <unix seconds>`` and ``X-Signature: sha256=<hex>``, HMAC-SHA256
    with ``SMS_SIGNING_KEY`` (default: ``SMS_API_KEY``) over ``"<timestamp>.<body bytes>"``;
    timeout ``SMS_HTTP_TIMEOUT`` (5 s; keep it below ``SMS_LEASE_SECONDS``). The gateway must
    deduplicate on the ref (most vendors call it ``outId`` / ``client_ref`` / an idempotency
    header): a repeated ref answers 2xx with the first ``message_id``.

``EMAIL_PROVIDER``
  - ``log`` (default): one JSON line per message in ``EMAIL_LOG_PATH`` (``var/email.log``),
    deduplicated on the ref like the SMS one;
  - ``smtp``: ``smtplib`` to ``EMAIL_SMTP_HOST``:``EMAIL_SMTP_PORT`` (587), STARTTLS unless
    ``EMAIL_SMTP_STARTTLS`` is false (``EMAIL_SMTP_SSL``: implicit TLS, port 465), AUTH with
    ``EMAIL_SMTP_USER`` / ``EMAIL_SMTP_PASSWORD`` when a user is set, from ``EMAIL_FROM``
    (``EMAIL_FROM_NAME`` its display name), timeout ``EMAIL_SMTP_TIMEOUT`` (10 s). UTF-8 text
    (and an HTML alternative), RFC 2047 subject, ``Message-ID: <delivery id@domain of EMAIL_FROM>``.

``WECHAT_PROVIDER``
  - ``log`` (default): JSON lines in ``WECHAT_LOG_PATH`` (``var/wechat.log``);
  - ``http``: WeChat official-account template messages: the access token from
    ``WECHAT_TOKEN_URL`` (``appid``=``WECHAT_APPID``, ``secret``=``WECHAT_SECRET``), cached until
    ``WECHAT_TOKEN_MARGIN`` (300 s) before it expires and shared by every send, fetched again when
    the API says it is invalid or expired (errcode 40001, 40014, 42001); the message POSTed to
    ``WECHAT_SEND_URL?access_token=...`` with the purpose's template (the project's setting
    ``wechat.template_ids``) or else ``WECHAT_TEMPLATE_ID`` (the generic one), and our delivery id
    as ``client_msg_id``; timeout ``WECHAT_HTTP_TIMEOUT`` (5 s).

Delivery receipts (回执): the SMS gateway and WeChat report later whether a message accepted reached its
recipient, to the gateway's ``POST /api/v1/notify/receipts/{sms,wechat}``, signed like our requests
(:func:`sign_body`) with ``SMS_RECEIPT_KEY`` / ``WECHAT_RECEIPT_KEY`` (``domain/receipts.py``).
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import smtplib
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from email import policy as email_policy
from pathlib import Path
from typing import Callable

import requests

from kernel.config import var_dir

SMS, EMAIL, WECHAT = "sms", "email", "wechat"
#: the channels a provider sends (in-app is stored, print is printed)
OUTBOUND = (SMS, EMAIL, WECHAT)


@dataclass(frozen=True)
class Outgoing:
    """One message for a provider: ``delivery_id`` is its idempotency reference."""

    delivery_id: str
    channel: str
    address: str
    text: str
    subject: str = ""
    html: str | None = None
    lease_until: datetime | None = None
    #: WeChat: the purpose's template, ``{"template_id", "data": {"first", "keyword1".., "remark"}}``
    #: (``domain/wechat.py``); None: the generic template with the subject and text
    template: dict | None = None

    @property
    def phone(self) -> str:          # the SMS name of the address
        return self.address

    @property
    def ref(self) -> str:
        return self.delivery_id


class MessageId(str):
    """A provider's message id with the provider's whole answer (kept as ``provider_answer``)."""

    answer: str | None = None

    def __new__(cls, value: str, answer: str | None = None):
        self = super().__new__(cls, value)
        self.answer = answer
        return self


class ProviderError(Exception):
    """The provider did not take the message."""


class TemporaryError(ProviderError):
    """Try again later."""


class Rejected(ProviderError):
    """The provider refused the message for good."""


# the SMS names of before: the same classes
SmsError, SmsTemporaryError, SmsRejected = ProviderError, TemporaryError, Rejected


class ChannelProvider:
    """One outbound channel's provider."""

    channel: str = ""

    def send(self, outgoing: Outgoing) -> str:  # pragma: no cover - interface
        raise NotImplementedError


def deliver(provider, outgoing: Outgoing) -> str:
    """Hand ``outgoing`` to ``provider``: a :class:`ChannelProvider`, or an SMS provider of the
    three-argument form ``send(phone, text, ref)`` (kept working for code written before)."""
    if isinstance(provider, ChannelProvider):
        return provider.send(outgoing)
    return provider.send(outgoing.address, outgoing.text, outgoing.delivery_id)


class SmsProvider(ChannelProvider):
    """An SMS provider: ``send(outgoing)`` or, as before, ``send(phone, text, ref)``."""

    channel = SMS

    def send(self, outgoing, text: str | None = None, ref: str | None = None) -> str:
        if not isinstance(outgoing, Outgoing):
            outgoing = Outgoing(delivery_id=ref, channel=SMS, address=outgoing, text=text)
        return self.send_sms(outgoing.address, outgoing.text, outgoing.delivery_id)

    def send_sms(self, phone: str, text: str, ref: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError


class LogProvider(ChannelProvider):
    """Development provider: every message is a JSON line in a file.

    Like a real gateway it deduplicates on the ref: a message whose ref is already in the file
    (written by this process or another one sharing the file) is not written again, and the
    first message id is returned."""

    def __init__(self, path: str | os.PathLike, channel: str = SMS):
        self.path = Path(path)
        self.channel = channel
        self._lock = threading.Lock()
        self._seen: dict[str, str] = {}     # ref -> message id, read from the file
        self._read_upto = 0

    @staticmethod
    def message_id(ref: str) -> str:
        return f"log-{ref}"

    def line(self, outgoing: Outgoing) -> dict:
        out = {"to": outgoing.address, "subject": outgoing.subject, "text": outgoing.text,
               "ref": outgoing.delivery_id}
        if outgoing.html:
            out["html"] = outgoing.html
        if outgoing.template:
            out["template"] = outgoing.template
        return out

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

    def send(self, outgoing: Outgoing) -> str:
        ref = outgoing.delivery_id
        line = json.dumps(self.line(outgoing), ensure_ascii=False)
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
            raise TemporaryError(f"cannot write {self.path}: {exc}") from None
        return self._seen.get(ref) or self.message_id(ref)


class LogSmsProvider(LogProvider, SmsProvider):
    """The development SMS provider: ``{"to", "text", "sign", "ref"}`` per line."""

    def __init__(self, path: str | os.PathLike, sign: str = ""):
        super().__init__(path, SMS)
        self.sign = sign

    def line(self, outgoing: Outgoing) -> dict:
        return {"to": outgoing.address, "text": outgoing.text, "sign": self.sign, "ref": outgoing.delivery_id}

    def send(self, outgoing, text: str | None = None, ref: str | None = None) -> str:
        if not isinstance(outgoing, Outgoing):
            outgoing = Outgoing(delivery_id=ref, channel=SMS, address=outgoing, text=text)
        return LogProvider.send(self, outgoing)


#: 4xx answers that mean "not now" rather than "never"
_TEMPORARY_4XX = frozenset({408, 425, 429})


def _truthy(value, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def sign_body(key: str, timestamp: str, body: bytes) -> str:
    """The SMS request's signature: ``sha256=`` HMAC-SHA256 with ``key`` over ``"<timestamp>.<body>"``
    (what a gateway recomputes to know the request is ours and unaltered, and not replayed later)."""
    digest = hmac.new(key.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class HttpSmsProvider(SmsProvider):
    """A JSON-over-HTTP gateway (most Chinese SMS vendors' REST APIs have this shape), each
    request signed (:func:`sign_body`, ``X-Timestamp`` and ``X-Signature`` headers)."""

    def __init__(self, url: str, api_key: str = "", sign: str = "", timeout: float = 5.0,
                 session: requests.Session | None = None, signing_key: str = "",
                 now: Callable[[], float] = time.time):
        if not url:
            raise ValueError("SMS_HTTP_URL is required for SMS_PROVIDER=http")
        self.url = url
        self.api_key = api_key
        self.signing_key = signing_key or api_key
        self.sign = sign
        self.timeout = timeout
        self.http = session or requests.Session()
        self._now = now

    def send_sms(self, phone: str, text: str, ref: str) -> str:
        body = json.dumps({"to": phone, "text": text, "sign": self.sign, "ref": ref},
                          ensure_ascii=False).encode("utf-8")
        timestamp = str(int(self._now()))
        try:
            response = self.http.post(
                self.url, data=body,
                headers={"Authorization": f"Bearer {self.api_key}", "Idempotency-Key": ref,
                         "Content-Type": "application/json; charset=utf-8", "X-Timestamp": timestamp,
                         "X-Signature": sign_body(self.signing_key, timestamp, body)},
                timeout=self.timeout)
        except requests.RequestException as exc:   # connection refused, timeout, ...
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        answer = f"HTTP {status}: {response.text[:300]}"
        if 200 <= status < 300:
            try:
                message_id = response.json().get("message_id")
            except (ValueError, AttributeError):
                message_id = None
            if not message_id:
                # accepted but unreadable: sending again is safe (``ref`` is the idempotency key)
                raise TemporaryError(f"HTTP {status} without a message_id")
            return MessageId(str(message_id), answer)
        if 400 <= status < 500 and status not in _TEMPORARY_4XX:
            raise Rejected(answer)
        raise TemporaryError(answer)


# -- e-mail over SMTP ------------------------------------------------------------------------

def _smtp_answer(code: int, message) -> str:
    if isinstance(message, bytes):
        message = message.decode("utf-8", "replace")
    return f"SMTP {code}: {message}"


#: 5xx answers about our credentials, not the message (authentication required / failed): the
#: operator fixes the configuration, the message is retried meanwhile (up to SMS_MAX_ATTEMPTS)
_SMTP_CREDENTIALS = frozenset({530, 534, 535, 538})


def _smtp_error(code: int, message) -> ProviderError:
    """4xx: try again later; 5xx: never (RFC 5321) -- but for the credentials' answers."""
    answer = _smtp_answer(code, message)
    return Rejected(answer) if 500 <= code < 600 and code not in _SMTP_CREDENTIALS else TemporaryError(answer)


class SmtpEmailProvider(ChannelProvider):
    """E-mail through an SMTP relay with the standard library's ``smtplib``: one connection per
    message (STARTTLS, AUTH), a UTF-8 ``EmailMessage`` (RFC 2047 subject, text and HTML parts),
    ``Message-ID`` derived from the delivery id."""

    channel = EMAIL

    def __init__(self, host: str, port: int = 587, *, sender: str, sender_name: str = "",
                 username: str = "", password: str = "", starttls: bool = True, use_ssl: bool = False,
                 timeout: float = 10.0, tls_context: ssl.SSLContext | None = None):
        if not host:
            raise ValueError("EMAIL_SMTP_HOST is required for EMAIL_PROVIDER=smtp")
        if not sender or "@" not in sender:
            raise ValueError("EMAIL_FROM (an address) is required for EMAIL_PROVIDER=smtp")
        self.host, self.port = host, int(port)
        self.sender, self.sender_name = sender, sender_name
        self.username, self.password = username, password
        self.starttls, self.use_ssl = starttls, use_ssl
        self.timeout = timeout
        self.tls_context = tls_context or ssl.create_default_context()
        self.domain = sender.rsplit("@", 1)[1]

    def message_id(self, delivery_id: str) -> str:
        return f"<{delivery_id}@{self.domain}>"

    def message(self, outgoing: Outgoing) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = formataddr((self.sender_name, self.sender)) if self.sender_name else self.sender
        msg["To"] = outgoing.address
        msg["Subject"] = outgoing.subject        # encoded per RFC 2047 when written
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = self.message_id(outgoing.delivery_id)
        msg["X-Wuye-Delivery"] = outgoing.delivery_id
        msg.set_content(outgoing.text, charset="utf-8")
        if outgoing.html:
            msg.add_alternative(outgoing.html, subtype="html", charset="utf-8")
        return msg

    def send(self, outgoing: Outgoing) -> str:
        try:
            outgoing.address.encode("ascii")
        except UnicodeEncodeError:
            raise Rejected(f"not an ASCII address: {outgoing.address!r}") from None
        data = self.message(outgoing).as_bytes(policy=email_policy.SMTP)
        try:
            smtp_class = smtplib.SMTP_SSL if self.use_ssl else smtplib.SMTP
            kwargs = {"context": self.tls_context} if self.use_ssl else {}
            with smtp_class(self.host, self.port, timeout=self.timeout, **kwargs) as smtp:
                smtp.ehlo()
                if self.starttls and not self.use_ssl:
                    smtp.starttls(context=self.tls_context)
                    smtp.ehlo()
                if self.username:
                    try:
                        smtp.login(self.username, self.password)
                    except smtplib.SMTPAuthenticationError as exc:
                        # our credentials, not the message: fixed by the operator, then retried
                        raise TemporaryError(_smtp_answer(exc.smtp_code, exc.smtp_error)) from None
                code, reply = smtp.mail(self.sender)
                if code != 250:
                    raise _smtp_error(code, reply)
                code, reply = smtp.rcpt(outgoing.address)
                if code not in (250, 251):
                    raise _smtp_error(code, reply)
                code, reply = smtp.data(data)          # SMTPDataError unless DATA is let in (354)
                if code != 250:
                    raise _smtp_error(code, reply)
        except ProviderError:
            raise
        except smtplib.SMTPResponseException as exc:   # DATA refused, STARTTLS refused, ...
            raise _smtp_error(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError, socket.timeout, ssl.SSLError) as exc:
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from None
        return MessageId(self.message_id(outgoing.delivery_id), _smtp_answer(code, reply))


# -- WeChat template messages ------------------------------------------------------------------

#: the access token is invalid or expired: fetch a new one and send again
WECHAT_TOKEN_ERRORS = frozenset({40001, 40014, 42001})
#: WeChat's "try again": system busy (-1), API rate limits (45009, 45011), request timeout
WECHAT_TEMPORARY = frozenset({-1, 45009, 45011, 45047, 45015})


class WeChatProvider(ChannelProvider):
    """WeChat official-account template messages over HTTP (``requests``).

    The access token is fetched from ``token_url`` with ``appid`` and ``secret``
    (``grant_type=client_credential``; answer ``{"access_token", "expires_in"}``) and cached --
    shared by every send of this process -- until ``margin`` seconds before it expires; an answer
    saying the token is invalid or expired (:data:`WECHAT_TOKEN_ERRORS`) drops it, fetches a new
    one and sends once more. The message: ``{"touser": openid, "template_id", "client_msg_id":
    delivery id, "data": {...}}`` -- the purpose's template and keyword fields when the project names
    one (``Outgoing.template``), else ``template_id`` with ``{"first": subject, "keyword1": text,
    "remark": ""}``; the answer's
    ``msgid`` is the provider's message id. errcode 0: sent; -1 and rate limits: temporary; any
    other errcode (the user unsubscribed 43004, a bad openid 40003, ...): rejected."""

    channel = WECHAT

    def __init__(self, token_url: str, send_url: str, appid: str, secret: str, template_id: str,
                 timeout: float = 5.0, margin: float = 300.0, session: requests.Session | None = None,
                 now: Callable[[], float] = time.monotonic):
        for name, value in (("WECHAT_TOKEN_URL", token_url), ("WECHAT_SEND_URL", send_url),
                            ("WECHAT_APPID", appid), ("WECHAT_SECRET", secret),
                            ("WECHAT_TEMPLATE_ID", template_id)):
            if not value:
                raise ValueError(f"{name} is required for WECHAT_PROVIDER=http")
        self.token_url, self.send_url = token_url, send_url
        self.appid, self.secret, self.template_id = appid, secret, template_id
        self.timeout, self.margin = timeout, margin
        self.http = session or requests.Session()
        self._now = now
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0
        self.tokens_fetched = 0

    def _get(self, url: str, **kwargs) -> dict:
        try:
            response = self.http.request(url=url, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from None
        if response.status_code >= 500 or response.status_code in _TEMPORARY_4XX:
            raise TemporaryError(f"HTTP {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise Rejected(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            answer = response.json()
        except ValueError:
            raise TemporaryError(f"HTTP {response.status_code}: not JSON: {response.text[:300]}") from None
        if not isinstance(answer, dict):
            raise TemporaryError(f"HTTP {response.status_code}: unexpected answer {answer!r:.300}")
        return answer

    def access_token(self, stale: str | None = None) -> str:
        """The cached token, or a new one (when none, it is about to expire, or it is ``stale``)."""
        with self._lock:
            if self._token and self._token != stale and self._now() < self._token_until:
                return self._token
            answer = self._get(self.token_url, method="GET", params={
                "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
            token = answer.get("access_token")
            if not token:
                code = answer.get("errcode")
                detail = f"token: errcode {code}: {answer.get('errmsg', '')}"
                # a wrong appid / secret is the operator's to fix: kept pending, retried with backoff
                raise TemporaryError(detail)
            self.tokens_fetched += 1
            expires_in = float(answer.get("expires_in") or 7200)
            self._token = token
            self._token_until = self._now() + max(0.0, expires_in - self.margin)
            return token

    def payload(self, outgoing: Outgoing) -> dict:
        """The template message: the purpose's template and fields (``outgoing.template``, the
        project's setting ``wechat.template_ids``), else the generic ``template_id`` with the subject
        as ``first`` and the text as ``keyword1``."""
        if outgoing.template:
            template_id = outgoing.template["template_id"]
            fields = outgoing.template.get("data") or {}
        else:
            template_id = self.template_id
            fields = {"first": outgoing.subject, "keyword1": outgoing.text, "remark": ""}
        return {"touser": outgoing.address, "template_id": template_id, "client_msg_id": outgoing.delivery_id,
                "data": {name: {"value": value} for name, value in fields.items()}}

    def send(self, outgoing: Outgoing) -> str:
        payload = self.payload(outgoing)
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        token = self.access_token()
        for attempt in (1, 2):
            answer = self._get(self.send_url, method="POST", params={"access_token": token}, data=body,
                               headers={"Content-Type": "application/json; charset=utf-8"})
            code = int(answer.get("errcode") or 0)
            text = json.dumps(answer, ensure_ascii=False)[:300]
            if code == 0:
                msgid = answer.get("msgid")
                if msgid in (None, ""):
                    raise TemporaryError(f"accepted without a msgid: {text}")
                return MessageId(str(msgid), text)
            if code in WECHAT_TOKEN_ERRORS and attempt == 1:
                token = self.access_token(stale=token)     # expired early or revoked: a new one, once
                continue
            if code in WECHAT_TEMPORARY or code in WECHAT_TOKEN_ERRORS:
                raise TemporaryError(f"errcode {code}: {text}")
            raise Rejected(f"errcode {code}: {text}")
        raise TemporaryError("unreachable")  # pragma: no cover


# -- from config --------------------------------------------------------------------------------

def provider_from_config(config: dict) -> SmsProvider:
    """The SMS provider (config ``SMS_PROVIDER``)."""
    kind = str(config.get("SMS_PROVIDER") or "log").strip().lower()
    sign = str(config.get("SMS_SIGN") or "")
    if kind == "log":
        return LogSmsProvider(config.get("SMS_LOG_PATH") or var_dir() / "sms.log", sign=sign)
    if kind == "http":
        return HttpSmsProvider(config.get("SMS_HTTP_URL") or "", api_key=str(config.get("SMS_API_KEY") or ""),
                               sign=sign, timeout=float(config.get("SMS_HTTP_TIMEOUT") or 5),
                               signing_key=str(config.get("SMS_SIGNING_KEY") or ""))
    raise ValueError(f"unknown SMS_PROVIDER {kind!r} (log | http)")


def email_provider_from_config(config: dict) -> ChannelProvider:
    kind = str(config.get("EMAIL_PROVIDER") or "log").strip().lower()
    if kind == "log":
        return LogProvider(config.get("EMAIL_LOG_PATH") or var_dir() / "email.log", EMAIL)
    if kind == "smtp":
        use_ssl = _truthy(config.get("EMAIL_SMTP_SSL"), False)
        return SmtpEmailProvider(
            str(config.get("EMAIL_SMTP_HOST") or ""), int(config.get("EMAIL_SMTP_PORT") or (465 if use_ssl else 587)),
            sender=str(config.get("EMAIL_FROM") or ""), sender_name=str(config.get("EMAIL_FROM_NAME") or ""),
            username=str(config.get("EMAIL_SMTP_USER") or ""), password=str(config.get("EMAIL_SMTP_PASSWORD") or ""),
            starttls=_truthy(config.get("EMAIL_SMTP_STARTTLS"), True), use_ssl=use_ssl,
            timeout=float(config.get("EMAIL_SMTP_TIMEOUT") or 10))
    raise ValueError(f"unknown EMAIL_PROVIDER {kind!r} (log | smtp)")


def wechat_provider_from_config(config: dict) -> ChannelProvider:
    kind = str(config.get("WECHAT_PROVIDER") or "log").strip().lower()
    if kind == "log":
        return LogProvider(config.get("WECHAT_LOG_PATH") or var_dir() / "wechat.log", WECHAT)
    if kind == "http":
        return WeChatProvider(
            str(config.get("WECHAT_TOKEN_URL") or "https://api.weixin.qq.com/cgi-bin/token"),
            str(config.get("WECHAT_SEND_URL") or "https://api.weixin.qq.com/cgi-bin/message/template/send"),
            appid=str(config.get("WECHAT_APPID") or ""), secret=str(config.get("WECHAT_SECRET") or ""),
            template_id=str(config.get("WECHAT_TEMPLATE_ID") or ""),
            timeout=float(config.get("WECHAT_HTTP_TIMEOUT") or 5),
            margin=float(config.get("WECHAT_TOKEN_MARGIN") or 300))
    raise ValueError(f"unknown WECHAT_PROVIDER {kind!r} (log | http)")


def providers_from_config(config: dict) -> dict[str, ChannelProvider]:
    """The provider of every outbound channel, by channel."""
    return {SMS: provider_from_config(config), EMAIL: email_provider_from_config(config),
            WECHAT: wechat_provider_from_config(config)}
