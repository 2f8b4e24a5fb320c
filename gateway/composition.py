"""Composed views: one HTTP call, several services, fetched concurrently.

The unit itself (archive) is essential -- its 404/403 is the answer. The other
parts are best-effort: if a service is down or slow, the view still comes back
with that part empty and its name in ``degraded``, which a portal can show as
"billing is temporarily unavailable" instead of a blank page.
"""
from __future__ import annotations

import logging

import eventlet
from nameko.exceptions import RemoteError

log = logging.getLogger(__name__)

def unit_overview(call, unit_id: str, notifications: int = 5) -> dict:
    """``call(service, method, *args)`` makes one RPC as the current caller."""
    pile = eventlet.GreenPile()
    parts = {
        "unit": ("archive", "get_unit", unit_id),
        "household": ("archive", "get_household_for_unit", unit_id),
        "open_tickets": ("tickets", "list_open_for_unit", unit_id),
        "account": ("billing", "get_account", unit_id),
        "notifications": ("notify", "latest_for_unit", unit_id, notifications),
    }
    for name, (service, method, *args) in parts.items():
        pile.spawn(_attempt, name, call, service, method, *args)
    results = dict(pile)
    unit = results.pop("unit")
    if isinstance(unit, Exception):
        raise unit
    overview, degraded = {}, []
    for name, value in results.items():
        if isinstance(value, Exception):
            if _is_missing(value):
                overview[name] = None            # e.g. no fee account yet
            else:
                degraded.append(parts[name][0])
                overview[name] = None
        else:
            overview[name] = value
    household, account = overview.get("household"), overview.get("account")
    if household and account and account.get("household_id") in (None, household.get("id")):
        # the household's balance is its fee account's (billing's figure, not the file's copy)
        household["balance_due"] = account.get("balance_due")
    return {"unit": unit, **overview, "degraded": sorted(set(degraded))}


def unit_overview_parts(call, unit_id: str, names) -> tuple[dict, list]:
    """Some parts of the overview (``account``, ``household``) from their owners -- the read
    model's miss; best-effort as in :func:`unit_overview`. Returns (parts, degraded)."""
    methods = {"household": ("archive", "get_household_for_unit"), "account": ("billing", "get_account")}
    pile = eventlet.GreenPile()
    for name in names:
        pile.spawn(_attempt, name, call, *methods[name], unit_id)
    parts, degraded = {}, []
    for name, value in pile:
        if isinstance(value, Exception):
            parts[name] = None
            if not _is_missing(value):
                degraded.append(methods[name][0])
        else:
            parts[name] = value
    return parts, sorted(degraded)


def _attempt(name, call, service, method, *args):
    try:
        return name, call(service, method, *args)
    except Exception as exc:   # collected, judged by the caller
        if not isinstance(exc, RemoteError):
            log.warning("overview part %s (%s.%s) failed: %s", name, service, method, exc)
        return name, exc


def _is_missing(exc: Exception) -> bool:
    from kernel.errors import parse_remote_error

    if isinstance(exc, RemoteError):
        kind, *_ = parse_remote_error(exc.exc_type, exc.value)
        return kind == "NotFound"
    return False
