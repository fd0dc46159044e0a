"""payment.updated: a deposit or withdrawal whose status changes, as the player sees it (pending, succeeded,
failed), is pushed to the player's sockets once it commits; a change only staff see is not."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from core.realtime import player_group
from payments.models import Payment
from tests.payments.conftest import post_order, sandbox_complete


def _listen(user):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(player_group(user.pk), channel)

    async def receive_all(quiet: float = 1.0) -> list[dict]:
        messages = []
        while True:
            try:
                messages.append((await asyncio.wait_for(layer.receive(channel), timeout=quiet))["message"])
            except TimeoutError:
                return messages

    return async_to_sync(receive_all)


def _payment_updates(messages):
    return [m for m in messages if m["type"] == "payment.updated"]


def test_a_confirmed_deposit_pushes_its_new_status(gateway, make_player, api, site):
    player = make_player()
    body = post_order(api(player), "deposits", amount="25.00").json()
    receive = _listen(player)

    sandbox_complete(site, body["gateway_reference"], "succeeded")

    messages = receive()
    assert _payment_updates(messages) == [
        {
            "type": "payment.updated",
            "payment_id": body["payment_id"],
            "kind": "deposit",
            "status": "succeeded",
            "amount": "25.00",
            "currency": "EUR",
        }
    ]
    assert [m["type"] for m in messages] == ["balance.updated", "payment.updated"]  # money first, then the status


def test_a_withdrawal_pushes_nothing_until_its_status_changes_for_the_player(gateway, make_player, fund, api, site):
    player = make_player(kyc_status="verified")
    fund(player, 5_000)
    receive = _listen(player)

    created = post_order(api(player), "withdrawals", amount="20.00").json()

    # Created and then submitted to the gateway (created -> pending inside): the player saw "pending" all along.
    assert Payment.objects.get(pk=created["payment_id"]).status == "pending"
    sandbox_complete(site, Payment.objects.get(pk=created["payment_id"]).gateway_reference, "failed")

    assert _payment_updates(receive()) == [
        {
            "type": "payment.updated",
            "payment_id": created["payment_id"],
            "kind": "withdrawal",
            "status": "failed",
            "amount": "20.00",
            "currency": "EUR",
        }
    ]
