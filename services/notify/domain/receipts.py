"""Delivery receipts (回执 / 状态报告): what the SMS gateway and WeChat report after they accepted a message.

The sender records a delivery ``sent`` when the provider *accepted* it (``sending.record_outcome``);
whether it *reached* the phone or the WeChat user the provider says later, by pushing a status report
to our webhook (the gateway's ``POST /api/v1/notify/receipts/sms`` and ``.../wechat``), which hands it
to notify (:func:`record_receipts`). A report names the delivery by our reference -- the delivery id,
sent to the provider as its idempotency reference (``ref``; WeChat's ``client_msg_id``) -- or by the
provider's own message id, and says ``delivered`` or ``failed`` with the provider's code, message
and time.

**Authentication.** No user sends it: the provider signs it as we sign our requests to it
(:func:`verify`): ``X-Timestamp: <unix seconds>`` and ``X-Signature: sha256=<hex HMAC-SHA256 over
"<timestamp>.<body bytes>">`` with the channel's receipt key (``SMS_RECEIPT_KEY``, default
``SMS_SIGNING_KEY`` then ``SMS_API_KEY``; ``WECHAT_RECEIPT_KEY``), the timestamp within
``RECEIPT_MAX_SKEW`` seconds of our clock (no replay of an old report). Anything else is refused
(401 ``invalid_signature``, logged) and changes nothing.

**The transition table** (:data:`TRANSITIONS`): ``pending`` (queued) → ``sent`` → ``delivered`` |
``failed``, never back:

==============  =============  ==========================================================
now             reported       what happens
==============  =============  ==========================================================
``sent``        delivered      ``delivered`` (``delivered_at``: the provider's time)
``sent``        failed         ``failed``; an SMS falls back (``sending.fall_back``: in-app
                               is there, a print-channel purpose's text is queued for print)
``pending``     either         held on the delivery (``reported_status``), applied the moment
                               the sender records it ``sent`` -- the provider may report before
                               our record of its answer is committed
``delivered``   delivered      unchanged (the same report again)
``failed``      failed         unchanged
``delivered``   failed         ignored (never back)
``failed``      delivered      ignored (a late ``delivered`` counts for ``sent`` only)
anything else   either         ignored (``suppressed``, ``cancelled``: never sent)
==============  =============  ==========================================================

A report for a delivery we do not know (or of another channel) is acknowledged -- the provider
stops sending it -- counted (``unknown``) and logged, not an error. ``notification.delivered`` is
published when the provider *accepts* a message (``sent``), as before: tickets' clocks (the
supervision department's SMS) stop then, and a receipt publishes no second one. A receipt that
changes a delivery publishes the unit's ``notification.changed`` (read models).
"""
from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from kernel.errors import InvalidInput, Unauthenticated
from kernel.work import Work

from ..models import Delivery, Notification
from ..providers import SMS, WECHAT, sign_body
from . import sending
from .notifications import record_changed

log = logging.getLogger(__name__)

#: the channels whose providers report delivery (e-mail: SMTP's acceptance is all we get -- a DSN
#: would say more, and is not read)
RECEIPT_CHANNELS = (SMS, WECHAT)
DELIVERED, FAILED = "delivered", "failed"
REPORTED = (DELIVERED, FAILED)
#: what a report does (the counts of :func:`record_receipts`' answer)
APPLIED, HELD, UNCHANGED, IGNORED, UNKNOWN = "applied", "held", "unchanged", "ignored", "unknown"

#: (the delivery's status, the status reported) -> the delivery's new status, or HELD / UNCHANGED / IGNORED
TRANSITIONS: dict[tuple[str, str], str] = {
    ("pending", DELIVERED): HELD,
    ("pending", FAILED): HELD,
    ("sent", DELIVERED): DELIVERED,
    ("sent", FAILED): FAILED,
    ("delivered", DELIVERED): UNCHANGED,
    ("failed", FAILED): UNCHANGED,
    ("delivered", FAILED): IGNORED,
    ("failed", DELIVERED): IGNORED,
}
#: the most reports one request may carry
MAX_REPORTS = 1000


def transition(status: str, reported: str) -> str:
    """What a report of ``reported`` does to a delivery in ``status`` (:data:`TRANSITIONS`)."""
    return TRANSITIONS.get((status, reported), IGNORED)


class InvalidSignature(Unauthenticated):
    """A receipt whose signature is missing, wrong or too old."""

    default_code = "invalid_signature"
    zh = "回执签名验证失败"


@dataclass(frozen=True)
class ReceiptKeys:
    """The keys the providers sign their receipts with, by channel (empty: that channel's receipts
    are refused), and how far a receipt's timestamp may be from our clock."""

    sms: str = ""
    wechat: str = ""
    max_skew: float = 300.0

    @classmethod
    def from_config(cls, config: dict) -> "ReceiptKeys":
        def text(key: str) -> str:
            return str(config.get(key) or "").strip()
        skew = config.get("RECEIPT_MAX_SKEW")
        return cls(sms=text("SMS_RECEIPT_KEY") or text("SMS_SIGNING_KEY") or text("SMS_API_KEY"),
                   wechat=text("WECHAT_RECEIPT_KEY"),
                   max_skew=float(skew) if skew not in (None, "") else cls.max_skew)

    def key(self, channel: str) -> str:
        return {SMS: self.sms, WECHAT: self.wechat}.get(channel, "")


def verify(keys: ReceiptKeys, channel: str, body: bytes, timestamp: str | None, signature: str | None,
           now: datetime) -> None:
    """Raise :class:`InvalidSignature` (and log why) unless ``signature`` is the channel's key's
    HMAC over ``"<timestamp>.<body>"`` and ``timestamp`` is within ``max_skew`` of ``now``."""
    def refuse(why: str):
        log.warning("%s receipt refused: %s", channel, why)
        raise InvalidSignature(f"the {channel} receipt is not signed as agreed: {why}", zh=f"{channel} 回执的签名不符合约定")

    key = keys.key(channel)
    if not key:
        refuse(f"no receipt key is configured for {channel}")
    timestamp, signature = (timestamp or "").strip(), (signature or "").strip()
    if not timestamp or not signature:
        refuse("X-Timestamp and X-Signature are required")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        refuse("X-Timestamp is not unix seconds")
    if not hmac.compare_digest(sign_body(key, timestamp, body).encode(), signature.encode("utf-8", "replace")):
        refuse("the signature does not verify")
    if abs(now.timestamp() - int(timestamp)) > keys.max_skew:
        refuse(f"the timestamp is more than {keys.max_skew:g} s from our clock")


def parse(body: bytes) -> list:
    """The reports of a receipt's JSON body: one object, a list of them, or ``{"reports": [...]}``
    (raw; the schema checks each)."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise InvalidInput("the receipt is not JSON", code="invalid_json", zh="回执不是 JSON 格式") from None
    if isinstance(data, dict) and isinstance(data.get("reports"), list):
        data = data["reports"]
    reports = data if isinstance(data, list) else [data]
    if not reports:
        raise InvalidInput("the receipt carries no report", code="invalid_receipt", zh="回执中没有状态报告")
    if len(reports) > MAX_REPORTS:
        raise InvalidInput(f"at most {MAX_REPORTS} reports per request", code="invalid_receipt",
                           zh=f"每次请求最多 {MAX_REPORTS} 条状态报告")
    return reports


def _find(work: Work, channel: str, report: dict) -> Delivery | None:
    query = select(Delivery).where(Delivery.channel == channel)
    if report.get("ref"):
        query = query.where(Delivery.id == report["ref"])
    else:
        query = query.where(Delivery.provider_message_id == report["message_id"])
    # the sender's record of the same delivery waits for this (or this for it): never both from a stale read
    return work.session.scalars(query.limit(1).with_for_update().execution_options(populate_existing=True)).first()


def _keep(d: Delivery, report: dict, now: datetime) -> None:
    d.reported_status = report["status"]
    d.provider_code = (report.get("code") or None) and str(report["code"])[:64]
    d.provider_message = (report.get("message") or None) and str(report["message"])[:500]
    d.reported_at = report.get("at") or now
    d.receipt_at = now


def _to(work: Work, d: Delivery, status: str) -> None:
    """Move a ``sent`` delivery to what its provider reported."""
    if status == DELIVERED:
        d.status, d.delivered_at = DELIVERED, d.reported_at or d.receipt_at
        return
    d.status = FAILED
    d.last_error = "failed on delivery: " + ": ".join(x for x in (d.provider_code, d.provider_message) if x) \
        if (d.provider_code or d.provider_message) else "failed on delivery"
    if d.channel == SMS:
        sending.fall_back(work, d)
    log.warning("%s delivery %s failed on delivery: %s", d.channel, d.id, d.last_error)


def apply_report(work: Work, d: Delivery, report: dict) -> str:
    """Apply one report to its delivery (:data:`TRANSITIONS`); what it did."""
    action = transition(d.status, report["status"])
    if action == HELD:
        if d.reported_status is not None:       # the first report held wins, as for a sent one
            return UNCHANGED if d.reported_status == report["status"] else IGNORED
        _keep(d, report, work.clock.now())
        return HELD
    if action in (UNCHANGED, IGNORED):
        if action == IGNORED:
            log.info("%s delivery %s is %s: a report of %s is ignored", d.channel, d.id, d.status, report["status"])
        return action
    _keep(d, report, work.clock.now())
    _to(work, d, action)
    return APPLIED


def apply_held(work: Work, d: Delivery) -> bool:
    """A delivery just recorded ``sent`` whose provider reported before that: apply the report now."""
    if d.status != "sent" or d.reported_status not in REPORTED:
        return False
    _to(work, d, d.reported_status)
    return True


def record_receipts(work: Work, channel: str, reports: list[dict]) -> dict:
    """Record a provider's reports (checked: ``schemas.ReceiptReportIn``) of ``channel``; the counts
    of what each did. Unknown deliveries are acknowledged, counted and logged."""
    if not work.caller.is_system:
        raise InvalidSignature("receipts come from the providers, through the gateway", zh="回执须由服务商经网关发送")
    counts = dict.fromkeys((APPLIED, HELD, UNCHANGED, IGNORED, UNKNOWN), 0)
    changed: dict[str, Notification] = {}
    for report in reports:
        d = _find(work, channel, report)
        if d is None:
            counts[UNKNOWN] += 1
            log.warning("%s receipt for an unknown delivery (ref %r, message id %r): acknowledged, not recorded",
                        channel, report.get("ref"), report.get("message_id"))
            continue
        action = apply_report(work, d, report)
        counts[action] += 1
        if action == APPLIED:
            changed[d.notification_id] = d.notification
    for n in changed.values():
        record_changed(work, n)
    return {"channel": channel, "received": len(reports), **counts}
