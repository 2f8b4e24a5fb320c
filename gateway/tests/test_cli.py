"""``wuye-user``: the accounts CLI, run as a real subprocess against a fresh database."""
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from kernel.clock import SystemClock
from kernel.config import ROOT
from kernel.db import make_engine
from kernel.errors import Unauthenticated
from gateway import accounts


def cli(db_url, *args):
    return subprocess.run([sys.executable, "-m", "gateway.cli", "--db-url", db_url, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_create_list_password_deactivate(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    made = cli(url, "create", "--username", "desk1", "--name", "王前台", "--kind", "staff", "--group", "g1",
               "--role", "front_desk", "--project", "p1", "--password", "desk-pass-1")
    assert made.returncode == 0, made.stderr
    resident = cli(url, "create", "--username", "zw", "--name", "张伟", "--kind", "resident", "--group", "g1",
                   "--unit", "u1", "--password", "resident-pass")
    assert resident.returncode == 0, resident.stderr
    listed = cli(url, "list").stdout
    assert "desk1" in listed and "front_desk" in listed and "zw" in listed and "u1" in listed

    session = Session(make_engine(url))
    assert accounts.authenticate(session, "desk1", "desk-pass-1").display_name == "王前台"
    token, _ = accounts.issue_token(accounts.authenticate(session, "desk1", "desk-pass-1"),
                                    "k" * 32, SystemClock().now(), timedelta(hours=1))
    session.close()

    assert cli(url, "password", "--username", "desk1", "--password", "another-pass").returncode == 0
    assert cli(url, "deactivate", "--username", "zw").returncode == 0
    session = Session(make_engine(url))
    try:
        assert accounts.authenticate(session, "desk1", "another-pass")
        with pytest.raises(Unauthenticated):                   # the old token was revoked
            accounts.user_from_token(session, token, "k" * 32, SystemClock().now())
        with pytest.raises(Unauthenticated):                   # deactivated
            accounts.authenticate(session, "zw", "resident-pass")
    finally:
        session.close()


def test_refusals_are_clear_and_exit_non_zero(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    weak = cli(url, "create", "--username", "x", "--name", "X", "--kind", "staff", "--group", "g1",
               "--role", "front_desk", "--project", "p1", "--password", "short")
    assert weak.returncode == 2 and "at least 8 characters" in weak.stderr
    no_scope = cli(url, "create", "--username", "y", "--name", "Y", "--kind", "staff", "--group", "g1",
                   "--role", "front_desk", "--password", "long-enough")
    assert no_scope.returncode == 2 and "at least one project" in no_scope.stderr
    assert cli(url, "deactivate", "--username", "nobody").returncode == 1


def test_a_residents_unit_is_bound_to_its_household_granted_again_and_revoked(tmp_path):
    """``grant`` / ``revoke`` and the vacant-unit refusal (gateway.scopes)."""
    from gateway.readmodel import projector

    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    assert cli(url, "list").returncode == 0                                # migrated

    def household(hid, status, version=1):
        return {"household_id": hid, "group_id": "g1", "project_id": "p1", "unit_id": "u1", "status": status,
                "moved_in_on": "2026-01-01", "moved_out_on": "2026-02-01" if status == "moved_out" else None,
                "version": version, "people": []}

    engine = make_engine(url)
    with Session(engine) as session:
        projector.apply_household(session, household("h1", "moved_out", 2))
        session.commit()
    vacant = cli(url, "create", "--username", "zw", "--name", "张伟", "--kind", "resident", "--group", "g1",
                 "--unit", "u1", "--password", "resident-pass")
    assert vacant.returncode == 2 and "no household living in it" in vacant.stderr
    with Session(engine) as session:
        projector.apply_household(session, household("h2", "active"))
        session.commit()
    made = cli(url, "create", "--username", "zw", "--name", "张伟", "--kind", "resident", "--group", "g1",
               "--unit", "u1", "--password", "resident-pass")
    assert made.returncode == 0 and "bound to household h2" in made.stdout, made.stderr
    assert cli(url, "revoke", "--username", "zw", "--unit", "u1").returncode == 0
    assert "u1(ended)" in cli(url, "list").stdout
    granted = cli(url, "grant", "--username", "zw", "--unit", "u1")
    assert granted.returncode == 0 and "bound to household h2" in granted.stdout, granted.stderr
    listed = cli(url, "list").stdout
    assert "u1(ended),u1" in listed or "u1,u1(ended)" in listed
    engine.dispose()
