"""archive's typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, Forbidden, NotFound, RuleViolation


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


# -- people, leases, move-out, transfer (issue 11: wt/people) -------------------------------------

class PersonNotFound(NotFound):
    default_code = "person_not_found"


class LeaseNotFound(NotFound):
    default_code = "lease_not_found"


class DocumentTypeNotFound(NotFound):
    default_code = "document_type_not_found"


class HouseholdNotActive(Conflict):
    """The household lifecycle (``domain.people.LIFECYCLE``) has no such step from its state."""

    default_code = "household_not_active"


class PeopleRuleViolation(RuleViolation):
    """A rule of the household's people: an owner or tenant left, a tenant without a lease..."""

    default_code = "people_rule"


class MoveOutChecklistIncomplete(RuleViolation):
    default_code = "move_out_checklist_incomplete"
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
