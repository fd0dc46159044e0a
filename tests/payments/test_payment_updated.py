"""payment.updated: a deposit or withdrawal whose status changes, as the player sees it (pending, succeeded,
failed), is pushed to the player's sockets once it commits; a change only staff see is not."""

from payments.models import Payment
from tests.payments.conftest import post_order, sandbox_complete
from tests.support.pushes import player_pushes_listen


def _listen(user):
    return player_pushes_listen(user.pk)


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
