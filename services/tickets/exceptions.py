"""tickets' typed errors (each is one of the kernel's kinds on the wire). Every class carries its
Chinese sentence (``zh``, ``kernel.errors.bilingual``: the message staff read is ``中文 (English)``;
the code stays), as archive's do; a raise that knows more (a state, a limit, an item) passes ``zh=``
with the same facts (``tests/test_exceptions_zh.py`` holds every class to it)."""
from kernel.errors import Conflict, Gone, InvalidInput, NotFound, RuleViolation, Unavailable


class TicketNotFound(NotFound):
    default_code = "ticket_not_found"
    zh = "未找到该工单"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"
    zh = "未找到该房屋"


class ProjectNotFound(NotFound):
    default_code = "project_not_found"
    zh = "未找到该项目"


class AppointmentRequired(RuleViolation):
    """A paid in-home repair is booked: the technician arrives 5 min before the appointment."""

    default_code = "appointment_required"
    zh = "有偿入户维修须预约上门时间"


class BadReceivedTime(InvalidInput):
    default_code = "bad_received_at"
    zh = "受理时间填写有误"


class UnknownSlaSetting(InvalidInput):
    default_code = "unknown_sla_setting"
    zh = "没有这项时限设置"


class UnitRequired(InvalidInput):
    """A resident reports from one of their units; a public-area request by project is the
    front desk's (they record where it is)."""

    default_code = "unit_required"
    zh = "住户报事须选择所住房屋，公共区域报事请由客服前台登记"


class TransitionNotAllowed(Conflict):
    """The repair workflow's table has no such step from the ticket's state (HTTP 409)."""

    default_code = "transition_not_allowed"
    zh = "工单当前状态下不能办理此操作"


class AlreadyRated(Conflict):
    """A repair is rated once (HTTP 409)."""

    default_code = "already_rated"
    zh = "该维修已评价过，不能重复评价"


class NotAssignedToYou(RuleViolation):
    """A technician acts only on the orders assigned to them (HTTP 422)."""

    default_code = "not_assigned_to_you"
    zh = "该工单未派给您，只能处理派给自己的工单"


class NotYourStep(RuleViolation):
    """The step is in the table, but another party takes it (e.g. staff signing for the
    resident, a resident cancelling after dispatch) (HTTP 422)."""

    default_code = "not_your_step"
    zh = "此步骤应由其他人员办理"


class ReopenWindowClosed(RuleViolation):
    """Closed longer ago than the project's ``repair.reopen_days`` (HTTP 422)."""

    default_code = "reopen_window_closed"
    zh = "工单关闭已超过可重新打开的期限"


class InvalidMonth(InvalidInput):
    """A report's month is written ``YYYY-MM`` (01-12) (HTTP 400)."""

    default_code = "invalid_month"
    zh = "月份格式有误，请按 YYYY-MM 填写"


class MonthInFuture(InvalidMonth):
    """A month that has not begun in the project's time zone has no report yet (HTTP 400)."""

    default_code = "month_in_future"
    zh = "该月份尚未开始，暂无报表"


# -- paid in-home repairs, the price list, the on-duty list, the not-covered reply ------------

class ConsentRequired(Conflict):
    """A paid in-home repair is completed only after the resident consented to a quote (HTTP 409)."""

    default_code = "consent_required"
    zh = "有偿维修须业主确认报价后方可完工"


class NotAPaidRepair(Conflict):
    """Only a paid in-home repair (有偿维修) is quoted (HTTP 409)."""

    default_code = "not_a_paid_repair"
    zh = "只有有偿维修才需要报价"


class AlreadyCharged(Conflict):
    """The repair's charge is on the order already: a reopened paid repair is rework on the same
    order, quoted and charged once (HTTP 409)."""

    default_code = "already_charged"
    zh = "该维修已收费，返修不再重复收费"


class CalendarClosed(RuleViolation):
    """The project's calendar settings close every day, so no working-day clock can be timed
    (HTTP 422): the settings are to be corrected."""

    default_code = "calendar_closed"
    zh = "本项目工作日历设置为全部休息，无法计算工作日时限，请更正日历设置"


class QuoteOverLimit(RuleViolation):
    """A quote's total is over the project's ``repair.max_quote_total`` (HTTP 422)."""

    default_code = "quote_over_limit"
    zh = "报价总额超过本项目的报价上限"


class QuoteChanged(Conflict):
    """The resident answered a quote that has been replaced since: consent and refusal name the
    quote they answer (HTTP 409; ``details``: the current quote)."""

    default_code = "quote_changed"
    zh = "报价已更新，请按最新报价确认"


class NotCoveredOnly(Conflict):
    """The engineering manager's advice closes a not-covered request only (HTTP 409)."""

    default_code = "not_covered_only"
    zh = "工程经理意见只能用于关闭不属于维修范围的报事"


class UnknownPriceItem(RuleViolation):
    """A quote line names an item that is not on the project's price list in force that day
    (HTTP 422; ``details``: the codes)."""

    default_code = "unknown_price_item"
    zh = "报价项目不在本项目当日执行的收费价目表中"


class PriceItemNotFound(NotFound):
    """No such item on the project's price list (to retire)."""

    default_code = "price_item_not_found"
    zh = "本项目价目表中没有该项目"


class PriceChangeBackdated(RuleViolation):
    """A price list change takes effect today or later: history is never rewritten (HTTP 422)."""

    default_code = "price_change_backdated"
    zh = "价目调整只能从今天或以后生效，不能追溯"


class NoOneOnDuty(Conflict):
    """Auto-assignment found no technician on the project's on-duty list for the repair's
    category at this time (HTTP 409): name the technician instead."""

    default_code = "no_one_on_duty"
    zh = "该时段本项目没有该类别的值班维修人员，请指定维修人员"


class ClassUnchanged(Conflict):
    """A complaint reclassified to the class it has (HTTP 409)."""

    default_code = "class_unchanged"
    zh = "投诉类别未变，无需重新分类"


class WrittenReplyMissing(RuleViolation):
    """A written complaint is closed only after its written reply is on file (HTTP 422)."""

    default_code = "written_reply_missing"
    zh = "书面投诉须先登记书面回复，方可关闭"


class DeadlineNotFound(NotFound):
    """The ticket has no clock of that kind (HTTP 404)."""

    default_code = "deadline_not_found"
    zh = "该工单没有此类时限"


class DeadlineNotRunning(Conflict):
    """The clock was met or cancelled: there is nothing to extend (HTTP 409)."""

    default_code = "deadline_not_running"
    zh = "该时限已完成或已取消，无法延期"


class ExtensionNotLater(RuleViolation):
    """An approved overrun (超时审批) moves the due time later, and into the future (HTTP 422)."""

    default_code = "extension_not_later"
    zh = "超时审批的新期限须晚于原期限且晚于当前时间"


class ExtensionReasonRequired(InvalidInput):
    """An approved overrun says why (HTTP 400)."""

    default_code = "extension_reason_required"
    zh = "超时审批须填写延期原因"


class NotARevisit(NotFound):
    """A revisit step or read on a ticket of another kind (HTTP 404)."""

    default_code = "revisit_not_found"
    zh = "未找到该回访"


class StaffOnlyCategory(RuleViolation):
    """Maintenance works (维修工程) are recorded by staff, not reported by residents (HTTP 422)."""

    default_code = "staff_only_category"
    zh = "维修工程由工作人员登记，住户不能报此类事项"


# -- goods releases (物品放行, domain/goods_release.py) -------------------------------------

class GoodsReleaseNotFound(NotFound):
    """No such goods release -- or one of another household, for a resident (HTTP 404)."""

    default_code = "goods_release_not_found"
    zh = "未找到该物品放行单"


class ArrearsOutstanding(Conflict):
    """Billing reports an unpaid amount on the unit: no pass until every fee is settled (填发放行条
    均须结清我处全部费用; HTTP 409, ``details.unpaid`` in yuan)."""

    default_code = "arrears_outstanding"
    zh = "该房屋尚有费用未结清，结清全部费用后方可放行"


class BillingUnavailable(Unavailable):
    """Billing could not be asked (down, or no answer in time): the pass is not issued -- fail
    closed (HTTP 503)."""

    default_code = "billing_unavailable"
    zh = "暂时无法向收费系统核实费用，放行条未开具，请稍后再试"


class NoFeeAccount(Conflict):
    """Billing keeps no fee account for the unit, so it cannot say the fees are settled (HTTP 409)."""

    default_code = "no_fee_account"
    zh = "收费系统中没有该房屋的收费账户，无法核实费用是否结清"


class OwnerConsentRequired(RuleViolation):
    """A tenant's or an agent's release needs the owner's consent recorded (核实业主意见; HTTP 422)."""

    default_code = "owner_consent_required"
    zh = "租户或代办人办理物品放行须先核实业主意见"


class IdentityNotMatched(RuleViolation):
    """The identity check did not match the household file: no release (HTTP 422)."""

    default_code = "identity_not_matched"
    zh = "身份核查与业户档案不符，不予放行"


class OwnerRegisteredNotListed(RuleViolation):
    """``owner_registered`` names a unit the month's vacant register does not list (HTTP 422)."""

    default_code = "owner_registered_not_listed"
    zh = "业主办理空置手续的房屋必须同时列入本月空置房登记"


class IdentityMatchLocked(RuleViolation):
    """archive refuses more identity matches for the unit today: too many failed ones
    (``archive.identity_match_failures_per_day``; HTTP 422)."""

    default_code = "identity_match_locked"
    zh = "该房屋今日身份核验失败次数过多，今日暂停核验，已通知客服经理"


class TooManyItems(RuleViolation):
    """More items than the project's ``goods_release.max_items`` on one pass (HTTP 422)."""

    default_code = "too_many_items"
    zh = "放行物品超过本项目每张放行单的上限"


class MoveTimeRefused(RuleViolation):
    """A goods release's moving time (``move_at``) is in the past beyond the project's
    ``goods_release.move_at_past_tolerance_minutes`` (``move_at_past``) or further ahead than
    ``goods_release.move_at_max_days_ahead`` (``move_at_too_far``) (HTTP 422)."""

    default_code = "move_at_past"
    zh = "搬离时间不在可受理的范围内"


class PassOutsideWindow(Conflict):
    """The gate's ``use`` of a goods release pass outside its validity window -- from the start of the
    moving day to its end plus ``goods_release.use_hours_after_move_day`` (HTTP 409; ``details``:
    move_at, valid_from, valid_until, now, and ``reason`` too_early | expired)."""

    default_code = "pass_outside_window"
    zh = "放行条不在有效时间内，不能放行"


class ArchiveUnavailable(Unavailable):
    """archive could not answer a question a step cannot go on without -- the household file's
    people (identity check), a renovation document, an area's building: nothing done (HTTP 503)."""

    default_code = "archive_unavailable"
    zh = "暂时无法查询业户档案，操作未执行，请稍后再试"


class PraiseNotForwarded(RuleViolation):
    """Praise naming staff or a department is forwarded to them before it is closed (表扬转达)."""

    default_code = "praise_not_forwarded"
    zh = "表扬须先转达被表扬的员工或部门，方可关闭"


class BadDecision(InvalidInput):
    """A suggestion's reply says adopted or not adopted; praise takes no decision."""

    default_code = "bad_decision"
    zh = "建议的答复须注明采纳或不采纳，表扬无需答复"


# -- keys (钥匙) and vacant units (空置房) ---------------------------------------------------

class KeyNotFound(NotFound):
    default_code = "key_not_found"
    zh = "未找到该钥匙"


class KeyLoanNotFound(NotFound):
    default_code = "loan_not_found"
    zh = "该钥匙没有这笔借用记录"


class KeyStepNotAllowed(Conflict):
    """The key's table (``keys.TABLE``) has no such movement from its state (HTTP 409); a few
    carry a telling code: ``no_sub_lending`` (a lent key comes back to the store before the next
    loan), ``loan_pending`` (a loan already waits for approval)."""

    default_code = "key_step_not_allowed"
    zh = "钥匙当前状态下不能办理此操作"


class KeyOwnRequest(RuleViolation):
    """A loan's approval is a second person's check: whoever registered the loan does not approve it
    (HTTP 422 ``own_request``) -- another approver does (keys.APPROVER_ROLES)."""

    default_code = "own_request"
    zh = "不能审批自己登记的借用申请，请由其他审批人审批"


class KeyPapersRequired(RuleViolation):
    """A movement without the papers it needs (HTTP 422): an owner's collection needs the
    contract, the ID and the fee receipt; a contractor's loan the developer's written proof."""

    default_code = "papers_required"
    zh = "办理此项钥匙业务所需的证明材料不全"


class KeyDepositNotTaken(Conflict):
    """A loan to a borrower flagged by an earlier late return is approved only once the deposit was
    taken (``take_deposit``, 逾期归还者下次借用须交确保金) -- HTTP 409 ``deposit_not_taken``."""

    default_code = "deposit_not_taken"
    zh = "该借用人曾逾期归还钥匙，须先收取押金（确保金）才能批准借用"


class KeyDepositRefused(RuleViolation):
    """The deposit named cannot stand for this loan (HTTP 422): ``deposit_not_found`` (billing has none
    the caller may see), ``deposit_not_usable`` (not a key deposit held in full on the key's unit),
    ``deposit_too_small`` (under ``keys.late_deposit``); 409-like reuse is ``deposit_already_used``."""

    default_code = "deposit_not_usable"
    zh = "该押金不能用于本次钥匙借用"


class KeyDepositNotFound(KeyDepositRefused):
    """billing has no deposit of that id the caller may see (its ``deposit_not_found``) -- HTTP 422."""

    default_code = "deposit_not_found"
    zh = "收费系统中没有该押金（请核对押金编号）"


class KeyDepositConflict(Conflict):
    """The deposit step clashes with the loan (HTTP 409): ``deposit_not_required`` (the borrower is not
    flagged), ``deposit_already_taken`` (this loan has one), ``deposit_already_used`` (another loan's)."""

    default_code = "deposit_already_taken"
    zh = "本次借用已收取押金"


class KeyDepositUsed(KeyDepositConflict):
    """The deposit stands for another key loan (billing's pledge: ``deposit_already_used``, HTTP 409)."""

    default_code = "deposit_already_used"
    zh = "该押金已用于另一笔钥匙借用"


class KeyDepositNotHeld(KeyDepositConflict):
    """Asked again before the approval, billing no longer holds the loan's deposit in full for this loan
    (refunded, voided, forfeited, or not pledged to it) -- HTTP 409 ``deposit_not_held``: refuse the loan and
    register it anew with a deposit held."""

    default_code = "deposit_not_held"
    zh = "收费系统中该借用的押金已不再全额持有（已退、已扣或作废），不能批准借用；请拒绝本次借用后重新登记并收取押金"


class KeyDepositDecisionRefused(Conflict):
    """A kept deposit's decision the loan cannot take (HTTP 409): ``deposit_not_kept`` (no deposit kept on
    it: returned in time, refused, not yet back, or none taken), ``deposit_decided`` (decided otherwise
    already)."""

    default_code = "deposit_not_kept"
    zh = "该借用没有待处理的留存押金"


class KeyOwnerConsentRequired(Conflict):
    """An owner-deposited key (业主寄存钥匙) is lent only to the person the owner consented to, once
    (HTTP 409 ``owner_consent_required``)."""

    default_code = "owner_consent_required"
    zh = "业主寄存的钥匙须经业主本人同意（登记被授权人）后才能借给其施工人员"


class DuplicateKey(Conflict):
    default_code = "duplicate_key"
    zh = "该钥匙已登记"


class UnknownKeys(InvalidInput):
    """A stock-check counted keys that are not in the project's register."""

    default_code = "unknown_keys"
    zh = "盘点的钥匙不在本项目的钥匙登记表中"


class VacantCheckNotFound(NotFound):
    default_code = "vacant_check_not_found"
    zh = "未找到该空置房检查"


class FindingNotFound(NotFound):
    default_code = "finding_not_found"
    zh = "未找到该检查结果"


class RoomRecordedTwice(RuleViolation):
    """A vacant unit's check names the same room twice (HTTP 422): one finding per room."""

    default_code = "room_recorded_twice"
    zh = "同一房间在一次检查中只能记录一条结果"


class DecisionReasonRequired(RuleViolation):
    """A crack's repair rejected without a reason (HTTP 422): the owner and the file need one."""

    default_code = "decision_reason_required"
    zh = "不批准裂缝维修须填写理由"


class VacantStepNotAllowed(Conflict):
    """A vacant unit's check or finding has no such step from its state (HTTP 409)."""

    default_code = "vacant_step_not_allowed"
    zh = "空置房检查当前状态下不能办理此操作"


class NotVacant(RuleViolation):
    """A unit with an active household is not a vacant unit (HTTP 422)."""

    default_code = "not_vacant"
    zh = "该房屋有在住业户，不是空置房"


# -- daily inspections (巡检, domain/inspections.py) ------------------------------------------

class AreaNotFound(NotFound):
    default_code = "area_not_found"
    zh = "未找到该巡检区域"


class RoundNotFound(NotFound):
    """No inspection round (巡检记录) with that id in the caller's scope (or the ticket is of
    another kind)."""

    default_code = "round_not_found"
    zh = "未找到该巡检记录"


class AreaNameTaken(Conflict):
    default_code = "area_name_taken"
    zh = "本项目已有同名的巡检区域"


class SpotRoundOpen(Conflict):
    """An area has one round walked outside the plan open at a time (``details.round_id``)."""

    default_code = "spot_round_open"
    zh = "该区域已有一次进行中的临时巡检，请先完成"


class UnknownChecklistItem(RuleViolation):
    """A result names an item not on the round's checklist (the version it is done against)."""

    default_code = "unknown_item"
    zh = "巡检结果中的项目不在本次巡检的检查表上"


class ResultsIncomplete(Conflict):
    """A round is completed only with a result for every item of its checklist."""

    default_code = "results_incomplete"
    zh = "检查表上尚有项目未记录结果，不能完成巡检"


class PatrolMissed(Conflict):
    """A patrol's deadline passed: it is missed (the platform marks it), nothing more is recorded."""

    default_code = "patrol_missed"
    zh = "巡检已过期限，已记为漏检，不能再记录"


class BadChecklist(InvalidInput):
    default_code = "bad_checklist"
    zh = "检查表填写有误"


class DocumentsMissing(RuleViolation):
    """A renovation application is reviewed only with its documents complete (``details.missing``)."""

    default_code = "documents_missing"
    zh = "装修申请材料不全，不能提交审核"


class FeesUnpaid(Conflict):
    """The renovation's deposit and garbage-removal fee are not reported paid by billing yet: no
    permit, no start (HTTP 409)."""

    default_code = "fees_unpaid"
    zh = "装修押金和垃圾清运费尚未缴清，不能发放装修许可证或开工"


class AcceptanceTooSoon(RuleViolation):
    """The completion acceptance is requested at least N working days ahead, on a working day."""

    default_code = "acceptance_too_soon"
    zh = "竣工验收须至少提前规定的工作日在工作日预约"


class RenovationDateOutOfRange(RuleViolation):
    """A renovation's date outside what the desk can take: the planned start in the past or too far
    ahead (``renovation.start_within_days``), the works longer than ``renovation.max_duration_days``,
    the acceptance booked further than ``renovation.acceptance_within_days`` ahead or held before its
    booked day, a pass valid until a past day or past the planned end, an occupancy before the
    acceptance or in the future (HTTP 422; ``code`` says which)."""

    default_code = "renovation_date_out_of_range"
    zh = "装修相关日期不在可受理的范围内"


class ReinspectionNotDue(Conflict):
    """The re-inspection comes N months after occupancy, not before (HTTP 409)."""

    default_code = "reinspection_not_due"
    zh = "入住后复查时间未到"


class PassNotFound(NotFound):
    default_code = "pass_not_found"
    zh = "未找到该出入证"


class WithheldOverDeposit(RuleViolation):
    """What is withheld of the deposit is at most the deposit, and names the violations."""

    default_code = "withheld_over_deposit"
    zh = "扣除金额不能超过装修押金，且须注明违规事项"


class DocumentNotFound(NotFound):
    """The document named is not in the household file (archive) of the renovation's unit's current
    household: another household's, an earlier one's, or none at all (HTTP 404)."""

    default_code = "document_not_found"
    zh = "该资料不在本房屋现业户的档案中"


class DocumentTypeMismatch(RuleViolation):
    """archive files the document under another type than the renovation's slot it is attached to
    (HTTP 422, ``details.archive_doc_type``)."""

    default_code = "document_type_mismatch"
    zh = "档案中该资料的类型与所附位置不符"


class DocumentAttachedAlready(Conflict):
    """The document is already attached to the renovation under another type (HTTP 409)."""

    default_code = "document_attached_already"
    zh = "该资料已作为另一类型附在本装修申请上"


class UnitOccupied(Conflict):
    """A unit with a household in archive's file is not a vacant unit (空置房) unless its owner
    registered it vacant (HTTP 409, naming the unit's label)."""

    default_code = "unit_occupied"
    zh = "该房屋已有业户，业主未登记空置的不是空置房"


class BuildingNotFound(NotFound):
    """An inspection area's building is not one of its project's (archive's registry; HTTP 404)."""

    default_code = "building_not_found"
    zh = "该楼栋不属于本项目"


class RenovationOpen(Conflict):
    """A unit has one open renovation at a time: a second application is refused while one is open
    (HTTP 409, naming its number)."""

    default_code = "renovation_open"
    zh = "该房屋已有一项未完结的装修申请"




# -- the front desk's printouts (domain/printouts.py) ------------------------------------------

class NotPrintable(RuleViolation):
    """A document that does not exist on paper yet: a goods release before its pass is issued
    (``pass_not_issued``), a renovation before its permit (``permit_not_issued``) -- HTTP 422."""

    default_code = "not_printable"
    zh = "该单据尚未签发，不能打印"


class IdNumberNotOnFile(RuleViolation):
    """The person checked has no ID number in the household file: no number can be matched (archive counts
    it as a failed match) -- the desk sees the document in person and attests it (HTTP 422). Told only by
    the goods release, for a person of the file in the requester's role; the keys answer it as
    ``identity_not_matched`` (domain/identity.py)."""

    default_code = "id_number_not_on_file"
    zh = "档案中未登记证件号码，请核验证件原件并补录档案"


# -- the care of vacant units (空置房保养, domain/vacant_care.py) ------------------------------------

class VacantCareNotFound(NotFound):
    default_code = "vacant_care_not_found"
    zh = "未找到该空置房保养任务"


class VacantCareStepNotAllowed(Conflict):
    """A care task has no such step from its state (``vacant_care.TABLE``, HTTP 409): a task done or
    cancelled is not recorded again."""

    default_code = "vacant_care_step_not_allowed"
    zh = "该空置房保养任务当前状态下不能办理此操作"


class KeyLoanRequired(RuleViolation):
    """Entering a vacant unit goes through the key register (000 §十.3): a care visit names the approved
    loan of the unit's key it entered by (HTTP 422 ``key_loan_required``)."""

    default_code = "key_loan_required"
    zh = "进入空置房须经客服主管以上批准并办理钥匙借用登记，请填写该次钥匙借用"


class KeyLoanNotValid(RuleViolation):
    """The loan named is not an approved loan of this unit's key within the task's period (HTTP 422
    ``key_loan_not_valid``; ``details.reason``)."""

    default_code = "key_loan_not_valid"
    zh = "所填钥匙借用不是本房屋钥匙在本任务期限内已批准的借用"


class KeyLoanReturnedBeforeVisit(Conflict):
    """The visit is recorded at a time the loan's key was already back (HTTP 409
    ``key_loan_returned_before_visit``): the visit happened while the key was out -- between the loan's
    lending (its approval) and its return; ``details`` name the loan's times."""

    default_code = "key_loan_returned_before_visit"
    zh = "保养时间晚于该次钥匙借用的归还时间：入户须在钥匙借出期间"


class CareReasonRequired(RuleViolation):
    """A care task cancelled without a reason, or an anomaly reported without what it is (HTTP 422)."""

    default_code = "care_reason_required"
    zh = "请填写原因或异常情况说明"


class PerformedAtNotValid(InvalidInput):
    """The visit's time is in the future or before the task's period (HTTP 400)."""

    default_code = "performed_at_not_valid"
    zh = "保养时间不能晚于现在，也不能早于任务周期开始"


class KeyPhoneNoLongerReadable(Gone):
    """A loan that ended (the key back, or the loan refused) more than ``keys.phone_readable_days`` ago:
    its borrower's whole phone is no longer read, only masked (HTTP 410 ``phone_no_longer_readable``)."""

    default_code = "phone_no_longer_readable"
    zh = "该借用已结束较久，借用人完整电话不再提供查阅（仅显示脱敏号码）"


class OwnAttestation(RuleViolation):
    """An attested in-person check (当面核验证件, no ID number on file) is approved by a second person:
    the CS manager or the centre manager who did not attest it (four eyes) (HTTP 422 ``own_attestation``)."""

    default_code = "own_attestation"
    zh = "当面核验证件须由另一名客服经理或服务中心经理复核，核验人不能复核自己的核验"
