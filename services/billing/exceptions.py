"""billing's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation, Unauthenticated, Unavailable


class AccountNotFound(NotFound):
    """The unit has no fee account (yet): archive has not registered it, or it
    is not the caller's to see (a resident learns nothing about other units)."""

    default_code = "account_not_found"


class OpeningBalanceExists(Conflict):
    """期初余额 is carried over once per account; later corrections are adjustments."""

    default_code = "opening_balance_exists"


class AsOfInFuture(RuleViolation):
    default_code = "as_of_in_future"


class DuplicatePosting(Conflict):
    """The same source (bill, payment, opening balance) was already posted."""

    default_code = "duplicate_posting"


class ProjectNotFound(NotFound):
    default_code = "project_not_found"


class BillNotFound(NotFound):
    default_code = "bill_not_found"


# -- bank collection (银行托收) and reminders -- bank ------------------------------------------

class MandateNotFound(NotFound):
    default_code = "mandate_not_found"


class MandateExists(Conflict):
    """One active debit mandate per account: cancel the old one first."""

    default_code = "mandate_exists"


class NoHousehold(RuleViolation):
    """A mandate is a household's: a vacant unit has nobody to sign one."""

    default_code = "no_household"


class MandateCancelled(Conflict):
    default_code = "mandate_cancelled"


class BankBatchNotFound(NotFound):
    default_code = "bank_batch_not_found"


class PeriodNotOpen(RuleViolation):
    """A collection round of a month that has not started in the project's time zone."""

    default_code = "period_not_open"


class ImportInProgress(Conflict):
    """The batch's previous result file is still being recorded (its jobs run)."""

    default_code = "import_in_progress"


class BankFileRefused(InvalidInput):
    """The bank's result file as a whole: nothing recorded; ``details.errors`` per line."""

    default_code = "bank_file_refused"


# -- payments, receipts, deposits, refunds, corrections (payments helper) ---------------------

class PaymentNotFound(NotFound):
    """No such payment in the caller's scope (a resident asking about another household's)."""
    default_code = "payment_not_found"


class ReceiptNotFound(NotFound):
    """No such receipt, or not the caller's to see (reads like a missing id)."""
    default_code = "receipt_not_found"


class RefundNotFound(NotFound):
    default_code = "refund_not_found"


class DepositNotFound(NotFound):
    default_code = "deposit_not_found"


class EntryNotFound(NotFound):
    default_code = "entry_not_found"


class UnknownProvider(NotFound):
    """A payment provider billing has no configuration for (WeChat Pay ``wechat``, Alipay ``alipay``)."""
    default_code = "unknown_provider"


class MethodNotAllowed(Forbidden):
    """The caller's roles do not take this payment method (the front desk takes cash and card)."""
    default_code = "method_not_allowed"


class FourEyes(Forbidden):
    """A refund is approved or rejected by someone other than who requested it (四眼原则)."""
    default_code = "four_eyes_required"


class ReferenceRequired(RuleViolation):
    """A card payment names the POS slip's reference, a transfer the bank's."""
    default_code = "reference_required"


class AmountOverCeiling(RuleViolation):
    """Above the project's ``billing.payment_ceiling``."""
    default_code = "amount_over_ceiling"


class DuplicateReference(Conflict):
    """The same POS / transfer reference or provider trade number was recorded already."""
    default_code = "duplicate_reference"


class AmountMismatch(RuleViolation):
    """The provider confirmed another amount than the payment asked for: nothing is recorded."""
    default_code = "amount_mismatch"


class PaymentNotPending(Conflict):
    """A confirmation of a payment that failed, was reversed or was confirmed with another trade."""
    default_code = "payment_not_pending"


class InvalidSignature(Unauthenticated):
    """A provider notification whose signature does not verify."""
    default_code = "invalid_signature"


class ProviderUnavailable(Unavailable):
    """The payment provider did not answer (or not readably): retry with the same key --
    the provider deduplicates on our payment id, so nothing is charged twice."""
    default_code = "provider_unavailable"


class PaymentRefused(RuleViolation):
    """The payment provider refused the payment (a bad payment code, the payer's limit)."""
    default_code = "payment_refused"


class ReceiptAlreadyVoid(Conflict):
    default_code = "receipt_already_void"


class CreditRefunded(Conflict):
    """Voiding the payment would take back credit that has been refunded already."""
    default_code = "credit_refunded"


class DepositAmountRequired(RuleViolation):
    """No amount given and the project has no ``billing.renovation_deposit``."""
    default_code = "deposit_amount_required"


class DepositNotHeld(Conflict):
    """The deposit was refunded or voided (nothing, or not that much, is held)."""
    default_code = "deposit_not_held"


class RefundTransitionNotAllowed(Conflict):
    """The step is not in the refund's state-transition table (``domain/refunds.py``)."""
    default_code = "transition_not_allowed"


class AmountOverAvailable(RuleViolation):
    """More than the credit or the deposit held (less what approved refunds already take)."""
    default_code = "amount_over_available"


class BillSettled(Conflict):
    default_code = "bill_settled"


class AmountOverOutstanding(RuleViolation):
    """A discount or write-off above what is still open on the bill."""
    default_code = "amount_over_outstanding"


class VoidTheReceipt(Conflict):
    """A payment's entry is reversed by voiding its receipt, so the receipt says so too."""
    default_code = "void_the_receipt"


# -- fee schedules, meter readings, one-off charges, bill runs (billrun) ---------------------

class FeeItemNotFound(NotFound):
    default_code = "fee_item_not_found"


class FeeItemExists(Conflict):
    """A project's item codes are unique; an item is changed through its prices."""
    default_code = "fee_item_exists"


class PriceChangeBackdated(RuleViolation):
    """A price applies from today (the project's local date) or later: history is never rewritten."""
    default_code = "price_change_backdated"


class PriceExists(Conflict):
    """The item already has a price for that usage from that date (a row is never rewritten)."""
    default_code = "price_exists"


class NotAOneOffItem(RuleViolation):
    default_code = "not_a_one_off_item"


class NoPrice(RuleViolation):
    """The item has no price in force for the unit's usage on that date."""
    default_code = "no_price"


class BillRunNotFound(NotFound):
    default_code = "bill_run_not_found"


class BillRunTooEarly(RuleViolation):
    """A month's bills are computed from its bill day on (billing.bill_day), never ahead."""
    default_code = "bill_run_too_early"


class BillRunTooLate(RuleViolation):
    """A month is billed in its own month or the next, never long after (households would owe, and
    be overdue, for months they were never told of)."""
    default_code = "bill_run_too_late"


# -- dunning: cases, arrears classes, the dunning log, stewards' tasks, disputes, installment
# -- plans, legal proposals (issue 9) ----------------------------------------------------------

class DunningCaseNotFound(NotFound):
    """No dunning case (催缴案件) with that id the caller may see."""
    default_code = "dunning_case_not_found"


class DunningCaseClosed(Conflict):
    """A closed case (settled, under the threshold) takes no class, action, steward, plan or legal
    step."""
    default_code = "dunning_case_closed"


class PromisedOnRequired(RuleViolation):
    """Class A (a promise) names the day the household promised to pay by."""
    default_code = "promised_on_required"


class PromiseInThePast(RuleViolation):
    """A promise is for today or a later day."""
    default_code = "promise_in_the_past"


class PromiseNotExpected(RuleViolation):
    """Only a promise (class A) carries a promised day or amount."""
    default_code = "promise_not_expected"


class PhotoRequired(RuleViolation):
    """A door notice (张贴《催费通知单》) is photographed and the photo named (拍照留存)."""
    default_code = "photo_required"


class DisputeNotFound(NotFound):
    default_code = "dispute_not_found"


class DisputeExists(Conflict):
    """One open dispute (账单异议) per bill."""
    default_code = "dispute_exists"


class DisputeTransitionNotAllowed(Conflict):
    """The step is not in the dispute's transition table (``domain/disputes.py``)."""
    default_code = "transition_not_allowed"


class BillNotCorrected(Conflict):
    """A dispute is upheld once the bill has been corrected (a discount, write-off or reversal of it
    since the dispute was opened), so the ladder resumes on the right figure."""
    default_code = "bill_not_corrected"


class InstallmentPlanNotFound(NotFound):
    default_code = "installment_plan_not_found"


class InstallmentPlanExists(Conflict):
    """One active installment plan (分期缴费协议) per account."""
    default_code = "installment_plan_exists"


class InvalidSchedule(RuleViolation):
    """Instalments are due on strictly increasing dates from today on."""
    default_code = "invalid_schedule"


class PlanTotalMismatch(RuleViolation):
    """The instalments sum to what the case has overdue now (the message names the figure)."""
    default_code = "plan_total_mismatch"


class PlanTransitionNotAllowed(Conflict):
    """The step is not in the plan's transition table (``domain/installments.py``)."""
    default_code = "transition_not_allowed"


class LegalProposalNotFound(NotFound):
    default_code = "legal_proposal_not_found"


class LegalProposalExists(Conflict):
    """One pending proposal of a kind per case (proposed, reviewed or approved, not yet done)."""
    default_code = "legal_proposal_exists"


class LegalTransitionNotAllowed(Conflict):
    """The step is not in the legal proposal's transition table (``domain/legal.py``)."""
    default_code = "transition_not_allowed"


class ApprovalsMissing(Conflict):
    """A lawyer letter is sent and a suit filed only after the CS department's review and the
    general manager's approval (the message names what is missing)."""
    default_code = "approvals_missing"


class LegalKindMismatch(RuleViolation):
    """A lawyer letter is sent, a suit is filed: not the other way round."""
    default_code = "legal_kind_mismatch"


class LawyerLetterNotSent(RuleViolation):
    """Litigation is proposed only after a lawyer letter was sent for the same case."""
    default_code = "lawyer_letter_not_sent"


class ProposerOnly(Forbidden):
    """Only who proposed may withdraw a proposal."""
    default_code = "proposer_only"

# -- reports helper (issue 9): the arrears ledger, collection rate, dunning reports -------------

class DayInFuture(RuleViolation):
    """A report of a day after the site's today (HTTP 422): the books of tomorrow are not written."""
    default_code = "day_in_future"


class MonthInFuture(RuleViolation):
    """A collection rate of a month not begun at the site (HTTP 422)."""
    default_code = "month_in_future"


class ReportRangeTooLong(InvalidInput):
    """A trend of months ends before it starts, or is longer than the reports allow (HTTP 400)."""
    default_code = "invalid_month_range"


class CaseUnderDispute(Conflict):
    """No legal step is proposed, sent or filed while a dispute of the debt holds the case (账单异议
    first: a lawyer letter is not sent for an amount the household disputes and staff are examining)."""
    default_code = "case_under_dispute"


class PromiseTooFar(RuleViolation):
    """A promise is for a day at most ``dunning.promise_longest_days`` ahead."""
    default_code = "promise_too_far"


class PromiseAboveOverdue(RuleViolation):
    """A promised amount is at most what the case has overdue."""
    default_code = "promise_above_overdue"


class PlanTooLong(RuleViolation):
    """An installment plan ends at most ``dunning.plan_longest_months`` after it is agreed."""
    default_code = "plan_too_long"
