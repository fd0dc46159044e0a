"""Production settings (SANDBOX_MODE and DEBUG off) refuse the sandbox's development defaults; sandbox mode, said out
loud, runs with them. Each case loads the settings in a fresh interpreter, as a server process would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_SECRET_KEY = "sandbox-only-insecure-secret-key-change-me"
A_KEY = "bWFrZS10ZXN0LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"}}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('settings ok')"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "casino.settings", "DJANGO_DEBUG": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "refusal"),
    [
        ({"DJANGO_SECRET_KEY": SANDBOX_SECRET_KEY, "FIELD_ENCRYPTION_KEYS": A_KEY}, "DJANGO_SECRET_KEY is the sandbox"),
        ({"DJANGO_SECRET_KEY": "a-real-secret-" + "x" * 40, "FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_sandbox_defaults(env, refusal):
    loaded = _load_settings(SANDBOX_MODE="0", **env)
    assert loaded.returncode != 0
    assert "ImproperlyConfigured" in loaded.stderr and refusal in loaded.stderr, loaded.stderr[-1500:]


def test_sandbox_mode_runs_with_them():
    loaded = _load_settings(SANDBOX_MODE="1", DJANGO_SECRET_KEY=SANDBOX_SECRET_KEY, FIELD_ENCRYPTION_KEYS="")
    assert loaded.returncode == 0, loaded.stderr[-1500:]


def test_production_runs_with_its_own_secrets():
    loaded = _load_settings(
        SANDBOX_MODE="0",
        DJANGO_SECRET_KEY="a-real-secret-" + "x" * 40,
        JWT_SIGNING_KEY="a-real-jwt-key-" + "y" * 40,
        FIELD_ENCRYPTION_KEYS=A_KEY,
    )
    assert loaded.returncode == 0, loaded.stderr[-1500:]
