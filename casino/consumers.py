"""The player's WebSocket (/ws/player/): authenticated with the JWT access token, it forwards the pushes of
`core.realtime` (balance.updated, round.settled, payment.updated) to the connected client as JSON.

The token comes preferably as a subprotocol (`new WebSocket(url, ["bearer", token])`): a URL can end up in logs,
a subprotocol does not. `?token=` is still accepted (the contract allows it) and redacted from every log line
(core.middleware.TokenRedactingLogFilter). The socket closes when its token expires, and a player from a blocked
country (the connection's or the profile's) is refused like at every other entry."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken

from core.geo import CountryBlocked, country_of, geo_check
from core.realtime import player_group

CLOSE_UNAUTHENTICATED = 4401  # also when the token expires: the client refreshes it and connects again
CLOSE_COUNTRY_BLOCKED = 4403
BEARER_SUBPROTOCOL = "bearer"


def _token_candidates(scope) -> tuple[list[str], str | None]:
    """Tokens offered by the client (subprotocol first) and the subprotocol to echo back, if any.

    Browsers cannot set headers on a WebSocket, so the token comes as a subprotocol or as `?token=`; the server must
    then select one of the offered subprotocols."""
    offered = [p for p in scope.get("subprotocols", []) if p]
    query = parse_qs(scope.get("query_string", b"").decode())
    candidates = [p for p in offered if p != BEARER_SUBPROTOCOL] + query.get("token", [])[:1]
    echo = BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in offered else (offered[0] if offered else None)
    return candidates, echo


@database_sync_to_async
def _active_user(user_id):
    return get_user_model().objects.select_related("player").filter(pk=user_id, is_active=True).first()


@database_sync_to_async
def _geo_allowed(scope, user) -> bool:
    headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
    peer = (scope.get("client") or [None])[0]
    try:
        geo_check(countries=[country_of(peer=peer, headers=headers), user.geo_country])
    except CountryBlocked:
        return False
    return True


class PlayerConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        candidates, echo = _token_candidates(self.scope)
        user, token = None, None
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
        if not await _geo_allowed(self.scope, user):
            await self.close(code=CLOSE_COUNTRY_BLOCKED)
            return
        self.user_id = user.pk
        self.group_name = player_group(user.pk)
        await self.channel_layer.group_add(self.group_name, self.channel_name)
        await self.accept(subprotocol=echo)
        self.expiry = asyncio.create_task(self._close_at(token["exp"]))

    async def _close_at(self, expires_at: float) -> None:
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def disconnect(self, code):
        expiry = getattr(self, "expiry", None)
        if expiry is not None:
            expiry.cancel()
        group = getattr(self, "group_name", None)
        if group:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        # The socket is push-only; a ping gets a pong so clients can keep the connection alive.
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def player_push(self, event):
        await self.send_json(event["message"])
