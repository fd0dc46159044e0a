"""Seeds the SOAP sandbox game provider: its Provider row (calling /sandbox/soap-provider/ where the sandbox partners
are served) and, where the catalogue models exist, its games (called by manage.py sandbox_seed)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from core.money import to_minor
from providers.interface import GameInfo
from providers.models import Provider, ProviderProtocol
from sandbox.provider_soap.catalogue import SOAP_SANDBOX_GAMES
from sandbox.site import sandbox_partners_url

PROVIDER_CODE = "sandbox_soap"
_CATEGORIES = {"SLOT": "slots", "TABLE": "table", "LIVE": "live", "OTHER": "other"}


def soap_sandbox_games() -> list[GameInfo]:
    """The sandbox catalogue as the platform's GameInfo (without an HTTP call: the site may not be serving yet)."""
    return [
        GameInfo(
            code=game["GameCode"],
            name=game["Title"],
            category=_CATEGORIES[game["Category"]],
            currency=game["Currency"],
            min_bet=to_minor(game["MinStake"], game["Currency"]),
            max_bet=to_minor(game["MaxStake"], game["Currency"]),
            enabled=game["Active"],
        )
        for game in SOAP_SANDBOX_GAMES
    ]


def soap_sandbox_provider_seed(*, site_url: str | None = None) -> tuple[Provider, int | None]:
    """Create or update the SOAP sandbox Provider and its games; returns the row and the number of games (None when
    this build has no catalogue services)."""
    base_url = (site_url or sandbox_partners_url()).rstrip("/") + "/sandbox/soap-provider/"
    with transaction.atomic():
        provider, _ = Provider.objects.update_or_create(
            code=PROVIDER_CODE,
            defaults={
                "name": "Sandbox SOAP Games",
                "protocol": ProviderProtocol.SOAP_XML,
                "adapter": "soap_xml",
                "base_url": base_url,
                "enabled": True,
                # The sandbox provider's one key: it signs its wallet callbacks with it, the platform its calls.
                "key_id": settings.SANDBOX_PROVIDER_KEY_ID,
                "secret": settings.SANDBOX_PROVIDER_SECRET,
                "currencies": sorted({game["Currency"] for game in SOAP_SANDBOX_GAMES}),
            },
        )
        try:
            from providers.services import games_cache_invalidate, games_upsert
        except ImportError:  # the catalogue (Game, games_upsert) lives in the platform half of the app
            return provider, None
        games_upsert(provider=provider, games=soap_sandbox_games())
        games_cache_invalidate()
    return provider, len(SOAP_SANDBOX_GAMES)


def seed() -> str:
    provider, games = soap_sandbox_provider_seed()
    games_text = f"{games} games" if games is not None else "no catalogue models in this build, games not seeded"
    return f"sandbox/provider_soap: provider {provider.code!r} at {provider.base_url} ({games_text})"
