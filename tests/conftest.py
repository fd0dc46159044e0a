"""Shared fixtures: players and money set up through the real services, never hand-built rows."""

import itertools

import pytest
from django.core.cache import cache

from casino.services import player_register
from core.partners import partner_cache_clear
from ledger.models import AccountKind
from ledger.services import system_account_get_or_create, transfer, wallet_get_or_create

# The `browser` fixture (a headless chromium) for the browser tests of every app.
pytest_plugins = ["tests.support.browser"]

_names = itertools.count()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    partner_cache_clear()  # partner rows live in the process as well (a flushed test database does not tell it)
    yield


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """A new channel layer per test: channels_redis binds its receive lock to the first event loop that uses it,
    and each test (WebsocketCommunicator, async_to_sync) runs its own loop."""
    from channels.layers import channel_layers

    from core.realtime import pushes_stop

    channel_layers.backends.clear()
    yield
    pushes_stop()  # its connections belong to the layer being dropped
    channel_layers.backends.clear()


@pytest.fixture
def blocked_countries(db):
    """Block these countries as staff would in the admin (the migration's seed does not survive a flush)."""
    from casino.models import BlockedCountry
    from casino.selectors import countries_blocked_cache_clear

    def block(*codes):
        for code in codes:
            BlockedCountry.objects.get_or_create(code=code)
        countries_blocked_cache_clear()

    return block


@pytest.fixture
def make_player(db):
    def make(*, currency="EUR", country="MT", kyc_status=None, username=None):
        username = username or f"player{next(_names)}"
        user = player_register(
            username=username,
            password="correct-horse-9",
            email=f"{username}@example.com",
            country=country,
            currency=currency,
        )
        if kyc_status:
            from casino.services import player_kyc_set

            player_kyc_set(user=user, status=kyc_status)
        user.refresh_from_db()
        return user

    return make


@pytest.fixture
def fund(db):
    """Credit a player's wallet from a test gateway's clearing account, as a confirmed deposit would."""
    counter = itertools.count()

    def fund(user, minor: int, currency: str = "EUR"):
        wallet = wallet_get_or_create(user=user, currency=currency)
        clearing = system_account_get_or_create(kind=AccountKind.GATEWAY_CLEARING, currency=currency, partner="test")
        transfer(
            source=clearing,
            destination=wallet,
            amount=minor,
            kind="deposit",
            idempotency_key=f"test-fund:{user.pk}:{next(counter)}",
        )
        wallet.refresh_from_db()
        return wallet

    return fund


@pytest.fixture
def staff(django_user_model):
    """A staff member in one of the permission groups (support, finance, operations), or a superuser."""
    import importlib

    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group

    # A transactional test before this one flushed the tables the migration filled: fill them again.
    if not Group.objects.filter(name="operations").exists():
        for app_config in apps.get_app_configs():
            create_permissions(app_config, verbosity=0)
        importlib.import_module("backoffice.migrations.0002_staff_groups").groups_ensure(apps)

    def make(group: str | None = None, username: str | None = None):
        username = username or f"{group or 'root'}-staff"
        if group is None:
            return django_user_model.objects.create_superuser(username=username, password="pw-staff-1")
        user = django_user_model.objects.create_user(username=username, password="pw-staff-1", is_staff=True)
        user.groups.add(Group.objects.get(name=group))
        return django_user_model.objects.get(pk=user.pk)  # a fresh permission cache

    return make
