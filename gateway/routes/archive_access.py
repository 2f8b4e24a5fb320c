"""Access to household files (查阅授权与查阅记录, archive's ``domain/access.py``): the CS head's grants,
the access log (业户档案查阅记录表) as pages and as a CSV file, and the contacts export that only a grant
allows.

Reading the log is not itself a row of the log (it holds no resident data): each read or CSV export of
it is one INFO line on ``wuye.audit`` (who, which project, the filters, how many rows).
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from kernel import csvfile
from kernel.fastdump import Dumper

from .. import schemas as s
from ..errors import HttpError, file_response
from ..routing import Created, route
from .base import V1, RouteModule, audit_log

CSV_TYPE = "text/csv; charset=utf-8"
GRANT_ROLES = "CS manager of the project"
LOG_ROLES = "CS manager, centre manager, auditor of the project"
#: rows per RPC while a CSV is made, and the most a CSV holds (narrow the filter for more)
CSV_PAGE, CSV_MAX_ROWS = 1000, 50_000
LOG_OUT = Dumper(s.AccessLogOut())

#: the 业户档案查阅记录表 as people read it (TRIAL11 finding 10): the unit by its label (1栋-0101, the
#: registry's), the roles, what was read and why refused in Chinese words (archive's ``*_label``s; a
#: row without a word keeps its code); the household and grant ids stay, to tell a unit's households apart
LOG_COLUMNS = [
    ("read_at", "时间 At"), ("reader_name", "查阅人 Reader"), ("reader_id", "查阅人编号 Reader id"),
    ("roles_label", "角色 Roles"), ("unit_label", "房屋 Unit"), ("what_label", "查阅内容 What"),
    ("purpose", "查阅目的 Purpose"), ("outcome", "结果 Outcome"), ("refusal_label", "拒绝原因 Refusal"),
    ("household_id", "业户编号 Household id"), ("grant_id", "授权编号 Grant id"),
]
#: a label's code, for a row the label is missing from (a unit no longer registered, an old row)
LABEL_CODES = {"roles_label": "reader_roles", "unit_label": "unit_id", "what_label": "what", "refusal_label": "refusal"}
OUTCOME_LABELS = {"allowed": "允许 allowed", "refused": "拒绝 refused"}
CONTACT_COLUMNS = [("unit_label", "房屋 Unit"), ("name", "姓名 Name"), ("role", "身份 Role"),
                   ("phone", "电话 Phone"), ("email", "电子邮件 E-mail"), ("household_id", "业户 Household")]
ROLE_LABELS = {"owner": "业主 owner", "family": "家庭成员 family", "tenant": "租户 tenant",
               "emergency_contact": "紧急联系人 emergency contact"}


def access_log_csv(rows: list[dict], timezone: str) -> str:
    """The log's rows (``AccessLogOut`` dumps) as CSV text (no BOM): a header line in Chinese and English,
    one line per read in words (:data:`LOG_COLUMNS`), times in the project's time zone; a cell Excel would
    take for a formula is quoted (``kernel.csvfile``)."""
    tz = ZoneInfo(timezone)
    out = [[header for _, header in LOG_COLUMNS]]
    from datetime import datetime
    for row in rows:
        at = datetime.fromisoformat(row["read_at"]).astimezone(tz).isoformat(timespec="seconds")
        cells = dict(row, read_at=at, outcome=OUTCOME_LABELS.get(row["outcome"], row["outcome"]))
        for label, code in LABEL_CODES.items():
            if not cells.get(label):
                cells[label] = row.get(code)
        out.append([cells.get(key) for key, _ in LOG_COLUMNS])
    return csvfile.text(out)


def contacts_csv(people: list[dict]) -> str:
    out = [[header for _, header in CONTACT_COLUMNS]]
    for person in people:
        cells = dict(person, role=ROLE_LABELS.get(person["role"], person["role"]))
        out.append([cells.get(key) for key, _ in CONTACT_COLUMNS])
    return csvfile.text(out)


class ArchiveAccessRoutes(RouteModule):
    def _grantee_name(self, user, grantee_id: str, project_id: str) -> str | None:
        """The display name of ``grantee_id`` if it is an active staff account of the caller's group with
        the project in its scope; else None -- archive refuses it (422 ``unknown_grantee``) after it has
        checked the caller's role, so a caller who may not grant learns nothing from it."""
        from ..models import User

        def look(session):
            other = session.get(User, grantee_id)
            if other is None or not other.active or other.kind != "staff" or other.group_id != user.group_id:
                return None
            if not other.all_projects and project_id not in {scope.project_id for scope in other.scopes}:
                return None
            return other.display_name
        return self._read_model(look)

    # -- grants (查阅授权) -----------------------------------------------------------------------------
    @route("POST", f"{V1}/projects/{{project_id}}/file-grants", tags=("archive",), body=s.GrantIn,
           response=s.GrantOut, status=201, errors=(404, 422), idempotent=True,
           summary=f"Grant a staff member access to a household file (查阅授权) ({GRANT_ROLES})",
           description="Scope household (one file), unit (the file of the unit's current household at each "
                       "read) or project (export only). valid_from defaults to now; at most "
                       "archive.grant_longest_days (30) until valid_until (422 grant_too_long). After the "
                       "caller's role (403): 422 unknown_grantee: not an active staff member of the project; "
                       "grant_to_self, "
                       "grant_backdated, grant_period_invalid, project_grant_reads, grant_allows_nothing.")
    def create_file_grant(self, request, user, project_id, body, idempotency_key):
        name = self._grantee_name(user, body["grantee_id"], project_id)
        data = dict(body, project_id=project_id, grantee_name=name or "", grantee_known=name is not None)
        for key in ("valid_from", "valid_until"):
            if data.get(key) is not None:
                data[key] = data[key].isoformat()
        return Created(self._as(user)("archive", "create_file_grant", data, idempotency_key=idempotency_key), True)

    @route("GET", f"{V1}/projects/{{project_id}}/file-grants", tags=("archive",), query=s.GrantQuery,
           response=s.GrantPageOut, errors=(404,),
           summary=f"The project's grants, newest first ({LOG_ROLES}; other staff: their own)")
    def list_file_grants(self, request, user, project_id, query):
        return self._as(user)("archive", "list_file_grants", project_id, query)

    @route("POST", f"{V1}/file-grants/{{grant_id}}/revoke", tags=("archive",), body=s.GrantRevokeIn,
           response=s.GrantOut, errors=(404, 409), idempotent=True,
           summary=f"Revoke a pending or active grant, with the reason ({GRANT_ROLES})")
    def revoke_file_grant(self, request, user, grant_id, body, idempotency_key):
        return self._as(user)("archive", "revoke_file_grant", grant_id, body["reason"],
                              idempotency_key=idempotency_key)

    # -- the access log (业户档案查阅记录表) -----------------------------------------------------------
    def _log_query(self, query: dict) -> dict:
        q = dict(query)
        for key in ("date_from", "date_to"):
            if q.get(key) is not None:
                q[key] = q[key].isoformat()
        return q

    @route("GET", f"{V1}/projects/{{project_id}}/file-access-log", tags=("archive",), query=s.AccessLogQuery,
           response=s.AccessLogPageOut, errors=(404,),
           summary=f"The project's access log of household files, filtered and paged ({LOG_ROLES})",
           description="Every read of a file, a document, a contact list or an export, allowed or refused, "
                       "newest first; filters: reader_id, household_id, unit_id, outcome, what, date_from / "
                       "date_to (days of the project's calendar). The same as CSV: .../file-access-log.csv.")
    def project_file_access_log(self, request, user, project_id, query):
        page = self._as(user)("archive", "project_access_log", project_id, self._log_query(query))
        audit_log.info("access log read: user=%s project=%s rows=%d", user.id, project_id, len(page["items"]))
        return page

    @route("GET", f"{V1}/projects/{{project_id}}/file-access-log.csv", tags=("archive",),
           query=s.AccessLogCsvQuery, media_type=CSV_TYPE, errors=(404, 422),
           summary=f"The project's access log as a CSV file for Excel ({LOG_ROLES})",
           description="UTF-8 with a byte-order mark, a header line in Chinese and English, one line per read, "
                       f"times in the project's time zone; the filters of the JSON list; at most {CSV_MAX_ROWS} "
                       "rows (422 export_too_large: narrow the filter).")
    def project_file_access_log_csv(self, request, user, project_id, query):
        call = self._as(user)
        q, rows = self._log_query(query), []
        while True:
            page = call("archive", "project_access_log", project_id, dict(q, limit=CSV_PAGE, offset=len(rows)))
            if page["total"] > CSV_MAX_ROWS:
                raise HttpError(422, "export_too_large", f"{page['total']} rows; a file holds at most "
                                f"{CSV_MAX_ROWS}: narrow the filter (dates, reader, file)",
                                zh=f"共 {page['total']} 行，一个文件最多 {CSV_MAX_ROWS} 行：请缩小筛选范围（日期、查阅人、业户）")
            rows.extend(page["items"])
            if not page["items"] or len(rows) >= page["total"]:
                break
        project = call("archive", "get_project", project_id)
        audit_log.info("access log exported: user=%s project=%s rows=%d", user.id, project_id, len(rows))
        return file_response(csvfile.encode(access_log_csv([LOG_OUT.dump(r) for r in rows], project["timezone"])),
                             CSV_TYPE, "file-access-log.csv",
                             utf8_filename=f"{project['name']}-业户档案查阅记录.csv")

    # -- the contacts export (only under a grant) ----------------------------------------------------
    @route("GET", f"{V1}/projects/{{project_id}}/contacts.csv", tags=("archive",), query=s.ContactsExportQuery,
           media_type=CSV_TYPE, errors=(404,),
           summary="The project's households' contacts as a CSV file -- only under the CS head's grant that "
                   "allows export (any staff of the project with one)",
           description="Personal data leaves in bulk only under a grant with export (403 export_denied "
                       "otherwise, for every role); masked unless the reader's role or the grant (unmasked) "
                       "says otherwise; the export is a row of the access log (export:contacts).")
    def export_contacts_csv(self, request, user, project_id, query):
        out = self._as(user)("archive", "export_contacts", project_id, query["purpose"])
        return file_response(csvfile.encode(contacts_csv(out["people"])), CSV_TYPE, "contacts.csv")
