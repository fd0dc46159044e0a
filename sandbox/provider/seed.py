"""Seeds the sandbox game provider: its Provider row (calling /sandbox/provider/ where the sandbox partners are served)
and its games."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from providers.adapters.rest_json.adapter import games_from
from providers.models import Provider, ProviderProtocol
from providers.services import games_cache_invalidate, games_upsert
from sandbox.provider.catalogue import SANDBOX_GAMES
from sandbox.site import sandbox_partners_url

PROVIDER_CODE = "sandbox"


def sandbox_provider_seed(*, site_url: str | None = None, read_timeout: float = 10.0) -> Provider:
    """Create or update the sandbox Provider and its games (translated from the sandbox's own catalogue without an
    HTTP call, since the site may not be serving yet when this runs)."""
    base_url = (site_url or sandbox_partners_url()).rstrip("/") + "/sandbox/provider/"
    with transaction.atomic():
        provider, _ = Provider.objects.update_or_create(
            code=PROVIDER_CODE,
            defaults={
                "name": "Sandbox Games",
                "protocol": ProviderProtocol.REST_JSON,
                "adapter": "rest_json",
                "base_url": base_url,
                "enabled": True,
                "key_id": settings.SANDBOX_PROVIDER_KEY_ID,
                "secret": settings.SANDBOX_PROVIDER_SECRET,
                "connect_timeout": 3.0,
                "read_timeout": read_timeout,
                "currencies": sorted({game["ccy"] for game in SANDBOX_GAMES}),
            },
        )
        games_upsert(provider=provider, games=games_from({"games": SANDBOX_GAMES}))
        games_cache_invalidate()
    return provider


def seed() -> str:
    provider = sandbox_provider_seed()
    return f"sandbox/provider: provider {provider.code!r} at {provider.base_url} with {provider.games.count()} games"
