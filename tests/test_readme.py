"""The README documents every environment switch the code reads, and its walkthrough
names what a newcomer needs (a newcomer tripped on both)."""
from __future__ import annotations

import re

from kernel.config import ROOT

README = (ROOT / "README.md").read_text()
#: read by the machine's tooling, not by Wuye (standard names)
NOT_OURS = {"PATH", "HOME", "CI", "PYTHONUNBUFFERED", "PYTHONWARNINGS", "VAR", "USER", "PWD"}


def _switches() -> dict[str, str]:
    found: dict[str, str] = {}
    patterns = [
        ("deploy/config/*.yaml", r"\$\{([A-Z][A-Z0-9_]+)"),
        ("**/*.py", r"environ(?:\.get)?\(?\[?\"([A-Z][A-Z0-9_]+)\""),
        ("**/*.py", r"getenv\(\"([A-Z][A-Z0-9_]+)\""),
        ("wuye", r"\$\{([A-Z][A-Z0-9_]+):-"),
        ("deploy/scripts/*", r"\$\{([A-Z][A-Z0-9_]+):-"),
    ]
    for glob, pattern in patterns:
        for path in ROOT.glob(glob):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith((".venv/", "var/")) or "/tests/" in f"/{rel}" or not path.is_file():
                continue
            for name in re.findall(pattern, path.read_text(errors="replace")):
                found.setdefault(name, rel)
    return {k: v for k, v in found.items() if k not in NOT_OURS}


def test_every_environment_switch_is_in_the_readme():
    switches = _switches()
    assert len(switches) > 20          # the scan itself works
    missing = {name: where for name, where in switches.items() if name not in README}
    assert not missing, f"environment switches read by the code but not in README.md: {missing}"


def test_walkthrough_names_what_a_newcomer_needs():
    for needed in ('"location"', "purpose=", "cs.lh", "/auth/token", "Idempotency-Key"):
        assert needed in README, needed
