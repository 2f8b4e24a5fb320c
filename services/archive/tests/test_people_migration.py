"""Revision 0031 carries the owners of the active households into the ownership history."""
import json

from sqlalchemy import text

from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade


def test_current_owners_become_the_first_ownership_records(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(migrations_dir("archive"), url, "0030")
    engine = make_engine(url)
    now = "2026-11-01 00:00:00.000000"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, group_id, code, name, kind, timezone, address, version, "
                          "created_at) VALUES ('p1', 'g1', 'LH', '绿湖花园', 'residential', 'Asia/Shanghai', '', 1, :t)"),
                     {"t": now})
        conn.execute(text("INSERT INTO buildings (id, group_id, project_id, name, created_at) "
                          "VALUES ('b1', 'g1', 'p1', '1栋', :t)"), {"t": now})
        for unit, household, status, role in (("u1", "h1", "active", "owner"), ("u2", "h2", "active", "tenant"),
                                              ("u3", "h3", "moved_out", "owner")):
            conn.execute(text("INSERT INTO units (id, group_id, project_id, building_id, number, building_area, "
                              "usage, version, created_at) VALUES (:u, 'g1', 'p1', 'b1', :u, 89.37, "
                              "'residential', 1, :t)"), {"u": unit, "t": now})
            conn.execute(text("INSERT INTO households (id, group_id, project_id, unit_id, status, moved_in_on, "
                              "by_proxy, version, created_at) VALUES (:h, 'g1', 'p1', :u, :s, '2026-03-01', 0, 1, :t)"),
                         {"h": household, "u": unit, "s": status, "t": now})
            conn.execute(text("INSERT INTO people (id, group_id, project_id, household_id, name, role, locale, "
                              "created_at) VALUES (:p, 'g1', 'p1', :h, '张伟', :r, 'zh-CN', :t)"),
                         {"p": f"pe-{household}", "h": household, "r": role, "t": now})
    upgrade(migrations_dir("archive"), url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT unit_id, household_id, owners, from_on, to_on, acquired_by "
                                 "FROM ownerships")).fetchall()
    engine.dispose()
    assert [(r.unit_id, r.household_id, json.loads(r.owners), str(r.from_on), r.to_on, r.acquired_by)
            for r in rows] == [("u1", "h1", [{"person_id": "pe-h1", "name": "张伟"}], "2026-03-01", None, "purchase")]


def test_0036_renames_a_transfer_s_old_document_types_to_the_catalogue_s(tmp_path):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    upgrade(migrations_dir("archive"), url, "0035")
    engine = make_engine(url)
    now = "2026-11-01 00:00:00.000000"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projects (id, group_id, code, name, kind, timezone, address, version, "
                          "created_at) VALUES ('p1', 'g1', 'LH', '绿湖花园', 'residential', 'Asia/Shanghai', '', 1, :t)"),
                     {"t": now})
        conn.execute(text("INSERT INTO buildings (id, group_id, project_id, name, created_at) "
                          "VALUES ('b1', 'g1', 'p1', '1栋', :t)"), {"t": now})
        conn.execute(text("INSERT INTO units (id, group_id, project_id, building_id, number, building_area, "
                          "usage, version, created_at) VALUES ('u1', 'g1', 'p1', 'b1', '0101', 89.37, "
                          "'residential', 1, :t)"), {"t": now})
        conn.execute(text("INSERT INTO households (id, group_id, project_id, unit_id, status, moved_in_on, "
                          "by_proxy, version, created_at) VALUES ('h1', 'g1', 'p1', 'u1', 'active', '2026-03-01', "
                          "0, 1, :t)"), {"t": now})
        for doc_id, doc_type, status in (("d1", "transfer_contract", "present"),
                                         ("d2", "old_owner_fee_settlement", "present"),
                                         ("d3", "fee_settlement_proof", "missing"),     # both: they become one
                                         ("d4", "new_owner_id_copy", "missing")):
            conn.execute(text("INSERT INTO file_documents (id, group_id, project_id, household_id, doc_type, "
                              "section, status, note, received_by) VALUES (:i, 'g1', 'p1', 'h1', :d, 'transfer', "
                              ":s, '', 'desk')"), {"i": doc_id, "d": doc_type, "s": status})
        conn.execute(text("INSERT INTO ownerships (id, group_id, project_id, unit_id, household_id, owners, from_on, "
                          "acquired_by, documents, recorded_by, recorded_at) VALUES ('o1', 'g1', 'p1', 'u1', 'h1', "
                          "'[]', '2026-03-01', 'transfer', :docs, 'desk', :t)"),
                     {"t": now, "docs": json.dumps([{"id": "d1", "doc_type": "transfer_contract"},
                                                    {"id": "d2", "doc_type": "old_owner_fee_settlement"},
                                                    {"id": "d4", "doc_type": "new_owner_id_copy"}])})
    upgrade(migrations_dir("archive"), url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, doc_type, status FROM file_documents ORDER BY id")).fetchall()
        docs = json.loads(conn.execute(text("SELECT documents FROM ownerships")).scalar())
    engine.dispose()
    assert [tuple(r) for r in rows] == [("d1", "transfer_application", "present"),
                                        ("d3", "fee_settlement_proof", "present"),
                                        ("d4", "new_owner_id_copy", "missing")]
    assert docs == [{"id": "d1", "doc_type": "transfer_application"}, {"id": "d3", "doc_type": "fee_settlement_proof"},
                    {"id": "d4", "doc_type": "new_owner_id_copy"}]
