"""deploy/postgres-init/01-databases.sh on the real PostgreSQL: one role per service,
owning its own database only -- tickets cannot connect to (let alone read) billing's."""
import os
import subprocess
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from kernel.config import ROOT, migrations_dir
from kernel.db import upgrade
from kernel.testing import PG_ADMIN_URL

SCRIPT = ROOT / "deploy/postgres-init/01-databases.sh"
SERVICES = ("archive", "tickets", "billing", "notify", "gateway")


def run_script(prefix, passwords):
    env = {"PATH": os.environ["PATH"], "PGHOST": "127.0.0.1", "PGUSER": "postgres", "WUYE_DB_PREFIX": prefix,
           **{f"{s.upper()}_DB_PASSWORD": p for s, p in passwords.items()}}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)


def url(prefix, service, database=None, password="pw"):
    return f"postgresql+psycopg2://{prefix}{service}:{password}@127.0.0.1:5432/{prefix}{database or service}"


@pytest.fixture
def roles():
    prefix = f"wuye_t{uuid.uuid4().hex[:8]}_"
    passwords = {s: f"pw-{s}" for s in SERVICES}
    result = run_script(prefix, passwords)
    assert result.returncode == 0, result.stderr
    yield prefix
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for s in SERVICES:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                         {"n": prefix + s})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{prefix}{s}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{prefix}{s}"'))
    admin.dispose()


def connect(database_url):
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT current_user, current_database()")).one()
    finally:
        engine.dispose()


def test_each_role_owns_and_migrates_its_own_database(roles):
    upgrade(migrations_dir("tickets"), url(roles, "tickets"))      # its own schema: the migrations run
    assert connect(url(roles, "tickets")) == (f"{roles}tickets", f"{roles}tickets")
    admin = create_engine(PG_ADMIN_URL)
    with admin.connect() as conn:
        rows = conn.execute(text(
            "SELECT rolname, rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname LIKE :p"),
            {"p": roles + "%"}).all()
        owners = dict(conn.execute(text(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database WHERE datname LIKE :p"), {"p": roles + "%"}).all())
    admin.dispose()
    assert sorted(r[0] for r in rows) == sorted(roles + s for s in SERVICES)
    assert not any(r[1] or r[2] or r[3] for r in rows), "no role may be superuser or create databases/roles"
    assert owners == {roles + s: roles + s for s in SERVICES}


@pytest.mark.parametrize("who, whose", [("tickets", "billing"), ("billing", "tickets"), ("gateway", "archive"),
                                        ("notify", "gateway")])
def test_a_service_cannot_connect_to_another_services_database(roles, who, whose):
    upgrade(migrations_dir(whose), url(roles, whose))
    with pytest.raises(OperationalError, match="permission denied for database"):
        connect(url(roles, who, database=whose))


def test_the_script_is_idempotent_and_needs_every_password(roles):
    again = run_script(roles, {s: f"pw-{s}" for s in SERVICES})
    assert again.returncode == 0, again.stderr
    missing = run_script(roles, {s: "x" for s in SERVICES if s != "billing"})
    assert missing.returncode == 1 and "set BILLING_DB_PASSWORD" in missing.stderr


def test_tls_to_postgresql_is_settable_in_the_url_and_the_environment(monkeypatch):
    """The local server has no TLS: a required TLS connection must fail, which shows the
    setting reaches libpq through the kernel's engine (URL) and through PGSSLMODE."""
    from kernel.db import make_engine

    def attempt(url):
        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                return conn.execute(text("SELECT 1")).scalar()
        finally:
            engine.dispose()

    assert attempt(PG_ADMIN_URL) == 1
    with pytest.raises(OperationalError, match="server does not support SSL"):
        attempt(PG_ADMIN_URL + "?sslmode=require")
    monkeypatch.setenv("PGSSLMODE", "require")
    with pytest.raises(OperationalError, match="server does not support SSL"):
        attempt(PG_ADMIN_URL)
