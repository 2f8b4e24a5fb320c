"""notify's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from kernel import pdf as _kernel_pdf


class ProjectNotFound(NotFound):
    default_code = "project_not_found"
    zh = "未找到该项目"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"
    zh = "未找到该房屋"


class TemplateNotFound(NotFound):
    """No override of the project (or the group) for that purpose, channel and locale."""
    default_code = "template_not_found"
    zh = "没有此用途、渠道和语言的自定义模板"


class NotificationNotFound(NotFound):
    default_code = "notification_not_found"
    zh = "未找到该通知"


class NotAddressedToCaller(Forbidden):
    """The notification exists in the caller's projects but is for another role."""

    default_code = "not_addressed_to_caller"
    zh = "该通知不是发给您的"


class InvalidTemplate(InvalidInput):
    """A template names a placeholder it may not use, or has stray braces."""

    default_code = "invalid_template"
    zh = "模板有误：含有不能使用的占位符或多余的括号"


class UnknownPurpose(InvalidInput):
    default_code = "unknown_purpose"
    zh = "没有这种通知用途"


class UnsupportedChannel(InvalidInput):
    default_code = "unsupported_channel"
    zh = "该通知不通过此渠道发送"


class UnsupportedLocale(InvalidInput):
    default_code = "unsupported_locale"
    zh = "不支持该语言"


class TemplateRefused(RuleViolation):
    """A template that cannot be used: a variable its purpose does not provide on its channel
    (``unknown_placeholder``, ``details.missing``), a syntax error (``template_syntax``,
    ``details.line``) or a construct the sandbox refuses (``template_unsafe``)."""

    default_code = "template_refused"
    zh = "该模板无法使用"


# -- printed notices (issue 10) --------------------------------------------------------------

#: no CJK font to print with (422 ``cjk_font_missing``): the kernel's, raised by its renderer (``kernel.pdf``)
CjkFontMissing = _kernel_pdf.CjkFontMissing


class DeliveryNotFound(NotFound):
    default_code = "delivery_not_found"
    zh = "未找到该发送记录"


class BuildingNotFound(NotFound):
    default_code = "building_not_found"
    zh = "未找到该楼栋"


class NothingToPrint(RuleViolation):
    """A batch of a building with no queued print delivery (of the purpose asked)."""

    default_code = "nothing_to_print"
    zh = "该楼栋没有待打印的通知"


class PersonNotFound(NotFound):
    """No such person in the unit's (active) household -- or not one the caller may see."""

    default_code = "person_not_found"
    zh = "该房屋的业户中没有此人"


class ResidentsOnly(Forbidden):
    """Only a resident binds their own WeChat account."""

    default_code = "residents_only"
    zh = "只有住户本人才能办理"


# -- broadcasts (群发, issue 10) ----------------------------------------------------------------

class BroadcastNotFound(NotFound):
    default_code = "broadcast_not_found"
    zh = "未找到该群发通知"


class NotABroadcastPurpose(InvalidInput):
    """A purpose that is not sent as a broadcast (outage.notice, community.event, greeting.holiday are)."""

    default_code = "not_a_broadcast_purpose"
    zh = "该用途的通知不能群发"


class UrgentNotScheduled(InvalidInput):
    """An emergency broadcast (``outage.urgent``) goes now: it is never scheduled (a later one is planned:
    ``outage.notice``, which waits for the end of the quiet hours)."""

    default_code = "urgent_not_scheduled"
    zh = "紧急停水停电通知立即发送，不能定时发送"


class BroadcastValues(InvalidInput):
    """The values do not match the purpose's placeholders (``details.missing`` / ``details.unknown``)."""

    default_code = "broadcast_values"
    zh = "群发内容与该用途的占位符不符"


class NoUnits(RuleViolation):
    """The target has no units (an empty building, a project without units)."""

    default_code = "broadcast_without_units"
    zh = "群发对象中没有房屋"


class OpenidAlreadyBound(Conflict):
    """The WeChat openid is bound to another person of the group already (one person per openid and group)."""

    default_code = "openid_already_bound"
    zh = "该微信账号已绑定其他人"


class BroadcastCancelled(Conflict):
    """The broadcast was cancelled already."""

    default_code = "broadcast_cancelled"
    zh = "该群发通知已取消"
