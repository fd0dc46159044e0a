"""Player-side reads: the blocked countries (core.geo's source, cached briefly across processes)."""

from __future__ import annotations

from django.core.cache import cache

from casino.models import BlockedCountry

_BLOCKED_CACHE_KEY = "casino:blocked-countries"
_BLOCKED_CACHE_SECONDS = 60


def countries_blocked() -> list[str]:
    """The countries staff blocked (GEO_BLOCKED_COUNTRIES_SOURCE). Every spin asks, so it is cached; an admin
    change clears the cache at once, any other change shows within a minute."""
    codes = cache.get(_BLOCKED_CACHE_KEY)
    if codes is None:
        codes = list(BlockedCountry.objects.values_list("code", flat=True))
        cache.set(_BLOCKED_CACHE_KEY, codes, timeout=_BLOCKED_CACHE_SECONDS)
    return codes


def countries_blocked_cache_clear() -> None:
    cache.delete(_BLOCKED_CACHE_KEY)
