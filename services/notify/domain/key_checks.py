"""A monthly key stock-check with discrepancies told to the CS manager (钥匙盘点不符, seed 000 §九:
the CS manager keeps the vacant units' keys and spot-checks the store on the 25th): tickets publishes
``key_stock_check.recorded`` for every count; when the desk's **monthly** count (盘点) does not agree
with the register -- a key the register has in the store not found, a key found that the register
says is out, a key short of its copies -- notify puts one staff in-app message (purpose
``key_stock_check.discrepancy``) in the project's CS manager role inbox (``cs_manager``; its
supervisors see it too): the month, who counted when, the figures and each discrepancy in the
platform's words (the unit's label and the key's register label, never the counter's note).

A **spot-check** (抽查) with discrepancies is told the same way when someone other than the CS manager
did it -- the service-centre manager standing in (``counted_as: centre_manager`` in the event): the CS
manager, who keeps the keys, hears of what the centre manager found (the message says 钥匙抽查). Nothing
for a count that agrees (the month's task is finished; the list shows it), nor for the CS manager's own
spot-check (``counted_as: cs_manager``, or an event from before ``counted_as``: the manager did it). Staff in-app only -- never SMS. Once per check
(``once_per_ref``, ref ``key_stock_check`` / the check's id): a redelivered event makes nothing new.
"""
from __future__ import annotations

from kernel.errors import InvalidInput, RetryableError
from kernel.tenancy import Role
from kernel.work import Work

from ..models import Notification, ProjectCopy
from . import templates
from .notifications import INAPP, ROLE, Channel, Recipient, notify

DISCREPANCY = "key_stock_check.discrepancy"
#: who is told: 客服部经理
DISCREPANCY_ROLE = Role.CS_MANAGER
REF_TYPE = "key_stock_check"
#: the counts told: the desk's monthly one; a spot-check when not counted as the CS manager
MONTHLY, SPOT = "monthly", "spot"
#: what the message calls the count (钥匙盘点 / 钥匙抽查)
KIND_WORDS = {"zh-CN": {MONTHLY: "盘点", SPOT: "抽查"}, "en": {MONTHLY: "stock-check", SPOT: "spot-check"}}
#: at most this many discrepancies are listed in the message (the rest counted: the check's own view has all)
LISTED_MAX = 20

#: where the register has a key that was counted though not expected in the store
_OUT_STATES = {"zh-CN": {"collected_by_owner": "已由业主领取", "lent": "已借出"},
               "en": {"collected_by_owner": "collected by its owner", "lent": "lent out"}}
_WORDS = {
    "zh-CN": {"missing": "登记在库，未点到", "found": "登记为{state}，却在库中点到", "out": "不在库",
              "copies": "应有 {copies} 把，点到 {counted} 把", "more": "……另有 {n} 项", "sep": "："},
    "en": {"missing": "in the store by the register, not found", "found": "the register says {state}, found in "
           "the store", "out": "not in the store", "copies": "{copies} copies registered, {counted} counted",
           "more": "... and {n} more", "sep": ": "},
}


def discrepancy_lines(discrepancies: list[dict], locale: str) -> str:
    """Each discrepancy as one line of the platform's words (the unit's label, the key's label)."""
    locale = locale if locale in _WORDS else templates.DEFAULT_LOCALE
    words, lines = _WORDS[locale], []
    for d in discrepancies[:LISTED_MAX]:
        if d["expected"] and not d["counted"]:
            what = words["missing"]
        elif d["counted"] and not d["expected"]:
            what = words["found"].format(state=_OUT_STATES[locale].get(d["register_state"], words["out"]))
        else:
            what = words["copies"].format(copies=d.get("copies"), counted=d.get("copies_counted"))
        lines.append(f"- {d['unit_label']} {d['label']}{words['sep']}{what}")
    if len(discrepancies) > LISTED_MAX:
        lines.append(words["more"].format(n=len(discrepancies) - LISTED_MAX))
    return "\n".join(lines)


def told(data: dict) -> bool:
    """Whether the count is told to the CS manager: one with discrepancies, the desk's monthly count or a
    spot-check counted by someone else than the CS manager (the centre manager)."""
    if not data["discrepancies"]:
        return False
    if data["kind"] == MONTHLY:
        return True
    return data["kind"] == SPOT and data.get("counted_as") not in (None, DISCREPANCY_ROLE)


def on_key_stock_check_recorded(work: Work, data: dict, *, event_id: str, group_id: str | None,
                                project_id: str | None) -> Notification | None:
    """``key_stock_check.recorded``: a monthly count with discrepancies, or the centre manager's spot-check
    with discrepancies -- one in-app message to the project's CS manager inbox (zh-CN); anything else
    nothing (:func:`told`). Returns the message made, or None."""
    if not told(data):
        return None
    project = work.session.get(ProjectCopy, project_id) if project_id else None
    if project is None:
        raise RetryableError(f"project {project_id} has not arrived from archive yet")
    if project.group_id != group_id or data["project_id"] != project.id or data["group_id"] != group_id:
        raise InvalidInput(f"key stock-check of group {group_id} names project {data['project_id']} of another "
                           "group or event", code="group_mismatch", zh="事件所指的项目不属于本集团")
    tz = project.timezone or "Asia/Shanghai"
    by = data["by"]

    def values(locale: str) -> dict:
        loc = locale if locale in KIND_WORDS else templates.DEFAULT_LOCALE
        return {"project_name": project.name, "month": data["month"], "check_kind": KIND_WORDS[loc][data["kind"]],
                "checked_by": by.get("name") or by.get("user_id") or templates.NO_VALUE[locale],
                "checked_at": templates.local_time(data["at"], tz), "expected": str(data["expected"]),
                "counted": str(data["counted"]), "discrepancy_count": str(len(data["discrepancies"])),
                "discrepancy_list": discrepancy_lines(data["discrepancies"], locale)}
    message, new = notify(work, project, purpose=DISCREPANCY, recipient=Recipient(ROLE, DISCREPANCY_ROLE),
                          locale=templates.DEFAULT_LOCALE, values=values, channels=[Channel(INAPP)],
                          source_event_id=event_id, ref_type=REF_TYPE, ref_id=data["check_id"], once_per_ref=True)
    return message if new else None
