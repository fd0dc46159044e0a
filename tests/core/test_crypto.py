"""Credentials are encrypted at rest and survive a key rotation."""

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from core import crypto
from providers.models import Provider


@pytest.fixture
def fresh_keys(settings):
    def use(*keys):
        settings.FIELD_ENCRYPTION_KEYS = list(keys)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def test_secret_is_not_stored_in_clear(db):
    provider = Provider.objects.create(code="acme", name="Acme", base_url="http://acme.invalid/", secret="top-secret")
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM providers_provider WHERE id = %s", [provider.pk])
        stored = cursor.fetchone()[0]
    assert "top-secret" not in stored
    assert Provider.objects.get(pk=provider.pk).secret == "top-secret"


def test_rotation_keeps_old_values_readable(db, fresh_keys):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    fresh_keys(old_key)
    provider = Provider.objects.create(code="acme", name="Acme", base_url="http://acme.invalid/", secret="v1")
    fresh_keys(new_key, old_key)
    assert Provider.objects.get(pk=provider.pk).secret == "v1"
    fresh_keys(new_key)
    with pytest.raises(Exception, match="cannot be decrypted"):
        Provider.objects.get(pk=provider.pk)
