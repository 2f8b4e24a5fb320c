"""Access to household files (domain/access.py), without a broker, on the service clock (ManualClock):
grants by the CS head, reads refused / allowed / expired / revoked with the access log asserted
(a refusal's row survives the failed call's rollback, as in a worker), masking per role and grant,
a resident's own file only, the bulk export only under a grant, the log's filters."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from kernel.clock import ManualClock
from kernel.errors import Forbidden, NotFound
from kernel.tenancy import Caller
from kernel.testing import TEST_SECRET, domain_session, resident, staff
from kernel.work import Work, rollback_keeping
from services.archive import schemas
from services.archive.domain import settings as archive_settings
from services.archive.domain import access, access_settings, files, registry
from services.archive.events import CONTRACT
from services.archive.exceptions import (ExportDenied, FileAccessDenied, GrantNotRevocable, GrantRefused,
                                         HouseholdNotFound)
from services.archive.models import Base, FileAccessLog

G = "group-1"
CSM = staff(G, ["p1"], roles=["cs_manager"], user_id="csm-1")
CENTRE = staff(G, ["p1"], roles=["centre_manager"], user_id="centre-1")
DESK = staff(G, ["p1"], roles=["front_desk"], user_id="desk-1")
ENG = staff(G, ["p1"], roles=["engineering"], user_id="eng-1")
FIN = staff(G, ["p1"], roles=["finance"], user_id="fin-1")
AUDIT = staff(G, ["p1"], roles=["auditor"], user_id="audit-1")
FAR = staff(G, ["p2"], roles=["steward"], user_id="far-1")
OWNER = resident(G, ["u1"], user_id="owner-1")
NEIGHBOUR = resident(G, ["u2"], user_id="neighbour-1")
T0 = "2026-11-24T09:00:00+08:00"


@pytest.fixture
def session():
    with domain_session(Base) as s:
        yield s


@pytest.fixture
def clock():
    return ManualClock(T0)


@pytest.fixture
def as_(session, clock):
    def build(caller):
        return Work.build(session, clock, caller, base=Base, contract=CONTRACT, secret=TEST_SECRET,
                          settings=archive_settings.SETTINGS)
    return build


@pytest.fixture
def estate(session, as_):
    w = as_(Caller.system(G, "seed"))
    registry.register_project(w, {"id": "p1", "group_id": G, "code": "LH", "name": "绿湖花园",
                                  "kind": "residential", "timezone": "Asia/Shanghai"})
    registry.register_project(w, {"id": "p2", "group_id": G, "code": "XH", "name": "星河",
                                  "kind": "residential", "timezone": "Asia/Shanghai"})
    registry.register_building(w, {"id": "b1", "project_id": "p1", "name": "1栋", "floors": 18})
    for uid, number in (("u1", "0101"), ("u2", "0102")):
        registry.register_unit(w, {"id": uid, "building_id": "b1", "number": number, "floor": 1,
                                   "building_area": Decimal("89.37")})
    registry.move_in(w, {"id": "h1", "unit_id": "u1", "moved_in_on": date(2026, 3, 1), "people": [
        {"id": "pe1", "name": "张伟", "role": "owner", "phone": "13812345678", "email": "zw@example.com",
         "id_number": "110101199001011237"}]})
    registry.move_in(w, {"id": "h2", "unit_id": "u2", "moved_in_on": date(2026, 3, 1), "people": [
        {"id": "pe2", "name": "李娜", "role": "owner", "phone": "13987654321"}]})
    session.commit()


def attempt(session, fn, *args):
    """``fn(*args)`` as a worker runs it: committed on success; on failure rolled back keeping what the
    unit kept (Database.finish), and the error raised."""
    try:
        result = fn(*args)
    except Exception:
        rollback_keeping(session)
        raise
    session.commit()
    return result


def log_rows(session) -> list[tuple]:
    return [(r.reader_id, r.what, r.outcome, r.grant_id, r.refusal) for r in session.scalars(
        select(FileAccessLog).order_by(FileAccessLog.read_at, FileAccessLog.reader_id, FileAccessLog.what))]


def grant(as_, session, caller=CSM, **data):
    body = {"project_id": "p1", "grantee_id": "eng-1", "grantee_name": "工程·郑", "scope": "household",
            "household_id": "h1", "purpose": "维修漏水需联系业主", "valid_until": "2026-11-27T09:00:00+08:00"}
    body.update(data)
    return attempt(session, access.create_grant, as_(caller), schemas.GrantIn().load(body))


def read(as_, session, caller, household_id="h1", purpose="查看业主联系方式"):
    return attempt(session, files.read_file, as_(caller), household_id, purpose)


def test_a_read_without_a_grant_is_refused_and_the_refusal_logged(session, as_, estate):
    with pytest.raises(FileAccessDenied) as refused:
        read(as_, session, ENG)
    assert refused.value.details == {"reason": "no_grant"}
    assert log_rows(session) == [("eng-1", "file", "refused", None, "no_grant")]
    [row] = session.scalars(select(FileAccessLog)).all()
    assert (row.household_id, row.unit_id, row.project_id, row.reader_roles, row.purpose) == (
        "h1", "u1", "p1", "engineering", "查看业主联系方式")


def test_a_grant_allows_reads_until_it_expires(session, as_, clock, estate):
    g = grant(as_, session)
    assert (g.grantee_id, g.granted_by_id, access.grant_state(g, clock.now())) == ("eng-1", "csm-1", "active")
    read(as_, session, ENG)
    clock.set("2026-11-27T08:59:59+08:00")
    read(as_, session, ENG)
    clock.set("2026-11-27T09:00:00+08:00")                       # valid_until: no longer
    with pytest.raises(FileAccessDenied):
        read(as_, session, ENG)
    assert log_rows(session) == [("eng-1", "file", "allowed", g.id, None), ("eng-1", "file", "allowed", g.id, None),
                                 ("eng-1", "file", "refused", None, "grant_expired")]


def test_a_revoked_grant_refuses_at_once(session, as_, clock, estate):
    g = grant(as_, session)
    read(as_, session, ENG)
    clock.set("2026-11-24T10:00:00+08:00")
    revoked = attempt(session, access.revoke_grant, as_(CSM), g.id, "维修已完成")
    assert (revoked.revoked_by_id, revoked.revoke_reason, access.grant_state(revoked, clock.now())) == (
        "csm-1", "维修已完成", "revoked")
    with pytest.raises(FileAccessDenied):
        read(as_, session, ENG)
    assert log_rows(session)[-1] == ("eng-1", "file", "refused", None, "grant_revoked")
    with pytest.raises(GrantNotRevocable):                       # a revoked grant stays revoked
        attempt(session, access.revoke_grant, as_(CSM), g.id, "again")


def test_a_grant_starts_when_it_says(session, as_, clock, estate):
    grant(as_, session, valid_from="2026-11-25T09:00:00+08:00")
    with pytest.raises(FileAccessDenied):
        read(as_, session, ENG)
    assert log_rows(session)[-1][-1] == "grant_not_started"
    clock.set("2026-11-25T09:00:00+08:00")
    read(as_, session, ENG)
    assert log_rows(session)[-1][2] == "allowed"


def test_a_unit_grant_covers_the_unit_s_current_household_only(session, as_, estate):
    g = grant(as_, session, scope="unit", household_id=None, unit_id="u1")
    read(as_, session, ENG)
    with pytest.raises(FileAccessDenied):                        # the neighbour's file is not in it
        read(as_, session, ENG, "h2")
    assert log_rows(session)[0][3] == g.id
    # a grant for one person is not another's
    with pytest.raises(FileAccessDenied):
        read(as_, session, FIN)


def test_customer_service_reads_without_a_grant_others_of_the_project_do_not(session, as_, estate):
    for caller in (DESK, CSM, CENTRE, staff(G, ["p1"], roles=["steward"], user_id="st-1")):
        read(as_, session, caller)
    for caller in (ENG, FIN, AUDIT, staff(G, [], roles=["general_manager"], user_id="gm", all_projects=True)):
        with pytest.raises(FileAccessDenied):
            read(as_, session, caller)
    with pytest.raises(HouseholdNotFound):                       # outside the project: 404 (as for none), logged
        read(as_, session, FAR)
    with pytest.raises(NotFound):                                # another group's probe: nothing to log
        read(as_, session, staff("other", ["p1"], roles=["cs_manager"], user_id="x"))
    rows = log_rows(session)
    assert [r[2] for r in rows].count("allowed") == 4 and [r[2] for r in rows].count("refused") == 5
    assert ("far-1", "file", "refused", None, "project_out_of_scope") in rows
    assert not [r for r in rows if r[0] == "x"]


def test_a_resident_reads_their_own_file_and_a_neighbour_s_is_not_found(session, as_, estate):
    own = read(as_, session, OWNER, "h1", "查看本户档案")
    person = own["household"]["people"][0]
    assert person["phone"] == "13812345678" and person["id_number"] == "1101**********1237"
    with pytest.raises(HouseholdNotFound) as theirs:
        read(as_, session, OWNER, "h2")
    with pytest.raises(HouseholdNotFound) as nowhere:
        read(as_, session, OWNER, "h-none")
    assert (theirs.value.code, str(theirs.value.message).replace("h2", "?")) == (
        nowhere.value.code, str(nowhere.value.message).replace("h-none", "?"))   # not yours reads like none
    assert log_rows(session)[-1] == ("owner-1", "file", "refused", None, "not_own_household")


def test_masking_per_role_and_per_grant(session, as_, estate):
    def first(caller):
        return read(as_, session, caller)["household"]["people"][0]
    assert (first(CSM)["phone"], first(CSM)["id_number"]) == ("13812345678", "110101199001011237")
    assert (first(DESK)["phone"], first(DESK)["id_number"]) == ("13812345678", "1101**********1237")
    grant(as_, session)
    eng = first(ENG)
    assert (eng["phone"], eng["email"], eng["id_number"]) == ("138****5678", "***@example.com", "1101**********1237")
    grant(as_, session, grantee_id="fin-1", unmasked=True, purpose="律师函需要业主身份证号")
    fin = first(FIN)
    assert (fin["phone"], fin["id_number"]) == ("13812345678", "110101199001011237")
    # TRIAL11 finding 5: the same grant shows the phone in full in the people list and their history too
    # (ID numbers stay masked there for every reader)
    from services.archive.domain import people
    listed = attempt(session, people.list_people, as_(FIN), "h1")["people"][0]
    assert (listed["phone"], listed["email"], listed["id_number"]) == (
        "13812345678", fin["email"], "1101**********1237")
    engineer = attempt(session, people.list_people, as_(ENG), "h1")["people"][0]
    assert engineer["phone"] == "138****5678"                         # a grant without unmasked
    attempt(session, people.update_person, as_(DESK), listed["id"], {"phone": "13912345678"})
    history = attempt(session, people.person_history, as_(FIN), "h1")
    assert [(h["old_value"], h["new_value"]) for h in history if h["field"] == "phone"] == [
        ("13812345678", "13912345678")]
    masked = attempt(session, people.person_history, as_(ENG), "h1")
    assert [(h["old_value"], h["new_value"]) for h in masked if h["field"] == "phone"] == [
        ("138****5678", "139****5678")]


def test_who_grants_and_what_a_grant_may_be(session, as_, clock, estate):
    for caller in (DESK, CENTRE, ENG, AUDIT):
        with pytest.raises(Forbidden):
            grant(as_, session, caller)
    with pytest.raises(NotFound):                                # another project's: as if there were none
        grant(as_, session, FAR)
    refusals = {
        "grant_too_long": {"valid_until": "2026-12-24T09:00:01+08:00"},
        "grant_period_invalid": {"valid_from": "2026-11-25T09:00:00+08:00", "valid_until": "2026-11-25T09:00:00+08:00"},
        "grant_backdated": {"valid_from": "2026-11-24T08:00:00+08:00"},
        "grant_to_self": {"grantee_id": "csm-1"},
        "project_grant_reads": {"scope": "project", "household_id": None, "read": True},
        "grant_allows_nothing": {"read": False},
    }
    for code, change in refusals.items():
        with pytest.raises(GrantRefused) as refused:
            grant(as_, session, **change)
        assert refused.value.code == code
    grant(as_, session, valid_until="2026-12-24T09:00:00+08:00")      # 30 days exactly
    # TRIAL11 finding 13: a project grant left without "read" is an export grant (read follows the scope)
    exported = grant(as_, session, scope="project", household_id=None, export=True)
    assert (exported.allows_read, exported.allows_export) == (False, True)
    assert grant(as_, session, scope="household").allows_read is True
    attempt(session, lambda: as_(CENTRE).settings.change(G, "p1", access_settings.GRANT_LONGEST_DAYS, 7,
                                                          reason="收紧授权"))
    with pytest.raises(GrantRefused):
        grant(as_, session, valid_until="2026-12-02T09:00:00+08:00")
    with pytest.raises(HouseholdNotFound):
        grant(as_, session, household_id="nope")


def test_an_unknown_grantee_is_refused_only_to_a_caller_who_may_grant(session, as_, estate):
    """TRIAL finding: the auditor (audit.lh) learned from 422 ``unknown_grantee`` whether an id is an active
    staff member, before the 403 of a caller who may not grant. The role comes first: 404 for another
    project's caller, 403 for a caller without the role, and only the CS head hears ``unknown_grantee``."""
    ghost = {"grantee_id": "ghost", "grantee_name": "", "grantee_known": False}
    for caller in (AUDIT, DESK, CENTRE, ENG):
        with pytest.raises(Forbidden) as refused:
            grant(as_, session, caller, **ghost)
        assert refused.value.code == "role_required", caller.roles
    with pytest.raises(NotFound):
        grant(as_, session, FAR, **ghost)
    with pytest.raises(GrantRefused) as refused:
        grant(as_, session, **ghost)
    assert refused.value.code == "unknown_grantee" and refused.value.message.startswith("被授权人不是本项目的在职员工")
    assert grant(as_, session, grantee_known=True).grantee_id == "eng-1"


def test_grants_are_listed_to_the_cs_head_and_auditor_and_to_each_grantee_their_own(session, as_, clock, estate):
    g1 = grant(as_, session)
    grant(as_, session, grantee_id="fin-1", scope="unit", household_id=None, unit_id="u2")
    clock.set("2026-11-28T09:00:00+08:00")
    q = {"limit": 50, "offset": 0}
    assert access.list_grants(as_(AUDIT), "p1", q)["total"] == 2
    assert [g["id"] for g in access.list_grants(as_(ENG), "p1", q)["items"]] == [g1.id]
    assert access.list_grants(as_(CSM), "p1", dict(q, state="expired"))["total"] == 2
    assert access.list_grants(as_(CSM), "p1", dict(q, state="active"))["total"] == 0
    assert access.list_grants(as_(CSM), "p1", dict(q, unit_id="u2"))["items"][0]["grantee_id"] == "fin-1"
    with pytest.raises(Forbidden):
        access.list_grants(as_(OWNER), "p1", q)


def test_no_bulk_export_without_a_grant_for_it(session, as_, estate):
    for caller in (CSM, DESK, ENG):
        with pytest.raises(ExportDenied):
            attempt(session, access.export_contacts, as_(caller), "p1", "年度普查")
    grant(as_, session)                                               # a read grant is not an export grant
    with pytest.raises(ExportDenied):
        attempt(session, access.export_contacts, as_(ENG), "p1", "年度普查")
    g = grant(as_, session, grantee_id="desk-1", scope="project", household_id=None, read=False, export=True,
              purpose="物业费催缴通讯录")
    out = attempt(session, access.export_contacts, as_(DESK), "p1", "物业费催缴通讯录")
    assert out["grant_id"] == g.id
    assert [(p["unit_label"], p["name"], p["phone"]) for p in out["people"]] == [
        ("1栋-0101", "张伟", "13812345678"), ("1栋-0102", "李娜", "13987654321")]
    rows = log_rows(session)
    assert ("desk-1", "export:contacts", "allowed", g.id, None) in rows
    assert ("csm-1", "export:contacts", "refused", None, "no_grant") in rows
    row = session.scalars(select(FileAccessLog).where(FileAccessLog.grant_id == g.id)).one()
    assert row.household_id is None and row.project_id == "p1"
    # an export grant does not open the files
    with pytest.raises(FileAccessDenied):
        read(as_, session, FIN)


def test_the_access_log_is_read_by_the_cs_head_and_auditors_filtered(session, as_, clock, estate):
    read(as_, session, DESK)
    clock.set("2026-11-25T09:00:00+08:00")
    with pytest.raises(FileAccessDenied):
        read(as_, session, ENG, "h2")
    clock.set("2026-11-26T23:30:00+08:00")
    read(as_, session, CSM, "h2")

    def page(caller=AUDIT, **q):
        loaded = schemas.AccessLogQuery().load(dict(q, project_id="p1"))
        return [(r["reader_id"], r["outcome"]) for r in access.access_log(as_(caller), "p1", loaded)["items"]]
    assert page() == [("csm-1", "allowed"), ("eng-1", "refused"), ("desk-1", "allowed")]
    assert page(outcome="refused") == [("eng-1", "refused")]
    assert page(reader_id="desk-1") == [("desk-1", "allowed")]
    assert page(household_id="h2") == page(unit_id="u2") == [("csm-1", "allowed"), ("eng-1", "refused")]
    assert page(date_from="2026-11-25", date_to="2026-11-25") == [("eng-1", "refused")]
    assert page(date_from="2026-11-26") == [("csm-1", "allowed")]          # 23:30 Shanghai is the 26th
    assert page(limit=1, offset=1) == [("eng-1", "refused")]
    assert page(what="file") == page()
    assert page(CENTRE) == page(CSM) == page()
    for caller in (DESK, ENG, OWNER, FAR):
        with pytest.raises((Forbidden, NotFound)):
            page(caller)
    # reading the log writes nothing to it
    assert len(log_rows(session)) == 3
    assert [r["reader_id"] for r in files.access_log(as_(AUDIT), "h2")] == ["csm-1", "eng-1"]
    with pytest.raises(Forbidden):
        files.access_log(as_(DESK), "h2")


def test_the_log_says_in_words_which_unit_who_what_and_why_refused(session, as_, clock, estate):
    """TRIAL11 finding 10: the log's rows carry the unit as people name it (the registry's label), the
    reader's roles, what was read and why it was refused in Chinese -- the codes kept beside them."""
    read(as_, session, DESK)
    with pytest.raises(FileAccessDenied):
        read(as_, session, ENG, "h2")
    items = access.access_log(as_(AUDIT), "p1", schemas.AccessLogQuery().load({"project_id": "p1"}))["items"]
    words = {(r["unit_id"], r["unit_label"], r["reader_roles"], r["roles_label"], r["what"], r["what_label"],
              r["refusal"], r["refusal_label"]) for r in items}
    assert words == {("u1", "1栋-0101", "front_desk", "总台接待", "file", "业户档案", None, None),
                     ("u2", "1栋-0102", "engineering", "工程部", "file", "业户档案", "no_grant", "无查阅授权")}
    assert [r["unit_label"] for r in files.access_log(as_(AUDIT), "h2")] == ["1栋-0102"]
    dumped = schemas.AccessLogOut(many=True).dump(items)
    assert {d["refusal_label"] for d in dumped} == {None, "无查阅授权"}


def test_what_was_read_in_words():
    from services.archive.domain.catalogue import DEFAULT_TITLES
    assert access.what_label("document:purchase_contract v2", DEFAULT_TITLES) == "档案文件：购房合同 第2版"
    assert access.what_label("documents:owner_id_copy", DEFAULT_TITLES) == "档案文件列表：业主身份证复印件"
    assert access.what_label("documents", DEFAULT_TITLES) == "档案文件列表"
    assert access.what_label("export:contacts", DEFAULT_TITLES) == "批量导出：联系方式"
    assert access.what_label("people_history", {}) == "人员变更记录"
    assert access.what_label("document:birthday_card v1", {}) == "档案文件：birthday_card 第1版"
    assert access.what_label("something_new", {}) == "something_new"          # unknown: as it is
    assert set(access.WHATS) <= set(access.WHAT_NAMES)


def test_the_grant_state_table():
    assert set(access.TRANSITIONS) == {("pending", "revoke"), ("active", "revoke")}
    assert all(target == "revoked" for target in access.TRANSITIONS.values())


def test_a_grant_must_name_what_its_scope_says():
    base = {"project_id": "p1", "grantee_id": "e", "purpose": "检查", "valid_until": "2026-11-27T09:00:00+08:00"}
    for bad in ({"scope": "household"}, {"scope": "unit", "household_id": "h1"},
                {"scope": "project", "unit_id": "u1"}, {"scope": "street", "household_id": "h1"},
                {"scope": "household", "household_id": "h1", "valid_until": "2026-11-27T09:00:00"}):
        with pytest.raises(Exception):
            schemas.GrantIn().load({**base, **bad})
    assert schemas.GrantIn().load({**base, "scope": "unit", "unit_id": "u1"})["read"] is None   # by its scope
