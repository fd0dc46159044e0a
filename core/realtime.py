"""Pushes to a player's WebSocket (/ws/player/) through the channel layer; called after the money commits, from
whichever process made the change (the channel layer carries them across processes)."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def player_group(user_id) -> str:
    return f"player.{user_id}"


def _send(user_id, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(player_group(user_id), {"type": "player.push", "message": message})
    except Exception:  # a push is best effort: money has already moved and the client can poll
        logger.exception("push to player %s failed", user_id)


def push_on_commit(user_id, message: dict) -> None:
    """Send `message` once the surrounding transaction commits (never for money that rolled back)."""
    transaction.on_commit(lambda: _send(user_id, message))


def balance_updated(*, user_id, balance: str, available: str, currency: str) -> None:
    push_on_commit(
        user_id, {"type": "balance.updated", "balance": balance, "available": available, "currency": currency}
    )


def round_settled(*, user_id, round_id, bet: str, payout: str, result_data) -> None:
    push_on_commit(
        user_id,
        {"type": "round.settled", "round_id": str(round_id), "bet": bet, "payout": payout, "result_data": result_data},
    )


def payment_updated(*, user_id, payment_id, kind: str, status: str, amount: str, currency: str) -> None:
    push_on_commit(
        user_id,
        {
            "type": "payment.updated",
            "payment_id": str(payment_id),
            "kind": kind,
            "status": status,
            "amount": amount,
            "currency": currency,
        },
    )
