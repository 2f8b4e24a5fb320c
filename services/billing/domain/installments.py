"""Installment plans (分期缴费) for hardship -- filled in by the hardship work of issue 9."""
from __future__ import annotations
