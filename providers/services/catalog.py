"""The game catalogue: upserting a provider's games and invalidating the cached GET /games.

Invalidation is an explicit service (a version number in the shared cache, bumped here and by the admin's saves)
rather than post_save/post_delete signals: the catalogue also changes through bulk updates (sync, admin actions,
Provider.enabled) that signals do not see, and the house style keeps business effects out of signals.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import router, transaction

from core.shards import catalogue_changed
from providers.interface import GameInfo
from providers.models import Game, Provider
from providers.registry import adapter_for

logger = logging.getLogger(__name__)

GAMES_VERSION_KEY = "games:catalogue:version"


def _version_start() -> int:
    # A counter lost with the cache (a Redis restart) starts again from the clock in milliseconds, above any
    # version handed out before it, so a copy the gateway keyed by an old number is never taken for current.
    return int(time.time() * 1000)


def games_cache_version() -> int:
    version = cache.get(GAMES_VERSION_KEY)
    if version is None:
        start = _version_start()
        cache.add(GAMES_VERSION_KEY, start, timeout=None)
        version = cache.get(GAMES_VERSION_KEY, start)
    return int(version)


def games_cache_invalidate() -> None:
    """Make every cached copy of the catalogue stale (after commit, so no reader caches the old rows again).

    In a jurisdiction cell the catalogue is written to its own database and read from this cell's replica: the
    replica is refreshed first, on the same commit (core.shards), and the pull calls this again once it commits."""

    def bump():
        try:
            cache.incr(GAMES_VERSION_KEY)
        except ValueError:  # no version yet: start one above any a reader could have cached
            cache.set(GAMES_VERSION_KEY, _version_start(), timeout=None)

    catalogue_changed()
    transaction.on_commit(bump, using=router.db_for_write(Game))


def games_upsert(*, provider: Provider, games: list[GameInfo], disable_missing: bool = True) -> dict[str, int]:
    """Create or update the provider's games; games the provider no longer lists are disabled, never deleted
    (rounds refer to them)."""
    counts = {"created": 0, "updated": 0, "disabled": 0}
    with transaction.atomic(using=router.db_for_write(Game)):  # the catalogue database in a jurisdiction cell
        existing = {g.code: g for g in Game.objects.select_for_update().filter(provider=provider)}
        for info in games:
            fields = {
                "name": info.name,
                "category": info.category,
                "currency": info.currency,
                "min_bet": info.min_bet,
                "max_bet": info.max_bet,
                "enabled": info.enabled,
            }
            game = existing.get(info.code)
            if game is None:
                Game.objects.create(provider=provider, code=info.code, **fields)
                counts["created"] += 1
            elif any(getattr(game, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(game, name, value)
                game.save()
                counts["updated"] += 1
        if disable_missing:
            listed = {info.code for info in games}
            missing = [code for code, game in existing.items() if code not in listed and game.enabled]
            counts["disabled"] = Game.objects.filter(provider=provider, code__in=missing).update(enabled=False)
        if any(counts.values()):
            games_cache_invalidate()
    return counts


def catalog_sync(*, provider: Provider) -> dict[str, int]:
    """Fetch the provider's catalogue through its adapter and upsert it."""
    games = adapter_for(provider).list_games()
    counts = games_upsert(provider=provider, games=games)
    logger.info("catalogue of %s synced: %s", provider.code, counts)
    return counts
