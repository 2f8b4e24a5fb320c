"""archive's documents (档案资料): upload, read, replace, erase -- wiring only, inherited by
:class:`~services.archive.service.ArchiveService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import documents


class DocumentRpcs:
    # -- documents (issue 11, area "documents") ------------------------------------------------
    @rpc
    def upload_document(self, household_id, data, idempotency_key=None):
        """A new version of a document of the household file; the content in base64."""
        work = self.work()
        command = schemas.DocumentUploadIn().load({**(data if isinstance(data, dict) else {}), "household_id": household_id})
        content = documents.decode_content(command.pop("content_base64"))
        # the key's fingerprint: the command with the content's checksum, not the content itself
        fingerprint = {**command, "sha256": documents.sha256_hex(content), "size": len(content)}

        def run():
            document = documents.upload(work, self.storage, command["household_id"], command, content)
            return schemas.DocumentVersionOut().dump(documents.document_view(document, True))
        return work.idempotent(idempotency_key, "upload_document", fingerprint, run)

    @rpc
    def list_documents(self, household_id, doc_type=None, purpose=None):
        q = schemas.DocumentQuery().load({"household_id": household_id, "doc_type": doc_type, "purpose": purpose})
        return schemas.DocumentVersionOut(many=True).dump(
            documents.list_documents(self.work(), q["household_id"], q["doc_type"], q["purpose"]))

    @rpc
    def download_document(self, household_id, document_id, purpose=None):
        """A version with its content (base64), checked against its checksum."""
        q = schemas.DocumentRead().load({"household_id": household_id, "document_id": document_id,
                                         "purpose": purpose})
        return schemas.DocumentContentOut().dump(
            documents.download(self.work(), self.storage, q["household_id"], q["document_id"], q["purpose"]))

    @rpc
    def unit_document(self, unit_id, document_id, purpose=None):
        """A document's record (no content) if it is in the file of the unit's current household
        (404 ``document_not_found`` otherwise); read and logged as every document read."""
        q = schemas.UnitDocumentRead().load({"unit_id": unit_id, "document_id": document_id, "purpose": purpose})
        return schemas.DocumentVersionOut().dump(
            documents.unit_document(self.work(), q["unit_id"], q["document_id"], q["purpose"]))

    @rpc
    def household_catalogue(self, household_id, purpose=None):
        q = schemas.DocumentQuery().load({"household_id": household_id, "purpose": purpose})
        return schemas.FileCatalogueOut().dump(documents.file_catalogue(self.work(), q["household_id"], q["purpose"]))

    @rpc
    def get_document_catalogue(self, project_id):
        return schemas.ProjectCatalogueOut().dump(documents.project_catalogue(self.work(), project_id))

    @rpc
    def replace_document_catalogue(self, project_id, data, idempotency_key=None):
        work = self.work()
        command = schemas.CatalogueIn().load({**(data if isinstance(data, dict) else {}), "project_id": project_id})

        def run():
            return schemas.ProjectCatalogueOut().dump(documents.replace_catalogue(work, command["project_id"], command))
        return work.idempotent(idempotency_key, "replace_document_catalogue", command, run)
