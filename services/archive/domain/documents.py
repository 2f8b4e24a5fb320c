"""Documents of a household file (档案文件) and the catalogue of what each file should hold (档案目录).

- **Upload** (customer service: front desk, steward, CS manager, centre manager of the project): a
  new *version* of a document type of the household -- 1, 2, 3... per household and type; earlier
  versions stay readable. The content must be a PDF, JPEG or PNG *by its first bytes* (the declared
  type must agree: 415 ``unsupported_document_type``), at most ``archive.document_max_bytes``
  (413 ``document_too_large``); its SHA-256 is returned, kept, and checked again on every download
  (a mismatch: 409 ``document_checksum_mismatch`` and an ERROR line -- the content is not served).
  The bytes go to ``kernel.storage`` under a key we generate
  (``archive/<group>/<project>/households/<household>/<document id>``); the uploaded file's name
  is kept for display only. Residents do not upload: the desk files copies after seeing the
  originals (ID cards, contracts).
- **Reads** -- the versions, a version's content, the file's catalogue -- go through
  :func:`_require_read`: the customer-service department of the project with a stated purpose, or
  a resident of the household (their own documents), each read one row in the file's access log
  (业户档案查阅记录表). Anyone else outside the household's unit scope -- another project's staff,
  another household's resident, another group -- gets 404 ``household_not_found``, as for a
  household that does not exist.
- **The catalogue** of a project: which document types are expected, by section (move_in, lease,
  transfer, renovation) and condition; the group's default (:data:`DEFAULT_CATALOGUE`) until the
  CS manager or centre manager saves the project's own list. A household file shows each expected
  type present (with its current version) or missing; *present* is "a version was uploaded" or
  "the checklist item was confirmed" (``FileDocument.status == "present"``: move-in's
  ``documents_received``, the move-in/transfer checklists).
"""
from __future__ import annotations

import base64
import binascii
import logging
import re
import unicodedata
import uuid

from marshmallow import ValidationError, fields, validate
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kernel.errors import Conflict, Gone, InvalidInput, NotFound, PayloadTooLarge, RuleViolation, UnsupportedMediaType
from kernel.settings import Setting
from kernel.storage import Storage, StorageUnavailable, StoredObjectMissing, make_key, sha256_hex  # noqa: F401  (sha256_hex: service.py)
from kernel.tenancy import Role
from kernel.work import Work

from ..exceptions import FileAccessDenied, HouseholdNotFound, ProjectNotFound
from ..models import CatalogueEntry, Document, FileDocument, Household, HouseholdErasure, Project
from . import access

log = logging.getLogger(__name__)

# -- settings -------------------------------------------------------------------------------------

MAX_BYTES = "archive.document_max_bytes"
CONTENT_TYPES = "archive.document_content_types"
#: the largest a project may allow: the gateway refuses a bigger body before asking (413), and the
#: content travels over RPC in base64 (RabbitMQ 4's default message limit is 16 MiB; 3.x: 128 MiB)
HARD_MAX_BYTES = 25 * 1024 * 1024

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
#: what a content's first bytes say it is (only these three can be filed)
MAGIC = ((b"%PDF-", PDF), (b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG))
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
#: declared types that say nothing (a browser's or curl's default): the content decides
UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}


def _content_types(value):
    if not value or len(set(value)) != len(value):
        raise ValidationError("one or more of application/pdf, image/jpeg, image/png, each once")


SETTINGS = [
    Setting(MAX_BYTES, fields.Integer(strict=True, validate=validate.Range(min=1024, max=HARD_MAX_BYTES)),
            default=10 * 1024 * 1024, unit="bytes",
            doc="the largest document (one file) that may be uploaded to a household file (10 MiB; at most 25 MiB)"),
    Setting(CONTENT_TYPES, fields.List(fields.String(validate=validate.OneOf([PDF, JPEG, PNG])),
                                       validate=_content_types),
            default=[PDF, JPEG, PNG], unit="content types",
            doc="the kinds of file a household file takes, recognised by their first bytes (PDF, JPEG, PNG)"),
]
# -- the catalogue ----------------------------------------------------------------------------------

#: the sections, conditions and the group's default catalogue: THE one list of document types
#: (``catalogue.py``): the move-in's and the transfer's documents_received, checklist ticks and uploads
from .catalogue import CONDITIONS, DEFAULT_CATALOGUE, DEFAULT_TITLES, SECTIONS, TITLES_EN  # noqa: E402,F401
#: a document of a type the catalogue does not name: filed under "other" with its own title
OTHER = "other"
DEFAULT_TITLES = {**DEFAULT_TITLES, OTHER: "其他"}

UPLOAD_ROLES = Role.CUSTOMER_SERVICE
CATALOGUE_EDIT_ROLES = (Role.CS_MANAGER, Role.CENTRE_MANAGER)


class UnknownDocumentType(RuleViolation):
    default_code = "unknown_doc_type"
    zh = "该资料类型不在本项目的档案目录中"


class DocumentNotFound(NotFound):
    default_code = "document_not_found"
    zh = "未找到该档案文件"


class DocumentTooLarge(PayloadTooLarge):
    default_code = "document_too_large"
    zh = "文件超过本项目允许的大小"


class UnsupportedDocumentType(UnsupportedMediaType):
    default_code = "unsupported_document_type"
    zh = "不支持该文件格式（仅限 PDF、JPEG、PNG）"


class DocumentChecksumMismatch(Conflict):
    """The stored content of a version no longer has the checksum recorded at upload: it is not
    served (restore it from the backup)."""
    default_code = "document_checksum_mismatch"
    zh = "存储的文件内容与登记的校验值不符，已停止提供，请联系管理员从备份恢复"


class DocumentErased(Gone):
    """The version's content was erased under the retention rule (a household that moved out
    ``archive.moved_out_keep_years`` ago); its record -- type, version, checksum, who uploaded it
    and when -- stays (410)."""
    default_code = "document_erased"
    zh = "该文件内容已按保管期限删除"


class HouseholdErased(RuleViolation):
    """The household's personal data was erased under the retention rule: its file takes no new
    documents (422)."""
    default_code = "household_erased"
    zh = "该户个人资料已按保管期限删除，档案不再接收新文件"


PurposeRequired = access.PurposeRequired


class VersionConflict(Conflict):
    default_code = "document_version_conflict"
    zh = "同一时刻已有另一版本归档，请重新上传"


# -- who may read (the one check every document read goes through) ---------------------------------

def _household(work: Work, household_id: str) -> Household:
    """The household if the caller's scope holds its unit -- else 404 for everyone (another
    project's staff too: a document route tells nobody outside that the household exists). A
    resident sees only the unit's *current* household."""
    household = work.session.get(Household, household_id)
    caller = work.caller
    if household is None or not caller.sees_unit(household.group_id, household.project_id, household.unit_id) \
            or (caller.is_resident and household.status != "active"):
        raise HouseholdNotFound(f"no household {household_id}")
    return household


def _own(work: Work, household: Household) -> bool:
    caller = work.caller
    return caller.is_resident and household.unit_id in caller.unit_ids and household.status == "active"


def _require_read(work: Work, household: Household, what: str, purpose: str | None) -> None:
    """THE access check of a document read, and its line in the file's access log: ``access.require_read``
    (the customer-service department of the project, a resident of the household reading their own
    documents, anyone else under the CS head's grant -- refusals logged too). Staff state why they read
    (``purpose``, 400 ``purpose_required``); a resident's own read is logged as ``own household``."""
    access.require_read(work, household, what, purpose, asks_purpose=True)


# -- the catalogue of a project --------------------------------------------------------------------

def project_entries(work: Work, project_id: str) -> tuple[str, list[dict]]:
    """The project's catalogue (its own list, else the group's default): ``(source, entries)``, each
    entry ``{section, doc_type, title, title_en, condition}``. The checklist, the move-in and the
    transfer take their types from it as the uploads do."""
    return _entries(work, project_id)


def entry_for(work: Work, project_id: str, doc_type: str, section: str | None = None) -> dict:
    """The project catalogue's entry of ``doc_type`` (of ``section`` when given); else 422
    ``unknown_doc_type`` naming the types that are."""
    _, entries = _entries(work, project_id)
    entry = next((e for e in entries if e["doc_type"] == doc_type and section in (None, e["section"])), None)
    if entry is None:
        known = [e["doc_type"] for e in entries if section in (None, e["section"])]
        where = f"the {section} section of " if section else ""
        raise UnknownDocumentType(f"{doc_type[:60]!r} is not in {where}the project's document catalogue",
                                  details={"known": known})
    return entry


def _entries(work: Work, project_id: str) -> tuple[str, list[dict]]:
    rows = work.session.scalars(select(CatalogueEntry).where(CatalogueEntry.project_id == project_id)
                                .order_by(CatalogueEntry.position)).all()
    if rows:
        return "project", [{"section": r.section, "doc_type": r.doc_type, "title": r.title,
                            "title_en": TITLES_EN.get(r.doc_type, ""), "condition": r.condition} for r in rows]
    return "group_default", [{"section": s, "doc_type": d, "title": t, "title_en": TITLES_EN.get(d, ""),
                              "condition": c} for s, d, t, c in DEFAULT_CATALOGUE]


def _catalogue_project(work: Work, project_id: str) -> Project:
    """The project (404 for another project's staff, as for one that does not exist); a resident of
    the project is refused by the role check (403 ``role_required``)."""
    from .registry import get_project
    return get_project(work, project_id, conceal=True)


def project_catalogue(work: Work, project_id: str) -> dict:
    """The project's catalogue of expected documents (the customer-service department's)."""
    project = _catalogue_project(work, project_id)
    work.caller.require_role(*Role.CUSTOMER_SERVICE)
    source, entries = _entries(work, project.id)
    return {"project_id": project.id, "source": source, "entries": entries}


def replace_catalogue(work: Work, project_id: str, data: dict) -> dict:
    """Save the project's own catalogue (the whole list, in order): the CS manager or the centre
    manager. Documents already filed keep their type; a type no longer listed is still shown in
    the files that hold it."""
    project = _catalogue_project(work, project_id)
    work.caller.require_role(*CATALOGUE_EDIT_ROLES)
    entries = data["entries"]
    seen = set()
    for entry in entries:
        if entry["doc_type"] in seen:
            raise InvalidInput(f"{entry['doc_type']!r} is listed twice", code="duplicate_doc_type",
                               zh=f"资料类型「{entry['title']}」重复列出")
        seen.add(entry["doc_type"])
    now = work.clock.now()
    for row in work.session.scalars(select(CatalogueEntry).where(CatalogueEntry.project_id == project.id)):
        work.session.delete(row)
    work.session.flush()
    for position, entry in enumerate(entries):
        work.session.add(CatalogueEntry(
            id=str(uuid.uuid4()), group_id=project.group_id, project_id=project.id, section=entry["section"],
            doc_type=entry["doc_type"], title=entry["title"], condition=entry["condition"], position=position,
            updated_by=work.caller.user_id, updated_at=now))
    log.info("archive: catalogue of project %s replaced by %s (%d entries): %s", project.id,
             work.caller.user_id, len(entries), data.get("reason", ""))
    return project_catalogue(work, project.id)


# -- upload ---------------------------------------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """The content type the first bytes say, among PDF, JPEG, PNG (else None)."""
    for magic, content_type in MAGIC:
        if data.startswith(magic):
            return content_type
    return None


#: what a displayed file name never keeps: controls, invisible and bidirectional characters (a name
#: "a\u202egpj.exe" reads "aexe.jpg"), line separators, quotes (a header's parameter ends at one)
_UNSEEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_QUOTES = frozenset("\"'`")


def display_name(file_name: str | None) -> str:
    """What the uploader's file was called, for display: its last path part, without control,
    invisible or bidirectional characters and quotes, at most 200 characters (never used to build a
    path or a key; a download adds the real extension when the name does not end with it)."""
    name = unicodedata.normalize("NFC", file_name or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if c not in _QUOTES and unicodedata.category(c) not in _UNSEEN)
    return name.strip().strip(".").strip()[:200]


def decode_content(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("content_base64 is not base64", code="invalid_content", zh="文件内容编码有误") from None


def upload(work: Work, storage: Storage, household_id: str, data: dict, content: bytes) -> Document:
    """File a new version of ``data["doc_type"]`` in the household's file (see the module doc)."""
    household = _household(work, household_id)
    caller = work.caller
    if not caller.has_role(*UPLOAD_ROLES):
        raise FileAccessDenied("documents are filed by the customer-service department "
                               "(front desk, steward, CS manager, centre manager)", code="role_required",
                               zh="档案文件由客服部（总台、管家、客服部经理、服务中心经理）归档")
    if work.session.get(HouseholdErasure, household.id) is not None:
        raise HouseholdErased("this household moved out and its personal data was erased under the retention "
                              "rule; its file takes no new documents",
                              zh="该户已迁出，其个人资料已按保管期限删除，档案不再接收新文件")
    source, entries = _entries(work, household.project_id)
    entry = next((e for e in entries if e["doc_type"] == data["doc_type"]), None)
    if entry is None and data["doc_type"] != OTHER:
        raise UnknownDocumentType(
            f"{data['doc_type']!r} is not in the project's catalogue; known: "
            f"{', '.join(e['doc_type'] for e in entries)}, or {OTHER!r} with a title")
    if entry is None and not data.get("title"):
        raise InvalidInput("a document of type 'other' needs a title", code="title_required",
                           zh="「其他」类资料须填写标题")
    limit = work.settings.get(household.project_id, MAX_BYTES)
    if len(content) > limit:
        raise DocumentTooLarge(f"the document is {len(content)} bytes; this project takes at most {limit} "
                               f"bytes ({limit / 1048576:.1f} MiB) per file",
                               details={"size": len(content), "max_bytes": limit},
                               zh=f"文件过大：本项目每个文件最多 {limit / 1048576:.1f} MiB")
    if not content:
        raise InvalidInput("the file is empty", code="empty_document", zh="文件是空的")
    allowed = work.settings.get(household.project_id, CONTENT_TYPES)
    actual = sniff(content)
    declared = (data.get("content_type") or "").split(";")[0].strip().lower()
    if actual is None or actual not in allowed:
        what = f"a {actual}" if actual else "none of PDF, JPEG or PNG"
        raise UnsupportedDocumentType(f"the content is {what} by its first bytes; this project files "
                                      f"{', '.join(allowed)}", details={"allowed": allowed, "detected": actual})
    if declared not in UNDECLARED and declared != actual and not (declared == "image/jpg" and actual == JPEG):
        raise UnsupportedDocumentType(f"the file is declared {declared} but its content is {actual}",
                                      details={"declared": declared, "detected": actual})
    latest = work.session.scalar(select(func.max(Document.version)).where(
        Document.household_id == household.id, Document.doc_type == data["doc_type"])) or 0
    document = Document(
        id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
        household_id=household.id, doc_type=data["doc_type"], section=entry["section"] if entry else OTHER,
        title=data.get("title") or entry["title"], version=latest + 1, storage_key="",
        file_name=display_name(data.get("file_name")), content_type=actual, size=len(content),
        sha256=sha256_hex(content), uploaded_by_id=caller.user_id, uploaded_by_name=caller.name or "",
        uploaded_at=work.clock.now(), note=data.get("note") or "")
    document.storage_key = make_key("archive", household.group_id, household.project_id, "households",
                                    household.id, document.id)
    try:
        with work.session.begin_nested():
            work.session.add(document)
            work.session.flush()
    except IntegrityError:
        raise VersionConflict("another version of this document was filed at the same moment; "
                              "send it again") from None
    _mark_present(work, household, document)
    # the bytes last: a failed write raises and the row is rolled back with the request; a
    # failed commit after it leaves only unreferenced bytes under a fresh key
    checksum = storage.put(document.storage_key, content, actual)
    if checksum != document.sha256:       # the store hashed other bytes than we did
        raise DocumentChecksumMismatch("the stored content does not match what was sent; send it again")
    return document


def _mark_present(work: Work, household: Household, document: Document) -> None:
    """Uploading a document of a type ticks it in the file's catalogue (FileDocument)."""
    row = work.session.scalars(select(FileDocument).where(
        FileDocument.household_id == household.id, FileDocument.doc_type == document.doc_type)).first()
    if row is None:
        work.session.add(FileDocument(
            id=str(uuid.uuid4()), group_id=household.group_id, project_id=household.project_id,
            household_id=household.id, doc_type=document.doc_type, section=document.section,
            status="present", received_at=document.uploaded_at, note=""))
    elif row.status != "present":
        row.status, row.received_at = "present", document.uploaded_at


# -- reads ----------------------------------------------------------------------------------------

def _current_versions(work: Work, household_id: str) -> dict[str, int]:
    return dict(work.session.execute(select(Document.doc_type, func.max(Document.version))
                                     .where(Document.household_id == household_id)
                                     .group_by(Document.doc_type)).all())


def list_documents(work: Work, household_id: str, doc_type: str | None, purpose: str | None) -> list[dict]:
    """Every version of the household's documents (of one type), newest first per type, each
    saying whether it is the current one."""
    household = _household(work, household_id)
    _require_read(work, household, f"documents{':' + doc_type if doc_type else ''}", purpose)
    query = select(Document).where(Document.household_id == household.id)
    if doc_type:
        query = query.where(Document.doc_type == doc_type)
    rows = work.session.scalars(query.order_by(Document.section, Document.doc_type,
                                               Document.version.desc())).all()
    current = _current_versions(work, household.id)
    return [document_view(d, current.get(d.doc_type) == d.version) for d in rows]


def unit_document(work: Work, unit_id: str, document_id: str, purpose: str | None) -> dict:
    """One document (its record, no content) of the file of ``unit_id``'s *current* household --
    for another service that records a reference to it (tickets' renovation checklist). Read
    through the one check (:func:`_require_read`, logged in the file's access log); a unit outside
    the caller's scope is 404 as everywhere, and a document that is not in that household's file
    (another household's, an earlier household's, none at all) is 404 ``document_not_found``."""
    from .registry import active_household, get_unit
    unit = get_unit(work, unit_id, conceal=True)
    household = active_household(work, unit.id)
    if household is None:
        raise DocumentNotFound(f"unit {unit.id} has no current household: no document {document_id}")
    document = work.session.get(Document, document_id)
    found = document is not None and document.household_id == household.id
    _require_read(work, household, f"document:{document.doc_type} v{document.version}" if found
                  else f"document:{document_id[:36]}", purpose)
    if not found:
        raise DocumentNotFound(f"no document {document_id} in the household file of unit {unit.id}")
    current = _current_versions(work, household.id).get(document.doc_type) == document.version
    return document_view(document, current)


def document_view(document: Document, current: bool) -> dict:
    return {"id": document.id, "household_id": document.household_id, "project_id": document.project_id,
            "doc_type": document.doc_type, "section": document.section, "title": document.title,
            "version": document.version, "current": current, "file_name": document.file_name,
            "content_type": document.content_type, "size": document.size, "sha256": document.sha256,
            "uploaded_by": {"user_id": document.uploaded_by_id, "name": document.uploaded_by_name},
            "uploaded_at": document.uploaded_at, "note": document.note,
            "erased": document.erased_at is not None, "erased_at": document.erased_at}


def download(work: Work, storage: Storage, household_id: str, document_id: str, purpose: str | None) -> dict:
    """A version's content, checked against its checksum before it is served."""
    household = _household(work, household_id)
    document = work.session.get(Document, document_id)
    if document is None or document.household_id != household.id:
        raise DocumentNotFound(f"no document {document_id} in this household file")
    _require_read(work, household, f"document:{document.doc_type} v{document.version}", purpose)
    if document.erased_at is not None:
        raise DocumentErased(
            f"the content of {document.doc_type} version {document.version} was erased on "
            f"{document.erased_at.date().isoformat()} under the retention rule (the household moved out more "
            "than archive.moved_out_keep_years ago); the version's record stays in the file's listing",
            zh=f"该文件（第{document.version}版）的内容已于{document.erased_at.date().isoformat()}按保管期限删除，"
               "仅保留归档记录",
            details={"document_id": document.id, "erased_at": document.erased_at.isoformat()})
    try:
        content = storage.get(document.storage_key)
    except StoredObjectMissing:
        # the operator's line names the key; the reader's message does not (kernel.storage)
        log.error("archive: document %s (household %s, %s v%d) has no stored content under %s: restore it "
                  "from the backup", document.id, household.id, document.doc_type, document.version,
                  document.storage_key)
        raise
    checksum = sha256_hex(content)
    if checksum != document.sha256 or len(content) != document.size:
        log.error("archive: document %s (household %s, %s v%d) failed its checksum: stored %s (%d bytes), "
                  "recorded %s (%d bytes) under %s", document.id, household.id, document.doc_type,
                  document.version, checksum, len(content), document.sha256, document.size, document.storage_key)
        raise DocumentChecksumMismatch(
            f"the stored content of {document.doc_type} version {document.version} does not match its checksum "
            "and is not served; the administrator restores it from the backup",
            details={"document_id": document.id, "sha256": document.sha256})
    current = _current_versions(work, household.id).get(document.doc_type) == document.version
    ext = EXTENSIONS.get(document.content_type, "bin")
    name = document.file_name or f"{document.title.split(' / ')[0]}-v{document.version}.{ext}"
    if not name.lower().endswith("." + ext):
        name = f"{name}.{ext}"
    return {**document_view(document, current), "content": content,
            "download_name": f"{document.doc_type}-v{document.version}.{ext}", "utf8_download_name": name}


class CatalogueItem(dict):
    """One line of a file's catalogue; its keys read as attributes too (``item.status``), as the
    ``FileDocument`` rows the file read listed before."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _expected(entry: dict, household: Household, opened: set[str]) -> bool:
    condition = entry["condition"]
    if condition == "always":
        return True
    if condition == "by_proxy":
        return bool(household.by_proxy)
    if condition == "has_tenant":
        return any(p.role == "tenant" for p in household.people)
    return entry["section"] in opened          # "section"


def catalogue_for(work: Work, household: Household) -> list[dict]:
    """The household file's catalogue: each expected type (and each type present though not
    expected) with present/missing, whether it was confirmed on a checklist, and its current
    version. No access check: callers did it (``file_catalogue``, ``files.read_file``)."""
    source, entries = _entries(work, household.project_id)
    ticks = {r.doc_type: r for r in work.session.scalars(select(FileDocument).where(
        FileDocument.household_id == household.id))}
    current = {d.doc_type: d for d in work.session.scalars(
        select(Document).where(Document.household_id == household.id).order_by(Document.version))}
    opened = {r.section for r in ticks.values()} | {d.section for d in current.values()}
    listed = {e["doc_type"] for e in entries}
    # what the file holds though the catalogue does not list it (any more): shown while present
    extra = [{"section": r.section, "doc_type": r.doc_type, "title": DEFAULT_TITLES.get(r.doc_type, r.doc_type),
              "title_en": TITLES_EN.get(r.doc_type, ""), "condition": "always"} for r in ticks.values() if r.doc_type not in listed and r.status == "present"]
    extra += [{"section": d.section, "doc_type": d.doc_type, "title": d.title, "title_en": "", "condition": "always"}
              for d in current.values() if d.doc_type not in listed and d.doc_type not in ticks]
    out = []
    for entry in entries + sorted(extra, key=lambda e: (SECTIONS.index(e["section"]) if e["section"] in SECTIONS
                                                         else len(SECTIONS), e["doc_type"])):
        tick, document = ticks.get(entry["doc_type"]), current.get(entry["doc_type"])
        confirmed = tick is not None and tick.status == "present"
        present = confirmed or document is not None
        if not (present or _expected(entry, household, opened)):
            continue
        out.append(CatalogueItem({
            "doc_type": entry["doc_type"], "section": entry["section"], "title": entry["title"],
            "title_en": entry.get("title_en", ""),
            "status": "present" if present else "missing", "present": present, "confirmed": confirmed,
            "received_at": document.uploaded_at if document is not None else (tick.received_at if tick else None),
            "note": tick.note if tick is not None else "",
            "current": document_view(document, True) if document is not None else None,
        }))
    return out


def file_catalogue(work: Work, household_id: str, purpose: str | None) -> dict:
    household = _household(work, household_id)
    _require_read(work, household, "catalogue", purpose)
    source, _ = _entries(work, household.project_id)
    items = catalogue_for(work, household)
    return {"household_id": household.id, "project_id": household.project_id, "source": source,
            "items": items, "missing": [i["doc_type"] for i in items if not i["present"]]}


# -- the retention erasure of the content -----------------------------------------------------------

#: the job that deletes erased versions' content from the store, one per household (key: its id)
ERASE_JOB = "document-erase"
#: a store that stays away is retried with the runner's backoff (up to an hour apart) this many times
ERASE_JOB_ATTEMPTS = 20


def erase_content(work: Work, household: Household) -> dict:
    """The retention erasure's part of the household's documents (``retention.ERASERS``): every
    version not yet erased is marked (``erased_at``; type, version, size, checksum, uploader and
    upload time stay) and the job :data:`ERASE_JOB` is scheduled in the same transaction. The bytes
    are deleted by that job, i.e. only after this marking has committed: a crash never leaves a
    version shown present whose content is gone (at worst, bytes of a version marked erased wait
    for the job's next attempt). Returns ``{"documents_erased": versions}``."""
    now = work.clock.now()
    versions = work.session.scalars(select(Document).where(Document.household_id == household.id,
                                                           Document.erased_at.is_(None))).all()
    for document in versions:
        document.erased_at = now
    if versions:
        work.session.flush()
        work.jobs.schedule(ERASE_JOB, key=household.id, due_at=now, payload={"household_id": household.id},
                           group_id=household.group_id, project_id=household.project_id,
                           max_attempts=ERASE_JOB_ATTEMPTS)
    return {"documents_erased": len(versions)}


def delete_erased_content(work: Work, job) -> None:
    """The :data:`ERASE_JOB` handler: delete the content of the household's erased versions from
    the service's store (``work.storage``, given to job handlers by ``kernel.jobs``). Safe to run
    again -- a retry after a crash finds some objects gone already, which is fine; a store that
    cannot be reached raises and the job is retried."""
    if work.storage is None:
        raise StorageUnavailable("archive's job runner has no file store (declare a kernel.storage.StorageProvider)")
    keys = work.session.scalars(select(Document.storage_key).where(
        Document.household_id == job.payload["household_id"], Document.erased_at.is_not(None))
        .order_by(Document.storage_key)).all()
    for key in keys:
        work.storage.delete(key)
    log.info("archive: deleted the content of %d erased document version(s) of household %s from %s",
             len(keys), job.payload["household_id"], work.storage.describe())
