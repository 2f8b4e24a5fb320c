"""Every service's Alembic history builds exactly the schema its models describe,
on SQLite and on the real PostgreSQL, and can be applied twice (the run command
and every container start re-apply it)."""
from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from deploy.migrate import SERVICES
from kernel.config import migrations_dir
from kernel.db import alembic_config, make_engine, upgrade

MODELS = {name: ("gateway.models" if name == "gateway" else f"services.{name}.models") for name in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_match_the_models(service, db_url):
    upgrade(migrations_dir(service), db_url)
    upgrade(migrations_dir(service), db_url)                  # idempotent
    head = ScriptDirectory.from_config(alembic_config(migrations_dir(service), db_url)).get_current_head()
    metadata = importlib.import_module(MODELS[service]).Base.metadata
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == head
            assert compare_metadata(context, metadata) == [], f"{service}: models and migrations differ"
    finally:
        engine.dispose()
