"""Revision 0063 (trial 3, H1): the key register's whole ID numbers become masked numbers and keyed
hashes, the whole-number column gone -- and a borrower flagged late before the migration is still
recognised after it (the hash under the platform secret the services run with)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import inspect, text
from sqlalchemy.orm import Session

from kernel.clock import ManualClock
from kernel.config import migrations_dir
from kernel.db import make_engine, upgrade
from kernel.privacy import id_number_digest
from kernel.testing import TEST_SECRET
from kernel.tenancy import Caller
from kernel.work import Work
from services.tickets.domain import keys
from services.tickets.events import CONTRACT
from services.tickets.models import Base

NUMBER = "11010119900307123X"


def test_whole_id_numbers_become_masked_and_hashed(db_url, monkeypatch):
    monkeypatch.setenv("WUYE_SECRET", TEST_SECRET)
    upgrade(migrations_dir("tickets"), db_url, revision="0062")
    engine = make_engine(db_url)
    at = datetime(2026, 11, 20, 1, 0)
    try:
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO keys (id, group_id, project_id, unit_id, unit_label, label, copies, state, updated_at, "
                "version) VALUES ('k1', 'g1', 'p1', 'u1', '1栋-0101', '入户门钥匙', 2, 'in_store', :at, 7)"), {"at": at})
            for row_id, version, action, number in (("m1", 6, "request_loan", NUMBER.lower()), ("m2", 7, "store", None)):
                conn.execute(text(
                    "INSERT INTO key_movements (id, key_id, key_version, group_id, project_id, action, to_state, at, "
                    "by, by_name, party_id_number, late, deposit_required) VALUES (:id, 'k1', :v, 'g1', 'p1', "
                    ":action, 'in_store', :at, 'desk', '', :number, :late, :no)"),
                    {"id": row_id, "v": version, "action": action, "at": at, "number": number,
                     "late": action == "request_loan", "no": False})
        upgrade(migrations_dir("tickets"), db_url)
        columns = {c["name"] for c in inspect(engine).get_columns("key_movements")}
        assert "party_id_number" not in columns and {"party_id_masked", "party_id_hash", "party_id_type"} <= columns
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, party_id_masked, party_id_hash FROM key_movements ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [("m1", "1101**********123X", id_number_digest(NUMBER, TEST_SECRET)),
                                            ("m2", None, None)]
        assert NUMBER not in str(rows)
        with Session(engine) as session:
            work = Work.build(session, ManualClock("2026-11-24T09:00:00+08:00"), Caller.system("g1", "t"),
                              base=Base, contract=CONTRACT, secret=TEST_SECRET)
            [flag] = keys.late_loans(work, "p1", keys._digest(work, NUMBER))
            assert flag.id == "m1"
    finally:
        engine.dispose()
