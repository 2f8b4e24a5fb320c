"""Lawyer letters and litigation (律师函, 诉讼): proposals with two approvals -- filled in by the
hardship work of issue 9."""
from __future__ import annotations
