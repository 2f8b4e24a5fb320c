"""The arrears ledger (欠费台账), collection rate (收费率), the daily dunning report, the weekly
summary and deposits held -- filled in by the reports work of issue 9."""
from __future__ import annotations
