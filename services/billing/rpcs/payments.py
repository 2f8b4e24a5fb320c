"""billing's payment RPCs: the desk, online payments and their confirmations, receipts voided,
deposits, refunds and corrections (``domain/payments.py`` and its neighbours). Uses the service's
``providers`` dependency (WeChat Pay / Alipay)."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import corrections, deposits, online, payments, receipts, refunds
from . import with_ids as _with


def _notified(payment) -> dict:
    return {"payment_id": payment.id, "status": payment.status}


class PaymentRpcs:
    """Mixin of :class:`services.billing.service.BillingService` (its ``work`` and other
    dependencies live there)."""

    # -- payments, receipts, deposits, refunds, corrections (payments helper) -----------------
    # Every write runs once per caller and Idempotency-Key; the stored reply is the whole dumped
    # answer (the receipt included), so a retry gets the same receipt.
    def _payment_out(self, work, payment):
        return schemas.PaymentOut().dump(payments.payment_view(work.session, payment))

    @rpc
    def record_payment(self, unit_id, data, idempotency_key=None):
        """收款 at the desk (front desk: cash, card; finance, centre manager: also transfers)."""
        work = self.work()
        command = schemas.PaymentIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "record_payment", command, lambda: self._payment_out(
            work, payments.record_payment(work, command)))

    @rpc
    def start_online_payment(self, unit_id, data, idempotency_key=None):
        """WeChat Pay / Alipay for the unit (its household; the desk with a scanned payment code)."""
        work = self.work()
        command = schemas.OnlinePaymentIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "start_online_payment", command, lambda: self._payment_out(
            work, online.start_online_payment(work, self.providers, command, idempotency_key)))

    @rpc
    def get_payment(self, payment_id):
        work = self.work()
        data = schemas.PaymentRef().load({"payment_id": payment_id})
        # a read (never projected): a resident's account state without the key deposits held on it
        return schemas.PaymentOut().dump(payments.payment_view_for(work, payments.get_payment(work, data["payment_id"])))

    @rpc
    def refresh_payment(self, payment_id, idempotency_key=None):
        """Ask the provider about a pending online payment now."""
        work = self.work()
        data = schemas.PaymentRef().load({"payment_id": payment_id})
        return work.idempotent(idempotency_key, "refresh_payment", data, lambda: self._payment_out(
            work, online.refresh_payment(work, self.providers, data["payment_id"])))

    @rpc
    def confirm_online_payment(self, provider, body, signature, idempotency_key=None):
        """A provider's notification forwarded by the gateway (the platform only); idempotent by
        the provider's trade number whatever the key."""
        work = self.work()
        data = schemas.NotificationIn().load({"provider": provider, "body": body, "signature": signature})
        return work.idempotent(idempotency_key, "confirm_online_payment", data, lambda: schemas.NotificationOut()
                               .dump(_notified(online.confirm_notification(work, self.providers, data))))

    @rpc
    def void_receipt(self, receipt_id, data, idempotency_key=None):
        """作废收据 (finance, centre manager): the receipt stays, void; its payment is reversed."""
        work = self.work()
        command = schemas.VoidReceiptIn().load(_with(data, receipt_id=receipt_id))
        return work.idempotent(idempotency_key, "void_receipt", command, lambda: self._payment_out(
            work, receipts.void_receipt(work, command)))

    @rpc
    def hold_deposit(self, unit_id, data, idempotency_key=None):
        """押金 held for the unit (the desk's roles per method, as payments)."""
        work = self.work()
        command = schemas.DepositIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "hold_deposit", command, lambda: self._payment_out(
            work, deposits.hold_deposit(work, command)))

    @rpc
    def key_deposit(self, deposit_id):
        """One deposit's facts (unit, purpose, amount held, receipt number, who held it): tickets checks a
        key deposit (钥匙押金) before recording it on a loan -- staff of its project."""
        data = schemas.DepositRef().load({"deposit_id": deposit_id})
        return schemas.DepositFactsOut().dump(deposits.deposit_facts(self.work(), data["deposit_id"]))

    @rpc
    def pledge_key_deposit(self, deposit_id, loan_id, unit_id, minimum):
        """tickets records a key deposit on a key loan: checked and tied to the loan at once (钥匙押金质押;
        ``deposits.pledge_key_deposit``) -- staff of its project; again for the same loan changes nothing."""
        data = schemas.KeyDepositPledgeIn().load({"deposit_id": deposit_id, "loan_id": loan_id, "unit_id": unit_id,
                                                   "minimum": minimum})
        return schemas.DepositFactsOut().dump(deposits.pledge_key_deposit(
            self.work(), data["deposit_id"], data["loan_id"], data["unit_id"], data["minimum"]))

    @rpc
    def request_refund(self, unit_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.RefundIn().load(_with(data, unit_id=unit_id))
        return work.idempotent(idempotency_key, "request_refund", command, lambda: schemas.RefundOut().dump(
            refunds.refund_view(work, refunds.request_refund(work, command))))

    @rpc
    def approve_refund(self, refund_id, data=None, idempotency_key=None):
        return self._refund_step(refund_id, refunds.APPROVE, data, idempotency_key)

    @rpc
    def reject_refund(self, refund_id, data=None, idempotency_key=None):
        return self._refund_step(refund_id, refunds.REJECT, data, idempotency_key)

    @rpc
    def pay_refund(self, refund_id, data=None, idempotency_key=None):
        return self._refund_step(refund_id, refunds.PAY, data, idempotency_key)

    def _refund_step(self, refund_id, action, data, idempotency_key):
        work = self.work()
        command = schemas.RefundStepIn().load(_with(data if data is not None else {}, refund_id=refund_id))
        return work.idempotent(idempotency_key, f"{action}_refund", command, lambda: schemas.RefundOut().dump(
            refunds.refund_view(work, refunds.step(work, command["refund_id"], action, command["note"]),
                                with_account=action == refunds.PAY)))

    @rpc
    def list_refunds(self, project_id, status=None, limit=50, offset=0):
        work = self.work()
        query = schemas.RefundQuery().load({"project_id": project_id, "status": status, "limit": limit,
                                            "offset": offset})
        return schemas.RefundOut(many=True).dump([refunds.refund_view(work, r)
                                                  for r in refunds.list_refunds(work, query)])

    @rpc
    def discount_bill(self, bill_id, data, idempotency_key=None):
        return self._credit_bill(bill_id, "discount", data, idempotency_key)

    @rpc
    def write_off_bill(self, bill_id, data, idempotency_key=None):
        return self._credit_bill(bill_id, "write_off", data, idempotency_key)

    def _credit_bill(self, bill_id, kind, data, idempotency_key):
        work = self.work()
        command = schemas.BillCreditIn().load(_with(data, bill_id=bill_id))
        return work.idempotent(idempotency_key, f"{kind}_bill", command, lambda: schemas.CorrectionOut().dump(
            corrections.correction_view(work, *corrections.credit_bill(work, kind, command))))

    @rpc
    def reverse_entry(self, entry_id, data, idempotency_key=None):
        """冲正 of a journal entry (finance, centre manager)."""
        work = self.work()
        command = schemas.ReverseIn().load(_with(data, entry_id=entry_id))
        return work.idempotent(idempotency_key, "reverse_entry", command, lambda: schemas.CorrectionOut().dump(
            corrections.correction_view(work, *corrections.reverse_entry(work, command))))
