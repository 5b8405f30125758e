"""Settings come only from the environment, through helpers that fail loudly."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.env import ConfigError, env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parents[2]


def test_helpers_refuse_malformed_values(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    monkeypatch.setenv("X_INT", "ten")
    monkeypatch.setenv("X_SMALL", "0")
    with pytest.raises(ConfigError, match="X_BOOL='maybe' is not a boolean"):
        env_bool("X_BOOL", False)
    with pytest.raises(ConfigError, match="X_INT='ten' is not an integer"):
        env_int("X_INT", 1)
    with pytest.raises(ConfigError, match="X_SMALL=0 must be at least 1"):
        env_int("X_SMALL", 5, minimum=1)
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_list("X_LIST", []) == ["a.example", "b.example"]


def manage(*args, **env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "CHARTER_PRODUCTION"))}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=base | env,
                          capture_output=True, text=True, timeout=120)


def test_production_mode_passes_check_deploy_with_no_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", CHARTER_PRODUCTION="1",
                    DJANGO_SECRET_KEY="k" * 20 + "-a-long-random-production-secret-0123456789",
                    DJANGO_ALLOWED_HOSTS="charter.example")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = manage("check", CHARTER_PRODUCTION="1", DJANGO_ALLOWED_HOSTS="charter.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_a_malformed_database_url_fails_loudly():
    result = manage("check", DATABASE_URL="nosuchdb://x")
    assert result.returncode != 0
    assert "nosuchdb" in result.stderr
