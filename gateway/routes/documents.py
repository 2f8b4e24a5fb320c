"""Documents of a household file (档案文件, issue 11): upload a new version, list the versions, download
one, the file's catalogue (present / missing), and the project's catalogue of expected documents.

archive holds the rules and the content (``services/archive/domain/documents.py``, ``kernel.storage``);
the content travels over RPC in base64, as notify's PDFs do, and is served here as a file.

**Upload** is ``multipart/form-data`` -- what a portal's ``<form enctype="multipart/form-data">`` or
``fetch`` with a ``FormData`` sends, and ``curl -F``: a part ``file`` (the document; its file name is
kept for display only, its declared type must agree with its first bytes), a field ``doc_type`` and
optionally ``title`` (required for ``other``) and ``note``. An ``Idempotency-Key`` header is required
(a file re-sent after a timeout must not become a second version).
"""
from __future__ import annotations

import base64
import re

from werkzeug.exceptions import RequestEntityTooLarge

from .. import schemas as s
from ..errors import HttpError, file_response
from ..routing import Created, route
from .base import V1, RouteModule

#: the largest upload body the gateway reads: the highest per-project limit (25 MiB) and the form
UPLOAD_MAX = 25 * 1024 * 1024 + 64 * 1024
CS = "front desk, steward, CS manager, centre manager of the project"
READERS = f"{CS}, with a purpose; the household's own residents"
FILE_ERRORS = (400, 403, 404)

UPLOAD_DOC = (
    "multipart/form-data: part `file` (a PDF, JPEG or PNG -- recognised by its first bytes; a declared type "
    "that disagrees is refused), fields `doc_type` (a type of the project's catalogue, or `other` with a "
    "`title`), `title`, `note`. Idempotency-Key required. Answers the new version with its sha256. "
    "413 document_too_large over the project's archive.document_max_bytes (10 MiB by default); 415 "
    "unsupported_document_type for another kind of file; 422 unknown_doc_type. Residents do not upload: the "
    "desk files copies after seeing the originals.")


UPLOAD_TOO_LARGE = "an upload is at most 25 MiB (the file and its form); a project may take less per file"
UPLOAD_TOO_LARGE_ZH = "上传内容最多 25 MiB（文件及表单），项目可能规定更小的单个文件上限"

#: a ``filename`` parameter of a part's Content-Disposition (a name with an unescaped quote makes two)
_FILENAME_PARAM = re.compile(r";\s*filename\s*=", re.IGNORECASE)


def upload_form(request) -> tuple[dict, bytes, str, str]:
    """The multipart body's fields, the file's bytes, name and declared type (400/413/415 otherwise)."""
    if request.content_length and request.content_length > UPLOAD_MAX:
        raise HttpError(413, "body_too_large", UPLOAD_TOO_LARGE, zh=UPLOAD_TOO_LARGE_ZH)
    if request.mimetype != "multipart/form-data":
        raise HttpError(415, "multipart_required",
                        "send the document as multipart/form-data with a part named file",
                        zh="请以 multipart/form-data 表单上传文件（文件字段名为 file）")
    request.max_content_length = UPLOAD_MAX
    request.max_form_memory_size = 64 * 1024
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        raise HttpError(413, "body_too_large", UPLOAD_TOO_LARGE, zh=UPLOAD_TOO_LARGE_ZH) from None
    upload = files.get("file")
    if upload is None:
        raise HttpError(400, "file_required", "the form has no part named file", zh="表单中没有文件（字段名 file）")
    disposition = upload.headers.get("Content-Disposition", "")
    if len(_FILENAME_PARAM.findall(disposition)) > 1:     # filename="a"; filename=evil.html": which one?
        raise HttpError(400, "invalid_file_name", "the file part names its file more than once (a quote inside "
                        "the name must be escaped); send one file name", zh="文件名重复或含未转义的引号，请只提供一个文件名")
    try:
        content = upload.read(UPLOAD_MAX + 1)
    except RequestEntityTooLarge:
        raise HttpError(413, "body_too_large", UPLOAD_TOO_LARGE, zh=UPLOAD_TOO_LARGE_ZH) from None
    if len(content) > UPLOAD_MAX:
        raise HttpError(413, "body_too_large", UPLOAD_TOO_LARGE, zh=UPLOAD_TOO_LARGE_ZH)
    fields = {}
    for key in ("doc_type", "title", "note"):
        value = form.get(key)
        if value is not None:
            fields[key] = value
    data = s.DocumentUploadForm().load(fields)
    return data, content, upload.filename or "", upload.mimetype or ""


class DocumentRoutes(RouteModule):
    @route("POST", f"{V1}/households/{{household_id}}/documents", tags=("archive",),
           response=s.HouseholdDocumentOut, status=201, errors=(400, 403, 404, 413, 415, 422), idempotency="required",
           max_body=UPLOAD_MAX, summary=f"File a new version of a document of the household file ({CS})",
           description=UPLOAD_DOC)
    def upload_document(self, request, user, household_id, idempotency_key):
        data, content, file_name, declared = upload_form(request)
        document = self._as(user)("archive", "upload_document", household_id, {
            **{k: v for k, v in data.items() if v is not None}, "file_name": file_name[:1000],
            "content_type": declared[:200], "content_base64": base64.b64encode(content).decode("ascii")},
            idempotency_key=idempotency_key)
        return Created(document, True)

    @route("GET", f"{V1}/households/{{household_id}}/documents", tags=("archive",), query=s.DocumentListQuery,
           response=s.HouseholdDocumentOut, many=True, errors=FILE_ERRORS,
           summary=f"Every version of the household file's documents, newest first per type ({READERS})",
           description="Each read is a line of the file's access log. Another household's or project's: 404. A "
                       "version erased under the retention rule is listed with erased: true and erased_at (its "
                       "type, version, size, checksum, uploader and upload time kept).")
    def household_documents(self, request, user, household_id, query):
        return self._as(user)("archive", "list_documents", household_id, query["doc_type"], query["purpose"])

    @route("GET", f"{V1}/households/{{household_id}}/documents/{{document_id}}/content", tags=("archive",),
           query=s.DocumentReadQuery, media_type="application/octet-stream", errors=FILE_ERRORS + (409, 410),
           summary=f"Download one version of a document ({READERS})",
           description="The file as it was uploaded: Content-Type application/pdf, image/jpeg or image/png; "
                       "Content-Disposition attachment with an ASCII name (<doc_type>-v<version>.<ext>) and the "
                       "uploaded file's name (filename*=UTF-8''...); ETag \"<sha256>\". The content is checked "
                       "against its checksum first: a mismatch answers 409 document_checksum_mismatch (restore "
                       "it from the backup). A version whose content was erased under the retention rule (a "
                       "household that moved out archive.moved_out_keep_years ago) answers 410 document_erased; "
                       "its record stays in the listing (erased, erased_at). Each download is a line of the file's "
                       "access log.")
    def download_document(self, request, user, household_id, document_id, query):
        out = self._as(user)("archive", "download_document", household_id, document_id, query["purpose"])
        response = file_response(base64.b64decode(out["content_base64"]), out["content_type"], out["download_name"],
                                 utf8_filename=out["utf8_download_name"])
        response.headers["ETag"] = f'"{out["sha256"]}"'
        response.headers["Repr-Digest"] = \
            f"sha-256=:{base64.b64encode(bytes.fromhex(out['sha256'])).decode('ascii')}:"
        return response

    @route("GET", f"{V1}/households/{{household_id}}/file/catalogue", tags=("archive",), query=s.DocumentReadQuery,
           response=s.FileCatalogueOut, errors=FILE_ERRORS,
           summary=f"The household file's catalogue: each expected document present (its current version) or "
                   f"missing ({READERS})",
           description="Present: a version was uploaded, or the checklist item was confirmed (move-in's "
                       "documents_received). Expected: the project's catalogue by condition -- the power of "
                       "attorney when moved in by proxy, the lease section with a tenant, transfer and "
                       "renovation once the file holds anything of theirs.")
    def household_file_catalogue(self, request, user, household_id, query):
        return self._as(user)("archive", "household_catalogue", household_id, query["purpose"])

    @route("GET", f"{V1}/projects/{{project_id}}/document-catalogue", tags=("archive",),
           response=s.ProjectCatalogueOut, errors=(403, 404),
           summary=f"The documents the project's household files should hold, by section ({CS})",
           description="source group_default (the group's list) until the project saves its own.")
    def document_catalogue(self, request, user, project_id):
        return self._as(user)("archive", "get_document_catalogue", project_id)

    @route("PUT", f"{V1}/projects/{{project_id}}/document-catalogue", tags=("archive",), body=s.CatalogueIn,
           response=s.ProjectCatalogueOut, errors=(400, 403, 404), idempotent=True,
           summary="Save the project's own catalogue of expected documents, the whole list in order "
                   "(CS manager, centre manager)")
    def replace_document_catalogue(self, request, user, project_id, body, idempotency_key):
        return self._as(user)("archive", "replace_document_catalogue", project_id, s.CatalogueIn().dump(body),
                              idempotency_key=idempotency_key)
