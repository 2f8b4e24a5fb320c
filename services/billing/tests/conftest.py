"""billing's test settings: hypothesis profiles for the journal's property test.

``ci`` (loaded when ``CI`` is set, as ``.ci/run`` runs): derandomized -- the same examples every
run, no example database -- so a green CI stays green. ``dev`` (the default elsewhere): random
examples each run; a failure prints the blob to reproduce it (``@reproduce_failure``).
``HYPOTHESIS_PROFILE`` chooses one explicitly."""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", database=None, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))
