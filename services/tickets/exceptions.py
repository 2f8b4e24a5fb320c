"""tickets' typed errors (each is one of the kernel's kinds on the wire)."""
from kernel.errors import InvalidInput, NotFound, RuleViolation


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
