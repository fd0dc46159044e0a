"""Reads for the seamless wallet: which provider, player and game session a callback names, and rounds."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from providers.models import GameSession, Provider, WalletAction, WalletTransaction, WalletTransactionStatus


def provider_for_callback(*, code: str) -> Provider | None:
    """The enabled provider with this code, or None (a disabled provider is as unknown as a missing one)."""
    return Provider.objects.filter(code=code, enabled=True).first()


def player_for_callback(*, player_id: str) -> AbstractBaseUser | None:
    """The player (a user with a PlayerProfile) with this id, or None; a malformed id is simply not found."""
    try:
        pk = uuid.UUID(player_id)
    except (TypeError, ValueError, AttributeError):
        return None
    return get_user_model().objects.select_related("player").filter(pk=pk, player__isnull=False).first()


def game_session_for_callback(*, provider: Provider, player: AbstractBaseUser, session_id: str) -> GameSession | None:
    """The game session a callback names, in any state, or None.

    A provider may know the platform's GameSession id (a UUID, sent to it when the session was opened) or its own
    token for the session (`provider_session_id`); either is accepted. Only a session of this provider and this
    player is ever found: another player's or another provider's session is as unknown as a made-up id."""
    # Loaded with its game and provider: the bet's playable check reads both (one join, no extra query).
    sessions = GameSession.objects.select_related("game", "provider").filter(provider=provider, player=player)
    try:
        pk = uuid.UUID(session_id)
    except (TypeError, ValueError, AttributeError):
        pk = None
    if pk is not None:
        found = sessions.filter(pk=pk).first()
        if found is not None:
            return found
    # Provider tokens are not unique across time: the newest session holding this one is the one in play.
    return sessions.filter(provider_session_id=session_id).order_by("-created_at").first()


def round_bets(*, provider: Provider, round_id: str, player: AbstractBaseUser) -> QuerySet[WalletTransaction]:
    """The bets of one provider round placed by one player (tombstones excluded), oldest first."""
    return (
        WalletTransaction.objects.filter(provider=provider, round_id=round_id, player=player, action=WalletAction.BET)
        .exclude(status=WalletTransactionStatus.TOMBSTONE)
        .order_by("created_at", "id")
    )


def round_has_win(*, provider: Provider, round_id: str, player: AbstractBaseUser) -> bool:
    return WalletTransaction.objects.filter(
        provider=provider, round_id=round_id, player=player, action=WalletAction.WIN
    ).exists()
