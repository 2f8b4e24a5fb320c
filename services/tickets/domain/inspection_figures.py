"""The month's inspection figures (日常巡检统计表, seed 000 §四: "发觉上述问题……统计在日常巡检统计表中,
立即汇报客服部经理"): what the rounds of one local month came to, per area and per steward, and the
problems found -- from the rounds tickets keeps (``inspection_rounds``, ``inspection_results``), as
JSON for staff and as the printed sheet (``printouts.inspection_figures_sheet``).

A round belongs to the month of its local day (``InspectionRound.day``: a patrol's planned day, a
round walked now the day it was opened). Each row counts:

- ``planned`` -- patrols the plan made (巡视, ``slot`` set), not cancelled; ``cancelled`` apart
  (an area deactivated, a manager's cancel);
- ``spot`` -- rounds walked now (现场巡检), outside the plan;
- ``done`` -- rounds completed (patrols and spot rounds); ``late`` -- of those, completed after the
  clock's warning point (the project's ``sla.warn_at_percent`` of the window had passed: done, but
  in the window's last stretch; nothing is recorded past the deadline itself -- that is missed);
- ``missed`` -- marked missed, or past the deadline and not marked yet (as ``patrols-by-steward``);
- ``open`` -- planned or in progress, inside the deadline (the current month only);
- ``findings`` -- items recorded failed (不合格项); ``repairs_opened`` -- the repair tickets they
  opened (one per round and item);
- ``completion_percent`` -- done out of planned + spot, one decimal (None when there were none).

**Per steward** is by the round's assignee (the steward the plan gave it to, or who walked it when it
had none); the rounds a deactivated steward's areas left to the CS manager unassigned are a row of
their own (``steward`` null) until a manager assigns them. **Findings** lists every failed item of
the month: day, area, item, note, who recorded it, the round and the repair with its status.

**Areas** listed: every area with a round in the month, and every active area made before the month
ended (with no round it is a row of zeros); an area made later is not -- a month before the project had
any area lists none (``areas: []``, the total all zeros).

Who reads it: who reads the project's rounds (steward, front desk, CS manager, centre manager, GM,
group admin). The month is the project's local calendar month, finished or current (400
``invalid_month``, ``month_in_future``), as the monthly report's.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from kernel.work import Work

from ..models import InspectionArea, InspectionResult, InspectionRound, Ticket, TicketDeadline
from . import inspections, repairs, reports

COUNTS = ("planned", "cancelled", "spot", "done", "late", "missed", "open", "findings", "repairs_opened")


def _utc(at: datetime) -> datetime:
    """A stored time as an aware UTC one (SQLite may give it back naive)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def _row() -> dict:
    return dict.fromkeys(COUNTS, 0)


def _finish(row: dict) -> dict:
    base = row["planned"] + row["spot"]
    row["completion_percent"] = round(100.0 * row["done"] / base, 1) if base else None
    return row


def _classify(status: str, due_at: datetime | None, done_at: datetime | None, warn_at: datetime | None,
              now: datetime) -> str:
    """What a round counts as: done, late, missed, open or cancelled."""
    if status == inspections.DONE:
        return "late" if warn_at is not None and done_at is not None and done_at > warn_at else "done"
    if status == inspections.MISSED:
        return "missed"
    if status == inspections.CANCELLED:
        return "cancelled"
    return "missed" if due_at is not None and due_at <= now else "open"


def monthly_figures(work: Work, project_id: str, month: str) -> dict:
    """The project's inspection figures of ``month`` (``YYYY-MM``, its local calendar)."""
    project = repairs.staff_project(work, project_id, inspections.READER_ROLES)
    now = work.clock.now()
    period = reports.period(month, project.timezone, now)
    first, last = period.start.date(), period.last_day
    R, D = InspectionRound, TicketDeadline
    warn = (select(D.warn_at).where(D.ticket_id == Ticket.id, D.kind.in_((inspections.CLOCK, inspections.SPOT_CLOCK)))
            .order_by(D.due_at.desc()).limit(1).correlate(Ticket).scalar_subquery().label("warn_at"))
    rounds = work.session.execute(
        select(Ticket.id, Ticket.number, Ticket.status, Ticket.assignee_id, Ticket.assignee_name, R.area_id,
               R.slot, R.day, R.due_at, R.done_at, warn)
        .join(R, R.ticket_id == Ticket.id)
        .where(Ticket.project_id == project.id, Ticket.kind == inspections.KIND, R.day >= first, R.day <= last)
        .order_by(R.day, Ticket.number)).all()
    areas = {a.id: a for a in work.session.scalars(select(InspectionArea).where(
        InspectionArea.project_id == project.id))}
    by_round = {r.id: r for r in rounds}
    results = [r for r in work.session.scalars(
        select(InspectionResult).join(R, R.ticket_id == InspectionResult.round_ticket_id)
        .where(R.project_id == project.id, R.day >= first, R.day <= last,
               InspectionResult.outcome == inspections.FAILED)
        .order_by(R.day, InspectionResult.recorded_at, InspectionResult.item_code)) if r.round_ticket_id in by_round]
    repair_ids = [r.repair_ticket_id for r in results if r.repair_ticket_id]
    repairs_found = {t.id: t for t in work.session.execute(
        select(Ticket.id, Ticket.number, Ticket.status).where(Ticket.id.in_(repair_ids)))} if repair_ids else {}

    total, per_area, per_steward = _row(), {}, {}

    def rows_of(r):
        area = per_area.setdefault(r.area_id, _row())
        steward = per_steward.setdefault(r.assignee_id, _row())
        if r.assignee_id and not steward.get("_name"):
            steward["_name"] = r.assignee_name or ""
        return total, area, steward

    for r in rounds:
        what = _classify(r.status, r.due_at, r.done_at, r.warn_at, now)
        for row in rows_of(r):
            if what == "cancelled":
                row["cancelled"] += 1
                continue
            row["planned" if r.slot is not None else "spot"] += 1
            row[what] += 1
            if what == "late":
                row["done"] += 1          # a late round is done: ``late`` is a part of ``done``
    findings = []
    for result in results:
        r = by_round[result.round_ticket_id]
        repair = repairs_found.get(result.repair_ticket_id)
        for row in rows_of(r):
            row["findings"] += 1
            row["repairs_opened"] += 1 if repair is not None else 0
        area = areas.get(r.area_id)
        findings.append({
            "day": r.day.isoformat(), "area_id": r.area_id, "area_name": area.name if area else "",
            "round_id": r.id, "round_number": r.number, "item_code": result.item_code,
            "item_name": result.item_name, "note": result.note,
            "recorded_by": {"user_id": result.recorded_by, "name": result.recorded_by_name or ""},
            "recorded_at": result.recorded_at,
            "repair_ticket_id": repair.id if repair else None, "repair_number": repair.number if repair else None,
            "repair_status": repair.status if repair else None})

    def area_out(area_id: str, row: dict) -> dict:
        area = areas.get(area_id)
        return {"area_id": area_id, "name": area.name if area else "",
                "area_type": area.area_type if area else None,
                "area_type_name": inspections.AREA_TYPE_NAMES.get(area.area_type, "") if area else "",
                "active": area.active if area else None, **_finish(row)}

    def steward_out(user_id: str | None, row: dict) -> dict:
        name = row.pop("_name", "")
        return {"steward": {"user_id": user_id, "name": name} if user_id else None, **_finish(row)}

    # every area of the project that existed in the month is listed (an active one with no round is a
    # figure too), by name; one made after the month is not (a month before any area lists none)
    for area in areas.values():
        if area.active and _utc(area.created_at) < period.end_utc:
            per_area.setdefault(area.id, _row())
    return {
        "project_id": project.id, "project_name": project.name, "month": period.month,
        "first_day": first, "last_day": last, "complete": now >= period.end_utc, "generated_at": now,
        "total": _finish(total),
        "areas": sorted((area_out(a, row) for a, row in per_area.items()), key=lambda r: (r["name"], r["area_id"])),
        "stewards": sorted((steward_out(u, row) for u, row in per_steward.items()),
                           key=lambda r: ((r["steward"] or {}).get("name") or "~", (r["steward"] or {}).get("user_id") or "")),
        "findings": findings,
    }
