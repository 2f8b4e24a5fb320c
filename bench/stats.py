"""Repeats -> min / median, and the lines the benches print."""
from __future__ import annotations

import statistics


def summary(values) -> dict:
    values = [v for v in values if v is not None]
    if not values:
        return {"min": None, "median": None, "max": None, "n": 0}
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def fmt(value, digits: int = 1, unit: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def ratio(a, b):
    return None if not a or not b else a / b


def wrk_row(label: str, runs) -> dict:
    """One side of a comparison over its repeats (WrkResult list)."""
    rps, p50, p95 = (summary(r.rps for r in runs), summary(r.p50_ms for r in runs),
                     summary(r.p95_ms for r in runs))
    failed = sum(r.failed for r in runs)
    return {"label": label, "rps": rps, "p50": p50, "p95": p95, "failed": failed,
            "requests": sum(r.requests for r in runs)}


def wrk_table(rows) -> list[str]:
    lines = [f"  {'':34} {'req/s min':>10} {'req/s med':>10} {'p50 med':>9} {'p95 med':>9} "
             f"{'p95 min':>9} {'non-2xx':>8}"]
    for row in rows:
        lines.append(f"  {row['label']:34} {fmt(row['rps']['min']):>10} {fmt(row['rps']['median']):>10} "
                     f"{fmt(row['p50']['median'], 1, ' ms'):>9} {fmt(row['p95']['median'], 1, ' ms'):>9} "
                     f"{fmt(row['p95']['min'], 1, ' ms'):>9} {row['failed']:>8}")
    return lines
