"""The player's WebSocket (/ws/player/): authenticated with the JWT access token, it forwards the pushes of
`core.realtime` (balance.updated, round.settled) to the connected client as JSON."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from core.realtime import player_group

CLOSE_UNAUTHENTICATED = 4401
BEARER_SUBPROTOCOL = "bearer"


def _token_candidates(scope) -> tuple[list[str], str | None]:
    """Tokens offered by the client (query string first) and the subprotocol to echo back, if any.

    Browsers cannot set headers on a WebSocket, so the token comes as `?token=` or as a subprotocol
    (`new WebSocket(url, ["bearer", token])`); the server must then select one of the offered subprotocols."""
    query = parse_qs(scope.get("query_string", b"").decode())
    offered = [p for p in scope.get("subprotocols", []) if p]
    candidates = query.get("token", [])[:1] + [p for p in offered if p != BEARER_SUBPROTOCOL]
    echo = BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in offered else (offered[0] if offered else None)
    return candidates, echo


@database_sync_to_async
def _active_user(user_id):
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


class PlayerConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        candidates, echo = _token_candidates(self.scope)
        user = None
        for raw in candidates:
            try:
                token = AccessToken(raw)
            except TokenError:
                continue
            user = await _active_user(token.get("user_id"))
            if user is not None:
                break
        if user is None:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_id = user.pk
        self.group_name = player_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept(subprotocol=echo)

    async def disconnect(self, code):
        group = getattr(self, "group_name", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The socket is push-only; a ping gets a pong so clients can keep the connection alive.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def player_push(self, event):
        await self.send_json(event["message"])
