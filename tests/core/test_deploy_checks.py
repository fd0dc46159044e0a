"""The production guard: `manage.py check --deploy` refuses sandbox mode, missing or public or derived keys, and
partner rows over plain HTTP or with the sandbox's published secrets. Settings checks run in a subprocess with the
production settings module and an environment of its own; row checks run here against seeded rows."""

import base64
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG = {
    "DJANGO_SECRET_KEY": "k" * 40 + "-production-secret",
    "JWT_SIGNING_KEY": "j" * 40 + "-production-jwt",
    "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(b"p" * 32).decode(),
    "SANDBOX_MODE": "0",
    "DJANGO_DEBUG": "0",
    "BEHIND_TLS_PROXY": "1",
    "ALLOWED_HOSTS": "casino.example.com",
    "SITE_URL": "https://casino.example.com",
}


def _run(args, **env_changes):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_"))}
    env.update(DJANGO_SETTINGS_MODULE="casino.settings", **STRONG)
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _deploy_check(**env_changes):
    result = _run(["manage.py", "check", "--deploy"], **env_changes)
    return result.returncode, result.stdout + result.stderr


def test_production_settings_pass_and_sandbox_settings_are_refused():
    code, output = _deploy_check()
    assert code == 0 and "core.E" not in output, output

    code, output = _deploy_check(SANDBOX_MODE="1", DJANGO_SECRET_KEY="", JWT_SIGNING_KEY="", FIELD_ENCRYPTION_KEYS="")
    assert code != 0
    for check in ("core.E001", "core.E003", "core.E004", "core.E005", "core.E006"):
        assert check in output, (check, output)


def test_derived_and_shared_keys_are_refused():
    secret = STRONG["DJANGO_SECRET_KEY"]
    derived = base64.urlsafe_b64encode(hashlib.sha256(f"field-encryption:{secret}".encode()).digest()).decode()
    code, output = _deploy_check(FIELD_ENCRYPTION_KEYS=derived, JWT_SIGNING_KEY=secret, ADMIN_OTP_REQUIRED="0")
    assert code != 0
    assert "core.E005" in output and "core.E004" in output and "core.E006" in output


def test_production_settings_require_their_keys_and_turn_on_tls_protections():
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'secure': s.SESSION_COOKIE_SECURE and s.CSRF_COOKIE_SECURE,"
        "'session': s.SESSION_COOKIE_AGE, 'otp': s.ADMIN_OTP_REQUIRED, 'proxy': s.SECURE_PROXY_SSL_HEADER}))"
    )
    result = _run(["-c", probe])
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["hsts"] >= 31_536_000 and values["secure"] and values["otp"]
    assert values["session"] <= 3600 and values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]

    # Outside sandbox mode a key missing from the environment stops the process: no public fallback signs tokens.
    for key in ("JWT_SIGNING_KEY", "FIELD_ENCRYPTION_KEYS"):
        missing = _run(["-c", "import django; django.setup()"], **{key: ""})
        assert missing.returncode != 0 and f"{key}" in missing.stderr, missing.stderr


@pytest.mark.django_db
def test_partner_rows_over_plain_http_or_with_sandbox_secrets_are_refused(settings):
    from payments.checks import gateways_check
    from payments.models import Gateway
    from providers.checks import providers_check
    from sandbox.gateway.seed import seed as gateway_seed
    from sandbox.provider.seed import sandbox_provider_seed

    settings.SITE_URL = "http://127.0.0.1:9"
    gateway_seed()
    sandbox_provider_seed()

    assert gateways_check() == [] and providers_check() == []  # rows are read only with --database
    gateway_ids = {error.id for error in gateways_check(databases=["default"])}
    provider_ids = {error.id for error in providers_check(databases=["default"])}
    assert gateway_ids == {"payments.E001", "payments.E002"}
    assert provider_ids == {"providers.E001", "providers.E002"}

    Gateway.objects.filter(code="sandbox").update(enabled=False)
    assert gateways_check(databases=["default"]) == []
