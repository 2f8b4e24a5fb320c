"""The providers' delivery receipts (回执 / 状态报告, notify, issue 10): the SMS gateway and WeChat push what
became of the messages they accepted. No user token: the provider signs the body (``X-Timestamp``,
``X-Signature``) and notify, which holds the keys, verifies it (``services/notify/domain/receipts.py``).
The gateway refuses what is too large or unsigned before asking notify, and logs every refusal."""
from __future__ import annotations

import logging

from nameko.exceptions import RemoteError

from kernel.errors import parse_remote_error
from kernel.tenancy import Caller

from .. import schemas as s
from ..errors import HttpError
from .base import V1, RouteModule
from ..routing import route

log = logging.getLogger(__name__)

#: who the gateway is when it forwards a provider's receipt (no user: the provider signs it)
RECEIPT_CALLER = Caller.system(None, "gateway:notify-receipts")
#: a batch of status reports may be large (up to 1000 reports)
MAX_RECEIPT_BODY = 256 * 1024
WHO = "{provider}: no user token, the body signed with the receipt key in X-Signature"
RECEIPT_DOC = (
    "The body (JSON, at most 256 KiB) is one report, a list of reports (at most 1000) or {\"reports\": [...]}; a "
    "report is {\"ref\": our delivery id -- the reference we sent the message with (SMS ref / Idempotency-Key, "
    "WeChat client_msg_id) -- or \"message_id\": the provider's, \"status\": \"delivered\" | \"failed\", \"code\", "
    "\"message\": the provider's, \"at\": its time (ISO 8601 with offset)}. Signed like our requests to the "
    "provider: X-Timestamp: unix seconds (within RECEIPT_MAX_SKEW of our clock), X-Signature: sha256=<hex "
    "HMAC-SHA256 with the channel's receipt key over \"<timestamp>.<body bytes>\">; otherwise 401 "
    "invalid_signature, logged, nothing recorded. Idempotent by the report: the same report again changes "
    "nothing; a report for a delivery we do not know is acknowledged (counted unknown, logged). A delivery goes "
    "sent -> delivered | failed, never back; a failed SMS falls back to print for the purposes that post one. "
    "Anything but 200 makes the provider send it again later.")


class ReceiptRoutes(RouteModule):
    def _receipts(self, request, channel: str) -> dict:
        if request.content_length and request.content_length > MAX_RECEIPT_BODY:
            raise HttpError(413, "body_too_large", f"a receipt is at most {MAX_RECEIPT_BODY} bytes",
                            zh=f"送达回执最大 {MAX_RECEIPT_BODY} 字节")
        raw = request.get_data(cache=True)
        if len(raw) > MAX_RECEIPT_BODY:
            raise HttpError(413, "body_too_large", f"a receipt is at most {MAX_RECEIPT_BODY} bytes",
                            zh=f"送达回执最大 {MAX_RECEIPT_BODY} 字节")
        timestamp = request.headers.get("X-Timestamp", "").strip()
        signature = request.headers.get("X-Signature", "").strip()
        if not timestamp or not signature:
            log.warning("%s receipt from %s refused: unsigned", channel, request.remote_addr)
            raise HttpError(401, "invalid_signature", "a receipt is signed (X-Timestamp, X-Signature)",
                            zh="送达回执须带签名（X-Timestamp、X-Signature）")
        if not raw:
            raise HttpError(400, "body_required", "send the provider's reports", zh="请发送服务商的送达回执")
        try:
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "invalid_json", "the body is not UTF-8", zh="请求内容不是 UTF-8 文本") from None
        try:
            return self.rpc.call(RECEIPT_CALLER, "notify", "record_receipts", channel, body, timestamp, signature)
        except RemoteError as exc:
            if parse_remote_error(exc.exc_type, exc.value)[1] == "invalid_signature":
                log.warning("%s receipt from %s refused: the signature does not verify", channel,
                            request.remote_addr)
            raise

    @route("POST", f"{V1}/notify/receipts/sms", tags=("notify",), auth=False, response=s.ReceiptsOut,
           errors=(400, 401, 413), summary="The SMS gateway's delivery receipts (状态报告): delivered or failed, "
                                           f"with its code and message ({WHO.format(provider='the SMS gateway')})",
           description=RECEIPT_DOC)
    def sms_receipts(self, request):
        return self._receipts(request, "sms")

    @route("POST", f"{V1}/notify/receipts/wechat", tags=("notify",), auth=False, response=s.ReceiptsOut,
           errors=(400, 401, 413), summary="WeChat's template-message delivery receipts: delivered or failed "
                                           f"(the user refused, ...) ({WHO.format(provider='WeChat')})",
           description=RECEIPT_DOC + " WeChat's own push (TEMPLATESENDJOBFINISH, XML to the official account's "
                                     "server) names the msgid: the account's server forwards it as a report with "
                                     "message_id.")
    def wechat_receipts(self, request):
        return self._receipts(request, "wechat")
