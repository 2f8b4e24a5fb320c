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


DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672//"
#: written by ``./wuye up`` while it runs, so the command-line tools of this checkout talk to
#: the broker vhost the running copy uses (``AMQP_URI`` still wins)
AMQP_URI_FILE = "amqp-uri"


def local_amqp_uri() -> str:
    """``AMQP_URI``; else the one the running ``./wuye up`` of this checkout uses; else the
    local default."""
    if os.environ.get("AMQP_URI"):
        return os.environ["AMQP_URI"]
    path = var_dir() / AMQP_URI_FILE
    try:
        return path.read_text().strip() or DEFAULT_AMQP_URI
    except OSError:
        return DEFAULT_AMQP_URI


def local_secret() -> str | None:
    """``WUYE_SECRET``; else the secret the running ``./wuye up`` of this checkout generated
    (``var/secret``); else None -- what a command-line tool signs its platform calls with."""
    if os.environ.get("WUYE_SECRET"):
        return os.environ["WUYE_SECRET"]
    path = var_dir() / "secret"
    return path.read_text().strip() if path.exists() else None


def vhost_of(amqp_uri: str) -> str:
    """The vhost an AMQP URI names (``/`` when none)."""
    from urllib.parse import unquote, urlsplit

    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def default_db_url(service: str) -> str:
    """``{SERVICE}_DB_URL`` if set, else a SQLite file under ``var/``."""
    env = os.environ.get(f"{service.upper()}_DB_URL")
    if env:
        return env
    return f"sqlite:///{var_dir() / (service + '.db')}"


def migrations_dir(service: str) -> Path:
    """Where a service's Alembic history lives (the gateway's beside the services')."""
    return ROOT / ("gateway" if service == "gateway" else f"services/{service}") / "migrations"


def amqp_ssl(config: dict | None = None):
    """TLS options for a broker connection: ``AMQP_SSL`` from the config (what nameko
    itself passes to kombu), else from the environment, parsed as YAML -- ``true`` or a
    mapping such as ``{ca_certs: /etc/wuye/tls/ca.pem, server_hostname: rabbitmq.internal}``.
    None: no TLS options (an ``amqps://`` URI still speaks TLS with the system CAs)."""
    value = (config or {}).get("AMQP_SSL")
    if value in (None, ""):
        import yaml

        text = os.environ.get("AMQP_SSL", "").strip()
        value = yaml.safe_load(text) if text else None
    return value or None


# -- secrets --------------------------------------------------------------------
#
# Two secrets, never derived from each other:
#   WUYE_SECRET           every process; signs the caller context and events.
#   GATEWAY_TOKEN_SECRET  the gateway alone; signs access tokens. A service (which
#                         holds WUYE_SECRET) must not be able to mint user tokens.
# With WUYE_ENV=production (the image sets it), a missing or weak secret is fatal
# at start: the development value, an example value from deploy/, anything under
# MIN_SECRET_BYTES bytes, or the token key equal to the platform secret.

MIN_SECRET_BYTES = 32
#: values shipped in this repository (dev default, the deploy/ examples and the test
#: value): published, so never a production secret
KNOWN_SECRETS = frozenset({
    DEV_SECRET, "REPLACE-with-openssl-rand-hex-32", "REPLACE-with-another-openssl-rand-hex-32",
    "change-me", "changeme", "secret", "test-secret", "test-token-secret-not-for-production",
})


class WeakSecret(RuntimeError):
    """A production process was given no secret, or one anybody can know."""


def is_production(config: dict | None = None) -> bool:
    env = (config or {}).get("WUYE_ENV") or os.environ.get("WUYE_ENV") or ""
    return str(env).strip().lower() == "production"


def secret_problem(name: str, value: str | None) -> str | None:
    """Why ``value`` is not good enough as a production secret, or None."""
    if not value:
        return f"{name} is not set"
    if value in KNOWN_SECRETS or value.startswith("REPLACE"):
        return f"{name} is a published development/example value"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"{name} is shorter than {MIN_SECRET_BYTES} bytes"
    return None


def _setting(config: dict, name: str) -> str | None:
    value = config.get(name) or os.environ.get(name)
    return str(value) if value else None


def secret_from(config: dict) -> str:
    """``WUYE_SECRET`` (config, then environment); the development value outside production."""
    secret = _setting(config, "WUYE_SECRET")
    if is_production(config):
        problem = secret_problem("WUYE_SECRET", secret)
        if problem:
            raise WeakSecret(f"{problem}; WUYE_ENV=production refuses to start "
                             f"(generate one: openssl rand -hex 32)")
        return secret
    return secret or DEV_SECRET


def token_secret_problems(config: dict) -> list[str]:
    """Why the gateway cannot sign access tokens safely (empty: it can).

    Outside production only a missing key (or one equal to WUYE_SECRET) counts;
    in production every rule of :func:`secret_problem` applies to both secrets.
    """
    token = _setting(config, "GATEWAY_TOKEN_SECRET")
    platform = _setting(config, "WUYE_SECRET") or (None if is_production(config) else DEV_SECRET)
    problems = []
    if is_production(config):
        problems += [p for p in (secret_problem("WUYE_SECRET", platform),
                                 secret_problem("GATEWAY_TOKEN_SECRET", token)) if p]
    elif not token:
        problems.append("GATEWAY_TOKEN_SECRET is not set")
    if token and token == platform:
        problems.append("GATEWAY_TOKEN_SECRET must differ from WUYE_SECRET "
                        "(every service holds WUYE_SECRET; none may mint tokens)")
    return problems


def check_secrets(config: dict, gateway: bool = False) -> list[str]:
    """Every secret problem of a process (the gateway checks its token key too)."""
    problems = []
    if is_production(config):
        problem = secret_problem("WUYE_SECRET", _setting(config, "WUYE_SECRET"))
        problems += [problem] if problem else []
    if gateway:
        problems += [p for p in token_secret_problems(config) if p not in problems]
    return problems


def main(argv=None) -> int:
    """``python -m kernel.config check-secrets [--gateway]``: exit 1 with the reasons
    when this environment's secrets would be refused (the image's entrypoint runs it)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m kernel.config")
    parser.add_argument("command", choices=["check-secrets"])
    parser.add_argument("--gateway", action="store_true", help="check GATEWAY_TOKEN_SECRET too")
    args = parser.parse_args(argv)
    problems = check_secrets({}, gateway=args.gateway)
    for problem in problems:
        print(f"wuye: refusing to start: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
