"""Arrears classes A-E (欠费分类, seed 004 4.5/4.6), the dunning log's actions and the steward's next
actions (催费任务) -- filled in by the classes work of issue 9."""
from __future__ import annotations
