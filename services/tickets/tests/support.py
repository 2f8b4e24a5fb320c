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
