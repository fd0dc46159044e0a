"""Reads for the seamless wallet: which provider and player a callback names, rounds, and the wallet's balance."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from casino.models import User
from providers.models import Provider, WalletAction, WalletTransaction, WalletTransactionStatus


def provider_for_callback(*, code: str) -> Provider | None:
    """The enabled provider with this code, or None (a disabled provider is as unknown as a missing one)."""
    return Provider.objects.filter(code=code, enabled=True).first()


def player_for_callback(*, player_id: str) -> User | None:
    """The player (a user with a PlayerProfile) with this id, or None; a malformed id is simply not found."""
    try:
        pk = uuid.UUID(player_id)
    except (TypeError, ValueError, AttributeError):
        return None
    return User.objects.select_related("player").filter(pk=pk, player__isnull=False).first()


def round_bets(*, provider: Provider, round_id: str, player: User) -> QuerySet[WalletTransaction]:
    """The bets of one provider round placed by one player (tombstones excluded), oldest first."""
    return (
        WalletTransaction.objects.filter(provider=provider, round_id=round_id, player=player, action=WalletAction.BET)
        .exclude(status=WalletTransactionStatus.TOMBSTONE)
        .order_by("created_at", "id")
    )


def round_has_win(*, provider: Provider, round_id: str, player: User) -> bool:
    return WalletTransaction.objects.filter(
        provider=provider, round_id=round_id, player=player, action=WalletAction.WIN
    ).exists()
