"""Reads of the provider app: the catalogue, a player's sessions and rounds, rounds waiting for an answer."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from core.errors import NotFound
from providers.errors import GameNotFound
from providers.models import Game, GameSession, Provider, Round, RoundStatus


def games_catalogue() -> QuerySet[Game]:
    """Every game of an enabled provider (a disabled game is listed as unavailable), in a stable order."""
    return Game.objects.filter(provider__enabled=True).select_related("provider").order_by("name", "id")


def game_is_offered(*, game: Game, provider: Provider) -> bool:
    """Staff have switched neither the game nor its provider off: the half of "playable" that opening a session and
    staking money in one share (providers.services.sessions.session_playable_check holds the other half)."""
    return game.enabled and provider.enabled


def game_playable_get(*, game_id) -> Game:
    game = Game.objects.select_related("provider").filter(pk=game_id).first()
    if game is None or not game_is_offered(game=game, provider=game.provider):
        raise GameNotFound(f"No playable game {game_id}.")
    return game


def session_of_player_get(*, player, session_id) -> GameSession:
    session = GameSession.objects.select_related("game", "provider").filter(pk=session_id, player=player).first()
    if session is None:
        raise NotFound("No such game session.")
    return session


def round_of_player_get(*, player, round_id) -> Round:
    found = Round.objects.filter(pk=round_id, player=player).first()
    if found is None:
        raise NotFound("No such round.")
    return found


def rounds_pending_before(*, created_before: datetime, limit: int = 200) -> list:
    """Ids of rounds still waiting for the provider's answer, oldest first (for the periodic resolver)."""
    return list(
        Round.objects.filter(status=RoundStatus.PENDING, created_at__lt=created_before)
        .order_by("created_at")
        .values_list("id", flat=True)[:limit]
    )


def providers_enabled() -> QuerySet[Provider]:
    return Provider.objects.filter(enabled=True).order_by("code")
