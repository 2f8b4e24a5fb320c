"""A household moves out or in (迁出 / 入伙 / 过户): what tickets does with what the household left open.

archive publishes ``household.changed`` for each household it changes; a transfer of ownership (过户)
publishes two in one transaction -- the old owners' (``status`` ``moved_out``) and the new owners'
(``active``) -- and tickets may see them in either order, or again. :func:`on_household_changed`
keeps the unit's copy (``copies.apply_household``) and then:

- ``moved_out`` (final: a household that comes back is a new one): its open goods releases are
  voided by the platform (``goods_release.on_household_moved_out``); its open renovations before
  the works are cancelled, the unit's works handed over to the unit's household now, or left waiting
  for the next one (``renovation.on_household_moved_out``);
- ``active`` and now the unit's household in the copy: the works an earlier household left waiting
  are handed over to it (``renovation.on_household_moved_in``).

Each step is a row of its workflow's table, taken by the platform; a redelivered or late event finds
nothing left to do.
"""
from __future__ import annotations

from kernel.work import Work

from . import copies, goods_release, renovation

MOVED_OUT = "moved_out"


def on_household_changed(work: Work, data: dict) -> bool:
    """Returns False when the unit is not known yet (the caller retries later)."""
    if not copies.apply_household(work, data):
        return False
    if data["status"] == MOVED_OUT:
        goods_release.on_household_moved_out(work, data["unit_id"], data["household_id"])
        renovation.on_household_moved_out(work, data["unit_id"], data["household_id"])
    elif data["status"] == "active":
        renovation.on_household_moved_in(work, data["unit_id"], data["household_id"])
    return True
