"""Settings shared by every process: where the databases live, the platform secret.

Service settings come from the nameko YAML files in ``deploy/config`` (which
read environment variables); helpers here give every process the same defaults.
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "wuye-dev-secret-change-me"


def var_dir() -> Path:
    """Local data (SQLite files, logs, the local secret): private to its owner --
    created 0700 (an existing directory is left as its owner set it)."""
    path = Path(os.environ.get("WUYE_VAR_DIR", ROOT / "var"))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=0o700, exist_ok=True)
        path.chmod(0o700)          # whatever the umask
    return path


def default_db_url(service: str) -> str:
    """``{SERVICE}_DB_URL`` if set, else a SQLite file under ``var/``."""
    env = os.environ.get(f"{service.upper()}_DB_URL")
    if env:
        return env
    return f"sqlite:///{var_dir() / (service + '.db')}"


def migrations_dir(service: str) -> Path:
    """Where a service's Alembic history lives (the gateway's beside the services')."""
    return ROOT / ("gateway" if service == "gateway" else f"services/{service}") / "migrations"


def secret_from(config: dict) -> str:
    secret = config.get("WUYE_SECRET") or os.environ.get("WUYE_SECRET") or DEV_SECRET
    if secret == DEV_SECRET and os.environ.get("WUYE_ENV") == "production":
        raise RuntimeError("WUYE_SECRET must be set in production")
    return secret
