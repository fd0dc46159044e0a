"""The sandbox app exists only in sandbox mode: outside it nothing installs, routes or imports it."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys, django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve
print("installed", "sandbox" in settings.INSTALLED_APPS)
try:
    resolve("/sandbox/provider/v2/games")
    print("routed True")
except Resolver404:
    print("routed False")
import casino.urls, casino.asgi, core.health, payments.tasks, providers.tasks  # the whole production surface
print("imported", sorted(m for m in sys.modules if m == "sandbox" or m.startswith("sandbox.")))
"""


def _probe(sandbox_mode: str, tmp_path) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "casino.settings",
        "SANDBOX_MODE": sandbox_mode,
        "DJANGO_SECRET_KEY": "layout-test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/layout.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_production_mode_neither_installs_routes_nor_imports_the_sandbox(tmp_path):
    out = _probe("0", tmp_path)
    assert "installed False" in out
    assert "routed False" in out
    assert "imported []" in out


def test_sandbox_mode_installs_and_routes_it(tmp_path):
    out = _probe("1", tmp_path)
    assert "installed True" in out
    assert "routed True" in out
