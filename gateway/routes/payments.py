"""Payments (收款), receipts (收据), deposits (押金), refunds (退款) and corrections (减免, 核销,
冲正) -- billing's ``domain/payments.py`` and its neighbours. Every write takes an
Idempotency-Key; a reply that changes an account goes into the read model at once, so the
unit's overview shows the new balance."""
from __future__ import annotations

from kernel.tenancy import Caller

from .. import schemas as s
from ..errors import HttpError
from ..routing import MAX_BODY, route
from .base import V1, RouteModule

#: who the gateway is when it forwards a provider's notification (no user: the provider signs it)
NOTIFY_CALLER = Caller.system(None, "gateway:payment-notify")
SIGNATURE_HEADER = "X-Signature"


class PaymentRoutes(RouteModule):
    def _write(self, user, method: str, *args, idempotency_key: str, account_in="account"):
        reply = self._as(user)("billing", method, *args, idempotency_key=idempotency_key)
        if isinstance(reply, dict):
            self._project_reply("account", reply.get(account_in), user)
        return reply

    # -- payments ---------------------------------------------------------------------------
    @route("POST", f"{V1}/units/{{unit_id}}/payments", tags=("billing",), body=s.PaymentIn, response=s.PaymentOut,
           status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary="Record a payment at the desk and issue its receipt: cash or card (front desk, finance, "
                   "centre manager), bank transfer (finance, centre manager)",
           description="Prepaid credit is used first, then the money settles the unit's open bills oldest "
                       "first (due date, issue date, number); what is left is prepaid credit -- a move-in "
                       "prepayment is such a payment. A card or transfer names its reference (422 "
                       "reference_required), unique per method (409 duplicate_reference); the amount is at "
                       "most the project's billing.payment_ceiling (422 amount_over_ceiling). The same "
                       "Idempotency-Key answers the same payment and receipt; with another body 422. "
                       "account_id: one of the unit's closed accounts -- the previous household's debt "
                       "after a transfer (原业主欠费; its id in the arrears ledger and the dunning case); "
                       "another unit's or a resident's: 404. A closed account takes at most what it still owes "
                       "(its balance due) less what its online payments still pending ask: more, or anything once it "
                       "is settled, is 409 closed_account_overpaid (details: balance_due, pending_online, at_most) "
                       "-- it takes no new charges, so credit there would pay nothing.")
    def record_payment(self, request, user, unit_id, body, idempotency_key):
        return self._write(user, "record_payment", unit_id, s.PaymentIn().dump(body),
                           idempotency_key=idempotency_key)

    @route("POST", f"{V1}/units/{{unit_id}}/online-payments", tags=("billing",), body=s.OnlinePaymentIn,
           response=s.PaymentOut, status=201, errors=(403, 404, 409, 422, 503), idempotent=True,
           summary="Pay the unit's fees by WeChat Pay or Alipay (the unit's household; front desk, finance, "
                   "centre manager with the payer's payment code)",
           description="Answers the receipt when the provider took the payment at once (a scanned 付款码), "
                       "else the pending payment with `pay` (pay_url / qr_code) to open; it is recorded when "
                       "the provider's notification arrives or the payment is asked about. 503 "
                       "provider_unavailable: retry with the same Idempotency-Key -- nothing is charged twice. "
                       "account_id: one of the unit's accounts (GET /units/{unit_id}/accounts) -- an old owner pays "
                       "his own closed account (原业主账户) after a transfer or move-out, at most what it owes less what its "
                       "online payments still pending ask (409 closed_account_overpaid, details: balance_due, "
                       "pending_online, at_most); a resident names only an account of a "
                       "household he belongs or belonged to (/me's former_households), anyone else's is 404 "
                       "account_not_found. A resident whose household moved out, without account_id: 404 "
                       "account_not_found telling him to name his.")
    def start_online_payment(self, request, user, unit_id, body, idempotency_key):
        return self._write(user, "start_online_payment", unit_id, s.OnlinePaymentIn().dump(body),
                           idempotency_key=idempotency_key)

    @route("GET", f"{V1}/payments/{{payment_id}}", tags=("billing",), response=s.PaymentOut, errors=(403, 404),
           summary="A payment's status with its receipt, or what to open while an online payment is pending "
                   "(the unit's household; staff of the project)")
    def get_payment(self, request, user, payment_id):
        return self._as(user)("billing", "get_payment", payment_id)

    @route("POST", f"{V1}/payments/{{payment_id}}/refresh", tags=("billing",), response=s.PaymentOut,
           errors=(403, 404, 503), idempotent=True,
           summary="Ask the provider about a pending online payment now (the unit's household; staff of the "
                   "project)")
    def refresh_payment(self, request, user, payment_id, idempotency_key):
        return self._write(user, "refresh_payment", payment_id, idempotency_key=idempotency_key)

    @route("POST", f"{V1}/payments/notify/{{provider}}", tags=("billing",), auth=False,
           response=s.PaymentNotifiedOut, errors=(400, 401, 404, 409, 413, 422),
           summary="A payment provider's notification that an online payment was paid or closed (the provider "
                   "wechat or alipay: no user token, the body signed with the merchant key in X-Signature)",
           description="Idempotent by the provider's trade number: the same notification twice records one "
                       "payment. A signature that does not verify is 401 invalid_signature; an amount that is "
                       "not the payment's 422 amount_mismatch (nothing recorded, logged). Anything but 200 "
                       "tells the provider to send it again later.")
    def payment_notify(self, request, provider):
        if provider not in s.ONLINE_METHODS:
            raise HttpError(404, "unknown_provider", f"no payment provider {provider!r}", zh="没有这个支付渠道")
        if request.content_length and request.content_length > MAX_BODY:
            raise HttpError(413, "body_too_large", f"request bodies are at most {MAX_BODY} bytes",
                            zh=f"请求内容最大 {MAX_BODY} 字节")
        try:
            body = request.get_data(cache=True).decode("utf-8")
        except UnicodeDecodeError:
            raise HttpError(400, "invalid_notification", "the body is not UTF-8", zh="请求内容不是 UTF-8 文本") from None
        signature = request.headers.get(SIGNATURE_HEADER, "").strip()
        if not signature:
            raise HttpError(401, "invalid_signature", f"a notification is signed ({SIGNATURE_HEADER})",
                            zh=f"支付通知须带签名（{SIGNATURE_HEADER}）")
        reply = self.rpc.call(NOTIFY_CALLER, "billing", "confirm_online_payment", provider, body, signature)
        return {"result": "ok", **reply}

    # -- receipts and deposits -----------------------------------------------------------------
    @route("POST", f"{V1}/receipts/{{receipt_id}}/void", tags=("billing",), body=s.VoidReceiptIn,
           response=s.PaymentOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Void a receipt with the reason: it stays, marked void with who and why, and its payment is "
                   "reversed -- the bills it settled open again; a deposit's receipt voids the deposit (finance, "
                   "centre manager)")
    def void_receipt(self, request, user, receipt_id, body, idempotency_key):
        return self._write(user, "void_receipt", receipt_id, s.VoidReceiptIn().dump(body),
                           idempotency_key=idempotency_key)

    @route("POST", f"{V1}/units/{{unit_id}}/deposits", tags=("billing",), body=s.DepositIn, response=s.PaymentOut,
           status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary="Hold a deposit for the unit and issue its receipt -- by default the renovation deposit the "
                   "unit's open renovation asks, tickets' renovation.deposit (cash or card: front desk, finance, "
                   "centre manager; transfer: finance, centre manager)")
    def hold_deposit(self, request, user, unit_id, body, idempotency_key):
        return self._write(user, "hold_deposit", unit_id, s.DepositIn().dump(body), idempotency_key=idempotency_key)

    # -- refunds -------------------------------------------------------------------------------
    @route("POST", f"{V1}/units/{{unit_id}}/refunds", tags=("billing",), body=s.RefundIn, response=s.RefundOut,
           status=201, errors=(403, 404, 409, 422), idempotent=True,
           summary="Request a refund of the unit's prepaid credit or of a deposit it holds (finance, front desk)",
           description="account_id: one of the unit's closed accounts (GET /units/{unit_id}/accounts) -- a previous "
                       "household's credit or deposit after a transfer or move-out (原业主的预存款、押金); left "
                       "out: the unit's current account. Another unit's account, or a resident: 404.")
    def request_refund(self, request, user, unit_id, body, idempotency_key):
        return self._as(user)("billing", "request_refund", unit_id, s.RefundIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/refunds/{{refund_id}}/approve", tags=("billing",), body=s.RefundStepIn,
           response=s.RefundOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Approve a requested refund (finance, centre manager -- not who requested it)")
    def approve_refund(self, request, user, refund_id, body, idempotency_key):
        return self._as(user)("billing", "approve_refund", refund_id, s.RefundStepIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/refunds/{{refund_id}}/reject", tags=("billing",), body=s.RefundStepIn,
           response=s.RefundOut, errors=(400, 403, 404, 409, 422), idempotent=True,
           summary="Reject a requested or approved refund, the note saying why (finance, centre manager -- not "
                   "who requested it)")
    def reject_refund(self, request, user, refund_id, body, idempotency_key):
        return self._as(user)("billing", "reject_refund", refund_id, s.RefundStepIn().dump(body),
                              idempotency_key=idempotency_key)

    @route("POST", f"{V1}/refunds/{{refund_id}}/pay", tags=("billing",), response=s.RefundOut,
           errors=(403, 404, 409, 422), idempotent=True,
           summary="Pay an approved refund out and post it to the journal (finance)")
    def pay_refund(self, request, user, refund_id, idempotency_key):
        return self._write(user, "pay_refund", refund_id, idempotency_key=idempotency_key)

    @route("GET", f"{V1}/projects/{{project_id}}/refunds", tags=("billing",), query=s.RefundQuery,
           response=s.RefundOut, many=True, errors=(403, 404),
           summary="The project's refunds, newest first, by status (finance, front desk, centre manager, general "
                   "manager, group admin)")
    def list_refunds(self, request, user, project_id, query):
        return self._as(user)("billing", "list_refunds", project_id, query["status"], query["limit"],
                              query["offset"])

    # -- corrections ---------------------------------------------------------------------------
    @route("POST", f"{V1}/bills/{{bill_id}}/discount", tags=("billing",), body=s.BillCreditIn,
           response=s.CorrectionOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Discount (减免) part or all of a bill's open amount, with the reason (finance, centre manager)")
    def discount_bill(self, request, user, bill_id, body, idempotency_key):
        return self._write(user, "discount_bill", bill_id, s.BillCreditIn().dump(body),
                           idempotency_key=idempotency_key)

    @route("POST", f"{V1}/bills/{{bill_id}}/write-off", tags=("billing",), body=s.BillCreditIn,
           response=s.CorrectionOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Write off (核销) part or all of a bill's open amount, with the reason (finance, centre manager)")
    def write_off_bill(self, request, user, bill_id, body, idempotency_key):
        return self._write(user, "write_off_bill", bill_id, s.BillCreditIn().dump(body),
                           idempotency_key=idempotency_key)

    @route("POST", f"{V1}/entries/{{entry_id}}/reverse", tags=("billing",), body=s.ReverseIn,
           response=s.CorrectionOut, errors=(403, 404, 409, 422), idempotent=True,
           summary="Reverse (冲正) a journal entry with the reason; deposits, refunds and reversals are not "
                   "reversed here, a payment by voiding its receipt (finance, centre manager)")
    def reverse_entry(self, request, user, entry_id, body, idempotency_key):
        return self._write(user, "reverse_entry", entry_id, s.ReverseIn().dump(body),
                           idempotency_key=idempotency_key)
