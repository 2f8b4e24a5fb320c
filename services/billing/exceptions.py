"""billing's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation, Unauthenticated, Unavailable


class AccountNotFound(NotFound):
    """The unit has no fee account (yet): archive has not registered it, or it
    is not the caller's to see (a resident learns nothing about other units)."""

    default_code = "account_not_found"
    zh = "未找到该房屋的收费账户"


class OpeningBalanceExists(Conflict):
    """期初余额 is carried over once per account; later corrections are adjustments."""

    default_code = "opening_balance_exists"
    zh = "该账户已录入期初余额，之后的更正请做调整"


class AsOfInFuture(RuleViolation):
    default_code = "as_of_in_future"
    zh = "期初余额的日期不能晚于今天"


class DuplicatePosting(Conflict):
    """The same source (bill, payment, opening balance) was already posted."""

    default_code = "duplicate_posting"
    zh = "该笔款项已入账，不能重复入账"


class ProjectNotFound(NotFound):
    default_code = "project_not_found"
    zh = "未找到该项目"


class BillNotFound(NotFound):
    default_code = "bill_not_found"
    zh = "未找到该账单"


# -- bank collection (银行托收) and reminders -- bank ------------------------------------------

class MandateNotFound(NotFound):
    default_code = "mandate_not_found"
    zh = "未找到该银行托收协议"


class MandateExists(Conflict):
    """One active debit mandate per account: cancel the old one first."""

    default_code = "mandate_exists"
    zh = "该房屋已有生效的银行托收协议，请先取消原协议"


class NoHousehold(RuleViolation):
    """A mandate is a household's: a vacant unit has nobody to sign one."""

    default_code = "no_household"
    zh = "该房屋没有业户，无人签署银行托收协议"


class MandateCancelled(Conflict):
    default_code = "mandate_cancelled"
    zh = "该银行托收协议已取消"


class BankBatchNotFound(NotFound):
    default_code = "bank_batch_not_found"
    zh = "未找到该托收批次"


class PeriodNotOpen(RuleViolation):
    """A collection round of a month that has not started in the project's time zone."""

    default_code = "period_not_open"
    zh = "该月份不在可办理托收的期间（当月或次月）"


class ImportInProgress(Conflict):
    """The batch's previous result file is still being recorded (its jobs run)."""

    default_code = "import_in_progress"
    zh = "该批次上一份银行回盘文件仍在入账，请完成后再上传"


class BankFileRefused(InvalidInput):
    """The bank's result file as a whole: nothing recorded; ``details.errors`` per line."""

    default_code = "bank_file_refused"
    zh = "银行回盘文件有误，未入账任何记录"


# -- payments, receipts, deposits, refunds, corrections (payments helper) ---------------------

class PaymentNotFound(NotFound):
    """No such payment in the caller's scope (a resident asking about another household's)."""
    default_code = "payment_not_found"
    zh = "未找到该笔缴费"


class ReceiptNotFound(NotFound):
    """No such receipt, or not the caller's to see (reads like a missing id)."""
    default_code = "receipt_not_found"
    zh = "未找到该收据"


class RefundNotFound(NotFound):
    default_code = "refund_not_found"
    zh = "未找到该退款申请"


class DepositNotFound(NotFound):
    default_code = "deposit_not_found"
    zh = "未找到该押金"


class EntryNotFound(NotFound):
    default_code = "entry_not_found"
    zh = "未找到该账务记录"


class UnknownProvider(NotFound):
    """A payment provider billing has no configuration for (WeChat Pay ``wechat``, Alipay ``alipay``)."""
    default_code = "unknown_provider"
    zh = "本项目未开通该在线支付方式"


class MethodNotAllowed(Forbidden):
    """The caller's roles do not take this payment method (the front desk takes cash and card)."""
    default_code = "method_not_allowed"
    zh = "您的岗位不能登记此种付款方式的缴费"


class FourEyes(Forbidden):
    """A refund is approved or rejected by someone other than who requested it (四眼原则)."""
    default_code = "four_eyes_required"
    zh = "申请人不能审批自己提出的申请，须由其他人员审批（四眼原则）"


class ReferenceRequired(RuleViolation):
    """A card payment names the POS slip's reference, a transfer the bank's."""
    default_code = "reference_required"
    zh = "刷卡缴费须填写POS签购单号，转账缴费须填写银行流水号"


class AmountOverCeiling(RuleViolation):
    """Above the project's ``billing.payment_ceiling``."""
    default_code = "amount_over_ceiling"
    zh = "单笔缴费金额超过本项目的上限"


class DuplicateReference(Conflict):
    """The same POS / transfer reference or provider trade number was recorded already."""
    default_code = "duplicate_reference"
    zh = "该凭证号（交易号）已登记过"


class ClosedAccountOverpaid(Conflict):
    """A closed account (a previous household's, 原业主账户) takes no new credit: a payment at the desk
    is at most what it still owes (its balance due); a settled one takes none."""
    default_code = "closed_account_overpaid"
    zh = "该账户已销户（原业主账户），缴费不能超过其尚欠金额"


class AmountMismatch(RuleViolation):
    """The provider confirmed another amount than the payment asked for: nothing is recorded."""
    default_code = "amount_mismatch"
    zh = "支付平台确认的金额与缴费金额不符，未入账"


class PaymentNotPending(Conflict):
    """A confirmation of a payment that failed, was reversed or was confirmed with another trade."""
    default_code = "payment_not_pending"
    zh = "该笔缴费不在待确认状态"


class InvalidSignature(Unauthenticated):
    """A provider notification whose signature does not verify."""
    default_code = "invalid_signature"
    zh = "支付通知签名验证失败"


class ProviderUnavailable(Unavailable):
    """The payment provider did not answer (or not readably): retry with the same key --
    the provider deduplicates on our payment id, so nothing is charged twice."""
    default_code = "provider_unavailable"
    zh = "支付平台暂无应答，请用同一幂等键（Idempotency-Key）重试，不会重复扣款"


class PaymentRefused(RuleViolation):
    """The payment provider refused the payment (a bad payment code, the payer's limit)."""
    default_code = "payment_refused"
    zh = "支付平台拒绝了该笔付款"


class ReceiptAlreadyVoid(Conflict):
    default_code = "receipt_already_void"
    zh = "该收据已作废"


class CreditRefunded(Conflict):
    """Voiding the payment would take back credit that has been refunded already."""
    default_code = "credit_refunded"
    zh = "该笔款项形成的预存余额已退款，不能冲回"


class DepositAmountRequired(RuleViolation):
    """No amount given and no open renovation of the unit asks a deposit."""
    default_code = "deposit_amount_required"
    zh = "请填写押金金额（该房屋没有待收押金的装修申请）"


class DepositPledged(Conflict):
    """A key deposit pledged to a key loan still standing (钥匙押金质押中): no refund is requested, approved or
    paid until tickets releases it (the key back in time, the loan refused, the manager's decision on a kept
    one) -- HTTP 409 ``deposit_pledged``; pledged to another loan: ``deposit_already_used``."""
    default_code = "deposit_pledged"
    zh = "该押金已作为钥匙借用押金质押，钥匙借用了结（按时归还、借用被拒或经理决定退还）前不能退款"


class KeyDepositAmountRequired(DepositAmountRequired):
    """A key deposit (钥匙押金) held without an amount: the desk names it (``keys.late_deposit``, 200.00 by
    default) -- HTTP 422 ``deposit_amount_required``."""
    default_code = "deposit_amount_required"
    zh = "请填写钥匙押金金额（确保金，按本项目规定的钥匙押金金额收取）"


class DepositNotHeld(Conflict):
    """The deposit was refunded, forfeited (已扣除) or voided (nothing, or not that much, is held); the raise
    says which."""
    default_code = "deposit_not_held"
    zh = "该押金已退还、已扣除或已作废，没有可退的金额"


class RefundTransitionNotAllowed(Conflict):
    """The step is not in the refund's state-transition table (``domain/refunds.py``)."""
    default_code = "transition_not_allowed"
    zh = "退款申请当前状态下不能办理此操作"


class AmountOverAvailable(RuleViolation):
    """More than the credit or the deposit held (less what approved refunds already take)."""
    default_code = "amount_over_available"
    zh = "退款金额超过可退余额（已扣除已批准的退款）"


class BillSettled(Conflict):
    default_code = "bill_settled"
    zh = "该账单已结清"


class AmountOverOutstanding(RuleViolation):
    """A discount or write-off above what is still open on the bill."""
    default_code = "amount_over_outstanding"
    zh = "减免或核销金额超过账单未缴金额"


class VoidTheReceipt(Conflict):
    """A payment's entry is reversed by voiding its receipt, so the receipt says so too."""
    default_code = "void_the_receipt"
    zh = "缴费须通过作废其收据冲回"


# -- fee schedules, meter readings, one-off charges, bill runs (billrun) ---------------------

class FeeItemNotFound(NotFound):
    default_code = "fee_item_not_found"
    zh = "本项目没有该收费项目"


class FeeItemExists(Conflict):
    """A project's item codes are unique; an item is changed through its prices."""
    default_code = "fee_item_exists"
    zh = "本项目已有该编码的收费项目"


class PriceChangeBackdated(RuleViolation):
    """A price applies from today (the project's local date) or later: history is never rewritten."""
    default_code = "price_change_backdated"
    zh = "收费标准只能从今天或以后生效，不能追溯"


class PriceExists(Conflict):
    """The item already has a price for that usage from that date (a row is never rewritten)."""
    default_code = "price_exists"
    zh = "该收费项目从该日起已有此类房屋的收费标准，标准不能改写，请从另一日期起设新标准"


class NotAOneOffItem(RuleViolation):
    default_code = "not_a_one_off_item"
    zh = "该收费项目不是一次性收费"


class NoPrice(RuleViolation):
    """The item has no price in force for the unit's usage on that date."""
    default_code = "no_price"
    zh = "该收费项目当日没有适用于此类房屋的收费标准"


class BillRunNotFound(NotFound):
    default_code = "bill_run_not_found"
    zh = "未找到该月的账单计算"


class BillRunTooEarly(RuleViolation):
    """A month's bills are computed from its bill day on (billing.bill_day), never ahead."""
    default_code = "bill_run_too_early"
    zh = "未到本月出账日，不能提前计算账单"


class BillRunTooLate(RuleViolation):
    """A month is billed in its own month or the next, never long after (households would owe, and
    be overdue, for months they were never told of)."""
    default_code = "bill_run_too_late"
    zh = "账单只能在当月或次月计算，更早的费用请按一次性收费录入"


# -- dunning: cases, arrears classes, the dunning log, stewards' tasks, disputes, installment
# -- plans, legal proposals (issue 9) ----------------------------------------------------------

class DunningCaseNotFound(NotFound):
    """No dunning case (催缴案件) with that id the caller may see."""
    default_code = "dunning_case_not_found"
    zh = "未找到该催缴案件"


class DunningCaseClosed(Conflict):
    """A closed case (settled, under the threshold) takes no class, action, steward, plan or legal
    step."""
    default_code = "dunning_case_closed"
    zh = "该催缴案件已结案"


class PromisedOnRequired(RuleViolation):
    """Class A (a promise) names the day the household promised to pay by."""
    default_code = "promised_on_required"
    zh = "A类（承诺缴费）须填写业户承诺的缴费日期"


class PromiseInThePast(RuleViolation):
    """A promise is for today or a later day."""
    default_code = "promise_in_the_past"
    zh = "承诺缴费日期不能早于今天"


class PromiseNotExpected(RuleViolation):
    """Only a promise (class A) carries a promised day or amount."""
    default_code = "promise_not_expected"
    zh = "只有A类（承诺缴费）才填写承诺日期或金额"


class PhotoRequired(RuleViolation):
    """A door notice (张贴《催费通知单》) is photographed and the photo named (拍照留存)."""
    default_code = "photo_required"
    zh = "张贴《催费通知单》须拍照留存，请填写照片编号"


class DisputeNotFound(NotFound):
    default_code = "dispute_not_found"
    zh = "未找到该账单异议"


class DisputeExists(Conflict):
    """One open dispute (账单异议) per bill."""
    default_code = "dispute_exists"
    zh = "该账单已有异议"


class DisputeTransitionNotAllowed(Conflict):
    """The step is not in the dispute's transition table (``domain/disputes.py``)."""
    default_code = "transition_not_allowed"
    zh = "账单异议当前状态下不能办理此操作"


class BillNotCorrected(Conflict):
    """A dispute is upheld once the bill has been corrected (a discount, write-off or reversal of it
    since the dispute was opened), so the ladder resumes on the right figure."""
    default_code = "bill_not_corrected"
    zh = "请先更正账单（减免、核销或冲回），再认定异议成立"


class InstallmentPlanNotFound(NotFound):
    default_code = "installment_plan_not_found"
    zh = "未找到该分期缴费协议"


class InstallmentPlanExists(Conflict):
    """One active installment plan (分期缴费协议) per account."""
    default_code = "installment_plan_exists"
    zh = "该房屋已有生效的分期缴费协议"


class InvalidSchedule(RuleViolation):
    """Instalments are due on strictly increasing dates from today on."""
    default_code = "invalid_schedule"
    zh = "分期计划有误：各期缴费日期须从今天起依次推后，金额须大于零"


class PlanTotalMismatch(RuleViolation):
    """The instalments sum to what the case has overdue now (the message names the figure)."""
    default_code = "plan_total_mismatch"
    zh = "各期金额合计须等于案件当前的逾期欠费"


class PlanTransitionNotAllowed(Conflict):
    """The step is not in the plan's transition table (``domain/installments.py``)."""
    default_code = "transition_not_allowed"
    zh = "分期缴费协议当前状态下不能办理此操作"


class LegalProposalNotFound(NotFound):
    default_code = "legal_proposal_not_found"
    zh = "未找到该律师函或诉讼申请"


class LegalProposalExists(Conflict):
    """One pending proposal of a kind per case (proposed, reviewed or approved, not yet done)."""
    default_code = "legal_proposal_exists"
    zh = "该案件已有同类未办结的律师函或诉讼申请"


class LegalTransitionNotAllowed(Conflict):
    """The step is not in the legal proposal's transition table (``domain/legal.py``)."""
    default_code = "transition_not_allowed"
    zh = "该律师函或诉讼申请当前状态下不能办理此操作"


class ApprovalsMissing(Conflict):
    """A lawyer letter is sent and a suit filed only after the CS department's review and the
    general manager's approval (the message names what is missing)."""
    default_code = "approvals_missing"
    zh = "律师函和诉讼须经客服部审核、总经理审批后方可发送或提起"


class LegalKindMismatch(RuleViolation):
    """A lawyer letter is sent, a suit is filed: not the other way round."""
    default_code = "legal_kind_mismatch"
    zh = "律师函只能发送，诉讼只能提起"


class LawyerLetterNotSent(RuleViolation):
    """Litigation is proposed only after a lawyer letter was sent for the same case."""
    default_code = "lawyer_letter_not_sent"
    zh = "须先向该案件发送律师函，方可提起诉讼"


class ProposerOnly(Forbidden):
    """Only who proposed may withdraw a proposal."""
    default_code = "proposer_only"
    zh = "只有申请人本人才能撤回申请"

# -- reports helper (issue 9): the arrears ledger, collection rate, dunning reports -------------

class DayInFuture(RuleViolation):
    """A report of a day after the site's today (HTTP 422): the books of tomorrow are not written."""
    default_code = "day_in_future"
    zh = "报表日期不能晚于项目当地的今天"


class MonthInFuture(RuleViolation):
    """A collection rate of a month not begun at the site (HTTP 422)."""
    default_code = "month_in_future"
    zh = "该月份尚未开始，暂无收费率"


class ReportRangeTooLong(InvalidInput):
    """A trend of months ends before it starts, or is longer than the reports allow (HTTP 400)."""
    default_code = "invalid_month_range"
    zh = "月份范围有误：结束月不能早于开始月，且不能超过报表允许的月数"


class CaseUnderDispute(Conflict):
    """No legal step is proposed, sent or filed while a dispute of the debt holds the case (账单异议
    first: a lawyer letter is not sent for an amount the household disputes and staff are examining)."""
    default_code = "case_under_dispute"
    zh = "该案件的账单异议正在处理，异议解决前不能办理律师函或诉讼"


class PromiseTooFar(RuleViolation):
    """A promise is for a day at most ``dunning.promise_longest_days`` ahead."""
    default_code = "promise_too_far"
    zh = "承诺缴费日期超出允许的天数，更长的安排请办理分期缴费"


class PromiseAboveOverdue(RuleViolation):
    """A promised amount is at most what the case has overdue."""
    default_code = "promise_above_overdue"
    zh = "承诺缴费金额不能超过案件的逾期欠费"


class PlanTooLong(RuleViolation):
    """An installment plan ends at most ``dunning.plan_longest_months`` after it is agreed."""
    default_code = "plan_too_long"
    zh = "分期缴费协议的期限超过允许的月数"
