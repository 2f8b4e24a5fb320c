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
