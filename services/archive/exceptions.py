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


# -- census (issue 11, area "census") ---------------------------------------------------------------
from kernel.errors import InvalidInput, RuleViolation  # noqa: E402


class StewardAssignmentNotFound(NotFound):
    default_code = "steward_assignment_not_found"


class CensusTaskNotFound(NotFound):
    default_code = "census_task_not_found"


class CensusTransitionNotAllowed(Conflict):
    """The census task is not open any more (confirmed, corrected or cancelled)."""
    default_code = "transition_not_allowed"


class NotAssignedToYou(RuleViolation):
    """A steward acts only on the census tasks of their own area (or unassigned ones)."""
    default_code = "not_assigned_to_you"


class NothingCorrected(RuleViolation):
    """A correction that changes nothing: confirm the task instead."""
    default_code = "nothing_corrected"


class PersonNotInHousehold(InvalidInput):
    default_code = "person_not_in_household"
