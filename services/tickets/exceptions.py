"""tickets' typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import Conflict, InvalidInput, NotFound, RuleViolation


class TicketNotFound(NotFound):
    default_code = "ticket_not_found"


class UnitNotFound(NotFound):
    default_code = "unit_not_found"


class ProjectNotFound(NotFound):
    default_code = "project_not_found"


class AppointmentRequired(RuleViolation):
    """A paid in-home repair is booked: the technician arrives 5 min before the appointment."""

    default_code = "appointment_required"


class BadReceivedTime(InvalidInput):
    default_code = "bad_received_at"


class UnknownSlaSetting(InvalidInput):
    default_code = "unknown_sla_setting"


class UnitRequired(InvalidInput):
    """A resident reports from one of their units; a public-area request by project is the
    front desk's (they record where it is)."""

    default_code = "unit_required"


class TransitionNotAllowed(Conflict):
    """The repair workflow's table has no such step from the ticket's state (HTTP 409)."""

    default_code = "transition_not_allowed"


class AlreadyRated(Conflict):
    """A repair is rated once (HTTP 409)."""

    default_code = "already_rated"


class NotAssignedToYou(RuleViolation):
    """A technician acts only on the orders assigned to them (HTTP 422)."""

    default_code = "not_assigned_to_you"


class NotYourStep(RuleViolation):
    """The step is in the table, but another party takes it (e.g. staff signing for the
    resident, a resident cancelling after dispatch) (HTTP 422)."""

    default_code = "not_your_step"


class ReopenWindowClosed(RuleViolation):
    """Closed longer ago than the project's ``repair.reopen_days`` (HTTP 422)."""

    default_code = "reopen_window_closed"


class ClassUnchanged(Conflict):
    """A complaint reclassified to the class it has (HTTP 409)."""

    default_code = "class_unchanged"


class WrittenReplyMissing(RuleViolation):
    """A written complaint is closed only after its written reply is on file (HTTP 422)."""

    default_code = "written_reply_missing"


class NotARevisit(NotFound):
    """A revisit step or read on a ticket of another kind (HTTP 404)."""

    default_code = "revisit_not_found"


class StaffOnlyCategory(RuleViolation):
    """Maintenance works (维修工程) are recorded by staff, not reported by residents (HTTP 422)."""

    default_code = "staff_only_category"
