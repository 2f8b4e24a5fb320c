"""Household files (一户一档) and who read them."""
from __future__ import annotations

from .. import schemas as s
from ..routing import route
from .base import V1, RouteModule


class ArchiveRoutes(RouteModule):
    @route("GET", f"{V1}/households/{{household_id}}/file", tags=("archive",), query=s.FileQuery,
           response=s.HouseholdFileOut, errors=(404,),
           summary="Read a household file (一户一档) (customer service of the project; a resident their own "
                   "household; anyone else of the project under the CS head's grant); every read is logged, "
                   "refusals too",
           description="403 file_access_denied without a valid grant (the log says why: no_grant, "
                       "grant_not_started, grant_expired, grant_revoked); a resident's read of another "
                       "household is 404, as if it did not exist. Phones and ID numbers masked unless the "
                       "reader's role needs them or the grant says unmasked.")
    def household_file(self, request, user, household_id, query):
        return self._as(user)("archive", "read_household_file", household_id, query["purpose"])

    @route("GET", f"{V1}/households/{{household_id}}/file/access-log", tags=("archive",),
           response=s.AccessLogOut, many=True, errors=(404,),
           summary="Who read this household file, when, why, allowed or refused (业户档案查阅记录) "
                   "(CS manager, centre manager, auditor of the project)")
    def household_file_log(self, request, user, household_id):
        return self._as(user)("archive", "file_access_log", household_id)
