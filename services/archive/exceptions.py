"""archive's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, Forbidden, NotFound


class ProjectNotFound(NotFound):
    default_code = "project_not_found"


class BuildingNotFound(NotFound):
    default_code = "building_not_found"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"


class HouseholdNotFound(NotFound):
    default_code = "household_not_found"


class UnitOccupied(Conflict):
    default_code = "unit_occupied"


class DuplicateRecord(Conflict):
    default_code = "duplicate_record"


class FileAccessDenied(Forbidden):
    """Only the customer-service department reads household files (000 §八)."""

    default_code = "file_access_denied"


# -- access (查阅授权与查阅记录) ---------------------------------------------------------------------
from kernel.errors import RuleViolation  # noqa: E402


class GrantNotFound(NotFound):
    default_code = "grant_not_found"


class GrantRefused(RuleViolation):
    """A grant that cannot be recorded as asked (too long, ends before it starts, to oneself...)."""

    default_code = "grant_invalid"


class GrantNotRevocable(Conflict):
    """Only a pending or active grant can be revoked."""

    default_code = "grant_not_revocable"


class ExportDenied(Forbidden):
    """Personal data leaves in bulk only under a grant for it (000 §八: nothing leaves in bulk)."""

    default_code = "export_denied"
