"""billing's shared rule-test fixtures, defined in ``support.py``: ``session``, ``clock``,
``estate`` (projects p1 and p2, units u1 with 张伟's household, u2 and u9) and ``as_``. A test
module's own fixture of the same name takes precedence."""
from .support import as_, clock, estate, session

__all__ = ["as_", "clock", "estate", "session"]
