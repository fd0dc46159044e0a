"""Money that moves through a payment is pushed to the player's sockets (core.realtime) once it commits."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.realtime import player_group
from tests.payments.conftest import post_order, sandbox_complete


def _listen(user):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(player_group(user.pk), channel)

    async def receive():
        return await asyncio.wait_for(layer.receive(channel), timeout=10)

    return async_to_sync(receive)


def test_confirmed_deposit_pushes_the_new_balance(gateway, make_player, api, site):
    player = make_player()
    body = post_order(api(player), "deposits", amount="25.00").json()
    receive = _listen(player)
    sandbox_complete(site, body["gateway_reference"], "succeeded")
    assert receive()["message"] == {
        "type": "balance.updated",
        "balance": "25.00",
        "available": "25.00",
        "currency": "EUR",
    }


def test_withdrawal_hold_pushes_the_lower_available_balance(gateway, make_player, fund, api):
    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    receive = _listen(player)
    assert post_order(api(player), "withdrawals", amount="20.00").status_code == 201
    assert receive()["message"] == {
        "type": "balance.updated",
        "balance": "50.00",
        "available": "30.00",
        "currency": "EUR",
    }
