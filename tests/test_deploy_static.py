"""Static checks of the container and Kubernetes deployment files.

No Docker engine or cluster is needed: the files are parsed (PyYAML, a small
Dockerfile reader) and cross-checked against the project's own run table
(``deploy/run.py`` SERVICES), its nameko configs and its packaging. The
entrypoint script is syntax-checked with ``bash -n`` and exercised with a
stand-in ``python`` that records what it would run; its probes are run for
real against local sockets. ``kubectl kustomize`` is used when kubectl is on
PATH.
"""
from __future__ import annotations

import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
import yaml

from deploy.migrate import SERVICES as MIGRATE_SERVICES
from deploy.run import SERVICES

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
ENTRYPOINT = DEPLOY / "docker-entrypoint.sh"
DOCKERIGNORE = ROOT / ".dockerignore"
README = DEPLOY / "README.md"
PG_INIT = DEPLOY / "postgres-init" / "01-databases.sh"
SECRET_TEMPLATE = K8S / "secret.example.yaml"

NAMEKO_SERVICES = [name for name in SERVICES if name != "gateway"]
DB_URL_RE = re.compile(r"^([A-Z]+)_DB_URL$")

# Environment variables read by code directly (not through a nameko config).
PROCESS_ENV = {"WUYE_ENV", "WUYE_VAR_DIR", "WUYE_MIGRATE_ON_START", "WUYE_SECRET", "AMQP_URI",
               "PGSSLMODE", "PGSSLROOTCERT"} | {   # the last two: libpq, under SQLAlchemy
    f"{name.upper()}_DB_URL" for name in SERVICES}
# Read by deploy/broker.py (the broker-init one-shot), not by a Wuye process.
BROKER_INIT_ENV = {"RABBITMQ_ADMIN_USER", "RABBITMQ_ADMIN_PASSWORD"} | {
    f"{name.upper()}_AMQP_PASSWORD" for name in SERVICES}
#: user names no Wuye process may use against the broker or the database
ADMIN_USERS = {"guest", "admin", "administrator", "root", "postgres", "wuye", "wuye-admin", "rabbitmq"}


# -- helpers ------------------------------------------------------------------

def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def compose_text_defaults(value: str) -> str:
    """Resolve ``${VAR:-default}`` / ``${VAR-default}`` to the default, as compose
    would with VAR unset (``${VAR:?err}`` and ``${VAR}`` resolve to 'VAR')."""
    def sub(match):
        body = match.group(1)
        for sep in (":-", "-"):
            if sep in body:
                return body.split(sep, 1)[1]
        return re.split(r":?\?", body)[0]
    return re.sub(r"\$\{([^}]+)\}", sub, value)


def compose_app_services(compose: dict) -> dict:
    """Compose services that run a Wuye process from the image (built from deploy/Dockerfile);
    not broker-init, which runs deploy/broker.py with the broker's administrator."""
    return {name: svc for name, svc in compose["services"].items() if "build" in svc and name != "broker-init"}


def url_user(url: str) -> str:
    """The user name of a broker or database URL (``scheme://USER:PASSWORD@host...``)."""
    match = re.match(r"^[a-z0-9+]+://([^:@/]+)(?::[^@]*)?@", url)
    assert match, f"no user in {url!r}"
    return match.group(1)


def k8s_docs() -> dict[str, list[dict]]:
    docs = {}
    for path in sorted(K8S.glob("*.yaml")):
        docs[path.name] = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    return docs


def kustomization() -> dict:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


def deployed_objects() -> list[dict]:
    """Every object the kustomization deploys."""
    objects = []
    for resource in kustomization()["resources"]:
        objects += [d for d in yaml.safe_load_all((K8S / resource).read_text()) if d is not None]
    return objects


def objects_of(kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in deployed_objects() if o["kind"] == kind}


def pod_containers(deployment: dict, init: bool = True) -> list[dict]:
    spec = deployment["spec"]["template"]["spec"]
    return list(spec["containers"]) + (list(spec.get("initContainers", [])) if init else [])


def main_container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{deployment['metadata']['name']}: one container per pod expected"
    return containers[0]


def env_names(container: dict) -> set[str]:
    return {e["name"] for e in container.get("env", [])}


def db_url_vars(names) -> set[str]:
    return {n for n in names if DB_URL_RE.match(n)}


def config_vars() -> dict[str, set[str]]:
    """${VAR:default} names of each nameko config."""
    def settings(path):
        text = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        return set(re.findall(r"\$\{([A-Z0-9_]+)(?::[^}]*)?\}", text))
    return {path.stem: settings(path) for path in sorted((DEPLOY / "config").glob("*.yaml"))}


def all_config_vars() -> set[str]:
    return set().union(*config_vars().values())


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined, comments dropped."""
    out, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        instruction, _, args = line.partition(" ")
        out.append((instruction.upper(), args.strip()))
    assert not pending, "Dockerfile ends inside a continued line"
    return out


def dockerfile_stages() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(stage name, instructions)]; stage 'global' holds what precedes the first FROM."""
    stages = [("global", [])]
    for instruction, args in dockerfile_instructions():
        if instruction == "FROM":
            match = re.match(r"(\S+)(?:\s+AS\s+(\S+))?", args, re.IGNORECASE)
            stages.append((match.group(2) or f"stage{len(stages)}", [(instruction, args)]))
        else:
            stages[-1][1].append((instruction, args))
    return stages


def entrypoint_case_targets() -> dict[str, str]:
    """The service -> nameko target table of the entrypoint's target_for()."""
    text = ENTRYPOINT.read_text()
    body = re.search(r"target_for\(\)\s*\{(.*?)\n\}", text, re.S)
    assert body, "docker-entrypoint.sh has no target_for() function"
    return dict(re.findall(r"^\s*([a-z]+)\)\s*echo\s+\"([^\"]+)\"\s*;;", body.group(1), re.M))


def run_entrypoint(*args, env=None, path_first=None, timeout=60):
    environ = {"PATH": os.environ.get("PATH", ""), "WUYE_APP_DIR": str(ROOT), "HOME": os.environ.get("HOME", "/")}
    if path_first:
        environ["PATH"] = f"{path_first}:{environ['PATH']}"
    environ.update(env or {})
    return subprocess.run(["bash", str(ENTRYPOINT), *args], env=environ, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture
def fake_python(tmp_path):
    """A stand-in ``python`` that records each command line and succeeds."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "python.log"
    script = bindir / "python"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexit 0\n')
    script.chmod(0o755)
    return bindir, log


@pytest.fixture
def real_python_first(tmp_path):
    """PATH head where ``python`` is this interpreter (the image's venv python)."""
    bindir = tmp_path / "pybin"
    bindir.mkdir()
    wrapper = bindir / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')   # a symlink would lose the venv
    wrapper.chmod(0o755)
    return bindir


# -- every file parses; the file set is complete --------------------------------

def test_required_files_exist():
    for path in (DOCKERFILE, ENTRYPOINT, COMPOSE, DOCKERIGNORE, README, PG_INIT, SECRET_TEMPLATE,
                 K8S / "kustomization.yaml"):
        assert path.is_file(), f"missing {path.relative_to(ROOT)}"


def test_every_yaml_parses():
    load_compose()
    docs = k8s_docs()
    assert docs, "no manifests in deploy/k8s"
    for name, objects in docs.items():
        if name == "kustomization.yaml":
            continue
        for obj in objects:
            assert {"apiVersion", "kind", "metadata"} <= obj.keys(), f"{name}: not a Kubernetes object: {obj}"
            assert obj["metadata"].get("name"), f"{name}: {obj['kind']} without a name"


def test_kustomization_lists_every_manifest_but_the_secret_template():
    resources = kustomization()["resources"]
    for resource in resources:
        assert (K8S / resource).is_file(), f"kustomization resource {resource} does not exist"
    manifests = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(resources) == manifests - {SECRET_TEMPLATE.name}, "manifests not listed in kustomization.yaml"
    # applied as is, the template's placeholders would become the platform's secrets
    assert SECRET_TEMPLATE.name not in resources


def _kustomize_in_python() -> list[dict]:
    """What `kubectl kustomize` does with this kustomization (resources + namespace),
    for machines without kubectl."""
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    built = []
    for resource in kustomization["resources"]:
        for doc in yaml.safe_load_all((K8S / resource).read_text()):
            if doc:
                if kustomization.get("namespace") and doc["kind"] != "Namespace":
                    doc.setdefault("metadata", {})["namespace"] = kustomization["namespace"]
                built.append(doc)
    return built


def test_kustomize_builds():
    if shutil.which("kubectl"):
        result = subprocess.run(["kubectl", "kustomize", str(K8S)], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        built = [d for d in yaml.safe_load_all(result.stdout) if d]
    else:
        built = _kustomize_in_python()
    kinds = sorted(d["kind"] for d in built)
    assert kinds.count("Deployment") == len(SERVICES)
    assert all(d["metadata"].get("namespace", "wuye") == "wuye" for d in built)


def test_run_table_agrees_with_migrations():
    assert set(SERVICES) == set(MIGRATE_SERVICES)


# -- compose ------------------------------------------------------------------------

def test_compose_has_every_service_with_its_target_and_own_database():
    compose = load_compose()
    services = compose["services"]
    databases = {}
    for name in SERVICES:
        assert name in services, f"compose has no service {name}"
        svc = services[name]
        assert svc["command"] == ["serve", name], f"compose {name}: command {svc.get('command')}"
        env = svc["environment"]
        assert isinstance(env, dict), f"compose {name}: environment must be a mapping"
        own = f"{name.upper()}_DB_URL"
        assert db_url_vars(env) == {own}, f"compose {name} must get exactly its own database URL, got {db_url_vars(env)}"
        url = env[own]
        assert url.startswith("postgresql+psycopg2://"), f"compose {name}: {url}"
        databases[name] = url.rsplit("/", 1)[1]
    assert len(set(databases.values())) == len(databases), f"services share a database: {databases}"
    created = set(pg_init_services())
    assert set(databases.values()) <= created, f"databases not created by {PG_INIT.name}: {set(databases.values()) - created}"


def pg_init_services() -> list[str]:
    match = re.search(r"^for service in ([a-z ]+); do", PG_INIT.read_text(), re.M)
    assert match, f"{PG_INIT.name} has no 'for service in ...' loop"
    return match.group(1).split()


def test_pg_init_makes_one_role_per_service_owning_only_its_database():
    assert sorted(pg_init_services()) == sorted(SERVICES)
    text = PG_INIT.read_text()
    assert text.startswith("#!/usr/bin/env bash") and os.access(PG_INIT, os.X_OK), "the postgres image executes it"
    assert subprocess.run(["bash", "-n", str(PG_INIT)]).returncode == 0
    for rule in ("CREATE ROLE", "NOSUPERUSER NOCREATEDB NOCREATEROLE", "CREATE DATABASE %I OWNER %I",
                 "REVOKE ALL ON DATABASE %I FROM PUBLIC", "GRANT CONNECT", "ALTER SCHEMA public OWNER TO"):
        assert rule in text, f"{PG_INIT.name} lacks {rule!r}"
    assert "_DB_PASSWORD" in text and "GRANT ALL" not in text


def test_compose_each_process_has_its_own_broker_user_and_database_role():
    services = load_compose()["services"]
    amqp_users, db_users = {}, {}
    for name in SERVICES:
        env = services[name]["environment"]
        amqp_users[name] = url_user(env["AMQP_URI"])
        db_users[name] = url_user(env[f"{name.upper()}_DB_URL"])
        assert amqp_users[name] == f"wuye-{name}", f"{name} connects to the broker as {amqp_users[name]}"
        assert db_users[name] == name, f"{name} connects to PostgreSQL as {db_users[name]}"
        assert f"${{{name.upper()}_AMQP_PASSWORD:?" in env["AMQP_URI"], f"{name}: its broker password is required"
        assert f"${{{name.upper()}_DB_PASSWORD:?" in env[f"{name.upper()}_DB_URL"], f"{name}: its DB password"
    for name, svc in compose_app_services(load_compose()).items():
        for key, value in svc["environment"].items():
            if isinstance(value, str) and "://" in value and "@" in value:
                assert url_user(value) not in ADMIN_USERS, f"{name} {key} uses an administrator: {value}"
    assert not set(amqp_users.values()) & ADMIN_USERS and not set(db_users.values()) & ADMIN_USERS
    # the administrators exist only for the init steps
    assert services["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_USER"] not in amqp_users.values()
    assert services["postgres"]["environment"]["POSTGRES_USER"] not in db_users.values()
    for name in SERVICES:
        assert f"{name.upper()}_DB_PASSWORD" in services["postgres"]["environment"]
    init = services["broker-init"]
    assert init["command"][:4] == ["python", "-m", "deploy.broker", "apply"]
    assert set(init["environment"]) == BROKER_INIT_ENV
    for name in SERVICES:
        assert services[name]["depends_on"]["broker-init"]["condition"] == "service_completed_successfully"


def test_broker_users_are_the_run_table():
    from deploy import broker

    assert set(broker.USERS) == set(SERVICES)
    for user, perms in broker.all_permissions().items():
        assert set(perms) == {"configure", "write", "read"}
        for kind, regex in perms.items():
            re.compile(regex)
            assert regex.startswith("^(") and regex.endswith(")$") and ".*" not in regex, (user, kind, regex)


def test_compose_migrations_cover_every_database_and_gate_the_services():
    services = load_compose()["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["migrate", "all"]
    assert db_url_vars(migrate["environment"]) == {f"{n.upper()}_DB_URL" for n in SERVICES}
    for name in SERVICES:
        assert migrate["environment"][f"{name.upper()}_DB_URL"] == services[name]["environment"][f"{name.upper()}_DB_URL"]
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully", name
        assert deps["rabbitmq"]["condition"] == "service_healthy", name
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert services[name].get("restart") in ("unless-stopped", "always", "on-failure"), name
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert migrate.get("restart") == "no"


def test_compose_infrastructure():
    compose = load_compose()
    services = compose["services"]
    assert services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert services["postgres"]["image"] == "postgres:16"
    for name in ("rabbitmq", "postgres"):
        assert services[name]["healthcheck"]["test"], f"{name} needs a healthcheck"
        assert services[name].get("restart")
    volumes = services["postgres"]["volumes"]
    named = [v.split(":")[0] for v in volumes if not v.startswith((".", "/"))]
    assert named and all(v in compose["volumes"] for v in named), "postgres needs a named volume"
    assert any(v.startswith("./postgres-init:/docker-entrypoint-initdb.d") for v in volumes)
    assert (COMPOSE.parent / "postgres-init").resolve() == PG_INIT.parent


def test_compose_only_gateway_publishes_ports_and_services_scale():
    services = load_compose()["services"]
    for name, svc in services.items():
        assert "container_name" not in svc, f"{name}: container_name prevents --scale"
        if name != "gateway":
            assert "ports" not in svc, f"{name} publishes host ports; only the gateway may"
    ports = services["gateway"]["ports"]
    assert len(ports) == 1 and str(ports[0]).endswith(":8000")
    gateway_env = services["gateway"]["environment"]
    assert gateway_env["GATEWAY_ADDRESS"].endswith(":8000")


def test_compose_wuye_secret_has_no_default():
    text = COMPOSE.read_text()
    uses = re.findall(r"\$\{WUYE_SECRET([^}]*)\}", text)
    assert uses, "compose does not pass WUYE_SECRET"
    for tail in uses:
        assert tail.startswith(":?"), f"${{WUYE_SECRET{tail}}} must be required (:?), never defaulted"
    assert "wuye-dev-secret-change-me" not in text
    for name, svc in compose_app_services(load_compose()).items():
        value = svc["environment"].get("WUYE_SECRET")
        assert value and re.fullmatch(r"\$\{WUYE_SECRET:\?[^}]+\}", value), f"{name}: WUYE_SECRET={value!r}"
    # the other credentials are required too (no 'guest'/'postgres' fallbacks)
    for var in ("POSTGRES_PASSWORD", "RABBITMQ_ADMIN_PASSWORD", "GATEWAY_TOKEN_SECRET",
                *(f"{n.upper()}_{kind}_PASSWORD" for n in SERVICES for kind in ("DB", "AMQP"))):
        tails = re.findall(r"\$\{" + var + r"([^}]*)\}", text)
        assert tails, f"compose does not use {var}"
        for tail in tails:
            assert tail.startswith(":?"), f"{var} must not have a default"


def test_compose_settings_are_real_settings():
    known = all_config_vars() | PROCESS_ENV
    assert set(load_compose()["services"]["broker-init"]["environment"]) <= BROKER_INIT_ENV
    for name, svc in compose_app_services(load_compose()).items():
        unknown = set(svc["environment"]) - known
        assert not unknown, f"compose {name}: {unknown} are read by no config and no code"


# -- Dockerfile -----------------------------------------------------------------------

def test_dockerfile_build_args_and_base():
    stages = dockerfile_stages()
    global_args = [a for i, a in stages[0][1] if i == "ARG"]
    assert "PYTHON_VERSION=3.11" in global_args, "ARG PYTHON_VERSION=3.11 must precede FROM"
    names = [name for name, _ in stages[1:]]
    assert len(names) >= 2 and "builder" in names, "multi-stage build with a 'builder' stage"
    for name, instructions in stages[1:]:
        assert instructions[0][1].startswith("python:${PYTHON_VERSION}-slim"), f"stage {name}: {instructions[0][1]}"
    runtime = dict(stages)[names[-1]]
    runtime_args = [a for i, a in runtime if i == "ARG"]
    assert any(a.split("=")[0] == "APP_VERSION" for a in runtime_args), "ARG APP_VERSION in the runtime stage"
    labels = " ".join(a for i, a in runtime if i == "LABEL")
    assert 'org.opencontainers.image.version="${APP_VERSION}"' in labels
    for key in ("title", "description", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels


def test_dockerfile_runtime_stage():
    stages = dockerfile_stages()
    runtime = stages[-1][1]
    instructions = [i for i, _ in runtime]
    users = [a for i, a in runtime if i == "USER"]
    assert users, "the runtime stage must set USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), "runs as root"
    assert [a for i, a in runtime if i == "WORKDIR"][-1] == "/app"
    envs = " ".join(a for i, a in runtime if i == "ENV")
    assert "PYTHONUNBUFFERED=1" in envs
    assert "8000" in [a for i, a in runtime if i == "EXPOSE"][0].split()
    assert "HEALTHCHECK" in instructions and "CMD" in instructions and "ENTRYPOINT" in instructions
    assert instructions.index("USER") < instructions.index("ENTRYPOINT")
    copies = [a for i, a in runtime if i == "COPY"]
    assert any("--from=builder" in c and "/opt/venv" in c for c in copies), "runtime copies the builder's venv"
    entrypoint = [a for i, a in runtime if i == "ENTRYPOINT"][-1]
    assert "docker-entrypoint.sh" in entrypoint
    assert any(c.split()[-2:] == ["deploy/docker-entrypoint.sh", "/usr/local/bin/docker-entrypoint.sh"]
               or ("deploy/docker-entrypoint.sh" in c and "/usr/local/bin/docker-entrypoint.sh" in c)
               for c in copies)
    healthcheck = [a for i, a in runtime if i == "HEALTHCHECK"][-1]
    assert "docker-entrypoint.sh" in healthcheck and "healthcheck" in healthcheck
    # the healthcheck's gateway branch is a python HTTP request (no curl in slim)
    text = ENTRYPOINT.read_text()
    assert "http://127.0.0.1:{port}/health" in text and "urllib.request" in text
    assert "curl" not in healthcheck and "wget" not in healthcheck


def test_the_notify_image_installs_the_cjk_font_of_the_printed_notices():
    """One image runs notify: its runtime stage installs a CJK font from Debian's packages (as root,
    before USER) and WUYE_CJK_FONT names the file the package puts there, one of the paths notify's
    font locator knows; ./wuye's bootstrap installs the same package through deploy/scripts/cjk-font."""
    from services.notify.printing import fonts

    runtime = dockerfile_stages()[-1][1]
    instructions = [i for i, _ in runtime]
    installs = [n for n, (i, a) in enumerate(runtime) if i == "RUN" and "apt-get install" in a
                and fonts.PACKAGE in a.split()]
    assert installs, f"the runtime stage does not apt-get install {fonts.PACKAGE}"
    assert installs[0] < instructions.index("USER"), "the font is installed as root, before USER"
    run = runtime[installs[0]][1]
    assert "apt-get update" in run and "rm -rf /var/lib/apt/lists" in run
    envs = " ".join(a for i, a in runtime if i == "ENV")
    chosen = re.search(r"WUYE_CJK_FONT=(\S+)", envs)
    assert chosen and chosen.group(1) == fonts.WELL_KNOWN[0][0]
    script = (DEPLOY / "scripts" / "cjk-font").read_text()
    listed = re.search(r"WELL_KNOWN=\((.*?)\)", script, re.S).group(1).split()
    assert listed == [path for path, _ in fonts.WELL_KNOWN], "the script looks where notify looks"
    assert f"PACKAGE={fonts.PACKAGE}" in script
    assert "deploy/scripts/cjk-font --log \"$ROOT/var/log/bootstrap.log\"" in (ROOT / "wuye").read_text()


def test_the_font_script_installs_the_font_only_when_none_is_found(tmp_path):
    """deploy/scripts/cjk-font with a recording apt-get on PATH: a font present (or named by
    WUYE_CJK_FONT) installs nothing; none found: apt-get update and install of the package, its
    output in the log; a failing apt-get never fails the caller."""
    script = DEPLOY / "scripts" / "cjk-font"
    calls = tmp_path / "calls"
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {calls}\necho apt-chatter\nexit ${{FAKE_APT_RC:-0}}\n')
    (fake / "apt-get").chmod(0o755)
    (fake / "id").write_text("#!/bin/sh\necho 0\n")           # as root (no sudo)
    (fake / "id").chmod(0o755)
    present = tmp_path / "font.ttc"
    present.write_bytes(b"x")
    log = tmp_path / "bootstrap.log"
    env = {"PATH": f"{fake}:/usr/bin:/bin"}

    def run(*paths, **extra):
        return subprocess.run(["bash", str(script), "--log", str(log), *map(str, paths)], env={**env, **extra},
                              capture_output=True, text=True, timeout=30)

    assert run(tmp_path / "none.ttc", present).returncode == 0 and not calls.exists()
    assert run(tmp_path / "none.ttc", WUYE_CJK_FONT=str(present)).returncode == 0 and not calls.exists()
    done = run(tmp_path / "none.ttc")
    assert done.returncode == 0 and "installing fonts-wqy-microhei" in done.stdout
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq fonts-wqy-microhei"]
    assert "apt-chatter" in log.read_text() and "apt-chatter" not in done.stdout
    failed = run(tmp_path / "none.ttc", FAKE_APT_RC="100")
    assert failed.returncode == 0 and "cjk_font_missing" in failed.stderr


def test_dockerfile_numeric_user_matches_kubernetes():
    runtime = dockerfile_stages()[-1][1]
    uid = [a for i, a in runtime if i == "USER"][-1].split(":")[0]
    assert uid.isdigit(), "a numeric USER lets Kubernetes verify runAsNonRoot"
    for name, dep in objects_of("Deployment").items():
        ctx = dep["spec"]["template"]["spec"]["securityContext"]
        assert ctx["runAsNonRoot"] is True, name
        assert str(ctx["runAsUser"]) == uid, f"{name}: runAsUser {ctx['runAsUser']} != image USER {uid}"


def test_dockerfile_lock_before_source_for_layer_caching():
    builder = dict(dockerfile_stages())["builder"]
    def index(predicate):
        return next(n for n, (i, a) in enumerate(builder) if predicate(i, a))
    lock_copy = index(lambda i, a: i == "COPY" and "requirements.lock" in a)
    lock_install = index(lambda i, a: i == "RUN" and "-r requirements.lock" in a)
    source_copy = index(lambda i, a: i == "COPY" and re.search(r"\b(kernel|services|gateway|\.)/?\s", a + " ")
                        and "requirements.lock" not in a)
    project_install = index(lambda i, a: i == "RUN" and "--no-deps" in a and a.rstrip().endswith("."))
    assert lock_copy < lock_install < source_copy < project_install


def test_image_contains_every_package_the_project_ships():
    packaging = tomllib.loads((ROOT / "pyproject.toml").read_text())
    includes = packaging["tool"]["setuptools"]["packages"]["find"]["include"]
    top = {pattern.rstrip("*") for pattern in includes}
    for stage in ("builder", dockerfile_stages()[-1][0]):
        copies = [a for i, a in dict(dockerfile_stages())[stage] if i == "COPY"]
        copied = {c.split()[-2].rstrip("/") for c in copies if "--from" not in c}
        assert top <= copied, f"stage {stage} does not copy {top - copied}"
        assert "pyproject.toml" in copied


def dockerignore_regex(pattern: str) -> re.Pattern:
    """Docker's .dockerignore matching: the pattern is matched against the whole
    path from the context root; ``*`` and ``?`` stay within one segment, ``**``
    spans any number of them."""
    out, i = "", 0
    pattern = pattern.strip("/")
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def test_dockerignore_keeps_what_the_build_needs():
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert not any(p.startswith("!") for p in patterns), "keep the ignore file simple (no exceptions)"
    regexes = [dockerignore_regex(p) for p in patterns]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]   # a matched directory hides its files
        return any(r.fullmatch(prefix) for r in regexes for prefix in prefixes)

    needed = ["requirements.lock", "pyproject.toml", "deploy/docker-entrypoint.sh", "deploy/migrate.py",
              "deploy/__init__.py", "kernel/config.py", "gateway/cli.py", "gateway/migrations/env.py"]
    needed += [f"deploy/config/{name}.yaml" for name in SERVICES]
    needed += [target.split(":")[0].replace(".", "/") + ".py" for target in SERVICES.values()]
    for path in needed:
        assert (ROOT / path).exists(), path
        assert not ignored(path), f".dockerignore excludes {path}, which the image needs"
    for path in (".venv", ".git", "var", "kernel/tests/test_db.py", "deploy/k8s/gateway.yaml", ".env",
                 "deploy/.env", "deploy/.env.production"):
        assert ignored(path), f".dockerignore should exclude {path}"


# -- entrypoint -----------------------------------------------------------------------

def test_entrypoint_syntax():
    assert ENTRYPOINT.read_text().startswith("#!/usr/bin/env bash")
    result = subprocess.run(["bash", "-n", str(ENTRYPOINT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert os.access(ENTRYPOINT, os.X_OK), "docker-entrypoint.sh must be executable"


def test_entrypoint_targets_are_the_run_table():
    assert entrypoint_case_targets() == SERVICES


@pytest.mark.parametrize("name", list(SERVICES))
def test_entrypoint_serve_runs_the_target(name, fake_python):
    bindir, log = fake_python
    result = run_entrypoint("serve", name, path_first=bindir)
    assert result.returncode == 0, result.stderr
    check = "-m kernel.config check-secrets" + (" --gateway" if name == "gateway" else "")
    assert log.read_text().splitlines() == [
        check, f"-m kernel.serve --config deploy/config/{name}.yaml {SERVICES[name]}"]
    assert (ROOT / f"deploy/config/{name}.yaml").is_file()


@pytest.mark.parametrize("name, env, reason", [
    ("tickets", {}, "WUYE_SECRET is not set"),
    ("tickets", {"WUYE_SECRET": "wuye-dev-secret-change-me"}, "WUYE_SECRET is a published"),
    ("gateway", {"WUYE_SECRET": "x" * 64}, "GATEWAY_TOKEN_SECRET is not set"),
    ("gateway", {"WUYE_SECRET": "x" * 64, "GATEWAY_TOKEN_SECRET": "too-short"},
     "GATEWAY_TOKEN_SECRET is shorter than 32 bytes"),
])
def test_entrypoint_refuses_to_serve_with_weak_secrets_in_production(name, env, reason, real_python_first):
    result = run_entrypoint("serve", name, path_first=real_python_first,
                            env={"WUYE_ENV": "production", **env})
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert f"wuye: refusing to start: {reason}" in result.stderr


def test_the_image_runs_in_production_mode():
    runtime = dockerfile_stages()[-1][1]
    final_env = " ".join(args for instruction, args in runtime if instruction == "ENV")
    assert re.search(r"\bWUYE_ENV=production\b", final_env), "the image must set WUYE_ENV=production"


def test_entrypoint_migrates_first_when_asked(fake_python):
    bindir, log = fake_python
    result = run_entrypoint("serve", "tickets", path_first=bindir, env={"WUYE_MIGRATE_ON_START": "1"})
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "-m kernel.config check-secrets",
        "-m deploy.migrate tickets",
        f"-m kernel.serve --config deploy/config/tickets.yaml {SERVICES['tickets']}"]


@pytest.mark.parametrize("args, expected", [
    (["migrate", "billing"], "-m deploy.migrate billing"),
    (["migrate", "all"], "-m deploy.migrate"),
    (["user", "list"], "-m gateway.cli list"),
    (["user", "create", "--username", "admin"], "-m gateway.cli create --username admin"),
    (["dlq", "list", "tickets"], "-m kernel.dlq list tickets"),
])
def test_entrypoint_commands(args, expected, fake_python):
    bindir, log = fake_python
    result = run_entrypoint(*args, path_first=bindir)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [expected]


@pytest.mark.parametrize("args", [["serve", "billingg"], ["serve"], ["migrate", "tickets", "nope"],
                                  ["migrate"], ["no-such-command-xyz"], ["probe", "sideways"]])
def test_entrypoint_rejects_with_exit_2(args, fake_python):
    bindir, log = fake_python
    result = run_entrypoint(*args, path_first=bindir)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stderr.strip(), "say what is wrong"
    assert not log.exists(), "nothing may run"


def test_entrypoint_help_is_the_default():
    result = run_entrypoint()
    assert result.returncode == 0
    for word in ("migrate", "serve", "user", "dlq", "healthcheck"):
        assert word in result.stdout


def test_entrypoint_migrates_a_database(tmp_path, real_python_first):
    url = f"sqlite:///{tmp_path / 'notify.db'}"
    result = run_entrypoint("migrate", "notify", path_first=real_python_first,
                            env={"NOTIFY_DB_URL": url, "WUYE_VAR_DIR": str(tmp_path)}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "migrated notify" in result.stdout
    assert (tmp_path / "notify.db").stat().st_size > 0




def test_probe_ready_sees_the_broker_connection(real_python_first):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    idle = socket.socket()
    idle.bind(("127.0.0.1", 0))
    idle.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    try:
        ok = run_entrypoint("probe", "ready", path_first=real_python_first,
                            env={"AMQP_URI": f"amqp://u:p@127.0.0.1:{port}//"})
        assert ok.returncode == 0, ok.stderr
        down = run_entrypoint("probe", "ready", path_first=real_python_first,
                              env={"AMQP_URI": f"amqp://u:p@127.0.0.1:{idle.getsockname()[1]}//"})
        assert down.returncode != 0 and "no established connection" in down.stderr
    finally:
        client.close()
        server.close()
        idle.close()


def test_probe_live_checks_the_nameko_process(real_python_first):
    fake_service = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "-m", "kernel.serve"])
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        ok = run_entrypoint("probe", "live", path_first=real_python_first,
                            env={"WUYE_PROBE_PID": str(fake_service.pid)})
        assert ok.returncode == 0, ok.stderr
        bad = run_entrypoint("probe", "live", path_first=real_python_first, env={"WUYE_PROBE_PID": str(other.pid)})
        assert bad.returncode != 0 and "not a nameko service" in bad.stderr
    finally:
        for p in (fake_service, other):
            p.kill()
            p.wait()


@pytest.mark.parametrize("status, expected_ok", [(200, True), (503, False)])
def test_probe_http_is_the_gateway_health(status, expected_ok, real_python_first):
    seen = []

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run_entrypoint("probe", "http", path_first=real_python_first,
                                env={"GATEWAY_ADDRESS": f"0.0.0.0:{server.server_address[1]}"})
        assert (result.returncode == 0) is expected_ok, result.stderr
        assert seen == ["/health"]
    finally:
        server.shutdown()
        server.server_close()


# -- Kubernetes -----------------------------------------------------------------------

def test_k8s_deployment_per_service_with_its_target_and_own_database():
    deployments = objects_of("Deployment")
    assert set(deployments) == set(SERVICES)
    for name, dep in deployments.items():
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items(), name
        container = main_container(dep)
        assert container.get("args") == ["serve", name], f"{name}: args {container.get('args')}"
        assert "command" not in container, f"{name}: keep the image ENTRYPOINT"
        inits = dep["spec"]["template"]["spec"].get("initContainers", [])
        assert [c.get("args") for c in inits] == [["migrate", name]], f"{name}: initContainer must migrate {name}"
        own = f"{name.upper()}_DB_URL"
        for c in pod_containers(dep):
            assert db_url_vars(env_names(c)) == {own}, f"{name}/{c['name']}: database URLs {db_url_vars(env_names(c))}"
            ref = next(e for e in c["env"] if e["name"] == own)["valueFrom"]["secretKeyRef"]
            assert ref["key"] == own, f"{name}/{c['name']} reads {ref['key']} as {own}"
            # a secretRef envFrom would hand every database URL to every pod
            assert not any("secretRef" in source for source in c.get("envFrom", [])), f"{name}/{c['name']}"
        assert {"AMQP_URI", "WUYE_SECRET"} <= env_names(container), name
        # its own broker user: AMQP_URI from the Secret's {NAME}_AMQP_URI, never a shared key
        for c in pod_containers(dep):
            for e in c.get("env", []):
                if e["name"] == "AMQP_URI":
                    assert e["valueFrom"]["secretKeyRef"]["key"] == f"{name.upper()}_AMQP_URI", name


def test_k8s_secret_template_has_a_broker_user_and_database_role_per_process():
    template = [d for d in yaml.safe_load_all(SECRET_TEMPLATE.read_text()) if d][0]["stringData"]
    assert "AMQP_URI" not in template, "one broker URI shared by every process"
    for name in SERVICES:
        assert url_user(template[f"{name.upper()}_AMQP_URI"]) == f"wuye-{name}"
        assert url_user(template[f"{name.upper()}_DB_URL"]) == name
    for path in K8S.glob("*.yaml"):
        text = path.read_text()
        assert "guest:guest" not in text and "//guest:" not in text and "//admin:" not in text, path.name
    gateway = main_container(objects_of("Deployment")["gateway"])
    token = next(e for e in gateway["env"] if e["name"] == "GATEWAY_TOKEN_SECRET")["valueFrom"]["secretKeyRef"]
    assert not token.get("optional"), "the gateway's token key is required"


def test_k8s_resources_and_probes():
    for name, dep in objects_of("Deployment").items():
        for c in pod_containers(dep):
            resources = c.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(kind, {})), f"{name}/{c['name']}: resources.{kind}"
            sc = c.get("securityContext", {})
            assert sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True, \
                f"{name}/{c['name']}: securityContext"
            mounts = {m["mountPath"] for m in c.get("volumeMounts", [])}
            assert {"/app/var", "/tmp"} <= mounts, f"{name}/{c['name']}: writable var/ and /tmp"
        container = main_container(dep)
        assert container.get("readinessProbe") and container.get("livenessProbe"), f"{name}: probes"
        if name == "gateway":
            # readiness must not hang on the other services: one down would unready every pod
            assert container["readinessProbe"]["httpGet"]["path"] == "/health/live"
            assert "tcpSocket" in container["livenessProbe"]
            assert {p["containerPort"] for p in container["ports"]} == {8000}
        else:
            probe_cases = set(re.findall(r"^\s+(\w+)\) probe_\w+ ;;", ENTRYPOINT.read_text(), re.M))
            for probe in ("readinessProbe", "livenessProbe"):
                command = container[probe]["exec"]["command"]
                assert command[0].endswith("docker-entrypoint.sh") and command[1] == "probe", f"{name}: {command}"
                assert command[2] in probe_cases, f"{name}: the entrypoint has no probe {command[2]!r}"


def test_k8s_images_are_one_image_and_match_compose():
    images = {c["image"] for dep in objects_of("Deployment").values() for c in pod_containers(dep)}
    assert len(images) == 1, f"every container runs the same image, got {images}"
    image = images.pop()
    repository = image.rsplit(":", 1)[0]
    assert [i["name"] for i in kustomization()["images"]] == [repository]
    compose_images = {compose_text_defaults(svc["image"]) for svc in compose_app_services(load_compose()).values()}
    assert len(compose_images) == 1, compose_images
    assert repository.rsplit("/", 1)[-1] == compose_images.pop().rsplit(":", 1)[0].rsplit("/", 1)[-1] == "wuye"
    builds = {yaml.safe_dump(svc["build"]) for svc in compose_app_services(load_compose()).values()}
    assert len(builds) == 1
    build = compose_app_services(load_compose())["gateway"]["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


def test_k8s_references_resolve():
    configmaps = objects_of("ConfigMap")
    template = [d for d in yaml.safe_load_all(SECRET_TEMPLATE.read_text()) if d][0]
    assert template["kind"] == "Secret"
    secret_keys = set(template["stringData"])
    for name, dep in objects_of("Deployment").items():
        for c in pod_containers(dep):
            for source in c.get("envFrom", []):
                assert source["configMapRef"]["name"] in configmaps, f"{name}: unknown ConfigMap"
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == template["metadata"]["name"], f"{name}: secret {ref['name']}"
                    assert ref["key"] in secret_keys, f"{name}: key {ref['key']} not in the Secret template"
    optional = {e["valueFrom"]["secretKeyRef"]["key"] for dep in objects_of("Deployment").values()
                for c in pod_containers(dep) for e in c.get("env", [])
                if e.get("valueFrom", {}).get("secretKeyRef", {}).get("optional")}
    for key, value in template["stringData"].items():
        if key not in optional:
            assert "REPLACE" in value, f"Secret template {key} must be a placeholder"


def test_k8s_settings_are_real_settings():
    known = all_config_vars() | PROCESS_ENV
    for configmap in objects_of("ConfigMap").values():
        unknown = set(configmap["data"]) - known
        assert not unknown, f"ConfigMap keys read by no config and no code: {unknown}"
        assert not db_url_vars(configmap["data"]) and "WUYE_SECRET" not in configmap["data"]
    for name, dep in objects_of("Deployment").items():
        for c in pod_containers(dep):
            unknown = env_names(c) - known
            assert not unknown, f"{name}/{c['name']}: {unknown} are read by no config and no code"


def test_k8s_gateway_service_ingress_pdb_hpa():
    deployments = objects_of("Deployment")
    services = objects_of("Service")
    gateway_labels = deployments["gateway"]["spec"]["template"]["metadata"]["labels"]
    svc = services["gateway"]
    assert svc["spec"]["selector"].items() <= gateway_labels.items()
    port_names = {p["name"] for p in main_container(deployments["gateway"])["ports"]}
    assert all(p["targetPort"] in port_names | {8000} for p in svc["spec"]["ports"])
    ingress = objects_of("Ingress")["gateway"]
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]]
    svc_ports = {p["name"] for p in svc["spec"]["ports"]} | {p["port"] for p in svc["spec"]["ports"]}
    for backend in backends:
        assert backend["name"] == "gateway"
        assert backend["port"].get("name", backend["port"].get("number")) in svc_ports
    pdbs, hpas = objects_of("PodDisruptionBudget"), objects_of("HorizontalPodAutoscaler")
    for name in ("tickets", "gateway"):
        assert name in pdbs and name in hpas, f"{name} needs a PodDisruptionBudget and an HPA"
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert pdbs[name]["spec"]["selector"]["matchLabels"].items() <= labels.items()
        target = hpas[name]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", name)
        assert hpas[name]["spec"]["minReplicas"] >= 2 and hpas[name]["spec"]["maxReplicas"] > hpas[name]["spec"]["minReplicas"]
        assert "replicas" not in deployments[name]["spec"], f"{name}: the HPA owns replicas"
        assert pdbs[name]["spec"].get("minAvailable", 0) < hpas[name]["spec"]["minReplicas"]


def test_k8s_namespace_is_consistent():
    namespaces = objects_of("Namespace")
    assert list(namespaces) == [kustomization()["namespace"]]
    for obj in deployed_objects():
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace") == kustomization()["namespace"], obj["metadata"]["name"]


# -- the ops guide ----------------------------------------------------------------------

def test_readme_documents_every_setting_and_the_procedures():
    text = README.read_text()
    rows = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", text, re.M))   # one table row per setting
    missing = (all_config_vars() | PROCESS_ENV) - rows
    assert not missing, f"deploy/README.md settings table lacks rows for {sorted(missing)}"
    for phrase in ("docker build -f deploy/Dockerfile", "--build-arg APP_VERSION", "--scale tickets=3",
                   "kubectl apply -k deploy/k8s", "user create", "dlq list", "dlq replay", "back up"):
        assert phrase in text, f"deploy/README.md does not cover {phrase!r}"
