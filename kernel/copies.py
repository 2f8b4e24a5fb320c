"""Local copies of another service's records, kept from its snapshot events.

archive publishes whole records (``project.changed``, ``unit.changed``,
``household.changed``) with a ``version``; tickets, billing and notify keep
the parts they need. One rule and one guard for all of them:

- **version rule**: a snapshot applies only if its version is *newer* than the
  one held -- an older or equal one is ignored, so redelivered and reordered
  events are harmless (:func:`is_newer`);
- **guard**: only the platform writes copies (event handlers run as
  ``Caller.system(event.group_id)``), a snapshot's ``group_id`` must be the
  group its event was published for, and a copy never moves to another group
  (:func:`guard_snapshot`).

::

    project, applied = apply_snapshot(work, ProjectCopy, data["project_id"], data["version"],
                                      {"group_id": data["group_id"], "name": data["name"]})
"""
from __future__ import annotations

from typing import Any

from .errors import Forbidden


def is_newer(held: int | None, incoming: int) -> bool:
    """The one version rule: apply only a snapshot newer than the one held."""
    return held is None or incoming > held


def guard_snapshot(work, data: dict, row: Any = None) -> None:
    """Refuse a snapshot that is not the platform's, or that names another group than its
    event (or than the copy already held)."""
    caller = work.caller
    if not caller.is_system:
        raise Forbidden("registry copies are kept from archive's events only", code="system_only",
                        zh="登记副本只能由档案服务的事件写入")
    group = data.get("group_id")
    if caller.group_id is not None and group is not None and group != caller.group_id:
        raise Forbidden(f"a snapshot of group {group} arrived in an event of group {caller.group_id}",
                        code="snapshot_group_mismatch", zh="事件所带的快照属于另一个集团")
    held = getattr(row, "group_id", None) if row is not None else None
    if held is not None and group is not None and held != group:
        raise Forbidden(f"a copy of group {held} cannot move to group {group}",
                        code="snapshot_group_mismatch", zh="已有副本不能转到另一个集团")


def apply_snapshot(work, model, key: str, version: int, values: dict, *,
                   version_field: str = "version", data: dict | None = None):
    """Insert or update ``model``'s row ``key`` from a snapshot; returns ``(row, applied)``.

    ``values`` are the attributes to set; ``data`` (default ``values``) is what the guard
    checks (its ``group_id``)."""
    row = work.session.get(model, key)
    guard_snapshot(work, data if data is not None else values, row)
    if row is not None and not is_newer(getattr(row, version_field), version):
        return row, False
    if row is None:
        row = model(id=key)
        work.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    setattr(row, version_field, version)
    return row, True


def snapshot_page(work, model, *, after: str | None, limit: int, project_id: str | None = None,
                  project_column=None, where=()) -> list:
    """The platform-only page behind every owner's ``export_snapshots`` (read-model rebuilds):
    rows of ``model`` in id order after ``after``, at most ``limit``, of one project if asked
    (``project_column``, default ``model.project_id``) and of the caller's group unless the
    caller is the platform across groups. Refused to anyone but the platform."""
    from sqlalchemy import select

    work.caller.require_system()
    query = select(model).where(*where).order_by(model.id).limit(limit)
    if after:
        query = query.where(model.id > after)
    if project_id:
        query = query.where((project_column if project_column is not None else model.project_id) == project_id)
    if work.caller.group_id is not None:
        query = query.where(model.group_id == work.caller.group_id)
    return list(work.session.scalars(query))
