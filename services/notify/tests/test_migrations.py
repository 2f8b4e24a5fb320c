"""The Alembic history builds exactly the schema the models describe, on both backends."""
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from kernel.config import ROOT
from kernel.db import make_engine, upgrade
from services.notify.models import Base


def test_migrations_match_the_models(db_url):
    upgrade(ROOT / "services/notify/migrations", db_url)
    engine = make_engine(db_url) if db_url.startswith("postgresql") else create_engine(db_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == "0001"
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
