"""notify's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation
from kernel import pdf as _kernel_pdf


class ProjectNotFound(NotFound):
    default_code = "project_not_found"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"


class TemplateNotFound(NotFound):
    """No override of the project (or the group) for that purpose, channel and locale."""
    default_code = "template_not_found"


class NotificationNotFound(NotFound):
    default_code = "notification_not_found"


class NotAddressedToCaller(Forbidden):
    """The notification exists in the caller's projects but is for another role."""

    default_code = "not_addressed_to_caller"


class InvalidTemplate(InvalidInput):
    """A template names a placeholder it may not use, or has stray braces."""

    default_code = "invalid_template"


class UnknownPurpose(InvalidInput):
    default_code = "unknown_purpose"


class UnsupportedChannel(InvalidInput):
    default_code = "unsupported_channel"


class UnsupportedLocale(InvalidInput):
    default_code = "unsupported_locale"


class TemplateRefused(RuleViolation):
    """A template that cannot be used: a variable its purpose does not provide on its channel
    (``unknown_placeholder``, ``details.missing``), a syntax error (``template_syntax``,
    ``details.line``) or a construct the sandbox refuses (``template_unsafe``)."""

    default_code = "template_refused"


# -- printed notices (issue 10) --------------------------------------------------------------

#: no CJK font to print with (422 ``cjk_font_missing``): the kernel's, raised by its renderer (``kernel.pdf``)
CjkFontMissing = _kernel_pdf.CjkFontMissing


class DeliveryNotFound(NotFound):
    default_code = "delivery_not_found"


class BuildingNotFound(NotFound):
    default_code = "building_not_found"


class NothingToPrint(RuleViolation):
    """A batch of a building with no queued print delivery (of the purpose asked)."""

    default_code = "nothing_to_print"


class PersonNotFound(NotFound):
    """No such person in the unit's (active) household -- or not one the caller may see."""

    default_code = "person_not_found"


class ResidentsOnly(Forbidden):
    """Only a resident binds their own WeChat account."""

    default_code = "residents_only"


# -- broadcasts (群发, issue 10) ----------------------------------------------------------------

class BroadcastNotFound(NotFound):
    default_code = "broadcast_not_found"


class NotABroadcastPurpose(InvalidInput):
    """A purpose that is not sent as a broadcast (outage.notice, community.event, greeting.holiday are)."""

    default_code = "not_a_broadcast_purpose"


class UrgentNotScheduled(InvalidInput):
    """An emergency broadcast (``outage.urgent``) goes now: it is never scheduled (a later one is planned:
    ``outage.notice``, which waits for the end of the quiet hours)."""

    default_code = "urgent_not_scheduled"


class BroadcastValues(InvalidInput):
    """The values do not match the purpose's placeholders (``details.missing`` / ``details.unknown``)."""

    default_code = "broadcast_values"


class NoUnits(RuleViolation):
    """The target has no units (an empty building, a project without units)."""

    default_code = "broadcast_without_units"


class OpenidAlreadyBound(Conflict):
    """The WeChat openid is bound to another person of the group already (one person per openid and group)."""

    default_code = "openid_already_bound"


class BroadcastCancelled(Conflict):
    """The broadcast was cancelled already."""

    default_code = "broadcast_cancelled"
