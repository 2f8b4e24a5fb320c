"""What tickets' rule tests share besides fixtures."""
from kernel.testing import TEST_SECRET
from kernel.work import Work
from services.tickets.domain import sla
from services.tickets.events import CONTRACT
from services.tickets.models import Base


def work(session, clock, caller) -> Work:
    """The unit of work the service would hand its rules, as ``caller``."""
    return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                      settings=sla.SETTINGS)


def job_executor(Session, clock, handlers=None):
    """tickets' job runner as the service builds it (kernel.jobs, its settings catalogue), on
    ``Session`` -- ``handlers`` default to the service's own (``service.JOB_HANDLERS``)."""
    from kernel.jobs import JobExecutor
    from services.tickets.service import JOB_HANDLERS
    return JobExecutor(Session, Base, CONTRACT, TEST_SECRET, clock, dict(handlers or JOB_HANDLERS),
                       service="tickets", settings=sla.SETTINGS)
