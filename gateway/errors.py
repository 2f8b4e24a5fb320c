"""The one table mapping errors to HTTP statuses, and the JSON error body.

Every error leaves the gateway as ``{"error": code, "message": text}`` (plus
``details`` for field errors). Remote errors come from the services as nameko
``RemoteError``; their typed JSON carries a *kind* (kernel.errors), and the
kind picks the status. Anything else -- a bug in a service, a broker outage --
becomes a 502/503/504 with a generic message: never a 500 with internals.
"""
from __future__ import annotations

import json
import logging
from urllib.parse import quote

import orjson
from amqp.exceptions import AMQPError
from eventlet.queue import Empty
from kombu.exceptions import LimitExceeded, OperationalError
from marshmallow import ValidationError
from nameko.exceptions import RemoteError, RpcTimeout, UnknownService
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from kernel.errors import WuyeError, bilingual, from_marshmallow, parse_remote_error

log = logging.getLogger(__name__)

#: kind of error (kernel.errors, or nameko's own) -> (HTTP status, default code)
STATUS_BY_KIND = {
    "InvalidInput": (400, "invalid_input"),
    "Unauthenticated": (401, "unauthenticated"),
    "Forbidden": (403, "forbidden"),
    "NotFound": (404, "not_found"),
    "Conflict": (409, "conflict"),
    "Gone": (410, "gone"),
    "RuleViolation": (422, "rule_violation"),
    "PayloadTooLarge": (413, "payload_too_large"),
    "UnsupportedMediaType": (415, "unsupported_media_type"),
    "Unavailable": (503, "service_unavailable"),
    # nameko's own, raised when the gateway and a service disagree on a call
    "MethodNotFound": (502, "upstream_contract_error"),
    "IncorrectSignature": (502, "upstream_contract_error"),
    "MalformedRequest": (502, "upstream_contract_error"),
}
UPSTREAM_BUG = (502, "upstream_error")
#: werkzeug's own refusals (no route, a method the route does not take...) in Chinese, by status; 400's
#: sentence for any other
HTTP_ZH = {400: "请求有误", 404: "没有这个接口", 405: "该接口不支持此请求方法", 413: "请求内容过大",
           414: "请求地址过长", 415: "不支持该内容格式", 431: "请求头过大"}
CONTRACT_KINDS = frozenset({"MethodNotFound", "IncorrectSignature", "MalformedRequest"})
#: the broker or a service cannot be reached: try again shortly (503), never a 500.
#: OSError covers socket errors, refused/reset/broken pipe (ConnectionError) and
#: socket timeouts; kombu's OperationalError (reconnect attempts exhausted) and
#: LimitExceeded (connection pool); amqp's connection and channel errors (AMQPError).
#: kombu's serialisation errors are not here: those are bugs (500).
UNAVAILABLE = (UnknownService, Empty, OSError, OperationalError, LimitExceeded, AMQPError)


class HttpError(Exception):
    """An answer the gateway gives itself. ``zh``: the Chinese sentence staff read, put before the
    English as the services' errors do (``kernel.errors.bilingual``); the code stays."""

    def __init__(self, status: int, code: str, message: str, details=None, headers: dict | None = None,
                 *, zh: str | None = None):
        message = bilingual(zh, message)
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}

    @classmethod
    def relay(cls, status: int, code: str, message: str, details=None) -> "HttpError":
        """A service's error answered as the service wrote it (its message bilingual already, or English
        where the service has no Chinese): the gateway adds nothing. Not for the gateway's own answers --
        those say their Chinese (``zh=``; ``kernel.errors_zh.untranslated("gateway")`` checks them)."""
        return cls(status, code, message, details, zh=None)


#: on every response: tokens and personal data are never cached, the browser takes the
#: content type as sent, and no page may frame the API
SECURITY_HEADERS = {"Cache-Control": "no-store", "Pragma": "no-cache",
                    "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


_JSON_HEADERS = [("Content-Type", "application/json"), *SECURITY_HEADERS.items()]


def json_bytes(payload) -> bytes:
    """``payload`` as UTF-8 JSON, by orjson; what orjson cannot take (integers beyond
    64 bits, keys that are not strings) goes through the standard encoder as before."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return json.dumps(payload, ensure_ascii=False).encode()


class JsonResponse(Response):
    """A werkzeug ``Response`` that, for the API's plain case (a buffered body, no
    Location header, a status with a body, not HEAD), starts the WSGI response from
    its headers as they are -- skipping ``get_wsgi_headers``' copy and fix-ups, which
    change nothing there. Everything else goes the werkzeug way."""

    def __call__(self, wsgi_env, start_response):
        status = self.status_code
        if (wsgi_env.get("REQUEST_METHOD") == "HEAD" or status < 200 or status in (204, 304)
                or not self.is_sequence or "Location" in self.headers or "Content-Location" in self.headers):
            return super().__call__(wsgi_env, start_response)
        body = self.get_data()
        headers = self.headers.to_wsgi_list()
        if "Content-Length" not in self.headers:
            headers.append(("Content-Length", str(len(body))))
        start_response(self.status, headers)
        return [body]


def json_response_raw(body: bytes, status: int = 200, headers: dict | None = None) -> Response:
    """A response whose body is JSON already (e.g. prebuilt by a read model): sent as
    it is, with the same headers as :func:`json_response`. The caller vouches for it."""
    response = JsonResponse(body, status=status, headers=_JSON_HEADERS)
    if headers:
        for key, value in headers.items():
            response.headers[key] = value
    return response


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    return json_response_raw(json_bytes(payload), status, headers)


def file_response(body: bytes, media_type: str, filename: str, utf8_filename: str | None = None) -> Response:
    """A download (a CSV report...): ``body`` as it is, with its media type, the API's security
    headers, and ``Content-Disposition: attachment`` naming the file -- ``filename`` (ASCII, for
    every client) and, if given, ``utf8_filename`` (RFC 6266 ``filename*``, e.g. Chinese)."""
    if not filename.isascii() or any(c in filename for c in '"\\\r\n;'):
        raise ValueError(f"not a plain ASCII file name: {filename!r}")
    disposition = f'attachment; filename="{filename}"'
    if utf8_filename:
        disposition += f"; filename*=UTF-8''{quote(utf8_filename, safe='')}"
    return Response(body, status=200, headers=[("Content-Type", media_type), *SECURITY_HEADERS.items(),
                                               ("Content-Disposition", disposition)])


def error_body(code: str, message: str, details=None) -> dict:
    body = {"error": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


def classify(exc: Exception) -> HttpError:
    """Turn any exception met while serving a request into an HttpError."""
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, ValidationError):
        exc = from_marshmallow(exc)
    if isinstance(exc, WuyeError):
        status, _ = STATUS_BY_KIND.get(exc.kind, UPSTREAM_BUG)
        return HttpError.relay(status, exc.code, exc.message, exc.details)
    if isinstance(exc, RemoteError):
        kind, code, message, details = parse_remote_error(exc.exc_type, exc.value)
        if kind in STATUS_BY_KIND:
            status, default_code = STATUS_BY_KIND[kind]
            if kind in CONTRACT_KINDS:
                log.error("upstream contract error: %s %s", exc.exc_type, exc.value)
                return HttpError(status, default_code, "a service did not understand the gateway",
                                 zh="服务未能理解网关的请求")
            return HttpError.relay(status, code or default_code, message, details)
        log.error("upstream failure: %s: %s", exc.exc_type, exc.value)
        return HttpError(*UPSTREAM_BUG, "a service failed while handling the request", zh="服务处理请求时出错")
    if isinstance(exc, RpcTimeout):
        return HttpError(504, "upstream_timeout", "a service did not answer in time; try again",
                         zh="服务未能及时响应，请重试")
    if isinstance(exc, UNAVAILABLE):
        log.warning("broker or service unavailable: %s: %s", type(exc).__name__, exc)
        return HttpError(503, "service_unavailable", "a service is unavailable; try again shortly",
                         zh="服务暂时不可用，请稍后再试")
    if isinstance(exc, HTTPException):
        code = {404: "route_not_found", 405: "method_not_allowed"}.get(exc.code, "http_error")
        return HttpError(exc.code or 400, code, exc.description or exc.name,
                         zh=HTTP_ZH.get(exc.code, HTTP_ZH[400]))
    log.exception("unexpected error in the gateway", exc_info=exc)
    return HttpError(500, "internal_error", "unexpected error; it has been logged", zh="系统出错，已记录")


def is_refusal(exc: Exception) -> bool:
    """An expected 4xx answer (bad input, unknown id, wrong role, a rule) -- nothing to log as
    an error. Decided without logging, unlike :func:`classify`."""
    if isinstance(exc, HttpError):
        return exc.status < 500
    if isinstance(exc, ValidationError):
        return True
    if isinstance(exc, WuyeError):
        return STATUS_BY_KIND.get(exc.kind, UPSTREAM_BUG)[0] < 500
    if isinstance(exc, RemoteError):
        kind = parse_remote_error(exc.exc_type, exc.value)[0]
        return kind not in CONTRACT_KINDS and STATUS_BY_KIND.get(kind, UPSTREAM_BUG)[0] < 500
    if isinstance(exc, HTTPException):
        return (exc.code or 500) < 500
    return False


def is_expected_unavailable(exc: Exception) -> bool:
    """A typed 503 (kernel.errors ``Unavailable``: ``billing_unavailable``, ``archive_unavailable`` --
    a service saying another one did not answer, nothing done): expected, an answer to log as one
    WARNING line, not an error with a traceback. A broker outage or a bug is not this."""
    if isinstance(exc, HttpError):
        return exc.status == 503
    if isinstance(exc, WuyeError):
        return exc.kind == "Unavailable"
    if isinstance(exc, RemoteError):
        return parse_remote_error(exc.exc_type, exc.value)[0] == "Unavailable"
    return False


def error_response(exc: Exception) -> Response:
    err = classify(exc)
    headers = dict(err.headers)
    if err.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="wuye"'
    if err.status == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return json_response(error_body(err.code, err.message, err.details), err.status, headers or None)
