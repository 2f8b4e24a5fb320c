"""Disputed bills (账单异议): a dispute pauses the account's dunning with its reason -- filled in by
the hardship work of issue 9."""
from __future__ import annotations
