"""notify's rules. Plain Python over a ``kernel.work.Work``; no nameko here."""
