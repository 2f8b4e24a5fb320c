"""The body of every service's ``migrations/env.py``.

Each service keeps its own Alembic history (its own database); this helper
only removes the boilerplate. SQLite gets batch mode so ALTERs work there too.
"""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool


def run(target_metadata) -> None:
    config = context.config
    url = config.get_main_option("sqlalchemy.url")
    opts = dict(target_metadata=target_metadata, compare_type=True,
                render_as_batch=url.startswith("sqlite"))
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, **opts)
        with context.begin_transaction():
            context.run_migrations()
        return
    from .db import make_engine  # same URL normalisation (psycopg2) as the services
    engine = make_engine(url) if not url.startswith("sqlite") else create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **opts)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
