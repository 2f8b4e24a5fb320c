"""Household files (一户一档, 000 §八): catalogue, correspondence, access log.

Only the customer-service department reads files; every read is logged with
its purpose (业户档案查阅记录表); nothing leaves in bulk -- one file per read.
"""
from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import FileAccessDenied
from ..exceptions import ProjectNotFound
from ..models import Correspondence, Document, Household, MoveOut, Project, ProjectCorrespondence, Unit
from . import access
from .registry import active_household

FILE_READER_ROLES = Role.CUSTOMER_SERVICE
#: who reads a file's access log (domain/access.py: the CS head, the centre manager, auditors)
ACCESS_LOG_ROLES = access.LOG_READER_ROLES


def read_file(work: Work, household_id: str, purpose: str | None) -> dict:
    """The household file, after the access check (``access.require_read``: by role, a resident's
    own, or under the CS head's grant), logged -- refusals too. The catalogue is the project's
    (``documents.catalogue_for``: each expected type present or missing). Staff's file also shows the
    household's move-out (迁出 / 过户) record with what billing said when it left (``fees_checked``)."""
    from .documents import catalogue_for
    household = access.household_for_read(work, household_id)
    grant = access.require_read(work, household, "file", purpose, asks_purpose=True)
    documents = catalogue_for(work, household)
    letters = work.session.scalars(select(Correspondence).where(
        Correspondence.household_id == household.id).order_by(Correspondence.occurred_at.desc())).all()
    out = {
        "household": access.view(work, household, grant),
        "unit": work.session.get(Unit, household.unit_id),
        "catalogue": documents,
        "missing": [d["doc_type"] for d in documents if d["status"] == "missing"],
        "correspondence": letters,
    }
    if not work.caller.is_resident:      # staff's file: the move-out record, with billing's word when it left
        from .people import move_out_view
        out["move_out"] = move_out_view(work.session.scalars(
            select(MoveOut).where(MoveOut.household_id == household.id)).first())
    return out


def access_log(work: Work, household_id: str) -> list[dict]:
    return access.household_access_log(work, household_id)


def file_correspondence(work: Work, *, unit_id: str | None, kind: str, ref_type: str, ref_id: str,
                        ref_number: str, summary: str, occurred_at: datetime) -> Correspondence | None:
    """File a letter/request in the household file of ``unit_id``'s current household.

    Returns None when there is nothing to file it in (public area, vacant unit).
    Filing the same reference twice is a no-op."""
    if not unit_id:
        return None
    # the household's keys only: its people (loaded with a Household) are not needed to file
    household = work.session.execute(
        select(Household.id, Household.group_id, Household.project_id)
        .where(Household.unit_id == unit_id, Household.status == "active")).first()
    if household is None:
        return None
    existing = work.session.scalars(select(Correspondence).where(
        Correspondence.household_id == household.id, Correspondence.ref_type == ref_type,
        Correspondence.ref_id == ref_id, Correspondence.kind == kind)).first()
    if existing is not None:
        return existing
    entry = Correspondence(id=str(uuid.uuid4()), group_id=household.group_id,
                           project_id=household.project_id, household_id=household.id, kind=kind,
                           ref_type=ref_type, ref_id=ref_id, ref_number=ref_number,
                           summary=summary[:2000], occurred_at=occurred_at, filed_at=work.clock.now())
    work.session.add(entry)
    return entry


#: how each kind of repair request is named in the household file
REPAIR_LABELS = {"public_area": "公共区域报修", "in_home_paid": "户内有偿维修",
                 "not_covered": "非保修范围咨询", "unclassified": "报修", "maintenance": "维修工程"}


def file_repair_request(work: Work, ticket: dict) -> Correspondence | None:
    """A repair request (from ``ticket.opened``) goes into the household's correspondence."""
    label = REPAIR_LABELS.get(ticket["category"], "报修")
    return file_correspondence(work, unit_id=ticket["unit_id"], kind="repair_request", ref_type="ticket",
                               ref_id=ticket["ticket_id"], ref_number=ticket["number"],
                               summary=f"{label}: {ticket['content']}", occurred_at=ticket["received_at"])


# -- complaints (投诉) and their replies -------------------------------------------------------------

#: how a complaint kind is named in the file
COMPLAINT_LABELS = {"complaint": "投诉", "quality": "质量投诉"}
#: the correspondence kind of a complaint, by ticket kind
COMPLAINT_KINDS = {"complaint": "complaint", "quality": "quality_complaint"}
#: how each reply is named in the file
REPLY_LABELS = {"first_response": "投诉首次答复", "written_reply": "投诉书面回复", "resolution": "投诉处理结果",
                "explanation": "保修期外说明", "compensation_decision": "赔偿处理决定"}
FORM_LABELS = {"oral": "口头", "written": "书面"}
CLASS_LABELS = {"major": "重大", "key": "重要", "minor": "轻微"}


def file_complaint(work: Work, data: dict):
    """A complaint (``complaint.registered``) goes into the household's correspondence; a public
    matter (no unit) or a unit without a household into the project's (:class:`ProjectCorrespondence`)."""
    label = COMPLAINT_LABELS.get(data["kind"], "投诉")
    klass = f"{CLASS_LABELS[data['complaint_class']]}，" if data.get("complaint_class") else ""
    summary = f"{label}（{FORM_LABELS.get(data['form'], data['form'])}，{klass}{data['department']}）：{data['content']}"
    return _file_either(work, data, kind=COMPLAINT_KINDS.get(data["kind"], "complaint"), ref_type="ticket",
                        ref_id=data["ticket_id"], summary=summary, occurred_at=data["received_at"])


def file_complaint_reply(work: Work, data: dict):
    """A reply to a complaint (``complaint.replied``: first response, written reply, resolution,
    explanation, compensation decision), filed where the complaint is, once per ``reply_id``."""
    label = REPLY_LABELS.get(data["reply_kind"], "投诉答复")
    summary = f"{label}（{data['by']['name'] or data['by']['user_id']}）：{data['body']}"
    return _file_either(work, data, kind="complaint_reply", ref_type="complaint_reply", ref_id=data["reply_id"],
                        summary=summary, occurred_at=data["at"])


# -- praise and suggestions (表扬与建议) and the company's replies ------------------------------------

#: how each sub-kind is named in the file
FEEDBACK_LABELS = {"praise": "表扬", "suggestion": "建议"}
#: how each reply is named in the file (a suggestion's by its decision)
FEEDBACK_REPLY_LABELS = {"praise": "表扬答谢", "adopted": "建议答复（采纳）", "not_adopted": "建议答复（不采纳）"}


def file_feedback(work: Work, data: dict):
    """Praise or a suggestion (``feedback.received``) goes into the household's correspondence (kind
    ``praise`` / ``suggestion``); about the project (no unit) or a unit without a household, into the
    project's."""
    label = FEEDBACK_LABELS.get(data["sub_kind"], "建议")
    named = "、".join(list(data.get("named_staff") or ()) + ([data["department"]] if data.get("department") else []))
    summary = f"{label}" + (f"（{named}）" if named else "") + f"：{data['content']}"
    return _file_either(work, data, kind=data["sub_kind"], ref_type="ticket", ref_id=data["ticket_id"],
                        summary=summary, occurred_at=data["received_at"])


def file_feedback_reply(work: Work, data: dict):
    """The company's reply to praise or a suggestion (``feedback.replied``), filed where the praise /
    suggestion is, once per ``reply_id``; a suggestion not adopted with the reason."""
    label = FEEDBACK_REPLY_LABELS.get(data.get("decision") or data["sub_kind"], "建议答复")
    reason = f"（理由：{data['reason']}）" if data.get("reason") else ""
    summary = f"{label}{reason}（{data['by']['name'] or data['by']['user_id']}）：{data['body']}"
    return _file_either(work, data, kind="feedback_reply", ref_type="feedback_reply", ref_id=data["reply_id"],
                        summary=summary, occurred_at=data["at"])


def _file_either(work: Work, data: dict, *, kind: str, ref_type: str, ref_id: str, summary: str,
                 occurred_at: datetime):
    entry = file_correspondence(work, unit_id=data.get("unit_id"), kind=kind, ref_type=ref_type, ref_id=ref_id,
                                ref_number=data["number"], summary=summary, occurred_at=occurred_at)
    if entry is not None:
        return entry
    return file_project_correspondence(work, project_id=data["project_id"], unit_id=data.get("unit_id"),
                                       kind=kind, ref_type=ref_type, ref_id=ref_id, ref_number=data["number"],
                                       summary=summary, occurred_at=occurred_at)


# -- a renovation's file closed (装修档案归档, 000 §二) -------------------------------------------------

RENOVATION_KIND = "renovation_archive"
RENOVATION_LABEL = "装修档案归档"


def file_renovation(work: Work, data: dict):
    """A renovation closed (tickets' ``renovation.closed``): one line "装修档案归档" in the file of the
    household the event names (its renovation, whether it has moved out since), else the unit's
    active household, else the project's correspondence -- with the renovation's number, its permit's,
    the accepted and closed dates (the project's local dates) and its documents (their types and
    archive's ids, already in the store under the household: one the household's file does not hold
    is marked 未入档). Once per renovation: the same event again, or another one of it, files nothing
    new and returns the line filed."""
    project = work.session.get(Project, data["project_id"])
    if project is None or project.group_id != data["group_id"] or (
            work.caller.group_id is not None and project.group_id != work.caller.group_id):
        return None
    household = _renovation_household(work, data)
    summary = _renovation_summary(work, data, project, household)
    if household is None:
        return file_project_correspondence(work, project_id=project.id, unit_id=data["unit_id"],
                                           kind=RENOVATION_KIND, ref_type="renovation",
                                           ref_id=data["renovation_id"], ref_number=data["number"],
                                           summary=summary, occurred_at=data["closed_at"])
    existing = work.session.scalars(select(Correspondence).where(
        Correspondence.ref_type == "renovation", Correspondence.ref_id == data["renovation_id"],
        Correspondence.kind == RENOVATION_KIND, Correspondence.project_id == project.id)).first()
    if existing is not None:
        return existing
    entry = Correspondence(id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
                           household_id=household.id, kind=RENOVATION_KIND, ref_type="renovation",
                           ref_id=data["renovation_id"], ref_number=data["number"], summary=summary[:2000],
                           occurred_at=data["closed_at"], filed_at=work.clock.now())
    work.session.add(entry)
    return entry


def _renovation_household(work: Work, data: dict) -> Household | None:
    """The household the event names (same project and unit), else the unit's active one."""
    if data.get("household_id"):
        named = work.session.get(Household, data["household_id"])
        if named is not None and (named.project_id, named.unit_id) == (data["project_id"], data["unit_id"]):
            return named
    return work.session.scalars(select(Household).where(
        Household.unit_id == data["unit_id"], Household.project_id == data["project_id"],
        Household.status == "active")).first()


def _renovation_summary(work: Work, data: dict, project: Project, household: Household | None) -> str:
    from .catalogue import DEFAULT_TITLES
    tz = ZoneInfo(project.timezone or "Asia/Shanghai")

    def day(at) -> str:
        return at.astimezone(tz).date().isoformat() if at else "无"
    held = set()
    ids = [d["document_id"] for d in data["documents"]]
    if household is not None and ids:
        held = set(work.session.scalars(select(Document.id).where(
            Document.household_id == household.id, Document.id.in_(ids))))
    documents = "、".join(
        f"{DEFAULT_TITLES.get(d['doc_type'], d['doc_type'])}（{d['document_id']}"
        + ("" if d["document_id"] in held else "，未入档") + "）" for d in data["documents"]) or "无"
    return (f"{RENOVATION_LABEL}：装修申请 {data['number']}，装修许可证 {data.get('permit_number') or '无'}，"
            f"验收 {day(data.get('accepted_at'))}，关闭 {day(data['closed_at'])}；资料：{documents}")


def file_project_correspondence(work: Work, *, project_id: str, unit_id: str | None, kind: str, ref_type: str,
                                ref_id: str, ref_number: str, summary: str,
                                occurred_at: datetime) -> ProjectCorrespondence | None:
    """File in the project's correspondence; the same reference twice is a no-op."""
    project = work.session.get(Project, project_id)
    if project is None or (work.caller.group_id is not None and project.group_id != work.caller.group_id):
        return None
    existing = work.session.scalars(select(ProjectCorrespondence).where(
        ProjectCorrespondence.project_id == project.id, ProjectCorrespondence.ref_type == ref_type,
        ProjectCorrespondence.ref_id == ref_id, ProjectCorrespondence.kind == kind)).first()
    if existing is not None:
        return existing
    entry = ProjectCorrespondence(id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id,
                                  unit_id=unit_id, kind=kind, ref_type=ref_type, ref_id=ref_id,
                                  ref_number=ref_number, summary=summary[:2000], occurred_at=occurred_at,
                                  filed_at=work.clock.now())
    work.session.add(entry)
    return entry


def project_correspondence(work: Work, project_id: str, limit: int = 50, offset: int = 0) -> list:
    """The project's correspondence, newest first: the customer-service department's, as files."""
    caller = work.caller
    project = work.session.get(Project, project_id)
    not_found = ProjectNotFound(f"no project {project_id}")
    if project is None:
        raise not_found
    caller.require_project(project.group_id, project.id, not_found=not_found, conceal=True)
    if not (caller.is_system or caller.roles & FILE_READER_ROLES):
        raise FileAccessDenied("the project's correspondence is read by the customer-service department")
    return list(work.session.scalars(select(ProjectCorrespondence).where(
        ProjectCorrespondence.project_id == project.id)
        .order_by(ProjectCorrespondence.occurred_at.desc(), ProjectCorrespondence.id)
        .limit(limit).offset(offset)))


def record_balance(work: Work, *, unit_id: str, balance_due, as_of: datetime,
                   household_id: str | None = None) -> Household | None:
    """Keep the payment status summary (缴费情况) of the household current: the fee account's
    balance from ``account.balance_changed`` (the household it names, else the unit's current
    one). Each event carries the whole balance, so the latest ``as_of`` wins."""
    household = work.session.get(Household, household_id) if household_id else None
    if household is None or household.unit_id != unit_id:
        household = active_household(work, unit_id)
    if household is None:
        return None
    if work.caller.group_id is not None and household.group_id != work.caller.group_id:
        return None
    if household.balance_as_of is None or household.balance_as_of <= as_of:
        household.balance_due = balance_due
        household.balance_as_of = as_of
    return household

