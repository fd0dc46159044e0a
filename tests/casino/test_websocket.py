"""The player's WebSocket: JWT from the subprotocol or ?token=, own group only, pushes forwarded as JSON; closed when
the token expires, refused from a blocked country, and a query token never logged."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from casino.asgi import application
from casino.services import player_token_obtain
from core.realtime import player_group

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://testserver")]


def _access(user):
    return player_token_obtain(username=user.username, password="correct-horse-9")["access"]


async def _receive_push(communicator, user_id, message):
    await get_channel_layer().group_send(player_group(user_id), {"type": "player.push", "message": message})
    return await communicator.receive_json_from(timeout=2)


def test_query_token_joins_the_players_group_and_receives_pushes(make_player):
    user = make_player()
    token = _access(user)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/player/?token={token}", headers=ORIGIN)
        connected, _ = await communicator.connect()
        assert connected
        message = {"type": "balance.updated", "balance": "10.00", "available": "10.00", "currency": "EUR"}
        assert await _receive_push(communicator, user.pk, message) == message
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=2) == {"type": "pong"}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_subprotocol_token_is_accepted_and_bearer_echoed(make_player):
    user = make_player()
    token = _access(user)

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/player/", headers=ORIGIN, subprotocols=["bearer", token])
        connected, subprotocol = await communicator.connect()
        assert connected and subprotocol == "bearer"
        message = {"type": "round.settled", "round_id": "r1", "bet": "1.00", "payout": "0.00", "result_data": {}}
        assert await _receive_push(communicator, user.pk, message) == message
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_bad_or_missing_token_is_refused(make_player):
    async def scenario():
        for path in ("/ws/player/", "/ws/player/?token=garbage"):
            communicator = WebsocketCommunicator(application, path, headers=ORIGIN)
            connected, code = await communicator.connect()
            # Tell the refused consumer the socket is gone, so it stops listening on the channel layer now rather
            # than being cancelled mid-read when the test's event loop closes.
            await communicator.disconnect()
            assert not connected and code == 4401

    async_to_sync(scenario)()


def test_a_player_gets_only_their_own_pushes(make_player):
    alice, bob = make_player(), make_player()
    token = _access(alice)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/player/?token={token}", headers=ORIGIN)
        assert (await communicator.connect())[0]
        await get_channel_layer().group_send(player_group(bob.pk), {"type": "player.push", "message": {"x": 1}})
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_an_idle_socket_outlives_the_channel_layers_blocking_pop(make_player):
    """channels_redis blocks 5 s per pop on a socket's channel; the Redis read must wait longer than that, or an
    idle socket dies with a read timeout and misses the next push."""
    user = make_player()
    token = _access(user)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/player/?token={token}", headers=ORIGIN)
        assert (await communicator.connect())[0]
        assert await communicator.receive_nothing(timeout=6.5)  # idle past one blocking pop
        message = {"type": "balance.updated", "balance": "1.00", "available": "1.00", "currency": "EUR"}
        assert await _receive_push(communicator, user.pk, message) == message
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_the_socket_closes_when_its_token_expires(make_player):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    user = make_player()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=timedelta(seconds=3))

    async def scenario():
        communicator = WebsocketCommunicator(
            application, "/ws/player/", headers=ORIGIN, subprotocols=["bearer", str(token)]
        )
        assert (await communicator.connect())[0]
        closed = await communicator.receive_output(timeout=8)
        assert closed == {"type": "websocket.close", "code": 4401}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_player_from_a_blocked_country_is_refused_at_connect(make_player, blocked_countries, settings):
    user = make_player(country="MT")
    token = _access(user)
    settings.GEO_COUNTRY_HEADER, settings.TRUSTED_PROXY_NETWORKS = "CF-IPCountry", ["127.0.0.1/32"]
    blocked_countries("KP")

    async def connect(headers):
        communicator = WebsocketCommunicator(
            application, "/ws/player/", headers=ORIGIN + headers, subprotocols=["bearer", token]
        )
        communicator.scope["client"] = ["127.0.0.1", 50000]
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(connect)([(b"cf-ipcountry", b"KP")]) == (False, 4403)
    assert async_to_sync(connect)([(b"cf-ipcountry", b"MT")])[0]
    blocked_countries("MT")  # the profile's own country
    assert async_to_sync(connect)([]) == (False, 4403)


def test_a_query_token_never_reaches_a_log_line(caplog):
    import logging

    from core.middleware import TokenRedactingLogFilter

    record = logging.LogRecord(
        "django.channels.server",
        logging.WARNING,
        __file__,
        1,
        "HTTP %s %s",
        ("GET", "/ws/player/?token=eyJ.abc.def"),
        None,
    )
    assert TokenRedactingLogFilter().filter(record)
    assert record.getMessage() == "HTTP GET /ws/player/?token=[redacted]"
