"""Key rotation: after a new key is put first, `encryption_rotate` re-encrypts every stored secret under it, so the
old key can be dropped and everything still decrypts."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from core import crypto
from payments.models import Gateway

OLD = base64.urlsafe_b64encode(b"o" * 32).decode()
NEW = base64.urlsafe_b64encode(b"n" * 32).decode()


@pytest.fixture
def keys(settings):
    def use(*keys):
        settings.FIELD_ENCRYPTION_KEYS = list(keys)
        crypto._fernet.cache_clear()

    yield use
    crypto._fernet.cache_clear()


def _stored(gateway_id) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT webhook_secret FROM payments_gateway WHERE id = %s", [gateway_id])
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rotation_re_encrypts_every_secret_under_the_newest_key(keys):
    keys(OLD)
    gateway = Gateway.objects.create(
        code="acme", name="Acme", adapter="sandbox_rest", base_url="https://acme.invalid/", webhook_secret="w-secret"
    )
    before = _stored(gateway.pk)
    keys(NEW, OLD)

    call_command("encryption_rotate", verbosity=0)

    assert _stored(gateway.pk) != before
    keys(NEW)  # the old key is gone: everything still reads
    assert Gateway.objects.get(pk=gateway.pk).webhook_secret == "w-secret"
    keys(OLD)
    with pytest.raises(ImproperlyConfigured):
        Gateway.objects.get(pk=gateway.pk)
