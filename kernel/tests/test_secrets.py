"""Production refuses weak secrets; the gateway's token key is its own."""
import re
import subprocess
import sys

import pytest
import yaml

from kernel.config import (DEV_SECRET, MIN_SECRET_BYTES, ROOT, WeakSecret, check_secrets, secret_from,
                           secret_problem, token_secret_problems)

STRONG = "a" * 16 + "0123456789abcdef0123456789abcdef"
STRONG_TOKEN = "b" * 16 + "fedcba9876543210fedcba9876543210"


def example_secret_values() -> list[str]:
    """Every secret value the repository's deploy/ files show as an example."""
    k8s = yaml.safe_load((ROOT / "deploy/k8s/secret.example.yaml").read_text())["stringData"]
    values = [k8s["WUYE_SECRET"], k8s["GATEWAY_TOKEN_SECRET"]]
    for path in (ROOT / "deploy").rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".yaml", ".env", ".example", ".md", ".sh"):
            values += re.findall(r"(?:WUYE_SECRET|GATEWAY_TOKEN_SECRET)[:=]\s*\$\{\w+:-?([^}?][^}]*)\}",
                                 path.read_text())
    return [v.strip().strip('"') for v in values]


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("WUYE_ENV", "production")
    monkeypatch.delenv("WUYE_SECRET", raising=False)
    monkeypatch.delenv("GATEWAY_TOKEN_SECRET", raising=False)


def test_published_and_short_values_are_weak():
    assert example_secret_values(), "found no example values in deploy/"
    for value in example_secret_values() + [DEV_SECRET, "test-secret", "x" * (MIN_SECRET_BYTES - 1), ""]:
        assert secret_problem("WUYE_SECRET", value), value
    assert secret_problem("WUYE_SECRET", STRONG) is None
    # bytes, not characters: 11 CJK characters are 33 bytes
    assert secret_problem("WUYE_SECRET", "物" * 11) is None


@pytest.mark.parametrize("value", [None, DEV_SECRET, "REPLACE-with-openssl-rand-hex-32", "short-but-random"])
def test_production_refuses_a_weak_platform_secret(production, value):
    with pytest.raises(WeakSecret, match="WUYE_SECRET"):
        secret_from({"WUYE_SECRET": value} if value else {})


def test_production_takes_a_strong_secret_and_development_has_a_default(production, monkeypatch):
    assert secret_from({"WUYE_SECRET": STRONG}) == STRONG
    monkeypatch.delenv("WUYE_ENV")
    assert secret_from({}) == DEV_SECRET


def test_the_token_key_is_never_the_platform_secret(production):
    assert token_secret_problems({"WUYE_SECRET": STRONG, "GATEWAY_TOKEN_SECRET": STRONG_TOKEN}) == []
    assert any("not set" in p for p in token_secret_problems({"WUYE_SECRET": STRONG}))
    assert any("differ" in p for p in token_secret_problems({"WUYE_SECRET": STRONG,
                                                              "GATEWAY_TOKEN_SECRET": STRONG}))
    assert any("shorter" in p for p in token_secret_problems({"WUYE_SECRET": STRONG,
                                                               "GATEWAY_TOKEN_SECRET": "tok"}))


def test_development_needs_only_a_token_key(monkeypatch):
    monkeypatch.delenv("WUYE_ENV", raising=False)
    monkeypatch.delenv("GATEWAY_TOKEN_SECRET", raising=False)
    assert check_secrets({}, gateway=True) == ["GATEWAY_TOKEN_SECRET is not set"]
    assert check_secrets({"GATEWAY_TOKEN_SECRET": "dev-token"}, gateway=True) == []
    assert check_secrets({}) == []


def run_check(env, *args):
    return subprocess.run([sys.executable, "-m", "kernel.config", "check-secrets", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)


def test_the_start_check_command(monkeypatch):
    base = {"PATH": "/usr/bin:/bin", "WUYE_ENV": "production"}
    weak = run_check(dict(base, WUYE_SECRET=DEV_SECRET), "--gateway")
    assert weak.returncode == 1
    assert "refusing to start: WUYE_SECRET is a published" in weak.stderr
    assert "GATEWAY_TOKEN_SECRET is not set" in weak.stderr
    assert run_check(dict(base, WUYE_SECRET=STRONG, GATEWAY_TOKEN_SECRET=STRONG_TOKEN),
                     "--gateway").returncode == 0
    assert run_check(dict(base, WUYE_SECRET=STRONG)).returncode == 0          # a service needs no token key


def test_wuye_up_generates_two_independent_private_secrets(tmp_path, monkeypatch):
    from deploy import run

    monkeypatch.setenv("WUYE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("WUYE_SECRET", raising=False)
    monkeypatch.delenv("GATEWAY_TOKEN_SECRET", raising=False)
    platform, token = run.platform_secret(), run.gateway_token_secret()
    assert platform != token
    assert secret_problem("WUYE_SECRET", platform) is None and secret_problem("T", token) is None
    for name in ("secret", "token-secret"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    assert (run.platform_secret(), run.gateway_token_secret()) == (platform, token)   # kept
    monkeypatch.setenv("GATEWAY_TOKEN_SECRET", STRONG_TOKEN)
    assert run.gateway_token_secret() == STRONG_TOKEN                                  # the environment wins
