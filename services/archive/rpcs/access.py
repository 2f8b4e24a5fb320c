"""archive's access (查阅授权与查阅记录): grants by the CS head, the access log, the contacts export -- wiring only,
inherited by :class:`~services.archive.service.ArchiveService`."""
from __future__ import annotations

from kernel.entrypoints import rpc

from .. import schemas
from ..domain import access, identity


class AccessRpcs:
    # -- access (查阅授权与查阅记录): grants by the CS head, the access log, the contacts export ----------
    @rpc
    def create_file_grant(self, data, idempotency_key=None):
        work, command = self.work(), schemas.GrantIn().load(data)
        def run():
            grant = access.create_grant(work, command)
            return schemas.GrantOut().dump(access.grant_view(grant, work.clock.now()))
        return work.idempotent(idempotency_key, "create_file_grant", command, run)

    @rpc
    def revoke_file_grant(self, grant_id, reason, idempotency_key=None):
        work, command = self.work(), schemas.GrantRevokeIn().load({"grant_id": grant_id, "reason": reason})
        def run():
            grant = access.revoke_grant(work, command["grant_id"], command["reason"])
            return schemas.GrantOut().dump(access.grant_view(grant, work.clock.now()))
        return work.idempotent(idempotency_key, "revoke_file_grant", command, run)

    @rpc
    def list_file_grants(self, project_id, query=None):
        q = schemas.GrantQuery().load(dict(query or {}, project_id=project_id))
        return schemas.GrantPageOut().dump(access.list_grants(self.work(), q["project_id"], q))

    @rpc
    def project_access_log(self, project_id, query=None):
        """The project's 业户档案查阅记录表, filtered and paged (CS head, centre manager, auditor)."""
        q = schemas.AccessLogQuery().load(dict(query or {}, project_id=project_id))
        return schemas.AccessLogPageOut().dump(access.access_log(self.work(), q["project_id"], q))

    @rpc
    def export_contacts(self, project_id, purpose):
        """The project's households' contacts in bulk -- only under a grant that allows export."""
        q = schemas.ContactsExportIn().load({"project_id": project_id, "purpose": purpose})
        return schemas.ContactsExportOut().dump(access.export_contacts(self.work(), q["project_id"], q["purpose"]))

    @rpc
    def match_identity(self, unit_id, name, id_number=None, purpose=None, id_type=None, roles=None):
        """身份核验 (domain/identity.py): ``{"matched"}`` (+ the role when matched) for a name and an ID
        number against the unit's current household -- never the stored number or the person; logged
        in the file's access log; failed matches per unit per day are limited. ``roles``: only people
        in these roles may match (the keys ask for owners)."""
        q = schemas.IdentityMatchIn().load({"unit_id": unit_id, "name": name, "id_number": id_number,
                                            "id_type": id_type, "purpose": purpose, "roles": roles})
        return schemas.IdentityMatchOut().dump(identity.match(self.work(), q["unit_id"], q["name"], q["id_number"],
                                                              q["purpose"], q["id_type"], q["roles"]))

    @rpc
    def unlock_identity_match(self, unit_id, reason=None, idempotency_key=None):
        """解除核验锁定 (domain/identity.py ``unlock``): the CS manager or the centre manager lifts a
        unit's identity-match lock for the day, with a reason -- logged in the file's access log."""
        q = schemas.IdentityUnlockIn().load({"unit_id": unit_id, "reason": reason})
        work = self.work()
        return work.idempotent(idempotency_key, "unlock_identity_match", q, lambda: schemas.IdentityUnlockOut().dump(
            identity.unlock(work, q["unit_id"], q["reason"])))
