"""billing's test settings: hypothesis profiles for the journal's property test, and the shared
rule-test fixtures defined in ``support.py``: ``session``, ``clock``, ``estate`` (projects p1 and
p2, units u1 with 张伟's household, u2 and u9) and ``as_`` (a test module's own fixture of the
same name takes precedence).

``ci`` (loaded when ``CI`` is set, as ``.ci/run`` runs): derandomized -- the same examples every
run, no example database -- so a green CI stays green. ``dev`` (the default elsewhere): random
examples each run; a failure prints the blob to reproduce it (``@reproduce_failure``).
``HYPOTHESIS_PROFILE`` chooses one explicitly."""
import os

from hypothesis import settings

from .support import as_, clock, estate, session

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

__all__ = ["as_", "clock", "estate", "session"]
