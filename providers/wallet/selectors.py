"""Reads for the seamless wallet: which provider, player and game session a callback names, and rounds."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from core.partners import partner_cached
from providers.models import GameSession, Provider, WalletAction, WalletTransaction, WalletTransactionStatus


def provider_for_callback(*, code: str) -> Provider | None:
    """The enabled provider with this code, or None (a disabled provider is as unknown as a missing one). The row
    comes from the process's partner cache (core.partners), which staff changes drop."""
    provider = partner_cached(Provider, code=code)
    return provider if provider is not None and provider.enabled else None


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
    # Loaded with its game (one join) and given the provider row the callback already holds: the bet's playable
    # check reads both, and joining the provider again would decrypt its keys again.
    sessions = GameSession.objects.select_related("game").filter(provider=provider, player=player)
    try:
        pk = uuid.UUID(session_id)
    except (TypeError, ValueError, AttributeError):
        pk = None
    found = sessions.filter(pk=pk).first() if pk is not None else None
    if found is None:
        # Provider tokens are not unique across time: the newest session holding this one is the one in play.
        found = sessions.filter(provider_session_id=session_id).order_by("-created_at").first()
    if found is not None:
        found.provider = provider
    return found


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
