"""Partner rows are kept in each process with their keys decrypted, and dropped when staff change them: at once in
the process that saved, and within PARTNER_CACHE_CHECK_SECONDS in every other one (a real second process here)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from core.partners import partner_cached
from payments.models import Gateway
from providers.models import Provider

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def provider():
    return Provider.objects.create(
        code="acme", name="Acme", base_url="https://acme.example/", key_id="k", secret="first-secret"
    )


def test_a_cached_row_is_read_once(provider, django_assert_num_queries):
    first = partner_cached(Provider, code="acme")
    with django_assert_num_queries(0):
        assert partner_cached(Provider, code="acme") is first
        assert partner_cached(Provider, pk=provider.pk) is first
    assert first.secret == "first-secret"  # decrypted once, kept decrypted
    assert partner_cached(Provider, code="nobody") is None


def test_a_save_or_delete_in_this_process_drops_the_row_at_once(provider):
    assert partner_cached(Provider, code="acme").secret == "first-secret"
    provider.secret = "rotated-secret"
    provider.save()
    assert partner_cached(Provider, code="acme").secret == "rotated-secret"
    provider.delete()
    assert partner_cached(Provider, code="acme") is None


def test_each_partner_model_has_its_own_rows(provider):
    gateway = Gateway.objects.create(code="acme", name="Acme Pay", adapter="sandbox_rest", base_url="https://p/")
    assert partner_cached(Gateway, code="acme").pk == gateway.pk
    assert isinstance(partner_cached(Provider, code="acme"), Provider)


def _save_in_another_process(code: str, secret: str) -> None:
    """Staff's change made by another process of the platform (its own connection, its own partner cache)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "casino.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    script = (
        "import django; django.setup()\n"
        "from providers.models import Provider\n"
        f"row = Provider.objects.get(code={code!r}); row.secret = {secret!r}; row.save()\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, timeout=60)


def test_a_change_saved_by_another_process_arrives_within_the_check_interval(provider, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the second process reaches the test database over PostgreSQL")
    settings.PARTNER_CACHE_CHECK_SECONDS = 0.5
    assert partner_cached(Provider, code="acme").secret == "first-secret"

    _save_in_another_process("acme", "rotated-elsewhere")
    saved_at = time.monotonic()

    while partner_cached(Provider, code="acme").secret != "rotated-elsewhere":
        assert time.monotonic() - saved_at < settings.PARTNER_CACHE_CHECK_SECONDS + 0.5, "the change never arrived"
        time.sleep(0.05)
