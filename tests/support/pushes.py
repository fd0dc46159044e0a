"""Listening to a player's pushes as their socket would: the player's group on the real channel layer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.realtime import player_group


def player_pushes_listen(player_id) -> Callable[..., list[dict]]:
    """Join the player's group now; the returned function gives every message pushed since, once none has come for
    `quiet` seconds."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(player_group(player_id), channel)

    async def receive_all(quiet: float = 1.0) -> list[dict]:
        messages = []
        while True:
            try:
                messages.append((await asyncio.wait_for(layer.receive(channel), timeout=quiet))["message"])
            except TimeoutError:
                return messages

    return async_to_sync(receive_all)
