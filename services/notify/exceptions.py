"""notify's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Forbidden, InvalidInput, NotFound


class ProjectNotFound(NotFound):
    default_code = "project_not_found"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"


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


class PersonNotFound(NotFound):
    """No such person in the unit's (active) household -- or not one the caller may see."""

    default_code = "person_not_found"


class ResidentsOnly(Forbidden):
    """Only a resident binds their own WeChat account."""

    default_code = "residents_only"
