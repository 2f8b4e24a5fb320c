"""archive's typed errors (each is one of the kernel's kinds on the wire), each with its Chinese sentence
(``zh``, ``kernel.errors.bilingual``: the message staff read is ``中文 (English)``; the code stays)."""
from kernel.errors import Conflict, Forbidden, NotFound, RuleViolation, Unavailable


class ProjectNotFound(NotFound):
    default_code = "project_not_found"
    zh = "未找到该项目"


class BuildingNotFound(NotFound):
    default_code = "building_not_found"
    zh = "未找到该楼栋"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"
    zh = "未找到该房屋"


class HouseholdNotFound(NotFound):
    default_code = "household_not_found"
    zh = "未找到该业户"


class UnitOccupied(Conflict):
    default_code = "unit_occupied"
    zh = "该房屋已有在住业户，请先办理迁出"


class DuplicateRecord(Conflict):
    default_code = "duplicate_record"
    zh = "该记录已存在"


class FileAccessDenied(Forbidden):
    """Only the customer-service department reads household files (000 §八)."""

    default_code = "file_access_denied"
    zh = "业户档案由客服部查阅，其他人员须经客服部经理授权"


# -- people, leases, move-out, transfer (issue 11: wt/people) -------------------------------------

class PersonNotFound(NotFound):
    default_code = "person_not_found"
    zh = "未找到该人员"


class LeaseNotFound(NotFound):
    default_code = "lease_not_found"
    zh = "未找到该租约"


class DocumentTypeNotFound(NotFound):
    default_code = "document_type_not_found"
    zh = "未找到该资料类型"


class HouseholdNotActive(Conflict):
    """The household lifecycle (``domain.people.LIFECYCLE``) has no such step from its state."""

    default_code = "household_not_active"
    zh = "该业户已迁出，其资料仅作存档，不能再修改"


class PeopleRuleViolation(RuleViolation):
    """A rule of the household's people: an owner or tenant left, a tenant without a lease..."""

    default_code = "people_rule"
    zh = "不符合业户人员登记规则"


class MoveOutChecklistIncomplete(RuleViolation):
    default_code = "move_out_checklist_incomplete"
    zh = "迁出交接清单未完成"
# -- access (查阅授权与查阅记录) ---------------------------------------------------------------------
from kernel.errors import RuleViolation  # noqa: E402


class GrantNotFound(NotFound):
    default_code = "grant_not_found"
    zh = "未找到该查阅授权"


class GrantRefused(RuleViolation):
    """A grant that cannot be recorded as asked (too long, ends before it starts, to oneself...)."""

    default_code = "grant_invalid"
    zh = "该查阅授权不符合规定"


class GrantNotRevocable(Conflict):
    """Only a pending or active grant can be revoked."""

    default_code = "grant_not_revocable"
    zh = "只有待生效或有效的授权可以撤销"


class ExportDenied(Forbidden):
    """Personal data leaves in bulk only under a grant for it (000 §八: nothing leaves in bulk)."""

    default_code = "export_denied"
    zh = "个人资料须经客服部经理授权（可导出）方可批量导出"


# -- census (issue 11, area "census") ---------------------------------------------------------------
from kernel.errors import InvalidInput, RuleViolation  # noqa: E402


class StewardAssignmentNotFound(NotFound):
    default_code = "steward_assignment_not_found"
    zh = "未找到该管家片区分配"


class CensusTaskNotFound(NotFound):
    default_code = "census_task_not_found"
    zh = "未找到该普查任务"


class CensusTransitionNotAllowed(Conflict):
    """The census task is not open any more (confirmed, corrected or cancelled)."""
    default_code = "transition_not_allowed"
    zh = "该普查任务已结束（已确认、已更正或已取消），不能再操作"


class NotAssignedToYou(RuleViolation):
    """A steward acts only on the census tasks of their own area (or unassigned ones)."""
    default_code = "not_assigned_to_you"
    zh = "该普查任务不属于您的片区"


class NothingCorrected(RuleViolation):
    """A correction that changes nothing: confirm the task instead."""
    default_code = "nothing_corrected"
    zh = "与档案相比没有任何变更，请直接确认普查"


class PersonNotInHousehold(InvalidInput):
    default_code = "person_not_in_household"
    zh = "该人员不是本户成员"


class IdentityMatchLocked(RuleViolation):
    """Too many failed identity matches for the unit today (``archive.identity_match_failures_per_day``):
    no more until the project's next local day (HTTP 422)."""
    default_code = "identity_match_locked"
    zh = "该房屋今日身份核验失败次数过多，今日暂停核验，已通知客服经理"


# -- the fee check of a transfer or a move-out (过户 / 迁出须结清费用; billing's ``has_arrears``) ------------

class ArrearsOutstanding(Conflict):
    """billing reports an unpaid amount on the unit's account: the transfer (or the move-out, whose
    raise says 迁出) is not recorded until every fee is settled (a renovation's pending garbage fee
    included; HTTP 409, ``details.unpaid``)."""

    default_code = "arrears_outstanding"
    zh = "该房屋尚有费用未结清，结清全部费用后方可办理过户"


class BillingUnavailable(Unavailable):
    """billing could not be asked (down, or no answer in time): the transfer (or the move-out, whose
    raise says 迁出) is not recorded -- fail closed (HTTP 503)."""

    default_code = "billing_unavailable"
    zh = "暂时无法向收费系统核实费用，过户未办理，请稍后再试"


class NoFeeAccount(Conflict):
    """billing keeps no fee account for the unit, so it cannot say the fees are settled (HTTP 409)."""

    default_code = "no_fee_account"
    zh = "收费系统中没有该房屋的收费账户，无法核实费用是否结清"


class IdNumberNotOnFile(RuleViolation):
    """The person named has no ID number in the household file: nothing to match -- counted as a failed
    match, like a wrong number (the day's lock bounds what the answer tells) (HTTP 422)."""
    default_code = "id_number_not_on_file"
    zh = "档案中未登记证件号码，请核验证件原件并补录档案"
