"""Apply Alembic migrations: ``python -m deploy.migrate [service ...]``.

Each service's database is ``{SERVICE}_DB_URL`` (default ``var/{service}.db``).
Containers run this as an init step for their own service only."""
from __future__ import annotations

import sys

from kernel.config import default_db_url, migrations_dir
from kernel.db import upgrade

SERVICES = ("archive", "tickets", "billing", "notify", "gateway")


def migrate(names=SERVICES, echo=print) -> None:
    for name in names:
        if name not in SERVICES:
            raise SystemExit(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
        upgrade(migrations_dir(name), default_db_url(name))
        echo(f"  migrated {name:8} {_redacted(default_db_url(name))}")


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    migrate(sys.argv[1:] or SERVICES)
