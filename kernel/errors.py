"""Typed errors shared by every service and understood by the gateway.

A service raises one of these; nameko serialises it as ``exc_type`` (the class
name, e.g. ``NotFound``) and ``value`` (``str(exc)``). ``str`` is a JSON object
holding the machine-readable ``code``, the human ``message`` and optional
``details``, so a caller that imports none of the service's code (the gateway)
still gets all three back with :func:`parse_remote_error`.

Services subclass these for their own codes (``TicketNotFound(NotFound)``);
the JSON carries ``kind`` -- the kernel base it belongs to -- so the gateway's
single status table maps a handful of kinds, not every service's classes.

**Messages in Chinese and English** (one convention, :func:`bilingual`): the staff who read an
error are Chinese, the developers who read the logs not always. An error class says its Chinese
sentence in ``zh`` (``HouseholdNotFound.zh = "未找到该业户"``); a raise that knows more says it with
``zh=`` (``zh="缺少以下材料：业主身份证复印件、委托书"``). The ``message`` is then the Chinese sentence
first and the English after it in parentheses -- ``未找到该业户 (no household h9)`` -- and the ``error``
code does not change: clients decide on the code, people read the message. A class without ``zh``
(the kernel's bases) keeps its English message as it is.
"""
from __future__ import annotations

import json
import re
from typing import Any

#: the longest unbroken run of characters (an id, a number, a code) a message repeats: ids are at most
#: 64 characters (``gateway.routing.PATH_ID``), so a longer one is something a caller typed -- a message
#: shows its first 64 characters and "…", never 5,000 of them
MAX_ECHO = 64
#: an unbroken run: no whitespace, no CJK punctuation (which breaks a Chinese sentence into short runs)
_LONG_RUN = re.compile(r"[^\s\u3000-\u303f\uff00-\uffef]{%d,}" % (MAX_ECHO + 1))


#: a bilingual message: a Chinese sentence, then the English in parentheses
_WRAPPED = re.compile(r"[\u4e00-\u9fff][^()]*? \((.*)\)", re.S)


def shorten_echoes(text: str) -> str:
    """``text`` with every unbroken run longer than :data:`MAX_ECHO` characters cut to its first
    :data:`MAX_ECHO` and "…" (an over-long id a message would repeat)."""
    return _LONG_RUN.sub(lambda m: m.group()[:MAX_ECHO] + "…", text)


#: how many ids a message names at most (:func:`name_ids`)
NAMED_IDS_MAX = 10


def name_ids(ids, limit: int = NAMED_IDS_MAX) -> str:
    """Ids for a message: the first ``limit`` joined by ", " and "... and N more" -- 1,500 unknown ids
    make one line, never a 57 KB message (``details`` may carry the full list where a caller needs it)."""
    ids = [str(i) for i in ids]
    shown = ", ".join(ids[:limit])
    return shown if len(ids) <= limit else f"{shown} ... and {len(ids) - limit} more"


def bilingual(zh: str | None, en: str) -> str:
    """THE form of a message in both languages: the Chinese sentence, then the English in parentheses
    (``未找到该业户 (no household h9)``); the English alone when there is no Chinese, the Chinese alone
    when there is no English. Every message is built here, and repeats no run of more than
    :data:`MAX_ECHO` characters (:func:`shorten_echoes`)."""
    zh, en = shorten_echoes((zh or "").strip()), shorten_echoes((en or "").strip())
    if zh:
        # an English part that is itself a bilingual message (another service's error re-raised):
        # its English only -- no Chinese repeated inside the parentheses (trial 4, L2)
        inner = _WRAPPED.fullmatch(en)
        if inner:
            en = inner.group(1)
    if not zh:
        return en
    if not en or en == zh:
        return zh
    return f"{zh} ({en})"


class WuyeError(Exception):
    """Base of all expected, typed errors."""

    kind = "WuyeError"
    default_code = "error"
    #: the Chinese sentence staff read for this error ("" -- the English message only); a raise
    #: that knows more passes ``zh=``
    zh = ""

    def __init__(self, message: str, code: str | None = None, details: Any = None, *, zh: str | None = None):
        self.code = code or self.default_code
        if zh is not None:
            self.zh = zh
        #: the English message alone (logs, tests); ``message`` is what people read
        self.english = message
        self.message = bilingual(self.zh, message)
        self.details = details
        super().__init__(self.message)

    def to_dict(self) -> dict:
        body = {"kind": self.kind, "error": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body

    def __str__(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, default=str)


class InvalidInput(WuyeError):
    """Malformed input (HTTP 400)."""
    kind, default_code = "InvalidInput", "invalid_input"


class Unauthenticated(WuyeError):
    """No or bad credentials (HTTP 401)."""
    kind, default_code = "Unauthenticated", "unauthenticated"


class Forbidden(WuyeError):
    """The caller may not do this, or not in this project (HTTP 403)."""
    kind, default_code = "Forbidden", "forbidden"


class NotFound(WuyeError):
    """No such record in the caller's scope (HTTP 404)."""
    kind, default_code = "NotFound", "not_found"


class Conflict(WuyeError):
    """Clashes with the current state, e.g. a duplicate (HTTP 409)."""
    kind, default_code = "Conflict", "conflict"


class Gone(WuyeError):
    """Existed, and was removed for good on purpose -- e.g. a document's content erased by the
    retention rule; its record stays (HTTP 410)."""
    kind, default_code = "Gone", "gone"


class RuleViolation(WuyeError):
    """Well-formed but breaks a business rule (HTTP 422)."""
    kind, default_code = "RuleViolation", "rule_violation"


class PayloadTooLarge(WuyeError):
    """The content is larger than the limit that applies to it (HTTP 413), e.g. an uploaded file."""
    kind, default_code = "PayloadTooLarge", "payload_too_large"


class UnsupportedMediaType(WuyeError):
    """The content is not of a type accepted here (HTTP 415), e.g. an uploaded file's format."""
    kind, default_code = "UnsupportedMediaType", "unsupported_media_type"


class Unavailable(WuyeError):
    """A dependency is down; retry later (HTTP 503)."""
    kind, default_code = "Unavailable", "unavailable"


class IdempotencyKeyReused(RuleViolation):
    """The Idempotency-Key was already used for a different request (HTTP 422)."""
    default_code = "idempotency_key_reused"
    zh = "该幂等键（Idempotency-Key）已用于另一个请求"


class IdempotencyKeyInUse(Conflict):
    """The first request with this Idempotency-Key has not finished yet (HTTP 409)."""
    default_code = "idempotency_key_in_use"
    zh = "使用同一幂等键（Idempotency-Key）的请求仍在处理中，请稍后再试"



class RetryableError(Exception):
    """Raised by an event handler when the event cannot be applied *yet*
    (e.g. the unit it names has not arrived in the local copy). The message is
    retried with backoff and, after the last attempt, dead-lettered."""


def from_marshmallow(err, code: str = "invalid_input") -> InvalidInput:
    """Turn a marshmallow ``ValidationError`` into a typed ``InvalidInput``."""
    fields = ", ".join(sorted(str(k) for k in err.messages)) if isinstance(err.messages, dict) else ""
    if fields:
        return InvalidInput(f"invalid fields: {fields}", code=code, details=err.messages,
                            zh=f"以下字段填写有误：{fields}")
    return InvalidInput("invalid input", code=code, details=err.messages, zh="输入有误")


def parse_remote_error(exc_type: str, value: str) -> tuple[str, str, str, Any]:
    """Recover (kind, code, message, details) from a nameko ``RemoteError``.

    Errors that are not ours (a bug, a nameko ``MethodNotFound``) come back
    with their exception class name as kind and no code of ours."""
    try:
        body = json.loads(value)
        if isinstance(body, dict) and "error" in body and "kind" in body:
            return body["kind"], body["error"], body.get("message", ""), body.get("details")
    except (TypeError, ValueError):
        pass
    return exc_type, "", value or exc_type, None
